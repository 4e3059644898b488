"""Elastic Load Balancing, pure: Application and Network Load Balancers, their listeners and
target groups (V100 to V109), and their DNS names and alias hosted-zone ids (R160, R161).

Topology file shape (new top-level keys; ``vpc.load`` calls ``read``, ``check`` and ``attach``):

  load_balancers: [{name, type: application|network (application), scheme:
                    internet-facing|internal (internet-facing), vpc, subnets: [SUBNET],
                    security_groups?: [SG] (application: the VPC's default SG when omitted),
                    listeners: [{port, protocol?, target_group}]}]
  target_groups: [{name, vpc, protocol?, port, target_type?: instance|ip (instance),
                   targets: [{id: INSTANCE|IP, port?}],
                   health_check?: {protocol?, port?, path?, interval?, timeout?,
                                   healthy_threshold?, unhealthy_threshold?, matcher?}}]

Load balancer nodes have ENIs: one node per subnet (= per enabled AZ), an instance named
``elb-NAME-AZ`` in the model with the load balancer's security groups (and, internet-facing,
a public address from Amazon's pool), so that the data plane gives it a namespace, its security
groups and NACLs apply to it and ``trace`` explains it like any ENI. A Network Load Balancer
declared without security groups filters nothing (V103): its nodes get a group ``elb-NAME``
that allows all traffic, made by netemu.
"""

from __future__ import annotations

import hashlib
import ipaddress
import re
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any

from netemu.route53 import resources

if TYPE_CHECKING:
    from netemu.vpc.draft import DVpc, Report
    from netemu.vpc.model import Topology, Vpc

NODE_PREFIX = "elb-"
TYPES = ("application", "network")
SCHEMES = ("internet-facing", "internal")
ALB_PROTOCOLS = ("HTTP", "HTTPS")
NLB_PROTOCOLS = ("TCP", "UDP", "TLS", "TCP_UDP")
TARGET_TYPES = ("instance", "ip")
LB_KEYS = ("name", "type", "scheme", "vpc", "subnets", "security_groups", "listeners")
LISTENER_KEYS = ("port", "protocol", "target_group")
TG_KEYS = ("name", "vpc", "protocol", "port", "target_type", "targets", "health_check")
TARGET_KEYS = ("id", "port")
SERVICE_KEYS = ("service", "host", "region", "name")
HC_KEYS = ("protocol", "port", "path", "interval", "timeout", "healthy_threshold",
           "unhealthy_threshold", "matcher")
NAME_RE = re.compile(r"^[A-Za-z0-9](?:[A-Za-z0-9-]{0,30}[A-Za-z0-9])?$")  # V101: 1-32

# --- model values -----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class HealthCheck:
    """A target group's health check (V106). ``port`` None: the traffic port."""

    protocol: str
    path: str = "/"
    port: int | None = None
    interval: int = 30
    timeout: int = 5
    healthy_threshold: int = 5
    unhealthy_threshold: int = 2
    matcher: str = "200"

    def matches(self, status: int) -> bool:
        """V106: the matcher is codes and ranges (``200``, ``200,202``, ``200-299``)."""
        for part in self.matcher.split(","):
            first, _, last = part.strip().partition("-")
            if int(first) <= status <= int(last or first):
                return True
        return False


@dataclass(frozen=True, slots=True)
class Target:
    """A registered target: ``id`` as the file names it (instance name or IP address)."""

    id: str
    ip: str
    port: int
    az: str
    instance: str | None = None


@dataclass(frozen=True, slots=True)
class TargetGroup:
    name: str
    vpc: str
    protocol: str
    port: int
    target_type: str
    targets: tuple[Target, ...]
    health_check: HealthCheck

    def check_port(self, target: Target) -> int:
        return self.health_check.port or target.port


@dataclass(frozen=True, slots=True)
class Listener:
    port: int
    protocol: str
    target_group: str


@dataclass(frozen=True, slots=True)
class LbNode:
    """One load balancer node: its ENI (the model instance ``eni``) in one AZ."""

    az: str
    subnet: str
    eni: str
    private_ip: str
    public_ip: str | None = None

    @property
    def address(self) -> str:
        """What the LB's DNS name answers for this node (R162)."""
        return self.public_ip or self.private_ip


