"""Test helper: a loaded topology -> the JSON ``aws ec2 describe-*`` would print for it, so that
the shipped teaching topologies can go through ``netemu import aws`` and back (the issue's round
trip). Ids are deterministic (``vpc-`` + a counter in hex); every item carries its topology name
as its ``Name`` tag (security groups: as ``GroupName``)."""

from __future__ import annotations

import json
from itertools import count
from typing import Any

from netemu.vpc.model import NaclRule, RouteTarget, SgRule, Topology, Vpc

PROTOCOLS = {-1: "-1", 6: "tcp", 17: "udp", 1: "icmp", 58: "icmpv6"}


class _Ids:
    def __init__(self) -> None:
        self.n = count(1)
        self.ids: dict[tuple[str, ...], str] = {}

    def __call__(self, prefix: str, *key: str) -> str:
        k = (prefix, *key)
        if k not in self.ids:
            self.ids[k] = f"{prefix}-{next(self.n):017x}"
        return self.ids[k]


def _tags(name: str) -> list[dict[str, str]]:
    return [{"Key": "Name", "Value": name}]


def export(topology: Topology) -> dict[str, Any]:
    """File name -> describe-* output."""
    ids = _Ids()
    out: dict[str, list[Any]] = {k: [] for k in (
        "Vpcs", "Subnets", "RouteTables", "NetworkAcls", "SecurityGroups", "InternetGateways",
        "EgressOnlyInternetGateways", "NatGateways", "Reservations", "VpcPeeringConnections")}
    attributes: dict[str, Any] = {}
    for v in topology.vpcs:
        vid = ids("vpc", v.name)
        out["Vpcs"].append({
            "VpcId": vid, "CidrBlock": v.cidr_blocks[0], "IsDefault": v.default,
            "State": "available", "OwnerId": topology.account_id, "Tags": _tags(v.name),
            "CidrBlockAssociationSet": [{"CidrBlock": c, "CidrBlockState": {"State": "associated"}}
                                        for c in v.cidr_blocks],
            "Ipv6CidrBlockAssociationSet": [
                {"Ipv6CidrBlock": c, "Ipv6CidrBlockState": {"State": "associated"}}
                for c in v.ipv6_cidr_blocks]})
        attributes[f"describe-vpc-attribute-{vid}-support.json"] = {
            "VpcId": vid, "EnableDnsSupport": {"Value": v.enable_dns_support}}
        attributes[f"describe-vpc-attribute-{vid}-hostnames.json"] = {
            "VpcId": vid, "EnableDnsHostnames": {"Value": v.enable_dns_hostnames}}
        for s in v.subnets:
            out["Subnets"].append({
                "SubnetId": ids("subnet", v.name, s.name), "VpcId": vid, "CidrBlock": s.cidr,
                "AvailabilityZone": s.az, "MapPublicIpOnLaunch": s.map_public_ip_on_launch,
                "DefaultForAz": s.default_for_az, "State": "available", "Tags": _tags(s.name),
                "Ipv6CidrBlockAssociationSet": [{"Ipv6CidrBlock": s.ipv6_cidr}]
                if s.ipv6_cidr else []})
        if v.internet_gateway:
            out["InternetGateways"].append({
                "InternetGatewayId": ids("igw", v.name), "Tags": _tags(f"{v.name}-igw"),
                "Attachments": [{"State": "available", "VpcId": vid}]})
        if v.egress_only_internet_gateway:
            out["EgressOnlyInternetGateways"].append({
                "EgressOnlyInternetGatewayId": ids("eigw", v.name),
                "Attachments": [{"State": "attached", "VpcId": vid}]})
        for n in v.nat_gateways:
            out["NatGateways"].append(_nat(ids, v, n.name, n.subnet, n.private_ip, n.public_ip,
                                           n.connectivity, "available"))
        _route_tables(ids, v, out, topology.vpn.propagations)
        _nacls(ids, v, out)
        _groups(ids, topology, v, out)
        _instances(ids, topology, v, out)
    for p in topology.peerings:
        out["VpcPeeringConnections"].append({
            "VpcPeeringConnectionId": ids("pcx", p.name), "Tags": _tags(p.name),
            "Status": {"Code": p.status},
            "RequesterVpcInfo": {"VpcId": ids("vpc", p.requester),
                                 "Region": topology.vpc(p.requester).region},
            "AccepterVpcInfo": {"VpcId": ids("vpc", p.accepter),
                                "Region": topology.vpc(p.accepter).region}})
    files: dict[str, Any] = {f"describe-{k}.json": {k: items} for k, items in out.items()}
    files.update(attributes)
    files.update(_transit_gateways(ids, topology))
    files.update(_dns(ids, topology, out))
    files.update(_endpoints(ids, topology))
    files.update(_vpn(ids, topology))
    return files


