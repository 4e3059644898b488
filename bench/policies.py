"""Per-query cost of each routing policy through the pure engine (no sockets).

Reproduce:  .venv/bin/python bench/policies.py [--calls N] [--quiet]
Prints microseconds per ``engine.answer`` call for one name per policy of the shipped example
zones, with an EDNS client subnet where the policy locates the client (embedded geo database).
"""

from __future__ import annotations

import argparse
import random
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from netemu.progress import Progress  # noqa: E402
from netemu.route53 import engine, names  # noqa: E402
from netemu.route53.client import ClientContext  # noqa: E402
from netemu.route53.health import ALL_HEALTHY  # noqa: E402
from netemu.route53.load import load_zone_files  # noqa: E402
from netemu.route53.lookup import compile_zones  # noqa: E402

CASES = [
    ("simple", "www.simple.test.", None),
    ("weighted", "www.weighted.test.", None),
    ("failover", "www.failover.test.", None),
    ("multivalue", "www.multivalue.test.", None),
    ("latency", "app.latency.test.", ("90.0.0.0", 16)),
    ("geolocation", "www.geolocation.test.", ("90.0.0.0", 16)),
    ("geoproximity", "www.geoproximity.test.", ("90.0.0.0", 16)),
    ("ip_based", "www.ip-based.test.", ("10.1.2.0", 24)),
    ("ip_based v6", "www.ip-based.test.", ("2001:db8:abcd:1::", 64)),
    ("alias chain", "edge.alias-health.test.", None),
]
N = 20000


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--calls", type=int, default=N, help=f"calls per policy (default {N})")
    ap.add_argument("--quiet", action="store_true", help="no progress line on the terminal")
    args = ap.parse_args()
    calls = max(1, args.calls)
    zones = compile_zones(load_zone_files(sorted(ROOT.glob("zones/policy-*.yaml"))))
    rng = random.Random(0)
    print(f"{'policy':<14} {'us/query':>9}   ({calls} engine.answer calls each)")
    with Progress("policies", len(CASES), quiet=args.quiet) as progress:
        for label, name, subnet in CASES:
            progress.step(note=label)
            q = engine.Question(names.parse(name), "A")
            client = ClientContext("127.0.0.1", subnet)
            engine.answer(q, client, zones, ALL_HEALTHY, rng)  # warm (data files, iptocc)
            t0 = time.perf_counter()
            for _ in range(calls):
                engine.answer(q, client, zones, ALL_HEALTHY, rng)
            us = (time.perf_counter() - t0) / calls * 1e6
            print(f"{label:<14} {us:9.1f}", flush=True)
    more = f" --calls {calls}" if calls != N else ""
    print(f"command: .venv/bin/python bench/policies.py{more}")


if __name__ == "__main__":
    main()
