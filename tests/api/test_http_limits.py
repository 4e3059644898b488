"""Bounded connections on the API server (issue 14, ``netemu.api.http.HttpLimits``), against a
real ``netemu serve`` on loopback: hundreds of silent, slowloris (headers dribbled byte by byte),
slow-body and idle keep-alive connections are held open while a real boto3 client and DNS over
UDP and TCP are still answered within a second; every slow one is closed at the idle timeout
however many bytes it dribbles; at ``--api-max-connections`` the connection that has waited
longest is closed (a plain close, no bytes: docs/api.md, "Limits"). Bounded in count and time."""

from __future__ import annotations

import contextlib
import importlib.util
import socket
import sqlite3
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import dns.message
import dns.query
import dns.rcode
import pytest

from netemu.api.store import FILENAME
from tests.live import ApiServer, api_server

pytestmark = pytest.mark.slow
LOOPS = ["asyncio", pytest.param("uvloop", marks=pytest.mark.skipif(
    importlib.util.find_spec("uvloop") is None, reason="uvloop is not installed (extra 'fast')"))]
SECOND = 1.0
BODY = b"<?xml version='1.0'?><CreateHostedZoneRequest xmlns='x'>" + b"x" * 900


def state(sock: socket.socket) -> str:
    """``open``, ``closed`` (EOF or reset) or ``data`` (the server sent bytes), without
    consuming anything."""
    try:
        data = sock.recv(1, socket.MSG_PEEK | socket.MSG_DONTWAIT)
    except BlockingIOError:
        return "open"
    except OSError:
        return "closed"
    return "data" if data else "closed"


def connect(port: int) -> socket.socket:
    sock = socket.create_connection(("127.0.0.1", port), timeout=5)
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    sock.settimeout(None)   # blocking: MSG_DONTWAIT then answers at once
    return sock


def dribble(sock: socket.socket, data: bytes) -> None:
    with contextlib.suppress(OSError):   # closed by the server: the test looks at that later
        sock.send(data)


@contextlib.contextmanager
def sockets() -> Iterator[list[socket.socket]]:
    held: list[socket.socket] = []
    try:
        yield held
    finally:
        for s in held:
            s.close()


def timed(call: object, *args: object, **kw: object) -> tuple[float, object]:
    start = time.monotonic()
    result = call(*args, **kw)  # type: ignore[operator]
    return time.monotonic() - start, result


def dns_answers(server: ApiServer) -> tuple[float, float]:
    """Seconds for one UDP and one TCP query to the same server's DNS listener."""
    q = dns.message.make_query("www.files.example.", "A")
    t_udp, r_udp = timed(dns.query.udp, q, "127.0.0.1", port=server.dns, timeout=2)
    t_tcp, r_tcp = timed(dns.query.tcp, q, "127.0.0.1", port=server.dns, timeout=2)
    for r in (r_udp, r_tcp):
        assert r.rcode() == dns.rcode.NOERROR and r.answer  # type: ignore[attr-defined]
    return t_udp, t_tcp


