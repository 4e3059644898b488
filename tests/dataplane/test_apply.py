"""apply converges: the same topology twice changes nothing, a changed topology applies only the
difference (and the packets follow), --dry-run changes nothing; the command line end to end."""

from __future__ import annotations

import subprocess
from dataclasses import replace
from pathlib import Path

import pytest

from netemu.dataplane import apply, destroy, kernel
from netemu.vpc.model import NaclRule, PortRange
from netemu.vpc.trace import Flow, trace
from tests.dataplane.conftest import unique_prefix
from tests.dataplane.probe import probe
from tests.dataplane.topos import lab
from tests.helpers import run_netemu

pytestmark = pytest.mark.netns


def with_web_nacl_allowing_443(t):  # type: ignore[no-untyped-def]
    app = t.vpcs[0]
    acls = tuple(
        replace(a, inbound=tuple(sorted(a.inbound + (NaclRule(105, 6, "10.0.0.0/8", "allow", PortRange(443, 443)),),
                                        key=lambda r: r.number)))
        if a.name == "web" else a for a in app.network_acls)
    return replace(t, vpcs=(replace(app, network_acls=acls),) + t.vpcs[1:])


def without_app2(t):  # type: ignore[no-untyped-def]
    app = t.vpcs[0]
    return replace(t, vpcs=(replace(app, instances=tuple(i for i in app.instances if i.name != "app2")),) + t.vpcs[1:])


def test_apply_converges_and_applies_only_the_difference(tmp_path: Path) -> None:
    prefix = unique_prefix()
    ns = lambda short: prefix + short  # noqa: E731
    try:
        first = apply.apply(lab(), prefix, tmp_path)
        assert first.steps
        assert apply.apply(lab(), prefix, tmp_path).steps == ()  # converged: nothing to do

        before = probe(ns("i-app.app1"), ns("i-app.web1"), "10.0.1.10", "tcp", 443)
        assert not before.delivered  # NACL web denies 443 (V33)

        changed = with_web_nacl_allowing_443(lab())
        dry = apply.apply(changed, prefix, tmp_path, dry_run=True)
        assert [(s.action, s.target) for s in dry.steps] == [("configure_ns", ns("r-app"))]
        assert not probe(ns("i-app.app1"), ns("i-app.web1"), "10.0.1.10", "tcp", 443).delivered  # dry run

        done = apply.apply(changed, prefix, tmp_path)
        assert [(s.action, s.target) for s in done.steps] == [("configure_ns", ns("r-app"))]
        assert trace(changed, Flow("app1", "10.0.1.10", "tcp", 443)).reachable
        assert probe(ns("i-app.app1"), ns("i-app.web1"), "10.0.1.10", "tcp", 443).delivered
        assert apply.apply(changed, prefix, tmp_path).steps == ()

        smaller = without_app2(changed)
        gone = apply.apply(smaller, prefix, tmp_path)
        assert {(s.action, s.target) for s in gone.steps} == {
            ("delete_link", "eni:app/i:app2"), ("delete_ns", ns("i-app.app2"))}
        assert ns("i-app.app2") not in kernel.list_namespaces(prefix)
        links = subprocess.run(["ip", "-n", ns("r-app"), "-o", "link"], capture_output=True, text=True).stdout
        assert links.count("master") == 4  # web1, web2, app1, nat-a ports: app2's veth is gone
        # the rest still works
        assert probe(ns("i-app.app1"), ns("i-app.web1"), "10.0.1.10", "tcp", 443).delivered

        back = apply.apply(changed, prefix, tmp_path)
        assert ("create_ns", ns("i-app.app2")) in {(s.action, s.target) for s in back.steps}
        assert probe(ns("i-app.app2"), ns("i-app.app1"), "10.0.2.10", "tcp", 8080).delivered
    finally:
        destroy.destroy(prefix, tmp_path)
    assert kernel.list_namespaces(prefix) == []


ARCH = Path(__file__).parent / "data" / "architecture-example.yaml"


def test_command_line_apply_status_exec_destroy(tmp_path: Path) -> None:
    prefix = unique_prefix()
    opts = ["--prefix", prefix, "--state", str(tmp_path)]
    try:
        dry = run_netemu("apply", str(ARCH), "--dry-run", *opts)
        assert dry.returncode == 0 and "create_ns" in dry.stdout and kernel.list_namespaces(prefix) == []
        out = run_netemu("apply", str(ARCH), *opts)
        assert out.returncode == 0, out.stderr
        again = run_netemu("apply", str(ARCH), *opts)
        assert "nothing to do" in again.stdout
        status = run_netemu("status", *opts)
        assert "app/web1" in status.stdout and "MISSING" not in status.stdout
        ex = run_netemu("exec", *opts, "web1", "--", "ip", "-4", "-o", "addr", "show", "dev", "eth0")
        assert "10.0.1.10/24" in ex.stdout and "198.51.100.10" not in ex.stdout  # V65
        curl = run_netemu("exec", *opts, "client", "--", "python3", "-c",
                          "import socket; s=socket.create_connection(('198.51.100.10', 80), 1)")
        # nothing listens on web1:80, so the IGW, NACL and SG let the SYN in and the RST out
        assert "ConnectionRefusedError" in curl.stderr
    finally:
        d = run_netemu("destroy", *opts)
    assert d.returncode == 0 and kernel.list_namespaces(prefix) == []
