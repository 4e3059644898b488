"""``handle(wire, peer, serving) -> bytes | None``: one query in, at most one reply out.

Pure glue, no I/O: decode (``codec``), build the ClientContext (source address, EDNS client
subnet), ask the engine, encode. Every query ends in a reply or a deliberate silence (responses
and runts are dropped); no input raises. What the server serves is one immutable ``Serving``
snapshot, replaced whole (``dataclasses.replace``) when zones or health change.
"""

from __future__ import annotations

import logging
import random
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace

from netemu.dns import codec, signer
from netemu.errors import LoadError, Problem
from netemu.route53 import engine, rdata
from netemu.route53.answer import Answer, Question, Rcode
from netemu.route53.client import ClientContext
from netemu.route53.geo import Locator
from netemu.route53.health import ALL_HEALTHY, HealthSnapshot
from netemu.route53.lookup import CompiledZones, compile_zones
from netemu.route53.model import ZoneSet

QUERY_LOG = logging.getLogger("netemu.query")
Note = tuple[str, str, str, str]   # the query log's record of one answer: name, type, rcode, why
log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class Serving:
    """What the server answers from: compiled zones, their packed RDATA, and health."""

    zoneset: ZoneSet
    zones: CompiledZones
    wire: codec.WireData
    health: HealthSnapshot = ALL_HEALTHY
    locator: Locator | None = None  # client location (--geo overrides); None: the embedded database
    signers: Mapping[str, signer.ZoneSigner] = field(default_factory=dict)  # zone id -> signer

    def with_health(self, health: HealthSnapshot) -> Serving:
        return replace(self, health=health)


def build_serving(zoneset: ZoneSet, health: HealthSnapshot = ALL_HEALTHY) -> Serving:
    """Compile once (raises LoadError if a value cannot be put on the wire)."""
    try:
        wire = codec.compile(zoneset)
    except codec.PackErrors as exc:
        raise LoadError([Problem(zone.source or zone.name, rec.label(), "InvalidChangeBatch", why)
                         for zone, rec, why in exc.errors]) from None
    return Serving(zoneset, compile_zones(zoneset), wire, health)


_DEFAULT_RNG = random.Random()


def handle(wire: bytes, peer: tuple[str, int] | tuple[object, ...], serving: Serving,
           rng: random.Random = _DEFAULT_RNG, tcp: bool = False, *,
           client_type: Callable[..., ClientContext] = ClientContext,
           notes: list[Note] | None = None) -> bytes | None:
    """The reference path. ``client_type`` builds the ClientContext (the fast path passes one
    that notes whether the policies looked at the client). With ``notes``, the query log's
    record of this query (``Note``) is appended there, whether the log is on or not, instead of
    being written: the fast path keeps it with the reply and writes it (``write_note``)."""
    try:
        query = codec.decode(wire)
    except codec.NotAQuery:
        return None
    except codec.FormErr as exc:
        if exc.query_id is None:
            return None
        if exc.opcode != codec.QUERY:   # RFC 1035 4.1.1: NOTIMP, well formed or not
            _log(peer, "-", "-", "NOTIMP", (f"opcode {exc.opcode}", str(exc)), notes)
            return codec.encode_error(exc.query_id, exc.flags, Rcode.NOTIMP)
        _log(peer, "-", "-", "FORMERR", (str(exc),), notes)
        return codec.encode_error(exc.query_id, exc.flags, Rcode.FORMERR)
    qtype = query.type_name if query.question else "-"
    if query.opcode != codec.QUERY:   # NOTIFY, UPDATE, unassigned: NOTIMP, as NSD
        _log(peer, query.qname if query.question else "-", qtype, "NOTIMP",
             (f"opcode {query.opcode}",), notes)
        return codec.encode_error(query.id, query.flags, Rcode.NOTIMP, query)
    if query.edns and query.edns_version > 0:
        _log(peer, query.qname, qtype, "BADVERS", (f"EDNS version {query.edns_version}",),
             notes)
        return codec.encode_error(query.id, query.flags, Rcode.NOERROR, query)
    if query.qclass not in (codec.CLASS_IN, codec.CLASS_ANY) or qtype in ("AXFR", "IXFR"):
        answer: Answer = engine.REFUSED
    else:
        client = client_type(str(peer[0]), query.ecs_subnet(), None, serving.locator)
        try:
            answer = engine.answer(Question(query.qname, qtype), client, serving.zones,
                                   serving.health, rng)
        except Exception:  # a bug must not stop the server answering
            log.exception("engine failed on %s %s", query.qname, qtype)
            answer = Answer(Rcode.SERVFAIL, explain=("internal error",))
    try:
        reply: bytes | None = None
        if serving.signers:   # DNSSEC-signed zones (netemu/dns/signer.py)
            reply = signer.reply(query, answer, serving.zones, serving.signers, serving.wire,
                                 codec.max_size(query, tcp))
        if reply is None:
            reply = codec.encode(query, answer, serving.wire, codec.max_size(query, tcp))
    except Exception:  # same: answer SERVFAIL rather than go silent
        log.exception("encoding failed on %s %s", query.qname, qtype)
        reply = codec.encode_error(query.id, query.flags, Rcode.SERVFAIL, query)
        answer = Answer(Rcode.SERVFAIL, explain=answer.explain + ("encoding failed",))
    if notes is not None or QUERY_LOG.isEnabledFor(logging.INFO):
        _log(peer, query.qname, qtype, *_as_sent(answer, reply), notes)
    return reply


def _as_sent(answer: Answer, reply: bytes) -> tuple[str, tuple[str, ...]]:
    """The query log's rcode is the one in the reply on the wire, with the engine's reasons.
    They differ only when DNSSEC signing rewrote the outcome: an NXDOMAIN sent as NOERROR with
    an NSEC "black lie" (R107) says so."""
    sent = reply[3] & 0xF if len(reply) > 3 else int(answer.rcode)
    explain = answer.explain + _shown(answer)
    if sent == int(answer.rcode):
        return answer.rcode.name, explain
    try:
        name = Rcode(sent).name
    except ValueError:
        name = str(sent)
    return name, explain + (f"DNSSEC: {answer.rcode.name} sent as {name} with an NSEC "
                            "black lie (R107)",)


SHOWN_VALUES = 8


def _shown(answer: Answer) -> tuple[str, ...]:
    """The ANSWER's values as Route 53 shows them (TXT/SPF octal escapes), the first few."""
    values = [rdata.render(ref.record.type, value)
              for ref in answer.answer for value in ref.record.values]
    if not values:
        return ()
    more = f" (+{len(values) - SHOWN_VALUES} more)" if len(values) > SHOWN_VALUES else ""
    return ("answer: " + ", ".join(values[:SHOWN_VALUES]) + more,)


def _log(peer: object, qname: object, qtype: str, rcode: str, explain: tuple[str, ...],
         notes: list[Note] | None = None) -> None:
    if notes is None and not QUERY_LOG.isEnabledFor(logging.INFO):
        return
    if isinstance(qname, tuple):
        qname = b".".join(qname).decode("ascii", "backslashreplace") + "."
    note = (str(qname), qtype, rcode, " | ".join(explain))
    if notes is not None:
        notes.append(note)
    else:
        write_note(peer, note)


def write_note(peer: object, note: Note) -> None:
    """One query log line: the client, then what the engine chose and why (``note``). The full
    path and the fast path's buffer both write through here, so their lines are the same."""
    client = f"{peer[0]}#{peer[1]}" if isinstance(peer, tuple) and len(peer) >= 2 else str(peer)
    QUERY_LOG.info("%s %s %s %s %s", client, *note)
