"""Each AWS rule a topology must satisfy: one bad snippet per rule -> AWS's error code and the
item path (V ids of docs/behaviour.md cited per case), plus the rules whose effect is a loaded
value."""

from __future__ import annotations

import pytest
import yaml

from netemu.errors import LoadError, Problem
from netemu.vpc.load import load_topology
from netemu.vpc.model import RouteTarget, SgRule, Topology

SOURCE = "case.yaml"


def problems(text: str) -> list[Problem]:
    with pytest.raises(LoadError) as exc:
        load_topology(yaml.safe_load(text), SOURCE)
    assert all(p.file == SOURCE for p in exc.value.problems)
    return list(exc.value.problems)


def load(text: str) -> Topology:
    return load_topology(yaml.safe_load(text), SOURCE)


def vpc(body: str, name: str = "a", cidrs: str = "[10.0.0.0/16]") -> str:
    """One VPC named ``name`` with ``body`` (YAML lines indented by 4) under ``vpcs:``."""
    return f"  - name: {name}\n    cidr_blocks: {cidrs}\n" + body


ONE_SUBNET = "    subnets: [{name: s, cidr: 10.0.1.0/24}]\n"

# (id citing the V item, topology text, expected item path, expected code)
CASES: list[tuple[str, str, str, str]] = [
    (
        "V1 /15 too large",
        "vpcs:\n" + vpc("", cidrs="[10.0.0.0/15]"),
        "vpcs[a].cidr_blocks[0]",
        "InvalidVpc.Range",
    ),
    (
        "V1 /29 too small",
        "vpcs:\n" + vpc("", cidrs="[10.0.0.0/29]"),
        "vpcs[a].cidr_blocks[0]",
        "InvalidVpc.Range",
    ),
    (
        "V1 V8 no primary block",
        "vpcs:\n" + vpc("", cidrs="[]"),
        "vpcs[a].cidr_blocks",
        "MissingParameter",
    ),
    (
        "V1 not a CIDR",
        "vpcs:\n" + vpc("", cidrs="[10.0.0.300/16]"),
        "vpcs[a].cidr_blocks[0]",
        "InvalidVpc.Range",
    ),
    (
        "V3 secondary overlaps primary",
        "vpcs:\n" + vpc("", cidrs="[10.0.0.0/16, 10.0.128.0/17]"),
        "vpcs[a].cidr_blocks[1]",
        "InvalidVpc.Range",
    ),
    (
        "V3 secondary /12",
        "vpcs:\n" + vpc("", cidrs="[10.0.0.0/16, 10.16.0.0/12]"),
        "vpcs[a].cidr_blocks[1]",
        "InvalidVpc.Range",
    ),
    (
        "V4 sixth IPv4 block",
        "vpcs:\n" + vpc("", cidrs="[" + ", ".join(f"10.{i}.0.0/16" for i in range(1, 7)) + "]"),
        "vpcs[a].cidr_blocks[5]",
        "CidrLimitExceeded",
    ),
    (
        "V4 sixth IPv6 block",
        "vpcs:\n"
        + vpc(
            "    ipv6_cidr_blocks: ["
            + ", ".join(f"2001:db8:0:{i}00::/56" for i in range(6))
            + "]\n"
        ),
        "vpcs[a].ipv6_cidr_blocks[5]",
        "CidrLimitExceeded",
    ),
    (
        "V5 192.168/16 on a 10/8 VPC",
        "vpcs:\n" + vpc("", cidrs="[10.0.0.0/16, 192.168.0.0/16]"),
        "vpcs[a].cidr_blocks[1]",
        "InvalidVpc.Range",
    ),
    (
        "V5 172.31/16 on a 172.16/12 VPC",
        "vpcs:\n" + vpc("", cidrs="[172.16.0.0/16, 172.31.0.0/16]"),
        "vpcs[a].cidr_blocks[1]",
        "InvalidVpc.Range",
    ),
    (
        "V5 198.19/16 on a 192.168 VPC",
        "vpcs:\n" + vpc("", cidrs="[192.168.0.0/16, 198.19.0.0/16]"),
        "vpcs[a].cidr_blocks[1]",
        "InvalidVpc.Range",
    ),
    (
        "V5 RFC1918 on a public VPC",
        "vpcs:\n" + vpc("", cidrs="[100.68.0.0/16, 10.0.0.0/16]"),
        "vpcs[a].cidr_blocks[1]",
        "InvalidVpc.Range",
    ),
    (
        "V5 10.0/16 when the primary is in 10.0.0.0/15",
        "vpcs:\n" + vpc("", cidrs="[10.1.0.0/16, 10.0.0.0/16]"),
        "vpcs[a].cidr_blocks[1]",
        "InvalidVpc.Range",
    ),
    (
        "V5 169.254/16 never",
        "vpcs:\n" + vpc("", cidrs="[169.254.0.0/16]"),
        "vpcs[a].cidr_blocks[0]",
        "InvalidVpc.Range",
    ),
    (
        "V6 V21 route inside a secondary block",
        "vpcs:\n"
        + vpc(
            "    internet_gateway: true\n"
            "    route_tables: [{name: r, routes: [{destination: 10.1.0.0/24, target: "
            "internet_gateway}]}]\n",
            cidrs="[10.0.0.0/16, 10.1.0.0/16]",
        ),
        "vpcs[a].route_tables[r].routes[0].destination",
        "InvalidParameterValue",
    ),
    (
        "V9 V52 active peering, overlapping secondary block",
        "vpcs:\n"
        + vpc("", cidrs="[10.0.0.0/16, 10.2.0.0/16]")
        + vpc("", "b", "[10.1.0.0/16, 10.2.0.0/16]")
        + "peerings: [{name: p, requester: a, accepter: b}]\n",
        "peerings[p]",
        "OverlappingCidrs",
    ),
    (
        "V9 pending-acceptance peering, overlapping",
        "vpcs:\n"
        + vpc("")
        + vpc("", "b", "[10.0.0.0/16]")
        + "peerings: [{name: p, requester: a, accepter: b, status: pending-acceptance}]\n",
        "peerings[p]",
        "OverlappingCidrs",
    ),
    (
        "V10 IPv6 VPC block not /56",
        "vpcs:\n" + vpc("    ipv6_cidr_blocks: [2001:db8::/48]\n"),
        "vpcs[a].ipv6_cidr_blocks[0]",
        "InvalidVpc.Range",
    ),
    (
        "V10 IPv6 subnet not /64",
        "vpcs:\n"
        + vpc(
            "    ipv6_cidr_blocks: [2001:db8::/56]\n"
            "    subnets: [{name: s, cidr: 10.0.1.0/24, ipv6_cidr: 2001:db8::/80}]\n"
        ),
        "vpcs[a].subnets[s].ipv6_cidr",
        "InvalidSubnet.Range",
    ),
    (
        "V10 IPv6 subnet without VPC IPv6",
        "vpcs:\n" + vpc("    subnets: [{name: s, cidr: 10.0.1.0/24, ipv6_cidr: 2001:db8::/64}]\n"),
        "vpcs[a].subnets[s].ipv6_cidr",
        "InvalidSubnet.Range",
    ),
    (
        "V12 subnet /29",
        "vpcs:\n" + vpc("    subnets: [{name: s, cidr: 10.0.1.0/29}]\n"),
        "vpcs[a].subnets[s].cidr",
        "InvalidSubnet.Range",
    ),
    (
        "V12 subnet /15",
        "vpcs:\n" + vpc("    subnets: [{name: s, cidr: 10.0.0.0/15}]\n"),
        "vpcs[a].subnets[s].cidr",
        "InvalidSubnet.Range",
    ),
    (
        "V12 subnet outside the VPC",
        "vpcs:\n" + vpc("    subnets: [{name: s, cidr: 10.9.1.0/24}]\n"),
        "vpcs[a].subnets[s].cidr",
        "InvalidSubnet.Range",
    ),
    (
        "V12 subnet spanning two blocks",
        "vpcs:\n"
        + vpc("    subnets: [{name: s, cidr: 10.0.0.0/15}]\n", cidrs="[10.0.0.0/16, 10.1.0.0/16]"),
        "vpcs[a].subnets[s].cidr",
        "InvalidSubnet.Range",
    ),
    (
        "V12 overlapping subnets",
        "vpcs:\n"
        + vpc("    subnets: [{name: s, cidr: 10.0.1.0/24}, {name: t, cidr: 10.0.1.128/25}]\n"),
        "vpcs[a].subnets[t].cidr",
        "InvalidSubnet.Conflict",
    ),
    (
        "V13 AZ of another Region",
        "vpcs:\n" + vpc("    subnets: [{name: s, cidr: 10.0.1.0/24, az: us-west-2a}]\n"),
        "vpcs[a].subnets[s].az",
        "InvalidParameterValue",
    ),
    (
        "V13 a subnet in two zones",
        "vpcs:\n"
        + vpc("    subnets: [{name: s, cidr: 10.0.1.0/24, az: [us-east-1a, us-east-1b]}]\n"),
        "vpcs[a].subnets[s].az",
        "InvalidParameterValue",
    ),
    (
        "V14 network address",
        "vpcs:\n"
        + vpc(ONE_SUBNET + "    instances: [{name: i, subnet: s, private_ip: 10.0.1.0}]\n"),
        "vpcs[a].instances[i].private_ip",
        "InvalidParameterValue",
    ),
    (
        "V14 VPC router +1",
        "vpcs:\n"
        + vpc(ONE_SUBNET + "    instances: [{name: i, subnet: s, private_ip: 10.0.1.1}]\n"),
        "vpcs[a].instances[i].private_ip",
        "InvalidParameterValue",
    ),
    (
        "V14 reserved +3",
        "vpcs:\n"
        + vpc(ONE_SUBNET + "    instances: [{name: i, subnet: s, private_ip: 10.0.1.3}]\n"),
        "vpcs[a].instances[i].private_ip",
        "InvalidParameterValue",
    ),
    (
        "V14 broadcast",
        "vpcs:\n"
        + vpc(ONE_SUBNET + "    instances: [{name: i, subnet: s, private_ip: 10.0.1.255}]\n"),
        "vpcs[a].instances[i].private_ip",
        "InvalidParameterValue",
    ),
    (
        "V15 DNS +2 of every subnet",
        "vpcs:\n"
        + vpc(ONE_SUBNET + "    instances: [{name: i, subnet: s, private_ip: 10.0.1.2}]\n"),
        "vpcs[a].instances[i].private_ip",
        "InvalidParameterValue",
    ),
    (
        "V14 NAT gateway on a reserved address",
        "vpcs:\n"
        + vpc(
            "    internet_gateway: true\n"
            + ONE_SUBNET.replace("}]", ", route_table: r}]")
            + "    route_tables: [{name: r, routes: [{destination: 0.0.0.0/0, target: "
              "internet_gateway}]}]\n"
            "    nat_gateways: [{name: n, subnet: s, private_ip: 10.0.1.1, public_ip: "
            "198.51.100.1}]\n"
        ),
        "vpcs[a].nat_gateways[n].private_ip",
        "InvalidParameterValue",
    ),
    (
        "V14 address outside the subnet",
        "vpcs:\n"
        + vpc(ONE_SUBNET + "    instances: [{name: i, subnet: s, private_ip: 10.0.2.9}]\n"),
        "vpcs[a].instances[i].private_ip",
        "InvalidParameterValue",
    ),
    (
        "V14 address in use",
        "vpcs:\n"
        + vpc(
            ONE_SUBNET + "    instances: [{name: i, subnet: s, private_ip: 10.0.1.9},"
            " {name: j, subnet: s, private_ip: 10.0.1.9}]\n"
        ),
        "vpcs[a].instances[j].private_ip",
        "InvalidIPAddress.InUse",
    ),
    (
        "V14 /28 holds 11 addresses",
        "vpcs:\n"
        + vpc(
            "    subnets: [{name: s, cidr: 10.0.1.0/28}]\n    instances: ["
            + ", ".join(f"{{name: i{k}, subnet: s}}" for k in range(12))
            + "]\n"
        ),
        "vpcs[a].subnets[s]",
        "InsufficientFreeAddressesInSubnet",
    ),
    (
        "V17 default VPC is 172.31.0.0/16",
        "vpcs:\n" + vpc("    default: true\n"),
        "vpcs[a].cidr_blocks[0]",
        "InvalidParameterValue",
    ),
    (
        "V17 one default VPC per Region",
        "vpcs:\n  - {name: a, default: true}\n  - {name: b, default: true}\n",
        "vpcs[b].default",
        "DefaultVpcAlreadyExists",
    ),
    (
        "V18 unknown route table",
        "vpcs:\n" + vpc("    subnets: [{name: s, cidr: 10.0.1.0/24, route_table: nope}]\n"),
        "vpcs[a].subnets[s].route_table",
        "InvalidRouteTableID.NotFound",
    ),
    (
        "V18 two route tables for one subnet",
        "vpcs:\n"
        + vpc(
            "    subnets: [{name: s, cidr: 10.0.1.0/24, route_table: [x, y]}]\n"
            "    route_tables: [{name: x}, {name: y}]\n"
        ),
        "vpcs[a].subnets[s].route_table",
        "InvalidParameterValue",
    ),
    (
        "V18 V19 two main route tables",
        "vpcs:\n" + vpc("    route_tables: [{name: x, main: true}, {name: y, main: true}]\n"),
        "vpcs[a].route_tables[y].main",
        "InvalidParameterValue",
    ),
    (
        "V19 a gateway route table can't be main",
        "vpcs:\n"
        + vpc(
            "    internet_gateway: true\n"
            "    route_tables: [{name: g, main: true, edge_associations: [internet_gateway]}]\n"
        ),
        "vpcs[a].route_tables[g].main",
        "InvalidParameterValue",
    ),
    (
        "V27 gateway route table targets only local or ENI",
        "vpcs:\n"
        + vpc(
            "    internet_gateway: true\n"
            + ONE_SUBNET.replace("}]", "}, {name: t, cidr: 10.0.2.0/24}]")
            + "    nat_gateways: [{name: n, subnet: t, connectivity: private}]\n"
            "    route_tables: [{name: g, edge_associations: [internet_gateway],"
            " routes: [{destination: 10.0.1.0/24, target: {nat_gateway: n}}]}]\n"
        ),
        "vpcs[a].route_tables[g].routes[0].target",
        "InvalidParameterValue",
    ),
    (
        "V27 gateway route table can't steer outside the VPC",
        "vpcs:\n"
        + vpc(
            "    internet_gateway: true\n" + ONE_SUBNET + "    instances: [{name: fw, subnet: s}]\n"
            "    route_tables: [{name: g, edge_associations: [internet_gateway],"
            " routes: [{destination: 8.8.8.0/24, target: {instance: fw}}]}]\n"
        ),
        "vpcs[a].route_tables[g].routes[0].destination",
        "InvalidParameterValue",
    ),
    (
        "V27 gateway route table needs the IGW",
        "vpcs:\n" + vpc("    route_tables: [{name: g, edge_associations: [internet_gateway]}]\n"),
        "vpcs[a].route_tables[g].edge_associations",
        "InvalidGatewayID.NotFound",
    ),
    (
        "V27 one gateway route table per IGW",
        "vpcs:\n"
        + vpc(
            "    internet_gateway: true\n"
            "    route_tables: [{name: g, edge_associations: [internet_gateway]},"
            " {name: h, edge_associations: [internet_gateway]}]\n"
        ),
        "vpcs[a].route_tables[h].edge_associations",
        "Resource.AlreadyAssociated",
    ),
    (
        "V28 prefix-list destinations are AWS's",
        "vpcs:\n"
        + vpc(
            "    internet_gateway: true\n"
            "    route_tables: [{name: r, routes: [{destination: pl-63a5400a, target: "
            "internet_gateway}]}]\n"
        ),
        "vpcs[a].route_tables[r].routes[0].destination",
        "InvalidParameterValue",
    ),
    (
        "V20 the local route can't be deleted",
        "vpcs:\n"
        + vpc(
            "    route_tables: [{name: r, routes: [{destination: 10.0.0.0/16, target: null}]}]\n"
        ),
        "vpcs[a].route_tables[r].routes[0]",
        "InvalidParameterValue",
    ),
    (
        "V20 V25 local route target -> IGW",
        "vpcs:\n"
        + vpc(
            "    internet_gateway: true\n"
            "    route_tables: [{name: r, routes: [{destination: 10.0.0.0/16, target: "
            "internet_gateway}]}]\n"
        ),
        "vpcs[a].route_tables[r].routes[0].destination",
        "RouteAlreadyExists",
    ),
    (
        "V21 subnet CIDR -> IGW",
        "vpcs:\n"
        + vpc(
            "    internet_gateway: true\n"
            + ONE_SUBNET
            + "    route_tables: [{name: r, routes: [{destination: 10.0.1.0/24, target: "
              "internet_gateway}]}]\n"
        ),
        "vpcs[a].route_tables[r].routes[0].destination",
        "InvalidParameterValue",
    ),
    (
        "V21 more specific than local but not a subnet CIDR",
        "vpcs:\n"
        + vpc(
            ONE_SUBNET + "    instances: [{name: fw, subnet: s}]\n"
            "    route_tables: [{name: r, routes: [{destination: 10.0.1.0/25, target: {instance: "
            "fw}}]}]\n"
        ),
        "vpcs[a].route_tables[r].routes[0].destination",
        "InvalidParameterValue",
    ),
    (
        "V24 169.254.168.0/24",
        "vpcs:\n"
        + vpc(
            "    internet_gateway: true\n"
            "    route_tables: [{name: r, routes: [{destination: 169.254.168.0/24, target: "
            "internet_gateway}]}]\n"
        ),
        "vpcs[a].route_tables[r].routes[0].destination",
        "InvalidParameterValue",
    ),
    (
        "V24 169.254.168.0/22 itself",
        "vpcs:\n"
        + vpc(
            "    internet_gateway: true\n"
            "    route_tables: [{name: r, routes: [{destination: 169.254.170.9/22, target: "
            "internet_gateway}]}]\n"
        ),
        "vpcs[a].route_tables[r].routes[0].destination",
        "InvalidParameterValue",
    ),
    (
        "V24 fd00:ec2::/32",
        "vpcs:\n"
        + vpc(
            "    egress_only_internet_gateway: true\n"
            "    route_tables: [{name: r, routes: [{destination: 'fd00:ec2::/48', target: "
            "egress_only_internet_gateway}]}]\n"
        ),
        "vpcs[a].route_tables[r].routes[0].destination",
        "InvalidParameterValue",
    ),
    (
        "V25 duplicate destination",
        "vpcs:\n"
        + vpc(
            "    internet_gateway: true\n"
            "    route_tables: [{name: r, routes: [{destination: 0.0.0.0/0, target: "
            "internet_gateway},"
            " {destination: 0.0.0.0/0, target: internet_gateway}]}]\n"
        ),
        "vpcs[a].route_tables[r].routes[1].destination",
        "RouteAlreadyExists",
    ),
    (
        "V25 duplicate after canonicalisation (V2)",
        "vpcs:\n"
        + vpc(
            "    internet_gateway: true\n"
            "    route_tables: [{name: r, routes: [{destination: 8.8.8.0/24, target: "
            "internet_gateway},"
            " {destination: 8.8.8.8/24, target: internet_gateway}]}]\n"
        ),
        "vpcs[a].route_tables[r].routes[1].destination",
        "RouteAlreadyExists",
    ),
    (
        "V26 route to an IGW the VPC doesn't have",
        "vpcs:\n"
        + vpc(
            "    route_tables: [{name: r, routes: [{destination: 0.0.0.0/0, target: "
            "internet_gateway}]}]\n"
        ),
        "vpcs[a].route_tables[r].routes[0].target",
        "InvalidGatewayID.NotFound",
    ),
    (
        "V26 no blackhole target can be created",
        "vpcs:\n"
        + vpc(
            "    route_tables: [{name: r, routes: [{destination: 0.0.0.0/0, target: blackhole}]}]\n"
        ),
        "vpcs[a].route_tables[r].routes[0].target",
        "InvalidParameterValue",
    ),
    (
        "V29 51 IPv4 routes",
        "vpcs:\n"
        + vpc(
            "    internet_gateway: true\n    route_tables: [{name: r, routes: ["
            + ", ".join(
                f"{{destination: 8.8.{k}.0/24, target: internet_gateway}}" for k in range(51)
            )
            + "]}]\n"
        ),
        "vpcs[a].route_tables[r].routes",
        "RouteLimitExceeded",
    ),
    (
        "V30 unknown NACL",
        "vpcs:\n" + vpc("    subnets: [{name: s, cidr: 10.0.1.0/24, network_acl: nope}]\n"),
        "vpcs[a].subnets[s].network_acl",
        "InvalidNetworkAclID.NotFound",
    ),
    (
        "V30 two NACLs for one subnet",
        "vpcs:\n" + vpc("    subnets: [{name: s, cidr: 10.0.1.0/24, network_acl: [x, y]}]\n"),
        "vpcs[a].subnets[s].network_acl",
        "InvalidParameterValue",
    ),
    (
        "V31 rule 0",
        "vpcs:\n"
        + vpc(
            "    network_acls: [{name: n, inbound: [{rule: 0, protocol: all, cidr: 0.0.0.0/0, "
            "action: allow}]}]\n"
        ),
        "vpcs[a].network_acls[n].inbound[0].rule",
        "InvalidParameterValue",
    ),
    (
        "V31 rule 32767 (the * rule)",
        "vpcs:\n"
        + vpc(
            "    network_acls: [{name: n, outbound: [{rule: 32767, protocol: all, cidr: 0.0.0.0/0, "
            "action: allow}]}]\n"
        ),
        "vpcs[a].network_acls[n].outbound[0].rule",
        "InvalidParameterValue",
    ),
    (
        "V31 rule 40000",
        "vpcs:\n"
        + vpc(
            "    network_acls: [{name: n, inbound: [{rule: 40000, protocol: all, cidr: 0.0.0.0/0, "
            "action: allow}]}]\n"
        ),
        "vpcs[a].network_acls[n].inbound[0].rule",
        "InvalidParameterValue",
    ),
    (
        "V31 duplicate rule number",
        "vpcs:\n"
        + vpc(
            "    network_acls: [{name: n, inbound: [{rule: 100, protocol: all, cidr: 0.0.0.0/0, "
            "action: allow},"
            " {rule: 100, protocol: tcp, ports: 22, cidr: 10.0.0.0/8, action: deny}]}]\n"
        ),
        "vpcs[a].network_acls[n].inbound[1].rule",
        "NetworkAclEntryAlreadyExists",
    ),
    (
        "V31 V32 action is allow or deny",
        "vpcs:\n"
        + vpc(
            "    network_acls: [{name: n, inbound: [{rule: 1, protocol: all, cidr: 0.0.0.0/0, "
            "action: permit}]}]\n"
        ),
        "vpcs[a].network_acls[n].inbound[0].action",
        "InvalidParameterValue",
    ),
    (
        "V40 SG rules allow only (no action)",
        "vpcs:\n"
        + vpc(
            "    security_groups: [{name: w, ingress: [{protocol: tcp, ports: 22, cidr: 0.0.0.0/0, "
            "action: deny}]}]\n"
        ),
        "vpcs[a].security_groups[w].ingress[0].action",
        "UnknownParameter",
    ),
    (
        "V40 duplicate SG rule",
        "vpcs:\n"
        + vpc(
            "    security_groups: [{name: w, ingress: [{protocol: tcp, ports: 22, cidr: 0.0.0.0/0},"
            " {protocol: 6, ports: '22', cidr: 0.0.0.0/0}]}]\n"
        ),
        "vpcs[a].security_groups[w].ingress[1]",
        "InvalidPermission.Duplicate",
    ),
    (
        "V41 ports only for tcp/udp",
        "vpcs:\n"
        + vpc(
            "    security_groups: [{name: w, egress: [{protocol: all, ports: 80, cidr: "
            "0.0.0.0/0}]}]\n"
        ),
        "vpcs[a].security_groups[w].egress[0].ports",
        "InvalidParameterValue",
    ),
    (
        "V41 port out of range",
        "vpcs:\n"
        + vpc(
            "    security_groups: [{name: w, ingress: [{protocol: tcp, ports: 70000, cidr: "
            "0.0.0.0/0}]}]\n"
        ),
        "vpcs[a].security_groups[w].ingress[0].ports",
        "InvalidParameterValue",
    ),
    (
        "V41 unknown protocol",
        "vpcs:\n"
        + vpc("    security_groups: [{name: w, ingress: [{protocol: sctpx, cidr: 0.0.0.0/0}]}]\n"),
        "vpcs[a].security_groups[w].ingress[0].protocol",
        "InvalidParameterValue",
    ),
    (
        "V41 cidr and group together",
        "vpcs:\n"
        + vpc(
            "    security_groups: [{name: w, ingress: [{protocol: tcp, cidr: 0.0.0.0/0, "
            "source_group: w}]}]\n"
        ),
        "vpcs[a].security_groups[w].ingress[0]",
        "InvalidParameterCombination",
    ),
    (
        "V51 61 inbound IPv4 rules",
        "vpcs:\n"
        + vpc(
            "    security_groups: [{name: w, ingress: ["
            + ", ".join(f"{{protocol: tcp, ports: {1000 + k}, cidr: 0.0.0.0/0}}" for k in range(61))
            + "]}]\n"
        ),
        "vpcs[a].security_groups[w].ingress",
        "RulesPerSecurityGroupLimitExceeded",
    ),
    (
        "V51 six SGs on one instance",
        "vpcs:\n"
        + vpc(
            ONE_SUBNET
            + "    security_groups: ["
            + ", ".join(f"{{name: g{k}}}" for k in range(6))
            + "]\n"
            "    instances: [{name: i, subnet: s, security_groups: ["
            + ", ".join(f"g{k}" for k in range(6))
            + "]}]\n"
        ),
        "vpcs[a].instances[i].security_groups",
        "SecurityGroupsPerInterfaceLimitExceeded",
    ),
    (
        "V43 name sg-*",
        "vpcs:\n" + vpc("    security_groups: [{name: sg-bad}]\n"),
        "vpcs[a].security_groups[sg-bad].name",
        "InvalidParameterValue",
    ),
    (
        "V43 name too long",
        "vpcs:\n" + vpc("    security_groups: [{name: " + "x" * 256 + "}]\n"),
        f"vpcs[a].security_groups[{'x' * 256}].name",
        "InvalidParameterValue",
    ),
    (
        "V43 duplicate name",
        "vpcs:\n" + vpc("    security_groups: [{name: w}, {name: w}]\n"),
        "vpcs[a].security_groups[w]",
        "InvalidGroup.Duplicate",
    ),
    (
        "V43 an SG of another VPC on an instance",
        "vpcs:\n"
        + vpc(ONE_SUBNET + "    instances: [{name: i, subnet: s, security_groups: [theirs]}]\n")
        + vpc("    security_groups: [{name: theirs}]\n", "b", "[10.1.0.0/16]"),
        "vpcs[a].instances[i].security_groups[0]",
        "InvalidGroup.NotFound",
    ),
    (
        "V43 unknown group in a rule",
        "vpcs:\n"
        + vpc(
            "    security_groups: [{name: w, ingress: [{protocol: tcp, ports: 22, source_group: "
            "nope}]}]\n"
        ),
        "vpcs[a].security_groups[w].ingress[0]",
        "InvalidGroup.NotFound",
    ),
    (
        "V44 SG of an unpeered VPC",
        "vpcs:\n"
        + vpc(
            "    security_groups: [{name: w, ingress: [{protocol: tcp, ports: 22, source_group: "
            "{vpc: b, name: x}}]}]\n"
        )
        + vpc("    security_groups: [{name: x}]\n", "b", "[10.1.0.0/16]"),
        "vpcs[a].security_groups[w].ingress[0]",
        "InvalidGroup.NotFound",
    ),
    (
        "V44 SG of a peer in another Region",
        "vpcs:\n"
        + vpc(
            "    security_groups: [{name: w, ingress: [{protocol: tcp, ports: 22, source_group: "
            "{vpc: b, name: x}}]}]\n"
        )
        + vpc("    region: eu-west-1\n    security_groups: [{name: x}]\n", "b", "[10.1.0.0/16]")
        + "peerings: [{name: p, requester: a, accepter: b}]\n",
        "vpcs[a].security_groups[w].ingress[0]",
        "InvalidGroup.NotFound",
    ),
    (
        "V44 V59 SG of a peer not yet accepted",
        "vpcs:\n"
        + vpc(
            "    security_groups: [{name: w, egress: [{protocol: tcp, ports: 22, "
            "destination_group: {vpc: b, name: x}}]}]\n"
        )
        + vpc("    security_groups: [{name: x}]\n", "b", "[10.1.0.0/16]")
        + "peerings: [{name: p, requester: a, accepter: b, status: pending-acceptance}]\n",
        "vpcs[a].security_groups[w].egress[0]",
        "InvalidGroup.NotFound",
    ),
    (
        "V79 SG over a TGW without referencing support",
        "vpcs:\n"
        + vpc(
            "    subnets: [{name: s, cidr: 10.0.1.0/24}]\n"
            "    security_groups: [{name: w, ingress: [{protocol: tcp, ports: 22, source_group: "
            "{vpc: b, name: x}}]}]\n"
        )
        + vpc(
            "    subnets: [{name: t, cidr: 10.1.1.0/24}]\n    security_groups: [{name: x}]\n",
            "b",
            "[10.1.0.0/16]",
        )
        + "transit_gateways: [{name: hub, attachments: [{name: ta, vpc: a, subnets: [s]},"
        " {name: tb, vpc: b, subnets: [t]}]}]\n",
        "vpcs[a].security_groups[w].ingress[0]",
        "InvalidGroup.NotFound",
    ),
    (
        "V52 overlapping VPCs",
        "vpcs:\n"
        + vpc("")
        + vpc("", "b", "[10.0.128.0/17]")
        + "peerings: [{name: p, requester: a, accepter: b}]\n",
        "peerings[p]",
        "OverlappingCidrs",
    ),
    (
        "V52 overlapping IPv6",
        "vpcs:\n"
        + vpc("    ipv6_cidr_blocks: [2001:db8::/56]\n")
        + vpc("    ipv6_cidr_blocks: [2001:db8::/56]\n", "b", "[10.1.0.0/16]")
        + "peerings: [{name: p, requester: a, accepter: b}]\n",
        "peerings[p]",
        "OverlappingCidrs",
    ),
    (
        "V53 a second peering between the same VPCs",
        "vpcs:\n"
        + vpc("")
        + vpc("", "b", "[10.1.0.0/16]")
        + "peerings: [{name: p, requester: a, accepter: b}, {name: q, requester: b, accepter: "
          "a}]\n",
        "peerings[q]",
        "VpcPeeringConnectionAlreadyExists",
    ),
    (
        "V59 unknown peering status",
        "vpcs:\n"
        + vpc("")
        + vpc("", "b", "[10.1.0.0/16]")
        + "peerings: [{name: p, requester: a, accepter: b, status: accepted}]\n",
        "peerings[p].status",
        "InvalidParameterValue",
    ),
    (
        "V59 peering with itself",
        "vpcs:\n" + vpc("") + "peerings: [{name: p, requester: a, accepter: a}]\n",
        "peerings[p]",
        "InvalidParameterValue",
    ),
    (
        "V59 peering to an unknown VPC",
        "vpcs:\n" + vpc("") + "peerings: [{name: p, requester: a, accepter: zz}]\n",
        "peerings[p].accepter",
        "InvalidVpcID.NotFound",
    ),
    (
        "V63 two internet gateways",
        "vpcs:\n" + vpc("    internet_gateway: [true, {name: second}]\n"),
        "vpcs[a].internet_gateway[1]",
        "Resource.AlreadyAssociated",
    ),
    (
        "V63 two egress-only internet gateways",
        "vpcs:\n" + vpc("    egress_only_internet_gateway: [true, true]\n"),
        "vpcs[a].egress_only_internet_gateway[1]",
        "Resource.AlreadyAssociated",
    ),
    (
        "V67 public NAT gateway without an EIP",
        "vpcs:\n"
        + vpc(
            "    internet_gateway: true\n"
            + ONE_SUBNET.replace("}]", ", route_table: r}]")
            + "    route_tables: [{name: r, routes: [{destination: 0.0.0.0/0, target: "
              "internet_gateway}]}]\n"
            "    nat_gateways: [{name: n, subnet: s}]\n"
        ),
        "vpcs[a].nat_gateways[n]",
        "MissingParameter",
    ),
    (
        "V67 public NAT gateway in a private subnet",
        "vpcs:\n"
        + vpc(
            "    internet_gateway: true\n"
            + ONE_SUBNET
            + "    nat_gateways: [{name: n, subnet: s, public_ip: 198.51.100.1}]\n"
        ),
        "vpcs[a].nat_gateways[n].subnet",
        "NatGatewayNotInPublicSubnet",
    ),
    (
        "V67 public NAT gateway without an IGW",
        "vpcs:\n"
        + vpc(ONE_SUBNET + "    nat_gateways: [{name: n, subnet: s, public_ip: 198.51.100.1}]\n"),
        "vpcs[a].nat_gateways[n]",
        "Gateway.NotAttached",
    ),
    (
        "V67 private NAT gateway with an EIP",
        "vpcs:\n"
        + vpc(
            ONE_SUBNET
            + "    nat_gateways: [{name: n, subnet: s, connectivity: private, public_ip: "
              "198.51.100.1}]\n"
        ),
        "vpcs[a].nat_gateways[n].public_ip",
        "InvalidParameterCombination",
    ),
    (
        "V67 NAT gateway public IP is private space",
        "vpcs:\n"
        + vpc(
            "    internet_gateway: true\n"
            + ONE_SUBNET.replace("}]", ", route_table: r}]")
            + "    route_tables: [{name: r, routes: [{destination: 0.0.0.0/0, target: "
              "internet_gateway}]}]\n"
            "    nat_gateways: [{name: n, subnet: s, public_ip: 192.168.1.1}]\n"
        ),
        "vpcs[a].nat_gateways[n].public_ip",
        "InvalidParameterValue",
    ),
    (
        "V73 egress-only IGW takes IPv6 routes only",
        "vpcs:\n"
        + vpc(
            "    egress_only_internet_gateway: true\n"
            "    route_tables: [{name: r, routes: [{destination: 0.0.0.0/0, target: "
            "egress_only_internet_gateway}]}]\n"
        ),
        "vpcs[a].route_tables[r].routes[0].target",
        "InvalidParameterValue",
    ),
]


