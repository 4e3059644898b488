"""Traffic policy documents, pure (R120-R123): validation with Route 53's error code, and the
record sets an instance of a geolocation-over-weighted-over-failover document creates, answered
by the engine as the document says."""

from __future__ import annotations

import json
import random
from pathlib import Path
from typing import Any

import pytest

from netemu.errors import LoadError
from netemu.route53 import engine, load, names, traffic
from netemu.route53.answer import Question
from netemu.route53.client import ClientContext
from netemu.route53.geo import default_locator
from netemu.route53.health import HealthSnapshot
from netemu.route53.lookup import CompiledZones, compile_zones
from netemu.route53.model import (
    AliasTarget,
    Coordinates,
    GeoProximityLocation,
    RecordSet,
)
from tests.route53.traffic_docs import geo_weighted_failover, malformed


def test_nested_rules_become_intermediate_names_R121_R122() -> None:
    doc = traffic.read_document(geo_weighted_failover("hc-us"))
    records = traffic.expand(doc, "www.example.com.", 60)
    by_name: dict[str, list[RecordSet]] = {}
    for rec in records:
        by_name.setdefault(rec.name, []).append(rec)
    top = by_name["www.example.com."]
    assert [(r.geo_location.country_code if r.geo_location else None) for r in top] == \
        ["FR", None, "US", "*"]
    assert top[0].alias_target is not None
    assert top[0].alias_target.dns_name == "pool-fr._tf.www.example.com."
    assert top[0].alias_target.evaluate_target_health is True
    assert top[3].values == ("192.0.2.99",) and top[3].ttl == 60
    pool = by_name["pool-us._tf.www.example.com."]
    assert [(r.weight, r.alias_target.dns_name if r.alias_target else "") for r in pool] == \
        [(1, "fo-us1._tf.www.example.com."), (1, "fo-us2._tf.www.example.com.")]
    failover = by_name["fo-us1._tf.www.example.com."]
    assert [(r.failover, r.values, r.health_check_id, r.set_identifier) for r in failover] == [
        ("PRIMARY", ("192.0.2.21",), "hc-us", "fo-us1-primary"),
        ("SECONDARY", ("192.0.2.22",), None, "fo-us1-secondary")]
    assert len(records) == 4 + 1 + 2 + 2 + 2 * 5


@pytest.mark.parametrize(("case", "document", "phrase"), malformed(),
                         ids=[c for c, _, _ in malformed()])
def test_malformed_documents_are_refused_R120(case: str, document: Any, phrase: str) -> None:
    text = document if isinstance(document, str) else json.dumps(document)
    with pytest.raises(traffic.InvalidDocument) as bad:
        traffic.parse_document(text)
    assert any(phrase in m for m in bad.value.messages), (case, bad.value.messages)


def test_every_problem_is_reported_at_once_R120() -> None:
    doc = geo_weighted_failover()
    doc["Rules"]["pool-us"]["RuleType"] = "roundrobin"
    del doc["Rules"]["fo-eu1"]["Secondary"]
    doc["Rules"]["fo-eu2"]["Primary"]["EndpointReference"] = "nowhere"
    with pytest.raises(traffic.InvalidDocument) as bad:
        traffic.read_document(doc)
    text = " | ".join(bad.value.messages)
    assert "roundrobin" in text and "requires Secondary" in text and "'nowhere'" in text
    # a rule refused for its own fault is still declared: no second error for its reference
    assert "references the rule 'pool-us'" not in text


def test_start_endpoint_is_one_plain_record_R121() -> None:
    doc = traffic.read_document({"AWSPolicyFormatVersion": "2023-05-09", "RecordType": "CNAME",
                                 "StartEndpoint": "site",
                                 "Endpoints": {"site": {"Type": "value",
                                                        "Value": "origin.example.net"}}})
    assert traffic.expand(doc, "www.example.com.", 30) == (
        RecordSet("www.example.com.", "CNAME", ttl=30, values=("origin.example.net",)),)


