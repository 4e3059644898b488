"""Online DNSSEC signing in-process (R106-R108, R110): the real handler and fast path answer, and
dnspython's validator (``dns.dnssec.validate``, over ``cryptography``) checks each reply."""

from __future__ import annotations

import logging
import random
from dataclasses import replace

import dns.dnssec
import dns.flags
import dns.message
import dns.name
import dns.rcode
import dns.rdatatype
import dns.rrset
import pytest

from netemu.dns import signer
from netemu.dns.fastpath import FastPath
from netemu.dns.handler import Serving, build_serving, handle
from netemu.route53.load import load_zone_text

ZONE = """
HostedZone: {Name: signed.example}
ResourceRecordSets:
  - {Name: www.signed.example, Type: A, TTL: 60, ResourceRecords: [{Value: 192.0.2.1}]}
  - {Name: w.signed.example, Type: A, TTL: 60, SetIdentifier: a, Weight: 1,
     ResourceRecords: [{Value: 192.0.2.10}]}
  - {Name: w.signed.example, Type: A, TTL: 60, SetIdentifier: b, Weight: 1,
     ResourceRecords: [{Value: 192.0.2.11}]}
  - {Name: w.signed.example, Type: A, TTL: 60, SetIdentifier: c, Weight: 1,
     ResourceRecords: [{Value: 192.0.2.12}]}
  - {Name: child.signed.example, Type: NS, TTL: 300,
     ResourceRecords: [{Value: ns.child.signed.example}]}
  - {Name: ns.child.signed.example, Type: A, TTL: 300, ResourceRecords: [{Value: 192.0.2.53}]}
  - {Name: secure.signed.example, Type: NS, TTL: 300,
     ResourceRecords: [{Value: ns.secure.signed.example}]}
  - {Name: secure.signed.example, Type: DS, TTL: 300,
     ResourceRecords: [{Value: "12345 13 2 DIGEST"}]}
  - {Name: long.signed.example, Type: A, TTL: 1209600, ResourceRecords: [{Value: 192.0.2.7}]}
  - Name: big.signed.example
    Type: TXT
    TTL: 60
    ResourceRecords: [BIG]
""".replace("DIGEST", "0C1A4F7E3B2D5A6C8E9F0A1B2C3D4E5F60718293A4B5C6D7E8F90A1B2C3D4E5F").replace(
    "BIG", ", ".join(f'{{Value: "\\"{"x" * 200}{i}\\""}}' for i in range(12)))
APEX = dns.name.from_text("signed.example.")
KSK, ZSK = signer.new_key(), signer.new_key()
NOW = 1_800_000_000.0


@pytest.fixture(scope="module")
def serving() -> Serving:
    base = build_serving(load_zone_text(ZONE))
    zone = base.zoneset.zones[0]
    return replace(base, signers={zone.id: signer.ZoneSigner(zone.name, [KSK], ZSK, NOW)})


def ask(serving: Serving, name: str, rdtype: str, do: bool = True, size: int = 4096,
        tcp: bool = False, rng: random.Random | None = None) -> dns.message.Message:
    query = dns.message.make_query(name, rdtype, want_dnssec=do, use_edns=0, payload=size)
    wire = handle(query.to_wire(), ("127.0.0.1", 5300), serving, rng or random.Random(1), tcp)
    assert wire is not None
    return dns.message.from_wire(wire)


def keys(serving: Serving) -> dns.rrset.RRset:
    return next(r for r in ask(serving, "signed.example", "DNSKEY").answer
                if r.rdtype == dns.rdatatype.DNSKEY)


def validate_all(serving: Serving, reply: dns.message.Message) -> int:
    """Every RRset of the zone in ``reply`` has an RRSIG that validates: the count checked."""
    anchors = {APEX: keys(serving)}
    checked = 0
    for section in (reply.answer, reply.authority, reply.additional):
        for rrset in section:
            if rrset.rdtype == dns.rdatatype.RRSIG:
                continue
            sig = reply.find_rrset(section, rrset.name, rrset.rdclass, dns.rdatatype.RRSIG,
                                   rrset.rdtype)
            dns.dnssec.validate(rrset, sig, anchors, now=NOW)
            checked += 1
    return checked


