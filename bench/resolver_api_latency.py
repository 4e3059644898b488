"""Benchmark: change-to-answer latency of `netemu apply --api-state DIR` (the VPC resolver
following a running `netemu serve --api --state DIR`).

Run as root:  .venv/bin/python bench/resolver_api_latency.py [CHANGES=20] [FILLER=0]
Starts a real `netemu serve --api --state` on free loopback ports, creates a private zone with boto3
associated with the VPC `app` of a one-VPC topology (FILLER more A records in it), applies the
topology with `--api-state` under its own prefix and state directory, then N times: an UPSERT of
db.corp.internal. to a new address through boto3 (ChangeResourceRecordSets), and from inside the
instance's namespace a DNS query to the VPC resolver (10.61.0.2, what `dig db.corp.internal` asks)
every 2 ms until the new address is answered; changes are spaced by a random 0.05-0.25 s so they do
not keep one phase with the resolver's 0.1 s poll. Prints the median and the worst of the time from
sending the change request to the first new answer, and of the part after the API acknowledged the
change (commit durable). Cleans up (destroy, server stopped by its PID) also on failure.
"""

from __future__ import annotations

import os
import random
import socket
import statistics
import struct
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from netemu.dns.resolver import in_netns
from tests.live import ApiServer

ROOT = Path(__file__).resolve().parent.parent

TOPOLOGY = """
region: us-east-1
vpcs:
  - name: app
    cidr_blocks: [10.61.0.0/16]
    enable_dns_hostnames: true
    subnets: [{name: a, cidr: 10.61.1.0/24, az: us-east-1a}]
    instances: [{name: web, subnet: a, private_ip: 10.61.1.10}]
"""
RESOLVER = ("10.61.0.2", 53)
NAME = "db.corp.internal."
TIMEOUT = 10.0


def query(qid: int) -> bytes:
    """A recursive A query for NAME (built by hand: the bench needs no DNS library)."""
    labels = b"".join(bytes([len(p)]) + p.encode() for p in NAME.rstrip(".").split("."))
    return struct.pack(">HHHHHH", qid, 0x0100, 1, 0, 0, 0) + labels + b"\0" + b"\0\x01\0\x01"


def wait_for(sock: socket.socket, address: str) -> float:
    """Ask every 2 ms until the reply holds ``address``; the monotonic time it first did."""
    want = socket.inet_aton(address)
    deadline = time.monotonic() + TIMEOUT
    qid = 0
    while time.monotonic() < deadline:
        qid = (qid + 1) & 0xFFFF
        sock.send(query(qid))
        try:
            reply = sock.recv(4096)
        except (TimeoutError, BlockingIOError):
            continue
        if want in reply[12:]:
            return time.monotonic()
        time.sleep(0.002)
    raise RuntimeError(f"{NAME} never answered {address} within {TIMEOUT:.0f}s")


def change(r53: object, zone: str, address: str) -> None:
    r53.change_resource_record_sets(  # type: ignore[attr-defined]
        HostedZoneId=zone, ChangeBatch={"Changes": [{"Action": "UPSERT", "ResourceRecordSet": {
            "Name": NAME, "Type": "A", "TTL": 0, "ResourceRecords": [{"Value": address}]}}]})


def main(n: int, filler: int) -> int:
    prefix = f"netemu-ra{os.getpid() % 10000}-"
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    netemu = [sys.executable, "-m", "netemu"]
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        topo = work / "one.yaml"
        topo.write_text(TOPOLOGY)
        common = ["--state", str(work / "dp"), "--prefix", prefix]
        server = ApiServer(work, work / "api")
        server.start()
        try:
            r53 = server.client()
            zone = r53.create_hosted_zone(
                Name="corp.internal", CallerReference="bench",
                VPC={"VPCRegion": "us-east-1", "VPCId": "app"},
                HostedZoneConfig={"PrivateZone": True})["HostedZone"]["Id"]
            change(r53, zone, "10.61.2.0")
            for start in range(0, filler, 1000):   # a bigger zone: FILLER more A records
                r53.change_resource_record_sets(HostedZoneId=zone, ChangeBatch={"Changes": [
                    {"Action": "CREATE", "ResourceRecordSet": {
                        "Name": f"h{i}.corp.internal.", "Type": "A", "TTL": 60,
                        "ResourceRecords": [{"Value": f"10.61.{100 + i // 250}.{i % 250}"}]}}
                    for i in range(start, min(filler, start + 1000))]})
            subprocess.run([*netemu, "apply", str(topo), "--api-state", str(work / "api"),
                            "--quiet", *common], check=True, env=env, cwd=ROOT,
                           stdout=subprocess.DEVNULL)
            with in_netns(f"{prefix}i-app.web"):
                sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
            sock.settimeout(0.5)
            sock.connect(RESOLVER)
            wait_for(sock, "10.61.2.0")
            total, after_ack = [], []
            rng = random.Random(12)
            for i in range(1, n + 1):
                address = f"10.61.2.{i}"
                t0 = time.monotonic()
                change(r53, zone, address)
                t1 = time.monotonic()
                seen = wait_for(sock, address)
                total.append(seen - t0)
                after_ack.append(max(0.0, seen - t1))
                time.sleep(rng.uniform(0.05, 0.25))   # no phase lock with the poll
            sock.close()
        finally:
            subprocess.run([*netemu, "destroy", *common], env=env, cwd=ROOT, check=False,
                           stdout=subprocess.DEVNULL)
            server.stop()
    ms = 1000.0
    print(f"change-to-answer latency over {n} UPSERTs (boto3 ChangeResourceRecordSets -> "
          f"first answer from the VPC resolver inside the VPC), zone of {filler + 3} records:")
    print(f"  from the request:        median {statistics.median(total) * ms:.0f} ms, "
          f"worst {max(total) * ms:.0f} ms")
    print(f"  after the API's answer:  median {statistics.median(after_ack) * ms:.0f} ms, "
          f"worst {max(after_ack) * ms:.0f} ms")
    print(f"command: sudo .venv/bin/python bench/resolver_api_latency.py {n} {filler}")
    return 0


if __name__ == "__main__":
    if os.geteuid() != 0:
        print("bench/resolver_api_latency.py needs root (network namespaces)", file=sys.stderr)
        raise SystemExit(1)
    raise SystemExit(main(int(sys.argv[1]) if len(sys.argv) > 1 else 20,
                          int(sys.argv[2]) if len(sys.argv) > 2 else 0))
