"""Where a loaded ``netemu serve`` spends its time: py-spy on the server while the closed-loop
generator (bench/dnsload.c) drives one query kind of bench/dns_compare.py's zone.

The server is pinned to CPU 1 and the generator to CPU 0 (taskset, when there are 2 CPUs);
py-spy samples only while the server holds the GIL (``--gil``: Python work, not the time spent
waiting in epoll; socket calls release the GIL, so their share is under-counted). Prints the
generator's result, the share of samples per function (own time) and the top lines.

``--tree DIR`` runs netemu from another checkout (e.g. ``git archive COMMIT | tar -x -C DIR``)
to profile a before/after pair on the same machine. Bounded: SECONDS (at most 30) of load; the
server is stopped by its PID. Needs ``py-spy`` (``.venv/bin/pip install py-spy``) and gcc.
Usage: ``.venv/bin/python bench/dns_pyspy.py [--kind weighted] [--seconds 6] [--query-log]
[--tree DIR]``
"""

from __future__ import annotations

import argparse
import collections
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import dns_compare as dc  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--kind", choices=dc.KINDS, default="weighted")
    parser.add_argument("--seconds", type=int, default=6)
    parser.add_argument("--query-log", action="store_true", help="leave the query log on")
    parser.add_argument("--tree", default=str(dc.ROOT), help="netemu checkout to run")
    parser.add_argument("--top", type=int, default=10)
    args = parser.parse_args()
    seconds = max(2, min(args.seconds, 30))
    spy = shutil.which("py-spy") or str(Path(sys.executable).parent / "py-spy")
    if not Path(spy).exists():
        print("py-spy not found (.venv/bin/pip install py-spy): skipped")
        return 0
    pin = (os.cpu_count() or 1) >= 2
    with tempfile.TemporaryDirectory(prefix="netemu-pyspy-") as tmpdir:
        work = Path(tmpdir)
        gen = dc.build_generator(work)
        if gen is None:
            return 1
        port = dc.free_port()
        dc.netemu_setup(work, port)
        cmd = dc.netemu_cmd([], query_log=args.query_log)(work, port)
        if pin:
            cmd = ["taskset", "-c", "1", *cmd]
        with (work / "server.log").open("wb") as log:
            proc = subprocess.Popen(cmd, cwd=work, stdout=log, stderr=subprocess.STDOUT,
                                    start_new_session=True,
                                    env=dict(os.environ, PYTHONPATH=args.tree))
        server = dc.Server("netemu", dc.netemu_cmd([]), proc=proc)
        raw = work / "raw.txt"
        try:
            if not dc.wait_ready(server, port):
                print("netemu did not start")
                return 1
            sampler = subprocess.Popen([spy, "record", "--gil", "-r", "500", "-d", str(seconds),
                                        "-f", "raw", "-o", str(raw), "-p", str(proc.pid)],
                                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            time.sleep(0.5)
            load = [str(gen), "127.0.0.1", str(port), str(seconds - 1), str(dc.MAX_QUERIES), "4",
                    "32", *(w.hex() for w in dc.queries(args.kind))]
            if pin:
                load = ["taskset", "-c", "0", *load]
            out = subprocess.run(load, capture_output=True, text=True, timeout=seconds + 30,
                                 check=False).stdout
            sampler.wait(seconds + 30)
        finally:
            dc.stop(server)
        print(f"generator: {out.strip()}")
        own: collections.Counter[str] = collections.Counter()
        lines: collections.Counter[str] = collections.Counter()
        total = 0
        for line in raw.read_text().splitlines() if raw.exists() else []:
            stack, _, count = line.rpartition(" ")
            n = int(count)
            total += n
            leaf = stack.split(";")[-1]
            func, _, where = leaf.partition(" (")
            where = where.rsplit("/", 1)[-1].rstrip(")")
            own[f"{func} [{where.split(':')[0]}]"] += n
            lines[f"{func} {where}"] += n
    print(f"samples with the GIL held: {total}")
    for name, n in own.most_common(args.top):
        print(f"  {100 * n / max(total, 1):5.1f}%  {name}")
    print("top lines:")
    for name, n in lines.most_common(6):
        print(f"  {100 * n / max(total, 1):5.1f}%  {name}")
    print(f"load average {os.getloadavg()[0]:.2f} on {os.cpu_count()} CPUs")
    print(f"command: {sys.executable} {' '.join(sys.argv)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
