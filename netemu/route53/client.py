"""The querying client as the routing policies see it (R57, R72).

``subnet`` is the EDNS client subnet (address, source prefix length) when the query carried one;
policies that locate the client use it in preference to ``source_ip``. ``vpc`` is the querying
VPC for the VPC resolver (private zones), None on the public listener.

The routing-policies work extends this module (location, latency region, geo database); the
three fields below are the contract with the wire edge, which builds a ClientContext per query.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class ClientContext:
    source_ip: str
    subnet: tuple[str, int] | None = None
    vpc: str | None = None
