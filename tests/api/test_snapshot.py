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
