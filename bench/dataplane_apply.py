"""Benchmark: `netemu apply` and `netemu destroy` time against the number of instances.

Run as root:  .venv/bin/python bench/dataplane_apply.py [10 50 200]
Each size is a generated topology (tests/dataplane/topos.py: one VPC, 50 instances per subnet,
an IGW, one internet host) applied under its own prefix and state directory, then re-applied
(the converged no-op) and destroyed. Prints one line per size.
"""

from __future__ import annotations

import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

# Imported after the line above puts the repository root first on sys.path (run as a script).
from netemu.dataplane import apply, destroy, kernel  # noqa: E402
from tests.dataplane.topos import scaled  # noqa: E402


def main(sizes: list[int]) -> int:
    if os.geteuid() != 0:
        print("bench/dataplane_apply.py: needs root (network namespaces); skipped")
        return 0
    print(f"command: {sys.executable} bench/dataplane_apply.py {' '.join(map(str, sizes))}")
    print(
        f"{'instances':>9} {'namespaces':>10} {'steps':>6} {'apply s':>8} {'re-apply s':>10} "
        f"{'destroy s':>9}"
    )
    for n in sizes:
        prefix = f"netemu-bench{os.getpid() % 10000}x{n}-"
        with tempfile.TemporaryDirectory() as state:
            try:
                t0 = time.perf_counter()
                r = apply.apply(scaled(n), prefix, state)
                t1 = time.perf_counter()
                again = apply.apply(scaled(n), prefix, state)
                t2 = time.perf_counter()
                assert not again.steps
                spaces = len(kernel.list_namespaces(prefix))
            finally:
                t3 = time.perf_counter()
                destroy.destroy(prefix, state)
                t4 = time.perf_counter()
            assert not kernel.list_namespaces(prefix)
        print(
            f"{n:>9} {spaces:>10} {len(r.steps):>6} {t1 - t0:>8.2f} {t2 - t1:>10.2f} "
            f"{t4 - t3:>9.2f}"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main([int(a) for a in sys.argv[1:]] or [10, 50, 200]))
