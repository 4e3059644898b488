"""Small topologies built directly from the model (no loader), shared by the data-plane tests.

``lab()`` has every behaviour the packet tests check: a public and a private subnet, a custom
NACL, SGs with a group reference, an IGW with one public instance, a NAT gateway, a blackhole
route, and three VPCs in a line of peerings (app - data - ops) for non-transitivity.
"""

from __future__ import annotations

from netemu.vpc.model import (
    GroupRef,
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
    Topology,
    Vpc,
)

ALL = -1
TCP, UDP, ICMP = 6, 17, 1


def local(cidr: str) -> Route:
    return Route(cidr, RouteTarget("local"), "CreateRouteTable")


def allow_all_acl(vpc: str) -> NetworkAcl:
    rule = NaclRule(100, ALL, "0.0.0.0/0", "allow")
    return NetworkAcl("default", vpc, (rule,), (rule,), default=True)


def default_sg(vpc: str) -> SecurityGroup:
    return SecurityGroup("default", vpc, (SgRule(ALL, group=GroupRef(vpc, "default")),),
                         (SgRule(ALL, cidr="0.0.0.0/0"),), default=True)


def lab(source: str = "lab") -> Topology:
    app = Vpc(
        name="app", region="us-east-1", cidr_blocks=("10.0.0.0/16",), internet_gateway=True,
        subnets=(
            Subnet("pub", "app", "10.0.1.0/24", "us-east-1a", "public", "web"),
            Subnet("priv", "app", "10.0.2.0/24", "us-east-1a", "private", "default"),
        ),
        route_tables=(
            RouteTable("main", "app", (local("10.0.0.0/16"),), main=True),
            RouteTable("public", "app", (
                local("10.0.0.0/16"),
                Route("0.0.0.0/0", RouteTarget("internet_gateway")),
                Route("10.1.0.0/16", RouteTarget("peering", "app-data")),
                Route("192.0.2.0/24", RouteTarget("blackhole")),
            )),
            RouteTable("private", "app", (
                local("10.0.0.0/16"),
                Route("0.0.0.0/0", RouteTarget("nat_gateway", "nat-a")),
                Route("10.1.0.0/16", RouteTarget("peering", "app-data")),
                Route("10.2.0.0/16", RouteTarget("peering", "app-data")),
            )),
        ),
        network_acls=(
            allow_all_acl("app"),
            NetworkAcl("web", "app",
                       inbound=(
                           NaclRule(100, TCP, "0.0.0.0/0", "allow", PortRange(80, 80)),
                           NaclRule(110, TCP, "0.0.0.0/0", "allow", PortRange(1024, 65535)),
                           NaclRule(120, UDP, "0.0.0.0/0", "allow", PortRange(1024, 65535)),
                           NaclRule(130, ICMP, "10.0.0.0/8", "allow"),
                           NaclRule(140, TCP, "10.0.0.0/8", "allow", PortRange(22, 22)),
                           NaclRule(150, UDP, "10.0.0.0/8", "allow", PortRange(53, 53)),
                       ),
                       outbound=(
                           NaclRule(90, TCP, "10.0.2.0/24", "deny", PortRange(8080, 8080)),
                           NaclRule(95, UDP, "10.0.2.0/24", "deny", PortRange(32768, 65535)),
                           NaclRule(100, ALL, "0.0.0.0/0", "allow"),
                       )),
        ),
        security_groups=(
            default_sg("app"),
            SecurityGroup("web", "app",
                          ingress=(SgRule(TCP, PortRange(80, 80), cidr="0.0.0.0/0"),
                                   SgRule(TCP, PortRange(22, 22), group=GroupRef("app", "bastion")),
                                   SgRule(ICMP, cidr="10.0.0.0/8"),
                                   SgRule(TCP, PortRange(443, 443), cidr="10.0.0.0/16"),
                                   SgRule(UDP, PortRange(5000, 5000), cidr="10.0.0.0/8")),
                          egress=(SgRule(ALL, cidr="0.0.0.0/0"),)),
            SecurityGroup("bastion", "app", ingress=(), egress=(SgRule(ALL, cidr="0.0.0.0/0"),)),
            SecurityGroup("app", "app",
                          ingress=(SgRule(TCP, PortRange(8080, 8080), cidr="10.0.0.0/16"),
                                   SgRule(UDP, PortRange(53, 53), cidr="10.0.0.0/8"),
                                   SgRule(ICMP, cidr="10.0.0.0/8")),
                          egress=(SgRule(ALL, cidr="0.0.0.0/0"),)),
        ),
        nat_gateways=(NatGateway("nat-a", "app", "pub", "10.0.1.5", "198.51.100.20"),),
        instances=(
            Instance("web1", "app", "pub", "10.0.1.10", ("web",), public_ip="198.51.100.10"),
            Instance("web2", "app", "pub", "10.0.1.11", ("web", "bastion")),
            Instance("app1", "app", "priv", "10.0.2.10", ("app",)),
            Instance("app2", "app", "priv", "10.0.2.11", ("app",)),
        ),
    )
    data = Vpc(
        name="data", region="us-east-1", cidr_blocks=("10.1.0.0/16",),
        subnets=(Subnet("db", "data", "10.1.1.0/24", "us-east-1a", "main", "default"),),
        route_tables=(RouteTable("main", "data", (
            local("10.1.0.0/16"),
            Route("10.0.0.0/16", RouteTarget("peering", "app-data")),
            Route("10.2.0.0/16", RouteTarget("peering", "data-ops")),
        ), main=True),),
        network_acls=(allow_all_acl("data"),),
        security_groups=(
            default_sg("data"),
            SecurityGroup("db", "data", ingress=(SgRule(ALL, cidr="10.0.0.0/8"),),
                          egress=(SgRule(ALL, cidr="0.0.0.0/0"),)),
        ),
        instances=(Instance("db1", "data", "db", "10.1.1.10", ("db",)),),
    )
    ops = Vpc(
        name="ops", region="us-east-1", cidr_blocks=("10.2.0.0/16",),
        subnets=(Subnet("tools", "ops", "10.2.1.0/24", "us-east-1a", "main", "default"),),
        route_tables=(RouteTable("main", "ops", (
            local("10.2.0.0/16"),
            Route("10.1.0.0/16", RouteTarget("peering", "data-ops")),
            Route("10.0.0.0/16", RouteTarget("peering", "data-ops")),
        ), main=True),),
        network_acls=(allow_all_acl("ops"),),
        security_groups=(
            default_sg("ops"),
            SecurityGroup("tools", "ops", ingress=(SgRule(ALL, cidr="10.0.0.0/8"),),
                          egress=(SgRule(ALL, cidr="0.0.0.0/0"),)),
        ),
        instances=(Instance("tool1", "ops", "tools", "10.2.1.10", ("tools",)),),
    )
    return Topology(
        region="us-east-1", vpcs=(app, data, ops),
        peerings=(Peering("app-data", "app", "data"), Peering("data-ops", "data", "ops")),
        internet_hosts=(InternetHost("client", "203.0.113.50"),), source=source,
    )


