"""Health checks in zone files: the shipped examples load, and the loader refuses bad checks
with the file, the check and Route 53's words (R73-R84)."""

from __future__ import annotations

import pytest

from netemu.errors import LoadError
from netemu.route53.health import validate_health_checks
from netemu.route53.load import load_zone_files, load_zone_text
from tests.helpers import ROOT

EXAMPLES = sorted((ROOT / "zones").glob("health-*.yaml"))


def test_examples_load_and_pass_set_rules() -> None:
    assert len(EXAMPLES) >= 2
    zones = load_zone_files(EXAMPLES)
    ids = {c.id for c in zones.health_checks}
    assert {"web-primary", "blue", "green", "canary", "both-backends"} <= ids
    assert validate_health_checks(zones.health_checks) == []
    strict = validate_health_checks(zones.health_checks, strict_aws=True)   # R84
    assert {i for i, _, _ in strict} == {"web-primary", "blue", "green"}


ZONE = """
HostedZone: {{Name: example.com.}}
HealthChecks:
  - Id: hc
    HealthCheckConfig: {{{config}}}
"""


@pytest.mark.parametrize("config, message", [
    ("Type: HTTP, IPAddress: 127.0.0.1, Port: 80, RequestInterval: 15",
     "hc: HealthChecks[hc]: InvalidInput: Invalid parameter : RequestInterval 15 is not valid"),
    ("Type: TCP, IPAddress: 127.0.0.1",
     "hc: HealthChecks[hc]: InvalidInput: Invalid parameter : TCP health checks must have a port"),
    ("Type: HTTP_STR_MATCH, IPAddress: 127.0.0.1, Port: 80",
     "hc: HealthChecks[hc]: InvalidInput: Invalid parameter : HTTP_STR_MATCH health checks must "
     "have a search string"),
])
def test_loader_refuses_bad_checks(config: str, message: str) -> None:
    with pytest.raises(LoadError) as e:
        load_zone_text(ZONE.format(config=config), source="hc")
    assert any(str(p).startswith(message) for p in e.value.problems), e.value
