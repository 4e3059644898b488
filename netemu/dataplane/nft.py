"""nftables rulesets for NACLs, security groups, the IGW and NAT gateways, as text for one
atomic ``nft -f``. PURE: model in, text out (golden-tested in tests/dataplane/test_nft.py).

Each ruleset starts with ``table ...`` + ``delete table ...`` so that applying it again replaces
the table atomically (the first line makes the delete valid when the table does not exist yet).
"""

from __future__ import annotations

import re

from netemu.dataplane import names
from netemu.vpc import addressing
from netemu.vpc.dns import AMAZON_DNS_V4, AMAZON_DNS_V6
from netemu.vpc.index import index_of
from netemu.vpc.model import GroupRef, Instance, NaclRule, NatGateway, SgRule, Topology, Vpc

PRIVATE_RANGES = tuple(str(n) for n in addressing.RFC1918 + (addressing.RFC6598,))
"""RFC 1918 and RFC 6598 (V66), as the model defines them."""

_PROTO = {1: "icmp", 6: "tcp", 17: "udp", 58: "ipv6-icmp"}
NDP = (
    "icmpv6 type { nd-neighbor-solicit, nd-neighbor-advert, nd-router-solicit, nd-router-advert }"
    ' accept comment "neighbour discovery is not filtered"'
)


def _ident(name: str) -> str:
    return re.sub(r"[^A-Za-z0-9_]", "_", name)


def _v4(cidr: str | None) -> bool:
    return cidr is not None and ":" not in cidr


def _table(family: str, kind: str, body: list[str]) -> str:
    """Table ``netemu_<kind>``: every table netemu creates carries the prefix (Safety)."""
    name = names.NFT_TABLE_PREFIX + kind
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
    if name in ("icmp", "ipv6-icmp"):
        out = f"meta l4proto {name}"
        word = "icmp" if name == "icmp" else "icmpv6"
        if icmp is not None and getattr(icmp, "type", -1) != -1:
            out = f"{word} type {icmp.type}"  # type: ignore[attr-defined]
            if getattr(icmp, "code", -1) != -1:
                out += f" {word} code {icmp.code}"  # type: ignore[attr-defined]
        return out
    return f"meta l4proto {protocol}"


def _addr(cidr: str, field: str) -> str:
    """Address match in an ``inet`` table: an all-addresses CIDR still names its family."""
    if cidr == "0.0.0.0/0":
        return "meta nfproto ipv4"
    if cidr == "::/0":
        return "meta nfproto ipv6"
    return f"{'ip' if _v4(cidr) else 'ip6'} {field} {cidr}"


def _join(*parts: str) -> str:
    return " ".join(p for p in parts if p)


# --- NACLs (router namespace) ------------------------------------------------------------------


def _nacl_rule(rule: NaclRule, direction: str) -> str | None:
    addr = _addr(rule.cidr, "saddr" if direction == "inbound" else "daddr")
    verdict = "return" if rule.action == "allow" else "drop"
    return _join(
        addr, _match(rule.protocol, rule.ports, rule.icmp), verdict, f'comment "rule {rule.number}"'
    )


LOCAL_ONLY_V4 = ("224.0.0.0/4", "255.255.255.255", "169.254.0.0/16")
"""Destinations a VPC router never forwards: multicast and limited broadcast (V16), link-local
(V24: IMDS and the other 169.254.169.x services answer on the instance or the router itself)."""
LOCAL_ONLY_V6 = ("ff00::/8", "fe80::/10", "fd00:ec2::/32")
ROUTER_SERVICES_V4 = ("169.254.169.253",)
"""Link-local addresses the VPC router itself answers on (the resolver's, V80)."""


