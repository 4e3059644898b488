"""The DNS listeners: UDP and TCP on one address, answering from ``server.serving``.

UDP is a non-blocking socket drained with ``loop.add_reader`` (recvfrom until it would block,
at most ``limits.udp_batch`` datagrams per wake-up so TCP clients are not starved), which costs
far less per datagram than a DatagramProtocol. TCP uses asyncio streams and ``framing.TcpFramer``.
``serving`` is an immutable snapshot: publishers (health checker, API) assign a new one and the
next query sees it. Nothing a client sends can stop the listeners: every handler error is
logged and the loop goes on.

Every resource is bounded by ``limits.Limits`` (docs/dns.md): TCP connections open at once (at
the limit the one idle longest is closed to make room), the time to complete each message (a
client trickling bytes gains nothing), a connection's whole life, the queries it may send, the
size of one query and the time a client has to take its replies. With a rate limit, UDP answers
per client /24 or /56 are limited in the style of RRL (``limits.RateLimiter``).

With ``fast_path`` (the default; ``netemu serve --no-fast-path`` turns it off) queries are answered
by ``fastpath.FastPath``: a prepared reply with the query's ID patched in, or the full path
``handler.handle`` for anything it has not prepared. The snapshot is read once per wake-up of the
UDP drain loop, so one batch is answered from one snapshot.
"""

from __future__ import annotations

import asyncio
import logging
import random
import socket
import time
from collections.abc import Callable
from contextlib import suppress

from netemu.dns import framing, limits
from netemu.dns.fastpath import FastPath
from netemu.dns.handler import QUERY_LOG, Serving, handle
from netemu.hostport import parse_host_port

log = logging.getLogger(__name__)

TCP_READ = 65536


def parse_listen(text: str) -> tuple[str, int]:
    """``127.0.0.1:1053``, ``[::1]:1053`` or ``:1053``; raises ValueError."""
    return parse_host_port(text, "--listen")


class _Connection:
    """One TCP client: when it last completed a message, and whether it is waiting for one."""

    __slots__ = ("last_message", "waiting", "writer")

    def __init__(self, writer: asyncio.StreamWriter, now: float) -> None:
        self.writer, self.last_message, self.waiting = writer, now, False


