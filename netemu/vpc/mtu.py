"""The MTU of each hop of a VPC path (pure): one table, used by ``trace`` and by the data plane.

Name: mtu
Behaviour (docs/behaviour.md V39, V60; EC2-UG network_mtu.html "Jumbo frames (9001 MTU)"):
  - inside a VPC (instance to instance, through an instance middlebox, through the VPC router)
    the MTU is 9001 (jumbo frames);
  - a VPC peering connection in the same Region: 9001; across Regions: 1500 (V60);
  - traffic through an internet gateway (and so the emulated internet), an egress-only internet
    gateway or a NAT gateway: 1500;
  - traffic through a transit gateway: 8500;
  - a packet larger than the MTU of a hop with Don't Fragment set is dropped there and the hop
    sends ICMP "fragmentation needed" (type 3 code 4; ICMPv6 "packet too big", type 2) back to
    the sender: path MTU discovery works unless a NACL or security group blocks that ICMP (V39).
  Note: the EC2 User Guide of 2025 gives 8500 for inter-Region peering; the catalogue (V60) and
  netemu keep 1500 (the value the brief fixed for both trace and the kernel): change it here,
  in one place, if the catalogue changes.
Examples:
  hop_mtu("local") == 9001; hop_mtu("internet_gateway") == 1500
  hop_mtu("peering", same_region=False) == 1500; hop_mtu("transit_gateway") == 8500
  path_mtu([9001, 8500, 9001]) == 8500
"""

from __future__ import annotations

from collections.abc import Iterable

from netemu.vpc.model import RouteTarget, Topology

VPC_MTU = 9001
INTERNET_MTU = 1500
TGW_MTU = 8500
INTER_REGION_PEERING_MTU = 1500  # V60 (see the module note)
ICMP_FRAG_NEEDED = (3, 4)  # ICMP type, code (V39)
ICMPV6_PACKET_TOO_BIG = (2, 0)

# The MTU of the link a packet crosses when a route sends it to a target of this kind (the
# RouteTarget kinds of model.TARGET_KINDS), plus "internet" for the emulated internet itself.
HOP_MTU: dict[str, int] = {
    "local": VPC_MTU,
    "instance": VPC_MTU,
    "peering": VPC_MTU,  # same Region; hop_mtu(same_region=False) gives the other
    "internet_gateway": INTERNET_MTU,
    "egress_only_internet_gateway": INTERNET_MTU,
    "nat_gateway": INTERNET_MTU,
    "transit_gateway": TGW_MTU,
    "internet": INTERNET_MTU,
    "vpc_endpoint": INTERNET_MTU,  # netemu decision: the service side as the internet (1500)
    "vpn_gateway": INTERNET_MTU,  # Site-to-Site VPN: 1500 on the path to the site (vpn.py)
}


def hop_mtu(kind: str, *, same_region: bool = True) -> int:
    """The MTU of a hop towards a target of ``kind`` (a RouteTarget kind or ``internet``)."""
    if kind == "peering" and not same_region:
        return INTER_REGION_PEERING_MTU
    try:
        return HOP_MTU[kind]
    except KeyError:
        raise ValueError(f"no MTU for a hop of kind {kind!r}") from None


def target_mtu(topology: Topology, vpc: str, target: RouteTarget) -> int:
    """The MTU of the hop a route of VPC ``vpc`` takes to ``target``; a peering looks at the
    Regions of its two VPCs (V60)."""
    if target.kind == "peering":
        pcx = next((p for p in topology.peerings if p.name == target.name), None)
        if pcx is None:
            raise ValueError(f"unknown peering {target.name!r}")
        same = topology.vpc(pcx.requester).region == topology.vpc(pcx.accepter).region
        return hop_mtu("peering", same_region=same)
    return hop_mtu(target.kind)


def path_mtu(hops: Iterable[int]) -> int:
    """The MTU of a path: its smallest hop (9001 for an empty path inside one subnet)."""
    return min(hops, default=VPC_MTU)


def fits(size: int, mtu: int) -> bool:
    """Does an IP packet of ``size`` bytes (header included) cross a hop of ``mtu``?"""
    return size <= mtu
