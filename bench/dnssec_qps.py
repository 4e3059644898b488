"""DNSSEC signing cost: queries per second for the same DO queries, zone signed vs unsigned.

1. In-process, per query (best of 5): the full path ``handler.handle`` unsigned; signed with
   the RRSIGs already cached (dnspython parses and re-renders the reply); signed cold (a new
   signer per query: every RRSIG computed, ECDSA P-256); and the fast path (``FastPath``: a
   prepared reply per outcome, signed or not, served by patching the ID).
2. The real server under dnsperf (if installed): ``netemu serve --api`` on free loopback ports,
   the zone signed through the Route 53 API (CreateKeySigningKey, EnableHostedZoneDNSSEC, plain
   HTTP), ``dnsperf -D`` (DO bit) against it, then against an unsigned zone of the same shape.

Prints each figure with the command that reproduces it. Bounded: dnsperf runs SECONDS each
(default 5), the server is stopped by its PID.
Usage: ``.venv/bin/python bench/dnssec_qps.py [--seconds 5]``
"""

from __future__ import annotations

import argparse
import os
import random
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import timeit
import urllib.request
from collections.abc import Callable
from dataclasses import replace
from functools import partial
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

ZONE = """
HostedZone: {{Name: {name}}}
ResourceRecordSets:
  - {{Name: www.{name}, Type: A, TTL: 60, ResourceRecords: [{{Value: 192.0.2.1}}]}}
  - {{Name: w.{name}, Type: A, TTL: 60, SetIdentifier: a, Weight: 1,
     ResourceRecords: [{{Value: 192.0.2.10}}]}}
  - {{Name: w.{name}, Type: A, TTL: 60, SetIdentifier: b, Weight: 1,
     ResourceRecords: [{{Value: 192.0.2.11}}]}}
"""
QUERIES = [("www", "A"), ("w", "A"), ("nope", "A"), ("www", "AAAA")]


PEER = ("127.0.0.1", 1)


def _per_query(fn: Callable[[], object], number: int) -> float:
    """Microseconds per call, best of 5."""
    return min(timeit.repeat(fn, number=number, repeat=5)) / number * 1e6


def bench_inprocess() -> None:
    import dns.message

    from netemu.dns import signer
    from netemu.dns.fastpath import FastPath
    from netemu.dns.handler import build_serving, handle
    from netemu.route53.load import load_zone_text

    base = build_serving(load_zone_text(ZONE.format(name="signed.example")))
    zone = base.zoneset.zones[0]
    ksk, zsk = signer.new_key(), signer.new_key()
    signed = replace(base, signers={zone.id: signer.ZoneSigner(zone.name, [ksk], zsk,
                                                               time.time())})
    rng = random.Random(0)
    n = 2000
    print(f"in-process, microseconds per DO query (best of 5 x {n}):")
    print(f"  {'query':26} {'unsigned':>9} {'signed':>9} {'cold':>9} {'fast unsig':>11} "
          f"{'fast signed':>11}")
    for label, qtype in QUERIES:
        name = f"{label}.signed.example"
        wire = dns.message.make_query(name, qtype, want_dnssec=True).to_wire()
        fast_u, fast_s = FastPath(), FastPath()

        def cold(wire: bytes = wire) -> None:
            fresh = replace(signed, signers={zone.id: signer.ZoneSigner(
                zone.name, [ksk], zsk, time.time())})
            handle(wire, PEER, fresh, rng)

        figures = [
            _per_query(partial(handle, wire, PEER, base, rng), n),
            _per_query(partial(handle, wire, PEER, signed, rng), n),
            _per_query(cold, 50),
            _per_query(partial(fast_u.answer, wire, PEER, base, rng), n),
            _per_query(partial(fast_s.answer, wire, PEER, signed, rng), n),
        ]
        print(f"  {name + ' ' + qtype:26} {figures[0]:9.1f} {figures[1]:9.1f} "
              f"{figures[2]:9.1f} {figures[3]:11.2f} {figures[4]:11.2f}")
    print("  (cold includes building a signer: the DNSKEY RRset signed once, then the reply)")


def free_port(kind: int = socket.SOCK_DGRAM) -> int:
    with socket.socket(socket.AF_INET, kind) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _api(api: int, method: str, path: str, body: str = "") -> str:
    request = urllib.request.Request(f"http://127.0.0.1:{api}/2013-04-01{path}",
                                     data=body.encode() if body else None, method=method)
    with urllib.request.urlopen(request, timeout=10) as response:
        return str(response.read().decode())