@pytest.mark.parametrize(("case", "text", "item", "code"), CASES, ids=[c[0] for c in CASES])
def test_rule_rejected(case: str, text: str, item: str, code: str) -> None:
    found = {(p.item, p.code) for p in problems(text)}
    assert (item, code) in found, f"{case}: expected {item}: {code}, got {sorted(found)}"


def test_v62_active_peerings_per_vpc() -> None:
    """V62: 50 active peerings per VPC; the 51st is refused."""
    text = "vpcs:\n" + vpc("", "hub", "[10.0.0.0/16]") + "".join(
        vpc("", f"s{k}", f"[10.{k}.0.0/16]") for k in range(1, 52))
    text += "peerings:\n" + "".join(
        f"  - {{name: p{k}, requester: hub, accepter: s{k}}}\n" for k in range(1, 52))
    found = {(p.item, p.code) for p in problems(text)}
    assert found == {("vpcs[hub]", "ActiveVpcPeeringConnectionPerVpcLimitExceeded")}
    ok = text.replace("{name: p51, requester: hub, accepter: s51}",
                      "{name: p51, requester: hub, accepter: s51, status: deleted}")
    assert len(load(ok).peerings) == 51


def test_every_problem_is_reported_at_once() -> None:
    text = "vpcs:\n" + vpc(
        "    subnets: [{name: s, cidr: 10.0.1.0/29}, {name: t, cidr: 10.9.0.0/24}]\n",
        cidrs="[10.0.0.0/15]",
    )
    assert len(problems(text)) >= 2


