"""``netemu.route53``'s curated public API (issue 9): exactly these names, each the real object,
and the surface works end to end (load, compile, answer)."""

from __future__ import annotations

import random

import netemu.route53 as route53
from netemu.route53 import engine, load, lookup, model, rdata

INTENDED = {
    "ALL_HEALTHY", "AliasTarget", "Answer", "CidrCollection", "ClientContext", "CompiledZones",
    "HealthCheck", "HealthCheckConfig", "HealthSnapshot", "HostedZone", "Question", "RRsetRef",
    "Rcode", "RecordSet", "VpcAssociation", "ZoneSet", "answer", "compile_zones",
    "load_zone_files", "load_zone_text", "render_value",
}


def test_route53_exports_exactly_the_intended_names() -> None:
    assert len(route53.__all__) == len(set(route53.__all__))
    assert set(route53.__all__) == INTENDED
    namespace: dict[str, object] = {}
    exec("from netemu.route53 import *", namespace)
    assert set(namespace) - {"__builtins__"} == INTENDED


def test_route53_names_are_the_real_objects() -> None:
    assert route53.load_zone_files is load.load_zone_files
    assert route53.answer is engine.answer and route53.compile_zones is lookup.compile_zones
    assert route53.RecordSet is model.RecordSet and route53.render_value is rdata.render


def test_the_surface_answers_a_question() -> None:
    zones = route53.compile_zones(route53.load_zone_text(
        "HostedZone: {Name: api.test.}\nResourceRecordSets:\n"
        "  - {Name: www.api.test., Type: TXT, TTL: 60, "
        "ResourceRecords: [{Value: '\"ex\\344mple\"'}]}\n"))
    question = route53.Question((b"www", b"api", b"test"), "TXT")
    reply = route53.answer(question, route53.ClientContext("192.0.2.1"), zones,
                           route53.ALL_HEALTHY, random.Random(1))
    assert reply.rcode is route53.Rcode.NOERROR and len(reply.answer) == 1
    record = reply.answer[0].record
    assert route53.render_value(record.type, record.values[0]) == '"ex\\344mple"'
