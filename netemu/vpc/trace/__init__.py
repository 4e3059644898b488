"""The path explainer: ``trace(topology, flow) -> Trace``, hop by hop, both directions.

Theory of operation
-------------------
A packet moves between *ENIs* (an instance's, a NAT gateway's, a transit gateway attachment's),
each in a subnet, and *gateways* outside the subnets (internet gateway, egress-only internet
gateway, peering connection, transit gateway). One walk follows one direction:

- an instance sends: its security groups' egress rules (stateful: on the return path the
  reply of an allowed connection passes, V46);
- the packet leaves the subnet: if the destination is in the same subnet it is delivered
  directly, with no route table and no network ACL (V35); otherwise the subnet's NACL outbound
  rules (stateless, V31-V34) and then its route table (longest prefix, V22-V26) pick the next
  component;
- the next component: ``local`` -> the ENI that owns the address in the VPC; an internet gateway
  (1:1 NAT and its RFC 1918 rules, V64-V66); a NAT gateway (SNAT to its address, source port
  remapped into 1024-65535, no inbound initiation, V67-V70), which then sends from its own
  subnet; a peering connection (delivers only to the peer VPC's CIDRs and only there: not
  transitive, no edge-to-edge routing, V54-V57); an egress-only internet gateway (IPv6, outbound
  only, V73); a transit gateway (association, longest prefix, static before propagated, AZ rule,
  transitive, V74-V78) that hands the packet to an attachment ENI in the destination VPC, which
  sends from the attachment subnet (NACLs as TGW tgw-nacls.html says: towards the TGW the
  attachment subnet's inbound rules apply, even from that same subnet; from the TGW only its
  outbound rules, when the packet leaves it); an instance (a middlebox, which needs
  source/destination check off);
- the packet enters a subnet from outside: the NACL inbound rules, then the destination ENI's
  security groups' ingress rules (stateful on the return path).

The return path is a second walk of the reply (addresses and ports swapped, as delivered): it
starts at the replier and is routed by the replier's own route tables (V58); NACLs are checked
again in the other direction (V34); NAT gateways undo their translation for replies of
connections they saw; an egress-only gateway lets replies in.

Every hop carries ``component``, ``name``, ``decision`` (``allow``/``deny``), ``reason``, the
deciding ``rule`` and, where Reachability Analyzer has one, its explanation ``code`` (V94). A
walk stops at the hop that drops the packet; with ``all_blockers`` it assumes a blocked filter
(SG, NACL) or a missing/blackhole route (when a working target can be found) had passed and
goes on, so ``blockers`` lists every setting that would have to change (V95).
"""

from __future__ import annotations

from netemu.vpc import mtu
from netemu.vpc.decision import DENY
from netemu.vpc.index import Index, index_of
from netemu.vpc.model import Topology
from netemu.vpc.packets import Packet
from netemu.vpc.trace import gateways, vpn
from netemu.vpc.trace.balancer import balancer_named, trace_balancer
from netemu.vpc.trace.endpoints import (
    End,
    family_of,
    first_packet,
    resolve_destination,
    resolve_source,
)
from netemu.vpc.trace.resolver import (
    dhcp_resolver,
    imds_trace,
    is_imds,
    is_resolver,
    resolver_trace,
)
from netemu.vpc.trace.values import (
    DEFAULT_SOURCE_PORT,
    Blocker,
    Flow,
    Hop,
    LogEvent,
    Stop,
    Trace,
    TraceError,
)
from netemu.vpc.trace.walk import Conn, Walk

__all__ = ["DEFAULT_SOURCE_PORT", "Blocker", "Flow", "Hop", "LogEvent", "Trace", "TraceError",
           "trace"]


def _walk(w: Walk, start: End, p: Packet) -> None:
    try:
        if start.kind == "eni":
            assert start.eni is not None
            w.start_at_instance(start.eni, p)
        elif start.kind == "onprem":  # an on-premises host (vpn.py)
            site = w.ix.topology.vpn.host(start.address)
            assert site is not None
            w.note("on-premises", site.site, f"sent from {start.label}", p)
            vpn.from_site(w, site.site, p)
        else:
            w.note("internet", start.label.split(" ")[0], f"sent from {start.label}", p)
            w.check_mtu(mtu.INTERNET_MTU, "internet", start.label.split(" ")[0], p,
                        "the internet")
            gateways.internet(w, p)
    except Stop:
        pass


