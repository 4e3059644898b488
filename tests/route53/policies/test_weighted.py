"""Weighted routing (R43, R46-R50), with a seeded rng."""

from __future__ import annotations

import dataclasses
import random
from collections import Counter

import pytest

from netemu.route53.policies import compile_group, validate_group
from tests.route53.policies.cases import NO_ZONES, all_down, all_up, client, codes, down, rec

# chi-square critical values at p = 0.001 (df 1..4): a correct sampler fails 1 run in 1000, and
# with a fixed seed the outcome is reproducible, so the test is deterministic.
CHI2_999 = {1: 10.83, 2: 13.82, 3: 16.27, 4: 18.47}


def chi_square(observed: Counter[str], expected_share: dict[str, float], n: int) -> float:
    return sum((observed[k] - n * p) ** 2 / (n * p) for k, p in expected_share.items())


def draws(records, healthy, n: int, seed: int = 0) -> Counter[str]:
    group = compile_group(records, NO_ZONES)
    rng = random.Random(seed)
    out: Counter[str] = Counter()
    for _ in range(n):
        sel = group.select(client(), healthy, rng)
        (won,) = sel.records
        out[won.set_identifier] += 1
    return out


ABC = [rec("a", weight=10), rec("b", weight=20), rec("c", weight=70)]


def test_shares_follow_weights_chi_square_R46() -> None:
    n = 20000
    seen = draws(ABC, all_up, n)
    share = {"a": 0.1, "b": 0.2, "c": 0.7}
    assert chi_square(seen, share, n) < CHI2_999[2], seen
    # the statistic can fail: the same draws against wrong shares are far off
    assert chi_square(seen, {"a": 1 / 3, "b": 1 / 3, "c": 1 / 3}, n) > 100 * CHI2_999[2]


@pytest.mark.parametrize(
    ("case", "records", "healthy", "allowed", "shares"),
    [
        ("R47 weight 0 never returned while a non-zero record serves",
         [rec("z", weight=0), rec("a", weight=1)], all_up, {"a"}, None),
        ("R47 all weights 0: all equally likely",
         [rec("x", weight=0), rec("y", weight=0), rec("z", weight=0)], all_up, {"x", "y", "z"},
         {"x": 1 / 3, "y": 1 / 3, "z": 1 / 3}),
        ("R41 an unhealthy record is skipped, the others keep their proportions",
         ABC, down("c"), {"a", "b"}, {"a": 1 / 3, "b": 2 / 3}),
        ("R48 zero weights serve only when every non-zero record is unhealthy",
         [rec("z1", weight=0), rec("z2", weight=0), rec("a", weight=5)], down("a"),
         {"z1", "z2"}, {"z1": 0.5, "z2": 0.5}),
        ("R48 a healthy non-zero record beats healthy zero weights",
         [rec("z1", weight=0), rec("a", weight=5), rec("b", weight=5)], down("a"), {"b"}, None),
        ("R43 nothing healthy: all treated as healthy, weights apply",
         ABC, all_down, {"a", "b", "c"}, {"a": 0.1, "b": 0.2, "c": 0.7}),
    ],
    ids=lambda v: v if isinstance(v, str) else "",
)
def test_selection(case, records, healthy, allowed, shares) -> None:
    n = 6000
    seen = draws(records, healthy, n, seed=7)
    assert set(seen) == allowed, case
    if shares is not None:
        assert chi_square(seen, shares, n) < CHI2_999[len(shares) - 1], (case, seen)


def test_same_seed_same_answers_and_explain() -> None:
    group = compile_group(ABC, NO_ZONES)
    a = [group.select(client(), all_up, r) for r in (random.Random(3), random.Random(3))]
    assert a[0] == a[1]
    assert a[0].explain.startswith("weighted: www.example.com. A [")
    assert "/100, draw" in a[0].explain
    assert a[0].scope_prefix is None  # not location dependent


def test_several_values_all_returned_R50() -> None:
    r = rec("a", weight=1)
    r2 = dataclasses.replace(r, values=("192.0.2.1", "192.0.2.2"))
    sel = compile_group([r2], NO_ZONES).select(client(), all_up, random.Random(0))
    assert sel.records[0].values == ("192.0.2.1", "192.0.2.2")


@pytest.mark.parametrize(
    ("case", "records", "expect"),
    [
        ("R46 weight above 255", [rec("a", weight=256), rec("b", weight=1)],
         [("a", "InvalidInput")]),
        ("R46 negative weight", [rec("a", weight=-1)], [("a", "InvalidInput")]),
        ("R28 SetIdentifier required", [rec(None, weight=1), rec("b", weight=1)],
         [(None, "InvalidInput")]),
        ("R24 SetIdentifier unique", [rec("a", weight=1), rec("a", weight=2)],
         [("a", "InvalidChangeBatch")]),
        ("R49 one TTL per group",
         [rec("a", weight=1), rec("b", weight=1).__class__(
             name="www.example.com.", type="A", ttl=300, values=("192.0.2.9",),
             set_identifier="b", weight=1)],
         [("b", "InvalidChangeBatch")]),
        ("R34 no weighted NS", [rec("a", "ns1.example.net.", rtype="NS", weight=1)],
         [("a", "InvalidChangeBatch")]),
        ("R32 weighted and simple mixed", [rec("a", weight=1), rec(None)],
         [(None, "InvalidChangeBatch")]),
        ("R32 weighted and latency mixed", [rec("a", weight=1), rec("b", region="us-east-1")],
         [("b", "InvalidChangeBatch")]),
        ("one routing field per record", [rec("a", weight=1, region="us-east-1")],
         [("a", "InvalidInput")]),
        ("a valid group", ABC, []),
    ],
    ids=lambda v: v if isinstance(v, str) else "",
)
def test_validation(case, records, expect) -> None:
    assert codes(validate_group(records, NO_ZONES)) == expect, case


def test_validation_wording() -> None:
    (issue,) = validate_group([rec("a", weight=256)], NO_ZONES)
    assert "Value '256' at" in issue[2] and "less than or equal to 255" in issue[2]
    (issue,) = validate_group([rec("a", weight=1), rec(None)], NO_ZONES)
    assert issue[2] == ("RRSet with DNS name www.example.com., type A cannot be created as other "
                        "RRSets exist with the same name and type.")
    (issue,) = validate_group([rec("a", weight=1), rec("b", region="us-east-1")], NO_ZONES)
    assert issue[2] == ("RRSet with DNS name www.example.com., type A, SetIdentifier b cannot be "
                        "created as a non-latency set exists with the same name and type.")
