"""A topology as an AWS architecture diagram, as Graphviz DOT text (plain data, pure).

``dot(topology, trace=None) -> str``: Region -> VPC -> Availability Zone -> subnet nested as
Graphviz clusters, instances and NAT gateways inside their subnet, each VPC's implicit router
with its internet gateway (and egress-only one) on the VPC's edge, peering connections and
transit gateways between VPCs, the internet and its hosts outside the Region. Route tables,
network ACLs and security groups are named on the labels and spelled out in tooltips (SVG
``<title>``/``xlink:title``, shown on hover).

With a ``Trace`` (``netemu.vpc.trace``), its forward path is drawn in blue and its return
path in green, each hop a numbered edge between the places it crosses; the hop that drops
the packet gets a red node beside the place it was resolved to, labelled with the component,
its name and the reason. Layout is Graphviz's (``netemu.draw`` renders this text).
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from netemu.vpc.model import Instance, NatGateway, RouteTable, Subnet, Topology, Vpc
from netemu.vpc.trace.values import Hop, Trace

FORWARD_COLOUR = "#1f6feb"
RETURN_COLOUR = "#1a7f37"
DROP_COLOUR = "#cf222e"
# AWS architecture diagram group colours (Region, VPC, AZ, public/private subnet)
REGION_COLOUR = "#00A4A6"
VPC_COLOUR = "#8C4FFF"
AZ_COLOUR = "#147EBA"
PUBLIC_SUBNET = ("#7AA116", "#F2F6E8")
PRIVATE_SUBNET = ("#00A4A6", "#E6F6F7")
GATEWAY_COLOUR = "#8C4FFF"
INTERNET = "internet"
# hops that filter at a boundary rather than forward: no place of their own unless they drop
PASSIVE = ("network-acl", "security-group", "subnet")


def quote(text: str) -> str:
    """A DOT double-quoted string: backslashes and quotes escaped, newlines as ``\\n`` (so
    Graphviz's own escapes such as ``\\N`` in a user's name stay literal)."""
    body = text.replace("\\", "\\\\").replace('"', '\\"')
    return '"' + body.replace("\r", "").replace("\n", "\\n") + '"'


def _attrs(**kw: str) -> str:
    return "[" + ", ".join(f"{k}={quote(v)}" for k, v in kw.items() if v != "") + "]"


# --- node ids ------------------------------------------------------------------------------


def instance_id(vpc: str, name: str) -> str:
    return f"i:{vpc}/{name}"


def nat_id(vpc: str, name: str) -> str:
    return f"nat:{vpc}/{name}"


def router_id(vpc: str) -> str:
    return f"vpc:{vpc}"


def igw_id(vpc: str) -> str:
    return f"igw:{vpc}"


def eigw_id(vpc: str) -> str:
    return f"eigw:{vpc}"


def tgw_id(name: str) -> str:
    return f"tgw:{name}"


def pcx_id(name: str) -> str:
    return f"pcx:{name}"


def host_id(name: str) -> str:
    return f"host:{name}"


def cluster_id(kind: str, *parts: str) -> str:
    return "cluster_" + kind + "_" + "_".join(parts)


# --- static structure ----------------------------------------------------------------------


def _is_public(table: RouteTable | None) -> bool:
    return table is not None and any(r.target.kind == "internet_gateway" for r in table.routes)


def _table(vpc: Vpc, name: str) -> RouteTable | None:
    return next((t for t in vpc.route_tables if t.name == name), None)


def _routes_text(table: RouteTable | None) -> str:
    if table is None:
        return ""
    return "\n".join(f"  {r.destination} -> {r.target}" for r in table.routes)


def _endpoints(topology: Topology) -> dict[str, str]:
    """ENI (instance) name -> what it is, for the ENIs of Route 53 Resolver endpoints."""
    return {a.eni: f"Resolver endpoint {e.name} ({e.direction.lower()})"
            for e in topology.dns.endpoints for a in e.addresses}


def _instance_node(vpc: Vpc, inst: Instance, role: str = "") -> str:
    lines = ([role] if role else []) + [inst.name, inst.private_ip]
    if inst.public_ip:
        lines.append(f"public {inst.public_ip}")
    lines.append("SG: " + ", ".join(inst.security_groups))
    tip = (f"instance {inst.name} ({inst.eni_id})\nsubnet {inst.subnet}\nprivate "
           f"{inst.private_ip}" + (f"\npublic {inst.public_ip}" if inst.public_ip else "")
           + (f"\nIPv6 {inst.ipv6_address}" if inst.ipv6_address else "")
           + "\nsecurity groups: " + ", ".join(inst.security_groups)
           + ("" if inst.source_dest_check else "\nsource/destination check off"))
    fill, colour = ("#FCEEF5", "#C7131F") if role else ("#FFF4E5", "#ED7100")
    return (f"{quote(instance_id(vpc.name, inst.name))} "
            + _attrs(label="\n".join(lines), tooltip=(role + "\n" if role else "") + tip,
                     shape="box", style="rounded,filled", fillcolor=fill, color=colour,
                     fontname="Helvetica") + ";")


def _nat_node(vpc: Vpc, nat: NatGateway) -> str:
    label = f"NAT gateway\n{nat.name}\n{nat.private_ip}" + (
        f"\npublic {nat.public_ip}" if nat.public_ip else "")
    tip = f"NAT gateway {nat.name} ({nat.connectivity}) in subnet {nat.subnet}"
    return (f"{quote(nat_id(vpc.name, nat.name))} "
            + _attrs(label=label, tooltip=tip, shape="box", style="filled",
                     fillcolor="#F3EDFF", color=GATEWAY_COLOUR, fontname="Helvetica") + ";")


def _subnet_cluster(vpc: Vpc, subnet: Subnet, out: list[str], indent: str,
                    roles: dict[str, str]) -> None:
    table = _table(vpc, subnet.route_table)
    colour, fill = PUBLIC_SUBNET if _is_public(table) else PRIVATE_SUBNET
    kind = "Public subnet" if _is_public(table) else "Private subnet"
    label = (f"{kind} {subnet.name}\n{subnet.cidr}"
             + (f" {subnet.ipv6_cidr}" if subnet.ipv6_cidr else "")
             + f"\nroute table {subnet.route_table} | NACL {subnet.network_acl}")
    tip = (f"subnet {subnet.name} {subnet.cidr} in {subnet.az}\nroute table "
           f"{subnet.route_table}:\n{_routes_text(table)}\nnetwork ACL {subnet.network_acl}")
    out.append(f"{indent}subgraph {quote(cluster_id('subnet', vpc.name, subnet.name))} {{")
    out.append(f"{indent}  graph " + _attrs(label=label, tooltip=tip, color=colour,
                                            fillcolor=fill, style="filled", fontcolor=colour,
                                            fontname="Helvetica", fontsize="11") + ";")
    members = [i for i in vpc.instances if i.subnet == subnet.name]
    nats = [n for n in vpc.nat_gateways if n.subnet == subnet.name]
    if not members and not nats:  # an empty cluster is not drawn: give it a placeholder
        out.append(f"{indent}  {quote('empty:' + vpc.name + '/' + subnet.name)} "
                   + _attrs(label="", shape="point", style="invis") + ";")
    for nat in nats:
        out.append(indent + "  " + _nat_node(vpc, nat))
    for inst in members:
        out.append(indent + "  " + _instance_node(vpc, inst, roles.get(inst.name, "")))
    out.append(f"{indent}}}")


def _vpc_cluster(vpc: Vpc, out: list[str], roles: dict[str, str]) -> None:
    cidrs = ", ".join(vpc.cidr_blocks + vpc.ipv6_cidr_blocks)
    out.append(f"    subgraph {quote(cluster_id('vpc', vpc.name))} {{")
    tip = (f"VPC {vpc.name} {cidrs}\nroute tables: "
           + ", ".join(t.name + (" (main)" if t.main else "") for t in vpc.route_tables)
           + "\nnetwork ACLs: " + ", ".join(a.name for a in vpc.network_acls)
           + "\nsecurity groups: " + ", ".join(g.name for g in vpc.security_groups))
    out.append("      graph " + _attrs(label=f"VPC {vpc.name}\n{cidrs}", tooltip=tip,
                                       color=VPC_COLOUR, fontcolor=VPC_COLOUR, style="solid",
                                       penwidth="2", fontname="Helvetica-Bold") + ";")
    out.append(f"      {quote(router_id(vpc.name))} "
               + _attrs(label=f"router\n{vpc.name}", tooltip=f"the implicit router of VPC "
                        f"{vpc.name}: every route table is looked up here", shape="circle",
                        style="filled", fillcolor="white", color=VPC_COLOUR, fontsize="9",
                        fontname="Helvetica", width="0.6", fixedsize="true") + ";")
    if vpc.internet_gateway:
        out.append(f"      {quote(igw_id(vpc.name))} "
                   + _attrs(label=f"Internet gateway\n{vpc.name}-igw", shape="house",
                            style="filled", fillcolor="#F3EDFF", color=GATEWAY_COLOUR,
                            fontname="Helvetica", tooltip=f"internet gateway of {vpc.name}")
                   + ";")
    if vpc.egress_only_internet_gateway:
        out.append(f"      {quote(eigw_id(vpc.name))} "
                   + _attrs(label=f"Egress-only IGW\n{vpc.name}-eigw", shape="house",
                            style="filled", fillcolor="#F3EDFF", color=GATEWAY_COLOUR,
                            fontname="Helvetica",
                            tooltip=f"egress-only internet gateway of {vpc.name} (IPv6)") + ";")
    azs = sorted({s.az for s in vpc.subnets})
    for az in azs:
        out.append(f"      subgraph {quote(cluster_id('az', vpc.name, az))} {{")
        out.append("        graph " + _attrs(label=f"Availability Zone {az}", color=AZ_COLOUR,
                                             fontcolor=AZ_COLOUR, style="dashed",
                                             fontname="Helvetica") + ";")
        for subnet in vpc.subnets:
            if subnet.az == az:
                _subnet_cluster(vpc, subnet, out, "        ", roles)
        out.append("      }")
    out.append("    }")


def _edge(a: str, b: str, **kw: str) -> str:
    return f"  {quote(a)} -> {quote(b)} " + _attrs(**kw) + ";"


def _structure_edges(topology: Topology) -> list[str]:
    out: list[str] = []
    grey = {"color": "#8c8c8c", "arrowhead": "none"}
    for vpc in topology.vpcs:
        if vpc.internet_gateway:
            out.append(_edge(router_id(vpc.name), igw_id(vpc.name), **grey))
            out.append(_edge(igw_id(vpc.name), INTERNET, **grey))
        if vpc.egress_only_internet_gateway:
            out.append(_edge(router_id(vpc.name), eigw_id(vpc.name), **grey))
            out.append(_edge(eigw_id(vpc.name), INTERNET, **grey))
        for nat in vpc.nat_gateways:
            out.append(_edge(nat_id(vpc.name, nat.name), router_id(vpc.name), **grey,
                             style="dotted"))
    for p in topology.peerings:
        style = "solid" if p.status == "active" else "dashed"
        out.append(_edge(router_id(p.requester), pcx_id(p.name), **grey, style=style))
        out.append(_edge(pcx_id(p.name), router_id(p.accepter), **grey, style=style))
    for tgw in topology.transit_gateways:
        for att in tgw.attachments:
            out.append(_edge(router_id(att.vpc), tgw_id(tgw.name), **grey,
                             label=att.name, fontsize="9", fontcolor="#8c8c8c",
                             tooltip=f"attachment {att.name}: subnets {', '.join(att.subnets)}; "
                             f"route table {att.association or '-'}"))
    return out


def _gateway_nodes(topology: Topology) -> list[str]:
    out: list[str] = []
    for p in topology.peerings:
        out.append(f"    {quote(pcx_id(p.name))} "
                   + _attrs(label=f"Peering\n{p.name}", shape="diamond", style="filled",
                            fillcolor="#F3EDFF", color=GATEWAY_COLOUR, fontname="Helvetica",
                            fontsize="10", tooltip=f"VPC peering connection {p.name}: "
                            f"{p.requester} <-> {p.accepter} ({p.status}); not transitive")
                   + ";")
    for tgw in topology.transit_gateways:
        tables = "\n".join(
            f"table {t.name}: " + "; ".join(
                f"{r.destination} -> {'blackhole' if r.blackhole else r.attachment}"
                f" ({r.origin})" for r in t.routes) for t in tgw.route_tables)
        out.append(f"    {quote(tgw_id(tgw.name))} "
                   + _attrs(label=f"Transit gateway\n{tgw.name}", shape="hexagon",
                            style="filled", fillcolor="#F3EDFF", color=GATEWAY_COLOUR,
                            fontname="Helvetica", tooltip=f"transit gateway {tgw.name}\n"
                            + tables) + ";")
    return out


def _internet_nodes(topology: Topology) -> list[str]:
    out = [f"  {quote(INTERNET)} " + _attrs(label="Internet", shape="ellipse", style="filled",
                                          fillcolor="#F2F2F2", color="#545B64",
                                          fontname="Helvetica-Bold") + ";"]
    for h in topology.internet_hosts:
        out.append(f"  {quote(host_id(h.name))} "
                   + _attrs(label=f"{h.name}\n{h.ip}", shape="box", style="rounded",
                            color="#545B64", fontname="Helvetica",
                            tooltip=f"internet host {h.name} {h.ip}") + ";")
        out.append(_edge(host_id(h.name), INTERNET, color="#8c8c8c", arrowhead="none"))
    return out


# --- trace overlay -------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Place:
    """Where a hop is drawn: a node id, and the cluster a drop note goes in ('' for none)."""

    node: str
    cluster: str = ""
    vpc: str = ""


def _bare(name: str) -> str:
    """``web1 (10.0.1.10)`` -> ``web1``."""
    return name.split(" (", 1)[0]


def _contains(cidr: str, ip: str) -> bool:
    try:
        return ipaddress.ip_address(ip) in ipaddress.ip_network(cidr)
    except ValueError:
        return False


class _Locator:
    def __init__(self, topology: Topology) -> None:
        self.t = topology

    def endpoint(self, text: str) -> Place:
        """The node of a trace's source or destination (a name or an address)."""
        name = _bare(text)
        for vpc in self.t.vpcs:
            for i in vpc.instances:
                if name in (i.name, i.private_ip, i.public_ip, i.ipv6_address):
                    return Place(instance_id(vpc.name, i.name),
                                 cluster_id("subnet", vpc.name, i.subnet), vpc.name)
        for h in self.t.internet_hosts:
            if name in (h.name, h.ip):
                return Place(host_id(h.name))
        return Place(INTERNET)

    def instance(self, name: str, vpc_hint: str) -> Place | None:
        name = _bare(name)
        found = [(v, i) for v in self.t.vpcs for i in v.instances if i.name == name]
        found.sort(key=lambda vi: vi[0].name != vpc_hint)
        if not found:
            return None
        v, i = found[0]
        return Place(instance_id(v.name, i.name), cluster_id("subnet", v.name, i.subnet), v.name)

    def subnet_place(self, vpc: Vpc, subnet: Subnet) -> Place:
        """A subnet's place: its first instance or NAT gateway, else the VPC router."""
        for i in vpc.instances:
            if i.subnet == subnet.name:
                return Place(instance_id(vpc.name, i.name),
                             cluster_id("subnet", vpc.name, subnet.name), vpc.name)
        for n in vpc.nat_gateways:
            if n.subnet == subnet.name:
                return Place(nat_id(vpc.name, n.name),
                             cluster_id("subnet", vpc.name, subnet.name), vpc.name)
        return Place(router_id(vpc.name), cluster_id("subnet", vpc.name, subnet.name), vpc.name)

    def locate(self, hop: Hop, vpc_hint: str) -> Place | None:
        """The place of one hop, or None (a hop drawn at the previous place)."""
        comp, name = hop.component, _bare(hop.name)
        vpcs = sorted(self.t.vpcs, key=lambda v: v.name != vpc_hint)
        addresses = [a for a in ((hop.packet.dst, hop.packet.src) if hop.packet else ()) if a]
        if comp == "instance":
            return self.instance(name, vpc_hint)
        if comp == "nat-gateway":
            for v in vpcs:
                for n in v.nat_gateways:
                    if n.name == name:
                        return Place(nat_id(v.name, n.name),
                                     cluster_id("subnet", v.name, n.subnet), v.name)
        if comp in ("internet-gateway", "egress-only-internet-gateway"):
            suffix = "-igw" if comp == "internet-gateway" else "-eigw"
            for v in vpcs:
                if name == v.name + suffix:
                    return Place(igw_id(v.name) if suffix == "-igw" else eigw_id(v.name),
                                 cluster_id("vpc", v.name), v.name)
        if comp == "peering-connection":
            return Place(pcx_id(name), "", vpc_hint)
        if comp.startswith("transit-gateway"):
            for tgw in self.t.transit_gateways:
                att = next((a for a in tgw.attachments if a.name == name), None)
                if tgw.name == name or att is not None or any(
                        t.name == name for t in tgw.route_tables):
                    return Place(tgw_id(tgw.name), "", att.vpc if att else vpc_hint)
        if comp == "internet":
            return Place(INTERNET)
        if comp == "vpc":
            for v in vpcs:
                if v.name == name:
                    return Place(router_id(v.name), cluster_id("vpc", v.name), v.name)
        if comp in ("subnet", "network-acl", "route-table"):
            return self._in_subnet(comp, name, vpcs, vpc_hint, addresses)
        if comp == "security-group":
            for v in vpcs[:1]:
                for ip in addresses:
                    for i in v.instances:
                        if ip == i.private_ip and name in i.security_groups:
                            return Place(instance_id(v.name, i.name),
                                         cluster_id("subnet", v.name, i.subnet), v.name)
        return None

    def _in_subnet(self, comp: str, name: str, vpcs: Sequence[Vpc], vpc_hint: str,
                   addresses: Sequence[str]) -> Place | None:
        for v in vpcs[:1] if vpc_hint else vpcs:
            def uses(s: Subnet) -> bool:
                return {"subnet": s.name, "network-acl": s.network_acl,
                        "route-table": s.route_table}[comp] == name
            candidates = [s for s in v.subnets if uses(s)]
            for ip in addresses:
                for s in candidates:
                    if _contains(s.cidr, ip) or (s.ipv6_cidr and _contains(s.ipv6_cidr, ip)):
                        if comp == "route-table":  # looked up by the VPC's router
                            return Place(router_id(v.name), cluster_id("subnet", v.name, s.name),
                                         v.name)
                        return self.subnet_place(v, s)
            if candidates:
                return Place(router_id(v.name), cluster_id("subnet", v.name, candidates[0].name),
                             v.name)
            if comp == "route-table":   # a gateway route table: at the router
                return Place(router_id(v.name), cluster_id("vpc", v.name), v.name)
        return None