class DnsServer:
    """``serving`` is assigned whole by publishers; ``on_publish`` callbacks see each new
    snapshot (``--workers``: sent to the other processes). ``before_batch``, when set, runs
    before each UDP batch and TCP query (a worker takes in snapshots published meanwhile)."""

    def __init__(self, serving: Serving, rng: random.Random | None = None,
                 bounds: limits.Limits = limits.DEFAULT,
                 clock: Callable[[], float] = time.monotonic, fast_path: bool = True) -> None:
        self._serving = serving
        self.on_publish: list[Callable[[Serving, Serving], None]] = []
        self.before_batch: Callable[[], None] | None = None
        self.rng = rng or random.Random()
        self.fast_path = FastPath() if fast_path else None
        self.limits = bounds
        self.clock = clock
        self.limiter = (limits.RateLimiter(bounds.rate_limit, bounds.rate_limit_slip,
                                           bounds.rate_limit_networks)
                        if bounds.rate_limit > 0 else None)
        self._connections: dict[asyncio.StreamWriter, _Connection] = {}
        self.refused_connections = 0
        self.evicted_connections = 0
        self._udp: socket.socket | None = None
        self._tcp: asyncio.base_events.Server | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self.address: tuple[str, int] | None = None

    @property
    def serving(self) -> Serving:
        return self._serving

    @serving.setter
    def serving(self, new: Serving) -> None:
        old, self._serving = self._serving, new
        for callback in self.on_publish:
            callback(old, new)

    async def start(self, host: str, port: int, reuse_port: bool = False) -> None:
        """Listen on UDP and TCP; ``reuse_port`` (``--workers``): SO_REUSEPORT, so that several
        processes share the address and the kernel spreads clients over them."""
        loop = asyncio.get_running_loop()
        self._loop = loop
        family = socket.AF_INET6 if ":" in host else socket.AF_INET
        udp = socket.socket(family, socket.SOCK_DGRAM)
        udp.setblocking(False)
        if reuse_port:
            udp.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
        with suppress(OSError):   # bursts: a deeper queue (clamped to net.core.rmem_max)
            udp.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 1 << 22)
        udp.bind((host, port))
        self._udp = udp
        self.address = udp.getsockname()[:2]
        self._tcp = await asyncio.start_server(self._on_tcp, host, self.address[1],
                                               reuse_address=True, reuse_port=reuse_port)
        loop.add_reader(udp.fileno(), self._on_udp)

    @property
    def tcp_connections(self) -> int:
        return len(self._connections)

    def _on_udp(self) -> None:
        sock = self._udp
        assert sock is not None
        if self.before_batch is not None:
            self.before_batch()
        fast = self.fast_path
        if fast is None or self.limiter is not None or QUERY_LOG.isEnabledFor(logging.INFO):
            # rate limiting and the query log need the full path's per-query steps
            self._on_udp_full(sock)
            return
        serving, rng = self._serving, self.rng
        table = fast.tables(serving)[0]
        answer, walk = fast.answer, fast.walk
        recvfrom, sendto = sock.recvfrom, sock.sendto
        for _ in range(self.limits.udp_batch):
            try:
                data, addr = recvfrom(65535)
            except (BlockingIOError, InterruptedError):
                return
            except OSError as exc:   # e.g. ICMP port unreachable reported on the socket
                log.debug("udp recv: %s", exc)
                continue
            key = data[2:]
            prepared = table.get(key)
            if prepared.__class__ is bytes:
                reply = data[:2] + prepared
            else:
                try:
                    answered = (walk(prepared, data, key, addr, serving, rng, False, table)
                                if prepared is not None else answer(data, addr, serving, rng))
                except Exception:
                    log.exception("handle() raised on a datagram from %s", addr)
                    continue
                if answered is None:
                    continue
                reply = answered
            try:   # try/except, not suppress(): a context manager per datagram costs
                sendto(reply, addr)
            except OSError:   # BlockingIOError, InterruptedError included: the reply is lost
                pass

    def _on_udp_full(self, sock: socket.socket) -> None:
        limiter = self.limiter
        for _ in range(self.limits.udp_batch):
            try:
                data, addr = sock.recvfrom(65535)
            except (BlockingIOError, InterruptedError):
                return
            except OSError as exc:
                log.debug("udp recv: %s", exc)
                continue
            if limiter is not None:
                verdict = limiter.check(addr[0], self.clock())
                if verdict != limits.ANSWER:
                    reply = limits.truncated(data) if verdict == limits.SLIP else None
                    if reply is not None:
                        with suppress(BlockingIOError, InterruptedError, OSError):
                            sock.sendto(reply, addr)
                    continue
            try:
                reply = handle(data, addr, self.serving, self.rng)
            except Exception:
                log.exception("handle() raised on a datagram from %s", addr)
                continue
            if reply is not None:
                with suppress(BlockingIOError, InterruptedError, OSError):
                    sock.sendto(reply, addr)

    def _make_room(self) -> bool:
        """At the connection limit: close the connection that has waited longest for a
        message; False when none is waiting (all are being answered)."""
        idle = [c for c in self._connections.values() if c.waiting]
        if not idle:
            return False
        oldest = min(idle, key=lambda c: c.last_message)
        del self._connections[oldest.writer]
        oldest.writer.close()
        self.evicted_connections += 1
        return True

    async def _on_tcp(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        peer = writer.get_extra_info("peername") or ("?", 0)
        if len(self._connections) >= self.limits.tcp_max_connections and not self._make_room():
            self.refused_connections += 1
            writer.close()
            return
        conn = _Connection(writer, self.clock())
        self._connections[writer] = conn
        try:
            async with asyncio.timeout(self.limits.tcp_lifetime_seconds):
                await self._serve_tcp(reader, writer, conn, peer)
        except (framing.FramingError, TimeoutError, ConnectionError, OSError) as exc:
            log.debug("tcp %s: %s", peer, exc)
        finally:
            self._connections.pop(writer, None)
            writer.close()
            with suppress(Exception):
                await asyncio.wait_for(writer.wait_closed(), 1.0)

    async def _serve_tcp(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter,
                         conn: _Connection, peer: tuple[object, ...]) -> None:
        bounds = self.limits
        framer = framing.TcpFramer(bounds.tcp_max_message)
        answered = 0
        while answered < bounds.tcp_max_queries:
            message = framer.next_message()
            if message is framing.NEED_DATA:
                # the next message must be complete within the idle time: bytes trickled
                # one at a time do not extend it
                left = conn.last_message + bounds.tcp_idle_seconds - self.clock()
                if left <= 0:
                    return
                conn.waiting = True
                try:
                    data = await asyncio.wait_for(reader.read(TCP_READ), left)
                finally:
                    conn.waiting = False
                if not data or writer.is_closing():
                    return
                framer.receive_data(data)
                continue
            assert isinstance(message, bytes)
            conn.last_message = self.clock()
            if self.before_batch is not None:
                self.before_batch()
            try:
                if self.fast_path is not None:
                    reply = self.fast_path.answer(message, peer, self.serving, self.rng, tcp=True)
                else:
                    reply = handle(message, peer, self.serving, self.rng, tcp=True)
            except Exception:
                log.exception("handle() raised on a TCP message from %s", peer)
                return
            answered += 1
            if reply is not None:
                writer.write(framing.frame(reply))
                await asyncio.wait_for(writer.drain(), bounds.tcp_write_seconds)

    async def close(self) -> None:
        if self._udp is not None and self._loop is not None:
            self._loop.remove_reader(self._udp.fileno())
            self._udp.close()
            self._udp = None
        if self._tcp is not None:
            self._tcp.close()
            for conn in list(self._connections.values()):
                conn.writer.close()
            with suppress(Exception):
                await self._tcp.wait_closed()
            self._tcp = None
