"""The load balancer nodes' process as the data plane runs it: ``ensure`` after ``apply``
(start, or restart when what it serves changed or namespaces were recreated), ``stop`` before
``destroy``, ``health`` for ``netemu status`` and the DNS side. Like the instance metadata
service (``netemu.dataplane.imds``): its configuration is ``STATE/elb.json`` and the process
(``netemu.dataplane.elb_server``) is run by ``netemu.dataplane.service``; it writes the targets'
health to ``STATE/elb-health.json``.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from netemu.dataplane import names
from netemu.dataplane.service import Service, fingerprinted
from netemu.dataplane.state import State, state_dir
from netemu.vpc.elb import Listener, LoadBalancer
from netemu.vpc.index import index_of
from netemu.vpc.model import Topology


class ElbError(RuntimeError):
    pass


SERVICE = Service("elb", "netemu.dataplane.elb_server", "load balancer nodes", ElbError)
HEALTH_FILE = "elb-health.json"


def config(topology: Topology, prefix: str, directory: Path,
           interval_scale: float = 1.0) -> dict[str, Any]:
    """What the process serves: per node its namespace, address and listeners; the target
    groups with their targets and health checks (``interval_scale``: see ``ensure``)."""
    elb = topology.elb
    nodes = [{"namespace": names.ns_instance(prefix, lb.vpc, n.eni), "lb": lb.name,
              "type": lb.type, "az": n.az, "address": n.private_ip,
              "router": names.ns_router(prefix, lb.vpc),
              "listeners": [{"port": li.port, "protocol": li.protocol,
                             "target_group": li.target_group,
                             "sources": allowed_sources(topology, lb, li)}
                            for li in lb.listeners]}
             for lb in elb.load_balancers for n in lb.nodes]
    groups = [{"name": g.name, "protocol": g.protocol,
               "targets": [{"id": t.id, "ip": t.ip, "port": t.port, "az": t.az}
                           for t in g.targets],
               "health_check": {"protocol": g.health_check.protocol,
                                "path": g.health_check.path, "port": g.health_check.port,
                                "interval": g.health_check.interval,
                                "timeout": g.health_check.timeout,
                                "healthy_threshold": g.health_check.healthy_threshold,
                                "unhealthy_threshold": g.health_check.unhealthy_threshold,
                                "matcher": g.health_check.matcher}}
              for g in elb.target_groups]
    body: dict[str, Any] = {"nodes": nodes, "target_groups": groups,
                            "status_file": str(directory / HEALTH_FILE),
                            "ready_file": str(directory / "elb.ready")}
    if interval_scale != 1.0:
        body["interval_scale"] = interval_scale
    return fingerprinted(body)


def allowed_sources(topology: Topology, lb: LoadBalancer, li: Listener) -> list[str]:
    """The IPv4 sources the load balancer's security groups let reach ``li`` (CIDRs, and the
    members of referenced groups, V44): where the NLB's DNAT applies (``nft.nlb_ruleset``)."""
    vpc = topology.vpc(lb.vpc)
    proto = 17 if li.protocol == "UDP" else 6
    ix = index_of(topology)
    out: set[str] = set()
    for g in vpc.security_groups:
        if g.name not in lb.security_groups:
            continue
        for r in g.ingress:
            if r.stale or r.protocol not in (-1, proto) or (
                    r.ports is not None and li.port not in r.ports):
                continue
            if r.cidr is not None and ":" not in r.cidr:
                out.add(r.cidr)
            elif r.group is not None:
                out.update(a for a in ix.member_ips(r.group) if ":" not in a)
    return sorted(out)


def ensure(topology: Topology, prefix: str = names.PREFIX, directory: str | Path | None = None,
           restart: bool = False, interval_scale: float = 1.0) -> dict[str, Any] | None:
    """Make the running process serve ``topology``'s load balancers; the state record, or None
    when the topology has none. ``interval_scale`` multiplies the wait between two health
    checks of a target (the tests' way of not waiting AWS's 5 s minimum interval); timeouts and
    thresholds stay as configured. ``netemu apply`` always uses 1."""
    where = state_dir(str(directory) if directory else None)
    body = (config(topology, prefix, where, interval_scale) if topology.elb.load_balancers
            else None)
    return SERVICE.ensure(where, body, restart, stop=stop)


def stop(directory: str | Path | None = None) -> bool:
    """Stop the recorded process by its PID; True when one was running."""
    where = state_dir(str(directory) if directory else None)
    (where / HEALTH_FILE).unlink(missing_ok=True)
    return SERVICE.stop(where)


def health(directory: str | Path | None = None) -> dict[str, Any]:
    """The targets' health as the nodes last saw it: ``{lb: {target_group: {target: {state,
    reason, description, nodes}}}}`` ({} when no process runs)."""
    where = state_dir(str(directory) if directory else None)
    try:
        data: dict[str, Any] = json.loads((where / HEALTH_FILE).read_text())
    except (OSError, ValueError):
        return {}
    return data


def info(state: State) -> dict[str, Any] | None:
    """What ``status`` shows: the process, whether it runs, and the targets' health."""
    record = state.services.get(SERVICE.name)
    if not record:
        return None
    return dict(record, running=SERVICE.record_alive(record), health=health(state.path.parent))
