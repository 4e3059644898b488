"""Configurations moto 5.2.5 gets wrong, one row each (rows keep their original numbers): each,
as a topology file, gets AWS's answer from netemu (row 34 is Reachability Analyzer, not a
topology)."""

from __future__ import annotations

import pytest
import yaml

from netemu.errors import LoadError
from netemu.vpc import addressing
from netemu.vpc.load import load_topology
from netemu.vpc.model import GroupRef, NaclRule, SgRule, Topology


def vpc(body: str = "", name: str = "a", cidrs: str = "[10.0.0.0/16]") -> str:
    return f"  - name: {name}\n    cidr_blocks: {cidrs}\n" + body


SUBNET = "    subnets: [{name: s, cidr: 10.0.1.0/24}]\n"
PUBLIC = (
    "    internet_gateway: true\n    subnets: [{name: s, cidr: 10.0.1.0/24, route_table: r}]\n"
    "    route_tables: [{name: r, routes: [{destination: 0.0.0.0/0, target: internet_gateway}]}]\n"
)


def load(text: str) -> Topology:
    return load_topology(yaml.safe_load(text), "m.yaml")


# (row, text, item, code): the AWS column says "reject"
REJECTED = [
    (1, "vpcs:\n" + vpc(cidrs="[10.0.0.0/15]"), "vpcs[a].cidr_blocks[0]", "InvalidVpc.Range"),
    (2, "vpcs:\n" + vpc(cidrs="[10.0.0.0/29]"), "vpcs[a].cidr_blocks[0]", "InvalidVpc.Range"),
    (3, "vpcs:\n" + vpc(cidrs="[169.254.0.0/16]"), "vpcs[a].cidr_blocks[0]", "InvalidVpc.Range"),
    (4, "vpcs:\n" + vpc(cidrs="[224.0.0.0/16]"), "vpcs[a].cidr_blocks[0]", "InvalidVpc.Range"),
    (
        5,
        "vpcs:\n" + vpc(cidrs="[10.0.0.0/16, 192.168.0.0/16]"),
        "vpcs[a].cidr_blocks[1]",
        "InvalidVpc.Range",
    ),
    (
        6,
        "vpcs:\n" + vpc(cidrs="[10.0.0.0/16, 10.0.128.0/17]"),
        "vpcs[a].cidr_blocks[1]",
        "InvalidVpc.Range",
    ),
    (
        7,
        "vpcs:\n" + vpc(cidrs="[10.0.0.0/16, 10.16.0.0/12]"),
        "vpcs[a].cidr_blocks[1]",
        "InvalidVpc.Range",
    ),
    (
        8,
        "vpcs:\n" + vpc(cidrs="[" + ", ".join(f"10.{i}.0.0/16" for i in range(6)) + "]"),
        "vpcs[a].cidr_blocks[5]",
        "CidrLimitExceeded",
    ),
    (
        9,
        "vpcs:\n" + vpc("    subnets: [{name: s, cidr: 10.0.1.0/29}]\n"),
        "vpcs[a].subnets[s].cidr",
        "InvalidSubnet.Range",
    ),
    (
        10,
        "vpcs:\n"
        + vpc("    subnets: [{name: s, cidr: 10.0.1.0/24}, {name: t, cidr: 10.0.1.0/25}]\n"),
        "vpcs[a].subnets[t].cidr",
        "InvalidSubnet.Conflict",
    ),
    (
        11,
        "vpcs:\n" + vpc("    subnets: [{name: s, cidr: 10.1.1.0/24}]\n"),
        "vpcs[a].subnets[s].cidr",
        "InvalidSubnet.Range",
    ),
    (
        12,
        "vpcs:\n" + vpc(SUBNET + "    instances: [{name: i, subnet: s, private_ip: 10.0.1.1}]\n"),
        "vpcs[a].instances[i].private_ip",
        "InvalidParameterValue",
    ),
    (
        13,
        "vpcs:\n" + vpc(SUBNET + "    instances: [{name: i, subnet: s, private_ip: 10.0.1.255}]\n"),
        "vpcs[a].instances[i].private_ip",
        "InvalidParameterValue",
    ),
    (
        15,
        "vpcs:\n"
        + vpc(
            "    route_tables: [{name: r, routes: [{destination: 10.0.0.0/16, target: null}]}]\n"
        ),
        "vpcs[a].route_tables[r].routes[0]",
        "InvalidParameterValue",
    ),
    (
        16,
        "vpcs:\n"
        + vpc(
            "    route_tables: [{name: r, routes: [{destination: 0.0.0.0/0, target: "
            "internet_gateway}]}]\n"
        )
        + vpc("    internet_gateway: true\n", "b", "[10.1.0.0/16]"),
        "vpcs[a].route_tables[r].routes[0].target",
        "InvalidGatewayID.NotFound",
    ),
    (
        18,
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
        19,
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
        20,
        "vpcs:\n"
        + vpc(
            "    internet_gateway: true\n"
            + SUBNET
            + "    route_tables: [{name: r, routes: [{destination: 10.0.1.0/24, target: "
              "internet_gateway}]}]\n"
        ),
        "vpcs[a].route_tables[r].routes[0].destination",
        "InvalidParameterValue",
    ),
    (
        21,
        "vpcs:\n"
        + vpc()
        + vpc(name="b", cidrs="[10.0.0.0/16]")
        + "peerings: [{name: p, requester: a, accepter: b, status: active}]\n",
        "peerings[p]",
        "OverlappingCidrs",
    ),
    (
        22,
        "vpcs:\n"
        + vpc()
        + vpc(name="b", cidrs="[10.1.0.0/16]")
        + "peerings: [{name: p, requester: a, accepter: b}, {name: p2, requester: a, accepter: "
          "b}]\n",
        "peerings[p2]",
        "VpcPeeringConnectionAlreadyExists",
    ),
    (
        23,
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
        29,
        "vpcs:\n"
        + vpc(
            "    network_acls: [{name: n, inbound: [{rule: 0, protocol: all, cidr: 0.0.0.0/0, "
            "action: allow},"
            " {rule: 40000, protocol: all, cidr: 0.0.0.0/0, action: allow}]}]\n"
        ),
        "vpcs[a].network_acls[n].inbound[1].rule",
        "InvalidParameterValue",
    ),
    (
        30,
        "vpcs:\n" + vpc("    internet_gateway: [{name: igw-1}, {name: igw-2}]\n"),
        "vpcs[a].internet_gateway[1]",
        "Resource.AlreadyAssociated",
    ),
    (
        31,
        "vpcs:\n" + vpc(PUBLIC + "    nat_gateways: [{name: n, subnet: s}]\n"),
        "vpcs[a].nat_gateways[n]",
        "MissingParameter",
    ),
    (
        32,
        "vpcs:\n" + vpc("    security_groups: [{name: sg-bad}]\n"),
        "vpcs[a].security_groups[sg-bad].name",
        "InvalidParameterValue",
    ),
    (
        33,
        "vpcs:\n"
        + vpc("    subnets: [{name: s, cidr: 10.0.1.0/24, route_table: theirs}]\n")
        + vpc("    route_tables: [{name: theirs}]\n", "b", "[10.1.0.0/16]"),
        "vpcs[a].subnets[s].route_table",
        "InvalidRouteTableID.NotFound",
    ),
]


