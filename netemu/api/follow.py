"""Reading the stored account from outside the server that writes it: ``stored_zoneset`` turns
the store's rows into the ZoneSet the API serves, and ``StoreFollower`` keeps a copy of the rows
current through ``Store.changes_since`` only (the one small interface: no SQL, no file watching),
so the VPC resolver of ``netemu apply --api-state DIR`` follows a running ``netemu serve --state
DIR`` whichever ``Store`` implementation holds the state.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import replace
from typing import Any

from netemu.api.store import Store, Write
from netemu.route53 import load
from netemu.route53.model import HostedZone, RecordSet, ZoneSet

# the kinds of rows that change what DNS answers (``change`` and ``tags`` do not)
SERVED_KINDS = frozenset({"zone", "rrset", "healthcheck", "cidr"})


Cache = dict[tuple[str, str], tuple[Any, Any]]   # (kind, key) -> (row value, what it reads as)


def apply_writes(rows: dict[str, dict[str, Any]], writes: Sequence[Write]) -> None:
    """One commit's writes applied to a copy of the store's rows (``Account`` and
    ``StoreFollower`` both follow the change log this way)."""
    for kind, key, value in writes:
        table = rows.setdefault(kind, {})
        if value is None:
            table.pop(key, None)
        else:
            table[key] = value   # an update keeps its place, as the store's order does


def stored_zoneset(rows: dict[str, dict[str, Any]], cache: Cache | None = None) -> ZoneSet:
    """The hosted zones (with their record sets), health checks and CIDR collections of the
    stored rows, in the order they were first stored (raises LoadError on a row it cannot
    read).

    With ``cache`` (kept by the caller between calls), a row whose value is the same object as
    last time is not read again, and a zone whose row and record sets are all unchanged is the
    same HostedZone object as last time, so an incremental compile skips it."""
    memo: Cache = {} if cache is None else cache

    def read(kind: str, key: str, value: Any, reader: Callable[[Any], Any]) -> Any:
        hit = memo.get((kind, key))
        if hit is not None and hit[0] is value:
            return hit[1]
        got = reader(value)
        memo[(kind, key)] = (value, got)
        return got

    records: dict[str, list[RecordSet]] = {}
    for key, value in rows.get("rrset", {}).items():
        records.setdefault(value["ZoneId"], []).append(
            read("rrset", key, value, lambda v: load.read_record(v["RecordSet"])))
    zones: list[HostedZone] = []
    for zone_id, value in rows.get("zone", {}).items():
        bare = read("zone", zone_id, value, lambda v: replace(
            load.read_hosted_zone(v["HostedZone"], v.get("VPCs"), "api"), source=None))
        record_sets = tuple(records.get(zone_id, ()))
        hit = memo.get(("zone+records", zone_id))
        if hit is not None and hit[0][0] is bare and len(hit[0][1]) == len(record_sets) \
                and all(a is b for a, b in zip(hit[0][1], record_sets, strict=True)):
            zones.append(hit[1])
            continue
        zone = replace(bare, record_sets=record_sets)
        memo[("zone+records", zone_id)] = ((bare, record_sets), zone)
        zones.append(zone)
    checks = [read("healthcheck", k, v, lambda v: load.read_health_check(v["HealthCheck"]))
              for k, v in rows.get("healthcheck", {}).items()]
    collections = [read("cidr", k, v, lambda v: load.read_cidr_collection(v["Collection"]))
                   for k, v in rows.get("cidr", {}).items()]
    if cache is not None:   # forget what is gone
        live = {(kind, key) for kind in ("rrset", "zone", "healthcheck", "cidr")
                for key in rows.get(kind, {})}
        live |= {("zone+records", key) for key in rows.get("zone", {})}
        for gone in set(memo) - live:
            del memo[gone]
    return ZoneSet(tuple(zones), tuple(checks), tuple(collections))


class StoreFollower:
    """A copy of a store's rows, brought up to date by ``poll``.

    ``load`` reads everything once; ``poll`` asks ``changes_since(version)`` and applies the
    writes to the copy in version order. When the log does not continue where the copy stands
    (a store that compacts its log), it loads everything again."""

    def __init__(self, store: Store) -> None:
        self.store = store
        self.version = 0
        self.rows: dict[str, dict[str, Any]] = {}
        self.cache: Cache = {}

    def load(self) -> ZoneSet:
        loaded = self.store.load()
        self.version, self.rows = loaded.version, {k: dict(v) for k, v in loaded.rows.items()}
        return stored_zoneset(self.rows, self.cache)

    def poll(self) -> ZoneSet | None:
        """The new ZoneSet when a commit since the last call changed what DNS answers; None
        when nothing (or only change records and tags) was committed."""
        commits = self.store.changes_since(self.version)
        if not commits:
            return None
        if commits[0].version != self.version + 1:
            return self.load()
        served = False
        for commit in commits:
            apply_writes(self.rows, commit.writes)
            served = served or any(kind in SERVED_KINDS for kind, _, _ in commit.writes)
            self.version = commit.version
        return stored_zoneset(self.rows, self.cache) if served else None


__all__ = ["SERVED_KINDS", "StoreFollower", "apply_writes", "stored_zoneset"]
