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

from dataclasses import dataclass, field

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
    buf: list[str] = []
    depth, start, blank = 0, 0, False
    for number, line in enumerate(text.splitlines(), 1):
        kept: list[str] = []
        quoted, i = False, 0
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


@dataclass
class _State:
    """What earlier lines set: $ORIGIN, $TTL, the previous owner, the record sets so far."""

    origin: str | None
    ttl: int | None = None
    owner: str | None = None
    first_origin: str | None = None
    sets: dict[tuple[str, str], dict[str, object]] = field(default_factory=dict)


def _origin(state: _State, fields: list[str], line: int) -> None:
    if len(fields) != 2:
        raise BindError(line, "$ORIGIN takes one name")
    state.origin = _absolute(fields[1], state.origin, line)
    state.first_origin = state.first_origin or state.origin


def _ttl(state: _State, fields: list[str], line: int) -> None:
    if len(fields) != 2 or not fields[1].isdigit():
        raise BindError(line, "$TTL takes one number of seconds")
    state.ttl = int(fields[1])


_DIRECTIVES = {"$ORIGIN": _origin, "$TTL": _ttl}


def _ttl_class_type(fields: list[str], line: int) -> tuple[int | None, str]:
    """Pops the optional TTL and class (either order) and the type off ``fields``."""
    ttl = None
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
            if rtype not in rdata.TYPES:
                raise BindError(line, f"type {rtype} is not a Route 53 record type")
            return ttl, rtype
    raise BindError(line, "record without a type")


def _route53_value(rtype: str, value: str, origin: str | None, line: int) -> str:
    """Names made absolute; TXT/SPF decimal \\DDD -> Route 53's octal (same octets)."""
    try:
        value = rdata.map_names(rtype, value, lambda name: name if name == "." else
                                _absolute(name, origin, line))
        return rdata.from_master_file(rtype, value)
    except rdata._Bad as bad:
        raise BindError(line, bad.why) from None
    except ValueError as exc:
        raise BindError(line, str(exc)) from None


def _record(state: _State, line: int, body: str, blank: bool) -> None:
    fields = body.split()
    total = len(fields)
    if not blank:
        state.owner = _absolute(fields.pop(0), state.origin, line)
    elif state.owner is None:
        raise BindError(line, "the first record has no owner name")
    ttl, rtype = _ttl_class_type(fields, line)
    value = _route53_value(rtype, _value_after(body, total - len(fields)), state.origin, line)
    ttl = state.ttl if ttl is None else ttl
    if ttl is None:
        raise BindError(line, "no TTL and no $TTL before this record")
    try:
        key = (_to_route53_name(state.owner), rtype)
    except ValueError as exc:
        raise BindError(line, str(exc)) from None
    entry = state.sets.setdefault(
        key, {"Name": key[0], "Type": rtype, "TTL": ttl, "ResourceRecords": []}
    )
    records = entry["ResourceRecords"]
    assert isinstance(records, list)
    if {"Value": value} not in records:
        records.append({"Value": value})


def parse(text: str, default_origin: str | None = None) -> BindZone:
    """Raises BindError(line, message)."""
    state = _State(default_origin)
    for line, body, blank in _logical_lines(text):
        head = body.split()[0]
        directive = _DIRECTIVES.get(head.upper())
        if directive is not None:
            directive(state, body.split(), line)
        elif head.startswith("$"):
            raise BindError(line, f"{head} is not supported")
        else:
            _record(state, line, body, blank)
    zone_origin = next((k[0] for k in state.sets if k[1] == "SOA"), None) or state.first_origin
    return BindZone(zone_origin, tuple(state.sets.values()))


def _value_after(body: str, consumed: int) -> str:
    """The text after the first ``consumed`` tokens (owner, TTL, class, type), quotes kept."""
    rest = body
    for _ in range(consumed):
        rest = rest.lstrip()
        rest = rest[len(rest.split(None, 1)[0]):]
    return " ".join(rest.split()) if '"' not in rest else rest.strip()

