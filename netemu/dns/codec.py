"""Bytes <-> values for the DNS wire (RFC 1035, EDNS0 RFC 6891, client subnet RFC 7871).

The only module that imports dnslib, and it does so at load only: ``compile(zoneset)`` packs the
RDATA of every record set once. The per-query path is hand-written and minimal:

- ``decode(wire) -> Query``: header, the one question, and the OPT record (payload size, DO,
  version, client subnet) of the additional section; other records are skipped. Raises
  ``FormErr`` (with the query id when known) for anything malformed, ``NotAQuery`` for
  responses (never answered).
- ``encode(query, answer, wire, max_size) -> bytes``: header, the question as the client sent
  it, then RRs from the packed RDATA. Owner names that are the query name (or a suffix of it)
  are compression pointers into the question; RDATA is never compressed. When the reply does not
  fit ``max_size`` the ADDITIONAL and then the AUTHORITY section are dropped; if the ANSWER still
  does not fit, the reply carries no records and the TC bit (R12).
"""

from __future__ import annotations

import ipaddress
import struct
from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import NamedTuple

import dnslib

from netemu.route53 import rdata, recursion
from netemu.route53.answer import Answer, Rcode, RRsetRef
from netemu.route53.model import HostedZone, RecordSet, ZoneSet
from netemu.route53.names import Labels, to_wire

TYPE_CODES: Mapping[str, int] = MappingProxyType({
    "A": 1, "NS": 2, "CNAME": 5, "SOA": 6, "PTR": 12, "MX": 15, "TXT": 16, "AAAA": 28,
    "SRV": 33, "NAPTR": 35, "OPT": 41, "DS": 43, "SSHFP": 44, "RRSIG": 46, "NSEC": 47,
    "DNSKEY": 48, "TLSA": 52, "SVCB": 64, "HTTPS": 65, "SPF": 99, "IXFR": 251, "AXFR": 252,
    "ANY": 255, "CAA": 257,
})
TYPE_NAMES: Mapping[int, str] = {v: k for k, v in TYPE_CODES.items()}
CLASS_IN, CLASS_ANY = 1, 255
QUERY = 0                      # the one opcode answered; every other one gets NOTIMP
OPT, ECS_OPTION = 41, 8
MAX_UDP = 4096                 # R12: Route 53 answers up to 4096 bytes with EDNS0
PLAIN_UDP = 512
MAX_TCP = 65535
SERVER_PAYLOAD = 4096
_HEADER = struct.Struct("!HHHHHH")
_RR_FIXED = struct.Struct("!HHIH")
_QFIXED = struct.Struct("!HH")

# dnslib has no SVCB or SPF class; they share the RDATA format of HTTPS and TXT.
_PARSE_AS = {"SVCB": "HTTPS", "SPF": "TXT"}


class FormErr(Exception):
    """A malformed query; ``query_id`` is set when the header could be read."""

    def __init__(self, why: str, query_id: int | None = None, flags: int = 0) -> None:
        super().__init__(why)
        self.query_id, self.flags = query_id, flags

    @property
    def opcode(self) -> int:
        return (self.flags >> 11) & 0xF


class NotAQuery(Exception):
    """A response or a datagram too short to answer: dropped without reply."""


class Query(NamedTuple):
    """A decoded query (a NamedTuple: immutable and cheap to build on the per-query path)."""

    id: int
    flags: int
    opcode: int
    qname: Labels            # lower case
    qtype: int
    qclass: int
    question: bytes          # the question section as received (case kept)
    edns: bool = False
    payload: int = PLAIN_UDP
    dnssec_ok: bool = False
    edns_version: int = 0
    ecs: tuple[int, int, bytes] | None = None   # (family, source prefix, address bytes)

    @property
    def type_name(self) -> str:
        return type_name(self.qtype)

    def ecs_subnet(self) -> tuple[str, int] | None:
        """The client subnet as (address text, source prefix), for ClientContext."""
        if self.ecs is None:
            return None
        family, prefix, addr = self.ecs
        size = 4 if family == 1 else 16
        packed = addr.ljust(size, b"\0")[:size]
        return (str(ipaddress.ip_address(packed)), prefix)


