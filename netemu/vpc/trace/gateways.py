"""The gateways a walk crosses: NAT gateway, internet gateway (both ways, 1:1 NAT), egress-only
internet gateway, the emulated internet, peering connections and transit gateways."""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING

from netemu.vpc import appliance, nacls, routing
from netemu.vpc.addressing import address, is_private_ipv4
from netemu.vpc.index import Eni
from netemu.vpc.model import Route, TgwAttachment, TgwPeering, TransitGateway
from netemu.vpc.packets import ICMP, PORT_PROTOCOLS, TCP, UDP, Packet, protocol_name
from netemu.vpc.trace.fixes import nacl_change
from netemu.vpc.trace.values import Stop

if TYPE_CHECKING:
    from netemu.vpc.trace.walk import Walk

NAT_PORT_FIRST, NAT_PORT_LAST = 1024, 65535  # V36, V68
MAX_TGW_CROSSINGS = 64  # static routes pointing two peered TGWs at each other end here


def arrive_nat(w: Walk, eni: Eni, p: Packet) -> None:
    nat = w.ix.nat_gateways[(eni.vpc, eni.name)]
    own = {nat.private_ip, nat.public_ip}
    if w.forward:
        if p.dst in own or p.dst == eni.private_ip:
            w.drop(
                "nat-gateway", nat.name,
                "a NAT gateway accepts no connection initiated towards it (V68)", p,
            )
        if p.protocol not in (TCP, UDP, ICMP):
            w.drop("nat-gateway", nat.name,
                      f"a NAT gateway translates only TCP, UDP and ICMP, not"
                      f" {protocol_name(p.protocol)} (V68)", p, "PROTOCOL_RESTRICTION")
        if p.version != 4:
            w.drop("nat-gateway", nat.name,
                      "a NAT gateway translates IPv4 only (NAT64 is not modelled)", p,
                      "PROTOCOL_RESTRICTION")
        if not w.via_tgw and not w.ix.in_vpc(eni.vpc, p.src):
            w.drop("nat-gateway", nat.name,
                      f"source {p.src} is not in VPC {eni.vpc}: a NAT gateway translates only"
                      " traffic from its own VPC (V69)", p, "NGW_REQUIRES_SOURCE_IN_VPC")
        sport = nat_port(p) if p.protocol in PORT_PROTOCOLS else p.sport
        q = replace(p, src=eni.private_ip or "", sport=sport)
        w.conn.nat[nat.name] = (p, q)
        ports = f", source port {p.sport} remapped to {sport} (1024-65535)" if sport else ""
        w.log(eni, p, True)
        w.note("nat-gateway", nat.name,
                  f"source address {p.src} translated to {q.src}{ports} (V68)", p,
                  code="NGW_SOURCE_ADDRESS_REASSIGN",
                  details=("NGW_DEST_ADDRESS_PRESERVATION",)
                  + (("REMAP_EPHEMERAL_PORT",) if sport else ()))
        w.send(eni, q)
        return
    binding = w.conn.nat.get(nat.name)
    if binding is None or (p.dst, p.dport) != (binding[1].src, binding[1].sport):
        w.drop("nat-gateway", nat.name,
                  f"{p.describe()} matches no connection of NAT gateway {nat.name}", p)
    assert binding is not None
    before = binding[0]
    q = replace(p, dst=before.src, dport=before.sport)
    w.log(eni, p, True)
    w.note("nat-gateway", nat.name,
              f"reply translated back: destination {p.dst} -> {q.dst}"
              + (f", port {p.dport} -> {q.dport}" if p.dport else ""), p)
    w.send(eni, q)


