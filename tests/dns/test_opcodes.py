"""Issue 19: every opcode other than QUERY is answered NOTIMP, with or without a question, and a
QUERY with QDCOUNT 0 or more than 1 stays FORMERR. Hand-built bytes, asked of ``handle()`` and of
the real server (``netemu serve`` on a free loopback port) over UDP and TCP.

Decision (the Route 53 documentation is silent on opcodes): NOTIFY (4) and UPDATE (5) are
answered NOTIMP like every other opcode, as NSD, Knot and gdnsd do for opcodes they do not
implement; Route 53 accepts changes only through its API.

Reply header checked field by field: ID echoed, QR set, opcode echoed, AA/TC/RA clear, RD and CD
copied, RCODE; QDCOUNT 1 (with the question echoed byte for byte) only when the query had one
readable question; no records."""

from __future__ import annotations

import random
import socket
import struct
from collections.abc import Callable, Iterator

import pytest

from netemu.dns import framing
from netemu.dns.handler import build_serving, handle
from netemu.route53.load import load_zone_files
from tests.helpers import ROOT
from tests.live import Server, serve_process

NOERROR, FORMERR, NOTIMP = 0, 1, 4
RD, CD = 0x0100, 0x0010
QUESTION = b"\x03www\x07example\x03com\x00" + struct.pack("!HH", 1, 1)   # www.example.com A IN
OPT = b"\x00" + struct.pack("!HHIH", 41, 1232, 0, 0)                      # EDNS0, no options


def message(opcode: int, qdcount: int, *, qid: int = 0xBEEF, flags: int = RD,
            body: bytes | None = None, arcount: int = 0) -> bytes:
    """A query header (QR clear) with ``opcode``; the body is QDCOUNT copies of the question
    unless given."""
    header = struct.pack("!HHHHHH", qid, (opcode << 11) | flags, qdcount, 0, 0, arcount)
    return header + (QUESTION * qdcount if body is None else body)


def parse(reply: bytes) -> dict[str, int | bytes]:
    qid, flags, qd, an, ns, ar = struct.unpack_from("!HHHHHH", reply)
    return {"id": qid, "qr": flags >> 15, "opcode": (flags >> 11) & 0xF,
            "aa": (flags >> 10) & 1, "tc": (flags >> 9) & 1, "rd": (flags >> 8) & 1,
            "ra": (flags >> 7) & 1, "cd": (flags >> 4) & 1, "rcode": flags & 0xF,
            "counts": (qd, an, ns, ar), "rest": reply[12:]}


def check_reply(reply: bytes | None, opcode: int, rcode: int, question: bool,
                qid: int = 0xBEEF, opt: bool = False) -> None:
    assert reply is not None, "no reply"
    got = parse(reply)
    assert (got["id"], got["qr"], got["opcode"], got["rcode"]) == (qid, 1, opcode, rcode)
    assert (got["aa"], got["tc"], got["ra"], got["rd"]) == (0, 0, 0, 1)
    counts = (1 if question else 0, 0, 0, 1 if opt else 0)
    assert got["counts"] == counts
    expected = (QUESTION if question else b"") + (OPT[:3] if opt else b"")
    assert bytes(got["rest"])[:len(expected)] == expected
    if not opt:
        assert got["rest"] == (QUESTION if question else b"")


OPCODES = range(1, 16)


# --- pure: handle() ----------------------------------------------------------------------------

SERVING = build_serving(load_zone_files([ROOT / "zones"]))
PEER = ("192.0.2.9", 5300)


def ask(wire: bytes) -> bytes | None:
    return handle(wire, PEER, SERVING, random.Random(0))


@pytest.mark.parametrize("opcode", OPCODES)
@pytest.mark.parametrize("qdcount", [0, 1])
def test_other_opcodes_are_notimp(opcode: int, qdcount: int) -> None:
    check_reply(ask(message(opcode, qdcount)), opcode, NOTIMP, question=qdcount == 1)


