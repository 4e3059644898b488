"""Before/after for ``netemu serve``: two (or more) checkouts side by side, same load, interleaved.

Each variant is ``DIR`` or ``DIR:FLAG,FLAG`` (a netemu checkout, e.g. one made with
``git archive COMMIT | tar -x -C DIR``, and extra ``netemu serve`` flags such as
``--no-query-log``). Every round starts each variant in turn on bench/dns_compare.py's zone,
pinned to CPU 1, and measures with the same instruments as that script: server CPU per reply and
replies/s under bench/dnsload.c (closed loop, CPU 0) for the plain and weighted queries, and the
latency (mean / median, ms) at 5,000 queries/s with dnsperf (CPU 0). Prints medians over rounds.
Bounded: ROUNDS (at most 5) x SECONDS (at most 30) per measurement; servers stopped by PID.
Usage: ``.venv/bin/python bench/dns_ab.py [--rounds 3] [--seconds 3] [VARIANT...]`` (no
variant: this checkout with the query log off, then on).
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import dns_compare as dc  # noqa: E402

KINDS = ("plain", "weighted")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--seconds", type=int, default=3)
    parser.add_argument("variants", nargs="*", metavar="DIR[:FLAGS]",
                        help="default: this checkout with the query log off, then on")
    args = parser.parse_args()
    args.variants = args.variants or [f"{dc.ROOT}:--no-query-log", str(dc.ROOT)]
    rounds, seconds = max(1, min(args.rounds, 5)), max(1, min(args.seconds, 30))
    pin = (os.cpu_count() or 1) >= 2
    cpu: dict[tuple[str, str], list[float]] = {}
    qps: dict[tuple[str, str], list[float]] = {}
    lat: dict[str, list[tuple[float, float]]] = {}
    load_before = os.getloadavg()[0]
    with tempfile.TemporaryDirectory(prefix="netemu-ab-") as tmpdir:
        tmp = Path(tmpdir)
        gen = dc.build_generator(tmp)
        for _ in range(rounds):
            for spec in args.variants:
                tree, _, flags = spec.partition(":")
                work = Path(tempfile.mkdtemp(dir=tmp))
                port = dc.free_port()
                dc.netemu_setup(work, port)
                cmd = [sys.executable, "-m", "netemu", "serve", "--zones", str(work / "zones"),
                       "--listen", f"127.0.0.1:{port}", "--api", f"127.0.0.1:{dc.free_port()}",
                       *[f for f in flags.split(",") if f]]
                if pin:
                    cmd = ["taskset", "-c", "1", *cmd]
                with (work / "server.log").open("wb") as log:
                    proc = subprocess.Popen(cmd, cwd=work, stdout=log, stderr=subprocess.STDOUT,
                                            start_new_session=True,
                                            env=dict(os.environ, PYTHONPATH=tree))
                server = dc.Server(spec, dc.netemu_cmd([]), proc=proc)
                try:
                    if not dc.wait_ready(server, port):
                        print(f"{spec}: did not start")
                        continue
                    for kind in KINDS:
                        q, c = dc.capacity(gen, port, kind, seconds, True, 2 if pin else 1,
                                           proc.pid, 4)
                        qps.setdefault((spec, kind), []).append(q)
                        cpu.setdefault((spec, kind), []).append(c)
                    lat.setdefault(spec, []).append(dc.latency(port, seconds, work, pin))
                finally:
                    dc.stop(server)
    print("| variant | server CPU per query, µs (plain / weighted) | replies/s (plain / weighted) "
          "| latency at 5,000 qps, ms (mean / median) |")
    print("|---|---:|---:|---:|")
    for spec in args.variants:
        cpus = " / ".join(f"{statistics.median(cpu[(spec, k)]):.2f}" if (spec, k) in cpu else "–"
                          for k in KINDS)
        rates = " / ".join(f"{statistics.median(qps[(spec, k)]) / 1000:.1f}k"
                           if (spec, k) in qps else "–" for k in KINDS)
        lats = lat.get(spec, [])
        lt = (f"{statistics.median([m for m, _ in lats]):.3f} / "
              f"{statistics.median([d for _, d in lats]):.3f}" if lats else "–")
        print(f"| {spec} | {cpus} | {rates} | {lt} |")
    print(f"\nload average before {load_before:.2f}, after {os.getloadavg()[0]:.2f} on "
          f"{os.cpu_count()} CPUs; {rounds} interleaved rounds of {seconds} s, medians")
    print(f"command: {sys.executable} {' '.join(sys.argv)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
