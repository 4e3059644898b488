"""V37 on real packets: the instance metadata service answers every instance at
169.254.169.254 (and fd00:ec2::254 with IPv6) whatever its routes, network ACLs and security
groups say; ``curl`` inside the instance's namespace, IMDSv1 and the IMDSv2 token ``PUT``.
What it answers is ``netemu.vpc.imds``'s; the trace says the same flow is reachable."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from netemu.dataplane import imds as imds_service
from netemu.vpc import imds
from netemu.vpc.load import load_topology
from netemu.vpc.model import Topology
from netemu.vpc.trace import Flow, trace
from tests.dataplane.conftest import Deployment

pytestmark = pytest.mark.netns

URL = "http://169.254.169.254"


def imds_topology() -> Topology:
    deny_all = [{"rule": 100, "protocol": "all", "cidr": "0.0.0.0/0", "action": "deny"}]
    return load_topology({
        "region": "eu-west-1",
        "vpcs": [{
            "name": "meta", "cidr_blocks": ["10.62.0.0/16"],
            "ipv6_cidr_blocks": ["2600:1f18:6200:100::/56"], "internet_gateway": True,
            "subnets": [
                {"name": "pub", "cidr": "10.62.1.0/24", "az": "eu-west-1b",
                 "ipv6_cidr": "2600:1f18:6200:101::/64", "route_table": "pub"},
                # no route but local, a NACL that denies everything both ways (V37)
                {"name": "shut", "cidr": "10.62.2.0/24", "az": "eu-west-1c",
                 "network_acl": "nothing"},
            ],
            "route_tables": [{"name": "pub", "routes": [
                {"destination": "0.0.0.0/0", "target": "internet_gateway"}]}],
            "network_acls": [{"name": "nothing", "inbound": deny_all, "outbound": deny_all}],
            "security_groups": [{"name": "web", "ingress": [
                {"protocol": "tcp", "ports": 443, "cidr": "0.0.0.0/0"}]},
                {"name": "mute", "ingress": [], "egress": []}],
            "instances": [
                {"name": "web1", "subnet": "pub", "private_ip": "10.62.1.10",
                 "public_ip": "198.51.100.62", "ipv6_address": "2600:1f18:6200:101::10",
                 "security_groups": ["web"]},
                {"name": "locked", "subnet": "shut", "private_ip": "10.62.2.10",
                 "security_groups": ["mute"]},
            ],
        }],
    }, "imds")


@pytest.fixture(scope="module")
def dep(deploy_module: Callable[[Topology], Deployment]) -> Deployment:
    d = deploy_module(imds_topology())
    imds_service.ensure(d.topology, d.prefix, d.state)
    return d


def curl(dep: Deployment, node: str, *args: str) -> tuple[int, str]:
    """``curl`` inside ``node``'s namespace: (HTTP status, body)."""
    out = subprocess.run(["ip", "netns", "exec", dep.node_ns(node), "curl", "-s", "-g",
                          "--max-time", "5", "-w", "\n%{http_code}", *args],
                         capture_output=True, text=True, timeout=30, check=False)
    body, _, code = out.stdout.rpartition("\n")
    return int(code or 0), body


def meta(dep: Deployment, node: str, path: str, base: str = URL) -> str:
    code, body = curl(dep, node, f"{base}/latest/meta-data/{path}")
    assert code == 200, (node, path, code, body)
    return body


def test_each_instance_gets_its_own_metadata_V37(dep: Deployment) -> None:
    assert meta(dep, "meta/web1", "instance-id") == imds.instance_id("meta", "web1")
    assert meta(dep, "meta/locked", "instance-id") == imds.instance_id("meta", "locked")
    assert meta(dep, "meta/web1", "local-ipv4") == "10.62.1.10"
    assert meta(dep, "meta/web1", "public-ipv4") == "198.51.100.62"
    assert meta(dep, "meta/web1", "placement/availability-zone") == "eu-west-1b"
    assert meta(dep, "meta/locked", "placement/availability-zone") == "eu-west-1c"
    assert curl(dep, "meta/locked", f"{URL}/latest/meta-data/public-ipv4")[0] == 404


def test_mac_is_the_enis_V37(dep: Deployment) -> None:
    link = subprocess.run(["ip", "-n", dep.node_ns("meta/web1"), "-o", "link", "show", "eth0"],
                          capture_output=True, text=True, check=True).stdout
    assert f"link/ether {meta(dep, 'meta/web1', 'mac')} " in link


def test_listing_names_the_categories_V37(dep: Deployment) -> None:
    listing = meta(dep, "meta/web1", "").splitlines()
    assert {"instance-id", "local-ipv4", "mac", "placement/", "public-ipv4"} <= set(listing)
    assert meta(dep, "meta/web1", "placement/").splitlines() == ["availability-zone", "region"]


