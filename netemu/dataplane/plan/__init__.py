"""The desired data plane for a topology: which namespaces, bridges, veth pairs, addresses,
routes, policy rules, sysctls and nftables rulesets realise it. PURE: model in, sorted value out.

One module per job:

- ``values``: the immutable values of a plan (``Namespace``, ``Link``, ``Desired``...) and
  their fingerprints and ``ip -batch`` text;
- ``wiring``: every veth pair, its id and its transit addresses, decided once;
- ``context``: what the builders share (topology, index, wiring, tables, sysctls);
- ``router``: the VPC router namespace, with ``routes`` for its route tables;
- ``nodes``: instances, NAT gateways, internet hosts;
- ``gateways``: internet and egress-only gateways, transit gateways, the internet.

Each builder returns a namespace; the links come from the wiring, never from a builder. The
realisation of each AWS part (and the AWS items it reproduces) is tabled in docs/dataplane.md.
Not realised: IPv6 through a transit gateway (its IPv6 routes are blackholes, with a note).
"""

from __future__ import annotations

from dataclasses import replace

from netemu.dataplane import names
from netemu.dataplane.plan import gateways, nodes
from netemu.dataplane.plan.context import (
    EDGE_TABLE,
    FIRST_TABLE,
    GATEWAY_TABLE,
    RULE_PRIORITY,
    Context,
    resolver_address,
    v4,
)
from netemu.dataplane.plan.router import router
from netemu.dataplane.plan.values import (
    Address,
    Bridge,
    Desired,
    KernelRoute,
    KernelRule,
    Link,
    Namespace,
)
from netemu.dataplane.plan.wiring import wire
from netemu.vpc.index import index_of
from netemu.vpc.model import Topology

__all__ = [
    "EDGE_TABLE", "FIRST_TABLE", "GATEWAY_TABLE", "RULE_PRIORITY",
    "Address", "Bridge", "Desired", "KernelRoute", "KernelRule", "Link", "Namespace",
    "build", "resolver_address",
]


def build(topology: Topology, prefix: str = names.PREFIX) -> Desired:
    """The desired data plane for ``topology``."""
    names.check_prefix(prefix)
    ctx = Context(topology, index_of(topology), prefix, wire(topology, prefix))
    spaces: list[Namespace] = []
    notes: list[str] = []
    for vpc in topology.vpcs:
        ns, vpc_notes = router(ctx, vpc)
        spaces.append(ns)
        notes += vpc_notes
        spaces += [nodes.instance(ctx, vpc, inst) for inst in vpc.instances
                   if inst.attached_to is None]  # a secondary ENI is an ethN of its instance
        spaces += [nodes.nat_gateway(ctx, vpc, nat) for nat in vpc.nat_gateways]
        if vpc.internet_gateway:
            spaces.append(gateways.gateway(ctx, vpc, "igw"))
        if vpc.egress_only_internet_gateway:
            spaces.append(gateways.gateway(ctx, vpc, "eigw"))
    spaces += [gateways.transit_gateway(ctx, tgw) for tgw in topology.transit_gateways]
    spaces += [nodes.host(ctx, h) for h in topology.internet_hosts]
    spaces += [nodes.site(ctx, s) for s in topology.vpn.sites]  # on-premises (vpn.py)
    if topology.internet_hosts or any(v.internet_gateway or v.egress_only_internet_gateway
                                      for v in topology.vpcs):
        any_v6 = (any(v.ipv6_cidr_blocks for v in topology.vpcs)
                  or any(not v4(h.ip) for h in topology.internet_hosts))
        spaces.append(gateways.internet(ctx, any_v6))
    ends: dict[str, set[str]] = {}
    for link in ctx.wiring.links:
        ends.setdefault(link.a_ns, set()).add(link.a_if)
        ends.setdefault(link.b_ns, set()).add(link.b_if)
    spaces = [replace(n, up=tuple(sorted(ends.get(n.name, set()) | {b.ifname for b in n.bridges})))
              for n in spaces]
    return Desired(
        topology=topology.source or "",
        prefix=prefix,
        namespaces=tuple(sorted(spaces, key=lambda n: n.name)),
        links=ctx.wiring.links,
        notes=tuple(notes),
    )