# --- decode ------------------------------------------------------------------------------------


def decode(wire: bytes) -> Query:
    if len(wire) < 12:
        raise NotAQuery("shorter than a DNS header")
    qid, flags, qdcount, ancount, nscount, arcount = _HEADER.unpack_from(wire)
    if flags & 0x8000:
        raise NotAQuery("a response")
    opcode = (flags >> 11) & 0xF
    if qdcount != 1 and (opcode == QUERY or qdcount > 1):
        raise FormErr(f"QDCOUNT is {qdcount}, not 1", qid, flags)
    if qdcount:
        labels, qtype, qclass, pos = _question(wire, qid, flags)
    else:   # only for an opcode other than QUERY: answered NOTIMP without a question
        labels, qtype, qclass, pos = (), 0, 0, 12
    question = wire[12:pos]
    end = len(wire)
    edns, payload, dok, version, ecs = False, PLAIN_UDP, False, 0, None
    for index in range(ancount + nscount + arcount):
        pos = _skip_name(wire, pos, qid, flags)
        if pos + 10 > end:
            raise FormErr("record header truncated", qid, flags)
        rtype, rclass, ttl, rdlen = _RR_FIXED.unpack_from(wire, pos)
        pos += 10
        if pos + rdlen > end:
            raise FormErr("record data truncated", qid, flags)
        if rtype == OPT:
            if edns or index < ancount + nscount:
                raise FormErr("more than one OPT record, or OPT outside ADDITIONAL", qid, flags)
            edns, payload = True, max(rclass, PLAIN_UDP)
            version, dok = (ttl >> 16) & 0xFF, bool(ttl & 0x8000)
            ecs = _ecs(wire, pos, pos + rdlen, qid, flags)
        pos += rdlen
    if pos != end:
        raise FormErr("trailing bytes after the message", qid, flags)
    return Query(qid, flags, opcode, labels, qtype, qclass, question, edns, payload,
                 dok, version, ecs)


def _question(wire: bytes, qid: int, flags: int) -> tuple[Labels, int, int, int]:
    """The one question: lower-cased labels, type, class and the position after it."""
    labels: list[bytes] = []
    pos, end, total = 12, len(wire), 1
    while True:
        if pos >= end:
            raise FormErr("question name runs past the end", qid, flags)
        length = wire[pos]
        if length == 0:
            pos += 1
            break
        if length & 0xC0:
            raise FormErr("compression or extended label in the question", qid, flags)
        total += length + 1
        if total > 255 or pos + 1 + length > end:
            raise FormErr("question name too long or truncated", qid, flags)
        labels.append(wire[pos + 1:pos + 1 + length].lower())
        pos += 1 + length
    if pos + 4 > end:
        raise FormErr("question type and class missing", qid, flags)
    qtype, qclass = _QFIXED.unpack_from(wire, pos)
    return tuple(labels), qtype, qclass, pos + 4


def _skip_name(wire: bytes, pos: int, qid: int, flags: int) -> int:
    end = len(wire)
    while True:
        if pos >= end:
            raise FormErr("name runs past the end", qid, flags)
        length = wire[pos]
        if length == 0:
            return pos + 1
        if length & 0xC0 == 0xC0:
            if pos + 2 > end:
                raise FormErr("compression pointer truncated", qid, flags)
            return pos + 2   # the pointer ends this name; we never follow it
        if length & 0xC0:
            raise FormErr("extended label type", qid, flags)
        pos += 1 + length