# --- rules whose effect is the loaded value -------------------------------------------------------


def test_v2_cidrs_are_canonicalised_not_rejected() -> None:
    topo = load(
        "vpcs:\n"
        + vpc(
            "    subnets: [{name: s, cidr: 100.68.0.18/24}]\n"
            "    network_acls: [{name: n, inbound: [{rule: 1, protocol: all, cidr: 10.1.2.3/8, "
            "action: deny}]}]\n"
            "    security_groups: [{name: w, ingress: [{protocol: tcp, ports: 443, cidr: "
            "192.0.2.77/24}]}]\n",
            cidrs="[100.68.0.18/18]",
        )
    )
    a = topo.vpc("a")
    assert a.cidr_blocks == ("100.68.0.0/18",)
    assert a.subnets[0].cidr == "100.68.0.0/24"
    assert next(n for n in a.network_acls if n.name == "n").inbound[0].cidr == "10.0.0.0/8"
    assert next(s for s in a.security_groups if s.name == "w").ingress[0].cidr == "192.0.2.0/24"


def test_v3_v7_v12_secondary_block_gets_local_routes_and_subnets() -> None:
    topo = load("vpcs:\n" + vpc(
        "    subnets: [{name: s, cidr: 10.1.5.0/24}]\n    route_tables: [{name: r}]\n",
        cidrs="[10.0.0.0/16, 10.1.0.0/16]"))
    for rt in topo.vpc("a").route_tables:
        assert [(r.destination, r.target.kind) for r in rt.routes] == [
            ("10.0.0.0/16", "local"), ("10.1.0.0/16", "local")]


