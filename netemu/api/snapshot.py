"""Incremental serving snapshots for API changes: each hosted zone is compiled on its own
(aliases never leave their zone) and kept with the zone value it was compiled from; a new
snapshot recompiles only the zones whose value changed and merges the rest by reference.

A change to one zone among 500 therefore costs that zone's compile plus a merge of the
tables, not a compile of every zone. Compiled tables are keyed by ``id(record)`` today: a cached
part is reused only while its zone value (and so every record object in it) is the one being
served, so no key can belong to a different record.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

from netemu.dns import codec
from netemu.dns.handler import Serving, build_serving
from netemu.errors import LoadError, Problem
from netemu.route53.lookup import CompiledZones, compile_zones
from netemu.route53.model import HostedZone, ZoneSet


@dataclass(frozen=True, slots=True)
class _Part:
    zone: HostedZone
    context: tuple[Any, ...]
    zones: CompiledZones
    wire: codec.WireData


class SnapshotBuilder:
    """``build(zoneset) -> Serving``, reusing the compiled parts of unchanged zones."""

    def __init__(self) -> None:
        self.parts: dict[str, _Part] = {}

    def build(self, zoneset: ZoneSet) -> Serving:
        context = (zoneset.cidr_collections,)
        parts: dict[str, _Part] = {}
        for zone in zoneset.zones:
            part = self.parts.get(zone.id)
            if part is None or part.zone is not zone or part.context != context:
                part = self._compile(zone, zoneset)
            parts[zone.id] = part
        self.parts = parts
        if not parts:
            return build_serving(zoneset)
        public: dict[Any, Any] = {}
        private: dict[str, dict[Any, Any]] = {}
        alias_groups: dict[int, Any] = {}
        targets: dict[int, Any] = {}
        refs: dict[int, Any] = {}
        rdata: dict[int, tuple[bytes, ...]] = {}
        tails: dict[int, tuple[bytes, ...]] = {}
        for part in parts.values():
            c = part.zones
            public.update(c.public)
            for vpc, table in c.private.items():
                private.setdefault(vpc, {}).update(table)
            alias_groups.update(c.alias_groups)
            targets.update(c.targets)
            refs.update(c.refs)
            rdata.update(part.wire.rdata)
            tails.update(part.wire.tails)
        compiled = CompiledZones(zoneset, public, private, alias_groups, targets, refs)
        return Serving(zoneset, compiled, codec.WireData(rdata, tails))

    def _compile(self, zone: HostedZone, zoneset: ZoneSet) -> _Part:
        alone = replace(zoneset, zones=(zone,))
        try:
            wire = codec.compile(alone)
        except codec.PackErrors as exc:
            raise LoadError([Problem(z.source or z.name, rec.label(), "InvalidChangeBatch", why)
                             for z, rec, why in exc.errors]) from None
        return _Part(zone, (zoneset.cidr_collections,), compile_zones(alone), wire)


__all__ = ["SnapshotBuilder"]