def scaled(n: int, source: str = "scaled") -> Topology:
    """One VPC with ``n`` instances over ceil(n/50) subnets, an IGW and one internet host (bench
    and the kill-half-way test)."""
    per = 50
    k = (n + per - 1) // per
    subnets = tuple(
        Subnet(f"s{j}", "big", f"10.9.{j}.0/24", "us-east-1a", "main", "default") for j in range(k)
    )
    insts = tuple(
        Instance(
            f"n{i}",
            "big",
            f"s{i // per}",
            f"10.9.{i // per}.{10 + i % per}",
            ("default",),
            public_ip=f"198.51.100.{1 + i}" if i < 200 else None,
        )
        for i in range(n)
    )
    vpc = Vpc(
        name="big",
        region="us-east-1",
        cidr_blocks=("10.9.0.0/16",),
        internet_gateway=True,
        subnets=subnets,
        route_tables=(
            RouteTable(
                "main",
                "big",
                (local("10.9.0.0/16"), Route("0.0.0.0/0", RouteTarget("internet_gateway"))),
                main=True,
            ),
        ),
        network_acls=(allow_all_acl("big"),),
        security_groups=(default_sg("big"),),
        instances=insts,
    )
    return Topology(
        region="us-east-1",
        vpcs=(vpc,),
        internet_hosts=(InternetHost("client", "203.0.113.50"),),
        source=source,
    )


