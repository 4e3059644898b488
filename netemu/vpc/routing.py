"""Route lookup: a route table and a destination address -> the route that carries the packet.

Name
    Longest-prefix match with AWS's priority for equal prefixes.
Behaviour (VPC-UG route-tables-priority.html, TGW how-transit-gateways-work.html)
    - The most specific route that contains the destination wins (V22); IPv4 and IPv6 are
      separate families, ``0.0.0.0/0`` never matches an IPv6 address.
    - Same prefix: static routes beat prefix-list routes, which beat propagated ones (V23);
      in a transit gateway route table static beats propagated (V76).
    - A route whose target is a blackhole, or whose target is unavailable (IGW not attached,
      NAT gateway, peering or instance missing), is in state ``blackhole`` and drops the packet
      (V26, V77): RA code ``BAD_STATE_ROUTE``.
    - No matching route: the packet is dropped, RA code ``NO_ROUTE_TO_DESTINATION``.
Fields
    ``lookup(table, dst, available)`` -> Decision whose ``matched`` is the chosen Route;
    ``available(target)`` says whether a target exists (defaults to "yes").
Example
    routes 10.0.0.0/16 -> local, 0.0.0.0/0 -> internet_gateway, 10.9.0.0/16 -> blackhole:
    10.0.3.4 -> local; 8.8.8.8 -> internet_gateway; 10.9.1.1 -> deny BAD_STATE_ROUTE.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from netemu.vpc.addressing import address_int, network_int
from netemu.vpc.compiled import compiled
from netemu.vpc.decision import ALLOW, DENY, Decision
from netemu.vpc.model import Route, RouteTable, RouteTarget, TgwRoute, TgwRouteTable

# Lower wins among routes with the same prefix (V23). Local routes are created with the table.
ORIGIN_RANK = {
    "CreateRouteTable": 0,
    "CreateRoute": 0,
    "static": 0,
    "prefix-list": 1,
    "EnableVgwRoutePropagation": 2,
    "propagated": 2,
}


def _always(_: RouteTarget) -> bool:
    return True


def _compile(routes: tuple[Route, ...] | tuple[TgwRoute, ...]) -> tuple[Any, ...]:
    """Routes in preference order: longest prefix first, then origin rank, then table order."""
    entries = []
    seq: tuple[Route | TgwRoute, ...] = routes
    for n, route in enumerate(seq):
        version, net, mask = network_int(route.destination)
        entries.append((-mask.bit_count(), ORIGIN_RANK.get(route.origin, 0), n, version, net,
                        mask, route))
    entries.sort(key=lambda e: e[:3])
    return tuple((e[3], e[4], e[5], e[6]) for e in entries)


def matches(
    routes: tuple[Route, ...] | tuple[TgwRoute, ...], dst: str,
    key: tuple[str, ...] | None = None,
) -> list[Route | TgwRoute]:
    """Every route containing ``dst``, best first: longest prefix (V22), then origin rank
    (V23, V76), then table order. ``key``: the table's stable name, to reuse its compiled form
    (compiled.py)."""
    version, value = address_int(dst)
    table = _compile(routes) if key is None else compiled(key, routes, _compile)
    return [route for rv, net, mask, route in table if rv == version and value & mask == net]


def best_match(
    routes: tuple[Route, ...] | tuple[TgwRoute, ...], dst: str,
    key: tuple[str, ...] | None = None,
) -> Route | TgwRoute | None:
    """The route that carries a packet to ``dst`` (``matches``' first), or None."""
    found = matches(routes, dst, key)
    return found[0] if found else None


def _prefix_len(cidr: str) -> int:
    return network_int(cidr)[2].bit_count()


def _runner_up_code(found: list[Route | TgwRoute], target: object,
                    target_of: Callable[[Any], object], prefix: str) -> str | None:
    """V93/V94: ``MORE_SPECIFIC_ROUTE`` when a shorter prefix also matched and would have
    sent the packet elsewhere; ``HIGHER_PRIORITY_ROUTE`` when the same prefix of lower priority
    (a propagated route under a static one, V23/V76) would have."""
    best = found[0]
    for other in found[1:]:
        if target_of(other) == target:
            continue
        if _prefix_len(other.destination) < _prefix_len(best.destination):
            return prefix + "MORE_SPECIFIC_ROUTE"
        return "HIGHER_PRIORITY_ROUTE"
    return None


def lookup(
    table: RouteTable, dst: str, available: Callable[[RouteTarget], bool] = _always
) -> Decision:
    found = matches(table.routes, dst, ("routes", table.vpc, table.name))
    route = found[0] if found else None
    if route is None:
        return Decision(
            DENY, None,
            f"route table {table.name} has no route that matches {dst}",
            "NO_ROUTE_TO_DESTINATION",
        )
    assert isinstance(route, Route)
    text = f"{route.destination} -> {route.target}"
    if route.target.kind == "blackhole":
        gone = route.unavailable_target
        why = (f"its target {gone} is not available (V26)" if gone is not None
               else "the packet is dropped")
        if gone is not None:
            text = f"{route.destination} -> {gone} (blackhole)"
        return Decision(
            DENY, text, f"route {text} is in state blackhole: {why}", "BAD_STATE_ROUTE", route,
        )
    if not available(route.target):
        return Decision(
            DENY, text,
            f"route {text} is in state blackhole: its target {route.target} is not available"
            " (V26)",
            "BAD_STATE_ROUTE", route,
        )
    # The local route winning over a default route is the everyday case: not worth a code.
    code = None if route.target.kind == "local" else _runner_up_code(
        found, route.target, lambda r: r.target, "")
    where = (f" (an entry of prefix list {route.prefix_list})"
             if route.prefix_list is not None else "")
    if route.origin == "propagated":  # a VGW's route (vpn.py)
        where = " (propagated, V23)"
    return Decision(ALLOW, text, f"longest prefix match for {dst}: {text}{where}", code, route)


def lookup_tgw(table: TgwRouteTable, dst: str) -> Decision:
    """Transit gateway route table lookup (V75-V77)."""
    found = matches(table.routes, dst, ("tgw-routes", table.name))
    route = found[0] if found else None
    if route is None:
        return Decision(
            DENY, None,
            f"transit gateway route table {table.name} has no route that matches {dst}",
            "TGW_RTB_NO_ROUTE_TO_TGW_ATTACHMENT",
        )
    assert isinstance(route, TgwRoute)
    target = "blackhole" if route.blackhole or route.attachment is None else route.attachment
    text = f"{route.destination} -> {target} ({route.origin})"
    if target == "blackhole":
        return Decision(
            DENY, text, f"transit gateway route {text} is a blackhole route (V77)",
            "BAD_STATE_ROUTE", route,
        )
    code = _runner_up_code(found, route.attachment, lambda r: r.attachment, "TGW_RTB_")
    return Decision(ALLOW, text, f"longest prefix match for {dst}: {text}", code, route)
