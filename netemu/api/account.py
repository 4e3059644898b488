"""The Route 53 account the API manages: file zones (read-only) beside stored ones, one change
path.

Every mutation runs the same way, one at a time: the pure core (``route53.changes``) turns the
current ZoneSet and the request into a new ZoneSet or Route 53-worded errors; the difference is
committed to the store (durable before anything is acknowledged); the new ZoneSet becomes
current and ``publish`` swaps a freshly compiled snapshot into the DNS server by assignment, so
no query ever sees half a batch. A change is ``INSYNC`` once the snapshot holding it is served.
"""

from __future__ import annotations

import asyncio
import contextlib
import inspect
import logging
import secrets
import time
import uuid
from collections.abc import AsyncIterator, Callable, Sequence
from dataclasses import dataclass, replace
from typing import Any, Protocol

from netemu.api.follow import Cache, apply_writes, stored_zoneset
from netemu.api.store import STORE_FAILURES, Store, StoreMoved, Write
from netemu.api.traffic import TrafficFlow
from netemu.errors import LoadError
from netemu.route53 import changes, shapes
from netemu.route53.changes import ChangeRejected
from netemu.route53.model import HealthCheck, HostedZone, RecordSet, VpcAssociation, ZoneSet

log = logging.getLogger("netemu.api")
ID_ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"


@dataclass(frozen=True, slots=True)
class ChangeInfo:
    id: str
    submitted_at: float
    comment: str | None
    version: int


def new_id(prefix: str, length: int = 21) -> str:
    """A Route 53-like id: ``Z`` + upper-case letters and digits (21 characters in all)."""
    return prefix + "".join(secrets.choice(ID_ALPHABET) for _ in range(length - len(prefix)))


def rrset_key(zone_id: str, rec: RecordSet) -> str:
    return f"{zone_id}\t{rec.name}\t{rec.type}\t{rec.set_identifier or ''}"


class ZoneDependent(Protocol):
    """State kept beside a hosted zone by another part of the API (DNSSEC's): it may refuse
    the zone's deletion, else names the rows to delete with it, and forgets them once
    committed."""

    def zone_delete_writes(self, zone: HostedZone) -> list[Write]: ...

    def zone_deleted(self, zone_id: str) -> None: ...


