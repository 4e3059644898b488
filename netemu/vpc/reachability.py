"""A trace in the shape of a Reachability Analyzer result (``trace --format
reachability-analyzer``), so that netemu's verdict can be diffed against AWS's output.

Name
    ``analysis(topology, trace, start_date) -> dict``: the output of ``aws ec2
    describe-network-insights-analyses`` for one analysis of the traced path.
Behaviour (V93, V94; EC2 API ``NetworkInsightsAnalysis``, ``PathComponent``, ``Explanation``)
    - ``NetworkInsightsAnalyses[0]`` has ``NetworkInsightsAnalysisId``/``Arn``,
      ``NetworkInsightsPathId``, ``StartDate``, ``Status`` (``succeeded``), ``NetworkPathFound``,
      ``ForwardPathComponents`` and ``ReturnPathComponents`` (when the path is found),
      ``Explanations`` (when it is not), ``AlternatePathHints``, ``FilterInArns``,
      ``AdditionalAccounts`` and ``Tags`` (empty: netemu has no filters or accounts).
    - Each path component: ``SequenceNumber`` (from 1), ``Component`` ``{Id, Arn, Name}``,
      ``InboundHeader``/``OutboundHeader`` (``SourceAddresses``, ``DestinationAddresses``,
      ``Protocol`` as its number, port ranges), and the deciding rule as ``AclRule``,
      ``SecurityGroupRule``, ``RouteTableRoute`` or ``TransitGatewayRouteTableRoute``; its
      ``Explanations`` list the hop's codes (a NAT gateway: ``NGW_SOURCE_ADDRESS_REASSIGN``,
      ``NGW_DEST_ADDRESS_PRESERVATION``, ``REMAP_EPHEMERAL_PORT``).
    - ``Explanations`` of an unreachable path: one per explanation code of the trace, in its
      order, with the blocking component and, for a network ACL, security group or route,
      the rule and ``Direction``.
Decisions (AWS's values we cannot know)
    Resource ids are deterministic stand-ins (``sg-``, ``acl-``, ``rtb-``, ``igw-``, ``nat-``,
    ``pcx-``, ``tgw-``, ``i-`` + 17 hex digits of a hash of the kind and netemu name; ENIs keep
    the ids the flow logs use); ARNs use the topology's region and account. Internet hosts,
    the VPC resolver and the instance metadata service are not AWS resources: their component
    has the netemu name as ``Id`` and no ``Arn``.
"""

from __future__ import annotations

import hashlib
from typing import Any

from netemu.vpc.model import NaclRule, Route, SgRule, TgwRoute, Topology
from netemu.vpc.packets import PORT_PROTOCOLS, Packet
from netemu.vpc.trace import Hop, Trace

# hop component -> (id prefix, ARN resource type)
RESOURCE = {
    "security-group": ("sg", "security-group"),
    "network-acl": ("acl", "network-acl"),
    "route-table": ("rtb", "route-table"),
    "transit-gateway-route-table": ("tgw-rtb", "transit-gateway-route-table"),
    "internet-gateway": ("igw", "internet-gateway"),
    "egress-only-internet-gateway": ("eigw", "egress-only-internet-gateway"),
    "nat-gateway": ("nat", "natgateway"),
    "peering-connection": ("pcx", "vpc-peering-connection"),
    "transit-gateway": ("tgw", "transit-gateway"),
    "transit-gateway-attachment": ("tgw-attach", "transit-gateway-attachment"),
    # AWS's peering attachment is a transit-gateway-attachment, one id seen from both sides
    "transit-gateway-peering-attachment": ("tgw-attach", "transit-gateway-attachment"),
    "vpc-endpoint": ("vpce", "vpc-endpoint"),
    "instance": ("i", "instance"),
    "subnet": ("subnet", "subnet"),
    "vpc": ("vpc", "vpc"),
}
# route target kind -> the RouteTableRoute field AWS names it in
ROUTE_FIELD = {
    "internet_gateway": "GatewayId", "local": "GatewayId",
    "egress_only_internet_gateway": "EgressOnlyInternetGatewayId",
    "nat_gateway": "NatGatewayId", "peering": "VpcPeeringConnectionId",
    "instance": "InstanceId", "transit_gateway": "TransitGatewayId",
    "vpc_endpoint": "GatewayId",  # a gateway endpoint's route names it as its gateway
}
TARGET_COMPONENT = {
    "internet_gateway": "internet-gateway", "egress_only_internet_gateway":
    "egress-only-internet-gateway", "nat_gateway": "nat-gateway",
    "peering": "peering-connection", "instance": "instance", "transit_gateway": "transit-gateway",
    "vpc_endpoint": "vpc-endpoint",
}


