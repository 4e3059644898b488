"""netemu beside NSD, gdnsd, PowerDNS (LUA records) and a bare Python server, same zone content,
same load generators, one table.

Zone content (bench.test.): ``a`` plain A; ``w`` weighted 1:3 (192.0.2.10 / .11); ``s`` chosen by
the EDNS client subnet (10.1.0.0/16 -> 192.0.2.21, else .29; queries rotate over three subnets).
netemu: a simple record, weighted records, IP-based routing (CIDR collection). NSD: plain only.
gdnsd: the weighted and geoip (``nets``) plugins. PowerDNS: the bind backend with LUA records
(``pickwrandom``, ``netmask``), in its default mode and with ``enable-lua-records=shared``. The
bare Python server (uvloop, ``add_reader`` drain loop) sends one precomputed reply: plain only.

Load: capacity with ``bench/dnsload.c`` (compiled with gcc into a temporary directory; a
closed-loop sendmmsg/recvmmsg generator: SOCKETS x WINDOW queries in flight, bounded by
SECONDS and a query count), the server pinned to CPU 1 and the generator to CPU 0 (``taskset``);
latency with ``dnsperf -Q 5000`` on the plain query. Server CPU per query is the server process
tree's utime + stime over the run divided by the replies. ``--rounds`` interleaved rounds (every
server once per round), the median is shown. A last row runs ``netemu serve --workers 2``
unpinned. Missing servers are installed from Debian when run as root (apt-get), otherwise skipped.

Everything listens on 127.0.0.1 on free ports and is stopped by its PID. The machine is shared:
the load average is printed, and figures are indicative.
Usage: ``.venv/bin/python bench/dns_compare.py [--rounds 3] [--seconds 3]``
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
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import dns.edns
import dns.exception
import dns.message
import dns.query

ROOT = Path(__file__).resolve().parent.parent
PY = sys.executable
PACKAGES = {"nsd": "nsd", "gdnsd": "gdnsd", "pdns_server": "pdns-server"}
EXTRA_PACKAGES = ["pdns-backend-bind"]
SUBNETS = ["10.1.2.0/24", "10.2.0.0/24", "192.0.2.0/24"]
KINDS = ("plain", "weighted", "subnet")
MAX_QUERIES = 3_000_000

SOA = ("@ 60 IN SOA ns1.bench.test. hostmaster.bench.test. 1 3600 900 604800 60\n"
       "@ 60 IN NS ns1.bench.test.\nns1 60 IN A 127.0.0.1\na 60 IN A 192.0.2.1\n")

NETEMU_ZONE = """\
HostedZone: {Name: bench.test.}
CidrCollections:
  - {Id: nets, Name: nets, Locations: [{LocationName: office, CidrList: [10.1.0.0/16]}]}
ResourceRecordSets:
  - {Name: a.bench.test., Type: A, TTL: 60, ResourceRecords: [{Value: 192.0.2.1}]}
  - {Name: w.bench.test., Type: A, SetIdentifier: one, Weight: 1, TTL: 60,
     ResourceRecords: [{Value: 192.0.2.10}]}
  - {Name: w.bench.test., Type: A, SetIdentifier: three, Weight: 3, TTL: 60,
     ResourceRecords: [{Value: 192.0.2.11}]}
  - {Name: s.bench.test., Type: A, SetIdentifier: office, TTL: 60,
     CidrRoutingConfig: {CollectionId: nets, LocationName: office},
     ResourceRecords: [{Value: 192.0.2.21}]}
  - {Name: s.bench.test., Type: A, SetIdentifier: other, TTL: 60,
     CidrRoutingConfig: {CollectionId: nets, LocationName: "*"},
     ResourceRecords: [{Value: 192.0.2.29}]}