@dataclass(frozen=True, slots=True)
class LoadBalancer:
    name: str
    type: str
    scheme: str
    vpc: str
    region: str
    subnets: tuple[str, ...]
    security_groups: tuple[str, ...]
    listeners: tuple[Listener, ...]
    nodes: tuple[LbNode, ...] = ()
    dns_name: str = ""
    hosted_zone_id: str = ""

    def listener(self, port: int) -> Listener | None:
        return next((li for li in self.listeners if li.port == port), None)


@dataclass(frozen=True, slots=True)
class ServiceHost:
    """An AWS service endpoint played by an internet host (``aws_services``): its DNS name
    answers the host's address from the service's zone (R162)."""

    service: str          # resources.HOST_KINDS
    region: str
    host: str
    ip: str
    dns_name: str
    zone_id: str
    domain: str = ""      # the service zone's name (resources.Service.domain)


@dataclass(frozen=True, slots=True)
class ElbConfig:
    load_balancers: tuple[LoadBalancer, ...] = ()
    target_groups: tuple[TargetGroup, ...] = ()
    services: tuple[ServiceHost, ...] = ()

    def balancer(self, name: str) -> LoadBalancer | None:
        return next((b for b in self.load_balancers if b.name == name), None)

    def target_group(self, name: str) -> TargetGroup:
        return next(t for t in self.target_groups if t.name == name)

    def node_of(self, eni: str) -> tuple[LoadBalancer, LbNode] | None:
        for b in self.load_balancers:
            for n in b.nodes:
                if n.eni == eni:
                    return b, n
        return None

    def by_dns_name(self, name: str) -> LoadBalancer | None:
        wanted = name.lower().rstrip(".") + "."
        return next((b for b in self.load_balancers if b.dns_name == wanted), None)


# --- names (R160, R161) -----------------------------------------------------------------------


def dns_name(name: str, lb_type: str, scheme: str, region: str, account: str) -> str:
    """R160: ``NAME-ID.REGION.elb.amazonaws.com`` (Application), ``NAME-ID.elb.REGION.
    amazonaws.com`` (Network), with ``internal-`` in front for an internal load balancer. The
    id is derived from the account, Region and name (AWS's is opaque)."""
    digest = hashlib.sha256(f"{account}/{region}/{lb_type}/{name}".encode()).hexdigest()
    prefix = "internal-" if scheme == "internal" else ""
    if lb_type == "network":
        return f"{prefix}{name}-{digest[:16]}.elb.{region}.amazonaws.com.".lower()
    return f"{prefix}{name}-{int(digest[:12], 16) % 10**10:010d}.{region}.elb.amazonaws.com."\
        .lower()


def hosted_zone_id(lb_type: str, region: str) -> str:
    """R161: the alias hosted-zone id of ``lb_type`` load balancers in ``region``."""
    ids = resources.ELB_ZONE_IDS.get(region, resources.ELB_ZONE_IDS["us-east-1"])
    return ids[1] if lb_type == "network" else ids[0]


def node_eni(lb: str, az: str) -> str:
    return f"{NODE_PREFIX}{lb}-{az}"


def open_group(lb: str) -> str:
    return f"{NODE_PREFIX}{lb}"


# --- reading (shape and the rules that need no other item) -----------------------------------


@dataclass
class Parts:
    balancers: list[dict[str, Any]] = field(default_factory=list)
    groups: list[dict[str, Any]] = field(default_factory=list)
    services: list[ServiceHost] = field(default_factory=list)


def _list(value: Any, path: str, report: Report) -> list[Any]:
    if value is None:
        return []
    if not isinstance(value, list):
        report.add(path, "ValidationError", f"{path} must be a list")
        return []
    return value


def _names(value: Any, path: str, report: Report) -> list[str] | None:
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        report.add(path, "ValidationError", f"{path.rsplit('.', 1)[-1]} must be a list of names")
        return None
    return list(value)


