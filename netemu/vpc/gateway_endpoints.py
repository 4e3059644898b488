"""Gateway VPC endpoints for S3 and DynamoDB (``vpc_endpoints:``), pure.

Name: gateway_endpoints
Behaviour (PrivateLink-UG gateway-endpoints.html, vpc-endpoints-access.html; docs/behaviour.md
  V135-V137):
  - ``{name, vpc, service: s3 | dynamodb | com.amazonaws.REGION.SERVICE, type?: Gateway,
    route_tables: [NAME], policy?}``. The endpoint adds to each named route table a route whose
    destination is the service's AWS-managed prefix list and whose target is the endpoint
    (origin ``prefix-list``, V23, prefix_lists.py). Only S3 and DynamoDB have gateway
    endpoints (``InvalidServiceName``); a VPC or route table that does not exist is
    ``InvalidVpcId.NotFound`` / ``InvalidRouteTableId.NotFound``; two endpoints of the same
    service in one route table are ``RouteAlreadyExists`` (V135).
  - Traffic to the service through the endpoint keeps its private source address and needs
    no internet gateway, NAT device or public address (V136).
  - The endpoint policy (IAM JSON: ``Statement: [{Effect, Action, Resource, Principal?}]``,
    principal-free: only ``"*"``) is evaluated on a request that names its action and resource
    (``trace --service-action``, ``--service-resource``): an explicit Deny wins, then an Allow,
    else the request is implicitly denied. No policy is the default full-access policy (V137).
  - The service's host is an internet host named ``SERVICE.REGION.amazonaws.com`` whose address
    is the first entry of the prefix list + 10 (netemu's emulated range).
  - The service's public names resolve through every VPC resolver to that host (V186):
    ``s3.REGION.amazonaws.com``, ``BUCKET.s3.REGION.amazonaws.com`` (virtual-hosted style),
    for us-east-1 also the legacy global ``s3.amazonaws.com`` and ``BUCKET.s3.amazonaws.com``,
    and ``dynamodb.REGION.amazonaws.com`` (``service_names``). An interface endpoint's private
    DNS for the service (V142) is a private zone and wins inside its VPC.
"""

from __future__ import annotations

import hashlib
import ipaddress
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from netemu.vpc.prefix_lists import Lists, PrefixList, PrefixRoute, service_list_name

if TYPE_CHECKING:
    from netemu.vpc.draft import DVpc, Report

KEY = "vpc_endpoints"
SERVICES = ("s3", "dynamodb")
DEFAULT_ACTION = {"s3": "s3:GetObject", "dynamodb": "dynamodb:GetItem"}
ENDPOINT_KEYS = {"name", "vpc", "service", "type", "route_tables", "policy"}


@dataclass(frozen=True, slots=True)
class Statement:
    effect: str  # Allow | Deny
    actions: tuple[str, ...]
    resources: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class GatewayEndpoint:
    name: str
    vpc: str
    service: str  # s3 | dynamodb
    service_name: str  # com.amazonaws.REGION.SERVICE
    prefix_list: PrefixList
    route_tables: tuple[str, ...]
    policy: tuple[Statement, ...] | None  # None: the default full-access policy
    host: str  # the service host's name on the emulated AWS side
    host_ip: str
    path: str = ""


def host_of(service: str, region: str, pl: PrefixList) -> tuple[str, str]:
    net = ipaddress.IPv4Network(pl.entries[0])
    return f"{service}.{region}.amazonaws.com", str(net.network_address + 10)


def read(data: Any, lists: Lists, report: Report) -> tuple[GatewayEndpoint, ...]:
    if not isinstance(data, dict) or data.get(KEY) is None:
        return ()
    raw = data[KEY]
    if not isinstance(raw, list):
        report.add(KEY, "InvalidParameterValue", "vpc_endpoints is a list of endpoints")
        return ()
    region = str(data.get("region", "us-east-1"))
    out: list[GatewayEndpoint] = []
    for i, item in enumerate(raw):
        ep = _endpoint(item, i, region, lists, report)
        if ep is not None:
            out.append(ep)
    return tuple(out)