def _vpn(ids: _Ids, topology: Topology) -> dict[str, Any]:
    """describe-vpn-gateways, -customer-gateways, -vpn-connections (a TGW VPN attachment's
    association and propagations are in _transit_gateways)."""
    cfg = topology.vpn
    if not cfg.connections:
        return {}
    return {
        "describe-vpn-gateways.json": {"VpnGateways": [
            {"VpnGatewayId": ids("vgw", g.name), "State": "available", "Type": "ipsec.1",
             "VpcAttachments": [{"VpcId": ids("vpc", g.vpc), "State": "attached"}],
             "Tags": _tags(g.name)} for g in cfg.gateways]},
        "describe-customer-gateways.json": {"CustomerGateways": [
            {"CustomerGatewayId": ids("cgw", s.name), "IpAddress": s.customer_gateway_ip,
             "BgpAsn": str(s.bgp_asn), "State": "available", "Type": "ipsec.1",
             "Tags": _tags(s.name)} for s in cfg.sites]},
        "describe-vpn-connections.json": {"VpnConnections": [
            {"VpnConnectionId": ids("vpn", c.name), "CustomerGatewayId": ids("cgw", c.site),
             **({"VpnGatewayId": ids("vgw", c.vpn_gateway)} if c.vpn_gateway else
                {"TransitGatewayId": ids("tgw", str(c.transit_gateway))}),
             "State": "available", "Type": "ipsec.1", "Tags": _tags(c.name),
             "Options": {"StaticRoutesOnly": c.routing == "static"},
             "Routes": [{"DestinationCidrBlock": r, "State": "available"} for r in c.routes]
             if c.routing == "static" else [],
             "VgwTelemetry": [{"Status": "UP" if c.up else "DOWN"}]}
            for c in cfg.connections]}}


def _endpoints(ids: _Ids, topology: Topology) -> dict[str, Any]:
    """describe-vpc-endpoints (issue 16): gateway endpoints with their route tables and policy
    (a JSON string, as the CLI prints it), interface endpoints with subnets and groups."""
    items: list[dict[str, Any]] = []
    for g in topology.gateway_endpoints:
        item: dict[str, Any] = {
            "VpcEndpointId": ids("vpce", g.name), "VpcEndpointType": "Gateway",
            "VpcId": ids("vpc", g.vpc), "ServiceName": g.service_name, "State": "available",
            "RouteTableIds": [ids("rtb", g.vpc, t) for t in g.route_tables], "SubnetIds": [],
            "Groups": [], "PrivateDnsEnabled": False, "Tags": _tags(g.name)}
        statements = g.policy if g.policy is not None else ()
        item["PolicyDocument"] = json.dumps({"Version": "2008-10-17", "Statement": [
            {"Effect": st.effect, "Principal": "*", "Action": list(st.actions),
             "Resource": list(st.resources)} for st in statements] or [
            {"Effect": "Allow", "Principal": "*", "Action": "*", "Resource": "*"}]})
        items.append(item)
    for e in topology.interface_endpoints:
        items.append({
            "VpcEndpointId": e.id, "VpcEndpointType": "Interface", "VpcId": ids("vpc", e.vpc),
            "ServiceName": e.service_name, "State": "available", "RouteTableIds": [],
            "SubnetIds": [ids("subnet", e.vpc, s) for s in e.subnets],
            "Groups": [{"GroupId": ids("sg", e.vpc, g), "GroupName": g}
                       for g in e.security_groups],
            "PrivateDnsEnabled": e.private_dns, "Tags": _tags(e.name)})
    return {"describe-vpc-endpoints.json": {"VpcEndpoints": items}} if items else {}


