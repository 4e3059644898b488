"""apply converges: the same topology twice changes nothing, a changed topology applies only the
difference (and the packets follow), --dry-run changes nothing; the command line end to end."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from dataclasses import replace
from pathlib import Path

import pytest

from netemu.dataplane import apply, destroy, kernel
from netemu.vpc.model import NaclRule, PortRange
from netemu.vpc.trace import Flow, trace
from tests.dataplane.conftest import unique_prefix
from tests.dataplane.probe import probe
from tests.dataplane.topos import lab
from tests.helpers import ROOT, run_netemu

pytestmark = pytest.mark.netns


def with_web_nacl_allowing_443(t):  # type: ignore[no-untyped-def]
    app = t.vpcs[0]
    acls = tuple(
        replace(
            a,
            inbound=tuple(
                sorted(
                    a.inbound + (NaclRule(105, 6, "10.0.0.0/8", "allow", PortRange(443, 443)),),
                    key=lambda r: r.number,
                )
            ),
        )
        if a.name == "web"
        else a
        for a in app.network_acls
    )
    return replace(t, vpcs=(replace(app, network_acls=acls),) + t.vpcs[1:])


def without_app2(t):  # type: ignore[no-untyped-def]
    app = t.vpcs[0]
    return replace(
        t,
        vpcs=(replace(app, instances=tuple(i for i in app.instances if i.name != "app2")),)
        + t.vpcs[1:],
    )


def test_apply_converges_and_applies_only_the_difference(tmp_path: Path) -> None:
    prefix = unique_prefix()

    def ns(short: str) -> str:
        return prefix + short
    try:
        first = apply.apply(lab(), prefix, tmp_path)
        assert first.steps
        assert apply.apply(lab(), prefix, tmp_path).steps == ()  # converged: nothing to do

        before = probe(ns("i-app.app1"), ns("i-app.web1"), "10.0.1.10", "tcp", 443)
        assert not before.delivered  # NACL web denies 443 (V33)

        changed = with_web_nacl_allowing_443(lab())
        dry = apply.apply(changed, prefix, tmp_path, dry_run=True)
        assert [(s.action, s.target) for s in dry.steps] == [("configure_ns", ns("r-app"))]
        assert not probe(
            ns("i-app.app1"), ns("i-app.web1"), "10.0.1.10", "tcp", 443
        ).delivered  # dry run

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
        links = subprocess.run(
            ["ip", "-n", ns("r-app"), "-o", "link"], capture_output=True, text=True, check=False
        ).stdout
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
        assert (
            dry.returncode == 0
            and "create_ns" in dry.stdout
            and kernel.list_namespaces(prefix) == []
        )
        out = run_netemu("apply", str(ARCH), *opts)
        assert out.returncode == 0, out.stderr
        again = run_netemu("apply", str(ARCH), *opts)
        assert "nothing to do" in again.stdout
        status = run_netemu("status", *opts)
        assert "app/web1" in status.stdout and "MISSING" not in status.stdout
        ex = run_netemu(
            "exec", *opts, "web1", "--", "ip", "-4", "-o", "addr", "show", "dev", "eth0"
        )
        assert "10.0.1.10/24" in ex.stdout and "198.51.100.10" not in ex.stdout  # V65
        curl = run_netemu("exec", *opts, "client", "--", "python3", "-c",
                          "import socket; s=socket.create_connection(('198.51.100.10', 80), 1)")
        # nothing listens on web1:80, so the IGW, NACL and SG let the SYN in and the RST out
        assert "ConnectionRefusedError" in curl.stderr
        st = json.loads(run_netemu("status", "--json", *opts).stdout)
        assert {r["node"] for r in st["namespaces"]} >= {
            "app/web1",
            "client",
            "router:app",
            "igw:app",
        }
        assert all(r["present"] and r["status"] == "configured" for r in st["namespaces"])
        # V37: apply started the metadata service; curl inside the instance reaches it
        assert "instance metadata service running" in out.stdout
        assert st["metadata_service"]["running"]
        meta = run_netemu("exec", *opts, "web1", "--", "curl", "-s", "--max-time", "5",
                          "http://169.254.169.254/latest/meta-data/local-ipv4")
        assert meta.stdout == "10.0.1.10"
        imds_pid = st["metadata_service"]["pid"]
        # capture: tcpdump in web1 sees the SYN addressed to its private address (1:1 NAT, V65)
        env = dict(os.environ, PYTHONPATH=str(ROOT))
        cap = subprocess.Popen([sys.executable, "-m", "netemu", "capture", *opts, "web1", "--",
                                "-i", "eth0", "-c", "1", "tcp", "port", "80"], cwd=ROOT, env=env,
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        try:
            time.sleep(1.0)  # tcpdump is listening
            run_netemu(
                "exec",
                *opts,
                "client",
                "--",
                "python3",
                "-c",
                "import socket\ntry: socket.create_connection(('198.51.100.10', 80), 1)\nexcept "
                "OSError: pass",
            )
            out, _ = cap.communicate(timeout=10)
        finally:
            if cap.poll() is None:
                cap.kill()  # our own child, by its PID
                cap.wait()
        assert "203.0.113.50" in out and "10.0.1.10.80" in out
    finally:
        d = run_netemu("destroy", *opts)
    assert d.returncode == 0 and kernel.list_namespaces(prefix) == []
    cmdline = Path(f"/proc/{imds_pid}/cmdline")
    assert not cmdline.exists() or b"imds_server" not in cmdline.read_bytes()  # V37: stopped


def test_changed_routes_and_rules_are_reconciled_in_place(tmp_path: Path) -> None:
    """A route table edit (blackhole removed, a peering route added, V26/V57) is applied to the
    live router namespace without recreating it, and the packets follow."""
    from netemu.vpc.model import Route, RouteTarget
    prefix = unique_prefix()

    def ns(short: str) -> str:
        return prefix + short
    t = lab()
    app = t.vpcs[0]
    public = next(r for r in app.route_tables if r.name == "public")
    edited = replace(
        public,
        routes=tuple(r for r in public.routes if r.destination != "192.0.2.0/24")
        + (Route("10.2.0.0/16", RouteTarget("peering", "app-data")),),
    )
    t2 = replace(
        t,
        vpcs=(
            replace(
                app,
                route_tables=tuple(edited if r.name == "public" else r for r in app.route_tables),
            ),
        )
        + t.vpcs[1:],
    )
    try:
        apply.apply(t, prefix, tmp_path)
        def show() -> str:
            return subprocess.run(["ip", "-n", ns("r-app"), "route", "show", "table", "all"],
                                  capture_output=True, text=True, check=False).stdout
        assert "blackhole 192.0.2.0/24" in show()
        steps = apply.apply(t2, prefix, tmp_path).steps
        assert [(s.action, s.target) for s in steps] == [("configure_ns", ns("r-app"))]
        after = show()
        assert "192.0.2.0/24" not in after
        assert after.count("10.2.0.0/16 via") == 2  # private (already) and public tables
        assert apply.apply(t2, prefix, tmp_path).steps == ()
        # still non-transitive: data does not forward app's traffic to ops (V54)
        assert not trace(t2, Flow("web2", "10.2.1.10", "tcp", 9000)).reachable
        assert not probe(ns("i-app.web2"), ns("i-ops.tool1"), "10.2.1.10", "tcp", 9000).delivered
        # a subnet switched to another route table: the policy rule changes (V18)
        app2 = t2.vpcs[0]
        t3 = replace(
            t2,
            vpcs=(
                replace(
                    app2,
                    subnets=tuple(
                        replace(sn, route_table="main") if sn.name == "priv" else sn
                        for sn in app2.subnets
                    ),
                ),
            )
            + t2.vpcs[1:],
        )
        assert probe(ns("i-app.app1"), ns("h-client"), "203.0.113.50", "tcp", 8443).delivered
        assert [(s.action, s.target) for s in apply.apply(t3, prefix, tmp_path).steps] == [
            ("configure_ns", ns("r-app"))
        ]
        assert not trace(t3, Flow("app1", "client", "tcp", 8443)).reachable
        assert not probe(ns("i-app.app1"), ns("h-client"), "203.0.113.50", "tcp", 8443).delivered
        assert apply.apply(t3, prefix, tmp_path).steps == ()
        # a peering removed: its link goes, and so do the routers' rules for it (V57)
        t4 = replace(t3, peerings=tuple(pc for pc in t3.peerings if pc.name != "data-ops"))
        def rules() -> str:
            return subprocess.run(["ip", "-n", ns("r-data"), "rule"], capture_output=True,
                                  text=True, check=False).stdout
        assert rules().count("lookup 999") == 2
        got = {(s.action, s.target) for s in apply.apply(t4, prefix, tmp_path).steps}
        assert got == {
            ("delete_link", "pcx:data-ops"),
            ("configure_ns", ns("r-data")),
            ("configure_ns", ns("r-ops")),
        }
        assert rules().count("lookup 999") == 1
        assert not probe(ns("i-data.db1"), ns("i-ops.tool1"), "10.2.1.10", "tcp", 9000).delivered
        back = apply.apply(t, prefix, tmp_path).steps
        assert ("create_link", "pcx:data-ops") in {(s.action, s.target) for s in back}
        assert probe(ns("i-data.db1"), ns("i-ops.tool1"), "10.2.1.10", "tcp", 9000).delivered
        assert "blackhole 192.0.2.0/24" in show() and show().count("10.2.0.0/16 via") == 1
    finally:
        destroy.destroy(prefix, tmp_path)
    assert kernel.list_namespaces(prefix) == []