def test_v5_permitted_associations() -> None:
    for cidrs in ("[10.0.0.0/16, 10.2.0.0/16]", "[10.0.0.0/16, 100.64.0.0/16]",
                  "[172.16.0.0/16, 100.70.0.0/16]", "[100.68.0.0/16, 203.0.113.0/24]"):
        assert load("vpcs:\n" + vpc("", cidrs=cidrs)).vpc("a").cidr_blocks


def test_v11_docker_range_is_only_advice() -> None:
    assert load("vpcs:\n" + vpc("", cidrs="[172.17.0.0/16]")).vpc("a").cidr_blocks == (
        "172.17.0.0/16",
    )


def test_v20_local_route_target_replaced_by_nat_or_eni() -> None:
    topo = load(
        "vpcs:\n"
        + vpc(
            ONE_SUBNET + "    instances: [{name: fw, subnet: s, source_dest_check: false}]\n"
            "    route_tables: [{name: r, routes: [{destination: 10.0.0.0/16, target: {instance: "
            "fw}}]}]\n"
        )
    )
    r = next(t for t in topo.vpc("a").route_tables if t.name == "r")
    assert [(x.destination, str(x.target), x.origin) for x in r.routes] == [
        ("10.0.0.0/16", "instance:fw", "CreateRouteTable")]


