"""Security group evaluation: allow-only union of groups (V40), new groups (V41), default group
self-reference (V42), group references by private-IP membership (V44), stale references (V45),
statefulness (V46)."""

from __future__ import annotations

import pytest

from netemu.vpc import security_groups as sg
from netemu.vpc.model import GroupRef, IcmpMatch, PortRange, SecurityGroup, SgRule
from netemu.vpc.packets import Packet

WEB = SecurityGroup("web", "app", ingress=(
    SgRule(6, PortRange(80, 80), cidr="0.0.0.0/0"),
    SgRule(6, PortRange(22, 22), group=GroupRef("app", "bastion")),
), egress=(SgRule(-1, cidr="0.0.0.0/0"),))
ADMIN = SecurityGroup("admin", "app", ingress=(
    SgRule(6, PortRange(8000, 8100), cidr="10.0.0.0/16"),
    SgRule(1, cidr="0.0.0.0/0", icmp=IcmpMatch(8, -1)),
    SgRule(6, PortRange(5432, 5432), group=GroupRef("data", "app-clients")),  # peered VPC
    SgRule(6, PortRange(9000, 9000), group=GroupRef("gone", "x"), ),
), egress=())
STALE = SecurityGroup("stale", "app", ingress=(
    SgRule(6, PortRange(9000, 9000), group=GroupRef("old", "x"), stale=True),
), egress=())
EMPTY = SecurityGroup("locked", "app", (), ())

MEMBERS = {
    GroupRef("app", "bastion"): {"10.0.0.5"},
    GroupRef("data", "app-clients"): {"10.1.1.7"},
    GroupRef("old", "x"): {"10.2.0.5"},
}


def members(ref: GroupRef) -> set[str]:
    return MEMBERS.get(ref, set())


def tcp_in(src: str, dport: int) -> Packet:
    return Packet(6, src, "10.0.1.10", 40000, dport)


@pytest.mark.parametrize("groups, packet, verdict, code, rule_part", [
    ((WEB,), tcp_in("198.51.100.7", 80), "allow", None, "web: ingress tcp 80 from 0.0.0.0/0"),
    # V44: a group reference matches the private IP of a member ...
    ((WEB,), tcp_in("10.0.0.5", 22), "allow", None, "group bastion"),
    # ... and nothing else, e.g. the member's public IP seen through the IGW
    ((WEB,), tcp_in("198.51.100.5", 22), "deny", "ENI_SG_RULES_MISMATCH", None),
    ((WEB,), tcp_in("10.0.0.6", 22), "deny", "ENI_SG_RULES_MISMATCH", None),
    # V40: the rules of every group on the ENI are aggregated
    ((WEB, ADMIN), tcp_in("10.0.3.3", 8050), "allow", None, "admin: ingress tcp 8000-8100"),
    ((WEB,), tcp_in("10.0.3.3", 8050), "deny", "ENI_SG_RULES_MISMATCH", None),
    # V44: a reference to a group of a peered VPC matches its members' private IPs
    ((ADMIN,), tcp_in("10.1.1.7", 5432), "allow", None, "group app-clients (data)"),
    # V45: a stale reference matches nothing
    ((STALE,), tcp_in("10.2.0.5", 9000), "deny", "ENI_SG_RULES_MISMATCH", None),
    # ICMP type match
    ((ADMIN,), Packet(1, "8.8.8.8", "10.0.1.10", icmp_type=8, icmp_code=0), "allow", None,
     "icmp"),
    ((ADMIN,), Packet(1, "8.8.8.8", "10.0.1.10", icmp_type=13, icmp_code=0), "deny",
     "ENI_SG_RULES_MISMATCH", None),
    # V41: a group with no inbound rules lets nothing in
    ((EMPTY,), tcp_in("10.0.0.5", 22), "deny", "SG_HAS_NO_RULES", None),
    # an IPv4 rule does not match IPv6
    ((WEB,), Packet(6, "2001:db8::1", "2600::1", 40000, 80), "deny", "ENI_SG_RULES_MISMATCH",
     None),
])
def test_ingress(groups: tuple[SecurityGroup, ...], packet: Packet, verdict: str,
                 code: str | None, rule_part: str | None) -> None:
    d = sg.evaluate(groups, "ingress", packet, members)
    assert (d.verdict, d.code) == (verdict, code)
    if rule_part:
        assert d.rule is not None and rule_part in d.rule


def test_egress_matches_destination() -> None:
    """V41: no outbound rule, nothing leaves; the default all-out rule lets all out."""
    out = Packet(6, "10.0.1.10", "8.8.8.8", 40000, 443)
    assert sg.evaluate((WEB,), "egress", out, members).allowed
    d = sg.evaluate((ADMIN,), "egress", out, members)
    assert (d.verdict, d.code) == ("deny", "SG_HAS_NO_RULES")


def test_default_group_allows_its_own_members() -> None:
    """V42: the default SG allows all inbound from itself."""
    default = SecurityGroup("default", "app", (SgRule(-1, group=GroupRef("app", "default")),),
                            (SgRule(-1, cidr="0.0.0.0/0"),), default=True)
    inside = {GroupRef("app", "default"): {"10.0.2.4"}}
    p = Packet(17, "10.0.2.4", "10.0.2.5", 5000, 53)
    assert sg.evaluate((default,), "ingress", p, inside.__getitem__).allowed
    p2 = Packet(17, "10.0.2.9", "10.0.2.5", 5000, 53)
    assert not sg.evaluate((default,), "ingress", p2, inside.__getitem__).allowed


def test_replies_are_tracked() -> None:
    """V46: a reply passes whatever the rules say (here: a group with no rules at all)."""
    d = sg.tracked_reply((EMPTY,), "egress")
    assert d.allowed and "V46" in d.reason
