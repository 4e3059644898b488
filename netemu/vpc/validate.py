"""The AWS rules a topology must satisfy, checked on the drafts of ``load.py`` (pure).

Name: validate
Behaviour: each function checks one group of docs/behaviour.md items (cited by number) and reports
  every violation with AWS's error code and, where known, AWS's wording. Codes AWS has:
  InvalidVpc.Range, CidrLimitExceeded, InvalidSubnet.Range, InvalidSubnet.Conflict,
  InvalidParameterValue, InvalidParameterCombination, MissingParameter, RouteAlreadyExists,
  RouteLimitExceeded, RouteTableLimitExceeded, InvalidRouteTableID.NotFound,
  InvalidNetworkAclID.NotFound, InvalidSubnetID.NotFound, InvalidNatGatewayID.NotFound,
  InvalidInstanceID.NotFound, InvalidGatewayID.NotFound, InvalidVpcPeeringConnectionID.NotFound,
  InvalidTransitGatewayID.NotFound, InvalidTransitGatewayAttachmentID.NotFound,
  InvalidRouteTableID.NotFound, InvalidVpcID.NotFound, NetworkAclEntryAlreadyExists,
  InvalidGroup.Duplicate, InvalidGroup.NotFound, InvalidGroup.Reserved, InvalidPermission.Duplicate,
  SecurityGroupsPerInterfaceLimitExceeded, RulesPerSecurityGroupLimitExceeded,
  DefaultVpcAlreadyExists, InvalidIPAddress.InUse,
  InsufficientFreeAddressesInSubnet, Resource.AlreadyAssociated, Gateway.NotAttached,
  VpcPeeringConnectionAlreadyExists, ActiveVpcPeeringConnectionPerVpcLimitExceeded,
  DuplicateSubnetsInSameZone, DuplicateTransitGatewayAttachment, NetworkAclLimitExceeded,
  NetworkAclEntryLimitExceeded, SecurityGroupLimitExceeded,
  DefaultSubnetAlreadyExistsInAvailabilityZone (quotas: quotas.py).
  netemu's own codes (no AWS API call matches the situation): DuplicateName (two items of one
  kind with one name), NatGatewayNotInPublicSubnet (V67), OverlappingCidrs (V52: AWS lets the
  request fail), UnknownParameter, FileError, SyntaxError.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable

from netemu.vpc import addressing, quotas
from netemu.vpc.draft import (
    DInstance,
    DNat,
    DPeering,
    DRoute,
    DRouteTable,
    DSecurityGroup,
    DSgRule,
    DSubnet,
    DTgw,
    DTgwAttachment,
    DTopology,
    DVpc,
    Report,
)
from netemu.vpc.model import RouteTarget

PEERING_STATUSES = ("initiating-request", "pending-acceptance", "active", "deleted", "rejected",
                    "failed", "expired", "provisioning", "deleting")
LIVE_PEERING = ("initiating-request", "pending-acceptance", "active", "provisioning")


def quota(topo: DTopology, name: str) -> int:
    """The value of a quota for this file: AWS's default unless ``quotas:`` raised it."""
    return topo.quotas.get(name, quotas.QUOTAS[name].default)


def validate(topo: DTopology, r: Report) -> None:
    for key, code, message in quotas.check(topo.quotas):
        r.add(f"quotas.{key}", code, message)
        topo.quotas.pop(key, None)  # the rest of the file is checked with AWS's default
    for v in topo.vpcs:
        vpc_blocks(v, topo, r)
        gateways(v, r)
        subnets(v, r)
        network_acls(v, topo, r)
        security_group_names(v, r)
    names = [v.name for v in topo.vpcs]
    for v in topo.vpcs:
        route_tables(v, topo, r)
        associations(v, r)
        addresses(v, topo, r)
        nat_gateways(v, r)
        security_group_rules(v, topo, r)
    default_vpcs(topo, r)
    security_groups_per_region(topo, r)
    peerings(topo, r, set(names))
    internet_hosts(topo, r)
    transit_gateways(topo, r)


# --- V1-V11: VPC CIDR blocks ----------------------------------------------------------------------


def vpc_blocks(v: DVpc, topo: DTopology, r: Report) -> None:
    seen: list[str] = []
    for i, b in enumerate(v.cidr_blocks):
        message = _ipv4_block_problem(b.cidr, seen, first=i == 0)
        if message is None:
            seen.append(b.cidr)
        else:
            r.add(b.path, "InvalidVpc.Range", message)
    for family, blocks in (("IPv4", v.cidr_blocks), ("IPv6", v.ipv6_cidr_blocks)):
        limit = quota(topo, f"ip{family[2:].lower()}_cidr_blocks_per_vpc")
        if len(blocks) > limit:  # V4
            r.add(blocks[limit].path, "CidrLimitExceeded",
                  f"This network '{v.name}' has met its maximum number of allowed {family} CIDRs: "
                  f"{limit}")
    seen6: list[str] = []
    for b in v.ipv6_cidr_blocks:
        n = addressing.network(b.cidr)
        if n.version != 6 or n.prefixlen != 56:  # V10
            r.add(b.path, "InvalidVpc.Range",
                  f"The CIDR '{b.cidr}' is invalid: a VPC IPv6 block is an IPv6 /56 (V10).")
        elif n.is_link_local or n.is_multicast or n.is_loopback:
            r.add(b.path, "InvalidVpc.Range", f"The CIDR '{b.cidr}' is invalid.")
        elif any(addressing.overlaps(s, b.cidr) for s in seen6):
            r.add(b.path, "InvalidVpc.Range",
                  f"The CIDR '{b.cidr}' conflicts with another CIDR block of the VPC.")
        else:
            seen6.append(b.cidr)