def test_v21_subnet_cidr_to_nat_or_eni_is_allowed() -> None:
    topo = load(
        "vpcs:\n"
        + vpc(
            "    subnets: [{name: s, cidr: 10.0.1.0/24}, {name: t, cidr: 10.0.2.0/24}]\n"
            "    instances: [{name: fw, subnet: t}]\n"
            "    route_tables: [{name: r, routes: [{destination: 10.0.1.0/24, target: {instance: "
            "fw}}]}]\n"
        )
    )
    r = next(t for t in topo.vpc("a").route_tables if t.name == "r")
    assert str(r.routes[1].target) == "instance:fw"


def test_v24_larger_prefix_than_169_254_168_is_allowed() -> None:
    topo = load(
        "vpcs:\n"
        + vpc(
            "    internet_gateway: true\n"
            "    route_tables: [{name: r, routes: [{destination: 169.254.0.0/16, target: "
            "internet_gateway}]}]\n"
        )
    )
    assert len(topo.vpc("a").route_tables[1].routes) == 2


BLACKHOLES = "vpcs:\n" + vpc(
    "    internet_gateway: {state: detached}\n    egress_only_internet_gateway: {state: deleted}\n"
    "    ipv6_cidr_blocks: [2001:db8::/56]\n" + ONE_SUBNET +
    "    nat_gateways: [{name: gone, subnet: s, connectivity: private, state: deleted}]\n"
    "    instances: [{name: old, subnet: s, state: terminated}]\n"
    "    route_tables: [{name: r, routes: [\n"
    "        {destination: 0.0.0.0/0, target: internet_gateway},\n"
    "        {destination: '::/0', target: egress_only_internet_gateway},\n"
    "        {destination: 10.8.0.0/16, target: {nat_gateway: gone}},\n"
    "        {destination: 10.9.0.0/16, target: {instance: old}},\n"
    "        {destination: 10.1.0.0/16, target: {peering: p}},\n"
    "        {destination: 10.2.0.0/16, target: {peering: q}}]}]\n") + vpc(
    "", "b", "[10.1.0.0/16]") + vpc("", "c", "[10.2.0.0/16]") + (
    "peerings: [{name: p, requester: a, accepter: b, status: deleted},\n"
    "           {name: q, requester: a, accepter: c, status: pending-acceptance}]\n")


