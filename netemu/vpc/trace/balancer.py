"""A flow to a load balancer (V107, V108): two connections, explained as one trace.

``--to NAME`` (or the load balancer's DNS name) picks a node: the one in the source's AZ when
the source is an ENI of the load balancer's VPC, else the first enabled AZ's (a client's DNS
answer lists every node; netemu traces the first). The first leg is the client's connection to
the node's ENI on the listener port (the load balancer's security groups, the node subnet's
NACL; an internal load balancer's nodes have no public address, V104). At the node the listener
forwards to its target group: the second leg is the node's own connection to a target on the
target's port (the node's security groups outbound, the NACLs, the target's security groups,
which must allow the load balancer's group or the node's subnet, V107). The hop ``load_balancer``
between the legs lists every target's verdict; the second leg shown is the first target the
node reaches (the target in the node's AZ first), else the first target's, which shows why.

A Network Load Balancer keeps the client's address (V108): the target sees the client, so the
target's security groups are checked against the client's address as well.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace

from netemu.vpc import security_groups
from netemu.vpc.decision import ALLOW, DENY
from netemu.vpc.elb import LbNode, Listener, LoadBalancer, Target
from netemu.vpc.index import Index, index_of
from netemu.vpc.model import Topology
from netemu.vpc.trace.values import Blocker, Flow, Hop, Trace, TraceError

PRIVATE_ONLY = "IGW_PRIVATE_IP_ASSOCIATION_FOR_INGRESS"
TraceFn = Callable[[Topology, Flow, bool], Trace]


def balancer_named(topology: Topology, name: str) -> LoadBalancer | None:
    """The load balancer ``name`` names (its name or its DNS name), or None."""
    elb = topology.elb
    return elb.balancer(name) or (elb.by_dns_name(name) if "." in name else None)


def _node_for(topology: Topology, lb: LoadBalancer, src: str) -> LbNode:
    if not lb.nodes:
        raise TraceError(f"load balancer {lb.name} has no node")
    ix = index_of(topology)
    inst = ix.instances.get(src)
    if inst is not None and inst.vpc == lb.vpc:
        az = ix.subnets[(inst.vpc, inst.subnet)].az
        return next((n for n in lb.nodes if n.az == az), lb.nodes[0])
    return lb.nodes[0]


def _order(targets: tuple[Target, ...], node: LbNode) -> list[Target]:
    return sorted(targets, key=lambda t: t.az != node.az)


Leg = tuple[Target, Trace, "Hop | None"]


def trace_balancer(topology: Topology, flow: Flow, lb: LoadBalancer, all_blockers: bool,
                   trace: TraceFn) -> Trace:
    node = _node_for(topology, lb, flow.src)
    port = flow.port if flow.port is not None else lb.listeners[0].port if lb.listeners else None
    first = trace(topology, replace(flow, dst=node.eni, port=port), all_blockers)
    label = f"{lb.name} ({lb.dns_name.rstrip('.')}, node {node.az})"
    listener = lb.listener(port) if port is not None else None
    if not first.reachable or listener is None:
        return _stopped_at_node(first, lb, port, label)
    tg = topology.elb.target_group(listener.target_group)
    legs = _second_legs(topology, lb, node, tg.targets, first, all_blockers, trace)
    ok = [x for x in legs if _leg_ok(x)]
    chosen = ok[0] if ok else (legs[0] if legs else None)
    lb_hop = _lb_hop(lb, node, listener, tg.name, legs, chosen is not None)
    if chosen is None:
        why = f"target group {tg.name} has no target"
        return replace(first, destination=label, hops=first.hops + (lb_hop,), reachable=False,
                       blockers=first.blockers + (Blocker("forward", "load-balancer", lb.name,
                                                          None, why, "register targets"),))
    _t, leg, extra = chosen
    hops = first.hops + (lb_hop,) + leg.hops + ((extra,) if extra else ())
    blockers = leg.blockers
    if extra is not None and extra.decision == DENY:
        blockers += (Blocker("forward", "security-group", extra.name, extra.code, extra.reason,
                             "allow the clients' addresses in the target's security group"),)
    return Trace(flow, first.source, label, first.packet, bool(ok), hops,
                 leg.return_path + first.return_path, blockers, all_blockers,
                 first.log_events + leg.log_events, leg.explanations)


def _stopped_at_node(first: Trace, lb: LoadBalancer, port: int | None, label: str) -> Trace:
    """The client's connection does not reach a listener: blocked on the way (an internal load
    balancer from the internet, V104), or no listener on the port."""
    hops, blockers = first.hops, first.blockers
    if lb.scheme == "internal" and hops and hops[0].code == PRIVATE_ONLY:
        hops = (replace(hops[0], component="load-balancer", name=lb.name, reason=(
            f"{lb.name} is internal: its nodes have private addresses only "
            f"({', '.join(n.private_ip for n in lb.nodes)}), reachable from inside the VPC "
            f"and networks connected to it, never from the internet (V104)")),)
    if first.reachable:
        why = f"{lb.name} has no listener on port {port}: the node refuses the connection"
        hops += (Hop("load-balancer", lb.name, DENY, why),)
        blockers += (Blocker("forward", "load-balancer", lb.name, None, why,
                             f"add a listener on port {port} to {lb.name}"),)
    return replace(first, destination=label, hops=hops, blockers=blockers, reachable=False)


def _second_legs(topology: Topology, lb: LoadBalancer, node: LbNode,
                 targets: tuple[Target, ...], first: Trace, all_blockers: bool,
                 trace: TraceFn) -> list[Leg]:
    """The node's connection to each target (its AZ's first); for an NLB, also the targets'
    security groups against the client's address (V108)."""
    ix = index_of(topology)
    legs: list[Leg] = []
    for t in _order(targets, node):
        leg = trace(topology, Flow(node.eni, t.instance or t.ip, "tcp", t.port), all_blockers)
        extra = _client_check(ix, t, first) if lb.type == "network" else None
        legs.append((t, leg, extra))
    return legs


