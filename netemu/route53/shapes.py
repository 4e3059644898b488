"""Route 53 values -> the API's shapes (2013-04-01) as plain mappings, pure.

The inverse of the zone-file loader's readers: ``load.read_record(record_set(r)) == r``. These
mappings are what the store keeps, what ``zones export --format route53-json`` writes and what
the REST API turns into XML, so a value has one spelling everywhere.
"""

from __future__ import annotations

from typing import Any

from netemu.route53 import names
from netemu.route53.model import (
    CidrCollection,
    GeoProximityLocation,
    HealthCheck,
    HealthCheckConfig,
    HostedZone,
    RecordSet,
)

HEALTH_FIELDS = (
    ("IPAddress", "ip_address"), ("Port", "port"), ("Type", "type"),
    ("ResourcePath", "resource_path"),
    ("FullyQualifiedDomainName", "fully_qualified_domain_name"),
    ("SearchString", "search_string"), ("RequestInterval", "request_interval"),
    ("FailureThreshold", "failure_threshold"), ("MeasureLatency", "measure_latency"),
    ("Inverted", "inverted"), ("Disabled", "disabled"), ("HealthThreshold", "health_threshold"),
    ("ChildHealthChecks", "child_health_checks"), ("EnableSNI", "enable_sni"),
    ("Regions", "regions"), ("AlarmIdentifier", "alarm_identifier"),
    ("InsufficientDataHealthStatus", "insufficient_data_health_status"),
)


def record_set(rec: RecordSet) -> dict[str, Any]:
    """API ``ResourceRecordSet`` (the member order of the API model)."""
    out: dict[str, Any] = {"Name": rec.name, "Type": rec.type}
    if rec.set_identifier is not None:
        out["SetIdentifier"] = rec.set_identifier
    if rec.weight is not None:
        out["Weight"] = rec.weight
    if rec.region is not None:
        out["Region"] = rec.region
    if rec.geo_location is not None:
        g = rec.geo_location
        out["GeoLocation"] = {k: v for k, v in (("ContinentCode", g.continent_code),
                                                ("CountryCode", g.country_code),
                                                ("SubdivisionCode", g.subdivision_code))
                              if v is not None}
    _routing_tail(rec, out)
    return out


def _routing_tail(rec: RecordSet, out: dict[str, Any]) -> None:
    if rec.failover is not None:
        out["Failover"] = rec.failover
    if rec.multi_value_answer is not None:
        out["MultiValueAnswer"] = rec.multi_value_answer
    if rec.ttl is not None:
        out["TTL"] = rec.ttl
    if rec.values:
        out["ResourceRecords"] = [{"Value": v} for v in rec.values]
    if rec.alias_target is not None:
        at = rec.alias_target
        out["AliasTarget"] = {"HostedZoneId": at.hosted_zone_id or "", "DNSName": at.dns_name,
                              "EvaluateTargetHealth": at.evaluate_target_health}
    if rec.health_check_id is not None:
        out["HealthCheckId"] = rec.health_check_id
    if rec.cidr_routing_config is not None:
        out["CidrRoutingConfig"] = {"CollectionId": rec.cidr_routing_config.collection_id,
                                    "LocationName": rec.cidr_routing_config.location_name}
    if rec.geo_proximity_location is not None:
        out["GeoProximityLocation"] = _geo_proximity(rec.geo_proximity_location)


def _geo_proximity(p: GeoProximityLocation) -> dict[str, Any]:
    out: dict[str, Any] = {}
    if p.aws_region is not None:
        out["AWSRegion"] = p.aws_region
    if p.local_zone_group is not None:
        out["LocalZoneGroup"] = p.local_zone_group
    if p.coordinates is not None:
        out["Coordinates"] = {"Latitude": str(p.coordinates.latitude),
                              "Longitude": str(p.coordinates.longitude)}
    out["Bias"] = p.bias
    return out


