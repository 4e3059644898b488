"""Health as the DNS path sees it, and Route 53's health-check rules, pure (R73-R87).

The contract with the engine: ``snapshot.is_healthy(check_id)``. A check the snapshot does not
know is healthy (a new check is healthy until enough data, R80).

Theory of operation
-------------------
Route 53 runs each endpoint check from several checker regions. Each checker keeps its own view
of the endpoint (healthy or not) and flips it only after ``FailureThreshold`` consecutive probe
results that disagree with it, in either direction (R76). That is the whole state machine, one
small table (``TRANSITIONS``) keyed by (checker status, probe passed). The endpoint is healthy
when more than 18 % of the checkers say so (R77). netemu runs one real probe per interval and
gives that observation to every configured checker region (docs/behaviour.md decision on R77/R87).

Every checker starts healthy, so a new check is healthy until enough data; ``Inverted`` flips the
endpoint's status, so a new inverted check starts unhealthy (R80, R81). ``Disabled`` is always
healthy (R81). A CALCULATED check is healthy when at least ``HealthThreshold`` of its children are
(a disabled child is healthy, R82); a CLOUDWATCH_METRIC check follows its alarm (OK/ALARM) and
``InsufficientDataHealthStatus`` (R83).

Nothing here reads a clock or opens a socket: probe results and their times are arguments. The
asyncio side (``netemu.health``) runs the probes and publishes the ``HealthSnapshot`` that
``evaluate`` builds.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Callable, Container, Iterable, Mapping
from dataclasses import dataclass, field, replace
from types import MappingProxyType

from netemu.route53.model import HealthCheck, HealthCheckConfig

# --- the snapshot the DNS path reads --------------------------------------------------------


@dataclass(frozen=True, slots=True)
class CheckReport:
    """What ``netemu health`` shows for one check: its status, the last observation (None
    before the first probe) and when it was made (seconds since the epoch)."""

    check_id: str
    type: str
    healthy: bool
    observation: str | None = None
    checked_at: float | None = None
    since: float | None = None


@dataclass(frozen=True, slots=True)
class HealthSnapshot:
    """Every check's status as routing uses it (``statuses``) and, for ``netemu health``, a
    report per check as of when the snapshot was built (``reports``, additive)."""

    statuses: Mapping[str, bool] = field(default_factory=lambda: MappingProxyType({}))
    reports: Mapping[str, CheckReport] = field(default_factory=lambda: MappingProxyType({}))

    def is_healthy(self, check_id: str) -> bool:
        return self.statuses.get(check_id, True)


ALL_HEALTHY = HealthSnapshot()

# --- constants (API HealthCheckConfig) ------------------------------------------------------

ENDPOINT_TYPES = ("HTTP", "HTTPS", "HTTP_STR_MATCH", "HTTPS_STR_MATCH", "TCP")
STRING_MATCH_TYPES = ("HTTP_STR_MATCH", "HTTPS_STR_MATCH")
TLS_TYPES = ("HTTPS", "HTTPS_STR_MATCH")
TYPES = (*ENDPOINT_TYPES, "CALCULATED", "CLOUDWATCH_METRIC", "RECOVERY_CONTROL")
# API HealthCheckRegion; a check without Regions uses all of them.
CHECKER_REGIONS = (
    "us-east-1", "us-west-1", "us-west-2", "eu-west-1",
    "ap-southeast-1", "ap-southeast-2", "ap-northeast-1", "sa-east-1",
)
INSUFFICIENT_DATA_STATUSES = ("Healthy", "Unhealthy", "LastKnownStatus")
ALARM_STATES = ("OK", "ALARM", "INSUFFICIENT_DATA")
HEALTHY_CHECKER_SHARE = 0.18  # R77: healthy iff more than 18 % of checkers say so

# Probe limits (R74, R75), in seconds before --time-scale.
HTTP_CONNECT_TIMEOUT = 4.0
HTTP_RESPONSE_TIMEOUT = 2.0
TCP_CONNECT_TIMEOUT = 10.0
SEARCH_WINDOW_BYTES = 5120


def default_port(config: HealthCheckConfig) -> int | None:
    """Port probed: the configured one, else 80 for HTTP(_STR_MATCH), 443 for HTTPS(_STR_MATCH)."""
    if config.port is not None:
        return config.port
    if config.type in TLS_TYPES:
        return 443
    if config.type in ("HTTP", "HTTP_STR_MATCH"):
        return 80
    return None


def resource_path(config: HealthCheckConfig) -> str:
    """R79: ``/`` by default; a leading ``/`` is added when missing."""
    path = config.resource_path or "/"
    return path if path.startswith("/") else "/" + path


def host_header(config: HealthCheckConfig) -> str:
    """R78: the FQDN on the type's default port (80 HTTP, 443 HTTPS), ``FQDN:port`` otherwise;
    the IP address stands in for the FQDN when there is none (IPv6 in brackets)."""
    port = default_port(config)
    host = config.fully_qualified_domain_name
    if host:
        host = host.rstrip(".")
    elif config.ip_address and ":" in config.ip_address:
        host = f"[{config.ip_address}]"
    else:
        host = config.ip_address or ""
    standard = (config.type in ("HTTP", "HTTP_STR_MATCH") and port == 80) or (
        config.type in TLS_TYPES and port == 443
    )
    return host if standard else f"{host}:{port}"


def checker_regions(config: HealthCheckConfig) -> tuple[str, ...]:
    return config.regions or CHECKER_REGIONS


def probed(config: HealthCheckConfig) -> bool:
    """Whether checkers send requests: endpoint checks only, and not while Disabled (Route 53
    stops checking a disabled check; it is healthy, R81)."""
    return config.type in ENDPOINT_TYPES and not config.disabled


# --- the threshold table (R76) ----------------------------------------------------------------

HEALTHY, UNHEALTHY = True, False
PASS, FAIL = True, False
STAY, COUNT = "stay", "count"

# (checker status, probe passed) -> what the result does. A result that agrees with the status
# resets the streak; one that disagrees counts, and FailureThreshold of them in a row flip it.
TRANSITIONS: Mapping[tuple[bool, bool], str] = MappingProxyType({
    (HEALTHY, PASS): STAY,
    (HEALTHY, FAIL): COUNT,
    (UNHEALTHY, FAIL): STAY,
    (UNHEALTHY, PASS): COUNT,
})


@dataclass(frozen=True, slots=True)
class Checker:
    """One checker region's view of an endpoint: its status and how many consecutive results
    have disagreed with it."""

    region: str
    healthy: bool = True
    streak: int = 0


def step(checker: Checker, passed: bool, failure_threshold: int) -> Checker:
    """One probe result through the table."""
    if TRANSITIONS[(checker.healthy, passed)] == STAY:
        return replace(checker, streak=0) if checker.streak else checker
    streak = checker.streak + 1
    if streak >= failure_threshold:
        return Checker(checker.region, not checker.healthy, 0)
    return replace(checker, streak=streak)


def aggregate(checkers: Iterable[Checker]) -> bool:
    """R77: the endpoint is healthy iff more than 18 % of its checkers report it healthy."""
    views = [c.healthy for c in checkers]
    if not views:
        return True
    return sum(views) > HEALTHY_CHECKER_SHARE * len(views)


# --- one check's state ----------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Observation:
    """One probe's outcome: passed or not, what was seen (``HTTP 500 from 127.0.0.1:8081``) and
    when (seconds since the epoch, given by the caller)."""

    passed: bool
    detail: str
    at: float = 0.0


@dataclass(frozen=True, slots=True)
class CheckState:
    """Everything Route 53 remembers about one check between probes. ``metric_healthy`` is the
    last status decided by an alarm with sufficient data (CLOUDWATCH_METRIC, LastKnownStatus)."""

    checkers: tuple[Checker, ...] = ()
    last: Observation | None = None
    metric_healthy: bool | None = None


def new_state(config: HealthCheckConfig) -> CheckState:
    """A new check: every checker healthy, no observation yet (R80)."""
    return CheckState(tuple(Checker(r) for r in checker_regions(config)))


def observe(state: CheckState, observation: Observation, config: HealthCheckConfig) -> CheckState:
    """One real probe, reported as every checker region's observation."""
    return observe_regions(state, {c.region: observation for c in state.checkers}, config)