def test_v26_v59_unavailable_targets_make_blackhole_routes() -> None:
    a = load(BLACKHOLES).vpc("a")
    r = next(t for t in a.route_tables if t.name == "r")
    assert [(x.destination, x.target, str(x.unavailable_target)) for x in r.routes[2:]] == [
        ("0.0.0.0/0", RouteTarget("blackhole"), "internet_gateway"),
        ("::/0", RouteTarget("blackhole"), "egress_only_internet_gateway"),
        ("10.8.0.0/16", RouteTarget("blackhole"), "nat_gateway:gone"),
        ("10.9.0.0/16", RouteTarget("blackhole"), "instance:old"),
        ("10.1.0.0/16", RouteTarget("blackhole"), "peering:p"),
        ("10.2.0.0/16", RouteTarget("blackhole"), "peering:q"),
    ]
    assert not a.internet_gateway and not a.egress_only_internet_gateway
    assert a.nat_gateways == () and a.instances == ()


def test_v31_v33_custom_nacl_keeps_only_its_rules_sorted() -> None:
    a = load(
        "vpcs:\n"
        + vpc(
            "    network_acls: [{name: n, inbound: [{rule: 200, protocol: udp, ports: 53, cidr: "
            "0.0.0.0/0, action: allow},"
            " {rule: 5, protocol: icmp, icmp: {type: 8}, cidr: 0.0.0.0/0, action: deny}]}]\n"
        )
    ).vpc("a")
    n = next(x for x in a.network_acls if x.name == "n")
    assert not n.default and n.outbound == ()
    assert [(r.number, r.protocol) for r in n.inbound] == [(5, 1), (200, 17)]
    assert n.inbound[0].icmp is not None and n.inbound[0].icmp.type == 8


