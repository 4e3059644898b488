"""Route 53 health-check rules, pure and table-driven (R73-R84). No sockets, no clocks."""

from __future__ import annotations

from dataclasses import replace

import pytest

from netemu.route53.health import (
    CHECKER_REGIONS,
    TRANSITIONS,
    Checker,
    CheckState,
    Observation,
    aggregate,
    evaluate,
    host_header,
    new_state,
    observe,
    observe_alarm,
    observe_regions,
    probed,
    resource_path,
    status,
    step,
    validate_health_check,
    validate_health_checks,
)
from netemu.route53.model import AlarmIdentifier, HealthCheck, HealthCheckConfig

OK = Observation(True, "HTTP 200 from 127.0.0.1:8081", 1.0)
BAD = Observation(False, "HTTP 500 from 127.0.0.1:8081", 2.0)


def http(**kw: object) -> HealthCheckConfig:
    base = dict(type="HTTP", ip_address="127.0.0.1", port=8081, failure_threshold=3)
    base.update(kw)
    return HealthCheckConfig(**base)  # type: ignore[arg-type]


def run(config: HealthCheckConfig, results: str, state: CheckState | None = None) -> list[bool]:
    """Feed a string of results ('+' pass, '-' fail); the status after each one."""
    check = HealthCheck("hc", config)
    state = state or new_state(config)
    out = []
    for r in results:
        state = observe(state, OK if r == "+" else BAD, config)
        out.append(status(check, state))
    return out


# --- the transition table (R76) --------------------------------------------------------------

@pytest.mark.parametrize("before, passed, threshold, after", [
    # (healthy, streak) --result--> (healthy, streak)
    ((True, 0), True, 3, (True, 0)),
    ((True, 2), True, 3, (True, 0)),     # a pass resets the failure streak
    ((True, 0), False, 3, (True, 1)),
    ((True, 1), False, 3, (True, 2)),
    ((True, 2), False, 3, (False, 0)),   # third consecutive failure flips
    ((True, 0), False, 1, (False, 0)),   # FailureThreshold 1 flips at once
    ((False, 0), False, 3, (False, 0)),
    ((False, 2), False, 3, (False, 0)),  # a failure resets the recovery streak
    ((False, 0), True, 3, (False, 1)),
    ((False, 2), True, 3, (True, 0)),    # the same threshold in the other direction
    ((False, 9), True, 10, (True, 0)),
])
def test_step_table_R76(before: tuple[bool, int], passed: bool, threshold: int,
                        after: tuple[bool, int]) -> None:
    got = step(Checker("us-east-1", *before), passed, threshold)
    assert (got.healthy, got.streak) == after


def test_table_covers_every_pair_once() -> None:
    assert set(TRANSITIONS) == {(h, p) for h in (True, False) for p in (True, False)}


@pytest.mark.parametrize("threshold, results, expected", [
    (3, "--+--+---", [1, 1, 1, 1, 1, 1, 1, 1, 0]),
    (3, "---+++", [1, 1, 0, 0, 0, 1]),
    (1, "-+-", [0, 1, 0]),
    (2, "--+-++", [1, 0, 0, 0, 0, 1]),
])
def test_sequences_R76(threshold: int, results: str, expected: list[int]) -> None:
    assert run(http(failure_threshold=threshold), results) == [bool(e) for e in expected]


# --- new, inverted, disabled (R80, R81) --------------------------------------------------------

@pytest.mark.parametrize("kw, results, expected", [
    ({}, "", True),                                   # R80: healthy until enough data
    ({"inverted": True}, "", False),                  # R80: inverted starts unhealthy
    ({"inverted": True}, "---", True),                # R81: failing endpoint -> healthy
    ({"inverted": True}, "--", False),
    ({"disabled": True}, "---", True),                # R81: disabled is always healthy
    ({"disabled": True, "inverted": True}, "", True),
    ({"disabled": True, "inverted": True}, "+++", True),
])
def test_new_inverted_disabled_R80_R81(kw: dict[str, bool], results: str, expected: bool) -> None:
    config = http(**kw)
    state = new_state(config)
    for r in results:
        state = observe(state, OK if r == "+" else BAD, config)
    assert status(HealthCheck("hc", config), state) is expected