def test_r106_dnskey_rrset_signed_by_the_ksk_answers_by_the_zsk(serving: Serving) -> None:
    reply = ask(serving, "signed.example", "DNSKEY")
    dnskeys = reply.find_rrset(reply.answer, APEX, 1, dns.rdatatype.DNSKEY)
    assert sorted(k.flags for k in dnskeys) == [256, 257]
    assert all(k.algorithm == 13 for k in dnskeys)
    ksk_tag = dns.dnssec.key_id(signer.dnskey(KSK, 257))
    sig = reply.find_rrset(reply.answer, APEX, 1, dns.rdatatype.RRSIG, dns.rdatatype.DNSKEY)
    assert [s.key_tag for s in sig] == [ksk_tag]
    dns.dnssec.validate(dnskeys, sig, {APEX: dnskeys}, now=NOW)
    www = ask(serving, "www.signed.example", "A")
    zsk_tag = dns.dnssec.key_id(signer.dnskey(ZSK, 256))
    assert {s.key_tag for r in www.answer if r.rdtype == dns.rdatatype.RRSIG for s in r} \
        == {zsk_tag}
    assert validate_all(serving, www) >= 2      # the A and the apex NS in AUTHORITY


def test_r106_ds_of_the_ksk_matches_its_dnskey() -> None:
    shown = signer.ksk_description("signed.example.", KSK)
    ds = dns.dnssec.make_ds(APEX, signer.dnskey(KSK, 257), "SHA256")
    assert shown["DSRecord"] == f"{ds.key_tag} 13 2 {ds.digest.hex().upper()}"
    assert str(shown["DNSKEYRecord"]).startswith("257 3 13 ")


def test_r110_every_weighted_outcome_is_signed_and_validates(serving: Serving) -> None:
    seen: set[str] = set()
    rng = random.Random(7)
    for _ in range(60):
        reply = ask(serving, "w.signed.example", "A", rng=rng)
        seen.add(reply.answer[0][0].address)
        assert validate_all(serving, reply) >= 1
    assert seen == {"192.0.2.10", "192.0.2.11", "192.0.2.12"}


@pytest.mark.parametrize(("name", "rdtype", "bitmap"), [
    ("nope.signed.example", "A", ["RRSIG", "NSEC"]),              # NXDOMAIN
    ("deeper.nope.signed.example", "AAAA", ["RRSIG", "NSEC"]),
    ("www.signed.example", "AAAA", ["A", "RRSIG", "NSEC"]),       # NODATA
    ("signed.example", "A", ["NS", "SOA", "RRSIG", "NSEC", "DNSKEY"]),
])
def test_r107_black_lies_denial(serving: Serving, name: str, rdtype: str,
                                bitmap: list[str]) -> None:
    reply = ask(serving, name, rdtype)
    assert reply.rcode() == dns.rcode.NOERROR and not reply.answer
    qname = dns.name.from_text(name)
    nsec = reply.find_rrset(reply.authority, qname, 1, dns.rdatatype.NSEC)
    assert nsec[0].next == dns.name.Name((b"\x00",) + qname.labels)
    types = [dns.rdatatype.to_text(t) for window, bits in nsec[0].windows
             for t in _types(window, bits)]
    assert types == sorted(bitmap, key=dns.rdatatype.from_text)
    assert validate_all(serving, reply) == 2        # SOA and NSEC


def _types(window: int, bits: bytes) -> list[int]:
    return [window * 256 + i * 8 + j for i, byte in enumerate(bits) for j in range(8)
            if byte & (0x80 >> j)]


