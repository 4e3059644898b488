"""Bounded resources of the DNS server (issue 14, ``netemu.dns.limits``): the rate limiter and
truncated replies as plain functions, then each TCP and UDP bound against a real ``netemu
serve`` on loopback (idle, garbage, trickling, pipelining and oversized clients; a flood from one
/24) while other clients are still answered. Every flood is bounded in count and time."""

from __future__ import annotations

import contextlib
import socket
import struct
import time
from collections.abc import Iterator
from pathlib import Path

import dns.flags
import dns.message
import dns.query
import dns.rcode
import pytest

from netemu.dns import framing, limits
from tests.helpers import ROOT
from tests.live import Server, serve_process

ZONES = [ROOT / "zones" / "basics.yaml"]


def _query(name: str = "www.example.com.", qid: int = 7) -> bytes:
    q = dns.message.make_query(name, "A")
    q.id = qid
    return q.to_wire()


# --- plain functions -----------------------------------------------------------------------

def test_rate_limiter_burst_then_slip_and_drop() -> None:
    rl = limits.RateLimiter(10, slip=2)
    verdicts = [rl.check("192.0.2.1", 100.0) for _ in range(30)]
    assert verdicts[:10] == [limits.ANSWER] * 10          # a burst of one second's worth
    assert verdicts[10:] == [limits.DROP, limits.SLIP] * 10  # then every 2nd slips
    assert rl.check("192.0.2.200", 100.0) != limits.ANSWER  # the same /24: the same bucket


def test_rate_limiter_buckets_are_per_24_and_56_and_refill() -> None:
    rl = limits.RateLimiter(5, slip=0)
    for _ in range(5):
        assert rl.check("198.51.100.7", 0.0) == limits.ANSWER
    assert rl.check("198.51.100.250", 0.0) == limits.DROP      # same /24, slip 0: dropped
    assert rl.check("198.51.101.1", 0.0) == limits.ANSWER      # the next /24 has its own
    assert rl.check("198.51.100.7", 0.2) == limits.ANSWER      # 0.2 s at 5/s: one token back
    assert rl.check("198.51.100.7", 0.2) == limits.DROP
    assert limits.network_of("2001:db8:0:12ff::1") == "2001:db8:0:1200::/56"
    assert limits.network_of("::ffff:192.0.2.9") == "192.0.2.0/24"


def test_rate_limiter_memory_is_bounded() -> None:
    rl = limits.RateLimiter(1, max_networks=100)
    for i in range(5000):
        rl.check(f"10.{i // 256 % 256}.{i % 256}.1", float(i))
    assert len(rl) == 100


def test_truncated_reply_echoes_the_question_with_tc() -> None:
    reply = limits.truncated(_query(qid=4242))
    assert reply is not None
    msg = dns.message.from_wire(reply)
    assert msg.id == 4242 and msg.flags & dns.flags.TC and msg.flags & dns.flags.QR
    assert str(msg.question[0].name) == "www.example.com." and not msg.answer
    assert limits.truncated(b"\x00" * 5) is None
    assert limits.truncated(reply) is None                     # a response: nothing


def test_framer_refuses_a_message_over_the_limit() -> None:
    framer = framing.TcpFramer(max_message=512)
    framer.receive_data(struct.pack("!H", 513) + b"x" * 10)
    with pytest.raises(framing.FramingError, match="513-byte message"):
        framer.next_message()


# --- against a running server ----------------------------------------------------------------

@contextlib.contextmanager
def server(tmp_path: Path, *extra: str) -> Iterator[Server]:
    with serve_process(ZONES, tmp_path, "--api", "127.0.0.1:0", "--no-query-log",
                       *extra) as srv:
        yield srv


def _connect(port: int) -> socket.socket:
    s = socket.create_connection(("127.0.0.1", port), timeout=5)
    return s


def _still_answers(srv: Server) -> None:
    """UDP and TCP queries from a well-behaved client are answered within a second."""
    for tcp in (False, True):
        q = dns.message.make_query("www.example.com.", "A")
        send = dns.query.tcp if tcp else dns.query.udp
        reply = send(q, "127.0.0.1", port=srv.port, timeout=1.0)
        assert reply.rcode() == dns.rcode.NOERROR and reply.answer, (tcp, reply)


def _closed_within(sock: socket.socket, seconds: float) -> bool:
    """True when the server closes ``sock`` within ``seconds`` (what it sent is read and
    ignored)."""
    sock.settimeout(0.2)
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            if sock.recv(65535) == b"":
                return True
        except TimeoutError:
            continue
        except ConnectionResetError:
            return True
    return False


