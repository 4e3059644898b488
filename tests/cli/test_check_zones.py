"""``netemu check`` on zone files: each rule broken in its own file is reported with the file and
the record, exit 1, never a traceback (docs/behaviour.md R14-R40; cases in tests/zone_cases.py)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.helpers import ROOT, run_netemu
from tests.zone_cases import INVALID

pytestmark = pytest.mark.slow  # starts a server or a subprocess


def test_shipped_zones_pass() -> None:
    result = run_netemu("check", str(ROOT / "zones"))
    assert result.returncode == 0, result.stderr
    assert "basics.yaml: ok" in result.stdout and "legacy.zone: ok" in result.stdout


@pytest.mark.parametrize("rule,text,item,code,words", INVALID, ids=[c[0] for c in INVALID])
def test_check_rejects(tmp_path: Path, rule, text, item, code, words) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text(text)
    result = run_netemu("check", str(bad))
    assert result.returncode == 1
    assert f"{bad}: {item}: {code}: " in result.stderr, result.stderr
    assert words in result.stderr
    assert "Traceback" not in result.stderr + result.stdout


@pytest.mark.parametrize("content", ["{ not yaml: [", "- just\n- a list\n", "\x00\x01binary",
                                     "HostedZone: 7\n", "ResourceRecordSets: [1, 2]\n"])
def test_check_survives_garbage(tmp_path: Path, content: str) -> None:
    bad = tmp_path / "garbage.yaml"
    bad.write_text(content)
    result = run_netemu("check", str(bad))
    assert result.returncode == 1
    assert str(bad) in result.stderr and "Traceback" not in result.stderr


def test_serve_refuses_a_bad_set(tmp_path: Path) -> None:
    """A bad file is refused whole: serve prints the problems and exits 1 before listening."""
    (tmp_path / "bad.yaml").write_text(INVALID[4][1])
    result = run_netemu("serve", "--zones", str(tmp_path), "--listen", "127.0.0.1:0", timeout=30)
    assert result.returncode == 1
    assert "example.com. CNAME: InvalidChangeBatch" in result.stderr


def test_health_checks_may_live_in_their_own_file(tmp_path: Path) -> None:
    """A record may name a health check defined in another file of the same set."""
    (tmp_path / "checks.yaml").write_text(
        "HealthChecks:\n  - {Id: web, HealthCheckConfig: {Type: TCP, IPAddress: 127.0.0.1, Port: "
        "80}}\n"
    )
    (tmp_path / "zone.yaml").write_text(
        "HostedZone: {Name: example.com}\nResourceRecordSets:\n"
        "  - {Name: www.example.com, Type: A, TTL: 60, HealthCheckId: web, "
        "ResourceRecords: [{Value: 192.0.2.1}]}\n")
    result = run_netemu("check", str(tmp_path))
    assert result.returncode == 0, result.stderr
    (tmp_path / "checks.yaml").unlink()
    result = run_netemu("check", str(tmp_path))
    assert result.returncode == 1 and "NoSuchHealthCheck" in result.stderr
