"""Topology files (ARCHITECTURE.md "Topology files") -> the VPC model, with AWS's errors.

Name: load
Behaviour: a topology file is refused whole when anything is wrong, and every problem found is
  reported (``netemu.errors.LoadError``), each naming the file, the item path
  (``vpcs[app].subnets[app-public].cidr``; lists without names use 0-based indices,
  ``vpcs[app].route_tables[public].routes[0].destination``) and AWS's error code where AWS has
  one. Strict: unknown keys and wrong types are errors. Three passes:
    1. shape (this module): keys, types, CIDRs canonicalised (V2) -> drafts (``draft.py``);
    2. the AWS rules (``validate.py``, one function per V item group);
    3. build (this module): everything AWS makes implicitly becomes explicit in the model
       (``model.py`` docstring): local routes, main route table, default NACL and SG, resolved
       associations, allocated addresses, ENI ids, propagated transit-gateway routes.
Fields (file shape, beyond ARCHITECTURE.md's example):
  top level: region, account_id?, vpcs, peerings?, internet: {hosts}?, transit_gateways?
  vpc: name, default? (false; true = the Region's default VPC, V17: cidr_blocks default to
    [172.31.0.0/16], internet_gateway and enable_dns_hostnames to true, subnets to three /20
    default subnets ``default-<az>`` in zones a-c, the main route table to 0.0.0.0/0 -> IGW),
    region? (defaults to the file's), cidr_blocks, ipv6_cidr_blocks?,
    enable_dns_support? (true), enable_dns_hostnames? (false, V81), internet_gateway?,
    egress_only_internet_gateway?, subnets?, route_tables?, nat_gateways?, network_acls?,
    security_groups?, instances?
  internet_gateway / egress_only_internet_gateway: true | false | {state: attached|detached}
    (EIGW: attached|deleted) | a list of those (more than one attached is V63's error).
  subnet: name, cidr, az? (region + "a"), ipv6_cidr?, route_table?, network_acl?
  route table: name, main? (false), edge_associations? ([internet_gateway]: a gateway route
    table, V27), routes: [{destination, target}]; target is
    ``internet_gateway`` | ``egress_only_internet_gateway`` | ``local`` |
    {nat_gateway|peering|instance|transit_gateway: NAME}.
  Blackhole routes (V26): AWS has no "blackhole" target one can create; a route becomes a
    blackhole when its target is unavailable. So a route whose NAT gateway is declared with
    ``state: deleted``, whose instance has ``state: terminated``, whose peering is not
    ``active``, or whose IGW is ``detached`` (EIGW ``deleted``) loads as
    ``RouteTarget("blackhole")`` with ``Route.unavailable_target`` naming what it pointed to.
    ``target: blackhole`` itself is refused.
  A route whose destination is one of the VPC's blocks with a NAT gateway or instance target
    replaces the local route's target (V20, ReplaceRoute); ``target: null`` on it is the
    refused DeleteRoute of the local route.
  NACL: name, inbound, outbound: [{rule, protocol, ports?, cidr, action, icmp?: {type, code}}]
    A NACL named ``default`` redefines the default NACL's rules (it is modifiable, V32).
  SG: name, description?, ingress, egress? (omitted = allow all, V41): [{protocol, ports?,
    cidr | source_group (ingress) | destination_group (egress), icmp?, description?}];
    a group is NAME (same VPC) or {vpc, name}. An SG named ``default`` redefines the default SG.
  NAT gateway: name, subnet, private_ip?, public_ip?, connectivity? (public), state? (available)
  instance: name, subnet, private_ip?, public_ip?, ipv6_address?, security_groups?,
    source_dest_check? (true), state? (running)
  peering: name, requester, accepter, status? (active)
  transit gateway: name, route_tables: [{name, routes: [{destination, attachment | blackhole:
    true}]}], attachments: [{name, vpc, subnets, association?, propagations?, appliance_mode?,
    security_group_referencing?}]
Allocation: omitted private addresses are taken from each subnet's free addresses in ascending
  order, NAT gateways first, then instances, each in file order.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from netemu.errors import LoadError
from netemu.vpc import addressing
from netemu.vpc import dns as vpc_dns
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
from netemu.vpc.model import (
    PROTOCOL_NUMBERS,
    GroupRef,
    IcmpMatch,
    Instance,
    InternetHost,
    NaclRule,
    NatGateway,
    NetworkAcl,
    Peering,
    PortRange,
    Route,
    RouteTable,
    RouteTarget,
    SecurityGroup,
    SgRule,
    Subnet,
    TgwAttachment,
    TgwRoute,
    TgwRouteTable,
    Topology,
    TransitGateway,
    Vpc,
)
from netemu.vpc.packets import ICMP_PROTOCOLS, PORT_PROTOCOLS

__all__ = ["load_topology", "load_topology_file"]

# The keys of each item of a topology file: (required, optional). topologies/schema.json
# describes the same (a test keeps the two in step).
KEYS: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "topology": (("vpcs",), ("region", "account_id", "peerings", "internet", "transit_gateways",
                             *vpc_dns.TOP_KEYS)),
    "internet": ((), ("hosts",)),
    "host": (("name", "ip"), ()),
    "vpc": (("name", "cidr_blocks"), (
        "default", "region", "ipv6_cidr_blocks", "enable_dns_support", "enable_dns_hostnames",
        "internet_gateway", "egress_only_internet_gateway", "subnets", "route_tables",
        "nat_gateways", "network_acls", "security_groups", "instances", "dhcp_options")),
    "gateway": ((), ("name", "state")),
    "subnet": (("name", "cidr"), ("az", "ipv6_cidr", "route_table", "network_acl")),
    "route_table": (("name",), ("main", "routes", "edge_associations")),
    "route": (("destination", "target"), ()),
    "network_acl": (("name",), ("inbound", "outbound")),
    "nacl_rule": (("rule", "protocol", "cidr", "action"), ("ports", "icmp")),
    "icmp": ((), ("type", "code")),
    "security_group": (("name",), ("description", "ingress", "egress")),
    "source_rule": (("protocol",), ("ports", "cidr", "source_group", "icmp", "description")),
    "destination_rule": (("protocol",), ("ports", "cidr", "destination_group", "icmp",
                                         "description")),
    "group_ref": (("vpc", "name"), ()),
    "nat_gateway": (("name", "subnet"), ("private_ip", "public_ip", "connectivity", "state")),
    "instance": (("name", "subnet"), ("private_ip", "public_ip", "ipv6_address",
                                      "security_groups", "source_dest_check", "state")),
    "peering": (("name", "requester", "accepter"), ("status", "allow_dns_resolution")),
    "transit_gateway": (("name",), ("route_tables", "attachments")),
    "tgw_route_table": (("name",), ("routes",)),
    "tgw_route": (("destination",), ("attachment", "blackhole")),
    "tgw_attachment": (("name", "vpc", "subnets"), ("association", "propagations",
                                                    "appliance_mode", "security_group_referencing")),
    # DNS (netemu/vpc/dns.py reads these)
    "dhcp_options": ((), vpc_dns.DHCP_KEYS[1:]),
    "dhcp_options_set": (("name",), vpc_dns.DHCP_KEYS[1:]),
    "resolver_endpoint": (("name", "vpc", "direction", "ip_addresses"), ("security_groups",)),
    "endpoint_ip": (("subnet",), ("ip",)),
    "resolver_rule": (("name", "domain_name", "rule_type"),
                      ("target_ips", "resolver_endpoint", "vpcs")),
    "target_ip": (("ip",), ("port",)),
}
DEFAULT_VPC_CIDR = "172.31.0.0/16"  # V17
DEFAULT_AZS = ("a", "b", "c")  # netemu: three default subnets (AWS: one per AZ of the Region)
BAD = object()  # a value that failed its shape check (already reported)
NAMED_TARGETS = ("nat_gateway", "peering", "instance", "transit_gateway")


def load_topology_file(path: str | Path) -> Topology:
    """Read and load one topology file (YAML or JSON); LoadError with every problem."""
    import yaml  # the loader's one I/O step: reading the file

    source = str(path)
    report = Report(source)
    try:
        text = Path(path).read_text()
    except OSError as exc:
        report.add("", "FileError", exc.strerror or str(exc))
        raise LoadError(report.problems) from exc
    except UnicodeDecodeError as exc:
        report.add("", "FileError", f"not UTF-8 text: {exc}")
        raise LoadError(report.problems) from exc
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        report.add("", "SyntaxError", str(exc).replace("\n", " "))
        raise LoadError(report.problems) from exc
    return load_topology(data, source)


def load_topology(data: Any, source: str = "<topology>") -> Topology:
    """Load an in-memory topology (the parsed YAML/JSON); LoadError with every problem."""
    from netemu.vpc.validate import validate

    report = Report(source)
    dns_parts = vpc_dns.read(data, report)  # DHCP options, Resolver rules and endpoints
    draft = _Reader(report).topology(_with_endpoint_enis(data, dns_parts))
    if draft is not None:
        validate(draft, report)
        vpc_dns.check(dns_parts, {v.name: v for v in draft.vpcs}, report)
    if report.problems or draft is None:
        raise LoadError(report.problems)
    return vpc_dns.attach(build(draft, source), dns_parts)


def _with_endpoint_enis(data: Any, parts: vpc_dns.Parts) -> Any:
    """Resolver endpoint ENIs join their VPC's instances (``vpc.dns`` docstring)."""
    extra = vpc_dns.endpoint_instances(parts)
    if not extra or not isinstance(data, dict) or not isinstance(data.get("vpcs"), list):
        return data
    vpcs = []
    for v in data["vpcs"]:
        if isinstance(v, dict) and v.get("name") in extra:
            v = dict(v, instances=list(v.get("instances") or []) + extra[v["name"]])
        vpcs.append(v)
    return dict(data, vpcs=vpcs)