def nacl_ruleset(vpc: Vpc, bridges: dict[str, str], tgw_links: list[tuple[str, str]] | None = None,
                 broadcasts: tuple[str, ...] = ()) -> str:
    """Forward-hook chains: a packet leaving subnet S (routed in from S's bridge) goes through S's
    NACL outbound rules, a packet entering subnet D through D's inbound rules; ``allow`` returns
    to the next check, ``deny`` or no match drops (V31-V34). No conntrack: stateless.

    Before any NACL: multicast, broadcast (``broadcasts``: the subnets' broadcast addresses) and
    link-local destinations are never forwarded, so never leave through an IGW, a NAT gateway, a
    peering or a TGW (V16, V24). ICMP "fragmentation needed" the router sends for a hop too small
    (V39) goes through the inbound NACL of the sender's subnet like one from outside."""
    body = ["\tchain forward {", "\t\ttype filter hook forward priority filter; policy accept;"]
    v4_only = ", ".join(LOCAL_ONLY_V4 + tuple(sorted(broadcasts, key=_ipkey)))
    body.append(f'\t\tip daddr {{ {v4_only} }} drop comment "never forwarded (V16, V24)"')
    body.append(f'\t\tip6 daddr {{ {", ".join(LOCAL_ONLY_V6)} }} drop'
                ' comment "never forwarded (V16, V24)"')
    subnets = {s.name: s for s in vpc.subnets}
    for link, sn in sorted(tgw_links or []):
        # TGW tgw-nacls.html: towards the TGW the attachment subnet's inbound rules apply; from
        # the TGW its outbound rules apply only when the packet leaves that subnet.
        chain = _ident(subnets[sn].network_acl)
        body.append(
            f'\t\tiifname "{link}" oifname "{bridges[sn]}" accept comment "from TGW into its '
            f'subnet {_ident(sn)}"'
        )
        body.append(
            f'\t\tiifname "{link}" jump nacl_{chain}_outbound comment "from TGW via {_ident(sn)}"'
        )
        body.append(
            f'\t\toifname "{link}" jump nacl_{chain}_inbound comment "to TGW via {_ident(sn)}"'
        )
    for s in sorted(vpc.subnets, key=lambda s: s.name):
        if not _v4(s.cidr):
            continue
        chain = _ident(s.network_acl)
        body.append(
            f'\t\tiifname "{bridges[s.name]}" jump nacl_{chain}_outbound comment "subnet '
            f'{_ident(s.name)} out"'
        )
        body.append(
            f'\t\toifname "{bridges[s.name]}" jump nacl_{chain}_inbound comment "subnet '
            f'{_ident(s.name)} in"'
        )
    body.append("\t}")
    # The router's own addresses (base+1, the resolver at base+2) answer only inside the VPC:
    # not from a peering (V61), a gateway or a transit gateway.
    body += [
        "\tchain router_input {",
        "\t\ttype filter hook input priority filter; policy accept;",
        "\t\t" + NDP,
    ]
    body += [
        f'\t\tiifname "{i}" drop comment "not from outside the VPC (V61)"'
        for i in ("igw0", "eigw0", "x*", "t*")
    ]
    body.append(
        f"\t\tip daddr 169.254.0.0/16 ip daddr != {{ {', '.join(ROUTER_SERVICES_V4)} }} drop"
        ' comment "link-local: not the router\'s (V24)"'
    )
    body.append("\t}")
    body += [
        "\tchain router_output {",
        "\t\ttype filter hook output priority filter; policy accept;",
    ]
    for s in sorted(vpc.subnets, key=lambda s: s.name):
        if _v4(s.cidr):
            chain = _ident(s.network_acl)
            for what in ("icmp type destination-unreachable icmp code frag-needed",
                         "icmpv6 type packet-too-big"):
                body.append(f'\t\toifname "{bridges[s.name]}" {what} jump nacl_{chain}_inbound'
                            f' comment "PMTUD into subnet {_ident(s.name)} (V39)"')
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
    return _table("inet", "nacl", body)


# --- security groups (instance namespace) -----------------------------------------------------


def _group_members(topology: Topology, group: GroupRef, version: int) -> list[str]:
    """The addresses of one family that the model counts as members of ``group`` (V44)."""
    members = index_of(topology).member_ips(group)
    return sorted(a for a in members if (":" in a) == (version == 6))


def interfaces_of(vpc: Vpc, inst: Instance) -> list[tuple[str, Instance]]:
    """``(ifname, ENI)`` of each network interface of ``inst`` in its namespace: ``eth0`` its
    primary, ``eth<device index>`` each secondary ENI (V165), by device index."""
    out = [("eth0", inst)]
    out += sorted(((f"eth{e.device_index}", e) for e in vpc.instances
                   if e.attached_to == inst.name), key=lambda kv: kv[1].device_index)
    return out