@pytest.mark.parametrize(
    ("row", "text", "item", "code"), REJECTED, ids=[f"M{r[0]}" for r in REJECTED]
)
def test_part_m_rejected(row: int, text: str, item: str, code: str) -> None:
    with pytest.raises(LoadError) as exc:
        load(text)
    found = {(p.item, p.code) for p in exc.value.problems}
    assert (item, code) in found, f"Part M row {row}: expected {item}: {code}, got {sorted(found)}"


def test_m12_m13_accepted_when_not_reserved() -> None:
    """The control for rows 12-13: the same file with a usable address loads."""
    topo = load(
        "vpcs:\n" + vpc(SUBNET + "    instances: [{name: i, subnet: s, private_ip: 10.0.1.4}]\n")
    )
    assert topo.vpc("a").instances[0].private_ip == "10.0.1.4"


def test_m14_available_ip_address_count() -> None:
    assert addressing.available_ip_count("10.0.1.0/24") == 251
    assert addressing.available_ip_count("10.0.1.0/28") == 11


def test_m17_route_to_a_detached_igw_is_blackhole() -> None:
    topo = load(
        "vpcs:\n"
        + vpc(
            "    internet_gateway: {state: detached}\n"
            "    route_tables: [{name: r, routes: [{destination: 0.0.0.0/0, target: "
            "internet_gateway}]}]\n"
        )
    )
    route = topo.vpc("a").route_tables[1].routes[1]
    assert route.target.kind == "blackhole" and str(route.unavailable_target) == "internet_gateway"


def test_m24_the_main_route_table_always_exists() -> None:
    """There is no way to be without a main route table: an implicit one stands in."""
    topo = load("vpcs:\n" + vpc(SUBNET + "    route_tables: [{name: r}]\n"))
    mains = [rt for rt in topo.vpc("a").route_tables if rt.main]
    assert len(mains) == 1 and topo.vpc("a").subnets[0].route_table == mains[0].name


def test_m25_m26_default_sg_exists_with_self_reference() -> None:
    a = load("vpcs:\n" + vpc()).vpc("a")
    (default,) = [g for g in a.security_groups if g.default]
    assert default.name == "default"
    assert default.ingress == (SgRule(-1, group=GroupRef("a", "default")),)
    assert default.egress == (SgRule(-1, cidr="0.0.0.0/0"),)


def test_m27_custom_nacl_has_no_allow_rules() -> None:
    """Custom NACL: only the implicit * deny (not stored; the evaluator's final deny)."""
    a = load("vpcs:\n" + vpc("    network_acls: [{name: n}]\n")).vpc("a")
    n = next(x for x in a.network_acls if x.name == "n")
    assert n.inbound == () and n.outbound == () and not n.default


def test_m28_default_nacl_entries() -> None:
    a = load("vpcs:\n" + vpc()).vpc("a")
    d = a.network_acls[0]
    assert d.default and d.inbound == d.outbound == (NaclRule(100, -1, "0.0.0.0/0", "allow"),)


def test_m35_dns_attribute_defaults() -> None:
    a = load("vpcs:\n" + vpc()).vpc("a")
    assert a.enable_dns_support is True and a.enable_dns_hostnames is False
