"""Malformed input never crashes the importers: every field of the hand-written snapshot (up to
four levels deep, the first element of each list) is replaced in turn by a value of each wrong
JSON type, and both importers must return (problems, notes or a smaller import), never raise.
Bounded: one pass over the snapshot's fields, about 1,600 imports of a few milliseconds."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from netemu.errors import Problem
from netemu.route53.aws_import import import_route53
from netemu.vpc.aws_import import Document, import_ec2

pytestmark = pytest.mark.slow

DATA = Path(__file__).resolve().parent / "data" / "account"
WRONG = ("x", 7, [1], {"a": 1}, None)


def paths(obj: Any, prefix: tuple[Any, ...] = (), depth: int = 0) -> Iterator[tuple[Any, ...]]:
    if isinstance(obj, dict):
        for key, value in obj.items():
            yield (*prefix, key)
            if depth < 4:
                yield from paths(value, (*prefix, key), depth + 1)
    elif isinstance(obj, list) and obj:
        yield from paths(obj[0], (*prefix, 0), depth + 1)


def test_every_wrong_type_is_a_problem_or_a_note_never_a_crash() -> None:
    texts = [(str(p), p.read_text()) for p in sorted(DATA.rglob("*.json"))]
    docs = [(source, json.loads(text)) for source, text in texts]
    crashes: list[str] = []
    refused = 0
    for n, (source, data) in enumerate(docs):
        for path in paths(data):
            for bad in WRONG:
                # a fresh copy of every document (parsing again is much faster than deepcopy)
                mutated = [(s, json.loads(text)) for s, text in texts]
                target: Any = mutated[n][1]
                for step in path[:-1]:
                    target = target[step]
                target[path[-1]] = bad
                try:
                    ec2 = import_ec2([Document(s, None, d) for s, d in mutated])
                    dns = import_route53(mutated, ec2.vpc_names)
                except Exception as exc:  # noqa: BLE001 - the test is that nothing raises
                    crashes.append(f"{Path(source).name} {path} = {bad!r}: {exc!r}")
                    continue
                problems: tuple[Problem, ...] = ec2.problems + dns.problems
                assert all(p.file and p.code for p in problems)
                refused += bool(problems)
    assert not crashes, "\n".join(crashes[:20])
    assert refused > 500  # the wrong types are reported, not only survived
