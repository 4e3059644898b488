"""Real boto3 against a real ``netemu serve --api --state`` on loopback: hosted zones, change
batches, listing, GetChange, and the answers over DNS (R5, R7, R14-R16, R22-R26, R29, R96, R97)."""

from __future__ import annotations

import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.live import ApiServer, api_server

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ApiServer]:
    with api_server(tmp_path_factory.mktemp("api")) as s:
        yield s


@pytest.fixture(scope="module")
def r53(server: ApiServer) -> Any:
    return server.client()


_count = 0


def new_zone(r53: Any, name: str | None = None) -> str:
    global _count
    _count += 1
    name = name or f"zone{_count}.example"
    return str(r53.create_hosted_zone(Name=name, CallerReference=f"ref-{name}-{_count}")
               ["HostedZone"]["Id"])


def rr(name: str, rtype: str, *values: str, ttl: int = 300, **extra: Any) -> dict[str, Any]:
    out: dict[str, Any] = {"Name": name, "Type": rtype, **extra}
    if values:
        out.update(TTL=ttl, ResourceRecords=[{"Value": v} for v in values])
    return out


def change(r53: Any, zone: str, *items: tuple[str, dict[str, Any]]) -> dict[str, Any]:
    return r53.change_resource_record_sets(HostedZoneId=zone, ChangeBatch={
        "Changes": [{"Action": a, "ResourceRecordSet": r} for a, r in items]})  # type: ignore


def rrsets(r53: Any, zone: str) -> list[dict[str, Any]]:
    pages = r53.get_paginator("list_resource_record_sets").paginate(HostedZoneId=zone)
    return [r for page in pages for r in page["ResourceRecordSets"]]


def dig(server: ApiServer, name: str, rtype: str = "A") -> list[str]:
    out = subprocess.run(["dig", "@127.0.0.1", "-p", str(server.dns), name, rtype, "+short",
                          "+time=2", "+tries=1"], capture_output=True, text=True, timeout=10)
    return sorted(out.stdout.split())


def test_create_get_and_list_hosted_zones(r53: Any) -> None:  # R5, R7, R15
    made = r53.create_hosted_zone(Name="Create.Example.", CallerReference="create-1",
                                  HostedZoneConfig={"Comment": "made by boto3"})
    zone = made["HostedZone"]
    assert zone["Name"] == "create.example." and zone["ResourceRecordSetCount"] == 2
    assert zone["Id"].startswith("/hostedzone/Z")
    assert made["ChangeInfo"]["Status"] == "PENDING"
    assert made["ResponseMetadata"]["HTTPStatusCode"] == 201
    servers = made["DelegationSet"]["NameServers"]
    assert [s.rsplit(".", 1)[-1] for s in servers] == ["com", "net", "org", "uk"]
    got = r53.get_hosted_zone(Id=zone["Id"])
    assert got["HostedZone"]["Config"] == {"Comment": "made by boto3", "PrivateZone": False}
    assert got["DelegationSet"]["NameServers"] == servers
    listed = [z["Id"] for z in r53.list_hosted_zones()["HostedZones"]]
    assert zone["Id"] in listed
    by_name = r53.list_hosted_zones_by_name(DNSName="create.example")["HostedZones"]
    assert by_name[0]["Id"] == zone["Id"]
    assert r53.get_hosted_zone_count()["HostedZoneCount"] == len(listed)
    with pytest.raises(r53.exceptions.HostedZoneAlreadyExists):  # R15
        r53.create_hosted_zone(Name="other.example", CallerReference="create-1")
    with pytest.raises(r53.exceptions.NoSuchHostedZone):
        r53.get_hosted_zone(Id="ZNOTTHERE")
    with pytest.raises(r53.exceptions.InvalidDomainName):  # R14
        r53.create_hosted_zone(Name="com", CallerReference="tld")


def test_list_hosted_zones_pages(r53: Any) -> None:
    for _ in range(3):
        new_zone(r53)
    ids = [z["Id"] for page in r53.get_paginator("list_hosted_zones").paginate(
        PaginationConfig={"PageSize": 2}) for z in page["HostedZones"]]
    assert len(ids) == len(set(ids)) == r53.get_hosted_zone_count()["HostedZoneCount"]