def _ipv4_block_problem(cidr: str, seen: list[str], first: bool) -> str | None:
    """Why AWS refuses an IPv4 block given the blocks already accepted (V1, V3, V5), or None."""
    n = addressing.network(cidr)
    if n.version != 4:
        return f"The CIDR '{cidr}' is invalid: cidr_blocks are IPv4 (use ipv6_cidr_blocks)"
    if not 16 <= n.prefixlen <= 28:  # V1, V3
        return f"The CIDR '{cidr}' is invalid. A VPC CIDR block is between /16 and /28 (V1)."
    if addressing.vpc_range_forbidden(cidr):  # V5: 169.254/16; Part M 4
        return (f"The CIDR '{cidr}' is invalid: it is in a range that can't be assigned to a "
                "VPC (169.254.0.0/16 link-local, loopback, multicast or reserved).")
    clash = next((s for s in seen if addressing.overlaps(s, cidr)), None)
    if clash is not None:  # V3
        return f"The CIDR '{cidr}' conflicts with another CIDR block of the VPC ({clash})."
    if not first and seen and addressing.association_restricted(seen, cidr):  # V5
        return (f"The CIDR '{cidr}' is restricted. Use a CIDR from the same private address "
                f"range as the current VPC CIDR ({seen[0]}), or use a publicly-routable CIDR.")
    return None


# --- V17: default VPC -----------------------------------------------------------------------------


def default_vpcs(topo: DTopology, r: Report) -> None:
    regions: dict[str, str] = {}
    for v in topo.vpcs:
        zones: dict[str, str] = {}
        for s in v.subnets:
            if not s.default_for_az:
                continue
            if not v.default:  # V17: default subnets exist in the default VPC only
                r.add(f"{s.path}.default_for_az", "InvalidParameterValue",
                      f"subnet {s.name}: only a default VPC has default subnets (V17); {v.name} "
                      "is not the default VPC (say map_public_ip_on_launch: true instead)")
            elif s.az in zones:  # V17: one default subnet per Availability Zone
                r.add(f"{s.path}.default_for_az", "DefaultSubnetAlreadyExistsInAvailabilityZone",
                      f"A default subnet already exists in availability zone {s.az} "
                      f"({zones[s.az]}).")
            else:
                zones[s.az] = s.name
        if not v.default:
            continue
        if v.cidr_blocks and v.cidr_blocks[0].cidr != "172.31.0.0/16":  # V17
            r.add(v.cidr_blocks[0].path, "InvalidParameterValue",
                  "a default VPC's primary CIDR block is 172.31.0.0/16, not "
                  f"{v.cidr_blocks[0].cidr}"
                  " (V17)")
        if v.region in regions:
            r.add(f"{v.path}.default", "DefaultVpcAlreadyExists",
                  f"A Default VPC already exists for this account in this region ({v.region}: "
                  f"{regions[v.region]}).")
        else:
            regions[v.region] = v.name


def security_groups_per_region(topo: DTopology, r: Report) -> None:
    """V51: 2,500 VPC security groups per Region (the default group of every VPC counts)."""
    limit = quota(topo, "security_groups_per_region")
    per_region: dict[str, list[DVpc]] = {}
    for v in topo.vpcs:
        per_region.setdefault(v.region, []).append(v)
    for region, vpcs in sorted(per_region.items()):
        count = sum(1 + sum(1 for sg in v.security_groups if sg.name != "default") for v in vpcs)
        if count > limit:
            r.add(f"{vpcs[-1].path}.security_groups", "SecurityGroupLimitExceeded",
                  f"The maximum number of security groups has been reached: {count} in Region "
                  f"{region}, the quota is {limit} (V51).")


# --- V63: gateways --------------------------------------------------------------------------------


def gateways(v: DVpc, r: Report) -> None:
    for kind, gws in (("internet gateway", v.internet_gateways),
                      ("egress-only internet gateway", v.egress_only_internet_gateways)):
        attached = [g for g in gws if g.state == "attached"]
        for extra in attached[1:]:  # V63
            r.add(extra.path, "Resource.AlreadyAssociated",
                  f"resource {kind} is already attached to network {v.name}: a VPC has at most "
                  f"one attached {kind} (V63)")


# --- V12-V15: subnets -----------------------------------------------------------------------------


def subnets(v: DVpc, r: Report) -> None:
    blocks = [b.cidr for b in v.cidr_blocks]
    v6blocks = [b.cidr for b in v.ipv6_cidr_blocks]
    placed: list[tuple[str, str]] = []
    placed6: list[tuple[str, str]] = []
    for s in v.subnets:
        if s.cidr is not None:
            _subnet_ipv4(s, s.cidr, blocks, placed, r)
        if s.ipv6_cidr is not None:
            _subnet_ipv6(s, s.ipv6_cidr, v6blocks, placed6, r)
        az_suffix = s.az[len(v.region):] if s.az.startswith(v.region) else ""
        if not (len(az_suffix) == 1 and az_suffix.isalpha() and az_suffix.islower()):  # V13
            r.add(f"{s.path}.az", "InvalidParameterValue",
                  f"Value ({s.az}) for parameter availabilityZone is invalid. Subnets can only be "
                  f"created in an availability zone of the VPC's Region {v.region} "
                  f"({v.region}a, {v.region}b, ...).")


