"""Load balancers with real packets (root): ``curl`` from an internet host through an
internet-facing ALB to targets in two AZs; a stopped app is found unhealthy by the nodes' own
probes (through the targets' security groups) and gets no traffic (V106, V107, V109); an
internal ALB answers only from inside (V104). The trace of every flow says the same."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from netemu.dataplane import elb as elb_service
from netemu.dataplane import resolver as resolver_service
from netemu.vpc.load import load_topology_file
from netemu.vpc.trace import Flow, trace
from tests.dataplane.conftest import Deployment

pytestmark = [pytest.mark.netns, pytest.mark.slow]

ROOT = Path(__file__).resolve().parents[2]
# The wait between two health checks of a target, times AWS's interval (5 s, its minimum):
# the same checks and thresholds in less time; timeouts stay real (2 s).
SCALE = 0.3
EXAMPLE = ROOT / "topologies" / "alb-failover.yaml"
ZONE = ROOT / "zones" / "alb-failover.yaml"

APP = r"""
import sys
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
NAME = sys.argv[1]
class H(BaseHTTPRequestHandler):
    def log_message(self, *a): pass
    def do_GET(self):
        body = (f"{NAME} peer={self.client_address[0]} "
                f"xff={self.headers.get('X-Forwarded-For')}\n").encode()
        self.send_response(200); self.send_header("Content-Length", str(len(body)))
        self.end_headers(); self.wfile.write(body)
servers = [ThreadingHTTPServer(("0.0.0.0", int(p)), H) for p in sys.argv[2:]]
import threading
for s in servers[1:]:
    threading.Thread(target=s.serve_forever, daemon=True).start()
print("ready", flush=True)
servers[0].serve_forever()
"""


class Apps:
    """The targets' web apps, one process per instance, stopped by their PIDs."""

    def __init__(self, dep: Deployment) -> None:
        self.dep = dep
        self.procs: dict[str, subprocess.Popen[str]] = {}

    def start(self, node: str, *ports: int) -> None:
        ns = self.dep.node_ns(node)
        name = node.split("/")[1]
        p = subprocess.Popen(["ip", "netns", "exec", ns, sys.executable, "-c", APP, name,
                              *map(str, ports)], stdout=subprocess.PIPE, text=True)
        assert p.stdout is not None and p.stdout.readline().strip() == "ready"
        self.procs[node] = p

    def stop(self, node: str) -> None:
        p = self.procs.pop(node)
        p.kill()
        p.wait(timeout=10)

    def stop_all(self) -> None:
        for node in list(self.procs):
            self.stop(node)


@pytest.fixture(scope="module")
def dep(deploy_module: Callable[[Any], Deployment]) -> Iterator[Deployment]:
    d = deploy_module(load_topology_file(EXAMPLE))
    try:
        resolver_service.ensure(d.topology, d.prefix, d.state, [str(ZONE)])
        elb_service.ensure(d.topology, d.prefix, d.state, interval_scale=SCALE)
        yield d
    finally:
        elb_service.stop(d.state)
        resolver_service.stop(d.state)


@pytest.fixture(scope="module")
def apps(dep: Deployment) -> Iterator[Apps]:
    a = Apps(dep)
    try:
        for node in ("shop/web1", "shop/web2"):
            a.start(node, 8080, 9000)
        for node in ("shop/app1", "shop/app2"):
            a.start(node, 8080)
        yield a
    finally:
        a.stop_all()


def curl(dep: Deployment, node: str, url: str, seconds: float = 5) -> tuple[int, str]:
    out = subprocess.run(["ip", "netns", "exec", dep.node_ns(node), "curl", "-s", "--max-time",
                          str(seconds), "-w", "\n%{http_code}", url],
                         capture_output=True, text=True, timeout=30, check=False)
    body, _, code = out.stdout.rpartition("\n")
    return int(code or 0), body