def test_private_zone_with_vpc(r53: Any) -> None:  # R8
    made = r53.create_hosted_zone(Name="corp.internal", CallerReference="private-1",
                                  VPC={"VPCRegion": "eu-west-1", "VPCId": "vpc-1234"},
                                  HostedZoneConfig={"PrivateZone": True})
    zid = made["HostedZone"]["Id"]
    assert made["HostedZone"]["Config"]["PrivateZone"] is True
    assert made["VPC"] == {"VPCRegion": "eu-west-1", "VPCId": "vpc-1234"}
    ns = next(r for r in rrsets(r53, zid) if r["Type"] == "NS")
    assert ns["ResourceRecords"][0]["Value"] == "ns-0.awsdns-00.com."
    r53.associate_vpc_with_hosted_zone(HostedZoneId=zid,
                                       VPC={"VPCRegion": "eu-west-1", "VPCId": "vpc-5678"})
    found = r53.list_hosted_zones_by_vpc(VPCId="vpc-5678", VPCRegion="eu-west-1")
    assert [s["HostedZoneId"] for s in found["HostedZoneSummaries"]] == [zid.split("/")[-1]]
    assert len(r53.get_hosted_zone(Id=zid)["VPCs"]) == 2
    r53.disassociate_vpc_from_hosted_zone(HostedZoneId=zid,
                                          VPC={"VPCRegion": "eu-west-1", "VPCId": "vpc-1234"})
    with pytest.raises(r53.exceptions.LastVPCAssociation):
        r53.disassociate_vpc_from_hosted_zone(HostedZoneId=zid,
                                              VPC={"VPCRegion": "eu-west-1", "VPCId": "vpc-5678"})


def test_update_comment_and_tags(r53: Any) -> None:
    zid = new_zone(r53)
    r53.update_hosted_zone_comment(Id=zid, Comment="new words")
    assert r53.get_hosted_zone(Id=zid)["HostedZone"]["Config"]["Comment"] == "new words"
    short = zid.split("/")[-1]
    r53.change_tags_for_resource(ResourceType="hostedzone", ResourceId=short,
                                 AddTags=[{"Key": "team", "Value": "dns"},
                                          {"Key": "env", "Value": "test"}])
    r53.change_tags_for_resource(ResourceType="hostedzone", ResourceId=short,
                                 RemoveTagKeys=["env"])
    tags = r53.list_tags_for_resource(ResourceType="hostedzone", ResourceId=short)
    assert tags["ResourceTagSet"]["Tags"] == [{"Key": "team", "Value": "dns"}]


def test_change_is_answered_over_dns_after_insync(r53: Any, server: ApiServer) -> None:  # R96
    zid = new_zone(r53, "served.example")
    out = change(r53, zid, ("CREATE", rr("www.served.example", "A", "192.0.2.10", ttl=60)))
    assert out["ChangeInfo"]["Status"] == "PENDING"
    assert r53.get_change(Id=out["ChangeInfo"]["Id"])["ChangeInfo"]["Status"] == "INSYNC"
    assert dig(server, "www.served.example") == ["192.0.2.10"]
    change(r53, zid, ("UPSERT", rr("www.served.example", "A", "192.0.2.11", "192.0.2.12")))
    assert dig(server, "www.served.example") == ["192.0.2.11", "192.0.2.12"]
    change(r53, zid, ("DELETE", rr("www.served.example", "A", "192.0.2.11", "192.0.2.12")))
    assert dig(server, "www.served.example") == []
    with pytest.raises(r53.exceptions.NoSuchChange):
        r53.get_change(Id="CNOSUCHCHANGE")