# --- pass 1: shape ----------------------------------------------------------------------------


def _type_name(value: object) -> str:
    return {dict: "a mapping", list: "a list", str: "a string", bool: "a boolean",
            int: "a number", float: "a number", type(None): "empty"}.get(type(value), type(value).__name__)


class _Reader:
    def __init__(self, report: Report) -> None:
        self.r = report

    # generic shapes
    def mapping(self, value: Any, path: str, required: tuple[str, ...],
                optional: tuple[str, ...]) -> dict[str, Any] | None:
        if not isinstance(value, Mapping):
            self.r.add(path, "InvalidParameterValue", f"expected a mapping, got {_type_name(value)}")
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

    def text(self, value: Any, path: str) -> Any:
        if isinstance(value, str) and value.strip():
            return value
        self.r.add(path, "InvalidParameterValue", f"expected a non-empty string, got {_type_name(value)}")
        return BAD

    def boolean(self, value: Any, path: str) -> Any:
        if isinstance(value, bool):
            return value
        self.r.add(path, "InvalidParameterValue", f"expected true or false, got {value!r}")
        return BAD

    def integer(self, value: Any, path: str) -> Any:
        if isinstance(value, int) and not isinstance(value, bool):
            return value
        if isinstance(value, str) and value.strip().lstrip("-").isdigit():
            return int(value)
        self.r.add(path, "InvalidParameterValue", f"expected a number, got {value!r}")
        return BAD

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
                return addressing.canonical(value)
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
                    self.r.add(item_path, "DuplicateName" if what != "sg" else "InvalidGroup.Duplicate",
                               f"the name {name!r} is used twice in {path}")
                    continue
                seen.add(name)
            parsed = parse(raw, item_path)
            if parsed is not None:
                out.append(parsed)
            elif isinstance(name, str) and name:
                self.r.broken.add(name)
        return out

    def name_of(self, m: dict[str, Any], path: str) -> Any:
        return self.text(m.get("name"), f"{path}.name")

    # the topology
    def topology(self, data: Any) -> DTopology | None:
        m = self.mapping(data, "", *KEYS["topology"])
        if m is None:
            return None
        region = self.text(m.get("region", "us-east-1"), "region")
        account = m.get("account_id", "123456789012")
        if not (isinstance(account, (str, int)) and str(account).isdigit() and len(str(account)) == 12):
            self.r.add("account_id", "InvalidParameterValue", "an account id is 12 digits")
            account = "123456789012"
        region = region if region is not BAD else "us-east-1"
        vpcs = self.named_items(m["vpcs"], "vpcs", "vpc", lambda v, p: self.vpc(v, p, region))
        peerings = self.named_items(m.get("peerings"), "peerings", "peering", self.peering)
        hosts: list[DHost] = []
        if "internet" in m and m["internet"] is not None:
            inet = self.mapping(m["internet"], "internet", *KEYS["internet"])
            if inet is not None:
                hosts = self.named_items(inet.get("hosts"), "internet.hosts", "host", self.host)
        tgws = self.named_items(m.get("transit_gateways"), "transit_gateways", "tgw", self.tgw)
        return DTopology(region, str(account), vpcs, peerings, hosts, tgws)

    def vpc(self, raw: Any, path: str, region: str) -> DVpc | None:
        is_default = isinstance(raw, Mapping) and raw.get("default") is True
        required, optional = KEYS["vpc"]
        if is_default:  # V17: the default VPC's blocks default to 172.31.0.0/16
            required, optional = ("name",), optional + ("cidr_blocks",)
        m = self.mapping(raw, path, required, optional)
        if m is None:
            return None
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
              for i, raw_c in enumerate(self.seq(m.get("ipv6_cidr_blocks"), f"{path}.ipv6_cidr_blocks"))
              if (c := self.cidr(raw_c, f"{path}.ipv6_cidr_blocks[{i}]", "InvalidVpc.Range"))]
        dns_support = self.boolean(m.get("enable_dns_support", True), f"{path}.enable_dns_support")
        dns_hostnames = self.boolean(m.get("enable_dns_hostnames", False), f"{path}.enable_dns_hostnames")
        igws = self.gateways(m.get("internet_gateway", False), f"{path}.internet_gateway",
                             ("attached", "detached"))
        eigws = self.gateways(m.get("egress_only_internet_gateway", False),
                              f"{path}.egress_only_internet_gateway", ("attached", "deleted"))
        if BAD in (name, vregion, dns_support, dns_hostnames, default):
            return None
        az_default = f"{vregion}a"
        v = DVpc(name, path, vregion, blocks, v6, dns_support, dns_hostnames, igws, eigws,
                 default=default)
        if default and m.get("subnets") is None:  # V17: a /20 default subnet per AZ
            m["subnets"] = [{"name": f"default-{vregion}{az}", "cidr": f"172.31.{16 * k}.0/20",
                             "az": f"{vregion}{az}"} for k, az in enumerate(DEFAULT_AZS)]
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
        name = self.name_of(m, path)
        cidr = self.cidr(m["cidr"], f"{path}.cidr", "InvalidSubnet.Range")
        az = self.text(m.get("az", az_default), f"{path}.az")
        v6 = self.cidr(m["ipv6_cidr"], f"{path}.ipv6_cidr", "InvalidSubnet.Range") \
            if m.get("ipv6_cidr") is not None else None
        rt = self.opt_ref(m, "route_table", path, "exactly one route table per subnet (V18)")
        acl = self.opt_ref(m, "network_acl", path, "exactly one network ACL per subnet (V30)")
        if BAD in (name, az, rt, acl):
            return None
        return DSubnet(name, path, cidr, az, rt, acl, v6)

    def opt_ref(self, m: dict[str, Any], key: str, path: str, why: str) -> Any:
        if m.get(key) is None:
            return None
        if isinstance(m[key], list):
            self.r.add(f"{path}.{key}", "InvalidParameterValue", f"a name, not a list: {why}")
            return BAD
        return self.text(m[key], f"{path}.{key}")

    def route_table(self, raw: Any, path: str) -> DRouteTable | None:
        m = self.mapping(raw, path, *KEYS["route_table"])
        if m is None:
            return None
        name = self.name_of(m, path)
        main = self.boolean(m.get("main", False), f"{path}.main")
        edges = []
        for i, e in enumerate(self.seq(m.get("edge_associations"), f"{path}.edge_associations")):
            if e != "internet_gateway":
                self.r.add(f"{path}.edge_associations[{i}]", "InvalidParameterValue",
                           f"a gateway route table is associated with internet_gateway, got {e!r}")
            else:
                edges.append(e)
        if BAD in (name, main):
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
                           "blackhole when its target is unavailable (V26): declare the NAT gateway "
                           "with state: deleted, the instance terminated, the IGW detached, or the "
                           "peering not active")
                return None
        elif isinstance(raw, Mapping) and len(raw) == 1:
            (kind, name), = raw.items()
            if kind in NAMED_TARGETS and isinstance(name, str) and name:
                return RouteTarget(kind, name)
        self.r.add(path, "InvalidParameterValue",
                   f"unknown route target {raw!r} (internet_gateway, egress_only_internet_gateway, "
                   "local, or one of {nat_gateway|peering|instance|transit_gateway: NAME})")
        return None

    def protocol(self, value: Any, path: str) -> int | None:
        if isinstance(value, str) and value.strip().lower() in PROTOCOL_NUMBERS:
            return PROTOCOL_NUMBERS[value.strip().lower()]
        if isinstance(value, bool):
            value = "?"
        if isinstance(value, int) or (isinstance(value, str) and value.strip().lstrip("-").isdigit()):
            n = int(value)
            if n == -1 or 0 <= n <= 255:
                return n
        self.r.add(path, "InvalidParameterValue",
                   f"Invalid value '{value}' for IP protocol. Unknown protocol.")
        return None

    def ports(self, value: Any, protocol: int | None, path: str) -> Any:
        """None = all ports; BAD on error."""
        if value is None or value == "all":
            return None
        if protocol is not None and protocol not in PORT_PROTOCOLS:
            self.r.add(path, "InvalidParameterValue",
                       "ports apply to tcp and udp only (use icmp: {type, code} for ICMP)")
            return BAD
        first = last = None
        if isinstance(value, int) and not isinstance(value, bool):
            first = last = value
        elif isinstance(value, str):
            parts = value.split("-")
            if len(parts) in (1, 2) and all(p.strip().isdigit() for p in parts):
                first, last = int(parts[0]), int(parts[-1])
        if first is None or last is None or not (0 <= first <= last <= 65535):
            self.r.add(path, "InvalidParameterValue",
                       f"ports must be N, a-b (0-65535, a <= b) or all, got {value!r}")
            return BAD
        return PortRange(first, last)

    def icmp(self, value: Any, protocol: int | None, path: str) -> Any:
        if value is None:
            return None
        if protocol not in ICMP_PROTOCOLS:
            self.r.add(path, "InvalidParameterValue", "icmp type/code apply to icmp and icmpv6 only")
            return BAD
        m = self.mapping(value, path, *KEYS["icmp"])
        if m is None:
            return BAD
        t = self.integer(m.get("type", -1), f"{path}.type")
        c = self.integer(m.get("code", -1), f"{path}.code")
        if BAD in (t, c):
            return BAD
        if not (-1 <= t <= 255 and -1 <= c <= 255):
            self.r.add(path, "InvalidParameterValue", "ICMP type and code are -1 (any) or 0-255")
            return BAD
        return IcmpMatch(t, c)

    def nacl(self, raw: Any, path: str) -> DNacl | None:
        m = self.mapping(raw, path, *KEYS["network_acl"])
        if m is None:
            return None
        name = self.name_of(m, path)
        if name is BAD:
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
        if number is BAD or protocol is None or cidr is None or action is None or BAD in (ports, icmp):
            return None
        return DNaclRule(path, number, protocol, cidr, action, ports, icmp)

    def sg(self, raw: Any, path: str) -> DSecurityGroup | None:
        m = self.mapping(raw, path, *KEYS["security_group"])
        if m is None:
            return None
        name = self.name_of(m, path)
        if name is BAD:
            return None
        ingress = [r for i, raw_r in enumerate(self.seq(m.get("ingress"), f"{path}.ingress"))
                   if (r := self.sg_rule(raw_r, f"{path}.ingress[{i}]", "source_group")) is not None]
        egress = None
        if "egress" in m:
            egress = [r for i, raw_r in enumerate(self.seq(m.get("egress"), f"{path}.egress"))
                      if (r := self.sg_rule(raw_r, f"{path}.egress[{i}]", "destination_group"))
                      is not None]
        return DSecurityGroup(name.rstrip(" "), path, ingress, egress)  # V43: trailing spaces trimmed

    def sg_rule(self, raw: Any, path: str, group_key: str) -> DSgRule | None:
        m = self.mapping(raw, path, *KEYS[group_key.split("_")[0] + "_rule"])
        if m is None:
            return None
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
        if protocol is None or BAD in (ports, icmp) or (has_cidr and cidr is None):
            return None
        return DSgRule(path, protocol, ports, cidr, group, icmp, description)

    def nat(self, raw: Any, path: str) -> DNat | None:
        m = self.mapping(raw, path, *KEYS["nat_gateway"])
        if m is None:
            return None
        name, subnet = self.name_of(m, path), self.text(m["subnet"], f"{path}.subnet")
        priv = self.ip(m["private_ip"], f"{path}.private_ip") if m.get("private_ip") is not None else None
        pub = self.ip(m["public_ip"], f"{path}.public_ip") if m.get("public_ip") is not None else None
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
        if BAD in (name, subnet) or (m.get("private_ip") is not None and priv is None) \
                or (m.get("public_ip") is not None and pub is None):
            return None
        return DNat(name, path, subnet, priv, pub, conn, state)

    def instance(self, raw: Any, path: str) -> DInstance | None:
        m = self.mapping(raw, path, *KEYS["instance"])
        if m is None:
            return None
        name, subnet = self.name_of(m, path), self.text(m["subnet"], f"{path}.subnet")
        ips = {}
        for key in ("private_ip", "public_ip", "ipv6_address"):
            ips[key] = self.ip(m[key], f"{path}.{key}") if m.get(key) is not None else None
            if m.get(key) is not None and ips[key] is None:
                return None
        sgs = None
        if m.get("security_groups") is not None:
            sgs = [self.text(s, f"{path}.security_groups[{i}]")
                   for i, s in enumerate(self.seq(m["security_groups"], f"{path}.security_groups"))]
            if BAD in sgs:
                return None
            sgs = [s.rstrip(" ") for s in sgs] or None
        sdc = self.boolean(m.get("source_dest_check", True), f"{path}.source_dest_check")
        state = m.get("state", "running")
        if state not in ("running", "terminated"):
            self.r.add(f"{path}.state", "InvalidParameterValue",
                       f"state is running or terminated, got {state!r}")
            return None
        if BAD in (name, subnet, sdc):
            return None
        return DInstance(name, path, subnet, ips["private_ip"], ips["public_ip"],
                         ips["ipv6_address"], sgs, sdc, state)

    def peering(self, raw: Any, path: str) -> DPeering | None:
        m = self.mapping(raw, path, *KEYS["peering"])
        if m is None:
            return None
        name = self.name_of(m, path)
        req, acc = self.text(m["requester"], f"{path}.requester"), self.text(m["accepter"], f"{path}.accepter")
        status = self.text(m.get("status", "active"), f"{path}.status")
        if BAD in (name, req, acc, status):
            return None
        return DPeering(name, path, req, acc, status)

    def host(self, raw: Any, path: str) -> DHost | None:
        m = self.mapping(raw, path, *KEYS["host"])
        if m is None:
            return None
        name = self.name_of(m, path)
        ip = self.ip(m["ip"], f"{path}.ip")
        if name is BAD or ip is None:
            return None
        return DHost(name, path, ip)

    def tgw(self, raw: Any, path: str) -> DTgw | None:
        m = self.mapping(raw, path, *KEYS["transit_gateway"])
        if m is None:
            return None
        name = self.name_of(m, path)
        if name is BAD:
            return None
        rts = self.named_items(m.get("route_tables"), f"{path}.route_tables", "tgwrt", self.tgw_rt)
        atts = self.named_items(m.get("attachments"), f"{path}.attachments", "att", self.tgw_att)
        return DTgw(name, path, rts, atts)

    def tgw_rt(self, raw: Any, path: str) -> DTgwRouteTable | None:
        m = self.mapping(raw, path, *KEYS["tgw_route_table"])
        if m is None:
            return None
        name = self.name_of(m, path)
        routes = []
        for i, raw_r in enumerate(self.seq(m.get("routes"), f"{path}.routes")):
            rp = f"{path}.routes[{i}]"
            rm = self.mapping(raw_r, rp, *KEYS["tgw_route"])
            if rm is None:
                continue
            dest = self.cidr(rm["destination"], f"{rp}.destination")
            blackhole = self.boolean(rm.get("blackhole", False), f"{rp}.blackhole")
            att = rm.get("attachment")
            if blackhole is BAD or dest is None:
                continue
            if (att is None) == (not blackhole):
                self.r.add(rp, "InvalidParameterCombination",
                           "a transit gateway route has exactly one of attachment and blackhole: true")
                continue
            if att is not None and not isinstance(att, str):
                self.r.add(f"{rp}.attachment", "InvalidParameterValue", "an attachment name")
                continue
            routes.append(DTgwRoute(rp, dest, att, bool(blackhole)))
        if name is BAD:
            return None
        return DTgwRouteTable(name, path, routes)

    def tgw_att(self, raw: Any, path: str) -> DTgwAttachment | None:
        m = self.mapping(raw, path, *KEYS["tgw_attachment"])
        if m is None:
            return None
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
        if BAD in (name, vpc, assoc, am, sgr) or BAD in subnets or BAD in props:
            return None
        return DTgwAttachment(name, path, vpc, subnets, assoc, props, am, sgr)


