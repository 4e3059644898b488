"""Issue 10 on real packets (topos.fidelity): MTU and path MTU discovery (V39, V60), addresses
that never leave a VPC (V16, V24; IPv6 on topologies/ipv6-egress-only.yaml), each checked
against the AWS value and the model's rule."""

from __future__ import annotations

import re
import subprocess
import sys
from collections.abc import Callable

import pytest

from netemu.dataplane import kernel, plan
from netemu.dataplane.plan import wiring
from netemu.vpc import mtu
from netemu.vpc.model import RouteTarget
from netemu.vpc.trace import Flow, trace
from tests.dataplane.conftest import Deployment
from tests.dataplane.crafted import send_udp_frames
from tests.dataplane.topos import fidelity

pytestmark = pytest.mark.netns

IP_ICMP_HEADERS = 28


@pytest.fixture(scope="module")
def dep(deploy_module: Callable[..., Deployment]) -> Deployment:
    return deploy_module(fidelity())


def ping_df(ns: str, dst: str, size: int) -> tuple[bool, str]:
    """One echo of ``size`` bytes (IP packet) with Don't Fragment set: (answered, ping's text)."""
    out = subprocess.run(["ip", "netns", "exec", ns, "ping", "-c", "1", "-W", "1", "-M", "do",
                          "-s", str(size - IP_ICMP_HEADERS), "-n", dst],
                         capture_output=True, text=True, timeout=30, check=False)
    return out.returncode == 0, out.stdout + out.stderr


LEARN = r"""
import socket, sys, time
dst, size = sys.argv[1], int(sys.argv[2])
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.setsockopt(socket.IPPROTO_IP, 10, 2)  # IP_MTU_DISCOVER = IP_PMTUDISC_DO: Don't Fragment
s.connect((dst, 9))
try:
    s.send(b"x" * (size - 28))
    time.sleep(0.5)
except OSError:  # EMSGSIZE: the path MTU is already known to be smaller
    pass
print(s.getsockopt(socket.IPPROTO_IP, 14))  # IP_MTU: the path MTU the kernel learned
"""


def learned_mtu(ns: str, dst: str, size: int) -> int:
    """Send one UDP datagram of ``size`` bytes with DF set; the path MTU the sender then knows
    (it only drops below its own link's if an ICMP "fragmentation needed" reached it)."""
    out = subprocess.run(["ip", "netns", "exec", ns, sys.executable, "-c", LEARN, dst, str(size)],
                         capture_output=True, text=True, timeout=30, check=True)
    return int(out.stdout.strip())


FRAG = re.compile(r"From (\S+) icmp_seq=\d+ Frag needed and DF set \(mtu = (\d+)\)")

# (src node, dst, hop kind (the model's MTU table), AWS MTU, item, who sends "fragmentation needed")
PATHS = [
    ("app/web", "10.1.1.10", ("peering", "p-near"), 9001, "V60 same-Region peering", None),
    ("app/web", "10.2.1.10", ("peering", "p-far"), 1500, "V60 inter-Region peering", "10.0.1.1"),
    ("app/web", "10.3.1.10", ("transit_gateway", "hub"), 8500, "V39 transit gateway", "10.0.1.1"),
    ("app/web", "203.0.113.50", ("internet_gateway", None), 1500, "V39 internet gateway",
     "10.0.1.1"),
    ("app/app1", "203.0.113.50", ("nat_gateway", "nat"), 1500, "V39 NAT gateway", "10.0.1.5"),
]


@pytest.mark.parametrize("src,dst,hop,aws,item,sender", PATHS, ids=[p[4] for p in PATHS])
def test_path_mtu_and_discovery_V39_V60(dep: Deployment, src: str, dst: str,
                                         hop: tuple[str, str | None], aws: int, item: str,
                                         sender: str | None) -> None:
    assert mtu.target_mtu(dep.topology, "app", RouteTarget(*hop)) == aws, item
    ns = dep.node_ns(src)
    ok, text = ping_df(ns, dst, aws)
    assert ok, f"{item}: a {aws}-byte packet must cross: {text}"
    if sender is None:
        return  # 9001 is the sender's own MTU: a larger packet never leaves it
    ok, text = ping_df(ns, dst, aws + 1)
    assert not ok
    found = FRAG.search(text)
    assert found, f"{item}: no ICMP fragmentation needed (PMTUD broken): {text}"
    assert found.groups() == (sender, str(aws)), item


@pytest.mark.parametrize("src,why", [("app/app2", "its security group has no inbound rule for it"),
                                     ("app/app3", "its subnet's NACL denies ICMP in")])
def test_pmtud_blocked_by_sg_or_nacl_black_holes_V39(dep: Deployment, src: str, why: str) -> None:
    """The same NAT gateway path as app1, but the ICMP never arrives: large packets black-hole
    and the sender keeps believing its link's 9001."""
    assert learned_mtu(dep.node_ns("app/app1"), "203.0.113.50", 1501) == 1500  # the control
    assert learned_mtu(dep.node_ns(src), "203.0.113.50", 1501) == 9001, why


