"""The shipped example topologies: each loads (``netemu check``), each trace command in its
header comments gives the verdict the comment promises, and its JSON equals the golden file in
tests/golden/traces/. Regenerate the golden files only on purpose:

    NETEMU_REGEN_GOLDEN=1 .venv/bin/python -m pytest tests/vpc/test_examples_golden.py
"""

from __future__ import annotations

import json
import os
import re
import shlex
from pathlib import Path

import pytest

from netemu.cli import build_parser
from netemu.cli.trace import flow_from_args
from netemu.vpc import flowlogs
from netemu.vpc.load import load_topology_file
from netemu.vpc.trace import trace

ROOT = Path(__file__).resolve().parents[2]
TOPOLOGIES = sorted((ROOT / "topologies").glob("*.yaml"))
GOLDEN = ROOT / "tests" / "golden" / "traces"
REGEN = os.environ.get("NETEMU_REGEN_GOLDEN") == "1"
FLOW_LOG_START = 1700000000

COMMAND = re.compile(r"^#\s+\$ netemu (trace .*)$")
VERDICT = re.compile(r"^#\s+=> (REACHABLE|NOT REACHABLE)\b")


def commented_traces() -> list[tuple[str, str, bool]]:
    """(file, command, expected reachable) for every ``$ netemu trace`` line of the examples."""
    out = []
    for path in TOPOLOGIES:
        lines = path.read_text().splitlines()
        for i, line in enumerate(lines):
            m = COMMAND.match(line)
            if not m:
                continue
            v = VERDICT.match(lines[i + 1]) if i + 1 < len(lines) else None
            assert v, f"{path.name}: the command on line {i + 1} has no '=> VERDICT' line after it"
            out.append((path.name, m.group(1), v.group(1) == "REACHABLE"))
    return out


CASES = commented_traces()


def slug(command: str) -> str:
    words = shlex.split(command)[1:]
    words[0] = Path(words[0]).stem
    text = "_".join(w.lstrip("-") for w in words)
    return re.sub(r"[^A-Za-z0-9_.-]+", "-", text)


def test_at_least_six_examples_each_with_commands() -> None:
    assert len(TOPOLOGIES) >= 6
    files = {c[0] for c in CASES}
    assert files == {p.name for p in TOPOLOGIES}
    for name in files:  # each example shows both outcomes
        verdicts = {c[2] for c in CASES if c[0] == name}
        assert verdicts == {True, False}, name


@pytest.mark.parametrize("path", TOPOLOGIES, ids=lambda p: p.name)
def test_example_loads(path: Path) -> None:
    load_topology_file(path)


@pytest.mark.parametrize("name, command, reachable", CASES, ids=[slug(c[1]) for c in CASES])
def test_commented_trace(name: str, command: str, reachable: bool) -> None:
    args = build_parser().parse_args(shlex.split(command))
    topology = load_topology_file(ROOT / args.topology)
    result = trace(topology, flow_from_args(args), all_blockers=args.all_blockers)
    assert result.reachable is reachable, f"{name}: {command}: the comment says otherwise"
    data = result.to_json()
    data["flow_log"] = [str(r) for r in flowlogs.records(result, topology.account_id,
                                                         FLOW_LOG_START)]
    golden = GOLDEN / f"{slug(command)}.json"
    text = json.dumps(data, indent=2, sort_keys=True) + "\n"
    if REGEN:
        golden.write_text(text)
    assert golden.exists(), f"no golden file {golden.name}: run with NETEMU_REGEN_GOLDEN=1"
    assert json.loads(golden.read_text()) == data, f"{golden.name} differs"


def test_no_stale_golden_files() -> None:
    wanted = {f"{slug(c[1])}.json" for c in CASES}
    present = {p.name for p in GOLDEN.glob("*.json")}
    assert present <= wanted, f"golden files without a command: {sorted(present - wanted)}"