def observe_regions(
    state: CheckState, observations: Mapping[str, Observation], config: HealthCheckConfig
) -> CheckState:
    """Each region's checker folds its own observation; regions without one keep their view."""
    checkers = tuple(
        step(c, observations[c.region].passed, config.failure_threshold)
        if c.region in observations else c
        for c in state.checkers
    )
    last = max(observations.values(), key=lambda o: o.at) if observations else state.last
    return replace(state, checkers=checkers, last=last)


def observe_alarm(state: CheckState, alarm_state: str, config: HealthCheckConfig,
                  at: float = 0.0) -> CheckState:
    """R83: the alarm's state as last seen. OK and ALARM are sufficient data and become the
    last known status; INSUFFICIENT_DATA leaves it as it was."""
    known = {"OK": True, "ALARM": False}.get(alarm_state)
    detail = f"alarm {config.alarm_identifier.name if config.alarm_identifier else '?'} " \
             f"is {alarm_state}"
    metric = known if known is not None else state.metric_healthy
    return replace(state, metric_healthy=metric,
                   last=Observation(known is not False, detail, at))


def _alarm_status(state: CheckState, alarm_state: str, config: HealthCheckConfig) -> bool:
    if alarm_state == "OK":
        return True
    if alarm_state == "ALARM":
        return False
    policy = config.insufficient_data_health_status or "LastKnownStatus"
    if policy == "Healthy":
        return True
    if policy == "Unhealthy":
        return False
    return True if state.metric_healthy is None else state.metric_healthy


