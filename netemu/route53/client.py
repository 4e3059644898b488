"""The querying client as the routing policies see it (R57, R72).

``subnet`` is the EDNS client subnet (address, source prefix length) when the query carried one;
policies that locate the client use it in preference to ``source_ip`` (R72). ``vpc`` is the
querying VPC for the VPC resolver (private zones), None on the public listener. ``locator`` is
the ``geo.Locator`` built once at startup (``netemu serve --geo FILE``); None uses the embedded
database without overrides.

Location is computed lazily, by ``location()``, and only by the policies that need it
(latency, geolocation, geoproximity): a simple or weighted answer never pays for it.
"""

from __future__ import annotations

from dataclasses import dataclass

from netemu.route53.geo import Location, Locator, default_locator


@dataclass(frozen=True, slots=True)
class ClientContext:
    source_ip: str
    subnet: tuple[str, int] | None = None
    vpc: str | None = None
    locator: Locator | None = None

    def network(self) -> tuple[str, int | None]:
        """The client network that routing decisions use: the ECS subnet when the query sent
        one, else the source address (prefix None: a single address)."""
        if self.subnet is not None:
            return self.subnet
        return (self.source_ip, None)

    def location(self) -> Location:
        """Where the client is (geo overrides, then the database)."""
        address, prefix = self.network()
        return (self.locator or default_locator()).locate(address, prefix)

    def scope(self) -> int | None:
        """The ECS scope prefix to echo for an answer chosen from the client's network: the
        source prefix length (RFC 7871 7.2.1: the answer is valid for that whole network), or
        None when the query sent no ECS option."""
        return self.subnet[1] if self.subnet is not None else None