@pytest.mark.parametrize("config, expected", [
    (http(), True),
    (http(type="TCP"), True),
    (http(disabled=True), False),                                  # R81: not checked
    (HealthCheckConfig(type="CALCULATED", health_threshold=1), False),
    (HealthCheckConfig(type="CLOUDWATCH_METRIC",
                       alarm_identifier=AlarmIdentifier("us-east-1", "x")), False),
])
def test_which_checks_are_probed_R81(config: HealthCheckConfig, expected: bool) -> None:
    assert probed(config) is expected


# --- checker regions (R77) ----------------------------------------------------------------------

@pytest.mark.parametrize("healthy, total, expected", [
    (0, 8, False), (1, 8, False),   # 12.5 %
    (2, 8, True),                   # 25 %
    (1, 5, True),                   # 20 % > 18 %
    (1, 6, False),                  # 16.7 %
    (3, 3, True), (0, 3, False),
    (9, 50, False),                 # exactly 18 % is not more than 18 %
    (10, 50, True),
])
def test_more_than_18_percent_R77(healthy: int, total: int, expected: bool) -> None:
    checkers = [Checker(str(i), i < healthy) for i in range(total)]
    assert aggregate(checkers) is expected


def test_one_probe_is_every_region_observation_R77_R87() -> None:
    config = http(failure_threshold=1)
    state = observe(new_state(config), BAD, config)
    assert [c.region for c in state.checkers] == list(CHECKER_REGIONS)
    assert not any(c.healthy for c in state.checkers)
    assert state.last == BAD


def test_per_region_observations_R77() -> None:
    config = http(failure_threshold=1, regions=("us-east-1", "eu-west-1", "sa-east-1",
                                                "us-west-2", "ap-southeast-1"))
    state = new_state(config)
    failing = {r: BAD for r in config.regions[1:]}
    state = observe_regions(state, {"us-east-1": OK, **failing}, config)
    assert status(HealthCheck("hc", config), state) is True    # 1 of 5 = 20 % > 18 %
    state = observe_regions(state, {"us-east-1": BAD}, config)
    assert status(HealthCheck("hc", config), state) is False


# --- calculated (R82) ---------------------------------------------------------------------------

def calc(threshold: int, children: tuple[str, ...] = ("a", "b", "c"), **kw: object) -> HealthCheck:
    return HealthCheck("calc", HealthCheckConfig(
        type="CALCULATED", health_threshold=threshold, child_health_checks=children, **kw))  # type: ignore[arg-type]


@pytest.mark.parametrize("threshold, children, expected", [
    (3, {"a": True, "b": True, "c": True}, True),     # AND of three
    (3, {"a": True, "b": False, "c": True}, False),
    (1, {"a": False, "b": False, "c": True}, True),   # OR of three
    (1, {"a": False, "b": False, "c": False}, False),
    (2, {"a": True, "b": False, "c": True}, True),    # 2 of 3
    (2, {"a": True, "b": False, "c": False}, False),
    (0, {"a": False, "b": False, "c": False}, True),  # 0: always healthy
    (4, {"a": True, "b": True, "c": True}, False),    # more than children: never healthy
])
def test_calculated_threshold_R82(threshold: int, children: dict[str, bool],
                                  expected: bool) -> None:
    assert status(calc(threshold), CheckState(), children=children) is expected


def test_calculated_inverted_R81_R82() -> None:
    check = calc(3, inverted=True)
    assert status(check, CheckState(), children={"a": True, "b": True, "c": False}) is True


def test_evaluate_calculated_from_children_and_disabled_child_counts_healthy_R82() -> None:
    a = HealthCheck("a", http(failure_threshold=1))
    b = HealthCheck("b", http(failure_threshold=1, disabled=True))
    c = HealthCheck("c", http(failure_threshold=1))
    failing = {k.id: observe(new_state(k.config), BAD, k.config) for k in (a, b, c)}
    snap = evaluate([calc(2), a, b, c], failing, now=5.0)   # calculated listed first on purpose
    assert snap.statuses == {"a": False, "b": True, "c": False, "calc": False}
    snap = evaluate([calc(1), a, b, c], failing, now=5.0)
    assert snap.is_healthy("calc") is True
    assert snap.reports["calc"].observation == "1 of 3 children healthy, threshold 1"
    assert snap.reports["a"].observation == BAD.detail
    assert snap.reports["b"].observation == "disabled"