def igw_egress(w: Walk, vpc: str, p: Packet) -> None:
    name = f"{vpc}-igw"
    if p.version == 4:
        if is_private_ipv4(p.dst):
            w.drop("internet-gateway", name,
                      f"destination {p.dst} is private (RFC 1918/6598): the internet gateway"
                      " does not forward it (V66)", p,
                      "IGW_DESTINATION_ADDRESS_NOT_IN_RFC1918_EGRESS")
        src = w.ix.eni_in_vpc(vpc, p.src)
        if src is not None and src.kind == "nat_gateway":
            nat = w.ix.nat_gateways[(vpc, src.name)]
            if nat.connectivity == "private":
                w.drop("internet-gateway", name,
                          f"private NAT gateway {nat.name}: traffic it sends to an internet"
                          " gateway is dropped (V67)", p, "IGW_PUBLIC_IP_ASSOCIATION_FOR_EGRESS")
        if src is None or src.public_ip is None:
            who = src.name if src else p.src
            w.drop("internet-gateway", name,
                      f"{who} has no public IPv4 address: the internet gateway drops its"
                      " traffic (V64, V66)", p, "IGW_PUBLIC_IP_ASSOCIATION_FOR_EGRESS",
                      change=f"associate a public IPv4 address or an Elastic IP with {who}"
                      " (or route through a NAT gateway)")
        assert src is not None and src.public_ip is not None
        q = replace(p, src=src.public_ip)
        w.note("internet-gateway", name,
                  f"1:1 NAT: source {p.src} -> public {q.src} (V65{_auto(src)})", p)
    else:
        q = p
        w.note("internet-gateway", name, "IPv6: forwarded without translation", p)
    internet(w, q)


def eigw_egress(w: Walk, vpc: str, p: Packet) -> None:
    name = f"{vpc}-eigw"
    if p.version != 6:
        w.drop("egress-only-internet-gateway", name,
                  "an egress-only internet gateway carries IPv6 only (V73)", p)
    w.conn.eigw_vpcs.add(vpc)
    w.note("egress-only-internet-gateway", name,
              "IPv6 out to the internet; only replies may come back (V73)", p)
    internet(w, p)


def endpoint_egress(w: Walk, vpc: str, name: str, p: Packet) -> None:
    """A gateway endpoint (V135-V137): to the service's host, private source kept, no IGW/NAT;
    the endpoint policy decides a request that says its action and resource."""
    from netemu.vpc import gateway_endpoints

    ep = w.ix.endpoints[(vpc, name)]
    w.note("vpc-endpoint", name,
           f"gateway endpoint {name} ({ep.service_name}): the route to prefix list "
           f"{ep.prefix_list.label()} carries {p.dst} to the service privately, source {p.src} "
           "kept: no internet gateway, NAT device or public address needed (V136)", p)
    action, resource = w.conn.service_request
    if resource is not None:
        action = action or gateway_endpoints.DEFAULT_ACTION[ep.service]
        ok, why = gateway_endpoints.evaluate(ep, action, resource)
        if not ok:
            w.drop("vpc-endpoint", name, f"endpoint policy: {why}", p, None,
                   f"endpoint policy of {name}",
                   change=f"allow {action} on {resource} in the policy of endpoint {name}")
        w.note("vpc-endpoint", name, f"endpoint policy: {why}", p, f"endpoint policy of {name}")
    elif ep.policy is not None:
        w.note("vpc-endpoint", name, "endpoint policy not evaluated: the flow names no "
               "resource (trace --service-resource ARN)", p)
    w.conn.endpoints[p.dst] = (vpc, name)
    host = w.ix.hosts_by_ip.get(p.dst)
    label = host.name if host else p.dst
    w.note("internet", label, f"delivered to {label} ({ep.service_name}, AWS side)", p)
    w.delivered = p


def internet(w: Walk, p: Packet) -> None:
    """``p`` is on the internet: to an internet host, or into a VPC through its gateway."""
    ix = w.ix
    back = w.conn.endpoints.get(p.src) if not w.forward else None
    if back is not None and ix.eni_in_vpc(back[0], p.dst) is not None:
        dest = ix.eni_in_vpc(back[0], p.dst)
        assert dest is not None
        w.note("vpc-endpoint", back[1], f"reply from the service back through gateway "
               f"endpoint {back[1]} into VPC {back[0]} (V136)", p)
        w.arrive(dest, p, from_subnet=None)
        return
    eni = ix.by_public.get(p.dst) if p.version == 4 else ix.by_private.get(p.dst)
    if eni is None:
        if p.version == 4 and is_private_ipv4(p.dst):
            w.drop("internet", p.dst, f"{p.dst} is a private address: not routable on the"
                      " internet", p)
        host = ix.hosts_by_ip.get(p.dst)
        label = host.name if host else p.dst
        w.note("internet", label, f"delivered to {label} on the internet", p)
        w.delivered = p
        return
    igw_ingress(w, eni, p)


