"""topologies/schema.json (the editors' schema) describes exactly the keys the loader accepts."""

from __future__ import annotations

import json
from pathlib import Path

from netemu.vpc.load import KEYS

SCHEMA = Path(__file__).resolve().parents[2] / "topologies" / "schema.json"


def test_schema_matches_the_loader_keys() -> None:
    defs = json.loads(SCHEMA.read_text())["$defs"]
    assert set(defs) == set(KEYS)
    for kind, (required, optional) in KEYS.items():
        d = defs[kind]
        assert d["additionalProperties"] is False, kind
        assert set(d["properties"]) == set(required) | set(optional), kind
        assert set(d["required"]) == set(required), kind


def test_schema_refs_resolve() -> None:
    text = SCHEMA.read_text()
    defs = json.loads(text)["$defs"]
    refs = {part.split('"')[0] for part in text.split('"#/$defs/')[1:]}
    assert refs and refs <= set(defs)
