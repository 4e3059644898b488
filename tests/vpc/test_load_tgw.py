"""Transit gateways in topology files (V74-V79): attachments, associations, static and
blackhole routes, and propagated routes resolved at load."""

from __future__ import annotations

import pytest
import yaml

from netemu.errors import LoadError
from netemu.vpc.load import load_topology
from netemu.vpc.model import TgwRoute

HUB = """
vpcs:
  - name: a
    cidr_blocks: [10.0.0.0/16]
    ipv6_cidr_blocks: [2001:db8::/56]
    subnets: [{name: a1, cidr: 10.0.1.0/24, az: us-east-1a, route_table: r},
              {name: a2, cidr: 10.0.2.0/24, az: us-east-1b}]
    route_tables: [{name: r, routes: [{destination: 10.1.0.0/16, target: {transit_gateway: hub}}]}]
  - name: b
    cidr_blocks: [10.1.0.0/16, 10.2.0.0/16]
    subnets: [{name: b1, cidr: 10.1.1.0/24}]
transit_gateways:
  - name: hub
    route_tables:
      - name: main
        routes: [{destination: 10.1.0.0/16, attachment: att-a},
                 {destination: 10.66.0.0/16, blackhole: true}]
      - name: isolated
    attachments:
      - {name: att-a, vpc: a, subnets: [a1, a2], association: main, propagations: [main, isolated]}
      - {name: att-b, vpc: b, subnets: [b1], association: isolated, propagations: [main],
         appliance_mode: true, security_group_referencing: true}
"""


def test_v74_v76_v77_static_blackhole_and_propagated_routes() -> None:
    topo = load_topology(yaml.safe_load(HUB), "hub.yaml")
    (hub,) = topo.transit_gateways
    tables = {t.name: t for t in hub.route_tables}
    assert tables["main"].routes == (
        TgwRoute("10.1.0.0/16", "att-a"),  # static beats propagated of the same prefix (V76)
        TgwRoute("10.66.0.0/16", None, blackhole=True),
        TgwRoute("10.0.0.0/16", "att-a", origin="propagated"),
        TgwRoute("2001:db8::/56", "att-a", origin="propagated"),
        TgwRoute("10.1.0.0/16", "att-b", origin="propagated"),
        TgwRoute("10.2.0.0/16", "att-b", origin="propagated"),
    )
    assert tables["isolated"].routes == (
        TgwRoute("10.0.0.0/16", "att-a", origin="propagated"),
        TgwRoute("2001:db8::/56", "att-a", origin="propagated"),
    )
    atts = {x.name: x for x in hub.attachments}
    assert atts["att-a"].subnets == ("a1", "a2") and atts["att-a"].association == "main"
    assert atts["att-b"].appliance_mode and atts["att-b"].security_group_referencing
    r = next(t for t in topo.vpc("a").route_tables if t.name == "r")
    assert str(r.routes[-1].target) == "transit_gateway:hub"