def igw_ingress(w: Walk, eni: Eni, p: Packet) -> None:
    ix = w.ix
    vpc = ix.vpcs[eni.vpc]
    if p.version == 4:
        name = f"{vpc.name}-igw"
        if is_private_ipv4(p.src):
            w.drop("internet-gateway", name,
                      f"source {p.src} is private (RFC 1918/6598): the internet gateway"
                      " refuses it (V66)", p, "IGW_SOURCE_ADDRESS_NOT_IN_RFC1918_INGRESS")
        if not vpc.internet_gateway:
            w.drop("internet-gateway", name,
                      f"VPC {vpc.name} has no internet gateway attached (V64)", p,
                      change=f"attach an internet gateway to VPC {vpc.name}")
        q = replace(p, dst=eni.private_ip or "")
        w.note("internet-gateway", name,
                  f"1:1 NAT: destination public {p.dst} -> {q.dst} ({eni.name}, V65{_auto(eni)})",
                  p)
    else:
        q = p
        if vpc.internet_gateway:
            name = f"{vpc.name}-igw"
            w.note("internet-gateway", name, "IPv6: forwarded without translation", p)
        elif vpc.egress_only_internet_gateway and not w.forward and (
            vpc.name in w.conn.eigw_vpcs
        ):
            name = f"{vpc.name}-eigw"
            w.note("egress-only-internet-gateway", name,
                      "reply to a connection started from inside the VPC (stateful, V73)", p)
        elif vpc.egress_only_internet_gateway:
            w.drop("egress-only-internet-gateway", f"{vpc.name}-eigw",
                      "an egress-only internet gateway lets in no connection initiated from"
                      " the internet (V73)", p)
        else:
            w.drop("internet-gateway", f"{vpc.name}-igw",
                      f"VPC {vpc.name} has no internet gateway attached (V64)", p,
                      change=f"attach an internet gateway to VPC {vpc.name}")
    gateway_ingress(w, vpc.name, eni, q, name)


def gateway_ingress(w: Walk, vpc: str, eni: Eni, p: Packet, gateway: str) -> None:
    """Traffic entering from the internet gateway: routed by the gateway route table
    edge-associated with it (V27: local or an appliance ENI), else by the local route."""
    ix = w.ix
    table = ix.gateway_route_table(vpc) if gateway.endswith("-igw") else None
    if table is None:
        w.note("route-table", f"{vpc} (gateway ingress)",
                  f"no gateway route table: traffic from {gateway} is delivered by"
                  f" the local route to {p.dst}", p, rule="local")
        w.arrive(eni, p, from_subnet=None)
        return
    d = routing.lookup(table, p.dst, lambda t: ix.target_available(vpc, t))
    if not w.check("route-table", table.name, d, p,
                      f"gateway route table {table.name}: route {p.dst} to local or to an"
                      " appliance"):
        raise Stop
    route = d.matched
    assert isinstance(route, Route)
    if route.target.kind == "instance":
        box = ix.enis_by_name[(vpc, route.target.name or "")]
        w.arrive(box, p, from_subnet=None)
    else:
        w.arrive(eni, p, from_subnet=None)


def peering(w: Walk, vpc: str, name: str, p: Packet) -> None:
    pcx = w.ix.peerings[name]
    other = pcx.accepter if pcx.requester == vpc else pcx.requester
    if not w.ix.in_vpc(other, p.dst):
        w.drop("peering-connection", name,
                  f"{p.dst} is not in a CIDR of VPC {other}: a peering connection carries only"
                  f" traffic to the peer VPC's own addresses (not transitive, no edge-to-edge"
                  " routing: V54, V55, V56)", p, "PCX_REQUIRES_ADDRESS_IN_VPC_CIDR")
    w.note("peering-connection", name, f"crosses to VPC {other}", p)
    dest = w.ix.eni_in_vpc(other, p.dst)
    if dest is None:
        w.drop("vpc", other, f"no network interface in VPC {other} has the address {p.dst}",
                  p)
    w.arrive(dest, p, from_subnet=None)


