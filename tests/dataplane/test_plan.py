"""plan.build: model -> desired namespaces, links, routes, rules (pure, table-driven)."""

from __future__ import annotations

import pytest

from netemu.dataplane import plan
from tests.dataplane.topos import lab, scaled

P = "netemu-t-"


@pytest.fixture(scope="module")
def desired() -> plan.Desired:
    return plan.build(lab(), P)


def routes(d: plan.Desired, ns: str, table: int) -> dict[str, plan.KernelRoute]:
    return {r.dst: r for r in d.namespace(P + ns).routes if r.table == table}


def table_of(d: plan.Desired, vpc: str, subnet_bridge_name: str) -> int:
    rules = {r.iif: r.table for r in d.namespace(P + f"r-{vpc}").rules}
    return rules[subnet_bridge_name]


def bridge(d: plan.Desired, vpc: str, subnet: str) -> str:
    return next(b.ifname for b in d.namespace(P + f"r-{vpc}").bridges if b.subnet == subnet)


def test_one_namespace_per_node_router_gateway(desired: plan.Desired) -> None:
    roles = sorted((n.role, n.node) for n in desired.namespaces)
    assert ("instance", "app/web1") in roles and ("nat", "app/nat-a") in roles
    assert ("router", "router:app") in roles and ("igw", "igw:app") in roles
    assert ("internet", "inet:router") in roles and ("host", "client") in roles
    assert all(n.name.startswith(P) for n in desired.namespaces)
    assert all(len(link.a_if) <= 15 and len(link.b_if) <= 15 for link in desired.links)


def test_instance_holds_only_its_private_address_V65(desired: plan.Desired) -> None:
    """eth0 holds the private address only (V65); lo the metadata service's (V37)."""
    web1 = desired.namespace(P + "i-app.web1")
    assert [(a.ifname, a.cidr) for a in web1.addresses] == [("eth0", "10.0.1.10/24"),
                                                             ("lo", "169.254.169.254/32")]
    assert web1.routes[0].via == "10.0.1.1"  # base+1 is the VPC router (V14)
    assert web1.resolver == "10.0.0.2"  # primary CIDR base+2 (V15)


def test_router_owns_base_plus_one_and_the_resolver(desired: plan.Desired) -> None:
    cidrs = {a.cidr for a in desired.namespace(P + "r-app").addresses}
    assert {"10.0.1.1/24", "10.0.2.1/24", "10.0.0.2/32"} <= cidrs


@pytest.mark.parametrize("subnet,dst,kind,via", [
    ("pub", "0.0.0.0/0", "unicast", "igw"),
    ("pub", "192.0.2.0/24", "blackhole", None),       # V26 blackhole route
    ("pub", "10.0.0.0/16", "blackhole", None),        # local CIDR outside any subnet
    ("pub", "10.0.2.0/24", "unicast", None),          # local -> subnet, connected
    ("priv", "0.0.0.0/0", "unicast", "10.0.1.5"),     # -> NAT gateway's private address
    ("priv", "10.2.0.0/16", "unicast", "pcx"),
])
def test_route_table_per_subnet(
    desired: plan.Desired, subnet: str, dst: str, kind: str, via: str | None
) -> None:
    t = table_of(desired, "app", bridge(desired, "app", subnet))
    r = routes(desired, "r-app", t)[dst]
    assert r.kind == kind
    if via == "igw":
        assert r.dev == "igw0"
    elif via == "pcx":
        assert r.dev and r.dev.startswith("x")
    elif via:
        assert r.via == via


def test_edge_table_reaches_only_local_subnets_V54_V55(desired: plan.Desired) -> None:
    edge = routes(desired, "r-data", plan.EDGE_TABLE)
    assert edge["0.0.0.0/0"].kind == "blackhole"
    assert set(edge) == {"0.0.0.0/0", "10.1.1.0/24"}
    iifs = {r.iif for r in desired.namespace(P + "r-data").rules if r.table == plan.EDGE_TABLE}
    assert len(iifs) == 2  # both peerings


def test_router_disables_bridge_netfilter_V35(desired: plan.Desired) -> None:
    assert ("net.bridge.bridge-nf-call-iptables", "0") in desired.namespace(P + "r-app").sysctls


def test_conntrack_keeps_udp_streams_180_s_V49_V97(desired: plan.Desired) -> None:
    """V49, V97: the kernel forgets a UDP stream after 120 s, AWS after 180 s: every namespace
    that filters statefully (instances, NAT gateways) is given AWS's figure."""
    for ns in ("i-app.web1", "nat-app.nat-a"):
        sysctls = dict(desired.namespace(P + ns).sysctls)
        assert sysctls["net.netfilter.nf_conntrack_udp_timeout_stream"] == "180", ns


def test_nat_gateway_forgets_idle_connections_after_350_s_V71(desired: plan.Desired) -> None:
    """V71: a NAT gateway drops an idle TCP connection after 350 s; an instance keeps the
    kernel's (and AWS's security group) five days."""
    nat = dict(desired.namespace(P + "nat-app.nat-a").sysctls)
    assert nat["net.netfilter.nf_conntrack_tcp_timeout_established"] == "350"
    web1 = dict(desired.namespace(P + "i-app.web1").sysctls)
    assert "net.netfilter.nf_conntrack_tcp_timeout_established" not in web1


