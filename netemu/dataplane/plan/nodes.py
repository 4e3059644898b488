"""Namespaces of the things that send and receive: instances and NAT gateways (one ENI on
their subnet's bridge, only the private address, V65; default via base+1, V14) and internet
hosts. PURE.
"""

from __future__ import annotations

from netemu.dataplane import names, nft
from netemu.dataplane.plan import wiring as w
from netemu.dataplane.plan.context import (
    CONNTRACK_SYSCTLS,
    FORWARDER_SYSCTLS,
    INSTANCE_SYSCTLS,
    NAT_SYSCTLS,
    Context,
    plen,
    resolver_address,
    subnet,
    sysctls,
    v4,
)
from netemu.dataplane.plan.values import Address, KernelRoute, KernelRule, Namespace
from netemu.vpc import addressing, imds, mtu
from netemu.vpc.model import Instance, InternetHost, NatGateway, Vpc
from netemu.vpc.vpn import Site


def _eni(vpc: Vpc, subnet_name: str, ip: str,
         mtu: int | None = None) -> tuple[Address, KernelRoute]:
    """The ENI's private address on ``eth0`` and the default route via the VPC router."""
    s = subnet(vpc, subnet_name)
    return (Address(w.ETH, f"{ip}/{plen(s.cidr)}"),
            KernelRoute("0.0.0.0/0", via=addressing.vpc_router(s.cidr), dev=w.ETH,
                        reason="default via the VPC router (V14)", mtu=mtu))


def instance(ctx: Context, vpc: Vpc, inst: Instance) -> Namespace:
    addr, default = _eni(vpc, inst.subnet, inst.private_ip)
    addresses, routes = [addr], [default]
    sub = subnet(vpc, inst.subnet)
    addresses += [Address(w.ETH, f"{a}/{plen(sub.cidr)}") for a in inst.secondary_private_ips]
    for eni in vpc.instances:  # V165: the instance's secondary ENIs, eth<device index>
        if eni.attached_to == inst.name:
            cidr = subnet(vpc, eni.subnet).cidr
            addresses += [Address(f"eth{eni.device_index}", f"{a}/{plen(cidr)}")
                          for a in (eni.private_ip, *eni.secondary_private_ips)]
    eni_routes, rules = _per_eni_routing(vpc, inst)
    routes += eni_routes
    v6 = bool(inst.ipv6_address and sub.ipv6_cidr and vpc.ipv6_cidr_blocks)
    # V37: the metadata service answers on the instance's own lo (netemu.dataplane.imds_server)
    metadata = tuple(a for a in imds.addresses_of(inst) if v6 or ":" not in a)
    addresses += [Address("lo", f"{a}/{128 if ':' in a else 32}") for a in metadata]
    if inst.ipv6_address and sub.ipv6_cidr and v6:
        addresses.append(Address(w.ETH, f"{inst.ipv6_address}/{plen(sub.ipv6_cidr)}"))
        routes.append(KernelRoute("::/0", via=addressing.vpc_router(sub.ipv6_cidr), dev=w.ETH,
                                  reason="IPv6 default via the VPC router"))
    # V167: the instance forwards when any of its ENIs has its source/destination check off (the
    # ruleset stops what an ENI with the check on would forward).
    forwards = any(not e.source_dest_check for _ifn, e in nft.interfaces_of(vpc, inst))
    base = (FORWARDER_SYSCTLS if forwards else INSTANCE_SYSCTLS) + CONNTRACK_SYSCTLS
    if rules:  # several ENIs (V185): each answers ARP only for its own addresses
        base += ENI_ARP_SYSCTLS
    return Namespace(
        name=names.ns_instance(ctx.prefix, vpc.name, inst.name), role="instance",
        node=f"{vpc.name}/{inst.name}", addresses=tuple(addresses), routes=tuple(routes),
        rules=tuple(rules),
        sysctls=sysctls(base, v6, forward=forwards),
        nft=nft.sg_ruleset(ctx.t, vpc, inst, resolver_address(vpc)) + nft.imds_ruleset(metadata),
        resolver=resolver_address(vpc) if vpc.enable_dns_support else None,
        resolv_conf=resolv_conf(ctx, vpc),
    )


