"""Zone-file mappings (Route 53 API shapes) -> model values, pure: the shape pass of the loader.

Each reader takes one item as parsed from YAML/JSON and returns its value, or raises
``FieldErrors`` listing every problem of the item (an unknown key, a wrong type, a number out of
range...), not only the first: the loader reports them all, as the VPC loader does. Rules that
need more than one field, one record or the whole set are ``route53.rules``' and the
policies'. The readers are also the API's (``route53.changes``): a change batch's
``ResourceRecordSet`` is read exactly as a zone file's.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from netemu.errors import Problem
from netemu.route53 import names, rdata, traffic
from netemu.route53.defaults import zone_id_for
from netemu.route53.model import (
    AlarmIdentifier,
    AliasTarget,
    CidrCollection,
    CidrLocation,
    CidrRoutingConfig,
    Coordinates,
    GeoLocation,
    GeoProximityLocation,
    HealthCheck,
    HealthCheckConfig,
    HostedZone,
    RecordSet,
    VpcAssociation,
)

__all__ = ["FieldError", "FieldErrors", "ZoneFile", "read_cidr_collection", "read_health_check",
           "read_hosted_zone", "read_record", "read_zone_file", "record_label"]

MAX_TTL = 2147483647
ZONE_KEYS = {"HostedZone", "ResourceRecordSets", "HealthChecks", "CidrCollections", "VPCs",
             "DelegationSet", "ChangeInfo", "Location", "IsTruncated", "MaxItems",
             "TrafficPolicyInstances"}
INSTANCE_KEYS = {"Name", "TTL", "Document"}
HOSTED_ZONE_KEYS = {"Id", "Name", "Config", "CallerReference", "ResourceRecordSetCount",
                    "LinkedService", "Features"}
RECORD_KEYS = {"Name", "Type", "SetIdentifier", "Weight", "Region", "GeoLocation",
               "GeoProximityLocation", "Failover", "MultiValueAnswer", "TTL", "ResourceRecords",
               "AliasTarget", "HealthCheckId", "TrafficPolicyInstanceId", "CidrRoutingConfig"}


class FieldError(Exception):
    """One problem of an item's shape: Route 53's error code and message."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code, self.message = code, message


class FieldErrors(FieldError):
    """Every problem of one item (``errors``); reads as its first one."""

    def __init__(self, errors: list[FieldError]) -> None:
        super().__init__(errors[0].code, errors[0].message)
        self.errors = errors


class _Fields:
    """Reads the fields of one item, collecting a FieldError per bad field."""

    def __init__(self) -> None:
        self.errors: list[FieldError] = []

    def read(self, reader: Callable[..., Any], *args: Any) -> Any:
        """``reader(*args)``, or None with its problems noted."""
        try:
            return reader(*args)
        except FieldErrors as many:
            self.errors.extend(many.errors)
        except FieldError as bad:
            self.errors.append(bad)
        return None

    def add(self, code: str, message: str) -> None:
        self.errors.append(FieldError(code, message))

    def unknown(self, raw: Mapping[str, Any], what: str, keys: set[str]) -> None:
        for key in sorted(str(k) for k in raw if k not in keys):
            self.add("InvalidInput", f"unknown field '{key}' in {what}")

    def done(self) -> None:
        if self.errors:
            raise FieldErrors(self.errors)


# --- one field ---------------------------------------------------------------------------------


def _mapping(raw: Any, what: str, keys: set[str] | None = None) -> dict[str, Any]:
    if not isinstance(raw, dict):
        raise FieldError("InvalidInput", f"{what} must be a mapping")
    if keys is not None:
        fields = _Fields()
        fields.unknown(raw, what, keys)
        fields.done()
    return raw


def _int(raw: Any, what: str, lo: int, hi: int) -> int:
    if isinstance(raw, bool) or not isinstance(raw, (int, str)):
        raise FieldError("InvalidInput", f"{what} must be an integer")
    try:
        value = int(raw)
    except ValueError:
        raise FieldError("InvalidInput", f"{what} must be an integer") from None
    if not lo <= value <= hi:
        raise FieldError(
            "InvalidInput",
            f"1 validation error detected: Value '{value}' at '{what}' failed to satisfy "
            f"constraint: Member must have value {'less' if value > hi else 'greater'} "
            f"than or equal to {hi if value > hi else lo}")
    return value


