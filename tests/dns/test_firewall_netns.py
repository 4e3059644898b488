"""Route 53 Resolver DNS Firewall on the VPC resolver, asked with real ``dig`` inside the
namespaces of an applied topology.

``tests/dns/data/firewall/lab.yaml`` (copied to a temporary folder with its domains files, so
that a test can change them) is applied under a prefix of this test process with
``resolver.ensure`` (what ``netemu apply --zones`` does). VPC ``app`` has rule group ``main``
(every action and block response, fail-closed); VPC ``open`` has ``lenient`` and fails open.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from netemu.dataplane import apply, destroy, kernel, resolver
from netemu.vpc.load import load_topology_file
from tests.dataplane.conftest import unique_prefix

pytestmark = [pytest.mark.netns, pytest.mark.slow,
              pytest.mark.skipif(shutil.which("dig") is None, reason="needs dig")]

DATA = Path(__file__).parent / "data" / "firewall"


@dataclass
class Lab:
    prefix: str
    state: Path
    files: Path

    def dig(self, node: str, *args: str) -> str:
        vpc, name = node.split("/")
        return subprocess.run(["ip", "netns", "exec", f"{self.prefix}i-{vpc}.{name}", "dig",
                               "+time=2", "+tries=1", *args],
                              capture_output=True, text=True, timeout=20).stdout

    def short(self, node: str, *args: str) -> list[str]:
        return self.dig(node, "+short", *args).split()

    def status(self, node: str, *args: str) -> str:
        m = re.search(r"status: (\w+)", self.dig(node, *args))
        return m.group(1) if m else "no answer"

    def logged(self, vpc: str, name: str) -> dict[str, Any]:
        """The last query log record of ``name`` in ``vpc``'s log."""
        path = self.state / "resolver-query-logs" / f"{vpc}.log"
        for line in reversed(path.read_text().splitlines()):
            record: dict[str, Any] = json.loads(line)
            if record["query_name"] == name:
                return record
        raise AssertionError(f"{name} not in {path}")


@pytest.fixture(scope="module")
def lab(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Lab]:
    files = tmp_path_factory.mktemp("firewall")
    shutil.copytree(DATA, files, dirs_exist_ok=True)
    topology = load_topology_file(files / "lab.yaml")
    prefix, state = unique_prefix(), tmp_path_factory.mktemp("state")
    record: dict[str, Any] | None = None
    try:
        apply.apply(topology, prefix, state)
        record = resolver.ensure(topology, prefix, state, [str(files / "zones")])
        assert record is not None
        yield Lab(prefix, state, files)
    finally:
        destroy.destroy(prefix, state)
        assert kernel.list_namespaces(prefix) == []
        if record is not None:
            proc = Path(f"/proc/{record['pid']}")
            assert not proc.exists() or not (proc / "cmdline").read_bytes()


def test_block_nxdomain_R142_and_wildcard_below_only_R140(lab: Lab) -> None:
    assert lab.status("app/web1", "nx.example.com") == "NXDOMAIN"
    assert lab.status("app/web1", "x.ads.example.com") == "NXDOMAIN"     # *.ads.example.com
    assert lab.short("app/web1", "ads.example.com") == ["192.0.2.8"]      # not the apex
    assert lab.short("app/web1", "www.example.com") == ["192.0.2.1"]      # no rule matches
    # rule groups are per VPC: open's group does not hold nx
    assert lab.short("open/o1", "nx.example.com") == ["192.0.2.2"]
    record = lab.logged("app", "nx.example.com.")
    assert record["rcode"] == "NXDOMAIN" and record["answers"] == []
    assert record["firewall_rule_action"] == "BLOCK"
    assert record["firewall_rule_group_id"] == "main"
    assert record["firewall_domain_list_id"] == "nx"


def test_block_nodata_R142(lab: Lab) -> None:
    out = lab.dig("app/web1", "nodata.example.com")
    assert "status: NOERROR" in out and "ANSWER: 0" in out, out
    assert lab.short("open/o1", "nodata.example.com") == ["192.0.2.3"]
    record = lab.logged("app", "nodata.example.com.")
    assert record["rcode"] == "NOERROR" and record["firewall_domain_list_id"] == "nodata"


def test_block_override_answers_a_cname_and_its_target_R142(lab: Lab) -> None:
    """The override domain list comes from override.txt next to the topology."""
    out = lab.dig("app/web1", "ov.example.com")
    assert "status: NOERROR" in out, out
    assert re.search(r"^ov\.example\.com\.\s+30\s+IN\s+CNAME\s+walled\.example\.com\.$", out,
                     re.M), out
    assert re.search(r"^walled\.example\.com\.\s+60\s+IN\s+A\s+192\.0\.2\.99$", out, re.M), out
    assert "192.0.2.4" not in out
    record = lab.logged("app", "ov.example.com.")
    assert record["firewall_domain_list_id"] == "override"
    assert {"Rdata": "walled.example.com.", "Type": "CNAME", "Class": "IN"} in record["answers"]


