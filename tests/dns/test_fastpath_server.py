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


async def ask_from(sock: socket.socket, address: tuple[str, int], wire: bytes) -> bytes | None:
    loop = asyncio.get_running_loop()
    await loop.sock_sendto(sock, wire, address)
    try:
        return (await asyncio.wait_for(loop.sock_recvfrom(sock, 65535), 0.5))[0]
    except TimeoutError:
        return None


async def test_server_query_log_on_fast_path_same_bytes_and_lines() -> None:
    """R45, R46: with the query log on (``netemu serve``'s default) the drain loop answers from
    prepared replies, weighted sets by its inline draw, and each server writes the same log line
    for the same query (one client socket asks both, so the client field matches too)."""
    from dataclasses import replace

    from netemu.route53.health import HealthSnapshot
    from tests.dns.test_fastpath_equiv import gen_serving, query_log, wire

    serving = replace(gen_serving(), health=HealthSnapshot())   # every check up: w 1:3
    fast = DnsServer(serving, random.Random(23), fast_path=True)
    full = DnsServer(serving, random.Random(23), fast_path=False)
    await fast.start("127.0.0.1", 0)
    await full.start("127.0.0.1", 0)
    assert fast.address and full.address and fast.fast_path is not None
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sock.setblocking(False)
    sock.bind(("127.0.0.1", 0))
    weighted = [wire("w.gen.test", "A", shape) for shape in (0, 1)] * 60
    others = [q for q in queries_for(serving) if len(q) > 12][::4]
    stream = random.Random(4).sample(weighted + others * 2, len(weighted) + 2 * len(others))
    try:
        with query_log() as lines:
            chosen, weighted_misses = set(), 0
            for query in stream:
                before = fast.fast_path.misses
                got = await ask_from(sock, fast.address, query)
                fast_lines = lines.take()
                want = await ask_from(sock, full.address, query)
                assert got == want, query
                assert fast_lines == lines.take(), query
                if query in weighted:
                    assert len(fast_lines) == 1
                    chosen.add(fast_lines[0].split(" [", 1)[1][:3])
                    weighted_misses += fast.fast_path.misses - before
        assert chosen == {"w1]", "w3]"}
        # prepared replies with the log on: the 120 weighted queries missed at most once per
        # (shape, draw), the others less than half the time
        assert weighted_misses <= 8 and fast.fast_path.misses < len(stream) // 2
    finally:
        sock.close()
        await fast.close()
        await full.close()


async def test_server_query_log_over_tcp_same_lines() -> None:
    """R45: over TCP, with the query log on, the fast path's line for each query is the full
    path's (the client field names each connection's own port), written once the reply is."""
    from tests.dns.test_fastpath_equiv import odd_queries, query_log

    serving = build_serving(load_zone_files([ZONES]))
    fast = DnsServer(serving, random.Random(5), fast_path=True)
    full = DnsServer(serving, random.Random(5), fast_path=False)
    await fast.start("127.0.0.1", 0)
    await full.start("127.0.0.1", 0)
    assert fast.address and full.address and fast.fast_path is not None
    streams = [await asyncio.open_connection("127.0.0.1", address[1])
               for address in (fast.address, full.address)]
    ports = [f"#{writer.get_extra_info('sockname')[1]} " for _, writer in streams]
    odd = odd_queries()   # some of them get no reply: asked over UDP above
    stream = [q for q in queries_for(serving) if q not in odd][::5] * 2
    try:
        with query_log() as lines:
            for query in stream:
                got = []
                for reader, writer in streams:
                    writer.write(len(query).to_bytes(2, "big") + query)
                    await writer.drain()
                    size = int.from_bytes(await reader.readexactly(2), "big")
                    got.append(await reader.readexactly(size))
                    await asyncio.sleep(0)
                assert got[0] == got[1], query
                fast_line, full_line = lines.take()
                assert ports[0] in fast_line and ports[1] in full_line
                assert fast_line == full_line.replace(ports[1], ports[0]), query
        assert fast.fast_path.misses < len(stream) * 3 // 4
    finally:
        for _, writer in streams:
            writer.close()
        await fast.close()
        await full.close()
