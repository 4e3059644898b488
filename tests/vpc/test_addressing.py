"""CIDR arithmetic: canonical form (V2), reserved addresses (V14), DNS address (V15),
restricted secondary blocks (V5), deterministic allocation and ids."""

from __future__ import annotations

import pytest

from netemu.vpc import addressing as a


@pytest.mark.parametrize(("given", "canonical"), [
    ("100.68.0.18/18", "100.68.0.0/18"),  # V2, AWS's own example
    ("10.0.1.77/24", "10.0.1.0/24"),
    ("2001:db8::1/56", "2001:db8::/56"),
    (" 10.0.0.0/16 ", "10.0.0.0/16"),
])
def test_v2_canonical(given: str, canonical: str) -> None:
    assert a.canonical_cidr(given) == canonical


@pytest.mark.parametrize("bad", ["10.0.0.0", "10.0.0.256/24", "x/8", "10.0.0.0/33", ""])
def test_not_a_cidr(bad: str) -> None:
    with pytest.raises(ValueError):
        a.canonical_cidr(bad)


@pytest.mark.parametrize(("cidr", "reserved", "count"), [
    ("10.0.1.0/24", ("10.0.1.0", "10.0.1.1", "10.0.1.2", "10.0.1.3", "10.0.1.255"), 251),  # V14
    ("10.0.0.16/28", ("10.0.0.16", "10.0.0.17", "10.0.0.18", "10.0.0.19", "10.0.0.31"), 11),
    ("2001:db8::/64", ("2001:db8::", "2001:db8::1", "2001:db8::2", "2001:db8::3",
                       "2001:db8::ffff:ffff:ffff:ffff"), 2**64 - 5),
])
def test_v14_reserved_and_available(cidr: str, reserved: tuple[str, ...], count: int) -> None:
    assert a.reserved_addresses(cidr) == reserved
    assert a.available_ip_count(cidr) == count
    assert all(a.is_reserved(x, cidr) for x in reserved)


def test_v15_dns_and_router() -> None:
    assert a.dns_server("10.0.0.0/16") == "10.0.0.2"
    assert a.dns_server("172.31.0.0/16") == "172.31.0.2"
    assert a.vpc_router("10.0.5.0/24") == "10.0.5.1"


def test_allocation_is_ascending_and_skips_taken() -> None:
    assert a.allocate("10.0.1.0/28", ["10.0.1.5"], 3) == ["10.0.1.4", "10.0.1.6", "10.0.1.7"]
    assert len(a.allocate("10.0.1.0/28", [], 100)) == 11  # full subnet: fewer returned
    assert a.allocate("10.0.1.0/28", [], 0) == []


@pytest.mark.parametrize(("existing", "new", "restricted"), [
    (["10.0.0.0/16"], "192.168.0.0/16", True),  # V5 rows
    (["10.0.0.0/16"], "172.16.0.0/16", True),
    (["10.0.0.0/16"], "198.19.0.0/16", True),
    (["10.0.0.0/16"], "10.2.0.0/16", False),
    (["10.0.0.0/16"], "100.64.0.0/16", False),
    (["10.1.0.0/16"], "10.0.0.0/16", True),  # a block in 10.0.0.0/15: no 10.0.0.0/16
    (["10.2.0.0/16"], "10.0.0.0/16", False),
    (["10.5.0.0/16", "10.1.0.0/16"], "10.0.0.0/16", False),  # only the primary's range counts
    (["172.16.0.0/16"], "10.0.0.0/16", True),
    (["172.16.0.0/16"], "172.31.0.0/16", True),
    (["172.16.0.0/16"], "172.20.0.0/16", False),
    (["192.168.0.0/16"], "172.16.0.0/16", True),
    (["198.19.0.0/16"], "10.0.0.0/16", True),
    (["100.68.0.0/16"], "10.0.0.0/16", True),
    (["100.68.0.0/16"], "198.19.0.0/16", True),
    (["100.68.0.0/16"], "203.0.113.0/24", False),
    (["10.0.0.0/16"], "169.254.0.0/16", True),
])
def test_v5_restricted_associations(existing: list[str], new: str, restricted: bool) -> None:
    assert a.association_restricted(existing, new) is restricted


def test_ranges_never_usable_for_a_vpc() -> None:
    for cidr in ("169.254.0.0/16", "224.0.0.0/16", "127.0.0.0/16", "240.0.0.0/16", "0.0.0.0/16"):
        assert a.vpc_range_forbidden(cidr), cidr
    assert not a.vpc_range_forbidden("10.0.0.0/16")


def test_public_ipv4() -> None:
    assert a.is_public_ipv4("198.51.100.7") and a.is_public_ipv4("8.8.8.8")
    for addr in ("10.1.2.3", "172.20.0.1", "192.168.1.1", "100.64.0.1", "127.0.0.1", "::1"):
        assert not a.is_public_ipv4(addr), addr


def test_overlap_and_within() -> None:
    assert a.overlaps("10.0.0.0/16", "10.0.128.0/17")
    assert not a.overlaps("10.0.0.0/16", "10.1.0.0/16")
    assert not a.overlaps("10.0.0.0/16", "::/0")
    assert a.within("10.0.1.0/24", "10.0.0.0/16") and not a.within("10.0.0.0/15", "10.0.0.0/16")


def test_ids_are_deterministic_and_distinct() -> None:
    assert a.eni_id("app", "web1") == a.eni_id("app", "web1")
    assert a.eni_id("app", "web1") != a.eni_id("app", "web2")
    assert a.eni_id("app", "web1").startswith("eni-") and len(a.eni_id("app", "web1")) == 21