def _ecs(wire: bytes, pos: int, end: int, qid: int, flags: int) -> tuple[int, int, bytes] | None:
    found = None
    while pos < end:
        if pos + 4 > end:
            raise FormErr("EDNS option truncated", qid, flags)
        code, length = struct.unpack_from("!HH", wire, pos)
        pos += 4
        if pos + length > end:
            raise FormErr("EDNS option truncated", qid, flags)
        if code == ECS_OPTION:
            if length < 4:
                raise FormErr("client subnet option too short", qid, flags)
            family, source, scope = struct.unpack_from("!HBB", wire, pos)
            addr = wire[pos + 4:pos + length]
            size = {1: 4, 2: 16}.get(family)
            if size is None or source > size * 8 or scope != 0 \
                    or len(addr) != (source + 7) // 8:
                raise FormErr("bad client subnet option (RFC 7871 section 7.1)", qid, flags)
            if source % 8 and addr[-1] & (0xFF >> (source % 8)):
                # RFC 7871 section 6: address bits beyond SOURCE PREFIX-LENGTH must be zero;
                # echoed in the reply they would make it unreadable (found by fuzz/)
                raise FormErr("client subnet address has bits set beyond its source prefix "
                              "(RFC 7871 section 6)", qid, flags)
            found = (family, source, addr)
        pos += length
    return found


# --- compile (load time) -----------------------------------------------------------------------


class _PlainBuffer(dnslib.DNSBuffer):  # type: ignore[misc]
    """RDATA packed on its own: names are never compressed."""

    def encode_name(self, name: object) -> None:
        self.encode_name_nocompress(name)


ContentKey = tuple[str, tuple[str, ...]]              # (type, values): what the RDATA depends on
TailKey = tuple[str, int | None, tuple[str, ...]]     # (type, TTL, values)


def content_key(rec: RecordSet) -> ContentKey:
    return (rec.type, rec.values)


def tail_key(rec: RecordSet) -> TailKey:
    return (rec.type, rec.ttl, rec.values)


@dataclass(frozen=True, slots=True)
class WireData:
    """Packed RDATA of every record set, keyed by what the bytes depend on (type, TTL and the
    values as written), never by object identity: a rebuilt snapshot with equal record sets
    (change batches) finds the same entries, and equal record sets share them."""

    rdata: Mapping[ContentKey, tuple[bytes, ...]]
    tails: Mapping[TailKey, tuple[bytes, ...]]   # TYPE CLASS TTL RDLENGTH RDATA at the TTL


def pack_rdata(rtype: str, value: str) -> bytes:
    """One value's RDATA, from its presentation form (raises ValueError)."""
    if rtype in ("TXT", "SPF"):   # dnslib misreads \DDD escapes: pack these ourselves
        return b"".join(bytes((len(s),)) + s for s in rdata.character_strings(value))
    parse_type = _PARSE_AS.get(rtype, rtype)
    text = rdata.zone_text(rtype, value)
    if parse_type == "HTTPS":
        text = _svcb_text(text)
    try:
        rr = dnslib.RR.fromZone(f". 0 IN {parse_type} {text}")[0]
        buf = _PlainBuffer()
        rr.rdata.pack(buf)
    except Exception as exc:  # dnslib raises many types for bad input
        raise ValueError(f"cannot pack {rtype} '{value}': {exc}") from exc
    return bytes(buf.data)


_SVC_KEYS = {"mandatory": 0, "alpn": 1, "no-default-alpn": 2, "port": 3, "ipv4hint": 4,
             "ech": 5, "ipv6hint": 6}


def _svcb_text(text: str) -> str:
    """RFC 9460: parameters go on the wire in ascending key order; dnslib packs them as given
    and knows "ech" by its draft name."""
    priority, target, *params = text.split()

    def number(param: str) -> int:
        key = param.split("=", 1)[0]
        return _SVC_KEYS.get(key) if key in _SVC_KEYS else int(key[3:])  # type: ignore[return-value]

    ordered = sorted(params, key=number)
    ordered = ["echconfig=" + p[4:] if p.startswith("ech=") else p for p in ordered]
    return " ".join([priority, target, *ordered])


class PackErrors(ValueError):
    """Values that cannot be put on the wire: ``errors`` lists (zone, record, why)."""

    def __init__(self, errors: list[tuple[HostedZone, RecordSet, str]]) -> None:
        super().__init__(f"{len(errors)} value(s) cannot be packed")
        self.errors = errors


