"""BIND master files (RFC 1035 section 5) -> Route 53 record-set dicts, for plain records, pure.

Handles ``$ORIGIN``, ``$TTL``, ``@``, relative owner names, a blank owner (the previous one),
optional TTL and class in either order, ``;`` comments and ``( ... )`` across lines. Resource
records of one (name, type) become one simple record set whose TTL is the first one seen (Route
53 has one TTL per record set). The output has the shape of a zone file's ``ResourceRecordSets``
so the loader validates it with the same rules as YAML; TXT and SPF strings are rewritten from
the master file's decimal ``\\DDD`` escapes to Route 53's octal ones (same octets).
``$INCLUDE`` and ``$GENERATE`` are refused.
"""

from __future__ import annotations

from dataclasses import dataclass

from netemu.route53 import names, rdata

_CLASSES = {"IN", "CH", "HS", "CS"}


class BindError(ValueError):
    def __init__(self, line: int, message: str) -> None:
        super().__init__(message)
        self.line = line


@dataclass(frozen=True, slots=True)
class BindZone:
    origin: str | None
    record_sets: tuple[dict[str, object], ...]


def _logical_lines(text: str) -> list[tuple[int, str, bool]]:
    """(first line number, text without comments, starts with blank owner)."""
    out: list[tuple[int, str, bool]] = []
    depth, buf, start, blank = 0, [], 0, False
    for number, line in enumerate(text.splitlines(), 1):
        kept, quoted, i = [], False, 0
        while i < len(line):
            ch = line[i]
            if ch == "\\" and i + 1 < len(line):
                kept.append(line[i:i + 2])
                i += 2
                continue
            if ch == '"':
                quoted = not quoted
            elif not quoted and ch == ";":
                break
            elif not quoted and ch == "(":
                depth += 1
                ch = " "
            elif not quoted and ch == ")":
                depth -= 1
                ch = " "
            kept.append(ch)
            i += 1
        if not buf:
            start, blank = number, bool(line[:1].isspace())
        buf.append("".join(kept))
        if depth < 0:
            raise BindError(number, "unbalanced ')'")
        if depth == 0:
            joined = " ".join(buf)
            if joined.strip():
                out.append((start, joined, blank))
            buf = []
    if depth:
        raise BindError(start, "unclosed '('")
    return out


def _absolute(name: str, origin: str | None, line: int) -> str:
    if name == "@":
        if origin is None:
            raise BindError(line, "'@' used before $ORIGIN is known")
        return origin
    if name.endswith(".") and not name.endswith("\\."):
        return name
    if origin is None:
        raise BindError(line, f"relative name '{name}' used before $ORIGIN is known")
    return name + "." + origin if origin != "." else name + "."


def _to_route53_name(name: str) -> str:
    """Master files write ``\\DDD`` in decimal; Route 53 reads octal (R3)."""
    try:
        return names.to_text(names.parse(name, octal=False))
    except names.BadName as exc:
        raise ValueError(str(exc)) from None


def parse(text: str, default_origin: str | None = None) -> BindZone:
    """Raises BindError(line, message)."""
    origin = default_origin
    ttl_default: int | None = None
    owner: str | None = None
    sets: dict[tuple[str, str], dict[str, object]] = {}
    first_origin: str | None = None
    for line, body, blank in _logical_lines(text):
        fields = body.split()
        total = len(fields)
        if fields[0].upper() == "$ORIGIN":
            if len(fields) != 2:
                raise BindError(line, "$ORIGIN takes one name")
            origin = _absolute(fields[1], origin, line)
            first_origin = first_origin or origin
            continue
        if fields[0].upper() == "$TTL":
            if len(fields) != 2 or not fields[1].isdigit():
                raise BindError(line, "$TTL takes one number of seconds")
            ttl_default = int(fields[1])
            continue
        if fields[0].startswith("$"):
            raise BindError(line, f"{fields[0]} is not supported")
        if not blank:
            owner = _absolute(fields.pop(0), origin, line)
        elif owner is None:
            raise BindError(line, "the first record has no owner name")
        ttl, rtype = None, None
        while fields:
            head = fields[0]
            if head.isdigit() and ttl is None:
                ttl = int(fields.pop(0))
            elif head.upper() in _CLASSES:
                if head.upper() != "IN":
                    raise BindError(line, f"class {head} is not served (only IN)")
                fields.pop(0)
            else:
                rtype = fields.pop(0).upper()
                break
        if rtype is None:
            raise BindError(line, "record without a type")
        if rtype not in rdata.TYPES:
            raise BindError(line, f"type {rtype} is not a Route 53 record type")
        value = _value_after(body, total - len(fields))
        try:
            value = rdata.map_names(rtype, value, lambda name: name if name == "." else
                                    _absolute(name, origin, line))
            value = rdata.from_master_file(rtype, value)   # decimal \DDD -> Route 53's octal
        except rdata._Bad as bad:
            raise BindError(line, bad.why) from None
        except ValueError as exc:
            raise BindError(line, str(exc)) from None
        if ttl is None:
            ttl = ttl_default
        if ttl is None:
            raise BindError(line, "no TTL and no $TTL before this record")
        try:
            key = (_to_route53_name(owner), rtype)
        except ValueError as exc:
            raise BindError(line, str(exc)) from None
        entry = sets.setdefault(
            key, {"Name": key[0], "Type": rtype, "TTL": ttl, "ResourceRecords": []}
        )
        records = entry["ResourceRecords"]
        assert isinstance(records, list)
        if {"Value": value} not in records:
            records.append({"Value": value})
    zone_origin = next((k[0] for k in sets if k[1] == "SOA"), None) or first_origin
    return BindZone(zone_origin, tuple(sets.values()))


def _value_after(body: str, consumed: int) -> str:
    """The text after the first ``consumed`` tokens (owner, TTL, class, type), quotes kept."""
    rest = body
    for _ in range(consumed):
        rest = rest.lstrip()
        rest = rest[len(rest.split(None, 1)[0]):]
    return " ".join(rest.split()) if '"' not in rest else rest.strip()

