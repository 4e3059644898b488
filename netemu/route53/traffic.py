"""Traffic Flow, pure: the traffic policy document (JSON, format 2015-10-01 / 2023-05-09) read
and validated as Route 53 does, and expanded into the record sets a policy instance creates.

``parse_document(text)`` returns a ``Document`` or raises ``InvalidDocument`` listing every
problem (the API answers ``InvalidTrafficPolicyDocument``, R120). ``expand(document, name, ttl)``
returns the record sets of an instance at ``name`` (R121): the start rule's records at ``name``
itself; a rule reached through a ``RuleReference`` gets its own name, ``<rule>._tf.<name>``, and
the referring record is an alias to it (R122); an endpoint's value becomes the record's value.
The records then go through the ordinary change path (``route53.changes``), so every record rule
still applies and the engine answers them like any other record set.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Any

from netemu.route53 import rdata
from netemu.route53.model import (
    AliasTarget,
    Coordinates,
    GeoLocation,
    GeoProximityLocation,
    RecordSet,
)

FORMAT_VERSIONS = ("2015-10-01", "2023-05-09")
RULE_TYPES = ("failover", "geo", "latency", "geoproximity", "weighted", "multivalue")
RECORD_TYPES = ("A", "AAAA", "CAA", "CNAME", "MX", "NAPTR", "PTR", "SPF", "SRV", "TXT")
# endpoint types that are AWS resources (alias records); "value" is a record value
ALIAS_ENDPOINTS = {
    "cloudfront": "Z2FDTNDATAQYW2",
    "elastic-load-balancer": "aws:elb",
    "application-load-balancer": "aws:elb",
    "network-load-balancer": "aws:elb",
    "s3-website": "aws:s3-website",
    "elastic-beanstalk": "aws:elastic-beanstalk",
}
ENDPOINT_TYPES = ("value", *ALIAS_ENDPOINTS)
NEEDS_REGION = ("s3-website", "elastic-beanstalk")
TOP_KEYS = {"AWSPolicyFormatVersion", "RecordType", "StartEndpoint", "StartRule", "Endpoints",
            "Rules"}
TARGET_KEYS = {"EndpointReference", "RuleReference", "HealthCheck", "EvaluateTargetHealth"}
LIST_OF = {"geo": "Locations", "latency": "Regions", "geoproximity": "GeoproximityLocations",
           "weighted": "Items", "multivalue": "Items"}
BRANCH_KEYS = {
    "geo": {"IsDefault", "Continent", "Country", "Subdivision"},
    "latency": {"Region"},
    "geoproximity": {"Region", "Latitude", "Longitude", "Bias"},
    "weighted": {"Weight"},
    "multivalue": set(),
    "failover": set(),
}
INTERMEDIATE = "_tf"   # R122: <rule>._tf.<instance name>
MAX_DOCUMENT = 102400  # botocore: TrafficPolicyDocument max length


class InvalidDocument(Exception):
    """The document is refused; ``messages`` lists every problem (InvalidTrafficPolicyDocument)."""

    def __init__(self, messages: list[str]) -> None:
        self.messages: tuple[str, ...] = tuple(messages)
        super().__init__("; ".join(messages))


@dataclass(frozen=True, slots=True)
class Endpoint:
    id: str
    type: str
    value: str
    region: str | None = None


@dataclass(frozen=True, slots=True)
class Branch:
    """One place a rule routes to (a Location, Region, Item, Primary or Secondary) and the
    routing key that picks it."""

    endpoint: str | None = None
    rule: str | None = None
    health_check: str | None = None
    evaluate_target_health: bool | None = None
    failover: str | None = None         # PRIMARY | SECONDARY
    weight: int | None = None
    geo: GeoLocation | None = None
    region: str | None = None
    proximity: GeoProximityLocation | None = None


@dataclass(frozen=True, slots=True)
class Rule:
    id: str
    type: str
    branches: tuple[Branch, ...]


@dataclass(frozen=True, slots=True)
class Document:
    format_version: str
    record_type: str
    start_endpoint: str | None
    start_rule: str | None
    endpoints: tuple[Endpoint, ...]
    rules: tuple[Rule, ...]

    def endpoint(self, endpoint_id: str) -> Endpoint:
        return next(e for e in self.endpoints if e.id == endpoint_id)

    def rule(self, rule_id: str) -> Rule:
        return next(r for r in self.rules if r.id == rule_id)


# --- reading -----------------------------------------------------------------------------------


def parse_document(text: str) -> Document:
    """The document's JSON text -> Document; raises InvalidDocument with every problem (R120)."""
    if len(text) > MAX_DOCUMENT:
        raise InvalidDocument([(f"The traffic policy document is longer than {MAX_DOCUMENT} "
                               "characters")])
    try:
        raw = json.loads(text)
    except ValueError as exc:
        raise InvalidDocument([f"The traffic policy document is not valid JSON: {exc}"]) \
            from None
    return read_document(raw)