def test_evaluate_keeps_since_while_status_holds() -> None:
    a = HealthCheck("a", http(failure_threshold=1))
    s0 = evaluate([a], {}, now=1.0)
    s1 = evaluate([a], {"a": observe(new_state(a.config), OK, a.config)}, previous=s0, now=2.0)
    assert s1.reports["a"].since == 1.0
    s2 = evaluate([a], {"a": observe(new_state(a.config), BAD, a.config)}, previous=s1, now=3.0)
    assert (s2.reports["a"].healthy, s2.reports["a"].since) == (False, 3.0)
    assert s2.is_healthy("unknown-check") is True


# --- CloudWatch alarms (R83) --------------------------------------------------------------------

def metric(policy: str | None) -> HealthCheck:
    return HealthCheck("m", HealthCheckConfig(
        type="CLOUDWATCH_METRIC", alarm_identifier=AlarmIdentifier("us-east-1", "cpu-high"),
        insufficient_data_health_status=policy))


@pytest.mark.parametrize("policy, history, alarm, expected", [
    (None, [], "OK", True),
    (None, [], "ALARM", False),
    ("Healthy", ["ALARM"], "INSUFFICIENT_DATA", True),
    ("Unhealthy", ["OK"], "INSUFFICIENT_DATA", False),
    ("LastKnownStatus", ["ALARM"], "INSUFFICIENT_DATA", False),
    ("LastKnownStatus", ["ALARM", "OK"], "INSUFFICIENT_DATA", True),
    ("LastKnownStatus", [], "INSUFFICIENT_DATA", True),    # new check, no history: healthy
    ("LastKnownStatus", ["ALARM", "INSUFFICIENT_DATA"], "INSUFFICIENT_DATA", False),
])
def test_alarm_status_R83(policy: str | None, history: list[str], alarm: str,
                          expected: bool) -> None:
    check = metric(policy)
    state = new_state(check.config)
    for seen in [*history, alarm]:
        state = observe_alarm(state, seen, check.config)
    assert status(check, state, alarm) is expected


def test_evaluate_reads_alarm_by_name_R83() -> None:
    check = metric("Healthy")
    assert evaluate([check], {}, {"cpu-high": "ALARM"}).is_healthy("m") is False
    assert evaluate([check], {}, {"other": "ALARM"}).is_healthy("m") is True


# --- request shape (R78, R79) -------------------------------------------------------------------

@pytest.mark.parametrize("kw, header", [
    ({"type": "HTTP", "port": 80, "fully_qualified_domain_name": "www.example.com."},
     "www.example.com"),
    ({"type": "HTTP", "port": None, "fully_qualified_domain_name": "www.example.com"},
     "www.example.com"),
    ({"type": "HTTPS", "port": 443, "fully_qualified_domain_name": "www.example.com"},
     "www.example.com"),
    ({"type": "HTTP", "port": 8081, "fully_qualified_domain_name": "www.example.com"},
     "www.example.com:8081"),
    ({"type": "HTTPS", "port": 80, "fully_qualified_domain_name": "www.example.com"},
     "www.example.com:80"),
    ({"type": "HTTP", "port": 8081}, "127.0.0.1:8081"),
    ({"type": "HTTP_STR_MATCH", "port": 80}, "127.0.0.1"),
    ({"type": "HTTP", "port": 8081, "ip_address": "::1"}, "[::1]:8081"),
])
def test_host_header_R78(kw: dict[str, object], header: str) -> None:
    assert host_header(http(**kw)) == header


@pytest.mark.parametrize("path, expected", [(None, "/"), ("", "/"), ("health", "/health"),
                                            ("/h?x=1", "/h?x=1")])
def test_resource_path_default_R79(path: str | None, expected: str) -> None:
    assert resource_path(http(resource_path=path)) == expected


# --- configuration rules (R73-R84) ----------------------------------------------------------------

