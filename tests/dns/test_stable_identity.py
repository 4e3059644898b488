"""Issue 9: the compiled tables are keyed by what a user names (hosted zone, record name, type,
set identifier) or by what the bytes depend on (type, TTL, values), never by ``id()`` of record
objects. The coming Route 53 API rebuilds record sets through change batches: a snapshot rebuilt
from equal copies must answer exactly as the original, also when it reuses parts (the packed
RDATA) of the earlier snapshot."""

from __future__ import annotations

import dataclasses
import random

import dns.message

from netemu.dns import codec
from netemu.dns.handler import Serving, build_serving, handle
from netemu.route53 import engine
from netemu.route53.health import HealthSnapshot
from netemu.route53.load import load_zone_files
from netemu.route53.lookup import compile_zones
from netemu.route53.model import ZoneSet
from tests.helpers import ROOT

ORIGINAL = load_zone_files([ROOT / "zones"])
PEER = ("192.0.2.1", 4242)


def copied(zoneset: ZoneSet) -> ZoneSet:
    """Equal content, every hosted zone and record set a new object (as a change batch makes)."""
    zones = tuple(dataclasses.replace(z, record_sets=tuple(dataclasses.replace(r)
                                                           for r in z.record_sets))
                  for z in zoneset.zones)
    return dataclasses.replace(zoneset, zones=zones)


def questions(zoneset: ZoneSet) -> list[tuple[str, str]]:
    """Every (name, type) of the shipped zones, plus a few misses."""
    asked = {(r.name.replace("\\052", "any"), r.type) for z in zoneset.zones
             for r in z.record_sets}
    return sorted(asked) + [("nothere.example.com.", "A"), ("www.example.com.", "TXT")]


def replies(serving: Serving) -> list[bytes]:
    out = []
    for name, rtype in questions(ORIGINAL):
        query = dns.message.make_query(name, rtype, use_edns=0)
        query.id = 4321
        reply = handle(query.to_wire(), PEER, serving, random.Random(9))
        assert reply is not None
        out.append(reply)
    return out


def test_copies_are_equal_but_not_the_same_objects() -> None:
    copy = copied(ORIGINAL)
    assert copy == ORIGINAL
    assert all(a is not b for za, zb in zip(ORIGINAL.zones, copy.zones, strict=True)
               for a, b in zip(za.record_sets, zb.record_sets, strict=True))


def test_rebuilt_snapshot_reusing_packed_rdata_answers_identically() -> None:
    original = build_serving(ORIGINAL)
    copy = copied(ORIGINAL)
    rebuilt = Serving(copy, compile_zones(copy), original.wire)   # reuses the packed parts
    want = replies(original)
    assert sum(1 for r in want if r[3] & 0xF == 0 and r[6:8] != b"\0\0") > 20  # real answers
    assert replies(rebuilt) == want


def test_compile_reuses_an_earlier_snapshots_packing() -> None:
    first = codec.compile(ORIGINAL)
    again = codec.compile(copied(ORIGINAL), reuse=first)
    assert again == first
    assert all(again.rdata[k] is first.rdata[k] for k in first.rdata)


def test_health_of_a_rebuilt_alias_record() -> None:
    """make_healthy finds an alias's target group from an equal copy of the alias record."""
    zoneset = load_zone_files([ROOT / "zones"])
    compiled = compile_zones(zoneset)
    aliases = [(z.id, r) for z in zoneset.zones for r in z.record_sets
               if r.alias_target is not None and r.alias_target.evaluate_target_health]
    assert aliases, "the shipped zones have an alias with EvaluateTargetHealth"
    for zone_id, alias in aliases:
        zone = compiled.by_id[zone_id]
        healthy = engine.make_healthy(zone, HealthSnapshot({}))
        assert healthy(dataclasses.replace(alias)) == healthy(alias) is True
