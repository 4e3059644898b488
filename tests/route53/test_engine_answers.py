"""Pure tests of lookup and answer shaping (no sockets): each case cites its behaviour id
(docs/behaviour.md)."""

from __future__ import annotations

import dataclasses
import random

import pytest

from netemu.route53 import names
from netemu.route53.client import ClientContext
from netemu.route53.engine import Answer, Question, Rcode, answer
from netemu.route53.health import HealthSnapshot
from netemu.route53.load import load_zone_text
from netemu.route53.lookup import compile_zones

ZONE = r"""
HostedZone: {Name: Example.COM, Id: /hostedzone/ZTEST}
HealthChecks:
  - {Id: hc-www, HealthCheckConfig: {Type: TCP, IPAddress: 127.0.0.1, Port: 9}}
ResourceRecordSets:
  - {Name: www.example.com, Type: A, TTL: 300, ResourceRecords: [{Value: 192.0.2.1}]}
  - {Name: example.com., Type: A, AliasTarget: {DNSName: www.example.com}}
  - Name: health.example.com.
    Type: A
    AliasTarget: {DNSName: checked.example.com, EvaluateTargetHealth: true, HostedZoneId: ZTEST}
  - Name: blind.example.com.
    Type: A
    AliasTarget: {DNSName: checked.example.com, EvaluateTargetHealth: false}
  - {Name: checked.example.com, Type: A, TTL: 20, HealthCheckId: hc-www,
     ResourceRecords: [{Value: 192.0.2.2}]}
  - {Name: docs.example.com, Type: CNAME, TTL: 60, ResourceRecords: [{Value: www.example.com}]}
  - {Name: out.example.com, Type: CNAME, TTL: 60, ResourceRecords: [{Value: elsewhere.example.net}]}
  - {Name: "*.example.com", Type: A, TTL: 30, ResourceRecords: [{Value: 192.0.2.99}]}
  - {Name: acme.example.com, Type: TXT, TTL: 30, ResourceRecords: [{Value: '"specific"'}]}
  - {Name: "*.deep.example.com", Type: TXT, TTL: 30, ResourceRecords: [{Value: '"deep"'}]}
  - {Name: x.ent.example.com, Type: A, TTL: 30, ResourceRecords: [{Value: 192.0.2.7}]}
  - {Name: sub.example.com, Type: NS, TTL: 3600, ResourceRecords: [{Value: ns1.sub.example.com}]}
  - {Name: sub.example.com, Type: DS, TTL: 3600, ResourceRecords: [{Value: 12345 13 2
       ABCDEF0123ABCDEF0123ABCDEF0123ABCDEF0123ABCDEF0123ABCDEF0123ABCD}]}
  - {Name: ns1.sub.example.com, Type: A, TTL: 3600, ResourceRecords: [{Value: 192.0.2.53}]}
  - {Name: example.com, Type: MX, TTL: 300, ResourceRecords: [{Value: 10 mail.example.com}]}
  - {Name: mail.example.com, Type: A, TTL: 300, ResourceRecords: [{Value: 192.0.2.25}]}
  - {Name: example.com, Type: SOA, TTL: 900,
     ResourceRecords: [{Value: ns.example.com. h.example.com. 1 7200 900 1209600 60}]}
---
"""

SUB_ZONE = """
HostedZone: {Name: deep.example.com}
ResourceRecordSets:
  - {Name: a.deep.example.com, Type: A, TTL: 5, ResourceRecords: [{Value: 198.51.100.5}]}
"""


def _zones(text: str = ZONE.split("---")[0]):
    return compile_zones(load_zone_text(text))


ZONES = _zones()


def ask(qname: str, qtype: str, zones=ZONES, health: HealthSnapshot | None = None) -> Answer:
    return answer(Question(names.parse(qname), qtype), ClientContext("192.0.2.200"), zones,
                  health or HealthSnapshot(), random.Random(1))


def rows(section) -> list[tuple[str, str, int, tuple[str, ...]]]:
    return [(names.to_text(r.owner), r.type, r.ttl, r.record.values) for r in section]


