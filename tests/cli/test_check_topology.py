"""`netemu check` on topology files, through the real command line: every validation rule and
every Part M row is refused with exit 1, the file and the item named, and no traceback; a good
file passes with exit 0."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.helpers import run_netemu
from tests.vpc import test_load_tgw, test_part_m, test_validation

pytestmark = pytest.mark.slow  # starts a server or a subprocess

GOOD = Path(__file__).resolve().parent.parent / "vpc" / "data" / "architecture-example.yaml"

ALL_CASES = (
    [(f"validation: {c}", t, i, k) for c, t, i, k in test_validation.CASES]
    + [
        (f"shape: {c}", t, i, k)
        for c, t, i, k in test_validation.SHAPE
        if t.lstrip().startswith("vpcs")
    ]
    + [(f"Part M row {r}", t, i, k) for r, t, i, k in test_part_m.REJECTED]
    + [(f"tgw: {c}", t, i, k) for c, t, i, k in test_load_tgw.CASES]
)


def _name(case: str) -> str:
    return re.sub(r"[^A-Za-z0-9]+", "-", case).strip("-")[:80] + ".yaml"


def test_check_refuses_every_rule_naming_file_item_and_code(tmp_path: Path) -> None:
    files = []
    for n, (case, text, item, code) in enumerate(ALL_CASES):
        path = tmp_path / f"{n:03d}-{_name(case)}"
        path.write_text(text)
        files.append((path, case, item, code))
    out = run_netemu("check", *(str(p) for p, *_ in files))
    assert out.returncode == 1, out.stdout + out.stderr
    assert "Traceback" not in out.stdout + out.stderr
    lines = out.stderr.splitlines()
    missing = []
    for path, case, item, code in files:
        want = f"{path}: {item}: {code}: " if item else f"{path}: {code}: "
        if not any(line.startswith(want) for line in lines):
            missing.append(f"{case}: {want}")
    assert not missing, "\n".join(missing)
    assert f"{files[0][0]}: ok" not in out.stdout


def test_check_accepts_a_good_topology() -> None:
    out = run_netemu("check", str(GOOD))
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == f"{GOOD}: ok" and out.stderr == ""


@pytest.mark.parametrize(
    ("content", "code"),
    [
        (None, "FileError"),
        ("vpcs: [\n", "SyntaxError"),
        ("vpcs:\n  - name: a\n    cidr_blocks: 10.0.0.0/16\n", "InvalidParameterValue"),
        (
            "vpcs:\n  - {name: a, cidr_blocks: [10.0.0.0/16], subnets: [{name: s, cidr: "
            "10.0.1.0/24, az: 7}]}\n",
            "InvalidParameterValue",
        ),
        ("\xff\xfe", "FileError"),
    ],
)
def test_check_bad_files_without_traceback(tmp_path: Path, content: str | None, code: str) -> None:
    path = tmp_path / "t.yaml"
    if content == "\xff\xfe":
        path.write_bytes(b"vpcs: [\xff\xfe]\n")
    elif content is not None:
        path.write_text(content)
    out = run_netemu("check", str(path))
    assert out.returncode == 1
    assert "Traceback" not in out.stdout + out.stderr
    assert any(line.startswith(f"{path}: ") and f" {code}: " in f" {line}" or
               line.startswith(f"{path}: {code}:") for line in out.stderr.splitlines()), out.stderr


def test_check_a_folder_skips_the_editors_schema(tmp_path: Path) -> None:
    (tmp_path / "schema.json").write_text('{"$defs": {}}')
    (tmp_path / "good.yaml").write_text(GOOD.read_text())
    out = run_netemu("check", str(tmp_path))
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == f"{tmp_path / 'good.yaml'}: ok"