def _bool(raw: Any, what: str) -> bool:
    if isinstance(raw, bool):
        return raw
    if isinstance(raw, str) and raw.lower() in ("true", "false"):
        return raw.lower() == "true"
    raise FieldError("InvalidInput", f"{what} must be true or false")


def _str(raw: Any, what: str) -> str:
    if isinstance(raw, bool) or not isinstance(raw, (str, int, float)):
        raise FieldError("InvalidInput", f"{what} must be a string")
    return str(raw)


def _opt(raw: Mapping[str, Any], key: str, reader: Callable[..., Any], *args: Any) -> Any:
    value = raw.get(key)
    return None if value is None else reader(value, key, *args)


# --- hosted zones ------------------------------------------------------------------------------


def _zone_name(raw: Any) -> str:
    if not isinstance(raw, str):
        raise FieldError("InvalidInput", "HostedZone.Name is required")
    try:
        labels = names.parse(raw)
    except names.BadName as exc:
        raise FieldError("InvalidDomainName", str(exc)) from None
    name = names.to_text(labels)
    if len(labels) < 2:  # R14
        raise FieldError("InvalidDomainName", f"{name} is reserved by AWS!")
    if any(label == names.WILDCARD for label in labels):  # R14
        raise FieldError("InvalidDomainName", f"The domain name {name} contains a wildcard label")
    return name


def _vpcs(raw: Any) -> tuple[VpcAssociation, ...]:
    if raw is not None and not isinstance(raw, list):
        raise FieldError("InvalidInput", "VPCs must be a list of {VPCRegion, VPCId}")
    out: list[VpcAssociation] = []
    fields = _Fields()
    for item in raw or []:
        vpc = fields.read(_mapping, item, "VPCs[]", {"VPCRegion", "VPCId"})
        if vpc is None:
            continue
        if not vpc.get("VPCId"):
            fields.add("InvalidVPCId", "VPCs[].VPCId is required")
            continue
        out.append(VpcAssociation(str(vpc.get("VPCRegion") or "us-east-1"), str(vpc["VPCId"])))
    fields.done()
    return tuple(out)


def read_hosted_zone(raw: Any, vpcs_raw: Any, source: str) -> HostedZone:
    """A ``HostedZone`` mapping (and its ``VPCs``) -> HostedZone without records (R14)."""
    hz = _mapping(raw, "HostedZone")
    fields = _Fields()
    fields.unknown(hz, "HostedZone", HOSTED_ZONE_KEYS)
    name = fields.read(_zone_name, hz.get("Name"))
    config = fields.read(_mapping, hz.get("Config") or {}, "HostedZone.Config",
                         {"PrivateZone", "Comment"}) or {}
    private = bool(fields.read(_bool, config.get("PrivateZone", False), "PrivateZone"))
    vpcs = fields.read(_vpcs, vpcs_raw)
    if private and vpcs == ():
        fields.add("InvalidInput", "A private hosted zone needs at least one VPC (VPCs)")
    if not private and vpcs:
        fields.add("InvalidInput", "VPCs can be associated with private hosted zones only")
    fields.done()
    zone_id = str(hz.get("Id") or "").removeprefix("/hostedzone/") or zone_id_for(name, private)
    return HostedZone(
        id=zone_id, name=name, private=private,
        comment=None if config.get("Comment") is None else str(config["Comment"]),
        vpcs=vpcs or (), caller_reference=None if hz.get("CallerReference") is None
        else str(hz["CallerReference"]), source=source,
    )


# --- record sets -------------------------------------------------------------------------------


def _record_name(raw: Any) -> str:
    try:
        return names.canonical(raw)
    except names.BadName as exc:
        raise FieldError("InvalidInput", f"Invalid request: {exc}") from None


