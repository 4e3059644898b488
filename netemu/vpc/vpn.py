"""On-premises networks over Site-to-Site VPN (``on_premises:``, ``vpn_gateways:``,
``vpn_connections:``), pure.

Name: vpn
Behaviour (Site-to-Site VPN UG VPNRoutingTypes.html, VPC UG VPC_Route_Tables.html "Route
  propagation"; docs/behaviour.md V150-V153):
  - ``on_premises: [{name, cidrs, hosts: [{name, ip}], customer_gateway: {ip, bgp_asn?}}]``: a
    site; each host's address is inside one of the site's CIDRs.
  - ``vpn_gateways: [{name, vpc}]``: a virtual private gateway attached to a VPC; a VPC has at
    most one attached (``VpnGatewayAttachmentLimitExceeded``, V150).
  - ``vpn_connections: [{name, site, vpn_gateway | transit_gateway, routing: static | bgp,
    static_routes?, status?: up | down}]``. With ``routing: static`` the connection carries its
    ``static_routes`` (CIDRs of the site's side); with ``bgp`` the site advertises its CIDRs.
    Unknown site / gateway: ``InvalidCustomerGatewayID.NotFound`` /
    ``InvalidVpnGatewayID.NotFound`` / ``InvalidTransitGatewayID.NotFound``; static routes on a
    BGP connection: ``InvalidParameterValue`` (V151).
  - A VPC route table with ``propagating_vgws: [VGW]`` gets, for every connection of that VGW
    that is ``up``, one route per CIDR it carries, target the VGW, origin ``propagated``; a
    route the file declares for the same prefix wins (V23). A VPN that is ``down`` propagates
    nothing (V152).
  - A connection to a transit gateway is a VPN attachment (named like the connection),
    associated with one TGW route table; while up it propagates its CIDRs to the TGW route
    tables in ``propagations`` (static routes too: netemu's simplification), V74, V76.
  - Traffic from a site enters the VPC at its VGW and is delivered by the local route; it
    leaves through the VGW by the propagated routes. The path MTU is 1500 (no IPsec overhead is
    modelled: netemu's data plane links the site directly, docs/vpc.md).
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from netemu.vpc.draft import DVpc, Report
    from netemu.vpc.model import Topology

KEYS = ("on_premises", "vpn_gateways", "vpn_connections")
PROPAGATING = "propagating_vgws"
SITE_KEYS = {"name", "cidrs", "hosts", "customer_gateway"}
CONNECTION_KEYS = {"name", "site", "vpn_gateway", "transit_gateway", "routing",
                   "static_routes", "status", "association", "propagations"}
VPN_MTU = 1500


@dataclass(frozen=True, slots=True)
class OnPremHost:
    name: str
    ip: str
    site: str


@dataclass(frozen=True, slots=True)
class Site:
    name: str
    cidrs: tuple[str, ...]
    hosts: tuple[OnPremHost, ...]
    customer_gateway_ip: str
    bgp_asn: int = 65000


@dataclass(frozen=True, slots=True)
class VpnGateway:
    name: str
    vpc: str


@dataclass(frozen=True, slots=True)
class VpnConnection:
    name: str
    site: str
    vpn_gateway: str | None
    transit_gateway: str | None
    routing: str  # static | bgp
    routes: tuple[str, ...]  # the CIDRs it carries: static_routes, or the site's CIDRs (bgp)
    status: str = "up"
    # A VPN attachment of a transit gateway (named like the connection): the TGW route table it
    # is associated with and those it propagates its routes to (V74, V76).
    association: str | None = None
    propagations: tuple[str, ...] = ()

    @property
    def up(self) -> bool:
        return self.status == "up"


@dataclass(frozen=True, slots=True)
class VpnConfig:
    sites: tuple[Site, ...] = ()
    gateways: tuple[VpnGateway, ...] = ()
    connections: tuple[VpnConnection, ...] = ()
    # (vpc, route table, vgw) of every ``propagating_vgws`` entry
    propagations: tuple[tuple[str, str, str], ...] = ()
    paths: dict[str, str] = field(default_factory=dict, compare=False)

    def host(self, key: str) -> OnPremHost | None:
        """The on-premises host named ``key`` or with that address."""
        for s in self.sites:
            for h in s.hosts:
                if key in (h.name, h.ip):
                    return h
        return None

    def site_of(self, addr: str) -> Site | None:
        ip = ipaddress.ip_address(addr)
        for s in self.sites:
            if any(ip in ipaddress.ip_network(c) for c in s.cidrs):
                return s
        return None

    def gateway_of(self, vpc: str) -> VpnGateway | None:
        return next((g for g in self.gateways if g.vpc == vpc), None)

    def connection_for(self, gateway: str, site: str, tgw: bool = False) -> VpnConnection | None:
        for c in self.connections:
            if c.site == site and (c.transit_gateway if tgw else c.vpn_gateway) == gateway:
                return c
        return None


def _list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


def _net(value: Any) -> str | None:
    try:
        return str(ipaddress.IPv4Network(str(value), strict=False))
    except ValueError:
        return None


def _items(data: dict[str, Any], key: str, report: Report) -> list[dict[str, Any]]:
    raw = data.get(key)
    if raw is None:
        return []
    if not isinstance(raw, list) or not all(isinstance(x, dict) and isinstance(x.get("name"), str)
                                            for x in raw):
        report.add(key, "InvalidParameterValue", f"{key} is a list of items with a name")
        return []
    seen: set[str] = set()
    for x in raw:
        if x["name"] in seen:
            report.add(f"{key}[{x['name']}]", "InvalidParameterValue",
                       f"two {key} items are named {x['name']}")
        seen.add(x["name"])
    return list(raw)


def read(data: Any, report: Report) -> VpnConfig:
    """The three lists and the route tables' ``propagating_vgws`` (shape problems reported)."""
    if not isinstance(data, dict):
        return VpnConfig()
    sites = tuple(s for s in (_site(x, report) for x in _items(data, KEYS[0], report)) if s)
    gateways: list[VpnGateway] = []
    paths: dict[str, str] = {}
    for g in _items(data, KEYS[1], report):
        path = f"{KEYS[1]}[{g['name']}]"
        if not isinstance(g.get("vpc"), str) or set(g) - {"name", "vpc"}:
            report.add(path, "InvalidParameterValue", "a VPN gateway is {name, vpc}")
            continue
        gateways.append(VpnGateway(g["name"], g["vpc"]))
        paths[f"vgw:{g['name']}"] = path
    by_site = {s.name: s for s in sites}
    conns = tuple(c for c in (_connection(x, by_site, paths, report)
                              for x in _items(data, KEYS[2], report)) if c)
    props: list[tuple[str, str, str]] = []
    for v in _list(data.get("vpcs")):
        if not isinstance(v, dict):
            continue
        for t in _list(v.get("route_tables")):
            if isinstance(t, dict) and PROPAGATING in t:
                names = t[PROPAGATING]
                path = f"vpcs[{v.get('name')}].route_tables[{t.get('name')}].{PROPAGATING}"
                if not isinstance(names, list) or not all(isinstance(n, str) for n in names):
                    report.add(path, "InvalidParameterValue", "a list of VPN gateway names")
                    continue
                for n in names:
                    props.append((str(v.get("name")), str(t.get("name")), n))
                    paths[f"prop:{v.get('name')}:{t.get('name')}:{n}"] = path
    return VpnConfig(sites, tuple(gateways), conns, tuple(props), paths)