# --- pass 3: build the model --------------------------------------------------------------------

ALL_V4, ALL_V6 = "0.0.0.0/0", "::/0"


def _blackholed(v: DVpc, topo: DTopology, target: RouteTarget) -> bool:
    """Is the target unavailable (V26)? Validation already made sure it exists."""
    if target.kind == "internet_gateway":
        return not v.igw_attached()
    if target.kind == "egress_only_internet_gateway":
        return not v.eigw_attached()
    if target.kind == "nat_gateway":
        return any(n.name == target.name and n.state == "deleted" for n in v.nat_gateways)
    if target.kind == "instance":
        return any(i.name == target.name and i.state == "terminated" for i in v.instances)
    if target.kind == "peering":
        return any(p.name == target.name and p.status != "active" for p in topo.peerings)
    return False


def _route_tables(v: DVpc, topo: DTopology) -> tuple[RouteTable, ...]:
    blocks = v.cidrs()
    tables: list[DRouteTable] = list(v.route_tables)
    if not any(rt.main for rt in tables):
        tables.insert(0, DRouteTable("main", v.path, True))
    out = []
    for rt in tables:
        local = {b: Route(b, RouteTarget("local"), "CreateRouteTable") for b in blocks}
        extra: list[Route] = []
        for r in rt.routes:
            assert r.destination is not None and r.target is not None
            if r.destination in local:
                if r.target.kind in ("nat_gateway", "instance"):  # V20: local target replaced
                    local[r.destination] = Route(r.destination, r.target, "CreateRouteTable")
                continue
            if _blackholed(v, topo, r.target):
                extra.append(Route(r.destination, RouteTarget("blackhole"), "CreateRoute",
                                   unavailable_target=r.target))
            else:
                extra.append(Route(r.destination, r.target))
        out.append(RouteTable(rt.name, v.name, tuple(local.values()) + tuple(extra), rt.main,
                              tuple(rt.edge_associations)))
    return tuple(out)