def _dns(ids: _Ids, topology: Topology, out: dict[str, list[Any]]) -> dict[str, Any]:
    """describe-dhcp-options (and each VPC's DhcpOptionsId), the peerings' DNS resolution
    option, and the route53resolver outputs for the endpoints and rules."""
    options = dict(topology.dns.options)
    sets = []
    for v in out["Vpcs"]:
        name = next(t["Value"] for t in v["Tags"])
        if name not in options:
            v["DhcpOptionsId"] = "default"
            continue
        o, v["DhcpOptionsId"] = options[name], ids("dopt", name)
        conf = [("domain-name", [o.domain_name]), ("domain-name-servers", o.domain_name_servers),
                ("ntp-servers", o.ntp_servers), ("netbios-name-servers", o.netbios_name_servers),
                ("netbios-node-type",
                 [] if o.netbios_node_type is None else [str(o.netbios_node_type)])]
        sets.append({"DhcpOptionsId": v["DhcpOptionsId"], "DhcpConfigurations": [
            {"Key": k, "Values": [{"Value": x} for x in values]} for k, values in conf if values]})
    for p in out["VpcPeeringConnections"]:
        if next(t["Value"] for t in p["Tags"]) in topology.dns.dns_peerings:
            for side in ("RequesterVpcInfo", "AccepterVpcInfo"):
                p[side]["PeeringOptions"] = {"AllowDnsResolutionFromRemoteVpc": True}
    files: dict[str, Any] = {"describe-dhcp-options.json": {"DhcpOptions": sets}}
    endpoints = []
    for e in topology.dns.endpoints:
        eid = ids("rslvr-in" if e.direction == "INBOUND" else "rslvr-out", e.name)
        endpoints.append({"Id": eid, "Name": e.name, "Direction": e.direction,
                          "HostVPCId": ids("vpc", e.vpc), "Status": "OPERATIONAL",
                          "SecurityGroupIds": [ids("sg", e.vpc, g) for g in e.security_groups],
                          "IpAddressCount": len(e.addresses)})
        files[f"list-resolver-endpoint-ip-addresses-{eid}.json"] = {"IpAddresses": [
            {"IpId": ids("rni", e.name, a.ip), "SubnetId": ids("subnet", e.vpc, a.subnet),
             "Ip": a.ip, "Status": "ATTACHED"} for a in e.addresses]}
    rules, associations = [], []
    for r in topology.dns.rules:
        rid = ids("rslvr-rr", r.name)
        rule: dict[str, Any] = {"Id": rid, "Name": r.name, "DomainName": r.domain_name,
                                "RuleType": r.rule_type, "Status": "COMPLETE"}
        if r.rule_type == "FORWARD":
            rule["TargetIps"] = [{"Ip": t.ip, "Port": t.port} for t in r.targets]
            endpoint = next(e for e in topology.dns.endpoints if e.name == r.endpoint)
            rule["ResolverEndpointId"] = ids(
                "rslvr-in" if endpoint.direction == "INBOUND" else "rslvr-out", endpoint.name)
        rules.append(rule)
        associations += [{"Id": ids("rslvr-rrassoc", r.name, v), "ResolverRuleId": rid,
                          "VPCId": ids("vpc", v), "Status": "COMPLETE"} for v in r.vpcs]
    files["list-resolver-endpoints.json"] = {"ResolverEndpoints": endpoints}
    files["list-resolver-rules.json"] = {"ResolverRules": rules}
    files["list-resolver-rule-associations.json"] = {"ResolverRuleAssociations": associations}
    return files


