"""IP-based routing (R68-R72), with the zone file's CIDR collections."""

from __future__ import annotations

import random

import pytest

from netemu.route53.model import (
    CidrCollection,
    CidrLocation,
    CidrRoutingConfig,
    HostedZone,
    ZoneSet,
)
from netemu.route53.policies import compile_group, validate_group
from tests.route53.policies.cases import all_down, all_up, client, codes, down, rec

OFFICES = CidrCollection("offices", "offices", (
    CidrLocation("wide", ("10.0.0.0/8",)),
    CidrLocation("site", ("10.1.0.0/16",)),
    CidrLocation("lab", ("10.1.2.0/24", "2001:db8:abcd::/48")),
    CidrLocation("v6wide", ("2001:db8::/32",)),
))
OTHER = CidrCollection("other", "other", (CidrLocation("x", ("172.16.0.0/12",)),))
ZONES = ZoneSet(cidr_collections=(OFFICES, OTHER))


def ip(ident: str, location: str, collection: str = "offices"):
    return rec(ident, f"192.0.2.{len(ident)}",
               cidr_routing_config=CidrRoutingConfig(collection, location))


WIDE, SITE, LAB, V6 = ip("wide", "wide"), ip("site", "site"), ip("lab", "lab"), ip("v6", "v6wide")
DEFAULT = ip("any", "*")
FULL = [WIDE, SITE, LAB, V6, DEFAULT]


@pytest.mark.parametrize(
    ("case", "records", "who", "healthy", "winner", "scope"),
    [
        ("R71 longest prefix wins (/24 inside /16 inside /8)", FULL,
         client(ip="127.0.0.1", subnet=("10.1.2.0", 24)), all_up, "lab", 24),
        ("R69 a client prefix longer than the block matches", FULL,
         client(ip="127.0.0.1", subnet=("10.1.2.128", 25)), all_up, "lab", 24),
        ("R69 a client prefix shorter than the block does not match it", FULL,
         client(ip="127.0.0.1", subnet=("10.1.0.0", 20)), all_up, "site", 16),
        ("R69 shorter than every block -> default", FULL,
         client(ip="127.0.0.1", subnet=("10.0.0.0", 7)), all_up, "any", 7),
        ("R72 no ECS: the source address (/32)", FULL, client(ip="10.9.9.9"), all_up, "wide",
         None),
        ("IPv6 client subnet, longest match", FULL,
         client(ip="::1", subnet=("2001:db8:abcd:12::", 64)), all_up, "lab", 48),
        ("IPv6 client subnet, wider block", FULL,
         client(ip="::1", subnet=("2001:db8:1::", 56)), all_up, "v6", 32),
        ("R68 no match -> '*' default", FULL, client(ip="127.0.0.1", subnet=("192.0.2.0", 24)),
         all_up, "any", 24),
        ("R41 unhealthy longest match -> next shorter block", FULL,
         client(ip="127.0.0.1", subnet=("10.1.2.0", 24)), down("lab"), "site", 16),
        ("R41 ... -> default", FULL, client(ip="127.0.0.1", subnet=("10.1.2.0", 24)),
         down("lab", "site", "wide"), "any", 24),
        ("R43 all unhealthy -> longest match", FULL,
         client(ip="127.0.0.1", subnet=("10.1.2.0", 24)), all_down, "lab", 24),
    ],
    ids=lambda v: v if isinstance(v, str) else "",
)
def test_selection(case, records, who, healthy, winner, scope) -> None:
    sel = compile_group(records, ZONES).select(who, healthy, random.Random(0))
    assert [r.set_identifier for r in sel.records] == [winner], (case, sel.explain)
    assert sel.scope_prefix == scope, case


def test_no_match_no_default_no_answer_R71() -> None:
    sel = compile_group([SITE, LAB], ZONES).select(
        client(ip="127.0.0.1", subnet=("192.0.2.0", 24)), all_up, random.Random(0))
    assert sel.records == ()
    assert "no answer (R71)" in sel.explain
    assert sel.scope_prefix == 24


