"""The querying client as the routing policies see it (R57, R72).

``subnet`` is the EDNS client subnet (address, source prefix length) when the query carried one;
policies that locate the client use it in preference to ``source_ip`` (R72). ``vpc`` is the
querying VPC for the VPC resolver (private zones), None on the public listener; ``vpc_region``
its Region, which stands in for the client's location (R58, R64; the EDNS client subnet is then
ignored, R72). ``locator`` is the ``geo.Locator`` built once at startup (``netemu serve --geo
FILE``); None uses the embedded database without overrides.

Location is computed lazily, by ``location()``, and only by the policies that need it
(latency, geolocation, geoproximity): a simple or weighted answer never pays for it.
"""

from __future__ import annotations

from dataclasses import dataclass

from netemu.route53.geo import Location, Locator, default_locator, region_location


@dataclass(frozen=True, slots=True)
class ClientContext:
    source_ip: str
    subnet: tuple[str, int] | None = None
    vpc: str | None = None
    locator: Locator | None = None
    vpc_region: str | None = None

    def network(self) -> tuple[str, int | None]:
        """The client network that routing decisions use: the ECS subnet when the query sent
        one (not from a VPC: R72), else the source address (prefix None: a single address)."""
        if self.subnet is not None and self.vpc is None:
            return self.subnet
        return (self.source_ip, None)

    def location(self) -> Location:
        """Where the client is: its VPC's Region (R58, R64), else geo overrides, then the
        database."""
        if self.vpc_region is not None:
            return region_location(self.vpc_region)
        address, prefix = self.network()
        return (self.locator or default_locator()).locate(address, prefix)

    def scope(self) -> int | None:
        """The ECS scope prefix to echo for an answer chosen from the client's network: the
        source prefix length (RFC 7871 7.2.1: the answer is valid for that whole network), 0
        when the ECS option was ignored (a VPC client, R72), None when the query sent none."""
        if self.subnet is None:
            return None
        return self.subnet[1] if self.vpc is None else 0