def resource_id(component: str, name: str) -> str:
    prefix, kind = RESOURCE[component]
    if kind == "transit-gateway-attachment":  # the same id whichever hop kind names it
        component = kind
    return f"{prefix}-" + hashlib.sha256(f"{component}/{name}".encode()).hexdigest()[:17]


class _Ids:
    def __init__(self, topology: Topology) -> None:
        self.region, self.account = topology.region, topology.account_id

    def component(self, component: str, name: str) -> dict[str, Any]:
        if component not in RESOURCE:
            return {"Id": name, "Name": name}
        rid = resource_id(component, name)
        arn = f"arn:aws:ec2:{self.region}:{self.account}:{RESOURCE[component][1]}/{rid}"
        return {"Id": rid, "Arn": arn, "Name": name}


def _ports(port: int | None) -> list[dict[str, int]]:
    return [] if port is None else [{"From": port, "To": port}]


def header(p: Packet) -> dict[str, Any]:
    out: dict[str, Any] = {
        "DestinationAddresses": [p.dst], "Protocol": str(p.protocol),
        "SourceAddresses": [p.src],
    }
    if p.protocol in PORT_PROTOCOLS:
        out["DestinationPortRanges"] = _ports(p.dport)
        out["SourcePortRanges"] = _ports(p.sport)
    return out


def _range(ports: Any) -> dict[str, int] | None:
    return None if ports is None else {"From": ports.first, "To": ports.last}


def acl_rule(hop: Hop) -> dict[str, Any]:
    egress = " outbound " in f" {hop.reason} "
    rule = hop.matched
    if isinstance(rule, NaclRule):
        out: dict[str, Any] = {"Cidr": rule.cidr, "Egress": egress,
                               "Protocol": str(rule.protocol), "RuleAction": rule.action,
                               "RuleNumber": rule.number}
        if rule.ports is not None:
            out["PortRange"] = _range(rule.ports)
        return out
    # the final rule * (no rule matched): deny everything
    v6 = hop.packet is not None and hop.packet.version == 6
    return {"Cidr": "::/0" if v6 else "0.0.0.0/0", "Egress": egress, "Protocol": "-1",
            "RuleAction": "deny", "RuleNumber": 32768 if v6 else 32767}


def _sg_direction(hop: Hop) -> str:
    """``ingress`` or ``egress``, as the hop's rule or reason says (the tracked reply of a
    stateful group: "let it in" / "let it out")."""
    text = f" {hop.rule or ''} {hop.reason} "
    if " egress " in text or " let it out " in text:
        return "egress"
    return "ingress"


def sg_rule(ids: _Ids, hop: Hop, direction: str) -> dict[str, Any] | None:
    rule = hop.matched
    group = (hop.rule or "").split(":")[0] if hop.rule and ":" in hop.rule else (
        hop.name.split(", ")[0])
    if not isinstance(rule, SgRule):
        return None
    out: dict[str, Any] = {"Direction": direction,
                           "SecurityGroupId": resource_id("security-group", group),
                           "Protocol": str(rule.protocol)}
    if rule.cidr is not None:
        out["Cidr"] = rule.cidr
    if rule.ports is not None:
        out["PortRange"] = _range(rule.ports)
    return out


def route_rule(hop: Hop) -> dict[str, Any] | None:
    route = hop.matched
    if isinstance(route, Route):
        out: dict[str, Any] = {"DestinationCidr": route.destination, "Origin": route.origin,
                               "State": "blackhole" if route.target.kind == "blackhole"
                               else "active"}
        if route.prefix_list is not None:
            out["DestinationPrefixListId"] = route.prefix_list
        target = route.unavailable_target or route.target
        field = ROUTE_FIELD.get(target.kind)
        if target.kind == "local":
            out["GatewayId"] = "local"
        elif field is not None:
            name = target.name or hop.name
            out[field] = resource_id(TARGET_COMPONENT[target.kind], name)
        return out
    if isinstance(route, TgwRoute):
        tgw: dict[str, Any] = {"DestinationCidr": route.destination, "RouteOrigin": route.origin,
                               "State": "blackhole" if route.blackhole else "active"}
        if route.attachment is not None:
            tgw["AttachmentId"] = resource_id("transit-gateway-attachment", route.attachment)
        return tgw
    return None