def test_multivalue_rule_routes_to_value_endpoints_only_R120() -> None:
    doc = {"AWSPolicyFormatVersion": "2015-10-01", "RecordType": "A", "StartRule": "mv",
           "Endpoints": {"a": {"Type": "value", "Value": "192.0.2.1"},
                         "lb": {"Type": "application-load-balancer",
                                "Value": "lb-1.us-east-1.elb.amazonaws.com"}},
           "Rules": {"mv": {"RuleType": "multivalue", "Items": [
               {"EndpointReference": "a"}, {"EndpointReference": "lb"}]}}}
    with pytest.raises(traffic.InvalidDocument, match="value only, not to 'lb'"):
        traffic.read_document(doc)


def _answers(zones: CompiledZones, subnet: str, health: HealthSnapshot,
             tries: int = 60) -> set[str]:
    """Every address the engine answers for www.example.com A to ``subnet``'s clients."""
    address, prefix = subnet.split("/")
    client = ClientContext("127.0.0.1", (address, int(prefix)), None, default_locator())
    rng = random.Random(7)
    seen: set[str] = set()
    for _ in range(tries):
        got = engine.answer(Question(names.parse("www.example.com."), "A"), client, zones,
                            health, rng)
        seen.update(v for ref in got.answer for v in ref.record.values)
    return seen


def test_the_engine_answers_an_instance_as_the_document_says_R121() -> None:
    zone = load.load_zone_text(
        "HostedZone: {Name: example.com.}\n"
        "HealthChecks: [{Id: hc-us, HealthCheckConfig: {Type: HTTP, IPAddress: 127.0.0.1, "
        "Port: 9, RequestInterval: 10, FailureThreshold: 1}}]\n"
        "TrafficPolicyInstances:\n"
        f"  - {{Name: www.example.com., TTL: 60, Document: "
        f"{json.dumps(geo_weighted_failover('hc-us'))}}}\n")
    zones = compile_zones(zone)
    up, down = HealthSnapshot({"hc-us": True}), HealthSnapshot({"hc-us": False})
    assert _answers(zones, "90.0.0.0/16", up) == {"192.0.2.31"}                 # FR
    assert _answers(zones, "193.0.0.0/21", up) == {"192.0.2.11", "192.0.2.13"}  # NL: EU pool
    assert _answers(zones, "8.8.8.0/24", up) == {"192.0.2.21", "192.0.2.23"}    # US pool
    assert _answers(zones, "1.0.16.0/24", up) == {"192.0.2.99"}                 # JP: default
    assert _answers(zones, "8.8.8.0/24", down) == {"192.0.2.22", "192.0.2.23"}  # failover


def test_zone_file_names_a_document_file_beside_it_R123(tmp_path: Path) -> None:
    (tmp_path / "www-policy.json").write_text(json.dumps(geo_weighted_failover()))
    (tmp_path / "example.yaml").write_text(
        "HostedZone: {Name: example.com.}\n"
        "TrafficPolicyInstances:\n"
        "  - {Name: www.example.com., TTL: 60, Document: www-policy.json}\n")
    # the folder holds both: the document is not read as a zone file
    zoneset = load.load_zone_files([tmp_path])
    zone = zoneset.zones[0]
    owned = {r.name for r in zone.record_sets if r.type == "A"}
    assert owned == {"www.example.com.", "pool-fr._tf.www.example.com.",
                     "pool-eu._tf.www.example.com.", "pool-us._tf.www.example.com.",
                     "fo-fr._tf.www.example.com.", "fo-eu1._tf.www.example.com.",
                     "fo-eu2._tf.www.example.com.", "fo-us1._tf.www.example.com.",
                     "fo-us2._tf.www.example.com."}


