"""Latency routing (R41, R43, R56, R57, R72) over the documented latency model."""

from __future__ import annotations

import random

import pytest

from netemu.route53.policies import compile_group, validate_group
from tests.route53.policies.cases import NO_ZONES, all_down, all_up, client, codes, down, rec

REGIONS = ["us-east-1", "us-west-2", "eu-west-3", "eu-central-1", "ap-northeast-1",
           "ap-southeast-2", "sa-east-1"]
GROUP = [rec(r, f"192.0.2.{i}", region=r) for i, r in enumerate(REGIONS)]


@pytest.mark.parametrize(
    ("case", "who", "healthy", "winner"),
    [
        ("R57 Paris -> eu-west-3", client("paris"), all_up, "eu-west-3"),
        ("R57 Berlin -> eu-central-1", client("berlin"), all_up, "eu-central-1"),
        ("R57 Tokyo -> ap-northeast-1", client("tokyo"), all_up, "ap-northeast-1"),
        ("R57 Seattle -> us-west-2", client("seattle"), all_up, "us-west-2"),
        ("R57 New York -> us-east-1", client("nyc"), all_up, "us-east-1"),
        ("R57 Sydney -> ap-southeast-2", client("sydney"), all_up, "ap-southeast-2"),
        ("R57 Sao Paulo (IPv6 subnet) -> sa-east-1", client("saopaulo"), all_up, "sa-east-1"),
        ("unmapped client placed at us-east-1", client(), all_up, "us-east-1"),
        ("R57 nearest unhealthy -> next-lowest latency", client("paris"), down("eu-west-3"),
         "eu-central-1"),
        ("R43 all unhealthy -> lowest latency", client("paris"), all_down, "eu-west-3"),
    ],
    ids=lambda v: v if isinstance(v, str) else "",
)
def test_selection(case, who, healthy, winner) -> None:
    sel = compile_group(GROUP, NO_ZONES).select(who, healthy, random.Random(0))
    assert [r.region for r in sel.records] == [winner], (case, sel.explain)
    assert f"Region {winner}" in sel.explain and " ms from " in sel.explain
    assert sel.scope_prefix == (who.subnet[1] if who.subnet else None)


@pytest.mark.parametrize(
    ("case", "records", "expect"),
    [
        ("R56 Region from Route 53's list", [rec("x", region="us-north-9")],
         [("x", "InvalidInput")]),
        ("R56 one latency record per Region", [rec("a", region="us-east-1"),
                                               rec("b", region="us-east-1")],
         [("b", "InvalidChangeBatch")]),
        ("R56 the 2026 Regions are accepted",
         [rec(r, region=r) for r in ("ca-west-1", "mx-central-1", "ap-east-2",
                                     "ap-southeast-6", "eusc-de-east-1")], []),
        ("a valid group", GROUP, []),
    ],
    ids=lambda v: v if isinstance(v, str) else "",
)
def test_validation(case, records, expect) -> None:
    assert codes(validate_group(records, NO_ZONES)) == expect, case


def test_private_zone_client_is_its_vpc_region_R58() -> None:
    from netemu.route53.client import ClientContext
    from tests.route53.policies.cases import LOCATOR

    # an ECS subnet in Tokyo is ignored (R72): the VPC in eu-central-1 decides
    who = ClientContext("10.0.1.5", ("198.51.100.128", 28), "app", LOCATOR, "eu-central-1")
    sel = compile_group(GROUP, NO_ZONES).select(who, all_up, random.Random(0))
    assert [r.region for r in sel.records] == ["eu-central-1"]
    assert "VPC Region eu-central-1" in sel.explain
    assert sel.scope_prefix == 0