def middlebox(source: str = "middlebox", source_dest_check: bool = False) -> Topology:
    """Subnet a reaches subnet c only through the instance ``box`` in subnet b (a route more
    specific than local to an ENI, V21), whose source/destination check is off."""
    tables = (
        RouteTable("main", "mb", (local("10.5.0.0/16"),), main=True),
        RouteTable(
            "via-box",
            "mb",
            (local("10.5.0.0/16"), Route("10.5.3.0/24", RouteTarget("instance", "box"))),
        ),
        RouteTable(
            "back",
            "mb",
            (local("10.5.0.0/16"), Route("10.5.1.0/24", RouteTarget("instance", "box"))),
        ),
    )
    vpc = Vpc(
        name="mb", region="us-east-1", cidr_blocks=("10.5.0.0/16",),
        subnets=(Subnet("a", "mb", "10.5.1.0/24", "us-east-1a", "via-box", "default"),
                 Subnet("b", "mb", "10.5.2.0/24", "us-east-1a", "main", "default"),
                 Subnet("c", "mb", "10.5.3.0/24", "us-east-1a", "back", "default")),
        route_tables=tables, network_acls=(allow_all_acl("mb"),),
        security_groups=(
            default_sg("mb"),
            SecurityGroup("box", "mb", ingress=(SgRule(TCP, PortRange(80, 80), cidr="10.5.1.0/24"),
                                                SgRule(ICMP, cidr="10.5.0.0/16")),
                          egress=(SgRule(TCP, PortRange(80, 80), cidr="10.5.3.0/24"),)),
            SecurityGroup("srv", "mb", ingress=(SgRule(ALL, cidr="10.5.0.0/16"),),
                          egress=(SgRule(ALL, cidr="0.0.0.0/0"),)),
        ),
        instances=(
            Instance("cli", "mb", "a", "10.5.1.10", ("srv",)),
            Instance("box", "mb", "b", "10.5.2.10", ("box",), source_dest_check=source_dest_check),
            Instance("srv", "mb", "c", "10.5.3.10", ("srv",)),
        ),
    )
    return Topology(region="us-east-1", vpcs=(vpc,), source=source)


def inspection(source_dest_check: bool = False) -> Topology:
    """Ingress inspection (V27): the gateway route table edge-associated with the IGW sends
    traffic for subnet ``web`` to the appliance ``fw1`` (subnet ``fw``); web's replies go back
    through it by web's route table."""
    from netemu.vpc.load import load_topology

    any_in = [{"protocol": "all", "cidr": "0.0.0.0/0"}]
    web_in = [{"protocol": p, "ports": 443, "cidr": "0.0.0.0/0"} for p in ("tcp", "udp")]
    return load_topology(
        {
            "region": "us-east-1",
            "vpcs": [
                {
                    "name": "insp",
                    "cidr_blocks": ["10.70.0.0/16"],
                    "internet_gateway": True,
                    "subnets": [
                        {"name": "fw", "cidr": "10.70.0.0/24", "route_table": "fw"},
                        {"name": "web", "cidr": "10.70.1.0/24", "route_table": "web"},
                    ],
                    "route_tables": [
                        {
                            "name": "ingress",
                            "edge_associations": ["internet_gateway"],
                            "routes": [
                                {"destination": "10.70.1.0/24", "target": {"instance": "fw1"}}
                            ],
                        },
                        {
                            "name": "fw",
                            "routes": [{"destination": "0.0.0.0/0", "target": "internet_gateway"}],
                        },
                        {
                            "name": "web",
                            "routes": [{"destination": "0.0.0.0/0", "target": {"instance": "fw1"}}],
                        },
                    ],
                    "security_groups": [
                        {"name": "fw", "ingress": any_in},
                        {"name": "web", "ingress": web_in},
                    ],
                    "instances": [
                        {
                            "name": "fw1",
                            "subnet": "fw",
                            "private_ip": "10.70.0.10",
                            "security_groups": ["fw"],
                            "source_dest_check": source_dest_check,
                        },
                        {
                            "name": "web1",
                            "subnet": "web",
                            "private_ip": "10.70.1.10",
                            "public_ip": "198.51.100.70",
                            "security_groups": ["web"],
                        },
                    ],
                }
            ],
            "internet": {"hosts": [{"name": "client", "ip": "203.0.113.50"}]},
        },
        "inspection",
    )


