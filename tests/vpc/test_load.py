"""The topology loader on good files: the topology file shape (docs/architecture.md) and everything
AWS makes implicitly (local routes, main route table, default NACL and SG, associations,
addresses)."""

from __future__ import annotations

from pathlib import Path

import pytest

from netemu.errors import LoadError
from netemu.vpc.load import load_topology, load_topology_file
from netemu.vpc.model import (
    GroupRef,
    NaclRule,
    Route,
    RouteTarget,
    SgRule,
    Topology,
)

DATA = Path(__file__).parent / "data"


@pytest.fixture(scope="module")
def arch() -> Topology:
    return load_topology_file(DATA / "architecture-example.yaml")


def test_architecture_example_loads(arch: Topology) -> None:
    app = arch.vpc("app")
    assert arch.region == "us-east-1" and app.region == "us-east-1"
    assert app.cidr_blocks == ("10.0.0.0/16",)
    assert app.internet_gateway and app.enable_dns_hostnames
    assert [p.name for p in arch.peerings] == ["app-data"]
    assert [h.ip for h in arch.internet_hosts] == ["203.0.113.50"]
    assert arch.source == str(DATA / "architecture-example.yaml")


def test_local_route_first_in_every_table_V7_V20(arch: Topology) -> None:
    for vpc in arch.vpcs:
        for rt in vpc.route_tables:
            assert rt.routes[0] == Route(
                vpc.cidr_blocks[0], RouteTarget("local"), "CreateRouteTable"
            )


def test_file_routes_follow_in_file_order(arch: Topology) -> None:
    public = next(rt for rt in arch.vpc("app").route_tables if rt.name == "public")
    assert [(r.destination, str(r.target)) for r in public.routes[1:]] == [
        ("0.0.0.0/0", "internet_gateway"),
        ("10.1.0.0/16", "peering:app-data"),
        ("10.9.0.0/16", "nat_gateway:nat-a"),
    ]


def test_implicit_main_route_table_V18(arch: Topology) -> None:
    app = arch.vpc("app")
    main = [rt for rt in app.route_tables if rt.main]
    assert [rt.name for rt in main] == ["main"]
    assert main[0].routes == (Route("10.0.0.0/16", RouteTarget("local"), "CreateRouteTable"),)
    subnets = {s.name: s for s in app.subnets}
    assert subnets["app-public"].route_table == "public"
    assert subnets["app-private"].route_table == "main"


def test_default_nacl_V30_V32(arch: Topology) -> None:
    app = arch.vpc("app")
    default = next(n for n in app.network_acls if n.default)
    allow_all = (NaclRule(100, -1, "0.0.0.0/0", "allow"),)
    assert default.name == "default"
    assert default.inbound == allow_all and default.outbound == allow_all
    subnets = {s.name: s for s in app.subnets}
    assert subnets["app-private"].network_acl == "default"
    assert subnets["app-public"].network_acl == "web"


def test_default_sg_and_default_egress_V41_V42(arch: Topology) -> None:
    app = arch.vpc("app")
    sgs = {s.name: s for s in app.security_groups}
    assert sgs["default"].default
    assert sgs["default"].ingress == (SgRule(-1, group=GroupRef("app", "default")),)
    assert sgs["default"].egress == (SgRule(-1, cidr="0.0.0.0/0"),)
    assert sgs["web"].egress == (SgRule(-1, cidr="0.0.0.0/0"),)  # egress omitted: allow all
    assert sgs["bastion"].ingress == ()  # a new SG has no inbound rules
    assert sgs["web"].ingress[1].group == GroupRef("app", "bastion")


def test_instances_addresses_and_eni_ids_V14(arch: Topology) -> None:
    app = arch.vpc("app")
    inst = {i.name: i for i in app.instances}
    assert inst["web1"].private_ip == "10.0.1.10"
    assert inst["web1"].security_groups == ("web",)
    assert inst["web2"].security_groups == ("default",)
    # nat-a (no address given) takes the first free one, then web2: ascending, file order
    assert app.nat_gateways[0].private_ip == "10.0.1.4"
    assert inst["web2"].private_ip == "10.0.1.5"
    assert inst["web1"].eni_id.startswith("eni-") and len(inst["web1"].eni_id) == 21
    assert len({i.eni_id for v in arch.vpcs for i in v.instances}) == 3
    again = load_topology_file(DATA / "architecture-example.yaml")
    assert again == arch  # deterministic


def test_load_topology_in_memory_and_problems_raise() -> None:
    topo = load_topology({"vpcs": [{"name": "a", "cidr_blocks": ["10.0.0.0/16"]}]}, "mem")
    assert topo.region == "us-east-1" and topo.vpc("a").subnets == ()
    with pytest.raises(LoadError) as exc:
        load_topology({"vpcs": [{"name": "a"}]}, "mem")
    assert str(exc.value.problems[0]) == (
        "mem: vpcs[a].cidr_blocks: MissingParameter: The request must contain the parameter "
        "cidr_blocks")


def _leaves(node: object, path: tuple[object, ...] = ()):  # type: ignore[no-untyped-def]
    yield path
    if isinstance(node, dict):
        for k, v in node.items():
            yield from _leaves(v, path + (k,))
    elif isinstance(node, list):
        for i, v in enumerate(node):
            yield from _leaves(v, path + (i,))


def _replace(node: object, path: tuple[object, ...], value: object) -> object:
    if not path:
        return value
    head, rest = path[0], path[1:]
    if isinstance(node, dict):
        return {k: (_replace(v, rest, value) if k == head else v) for k, v in node.items()}
    assert isinstance(node, list)
    return [(_replace(v, rest, value) if i == head else v) for i, v in enumerate(node)]


BAD_VALUES = (None, 7, True, "x", [], {"k": 1})


def test_no_value_anywhere_makes_the_loader_crash() -> None:
    """Every node of the example replaced by every kind of wrong value: the loader either loads
    or raises LoadError with problems naming the file -- never another exception."""
    import yaml

    data = yaml.safe_load((DATA / "architecture-example.yaml").read_text())
    tried = 0
    for path in _leaves(data):
        for bad in BAD_VALUES:
            mutated = _replace(data, path, bad)
            try:
                load_topology(mutated, "m.yaml")
            except LoadError as exc:
                assert exc.problems and all(p.file == "m.yaml" for p in exc.problems)
            tried += 1
    assert tried > 500
