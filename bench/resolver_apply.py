"""Benchmark: what the VPC resolver adds to `netemu apply` for N VPCs (default 50).

Run as root:  .venv/bin/python bench/resolver_apply.py [50]
A generated topology of N VPCs (one subnet, one instance each, hostnames on, a private zone
associated with every VPC) is applied twice under its own prefix and state directory: once the
data plane only, once the data plane plus the resolver (`netemu apply --zones` does both). Prints
the apply times, the resolver's start-up time and memory (one process for all VPCs), and the
time per query of one `dig` asking 500 queries in a row from inside one VPC.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from netemu.dataplane import apply, destroy, kernel, resolver  # noqa: E402
from netemu.vpc.load import load_topology  # noqa: E402

QUERIES = 500


def topology(n: int) -> dict[str, object]:
    return {"region": "us-east-1", "vpcs": [
        {"name": f"v{i}", "cidr_blocks": [f"10.{i}.0.0/16"], "enable_dns_hostnames": True,
         "subnets": [{"name": "a", "cidr": f"10.{i}.1.0/24"}],
         "instances": [{"name": "i1", "subnet": "a", "private_ip": f"10.{i}.1.10"}]}
        for i in range(n)]}


def zone(n: int) -> str:
    vpcs = ", ".join(f"{{VPCRegion: us-east-1, VPCId: v{i}}}" for i in range(n))
    return ("HostedZone: {Name: bench.internal., Config: {PrivateZone: true}}\n"
            f"VPCs: [{vpcs}]\nResourceRecordSets:\n"
            "  - {Name: www.bench.internal., Type: A, TTL: 0,"
            " ResourceRecords: [{Value: 10.0.1.10}]}\n")


def rss_kib(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0


def run(n: int, with_resolver: bool, zones: Path) -> tuple[float, float, int, float]:
    """(data-plane apply s, resolver start-up s, resolver RSS KiB, s per dig query)."""
    topo = load_topology(topology(n), "bench")
    prefix = f"netemu-rb{os.getpid() % 10000}{'r' if with_resolver else 'p'}-"
    with tempfile.TemporaryDirectory() as state:
        try:
            t0 = time.perf_counter()
            apply.apply(topo, prefix, state)
            t1 = time.perf_counter()
            if not with_resolver:
                return t1 - t0, 0.0, 0, 0.0
            rec = resolver.ensure(topo, prefix, state, [str(zones)])
            assert rec is not None
            start = time.perf_counter() - t1
            rss = rss_kib(int(rec["pid"]))
            q0 = time.perf_counter()    # one dig process, QUERIES queries one after the other
            out = subprocess.run(["ip", "netns", "exec", f"{prefix}i-v{n - 1}.i1", "dig",
                                  "+short", "+time=2", "+tries=1",
                                  *["www.bench.internal"] * QUERIES],
                                 capture_output=True, text=True, check=True).stdout
            per_query = (time.perf_counter() - q0) / QUERIES
            assert out.split() == ["10.0.1.10"] * QUERIES, out
            return t1 - t0, start, rss, per_query
        finally:
            destroy.destroy(prefix, state)
            assert not kernel.list_namespaces(prefix)


def main(n: int) -> int:
    if os.geteuid() != 0:
        print("bench/resolver_apply.py: needs root (network namespaces); skipped")
        return 0
    print(f"command: {sys.executable} bench/resolver_apply.py {n}")
    with tempfile.TemporaryDirectory() as d:
        zones = Path(d)
        (zones / "bench.yaml").write_text(zone(n))
        plain, _, _, _ = run(n, False, zones)
        dataplane, start, rss, per_query = run(n, True, zones)
    print(f"{n} VPCs: apply without resolvers {plain:.2f} s; with resolvers "
          f"{dataplane + start:.2f} s = data plane {dataplane:.2f} s + resolver start-up "
          f"{start:.2f} s (one process, {rss / 1024:.0f} MiB RSS, {4 * n} sockets); "
          f"{QUERIES} queries from inside a VPC: {per_query * 1000:.2f} ms each (dig, UDP)")
    return 0


if __name__ == "__main__":
    sys.exit(main(int(sys.argv[1]) if len(sys.argv) > 1 else 50))
