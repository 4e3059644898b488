"""nftables rulesets for NACLs, security groups, the IGW and NAT gateways, as text for one
atomic ``nft -f``. PURE: model in, text out (golden-tested in tests/dataplane/test_nft.py).

Each ruleset starts with ``table ...`` + ``delete table ...`` so that applying it again replaces
the table atomically (the first line makes the delete valid when the table does not exist yet).
"""

from __future__ import annotations

import re

from netemu.vpc.model import Instance, NaclRule, NatGateway, SgRule, Topology, Vpc

PRIVATE_RANGES = ("10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "100.64.0.0/10")
"""RFC 1918 and RFC 6598 (V66)."""

_PROTO = {1: "icmp", 6: "tcp", 17: "udp"}


def _ident(name: str) -> str:
    return re.sub(r"[^A-Za-z0-9_]", "_", name)


def _v4(cidr: str | None) -> bool:
    return cidr is not None and ":" not in cidr


def _table(family: str, name: str, body: list[str]) -> str:
    head = [f"table {family} {name}", f"delete table {family} {name}", f"table {family} {name} {{"]
    return "\n".join(head + body + ["}"]) + "\n"


def _match(protocol: int, ports: object, icmp: object) -> str:
    """The protocol/port/ICMP part of a rule (ports are destination ports, as AWS means them)."""
    if protocol == -1:
        return ""
    name = _PROTO.get(protocol)
    if name in ("tcp", "udp"):
        if ports is None:
            return f"meta l4proto {name}"
        return f"{name} dport {ports}"
    if name == "icmp":
        out = "meta l4proto icmp"
        if icmp is not None and getattr(icmp, "type", -1) != -1:
            out = f"icmp type {icmp.type}"  # type: ignore[attr-defined]
            if getattr(icmp, "code", -1) != -1:
                out += f" icmp code {icmp.code}"  # type: ignore[attr-defined]
        return out
    return f"meta l4proto {protocol}"


def _join(*parts: str) -> str:
    return " ".join(p for p in parts if p)


# --- NACLs (router namespace) ------------------------------------------------------------------


def _nacl_rule(rule: NaclRule, direction: str) -> str | None:
    if not _v4(rule.cidr):
        return None
    addr = "" if rule.cidr == "0.0.0.0/0" else f"ip {'saddr' if direction == 'inbound' else 'daddr'} {rule.cidr}"
    verdict = "return" if rule.action == "allow" else "drop"
    return _join(addr, _match(rule.protocol, rule.ports, rule.icmp), verdict, f'comment "rule {rule.number}"')


def nacl_ruleset(vpc: Vpc, bridges: dict[str, str], tgw_links: list[tuple[str, str]] | None = None) -> str:
    """Forward-hook chains: a packet leaving subnet S (routed in from S's bridge) goes through S's
    NACL outbound rules, a packet entering subnet D through D's inbound rules; ``allow`` returns
    to the next check, ``deny`` or no match drops (V31-V34). No conntrack: stateless."""
    body = ["\tchain forward {", "\t\ttype filter hook forward priority filter; policy accept;"]
    subnets = {s.name: s for s in vpc.subnets}
    for link, sn in sorted(tgw_links or []):
        # TGW tgw-nacls.html: towards the TGW the attachment subnet's inbound rules apply; from
        # the TGW its outbound rules apply only when the packet leaves that subnet.
        chain = _ident(subnets[sn].network_acl)
        body.append(f'\t\tiifname "{link}" oifname "{bridges[sn]}" accept comment "from TGW into its subnet {_ident(sn)}"')
        body.append(f'\t\tiifname "{link}" jump nacl_{chain}_outbound comment "from TGW via {_ident(sn)}"')
        body.append(f'\t\toifname "{link}" jump nacl_{chain}_inbound comment "to TGW via {_ident(sn)}"')
    for s in sorted(vpc.subnets, key=lambda s: s.name):
        if not _v4(s.cidr):
            continue
        chain = _ident(s.network_acl)
        body.append(f'\t\tiifname "{bridges[s.name]}" jump nacl_{chain}_outbound comment "subnet {_ident(s.name)} out"')
        body.append(f'\t\toifname "{bridges[s.name]}" jump nacl_{chain}_inbound comment "subnet {_ident(s.name)} in"')
    body.append("\t}")
    for acl in sorted(vpc.network_acls, key=lambda a: a.name):
        for direction, rules in (("inbound", acl.inbound), ("outbound", acl.outbound)):
            body.append(f"\tchain nacl_{_ident(acl.name)}_{direction} {{")
            for r in sorted(rules, key=lambda r: r.number):
                line = _nacl_rule(r, direction)
                if line:
                    body.append("\t\t" + line)
            body.append('\t\tdrop comment "rule * (V31)"')
            body.append("\t}")
    return _table("ip", "netemu_nacl", body)


# --- security groups (instance namespace) -----------------------------------------------------


def _group_members(topology: Topology, vpc_name: str, group: str) -> list[str]:
    try:
        vpc = topology.vpc(vpc_name)
    except KeyError:
        return []
    return sorted({i.private_ip for i in vpc.instances if group in i.security_groups and _v4(i.private_ip)})


def sg_ruleset(topology: Topology, vpc: Vpc, inst: Instance, resolver: str) -> str:
    """Input = ingress rules, output = egress rules, of every group on the ENI (aggregated,
    V40); replies pass by conntrack whatever the other direction says (V46); a rule naming a
    group matches that group's members' private addresses (V44); resolver traffic is never
    filtered (V50)."""
    groups = [g for g in vpc.security_groups if g.name in inst.security_groups]
    sets: dict[tuple[str, str], str] = {}
    for g in groups:
        for r in g.ingress + g.egress:
            if r.group is not None:
                key = (r.group.vpc, r.group.name)
                sets.setdefault(key, f"group_{_ident(r.group.vpc)}_{_ident(r.group.name)}")
    body: list[str] = []
    for (gvpc, gname), set_name in sorted(sets.items()):
        members = _group_members(topology, gvpc, gname)
        elements = f" elements = {{ {', '.join(members)} }};" if members else ""
        body.append(f"\tset {set_name} {{ type ipv4_addr;{elements} }}")

    def rules(direction: str) -> list[str]:
        out = []
        for g in sorted(groups, key=lambda g: g.name):
            for r in g.ingress if direction == "ingress" else g.egress:
                line = _sg_rule(r, direction, sets)
                if line:
                    out.append(f'\t\t{line} comment "sg {_ident(g.name)}"')
        return out

    body += ["\tchain ingress {", "\t\ttype filter hook input priority filter; policy drop;",
             '\t\tiifname "lo" accept', "\t\tct state established,related accept"]
    body += [f"\t\tip saddr {resolver} meta l4proto {{ tcp, udp }} th sport 53 accept comment \"resolver (V50)\""]
    body += rules("ingress")
    body += ["\t}", "\tchain egress {", "\t\ttype filter hook output priority filter; policy drop;",
             '\t\toifname "lo" accept', "\t\tct state established,related accept"]
    body += [f"\t\tip daddr {resolver} meta l4proto {{ tcp, udp }} th dport 53 accept comment \"resolver (V50)\""]
    body += rules("egress")
    body.append("\t}")
    return _table("ip", "netemu_sg", body)


def _sg_rule(rule: SgRule, direction: str, sets: dict[tuple[str, str], str]) -> str | None:
    field = "saddr" if direction == "ingress" else "daddr"
    if rule.group is not None:
        addr = f"ip {field} @{sets[(rule.group.vpc, rule.group.name)]}"
    elif _v4(rule.cidr):
        addr = "" if rule.cidr == "0.0.0.0/0" else f"ip {field} {rule.cidr}"
    else:
        return None
    return _join(addr, _match(rule.protocol, rule.ports, rule.icmp), "accept")


# --- internet gateway --------------------------------------------------------------------------


def igw_ruleset(public_map: dict[str, str]) -> str:
    """1:1 NAT public <-> private (V65) and the IGW's drops (V66). ``vpc0`` faces the VPC router,
    ``inet0`` the internet."""
    ranges = ", ".join(PRIVATE_RANGES)
    body: list[str] = []
    if public_map:
        privs = ", ".join(sorted(public_map.values(), key=_ipkey))
        dnat = ", ".join(f"{pub} : {priv}" for pub, priv in sorted(public_map.items(), key=lambda kv: _ipkey(kv[0])))
        snat = ", ".join(f"{priv} : {pub}" for pub, priv in sorted(public_map.items(), key=lambda kv: _ipkey(kv[1])))
        body.append(f"\tset public_enis {{ type ipv4_addr; elements = {{ {privs} }}; }}")
        body += ["\tchain prerouting {", "\t\ttype nat hook prerouting priority dstnat; policy accept;",
                 f'\t\tiifname "inet0" dnat to ip daddr map {{ {dnat} }} comment "1:1 NAT in (V65)"', "\t}"]
        body += ["\tchain postrouting {", "\t\ttype nat hook postrouting priority srcnat; policy accept;",
                 f'\t\toifname "inet0" snat to ip saddr map {{ {snat} }} comment "1:1 NAT out (V65)"', "\t}"]
    else:
        body.append("\tset public_enis { type ipv4_addr; }")
    body += [
        "\tchain forward {",
        "\t\ttype filter hook forward priority filter; policy drop;",
        f'\t\tiifname "vpc0" oifname "inet0" ip daddr {{ {ranges} }} drop comment "IGW_DESTINATION_ADDRESS_NOT_IN_RFC1918_EGRESS (V66)"',
        '\t\tiifname "vpc0" oifname "inet0" ip saddr @public_enis accept comment "source has a public address (V64)"',
        f'\t\tiifname "inet0" oifname "vpc0" ip saddr {{ {ranges} }} drop comment "IGW_SOURCE_ADDRESS_NOT_IN_RFC1918_INGRESS (V66)"',
        '\t\tiifname "inet0" oifname "vpc0" ip daddr @public_enis accept comment "destination is a public address (V66)"',
        "\t}",
    ]
    return _table("ip", "netemu_igw", body)


def _ipkey(ip: str) -> tuple[int, ...]:
    return tuple(int(x) for x in ip.split("."))


# --- NAT gateway -------------------------------------------------------------------------------


def natgw_ruleset(vpc: Vpc, nat: NatGateway, via_tgw: tuple[str, ...] = ()) -> str:
    """SNAT to the gateway's private address, source ports into 1024-65535 (V68); forwards
    only flows started by sources in its own VPC (V69), TCP, UDP and ICMP only (V68); nothing is
    initiated from outside."""
    cidrs = ", ".join([c for c in vpc.cidr_blocks if _v4(c)] + list(via_tgw))
    me = nat.private_ip
    body = [
        "\tchain forward {",
        "\t\ttype filter hook forward priority filter; policy drop;",
        "\t\tct state established,related accept",
        f'\t\tct state new ip saddr {{ {cidrs} }} meta l4proto {{ tcp, udp, icmp }} accept comment "NGW_REQUIRES_SOURCE_IN_VPC (V69)"',
        "\t}",
        "\tchain ingress {",
        "\t\ttype filter hook input priority filter; policy drop;",
        '\t\tiifname "lo" accept',
        '\t\tct state established,related accept comment "no inbound initiation (V68)"',
        "\t}",
        "\tchain postrouting {",
        "\t\ttype nat hook postrouting priority srcnat; policy accept;",
        f'\t\tip saddr != {me} meta l4proto {{ tcp, udp }} snat to {me}:1024-65535 comment "REMAP_EPHEMERAL_PORT (V68)"',
        f'\t\tip saddr != {me} meta l4proto icmp snat to {me} comment "NGW_SOURCE_ADDRESS_REASSIGN (V68)"',
        "\t}",
    ]
    return _table("ip", "netemu_natgw", body)
