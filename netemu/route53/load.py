"""Zone files (Route 53 API shapes, YAML or JSON; BIND master files) -> ZoneSet, pure.

``load_zone_files(paths)`` reads every file, validates everything with Route 53's rules and
wording (docs/behaviour.md R1-R40) and returns one ZoneSet, or raises LoadError with every Problem
found in every file, several per record when a record has several (a bad set is refused whole:
nothing is served from a set with a problem). Problems name the record as
``NAME TYPE [SetIdentifier]``.

The jobs, one module each, in the order they run:
1. ``sources``: the files of the paths named, each file's raw data (BIND via ``bind``);
2. ``readers``: the shape of every item -> model values (every problem of an item);
3. account level: health checks (``health.validate_health_checks``, unique ids) and CIDR
   collections across files;
4. ``rules``: each record on its own and the records of one zone (R21-R27, R31, R34, R91),
   zones that clash; ``defaults``: the SOA and NS Route 53 adds (R5-R8);
5. ``rules.check_groups``: what needs the whole set, alias targets (R35-R37) and the routing
   policies' own rules per (name, type) group (``policies.validate_group``).

The API's change batches (``route53.changes``) run the same readers and rules through the
entry points re-exported here.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import replace
from functools import partial
from pathlib import Path
from typing import Any

from netemu.errors import LoadError, Problem
from netemu.route53 import health
from netemu.route53.defaults import (
    NS_TTL,
    PRIVATE_NS,
    SOA_TAIL,
    SOA_TTL,
    default_name_servers,
    default_records,
    with_defaults,
    zone_id_for,
)
from netemu.route53.model import CidrCollection, HealthCheck, HostedZone, RecordSet, ZoneSet
from netemu.route53.readers import (
    FieldError,
    ZoneFile,
    read_cidr_collection,
    read_health_check,
    read_hosted_zone,
    read_record,
    read_zone_file,
)
from netemu.route53.rules import (
    MAX_RECORD_SETS,
    MAX_VALUES,
    alias_problem,
    alias_target_zone,
    check_groups,
    check_zone_records,
    zone_clash,
)
from netemu.route53.sources import (
    BIND_SUFFIXES,
    DATA_SUFFIXES,
    expand,
    parse_zone_data,
    read_zone_data,
)

__all__ = [
    "BIND_SUFFIXES", "DATA_SUFFIXES", "MAX_RECORD_SETS", "MAX_VALUES", "NS_TTL", "PRIVATE_NS",
    "SOA_TAIL", "SOA_TTL", "FieldError", "ZoneFile", "alias_problem", "alias_target_zone",
    "build_zoneset", "check_groups", "check_records", "default_name_servers",
    "default_records", "expand", "load_zone_files", "load_zone_text", "read_cidr_collection",
    "read_health_check", "read_hosted_zone", "read_record", "zone_clash", "zone_id_for",
]


def load_zone_files(paths: Iterable[str | Path], strict_aws: bool = False) -> ZoneSet:
    """Read and validate zone files (files or folders) into one ZoneSet; raise LoadError.
    ``strict_aws`` also refuses health checks of private and loopback endpoints, as AWS does
    (R84; netemu allows them by default)."""
    problems: list[Problem] = []
    files: list[ZoneFile] = []
    for path in expand(paths):
        _read_safely(str(path), partial(read_zone_data, path), files, problems)
    return _finish(files, problems, strict_aws)


def load_zone_text(text: str, source: str = "<zone>") -> ZoneSet:
    """One YAML/JSON document (e.g. in tests); raises LoadError."""
    problems: list[Problem] = []
    files: list[ZoneFile] = []
    _read_safely(source, lambda: parse_zone_data(text, source), files, problems)
    return _finish(files, problems)


def _read_safely(source: str, read: Callable[[], dict[str, Any]], files: list[ZoneFile],
                 problems: list[Problem]) -> None:
    """Read one file (``read()`` gives its data) into ``files``, its problems into
    ``problems``; a loader bug still names the file, never a traceback."""
    try:
        parsed = read_zone_file(read(), source, problems)
    except LoadError as exc:
        problems += exc.problems
        return
    except Exception as exc:  # noqa: BLE001 - the safety net of every file
        problems.append(Problem(source, "", "InternalError", f"{type(exc).__name__}: {exc}"))
        return
    if parsed is not None:
        files.append(parsed)


def _finish(files: Sequence[ZoneFile], problems: list[Problem],
            strict_aws: bool = False) -> ZoneSet:
    try:
        zoneset = build_zoneset(files, problems, strict_aws)
    except Exception as exc:  # noqa: BLE001 - a bug in a rule must not become a traceback
        where = ", ".join(f.source for f in files) or "<zones>"
        problems.append(Problem(where, "", "InternalError", f"{type(exc).__name__}: {exc}"))
        zoneset = ZoneSet()
    if problems:
        raise LoadError(problems)
    return zoneset


# --- building and validating the set -----------------------------------------------------------


def _health_checks(files: Sequence[ZoneFile], problems: list[Problem],
                   strict_aws: bool) -> dict[str, HealthCheck]:
    """The account's health checks across files (unique ids, then their own rules and the
    rules across checks, ``route53.health``)."""
    checks: dict[str, HealthCheck] = {}
    sources: dict[str, str] = {}
    for f in files:
        for hc in f.health_checks:
            duplicate = health.duplicate_id(hc, checks)
            if duplicate is not None:
                problems.append(Problem(f.source, f"HealthChecks[{hc.id}]", *duplicate))
                continue
            checks[hc.id] = hc
            sources[hc.id] = f.source
    for cid, code, message in health.validate_health_checks(checks.values(), strict_aws):
        problems.append(Problem(sources[cid], f"HealthChecks[{cid}]", code, message))
    return checks


def _cidr_collections(files: Sequence[ZoneFile],
                      problems: list[Problem]) -> dict[str, CidrCollection]:
    collections: dict[str, CidrCollection] = {}
    for f in files:
        for cc in f.cidr_collections:
            if cc.id in collections:
                problems.append(Problem(f.source, f"CidrCollections[{cc.id}]",
                                        "CidrCollectionAlreadyExistsException",
                                        f"A CIDR collection with id {cc.id} already exists"))
                continue
            collections[cc.id] = cc
    return collections


def build_zoneset(files: Sequence[ZoneFile], problems: list[Problem],
                  strict_aws: bool = False) -> ZoneSet:
    checks = _health_checks(files, problems, strict_aws)
    collections = _cidr_collections(files, problems)
    zones: list[HostedZone] = []
    seen: dict[tuple[str, bool], list[HostedZone]] = defaultdict(list)
    for f in files:
        if f.zone is None:
            continue
        clash = zone_clash(f.zone, seen[(f.zone.name, f.zone.private)])
        if clash is not None:
            problems.append(Problem(f.source, "HostedZone", "ConflictingDomainExists",
                                    f"A {'private' if f.zone.private else 'public'} hosted zone "
                                    f"for {f.zone.name} is already loaded from {clash.source}"))
            continue
        seen[(f.zone.name, f.zone.private)].append(f.zone)
        kept = check_zone_records(f.zone, f.records, checks, f.source, problems)
        zones.append(replace(f.zone, record_sets=tuple(
            with_defaults(f.zone, kept, f.name_servers))))
    zoneset = ZoneSet(tuple(zones), tuple(checks.values()), tuple(collections.values()))
    for zone in zoneset.zones:
        by_key: dict[tuple[str, str], list[RecordSet]] = defaultdict(list)
        for rec in zone.record_sets:
            by_key[(rec.name, rec.type)].append(rec)
        aliases = [(rec, zone) for rec in zone.record_sets if rec.alias_target is not None]
        check_groups(zone, by_key.values(), aliases, zoneset, problems)
    return zoneset


def check_records(zone: HostedZone, records: Sequence[RecordSet], zoneset: ZoneSet,
                  problems: list[Problem]) -> None:
    """The per-record and per-name rules (R21-R27, R31, R34, R91) over ``records`` of ``zone``
    (e.g. the names a change batch touched), in their order."""
    checks = {hc.id: hc for hc in zoneset.health_checks}
    check_zone_records(zone, records, checks, zone.source or "api", problems)
