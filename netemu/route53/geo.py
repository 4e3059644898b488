"""Where a client is: IP address -> country, US state, continent and coordinates (R59-R72).

Theory of operation
-------------------
A ``Locator`` is built once at startup and is immutable. ``locate(address, prefix)`` answers in
this order:

1. the operator's overrides (``netemu serve --geo FILE``), longest matching CIDR first; an
   override matches a client network only when it contains the whole network (an ECS /24 is
   matched by a /16 override, not by a /28 one);
2. the embedded offline database: the ``iptocc`` package (RIR allocation data, IPv4 and IPv6,
   embedded in its wheel, no file or network I/O) gives the ISO 3166-1 country;
3. otherwise the client is *unmapped* (documentation, private and loopback addresses are): the
   geolocation policy then only matches its default record (R61), and the distance-based
   policies (latency, geoproximity) place the client at ``UNMAPPED_REGION``'s coordinates, the
   Region of Route 53's default resolver (R98).

Country -> continent and country coordinates come from ``data/countries.csv`` (a representative
point, one decimal: the geographic centre, moved towards the main population centre where they
differ much); US state coordinates from ``data/us_subdivisions.csv``. The database knows
countries only: a US state (R61, R62) comes from an override (``subdivision: WA``).

Pure: no sockets, no clock, no randomness. The data files are read once, on first use.
"""

from __future__ import annotations

import csv
import ipaddress
import math
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from pathlib import Path
from types import MappingProxyType

from netemu.errors import LoadError, Problem
from netemu.textfile import read_data

CONTINENTS: Mapping[str, str] = MappingProxyType({
    "AF": "Africa", "AN": "Antarctica", "AS": "Asia", "EU": "Europe", "NA": "North America",
    "OC": "Oceania", "SA": "South America",
})

UNMAPPED_REGION = "us-east-1"
EARTH_RADIUS_KM = 6371.0088

Network = ipaddress.IPv4Network | ipaddress.IPv6Network


@dataclass(frozen=True, slots=True)
class Country:
    code: str
    continent: str
    latitude: float
    longitude: float
    name: str


def _rows(name: str) -> list[dict[str, str]]:
    text = resources.files("netemu.route53").joinpath("data", name).read_text(encoding="utf-8")
    return list(csv.DictReader(text.splitlines()))


@lru_cache(maxsize=1)
def countries() -> Mapping[str, Country]:
    """ISO 3166-1 alpha-2 code -> Country (continent as Route 53's continent codes)."""
    return MappingProxyType({
        r["code"]: Country(r["code"], r["continent"], float(r["latitude"]),
                           float(r["longitude"]), r["name"])
        for r in _rows("countries.csv")
    })


@lru_cache(maxsize=1)
def us_subdivisions() -> Mapping[str, tuple[float, float]]:
    """US state (and DC) code -> (latitude, longitude): the GeoLocation SubdivisionCode values
    Route 53 accepts with CountryCode US (R59)."""
    return MappingProxyType({
        r["code"]: (float(r["latitude"]), float(r["longitude"]))
        for r in _rows("us_subdivisions.csv")
    })


@lru_cache(maxsize=1)
def local_zone_cities() -> Mapping[str, tuple[float, float]]:
    """Local Zone city code (``bos`` in ``us-east-1-bos-1``) -> coordinates."""
    return MappingProxyType({
        r["city"]: (float(r["latitude"]), float(r["longitude"]))
        for r in _rows("local_zone_cities.csv")
    })


def distance_km(a: tuple[float, float], b: tuple[float, float]) -> float:
    """Great-circle distance (haversine) between two (latitude, longitude) points."""
    lat1, lon1, lat2, lon2 = map(math.radians, (a[0], a[1], b[0], b[1]))
    h = (math.sin((lat2 - lat1) / 2) ** 2
         + math.cos(lat1) * math.cos(lat2) * math.sin((lon2 - lon1) / 2) ** 2)
    return 2 * EARTH_RADIUS_KM * math.asin(min(1.0, math.sqrt(h)))


# --- where a client is -------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Location:
    """A located client. ``country`` None = unmapped (R61). ``coordinates`` None = no position
    known (the distance policies then use ``UNMAPPED_REGION``). ``source`` says why, for the
    query log."""

    country: str | None = None
    subdivision: str | None = None
    continent: str | None = None
    coordinates: tuple[float, float] | None = None
    source: str = "unmapped"

    def describe(self) -> str:
        if self.country is None and self.coordinates is None:
            return f"unmapped ({self.source})"
        place = "-".join(p for p in (self.continent, self.country, self.subdivision) if p)
        if self.coordinates is not None:
            place += f" @{self.coordinates[0]:.1f},{self.coordinates[1]:.1f}"
        return f"{place} ({self.source})"


@dataclass(frozen=True, slots=True)
class GeoOverride:
    """One ``--geo`` entry: clients in ``cidr`` are in ``country`` (and ``subdivision``), at the
    given coordinates or else at the country's (state's) coordinates."""

    cidr: str
    country: str
    subdivision: str | None = None
    latitude: float | None = None
    longitude: float | None = None


def _country_from_iptocc(address: str) -> str | None:
    import iptocc  # the embedded offline database; imported on first lookup only

    code = iptocc.country_code(address)
    return code if isinstance(code, str) and code in countries() else None