def compile(zoneset: ZoneSet, reuse: WireData | None = None) -> WireData:  # noqa: A001
    """Pack every value of every record set once; raises PackErrors naming each bad value.
    Entries of ``reuse`` (an earlier snapshot's) are taken as they are, not packed again."""
    packed: dict[ContentKey, tuple[bytes, ...]] = {}
    tails: dict[TailKey, tuple[bytes, ...]] = {}
    errors: list[tuple[HostedZone, RecordSet, str]] = []
    for zone in zoneset.zones:
        for rec in zone.record_sets:
            if rec.alias_target is None and rec.ttl is not None:
                key, tkey = content_key(rec), tail_key(rec)
                if key not in packed:
                    old = reuse.rdata.get(key) if reuse is not None else None
                    packed[key] = old if old is not None else _pack_all(zone, rec, errors)
                if tkey not in tails:
                    old = reuse.tails.get(tkey) if reuse is not None else None
                    tails[tkey] = old if old is not None else \
                        _tails(TYPE_CODES[rec.type], rec.ttl, packed[key])
    if errors:
        raise PackErrors(errors)
    return WireData(packed, tails)   # plain dicts: never mutated after this


def _pack_all(zone: HostedZone, rec: RecordSet,
              errors: list[tuple[HostedZone, RecordSet, str]]) -> tuple[bytes, ...]:
    rds: list[bytes] = []
    for value in rec.values:
        try:
            rds.append(pack_rdata(rec.type, value))
        except ValueError as exc:
            errors.append((zone, rec, str(exc)))
    return tuple(rds)


def _tails(tcode: int, ttl: int, rds: tuple[bytes, ...]) -> tuple[bytes, ...]:
    return tuple(_RR_FIXED.pack(tcode, CLASS_IN, ttl, len(rd)) + rd for rd in rds)


# --- encode ------------------------------------------------------------------------------------


def _owner_wire(owner: Labels, qname: Labels) -> bytes:
    if owner == qname:
        return b"\xc0\x0c"
    n = len(owner)
    if n and n < len(qname) and qname[len(qname) - n:] == owner:
        offset = 12 + sum(len(label) + 1 for label in qname[:len(qname) - n])
        return struct.pack("!H", 0xC000 | offset)
    return to_wire(owner)


def _rrs(refs: tuple[RRsetRef, ...], qname: Labels, wire: WireData) -> tuple[bytes, int]:
    parts: list[bytes] = []
    count = 0
    for ref in refs:
        owner = _owner_wire(ref.owner, qname)
        rec = ref.record
        if ref.ttl == rec.ttl and ref.type == rec.type:
            tails = wire.tails[(rec.type, rec.ttl, rec.values)]
        else:   # e.g. the SOA at the negative-caching TTL
            tails = _tails(TYPE_CODES[ref.type], ref.ttl, wire.rdata[(rec.type, rec.values)])
        if ref.order is not None:
            tails = tuple(tails[i] for i in ref.order)
        parts.append(owner + owner.join(tails))
        count += len(tails)
    return b"".join(parts), count


def _opt(query: Query, answer: Answer | None, badvers: bool = False) -> bytes:
    options = b""
    if query.ecs is not None:
        family, source, addr = query.ecs
        scope = (answer.ecs_scope or 0) if answer is not None else 0
        body = struct.pack("!HBB", family, source, scope) + addr
        options = struct.pack("!HH", ECS_OPTION, len(body)) + body
    ttl = (1 << 24 if badvers else 0) | (0x8000 if query.dnssec_ok else 0)
    return b"\x00" + _RR_FIXED.pack(OPT, SERVER_PAYLOAD, ttl, len(options)) + options


def max_size(query: Query, tcp: bool) -> int:
    if tcp:
        return MAX_TCP
    return min(query.payload, MAX_UDP) if query.edns else PLAIN_UDP


def _header(query_id: int, query_flags: int, aa: bool, tc: bool, rcode: int,
            counts: tuple[int, int, int, int]) -> bytes:
    flags = 0x8000 | (query_flags & 0x7900) | (query_flags & 0x0010)  # QR, opcode, RD, CD
    if aa:
        flags |= 0x0400
    if tc:
        flags |= 0x0200
    flags |= rcode & 0xF
    return _HEADER.pack(query_id, flags, *counts)


