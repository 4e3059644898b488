"""Zone files (Route 53 API shapes, YAML or JSON; BIND master files) -> ZoneSet, pure.

``load_zone_files(paths)`` reads every file, validates everything with Route 53's rules and
wording (AWS-SEMANTICS R1-R40) and returns one ZoneSet, or raises LoadError with every Problem
found (a bad file is refused whole: nothing is served from a set with a problem). Problems name
the record as ``NAME TYPE [SetIdentifier]``.

Order of work: parse each file into values (shape errors), then per zone check each record set on
its own (R1-R4, R21, R22, R26, R27, R31, R34), then the records of one name (R23, R24), then what
needs the whole set: alias targets (R35-R37) and every routing rule, which are the policies' own
(R28, R31, R32, R34, R39, R40, ...: ``policies.validate_group`` per name and type). Default SOA and
NS records (R5-R8) are added to zones that lack them.
"""

from __future__ import annotations

import base64
import hashlib
import ipaddress
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import yaml

from netemu.errors import LoadError, Problem
from netemu.route53 import bind, health, names, policies, rdata
from netemu.route53.model import (
    AlarmIdentifier, AliasTarget, CidrCollection, CidrLocation, CidrRoutingConfig, Coordinates,
    GeoLocation, GeoProximityLocation, HealthCheck, HealthCheckConfig, HostedZone, RecordSet,
    VpcAssociation, ZoneSet,
)

BIND_SUFFIXES = (".zone", ".db")
DATA_SUFFIXES = (".yaml", ".yml", ".json")

SOA_TTL = 900            # R6
NS_TTL = 172800          # R7
SOA_TAIL = "awsdns-hostmaster.amazon.com. 1 7200 900 1209600 86400"   # R6
PRIVATE_NS = ("ns-0.awsdns-00.com.", "ns-512.awsdns-00.net.", "ns-1024.awsdns-00.org.",
              "ns-1536.awsdns-00.co.uk.")                               # R8
NS_TLDS = ("com", "net", "org", "co.uk")                               # R7
MAX_TTL = 2147483647
MAX_VALUES = 400                 # R31
MAX_RECORD_SETS = 10000          # R31
NO_ALIAS_TYPES = {"NS", "SOA"}                            # R34

ZONE_KEYS = {"HostedZone", "ResourceRecordSets", "HealthChecks", "CidrCollections", "VPCs",
             "DelegationSet", "ChangeInfo", "Location", "IsTruncated", "MaxItems"}
HOSTED_ZONE_KEYS = {"Id", "Name", "Config", "CallerReference", "ResourceRecordSetCount",
                    "LinkedService", "Features"}
RECORD_KEYS = {"Name", "Type", "SetIdentifier", "Weight", "Region", "GeoLocation",
               "GeoProximityLocation", "Failover", "MultiValueAnswer", "TTL", "ResourceRecords",
               "AliasTarget", "HealthCheckId", "TrafficPolicyInstanceId", "CidrRoutingConfig"}
HEALTH_CONFIG_FIELDS = {
    "Type": "type", "IPAddress": "ip_address", "Port": "port", "ResourcePath": "resource_path",
    "FullyQualifiedDomainName": "fully_qualified_domain_name", "SearchString": "search_string",
    "RequestInterval": "request_interval", "FailureThreshold": "failure_threshold",
    "MeasureLatency": "measure_latency", "Inverted": "inverted", "Disabled": "disabled",
    "HealthThreshold": "health_threshold", "ChildHealthChecks": "child_health_checks",
    "EnableSNI": "enable_sni", "Regions": "regions", "AlarmIdentifier": "alarm_identifier",
    "InsufficientDataHealthStatus": "insufficient_data_health_status",
    "RoutingControlArn": None,
}


