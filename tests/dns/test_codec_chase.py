"""The wire side of the resolver's chasing (R195, R197): which replies need more queries, how a
reply reads as ``recursion.Reply``, and the assembled chain as dnspython reads it."""

from __future__ import annotations

import dns.flags
import dns.message
import dns.rcode
import dns.rdatatype
import dns.rrset

from netemu.dns import codec
from netemu.route53.recursion import Done, Record

A, CNAME, ANY = 1, 5, 255


def reply(qname: str, qtype: str, answer: tuple[str, ...] | list[str] = (),
          authority: tuple[str, ...] | list[str] = (),
          additional: tuple[str, ...] | list[str] = (), aa: bool = True, rcode: int = 0,
          tc: bool = False) -> bytes:
    msg = dns.message.make_response(dns.message.make_query(qname, qtype))
    msg.flags &= ~dns.flags.AA
    if aa:
        msg.flags |= dns.flags.AA
    if tc:
        msg.flags |= dns.flags.TC
    msg.set_rcode(rcode)
    for section, texts in ((msg.answer, answer), (msg.authority, authority),
                           (msg.additional, additional)):
        for text in texts:
            name, ttl, rtype, data = text.split(None, 3)
            section.append(dns.rrset.from_text(name, int(ttl), "IN", rtype, data))
    return msg.to_wire()


def test_only_referrals_and_cname_answers_may_need_more_queries_R195_R197() -> None:
    assert not codec.may_chase(reply("www.example.com", "A", ["www.example.com. 60 A 192.0.2.1"]),
                               A)
    chain = reply("a.example.com", "A", ["a.example.com. 60 CNAME b.example.com."])
    assert codec.may_chase(chain, A)
    assert not codec.may_chase(chain, CNAME) and not codec.may_chase(chain, ANY)
    referral = reply("www.sub.example.net", "A", authority=["sub.example.net. 300 NS ns1.x."],
                     aa=False)
    assert codec.may_chase(referral, A)
    negative = reply("x.example.com", "A", authority=["example.com. 900 SOA ns. h. 1 2 3 4 5"],
                     rcode=dns.rcode.NXDOMAIN)
    assert not codec.may_chase(negative, A)
    nodata = reply("x.example.com", "MX", authority=["example.com. 900 SOA ns. h. 1 2 3 4 5"])
    assert not codec.may_chase(nodata, 15)
    assert not codec.may_chase(reply("a.example.com", "A", tc=True), A)
    assert not codec.may_chase(chain[:30], A)   # cut short: nothing to follow


def test_a_reply_reads_as_records_with_their_ttls_and_targets_R195() -> None:
    got = codec.read_reply(reply(
        "A.Example.com", "A", ["A.Example.com. 30 CNAME B.example.COM."],
        authority=["sub.example.net. 300 NS NS1.sub.example.net."],
        additional=["ns1.sub.example.net. 300 A 203.0.113.1"], aa=False))
    assert got is not None and got.rcode == 0 and not got.aa
    assert [(r.name, r.type, r.ttl, r.data) for r in got.answer] == [
        ("a.example.com.", "CNAME", 30, "b.example.com.")]
    assert got.authority[0].data == "ns1.sub.example.net."
    assert got.additional[0][:4] == ("ns1.sub.example.net.", "A", 300, "203.0.113.1")
    assert codec.read_reply(b"\x00\x01") is None


def test_the_assembled_chain_as_dig_would_read_it_R195() -> None:
    wire = dns.message.make_query("a.example.com", "A", use_edns=0)
    wire.flags |= dns.flags.RD
    query = codec.decode(wire.to_wire())
    parts = codec.read_reply(reply("a.example.com", "A", [
        "a.example.com. 30 CNAME b.example.org.", "b.example.org. 20 A 198.51.100.1"]))
    assert parts is not None
    got = dns.message.from_wire(codec.chased_reply(query, Done(0, parts.answer), 4096))
    assert got.id == wire.id and got.rcode() == dns.rcode.NOERROR and got.edns == 0
    assert [(str(r.name), r.ttl, dns.rdatatype.to_text(r.rdtype)) for r in got.answer] == [
        ("a.example.com.", 30, "CNAME"), ("b.example.org.", 20, "A")]
    negative = codec.read_reply(reply(
        "x.example.org", "A", authority=["example.org. 900 SOA ns. h. 1 2 3 4 5"],
        rcode=dns.rcode.NXDOMAIN))
    assert negative is not None
    soa = Record("example.org.", "SOA", 900, "", negative.authority[0].wire)
    got = dns.message.from_wire(codec.chased_reply(query, Done(3, parts.answer[:1], (soa,)),
                                                   4096))
    assert got.rcode() == dns.rcode.NXDOMAIN and len(got.answer) == 1
    assert dns.rdatatype.to_text(got.authority[0].rdtype) == "SOA"
    # over the client's size: AUTHORITY goes, then the records with TC
    got = dns.message.from_wire(codec.chased_reply(query, Done(0, parts.answer), 40))
    assert got.flags & dns.flags.TC and not got.answer