@pytest.mark.parametrize(
    "config, strict, fragment",
    [
        (http(type="PING"), False, "Type 'PING' is not one of"),  # R73
        (http(request_interval=15), False, "RequestInterval 15"),  # R76
        (http(failure_threshold=0), False, "FailureThreshold 0"),
        (http(failure_threshold=11), False, "FailureThreshold 11"),
        (http(ip_address=None), False, "must have an IPAddress or a FullyQualifiedDomainName"),
        (http(ip_address="300.1.1.1"), False, "is not a valid IPv4 or IPv6 address"),
        (http(ip_address="127.0.0.1"), True, "local, private, non-routable"),  # R84
        (http(ip_address="10.1.2.3"), True, "local, private, non-routable"),
        (http(ip_address="100.64.0.1"), True, "local, private, non-routable"),  # RFC 6598
        (http(ip_address="::1"), True, "local, private, non-routable"),  # RFC 5156
        (http(port=70000), False, "Port 70000"),
        (http(type="TCP", port=None), False, "TCP health checks must have a port"),
        (http(type="TCP", resource_path="/x"), False, "must not have a resource path"),
        (
            http(type="TCP", fully_qualified_domain_name="a.example.com"),
            False,
            "TCP health checks that have IP address must not have a fully qualified domain name",
        ),
        (http(search_string="ok"), False, "SearchString can only be specified"),  # R75
        (http(type="HTTP_STR_MATCH"), False, "must have a search string"),
        (http(type="HTTP_STR_MATCH", search_string="x" * 256), False, "at most 255"),
        (HealthCheckConfig(type="CALCULATED"), False, "must have a health threshold"),  # R82
        (HealthCheckConfig(type="CALCULATED", health_threshold=257), False, "between 0 and 256"),
        (
            HealthCheckConfig(
                type="CALCULATED",
                health_threshold=1,
                child_health_checks=tuple(str(i) for i in range(256)),
            ),
            False,
            "at most 255",
        ),
        (
            HealthCheckConfig(type="CALCULATED", health_threshold=1, ip_address="1.2.3.4"),
            False,
            "must not have an IPAddress",
        ),
        (HealthCheckConfig(type="CLOUDWATCH_METRIC"), False, "must have an AlarmIdentifier"),  # R83
        (
            http(alarm_identifier=AlarmIdentifier("us-east-1", "x")),
            False,
            "Basic health checks must not have an metric region specified",
        ),
        (
            HealthCheckConfig(
                type="CLOUDWATCH_METRIC",
                alarm_identifier=AlarmIdentifier("us-east-1", "x"),
                insufficient_data_health_status="Maybe",
            ),
            False,
            "InsufficientDataHealthStatus 'Maybe'",
        ),
        (http(regions=("us-east-1", "eu-west-1")), False, "at least 3 regions"),
        (http(regions=("us-east-1", "eu-west-1", "mars-1")), False, "Region 'mars-1'"),
    ],
)
def test_config_rules(config: HealthCheckConfig, strict: bool, fragment: str) -> None:
    problems = validate_health_check(HealthCheck("hc", config), strict_aws=strict)
    assert any(fragment in msg for _, msg in problems), problems
    assert all(code in ("InvalidInput",) for code, _ in problems)


@pytest.mark.parametrize("config", [
    http(),
    http(ip_address="127.0.0.1"),           # R84: allowed without --strict-aws
    http(ip_address="::1"),
    http(type="HTTPS", port=None),
    http(type="HTTPS_STR_MATCH", search_string="OK", resource_path="health"),
    http(type="TCP"),
    http(fully_qualified_domain_name="www.example.com", ip_address=None),
    HealthCheckConfig(type="CALCULATED", health_threshold=0),
    HealthCheckConfig(type="CLOUDWATCH_METRIC", alarm_identifier=AlarmIdentifier("us-east-1", "x"),
                      insufficient_data_health_status="LastKnownStatus"),
])
def test_valid_configs(config: HealthCheckConfig) -> None:
    assert validate_health_check(HealthCheck("hc", config)) == []


def test_public_ip_passes_strict_aws_R84() -> None:
    assert (
        validate_health_check(HealthCheck("hc", http(ip_address="8.8.8.8")), strict_aws=True) == []
    )


def test_set_rules_R82() -> None:
    a = HealthCheck("a", http())
    inner = HealthCheck("inner", HealthCheckConfig(type="CALCULATED", health_threshold=1,
                                                   child_health_checks=("a",)))
    outer = HealthCheck("outer", HealthCheckConfig(type="CALCULATED", health_threshold=1,
                                                   child_health_checks=("inner", "ghost")))
    problems = validate_health_checks([a, inner, outer, replace(a, caller_reference="again")])
    assert ("a", "HealthCheckAlreadyExists",
            "A health check with the id 'a' already exists.") in problems
    assert any(i == "outer" and c == "NoSuchHealthCheck" and "ghost" in m for i, c, m in problems)
    assert any(i == "outer" and "calculated health check (inner)" in m for i, _, m in problems)
    assert not any(i == "inner" for i, _, _ in problems)