def _endpoint(item: Any, i: int, region: str, lists: Lists,
              report: Report) -> GatewayEndpoint | None:
    if not isinstance(item, dict) or not all(isinstance(item.get(k), str) and item[k]
                                              for k in ("name", "vpc", "service")):
        report.add(f"{KEY}[{i}]", "MissingParameter",
                   "an endpoint is {name, vpc, service, type?, route_tables, policy?}")
        return None
    path = f"{KEY}[{item['name']}]"
    if item.get("type") == "Interface":
        return None  # interface_endpoints.py reads these
    for extra in sorted(set(item) - ENDPOINT_KEYS):
        report.add(f"{path}.{extra}", "UnknownParameter",
                   f"unknown key {extra!r} ({', '.join(sorted(ENDPOINT_KEYS))})")
    kind = item.get("type", "Gateway")
    if kind != "Gateway":
        report.add(f"{path}.type", "InvalidParameterValue",
                   f"an endpoint's type is Gateway (S3, DynamoDB) or Interface, not {kind!r}")
        return None
    service = str(item["service"])
    short = service.rsplit(".", 1)[-1]
    if short not in SERVICES or service not in (short, service_list_name(region, short)):
        report.add(f"{path}.service", "InvalidServiceName",
                   f"The Vpc Endpoint Service '{service}' does not exist: gateway endpoints "
                   f"serve com.amazonaws.{region}.s3 and com.amazonaws.{region}.dynamodb (V135)")
        return None
    tables = item.get("route_tables", [])
    if not isinstance(tables, list) or not all(isinstance(t, str) for t in tables) \
            or len(set(tables)) != len(tables):
        report.add(f"{path}.route_tables", "InvalidParameterValue",
                   "route_tables is a list of distinct route table names")
        return None
    policy = _policy(item.get("policy"), f"{path}.policy", report)
    pl = lists.find(service_list_name(region, short))
    assert pl is not None  # the managed lists always hold both services
    host, ip = host_of(short, region, pl)
    return GatewayEndpoint(item["name"], item["vpc"], short, service_list_name(region, short),
                           pl, tuple(tables), policy, host, ip, path)


def _strings(value: Any) -> tuple[str, ...] | None:
    if isinstance(value, str):
        return (value,)
    if isinstance(value, list) and value and all(isinstance(v, str) for v in value):
        return tuple(value)
    return None


def _policy(raw: Any, path: str, report: Report) -> tuple[Statement, ...] | None:
    if raw is None:
        return None
    stmts = raw.get("Statement") if isinstance(raw, dict) else None
    if isinstance(stmts, dict):
        stmts = [stmts]
    if not isinstance(stmts, list):
        report.add(path, "MalformedPolicyDocument",
                   "an endpoint policy is {Version?, Statement: [{Effect, Action, Resource}]}")
        return None
    out: list[Statement] = []
    for k, s in enumerate(stmts):
        where = f"{path}.Statement[{k}]"
        if not isinstance(s, dict) or s.get("Effect") not in ("Allow", "Deny"):
            report.add(where, "MalformedPolicyDocument", "Effect is Allow or Deny")
            continue
        if s.get("Principal", "*") not in ("*", {"AWS": "*"}):
            report.add(f"{where}.Principal", "InvalidParameterValue",
                       "netemu evaluates principal-free endpoint policies: Principal is \"*\"")
            continue
        actions, resources = _strings(s.get("Action")), _strings(s.get("Resource"))
        if actions is None or resources is None:
            report.add(where, "MalformedPolicyDocument",
                       "a statement names Action and Resource (a string or a list of them)")
            continue
        extra = set(s) - {"Sid", "Effect", "Action", "Resource", "Principal"}
        if extra:
            report.add(f"{where}.{sorted(extra)[0]}", "MalformedPolicyDocument",
                       "netemu's endpoint policies use Sid, Effect, Principal, Action, Resource")
        out.append(Statement(s["Effect"], actions, resources))
    return tuple(out)


def check(endpoints: tuple[GatewayEndpoint, ...], vpcs: dict[str, DVpc],
          report: Report) -> None:
    seen: dict[tuple[str, str, str], str] = {}
    for ep in endpoints:
        v = vpcs.get(ep.vpc)
        if v is None:
            report.add(f"{ep.path}.vpc", "InvalidVpcId.NotFound",
                       f"The vpc ID '{ep.vpc}' does not exist", ref=ep.vpc)
            continue
        names = {t.name for t in v.route_tables}
        for t in ep.route_tables:
            if t not in names:
                report.add(f"{ep.path}.route_tables", "InvalidRouteTableId.NotFound",
                           f"The routeTable ID '{t}' does not exist in VPC {ep.vpc}", ref=t)
            elif (ep.vpc, t, ep.service) in seen:
                report.add(f"{ep.path}.route_tables", "RouteAlreadyExists",
                           f"route table {t} already has a route to {ep.prefix_list.id} "
                           f"({ep.service_name}) through endpoint "
                           f"{seen[(ep.vpc, t, ep.service)]} (V135)")
            else:
                seen[(ep.vpc, t, ep.service)] = ep.name