def _port(value: Any, path: str, report: Report) -> int | None:
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= 65535:
        report.add(path, "ValidationError", f"Port {value!r} is not valid: a port is 1-65535")
        return None
    return value


def _head(raw: Any, i: int, kind: str, keys: tuple[str, ...], report: Report
          ) -> tuple[str, str] | None:
    name = raw.get("name") if isinstance(raw, dict) else None
    path = f"{kind}[{name if isinstance(name, str) else i}]"
    if not isinstance(raw, dict) or not isinstance(name, str):
        report.add(path, "ValidationError", f"each item of {kind} is a mapping with a name")
        return None
    unknown = sorted(set(raw) - set(keys))
    if unknown:
        report.add(path, "UnknownParameter", f"unknown key(s) {', '.join(unknown)}; allowed: "
                   f"{', '.join(keys)}")
        return None
    if not NAME_RE.match(name):
        report.add(f"{path}.name", "ValidationError", f"Name '{name}' is not valid: at most 32 "
                   "alphanumeric characters or hyphens, not beginning or ending with a hyphen "
                   "(V101)")
        return None
    if kind == "load_balancers" and name.lower().startswith("internal-"):
        report.add(f"{path}.name", "ValidationError",
                   "Load balancer names cannot start with 'internal-' (V101)")
        return None
    if not isinstance(raw.get("vpc"), str):
        report.add(f"{path}.vpc", "ValidationError", f"{kind[:-1]} {name} needs a vpc")
        return None
    return name, path


def _choice(raw: Mapping[str, Any], key: str, choices: tuple[str, ...], default: str, path: str,
            report: Report) -> str | None:
    value = raw.get(key, default)
    if value not in choices:
        report.add(f"{path}.{key}", "ValidationError",
                   f"{key} {value!r} is not valid: one of {', '.join(choices)}")
        return None
    return str(value)


def _balancer(raw: Any, i: int, parts: Parts, report: Report) -> None:
    head = _head(raw, i, "load_balancers", LB_KEYS, report)
    if head is None:
        return
    name, path = head
    lb_type = _choice(raw, "type", TYPES, "application", path, report)
    scheme = _choice(raw, "scheme", SCHEMES, "internet-facing", path, report)
    subnets = _names(raw.get("subnets", []), f"{path}.subnets", report)
    groups = raw.get("security_groups")
    if groups is not None:
        groups = _names(groups, f"{path}.security_groups", report)
        if groups is None:
            return
    if lb_type is None or scheme is None or subnets is None:
        return
    listeners = _listeners(raw.get("listeners"), lb_type, path, report)
    if listeners is None:
        return
    if any(b["name"] == name for b in parts.balancers):
        report.add(path, "DuplicateLoadBalancerName",
                   f"A load balancer with the same name '{name}' exists")
        return
    parts.balancers.append({"name": name, "path": path, "type": lb_type, "scheme": scheme,
                            "vpc": raw["vpc"], "subnets": subnets, "security_groups": groups,
                            "listeners": listeners})


def _listeners(raw: Any, lb_type: str, path: str, report: Report) -> list[Listener] | None:
    out: list[Listener] = []
    allowed = ALB_PROTOCOLS if lb_type == "application" else NLB_PROTOCOLS
    for j, li in enumerate(_list(raw, f"{path}.listeners", report)):
        where = f"{path}.listeners[{j}]"
        if not isinstance(li, dict) or set(li) - set(LISTENER_KEYS) \
                or not isinstance(li.get("target_group"), str):
            report.add(where, "ValidationError", "a listener is {port, protocol?, target_group}")
            return None
        port = _port(li.get("port"), f"{where}.port", report)
        protocol = str(li.get("protocol", allowed[0])).upper()
        if protocol not in allowed:
            report.add(f"{where}.protocol", "UnsupportedProtocol",
                       f"Protocol '{protocol}' is not supported by {lb_type} load balancers: "
                       f"{', '.join(allowed)} (V102)")
            return None
        if port is None:
            return None
        if any(o.port == port for o in out):
            report.add(where, "DuplicateListener",
                       "A listener already exists on this port for this load balancer")
            return None
        out.append(Listener(port, protocol, li["target_group"]))
    return out


