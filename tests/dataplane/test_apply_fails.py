"""``netemu apply`` interrupted by a failing ``ip`` command (issue 14), over several seeds: at a
chosen step the kernel refuses one command (a real collision made by ``tests/dataplane/
sabotage.py`` inside the test's own namespaces). The command line's error names the step, the
object and the kernel's message, with no traceback. Then, on alternate seeds, either
``netemu destroy`` leaves nothing under the prefix (namespaces, /etc/netns, links, nftables
tables) and a fresh ``apply`` completes, or the cause is removed and ``apply`` completes what
was left; either way the deployment then passes a packet check against the model, and a final
``destroy`` leaves nothing. Each seed has its own prefix; everything is destroyed also when an
assertion fails."""

from __future__ import annotations

import os
import random
import subprocess
import sys
from pathlib import Path

import pytest

from netemu.dataplane import apply, destroy, names
from netemu.dataplane.execns import resolve
from netemu.vpc.load import load_topology_file
from netemu.vpc.trace import Flow, trace
from tests.dataplane import sabotage
from tests.dataplane.conftest import unique_prefix
from tests.dataplane.probe import probe
from tests.dataplane.test_safety import leftovers
from tests.helpers import ROOT

pytestmark = [pytest.mark.netns, pytest.mark.slow]
TOPOLOGY = ROOT / "topologies" / "peering.yaml"
SEEDS = range(8)      # each kind of failing script (sabotage.KINDS) twice
FLOWS = [("spoke-a/a1", "hub/h1", "10.0.1.10", 5432),    # across the peering: delivered
         ("spoke-a/a1", "spoke-b/b1", "10.2.1.10", 443),   # not transitive: dropped
         ("hub/h1", "spoke-a/a1", "10.1.1.10", 443)]


def netemu(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "netemu", *args], cwd=ROOT, text=True,
                          capture_output=True, timeout=180, check=False,
                          env=dict(env or os.environ, PYTHONPATH=str(ROOT)))


def host_leftovers(prefix: str) -> list[str]:
    """Namespaces and /etc/netns entries under the prefix, and any link or nftables table of
    this deployment in the host namespace (there must never be one)."""
    found = leftovers(prefix)
    marker = names.marker(names.deployment_id(prefix), "")
    links = subprocess.run(["ip", "-o", "-d", "link", "show"], capture_output=True, text=True,
                           check=True).stdout
    found += [line for line in links.splitlines() if marker in line or prefix in line]
    tables = subprocess.run(["nft", "list", "tables"], capture_output=True, text=True,
                            check=False).stdout
    found += [t for t in tables.splitlines() if names.NFT_TABLE_PREFIX in t]
    return found


def packets_agree_with_the_model(prefix: str, state: Path) -> None:
    topology = load_topology_file(TOPOLOGY)
    for src, dst, ip, port in FLOWS:
        expected = trace(topology, Flow(src.split("/")[1], ip, "tcp", port)).reachable
        got = probe(resolve(src, prefix, state)[0], resolve(dst, prefix, state)[0], ip, "tcp",
                    port)
        assert got.delivered == expected, (src, dst, port, expected, got)


def test_apply_with_a_failing_ip_command_is_destroyed_or_completed(tmp_path: Path) -> None:
    # A reference run through the same program, failing nothing: how many steps it can fail.
    prefix, state = unique_prefix(), tmp_path / "ref"
    bin_dir = sabotage.install(tmp_path / "ref-bin")
    try:
        done = netemu("apply", str(TOPOLOGY), "--prefix", prefix, "--state", str(state),
                      "--quiet", env=sabotage.environment(dict(os.environ), bin_dir, prefix,
                                                          "none", -1, 0))
        assert done.returncode == 0, done.stderr
        totals = {kind: sabotage.counted(bin_dir, kind) for kind in sabotage.KINDS}
    finally:
        destroy.destroy(prefix, state)
    assert all(totals.values()) and host_leftovers(prefix) == [], totals
    rng = random.Random(14)
    for seed in SEEDS:   # every kind of step, at a random one of its scripts and lines
        kind = sabotage.KINDS[seed // 2 % len(sabotage.KINDS)]   # destroyed, then completed
        at, pick = rng.randrange(totals[kind]), rng.randrange(100)
        prefix, state = unique_prefix(), tmp_path / f"seed{seed}"
        bin_dir = sabotage.install(tmp_path / f"bin{seed}")
        env = sabotage.environment(dict(os.environ), bin_dir, prefix, kind, at, pick)
        try:
            failed = netemu("apply", str(TOPOLOGY), "--prefix", prefix, "--state", str(state),
                            "--quiet", env=env)
            made = sabotage.record(bin_dir)
            assert made is not None and made["made"], (seed, kind, at, made)
            # The error names the step, the object and the kernel's own words; no traceback.
            err = failed.stderr
            print(f"seed {seed} ({kind}): {err.splitlines()[0] if err else failed.stdout}")
            assert failed.returncode == 1, (seed, failed.stdout, err)
            assert "Traceback" not in err and err.startswith("netemu apply: step "), err
            assert "failed:" in err and str(made["kernel"]) in err, (made, err)
            obj = made["make"][2]  # type: ignore[index]
            assert f"`{made['make'][0]} add {obj}" in err or f" {obj} " in err, (made, err)  # type: ignore[index]
            assert "netemu destroy" in err
            if seed % 2 == 0:
                gone = netemu("destroy", "--prefix", prefix, "--state", str(state))
                assert gone.returncode == 0, gone.stderr
                assert host_leftovers(prefix) == [], seed
            else:                                   # remove the cause, apply completes the rest
                undo = ["ip", *made["family"], "-n", made["namespace"], *made["undo"]]  # type: ignore[misc]
                subprocess.run(undo, check=True, capture_output=True)
            # The second apply: the function the command line calls (without starting the
            # resolver and metadata processes, which the packet check does not need).
            again = apply.apply(load_topology_file(TOPOLOGY), prefix, state)
            assert again.steps, seed
            assert apply.apply(load_topology_file(TOPOLOGY), prefix, state).steps == ()
            packets_agree_with_the_model(prefix, state)
        finally:
            destroy.destroy(prefix, state)       # also when an assertion failed
        assert host_leftovers(prefix) == [], seed