CASES = [
    # (item, qname, qtype, rcode, aa, answer rows)
    (
        "R1",
        "WWW.EXAMPLE.COM.",
        "A",
        Rcode.NOERROR,
        True,
        [("www.example.com.", "A", 300, ("192.0.2.1",))],
    ),
    (
        "R4",
        "www.example.com",
        "A",
        Rcode.NOERROR,
        True,
        [("www.example.com.", "A", 300, ("192.0.2.1",))],
    ),
    (
        "R35 R37 apex alias, target TTL",
        "example.com",
        "A",
        Rcode.NOERROR,
        True,
        [("example.com.", "A", 300, ("192.0.2.1",))],
    ),
    ("R36 alias answers its type only", "example.com", "AAAA", Rcode.NOERROR, True, []),
    (
        "R13 CNAME not chased",
        "docs.example.com",
        "A",
        Rcode.NOERROR,
        True,
        [("docs.example.com.", "CNAME", 60, ("www.example.com",))],
    ),
    (
        "R19 wildcard one level",
        "zenith.example.com",
        "A",
        Rcode.NOERROR,
        True,
        [("zenith.example.com.", "A", 30, ("192.0.2.99",))],
    ),
    (
        "R19 wildcard three levels",
        "pinnacle.acme2.zenith.example.com",
        "A",
        Rcode.NOERROR,
        True,
        [("pinnacle.acme2.zenith.example.com.", "A", 30, ("192.0.2.99",))],
    ),
    ("R18 specific name beats wildcard", "acme.example.com", "A", Rcode.NOERROR, True, []),
    ("R19 existing name is not covered", "a.acme.example.com", "A", Rcode.NXDOMAIN, True, []),
    (
        "R19 wildcard below a deeper name",
        "q.deep.example.com",
        "TXT",
        Rcode.NOERROR,
        True,
        [("q.deep.example.com.", "TXT", 30, ('"deep"',))],
    ),
    ("R10 empty non-terminal is NODATA", "ent.example.com", "A", Rcode.NOERROR, True, []),
    (
        "R10 NXDOMAIN below a name with records",
        "y.x.ent.example.com",
        "A",
        Rcode.NXDOMAIN,
        True,
        [],
    ),
    ("R10 NODATA", "www.example.com", "TXT", Rcode.NOERROR, True, []),
    ("referral below a cut", "host.sub.example.com", "A", Rcode.NOERROR, False, []),
    ("referral at the cut", "sub.example.com", "A", Rcode.NOERROR, False, []),
    (
        "DS at the cut is the parent's",
        "sub.example.com",
        "DS",
        Rcode.NOERROR,
        True,
        [
            (
                "sub.example.com.",
                "DS",
                3600,
                ("12345 13 2 ABCDEF0123ABCDEF0123ABCDEF0123ABCDEF0123ABCDEF0123ABCDEF0123ABCD",),
            )
        ],
    ),
    ("outside every zone: REFUSED", "www.example.net", "A", Rcode.REFUSED, False, []),
    ("R20 apex never NXDOMAIN", "example.com", "TXT", Rcode.NOERROR, True, []),
]


@pytest.mark.parametrize("item,qname,qtype,rcode,aa,expected", CASES,
                         ids=[c[0] for c in CASES])
def test_answer(item, qname, qtype, rcode, aa, expected) -> None:
    got = ask(qname, qtype)
    assert (got.rcode, got.aa, rows(got.answer)) == (rcode, aa, expected), got.explain


def test_negative_answers_carry_soa_with_negative_ttl() -> None:
    """R9, R11: NXDOMAIN and NODATA carry the SOA in AUTHORITY, TTL min(900, 60) = 60."""
    for qname, qtype in (("nothere.acme.example.com", "A"), ("www.example.com", "MX")):
        got = ask(qname, qtype)
        assert rows(got.authority) == [("example.com.", "SOA", 60,
                                        ("ns.example.com. h.example.com. 1 7200 900 1209600 60",))]


def test_positive_answers_carry_zone_ns_in_authority() -> None:
    """R11: the zone's NS (the four defaults, R7) go in AUTHORITY of a positive answer."""
    got = ask("www.example.com", "A")
    (ns,) = rows(got.authority)
    assert ns[:3] == ("example.com.", "NS", 172800) and len(ns[3]) == 4


