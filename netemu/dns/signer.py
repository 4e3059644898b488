"""Online DNSSEC signing of the replies of signed hosted zones, as Route 53 does (docs/dnssec.md).

The cryptography is dnspython's ``dns.dnssec`` over ``cryptography`` (ECDSA P-256 with SHA-256,
algorithm 13, the only one Route 53 uses: R106); nothing here computes a signature by hand.

- Keys: each ACTIVE key-signing key (KSK, flags 257) signs the DNSKEY RRset only; the zone-signing
  key (ZSK, flags 256) managed by netemu signs everything else (R106).
- ``reply(...)`` turns the engine's answer for a DO query into a signed reply: an RRSIG beside
  every RRset of the zone, whatever outcome the routing policy chose (each weighted outcome is
  its own RRset, signed when first served and then taken from the cache), NSEC "black lies" for
  denial of existence (R107): NXDOMAIN and NODATA both become NOERROR with one NSEC at the query
  name whose next name is ``\\000.<qname>`` and whose bitmap lists only the types the name has
  plus RRSIG and NSEC; a referral carries the cut's signed DS, or the same kind of NSEC at the
  cut when it has none (an insecure delegation). Queries without
  the DO bit get the unsigned reply (R108), except that the apex DNSKEY RRset is always served.
- While a zone is signed its TTLs are served at most one week (R112), with or without DO.
- Too large for the client's UDP size: ADDITIONAL is dropped, then AUTHORITY of a positive
  answer, then the reply is truncated (TC).
- Signatures are valid from ``INCEPTION_SKEW`` before the signer was made to ``VALIDITY`` after;
  a signer is rebuilt (``REFRESH``) long before that (netemu/api/dnssec.py), which also starts
  the DNS fast path's prepared replies afresh (a new ``Serving``).
"""

from __future__ import annotations

import base64
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import dns.dnssec
import dns.exception
import dns.flags
import dns.message
import dns.name
import dns.rcode
import dns.rdata
import dns.rdataclass
import dns.rdatatype
import dns.rrset
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec

from netemu.dns import codec
from netemu.route53.answer import Answer, Rcode
from netemu.route53.lookup import CompiledZone, CompiledZones

ALGORITHM = dns.dnssec.Algorithm.ECDSAP256SHA256      # 13
KSK_FLAGS, ZSK_FLAGS = 257, 256
DNSKEY_TTL = 3600
INCEPTION_SKEW = 3600            # signatures valid from one hour back (clock skew)
VALIDITY = 7 * 86400             # ... to seven days ahead
REFRESH = 86400                  # signers rebuilt daily
MAX_TTL = 7 * 86400              # R112: TTLs of a signed zone are served at most a week
MAX_CACHED = 100_000             # RRSIGs and signed replies kept per signer (then start over)
_IN = dns.rdataclass.IN
_RRSIG, _NSEC, _DNSKEY, _NS, _DS = (dns.rdatatype.RRSIG, dns.rdatatype.NSEC,
                                    dns.rdatatype.DNSKEY, dns.rdatatype.NS, dns.rdatatype.DS)
PrivateKey = ec.EllipticCurvePrivateKey


# --- keys --------------------------------------------------------------------------------------


def new_key() -> PrivateKey:
    """A new ECDSA P-256 key pair (a KMS ECC_NIST_P256 key, or the ZSK)."""
    return ec.generate_private_key(ec.SECP256R1())


def key_to_pem(key: PrivateKey) -> bytes:
    return key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                             serialization.NoEncryption())


def key_from_pem(pem: bytes) -> PrivateKey:
    key = serialization.load_pem_private_key(pem, password=None)
    if not isinstance(key, ec.EllipticCurvePrivateKey) or key.curve.name != "secp256r1":
        raise ValueError("not an ECC_NIST_P256 (secp256r1) private key")
    return key


def dnskey(key: PrivateKey, flags: int) -> dns.rdata.Rdata:
    return dns.dnssec.make_dnskey(key.public_key(), ALGORITHM, flags)


def ksk_description(apex: str, key: PrivateKey) -> dict[str, object]:
    """What GetDNSSEC shows of a KSK's key (R109): the DNSKEY, its key tag, the SHA-256 DS
    record for the parent zone."""
    rd = dnskey(key, KSK_FLAGS)
    ds = dns.dnssec.make_ds(dns.name.from_text(apex), rd, "SHA256")
    digest = ds.digest.hex().upper()
    public = base64.b64encode(rd.key).decode()   # type: ignore[attr-defined]
    tag = dns.dnssec.key_id(rd)   # type: ignore[arg-type]
    return {"Flag": KSK_FLAGS, "SigningAlgorithmMnemonic": "ECDSAP256SHA256",
            "SigningAlgorithmType": int(ALGORITHM), "DigestAlgorithmMnemonic": "SHA-256",
            "DigestAlgorithmType": 2, "KeyTag": tag, "DigestValue": digest,
            "PublicKey": public, "DSRecord": f"{tag} {int(ALGORITHM)} 2 {digest}",
            "DNSKEYRecord": f"{KSK_FLAGS} 3 {int(ALGORITHM)} {public}"}