def _subnet_ipv4(s: DSubnet, cidr: str, blocks: list[str], placed: list[tuple[str, str]],
                 r: Report) -> None:
    """V12: /16-/28, inside one of the VPC's blocks, overlapping no other subnet."""
    n = addressing.network(cidr)
    if n.version != 4:
        r.add(f"{s.path}.cidr", "InvalidSubnet.Range",
              f"The CIDR '{cidr}' is invalid: cidr is IPv4 (use ipv6_cidr)")
    elif not 16 <= n.prefixlen <= 28:  # V12
        r.add(f"{s.path}.cidr", "InvalidSubnet.Range",
              f"The CIDR '{cidr}' is invalid. A subnet CIDR block is between /16 and "
              "/28 (V12).")
    elif not any(addressing.within(cidr, b) for b in blocks):  # V12
        r.add(f"{s.path}.cidr", "InvalidSubnet.Range",
              f"The CIDR '{cidr}' is invalid: it is not within one of the VPC's CIDR "
              f"blocks ({', '.join(blocks)}).")
    else:
        clash = next((name for name, c in placed if addressing.overlaps(c, cidr)), None)
        if clash is not None:
            r.add(f"{s.path}.cidr", "InvalidSubnet.Conflict",
                  f"The CIDR '{cidr}' conflicts with another subnet ({clash}).")
        else:
            placed.append((s.name, cidr))


def _subnet_ipv6(s: DSubnet, cidr: str, blocks: list[str], placed: list[tuple[str, str]],
                 r: Report) -> None:
    """V10: a /64 inside one of the VPC's IPv6 blocks, overlapping no other subnet."""
    n6 = addressing.network(cidr)
    if n6.version != 6 or n6.prefixlen != 64:  # V10
        r.add(f"{s.path}.ipv6_cidr", "InvalidSubnet.Range",
              f"The IPv6 CIDR '{cidr}' is invalid: a subnet's IPv6 block is a /64.")
    elif not any(addressing.within(cidr, b) for b in blocks):
        r.add(f"{s.path}.ipv6_cidr", "InvalidSubnet.Range",
              f"The IPv6 CIDR '{cidr}' is not within the VPC's IPv6 blocks "
              f"({', '.join(blocks) or 'none'}).")
    else:
        clash = next((nm for nm, c in placed if addressing.overlaps(c, cidr)), None)
        if clash is not None:
            r.add(f"{s.path}.ipv6_cidr", "InvalidSubnet.Conflict",
                  f"The CIDR '{cidr}' conflicts with another subnet ({clash}).")
        else:
            placed.append((s.name, cidr))


def _subnet(v: DVpc, name: str) -> DSubnet | None:
    return next((s for s in v.subnets if s.name == name), None)


def _owner(topo: DTopology, kind: str, name: str) -> str | None:
    """The VPC that declares a NAT gateway / instance / route table / subnet named ``name``."""
    for v in topo.vpcs:
        kinds: dict[str, Iterable[object]] = {
            "nat_gateway": v.nat_gateways, "instance": v.instances, "route_table": v.route_tables,
            "subnet": v.subnets, "network_acl": v.network_acls,
            "security_group": v.security_groups}
        items = kinds[kind]
        if any(getattr(i, "name", None) == name for i in items):
            return v.name
    return None


# --- V14, V15: addresses --------------------------------------------------------------------------


def addresses(v: DVpc, topo: DTopology, r: Report) -> None:
    used: dict[str, str] = {}  # private IP -> path of its holder
    used6: dict[str, str] = {}
    parts = v.live_parts()
    need: Counter[str] = Counter()
    for p in parts:
        s = _part_subnet(v, topo, p, r)
        if s is None or s.cidr is None:
            continue
        if p.private_ip is None:
            need[s.name] += 1
        else:
            _private_address(p, p.private_ip, s.cidr, used, r)
        if isinstance(p, DInstance) and p.ipv6_address is not None:
            _ipv6_address(p, p.ipv6_address, s.ipv6_cidr, used6, r)
    for p in v.live_instances():  # V164: secondary private IPv4 addresses, after the primaries
        s = _subnet(v, p.subnet)
        if s is not None and s.cidr is not None:
            _secondary_addresses(p, s.cidr, used, r)
    _room_to_allocate(v, need, used, r)
    _public_addresses(topo, parts, r)
    per_eni = quota(topo, "security_groups_per_network_interface")
    for i in v.instances:
        if i.security_groups and len(i.security_groups) > per_eni:  # V51
            r.add(f"{i.path}.security_groups", "SecurityGroupsPerInterfaceLimitExceeded",
                  f"The maximum number of security groups per interface has been reached "
                  f"({per_eni}).")


def _part_subnet(v: DVpc, topo: DTopology, p: DNat | DInstance, r: Report) -> DSubnet | None:
    """The subnet a NAT gateway or instance names, in its own VPC."""
    s = _subnet(v, p.subnet)
    if s is not None:
        return s
    elsewhere = _owner(topo, "subnet", p.subnet)
    if elsewhere:
        r.add(f"{p.path}.subnet", "InvalidParameterValue",
              f"subnet {p.subnet} belongs to VPC {elsewhere}, not {v.name}")
    else:
        r.add(f"{p.path}.subnet", "InvalidSubnetID.NotFound",
              f"The subnet ID '{p.subnet}' does not exist", ref=p.subnet)
    return None


def _private_address(p: DNat | DInstance, ip: str, cidr: str, used: dict[str, str],
                     r: Report) -> None:
    """V14, V15: an explicit private IPv4 address lies in the subnet, is not reserved, is free."""
    if not addressing.contains(cidr, ip):
        r.add(f"{p.path}.private_ip", "InvalidParameterValue",
              f"Address {ip} does not fall within the subnet's address range ({cidr})")
    elif addressing.is_reserved(ip, cidr):  # V14, V15
        r.add(f"{p.path}.private_ip", "InvalidParameterValue",
              f"Address {ip} is in subnet's reserved address range (the first four "
              f"and the last address of {cidr} are reserved, V14)")
    elif ip in used:
        r.add(f"{p.path}.private_ip", "InvalidIPAddress.InUse",
              f"Address {ip} is in use (by {used[ip]}).")
    else:
        used[ip] = p.path