def test_v32_v42_ipv6_vpc_defaults() -> None:
    a = load("vpcs:\n" + vpc("    ipv6_cidr_blocks: [2001:db8::/56]\n")).vpc("a")
    default = a.network_acls[0]
    assert [(r.number, r.cidr) for r in default.inbound] == [(100, "0.0.0.0/0"), (101, "::/0")]
    assert [(r.number, r.cidr) for r in default.outbound] == [(100, "0.0.0.0/0"), (101, "::/0")]
    assert a.security_groups[0].egress == (SgRule(-1, cidr="0.0.0.0/0"), SgRule(-1, cidr="::/0"))
    assert [(r.destination, r.target.kind) for r in a.route_tables[0].routes] == [
        ("10.0.0.0/16", "local"), ("2001:db8::/56", "local")]


def test_v32_v42_default_nacl_and_sg_are_modifiable() -> None:
    a = load(
        "vpcs:\n"
        + vpc(
            "    network_acls: [{name: default, inbound: [{rule: 10, protocol: tcp, ports: 22, "
            "cidr: 0.0.0.0/0, action: deny}]}]\n"
            "    security_groups: [{name: default, ingress: [], egress: []}]\n"
        )
    ).vpc("a")
    assert a.network_acls[0].default and [r.number for r in a.network_acls[0].inbound] == [10]
    assert a.security_groups[0].default and a.security_groups[0].ingress == ()
    assert a.security_groups[0].egress == ()


def test_v41_egress_empty_list_means_nothing_leaves() -> None:
    a = load("vpcs:\n" + vpc("    security_groups: [{name: w, egress: []}]\n")).vpc("a")
    assert a.security_groups[1].egress == ()


def test_v43_trailing_spaces_trimmed() -> None:
    a = load(
        "vpcs:\n"
        + vpc(
            ONE_SUBNET + "    security_groups: [{name: 'web  '}]\n"
            "    instances: [{name: i, subnet: s, security_groups: ['web ']}]\n"
        )
    ).vpc("a")
    assert a.security_groups[1].name == "web" and a.instances[0].security_groups == ("web",)


def test_v44_v45_peer_group_references() -> None:
    text = (
        "vpcs:\n"
        + vpc(
            "    security_groups: [{name: w, ingress: [{protocol: tcp, ports: 22, source_group: "
            "{vpc: b, name: x}}]}]\n"
        )
        + vpc("    security_groups: [{name: x}]\n", "b", "[10.1.0.0/16]")
        + "peerings: [{name: p, requester: a, accepter: b}]\n"
    )
    rule = load(text).vpc("a").security_groups[1].ingress[0]
    assert rule.group is not None and (rule.group.vpc, rule.group.name) == ("b", "x")
    assert not rule.stale
    stale = load(text.replace("accepter: b}", "accepter: b, status: deleted}"))
    assert stale.vpc("a").security_groups[1].ingress[0].stale  # V45


def test_v14_allocation_skips_reserved_and_taken_in_order() -> None:
    a = load(
        "vpcs:\n"
        + vpc(
            "    subnets: [{name: s, cidr: 10.0.1.0/28}]\n"
            "    instances: [{name: i1, subnet: s}, {name: i2, subnet: s, private_ip: 10.0.1.5}, "
            "{name: i3, subnet: s}]\n"
        )
    ).vpc("a")
    assert [i.private_ip for i in a.instances] == ["10.0.1.4", "10.0.1.5", "10.0.1.6"]


# --- shape: strict keys and types -----------------------------------------------------------------

