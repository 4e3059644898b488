"""Traffic Flow through real boto3 against a real ``netemu serve --api`` on loopback, answered
over real ``dig +subnet`` (R120-R122): a geolocation rule over weighted rules over failover
rules, whose failover primary's health check probes a real HTTP endpoint that then dies;
malformed documents refused with InvalidTrafficPolicyDocument; versions, updates, deletion and
durability of instances."""

from __future__ import annotations

import json
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.api.test_boto3_health import Endpoint, http_check, wait_status
from tests.live import ApiServer, api_server
from tests.route53.traffic_docs import geo_weighted_failover, malformed

pytestmark = pytest.mark.slow

FR, NL, US, JP = "90.0.0.0/16", "193.0.0.0/21", "8.8.8.0/24", "1.0.16.0/24"


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ApiServer]:
    with api_server(tmp_path_factory.mktemp("traffic"), extra=("--time-scale", "0.05")) as s:
        yield s


@pytest.fixture
def endpoint() -> Iterator[Endpoint]:
    ep = Endpoint()
    try:
        yield ep
    finally:
        ep.stop()


def dig_subnet(server: ApiServer, name: str, subnet: str) -> list[str]:
    out = subprocess.run(["dig", "@127.0.0.1", "-p", str(server.dns), name, "A", "+short",
                          f"+subnet={subnet}", "+time=3", "+tries=3"],
                         capture_output=True, text=True, timeout=10, check=True)
    return out.stdout.split()


def answers(server: ApiServer, name: str, subnet: str, tries: int = 40) -> set[str]:
    """Every address real dig gets for ``name`` from clients in ``subnet`` over ``tries``
    queries (weighted answers vary; 40 queries miss a 50% member with chance 2^-40)."""
    seen: set[str] = set()
    for _ in range(tries):
        got = dig_subnet(server, name, subnet)
        assert len(got) == 1, got
        seen.update(got)
    return seen


def test_geo_over_weighted_over_failover_answers_as_the_document_says_R121_R122(
        server: ApiServer, endpoint: Endpoint) -> None:
    r53 = server.client()
    hc = r53.create_health_check(CallerReference="tf-us1",
                                 HealthCheckConfig=http_check(endpoint.port))["HealthCheck"]["Id"]
    made = r53.create_traffic_policy(Name="geo-weighted-failover", Comment="issue 18",
                                     Document=json.dumps(geo_weighted_failover(hc)))
    policy = made["TrafficPolicy"]
    assert made["ResponseMetadata"]["HTTPStatusCode"] == 201
    assert (policy["Version"], policy["Type"], policy["Comment"]) == (1, "A", "issue 18")
    zone = r53.create_hosted_zone(Name="flow.example", CallerReference="flow")["HostedZone"]["Id"]
    instance = r53.create_traffic_policy_instance(
        HostedZoneId=zone, Name="www.flow.example", TTL=60, TrafficPolicyId=policy["Id"],
        TrafficPolicyVersion=1)["TrafficPolicyInstance"]
    assert (instance["Name"], instance["State"], instance["TrafficPolicyType"]) == \
        ("www.flow.example.", "Applied", "A")
    wait_status(r53, hc, "Success")
    assert answers(server, "www.flow.example", FR) == {"192.0.2.31"}
    assert answers(server, "www.flow.example", NL) == {"192.0.2.11", "192.0.2.13"}
    assert answers(server, "www.flow.example", US) == {"192.0.2.21", "192.0.2.23"}
    assert answers(server, "www.flow.example", JP, tries=3) == {"192.0.2.99"}
    # the records the instance made carry its id (R121); the nested rules' names (R122)
    records = r53.list_resource_record_sets(HostedZoneId=zone)["ResourceRecordSets"]
    owned = [r for r in records if r.get("TrafficPolicyInstanceId") == instance["Id"]]
    assert {r["Name"] for r in owned} >= {"www.flow.example.", "pool-us._tf.www.flow.example.",
                                          "fo-us1._tf.www.flow.example."}
    assert len(owned) == 19
    endpoint.stop()   # the US pool's first primary fails its health check: its secondary
    wait_status(r53, hc, "Failure")
    deadline = time.monotonic() + 10
    while "192.0.2.21" in answers(server, "www.flow.example", US, tries=5) and \
            time.monotonic() < deadline:
        time.sleep(0.2)
    assert answers(server, "www.flow.example", US) == {"192.0.2.22", "192.0.2.23"}
    assert answers(server, "www.flow.example", NL) == {"192.0.2.11", "192.0.2.13"}
    r53.delete_traffic_policy_instance(Id=instance["Id"])
    left = r53.list_resource_record_sets(HostedZoneId=zone)["ResourceRecordSets"]
    assert {r["Type"] for r in left} == {"NS", "SOA"}
    assert dig_subnet(server, "www.flow.example", US) == []