def _secondary_addresses(p: DInstance, cidr: str, used: dict[str, str], r: Report) -> None:
    """V164: each secondary private IPv4 address is in the ENI's subnet, not reserved (V14),
    held by nobody else."""
    for k, ip in enumerate(p.secondary_private_ips):
        path = f"{p.path}.secondary_private_ips[{k}]"
        if not addressing.contains(cidr, ip):
            r.add(path, "InvalidParameterValue",
                  f"Address {ip} does not fall within the subnet's address range ({cidr})")
        elif addressing.is_reserved(ip, cidr):  # V14
            r.add(path, "InvalidParameterValue",
                  f"Address {ip} is in subnet's reserved address range (V14)")
        elif ip in used:
            r.add(path, "InvalidIPAddress.InUse", f"Address {ip} is in use (by {used[ip]}).")
        else:
            used[ip] = path


def _ipv6_address(p: DInstance, ip: str, cidr: str | None, used6: dict[str, str],
                  r: Report) -> None:
    if cidr is None or not addressing.contains(cidr, ip):
        r.add(f"{p.path}.ipv6_address", "InvalidParameterValue",
              f"Address {ip} does not fall within the subnet's IPv6 range "
              f"({cidr or 'the subnet has no IPv6 CIDR'})")
    elif addressing.is_reserved(ip, cidr):
        r.add(f"{p.path}.ipv6_address", "InvalidParameterValue",
              f"Address {ip} is in subnet's reserved address range (V14)")
    elif ip in used6:
        r.add(f"{p.path}.ipv6_address", "InvalidIPAddress.InUse", f"Address {ip} is in use.")
    else:
        used6[ip] = p.path


def _room_to_allocate(v: DVpc, need: Counter[str], used: dict[str, str], r: Report) -> None:
    """Every part without a private_ip gets a free address of its subnet."""
    for name, count in need.items():
        s = _subnet(v, name)
        assert s is not None and s.cidr is not None
        taken = [ip for ip in used if addressing.contains(s.cidr, ip)]
        if len(addressing.allocate(s.cidr, taken, count)) < count:
            r.add(s.path, "InsufficientFreeAddressesInSubnet",
                  f"There are not enough free addresses in subnet '{name}' ({s.cidr}: "
                  f"{addressing.available_ip_count(s.cidr)} usable) for the {count} parts "
                  "without a private_ip.")


def _public_addresses(topo: DTopology, parts: list[DNat | DInstance], r: Report) -> None:
    """A public IPv4 address is public, and held by one part only."""
    public: dict[str, str] = {}
    for vv in topo.vpcs:
        for holder in vv.all_parts():
            if holder.public_ip is not None:
                public.setdefault(holder.public_ip, holder.path)
    for p in parts:
        if p.public_ip is None:
            continue
        if not addressing.is_public_ipv4(p.public_ip):
            r.add(f"{p.path}.public_ip", "InvalidParameterValue",
                  f"{p.public_ip} is not a public IPv4 address (RFC 1918, RFC 6598, loopback, "
                  "link-local and multicast addresses can't be public IPs)")
        elif public.get(p.public_ip) != p.path:
            r.add(f"{p.path}.public_ip", "Resource.AlreadyAssociated",
                  f"the public IP {p.public_ip} is already associated with "
                  f"{public[p.public_ip]}")


# --- V18-V29: route tables ------------------------------------------------------------------------


def _is_local_block(v: DVpc, dest: str) -> bool:
    return dest in v.cidrs()


def route_tables(v: DVpc, topo: DTopology, r: Report) -> None:
    mains = [rt for rt in v.route_tables if rt.main]
    for extra in mains[1:]:  # V18/V19: one main route table
        r.add(f"{extra.path}.main", "InvalidParameterValue",
              f"a VPC has exactly one main route table; {mains[0].name} is already main")
    if not mains and any(rt.name == "main" for rt in v.route_tables):
        rt = next(rt for rt in v.route_tables if rt.name == "main")
        r.add(f"{rt.path}.name", "DuplicateName",
              "'main' names the implicit main route table; set main: true on this table or "
              "rename it")
    max_tables = quota(topo, "route_tables_per_vpc")
    if len(v.route_tables) + (0 if mains else 1) > max_tables:  # V29
        r.add(f"{v.path}.route_tables", "RouteTableLimitExceeded",
              f"The maximum number of route tables per VPC has been reached ({max_tables}).")
    for rt in v.route_tables:
        _routes(v, rt, topo, r)
        if rt.edge_associations:
            _gateway_route_table(v, rt, r)
    edged = [rt for rt in v.route_tables if rt.edge_associations]
    for extra in edged[1:]:
        r.add(f"{extra.path}.edge_associations", "Resource.AlreadyAssociated",
              f"the internet gateway of {v.name} is already associated with route table "
              f"{edged[0].name}")


def _gateway_route_table(v: DVpc, rt: DRouteTable, r: Report) -> None:
    """V19, V27: a gateway route table (edge association with the IGW)."""
    if rt.main:  # V19
        r.add(f"{rt.path}.main", "InvalidParameterValue",
              "a gateway route table (edge association) can't be the main route table (V19)")
    if not v.internet_gateways:
        r.add(f"{rt.path}.edge_associations", "InvalidGatewayID.NotFound",
              f"VPC {v.name} has no internet gateway to associate")
    subnet_cidrs = {s.cidr for s in v.subnets} | {s.ipv6_cidr for s in v.subnets}
    for route in rt.routes:
        if route.target.kind == "none":
            continue
        if route.target.kind not in ("local", "instance"):  # V27
            r.add(f"{route.path}.target", "InvalidParameterValue",
                  f"a gateway route table accepts only local and network-interface targets, not "
                  f"{route.target} (V27)")
        elif route.destination not in subnet_cidrs and not _is_local_block(v, route.destination):
            r.add(f"{route.path}.destination", "InvalidParameterValue",
                  f"a gateway route table can't steer traffic outside the VPC: the destination "
                  f"{route.destination} must be the VPC's CIDR or a subnet's CIDR (V27)")