def test_missing_gateway_is_a_blackhole() -> None:
    t = scaled(3)
    vpc = t.vpcs[0]
    from dataclasses import replace
    t2 = replace(t, vpcs=(replace(vpc, internet_gateway=False),))
    d = plan.build(t2, P)
    rt = [r for r in d.namespace(P + "r-big").routes if r.table == plan.FIRST_TABLE]
    assert {r.dst: r.kind for r in rt}["0.0.0.0/0"] == "blackhole"


def test_plan_is_deterministic_and_sorted() -> None:
    a, b = plan.build(lab(), P), plan.build(lab(), P)
    assert a == b
    assert [n.name for n in a.namespaces] == sorted(n.name for n in a.namespaces)


def test_fingerprints_separate_structure_from_config() -> None:
    a = plan.build(lab(), P).namespace(P + "r-app")
    from dataclasses import replace
    b = replace(a, nft=a.nft + "# changed\n")
    assert a.structure() == b.structure() and a.config() != b.config()


def test_transit_gateway_tables_per_az_and_static_beats_propagated_V76_V78() -> None:
    from netemu.vpc.load import load_topology_file
    from tests.helpers import ROOT
    d = plan.build(load_topology_file(ROOT / "topologies" / "transit-gateway.yaml"), P)
    dev = d.namespace(P + "r-dev")
    by_iif = {r.iif: r.table for r in dev.rules}
    a, b = by_iif[bridge(d, "dev", "dev-a")], by_iif[bridge(d, "dev", "dev-b")]
    assert a != b  # same route table "spoke", two AZs
    assert routes(d, "r-dev", a)["0.0.0.0/0"].dev.startswith("t")  # type: ignore[union-attr]
    assert (
        routes(d, "r-dev", b)["0.0.0.0/0"].kind == "blackhole"
    )  # no attachment subnet in 1b (V78)
    hub = d.namespace(P + "tgw-hub")
    spokes = {r.dst: r for r in hub.routes if r.table != plan.EDGE_TABLE and r.kind == "blackhole"}
    assert "10.2.0.0/16" in spokes  # the static blackhole beats prod's propagated route (V76, V77)


def test_tgw_namespace_realises_zones_and_appliance_mode_V78() -> None:
    """The TGW namespace of topologies/tgw-inspection.yaml (V78): a flow-hash conntrack mark
    (mod 2: one appliance attachment with two subnets), per link one plain rule (the zone it
    enters in) and one fwmark rule per hash value; the table a hash value selects leaves the
    spokes' 0.0.0.0/0 through that value's inspection subnet, whatever the entry zone, while
    the plain tables leave through the entry zone's subnet."""
    from netemu.dataplane import nft
    from netemu.dataplane.plan import wiring
    from netemu.vpc.load import load_topology_file
    from tests.helpers import ROOT
    d = plan.build(load_topology_file(ROOT / "topologies" / "tgw-inspection.yaml"), P)
    hub = d.namespace(P + "tgw-hub")
    assert "jhash ip saddr . ip daddr mod 2 seed 0x0 offset 1" in hub.nft
    app = wiring.tgw_if("hub", "app-att", "app-a")
    into = {sn: wiring.tgw_if("hub", "inspection-att", sn) for sn in ("tgw-a", "tgw-b")}
    mine = [r for r in hub.rules if r.iif == app]
    plain = [r for r in mine if r.fwmark is None]
    marked = {r.fwmark: r.table for r in mine if r.fwmark is not None}
    assert len(plain) == 1 and set(marked) == {
        (nft.flow_mark(k), nft.FLOW_MARK_MASK) for k in (1, 2)}
    assert all(r.priority < plain[0].priority for r in mine if r.fwmark is not None)

    def out(table: int) -> str | None:
        return next(r.dev for r in hub.routes if r.table == table and r.dst == "0.0.0.0/0")

    assert out(plain[0].table) == into["tgw-a"]  # app-a is in us-east-1a
    assert out(marked[(nft.flow_mark(1), nft.FLOW_MARK_MASK)]) == into["tgw-a"]
    assert out(marked[(nft.flow_mark(2), nft.FLOW_MARK_MASK)]) == into["tgw-b"]


def test_igw_ingress_follows_the_gateway_route_table_V27() -> None:
    from tests.dataplane.topos import inspection
    d = plan.build(inspection(), P)
    rules = {r.iif: r.table for r in d.namespace(P + "r-insp").rules}
    assert rules["igw0"] == plan.GATEWAY_TABLE
    gw = routes(d, "r-insp", plan.GATEWAY_TABLE)
    assert (gw["10.70.1.0/24"].via, gw["10.70.1.0/24"].dev) == (
        "10.70.0.10",
        bridge(d, "insp", "fw"),
    )
    assert gw["10.70.0.0/24"].dev == bridge(d, "insp", "fw") and gw["10.70.0.0/24"].via is None
    assert gw["0.0.0.0/0"].kind == "blackhole"  # nothing outside the VPC
    assert rules["igw0"] != plan.EDGE_TABLE and plan.EDGE_TABLE not in {
        r.table for r in d.namespace(P + "r-insp").rules}
