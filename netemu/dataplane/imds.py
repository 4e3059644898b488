"""The instance metadata service process as the data plane runs it (V37): ``ensure`` after
``apply`` (start, or restart when what it serves changed or namespaces were recreated), ``stop``
before ``destroy``. Like the VPC resolver (``netemu.dataplane.resolver``): its configuration is
``STATE/imds.json``, the process is recorded in the state file (``services.imds``: pid, config,
fingerprint, log) and stopped by that PID after checking that the PID still runs
``netemu.dataplane.imds_server`` with this configuration (a recycled PID is never signalled).
"""

from __future__ import annotations

import hashlib
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from netemu.dataplane import kernel, names
from netemu.dataplane.plan import wiring
from netemu.dataplane.state import State, state_dir
from netemu.vpc import imds
from netemu.vpc.model import Topology

MODULE = "netemu.dataplane.imds_server"
READY_SECONDS = 20.0
STOP_SECONDS = 5.0
SERVICE = "imds"


class ImdsError(RuntimeError):
    pass


def config(topology: Topology, prefix: str, directory: Path) -> dict[str, Any]:
    """What the process serves: per instance its namespace, addresses and metadata."""
    instances = []
    for vpc in topology.vpcs:
        for inst in vpc.instances:
            mac = kernel.bridge_mac(wiring.eni_link(vpc.name, f"i:{inst.name}") + "/b")
            instances.append({"namespace": names.ns_instance(prefix, vpc.name, inst.name),
                              "node": f"{vpc.name}/{inst.name}",
                              "addresses": list(imds.addresses_of(inst)),
                              "data": imds.metadata(vpc, inst, mac)})
    body: dict[str, Any] = {"instances": instances,
                            "ready_file": str(directory / "imds.ready")}
    body["fingerprint"] = hashlib.sha256(json.dumps(body, sort_keys=True).encode()).hexdigest()[:16]
    return body


def _alive(pid: int, config_path: str) -> bool:
    try:
        argv = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
    except OSError:
        return False
    return MODULE.encode() in argv and config_path.encode() in argv


def ensure(topology: Topology, prefix: str = names.PREFIX, directory: str | Path | None = None,
           restart: bool = False) -> dict[str, Any] | None:
    """Make the running service answer ``topology``'s instances; returns the state record, or
    None when the topology has no instance."""
    where = state_dir(str(directory) if directory else None)
    record = State.load(where).services.get(SERVICE)
    if not any(v.instances for v in topology.vpcs):
        stop(where)
        return None
    body = config(topology, prefix, where)
    if record and not restart and record.get("fingerprint") == body["fingerprint"] \
            and _alive(int(record["pid"]), record["config"]):
        return dict(record)
    stop(where)
    path = where / "imds.json"
    path.write_text(json.dumps(body, indent=1, sort_keys=True))
    ready = Path(body["ready_file"])
    ready.unlink(missing_ok=True)
    log_path = where / "imds.log"
    root = str(Path(__file__).resolve().parents[2])
    with open(log_path, "ab") as out, open(os.devnull, "rb") as devnull:
        proc = subprocess.Popen([sys.executable, "-m", MODULE, str(path)], stdin=devnull,
                                stdout=out, stderr=out, start_new_session=True,
                                env=dict(os.environ, PYTHONPATH=os.pathsep.join(
                                    filter(None, [root, os.environ.get("PYTHONPATH")]))))
    record = {"pid": proc.pid, "config": str(path), "fingerprint": body["fingerprint"],
              "log": str(log_path), "started": time.time()}
    state = State.load(where)
    state.services[SERVICE] = record
    state.save()
    deadline = time.monotonic() + READY_SECONDS
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            stop(where)
            tail = log_path.read_text(errors="replace")[-2000:]
            raise ImdsError(f"the instance metadata service exited ({proc.returncode}): "
                            f"{tail.strip()}")
        try:
            if json.loads(ready.read_text()).get("pid") == proc.pid:
                return record
        except (OSError, ValueError):
            pass
        time.sleep(0.05)
    stop(where)
    raise ImdsError(f"the instance metadata service did not start within {READY_SECONDS:.0f}s"
                    f" (log {log_path})")


def stop(directory: str | Path | None = None) -> bool:
    """Stop the recorded service by its PID; True when one was running."""
    where = state_dir(str(directory) if directory else None)
    state = State.load(where)
    record = state.services.pop(SERVICE, None)
    if not record:
        return False
    pid, cfg = int(record["pid"]), str(record["config"])
    running = _alive(pid, cfg)
    if running:
        os.kill(pid, signal.SIGTERM)
        deadline = time.monotonic() + STOP_SECONDS
        while time.monotonic() < deadline and _alive(pid, cfg):
            _reap(pid)
            time.sleep(0.02)
        if _alive(pid, cfg):
            os.kill(pid, signal.SIGKILL)
        _reap(pid)
    (where / "imds.ready").unlink(missing_ok=True)
    if state.path.exists():
        state.save()
    return running


def _reap(pid: int) -> None:
    try:
        os.waitpid(pid, os.WNOHANG)
    except ChildProcessError:
        pass


def info(state: State) -> dict[str, Any] | None:
    """What ``status`` shows: the process, whether it runs, how many instances it answers."""
    record = state.services.get(SERVICE)
    if not record:
        return None
    out = dict(record, running=_alive(int(record["pid"]), str(record["config"])))
    try:
        out["instances"] = len(json.loads(Path(record["config"]).read_text())["instances"])
    except (OSError, ValueError, KeyError):
        out["instances"] = 0
    return out
