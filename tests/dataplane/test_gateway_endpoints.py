"""Gateway endpoints on real packets (root, namespaces): a private subnet with no internet
gateway and no NAT reaches the S3 and DynamoDB hosts over TCP through its gateway endpoints,
its private source address kept, while an internet host outside the prefix lists stays out of
reach, and the service cannot open a connection into the VPC; each verdict agrees with
``vpc.trace`` (V135, V136). The endpoint policy (V137) is not enforced on packets: it decides
by bucket and action, which a TCP packet does not carry (it would take an HTTP proxy at the
endpoint); ``trace`` explains it (tests/vpc)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
import yaml

from netemu.vpc.load import load_topology
from netemu.vpc.model import Topology
from netemu.vpc.trace import Flow, trace
from tests.dataplane.conftest import Deployment
from tests.dataplane.probe import probe

pytestmark = [pytest.mark.netns, pytest.mark.slow]

TEACHING = Path(__file__).resolve().parents[2] / "topologies" / "private-aws-services.yaml"


@pytest.fixture(scope="module")
def dep(deploy_module: Callable[[Topology], Deployment]) -> Deployment:
    data = yaml.safe_load(TEACHING.read_text())
    data["internet"] = {"hosts": [{"name": "outside", "ip": "198.51.100.7"}]}
    data["vpcs"][0]["security_groups"][0]["egress"].append(
        {"protocol": "tcp", "ports": 443, "cidr": "0.0.0.0/0"})
    data["vpcs"][0]["security_groups"][0]["ingress"] = [
        {"protocol": "tcp", "ports": 22, "prefix_list": "com.amazonaws.us-east-1.s3"}]
    return deploy_module(load_topology(data, "private-aws-services"))


@pytest.mark.parametrize(("host", "reachable"), [
    ("s3.us-east-1.amazonaws.com", True),
    ("dynamodb.us-east-1.amazonaws.com", True),
    ("outside", False),
])
def test_private_subnet_reaches_services_through_gateway_endpoints_V136(
        dep: Deployment, host: str, reachable: bool) -> None:
    t = dep.topology
    ip = next(h.ip for h in t.internet_hosts if h.name == host)
    assert not t.vpc("app").internet_gateway and not t.vpc("app").nat_gateways
    assert trace(t, Flow("worker", host, "tcp", 443)).reachable == reachable
    got = probe(dep.node_ns("app/worker"), dep.node_ns(host), ip, "tcp", 443)
    assert got.delivered == reachable, got


def test_the_service_cannot_open_a_connection_into_the_vpc_V136(dep: Deployment) -> None:
    """Even with the worker's group allowing the S3 prefix list in, the endpoint carries only
    connections from the VPC: the S3 host's connection to the worker goes nowhere."""
    t = dep.topology
    worker = next(i for i in t.vpc("app").instances if i.name == "worker")
    assert worker.private_ip is not None
    s3 = "s3.us-east-1.amazonaws.com"
    assert not trace(t, Flow(s3, worker.private_ip, "tcp", 22)).reachable
    got = probe(dep.node_ns(s3), dep.node_ns("app/worker"), worker.private_ip, "tcp", 22)
    assert not got.forward and not got.reply, got
