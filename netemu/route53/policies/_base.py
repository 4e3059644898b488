"""What every policy module shares: the Selection value, the health callback type, and the
record-set checks common to all non-simple policies (SetIdentifier, quotas, record types).

Private to ``route53.policies``; the package re-exports ``Selection`` and ``Healthy``.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Protocol

from netemu.route53.client import ClientContext
from netemu.route53.model import HostedZone, RecordSet, ZoneSet

Healthy = Callable[[RecordSet], bool]
Issue = tuple[RecordSet, str, str]

MAX_RECORDS_PER_GROUP = 100  # R31
NOT_ROUTABLE_TYPES = frozenset({"NS", "SOA", "DS"})  # R34


@dataclass(frozen=True, slots=True)
class Selection:
    """What a policy chose: the record sets whose values (or alias targets) form the answer,
    why (for the query log), and the ECS scope prefix to echo (None: the answer does not depend
    on the client's location, scope 0). ``records`` empty = no answer (NOERROR, NODATA)."""

    records: tuple[RecordSet, ...]
    explain: str
    scope_prefix: int | None = None


class Compiled(Protocol):
    def select(self, client: ClientContext, healthy: Healthy,
               rng: random.Random) -> Selection: ...


def first_healthy(chain: Sequence[RecordSet], healthy: Healthy) -> tuple[RecordSet, str]:
    """The first healthy record of a preference chain (R41), else the first one (R43: when no
    record is healthy Route 53 treats them all as healthy), with a note for ``explain``."""
    skipped: list[str] = []
    for record in chain:
        if healthy(record):
            note = f"; skipped unhealthy {', '.join(skipped)}" if skipped else ""
            return record, note
        skipped.append(f"[{record.set_identifier}]")
    return chain[0], "; every candidate unhealthy, all treated as healthy (R43)"


def zone_of(record: RecordSet, zones: ZoneSet) -> HostedZone | None:
    """The zone holding this very record. By identity: split-view twins (R89) hold equal
    record sets, and equality would find the first twin whatever zone the record is in."""
    for zone in zones.zones:
        if any(r is record for r in zone.record_sets):
            return zone
    return None


def change(record: RecordSet) -> str:
    """How Route 53 names the change in an ``InvalidInput`` message."""
    ident = "null" if record.set_identifier is None else record.set_identifier
    return (f"in Change with [Action=CREATE, Name={record.name}, Type={record.type}, "
            f"SetIdentifier={ident}]")


def validation_error(value: object, field: str, constraint: str) -> str:
    """The AWS request-validation wording (a ``ValidationError`` sent as ``InvalidInput``)."""
    return (f"1 validation error detected: Value '{value}' at "
            f"'changeBatch.changes.member.resourceRecordSet.{field}' failed to satisfy "
            f"constraint: {constraint}")


def set_words(r: RecordSet) -> str:
    """How Route 53's change-batch errors name a record set: ``[name='..', type='..'(, set-
    identifier='..')]``."""
    ident = f", set-identifier='{r.set_identifier}'" if r.set_identifier is not None else ""
    return f"[name='{r.name}', type='{r.type}'{ident}]"


def already_exists(r: RecordSet) -> Issue:
    """R24, Route 53's one wording: a second record set with the same name, type and set
    identifier (the zone's rules, the policies' and the API's change batches all report it with
    this)."""
    return (r, "InvalidChangeBatch",
            f"Tried to create resource record set {set_words(r)} but it already exists")


def common_checks(records: Sequence[RecordSet], policy: str) -> list[Issue]:
    """SetIdentifier required (R28) and unique (R24), at most 100 records per name and type
    (R31), record types the policy may route (R34)."""
    out: list[Issue] = []
    seen: set[str] = set()
    for r in records:
        if r.set_identifier is None:
            out.append((r, "InvalidInput", f"Invalid request: Missing field 'SetIdentifier' "
                                           f"{change(r)}"))
        elif r.set_identifier in seen:
            out.append(already_exists(r))
        else:
            seen.add(r.set_identifier)
        if r.type in NOT_ROUTABLE_TYPES:
            out.append((r, "InvalidChangeBatch",
                        f"RRSet of type {r.type} with DNS name {r.name} can't use {policy} "
                        "routing"))
    if len(records) > MAX_RECORDS_PER_GROUP:
        r = records[MAX_RECORDS_PER_GROUP]
        out.append((r, "InvalidChangeBatch",
                    f"RRSet with DNS name {r.name}, type {r.type}: more than "
                    f"{MAX_RECORDS_PER_GROUP} {policy} records with the same name and type"))
    return out