class _Bad(Exception):
    """One problem while turning a mapping into a value."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code, self.message = code, message


@dataclass
class _File:
    source: str
    zone: HostedZone | None = None
    records: list[RecordSet] = field(default_factory=list)
    health_checks: list[HealthCheck] = field(default_factory=list)
    cidr_collections: list[CidrCollection] = field(default_factory=list)
    name_servers: tuple[str, ...] = ()


# --- public entry points -----------------------------------------------------------------------


def expand(paths: Iterable[str | Path]) -> list[Path]:
    """Files named, and the zone files of folders named (sorted)."""
    out: list[Path] = []
    for raw in paths:
        path = Path(raw)
        if path.is_dir():
            out.extend(sorted(p for p in path.iterdir()
                              if p.suffix in DATA_SUFFIXES + BIND_SUFFIXES))
        else:
            out.append(path)
    return out


def load_zone_files(paths: Iterable[str | Path], strict_aws: bool = False) -> ZoneSet:
    """Read and validate zone files (files or folders) into one ZoneSet; raise LoadError.
    ``strict_aws`` also refuses health checks of private and loopback endpoints, as AWS does
    (R84; netemu allows them by default)."""
    problems: list[Problem] = []
    files: list[_File] = []
    for path in expand(paths):
        try:
            parsed = _read(path, problems)
        except Exception as exc:  # a loader bug must still name the file, never a traceback
            problems.append(Problem(str(path), "", "InternalError", f"{type(exc).__name__}: {exc}"))
            continue
        if parsed is not None:
            files.append(parsed)
    zoneset = _build_safely(files, problems, strict_aws)
    if problems:
        raise LoadError(problems)
    return zoneset


def load_zone_text(text: str, source: str = "<zone>") -> ZoneSet:
    """One YAML/JSON document (e.g. in tests); raises LoadError."""
    problems: list[Problem] = []
    files: list[_File] = []
    data = _parse_data(text, source, problems)
    if data is not None:
        try:
            parsed = _from_mapping(data, source, problems)
        except Exception as exc:  # same safety net as load_zone_files
            problems.append(Problem(source, "", "InternalError", f"{type(exc).__name__}: {exc}"))
            parsed = None
        if parsed is not None:
            files.append(parsed)
    zoneset = _build_safely(files, problems)
    if problems:
        raise LoadError(problems)
    return zoneset


def _build_safely(files: Sequence[_File], problems: list[Problem],
                  strict_aws: bool = False) -> ZoneSet:
    try:
        return build_zoneset(files, problems, strict_aws)
    except Exception as exc:  # a bug in a rule (or a policy's rule) must not become a traceback
        where = ", ".join(f.source for f in files) or "<zones>"
        problems.append(Problem(where, "", "InternalError", f"{type(exc).__name__}: {exc}"))
        return ZoneSet()


# --- reading -----------------------------------------------------------------------------------


def _read(path: Path, problems: list[Problem]) -> _File | None:
    source = str(path)
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        problems.append(Problem(source, "", "FileError", getattr(exc, "strerror", None)
                                or str(exc)))
        return None
    if path.suffix in BIND_SUFFIXES:
        return _from_bind(text, path, problems)
    data = _parse_data(text, source, problems)
    return None if data is None else _from_mapping(data, source, problems)


def _parse_data(text: str, source: str, problems: list[Problem]) -> Any:
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        problems.append(Problem(source, "", "SyntaxError", " ".join(str(exc).split())))
        return None
    if not isinstance(data, dict):
        problems.append(Problem(source, "", "InvalidInput",
                                "a zone file is a mapping with HostedZone and ResourceRecordSets"))
        return None
    return data


def _from_bind(text: str, path: Path, problems: list[Problem]) -> _File | None:
    source = str(path)
    try:
        parsed = bind.parse(text)
    except bind.BindError as exc:
        problems.append(Problem(source, f"line {exc.line}", "SyntaxError", str(exc)))
        return None
    origin = parsed.origin or (path.stem + ".")
    data = {"HostedZone": {"Name": origin}, "ResourceRecordSets": list(parsed.record_sets)}
    return _from_mapping(data, source, problems)


def _from_mapping(data: dict[str, Any], source: str, problems: list[Problem]) -> _File | None:
    out = _File(source)
    for key in data:
        if key not in ZONE_KEYS:
            problems.append(Problem(source, str(key), "InvalidInput", f"unknown field '{key}'"))
    raw_records = _list(data, "ResourceRecordSets", source, problems)
    hz = data.get("HostedZone")
    if hz is None and raw_records:
        soa = [r for r in raw_records if isinstance(r, dict) and r.get("Type") == "SOA"]
        hz = {"Name": soa[0].get("Name")} if soa else None
        if hz is None:
            problems.append(Problem(source, "HostedZone", "InvalidInput",
                                    "HostedZone.Name is required (no SOA record to take it from)"))
            return None
    delegation = data.get("DelegationSet")
    if isinstance(delegation, dict) and isinstance(delegation.get("NameServers"), list):
        out.name_servers = tuple(str(n) for n in delegation["NameServers"])
    for index, raw in enumerate(_list(data, "HealthChecks", source, problems)):
        try:
            out.health_checks.append(_health_check(raw))
        except _Bad as bad:
            problems.append(Problem(source, f"HealthChecks[{index}]", bad.code, bad.message))
    for index, raw in enumerate(_list(data, "CidrCollections", source, problems)):
        try:
            out.cidr_collections.append(_cidr_collection(raw))
        except _Bad as bad:
            problems.append(Problem(source, f"CidrCollections[{index}]", bad.code, bad.message))
    if hz is None:
        return out
    try:
        out.zone = _hosted_zone(hz, data.get("VPCs"), source)
    except _Bad as bad:
        problems.append(Problem(source, "HostedZone", bad.code, bad.message))
        return None
    for index, raw in enumerate(raw_records):
        try:
            out.records.append(_record(raw))
        except _Bad as bad:
            label = _raw_label(raw, index)
            problems.append(Problem(source, label, bad.code, bad.message))
    return out


def _list(data: dict[str, Any], key: str, source: str, problems: list[Problem]) -> list[Any]:
    value = data.get(key)
    if value is None:
        return []
    if not isinstance(value, list):
        problems.append(Problem(source, key, "InvalidInput", f"{key} must be a list"))
        return []
    return value


def _raw_label(raw: Any, index: int) -> str:
    if isinstance(raw, dict) and isinstance(raw.get("Name"), str):
        ident = f" [{raw['SetIdentifier']}]" if raw.get("SetIdentifier") is not None else ""
        return f"{raw['Name']} {raw.get('Type')}{ident}"
    return f"ResourceRecordSets[{index}]"


# --- field readers -----------------------------------------------------------------------------


def _mapping(raw: Any, what: str, keys: set[str] | None = None) -> dict[str, Any]:
    if not isinstance(raw, dict):
        raise _Bad("InvalidInput", f"{what} must be a mapping")
    if keys is not None:
        unknown = sorted(str(k) for k in raw if k not in keys)
        if unknown:
            raise _Bad("InvalidInput", f"unknown field '{unknown[0]}' in {what}")
    return raw


def _int(raw: Any, what: str, lo: int, hi: int) -> int:
    if isinstance(raw, bool) or not isinstance(raw, (int, str)):
        raise _Bad("InvalidInput", f"{what} must be an integer")
    try:
        value = int(raw)
    except ValueError:
        raise _Bad("InvalidInput", f"{what} must be an integer") from None
    if not lo <= value <= hi:
        raise _Bad("InvalidInput",
                   f"1 validation error detected: Value '{value}' at '{what}' failed to satisfy "
                   f"constraint: Member must have value {'less' if value > hi else 'greater'} "
                   f"than or equal to {hi if value > hi else lo}")
    return value


def _bool(raw: Any, what: str) -> bool:
    if isinstance(raw, bool):
        return raw
    if isinstance(raw, str) and raw.lower() in ("true", "false"):
        return raw.lower() == "true"
    raise _Bad("InvalidInput", f"{what} must be true or false")


def _str(raw: Any, what: str) -> str:
    if isinstance(raw, bool) or not isinstance(raw, (str, int, float)):
        raise _Bad("InvalidInput", f"{what} must be a string")
    return str(raw)


def _opt(raw: dict[str, Any], key: str, reader: Any, *args: Any) -> Any:
    value = raw.get(key)
    return None if value is None else reader(value, key, *args)


def zone_id_for(name: str, private: bool) -> str:
    """A deterministic Route 53-like id (``Z`` + 20 characters) for a zone without ``Id``."""
    digest = hashlib.sha256(f"{name}|{'private' if private else 'public'}".encode()).digest()
    return "Z" + base64.b32encode(digest).decode()[:20]


def _hosted_zone(raw: Any, vpcs_raw: Any, source: str) -> HostedZone:
    hz = _mapping(raw, "HostedZone", HOSTED_ZONE_KEYS)
    name_raw = hz.get("Name")
    if not isinstance(name_raw, str):
        raise _Bad("InvalidInput", "HostedZone.Name is required")
    try:
        labels = names.parse(name_raw)
    except names.BadName as exc:
        raise _Bad("InvalidDomainName", str(exc)) from None
    name = names.to_text(labels)
    if len(labels) < 2:  # R14
        raise _Bad("InvalidDomainName", f"{name} is reserved by AWS!")
    if any(label == names.WILDCARD for label in labels):  # R14
        raise _Bad("InvalidDomainName", f"The domain name {name} contains a wildcard label")
    config = _mapping(hz.get("Config") or {}, "HostedZone.Config",
                      {"PrivateZone", "Comment"})
    private = _bool(config.get("PrivateZone", False), "PrivateZone")
    vpcs: list[VpcAssociation] = []
    if vpcs_raw is not None and not isinstance(vpcs_raw, list):
        raise _Bad("InvalidInput", "VPCs must be a list of {VPCRegion, VPCId}")
    for item in vpcs_raw or []:
        vpc = _mapping(item, "VPCs[]", {"VPCRegion", "VPCId"})
        if not vpc.get("VPCId"):
            raise _Bad("InvalidVPCId", "VPCs[].VPCId is required")
        vpcs.append(VpcAssociation(str(vpc.get("VPCRegion") or "us-east-1"), str(vpc["VPCId"])))
    if private and not vpcs:
        raise _Bad("InvalidInput", "A private hosted zone needs at least one VPC (VPCs)")
    if not private and vpcs:
        raise _Bad("InvalidInput", "VPCs can be associated with private hosted zones only")
    zone_id = str(hz.get("Id") or "").removeprefix("/hostedzone/") or zone_id_for(name, private)
    return HostedZone(
        id=zone_id, name=name, private=private,
        comment=None if config.get("Comment") is None else str(config["Comment"]),
        vpcs=tuple(vpcs), caller_reference=None if hz.get("CallerReference") is None
        else str(hz["CallerReference"]), source=source,
    )


def _record(raw: Any) -> RecordSet:
    rec = _mapping(raw, "ResourceRecordSet", RECORD_KEYS)
    if "TrafficPolicyInstanceId" in rec:
        raise _Bad("InvalidInput", "TrafficPolicyInstanceId is not served by netemu")
    if not isinstance(rec.get("Name"), str) or not isinstance(rec.get("Type"), str):
        raise _Bad("InvalidInput", "Name and Type are required")
    try:
        name = names.canonical(rec["Name"])
    except names.BadName as exc:
        raise _Bad("InvalidInput", f"Invalid request: {exc}") from None
    rtype = rec["Type"].upper() if rec["Type"].upper() in rdata.TYPES else rec["Type"]
    values: list[str] = []
    if rec.get("ResourceRecords") is not None:
        if not isinstance(rec["ResourceRecords"], list):
            raise _Bad("InvalidInput", "ResourceRecords must be a list of {Value: ...}")
        for item in rec["ResourceRecords"]:
            item = _mapping(item, "ResourceRecords[]", {"Value"})
            values.append("" if item.get("Value") is None else _str(item["Value"], "Value"))
    alias = None
    if rec.get("AliasTarget") is not None:
        at = _mapping(rec["AliasTarget"], "AliasTarget",
                      {"DNSName", "EvaluateTargetHealth", "HostedZoneId"})
        if not isinstance(at.get("DNSName"), str):
            raise _Bad("InvalidInput", "AliasTarget.DNSName is required")
        try:
            target = names.canonical(at["DNSName"])
        except names.BadName as exc:
            raise _Bad("InvalidInput", f"Invalid request: AliasTarget.DNSName: {exc}") from None
        zone_id = at.get("HostedZoneId")
        alias = AliasTarget(
            dns_name=target,
            evaluate_target_health=_bool(at.get("EvaluateTargetHealth", False),
                                         "EvaluateTargetHealth"),
            hosted_zone_id=None if zone_id is None else str(zone_id).removeprefix("/hostedzone/"),
        )
    geo = None
    if rec.get("GeoLocation") is not None:
        g = _mapping(rec["GeoLocation"], "GeoLocation",
                     {"ContinentCode", "CountryCode", "SubdivisionCode"})
        geo = GeoLocation(_opt(g, "ContinentCode", _str), _opt(g, "CountryCode", _str),
                          _opt(g, "SubdivisionCode", _str))
    prox = None
    if rec.get("GeoProximityLocation") is not None:
        g = _mapping(rec["GeoProximityLocation"], "GeoProximityLocation",
                     {"AWSRegion", "LocalZoneGroup", "Coordinates", "Bias"})
        coords = None
        if g.get("Coordinates") is not None:
            c = _mapping(g["Coordinates"], "Coordinates", {"Latitude", "Longitude"})
            try:
                coords = Coordinates(float(c["Latitude"]), float(c["Longitude"]))
            except (KeyError, TypeError, ValueError):
                raise _Bad("InvalidInput", "Coordinates need numeric Latitude and Longitude") \
                    from None
        prox = GeoProximityLocation(_opt(g, "AWSRegion", _str), _opt(g, "LocalZoneGroup", _str),
                                    coords, _int(g.get("Bias", 0), "Bias", -99, 99))
    cidr = None
    if rec.get("CidrRoutingConfig") is not None:
        c = _mapping(rec["CidrRoutingConfig"], "CidrRoutingConfig",
                     {"CollectionId", "LocationName"})
        if c.get("CollectionId") is None or c.get("LocationName") is None:
            raise _Bad("InvalidInput", "CidrRoutingConfig needs CollectionId and LocationName")
        cidr = CidrRoutingConfig(str(c["CollectionId"]), str(c["LocationName"]))
    return RecordSet(
        name=name, type=rtype,
        ttl=_opt(rec, "TTL", _int, 0, MAX_TTL),
        values=tuple(values),
        set_identifier=_opt(rec, "SetIdentifier", _str),
        weight=_opt(rec, "Weight", _int, 0, 255),
        region=_opt(rec, "Region", _str),
        geo_location=geo,
        geo_proximity_location=prox,
        failover=_opt(rec, "Failover", _str),
        multi_value_answer=_opt(rec, "MultiValueAnswer", _bool),
        cidr_routing_config=cidr,
        alias_target=alias,
        health_check_id=_opt(rec, "HealthCheckId", _str),
    )


def _health_check(raw: Any) -> HealthCheck:
    item = _mapping(raw, "HealthChecks[]")
    if "HealthCheck" in item:   # get-health-check output pasted whole
        item = _mapping(item["HealthCheck"], "HealthCheck")
    item = {k: v for k, v in item.items()
            if k not in ("HealthCheckVersion", "LinkedService", "CloudWatchAlarmConfiguration")}
    _mapping(item, "HealthChecks[]", {"Id", "CallerReference", "HealthCheckConfig"})
    if item.get("Id") is None:
        raise _Bad("InvalidInput", "HealthChecks[].Id is required")
    cfg = _mapping(item.get("HealthCheckConfig"), "HealthCheckConfig",
                   set(HEALTH_CONFIG_FIELDS))
    if cfg.get("Type") is None:
        raise _Bad("InvalidInput", "HealthCheckConfig.Type is required")
    kwargs: dict[str, Any] = {}
    for key, attr in HEALTH_CONFIG_FIELDS.items():
        if attr is None or cfg.get(key) is None:
            continue
        value = cfg[key]
        if attr in ("port", "request_interval", "failure_threshold", "health_threshold"):
            value = _int(value, key, 0, 65535)
        elif attr in ("measure_latency", "inverted", "disabled", "enable_sni"):
            value = _bool(value, key)
        elif attr in ("child_health_checks", "regions"):
            if not isinstance(value, list):
                raise _Bad("InvalidInput", f"{key} must be a list")
            value = tuple(str(v) for v in value)
        elif attr == "alarm_identifier":
            a = _mapping(value, key, {"Region", "Name"})
            value = AlarmIdentifier(str(a.get("Region")), str(a.get("Name")))
        else:
            value = _str(value, key)
        kwargs[attr] = value
    return HealthCheck(id=str(item["Id"]), config=HealthCheckConfig(**kwargs),
                       caller_reference=None if item.get("CallerReference") is None
                       else str(item["CallerReference"]))


def _cidr_collection(raw: Any) -> CidrCollection:
    item = _mapping(raw, "CidrCollections[]")
    if "CidrCollection" in item:
        item = _mapping(item["CidrCollection"], "CidrCollection")
    _mapping(item, "CidrCollections[]", {"Id", "Name", "Arn", "Version", "Locations"})
    ident = item.get("Id") or item.get("Name")
    if ident is None:
        raise _Bad("InvalidInput", "CidrCollections[].Id (or Name) is required")
    locations = []
    if not isinstance(item.get("Locations") or [], list):
        raise _Bad("InvalidInput", "Locations must be a list")
    for loc_raw in item.get("Locations") or []:
        loc = _mapping(loc_raw, "Locations[]", {"LocationName", "CidrList"})
        if not isinstance(loc.get("LocationName"), str):
            raise _Bad("InvalidInput", "Locations[].LocationName is required")
        cidrs = []
        if not isinstance(loc.get("CidrList") or [], list):
            raise _Bad("InvalidInput", "Locations[].CidrList must be a list of CIDR blocks")
        for block in loc.get("CidrList") or []:
            try:
                cidrs.append(str(ipaddress.ip_network(str(block), strict=True)))
            except ValueError:
                raise _Bad("InvalidCidrBlockException",
                           f"The CIDR block '{block}' of location '{loc['LocationName']}' "
                           "is not a valid CIDR block") from None
        locations.append(CidrLocation(loc["LocationName"], tuple(cidrs)))
    return CidrCollection(str(ident), str(item.get("Name") or ident), tuple(locations))


# --- building and validating the set -----------------------------------------------------------


def build_zoneset(files: Sequence[_File], problems: list[Problem],
                  strict_aws: bool = False) -> ZoneSet:
    checks: dict[str, HealthCheck] = {}
    sources: dict[str, str] = {}
    collections: dict[str, CidrCollection] = {}
    for f in files:
        for hc in f.health_checks:
            if hc.id in checks:
                problems.append(Problem(f.source, f"HealthChecks[{hc.id}]",
                                        "HealthCheckAlreadyExists",
                                        f"A health check with id {hc.id} is already defined"))
                continue
            checks[hc.id] = hc
            sources[hc.id] = f.source
        for cc in f.cidr_collections:
            if cc.id in collections:
                problems.append(Problem(f.source, f"CidrCollections[{cc.id}]",
                                        "CidrCollectionAlreadyExistsException",
                                        f"A CIDR collection with id {cc.id} already exists"))
                continue
            collections[cc.id] = cc
    # each check's own rules and the rules across checks (children exist, no calculated child)
    for cid, code, message in health.validate_health_checks(checks.values(), strict_aws):
        problems.append(Problem(sources[cid], f"HealthChecks[{cid}]", code, message))
    zones: list[HostedZone] = []
    seen: dict[tuple[str, bool], list[HostedZone]] = defaultdict(list)
    for f in files:
        if f.zone is None:
            continue
        clash = _zone_clash(f.zone, seen[(f.zone.name, f.zone.private)])
        if clash is not None:
            problems.append(Problem(f.source, "HostedZone", "ConflictingDomainExists",
                                    f"A {'private' if f.zone.private else 'public'} hosted zone "
                                    f"for {f.zone.name} is already loaded from {clash.source}"))
            continue
        seen[(f.zone.name, f.zone.private)].append(f.zone)
        records = _check_zone(f, checks, problems)
        zones.append(replace(f.zone, record_sets=tuple(records)))
    zoneset = ZoneSet(tuple(zones), tuple(checks.values()), tuple(collections.values()))
    for zone in zoneset.zones:
        _check_across(zone, zoneset, problems)
    return zoneset


def _zone_clash(zone: HostedZone, same: list[HostedZone]) -> HostedZone | None:
    for other in same:
        if not zone.private:
            return other
        if {v.vpc_id for v in zone.vpcs} & {v.vpc_id for v in other.vpcs}:
            return other
    return None


def _check_record(rec: RecordSet, zone: HostedZone, apex: names.Labels,
                  checks: dict[str, HealthCheck]) -> list[tuple[str, str]]:
    """Problems of one record set on its own, as (code, message)."""
    out: list[tuple[str, str]] = []
    labels = names.parse(rec.name)
    if not names.is_subdomain(labels, apex):  # R26
        return [("InvalidChangeBatch",
                 f"RRSet with DNS name {rec.name} is not permitted in zone {zone.name}")]
    if rec.type not in rdata.TYPES:  # R34
        return [("InvalidInput",
                 f"1 validation error detected: Value '{rec.type}' at 'type' failed to satisfy "
                 f"constraint: Member must satisfy enum value set: [{', '.join(rdata.TYPES)}]")]
    alias = rec.alias_target
    # Exactly one of: AliasTarget, or TTL together with ResourceRecords.
    plain = rec.ttl is not None and bool(rec.values)
    some_plain = rec.ttl is not None or bool(rec.values)
    if (alias is not None and some_plain) or (alias is None and not plain):
        found = "more than one" if alias is not None else "none"
        out.append(("InvalidInput",
                    "Invalid request: Expected exactly one of [AliasTarget, all of [TTL, and "
                    f"ResourceRecords], or TrafficPolicyInstanceId], but found {found} "
                    f"{policies.change(rec)}"))
    # the routing rules of a record (one routing field, SetIdentifier R28, the types a policy
    # may route R34, R39, R40) are the policies' own: policies.validate_group reports them
    if alias is not None and rec.type in NO_ALIAS_TYPES:  # R34
        out.append(("InvalidChangeBatch",
                    f"Alias RRSet of type {rec.type} with DNS name {rec.name} is not permitted"))
    if len(rec.values) > MAX_VALUES:  # R31
        out.append(("InvalidChangeBatch",
                    f"RRSet {rec.label()} has {len(rec.values)} values; the limit is "
                    f"{MAX_VALUES} values per record"))
    if alias is None:
        for value in rec.values:  # R27
            problem = rdata.check(rec.type, value)
            if problem:
                out.append(("InvalidChangeBatch", problem))
                break
    if rec.type in ("CNAME", "SOA") and len(rec.values) > 1:
        out.append(("InvalidChangeBatch",
                    f"RRSet of type {rec.type} with DNS name {rec.name} contains more than one "
                    "value"))
    if rec.type == "CNAME" and labels == apex:  # R22
        out.append(("InvalidChangeBatch",
                    f"RRSet of type CNAME with DNS name {rec.name} is not permitted at apex in "
                    f"zone {zone.name}"))
    if rec.type == "SOA" and labels != apex:
        out.append(("InvalidChangeBatch",
                    f"RRSet of type SOA with DNS name {rec.name} is not permitted: the SOA "
                    f"record must be at the apex of zone {zone.name}"))
    if rec.type == "NS" and names.is_wildcard(labels):  # R21
        out.append(("InvalidChangeBatch",
                    f"RRSet of type NS with DNS name {rec.name} is not permitted: wildcard NS "
                    "records are not supported"))
    if rec.type == "NS" and labels != apex and zone.private:  # R91
        out.append(("InvalidChangeBatch",
                    f"RRSet of type NS with DNS name {rec.name} is not permitted: private "
                    "hosted zones can't delegate subdomains"))
    if rec.health_check_id is not None and rec.health_check_id not in checks:
        out.append(("NoSuchHealthCheck",
                    f"No health check exists with the specified ID {rec.health_check_id}"))
    return out


def _check_zone(f: _File, checks: dict[str, HealthCheck],
                problems: list[Problem]) -> list[RecordSet]:
    """Record-level and name-level rules of one zone; returns its records with defaults."""
    assert f.zone is not None
    zone = f.zone
    apex = names.parse(zone.name)
    kept: list[RecordSet] = []
    keys: dict[tuple[str, str, str | None], RecordSet] = {}
    for rec in f.records:
        found = _check_record(rec, zone, apex, checks)
        for code, message in found:
            problems.append(Problem(f.source, rec.label(), code, message))
        if rec.key in keys:  # R24
            problems.append(Problem(
                f.source, rec.label(), "InvalidChangeBatch",
                f"Tried to create resource record set [name='{rec.name}', type='{rec.type}'"
                + (f", set-identifier='{rec.set_identifier}'" if rec.set_identifier else "")
                + "] but it already exists"))
            continue
        keys[rec.key] = rec
        if not found:
            kept.append(rec)
    if len(kept) > MAX_RECORD_SETS:  # R31
        problems.append(Problem(f.source, "HostedZone", "TooManyResourceRecordSets",
                                f"The zone {zone.name} has {len(kept)} record sets; the limit is "
                                f"{MAX_RECORD_SETS}"))
    by_name: dict[str, dict[str, list[RecordSet]]] = defaultdict(lambda: defaultdict(list))
    for rec in kept:
        by_name[rec.name][rec.type].append(rec)
    for name, types in by_name.items():
        if "CNAME" in types and len(types) > 1:  # R23, worded by which came first
            order = [r.type for r in kept if r.name == name]
            if order.index("CNAME") > 0:
                cname = types["CNAME"][0]
                problems.append(Problem(
                    f.source, cname.label(), "InvalidChangeBatch",
                    f"RRSet of type CNAME with DNS name {name} is not permitted as it conflicts "
                    f"with other records with the same DNS name in zone {zone.name}"))
            for rtype, group in types.items():
                if rtype == "CNAME" or order.index("CNAME") > 0:
                    continue
                problems.append(Problem(
                    f.source, group[0].label(), "InvalidChangeBatch",
                    f"RRSet of type {rtype} with DNS name {name} is not permitted because a "
                    f"conflicting RRSet of type CNAME with the same DNS name already exists in "
                    f"zone {zone.name}"))
    return _with_defaults(zone, kept, f.name_servers)


def _with_defaults(zone: HostedZone, records: list[RecordSet],
                   name_servers: tuple[str, ...]) -> list[RecordSet]:
    """R5-R8: one SOA and four NS at the apex when the file has none."""
    have = {r.type for r in records if r.name == zone.name}
    servers = default_name_servers(zone) if not name_servers else tuple(
        n if n.endswith(".") else n + "." for n in name_servers)
    extra: list[RecordSet] = []
    if "SOA" not in have:
        mname = "ns-1536.awsdns-00.co.uk." if zone.private else servers[0]
        extra.append(RecordSet(zone.name, "SOA", SOA_TTL, (f"{mname} {SOA_TAIL}",)))
    if "NS" not in have:
        extra.append(RecordSet(zone.name, "NS", NS_TTL, servers))
    return extra + records


def default_name_servers(zone: HostedZone) -> tuple[str, ...]:
    """Four name servers on .com .net .org .co.uk (R7), deterministic per zone; R8 for private."""
    if zone.private:
        return PRIVATE_NS
    digest = hashlib.sha256(zone.id.encode()).digest()
    out = []
    for i, tld in enumerate(NS_TLDS):
        number = i * 512 + int.from_bytes(digest[2 * i:2 * i + 2], "big") % 512
        out.append(f"ns-{number}.awsdns-{digest[8 + i] % 64:02d}.{tld}.")
    return tuple(out)


def _check_across(zone: HostedZone, zoneset: ZoneSet, problems: list[Problem]) -> None:
    """Alias targets (R34-R37) and the routing policies' own rules, per (name, type) group."""
    source = zone.source or "<zone>"
    by_key: dict[tuple[str, str], list[RecordSet]] = defaultdict(list)
    for rec in zone.record_sets:
        by_key[(rec.name, rec.type)].append(rec)
    for group in by_key.values():
        for rec in group:
            if rec.alias_target is not None:
                message = _alias_problem(rec, zone, zoneset)
                if message:
                    problems.append(Problem(source, rec.label(), "InvalidChangeBatch", message))
        for rec, code, message in policies.validate_group(group, zoneset):
            problems.append(Problem(source, rec.label(), code, message))


