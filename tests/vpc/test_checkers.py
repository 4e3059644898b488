"""Route 53 health checkers on the emulated internet, the model side (R180): hosts from the
topology's CIDR, ``prefix_list: route53-healthchecks`` in SG rules, trace from a checker."""

from __future__ import annotations

from typing import Any

import pytest

from netemu.errors import LoadError
from netemu.vpc.load import load_topology
from netemu.vpc.trace import Flow, trace


def topo(rules: list[dict[str, Any]], checkers: Any = None) -> dict[str, Any]:
    data: dict[str, Any] = {
        "region": "us-east-1",
        "vpcs": [{
            "name": "web", "cidr_blocks": ["10.20.0.0/16"], "internet_gateway": True,
            "subnets": [{"name": "pub", "cidr": "10.20.1.0/24", "az": "us-east-1a",
                         "route_table": "public"}],
            "route_tables": [{"name": "public", "routes": [
                {"destination": "0.0.0.0/0", "target": "internet_gateway"}]}],
            "security_groups": [{"name": "web", "ingress": rules}],
            "instances": [{"name": "web1", "subnet": "pub", "private_ip": "10.20.1.10",
                           "public_ip": "198.51.100.10", "security_groups": ["web"]}],
        }],
    }
    if checkers is not None:
        data["route53_health_checkers"] = checkers
    return data


def test_checker_hosts_default_cidr_and_regions_R180() -> None:
    t = load_topology(topo([], {}))
    assert [(c.region, c.host, c.ip) for c in t.route53_checkers] == [
        ("us-east-1", "route53-checker-us-east-1", "15.177.0.10"),
        ("eu-west-1", "route53-checker-eu-west-1", "15.177.0.74"),
        ("ap-southeast-1", "route53-checker-ap-southeast-1", "15.177.0.138")]
    assert {h.name for h in t.internet_hosts} == {c.host for c in t.route53_checkers}
    assert load_topology(topo([])).route53_checkers == ()


def test_sg_decides_for_checkers_by_prefix_list_or_cidr_R180() -> None:
    closed = load_topology(topo([{"protocol": "tcp", "ports": 80, "cidr": "203.0.113.0/24"}],
                                {"regions": ["us-east-1", "sa-east-1"]}))
    flow = Flow("route53-checker:sa-east-1", "web1", "tcp", 80)
    refused = trace(closed, flow)
    assert not refused.reachable
    assert (refused.hops[-1].component, refused.hops[-1].decision) == ("security-group", "deny")
    assert "15.177.0.74" in refused.hops[0].name + str(refused.to_json())   # sa-east-1's host
    by_list = load_topology(topo([{"protocol": "tcp", "ports": 80,
                                   "prefix_list": "route53-healthchecks"}], {}))
    assert trace(by_list, Flow("route53-checker:us-east-1", "web1", "tcp", 80)).reachable
    by_cidr = load_topology(topo([{"protocol": "tcp", "ports": 80, "cidr": "15.177.0.64/26"}],
                                 {}))
    assert trace(by_cidr, Flow("route53-checker:eu-west-1", "web1", "tcp", 80)).reachable
    assert not trace(by_cidr, Flow("route53-checker:us-east-1", "web1", "tcp", 80)).reachable


@pytest.mark.parametrize(("rules", "checkers", "code"), [
    ([{"protocol": "tcp", "ports": 80, "prefix_list": "pl-12345"}], {},
     "InvalidPrefixListID.NotFound"),
    ([{"protocol": "tcp", "ports": 80, "prefix_list": "route53-healthchecks"}], None,
     "InvalidPrefixListID.NotFound"),
    ([{"protocol": "tcp", "ports": 80, "prefix_list": "route53-healthchecks",
       "cidr": "0.0.0.0/0"}], {}, "InvalidParameterCombination"),
    ([], {"cidr": "15.177.0.0/30"}, "InvalidParameterValue"),
    ([], {"cidr": "not-a-cidr"}, "InvalidParameterValue"),
    ([], {"regions": ["us-east-1", "us-east-1"]}, "ValidationError"),
    ([], {"zone": "x"}, "ValidationError"),
])
def test_checker_errors_name_the_item_R180(rules: list[dict[str, Any]], checkers: Any,
                                           code: str) -> None:
    with pytest.raises(LoadError) as e:
        load_topology(topo(rules, checkers), "t.yaml")
    assert any(p.code == code and p.file == "t.yaml" for p in e.value.problems), e.value.problems


def test_trace_from_a_checker_the_topology_lacks_is_an_error_R180() -> None:
    from netemu.vpc.trace import TraceError

    with pytest.raises(TraceError, match="route53_health_checkers"):
        trace(load_topology(topo([], {})), Flow("route53-checker:sa-east-1", "web1", "tcp", 80))