def wait_health(dep: Deployment, lb: str, tg: str, want: dict[str, str],
                seconds: float = 40) -> dict[str, Any]:
    deadline = time.monotonic() + seconds
    seen: dict[str, Any] = {}
    while time.monotonic() < deadline:
        seen = elb_service.health(dep.state).get(lb, {}).get(tg, {})
        if {k: v.get("state") for k, v in seen.items()} == want:
            return seen
        time.sleep(0.5)
    raise AssertionError(f"{lb}/{tg}: wanted {want}, saw {json.dumps(seen)}")


def node_url(dep: Deployment, lb: str, port: int, public: bool = True) -> str:
    b = dep.topology.elb.balancer(lb)
    assert b is not None
    n = b.nodes[0]
    return f"http://{n.public_ip if public else n.private_ip}:{port}/"


def test_alb_spreads_then_skips_a_stopped_target_V106_V107(dep: Deployment, apps: Apps) -> None:
    wait_health(dep, "web-alb", "web", {"web1": "healthy", "web2": "healthy"})
    assert trace(dep.topology, Flow("client", "web-alb", "tcp", 80)).reachable
    url = node_url(dep, "web-alb", 80)
    answers = [curl(dep, "client", url) for _ in range(6)]
    assert all(code == 200 for code, _ in answers), answers
    names = {body.split()[0] for _, body in answers}
    assert names == {"web1", "web2"}  # both AZs' targets serve
    node_ips = {n.private_ip for n in dep.topology.elb.load_balancers[0].nodes}
    for _, body in answers:  # the ALB's own connection (V107): from a node, with XFF
        assert body.split()[1].removeprefix("peer=") in node_ips
        assert "xff=203.0.113.50" in body
    apps.stop("shop/web2")
    try:
        seen = wait_health(dep, "web-alb", "web", {"web1": "healthy", "web2": "unhealthy"})
        assert seen["web2"]["reason"] in ("Target.FailedHealthChecks", "Target.Timeout")
        status = subprocess.run([sys.executable, "-m", "netemu", "status", "--state",
                                 str(dep.state), "--prefix", dep.prefix], cwd=ROOT,
                                capture_output=True, text=True, timeout=60, check=True).stdout
        line = next(ln for ln in status.splitlines() if ln.strip().startswith("web2 "))
        assert "us-east-1b" in line and "unhealthy" in line and "Target." in line, status
        answers = [curl(dep, "client", url) for _ in range(6)]
        assert [b.split()[0] for _, b in answers] == ["web1"] * 6, answers
    finally:
        apps.start("shop/web2", 8080, 9000)
    wait_health(dep, "web-alb", "web", {"web1": "healthy", "web2": "healthy"})


def test_internal_alb_only_from_inside_V104(dep: Deployment, apps: Apps) -> None:
    wait_health(dep, "app-alb", "app", {"10.40.11.10": "healthy", "10.40.12.10": "healthy"})
    inside = curl(dep, "shop/web1", node_url(dep, "app-alb", 80, public=False))
    assert inside[0] == 200 and inside[1].split()[0] in ("app1", "app2")
    assert trace(dep.topology, Flow("web1", "app-alb", "tcp", 80)).reachable
    # from the internet: the node has no public address; its private one is not routed
    assert curl(dep, "client", node_url(dep, "app-alb", 80, public=False), 2)[0] == 0
    assert not trace(dep.topology, Flow("client", "app-alb", "tcp", 80)).reachable


def dig(dep: Deployment, node: str, name: str) -> list[str]:
    out = subprocess.run(["ip", "netns", "exec", dep.node_ns(node), "dig", "+short", "+time=2",
                          "+tries=1", "@10.40.0.2", name, "A"],
                         capture_output=True, text=True, timeout=30, check=False)
    return sorted(out.stdout.split())


def wait_dig(dep: Deployment, name: str, want: list[str], seconds: float = 10) -> None:
    deadline = time.monotonic() + seconds
    seen: list[str] = []
    while time.monotonic() < deadline:
        seen = dig(dep, "shop/web1", name)
        if seen == want:
            return
        time.sleep(0.5)
    raise AssertionError(f"dig {name}: wanted {want}, saw {seen}")


