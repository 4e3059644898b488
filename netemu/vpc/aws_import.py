"""Import an AWS account's EC2 networking (the JSON ``aws ec2 describe-*`` prints) -> a topology
(the plain data of a topology file), pure.

Name: aws_import
Behaviour: ``import_ec2(documents)`` takes the parsed outputs, one per call (any file names; the
  top-level key says what each is: ``Vpcs``, ``Subnets``, ``RouteTables``, ``SecurityGroups``,
  ``NetworkAcls``, ``InternetGateways``, ``EgressOnlyInternetGateways``, ``NatGateways``,
  ``Reservations``, ``VpcPeeringConnections``, ``describe-vpc-attribute``'s
  ``EnableDnsSupport``/``EnableDnsHostnames``, and the transit gateway outputs:
  ``TransitGateways``, ``TransitGatewayVpcAttachments``, ``TransitGatewayAttachments`` (VPC,
  VPN and peering ones; a peering one is listed once per transit gateway),
  ``TransitGatewayPeeringAttachments``, ``TransitGatewayRouteTables``, and per route table
  (its id in the file path) ``Routes`` of search-transit-gateway-routes and
  ``TransitGatewayRouteTablePropagations``;
  and DNS: ``DhcpOptions``, ``ResolverEndpoints`` with each endpoint's ``IpAddresses``,
  ``ResolverRules``, ``ResolverRuleAssociations``, read by ``aws_resolver``; and issue 16's
  ``PrefixLists`` with their ``Entries``, ``VpcEndpoints``, ``VpnGateways``,
  ``CustomerGateways``, ``VpnConnections``, ``NetworkInterfaces`` and ``Addresses``, read by
  ``aws_import_extras``)
  and returns the topology with:
  - names: the ``Name`` tag (security groups: ``GroupName``) where it is unique among the
    imported items of its kind in the whole account and a plain word, else the AWS id; so every
    name is unique in the topology and the top-level ``aws_ids`` maps it back to its id;
  - every item AWS creates implicitly kept explicit: a default NACL and a default SG are
    imported like any other (their AWS rules are listed by describe-*), under their ids, and
    every subnet is associated with its NACL and route table as AWS reports;
  - ``notes``: everything that is not represented (resource, id, why), never a silent drop;
  - ``problems``: malformed input (``FILE: ITEM: CODE: message``); the CLI writes nothing then.
  A VPC's Region is its document's (the CLI passes the Region folder a file sits in), else its
  subnets' Availability Zone less the letter, else ``default_region``.
The CLI (``netemu import aws``) reads the files; this module never touches the file system.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from netemu.errors import Problem
from netemu.vpc import aws_import_extras as extras
from netemu.vpc import tgw_peering
from netemu.vpc.aws_resolver import DNS_KEYS, ENDPOINT_KEYS, dns_parts

__all__ = ["Document", "Ec2Import", "Note", "import_ec2", "kind_of_document"]

# Top-level keys this module reads.
EC2_KEYS = ("Vpcs", "Subnets", "RouteTables", "SecurityGroups", "NetworkAcls",
            "InternetGateways", "EgressOnlyInternetGateways", "NatGateways", "Reservations",
            "VpcPeeringConnections", "TransitGateways", "TransitGatewayVpcAttachments",
            "TransitGatewayAttachments", "TransitGatewayRouteTables",
            "TransitGatewayPeeringAttachments", *DNS_KEYS,
            *extras.KEYS)
# Outputs about one transit gateway route table that do not name it: the table id must be in
# the file's path (search-transit-gateway-routes, get-transit-gateway-route-table-propagations).
TABLE_KEYS = ("TransitGatewayRouteTablePropagations", "Routes")
# Top-level keys of AWS outputs that are known but not (yet) represented: each item is noted.
UNSUPPORTED_KEYS = {
    "SecurityGroupRules": "the rules are read from SecurityGroups' IpPermissions",
    "Firewalls": "AWS Network Firewall is not modelled",
    "FirewallPolicies": "AWS Network Firewall is not modelled",
    "LoadBalancers": "load balancers are not modelled",
}
_PLAIN_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$")
_PROTOCOLS = {"-1": "all", "tcp": "tcp", "6": "tcp", "udp": "udp", "17": "udp", "icmp": "icmp",
              "1": "icmp", "icmpv6": "icmpv6", "58": "icmpv6"}
_RUNNING = "running"
_DNS_ATTRS = {"enableDnsSupport": "enable_dns_support",
              "enableDnsHostnames": "enable_dns_hostnames"}


@dataclass(frozen=True, slots=True)
class Document:
    """One saved AWS CLI output: where it came from, the Region its folder names (or None), and
    the parsed JSON."""

    source: str
    region: str | None
    data: Any


@dataclass(frozen=True, slots=True)
class Note:
    """Something in the snapshot that the topology does not represent, or represents with a
    stated difference."""

    file: str
    item: str
    message: str

    def __str__(self) -> str:
        return f"{self.file}: {self.item}: {self.message}"


@dataclass(frozen=True, slots=True)
class Ec2Import:
    topology: dict[str, Any]
    notes: tuple[Note, ...]
    problems: tuple[Problem, ...]
    vpc_names: dict[str, str] = field(default_factory=dict)  # vpc-... -> topology name


def kind_of_document(data: Any) -> str | None:
    """The top-level key that says what an EC2 output is, or None."""
    if not isinstance(data, dict):
        return None
    for key in EC2_KEYS + TABLE_KEYS + ENDPOINT_KEYS + tuple(UNSUPPORTED_KEYS):
        if key in data:
            return key
    if extras.ENTRY_KEY in data:  # get-managed-prefix-list-entries
        return extras.ENTRY_KEY
    if "VpcId" in data and ("EnableDnsSupport" in data or "EnableDnsHostnames" in data):
        return "VpcAttribute"
    return None


def tags(item: dict[str, Any]) -> dict[str, str]:
    out: dict[str, str] = {}
    for t in item.get("Tags") or []:
        if isinstance(t, dict) and isinstance(t.get("Key"), str):
            out[t["Key"]] = str(t.get("Value", ""))
    return out


def unique_names(candidates: Iterable[tuple[str, str | None]]) -> dict[str, str]:
    """id -> name: the candidate when it is a plain word, not ``default``, not an id of the
    kind's own, and unique among the kind's candidates; else the id."""
    pairs = list(candidates)
    counts = Counter(c for _, c in pairs if c)
    out: dict[str, str] = {}
    ids = {i for i, _ in pairs}
    for ident, cand in pairs:
        ok = (cand is not None and counts[cand] == 1 and bool(_PLAIN_NAME.match(cand))
              and cand != "default" and cand not in ids)
        out[ident] = cand if ok and cand else ident
    return out


class _Reader:
    """Collects the items of every document by kind, with the problems and notes found."""

    def __init__(self) -> None:
        self.items: dict[str, list[tuple[str, str | None, dict[str, Any]]]] = {}
        self.notes: list[Note] = []
        self.problems: list[Problem] = []
        self.dns: dict[str, dict[str, bool]] = {}
        self.table_docs: list[tuple[str, str, list[Any]]] = []
        self.endpoint_ips: list[tuple[str, list[Any]]] = []
        self.pl_entries: list[tuple[str, list[Any]]] = []  # (file, Entries) of one prefix list
        self.seen: dict[tuple[str, str], tuple[str, dict[str, Any]]] = {}

    def note(self, source: str, item: str, message: str) -> None:
        self.notes.append(Note(source, item, message))

    def problem(self, source: str, item: str, code: str, message: str) -> None:
        self.problems.append(Problem(source, item, code, message))

    def read(self, doc: Document) -> None:
        kind = kind_of_document(doc.data)
        if kind is None:
            return  # not an EC2 document (Route 53's, or unknown: the CLI reports those)
        if kind == "VpcAttribute":
            self._attribute(doc)
            return
        raw = doc.data[kind]
        if not isinstance(raw, list):
            self.problem(doc.source, kind, "InvalidParameterValue",
                         f"expected a list under {kind}")
            return
        if kind in TABLE_KEYS:
            for n, item in enumerate(raw):
                for name, want in field_problems(item, FIELDS.get(kind, {})):
                    self.problem(doc.source, f"{kind}[{n}].{name}", "InvalidParameterValue",
                                 f"expected {want}")
            self.table_docs.append((doc.source, kind, raw))
            return
        if kind in ENDPOINT_KEYS:
            self.endpoint_ips.append((doc.source, [i for i in raw if isinstance(i, dict)]))
            return
        if kind == extras.ENTRY_KEY:
            for n, item in enumerate(raw):
                for name, want in field_problems(item, extras.ENTRY_FIELDS):
                    self.problem(doc.source, f"{kind}[{n}].{name}", "InvalidParameterValue",
                                 f"expected {want}")
            self.pl_entries.append((doc.source, raw))
            return
        if kind == "PrefixLists":  # describe-managed-prefix-lists (or describe-prefix-lists)
            kind = "ManagedPrefixLists"
        if kind in UNSUPPORTED_KEYS:
            for i, item in enumerate(raw):
                self.note(doc.source, f"{kind}[{_ident(item, i)}]",
                          f"skipped: {UNSUPPORTED_KEYS[kind]}")
            return
        if kind == "Reservations":
            for i, res in enumerate(raw):
                if not isinstance(res, dict) or not isinstance(res.get("Instances"), list):
                    self.problem(doc.source, f"Reservations[{i}]", "InvalidParameterValue",
                                 "expected a mapping with a list Instances")
                    continue
                for j, inst in enumerate(res["Instances"]):
                    self._item(doc, "Instances", f"Reservations[{i}].Instances[{j}]", inst)
            return
        for i, item in enumerate(raw):
            self._item(doc, kind, f"{kind}[{i}]", item)

    def _item(self, doc: Document, kind: str, where: str, item: Any) -> None:
        key = ID_KEYS[kind]
        if not isinstance(item, dict):
            self.problem(doc.source, where, "InvalidParameterValue", "expected a mapping")
            return
        if not isinstance(item.get(key), str) or not item[key]:
            self.problem(doc.source, where, "MissingParameter", f"{key} is required")
            return
        wrong = field_problems(item, FIELDS.get(kind, {}) | COMMON_FIELDS)
        for name, want in wrong:
            self.problem(doc.source, f"{item[key]}.{name}", "InvalidParameterValue",
                         f"expected {want}")
        if wrong:
            return
        ident = item[key]
        if kind == "TransitGatewayAttachments":  # a peering attachment: one entry per side
            ident = f"{ident}@{item.get('TransitGatewayId')}"
        first = self.seen.get((kind, ident))
        if first is None:
            self.seen[(kind, ident)] = (doc.source, item)
            self.items.setdefault(kind, []).append((doc.source, doc.region, item))
        elif first[1] != item:  # e.g. a cross-Region peering, listed by both Regions
            self.note(doc.source, item[key], f"listed again, differently: the listing in"
                      f" {first[0]} is used")

    def _attribute(self, doc: Document) -> None:
        vpc = doc.data["VpcId"]
        if not isinstance(vpc, str):
            self.problem(doc.source, "VpcId", "InvalidParameterValue", "expected a string")
            return
        for key, attr in (("EnableDnsSupport", "enable_dns_support"),
                          ("EnableDnsHostnames", "enable_dns_hostnames")):
            if key in doc.data:
                value = doc.data[key].get("Value") if isinstance(doc.data[key], dict) else None
                if not isinstance(value, bool):
                    self.problem(doc.source, f"{vpc}.{key}", "InvalidParameterValue",
                                 "expected {Value: true|false}")
                    continue
                self.dns.setdefault(vpc, {})[attr] = value

    def of(self, kind: str) -> list[tuple[str, str | None, dict[str, Any]]]:
        return self.items.get(kind, [])


ID_KEYS = {
    "Vpcs": "VpcId", "Subnets": "SubnetId", "RouteTables": "RouteTableId",
    "SecurityGroups": "GroupId", "NetworkAcls": "NetworkAclId",
    "InternetGateways": "InternetGatewayId",
    "EgressOnlyInternetGateways": "EgressOnlyInternetGatewayId",
    "NatGateways": "NatGatewayId", "Instances": "InstanceId",
    "VpcPeeringConnections": "VpcPeeringConnectionId",
    "TransitGateways": "TransitGatewayId",
    "TransitGatewayVpcAttachments": "TransitGatewayAttachmentId",
    "TransitGatewayAttachments": "TransitGatewayAttachmentId",
    "TransitGatewayRouteTables": "TransitGatewayRouteTableId",
    "TransitGatewayPeeringAttachments": "TransitGatewayAttachmentId",
    "DhcpOptions": "DhcpOptionsId",
    "ResolverEndpoints": "Id",
    "ResolverRules": "Id",
    "ResolverRuleAssociations": "Id",
    **extras.ID_KEYS,
}


# The fields this module reads, and their JSON types: an item with a field of another type is
# malformed input (a Problem), so that the builders below can trust the shapes they read.
# "list[dict]" / "list[str]": a list of those; "a.b": field b of the mapping a.
COMMON_FIELDS = {"Tags": "list[dict]", "VpcId": "str", "Tags[].Key": "str"}
_PERMISSION = {"IpProtocol": "str", "FromPort": "int", "ToPort": "int",
               "IpRanges": "list[dict]", "Ipv6Ranges": "list[dict]",
               "PrefixListIds": "list[dict]", "UserIdGroupPairs": "list[dict]",
               "IpRanges[].CidrIp": "str", "Ipv6Ranges[].CidrIpv6": "str",
               "UserIdGroupPairs[].GroupId": "str", "PrefixListIds[].PrefixListId": "str"}
_ROUTE = {k: "str" for k in ("DestinationCidrBlock", "DestinationIpv6CidrBlock",
                             "DestinationPrefixListId", "GatewayId", "NatGatewayId",
                             "VpcPeeringConnectionId", "TransitGatewayId", "InstanceId",
                             "NetworkInterfaceId", "EgressOnlyInternetGatewayId", "Origin",
                             "State")}
_ENTRY = {"RuleNumber": "int", "Protocol": "str", "RuleAction": "str", "Egress": "bool",
          "CidrBlock": "str", "Ipv6CidrBlock": "str", "PortRange": "dict",
          "PortRange.From": "int", "PortRange.To": "int", "IcmpTypeCode": "dict",
          "IcmpTypeCode.Type": "int", "IcmpTypeCode.Code": "int"}
_ENI = {"NetworkInterfaceId": "str", "Attachment": "dict", "Attachment.DeviceIndex": "int",
        "Groups": "list[dict]", "Groups[].GroupId": "str", "Ipv6Addresses": "list[dict]",
        "Ipv6Addresses[].Ipv6Address": "str", "PrivateIpAddresses": "list[dict]"}
_ATTACHMENTS = {"Attachments[].VpcId": "str", "Attachments[].State": "str"}


def _under(prefix: str, spec: dict[str, str]) -> dict[str, str]:
    return {f"{prefix}.{k}": v for k, v in spec.items()}
_STATE = {"State": "dict", "State.Name": "str"}
_TGW_INFO = {"TransitGatewayId": "str", "Region": "str", "OwnerId": "str"}
FIELDS: dict[str, dict[str, str]] = {
    "Vpcs": {"CidrBlock": "str", "CidrBlockAssociationSet": "list[dict]",
             "Ipv6CidrBlockAssociationSet": "list[dict]", "IsDefault": "bool", "OwnerId": "str",
             "DhcpOptionsId": "str", "CidrBlockAssociationSet[].CidrBlock": "str",
             "CidrBlockAssociationSet[].CidrBlockState": "dict",
             "CidrBlockAssociationSet[].CidrBlockState.State": "str",
             "Ipv6CidrBlockAssociationSet[].Ipv6CidrBlock": "str",
             "Ipv6CidrBlockAssociationSet[].Ipv6CidrBlockState": "dict"},
    "Subnets": {"CidrBlock": "str", "AvailabilityZone": "str", "MapPublicIpOnLaunch": "bool",
                "Ipv6CidrBlockAssociationSet": "list[dict]", "DefaultForAz": "bool",
                "Ipv6CidrBlockAssociationSet[].Ipv6CidrBlock": "str"},
    "RouteTables": {"Associations": "list[dict]", "Routes": "list[dict]",
                    "Associations[].Main": "bool", "Associations[].SubnetId": "str",
                    "Associations[].GatewayId": "str", "Associations[].AssociationState": "dict",
                    "Associations[].AssociationState.State": "str",
                    "PropagatingVgws": "list[dict]", "PropagatingVgws[].GatewayId": "str",
                    **_under("Routes[]", _ROUTE)},
    "SecurityGroups": {"GroupName": "str", "Description": "str",
                       "IpPermissions": "list[dict]", "IpPermissionsEgress": "list[dict]",
                       **_under("IpPermissions[]", _PERMISSION),
                       **_under("IpPermissionsEgress[]", _PERMISSION)},
    "NetworkAcls": {"Associations": "list[dict]", "Entries": "list[dict]", "IsDefault": "bool",
                    "Associations[].SubnetId": "str", **_under("Entries[]", _ENTRY)},
    "InternetGateways": {"Attachments": "list[dict]", **_ATTACHMENTS},
    "EgressOnlyInternetGateways": {"Attachments": "list[dict]", **_ATTACHMENTS},
    "NatGateways": {"SubnetId": "str", "State": "str", "NatGatewayAddresses": "list[dict]",
                    "ConnectivityType": "str", "NatGatewayAddresses[].PrivateIp": "str",
                    "NatGatewayAddresses[].PublicIp": "str",
                    "NatGatewayAddresses[].IsPrimary": "bool"},
    "Instances": {"SubnetId": "str", "PrivateIpAddress": "str", "PublicIpAddress": "str",
                  "NetworkInterfaces": "list[dict]", "SecurityGroups": "list[dict]",
                  "SourceDestCheck": "bool", "SecurityGroups[].GroupId": "str",
                  **_under("NetworkInterfaces[]", _ENI), **_STATE},
    "VpcPeeringConnections": {"RequesterVpcInfo": "dict", "AccepterVpcInfo": "dict",
                              "RequesterVpcInfo.VpcId": "str", "AccepterVpcInfo.VpcId": "str",
                              "RequesterVpcInfo.PeeringOptions": "dict",
                              "AccepterVpcInfo.PeeringOptions": "dict",
                              "Status": "dict", "Status.Code": "str"},
    "TransitGateways": {"State": "str"},
    "TransitGatewayVpcAttachments": {"TransitGatewayId": "str", "SubnetIds": "list[str]",
                                     "State": "str", "Options": "dict"},
    "TransitGatewayRouteTables": {"TransitGatewayId": "str", "State": "str"},
    "TransitGatewayAttachments": {"TransitGatewayId": "str", "ResourceType": "str",
                                  "ResourceId": "str", "State": "str", "Association": "dict",
                                  "Association.TransitGatewayRouteTableId": "str",
                                  "Association.State": "str"},
    "TransitGatewayPeeringAttachments": {
        "State": "str", **_under("RequesterTgwInfo", _TGW_INFO),
        **_under("AccepterTgwInfo", _TGW_INFO), "RequesterTgwInfo": "dict",
        "AccepterTgwInfo": "dict"},
    "Routes": {"DestinationCidrBlock": "str", "TransitGatewayAttachments": "list[dict]",
               "State": "str", "Type": "str",
               "TransitGatewayAttachments[].TransitGatewayAttachmentId": "str"},
    "TransitGatewayRouteTablePropagations": {"TransitGatewayAttachmentId": "str",
                                             "State": "str"},
    "DhcpOptions": {"DhcpConfigurations": "list[dict]", "DhcpConfigurations[].Key": "str",
                    "DhcpConfigurations[].Values": "list[dict]"},
    "ResolverEndpoints": {"Name": "str", "HostVPCId": "str", "Direction": "str",
                          "SecurityGroupIds": "list[str]"},
    "ResolverRules": {"Name": "str", "DomainName": "str", "RuleType": "str",
                      "TargetIps": "list[dict]", "ResolverEndpointId": "str",
                      "TargetIps[].Ip": "str", "TargetIps[].Port": "int"},
    "ResolverRuleAssociations": {"ResolverRuleId": "str", "VPCId": "str", "Status": "str"},
    **extras.FIELDS,
}
_TYPES: dict[str, type] = {"str": str, "bool": bool, "int": int, "dict": dict,
                           "list[dict]": dict, "list[str]": str}
_WORDS = {"str": "a string", "bool": "true or false", "int": "a number", "dict": "a mapping",
          "list[dict]": "a list of mappings", "list[str]": "a list of strings"}


def field_problems(item: Any, spec: dict[str, str]) -> list[tuple[str, str]]:
    """(field, expected) for each field of ``spec`` that ``item`` has with another type. A
    spec path is dotted; ``a[]`` steps into each element of the list ``a``."""
    if not isinstance(item, dict):
        return [("", "a mapping")]
    out = []
    for path, kind in spec.items():
        for where, value in _values_at(item, path.split("."), ""):
            if not _is(value, kind):
                out.append((where, _WORDS[kind]))
    return out


def _values_at(value: Any, steps: list[str], where: str) -> Iterable[tuple[str, Any]]:
    if not steps:
        if value is not None:
            yield where, value
        return
    step, rest = steps[0], steps[1:]
    key = step.removesuffix("[]")
    if not isinstance(value, dict) or value.get(key) is None:
        return
    here = f"{where}.{key}" if where else key
    if step.endswith("[]"):
        if isinstance(value[key], list):
            for n, element in enumerate(value[key]):
                yield from _values_at(element, rest, f"{here}[{n}]")
    else:
        yield from _values_at(value[key], rest, here)


def _is(value: Any, kind: str) -> bool:
    want = _TYPES[kind]
    if kind.startswith("list"):
        return isinstance(value, list) and all(isinstance(v, want) for v in value)
    return isinstance(value, want) and not (want is int and isinstance(value, bool))


def _ident(item: Any, index: int) -> str:
    """The item's own id (its first ``...Id``, else ``...Name`` or ``...Arn``) or its index."""
    if isinstance(item, dict):
        for suffix in ("Id", "Name", "Arn"):
            for key, value in item.items():
                if key.endswith(suffix) and isinstance(value, str):
                    return value
    return str(index)


