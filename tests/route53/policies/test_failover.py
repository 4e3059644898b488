"""Failover routing (R38, R39, R51, R52)."""

from __future__ import annotations

import random

import pytest

from netemu.route53.model import AliasTarget
from netemu.route53.policies import compile_group, validate_group
from tests.route53.policies.cases import NO_ZONES, all_down, all_up, client, codes, down, rec

P = rec("p", "192.0.2.10", failover="PRIMARY", health_check_id="hc-p")
S = rec("s", "192.0.2.20", failover="SECONDARY", health_check_id="hc-s")


@pytest.mark.parametrize(
    ("case", "records", "healthy", "winner", "why"),
    [
        (
            "R52 primary healthy -> primary",
            [P, S],
            all_up,
            "p",
            "PRIMARY www.example.com. A [p] healthy",
        ),
        ("R52 primary healthy, secondary unhealthy -> primary", [P, S], down("s"), "p", "healthy"),
        (
            "R52 primary unhealthy, secondary healthy -> secondary",
            [P, S],
            down("p"),
            "s",
            "SECONDARY www.example.com. A [s] healthy",
        ),
        ("R52 both unhealthy -> primary", [P, S], all_down, "p", "PRIMARY answers (R52)"),
        ("R52 secondary listed first changes nothing", [S, P], down("p"), "s", "SECONDARY"),
        ("only a primary, unhealthy -> primary", [P], all_down, "p", "no SECONDARY"),
    ],
    ids=lambda v: v if isinstance(v, str) else "",
)
def test_selection(case, records, healthy, winner, why) -> None:
    sel = compile_group(records, NO_ZONES).select(client(), healthy, random.Random(0))
    assert [r.set_identifier for r in sel.records] == [winner], case
    assert why in sel.explain
    assert sel.scope_prefix is None


@pytest.mark.parametrize(
    ("case", "records", "expect"),
    [
        ("R51 role must be PRIMARY or SECONDARY", [rec("x", failover="TERTIARY")],
         [("x", "InvalidInput")]),
        ("R51 two primaries", [P, rec("p2", failover="PRIMARY")], [("p2", "InvalidChangeBatch")]),
        ("R39 failover alias needs EvaluateTargetHealth",
         [P, rec("s", failover="SECONDARY",
                 alias_target=AliasTarget("backup.example.com.", False))],
         [("s", "InvalidChangeBatch")]),
        ("R39 failover alias with EvaluateTargetHealth is fine",
         [P, rec("s", failover="SECONDARY",
                 alias_target=AliasTarget("backup.example.com.", True))], []),
        ("R28 SetIdentifier required", [rec(None, failover="PRIMARY")], [(None, "InvalidInput")]),
        ("a valid pair", [P, S], []),
    ],
    ids=lambda v: v if isinstance(v, str) else "",
)
def test_validation(case, records, expect) -> None:
    assert codes(validate_group(records, NO_ZONES)) == expect, case