def _nacls(v: DVpc) -> tuple[NetworkAcl, ...]:
    def rules(rs: list[DNaclRule]) -> tuple[NaclRule, ...]:
        built = [NaclRule(r.number, r.protocol, r.cidr, r.action, r.ports, r.icmp)  # type: ignore[arg-type]
                 for r in rs]
        return tuple(sorted(built, key=lambda r: r.number))

    default_rules = (NaclRule(100, -1, ALL_V4, "allow"),) + (
        (NaclRule(101, -1, ALL_V6, "allow"),) if v.ipv6_cidr_blocks else ())
    out = []
    declared = {n.name: n for n in v.network_acls}
    if "default" in declared:
        d = declared["default"]
        out.append(NetworkAcl("default", v.name, rules(d.inbound), rules(d.outbound), True))
    else:
        out.append(NetworkAcl("default", v.name, default_rules, default_rules, True))
    out.extend(NetworkAcl(n.name, v.name, rules(n.inbound), rules(n.outbound))
               for n in v.network_acls if n.name != "default")
    return tuple(out)


def _all_out(v: DVpc) -> tuple[SgRule, ...]:
    return (SgRule(-1, cidr=ALL_V4),) + ((SgRule(-1, cidr=ALL_V6),) if v.ipv6_cidr_blocks else ())