def sg_ruleset(topology: Topology, vpc: Vpc, inst: Instance, resolver: str) -> str:
    """Input = ingress rules, output = egress rules, of every group on the ENI (aggregated,
    V40); replies pass by conntrack whatever the other direction says (V46); a rule naming a
    group matches the addresses the model counts as that group's members (V44), a stale one
    nothing (V45); resolver traffic is never filtered (V50).

    An instance with several network interfaces (V165): each interface has its own groups
    (V185): what arrives on ``ethN`` meets the ingress rules of ENI N's groups, what leaves by
    ``ethN`` its egress rules (one chain per interface, chosen by ``iifname``/``oifname``), and a
    forwarded packet the arriving interface's ingress and the leaving interface's egress rules;
    an interface whose source/destination check is on forwards nothing (V167)."""
    enis = interfaces_of(vpc, inst)
    multi = len(enis) > 1
    by_name = {g.name: g for g in vpc.security_groups}
    groups_of = {ifn: [by_name[n] for n in sorted(set(e.security_groups)) if n in by_name]
                 for ifn, e in enis}
    sets: dict[GroupRef, str] = {}
    for ifn, _e in enis:
        for g in groups_of[ifn]:
            for r in g.ingress + g.egress:
                if r.group is not None and not r.stale:
                    sets.setdefault(r.group,
                                    f"group_{_ident(r.group.vpc)}_{_ident(r.group.name)}")
    body: list[str] = []
    for ref, set_name in sorted(sets.items(), key=lambda kv: (kv[0].vpc, kv[0].name)):
        members = _group_members(topology, ref, 4)
        elements = f" elements = {{ {', '.join(members)} }};" if members else ""
        body.append(f"\tset {set_name} {{ type ipv4_addr;{elements} }}")
        members6 = _group_members(topology, ref, 6)
        elements6 = f" elements = {{ {', '.join(members6)} }};" if members6 else ""
        body.append(f"\tset {set_name}_6 {{ type ipv6_addr;{elements6} }}")

    def rules(ifn: str, direction: str, verdict: str = "accept") -> list[str]:
        out = []
        for g in groups_of[ifn]:
            for r in g.ingress if direction == "ingress" else g.egress:
                line = _sg_rule(r, direction, sets, verdict)
                if line:
                    out.append(f'\t\t{line} comment "sg {_ident(g.name)}"')
        return out

    def per_interface(direction: str, chain: str, verdict: str = "accept") -> list[str]:
        """The rules of ``direction``: inline for one interface; else a jump per interface (a
        ``goto`` when the rules ``return``, so that they return to this chain's caller)."""
        if not multi:
            return rules("eth0", direction, verdict)
        word = "iifname" if direction == "ingress" else "oifname"
        go = "goto" if verdict == "return" else "jump"
        return [f'\t\t{word} "{ifn}" {go} {chain}_{ifn} comment "ENI {_ident(e.name)} (V185)"'
                for ifn, e in enis]

    def interface_chains(direction: str, chain: str, verdict: str = "accept",
                         tail: tuple[str, ...] = ()) -> list[str]:
        if not multi:
            return []
        out: list[str] = []
        for ifn, _e in enis:
            out += [f"\tchain {chain}_{ifn} {{", *rules(ifn, direction, verdict), *tail, "\t}"]
        return out

    body += ["\tchain ingress {", "\t\ttype filter hook input priority filter; policy drop;",
             '\t\tiifname "lo" accept', *PMTUD_JUMPS,
             "\t\tct state established,related accept", "\t\t" + NDP]
    dns4 = f"{{ {resolver}, {AMAZON_DNS_V4} }}"  # base+2 and 169.254.169.253 (V80)
    why = 'comment "resolver (V50)"'
    body += [f"\t\tip saddr {dns4} meta l4proto {{ tcp, udp }} th sport 53 accept {why}",
             f"\t\tip6 saddr {AMAZON_DNS_V6} meta l4proto {{ tcp, udp }} th sport 53 accept {why}"]
    body += per_interface("ingress", "in")
    body += ["\t}", "\tchain egress {", "\t\ttype filter hook output priority filter; policy drop;",
             '\t\toifname "lo" accept', "\t\tct state established,related accept", "\t\t" + NDP]
    body += [f"\t\tip daddr {dns4} meta l4proto {{ tcp, udp }} th dport 53 accept {why}",
             f"\t\tip6 daddr {AMAZON_DNS_V6} meta l4proto {{ tcp, udp }} th dport 53 accept {why}"]
    body += per_interface("egress", "out")
    body.append("\t}")
    body += interface_chains("ingress", "in") + interface_chains("egress", "out")
    # V39: ICMP "fragmentation needed" / "packet too big" is not a tracked reply: it reaches the
    # instance only when an inbound rule allows it (EC2-UG network_mtu.html, Path MTU Discovery).
    body += ["\tchain pmtud {", *per_interface("ingress", "pmtud_in"),
             '\t\tdrop comment "PMTUD needs an inbound rule (V39)"', "\t}"]
    body += interface_chains("ingress", "pmtud_in")
    if any(not e.source_dest_check for _i, e in enis):
        # A middlebox (source/destination check off): a forwarded packet must pass the ENI's
        # ingress rules on arrival and its egress rules on departure; replies are tracked.
        checked = [ifn for ifn, e in enis if e.source_dest_check]
        body += ["\tchain forward {", "\t\ttype filter hook forward priority filter; policy drop;"]
        body += [f'\t\t{word} "{ifn}" drop comment "source/destination check on (V167)"'
                 for ifn in checked for word in ("iifname", "oifname")]
        body += ["\t\tct state established,related accept", "\t\tjump forward_ingress",
                 "\t\tjump forward_egress", '\t\taccept comment "forwarded as it is"', "\t}"]
        ret = ("\t\tdrop",) if multi else ()
        body += (["\tchain forward_ingress {"] + per_interface("ingress", "fwd_in", "return")
                 + ["\t\tdrop", "\t}"])
        body += interface_chains("ingress", "fwd_in", "return", ret)
        body += (["\tchain forward_egress {"] + per_interface("egress", "fwd_out", "return")
                 + ["\t\tdrop", "\t}"])
        body += interface_chains("egress", "fwd_out", "return", ret)
    return _table("inet", "sg", body)