def _site(x: dict[str, Any], report: Report) -> Site | None:
    path = f"{KEYS[0]}[{x['name']}]"
    for extra in sorted(set(x) - SITE_KEYS):
        report.add(f"{path}.{extra}", "UnknownParameter",
                   f"unknown key {extra!r} ({', '.join(sorted(SITE_KEYS))})")
    cidrs = [_net(c) for c in _list(x.get("cidrs"))]
    if not cidrs or None in cidrs:
        report.add(f"{path}.cidrs", "InvalidParameterValue",
                   "a site has a non-empty list of IPv4 CIDRs")
        return None
    nets = [ipaddress.IPv4Network(c) for c in cidrs if c]
    cgw = x.get("customer_gateway")
    if not isinstance(cgw, dict) or not isinstance(cgw.get("ip"), str):
        report.add(f"{path}.customer_gateway", "MissingParameter",
                   "a site has customer_gateway: {ip, bgp_asn?} (CreateCustomerGateway)")
        return None
    try:
        ipaddress.IPv4Address(cgw["ip"])
    except ValueError:
        report.add(f"{path}.customer_gateway.ip", "InvalidParameterValue",
                   f"{cgw['ip']!r} is not an IPv4 address")
        return None
    hosts: list[OnPremHost] = []
    for k, h in enumerate(_list(x.get("hosts"))):
        if not isinstance(h, dict) or not isinstance(h.get("name"), str):
            report.add(f"{path}.hosts[{k}]", "InvalidParameterValue", "a host is {name, ip}")
            continue
        try:
            ip = ipaddress.IPv4Address(str(h.get("ip")))
        except ValueError:
            report.add(f"{path}.hosts[{h['name']}].ip", "InvalidParameterValue",
                       f"{h.get('ip')!r} is not an IPv4 address")
            continue
        if not any(ip in n for n in nets):
            report.add(f"{path}.hosts[{h['name']}].ip", "InvalidParameterValue",
                       f"{ip} is in none of the site's CIDRs ({', '.join(map(str, nets))})")
            continue
        hosts.append(OnPremHost(h["name"], str(ip), x["name"]))
    asn = cgw.get("bgp_asn", 65000)
    if not isinstance(asn, int) or isinstance(asn, bool) or not 1 <= asn <= 4294967295:
        report.add(f"{path}.customer_gateway.bgp_asn", "InvalidParameterValue",
                   f"{asn!r} is not a BGP ASN (1-4294967295)")
        return None
    return Site(x["name"], tuple(c for c in cidrs if c), tuple(hosts), cgw["ip"], asn)


