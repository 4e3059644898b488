"""Reading the stored account from outside the server that writes it: ``stored_zoneset`` turns
the store's rows into the ZoneSet the API serves, and ``StoreFollower`` keeps a copy of the rows
current through ``Store.changes_since`` only (the one small interface: no SQL, no file watching),
so the VPC resolver of ``netemu apply --api-state DIR`` follows a running ``netemu serve --state
DIR`` whichever ``Store`` implementation holds the state.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from netemu.api.store import Store
from netemu.route53 import load
from netemu.route53.model import HostedZone, RecordSet, ZoneSet

# the kinds of rows that change what DNS answers (``change`` and ``tags`` do not)
SERVED_KINDS = frozenset({"zone", "rrset", "healthcheck", "cidr"})


def stored_zoneset(rows: dict[str, dict[str, Any]]) -> ZoneSet:
    """The hosted zones (with their record sets), health checks and CIDR collections of the
    stored rows, in the order they were first stored (raises LoadError on a row it cannot
    read)."""
    records: dict[str, list[RecordSet]] = {}
    for value in rows.get("rrset", {}).values():
        records.setdefault(value["ZoneId"], []).append(load.read_record(value["RecordSet"]))
    zones: list[HostedZone] = []
    for zone_id, value in rows.get("zone", {}).items():
        zone = load.read_hosted_zone(value["HostedZone"], value.get("VPCs"), "api")
        zones.append(replace(zone, source=None, record_sets=tuple(records.get(zone_id, ()))))
    checks = [load.read_health_check(v["HealthCheck"]) for v in rows.get("healthcheck", {}).values()]
    collections = [load.read_cidr_collection(v["Collection"]) for v in rows.get("cidr", {}).values()]
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

    def load(self) -> ZoneSet:
        loaded = self.store.load()
        self.version, self.rows = loaded.version, {k: dict(v) for k, v in loaded.rows.items()}
        return stored_zoneset(self.rows)

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
            for kind, key, value in commit.writes:
                table = self.rows.setdefault(kind, {})
                if value is None:
                    table.pop(key, None)
                else:
                    table[key] = value   # an update keeps its place, as the store's order does
                served = served or kind in SERVED_KINDS
            self.version = commit.version
        return stored_zoneset(self.rows) if served else None


__all__ = ["SERVED_KINDS", "StoreFollower", "stored_zoneset"]
