"""Topology files (docs/architecture.md "Topology files") -> the VPC model, with AWS's errors.

Name: load
Behaviour: a topology file is refused whole when anything is wrong, and every problem found is
  reported (``netemu.errors.LoadError``), each naming the file, the item path
  (``vpcs[app].subnets[app-public].cidr``; lists without names use 0-based indices,
  ``vpcs[app].route_tables[public].routes[0].destination``) and AWS's error code where AWS has
  one. Strict: unknown keys and wrong types are errors. Three passes:
    1. shape (``shape.py``): keys, types, CIDRs canonicalised (V2) -> drafts (``draft.py``);
    2. the AWS rules (``validate.py``, one function per V item group);
    3. build (``build.py``): everything AWS makes implicitly becomes explicit in the model
       (``model.py`` docstring): local routes, main route table, default NACL and SG, resolved
       associations, allocated addresses, ENI ids, propagated transit-gateway routes.
Fields (file shape, beyond docs/architecture.md's example):
  top level: region, account_id?, vpcs, peerings?, internet: {hosts}?, transit_gateways?,
    dns_firewall? (Route 53 Resolver DNS Firewall, ``firewall.py``),
    quotas? ({NAME: VALUE}: raised AWS quotas, quotas.py), aws_ids? ({KIND: {NAME: ID}}, the
    AWS ids of an imported account, ``aws_ids.py``)
  prefix_lists? ([{name, id?, max_entries, entries}], prefix_lists.py) and vpc_endpoints?
    ([{name, vpc, service, type?: Gateway, route_tables, policy?}], gateway_endpoints.py;
    type: Interface: {subnets, security_groups?, private_dns_enabled?},
    interface_endpoints.py); a
    route may say ``destination_prefix_list: LIST`` instead of ``destination``, an SG rule
    ``prefix_list: LIST`` instead of a cidr or group.
  vpc: name, default? (false; true = the Region's default VPC, V17: cidr_blocks default to
    [172.31.0.0/16], internet_gateway and enable_dns_hostnames to true, subnets to three /20
    default subnets ``default-<az>`` in zones a-c, the main route table to 0.0.0.0/0 -> IGW),
    region? (defaults to the file's), cidr_blocks, ipv6_cidr_blocks?,
    enable_dns_support? (true), enable_dns_hostnames? (false, V81), internet_gateway?,
    egress_only_internet_gateway?, subnets?, route_tables?, nat_gateways?, network_acls?,
    security_groups?, instances?
  internet_gateway / egress_only_internet_gateway: true | false | {state: attached|detached}
    (EIGW: attached|deleted) | a list of those (more than one attached is V63's error).
  subnet: name, cidr, az? (region + "a"), ipv6_cidr?, route_table?, network_acl?,
    default_for_az? (false; true only in a default VPC, V17), map_public_ip_on_launch?
    (default_for_az, V17)
  route table: name, main? (false), edge_associations? ([internet_gateway]: a gateway route
    table, V27), routes: [{destination, target}]; target is
    ``internet_gateway`` | ``egress_only_internet_gateway`` | ``local`` |
    {nat_gateway|peering|instance|transit_gateway: NAME}.
  Blackhole routes (V26): AWS has no "blackhole" target one can create; a route becomes a
    blackhole when its target is unavailable. So a route whose NAT gateway is declared with
    ``state: deleted``, whose instance has ``state: terminated``, whose peering is not
    ``active``, or whose IGW is ``detached`` (EIGW ``deleted``) loads as
    ``RouteTarget("blackhole")`` with ``Route.unavailable_target`` naming what it pointed to.
    ``target: blackhole`` itself is refused.
  A route whose destination is one of the VPC's blocks with a NAT gateway or instance target
    replaces the local route's target (V20, ReplaceRoute); ``target: null`` on it is the
    refused DeleteRoute of the local route.
  NACL: name, inbound, outbound: [{rule, protocol, ports?, cidr, action, icmp?: {type, code}}]
    A NACL named ``default`` redefines the default NACL's rules (it is modifiable, V32).
  SG: name, description?, ingress, egress? (omitted = allow all, V41): [{protocol, ports?,
    cidr | source_group (ingress) | destination_group (egress), icmp?, description?}];
    a group is NAME (same VPC) or {vpc, name}. An SG named ``default`` redefines the default SG.
  NAT gateway: name, subnet, private_ip?, public_ip?, connectivity? (public), state? (available)
  instance: name, subnet, private_ip?, public_ip?, ipv6_address?, security_groups?,
    source_dest_check? (true), state? (running), associate_public_ip_address? (the subnet's
    map_public_ip_on_launch; when true and public_ip is omitted, an address of
    addressing.AUTO_PUBLIC_IPV4_POOL is assigned, V17)
  peering: name, requester, accepter, status? (active)
  on_premises?, vpn_gateways?, vpn_connections? and a route table's propagating_vgws?:
    Site-to-Site VPN (``vpn.py``).
  transit gateway: name, route_tables: [{name, routes: [{destination, attachment | blackhole:
    true}]}] (``attachment``: a VPC attachment, a VPN connection to this TGW or a peering
    attachment), attachments: [{name, vpc, subnets, association?, propagations?,
    appliance_mode? (one subnet per flow, both directions, V78; ``vpc/appliance.py``),
    security_group_referencing?} | {name, peer: TGW | {transit_gateway, region?},
    association?, state?: available|pendingAcceptance} (``vpc/tgw_peering.py``)]
Allocation: omitted private addresses are taken from each subnet's free addresses in ascending
  order, NAT gateways first, then instances, each in file order.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import Any

from netemu.errors import LoadError
from netemu.textfile import read_data
from netemu.vpc import aws_ids as vpc_aws_ids
from netemu.vpc import checkers as vpc_checkers
from netemu.vpc import dns as vpc_dns
from netemu.vpc import elastic_ips as vpc_eips
from netemu.vpc import elb as vpc_elb
from netemu.vpc import enis as vpc_enis
from netemu.vpc import firewall as vpc_firewall
from netemu.vpc import gateway_endpoints as vpc_gateway_endpoints
from netemu.vpc import interface_endpoints as vpc_interface_endpoints
from netemu.vpc import prefix_lists as vpc_prefix_lists
from netemu.vpc import tgw_peering as vpc_tgw_peering
from netemu.vpc import vpn as vpc_vpn
from netemu.vpc.build import build
from netemu.vpc.draft import Report
from netemu.vpc.model import Topology
from netemu.vpc.shape import KEYS, Reader
from netemu.vpc.validate import validate

__all__ = ["KEYS", "load_topology", "load_topology_file"]


def load_topology_file(path: str | Path) -> Topology:
    """Read and load one topology file (YAML or JSON); LoadError with every problem (a file
    that cannot be read or parsed: ``netemu.textfile``, the loaders' one way to read)."""
    return load_topology(read_data(path), str(path), Path(path).resolve().parent)


def _reader(base: Path) -> Callable[[str], tuple[str, str]]:
    """Reads a file named in the topology (a DNS Firewall domains file), next to it."""
    def read(name: str) -> tuple[str, str]:
        where = (base / name).resolve()
        try:
            return str(where), where.read_text()
        except UnicodeDecodeError as exc:
            raise OSError(0, f"not UTF-8 text: {exc}") from exc
    return read


def load_topology(data: Any, source: str = "<topology>", base: Path | None = None) -> Topology:
    """Load an in-memory topology (the parsed YAML/JSON); LoadError with every problem.
    ``base``: the folder files named in it are read from (the current one by default)."""
    report = Report(source)
    dns_parts = vpc_dns.read(data, report)  # DHCP options, Resolver rules and endpoints
    firewall = vpc_firewall.read(data, report, _reader(base or Path.cwd()))  # DNS Firewall
    ids = vpc_aws_ids.read(data, report)  # the AWS ids of an imported account
    elb_parts = vpc_elb.read(data, report)  # load balancers and target groups
    checkers = vpc_checkers.read(data, report)  # Route 53 health checkers (R180)
    lists = vpc_prefix_lists.read(data, checkers, report)  # managed + customer prefix lists
    endpoints = vpc_gateway_endpoints.read(data, lists, report)  # S3/DynamoDB gateway endpoints
    data, attachments = vpc_enis.read(data, report)  # secondary ENIs (V165-V166)
    eips = vpc_eips.read(data, report)  # Elastic IPs (V160-V163)
    data = vpc_eips.rewrite(data, eips)
    data = vpc_checkers.with_hosts(data, checkers, report)
    data = vpc_gateway_endpoints.with_hosts(data, endpoints)
    data = vpc_prefix_lists.rewrite(data, lists, checkers is not None, report)
    data = _with_endpoint_enis(data, dns_parts)
    vpn = vpc_vpn.read(data, report)  # on-premises sites, VGWs, VPN connections
    data, tgw_peerings = vpc_tgw_peering.read(data, report)  # TGW peering attachments
    data = vpc_vpn.strip(data)
    data = _with_lb_nodes(data, elb_parts)
    interface = vpc_interface_endpoints.read(data, report)  # interface endpoints' ENIs
    data = _with_interface_enis(data, interface)
    draft = Reader(report).topology(data)
    if draft is not None:
        for t in draft.transit_gateways:  # a static TGW route may target these too
            t.other_attachments = [c.name for c in vpn.connections
                                   if c.transit_gateway == t.name]
            t.other_attachments += vpc_tgw_peering.names_of(tgw_peerings, t.name)
        validate(draft, report)
        vpc_tgw_peering.check(tgw_peerings, {t.name: {r.name for r in t.route_tables}
                                             for t in draft.transit_gateways}, report)
        vpc_dns.check(dns_parts, {v.name: v for v in draft.vpcs}, report)
        vpc_firewall.check(firewall, {v.name: v for v in draft.vpcs}, report)
        vpc_aws_ids.check(ids, draft, report)
        vpc_elb.check(elb_parts, {v.name: v for v in draft.vpcs}, report)
        vpc_gateway_endpoints.check(endpoints, {v.name: v for v in draft.vpcs}, report)
        vpc_prefix_lists.check_targets(lists, {v.name: v for v in draft.vpcs}, report)
        vpc_interface_endpoints.check(interface, {v.name: v for v in draft.vpcs}, report)
        vpc_vpn.check(vpn, {v.name: v for v in draft.vpcs},
                      {t.name: {r.name for r in t.route_tables} for t in draft.transit_gateways},
                      report)
        vpc_enis.check(attachments, draft, report)
    if report.problems or draft is None:
        raise LoadError(report.problems)
    topology = vpc_elb.attach(vpc_dns.attach(build(draft, source), dns_parts), elb_parts)
    if eips or any(i.state == "stopped" for v in draft.vpcs for i in v.instances):  # V162-V163
        vpc_eips.check(eips, topology, report)
        if report.problems:
            raise LoadError(report.problems)
        topology = vpc_eips.attach(topology, eips)
    topology = vpc_enis.attach(topology, attachments)
    topology = vpc_checkers.attach(topology, checkers)
    topology = vpc_prefix_lists.attach(topology, lists, vpc_gateway_endpoints.routes(endpoints))
    if endpoints:
        topology = replace(topology, gateway_endpoints=endpoints)
    topology = vpc_interface_endpoints.attach(topology, interface)
    topology = vpc_vpn.attach(topology, vpn)
    topology = vpc_tgw_peering.attach(topology, tgw_peerings)
    if firewall.firewall != vpc_firewall.DnsFirewall():
        topology = replace(topology, dns=replace(topology.dns, firewall=firewall.firewall))
    return replace(topology, aws_ids=ids) if ids else topology


def _with_endpoint_enis(data: Any, parts: vpc_dns.Parts) -> Any:
    """Resolver endpoint ENIs join their VPC's instances (``vpc.dns`` docstring)."""
    extra = vpc_dns.endpoint_instances(parts)
    if not extra or not isinstance(data, dict) or not isinstance(data.get("vpcs"), list):
        return data
    vpcs = []
    for v in data["vpcs"]:
        if isinstance(v, dict) and v.get("name") in extra:
            v = dict(v, instances=list(v.get("instances") or []) + extra[v["name"]])
        vpcs.append(v)
    return dict(data, vpcs=vpcs)


def _with_lb_nodes(data: Any, parts: vpc_elb.Parts) -> Any:
    """Load balancer nodes' ENIs join their VPC's instances (``vpc.elb`` docstring)."""
    if not parts.balancers or not isinstance(data, dict) \
            or not isinstance(data.get("vpcs"), list):
        return data
    extra, groups = vpc_elb.node_items(parts, data)
    vpcs = []
    for v in data["vpcs"]:
        if isinstance(v, dict) and v.get("name") in extra:
            v = dict(v, instances=list(v.get("instances") or []) + extra[v["name"]])
        if isinstance(v, dict) and v.get("name") in groups:
            v = dict(v, security_groups=list(v.get("security_groups") or [])
                     + groups[v["name"]])
        vpcs.append(v)
    return dict(data, vpcs=vpcs)


def _with_interface_enis(data: Any, parts: tuple[dict[str, Any], ...]) -> Any:
    """Interface endpoints' ENIs join their VPC's instances (``vpc.interface_endpoints``)."""
    extra = vpc_interface_endpoints.eni_items(parts, data) if parts else {}
    if not extra or not isinstance(data, dict) or not isinstance(data.get("vpcs"), list):
        return data
    return dict(data, vpcs=[dict(v, instances=list(v.get("instances") or []) + extra[v["name"]])
                            if isinstance(v, dict) and v.get("name") in extra else v
                            for v in data["vpcs"]])
