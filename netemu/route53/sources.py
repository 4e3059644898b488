"""Where zone files come from, pure but for reading them: the files of the paths named, and each
file's raw zone-file data (YAML/JSON as parsed; a BIND master file turned into the same shape,
``route53.bind``). Every problem is a LoadError naming the file (``FileError``,
``SyntaxError`` with the line of a BIND file, ``InvalidInput`` when the top is not a mapping).
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import Any

from netemu.errors import LoadError, Problem
from netemu.route53 import bind
from netemu.textfile import parse_data, read_text

__all__ = ["BIND_SUFFIXES", "DATA_SUFFIXES", "expand", "parse_zone_data", "read_zone_data"]

BIND_SUFFIXES = (".zone", ".db")
DATA_SUFFIXES = (".yaml", ".yml", ".json")
NOT_A_MAPPING = "a zone file is a mapping with HostedZone and ResourceRecordSets"


def expand(paths: Iterable[str | Path]) -> list[Path]:
    """Files named, and the zone files of folders named (sorted)."""
    out: list[Path] = []
    for raw in paths:
        path = Path(raw)
        if path.is_dir():
            out.extend(sorted(p for p in path.iterdir()
                              if p.suffix in DATA_SUFFIXES + BIND_SUFFIXES))
        else:
            out.append(path)
    return out


def read_zone_data(path: Path) -> dict[str, Any]:
    """One file's zone-file mapping; raises LoadError."""
    text = read_text(path)
    if path.suffix in BIND_SUFFIXES:
        return _bind_data(text, path)
    return _with_documents(parse_zone_data(text, str(path)), path)


def _with_documents(data: dict[str, Any], path: Path) -> dict[str, Any]:
    """R123: each ``TrafficPolicyInstances[].Document`` that names a file (relative to the zone
    file) replaced by the document that file holds (JSON or YAML)."""
    instances = data.get("TrafficPolicyInstances")
    if not isinstance(instances, list):
        return data
    problems: list[Problem] = []
    for index, item in enumerate(instances):
        if not isinstance(item, dict) or not isinstance(item.get("Document"), str):
            continue
        where = path.parent / item["Document"]
        try:
            item["Document"] = parse_data(read_text(where), str(where))
        except LoadError as exc:
            problems += [Problem(str(path), f"TrafficPolicyInstances[{index}].Document",
                                 p.code, f"{p.file}: {p.message}") for p in exc.problems]
    if problems:
        raise LoadError(problems)
    return data


def parse_zone_data(text: str, source: str) -> dict[str, Any]:
    """A YAML/JSON zone-file document -> its mapping; raises LoadError."""
    data = parse_data(text, source)
    if not isinstance(data, dict):
        raise LoadError([Problem(source, "", "InvalidInput", NOT_A_MAPPING)])
    return data


def _bind_data(text: str, path: Path) -> dict[str, Any]:
    try:
        parsed = bind.parse(text)
    except bind.BindError as exc:
        raise LoadError([Problem(str(path), f"line {exc.line}", "SyntaxError", str(exc))]) \
            from None
    origin = parsed.origin or (path.stem + ".")
    return {"HostedZone": {"Name": origin}, "ResourceRecordSets": list(parsed.record_sets)}