# --- the signer --------------------------------------------------------------------------------


class ZoneSigner:
    """One signed zone's keys and its cache of RRSIGs (valid ``inception``..``expiration``)."""

    def __init__(self, apex: str, ksks: Sequence[PrivateKey], zsk: PrivateKey,
                 now: float) -> None:
        if not ksks:
            raise ValueError("a signed zone needs an active key-signing key")
        self.spec = (apex, tuple(key_to_pem(k) for k in ksks), key_to_pem(zsk), now)
        self.apex = dns.name.from_text(apex)
        self.inception = int(now) - INCEPTION_SKEW
        self.expiration = int(now) + VALIDITY
        self._ksks = [(k, dnskey(k, KSK_FLAGS)) for k in ksks]
        self._zsk = (zsk, dnskey(zsk, ZSK_FLAGS))
        keys = dns.rrset.RRset(self.apex, _IN, _DNSKEY)
        keys.update_ttl(DNSKEY_TTL)
        for _, rd in self._ksks:
            keys.add(rd)
        keys.add(self._zsk[1])
        self.dnskeys = keys
        sigs = dns.rrset.RRset(self.apex, _IN, _RRSIG, _DNSKEY)
        sigs.update_ttl(DNSKEY_TTL)
        for key, rd in self._ksks:     # R106: the DNSKEY RRset is signed by the KSKs
            sigs.add(self._sign(keys, key, rd))
        self.dnskey_sigs = sigs
        self._cache: dict[tuple[object, ...], dns.rrset.RRset] = {}
        self.replies: dict[tuple[bytes, int], bytes] = {}   # unsigned reply -> signed (no ID)
        self.replies_for: CompiledZone | None = None        # ... of this compiled zone

    @classmethod
    def from_spec(cls, spec: tuple[str, tuple[bytes, ...], bytes, float]) -> ZoneSigner:
        """The same signer (same keys, same validity: the same signatures) from ``spec``, as
        another ``--workers`` process receives it."""
        apex, ksks, zsk, now = spec
        return cls(apex, [key_from_pem(k) for k in ksks], key_from_pem(zsk), now)

    def _sign(self, rrset: dns.rrset.RRset, key: PrivateKey,
              rd: dns.rdata.Rdata) -> dns.rdata.Rdata:
        return dns.dnssec.sign(rrset, key, self.apex, rd,   # type: ignore[arg-type]
                               inception=self.inception, expiration=self.expiration)

    def rrsig(self, rrset: dns.rrset.RRset) -> dns.rrset.RRset:
        """The RRSIG RRset covering ``rrset`` (signed by the ZSK), from the cache when the same
        RRset (owner, type, TTL, data) was signed before."""
        key = (rrset.name, rrset.rdtype, rrset.ttl,
               frozenset(rd.to_digestable() for rd in rrset))
        found = self._cache.get(key)
        if found is None:
            if rrset.rdtype == _DNSKEY:
                return self.dnskey_sigs
            found = dns.rrset.RRset(rrset.name, _IN, _RRSIG, rrset.rdtype)
            found.update_ttl(rrset.ttl)
            found.add(self._sign(rrset, *self._zsk))
            if len(self._cache) >= MAX_CACHED:
                self._cache.clear()
            self._cache[key] = found
        return found


@dataclass(frozen=True, slots=True)
class Signed:
    """The zone an answer came from and its signer."""

    zone: CompiledZone
    signer: ZoneSigner


def find(qname: tuple[bytes, ...], zones: CompiledZones,
         signers: Mapping[str, ZoneSigner]) -> Signed | None:
    zone = zones.find_zone(qname, None)
    if zone is None:
        return None
    signer = signers.get(zone.zone.id)
    return None if signer is None else Signed(zone, signer)


def reply(query: codec.Query, answer: Answer, zones: CompiledZones,
          signers: Mapping[str, ZoneSigner], wire: codec.WireData, limit: int) -> bytes | None:
    """The reply of a signed zone, or None when the ordinary reply stands (zone not signed, no
    DO bit, REFUSED/SERVFAIL)."""
    if answer.rcode not in (Rcode.NOERROR, Rcode.NXDOMAIN):
        return None
    found = find(query.qname, zones, signers)
    if found is None:
        return None
    zone, signer = found.zone, found.signer
    apex_dnskey = query.qname == zone.apex and query.qtype == int(_DNSKEY)
    if not query.dnssec_ok and not apex_dnskey and not any(
            ref.ttl > MAX_TTL for refs in (answer.answer, answer.authority, answer.additional)
            for ref in refs):
        return None
    unsigned = codec.encode(query, answer, wire, codec.MAX_TCP)
    if signer.replies_for is not zone:    # the zone changed: NSEC bitmaps may differ
        signer.replies, signer.replies_for = {}, zone
    key = (unsigned[2:], limit)
    cached = signer.replies.get(key)
    if cached is not None:     # this outcome was signed before: the same bytes again
        return unsigned[:2] + cached
    signed = _sign(query, answer, zone, signer, unsigned, apex_dnskey, limit)
    if len(signer.replies) >= MAX_CACHED:
        signer.replies.clear()
    signer.replies[key] = signed[2:]
    return signed