def _transit_gateways(ids: _Ids, topology: Topology) -> dict[str, Any]:
    """describe-transit-gateways, -vpc-attachments, -attachments (associations), -route-tables,
    and per table search-transit-gateway-routes and get-...-propagations (id in file name)."""
    gws, vpc_atts, atts, tables, files = [], [], [], [], {}
    for t in topology.transit_gateways:
        gid = ids("tgw", t.name)
        gws.append({"TransitGatewayId": gid, "State": "available", "Tags": _tags(t.name),
                    "Options": {"DefaultRouteTableAssociation": "disable",
                                "DefaultRouteTablePropagation": "disable"}})
        for rt in t.route_tables:
            tid = ids("tgw-rtb", t.name, rt.name)
            tables.append({"TransitGatewayRouteTableId": tid, "TransitGatewayId": gid,
                           "State": "available", "Tags": _tags(rt.name)})
            files[f"search-transit-gateway-routes-{tid}.json"] = {"Routes": [
                {"DestinationCidrBlock": r.destination, "Type": r.origin,
                 "State": "blackhole" if r.blackhole else "active",
                 "TransitGatewayAttachments": [] if r.attachment is None else [
                     {"TransitGatewayAttachmentId": ids("tgw-attach", t.name, r.attachment),
                      "ResourceType": "vpc"}]}
                for r in rt.routes], "AdditionalRoutesAvailable": False}
            files[f"get-transit-gateway-route-table-propagations-{tid}.json"] = {
                "TransitGatewayRouteTablePropagations": [
                    {"TransitGatewayAttachmentId": ids("tgw-attach", t.name, a.name),
                     "ResourceType": "vpc", "State": "enabled"}
                    for a in t.attachments if rt.name in a.propagations]
                + [{"TransitGatewayAttachmentId": ids("tgw-attach", t.name, c.name),
                    "ResourceType": "vpn", "State": "enabled"}
                   for c in topology.vpn.connections
                   if c.transit_gateway == t.name and rt.name in c.propagations]}
        for a in t.attachments:
            aid = ids("tgw-attach", t.name, a.name)
            vpc_atts.append({
                "TransitGatewayAttachmentId": aid, "TransitGatewayId": gid,
                "VpcId": ids("vpc", a.vpc), "State": "available", "Tags": _tags(a.name),
                "SubnetIds": [ids("subnet", a.vpc, s) for s in a.subnets],
                "Options": {"ApplianceModeSupport": "enable" if a.appliance_mode else "disable",
                            "SecurityGroupReferencingSupport":
                                "enable" if a.security_group_referencing else "disable"}})
            item: dict[str, Any] = {"TransitGatewayAttachmentId": aid, "TransitGatewayId": gid,
                                    "ResourceType": "vpc", "ResourceId": ids("vpc", a.vpc),
                                    "State": "available"}
            if a.association is not None:
                item["Association"] = {
                    "TransitGatewayRouteTableId": ids("tgw-rtb", t.name, a.association),
                    "State": "associated"}
            atts.append(item)
        for c in topology.vpn.connections:
            if c.transit_gateway == t.name:  # a TGW VPN attachment
                vpn: dict[str, Any] = {
                    "TransitGatewayAttachmentId": ids("tgw-attach", t.name, c.name),
                    "TransitGatewayId": gid, "ResourceType": "vpn",
                    "ResourceId": ids("vpn", c.name), "State": "available"}
                if c.association is not None:
                    vpn["Association"] = {
                        "TransitGatewayRouteTableId": ids("tgw-rtb", t.name, c.association),
                        "State": "associated"}
                atts.append(vpn)
    if gws:
        files["describe-transit-gateways.json"] = {"TransitGateways": gws}
        files["describe-transit-gateway-vpc-attachments.json"] = {
            "TransitGatewayVpcAttachments": vpc_atts}
        files["describe-transit-gateway-attachments.json"] = {"TransitGatewayAttachments": atts}
        files["describe-transit-gateway-route-tables.json"] = {
            "TransitGatewayRouteTables": tables}
    return files


def _nat(ids: _Ids, v: Vpc, name: str, subnet: str, private_ip: str | None,
         public_ip: str | None, connectivity: str, state: str) -> dict[str, Any]:
    address: dict[str, Any] = {"IsPrimary": True}
    if private_ip:
        address["PrivateIp"] = private_ip
    if public_ip:
        address["PublicIp"] = public_ip
    return {"NatGatewayId": ids("nat", v.name, name), "SubnetId": ids("subnet", v.name, subnet),
            "VpcId": ids("vpc", v.name), "State": state, "ConnectivityType": connectivity,
            "NatGatewayAddresses": [address] if state == "available" else [],
            "Tags": _tags(name)}


