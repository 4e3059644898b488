"""The Route 53 Resolver special case of a trace (V80): never filtered, never logged."""

from __future__ import annotations

from dataclasses import replace

from netemu.vpc import addressing
from netemu.vpc.decision import ALLOW, DENY
from netemu.vpc.index import Index
from netemu.vpc.model import Topology
from netemu.vpc.packets import PORT_PROTOCOLS, Packet
from netemu.vpc.trace.endpoints import End
from netemu.vpc.trace.values import Blocker, Flow, Hop, Trace, TraceError

RESOLVER_ADDRESSES = ("169.254.169.253", "fd00:ec2::253")  # V80
DHCP_RESOLVER = "resolver"   # ``--to resolver``: the instance's DHCP name server


def dhcp_resolver(ix: Index, topology: Topology, flow: Flow) -> Flow:
    """``--to resolver`` is where the source's resolv.conf sends a query: the first name server
    of its VPC's DHCP options set (AmazonProvidedDNS: the VPC's base + 2, V80)."""
    if flow.dst != DHCP_RESOLVER or flow.dst in ix.instances:
        return flow
    eni = ix.instances.get(flow.src)
    if eni is None:
        raise TraceError("--to resolver needs an instance as the source (its DHCP options "
                         "name the resolver)")
    vpc = topology.vpc(eni.vpc)
    base2 = addressing.dns_server(vpc.cidr_blocks[0])
    return replace(flow, dst=topology.dns.options_for(vpc).name_servers(base2)[0])


def is_resolver(ix: Index, vpc: str, ip: str) -> bool:
    v = ix.vpcs[vpc]
    if ip in RESOLVER_ADDRESSES:
        return True
    return bool(v.cidr_blocks) and ip == addressing.dns_server(v.cidr_blocks[0])


def resolver_trace(ix: Index, flow: Flow, src: End, dst: End, p: Packet,
                    all_blockers: bool) -> Trace:
    """The Route 53 Resolver of the source's VPC (V80): never filtered by SGs or NACLs (V37,
    V50) and not logged (V85, V91); it needs DNS support on the VPC and answers port 53."""
    assert src.eni is not None
    vpc = ix.vpcs[src.eni.vpc]
    name = f"{vpc.name} Route 53 Resolver"
    if not vpc.enable_dns_support:
        reason, code = f"enableDnsSupport is false on VPC {vpc.name}: no resolver (V81)", None
    elif p.protocol not in PORT_PROTOCOLS or p.dport != 53:
        reason, code = "the Route 53 Resolver answers DNS on port 53 (UDP and TCP) only", None
    else:
        reason = (f"{p.dst} is the Route 53 Resolver (V80): security groups and network ACLs"
                  " cannot filter it (V37, V50)")
        hop = Hop("resolver", name, ALLOW, reason, None, None, p)
        back = Hop("resolver", name, ALLOW, "the resolver's answer, unfiltered (V37, V50)", None,
                   None, p.reply())
        return Trace(flow, src.label, f"{name} ({p.dst})", p, True, (hop,), (back,), (),
                     all_blockers)
    hop = Hop("resolver", name, DENY, reason, code, None, p)
    blocker = Blocker("forward", "resolver", name, code, reason,
                      f"enable DNS support on VPC {vpc.name} and query port 53")
    return Trace(flow, src.label, f"{name} ({p.dst})", p, False, (hop,), (), (blocker,),
                 all_blockers)


def is_imds(ip: str) -> bool:
    """169.254.169.254 / fd00:ec2::254: the instance metadata service (V37)."""
    return ip in addressing.IMDS_ADDRESSES


def imds_trace(flow: Flow, src: End, p: Packet, all_blockers: bool) -> Trace:
    """The instance metadata service answers every instance locally, over HTTP on port 80,
    whatever its routes, network ACLs and security groups say (V37); it is not logged (V91)."""
    assert src.eni is not None
    name = f"{src.eni.name} instance metadata service"
    label = f"{name} ({p.dst})"
    if p.protocol not in PORT_PROTOCOLS or p.protocol == 17 or p.dport != 80:
        reason = "the instance metadata service answers HTTP on TCP port 80 only"
        hop = Hop("instance-metadata", name, DENY, reason, None, None, p)
        blocker = Blocker("forward", "instance-metadata", name, None, reason,
                          "query http://169.254.169.254/ (TCP port 80)")
        return Trace(flow, src.label, label, p, False, (hop,), (), (blocker,), all_blockers,
                     explanations=("NO_PATH",))
    reason = (f"{p.dst} is the instance metadata service: it answers on the instance's own link,"
              " whatever its routes, network ACLs and security groups say (V37)")
    hop = Hop("instance-metadata", name, ALLOW, reason, None, None, p)
    back = Hop("instance-metadata", name, ALLOW, "the metadata service's answer, unfiltered (V37)",
               None, None, p.reply())
    return Trace(flow, src.label, label, p, True, (hop,), (back,), (), all_blockers)
