"""Elastic IPs, secondary private addresses and stopped instances (V160-V164): loader refusals in
AWS's codes and trace verdicts with their hops. Pure: no namespaces."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from netemu.errors import LoadError
from netemu.vpc.load import load_topology
from netemu.vpc.model import Instance, Topology
from netemu.vpc.trace import Flow, trace

BASE: dict[str, Any] = {
    "region": "us-east-1",
    "internet": {"hosts": [{"name": "client", "ip": "203.0.113.9"}]},
    "vpcs": [{
        "name": "prod", "cidr_blocks": ["10.0.0.0/16"], "internet_gateway": True,
        "subnets": [{"name": "pub", "cidr": "10.0.1.0/24", "az": "us-east-1a",
                     "route_table": "pub", "map_public_ip_on_launch": True}],
        "route_tables": [{"name": "pub", "routes": [
            {"destination": "0.0.0.0/0", "target": "internet_gateway"}]}],
        "security_groups": [{"name": "web", "ingress": [
            {"protocol": "tcp", "ports": 80, "cidr": "0.0.0.0/0"},
            {"protocol": "icmp", "cidr": "0.0.0.0/0"}]}],
        "instances": [
            {"name": "a", "subnet": "pub", "private_ip": "10.0.1.10", "security_groups": ["web"]},
            {"name": "b", "subnet": "pub", "private_ip": "10.0.1.20", "security_groups": ["web"]},
        ],
    }],
    "elastic_ips": [{"name": "site", "address": "198.51.100.77", "vpc": "prod", "instance": "a"}],
}


def topo(edit: Any = None) -> Topology:
    data = copy.deepcopy(BASE)
    if edit is not None:
        edit(data)
    return load_topology(data, "eips.yaml")


def inst(t: Topology, name: str) -> Instance:
    return next(i for i in t.vpc("prod").instances if i.name == name)


def codes(edit: Any) -> list[tuple[str, str]]:
    with pytest.raises(LoadError) as e:
        topo(edit)
    return [(p.item, p.code) for p in e.value.problems]


# --- V160, V163: the public IPv4 rules -----------------------------------------------------------

def test_v160_an_eip_replaces_the_auto_assigned_public_ip() -> None:
    t = topo()
    a, b = inst(t, "a"), inst(t, "b")
    assert (a.public_ip, a.elastic_ip, a.auto_public_ip) == ("198.51.100.77", "site", False)
    assert b.auto_public_ip and b.public_ip and b.public_ip.startswith("198.18.")  # V17


def test_v160_unassociated_eip_leaves_the_auto_assigned_address() -> None:
    t = topo(lambda d: d["elastic_ips"][0].pop("instance") and d["elastic_ips"][0].pop("vpc"))
    assert inst(t, "a").auto_public_ip and inst(t, "a").public_ip != "198.51.100.77"


def test_v163_stop_loses_the_auto_assigned_ip_and_keeps_the_eip() -> None:
    def stop(d: Any) -> None:
        for i in d["vpcs"][0]["instances"]:
            i["state"] = "stopped"
    t = topo(stop)
    assert inst(t, "a").public_ip == "198.51.100.77" and inst(t, "a").state == "stopped"
    assert inst(t, "b").public_ip is None


def test_v163_a_stopped_instance_loses_an_explicit_public_ip_too() -> None:
    def stop(d: Any) -> None:
        d["vpcs"][0]["instances"][1].update(state="stopped", public_ip="198.51.100.88")
    assert inst(topo(stop), "b").public_ip is None


def test_default_address_and_allocation_id_are_deterministic() -> None:
    def bare(d: Any) -> None:
        del d["elastic_ips"][0]["address"]
    one, two = inst(topo(bare), "a").public_ip, inst(topo(bare), "a").public_ip
    assert one == two and one is not None and one.startswith("198.18.")


# --- V161, V162: refusals in AWS's codes ---------------------------------------------------------

def test_v161_an_eip_is_a_public_ipv4_address() -> None:
    assert codes(lambda d: d["elastic_ips"][0].update(address="10.9.9.9")) == [
        ("elastic_ips[site].address", "InvalidAddress.Malformed")]


def test_v161_two_eips_with_one_address() -> None:
    assert ("elastic_ips[other].address", "InvalidAddress.InUse") in codes(
        lambda d: d["elastic_ips"].append({"name": "other", "address": "198.51.100.77"}))


def test_malformed_allocation_id() -> None:
    assert codes(lambda d: d["elastic_ips"][0].update(allocation_id="alloc-1")) == [
        ("elastic_ips[site].allocation_id", "InvalidAllocationID.Malformed")]


def test_v162_unknown_instance() -> None:
    assert codes(lambda d: d["elastic_ips"][0].update(instance="ghost")) == [
        ("elastic_ips[site].instance", "InvalidInstanceID.NotFound")]


def test_v162_vpc_without_internet_gateway() -> None:
    def no_igw(d: Any) -> None:
        d["vpcs"][0]["internet_gateway"] = False
        d["vpcs"][0]["route_tables"][0]["routes"] = []
        d["vpcs"][0]["subnets"][0]["map_public_ip_on_launch"] = False
    assert codes(no_igw) == [("elastic_ips[site].vpc", "Gateway.NotAttached")]


def test_v162_private_ip_not_on_the_instance() -> None:
    assert codes(lambda d: d["elastic_ips"][0].update(private_ip="10.0.1.99")) == [
        ("elastic_ips[site].private_ip", "InvalidParameterValue")]


def test_v162_two_eips_on_one_private_address() -> None:
    assert ("elastic_ips[second]", "Resource.AlreadyAssociated") in codes(
        lambda d: d["elastic_ips"].append(
            {"name": "second", "address": "198.51.100.78", "vpc": "prod", "instance": "a"}))


# --- V164: secondary private addresses ------------------------------------------------------------

def secondary(*ips: str) -> Any:
    return lambda d: d["vpcs"][0]["instances"][0].update(secondary_private_ips=list(ips))


def test_v164_secondary_addresses_are_kept() -> None:
    assert inst(topo(secondary("10.0.1.11", "10.0.1.12")), "a").secondary_private_ips == (
        "10.0.1.11", "10.0.1.12")


@pytest.mark.parametrize("ip, code", [
    ("10.0.2.5", "InvalidParameterValue"),  # outside the subnet
    ("10.0.1.3", "InvalidParameterValue"),  # V14: reserved
    ("10.0.1.255", "InvalidParameterValue"),  # V14: reserved (broadcast)
    ("10.0.1.20", "InvalidIPAddress.InUse"),  # b's primary
])
def test_v164_secondary_address_refusals(ip: str, code: str) -> None:
    assert codes(secondary(ip)) == [("vpcs[prod].instances[a].secondary_private_ips[0]", code)]


def test_v164_secondary_address_used_twice() -> None:
    assert codes(secondary("10.0.1.11", "10.0.1.11")) == [
        ("vpcs[prod].instances[a].secondary_private_ips[1]", "InvalidIPAddress.InUse")]


# --- trace verdicts with hops ---------------------------------------------------------------------

def test_v160_trace_internet_to_the_eip_reaches_its_instance() -> None:
    t = trace(topo(), Flow("client", "198.51.100.77", "tcp", 80))
    assert t.reachable
    assert t.hops[-1].component == "instance" and t.hops[-1].name.startswith("a")
    igw = next(h for h in t.hops if h.component == "internet-gateway")
    assert "10.0.1.10" in igw.reason


def test_v160_reassociation_moves_the_trace_to_the_new_instance() -> None:
    t = trace(topo(lambda d: d["elastic_ips"][0].update(instance="b")),
              Flow("client", "198.51.100.77", "tcp", 80))
    assert t.reachable and t.hops[-1].name.startswith("b")


def test_v164_trace_to_a_secondary_address_reaches_the_instance() -> None:
    t = trace(topo(secondary("10.0.1.11")), Flow("b", "10.0.1.11", "tcp", 80))
    assert t.reachable and t.hops[-1].name.startswith("a")


def test_v164_allocation_skips_secondary_addresses() -> None:
    """V14/V164: an instance without private_ip gets the first free address, never another
    ENI's secondary one."""
    def edit(d: Any) -> None:
        d["vpcs"][0]["instances"][0]["secondary_private_ips"] = ["10.0.1.4"]
        del d["vpcs"][0]["instances"][1]["private_ip"]
    assert inst(topo(edit), "b").private_ip == "10.0.1.5"


def test_v163_trace_after_a_stop_the_eip_still_answers_the_old_auto_ip_does_not() -> None:
    running = topo()
    old = inst(running, "b").public_ip
    assert old is not None and trace(running, Flow("client", old, "tcp", 80)).reachable

    def stop(d: Any) -> None:
        for i in d["vpcs"][0]["instances"]:
            i["state"] = "stopped"
    stopped = topo(stop)
    assert trace(stopped, Flow("client", "198.51.100.77", "tcp", 80)).reachable
    lost = trace(stopped, Flow("client", old, "tcp", 80))
    # nobody in the VPC holds it any more: the flow ends on the internet, never at b
    assert all(h.component not in ("internet-gateway", "instance") for h in lost.hops)
