"""Route lookup: longest prefix (V22), AWS priority for equal prefixes (V23), blackhole routes
(V26, V77), no route (RA NO_ROUTE_TO_DESTINATION), transit gateway tables (V75-V77)."""

from __future__ import annotations

import pytest

from netemu.vpc import routing
from netemu.vpc.model import Route, RouteTable, RouteTarget, TgwRoute, TgwRouteTable

LOCAL = RouteTarget("local")
IGW = RouteTarget("internet_gateway")
NAT = RouteTarget("nat_gateway", "nat-a")
PCX = RouteTarget("peering", "pcx-ab")
EIGW = RouteTarget("egress_only_internet_gateway")

TABLE = RouteTable("rt", "app", (
    Route("10.0.0.0/16", LOCAL, "CreateRouteTable"),
    Route("2600:1f18:1::/56", LOCAL, "CreateRouteTable"),
    Route("0.0.0.0/0", IGW),
    Route("10.1.0.0/16", PCX),
    Route("10.1.5.0/24", NAT),
    Route("::/0", EIGW),
    Route("192.0.2.0/24", RouteTarget("blackhole"), unavailable_target=NAT),
))


@pytest.mark.parametrize("dst, verdict, target, code", [
    # V22: the most specific route containing the destination wins
    ("10.0.7.9", "allow", LOCAL, None),
    ("8.8.8.8", "allow", IGW, None),
    # V94: a more specific route took the packet away from a shorter one (MORE_SPECIFIC_ROUTE)
    ("10.1.2.3", "allow", PCX, "MORE_SPECIFIC_ROUTE"),
    ("10.1.5.3", "allow", NAT, "MORE_SPECIFIC_ROUTE"),  # /24 beats /16
    # V22: families are separate; ::/0 matches IPv6 only and 0.0.0.0/0 never does
    ("2600:1f18:1::10", "allow", LOCAL, None),
    ("2001:db8::1", "allow", EIGW, None),
    # V26: blackhole state drops, RA BAD_STATE_ROUTE
    ("192.0.2.1", "deny", None, "BAD_STATE_ROUTE"),
])
def test_longest_prefix_match(dst: str, verdict: str, target: RouteTarget | None,
                              code: str | None) -> None:
    d = routing.lookup(TABLE, dst)
    assert d.verdict == verdict
    assert d.code == code
    if target is not None:
        assert isinstance(d.matched, Route) and d.matched.target == target
        assert d.rule is not None and str(target) in d.rule


def test_no_route_is_no_route_to_destination() -> None:
    table = RouteTable("private", "app", (Route("10.0.0.0/16", LOCAL, "CreateRouteTable"),))
    d = routing.lookup(table, "8.8.8.8")
    assert (d.verdict, d.code, d.rule) == ("deny", "NO_ROUTE_TO_DESTINATION", None)
    # V22: an IPv4-only table has no route for IPv6
    assert routing.lookup(TABLE, "2001:db8::1").allowed
    assert not routing.lookup(table, "2001:db8::1").allowed


def test_unavailable_target_is_blackhole() -> None:
    """V26: a route to a gateway that is gone is in state blackhole."""
    d = routing.lookup(TABLE, "8.8.8.8", available=lambda t: t.kind != "internet_gateway")
    assert (d.verdict, d.code) == ("deny", "BAD_STATE_ROUTE")
    assert "not available" in d.reason
    d = routing.lookup(TABLE, "192.0.2.9")
    assert "nat_gateway:nat-a" in (d.rule or "") and "V26" in d.reason


@pytest.mark.parametrize("routes, winner", [
    # V23: same prefix, static beats propagated (whatever the order in the table)
    ((Route("10.8.0.0/16", PCX, "EnableVgwRoutePropagation"), Route("10.8.0.0/16", NAT)), NAT),
    ((Route("10.8.0.0/16", NAT), Route("10.8.0.0/16", PCX, "EnableVgwRoutePropagation")), NAT),
    # V23: prefix-list routes sit between static and propagated
    ((Route("10.8.0.0/16", PCX, "prefix-list"), Route("10.8.0.0/16", IGW, "propagated")), PCX),
    # V22 before V23: a longer propagated prefix beats a shorter static one
    ((Route("10.8.0.0/16", NAT), Route("10.8.1.0/24", PCX, "propagated")), PCX),
])
def test_equal_prefix_priority(routes: tuple[Route, ...], winner: RouteTarget) -> None:
    d = routing.lookup(RouteTable("rt", "app", routes), "10.8.1.1")
    assert isinstance(d.matched, Route) and d.matched.target == winner


TGW_TABLE = TgwRouteTable("hub", (
    TgwRoute("10.0.0.0/16", "att-a", origin="propagated"),
    TgwRoute("10.1.0.0/16", "att-b", origin="propagated"),
    TgwRoute("10.1.0.0/16", "att-c"),  # static wins over propagated (V76)
    TgwRoute("10.1.9.0/24", None, blackhole=True),  # V77
    TgwRoute("0.0.0.0/0", "att-egress"),
))


@pytest.mark.parametrize("dst, attachment, code", [
    ("10.0.3.3", "att-a", "TGW_RTB_MORE_SPECIFIC_ROUTE"),  # V94: /16 over 0.0.0.0/0
    ("10.1.3.3", "att-c", "HIGHER_PRIORITY_ROUTE"),        # V76 static > propagated, V94
    ("10.1.9.9", None, "BAD_STATE_ROUTE"),  # V77 blackhole
    ("8.8.4.4", "att-egress", None),        # V75: transitive hub, default route
    ("2001:db8::1", None, "TGW_RTB_NO_ROUTE_TO_TGW_ATTACHMENT"),
])
def test_transit_gateway_route_table(dst: str, attachment: str | None, code: str | None) -> None:
    d = routing.lookup_tgw(TGW_TABLE, dst)
    assert d.code == code
    assert d.allowed == (attachment is not None)
    if attachment:
        assert isinstance(d.matched, TgwRoute) and d.matched.attachment == attachment