def _values(raw: Any) -> tuple[str, ...]:
    if raw is None:
        return ()
    if not isinstance(raw, list):
        raise FieldError("InvalidInput", "ResourceRecords must be a list of {Value: ...}")
    values: list[str] = []
    fields = _Fields()
    for item in raw:
        entry = fields.read(_mapping, item, "ResourceRecords[]", {"Value"})
        if entry is not None:
            value = entry.get("Value")
            values.append("" if value is None else fields.read(_str, value, "Value") or "")
    fields.done()
    return tuple(values)


def _alias_target(raw: Any) -> AliasTarget:
    at = _mapping(raw, "AliasTarget", {"DNSName", "EvaluateTargetHealth", "HostedZoneId"})
    if not isinstance(at.get("DNSName"), str):
        raise FieldError("InvalidInput", "AliasTarget.DNSName is required")
    try:
        target = names.canonical(at["DNSName"])
    except names.BadName as exc:
        raise FieldError("InvalidInput", f"Invalid request: AliasTarget.DNSName: {exc}") from None
    zone_id = at.get("HostedZoneId")
    return AliasTarget(
        dns_name=target,
        evaluate_target_health=_bool(at.get("EvaluateTargetHealth", False),
                                     "EvaluateTargetHealth"),
        hosted_zone_id=None if zone_id is None else str(zone_id).removeprefix("/hostedzone/"),
    )


def _geo_location(raw: Any) -> GeoLocation:
    g = _mapping(raw, "GeoLocation", {"ContinentCode", "CountryCode", "SubdivisionCode"})
    return GeoLocation(_opt(g, "ContinentCode", _str), _opt(g, "CountryCode", _str),
                       _opt(g, "SubdivisionCode", _str))


def _coordinates(raw: Any) -> Coordinates:
    c = _mapping(raw, "Coordinates", {"Latitude", "Longitude"})
    try:
        return Coordinates(float(c["Latitude"]), float(c["Longitude"]))
    except (KeyError, TypeError, ValueError):
        raise FieldError("InvalidInput", "Coordinates need numeric Latitude and Longitude") \
            from None


def _geo_proximity(raw: Any) -> GeoProximityLocation:
    g = _mapping(raw, "GeoProximityLocation",
                 {"AWSRegion", "LocalZoneGroup", "Coordinates", "Bias"})
    coords = None if g.get("Coordinates") is None else _coordinates(g["Coordinates"])
    return GeoProximityLocation(_opt(g, "AWSRegion", _str), _opt(g, "LocalZoneGroup", _str),
                                coords, _int(g.get("Bias", 0), "Bias", -99, 99))


def _cidr_routing(raw: Any) -> CidrRoutingConfig:
    c = _mapping(raw, "CidrRoutingConfig", {"CollectionId", "LocationName"})
    if c.get("CollectionId") is None or c.get("LocationName") is None:
        raise FieldError("InvalidInput", "CidrRoutingConfig needs CollectionId and LocationName")
    return CidrRoutingConfig(str(c["CollectionId"]), str(c["LocationName"]))


def _nested(rec: Mapping[str, Any], key: str, reader: Callable[[Any], Any]) -> Any:
    return None if rec.get(key) is None else reader(rec[key])


def read_record(raw: Any) -> RecordSet:
    """One ``ResourceRecordSet`` mapping -> RecordSet; raises FieldErrors with every problem."""
    rec = _mapping(raw, "ResourceRecordSet")
    fields = _Fields()
    fields.unknown(rec, "ResourceRecordSet", RECORD_KEYS)
    if "TrafficPolicyInstanceId" in rec:
        fields.add("InvalidInput", "TrafficPolicyInstanceId is not served by netemu")
    name: str = ""
    rtype = rec.get("Type")
    if not isinstance(rec.get("Name"), str) or not isinstance(rtype, str):
        fields.add("InvalidInput", "Name and Type are required")
        rtype = ""
    else:
        name = fields.read(_record_name, rec["Name"])
        rtype = rtype.upper() if rtype.upper() in rdata.TYPES else rtype
    read = fields.read
    record: dict[str, Any] = dict(  # noqa: C408 - keyword arguments of RecordSet
        ttl=read(_opt, rec, "TTL", _int, 0, MAX_TTL),
        values=read(_values, rec.get("ResourceRecords")) or (),
        set_identifier=read(_opt, rec, "SetIdentifier", _str),
        weight=read(_opt, rec, "Weight", _int, 0, 255),
        region=read(_opt, rec, "Region", _str),
        geo_location=read(_nested, rec, "GeoLocation", _geo_location),
        geo_proximity_location=read(_nested, rec, "GeoProximityLocation", _geo_proximity),
        failover=read(_opt, rec, "Failover", _str),
        multi_value_answer=read(_opt, rec, "MultiValueAnswer", _bool),
        cidr_routing_config=read(_nested, rec, "CidrRoutingConfig", _cidr_routing),
        alias_target=read(_nested, rec, "AliasTarget", _alias_target),
        health_check_id=read(_opt, rec, "HealthCheckId", _str),
    )
    fields.done()
    return RecordSet(name=name, type=rtype, **record)


