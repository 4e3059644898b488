"""DNSSEC key-signing keys and signing status, the pure rules (R100-R105) with Route 53's error
codes."""

from __future__ import annotations

import pytest

from netemu.route53 import dnssec
from netemu.route53.changes import ChangeRejected
from netemu.route53.dnssec import ACTIVE, INACTIVE, ZoneDnssec
from netemu.route53.model import HostedZone, VpcAssociation

ZONE = HostedZone(id="Z1", name="signed.example.", record_sets=())
ARN = "arn:aws:kms:us-east-1:111122223333:key/{}"


def code(fn: object, *args: object) -> str:
    with pytest.raises(ChangeRejected) as exc:
        fn(*args)  # type: ignore[operator]
    return exc.value.code


def made(*names_status: tuple[str, str]) -> ZoneDnssec:
    state = ZoneDnssec("Z1")
    for name, status in names_status:
        state, _ = dnssec.create_ksk(state, ZONE, name, ARN.format(name), status, 1.0)
    return state


def test_r100_two_ksks_per_zone_unique_name_and_key() -> None:
    state = made(("one", ACTIVE), ("two", INACTIVE))
    assert [k.name for k in state.ksks] == ["one", "two"]
    assert code(dnssec.create_ksk, state, ZONE, "three", ARN.format("three"), ACTIVE,
                1.0) == "TooManyKeySigningKeys"
    one = made(("one", ACTIVE))
    assert code(dnssec.create_ksk, one, ZONE, "one", ARN.format("x"), ACTIVE,
                1.0) == "KeySigningKeyAlreadyExists"
    assert code(dnssec.create_ksk, one, ZONE, "other", ARN.format("one"), ACTIVE,
                1.0) == "KeySigningKeyAlreadyExists"
    assert code(dnssec.create_ksk, one, ZONE, "a!", ARN.format("y"), ACTIVE,
                1.0) == "InvalidKeySigningKeyName"
    assert code(dnssec.create_ksk, one, ZONE, "good", ARN.format("y"), "ON",
                1.0) == "InvalidKeySigningKeyStatus"


@pytest.mark.parametrize("arn", [
    "arn:aws:kms:eu-west-1:111122223333:key/abc",      # not us-east-1
    "arn:aws:kms:us-east-1:1234:key/abc",               # not an account id
    "arn:aws:s3:::bucket", "", "key/abc",
])
def test_r101_kms_arn_must_be_a_us_east_1_key(arn: str) -> None:
    assert code(dnssec.create_ksk, ZoneDnssec("Z1"), ZONE, "ksk", arn, ACTIVE,
                1.0) == "InvalidKMSArn"
    assert dnssec.kms_key_id(ARN.format("k-1")) == "k-1"


def test_r102_r103_activate_deactivate_and_the_last_active_ksk_in_use() -> None:
    state = dnssec.enable(made(("one", ACTIVE)), ZONE)
    assert state.serve_signature == dnssec.SIGNING
    assert code(dnssec.activate_ksk, state, "one", 2.0) == "InvalidKeySigningKeyStatus"
    assert code(dnssec.deactivate_ksk, state, "one", 2.0) == "KeySigningKeyInUse"
    assert code(dnssec.deactivate_ksk, state, "nope", 2.0) == "NoSuchKeySigningKey"
    two, _ = dnssec.create_ksk(state, ZONE, "two", ARN.format("two"), ACTIVE, 2.0)
    two = dnssec.deactivate_ksk(two, "one", 3.0)        # another active KSK: allowed
    assert [k.name for k in dnssec.signing_keys(two)] == ["two"]
    assert two.ksk("one").modified == 3.0 and two.ksk("one").created == 1.0
    off = dnssec.deactivate_ksk(dnssec.disable(state), "one", 3.0)   # not signing: allowed
    assert off.ksk("one").status == INACTIVE and dnssec.signing_keys(off) == ()
    assert dnssec.activate_ksk(off, "one", 4.0).ksk("one").status == ACTIVE


def test_r104_delete_only_an_inactive_ksk() -> None:
    state = made(("one", ACTIVE))
    assert code(dnssec.delete_ksk, state, "one") == "InvalidKeySigningKeyStatus"
    state = dnssec.deactivate_ksk(state, "one", 2.0)
    assert dnssec.delete_ksk(state, "one").ksks == ()


def test_r105_enable_needs_an_active_ksk_disable_needs_dnssec_resources() -> None:
    assert code(dnssec.enable, made(("one", INACTIVE)), ZONE) == \
        "KeySigningKeyWithActiveStatusNotFound"
    assert code(dnssec.disable, ZoneDnssec("Z1")) == "DNSSECNotFound"
    on = dnssec.enable(made(("one", ACTIVE)), ZONE)
    assert dnssec.enable(on, ZONE) == on                  # enabling again changes nothing
    assert not dnssec.disable(on).signing and dnssec.disable(on).ksks == on.ksks
    private = HostedZone(id="Z2", name="p.example.", record_sets=(), private=True,
                         vpcs=(VpcAssociation("us-east-1", "vpc-1"),))
    assert code(dnssec.create_ksk, ZoneDnssec("Z2"), private, "k1", ARN.format("p"), ACTIVE,
                1.0) == "InvalidInput"


DS = "12345 13 2 " + "AB" * 32


def test_r111_a_ksk_named_by_the_parent_ds_keeps_signing() -> None:
    from netemu.route53.model import RecordSet, ZoneSet

    child = HostedZone(id="Z1", name="kid.parent.example.")
    parent = HostedZone(id="Z9", name="parent.example.", record_sets=(
        RecordSet(name="kid.parent.example.", type="DS", ttl=300, values=(DS.lower(),)),))
    other = HostedZone(id="Z8", name="other.example.", record_sets=(
        RecordSet(name="kid.parent.example.", type="DS", ttl=300, values=("1 13 2 00",)),))
    zoneset = ZoneSet((child, parent, other))
    assert dnssec.parent_ds(zoneset, child) == (DS.lower(),)     # not other.example's
    state = made(("one", ACTIVE))
    assert code(dnssec.refuse_if_in_parent_ds, state, ("one",), (DS.lower(),),
                {"one": DS}) == "KeySigningKeyInParentDSRecord"
    dnssec.refuse_if_in_parent_ds(state, ("one",), (DS.lower(),), {"one": "1 13 2 " + "CD" * 32})
    dnssec.refuse_if_in_parent_ds(state, ("one",), (), {"one": DS})


def test_r190_no_zone_deleted_while_it_has_ksks() -> None:
    """DeleteHostedZone's DNSSEC rule: HostedZoneNotEmpty while any KSK exists (signing on or
    off, ACTIVE or INACTIVE); a zone whose KSKs are all deleted may go."""
    signed = dnssec.enable(made(("one", ACTIVE)), ZONE)
    assert code(dnssec.refuse_zone_delete, signed) == "HostedZoneNotEmpty"
    disabled = dnssec.disable(signed)
    assert code(dnssec.refuse_zone_delete, disabled) == "HostedZoneNotEmpty"
    inactive = dnssec.deactivate_ksk(disabled, "one", 2.0)
    with pytest.raises(ChangeRejected) as exc:
        dnssec.refuse_zone_delete(inactive)
    assert "contains DNSSEC Key Signing Keys" in str(exc.value) and "one (INACTIVE)" in str(
        exc.value)
    dnssec.refuse_zone_delete(dnssec.delete_ksk(inactive, "one"))     # nothing left: no refusal
    dnssec.refuse_zone_delete(ZoneDnssec("Z1"))
