"""The VPC resolver process as the data plane runs it: ``ensure`` after ``apply`` (start, or
restart when what it serves changed), ``stop`` before ``destroy``, ``info`` for ``status``.

One process serves every VPC (``netemu.dns.resolver``). Its configuration is written to
``STATE/resolver.json``; the process is run by ``netemu.dataplane.service`` (recorded in the
state file as ``services.resolver``: pid, fingerprint of the configuration, log file; stopped by
that PID only while it still runs ``netemu.dns.resolver`` with this configuration).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from netemu.dataplane import names
from netemu.dataplane.plan import resolver_address
from netemu.dataplane.service import Service
from netemu.dataplane.state import State, state_dir
from netemu.route53.health import unreachable_checks
from netemu.route53.model import ZoneSet
from netemu.vpc import dns as vpc_dns
from netemu.vpc import elb as vpc_elb
from netemu.vpc import firewall as vpc_firewall
from netemu.vpc import gateway_endpoints as vpc_gateway_endpoints
from netemu.vpc import interface_endpoints as vpc_interface_endpoints
from netemu.vpc.model import Topology, Vpc


class ResolverError(RuntimeError):
    pass


SERVICE = Service("resolver", "netemu.dns.resolver", "VPC resolver", ResolverError)


def config(topology: Topology, prefix: str, zones: Sequence[str], directory: Path,
           port: int = 53, time_scale: float = 1.0, api_state: str = "") -> dict[str, Any]:
    """What the resolver process serves (plain JSON; every decision is the model's)."""
    dns = topology.dns
    eni_ns = {}
    vpcs = []
    endpoint_enis = {a.eni for e in dns.endpoints for a in e.addresses}

    def enis(vpc: Vpc) -> list[tuple[str, str | None]]:
        return [(i.private_ip, i.public_ip) for i in vpc.instances if i.name not in endpoint_enis]

    endpoint_zones = vpc_interface_endpoints.zone_docs(topology)
    for vpc in topology.vpcs:
        for inst in vpc.instances:
            eni_ns[(vpc.name, inst.name)] = names.ns_instance(prefix, vpc.name, inst.name)
        base2 = resolver_address(vpc)
        inbound = [(eni_ns[(vpc.name, a.eni)], a.ip) for e in dns.endpoints
                   if e.vpc == vpc.name and e.direction == "INBOUND" for a in e.addresses]
        peers = dns.peers_resolving(topology, vpc)
        seen = {vpc.name} | {p.name for p in peers}
        vpcs.append({
            "name": vpc.name, "region": vpc.region,
            "namespace": names.ns_router(prefix, vpc.name),
            "dns_support": vpc.enable_dns_support,
            "hostnames": vpc_dns.hostnames_active(vpc),
            "private_zones": vpc_dns.private_zones_active(vpc),
            "listen": list(vpc_dns.resolver_addresses(vpc, base2)),
            "inbound": inbound,
            "enis": enis(vpc),
            # V61: peers' names resolve to their private addresses (their Region's domain)
            "peer_enis": [(p.region, ip, pub) for p in peers for ip, pub in enis(p)],
            # V84: every other instance's public name answers its public address
            "public_names": [(v.region, pub) for v in topology.vpcs if v.name not in seen
                             for _ip, pub in enis(v) if pub],
            "dhcp_options": dns.options_for(vpc).describe(),
            # DNS Firewall: the rule groups associated with the VPC, in order, and their lists
            "firewall": vpc_firewall.vpc_config(dns.firewall, vpc.name),
            # interface endpoints' names and private DNS (V142, V143), this VPC only
            "endpoint_zones": endpoint_zones.get(vpc.name, []),
        })
    outbound = {e.name: [(eni_ns[(e.vpc, a.eni)], a.ip) for a in e.addresses]
                for e in dns.endpoints if e.direction == "OUTBOUND"}
    rules = [{"name": r.name, "domain_name": r.domain_name, "rule_type": r.rule_type,
              "targets": [{"ip": t.ip, "port": t.port} for t in r.targets],
              "endpoint": r.endpoint, "vpcs": list(r.vpcs)} for r in dns.rules]
    body: dict[str, Any] = {
        "prefix": prefix, "port": port, "account_id": topology.account_id,
        "time_scale": time_scale,
        "zones": [str(Path(z).resolve()) for z in zones],
        # the durable state of a running ``netemu serve --state DIR``, followed (or "")
        "api_state": str(Path(api_state).resolve()) if api_state else "",
        "vpcs": vpcs, "rules": rules, "outbound": outbound,
        "internet_namespace": names.ns_internet(prefix) if topology.internet_hosts else None,
        "query_log_dir": str(directory / "resolver-query-logs"),
        # R162, R164: load balancers' and AWS services' names, with the nodes' health reports
        # V186: the public names of S3 and DynamoDB answer their service hosts
        "aws_resources": _aws_resources(topology, directory),
        "ready_file": str(directory / "resolver.ready"),
        # R180: the zones' health checks are probed from the Route 53 checkers' hosts
        "health_checkers": [{"region": c.region, "namespace": names.ns_host(prefix, c.host),
                             "ip": c.ip} for c in topology.route53_checkers],
        "health_report": str(directory / "route53-health.json"),
    }
    body["fingerprint"] = hashlib.sha256(json.dumps(body, sort_keys=True).encode()).hexdigest()[:16]
    return body


def _aws_resources(topology: Topology, directory: Path) -> dict[str, Any]:
    out = dict(vpc_elb.resource_config(topology.elb),
               health_file=str(directory / "elb-health.json"))
    out["services"] = out["services"] + vpc_gateway_endpoints.service_names(
        topology.gateway_endpoints)
    return out


def notes(topology: Topology, zones: ZoneSet) -> list[str]:
    """What a user should know before asking: health checks the topology's Route 53 checkers
    cannot reach (R182), private zones no VPC of the topology will see."""
    vpcs = {v.name: v for v in topology.vpcs}
    out = []
    if topology.route53_checkers:   # R182: the checkers are on the internet
        for check_id, reason in unreachable_checks(zones.health_checks):
            out.append(f"health check {check_id} will be unhealthy: {reason}")
    for z in zones.zones:
        for a in z.vpcs if z.private else ():
            v = vpcs.get(a.vpc_id)
            if v is None:
                out.append(f"private zone {z.name} ({z.source or 'API zone ' + z.id}) is "
                           f"associated with VPC "
                           f"{a.vpc_id}, which {topology.source or 'the topology'} does not have")
            elif not vpc_dns.private_zones_active(v):
                out.append(f"private zone {z.name} is not answered in VPC {v.name}: it needs "
                           "enable_dns_support and enable_dns_hostnames (R88)")
    return out


def needed(topology: Topology) -> bool:
    return any(v.enable_dns_support for v in topology.vpcs)


def ensure(topology: Topology, prefix: str = names.PREFIX, directory: str | Path | None = None,
           zones: Sequence[str] | None = (), restart: bool = False, port: int = 53,
           time_scale: float = 1.0, api_state: str | Path | None = "") -> dict[str, Any] | None:
    """Make the running resolver serve ``topology``, ``zones`` (None: the zones it serves
    now) and the hosted zones stored in ``api_state`` (a ``netemu serve --state`` directory,
    followed as it changes; "" none; None: the one it follows now): start it, or restart it
    when its configuration changed, it died, or ``restart`` (apply recreated namespaces its
    sockets live in). Returns the state record, or None when no VPC has DNS support."""
    where = state_dir(str(directory) if directory else None)
    state = State.load(where)
    record = state.services.get(SERVICE.name)
    if zones is None:
        zones = _current_zones(record)
    if api_state is None:
        api_state = _current(record, "api_state") or ""
    if not needed(topology):
        stop(where)
        return None
    body = config(topology, prefix, zones, where, port, time_scale, str(api_state))
    if record and not restart and record.get("fingerprint") == body["fingerprint"] \
            and SERVICE.record_alive(record):
        return dict(record)
    stop(where)
    return SERVICE.start(where, body)


def _current_zones(record: dict[str, Any] | None) -> list[str]:
    return list(_current(record, "zones") or [])


def _current(record: dict[str, Any] | None, key: str) -> Any:
    """``key`` of the running resolver's configuration (None when there is none)."""
    if not record:
        return None
    try:
        return json.loads(Path(record["config"]).read_text()).get(key)
    except (OSError, ValueError, KeyError, AttributeError):
        return None


def stop(directory: str | Path | None = None) -> bool:
    """Stop the recorded resolver by its PID; True when one was running."""
    return SERVICE.stop(state_dir(str(directory) if directory else None))


def info(state: State) -> dict[str, Any] | None:
    """What ``status`` shows: the process and each VPC's resolver and DHCP options."""
    record = state.services.get(SERVICE.name)
    if not record:
        return None
    out = dict(record, running=SERVICE.record_alive(record))
    try:
        cfg = json.loads(Path(record["config"]).read_text())
    except (OSError, ValueError):
        return out
    out["vpcs"] = [{"vpc": v["name"], "resolver": v["listen"] if v["dns_support"] else [],
                    "hostnames": v["hostnames"], "dhcp_options": v["dhcp_options"]}
                   for v in cfg["vpcs"]]
    out["zones"] = cfg["zones"]
    out["api_state"] = cfg.get("api_state", "")
    return out