def _finish(config: HealthCheckConfig, raw: bool) -> bool:
    """R81: Disabled is healthy whatever the endpoint does; Inverted flips."""
    if config.disabled:
        return True
    return not raw if config.inverted else raw


def status(check: HealthCheck, state: CheckState, alarm_state: str = "INSUFFICIENT_DATA",
           children: Mapping[str, bool] | None = None) -> bool:
    """The status Route 53 gives a check (what routing uses). ``children`` are the statuses of
    a calculated check's children; ``alarm_state`` the state of a metric check's alarm."""
    config = check.config
    if config.type == "CALCULATED":
        kids = children or {}
        healthy = sum(1 for c in config.child_health_checks if kids.get(c, True))
        raw = healthy >= (config.health_threshold or 0)
    elif config.type == "CLOUDWATCH_METRIC":
        raw = _alarm_status(state, alarm_state, config)
    else:
        raw = aggregate(state.checkers)
    return _finish(config, raw)


def evaluate(
    checks: Iterable[HealthCheck],
    states: Mapping[str, CheckState],
    alarms: Mapping[str, str] | None = None,
    previous: HealthSnapshot | None = None,
    now: float = 0.0,
) -> HealthSnapshot:
    """A new snapshot from every check's state: endpoint and metric checks first, calculated
    checks from them (no calculated-of-calculated, R82). ``alarms`` maps alarm names to states;
    ``previous`` carries each report's ``since`` over when the status did not change."""
    alarms = alarms or {}
    ordered = sorted(checks, key=lambda c: c.config.type == "CALCULATED")
    statuses: dict[str, bool] = {}
    reports: dict[str, CheckReport] = {}
    for check in ordered:
        state = states.get(check.id) or new_state(check.config)
        alarm = check.config.alarm_identifier
        alarm_state = alarms.get(alarm.name, "INSUFFICIENT_DATA") if alarm else "INSUFFICIENT_DATA"
        healthy = status(check, state, alarm_state, statuses)
        statuses[check.id] = healthy
        if check.config.type == "CALCULATED":
            up = sum(1 for c in check.config.child_health_checks if statuses.get(c, True))
            detail: str | None = (f"{up} of {len(check.config.child_health_checks)} children "
                                  f"healthy, threshold {check.config.health_threshold or 0}")
            at: float | None = now
        elif check.config.disabled:
            detail, at = "disabled", None
        else:
            detail = state.last.detail if state.last else None
            at = state.last.at if state.last else None
        before = previous.reports.get(check.id) if previous else None
        since = before.since if before is not None and before.healthy == healthy else now
        reports[check.id] = CheckReport(check.id, check.config.type, healthy, detail, at, since)
    return HealthSnapshot(MappingProxyType(statuses), MappingProxyType(reports))


