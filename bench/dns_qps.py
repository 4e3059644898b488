"""DNS throughput: handle() per query (timeit), then the real server under dnsperf.

Starts ``netemu serve`` on a free loopback port with the shipped zones (query log off, so the
figure is the server's, not the terminal's), runs
``dnsperf -s 127.0.0.1 -p PORT -d QUERYFILE -l SECONDS`` and prints queries per second and the
commands that reproduce them. Bounded: dnsperf runs SECONDS (default 10), everything is stopped
by PID. Usage: ``.venv/bin/python bench/dns_qps.py [--seconds 10] [--loop auto|asyncio|uvloop]``
"""

from __future__ import annotations

import argparse
import os
import random
import re
import shutil
import subprocess
import sys
import tempfile
import timeit
from pathlib import Path

from _serving import free_port, wait_answers

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

QUERIES = [
    ("www.example.com", "A"), ("WWW.Example.com", "AAAA"), ("example.com", "MX"),
    ("docs.cname.test", "A"), ("zenith.example.org", "A"), ("a.b.zenith.example.org", "A"),
    ("example.net", "A"), ("nothere.example.com", "A"), ("www.example.com", "TXT"),
    ("www.sub.delegation.test", "A"), ("www.example.invalid", "A"),
]


def bench_handle() -> None:
    import dns.message

    from netemu.dns.handler import build_serving, handle
    from netemu.route53.load import load_zone_files

    serving = build_serving(load_zone_files([ROOT / "zones"]))
    rng = random.Random(0)
    print("handle() per query, best of 5 x 20000 (python -m timeit equivalent):")
    for name, qtype in QUERIES[:8] + QUERIES[-1:]:
        wire = dns.message.make_query(name, qtype, use_edns=0).to_wire()
        best = min(timeit.repeat(lambda wire=wire: handle(wire, ("127.0.0.1", 1), serving, rng),
                                 number=20000, repeat=5)) / 20000
        print(f"  {name:26} {qtype:5} {best * 1e6:6.1f} us")


def bench_server(seconds: int, loop: str) -> None:
    if shutil.which("dnsperf") is None:
        print("dnsperf not installed (scripts/setup.sh installs it as root): server figure skipped")
        return
    port = free_port()
    with tempfile.TemporaryDirectory() as tmp:
        qfile = Path(tmp) / "queries.txt"
        qfile.write_text("".join(f"{n} {t}\n" for n, t in QUERIES))
        log = open(Path(tmp) / "serve.log", "wb")
        serve = [sys.executable, "-m", "netemu", "serve", "--no-query-log", "--loop", loop,
                 "--listen", f"127.0.0.1:{port}"]
        proc = subprocess.Popen(serve, cwd=ROOT, stdout=log, stderr=log,
                                env=dict(os.environ, PYTHONPATH=str(ROOT)))
        try:
            wait_answers(port, proc, 20)
            perf = ["dnsperf", "-s", "127.0.0.1", "-p", str(port), "-d", str(qfile),
                    "-l", str(seconds), "-c", "4", "-Q", "1000000"]
            out = subprocess.run(perf, capture_output=True, text=True, timeout=seconds + 30).stdout
        finally:
            proc.terminate()
            try:
                proc.wait(5)
            except subprocess.TimeoutExpired:
                proc.kill()
            log.close()
    qps = re.search(r"Queries per second:\s+([\d.]+)", out)
    lost = re.search(r"Queries lost:\s+(\d+)", out)
    print(f"server: {' '.join(serve)}")
    print(f"load:   {' '.join(perf)}")
    print(f"qps:    {qps.group(1) if qps else '?'} (lost {lost.group(1) if lost else '?'}), "
          f"{os.cpu_count()} CPUs shared by server and dnsperf")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--loop", default="auto", choices=("auto", "asyncio", "uvloop"))
    args = parser.parse_args()
    bench_handle()
    bench_server(min(args.seconds, 60), args.loop)


if __name__ == "__main__":
    main()