def _routes(v: DVpc, rt: DRouteTable, topo: DTopology, r: Report) -> None:
    seen: dict[str, str] = {}
    per_family: Counter[int] = Counter()
    subnet_cidrs = {s.cidr for s in v.subnets} | {s.ipv6_cidr for s in v.subnets}
    for route in rt.routes:
        dest, target = route.destination, route.target
        dpath, tpath = f"{route.path}.destination", f"{route.path}.target"
        if _is_local_block(v, dest):
            _local_route(v, rt, route, topo, r)
            continue
        if target.kind == "none":
            r.add(tpath, "MissingParameter", "a route needs a target")
            continue
        if target.kind == "local":
            r.add(tpath, "InvalidParameterValue",
                  "the local target is only for the VPC's own CIDR blocks "
                  f"({', '.join(v.cidrs())})")
            continue
        if dest in seen:  # V25
            r.add(dpath, "RouteAlreadyExists",
                  f"The route identified by {dest} already exists (at {seen[dest]}).")
            continue
        seen[dest] = route.path
        per_family[addressing.network(dest).version] += 1
        problem = _destination_problem(v, dest, target, subnet_cidrs)
        if problem is not None:
            key, message = problem
            r.add(f"{route.path}.{key}", "InvalidParameterValue", message)
            continue
        _target_exists(v, rt, route.path, target, dest, topo, r)
    max_routes = quota(topo, "routes_per_route_table")
    for family, count in per_family.items():
        if count > max_routes:  # V29
            r.add(f"{rt.path}.routes", "RouteLimitExceeded",
                  f"The maximum number of routes per route table ({max_routes} per IP "
                  f"family) has been reached (IPv{family}: {count}).")


def _local_route(v: DVpc, rt: DRouteTable, route: DRoute, topo: DTopology, r: Report) -> None:
    """V20, V25: a route for one of the VPC's own blocks replaces the local route's target."""
    dest, target = route.destination, route.target
    if target.kind == "none":  # V20 / Part M 15
        r.add(route.path, "InvalidParameterValue",
              f"cannot remove local route {dest} in route table {rt.name} (V20)")
    elif target.kind not in ("local", "nat_gateway", "instance"):  # V25, Part M 23
        r.add(f"{route.path}.destination", "RouteAlreadyExists",
              f"The route identified by {dest} already exists (the local route; only its "
              "target can be replaced, by a NAT gateway or a network interface, V20).")
    else:
        _target_exists(v, rt, route.path, target, dest, topo, r)


def _destination_problem(v: DVpc, dest: str, target: RouteTarget,
                         subnet_cidrs: set[str | None]) -> tuple[str, str] | None:
    """(the route's key at fault, message) for a destination AWS refuses (V24, V21, V73)."""
    if any(addressing.within(dest, str(f)) for f in addressing.ROUTE_FORBIDDEN):  # V24
        return ("destination",
                f"The destination CIDR block {dest} is equal to or more specific than "
                "169.254.168.0/22 (fd00:ec2::/32 for IPv6), which is reserved for AWS services "
                "(V24).")
    inside = [b for b in v.cidrs() if addressing.within(dest, b)]
    middlebox = dest in subnet_cidrs and target.kind in ("nat_gateway", "instance")
    if inside and not middlebox:  # V21 (and V6: the block must not contain an existing route)
        return ("destination",
                f"The destination CIDR block {dest} is more specific than the local route "
                f"{inside[0]}: such a route must match a subnet's CIDR exactly and target a "
                "NAT gateway or a network interface (V21, V6).")
    if target.kind == "egress_only_internet_gateway" and addressing.network(dest).version != 6:
        return ("target",  # V73
                "an egress-only internet gateway can only be the target of IPv6 routes")
    return None


def _target_exists(v: DVpc, rt: DRouteTable, path: str, target: RouteTarget, dest: str,
                   topo: DTopology, r: Report) -> None:
    """The route's target exists and belongs to the route table's VPC (TARGET_CHECKS)."""
    check = TARGET_CHECKS.get(target.kind)
    problem = check(v, topo, target.name or "") if check is not None else None
    if problem is not None:
        code, message, ref = problem
        if code == "InvalidParameterValue" and not message:
            message = (f"route table {rt.name} and network gateway {target} belong to different"
                       " networks")
        r.add(f"{path}.target", code, message, ref=ref)


# (code, message, ref) of a route target that does not exist; an empty InvalidParameterValue
# message is "belong to different networks" (the target is another VPC's).
TargetProblem = tuple[str, str, str | None] | None


def _igw_missing(v: DVpc, topo: DTopology, name: str) -> TargetProblem:
    if v.internet_gateways:
        return None
    return ("InvalidGatewayID.NotFound", f"VPC {v.name} has no internet gateway (declare "  # M16
            "internet_gateway: true; a detached one makes the route a blackhole, V26)", None)


def _eigw_missing(v: DVpc, topo: DTopology, name: str) -> TargetProblem:
    if v.egress_only_internet_gateways:
        return None
    return ("InvalidGatewayID.NotFound", f"VPC {v.name} has no egress-only internet gateway",
            None)


