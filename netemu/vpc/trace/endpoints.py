"""Endpoint resolution: which ENI, internet host or address a flow's ``src`` and ``dst`` name,
at which address of the flow's family, and the first packet the source sends."""

from __future__ import annotations

from dataclasses import dataclass

from netemu.vpc import checkers, interface_endpoints
from netemu.vpc.addressing import address, canonical_address, is_address, is_private_ipv4
from netemu.vpc.index import Eni, Index
from netemu.vpc.packets import ICMP, ICMP_PROTOCOLS, ICMPV6, PORT_PROTOCOLS, Packet, protocol_name
from netemu.vpc.trace.values import Flow, TraceError


@dataclass(frozen=True, slots=True)
class End:
    kind: str  # "eni" | "internet" | "onprem" (a host of an on-premises site, vpn.py)
    label: str
    address: str
    eni: Eni | None = None


def _pick_address(eni: Eni, family: int, public: bool) -> str | None:
    if family == 6:
        return eni.ipv6
    return eni.public_ip if public else eni.private_ip


def family_of(ix: Index, flow: Flow) -> int:
    """4 or 6: given, or that of an address or internet host at either end, else 4."""
    if flow.ip_version is not None:
        if flow.ip_version not in (4, 6):
            raise TraceError("ip_version is 4 or 6")
        return flow.ip_version
    for end in (flow.src, flow.dst):
        if end not in ix.instances and end not in ix.hosts_by_name and is_address(end):
            return address(end).version
    for end in (flow.src, flow.dst):
        host = ix.hosts_by_name.get(end)
        if host is not None and end not in ix.instances:
            return address(host.ip).version
    return 4


def _named_host(ix: Index, name: str, family: int) -> End | None:
    """The internet host called ``name``, at its address of the flow's family
    (``route53-checker:REGION`` names a Route 53 health checker's host, R180)."""
    host = ix.hosts_by_name.get(checkers.node_name(name))
    if host is None:
        if name.startswith(checkers.NODE_PREFIX):
            raise TraceError(f"no Route 53 health checker {name!r}: the topology's "
                             f"{checkers.KEY} key names the checker Regions")
        return None
    addr = canonical_address(host.ip)
    if address(addr).version != family:
        raise TraceError(f"internet host {name} has no IPv{family} address")
    return End("internet", f"{name} ({addr})", addr)


def _onprem(ix: Index, name: str) -> End | None:
    host = ix.topology.vpn.host(name)
    return None if host is None else End("onprem", f"{host.name} ({host.ip})", host.ip)


def resolve_source(ix: Index, name: str, family: int) -> End:
    onprem = _onprem(ix, name)
    if onprem is not None:
        return onprem
    inst = ix.instances.get(name)
    if inst is not None:
        eni = ix.enis_by_name[(inst.vpc, inst.name)]
        addr = _pick_address(eni, family, public=False)
        if addr is None:
            raise TraceError(f"instance {name} has no IPv{family} address")
        return End("eni", f"{name} ({addr})", addr, eni)
    host_end = _named_host(ix, name, family)
    if host_end is not None:
        return host_end
    if not is_address(name):
        raise TraceError(
            f"unknown source {name!r}: not an instance, an internet host or an address"
        )
    addr = canonical_address(name)
    found = ix.by_private.get(addr)
    if found is not None and found.kind == "instance":
        return End("eni", found.label(), addr, found)
    if found is not None or addr in ix.by_public:
        owner = found or ix.by_public[addr]
        if owner.kind == "instance":
            raise TraceError(f"{addr} is the public address of instance {owner.name}: trace from"
                             f" {owner.name} (or its private address)")
        raise TraceError(
            f"{addr} belongs to {owner.kind.replace('_', ' ')} {owner.name}: "
            "trace from an instance or an internet address"
        )
    host = ix.hosts_by_ip.get(addr)
    if host is not None:
        return End("internet", f"{host.name} ({addr})", addr)
    if ix.vpc_of_address(addr) is not None or is_private_ipv4(addr):
        raise TraceError(f"no instance has the address {addr}")
    return End("internet", f"internet ({addr})", addr)


def resolve_destination(ix: Index, name: str, family: int, src: End) -> End:
    onprem = _onprem(ix, name)
    if onprem is not None:
        return onprem
    inst = ix.instances.get(name)
    if inst is not None:
        eni = ix.enis_by_name[(inst.vpc, inst.name)]
        public = src.kind == "internet"
        addr = _pick_address(eni, family, public)
        if addr is None:
            what = "public IPv4" if public and family == 4 else f"IPv{family}"
            # An unreachable destination rather than an error: the trace explains it.
            return End("eni", f"{name} (no {what} address)", "", eni)
        return End("eni", f"{name} ({addr})", addr, eni)
    vpce = _interface_endpoint(ix, name, family, src)
    if vpce is not None:
        return vpce
    host_end = _named_host(ix, name, family)
    if host_end is not None:
        return host_end
    if not is_address(name):
        raise TraceError(
            f"unknown destination {name!r}: not an instance, an internet host or an address"
        )
    addr = canonical_address(name)
    found = ix.by_private.get(addr) or ix.by_public.get(addr)
    if found is not None:
        return End("eni", f"{found.name} ({addr})", addr, found)
    host = ix.hosts_by_ip.get(addr)
    if host is not None:
        return End("internet", f"{host.name} ({addr})", addr)
    return End("internet", addr, addr)


def _interface_endpoint(ix: Index, name: str, family: int, src: End) -> End | None:
    """A name the source's VPC resolver answers with an interface endpoint ENI (V142, V143)."""
    if src.eni is None or family != 4 or is_address(name):
        return None
    subnet = ix.subnets.get((src.eni.vpc, src.eni.subnet))
    found = interface_endpoints.resolve(ix.topology, name, src.eni.vpc,
                                        subnet.az if subnet else None)
    if found is None:
        return None
    ep, n = found
    eni = ix.enis_by_name[(ep.vpc, n.eni)]
    return End("eni", f"{n.eni} ({n.private_ip}, interface endpoint {ep.name} for {name})",
               n.private_ip, eni)


def first_packet(flow: Flow, src: str, dst: str, family: int) -> Packet:
    proto = flow.protocol_number()
    if proto == ICMP and family == 6:
        proto = ICMPV6
    if proto in PORT_PROTOCOLS:
        if flow.port is None:
            raise TraceError(f"{protocol_name(proto)} needs a destination port (--port)")
        for port in (flow.port, flow.src_port):
            if not 0 <= port <= 65535:
                raise TraceError(f"port {port} is outside 0-65535")
        return Packet(proto, src, dst, flow.src_port, flow.port)
    if proto in ICMP_PROTOCOLS:
        default = 8 if proto == ICMP else 128
        icmp_type = default if flow.icmp_type is None else flow.icmp_type
        return Packet(proto, src, dst, icmp_type=icmp_type, icmp_code=flow.icmp_code)
    if proto == -1:
        raise TraceError("trace one protocol at a time (tcp, udp, icmp or a number), not 'all'")
    return Packet(proto, src, dst)
