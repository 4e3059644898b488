"""``netemu check FILE...``: validate zone and topology files; exit 1 on any error.

A file is a zone file when it is a BIND master file (``.zone``/``.db``) or its top level has
``HostedZone``/``ResourceRecordSets`` (or only account-level ``HealthChecks``/``CidrCollections``);
a topology file when its top level has ``vpcs``. A folder is checked file by file (``*.yaml``,
``*.yml``, ``*.json``, ``*.zone``; not ``*schema.json``, the editors' JSON Schemas such as
``topologies/schema.json``).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from netemu import shipped
from netemu.errors import LoadError, Problem
from netemu.route53.load import BIND_SUFFIXES as ZONE_SUFFIXES
from netemu.route53.load import expand as expand_files
from netemu.route53.model import ZoneSet
from netemu.textfile import read_data


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser("check", help="validate zone and topology files (exit 1 on errors)")
    p.add_argument("files", nargs="+", metavar="FILE", type=shipped.resolve_noisy)
    p.set_defaults(func=run)


def expand(paths: list[str]) -> list[Path]:
    """The files named and, in folders, the files ``netemu serve`` would read (the zone loader's
    own expansion), less editors' JSON Schemas such as ``topologies/schema.json``."""
    return [p for p in expand_files(paths) if not p.name.endswith("schema.json")]


def kind_of(path: Path) -> str:
    """``zone`` (a traffic policy document counts: the zone loader checks it) or ``topology``;
    raises LoadError when the file is neither."""
    if path.suffix in ZONE_SUFFIXES:
        return "zone"
    data = read_data(path)   # LoadError: FileError, SyntaxError
    zone_keys = ("HostedZone", "ResourceRecordSets", "HealthChecks", "CidrCollections",
                 "TrafficPolicyInstances", "AWSPolicyFormatVersion")  # + traffic policy documents
    if isinstance(data, dict) and any(key in data for key in zone_keys):
        return "zone"
    if isinstance(data, dict) and "vpcs" in data:
        return "topology"
    raise LoadError(
        [Problem(str(path), "", "UnknownFile",
                 "neither a zone file (HostedZone, ResourceRecordSets) nor a topology (vpcs)")]
    )


def run(args: argparse.Namespace) -> int:
    """Zone files are checked together, as ``netemu serve`` loads them (a record may name a
    health check or CIDR collection of another file); each topology is checked on its own.
    Zones checked with a topology that has Route 53 checkers get a warning for every health
    check of an address those checkers cannot reach (R182)."""
    problems: list[Problem] = []
    zones: list[Path] = []
    topologies: list[Path] = []
    for path in expand(args.files):
        try:
            (zones if kind_of(path) == "zone" else topologies).append(path)
        except LoadError as exc:
            problems.extend(exc.problems)
    zoneset = None
    if zones:
        from netemu.route53.load import load_zone_files

        try:
            zoneset = load_zone_files(zones)
        except LoadError as exc:
            problems.extend(exc.problems)
    warnings: list[str] = []
    for path in topologies:
        from netemu.vpc.load import load_topology_file

        try:
            topology = load_topology_file(path)
        except LoadError as exc:
            problems.extend(exc.problems)
            continue
        if zoneset is not None and topology.route53_checkers:
            warnings += _checker_warnings(path, zoneset)
    bad = {p.file for p in problems}
    for path in zones + topologies:
        if str(path) not in bad:
            print(f"{path}: ok")
    for warning in warnings:
        print(warning)
    for problem in problems:
        print(problem, file=sys.stderr)
    return 1 if problems else 0


def _checker_warnings(topology: Path, zoneset: ZoneSet) -> list[str]:
    """R182: health checks the topology's Route 53 checkers (on its internet) cannot reach."""
    from netemu.route53.health import unreachable_checks

    return [f"{topology}: warning: health check {cid} is unhealthy when probed by this "
            f"topology's Route 53 checkers (route53_health_checkers): {reason}"
            for cid, reason in unreachable_checks(zoneset.health_checks)]