def status_word(healthy: bool) -> str:
    return "Healthy" if healthy else "Unhealthy"


# --- configuration rules (R73-R84), in Route 53's words -----------------------------------------

INVALID = "InvalidInput"


def _bad(message: str) -> tuple[str, str]:
    return (INVALID, f"Invalid parameter : {message}")


def _ip_problem(text: str, strict_aws: bool) -> tuple[str, str] | None:
    try:
        ip = ipaddress.ip_address(text)
    except ValueError:
        return _bad(f"IP address '{text}' is not a valid IPv4 or IPv6 address.")
    if strict_aws and (not ip.is_global or ip.is_multicast):
        return _bad(
            f"IP address '{text}' is in a local, private, non-routable, or multicast range "
            "(RFC 5735, RFC 6598, RFC 5156); Route 53 can't check the health of such "
            "endpoints (netemu allows them without --strict-aws)."
        )
    return None


def validate_health_check(check: HealthCheck, strict_aws: bool = False) -> list[tuple[str, str]]:
    """Problems of one health check's configuration as ``(code, message)`` pairs, in Route 53's
    words (R73-R84). Called by the zone loader for every ``HealthChecks`` entry. Private and
    loopback endpoints are allowed unless ``strict_aws`` (R84 decision)."""
    c = check.config
    if c.type not in TYPES:
        return [_bad(f"Type '{c.type}' is not one of {', '.join(TYPES)}.")]
    if c.type == "RECOVERY_CONTROL":
        return [("NotImplemented", "netemu does not emulate RECOVERY_CONTROL health checks "
                                   "(Route 53 Application Recovery Controller).")]
    return _common_problems(c) + _TYPE_PROBLEMS[c.type](c, strict_aws)


def _common_problems(c: HealthCheckConfig) -> list[tuple[str, str]]:
    """The rules of every type of check."""
    out: list[tuple[str, str]] = []
    if c.request_interval not in (10, 30):
        out.append(_bad(f"RequestInterval {c.request_interval} is not valid; use 10 or 30."))
    if not 1 <= c.failure_threshold <= 10:
        out.append(_bad(f"FailureThreshold {c.failure_threshold} must be between 1 and 10."))
    if c.insufficient_data_health_status is not None and \
            c.insufficient_data_health_status not in INSUFFICIENT_DATA_STATUSES:
        out.append(_bad(f"InsufficientDataHealthStatus '{c.insufficient_data_health_status}' is "
                        f"not one of {', '.join(INSUFFICIENT_DATA_STATUSES)}."))
    out += [_bad(f"Region '{region}' is not a health checker region "
                 f"({', '.join(CHECKER_REGIONS)}).")
            for region in c.regions if region not in CHECKER_REGIONS]
    if c.regions and len(set(c.regions)) < 3:
        out.append(_bad("A health check must specify at least 3 regions."))
    if c.search_string is not None and c.type not in STRING_MATCH_TYPES:
        out.append(_bad("SearchString can only be specified for HTTP_STR_MATCH and "
                        "HTTPS_STR_MATCH health checks."))
    if c.alarm_identifier is not None and c.type != "CLOUDWATCH_METRIC":
        out.append(_bad("Basic health checks must not have an metric region specified."))
    return out


def _no_endpoint(c: HealthCheckConfig, kind: str) -> list[tuple[str, str]]:
    if c.ip_address or c.fully_qualified_domain_name or c.port is not None:
        return [_bad(f"{kind} health checks must not have an IPAddress, "
                     "FullyQualifiedDomainName or Port.")]
    return []


def _calculated_problems(c: HealthCheckConfig, strict_aws: bool) -> list[tuple[str, str]]:
    out: list[tuple[str, str]] = []
    if c.health_threshold is None:
        out.append(_bad("Calculated health checks must have a health threshold specified."))
    elif not 0 <= c.health_threshold <= 256:
        out.append(_bad(f"HealthThreshold {c.health_threshold} must be between 0 and 256."))
    if len(c.child_health_checks) > 255:
        out.append(_bad("A calculated health check can have at most 255 child health checks."))
    return out + _no_endpoint(c, "Calculated")


