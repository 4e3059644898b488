"""RDATA of ``ResourceRecords[].Value`` per record type (R27, R34), pure.

``check(type, value)`` returns None or Route 53's complaint, worded as Route 53 words it:
``Invalid Resource Record: 'FATAL problem: ARRDATAIllegalIPv4Address (Value is not a valid IPv4
address) encountered with '192.0.2.300''``. The first word in brackets is Route 53's error name
where it is known (A, AAAA, TXT); for the other types netemu names the problem in the same style.

``zone_text(type, value)`` is the value with every domain name made absolute (R4: the trailing
dot is optional in the API) so the wire codec can pack it; ``target_names(type, value)`` the
names whose addresses belong in the ADDITIONAL section (R11).
"""

from __future__ import annotations

import base64
import binascii
import ipaddress
import re
from collections.abc import Callable, Mapping
from types import MappingProxyType

from netemu.route53 import names

TYPES = (
    "A", "AAAA", "CAA", "CNAME", "DS", "MX", "NAPTR", "NS", "PTR", "SOA", "SPF", "SRV", "TXT",
    "TLSA", "SSHFP", "SVCB", "HTTPS",
)

_HEX = re.compile(r"^[0-9A-Fa-f]+$")
_CAA_TAG = re.compile(r"^[A-Za-z0-9]+$")
_SVC_KEY = re.compile(r"^(mandatory|alpn|no-default-alpn|port|ipv4hint|ech|ipv6hint|key\d{1,5})$")
MAX_STRING = 255
STRING_TYPES = ("TXT", "SPF")   # values made of character-strings, octal escapes (DG)


class _Bad(Exception):
    def __init__(self, code: str, why: str) -> None:
        super().__init__(code, why)
        self.code, self.why = code, why


def tokens(value: str) -> list[tuple[str, bool]]:
    """Split a presentation value into (token, was_quoted); raises _Bad on an open quote."""
    out: list[tuple[str, bool]] = []
    i, n = 0, len(value)
    while i < n:
        ch = value[i]
        if ch.isspace():
            i += 1
            continue
        if ch == '"':
            j = i + 1
            buf = []
            while j < n and value[j] != '"':
                if value[j] == "\\" and j + 1 < n:
                    buf.append(value[j:j + 2])
                    j += 2
                    continue
                buf.append(value[j])
                j += 1
            if j >= n:
                raise _Bad("InvalidCharacterString", "Value is missing a closing quotation mark")
            out.append(("".join(buf), True))
            i = j + 1
            continue
        j = i
        while j < n and not value[j].isspace():
            j += 1
        out.append((value[i:j], False))
        i = j
    return out


_OCTAL = frozenset("01234567")
_DECIMAL = frozenset("0123456789")


def unescape(escaped: str, octal: bool = True) -> bytes:
    """A character-string's octets. ``\\ooo`` is a three-digit **octal** octet as Route 53
    reads TXT and SPF values (DG "TXT record type": "exämple.com" is ``ex\\344mple.com``, the
    convention of names too, R3); ``octal=False`` reads RFC 1035 5.1's decimal ``\\DDD`` (BIND
    master files). ``\\X`` is X; other characters are their UTF-8 octets. Raises ValueError on
    a numeric escape that is not an octet."""
    digits = _OCTAL if octal else _DECIMAL
    out = bytearray()
    i = 0
    while i < len(escaped):
        ch = escaped[i]
        code = escaped[i + 1:i + 4]
        if ch == "\\" and len(code) == 3 and code.isdigit():
            if not set(code) <= digits:
                raise ValueError(f"escape \\{code} is not a three-digit octal code")
            number = int(code, 8 if octal else 10)
            if number > 255:
                raise ValueError(f"escape \\{code} is not an octet")
            out.append(number)
            i += 4
        elif ch == "\\" and i + 1 < len(escaped):
            out.extend(escaped[i + 1].encode("utf-8"))
            i += 2
        else:
            out.extend(ch.encode("utf-8"))
            i += 1
    return bytes(out)


def escape(octets: bytes) -> str:
    """One character-string in Route 53's escaped form, without the quotes: ``"`` and ``\\``
    after a backslash, octets outside printable ASCII (0x00-0x1F, 0x7F-0xFF) as ``\\ooo``
    octal; the space stays a space (the documentation's own examples keep it)."""
    out: list[str] = []
    for octet in octets:
        if octet in (0x22, 0x5C):
            out.append("\\" + chr(octet))
        elif 0x20 <= octet < 0x7F:
            out.append(chr(octet))
        else:
            out.append(f"\\{octet:03o}")
    return "".join(out)


