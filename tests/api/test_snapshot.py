"""The incremental snapshot answers exactly like a full compile, and reuses unchanged zones."""

from __future__ import annotations

import random

from netemu.api.snapshot import SnapshotBuilder
from netemu.dns.handler import build_serving
from netemu.route53 import changes, engine, names
from netemu.route53.answer import Question
from netemu.route53.client import ClientContext
from netemu.route53.model import ZoneSet


def rr(name: str, rtype: str, value: str, **extra: object) -> dict[str, object]:
    return {"Name": name, "Type": rtype, "TTL": 60, "ResourceRecords": [{"Value": value}],
            **extra}


def make() -> ZoneSet:
    zs = ZoneSet()
    for z in range(3):
        zid = f"ZSNAP{z}"
        zs, _ = changes.create_zone(zs, zid, f"z{z}.snap.example", f"r{z}")
        zs = changes.apply_change_batch(zs, zid, changes.read_changes([
            {"Action": "CREATE", "ResourceRecordSet": rr(f"www.z{z}.snap.example", "A",
                                                         f"192.0.2.{z}")},
            {"Action": "CREATE", "ResourceRecordSet": rr(f"mx.z{z}.snap.example", "MX",
                                                         f"10 www.z{z}.snap.example")},
            {"Action": "CREATE", "ResourceRecordSet": {
                "Name": f"z{z}.snap.example", "Type": "A", "AliasTarget": {
                    "HostedZoneId": zid, "DNSName": f"www.z{z}.snap.example",
                    "EvaluateTargetHealth": True}}}]))
    return zs


def answers(serving: object, zs: ZoneSet) -> list[object]:
    out = []
    for z in range(3):
        for name, rtype in ((f"www.z{z}.snap.example", "A"), (f"z{z}.snap.example", "A"),
                            (f"mx.z{z}.snap.example", "MX"), (f"no.z{z}.snap.example", "A")):
            a = engine.answer(Question(names.parse(name), rtype), ClientContext("127.0.0.1"),
                              serving.zones, serving.health, random.Random(1))  # type: ignore
            out.append((a.rcode, [(r.owner, r.type, r.ttl, r.record.values) for r in a.answer],
                        [(r.owner, r.type) for r in a.additional]))
    return out


def test_incremental_equals_full_and_reuses_unchanged_zones() -> None:
    zs = make()
    builder = SnapshotBuilder()
    first = builder.build(zs)
    assert answers(first, zs) == answers(build_serving(zs), zs)
    kept = builder.parts["ZSNAP1"]
    zs2 = changes.apply_change_batch(zs, "ZSNAP0", changes.read_changes([
        {"Action": "UPSERT", "ResourceRecordSet": rr("www.z0.snap.example", "A", "192.0.2.99")}]))
    second = builder.build(zs2)
    assert builder.parts["ZSNAP1"].compiled is kept.compiled   # unchanged zone: not recompiled
    assert builder.parts["ZSNAP0"].zone is zs2.zones[0]
    assert answers(second, zs2) == answers(build_serving(zs2), zs2)
    www = [a for a in answers(second, zs2)][0]
    assert www[1][0][3] == ("192.0.2.99",)
    # every packed value of the incremental snapshot is the full compile's
    full = build_serving(zs2)
    assert sorted(second.wire.rdata.values()) == sorted(full.wire.rdata.values())


def test_changed_zone_recompiles_only_changed_names() -> None:
    zs = make()
    builder = SnapshotBuilder()
    builder.build(zs)
    before = builder.parts["ZSNAP0"].compiled
    zs2 = changes.apply_change_batch(zs, "ZSNAP0", changes.read_changes([
        {"Action": "UPSERT", "ResourceRecordSet": rr("www.z0.snap.example", "A", "192.0.2.98")},
        {"Action": "CREATE", "ResourceRecordSet": rr("new.deep.z0.snap.example", "A",
                                                     "192.0.2.97")}]))
    after = builder.build(zs2)
    compiled = builder.parts["ZSNAP0"].compiled
    mx = names.parse("mx.z0.snap.example")
    www = names.parse("www.z0.snap.example")
    assert compiled.nodes[mx] is before.nodes[mx]          # untouched name: the same Node
    assert compiled.nodes[www] is not before.nodes[www]
    assert names.parse("deep.z0.snap.example") in compiled.existing   # R10: new empty non-terminal
    assert answers(after, zs2) == answers(build_serving(zs2), zs2)   # the alias sees the change
    full = build_serving(zs2).zones.by_id["ZSNAP0"]
    assert compiled.existing == full.existing and compiled.cuts == full.cuts
    assert compiled.refs.keys() == full.refs.keys() and compiled.targets == full.targets
    assert compiled.alias_groups.keys() == full.alias_groups.keys()


def test_deleting_a_name_removes_its_empty_non_terminal() -> None:  # R10
    zs = make()
    builder = SnapshotBuilder()
    zs = changes.apply_change_batch(zs, "ZSNAP0", changes.read_changes([
        {"Action": "CREATE", "ResourceRecordSet": rr("a.b.z0.snap.example", "A", "192.0.2.5")}]))
    builder.build(zs)
    assert names.parse("b.z0.snap.example") in builder.parts["ZSNAP0"].compiled.existing
    zs = changes.apply_change_batch(zs, "ZSNAP0", changes.read_changes([
        {"Action": "DELETE", "ResourceRecordSet": rr("a.b.z0.snap.example", "A", "192.0.2.5")}]))
    after = builder.build(zs)
    assert names.parse("b.z0.snap.example") not in builder.parts["ZSNAP0"].compiled.existing
    assert answers(after, zs) == answers(build_serving(zs), zs)
