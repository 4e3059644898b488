"""V17 on real packets: in a default VPC's default subnets (and a subnet that says
``map_public_ip_on_launch``) an instance gets a public IPv4 address at launch; the internet
reaches it there through the IGW's 1:1 NAT, an instance without one stays unreachable, and its
metadata service reports the address (V37). Verdicts are compared with ``vpc.trace``."""

from __future__ import annotations

from collections.abc import Callable

import pytest
import yaml

from netemu.dataplane import imds as imds_service
from netemu.vpc.load import load_topology
from netemu.vpc.model import Topology
from netemu.vpc.trace import Flow, trace
from tests.dataplane.conftest import Deployment
from tests.dataplane.probe import probe
from tests.dataplane.test_imds import curl
from tests.vpc.test_default_vpc_quotas_mtu import DEFAULT_VPC

pytestmark = pytest.mark.netns

# (vpc, instance, public address expected?)
CASES = [("dflt", "web1", True), ("dflt", "quiet", False), ("dflt", "eip", True),
         ("custom", "app1", True), ("custom", "app2", False), ("custom", "app3", True)]


@pytest.fixture(scope="module")
def dep(deploy_module: Callable[[Topology], Deployment]) -> Deployment:
    d = deploy_module(load_topology(yaml.safe_load(DEFAULT_VPC), "default-vpc"))
    imds_service.ensure(d.topology, d.prefix, d.state)
    return d


@pytest.mark.parametrize("vpc,name,public", CASES, ids=[f"{c[0]}-{c[1]}" for c in CASES])
def test_auto_assigned_public_ipv4_on_real_packets_V17(dep: Deployment, vpc: str, name: str,
                                                      public: bool) -> None:
    inst = next(i for i in dep.topology.vpc(vpc).instances if i.name == name)
    assert (inst.public_ip is not None) == public
    node = f"{vpc}/{name}"
    # out to the internet: only with a public address (V64)
    out = trace(dep.topology, Flow(inst.private_ip, "203.0.113.50", "icmp", None))
    assert out.reachable == public
    assert (
        probe(dep.node_ns(node), dep.node_ns("client"), "203.0.113.50", "icmp", 0).reply == public
    )
    code, body = curl(dep, node, "http://169.254.169.254/latest/meta-data/public-ipv4")
    assert (code, body if public else "") == ((200, inst.public_ip) if public else (404, ""))
    if public:  # in from the internet on the assigned address
        assert inst.public_ip is not None
        assert trace(dep.topology, Flow("client", inst.public_ip, "tcp", 80)).reachable
        assert probe(dep.node_ns("client"), dep.node_ns(node), inst.public_ip, "tcp", 80).reply