def _part_missing(kind: str, code: str, what: str) -> Callable[[DVpc, DTopology, str],
                                                                TargetProblem]:
    def check(v: DVpc, topo: DTopology, name: str) -> TargetProblem:
        items: list[DNat] | list[DInstance] = (
            v.nat_gateways if kind == "nat_gateway" else v.instances)
        if any(i.name == name for i in items):
            return None
        if _owner(topo, kind, name):
            return ("InvalidParameterValue", "", None)
        return (code, f"The {what} ID '{name}' does not exist", name)

    return check


def _peering_missing(v: DVpc, topo: DTopology, name: str) -> TargetProblem:
    p = next((p for p in topo.peerings if p.name == name), None)
    if p is None:
        return ("InvalidVpcPeeringConnectionID.NotFound",
                f"The vpcPeeringConnection ID '{name}' does not exist", name)
    if v.name not in (p.requester, p.accepter):
        return ("InvalidParameterValue", "", None)
    return None


def _tgw_missing(v: DVpc, topo: DTopology, name: str) -> TargetProblem:
    t = next((t for t in topo.transit_gateways if t.name == name), None)
    if t is None:
        return ("InvalidTransitGatewayID.NotFound",
                f"The transitGateway ID '{name}' does not exist.", name)
    if not any(a.vpc == v.name for a in t.attachments):
        return ("InvalidParameterValue",
                f"transit gateway {name} has no attachment in VPC {v.name}", None)
    return None


TARGET_CHECKS: dict[str, Callable[[DVpc, DTopology, str], TargetProblem]] = {
    "internet_gateway": _igw_missing,
    "egress_only_internet_gateway": _eigw_missing,
    "nat_gateway": _part_missing("nat_gateway", "InvalidNatGatewayID.NotFound", "natGateway"),
    "instance": _part_missing("instance", "InvalidInstanceID.NotFound", "instance"),
    "peering": _peering_missing,
    "transit_gateway": _tgw_missing,
}


# --- V18, V30: associations -----------------------------------------------------------------------


def associations(v: DVpc, r: Report) -> None:
    tables = {rt.name for rt in v.route_tables} | ({"main"} if not any(
        rt.main for rt in v.route_tables) else set())
    acls = {n.name for n in v.network_acls} | {"default"}
    for s in v.subnets:
        if s.route_table is not None and s.route_table not in tables:  # V18, Part M 33
            r.add(f"{s.path}.route_table", "InvalidRouteTableID.NotFound",
                  f"The routeTable ID '{s.route_table}' does not exist in VPC {v.name} (a route "
                  "table serves subnets of its own VPC only)", ref=s.route_table)
        if s.network_acl is not None and s.network_acl not in acls:  # V30
            r.add(f"{s.path}.network_acl", "InvalidNetworkAclID.NotFound",
                  f"The network ACL ID '{s.network_acl}' does not exist in VPC {v.name}",
                  ref=s.network_acl)


# --- V30-V33: network ACLs ------------------------------------------------------------------------


def network_acls(v: DVpc, topo: DTopology, r: Report) -> None:
    max_acls = quota(topo, "network_acls_per_vpc")
    custom = [acl for acl in v.network_acls if acl.name != "default"]
    if len(custom) + 1 > max_acls:  # V38: the default NACL counts
        r.add(f"{v.path}.network_acls", "NetworkAclLimitExceeded",
              f"The maximum number of network ACLs per VPC has been reached ({max_acls}, the "
              "default network ACL included, V38).")
    max_rules = quota(topo, "rules_per_network_acl")
    for acl in v.network_acls:
        for direction, rules in (("inbound", acl.inbound), ("outbound", acl.outbound)):
            families = Counter(addressing.network(x.cidr).version for x in rules if x.cidr)
            for family, count in sorted(families.items()):
                if count + 1 > max_rules:  # V38: the final * rule counts
                    r.add(f"{acl.path}.{direction}", "NetworkAclEntryLimitExceeded",
                          f"The maximum number of network ACL entries has been reached: "
                          f"{max_rules} {direction} IPv{family} rules per network ACL, the final"
                          f" * deny rule included ({acl.name} has {count} + *, V38).")
            seen: dict[int, str] = {}
            for rule in rules:
                if not 1 <= rule.number <= 32766:  # V31, Part M 29
                    r.add(f"{rule.path}.rule", "InvalidParameterValue",
                          f"Invalid value '{rule.number}' for rule number: a rule number is "
                          "between 1 and 32766 (V31).")
                elif rule.number in seen:  # V31
                    r.add(f"{rule.path}.rule", "NetworkAclEntryAlreadyExists",
                          f"The network acl entry identified by {rule.number} already exists "
                          f"({direction}, at {seen[rule.number]}).")
                else:
                    seen[rule.number] = rule.path


# --- V40-V45: security groups ---------------------------------------------------------------------


def security_group_names(v: DVpc, r: Report) -> None:
    for sg in v.security_groups:
        if sg.name.lower().startswith("sg-"):  # V43, Part M 32
            r.add(f"{sg.path}.name", "InvalidParameterValue",
                  "Invalid value for parameter group name: group names may not be in the format "
                  "sg-* (V43).")
        if len(sg.name) > 255:
            r.add(f"{sg.path}.name", "InvalidParameterValue",
                  "a security group name is at most 255 characters (V43)")


def peering_between(topo: DTopology, a: str, b: str) -> DPeering | None:
    """The (most alive) peering between VPCs a and b, or None."""
    found = [p for p in topo.peerings if {p.requester, p.accepter} == {a, b}]
    found.sort(key=lambda p: (p.status != "active", p.status not in LIVE_PEERING))
    return found[0] if found else None