def record_label(raw: Any, index: int) -> str:
    """How problems name a record set that may not have been read: ``NAME TYPE [id]``."""
    if isinstance(raw, dict) and isinstance(raw.get("Name"), str):
        ident = f" [{raw['SetIdentifier']}]" if raw.get("SetIdentifier") is not None else ""
        return f"{raw['Name']} {raw.get('Type')}{ident}"
    return f"ResourceRecordSets[{index}]"


# --- health checks and CIDR collections ---------------------------------------------------------

_INT, _BOOL, _LIST, _ALARM, _TEXT = "int", "bool", "list", "alarm", "text"
HEALTH_CONFIG_FIELDS: Mapping[str, tuple[str | None, str]] = {
    "Type": ("type", _TEXT), "IPAddress": ("ip_address", _TEXT), "Port": ("port", _INT),
    "ResourcePath": ("resource_path", _TEXT),
    "FullyQualifiedDomainName": ("fully_qualified_domain_name", _TEXT),
    "SearchString": ("search_string", _TEXT), "RequestInterval": ("request_interval", _INT),
    "FailureThreshold": ("failure_threshold", _INT), "MeasureLatency": ("measure_latency", _BOOL),
    "Inverted": ("inverted", _BOOL), "Disabled": ("disabled", _BOOL),
    "HealthThreshold": ("health_threshold", _INT),
    "ChildHealthChecks": ("child_health_checks", _LIST), "EnableSNI": ("enable_sni", _BOOL),
    "Regions": ("regions", _LIST), "AlarmIdentifier": ("alarm_identifier", _ALARM),
    "InsufficientDataHealthStatus": ("insufficient_data_health_status", _TEXT),
    "RoutingControlArn": (None, _TEXT),
}


def _str_list(raw: Any, key: str) -> tuple[str, ...]:
    if not isinstance(raw, list):
        raise FieldError("InvalidInput", f"{key} must be a list")
    return tuple(str(v) for v in raw)


def _alarm(raw: Any, key: str) -> AlarmIdentifier:
    a = _mapping(raw, key, {"Region", "Name"})
    return AlarmIdentifier(str(a.get("Region")), str(a.get("Name")))


_HEALTH_READERS: Mapping[str, Callable[[Any, str], Any]] = {
    _INT: lambda raw, key: _int(raw, key, 0, 65535), _BOOL: _bool, _LIST: _str_list,
    _ALARM: _alarm, _TEXT: _str,
}


