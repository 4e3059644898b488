"""Real packets on the applied ``lab`` topology (tests/dataplane/topos.py): each behaviour is
checked three ways — the expected AWS verdict (with its V item), ``vpc.trace``, and the kernel.

``forward``: the request reached the destination's socket; ``reply``: the answer came back.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest

from netemu.vpc.trace import Flow, trace
from tests.dataplane.conftest import Deployment
from tests.dataplane.probe import probe
from tests.dataplane.topos import lab

pytestmark = pytest.mark.netns

# (id, AWS item, src node, dst node (None: no listener), dst address, protocol, port, forward,
#  reply)
CASES = [
    ("sg-stateful-reply", "V46", "app/web1", "client", "203.0.113.50", "tcp", 443, True, True),
    (
        "nacl-stateless-reply-dropped",
        "V34",
        "app/app1",
        "app/web1",
        "10.0.1.10",
        "udp",
        5000,
        True,
        False,
    ),
    (
        "nacl-deny-rule-first-match",
        "V31",
        "app/web1",
        "app/app1",
        "10.0.2.10",
        "tcp",
        8080,
        False,
        False,
    ),
    (
        "nacl-denies-other-subnet",
        "V33",
        "app/app1",
        "app/web1",
        "10.0.1.10",
        "tcp",
        443,
        False,
        False,
    ),
    (
        "same-subnet-bypasses-nacl",
        "V35",
        "app/web2",
        "app/web1",
        "10.0.1.10",
        "tcp",
        443,
        True,
        True,
    ),
    (
        "same-subnet-sg-still-applies",
        "V40",
        "app/web2",
        "app/web1",
        "10.0.1.10",
        "tcp",
        8080,
        False,
        False,
    ),
    ("sg-reference-member", "V44", "app/web2", "app/web1", "10.0.1.10", "tcp", 22, True, True),
    (
        "sg-reference-non-member",
        "V44",
        "app/app1",
        "app/web1",
        "10.0.1.10",
        "tcp",
        22,
        False,
        False,
    ),
    ("peering-direct", "V57", "app/app1", "data/db1", "10.1.1.10", "udp", 5000, True, True),
    (
        "peering-not-transitive",
        "V54",
        "app/app1",
        "ops/tool1",
        "10.2.1.10",
        "tcp",
        9000,
        False,
        False,
    ),
    (
        "peering-not-transitive-back",
        "V54",
        "ops/tool1",
        "app/app1",
        "10.0.2.10",
        "tcp",
        8080,
        False,
        False,
    ),
    ("peering-neighbour-ok", "V57", "data/db1", "ops/tool1", "10.2.1.10", "tcp", 9000, True, True),
    ("no-edge-to-edge-nat", "V55", "data/db1", "client", "203.0.113.50", "tcp", 8443, False, False),
    ("nat-outbound", "V68", "app/app1", "client", "203.0.113.50", "tcp", 8443, True, True),
    (
        "nat-no-inbound-initiation",
        "V68",
        "client",
        "app/nat-a",
        "198.51.100.20",
        "tcp",
        8443,
        False,
        False,
    ),
    ("igw-inbound-to-public", "V65", "client", "app/web1", "198.51.100.10", "tcp", 80, True, True),
    (
        "igw-inbound-sg-applies",
        "V64",
        "client",
        "app/web1",
        "198.51.100.10",
        "tcp",
        8080,
        False,
        False,
    ),
    (
        "igw-no-inbound-to-private",
        "V66",
        "client",
        "app/web2",
        "10.0.1.11",
        "tcp",
        80,
        False,
        False,
    ),
    (
        "igw-no-egress-without-public",
        "V66",
        "app/web2",
        "client",
        "203.0.113.50",
        "tcp",
        443,
        False,
        False,
    ),
    ("blackhole-route", "V26", "app/web1", None, "192.0.2.9", "tcp", 80, False, False),
    ("icmp-nacl-blocks-reply", "V34", "app/web1", "client", "203.0.113.50", "icmp", 0, None, False),
    ("icmp-within-vpc", "V40", "app/app1", "app/web1", "10.0.1.10", "icmp", 0, None, True),
]


@pytest.fixture(scope="module")
def lab_deployment(deploy_module: Callable[..., Deployment]) -> Deployment:
    return deploy_module(lab())


@pytest.mark.parametrize("case", CASES, ids=[c[0] for c in CASES])
def test_kernel_and_trace_agree_with_aws(lab_deployment: Deployment, case: tuple) -> None:
    _id, item, src, dst, ip, proto, port, forward, reply = case
    dep = lab_deployment
    t = trace(dep.topology, Flow(src.split("/")[-1], ip, proto, port or None))
    got = probe(dep.node_ns(src), dep.node_ns(dst) if dst else None, ip, proto, port)
    assert t.reachable == reply, (
        f"{item}: trace says {t.reachable}: {[h.reason for h in t.hops + t.return_path]}"
    )
    assert got.reply == reply, f"{item}: kernel reply {got.reply}, AWS {reply}"
    if forward is not None:
        assert t.forward_reachable == forward, f"{item}: trace forward {t.forward_reachable}"
        assert got.forward == forward, f"{item}: kernel forward {got.forward}, AWS {forward}"


@pytest.mark.parametrize("src,dst,ip,forward,item", [
    ("app/app1", "data/db1", "10.1.1.10", True, "V57"),       # GRE across the peering
    ("app/app1", "client", "203.0.113.50", False, "V68"),     # a NAT gateway: TCP, UDP, ICMP only
])
def test_other_ip_protocols_GRE(
    lab_deployment: Deployment, src: str, dst: str, ip: str, forward: bool, item: str
) -> None:
    from tests.dataplane.probe import probe_raw
    dep = lab_deployment
    tr = trace(dep.topology, Flow(src.split("/")[-1], ip, 47))
    got = probe_raw(dep.node_ns(src), dep.node_ns(dst), ip, 47)
    assert tr.forward_reachable == forward, item
    assert got.forward == forward, f"{item}: kernel {got}"


MIDDLEBOX_FLOWS = [("tcp", 80), ("tcp", 81), ("udp", 80), ("icmp", 0)]


@pytest.fixture(scope="module")
def middlebox_deployment(deploy_module: Callable[..., Deployment]) -> Deployment:
    from tests.dataplane.topos import middlebox
    return deploy_module(middlebox())


@pytest.mark.parametrize("proto,port", MIDDLEBOX_FLOWS)
def test_middlebox_forwards_through_its_security_groups_V21(
    middlebox_deployment: Deployment, proto: str, port: int
) -> None:
    """cli (subnet a) -> srv (subnet c) is routed through the instance ``box`` (source/destination
    check off): box's ingress rules on arrival, its egress rules on departure, replies tracked."""
    dep = middlebox_deployment
    tr = trace(dep.topology, Flow("cli", "10.5.3.10", proto, port or None))
    got = probe(dep.node_ns("mb/cli"), dep.node_ns("mb/srv"), "10.5.3.10", proto, port)
    assert got.reply == tr.reachable, [h.reason for h in tr.hops]
    assert got.seen_from in (None, "10.5.1.10")  # forwarded as it is, not translated


