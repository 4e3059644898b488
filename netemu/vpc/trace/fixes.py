"""Fix suggestions: what would have to change for a blocked packet to pass (the ``change`` of
each Blocker), and which route target would carry it (``--all-blockers`` assumes it, V95)."""

from __future__ import annotations

from netemu.vpc.addressing import address, is_private_ipv4
from netemu.vpc.decision import Decision
from netemu.vpc.index import Eni, Index
from netemu.vpc.model import RouteTarget
from netemu.vpc.packets import ICMP_PROTOCOLS, PORT_PROTOCOLS, Packet, protocol_name


def _what(p: Packet) -> str:
    name = protocol_name(p.protocol)
    if p.protocol in PORT_PROTOCOLS:
        return f"{name} port {p.dport}"
    if p.protocol in ICMP_PROTOCOLS:
        return f"{name} type {p.icmp_type}"
    return name


def host_cidr(ip: str) -> str:
    return f"{ip}/{32 if address(ip).version == 4 else 128}"


def sg_change(eni: Eni, direction: str, p: Packet) -> str:
    if direction == "egress":
        return (f"add an outbound rule allowing {_what(p)} to {host_cidr(p.dst)} to a security"
                f" group of {eni.name} ({', '.join(eni.security_groups)})")
    return (f"add an inbound rule allowing {_what(p)} from {host_cidr(p.src)} to a security"
            f" group of {eni.name} ({', '.join(eni.security_groups)})")


def nacl_change(acl: str, direction: str, p: Packet, d: Decision, path: str) -> str:
    peer = p.src if direction == "inbound" else p.dst
    word = "from" if direction == "inbound" else "to"
    what = _what(p)
    if path == "return" and p.protocol in PORT_PROTOCOLS:
        # the reply goes to the client's ephemeral port: open the range, not one port (V36)
        what = (f"{protocol_name(p.protocol)} ports 1024-65535 (the reply's ephemeral port,"
                f" here {p.dport}, V36)")
    allow = f"an {direction} rule allowing {what} {word} {host_cidr(peer)}"
    if d.rule and d.rule != "*":
        return f"network ACL {acl}: rule {d.rule} denies it; add {allow} numbered below {d.rule}"
    return f"network ACL {acl}: add {allow}"


def route_change(rtb: str, dst: str, d: Decision, suggestion: RouteTarget | None) -> str:
    to = f" -> {suggestion}" if suggestion else ""
    if d.code == "BAD_STATE_ROUTE":
        return f"route table {rtb}: replace the blackhole route {d.rule} with a working target{to}"
    return f"route table {rtb}: add a route covering {dst}{to}"


def suggest_target(ix: Index, vpc: str, p: Packet) -> RouteTarget | None:
    """A target that would carry ``p`` from ``vpc`` (for --all-blockers): a peering or
    transit gateway to the destination's VPC; for the internet, the internet gateway, or a
    public NAT gateway when the sender has no public IPv4 address."""
    return (_via_peering(ix, vpc, p.dst) or _via_transit_gateway(ix, vpc, p.dst)
            or _to_internet(ix, vpc, p))


def _via_peering(ix: Index, vpc: str, dst: str) -> RouteTarget | None:
    for pcx in ix.peerings.values():
        if pcx.status != "active" or vpc not in (pcx.requester, pcx.accepter):
            continue
        other = pcx.accepter if pcx.requester == vpc else pcx.requester
        if ix.in_vpc(other, dst):
            return RouteTarget("peering", pcx.name)
    return None


def _via_transit_gateway(ix: Index, vpc: str, dst: str) -> RouteTarget | None:
    for t in ix.tgws.values():
        if ix.attachment(t.name, vpc) is None:
            continue
        if any(att.vpc != vpc and ix.in_vpc(att.vpc, dst) for att in t.attachments):
            return RouteTarget("transit_gateway", t.name)
    return None


def _to_internet(ix: Index, vpc: str, p: Packet) -> RouteTarget | None:
    dst = p.dst
    if ix.vpc_of_address(dst) is not None or is_private_ipv4(dst):
        return None
    v = ix.vpcs[vpc]
    sender = ix.eni_in_vpc(vpc, p.src)
    if p.version == 4 and (sender is None or sender.public_ip is None):
        nat = next((n for n in v.nat_gateways if n.connectivity == "public"), None)
        if nat is not None:
            return RouteTarget("nat_gateway", nat.name)
    if v.internet_gateway:
        return RouteTarget("internet_gateway")
    if address(dst).version == 6 and v.egress_only_internet_gateway:
        return RouteTarget("egress_only_internet_gateway")
    return None