def read_health_check(raw: Any) -> HealthCheck:
    """A ``HealthCheck`` mapping ({Id, CallerReference, HealthCheckConfig}) -> HealthCheck;
    raises FieldErrors with every problem."""
    item = _mapping(raw, "HealthChecks[]")
    if "HealthCheck" in item:   # get-health-check output pasted whole
        item = _mapping(item["HealthCheck"], "HealthCheck")
    item = {k: v for k, v in item.items()
            if k not in ("HealthCheckVersion", "LinkedService", "CloudWatchAlarmConfiguration")}
    fields = _Fields()
    fields.unknown(item, "HealthChecks[]", {"Id", "CallerReference", "HealthCheckConfig"})
    if item.get("Id") is None:
        fields.add("InvalidInput", "HealthChecks[].Id is required")
    cfg = fields.read(_mapping, item.get("HealthCheckConfig"), "HealthCheckConfig")
    kwargs: dict[str, Any] = {}
    if cfg is not None:
        fields.unknown(cfg, "HealthCheckConfig", set(HEALTH_CONFIG_FIELDS))
        if cfg.get("Type") is None:
            fields.add("InvalidInput", "HealthCheckConfig.Type is required")
        for key, (attr, kind) in HEALTH_CONFIG_FIELDS.items():
            if attr is not None and cfg.get(key) is not None:
                kwargs[attr] = fields.read(_HEALTH_READERS[kind], cfg[key], key)
    fields.done()
    return HealthCheck(id=str(item["Id"]), config=HealthCheckConfig(**kwargs),
                       caller_reference=None if item.get("CallerReference") is None
                       else str(item["CallerReference"]))


def _location(raw: Any) -> CidrLocation:
    loc = _mapping(raw, "Locations[]", {"LocationName", "CidrList"})
    if not isinstance(loc.get("LocationName"), str):
        raise FieldError("InvalidInput", "Locations[].LocationName is required")
    if not isinstance(loc.get("CidrList") or [], list):
        raise FieldError("InvalidInput", "Locations[].CidrList must be a list of CIDR blocks")
    fields = _Fields()
    cidrs = []
    for block in loc.get("CidrList") or []:
        try:
            cidrs.append(str(ipaddress.ip_network(str(block), strict=True)))
        except ValueError:
            fields.add("InvalidCidrBlockException",
                       f"The CIDR block '{block}' of location '{loc['LocationName']}' "
                       "is not a valid CIDR block")
    fields.done()
    return CidrLocation(loc["LocationName"], tuple(cidrs))


def read_cidr_collection(raw: Any) -> CidrCollection:
    """A ``CidrCollections[]`` mapping ({Id, Name, Locations}) -> CidrCollection; raises
    FieldErrors with every problem."""
    item = _mapping(raw, "CidrCollections[]")
    if "CidrCollection" in item:
        item = _mapping(item["CidrCollection"], "CidrCollection")
    fields = _Fields()
    fields.unknown(item, "CidrCollections[]", {"Id", "Name", "Arn", "Version", "Locations"})
    ident = item.get("Id") or item.get("Name")
    if ident is None:
        fields.add("InvalidInput", "CidrCollections[].Id (or Name) is required")
    if not isinstance(item.get("Locations") or [], list):
        fields.add("InvalidInput", "Locations must be a list")
        locations: list[CidrLocation] = []
    else:
        locations = [fields.read(_location, loc) for loc in item.get("Locations") or []]
    fields.done()
    return CidrCollection(str(ident), str(item.get("Name") or ident), tuple(locations))


# --- a whole zone file -------------------------------------------------------------------------


@dataclass
class ZoneFile:
    """What one zone file says, read but not yet checked against the rules."""

    source: str
    zone: HostedZone | None = None
    records: list[RecordSet] = field(default_factory=list)
    health_checks: list[HealthCheck] = field(default_factory=list)
    cidr_collections: list[CidrCollection] = field(default_factory=list)
    name_servers: tuple[str, ...] = ()


def _problems(source: str, item: str, bad: FieldError) -> list[Problem]:
    errors = bad.errors if isinstance(bad, FieldErrors) else [bad]
    return [Problem(source, item, e.code, e.message) for e in errors]


def _list(data: Mapping[str, Any], key: str, source: str, problems: list[Problem]) -> list[Any]:
    value = data.get(key)
    if value is None:
        return []
    if not isinstance(value, list):
        problems.append(Problem(source, key, "InvalidInput", f"{key} must be a list"))
        return []
    return value


def _hosted_zone_mapping(data: Mapping[str, Any], raw_records: list[Any], source: str,
                         problems: list[Problem]) -> Any:
    """``HostedZone``, or for a bare list of record sets one named after its SOA."""
    hz = data.get("HostedZone")
    if hz is None and raw_records:
        soa = [r for r in raw_records if isinstance(r, dict) and r.get("Type") == "SOA"]
        if not soa:
            problems.append(Problem(source, "HostedZone", "InvalidInput",
                                    "HostedZone.Name is required (no SOA record to take it from)"))
            return None
        hz = {"Name": soa[0].get("Name")}
    return hz