def _path_lines(topology: Topology, hops: Iterable[Hop], start: Place, colour: str,
                tag: str, out: list[str]) -> None:
    """Numbered edges between the places of successive hops; a dropping hop's red note."""
    loc = _Locator(topology)
    here = start
    step = 0
    for n, hop in enumerate(hops, 1):
        if hop.component in PASSIVE and (hop.decision == "allow" or step == 0):
            # crossed on the way (drawn as the edge to the next place), or, before any
            # routing, the sender's own security group or subnet ACL
            place = here
        else:
            place = loc.locate(hop, here.vpc) or here
        if place.node != here.node:
            step += 1
            out.append(_edge(here.node, place.node, color=colour, penwidth="2.5",
                             fontcolor=colour, label=f"{tag}{step}", fontsize="10",
                             fontname="Helvetica-Bold",
                             tooltip=f"{tag}{step}: {hop.component} {hop.name}: {hop.reason}",
                             constraint="false"))
            here = place
        if hop.decision != "allow":
            _drop(hop, place, n, tag, out)
            break


def _drop(hop: Hop, place: Place, n: int, tag: str, out: list[str]) -> None:
    note = f"drop:{tag}{n}"
    code = f" [{hop.code}]" if hop.code else ""
    label = f"DROPPED ({'return' if tag == 'R' else 'forward'} hop {n})\n" \
        f"{hop.component} {hop.name}{code}\n" + _wrap(hop.reason, 48)
    out.append(f"  {quote(place.node)} " + _attrs(color=DROP_COLOUR, penwidth="4",
                                                   fontcolor=DROP_COLOUR, peripheries="2",
                                                   **{"class": "netemu-drop-hop"}) + ";")
    out.append(f"  {quote(note)} " + _attrs(
        label=label, shape="octagon", style="filled", fillcolor="#FFEBE9", color=DROP_COLOUR,
        fontcolor=DROP_COLOUR, fontname="Helvetica", fontsize="10", id=f"netemu-drop-{tag}",
        tooltip=f"{hop.component} {hop.name}: {hop.reason}",
        **{"class": "netemu-drop"}) + ";")
    out.append(_edge(place.node, note, color=DROP_COLOUR, penwidth="2.5", style="dashed",
                     arrowhead="tee"))