def read_document(raw: Any) -> Document:
    """A parsed document (mapping) -> Document; raises InvalidDocument."""
    problems: list[str] = []
    if not isinstance(raw, dict):
        raise InvalidDocument(["The traffic policy document must be a JSON object"])
    for key in raw:
        if key not in TOP_KEYS:
            problems.append(f"Unknown field '{key}' in the traffic policy document")
    version = raw.get("AWSPolicyFormatVersion")
    if version not in FORMAT_VERSIONS:
        problems.append(f"AWSPolicyFormatVersion '{version}' is not supported; use one of "
                        f"{', '.join(FORMAT_VERSIONS)}")
    rtype = raw.get("RecordType")
    if rtype not in RECORD_TYPES:
        problems.append(f"RecordType '{rtype}' is not supported by traffic policies; use one "
                        f"of {', '.join(RECORD_TYPES)}")
        rtype = "A"
    endpoints = _endpoints(raw.get("Endpoints", {}), str(rtype), problems)
    rules = _rules(raw.get("Rules", {}), problems)
    # ids declared, even those of items refused above (no second error for a reference)
    endpoint_ids = set(raw["Endpoints"]) if isinstance(raw.get("Endpoints"), dict) else set()
    rule_ids = set(raw["Rules"]) if isinstance(raw.get("Rules"), dict) else set()
    start_endpoint, start_rule = raw.get("StartEndpoint"), raw.get("StartRule")
    if (start_endpoint is None) == (start_rule is None):
        problems.append("The traffic policy document must have exactly one of StartEndpoint "
                        "and StartRule")
    elif start_endpoint is not None and start_endpoint not in endpoint_ids:
        problems.append(f"StartEndpoint references the endpoint '{start_endpoint}', which is "
                        "not defined in Endpoints")
    elif start_rule is not None and start_rule not in rule_ids:
        problems.append(f"StartRule references the rule '{start_rule}', which is not defined "
                        "in Rules")
    problems += _references(rules, {e.id: e for e in endpoints}, endpoint_ids, rule_ids)
    if isinstance(start_rule, str):
        problems += _cycles(rules, start_rule)
    if problems:
        raise InvalidDocument(problems)
    return Document(str(version), str(rtype), _opt_str(start_endpoint), _opt_str(start_rule),
                    tuple(endpoints), tuple(rules))


def _opt_str(value: Any) -> str | None:
    return None if value is None else str(value)


def _mapping(raw: Any, what: str, problems: list[str]) -> dict[str, Any]:
    if not isinstance(raw, dict):
        problems.append(f"{what} must be a JSON object")
        return {}
    return raw


def _endpoints(raw: Any, rtype: str, problems: list[str]) -> list[Endpoint]:
    out: list[Endpoint] = []
    for eid, spec in _mapping(raw, "Endpoints", problems).items():
        where = f"Endpoint '{eid}'"
        spec = _mapping(spec, where, problems)
        for key in spec:
            if key not in ("Type", "Value", "Region"):
                problems.append(f"{where}: unknown field '{key}'")
        etype, value = spec.get("Type"), spec.get("Value")
        if etype not in ENDPOINT_TYPES:
            problems.append(f"{where}: Type '{etype}' is not valid; use one of "
                            f"{', '.join(ENDPOINT_TYPES)}")
            continue
        if not isinstance(value, str) or not value:
            problems.append(f"{where}: Value is required")
            continue
        region = spec.get("Region")
        if etype in NEEDS_REGION and not isinstance(region, str):
            problems.append(f"{where}: an endpoint of type {etype} requires Region")
        if etype == "value":
            message = rdata.check(rtype, value)
            if message:
                problems.append(f"{where}: Value '{value}' is not a valid {rtype} value: "
                                f"{message}")
        elif rtype not in ("A", "AAAA"):
            problems.append(f"{where}: an endpoint of type {etype} needs RecordType A or AAAA, "
                            f"not {rtype}")
        out.append(Endpoint(str(eid), etype, value, _opt_str(region)))
    return out


