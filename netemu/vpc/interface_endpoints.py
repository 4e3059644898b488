"""Interface VPC endpoints (AWS PrivateLink to AWS services, ``vpc_endpoints:`` items of
``type: Interface``), pure.

Name: interface_endpoints
Behaviour (PrivateLink-UG create-interface-endpoint.html, privatelink-access-aws-services.html;
  docs/behaviour.md V140-V143):
  - ``{name, vpc, service: com.amazonaws.REGION.SERVICE | SERVICE, type: Interface,
    subnets: [SUBNET], security_groups?: [SG] (the VPC's default group when omitted),
    private_dns_enabled?: true}``.
  - One endpoint network interface per subnet, at most one subnet per Availability Zone
    (``DuplicateSubnetsInSameZone``, V140). Each ENI is a model instance named
    ``vpce-NAME-AZ`` with the endpoint's security groups and an address of its subnet, so that
    trace applies security groups and NACLs to it and the data plane gives it a namespace
    answering TCP 443 (the service host), exactly as for load balancer nodes (``vpc.elb``).
  - Private DNS (V141): on by default for AWS services; it needs both ``enableDnsSupport`` and
    ``enableDnsHostnames`` on the VPC (``InvalidParameter``) and at most one endpoint of a
    service with private DNS per VPC (``InvalidParameter``, a conflicting DNS domain). With it,
    the service's public name (``sqs.REGION.amazonaws.com``; ``*.execute-api.REGION...`` for
    API Gateway) answers the endpoint ENIs' private addresses through the VPC resolver of that
    VPC only; other VPCs keep the public answer (V142).
  - The endpoint's own names (V143): a regional ``vpce-ID-RAND.SERVICE.REGION.vpce.amazonaws.com``
    answering every ENI and a zonal ``vpce-ID-RAND-AZ.SERVICE...`` per ENI. netemu answers them
    through the VPC resolver of the endpoint's VPC (AWS publishes them in public DNS).
  - An unknown service is ``InvalidServiceName``; unknown VPC, subnet, security group:
    ``InvalidVpcId.NotFound``, ``InvalidSubnetID.NotFound``, ``InvalidGroup.NotFound``.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from netemu.vpc.draft import DVpc, Report
    from netemu.vpc.model import Topology

KEY = "vpc_endpoints"
ENI_PREFIX = "vpce-"
PORT = 443
KEYS = {"name", "vpc", "service", "type", "subnets", "security_groups", "private_dns_enabled"}
# AWS services netemu offers interface endpoints for (others: InvalidServiceName)
SERVICES = ("sqs", "sns", "ssm", "ssmmessages", "ec2messages", "ec2", "execute-api", "kms",
            "secretsmanager", "logs", "monitoring", "sts", "ecr.api", "ecr.dkr", "lambda",
            "kinesis-streams", "events", "elasticloadbalancing", "dynamodb")
WILDCARD = ("execute-api",)  # private DNS name ``*.SERVICE.REGION.amazonaws.com``
DNS_TTL = 60


@dataclass(frozen=True, slots=True)
class EndpointEni:
    az: str
    subnet: str
    eni: str          # the model instance standing for the ENI
    private_ip: str
    dns_name: str     # the zonal name


@dataclass(frozen=True, slots=True)
class InterfaceEndpoint:
    name: str
    vpc: str
    service: str              # sqs
    service_name: str         # com.amazonaws.REGION.sqs
    region: str
    subnets: tuple[str, ...]
    security_groups: tuple[str, ...]
    private_dns: bool
    id: str                   # vpce-0123456789abcdef0
    dns_name: str             # the regional name
    private_dns_name: str     # sqs.REGION.amazonaws.com. (used when private_dns)
    enis: tuple[EndpointEni, ...] = ()
    path: str = ""


def eni_name(endpoint: str, az: str) -> str:
    return f"{ENI_PREFIX}{endpoint}-{az}"


def _ids(account: str, region: str, vpc: str, name: str) -> tuple[str, str]:
    digest = hashlib.sha256(f"{account}/{region}/{vpc}/{name}".encode()).hexdigest()
    return f"vpce-{digest[:17]}", digest[17:25]


def names_of(ep_id: str, rand: str, service: str, region: str) -> tuple[str, str]:
    """(regional name, private DNS name) of an endpoint (V141, V143)."""
    suffix = f"{service}.{region}"
    private = f"*.{suffix}.amazonaws.com." if service in WILDCARD else f"{suffix}.amazonaws.com."
    return f"{ep_id}-{rand}.{suffix}.vpce.amazonaws.com.", private


def zonal_name(regional: str, az: str) -> str:
    head, _, rest = regional.partition(".")
    return f"{head}-{az}.{rest}"


def _short(service: str, region: str) -> str | None:
    prefix = f"com.amazonaws.{region}."
    short = service[len(prefix):] if service.startswith(prefix) else service
    return short if short in SERVICES else None


def read(data: Any, report: Report) -> tuple[dict[str, Any], ...]:
    """The Interface items of ``vpc_endpoints`` (shape-checked); the Gateway ones are
    ``gateway_endpoints``'s."""
    if not isinstance(data, dict) or not isinstance(data.get(KEY), list):
        return ()
    region = str(data.get("region", "us-east-1"))
    out: list[dict[str, Any]] = []
    for item in data[KEY]:
        if not isinstance(item, dict) or item.get("type") != "Interface":
            continue
        if not all(isinstance(item.get(k), str) and item[k] for k in ("name", "vpc", "service")):
            continue  # gateway_endpoints reports the missing keys of every item
        path = f"{KEY}[{item['name']}]"
        ok = True
        for extra in sorted(set(item) - KEYS):
            report.add(f"{path}.{extra}", "UnknownParameter",
                       f"unknown key {extra!r} ({', '.join(sorted(KEYS))})")
            ok = False
        short = _short(str(item["service"]), region)
        if short is None:
            report.add(f"{path}.service", "InvalidServiceName",
                       f"The Vpc Endpoint Service '{item['service']}' does not exist "
                       f"(netemu's interface endpoint services: com.amazonaws.{region}."
                       f"{{{','.join(SERVICES)}}})")
            ok = False
        lists = {}
        for key in ("subnets", "security_groups"):
            value = item.get(key, [])
            if not isinstance(value, list) or not all(isinstance(s, str) for s in value) \
                    or len(set(value)) != len(value):
                report.add(f"{path}.{key}", "InvalidParameterValue",
                           f"{key} is a list of distinct names")
                ok = False
            lists[key] = value
        if ok and not lists["subnets"]:
            report.add(f"{path}.subnets", "MissingParameter",
                       "an interface endpoint needs at least one subnet (one ENI per subnet)")
            ok = False
        private = item.get("private_dns_enabled", True)
        if not isinstance(private, bool):
            report.add(f"{path}.private_dns_enabled", "InvalidParameterValue",
                       "private_dns_enabled is true or false")
            ok = False
        if ok:
            out.append({"name": item["name"], "vpc": item["vpc"], "service": short,
                        "region": region, "subnets": list(lists["subnets"]),
                        "security_groups": list(lists["security_groups"]) or ["default"],
                        "private_dns": private, "path": path})
    return tuple(out)