def _connection(x: dict[str, Any], sites: dict[str, Site], paths: dict[str, str],
                report: Report) -> VpnConnection | None:
    path = f"{KEYS[2]}[{x['name']}]"
    paths[f"vpn:{x['name']}"] = path
    for extra in sorted(set(x) - CONNECTION_KEYS):
        report.add(f"{path}.{extra}", "UnknownParameter",
                   f"unknown key {extra!r} ({', '.join(sorted(CONNECTION_KEYS))})")
    site = sites.get(str(x.get("site")))
    if site is None:
        report.add(f"{path}.site", "InvalidCustomerGatewayID.NotFound",
                   f"The customerGateway ID '{x.get('site')}' does not exist: no on_premises "
                   "site of that name (V151)")
        return None
    vgw, tgw = x.get("vpn_gateway"), x.get("transit_gateway")
    if (vgw is None) == (tgw is None) or not isinstance(vgw or tgw, str):
        report.add(path, "InvalidParameterValue",
                   "a VPN connection ends at one vpn_gateway or one transit_gateway (V151)")
        return None
    routing = x.get("routing", "bgp")
    status = x.get("status", "up")
    if routing not in ("static", "bgp") or status not in ("up", "down"):
        report.add(path, "InvalidParameterValue", "routing is static | bgp, status up | down")
        return None
    raw = x.get("static_routes")
    if routing == "bgp" and raw:
        report.add(f"{path}.static_routes", "InvalidParameterValue",
                   "static routes need routing: static (StaticRoutesOnly); a BGP connection "
                   "learns the site's CIDRs (V151)")
        return None
    if routing == "static":
        routes = [_net(r) for r in _list(raw)]
        if not routes or None in routes:
            report.add(f"{path}.static_routes", "InvalidParameterValue",
                       "routing: static needs a non-empty list of IPv4 CIDRs (V151)")
            return None
    else:
        routes = list(site.cidrs)
    assoc, props = x.get("association"), x.get("propagations", [])
    if (tgw is None and (assoc is not None or props)) or not (
            assoc is None or isinstance(assoc, str)) or not isinstance(props, list) \
            or not all(isinstance(n, str) for n in props):
        report.add(path, "InvalidParameterValue", "association (a name) and propagations (a "
                   "list of names) are the transit gateway route tables of a VPN attachment")
        return None
    return VpnConnection(x["name"], site.name, vgw, tgw, routing,
                         tuple(r for r in routes if r), status, assoc, tuple(props))


def strip(data: Any) -> Any:
    """The file without ``propagating_vgws`` (read here; the VPC reader does not know it)."""
    if not isinstance(data, dict) or not isinstance(data.get("vpcs"), list):
        return data
    vpcs = []
    for v in data["vpcs"]:
        if isinstance(v, dict) and isinstance(v.get("route_tables"), list):
            v = dict(v, route_tables=[
                {k: val for k, val in t.items() if k != PROPAGATING} if isinstance(t, dict)
                else t for t in v["route_tables"]])
        vpcs.append(v)
    return dict(data, vpcs=vpcs)


