"""TestDNSAnswer (R98, same engine and snapshot as the wire), CIDR collections (R68-R70),
limits and quotas (R31), SigV4 with --api-credentials, through real boto3."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.api.test_boto3_zones import change, dig, rr
from tests.live import ApiServer, api_server

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ApiServer]:
    with api_server(tmp_path_factory.mktemp("more")) as s:
        yield s


@pytest.fixture(scope="module")
def r53(server: ApiServer) -> Any:
    return server.client()


def test_dns_answer_weighted_and_geolocation(r53: Any, server: ApiServer) -> None:  # R98
    zid = r53.create_hosted_zone(Name="tda.example", CallerReference="tda")["HostedZone"]["Id"]
    change(r53, zid,
           ("CREATE", rr("w.tda.example", "A", "192.0.2.1", SetIdentifier="on", Weight=10)),
           ("CREATE", rr("w.tda.example", "A", "192.0.2.2", SetIdentifier="off", Weight=0)),
           ("CREATE", rr("geo.tda.example", "A", "192.0.2.49", SetIdentifier="de",
                         GeoLocation={"CountryCode": "DE"})),
           ("CREATE", rr("geo.tda.example", "A", "192.0.2.33", SetIdentifier="fr",
                         GeoLocation={"CountryCode": "FR"})),
           ("CREATE", rr("geo.tda.example", "A", "192.0.2.99", SetIdentifier="any",
                         GeoLocation={"CountryCode": "*"})))
    for _ in range(5):
        got = r53.test_dns_answer(HostedZoneId=zid, RecordName="w.tda.example", RecordType="A")
        assert got["RecordData"] == ["192.0.2.1"] and got["ResponseCode"] == "NOERROR"
    assert got["Protocol"] == "UDP" and got["RecordName"] == "w.tda.example."

    def geo(**kw: str) -> list[str]:
        return list(r53.test_dns_answer(HostedZoneId=zid, RecordName="geo.tda.example",
                                        RecordType="A", **kw)["RecordData"])

    assert geo(ResolverIP="5.9.0.1") == ["192.0.2.49"]                       # DE resolver
    assert geo(ResolverIP="5.9.0.1", EDNS0ClientSubnetIP="62.4.0.1") == ["192.0.2.33"]  # R72
    assert geo(ResolverIP="8.8.8.8") == ["192.0.2.99"]                       # default
    # the same engine as the wire: dig with the same client subnet gets the same answer
    assert dig(server, "geo.tda.example") == geo(ResolverIP="127.0.0.1")
    missing = r53.test_dns_answer(HostedZoneId=zid, RecordName="nope.tda.example",
                                  RecordType="A")
    assert missing["ResponseCode"] == "NXDOMAIN" and missing["RecordData"] == []


def test_cidr_collections_and_ip_based_records(r53: Any, server: ApiServer) -> None:  # R68-R70
    made = r53.create_cidr_collection(Name="offices", CallerReference="cidr-1")
    cid = made["Collection"]["Id"]
    assert made["Collection"]["Version"] == 1
    r53.change_cidr_collection(Id=cid, CollectionVersion=1, Changes=[
        {"LocationName": "paris", "Action": "PUT", "CidrList": ["62.4.0.0/16"]},
        {"LocationName": "berlin", "Action": "PUT", "CidrList": ["5.9.0.0/16", "2001:db8::/48"]},
    ])
    with pytest.raises(r53.exceptions.CidrCollectionVersionMismatchException):
        r53.change_cidr_collection(Id=cid, CollectionVersion=1, Changes=[
            {"LocationName": "x", "Action": "PUT", "CidrList": ["10.0.0.0/8"]}])
    with pytest.raises(r53.exceptions.InvalidInput):  # R68: IPv4 up to /24
        r53.change_cidr_collection(Id=cid, Changes=[
            {"LocationName": "x", "Action": "PUT", "CidrList": ["10.0.0.0/25"]}])
    assert [c["Id"] for c in r53.list_cidr_collections()["CidrCollections"]] == [cid]
    locations = r53.list_cidr_locations(CollectionId=cid)["CidrLocations"]
    assert sorted(loc["LocationName"] for loc in locations) == ["berlin", "paris"]
    blocks = r53.list_cidr_blocks(CollectionId=cid, LocationName="berlin")["CidrBlocks"]
    assert [b["CidrBlock"] for b in blocks] == ["5.9.0.0/16", "2001:db8::/48"]
    zid = r53.create_hosted_zone(Name="ip.example", CallerReference="ip")["HostedZone"]["Id"]
    change(r53, zid,
           ("CREATE", rr("svc.ip.example", "A", "192.0.2.75", SetIdentifier="paris",
                         CidrRoutingConfig={"CollectionId": cid, "LocationName": "paris"})),
           ("CREATE", rr("svc.ip.example", "A", "192.0.2.1", SetIdentifier="default",
                         CidrRoutingConfig={"CollectionId": cid, "LocationName": "*"})))
    answer = r53.test_dns_answer(HostedZoneId=zid, RecordName="svc.ip.example", RecordType="A",
                                 ResolverIP="62.4.9.9")
    assert answer["RecordData"] == ["192.0.2.75"]
    with pytest.raises(r53.exceptions.CidrBlockInUseException):
        r53.change_cidr_collection(Id=cid, Changes=[
            {"LocationName": "paris", "Action": "DELETE_IF_EXISTS", "CidrList": ["62.4.0.0/16"]}])
    with pytest.raises(r53.exceptions.CidrCollectionInUseException):
        r53.delete_cidr_collection(Id=cid)
    other = r53.create_cidr_collection(Name="empty", CallerReference="cidr-2")["Collection"]["Id"]
    r53.delete_cidr_collection(Id=other)
    with pytest.raises(r53.exceptions.NoSuchCidrCollectionException):
        r53.list_cidr_locations(CollectionId=other)


def test_limits(r53: Any) -> None:  # R31
    zid = r53.create_hosted_zone(Name="limits.example", CallerReference="lim")["HostedZone"]["Id"]
    got = r53.get_hosted_zone_limit(Type="MAX_RRSETS_BY_ZONE", HostedZoneId=zid)
    assert got["Limit"] == {"Type": "MAX_RRSETS_BY_ZONE", "Value": 10000} and got["Count"] == 2
    zones = r53.get_account_limit(Type="MAX_HOSTED_ZONES_BY_OWNER")
    assert zones["Limit"]["Value"] == 500
    assert zones["Count"] == r53.get_hosted_zone_count()["HostedZoneCount"]
    assert r53.get_account_limit(Type="MAX_HEALTH_CHECKS_BY_OWNER")["Limit"]["Value"] == 200
    with pytest.raises(r53.exceptions.HostedZoneNotPrivate):
        r53.get_hosted_zone_limit(Type="MAX_VPCS_ASSOCIATED_BY_ZONE", HostedZoneId=zid)
    with pytest.raises(r53.exceptions.InvalidChangeBatch) as info:  # R31: 400 values per record
        change(r53, zid, ("CREATE", rr("many.limits.example", "TXT",
                                       *[f'"v{i}"' for i in range(401)])))
    assert "400" in info.value.response["Error"]["Message"]


def test_sigv4_with_api_credentials(tmp_path: Path) -> None:
    creds = tmp_path / "credentials"
    creds.write_text("[default]\naws_access_key_id = AKIDNETEMU\n"
                     "aws_secret_access_key = s3cr3t/key\n")
    with api_server(tmp_path, extra=("--api-credentials", str(creds))) as s:
        good = s.client(aws_access_key_id="AKIDNETEMU", aws_secret_access_key="s3cr3t/key")
        zid = good.create_hosted_zone(Name="signed.example", CallerReference="s")["HostedZone"]
        change(good, zid["Id"], ("CREATE", rr("a.signed.example", "A", "192.0.2.1")))
        assert good.list_resource_record_sets(HostedZoneId=zid["Id"],
                                              StartRecordName="a.signed.example")
        wrong = s.client(aws_access_key_id="AKIDNETEMU", aws_secret_access_key="wrong")
        with pytest.raises(wrong.exceptions.ClientError) as info:
            wrong.list_hosted_zones()
        assert info.value.response["Error"]["Code"] == "SignatureDoesNotMatch"
        assert info.value.response["ResponseMetadata"]["HTTPStatusCode"] == 403
        unknown = s.client(aws_access_key_id="AKIDOTHER", aws_secret_access_key="s3cr3t/key")
        with pytest.raises(unknown.exceptions.ClientError) as info:
            unknown.list_hosted_zones()
        assert info.value.response["Error"]["Code"] == "InvalidClientTokenId"