def path_components(ids: _Ids, hops: tuple[Hop, ...], first: Packet) -> list[dict[str, Any]]:
    out = []
    for n, hop in enumerate(hops):
        inbound = hop.packet or first
        outbound = next((h.packet for h in hops[n + 1:] if h.packet is not None), inbound)
        item: dict[str, Any] = {
            "SequenceNumber": n + 1,
            "Component": ids.component(hop.component, hop.name),
            "InboundHeader": header(inbound),
            "OutboundHeader": header(outbound),
        }
        if hop.component == "network-acl":
            item["AclRule"] = acl_rule(hop)
        elif hop.component == "security-group":
            rule = sg_rule(ids, hop, _sg_direction(hop))
            if rule is not None:
                item["SecurityGroupRule"] = rule
        elif hop.component == "route-table":
            route = route_rule(hop)
            if route is not None:
                item["RouteTableRoute"] = route
        elif hop.component == "transit-gateway-route-table":
            route = route_rule(hop)
            if route is not None:
                item["TransitGatewayRouteTableRoute"] = route
        codes = ([hop.code] if hop.code else []) + list(hop.details)
        if codes:
            item["Explanations"] = [{"ExplanationCode": c,
                                     "Component": ids.component(hop.component, hop.name)}
                                    for c in codes]
        out.append(item)
    return out


def explanations(ids: _Ids, trace: Trace) -> list[dict[str, Any]]:
    """One Explanation per code of the unreachable path, with the hop that carries it."""
    out = []
    hops = list(trace.hops) + list(trace.return_path)
    for code in trace.explanations:
        carriers: list[Hop | None] = [h for h in hops if h.code == code] or [None]
        for hop in carriers:
            item: dict[str, Any] = {"ExplanationCode": code}
            if hop is not None:
                item["Component"] = ids.component(hop.component, hop.name)
                if hop.component == "network-acl":
                    rule = acl_rule(hop)
                    item["Acl"] = item["Component"]
                    item["AclRule"] = rule
                    item["Direction"] = "egress" if rule["Egress"] else "ingress"
                elif hop.component == "security-group":
                    item["SecurityGroups"] = [ids.component("security-group", g)
                                              for g in hop.name.split(", ")]
                    item["Direction"] = _sg_direction(hop)
                elif hop.component == "route-table":
                    item["RouteTable"] = item["Component"]
                    route = route_rule(hop)
                    if route is not None:
                        item["RouteTableRoute"] = route
                if hop.packet is not None:
                    item["Addresses"] = [hop.packet.dst]
                    item["Protocols"] = [str(hop.packet.protocol)]
            out.append(item)
    return out


def analysis(topology: Topology, trace: Trace, start_date: str) -> dict[str, Any]:
    """``describe-network-insights-analyses`` output for this trace (see the module doc)."""
    ids = _Ids(topology)
    f = trace.flow
    key = f"{f.src}|{f.dst}|{f.protocol}|{f.port}|{f.src_port}|{f.ip_version}"
    digest = hashlib.sha256(key.encode()).hexdigest()
    nia, nip = f"nia-{digest[:17]}", f"nip-{digest[17:34]}"
    arn = f"arn:aws:ec2:{topology.region}:{topology.account_id}:network-insights-analysis/{nia}"
    result: dict[str, Any] = {
        "NetworkInsightsAnalysisId": nia,
        "NetworkInsightsAnalysisArn": arn,
        "NetworkInsightsPathId": nip,
        "AdditionalAccounts": [],
        "FilterInArns": [],
        "StartDate": start_date,
        "Status": "succeeded",
        "NetworkPathFound": trace.reachable,
    }
    if trace.reachable:
        result["ForwardPathComponents"] = path_components(ids, trace.hops, trace.packet)
        result["ReturnPathComponents"] = path_components(ids, trace.return_path,
                                                         trace.packet.reply())
    else:
        result["Explanations"] = explanations(ids, trace)
    result["AlternatePathHints"] = []
    result["Tags"] = []
    return {"NetworkInsightsAnalyses": [result]}