def _sign(query: codec.Query, answer: Answer, zone: CompiledZone, signer: ZoneSigner,
          unsigned: bytes, apex_dnskey: bool, limit: int) -> bytes:
    message = dns.message.from_wire(unsigned)
    qname = message.question[0].name
    for section in (message.answer, message.authority, message.additional):
        for rrset in section:
            rrset.update_ttl(MAX_TTL)    # R112: at most a week (keeps a lower TTL)
    if apex_dnskey:
        message.set_rcode(dns.rcode.NOERROR)
        message.answer = [signer.dnskeys]
        message.authority, message.additional = [], []
        if query.dnssec_ok:
            message.answer.append(signer.dnskey_sigs)
        return _to_wire(message, limit)
    if not query.dnssec_ok:    # R108: nothing added, only the TTLs capped (R112)
        return _to_wire(message, limit)
    if not answer.aa:     # a referral: the cut's DS, or an NSEC proving it has none (R107)
        cut = message.authority[0].name if message.authority else qname
        ds = _ds(zone, cut)
        message.authority.append(ds if ds is not None else
                                 _nsec(cut, ("NS",), zone.negative_ttl))
        _sign_sections(message, signer, zone)
        return _to_wire(message, limit)
    if answer.rcode == Rcode.NXDOMAIN or not answer.answer:   # R107: black lies
        message.set_rcode(dns.rcode.NOERROR)
        node = zone.nodes.get(query.qname)
        have = [t for t in (node.groups if node is not None else ())
                if t != query.type_name]
        if query.qname == zone.apex:
            have.append("DNSKEY")
        message.authority.append(_nsec(qname, have, zone.negative_ttl))
    _sign_sections(message, signer, zone)
    return _to_wire(message, limit)


def _ds(zone: CompiledZone, cut: dns.name.Name) -> dns.rrset.RRset | None:
    """The DS record set the zone holds at the delegation ``cut`` (a secure delegation)."""
    node = zone.nodes.get(tuple(label.lower() for label in cut.labels[:-1]))
    found = node.records.get("DS") if node is not None else None
    rec = found[0] if found else None
    if rec is None or rec.ttl is None:
        return None
    rrset = dns.rrset.RRset(cut, _IN, _DS)
    rrset.update_ttl(rec.ttl)
    for value in rec.values:
        rrset.add(dns.rdata.from_text(_IN, _DS, value))
    return rrset


def _nsec(owner: dns.name.Name, types: Sequence[str], ttl: int) -> dns.rrset.RRset:
    """R107: an NSEC at ``owner`` that covers only ``owner`` itself (next name
    ``\\000.owner``), listing ``types`` and RRSIG, NSEC."""
    following = dns.name.Name((b"\x00",) + owner.labels)
    bitmap = " ".join(sorted(set(types) | {"RRSIG", "NSEC"},
                             key=lambda t: int(dns.rdatatype.from_text(t))))
    rrset = dns.rrset.RRset(owner, _IN, _NSEC)
    rrset.update_ttl(ttl)
    rrset.add(dns.rdata.from_text(_IN, _NSEC, f"{following.to_text()} {bitmap}"))
    return rrset


def _sign_sections(message: dns.message.Message, signer: ZoneSigner,
                   zone: CompiledZone) -> None:
    """An RRSIG after each RRset the zone is authoritative for: not the NS of a cut nor glue
    below it."""
    apex = signer.apex
    cuts = zone.cuts
    for section in (message.answer, message.authority, message.additional):
        signed: list[dns.rrset.RRset] = []
        for rrset in section:
            signed.append(rrset)
            name = rrset.name
            if not name.is_subdomain(apex) or rrset.rdtype == _RRSIG:
                continue
            if rrset.rdtype == _NS and name != apex:
                continue
            labels = tuple(label.lower() for label in name.labels[:-1])
            parent_side = rrset.rdtype in (_NSEC, _DS) and labels in cuts   # the cut's DS/NSEC
            if not parent_side and any(labels[i:] in cuts for i in range(len(labels))):
                continue
            signed.append(signer.rrsig(rrset))
        section[:] = signed


def _to_wire(message: dns.message.Message, limit: int) -> bytes:
    """At most ``limit`` bytes: ADDITIONAL dropped first, then an empty reply with TC."""
    try:
        return message.to_wire(max_size=limit, want_shuffle=False)
    except dns.exception.TooBig:
        pass
    message.additional = []
    try:
        return message.to_wire(max_size=limit, want_shuffle=False)
    except dns.exception.TooBig:
        pass
    if message.answer:    # as the unsigned codec: a positive answer can do without AUTHORITY
        message.authority = []
        try:
            return message.to_wire(max_size=limit, want_shuffle=False)
        except dns.exception.TooBig:
            pass
    message.answer, message.authority = [], []
    message.flags |= dns.flags.TC
    return message.to_wire(max_size=limit, want_shuffle=False)


__all__ = ["ALGORITHM", "REFRESH", "ZoneSigner", "dnskey", "key_from_pem", "key_to_pem",
           "ksk_description", "new_key", "reply"]
