"""Route 53 checkers in the data plane, the pure rules: which emulated checker Region probes for
each of a check's Regions (R181), which addresses no checker on the internet reaches (R182), and
each Region's own observation in the report (R183)."""

from __future__ import annotations

import pytest

from netemu.route53.health import (
    CHECKER_REGIONS,
    Observation,
    evaluate,
    internet_refusal,
    new_state,
    observe_regions,
    served_by,
    status,
    unreachable_checks,
)
from netemu.route53.model import HealthCheck, HealthCheckConfig

CONFIG = HealthCheckConfig(type="HTTP", ip_address="198.51.100.10", port=80,
                           request_interval=10, failure_threshold=1)


def test_each_region_is_served_by_its_own_checker_or_the_emulated_ones_in_turn_R181() -> None:
    got = served_by(CHECKER_REGIONS, ["us-east-1", "eu-west-1", "ap-southeast-1"])
    assert got["us-east-1"] == "us-east-1" and got["eu-west-1"] == "eu-west-1"
    others = [got[r] for r in CHECKER_REGIONS if r not in ("us-east-1", "eu-west-1",
                                                           "ap-southeast-1")]
    assert others == ["us-east-1", "eu-west-1", "ap-southeast-1", "us-east-1", "eu-west-1"]
    assert served_by(CHECKER_REGIONS, []) == {}


@pytest.mark.parametrize(("ip", "refused"), [
    ("10.20.1.10", True), ("172.16.0.1", True), ("192.168.1.1", True), ("100.64.0.1", True),
    ("127.0.0.1", True), ("169.254.169.254", True), ("224.0.0.1", True), ("fd00::1", True),
    ("198.51.100.10", False), ("203.0.113.5", False), ("15.177.0.10", False),
    ("8.8.8.8", False), ("2001:db8::1", False),
])
def test_private_addresses_are_out_of_the_checkers_reach_R182(ip: str, refused: bool) -> None:
    reason = internet_refusal(ip)
    assert (reason is not None) == refused
    if refused:
        assert ip in str(reason) and "cannot reach" in str(reason)


def test_unreachable_checks_lists_probed_private_checks_only_R182() -> None:
    private = HealthCheck("p", HealthCheckConfig(type="TCP", ip_address="10.0.0.5", port=22))
    disabled = HealthCheck("d", HealthCheckConfig(type="TCP", ip_address="10.0.0.6", port=22,
                                                  disabled=True))
    public = HealthCheck("u", CONFIG)
    assert [cid for cid, _ in unreachable_checks([private, disabled, public])] == ["p"]


def test_each_region_keeps_its_own_observation_R183() -> None:
    check = HealthCheck("web", CONFIG)
    state = new_state(CONFIG)
    fail = Observation(False, "no connection to 198.51.100.10:80 within 0.4 s", 5.0)
    ok = Observation(True, "HTTP 200 from 198.51.100.10:80", 6.0)
    half = len(CHECKER_REGIONS) // 2
    state = observe_regions(state, {r: fail for r in CHECKER_REGIONS[:half]}, CONFIG)
    state = observe_regions(state, {r: ok for r in CHECKER_REGIONS[half:]}, CONFIG)
    report = evaluate([check], {"web": state}, now=7.0).reports["web"]
    views = {c.region: (c.healthy, c.observation) for c in report.checkers}
    assert views[CHECKER_REGIONS[0]] == (False, fail)
    assert views[CHECKER_REGIONS[-1]] == (True, ok)
    assert status(check, state)   # R77: half the checkers healthy is more than 18 %
    assert evaluate([check], {"web": new_state(CONFIG)}).reports["web"].checkers == ()