def import_ec2(documents: Sequence[Document], default_region: str = "us-east-1") -> Ec2Import:
    """The topology (plain data) of the EC2 outputs, with notes and problems (module doc)."""
    r = _Reader()
    for doc in documents:
        r.read(doc)
    b = _Builder(r, default_region)
    topology = b.build() if not r.problems else {}
    return Ec2Import(topology, tuple(r.notes), tuple(r.problems), dict(b.vpc_names))


Items = list[tuple[str, str | None, dict[str, Any]]]  # (file, Region folder, item)


@dataclass
class _Live:
    """The items of each kind that are imported."""

    subnets: Items = field(default_factory=list)
    instances: Items = field(default_factory=list)
    nats: Items = field(default_factory=list)
    peerings: Items = field(default_factory=list)
    sgs: Items = field(default_factory=list)
    nacls: Items = field(default_factory=list)
    rtbs: Items = field(default_factory=list)
    igws: dict[str, str | None] = field(default_factory=dict)
    eigws: dict[str, str | None] = field(default_factory=dict)
    tgws: list[dict[str, Any]] = field(default_factory=list)


class _Builder:
    def __init__(self, r: _Reader, default_region: str) -> None:
        self.r = r
        self.default_region = default_region
        self.vpc_ids = {item["VpcId"] for _, _, item in r.of("Vpcs")}
        self.vpc_names = unique_names((i["VpcId"], tags(i).get("Name")) for _, _, i in r.of("Vpcs"))
        self.names: dict[str, dict[str, str]] = {"vpcs": self.vpc_names}
        self.aws_ids: dict[str, dict[str, str]] = {}
        self.sg_vpc: dict[str, str] = {}  # group id -> vpc id
        self.subnet_vpc: dict[str, str] = {}  # subnet id -> vpc id
        self.eni_owner: dict[str, str] = {}  # primary ENI id -> instance id
        self.live_instances: Items = []
        self.live_nats: Items = []
        self.extras: extras.Extras | None = None
        # vpn- id -> {transit_gateway, association?, propagations?, learned} (_TgwBuilder)
        self.tgw_vpns: dict[str, dict[str, Any]] = {}

    # -- helpers
    def in_vpc(self, kind: str, source: str, item: dict[str, Any]) -> bool:
        """The item belongs to an imported VPC (else a note)."""
        vpc = item.get("VpcId")
        if vpc in self.vpc_ids:
            return True
        self.r.note(source, item[ID_KEYS[kind]],
                    f"skipped: its VPC {vpc or '(none)'} is not in the snapshot")
        return False

    def name(self, names_kind: str, ident: str) -> str:
        return self.names[names_kind][ident]

    def build(self) -> dict[str, Any]:
        live = self._select()
        vpcs, sources, regions = self._vpcs(live)
        self._gateway_flags(vpcs, live)
        self._dns_attributes(vpcs, sources)
        dns = self._resolver()
        for vid, vpc in vpcs.items():
            if self.vpc_names[vid] in dns["dhcp_options"]:
                opts = dns["dhcp_options"][self.vpc_names[vid]]  # a copy each: no YAML anchors
                vpc["dhcp_options"] = {k: list(v) if isinstance(v, list) else v
                                       for k, v in opts.items()}
        out_vpcs = []
        for vid, vpc in vpcs.items():
            vpc["region"] = regions.get(vid, self.default_region)
            for s in vpc["subnets"]:
                self._record("subnets", s.pop("aws_id"), s["name"])
            out_vpcs.append({k: val for k, val in vpc.items() if val not in ([], None)})
        common = Counter(v["region"] for v in out_vpcs).most_common(1)
        topology: dict[str, Any] = {"region": common[0][0] if common else self.default_region}
        owners = [v.get("OwnerId") for _, _, v in self.r.of("Vpcs") if v.get("OwnerId")]
        if owners:
            topology["account_id"] = str(owners[0])
        topology["vpcs"] = out_vpcs
        peerings = [self._peering(src, i) for src, _, i in live.peerings]
        if peerings:
            topology["peerings"] = peerings
        if live.tgws:
            topology["transit_gateways"] = live.tgws
        for key in ("resolver_endpoints", "resolver_rules"):
            if key in dns:
                topology[key] = dns[key]
        topology.update(self._extras_parts(out_vpcs))
        self._drop_vpn_routes(topology)
        topology["aws_ids"] = {k: dict(sorted(v.items())) for k, v in sorted(self.aws_ids.items())}
        return topology

    def _drop_vpn_routes(self, topology: dict[str, Any]) -> None:
        """A TGW route to a VPN attachment whose connection was skipped goes too (noted)."""
        kept = {c["name"] for c in topology.get("vpn_connections", [])}
        sources = {c["VpnConnectionId"]: s for s, _, c in self.r.of("VpnConnections")}
        gone = {v["name"]: (sources[c], c) for c, v in self.tgw_vpns.items()
                if v["name"] not in kept}
        for t in topology.get("transit_gateways", []):
            for rt in t["route_tables"]:
                for r in [r for r in rt["routes"] if r.get("attachment") in gone]:
                    rt["routes"].remove(r)
                    source, cid = gone[r["attachment"]]
                    self.r.note(source, cid, f"skipped with it: the static route"
                                f" {r['destination']} of transit gateway route table"
                                f" {rt['name']} to its attachment")

    def _extras_parts(self, vpcs: list[dict[str, Any]]) -> dict[str, Any]:
        """Prefix lists, endpoints, VPN and Elastic IPs (aws_import_extras)."""
        x = self.extras
        assert x is not None
        out: dict[str, Any] = {}
        if x.custom:
            out["prefix_lists"] = x.custom
        endpoints = x.vpc_endpoints({v["name"]: v for v in vpcs})
        if endpoints:
            out["vpc_endpoints"] = endpoints
        out.update(x.vpn())
        eips = x.elastic_ips()
        if eips:
            out["elastic_ips"] = eips
        return out

    def _resolver(self) -> dict[str, Any]:
        items = {k: [(src, i) for src, _, i in self.r.of(k)] for k in DNS_KEYS}
        vpc_dhcp = {v["VpcId"]: (src, str(v["DhcpOptionsId"])) for src, _, v in self.r.of("Vpcs")
                    if v.get("DhcpOptionsId")}
        return dns_parts(items, self.r.endpoint_ips, self.names, vpc_dhcp, self.r.note,
                         self.r.problem)

    def _select(self) -> _Live:
        """The items that are imported (the others are noted), each kind named (module doc)."""
        r = self.r
        live = _Live()
        live.subnets = [x for x in r.of("Subnets") if self.in_vpc("Subnets", x[0], x[2])]
        self._name("subnets", "SubnetId", live.subnets)
        subnet_ids = {i["SubnetId"] for _, _, i in live.subnets}
        self.subnet_vpc = {i["SubnetId"]: i["VpcId"] for _, _, i in live.subnets}
        live.instances = self._live_instances(subnet_ids)
        self.live_instances = live.instances
        self._name("instances", "InstanceId", live.instances)
        live.nats = self._live_nats(subnet_ids)
        self.live_nats = live.nats
        self._name("nat_gateways", "NatGatewayId", live.nats)
        live.peerings = self._live_peerings()
        self._name("peerings", "VpcPeeringConnectionId", live.peerings)
        live.sgs = [x for x in r.of("SecurityGroups")
                    if self.in_vpc("SecurityGroups", x[0], x[2])]
        self.names["security_groups"] = self._sg_names(live.sgs)
        self.sg_vpc = {i["GroupId"]: i["VpcId"] for _, _, i in live.sgs}
        live.nacls = [x for x in r.of("NetworkAcls") if self.in_vpc("NetworkAcls", x[0], x[2])]
        self._name("network_acls", "NetworkAclId", live.nacls)
        live.tgws = _TgwBuilder(self, subnet_ids).build()
        live.rtbs = [x for x in r.of("RouteTables") if self.in_vpc("RouteTables", x[0], x[2])]
        self._name("route_tables", "RouteTableId", live.rtbs)
        self.extras = extras.Extras(self)
        live.igws = self._gateways("InternetGateways", ("available", "attached"))
        live.eigws = self._gateways("EgressOnlyInternetGateways", ("attached",))
        return live

    def _name(self, kind: str, key: str, items: list[tuple[str, str | None, dict[str, Any]]]
              ) -> None:
        self.names[kind] = unique_names((i[key], tags(i).get("Name")) for _, _, i in items)

    def _vpcs(self, live: _Live) -> tuple[dict[str, dict[str, Any]], dict[str, str],
                                          dict[str, str]]:
        """vpc id -> the VPC's topology item with its parts; the file and Region of each."""
        vpcs: dict[str, dict[str, Any]] = {}
        regions: dict[str, str] = {}
        sources: dict[str, str] = {}
        for source, region, v in self.r.of("Vpcs"):
            vpcs[v["VpcId"]] = self._vpc(source, v)
            sources[v["VpcId"]] = source
            if region:
                regions[v["VpcId"]] = region
        for source, region, s in live.subnets:
            vpcs[s["VpcId"]]["subnets"].append(self._subnet(source, s))
            az = s.get("AvailabilityZone")
            if s["VpcId"] not in regions and isinstance(az, str) and len(az) > 1:
                regions[s["VpcId"]] = region or az[:-1]
        subnet_by_id = {s["aws_id"]: s for v in vpcs.values() for s in v["subnets"]}
        for source, _, n in live.nats:  # in their subnet's VPC
            vpcs[self.subnet_vpc[n["SubnetId"]]]["nat_gateways"].append(self._nat(source, n))
        for source, _, i in live.instances:
            vpcs[self.subnet_vpc[i["SubnetId"]]]["instances"].append(self._instance(source, i))
        for source, _, g in live.sgs:
            vpcs[g["VpcId"]]["security_groups"].append(self._sg(source, g))
        for source, _, a in live.nacls:
            vpcs[a["VpcId"]]["network_acls"].append(self._nacl(source, a, subnet_by_id))
        for source, _, t in live.rtbs:
            vpcs[t["VpcId"]]["route_tables"].append(
                self._route_table(source, t, subnet_by_id, live.igws, live.eigws))
        return vpcs, sources, regions

    def _gateway_flags(self, vpcs: dict[str, dict[str, Any]], live: _Live) -> None:
        for key, gateways in (("internet_gateway", live.igws),
                              ("egress_only_internet_gateway", live.eigws)):
            for vid, gw in gateways.items():
                if gw is not None and vid in vpcs:
                    vpcs[vid][key] = True
                    self._record(key + "s", gw, self.vpc_names[vid])

    def _dns_attributes(self, vpcs: dict[str, dict[str, Any]], sources: dict[str, str]) -> None:
        for vid, vpc in vpcs.items():
            attrs = self.r.dns.get(vid, {})
            vpc.update(attrs)
            missing = [k for k, attr in _DNS_ATTRS.items() if attr not in attrs]
            if missing and not vpc.get("default"):
                self.r.note(sources[vid], vid, f"{' and '.join(missing)} not saved"
                            " (describe-vpc-attribute): AWS's defaults for a VPC are used"
                            " (support true, hostnames false; private hosted zones need both"
                            " true, V81, R88)")

    def _sg_names(self, sgs: list[tuple[str, str | None, dict[str, Any]]]) -> dict[str, str]:
        """GroupName where unique in the account; else VPC-GROUPNAME (every VPC's ``default``);
        else the id with ``sg-`` replaced, since a group name may not start with sg- (V43)."""
        first = unique_names((i["GroupId"], i.get("GroupName")) for _, _, i in sgs)
        second = unique_names(
            (i["GroupId"], f"{self.vpc_names[i['VpcId']]}-{i.get('GroupName')}")
            for _, _, i in sgs if first[i["GroupId"]] == i["GroupId"])
        out = {}
        for gid, name in first.items():
            name = second.get(gid, name)
            out[gid] = "group-" + name[3:] if name.startswith("sg-") else name
        return out

    def _record(self, kind: str, ident: str, name: str) -> None:
        self.aws_ids.setdefault(kind, {})[name] = ident

    # -- resources
    def _vpc(self, source: str, v: dict[str, Any]) -> dict[str, Any]:
        vid = v["VpcId"]
        name = self.vpc_names[vid]
        self._record("vpcs", vid, name)
        blocks = [v["CidrBlock"]] if isinstance(v.get("CidrBlock"), str) else []
        for assoc in v.get("CidrBlockAssociationSet") or []:
            block = assoc.get("CidrBlock")
            state = (assoc.get("CidrBlockState") or {}).get("State", "associated")
            if state != "associated":
                self.r.note(source, f"{vid}.CidrBlockAssociationSet[{block}]",
                            f"skipped: CIDR block state {state}")
            elif block and block not in blocks:
                blocks.append(block)
        ipv6 = [a["Ipv6CidrBlock"] for a in v.get("Ipv6CidrBlockAssociationSet") or []
                if a.get("Ipv6CidrBlock")
                and (a.get("Ipv6CidrBlockState") or {}).get("State", "associated") == "associated"]
        out: dict[str, Any] = {"name": name, "region": None, "cidr_blocks": blocks,
                               "ipv6_cidr_blocks": ipv6}
        if v.get("IsDefault") is True:
            out["default"] = True
        for key in ("subnets", "route_tables", "nat_gateways", "network_acls",
                    "security_groups", "instances"):
            out[key] = []
        return out

    def _subnet(self, source: str, s: dict[str, Any]) -> dict[str, Any]:
        sid = s["SubnetId"]
        out: dict[str, Any] = {"name": self.name("subnets", sid), "cidr": s.get("CidrBlock"),
                               "aws_id": sid}
        if s.get("AvailabilityZone"):
            out["az"] = s["AvailabilityZone"]
        for a in s.get("Ipv6CidrBlockAssociationSet") or []:
            if a.get("Ipv6CidrBlock"):
                out["ipv6_cidr"] = a["Ipv6CidrBlock"]
                break
        if isinstance(s.get("MapPublicIpOnLaunch"), bool):
            out["map_public_ip_on_launch"] = s["MapPublicIpOnLaunch"]
        if s.get("DefaultForAz") is True:
            out["default_for_az"] = True
        if s.get("CidrBlock") is None:
            self.r.problem(source, sid, "MissingParameter", "CidrBlock is required")
        return out

    def _live_instances(self, subnet_ids: set[str]) -> list[tuple[str, str | None,
                                                                dict[str, Any]]]:
        out = []
        for source, region, i in self.r.of("Instances"):
            iid = i["InstanceId"]
            state = (i.get("State") or {}).get("Name", _RUNNING)
            if state in ("terminated", "shutting-down"):
                self.r.note(source, iid, f"skipped: instance state {state}")
                continue
            if i.get("SubnetId") not in subnet_ids:
                self.r.note(source, iid, f"skipped: its subnet {i.get('SubnetId')} is not in the"
                            " snapshot")
                continue
            if state != _RUNNING:
                self.r.note(source, iid, f"imported as running: its state is {state} (the model"
                            " has running and terminated only)")
            out.append((source, region, i))
        return out

    def _live_nats(self, subnet_ids: set[str]) -> list[tuple[str, str | None, dict[str, Any]]]:
        out = []
        for source, region, n in self.r.of("NatGateways"):
            state = n.get("State", "available")
            if state not in ("available", "deleted"):
                self.r.note(source, n["NatGatewayId"], f"skipped: NAT gateway state {state}")
            elif n.get("SubnetId") not in subnet_ids:
                self.r.note(source, n["NatGatewayId"], "skipped: its subnet is not in the"
                            " snapshot")
            else:
                out.append((source, region, n))
        return out

    def _live_peerings(self) -> list[tuple[str, str | None, dict[str, Any]]]:
        out = []
        for source, region, p in self.r.of("VpcPeeringConnections"):
            ends = [(p.get(k) or {}).get("VpcId") for k in ("RequesterVpcInfo", "AccepterVpcInfo")]
            missing = [e or "(none)" for e in ends if e not in self.vpc_ids]
            if missing:
                self.r.note(source, p["VpcPeeringConnectionId"],
                            f"skipped: peer VPC {', '.join(missing)} is not in the snapshot"
                            " (another account or Region: add its describe-* output)")
                continue
            out.append((source, region, p))
        return out

    def _gateways(self, kind: str, attached: tuple[str, ...]) -> dict[str, str | None]:
        """vpc id -> the attached gateway's id (None: a gateway is known but detached)."""
        key = ID_KEYS[kind]
        out: dict[str, str | None] = {}
        for source, _, g in self.r.of(kind):
            atts = g.get("Attachments") or []
            if not atts:
                self.r.note(source, g[key], "skipped: not attached to a VPC")
            for a in atts:
                vid = a.get("VpcId")
                if vid not in self.vpc_ids:
                    self.r.note(source, g[key], f"skipped: its VPC {vid} is not in the snapshot")
                elif a.get("State") in attached:
                    if out.get(vid):
                        self.r.note(source, g[key], f"skipped: {vid} already has {out[vid]}")
                    else:
                        out[vid] = g[key]
                else:
                    self.r.note(source, g[key], f"skipped: attachment state {a.get('State')}")
        return out

    def _nat(self, source: str, n: dict[str, Any]) -> dict[str, Any]:
        nid = n["NatGatewayId"]
        name = self.name("nat_gateways", nid)
        self._record("nat_gateways", nid, name)
        out: dict[str, Any] = {"name": name, "subnet": self.name("subnets", n["SubnetId"])}
        addresses = [a for a in n.get("NatGatewayAddresses") or [] if isinstance(a, dict)]
        primary = next((a for a in addresses if a.get("IsPrimary") is not False), None)
        if n.get("State") == "deleted":
            out["state"] = "deleted"
        elif primary is not None:
            if primary.get("PrivateIp"):
                out["private_ip"] = primary["PrivateIp"]
            if primary.get("PublicIp"):
                out["public_ip"] = primary["PublicIp"]
        for extra in addresses[1:]:
            self.r.note(source, f"{nid}.NatGatewayAddresses[{extra.get('PrivateIp')}]",
                        "skipped: secondary NAT gateway addresses are not modelled")
        if n.get("ConnectivityType") == "private":
            out["connectivity"] = "private"
        return out

    def _instance(self, source: str, i: dict[str, Any]) -> dict[str, Any]:
        iid = i["InstanceId"]
        name = self.name("instances", iid)
        self._record("instances", iid, name)
        out: dict[str, Any] = {"name": name, "subnet": self.name("subnets", i["SubnetId"])}
        if i.get("PrivateIpAddress"):
            out["private_ip"] = i["PrivateIpAddress"]
        if i.get("PublicIpAddress"):
            out["public_ip"] = i["PublicIpAddress"]
        groups = self._primary_eni(source, i, out) or i.get("SecurityGroups") or []
        names = []
        for g in groups:
            gid = g.get("GroupId") if isinstance(g, dict) else None
            if gid in self.names["security_groups"]:
                names.append(self.names["security_groups"][gid])
            else:
                self.r.note(source, f"{iid}.SecurityGroups[{gid}]",
                            "skipped: the group is not in the snapshot")
        out["security_groups"] = names
        if i.get("SourceDestCheck") is False:
            out["source_dest_check"] = False
        assert self.extras is not None
        self.extras.instance_parts(iid, out)  # secondary addresses and ENIs, an EIP
        return out

    def _primary_eni(self, source: str, i: dict[str, Any], out: dict[str, Any]) -> list[Any]:
        """The device-0 ENI's IPv6 address into ``out``; its groups. Its secondary addresses
        and the other ENIs come from ``aws_import_extras`` (``instance_parts``)."""
        iid = i["InstanceId"]
        enis = sorted((e for e in i.get("NetworkInterfaces") or [] if isinstance(e, dict)),
                      key=lambda e: (e.get("Attachment") or {}).get("DeviceIndex", 0))
        if not enis:
            return []
        primary = enis[0]
        if primary.get("NetworkInterfaceId"):
            self.eni_owner[primary["NetworkInterfaceId"]] = iid
        v6 = [a.get("Ipv6Address") for a in primary.get("Ipv6Addresses") or []]
        if v6 and v6[0]:
            out["ipv6_address"] = v6[0]
        return list(primary.get("Groups") or [])

    def _peering(self, source: str, p: dict[str, Any]) -> dict[str, Any]:
        pid = p["VpcPeeringConnectionId"]
        name = self.name("peerings", pid)
        self._record("peerings", pid, name)
        out: dict[str, Any] = {"name": name,
               "requester": self.vpc_names[p["RequesterVpcInfo"]["VpcId"]],
               "accepter": self.vpc_names[p["AccepterVpcInfo"]["VpcId"]]}
        status = (p.get("Status") or {}).get("Code", "active")
        if status != "active":
            out["status"] = status
        sides = [bool(((p.get(k) or {}).get("PeeringOptions") or {}).get(
            "AllowDnsResolutionFromRemoteVpc")) for k in ("RequesterVpcInfo", "AccepterVpcInfo")]
        if all(sides):
            out["allow_dns_resolution"] = True
        elif any(sides):
            self.r.note(source, pid, "AllowDnsResolutionFromRemoteVpc is on for"
                        " one side only: the model has one switch for both, left off (V61)")
        return out

    # -- security groups
    def _sg(self, source: str, g: dict[str, Any]) -> dict[str, Any]:
        gid = g["GroupId"]
        name = self.name("security_groups", gid)
        self._record("security_groups", gid, name)
        out: dict[str, Any] = {"name": name}
        if g.get("Description"):
            out["description"] = g["Description"]
        out["ingress"] = self._sg_rules(source, g, "IpPermissions", "source_group")
        # Always explicit: an empty egress list is "no egress" in AWS; omitted would be "all".
        out["egress"] = self._sg_rules(source, g, "IpPermissionsEgress", "destination_group")
        return out

    def _sg_rules(self, source: str, g: dict[str, Any], key: str,
                  group_key: str) -> list[dict[str, Any]]:
        gid = g["GroupId"]
        rules: list[dict[str, Any]] = []
        for n, perm in enumerate(g.get(key) or []):
            where = f"{gid}.{key}[{n}]"
            if not isinstance(perm, dict):
                self.r.problem(source, where, "InvalidParameterValue", "expected a mapping")
                continue
            base = self._proto_ports(source, where, perm.get("IpProtocol"),
                                     perm.get("FromPort"), perm.get("ToPort"))
            if base is None:
                continue
            for rng in perm.get("IpRanges") or []:
                rules.append(dict(base, cidr=rng.get("CidrIp")) | _desc(rng))
            for rng in perm.get("Ipv6Ranges") or []:
                rules.append(dict(base, cidr=rng.get("CidrIpv6")) | _desc(rng))
            for pl in perm.get("PrefixListIds") or []:
                assert self.extras is not None
                listed = self.extras.prefix_list(source, where, pl.get("PrefixListId"))
                if listed is not None:
                    rules.append(dict(base, prefix_list=listed) | _desc(pl))
            for pair in perm.get("UserIdGroupPairs") or []:
                ref = pair.get("GroupId")
                if ref not in self.sg_vpc:
                    self.r.note(source, where, f"skipped reference to {ref}: the group is not in"
                                " the snapshot (another account, or not saved)")
                    continue
                target: Any = self.names["security_groups"][ref]
                if self.sg_vpc[ref] != g["VpcId"]:
                    target = {"vpc": self.vpc_names[self.sg_vpc[ref]], "name": target}
                rules.append(dict(base, **{group_key: target}) | _desc(pair))
        return rules

    def _proto_ports(self, source: str, where: str, proto: Any, first: Any,
                     last: Any) -> dict[str, Any] | None:
        text = str(proto).lower() if proto is not None else None
        if text is None:
            self.r.problem(source, where, "MissingParameter", "IpProtocol is required")
            return None
        name = _PROTOCOLS.get(text)
        if name is None and not text.isdigit():
            self.r.problem(source, where, "InvalidParameterValue", f"unknown protocol {proto!r}")
            return None
        out: dict[str, Any] = {"protocol": name if name is not None else int(text)}
        if name in ("tcp", "udp"):
            out["ports"] = _ports(first, last)
        elif name in ("icmp", "icmpv6") and isinstance(first, int) and first >= 0:
            out["icmp"] = {"type": first, "code": last if isinstance(last, int) else -1}
        return out

    # -- network ACLs
    def _nacl(self, source: str, a: dict[str, Any],
              subnets: dict[str, dict[str, Any]]) -> dict[str, Any]:
        aid = a["NetworkAclId"]
        name = self.name("network_acls", aid)
        self._record("network_acls", aid, name)
        for assoc in a.get("Associations") or []:
            sid = assoc.get("SubnetId")
            if sid in subnets:
                subnets[sid]["network_acl"] = name
        out: dict[str, Any] = {"name": name, "inbound": [], "outbound": []}
        for n, e in enumerate(a.get("Entries") or []):
            where = f"{aid}.Entries[{n}]"
            if not isinstance(e, dict) or not isinstance(e.get("RuleNumber"), int):
                self.r.problem(source, where, "InvalidParameterValue",
                               "expected a mapping with a RuleNumber")
                continue
            if e["RuleNumber"] == 32767:
                continue  # the "*" rule: the evaluator's implicit deny
            pr = e.get("PortRange") or {}
            base = self._proto_ports(source, where, e.get("Protocol"), pr.get("From"),
                                     pr.get("To"))
            if base is None:
                continue
            if "icmp" in base or base["protocol"] in ("icmp", "icmpv6"):
                base.pop("icmp", None)
                itc = e.get("IcmpTypeCode") or {}
                if isinstance(itc.get("Type"), int) and itc["Type"] >= 0:
                    base["icmp"] = {"type": itc["Type"], "code": itc.get("Code", -1)}
            rule = {"rule": e["RuleNumber"], **base,
                    "cidr": e.get("CidrBlock") or e.get("Ipv6CidrBlock"),
                    "action": e.get("RuleAction")}
            out["outbound" if e.get("Egress") else "inbound"].append(rule)
        return out

    # -- route tables
    def _route_table(self, source: str, t: dict[str, Any], subnets: dict[str, dict[str, Any]],
                     igws: dict[str, str | None], eigws: dict[str, str | None]) -> dict[str, Any]:
        tid = t["RouteTableId"]
        name = self.name("route_tables", tid)
        self._record("route_tables", tid, name)
        out: dict[str, Any] = {"name": name}
        for assoc in t.get("Associations") or []:
            state = (assoc.get("AssociationState") or {}).get("State", "associated")
            if state != "associated":
                continue
            if assoc.get("Main") is True:
                out["main"] = True
            elif assoc.get("SubnetId") in subnets:
                subnets[assoc["SubnetId"]]["route_table"] = name
            elif str(assoc.get("GatewayId", "")).startswith("igw-"):
                out["edge_associations"] = ["internet_gateway"]
            elif assoc.get("GatewayId"):
                self.r.note(source, f"{tid}.Associations[{assoc.get('GatewayId')}]",
                            "skipped: only internet gateway edge associations are modelled")
        assert self.extras is not None
        vgws = [self.extras.vgws[g["GatewayId"]][0] for g in t.get("PropagatingVgws") or []
                if g.get("GatewayId") in self.extras.vgws]
        if vgws:
            out["propagating_vgws"] = vgws
        routes = []
        for n, rt in enumerate(t.get("Routes") or []):
            route = self._route(source, f"{tid}.Routes[{n}]", t["VpcId"], rt, igws, eigws)
            if route is not None:
                routes.append(route)
        out["routes"] = routes
        return out

    def _route_target(self, rt: dict[str, Any], vpc: str, igws: dict[str, str | None],
                      eigws: dict[str, str | None]) -> Any:
        """The topology target of an AWS route, or None when it is not imported."""
        gw = str(rt.get("GatewayId") or "")
        if gw.startswith("igw-"):
            return "internet_gateway" if igws.get(vpc) == gw else None
        eigw = rt.get("EgressOnlyInternetGatewayId") or (gw if gw.startswith("eigw-") else None)
        if eigw:
            return "egress_only_internet_gateway" if eigws.get(vpc) == eigw else None
        assert self.extras is not None
        if rt.get("NetworkInterfaceId") or rt.get("InstanceId"):
            eni = self.extras.eni_target(rt.get("NetworkInterfaceId"), rt.get("InstanceId"))
            if eni is not None:  # several ENIs: a route names the ENI (V166)
                return eni
        for key, kind, target in _NAMED_TARGETS:
            if rt.get(key) in self.names.get(kind, {}):
                return {target: self.names[kind][rt[key]]}
        if rt.get("NetworkInterfaceId") in self.eni_owner:
            return {"instance": self.names["instances"][self.eni_owner[rt["NetworkInterfaceId"]]]}
        return None

    def _route(self, source: str, where: str, vpc: str, rt: Any, igws: dict[str, str | None],
               eigws: dict[str, str | None]) -> dict[str, Any] | None:
        if not isinstance(rt, dict):
            self.r.problem(source, where, "InvalidParameterValue", "expected a mapping")
            return None
        dest = rt.get("DestinationCidrBlock") or rt.get("DestinationIpv6CidrBlock")
        gw = str(rt.get("GatewayId") or "")
        if gw == "local":
            return None  # AWS's local route: the loader adds it
        where = f"{where}[{dest or rt.get('DestinationPrefixListId')}]"
        assert self.extras is not None
        if dest is None and rt.get("DestinationPrefixListId"):
            if self.extras.is_endpoint_route(rt):
                return None  # the gateway endpoint's route_tables add it (V135)
            listed = self.extras.prefix_list(source, where, rt["DestinationPrefixListId"])
            if listed is None:
                return None
            target = self._route_target(rt, vpc, igws, eigws)
            if target is None:
                self.r.note(source, where, "skipped: its target is not in the snapshot or not"
                            " modelled")
                return None
            return {"destination_prefix_list": listed, "target": target}
        if dest is None:
            self.r.note(source, where, "skipped: a route without a destination")
            return None
        if rt.get("Origin") == "EnableVgwRoutePropagation":
            gw = str(rt.get("GatewayId") or "")
            if gw in self.extras.vgws:  # the loader propagates it again (propagating_vgws)
                self.extras.propagated(gw, dest)
                return None
            self.r.note(source, where, f"skipped: a route propagated from {gw}, which is not"
                        " in the snapshot (describe-vpn-gateways)")
            return None
        target = self._route_target(rt, vpc, igws, eigws)
        if target is None:
            what = next((str(rt[k]) for k in _ROUTE_TARGET_KEYS if rt.get(k)), "(no target)")
            why = ("its target is not in the snapshot or not modelled"
                   if rt.get("State") != "blackhole" else "a blackhole route whose target is gone")
            self.r.note(source, where, f"skipped route to {what}: {why}; the model routes"
                        f" {dest} by the next less specific route instead")
            return None
        if rt.get("State") == "blackhole" and not _may_blackhole(target):
            self.r.note(source, where, "AWS reports this route as blackhole but its target is"
                        " imported as available: the model forwards it")
        return {"destination": dest, "target": target}


