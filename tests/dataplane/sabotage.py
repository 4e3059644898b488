"""A real ``ip`` command that fails at a chosen step of ``netemu apply`` (issue 14).

``install(directory, ...)`` writes an ``ip`` program into ``directory``; put that directory first
on the PATH of a ``netemu apply`` child. It runs the real ``ip`` for everything, and counts the
``ip -batch`` scripts that ``apply`` sends into namespaces under the test's prefix with a line
of the chosen kind (``bridge``: marking a namespace and its bridges; ``veth``: creating veth
pairs; ``address``, ``rule``: configuring a namespace). On the chosen one (``at``), just before
running it, it creates a real kernel object that one line of that kind will collide with
(``pick`` chooses the line): a bridge with the name of the bridge or
veth peer the line creates, or the address or rule the line adds. The kernel then refuses that
line with its own message, as it would after a crash or a foreign object. Nothing is touched
outside namespaces that carry the prefix.

What it did is written to ``directory/sabotaged.json``: the namespace and the command that made
the conflict, the command that undoes it, and the kernel's message for the collision.
"""

from __future__ import annotations

import json
import shutil
import sys
from pathlib import Path

PROGRAM = r'''
import fcntl, json, os, subprocess, sys
real = os.environ["NETEMU_SABOTAGE_IP"]
argv = sys.argv[1:]
if "-batch" not in argv:
    os.execv(real, [real, *argv])
here = os.environ["NETEMU_SABOTAGE_DIR"]
prefix = os.environ["NETEMU_SABOTAGE_PREFIX"]
script = sys.stdin.read()
if "-n" in argv:
    ns = argv[argv.index("-n") + 1]
else:  # inside `ip netns exec NS ...`
    ns = subprocess.run([real, "netns", "identify"], capture_output=True, text=True).stdout.strip()
family = ["-6"] if "-6" in argv else []


def conflict(line):
    """(namespace, words that create the colliding object, words that remove it, kind) or
    None; kinds: bridge (marking a namespace), veth (creating links), address and rule
    (configuring a namespace)."""
    w = line.split()
    if w[:2] == ["link", "add"] and "type" in w:
        link_type = w[w.index("type") + 1]
        if link_type == "bridge":
            return ns, ["link", "add", w[2], "type", "bridge"], ["link", "del", w[2]], "bridge"
        if link_type == "veth" and "peer" in w and "netns" in w:
            peer, where = w[w.index("peer") + 2], w[w.index("netns") + 1]
            return where, ["link", "add", peer, "type", "bridge"], ["link", "del", peer], "veth"
    if w[:2] in (["address", "add"], ["rule", "add"]):
        return ns, w, [w[0], "del", *w[2:]], w[0]
    return None


chosen = os.environ["NETEMU_SABOTAGE_KIND"]
found = [c for c in map(conflict, script.splitlines()) if c and c[0].startswith(prefix)]
if ns.startswith(prefix) and found:
    with open(os.path.join(here, "lock"), "a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        for kind in sorted({c[3] for c in found}):
            counter = os.path.join(here, "count-" + kind)
            n = int(open(counter).read()) if os.path.exists(counter) else 0
            open(counter, "w").write(str(n + 1))
            if kind != chosen or n != int(os.environ["NETEMU_SABOTAGE_AT"]):
                continue
            mine = [c for c in found if c[3] == kind]
            where, make, undo, _ = mine[int(os.environ["NETEMU_SABOTAGE_PICK"]) % len(mine)]
            first = subprocess.run([real, *family, "-n", where, *make], capture_output=True,
                                   text=True)
            again = subprocess.run([real, *family, "-n", where, *make], capture_output=True,
                                   text=True)
            record = {"batch": n, "kind": kind, "namespace": where, "make": make,
                      "undo": undo, "family": family, "made": first.returncode == 0,
                      "kernel": again.stderr.strip().splitlines()[0] if again.stderr else ""}
            with open(os.path.join(here, "sabotaged.json"), "w") as out:
                json.dump(record, out)
proc = subprocess.run([real, *argv], input=script, text=True)
sys.exit(proc.returncode)
'''


def install(directory: Path) -> Path:
    """Write the ``ip`` program into ``directory``; returns the directory (for PATH)."""
    directory.mkdir(parents=True, exist_ok=True)
    program = directory / "ip"
    program.write_text(f"#!{sys.executable}\n{PROGRAM}")
    program.chmod(0o755)
    return directory


KINDS = ("bridge", "veth", "address", "rule")


def environment(base: dict[str, str], directory: Path, prefix: str, kind: str, at: int,
                pick: int) -> dict[str, str]:
    """Fail the ``at``-th script (0-based; -1: none, only count) that has a line of ``kind``."""
    real = shutil.which("ip", path=base.get("PATH"))
    assert real is not None and Path(real).parent != directory
    return dict(base, PATH=f"{directory}:{base.get('PATH', '')}", NETEMU_SABOTAGE_IP=real,
                NETEMU_SABOTAGE_DIR=str(directory), NETEMU_SABOTAGE_PREFIX=prefix,
                NETEMU_SABOTAGE_KIND=kind, NETEMU_SABOTAGE_AT=str(at),
                NETEMU_SABOTAGE_PICK=str(pick))


def counted(directory: Path, kind: str) -> int:
    """How many scripts with a line of ``kind`` the program could have made fail so far."""
    path = directory / f"count-{kind}"
    return int(path.read_text()) if path.exists() else 0


def record(directory: Path) -> dict[str, object] | None:
    path = directory / "sabotaged.json"
    return json.loads(path.read_text()) if path.exists() else None