def test_error_cases(r53: Any) -> None:  # R22, R23, R24, R25, R26
    zid = new_zone(r53, "errors.example")
    change(r53, zid, ("CREATE", rr("www.errors.example", "A", "192.0.2.1")))
    cases = [
        (("CREATE", rr("www.errors.example", "A", "192.0.2.2")),
         "[Tried to create resource record set [name='www.errors.example.', type='A'] but it "
         "already exists]"),
        (("DELETE", rr("www.errors.example", "A", "192.0.2.9")),
         "[Tried to delete resource record set [name='www.errors.example.', type='A'] but the "
         "values provided do not match the current values]"),
        (("DELETE", rr("www.errors.example", "A", "192.0.2.1", ttl=30)),
         "[Tried to delete resource record set [name='www.errors.example.', type='A'] but the "
         "values provided do not match the current values]"),
        (("CREATE", rr("errors.example", "CNAME", "www.errors.example")),
         "[RRSet of type CNAME with DNS name errors.example. is not permitted at apex in zone "
         "errors.example.]"),
        (("CREATE", rr("www.errors.example", "CNAME", "elsewhere.example")),
         "[RRSet of type CNAME with DNS name www.errors.example. is not permitted as it "
         "conflicts with other records with the same DNS name in zone errors.example.]"),
        (("CREATE", rr("foo.other.example", "A", "192.0.2.1")),
         "[RRSet with DNS name foo.other.example. is not permitted in zone errors.example.]"),
    ]
    for item, message in cases:
        with pytest.raises(r53.exceptions.InvalidChangeBatch) as info:
            change(r53, zid, item)
        assert info.value.response["Error"]["Message"] == message
        assert info.value.response["ResponseMetadata"]["HTTPStatusCode"] == 400


def test_one_bad_change_fails_the_whole_batch(r53: Any, server: ApiServer) -> None:  # R29
    zid = new_zone(r53, "batch.example")
    before = rrsets(r53, zid)
    with pytest.raises(r53.exceptions.InvalidChangeBatch) as info:
        change(r53, zid, ("CREATE", rr("a.batch.example", "A", "192.0.2.1")),
               ("CREATE", rr("b.batch.example", "A", "192.0.2.2")),
               ("DELETE", rr("nothere.batch.example", "A", "192.0.2.3")))
    assert "but it was not found" in info.value.response["Error"]["Message"]
    assert rrsets(r53, zid) == before
    assert dig(server, "a.batch.example") == []


def test_missing_set_identifier_is_invalid_input(r53: Any) -> None:  # R28
    zid = new_zone(r53)
    with pytest.raises(r53.exceptions.InvalidInput) as info:
        change(r53, zid, ("CREATE", rr("w.zone.example", "A", "192.0.2.1", Weight=5)))
    assert "SetIdentifier" in info.value.response["Error"]["Message"]


def test_delete_hosted_zone_not_empty(r53: Any) -> None:  # R16
    zid = new_zone(r53, "delete.example")
    change(r53, zid, ("CREATE", rr("x.delete.example", "TXT", '"hello"')))
    with pytest.raises(r53.exceptions.HostedZoneNotEmpty):
        r53.delete_hosted_zone(Id=zid)
    change(r53, zid, ("DELETE", rr("x.delete.example", "TXT", '"hello"')))
    assert r53.delete_hosted_zone(Id=zid)["ChangeInfo"]["Status"] == "PENDING"
    with pytest.raises(r53.exceptions.NoSuchHostedZone):
        r53.get_hosted_zone(Id=zid)


def test_file_zones_are_read_only(r53: Any, server: ApiServer) -> None:
    zone = r53.list_hosted_zones_by_name(DNSName="files.example")["HostedZones"][0]
    assert zone["Name"] == "files.example."
    with pytest.raises(r53.exceptions.InvalidInput) as info:
        change(r53, zone["Id"], ("CREATE", rr("new.files.example", "A", "192.0.2.1")))
    assert "read-only through the API" in info.value.response["Error"]["Message"]
    assert "files.yaml" in info.value.response["Error"]["Message"]
    assert dig(server, "www.files.example") == ["192.0.2.80"]