def test_alias_to_alb_fails_over_to_s3_website_R162_R164(dep: Deployment, apps: Apps) -> None:
    """The ALB's own name answers its nodes (one per AZ); the failover alias with
    EvaluateTargetHealth answers them while a target is healthy and the S3 website endpoint's
    host once every target is down; back when they recover."""
    lb = dep.topology.elb.balancer("web-alb")
    assert lb is not None
    nodes = sorted(n.address for n in lb.nodes)
    static = next(s.ip for s in dep.topology.elb.services)
    www = "www.alb-failover.example.com"
    wait_health(dep, "web-alb", "web", {"web1": "healthy", "web2": "healthy"})
    wait_dig(dep, lb.dns_name, nodes)
    wait_dig(dep, www, nodes)
    apps.stop("shop/web1")
    apps.stop("shop/web2")
    try:
        wait_health(dep, "web-alb", "web", {"web1": "unhealthy", "web2": "unhealthy"})
        wait_dig(dep, www, [static])
        wait_dig(dep, lb.dns_name, nodes)   # the name itself still answers (fail open)
        # the ALB fails open (V109): with no healthy target it tries them all: 502 from the node
        assert curl(dep, "client", node_url(dep, "web-alb", 80))[0] == 502
    finally:
        apps.start("shop/web1", 8080, 9000)
        apps.start("shop/web2", 8080, 9000)
    wait_health(dep, "web-alb", "web", {"web1": "healthy", "web2": "healthy"})
    wait_dig(dep, www, nodes)


def test_nlb_keeps_the_client_address_V108(dep: Deployment, apps: Apps) -> None:
    """The target sees the internet client's own address (no SNAT), and the reply comes back
    from the node's public address (curl completes); each node sends to its own AZ's target
    (cross-zone load balancing off)."""
    wait_health(dep, "tcp-nlb", "tcp", {"web1": "healthy", "web2": "healthy"})
    t = trace(dep.topology, Flow("client", "tcp-nlb", "tcp", 9000))
    assert t.reachable and any("203.0.113.50" in h.reason for h in t.hops)
    lb = dep.topology.elb.balancer("tcp-nlb")
    assert lb is not None
    for node, name in zip(lb.nodes, ("web1", "web2"), strict=True):
        for _ in range(3):
            code, body = curl(dep, "client", f"http://{node.public_ip}:9000/")
            assert code == 200, body
            assert body.split()[:2] == [name, "peer=203.0.113.50"], body
    # the ALB, by contrast, connects from its node (V107)
    code, body = curl(dep, "client", node_url(dep, "web-alb", 80))
    assert code == 200 and "peer=203.0.113.50" not in body