class Account:
    """In-memory view of the stored account plus the file zones, and the one way to change it."""

    def __init__(self, files: ZoneSet, store: Store,
                 publish: Callable[[ZoneSet], Any] = lambda zs: None,
                 clock: Callable[[], float] = time.time, strict_aws: bool = False,
                 follow: bool = False) -> None:
        self.files = files
        self.store = store
        self.publish = publish
        self.clock = clock
        self.lock = asyncio.Lock()
        self.changes: dict[str, ChangeInfo] = {}
        self.check_versions: dict[str, int] = {}
        self.tags: dict[str, dict[str, str]] = {}
        self.cidr_meta: dict[str, dict[str, Any]] = {}
        self.zoneset = files
        self.traffic: TrafficFlow
        self.strict_aws = strict_aws
        self.health: Any = None     # the running HealthChecker, when there is one
        self.dependents: list[ZoneDependent] = []   # refuse or follow DeleteHostedZone
        self.follow = follow    # another server may commit to the same store
        # the other parts of the API kept on the same rows (DNS Firewall, DNSSEC): each reads
        # the rows again after other servers' commits were taken in (``catch_up``)
        self.readers: list[Callable[[dict[str, dict[str, Any]]], None]] = []
        loaded = store.load()
        self.rows = {k: dict(v) for k, v in loaded.rows.items()}
        self._cache: Cache = {}
        self.version = loaded.version
        self.served_version = 0
        self._started = False
        self._publishing: asyncio.Future[None] | None = None
        self._adopt()
        if not follow:   # nothing else commits: the rows are not needed again
            self.rows, self._cache = {}, {}

    def _adopt(self) -> None:
        """Everything held in memory, read again from ``self.rows`` (at startup, and after
        other servers' commits were applied to the rows)."""
        rows = self.rows
        stored = stored_zoneset(rows, self._cache)
        check_versions = {check_id: int(value.get("HealthCheckVersion", 1))
                          for check_id, value in rows.get("healthcheck", {}).items()}
        changes_ = {change_id: ChangeInfo(change_id, value["SubmittedAt"], value.get("Comment"),
                                          value["Version"])
                    for change_id, value in rows.get("change", {}).items()}
        cidr_meta = {cid: {"Version": value["Version"],
                           "CallerReference": value.get("CallerReference")}
                     for cid, value in rows.get("cidr", {}).items()}
        # a zone equal to the one held (this server's own change, read back from its rows) stays
        # the same object, so the snapshot builder does not compile it again
        held = {z.id: z for z in self.zoneset.zones}
        zones = tuple(z if (h := held.get(z.id)) is None or h != z else h for z in stored.zones)
        files = self.files
        zoneset = ZoneSet(files.zones + zones, files.health_checks + stored.health_checks,
                          files.cidr_collections + stored.cidr_collections)
        self.check_versions, self.changes, self.cidr_meta = check_versions, changes_, cidr_meta
        self.tags = {k: dict(v) for k, v in rows.get("tags", {}).items()}
        self.zoneset = zoneset
        if hasattr(self, "traffic"):
            self.traffic.reload(rows)
        else:
            self.traffic = TrafficFlow(self, rows)   # Traffic Flow policies and instances

    def _apply(self, writes: Sequence[Write]) -> None:
        apply_writes(self.rows, writes)

    async def catch_up(self) -> bool:
        """Apply the commits other servers (or this server's DNS Firewall and DNSSEC parts)
        made since ``self.version`` and read the account again; True when there were any.
        Called under ``self.lock``."""
        commits = await asyncio.to_thread(self.store.changes_since, self.version)
        if not commits:
            return False
        if commits[0].version != self.version + 1:   # a store that compacted its log
            loaded = await asyncio.to_thread(self.store.load)
            self.rows = {k: dict(v) for k, v in loaded.rows.items()}
            self.version = loaded.version
        else:
            for commit in commits:
                self._apply(commit.writes)
                self.version = commit.version
        checks, zone_ids = self.zoneset.health_checks, {z.id for z in self.zoneset.zones}
        self._adopt()
        for gone in zone_ids - {z.id for z in self.zoneset.zones}:   # deleted by another server
            for dependent in self.dependents:
                dependent.zone_deleted(gone)
        for reader in self.readers:
            reader(self.rows)
        if self.health is not None and self.zoneset.health_checks != checks:
            await self.health.replace_checks(self.zoneset.health_checks)
        return True

    async def follow_store(self, interval: float) -> None:
        """Run until cancelled: every ``interval`` seconds, take in other servers' commits and
        serve them (a recompile of the changed zones only, as for an API change)."""
        while True:
            await asyncio.sleep(interval)
            try:
                async with self.lock:
                    await self.catch_up()
            except STORE_FAILURES as exc:
                log.error("following the state store failed: %s", exc)
                continue
            except LoadError as exc:
                log.error("a stored row another server committed cannot be read: %s", exc)
                continue
            # also what a refused write's catch-up took in (it served nothing itself)
            if self.served_version < self.version:
                await self._serve(self.version)

    # --- reading -------------------------------------------------------------------------------

    def zone(self, zone_id: str) -> HostedZone:
        return changes.find_zone(self.zoneset, zone_id)

    def is_file_zone(self, zone: HostedZone) -> bool:
        return zone.source is not None

    def change_status(self, change_id: str) -> tuple[ChangeInfo, str]:
        info = self.changes.get(change_id)
        if info is None:
            raise ChangeRejected([("NoSuchChange",
                                   (f"A change with the specified change ID does not exist: "
                                   f"{change_id}"))])
        return info, "INSYNC" if info.version <= self.served_version else "PENDING"

    async def start(self) -> None:
        """Serve what is stored (and the files): called once at startup."""
        await self._serve(self.version)

    # --- serving: one compile at a time, coalescing the changes that arrive meanwhile --------

    @contextlib.asynccontextmanager
    async def _change(self) -> AsyncIterator[None]:
        """One mutation: under the lock, then (after the lock, so that changes arriving during
        a compile share the next one) wait until the result is served."""
        async with self.lock:
            if self.follow:   # validate against the store's latest version
                await self.catch_up()
            yield
        await self._serve(self.version)

    async def _serve(self, version: int) -> None:
        while self.served_version < version or (version == 0 and not self._started):
            if self._publishing is None:
                self._publishing = asyncio.ensure_future(self._publish_round())
            await asyncio.shield(self._publishing)

    async def _publish_round(self) -> None:
        try:
            zoneset, version = self.zoneset, self.version
            result = self.publish(zoneset)
            if inspect.isawaitable(result):
                await result
            self.served_version = max(self.served_version, version)
            self._started = True
        finally:
            self._publishing = None

    # --- the change path -----------------------------------------------------------------------

    async def _commit(self, new: ZoneSet, writes: list[Write], comment: str | None = None,
                      ) -> ChangeInfo:
        change_id = new_id("C")
        info = ChangeInfo(change_id, self.clock(), comment, self.version + 1)
        writes = writes + [("change", change_id, {"SubmittedAt": info.submitted_at,
                                                  "Comment": comment, "Version": info.version})]
        version = await self._store_commit(writes)
        info = replace(info, version=version)
        self.changes[change_id] = info
        self.zoneset = new
        return info

    async def _store_commit(self, writes: list[Write]) -> int:
        """Commit, when following only if no other server committed since the catch-up (else
        catch up again, read everything again and raise StoreMoved: the request is re-checked
        from the start, ``Route53Api.handle``)."""
        if not self.follow:
            version = await asyncio.to_thread(self.store.commit, writes)
        else:
            try:
                version = await asyncio.to_thread(self.store.commit, writes, self.version)
            except StoreMoved:
                await self.catch_up()
                raise
            self._apply(writes)   # this server's own commit: not applied again by catch_up
        self.version = version
        return version

    def _writable(self, zone_id: str) -> HostedZone:
        zone = self.zone(zone_id)
        if self.is_file_zone(zone):
            raise ChangeRejected([("InvalidInput",
                                   (f"The hosted zone {zone.name} ({zone.id}) is loaded from the "
                                   f"zone file {zone.source} and is read-only through the API; "
                                   "change the file instead"))])
        return zone

    def _zone_write(self, zone: HostedZone) -> Write:
        return ("zone", zone.id, {"HostedZone": shapes.hosted_zone(zone),
                                  "VPCs": shapes.vpcs(zone) or None})

    async def create_zone(self, name: str, caller_reference: str, private: bool,
                          vpcs: Sequence[VpcAssociation], comment: str | None,
                          ) -> tuple[HostedZone, ChangeInfo]:
        async with self._change():
            new, zone = changes.create_zone(self.zoneset, new_id("Z"), name, caller_reference,
                                            private, vpcs, comment)
            writes = [self._zone_write(zone)]
            writes += [("rrset", rrset_key(zone.id, r), {"ZoneId": zone.id,
                                                         "RecordSet": shapes.record_set(r)})
                       for r in zone.record_sets]
            info = await self._commit(new, writes)
            return zone, info

    async def delete_zone(self, zone_id: str) -> ChangeInfo:
        """DeleteHostedZone: the zone's rows and every row that hangs off it (tags, and each
        ``ZoneDependent``'s, e.g. DNSSEC's) go in one commit, or nothing does."""
        async with self._change():
            zone = self._writable(zone_id)
            new = changes.delete_zone(self.zoneset, zone.id)
            writes: list[Write] = [("zone", zone.id, None)]
            writes += [("rrset", rrset_key(zone.id, r), None) for r in zone.record_sets]
            writes.append(("tags", f"hostedzone/{zone.id}", None))
            for dependent in self.dependents:   # may refuse (ChangeRejected)
                writes += dependent.zone_delete_writes(zone)
            info = await self._commit(new, writes)
            self.tags.pop(f"hostedzone/{zone.id}", None)
            for dependent in self.dependents:
                dependent.zone_deleted(zone.id)
            return info

    async def update_zone(self, zone_id: str, fn: Callable[[ZoneSet, str], ZoneSet],
                          ) -> tuple[HostedZone, ChangeInfo]:
        """A change of the zone's own fields (comment, VPC associations)."""
        async with self._change():
            zone = self._writable(zone_id)
            new = fn(self.zoneset, zone.id)
            after = changes.find_zone(new, zone.id)
            info = await self._commit(new, [self._zone_write(after)])
            return after, info

    async def change_records(self, zone_id: str, raw_changes: Sequence[dict[str, Any]],
                             comment: str | None = None) -> ChangeInfo:
        """ChangeResourceRecordSets: validated whole, committed, then served."""
        async with self._change():
            zone = self._writable(zone_id)
            batch = changes.read_changes(raw_changes)
            new = changes.apply_change_batch(self.zoneset, zone.id, batch)
            after = {r.key: r for r in changes.find_zone(new, zone.id).record_sets}
            writes: list[Write] = []
            for key in dict.fromkeys(ch.record.key for ch in batch):
                rec = after.get(key)
                probe = rec or next(ch.record for ch in batch if ch.record.key == key)
                writes.append(("rrset", rrset_key(zone.id, probe),
                               None if rec is None else {"ZoneId": zone.id,
                                                         "RecordSet": shapes.record_set(rec)}))
            return await self._commit(new, writes, comment)

    async def set_tags(self, resource: str, add: dict[str, str], remove: Sequence[str]) -> None:
        async with self._change():
            tags = dict(self.tags.get(resource, {}))
            tags.update(add)
            for key in remove:
                tags.pop(key, None)
            await self._store_commit([("tags", resource, tags or None)])
            self.tags[resource] = tags

    # --- health checks ---------------------------------------------------------------------

    def _check_write(self, check: HealthCheck) -> Write:
        return ("healthcheck", check.id, {"HealthCheck": shapes.health_check(check),
                                          "HealthCheckVersion": self.check_versions[check.id]})

    async def _health_commit(self, new: ZoneSet, writes: list[Write]) -> None:
        await self._commit(new, writes)
        if self.health is not None:
            await self.health.replace_checks(new.health_checks)

    async def create_health_check(self, caller_reference: str, config: dict[str, Any],
                                  ) -> HealthCheck:
        async with self._change():
            new, check = changes.create_health_check(
                self.zoneset, str(uuid.uuid4()), caller_reference, config, self.strict_aws)
            if new is self.zoneset:  # the same request again: the existing check
                return check
            self.check_versions[check.id] = 1
            await self._health_commit(new, [self._check_write(check)])
            return check

    async def update_health_check(self, check_id: str, update: dict[str, Any]) -> HealthCheck:
        async with self._change():
            self._writable_check(check_id)
            new, check = changes.update_health_check(
                self.zoneset, check_id, update, self.check_versions.get(check_id, 1),
                self.strict_aws)
            self.check_versions[check.id] = self.check_versions.get(check_id, 1) + 1
            await self._health_commit(new, [self._check_write(check)])
            return check

    async def delete_health_check(self, check_id: str) -> None:
        async with self._change():
            self._writable_check(check_id)
            new = changes.delete_health_check(self.zoneset, check_id)
            self.check_versions.pop(check_id, None)
            self.tags.pop(f"healthcheck/{check_id}", None)
            await self._health_commit(new, [("healthcheck", check_id, None),
                                            ("tags", f"healthcheck/{check_id}", None)])

    # --- CIDR collections --------------------------------------------------------------------

    def _cidr_write(self, zoneset: ZoneSet, cid: str) -> Write:
        cc = changes.find_cidr_collection(zoneset, cid)
        return ("cidr", cid, {"Collection": shapes.cidr_collection(cc), **self.cidr_meta[cid]})

    async def create_cidr_collection(self, name: str, caller_reference: str) -> str:
        async with self._change():
            for cid, meta in self.cidr_meta.items():
                if meta.get("CallerReference") == caller_reference:
                    raise ChangeRejected([("CidrCollectionAlreadyExistsException",
                                           ("A CIDR collection with this CallerReference "
                                           f"already exists ({cid})"))])
            cid = str(uuid.uuid4())
            new = changes.create_cidr_collection(self.zoneset, cid, name)
            self.cidr_meta[cid] = {"Version": 1, "CallerReference": caller_reference}
            await self._commit(new, [self._cidr_write(new, cid)])
            return cid

    async def change_cidr_collection(self, cid: str, raw: list[dict[str, Any]],
                                     version: Any) -> ChangeInfo:
        async with self._change():
            self._writable_cidr(cid)
            current = self.cidr_meta[cid]["Version"]
            if version not in (None, "") and str(version) != str(current):
                raise ChangeRejected([("CidrCollectionVersionMismatchException",
                                       (f"The CIDR collection version {version} does not match "
                                       f"the current version {current}"))])
            new = changes.change_cidr_collection(self.zoneset, cid, raw)
            self.cidr_meta[cid]["Version"] = current + 1
            return await self._commit(new, [self._cidr_write(new, cid)])

    async def delete_cidr_collection(self, cid: str) -> None:
        async with self._change():
            self._writable_cidr(cid)
            new = changes.delete_cidr_collection(self.zoneset, cid)
            self.cidr_meta.pop(cid, None)
            await self._commit(new, [("cidr", cid, None)])

    def _writable_cidr(self, cid: str) -> None:
        changes.find_cidr_collection(self.zoneset, cid)
        if cid not in self.cidr_meta:
            raise ChangeRejected([("InvalidInput",
                                   (f"The CIDR collection {cid} is loaded from a zone file and is "
                                   "read-only through the API; change the file instead"))])

    def _writable_check(self, check_id: str) -> None:
        changes.find_health_check(self.zoneset, check_id)
        if any(h.id == check_id for h in self.files.health_checks):
            raise ChangeRejected([("InvalidInput",
                                   (f"The health check {check_id} is loaded from a zone file and "
                                   "is read-only through the API; change the file instead"))])


__all__ = ["Account", "ChangeInfo", "ZoneDependent", "new_id", "rrset_key"]
