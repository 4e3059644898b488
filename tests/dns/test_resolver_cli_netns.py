"""``netemu apply --zones`` end to end: the command starts the VPC resolver, ``status`` shows it
with each VPC's DHCP options, a changed options set is applied in place by a second apply (no
namespace recreated, the resolver keeps running), and ``destroy`` stops it by its PID."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest

from netemu.dataplane import kernel
from tests.dataplane.conftest import unique_prefix
from tests.helpers import run_netemu

pytestmark = [pytest.mark.netns, pytest.mark.slow,
              pytest.mark.skipif(shutil.which("dig") is None, reason="needs dig")]

TOPOLOGY = """
region: eu-west-1
vpcs:
  - name: shop
    region: eu-west-1
    cidr_blocks: [10.7.0.0/16]
    enable_dns_hostnames: true
    {dhcp}
    subnets: [{{name: a, cidr: 10.7.1.0/24, az: eu-west-1a}}]
    instances: [{{name: s1, subnet: a, private_ip: 10.7.1.10}}]
"""
ZONE = """
HostedZone: {Name: shop.internal., Config: {PrivateZone: true}}
VPCs: [{VPCRegion: eu-west-1, VPCId: shop}]
ResourceRecordSets:
  - {Name: cart.shop.internal., Type: A, TTL: 60, ResourceRecords: [{Value: 10.7.1.20}]}
"""


def dig(prefix: str, *args: str) -> list[str]:
    return subprocess.run(["ip", "netns", "exec", f"{prefix}i-shop.s1", "dig", "+short",
                           "+time=2", "+tries=1", *args], capture_output=True, text=True,
                          timeout=20).stdout.split()


def test_apply_status_reapply_in_place_and_destroy(tmp_path: Path) -> None:
    prefix, state = unique_prefix(), tmp_path / "state"
    topo, zones = tmp_path / "shop.yaml", tmp_path / "zones"
    zones.mkdir()
    (zones / "shop.yaml").write_text(ZONE)
    common = ["--state", str(state), "--prefix", prefix]
    topo.write_text(TOPOLOGY.format(dhcp=""))
    try:
        (zones / "elsewhere.yaml").write_text(ZONE.replace("shop.internal.", "other.internal.")
                                              .replace("VPCId: shop", "VPCId: nowhere"))
        out = run_netemu("apply", str(topo), "--zones", str(zones), "--quiet", *common)
        assert out.returncode == 0, out.stderr
        assert "VPC resolver running (pid" in out.stdout
        assert "note: private zone other.internal. (" in out.stdout
        assert "is associated with VPC nowhere, which" in out.stdout
        resolv = Path("/etc/netns", f"{prefix}i-shop.s1", "resolv.conf")
        assert "search eu-west-1.compute.internal" in resolv.read_text()   # the default set
        assert dig(prefix, "+search", "ip-10-7-1-10") == ["10.7.1.10"]
        assert dig(prefix, "cart.shop.internal") == ["10.7.1.20"]
        status = json.loads(run_netemu("status", "--json", *common).stdout)["resolver"]
        pid = status["pid"]
        assert status["running"] and status["vpcs"][0]["dhcp_options"]["domain_name"] == \
            "eu-west-1.compute.internal"

        topo.write_text(TOPOLOGY.format(
            dhcp="dhcp_options: {domain_name: shop.internal, ntp_servers: [169.254.169.123]}"))
        out = run_netemu("apply", str(topo), "--zones", str(zones), "--quiet", "--dry-run",
                         *common)
        assert out.returncode == 0 and "configure_ns" in out.stdout, out.stdout
        assert "create_ns" not in out.stdout and "delete_ns" not in out.stdout, out.stdout
        out = run_netemu("apply", str(topo), "--zones", str(zones), "--quiet", *common)
        assert out.returncode == 0, out.stderr
        assert "search shop.internal" in resolv.read_text()
        assert dig(prefix, "+search", "cart") == ["10.7.1.20"]
        text = run_netemu("status", *common).stdout
        assert "domain-name shop.internal" in text and "ntp-servers 169.254.169.123" in text
        # the configuration changed (DHCP options are shown by status): one new process
        new = json.loads(run_netemu("status", "--json", *common).stdout)["resolver"]
        assert new["running"] and new["pid"] != pid
        assert not Path(f"/proc/{pid}/cmdline").exists() or \
            not Path(f"/proc/{pid}/cmdline").read_bytes()
        pid = new["pid"]
        # without --zones: the zones of the previous apply, the same process
        out = run_netemu("apply", str(topo), "--quiet", *common)
        assert "nothing to do" in out.stdout and f"pid {pid}" in out.stdout
    finally:
        out = run_netemu("destroy", *common)
        assert out.returncode == 0, out.stderr
        assert kernel.list_namespaces(prefix) == []
    cmdline = Path(f"/proc/{pid}/cmdline")
    assert not cmdline.exists() or not cmdline.read_bytes(), "the resolver outlived destroy"


def test_fd00_ec2_253_answers_in_a_vpc_with_ipv6_V80(tmp_path: Path) -> None:
    from netemu.dataplane import apply, destroy, resolver
    from netemu.vpc.load import load_topology_file
    from tests.helpers import ROOT

    topology = load_topology_file(ROOT / "topologies" / "ipv6-egress-only.yaml")
    prefix, state = unique_prefix(), tmp_path / "state"
    zones = ROOT / "tests" / "dns" / "data" / "resolver" / "zones"
    try:
        apply.apply(topology, prefix, state)
        resolver.ensure(topology, prefix, state, [str(zones)])
        got = subprocess.run(["ip", "netns", "exec", f"{prefix}i-private6.worker", "dig",
                              "+time=2", "+tries=1", "@fd00:ec2::253", "www.example.com"],
                             capture_output=True, text=True, timeout=20).stdout
        assert "SERVER: fd00:ec2::253#53" in got and "192.0.2.1" in got, got
    finally:
        destroy.destroy(prefix, state)
        assert kernel.list_namespaces(prefix) == []
