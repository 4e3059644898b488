"""Route 53 API changes: validation + snapshot time (pure, in process) and change-to-served
latency (real ``netemu serve --api --state`` on loopback, real HTTP, real SQLite, real DNS).

Reproduce:  .venv/bin/python bench/api_changes.py [--quick]
Prints, for one zone of 10,000 record sets and for 500 zones of 20 record sets:
- validate: ``route53.changes.apply_change_batch`` for a one-record UPSERT (touched names only);
- snapshot: compiling the whole serving snapshot (``dns.handler.build_serving``), and the
  incremental one ``netemu serve`` uses (``api.snapshot``: only the changed zone is compiled;
  it runs in a worker thread while the DNS loop answers from the current snapshot);
- served: wall time from sending ChangeResourceRecordSets (UPSERT of one A record) until ``dig``
  answers the new value (median and max over the samples), commit and fsync included.
"""

from __future__ import annotations

import argparse
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from _serving import free_port

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from netemu.api.snapshot import SnapshotBuilder  # noqa: E402
from netemu.dns.handler import build_serving  # noqa: E402
from netemu.route53 import changes  # noqa: E402
from netemu.route53.model import ZoneSet  # noqa: E402


def rr(name: str, value: str) -> dict[str, Any]:
    return {"Name": name, "Type": "A", "TTL": 60, "ResourceRecords": [{"Value": value}]}


def build(zones: int, per_zone: int) -> ZoneSet:
    zs = ZoneSet()
    for z in range(zones):
        zid = f"ZBENCH{z:015d}"
        zs, _ = changes.create_zone(zs, zid, f"z{z}.bench.example", f"ref-{z}")
        batch = changes.read_changes([{"Action": "CREATE", "ResourceRecordSet": rr(
            f"h{i}.z{z}.bench.example", f"10.{i // 65536 % 256}.{i // 256 % 256}.{i % 256}")}
            for i in range(per_zone)])
        for start in range(0, len(batch), 1000):
            zs = changes.apply_change_batch(zs, zid, batch[start:start + 1000])
    return zs


def timed(fn: Any, n: int) -> float:
    best = []
    for _ in range(n):
        t = time.perf_counter()
        fn()
        best.append(time.perf_counter() - t)
    return statistics.median(best) * 1000


def pure(label: str, zones: int, per_zone: int) -> None:
    zs = build(zones, per_zone)
    zid = zs.zones[0].id
    one = changes.read_changes([{"Action": "UPSERT", "ResourceRecordSet": rr(
        "h1.z0.bench.example", "192.0.2.1")}])
    validate = timed(lambda: changes.apply_change_batch(zs, zid, one), 20)
    full = timed(lambda: build_serving(zs), 3)
    changed = changes.apply_change_batch(zs, zid, one)
    builder = SnapshotBuilder()
    builder.build(zs)
    flip = [changed, zs]
    incremental = timed(lambda: builder.build(flip.append(flip.pop(0)) or flip[0]), 5)
    print(f"{label}: validate one-record change {validate:.2f} ms, snapshot full {full:.0f} ms, "
          f"incremental (one zone changed) {incremental:.0f} ms")


def served(label: str, zones: int, per_zone: int, samples: int) -> None:
    import boto3

    work = Path(tempfile.mkdtemp(prefix="netemu-bench-"))
    (work / "zones").mkdir()
    dns, api = free_port(), free_port()
    proc = subprocess.Popen([sys.executable, "-m", "netemu", "serve", "--no-query-log",
                             "--zones", str(work / "zones"), "--listen", f"127.0.0.1:{dns}",
                             "--api", f"127.0.0.1:{api}", "--state", str(work / "state")],
                            cwd=ROOT, env=dict(os.environ, PYTHONPATH=str(ROOT)),
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        for _ in range(100):
            try:
                socket.create_connection(("127.0.0.1", api), 0.2).close()
                break
            except OSError:
                time.sleep(0.1)
        r53 = boto3.client("route53", endpoint_url=f"http://127.0.0.1:{api}",
                           region_name="us-east-1", aws_access_key_id="x",
                           aws_secret_access_key="x")
        first = ""
        for z in range(zones):
            zid = r53.create_hosted_zone(Name=f"z{z}.bench.example",
                                         CallerReference=f"b{z}")["HostedZone"]["Id"]
            first = first or zid
            for start in range(0, per_zone, 500):
                r53.change_resource_record_sets(HostedZoneId=zid, ChangeBatch={"Changes": [
                    {"Action": "CREATE", "ResourceRecordSet": rr(
                        f"h{i}.z{z}.bench.example", f"10.0.{i // 256 % 256}.{i % 256}")}
                    for i in range(start, min(per_zone, start + 500))]})
        times = []
        for n in range(samples):
            value = f"192.0.2.{n % 250 + 1}"
            t = time.perf_counter()
            r53.change_resource_record_sets(HostedZoneId=first, ChangeBatch={"Changes": [
                {"Action": "UPSERT", "ResourceRecordSet": rr("h1.z0.bench.example", value)}]})
            while True:
                out = subprocess.run(["dig", "@127.0.0.1", "-p", str(dns), "+short",
                                      "h1.z0.bench.example", "A"], capture_output=True,
                                     text=True).stdout.split()
                if out == [value]:
                    break
            times.append((time.perf_counter() - t) * 1000)
        print(f"{label}: change-to-served median {statistics.median(times):.0f} ms, "
              f"max {max(times):.0f} ms over {samples} changes (HTTP + fsync + snapshot + dig)")
    finally:
        proc.terminate()
        proc.wait(10)
        shutil.rmtree(work, ignore_errors=True)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--quick", action="store_true", help="smaller zones (smoke run)")
    args = parser.parse_args()
    big, many = (1000, 50) if args.quick else (9998, 500)   # + SOA and NS = 10,000 (R31)
    pure(f"1 zone x {big} records", 1, big)
    pure(f"{many} zones x 20 records", many, 20)
    served(f"1 zone x {big} records", 1, big, 10)
    served(f"{many} zones x 20 records", many, 20, 10)
    print(f"command: .venv/bin/python bench/api_changes.py{' --quick' if args.quick else ''}")


if __name__ == "__main__":
    main()
