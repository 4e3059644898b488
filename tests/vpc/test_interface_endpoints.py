"""Interface VPC endpoints (V140-V143): ENIs in subnets with the endpoint's security groups,
AWS's refusals, trace to the ENIs, the private DNS zones the VPC resolver serves."""
from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import pytest

from netemu.errors import LoadError
from netemu.textfile import read_data
from netemu.vpc import interface_endpoints
from netemu.vpc.load import load_topology
from netemu.vpc.trace import Flow, trace

DATA = Path(__file__).resolve().parent / "data" / "interface-endpoints.yaml"


def _raw() -> Any:
    return copy.deepcopy(read_data(DATA))


def _problems(data: Any) -> list[tuple[str, str]]:
    with pytest.raises(LoadError) as e:
        load_topology(data, "t.yaml")
    return [(p.item, p.code) for p in e.value.problems]


def test_one_eni_per_subnet_with_the_endpoint_groups_V140() -> None:
    t = load_topology(_raw(), "t.yaml")
    (ep,) = t.interface_endpoints
    assert ep.service_name == "com.amazonaws.us-east-1.sqs" and ep.private_dns
    assert [(n.az, n.subnet) for n in ep.enis] == [("us-east-1a", "private-a"),
                                                   ("us-east-1b", "private-b")]
    enis = {i.name: i for i in t.vpc("app").instances}
    for n in ep.enis:
        inst = enis[n.eni]
        assert inst.private_ip == n.private_ip and inst.subnet == n.subnet
        assert tuple(inst.security_groups) == ("vpce",)
    assert ep.dns_name.startswith(ep.id + "-")
    assert ep.dns_name.endswith(".sqs.us-east-1.vpce.amazonaws.com.")
    assert ep.enis[1].dns_name.split(".")[0].endswith("-us-east-1b")
    assert ep.private_dns_name == "sqs.us-east-1.amazonaws.com."


def test_two_subnets_in_one_az_refused_V140() -> None:
    data = _raw()
    data["vpcs"][0]["subnets"].append({"name": "private-a2", "cidr": "10.0.3.0/24",
                                       "az": "us-east-1a"})
    data["vpc_endpoints"][0]["subnets"] = ["private-a", "private-a2"]
    assert ("vpc_endpoints[sqs].subnets", "DuplicateSubnetsInSameZone") in _problems(data)


def test_unknown_service_subnet_group_and_vpc_refused_in_aws_codes_V140() -> None:
    data = _raw()
    data["vpc_endpoints"][0]["service"] = "com.amazonaws.us-east-1.nosuch"
    assert ("vpc_endpoints[sqs].service", "InvalidServiceName") in _problems(data)
    data = _raw()
    data["vpc_endpoints"][0]["subnets"] = ["private-a", "ghost"]
    data["vpc_endpoints"][0]["security_groups"] = ["phantom"]
    got = _problems(data)
    assert ("vpc_endpoints[sqs].subnets", "InvalidSubnetID.NotFound") in got
    assert ("vpc_endpoints[sqs].security_groups", "InvalidGroup.NotFound") in got
    data = _raw()
    data["vpc_endpoints"][0]["vpc"] = "nowhere"
    assert ("vpc_endpoints[sqs].vpc", "InvalidVpcId.NotFound") in _problems(data)
    data = _raw()
    data["vpc_endpoints"][0]["route_tables"] = []
    assert ("vpc_endpoints[sqs].route_tables", "UnknownParameter") in _problems(data)


def test_private_dns_needs_both_dns_attributes_V141() -> None:
    data = _raw()
    data["vpcs"][0]["enable_dns_hostnames"] = False
    assert ("vpc_endpoints[sqs].private_dns_enabled", "InvalidParameter") in _problems(data)
    data["vpc_endpoints"][0]["private_dns_enabled"] = False
    t = load_topology(data, "t.yaml")
    assert not t.interface_endpoints[0].private_dns


def test_second_private_dns_endpoint_of_a_service_in_a_vpc_refused_V141() -> None:
    data = _raw()
    data["vpc_endpoints"].append(dict(data["vpc_endpoints"][0], name="sqs2",
                                      subnets=["private-a"]))
    assert ("vpc_endpoints[sqs2].private_dns_enabled", "InvalidParameter") in _problems(data)
    data["vpc_endpoints"][1]["private_dns_enabled"] = False
    assert len(load_topology(data, "t.yaml").interface_endpoints) == 2


