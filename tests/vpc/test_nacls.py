"""Network ACL evaluation: ascending rule numbers, first match (V31), implicit deny 32767/32768
(V31, V33), default allow-all NACL (V32), inbound = source / outbound = destination, stateless
replies (V34), ICMP type/code."""

from __future__ import annotations

import pytest

from netemu.vpc import nacls
from netemu.vpc.model import IcmpMatch, NaclRule, NetworkAcl, PortRange
from netemu.vpc.packets import Packet

ALL = None
ACL = NetworkAcl("web", "app", inbound=(
    NaclRule(100, 6, "0.0.0.0/0", "allow", PortRange(443, 443)),
    NaclRule(90, 6, "203.0.113.66/32", "deny", PortRange(443, 443)),  # lower number: first
    NaclRule(110, 6, "10.0.0.0/16", "allow", PortRange(22, 22)),
    NaclRule(120, 1, "0.0.0.0/0", "allow", icmp=IcmpMatch(8, -1)),
    NaclRule(130, 6, "0.0.0.0/0", "allow", PortRange(1024, 65535)),
    NaclRule(140, -1, "2001:db8::/32", "allow"),
), outbound=(
    NaclRule(100, 6, "0.0.0.0/0", "allow", PortRange(1024, 65535)),
    NaclRule(200, 6, "0.0.0.0/0", "deny", PortRange(80, 80)),
))


def tcp(src: str, dst: str, sport: int, dport: int) -> Packet:
    return Packet(6, src, dst, sport, dport)


@pytest.mark.parametrize("direction, packet, verdict, rule", [
    ("inbound", tcp("198.51.100.7", "10.0.1.10", 40000, 443), "allow", "100"),
    # V31: ascending order, first match: 90 denies before 100 allows
    ("inbound", tcp("203.0.113.66", "10.0.1.10", 40000, 443), "deny", "90"),
    # inbound rules match the source address
    ("inbound", tcp("10.0.9.9", "10.0.1.10", 40000, 22), "allow", "110"),
    ("inbound", tcp("198.51.100.7", "10.0.1.10", 40000, 22), "deny", "*"),
    # ICMP type match: echo request allowed, timestamp (13) not
    ("inbound", Packet(1, "198.51.100.7", "10.0.1.10", icmp_type=8, icmp_code=0), "allow", "120"),
    ("inbound", Packet(1, "198.51.100.7", "10.0.1.10", icmp_type=13, icmp_code=0), "deny", "*"),
    # UDP is not TCP
    ("inbound", Packet(17, "198.51.100.7", "10.0.1.10", 40000, 443), "deny", "*"),
    # V31: IPv6 rule only for IPv6; implicit deny is rule 32768 for IPv6
    ("inbound", Packet(17, "2001:db8::5", "2600::1", 1, 2), "allow", "140"),
    ("inbound", Packet(17, "2001:db9::5", "2600::1", 1, 2), "deny", "*"),
    # outbound rules match the destination and its port; 1024-65535 is a port range
    ("outbound", tcp("10.0.1.10", "198.51.100.7", 443, 40000), "allow", "100"),
    ("outbound", tcp("10.0.1.10", "198.51.100.7", 40000, 80), "deny", "200"),
    ("outbound", tcp("10.0.1.10", "198.51.100.7", 40000, 443), "deny", "*"),
])
def test_first_match_in_ascending_order(direction: str, packet: Packet, verdict: str,
                                        rule: str) -> None:
    d = nacls.evaluate(ACL, direction, packet)
    assert (d.verdict, d.rule) == (verdict, rule)
    assert (d.code == "SUBNET_ACL_RESTRICTION") == (verdict == "deny")


def test_implicit_deny_number_per_family() -> None:
    """V31: the final * rule is 32767 for IPv4 and 32768 for IPv6."""
    empty = NetworkAcl("custom", "app", (), ())  # V33: a new custom NACL denies everything
    assert "32767" in nacls.evaluate(empty, "inbound", tcp("1.2.3.4", "10.0.0.5", 1, 2)).reason
    d = nacls.evaluate(empty, "outbound", Packet(6, "2600::1", "2001:db8::1", 1, 2))
    assert "32768" in d.reason and not d.allowed


def test_default_nacl_allows_all() -> None:
    """V32: the default NACL's rule 100 allows all traffic both ways."""
    default = NetworkAcl("default", "app", (NaclRule(100, -1, "0.0.0.0/0", "allow"),),
                         (NaclRule(100, -1, "0.0.0.0/0", "allow"),), default=True)
    for p in (tcp("1.2.3.4", "10.0.0.5", 1, 2), Packet(47, "1.2.3.4", "10.0.0.5")):
        assert nacls.evaluate(default, "inbound", p).rule == "100"
        assert nacls.evaluate(default, "outbound", p.reply()).rule == "100"


def test_stateless_reply_is_checked_against_the_other_direction() -> None:
    """V34 (and V90's example): ICMP in allowed, the reply out not: the reply is denied."""
    acl = NetworkAcl("pingable", "app",
                     (NaclRule(100, 1, "0.0.0.0/0", "allow"),),
                     (NaclRule(100, 6, "0.0.0.0/0", "allow"),))
    request = Packet(1, "198.51.100.7", "10.0.1.10", icmp_type=8, icmp_code=0)
    assert nacls.evaluate(acl, "inbound", request).allowed
    reply = request.reply()
    assert reply.icmp_type == 0 and reply.dst == "198.51.100.7"
    assert not nacls.evaluate(acl, "outbound", reply).allowed
