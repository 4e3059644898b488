"""Change-batch semantics, pure (route53/changes.py): R16, R22-R25, R29, R30, R15, R97."""

from __future__ import annotations

from typing import Any

import pytest

from netemu.route53 import changes
from netemu.route53.changes import ChangeRejected
from netemu.route53.model import VpcAssociation, ZoneSet

ZONE = "Z0000000000000000TEST"


def rr(name: str, rtype: str, *values: str, ttl: int = 300, **extra: Any) -> dict[str, Any]:
    out: dict[str, Any] = {"Name": name, "Type": rtype, **extra}
    if values:
        out.update(TTL=ttl, ResourceRecords=[{"Value": v} for v in values])
    return out


def batch(*items: tuple[str, dict[str, Any]]) -> list[changes.Change]:
    return changes.read_changes([{"Action": a, "ResourceRecordSet": r} for a, r in items])


@pytest.fixture
def base() -> ZoneSet:
    zs, _ = changes.create_zone(ZoneSet(), ZONE, "Example.COM", "ref-1")
    return changes.apply_change_batch(zs, ZONE, batch(
        ("CREATE", rr("www.example.com", "A", "192.0.2.1")),
        ("CREATE", rr("alias.example.com", "CNAME", "www.example.com")),
    ))


def records(zs: ZoneSet) -> dict[tuple[str, str, str | None], tuple[str, ...]]:
    return {r.key: r.values for r in zs.zones[0].record_sets}


def rejected(zs: ZoneSet, *items: tuple[str, dict[str, Any]]) -> ChangeRejected:
    with pytest.raises(ChangeRejected) as info:
        changes.apply_change_batch(zs, ZONE, batch(*items))
    return info.value


def test_create_zone_has_default_soa_and_four_ns() -> None:  # R5, R7
    zs, zone = changes.create_zone(ZoneSet(), ZONE, "example.com.", "r")
    types = sorted(r.type for r in zone.record_sets)
    assert zone.name == "example.com." and types == ["NS", "SOA"]
    ns = next(r for r in zone.record_sets if r.type == "NS")
    assert len(ns.values) == 4 and ns.ttl == 172800


def test_reused_caller_reference(base: ZoneSet) -> None:  # R15
    with pytest.raises(ChangeRejected) as info:
        changes.create_zone(base, "Z2", "other.com", "ref-1")
    assert info.value.code == "HostedZoneAlreadyExists"


def test_tld_zone_refused() -> None:  # R14
    with pytest.raises(ChangeRejected) as info:
        changes.create_zone(ZoneSet(), "Z2", "com", "r")
    assert info.value.code == "InvalidDomainName"


def test_duplicate_create(base: ZoneSet) -> None:  # R24
    err = rejected(base, ("CREATE", rr("www.example.com", "A", "192.0.2.9")))
    assert err.messages == ("Tried to create resource record set [name='www.example.com.', "
                            "type='A'] but it already exists",)


def test_delete_must_match_exactly(base: ZoneSet) -> None:  # R25
    err = rejected(base, ("DELETE", rr("www.example.com", "A", "192.0.2.1", ttl=60)))
    assert "but the values provided do not match the current values" in err.messages[0]
    err = rejected(base, ("DELETE", rr("nope.example.com", "A", "192.0.2.1")))
    assert err.messages[0].endswith("but it was not found")
    after = changes.apply_change_batch(base, ZONE, batch(
        ("DELETE", rr("WWW.example.com.", "A", "192.0.2.1"))))
    assert ("www.example.com.", "A", None) not in records(after)


def test_cname_at_apex(base: ZoneSet) -> None:  # R22
    err = rejected(base, ("CREATE", rr("example.com", "CNAME", "www.example.com")))
    assert err.messages == ("RRSet of type CNAME with DNS name example.com. is not permitted at "
                            "apex in zone example.com.",)


def test_cname_beside_another_type(base: ZoneSet) -> None:  # R23, both wordings
    err = rejected(base, ("CREATE", rr("www.example.com", "CNAME", "x.example.org")))
    assert err.messages == ("RRSet of type CNAME with DNS name www.example.com. is not permitted "
                            "as it conflicts with other records with the same DNS name in zone "
                            "example.com.",)
    err = rejected(base, ("CREATE", rr("alias.example.com", "TXT", '"x"')))
    assert err.messages == ("RRSet of type TXT with DNS name alias.example.com. is not permitted "
                            "because a conflicting RRSet of type CNAME with the same DNS name "
                            "already exists in zone example.com.",)


def test_one_bad_change_fails_the_whole_batch(base: ZoneSet) -> None:  # R29
    err = rejected(base, ("CREATE", rr("new.example.com", "A", "192.0.2.5")),
                   ("UPSERT", rr("www.example.com", "A", "192.0.2.6")),
                   ("CREATE", rr("bad.example.com", "A", "300.1.1.1")))
    assert err.code == "InvalidChangeBatch" and len(err.messages) == 1
    assert records(base) == {k: v for k, v in records(base).items()}  # base is immutable
    assert ("new.example.com.", "A", None) not in records(base)