def alias_target_zone(rec: RecordSet, zone: HostedZone, zoneset: ZoneSet) -> HostedZone | None:
    """The zone an alias to a Route 53 record points into: its own (R35: "an alias record can't
    reference a record in a different hosted zone"); None for another zone id."""
    assert rec.alias_target is not None
    zone_id = rec.alias_target.hosted_zone_id
    return zone if zone_id is None or zone_id == zone.id else None


def _alias_problem(rec: RecordSet, zone: HostedZone, zoneset: ZoneSet) -> str | None:
    at = rec.alias_target
    assert at is not None
    seen: set[tuple[str, str]] = set()
    current = rec
    while current.alias_target is not None:
        target = current.alias_target
        head = (f"Tried to create an alias that targets {target.dns_name}, type "
                f"{rec.type} in zone {target.hosted_zone_id or zone.id}")
        if alias_target_zone(current, zone, zoneset) is None:
            if any(z.id == target.hosted_zone_id for z in zoneset.zones):
                # another hosted zone: Route 53 words it as it words every alias whose target
                # the zone given cannot hold
                return (f"{head}, but the alias target name does not lie within the target "
                        f"zone, {head}, but that target was not found")
            return f"{head}, but that hosted zone is not loaded (netemu serves aliases to " \
                   "records of the same hosted zone only)"
        if not names.is_subdomain(names.parse(target.dns_name), names.parse(zone.name)):
            return f"{head}, but the alias target name does not lie within the target zone"
        key = (target.dns_name, rec.type)
        if key in seen:
            return f"{head}, but the alias chain loops back on itself"
        seen.add(key)
        targets = [r for r in zone.record_sets
                   if r.name == target.dns_name and r.type == rec.type]
        if not targets:  # R35, R36: same type, must exist
            return f"{head}, but that target was not found"
        current = targets[0]
    return None


__all__ = ["load_zone_files", "load_zone_text", "expand", "zone_id_for", "default_name_servers"]