def encode(query: Query, answer: Answer, wire: WireData, limit: int) -> bytes:
    qname = query.qname
    opt = _opt(query, answer) if query.edns else b""
    extra = 1 if opt else 0
    an, an_count = _rrs(answer.answer, qname, wire)
    ns, ns_count = _rrs(answer.authority, qname, wire)
    ad, ad_count = _rrs(answer.additional, qname, wire)
    base = 12 + len(query.question) + len(opt)
    tc = False
    if base + len(an) + len(ns) + len(ad) > limit:
        ad, ad_count = b"", 0
        if base + len(an) + len(ns) > limit:
            if an_count:
                ns, ns_count = b"", 0
            if base + len(an) + len(ns) > limit:
                an, an_count, ns, ns_count, tc = b"", 0, b"", 0, True
    head = _header(query.id, query.flags, answer.aa, tc, int(answer.rcode),
                   (1, an_count, ns_count, ad_count + extra))
    return b"".join((head, query.question, an, ns, ad, opt))


def encode_error(query_id: int, query_flags: int, rcode: Rcode,
                 query: Query | None = None) -> bytes:
    """FORMERR / NOTIMP / REFUSED / BADVERS replies: the question echoed when it was read (a
    query of another opcode may carry none), the OPT record when the query had one."""
    if query is None:
        return _header(query_id, query_flags, False, False, int(rcode), (0, 0, 0, 0))
    badvers = query.edns and query.edns_version > 0
    opt = _opt(query, None, badvers) if query.edns else b""
    head = _header(query_id, query_flags, False, False, 0 if badvers else int(rcode),
                   (1 if query.question else 0, 0, 0, 1 if opt else 0))
    return head + query.question + opt


def type_name(code: int) -> str:
    return TYPE_NAMES.get(code) or f"TYPE{code}"


def answer_records(reply: bytes) -> list[tuple[str, str]]:
    """(type, RDATA text) of each ANSWER record of a reply, for query logs; [] when the reply
    cannot be read (never on the answering path)."""
    try:
        message = dnslib.DNSRecord.parse(reply)
    except Exception:  # dnslib raises many types for bad input
        return []
    return [(type_name(rr.rtype), str(rr.rdata)) for rr in message.rr]


# --- DNS Firewall replies (the VPC resolver; not on the authoritative path) ----------------------


def make_query(name: str, qtype: int, query_id: int) -> bytes:
    """A recursive query for ``name`` (the override domain a DNS Firewall rule answers with)."""
    record = dnslib.DNSRecord(dnslib.DNSHeader(id=query_id, rd=1),
                              q=dnslib.DNSQuestion(name, qtype))
    return bytes(record.pack())


def override_reply(query: Query, target: str, ttl: int, resolved: bytes | None) -> bytes:
    """A DNS Firewall OVERRIDE answer: the query name as a CNAME to ``target`` (at ``ttl``),
    then the ANSWER records of ``resolved`` (the reply to a query for ``target``), with its
    RCODE; the question as the client sent it."""
    rrs: list[bytes] = []
    rcode = 0
    if resolved is not None:
        try:
            message = dnslib.DNSRecord.parse(resolved)
        except Exception:  # dnslib raises many types for bad input
            message = None
        if message is not None:
            rcode = message.header.rcode
            for rr in message.rr:
                buf = _PlainBuffer()
                rr.pack(buf)
                rrs.append(bytes(buf.data))
    labels = tuple(label.encode() for label in target.rstrip(".").split(".") if label)
    name = to_wire(labels)
    cname = b"\xc0\x0c" + _RR_FIXED.pack(TYPE_CODES["CNAME"], CLASS_IN, ttl, len(name)) + name
    opt = _opt(query, None) if query.edns else b""
    head = _header(query.id, query.flags, False, False, rcode,
                   (1, 1 + len(rrs), 0, 1 if opt else 0))
    return b"".join((head, query.question, cname, *rrs, opt))


# --- chased answers (the VPC resolver following CNAMEs and referrals) -----------------------------


