"""Benchmark: does probing 100 health checks every second slow the DNS path?

Starts one loopback HTTP endpoint (python -m http.server), then `netemu serve` twice on a
generated zone: once with 100 HTTP health checks against that endpoint (RequestInterval 10 at
--time-scale 0.1, i.e. every check probed once a second: 100 probes/s), once with none. The
records queried are the same in both runs. Query throughput is measured with dnsperf
(bounded: ROUNDS rounds of SECONDS s per configuration, alternating), and the script prints both
figures, the ratio and the commands. Target: the ratio stays >= 0.95.

Queries/s on a shared machine are noisy, so a steadier figure is printed as well: the idle
server's CPU share with the checks running (what folding probe results costs the DNS process
whatever the query load; a saturated single-threaded server loses about that share of its
throughput), and the probe worker's own CPU share (another process: it competes only for cores).

    .venv/bin/python bench/health_overhead.py [--seconds 8] [--rounds 3] [--checks 100]
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as u:
        u.bind(("127.0.0.1", 0))
        port = u.getsockname()[1]
    with socket.socket() as t:
        t.bind(("127.0.0.1", port))
    return port


def zone_text(records: int, with_checks: bool, web_port: int) -> str:
    """The same records in both runs; with_checks adds one HTTP check per weighted record."""
    lines = ["HostedZone: {Name: bench.example.org.}", "ResourceRecordSets:",
             "  - {Name: www.bench.example.org., Type: A, TTL: 60, "
             "ResourceRecords: [{Value: 192.0.2.1}]}"]
    for i in range(records):
        guard = f", HealthCheckId: hc{i}" if with_checks else ""
        lines.append(f"  - {{Name: app.bench.example.org., Type: A, SetIdentifier: s{i}, "
                     f"Weight: 1, TTL: 60{guard}, ResourceRecords: [{{Value: 198.51.100.{i % 250 + 1}}}]}}")
    if with_checks:
        lines.append("HealthChecks:")
        for i in range(records):
            lines.append(f"  - {{Id: hc{i}, HealthCheckConfig: {{Type: HTTP, IPAddress: 127.0.0.1, "
                         f"Port: {web_port}, ResourcePath: /health, RequestInterval: 10, "
                         f"FailureThreshold: 3}}}}")
    return "\n".join(lines) + "\n"


def wait_for_dns(port: int, name: str, proc: subprocess.Popen[bytes], timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise SystemExit(f"netemu serve exited with {proc.returncode}")
        out = subprocess.run(["dig", "@127.0.0.1", "-p", str(port), name, "A", "+short",
                              "+time=1", "+tries=1"], capture_output=True, text=True)
        if out.stdout.strip():
            return
        time.sleep(0.2)
    raise SystemExit("netemu serve did not answer")


def serve(zone_dir: Path, dns_port: int, api_port: int, log: Path) -> subprocess.Popen[bytes]:
    cmd = [sys.executable, "-m", "netemu", "serve", "--zones", str(zone_dir),
           "--listen", f"127.0.0.1:{dns_port}", "--api", f"127.0.0.1:{api_port}",
           "--time-scale", "0.1"]
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    proc = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=subprocess.DEVNULL,
                            stderr=log.open("wb"))
    wait_for_dns(dns_port, "www.bench.example.org", proc)
    return proc


def dnsperf(port: int, queries: Path, seconds: int) -> tuple[float, int, str]:
    cmd = ["dnsperf", "-s", "127.0.0.1", "-p", str(port), "-d", str(queries),
           "-l", str(seconds), "-c", "4", "-q", "100"]
    out = subprocess.run(cmd, capture_output=True, text=True, timeout=seconds + 30).stdout
    m = re.search(r"Queries per second:\s+([\d.]+)", out)
    if not m:
        raise SystemExit(f"dnsperf printed no rate:\n{out}")
    lost = re.search(r"Queries lost:\s+(\d+)", out)
    done = re.search(r"Queries completed:\s+(\d+)", out)
    return (float(m.group(1)), int(done.group(1)) if done else 0,
            f"{' '.join(cmd)} (lost {lost.group(1) if lost else '?'})")


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process (Linux /proc)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def children(pid: int) -> list[int]:
    path = Path(f"/proc/{pid}/task/{pid}/children")
    return [int(x) for x in path.read_text().split()] if path.exists() else []


def idle_cpu_share(proc: subprocess.Popen[bytes], seconds: float = 4.0) -> tuple[float, float]:
    """Shares of one core used with no queries by the server and by its probe worker(s)."""
    kids = children(proc.pid)
    before = cpu_seconds(proc.pid), sum(cpu_seconds(k) for k in kids)
    start = time.monotonic()
    time.sleep(seconds)
    took = time.monotonic() - start
    after = cpu_seconds(proc.pid), sum(cpu_seconds(k) for k in kids)
    return (after[0] - before[0]) / took, (after[1] - before[1]) / took


def stop(proc: subprocess.Popen[bytes]) -> None:
    proc.send_signal(signal.SIGINT)
    try:
        proc.wait(10)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seconds", type=int, default=6)
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--checks", type=int, default=100)
    args = ap.parse_args()
    for tool in ("dnsperf", "dig"):
        if shutil.which(tool) is None:
            raise SystemExit(f"needs {tool}")

    tmp = Path(tempfile.mkdtemp(prefix="netemu-bench-"))
    site = tmp / "site"
    site.mkdir()
    (site / "health").write_text("OK\n")
    web_port = free_port()
    web = subprocess.Popen([sys.executable, "-m", "http.server", str(web_port), "--bind",
                            "127.0.0.1", "--directory", str(site)],
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    queries = tmp / "queries.txt"
    queries.write_text("www.bench.example.org A\napp.bench.example.org A\n")
    configs = {}
    for label in ("with", "without"):
        d = tmp / label
        d.mkdir()
        (d / "bench.yaml").write_text(zone_text(args.checks, label == "with", web_port))
        configs[label] = d

    rates: dict[str, list[float]] = {"with": [], "without": []}
    idle: dict[str, list[float]] = {"with": [], "without": []}
    worker: list[float] = []
    command = ""
    try:
        for _ in range(args.rounds):
            for label in ("without", "with"):
                dns_port, api_port = free_port(), free_port()
                proc = serve(configs[label], dns_port, api_port, tmp / f"{label}.log")
                try:
                    time.sleep(1.5)   # let every check start probing (staggered over 1 s)
                    server_share, worker_share = idle_cpu_share(proc)
                    idle[label].append(server_share)
                    if label == "with":
                        worker.append(worker_share)
                    rate, _, command = dnsperf(dns_port, queries, args.seconds)
                    rates[label].append(rate)
                finally:
                    stop(proc)
        healthy_log = (tmp / "with.log").read_text(errors="replace")
    finally:
        web.send_signal(signal.SIGINT)
        web.wait(10)

    with_qps = statistics.median(rates["with"])
    without_qps = statistics.median(rates["without"])
    ratio = with_qps / without_qps
    print(f"queries/s without health checks: {without_qps:,.0f}  (runs {rates['without']})")
    print(f"queries/s with {args.checks} checks at 1 s:   {with_qps:,.0f}  (runs {rates['with']})")
    print(f"ratio with/without: {ratio:.3f}  (target >= 0.95: {'met' if ratio >= 0.95 else 'NOT met'})")
    print(f"probes: {args.checks} HTTP checks, RequestInterval 10 x --time-scale 0.1 = 1 s, "
          f"against python -m http.server on 127.0.0.1:{web_port}")
    print(f"idle server CPU (no queries), share of one core: without "
          f"{statistics.median(idle['without']):.1%}, with {args.checks} checks "
          f"{statistics.median(idle['with']):.1%}; a saturated single-threaded server keeps about "
          f"1 - {statistics.median(idle['with']) - statistics.median(idle['without']):.3f} = "
          f"{1 - statistics.median(idle['with']) + statistics.median(idle['without']):.3f} of its "
          f"throughput (steadier than queries/s on a shared machine)")
    print(f"probe worker process CPU with {args.checks} checks: {statistics.median(worker):.1%} "
          f"of one core (outside the DNS process)")
    print(f"dnsperf: {command}")
    print(f"server: python -m netemu serve --zones DIR --listen 127.0.0.1:PORT --api 127.0.0.1:PORT "
          f"--time-scale 0.1   (zone files and logs in {tmp})")
    unhealthy = healthy_log.count("-> Unhealthy")
    print(f"state changes to Unhealthy logged during the 'with' runs: {unhealthy}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