@pytest.mark.parametrize(("case", "document", "phrase"), malformed(),
                         ids=[c for c, _, _ in malformed()])
def test_malformed_documents_are_refused_with_route53s_error_R120(
        server: ApiServer, case: str, document: Any, phrase: str) -> None:
    r53 = server.client()
    text = document if isinstance(document, str) else json.dumps(document)
    with pytest.raises(r53.exceptions.InvalidTrafficPolicyDocument) as bad:
        r53.create_traffic_policy(Name=f"bad {case}", Document=text)
    error = bad.value.response["Error"]
    assert error["Code"] == "InvalidTrafficPolicyDocument"
    assert bad.value.response["ResponseMetadata"]["HTTPStatusCode"] == 400
    assert phrase in error["Message"], (case, error["Message"])
    names = [p["Name"] for p in r53.list_traffic_policies()["TrafficPolicySummaries"]]
    assert f"bad {case}" not in names


def simple(value: str) -> str:
    return json.dumps({"AWSPolicyFormatVersion": "2015-10-01", "RecordType": "A",
                       "StartEndpoint": "only",
                       "Endpoints": {"only": {"Type": "value", "Value": value}}})


def test_versions_updates_and_refusals(server: ApiServer) -> None:
    r53 = server.client()
    policy = r53.create_traffic_policy(Name="versions", Document=simple("192.0.2.1"))
    pid = policy["TrafficPolicy"]["Id"]
    with pytest.raises(r53.exceptions.TrafficPolicyAlreadyExists):
        r53.create_traffic_policy(Name="versions", Document=simple("192.0.2.1"))
    v2 = r53.create_traffic_policy_version(Id=pid, Document=simple("192.0.2.2"),
                                           Comment="second")["TrafficPolicy"]
    assert (v2["Id"], v2["Version"], v2["Name"]) == (pid, 2, "versions")
    listed = r53.list_traffic_policy_versions(Id=pid)["TrafficPolicies"]
    assert [p["Version"] for p in listed] == [1, 2]
    summary = next(s for s in r53.list_traffic_policies()["TrafficPolicySummaries"]
                   if s["Id"] == pid)
    assert (summary["LatestVersion"], summary["TrafficPolicyCount"]) == (2, 2)
    got = r53.update_traffic_policy_comment(Id=pid, Version=1, Comment="first")
    assert r53.get_traffic_policy(Id=pid, Version=1)["TrafficPolicy"]["Comment"] == "first"
    assert got["TrafficPolicy"]["Comment"] == "first"
    zone = r53.create_hosted_zone(Name="versions.example",
                                  CallerReference="versions")["HostedZone"]["Id"]
    iid = r53.create_traffic_policy_instance(
        HostedZoneId=zone, Name="app.versions.example", TTL=30, TrafficPolicyId=pid,
        TrafficPolicyVersion=1)["TrafficPolicyInstance"]["Id"]
    assert dig_subnet(server, "app.versions.example", US) == ["192.0.2.1"]
    with pytest.raises(r53.exceptions.TrafficPolicyInUse):
        r53.delete_traffic_policy(Id=pid, Version=1)
    updated = r53.update_traffic_policy_instance(Id=iid, TTL=45, TrafficPolicyId=pid,
                                                 TrafficPolicyVersion=2)
    assert updated["TrafficPolicyInstance"]["TrafficPolicyVersion"] == 2
    assert dig_subnet(server, "app.versions.example", US) == ["192.0.2.2"]
    by_zone = r53.list_traffic_policy_instances_by_hosted_zone(HostedZoneId=zone)
    assert [i["Id"] for i in by_zone["TrafficPolicyInstances"]] == [iid]
    by_policy = r53.list_traffic_policy_instances_by_policy(TrafficPolicyId=pid,
                                                            TrafficPolicyVersion=2)
    assert [i["TTL"] for i in by_policy["TrafficPolicyInstances"]] == [45]
    assert iid in [i["Id"] for i in r53.list_traffic_policy_instances()[
        "TrafficPolicyInstances"]]
    r53.delete_traffic_policy(Id=pid, Version=1)    # no longer in use
    with pytest.raises(r53.exceptions.NoSuchTrafficPolicy):
        r53.get_traffic_policy(Id=pid, Version=1)
    aaaa = json.dumps({"AWSPolicyFormatVersion": "2015-10-01", "RecordType": "AAAA",
                       "StartEndpoint": "v6",
                       "Endpoints": {"v6": {"Type": "value", "Value": "2001:db8::1"}}})
    v3 = r53.create_traffic_policy_version(Id=pid, Document=aaaa)["TrafficPolicy"]["Version"]
    with pytest.raises(r53.exceptions.ConflictingTypes):
        r53.update_traffic_policy_instance(Id=iid, TTL=45, TrafficPolicyId=pid,
                                           TrafficPolicyVersion=v3)
    with pytest.raises(r53.exceptions.NoSuchTrafficPolicyInstance):
        r53.get_traffic_policy_instance(Id="no-such-instance")
    r53.delete_traffic_policy_instance(Id=iid)
    assert dig_subnet(server, "app.versions.example", US) == []