def _network(address: str, prefix: int | None) -> Network:
    ip = ipaddress.ip_address(address)
    if prefix is None:
        prefix = ip.max_prefixlen
    return ipaddress.ip_network(f"{ip}/{prefix}", strict=False)


@dataclass(frozen=True, slots=True)
class Locator:
    """IP -> Location: overrides (longest match first), then the database. Build once."""

    overrides: tuple[tuple[Network, GeoOverride], ...] = ()
    country_of: Callable[[str], str | None] = _country_from_iptocc

    @classmethod
    def build(cls, overrides: Iterable[GeoOverride] = (),
              country_of: Callable[[str], str | None] | None = None) -> Locator:
        table = sorted(((ipaddress.ip_network(o.cidr, strict=False), o) for o in overrides),
                       key=lambda item: -item[0].prefixlen)
        return cls(tuple(table), country_of or _country_from_iptocc)

    def locate(self, address: str, prefix: int | None = None) -> Location:
        """Where the client network ``address/prefix`` is (prefix None: the single address)."""
        if self.overrides:
            net = _network(address, prefix)
            for cidr, o in self.overrides:
                if cidr.version == net.version and net.subnet_of(cidr):  # type: ignore[arg-type]
                    return _from_override(o, str(cidr))
            address = str(net.network_address)
        code = self.country_of(address)
        if code is None:
            return Location(source="not in the geo database")
        c = countries()[code]
        return Location(code, None, c.continent, (c.latitude, c.longitude), "geo database")


def _from_override(o: GeoOverride, cidr: str) -> Location:
    c = countries()[o.country]
    if o.latitude is not None and o.longitude is not None:
        coords = (o.latitude, o.longitude)
    elif o.subdivision is not None and o.country == "US":
        coords = us_subdivisions()[o.subdivision]
    else:
        coords = (c.latitude, c.longitude)
    return Location(o.country, o.subdivision, c.continent, coords, f"--geo {cidr}")


@lru_cache(maxsize=64)
def region_location(region: str) -> Location:
    """Where a VPC in ``region`` is (R58, R64: for private zones the querying VPC's Region
    stands in for the client): the Region's city, country and US state."""
    for r in _rows("aws_regions.csv"):
        if r["region"] == region:
            country = r["country"]
            return Location(country, r["subdivision"] or None, countries()[country].continent,
                            (float(r["latitude"]), float(r["longitude"])), f"VPC Region {region}")
    return Location(source=f"unknown VPC Region {region}")


@lru_cache(maxsize=1)
def default_locator() -> Locator:
    """The embedded database without overrides (what ``netemu serve`` uses without --geo)."""
    return Locator.build()


# --- the --geo file ----------------------------------------------------------------------------


def parse_overrides(data: object, source: str) -> tuple[GeoOverride, ...]:
    """A YAML list of ``{cidr, country, subdivision?, latitude?, longitude?}`` -> overrides;
    raises LoadError naming the entry and the field for every problem."""
    problems: list[Problem] = []
    out: list[GeoOverride] = []
    if not isinstance(data, list):
        raise LoadError([Problem(source, "", "InvalidInput",
                                 "a --geo file is a list of {cidr, country, subdivision?, "
                                 "latitude?, longitude?}")])
    for i, entry in enumerate(data):
        item = f"[{i}]"
        if not isinstance(entry, dict):
            problems.append(Problem(source, item, "InvalidInput", "each entry is a mapping"))
            continue
        unknown = set(entry) - {"cidr", "country", "subdivision", "latitude", "longitude"}
        if unknown:
            problems.append(Problem(source, item, "InvalidInput",
                                    f"unknown field(s): {', '.join(sorted(map(str, unknown)))}"))
        try:
            cidr = str(ipaddress.ip_network(str(entry.get("cidr")), strict=False))
        except ValueError:
            problems.append(Problem(source, f"{item}.cidr", "InvalidInput",
                                    f"'{entry.get('cidr')}' is not a CIDR block"))
            continue
        country = str(entry.get("country", "")).upper()
        if country not in countries():
            problems.append(Problem(source, f"{item}.country", "NoSuchGeoLocation",
                                    f"'{entry.get('country')}' is not an ISO 3166-1 country code"))
            continue
        sub = entry.get("subdivision")
        sub = None if sub is None else str(sub).upper()
        if sub is not None and (country != "US" or sub not in us_subdivisions()):
            problems.append(Problem(source, f"{item}.subdivision", "NoSuchGeoLocation",
                                    f"'{sub}' is not a US state code with country US"))
            continue
        lat, lon = entry.get("latitude"), entry.get("longitude")
        if (lat is None) != (lon is None):
            problems.append(Problem(source, item, "InvalidInput",
                                    "latitude and longitude go together"))
            continue
        if lat is not None:
            try:
                lat, lon = float(lat), float(lon)  # type: ignore[arg-type]
            except (TypeError, ValueError):
                lat = lon = math.nan
            if not (-90 <= lat <= 90 and -180 <= lon <= 180):
                problems.append(Problem(source, item, "InvalidInput",
                                        "latitude must be in -90..90 and longitude in -180..180"))
                continue
        out.append(GeoOverride(cidr, country, sub, lat, lon))
    if problems:
        raise LoadError(problems)
    return tuple(out)


def load_overrides(path: str | Path) -> tuple[GeoOverride, ...]:
    """Read a ``--geo`` YAML file (see ``parse_overrides``)."""
    return parse_overrides(read_data(path), str(path))