@pytest.mark.parametrize("opcode", OPCODES)
def test_other_opcodes_with_two_questions_are_notimp_without_question(opcode: int) -> None:
    check_reply(ask(message(opcode, 2)), opcode, NOTIMP, question=False)


@pytest.mark.parametrize("opcode", [2, 4, 5, 15])
def test_other_opcode_with_broken_question_is_notimp(opcode: int) -> None:
    check_reply(ask(message(opcode, 1, body=QUESTION[:9])), opcode, NOTIMP, question=False)


def test_cd_is_copied_and_edns_echoed() -> None:
    reply = ask(message(15, 0, flags=RD | CD, body=OPT, arcount=1))
    check_reply(reply, 15, NOTIMP, question=False, opt=True)
    assert parse(reply)["cd"] == 1  # type: ignore[arg-type]


def test_update_with_zone_and_update_sections_is_notimp() -> None:
    """RFC 2136 layout: ZOCOUNT 1 (the zone), UPCOUNT 1 (an A record to add)."""
    add = b"\x03new\xc0\x10" + struct.pack("!HHIH", 1, 1, 60, 4) + bytes([192, 0, 2, 1])
    header = struct.pack("!HHHHHH", 0x1111, (5 << 11) | RD, 1, 0, 1, 0)
    zone = b"\x07example\x03com\x00" + struct.pack("!HH", 6, 1)
    reply = ask(header + zone + add)
    assert reply is not None
    got = parse(reply)
    assert (got["id"], got["opcode"], got["rcode"], got["counts"]) == (0x1111, 5, NOTIMP,
                                                                       (1, 0, 0, 0))
    assert got["rest"] == zone


@pytest.mark.parametrize("qdcount", [0, 2, 3])
def test_query_without_exactly_one_question_stays_formerr(qdcount: int) -> None:
    check_reply(ask(message(0, qdcount)), 0, FORMERR, question=False)


def test_query_with_one_question_is_answered() -> None:
    reply = ask(message(0, 1))
    assert reply is not None and parse(reply)["rcode"] == NOERROR
    assert parse(reply)["counts"][1] >= 1  # type: ignore[index]


# --- live: the real server over UDP and TCP ----------------------------------------------------


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    with serve_process([ROOT / "zones"], tmp_path_factory.mktemp("opcodes")) as srv:
        yield srv


def over_udp(srv: Server, wire: bytes) -> bytes:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        sock.settimeout(3)
        sock.sendto(wire, ("127.0.0.1", srv.port))
        return sock.recv(65535)


def over_tcp(srv: Server, wire: bytes) -> bytes:
    with socket.create_connection(("127.0.0.1", srv.port), timeout=3) as sock:
        sock.sendall(framing.frame(wire))
        framer = framing.TcpFramer()
        while True:
            got = framer.next_message()
            if isinstance(got, bytes):
                return got
            data = sock.recv(65535)
            assert data, "connection closed without a reply"
            framer.receive_data(data)


TRANSPORTS: dict[str, Callable[[Server, bytes], bytes]] = {"udp": over_udp, "tcp": over_tcp}


@pytest.mark.slow
@pytest.mark.parametrize("transport", TRANSPORTS)
@pytest.mark.parametrize("qdcount", [0, 1])
def test_live_other_opcodes_are_notimp(server: Server, transport: str, qdcount: int) -> None:
    send = TRANSPORTS[transport]
    for opcode in OPCODES:
        qid = 0x4000 + opcode
        reply = send(server, message(opcode, qdcount, qid=qid))
        check_reply(reply, opcode, NOTIMP, question=qdcount == 1, qid=qid)


@pytest.mark.slow
@pytest.mark.parametrize("transport", TRANSPORTS)
def test_live_query_question_count_formerr(server: Server, transport: str) -> None:
    send = TRANSPORTS[transport]
    for qdcount in (0, 2):
        check_reply(send(server, message(0, qdcount)), 0, FORMERR, question=False)
    answered = parse(send(server, message(0, 1)))
    assert answered["rcode"] == NOERROR and answered["counts"][1] >= 1  # type: ignore[index]