def security_group_rules(v: DVpc, topo: DTopology, r: Report) -> None:
    max_rules = quota(topo, "rules_per_security_group")
    own = {sg.name for sg in v.security_groups} | {"default"}
    for sg in v.security_groups:
        for direction, rules in (("ingress", sg.ingress), ("egress", sg.egress or [])):
            _rules_per_family(sg, direction, rules, max_rules, r)
            seen: dict[tuple[object, ...], str] = {}
            for rule in rules:
                key = (rule.protocol, rule.ports, rule.cidr,
                       (rule.group[0] or v.name, rule.group[1]) if rule.group else None, rule.icmp)
                if key in seen:  # V40: the rules are a set
                    r.add(rule.path, "InvalidPermission.Duplicate",
                          f"the specified rule already exists in {direction} (at {seen[key]})")
                else:
                    seen[key] = rule.path
                if rule.group is not None:
                    _group_ref(v, topo, rule.path, rule.group, own, r)
    for i in v.instances:
        for k, name in enumerate(i.security_groups or []):
            if name not in own:  # V43: an SG is used in its own VPC only
                elsewhere = _owner(topo, "security_group", name)
                extra = f" (it belongs to VPC {elsewhere})" if elsewhere else ""
                r.add(f"{i.path}.security_groups[{k}]", "InvalidGroup.NotFound",
                      f"The security group '{name}' does not exist in VPC '{v.name}'{extra}",
                      ref=name)


def _rules_per_family(sg: DSecurityGroup, direction: str, rules: list[DSgRule],
                      max_rules: int, r: Report) -> None:
    """V51: at most ``rules_per_security_group`` rules per direction and IP family."""
    families = Counter(addressing.network(x.cidr).version if x.cidr else 4 for x in rules)
    for family, count in sorted(families.items()):
        if count > max_rules:  # V51
            r.add(f"{sg.path}.{direction}", "RulesPerSecurityGroupLimitExceeded",
                  f"The maximum number of rules per security group has been reached "
                  f"({max_rules} {direction} rules per IP family; "
                  f"IPv{family}: {count}).")


def _group_ref(v: DVpc, topo: DTopology, path: str, group: tuple[str | None, str],
               own: set[str], r: Report) -> None:
    gvpc, name = group
    if gvpc is None or gvpc == v.name:
        if name not in own:
            r.add(path, "InvalidGroup.NotFound",
                  f"The security group '{name}' does not exist in VPC '{v.name}'", ref=name)
        return
    other = topo.vpc(gvpc)
    if other is None:
        r.add(path, "InvalidVpcID.NotFound", f"The vpc ID '{gvpc}' does not exist", ref=gvpc)
        return
    if name not in {sg.name for sg in other.security_groups} | {"default"}:
        r.add(path, "InvalidGroup.NotFound",
              f"The security group '{name}' does not exist in VPC '{gvpc}'", ref=name)
        return
    if other.region == v.region and tgw_sg_referencing(topo, v.name, gvpc):
        return  # V79: referencing across a transit gateway with the support enabled
    p = peering_between(topo, v.name, gvpc)
    if p is not None and p.status == "deleted":
        return  # V45: allowed but stale (the model marks the rule)
    if p is None or p.status != "active":  # V44, Part M 19
        r.add(path, "InvalidGroup.NotFound",
              f"You have specified two resources that belong to different networks: security "
              f"group {gvpc}/{name} can be referenced only from its own VPC or a VPC peered with "
              "it by an active peering (V44).")
    elif other.region != v.region:  # V44
        r.add(path, "InvalidGroup.NotFound",
              f"security group {gvpc}/{name} is in Region {other.region}: a security group in a "
              "cross-Region peer VPC can't be referenced; use its CIDR (V44).")


def tgw_sg_referencing(topo: DTopology, a: str, b: str) -> bool:
    """Both VPCs attached to one transit gateway with security group referencing support (V79)."""
    for t in topo.transit_gateways:
        on = {x.vpc for x in t.attachments if x.security_group_referencing}
        if a in on and b in on:
            return True
    return False


# --- V67: NAT gateways ----------------------------------------------------------------------------


def _public_subnet(v: DVpc, subnet: str) -> bool:
    s = _subnet(v, subnet)
    if s is None:
        return False
    main = next((rt for rt in v.route_tables if rt.main), None)
    rt = next((t for t in v.route_tables if t.name == s.route_table), None) if s.route_table \
        else main
    if rt is None:
        return False
    return any(x.target is not None and x.target.kind == "internet_gateway" for x in rt.routes)


def nat_gateways(v: DVpc, r: Report) -> None:
    for n in v.live_nat_gateways():
        if n.connectivity == "private":
            if n.public_ip is not None:  # V67
                r.add(f"{n.path}.public_ip", "InvalidParameterCombination",
                      "a private NAT gateway can't have an Elastic IP address (V67)")
            continue
        if n.public_ip is None:  # V67, Part M 31
            r.add(n.path, "MissingParameter",
                  "The request must contain the parameter AllocationId: a public NAT gateway "
                  "needs a public_ip (an Elastic IP) (V67)")
        if not v.igw_attached():
            r.add(n.path, "Gateway.NotAttached",
                  f"Network {v.name} has no Internet gateway attached: a public NAT gateway "
                  "needs one (V67)")
        elif _subnet(v, n.subnet) is not None and not _public_subnet(v, n.subnet):  # V67
            r.add(f"{n.path}.subnet", "NatGatewayNotInPublicSubnet",
                  f"a public NAT gateway goes in a public subnet (one whose route table routes to "
                  f"the internet gateway); {n.subnet} has no such route (V67)")


# --- V52, V53, V59, V62: peerings -----------------------------------------------------------------