def _metric_problems(c: HealthCheckConfig, strict_aws: bool) -> list[tuple[str, str]]:
    out: list[tuple[str, str]] = []
    if c.alarm_identifier is None:
        out.append(_bad("CloudWatch metric health checks must have an AlarmIdentifier "
                        "(Region and Name) specified."))
    return out + _no_endpoint(c, "CloudWatch metric")


def _endpoint_problems(c: HealthCheckConfig, strict_aws: bool) -> list[tuple[str, str]]:
    out: list[tuple[str, str]] = []
    if not c.ip_address and not c.fully_qualified_domain_name:
        out.append(_bad(f"{c.type} health checks must have an IPAddress or a "
                        "FullyQualifiedDomainName specified."))
    if c.ip_address:
        problem = _ip_problem(c.ip_address, strict_aws)
        if problem:
            out.append(problem)
    if c.fully_qualified_domain_name and len(c.fully_qualified_domain_name) > 255:
        out.append(_bad("FullyQualifiedDomainName must be at most 255 characters."))
    if c.port is not None and not 1 <= c.port <= 65535:
        out.append(_bad(f"Port {c.port} must be between 1 and 65535."))
    if c.type == "TCP":
        if c.port is None:
            out.append(_bad("TCP health checks must have a port specified."))
        if c.resource_path:
            out.append(_bad("TCP health checks must not have a resource path specified."))
        if c.ip_address and c.fully_qualified_domain_name:
            out.append((INVALID, "TCP health checks that have IP address must not have a fully "
                                 "qualified domain name specified."))
    if c.resource_path is not None and len(c.resource_path) > 255:
        out.append(_bad("ResourcePath must be at most 255 characters."))
    if c.type in STRING_MATCH_TYPES:
        if not c.search_string:
            out.append(_bad(f"{c.type} health checks must have a search string specified."))
        elif len(c.search_string) > 255:
            out.append(_bad("SearchString must be at most 255 characters."))
    return out


# The rules of each type of check beyond the common ones (R73-R84).
_TYPE_PROBLEMS: Mapping[str, Callable[[HealthCheckConfig, bool], list[tuple[str, str]]]] = {
    **{t: _endpoint_problems for t in ENDPOINT_TYPES},
    "CALCULATED": _calculated_problems, "CLOUDWATCH_METRIC": _metric_problems,
}


def duplicate_id(check: HealthCheck, known: Container[str]) -> tuple[str, str] | None:
    """Health check ids are unique in the account: (code, message) when ``check`` repeats one
    of ``known``."""
    if check.id in known:
        return ("HealthCheckAlreadyExists",
                f"A health check with the id '{check.id}' already exists.")
    return None


def validate_health_checks(
    checks: Iterable[HealthCheck], strict_aws: bool = False
) -> list[tuple[str, str, str]]:
    """Problems of a whole set of checks as ``(check id, code, message)``: each check's own
    rules plus the rules across checks (unique ids, children exist, no calculated child, R82)."""
    checks = list(checks)
    out: list[tuple[str, str, str]] = []
    by_id: dict[str, HealthCheck] = {}
    for check in checks:
        duplicate = duplicate_id(check, by_id)
        if duplicate is not None:
            out.append((check.id, *duplicate))
        by_id.setdefault(check.id, check)
        out += [(check.id, code, msg) for code, msg in validate_health_check(check, strict_aws)]
    for check in checks:
        if check.config.type != "CALCULATED":
            continue
        for child in check.config.child_health_checks:
            target = by_id.get(child)
            if target is None:
                out.append((check.id, "NoSuchHealthCheck",
                            f"No health check exists with the specified ID {child}."))
            elif target.config.type == "CALCULATED":
                out.append((check.id, INVALID, "Invalid parameter : A calculated health check "
                            f"can't have another calculated health check ({child}) as a child."))
    return out
