"""VPC domain values: frozen, hashable, produced by ``vpc.load`` from a topology file.

This is the contract between the loader, the evaluators (routing, security groups, NACLs),
``vpc.trace`` and the data plane, which realises exactly this model. Conventions:

- Objects are named by the topology file's names; references are names (``Subnet.route_table``
  names a RouteTable of the same VPC). Names are unique per kind within a VPC (VPC names, peering
  names, internet-host names and transit-gateway names are unique in the topology).
- CIDRs are canonical strings (host bits cleared, V2), IPv4 or IPv6. Addresses are strings.
- Protocol is an IANA number, -1 for "all". ``ports`` is None for "all ports" (and for protocols
  without ports); otherwise an inclusive PortRange. ICMP type/code live in ``icmp``.
- Everything AWS creates implicitly is explicit here after loading: the ``local`` routes of every
  route table, the main route table, the default NACL (``default: True``) and the default SG,
  each subnet's route table and NACL association, allocated instance addresses, and the final
  ``*`` deny rule of NACLs is *not* stored (it is the evaluator's implicit deny).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from netemu.vpc.checkers import CheckerHost
from netemu.vpc.dns import DnsConfig
from netemu.vpc.elb import ElbConfig
from netemu.vpc.gateway_endpoints import GatewayEndpoint
from netemu.vpc.interface_endpoints import InterfaceEndpoint
from netemu.vpc.prefix_lists import PrefixList
from netemu.vpc.vpn import VpnConfig

PROTOCOL_ALL = -1
PROTOCOL_NUMBERS = {"all": -1, "icmp": 1, "tcp": 6, "udp": 17, "icmpv6": 58}


@dataclass(frozen=True, slots=True)
class PortRange:
    first: int
    last: int

    def __contains__(self, port: object) -> bool:
        return isinstance(port, int) and self.first <= port <= self.last

    def __str__(self) -> str:
        return str(self.first) if self.first == self.last else f"{self.first}-{self.last}"


@dataclass(frozen=True, slots=True)
class IcmpMatch:
    """ICMP type and code (-1 = any)."""

    type: int = -1
    code: int = -1


# --- network ACLs ------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class NaclRule:
    number: int  # 1..32766 (V31)
    protocol: int
    cidr: str
    action: str  # "allow" | "deny"
    ports: PortRange | None = None
    icmp: IcmpMatch | None = None


@dataclass(frozen=True, slots=True)
class NetworkAcl:
    """Rules sorted by number. ``default``: the VPC's default NACL (allow all, V32); a NACL
    named in the file is custom and denies what its rules do not allow (V33)."""

    name: str
    vpc: str
    inbound: tuple[NaclRule, ...]
    outbound: tuple[NaclRule, ...]
    default: bool = False


# --- security groups ---------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class GroupRef:
    """A security group referenced by a rule: ``vpc`` is the group's VPC (the rule's own VPC or a
    peered VPC in the same Region, V44)."""

    vpc: str
    name: str


@dataclass(frozen=True, slots=True)
class SgRule:
    """Exactly one of ``cidr`` and ``group`` is set (the peer of the rule)."""

    protocol: int
    ports: PortRange | None = None
    cidr: str | None = None
    group: GroupRef | None = None
    icmp: IcmpMatch | None = None
    description: str | None = None
    # V45: the rule references a group across a peering that is no longer active (deleted):
    # AWS keeps the rule but it is stale and matches nothing.
    stale: bool = False


@dataclass(frozen=True, slots=True)
class SecurityGroup:
    """``default``: the VPC's default SG (in: all from itself; out: all, V42). A group declared
    without ``egress`` allows all outbound (V41)."""

    name: str
    vpc: str
    ingress: tuple[SgRule, ...]
    egress: tuple[SgRule, ...]
    default: bool = False


# --- routing -----------------------------------------------------------------------------------

TARGET_KINDS = (
    "local",
    "internet_gateway",
    "egress_only_internet_gateway",
    "nat_gateway",
    "peering",
    "instance",
    "transit_gateway",
    "blackhole",
    "vpc_endpoint",  # a gateway endpoint (S3, DynamoDB): its prefix-list routes only
    "vpn_gateway",  # a VGW: the routes it propagates (propagating_vgws, vpn.py)
)


@dataclass(frozen=True, slots=True)
class RouteTarget:
    """``kind`` one of TARGET_KINDS; ``name`` the NAT gateway, peering, instance or transit
    gateway named (None for local, internet_gateway, egress_only_internet_gateway, blackhole)."""

    kind: str
    name: str | None = None

    def __str__(self) -> str:
        return self.kind if self.name is None else f"{self.kind}:{self.name}"


@dataclass(frozen=True, slots=True)
class Route:
    """``origin``: ``CreateRouteTable`` for local routes, ``CreateRoute`` for the file's routes
    (AWS's ``Route.Origin``)."""

    destination: str
    target: RouteTarget
    origin: str = "CreateRoute"
    # For a blackhole route (target kind "blackhole", V26): the target the file named, which is
    # unavailable (NAT gateway deleted, instance terminated, IGW detached, peering not active).
    unavailable_target: RouteTarget | None = None
    # A route to a prefix list (origin "prefix-list", V23): the list's id; one Route per entry.
    prefix_list: str | None = None


@dataclass(frozen=True, slots=True)
class RouteTable:
    name: str
    vpc: str
    routes: tuple[Route, ...]  # local routes first, then the file's routes in file order
    main: bool = False
    # Gateway route table (V27): the gateways whose *incoming* traffic this table routes (edge
    # association); only "internet_gateway" for now. Such a table is never main (V19).
    edge_associations: tuple[str, ...] = ()


# --- VPC parts ---------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Subnet:
    name: str
    vpc: str
    cidr: str
    az: str
    route_table: str  # resolved: explicit association or the main route table (V18)
    network_acl: str  # resolved: explicit association or the default NACL (V30)
    ipv6_cidr: str | None = None
    # V17: instances launched here get a public IPv4 address (resolved: the file's value, else
    # true for the default subnets of a default VPC, false otherwise).
    map_public_ip_on_launch: bool = False
    default_for_az: bool = False  # a default subnet (AWS's DefaultForAz, V17)


@dataclass(frozen=True, slots=True)
class NatGateway:
    """``connectivity`` public (needs ``public_ip``, V67) or private."""

    name: str
    vpc: str
    subnet: str
    private_ip: str
    public_ip: str | None = None
    connectivity: str = "public"
    eni_id: str = ""  # deterministic eni-... id of the NAT gateway's interface (flow logs)


@dataclass(frozen=True, slots=True)
class Instance:
    """One instance with one ENI. ``private_ip`` is allocated from the free addresses when the
    file omits it (V14)."""

    name: str
    vpc: str
    subnet: str
    private_ip: str
    security_groups: tuple[str, ...]  # names in the same VPC; [default] when omitted (V42)
    public_ip: str | None = None
    ipv6_address: str | None = None
    source_dest_check: bool = True
    eni_id: str = ""  # deterministic eni-... id for flow logs
    # V17: public_ip was assigned at launch (the subnet's map_public_ip_on_launch or the
    # instance's associate_public_ip_address), from addressing.AUTO_PUBLIC_IPV4_POOL.
    auto_public_ip: bool = False
    # ENIs and Elastic IPs (V160-V167, vpc/elastic_ips.py): secondary private IPv4 addresses
    # on the ENI, the associated EIP's name, running | stopped (a stopped instance loses its
    # auto-assigned public address and keeps its EIP, V163).
    secondary_private_ips: tuple[str, ...] = ()
    elastic_ip: str | None = None
    state: str = "running"
    # V165: a secondary ENI of instance ``attached_to`` at ``device_index`` (vpc/enis.py);
    # None for an instance (its primary ENI, device index 0).
    attached_to: str | None = None
    device_index: int = 0


@dataclass(frozen=True, slots=True)
class Vpc:
    name: str
    region: str
    cidr_blocks: tuple[str, ...]  # primary first (V1-V5)
    subnets: tuple[Subnet, ...] = ()
    route_tables: tuple[RouteTable, ...] = ()
    network_acls: tuple[NetworkAcl, ...] = ()
    security_groups: tuple[SecurityGroup, ...] = ()
    nat_gateways: tuple[NatGateway, ...] = ()
    instances: tuple[Instance, ...] = ()
    ipv6_cidr_blocks: tuple[str, ...] = ()
    internet_gateway: bool = False
    egress_only_internet_gateway: bool = False
    enable_dns_support: bool = True
    enable_dns_hostnames: bool = False
    default: bool = False  # the Region's default VPC (V17)


@dataclass(frozen=True, slots=True)
class Peering:
    name: str
    requester: str
    accepter: str
    status: str = "active"


@dataclass(frozen=True, slots=True)
class InternetHost:
    name: str
    ip: str


# --- transit gateways (V74-V79) ----------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class TgwRoute:
    """``attachment`` None with ``blackhole`` True for a blackhole route; ``origin`` static or
    propagated (V76)."""

    destination: str
    attachment: str | None
    blackhole: bool = False
    origin: str = "static"


@dataclass(frozen=True, slots=True)
class TgwRouteTable:
    name: str
    routes: tuple[TgwRoute, ...]  # static routes and the propagated routes, resolved at load


@dataclass(frozen=True, slots=True)
class TgwAttachment:
    """A VPC attachment: its subnets (one per AZ), the route table it is associated with, and
    the route tables it propagates to."""

    name: str
    vpc: str
    subnets: tuple[str, ...]
    association: str | None
    propagations: tuple[str, ...] = ()
    appliance_mode: bool = False
    security_group_referencing: bool = False


@dataclass(frozen=True, slots=True)
class TgwPeering:
    """A transit gateway peering attachment as one side sees it (vpc/tgw_peering.py): the peer
    transit gateway (and its Region), this side's association; static routes only (V175-V177)."""

    name: str
    peer: str
    peer_region: str | None = None
    association: str | None = None
    state: str = "available"  # or pendingAcceptance: carries nothing (V177)


@dataclass(frozen=True, slots=True)
class TransitGateway:
    name: str
    route_tables: tuple[TgwRouteTable, ...] = ()
    attachments: tuple[TgwAttachment, ...] = ()
    peerings: tuple[TgwPeering, ...] = ()  # peering attachments (vpc/tgw_peering.py)


# --- the whole topology ------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Topology:
    region: str
    vpcs: tuple[Vpc, ...] = ()
    peerings: tuple[Peering, ...] = ()
    internet_hosts: tuple[InternetHost, ...] = ()
    transit_gateways: tuple[TransitGateway, ...] = ()
    account_id: str = "123456789012"
    source: str | None = None
    # The quotas the file raised (``quotas:``; every other quota has AWS's default, quotas.py).
    quotas: tuple[tuple[str, int], ...] = ()
    dns: DnsConfig = field(default_factory=DnsConfig)  # DHCP options, Resolver rules/endpoints
    # ``aws_ids``: (kind, topology name, AWS id) of imported items (``netemu import aws``);
    # kinds are aws_ids.KINDS; internet gateways are named by their VPC.
    aws_ids: tuple[tuple[str, str, str], ...] = ()
    # Load balancers and target groups (``load_balancers``, ``target_groups``; vpc/elb.py)
    elb: ElbConfig = field(default_factory=ElbConfig)
    # Route 53 health checkers on the internet (``route53_health_checkers``; vpc/checkers.py)
    route53_checkers: tuple[CheckerHost, ...] = ()
    # Managed and customer-managed prefix lists (``prefix_lists``; vpc/prefix_lists.py)
    prefix_lists: tuple[PrefixList, ...] = ()
    # Gateway endpoints (``vpc_endpoints``; vpc/gateway_endpoints.py)
    gateway_endpoints: tuple[GatewayEndpoint, ...] = ()
    # Interface endpoints (``vpc_endpoints`` of type Interface; vpc/interface_endpoints.py)
    interface_endpoints: tuple[InterfaceEndpoint, ...] = ()
    # On-premises sites, VGWs and Site-to-Site VPN connections (vpn.py)
    vpn: VpnConfig = field(default_factory=VpnConfig)

    def vpc(self, name: str) -> Vpc:
        for v in self.vpcs:
            if v.name == name:
                return v
        raise KeyError(name)