def _wrap(text: str, width: int) -> str:
    lines: list[str] = []
    line = ""
    for word in text.split():
        if line and len(line) + 1 + len(word) > width:
            lines.append(line)
            line = word
        else:
            line = f"{line} {word}" if line else word
    if line:
        lines.append(line)
    return "\n".join(lines)


def _trace_lines(topology: Topology, trace: Trace) -> list[str]:
    loc = _Locator(topology)
    src = loc.endpoint(trace.flow.src)
    dst = loc.endpoint(trace.flow.dst)
    out: list[str] = []
    _path_lines(topology, trace.hops, src, FORWARD_COLOUR, "F", out)
    if trace.return_path:
        _path_lines(topology, trace.return_path, dst, RETURN_COLOUR, "R", out)
    verdict = "REACHABLE" if trace.reachable else "NOT REACHABLE"
    out.append(f"  {quote('legend')} " + _attrs(
        shape="note", fontname="Helvetica", fontsize="10",
        color=RETURN_COLOUR if trace.reachable else DROP_COLOUR,
        label=f"trace {trace.source} -> {trace.destination}\n{trace.packet.describe()}\n"
              f"{verdict}\nF: forward path (blue)  R: return path (green)") + ";")
    return out


# --- the whole diagram ---------------------------------------------------------------------


