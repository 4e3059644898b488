"""Benchmark: what chasing CNAME chains and delegations costs a query to the VPC resolver.

Run as root:  .venv/bin/python bench/resolver_chase.py [QUERIES]
Applies tests/dns/data/chase/lab.yaml under its own prefix and state directory, with the
resolver and the two internet hosts' name servers (``netemu serve`` in their namespaces), then
asks from inside the instance web1, with dnspython over UDP, QUERIES times (default 300) each:
a plain A record, an in-zone chain of three links, a cross-zone chain, and a name two
delegations down (two servers asked per query: nothing is cached). Prints the median and 90th
percentile per query. Everything is destroyed at the end, also after a failure.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from netemu.dataplane import apply, destroy, kernel, resolver  # noqa: E402
from netemu.vpc.load import load_topology_file  # noqa: E402

DATA = ROOT / "tests" / "dns" / "data" / "chase"
NAMES = ("host.corp.internal", "app.corp.internal", "site.corp.internal",
         "www.deep.sub.example.net")
SERVERS = {"mid": "203.0.113.61", "deep": "203.0.113.62"}
ASK = """
import statistics, sys, time
import dns.message, dns.query
n = int(sys.argv[1])
for name in sys.argv[2:]:
    q = dns.message.make_query(name, "A")
    took = []
    for _ in range(n):
        t = time.perf_counter()
        r = dns.query.udp(q, "10.0.0.2", timeout=5)
        took.append(time.perf_counter() - t)
    took.sort()
    print(f"{name:28} {len(r.answer)} RRset(s)  median {statistics.median(took) * 1e3:.2f} ms"
          f"  p90 {took[int(n * 0.9)] * 1e3:.2f} ms")
"""


def main(queries: int) -> int:
    if os.geteuid() != 0:
        print("bench/resolver_chase.py: needs root (network namespaces); skipped")
        return 0
    print(f"command: {sys.executable} bench/resolver_chase.py {queries}")
    topology = load_topology_file(DATA / "lab.yaml")
    prefix, state = f"netemu-bc{os.getpid() % 10000}-", Path(tempfile.mkdtemp(prefix="chase-"))
    servers: list[subprocess.Popen[bytes]] = []
    try:
        apply.apply(topology, prefix, state)
        resolver.ensure(topology, prefix, state, [str(DATA / "zones")])
        for host, ip in SERVERS.items():
            log = state / f"{host}.log"
            with open(log, "wb") as sink:
                servers.append(subprocess.Popen(
                    ["ip", "netns", "exec", f"{prefix}h-{host}", sys.executable, "-m", "netemu",
                     "serve", "--zones", str(DATA / host), "--listen", f"{ip}:53",
                     "--api", "127.0.0.1:0", "--no-query-log"],
                    cwd=ROOT, env=dict(os.environ, PYTHONPATH=str(ROOT)), stdout=sink,
                    stderr=sink))
            deadline = time.monotonic() + 20
            while b"serving" not in log.read_bytes():
                if servers[-1].poll() is not None or time.monotonic() > deadline:
                    raise SystemExit(log.read_text())
                time.sleep(0.1)
        out = subprocess.run(["ip", "netns", "exec", f"{prefix}i-app.web1", sys.executable,
                              "-c", ASK, str(queries), *NAMES],
                             capture_output=True, text=True, timeout=600)
        print(out.stdout + out.stderr, end="")
    finally:
        for proc in servers:
            proc.terminate()
            proc.wait(10)
        destroy.destroy(prefix, state)
        assert kernel.list_namespaces(prefix) == []
        shutil.rmtree(state, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(int(sys.argv[1]) if len(sys.argv) > 1 else 300))
