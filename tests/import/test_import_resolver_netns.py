"""``netemu apply`` of the imported account with its imported zones (root; netns): the Route 53
Resolver in each VPC answers the private zone billing.internal. only in the VPCs that
get-hosted-zone lists (shop and billing, whose describe-vpc-attribute outputs turn DNS
hostnames on, R88), not in ops; the public zone answers everywhere."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from netemu.dataplane import kernel
from tests.dataplane.conftest import unique_prefix
from tests.helpers import run_netemu

pytestmark = [pytest.mark.netns, pytest.mark.slow,
              pytest.mark.skipif(shutil.which("dig") is None, reason="needs dig")]

DATA = Path(__file__).resolve().parent / "data" / "account"


def dig(ns: str, name: str) -> list[str]:
    return subprocess.run(["ip", "netns", "exec", ns, "dig", "+short", "+time=2", "+tries=1",
                           name], capture_output=True, text=True, timeout=20,
                          check=False).stdout.split()


def test_imported_private_zone_is_seen_from_its_vpcs_only(tmp_path: Path) -> None:
    out = tmp_path / "imported"
    done = run_netemu("import", "aws", str(DATA), "-o", str(out))
    assert done.returncode == 0, done.stderr
    prefix, state = unique_prefix(), tmp_path / "state"
    common = ["--state", str(state), "--prefix", prefix]
    try:
        done = run_netemu("apply", str(out / "topology.yaml"), "--zones", str(out / "zones"),
                          "--quiet", *common, timeout=240)
        assert done.returncode == 0, done.stdout + done.stderr
        app, db, monitor = (f"{prefix}i-{v}.{i}" for v, i in
                            (("shop", "app-1"), ("billing", "db-1"), ("ops", "monitor-1")))
        assert dig(app, "db.billing.internal") == ["10.30.1.10"]
        assert dig(db, "db.billing.internal") == ["10.30.1.10"]
        assert dig(db, "pg.billing.internal")[:1] == ["db.billing.internal."]  # the CNAME
        assert dig(monitor, "db.billing.internal") == []          # ops is not associated
        assert dig(monitor, "www.example.com") == ["198.51.100.10"]  # the public zone (R47)
    finally:
        done = run_netemu("destroy", *common)
        assert done.returncode == 0, done.stderr
        assert kernel.list_namespaces(prefix) == []