class _TgwBuilder:
    """Transit gateways (V74-V79): gateways, their VPC attachments with the route table each is
    associated with and the tables it propagates to, and each table's static routes; peering
    attachments (V175-V177) under both gateways; a VPN attachment's association, propagations
    and propagated CIDRs go to ``_Builder.tgw_vpns`` for ``aws_import_extras.vpn``. Propagated
    routes are not copied: the loader derives them from the propagations (a propagated route
    whose attachment the propagations file lacks adds that propagation)."""

    def __init__(self, b: _Builder, subnet_ids: set[str]) -> None:
        self.b, self.r, self.subnet_ids = b, b.r, subnet_ids

    def build(self) -> list[dict[str, Any]]:
        r, b = self.r, self.b
        gws = []
        for source, _, g in r.of("TransitGateways"):
            if g.get("State", "available") != "available":
                r.note(source, g["TransitGatewayId"], f"skipped: state {g.get('State')}")
            else:
                gws.append(g)
        b.names["transit_gateways"] = unique_names((g["TransitGatewayId"], tags(g).get("Name"))
                                                   for g in gws)
        tgw_names = b.names["transit_gateways"]
        atts = [a for a in self._vpc_attachments() if a["TransitGatewayId"] in tgw_names]
        peerings = self._peerings(tgw_names)
        b.names["transit_gateway_attachments"] = unique_names(
            [(a["TransitGatewayAttachmentId"], tags(a).get("Name")) for a in atts]
            + [(p["TransitGatewayAttachmentId"], tags(p).get("Name")) for _, p in peerings])
        # a VPN attachment is named by its VPN connection (vpn_connections[].transit_gateway)
        conn_names = unique_names((c["VpnConnectionId"], tags(c).get("Name"))
                                  for _, _, c in r.of("VpnConnections"))
        tables = [t for _, _, t in r.of("TransitGatewayRouteTables")
                  if t.get("TransitGatewayId") in tgw_names
                  and t.get("State", "available") == "available"]
        b.names["transit_gateway_route_tables"] = unique_names(
            (t["TransitGatewayRouteTableId"], tags(t).get("Name")) for t in tables)
        associations = self._associations(conn_names)
        self.route_names = dict(b.names["transit_gateway_attachments"])
        self.route_names.update({aid: conn_names[cid] for aid, (_, cid) in self.vpns.items()})
        routes, propagations = self._table_documents()
        table_names = b.names["transit_gateway_route_tables"]
        for aid, (gid, cid) in self.vpns.items():
            vpn: dict[str, Any] = {"name": conn_names[cid], "transit_gateway": tgw_names[gid]}
            if associations.get((aid, gid)) in table_names:
                vpn["association"] = table_names[associations[(aid, gid)]]
            props = sorted(table_names[t] for t in propagations.get(aid, set())
                           if t in table_names)
            if props:
                vpn["propagations"] = props
            vpn["learned"] = self.learned.get(aid, [])
            b.tgw_vpns[cid] = vpn
        out = []
        for g in gws:
            gid = g["TransitGatewayId"]
            b._record("transit_gateways", gid, tgw_names[gid])
            item: dict[str, Any] = {"name": tgw_names[gid], "route_tables": [],
                                    "attachments": []}
            for t in tables:
                tid = t["TransitGatewayRouteTableId"]
                if t["TransitGatewayId"] != gid:
                    continue
                b._record("transit_gateway_route_tables", tid, table_names[tid])
                item["route_tables"].append({"name": table_names[tid],
                                             "routes": routes.get(tid, [])})
            item["attachments"] = [self._attachment(a, associations, propagations)
                                   for a in atts if a["TransitGatewayId"] == gid]
            item["attachments"] += [self._peering(p, gid, associations)
                                    for sides, p in peerings if gid in sides]
            out.append(item)
        return out

    def _peerings(self, tgw_names: dict[str, str]) -> list[tuple[tuple[str, str],
                                                                   dict[str, Any]]]:
        """describe-transit-gateway-peering-attachments (V175-V177): ((requester TGW,
        accepter TGW), attachment) of those both of whose TGWs are imported."""
        out = []
        for source, _, p in self.r.of("TransitGatewayPeeringAttachments"):
            aid = p["TransitGatewayAttachmentId"]
            state = p.get("State", "available")
            sides = tuple(str((p.get(k) or {}).get("TransitGatewayId"))
                          for k in ("RequesterTgwInfo", "AccepterTgwInfo"))
            missing = [t for t in sides if t not in tgw_names]
            if state not in tgw_peering.STATES:
                self.r.note(source, aid, f"skipped: peering attachment state {state}")
            elif missing:
                self.r.note(source, aid, f"skipped: its transit gateway {missing[0]} is not in"
                            " the snapshot (describe-transit-gateways of its account and Region)")
            else:
                out.append(((sides[0], sides[1]), p))
        return out

    def _peering(self, p: dict[str, Any], gid: str,
                 associations: dict[tuple[str, str], str]) -> dict[str, Any]:
        b = self.b
        aid = p["TransitGatewayAttachmentId"]
        name = b.names["transit_gateway_attachments"][aid]
        b._record("transit_gateway_attachments", aid, name)
        mine, other = (("RequesterTgwInfo", "AccepterTgwInfo")
                       if p["RequesterTgwInfo"]["TransitGatewayId"] == gid
                       else ("AccepterTgwInfo", "RequesterTgwInfo"))
        peer: dict[str, Any] = {
            "transit_gateway": b.names["transit_gateways"][p[other]["TransitGatewayId"]]}
        if p[other].get("Region") and p[other].get("Region") != p[mine].get("Region"):
            peer["region"] = p[other]["Region"]
        att: dict[str, Any] = {"name": name, "peer": peer}
        table = associations.get((aid, gid))
        if table in b.names["transit_gateway_route_tables"]:
            att["association"] = b.names["transit_gateway_route_tables"][table]
        if p.get("State", "available") != "available":
            att["state"] = p["State"]
        return att

    def _attachment(self, a: dict[str, Any], associations: dict[tuple[str, str], str],
                    propagations: dict[str, set[str]]) -> dict[str, Any]:
        b = self.b
        table_names = b.names["transit_gateway_route_tables"]
        aid = a["TransitGatewayAttachmentId"]
        name = b.names["transit_gateway_attachments"][aid]
        b._record("transit_gateway_attachments", aid, name)
        att: dict[str, Any] = {
            "name": name, "vpc": b.vpc_names[a["VpcId"]],
            "subnets": [b.names["subnets"][s] for s in a.get("SubnetIds") or []
                        if s in self.subnet_ids]}
        if associations.get((aid, a["TransitGatewayId"])) in table_names:
            att["association"] = table_names[associations[(aid, a["TransitGatewayId"])]]
        props = sorted(table_names[t] for t in propagations.get(aid, set()) if t in table_names)
        if props:
            att["propagations"] = props
        options = a.get("Options") or {}
        if options.get("ApplianceModeSupport") == "enable":
            att["appliance_mode"] = True
        if options.get("SecurityGroupReferencingSupport") == "enable":
            att["security_group_referencing"] = True
        return att

    def _vpc_attachments(self) -> list[dict[str, Any]]:
        out = []
        for source, _, a in self.r.of("TransitGatewayVpcAttachments"):
            aid = a["TransitGatewayAttachmentId"]
            if a.get("State", "available") != "available":
                self.r.note(source, aid, f"skipped: attachment state {a.get('State')}")
            elif a.get("VpcId") not in self.b.vpc_ids:
                self.r.note(source, aid, f"skipped: its VPC {a.get('VpcId')} is not in the"
                            " snapshot")
            else:
                out.append(a)
        return out

    def _associations(self, conn_names: dict[str, str]) -> dict[tuple[str, str], str]:
        """(attachment id, TGW id) -> associated route table id
        (describe-transit-gateway-attachments: a peering attachment is listed once per side);
        VPN attachments are kept in ``vpns``; other kinds (Direct Connect, Connect) noted."""
        out: dict[tuple[str, str], str] = {}
        tgw_names = self.b.names["transit_gateways"]
        self.vpns: dict[str, tuple[str, str]] = {}  # attachment id -> (TGW id, vpn- id)
        self.learned: dict[str, list[str]] = {}  # VPN attachment id -> CIDRs it propagated
        for source, _, a in self.r.of("TransitGatewayAttachments"):
            aid, gid = a["TransitGatewayAttachmentId"], str(a.get("TransitGatewayId"))
            kind = a.get("ResourceType", "vpc")
            if kind == "vpn":
                if a.get("State", "available") != "available" or gid not in tgw_names:
                    self.r.note(source, aid, f"skipped: VPN attachment state {a.get('State')}"
                                f" or its transit gateway {gid} is not imported")
                    continue
                if a.get("ResourceId") not in conn_names:
                    self.r.note(source, aid, f"skipped: its VPN connection {a.get('ResourceId')}"
                                " is not in the snapshot (describe-vpn-connections)")
                    continue
                self.vpns[aid] = (gid, str(a["ResourceId"]))
            elif kind not in ("vpc", "peering"):
                self.r.note(source, aid, f"skipped: {kind} attachments are not modelled")
                continue
            assoc = a.get("Association") or {}
            if assoc.get("State", "associated") == "associated" and assoc.get(
                    "TransitGatewayRouteTableId"):
                out[(aid, gid)] = assoc["TransitGatewayRouteTableId"]
        return out

    def _table_documents(self) -> tuple[dict[str, list[dict[str, Any]]], dict[str, set[str]]]:
        """table id -> static routes; attachment id -> table ids it propagates to."""
        table_names = self.b.names["transit_gateway_route_tables"]
        att_names = self.route_names
        routes: dict[str, list[dict[str, Any]]] = {}
        propagations: dict[str, set[str]] = {}
        for source, kind, items in self.r.table_docs:
            ids = [t for t in table_names if t in source]
            if len(ids) != 1:
                self.r.problem(source, kind, "InvalidRouteTableID.NotFound",
                               "which transit gateway route table this output is about is "
                               "unknown: put the tgw-rtb-... id in the file name")
                continue
            tid = ids[0]
            for n, item in enumerate(items):
                where = f"{tid}.{kind}[{n}]"
                if not isinstance(item, dict):
                    self.r.problem(source, where, "InvalidParameterValue", "expected a mapping")
                elif kind == "TransitGatewayRouteTablePropagations":
                    if item.get("State", "enabled") == "enabled":
                        propagations.setdefault(str(item.get("TransitGatewayAttachmentId")),
                                                set()).add(tid)
                else:
                    route = self._route(source, where, item, att_names)
                    if route is None:
                        continue
                    if item.get("Type") == "propagated":
                        propagations.setdefault(route["attachment"], set()).add(tid)
                        aid = next(i for i, n in att_names.items() if n == route["attachment"])
                        if aid in self.vpns:  # BGP: a CIDR of the site behind it
                            self.learned.setdefault(aid, []).append(route["destination"])
                    else:
                        routes.setdefault(tid, []).append(route)
        by_name = {name: ident for ident, name in att_names.items()}
        return routes, {by_name.get(a, a): t for a, t in propagations.items()}

    def _route(self, source: str, where: str, item: dict[str, Any],
               att_names: dict[str, str]) -> dict[str, Any] | None:
        dest = item.get("DestinationCidrBlock")
        if dest is None:
            self.r.note(source, where, "skipped: prefix-list destinations are not modelled")
            return None
        atts = [a.get("TransitGatewayAttachmentId") for a in
                item.get("TransitGatewayAttachments") or [] if isinstance(a, dict)]
        if item.get("State") == "blackhole" and not atts:
            return {"destination": dest, "blackhole": True}
        if not atts or atts[0] not in att_names:
            self.r.note(source, f"{where}[{dest}]", f"skipped: its attachment {atts[:1]} is not"
                        " imported (a kind not modelled, or not in the snapshot)")
            return None
        if len(atts) > 1:
            self.r.note(source, f"{where}[{dest}]", "only the first of its attachments is"
                        " modelled (ECMP over several attachments is not)")
        return {"destination": dest, "attachment": att_names[atts[0]]}


_ROUTE_TARGET_KEYS = ("GatewayId", "NatGatewayId", "VpcPeeringConnectionId", "TransitGatewayId",
                      "InstanceId", "NetworkInterfaceId", "EgressOnlyInternetGatewayId",
                      "CarrierGatewayId", "LocalGatewayId", "CoreNetworkArn")
# route key -> (names kind, topology target kind) for targets named in the topology
_NAMED_TARGETS = (("NatGatewayId", "nat_gateways", "nat_gateway"),
                  ("VpcPeeringConnectionId", "peerings", "peering"),
                  ("InstanceId", "instances", "instance"),
                  ("TransitGatewayId", "transit_gateways", "transit_gateway"))


def _may_blackhole(target: Any) -> bool:
    return isinstance(target, dict) and "nat_gateway" in target


def _ports(first: Any, last: Any) -> Any:
    if not isinstance(first, int) or first < 0 or (first == 0 and last == 65535):
        return "all"
    if not isinstance(last, int) or last == first:
        return first
    return f"{first}-{last}"


def _desc(item: Any) -> dict[str, Any]:
    if isinstance(item, dict) and isinstance(item.get("Description"), str) and item["Description"]:
        return {"description": item["Description"]}
    return {}
