"""The UDP drain loop's own fast-path code (the inline hit in ``DnsServer._on_udp``) and the TCP
listener give the bytes of a server without the fast path (``--no-fast-path``), over real
loopback sockets: two servers, each with a generator seeded alike, the same query stream."""

from __future__ import annotations

import asyncio
import logging
import random
import socket
from collections.abc import Iterator
from pathlib import Path

import pytest

from netemu.dns.handler import build_serving
from netemu.dns.server import DnsServer
from netemu.route53.load import load_zone_files
from tests.dns.test_fastpath_equiv import queries_for

pytestmark = pytest.mark.slow   # starts servers or subprocesses

ZONES = Path(__file__).resolve().parents[2] / "zones"


@pytest.fixture(autouse=True)
def _query_log_off() -> Iterator[None]:
    logger = logging.getLogger("netemu.query")
    before = logger.level
    logger.setLevel(logging.WARNING)
    yield
    logger.setLevel(before)


async def ask_udp(sock: socket.socket, wire: bytes) -> bytes | None:
    loop = asyncio.get_running_loop()
    await loop.sock_sendall(sock, wire)
    try:
        return await asyncio.wait_for(loop.sock_recv(sock, 65535), 0.5)
    except TimeoutError:
        return None   # dropped (a response, a runt): both servers must stay silent


async def ask_tcp(port: int, wire: bytes) -> bytes:
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    try:
        writer.write(len(wire).to_bytes(2, "big") + wire)
        await writer.drain()
        size = int.from_bytes(await reader.readexactly(2), "big")
        return await reader.readexactly(size)
    finally:
        writer.close()


async def test_server_fast_and_full_same_bytes_udp_and_tcp() -> None:
    serving = build_serving(load_zone_files([ZONES]))
    fast = DnsServer(serving, random.Random(11), fast_path=True)
    full = DnsServer(serving, random.Random(11), fast_path=False)
    await fast.start("127.0.0.1", 0)
    await full.start("127.0.0.1", 0)
    assert fast.address and full.address and fast.fast_path is not None
    socks = []
    try:
        for server in (fast, full):
            sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
            sock.setblocking(False)
            sock.connect(server.address)
            socks.append(sock)
        stream = [q for q in queries_for(serving) if len(q) > 12][::3]
        stream = stream * 2   # the second time round, prepared replies answer
        answered = 0
        for wire in stream:
            a, b = await ask_udp(socks[0], wire), await ask_udp(socks[1], wire)
            assert a == b, wire
            answered += a is not None
        assert answered > len(stream) // 2
        assert fast.fast_path.misses < len(stream) * 3 // 4   # hits went through the loop
        for wire in stream[:60]:
            assert await ask_tcp(fast.address[1], wire) == await ask_tcp(full.address[1], wire)
    finally:
        for sock in socks:
            sock.close()
        await fast.close()
        await full.close()