"""

BARE = r'''
import asyncio, socket, sys
import dns.message, dns.rrset
table = {}
for hx in sys.argv[2:]:
    q = bytes.fromhex(hx)
    m = dns.message.from_wire(q)
    r = dns.message.make_response(m)
    r.answer.append(dns.rrset.from_text(m.question[0].name, 60, "IN", "A", "192.0.2.1"))
    table[q[2:]] = r.to_wire()[2:]
sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
sock.bind(("127.0.0.1", int(sys.argv[1])))
sock.setblocking(False)
recv, send, get = sock.recvfrom, sock.sendto, table.get
def drain():
    for _ in range(256):
        try:
            data, addr = recv(2048)
        except BlockingIOError:
            return
        t = get(data[2:])
        if t is not None:
            send(data[:2] + t, addr)
async def main():
    asyncio.get_running_loop().add_reader(sock.fileno(), drain)
    await asyncio.Event().wait()
try:
    import uvloop
    uvloop.run(main())
except ImportError:
    asyncio.run(main())
'''


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.bind(("127.0.0.1", 0))
        port = int(s.getsockname()[1])
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as t:   # TCP free too
        try:
            t.bind(("127.0.0.1", port))
        except OSError:
            return free_port()
    return port


def query(kind: str, n: int = 0) -> bytes:
    name = {"plain": "a", "weighted": "w", "subnet": "s"}[kind] + ".bench.test."
    options: list[dns.edns.Option] = []
    if kind == "subnet":
        address, prefix = SUBNETS[n % len(SUBNETS)].split("/")
        options.append(dns.edns.ECSOption(address, int(prefix), 0))
    msg = dns.message.make_query(name, "A", use_edns=0, payload=1232, options=options)
    msg.id = 0
    return msg.to_wire()


def queries(kind: str) -> list[bytes]:
    return [query(kind, n) for n in range(len(SUBNETS) if kind == "subnet" else 1)]


@dataclass
class Server:
    name: str
    command: Callable[[Path, int], list[str]]
    setup: Callable[[Path, int], None] | None = None
    kinds: tuple[str, ...] = KINDS
    pin: bool = True
    proc: subprocess.Popen[bytes] | None = None
    results: dict[str, list[tuple[float, float]]] = field(default_factory=dict)
    latency: list[float] = field(default_factory=list)
    note: str = ""


def tree_cpu(pid: int) -> float:
    """utime + stime of ``pid`` and its descendants (threads included), in seconds."""
    parents: dict[int, int] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            parents[int(entry.name)] = int(fields[1])
    family, grew = {pid}, True
    while grew:
        more = {p for p, pp in parents.items() if pp in family} - family
        grew = bool(more)
        family |= more
    total = 0
    for p in family:
        try:
            fields = Path(f"/proc/{p}/stat").read_text().rsplit(")", 1)[1].split()
            total += int(fields[11]) + int(fields[12])
        except OSError:
            continue
    return total / os.sysconf("SC_CLK_TCK")


def answers(port: int, kind: str) -> set[str]:
    seen = set()
    for wire in queries(kind) * 4:
        try:
            reply = dns.query.udp(dns.message.from_wire(wire), "127.0.0.1", port=port, timeout=1)
        except (OSError, dns.exception.DNSException):   # no answer: the kind is not measured
            return set()
        seen |= {rr.to_text() for rrset in reply.answer for rr in rrset}
    return seen


def wait_ready(server: Server, port: int, deadline: float = 30) -> bool:
    end = time.monotonic() + deadline
    while time.monotonic() < end:
        if server.proc is None or server.proc.poll() is not None:
            return False
        if answers(port, "plain"):
            return True
        time.sleep(0.2)
    return False


def start(server: Server, tmp: Path, cpus: int) -> int:
    port = free_port()
    work = tmp / f"{server.name.split()[0]}-{port}"
    work.mkdir(parents=True, exist_ok=True)
    if server.setup is not None:
        server.setup(work, port)
    cmd = server.command(work, port)
    if server.pin and cpus >= 2:
        cmd = ["taskset", "-c", "1", *cmd]
    log = (work / "server.log").open("wb")
    server.proc = subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT, cwd=work,
                                   start_new_session=True,
                                   env=dict(os.environ, PYTHONPATH=str(ROOT)))
    log.close()
    return port


def stop(server: Server) -> None:
    proc = server.proc
    if proc is None:
        return
    if proc.poll() is None:
        os.killpg(proc.pid, signal.SIGTERM)   # its own session: the server's tree, by PID
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(10)
    server.proc = None


def capacity(gen: Path | None, port: int, kind: str, seconds: int, pin: bool, cpus: int,
             server_pid: int, sockets: int) -> tuple[float, float]:
    """(replies per second, server CPU microseconds per reply)."""
    before = tree_cpu(server_pid)
    if gen is not None:
        cmd = [str(gen), "127.0.0.1", str(port), str(seconds), str(MAX_QUERIES), str(sockets),
               "32", *(w.hex() for w in queries(kind))]
    else:   # no compiler: dnsperf at full speed
        return 0.0, 0.0
    if pin and cpus >= 2:
        cmd = ["taskset", "-c", "0", *cmd]
    out = subprocess.run(cmd, capture_output=True, text=True, timeout=seconds + 30,
                         check=False).stdout
    used = tree_cpu(server_pid) - before
    found = re.search(r"replies (\d+) lost (\d+) seconds ([\d.]+)", out)
    if not found:
        return 0.0, 0.0
    replies, took = int(found.group(1)), float(found.group(3))
    return replies / took, (used / replies * 1e6 if replies else 0.0)


def latency(port: int, seconds: int, tmp: Path) -> float:
    """Average latency in ms at 5,000 queries/s (dnsperf), plain query."""
    if shutil.which("dnsperf") is None:
        return 0.0
    qfile = tmp / "plain.txt"
    qfile.write_text("a.bench.test A\n")
    cmd = ["dnsperf", "-s", "127.0.0.1", "-p", str(port), "-d", str(qfile), "-l", str(seconds),
           "-Q", "5000", "-c", "1"]
    out = subprocess.run(cmd, capture_output=True, text=True, timeout=seconds + 30,
                         check=False).stdout
    found = re.search(r"Average Latency \(s\):\s+([\d.]+)", out)
    return float(found.group(1)) * 1000 if found else 0.0


# --- the servers --------------------------------------------------------------------------------


def netemu_setup(work: Path, port: int) -> None:
    (work / "zones").mkdir(exist_ok=True)
    (work / "zones" / "bench.yaml").write_text(NETEMU_ZONE)


def netemu_cmd(extra: list[str]) -> Callable[[Path, int], list[str]]:
    def cmd(work: Path, port: int) -> list[str]:
        return [PY, "-m", "netemu", "serve", "--no-query-log", "--zones", str(work / "zones"),
                "--listen", f"127.0.0.1:{port}", "--api", f"127.0.0.1:{free_port()}", *extra]
    return cmd


def bare_cmd(work: Path, port: int) -> list[str]:
    (work / "bare.py").write_text(BARE)
    plain = dns.message.make_query("a.bench.test.", "A", use_edns=-1)   # dnsperf's shape
    plain.id = 0
    return [PY, str(work / "bare.py"), str(port), plain.to_wire().hex(),
            *(w.hex() for w in queries("plain"))]


def nsd_setup(work: Path, port: int) -> None:
    (work / "bench.zone").write_text("$ORIGIN bench.test.\n" + SOA)
    (work / "nsd.conf").write_text(f"""server:
  ip-address: 127.0.0.1@{port}
  port: {port}
  server-count: 1
  username: ""
  zonesdir: "{work}"
  pidfile: "{work}/nsd.pid"
  database: ""
  xfrdfile: "{work}/xfrd.state"
  zonelistfile: "{work}/zone.list"
  xfrdir: "{work}"
  logfile: "{work}/nsd.log"
  do-ip6: no
  rrl-ratelimit: 0
  verbosity: 0