def _leg_ok(leg: Leg) -> bool:
    return leg[1].reachable and (leg[2] is None or leg[2].decision == ALLOW)


def _lb_hop(lb: LoadBalancer, node: LbNode, listener: Listener, tg: str, legs: list[Leg],
            any_target: bool) -> Hop:
    verdicts = "; ".join(
        f"{t.id} {t.ip}:{t.port} ({t.az}) "
        + ("reachable" if _leg_ok((t, leg, extra)) else "NOT reachable")
        for t, leg, extra in legs) or "no target registered"
    mode = ("forwards at layer 4, keeping the client's address (V108)"
            if lb.type == "network" else "ends the client's connection and opens its own from "
            f"the node {node.private_ip} (V107)")
    reason = (f"listener {listener.protocol}:{listener.port} forwards to target group "
              f"{tg}: node {node.eni} {mode}; targets: {verdicts}")
    return Hop("load-balancer", lb.name, ALLOW if any_target else DENY, reason,
               rule=f"listener {listener.protocol}:{listener.port} -> {tg}")


def _client_check(ix: Index, t: Target, first: Trace) -> Hop:
    """V108: the target's security groups see the client's address."""
    eni = ix.by_private.get(t.ip)
    client = first.packet.src
    if eni is None:
        return Hop("security-group", t.id, ALLOW, f"target {t.ip} has no security group here")
    groups = ix.groups_of(eni)
    p = replace(first.packet, dst=t.ip, dport=t.port)
    d = security_groups.evaluate(groups, "ingress", p, ix.member_ips)
    return Hop("security-group", eni.name, d.verdict,
               f"the target sees the client's address {client} (V108): {d.reason}", d.code,
               d.rule, p)
