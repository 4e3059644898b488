"""The deterministic latency model and Route 53's Region list (R56, R57)."""

from __future__ import annotations

import pytest

from netemu.route53 import geo, latency

# Route 53's ResourceRecordSetRegion enum (API model, 2026): 39 values (R56)
ROUTE53_REGIONS = {
    "us-east-1", "us-east-2", "us-west-1", "us-west-2", "ca-central-1", "ca-west-1",
    "eu-central-1", "eu-central-2", "eu-west-1", "eu-west-2", "eu-west-3", "eu-north-1",
    "eu-south-1", "eu-south-2", "ap-southeast-1", "ap-southeast-2", "ap-southeast-3",
    "ap-southeast-4", "ap-southeast-5", "ap-southeast-6", "ap-southeast-7", "ap-northeast-1",
    "ap-northeast-2", "ap-northeast-3", "ap-east-1", "ap-east-2", "ap-south-1", "ap-south-2",
    "me-south-1", "me-central-1", "il-central-1", "sa-east-1", "af-south-1", "cn-north-1",
    "cn-northwest-1", "mx-central-1", "eusc-de-east-1", "us-gov-east-1", "us-gov-west-1",
}


def test_every_route53_region_has_coordinates_R56() -> None:
    assert set(latency.regions()) == ROUTE53_REGIONS
    assert len(ROUTE53_REGIONS) == 39


def test_rtt_formula() -> None:
    here = latency.regions()["eu-west-2"]
    assert latency.rtt_ms(here, "eu-west-2") == pytest.approx(latency.FIXED_MS)
    d = geo.distance_km(here, latency.regions()["us-east-1"])
    assert latency.rtt_ms(here, "us-east-1") == pytest.approx(
        2 * d * latency.PATH_STRETCH / latency.FIBRE_KM_PER_MS + latency.FIXED_MS)
    assert 70 < latency.rtt_ms(here, "us-east-1") < 110  # London-Virginia ~ 75-85 ms in reality


@pytest.mark.parametrize(
    ("country", "nearest"),
    [("FR", "eu-west-3"), ("IE", "eu-west-1"), ("GB", "eu-west-2"), ("SE", "eu-north-1"),
     ("JP", "ap-northeast-1"), ("KR", "ap-northeast-2"), ("IN", "ap-south-2"),
     ("SG", "ap-southeast-1"), ("ZA", "af-south-1"), ("NZ", "ap-southeast-6"),
     ("IL", "il-central-1"), ("BH", "me-south-1"), ("CL", "sa-east-1"),
     ("MX", "mx-central-1")],
)
def test_countries_rank_their_region_first_R57(country, nearest) -> None:
    c = geo.countries()[country]
    ranked = latency.rank((c.latitude, c.longitude), latency.regions())
    assert ranked[0][1] == nearest
    assert [ms for ms, _ in ranked] == sorted(ms for ms, _ in ranked)


def test_unmapped_clients_sit_at_us_east_1() -> None:
    ranked = latency.rank(latency.unmapped_position(), latency.regions())
    assert ranked[0] == (pytest.approx(latency.FIXED_MS), "us-east-1")