def character_strings(value: str, octal: bool = True) -> list[bytes]:
    """The strings of a TXT/SPF value, unescaped (valid values only)."""
    return [unescape(text, octal) for text, _ in tokens(value)]


def render(rtype: str, value: str) -> str:
    """``value`` as Route 53 shows it back (ListResourceRecordSets, exports, logs): TXT and SPF
    strings each quoted in the escaped form of ``escape``; other types unchanged."""
    if rtype not in STRING_TYPES:
        return value
    return " ".join(f'"{escape(octets)}"' for octets in character_strings(value))


def from_master_file(rtype: str, value: str) -> str:
    """A BIND master-file value (RFC 1035 decimal ``\\DDD``, quotes optional) in Route 53's
    form: the same octets, octal escapes. Other types unchanged. Raises ValueError."""
    if rtype not in STRING_TYPES:
        return value
    try:
        strings = character_strings(value, octal=False)
    except _Bad as bad:
        raise ValueError(bad.why) from None
    return " ".join(f'"{escape(octets)}"' for octets in strings)


def _int(tok: str, lo: int, hi: int, code: str, what: str) -> int:
    if not tok.isdigit() or not lo <= int(tok) <= hi:
        raise _Bad(code, f"{what} must be an integer from {lo} to {hi}")
    return int(tok)


def _name(tok: str, code: str) -> None:
    try:
        names.parse(tok)
    except names.BadName as exc:
        raise _Bad(code, f"Value is not a valid domain name: {exc}") from None


def _fields(value: str, rtype: str, count: int | None) -> list[str]:
    toks = [t for t, _ in tokens(value)]
    if count is not None and len(toks) != count:
        raise _Bad(f"{rtype}RRDATAIllegalFieldCount",
                   f"Value must have {count} fields, it has {len(toks)}")
    return toks


def _strings(rtype: str, value: str) -> None:
    toks = tokens(value)
    if not toks or any(not quoted for _, quoted in toks):
        raise _Bad("InvalidCharacterString", "Value should be enclosed in quotation marks")
    for text, _ in toks:
        try:
            octets = unescape(text)
        except ValueError as exc:
            raise _Bad("InvalidCharacterString", str(exc)) from None
        if len(octets) > MAX_STRING:
            raise _Bad("CharacterStringTooLong", "Value is too long")


def _a(rtype: str, value: str) -> None:
    try:
        ipaddress.IPv4Address(value)
    except ValueError:
        raise _Bad("ARRDATAIllegalIPv4Address", "Value is not a valid IPv4 address") from None


def _aaaa(rtype: str, value: str) -> None:
    try:
        ipaddress.IPv6Address(value)
    except ValueError:
        raise _Bad("AAAARRDATAIllegalIPv6Address", "Value is not a valid IPv6 address") from None


def _one_name(rtype: str, value: str) -> None:   # CNAME, NS, PTR
    (target,) = _fields(value, rtype, 1)
    _name(target, f"{rtype}RRDATAIllegalDomainName")


def _mx(rtype: str, value: str) -> None:
    pref, host = _fields(value, rtype, 2)
    _int(pref, 0, 65535, "MXRRDATAIllegalPriority", "Priority")
    _name(host, "MXRRDATAIllegalDomainName")


def _srv(rtype: str, value: str) -> None:
    prio, weight, port, host = _fields(value, rtype, 4)
    _int(prio, 0, 65535, "SRVRRDATAIllegalPriority", "Priority")
    _int(weight, 0, 65535, "SRVRRDATAIllegalWeight", "Weight")
    _int(port, 0, 65535, "SRVRRDATAIllegalPort", "Port")
    _name(host, "SRVRRDATAIllegalDomainName")


def _soa(rtype: str, value: str) -> None:
    mname, rname, *nums = _fields(value, rtype, 7)
    _name(mname, "SOARRDATAIllegalDomainName")
    _name(rname, "SOARRDATAIllegalDomainName")
    for num in nums:
        _int(num, 0, 2**32 - 1, "SOARRDATAIllegalNumber", "Each SOA number")


def _caa(rtype: str, value: str) -> None:
    toks = tokens(value)
    if len(toks) != 3:
        raise _Bad("CAARRDATAIllegalFieldCount", "Value must be: flags tag \"value\"")
    _int(toks[0][0], 0, 255, "CAARRDATAIllegalFlags", "Flags")
    if not _CAA_TAG.match(toks[1][0]) or len(toks[1][0]) > 15:
        raise _Bad("CAARRDATAIllegalTag", "Tag must be 1-15 letters or digits")
    if not toks[2][1]:
        raise _Bad("InvalidCharacterString", "Value should be enclosed in quotation marks")


