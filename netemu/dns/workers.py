"""``netemu serve --workers N``: N processes answer DNS on one address (SO_REUSEPORT).

The first process is the whole server: it answers DNS too, and alone runs the Route 53 API, the
health checker and its probes. The N-1 others only answer DNS. They start from the same zone
files (``build_serving(args)``), and every snapshot the first process publishes reaches them:

- a zone change (API change batch) is sent as the new ``ZoneSet`` (with the current health
  statuses); the worker compiles it (``SnapshotBuilder``) and swaps it in;
- a health transition is sent as the statuses (check id -> healthy).

Ordering ("visible on the next query"): the publisher writes the message on each worker's pipe
and then increments a shared generation counter. A worker reads its pipe from its event loop as
soon as it can, and also, before each UDP batch and each TCP query, compares the counter with
the last generation it took in: when they differ it drains its pipe first. So a query that
reaches any worker after the publication returned is answered from the new snapshot.

A worker exits when its pipe closes (the first process stopped, however it stopped); the first
process stops its workers by their PIDs when it stops.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import multiprocessing
import multiprocessing.connection
import multiprocessing.sharedctypes
from dataclasses import replace
from types import MappingProxyType
from typing import Any

from netemu.dns.handler import Serving
from netemu.dns.server import DnsServer
from netemu.route53.health import HealthSnapshot

log = logging.getLogger(__name__)

READY_SECONDS = 60.0


def _statuses(serving: Serving) -> dict[str, bool]:
    return dict(serving.health.statuses)


class Workers:
    """The first process's side: start the workers and publish snapshots to them."""

    def __init__(self, args: argparse.Namespace, count: int) -> None:
        self.args = args
        self.count = count
        ctx = multiprocessing.get_context("spawn")
        self._ctx = ctx
        self.generation: Any = ctx.RawValue("Q", 0)
        self.processes: list[Any] = []
        self.pipes: list[multiprocessing.connection.Connection] = []

    async def start(self, host: str, port: int) -> None:
        for index in range(1, self.count):
            mine, theirs = self._ctx.Pipe()
            proc = self._ctx.Process(target=worker_main, name=f"netemu-dns-{index}",
                                     args=(self.args, host, port, theirs, self.generation,
                                           index), daemon=True)
            proc.start()
            theirs.close()
            self.processes.append(proc)
            self.pipes.append(mine)
        for proc, pipe in zip(self.processes, self.pipes, strict=True):
            ready = await asyncio.to_thread(pipe.poll, READY_SECONDS)
            if not ready or pipe.recv() != "ready":
                raise OSError(f"--workers: DNS worker {proc.name} (pid {proc.pid}) did not "
                              f"start (exit code {proc.exitcode})")

    def publish(self, old: Serving, new: Serving) -> None:
        """``DnsServer.on_publish``: send what changed, then move the generation on."""
        if new.zoneset is not old.zoneset:
            message: tuple[str, Any] = ("zones", (new.zoneset, _statuses(new)))
        elif new.health is not old.health:
            message = ("health", _statuses(new))
        else:
            return
        for pipe in self.pipes:
            try:
                pipe.send(message)
            except OSError as exc:
                log.warning("--workers: a DNS worker is gone (%s)", exc)
        self.generation.value += 1

    def stop(self) -> None:
        for pipe in self.pipes:
            pipe.close()
        for proc in self.processes:
            proc.join(2)
            if proc.is_alive():
                proc.terminate()   # by its own handle (PID), never by name
                proc.join(2)


def worker_main(args: argparse.Namespace, host: str, port: int,
                pipe: multiprocessing.connection.Connection, generation: Any,
                index: int) -> None:
    """Entry point of a worker process (spawned)."""
    from netemu.cli.serve import _event_loop_runner

    logging.basicConfig(level=logging.INFO,
                        format=f"%(asctime)s worker-{index} %(name)s %(levelname)s %(message)s")
    if not getattr(args, "query_log", True):
        logging.getLogger("netemu.query").setLevel(logging.WARNING)
    try:
        _event_loop_runner(getattr(args, "loop", "auto"))(_worker(args, host, port, pipe,
                                                                  generation))
    except KeyboardInterrupt:
        pass


class _Follower:
    """A worker's side: take in what the first process publishes."""

    def __init__(self, server: DnsServer, pipe: multiprocessing.connection.Connection,
                 generation: Any) -> None:
        from netemu.api.snapshot import SnapshotBuilder

        self.server = server
        self.pipe = pipe
        self.generation = generation
        self.seen = generation.value
        self.builder = SnapshotBuilder()
        self.closed = asyncio.get_running_loop().create_future()

    def check(self) -> None:
        """Before a batch: drain the pipe if something was published since the last one."""
        if self.generation.value != self.seen:
            self.drain()

    def drain(self) -> None:
        self.seen = self.generation.value   # before reading: a later message bumps it again
        try:
            while self.pipe.poll():
                self.apply(self.pipe.recv())
        except (EOFError, OSError):
            if not self.closed.done():
                self.closed.set_result(None)

    def apply(self, message: tuple[str, Any]) -> None:
        kind, payload = message
        current = self.server.serving
        if kind == "zones":
            zoneset, statuses = payload
            new = self.builder.build(zoneset)
            self.server.serving = replace(new, health=HealthSnapshot(MappingProxyType(statuses)),
                                          locator=current.locator)
        elif kind == "health":
            self.server.serving = current.with_health(HealthSnapshot(MappingProxyType(payload)))


async def _worker(args: argparse.Namespace, host: str, port: int,
                  pipe: multiprocessing.connection.Connection, generation: Any) -> None:
    from netemu.cli.serve import build_serving, limits_from

    server = DnsServer(build_serving(args), bounds=limits_from(args),
                       fast_path=getattr(args, "fast_path", True))
    follower = _Follower(server, pipe, generation)
    server.before_batch = follower.check
    await server.start(host, port, reuse_port=True)
    loop = asyncio.get_running_loop()
    loop.add_reader(pipe.fileno(), follower.drain)
    pipe.send("ready")
    try:
        await follower.closed
    finally:
        loop.remove_reader(pipe.fileno())
        await server.close()