def test_r108_no_dnssec_records_without_do(serving: Serving) -> None:
    plain = ask(serving, "www.signed.example", "A", do=False)
    nx = ask(serving, "nope.signed.example", "A", do=False)
    assert nx.rcode() == dns.rcode.NXDOMAIN              # Route 53's plain negative answer
    for reply in (plain, nx):
        assert not any(r.rdtype in (dns.rdatatype.RRSIG, dns.rdatatype.NSEC)
                       for s in (reply.answer, reply.authority) for r in s)
    keys_plain = ask(serving, "signed.example", "DNSKEY", do=False)
    assert [r.rdtype for r in keys_plain.answer] == [dns.rdatatype.DNSKEY]


def test_referral_proves_no_ds_and_leaves_the_cut_unsigned(serving: Serving) -> None:
    reply = ask(serving, "host.child.signed.example", "A")
    assert not reply.flags & dns.flags.AA
    cut = dns.name.from_text("child.signed.example.")
    nsec = reply.find_rrset(reply.authority, cut, 1, dns.rdatatype.NSEC)
    assert [t for w, bits in nsec[0].windows for t in _types(w, bits)] == \
        [dns.rdatatype.NS, dns.rdatatype.RRSIG, dns.rdatatype.NSEC]     # no DS at the cut
    signed = {r.covers for r in reply.authority if r.rdtype == dns.rdatatype.RRSIG}
    assert signed == {dns.rdatatype.NSEC}                  # the cut's NS is not signed
    assert not any(r.rdtype == dns.rdatatype.RRSIG for r in reply.additional)   # nor glue


def test_secure_delegation_carries_its_signed_ds(serving: Serving) -> None:
    """A cut with a DS record: the referral carries the DS, signed by the parent, and no NSEC
    (which would deny the DS); a DS query at the cut is answered by the parent, signed."""
    cut = dns.name.from_text("secure.signed.example.")
    reply = ask(serving, "host.secure.signed.example", "A")
    assert not reply.flags & dns.flags.AA
    ds = reply.find_rrset(reply.authority, cut, 1, dns.rdatatype.DS)
    assert ds[0].key_tag == 12345
    assert not any(r.rdtype == dns.rdatatype.NSEC for r in reply.authority)
    signed = {r.covers for r in reply.authority if r.rdtype == dns.rdatatype.RRSIG}
    assert signed == {dns.rdatatype.DS}
    assert validate_all(serving, ask(serving, "secure.signed.example", "DS")) >= 1
    direct = ask(serving, "secure.signed.example", "DS")
    assert direct.flags & dns.flags.AA and direct.answer[0].rdtype == dns.rdatatype.DS


def test_r112_ttls_of_a_signed_zone_are_at_most_a_week(serving: Serving) -> None:
    for do in (True, False):
        reply = ask(serving, "long.signed.example", "A", do=do)
        assert [r.ttl for r in reply.answer] == [604800] * len(reply.answer)
    signed = ask(serving, "long.signed.example", "A")
    sig = next(r for r in signed.answer if r.rdtype == dns.rdatatype.RRSIG)
    assert sig[0].original_ttl == 604800 and validate_all(serving, signed) >= 1
    plain = build_serving(load_zone_text(ZONE))        # the same zone, not signed
    assert ask(plain, "long.signed.example", "A", do=False).answer[0].ttl == 1209600
    assert ask(serving, "www.signed.example", "A", do=False).answer[0].ttl == 60


def test_too_large_for_udp_is_truncated_and_whole_over_tcp(serving: Serving) -> None:
    udp = ask(serving, "big.signed.example", "TXT", size=1232)
    assert udp.flags & dns.flags.TC and not udp.answer
    tcp = ask(serving, "big.signed.example", "TXT", tcp=True)
    assert not tcp.flags & dns.flags.TC and len(tcp.answer[0]) == 12
    assert validate_all(serving, tcp) >= 1
    plain = ask(serving, "big.signed.example", "TXT", size=4096)
    assert not plain.flags & dns.flags.TC and validate_all(serving, plain) >= 1