def test_explain_names_location_and_block() -> None:
    sel = compile_group(FULL, ZONES).select(client(ip="127.0.0.1", subnet=("10.1.2.0", 24)),
                                            all_up, random.Random(0))
    assert "location lab block 10.1.2.0/24 holds client 10.1.2.0/24" in sel.explain


def with_blocks(*blocks: str) -> ZoneSet:
    return ZoneSet(cidr_collections=(CidrCollection("c", "c", (CidrLocation("l", blocks),)),))


PRIVATE = ZoneSet(zones=(HostedZone("Z1", "example.com.", private=True,
                                    record_sets=(ip("p", "lab"),)),),
                  cidr_collections=(OFFICES,))


@pytest.mark.parametrize(
    ("case", "records", "zones", "expect"),
    [
        ("R68 collection must exist", [ip("a", "lab", "nope")], ZONES,
         [("a", "NoSuchCidrCollectionException")]),
        ("R68 location must exist", [ip("a", "mars")], ZONES,
         [("a", "NoSuchCidrLocationException")]),
        ("R68 IPv4 blocks /1 to /24", [ip("a", "l", "c")], with_blocks("10.0.0.0/25"),
         [("a", "InvalidInput")]),
        ("R68 IPv6 blocks /1 to /48", [ip("a", "l", "c")], with_blocks("2001:db8::/49"),
         [("a", "InvalidInput")]),
        ("R68 /0 refused", [ip("a", "l", "c")], with_blocks("0.0.0.0/0"), [("a", "InvalidInput")]),
        ("R68 location name characters", [ip("a", "bad name!")], ZONES, [("a", "InvalidInput")]),
        ("R70 one collection per name and type", [ip("a", "lab"), ip("b", "x", "other")], ZONES,
         [("b", "InvalidChangeBatch")]),
        ("R70 not in private zones", [PRIVATE.zones[0].record_sets[0]], PRIVATE,
         [("p", "InvalidInput")]),
        ("one record per location", [ip("a", "lab"), ip("b", "lab")], ZONES,
         [("b", "InvalidChangeBatch")]),
        ("R68 the '*' default needs no location", [DEFAULT], ZONES, []),
        ("a valid group", FULL, ZONES, []),
    ],
    ids=lambda v: v if isinstance(v, str) else "",
)
def test_validation(case, records, zones, expect) -> None:
    assert codes(validate_group(records, zones)) == expect, case


def test_split_view_copy_is_still_refused_in_the_private_zone_R70(tmp_path) -> None:
    """The same IP-based record pasted into a public zone and its private twin (split view,
    R89): the public one is fine, the private one is refused (R70). The record sets are equal
    values, so the private one must be placed in its zone by identity, not by equality."""
    from netemu.errors import LoadError
    from netemu.route53.load import load_zone_files
    body = ("ResourceRecordSets:\n"
            "  - {Name: www.example.com, Type: A, TTL: 60, SetIdentifier: lab,\n"
            "     CidrRoutingConfig: {CollectionId: offices, LocationName: lab},\n"
            "     ResourceRecords: [{Value: 192.0.2.1}]}\n")
    (tmp_path / "a-public.yaml").write_text(
        "HostedZone: {Name: example.com}\n"
        "CidrCollections:\n"
        "  - {Id: offices, Locations: [{LocationName: lab, CidrList: [10.1.2.0/24]}]}\n" + body)
    (tmp_path / "b-private.yaml").write_text(
        "HostedZone: {Name: example.com, Config: {PrivateZone: true}}\n"
        "VPCs: [{VPCRegion: us-east-1, VPCId: app}]\n" + body)
    with pytest.raises(LoadError) as err:
        load_zone_files([tmp_path])
    found = [(p.file, p.item, p.code) for p in err.value.problems]
    assert found == [(str(tmp_path / "b-private.yaml"), "www.example.com. A [lab]",
                      "InvalidInput")], err.value