def tgw(w: Walk, vpc: str, subnet_name: str, name: str, p: Packet) -> None:
    ix = w.ix
    att = ix.attachment(name, vpc)
    assert att is not None  # target_available checked it
    az = ix.subnets[(vpc, subnet_name)].az
    att_subnet = ix.attachment_subnet(name, vpc, az)
    if att_subnet is None:
        w.drop("transit-gateway-attachment", att.name,
                  f"attachment {att.name} has no subnet in {az}, the source subnet's"
                  " Availability Zone (V78)", p, "TGW_ROUTE_AZ_RESTRICTION",
                  change=f"add a subnet in {az} to attachment {att.name}")
    assert att_subnet is not None
    # Towards the TGW, the attachment subnet's inbound rules apply, even when the sender is in
    # that same subnet; from the TGW, only its outbound rules do, and only when the packet
    # leaves the subnet (TGW tgw-nacls.html, "How network ACLs work with transit gateways").
    s = ix.subnets[(vpc, att_subnet)]
    acl = ix.nacls[(vpc, s.network_acl)]
    nd = nacls.evaluate(acl, "inbound", p)
    if not w.check("network-acl", acl.name, nd, p,
                      lambda: nacl_change(acl.name, "inbound", p, nd, w.path)):
        raise Stop
    w.note("transit-gateway-attachment", att.name,
              f"enters transit gateway {name} through subnet {att_subnet}", p)
    if att.association is None:
        w.drop("transit-gateway-attachment", att.name,
                  f"attachment {att.name} is associated with no route table", p,
                  "TGW_ATTACH_MISSING_TGW_RTB_ASSOCIATION")
    tgw_route(w, name, att.association, p, az, att.security_group_referencing)


def tgw_route(w: Walk, name: str, association: str, p: Packet, az: str | None,
              sg_referencing: bool) -> None:
    """``p`` is in transit gateway ``name``, looked up in route table ``association`` (the
    entering attachment's); out through a VPC attachment, or a VPN attachment (vpn.py)."""
    ix = w.ix
    t = ix.tgws[name]
    table = next(r for r in t.route_tables if r.name == association)
    d = routing.lookup_tgw(table, p.dst)
    out_name = getattr(d.matched, "attachment", None) if d.allowed else next(
        (a.name for a in t.attachments if ix.in_vpc(a.vpc, p.dst)), None)
    change = f"transit gateway route table {table.name}: " + (
        f"replace the blackhole route {d.rule}" if d.code == "BAD_STATE_ROUTE"
        else f"add a route covering {p.dst}") + (f" -> {out_name}" if out_name else "")
    if not w.check("transit-gateway-route-table", table.name, d, p, change):
        raise Stop
    if out_name is None:
        raise Stop
    if not d.allowed:
        w.note("transit-gateway-route-table", table.name,
                  f"(assumed) a route to {p.dst} -> {out_name}", p, rule=f"-> {out_name}")
    conn = next((c for c in ix.topology.vpn.connections
                 if c.transit_gateway == name and c.name == out_name), None)
    if conn is not None:  # a VPN attachment (vpn.py)
        from netemu.vpc.trace import vpn

        vpn.tgw_to_site(w, name, conn, p)
        return
    peering = next((pa for pa in t.peerings if pa.name == out_name), None)
    if peering is not None:  # a peering attachment (tgw_peering.py)
        tgw_peering(w, t, peering, p)
        return
    out = next(a for a in t.attachments if a.name == out_name)
    out_subnet, why = _out_subnet(w, t, out, az, p)
    w.via_tgw = True
    w.tgw_sg_referencing = (w.tgw_sg_referencing and sg_referencing
                               and out.security_group_referencing)
    w.note("transit-gateway-attachment", out.name,
              f"leaves transit gateway {name} into VPC {out.vpc} through subnet {out_subnet}"
              f" ({ix.subnets[(out.vpc, out_subnet)].az}): {why}", p,
              code="TGW_ATTACH_VPC_AZ_RESTRICTION" if out.appliance_mode else None)
    hub = Eni("tgw_attachment", out.name, out.vpc, out_subnet, None, "")
    w.send(hub, p)