def test_fast_path_serves_the_same_signed_bytes(serving: Serving) -> None:
    fast = FastPath()
    query = dns.message.make_query("www.signed.example", "A", want_dnssec=True, id=4)
    wire = query.to_wire()
    reference = handle(wire, ("127.0.0.1", 1), serving, random.Random(1))
    first = fast.answer(wire, ("127.0.0.1", 1), serving, random.Random(1))
    again = fast.answer(wire, ("127.0.0.1", 1), serving, random.Random(1))
    assert reference == first == again and fast.hits + fast.misses >= 1
    assert any(r.rdtype == dns.rdatatype.RRSIG for r in dns.message.from_wire(again).answer)


def test_r107_denial_follows_a_zone_change_with_the_same_signer(serving: Serving) -> None:
    """Signed replies are cached per outcome; a changed zone is not answered from that cache
    (the NSEC bitmap of a NODATA lists the name's types as they are now)."""
    before = ask(serving, "www.signed.example", "AAAA")
    grown = build_serving(load_zone_text(ZONE + "  - {Name: www.signed.example, Type: TXT, "
                                                "TTL: 60, ResourceRecords: [{Value: '\"v\"'}]}\n"))
    zone_id = grown.zoneset.zones[0].id
    changed = replace(grown, signers={zone_id: serving.signers[serving.zoneset.zones[0].id]})
    after = ask(changed, "www.signed.example", "AAAA")

    def bitmap(reply: dns.message.Message) -> list[int]:
        nsec = next(r for r in reply.authority if r.rdtype == dns.rdatatype.NSEC)
        return [t for w, bits in nsec[0].windows for t in _types(w, bits)]

    assert dns.rdatatype.TXT not in bitmap(before)
    assert dns.rdatatype.TXT in bitmap(after)
    assert validate_all(changed, after) == 2


@pytest.mark.parametrize(("name", "rdtype", "do", "want"), [
    ("nope.signed.example", "A", True, "NOERROR"),       # black lie: NXDOMAIN sent as NOERROR
    ("www.signed.example", "AAAA", True, "NOERROR"),     # NODATA
    ("nope.signed.example", "A", False, "NXDOMAIN"),     # R108: no DO, no black lie
])
def test_r107_query_log_rcode_is_the_rcode_on_the_wire(
        serving: Serving, caplog: pytest.LogCaptureFixture, name: str, rdtype: str, do: bool,
        want: str) -> None:
    """The query log line of a signed zone's negative answer carries the rcode of the reply the
    client got (R107 turns NXDOMAIN into NOERROR), from the full path and from the fast path,
    and says why it differs from the engine's outcome."""
    wire = dns.message.make_query(name, rdtype, want_dnssec=do, use_edns=0, id=7).to_wire()
    with caplog.at_level(logging.INFO, logger="netemu.query"):
        reply = handle(wire, ("127.0.0.1", 5300), serving, random.Random(1))
    assert reply is not None
    sent = dns.rcode.to_text(dns.message.from_wire(reply).rcode())
    assert sent == want
    [line] = [r.getMessage() for r in caplog.records if r.name == "netemu.query"]
    client, qname, qtype, rcode, *why = line.split(" ")
    assert (client, qname, qtype, rcode) == ("127.0.0.1#5300", name + ".", rdtype, sent)
    assert ("sent as NOERROR" in line) == (name.startswith("nope") and do)
    fast, notes = FastPath(), []
    for _ in range(2):       # a miss (full path) then a hit (the kept note)
        caplog.clear()
        with caplog.at_level(logging.INFO, logger="netemu.query"):
            again = fast.answer(wire, ("127.0.0.1", 5300), serving, random.Random(1))
            fast.flush_log()
        assert again == reply
        notes += [r.getMessage() for r in caplog.records if r.name == "netemu.query"]
    assert notes == [line, line]