def fidelity() -> Topology:
    """Issue 10's kernel behaviours on one topology: ``app`` (us-east-1) with an IGW, a NAT
    gateway, a public ``web`` and a private ``app1``; peered with ``near`` (same Region) and
    ``far`` (eu-west-1); ``app`` and ``spoke`` attached to the transit gateway ``hub``.
    ``pmtu`` SGs allow ICMP "fragmentation needed" in (V39); ``strict``'s subnet NACL denies it."""
    from netemu.vpc.load import load_topology

    frag = {"protocol": "icmp", "icmp": {"type": 3, "code": 4}, "cidr": "0.0.0.0/0"}
    ping = {"protocol": "icmp", "cidr": "10.0.0.0/8"}
    web_in = [{"protocol": "tcp", "ports": 80, "cidr": "0.0.0.0/0"}, ping, frag]

    def vpc(
        name: str, n: int, region: str, peer_route: list[dict[str, object]]
    ) -> dict[str, object]:
        return {"name": name, "region": region, "cidr_blocks": [f"10.{n}.0.0/16"],
                "subnets": [{"name": "s", "cidr": f"10.{n}.1.0/24", "az": "us-east-1a"
                             if region == "us-east-1" else "eu-west-1a"}],
                "route_tables": [{"name": "main", "main": True, "routes": peer_route}],
                "security_groups": [{"name": "pmtu", "ingress": [ping, frag]}],
                "instances": [{"name": f"{name}1", "subnet": "s", "private_ip": f"10.{n}.1.10",
                               "security_groups": ["pmtu"]}]}

    back = [{"destination": "10.0.0.0/16", "target": {"peering": "p-near"}}]
    near = vpc("near", 1, "us-east-1", back)
    far = vpc("far", 2, "eu-west-1",
              [{"destination": "10.0.0.0/16", "target": {"peering": "p-far"}}])
    spoke = vpc("spoke", 3, "us-east-1",
                [{"destination": "10.0.0.0/16", "target": {"transit_gateway": "hub"}}])
    to_peers = [{"destination": "10.1.0.0/16", "target": {"peering": "p-near"}},
                {"destination": "10.2.0.0/16", "target": {"peering": "p-far"}},
                {"destination": "10.3.0.0/16", "target": {"transit_gateway": "hub"}}]
    app = {
        "name": "app",
        "region": "us-east-1",
        "cidr_blocks": ["10.0.0.0/16"],
        "internet_gateway": True,
        "subnets": [
            {"name": "pub", "cidr": "10.0.1.0/24", "az": "us-east-1a", "route_table": "public"},
            {"name": "priv", "cidr": "10.0.2.0/24", "az": "us-east-1a", "route_table": "private"},
            {
                "name": "strict",
                "cidr": "10.0.3.0/24",
                "az": "us-east-1a",
                "route_table": "private",
                "network_acl": "no-icmp",
            },
        ],
        "route_tables": [
            {
                "name": "public",
                "routes": [{"destination": "0.0.0.0/0", "target": "internet_gateway"}, *to_peers],
            },
            {
                "name": "private",
                "routes": [
                    {"destination": "0.0.0.0/0", "target": {"nat_gateway": "nat"}},
                    *to_peers,
                ],
            },
        ],
        "network_acls": [
            {
                "name": "no-icmp",
                "inbound": [
                    {"rule": 90, "protocol": "icmp", "cidr": "0.0.0.0/0", "action": "deny"},
                    {"rule": 100, "protocol": "all", "cidr": "0.0.0.0/0", "action": "allow"},
                ],
                "outbound": [
                    {"rule": 100, "protocol": "all", "cidr": "0.0.0.0/0", "action": "allow"}
                ],
            }
        ],
        "nat_gateways": [
            {"name": "nat", "subnet": "pub", "private_ip": "10.0.1.5", "public_ip": "198.51.100.20"}
        ],
        "security_groups": [
            {"name": "web", "ingress": web_in},
            {"name": "pmtu", "ingress": [ping, frag]},
            {"name": "nopmtu", "ingress": [{"protocol": "tcp", "ports": 22, "cidr": "10.0.0.0/8"}]},
        ],
        "instances": [
            {
                "name": "web",
                "subnet": "pub",
                "private_ip": "10.0.1.10",
                "public_ip": "198.51.100.10",
                "security_groups": ["web"],
            },
            {
                "name": "app1",
                "subnet": "priv",
                "private_ip": "10.0.2.10",
                "security_groups": ["pmtu"],
            },
            {
                "name": "app2",
                "subnet": "priv",
                "private_ip": "10.0.2.11",
                "security_groups": ["nopmtu"],
            },
            {
                "name": "app3",
                "subnet": "strict",
                "private_ip": "10.0.3.10",
                "security_groups": ["pmtu"],
            },
        ],
    }
    return load_topology(
        {
            "region": "us-east-1",
            "vpcs": [app, near, far, spoke],
            "peerings": [
                {"name": "p-near", "requester": "app", "accepter": "near"},
                {"name": "p-far", "requester": "app", "accepter": "far"},
            ],
            "transit_gateways": [
                {
                    "name": "hub",
                    "route_tables": [
                        {
                            "name": "rt",
                            "routes": [
                                {"destination": "10.0.0.0/16", "attachment": "a-app"},
                                {"destination": "10.3.0.0/16", "attachment": "a-spoke"},
                            ],
                        }
                    ],
                    "attachments": [
                        {"name": "a-app", "vpc": "app", "subnets": ["pub"], "association": "rt"},
                        {"name": "a-spoke", "vpc": "spoke", "subnets": ["s"], "association": "rt"},
                    ],
                }
            ],
            "internet": {"hosts": [{"name": "client", "ip": "203.0.113.50"}]},
        },
        "fidelity",
    )