def _security_groups(v: DVpc, topo: DTopology) -> tuple[SecurityGroup, ...]:
    from netemu.vpc.validate import peering_between, tgw_sg_referencing

    def rule(r: DSgRule) -> SgRule:
        group = None
        stale = False
        if r.group is not None:
            gvpc = r.group[0] or v.name
            group = GroupRef(gvpc, r.group[1])
            if gvpc != v.name:
                p = peering_between(topo, v.name, gvpc)
                # V45: referenced across a peering that was deleted -> the rule is stale
                stale = (p is not None and p.status == "deleted"
                         and not tgw_sg_referencing(topo, v.name, gvpc))
        return SgRule(r.protocol, r.ports, r.cidr, group, r.icmp, r.description,  # type: ignore[arg-type]
                      stale=stale)

    def build(sg: DSecurityGroup, default: bool) -> SecurityGroup:
        egress = _all_out(v) if sg.egress is None else tuple(rule(r) for r in sg.egress)
        return SecurityGroup(sg.name, v.name, tuple(rule(r) for r in sg.ingress), egress, default)

    declared = {s.name: s for s in v.security_groups}
    if "default" in declared:
        first = build(declared["default"], True)
    else:
        first = SecurityGroup("default", v.name, (SgRule(-1, group=GroupRef(v.name, "default")),),
                              _all_out(v), True)
    return (first,) + tuple(build(s, False) for s in v.security_groups if s.name != "default")