def test_every_problem_is_reported(base: ZoneSet) -> None:  # R29: validated as a whole
    err = rejected(base, ("CREATE", rr("www.example.com", "A", "192.0.2.9")),
                   ("DELETE", rr("nope.example.com", "A", "192.0.2.1")))
    assert len(err.messages) == 2


def test_delete_twice_and_delete_then_create(base: ZoneSet) -> None:  # R29
    www = rr("www.example.com", "A", "192.0.2.1")
    err = rejected(base, ("DELETE", www), ("DELETE", www))
    assert err.messages[0].endswith("but it was not found")
    after = changes.apply_change_batch(base, ZONE, batch(
        ("DELETE", www), ("CREATE", rr("www.example.com", "A", "192.0.2.2"))))
    assert records(after)[("www.example.com.", "A", None)] == ("192.0.2.2",)


def test_upsert_creates_and_replaces(base: ZoneSet) -> None:
    after = changes.apply_change_batch(base, ZONE, batch(
        ("UPSERT", rr("www.example.com", "A", "192.0.2.7")),
        ("UPSERT", rr("mail.example.com", "MX", "10 mx.example.com"))))
    assert records(after)[("www.example.com.", "A", None)] == ("192.0.2.7",)
    assert records(after)[("mail.example.com.", "MX", None)] == ("10 mx.example.com",)


def test_policy_rules_are_the_loaders(base: ZoneSet) -> None:  # R28 via policies
    err = rejected(base, ("CREATE", rr("w.example.com", "A", "192.0.2.1", Weight=10)))
    assert err.code == "InvalidInput" and "SetIdentifier" in err.messages[0]
    after = changes.apply_change_batch(base, ZONE, batch(
        ("CREATE", rr("w.example.com", "A", "192.0.2.1", Weight=10, SetIdentifier="a")),
        ("CREATE", rr("w.example.com", "A", "192.0.2.2", Weight=20, SetIdentifier="b"))))
    assert ("w.example.com.", "A", "b") in records(after)


def test_alias_target_must_exist_and_deleting_it_is_refused(base: ZoneSet) -> None:  # R35
    alias = {"Name": "example.com", "Type": "A",
             "AliasTarget": {"HostedZoneId": ZONE, "DNSName": "www.example.com",
                             "EvaluateTargetHealth": False}}
    after = changes.apply_change_batch(base, ZONE, batch(("CREATE", alias)))
    err = rejected(after, ("DELETE", rr("www.example.com", "A", "192.0.2.1")))
    assert "but that target was not found" in err.messages[0]
    missing = dict(alias, AliasTarget=dict(alias["AliasTarget"], DNSName="no.example.com"))
    assert "not found" in rejected(base, ("CREATE", missing)).messages[0]


def test_name_outside_zone(base: ZoneSet) -> None:  # R26
    err = rejected(base, ("CREATE", rr("foo.", "A", "192.0.2.1")))
    assert err.messages == ("RRSet with DNS name foo. is not permitted in zone example.com.",)


def test_apex_soa_and_ns_stay(base: ZoneSet) -> None:
    ns = next(r for r in base.zones[0].record_sets if r.type == "NS")
    raw = rr("example.com", "NS", *ns.values, ttl=ns.ttl or 0)
    err = rejected(base, ("DELETE", raw))
    assert "at least one NS record" in err.messages[0]


def test_request_limits_count_upsert_twice(base: ZoneSet) -> None:  # R30
    values = [f"192.0.2.{i % 250}" for i in range(501)]
    big = rr("big.example.com", "A", *sorted(set(values)))
    many = [("UPSERT", rr(f"h{i}.example.com", "A", "192.0.2.1")) for i in range(501)]
    assert "limit of 1000" in rejected(base, *many).messages[0]
    changes.apply_change_batch(base, ZONE, batch(("CREATE", big)))


def test_hosted_zone_not_empty(base: ZoneSet) -> None:  # R16
    with pytest.raises(ChangeRejected) as info:
        changes.delete_zone(base, ZONE)
    assert info.value.code == "HostedZoneNotEmpty"
    empty, _ = changes.create_zone(ZoneSet(), ZONE, "example.com", "r")
    assert changes.delete_zone(empty, ZONE).zones == ()


def test_vpc_associations() -> None:
    vpc = VpcAssociation("us-east-1", "vpc-1")
    zs, _ = changes.create_zone(ZoneSet(), ZONE, "corp.internal", "r", private=True, vpcs=[vpc])
    zs = changes.associate_vpc(zs, ZONE, VpcAssociation("us-east-1", "vpc-2"))
    assert len(zs.zones[0].vpcs) == 2
    zs = changes.disassociate_vpc(zs, ZONE, vpc)
    with pytest.raises(ChangeRejected) as info:
        changes.disassociate_vpc(zs, ZONE, VpcAssociation("us-east-1", "vpc-2"))
    assert info.value.code == "LastVPCAssociation"


def test_sort_order_reverses_labels() -> None:  # R97
    names = ["b.example.com.", "a-b.example.com.", "a.example.com.", "example.com."]
    assert sorted(names, key=changes.name_key) == [
        "example.com.", "a-b.example.com.", "a.example.com.", "b.example.com."]
