"""Network ACLs: stateless, ordered, first match wins, implicit deny.

Name
    Network ACL evaluation at a subnet boundary.
Behaviour (VPC-UG vpc-network-acls.html)
    - Rules are evaluated in ascending rule number; the first rule that matches decides (V31).
    - Nothing matched: the final ``*`` rule denies (32767 for IPv4, 32768 for IPv6; V31, V33).
    - Inbound rules match the packet's source address, outbound rules its destination; port
      ranges are destination ports; an IPv4 rule never matches an IPv6 packet.
    - Stateless (V34): a reply is a new packet checked against the other direction's rules. The
      caller evaluates only where traffic enters or leaves a subnet (V35).
    - A deny carries RA code ``SUBNET_ACL_RESTRICTION``.
Fields
    ``evaluate(acl, "inbound" | "outbound", packet)`` -> Decision (``matched`` = the NaclRule).
Example
    inbound 100 allow tcp 80 0.0.0.0/0: tcp to port 80 -> allow (rule 100); tcp to port 22 ->
    deny (rule *, implicit).
"""

from __future__ import annotations

from netemu.vpc.addressing import address_int, network_int
from netemu.vpc.compiled import compiled
from netemu.vpc.decision import ALLOW, DENY, Decision
from netemu.vpc.model import NaclRule, NetworkAcl
from netemu.vpc.packets import Packet, matches_protocol, protocol_name

Compiled = tuple[tuple[NaclRule, int, int, int, int], ...]

IMPLICIT_DENY = {4: 32767, 6: 32768}


def describe_rule(rule: NaclRule) -> str:
    what = protocol_name(rule.protocol)
    if rule.ports is not None:
        what += f" {rule.ports}"
    if rule.icmp is not None:
        what += f" type {rule.icmp.type} code {rule.icmp.code}"
    return f"{rule.number} {rule.action} {what} {rule.cidr}"


def _compile(rules: tuple[NaclRule, ...]) -> Compiled:
    ordered = sorted(rules, key=lambda r: r.number)
    return tuple((r, *network_int(r.cidr), r.protocol) for r in ordered)


def evaluate(acl: NetworkAcl, direction: str, packet: Packet) -> Decision:
    rules = acl.inbound if direction == "inbound" else acl.outbound
    peer = packet.src if direction == "inbound" else packet.dst
    version, value = address_int(peer)
    proto = packet.protocol
    for rule, rv, net, mask, rp in compiled(("nacl", acl.vpc, acl.name, direction), rules,
                                            _compile):
        if rv != version or value & mask != net or (rp != -1 and rp != proto):
            continue
        if not matches_protocol(rule.protocol, rule.ports, rule.icmp, packet):
            continue
        text = describe_rule(rule)
        if rule.action == "allow":
            return Decision(
                ALLOW, str(rule.number),
                f"network ACL {acl.name} {direction} rule {text} allows it", None, rule,
            )
        return Decision(
            DENY, str(rule.number),
            f"network ACL {acl.name} {direction} rule {text} denies it",
            "SUBNET_ACL_RESTRICTION", rule,
        )
    star = IMPLICIT_DENY[version]
    return Decision(
        DENY, "*",
        f"no {direction} rule of network ACL {acl.name} matches: the final rule * ({star})"
        " denies it",
        "SUBNET_ACL_RESTRICTION",
    )
