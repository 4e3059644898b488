"""The kept wire fuzz corpus (``fuzz/corpus/wire`` and the seeds) sent to a running ``netemu
serve`` over UDP and over TCP (issue 14): after every input, well-behaved UDP and TCP queries are
still answered, and the process is alive. Bounded by the corpus's size."""

from __future__ import annotations

import contextlib
import socket
import struct
from pathlib import Path

import dns.message
import dns.query
import dns.rcode
import pytest

from fuzz.seeds import corpus
from tests.helpers import ROOT
from tests.live import Serve, serve_process

pytestmark = pytest.mark.slow


def answers(srv: Serve) -> None:
    q = dns.message.make_query("www.example.com.", "A")
    for send in (dns.query.udp, dns.query.tcp):
        reply = send(q, "127.0.0.1", port=srv.port, timeout=2)
        assert reply.rcode() == dns.rcode.NOERROR and reply.answer, send


def test_wire_corpus_over_udp_and_tcp_leaves_the_server_answering(tmp_path: Path) -> None:
    inputs = corpus("wire")
    assert len(inputs) > 50
    with serve_process([ROOT / "zones" / "basics.yaml"], tmp_path, "--api", "127.0.0.1:0",
                       "--no-query-log") as srv:
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as udp:
            for n, data in enumerate(inputs):
                if data:
                    udp.sendto(data[:65000], ("127.0.0.1", srv.port))
                if n % 20 == 19:
                    answers(srv)
        answers(srv)
        for n, data in enumerate(inputs):
            with socket.create_connection(("127.0.0.1", srv.port), timeout=2) as tcp:
                tcp.sendall(struct.pack("!H", len(data[:65535])) + data[:65535])
                with contextlib.suppress(OSError):
                    tcp.recv(65535)              # a reply, a close or nothing: all fine
            if n % 20 == 19:
                answers(srv)
        answers(srv)
        assert srv.proc.poll() is None
