"""The topology file as read, before the AWS rules run: drafts with the item path of each part.

``load.py`` parses a file into these (shape and types only), ``validate.py`` checks the AWS
rules on them, and ``load.py`` then builds the frozen model. Drafts are internal to the loader.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from netemu.errors import Problem
from netemu.vpc.model import IcmpMatch, PortRange, RouteTarget


class Report:
    """Collects every Problem of one file."""

    def __init__(self, source: str) -> None:
        self.source = source
        self.problems: list[Problem] = []
        self.broken: set[str] = set()  # names of items refused at the shape pass

    def add(self, item: str, code: str, message: str, ref: str | None = None) -> None:
        """``ref``: the name a "not found" problem is about; when an item of that name was
        already refused for its shape, the follow-on problem is not reported."""
        if ref is not None and ref in self.broken:
            return
        self.problems.append(Problem(self.source, item, code, message))


@dataclass
class DCidr:
    cidr: str  # canonical (V2)
    path: str


@dataclass
class DGateway:
    """An internet gateway or egress-only internet gateway declaration."""

    state: str  # attached | detached (IGW); attached | deleted (EIGW)
    path: str


@dataclass
class DSubnet:
    name: str
    path: str
    cidr: str | None
    az: str
    route_table: str | None
    network_acl: str | None
    ipv6_cidr: str | None = None
    map_public_ip_on_launch: bool | None = None  # None: the file did not say (V17)
    default_for_az: bool = False  # a default subnet of a default VPC (V17)


@dataclass
class DRoute:
    path: str
    destination: str  # canonical
    target: RouteTarget  # kind "none" for `target: null`


@dataclass
class DRouteTable:
    name: str
    path: str
    main: bool
    routes: list[DRoute] = field(default_factory=list)
    edge_associations: list[str] = field(default_factory=list)


@dataclass
class DNaclRule:
    path: str
    number: int
    protocol: int
    cidr: str
    action: str  # allow | deny
    ports: PortRange | None = None
    icmp: IcmpMatch | None = None


@dataclass
class DNacl:
    name: str
    path: str
    inbound: list[DNaclRule]
    outbound: list[DNaclRule]


@dataclass
class DSgRule:
    path: str
    protocol: int
    ports: PortRange | None
    cidr: str | None
    group: tuple[str | None, str] | None  # (vpc or None for "own VPC", name)
    icmp: IcmpMatch | None
    description: str | None


@dataclass
class DSecurityGroup:
    name: str
    path: str
    ingress: list[DSgRule]
    egress: list[DSgRule] | None  # None: omitted -> allow all (V41)


@dataclass
class DNat:
    name: str
    path: str
    subnet: str
    private_ip: str | None
    public_ip: str | None
    connectivity: str
    state: str  # available | deleted

    @property
    def live(self) -> bool:
        """The NAT gateway exists: a ``deleted`` one only blackholes its routes (V26). The one
        home of this rule (loading, building and validating all ask here)."""
        return self.state != "deleted"


@dataclass
class DInstance:
    name: str
    path: str
    subnet: str
    private_ip: str | None
    public_ip: str | None
    ipv6_address: str | None
    security_groups: list[str] | None
    source_dest_check: bool
    state: str  # running | stopped | terminated
    associate_public_ip_address: bool | None = None  # None: the subnet's setting (V17)
    secondary_private_ips: list[str] = field(default_factory=list)  # V164

    @property
    def live(self) -> bool:
        """The instance runs: a ``terminated`` one only blackholes its routes (V26)."""
        return self.state != "terminated"


@dataclass
class DVpc:
    name: str
    path: str
    region: str
    cidr_blocks: list[DCidr]
    ipv6_cidr_blocks: list[DCidr]
    enable_dns_support: bool
    enable_dns_hostnames: bool
    internet_gateways: list[DGateway]
    egress_only_internet_gateways: list[DGateway]
    subnets: list[DSubnet] = field(default_factory=list)
    route_tables: list[DRouteTable] = field(default_factory=list)
    nat_gateways: list[DNat] = field(default_factory=list)
    network_acls: list[DNacl] = field(default_factory=list)
    security_groups: list[DSecurityGroup] = field(default_factory=list)
    instances: list[DInstance] = field(default_factory=list)
    default: bool = False

    def cidrs(self) -> list[str]:
        return [c.cidr for c in self.cidr_blocks] + [c.cidr for c in self.ipv6_cidr_blocks]

    def live_nat_gateways(self) -> list[DNat]:
        """The NAT gateways that exist (a ``deleted`` one only blackholes its routes, V26)."""
        return [n for n in self.nat_gateways if n.live]

    def live_instances(self) -> list[DInstance]:
        """The instances that run (a ``terminated`` one only blackholes its routes, V26)."""
        return [i for i in self.instances if i.live]

    def all_parts(self) -> list[DNat | DInstance]:
        """Every NAT gateway and instance, deleted and terminated ones included."""
        return [*self.nat_gateways, *self.instances]

    def live_parts(self) -> list[DNat | DInstance]:
        """What holds addresses in the subnets: live NAT gateways first, then instances."""
        return [*self.live_nat_gateways(), *self.live_instances()]

    def igw_attached(self) -> bool:
        return any(g.state == "attached" for g in self.internet_gateways)

    def eigw_attached(self) -> bool:
        return any(g.state == "attached" for g in self.egress_only_internet_gateways)


@dataclass
class DPeering:
    name: str
    path: str
    requester: str
    accepter: str
    status: str


@dataclass
class DHost:
    name: str
    path: str
    ip: str


@dataclass
class DTgwRoute:
    path: str
    destination: str
    attachment: str | None
    blackhole: bool


@dataclass
class DTgwRouteTable:
    name: str
    path: str
    routes: list[DTgwRoute]


@dataclass
class DTgwAttachment:
    name: str
    path: str
    vpc: str
    subnets: list[str]
    association: str | None
    propagations: list[str]
    appliance_mode: bool
    security_group_referencing: bool


@dataclass
class DTgw:
    name: str
    path: str
    route_tables: list[DTgwRouteTable]
    attachments: list[DTgwAttachment]
    # the VPN attachments (vpn_connections to this TGW, named like the connection) and peering
    # attachments (tgw_peering.py): a static route may target them too (load.py fills this in)
    other_attachments: list[str] = field(default_factory=list)


@dataclass
class DTopology:
    region: str
    account_id: str
    vpcs: list[DVpc]
    peerings: list[DPeering]
    hosts: list[DHost]
    transit_gateways: list[DTgw]
    quotas: dict[str, int] = field(default_factory=dict)  # raised quotas (quotas.py)

    def vpc(self, name: str) -> DVpc | None:
        for v in self.vpcs:
            if v.name == name:
                return v
        return None