def blocked_topology() -> Any:
    from netemu.vpc.load import load_topology
    return load_topology({
        "region": "us-east-1",
        "vpcs": [{
            "name": "hc", "cidr_blocks": ["10.50.0.0/16"],
            "subnets": [{"name": "a", "cidr": "10.50.1.0/24", "az": "us-east-1a"},
                        {"name": "b", "cidr": "10.50.2.0/24", "az": "us-east-1b"},
                        {"name": "c", "cidr": "10.50.3.0/24", "az": "us-east-1a"}],
            "security_groups": [
                {"name": "alb", "ingress": [{"protocol": "tcp", "ports": "80-81",
                                             "cidr": "10.50.0.0/16"}]},
                # the app's port from the ALB, but not the health check port 8081
                {"name": "app", "ingress": [{"protocol": "tcp", "ports": 8080,
                                             "source_group": "alb"},
                                            {"protocol": "tcp", "ports": 8080,
                                             "cidr": "10.50.0.0/16"}]},
                # the NLB lets in subnet a only
                {"name": "nlb", "ingress": [{"protocol": "tcp", "ports": 9000,
                                             "cidr": "10.50.1.0/24"}]}],
            "instances": [
                {"name": "t1", "subnet": "a", "private_ip": "10.50.1.10",
                 "security_groups": ["app"]},
                {"name": "t2", "subnet": "b", "private_ip": "10.50.2.10",
                 "security_groups": ["app"]},
                {"name": "c1", "subnet": "a", "private_ip": "10.50.1.20"},
                {"name": "c3", "subnet": "c", "private_ip": "10.50.3.20"}],
        }],
        "target_groups": [
            {"name": "checked-elsewhere", "vpc": "hc", "port": 8080,
             "targets": [{"id": "t1"}, {"id": "t2"}],
             "health_check": {"port": 8081, "interval": 5, "timeout": 2,
                              "healthy_threshold": 2, "unhealthy_threshold": 2}},
            {"name": "checked-on-traffic-port", "vpc": "hc", "port": 8080,
             "targets": [{"id": "t1"}, {"id": "t2"}],
             "health_check": {"interval": 5, "timeout": 2, "healthy_threshold": 2,
                              "unhealthy_threshold": 2}},
            {"name": "tcp", "vpc": "hc", "protocol": "TCP", "port": 8080,
             "targets": [{"id": "t1"}, {"id": "t2"}],
             "health_check": {"interval": 5, "timeout": 2, "healthy_threshold": 2,
                              "unhealthy_threshold": 2}}],
        "load_balancers": [{
            "name": "inside", "scheme": "internal", "vpc": "hc", "subnets": ["a", "b"],
            "security_groups": ["alb"],
            "listeners": [{"port": 80, "target_group": "checked-elsewhere"},
                          {"port": 81, "target_group": "checked-on-traffic-port"}]},
            {"name": "gated", "type": "network", "scheme": "internal", "vpc": "hc",
             "subnets": ["a", "b"], "security_groups": ["nlb"],
             "listeners": [{"port": 9000, "protocol": "TCP", "target_group": "tcp"}]}],
    }, "blocked")


def test_health_checks_pass_the_targets_security_groups_V106_V108_V109(
        deploy_module: Callable[[Any], Deployment]) -> None:
    """The nodes probe from their own ENIs: a health check port the targets' SG does not allow
    from the ALB times out (unhealthy) although the app answers there; the same targets
    checked on the traffic port are healthy. With no healthy target the ALB fails open and
    still forwards (V109)."""
    d = deploy_module(blocked_topology())
    apps = Apps(d)
    try:
        elb_service.ensure(d.topology, d.prefix, d.state, interval_scale=SCALE)
        for node in ("hc/t1", "hc/t2"):
            apps.start(node, 8080, 8081)
        seen = wait_health(d, "inside", "checked-elsewhere",
                           {"t1": "unhealthy", "t2": "unhealthy"})
        assert {t["reason"] for t in seen.values()} == {"Target.Timeout"}
        wait_health(d, "inside", "checked-on-traffic-port", {"t1": "healthy", "t2": "healthy"})
        lb = d.topology.elb.balancer("inside")
        assert lb is not None
        node = lb.nodes[0].private_ip
        code, body = curl(d, "hc/c1", f"http://{node}:80/")
        assert code == 200 and body.split()[0] in ("t1", "t2")   # fail open (V109)
        code, body = curl(d, "hc/c1", f"http://{node}:81/")
        assert code == 200 and body.split()[0] in ("t1", "t2")
        # an NLB with a security group: the allowed client keeps its address (V108), the
        # other is dropped by the group, as the trace says
        wait_health(d, "gated", "tcp", {"t1": "healthy", "t2": "healthy"})
        nlb = d.topology.elb.balancer("gated")
        assert nlb is not None
        url = f"http://{nlb.nodes[1].private_ip}:9000/"
        code, body = curl(d, "hc/c1", url)
        assert code == 200 and body.split()[:2] == ["t2", "peer=10.50.1.20"], body
        assert curl(d, "hc/c3", url, 2)[0] == 0
        assert trace(d.topology, Flow("c1", "gated", "tcp", 9000)).reachable
        assert not trace(d.topology, Flow("c3", "gated", "tcp", 9000)).reachable
    finally:
        apps.stop_all()
        elb_service.stop(d.state)
