"""Security groups: allow-only, aggregated over the ENI's groups, stateful.

Name
    Security group evaluation at an ENI.
Behaviour (VPC-UG security-groups.html, security-group-rules.html; EC2-UG
security-group-connection-tracking.html)
    - Rules only allow (V40); the rules of every group on the ENI are aggregated, order does
      not matter. Nothing allows: RA code ``ENI_SG_RULES_MISMATCH`` (``SG_HAS_NO_RULES`` when
      the groups have no rule at all in that direction, V41).
    - Ingress rules match the source address, egress rules the destination; TCP/UDP rules match
      the destination port; ICMP rules match type and code.
    - A rule naming a group (V44) matches the **private** addresses of the ENIs that carry that
      group (the caller passes ``members``): traffic to or from a public address never matches.
    - Stateful (V46): a reply to allowed traffic passes whatever the other direction says
      (``tracked_reply``).
Fields
    ``evaluate(groups, "ingress" | "egress", packet, members)`` -> Decision (``matched`` = the
    SgRule); ``members(GroupRef)`` -> the set of canonical private addresses in that group.
Example
    web: ingress tcp 80 from 0.0.0.0/0, tcp 22 from group bastion. tcp 22 from the bastion's
    private IP -> allow; tcp 22 from 203.0.113.50 -> deny ENI_SG_RULES_MISMATCH.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Sequence

from netemu.vpc.addressing import address_int, network_int
from netemu.vpc.decision import ALLOW, DENY, Decision
from netemu.vpc.model import GroupRef, SecurityGroup, SgRule
from netemu.vpc.packets import Packet, matches_protocol, protocol_name

Members = Callable[[GroupRef], Collection[str]]


def describe_rule(group: SecurityGroup, direction: str, rule: SgRule) -> str:
    what = protocol_name(rule.protocol)
    if rule.ports is not None:
        what += f" {rule.ports}"
    if rule.icmp is not None:
        what += f" type {rule.icmp.type} code {rule.icmp.code}"
    if rule.group is not None:
        peer = f"group {rule.group.name}" + (
            f" ({rule.group.vpc})" if rule.group.vpc != group.vpc else ""
        )
    else:
        peer = str(rule.cidr)
    word = "from" if direction == "ingress" else "to"
    return f"{group.name}: {direction} {what} {word} {peer}"


def _peer_matches(rule: SgRule, peer: str, members: Members) -> bool:
    if rule.cidr is not None:
        rv, net, mask = network_int(rule.cidr)
        version, value = address_int(peer)
        return rv == version and value & mask == net
    if rule.group is not None:
        return peer in members(rule.group)
    return False


def evaluate(
    groups: Sequence[SecurityGroup], direction: str, packet: Packet, members: Members
) -> Decision:
    peer = packet.src if direction == "ingress" else packet.dst
    names = ", ".join(g.name for g in groups)
    any_rule = False
    for group in groups:
        rules = group.ingress if direction == "ingress" else group.egress
        for rule in rules:
            any_rule = True
            if rule.stale:  # V45: references a group across a deleted peering; matches nothing
                continue
            if not matches_protocol(rule.protocol, rule.ports, rule.icmp, packet):
                continue
            if _peer_matches(rule, peer, members):
                text = describe_rule(group, direction, rule)
                return Decision(ALLOW, text, f"security group rule {text} allows it", None, rule)
    if not any_rule:
        return Decision(
            DENY, None,
            f"security groups [{names}] have no {direction} rules: nothing is allowed (V41)",
            "SG_HAS_NO_RULES",
        )
    word = "from" if direction == "ingress" else "to"
    return Decision(
        DENY, None,
        f"no {direction} rule of security groups [{names}] allows"
        f" {protocol_name(packet.protocol)}"
        + (f" port {packet.dport}" if packet.dport is not None else "")
        + f" {word} {peer}",
        "ENI_SG_RULES_MISMATCH",
    )


def tracked_reply(groups: Sequence[SecurityGroup], direction: str) -> Decision:
    """The reply of a connection the groups allowed: stateful, it passes (V46)."""
    names = ", ".join(g.name for g in groups)
    way = "in" if direction == "ingress" else "out"
    return Decision(
        ALLOW, "tracked connection",
        f"reply to a tracked connection: security groups [{names}] let it {way}"
        " whatever their rules say (stateful, V46)",
    )
