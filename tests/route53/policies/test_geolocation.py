"""Geolocation routing (R59-R63, R72), clients placed by --geo-style overrides."""

from __future__ import annotations

import random

import pytest

from netemu.route53.model import GeoLocation
from netemu.route53.policies import compile_group, validate_group
from tests.route53.policies.cases import NO_ZONES, all_down, all_up, client, codes, down, rec


def g(ident: str, **loc: str):
    return rec(ident, f"192.0.2.{len(ident)}", geo_location=GeoLocation(**loc))


WA = g("us-wa", country_code="US", subdivision_code="WA")
US = g("us", country_code="US")
FR = g("fr", country_code="FR")
EU = g("eu", continent_code="EU")
NA = g("na", continent_code="NA")
DEFAULT = g("default", country_code="*")
FULL = [WA, US, FR, EU, NA, DEFAULT]


@pytest.mark.parametrize(
    ("case", "records", "who", "healthy", "winner"),
    [
        ("R60 subdivision beats country", FULL, client("seattle"), all_up, "us-wa"),
        ("R61 a US client without a state record -> the US record", FULL, client("texas"),
         all_up, "us"),
        ("R60 country beats continent", FULL, client("paris"), all_up, "fr"),
        ("R60 continent when no country record", FULL, client("berlin"), all_up, "eu"),
        ("R61 unmatched location -> default", FULL, client("tokyo"), all_up, "default"),
        ("R61 unmapped address -> default", FULL, client(), all_up, "default"),
        ("R62 unhealthy state -> country", FULL, client("seattle"), down("us-wa"), "us"),
        ("R62 unhealthy state and country -> continent", FULL, client("seattle"),
         down("us-wa", "us"), "na"),
        ("R62 ... -> default", FULL, client("seattle"), down("us-wa", "us", "na"), "default"),
        ("R62 all unhealthy -> the smallest region's record", FULL, client("seattle"), all_down,
         "us-wa"),
        ("R62 chain all unhealthy while others are healthy -> smallest", FULL, client("paris"),
         down("fr", "eu", "default"), "fr"),
        ("R72 the ECS subnet decides, not the source address", FULL,
         client(ip="198.51.100.130", subnet=("198.51.100.10", 32)), all_up, "fr"),
    ],
    ids=lambda v: v if isinstance(v, str) else "",
)
def test_selection(case, records, who, healthy, winner) -> None:
    sel = compile_group(records, NO_ZONES).select(who, healthy, random.Random(0))
    assert [r.set_identifier for r in sel.records] == [winner], (case, sel.explain)
    assert sel.scope_prefix == (who.subnet[1] if who.subnet else None)


def test_source_address_when_no_ecs_R72() -> None:
    sel = compile_group(FULL, NO_ZONES).select(client(ip="198.51.100.10"), all_up,
                                               random.Random(0))
    assert sel.records[0].set_identifier == "fr"
    assert sel.scope_prefix is None
    assert "by country FR" in sel.explain and "--geo 198.51.100.0/26" in sel.explain


@pytest.mark.parametrize(
    ("who",), [(client("tokyo"),), (client(),)], ids=["unmatched location", "unmapped address"])
def test_no_default_no_answer_R61(who) -> None:
    sel = compile_group([FR, EU, US], NO_ZONES).select(who, all_up, random.Random(0))
    assert sel.records == ()
    assert "no answer (R61)" in sel.explain


@pytest.mark.parametrize(
    ("case", "records", "expect"),
    [
        ("R59 unknown country", [g("x", country_code="XX")], [("x", "NoSuchGeoLocation")]),
        ("R59 unknown continent", [g("x", continent_code="EA")], [("x", "NoSuchGeoLocation")]),
        ("R59 unknown US state", [g("x", country_code="US", subdivision_code="ZZ")],
         [("x", "NoSuchGeoLocation")]),
        ("R59 continent with country", [g("x", continent_code="EU", country_code="FR")],
         [("x", "InvalidInput")]),
        ("R59 subdivision outside the US", [g("x", country_code="FR", subdivision_code="75")],
         [("x", "InvalidInput")]),
        ("R59 empty location", [g("x")], [("x", "InvalidInput")]),
        ("R63 two records for one location", [FR, g("fr2", country_code="FR")],
         [("fr2", "InvalidChangeBatch")]),
        ("R63 two defaults", [DEFAULT, g("d2", country_code="*")], [("d2", "InvalidChangeBatch")]),
        ("R28 SetIdentifier required", [rec(None, geo_location=GeoLocation(country_code="FR"))],
         [(None, "InvalidInput")]),
        ("a valid group", FULL, []),
    ],
    ids=lambda v: v if isinstance(v, str) else "",
)
def test_validation(case, records, expect) -> None:
    assert codes(validate_group(records, NO_ZONES)) == expect, case


def test_private_zone_client_is_its_vpc_region_R64() -> None:
    from netemu.route53.client import ClientContext
    from tests.route53.policies.cases import LOCATOR

    who = ClientContext("10.0.1.5", None, "app", LOCATOR, "eu-west-3")
    sel = compile_group(FULL, NO_ZONES).select(who, all_up, random.Random(0))
    assert [r.set_identifier for r in sel.records] == ["fr"]
    who = ClientContext("10.0.1.5", None, "app", LOCATOR, "us-east-1")  # Virginia: no VA record
    sel = compile_group(FULL, NO_ZONES).select(who, all_up, random.Random(0))
    assert [r.set_identifier for r in sel.records] == ["us"]