def _ds(rtype: str, value: str) -> None:
    tag, alg, dtype, *digest = _fields(value, rtype, None)
    _int(tag, 0, 65535, "DSRRDATAIllegalKeyTag", "Key tag")
    _int(alg, 0, 255, "DSRRDATAIllegalAlgorithm", "Algorithm")
    _int(dtype, 0, 255, "DSRRDATAIllegalDigestType", "Digest type")
    _hex("".join(digest), "DSRRDATAIllegalDigest", _DIGEST_HEX.get(int(dtype)))


def _tlsa(rtype: str, value: str) -> None:
    usage, sel, mtype, *data = _fields(value, rtype, None)
    for num, what in ((usage, "Usage"), (sel, "Selector"), (mtype, "Matching type")):
        _int(num, 0, 255, "TLSARRDATAIllegalField", what)
    _hex("".join(data), "TLSARRDATAIllegalData", _TLSA_HEX.get(int(mtype)))


def _sshfp(rtype: str, value: str) -> None:
    alg, ftype, *data = _fields(value, rtype, None)
    _int(alg, 0, 255, "SSHFPRRDATAIllegalAlgorithm", "Algorithm")
    _int(ftype, 0, 255, "SSHFPRRDATAIllegalFingerprintType", "Fingerprint type")
    _hex("".join(data), "SSHFPRRDATAIllegalFingerprint", _SSHFP_HEX.get(int(ftype)))


def _naptr(rtype: str, value: str) -> None:
    toks = tokens(value)
    if len(toks) != 6:
        raise _Bad("NAPTRRRDATAIllegalFieldCount",
                   "Value must be: order preference \"flags\" \"services\" \"regexp\" "
                   "replacement")
    _int(toks[0][0], 0, 65535, "NAPTRRRDATAIllegalOrder", "Order")
    _int(toks[1][0], 0, 65535, "NAPTRRRDATAIllegalPreference", "Preference")
    if not all(quoted for _, quoted in toks[2:5]):
        raise _Bad("InvalidCharacterString",
                   "Flags, services and regexp should be enclosed in quotation marks")
    _name(toks[5][0], "NAPTRRRDATAIllegalDomainName")


def _svcb(rtype: str, value: str) -> None:   # SVCB, HTTPS
    toks = _fields(value, rtype, None)
    if len(toks) < 2:
        raise _Bad(f"{rtype}RRDATAIllegalFieldCount", "Value must be: priority target [params]")
    _int(toks[0], 0, 65535, f"{rtype}RRDATAIllegalPriority", "Priority")
    _name(toks[1], f"{rtype}RRDATAIllegalDomainName")
    keys = [param.split("=", 1)[0] for param in toks[2:]]
    if len(set(keys)) != len(keys):
        raise _Bad(f"{rtype}RRDATAIllegalParameter", "A service parameter is repeated")
    for param in toks[2:]:
        _svc_param(rtype, param)


# The RDATA rules of each type (R27, R34): one function per format, raising _Bad.
CHECKS: Mapping[str, Callable[[str, str], None]] = MappingProxyType({
    "A": _a, "AAAA": _aaaa, "CNAME": _one_name, "NS": _one_name, "PTR": _one_name,
    "TXT": _strings, "SPF": _strings, "MX": _mx, "SRV": _srv, "SOA": _soa, "CAA": _caa,
    "DS": _ds, "TLSA": _tlsa, "SSHFP": _sshfp, "NAPTR": _naptr, "SVCB": _svcb, "HTTPS": _svcb,
})


def _svc_port(value: str, code: str) -> None:
    _int(value, 0, 65535, code, "port")


def _svc_ipv4(value: str, code: str) -> None:
    for addr in value.split(","):
        ipaddress.IPv4Address(addr)


def _svc_ipv6(value: str, code: str) -> None:
    for addr in value.split(","):
        ipaddress.IPv6Address(addr)


def _svc_mandatory(value: str, code: str) -> None:
    if not all(_SVC_KEY.match(k) for k in value.split(",")):
        raise _Bad(code, f"mandatory lists an unknown key in '{value}'")


def _svc_ech(value: str, code: str) -> None:
    base64.b64decode(value, validate=True)