CASES = [
    (
        "V78 two subnets of one AZ",
        HUB.replace("subnets: [a1, a2]", "subnets: [a1, a1x]").replace(
            "{name: a2, cidr: 10.0.2.0/24, az: us-east-1b}",
            "{name: a2, cidr: 10.0.2.0/24, az: us-east-1b}, {name: a1x, cidr: 10.0.3.0/24, az: "
            "us-east-1a}",
        ),
        "transit_gateways[hub].attachments[att-a].subnets[1]",
        "DuplicateSubnetsInSameZone",
    ),
    (
        "V74 association with an unknown table",
        HUB.replace("association: main", "association: nope"),
        "transit_gateways[hub].attachments[att-a].association",
        "InvalidRouteTableID.NotFound",
    ),
    (
        "V74 one association only",
        HUB.replace("association: main", "association: [main, isolated]"),
        "transit_gateways[hub].attachments[att-a].association",
        "InvalidParameterValue",
    ),
    (
        "V74 propagation to an unknown table",
        HUB.replace("propagations: [main, isolated]", "propagations: [x]"),
        "transit_gateways[hub].attachments[att-a].propagations[0]",
        "InvalidRouteTableID.NotFound",
    ),
    (
        "V77 route to an unknown attachment",
        HUB.replace("attachment: att-a}", "attachment: att-z}"),
        "transit_gateways[hub].route_tables[main].routes[0].attachment",
        "InvalidTransitGatewayAttachmentID.NotFound",
    ),
    (
        "V77 route with both attachment and blackhole",
        HUB.replace(
            "{destination: 10.66.0.0/16, blackhole: true}",
            "{destination: 10.66.0.0/16, blackhole: true, attachment: att-a}",
        ),
        "transit_gateways[hub].route_tables[main].routes[1]",
        "InvalidParameterCombination",
    ),
    (
        "V77 duplicate static route",
        HUB.replace("10.66.0.0/16", "10.1.0.0/16"),
        "transit_gateways[hub].route_tables[main].routes[1].destination",
        "RouteAlreadyExists",
    ),
    (
        "attachment subnet of another VPC",
        HUB.replace("subnets: [b1]", "subnets: [a1]"),
        "transit_gateways[hub].attachments[att-b].subnets[0]",
        "InvalidSubnetID.NotFound",
    ),
    (
        "VPC attached twice",
        HUB.replace("vpc: b,", "vpc: a,"),
        "transit_gateways[hub].attachments[att-b].vpc",
        "DuplicateTransitGatewayAttachment",
    ),
    (
        "VPC route to an unknown TGW",
        HUB.replace("{transit_gateway: hub}", "{transit_gateway: nope}"),
        "vpcs[a].route_tables[r].routes[0].target",
        "InvalidTransitGatewayID.NotFound",
    ),
    (
        "VPC route to a TGW it is not attached to",
        HUB.replace("vpc: a, subnets: [a1, a2]", "vpc: b, subnets: [b1]").replace(
            "vpc: b, subnets: [b1], association: isolated",
            "vpc: zz, subnets: [b1], association: isolated",
        ),
        "vpcs[a].route_tables[r].routes[0].target",
        "InvalidParameterValue",
    ),
]


@pytest.mark.parametrize(("case", "text", "item", "code"), CASES, ids=[c[0] for c in CASES])
def test_tgw_rule_rejected(case: str, text: str, item: str, code: str) -> None:
    with pytest.raises(LoadError) as exc:
        load_topology(yaml.safe_load(text), "hub.yaml")
    found = {(p.item, p.code) for p in exc.value.problems}
    assert (item, code) in found, f"{case}: expected {item}: {code}, got {sorted(found)}"


VPN_ATT = HUB + """
  - name: other
    route_tables: [{name: rt}]
on_premises:
  - {name: dc, cidrs: [10.70.0.0/16], customer_gateway: {ip: 198.51.100.30}}
vpn_connections:
  - {name: dc-vpn, site: dc, transit_gateway: hub, routing: static,
     static_routes: [10.70.0.0/16], association: main}
"""


def test_static_route_to_a_vpn_attachment_of_this_tgw_only_V76() -> None:
    """A static TGW route may target a VPN attachment (named like its connection) of the same
    transit gateway (V76), beside the routes the VPN propagates; naming it in another transit
    gateway's table is InvalidTransitGatewayAttachmentID.NotFound."""
    ok = VPN_ATT.replace("{destination: 10.66.0.0/16, blackhole: true}",
                         "{destination: 10.66.0.0/16, blackhole: true},\n"
                         "                 {destination: 10.70.0.0/16, attachment: dc-vpn}")
    topo = load_topology(yaml.safe_load(ok), "hub.yaml")
    main = next(rt for rt in topo.transit_gateways[0].route_tables if rt.name == "main")
    assert TgwRoute("10.70.0.0/16", "dc-vpn") in main.routes
    bad = VPN_ATT.replace("route_tables: [{name: rt}]",
                          "route_tables: [{name: rt, routes: [{destination: 10.70.0.0/16,"
                          " attachment: dc-vpn}]}]")
    with pytest.raises(LoadError) as e:
        load_topology(yaml.safe_load(bad), "hub.yaml")
    assert [(p.item, p.code) for p in e.value.problems] == [
        ("transit_gateways[other].route_tables[rt].routes[0].attachment",
         "InvalidTransitGatewayAttachmentID.NotFound")]
