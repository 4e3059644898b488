"""Name: geoproximity — the nearest resource, distances shrunk or stretched by a bias.

Behaviour (DG ``routing-policy-geoproximity.md``; API ``GeoProximityLocation``): each record is
placed by exactly one of ``AWSRegion``, ``LocalZoneGroup`` or ``Coordinates``, with a ``Bias``
from -99 to 99 (R65). Route 53 routes to the smallest *biased* distance: bias > 0 ->
``d * (1 - bias/100)``; bias < 0 -> ``d / (1 + bias/100)`` (R66; worked example: 150 km with
bias +50 -> 75 km, which beats an unbiased 100 km). Unhealthy records are skipped in biased
distance order (R41); none healthy -> the nearest (R43). The client is the EDNS client subnet,
else the resolver (R72); an unmapped client is placed at ``geo.UNMAPPED_REGION``.

Fields: ``SetIdentifier`` (required, unique), ``GeoProximityLocation`` {``AWSRegion`` |
``LocalZoneGroup`` | ``Coordinates: {Latitude, Longitude}``, ``Bias``}, optional
``HealthCheckId``; alias records allowed.

Health: walk the records in biased-distance order to the first healthy one.

Examples::

    - {Name: gp.example.com., Type: A, SetIdentifier: fra,
       GeoProximityLocation: {AWSRegion: eu-central-1}, TTL: 60,
       ResourceRecords: [{Value: 192.0.2.40}]}
    - {Name: gp.example.com., Type: A, SetIdentifier: dub,
       GeoProximityLocation: {AWSRegion: eu-west-1, Bias: 50}, TTL: 60,
       ResourceRecords: [{Value: 192.0.2.41}]}
    # a client in Paris: Frankfurt 480 km, Dublin 780 km * 0.5 = 390 km -> 192.0.2.41
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass

from netemu.route53 import geo, latency
from netemu.route53.client import ClientContext
from netemu.route53.model import GeoProximityLocation, RecordSet, ZoneSet
from netemu.route53.policies._base import (
    Healthy,
    Issue,
    Selection,
    common_checks,
    first_healthy,
    validation_error,
)


def biased_km(distance_km: float, bias: int) -> float:
    """R66: Route 53's biased distance."""
    if bias > 0:
        return distance_km * (1 - bias / 100)
    if bias < 0:
        return distance_km / (1 + bias / 100)
    return distance_km


def local_zone_position(group: str) -> tuple[float, float] | None:
    """``us-east-1-bos-1`` -> Boston's coordinates (the parent Region must exist too)."""
    parts = group.split("-")
    if len(parts) < 5:
        return None
    region, city = "-".join(parts[:3]), parts[3]
    if region not in latency.regions():
        return None
    return geo.local_zone_cities().get(city)


def position(g: GeoProximityLocation) -> tuple[float, float] | None:
    if g.aws_region is not None:
        return latency.regions().get(g.aws_region)
    if g.local_zone_group is not None:
        return local_zone_position(g.local_zone_group)
    if g.coordinates is not None:
        return (g.coordinates.latitude, g.coordinates.longitude)
    return None


def _problem(g: GeoProximityLocation) -> tuple[str, str] | None:
    given = [n for n, v in (("AWSRegion", g.aws_region), ("LocalZoneGroup", g.local_zone_group),
                            ("Coordinates", g.coordinates)) if v is not None]
    if len(given) != 1:
        return ("InvalidInput", "Invalid request: GeoProximityLocation needs exactly one of "
                                f"AWSRegion, LocalZoneGroup, Coordinates (got "
                                f"{', '.join(given) or 'none'}) (R65)")
    if not -99 <= g.bias <= 99:
        bound = "less than or equal to 99" if g.bias > 99 else "greater than or equal to -99"
        return ("InvalidInput", validation_error(g.bias, "geoProximityLocation.bias",
                                                 f"Member must have value {bound}"))
    if g.aws_region is not None and g.aws_region not in latency.regions():
        return ("InvalidInput", validation_error(
            g.aws_region, "geoProximityLocation.aWSRegion",
            "Member must be one of Route 53's Regions (see the latency Region list)"))
    if g.local_zone_group is not None and local_zone_position(g.local_zone_group) is None:
        return ("InvalidInput", f"Invalid request: unknown LocalZoneGroup "
                                f"'{g.local_zone_group}' (netemu knows the Local Zones of "
                                f"data/local_zone_cities.csv)")
    if g.coordinates is not None:
        c = g.coordinates
        if not (-90 <= c.latitude <= 90 and -180 <= c.longitude <= 180):
            return ("InvalidInput", f"Invalid request: Coordinates {c.latitude},{c.longitude}: "
                                    f"Latitude must be in -90..90 and Longitude in -180..180")
    return None


def validate(records: Sequence[RecordSet], zones: ZoneSet) -> list[Issue]:
    out = common_checks(records, "geoproximity")
    for r in records:
        assert r.geo_proximity_location is not None
        problem = _problem(r.geo_proximity_location)
        if problem is not None:
            out.append((r, *problem))
    return out


@dataclass(frozen=True, slots=True)
class Geoproximity:
    placed: tuple[tuple[RecordSet, tuple[float, float], int], ...]

    def select(self, client: ClientContext, healthy: Healthy, rng: random.Random) -> Selection:
        where = client.location()
        pos = where.coordinates
        placed = ""
        if pos is None:
            pos, placed = latency.unmapped_position(), f", placed at {geo.UNMAPPED_REGION}"
        distances = [(geo.distance_km(pos, at), bias, r) for r, at, bias in self.placed]
        scored = sorted(((biased_km(d, bias), d, bias, r.set_identifier or "", r)
                         for d, bias, r in distances), key=lambda t: (t[0], t[3]))
        won, note = first_healthy([t[4] for t in scored], healthy)
        b, d, bias, _, _ = next(t for t in scored if t[4] is won)
        return Selection((won,), f"geoproximity: {won.label()} {d:.0f} km, bias {bias:+d} -> "
                                 f"{b:.0f} km from {where.describe()}{placed}{note}",
                         client.scope())


def compile(records: Sequence[RecordSet], zones: ZoneSet) -> Geoproximity:
    placed = []
    for r in records:
        g = r.geo_proximity_location
        at = position(g) if g is not None else None
        if g is not None and at is not None:
            placed.append((r, at, g.bias))
    return Geoproximity(tuple(placed))
