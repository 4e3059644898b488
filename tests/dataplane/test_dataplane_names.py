"""Names: prefix, interface length, determinism, transit addresses (pure)."""

from __future__ import annotations

import ipaddress

import pytest

from netemu.dataplane import names


@pytest.mark.parametrize("prefix,ok", [("netemu-", True), ("netemu-t1-", True), ("other-", False),
                                       ("netemu/x", False), ("", False)])
def test_prefix_must_start_with_netemu(prefix: str, ok: bool) -> None:
    if ok:
        assert names.check_prefix(prefix) == prefix
    else:
        with pytest.raises(ValueError):
            names.check_prefix(prefix)


@pytest.mark.parametrize("parts", [("app", "pub"), ("a" * 200, "b" * 200), ("x",)])
def test_ifname_is_short_and_deterministic(parts: tuple[str, ...]) -> None:
    a, b = names.ifname("v", *parts), names.ifname("v", *parts)
    assert a == b and len(a) <= names.IFNAMSIZ and a.startswith("v")


def test_distinct_objects_get_distinct_ifnames() -> None:
    got = {names.ifname("v", "app", f"i:{i}") for i in range(2000)}
    assert len(got) == 2000


@pytest.mark.parametrize("name,expected", [("web1", "web1"), ("a.b-c_d", "a.b-c_d")])
def test_safe_keeps_plain_names(name: str, expected: str) -> None:
    assert names.safe(name) == expected


def test_safe_escapes_slashes_and_keeps_names_distinct() -> None:
    assert "/" not in names.safe("a/b") and names.safe("a/b") != names.safe("a_b")


def test_namespace_names_carry_the_prefix() -> None:
    for ns in (names.ns_router("netemu-", "app"), names.ns_instance("netemu-", "app", "web1"),
               names.ns_nat("netemu-", "app", "n"), names.ns_igw("netemu-", "app"),
               names.ns_internet("netemu-"), names.ns_host("netemu-", "client")):
        assert ns.startswith("netemu-")
    assert names.ns_instance("netemu-", "app", "web1") == "netemu-i-app.web1"


def test_transit_slots_are_disjoint_30s_in_the_pool_and_stable() -> None:
    ids = [f"pcx:{i}" for i in range(500)]
    slots = names.transit_slots(ids)
    nets = list(slots.values())
    assert all(n.prefixlen == 30 and n.subnet_of(names.TRANSIT_POOL) for n in nets)
    assert len({n.network_address for n in nets}) == 500
    assert not any(n.overlaps(ipaddress.IPv4Network("169.254.168.0/22")) for n in nets)  # V24
    # adding a link keeps the others' addresses (no collision with the new one here)
    more = names.transit_slots(ids + ["igw:new"])
    assert sum(more[i] != slots[i] for i in ids) <= 1
