"""The wire edge without sockets: codec vectors, TCP framing, and handle() end to end."""

from __future__ import annotations

import random
import struct

import dns.edns
import dns.flags
import dns.message
import dns.opcode
import dns.rcode
import dns.rdatatype
import pytest

from netemu.dns import codec, framing
from netemu.dns.handler import build_serving, handle
from netemu.route53.load import load_zone_files
from tests.helpers import ROOT

SERVING = build_serving(load_zone_files([ROOT / "zones"]))
PEER = ("192.0.2.200", 5353)


def ask(qname: str, qtype: str = "A", **kw) -> dns.message.Message:
    query = dns.message.make_query(qname, qtype, **kw)
    wire = handle(query.to_wire(), PEER, SERVING, random.Random(0))
    assert wire is not None
    return dns.message.from_wire(wire)


# --- codec vectors -----------------------------------------------------------------------------

WWW_A = bytes.fromhex(
    "1234 0100 0001 0000 0000 0000 03777777 076578616d706c65 03636f6d 00 0001 0001"
)


def test_decode_vector() -> None:
    q = codec.decode(WWW_A)
    assert (q.id, q.opcode, q.qname, q.qtype, q.qclass, q.edns) == (
        0x1234, 0, (b"www", b"example", b"com"), 1, 1, False)
    assert q.question == WWW_A[12:]


def test_decode_lowercases_but_question_echo_keeps_case() -> None:
    wire = dns.message.make_query("WwW.ExAmple.com", "A").to_wire()
    q = codec.decode(wire)
    assert q.qname == (b"www", b"example", b"com") and b"WwW" in q.question


def test_encode_vector_answer_uses_pointer_to_question() -> None:
    reply = handle(WWW_A, PEER, SERVING)
    assert reply is not None
    assert reply[:4] == bytes.fromhex("1234 8500")   # QR AA, RD copied, RA never, NOERROR
    assert reply[4:12] == struct.pack("!HHHH", 1, 1, 4, 0)
    answer = reply[12 + len(WWW_A) - 12:]
    assert answer[:12] == bytes.fromhex("c00c 0001 0001 0000012c 0004")
    assert answer[12:16] == bytes([192, 0, 2, 10])


@pytest.mark.parametrize("wire,why", [
    (bytes.fromhex("1234 0100 0000 0000 0000 0000"), "QDCOUNT is 0"),
    (bytes.fromhex("1234 0100 ffff 0000 0000 0000 00 0001 0001"), "QDCOUNT is 65535"),
    (bytes.fromhex("1234 0100 0001 0000 0000 0000 c00c 0001 0001"), "compression"),
    (bytes.fromhex("1234 0100 0001 0000 0000 0000 03777777"), "past the end"),
    (bytes.fromhex("1234 0100 0001 0000 0000 0000 00 0001"), "type and class"),
    (WWW_A + b"junk", "trailing"),
    (bytes.fromhex("1234 0100 0001 0000 0000 0001") + WWW_A[12:] + bytes.fromhex("c01c 0029"),
     "truncated"),
])
def test_decode_formerr(wire: bytes, why: str) -> None:
    with pytest.raises(codec.FormErr) as err:
        codec.decode(wire)
    assert why in str(err.value) and err.value.query_id == 0x1234


@pytest.mark.parametrize("wire", [b"", b"\x12", b"\x00" * 11,
                                  bytes.fromhex("1234 8400 0001 0000 0000 0000") + WWW_A[12:]])
def test_runts_and_responses_are_dropped(wire: bytes) -> None:
    assert handle(wire, PEER, SERVING) is None


def test_formerr_reply() -> None:
    reply = handle(bytes.fromhex("abcd 0100 0002 0000 0000 0000"), PEER, SERVING)
    assert reply is not None and reply[:2] == b"\xab\xcd" and reply[3] & 0xF == 1  # FORMERR


def test_notimp_for_other_opcodes() -> None:
    query = dns.message.make_query("www.example.com", "A")
    query.set_opcode(dns.opcode.NOTIFY)
    reply = dns.message.from_wire(handle(query.to_wire(), PEER, SERVING))
    assert reply.rcode() == dns.rcode.NOTIMP


def test_flags_aa_and_never_ra() -> None:
    reply = ask("www.example.com")
    assert reply.flags & dns.flags.AA and not reply.flags & dns.flags.RA
    assert reply.flags & dns.flags.RD   # copied from the query
    refused = ask("www.example.invalid")
    assert refused.rcode() == dns.rcode.REFUSED and not refused.flags & (
        dns.flags.AA | dns.flags.RA
    )


def test_edns_is_echoed_and_badvers() -> None:
    reply = ask("www.example.com", use_edns=0, payload=1232)
    assert reply.edns == 0 and reply.payload == 4096
    bad = ask("www.example.com", use_edns=1)
    assert bad.rcode() == dns.rcode.BADVERS