def check(cfg: VpnConfig, vpcs: dict[str, DVpc], tgws: dict[str, set[str]],
          report: Report) -> None:
    """The references between the items and the VPCs (V150, V151)."""
    attached: dict[str, str] = {}
    for g in cfg.gateways:
        path = cfg.paths[f"vgw:{g.name}"]
        if g.vpc not in vpcs:
            report.add(f"{path}.vpc", "InvalidVpcId.NotFound",
                       f"The vpc ID '{g.vpc}' does not exist", ref=g.vpc)
        elif g.vpc in attached:
            report.add(path, "VpnGatewayAttachmentLimitExceeded",
                       f"VPC {g.vpc} already has virtual private gateway {attached[g.vpc]} "
                       "attached: one VGW per VPC (V150)")
        else:
            attached[g.vpc] = g.name
    names = {g.name for g in cfg.gateways}
    for c in cfg.connections:
        path = cfg.paths[f"vpn:{c.name}"]
        if c.vpn_gateway is not None and c.vpn_gateway not in names:
            report.add(f"{path}.vpn_gateway", "InvalidVpnGatewayID.NotFound",
                       f"The vpnGateway ID '{c.vpn_gateway}' does not exist (V151)")
        if c.transit_gateway is not None and c.transit_gateway not in tgws:
            report.add(f"{path}.transit_gateway", "InvalidTransitGatewayID.NotFound",
                       f"Transit Gateway {c.transit_gateway} was deleted or does not exist "
                       "(V151)")
        elif c.transit_gateway is not None:
            tables = tgws[c.transit_gateway]
            for where, name in [("association", c.association)] + [
                    (f"propagations[{k}]", n) for k, n in enumerate(c.propagations)]:
                if name is not None and name not in tables:
                    report.add(f"{path}.{where}", "InvalidRouteTableID.NotFound",
                               f"The transitGatewayRouteTable ID '{name}' does not exist (V74)")
    for vpc, table, vgw in cfg.propagations:
        path = cfg.paths[f"prop:{vpc}:{table}:{vgw}"]
        if vgw not in names:
            report.add(path, "InvalidVpnGatewayID.NotFound",
                       f"The vpnGateway ID '{vgw}' does not exist (V23)")
        elif attached.get(vpc) != vgw:
            report.add(path, "Gateway.NotAttached",
                       f"virtual private gateway {vgw} is not attached to VPC {vpc}: it cannot "
                       "propagate into its route tables (V23)")


def propagated(cfg: VpnConfig, vgw: str) -> list[tuple[str, VpnConnection]]:
    """(CIDR, connection) the VGW propagates: every CIDR of every connection that is up."""
    return [(r, c) for c in cfg.connections if c.vpn_gateway == vgw and c.up for r in c.routes]


def attach(topology: Topology, cfg: VpnConfig) -> Topology:
    """Propagated routes join the route tables that propagate from a VGW (a declared route of
    the same prefix is kept and wins, V23), and the topology keeps the VPN parts."""
    from netemu.vpc.model import Route, RouteTarget

    if cfg == VpnConfig():
        return topology
    vpcs = []
    for v in topology.vpcs:
        tables = []
        for t in v.route_tables:
            added: list[Route] = []
            for vpc, table, vgw in cfg.propagations:
                if (vpc, table) != (v.name, t.name):
                    continue
                for cidr, _ in propagated(cfg, vgw):
                    if any(a.destination == cidr for a in added):
                        continue
                    added.append(Route(cidr, RouteTarget("vpn_gateway", vgw),
                                       origin="propagated"))
            tables.append(replace(t, routes=t.routes + tuple(added)) if added else t)
        vpcs.append(replace(v, route_tables=tuple(tables)))
    return replace(topology, vpcs=tuple(vpcs), vpn=cfg,
                   transit_gateways=_tgw_propagations(topology, cfg))


def _tgw_propagations(topology: Topology, cfg: VpnConfig) -> tuple[Any, ...]:
    """A VPN attachment that is up propagates its routes (BGP: the site's CIDRs; static: its
    static routes, netemu's simplification) to the TGW route tables it names; a static route
    of the same prefix still wins (V76)."""
    from netemu.vpc.model import TgwRoute

    out = []
    for t in topology.transit_gateways:
        tables = []
        for rt in t.route_tables:
            added = tuple(TgwRoute(r, c.name, origin="propagated") for c in cfg.connections
                          if c.transit_gateway == t.name and c.up and rt.name in c.propagations
                          for r in c.routes)
            tables.append(replace(rt, routes=rt.routes + added) if added else rt)
        out.append(replace(t, route_tables=tuple(tables)))
    return tuple(out)
