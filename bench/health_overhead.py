"""Benchmark: does probing 100 health checks every second slow the DNS path?

Starts one loopback HTTP endpoint (python -m http.server), then `netemu serve` twice on the
same generated zone (a weighted set of 100 records, each guarded by its own HTTP check): once
with the 100 checks probing that endpoint (RequestInterval 10 at --time-scale 0.1, i.e. every
check probed once a second: 100 probes/s), once with the same checks Disabled (never probed).
The DNS path does the same work in both; only the probing differs. Query throughput is measured with
dnsperf (bounded: ROUNDS rounds of SECONDS s per configuration, alternating), and the script prints
both figures, the ratio and the commands. Target: the ratio stays >= 0.95.

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
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from _serving import free_port

ROOT = Path(__file__).resolve().parent.parent
# With --pin (default on 2+ CPUs): the DNS server on CPU 0, everything else (dnsperf, the probe
# endpoint, the probe worker) on the other CPUs, so queries/s measures the DNS process alone.
PIN: dict[str, set[int]] = {}


def pin(pid: int, role: str) -> None:
    if PIN:
        os.sched_setaffinity(pid, PIN[role])


def zone_text(records: int, probing: bool, web_port: int) -> str:
    """The same zone in both runs: a simple record and a weighted set of ``records`` members,
    each guarded by its own HTTP check. Without probing every check is ``Disabled`` (healthy,
    never probed), so the DNS path does the same work and only the probing differs."""
    lines = ["HostedZone: {Name: bench.example.org.}", "ResourceRecordSets:",
             "  - {Name: www.bench.example.org., Type: A, TTL: 60, "
             "ResourceRecords: [{Value: 192.0.2.1}]}"]
    for i in range(records):
        lines.append(f"  - {{Name: app.bench.example.org., Type: A, SetIdentifier: s{i}, "
                     f"Weight: 1, TTL: 60, HealthCheckId: hc{i}, "
                     f"ResourceRecords: [{{Value: 198.51.100.{i % 250 + 1}}}]}}")
    lines.append("HealthChecks:")
    for i in range(records):
        lines.append(f"  - {{Id: hc{i}, HealthCheckConfig: {{Type: HTTP, IPAddress: 127.0.0.1, "
                     f"Port: {web_port}, ResourcePath: /health, RequestInterval: 10, "
                     f"FailureThreshold: 3, Disabled: {str(not probing).lower()}}}}}")
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
           "--time-scale", "0.1", "--no-query-log"]
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    with log.open("wb") as sink:          # the child keeps its own copy of the descriptor
        proc = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=sink)
    try:
        pin(proc.pid, "server")
        wait_for_dns(dns_port, "www.bench.example.org", proc)
        for child in children(proc.pid):      # the probe worker
            pin(child, "rest")
    except BaseException:                 # never leave a server behind (stopped by its PID)
        stop(proc)
        raise
    return proc


def dnsperf(port: int, queries: Path, seconds: int) -> tuple[float, int, str]:
    cmd = ["dnsperf", "-s", "127.0.0.1", "-p", str(port), "-d", str(queries),
           "-l", str(seconds), "-c", "4", "-q", "100"]
    if PIN:
        cmd = ["taskset", "-c", ",".join(map(str, sorted(PIN["rest"]))), *cmd]
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
    ap.add_argument("--no-pin", dest="pin", action="store_false",
                    help="do not pin the server to CPU 0 and the rest to the other CPUs")
    args = ap.parse_args()
    for tool in ("dnsperf", "dig"):
        if shutil.which(tool) is None:
            raise SystemExit(f"needs {tool}")

    cpus = sorted(os.sched_getaffinity(0))
    if args.pin and len(cpus) >= 2 and shutil.which("taskset"):
        PIN.update(server={cpus[0]}, rest=set(cpus[1:]))
    tmp = Path(tempfile.mkdtemp(prefix="netemu-bench-"))
    site = tmp / "site"
    site.mkdir()
    (site / "health").write_text("OK\n")
    web_port = free_port()
    web = subprocess.Popen([sys.executable, "-m", "http.server", str(web_port), "--bind",
                            "127.0.0.1", "--directory", str(site)],
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    pin(web.pid, "rest")
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
    cost: dict[str, list[float]] = {"with": [], "without": []}   # server CPU s per query
    web_share: list[float] = []
    busy: dict[str, list[float]] = {"with": [], "without": []}    # server CPU share under load
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
                    cpu0, web0, t0 = cpu_seconds(proc.pid), cpu_seconds(web.pid), time.monotonic()
                    rate, completed, command = dnsperf(dns_port, queries, args.seconds)
                    rates[label].append(rate)
                    cost[label].append((cpu_seconds(proc.pid) - cpu0) / max(completed, 1))
                    busy[label].append((cpu_seconds(proc.pid) - cpu0) / (time.monotonic() - t0))
                    if label == "with":
                        web_share.append((cpu_seconds(web.pid) - web0) / (time.monotonic() - t0))
                finally:
                    stop(proc)
        healthy_log = (tmp / "with.log").read_text(errors="replace")
    finally:
        stop(web)

    with_qps = statistics.median(rates["with"])
    without_qps = statistics.median(rates["without"])
    ratio = with_qps / without_qps
    print(f"queries/s, checks not probed:        {without_qps:,.0f}  (runs {rates['without']})")
    print(
        f"queries/s, {args.checks} checks probed every 1 s: {with_qps:,.0f}  (runs {rates['with']})"
    )
    print(
        f"ratio with/without: {ratio:.3f}  (target >= 0.95: "
        f"{'met' if ratio >= 0.95 else 'NOT met'})"
    )
    print(f"probes: {args.checks} HTTP checks, RequestInterval 10 x --time-scale 0.1 = 1 s, "
          f"against python -m http.server on 127.0.0.1:{web_port}")
    print(f"idle server CPU (no queries), share of one core: not probing "
          f"{statistics.median(idle['without']):.1%}, probing {args.checks} checks "
          f"{statistics.median(idle['with']):.1%}; a saturated single-threaded server keeps about "
          f"1 - {statistics.median(idle['with']) - statistics.median(idle['without']):.3f} = "
          f"{1 - statistics.median(idle['with']) + statistics.median(idle['without']):.3f} of its "
          f"throughput (steadier than queries/s on a shared machine)")
    cpq_with, cpq_without = statistics.median(cost["with"]), statistics.median(cost["without"])
    print(
        f"DNS server CPU per answered query during dnsperf: without {cpq_without * 1e6:.1f} us, "
        f"with {cpq_with * 1e6:.1f} us -> the DNS process can answer {cpq_without / cpq_with:.3f}"
        f" as many queries per CPU second with the checks (pessimistic: includes folding results)"
    )
    print(
        f"DNS server CPU share during dnsperf: not probing {statistics.median(busy['without']):.0%}"
        f", probing {statistics.median(busy['with']):.0%} (below ~95%: the load generator, not "
        f"the server, was the limit)"
    )
    print(f"probe endpoint (python -m http.server, same machine) CPU during 'with' runs: "
          f"{statistics.median(web_share):.1%} of one core; on {os.cpu_count()} cores it competes "
          f"with dnsperf and the server")
    print(f"probe worker process CPU with {args.checks} checks: {statistics.median(worker):.1%} "
          f"of one core (outside the DNS process)")
    pinning = (f"server on CPU {sorted(PIN['server'])}, dnsperf, endpoint and probe worker on "
               f"CPU {sorted(PIN['rest'])}" if PIN else "none")
    print(f"CPU pinning: {pinning} (other processes on the machine are not pinned)")
    print(f"dnsperf: {command}")
    print(
        f"server: python -m netemu serve --zones DIR --listen 127.0.0.1:PORT --api 127.0.0.1:PORT "
        f"--time-scale 0.1 --no-query-log   (zone files and logs in {tmp})"
    )
    unhealthy = healthy_log.count("-> Unhealthy")
    print(f"state changes to Unhealthy logged during the 'with' runs: {unhealthy}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
