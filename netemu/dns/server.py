"""The DNS listeners: UDP and TCP on one address, answering from ``server.serving``.

UDP is a non-blocking socket drained with ``loop.add_reader`` (recvfrom until it would block,
at most ``UDP_BATCH`` datagrams per wake-up so TCP clients are not starved), which costs far less
per datagram than a DatagramProtocol. TCP uses asyncio streams and ``framing.TcpFramer``.
``serving`` is an immutable snapshot: publishers (health checker, API) assign a new one and the
next query sees it. Nothing a client sends can stop the listeners: every handler error is
logged and the loop goes on.
"""

from __future__ import annotations

import asyncio
import logging
import random
import socket
from contextlib import suppress

from netemu.dns import framing
from netemu.dns.handler import Serving, handle
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
    def __init__(self, serving: Serving, rng: random.Random | None = None) -> None:
        self.serving = serving
        self.rng = rng or random.Random()
        self._udp: socket.socket | None = None
        self._tcp: asyncio.base_events.Server | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self.address: tuple[str, int] | None = None

    async def start(self, host: str, port: int) -> None:
        loop = asyncio.get_running_loop()
        self._loop = loop
        family = socket.AF_INET6 if ":" in host else socket.AF_INET
        udp = socket.socket(family, socket.SOCK_DGRAM)
        udp.setblocking(False)
        with suppress(OSError):   # bursts: a deeper queue (clamped to net.core.rmem_max)
            udp.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 1 << 22)
        udp.bind((host, port))
        self._udp = udp
        self.address = udp.getsockname()[:2]
        self._tcp = await asyncio.start_server(self._on_tcp, host, self.address[1],
                                               reuse_address=True)
        loop.add_reader(udp.fileno(), self._on_udp)

    def _on_udp(self) -> None:
        sock = self._udp
        assert sock is not None
        for _ in range(UDP_BATCH):
            try:
                data, addr = sock.recvfrom(65535)
            except (BlockingIOError, InterruptedError):
                return
            except OSError as exc:   # e.g. ICMP port unreachable reported on the socket
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
                try:
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
