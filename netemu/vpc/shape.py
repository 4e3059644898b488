"""Pass 1 of the topology loader: the file's shape (keys, types, CIDRs canonicalised, V2) ->
drafts (``draft.py``), reporting every problem. The file format is documented in ``load.py``.

Name: shape
Behaviour: strict: an unknown key is ``UnknownParameter``, a missing required key
  ``MissingParameter``, a value of the wrong type ``InvalidParameterValue``; each problem names
  the item path (``vpcs[app].subnets[app-public].cidr``). An item whose own fields are refused
  is left out of the drafts (its name goes to ``Report.broken`` so that "not found" problems
  about it are not reported twice); the rest of the file is still read.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from netemu.vpc import addressing
from netemu.vpc import dns as vpc_dns
from netemu.vpc import elastic_ips as vpc_eips
from netemu.vpc import firewall as vpc_firewall
from netemu.vpc.draft import (
    DCidr,
    DGateway,
    DHost,
    DInstance,
    DNacl,
    DNaclRule,
    DNat,
    DPeering,
    DRoute,
    DRouteTable,
    DSecurityGroup,
    DSgRule,
    DSubnet,
    DTgw,
    DTgwAttachment,
    DTgwRoute,
    DTgwRouteTable,
    DTopology,
    DVpc,
    Report,
)
from netemu.vpc.model import PROTOCOL_NUMBERS, IcmpMatch, PortRange, RouteTarget
from netemu.vpc.packets import ICMP_PROTOCOLS, PORT_PROTOCOLS
from netemu.vpc.quotas import QUOTAS

__all__ = ["KEYS", "Reader"]

# The keys of each item of a topology file: (required, optional). topologies/schema.json
# describes the same (a test keeps the two in step).
KEYS: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "topology": (("vpcs",), ("region", "account_id", "peerings", "internet", "transit_gateways",
                             "quotas", "aws_ids", "load_balancers", "target_groups", "aws_services",
                             "route53_health_checkers", "prefix_lists", "vpc_endpoints",
                             "on_premises", "vpn_gateways", "vpn_connections",  # vpn.py
                             *vpc_dns.TOP_KEYS, *vpc_firewall.TOP_KEYS,
                             *vpc_eips.TOP_KEYS)),
    "route53_health_checkers": ((), ("cidr", "regions")),
    "internet": ((), ("hosts",)),
    "host": (("name", "ip"), ()),
    "vpc": (("name", "cidr_blocks"), (
        "default", "region", "ipv6_cidr_blocks", "enable_dns_support", "enable_dns_hostnames",
        "internet_gateway", "egress_only_internet_gateway", "subnets", "route_tables",
        "nat_gateways", "network_acls", "security_groups", "instances", "dhcp_options")),
    "gateway": ((), ("name", "state")),
    "subnet": (("name", "cidr"), ("az", "ipv6_cidr", "route_table", "network_acl",
                                  "map_public_ip_on_launch", "default_for_az")),
    "route_table": (("name",), ("main", "routes", "edge_associations",
                                "propagating_vgws")),  # vpn.py reads propagating_vgws
    # on-premises sites over Site-to-Site VPN (netemu/vpc/vpn.py)
    "on_premises_site": (("name", "cidrs", "customer_gateway"), ("hosts",)),
    "vpn_gateway": (("name", "vpc"), ()),
    "vpn_connection": (("name", "site"), ("vpn_gateway", "transit_gateway", "routing",
                                          "static_routes", "status", "association",
                                          "propagations")),
    "route": (("target",), ("destination", "destination_prefix_list")),
    "network_acl": (("name",), ("inbound", "outbound")),
    "nacl_rule": (("rule", "protocol", "cidr", "action"), ("ports", "icmp")),
    "icmp": ((), ("type", "code")),
    "security_group": (("name",), ("description", "ingress", "egress")),
    "source_rule": (("protocol",), ("ports", "cidr", "source_group", "icmp", "description",
                                    "prefix_list")),
    "destination_rule": (("protocol",), ("ports", "cidr", "destination_group", "icmp",
                                         "description", "prefix_list")),
    # prefix lists and gateway endpoints (netemu/vpc/prefix_lists.py, gateway_endpoints.py)
    "prefix_list": (("name", "max_entries"), ("id", "entries", "address_family")),
    "vpc_endpoint": (("name", "vpc", "service"), ("type", "route_tables", "policy",
                                                  # interface endpoints (interface_endpoints.py)
                                                  "subnets", "security_groups",
                                                  "private_dns_enabled")),
    "group_ref": (("vpc", "name"), ()),
    "nat_gateway": (("name", "subnet"), ("private_ip", "public_ip", "connectivity", "state")),
    "instance": (("name", "subnet"), ("private_ip", "public_ip", "ipv6_address",
                                      "security_groups", "source_dest_check", "state",
                                      "associate_public_ip_address",
                                      "secondary_private_ips", "network_interfaces")),
    "network_interface": (("name", "subnet"), ("device_index", "private_ip", "security_groups",
                                               "source_dest_check", "secondary_private_ips")),
    "peering": (("name", "requester", "accepter"), ("status", "allow_dns_resolution")),
    "transit_gateway": (("name",), ("route_tables", "attachments")),
    "tgw_route_table": (("name",), ("routes",)),
    "tgw_route": (("destination",), ("attachment", "blackhole")),
    "tgw_attachment": (("name", "vpc", "subnets"), (
        "association", "propagations", "appliance_mode", "security_group_referencing")),
    # a peering attachment (tgw_peering.py reads it): ``propagations`` only to refuse it (V176)
    "tgw_peering_attachment": (("name", "peer"), ("association", "state", "propagations")),
    "tgw_peer": (("transit_gateway",), ("region",)),
    # DNS (netemu/vpc/dns.py reads these)
    "dhcp_options": ((), vpc_dns.DHCP_KEYS[1:]),
    "dhcp_options_set": (("name",), vpc_dns.DHCP_KEYS[1:]),
    "resolver_endpoint": (("name", "vpc", "direction", "ip_addresses"), ("security_groups",)),
    "endpoint_ip": (("subnet",), ("ip",)),
    "resolver_rule": (("name", "domain_name", "rule_type"),
                      ("target_ips", "resolver_endpoint", "vpcs")),
    "target_ip": (("ip",), ("port",)),
    # Elastic Load Balancing (netemu/vpc/elb.py reads these)
    "load_balancer": (("name", "vpc"), ("type", "scheme", "subnets", "security_groups",
                                        "listeners")),
    "listener": (("port", "target_group"), ("protocol",)),
    "target_group": (("name", "vpc", "port"), ("protocol", "target_type", "targets",
                                               "health_check")),
    "lb_target": (("id",), ("port",)),
    "aws_service": (("service", "host"), ("region", "name")),
    "lb_health_check": ((), ("protocol", "port", "path", "interval", "timeout",
                             "healthy_threshold", "unhealthy_threshold", "matcher")),
    # DNS Firewall (netemu/vpc/firewall.py reads these)
    "dns_firewall": ((), vpc_firewall.FIREWALL_KEYS),
    "firewall_domain_list": (("name",), ("domains", "file")),
    "firewall_rule_group": (("name",), ("rules",)),
    "firewall_rule": (("name", "priority", "domain_list", "action"),
                      vpc_firewall.RULE_KEYS[4:]),
    "firewall_rule_group_association": (vpc_firewall.ASSOCIATION_KEYS, ()),
    "firewall_config": (vpc_firewall.CONFIG_KEYS, ()),
}
DEFAULT_VPC_CIDR = "172.31.0.0/16"  # V17
DEFAULT_AZS = ("a", "b", "c")  # netemu: three default subnets (AWS: one per AZ of the Region)
NAMED_TARGETS = ("nat_gateway", "peering", "instance", "transit_gateway")




def _type_name(value: object) -> str:
    return {dict: "a mapping", list: "a list", str: "a string", bool: "a boolean",
            int: "a number", float: "a number", type(None): "empty"}.get(
                type(value), type(value).__name__)


class Reader:
    """Pass 1: reads a parsed topology into drafts, reporting every shape problem.

    The field readers (``text``, ``boolean``, ``integer``, ``ports``, ``icmp``, ``opt_ref``)
    report a refused value and set ``failed``; an item method clears ``failed`` before its
    fields and refuses the item (returns None) when one of them failed. Other problems
    (unknown keys, bad CIDRs in lists) are reported without refusing the item, so that
    validation still finds more problems in it.
    """

    def __init__(self, report: Report) -> None:
        self.r = report
        self.failed = False

    def _refuse(self, path: str, message: str) -> None:
        self.r.add(path, "InvalidParameterValue", message)
        self.failed = True

    # generic shapes
    def mapping(self, value: Any, path: str, required: tuple[str, ...],
                optional: tuple[str, ...]) -> dict[str, Any] | None:
        if not isinstance(value, Mapping):
            self.r.add(path, "InvalidParameterValue",
                       f"expected a mapping, got {_type_name(value)}")
            return None
        ok = True
        for key in value:  # reported; the known keys are still read, to find more problems
            if key not in required and key not in optional:
                allowed = ", ".join(required + optional)
                self.r.add(f"{path}.{key}" if path else str(key), "UnknownParameter",
                           f"unknown key {key!r} (allowed: {allowed})")
        for key in required:
            if key not in value or value[key] is None:
                self.r.add(f"{path}.{key}" if path else key, "MissingParameter",
                           f"The request must contain the parameter {key}")
                ok = False
        return dict(value) if ok else None

    def text(self, value: Any, path: str) -> str:
        if isinstance(value, str) and value.strip():
            return value
        self._refuse(path, f"expected a non-empty string, got {_type_name(value)}")
        return ""

    def boolean(self, value: Any, path: str) -> bool:
        if isinstance(value, bool):
            return value
        self._refuse(path, f"expected true or false, got {value!r}")
        return False

    def opt_boolean(self, m: dict[str, Any], key: str, path: str) -> bool | None:
        """An optional boolean: None when the file does not say."""
        return None if m.get(key) is None else self.boolean(m[key], f"{path}.{key}")

    def integer(self, value: Any, path: str) -> int:
        if isinstance(value, int) and not isinstance(value, bool):
            return value
        if isinstance(value, str) and value.strip().lstrip("-").isdigit():
            return int(value)
        self._refuse(path, f"expected a number, got {value!r}")
        return 0

    def seq(self, value: Any, path: str) -> list[Any]:
        if value is None:
            return []
        if isinstance(value, list):
            return value
        self.r.add(path, "InvalidParameterValue", f"expected a list, got {_type_name(value)}")
        return []

    def cidr(self, value: Any, path: str, code: str = "InvalidParameterValue") -> str | None:
        if isinstance(value, str):
            try:
                return addressing.canonical_cidr(value)
            except ValueError:
                pass
            if value.startswith("pl-"):  # V28
                self.r.add(path, code, f"{value}: prefix-list destinations are not supported; "
                           "gateway-endpoint routes (pl-... -> vpce-...) are added by AWS and "
                           "can't be edited (V28)")
                return None
        self.r.add(path, code, f"The CIDR '{value}' is invalid.")
        return None

    def ip(self, value: Any, path: str) -> str | None:
        try:
            return str(addressing.address(value))
        except ValueError:
            self.r.add(path, "InvalidParameterValue", f"Invalid IP address: {value!r}")
            return None

    def named_items(self, value: Any, path: str, what: str,
                    parse: Callable[[Any, str], Any]) -> list[Any]:
        """A list of mappings with a ``name``; item paths use the name, and names must be unique."""
        out: list[Any] = []
        seen: set[str] = set()
        for i, raw in enumerate(self.seq(value, f"{path}")):
            name = raw.get("name") if isinstance(raw, Mapping) else None
            label = name if isinstance(name, str) and name else str(i)
            item_path = f"{path}[{label}]"
            if isinstance(name, str) and name:
                if name in seen:
                    code = "DuplicateName" if what != "sg" else "InvalidGroup.Duplicate"
                    self.r.add(item_path, code, f"the name {name!r} is used twice in {path}")
                    continue
                seen.add(name)
            parsed = parse(raw, item_path)
            if parsed is not None:
                out.append(parsed)
            elif isinstance(name, str) and name:
                self.r.broken.add(name)
        return out

    def name_of(self, m: dict[str, Any], path: str) -> str:
        return self.text(m.get("name"), f"{path}.name")

    # the topology
    def topology(self, data: Any) -> DTopology | None:
        m = self.mapping(data, "", *KEYS["topology"])
        if m is None:
            return None
        region = self.text(m.get("region", "us-east-1"), "region") or "us-east-1"
        account = m.get("account_id", "123456789012")
        if not (isinstance(account, (str, int)) and str(account).isdigit()
                and len(str(account)) == 12):
            self.r.add("account_id", "InvalidParameterValue", "an account id is 12 digits")
            account = "123456789012"
        vpcs = self.named_items(m["vpcs"], "vpcs", "vpc", lambda v, p: self.vpc(v, p, region))
        peerings = self.named_items(m.get("peerings"), "peerings", "peering", self.peering)
        hosts: list[DHost] = []
        if "internet" in m and m["internet"] is not None:
            inet = self.mapping(m["internet"], "internet", *KEYS["internet"])
            if inet is not None:
                hosts = self.named_items(inet.get("hosts"), "internet.hosts", "host", self.host)
        tgws = self.named_items(m.get("transit_gateways"), "transit_gateways", "tgw", self.tgw)
        raised = self.quotas(m.get("quotas"))
        return DTopology(region, str(account), vpcs, peerings, hosts, tgws, raised)

    def quotas(self, value: Any) -> dict[str, int]:
        """``quotas: {NAME: VALUE}``: the quotas the file raises (quotas.py)."""
        if value is None:
            return {}
        if not isinstance(value, Mapping):
            self.r.add("quotas", "InvalidParameterValue",
                       f"expected a mapping of quota names to numbers, got {_type_name(value)}")
            return {}
        out: dict[str, int] = {}
        for key, raw in value.items():
            if key not in QUOTAS:
                self.r.add(f"quotas.{key}", "UnknownParameter",
                           f"unknown quota {key!r} (allowed: {', '.join(QUOTAS)})")
                continue
            self.failed = False
            number = self.integer(raw, f"quotas.{key}")
            if not self.failed:
                out[key] = number
        return out

    def vpc(self, raw: Any, path: str, region: str) -> DVpc | None:
        is_default = isinstance(raw, Mapping) and raw.get("default") is True
        required, optional = KEYS["vpc"]
        if is_default:  # V17: the default VPC's blocks default to 172.31.0.0/16
            required, optional = ("name",), optional + ("cidr_blocks",)
        m = self.mapping(raw, path, required, optional)
        if m is None:
            return None
        self.failed = False
        name = self.name_of(m, path)
        vregion = self.text(m.get("region", region), f"{path}.region")
        default = self.boolean(m.get("default", False), f"{path}.default")
        if default is True:  # V17: what AWS gives the default VPC, unless the file says otherwise
            m.setdefault("cidr_blocks", [DEFAULT_VPC_CIDR])
            m.setdefault("internet_gateway", True)
            m.setdefault("enable_dns_hostnames", True)
        blocks = [DCidr(c, f"{path}.cidr_blocks[{i}]")
                  for i, raw_c in enumerate(self.seq(m["cidr_blocks"], f"{path}.cidr_blocks"))
                  if (c := self.cidr(raw_c, f"{path}.cidr_blocks[{i}]", "InvalidVpc.Range"))]
        if m["cidr_blocks"] == []:
            self.r.add(f"{path}.cidr_blocks", "MissingParameter",
                       "a VPC needs a primary IPv4 CIDR block (V1)")
        v6 = [DCidr(c, f"{path}.ipv6_cidr_blocks[{i}]")
              for i, raw_c in enumerate(self.seq(m.get("ipv6_cidr_blocks"),
                                                 f"{path}.ipv6_cidr_blocks"))
              if (c := self.cidr(raw_c, f"{path}.ipv6_cidr_blocks[{i}]", "InvalidVpc.Range"))]
        dns_support = self.boolean(m.get("enable_dns_support", True), f"{path}.enable_dns_support")
        dns_hostnames = self.boolean(m.get("enable_dns_hostnames", False),
                                     f"{path}.enable_dns_hostnames")
        igws = self.gateways(m.get("internet_gateway", False), f"{path}.internet_gateway",
                             ("attached", "detached"))
        eigws = self.gateways(m.get("egress_only_internet_gateway", False),
                              f"{path}.egress_only_internet_gateway", ("attached", "deleted"))
        if self.failed:
            return None
        az_default = f"{vregion}a"
        v = DVpc(name, path, vregion, blocks, v6, dns_support, dns_hostnames, igws, eigws,
                 default=default)
        if default and m.get("subnets") is None:  # V17: a /20 default subnet per AZ
            m["subnets"] = [{"name": f"default-{vregion}{az}", "cidr": f"172.31.{16 * k}.0/20",
                             "az": f"{vregion}{az}", "default_for_az": True}
                            for k, az in enumerate(DEFAULT_AZS)]
        v.subnets = self.named_items(m.get("subnets"), f"{path}.subnets", "subnet",
                                     lambda s, p: self.subnet(s, p, az_default))
        v.route_tables = self.named_items(m.get("route_tables"), f"{path}.route_tables", "rt",
                                          self.route_table)
        v.nat_gateways = self.named_items(m.get("nat_gateways"), f"{path}.nat_gateways", "nat",
                                          self.nat)
        v.network_acls = self.named_items(m.get("network_acls"), f"{path}.network_acls", "nacl",
                                          self.nacl)
        v.security_groups = self.named_items(m.get("security_groups"),
                                             f"{path}.security_groups", "sg", self.sg)
        v.instances = self.named_items(m.get("instances"), f"{path}.instances", "instance",
                                       self.instance)
        if default and not any(rt.main for rt in v.route_tables):  # V17: main RT 0/0 -> IGW
            v.route_tables.insert(0, DRouteTable("main", f"{path}.route_tables[main]", True, [
                DRoute(f"{path}.route_tables[main].routes[0]", "0.0.0.0/0",
                       RouteTarget("internet_gateway"))]))
        return v

    def gateways(self, value: Any, path: str, states: tuple[str, ...]) -> list[DGateway]:
        items = value if isinstance(value, list) else [value]
        out: list[DGateway] = []
        for i, raw in enumerate(items):
            p = f"{path}[{i}]" if isinstance(value, list) else path
            if raw is False or raw is None:
                continue
            if raw is True:
                out.append(DGateway("attached", p))
                continue
            m = self.mapping(raw, p, *KEYS["gateway"])
            if m is None:
                continue
            state = m.get("state", "attached")
            if state not in states:
                self.r.add(f"{p}.state", "InvalidParameterValue",
                           f"state must be one of {', '.join(states)}, got {state!r}")
                continue
            out.append(DGateway(state, p))
        return out

    def subnet(self, raw: Any, path: str, az_default: str) -> DSubnet | None:
        m = self.mapping(raw, path, *KEYS["subnet"])
        if m is None:
            return None
        self.failed = False
        name = self.name_of(m, path)
        cidr = self.cidr(m["cidr"], f"{path}.cidr", "InvalidSubnet.Range")
        az = self.text(m.get("az", az_default), f"{path}.az")
        v6 = self.cidr(m["ipv6_cidr"], f"{path}.ipv6_cidr", "InvalidSubnet.Range") \
            if m.get("ipv6_cidr") is not None else None
        rt = self.opt_ref(m, "route_table", path, "exactly one route table per subnet (V18)")
        acl = self.opt_ref(m, "network_acl", path, "exactly one network ACL per subnet (V30)")
        mpip = self.opt_boolean(m, "map_public_ip_on_launch", path)
        dfa = self.boolean(m.get("default_for_az", False), f"{path}.default_for_az")
        if self.failed:
            return None
        return DSubnet(name, path, cidr, az, rt, acl, v6, mpip, dfa)

    def opt_ref(self, m: dict[str, Any], key: str, path: str, why: str) -> str | None:
        if m.get(key) is None:
            return None
        if isinstance(m[key], list):
            self._refuse(f"{path}.{key}", f"a name, not a list: {why}")
            return None
        return self.text(m[key], f"{path}.{key}")

    def route_table(self, raw: Any, path: str) -> DRouteTable | None:
        m = self.mapping(raw, path, *KEYS["route_table"])
        if m is None:
            return None
        self.failed = False
        name = self.name_of(m, path)
        main = self.boolean(m.get("main", False), f"{path}.main")
        edges = []
        for i, e in enumerate(self.seq(m.get("edge_associations"), f"{path}.edge_associations")):
            if e != "internet_gateway":
                self.r.add(f"{path}.edge_associations[{i}]", "InvalidParameterValue",
                           f"a gateway route table is associated with internet_gateway, got {e!r}")
            else:
                edges.append(e)
        if self.failed:
            return None
        rt = DRouteTable(name, path, main, edge_associations=edges)
        for i, r in enumerate(self.seq(m.get("routes"), f"{path}.routes")):
            route = self.route(r, f"{path}.routes[{i}]")
            if route is not None:
                rt.routes.append(route)
        return rt

    def route(self, raw: Any, path: str) -> DRoute | None:
        if not isinstance(raw, Mapping) or "target" not in raw:
            m = self.mapping(raw, path, ("destination", "target"), ())
            return None
        m = self.mapping(raw, path, ("destination",), ("target",))  # target: null is a value
        if m is None:
            return None
        dest = self.cidr(m["destination"], f"{path}.destination")
        target = self.target(m["target"], f"{path}.target")
        if dest is None or target is None:
            return None
        return DRoute(path, dest, target)

    def target(self, raw: Any, path: str) -> RouteTarget | None:
        if raw is None:
            return RouteTarget("none")
        if isinstance(raw, str):
            if raw in ("internet_gateway", "egress_only_internet_gateway", "local"):
                return RouteTarget(raw)
            if raw == "blackhole":
                self.r.add(path, "InvalidParameterValue",
                           "a route can't be created with a blackhole target; a route becomes a "
                           "blackhole when its target is unavailable (V26): declare the NAT "
                           "gateway with state: deleted, the instance terminated, the IGW "
                           "detached, or the peering not active")
                return None
        elif isinstance(raw, Mapping) and len(raw) == 1:
            (kind, name), = raw.items()
            if kind in NAMED_TARGETS and isinstance(name, str) and name:
                return RouteTarget(kind, name)
            if kind == "network_interface" and isinstance(name, str) and name:  # V166
                return RouteTarget("instance", name)  # an ENI is an instances entry (vpc/enis)
        self.r.add(path, "InvalidParameterValue",
                   f"unknown route target {raw!r} (internet_gateway, egress_only_internet_gateway, "
                   "local, or one of {nat_gateway|peering|instance|transit_gateway: NAME})")
        return None

    def protocol(self, value: Any, path: str) -> int | None:
        if isinstance(value, str) and value.strip().lower() in PROTOCOL_NUMBERS:
            return PROTOCOL_NUMBERS[value.strip().lower()]
        if isinstance(value, bool):
            value = "?"
        if isinstance(value, int) or (
                isinstance(value, str) and value.strip().lstrip("-").isdigit()):
            n = int(value)
            if n == -1 or 0 <= n <= 255:
                return n
        self.r.add(path, "InvalidParameterValue",
                   f"Invalid value '{value}' for IP protocol. Unknown protocol.")
        return None

    def ports(self, value: Any, protocol: int | None, path: str) -> PortRange | None:
        """None = all ports (and on error, with ``failed`` set)."""
        if value is None or value == "all":
            return None
        if protocol is not None and protocol not in PORT_PROTOCOLS:
            self._refuse(path, "ports apply to tcp and udp only (use icmp: {type, code} for ICMP)")
            return None
        first = last = None
        if isinstance(value, int) and not isinstance(value, bool):
            first = last = value
        elif isinstance(value, str):
            parts = value.split("-")
            if len(parts) in (1, 2) and all(p.strip().isdigit() for p in parts):
                first, last = int(parts[0]), int(parts[-1])
        if first is None or last is None or not (0 <= first <= last <= 65535):
            self._refuse(path, f"ports must be N, a-b (0-65535, a <= b) or all, got {value!r}")
            return None
        return PortRange(first, last)

    def icmp(self, value: Any, protocol: int | None, path: str) -> IcmpMatch | None:
        """None = any ICMP (and on error, with ``failed`` set)."""
        if value is None:
            return None
        if protocol not in ICMP_PROTOCOLS:
            self._refuse(path, "icmp type/code apply to icmp and icmpv6 only")
            return None
        m = self.mapping(value, path, *KEYS["icmp"])
        if m is None:
            self.failed = True
            return None
        failed, self.failed = self.failed, False
        t = self.integer(m.get("type", -1), f"{path}.type")
        c = self.integer(m.get("code", -1), f"{path}.code")
        if self.failed:
            return None
        self.failed = failed
        if not (-1 <= t <= 255 and -1 <= c <= 255):
            self._refuse(path, "ICMP type and code are -1 (any) or 0-255")
            return None
        return IcmpMatch(t, c)

    def nacl(self, raw: Any, path: str) -> DNacl | None:
        m = self.mapping(raw, path, *KEYS["network_acl"])
        if m is None:
            return None
        self.failed = False
        name = self.name_of(m, path)
        if self.failed:
            return None
        rules = {}
        for direction in ("inbound", "outbound"):
            rules[direction] = [
                r for i, raw_r in enumerate(self.seq(m.get(direction), f"{path}.{direction}"))
                if (r := self.nacl_rule(raw_r, f"{path}.{direction}[{i}]")) is not None
            ]
        return DNacl(name, path, rules["inbound"], rules["outbound"])

    def nacl_rule(self, raw: Any, path: str) -> DNaclRule | None:
        m = self.mapping(raw, path, *KEYS["nacl_rule"])
        if m is None:
            return None
        self.failed = False
        number = self.integer(m["rule"], f"{path}.rule")
        protocol = self.protocol(m["protocol"], f"{path}.protocol")
        cidr = self.cidr(m["cidr"], f"{path}.cidr")
        action = m["action"]
        if action not in ("allow", "deny"):
            self.r.add(f"{path}.action", "InvalidParameterValue",
                       f"Invalid value '{action}' for ruleAction: allow or deny")
            action = None
        ports = self.ports(m.get("ports"), protocol, f"{path}.ports")
        icmp = self.icmp(m.get("icmp"), protocol, f"{path}.icmp")
        if self.failed or protocol is None or cidr is None or action is None:
            return None
        return DNaclRule(path, number, protocol, cidr, action, ports, icmp)

    def sg(self, raw: Any, path: str) -> DSecurityGroup | None:
        m = self.mapping(raw, path, *KEYS["security_group"])
        if m is None:
            return None
        self.failed = False
        name = self.name_of(m, path)
        if self.failed:
            return None
        ingress = [r for i, raw_r in enumerate(self.seq(m.get("ingress"), f"{path}.ingress"))
                   if (r := self.sg_rule(raw_r, f"{path}.ingress[{i}]", "source_group"))
                   is not None]
        egress = None
        if "egress" in m:
            egress = [r for i, raw_r in enumerate(self.seq(m.get("egress"), f"{path}.egress"))
                      if (r := self.sg_rule(raw_r, f"{path}.egress[{i}]", "destination_group"))
                      is not None]
        # V43: trailing spaces trimmed
        return DSecurityGroup(name.rstrip(" "), path, ingress, egress)

    def sg_rule(self, raw: Any, path: str, group_key: str) -> DSgRule | None:
        m = self.mapping(raw, path, *KEYS[group_key.split("_")[0] + "_rule"])
        if m is None:
            return None
        self.failed = False
        protocol = self.protocol(m["protocol"], f"{path}.protocol")
        ports = self.ports(m.get("ports"), protocol, f"{path}.ports")
        icmp = self.icmp(m.get("icmp"), protocol, f"{path}.icmp")
        has_cidr, has_group = m.get("cidr") is not None, m.get(group_key) is not None
        if has_cidr == has_group:
            self.r.add(path, "InvalidParameterCombination" if has_cidr else "MissingParameter",
                       f"a rule has exactly one of cidr and {group_key}")
            return None
        cidr = self.cidr(m["cidr"], f"{path}.cidr") if has_cidr else None
        group: tuple[str | None, str] | None = None
        if has_group:
            g = m[group_key]
            if isinstance(g, str) and g.strip():
                group = (None, g.rstrip(" "))
            else:
                gm = self.mapping(g, f"{path}.{group_key}", *KEYS["group_ref"])
                if gm is None or not all(isinstance(gm[k], str) for k in ("vpc", "name")):
                    if gm is not None:
                        self.r.add(f"{path}.{group_key}", "InvalidParameterValue",
                                   "a group is NAME or {vpc: VPC, name: NAME}")
                    return None
                group = (gm["vpc"], gm["name"].rstrip(" "))
        description = m.get("description")
        if description is not None and not isinstance(description, str):
            self.r.add(f"{path}.description", "InvalidParameterValue", "a description is a string")
            return None
        if protocol is None or self.failed or (has_cidr and cidr is None):
            return None
        return DSgRule(path, protocol, ports, cidr, group, icmp, description)

    def nat(self, raw: Any, path: str) -> DNat | None:
        m = self.mapping(raw, path, *KEYS["nat_gateway"])
        if m is None:
            return None
        self.failed = False
        name, subnet = self.name_of(m, path), self.text(m["subnet"], f"{path}.subnet")
        priv = self.ip(m["private_ip"], f"{path}.private_ip") \
            if m.get("private_ip") is not None else None
        pub = self.ip(m["public_ip"], f"{path}.public_ip") \
            if m.get("public_ip") is not None else None
        conn = m.get("connectivity", "public")
        if conn not in ("public", "private"):
            self.r.add(f"{path}.connectivity", "InvalidParameterValue",
                       f"connectivity is public or private, got {conn!r}")
            return None
        state = m.get("state", "available")
        if state not in ("available", "deleted"):
            self.r.add(f"{path}.state", "InvalidParameterValue",
                       f"state is available or deleted, got {state!r}")
            return None
        if self.failed or (m.get("private_ip") is not None and priv is None) \
                or (m.get("public_ip") is not None and pub is None):
            return None
        return DNat(name, path, subnet, priv, pub, conn, state)

    def instance(self, raw: Any, path: str) -> DInstance | None:
        m = self.mapping(raw, path, *KEYS["instance"])
        if m is None:
            return None
        self.failed = False
        name, subnet = self.name_of(m, path), self.text(m["subnet"], f"{path}.subnet")
        ips: dict[str, str | None] = {}
        for key in ("private_ip", "public_ip", "ipv6_address"):
            ips[key] = self.ip(m[key], f"{path}.{key}") if m.get(key) is not None else None
            if m.get(key) is not None and ips[key] is None:
                return None
        sgs: list[str] | None = None
        if m.get("security_groups") is not None:
            sgs = [self.text(s, f"{path}.security_groups[{i}]")
                   for i, s in enumerate(self.seq(m["security_groups"], f"{path}.security_groups"))]
            if self.failed:
                return None
            sgs = [s.rstrip(" ") for s in sgs] or None
        sdc = self.boolean(m.get("source_dest_check", True), f"{path}.source_dest_check")
        apia = self.opt_boolean(m, "associate_public_ip_address", path)
        state = m.get("state", "running")
        if state not in ("running", "stopped", "terminated"):
            self.r.add(f"{path}.state", "InvalidParameterValue",
                       f"state is running, stopped or terminated, got {state!r}")
            return None
        # V164: secondary private IPv4 addresses (validate.addresses checks them)
        secondary = [self.ip(a, f"{path}.secondary_private_ips[{k}]") for k, a in
                     enumerate(self.seq(m.get("secondary_private_ips") or [],
                                        f"{path}.secondary_private_ips"))]
        if self.failed or None in secondary:
            return None
        return DInstance(name, path, subnet, ips["private_ip"], ips["public_ip"],
                         ips["ipv6_address"], sgs, sdc, state, apia,
                         [a for a in secondary if a is not None])

    def peering(self, raw: Any, path: str) -> DPeering | None:
        m = self.mapping(raw, path, *KEYS["peering"])
        if m is None:
            return None
        self.failed = False
        name = self.name_of(m, path)
        req = self.text(m["requester"], f"{path}.requester")
        acc = self.text(m["accepter"], f"{path}.accepter")
        status = self.text(m.get("status", "active"), f"{path}.status")
        if self.failed:
            return None
        return DPeering(name, path, req, acc, status)

    def host(self, raw: Any, path: str) -> DHost | None:
        m = self.mapping(raw, path, *KEYS["host"])
        if m is None:
            return None
        self.failed = False
        name = self.name_of(m, path)
        ip = self.ip(m["ip"], f"{path}.ip")
        if self.failed or ip is None:
            return None
        return DHost(name, path, ip)

    def tgw(self, raw: Any, path: str) -> DTgw | None:
        m = self.mapping(raw, path, *KEYS["transit_gateway"])
        if m is None:
            return None
        self.failed = False
        name = self.name_of(m, path)
        if self.failed:
            return None
        rts = self.named_items(m.get("route_tables"), f"{path}.route_tables", "tgwrt", self.tgw_rt)
        atts = self.named_items(m.get("attachments"), f"{path}.attachments", "att", self.tgw_att)
        return DTgw(name, path, rts, atts)

    def tgw_rt(self, raw: Any, path: str) -> DTgwRouteTable | None:
        m = self.mapping(raw, path, *KEYS["tgw_route_table"])
        if m is None:
            return None
        self.failed = False
        name = self.name_of(m, path)
        name_failed = self.failed
        routes = []
        for i, raw_r in enumerate(self.seq(m.get("routes"), f"{path}.routes")):
            rp = f"{path}.routes[{i}]"
            rm = self.mapping(raw_r, rp, *KEYS["tgw_route"])
            if rm is None:
                continue
            dest = self.cidr(rm["destination"], f"{rp}.destination")
            self.failed = False
            blackhole = self.boolean(rm.get("blackhole", False), f"{rp}.blackhole")
            att = rm.get("attachment")
            if self.failed or dest is None:
                continue
            if (att is None) == (not blackhole):
                self.r.add(rp, "InvalidParameterCombination",
                           "a transit gateway route has exactly one of attachment and "
                           "blackhole: true")
                continue
            if att is not None and not isinstance(att, str):
                self.r.add(f"{rp}.attachment", "InvalidParameterValue", "an attachment name")
                continue
            routes.append(DTgwRoute(rp, dest, att, bool(blackhole)))
        if name_failed:
            return None
        return DTgwRouteTable(name, path, routes)

    def tgw_att(self, raw: Any, path: str) -> DTgwAttachment | None:
        m = self.mapping(raw, path, *KEYS["tgw_attachment"])
        if m is None:
            return None
        self.failed = False
        name, vpc = self.name_of(m, path), self.text(m["vpc"], f"{path}.vpc")
        subnets = [self.text(s, f"{path}.subnets[{i}]")
                   for i, s in enumerate(self.seq(m["subnets"], f"{path}.subnets"))]
        assoc = self.opt_ref(m, "association", path, "an attachment is associated with one "
                             "transit gateway route table (V74)")
        props = [self.text(s, f"{path}.propagations[{i}]")
                 for i, s in enumerate(self.seq(m.get("propagations"), f"{path}.propagations"))]
        am = self.boolean(m.get("appliance_mode", False), f"{path}.appliance_mode")
        sgr = self.boolean(m.get("security_group_referencing", False),
                           f"{path}.security_group_referencing")
        if self.failed:
            return None
        return DTgwAttachment(name, path, vpc, subnets, assoc, props, am, sgr)