def _rules(raw: Any, problems: list[str]) -> list[Rule]:
    out: list[Rule] = []
    for rid, spec in _mapping(raw, "Rules", problems).items():
        where = f"Rule '{rid}'"
        spec = _mapping(spec, where, problems)
        rtype = spec.get("RuleType")
        if rtype not in RULE_TYPES:
            problems.append(f"{where}: RuleType '{rtype}' is not valid; use one of "
                            f"{', '.join(RULE_TYPES)}")
            continue
        if rtype == "failover":
            allowed = {"RuleType", "Primary", "Secondary"}
            branches = []
            for role in ("Primary", "Secondary"):
                if role not in spec:
                    problems.append(f"{where}: a failover rule requires {role}")
                    continue
                branch = _branch(spec[role], str(rtype), f"{where} {role}", problems)
                if branch is not None:
                    branches.append(_with(branch, failover=role.upper()))
        else:
            key = LIST_OF[str(rtype)]
            allowed = {"RuleType", key}
            items = spec.get(key)
            if not isinstance(items, list) or not items:
                problems.append(f"{where}: a {rtype} rule requires a non-empty {key} list")
                items = []
            branches = [b for i, item in enumerate(items)
                        if (b := _branch(item, str(rtype), f"{where} {key}[{i}]", problems))]
            problems += _duplicates(where, key, branches)
        for key in spec:
            if key not in allowed:
                problems.append(f"{where}: unknown field '{key}' for a {rtype} rule")
        out.append(Rule(str(rid), str(rtype), tuple(branches)))
    return out


def _with(branch: Branch, **changes: Any) -> Branch:
    return replace(branch, **changes)


def _branch(raw: Any, rtype: str, where: str, problems: list[str]) -> Branch | None:
    if not isinstance(raw, dict):
        problems.append(f"{where} must be a JSON object")
        return None
    before = len(problems)
    for key in raw:
        if key not in TARGET_KEYS | BRANCH_KEYS[rtype]:
            problems.append(f"{where}: unknown field '{key}'")
    endpoint, rule = raw.get("EndpointReference"), raw.get("RuleReference")
    if (endpoint is None) == (rule is None):
        problems.append(f"{where}: exactly one of EndpointReference and RuleReference is "
                        "required")
    if rtype == "multivalue" and rule is not None:
        problems.append(f"{where}: a multivalue rule routes to endpoints only, not to the rule "
                        f"'{rule}'")
    check = raw.get("HealthCheck")
    if check is not None and not isinstance(check, str):
        problems.append(f"{where}: HealthCheck must be a health check ID")
    evaluate = _flag(raw.get("EvaluateTargetHealth"))
    if "EvaluateTargetHealth" in raw and evaluate is None:
        problems.append(f"{where}: EvaluateTargetHealth must be true or false")
    branch = Branch(_opt_str(endpoint), _opt_str(rule), _opt_str(check), evaluate)
    branch = _routing(raw, rtype, where, branch, problems)
    return branch if len(problems) == before else None


