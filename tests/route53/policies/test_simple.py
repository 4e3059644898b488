"""Simple routing: one record set, all values (DG routing-policy-simple)."""

from __future__ import annotations

import random

import pytest

from netemu.route53.model import RecordSet
from netemu.route53.policies import compile_group, validate_group
from tests.route53.policies.cases import NO_ZONES, all_down, client, codes, rec

MANY = RecordSet("www.example.com.", "A", 300, tuple(f"192.0.2.{i}" for i in range(1, 6)))


def test_all_values_health_ignored_loaded_record_returned() -> None:
    sel = compile_group([MANY], NO_ZONES).select(client(), all_down, random.Random(0))
    (r,) = sel.records
    # the loaded record itself: the wire codec finds its packed RDATA by identity
    assert r is MANY
    assert sel.explain == "simple: www.example.com. A, 5 value(s)"
    assert sel.scope_prefix is None


@pytest.mark.parametrize(
    ("case", "records", "expect"),
    [
        ("SetIdentifier needs a routing policy", [rec("a")], [("a", "InvalidInput")]),
        ("R24 one simple record set per name and type", [rec(None), rec(None, "192.0.2.2")],
         [(None, "InvalidChangeBatch")]),
        ("a valid record", [MANY], []),
    ],
    ids=lambda v: v if isinstance(v, str) else "",
)
def test_validation(case, records, expect) -> None:
    assert codes(validate_group(records, NO_ZONES)) == expect, case
