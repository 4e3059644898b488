"""Route 53 Resolver DNS Firewall, pure: domain matching (R140), rule and rule-group order
(R141, R143), actions (R142, R145), fail-open (R146), log fields (R147) and the loader's
refusals (R141, R144)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from netemu.errors import LoadError
from netemu.vpc import firewall as fw
from netemu.vpc.load import load_topology, load_topology_file


def rule(name: str, priority: int, listed: str, action: str, response: str | None = None,
         qtype: str | None = None) -> fw.FirewallRule:
    return fw.FirewallRule(name, priority, listed, action, response, qtype=qtype)


LISTS = {"bad": fw.compile_list(["bad.example.com", "*.ads.example.com"]),
         "good": fw.compile_list(["bad.example.com"]),
         "all": fw.compile_list(["*"]),
         "watch": fw.compile_list(["*.example.com"])}


@pytest.mark.parametrize("spec,name,hit", [
    ("example.com", "example.com.", True),
    ("example.com", "www.example.com.", False),          # no implied subdomains
    ("*.example.com", "www.example.com.", True),
    ("*.example.com", "a.b.example.com.", True),
    ("*.example.com", "example.com.", False),            # the wildcard is below only
    ("*.example.com", "badexample.com.", False),
    ("*", "anything.at.all.", True),
    ("EXAMPLE.com.", "Example.COM", True),               # case-insensitive, absolute or not
])
def test_domain_specs_R140(spec: str, name: str, hit: bool) -> None:
    assert fw.domain_matches(spec, name) is hit


@pytest.mark.parametrize("text,ok", [
    ("example.com", True), ("*.example.com", True), ("*", True), ("a-b.example.com.", True),
    ("www.*.com", False), ("ex_ample.com", False), ("exa mple.com", False), ("", False),
    ("**.example.com", False), ("x" * 64 + ".com", False),
])
def test_domain_spec_syntax_R140(text: str, ok: bool) -> None:
    assert fw.valid_domain(text) is ok


def test_lowest_rule_priority_decides_first_match_wins_R141() -> None:
    allow_first = fw.RuleGroup("g", (rule("allow", 100, "good", "ALLOW"),
                                     rule("block", 200, "bad", "BLOCK", "NXDOMAIN")))
    got = fw.evaluate("bad.example.com.", "A", [allow_first], LISTS, False)
    assert got.outcome == fw.ALLOW and got.decided is not None
    assert got.decided.rule.name == "allow"
    block_first = fw.RuleGroup("g", (rule("block", 100, "bad", "BLOCK", "NXDOMAIN"),
                                     rule("allow", 200, "good", "ALLOW")))
    got = fw.evaluate("bad.example.com.", "A", [block_first], LISTS, False)
    assert got.blocked and got.decided is not None and got.decided.rule.name == "block"
    # a name neither list holds goes on to the resolver
    assert fw.evaluate("ok.example.org.", "A", [block_first], LISTS, False).outcome == fw.NO_MATCH


def test_rule_groups_in_association_priority_order_R143() -> None:
    walled = fw.RuleGroup("walled", (rule("deny-all", 100, "all", "BLOCK", "NODATA"),))
    allowed = fw.RuleGroup("allowed", (rule("allow", 100, "good", "ALLOW"),))
    firewall = fw.DnsFirewall(
        rule_groups=(walled, allowed),
        associations=(fw.Association("a1", "walled", "app", 500),
                      fw.Association("a2", "allowed", "app", 200),
                      fw.Association("a3", "walled", "data", 300)))
    assert [g.name for g in firewall.groups_for("app")] == ["allowed", "walled"]
    assert [g.name for g in firewall.groups_for("data")] == ["walled"]
    assert firewall.groups_for("other") == ()
    got = fw.evaluate("bad.example.com.", "A", firewall.groups_for("app"), LISTS, False)
    assert got.outcome == fw.ALLOW
    got = fw.evaluate("other.example.com.", "A", firewall.groups_for("app"), LISTS, False)
    assert got.blocked and got.decided is not None and got.decided.group == "walled"


def test_alert_logs_and_evaluation_goes_on_R145() -> None:
    group = fw.RuleGroup("g", (rule("alert", 100, "watch", "ALERT"),
                               rule("block", 200, "bad", "BLOCK", "NXDOMAIN")))
    got = fw.evaluate("www.example.com.", "A", [group], LISTS, False)
    assert got.outcome == fw.ALERT and [m.rule.name for m in got.alerts] == ["alert"]
    assert fw.log_fields(got) == {"firewall_rule_group_id": "g",
                                  "firewall_rule_action": "ALERT",
                                  "firewall_domain_list_id": "watch"}
    got = fw.evaluate("x.ads.example.com.", "A", [group], LISTS, False)
    assert got.blocked and [m.rule.name for m in got.alerts] == ["alert"]
    assert fw.log_fields(got)["firewall_rule_action"] == "BLOCK"
    assert fw.log_fields(got)["firewall_domain_list_id"] == "bad"
    assert fw.log_fields(fw.evaluate("x.org.", "A", [group], LISTS, False)) == {}


def test_qtype_limits_a_rule_to_one_record_type() -> None:
    group = fw.RuleGroup("g", (rule("mx-only", 100, "good", "BLOCK", "NODATA", qtype="MX"),))
    assert fw.evaluate("bad.example.com.", "MX", [group], LISTS, False).blocked
    assert fw.evaluate("bad.example.com.", "A", [group], LISTS, False).outcome == fw.NO_MATCH


def test_a_list_that_cannot_be_read_fails_closed_or_open_R146() -> None:
    group = fw.RuleGroup("g", (rule("block", 100, "gone", "BLOCK", "NXDOMAIN"),))
    lists = dict(LISTS, gone=None)
    assert fw.evaluate("x.org.", "A", [group], lists, False).outcome == fw.FAIL_CLOSED
    assert fw.evaluate("x.org.", "A", [group], lists, True).outcome == fw.FAIL_OPEN
    assert fw.log_fields(fw.evaluate("x.org.", "A", [group], lists, False)) == {}
    # an earlier decision never reaches the unreadable list
    first = fw.RuleGroup("g0", (rule("allow", 100, "good", "ALLOW"),))
    assert fw.evaluate("bad.example.com.", "A", [first, group], lists, False).outcome == fw.ALLOW


def test_cname_chain_inspection_R149() -> None:
    lists = dict(LISTS, www=fw.compile_list(["www.example.com"]))
    block = rule("block", 200, "bad", "BLOCK", "NXDOMAIN")
    inspect = fw.RuleGroup("g", (rule("allow", 100, "www", "ALLOW"), block))
    first = fw.evaluate("www.example.com.", "A", [inspect], lists, False)
    assert first.outcome == fw.ALLOW
    got = fw.evaluate_chain(["x.ads.example.com."], "A", [inspect], lists, False, first)
    assert got is not None and got.blocked and got.decided is not None
    assert got.decided.rule.name == "block"
    assert fw.evaluate_chain(["ok.example.org."], "A", [inspect], lists, False, first) is None
    trusting = fw.FirewallRule("allow", 100, "www", "ALLOW", redirection=fw.TRUST)
    trust = fw.RuleGroup("g", (trusting, block))
    first = fw.evaluate("www.example.com.", "A", [trust], lists, False)
    assert fw.evaluate_chain(["x.ads.example.com."], "A", [trust], lists, False, first) is None


# --- the topology file ---------------------------------------------------------------------


def topo(firewall: dict[str, Any]) -> dict[str, Any]:
    return {"region": "us-east-1",
            "vpcs": [{"name": "app", "cidr_blocks": ["10.0.0.0/16"],
                      "subnets": [{"name": "a", "cidr": "10.0.1.0/24"}]}],
            "dns_firewall": firewall}


GOOD: dict[str, Any] = {
    "domain_lists": [{"name": "bad", "domains": ["bad.example.com", "*.ads.example.com"]}],
    "rule_groups": [{"name": "main", "rules": [
        {"name": "b2", "priority": 200, "domain_list": "bad", "action": "BLOCK",
         "block_response": "OVERRIDE", "block_override_domain": "walled.example.com",
         "block_override_ttl": 30, "block_override_dns_type": "CNAME"},
        {"name": "b1", "priority": 100, "domain_list": "bad", "action": "ALERT"}]}],
    "associations": [{"name": "app-main", "rule_group": "main", "vpc": "app", "priority": 101}],
    "configs": [{"vpc": "app", "firewall_fail_open": True}],
}


def problems(firewall: dict[str, Any]) -> list[str]:
    with pytest.raises(LoadError) as info:
        load_topology(topo(firewall), "t.yaml")
    return [str(p) for p in info.value.problems]


def test_loader_reads_the_firewall() -> None:
    got = load_topology(topo(GOOD), "t.yaml").dns.firewall
    assert got.domain_lists[0].domains == ("bad.example.com.", "*.ads.example.com.")
    (group,) = got.groups_for("app")
    assert [r.name for r in group.rules] == ["b1", "b2"]          # ascending priority
    assert group.rules[1].override_domain == "walled.example.com."
    assert group.rules[1].override_ttl == 30
    assert got.fail_open == ("app",)
    body = fw.vpc_config(got, "app")
    assert fw.groups_from_json(body) == (group,)
    assert body["fail_open"] is True and body["lists"]["bad"]["domains"][0] == "bad.example.com."


def test_domains_file_next_to_the_topology(tmp_path: Path) -> None:
    (tmp_path / "blocked.txt").write_text("# blocked\nmalware.example.net\n\n*.ads.example.org\n")
    data = topo({"domain_lists": [{"name": "f", "file": "blocked.txt", "domains": ["x.com"]}]})
    (tmp_path / "t.yaml").write_text(yaml.safe_dump(data))
    got = load_topology_file(tmp_path / "t.yaml").dns.firewall.domain_lists[0]
    assert got.domains == ("x.com.",)
    assert got.all_domains == ("x.com.", "malware.example.net.", "*.ads.example.org.")
    assert got.file == str(tmp_path / "blocked.txt")
    (tmp_path / "blocked.txt").write_text("ok.example.com\nbad_name!\n")
    with pytest.raises(LoadError) as info:
        load_topology_file(tmp_path / "t.yaml")
    assert "bad_name!" in str(info.value) and "ValidationException" in str(info.value)
    (tmp_path / "blocked.txt").unlink()
    with pytest.raises(LoadError) as info:
        load_topology_file(tmp_path / "t.yaml")
    assert "dns_firewall.domain_lists[f].file" in str(info.value) and "FileError" in str(info.value)


def _with(**changes: Any) -> dict[str, Any]:
    out = {k: list(v) for k, v in GOOD.items()}
    out.update(changes)
    return out


def test_priority_clash_in_one_rule_group_is_refused_R141() -> None:
    rules = [{"name": "x", "priority": 100, "domain_list": "bad", "action": "ALLOW"},
             {"name": "y", "priority": 100, "domain_list": "bad", "action": "ALERT"}]
    got = problems(_with(rule_groups=[{"name": "main", "rules": rules}]))
    assert any("dns_firewall.rule_groups[main].rules[y].priority" in p
               and "ValidationException" in p and "unique priority" in p for p in got), got


def test_unknown_domain_list_is_refused() -> None:
    rules = [{"name": "x", "priority": 100, "domain_list": "nope", "action": "ALLOW"}]
    got = problems(_with(rule_groups=[{"name": "main", "rules": rules}]))
    assert any("rules[x].domain_list" in p and "ResourceNotFoundException" in p
               and "'nope'" in p for p in got), got


@pytest.mark.parametrize("priority", [100, 9900, 0, "high"])
def test_association_priority_range_R144(priority: Any) -> None:
    assoc = [{"name": "a", "rule_group": "main", "vpc": "app", "priority": priority}]
    got = problems(_with(associations=assoc))
    assert any("associations[a].priority" in p and "ValidationException" in p for p in got), got


def test_association_conflicts_and_unknown_references_R144() -> None:
    dup = [{"name": "a", "rule_group": "main", "vpc": "app", "priority": 200},
           {"name": "b", "rule_group": "other", "vpc": "app", "priority": 200}]
    groups = GOOD["rule_groups"] + [{"name": "other", "rules": []}]
    got = problems(_with(associations=dup, rule_groups=groups))
    assert any("associations[b].priority" in p and "ConflictException" in p for p in got), got
    got = problems(_with(associations=[
        {"name": "a", "rule_group": "main", "vpc": "nowhere", "priority": 200},
        {"name": "b", "rule_group": "ghost", "vpc": "app", "priority": 300}]))
    assert any("associations[a].vpc" in p and "ResourceNotFoundException" in p for p in got), got
    assert any("associations[b].rule_group" in p and "'ghost'" in p for p in got), got


@pytest.mark.parametrize("fields,words", [
    ({"action": "BLOCK"}, "BlockResponse is required"),
    ({"action": "BLOCK", "block_response": "OVERRIDE"}, "needs block_override_domain"),
    ({"action": "BLOCK", "block_response": "OVERRIDE", "block_override_domain": "w.example.com",
      "block_override_ttl": 604801, "block_override_dns_type": "CNAME"}, "0-604800"),
    ({"action": "ALLOW", "block_response": "NODATA"}, "only to BLOCK rules"),
    ({"action": "DROP"}, "must be one of ALLOW, BLOCK, ALERT"),
    ({"action": "ALLOW", "firewall_domain_redirection_action": "TRUST"},
     "FirewallDomainRedirectionAction must be one of"),
    ({"action": "BLOCK", "block_response": "NXDOMAIN", "block_override_ttl": 5},
     "only to BlockResponse OVERRIDE"),
])
def test_rule_action_fields_are_checked_R142(fields: dict[str, Any], words: str) -> None:
    rules = [{"name": "x", "priority": 100, "domain_list": "bad", **fields}]
    got = problems(_with(rule_groups=[{"name": "main", "rules": rules}]))
    assert any(words in p and "ValidationException" in p for p in got), got


def test_invalid_domains_and_unknown_keys_are_refused() -> None:
    got = problems(_with(domain_lists=[{"name": "bad", "domains": ["www.*.example.com"]}]))
    assert any("domain_lists[bad].domains" in p and "www.*.example.com" in p for p in got), got
    got = problems({"domain_lists": [], "rules": []})
    assert any("unknown key(s) rules" in p for p in got), got