ENI_ARP_SYSCTLS = (("net.ipv4.conf.all.arp_ignore", "1"), ("net.ipv4.conf.all.arp_announce", "2"))
"""Two ENIs of one instance in the same subnet: Linux would answer ARP for either address on
either interface (so a packet for ENI A could arrive on ENI B and meet B's groups); AWS
delivers to the ENI that holds the address. Only for instances with several ENIs."""

ENI_TABLE = 100
"""Route table ``ENI_TABLE + device index`` of an instance with several ENIs (V185)."""


def _per_eni_routing(vpc: Vpc, inst: Instance) -> tuple[list[KernelRoute], list[KernelRule]]:
    """An instance with several ENIs sends what comes from an ENI's addresses out of that ENI
    (a table per ENI: its subnet, and the default via its subnet's VPC router; a rule per
    address), as the EC2 guest tools configure it: a reply leaves by the interface its request
    came in by, so that interface's security groups, network ACL and route table apply (V185,
    as ``trace`` sends the reply from the ENI holding the address). Forwarded packets, whose
    source is not the instance's, follow the main table (V167)."""
    enis = nft.interfaces_of(vpc, inst)
    if len(enis) < 2:
        return [], []
    routes: list[KernelRoute] = []
    rules: list[KernelRule] = []
    for ifn, eni in enis:
        index = int(ifn.removeprefix("eth"))
        table, cidr = ENI_TABLE + index, subnet(vpc, eni.subnet).cidr
        why = f"from ENI {eni.name} out of {ifn} (V185)"
        routes += [KernelRoute(cidr, table=table, dev=ifn, reason=why),
                   KernelRoute("0.0.0.0/0", table=table, via=addressing.vpc_router(cidr),
                               dev=ifn, reason=why)]
        rules += [KernelRule(ENI_TABLE + index, "", table, why, src=a)
                  for a in (eni.private_ip, *eni.secondary_private_ips) if ":" not in a]
    return routes, rules


def nat_gateway(ctx: Context, vpc: Vpc, nat_gw: NatGateway) -> Namespace:
    # What the NAT gateway forwards crosses a 1500-byte hop (V39): larger packets with DF set
    # get ICMP "fragmentation needed" from it.
    addr, default = _eni(vpc, nat_gw.subnet, nat_gw.private_ip, mtu.hop_mtu("nat_gateway"))
    return Namespace(
        name=names.ns_nat(ctx.prefix, vpc.name, nat_gw.name), role="nat",
        node=f"{vpc.name}/{nat_gw.name}", addresses=(addr,), routes=(default,),
        sysctls=FORWARDER_SYSCTLS + CONNTRACK_SYSCTLS + NAT_SYSCTLS,
        nft=nft.natgw_ruleset(vpc, nat_gw, _tgw_neighbour_cidrs(ctx, vpc)),
        resolver=resolver_address(vpc) if vpc.enable_dns_support else None,
        resolv_conf=resolv_conf(ctx, vpc),
    )


def resolv_conf(ctx: Context, vpc: Vpc) -> str:
    """The VPC's DHCP options set as a node sees it (AmazonProvidedDNS = base + 2)."""
    return ctx.t.dns.options_for(vpc).resolv_conf(resolver_address(vpc))


def _tgw_neighbour_cidrs(ctx: Context, vpc: Vpc) -> tuple[str, ...]:
    """CIDRs of VPCs attached to a transit gateway this VPC is attached to: their traffic can
    reach this VPC's NAT gateway through the TGW (centralised egress; V69 is about peering,
    VPN and Direct Connect)."""
    links = ctx.wiring.tgw_links
    mine = {t.tgw for t in links if t.vpc == vpc.name}
    others = sorted({t.vpc for t in links if t.tgw in mine and t.vpc != vpc.name})
    return tuple(c for o in others for c in ctx.t.vpc(o).cidr_blocks if v4(c))


