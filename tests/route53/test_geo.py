"""Client location: overrides, the embedded database (iptocc), continents, distances (R59-R72)."""

from __future__ import annotations

import pytest

from netemu.errors import LoadError
from netemu.route53 import geo
from netemu.route53.client import ClientContext
from netemu.route53.geo import GeoOverride, Locator


@pytest.mark.parametrize(
    ("address", "country", "continent"),
    [
        # long-standing registry allocations, stable across database refreshes
        ("8.8.8.8", "US", "NA"),                 # ARIN, Google
        ("2001:4860:4860::8888", "US", "NA"),    # ARIN, Google IPv6
        ("1.0.16.1", "JP", "AS"),                # APNIC, Japan
        ("193.0.6.139", "NL", "EU"),             # RIPE NCC's own block
        ("200.160.2.3", "BR", "SA"),             # LACNIC, NIC.br
        ("41.203.64.1", "NG", "AF"),             # AFRINIC
    ],
)
def test_embedded_database_is_offline_and_maps_countries(address, country, continent) -> None:
    loc = geo.default_locator().locate(address)
    assert (loc.country, loc.continent) == (country, continent)
    assert loc.coordinates is not None and loc.source == "geo database"


@pytest.mark.parametrize("address", ["192.0.2.1", "10.1.2.3", "127.0.0.1", "2001:db8::1", "::1"])
def test_documentation_private_loopback_are_unmapped_R61(address) -> None:
    loc = geo.default_locator().locate(address)
    assert loc.country is None and loc.coordinates is None


LOC = Locator.build([
    GeoOverride("10.0.0.0/8", "DE"),
    GeoOverride("10.1.0.0/16", "US", "WA"),
    GeoOverride("10.1.2.0/24", "FR", None, 43.3, 5.4),
    GeoOverride("8.8.8.0/24", "GB"),
    GeoOverride("2001:db8::/32", "JP"),
])


@pytest.mark.parametrize(
    ("address", "prefix", "country", "sub", "coords"),
    [
        ("10.1.2.3", None, "FR", None, (43.3, 5.4)),     # longest override wins
        ("10.1.9.9", None, "US", "WA", geo.us_subdivisions()["WA"]),
        ("10.200.0.1", None, "DE", None, (51.0, 9.0)),   # country centroid
        ("10.1.2.0", 24, "FR", None, (43.3, 5.4)),       # ECS /24 inside the /24
        ("10.1.0.0", 20, "US", "WA", geo.us_subdivisions()["WA"]),  # /20 not inside the /24
        ("8.8.8.8", None, "GB", None, (52.5, -1.5)),     # overrides come before the database
        ("8.8.4.4", None, "US", None, (38.0, -97.0)),    # ... and the database after them
        ("2001:db8:1::", 48, "JP", None, (36.0, 138.0)),
    ],
)
def test_overrides_longest_match_first(address, prefix, country, sub, coords) -> None:
    loc = LOC.locate(address, prefix)
    assert (loc.country, loc.subdivision, loc.coordinates) == (country, sub, coords)


def test_client_context_prefers_the_ecs_subnet_R72() -> None:
    c = ClientContext("10.200.0.1", ("10.1.2.0", 24), None, LOC)
    assert c.network() == ("10.1.2.0", 24) and c.location().country == "FR"
    assert c.scope() == 24
    c = ClientContext("10.200.0.1", None, None, LOC)
    assert c.location().country == "DE" and c.scope() is None


def test_every_country_has_a_route53_continent_R59() -> None:
    table = geo.countries()
    assert len(table) >= 249
    assert {c.continent for c in table.values()} == set(geo.CONTINENTS)
    assert (table["FR"].continent, table["US"].continent, table["JP"].continent,
            table["AU"].continent, table["BR"].continent, table["AQ"].continent) == \
        ("EU", "NA", "AS", "OC", "SA", "AN")
    assert "UA" in table
    assert len(geo.us_subdivisions()) == 51  # 50 states and DC


@pytest.mark.parametrize(
    ("a", "b", "km"),
    [((48.86, 2.35), (51.51, -0.13), 344), ((40.71, -74.01), (51.51, -0.13), 5570),
     ((0.0, 0.0), (0.0, 180.0), 20015), ((1.0, 1.0), (1.0, 1.0), 0)],
)
def test_great_circle_distance(a, b, km) -> None:
    assert geo.distance_km(a, b) == pytest.approx(km, rel=0.01, abs=1)


def test_geo_file(tmp_path) -> None:
    f = tmp_path / "geo.yaml"
    f.write_text("- {cidr: 198.51.100.0/24, country: fr}\n"
                 "- {cidr: '2001:db8::/32', country: US, subdivision: wa, latitude: 47.6, "
                 "longitude: -122.3}\n")
    assert geo.load_overrides(f) == (
        GeoOverride("198.51.100.0/24", "FR"),
        GeoOverride("2001:db8::/32", "US", "WA", 47.6, -122.3),
    )


@pytest.mark.parametrize(
    ("text", "item", "code"),
    [
        ("- {cidr: nope, country: FR}", "[0].cidr", "InvalidInput"),
        ("- {cidr: 10.0.0.0/8, country: XX}", "[0].country", "NoSuchGeoLocation"),
        ("- {cidr: 10.0.0.0/8, country: FR, subdivision: WA}", "[0].subdivision",
         "NoSuchGeoLocation"),
        ("- {cidr: 10.0.0.0/8, country: FR, latitude: 10}", "[0]", "InvalidInput"),
        ("- {cidr: 10.0.0.0/8, country: FR, latitude: 100, longitude: 0}", "[0]",
         "InvalidInput"),
        ("- {cidr: 10.0.0.0/8, country: FR, city: Paris}", "[0]", "InvalidInput"),
        ("cidr: 10.0.0.0/8", "", "InvalidInput"),
    ],
)
def test_geo_file_errors_name_the_entry(tmp_path, text, item, code) -> None:
    f = tmp_path / "geo.yaml"
    f.write_text(text + "\n")
    with pytest.raises(LoadError) as err:
        geo.load_overrides(f)
    assert [(p.file, p.item, p.code) for p in err.value.problems][:1] == [(str(f), item, code)]


@pytest.mark.parametrize(
    ("region", "country", "sub", "continent"),
    [("us-east-1", "US", "VA", "NA"), ("eu-west-3", "FR", None, "EU"),
     ("ap-southeast-6", "NZ", None, "OC"), ("il-central-1", "IL", None, "AS")],
)
def test_vpc_region_stands_in_for_the_client_R58_R64(region, country, sub, continent) -> None:
    c = ClientContext("10.0.1.5", ("90.0.0.0", 16), "app", LOC, vpc_region=region)
    loc = c.location()
    assert (loc.country, loc.subdivision, loc.continent) == (country, sub, continent)
    assert loc.source == f"VPC Region {region}"


def test_ecs_ignored_for_vpc_clients_R72() -> None:
    c = ClientContext("10.200.0.1", ("10.1.2.0", 24), "app", LOC)
    assert c.network() == ("10.200.0.1", None)
    assert c.location().country == "DE"  # the source address, not the ECS subnet (FR)
    assert c.scope() == 0  # the option is echoed with scope 0: the answer ignores it
