"""VPC DNS, pure: the Amazon-provided DNS server (V80), EC2 hostnames (V82-V84), DHCP options
sets (CreateDhcpOptions) and Route 53 Resolver rules and endpoints (R92-R95).

Topology file shape (new keys; ``vpc.load`` calls ``read`` and ``attach``):

  dhcp_options_sets: [{name, domain_name?, domain_name_servers?, ntp_servers?,
                       netbios_name_servers?, netbios_node_type?}]
  vpcs[].dhcp_options: NAME (a set above) | {domain_name?, domain_name_servers?, ...}
  resolver_endpoints: [{name, vpc, direction: INBOUND|OUTBOUND, security_groups?,
                        ip_addresses: [{subnet, ip?}] (2-10)}]
  resolver_rules: [{name, domain_name, rule_type: FORWARD|SYSTEM, target_ips?: [{ip, port?}],
                    resolver_endpoint? (FORWARD), vpcs?: [VPC]}]
  peerings[].allow_dns_resolution: true (both sides' AllowDnsResolutionFromRemoteVpc, V61)

A VPC without ``dhcp_options`` uses AWS's default set: ``domain_name`` ``ec2.internal`` in
us-east-1 and ``REGION.compute.internal`` elsewhere, ``domain_name_servers`` AmazonProvidedDNS.

Resolver endpoints have ENIs: each endpoint address becomes an ENI in the model (an instance
named ``rslvr-NAME-N`` with the endpoint's security groups), so that the data plane gives it a
namespace, its security groups and NACLs apply to it and ``trace`` explains it like any ENI.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from netemu.vpc.draft import Report
    from netemu.vpc.model import Topology, Vpc

AMAZON_DNS_V4 = "169.254.169.253"       # V80
AMAZON_DNS_V6 = "fd00:ec2::253"         # V80
AMAZON_PROVIDED_DNS = "AmazonProvidedDNS"
MAX_NAME_SERVERS = 4                    # CreateDhcpOptions: up to four DNS servers
MAX_NTP_V4 = MAX_NTP_V6 = 4             # up to eight NTP servers: four IPv4, four IPv6
MAX_NETBIOS = 4
NETBIOS_NODE_TYPES = (1, 2, 4, 8)
ENDPOINT_MIN_IPS, ENDPOINT_MAX_IPS = 2, 20  # R94: IpAddresses, min 2, max 20
RULE_TYPES = ("FORWARD", "SYSTEM")
DIRECTIONS = ("INBOUND", "OUTBOUND")
ENDPOINT_PREFIX = "rslvr-"
EC2_TTL = 60                            # TTL of the Amazon-provided private and public names


# --- EC2 hostnames (V83, V84) -------------------------------------------------------------------


def default_domain(region: str) -> str:
    """The default DHCP ``domain_name`` and the private hostname domain (V83)."""
    return "ec2.internal" if region == "us-east-1" else f"{region}.compute.internal"


def private_hostname(ip: str, region: str) -> str:
    """V83: ``ip-10-24-34-0.ec2.internal`` (us-east-1) / ``ip-...REGION.compute.internal``."""
    return f"ip-{ip.replace('.', '-')}.{default_domain(region)}."


def public_domain(region: str) -> str:
    return "compute-1.amazonaws.com" if region == "us-east-1" else f"{region}.compute.amazonaws.com"


def public_hostname(ip: str, region: str) -> str:
    """V84: ``ec2-198-51-100-10.compute-1.amazonaws.com`` (us-east-1) /
    ``ec2-...REGION.compute.amazonaws.com``."""
    return f"ec2-{ip.replace('.', '-')}.{public_domain(region)}."


def reverse_pointer(ip: str) -> str:
    return ipaddress.ip_address(ip).reverse_pointer + "."


def reverse_zone(ip: str) -> str:
    """The /16 reverse zone holding an IPv4 address (a VPC CIDR is at most a /16, V1)."""
    a, b, _c, _d = ip.split(".")
    return f"{b}.{a}.in-addr.arpa."


def hostnames_active(vpc: Vpc) -> bool:
    """V82: Amazon-provided names resolve only with both DNS attributes on."""
    return vpc.enable_dns_support and vpc.enable_dns_hostnames


def private_zones_active(vpc: Vpc) -> bool:
    """R88: private hosted zones need enableDnsHostnames and enableDnsSupport on the VPC."""
    return vpc.enable_dns_support and vpc.enable_dns_hostnames


def resolver_addresses(vpc: Vpc, base2: str) -> tuple[str, ...]:
    """Where the VPC's resolver answers (V80): base + 2, 169.254.169.253 and, in a VPC with
    IPv6, fd00:ec2::253."""
    out = (base2, AMAZON_DNS_V4)
    return out + ((AMAZON_DNS_V6,) if vpc.ipv6_cidr_blocks else ())


# --- model values -----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class DhcpOptions:
    """A DHCP options set (``name`` None: inline in a VPC, or AWS's default set)."""

    domain_name: str
    domain_name_servers: tuple[str, ...] = (AMAZON_PROVIDED_DNS,)
    ntp_servers: tuple[str, ...] = ()
    netbios_name_servers: tuple[str, ...] = ()
    netbios_node_type: int | None = None
    name: str | None = None

    def name_servers(self, base2: str) -> tuple[str, ...]:
        """The addresses a node's resolv.conf lists: AmazonProvidedDNS is the VPC's base + 2."""
        return tuple(base2 if s == AMAZON_PROVIDED_DNS else s for s in self.domain_name_servers)

    def resolv_conf(self, base2: str) -> str:
        lines = [f"search {self.domain_name}"] if self.domain_name else []
        lines += [f"nameserver {s}" for s in self.name_servers(base2)]
        return "\n".join(lines) + "\n"

    def describe(self) -> dict[str, Any]:
        return {"name": self.name, "domain_name": self.domain_name,
                "domain_name_servers": list(self.domain_name_servers),
                "ntp_servers": list(self.ntp_servers),
                "netbios_name_servers": list(self.netbios_name_servers),
                "netbios_node_type": self.netbios_node_type}


def default_options(region: str) -> DhcpOptions:
    return DhcpOptions(default_domain(region))


@dataclass(frozen=True, slots=True)
class EndpointAddress:
    subnet: str
    ip: str
    eni: str          # the instance name the ENI has in the model (rslvr-NAME-N)


@dataclass(frozen=True, slots=True)
class ResolverEndpoint:
    name: str
    vpc: str
    direction: str                       # INBOUND | OUTBOUND
    addresses: tuple[EndpointAddress, ...]
    security_groups: tuple[str, ...] = ("default",)


@dataclass(frozen=True, slots=True)
class ResolverTarget:
    ip: str
    port: int = 53


@dataclass(frozen=True, slots=True)
class ResolverRule:
    name: str
    domain_name: str                     # absolute, lower case ("." for the root)
    rule_type: str                       # FORWARD | SYSTEM
    targets: tuple[ResolverTarget, ...] = ()
    endpoint: str | None = None
    vpcs: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class DnsConfig:
    """The DNS parts of a topology: options sets per VPC, Resolver rules and endpoints."""

    options: tuple[tuple[str, DhcpOptions], ...] = ()   # (vpc, options) for VPCs that set one
    rules: tuple[ResolverRule, ...] = ()
    endpoints: tuple[ResolverEndpoint, ...] = ()
    dns_peerings: tuple[str, ...] = ()   # peerings with DNS resolution from the remote VPC (V61)

    def peers_resolving(self, topology: Topology, vpc: Vpc) -> tuple[Vpc, ...]:
        """V61: the VPCs whose EC2 names ``vpc`` resolves to private addresses: peered over an
        active peering with DNS resolution on, and both VPCs with both DNS attributes on."""
        if not hostnames_active(vpc):
            return ()
        out = []
        for pc in topology.peerings:
            if pc.name not in self.dns_peerings or pc.status != "active" \
                    or vpc.name not in (pc.requester, pc.accepter):
                continue
            other = topology.vpc(pc.accepter if vpc.name == pc.requester else pc.requester)
            if hostnames_active(other):
                out.append(other)
        return tuple(out)

    def options_for(self, vpc: Vpc) -> DhcpOptions:
        for name, opts in self.options:
            if name == vpc.name:
                return opts
        return default_options(vpc.region)

    def endpoint(self, name: str) -> ResolverEndpoint | None:
        return next((e for e in self.endpoints if e.name == name), None)


# --- Resolver rule precedence (R92, R93) --------------------------------------------------------

FORWARD, SYSTEM, AUTO = "FORWARD", "SYSTEM", "AUTODEFINED"
# R93: the locally served names (RFC 6303) Resolver answers itself even under a custom "." rule.
RFC6303 = ("localhost.", "localdomain.", "127.in-addr.arpa.", "0.in-addr.arpa.",
           "10.in-addr.arpa.", "168.192.in-addr.arpa.", "254.169.in-addr.arpa.",
           "255.255.255.255.in-addr.arpa.",
           *(f"{n}.172.in-addr.arpa." for n in range(16, 32)),
           "0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.ip6.arpa.",
           "1.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.ip6.arpa.")


def autodefined(region: str) -> tuple[str, ...]:
    """R93: the domains of Resolver's autodefined rules that do not depend on the zones: the
    EC2 names' domains and the RFC 6303 locally served names."""
    return (default_domain(region) + ".",) + RFC6303


@dataclass(frozen=True, slots=True)
class RuleTable:
    """One VPC's rules, by domain: ``lookup(name)`` gives the rule that decides (R92: the most
    specific domain wins; for the same domain a custom rule beats an autodefined one, R93)."""

    by_domain: Mapping[str, tuple[str, ResolverRule | None]] = field(default_factory=dict)

    def lookup(self, name: str) -> tuple[str, ResolverRule | None]:
        """(kind, rule) for an absolute lower-case name; (AUTO, None) is the "." Internet
        Resolver rule."""
        table = self.by_domain
        labels = name.rstrip(".").split(".") if name != "." else []
        for i in range(len(labels)):
            found = table.get(".".join(labels[i:]) + ".")
            if found is not None:
                return found
        return table.get(".", (AUTO, None))


def rule_table(vpc: str, rules: Iterable[ResolverRule], autodefined: Iterable[str]) -> RuleTable:
    """The rules associated with ``vpc`` plus the autodefined domains (private zones of the VPC,
    the EC2 names, reverse zones): a custom rule for a domain replaces its autodefined rule; a
    custom "." rule never overrides the autodefined ones (they are more specific)."""
    table: dict[str, tuple[str, ResolverRule | None]] = {d: (AUTO, None) for d in autodefined}
    for rule in rules:
        if vpc in rule.vpcs:
            table[rule.domain_name] = (rule.rule_type, rule)
    return RuleTable(table)


# --- reading the topology file (called by vpc.load) ----------------------------------------------

DHCP_KEYS = ("name", "domain_name", "domain_name_servers", "ntp_servers",
             "netbios_name_servers", "netbios_node_type")
ENDPOINT_KEYS = ("name", "vpc", "direction", "security_groups", "ip_addresses")
RULE_KEYS = ("name", "domain_name", "rule_type", "target_ips", "resolver_endpoint", "vpcs")
TOP_KEYS = ("dhcp_options_sets", "resolver_rules", "resolver_endpoints")


@dataclass
class Parts:
    """What ``read`` found, before the model is built: raw per-VPC options and the rest."""

    sets: dict[str, DhcpOptions] = field(default_factory=dict)
    per_vpc: dict[str, DhcpOptions] = field(default_factory=dict)
    rules: list[ResolverRule] = field(default_factory=list)
    dns_peerings: list[str] = field(default_factory=list)
    endpoints: list[tuple[str, str, str, tuple[str, ...], list[tuple[str, str | None]]]] = \
        field(default_factory=list)


def _ips(value: Any, path: str, report: Report, family: int | None = 4) -> list[str] | None:
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        report.add(path, "InvalidParameterValue", f"{path.rsplit('.', 1)[-1]} must be a list of "
                   "IP addresses")
        return None
    out = []
    for v in value:
        try:
            addr = ipaddress.ip_address(v)
        except ValueError:
            report.add(path, "InvalidParameterValue", f"Value ({v}) for parameter "
                       f"{path.rsplit('.', 1)[-1]} is invalid. It is not an IP address.")
            return None
        if family is not None and addr.version != family:
            report.add(path, "InvalidParameterValue", f"Value ({v}) for parameter "
                       f"{path.rsplit('.', 1)[-1]} is invalid. It must be an IPv{family} address.")
            return None
        out.append(str(addr))
    return out


def _options(raw: Any, path: str, region: str, report: Report, named: bool) -> DhcpOptions | None:
    """One DHCP options set, with CreateDhcpOptions' rules (every field checked, every problem
    reported, in the order of the fields)."""
    if not isinstance(raw, dict):
        report.add(path, "InvalidParameterValue", "a DHCP options set must be a mapping")
        return None
    allowed = DHCP_KEYS if named else DHCP_KEYS[1:]
    unknown = sorted(set(raw) - set(allowed))
    if unknown:
        report.add(path, "UnknownParameter", f"unknown key(s) {', '.join(map(str, unknown))}; "
                   f"allowed: {', '.join(allowed)}")
        return None
    domain = _dhcp_domain(raw.get("domain_name", default_domain(region)), path, report)
    servers = _dhcp_servers(raw.get("domain_name_servers", [AMAZON_PROVIDED_DNS]), path, report)
    ntp = _dhcp_ntp(raw.get("ntp_servers", []), path, report)
    netbios = _dhcp_netbios(raw.get("netbios_name_servers", []), path, report)
    node_type = raw.get("netbios_node_type")
    node_type_ok = _dhcp_node_type(node_type, path, report)
    if domain is None or servers is None or ntp is None or netbios is None or not node_type_ok:
        return None
    return DhcpOptions(domain, tuple(servers), tuple(ntp), tuple(netbios), node_type,
                       str(raw["name"]) if named and "name" in raw else None)


def _dhcp_domain(domain: Any, path: str, report: Report) -> str | None:
    if not isinstance(domain, str) or not domain.strip() or len(domain) > 255:
        report.add(f"{path}.domain_name", "InvalidParameterValue",
                   f"Value ({domain}) for parameter domain-name is invalid.")
        return None
    return domain.strip().lower().rstrip(".")


def _dhcp_servers(servers_raw: Any, path: str, report: Report) -> list[str] | None:
    where = f"{path}.domain_name_servers"
    if isinstance(servers_raw, str):
        servers_raw = [s.strip() for s in servers_raw.split(",")]
    if not isinstance(servers_raw, list) or not servers_raw:
        report.add(where, "InvalidParameterValue",
                   "domain-name-servers must be AmazonProvidedDNS or a list of IP addresses")
        return None
    ok = True
    servers: list[str] = []
    for s in servers_raw:
        if s == AMAZON_PROVIDED_DNS:
            servers.append(s)
            continue
        got = _ips([s], where, report, None)
        if got is None:
            ok = False
        else:
            servers += got
    if len(servers) > MAX_NAME_SERVERS:
        report.add(where, "InvalidParameterValue",
                   f"Value ({', '.join(servers)}) for parameter domain-name-servers is "
                   f"invalid. You can specify up to {MAX_NAME_SERVERS} DNS servers.")
        ok = False
    if len(set(servers)) != len(servers):
        report.add(where, "InvalidParameterValue",
                   "domain-name-servers lists the same server twice")
        ok = False
    return servers if ok else None


def _dhcp_ntp(raw: Any, path: str, report: Report) -> list[str] | None:
    ntp = _ips(raw, f"{path}.ntp_servers", report, None)
    if ntp is None:
        return None
    if sum(":" not in a for a in ntp) > MAX_NTP_V4 or sum(":" in a for a in ntp) > MAX_NTP_V6:
        report.add(f"{path}.ntp_servers", "InvalidParameterValue",
                   "You can specify up to eight NTP servers: four IPv4 and four IPv6 addresses.")
        return None
    return ntp


def _dhcp_netbios(raw: Any, path: str, report: Report) -> list[str] | None:
    netbios = _ips(raw, f"{path}.netbios_name_servers", report)
    if netbios is None:
        return None
    if len(netbios) > MAX_NETBIOS:
        report.add(f"{path}.netbios_name_servers", "InvalidParameterValue",
                   f"You can specify up to {MAX_NETBIOS} NetBIOS name servers.")
        return None
    return netbios


def _dhcp_node_type(node_type: Any, path: str, report: Report) -> bool:
    if node_type is not None and (isinstance(node_type, bool)
                                  or node_type not in NETBIOS_NODE_TYPES):
        report.add(f"{path}.netbios_node_type", "InvalidParameterValue",
                   f"Value ({node_type}) for parameter netbios-node-type is invalid. "
                   "Valid values: 1, 2, 4, 8.")
        return False
    return True


def _domain(value: Any) -> str | None:
    if not isinstance(value, str) or not value.strip():
        return None
    text = value.strip().lower()
    if text == ".":
        return "."
    text = text.rstrip(".") + "."
    labels = text[:-1].split(".")
    if any(not label or len(label) > 63 for label in labels) or len(text) > 255:
        return None
    return text


def read(data: Any, report: Report) -> Parts:
    """The DNS keys of a parsed topology file (shape and CreateDhcpOptions /
    CreateResolverRule / CreateResolverEndpoint rules that need no other item)."""
    parts = Parts()
    if not isinstance(data, dict):
        return parts
    region = data.get("region", "us-east-1")
    region = region if isinstance(region, str) else "us-east-1"
    _read_sets(data, region, parts, report)
    _read_vpc_options(data, region, parts, report)
    _read_peerings(data, parts, report)
    for i, raw in enumerate(_list(data.get("resolver_endpoints"), "resolver_endpoints", report)):
        _endpoint(raw, i, parts, report)
    for i, raw in enumerate(_list(data.get("resolver_rules"), "resolver_rules", report)):
        _rule(raw, i, parts, report)
    return parts


def _read_sets(data: dict[str, Any], region: str, parts: Parts, report: Report) -> None:
    """``dhcp_options_sets``: named sets, each with CreateDhcpOptions' rules."""
    for i, raw in enumerate(_list(data.get("dhcp_options_sets"), "dhcp_options_sets", report)):
        name = raw.get("name") if isinstance(raw, dict) else None
        path = f"dhcp_options_sets[{name if isinstance(name, str) else i}]"
        if not isinstance(name, str) or not name:
            report.add(path, "MissingParameter", "a DHCP options set needs a name")
            continue
        if name in parts.sets:
            report.add(path, "InvalidParameterValue", f"DHCP options set {name} is declared twice")
            continue
        opts = _options(raw, path, region, report, named=True)
        if opts is not None:
            parts.sets[name] = opts


def _read_vpc_options(data: dict[str, Any], region: str, parts: Parts, report: Report) -> None:
    """Each VPC's ``dhcp_options``: the name of a set, or a set of its own."""
    vpcs = data.get("vpcs")
    for vraw in vpcs if isinstance(vpcs, list) else []:
        if not isinstance(vraw, dict) or "dhcp_options" not in vraw:
            continue
        vname = vraw.get("name")
        vregion = vraw.get("region", region)
        path = f"vpcs[{vname}].dhcp_options"
        ref = vraw["dhcp_options"]
        if isinstance(ref, str):
            found = parts.sets.get(ref)
            if found is None:
                report.add(path, "InvalidDhcpOptionID.NotFound",
                           f"The dhcpOption ID '{ref}' does not exist", ref=ref)
            else:
                parts.per_vpc[str(vname)] = found
        else:
            opts = _options(ref, path, vregion if isinstance(vregion, str) else region, report,
                            named=False)
            if opts is not None:
                parts.per_vpc[str(vname)] = opts


def _read_peerings(data: dict[str, Any], parts: Parts, report: Report) -> None:
    """Each peering's ``allow_dns_resolution``."""
    peerings = data.get("peerings")
    for pc in peerings if isinstance(peerings, list) else []:
        if isinstance(pc, dict) and "allow_dns_resolution" in pc:
            flag = pc["allow_dns_resolution"]
            if not isinstance(flag, bool):
                report.add(f"peerings[{pc.get('name')}].allow_dns_resolution",
                           "InvalidParameterValue", "allow_dns_resolution must be true or false")
            elif flag and isinstance(pc.get("name"), str):
                parts.dns_peerings.append(pc["name"])


def _list(value: Any, path: str, report: Report) -> list[Any]:
    if value is None:
        return []
    if not isinstance(value, list):
        report.add(path, "InvalidParameterValue", f"{path} must be a list")
        return []
    return value


def _endpoint(raw: Any, i: int, parts: Parts, report: Report) -> None:
    name = raw.get("name") if isinstance(raw, dict) else None
    path = f"resolver_endpoints[{name if isinstance(name, str) else i}]"
    if not isinstance(raw, dict) or not isinstance(name, str) or not name:
        report.add(path, "InvalidParameterException", "a resolver endpoint needs a name")
        return
    unknown = sorted(set(raw) - set(ENDPOINT_KEYS))
    if unknown:
        report.add(path, "InvalidParameterException", f"unknown key(s) {', '.join(unknown)}; "
                   f"allowed: {', '.join(ENDPOINT_KEYS)}")
        return
    direction = raw.get("direction")
    if direction not in DIRECTIONS:
        report.add(f"{path}.direction", "InvalidParameterException",
                   f"Direction must be one of {', '.join(DIRECTIONS)}")
        return
    vpc = raw.get("vpc")
    if not isinstance(vpc, str):
        report.add(f"{path}.vpc", "InvalidParameterException", "a resolver endpoint needs a vpc")
        return
    ips = raw.get("ip_addresses")
    if not isinstance(ips, list) or not ENDPOINT_MIN_IPS <= len(ips) <= ENDPOINT_MAX_IPS:
        report.add(f"{path}.ip_addresses", "InvalidParameterException",
                   f"IpAddresses: a resolver endpoint needs between {ENDPOINT_MIN_IPS} and "
                   f"{ENDPOINT_MAX_IPS} IP addresses (R94)")
        return
    addresses: list[tuple[str, str | None]] = []
    for j, a in enumerate(ips):
        if not isinstance(a, dict) or not isinstance(a.get("subnet"), str) \
                or set(a) - {"subnet", "ip"}:
            report.add(f"{path}.ip_addresses[{j}]", "InvalidParameterException",
                       "each IP address is {subnet, ip?}")
            return
        addresses.append((a["subnet"], a.get("ip")))
    groups = raw.get("security_groups", ["default"])
    if not isinstance(groups, list) or not all(isinstance(g, str) for g in groups):
        report.add(f"{path}.security_groups", "InvalidParameterException",
                   "security_groups must be a list of names")
        return
    if any(e[0] == name for e in parts.endpoints):
        report.add(path, "ResourceExistsException", f"resolver endpoint {name} is declared twice")
        return
    parts.endpoints.append((name, vpc, direction, tuple(groups), addresses))


def _rule_head(raw: Any, i: int, report: Report) -> tuple[str, str, str, str] | None:
    """A rule's name, item path, domain and type; None (reported) when one is bad."""
    name = raw.get("name") if isinstance(raw, dict) else None
    path = f"resolver_rules[{name if isinstance(name, str) else i}]"
    if not isinstance(raw, dict) or not isinstance(name, str) or not name:
        report.add(path, "InvalidParameterException", "a resolver rule needs a name")
        return None
    unknown = sorted(set(raw) - set(RULE_KEYS))
    if unknown:
        report.add(path, "InvalidParameterException", f"unknown key(s) {', '.join(unknown)}; "
                   f"allowed: {', '.join(RULE_KEYS)}")
        return None
    domain = _domain(raw.get("domain_name"))
    if domain is None:
        report.add(f"{path}.domain_name", "InvalidParameterException",
                   f"DomainName {raw.get('domain_name')!r} is not a valid domain name")
        return None
    rule_type = raw.get("rule_type")
    if rule_type not in RULE_TYPES:
        report.add(f"{path}.rule_type", "InvalidParameterException",
                   f"RuleType must be one of {', '.join(RULE_TYPES)} (RECURSIVE rules are "
                   "Resolver's own)")
        return None
    return name, path, domain, str(rule_type)


def _rule(raw: Any, i: int, parts: Parts, report: Report) -> None:
    head = _rule_head(raw, i, report)
    if head is None:
        return
    name, path, domain, rule_type = head
    targets = _rule_targets(raw.get("target_ips"), path, report)
    if targets is None:
        return
    endpoint = raw.get("resolver_endpoint")
    if rule_type == "FORWARD" and (not targets or not isinstance(endpoint, str)):
        report.add(path, "InvalidRequestException",
                   "A FORWARD rule needs target_ips and an outbound resolver_endpoint")
        return
    if rule_type == "SYSTEM" and (targets or endpoint is not None):
        report.add(path, "InvalidRequestException",
                   "A SYSTEM rule has no target_ips and no resolver_endpoint")
        return
    vpcs = raw.get("vpcs", [])
    if not isinstance(vpcs, list) or not all(isinstance(v, str) for v in vpcs):
        report.add(f"{path}.vpcs", "InvalidParameterException", "vpcs must be a list of VPC names")
        return
    if any(r.name == name for r in parts.rules):
        report.add(path, "ResourceExistsException", f"resolver rule {name} is declared twice")
        return
    parts.rules.append(ResolverRule(name, domain, rule_type, tuple(targets),
                                    endpoint if isinstance(endpoint, str) else None, tuple(vpcs)))


def _rule_targets(raw: Any, path: str, report: Report) -> list[ResolverTarget] | None:
    """A rule's ``target_ips``; None (reported) at the first bad one."""
    targets: list[ResolverTarget] = []
    for j, t in enumerate(_list(raw, f"{path}.target_ips", report)):
        ip, port = (t.get("ip"), t.get("port", 53)) if isinstance(t, dict) else (None, None)
        try:
            ip = str(ipaddress.ip_address(ip))  # type: ignore[arg-type]
        except ValueError:
            ip = None
        if ip is None or isinstance(port, bool) or not isinstance(port, int) \
                or not 1 <= port <= 65535:
            report.add(f"{path}.target_ips[{j}]", "InvalidParameterException",
                       "each target is {ip, port?} with a valid IP address and port 1-65535")
            return None
        targets.append(ResolverTarget(ip, port))
    return targets


def endpoint_eni(endpoint: str, index: int) -> str:
    return f"{ENDPOINT_PREFIX}{endpoint}-{index + 1}"


def check(parts: Parts, vpcs: Mapping[str, Any], report: Report) -> None:
    """Rules that need the VPCs: references to VPCs, subnets, endpoints; one rule per domain
    per VPC (ResourceExistsException, as AssociateResolverRule refuses)."""
    for vname in parts.per_vpc:
        if vname not in vpcs:
            report.add(f"vpcs[{vname}].dhcp_options", "InvalidVpcID.NotFound",
                       f"The vpc ID '{vname}' does not exist")
    eps = {}
    for name, vpc, direction, _groups, addresses in parts.endpoints:
        path = f"resolver_endpoints[{name}]"
        eps[name] = (vpc, direction)
        v = vpcs.get(vpc)
        if v is None:
            report.add(f"{path}.vpc", "InvalidParameterException",
                       f"The vpc ID '{vpc}' does not exist", ref=vpc)
            continue
        subnets = {s.name for s in v.subnets}
        for j, (sn, _ip) in enumerate(addresses):
            if sn not in subnets:
                report.add(f"{path}.ip_addresses[{j}].subnet", "InvalidSubnet",
                           f"The subnet ID '{sn}' does not exist in vpc {vpc}", ref=sn)
    seen: dict[tuple[str, str], str] = {}
    for r in parts.rules:
        path = f"resolver_rules[{r.name}]"
        if r.endpoint is not None:
            ep = eps.get(r.endpoint)
            if ep is None:
                report.add(f"{path}.resolver_endpoint", "ResourceNotFoundException",
                           f"Resolver endpoint {r.endpoint} does not exist", ref=r.endpoint)
            elif ep[1] != "OUTBOUND":
                report.add(f"{path}.resolver_endpoint", "InvalidRequestException",
                           f"Resolver endpoint {r.endpoint} is not an OUTBOUND endpoint")
        for v in r.vpcs:
            if v not in vpcs:
                report.add(f"{path}.vpcs", "InvalidParameterException",
                           f"The vpc ID '{v}' does not exist", ref=v)
                continue
            key = (v, r.domain_name)
            if key in seen:
                report.add(f"{path}.vpcs", "ResourceExistsException",
                           f"VPC {v} is already associated with rule {seen[key]} for "
                           f"{r.domain_name}")
            seen[key] = r.name


def endpoint_instances(parts: Parts) -> dict[str, list[dict[str, Any]]]:
    """The topology-file instance items that stand for the endpoints' ENIs, per VPC (so the
    loader allocates their addresses, checks their subnets and SGs, and the data plane realises
    them like any ENI)."""
    out: dict[str, list[dict[str, Any]]] = {}
    for name, vpc, _direction, groups, addresses in parts.endpoints:
        for j, (subnet, ip) in enumerate(addresses):
            item: dict[str, Any] = {"name": endpoint_eni(name, j), "subnet": subnet,
                                    "security_groups": list(groups)}
            if ip is not None:
                item["private_ip"] = ip
            out.setdefault(vpc, []).append(item)
    return out


def attach(topology: Topology, parts: Parts) -> Topology:
    """The loaded topology with its DNS configuration (endpoint ENIs already in the VPCs)."""
    by_vpc = {v.name: v for v in topology.vpcs}
    endpoints = []
    for name, vpc, direction, groups, addresses in parts.endpoints:
        v = by_vpc[vpc]
        insts = {i.name: i for i in v.instances}
        endpoints.append(ResolverEndpoint(
            name, vpc, direction,
            tuple(EndpointAddress(sn, insts[endpoint_eni(name, j)].private_ip,
                                  endpoint_eni(name, j)) for j, (sn, _ip) in enumerate(addresses)),
            groups))
    config = DnsConfig(tuple(sorted(parts.per_vpc.items())), tuple(parts.rules), tuple(endpoints),
                       tuple(parts.dns_peerings))
    return replace(topology, dns=config)
