"""Progress of long work (netemu/progress.py): ``netemu apply`` and the bench scripts draw one
line on stderr when it is a terminal (here a real pseudo-terminal from the ``pty`` module), and
write nothing to stderr through a pipe or with ``--quiet``; stdout is the same either way."""

from __future__ import annotations

import io
import os
import pty
import subprocess
import sys
from pathlib import Path

import pytest

from netemu.progress import Progress, take_quiet
from tests.helpers import ROOT

ENV = dict(os.environ, PYTHONPATH=str(ROOT))


def on_pty(argv: list[str], timeout: float = 300) -> tuple[int, str, str]:
    """Run ``argv`` with stderr on a new pseudo-terminal and stdout on a pipe: (exit status,
    stdout, everything written to the terminal)."""
    master, slave = pty.openpty()
    proc = subprocess.Popen(argv, cwd=ROOT, env=ENV, stdin=subprocess.DEVNULL,
                            stdout=subprocess.PIPE, stderr=slave)
    os.close(slave)
    seen = bytearray()
    try:
        while True:
            try:
                chunk = os.read(master, 4096)
            except OSError:   # EIO: every holder of the terminal has closed it
                break
            if not chunk:
                break
            seen += chunk
    finally:
        os.close(master)
    assert proc.stdout is not None
    out = proc.stdout.read().decode()
    proc.stdout.close()
    return proc.wait(timeout), out, seen.decode(errors="replace")


def piped(argv: list[str], timeout: float = 300) -> subprocess.CompletedProcess[str]:
    return subprocess.run(argv, cwd=ROOT, env=ENV, capture_output=True, text=True,
                          timeout=timeout, check=False)


# --- the class ---------------------------------------------------------------------------------


class _Tty(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_progress_draws_on_a_terminal_and_erases_its_line() -> None:
    tty = _Tty()
    with Progress("work", 3, stream=tty, interval=0) as p:
        for n in range(3):
            p.step(note=f"item {n}")
    text = tty.getvalue()
    assert "\r\x1b[Kwork [1/3] item 0" in text and "work [3/3] item 2" in text
    assert text.endswith("\r\x1b[K")   # erased: stdout output after it starts on a clean line
    plain = io.StringIO()             # not a terminal
    with Progress("work", 3, stream=plain, interval=0) as p:
        p.step()
    quiet = _Tty()
    with Progress("work", 3, stream=quiet, quiet=True, interval=0) as p:
        p(1, 3, "step")
    assert plain.getvalue() == "" and quiet.getvalue() == ""


def test_take_quiet() -> None:
    argv = ["10", "--quiet", "50"]
    assert take_quiet(argv) and argv == ["10", "50"]
    assert not take_quiet(argv)


# --- bench scripts (pure ones: no root, no server) --------------------------------------------

BENCH = [sys.executable, "bench/bench_topology_load.py", "3", "4", "5"]


@pytest.mark.slow
def test_bench_script_shows_progress_on_a_terminal_only() -> None:
    rc, out, tty = on_pty(BENCH)
    assert rc == 0, out + tty
    assert "bench_topology_load [" in tty and "\x1b[K" in tty
    assert "load_topology: 3 VPCs, 12 subnets, 60 instances" in out
    rc, quiet_out, quiet_tty = on_pty([*BENCH, "--quiet"])
    assert rc == 0 and quiet_tty == "", quiet_tty
    result = piped(BENCH)
    assert result.returncode == 0 and result.stderr == "", result.stderr
    assert "load_topology: 3 VPCs" in result.stdout and "load_topology: 3 VPCs" in quiet_out


@pytest.mark.slow
def test_bench_policies_progress_per_case() -> None:
    rc, out, tty = on_pty([sys.executable, "bench/policies.py", "--calls", "50"])
    assert rc == 0, out + tty
    assert "policies [1/10] simple" in tty and "policies [10/10] alias chain" in tty
    assert out.count(" us/query") == 1 and "weighted" in out
    result = piped([sys.executable, "bench/policies.py", "--calls", "50"])
    assert result.returncode == 0 and result.stderr == "", result.stderr


# --- netemu apply (root: network namespaces) -------------------------------------------------


def _netemu(*argv: str) -> list[str]:
    return [sys.executable, "-m", "netemu", *argv]


@pytest.mark.netns
@pytest.mark.slow
def test_apply_progress_on_a_terminal_quiet_through_a_pipe_and_with_quiet(tmp_path: Path) -> None:
    topology = str(ROOT / "topologies" / "three-tier.yaml")
    runs = {
        "tty": lambda common: on_pty(_netemu("apply", topology, *common)),
        "tty --quiet": lambda common: on_pty(_netemu("apply", "--quiet", topology, *common)),
        "pipe": lambda common: _as_tuple(piped(_netemu("apply", topology, *common))),
    }
    seen: dict[str, tuple[int, str, str]] = {}
    for n, (label, run) in enumerate(runs.items()):
        common = ["--prefix", f"netemu-pg{os.getpid() % 10000}x{n}-",
                  "--state", str(tmp_path / f"state{n}")]
        try:
            seen[label] = run(common)
        finally:
            piped(_netemu("destroy", *common))
    for label, (rc, out, err) in seen.items():
        assert rc == 0, (label, out, err)
        assert "apply:" in out and " steps in " in out, (label, out)
    steps = int(seen["tty"][1].split("apply: ")[-1].split(" steps")[0])
    assert f"apply [{steps}/{steps}]" in seen["tty"][2]   # the last step was drawn
    assert "\r\x1b[K" in seen["tty"][2]
    assert "apply [" not in seen["tty --quiet"][2]
    assert "apply [" not in seen["pipe"][2]


def _as_tuple(r: subprocess.CompletedProcess[str]) -> tuple[int, str, str]:
    return r.returncode, r.stdout, r.stderr