def read_reply(wire: bytes) -> recursion.Reply | None:
    """A reply from a name server or a resolver as ``recursion`` reads it; None when it cannot
    be parsed (as if nobody answered)."""
    try:
        message = dnslib.DNSRecord.parse(wire)
    except Exception:  # dnslib raises many types for bad input
        return None

    def records(rrs: list[dnslib.RR]) -> tuple[recursion.Record, ...]:
        out = []
        for rr in rrs:
            if rr.rtype == OPT:
                continue
            buf = _PlainBuffer()
            rr.pack(buf)
            data = str(rr.rdata)
            if rr.rtype in (TYPE_CODES["CNAME"], TYPE_CODES["NS"]):
                data = recursion.absolute(data)
            out.append(recursion.Record(recursion.absolute(str(rr.rname)), type_name(rr.rtype),
                                        rr.ttl, data, bytes(buf.data)))
        return tuple(out)

    return recursion.Reply(message.header.rcode, bool(message.header.aa),
                           records(message.rr), records(message.auth), records(message.ar))


def cname_record(query: Query, target: str, ttl: int) -> recursion.Record:
    """The query name as a CNAME to ``target`` (a DNS Firewall OVERRIDE's), as a chain's first
    record (the owner written out, not compressed)."""
    labels = tuple(label.encode() for label in target.rstrip(".").split(".") if label)
    name = to_wire(labels)
    owner = to_wire(query.qname)
    wire = owner + _RR_FIXED.pack(TYPE_CODES["CNAME"], CLASS_IN, ttl, len(name)) + name
    text = ".".join(label.decode("ascii", "backslashreplace") for label in query.qname) + "."
    return recursion.Record(text, "CNAME", ttl, recursion.absolute(target), wire)


def may_chase(reply: bytes, qtype: int) -> bool:
    """Whether a reply could need a recursive resolver's further queries (R195, R197): a
    referral (NOERROR, no AA, no answer, records in AUTHORITY) or an answer holding a CNAME
    (for a question other than CNAME or ANY). Read by hand, without parsing the records: the
    common reply needs nothing more and is sent as it is. A reply it cannot read: False."""
    if len(reply) < 12:
        return False
    _qid, flags, qdcount, ancount, nscount, _ar = _HEADER.unpack_from(reply)
    if flags & 0x0200 or flags & 0xF:   # truncated, or an error: nothing to follow
        return False
    if not ancount:
        return not flags & 0x0400 and nscount > 0
    if qtype in (TYPE_CODES["CNAME"], TYPE_CODES["ANY"]):
        return False
    cname = TYPE_CODES["CNAME"]
    try:
        pos = 12
        for _ in range(qdcount):
            pos = _skip_name(reply, pos, 0, 0) + 4
        for _ in range(ancount):
            pos = _skip_name(reply, pos, 0, 0)
            rtype, _cls, _ttl, rdlen = _RR_FIXED.unpack_from(reply, pos)
            if rtype == cname:
                return True
            pos += 10 + rdlen
    except (FormErr, struct.error):
        return False
    return False


def chased_reply(query: Query, done: recursion.Done, limit: int) -> bytes:
    """The reply to ``query`` for a chased resolution: the chain and final RRset in ANSWER,
    the last name's SOA in AUTHORITY when negative, with the last name's rcode; the question as
    the client sent it. AUTHORITY and then ANSWER are dropped (TC) when over ``limit``."""
    opt = _opt(query, None) if query.edns else b""
    answer = b"".join(r.wire for r in done.answer)
    authority = b"".join(r.wire for r in done.authority if r.type == "SOA")
    an, ns = len(done.answer), sum(1 for r in done.authority if r.type == "SOA")
    base = 12 + len(query.question) + len(opt)
    tc = False
    if base + len(answer) + len(authority) > limit:
        authority, ns = b"", 0
        if base + len(answer) > limit:
            answer, an, tc = b"", 0, True
    head = _header(query.id, query.flags, False, tc, done.rcode, (1, an, ns, 1 if opt else 0))
    return b"".join((head, query.question, answer, authority, opt))


__all__ = ["Query", "FormErr", "NotAQuery", "PackErrors", "WireData", "decode", "encode",
           "encode_error", "compile", "pack_rdata", "max_size", "type_name", "content_key",
           "tail_key", "answer_records", "make_query", "override_reply",
           "read_reply", "chased_reply", "may_chase", "cname_record"]
