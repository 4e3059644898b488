"""``netemu check`` warns when zones are checked with a topology whose Route 53 checkers cannot
reach a health check's address (R182); without checkers, or alone, the zones are quiet."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.helpers import run_netemu

pytestmark = pytest.mark.slow

DATA = Path(__file__).resolve().parents[1] / "dataplane" / "data"


def test_check_warns_about_a_private_health_check_with_checkers_R182() -> None:
    out = run_netemu("check", str(DATA / "checkers.yaml"), str(DATA / "checkers-zone.yaml"))
    assert out.returncode == 0, out.stderr
    warnings = [line for line in out.stdout.splitlines() if "warning" in line]
    assert len(warnings) == 1, out.stdout
    assert "checkers.yaml" in warnings[0] and "web-private" in warnings[0]
    assert "10.20.1.10" in warnings[0] and "cannot reach it" in warnings[0]
    alone = run_netemu("check", str(DATA / "checkers-zone.yaml"))
    assert alone.returncode == 0 and "warning" not in alone.stdout + alone.stderr


def test_health_applied_without_a_report_says_what_to_do_R183(tmp_path: Path) -> None:
    out = run_netemu("health", "--applied", "--state", str(tmp_path))
    assert out.returncode != 0
    assert str(tmp_path / "route53-health.json") in out.stderr
    assert "netemu apply TOPOLOGY --zones PATH" in out.stderr