def routes(endpoints: tuple[GatewayEndpoint, ...]) -> list[PrefixRoute]:
    from netemu.vpc.model import RouteTarget

    return [PrefixRoute(ep.vpc, t, ep.path, ep.prefix_list, RouteTarget("vpc_endpoint", ep.name))
            for ep in endpoints for t in ep.route_tables]


def with_hosts(data: Any, endpoints: tuple[GatewayEndpoint, ...]) -> Any:
    """The service hosts of the endpoints' services join ``internet.hosts``."""
    if not endpoints or not isinstance(data, dict):
        return data
    inet = dict(data["internet"]) if isinstance(data.get("internet"), dict) else {}
    hosts = list(inet.get("hosts") or [])
    names = {h.get("name") for h in hosts if isinstance(h, dict)}
    for ep in endpoints:
        if ep.host not in names:
            hosts.append({"name": ep.host, "ip": ep.host_ip})
            names.add(ep.host)
    return dict(data, internet=dict(inet, hosts=hosts))



def service_names(endpoints: tuple[GatewayEndpoint, ...]) -> list[dict[str, Any]]:
    """V186: the public names of the endpoints' services, as service zone entries
    (``{zone_id, domain, name, values}``, what ``route53.resources.service_zone_docs`` takes):
    one zone per name the service answers under, with the apex and (S3, virtual-hosted style
    buckets) a wildcard, all answering the service host's address."""
    out: list[dict[str, Any]] = []
    seen: set[str] = set()
    for ep in endpoints:
        if ep.host in seen:
            continue
        seen.add(ep.host)
        region = ep.service_name.split(".")[2]
        domains = [ep.host]
        if ep.service == "s3" and region == "us-east-1":
            domains.append("s3.amazonaws.com")   # the legacy global endpoint is us-east-1
        for domain in domains:
            zone_id = "ZAWS" + hashlib.sha256(domain.encode()).hexdigest()[:16].upper()
            names = [domain] + ([f"*.{domain}"] if ep.service == "s3" else [])
            out.extend({"zone_id": zone_id, "domain": domain + ".", "name": name + ".",
                        "values": [ep.host_ip]} for name in names)
    return out


def _glob(pattern: str, text: str, fold: bool) -> bool:
    rx = "".join(".*" if c == "*" else "." if c == "?" else re.escape(c) for c in pattern)
    return re.fullmatch(rx, text, re.IGNORECASE if fold else 0) is not None


def evaluate(ep: GatewayEndpoint, action: str, resource: str) -> tuple[bool, str]:
    """(allowed, why) for one request through the endpoint (V137)."""
    return evaluate_policy(ep.name, ep.policy, action, resource)


def evaluate_policy(name: str, policy: tuple[Statement, ...] | None, action: str,
                    resource: str) -> tuple[bool, str]:
    """(allowed, why) for one request through endpoint ``name`` with ``policy`` (V137): what
    ``trace`` and the data plane's S3/DynamoDB hosts both call."""
    if policy is None:
        return True, f"endpoint {name} has the default policy (full access)"
    allowed: int | None = None
    for n, s in enumerate(policy):
        if any(_glob(a, action, True) for a in s.actions) and any(
                _glob(r, resource, False) for r in s.resources):
            if s.effect == "Deny":
                return False, (f"statement {n} of endpoint {name}'s policy denies {action} "
                               f"on {resource} (an explicit Deny wins, V137)")
            if allowed is None:
                allowed = n
    if allowed is not None:
        return True, (f"statement {allowed} of endpoint {name}'s policy allows {action} on "
                      f"{resource}")
    return False, (f"no statement of endpoint {name}'s policy allows {action} on {resource}: "
                   "implicitly denied (V137)")


def policy_data(policy: tuple[Statement, ...] | None) -> list[dict[str, Any]] | None:
    """A parsed policy as plain JSON data (None: the default policy), for a process that
    evaluates it (``policy_from_data`` reads it back)."""
    if policy is None:
        return None
    return [{"effect": s.effect, "actions": list(s.actions), "resources": list(s.resources)}
            for s in policy]


def policy_from_data(data: list[dict[str, Any]] | None) -> tuple[Statement, ...] | None:
    if data is None:
        return None
    return tuple(Statement(str(d["effect"]), tuple(d["actions"]), tuple(d["resources"]))
                 for d in data)