def trace(topology: Topology, flow: Flow, all_blockers: bool = False) -> Trace:
    """Explains how ``flow`` goes, or why it does not, forward and back.

    Raises TraceError for a flow that cannot be traced (unknown names, missing port...).
    """
    lb = balancer_named(topology, flow.dst) if topology.elb.load_balancers else None
    if lb is not None:
        return trace_balancer(topology, flow, lb, all_blockers, trace)
    ix = index_of(topology)
    flow = dhcp_resolver(ix, topology, flow)
    family = family_of(ix, flow)
    src = resolve_source(ix, flow.src, family)
    dst = resolve_destination(ix, flow.dst, family, src)
    # an instance the source cannot address: show the packet to its private address
    placeholder = dst.address or (dst.eni.private_ip if dst.eni and family == 4 else None) or (
        "0.0.0.0" if family == 4 else "::")
    p = first_packet(flow, src.address, placeholder, family)
    conn = Conn()
    conn.service_request = (flow.service_action, flow.service_resource)
    if flow.size is not None and not 20 <= flow.size <= 65535:
        raise TraceError(f"size {flow.size} is not an IP packet size (20-65535 bytes)")
    fwd = Walk(ix, "forward", all_blockers, conn, flow.size)
    if not dst.address:
        why = f"{dst.label}: it cannot be reached from {src.label} (V64)"
        fwd.hops.append(Hop("instance", flow.dst, DENY, why,
                            "IGW_PRIVATE_IP_ASSOCIATION_FOR_INGRESS", None, p))
        fwd.blockers.append(Blocker("forward", "instance", flow.dst,
                                    "IGW_PRIVATE_IP_ASSOCIATION_FOR_INGRESS", why,
                                    f"associate a public address with {flow.dst}"))
        return Trace(flow, src.label, dst.label, p, False, tuple(fwd.hops), (),
                     tuple(fwd.blockers), all_blockers,
                     explanations=("IGW_PRIVATE_IP_ASSOCIATION_FOR_INGRESS",))
    if src.kind == "eni" and src.eni is not None and is_resolver(ix, src.eni.vpc, p.dst):
        return resolver_trace(ix, flow, src, dst, p, all_blockers)
    if src.kind == "eni" and src.eni is not None and is_imds(p.dst):
        return imds_trace(flow, src, p, all_blockers)
    _walk(fwd, src, p)
    ret = _return_walk(ix, fwd, conn, all_blockers, src, dst, p)
    blockers = tuple(fwd.blockers + ret.blockers)
    reachable = fwd.delivered is not None and ret.delivered is not None and not blockers
    return Trace(
        flow, src.label, dst.label, p, reachable, tuple(fwd.hops), tuple(ret.hops), blockers,
        all_blockers, tuple(fwd.logs + ret.logs),
        () if reachable else explain(ix, src, dst, fwd.hops, blockers),
    )


def _return_walk(ix: Index, fwd: Walk, conn: Conn, all_blockers: bool, src: End, dst: End,
                 p: Packet) -> Walk:
    """The reply's walk, from the replier (V58), when the request was delivered."""
    ret = Walk(ix, "return", all_blockers, conn)
    ret.mute = bool(fwd.blockers)
    delivered = fwd.delivered
    if delivered is None:
        return ret
    reply = delivered.reply()
    if dst.kind == "eni" and dst.eni is not None:
        replier = End("eni", dst.label, reply.src, dst.eni)
    else:
        replier = End(dst.kind, dst.label, reply.src)
    _walk(ret, replier, reply)
    if ret.delivered is not None and (ret.delivered.dst, ret.delivered.dport) != (
        p.src, p.sport
    ):
        ret.hops.append(Hop("instance", src.label, DENY,
                            f"the reply arrives as {ret.delivered.describe()}, which does not"
                            " match the connection", None, None, ret.delivered))
        ret.blockers.append(Blocker("return", "instance", src.label, None,
                                    "reply does not match the connection",
                                    "make the reply return the way the request went"))
        ret.delivered = None
    return ret


def explain(ix: Index, src: End, dst: End, hops: list[Hop],
            blockers: tuple[Blocker, ...]) -> tuple[str, ...]:
    """The Reachability Analyzer explanation codes of an unreachable path (V93, V94): the
    blockers' codes in order; MORE_SPECIFIC_ROUTE (or its transit gateway form) when a more
    specific route took the packet where it stopped; DISCONNECTED_VPCS when the two ends are in
    VPCs joined by no active peering and no transit gateway; NO_PATH when nothing else
    explains it."""
    codes = [b.code for b in blockers if b.code]
    codes += [h.code for h in hops if h.code and h.code.endswith(
        ("MORE_SPECIFIC_ROUTE", "HIGHER_PRIORITY_ROUTE"))]
    a = src.eni.vpc if src.eni is not None else None
    b = dst.eni.vpc if dst.eni is not None else (
        ix.vpc_of_address(dst.address) if dst.address else None)
    if a is not None and b is not None and a != b and not ix.connected(a, b):
        codes.append("DISCONNECTED_VPCS")
    if not codes:
        codes.append("NO_PATH")
    return tuple(dict.fromkeys(codes))