def dot(topology: Topology, trace: Trace | None = None, title: str = "") -> str:
    """The DOT text of the topology's diagram, with ``trace`` drawn on it when given."""
    out = ["digraph netemu {",
           "  graph " + _attrs(rankdir="LR", compound="true", newrank="true", nodesep="0.35",
                               ranksep="0.6", fontname="Helvetica", label=title,
                               labelloc="t", tooltip=title or "netemu topology") + ";",
           "  node " + _attrs(fontname="Helvetica", fontsize="11") + ";",
           "  edge " + _attrs(fontname="Helvetica") + ";"]
    out.append(f"  subgraph {quote(cluster_id('region', topology.region))} {{")
    out.append("    graph " + _attrs(label=f"Region {topology.region}", color=REGION_COLOUR,
                                     fontcolor=REGION_COLOUR, style="dashed",
                                     fontname="Helvetica-Bold") + ";")
    roles = _endpoints(topology)
    for vpc in topology.vpcs:
        _vpc_cluster(vpc, out, roles)
    out.extend(_gateway_nodes(topology))
    out.append("  }")
    out.extend(_internet_nodes(topology))
    out.extend(_structure_edges(topology))
    if trace is not None:
        out.extend(_trace_lines(topology, trace))
    out.append("}")
    return "\n".join(out) + "\n"


__all__ = ["DROP_COLOUR", "FORWARD_COLOUR", "RETURN_COLOUR", "dot", "quote"]
