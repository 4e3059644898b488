"""Safety (docs/architecture.md, docs/dataplane.md): apply + destroy leave the host namespace
exactly as it was; a killed apply is cleaned up by destroy; destroy never touches a namespace that
is not this deployment's."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from netemu.dataplane import apply, destroy, kernel
from tests.dataplane.conftest import unique_prefix
from tests.dataplane.topos import lab
from tests.helpers import ROOT

pytestmark = pytest.mark.netns

HOST_COMMANDS = [
    ["ip", "-d", "link", "show"],
    ["ip", "addr", "show"],
    ["ip", "route", "show", "table", "all"],
    ["ip", "-6", "route", "show", "table", "all"],
    ["ip", "rule", "show"],
    ["ip", "-6", "rule", "show"],
    ["ip", "netns", "list-id"],
    ["nft", "list", "ruleset"],
]
HOST_SYSCTLS = [
    "net/ipv4/ip_forward",
    "net/ipv4/conf/all/forwarding",
    "net/ipv4/conf/all/rp_filter",
    "net/ipv4/conf/all/send_redirects",
    "net/ipv4/conf/all/accept_redirects",
    "net/ipv6/conf/all/disable_ipv6",
    "net/ipv6/conf/default/disable_ipv6",
    "net/ipv6/conf/all/forwarding",
    "net/ipv6/conf/all/accept_dad",
    "net/ipv6/conf/default/accept_dad",
    "net/ipv6/conf/all/accept_ra",
    "net/ipv6/conf/all/autoconf",
    "net/bridge/bridge-nf-call-iptables",
    "net/bridge/bridge-nf-call-ip6tables",
    "net/bridge/bridge-nf-call-arptables",
    "net/ipv4/ip_local_port_range",
]


def host_snapshot() -> dict[str, str]:
    snap = {
        " ".join(c): subprocess.run(c, capture_output=True, text=True, check=False).stdout
        for c in HOST_COMMANDS
    }
    for key in HOST_SYSCTLS:
        p = Path("/proc/sys") / key
        snap[key] = p.read_text() if p.exists() else "<absent>"
    return snap


def leftovers(prefix: str) -> list[str]:
    etc = (
        [d for d in os.listdir("/etc/netns") if d.startswith(prefix)]
        if os.path.isdir("/etc/netns")
        else []
    )
    return kernel.list_namespaces(prefix) + [f"/etc/netns/{d}" for d in etc]


def test_host_namespace_unchanged_by_apply_and_destroy(tmp_path: Path) -> None:
    """The lab and every shipped topology (IPv6, TGW, NAT, peering...) applied side by side,
    each under its own prefix: the host's links, addresses, routes, rules, firewall and sysctls
    are the same before, during and after."""
    from netemu.vpc.load import load_topology_file

    topologies = [lab()] + [
        load_topology_file(p) for p in sorted((ROOT / "topologies").glob("*.yaml"))
    ]
    deployed = [(unique_prefix(), tmp_path / str(i)) for i in range(len(topologies))]
    before = host_snapshot()
    try:
        for t, (prefix, state) in zip(topologies, deployed, strict=True):
            result = apply.apply(t, prefix, state)
            assert result.steps and kernel.list_namespaces(prefix)
        during = host_snapshot()
    finally:
        for prefix, state in deployed:
            destroy.destroy(prefix, state)
    after = host_snapshot()
    for key in before:
        assert during[key] == before[key], f"apply changed the host: {key}"
        assert after[key] == before[key], f"destroy changed the host: {key}"
    for prefix, _ in deployed:
        assert leftovers(prefix) == []


KILLED_APPLY = """
import sys
sys.path.insert(0, {root!r})
from netemu.dataplane import apply
from tests.dataplane.topos import scaled
apply.apply(scaled(200), {prefix!r}, {state!r})
"""


def test_destroy_after_apply_killed_half_way_leaves_nothing(tmp_path: Path) -> None:
    prefix = unique_prefix()
    code = KILLED_APPLY.format(root=str(ROOT), prefix=prefix, state=str(tmp_path))
    proc = subprocess.Popen([sys.executable, "-c", code], cwd=ROOT)
    state_file = tmp_path / "state.json"
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and proc.poll() is None:
            if len(kernel.list_namespaces(prefix)) >= 20:  # creation has started
                break
            time.sleep(0.005)
        assert proc.poll() is None, (
            "apply finished before it could be killed: make the topology bigger"
        )
        proc.send_signal(signal.SIGKILL)  # our own child, by its PID
        proc.wait(timeout=10)
        assert kernel.list_namespaces(prefix), "the killed apply had created nothing"
        st = json.loads(state_file.read_text())
        assert any(r["status"] != "configured" for r in st["namespaces"].values()), (
            "apply was not half-way"
        )
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        env = dict(os.environ, PYTHONPATH=str(ROOT))
        out = subprocess.run(
            [
                sys.executable,
                "-m",
                "netemu",
                "destroy",
                "--prefix",
                prefix,
                "--state",
                str(tmp_path),
            ],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
    assert out.returncode == 0, out.stderr
    assert leftovers(prefix) == []
    assert not state_file.exists()


def test_destroy_without_state_file_finds_namespaces_by_prefix_and_marker(tmp_path: Path) -> None:
    prefix = unique_prefix()
    try:
        apply.apply(lab(), prefix, tmp_path)
        (tmp_path / "state.json").unlink()
        r = destroy.destroy(prefix, tmp_path)
        assert len(r.removed) == 13
    finally:
        destroy.destroy(prefix, tmp_path)
    assert leftovers(prefix) == []


def test_destroy_leaves_a_namespace_without_our_marker_alone(tmp_path: Path) -> None:
    prefix = unique_prefix()
    foreign = prefix + "someone-else"
    subprocess.run(["ip", "netns", "add", foreign], check=True)
    try:
        apply.apply(lab(), prefix, tmp_path)
        r = destroy.destroy(prefix, tmp_path)
        assert foreign in r.foreign and foreign in kernel.list_namespaces(prefix)
        assert kernel.list_namespaces(prefix) == [foreign]
    finally:
        subprocess.run(["ip", "netns", "del", foreign], check=False)
        destroy.destroy(prefix, tmp_path)
    assert leftovers(prefix) == []
