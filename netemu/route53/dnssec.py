"""DNSSEC signing of a hosted zone, pure: the key-signing keys (KSKs) of a zone and whether the
zone is signed, and the Route 53 operations that change them, with Route 53's error codes.

``(current ZoneDnssec, request, now) -> new ZoneDnssec`` or ``ChangeRejected``:
``create_ksk`` (R100, R101), ``activate_ksk`` / ``deactivate_ksk`` (R102, R103), ``delete_ksk``
(R104), ``enable`` / ``disable`` (R105), the parent's DS records a KSK must not leave
(``refuse_if_in_parent_ds``, R111), and no hosted zone deleted while it has KSKs
(``refuse_zone_delete``, R190). The cryptography (the KSK's key pair behind its KMS ARN,
the zone-signing key, RRSIGs) lives at the edges; this module only keeps the rules.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace

from netemu.route53.changes import ChangeRejected
from netemu.route53.model import HostedZone, ZoneSet

SIGNING, NOT_SIGNING = "SIGNING", "NOT_SIGNING"
ACTIVE, INACTIVE = "ACTIVE", "INACTIVE"
MAX_KSKS = 2                               # R100: "You can only have two KSKs per hosted zone"
KSK_NAME = re.compile(r"[A-Za-z0-9_]{3,128}")
# R101: a customer managed KMS key in US East (N. Virginia)
KMS_ARN = re.compile(r"arn:aws:kms:us-east-1:(\d{12}):key/([A-Za-z0-9-]{1,128})")


@dataclass(frozen=True, slots=True)
class Ksk:
    name: str
    kms_arn: str
    status: str
    created: float
    modified: float


@dataclass(frozen=True, slots=True)
class ZoneDnssec:
    zone_id: str
    signing: bool = False
    ksks: tuple[Ksk, ...] = ()

    @property
    def serve_signature(self) -> str:
        return SIGNING if self.signing else NOT_SIGNING

    def ksk(self, name: str) -> Ksk:
        for ksk in self.ksks:
            if ksk.name == name:
                return ksk
        raise ChangeRejected([("NoSuchKeySigningKey",
                               f"The specified key-signing key (KSK) {name} doesn't exist.")])

    @property
    def active(self) -> tuple[Ksk, ...]:
        return tuple(k for k in self.ksks if k.status == ACTIVE)


def kms_key_id(arn: str) -> str:
    """The key id of a KMS ARN (R101), or InvalidKMSArn."""
    match = KMS_ARN.fullmatch(arn or "")
    if match is None:
        raise ChangeRejected([("InvalidKMSArn",
                               (f"The KeyManagementServiceArn {arn!r} isn't valid to use with "
                               "DNSSEC signing: it must be the ARN of a customer managed key in "
                               "us-east-1 (arn:aws:kms:us-east-1:ACCOUNT:key/KEY-ID)"))])
    return match.group(2)


def _public(zone: HostedZone) -> None:
    if zone.private:
        raise ChangeRejected([("InvalidInput",
                               (f"The hosted zone {zone.name} is a private hosted zone: DNSSEC "
                               "signing is available for public hosted zones only"))])


def create_ksk(state: ZoneDnssec, zone: HostedZone, name: str, kms_arn: str, status: str,
               now: float) -> tuple[ZoneDnssec, Ksk]:
    """R100, R101: CreateKeySigningKey."""
    _public(zone)
    if not KSK_NAME.fullmatch(name or ""):
        raise ChangeRejected([("InvalidKeySigningKeyName",
                               (f"The key-signing key (KSK) name {name!r} isn't a valid name: "
                               "3 to 128 letters, digits or underscores"))])
    if status not in (ACTIVE, INACTIVE):
        raise ChangeRejected([("InvalidKeySigningKeyStatus",
                               (f"The key-signing key (KSK) status {status!r} isn't valid: "
                               "ACTIVE or INACTIVE"))])
    kms_key_id(kms_arn)
    for ksk in state.ksks:
        if ksk.name == name or ksk.kms_arn == kms_arn:
            raise ChangeRejected([("KeySigningKeyAlreadyExists",
                                   ("You've already created a key-signing key (KSK) with this "
                                   f"name or with the same customer managed key ARN ({ksk.name}, "
                                   f"{ksk.kms_arn})"))])
    if len(state.ksks) >= MAX_KSKS:
        raise ChangeRejected([("TooManyKeySigningKeys",
                               (f"You've reached the limit of {MAX_KSKS} key-signing keys (KSKs) "
                               f"for the hosted zone {zone.name}. Remove at least one KSK, and "
                               "then try again."))])
    ksk = Ksk(name, kms_arn, status, now, now)
    return replace(state, ksks=state.ksks + (ksk,)), ksk


def _with(state: ZoneDnssec, ksk: Ksk) -> ZoneDnssec:
    return replace(state, ksks=tuple(ksk if k.name == ksk.name else k for k in state.ksks))


def activate_ksk(state: ZoneDnssec, name: str, now: float) -> ZoneDnssec:
    """R102: ActivateKeySigningKey (INACTIVE -> ACTIVE)."""
    ksk = state.ksk(name)
    if ksk.status == ACTIVE:
        raise ChangeRejected([("InvalidKeySigningKeyStatus",
                               f"The key-signing key (KSK) {name} is already ACTIVE")])
    return _with(state, replace(ksk, status=ACTIVE, modified=now))


def deactivate_ksk(state: ZoneDnssec, name: str, now: float) -> ZoneDnssec:
    """R103: DeactivateKeySigningKey; the only active KSK of a signed zone is in use."""
    ksk = state.ksk(name)
    if ksk.status != ACTIVE:
        raise ChangeRejected([("InvalidKeySigningKeyStatus",
                               (f"The key-signing key (KSK) {name} is not ACTIVE "
                               f"(status {ksk.status})"))])
    if state.signing and len(state.active) == 1:
        raise ChangeRejected([("KeySigningKeyInUse",
                               (f"The key-signing key (KSK) {name} can't be deactivated because "
                               "it's the only KSK for a currently-enabled DNSSEC. Disable "
                               "DNSSEC signing, or add or enable another KSK."))])
    return _with(state, replace(ksk, status=INACTIVE, modified=now))


def delete_ksk(state: ZoneDnssec, name: str) -> ZoneDnssec:
    """R104: DeleteKeySigningKey, of an INACTIVE KSK only."""
    ksk = state.ksk(name)
    if ksk.status != INACTIVE:
        raise ChangeRejected([("InvalidKeySigningKeyStatus",
                               (f"The key-signing key (KSK) {name} must be deactivated "
                               "(INACTIVE) before you can delete it"))])
    return replace(state, ksks=tuple(k for k in state.ksks if k.name != name))


def enable(state: ZoneDnssec, zone: HostedZone) -> ZoneDnssec:
    """R105: EnableHostedZoneDNSSEC needs an ACTIVE KSK; enabling a signed zone changes
    nothing."""
    _public(zone)
    if not state.active:
        raise ChangeRejected([("KeySigningKeyWithActiveStatusNotFound",
                               (f"A key-signing key (KSK) with ACTIVE status wasn't found in the "
                               f"hosted zone {zone.name}"))])
    return replace(state, signing=True)


def disable(state: ZoneDnssec) -> ZoneDnssec:
    """R105: DisableHostedZoneDNSSEC; a zone without DNSSEC resources has nothing to
    disable."""
    if not state.signing and not state.ksks:
        raise ChangeRejected([("DNSSECNotFound",
                               (f"The hosted zone {state.zone_id} doesn't have any DNSSEC "
                               "resources."))])
    return replace(state, signing=False)


def refuse_zone_delete(state: ZoneDnssec) -> None:
    """R190: DeleteHostedZone is refused (HostedZoneNotEmpty) while the zone has key-signing
    keys, whatever their status; a signed zone always has one (R103, R104), so signing must be
    disabled and every KSK deactivated and deleted first."""
    if state.signing or state.ksks:
        names = ", ".join(f"{k.name} ({k.status})" for k in state.ksks)
        raise ChangeRejected([("HostedZoneNotEmpty",
                               ("The specified hosted zone contains DNSSEC Key Signing Keys and "
                                f"so cannot be deleted. Hosted zone {state.zone_id}: "
                                f"ServeSignature {state.serve_signature}, KSKs {names or 'none'}; "
                                "disable signing (DisableHostedZoneDNSSEC), then deactivate and "
                                "delete each KSK (R190)"))])


def parent_ds(zoneset: ZoneSet, zone: HostedZone) -> tuple[str, ...]:
    """R111: the DS values that public hosted zones above ``zone`` hold at its name (the
    parent side of its delegation, when the parent is a zone of the same account)."""
    found: list[str] = []
    for other in zoneset.zones:
        if other.private or other.id == zone.id or not zone.name.endswith("." + other.name):
            continue
        for rec in other.record_sets:
            if rec.type == "DS" and rec.name == zone.name:
                found.extend(rec.values)
    return tuple(found)


def _ds_key(value: str) -> tuple[str, ...]:
    tag, algorithm, digest_type, *digest = value.split()
    return (str(int(tag)), str(int(algorithm)), str(int(digest_type)), "".join(digest).upper())


def refuse_if_in_parent_ds(state: ZoneDnssec, leaving: tuple[str, ...],
                           parent_values: tuple[str, ...], ds_of: dict[str, str]) -> None:
    """R111: KSKs named in ``leaving`` stop signing (deactivated, or signing disabled); if the
    parent's DS records name one of them, the zone would stop validating:
    KeySigningKeyInParentDSRecord. ``ds_of`` maps a KSK name to its DS record (GetDNSSEC's
    DSRecord)."""
    parent = {_ds_key(v) for v in parent_values}
    for name in leaving:
        ds = ds_of.get(name)
        if ds is not None and _ds_key(ds) in parent:
            raise ChangeRejected([("KeySigningKeyInParentDSRecord",
                                   (f"The key-signing key (KSK) {name} is specified in a parent "
                                    f"DS record ({ds}) of the hosted zone {state.zone_id}: "
                                    "remove the DS record from the parent zone first"))])


def signing_keys(state: ZoneDnssec) -> tuple[Ksk, ...]:
    """R103: the KSKs in the zone's DNSKEY RRset while it is signed: the ACTIVE ones."""
    return state.active if state.signing else ()


__all__ = ["ACTIVE", "INACTIVE", "MAX_KSKS", "NOT_SIGNING", "SIGNING", "Ksk", "ZoneDnssec",
           "activate_ksk", "create_ksk", "deactivate_ksk", "delete_ksk", "disable", "enable",
           "kms_key_id", "parent_ds", "refuse_if_in_parent_ds", "signing_keys"]