def test_instances_survive_a_restart(tmp_path: Path) -> None:
    with api_server(tmp_path) as s:
        r53 = s.client()
        pid = r53.create_traffic_policy(Name="durable",
                                        Document=simple("192.0.2.7"))["TrafficPolicy"]["Id"]
        zone = r53.create_hosted_zone(Name="durable.example",
                                      CallerReference="durable")["HostedZone"]["Id"]
        iid = r53.create_traffic_policy_instance(
            HostedZoneId=zone, Name="www.durable.example", TTL=60, TrafficPolicyId=pid,
            TrafficPolicyVersion=1)["TrafficPolicyInstance"]["Id"]
    with api_server(tmp_path) as s:
        r53 = s.client()
        assert r53.get_traffic_policy_instance(Id=iid)["TrafficPolicyInstance"]["TTL"] == 60
        assert r53.get_traffic_policy(Id=pid, Version=1)["TrafficPolicy"]["Name"] == "durable"
        assert dig_subnet(s, "www.durable.example", US) == ["192.0.2.7"]
        r53.delete_traffic_policy_instance(Id=iid)
        assert r53.get_traffic_policy_instance_count()["TrafficPolicyInstanceCount"] == 0


def test_instances_whose_records_break_a_record_rule_are_refused_R121(
        server: ApiServer) -> None:
    r53 = server.client()
    zone = r53.create_hosted_zone(Name="refuse.example",
                                  CallerReference="refuse")["HostedZone"]["Id"]
    pid = r53.create_traffic_policy(Name="refuse-simple",
                                    Document=simple("192.0.2.8"))["TrafficPolicy"]["Id"]
    with pytest.raises(r53.exceptions.InvalidInput) as outside:
        r53.create_traffic_policy_instance(HostedZoneId=zone, Name="www.elsewhere.example",
                                           TTL=60, TrafficPolicyId=pid, TrafficPolicyVersion=1)
    assert "www.elsewhere.example" in outside.value.response["Error"]["Message"]
    checked = geo_weighted_failover("no-such-check")
    cid = r53.create_traffic_policy(Name="refuse-check",
                                    Document=json.dumps(checked))["TrafficPolicy"]["Id"]
    with pytest.raises(r53.exceptions.NoSuchHealthCheck):
        r53.create_traffic_policy_instance(HostedZoneId=zone, Name="www.refuse.example",
                                           TTL=60, TrafficPolicyId=cid, TrafficPolicyVersion=1)
    with pytest.raises(r53.exceptions.NoSuchTrafficPolicy):
        r53.create_traffic_policy_instance(HostedZoneId=zone, Name="www.refuse.example",
                                           TTL=60, TrafficPolicyId=pid, TrafficPolicyVersion=9)
    # nothing of the refused instances was created
    records = r53.list_resource_record_sets(HostedZoneId=zone)["ResourceRecordSets"]
    assert {r["Type"] for r in records} == {"NS", "SOA"}
    assert r53.list_traffic_policy_instances_by_hosted_zone(
        HostedZoneId=zone)["TrafficPolicyInstances"] == []


def test_lists_page_with_route53s_markers(server: ApiServer) -> None:
    r53 = server.client()
    for n in range(3):
        r53.create_traffic_policy(Name=f"paged-{n}", Document=simple(f"192.0.2.{50 + n}"))
    ids: list[str] = []
    marker: dict[str, str] = {}
    while True:
        page = r53.list_traffic_policies(MaxItems="2", **marker)
        assert page["MaxItems"] == "2" and len(page["TrafficPolicySummaries"]) <= 2
        ids += [s["Id"] for s in page["TrafficPolicySummaries"]]
        if not page["IsTruncated"]:
            break
        marker = {"TrafficPolicyIdMarker": page["TrafficPolicyIdMarker"]}
    assert ids == sorted(ids) and len(ids) == len(set(ids))
    names = {s["Name"] for s in r53.list_traffic_policies()["TrafficPolicySummaries"]}
    assert {"paged-0", "paged-1", "paged-2"} <= names
    assert len(ids) == len(names)
