"""The real server: ``python -m netemu serve`` in a subprocess on a free loopback port, asked
with dig and dnspython (the issue's "Must show" list)."""

from __future__ import annotations

import shutil
import socket
import time

import dns.edns
import dns.flags
import dns.message
import dns.query
import dns.rcode
import pytest

from tests.helpers import ROOT
from tests.live import Server, serve_process

pytestmark = pytest.mark.slow  # starts a server or a subprocess

needs_dig = pytest.mark.skipif(shutil.which("dig") is None, reason="needs dig (dnsutils)")

BIG = "HostedZone: {Name: big.test}\nResourceRecordSets:\n  - {Name: big.big.test, Type: TXT, " \
      "TTL: 60, ResourceRecords: [" + ", ".join(
          "{Value: '\"" + str(i) * 150 + "\"'}" for i in range(8)) + "]}\n"


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory):
    tmp = tmp_path_factory.mktemp("live")
    (tmp / "big.yaml").write_text(BIG)
    with serve_process([ROOT / "zones", tmp / "big.yaml"], tmp) as srv:
        yield srv


@needs_dig
def test_dig_apex_alias(server: Server) -> None:
    """R35-R37: the apex alias answers as type A with the target's values and TTL."""
    status, flags, answer, _, _ = server.dig("example.net", "A")
    assert (status, "aa" in flags) == ("NOERROR", True)
    assert answer == ["example.net. 120 IN A 203.0.113.80"]


@needs_dig
def test_dig_cname_in_zone(server: Server) -> None:
    """R13 decision: the CNAME alone in ANSWER, the in-zone target's A in ADDITIONAL."""
    status, _, answer, _, additional = server.dig("docs.cname.test", "A")
    assert status == "NOERROR"
    assert answer == ["docs.cname.test. 300 IN CNAME web.cname.test."]
    assert "web.cname.test. 300 IN A 192.0.2.80" in additional


@needs_dig
@pytest.mark.parametrize("qname", ["zenith.example.org", "a.b.zenith.example.org"])
def test_dig_wildcard_at_two_depths(server: Server, qname: str) -> None:
    """R19: the wildcard covers names one and three labels below it; owner = the query name."""
    status, flags, answer, _, _ = server.dig(qname, "A")
    assert status == "NOERROR" and "aa" in flags
    assert answer == [f"{qname}. 60 IN A 198.51.100.1"]


@needs_dig
def test_dig_nxdomain_with_soa(server: Server) -> None:
    """R9-R11: NXDOMAIN with the SOA in AUTHORITY at min(SOA TTL 900, minimum 86400)."""
    status, flags, answer, authority, _ = server.dig("nothere.example.com", "A")
    assert (status, "aa" in flags, answer) == ("NXDOMAIN", True, [])
    assert len(authority) == 1 and authority[0].startswith("example.com. 900 IN SOA ns-")
    assert authority[0].endswith("awsdns-hostmaster.amazon.com. 1 7200 900 1209600 86400")


@needs_dig
def test_dig_nodata(server: Server) -> None:
    """R10: the name exists with other types: NOERROR, empty ANSWER, SOA in AUTHORITY."""
    status, _, answer, authority, _ = server.dig("www.example.com", "TXT")
    assert (status, answer) == ("NOERROR", [])
    assert " IN SOA " in authority[0]


@needs_dig
def test_dig_empty_non_terminal(server: Server) -> None:
    """R10: b.example.com has no records but a.b.example.com exists: NODATA, not NXDOMAIN."""
    status, _, answer, authority, _ = server.dig("b.example.com", "A")
    assert (status, answer) == ("NOERROR", [])
    assert " IN SOA " in authority[0]


@needs_dig
def test_dig_referral(server: Server) -> None:
    """NS below the apex: a referral, not authoritative, glue in ADDITIONAL."""
    status, flags, answer, authority, additional = server.dig("www.sub.delegation.test", "A")
    assert (status, "aa" in flags, answer) == ("NOERROR", False, [])
    assert sorted(authority) == ["sub.delegation.test. 3600 IN NS ns1.sub.delegation.test.",
                                 "sub.delegation.test. 3600 IN NS ns2.example.com."]
    assert "ns1.sub.delegation.test. 3600 IN A 192.0.2.53" in additional