PMTUD_JUMPS = ("\t\ticmp type destination-unreachable icmp code frag-needed jump pmtud",
               "\t\ticmpv6 type packet-too-big jump pmtud")


def _sg_rule(
    rule: SgRule, direction: str, sets: dict[GroupRef, str], verdict: str = "accept"
) -> str | None:
    if rule.stale:  # V45: a reference across a deleted peering matches nothing
        return None
    field = "saddr" if direction == "ingress" else "daddr"
    what = _match(rule.protocol, rule.ports, rule.icmp)
    if rule.group is not None:
        name = sets[rule.group]
        # V44: an inbound reference matches only a packet straight from a member's ENI, not
        # one the VPC router marked as forwarded by a middlebox (see middlebox_ruleset).
        direct = f"ether saddr != {MIDDLEBOX_MAC}" if direction == "ingress" else ""
        return (_join(direct, f"ip {field} @{name}", what, verdict) + "\n\t\t"
                + _join(direct, f"ip6 {field} @{name}_6", what, verdict))
    if rule.cidr is None:
        return None
    return _join(_addr(rule.cidr, field), what, verdict)


# --- instance metadata service (V37, instance namespace) -------------------------------------

IMDS_LISTEN_PORT = 65254
"""Where the metadata process listens on 169.254.169.254 (and fd00:ec2::254) inside an instance
namespace. Not 80: a listener there would make a user's ``bind(("", 80))`` in the instance fail
(a wildcard bind conflicts with every local address's); above the ephemeral range (V96), so no
client socket takes it."""


