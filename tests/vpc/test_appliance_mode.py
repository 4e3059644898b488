"""TGW delivery into a multi-zone VPC attachment (V78): the zone the packet entered in without
appliance mode, one subnet per flow by the flow hash with it, and what trace says about it."""

from __future__ import annotations

from typing import Any

import pytest
import yaml

from netemu.vpc import appliance
from netemu.vpc.load import load_topology
from netemu.vpc.model import TgwAttachment, Topology, TransitGateway
from netemu.vpc.trace import Flow, trace
from tests.helpers import ROOT

SHIPPED = ROOT / "topologies" / "tgw-inspection.yaml"


def _inspection(mode: bool) -> Topology:
    data: dict[str, Any] = yaml.safe_load(SHIPPED.read_text())
    data["transit_gateways"][0]["attachments"][2]["appliance_mode"] = mode
    return load_topology(data, "tgw-inspection")


# (source, destination) -> the value of nftables' ``jhash ip saddr . ip daddr mod 7 seed 0x0
# offset 1`` read back from conntrack marks on Linux 6.18 (a probe in two namespaces)
KERNEL_MOD7 = {("10.77.0.101", "10.200.1.13"): 2, ("10.77.0.102", "10.200.2.26"): 5,
               ("10.77.0.103", "10.200.3.39"): 5, ("10.77.0.104", "10.200.4.52"): 6,
               ("10.77.0.105", "10.200.5.65"): 1, ("10.77.0.106", "10.200.6.78"): 4,
               ("10.77.0.107", "10.200.7.91"): 3, ("10.77.0.108", "10.200.8.104"): 6}


@pytest.mark.parametrize("pair,value", KERNEL_MOD7.items())
def test_flow_hash_is_the_kernels_jhash_V78(pair: tuple[str, str], value: int) -> None:
    """Appliance mode (V78) is realised by the kernel's hash: the model computes the same."""
    assert appliance.flow_hash(*pair, 7) == value


def test_modulus_gives_every_appliance_subnet_an_equal_share_V78() -> None:
    def att(name: str, n: int, mode: bool) -> TgwAttachment:
        return TgwAttachment(name, name, tuple(f"s{i}" for i in range(n)), None,
                             appliance_mode=mode)

    assert appliance.modulus(TransitGateway("t", (), (att("a", 3, False),))) == 0
    assert appliance.modulus(TransitGateway("t", (), (att("a", 1, True),))) == 0
    assert appliance.modulus(TransitGateway("t", (), (att("a", 2, True), att("b", 3, True)))) == 6
    two = att("a", 2, True)
    assert [appliance.subnet_for_hash(two, k) for k in range(1, 7)] == ["s0", "s1"] * 3


def _firewalls(hops: tuple[Any, ...]) -> list[str]:
    return [h.name for h in hops if h.component == "instance" and "forwards" in h.reason]


def test_without_appliance_mode_each_direction_uses_its_own_zone_V78() -> None:
    """Without appliance mode (V78) the request from us-east-1a crosses fw-a, the reply from
    us-east-1b crosses fw-b: the return path says it is asymmetric."""
    tr = trace(_inspection(False), Flow("app1", "db1", "tcp", 5432))
    assert tr.reachable
    assert _firewalls(tr.hops) == ["fw-a"] and _firewalls(tr.return_path) == ["fw-b"]
    leave = next(h for h in tr.hops if h.name == "inspection-att" and "leaves" in h.reason)
    assert "subnet tgw-a (us-east-1a)" in leave.reason and "us-east-1a (V78)" in leave.reason
    (asym,) = [h for h in tr.return_path if "asymmetric" in h.reason]
    assert asym.code == "TGW_ATTACH_VPC_AZ_RESTRICTION" and asym.name == "fw-b"


@pytest.mark.parametrize("src,dst,port", [("app1", "db1", 5432), ("db1", "app1", 443)])
def test_appliance_mode_keeps_both_directions_on_the_hashed_subnet_V78(
        src: str, dst: str, port: int) -> None:
    """With appliance mode (V78) the flow hash of the request's addresses picks the subnet,
    and the reply is delivered to the same one although it entered in another zone."""
    t = _inspection(True)
    tr = trace(t, Flow(src, dst, "tcp", port))
    ips = {i.name: i.private_ip for v in t.vpcs for i in v.instances}
    att = t.transit_gateways[0].attachments[2]
    subnet = appliance.subnet_for_hash(att, appliance.flow_hash(ips[src], ips[dst], 2))
    fw = {"tgw-a": "fw-a", "tgw-b": "fw-b"}[subnet]
    assert tr.reachable
    assert _firewalls(tr.hops) == [fw] == _firewalls(tr.return_path)
    legs = [h for h in tr.hops + tr.return_path
            if h.name == "inspection-att" and "leaves" in h.reason]
    assert len(legs) == 2 and all(f"subnet {subnet} " in h.reason for h in legs)
    assert all(h.code == "TGW_ATTACH_VPC_AZ_RESTRICTION" for h in legs)
    assert "flow hash" in legs[0].reason and "same subnet" in legs[1].reason
    assert not [h for h in tr.return_path if "asymmetric" in h.reason]


def test_from_a_vpn_the_first_subnet_V78() -> None:
    """A packet from a VPN attachment entered in no zone: the first subnet listed (V78)."""
    att = TgwAttachment("x", "v", ("s1", "s2"), None)
    assert appliance.same_zone_subnet(att, None, {"s1": "a", "s2": "b"}) == "s1"
    assert appliance.same_zone_subnet(att, "b", {"s1": "a", "s2": "b"}) == "s2"
    assert appliance.same_zone_subnet(att, "c", {"s1": "a", "s2": "b"}) == "s1"