SHAPE: list[tuple[str, str, str, str]] = [
    ("unknown top-level key", "vpcs: []\nregions: x\n", "regions", "UnknownParameter"),
    ("unknown VPC key", "vpcs:\n" + vpc("    colour: red\n"), "vpcs[a].colour", "UnknownParameter"),
    ("vpcs not a list", "vpcs: {a: 1}\n", "vpcs", "InvalidParameterValue"),
    ("top level not a mapping", "- 1\n", "", "InvalidParameterValue"),
    (
        "wrong type for a bool",
        "vpcs:\n" + vpc("    enable_dns_support: yes please\n"),
        "vpcs[a].enable_dns_support",
        "InvalidParameterValue",
    ),
    (
        "missing subnet cidr",
        "vpcs:\n" + vpc("    subnets: [{name: s}]\n"),
        "vpcs[a].subnets[s].cidr",
        "MissingParameter",
    ),
    (
        "unknown route target",
        "vpcs:\n"
        + vpc(
            "    route_tables: [{name: r, routes: [{destination: 0.0.0.0/0, target: {vgw: x}}]}]\n"
        ),
        "vpcs[a].route_tables[r].routes[0].target",
        "InvalidParameterValue",
    ),
    (
        "duplicate VPC name",
        "vpcs:\n" + vpc("") + vpc("", cidrs="[10.1.0.0/16]"),
        "vpcs[a]",
        "DuplicateName",
    ),
    (
        "route to unknown NAT",
        "vpcs:\n"
        + vpc(
            "    route_tables: [{name: r, routes: [{destination: 0.0.0.0/0, target: {nat_gateway: "
            "n}}]}]\n"
        ),
        "vpcs[a].route_tables[r].routes[0].target",
        "InvalidNatGatewayID.NotFound",
    ),
    (
        "route to another VPC's NAT",
        "vpcs:\n"
        + vpc(
            "    route_tables: [{name: r, routes: [{destination: 0.0.0.0/0, target: {nat_gateway: "
            "n}}]}]\n"
        )
        + vpc(
            "    subnets: [{name: t, cidr: 10.1.1.0/24}]\n"
            "    nat_gateways: [{name: n, subnet: t, connectivity: private}]\n",
            "b",
            "[10.1.0.0/16]",
        ),
        "vpcs[a].route_tables[r].routes[0].target",
        "InvalidParameterValue",
    ),
    (
        "route to a peering of other VPCs",
        "vpcs:\n"
        + vpc(
            "    route_tables: [{name: r, routes: [{destination: 10.7.0.0/16, target: {peering: "
            "p}}]}]\n"
        )
        + vpc("", "b", "[10.1.0.0/16]")
        + vpc("", "c", "[10.2.0.0/16]")
        + "peerings: [{name: p, requester: b, accepter: c}]\n",
        "vpcs[a].route_tables[r].routes[0].target",
        "InvalidParameterValue",
    ),
    (
        "route to unknown peering",
        "vpcs:\n"
        + vpc(
            "    route_tables: [{name: r, routes: [{destination: 10.7.0.0/16, target: {peering: "
            "p}}]}]\n"
        ),
        "vpcs[a].route_tables[r].routes[0].target",
        "InvalidVpcPeeringConnectionID.NotFound",
    ),
    (
        "instance in unknown subnet",
        "vpcs:\n" + vpc("    instances: [{name: i, subnet: nope}]\n"),
        "vpcs[a].instances[i].subnet",
        "InvalidSubnetID.NotFound",
    ),
    (
        "instance IP not an address",
        "vpcs:\n" + vpc(ONE_SUBNET + "    instances: [{name: i, subnet: s, private_ip: ten}]\n"),
        "vpcs[a].instances[i].private_ip",
        "InvalidParameterValue",
    ),
    (
        "public IP used twice",
        "vpcs:\n"
        + vpc(
            ONE_SUBNET + "    instances: [{name: i, subnet: s, public_ip: 198.51.100.7},"
            " {name: j, subnet: s, public_ip: 198.51.100.7}]\n"
        ),
        "vpcs[a].instances[j].public_ip",
        "Resource.AlreadyAssociated",
    ),
]


@pytest.mark.parametrize(("case", "text", "item", "code"), SHAPE, ids=[c[0] for c in SHAPE])
def test_shape_rejected(case: str, text: str, item: str, code: str) -> None:
    found = {(p.item, p.code) for p in problems(text)}
    assert (item, code) in found, f"{case}: expected {item}: {code}, got {sorted(found)}"


def test_v17_default_vpc() -> None:
    a = load(
        "vpcs:\n  - {name: d, default: true, instances: [{name: i, subnet: default-us-east-1b}]}\n"
    ).vpc("d")
    assert a.default and a.cidr_blocks == ("172.31.0.0/16",)
    assert a.internet_gateway and a.enable_dns_hostnames and a.enable_dns_support
    assert [(s.name, s.cidr, s.az) for s in a.subnets] == [
        ("default-us-east-1a", "172.31.0.0/20", "us-east-1a"),
        ("default-us-east-1b", "172.31.16.0/20", "us-east-1b"),
        ("default-us-east-1c", "172.31.32.0/20", "us-east-1c"),
    ]
    (main,) = [rt for rt in a.route_tables if rt.main]
    assert [(r.destination, r.target.kind) for r in main.routes] == [
        ("172.31.0.0/16", "local"), ("0.0.0.0/0", "internet_gateway")]
    assert a.instances[0].private_ip == "172.31.16.4"


def test_v27_gateway_route_table_loads_with_its_edge_association() -> None:
    a = load("vpcs:\n" + vpc(
        "    internet_gateway: true\n" + ONE_SUBNET + "    instances: [{name: fw, subnet: s}]\n"
        "    route_tables: [{name: g, edge_associations: [internet_gateway],"
        " routes: [{destination: 10.0.1.0/24, target: {instance: fw}}]}]\n")).vpc("a")
    g = next(rt for rt in a.route_tables if rt.name == "g")
    assert g.edge_associations == ("internet_gateway",) and not g.main


def test_v79_sg_reference_over_tgw_with_referencing_support() -> None:
    text = (
        "vpcs:\n"
        + vpc(
            "    subnets: [{name: s, cidr: 10.0.1.0/24}]\n"
            "    security_groups: [{name: w, ingress: [{protocol: tcp, ports: 22, source_group: "
            "{vpc: b, name: x}}]}]\n"
        )
        + vpc(
            "    subnets: [{name: t, cidr: 10.1.1.0/24}]\n    security_groups: [{name: x}]\n",
            "b",
            "[10.1.0.0/16]",
        )
        + "transit_gateways: [{name: hub, attachments: [{name: ta, vpc: a, subnets: [s], "
          "security_group_referencing: true},"
        " {name: tb, vpc: b, subnets: [t], security_group_referencing: true}]}]\n"
    )
    rule = load(text).vpc("a").security_groups[1].ingress[0]
    assert rule.group is not None and rule.group.vpc == "b" and not rule.stale


def test_no_follow_on_not_found_for_an_item_refused_for_its_shape() -> None:
    """A subnet refused for its shape is not reported again as 'not found' by its instances."""
    found = [(p.item, p.code) for p in problems("vpcs:\n" + vpc(
        "    subnets: [{name: s, cidr: 10.0.1.0/24, az: [x, y]}]\n"
        "    instances: [{name: i, subnet: s}]\n"))]
    assert found == [("vpcs[a].subnets[s].az", "InvalidParameterValue")]
    found = [
        (p.item, p.code)
        for p in problems("vpcs:\n" + vpc("    instances: [{name: i, subnet: s}]\n"))
    ]
    assert found == [("vpcs[a].instances[i].subnet", "InvalidSubnetID.NotFound")]