def test_alert_logs_without_blocking_R145(lab: Lab) -> None:
    """R145, and the firewall fields of the query log (R147)."""
    assert lab.short("app/web1", "watched.example.com") == ["192.0.2.5"]
    record = lab.logged("app", "watched.example.com.")
    assert record["rcode"] == "NOERROR"
    assert record["firewall_rule_action"] == "ALERT"
    assert record["firewall_rule_group_id"] == "main"
    assert record["firewall_domain_list_id"] == "watch"
    # an alert (priority 50) does not stop a later BLOCK (priority 400) on the same name
    assert lab.status("app/web1", "nx.example.com") == "NXDOMAIN"
    assert lab.logged("app", "nx.example.com.")["firewall_rule_action"] == "BLOCK"
    # a query no rule matches carries no firewall fields
    lab.short("app/web1", "www.example.com")
    assert "firewall_rule_action" not in lab.logged("app", "www.example.com.")


def test_rule_priority_decides_between_two_matching_rules_R141(lab: Lab) -> None:
    # partner: ALLOW at 100 beats BLOCK at 200
    assert lab.short("app/web1", "partner.example.com") == ["192.0.2.6"]
    record = lab.logged("app", "partner.example.com.")
    assert record["firewall_rule_action"] == "ALLOW"
    assert record["firewall_domain_list_id"] == "allow-first"
    # rival: BLOCK at 200 beats ALLOW at 300
    assert lab.status("app/web1", "rival.example.com") == "NXDOMAIN"
    assert lab.logged("app", "rival.example.com.")["firewall_domain_list_id"] == "contested"


def test_the_firewall_filters_before_private_hosted_zones_R148(lab: Lab) -> None:
    assert lab.short("app/web1", "db2.corp.internal") == ["10.0.1.21"]   # the private zone
    assert lab.status("app/web1", "db.corp.internal") == "NXDOMAIN"      # blocked first


def test_the_firewall_filters_before_resolver_rules_forward_R148(lab: Lab) -> None:
    """fwd.example is forwarded to a target nobody answers at: SERVFAIL after the forwarding
    timeout; a blocked name below it is answered at once, never forwarded."""
    started = time.monotonic()
    assert lab.status("app/web1", "blocked.fwd.example") == "NXDOMAIN"
    assert time.monotonic() - started < 1.0
    record = lab.logged("app", "blocked.fwd.example.")
    assert "resolver_rule" not in record and record["firewall_domain_list_id"] == "nx"
    assert lab.status("app/web1", "other.fwd.example") == "SERVFAIL"
    assert lab.logged("app", "other.fwd.example.")["resolver_rule"] == "fwd"


def test_cname_chain_domains_are_inspected_unless_trusted_R149(lab: Lab) -> None:
    # chained.example.com is a CNAME to nx.example.com, which a BLOCK rule lists
    assert lab.status("app/web1", "chained.example.com") == "NXDOMAIN"
    record = lab.logged("app", "chained.example.com.")
    assert record["firewall_rule_action"] == "BLOCK"
    assert record["firewall_domain_list_id"] == "nx"
    # trusted.example.com is let through by an ALLOW rule that trusts the redirection: the
    # resolver chases the chain into the listed domain (R195)
    assert lab.short("app/web1", "trusted.example.com") == ["nx.example.com.", "192.0.2.2"]
    assert lab.logged("app", "trusted.example.com.")["firewall_rule_action"] == "ALLOW"
    # without a firewall the chain answers, chased to its end (R195)
    assert lab.short("open/o1", "chained.example.com") == ["nx.example.com.", "192.0.2.2"]