def _group(raw: Any, i: int, parts: Parts, report: Report) -> None:
    head = _head(raw, i, "target_groups", TG_KEYS, report)
    if head is None:
        return
    name, path = head
    protocol = str(raw.get("protocol", "HTTP")).upper()
    if protocol not in ALB_PROTOCOLS + NLB_PROTOCOLS:
        report.add(f"{path}.protocol", "ValidationError", f"Protocol '{protocol}' is not valid")
        return
    port = _port(raw.get("port"), f"{path}.port", report)
    target_type = _choice(raw, "target_type", TARGET_TYPES, "instance", path, report)
    hc = _health_check(raw.get("health_check", {}), protocol, f"{path}.health_check", report)
    targets: list[tuple[str, int | None]] = []
    for j, t in enumerate(_list(raw.get("targets"), f"{path}.targets", report)):
        if not isinstance(t, dict) or set(t) - set(TARGET_KEYS) or not isinstance(
                t.get("id"), str):
            report.add(f"{path}.targets[{j}]", "ValidationError", "a target is {id, port?}")
            return
        tport = t.get("port")
        if tport is not None and _port(tport, f"{path}.targets[{j}].port", report) is None:
            return
        targets.append((t["id"], tport))
    if port is None or target_type is None or hc is None:
        return
    if any(g["name"] == name for g in parts.groups):
        report.add(path, "DuplicateTargetGroupName",
                   f"A target group with the same name '{name}' exists")
        return
    parts.groups.append({"name": name, "path": path, "vpc": raw["vpc"], "protocol": protocol,
                         "port": port, "target_type": target_type, "targets": targets,
                         "health_check": hc})


def _health_check(raw: Any, protocol: str, path: str, report: Report) -> HealthCheck | None:
    """V106: AWS's defaults (HTTP: interval 30 s, timeout 5 s, healthy 5, unhealthy 2, path /,
    matcher 200; TCP: timeout 10 s) and ranges (interval 5-300, timeout 2-120, thresholds
    2-10, timeout below the interval)."""
    if not isinstance(raw, dict) or set(raw) - set(HC_KEYS):
        report.add(path, "ValidationError", f"health_check is a mapping of {', '.join(HC_KEYS)}")
        return None
    default_proto = "HTTP" if protocol in ALB_PROTOCOLS else "TCP"
    hc_proto = str(raw.get("protocol", default_proto)).upper()
    values: dict[str, int] = {}
    ranges = {"interval": (5, 300, 30), "timeout": (2, 120, 5 if hc_proto != "TCP" else 10),
              "healthy_threshold": (2, 10, 5), "unhealthy_threshold": (2, 10, 2)}
    for key, (low, high, default) in ranges.items():
        v = raw.get(key, default)
        if isinstance(v, bool) or not isinstance(v, int) or not low <= v <= high:
            report.add(f"{path}.{key}", "ValidationError",
                       f"Health check {key} must be between {low} and {high} (V106)")
            return None
        values[key] = v
    if values["timeout"] >= values["interval"]:
        report.add(f"{path}.timeout", "ValidationError",
                   "Health check interval must be greater than the timeout. (V106)")
        return None
    port_raw = raw.get("port", "traffic-port")
    port = None if port_raw == "traffic-port" else _port(port_raw, f"{path}.port", report)
    if port_raw != "traffic-port" and port is None:
        return None
    matcher = str(raw.get("matcher", "200"))
    if hc_proto not in ("HTTP", "HTTPS", "TCP") or not re.fullmatch(
            r"\d{3}(-\d{3})?(,\d{3}(-\d{3})?)*", matcher.replace(" ", "")):
        report.add(path, "ValidationError",
                   f"Health check protocol {hc_proto} / matcher {matcher!r} is not valid (V106)")
        return None
    return HealthCheck(hc_proto, str(raw.get("path", "/")), port, values["interval"],
                       values["timeout"], values["healthy_threshold"],
                       values["unhealthy_threshold"], matcher.replace(" ", ""))


