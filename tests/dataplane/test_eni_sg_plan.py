"""The plan for an instance with two ENIs (V185), pure: each interface's chain holds its own
ENI's groups, and each ENI's addresses leave by its interface."""

from __future__ import annotations

from typing import Any

from netemu.dataplane.plan import build
from tests.dataplane.eni_topos import A_ADDR, B_ADDR, two_enis


def _ns(t: Any) -> Any:
    return next(n for n in build(t, "netemu-p-").namespaces if n.node == "lab/multi")


def _chain(ruleset: str, name: str) -> str:
    start = ruleset.index(f"\tchain {name} {{")
    return ruleset[start:ruleset.index("\t}", start)]


def test_each_interface_has_its_own_groups_V185() -> None:
    ns = _ns(two_enis())
    assert 'iifname "eth0" jump in_eth0' in ns.nft and 'iifname "eth1" jump in_eth1' in ns.nft
    assert "tcp dport 22 accept" in _chain(ns.nft, "in_eth0")
    assert "8080" not in _chain(ns.nft, "in_eth0")
    assert "tcp dport 8080 accept" in _chain(ns.nft, "in_eth1")
    assert "dport 22" not in _chain(ns.nft, "in_eth1")
    # ssh's egress omitted: allow all on eth0; app's egress empty: nothing on eth1
    assert "meta nfproto ipv4 accept" in _chain(ns.nft, "out_eth0")
    assert "accept" not in _chain(ns.nft, "out_eth1")


def test_each_enis_addresses_use_its_table_V185() -> None:
    ns = _ns(two_enis())
    assert {(r.src, r.table) for r in ns.rules} == {(A_ADDR, 100), (B_ADDR, 101)}
    assert {(r.table, r.dst, r.dev) for r in ns.routes if r.table != 254} == {
        (100, "10.60.1.0/24", "eth0"), (100, "0.0.0.0/0", "eth0"),
        (101, "10.60.3.0/24", "eth1"), (101, "0.0.0.0/0", "eth1")}
    assert f"rule add priority 101 from {B_ADDR} table 101" in ns.batch()
    # each ENI answers ARP for its own addresses only (two ENIs may share a subnet)
    assert ("net.ipv4.conf.all.arp_ignore", "1") in ns.sysctls


def test_one_eni_keeps_its_inline_rules() -> None:
    """An instance with one ENI: no per-interface chains, no rules (V40 as before)."""
    ns = next(n for n in build(two_enis(), "netemu-p-").namespaces if n.node == "lab/client")
    assert "in_eth0" not in ns.nft and ns.rules == ()


def test_an_eni_with_its_check_on_forwards_nothing_V167() -> None:
    def middlebox(d: Any) -> None:
        d["vpcs"][0]["instances"][2]["source_dest_check"] = False
    ns = _ns(two_enis(middlebox))
    fwd = _chain(ns.nft, "forward")
    assert 'iifname "eth1" drop' in fwd and 'oifname "eth1" drop' in fwd
    assert 'iifname "eth0" drop' not in fwd
    assert ("net.ipv4.ip_forward", "1") in ns.sysctls