def _routing(raw: Mapping[str, Any], rtype: str, where: str, branch: Branch,
             problems: list[str]) -> Branch:
    """The routing key of one branch: weight, location, region, coordinates."""
    if rtype == "weighted":
        weight = _number(raw.get("Weight"), int)
        if weight is None or not 0 <= weight <= 255:
            problems.append(f"{where}: Weight must be an integer from 0 to 255")
        return _with(branch, weight=weight)
    if rtype == "geo":
        if "IsDefault" in raw and _flag(raw["IsDefault"]) is None:
            problems.append(f"{where}: IsDefault must be true or false")
        if _flag(raw.get("IsDefault")):
            if any(k in raw for k in ("Continent", "Country", "Subdivision")):
                problems.append(f"{where}: a default location names no Continent, Country or "
                                "Subdivision")
            return _with(branch, geo=GeoLocation(country_code="*"))
        continent, country = raw.get("Continent"), raw.get("Country")
        subdivision = raw.get("Subdivision")
        if (continent is None) == (country is None):
            problems.append(f"{where}: a location needs exactly one of Continent and Country, "
                            "or IsDefault true")
        if subdivision is not None and country is None:
            problems.append(f"{where}: Subdivision needs Country")
        return _with(branch, geo=GeoLocation(_opt_str(continent), _opt_str(country),
                                             _opt_str(subdivision)))
    if rtype == "latency":
        region = raw.get("Region")
        if not isinstance(region, str) or not region:
            problems.append(f"{where}: Region is required")
        return _with(branch, region=_opt_str(region))
    if rtype == "geoproximity":
        return _with(branch, proximity=_proximity(raw, where, problems))
    return branch


def _proximity(raw: Mapping[str, Any], where: str,
               problems: list[str]) -> GeoProximityLocation | None:
    bias = _number(raw.get("Bias", 0), int)
    if bias is None or not -99 <= bias <= 99:
        problems.append(f"{where}: Bias must be an integer from -99 to 99")
        bias = 0
    region = raw.get("Region")
    lat, lon = raw.get("Latitude"), raw.get("Longitude")
    if (region is None) == (lat is None and lon is None):
        problems.append(f"{where}: a geoproximity location needs exactly one of Region and "
                        "Latitude/Longitude")
        return None
    if isinstance(region, str):
        name = region.removeprefix("aws:route53:")
        if re.fullmatch(r"[a-z]{2}(-gov)?-[a-z]+-\d+", name):
            return GeoProximityLocation(aws_region=name, bias=bias)
        return GeoProximityLocation(local_zone_group=name, bias=bias)
    flat, flon = _number(lat, float), _number(lon, float)
    if flat is None or flon is None or not -90 <= flat <= 90 or not -180 <= flon <= 180:
        problems.append(f"{where}: Latitude must be from -90 to 90 and Longitude from -180 "
                        "to 180")
        return None
    return GeoProximityLocation(coordinates=Coordinates(flat, flon), bias=bias)


def _flag(value: Any) -> bool | None:
    """A JSON boolean, or the strings "true"/"false" the format's syntax shows; else None."""
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.lower() in ("true", "false"):
        return value.lower() == "true"
    return None


def _number(value: Any, kind: type[int | float]) -> Any:
    if isinstance(value, bool):
        return None
    try:
        number = kind(value)
    except (TypeError, ValueError):
        return None
    if kind is int and isinstance(value, float) and value != number:
        return None
    return number


def _duplicates(where: str, key: str, branches: list[Branch]) -> list[str]:
    seen: set[object] = set()
    out = []
    for b in branches:
        routing = b.geo or b.region or b.proximity
        if routing is None:
            continue
        if routing in seen:
            out.append(f"{where}: {key} names the same location more than once ({routing})")
        seen.add(routing)
    return out


def _references(rules: list[Rule], endpoints: Mapping[str, Endpoint], endpoint_ids: set[str],
                rule_ids: set[str]) -> list[str]:
    out: list[str] = []
    for rule in rules:
        for branch in rule.branches:
            if branch.endpoint is not None and branch.endpoint not in endpoint_ids:
                out.append(f"Rule '{rule.id}' references the endpoint '{branch.endpoint}', "
                           "which is not defined in Endpoints")
            if branch.rule is not None and branch.rule not in rule_ids:
                out.append(f"Rule '{rule.id}' references the rule '{branch.rule}', which is "
                           "not defined in Rules")
            ep = endpoints.get(branch.endpoint or "")
            if rule.type == "multivalue" and ep is not None and ep.type != "value":
                out.append(f"Rule '{rule.id}': a multivalue rule routes to endpoints of type "
                           f"value only, not to '{ep.id}' ({ep.type})")
    return out