def read(data: Any, report: Report) -> Parts:
    parts = Parts()
    if not isinstance(data, dict):
        return parts
    for i, raw in enumerate(_list(data.get("target_groups"), "target_groups", report)):
        before = len(parts.groups)
        _group(raw, i, parts, report)
        if len(parts.groups) == before and isinstance(raw, dict) and isinstance(
                raw.get("name"), str):
            report.broken.add(raw["name"])  # no "not found" follow-ons about a refused group
    for i, raw in enumerate(_list(data.get("load_balancers"), "load_balancers", report)):
        _balancer(raw, i, parts, report)
    for i, raw in enumerate(_list(data.get("aws_services"), "aws_services", report)):
        _service(raw, i, data, parts, report)
    return parts


def _service(raw: Any, i: int, data: Mapping[str, Any], parts: Parts, report: Report) -> None:
    """``aws_services``: {service: s3-website | cloudfront, host, region?, name?}."""
    path = f"aws_services[{i}]"
    if not isinstance(raw, dict) or set(raw) - set(SERVICE_KEYS) or not isinstance(
            raw.get("host"), str):
        report.add(path, "ValidationError", f"an AWS service is {{{', '.join(SERVICE_KEYS)}}}"
                   " with the internet host that plays it")
        return
    internet = data.get("internet") if isinstance(data.get("internet"), dict) else {}
    hosts = {h.get("name"): h.get("ip") for h in (internet or {}).get("hosts") or []
             if isinstance(h, dict)}
    ip = hosts.get(raw["host"])
    if not isinstance(ip, str):
        report.add(f"{path}.host", "ValidationError",
                   f"internet host '{raw['host']}' is not declared under internet.hosts")
        return
    region = str(raw.get("region") or data.get("region") or "us-east-1")
    kind = raw.get("service")
    name = raw.get("name") if isinstance(raw.get("name"), str) else None
    found = resources.host_service(kind, region, name) if isinstance(kind, str) else None
    if found is None:
        report.add(f"{path}.service", "ValidationError",
                   f"service {kind!r} with name {name!r} is not one netemu plays in {region}: "
                   f"{', '.join(resources.HOST_KINDS)} (all but s3-website need the name AWS "
                   "gives them, e.g. d111111abcdef8.cloudfront.net, d-abc123.execute-api."
                   f"{region}.amazonaws.com, a1234.awsglobalaccelerator.com)")
        return
    svc, dns = found
    parts.services.append(ServiceHost(str(kind), region, raw["host"], ip, dns, svc.zone_id,
                                      svc.domain))


# --- checks against the VPCs ------------------------------------------------------------------


def _subnet_azs(b: dict[str, Any], v: DVpc, report: Report) -> None:
    """V100: subnets of the VPC, one per AZ; an ALB needs two AZs, an NLB one."""
    path = b["path"]
    by_name = {s.name: s for s in v.subnets}
    azs: dict[str, str] = {}
    for sn in b["subnets"]:
        s = by_name.get(sn)
        if s is None:
            report.add(f"{path}.subnets", "SubnetNotFound",
                       f"The subnet ID '{sn}' does not exist in vpc {v.name}", ref=sn)
            return
        if s.az in azs:
            report.add(f"{path}.subnets", "InvalidConfigurationRequest",
                       "A load balancer cannot be attached to multiple subnets in the same "
                       f"Availability Zone ({azs[s.az]} and {sn} are both in {s.az}) (V100)")
            return
        azs[s.az] = sn
    if b["type"] == "application" and len(azs) < 2:
        report.add(f"{path}.subnets", "ValidationError",
                   "At least two subnets in two different Availability Zones must be specified"
                   " (V100)")
    elif not azs:
        report.add(f"{path}.subnets", "ValidationError",
                   "At least one subnet must be specified (V100)")