def test_links_carry_their_hop_mtu_V39_V60(dep: Deployment) -> None:
    want = {"eni:app/i:web": 9001, "igw:app": 1500, "inet:app": 1500, "pcx:p-near": 9001,
            "pcx:p-far": 1500, "tgw:hub/a-app/pub": 8500, "host:client": 1500}
    rows = subprocess.run(["ip", "-n", dep.node_ns("app/web"), "-o", "link", "show", "eth0"],
                          capture_output=True, text=True, check=True).stdout
    assert " mtu 9001 " in rows
    links = {lk.id: lk for lk in plan.build(dep.topology, dep.prefix).links}
    for lid, value in want.items():
        lk = links[lid]
        for ns, ifn in ((lk.a_ns, lk.a_if), (lk.b_ns, lk.b_if)):
            line = subprocess.run(["ip", "-n", ns, "-o", "link", "show", ifn],
                                  capture_output=True, text=True, check=True).stdout
            assert f" mtu {value} " in line, (lid, ns, line)


def _destinations(seen: list[str]) -> list[str]:
    """The destination addresses of captured ``Ether / IP / UDP a:p > b:p`` summaries."""
    return [m.group(1) for m in (re.search(r"> ([0-9.]+):", s) for s in seen) if m]


def _router_mac(vpc: str, subnet: str) -> str:
    return kernel.bridge_mac(wiring.bridge(vpc, subnet))


NEVER_LEAVE = ["224.0.0.251", "239.1.2.3", "255.255.255.255", "169.254.10.10", "169.254.169.254",
               "10.1.1.255", "10.0.2.255"]


def test_local_only_destinations_never_reach_the_igw_V16_V24(dep: Deployment) -> None:
    """web's default route is the IGW: multicast, broadcast (limited, a peer subnet's, another
    subnet's) and link-local destinations sent to the VPC router stop there."""
    seen = _destinations(send_udp_frames(dep.node_ns("app/web"), "eth0", _router_mac("app", "pub"),
                                         NEVER_LEAVE + ["203.0.113.50"], dep.ns("igw-app"), "vpc0"))
    assert seen == ["203.0.113.50"], f"V16/V24: only the control packet may reach the IGW: {seen}"


def test_local_only_destinations_never_reach_the_nat_gateway_V16_V24(dep: Deployment) -> None:
    seen = _destinations(send_udp_frames(dep.node_ns("app/app1"), "eth0",
                                         _router_mac("app", "priv"), NEVER_LEAVE + ["203.0.113.50"],
                                         dep.node_ns("app/nat"), "eth0"))
    # The NAT gateway's eth0 sees the packet twice: in from the router and out again.
    assert set(seen) == {"203.0.113.50"}, f"V16/V24: only the control packet may reach it: {seen}"


def test_local_only_destinations_never_cross_a_peering_V16_V24(dep: Deployment) -> None:
    pcx_if = wiring.pcx_if("p-near")
    seen = _destinations(send_udp_frames(dep.node_ns("app/web"), "eth0", _router_mac("app", "pub"),
                                         ["10.1.1.255", "224.0.0.251", "169.254.10.10",
                                          "10.1.1.10"], dep.ns("r-near"), pcx_if))
    assert seen == ["10.1.1.10"], f"V16/V24: only the control packet may cross: {seen}"


# --- IPv6: multicast, link-local and fd00:ec2::/32 never leave through an IGW or an EIGW -------

NEVER_LEAVE_V6 = ["ff0e::1", "ff02::1", "fe80::1", "fd00:ec2::1234", "fd00:ec2::254"]
V6_CONTROL = "2001:db8:1::80"  # mirror6, on the internet


@pytest.fixture(scope="module")
def dep6(deploy_module: Callable[..., Deployment]) -> Deployment:
    from netemu.vpc.load import load_topology_file
    from tests.helpers import ROOT

    return deploy_module(load_topology_file(ROOT / "topologies" / "ipv6-egress-only.yaml"))


def _destinations6(seen: list[str]) -> list[str]:
    """The destinations of captured ``Ether / IPv6 / UDP a:p > b:p / Raw`` summaries."""
    return [m.group(1).rsplit(":", 1)[0] for m in (re.search(r"> (\S+) /", s) for s in seen) if m]


@pytest.mark.parametrize("node,vpc,subnet,gateway", [
    ("public6/webv6", "public6", "public", "igw"),
    ("private6/worker", "private6", "private", "eigw"),
])
def test_ipv6_local_only_destinations_never_reach_a_gateway_V16_V24(
        dep6: Deployment, node: str, vpc: str, subnet: str, gateway: str) -> None:
    """The instance's default IPv6 route is the (egress-only) internet gateway: IPv6 multicast,
    link-local and fd00:ec2::/32 destinations sent to the VPC router stop there, as the trace
    says; the control packet to an internet host gets through."""
    src = next(i.ipv6_address for v in dep6.topology.vpcs for i in v.instances
               if f"{v.name}/{i.name}" == node)
    assert src is not None
    for dst in NEVER_LEAVE_V6:
        assert not trace(dep6.topology, Flow(src, dst, "udp", 9)).reachable, dst
    assert trace(dep6.topology, Flow(src, V6_CONTROL, "udp", 9)).forward_reachable
    seen = _destinations6(send_udp_frames(dep6.node_ns(node), "eth0", _router_mac(vpc, subnet),
                                          NEVER_LEAVE_V6 + [V6_CONTROL],
                                          dep6.ns(f"{gateway}-{vpc}"), "vpc0"))
    assert seen == [V6_CONTROL], f"V16/V24: only the control packet may reach the {gateway}: {seen}"
