"""``netemu serve --geo FILE``: a bad overrides file is refused whole, naming the entry."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.helpers import free_port, run_netemu

pytestmark = pytest.mark.slow  # starts a server or a subprocess


def test_bad_geo_file_refused_before_serving(tmp_path: Path) -> None:
    geo = tmp_path / "geo.yaml"
    geo.write_text("- {cidr: 198.51.100.0/24, country: FR}\n- {cidr: 10.0.0.0/8, country: ZZ}\n")
    result = run_netemu("serve", "--zones", "zones/policy-simple.yaml", "--geo", str(geo),
                        "--listen", f"127.0.0.1:{free_port()}", timeout=30)
    assert result.returncode == 1
    assert f"{geo}: [1].country: NoSuchGeoLocation:" in result.stderr
    assert "Traceback" not in result.stderr and "serving" not in result.stdout


def test_missing_geo_file(tmp_path: Path) -> None:
    result = run_netemu("serve", "--zones", "zones/policy-simple.yaml", "--geo",
                        str(tmp_path / "nope.yaml"), "--listen", f"127.0.0.1:{free_port()}",
                        timeout=30)
    assert result.returncode == 1
    assert "FileError" in result.stderr and "Traceback" not in result.stderr
