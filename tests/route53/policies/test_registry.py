"""The POLICIES table (docs/routing-policies.md): one module, one table line, one test file and
one example zone per policy; every module opens with the Name / Behaviour / Fields / Health /
Examples docstring and exports ``validate`` and ``compile``."""

from __future__ import annotations

import inspect
from pathlib import Path

import pytest

from netemu.route53.model import RecordSet
from netemu.route53.policies import POLICIES, policy_of

ROOT = Path(__file__).resolve().parents[3]
EXAMPLE = {"ip_based": "ip-based"}


def test_every_policy_is_registered() -> None:
    assert set(POLICIES) == {"simple", "weighted", "failover", "multivalue", "latency",
                             "geolocation", "geoproximity", "ip_based"}


@pytest.mark.parametrize("name", sorted(POLICIES))
def test_module_shape(name: str) -> None:
    module = POLICIES[name]
    doc = inspect.getdoc(module) or ""
    assert doc.startswith("Name: "), name
    for section in ("Behaviour", "Fields:", "Health:", "Examples::"):
        assert section in doc, (name, section)
    assert "DG ``" in doc or "API ``" in doc, f"{name}: the AWS page is named"
    assert callable(module.validate) and callable(module.compile)
    assert (ROOT / "tests" / "route53" / "policies" / f"test_{name}.py").exists()
    assert (ROOT / "zones" / f"policy-{EXAMPLE.get(name, name)}.yaml").exists()


@pytest.mark.parametrize(
    ("fields", "policy"),
    [({}, "simple"), ({"weight": 1}, "weighted"), ({"failover": "PRIMARY"}, "failover"),
     ({"multi_value_answer": True}, "multivalue"), ({"multi_value_answer": False}, "simple"),
     ({"region": "us-east-1"}, "latency")],
)
def test_policy_of_a_record(fields, policy) -> None:
    assert policy_of(RecordSet("a.example.com.", "A", 60, ("192.0.2.1",), **fields)) == policy