def _cycles(rules: list[Rule], start: str) -> list[str]:
    by_id = {r.id: r for r in rules}
    out: list[str] = []

    def walk(rid: str, path: tuple[str, ...]) -> None:
        rule = by_id.get(rid)
        if rule is None:
            return
        for branch in rule.branches:
            if branch.rule is None:
                continue
            if branch.rule in path + (rid,):
                out.append(f"The rules {' -> '.join(path + (rid, branch.rule))} form a loop")
                continue
            walk(branch.rule, path + (rid,))

    walk(start, ())
    return list(dict.fromkeys(out))


# --- expanding ---------------------------------------------------------------------------------


def _label(rule_id: str) -> str:
    label = re.sub(r"[^a-z0-9-]", "-", rule_id.lower()).strip("-")[:50]
    return label or "rule"


def rule_names(document: Document, name: str) -> dict[str, str]:
    """The owner name of each rule reachable from the start (R122): the start rule at ``name``,
    every other rule at ``<rule>._tf.<name>`` (made unique when two ids read the same)."""
    out: dict[str, str] = {}
    used: set[str] = set()
    todo = [document.start_rule] if document.start_rule is not None else []
    while todo:
        rid = todo.pop(0)
        if rid in out:
            continue
        if rid == document.start_rule:
            out[rid] = name
        else:
            label, n = _label(rid), 1
            while label in used:
                n += 1
                label = f"{_label(rid)}-{n}"
            used.add(label)
            out[rid] = f"{label}.{INTERMEDIATE}.{name}"
        todo += [b.rule for b in document.rule(rid).branches if b.rule is not None]
    return out


def expand(document: Document, name: str, ttl: int) -> tuple[RecordSet, ...]:
    """The record sets an instance of ``document`` at ``name`` (absolute, lower case) with
    ``ttl`` creates (R121, R122)."""
    if document.start_endpoint is not None:
        return (_record(document, name, ttl, Branch(endpoint=document.start_endpoint), {}),)
    owners = rule_names(document, name)
    out: list[RecordSet] = []
    for rid, owner in owners.items():
        rule = document.rule(rid)
        for index, branch in enumerate(rule.branches, 1):
            ident = (f"{rid[:100]}-{branch.failover.lower()}" if branch.failover
                     else f"{rid[:100]}-{index}")
            rec = _record(document, owner, ttl, branch, owners)
            out.append(_routed(rec, rule.type, branch, ident))
    return tuple(out)


def _record(document: Document, owner: str, ttl: int, branch: Branch,
            owners: Mapping[str, str]) -> RecordSet:
    rtype = document.record_type
    if branch.rule is not None:
        evaluate = True if branch.evaluate_target_health is None else branch.evaluate_target_health
        return RecordSet(owner, rtype, alias_target=AliasTarget(owners[branch.rule], evaluate),
                         health_check_id=branch.health_check)
    assert branch.endpoint is not None
    ep = document.endpoint(branch.endpoint)
    if ep.type == "value":
        return RecordSet(owner, rtype, ttl=ttl, values=(ep.value,),
                         health_check_id=branch.health_check)
    dns_name = ep.value.lower().rstrip(".") + "."
    return RecordSet(owner, rtype, alias_target=AliasTarget(
        dns_name, bool(branch.evaluate_target_health), ALIAS_ENDPOINTS[ep.type]),
        health_check_id=branch.health_check)


def _routed(rec: RecordSet, rule_type: str, branch: Branch, ident: str) -> RecordSet:
    if rule_type == "failover":
        return replace(rec, set_identifier=ident, failover=branch.failover)
    if rule_type == "weighted":
        return replace(rec, set_identifier=ident, weight=branch.weight)
    if rule_type == "geo":
        return replace(rec, set_identifier=ident, geo_location=branch.geo)
    if rule_type == "latency":
        return replace(rec, set_identifier=ident, region=branch.region)
    if rule_type == "geoproximity":
        return replace(rec, set_identifier=ident, geo_proximity_location=branch.proximity)
    return replace(rec, set_identifier=ident, multi_value_answer=True)


__all__ = ["Document", "Endpoint", "InvalidDocument", "Rule", "expand", "parse_document",
           "read_document", "rule_names"]
