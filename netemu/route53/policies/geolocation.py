"""Name: geolocation — the record of the client's most specific location.

Behaviour (DG ``routing-policy-geo.md``, ``resource-record-sets-values-geo.md``; API
``GeoLocation``): a location is a continent (AF AN AS EU OC NA SA), or a country (ISO 3166-1
alpha-2, ``*`` = default) optionally with a US state (R59). The most specific match wins:
state > country > continent > default (R60). Unmapped client addresses and unmatched locations
get the default record; with no default, "no answer": NOERROR with an empty answer (R61). A
record that is unhealthy passes to the next larger region (state -> US -> North America ->
default); if all are unhealthy, the smallest region's record answers (R62). Two records can't
share a location (R63). The client is the EDNS client subnet, else the resolver (R72).

Fields: ``SetIdentifier`` (required, unique), ``GeoLocation`` with exactly one of
``ContinentCode`` / ``CountryCode`` (+ ``SubdivisionCode`` with ``CountryCode: US``), optional
``HealthCheckId``; alias records allowed.

Health: walk up the client's chain of matching records to the first healthy one (R62).

Examples::

    - {Name: geo.example.com., Type: A, SetIdentifier: fr, GeoLocation: {CountryCode: FR},
       TTL: 60, ResourceRecords: [{Value: 192.0.2.33}]}
    - {Name: geo.example.com., Type: A, SetIdentifier: eu, GeoLocation: {ContinentCode: EU},
       TTL: 60, ResourceRecords: [{Value: 192.0.2.30}]}
    - {Name: geo.example.com., Type: A, SetIdentifier: any, GeoLocation: {CountryCode: "*"},
       TTL: 60, ResourceRecords: [{Value: 192.0.2.99}]}
    # a client in France -> 192.0.2.33; in Germany -> 192.0.2.30; in Japan -> 192.0.2.99
"""

from __future__ import annotations

import random
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from types import MappingProxyType

from netemu.route53 import geo
from netemu.route53.client import ClientContext
from netemu.route53.model import GeoLocation, RecordSet, ZoneSet
from netemu.route53.policies._base import (
    Healthy,
    Issue,
    Selection,
    common_checks,
    first_healthy,
)

Key = tuple[str, str | None, str | None]  # (kind, code, subdivision)

NO_SUCH = "Amazon Route 53 doesn't support the specified geographic location"


def key_of(g: GeoLocation) -> Key:
    if g.continent_code is not None:
        return ("continent", g.continent_code, None)
    if g.country_code == "*":
        return ("default", "*", None)
    if g.subdivision_code is not None:
        return ("subdivision", g.country_code, g.subdivision_code)
    return ("country", g.country_code, None)


def describe(g: GeoLocation) -> str:
    parts = [f"{k}={v}" for k, v in (("ContinentCode", g.continent_code),
                                     ("CountryCode", g.country_code),
                                     ("SubdivisionCode", g.subdivision_code)) if v is not None]
    return ", ".join(parts) or "empty"


def _location_problem(g: GeoLocation) -> tuple[str, str] | None:
    if g.continent_code is not None and (g.country_code or g.subdivision_code):
        return ("InvalidInput", "Invalid request: ContinentCode can't be combined with "
                                "CountryCode or SubdivisionCode (R59)")
    if g.continent_code is None and g.country_code is None:
        return ("InvalidInput", "Invalid request: GeoLocation needs ContinentCode or "
                                "CountryCode (R59)")
    if g.continent_code is not None and g.continent_code not in geo.CONTINENTS:
        return ("NoSuchGeoLocation", f"{NO_SUCH}: ContinentCode={g.continent_code}")
    if g.country_code is not None and g.country_code != "*" \
            and g.country_code not in geo.countries():
        return ("NoSuchGeoLocation", f"{NO_SUCH}: CountryCode={g.country_code}")
    if g.subdivision_code is not None:
        if g.country_code != "US":
            return ("InvalidInput", "Invalid request: SubdivisionCode requires CountryCode US "
                                    f"(got CountryCode={g.country_code}) (R59)")
        if g.subdivision_code not in geo.us_subdivisions():
            return ("NoSuchGeoLocation",
                    f"{NO_SUCH}: CountryCode=US, SubdivisionCode={g.subdivision_code}")
    return None


def validate(records: Sequence[RecordSet], zones: ZoneSet) -> list[Issue]:
    out = common_checks(records, "geolocation")
    seen: dict[Key, RecordSet] = {}
    for r in records:
        g = r.geo_location
        assert g is not None
        problem = _location_problem(g)
        if problem is not None:
            out.append((r, *problem))
            continue
        k = key_of(g)
        if k in seen:
            out.append((r, "InvalidChangeBatch",
                        f"RRSet with DNS name {r.name}, type {r.type}, SetIdentifier "
                        f"{r.set_identifier} cannot be created: geolocation record "
                        f"[{seen[k].set_identifier}] already uses location {describe(g)} for "
                        f"the same name and type (R63)"))
        seen.setdefault(k, r)
    return out


@dataclass(frozen=True, slots=True)
class Geolocation:
    index: Mapping[Key, RecordSet]

    def chain(self, where: geo.Location) -> list[tuple[str, RecordSet]]:
        """The client's matching records, most specific first (R60)."""
        index = self.index
        keys: list[tuple[str, Key]] = []
        if where.country is not None:
            if where.subdivision is not None:
                keys.append((f"subdivision {where.country}-{where.subdivision}",
                             ("subdivision", where.country, where.subdivision)))
            keys.append((f"country {where.country}", ("country", where.country, None)))
        if where.continent is not None:
            keys.append((f"continent {where.continent}", ("continent", where.continent, None)))
        keys.append(("default *", ("default", "*", None)))
        return [(why, index[k]) for why, k in keys if k in index]

    def select(self, client: ClientContext, healthy: Healthy, rng: random.Random) -> Selection:
        where = client.location()
        chain = self.chain(where)
        if not chain:
            return Selection((), f"geolocation: client {where.describe()} matches no location "
                                 f"and there is no default (*) record: no answer (R61)",
                             client.scope())
        won, note = first_healthy([r for _, r in chain], healthy)
        why = next(w for w, r in chain if r is won)
        return Selection((won,), f"geolocation: {won.label()} by {why} for client "
                                 f"{where.describe()}{note}", client.scope())


def compile(records: Sequence[RecordSet], zones: ZoneSet) -> Geolocation:
    return Geolocation(MappingProxyType({key_of(r.geo_location): r for r in records
                                         if r.geo_location is not None}))
