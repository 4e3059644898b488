"""AWS resources behind alias records, pure: which alias targets name an AWS service (Elastic
Load Balancing, S3 website endpoints, CloudFront) by the service's fixed hosted-zone id, the
rules Route 53 applies to them, and the public hosted zones netemu serves for them.

- R161: an alias to a load balancer names the ELB hosted-zone id of the load balancer's Region
  and type (Application/Classic and Network columns of the ELB endpoints table), with the load
  balancer's DNS name; an alias to an S3 website endpoint names the endpoint of the bucket's
  Region (``s3-website-us-east-1.amazonaws.com`` / ``s3-website.eu-central-1.amazonaws.com``)
  and that endpoint's zone id; CloudFront's zone id is ``Z2FDTNDATAQYW2`` for every
  distribution. A name that does not belong to the service (or Region) of the zone id is
  refused as Route 53 refuses an alias whose name is not in the target zone.
- R163: CloudFront aliases cannot be created in a private hosted zone.
- R162: netemu answers a service name from a *service zone*: a public hosted zone named after
  the service's domain (``us-east-1.elb.amazonaws.com.``, ``elb.us-east-1.amazonaws.com.``,
  ``s3-website-us-east-1.amazonaws.com.``) whose id is the service's zone id, built by the edge
  that knows the resources (the VPC resolver, from the applied topology). An alias into it is
  followed like an alias inside a zone; its records carry the TTL 60 that ELB's and S3's names
  have.
- R164: EvaluateTargetHealth on an alias to a load balancer follows the load balancer's target
  health: the load balancer's record in the service zone has the health check id
  ``elb_health_id(NAME)``, unhealthy when no target of the load balancer is healthy in any
  enabled AZ; its values are the nodes of the AZs that have a healthy target (all nodes when
  none has: the name still answers).
Without such a zone (no topology applied), a valid alias to a service answers nothing and is
unhealthy for EvaluateTargetHealth.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from netemu.route53 import names
from netemu.route53.model import AliasTarget, HostedZone, ZoneSet

# R161: ELB endpoints table (Application/Classic, Network), per Region.
ELB_ZONE_IDS: dict[str, tuple[str, str]] = {
    "us-east-1": ("Z35SXDOTRQ7X7K", "Z26RNL4JYFTOTI"),
    "us-east-2": ("Z3AADJGX6KTTL2", "ZLMOA37VPKANP"),
    "us-west-1": ("Z368ELLRRE2KJ0", "Z24FKFUX50B4VW"),
    "us-west-2": ("Z1H1FL5HABSF5", "Z18D5FSROUN65G"),
    "eu-west-1": ("Z32O12XQLNTSW2", "Z2IFOLAFXWLO4F"),
    "eu-central-1": ("Z215JYRZR1TBD5", "Z3F0SRJ5LGBH90"),
    "ap-southeast-1": ("Z1LMS91P8CMLE5", "ZKVM4W9LS7TM"),
    "ap-northeast-1": ("Z14GRHDCWA56QT", "Z31USIVHYNEOWT"),
}
# R161: S3 website endpoints (endpoint name, hosted-zone id), per Region.
S3_WEBSITE: dict[str, tuple[str, str]] = {
    "us-east-1": ("s3-website-us-east-1.amazonaws.com.", "Z3AQBSTGFYJSTF"),
    "us-east-2": ("s3-website.us-east-2.amazonaws.com.", "Z2O1EMRO9K5GLX"),
    "us-west-1": ("s3-website-us-west-1.amazonaws.com.", "Z2F56UZL2M1ACD"),
    "us-west-2": ("s3-website-us-west-2.amazonaws.com.", "Z3BJ6K6RIION7M"),
    "eu-west-1": ("s3-website-eu-west-1.amazonaws.com.", "Z1BKCTXD74EZPE"),
    "eu-central-1": ("s3-website.eu-central-1.amazonaws.com.", "Z21DNDUVLTQW6Q"),
    "ap-southeast-1": ("s3-website-ap-southeast-1.amazonaws.com.", "Z3O0J2DXBE1FTB"),
    "ap-northeast-1": ("s3-website-ap-northeast-1.amazonaws.com.", "Z2M4EHUR26P7ZW"),
}
# R161: API Gateway Regional endpoints (``execute-api``), per Region (edge-optimized APIs use
# CloudFront's id), and Global Accelerator.
API_GATEWAY_ZONE_IDS: dict[str, str] = {
    "us-east-1": "Z1UJRXOUMOOFQ8", "us-east-2": "ZOJJZC49E0EPZ", "us-west-1": "Z2MUQ32089INYE",
    "us-west-2": "Z2OJLYMUO9EFXC", "eu-west-1": "ZLY8HYME6SFDD", "eu-central-1": "Z1U9ULNL0V5AJ3",
    "ap-southeast-1": "ZL327KTPIQFUL", "ap-northeast-1": "Z1YSHQZHG15GKL",
}
GLOBAL_ACCELERATOR_ZONE_ID = "Z2BJ6XQ5FK7U4H"
CLOUDFRONT_ZONE_ID = "Z2FDTNDATAQYW2"
SERVICE_TTL = 60  # the TTL of ELB's and S3's own names
ELB_HEALTH_PREFIX = "netemu-elb:"


@dataclass(frozen=True, slots=True)
class Service:
    """What a service zone id names: ``kind`` (``elb-application``, ``elb-network``,
    ``s3-website``, ``cloudfront``), its Region (None for CloudFront) and the domain of the
    names it answers (the service zone's name)."""

    kind: str
    region: str | None
    zone_id: str
    domain: str


def elb_domain(lb_type: str, region: str) -> str:
    return (f"elb.{region}.amazonaws.com." if lb_type == "network"
            else f"{region}.elb.amazonaws.com.")


def services() -> tuple[Service, ...]:
    out: list[Service] = []
    for region, (alb, nlb) in ELB_ZONE_IDS.items():
        out.append(Service("elb-application", region, alb, elb_domain("application", region)))
        out.append(Service("elb-network", region, nlb, elb_domain("network", region)))
    for region, (endpoint, zone_id) in S3_WEBSITE.items():
        out.append(Service("s3-website", region, zone_id, endpoint))
    for region, zone_id in API_GATEWAY_ZONE_IDS.items():
        out.append(Service("api-gateway", region, zone_id, f"execute-api.{region}.amazonaws.com."))
    out.append(Service("cloudfront", None, CLOUDFRONT_ZONE_ID, "cloudfront.net."))
    out.append(Service("global-accelerator", None, GLOBAL_ACCELERATOR_ZONE_ID,
                       "awsglobalaccelerator.com."))
    return tuple(out)


SERVICES = services()
SERVICE_ZONE_IDS = frozenset(s.zone_id for s in SERVICES)
HOST_KINDS = ("s3-website", "cloudfront", "api-gateway", "global-accelerator")


def host_service(kind: str, region: str, name: str | None) -> tuple[Service, str] | None:
    """The service an ``aws_services`` host plays and the DNS name it answers (None: not a
    service netemu plays there, or a name outside the service's domain). S3 website
    endpoints answer the Region's endpoint name; the others need their own name."""
    for s in SERVICES:
        if s.kind != kind or s.region not in (None, region):
            continue
        if kind == "s3-website":
            return s, s.domain
        if name is None:
            return None
        full = name.rstrip(".").lower() + "."
        if full != s.domain and names.is_subdomain(names.parse(full), names.parse(s.domain)):
            return s, full
    return None


def service_for(zone_id: str | None) -> tuple[Service, ...]:
    """The services a hosted-zone id stands for (one id may serve one domain per kind)."""
    return tuple(s for s in SERVICES if s.zone_id == zone_id)


def service_of(target: AliasTarget) -> Service | None:
    """The service an alias target names, when its zone id and DNS name agree (R161)."""
    name = names.parse(target.dns_name)
    for s in service_for(target.hosted_zone_id):
        domain = names.parse(s.domain)
        if s.kind == "s3-website" and name == domain:
            return s
        if s.kind != "s3-website" and name != domain and names.is_subdomain(name, domain):
            return s
    return None


def alias_problem(target: AliasTarget, private_zone: bool, head: str) -> str | None:
    """Route 53's refusal of an alias to a service zone id (None: acceptable), R161, R163.
    ``head``: Route 53's "Tried to create an alias that targets ..." opening."""
    found = service_of(target)
    if found is None:
        return f"{head}, but the alias target name does not lie within the target zone"
    if found.kind == "cloudfront" and private_zone:
        return "Alias resource record sets for CloudFront can't be created in a private zone."
    return None


def elb_health_id(lb: str) -> str:
    """R164: the health check id of a load balancer's record in its service zone."""
    return f"{ELB_HEALTH_PREFIX}{lb}"


def service_zone(target: AliasTarget, zoneset: ZoneSet) -> HostedZone | None:
    """R162: the service zone an alias to an AWS resource lands in, when one is loaded."""
    svc = service_of(target)
    if svc is None:
        return None
    return next((z for z in zoneset.zones if z.id == svc.zone_id and z.name == svc.domain), None)


def lb_answer(nodes: tuple[tuple[str, str], ...], healthy_azs: frozenset[str],
              cross_zone: bool) -> tuple[tuple[str, ...], bool]:
    """R164: what a load balancer's name answers and whether it is healthy. ``nodes``: (AZ,
    address) per enabled AZ; ``healthy_azs``: the AZs holding a healthy target. Healthy when
    any AZ holds a healthy target; then the nodes that can serve (every node with cross-zone
    load balancing, ALB's default; else the nodes of AZs with a healthy target); unhealthy: every
    node (the name still answers, an alias with EvaluateTargetHealth does not)."""
    if not healthy_azs:
        return tuple(ip for _az, ip in nodes), False
    serving = tuple(ip for az, ip in nodes if cross_zone or az in healthy_azs)
    return serving or tuple(ip for _az, ip in nodes), True


def service_zone_docs(entries: list[dict[str, object]]) -> list[dict[str, object]]:
    """R162: Route 53-shaped public zones answering AWS resource names. ``entries``: each
    ``{zone_id, domain, name, values}``; one zone per (zone id, domain)."""
    zones: dict[tuple[str, str], list[dict[str, object]]] = {}
    for e in entries:
        values = e["values"]
        assert isinstance(values, (list, tuple))
        zones.setdefault((str(e["zone_id"]), str(e["domain"])), []).append(
            {"Name": e["name"], "Type": "A", "TTL": SERVICE_TTL,
             "ResourceRecords": [{"Value": v} for v in values]})
    return [{"HostedZone": {"Id": zid, "Name": domain,
                            "Config": {"PrivateZone": False,
                                       "Comment": "netemu: AWS resource names (R162)"}},
             "ResourceRecordSets": records}
            for (zid, domain), records in sorted(zones.items())]


def aws_zone_docs(config: Mapping[str, Any], health: Mapping[str, Any]) -> tuple[
        list[dict[str, object]], dict[str, bool], dict[str, str]]:
    """R162, R164: the service zones' documents for the resources of ``config``
    (``vpc.elb.resource_config``) given the targets' health (``{lb: {target_group: {target:
    {state, az}}}}``, as the load balancer nodes report it), each load balancer's health by
    health check id, and the health check id of each load balancer's record name."""
    entries: list[dict[str, object]] = []
    statuses: dict[str, bool] = {}
    ids: dict[str, str] = {}
    for b in config.get("balancers", []):
        groups = health.get(b["name"], {})
        healthy_azs = frozenset(t.get("az", "") for targets in groups.values()
                                for t in targets.values() if t.get("state") == "healthy")
        values, ok = lb_answer(tuple((az, ip) for az, ip in b["nodes"]), healthy_azs,
                               b["type"] == "application")
        entries.append({"zone_id": b["zone_id"], "domain": b["domain"], "name": b["dns_name"],
                        "values": values})
        statuses[elb_health_id(b["name"])] = ok
        ids[b["dns_name"]] = elb_health_id(b["name"])
    entries.extend(config.get("services", []))
    return service_zone_docs(entries), statuses, ids