def test_client_subnet_is_echoed_with_scope() -> None:
    """RFC 7871: the ECS option comes back with the client's prefix and a scope (0 here: simple
    routing does not depend on the location)."""
    ecs = dns.edns.ECSOption("198.51.100.0", 24)
    reply = ask("www.example.com", use_edns=0, options=[ecs])
    (opt,) = [o for o in reply.options if isinstance(o, dns.edns.ECSOption)]
    assert (opt.address, opt.srclen, opt.scopelen) == ("198.51.100.0", 24, 0)


def test_bad_client_subnet_is_formerr() -> None:
    body = struct.pack("!HBB", 1, 24, 5) + bytes([198, 51, 100])   # scope must be 0 in queries
    query = dns.message.make_query("www.example.com", "A", use_edns=0,
                                   options=[dns.edns.GenericOption(8, body)])
    reply = dns.message.from_wire(handle(query.to_wire(), PEER, SERVING))
    assert reply.rcode() == dns.rcode.FORMERR


def test_no_edns_limit_512_sets_tc() -> None:
    """R12: a reply that does not fit 512 bytes without EDNS has TC and no records."""
    serving = build_serving(_big_zone())
    query = dns.message.make_query("big.big.test", "TXT")
    reply = dns.message.from_wire(handle(query.to_wire(), PEER, serving))
    assert reply.flags & dns.flags.TC and not reply.answer
    query = dns.message.make_query("big.big.test", "TXT", use_edns=0, payload=4096)
    full = dns.message.from_wire(handle(query.to_wire(), PEER, serving))
    assert not full.flags & dns.flags.TC and len(full.answer[0]) == 8
    tcp = dns.message.from_wire(handle(dns.message.make_query("big.big.test", "TXT").to_wire(),
                                       PEER, serving, tcp=True))
    assert not tcp.flags & dns.flags.TC and len(tcp.answer[0]) == 8


def _big_zone():
    from netemu.route53.load import load_zone_text
    values = ", ".join('{Value: \'"' + str(i) * 150 + '"\'}' for i in range(8))
    return load_zone_text(
        "HostedZone: {Name: big.test}\nResourceRecordSets:\n"
        f"  - {{Name: big.big.test, Type: TXT, TTL: 60, ResourceRecords: [{values}]}}\n"
    )


def test_every_record_type_goes_on_the_wire() -> None:
    """The issue's type list (R34): every type Route 53 serves is answered and parses back."""
    for qname, qtype in [("example.com", "MX"), ("example.com", "TXT"), ("example.com", "CAA"),
                         ("example.com", "HTTPS"), ("_sip._tcp.example.com", "SRV"),
                         ("www.example.com", "AAAA"), ("10.2.0.192.example.com", "PTR"),
                         ("example.com", "NS"), ("example.com", "SOA")]:
        reply = ask(qname, qtype)
        assert reply.answer and reply.answer[0].rdtype == dns.rdatatype.from_text(qtype), qtype
    from netemu.route53.rdata import TYPES
    from tests.route53.test_load_rules import RDATA_OK
    assert {t for t, _ in RDATA_OK} == set(TYPES)
    for rtype, value in RDATA_OK:
        assert codec.pack_rdata(rtype, value)


def test_handle_never_raises_on_mutations() -> None:
    """Bounded fuzz: 3000 mutated queries; each gets bytes or silence, never an exception."""
    rng = random.Random(7)
    seeds = [dns.message.make_query(n, t, use_edns=e).to_wire() for n, t, e in
             [("www.example.com", "A", 0), ("x.y.example.org", "TXT", -1),
              ("docs.cname.test", "A", 0)]]
    for _ in range(3000):
        wire = bytearray(rng.choice(seeds))
        for _ in range(rng.randint(1, 4)):
            if not wire:
                break
            op = rng.random()
            if op < 0.5:
                wire[rng.randrange(len(wire))] = rng.randrange(256)
            elif op < 0.75:
                del wire[rng.randrange(len(wire)):]
            else:
                wire += bytes(rng.randrange(256) for _ in range(rng.randint(1, 8)))
        out = handle(bytes(wire), PEER, SERVING, rng)
        assert out is None or isinstance(out, bytes)


# --- TCP framing -------------------------------------------------------------------------------


def test_framer_reassembles_split_and_joined_messages() -> None:
    framer = framing.TcpFramer()
    stream = framing.frame(b"abc") + framing.frame(b"defg")
    framer.receive_data(stream[:1])
    assert framer.next_message() is framing.NEED_DATA
    framer.receive_data(stream[1:4])
    assert framer.next_message() is framing.NEED_DATA
    framer.receive_data(stream[4:])
    assert framer.next_message() == b"abc"
    assert framer.next_message() == b"defg"
    assert framer.next_message() is framing.NEED_DATA and framer.buffered == 0


def test_framer_rejects_zero_length() -> None:
    framer = framing.TcpFramer()
    framer.receive_data(b"\x00\x00")
    with pytest.raises(framing.FramingError):
        framer.next_message()


