"""Prefix lists: route destinations and SG peers, refused in NACLs, ranking and quotas
(V130-V133, V22, V23, V51)."""
from __future__ import annotations

import copy
from typing import Any

import pytest

from netemu.errors import LoadError
from netemu.vpc.load import load_topology
from netemu.vpc.routing import lookup
from netemu.vpc.trace import Flow, trace

BASE: dict[str, Any] = {
    "region": "us-east-1",
    "prefix_lists": [{"name": "partners", "id": "pl-0123456789abcdef0", "max_entries": 5,
                      "entries": ["198.51.100.0/24", "198.51.100.128/25", "203.0.113.0/24"]}],
    "internet": {"hosts": [{"name": "partner", "ip": "198.51.100.200"},
                           {"name": "other", "ip": "192.0.2.9"}]},
    "vpcs": [{
        "name": "app", "cidr_blocks": ["10.0.0.0/16"], "internet_gateway": True,
        "subnets": [{"name": "pub", "cidr": "10.0.1.0/24", "route_table": "pub"}],
        "route_tables": [{"name": "pub", "routes": [
            {"destination": "0.0.0.0/0", "target": "internet_gateway"}]}],
        "security_groups": [{"name": "web", "ingress": [
            {"protocol": "tcp", "ports": 443, "prefix_list": "pl-0123456789abcdef0"}]}],
        "instances": [{"name": "web1", "subnet": "pub", "security_groups": ["web"],
                       "public_ip": "54.0.0.10"},
                      {"name": "fw", "subnet": "pub", "source_dest_check": False}],
    }],
}


def topo(**change: Any) -> dict[str, Any]:
    t = copy.deepcopy(BASE)
    for path, value in change.items():
        node: Any = t
        *parts, last = path.split("__")
        for part in parts:
            node = node[int(part)] if part.isdigit() else node[part]
        node[last] = value
    return t


def problems(data: dict[str, Any]) -> list[tuple[str, str]]:
    with pytest.raises(LoadError) as e:
        load_topology(data, "t.yaml")
    assert all(p.file == "t.yaml" for p in e.value.problems)
    return [(p.item, p.code) for p in e.value.problems]


def test_sg_rule_by_prefix_list_allows_each_entry_V131() -> None:
    t = load_topology(BASE)
    assert trace(t, Flow("partner", "web1", "tcp", 443)).reachable
    refused = trace(t, Flow("other", "web1", "tcp", 443))
    assert not refused.reachable
    assert refused.hops[-1].component == "security-group"
    # the group holds the merged entries (198.51.100.128/25 lies inside the /24): IPSet
    rules = next(g for g in t.vpc("app").security_groups if g.name == "web").ingress
    assert sorted(r.cidr for r in rules) == ["198.51.100.0/24", "203.0.113.0/24"]
    assert all("pl-0123456789abcdef0" in (r.description or "") for r in rules)


def _table(t: Any) -> Any:
    return next(r for r in t.vpc("app").route_tables if r.name == "pub")


def test_prefix_list_route_longest_prefix_over_entries_and_ranking_V22_V23() -> None:
    routes = [{"destination": "0.0.0.0/0", "target": "internet_gateway"},
              {"destination_prefix_list": "partners", "target": {"instance": "fw"}},
              {"destination": "203.0.113.0/24", "target": "internet_gateway"}]
    t = load_topology(topo(vpcs__0__route_tables__0__routes=routes))
    table = _table(t)
    pl_routes = [r for r in table.routes if r.origin == "prefix-list"]
    assert {r.destination for r in pl_routes} == {"198.51.100.0/24", "198.51.100.128/25",
                                                  "203.0.113.0/24"}
    assert all(r.prefix_list == "pl-0123456789abcdef0" for r in pl_routes)
    # the longest entry wins inside the list
    d = lookup(table, "198.51.100.200")
    assert d.matched is not None and d.matched.destination == "198.51.100.128/25"
    assert str(d.matched.target) == "instance:fw"
    # same prefix: the static route beats the prefix-list route (V23)
    s = lookup(table, "203.0.113.5")
    assert s.matched is not None and s.matched.origin == "CreateRoute"
    assert str(s.matched.target) == "internet_gateway"