@needs_dig
def test_dig_tc_over_udp_then_full_over_tcp_and_edns(server: Server) -> None:
    """R12: 512 bytes without EDNS -> TC; the full answer over TCP and with EDNS 4096."""
    status, flags, answer, _, _ = server.dig("+noedns", "+ignore", "big.big.test", "TXT")
    assert status == "NOERROR" and "tc" in flags and answer == []
    _, flags, answer, _, _ = server.dig("+noedns", "+tcp", "big.big.test", "TXT")
    assert "tc" not in flags and len(answer) == 8
    _, flags, answer, _, _ = server.dig("+bufsize=4096", "big.big.test", "TXT")
    assert "tc" not in flags and len(answer) == 8


@needs_dig
def test_dig_refused_outside_the_zones(server: Server) -> None:
    status, flags, answer, _, _ = server.dig("www.example.invalid", "A")
    assert (status, answer) == ("REFUSED", [])
    assert "aa" not in flags and "ra" not in flags


def test_dnspython_udp_tcp_and_case(server: Server) -> None:
    """R1: any case answers; UDP and TCP agree; AA set, RA never."""
    udp = server.query("WWW.EXAMPLE.com")
    tcp = server.query("www.example.com", tcp=True)
    assert [str(r) for r in udp.answer[0]] == [str(r) for r in tcp.answer[0]] == ["192.0.2.10"]
    assert udp.flags & dns.flags.AA and not udp.flags & dns.flags.RA
    truncated = server.query("big.big.test", "TXT")
    assert truncated.flags & dns.flags.TC
    full = server.query("big.big.test", "TXT", use_edns=0, payload=4096)
    assert not full.flags & dns.flags.TC and len(full.answer[0]) == 8
    ecs = server.query("www.example.com", use_edns=0,
                       options=[dns.edns.ECSOption("203.0.113.0", 24)])
    assert any(isinstance(o, dns.edns.ECSOption) and o.srclen == 24 for o in ecs.options)


def test_survives_malformed_packets(server: Server) -> None:
    """Truncated header, garbage, huge QDCOUNT, compression loop, a zero-length TCP frame,
    a TCP frame cut short: the server keeps answering."""
    good = dns.message.make_query("www.example.com", "A").to_wire()
    bad_udp = [
        b"\x12\x34\x01",                                              # truncated header
        bytes(range(256)) * 2,                                          # garbage
        bytes.fromhex("abcd 0100 ffff 0000 0000 0000") + good[12:],     # huge QDCOUNT
        bytes.fromhex("abcd 0100 0001 0000 0000 0000 c00c 0001 0001"),  # compression loop
        bytes.fromhex("abcd 0100 0001 0000 0000 0001") + good[12:] + bytes.fromhex("c0"),
        b"",
    ]
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        sock.settimeout(2)
        for wire in bad_udp:
            sock.sendto(wire, ("127.0.0.1", server.port))
        sock.sendto(bytes.fromhex("abcd 0100 ffff 0000 0000 0000"), ("127.0.0.1", server.port))
        reply, _ = sock.recvfrom(4096)
        while reply[:2] != b"\xab\xcd" or reply[3] & 0xF != dns.rcode.FORMERR:
            reply, _ = sock.recvfrom(4096)
    for tcp_bytes in (b"\x00\x00", b"\x00\x40" + good[:10], b"\xff"):
        with socket.create_connection(("127.0.0.1", server.port), timeout=3) as conn:
            conn.sendall(tcp_bytes)
            if tcp_bytes == b"\x00\x00":
                assert conn.recv(10) == b""          # zero-length frame: connection closed
    assert server.proc.poll() is None
    assert [str(r) for r in server.query("www.example.com").answer[0]] == ["192.0.2.10"]
    assert [str(r) for r in server.query("www.example.com", tcp=True).answer[0]] == ["192.0.2.10"]


def test_query_log_line(server: Server) -> None:
    """One line per query at INFO: client, question, rcode, which record set answered."""
    server.query("docs.cname.test")
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline:
        lines = [ln for ln in server.log.read_text().splitlines()
                 if "netemu.query" in ln and "docs.cname.test. A" in ln]
        if lines:
            break
        time.sleep(0.05)
    assert lines and "127.0.0.1#" in lines[-1] and "NOERROR" in lines[-1]
    assert "simple: docs.cname.test. CNAME" in lines[-1]
    # the shipped zones plus big.test (the count grows as zones/ gains examples)
    shipped = [p for p in (ROOT / "zones").iterdir() if p.suffix in (".yaml", ".zone")]
    assert f"serving {len(shipped) + 1} hosted zone(s)" in server.log.read_text()
