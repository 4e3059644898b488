"""Route 53 domain values: frozen, hashable, in the shapes of the Route 53 API (2013-04-01).

Field names are the API's, in snake_case (``SetIdentifier`` -> ``set_identifier``). Names are
stored as Route 53 stores them (R1, R4): lower case, absolute (trailing dot). RDATA ``values`` are
the presentation-format strings of ``ResourceRecords[].Value``, validated at load.

These values are the contract between the loader (``route53.load``), the lookup and engine, the
routing policies (``route53.policies``), the health checker and, later, the REST API. They are
never mutated: a change produces new values.
"""

from __future__ import annotations

from dataclasses import dataclass

# --- record sets -------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class GeoLocation:
    """API ``GeoLocation``: a continent, or a country (``*`` = default) optionally with a US
    subdivision (R59)."""

    continent_code: str | None = None
    country_code: str | None = None
    subdivision_code: str | None = None


@dataclass(frozen=True, slots=True)
class Coordinates:
    """API ``Coordinates`` (degrees)."""

    latitude: float
    longitude: float


@dataclass(frozen=True, slots=True)
class GeoProximityLocation:
    """API ``GeoProximityLocation``: exactly one of region, local zone group, coordinates (R65)."""

    aws_region: str | None = None
    local_zone_group: str | None = None
    coordinates: Coordinates | None = None
    bias: int = 0


@dataclass(frozen=True, slots=True)
class CidrRoutingConfig:
    """API ``CidrRoutingConfig``: the CIDR collection and one of its location names (``*`` =
    default) (R68)."""

    collection_id: str
    location_name: str


@dataclass(frozen=True, slots=True)
class AliasTarget:
    """API ``AliasTarget``. ``hosted_zone_id`` None means the record's own zone."""

    dns_name: str
    evaluate_target_health: bool = False
    hosted_zone_id: str | None = None


@dataclass(frozen=True, slots=True)
class RecordSet:
    """API ``ResourceRecordSet``. ``ttl`` is None for alias records (R37)."""

    name: str
    type: str
    ttl: int | None = None
    values: tuple[str, ...] = ()
    set_identifier: str | None = None
    weight: int | None = None
    region: str | None = None
    geo_location: GeoLocation | None = None
    geo_proximity_location: GeoProximityLocation | None = None
    failover: str | None = None  # "PRIMARY" | "SECONDARY"
    multi_value_answer: bool | None = None
    cidr_routing_config: CidrRoutingConfig | None = None
    alias_target: AliasTarget | None = None
    health_check_id: str | None = None

    @property
    def key(self) -> tuple[str, str, str | None]:
        """(name, type, set identifier): what Route 53 calls one resource record set."""
        return (self.name, self.type, self.set_identifier)

    def label(self) -> str:
        """How errors and logs name it: ``www.example.com. A [blue]``."""
        ident = f" [{self.set_identifier}]" if self.set_identifier is not None else ""
        return f"{self.name} {self.type}{ident}"


# --- health checks ---------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class AlarmIdentifier:
    """API ``AlarmIdentifier`` for CLOUDWATCH_METRIC checks."""

    region: str
    name: str


@dataclass(frozen=True, slots=True)
class HealthCheckConfig:
    """API ``HealthCheckConfig``, defaults as AWS's (R76, R79)."""

    type: str
    ip_address: str | None = None
    port: int | None = None
    resource_path: str | None = None
    fully_qualified_domain_name: str | None = None
    search_string: str | None = None
    request_interval: int = 30
    failure_threshold: int = 3
    measure_latency: bool = False
    inverted: bool = False
    disabled: bool = False
    health_threshold: int | None = None
    child_health_checks: tuple[str, ...] = ()
    enable_sni: bool | None = None
    regions: tuple[str, ...] = ()
    alarm_identifier: AlarmIdentifier | None = None
    insufficient_data_health_status: str | None = None  # Healthy | Unhealthy | LastKnownStatus


@dataclass(frozen=True, slots=True)
class HealthCheck:
    """API ``HealthCheck``: its id (as written in the zone file) and configuration."""

    id: str
    config: HealthCheckConfig
    caller_reference: str | None = None


# --- CIDR collections --------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class CidrLocation:
    """One named location of a CIDR collection and its blocks (canonical CIDR strings)."""

    name: str
    cidrs: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class CidrCollection:
    """API ``CidrCollection`` with its locations (R68)."""

    id: str
    name: str
    locations: tuple[CidrLocation, ...] = ()


# --- hosted zones ------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class VpcAssociation:
    """API ``VPC``: a private zone's association. ``vpc_id`` may name a topology VPC."""

    vpc_region: str
    vpc_id: str


@dataclass(frozen=True, slots=True)
class HostedZone:
    """API ``HostedZone`` with its record sets and VPC associations. ``source`` is the file it
    was loaded from (for error messages and logs)."""

    id: str
    name: str
    private: bool = False
    comment: str | None = None
    vpcs: tuple[VpcAssociation, ...] = ()
    record_sets: tuple[RecordSet, ...] = ()
    caller_reference: str | None = None
    source: str | None = None


@dataclass(frozen=True, slots=True)
class ZoneSet:
    """Everything ``netemu serve`` serves: hosted zones and the account-level health checks and
    CIDR collections they refer to."""

    zones: tuple[HostedZone, ...] = ()
    health_checks: tuple[HealthCheck, ...] = ()
    cidr_collections: tuple[CidrCollection, ...] = ()
