"""The S3 and DynamoDB service hosts behind gateway endpoints, as the data plane runs them
(V136, V137, V170-V172): one process, ``netemu.dataplane.aws_services_server``, listening on
plain HTTP (TCP 80, no TLS) in every service host's namespace, once per interface: ``eth0`` (the
internet) and each VPC's gateway endpoint link, so the process knows through which VPC's
endpoint a request came and applies that endpoint's policy; a request from the internet is
subject to no endpoint policy. ``ensure`` after ``apply`` (start, or restart when what it serves
changed or namespaces were recreated), ``stop`` before ``destroy``; run by
``netemu.dataplane.service`` (started and stopped by its PID).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from netemu.dataplane import names
from netemu.dataplane.plan import wiring
from netemu.dataplane.service import Service, fingerprinted
from netemu.dataplane.state import State, state_dir
from netemu.vpc import aws_requests, gateway_endpoints
from netemu.vpc.model import Topology


class AwsServicesError(RuntimeError):
    pass


SERVICE = Service("aws-services", "netemu.dataplane.aws_services_server",
                  "S3/DynamoDB service hosts", AwsServicesError)
PORT = 80  # plain HTTP: TCP 443 stays free for a client's own probe of the host


def config(topology: Topology, prefix: str, directory: Path) -> dict[str, Any]:
    """Per service host: its namespace, address, service and listeners (``eth0``: the internet,
    no endpoint; one per VPC whose endpoints lead there); per endpoint its policy and the
    subnets whose route tables send the service's traffic through it."""
    hosts: dict[str, dict[str, Any]] = {}
    for ep in topology.gateway_endpoints:
        h = hosts.setdefault(ep.host, {
            "name": ep.host, "service": ep.service, "address": ep.host_ip,
            "namespace": names.ns_host(prefix, ep.host),
            "listeners": [{"device": wiring.ETH, "vpc": None}]})
        dev = wiring.vpce_host_if(ep.vpc)
        if all(li["device"] != dev for li in h["listeners"]):
            h["listeners"].append({"device": dev, "vpc": ep.vpc})
    endpoints = [{"name": ep.name, "vpc": ep.vpc, "service": ep.service,
                  "policy": gateway_endpoints.policy_data(ep.policy),
                  "subnets": aws_requests.subnets_through(topology, ep)}
                 for ep in topology.gateway_endpoints]
    body: dict[str, Any] = {"port": PORT, "region": topology.region,
                            "account": topology.account_id,
                            "hosts": sorted(hosts.values(), key=lambda h: str(h["name"])),
                            "endpoints": endpoints,
                            "ready_file": str(directory / f"{SERVICE.name}.ready")}
    return fingerprinted(body)


def ensure(topology: Topology, prefix: str = names.PREFIX, directory: str | Path | None = None,
           restart: bool = False) -> dict[str, Any] | None:
    """Make the running process serve ``topology``'s gateway endpoints' services; the state
    record, or None when the topology has no gateway endpoint."""
    where = state_dir(str(directory) if directory else None)
    body = config(topology, prefix, where) if topology.gateway_endpoints else None
    return SERVICE.ensure(where, body, restart)


def stop(directory: str | Path | None = None) -> bool:
    """Stop the recorded process by its PID; True when one was running."""
    return SERVICE.stop(state_dir(str(directory) if directory else None))


def info(state: State) -> dict[str, Any] | None:
    """What ``status`` shows: the process, whether it runs, the hosts it answers as."""
    record = state.services.get(SERVICE.name)
    if not record:
        return None
    out = dict(record, running=SERVICE.record_alive(record), port=PORT)
    try:
        hosts = json.loads(Path(record["config"]).read_text())["hosts"]
        out["hosts"] = [f"{h['name']} ({h['address']})" for h in hosts]
    except (OSError, ValueError, KeyError, TypeError):
        out["hosts"] = []
    return out