def _target(ids: _Ids, v: Vpc, t: RouteTarget) -> dict[str, str]:
    if t.kind == "local":
        return {"GatewayId": "local"}
    if t.kind == "internet_gateway":
        return {"GatewayId": ids("igw", v.name)}
    if t.kind == "egress_only_internet_gateway":
        return {"EgressOnlyInternetGatewayId": ids("eigw", v.name)}
    if t.kind == "nat_gateway":
        return {"NatGatewayId": ids("nat", v.name, str(t.name))}
    if t.kind == "peering":
        return {"VpcPeeringConnectionId": ids("pcx", str(t.name))}
    if t.kind == "instance":
        return {"InstanceId": ids("i", v.name, str(t.name)),
                "NetworkInterfaceId": ids("eni", v.name, str(t.name))}
    if t.kind == "transit_gateway":
        return {"TransitGatewayId": ids("tgw", str(t.name))}
    if t.kind == "vpn_gateway":
        return {"GatewayId": ids("vgw", str(t.name))}
    raise ValueError(t)


def _route_tables(ids: _Ids, v: Vpc, out: dict[str, list[Any]],
                  propagating: tuple[tuple[str, str, str], ...] = ()) -> None:
    deleted_nats: set[str] = set()
    for rt in v.route_tables:
        tid = ids("rtb", v.name, rt.name)
        assocs: list[dict[str, Any]] = []
        if rt.main:
            assocs.append({"Main": True, "RouteTableId": tid,
                           "AssociationState": {"State": "associated"}})
        else:
            assocs += [{"Main": False, "RouteTableId": tid,
                        "SubnetId": ids("subnet", v.name, s.name),
                        "AssociationState": {"State": "associated"}}
                       for s in v.subnets if s.route_table == rt.name]
        if "internet_gateway" in rt.edge_associations:
            assocs.append({"Main": False, "RouteTableId": tid, "GatewayId": ids("igw", v.name),
                           "AssociationState": {"State": "associated"}})
        routes = []
        for r in rt.routes:
            if r.target.kind == "vpc_endpoint":
                continue  # describe-vpc-endpoints' RouteTableIds say it (_endpoints)
            target, state = r.target, "active"
            if target.kind == "blackhole" and r.unavailable_target is not None:
                target, state = r.unavailable_target, "blackhole"
                if target.kind == "nat_gateway":
                    deleted_nats.add(str(target.name))
            dest = "DestinationIpv6CidrBlock" if ":" in r.destination else "DestinationCidrBlock"
            origin = ("EnableVgwRoutePropagation" if target.kind == "vpn_gateway"
                      and r.origin == "propagated" else r.origin)
            routes.append({dest: r.destination, **_target(ids, v, target),
                           "Origin": origin, "State": state})
        out["RouteTables"].append({"RouteTableId": tid, "VpcId": ids("vpc", v.name),
                                   "Associations": assocs, "Routes": routes,
                                   "Tags": _tags(rt.name), "PropagatingVgws": [
                                       {"GatewayId": ids("vgw", g)} for vpc, table, g
                                       in propagating if (vpc, table) == (v.name, rt.name)]})
    for name in sorted(deleted_nats):
        out["NatGateways"].append(_nat(ids, v, name, v.subnets[0].name, None, None, "public",
                                       "deleted"))


def _proto(protocol: int) -> str:
    return PROTOCOLS.get(protocol, str(protocol))


def _nacl_entry(r: NaclRule, egress: bool) -> dict[str, Any]:
    e: dict[str, Any] = {"RuleNumber": r.number, "Protocol": str(r.protocol),
                         "RuleAction": r.action, "Egress": egress,
                         ("Ipv6CidrBlock" if ":" in r.cidr else "CidrBlock"): r.cidr}
    if r.ports is not None:
        e["PortRange"] = {"From": r.ports.first, "To": r.ports.last}
    if r.icmp is not None:
        e["IcmpTypeCode"] = {"Type": r.icmp.type, "Code": r.icmp.code}
    return e


