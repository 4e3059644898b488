"""Where the example zones and topologies come from when a path is not given or not here
(netemu/shipped.py): ``./zones`` first for ``serve``, else the shipped copy; a relative path that
does not exist falls back to the shipped file of the same path, said on stderr."""

from __future__ import annotations

from pathlib import Path

import pytest

from netemu import shipped
from tests.helpers import run_netemu


def test_default_zones_prefers_the_current_folder(tmp_path: Path) -> None:
    assert shipped.default_zones(tmp_path) == shipped.zones()
    assert (shipped.zones() / "basics.yaml").is_file()
    (tmp_path / "zones").mkdir()
    assert shipped.default_zones(tmp_path) == tmp_path / "zones"


def test_resolve_falls_back_only_when_the_path_is_missing(tmp_path: Path) -> None:
    found, fallback = shipped.resolve("topologies/three-tier.yaml", tmp_path)
    assert fallback and found == shipped.topologies() / "three-tier.yaml" and found.is_file()
    found, fallback = shipped.resolve("policy-weighted.yaml", tmp_path)
    assert fallback and found == shipped.zones() / "policy-weighted.yaml"
    (tmp_path / "topologies").mkdir()
    (tmp_path / "topologies" / "three-tier.yaml").write_text("vpcs: []\n")
    assert shipped.resolve("topologies/three-tier.yaml", tmp_path) == (
        Path("topologies/three-tier.yaml"), False)
    assert shipped.resolve("topologies/nothere.yaml", tmp_path) == (
        Path("topologies/nothere.yaml"), False)


@pytest.mark.slow
def test_check_and_trace_from_another_folder_use_the_shipped_copy(tmp_path: Path) -> None:
    check = run_netemu("check", "zones/basics.yaml", cwd=tmp_path)
    assert check.returncode == 0, check.stderr
    assert "zones/basics.yaml is not here; using the shipped copy" in check.stderr
    trace = run_netemu("trace", "topologies/peering.yaml", "--from", "nowhere", "--to",
                       "nowhere2", cwd=tmp_path)
    assert "using the shipped copy" in trace.stderr
    missing = run_netemu("check", "zones/nothere.yaml", cwd=tmp_path)
    assert missing.returncode == 1 and "nothere.yaml" in missing.stderr
    assert "shipped copy" not in missing.stderr
