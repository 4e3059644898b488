"""Instances with several network interfaces (V165-V167): loader refusals in AWS's codes and
trace verdicts with their hops through a two-ENI firewall instance. Pure: no namespaces."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from netemu.errors import LoadError
from netemu.vpc.load import load_topology
from netemu.vpc.model import Topology
from netemu.vpc.trace import Flow, trace

ALL = {"protocol": -1, "cidr": "0.0.0.0/0"}
FIREWALL: dict[str, Any] = {
    "region": "us-east-1",
    "vpcs": [{
        "name": "lab", "cidr_blocks": ["10.50.0.0/16"],
        "subnets": [
            {"name": "app", "cidr": "10.50.1.0/24", "az": "us-east-1a", "route_table": "app"},
            {"name": "data", "cidr": "10.50.3.0/24", "az": "us-east-1a", "route_table": "data"},
            {"name": "far", "cidr": "10.50.5.0/24", "az": "us-east-1b"},
        ],
        "route_tables": [
            {"name": "app", "routes": [
                {"destination": "10.50.3.0/24", "target": {"network_interface": "fw1"}}]},
            {"name": "data", "routes": [
                {"destination": "10.50.1.0/24", "target": {"network_interface": "fw1-data"}}]},
        ],
        "security_groups": [{"name": "open", "ingress": [ALL]}],
        "instances": [
            {"name": "app1", "subnet": "app", "private_ip": "10.50.1.10",
             "security_groups": ["open"]},
            {"name": "db1", "subnet": "data", "private_ip": "10.50.3.10",
             "security_groups": ["open"]},
            {"name": "fw1", "subnet": "app", "private_ip": "10.50.1.5",
             "security_groups": ["open"], "source_dest_check": False,
             "network_interfaces": [
                 {"name": "fw1-data", "subnet": "data", "private_ip": "10.50.3.5",
                  "security_groups": ["open"], "source_dest_check": False}]},
        ],
    }],
}


def topo(edit: Any = None) -> Topology:
    data = copy.deepcopy(FIREWALL)
    if edit is not None:
        edit(data)
    return load_topology(data, "firewall.yaml")


def fw(d: Any) -> dict[str, Any]:
    inst: dict[str, Any] = d["vpcs"][0]["instances"][2]
    return inst


def codes(edit: Any) -> list[tuple[str, str]]:
    with pytest.raises(LoadError) as e:
        topo(edit)
    return [(p.item, p.code) for p in e.value.problems]


def test_v165_secondary_eni_is_attached_at_device_index_1() -> None:
    eni = next(i for i in topo().vpc("lab").instances if i.name == "fw1-data")
    assert (eni.attached_to, eni.device_index, eni.subnet, eni.private_ip) == (
        "fw1", 1, "data", "10.50.3.5")
    assert eni.public_ip is None and not eni.source_dest_check


def test_v165_eni_in_another_availability_zone_is_refused() -> None:
    assert codes(lambda d: fw(d)["network_interfaces"][0].update(
        subnet="far", private_ip="10.50.5.5")) == [
        ("vpcs[lab].instances[fw1].network_interfaces[fw1-data].subnet",
         "InvalidParameterValue")]


def test_v165_device_index_used_twice() -> None:
    def two(d: Any) -> None:
        fw(d)["network_interfaces"].append(
            {"name": "fw1-b", "subnet": "data", "device_index": 1})
    assert codes(two) == [
        ("vpcs[lab].instances[fw1].network_interfaces[1].device_index", "InvalidParameterValue")]


def test_v165_eni_address_is_checked_like_an_instances() -> None:
    """V14 applies to a secondary ENI's address too."""
    assert codes(lambda d: fw(d)["network_interfaces"][0].update(private_ip="10.50.3.2")) == [
        ("vpcs[lab].instances[fw1-data].private_ip", "InvalidParameterValue")]


def test_v166_route_to_an_instance_with_several_enis_is_refused() -> None:
    def by_instance(d: Any) -> None:
        d["vpcs"][0]["route_tables"][0]["routes"][0]["target"] = {"instance": "fw1"}
    assert codes(by_instance) == [
        ("vpcs[lab].route_tables[app].routes[0].target", "InvalidInstanceID")]


def test_v167_trace_through_a_two_eni_firewall() -> None:
    t = trace(topo(), Flow("app1", "db1", "tcp", 5432))
    assert t.reachable
    comps = [(h.component, h.name.split(" ")[0]) for h in t.hops]
    assert ("instance", "fw1") in comps and ("instance", "fw1-data") in comps
    assert comps[-1] == ("instance", "db1")
    back = [(h.component, h.name.split(" ")[0]) for h in t.return_path]
    assert ("instance", "fw1-data") in back and back[-1] == ("instance", "app1")


def test_v167_out_eni_with_its_check_on_stops_the_packet() -> None:
    t = trace(topo(lambda d: fw(d)["network_interfaces"][0].update(source_dest_check=True)),
              Flow("app1", "db1", "tcp", 5432))
    assert not t.reachable
    assert (t.hops[-1].name.split(" ")[0], t.hops[-1].code) == (
        "fw1-data", "ENI_SOURCE_DEST_CHECK_RESTRICTION")


def test_v167_the_out_enis_security_groups_apply() -> None:
    def closed(d: Any) -> None:
        d["vpcs"][0]["security_groups"].append({"name": "shut", "egress": []})
        fw(d)["network_interfaces"][0]["security_groups"] = ["shut"]
    t = trace(topo(closed), Flow("app1", "db1", "tcp", 5432))
    assert not t.reachable and t.hops[-1].component == "security-group"
    assert t.hops[-1].name == "shut"


def test_eip_associated_with_a_secondary_eni() -> None:
    def eip(d: Any) -> None:
        d["vpcs"][0]["internet_gateway"] = True
        d["elastic_ips"] = [{"name": "e", "address": "198.51.100.9", "vpc": "lab",
                             "network_interface": "fw1-data"}]
    eni = next(i for i in topo(eip).vpc("lab").instances if i.name == "fw1-data")
    assert (eni.public_ip, eni.elastic_ip) == ("198.51.100.9", "e")