def check(parts: tuple[dict[str, Any], ...], vpcs: Mapping[str, DVpc], report: Report) -> None:
    """AWS's refusals that need the VPCs (V140, V141)."""
    private_seen: dict[tuple[str, str], str] = {}
    for e in parts:
        path = e["path"]
        v = vpcs.get(e["vpc"])
        if v is None:
            report.add(f"{path}.vpc", "InvalidVpcId.NotFound",
                       f"The vpc ID '{e['vpc']}' does not exist", ref=e["vpc"])
            continue
        azs = {s.name: s.az for s in v.subnets}
        taken: dict[str, str] = {}
        for sn in e["subnets"]:
            if sn not in azs:
                report.add(f"{path}.subnets", "InvalidSubnetID.NotFound",
                           f"The subnet ID '{sn}' does not exist in VPC {v.name}", ref=sn)
            elif azs[sn] in taken:
                report.add(f"{path}.subnets", "DuplicateSubnetsInSameZone",
                           f"Found another VPC endpoint subnet ({taken[azs[sn]]}) in the "
                           f"availability zone of subnet {sn}. VPC endpoint subnets should be "
                           "in different availability zones supported by the VPC endpoint "
                           "service (V140)")
            else:
                taken[azs[sn]] = sn
        groups = {g.name for g in v.security_groups} | {"default"}
        for g in e["security_groups"]:
            if g not in groups:
                report.add(f"{path}.security_groups", "InvalidGroup.NotFound",
                           f"The security group '{g}' does not exist in VPC {v.name}", ref=g)
        if not e["private_dns"]:
            continue
        if not (v.enable_dns_support and v.enable_dns_hostnames):
            report.add(f"{path}.private_dns_enabled", "InvalidParameter",
                       "Enabling private DNS requires both enableDnsSupport and "
                       f"enableDnsHostnames VPC attributes set to true for {v.name} (V141)")
        key = (v.name, e["service"])
        if key in private_seen:
            report.add(f"{path}.private_dns_enabled", "InvalidParameter",
                       "private-dns-enabled cannot be set because there is already a "
                       f"conflicting DNS domain for {e['service']}.{e['region']}.amazonaws.com "
                       f"in the VPC {v.name} (endpoint {private_seen[key]}, V141)")
        else:
            private_seen[key] = e["name"]