def keep_alive_request(sock: socket.socket) -> bytes:
    """One complete request on a keep-alive connection; returns the start of the reply."""
    sock.sendall(b"GET /2013-04-01/hostedzone HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
    sock.settimeout(5)
    try:
        return sock.recv(65536)
    finally:
        sock.settimeout(None)


@pytest.mark.parametrize("loop", LOOPS)
def test_hundreds_of_slow_http_clients_leave_boto3_and_dns_answered(tmp_path: Path,
                                                                    loop: str) -> None:
    idle = 4.0
    with api_server(tmp_path, extra=("--api-idle-timeout", str(idle), "--loop", loop)) as server, \
            sockets() as held:
        client = server.client()
        client.list_hosted_zones()                    # boto3 and the server warmed up
        # 230 held, under the default --api-max-connections (256) with boto3's own
        silent = [connect(server.api) for _ in range(80)]
        headers = [connect(server.api) for _ in range(80)]
        bodies = [connect(server.api) for _ in range(50)]
        kept = [connect(server.api) for _ in range(20)]
        held += silent + headers + bodies + kept
        started = time.monotonic()
        for s in headers:
            s.send(b"POST /2013-04-01/hostedzone HTTP/1.1\r\nHost: 127.0.0.1\r\n")
        for s in bodies:
            s.send(b"POST /2013-04-01/hostedzone HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                   b"Content-Type: text/xml\r\nContent-Length: %d\r\n\r\n" % (len(BODY) + 100))
        for s in kept:                                # idle keep-alive after one good answer
            assert keep_alive_request(s).startswith(b"HTTP/1.1 200")
        slow, answered = headers + bodies, 0
        worst = {"boto3": 0.0, "udp": 0.0, "tcp": 0.0}
        i = 0
        while time.monotonic() < started + idle - 1.0:   # all held, dribbling, well before idle
            for s in slow:
                dribble(s, b"X-Slow: %d\r\n" % i if s in headers else BODY[i:i + 1])
            took, _ = timed(client.create_hosted_zone, Name=f"z{i}.load.example.",
                            CallerReference=str(uuid.uuid4()))
            worst["boto3"] = max(worst["boto3"], took)
            t_udp, t_tcp = dns_answers(server)
            worst["udp"], worst["tcp"] = max(worst["udp"], t_udp), max(worst["tcp"], t_tcp)
            answered += 1
            i += 1
            time.sleep(0.2)
        assert answered >= 5
        assert all(v < SECOND for v in worst.values()), worst
        states = [state(s) for s in held]
        groups = {"silent": silent, "headers": headers, "bodies": bodies, "kept": kept}
        assert states.count("open") == len(held), {
            k: [state(s) for s in g].count("open") for k, g in groups.items()}
        # Go on dribbling past the timeout: a trickle does not extend it.
        while time.monotonic() < started + idle + 2.0:
            for s in slow:
                dribble(s, b"X-Slow: %d\r\n" % i if s in headers else BODY[i % 900:i % 900 + 1])
            i += 1
            time.sleep(0.2)
        states = [state(s) for s in held]
        assert states.count("closed") == len(held), {k: states.count(k) for k in set(states)}
        took, zones = timed(client.list_hosted_zones)   # and the server goes on
        assert took < SECOND and len(zones["HostedZones"]) >= answered  # type: ignore[index]
        assert max(dns_answers(server)) < SECOND


@pytest.mark.parametrize("loop", LOOPS)
def test_at_the_connection_limit_the_longest_waiting_is_closed(tmp_path: Path, loop: str) -> None:
    limit = 40
    with api_server(tmp_path, extra=("--api-max-connections", str(limit), "--loop", loop,
                                     "--api-idle-timeout", "60")) as server, sockets() as held:
        client = server.client()
        client.list_hosted_zones()
        for n in range(200):
            held.append(connect(server.api))
            if n % 50 == 0:
                time.sleep(0.05)                      # arrival order is the waiting order
        took, _ = timed(client.create_hosted_zone, Name="limit.example.",
                        CallerReference=str(uuid.uuid4()))
        assert took < SECOND
        assert max(dns_answers(server)) < SECOND
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline:
            states = [state(s) for s in held]
            if states.count("open") <= limit:
                break
            time.sleep(0.1)
        assert "data" not in states                   # a plain close: no HTTP answer, no bytes
        assert states.count("open") <= limit
        assert states[:100] == ["closed"] * 100       # the oldest went first
        assert states[-limit // 2:] == ["open"] * (limit // 2)   # the newest are kept


def create_zone_request(name: str) -> bytes:
    body = ("<CreateHostedZoneRequest xmlns='https://route53.amazonaws.com/doc/2013-04-01/'>"
            f"<Name>{name}</Name><CallerReference>{name}</CallerReference>"
            "</CreateHostedZoneRequest>").encode()
    return (b"POST /2013-04-01/hostedzone HTTP/1.1\r\nHost: 127.0.0.1\r\n"
            b"Connection: close\r\nContent-Type: text/xml\r\n"
            b"Content-Length: %d\r\n\r\n" % len(body)) + body


def read_all(sock: socket.socket) -> bytes:
    sock.settimeout(20)
    chunks = []
    while chunk := sock.recv(65536):
        chunks.append(chunk)
    return b"".join(chunks)


def test_when_every_connection_is_being_answered_a_new_one_is_closed(tmp_path: Path) -> None:
    """Three complete requests held by a store locked by another process (SQLite waits up to
    5 s), at --api-max-connections 3: a fourth connection is closed at once without a byte; the
    three are not cut by the 1 s idle timeout (it counts only time waiting for a request) and
    each gets its answer once the lock is gone."""
    with api_server(tmp_path, extra=("--api-max-connections", "3",
                                     "--api-idle-timeout", "1")) as server, sockets() as held:
        holder = sqlite3.connect(server.state / FILENAME, isolation_level=None, timeout=1)
        try:
            holder.execute("BEGIN EXCLUSIVE")
            busy = [connect(server.api) for _ in range(3)]
            held += busy
            for n, s in enumerate(busy):
                s.sendall(create_zone_request(f"busy{n}.example."))
            time.sleep(0.5)
            extra = connect(server.api)
            held.append(extra)
            deadline = time.monotonic() + 3
            while state(extra) == "open" and time.monotonic() < deadline:
                time.sleep(0.05)
            assert state(extra) == "closed"          # refused: a plain close, no bytes
            time.sleep(1.5)                          # past the idle timeout
            assert [state(s) for s in busy] == ["open"] * 3
        finally:
            holder.execute("ROLLBACK")
            holder.close()
        for s in busy:
            status = read_all(s).split(b"\r\n", 1)[0]
            assert status in (b"HTTP/1.1 201 Created", b"HTTP/1.1 503 Service Unavailable"), status