# RFC 9460 section 7: the value rules of each known key (alpn and keyNNNNN: any value).
_SVC_VALUES: Mapping[str, Callable[[str, str], None]] = MappingProxyType({
    "port": _svc_port, "ipv4hint": _svc_ipv4, "ipv6hint": _svc_ipv6,
    "mandatory": _svc_mandatory, "ech": _svc_ech,
})


def _svc_param(rtype: str, param: str) -> None:
    """RFC 9460 section 7 parameters: known keys with well-formed values."""
    key, has_value, value = param.partition("=")
    value = value.strip('"')
    code = f"{rtype}RRDATAIllegalParameter"
    if not _SVC_KEY.match(key):
        raise _Bad(code, f"Unknown service parameter '{key}'")
    if key == "no-default-alpn":
        if has_value:
            raise _Bad(code, "no-default-alpn takes no value")
        return
    if not value and not key.startswith("key"):
        raise _Bad(code, f"Service parameter '{key}' needs a value")
    check_value = _SVC_VALUES.get(key)
    try:
        if check_value is not None:
            check_value(value, code)
    except (ValueError, binascii.Error):
        raise _Bad(code, f"Bad value for service parameter '{key}': '{value}'") from None


# Digest lengths in hex digits: DS (RFC 4509, 6605), TLSA matching types, SSHFP types.
_DIGEST_HEX = {1: 40, 2: 64, 3: 64, 4: 96}
_TLSA_HEX = {1: 64, 2: 128}
_SSHFP_HEX = {1: 40, 2: 64}


def _hex(data: str, code: str, length: int | None = None) -> None:
    if not data or not _HEX.match(data) or len(data) % 2:
        raise _Bad(code, "Value must be an even number of hexadecimal digits")
    if length is not None and len(data) != length:
        raise _Bad(code, f"The digest must be {length} hexadecimal digits for its type")


def check(rtype: str, value: object) -> str | None:
    """None when ``value`` is valid RDATA of ``rtype``, else Route 53's message (R27)."""
    if not isinstance(value, str) or not value.strip():
        shown = "" if value is None else str(value)
        return (f"Invalid Resource Record: 'FATAL problem: RRDATAEmpty (Value is empty) "
                f"encountered with '{shown}''")
    try:
        check_type = CHECKS.get(rtype)
        if check_type is not None:
            check_type(rtype, value.strip())
    except _Bad as bad:
        return (f"Invalid Resource Record: 'FATAL problem: {bad.code} ({bad.why}) "
                f"encountered with '{value}''")
    except ValueError as exc:  # unpacking a wrong field count
        return (f"Invalid Resource Record: 'FATAL problem: {rtype}RRDATAIllegalFieldCount "
                f"({exc}) encountered with '{value}''")
    return None


# Positions of domain-name fields in each type's tokens (for zone_text and target_names).
_NAME_FIELDS: dict[str, tuple[int, ...]] = {
    "CNAME": (0,), "NS": (0,), "PTR": (0,), "MX": (1,), "SRV": (3,), "SOA": (0, 1),
    "NAPTR": (5,), "SVCB": (1,), "HTTPS": (1,),
}
_TARGETS: dict[str, int] = {"CNAME": 0, "NS": 0, "MX": 1, "SRV": 3}


def _absolute(name: str) -> str:
    return name if name.endswith(".") else name + "."


def map_names(rtype: str, value: str, absolute: Callable[[str], str]) -> str:
    """``value`` with each of its domain-name fields replaced by ``absolute(name)`` (quoted
    strings kept as they are); raises _Bad on an open quote."""
    fields = _NAME_FIELDS.get(rtype)
    if not fields:
        return value.strip()
    parts: list[str] = []
    for index, (tok, quoted) in enumerate(tokens(value)):
        if quoted:
            parts.append(f'"{tok}"')
        elif index in fields:
            parts.append(absolute(tok))
        else:
            parts.append(tok)
    return " ".join(parts)


def zone_text(rtype: str, value: str) -> str:
    """``value`` with its domain names absolute (R4), ready for a master-file parser."""
    return map_names(rtype, value, _absolute)


def target_names(rtype: str, value: str) -> tuple[names.Labels, ...]:
    """Names whose A/AAAA records may go in ADDITIONAL (R11): CNAME, NS, MX, SRV targets."""
    index = _TARGETS.get(rtype)
    if index is None:
        return ()
    toks = tokens(value)
    try:
        return (names.parse(toks[index][0]),) if toks[index][0] != "." else ()
    except (IndexError, names.BadName):
        return ()
