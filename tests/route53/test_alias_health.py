"""Alias records with EvaluateTargetHealth into routing policies, and alias chains (R38, R43,
R52, R53), through the real loader, lookup and engine with health snapshots (pure, no sockets).
"""

from __future__ import annotations

import random
from pathlib import Path
from types import MappingProxyType

import pytest

from netemu.route53 import engine, names
from netemu.route53.client import ClientContext
from netemu.route53.engine import Question
from netemu.route53.health import HealthSnapshot
from netemu.route53.load import load_zone_files
from netemu.route53.lookup import compile_zones

ZONE = Path(__file__).resolve().parents[2] / "zones" / "policy-alias.yaml"
EXTRA = """
HostedZone:
  Name: chain.test.
HealthChecks:
  - Id: fr-hc
    HealthCheckConfig: {Type: TCP, IPAddress: 127.0.0.1, Port: 8084}
ResourceRecordSets:
  - {Name: fr.chain.test., Type: A, TTL: 30, HealthCheckId: fr-hc,
     ResourceRecords: [{Value: 198.51.100.33}]}
  - Name: geo.chain.test.
    Type: A
    SetIdentifier: fr
    GeoLocation: {CountryCode: FR}
    AliasTarget: {DNSName: fr.chain.test., EvaluateTargetHealth: true}
  - {Name: geo.chain.test., Type: A, SetIdentifier: any, GeoLocation: {CountryCode: "*"}, TTL: 30,
     ResourceRecords: [{Value: 198.51.100.99}]}
  - Name: hop1.chain.test.
    Type: A
    AliasTarget: {DNSName: geo.chain.test., EvaluateTargetHealth: true}
  - Name: blind.chain.test.
    Type: A
    SetIdentifier: blind
    Weight: 1
    AliasTarget: {DNSName: fr.chain.test., EvaluateTargetHealth: false}
  - {Name: blind.chain.test., Type: A, SetIdentifier: other, Weight: 1, TTL: 30,
     ResourceRecords: [{Value: 198.51.100.7}]}
"""


@pytest.fixture(scope="module")
def zones(tmp_path_factory: pytest.TempPathFactory):
    extra = tmp_path_factory.mktemp("z") / "chain.yaml"
    extra.write_text(EXTRA)
    return compile_zones(load_zone_files([ZONE, extra]))


def ask(zones, name: str, down: tuple[str, ...], subnet: tuple[str, int] | None = None,
        n: int = 40) -> set[str]:
    health = HealthSnapshot(MappingProxyType({hc: False for hc in down}))
    client = ClientContext("127.0.0.1", subnet)
    rng = random.Random(0)
    seen: set[str] = set()
    for _ in range(n):
        a = engine.answer(Question(names.parse(name), "A"), client, zones, health, rng)
        seen.update(v for ref in a.answer for v in ref.record.values)
    return seen


@pytest.mark.parametrize(
    ("case", "name", "down", "expect"),
    [
        ("R38 failover primary alias healthy while one pool member is",
         "www.alias-health.test.", ("alias-pool-blue",), {"192.0.2.62"}),
        ("R38 both pool members down: the alias primary is unhealthy -> secondary (R52)",
         "www.alias-health.test.", ("alias-pool-blue", "alias-pool-green"), {"192.0.2.200"}),
        ("all healthy: the weighted pool answers", "www.alias-health.test.", (),
         {"192.0.2.61", "192.0.2.62"}),
        ("R53 a chain alias -> failover -> alias -> weighted follows the same health",
         "edge.alias-health.test.", ("alias-pool-blue", "alias-pool-green"), {"192.0.2.200"}),
        ("R53 chain, one member down", "edge.alias-health.test.", ("alias-pool-green",),
         {"192.0.2.61"}),
        ("R38 EvaluateTargetHealth false keeps routing into a failing target",
         "blind.chain.test.", ("fr-hc",), {"198.51.100.33", "198.51.100.7"}),
    ],
    ids=lambda v: v if isinstance(v, str) and " " in v else None,
)
def test_alias_health(zones, case, name, down, expect) -> None:
    assert ask(zones, name, down) == expect, case


@pytest.mark.parametrize(
    ("down", "expect"),
    [((), {"198.51.100.33"}), (("fr-hc",), {"198.51.100.99"})],
    ids=["target healthy", "target unhealthy -> default (R62)"],
)
def test_geolocation_alias_with_target_health_via_a_chain(zones, down, expect) -> None:
    paris = ("90.0.0.0", 16)  # FR in the embedded database
    assert ask(zones, "geo.chain.test.", down, paris, n=3) == expect
    assert ask(zones, "hop1.chain.test.", down, paris, n=3) == expect