def test_trace_to_the_endpoint_eni_allowed_and_blocked_by_its_group_V140() -> None:
    t = load_topology(_raw(), "t.yaml")
    eni_b = t.interface_endpoints[0].enis[1]
    ok = trace(t, Flow("worker", eni_b.private_ip, "tcp", 443))
    assert ok.reachable
    assert (ok.hops[-1].component, ok.hops[-1].name) == ("instance", eni_b.eni)
    assert any(h.component == "security-group" and h.name == "vpce" and h.decision == "allow"
               for h in ok.hops)
    blocked = trace(t, Flow("stranger", eni_b.private_ip, "tcp", 443))
    assert not blocked.reachable
    last = blocked.hops[-1]
    assert (last.component, last.name, last.decision) == ("security-group", "vpce", "deny")
    assert not trace(t, Flow("worker", eni_b.private_ip, "tcp", 80)).reachable


def test_private_dns_zone_only_in_the_endpoint_vpc_V142_V143() -> None:
    t = load_topology(_raw(), "t.yaml")
    ep = t.interface_endpoints[0]
    docs = interface_endpoints.zone_docs(t)
    assert set(docs) == {"app"}
    records = {r["Name"]: sorted(v["Value"] for v in r["ResourceRecords"])
               for d in docs["app"] for r in d["ResourceRecordSets"]}
    ips = sorted(n.private_ip for n in ep.enis)
    assert records["sqs.us-east-1.amazonaws.com."] == ips
    assert records[ep.dns_name] == ips
    assert records[ep.enis[0].dns_name] == [ep.enis[0].private_ip]
    data = _raw()
    data["vpc_endpoints"][0]["private_dns_enabled"] = False
    names = {r["Name"] for d in interface_endpoints.zone_docs(load_topology(data))["app"]
             for r in d["ResourceRecordSets"]}
    assert "sqs.us-east-1.amazonaws.com." not in names and ep.dns_name in names


def test_trace_by_the_private_dns_name_reaches_the_eni_of_the_source_az_V142() -> None:
    t = load_topology(_raw(), "t.yaml")
    ep = t.interface_endpoints[0]
    r = trace(t, Flow("worker", "sqs.us-east-1.amazonaws.com", "tcp", 443))
    assert r.reachable and (r.hops[-1].component, r.hops[-1].name) == ("instance", ep.enis[0].eni)
    r = trace(t, Flow("worker", ep.enis[1].dns_name, "tcp", 443))
    assert r.reachable and r.hops[-1].name == ep.enis[1].eni
    assert not trace(t, Flow("stranger", "sqs.us-east-1.amazonaws.com", "tcp", 443)).reachable
    data = _raw()
    data["vpc_endpoints"][0]["private_dns_enabled"] = False
    with pytest.raises(Exception, match="unknown destination"):
        trace(load_topology(data), Flow("worker", "sqs.us-east-1.amazonaws.com", "tcp", 443))


def test_endpoint_eni_reachable_over_peering_like_any_eni_V140() -> None:
    data = _raw()
    data["peerings"] = [{"name": "app-plain", "requester": "app", "accepter": "plain"}]
    data["vpcs"][0]["route_tables"] = [{"name": "main", "main": True, "routes": [
        {"destination": "10.1.0.0/16", "target": {"peering": "app-plain"}}]}]
    data["vpcs"][1]["route_tables"] = [{"name": "main", "main": True, "routes": [
        {"destination": "10.0.0.0/16", "target": {"peering": "app-plain"}}]}]
    t = load_topology(data, "t.yaml")
    ip = t.interface_endpoints[0].enis[0].private_ip
    assert not trace(t, Flow("lone", ip, "tcp", 443)).reachable   # not in the source group
    data["vpcs"][0]["security_groups"][1]["ingress"].append(
        {"protocol": "tcp", "ports": 443, "cidr": "10.1.0.0/16"})
    r = trace(load_topology(data, "t.yaml"), Flow("lone", ip, "tcp", 443))
    assert r.reachable and any("peering" in h.component for h in r.hops), r.hops