def _addresses(v: DVpc) -> dict[tuple[str, str], str]:
    """(kind, name) -> private IP, explicit or allocated ascending from the free ones."""
    taken: dict[str, set[str]] = {s.name: set() for s in v.subnets}
    out: dict[tuple[str, str], str] = {}
    parts: list[tuple[str, DNat | DInstance]] = [("nat", n) for n in v.nat_gateways
                                                 if n.state != "deleted"]
    parts += [("instance", i) for i in v.instances if i.state != "terminated"]
    for kind, p in parts:
        if p.private_ip is not None:
            out[(kind, p.name)] = p.private_ip
            taken.setdefault(p.subnet, set()).add(p.private_ip)
    cidr_of = {s.name: s.cidr for s in v.subnets}
    waiting: dict[str, list[tuple[str, str]]] = {}
    for kind, p in parts:
        if p.private_ip is None:
            waiting.setdefault(p.subnet, []).append((kind, p.name))
    for subnet, keys in waiting.items():  # validation made sure there is room
        got = addressing.allocate(cidr_of[subnet], taken[subnet], len(keys))  # type: ignore[arg-type]
        out.update(zip(keys, got))
    return out


def build(topo: DTopology, source: str) -> Topology:
    vpcs = []
    for v in topo.vpcs:
        tables = _route_tables(v, topo)
        main = next(rt.name for rt in tables if rt.main)
        subnets = tuple(Subnet(s.name, v.name, s.cidr, s.az, s.route_table or main,  # type: ignore[arg-type]
                               s.network_acl or "default", s.ipv6_cidr) for s in v.subnets)
        ips = _addresses(v)
        nats = tuple(NatGateway(n.name, v.name, n.subnet, ips[("nat", n.name)], n.public_ip,
                                n.connectivity,
                                eni_id=addressing.eni_id(v.name, n.name, nat_gateway=True))
                     for n in v.nat_gateways if n.state != "deleted")
        instances = tuple(
            Instance(i.name, v.name, i.subnet, ips[("instance", i.name)],
                     tuple(i.security_groups or ("default",)), i.public_ip, i.ipv6_address,
                     i.source_dest_check, addressing.eni_id(v.name, i.name))
            for i in v.instances if i.state != "terminated")
        vpcs.append(Vpc(
            v.name, v.region, tuple(c.cidr for c in v.cidr_blocks), subnets, tables, _nacls(v),
            _security_groups(v, topo), nats, instances, tuple(c.cidr for c in v.ipv6_cidr_blocks),
            v.igw_attached(), v.eigw_attached(), v.enable_dns_support, v.enable_dns_hostnames,
            v.default))
    by_name = {v.name: v for v in topo.vpcs}
    tgws = []
    for t in topo.transit_gateways:
        tgw_tables: list[TgwRouteTable] = []
        for rt in t.route_tables:
            routes = [TgwRoute(r.destination, r.attachment, r.blackhole)  # type: ignore[arg-type]
                      for r in rt.routes]
            for a in t.attachments:
                if rt.name in a.propagations:
                    routes.extend(TgwRoute(c, a.name, origin="propagated")
                                  for c in by_name[a.vpc].cidrs())
            tgw_tables.append(TgwRouteTable(rt.name, tuple(routes)))
        atts = tuple(TgwAttachment(a.name, a.vpc, tuple(a.subnets), a.association,
                                   tuple(a.propagations), a.appliance_mode,
                                   a.security_group_referencing) for a in t.attachments)
        tgws.append(TransitGateway(t.name, tuple(tgw_tables), atts))
    return Topology(
        topo.region, tuple(vpcs),
        tuple(Peering(p.name, p.requester, p.accepter, p.status) for p in topo.peerings),
        tuple(InternetHost(h.name, h.ip) for h in topo.hosts),  # type: ignore[arg-type]
        tuple(tgws), topo.account_id, source)