def _check_balancer(b: dict[str, Any], v: DVpc, groups: Mapping[str, dict[str, Any]],
                    report: Report) -> None:
    path = b["path"]
    _subnet_azs(b, v, report)
    if b["scheme"] == "internet-facing" and not any(
            g.state == "attached" for g in v.internet_gateways):
        report.add(f"{path}.scheme", "InvalidSubnet",
                   f"VPC {v.name} has no internet gateway (V104)")
    sgs = {g.name for g in v.security_groups} | {"default"}
    for g in b["security_groups"] or []:
        if g not in sgs:
            report.add(f"{path}.security_groups", "InvalidSecurityGroup",
                       f"Security group '{g}' does not exist in vpc {v.name}", ref=g)
    for j, li in enumerate(b["listeners"]):
        tg = groups.get(li.target_group)
        where = f"{path}.listeners[{j}].target_group"
        if tg is None:
            report.add(where, "TargetGroupNotFound",
                       f"One or more target groups not found: {li.target_group}",
                       ref=li.target_group)
        elif tg["vpc"] != b["vpc"]:
            report.add(where, "ValidationError", f"Target group '{tg['name']}' is in vpc "
                       f"{tg['vpc']}, not in the load balancer's vpc {b['vpc']} (V105)")
        elif (tg["protocol"] in ALB_PROTOCOLS) != (b["type"] == "application"):
            report.add(where, "IncompatibleProtocols", f"The {tg['protocol']} target group "
                       f"'{tg['name']}' cannot be used by a {b['type']} load balancer (V102)")


def _target_ip(g: dict[str, Any], tid: str, v: DVpc, where: str, report: Report
               ) -> tuple[str, str, str | None] | None:
    """(ip or "" when the instance's address is allocated later, az, instance)."""
    by_name = {s.name: s for s in v.subnets}
    if g["target_type"] == "instance":
        inst = next((i for i in v.instances if i.name == tid), None)
        if inst is None:
            report.add(where, "InvalidTarget", f"The following targets are not in the target "
                       f"group's VPC '{v.name}': '{tid}' (V105)", ref=tid)
            return None
        sub = by_name.get(inst.subnet)
        return inst.private_ip or "", sub.az if sub else "", tid
    try:
        ip = ipaddress.ip_address(tid)
    except ValueError:
        report.add(where, "ValidationError", f"'{tid}' is not an IP address (target_type ip)")
        return None
    for s in v.subnets:
        if s.cidr and ip in ipaddress.ip_network(s.cidr):
            return str(ip), s.az, None
    report.add(where, "InvalidTarget", f"The IP address '{tid}' is not in a subnet of the "
               f"target group's VPC '{v.name}' (V105)")
    return None


def check(parts: Parts, vpcs: Mapping[str, DVpc], report: Report) -> None:
    """Rules that need the VPCs: subnets and AZs, the internet gateway of an internet-facing
    load balancer, security groups, listeners' target groups, targets in the VPC."""
    groups = {g["name"]: g for g in parts.groups}
    for g in parts.groups:
        v = vpcs.get(g["vpc"])
        if v is None:
            report.add(f"{g['path']}.vpc", "ValidationError",
                       f"The vpc ID '{g['vpc']}' does not exist", ref=g["vpc"])
            continue
        for j, (tid, _port) in enumerate(g["targets"]):
            _target_ip(g, tid, v, f"{g['path']}.targets[{j}]", report)
    for b in parts.balancers:
        v = vpcs.get(b["vpc"])
        if v is None:
            report.add(f"{b['path']}.vpc", "ValidationError",
                       f"The vpc ID '{b['vpc']}' does not exist", ref=b["vpc"])
            continue
        _check_balancer(b, v, groups, report)


