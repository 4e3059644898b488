"""What every namespace builder reads: the topology, its index, the prefix, the wiring; and
the kernel constants the builders share (table numbers, rule priorities, sysctls). PURE.
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass

from netemu.dataplane.plan.wiring import Wiring
from netemu.vpc import addressing
from netemu.vpc.index import Index
from netemu.vpc.model import Subnet, Topology, Vpc

EDGE_TABLE = 999
GATEWAY_TABLE = 998  # the IGW's gateway route table (V27), when the VPC has one
FIRST_TABLE = 1000
RULE_PRIORITY = 1000

INSTANCE_SYSCTLS = (
    ("net.ipv6.conf.all.disable_ipv6", "1"),
    ("net.ipv6.conf.default.disable_ipv6", "1"),
    ("net.ipv4.conf.all.accept_redirects", "0"),
    ("net.ipv4.conf.default.accept_redirects", "0"),
)
# V49, V97: AWS tracks UDP "streams" for 180 s (the kernel's default is 120 s).
CONNTRACK_SYSCTLS = (("net.netfilter.nf_conntrack_udp_timeout_stream", "180"),)
# V71: a NAT gateway forgets an idle connection after 350 s.
NAT_SYSCTLS = (("net.netfilter.nf_conntrack_tcp_timeout_established", "350"),)
FORWARDER_SYSCTLS = INSTANCE_SYSCTLS + (
    ("net.ipv4.ip_forward", "1"),
    ("net.ipv4.conf.all.send_redirects", "0"),
    ("net.ipv4.conf.default.send_redirects", "0"),
)
ROUTER_SYSCTLS = FORWARDER_SYSCTLS + (
    # V35: same-subnet (bridged) traffic must not reach the NACL chains.
    ("net.bridge.bridge-nf-call-iptables", "0"),
    ("net.bridge.bridge-nf-call-ip6tables", "0"),
    ("net.bridge.bridge-nf-call-arptables", "0"),
)
_IPV6_ON = (
    ("net.ipv6.conf.all.disable_ipv6", "0"), ("net.ipv6.conf.default.disable_ipv6", "0"),
    ("net.ipv6.conf.all.accept_ra", "0"), ("net.ipv6.conf.default.accept_ra", "0"),
    ("net.ipv6.conf.all.autoconf", "0"), ("net.ipv6.conf.default.autoconf", "0"),
    ("net.ipv6.conf.all.accept_redirects", "0"),
    ("net.ipv6.conf.all.accept_dad", "0"), ("net.ipv6.conf.default.accept_dad", "0"),
)


def sysctls(base: tuple[tuple[str, str], ...], v6: bool,
            forward: bool = False) -> tuple[tuple[str, str], ...]:
    """IPv6 stays off in a namespace that does not need it; where it is on, no autoconfiguration
    and no router advertisements (addresses and routes are all explicit)."""
    if not v6:
        return base
    out = tuple(kv for kv in base if not kv[0].endswith("disable_ipv6")) + _IPV6_ON
    if forward:
        out += (("net.ipv6.conf.all.forwarding", "1"),)
    return out


def v4(cidr: str) -> bool:
    return ":" not in cidr


def plen(net: str) -> int:
    return ipaddress.ip_network(net).prefixlen


def resolver_address(vpc: Vpc) -> str:
    """Primary CIDR base + 2 (V15, V80)."""
    return addressing.dns_server(vpc.cidr_blocks[0])


def subnet(vpc: Vpc, name: str) -> Subnet:
    for s in vpc.subnets:
        if s.name == name:
            return s
    raise KeyError(f"vpc {vpc.name}: no subnet {name}")


@dataclass(frozen=True, slots=True)
class Context:
    t: Topology
    ix: Index
    prefix: str
    wiring: Wiring

    def pcx_v6(self, name: str) -> bool:
        """Whether a peering carries IPv6: both of its VPCs have an IPv6 CIDR."""
        pc = next(p for p in self.wiring.peerings if p.name == name)
        return bool(self.t.vpc(pc.requester).ipv6_cidr_blocks
                    and self.t.vpc(pc.accepter).ipv6_cidr_blocks)

    def middleboxes_anywhere(self) -> bool:
        """Whether any instance of the topology forwards (source/destination check off): only
        then do routers and TGWs carry the middlebox mark (V44)."""
        return any(not i.source_dest_check for v in self.t.vpcs for i in v.instances)

    def public_map(self, vpc: Vpc) -> dict[str, str]:
        """public -> private for every ENI of the VPC with a public address (instances, public
        NAT gateways): the IGW's 1:1 NAT (V65), as the model's index knows them."""
        return {pub: eni.private_ip or "" for pub, eni in self.ix.by_public.items()
                if eni.vpc == vpc.name}
