"""`netemu serve` health options: --strict-aws refuses loopback endpoints as AWS does (R84),
and set-level rules refuse a calculated check with a missing or calculated child (R82)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.helpers import ROOT, free_port, run_netemu

ZONE = """
HostedZone: {Name: opts.example.org.}
HealthChecks:
  - Id: local
    HealthCheckConfig: {Type: TCP, IPAddress: 127.0.0.1, Port: 9}
%s
ResourceRecordSets:
  - {Name: www.opts.example.org., Type: A, TTL: 60, ResourceRecords: [{Value: 192.0.2.1}]}
"""


def serve(tmp_path: Path, extra: str, *options: str) -> tuple[int, str]:
    zone = tmp_path / "opts.yaml"
    zone.write_text(ZONE % extra)
    done = run_netemu("serve", "--zones", str(zone), "--listen", f"127.0.0.1:{free_port()}",
                      "--api", f"127.0.0.1:{free_port()}", *options, timeout=30)
    return done.returncode, done.stderr


@pytest.mark.slow  # starts a server or a subprocess
def test_strict_aws_refuses_loopback_R84(tmp_path: Path) -> None:
    rc, err = serve(tmp_path, "", "--strict-aws")
    assert rc == 1
    assert f"{tmp_path / 'opts.yaml'}: HealthChecks[local]: InvalidInput: Invalid parameter : " \
           "IP address '127.0.0.1' is in a local, private, non-routable, or multicast range" in err
    assert "Traceback" not in err


@pytest.mark.slow  # starts a server or a subprocess
def test_strict_aws_names_the_file_inside_a_folder_R84(tmp_path: Path) -> None:
    """Every error names its file, also when serve was given a folder."""
    (tmp_path / "opts.yaml").write_text(ZONE % "")
    done = run_netemu("serve", "--zones", str(tmp_path), "--listen", f"127.0.0.1:{free_port()}",
                      "--api", f"127.0.0.1:{free_port()}", "--strict-aws", timeout=30)
    assert done.returncode == 1
    assert f"{tmp_path / 'opts.yaml'}: HealthChecks[local]: InvalidInput:" in done.stderr


@pytest.mark.slow  # starts a server or a subprocess
def test_calculated_children_must_exist_and_not_be_calculated_R82(tmp_path: Path) -> None:
    extra = """  - Id: both
    HealthCheckConfig: {Type: CALCULATED, HealthThreshold: 1, ChildHealthChecks: [local, ghost]}
  - Id: outer
    HealthCheckConfig: {Type: CALCULATED, HealthThreshold: 1, ChildHealthChecks: [both]}"""
    rc, err = serve(tmp_path, extra)
    assert rc == 1
    assert "HealthChecks[both]: NoSuchHealthCheck: No health check exists with the specified " \
           "ID ghost." in err
    assert "HealthChecks[outer]: InvalidInput: Invalid parameter : A calculated health check " \
           "can't have another calculated health check (both) as a child." in err


@pytest.mark.slow  # starts a server or a subprocess
def test_time_scale_must_be_positive(tmp_path: Path) -> None:
    rc, err = serve(tmp_path, "", "--time-scale", "0")
    assert rc == 2 and "must be greater than 0" in err


def test_shipped_zones_include_health_examples() -> None:
    assert (ROOT / "zones" / "health-failover.yaml").exists()
    assert (ROOT / "zones" / "health-weighted.yaml").exists()


@pytest.mark.slow  # starts a server or a subprocess
def test_check_refuses_calculated_children_like_serve_R82(tmp_path: Path) -> None:
    """`netemu check` applies the rules across checks too, so a set it accepts serves."""
    zone = tmp_path / "opts.yaml"
    zone.write_text(ZONE % """  - Id: both
    HealthCheckConfig: {Type: CALCULATED, HealthThreshold: 1, ChildHealthChecks: [local, ghost]}""")
    done = run_netemu("check", str(zone))
    assert done.returncode == 1
    assert f"{zone}: HealthChecks[both]: NoSuchHealthCheck: No health check exists with the " \
           "specified ID ghost." in done.stderr
    assert done.stderr.count("NoSuchHealthCheck") == 1 and "Traceback" not in done.stderr