def node_items(parts: Parts, data: Mapping[str, Any]) -> tuple[
        dict[str, list[dict[str, Any]]], dict[str, list[dict[str, Any]]]]:
    """The topology-file instance items standing for the nodes' ENIs, and the security groups
    netemu makes for NLBs without groups, per VPC (``vpc.load`` adds them before pass 1)."""
    instances: dict[str, list[dict[str, Any]]] = {}
    groups: dict[str, list[dict[str, Any]]] = {}
    vpcs = {v.get("name"): v for v in data.get("vpcs") or [] if isinstance(v, dict)}
    for b in parts.balancers:
        v = vpcs.get(b["vpc"])
        if not isinstance(v, dict):
            continue
        subnet_az = {s.get("name"): s.get("az") for s in v.get("subnets") or []
                     if isinstance(s, dict)}
        region = v.get("region") or data.get("region") or "us-east-1"
        sgs = b["security_groups"]
        if sgs is None and b["type"] == "network":
            sgs = [open_group(b["name"])]
            groups.setdefault(b["vpc"], []).append({
                "name": open_group(b["name"]),
                "description": f"netemu: network load balancer {b['name']} has no security "
                               "group (V103)",
                "ingress": [{"protocol": "all", "cidr": "0.0.0.0/0"}]})
        for sn in b["subnets"]:
            az = subnet_az.get(sn) or f"{region}a"
            item: dict[str, Any] = {"name": node_eni(b["name"], str(az)), "subnet": sn,
                                    "security_groups": list(sgs or ["default"])}
            if b["scheme"] == "internet-facing":
                item["associate_public_ip_address"] = True
            instances.setdefault(b["vpc"], []).append(item)
    return instances, groups


def attach(topology: Topology, parts: Parts) -> Topology:
    """The loaded topology with its load balancers (node ENIs already in the VPCs)."""
    if not parts.balancers and not parts.groups and not parts.services:
        return topology
    by_vpc = {v.name: v for v in topology.vpcs}
    tgs = tuple(_target_group(g, by_vpc[g["vpc"]]) for g in parts.groups)
    lbs = tuple(_load_balancer(b, by_vpc[b["vpc"]], topology.account_id)
                for b in parts.balancers)
    return replace(topology, elb=ElbConfig(lbs, tgs, tuple(parts.services)))


def _target_group(g: dict[str, Any], v: Vpc) -> TargetGroup:
    insts = {i.name: i for i in v.instances}
    azs = {s.name: s.az for s in v.subnets}
    targets = []
    for tid, port in g["targets"]:
        inst = insts.get(tid) if g["target_type"] == "instance" else None
        if inst is not None:
            targets.append(Target(tid, inst.private_ip, port or g["port"], azs[inst.subnet], tid))
        else:
            ip = ipaddress.ip_address(tid)
            az = next(s.az for s in v.subnets if ip in ipaddress.ip_network(s.cidr))
            targets.append(Target(tid, str(ip), port or g["port"], az))
    return TargetGroup(g["name"], g["vpc"], g["protocol"], g["port"], g["target_type"],
                       tuple(targets), g["health_check"])


def _load_balancer(b: dict[str, Any], v: Vpc, account: str) -> LoadBalancer:
    insts = {i.name: i for i in v.instances}
    azs = {s.name: s.az for s in v.subnets}
    nodes = []
    for sn in b["subnets"]:
        eni = insts[node_eni(b["name"], azs[sn])]
        nodes.append(LbNode(azs[sn], sn, eni.name, eni.private_ip, eni.public_ip))
    sgs = tuple(insts[nodes[0].eni].security_groups) if nodes else ()
    return LoadBalancer(
        b["name"], b["type"], b["scheme"], b["vpc"], v.region, tuple(b["subnets"]), sgs,
        tuple(b["listeners"]), tuple(nodes),
        dns_name(b["name"], b["type"], b["scheme"], v.region, account),
        hosted_zone_id(b["type"], v.region))

def resource_config(elb: ElbConfig) -> dict[str, Any]:
    """What the DNS side needs to answer the resources' names (``resources.aws_zone_docs``):
    per load balancer its name, type, service zone and nodes; the service hosts' names."""
    return {
        "balancers": [{"name": lb.name, "type": lb.type, "zone_id": lb.hosted_zone_id,
                       "domain": resources.elb_domain(lb.type, lb.region),
                       "dns_name": lb.dns_name,
                       "nodes": [[n.az, n.address] for n in lb.nodes]}
                      for lb in elb.load_balancers],
        "services": [{"zone_id": s.zone_id, "name": s.dns_name, "values": [s.ip],
                      "domain": s.domain} for s in elb.services],
    }