def test_packed_rdata_matches_dnspython() -> None:
    """Every valid value of every type packs to the same RDATA dnspython produces (dnspython
    reads master files: TXT/SPF octal escapes are given to it in decimal)."""
    import re

    import dns.name
    import dns.rdata
    import dns.rdataclass

    from netemu.route53.rdata import zone_text
    from tests.route53.test_load_rules import RDATA_OK
    for rtype, value in RDATA_OK:
        ours = codec.pack_rdata(rtype, value)
        text = zone_text(rtype, value)
        if rtype in ("TXT", "SPF"):
            text = re.sub(r"\\([0-7]{3})", lambda m: f"\\{int(m[1], 8):03d}", text)
        theirs = dns.rdata.from_text(dns.rdataclass.IN, dns.rdatatype.from_text(rtype),
                                     text, origin=dns.name.root
                                     ).to_wire(origin=dns.name.root)
        assert ours == theirs, (rtype, value)


def test_truncation_drops_additional_then_authority_then_sets_tc() -> None:
    """R12: what does not fit goes in this order; TC only when the ANSWER itself does not fit."""
    from netemu.route53 import engine
    from netemu.route53.client import ClientContext
    from netemu.route53.names import parse
    query = codec.decode(dns.message.make_query("docs.cname.test", "A").to_wire())
    answer = engine.answer(engine.Question(parse("docs.cname.test"), "A"),
                           ClientContext("127.0.0.1"), SERVING.zones, SERVING.health,
                           random.Random(0))
    assert answer.answer and answer.authority and answer.additional
    full = codec.encode(query, answer, SERVING.wire, 65535)
    sizes = {}
    for limit in (len(full), len(full) - 1):
        reply = dns.message.from_wire(codec.encode(query, answer, SERVING.wire, limit))
        sizes[limit] = (bool(reply.flags & dns.flags.TC), len(reply.answer),
                        len(reply.authority), len(reply.additional))
    assert sizes[len(full)] == (False, 1, 1, 1)
    assert sizes[len(full) - 1] == (False, 1, 1, 0)          # ADDITIONAL dropped first
    no_additional = codec.encode(query, engine.Answer(answer.rcode, True, answer.answer,
                                                      answer.authority), SERVING.wire, 65535)
    reply = dns.message.from_wire(codec.encode(query, answer, SERVING.wire,
                                               len(no_additional) - 1))
    assert (bool(reply.flags & dns.flags.TC), len(reply.answer), len(reply.authority)) == (
        False, 1, 0)                                           # then AUTHORITY
    reply = dns.message.from_wire(codec.encode(query, answer, SERVING.wire, 40))
    assert reply.flags & dns.flags.TC and not reply.answer    # the answer itself: TC


def test_values_leave_in_random_order_each_query() -> None:
    """Simple routing: "Route 53 returns all values ... in random order" (DG
    routing-policy-simple.md; R11 answer shaping). Every reply carries all four values; across
    seeded queries more than one order is seen, and the order comes from the rng passed in."""
    from netemu.route53.load import load_zone_text

    zone = load_zone_text(
        "HostedZone: {Name: order.test.}\n"
        "ResourceRecordSets:\n"
        "  - {Name: www.order.test., Type: A, TTL: 60, ResourceRecords: "
        "[{Value: 192.0.2.1}, {Value: 192.0.2.2}, {Value: 192.0.2.3}, {Value: 192.0.2.4}]}\n"
    )
    serving = build_serving(zone)
    query = dns.message.make_query("www.order.test.", "A")

    def order(seed: int) -> tuple[str, ...]:
        reply = handle(query.to_wire(), ("127.0.0.1", 5300), serving, rng=random.Random(seed))
        assert reply is not None
        msg = dns.message.from_wire(reply)
        return tuple(rd.address for rd in msg.answer[0])

    seen = {order(seed) for seed in range(40)}
    assert all(sorted(o) == ["192.0.2.1", "192.0.2.2", "192.0.2.3", "192.0.2.4"] for o in seen)
    assert len(seen) > 5
    assert order(7) == order(7)


def test_a_value_the_wire_cannot_carry_refuses_the_zone_set() -> None:
    """build_serving packs each value once; one it cannot pack is a LoadError naming the file
    and the record set, never a half-built server."""
    import dataclasses

    from netemu.errors import LoadError
    from netemu.route53.load import load_zone_text
    zs = load_zone_text(
        "HostedZone: {Name: bad.test}\nResourceRecordSets:\n"
        "  - {Name: a.bad.test, Type: A, TTL: 60, ResourceRecords: [{Value: 192.0.2.1}]}\n",
        "bad.yaml",
    )
    zone = zs.zones[0]
    broken = tuple(dataclasses.replace(r, values=("192.0.2.1", "not-an-address"))
                   if r.type == "A" else r for r in zone.record_sets)
    zs = dataclasses.replace(zs, zones=(dataclasses.replace(zone, record_sets=broken),))
    with pytest.raises(LoadError) as err:
        build_serving(zs)
    (problem,) = err.value.problems
    assert (problem.file, problem.item, problem.code) == ("bad.yaml", "a.bad.test. A",
                                                           "InvalidChangeBatch")
    assert "not-an-address" in problem.message
