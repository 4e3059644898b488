"""``netemu import aws DIR [-o OUT]``: an AWS account's saved ``aws ec2 describe-*`` and
``aws route53 list-*/get-*`` outputs -> a topology and zone files (docs/import.md).

The edge: reads every ``*.json`` under DIR (Region subfolders such as ``us-east-1/`` give their
Region to the VPCs found there), calls the pure importers (``netemu.vpc.aws_import``,
``netemu.route53.aws_import``), writes ``OUT/topology.yaml``, ``OUT/zones/*.yaml`` and
``OUT/import-report.txt``, then loads what it wrote with the loaders ``netemu check`` uses.
Exit 0: written and valid; 1: malformed input (nothing written) or the written files do not
load (their problems are printed).
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from pathlib import Path
from typing import Any

import yaml

from netemu.errors import LoadError, Problem

HEADER = "# imported by `netemu import aws` from "
REGION = re.compile(r"^[a-z]{2}(-gov)?-[a-z]+-\d$")


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser("import", help="import an AWS account's saved describe-*/list-* output",
                       description="Import saved AWS CLI outputs into netemu's own formats.")
    kinds = p.add_subparsers(dest="source", metavar="SOURCE")
    kinds.required = True
    aws = kinds.add_parser(
        "aws", help="aws ec2 describe-* and aws route53 list-* JSON outputs in DIR",
        description="Read the JSON outputs of `aws ec2 describe-*` and `aws route53 list-*` in"
        " DIR (one file per call, any names, Region subfolders allowed) and write a topology,"
        " zone files and an import report listing everything not represented.")
    aws.add_argument("dir", metavar="DIR")
    aws.add_argument("-o", "--output", default="netemu-import", metavar="OUT",
                     help="output folder (default ./netemu-import)")
    aws.add_argument("--region", default="us-east-1",
                     help="Region of VPCs whose Region the input does not say (default us-east-1)")
    aws.set_defaults(func=run)


def read_documents(root: Path) -> tuple[list[tuple[str, str | None, Any]], list[Problem]]:
    """(source, Region of its folder, parsed JSON) of every ``*.json`` under root."""
    docs: list[tuple[str, str | None, Any]] = []
    problems: list[Problem] = []
    if not root.is_dir():
        return [], [Problem(str(root), "", "FileError", "not a folder")]
    for path in sorted(root.rglob("*.json")):
        region = next((part for part in path.relative_to(root).parts[:-1]
                       if REGION.match(part)), None)
        try:
            data = json.loads(path.read_text())
        except (OSError, UnicodeDecodeError) as exc:
            problems.append(Problem(str(path), "", "FileError", str(exc)))
            continue
        except json.JSONDecodeError as exc:
            problems.append(Problem(str(path), "", "SyntaxError", str(exc)))
            continue
        docs.append((str(path), region, data))
    return docs, problems


def run(args: argparse.Namespace) -> int:
    from netemu.route53 import aws_import as r53
    from netemu.vpc import aws_import as ec2

    docs, problems = read_documents(Path(args.dir))
    notes: list[str] = []
    for source, _, data in docs:
        if ec2.kind_of_document(data) is None and r53.kind_of_document(data) is None:
            keys = ", ".join(sorted(data)) if isinstance(data, dict) else type(data).__name__
            notes.append(f"{source}: (file): skipped: not an output netemu imports ({keys})")
    vpc = ec2.import_ec2([ec2.Document(s, r, d) for s, r, d in docs], args.region)
    dns = r53.import_route53([(s, d) for s, _, d in docs], vpc.vpc_names)
    problems += list(vpc.problems) + list(dns.problems)
    notes += [str(n) for n in vpc.notes] + [f"{f}: {i}: {m}" for f, i, m in dns.notes]
    if problems:
        for problem in problems:
            print(problem, file=sys.stderr)
        return 1
    topology, zones = _write(Path(args.output), args.dir, vpc.topology, dns.files)
    report = Path(args.output) / "import-report.txt"
    report.write_text("".join(line + "\n" for line in notes) or "everything was imported\n")
    for path in ([topology] if topology else []) + zones:
        print(f"wrote {path}")
    print(f"wrote {report}: {len(notes)} item(s) not imported or imported with a difference")
    for line in notes:
        print(f"  {line}")
    return _check(topology, zones)


def _write(out: Path, source: str, topology: dict[str, Any],
           zone_files: dict[str, dict[str, Any]]) -> tuple[Path | None, list[Path]]:
    """Write the topology (when the snapshot has VPCs) and the zone files; a zone file an
    earlier import wrote for a zone now gone is removed (files without our header stay)."""
    zones_dir = out / "zones"
    zones_dir.mkdir(parents=True, exist_ok=True)
    for old in zones_dir.glob("*.yaml"):
        if old.read_text().startswith(HEADER):
            old.unlink()
    path = None
    if topology.get("vpcs"):
        path = out / "topology.yaml"
        _write_yaml(path, topology, source)
    zones = []
    for name, doc in sorted(zone_files.items()):
        _write_yaml(zones_dir / name, doc, source)
        zones.append(zones_dir / name)
    return path, zones


def _write_yaml(path: Path, data: Any, source: str) -> None:
    text = yaml.safe_dump(data, sort_keys=False, default_flow_style=False, width=100)
    path.write_text(f"{HEADER}{source}\n{text}")


def _check(topology: Path | None, zones: list[Path]) -> int:
    """Load what was written, as ``netemu check`` does."""
    from netemu.route53.load import load_zone_files
    from netemu.vpc.load import load_topology_file

    problems: list[Problem] = []
    if topology is not None:
        try:
            load_topology_file(topology)
        except LoadError as exc:
            problems.extend(exc.problems)
    if zones:
        try:
            load_zone_files(zones)
        except LoadError as exc:
            problems.extend(exc.problems)
    for problem in problems:
        print(problem, file=sys.stderr)
    return 1 if problems else 0