def eni_items(parts: tuple[dict[str, Any], ...], data: Mapping[str, Any]
              ) -> dict[str, list[dict[str, Any]]]:
    """The topology-file instance items standing for the endpoints' ENIs, per VPC (added
    before pass 1; only in subnets and with groups that exist: ``check`` reports the rest)."""
    out: dict[str, list[dict[str, Any]]] = {}
    vpcs = {v.get("name"): v for v in data.get("vpcs") or [] if isinstance(v, dict)}
    for e in parts:
        v = vpcs.get(e["vpc"])
        if not isinstance(v, dict):
            continue
        subnet_az = {s.get("name"): s.get("az") or f"{e['region']}a"
                     for s in v.get("subnets") or [] if isinstance(s, dict)}
        groups = {g.get("name") for g in v.get("security_groups") or []
                  if isinstance(g, dict)} | {"default"}
        sgs = [g for g in e["security_groups"] if g in groups] or ["default"]
        seen: set[str] = set()
        for sn in e["subnets"]:
            az = subnet_az.get(sn)
            if az is None or az in seen:
                continue
            seen.add(str(az))
            out.setdefault(e["vpc"], []).append(
                {"name": eni_name(e["name"], str(az)), "subnet": sn, "security_groups": sgs})
    return out


def attach(topology: Topology, parts: tuple[dict[str, Any], ...]) -> Topology:
    """The built endpoints, their ENIs' addresses from the built model."""
    if not parts:
        return topology
    out = []
    vpcs = {v.name: v for v in topology.vpcs}
    for e in parts:
        v = vpcs[e["vpc"]]
        ep_id, rand = _ids(topology.account_id, e["region"], e["vpc"], e["name"])
        regional, private = names_of(ep_id, rand, e["service"], e["region"])
        subnets = {s.name: s for s in v.subnets}
        enis = []
        for sn in e["subnets"]:
            az = subnets[sn].az
            inst = next(i for i in v.instances if i.name == eni_name(e["name"], az))
            enis.append(EndpointEni(az, sn, inst.name, inst.private_ip, zonal_name(regional, az)))
        out.append(InterfaceEndpoint(
            e["name"], e["vpc"], e["service"], f"com.amazonaws.{e['region']}.{e['service']}",
            e["region"], tuple(e["subnets"]), tuple(e["security_groups"]), e["private_dns"],
            ep_id, regional, private, tuple(enis), e["path"]))
    return replace(topology, interface_endpoints=tuple(out))


def zone_docs(topology: Topology) -> dict[str, list[dict[str, Any]]]:
    """Per VPC, Route 53-shaped private zones the VPC resolver serves there: the endpoints'
    own names (V143) and, with private DNS, the service's public name (V142)."""
    out: dict[str, list[dict[str, Any]]] = {}
    for ep in topology.interface_endpoints:
        ips = [{"Value": n.private_ip} for n in ep.enis]
        records = [{"Name": ep.dns_name, "Type": "A", "TTL": DNS_TTL, "ResourceRecords": ips}]
        records += [{"Name": n.dns_name, "Type": "A", "TTL": DNS_TTL,
                     "ResourceRecords": [{"Value": n.private_ip}]} for n in ep.enis]
        zones = [(ep.dns_name.split(".", 1)[1], records)]
        if ep.private_dns:
            zone = ep.private_dns_name.removeprefix("*.")
            zones.append((zone, [{"Name": ep.private_dns_name, "Type": "A", "TTL": DNS_TTL,
                                  "ResourceRecords": ips}]))
        for zone, recs in zones:
            zid = "ZVPCE" + hashlib.sha256(f"{ep.vpc}|{ep.name}|{zone}".encode()).hexdigest()[
                :15].upper()
            out.setdefault(ep.vpc, []).append({
                "HostedZone": {"Id": zid, "Name": zone,
                               "Config": {"PrivateZone": True,
                                          "Comment": f"netemu: interface endpoint {ep.name}"}},
                "VPCs": [{"VPCRegion": ep.region, "VPCId": ep.vpc}],
                "ResourceRecordSets": recs})
    return out


def resolve(topology: Topology, name: str, vpc: str | None, az: str | None
            ) -> tuple[InterfaceEndpoint, EndpointEni] | None:
    """What the VPC resolver of ``vpc`` answers for ``name`` among the interface endpoints (the
    ENI in ``az`` when there is one, the first otherwise; trace's destination by name): the
    endpoint's own names (V143) and, with private DNS, the service's public name (V142)."""
    want = name.lower().rstrip(".") + "."
    for ep in topology.interface_endpoints:
        if ep.vpc != vpc:
            continue
        for n in ep.enis:
            if want == n.dns_name:
                return ep, n
        private = ep.private_dns and (want == ep.private_dns_name or (
            ep.private_dns_name.startswith("*.") and want.endswith(ep.private_dns_name[1:])))
        if private or want == ep.dns_name:
            return ep, next((n for n in ep.enis if n.az == az), ep.enis[0])
    return None