@pytest.mark.slow
def test_hundreds_of_idle_and_garbage_connections_do_not_starve_others(tmp_path: Path) -> None:
    """300 idle connections, 100 half-sent frames and 100 garbage streams at once, against a
    limit of 200: the server closes the longest-idle ones to make room and answers UDP and TCP
    clients within a second throughout."""
    with server(tmp_path, "--tcp-max-connections", "200") as srv:
        held: list[socket.socket] = []
        try:
            for i in range(500):
                s = _connect(srv.port)
                if 300 <= i < 400:
                    s.sendall(struct.pack("!H", 100) + b"\x00" * 10)    # a frame never finished
                elif i >= 400:
                    s.sendall(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n")      # not DNS at all
                held.append(s)
                if i % 100 == 99:
                    _still_answers(srv)
            _still_answers(srv)
            assert srv.proc.poll() is None
            time.sleep(0.5)
            open_now = sum(not _closed_within(s, 0.01) for s in held)
            assert open_now <= 200, open_now                            # the limit held
        finally:
            for s in held:
                s.close()
        _still_answers(srv)


@pytest.mark.slow
def test_trickling_and_silent_clients_are_closed_at_the_idle_timeout(tmp_path: Path) -> None:
    """A client that never sends, and one that sends a byte every 0.2 s (never finishing a
    message), are both closed about one idle timeout after they connected."""
    with server(tmp_path, "--tcp-idle-timeout", "1") as srv:
        silent = _connect(srv.port)
        trickle = _connect(srv.port)
        started = time.monotonic()
        frame = framing.frame(_query())
        closed_at = None
        trickle.settimeout(0.2)
        for byte in frame[:-1]:                 # everything but the last byte
            try:
                trickle.sendall(bytes([byte]))
            except OSError:
                closed_at = time.monotonic()
                break
            try:
                if trickle.recv(100) == b"":
                    closed_at = time.monotonic()
                    break
            except TimeoutError:
                pass
            if time.monotonic() - started > 4:
                break
        assert closed_at is not None and closed_at - started < 2.5, "trickle not closed"
        assert _closed_within(silent, 2.0)
        _still_answers(srv)
        silent.close()
        trickle.close()


@pytest.mark.slow
def test_pipelined_queries_are_capped_per_connection(tmp_path: Path) -> None:
    """1,500 pipelined queries on one connection: 1,000 are answered (Limits.tcp_max_queries),
    then the server closes it; other clients are answered meanwhile."""
    with server(tmp_path) as srv:
        s = _connect(srv.port)
        s.sendall(b"".join(framing.frame(_query(qid=i)) for i in range(1500)))
        _still_answers(srv)
        framer = framing.TcpFramer()
        replies = 0
        s.settimeout(5)
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            data = s.recv(65536)
            if not data:
                break
            framer.receive_data(data)
            while framer.next_message() is not framing.NEED_DATA:
                replies += 1
        assert replies == limits.DEFAULT.tcp_max_queries
        s.close()


@pytest.mark.slow
def test_oversized_message_closes_the_connection(tmp_path: Path) -> None:
    with server(tmp_path) as srv:
        s = _connect(srv.port)
        s.sendall(struct.pack("!H", limits.DEFAULT.tcp_max_message + 1) + b"\x00" * 100)
        assert _closed_within(s, 2.0)
        s.close()
        _still_answers(srv)


def _udp_from(source: str) -> socket.socket:
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sock.bind((source, 0))
    sock.settimeout(0.05)
    return sock


@pytest.mark.slow
def test_rate_limit_floods_from_one_24_leave_another_answered(tmp_path: Path) -> None:
    """``--rate-limit 20``: 600 queries as fast as possible from 127.0.0.0/24 get at most about
    a burst plus 20 a second answered, some truncated replies (slip 2) and the rest nothing;
    a client in 127.0.1.0/24 is answered throughout."""
    with server(tmp_path, "--rate-limit", "20") as srv:
        flood = _udp_from("127.0.0.1")
        other = _udp_from("127.0.1.1")
        answered = truncated = 0
        other_ok = 0
        started = time.monotonic()
        for i in range(600):
            flood.sendto(_query(qid=i), ("127.0.0.1", srv.port))
            if i % 100 == 0:
                other.settimeout(1.0)
                other.sendto(_query(qid=60000 + i), ("127.0.0.1", srv.port))
                reply = dns.message.from_wire(other.recv(4096))
                other_ok += bool(reply.answer) and not reply.flags & dns.flags.TC
        deadline = time.monotonic() + 1.0
        while time.monotonic() < deadline:
            try:
                reply = dns.message.from_wire(flood.recv(4096))
            except TimeoutError:
                continue
            if reply.flags & dns.flags.TC:
                truncated += 1
            else:
                answered += 1
        elapsed = time.monotonic() - started
        assert other_ok == 6
        assert answered <= 20 + 20 * elapsed + 5, (answered, elapsed)
        assert truncated > 100, truncated
        assert answered + truncated < 600
        flood.close()
        other.close()