def test_cname_target_in_additional() -> None:
    """R13 decision: the in-zone target's A goes in ADDITIONAL; an out-of-zone target adds
    nothing."""
    assert rows(ask("docs.example.com", "A").additional) == [
        ("www.example.com.", "A", 300, ("192.0.2.1",))]
    assert ask("out.example.com", "A").additional == ()


def test_mx_target_in_additional() -> None:
    """R11: A/AAAA of MX targets the zone serves go in ADDITIONAL."""
    assert rows(ask("example.com", "MX").additional) == [
        ("mail.example.com.", "A", 300, ("192.0.2.25",))]


def test_referral_shape() -> None:
    """NS below the apex: no AA, the child's NS in AUTHORITY, in-zone glue in ADDITIONAL."""
    got = ask("host.sub.example.com", "A")
    assert rows(got.authority) == [("sub.example.com.", "NS", 3600, ("ns1.sub.example.com",))]
    assert rows(got.additional) == [("ns1.sub.example.com.", "A", 3600, ("192.0.2.53",))]


def test_most_specific_zone_answers() -> None:
    """R90 (public side too): deep.example.com as its own hosted zone beats example.com."""
    zones = compile_zones(_merge())
    got = ask("a.deep.example.com", "A", zones)
    assert rows(got.answer) == [("a.deep.example.com.", "A", 5, ("198.51.100.5",))]
    assert ask("other.deep.example.com", "A", zones).rcode == Rcode.NXDOMAIN


def _merge():
    from netemu.route53.model import ZoneSet
    a = load_zone_text(ZONE.split("---")[0])
    b = load_zone_text(SUB_ZONE)
    return ZoneSet(a.zones + b.zones, a.health_checks)


def test_alias_evaluate_target_health() -> None:
    """R38: with EvaluateTargetHealth the alias takes its target group's health; without it the
    alias stays healthy; an alias with its own check needs both (R38, R42)."""
    from netemu.route53.engine import make_healthy
    by_name = {r.name: r for z in ZONES.zoneset.zones for r in z.record_sets if r.type == "A"}
    down = HealthSnapshot({"hc-www": False})
    up = HealthSnapshot({"hc-www": True})
    (compiled,) = ZONES.by_id.values()
    assert make_healthy(compiled, up)(by_name["health.example.com."]) is True
    assert make_healthy(compiled, down)(by_name["health.example.com."]) is False
    assert make_healthy(compiled, down)(by_name["blind.example.com."]) is True
    assert make_healthy(compiled, down)(by_name["www.example.com."]) is True   # R42: no check
    apex_alias = by_name["example.com."]
    assert apex_alias.alias_target is not None
    assert make_healthy(compiled, down)(apex_alias) is True       # no check, no target health
    own = dataclasses.replace(apex_alias, health_check_id="hc-www")
    assert make_healthy(compiled, down)(own) is False


def test_private_zone_only_from_its_vpc() -> None:
    """R88, R90: a private zone answers only queries from an associated VPC, and a miss there is
    NXDOMAIN, never the public zone's answer."""
    private = load_zone_text("""
HostedZone: {Name: example.com, Config: {PrivateZone: true}}
VPCs: [{VPCRegion: us-east-1, VPCId: app}]
ResourceRecordSets:
  - {Name: db.example.com, Type: A, TTL: 60, ResourceRecords: [{Value: 10.0.0.5}]}
""")
    from netemu.route53.model import ZoneSet
    zones = compile_zones(ZoneSet(ZONES.zoneset.zones + private.zones))
    def q(name, vpc):
        return answer(Question(names.parse(name), "A"), ClientContext("10.0.0.9", vpc=vpc),
                      zones, HealthSnapshot(), random.Random(0))
    assert rows(q("db.example.com", "app").answer)[0][3] == ("10.0.0.5",)
    assert q("db.example.com", None).rcode == Rcode.NOERROR  # public wildcard answers
    assert rows(q("db.example.com", None).answer)[0][3] == ("192.0.2.99",)
    assert q("www.example.com", "app").rcode == Rcode.NXDOMAIN