def tgw_peering(w: Walk, t: TransitGateway, pa: TgwPeering, p: Packet) -> None:
    """Across peering attachment ``pa`` to the peer transit gateway, which routes ``p`` by the
    route table its side of the attachment is associated with: static routes only (V176)."""
    where = f" in {pa.peer_region}" if pa.peer_region else ""
    if pa.state != "available":
        w.drop("transit-gateway-peering-attachment", pa.name,
               f"peering attachment {pa.name} to {pa.peer} is {pa.state}: it carries no traffic"
               " until the accepter accepts it (V177)", p,
               change=f"accept peering attachment {pa.name} at transit gateway {pa.peer}")
    w.steps += 1
    if w.steps > MAX_TGW_CROSSINGS:
        w.drop("transit-gateway-peering-attachment", pa.name,
               "routing loop between peered transit gateways", p)
    peer = w.ix.tgws[pa.peer]
    back = next(x for x in peer.peerings if x.name == pa.name)
    w.note("transit-gateway-peering-attachment", pa.name,
           f"crosses peering attachment {pa.name} from transit gateway {t.name} to"
           f" {pa.peer}{where} (V175)", p)
    if back.association is None:
        w.drop("transit-gateway-peering-attachment", pa.name,
               f"the side of {pa.name} at {pa.peer} is associated with no route table", p,
               "TGW_ATTACH_MISSING_TGW_RTB_ASSOCIATION",
               change=f"associate {pa.name} with a route table of {pa.peer}")
    assert back.association is not None
    tgw_route(w, pa.peer, back.association, p, None, False)


def _out_subnet(w: Walk, t: TransitGateway, out: TgwAttachment, az: str | None,
                p: Packet) -> tuple[str, str]:
    """The subnet of VPC attachment ``out`` the transit gateway delivers ``p`` to, and why
    (V78): in appliance mode the flow's hash chooses it once for both directions; otherwise
    the zone the packet entered the transit gateway in (``az``; None from a VPN)."""
    ix = w.ix
    mod = appliance.modulus(t)
    if out.appliance_mode and mod and p.version == 4:
        key = (t.name, out.name)
        chosen = w.conn.tgw_flows.get(key)
        if chosen is None:
            value = appliance.flow_hash(p.src, p.dst, mod)
            chosen = appliance.subnet_for_hash(out, value)
            w.conn.tgw_flows[key] = chosen
            return chosen, (f"appliance mode: the flow hash ({value} of {mod}) chooses this"
                            " subnet for both directions of the flow (V78)")
        return chosen, ("appliance mode: the same subnet as the flow's request, whatever zone"
                        " the reply entered in (V78)")
    az_of = {s: ix.subnets[(out.vpc, s)].az for s in out.subnets}
    chosen = appliance.same_zone_subnet(out, az, az_of)
    if az is not None and az_of[chosen] == az:
        why = f"the zone the packet entered the transit gateway in, {az} (V78)"
    elif az is None:
        why = ("the packet came in over a VPN or a peering attachment, in no zone: the"
               " attachment's first subnet (V78)")
    else:
        why = (f"the attachment has no subnet in {az}, the zone the packet entered in: its"
               " first subnet (V78)")
    if out.appliance_mode is False and len({az_of[s] for s in out.subnets}) > 1:
        why += "; appliance mode is off: the other direction may cross another zone"
    return chosen, why


def _auto(eni: Eni) -> str:
    """Says that a public address was assigned at launch (V17)."""
    return "; assigned at launch, V17" if eni.auto_public_ip else ""


def nat_port(p: Packet) -> int:
    """A deterministic stand-in for the NAT gateway's port choice in 1024-65535 (V68)."""
    seed = int(address(p.src)) * 31 + (p.sport or 0) * 7 + int(address(p.dst))
    return NAT_PORT_FIRST + seed % (NAT_PORT_LAST - NAT_PORT_FIRST + 1)
