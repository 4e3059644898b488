"""DNS Firewall verdict cost (pure, in process): what the VPC resolver adds to each query of a VPC
with rule groups associated.

Reproduce:  .venv/bin/python bench/firewall_eval.py [DOMAINS] [QUERIES]
Builds one rule group of three rules (ALERT, ALLOW, BLOCK) over a domain list of DOMAINS
(default 100,000: half exact names, half ``*.`` wildcards), compiles it as the resolver does
(``vpc.firewall.compile_list``), then times ``vpc.firewall.evaluate`` on QUERIES names (default
100,000; a quarter blocked by an exact name, a quarter by a wildcard, half matching nothing,
four to six labels deep). Prints the compile time and the median cost per query.
"""

from __future__ import annotations

import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from netemu.vpc import firewall as fw  # noqa: E402


def main(domains: int = 100_000, queries: int = 100_000) -> None:
    specs = [f"host{i}.blocked{i % 997}.example.com" if i % 2 else f"*.zone{i}.example.net"
             for i in range(domains)]
    started = time.perf_counter()
    lists = {"big": fw.compile_list(specs), "small": fw.compile_list(["ok.example.org"]),
             "watch": fw.compile_list(["*.watch.example.org"])}
    compiled = time.perf_counter() - started
    group = fw.RuleGroup("g", (
        fw.FirewallRule("alert", 100, "watch", "ALERT"),
        fw.FirewallRule("allow", 200, "small", "ALLOW"),
        fw.FirewallRule("block", 300, "big", "BLOCK", "NXDOMAIN")))
    names = []
    for i in range(queries):
        kind = i % 4
        if kind == 0:
            names.append(f"host{2 * i % domains | 1}.blocked{(2 * i % domains | 1) % 997}"
                         ".example.com.")
        elif kind == 1:
            names.append(f"a.b.zone{2 * i % domains & ~1}.example.net.")
        else:
            names.append(f"www{i}.shop.example.org.")
    blocked = 0
    samples = []
    for start in range(0, queries, 1000):
        batch = names[start:start + 1000]
        t0 = time.perf_counter()
        for name in batch:
            blocked += fw.evaluate(name, "A", (group,), lists, False).blocked
        samples.append((time.perf_counter() - t0) / len(batch))
    print(f"domain list of {domains:,} specs compiled in {compiled * 1000:.0f} ms; "
          f"{queries:,} verdicts ({blocked:,} blocked): median "
          f"{statistics.median(samples) * 1e6:.2f} us/query, worst batch "
          f"{max(samples) * 1e6:.2f} us/query")
    print(f"reproduce: .venv/bin/python bench/firewall_eval.py {domains} {queries}")


if __name__ == "__main__":
    main(*(int(a) for a in sys.argv[1:3]))