def test_source_dest_check_on_means_no_forwarding(deploy_module: Callable[..., Deployment]) -> None:
    """The same routes through ``box`` with its source/destination check on (the default): it
    does not forward (ENI_SOURCE_DEST_CHECK_RESTRICTION), in the model and in the kernel."""
    from tests.dataplane.topos import middlebox
    dep = deploy_module(middlebox(source_dest_check=True))
    tr = trace(dep.topology, Flow("cli", "10.5.3.10", "tcp", 80))
    assert not tr.reachable and "ENI_SOURCE_DEST_CHECK_RESTRICTION" in [b.code for b in tr.blockers]
    assert not probe(dep.node_ns("mb/cli"), dep.node_ns("mb/srv"), "10.5.3.10", "tcp", 80).delivered


def test_igw_1to1_nat_source_is_public_address_V65(lab_deployment: Deployment) -> None:
    dep = lab_deployment
    got = probe(dep.node_ns("app/web1"), dep.node_ns("client"), "203.0.113.50", "tcp", 7000)
    assert got.delivered and got.seen_from == "198.51.100.10"


def test_nat_gateway_source_is_its_eip_V68(lab_deployment: Deployment) -> None:
    dep = lab_deployment
    got = probe(dep.node_ns("app/app1"), dep.node_ns("client"), "203.0.113.50", "tcp", 7001)
    assert got.delivered and got.seen_from == "198.51.100.20"


def test_instance_sees_internet_client_address_V65(lab_deployment: Deployment) -> None:
    dep = lab_deployment
    got = probe(dep.node_ns("client"), dep.node_ns("app/web1"), "198.51.100.10", "tcp", 80)
    assert got.delivered and got.seen_from == "203.0.113.50"


@pytest.mark.parametrize(
    "src,resolver,reachable", [("data/db1", "10.1.0.2", True), ("app/app1", "10.1.0.2", False)]
)
def test_resolver_address_answers_only_inside_its_vpc_V61(
    lab_deployment: Deployment, src: str, resolver: str, reachable: bool
) -> None:
    """A UDP listener on the data VPC's resolver address (in its router namespace): its own
    instance reaches it; a peered VPC's does not (V61), as trace says."""
    dep = lab_deployment
    assert trace(dep.topology, Flow(src.split("/")[-1], resolver, "udp", 53)).reachable == reachable
    got = probe(dep.node_ns(src), dep.node_ns("router:data"), resolver, "udp", 53)
    assert got.delivered == reachable


def test_resolv_conf_points_at_the_vpc_resolver_V15(lab_deployment: Deployment) -> None:
    from pathlib import Path
    text = Path("/etc/netns", lab_deployment.node_ns("app/web1"), "resolv.conf").read_text()
    assert "nameserver 10.0.0.2" in text


@pytest.mark.parametrize("sdc", [False, True], ids=["appliance-forwards", "source-dest-check-on"])
@pytest.mark.parametrize("proto", ["tcp", "udp"])
def test_gateway_route_table_steers_igw_ingress_through_the_appliance_V27(
        deploy_module: Callable[..., Deployment], sdc: bool, proto: str) -> None:
    """client -> web1's public address: the IGW's gateway route table sends it to fw1 first. With
    fw1's source/destination check on, fw1 drops it (the request never reaches web1), in the
    model and in the kernel."""
    from tests.dataplane.topos import inspection
    dep = deploy_module(inspection(source_dest_check=sdc))
    tr = trace(dep.topology, Flow("client", "web1", proto, 443))
    assert tr.reachable is not sdc and tr.forward_reachable is not sdc
    assert ("route-table", "ingress") in [(h.component, h.name) for h in tr.hops]
    got = probe(dep.node_ns("client"), dep.node_ns("insp/web1"), "198.51.100.70", proto, 443)
    assert got.forward == tr.forward_reachable, (
        f"kernel forward {got.forward}, trace {tr.forward_reachable}"
    )
    assert got.reply == tr.reachable
    if got.forward:
        assert got.seen_from == "203.0.113.50"  # forwarded as it is by fw1