def test_policies_and_alias_through_the_api(r53: Any, server: ApiServer) -> None:  # R35, R46
    zid = new_zone(r53, "policy.example")
    short = zid.split("/")[-1]
    change(r53, zid,
           ("CREATE", rr("w.policy.example", "A", "192.0.2.1", SetIdentifier="a", Weight=1)),
           ("CREATE", rr("w.policy.example", "A", "192.0.2.2", SetIdentifier="b", Weight=0)),
           ("CREATE", rr("geo.policy.example", "A", "192.0.2.3", SetIdentifier="d",
                         GeoLocation={"CountryCode": "*"})),
           ("CREATE", {"Name": "policy.example", "Type": "A", "AliasTarget": {
               "HostedZoneId": short, "DNSName": "w.policy.example",
               "EvaluateTargetHealth": False}}))
    listed = {(r["Name"], r["Type"], r.get("SetIdentifier")): r for r in rrsets(r53, zid)}
    alias = listed[("policy.example.", "A", None)]
    assert alias["AliasTarget"] == {"HostedZoneId": short, "DNSName": "w.policy.example.",
                                    "EvaluateTargetHealth": False}
    assert listed[("w.policy.example.", "A", "b")]["Weight"] == 0
    assert dig(server, "policy.example") == ["192.0.2.1"]
    assert dig(server, "geo.policy.example") == ["192.0.2.3"]
    with pytest.raises(r53.exceptions.InvalidChangeBatch):  # DELETE of an alias target
        change(r53, zid, ("DELETE", rr("w.policy.example", "A", "192.0.2.1",
                                       SetIdentifier="a", Weight=1)),
               ("DELETE", rr("w.policy.example", "A", "192.0.2.2", SetIdentifier="b",
                             Weight=0)))


def test_list_order_escaping_and_pagination(r53: Any) -> None:  # R3, R97
    zid = new_zone(r53, "page.example")
    names = [f"h{i:04d}.page.example" for i in range(1000)]
    for start in range(0, 1000, 500):
        change(r53, zid, *[("CREATE", rr(n, "A", "192.0.2.1")) for n in names[start:start + 500]])
    change(r53, zid, ("CREATE", rr("*.page.example", "TXT", '"wild"')),
           ("CREATE", rr("a-b.page.example", "A", "192.0.2.1")),
           ("CREATE", rr("a.page.example", "A", "192.0.2.1")))
    first = r53.list_resource_record_sets(HostedZoneId=zid)
    assert len(first["ResourceRecordSets"]) == 300 and first["IsTruncated"] is True
    got = rrsets(r53, zid)
    assert len(got) == 1005
    order = [r["Name"] for r in got]
    assert order[:5] == ["page.example.", "page.example.", "\\052.page.example.",
                         "a-b.page.example.", "a.page.example."]
    assert order[5:] == [n + "." for n in names]
    page = r53.list_resource_record_sets(HostedZoneId=zid, StartRecordName="h0500.page.example",
                                         StartRecordType="A", MaxItems="2")
    assert [r["Name"] for r in page["ResourceRecordSets"]] == ["h0500.page.example.",
                                                                "h0501.page.example."]
    assert (page["NextRecordName"], page["NextRecordType"]) == ("h0502.page.example.", "A")
    with pytest.raises(r53.exceptions.InvalidInput):  # R97
        r53.list_resource_record_sets(HostedZoneId=zid, StartRecordType="A")


def test_weighted_page_boundary_uses_identifier(r53: Any) -> None:  # R97
    zid = new_zone(r53, "ident.example")
    change(r53, zid, *[("CREATE", rr("w.ident.example", "A", f"192.0.2.{i}",
                                     SetIdentifier=f"s{i}", Weight=1)) for i in range(5)])
    page = r53.list_resource_record_sets(HostedZoneId=zid, StartRecordName="w.ident.example",
                                         StartRecordType="A", MaxItems="2")
    assert page["NextRecordIdentifier"] == "s2"
    nxt = r53.list_resource_record_sets(HostedZoneId=zid, StartRecordName=page["NextRecordName"],
                                        StartRecordType="A",
                                        StartRecordIdentifier=page["NextRecordIdentifier"])
    assert [r["SetIdentifier"] for r in nxt["ResourceRecordSets"]] == ["s2", "s3", "s4"]


def test_state_survives_a_clean_restart(tmp_path: Path) -> None:
    with api_server(tmp_path) as s:
        r53 = s.client()
        zid = new_zone(r53, "restart.example")
        change(r53, zid, ("CREATE", rr("www.restart.example", "A", "192.0.2.44")))
    with api_server(tmp_path) as s:
        assert dig(s, "www.restart.example") == ["192.0.2.44"]
        assert s.client().get_hosted_zone(Id=zid)["HostedZone"]["Name"] == "restart.example."
