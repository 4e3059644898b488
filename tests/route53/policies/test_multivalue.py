"""Multivalue answer routing (R34, R40, R54, R55)."""

from __future__ import annotations

import random

import pytest

from netemu.route53.model import AliasTarget
from netemu.route53.policies import compile_group, validate_group
from tests.route53.policies.cases import NO_ZONES, all_down, all_up, client, codes, down, rec

TEN = [rec(f"m{i}", f"192.0.2.{i}", multi_value_answer=True) for i in range(10)]
THREE = TEN[:3]


@pytest.mark.parametrize(
    ("case", "records", "healthy", "count", "pool"),
    [
        ("R54 eight or fewer healthy: all of them", THREE, all_up, 3, {"m0", "m1", "m2"}),
        (
            "R54 more than eight healthy: eight of them",
            TEN,
            all_up,
            8,
            {f"m{i}" for i in range(10)},
        ),
        (
            "R54 unhealthy ones are left out",
            TEN,
            down("m0", "m1", "m2", "m3"),
            6,
            {"m4", "m5", "m6", "m7", "m8", "m9"},
        ),
        (
            "R55 all unhealthy: up to eight unhealthy records",
            TEN,
            all_down,
            8,
            {f"m{i}" for i in range(10)},
        ),
        ("R55 all unhealthy, three records: all three", THREE, all_down, 3, {"m0", "m1", "m2"}),
    ],
    ids=lambda v: v if isinstance(v, str) else "",
)
def test_selection(case, records, healthy, count, pool) -> None:
    group = compile_group(records, NO_ZONES)
    rng = random.Random(1)
    combos = set()
    for _ in range(50):
        sel = group.select(client(), healthy, rng)
        got = [r.set_identifier for r in sel.records]
        assert len(got) == len(set(got)) == count, case
        assert set(got) <= pool, case
        combos.add(frozenset(got))
    if len(pool) > count:  # "different combinations to different resolvers" (R54)
        assert len(combos) > 1, case


@pytest.mark.parametrize(
    ("case", "records", "expect"),
    [
        ("R40 no multivalue alias",
         [rec("a", multi_value_answer=True, alias_target=AliasTarget("x.example.com."))],
         [("a", "InvalidInput")]),
        ("R34 no multivalue CNAME", [rec("a", "x.example.com.", rtype="CNAME",
                                         multi_value_answer=True)],
         [("a", "InvalidChangeBatch")]),
        ("R24 SetIdentifier unique", [rec("a", multi_value_answer=True),
                                      rec("a", multi_value_answer=True)],
         [("a", "InvalidChangeBatch")]),
        ("R31 at most 100 records per name and type",
         [rec(f"r{i}", multi_value_answer=True) for i in range(101)],
         [("r100", "InvalidChangeBatch")]),
        ("a valid group", TEN, []),
    ],
    ids=lambda v: v if isinstance(v, str) else "",
)
def test_validation(case, records, expect) -> None:
    assert codes(validate_group(records, NO_ZONES)) == expect, case
