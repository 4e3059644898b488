"""Prefix-list and gateway-endpoint routes in the kernel plan (pure): a route per entry, the
static route of the same prefix kept over the prefix-list one (V23), the endpoint route leaving
on the endpoint's link to the service host (V135, V136)."""
from __future__ import annotations

from netemu.dataplane import plan
from netemu.vpc.load import load_topology
from tests.vpc.test_prefix_lists import topo

P = "netemu-plt-"


def test_static_beats_prefix_list_and_endpoint_route_in_kernel_tables_V23_V135() -> None:
    routes = [{"destination": "0.0.0.0/0", "target": "internet_gateway"},
              {"destination_prefix_list": "partners", "target": {"instance": "fw"}},
              {"destination": "203.0.113.0/24", "target": "internet_gateway"}]
    data = topo(vpcs__0__route_tables__0__routes=routes)
    data["vpc_endpoints"] = [{"name": "s3-gw", "vpc": "app", "service": "s3",
                              "route_tables": ["pub"]}]
    t = load_topology(data, "plt")
    d = plan.build(t, P)
    router = d.namespace(P + "r-app")
    table = next(r.table for r in router.rules if r.iif.startswith("b"))
    got = {r.dst: r for r in router.routes if r.table == table}
    fw = next(i for i in t.vpc("app").instances if i.name == "fw")
    assert got["198.51.100.128/25"].via == fw.private_ip      # an entry of the list
    assert got["203.0.113.0/24"].dev == "igw0"                # static wins over the list (V23)
    s3 = got["52.216.0.0/15"]
    assert s3.dev is not None and s3.dev.startswith("e") and "pl-63a5400a" in s3.reason
    host = next(n for n in d.namespaces if n.node == "s3.us-east-1.amazonaws.com")
    assert any(r.dst == "10.0.0.0/16" for r in host.routes)   # replies back over the endpoint
    assert "ct state new drop" in host.nft                      # nothing initiated (V136)