def record_set_for_zone(rec: RecordSet, zone: HostedZone) -> dict[str, Any]:
    """As ``record_set``, with a same-zone alias naming its zone (as Route 53 returns it)."""
    out = record_set(rec)
    if "AliasTarget" in out and not out["AliasTarget"]["HostedZoneId"]:
        out["AliasTarget"]["HostedZoneId"] = zone.id
    return out


def hosted_zone(zone: HostedZone) -> dict[str, Any]:
    """API ``HostedZone`` (without records), as the loader reads it back."""
    config: dict[str, Any] = {"PrivateZone": zone.private}
    if zone.comment is not None:
        config["Comment"] = zone.comment
    out: dict[str, Any] = {"Id": zone.id, "Name": zone.name, "Config": config,
                           "ResourceRecordSetCount": len(zone.record_sets)}
    if zone.caller_reference is not None:
        out["CallerReference"] = zone.caller_reference
    return out


def vpcs(zone: HostedZone) -> list[dict[str, str]]:
    return [{"VPCRegion": v.vpc_region, "VPCId": v.vpc_id} for v in zone.vpcs]


def zone_document(zone: HostedZone) -> dict[str, Any]:
    """A whole zone as a zone file in the API's shapes (``zones export --format route53-json``),
    which ``netemu serve --zones`` loads back."""
    doc: dict[str, Any] = {"HostedZone": hosted_zone(zone)}
    doc["HostedZone"].pop("ResourceRecordSetCount")
    if zone.vpcs:
        doc["VPCs"] = vpcs(zone)
    doc["ResourceRecordSets"] = [record_set(r) for r in zone.record_sets]
    return doc


def health_check_config(config: HealthCheckConfig) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, attr in HEALTH_FIELDS:
        value = getattr(config, attr)
        if value is None or value == ():
            continue
        if attr == "alarm_identifier":
            value = {"Region": value.region, "Name": value.name}
        elif isinstance(value, tuple):
            value = list(value)
        out[key] = value
    return out


def health_check(check: HealthCheck) -> dict[str, Any]:
    out: dict[str, Any] = {"Id": check.id, "HealthCheckConfig": health_check_config(check.config)}
    if check.caller_reference is not None:
        out["CallerReference"] = check.caller_reference
    return out


def cidr_collection(cc: CidrCollection) -> dict[str, Any]:
    return {"Id": cc.id, "Name": cc.name,
            "Locations": [{"LocationName": loc.name, "CidrList": list(loc.cidrs)}
                          for loc in cc.locations]}


def _bind_name(name: str, origin: str) -> str:
    """A Route 53 name in BIND master-file spelling: relative to the origin, decimal escapes."""
    if name == origin:
        return "@"
    labels = names.parse(name)
    out = []
    for label in labels[:len(labels) - len(names.parse(origin))]:
        if label == names.WILDCARD:
            out.append("*")
            continue
        out.append("".join(chr(b) if chr(b).isalnum() or chr(b) in "-_" else f"\\{b:03d}"
                           for b in label))
    return ".".join(out)


def bind_text(zone: HostedZone) -> str:
    """The zone as a BIND master file (``zones export --format bind``). Only simple record sets
    fit the format: a zone with routing policies, aliases or health checks raises ValueError
    naming them (export it as route53-json instead)."""
    unfit = [r.label() for r in zone.record_sets
             if r.alias_target is not None or r.set_identifier is not None
             or r.health_check_id is not None or r.multi_value_answer]
    if unfit:
        raise ValueError(f"{zone.name}: the BIND format cannot hold routing policies, aliases or "
                         f"health checks ({', '.join(unfit[:5])}"
                         f"{' ...' if len(unfit) > 5 else ''}); use --format route53-json")
    lines = [f"$ORIGIN {zone.name}"]
    for rec in zone.record_sets:
        owner = _bind_name(rec.name, zone.name)
        for value in rec.values:
            lines.append(f"{owner} {rec.ttl} IN {rec.type} {value}")
    return "\n".join(lines) + "\n"


__all__ = ["record_set", "record_set_for_zone", "hosted_zone", "vpcs", "zone_document",
           "health_check_config", "health_check", "cidr_collection", "bind_text"]