def _nacls(ids: _Ids, v: Vpc, out: dict[str, list[Any]]) -> None:
    for a in v.network_acls:
        aid = ids("acl", v.name, a.name)
        entries = [_nacl_entry(r, False) for r in a.inbound]
        entries += [_nacl_entry(r, True) for r in a.outbound]
        entries += [{"RuleNumber": 32767, "Protocol": "-1", "RuleAction": "deny", "Egress": e,
                     "CidrBlock": "0.0.0.0/0"} for e in (False, True)]
        out["NetworkAcls"].append({
            "NetworkAclId": aid, "VpcId": ids("vpc", v.name), "IsDefault": a.default,
            "Entries": entries, "Tags": [] if a.default else _tags(a.name),
            "Associations": [{"NetworkAclId": aid, "SubnetId": ids("subnet", v.name, s.name)}
                             for s in v.subnets if s.network_acl == a.name]})


def _permission(ids: _Ids, v: Vpc, r: SgRule) -> dict[str, Any]:
    p: dict[str, Any] = {"IpProtocol": _proto(r.protocol), "IpRanges": [], "Ipv6Ranges": [],
                         "PrefixListIds": [], "UserIdGroupPairs": []}
    if r.ports is not None:
        p["FromPort"], p["ToPort"] = r.ports.first, r.ports.last
    elif r.icmp is not None:
        p["FromPort"], p["ToPort"] = r.icmp.type, r.icmp.code
    elif r.protocol in (6, 17):
        p["FromPort"], p["ToPort"] = 0, 65535
    if r.cidr is not None:
        p["Ipv6Ranges" if ":" in r.cidr else "IpRanges"].append(
            {"CidrIpv6" if ":" in r.cidr else "CidrIp": r.cidr})
    if r.group is not None:
        pair = {"GroupId": ids("sg", r.group.vpc, r.group.name)}
        if r.group.vpc != v.name:
            pair["VpcId"] = ids("vpc", r.group.vpc)
        p["UserIdGroupPairs"].append(pair)
    return p


def _groups(ids: _Ids, topology: Topology, v: Vpc, out: dict[str, list[Any]]) -> None:
    for g in v.security_groups:
        out["SecurityGroups"].append({
            "GroupId": ids("sg", v.name, g.name), "GroupName": g.name,
            "VpcId": ids("vpc", v.name), "OwnerId": topology.account_id,
            "Description": g.name,
            "IpPermissions": [_permission(ids, v, r) for r in g.ingress if not r.stale],
            "IpPermissionsEgress": [_permission(ids, v, r) for r in g.egress if not r.stale]})


def _instances(ids: _Ids, topology: Topology, v: Vpc, out: dict[str, list[Any]]) -> None:
    enis = {a.eni for e in topology.dns.endpoints for a in e.addresses}  # Resolver's, not EC2's
    enis |= {x.eni for e in topology.interface_endpoints for x in e.enis}  # the endpoints' own
    instances = []
    for i in v.instances:
        if i.name in enis:
            continue
        groups = [{"GroupName": g, "GroupId": ids("sg", v.name, g)} for g in i.security_groups]
        eni: dict[str, Any] = {
            "NetworkInterfaceId": ids("eni", v.name, i.name), "Attachment": {"DeviceIndex": 0},
            "PrivateIpAddress": i.private_ip, "Groups": groups,
            "PrivateIpAddresses": [{"Primary": True, "PrivateIpAddress": i.private_ip}],
            "Ipv6Addresses": [{"Ipv6Address": i.ipv6_address}] if i.ipv6_address else [],
            "SourceDestCheck": i.source_dest_check}
        item: dict[str, Any] = {
            "InstanceId": ids("i", v.name, i.name), "SubnetId": ids("subnet", v.name, i.subnet),
            "VpcId": ids("vpc", v.name), "PrivateIpAddress": i.private_ip,
            "State": {"Code": 16, "Name": "running"}, "SourceDestCheck": i.source_dest_check,
            "SecurityGroups": groups, "NetworkInterfaces": [eni], "Tags": _tags(i.name)}
        if i.public_ip:
            item["PublicIpAddress"] = i.public_ip
        instances.append(item)
    if instances:
        out["Reservations"].append({"ReservationId": ids("r", v.name), "Instances": instances,
                                    "OwnerId": topology.account_id})