def host(ctx: Context, h: InternetHost) -> Namespace:
    """An internet host: its public address and a default route via the internet namespace."""
    link = w.host_link(h.name)
    addresses: tuple[Address, ...]
    routes: tuple[KernelRoute, ...]
    vpce_ifs: list[str] = []
    if v4(h.ip):
        addresses = (Address(w.ETH, f"{h.ip}/32"),
                     Address(w.ETH, f"{ctx.wiring.addr(link, 2)}/30"))
        routes = (KernelRoute("0.0.0.0/0", via=ctx.wiring.addr(link, 1), dev=w.ETH, src=h.ip,
                              reason="default via the internet"),)
        # a service host behind gateway endpoints: each VPC's CIDRs back over its link (V136)
        for vpc in ctx.t.vpcs:
            if h.name not in w.vpce_hosts(ctx.t, vpc.name):
                continue
            lid, ifn = w.vpce_link(vpc.name, h.name), w.vpce_host_if(vpc.name)
            addresses += (Address(ifn, f"{ctx.wiring.addr(lid, 2)}/30"),)
            vpce_ifs.append(ifn)
            routes += tuple(KernelRoute(c, via=ctx.wiring.addr(lid, 1), dev=ifn, src=h.ip,
                                        reason=f"VPC {vpc.name} through its gateway endpoint")
                            for c in vpc.cidr_blocks if v4(c))
    else:
        addresses = (Address(w.ETH, f"{h.ip}/128"),
                     Address(w.ETH, f"{ctx.wiring.addr6(link, 2)}/112"),
                     Address(w.ETH, f"{ctx.wiring.addr(link, 2)}/30"))
        routes = (KernelRoute("::/0", via=ctx.wiring.addr6(link, 1), dev=w.ETH, src=h.ip,
                              reason="default via the internet"),)
    return Namespace(
        name=names.ns_host(ctx.prefix, h.name), role="host", node=h.name, addresses=addresses,
        routes=routes, sysctls=sysctls(INSTANCE_SYSCTLS, not v4(h.ip)),
        nft=nft.vpce_host_ruleset(vpce_ifs) if vpce_ifs else "",
    )


def site(ctx: Context, s: Site) -> Namespace:
    """An on-premises site (vpn.py): its hosts' addresses on ``lo``, the customer gateway's
    end (.2) of each VPN link that is up, and the VPC's CIDRs back over it. What the site sends
    leaves from its first host's address (a command may bind another)."""
    addresses = [Address("lo", f"{h.ip}/32") for h in s.hosts]
    routes: list[KernelRoute] = []
    src = s.hosts[0].ip if s.hosts else None
    for kind in ("vpc", "tgw"):
        for conn, side, name in w.vpn_links(ctx.t, kind):
            if name != s.name:
                continue
            lid, ifn = w.vpn_link(conn), w.vpn_if(conn)
            addresses.append(Address(ifn, f"{ctx.wiring.addr(lid, 2)}/30"))
            vpcs = [side] if kind == "vpc" else sorted(
                {a.vpc for t in ctx.t.transit_gateways if t.name == side for a in t.attachments})
            routes += [KernelRoute(c, via=ctx.wiring.addr(lid, 1), dev=ifn, src=src,
                                   reason=f"VPC {v} over VPN connection {conn}")
                       for v in vpcs for c in ctx.t.vpc(v).cidr_blocks if v4(c)]
    return Namespace(
        name=names.ns_site(ctx.prefix, s.name), role="site", node=f"site:{s.name}",
        addresses=tuple(addresses), routes=tuple(routes), sysctls=sysctls(INSTANCE_SYSCTLS, False),
    )