def imds_ruleset(addresses: tuple[str, ...]) -> str:
    """Connections to the metadata service's port 80 go to its listener (``IMDS_LISTEN_PORT``),
    before any socket lookup, so a server of the user's on port 80 never sees them (V37)."""
    body = ["\tchain output {", "\t\ttype nat hook output priority -100; policy accept;"]
    for a in addresses:
        word, to = ("ip6", f"[{a}]") if ":" in a else ("ip", a)
        body.append(f"\t\t{word} daddr {a} tcp dport 80 dnat {word} to {to}:{IMDS_LISTEN_PORT}"
                    ' comment "instance metadata service (V37)"')
    body.append("\t}")
    return _table("inet", "imds", body)


# --- middleboxes (V44, router namespace) -----------------------------------------------------

MIDDLEBOX_MARK = "0x44"
MIDDLEBOX_MAC = "02:00:00:00:00:44"
"""V44 in the kernel. The VPC router marks a packet that reaches one of its bridges from the
port of an instance whose source/destination check is off while its source is not an address of
that instance: the instance forwarded it (a middlebox). Whatever the router then puts on a bridge
with that mark (routed, or bridged port to port) leaves with this locally administered source
MAC, so the receiving ENI's security group can tell it from a packet straight from a member's
ENI (a mark does not cross namespaces, a MAC does): a rule naming a group requires another
source MAC (``_sg_rule``); CIDR rules do not care. Nothing else reads the source MAC: neighbours
are learnt from ARP and NDP, and the bridge learns from what its ports receive."""


def middlebox_ruleset(forwarders: list[tuple[str, tuple[str, ...]]]) -> str:
    """``forwarders``: (router port, addresses) of each instance of the VPC whose
    source/destination check is off. A bridge table of the router namespace."""
    body = [
        "\tchain prerouting {",
        "\t\ttype filter hook prerouting priority filter; policy accept;",
    ]
    why = 'comment "forwarded by a middlebox (V44)"'
    for port, addresses in sorted(forwarders):
        v4 = sorted(a for a in addresses if ":" not in a)
        # IPv6: its own addresses and its link-local one (neighbour discovery is its own)
        v6 = sorted(a for a in addresses if ":" in a) + ["fe80::/10"]
        for word, own in (("ip", v4), ("ip6", v6)):
            body.append(f'\t\tiifname "{port}" {word} saddr != {{ {", ".join(own)} }}'
                        f" meta mark set {MIDDLEBOX_MARK} {why}")
    body.append("\t}")
    for chain in ("forward", "output"):  # bridged port to port; routed by the router
        body += [f"\tchain {chain} {{",
                 f"\t\ttype filter hook {chain} priority filter; policy accept;",
                 (f"\t\tmeta mark {MIDDLEBOX_MARK} ether saddr set {MIDDLEBOX_MAC}"
                  ' comment "no longer from a member\'s ENI (V44)"'), "\t}"]
    return _table("bridge", "v44", body)


def middlebox_links_ruleset(links: list[str]) -> str:
    """The mark of ``middlebox_ruleset`` across a peering or a transit gateway (V44): on each
    point-to-point link of a router or a TGW, what arrives with ``MIDDLEBOX_MAC`` is marked
    again, and what leaves marked carries that MAC, so a reference in the next VPC does not
    match it either. A netdev table, one ingress and one egress chain per link."""
    body: list[str] = []
    for i, link in enumerate(sorted(links)):
        body += [f"\tchain in_{i} {{",
                 f'\t\ttype filter hook ingress device "{link}" priority filter; policy accept;',
                 (f"\t\tether saddr {MIDDLEBOX_MAC} meta mark set {MIDDLEBOX_MARK}"
                 ' comment "forwarded by a middlebox (V44)"'), "\t}",
                 f"\tchain out_{i} {{",
                 f'\t\ttype filter hook egress device "{link}" priority filter; policy accept;',
                 (f"\t\tmeta mark {MIDDLEBOX_MARK} ether saddr set {MIDDLEBOX_MAC}"
                 ' comment "no longer from a member\'s ENI (V44)"'), "\t}"]
    return _table("netdev", "v44_links", body)


# --- transit gateway appliance mode (V78) ---------------------------------------------------------

FLOW_MARK_SHIFT, FLOW_MARK_MASK = 8, 0xFF00  # beside MIDDLEBOX_MARK (0x44), never over it


