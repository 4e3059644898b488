"""The values a query produces, shared by the lookup (which precompiles some of them) and the
engine: ``Question``, ``Rcode``, ``RRsetRef`` and ``Answer``. Pure, frozen."""

from __future__ import annotations

from dataclasses import dataclass
from enum import IntEnum

from netemu.route53.model import RecordSet
from netemu.route53.names import Labels


class Rcode(IntEnum):
    NOERROR = 0
    FORMERR = 1
    SERVFAIL = 2
    NXDOMAIN = 3
    NOTIMP = 4
    REFUSED = 5


@dataclass(frozen=True, slots=True)
class Question:
    name: Labels
    type: str


@dataclass(frozen=True, slots=True)
class RRsetRef:
    """One RRset of a reply: ``owner`` (may differ from ``record.name``: wildcards, aliases),
    the type and TTL to show, and the loaded record set whose values form the RDATA."""

    owner: Labels
    type: str
    ttl: int
    record: RecordSet


@dataclass(frozen=True, slots=True)
class Answer:
    rcode: Rcode
    aa: bool = False
    answer: tuple[RRsetRef, ...] = ()
    authority: tuple[RRsetRef, ...] = ()
    additional: tuple[RRsetRef, ...] = ()
    explain: tuple[str, ...] = ()
    ecs_scope: int | None = None


__all__ = ["Answer", "Question", "Rcode", "RRsetRef"]