def test_answers_whatever_routes_nacls_and_sgs_say_V37(dep: Deployment) -> None:
    """``locked``: no route but local, a NACL denying all, a group with no rule at all: the
    trace and the kernel still reach the metadata service, and nothing else."""
    t = dep.topology
    assert trace(t, Flow("10.62.2.10", "169.254.169.254", "tcp", 80)).reachable
    assert not trace(t, Flow("10.62.2.10", "10.62.1.10", "tcp", 443)).reachable  # the control
    assert meta(dep, "meta/locked", "local-ipv4") == "10.62.2.10"
    assert curl(dep, "meta/locked", "--max-time", "1", "http://10.62.1.10:443/")[0] == 0


def test_imdsv2_token_V37(dep: Deployment) -> None:
    code, token = curl(dep, "meta/web1", "-X", "PUT", "-H",
                       f"{imds.TTL_HEADER}: 21600", f"{URL}{imds.TOKEN_PATH}")
    assert code == 200 and len(token) > 20
    code, body = curl(dep, "meta/web1", "-H", f"{imds.TOKEN_HEADER}: {token}",
                      f"{URL}/latest/meta-data/instance-id")
    assert (code, body) == (200, imds.instance_id("meta", "web1"))
    assert curl(dep, "meta/web1", "-H", f"{imds.TOKEN_HEADER}: forged",
                f"{URL}/latest/meta-data/instance-id")[0] == 401
    # another instance's token is not this one's
    assert curl(dep, "meta/locked", "-H", f"{imds.TOKEN_HEADER}: {token}",
                f"{URL}/latest/meta-data/instance-id")[0] == 401


@pytest.mark.parametrize("headers,code", [([], 400), ([f"{imds.TTL_HEADER}: 0"], 400),
                                          ([f"{imds.TTL_HEADER}: 21601"], 400),
                                          ([f"{imds.TTL_HEADER}: 60", "X-Forwarded-For: 1.2.3.4"],
                                           403)])
def test_imdsv2_token_refusals_V37(dep: Deployment, headers: list[str], code: int) -> None:
    args = [a for h in headers for a in ("-H", h)]
    assert curl(dep, "meta/web1", "-X", "PUT", *args, f"{URL}{imds.TOKEN_PATH}")[0] == code


def test_ipv6_endpoint_V37(dep: Deployment) -> None:
    assert meta(dep, "meta/web1", "ipv6", "http://[fd00:ec2::254]") == "2600:1f18:6200:101::10"


def test_a_users_server_on_port_80_coexists_V37(dep: Deployment) -> None:
    """The instance's own web server binds every address on port 80 while the metadata service
    runs; a client reaches that server, and the instance still reaches its metadata."""
    ns = dep.node_ns("meta/web1")
    server = subprocess.Popen(["ip", "netns", "exec", ns, sys.executable, "-c", WEB],
                              stdout=subprocess.PIPE, text=True)
    try:
        assert server.stdout is not None and server.stdout.readline().strip() == "ready"
        assert meta(dep, "meta/web1", "local-ipv4") == "10.62.1.10"
        code, body = curl(dep, "meta/web1", "http://10.62.1.10/")
        assert (code, body) == (200, "mine")
    finally:
        server.kill()  # our own child, by its PID
        server.wait(timeout=10)


WEB = r"""
from http.server import BaseHTTPRequestHandler, HTTPServer
class H(BaseHTTPRequestHandler):
    def do_GET(self):
        self.send_response(200); self.send_header("Content-Length", "4"); self.end_headers()
        self.wfile.write(b"mine")
    def log_message(self, *a): pass
s = HTTPServer(("0.0.0.0", 80), H)
print("ready", flush=True)
s.serve_forever()
"""


def test_ensure_is_idempotent_and_stop_ends_the_process_V37(dep: Deployment) -> None:
    first = imds_service.ensure(dep.topology, dep.prefix, dep.state)
    again = imds_service.ensure(dep.topology, dep.prefix, dep.state)
    assert first is not None and again is not None and first["pid"] == again["pid"]
    assert imds_service.stop(dep.state)
    assert not Path(f"/proc/{first['pid']}").exists() or \
        b"imds_server" not in Path(f"/proc/{first['pid']}/cmdline").read_bytes()
    assert curl(dep, "meta/web1", "--max-time", "1", f"{URL}/latest/meta-data/")[0] == 0


def test_destroy_stops_the_service_V37(deploy_module: Callable[[Topology], Deployment]) -> None:
    from netemu.dataplane import destroy

    d = deploy_module(imds_topology())
    record = imds_service.ensure(d.topology, d.prefix, d.state)
    assert record is not None and Path(f"/proc/{record['pid']}").exists()
    destroy.destroy(d.prefix, d.state)
    cmdline = Path(f"/proc/{record['pid']}/cmdline")
    assert not cmdline.exists() or b"imds_server" not in cmdline.read_bytes()
