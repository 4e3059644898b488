"""Interface endpoints with real packets (root): from an instance of the endpoint's VPC, ``dig``
of the service's public name through the VPC resolver answers the endpoint ENIs' private
addresses and a TCP connection to one of them on 443 reaches the service host; the endpoint's
security group turns away a client outside its source group; a second VPC without the endpoint
gets no such answer (V140, V142, V143). The trace of each flow says the same."""

from __future__ import annotations

import subprocess
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from netemu.dataplane import resolver as resolver_service
from netemu.dataplane import vpce as vpce_service
from netemu.textfile import read_data
from netemu.vpc.load import load_topology
from netemu.vpc.trace import Flow, trace
from tests.dataplane.conftest import Deployment

pytestmark = [pytest.mark.netns, pytest.mark.slow]

TOPOLOGY = Path(__file__).resolve().parents[1] / "vpc" / "data" / "interface-endpoints.yaml"
SQS = "sqs.us-east-1.amazonaws.com."
API = "abc123defg.execute-api.us-east-1.amazonaws.com."   # an API Gateway API's public name
API_PUBLIC = "203.0.113.80"


def topology() -> Any:
    """The test topology plus an API Gateway played by an internet host (``aws_services``)
    and an execute-api interface endpoint in app (private DNS ``*.execute-api...``)."""
    data = read_data(TOPOLOGY)
    data["internet"] = {"hosts": [{"name": "api-host", "ip": API_PUBLIC}]}
    data["aws_services"] = [{"service": "api-gateway", "host": "api-host",
                             "name": API.rstrip(".")}]
    data["vpc_endpoints"].append({"name": "api", "vpc": "app", "type": "Interface",
                                  "service": "com.amazonaws.us-east-1.execute-api",
                                  "subnets": ["private-a"], "security_groups": ["vpce"]})
    return load_topology(data, str(TOPOLOGY))


@pytest.fixture(scope="module")
def dep(deploy_module: Callable[[Any], Deployment]) -> Iterator[Deployment]:
    d = deploy_module(topology())
    try:
        resolver_service.ensure(d.topology, d.prefix, d.state, [])
        vpce_service.ensure(d.topology, d.prefix, d.state)
        yield d
    finally:
        vpce_service.stop(d.state)
        resolver_service.stop(d.state)


def dig(dep: Deployment, node: str, resolver: str, name: str) -> list[str]:
    out = subprocess.run(["ip", "netns", "exec", dep.node_ns(node), "dig", "+short",
                          "+time=2", "+tries=2", f"@{resolver}", name, "A"],
                         capture_output=True, text=True, timeout=30, check=False)
    return sorted(out.stdout.split())


def connect(dep: Deployment, node: str, ip: str) -> tuple[int, str]:
    out = subprocess.run(["ip", "netns", "exec", dep.node_ns(node), "curl", "-s",
                          "--max-time", "3", "-w", "\n%{http_code}", f"http://{ip}:443/"],
                         capture_output=True, text=True, timeout=30, check=False)
    body, _, code = out.stdout.rpartition("\n")
    return int(code or 0), body


def test_private_dns_name_answers_the_enis_and_443_connects_V140_V142(dep: Deployment) -> None:
    ep = dep.topology.interface_endpoints[0]
    ips = sorted(n.private_ip for n in ep.enis)
    assert dig(dep, "app/worker", "10.0.0.2", SQS) == ips
    assert dig(dep, "app/worker", "10.0.0.2", ep.dns_name) == ips            # V143
    assert dig(dep, "app/worker", "10.0.0.2", ep.enis[1].dns_name) == [ep.enis[1].private_ip]
    for ip in ips:
        code, body = connect(dep, "app/worker", ip)
        assert code == 200 and "com.amazonaws.us-east-1.sqs" in body and ep.id in body
        assert trace(dep.topology, Flow("worker", ip, "tcp", 443)).reachable


def test_endpoint_group_blocks_a_client_outside_its_source_group_V140(dep: Deployment) -> None:
    ip = dep.topology.interface_endpoints[0].enis[1].private_ip
    assert connect(dep, "app/stranger", ip)[0] == 0
    assert not trace(dep.topology, Flow("stranger", ip, "tcp", 443)).reachable


def test_other_vpc_does_not_get_the_endpoint_answer_V142(dep: Deployment) -> None:
    ips = {n.private_ip for n in dep.topology.interface_endpoints[0].enis}
    seen = dig(dep, "plain/lone", "10.1.0.2", SQS)
    assert not ips & set(seen)
    # the same resolver does answer there: the instance's own Amazon-provided name
    lone = dep.topology.vpc("plain").instances[0].private_ip
    assert dig(dep, "plain/lone", "10.1.0.2",
               f"ip-{lone.replace('.', '-')}.ec2.internal.") == [lone]


def test_api_gateway_name_private_inside_public_outside_V142(dep: Deployment) -> None:
    api = next(e for e in dep.topology.interface_endpoints if e.name == "api")
    assert dig(dep, "plain/lone", "10.1.0.2", API) == [API_PUBLIC]
    assert dig(dep, "app/worker", "10.0.0.2", API) == [api.enis[0].private_ip]
    code, body = connect(dep, "app/worker", api.enis[0].private_ip)
    assert code == 200 and "execute-api" in body
