"""Where a DNS query's time goes: cProfile of the answering path over a fixed query mix, then the
server's CPU per query under dnsperf.

1. ``cProfile`` of ``handler.handle`` (the full path) and, unless ``--no-fast-path``, of
   ``fastpath.FastPath.answer`` over the same mix (shipped zones: plain A, AAAA, MX, CNAME,
   NXDOMAIN, weighted, IP-based by source and by EDNS client subnet, geolocation, REFUSED),
   ``--rounds`` passes; prints the per-query time and the top functions by own time.
2. ``netemu serve`` on a free loopback port (query log off), driven by
   ``dnsperf -l SECONDS -Q QPS``; the server's CPU (utime + stime from /proc/PID/stat) divided by
   the queries dnsperf completed is the CPU per query.

Bounded: dnsperf runs SECONDS (default 5, at most 60); the server is stopped by its PID.
Usage: ``.venv/bin/python bench/dns_profile.py [--rounds 2000] [--seconds 5] [--qps 20000]
[--no-fast-path] [--top 12]``. Numbers are indicative on a shared machine (load printed).
"""

from __future__ import annotations

import argparse
import cProfile
import io
import os
import pstats
import random
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from _serving import free_port, wait_answers

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

# (name, type, ECS subnet or None): the fixed mix, every entry answered from zones/
MIX: list[tuple[str, str, str | None]] = [
    ("www.example.com", "A", None), ("WWW.Example.com", "AAAA", None),
    ("example.com", "MX", None), ("docs.cname.test", "A", None),
    ("nothere.example.com", "A", None), ("www.weighted.test", "A", None),
    ("www.ip-based.test", "A", None), ("www.ip-based.test", "A", "10.1.2.0/24"),
    ("www.geolocation.test", "A", "81.0.0.0/16"), ("www.example.invalid", "A", None),
]


def query_wire(name: str, qtype: str, ecs: str | None, qid: int = 4660) -> bytes:
    import dns.edns
    import dns.message

    options: list[dns.edns.Option] = []
    if ecs is not None:
        address, prefix = ecs.split("/")
        options.append(dns.edns.ECSOption(address, int(prefix), 0))
    msg = dns.message.make_query(name, qtype, use_edns=0, options=options)
    msg.id = qid
    return msg.to_wire()


def profile(label: str, answer: object, wires: list[bytes], rounds: int, top: int) -> None:
    peer = ("127.0.0.1", 5353)
    call = answer  # a callable (wire, peer) -> bytes | None
    for wire in wires:   # warm: the fast path's first query of each shape is a miss
        call(wire, peer)  # type: ignore[operator]
    started = time.perf_counter()
    for _ in range(rounds):
        for wire in wires:
            call(wire, peer)  # type: ignore[operator]
    plain = (time.perf_counter() - started) / (rounds * len(wires))
    prof = cProfile.Profile()
    prof.enable()
    for _ in range(rounds):
        for wire in wires:
            call(wire, peer)  # type: ignore[operator]
    prof.disable()
    out = io.StringIO()
    stats = pstats.Stats(prof, stream=out)
    stats.sort_stats("tottime").print_stats(top)
    print(f"== {label}: {plain * 1e6:.1f} us per query without the profiler "
          f"({rounds} x {len(wires)} queries)")
    body = out.getvalue()
    start = body.find("   ncalls")
    print(body[start:].rstrip() if start >= 0 else body)


def bench_handlers(rounds: int, top: int, fast: bool) -> None:
    from netemu.dns.handler import build_serving, handle
    from netemu.route53.load import load_zone_files

    serving = build_serving(load_zone_files([ROOT / "zones"]))
    wires = [query_wire(n, t, e) for n, t, e in MIX]
    rng = random.Random(0)
    profile("full path: handler.handle", lambda w, p: handle(w, p, serving, rng), wires,
            rounds, top)
    if fast:
        from netemu.dns.fastpath import FastPath

        fp = FastPath()
        rng2 = random.Random(0)
        profile("fast path: FastPath.answer", lambda w, p: fp.answer(w, p, serving, rng2),
                wires, rounds, top)


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def bench_server(seconds: int, qps: int, fast: bool) -> None:
    if shutil.which("dnsperf") is None:
        print("dnsperf not installed: server CPU per query skipped")
        return
    for mode in (["--no-fast-path"], []) if fast else ([],):
        port = free_port()
        with tempfile.TemporaryDirectory() as tmp:
            qfile = Path(tmp) / "queries.txt"
            qfile.write_text("".join(f"{n} {t}\n" for n, t, e in MIX if e is None))
            serve = [sys.executable, "-m", "netemu", "serve", "--no-query-log", "--api",
                     f"127.0.0.1:{free_port()}", "--listen", f"127.0.0.1:{port}", *mode]
            with open(Path(tmp) / "serve.log", "wb") as log:
                proc = subprocess.Popen(serve, cwd=ROOT, stdout=log, stderr=log,
                                        env=dict(os.environ, PYTHONPATH=str(ROOT)))
            try:
                wait_answers(port, proc)
                before = cpu_seconds(proc.pid)
                perf = ["dnsperf", "-s", "127.0.0.1", "-p", str(port), "-d", str(qfile),
                        "-l", str(seconds), "-c", "2", "-Q", str(qps)]
                out = subprocess.run(perf, check=False, capture_output=True, text=True,
                                     timeout=seconds + 30).stdout
                used = cpu_seconds(proc.pid) - before
            finally:
                proc.terminate()
                try:
                    proc.wait(5)
                except subprocess.TimeoutExpired:
                    proc.kill()
        done = re.search(r"Queries completed:\s+(\d+)", out)
        rate = re.search(r"Queries per second:\s+([\d.]+)", out)
        count = int(done.group(1)) if done else 0
        per = f"{used / count * 1e6:.1f} us" if count else "?"
        label = " ".join(mode) or ("(fast path)" if fast else "(today's path)")
        print(f"server {label}: {rate.group(1) if rate else '?'} "
              f"qps, CPU per query {per} ({used:.2f} s CPU / {count} queries)")
        print(f"  server: {' '.join(serve)}\n  load:   {' '.join(perf)}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=2000)
    parser.add_argument("--seconds", type=int, default=5)
    parser.add_argument("--qps", type=int, default=20000)
    parser.add_argument("--top", type=int, default=12)
    parser.add_argument("--no-fast-path", dest="fast", action="store_false")
    parser.add_argument("--skip-server", action="store_true")
    args = parser.parse_args()
    print(f"uptime: {os.popen('uptime').read().strip()}; {os.cpu_count()} CPUs, shared")
    bench_handlers(max(1, args.rounds), args.top, args.fast)
    if not args.skip_server:
        bench_server(max(1, min(args.seconds, 60)), args.qps, args.fast)
    print(f"command: {sys.executable} {' '.join(sys.argv)}")


if __name__ == "__main__":
    main()