def test_domains_file_change_and_fail_closed_or_open_R146(lab: Lab) -> None:
    """A domains file is read again when it changes; while it cannot be read, the firewall
    cannot evaluate a query that reaches a rule using it: app (fail-open off, AWS's default)
    answers SERVFAIL, open (fail-open on) lets the query through."""
    fragile = lab.files / "fragile.txt"
    text = fragile.read_text()
    assert lab.status("open/o1", "fragile.example.com") == "NXDOMAIN"
    assert lab.short("app/web1", "later.example.com") == ["192.0.2.11"]
    try:
        fragile.write_text(text + "later.example.com\n")
        deadline = time.monotonic() + 10
        while lab.status("app/web1", "later.example.com") != "NXDOMAIN":
            assert time.monotonic() < deadline, "the changed list never reached the resolver"
            time.sleep(0.3)
        fragile.unlink()
        deadline = time.monotonic() + 10
        while lab.status("app/web1", "www.example.com") != "SERVFAIL":
            assert time.monotonic() < deadline, "the unreadable list never failed closed"
            time.sleep(0.3)
        assert lab.short("open/o1", "fragile.example.com") == ["192.0.2.10"]   # fail open
        # a rule that decides before the unreadable list still decides
        assert lab.status("app/web1", "nx.example.com") == "NXDOMAIN"
        assert lab.short("app/web1", "partner.example.com") == ["192.0.2.6"]
    finally:
        fragile.write_text(text)
    deadline = time.monotonic() + 10
    while lab.short("app/web1", "www.example.com") != ["192.0.2.1"]:
        assert time.monotonic() < deadline, "the restored list never reached the resolver"
        time.sleep(0.3)


API_TOPOLOGY = """
region: us-east-1
vpcs:
  - name: app
    cidr_blocks: [10.63.0.0/16]
    subnets: [{name: a, cidr: 10.63.1.0/24}]
    instances: [{name: web, subnet: a, private_ip: 10.63.1.10}]
"""
API_ZONE = """
HostedZone: {Name: example.com., Config: {PrivateZone: false}}
ResourceRecordSets:
  - {Name: evil.example.com., Type: A, TTL: 60, ResourceRecords: [{Value: 192.0.2.66}]}
  - {Name: walled.example.com., Type: A, TTL: 60, ResourceRecords: [{Value: 192.0.2.99}]}
"""


def test_a_firewall_made_with_boto3_reaches_the_vpc_resolver_R142(tmp_path: Path) -> None:
    """``apply --api-state DIR``: rules created through the Route53Resolver API (real boto3,
    real ``netemu serve --api --state DIR``) filter the VPC's queries, and follow changes."""
    from tests.live import ApiServer

    (tmp_path / "t.yaml").write_text(API_TOPOLOGY)
    (tmp_path / "zones").mkdir()
    (tmp_path / "zones" / "z.yaml").write_text(API_ZONE)
    topology = load_topology_file(tmp_path / "t.yaml")
    prefix, state, api_state = unique_prefix(), tmp_path / "dp", tmp_path / "api"
    server = ApiServer(tmp_path, api_state)
    server.start()
    lab = Lab(prefix, state, tmp_path)
    try:
        import boto3

        r53r = boto3.client("route53resolver", endpoint_url=server.endpoint,
                            region_name="us-east-1", aws_access_key_id="test",
                            aws_secret_access_key="test")
        listed = r53r.create_firewall_domain_list(CreatorRequestId="l", Name="evil")[
            "FirewallDomainList"]["Id"]
        r53r.update_firewall_domains(FirewallDomainListId=listed, Operation="ADD",
                                     Domains=["evil.example.com"])
        group = r53r.create_firewall_rule_group(CreatorRequestId="g", Name="g")[
            "FirewallRuleGroup"]["Id"]
        r53r.create_firewall_rule(CreatorRequestId="r", FirewallRuleGroupId=group,
                                  FirewallDomainListId=listed, Priority=100, Action="BLOCK",
                                  BlockResponse="NXDOMAIN", Name="block")
        apply.apply(topology, prefix, state)
        assert resolver.ensure(topology, prefix, state, [str(tmp_path / "zones")],
                               api_state=str(api_state)) is not None
        assert lab.short("app/web", "evil.example.com") == ["192.0.2.66"]   # not associated
        r53r.associate_firewall_rule_group(CreatorRequestId="a", FirewallRuleGroupId=group,
                                           VpcId="app", Priority=101, Name="app-g")
        deadline = time.monotonic() + 10
        while lab.status("app/web", "evil.example.com") != "NXDOMAIN":
            assert time.monotonic() < deadline, "the association never reached the resolver"
            time.sleep(0.2)
        record = lab.logged("app", "evil.example.com.")
        assert record["firewall_rule_group_id"] == group
        assert record["firewall_domain_list_id"] == listed
        r53r.update_firewall_rule(FirewallRuleGroupId=group, FirewallDomainListId=listed,
                                  BlockResponse="OVERRIDE",
                                  BlockOverrideDomain="walled.example.com",
                                  BlockOverrideDnsType="CNAME", BlockOverrideTtl=5)
        deadline = time.monotonic() + 10
        while lab.short("app/web", "evil.example.com") != ["walled.example.com.", "192.0.2.99"]:
            assert time.monotonic() < deadline, "the override never reached the resolver"
            time.sleep(0.2)
    finally:
        server.stop()
        destroy.destroy(prefix, state)
        assert kernel.list_namespaces(prefix) == []
