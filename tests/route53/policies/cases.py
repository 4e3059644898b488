"""Builders shared by the policy tests: record sets, health callbacks, located clients.

Clients are placed with the real ``geo.Locator`` and ``--geo``-style overrides on documentation
addresses (which the embedded database does not map), so every case is deterministic.
"""

from __future__ import annotations

from collections.abc import Iterable

from netemu.route53.client import ClientContext
from netemu.route53.geo import GeoOverride, Locator
from netemu.route53.model import RecordSet, ZoneSet

# documentation networks placed by overrides: name -> (client network, override)
PLACES = {
    "paris": ("198.51.100.0/26", GeoOverride("198.51.100.0/26", "FR", None, 48.86, 2.35)),
    "berlin": ("198.51.100.64/26", GeoOverride("198.51.100.64/26", "DE", None, 52.52, 13.40)),
    "tokyo": ("198.51.100.128/26", GeoOverride("198.51.100.128/26", "JP", None, 35.68, 139.69)),
    "seattle": ("198.51.100.192/26", GeoOverride("198.51.100.192/26", "US", "WA", 47.61, -122.33)),
    "texas": ("203.0.113.0/26", GeoOverride("203.0.113.0/26", "US", "TX")),
    "nyc": ("203.0.113.64/26", GeoOverride("203.0.113.64/26", "US", None, 40.71, -74.01)),
    "sydney": ("203.0.113.128/26", GeoOverride("203.0.113.128/26", "AU", None, -33.87, 151.21)),
    "saopaulo": ("2001:db8:55::/48", GeoOverride("2001:db8:55::/48", "BR", None, -23.55, -46.63)),
}
LOCATOR = Locator.build((o for _, o in PLACES.values()), country_of=lambda _ip: None)
UNMAPPED = "192.0.2.77"


def client(place: str | None = None, *, ip: str | None = None,
           subnet: tuple[str, int] | None = None) -> ClientContext:
    """A client in ``place`` (an ECS subnet inside the place's network), or at ``ip``."""
    if place is not None:
        net = PLACES[place][0]
        address = net.split("/")[0]
        prefix = 56 if ":" in address else 28
        return ClientContext("127.0.0.1", (address, prefix), None, LOCATOR)
    return ClientContext(ip or UNMAPPED, subnet, None, LOCATOR)


def rec(ident: str | None, value: str = "192.0.2.1", name: str = "www.example.com.",
        rtype: str = "A", **fields: object) -> RecordSet:
    return RecordSet(name=name, type=rtype, ttl=60 if "alias_target" not in fields else None,
                     values=(value,) if "alias_target" not in fields else (),
                     set_identifier=ident, **fields)  # type: ignore[arg-type]


def down(*idents: str):  # noqa: ANN201 - a Healthy callback
    """``healthy(record)`` that is False for the given set identifiers."""
    bad = set(idents)
    return lambda r: r.set_identifier not in bad


def all_down(r: RecordSet) -> bool:
    return False


def all_up(r: RecordSet) -> bool:
    return True


def codes(issues: Iterable[tuple[RecordSet, str, str]]) -> list[tuple[str | None, str]]:
    return [(r.set_identifier, code) for r, code, _ in issues]


NO_ZONES = ZoneSet()