remote-control:
  control-enable: no
zone:
  name: bench.test
  zonefile: bench.zone
""")


def gdnsd_setup(work: Path, port: int) -> None:
    (work / "zones").mkdir(exist_ok=True)
    for sub in ("run", "state"):
        (work / sub).mkdir(exist_ok=True)
    (work / "zones" / "bench.test").write_text(
        SOA + "w 60 DYNA weighted!w13\ns 60 DYNA geoip!bysubnet\n")
    (work / "config").write_text(f"""options => {{
  listen => [ 127.0.0.1:{port} ]
  run_dir => {work}/run
  state_dir => {work}/state
  udp_threads => 1
  tcp_threads => 1
}}
plugins => {{
  weighted => {{ w13 => {{ multi => false, a => [ 192.0.2.10, 1 ], b => [ 192.0.2.11, 3 ] }} }}
  geoip => {{
    maps => {{ bysubnet => {{ datacenters => [ other, office ],
                              nets => {{ 10.1.0.0/16 => [ office ] }} }} }}
    resources => {{ bysubnet => {{ map => bysubnet,
                                   dcmap => {{ office => 192.0.2.21, other => 192.0.2.29 }} }} }}
  }}
}}
""")


def pdns_setup(work: Path, port: int) -> None:
    (work / "bench.zone").write_text(
        "$ORIGIN bench.test.\n" + SOA
        + "w 60 IN LUA A \"pickwrandom({{1,'192.0.2.10'},{3,'192.0.2.11'}})\"\n"
        + "s 60 IN LUA A \";if netmask({'10.1.0.0/16'}) then return '192.0.2.21' "
          "else return '192.0.2.29' end\"\n")
    (work / "named.conf").write_text(
        f'zone "bench.test" {{ type master; file "{work}/bench.zone"; }};\n')


def pdns_cmd(mode: str) -> Callable[[Path, int], list[str]]:
    def cmd(work: Path, port: int) -> list[str]:
        return ["pdns_server", "--no-config", "--daemon=no", "--guardian=no",
                "--disable-syslog", "--local-address=127.0.0.1", f"--local-port={port}",
                "--launch=bind", f"--bind-config={work}/named.conf", f"--socket-dir={work}",
                f"--enable-lua-records={mode}", "--edns-subnet-processing=yes",
                "--receiver-threads=1", "--distributor-threads=1", "--loglevel=3"]
    return cmd


def servers() -> list[Server]:
    out = [
        Server("netemu", netemu_cmd([]), netemu_setup),
        Server("bare Python", bare_cmd, kinds=("plain",)),
        Server("NSD", lambda w, p: ["nsd", "-d", "-c", str(w / "nsd.conf")], nsd_setup,
               kinds=("plain",)),
        Server("gdnsd", lambda w, p: ["gdnsd", "-c", str(w), "-D", "start"], gdnsd_setup),
        Server("PowerDNS LUA", pdns_cmd("yes"), pdns_setup),
        Server("PowerDNS LUA shared", pdns_cmd("shared"), pdns_setup),
    ]
    return [s for s in out if s.name.split()[0] in ("netemu", "bare")
            or shutil.which(s.command(Path("/nonexistent"), 0)[0])]


def install_missing() -> None:
    missing = [pkg for binary, pkg in PACKAGES.items() if shutil.which(binary) is None]
    if not missing:
        return
    if os.geteuid() != 0 or shutil.which("apt-get") is None:
        print(f"not root (or no apt-get): {', '.join(missing)} skipped")
        return
    cmd = ["apt-get", "install", "-y", "-q", "--no-install-recommends", *missing,
           *EXTRA_PACKAGES]
    print("installing:", " ".join(cmd), flush=True)
    subprocess.run(cmd, check=False, timeout=900,
                   env=dict(os.environ, DEBIAN_FRONTEND="noninteractive"))


def build_generator(tmp: Path) -> Path | None:
    cc = shutil.which("gcc") or shutil.which("cc")
    if cc is None:
        print("no C compiler: the closed-loop generator is skipped")
        return None
    out = tmp / "dnsload"
    subprocess.run([cc, "-O2", "-o", str(out), str(ROOT / "bench" / "dnsload.c")], check=True)
    return out


def run_round(server: Server, gen: Path | None, tmp: Path, seconds: int, cpus: int) -> None:
    port = start(server, tmp, cpus)
    try:
        assert server.proc is not None
        if not wait_ready(server, port):
            log = next(tmp.glob(f"{server.name.split()[0]}-{port}/server.log"), None)
            server.note = "did not start: " + (log.read_text()[-300:].strip() if log else "?")
            return
        for kind in server.kinds:
            if kind != "plain" and not answers(port, kind):
                server.note = f"no answer for {kind}"
                continue
            got = capacity(gen, port, kind, seconds, server.pin, cpus, server.proc.pid,
                           8 if not server.pin else 4)
            server.results.setdefault(kind, []).append(got)
        if server.pin:
            server.latency.append(latency(port, seconds, tmp))
    finally:
        stop(server)


def median(values: list[float]) -> float:
    return statistics.median(values) if values else 0.0


def table(rows: list[Server]) -> str:
    def qps(s: Server, kind: str) -> str:
        got = s.results.get(kind)
        return f"{median([q for q, _ in got]) / 1000:.1f}k" if got else "–"

    def cpu(s: Server) -> str:
        parts = [f"{median([c for _, c in s.results[k]]):.1f}" if k in s.results else "–"
                 for k in KINDS]
        return " / ".join(parts)

    lines = [("| server | plain A | weighted 1:3 | by client subnet | server CPU per query "
              "(µs, plain / weighted / subnet) | latency at 5,000 qps (ms) |"),
             "|---|---:|---:|---:|---:|---:|"]
    for s in rows:
        lat = f"{median(s.latency):.3f}" if s.latency else "–"
        lines.append(f"| {s.name} | {qps(s, 'plain')} | {qps(s, 'weighted')} | "
                     f"{qps(s, 'subnet')} | {cpu(s)} | {lat} |")
    base = next(s for s in rows if s.name == "netemu")
    lines.append("")
    lines.append("netemu's ratio to each (QPS plain / weighted / subnet; latency: netemu ÷ other):")
    for s in rows:
        if s is base:
            continue
        ratios = []
        for kind in KINDS:
            mine, theirs = base.results.get(kind), s.results.get(kind)
            if mine and theirs and median([q for q, _ in theirs]):
                ratios.append(
                    f"{median([q for q, _ in mine]) / median([q for q, _ in theirs]):.2f}x"
                )
            else:
                ratios.append("–")
        lat = (f"{median(base.latency) / median(s.latency):.2f}x"
               if base.latency and s.latency and median(s.latency) else "–")
        lines.append(f"  vs {s.name}: {' / '.join(ratios)}; latency {lat}"
                     + (f"  ({s.note})" if s.note else ""))
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--seconds", type=int, default=3)
    parser.add_argument("--no-install", action="store_true")
    args = parser.parse_args()
    seconds = max(1, min(args.seconds, 30))
    if not args.no_install:
        install_missing()
    cpus = os.cpu_count() or 1
    load_before = os.getloadavg()
    rows = servers()
    workers = Server("netemu --workers 2 (unpinned)", netemu_cmd(["--workers", "2"]),
                     netemu_setup, pin=False)
    with tempfile.TemporaryDirectory(prefix="netemu-bench-") as tmpdir:
        tmp = Path(tmpdir)
        gen = build_generator(tmp)
        for r in range(max(1, min(args.rounds, 5))):
            for server in rows + [workers]:
                print(f"round {r + 1}: {server.name}", file=sys.stderr, flush=True)
                run_round(server, gen, tmp, seconds, cpus)
    print(table(rows + [workers]))
    if rows[0].note:
        print(f"note: netemu: {rows[0].note}")
    load_after = os.getloadavg()
    print(f"\nload average before {load_before[0]:.2f}, after {load_after[0]:.2f} on {cpus} "
          f"CPUs (shared machine: figures are indicative); server pinned to CPU 1, generator "
          f"to CPU 0 (taskset); {seconds} s per measurement, {args.rounds} interleaved rounds, "
          f"median shown; generator: bench/dnsload.c, 4 sockets x 32 in flight")
    print(f"command: {PY} {' '.join(sys.argv)}")


if __name__ == "__main__":
    main()
