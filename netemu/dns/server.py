"""The DNS listeners: UDP and TCP on one address, answering from ``server.serving``.

UDP is a non-blocking socket drained with ``loop.add_reader`` (recvfrom until it would block,
at most ``UDP_BATCH`` datagrams per wake-up so TCP clients are not starved), which costs far less
per datagram than a DatagramProtocol. TCP uses asyncio streams and ``framing.TcpFramer``.
``serving`` is an immutable snapshot: publishers (health checker, API) assign a new one and the
next query sees it. Nothing a client sends can stop the listeners: every handler error is
logged and the loop goes on.

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
from collections.abc import Callable
from contextlib import suppress

from netemu.dns import framing
from netemu.dns.fastpath import FastPath
from netemu.dns.handler import QUERY_LOG, Serving, handle
from netemu.hostport import parse_host_port

log = logging.getLogger(__name__)

UDP_BATCH = 256
TCP_IDLE_SECONDS = 10.0
TCP_MAX_QUERIES = 1000
TCP_READ = 65536


def parse_listen(text: str) -> tuple[str, int]:
    """``127.0.0.1:1053``, ``[::1]:1053`` or ``:1053``; raises ValueError."""
    return parse_host_port(text, "--listen")


class DnsServer:
    """``serving`` is assigned whole by publishers; ``on_publish`` callbacks see each new
    snapshot (``--workers``: sent to the other processes). ``before_batch``, when set, runs
    before each UDP batch and TCP query (a worker takes in snapshots published meanwhile)."""

    def __init__(self, serving: Serving, rng: random.Random | None = None,
                 fast_path: bool = True) -> None:
        self._serving = serving
        self.on_publish: list[Callable[[Serving, Serving], None]] = []
        self.before_batch: Callable[[], None] | None = None
        self.rng = rng or random.Random()
        self.fast_path = FastPath() if fast_path else None
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

    def _on_udp(self) -> None:
        sock = self._udp
        assert sock is not None
        if self.before_batch is not None:
            self.before_batch()
        fast = self.fast_path
        if fast is None or QUERY_LOG.isEnabledFor(logging.INFO):
            self._on_udp_full(sock)
            return
        serving, rng = self._serving, self.rng
        table = fast.tables(serving)[0]
        answer, walk = fast.answer, fast.walk
        recvfrom, sendto = sock.recvfrom, sock.sendto
        for _ in range(UDP_BATCH):
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
        for _ in range(UDP_BATCH):
            try:
                data, addr = sock.recvfrom(65535)
            except (BlockingIOError, InterruptedError):
                return
            except OSError as exc:
                log.debug("udp recv: %s", exc)
                continue
            try:
                reply = handle(data, addr, self.serving, self.rng)
            except Exception:
                log.exception("handle() raised on a datagram from %s", addr)
                continue
            if reply is not None:
                with suppress(BlockingIOError, InterruptedError, OSError):
                    sock.sendto(reply, addr)

    async def _on_tcp(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        peer = writer.get_extra_info("peername") or ("?", 0)
        framer = framing.TcpFramer()
        answered = 0
        try:
            while answered < TCP_MAX_QUERIES:
                message = framer.next_message()
                if message is framing.NEED_DATA:
                    data = await asyncio.wait_for(reader.read(TCP_READ), TCP_IDLE_SECONDS)
                    if not data:
                        break
                    framer.receive_data(data)
                    continue
                assert isinstance(message, bytes)
                if self.before_batch is not None:
                    self.before_batch()
                try:
                    if self.fast_path is not None:
                        reply = self.fast_path.answer(message, peer, self.serving, self.rng,
                                                      tcp=True)
                    else:
                        reply = handle(message, peer, self.serving, self.rng, tcp=True)
                except Exception:
                    log.exception("handle() raised on a TCP message from %s", peer)
                    break
                answered += 1
                if reply is not None:
                    writer.write(framing.frame(reply))
                    await writer.drain()
        except (TimeoutError, framing.FramingError, ConnectionError, OSError) as exc:
            log.debug("tcp %s: %s", peer, exc)
        finally:
            writer.close()
            with suppress(Exception):
                await writer.wait_closed()

    async def close(self) -> None:
        if self._udp is not None and self._loop is not None:
            self._loop.remove_reader(self._udp.fileno())
            self._udp.close()
            self._udp = None
        if self._tcp is not None:
            self._tcp.close()
            with suppress(Exception):
                await self._tcp.wait_closed()
            self._tcp = None