def read_zone_file(data: Mapping[str, Any], source: str,
                   problems: list[Problem]) -> ZoneFile | None:
    """A zone file's mapping -> ZoneFile, adding every problem to ``problems``; None when the
    file names no readable hosted zone but has record sets."""
    out = ZoneFile(source)
    if "AWSPolicyFormatVersion" in data and "HostedZone" not in data:
        # a traffic policy document beside the zone files (R123): checked, read when named
        try:
            traffic.read_document(data)
        except traffic.InvalidDocument as bad:
            problems += [Problem(source, "", "InvalidTrafficPolicyDocument", m)
                         for m in bad.messages]
        return out
    for key in data:
        if key not in ZONE_KEYS:
            problems.append(Problem(source, str(key), "InvalidInput", f"unknown field '{key}'"))
    raw_records = _list(data, "ResourceRecordSets", source, problems)
    hz = _hosted_zone_mapping(data, raw_records, source, problems)
    delegation = data.get("DelegationSet")
    if isinstance(delegation, dict) and isinstance(delegation.get("NameServers"), list):
        out.name_servers = tuple(str(n) for n in delegation["NameServers"])
    for index, raw in enumerate(_list(data, "HealthChecks", source, problems)):
        try:
            out.health_checks.append(read_health_check(raw))
        except FieldError as bad:
            problems += _problems(source, f"HealthChecks[{index}]", bad)
    for index, raw in enumerate(_list(data, "CidrCollections", source, problems)):
        try:
            out.cidr_collections.append(read_cidr_collection(raw))
        except FieldError as bad:
            problems += _problems(source, f"CidrCollections[{index}]", bad)
    if hz is None:
        return out if not raw_records else None
    try:
        out.zone = read_hosted_zone(hz, data.get("VPCs"), source)
    except FieldError as bad:
        problems += _problems(source, "HostedZone", bad)
        return None
    for index, raw in enumerate(raw_records):
        try:
            out.records.append(read_record(raw))
        except FieldError as bad:
            problems += _problems(source, record_label(raw, index), bad)
    for index, raw in enumerate(_list(data, "TrafficPolicyInstances", source, problems)):
        out.records += read_policy_instance(raw, f"TrafficPolicyInstances[{index}]", source,
                                            problems)
    return out


def read_policy_instance(raw: Any, item: str, source: str,
                         problems: list[Problem]) -> list[RecordSet]:
    """R123: a zone file's ``TrafficPolicyInstances`` item (``Name``, ``TTL``, ``Document``: the
    document as a mapping, which ``sources`` reads from the file a string names) -> the record
    sets the instance creates (``traffic.expand``), adding every problem to ``problems``."""
    if not isinstance(raw, dict):
        problems.append(Problem(source, item, "InvalidInput",
                                "a traffic policy instance is a mapping with Name, TTL and "
                                "Document"))
        return []
    before = len(problems)
    problems += [Problem(source, item, "InvalidInput", f"unknown field '{k}'")
                 for k in raw if k not in INSTANCE_KEYS]
    name = ""
    try:
        name = _record_name(raw.get("Name"))
        ttl = _int(raw.get("TTL"), "TTL", 0, MAX_TTL)
    except FieldError as bad:
        problems += _problems(source, item, bad)
    document: traffic.Document | None = None
    if isinstance(raw.get("Document"), str):
        problems.append(Problem(source, item, "InvalidInput",
                                f"the traffic policy document file {raw['Document']} is read "
                                "only when zone files are loaded from files"))
    else:
        try:
            document = traffic.read_document(raw.get("Document"))
        except traffic.InvalidDocument as bad:
            problems += [Problem(source, f"{item}.Document", "InvalidTrafficPolicyDocument", m)
                         for m in bad.messages]
    if document is None or len(problems) > before:
        return []
    return list(traffic.expand(document, name, ttl))
