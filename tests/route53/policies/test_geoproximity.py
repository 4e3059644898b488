"""Geoproximity routing (R65, R66), clients placed by --geo-style overrides."""

from __future__ import annotations

import random

import pytest

from netemu.route53.model import Coordinates, GeoProximityLocation
from netemu.route53.policies import compile_group, validate_group
from netemu.route53.policies.geoproximity import biased_km
from tests.route53.policies.cases import NO_ZONES, all_down, all_up, client, codes, down, rec


@pytest.mark.parametrize(
    ("distance", "bias", "expect"),
    [(150, 50, 75), (100, 0, 100), (100, -50, 200), (100, 99, 1), (100, -99, 10000),
     (200, 25, 150), (300, -25, 400)],
)
def test_biased_distance_formula_R66(distance, bias, expect) -> None:
    assert biased_km(distance, bias) == pytest.approx(expect)


def gp(ident: str, *, region: str | None = None, at: tuple[float, float] | None = None,
       bias: int = 0, zone: str | None = None):
    loc = GeoProximityLocation(aws_region=region, local_zone_group=zone,
                               coordinates=Coordinates(*at) if at else None, bias=bias)
    return rec(ident, geo_proximity_location=loc)


FRA = gp("fra", region="eu-central-1")
DUB = gp("dub", region="eu-west-1")
DUB_50 = gp("dub", region="eu-west-1", bias=50)
FRA_NEG = gp("fra", region="eu-central-1", bias=-60)
NYC = gp("nyc", at=(40.71, -74.01))
BOS = gp("bos", zone="us-east-1-bos-1")


@pytest.mark.parametrize(
    ("case", "records", "who", "healthy", "winner"),
    [
        # Paris -> Frankfurt ~480 km, Dublin ~780 km
        ("nearest without bias", [FRA, DUB], client("paris"), all_up, "fra"),
        ("R66 positive bias pulls traffic: Dublin 780*0.5 < 480", [FRA, DUB_50],
         client("paris"), all_up, "dub"),
        ("R66 negative bias pushes traffic: Frankfurt 480/0.4 > 780", [FRA_NEG, DUB],
         client("paris"), all_up, "dub"),
        ("Coordinates and LocalZoneGroup place records", [NYC, BOS, FRA], client("nyc"),
         all_up, "nyc"),
        ("R41 nearest unhealthy -> next", [FRA, DUB], client("paris"), down("fra"), "dub"),
        ("R43 all unhealthy -> nearest", [FRA, DUB], client("paris"), all_down, "fra"),
        ("unmapped client placed at us-east-1", [NYC, FRA], client(), all_up, "nyc"),
    ],
    ids=lambda v: v if isinstance(v, str) else "",
)
def test_selection(case, records, who, healthy, winner) -> None:
    sel = compile_group(records, NO_ZONES).select(who, healthy, random.Random(0))
    assert [r.set_identifier for r in sel.records] == [winner], (case, sel.explain)
    assert "km" in sel.explain and "bias" in sel.explain


@pytest.mark.parametrize(
    ("case", "records", "expect"),
    [
        ("R65 bias above 99", [gp("a", region="us-east-1", bias=100)], [("a", "InvalidInput")]),
        ("R65 bias below -99", [gp("a", region="us-east-1", bias=-100)], [("a", "InvalidInput")]),
        ("R65 two locations", [gp("a", region="us-east-1", at=(1.0, 2.0))],
         [("a", "InvalidInput")]),
        ("R65 no location", [gp("a")], [("a", "InvalidInput")]),
        ("R65 unknown Region", [gp("a", region="mars-1")], [("a", "InvalidInput")]),
        ("R65 unknown Local Zone", [gp("a", zone="us-east-1-xyz-1")], [("a", "InvalidInput")]),
        ("R65 latitude out of range", [gp("a", at=(91.0, 0.0))], [("a", "InvalidInput")]),
        ("a valid group", [FRA, DUB_50, NYC, BOS], []),
    ],
    ids=lambda v: v if isinstance(v, str) else "",
)
def test_validation(case, records, expect) -> None:
    assert codes(validate_group(records, NO_ZONES)) == expect, case