def flow_mark(value: int) -> int:
    """The packet mark that carries flow-hash value ``value`` to the policy rules."""
    return value << FLOW_MARK_SHIFT


def tgw_flow_ruleset(modulus: int) -> str:
    """Appliance mode in a transit gateway namespace: a flow's first packet gets a conntrack
    mark 1..``modulus`` from the hash of its addresses (vpc/appliance.py computes the same);
    every packet of the flow, both directions, carries it as a packet mark that the policy
    rules use to pick the appliance attachment's subnet for the flow's life."""
    body = ["\tchain prerouting {",
            "\t\ttype filter hook prerouting priority mangle; policy accept;",
            f"\t\tct state new ct mark set jhash ip saddr . ip daddr mod {modulus} seed 0x0"
            ' offset 1 comment "flow hash (V78)"']
    body += [f"\t\tct mark {k} meta mark set meta mark | {hex(flow_mark(k))}"
             ' comment "the flow keeps its appliance subnet (V78)"'
             for k in range(1, modulus + 1)]
    body.append("\t}")
    return _table("ip", "tgw_flow", body)


# --- internet gateway --------------------------------------------------------------------------


def igw_ruleset(public_map: dict[str, str]) -> str:
    """1:1 NAT public <-> private (V65) and the IGW's drops (V66). ``vpc0`` faces the VPC router,
    ``inet0`` the internet."""
    ranges = ", ".join(PRIVATE_RANGES)
    body: list[str] = []
    if public_map:
        privs = ", ".join(sorted(public_map.values(), key=_ipkey))
        dnat = ", ".join(
            f"{pub} : {priv}"
            for pub, priv in sorted(public_map.items(), key=lambda kv: _ipkey(kv[0]))
        )
        snat = ", ".join(
            f"{priv} : {pub}"
            for pub, priv in sorted(public_map.items(), key=lambda kv: _ipkey(kv[1]))
        )
        body.append(f"\tset public_enis {{ type ipv4_addr; elements = {{ {privs} }}; }}")
        body += [
            "\tchain prerouting {",
            "\t\ttype nat hook prerouting priority dstnat; policy accept;",
            f'\t\tiifname "inet0" dnat to ip daddr map {{ {dnat} }} comment "1:1 NAT in (V65)"',
            "\t}",
        ]
        body += [
            "\tchain postrouting {",
            "\t\ttype nat hook postrouting priority srcnat; policy accept;",
            f'\t\toifname "inet0" snat to ip saddr map {{ {snat} }} comment "1:1 NAT out (V65)"',
            "\t}",
        ]
    else:
        body.append("\tset public_enis { type ipv4_addr; }")
    body += [
        "\tchain forward {",
        "\t\ttype filter hook forward priority filter; policy drop;",
        f'\t\tiifname "vpc0" oifname "inet0" ip daddr {{ {ranges} }} drop comment '
        f'"IGW_DESTINATION_ADDRESS_NOT_IN_RFC1918_EGRESS (V66)"',
        '\t\tiifname "vpc0" oifname "inet0" ip saddr @public_enis accept comment "source has a '
        'public address (V64)"',
        f'\t\tiifname "inet0" oifname "vpc0" ip saddr {{ {ranges} }} drop comment '
        f'"IGW_SOURCE_ADDRESS_NOT_IN_RFC1918_INGRESS (V66)"',
        '\t\tiifname "inet0" oifname "vpc0" ip daddr @public_enis accept comment "destination is a '
        'public address (V66)"',
        "\t}",
    ]
    return _table("ip", "igw", body)


def igw6_ruleset(vpc_cidrs6: tuple[str, ...], enis6: list[str]) -> str:
    """IPv6 through the IGW: no translation (the addresses are public); out from the VPC's
    addresses, in only to an ENI's address (V66's IPv6 counterpart)."""
    cidrs = ", ".join(vpc_cidrs6)
    enis = f" elements = {{ {', '.join(enis6)} }};" if enis6 else ""
    body = [
        f"\tset enis {{ type ipv6_addr;{enis} }}",
        "\tchain forward {",
        "\t\ttype filter hook forward priority filter; policy drop;",
        f'\t\tiifname "vpc0" oifname "inet0" ip6 saddr {{ {cidrs} }} accept comment "out from the '
        f'VPC"',
        '\t\tiifname "inet0" oifname "vpc0" ip6 daddr @enis accept comment "in to an ENI address"',
        "\t}",
    ]
    return _table("ip6", "igw6", body)