def test_a_bad_document_file_names_the_file_and_the_rule_R123(tmp_path: Path) -> None:
    doc = geo_weighted_failover()
    doc["Rules"]["fo-us2"].pop("Primary")
    (tmp_path / "www-policy.json").write_text(json.dumps(doc))
    zone = tmp_path / "example.yaml"
    zone.write_text("HostedZone: {Name: example.com.}\n"
                    "TrafficPolicyInstances:\n"
                    "  - {Name: www.example.com., TTL: 60, Document: www-policy.json}\n")
    with pytest.raises(LoadError) as bad:
        load.load_zone_files([zone])
    problems = [(p.file, p.item, p.code, p.message) for p in bad.value.problems]
    assert (str(zone), "TrafficPolicyInstances[0].Document", "InvalidTrafficPolicyDocument",
            "Rule 'fo-us2': a failover rule requires Primary") in problems
    # checked also as a file of the folder
    with pytest.raises(LoadError) as again:
        load.load_zone_files([tmp_path])
    assert any(p.file == str(tmp_path / "www-policy.json") for p in again.value.problems)
    (tmp_path / "www-policy.json").unlink()
    with pytest.raises(LoadError) as missing:
        load.load_zone_files([zone])
    assert missing.value.problems[0].code == "FileError"
    assert "www-policy.json" in missing.value.problems[0].message


def test_latency_geoproximity_and_multivalue_rules_R121() -> None:
    def ep(value: str) -> dict[str, str]:
        return {"Type": "value", "Value": value}

    doc = traffic.read_document({
        "AWSPolicyFormatVersion": "2023-05-09", "RecordType": "A", "StartRule": "near",
        "Endpoints": {"a": ep("192.0.2.1"), "b": ep("192.0.2.2"), "c": ep("192.0.2.3")},
        "Rules": {
            "near": {"RuleType": "latency", "Regions": [
                {"Region": "us-east-1", "RuleReference": "prox"},
                {"Region": "eu-west-1", "RuleReference": "many", "EvaluateTargetHealth": "false"}]},
            "prox": {"RuleType": "geoproximity", "GeoproximityLocations": [
                {"Region": "aws:route53:us-east-1", "Bias": "25", "EndpointReference": "a"},
                {"Latitude": "48.85", "Longitude": "2.35", "EndpointReference": "b"},
                {"Region": "aws:route53:us-west-2-lax-1", "EndpointReference": "c"}]},
            "many": {"RuleType": "multivalue", "Items": [
                {"EndpointReference": "a", "HealthCheck": "hc-a"}, {"EndpointReference": "b"}]},
        }})
    records = traffic.expand(doc, "app.example.com.", 10)
    top = [r for r in records if r.name == "app.example.com."]
    assert [(r.region, r.alias_target) for r in top] == [
        ("us-east-1", AliasTarget("prox._tf.app.example.com.", True)),
        ("eu-west-1", AliasTarget("many._tf.app.example.com.", False))]
    prox = [r.geo_proximity_location for r in records if r.name.startswith("prox.")]
    assert prox == [GeoProximityLocation(aws_region="us-east-1", bias=25),
                    GeoProximityLocation(coordinates=Coordinates(48.85, 2.35)),
                    GeoProximityLocation(local_zone_group="us-west-2-lax-1")]
    many = [(r.multi_value_answer, r.values, r.health_check_id)
            for r in records if r.name.startswith("many.")]
    assert many == [(True, ("192.0.2.1",), "hc-a"), (True, ("192.0.2.2",), None)]


def test_aws_resource_endpoints_become_aliases_R121() -> None:
    doc = traffic.read_document({
        "AWSPolicyFormatVersion": "2015-10-01", "RecordType": "A", "StartEndpoint": "lb",
        "Endpoints": {"lb": {"Type": "elastic-load-balancer",
                             "Value": "LB-1.us-east-1.elb.amazonaws.com"}}})
    (rec,) = traffic.expand(doc, "www.example.com.", 60)
    assert rec.alias_target == AliasTarget("lb-1.us-east-1.elb.amazonaws.com.", False,
                                           "aws:elb")
    with pytest.raises(traffic.InvalidDocument, match="needs RecordType A or AAAA, not TXT"):
        traffic.read_document({"AWSPolicyFormatVersion": "2015-10-01", "RecordType": "TXT",
                               "StartEndpoint": "cdn", "Endpoints": {"cdn": {
                                   "Type": "cloudfront", "Value": "d1.cloudfront.net"}}})