def peerings(topo: DTopology, r: Report, vpc_names: set[str]) -> None:
    pairs: dict[frozenset[str], str] = {}
    active: Counter[str] = Counter()
    for p in topo.peerings:
        if not _peering_named_well(p, vpc_names, r):
            continue
        if p.requester == p.accepter:
            r.add(p.path, "InvalidParameterValue",
                  "a VPC peering connection joins two different VPCs")
            continue
        if p.status not in LIVE_PEERING:
            continue
        pair = frozenset((p.requester, p.accepter))
        if pair in pairs:  # V53, Part M 22
            r.add(p.path, "VpcPeeringConnectionAlreadyExists",
                  f"A VPC peering connection between {p.requester} and {p.accepter} already "
                  f"exists ({pairs[pair]}) (V53).")
            continue
        pairs[pair] = p.name
        a, b = topo.vpc(p.requester), topo.vpc(p.accepter)
        assert a is not None and b is not None
        clash = [(x, y) for x in a.cidrs() for y in b.cidrs() if addressing.overlaps(x, y)]
        if clash:  # V52, V9, Part M 21
            x, y = clash[0]
            r.add(p.path, "OverlappingCidrs",
                  f"VPCs {p.requester} and {p.accepter} have overlapping CIDR blocks ({x} and {y}):"
                  " the peering request fails (V52)")
        if p.status == "active":
            active[p.requester] += 1
            active[p.accepter] += 1
    max_active = quota(topo, "active_vpc_peering_connections_per_vpc")
    for name, count in sorted(active.items()):
        if count > max_active:  # V62
            v = topo.vpc(name)
            r.add(v.path if v else name, "ActiveVpcPeeringConnectionPerVpcLimitExceeded",
                  f"VPC {name} has {count} active peering connections; the quota is "
                  f"{max_active} (V62)")


def _peering_named_well(p: DPeering, vpc_names: set[str], r: Report) -> bool:
    """Its VPCs exist and its status is one AWS has (V59)."""
    ok = True
    for role in ("requester", "accepter"):
        name = getattr(p, role)
        if name not in vpc_names:
            r.add(f"{p.path}.{role}", "InvalidVpcID.NotFound",
                  f"The vpc ID '{name}' does not exist", ref=name)
            ok = False
    if p.status not in PEERING_STATUSES:  # V59
        r.add(f"{p.path}.status", "InvalidParameterValue",
              f"unknown peering status {p.status!r}: one of {', '.join(PEERING_STATUSES)}")
        ok = False
    return ok


def internet_hosts(topo: DTopology, r: Report) -> None:
    public = {p.public_ip: p.path for v in topo.vpcs for p in v.all_parts() if p.public_ip}
    for h in topo.hosts:
        if h.ip in public:
            r.add(f"{h.path}.ip", "InvalidIPAddress.InUse",
                  f"Address {h.ip} is in use (public IP of {public[h.ip]}).")


# --- V74-V79: transit gateways --------------------------------------------------------------------


def transit_gateways(topo: DTopology, r: Report) -> None:
    for t in topo.transit_gateways:
        tables = {rt.name for rt in t.route_tables}
        attached: dict[str, str] = {}
        for a in t.attachments:
            v = topo.vpc(a.vpc)
            if v is None:
                r.add(f"{a.path}.vpc", "InvalidVpcID.NotFound",
                      f"The vpc ID '{a.vpc}' does not exist", ref=a.vpc)
                continue
            if a.vpc in attached:
                r.add(f"{a.path}.vpc", "DuplicateTransitGatewayAttachment",
                      f"VPC {a.vpc} is already attached to {t.name} ({attached[a.vpc]})")
            attached[a.vpc] = a.name
            _attachment(v, a, tables, r)
        _tgw_routes(t, r)


def _attachment(v: DVpc, a: DTgwAttachment, tables: set[str], r: Report) -> None:
    """V74, V78: an attachment's subnets (one per zone) and its route tables exist."""
    azs: dict[str, str] = {}
    for k, sn in enumerate(a.subnets):
        s = _subnet(v, sn)
        if s is None:
            r.add(f"{a.path}.subnets[{k}]", "InvalidSubnetID.NotFound",
                  f"The subnet ID '{sn}' does not exist in VPC {a.vpc}", ref=sn)
        elif s.az in azs:  # V78: one subnet per AZ
            r.add(f"{a.path}.subnets[{k}]", "DuplicateSubnetsInSameZone",
                  f"subnets {azs[s.az]} and {sn} are in the same Availability Zone "
                  f"{s.az}: an attachment has one subnet per zone")
        else:
            azs[s.az] = sn
    if not a.subnets:
        r.add(f"{a.path}.subnets", "MissingParameter", "an attachment needs subnets")
    if a.association is not None and a.association not in tables:  # V74
        r.add(f"{a.path}.association", "InvalidRouteTableID.NotFound",
              f"The transitGatewayRouteTable ID '{a.association}' does not exist",
              ref=a.association)
    for k, pr in enumerate(a.propagations):
        if pr not in tables:
            r.add(f"{a.path}.propagations[{k}]", "InvalidRouteTableID.NotFound",
                  f"The transitGatewayRouteTable ID '{pr}' does not exist", ref=pr)


def _tgw_routes(t: DTgw, r: Report) -> None:
    """Routes name an attachment of the TGW: a VPC attachment, a VPN attachment (a static
    route beside the routes the VPN propagates, V76) or a peering attachment (V176)."""
    atts = {a.name for a in t.attachments} | set(t.other_attachments)
    for rt in t.route_tables:
        seen: dict[str, str] = {}
        for route in rt.routes:
            if route.destination in seen:
                r.add(f"{route.path}.destination", "RouteAlreadyExists",
                      f"The route identified by {route.destination} already exists.")
            seen[route.destination] = route.path
            if route.attachment is not None and route.attachment not in atts:
                r.add(f"{route.path}.attachment", "InvalidTransitGatewayAttachmentID.NotFound",
                      f"The transitGatewayAttachment ID '{route.attachment}' does not exist",
                      ref=route.attachment)