def eigw_ruleset(vpc_cidrs6: tuple[str, ...]) -> str:
    """Egress-only internet gateway: IPv6 out, replies back in, nothing initiated from the
    internet (V73). Stateful, like AWS's."""
    cidrs = ", ".join(vpc_cidrs6) or "::/128"
    body = [
        "\tchain forward {",
        "\t\ttype filter hook forward priority filter; policy drop;",
        '\t\tct state established,related accept comment "replies (V73)"',
        f'\t\tiifname "vpc0" oifname "inet0" ip6 saddr {{ {cidrs} }} ct state new accept comment '
        f'"outbound only (V73)"',
        "\t}",
    ]
    return _table("ip6", "eigw", body)


def vpce_host_ruleset(ifnames: list[str]) -> str:
    """A service host behind gateway endpoints: over an endpoint's link only replies go back
    into the VPC; the service initiates nothing there (V136). Stateful."""
    names = ", ".join(f'"{i}"' for i in sorted(ifnames))
    body = [
        "\tchain output {",
        "\t\ttype filter hook output priority filter; policy accept;",
        f'\t\toifname {{ {names} }} ct state new drop comment "no connection into a VPC '
        'through its gateway endpoint (V136)"',
        "\t}",
    ]
    return _table("ip", "vpce", body)


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
        f'\t\tct state new ip saddr {{ {cidrs} }} meta l4proto {{ tcp, udp, icmp }} accept comment '
        f'"NGW_REQUIRES_SOURCE_IN_VPC (V69)"',
        "\t}",
        "\tchain ingress {",
        "\t\ttype filter hook input priority filter; policy drop;",
        '\t\tiifname "lo" accept',
        '\t\tct state established,related accept comment "no inbound initiation (V68)"',
        "\t}",
        "\tchain postrouting {",
        "\t\ttype nat hook postrouting priority srcnat; policy accept;",
        f'\t\tip saddr != {me} meta l4proto {{ tcp, udp }} snat to {me}:1024-65535 comment '
        f'"REMAP_EPHEMERAL_PORT (V68)"',
        f'\t\tip saddr != {me} meta l4proto icmp snat to {me} comment "NGW_SOURCE_ADDRESS_REASSIGN '
        f'(V68)"',
        "\t}",
    ]
    return _table("ip", "natgw", body)


def nlb_ruleset(forwards: list[tuple[str, int, str, list[tuple[str, int]], list[str]]]) -> str:
    """Network Load Balancer nodes in the VPC router (V108): ``(node address, listener port,
    protocol tcp|udp, [(target address, port)], [source CIDR])`` each; a new connection to the
    node's address and port from a source the load balancer's security groups allow is DNATed
    to one of the targets, in turn, before the router routes it, with no SNAT, so the target
    sees the client's own address and its reply, routed back through the router, is translated
    back to the node's address (conntrack). A source the groups do not allow is left alone: it
    reaches the node's ENI, whose security groups drop it. An ``ip`` table of the router
    namespace; the load balancer process rewrites it when the targets' health changes."""
    body = ["  chain dnat_in {", "    type nat hook prerouting priority dstnat; policy accept;"]
    for node, port, proto, targets, sources in sorted(forwards):
        if not targets or not sources:
            continue
        if len(targets) == 1:
            ip, tport = targets[0]
            to = f"{ip}:{tport}"
        else:
            pairs = ", ".join(f"{i} : {ip} . {tport}" for i, (ip, tport) in enumerate(targets))
            to = f"numgen inc mod {len(targets)} map {{ {pairs} }}"
        src = "" if "0.0.0.0/0" in sources else f" ip saddr {{ {', '.join(sorted(sources))} }}"
        body.append(f"    ip daddr {node}{src} {proto} dport {port} dnat ip to {to}")
    body.append("  }")
    return _table("ip", "nlb", body)