def bench_server(seconds: int) -> None:
    if shutil.which("dnsperf") is None:
        print("dnsperf not installed (scripts/setup.sh installs it as root): server figure skipped")
        return
    dns_port, api_port = free_port(), free_port(socket.SOCK_STREAM)
    with tempfile.TemporaryDirectory() as tmp:
        zones = Path(tmp) / "zones"
        zones.mkdir()
        (zones / "plain.yaml").write_text(ZONE.format(name="plain.example"))
        serve = [sys.executable, "-m", "netemu", "serve", "--no-query-log", "--zones", str(zones),
                 "--listen", f"127.0.0.1:{dns_port}", "--api", f"127.0.0.1:{api_port}",
                 "--state", str(Path(tmp) / "state")]
        with open(Path(tmp) / "serve.log", "wb") as log:
            proc = subprocess.Popen(serve, cwd=ROOT, stdout=log, stderr=log,
                                    env=dict(os.environ, PYTHONPATH=str(ROOT)))
        try:
            _wait_api(api_port, proc)
            made = _api(api_port, "POST", "/hostedzone",
                        "<CreateHostedZoneRequest><Name>signed.example</Name>"
                        "<CallerReference>bench</CallerReference></CreateHostedZoneRequest>")
            zid = re.search(r"<Id>/hostedzone/([^<]+)</Id>", made).group(1)  # type: ignore
            changes = "".join(
                f"<Change><Action>CREATE</Action><ResourceRecordSet><Name>{n}</Name>"
                f"<Type>A</Type><TTL>60</TTL>{extra}<ResourceRecords><ResourceRecord><Value>"
                f"{v}</Value></ResourceRecord></ResourceRecords></ResourceRecordSet></Change>"
                for n, v, extra in [
                    ("www.signed.example", "192.0.2.1", ""),
                    ("w.signed.example", "192.0.2.10",
                     "<SetIdentifier>a</SetIdentifier><Weight>1</Weight>"),
                    ("w.signed.example", "192.0.2.11",
                     "<SetIdentifier>b</SetIdentifier><Weight>1</Weight>")])
            _api(api_port, "POST", f"/hostedzone/{zid}/rrset",
                 "<ChangeResourceRecordSetsRequest><ChangeBatch><Changes>" + changes +
                 "</Changes></ChangeBatch></ChangeResourceRecordSetsRequest>")
            _api(api_port, "POST", "/keysigningkey",
                 "<CreateKeySigningKeyRequest><CallerReference>k</CallerReference>"
                 f"<HostedZoneId>{zid}</HostedZoneId><KeyManagementServiceArn>"
                 "arn:aws:kms:us-east-1:111122223333:key/bench</KeyManagementServiceArn>"
                 "<Name>ksk</Name><Status>ACTIVE</Status></CreateKeySigningKeyRequest>")
            _api(api_port, "POST", f"/hostedzone/{zid}/enable-dnssec")
            for zone in ("signed.example", "plain.example"):
                qfile = Path(tmp) / f"{zone}.txt"
                qfile.write_text("".join(f"{label}.{zone} {t}\n" for label, t in QUERIES))
                perf = ["dnsperf", "-s", "127.0.0.1", "-p", str(dns_port), "-d", str(qfile),
                        "-D", "-l", str(seconds), "-c", "4", "-Q", "1000000"]
                out = subprocess.run(perf, capture_output=True, text=True, check=False,
                                     timeout=seconds + 30).stdout
                qps = re.search(r"Queries per second:\s+([\d.]+)", out)
                lost = re.search(r"Queries lost:\s+(\d+)", out)
                print(f"{zone:15} qps {qps.group(1) if qps else '?'} "
                      f"(lost {lost.group(1) if lost else '?'})  load: {' '.join(perf)}")
            print(f"server: {' '.join(serve)}  ({os.cpu_count()} CPUs shared with dnsperf)")
        finally:
            proc.terminate()
            try:
                proc.wait(5)
            except subprocess.TimeoutExpired:
                proc.kill()


def _wait_api(port: int, proc: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise SystemExit("server exited")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.1)
    raise SystemExit("server did not open its API")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=int, default=5)
    args = parser.parse_args()
    bench_inprocess()
    bench_server(min(args.seconds, 60))


if __name__ == "__main__":
    main()
