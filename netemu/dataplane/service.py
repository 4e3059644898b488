"""A data-plane service process (the VPC resolver, the instance metadata service, the load
balancer nodes, the endpoints' service hosts), the one way all are run: started detached as
``python -m MODULE CONFIG``, recorded in the state file (``services.NAME``: pid, config,
fingerprint, log), ready when it writes its PID to its ready file, and stopped by that PID only
after checking that the PID still runs MODULE with this CONFIG (a recycled PID is never
signalled). ``Service.ensure`` is the one convergence rule: keep a live process whose
configuration's ``fingerprinted`` digest is unchanged, else restart it.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Coroutine, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from netemu.dataplane.state import State

STOP_SECONDS = 5.0


def fingerprinted(body: dict[str, Any]) -> dict[str, Any]:
    """``body`` with its ``fingerprint`` (16 hex digits of the sha256 of its sorted JSON): what
    ``Service.ensure`` compares to decide whether the running process still serves it."""
    body["fingerprint"] = hashlib.sha256(json.dumps(body, sort_keys=True).encode()).hexdigest()[:16]
    return body


@dataclass(frozen=True)
class Service:
    """``name``: the key in the state file's ``services`` and the stem of its files in the state
    directory (``NAME.json``, ``NAME.ready``, ``NAME.log``); ``what``: how errors name it."""

    name: str
    module: str
    what: str
    error: type[Exception]
    ready_seconds: float = 20.0

    def alive(self, pid: int, config_path: str) -> bool:
        """True when ``pid`` runs this module with ``config_path`` (never trust a bare PID)."""
        try:
            argv = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
        except OSError:
            return False
        return self.module.encode() in argv and config_path.encode() in argv

    def record_alive(self, record: dict[str, Any]) -> bool:
        return self.alive(int(record["pid"]), str(record["config"]))

    def ensure(self, where: Path, body: dict[str, Any] | None, restart: bool = False,
               stop: Callable[[Path], object] | None = None) -> dict[str, Any] | None:
        """Make the running process serve ``body`` (a ``fingerprinted`` configuration; None:
        nothing to serve, so stop it): keep it when it is alive with the same fingerprint and no
        ``restart`` is asked (apply recreated namespaces its sockets live in), else stop it
        (with ``stop``, when the caller has files of its own to remove) and start it again.
        The state record, or None."""
        halt = stop or self.stop
        record = State.load(where).services.get(self.name)
        if body is None:
            halt(where)
            return None
        if record and not restart and record.get("fingerprint") == body["fingerprint"] \
                and self.record_alive(record):
            return dict(record)
        halt(where)
        return self.start(where, body)

    def start(self, where: Path, body: dict[str, Any]) -> dict[str, Any]:
        """Write ``body`` (with ``ready_file`` and ``fingerprint``) to ``NAME.json``, start the
        process, record it and wait until it is ready; the state record, or ``error``."""
        path = where / f"{self.name}.json"
        path.write_text(json.dumps(body, indent=1, sort_keys=True))
        ready = Path(body["ready_file"])
        ready.unlink(missing_ok=True)
        log_path = where / f"{self.name}.log"
        root = str(Path(__file__).resolve().parents[2])
        with open(log_path, "ab") as out, open(os.devnull, "rb") as devnull:
            proc = subprocess.Popen([sys.executable, "-m", self.module, str(path)],
                                    stdin=devnull, stdout=out, stderr=out,
                                    start_new_session=True,
                                    env=dict(os.environ, PYTHONPATH=os.pathsep.join(
                                        filter(None, [root, os.environ.get("PYTHONPATH")]))))
        record = {"pid": proc.pid, "config": str(path), "fingerprint": body["fingerprint"],
                  "log": str(log_path), "started": time.time()}
        state = State.load(where)
        state.services[self.name] = record
        state.save()
        deadline = time.monotonic() + self.ready_seconds
        while time.monotonic() < deadline:
            if proc.poll() is not None:
                self.stop(where)
                tail = log_path.read_text(errors="replace")[-2000:]
                raise self.error(f"the {self.what} exited ({proc.returncode}): {tail.strip()}")
            try:
                if json.loads(ready.read_text()).get("pid") == proc.pid:
                    return record
            except (OSError, ValueError):
                pass
            time.sleep(0.05)
        self.stop(where)
        raise self.error(f"the {self.what} did not start within {self.ready_seconds:.0f}s "
                         f"(log {log_path})")

    def stop(self, where: Path) -> bool:
        """Stop the recorded process by its PID; True when one was running."""
        state = State.load(where)
        record = state.services.pop(self.name, None)
        if not record:
            return False
        pid, cfg = int(record["pid"]), str(record["config"])
        running = self.alive(pid, cfg)
        if running:
            os.kill(pid, signal.SIGTERM)
            deadline = time.monotonic() + STOP_SECONDS
            while time.monotonic() < deadline and self.alive(pid, cfg):
                _reap(pid)
                time.sleep(0.02)
            if self.alive(pid, cfg):
                os.kill(pid, signal.SIGKILL)
            _reap(pid)
        (where / f"{self.name}.ready").unlink(missing_ok=True)
        if state.path.exists():
            state.save()
        return running


def _reap(pid: int) -> None:
    """Collect our own child (a test process that started it); others are not ours to wait."""
    try:
        os.waitpid(pid, os.WNOHANG)
    except ChildProcessError:
        pass


# --- inside the service process ------------------------------------------------------------------


async def serve_until_stopped(servers: Sequence[asyncio.AbstractServer], ready_file: str) -> None:
    """Say the process is ready (its PID in ``ready_file``, what ``Service.start`` waits for),
    serve until SIGTERM or SIGINT, then close ``servers``."""
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    loop.add_signal_handler(signal.SIGTERM, stop.set)
    loop.add_signal_handler(signal.SIGINT, stop.set)
    Path(ready_file).write_text(json.dumps({"pid": os.getpid()}))
    await stop.wait()
    for server in servers:
        server.close()


def process_main(argv: list[str], module: str,
                 run: Callable[[dict[str, Any]], Coroutine[Any, Any, None]]) -> int:
    """The ``main`` of an asyncio service process, ``python -m MODULE CONFIG``."""
    if len(argv) != 2:
        print(f"usage: python -m {module} CONFIG", file=sys.stderr)
        return 2
    asyncio.run(run(json.loads(Path(argv[1]).read_text())))
    return 0