def test_prefix_list_in_a_network_acl_is_refused_V132() -> None:
    acl = {"name": "edge", "inbound": [{"rule": 100, "protocol": "all", "cidr": "0.0.0.0/0",
                                        "action": "allow", "prefix_list": "partners"}],
           "outbound": []}
    got = problems(topo(vpcs__0__network_acls=[acl]))
    assert ("vpcs[app].network_acls[edge].inbound[0].prefix_list", "UnknownParameter") in got


@pytest.mark.parametrize(("change", "item", "code"), [
    ({"prefix_lists": [{"name": "x", "max_entries": 1,
                        "entries": ["10.9.0.0/24", "10.8.0.0/24"]}]},
     "prefix_lists[x].entries", "PrefixListMaxEntriesExceeded"),
    ({"prefix_lists": [{"name": "x", "id": "pl-nothex", "max_entries": 1}]},
     "prefix_lists[x].id", "InvalidPrefixListId.Malformed"),
    ({"prefix_lists": [{"name": "x", "max_entries": 1001}]},
     "prefix_lists[x].max_entries", "InvalidParameterValue"),
    ({"prefix_lists": [{"name": "x", "max_entries": 2, "entries": ["10.9.0.1/24"]}]},
     "prefix_lists[x].entries[0]", "InvalidParameterValue"),
    ({"vpcs__0__security_groups__0__ingress": [
        {"protocol": "tcp", "ports": 443, "prefix_list": "pl-00000000"}]},
     "vpcs[app].security_groups[web].ingress[0].prefix_list", "InvalidPrefixListID.NotFound"),
    ({"vpcs__0__security_groups__0__ingress": [
        {"protocol": "tcp", "ports": 443, "prefix_list": "partners", "cidr": "0.0.0.0/0"}]},
     "vpcs[app].security_groups[web].ingress[0]", "InvalidParameterCombination"),
    ({"vpcs__0__route_tables__0__routes": [
        {"destination_prefix_list": "nope", "target": "internet_gateway"}]},
     "vpcs[app].route_tables[pub].routes[0].destination_prefix_list",
     "InvalidPrefixListID.NotFound"),
    ({"vpcs__0__route_tables__0__routes": [
        {"destination_prefix_list": "partners", "target": {"nat_gateway": "ghost"}}]},
     "vpcs[app].route_tables[pub].routes[0].target", "InvalidNatGatewayID.NotFound"),
])
def test_prefix_list_refusals_in_aws_codes_V130(change: dict[str, Any], item: str,
                                                code: str) -> None:
    assert (item, code) in problems(topo(**change))


def test_max_entries_count_against_route_and_rule_quotas_V133() -> None:
    big = [{"name": "big", "max_entries": 61, "entries": ["100.64.0.0/24"]}]
    got = problems(topo(prefix_lists=big, vpcs__0__security_groups__0__ingress=[
        {"protocol": "tcp", "ports": 443, "prefix_list": "big"}]))
    assert ("vpcs[app].security_groups[web].ingress",
            "RulesPerSecurityGroupLimitExceeded") in got
    # raising the quota makes room (one entry is really there: max_entries is what counts)
    ok = topo(prefix_lists=big, quotas={"rules_per_security_group": 62,
                                        "security_groups_per_network_interface": 5},
              vpcs__0__security_groups__0__ingress=[
                  {"protocol": "tcp", "ports": 443, "prefix_list": "big"}])
    assert load_topology(ok).prefix_lists
    routes = [{"destination": "0.0.0.0/0", "target": "internet_gateway"},
              {"destination_prefix_list": "big", "target": "internet_gateway"}]
    got = problems(topo(prefix_lists=big, vpcs__0__route_tables__0__routes=routes))
    assert ("vpcs[app].route_tables[pub]", "RouteLimitExceeded") in got


def test_managed_lists_exist_in_every_topology_V134() -> None:
    names = {p.name for p in load_topology(BASE).prefix_lists}
    assert {"com.amazonaws.us-east-1.s3", "com.amazonaws.us-east-1.dynamodb",
            "com.amazonaws.global.cloudfront.origin-facing", "partners"} <= names
