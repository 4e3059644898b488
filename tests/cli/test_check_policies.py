"""``netemu check`` refuses every routing-policy rule with the record named (R24-R71).

Each case is a zone file written to tmp_path, checked by the real command line: exit 1, the
problem line names the file, the record set (``name type [set-identifier]``) and the AWS code,
and no traceback.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.helpers import run_netemu

pytestmark = pytest.mark.slow  # starts a server or a subprocess

HEAD = "HostedZone: {Name: bad.test.}\n"
A = "TTL: 60, ResourceRecords: [{Value: 192.0.2.1}]"


def zone(records: list[str], extra: str = "", private: bool = False) -> str:
    head = HEAD
    if private:
        head = ("HostedZone: {Name: bad.test., Config: {PrivateZone: true}}\n"
                "VPCs: [{VPCRegion: us-east-1, VPCId: app}]\n")
    return head + extra + "ResourceRecordSets:\n" + "".join(f"  - {{{r}}}\n" for r in records)


OFFICES = ("CidrCollections:\n"
           "  - Id: offices\n"
           "    Locations:\n"
           "      - {LocationName: lab, CidrList: [10.1.2.0/24]}\n"
           "      - {LocationName: tiny, CidrList: [10.9.9.0/25]}\n"
           "      - {LocationName: tiny6, CidrList: ['2001:db8::/56']}\n")


def ip(ident: str, location: str, collection: str = "offices") -> str:
    return (f"Name: www.bad.test., Type: A, SetIdentifier: {ident}, CidrRoutingConfig: "
            f"{{CollectionId: {collection}, LocationName: '{location}'}}, {A}")


CASES = [
    (
        "R46 weight above 255",
        zone([f"Name: www.bad.test., Type: A, SetIdentifier: a, Weight: 256, {A}"]),
        "www.bad.test. A [a]",
        "InvalidInput",
        "less than or equal to 255",
    ),
    (
        "R46 negative weight",
        zone([f"Name: www.bad.test., Type: A, SetIdentifier: a, Weight: -1, {A}"]),
        "www.bad.test. A [a]",
        "InvalidInput",
        "greater than or equal to 0",
    ),
    (
        "R28 SetIdentifier required",
        zone([f"Name: www.bad.test., Type: A, Weight: 5, {A}"]),
        "www.bad.test. A",
        "InvalidInput",
        "Missing field 'SetIdentifier'",
    ),
    (
        "R24 SetIdentifier unique",
        zone(
            [
                f"Name: www.bad.test., Type: A, SetIdentifier: a, Weight: 5, {A}",
                f"Name: www.bad.test., Type: A, SetIdentifier: a, Weight: 6, {A}",
            ]
        ),
        "www.bad.test. A [a]",
        "InvalidChangeBatch",
        "set-identifier='a'] but it already exists",
    ),
    (
        "R32 one policy per name and type",
        zone(
            [
                f"Name: www.bad.test., Type: A, SetIdentifier: a, Weight: 5, {A}",
                f"Name: www.bad.test., Type: A, SetIdentifier: b, Region: us-east-1, {A}",
            ]
        ),
        "www.bad.test. A [b]",
        "InvalidChangeBatch",
        "cannot be created as a non-latency set exists with the same name and type",
    ),
    (
        "R63 one record per geolocation location",
        zone(
            [
                f"Name: www.bad.test., Type: A, SetIdentifier: a, GeoLocation: "
                f"{{CountryCode: FR}}, {A}",
                f"Name: www.bad.test., Type: A, SetIdentifier: b, GeoLocation: "
                f"{{CountryCode: FR}}, {A}",
            ]
        ),
        "www.bad.test. A [b]",
        "InvalidChangeBatch",
        "already uses location CountryCode=FR",
    ),
    (
        "R56 one latency record per Region",
        zone(
            [
                f"Name: www.bad.test., Type: A, SetIdentifier: a, Region: eu-west-1, {A}",
                f"Name: www.bad.test., Type: A, SetIdentifier: b, Region: eu-west-1, {A}",
            ]
        ),
        "www.bad.test. A [b]",
        "InvalidChangeBatch",
        "already uses Region eu-west-1",
    ),
    (
        "R56 Region from Route 53's list",
        zone([f"Name: www.bad.test., Type: A, SetIdentifier: a, Region: eu-west-9, {A}"]),
        "www.bad.test. A [a]",
        "InvalidInput",
        "Member must satisfy enum value set",
    ),
    (
        "R59 continent code valid",
        zone(
            [
                f"Name: www.bad.test., Type: A, SetIdentifier: a, GeoLocation: "
                f"{{ContinentCode: XX}}, {A}"
            ]
        ),
        "www.bad.test. A [a]",
        "NoSuchGeoLocation",
        "ContinentCode=XX",
    ),
    (
        "R59 country code valid",
        zone(
            [
                f"Name: www.bad.test., Type: A, SetIdentifier: a, GeoLocation: "
                f"{{CountryCode: QQ}}, {A}"
            ]
        ),
        "www.bad.test. A [a]",
        "NoSuchGeoLocation",
        "CountryCode=QQ",
    ),
    (
        "R59 subdivision code valid",
        zone(
            [
                f"Name: www.bad.test., Type: A, SetIdentifier: a, GeoLocation: "
                f"{{CountryCode: US, SubdivisionCode: ZZ}}, {A}"
            ]
        ),
        "www.bad.test. A [a]",
        "NoSuchGeoLocation",
        "SubdivisionCode=ZZ",
    ),
    (
        "R59 subdivision only with US",
        zone(
            [
                f"Name: www.bad.test., Type: A, SetIdentifier: a, GeoLocation: "
                f"{{CountryCode: FR, SubdivisionCode: WA}}, {A}"
            ]
        ),
        "www.bad.test. A [a]",
        "InvalidInput",
        "SubdivisionCode requires CountryCode US",
    ),
    (
        "R59 continent with country",
        zone(
            [
                f"Name: www.bad.test., Type: A, SetIdentifier: a, GeoLocation: "
                f"{{ContinentCode: EU, CountryCode: FR}}, {A}"
            ]
        ),
        "www.bad.test. A [a]",
        "InvalidInput",
        "ContinentCode can't be combined",
    ),
    (
        "R68 CIDR collection exists",
        zone([ip("a", "lab", "nope")], OFFICES),
        "www.bad.test. A [a]",
        "NoSuchCidrCollectionException",
        "nope",
    ),
    (
        "R68 CIDR location exists",
        zone([ip("a", "mars")], OFFICES),
        "www.bad.test. A [a]",
        "NoSuchCidrLocationException",
        "mars",
    ),
    (
        "R68 IPv4 CIDR prefix at most /24",
        zone([ip("a", "tiny")], OFFICES),
        "www.bad.test. A [a]",
        "InvalidInput",
        "10.9.9.0/25",
    ),
    (
        "R68 IPv6 CIDR prefix at most /48",
        zone([ip("a", "tiny6")], OFFICES),
        "www.bad.test. A [a]",
        "InvalidInput",
        "2001:db8::/56",
    ),
    (
        "R70 one CIDR collection per name and type",
        zone(
            [ip("a", "lab"), ip("b", "x", "second")],
            OFFICES
            + "  - Id: second\n    Locations: [{LocationName: x, CidrList: [10.7.0.0/16]}]\n",
        ),
        "www.bad.test. A [b]",
        "InvalidChangeBatch",
        "same CIDR collection",
    ),
    (
        "R70 IP-based not in private zones",
        zone([ip("a", "lab")], OFFICES, private=True),
        "www.bad.test. A [a]",
        "InvalidInput",
        "private hosted zones",
    ),
    (
        "R65 geoproximity needs exactly one location",
        zone(
            [
                f"Name: www.bad.test., Type: A, SetIdentifier: a, GeoProximityLocation: "
                f"{{AWSRegion: us-east-1, Coordinates: {{Latitude: '1', Longitude: '2'}}}}, {A}"
            ]
        ),
        "www.bad.test. A [a]",
        "InvalidInput",
        "exactly one of",
    ),
    (
        "R51 two PRIMARY failover records",
        zone(
            [
                f"Name: www.bad.test., Type: A, SetIdentifier: a, Failover: PRIMARY, {A}",
                f"Name: www.bad.test., Type: A, SetIdentifier: b, Failover: PRIMARY, {A}",
            ]
        ),
        "www.bad.test. A [b]",
        "InvalidChangeBatch",
        "PRIMARY failover record",
    ),
    (
        "R49 weighted TTLs differ",
        zone(
            [
                f"Name: www.bad.test., Type: A, SetIdentifier: a, Weight: 1, {A}",
                "Name: www.bad.test., Type: A, SetIdentifier: b, Weight: 1, TTL: 300, "
                "ResourceRecords: [{Value: 192.0.2.2}]",
            ]
        ),
        "www.bad.test. A [b]",
        "InvalidChangeBatch",
        "weighted sets must contain the same TTL",
    ),
]


@pytest.mark.parametrize(("case", "text", "item", "code", "words"), CASES,
                         ids=[c[0] for c in CASES])
def test_check_refuses_with_the_record_named(tmp_path: Path, case, text, item, code,
                                             words) -> None:
    path = tmp_path / "bad.yaml"
    path.write_text(text)
    result = run_netemu("check", str(path))
    assert result.returncode == 1, (case, result.stdout, result.stderr)
    assert "Traceback" not in result.stderr
    lines = [ln for ln in result.stderr.splitlines() if ln.startswith(f"{path}: {item}: {code}: ")]
    assert lines, (case, result.stderr)
    assert any(words in ln for ln in lines), (case, lines)


def test_the_shipped_policy_zones_pass(tmp_path: Path) -> None:
    root = Path(__file__).resolve().parents[2] / "zones"
    files = sorted(str(p) for p in root.glob("policy-*.yaml"))
    assert len(files) >= 9
    result = run_netemu("check", *files)
    assert result.returncode == 0, result.stderr
    assert result.stdout.count(": ok") == len(files)
