"""``netemu apply`` killed at a random moment (issue 14), over many seeds: a second ``apply``
completes the deployment (and a third finds nothing to do), and ``destroy`` then leaves nothing
on the host. The kill is a real SIGKILL of our own child, by its PID; each seed has its own
prefix; everything is destroyed also when an assertion fails."""

from __future__ import annotations

import json
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from netemu.dataplane import apply, destroy, kernel
from tests.dataplane.conftest import unique_prefix
from tests.dataplane.test_safety import leftovers
from tests.dataplane.topos import scaled
from tests.helpers import ROOT

pytestmark = [pytest.mark.netns, pytest.mark.slow]
SIZE = 40          # instances: 44 namespaces, about a second to apply on an idle machine
SEEDS = range(8)

CHILD = """
import sys
sys.path.insert(0, {root!r})
from netemu.dataplane import apply
from tests.dataplane.topos import scaled
apply.apply(scaled({size}), {prefix!r}, {state!r})
"""


def kill_apply_at_random(prefix: str, state: Path, rng: random.Random) -> bool:
    """Start an apply, SIGKILL it a random time after its first namespace appears; True when it
    was killed before it finished."""
    code = CHILD.format(root=str(ROOT), size=SIZE, prefix=prefix, state=str(state))
    proc = subprocess.Popen([sys.executable, "-c", code], cwd=ROOT)
    try:
        deadline = time.monotonic() + 60
        while proc.poll() is None and not kernel.list_namespaces(prefix):
            assert time.monotonic() < deadline, "apply created nothing in 60 s"
            time.sleep(0.002)
        time.sleep(rng.uniform(0.0, 0.8))
        finished = proc.poll() is not None
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=10)
        return not finished
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()


def half_done(state: Path) -> bool:
    path = state / "state.json"
    if not path.exists():
        return True
    records = json.loads(path.read_text()).get("namespaces", {}).values()
    return any(r.get("status") != "configured" for r in records)


def namespaces(prefix: str) -> set[str]:
    return {ns.removeprefix(prefix) for ns in kernel.list_namespaces(prefix)}


def test_apply_killed_at_a_random_step_is_completed_then_destroyed(tmp_path: Path) -> None:
    reference, ref_state = unique_prefix(), tmp_path / "reference"
    try:
        apply.apply(scaled(SIZE), reference, ref_state)           # what an unbroken apply makes
        expected = namespaces(reference)
    finally:
        destroy.destroy(reference, ref_state)
    assert len(expected) > SIZE and leftovers(reference) == []
    midway = 0
    for seed in SEEDS:
        prefix, state = unique_prefix(), tmp_path / f"seed{seed}"
        try:
            killed = kill_apply_at_random(prefix, state, random.Random(seed))
            midway += killed and half_done(state)
            again = apply.apply(scaled(SIZE), prefix, state)       # completes what was left
            assert namespaces(prefix) == expected, (seed, again.notes)
            assert apply.apply(scaled(SIZE), prefix, state).steps == ()   # converged
        finally:
            destroy.destroy(prefix, state)
        assert leftovers(prefix) == [], seed
    assert midway >= len(SEEDS) // 2, f"only {midway} of {len(SEEDS)} kills landed half-way"
