"""AWS Regions and a deterministic client -> Region latency model (R56, R57).

Route 53 answers a latency query with the Region that has the lowest *measured* latency from the
client's network (DG ``routing-policy-latency.md``); AWS's measurements are not public, so netemu
models them, deterministically:

    rtt_ms(client, region) = 2 * distance_km(client, region) * PATH_STRETCH / FIBRE_KM_PER_MS
                             + FIXED_MS

- ``distance_km`` is the great-circle distance between the client's coordinates (``geo``) and
  the Region's city (``data/aws_regions.csv``, one row per Region of Route 53's
  ``ResourceRecordSetRegion`` enum);
- light in optical fibre covers about 200 km per millisecond (refractive index ~1.47);
- real paths are longer than great circles: ``PATH_STRETCH`` 1.5 is a typical figure for
  terrestrial and submarine routes between large cities;
- ``FIXED_MS`` (5 ms) stands for access network, queuing and per-hop processing.

The model is monotonic in distance, so Regions rank by distance, with ties broken by Region
name: a client in Paris gets ``eu-west-3``, one in Sydney ``ap-southeast-2``, one in Virginia
``us-east-1`` — as real users see them. An unmapped client (``geo.UNMAPPED_REGION``) is placed
at ``us-east-1``.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from functools import lru_cache
from types import MappingProxyType

from netemu.route53 import geo

FIBRE_KM_PER_MS = 200.0
PATH_STRETCH = 1.5
FIXED_MS = 5.0


@lru_cache(maxsize=1)
def regions() -> Mapping[str, tuple[float, float]]:
    """Route 53's latency Regions (the ``ResourceRecordSetRegion`` enum) -> (lat, long)."""
    return MappingProxyType({
        r["region"]: (float(r["latitude"]), float(r["longitude"]))
        for r in geo._rows("aws_regions.csv")
    })


def rtt_ms(client: tuple[float, float], region: str) -> float:
    """Modelled round-trip time from a client position to a Region (see the module doc)."""
    d = geo.distance_km(client, regions()[region])
    return 2 * d * PATH_STRETCH / FIBRE_KM_PER_MS + FIXED_MS


def rank(client: tuple[float, float], among: Iterable[str]) -> list[tuple[float, str]]:
    """``(rtt_ms, region)`` pairs, lowest latency first (ties: Region name)."""
    return sorted((rtt_ms(client, r), r) for r in among)


def unmapped_position() -> tuple[float, float]:
    """Where a client with no known position is placed: Route 53's default resolver Region."""
    return regions()[geo.UNMAPPED_REGION]
