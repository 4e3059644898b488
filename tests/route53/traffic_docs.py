"""Traffic policy documents shared by the pure and the live Traffic Flow tests."""

from __future__ import annotations

import copy
import json
from typing import Any


def geo_weighted_failover(health_check: str | None = None) -> dict[str, Any]:
    """A geolocation rule over weighted rules over failover rules (the issue's example):
    FR -> the French pool, rest of Europe -> the EU pool, US -> the US pool (whose first
    failover primary carries ``health_check``), anywhere else -> the default endpoint."""
    def ep(value: str) -> dict[str, str]:
        return {"Type": "value", "Value": value}

    def failover(primary: str, secondary: str, check: str | None = None) -> dict[str, Any]:
        first: dict[str, Any] = {"EndpointReference": primary}
        if check:
            first["HealthCheck"] = check
        return {"RuleType": "failover", "Primary": first,
                "Secondary": {"EndpointReference": secondary}}

    return {
        "AWSPolicyFormatVersion": "2015-10-01",
        "RecordType": "A",
        "StartRule": "by-country",
        "Endpoints": {
            "fr-a": ep("192.0.2.31"), "fr-b": ep("192.0.2.32"),
            "eu-1a": ep("192.0.2.11"), "eu-1b": ep("192.0.2.12"),
            "eu-2a": ep("192.0.2.13"), "eu-2b": ep("192.0.2.14"),
            "us-1a": ep("192.0.2.21"), "us-1b": ep("192.0.2.22"),
            "us-2a": ep("192.0.2.23"), "us-2b": ep("192.0.2.24"),
            "elsewhere": ep("192.0.2.99"),
        },
        "Rules": {
            "by-country": {"RuleType": "geo", "Locations": [
                {"Country": "FR", "RuleReference": "pool-fr"},
                {"Continent": "EU", "RuleReference": "pool-eu"},
                {"Country": "US", "RuleReference": "pool-us"},
                {"IsDefault": True, "EndpointReference": "elsewhere"},
            ]},
            "pool-fr": {"RuleType": "weighted", "Items": [
                {"Weight": "10", "RuleReference": "fo-fr"}]},
            "pool-eu": {"RuleType": "weighted", "Items": [
                {"Weight": "50", "RuleReference": "fo-eu1"},
                {"Weight": 50, "RuleReference": "fo-eu2"}]},
            "pool-us": {"RuleType": "weighted", "Items": [
                {"Weight": "1", "RuleReference": "fo-us1"},
                {"Weight": "1", "RuleReference": "fo-us2"}]},
            "fo-fr": failover("fr-a", "fr-b"),
            "fo-eu1": failover("eu-1a", "eu-1b"),
            "fo-eu2": failover("eu-2a", "eu-2b"),
            "fo-us1": failover("us-1a", "us-1b", health_check),
            "fo-us2": failover("us-2a", "us-2b"),
        },
    }


def malformed() -> list[tuple[str, dict[str, Any] | str, str]]:
    """(case, document, a phrase of the InvalidTrafficPolicyDocument message)."""
    base = geo_weighted_failover()
    out: list[tuple[str, dict[str, Any] | str, str]] = []

    def case(name: str, phrase: str, change: Any) -> None:
        doc = copy.deepcopy(base)
        change(doc)
        out.append((name, doc, phrase))

    case("unknown RuleType", "RuleType 'roundrobin' is not valid",
         lambda d: d["Rules"]["pool-us"].update(RuleType="roundrobin"))
    case("dangling EndpointReference", "references the endpoint 'nowhere', which is not defined",
         lambda d: d["Rules"]["fo-eu1"]["Secondary"].update(EndpointReference="nowhere"))
    case("dangling RuleReference", "references the rule 'pool-mars', which is not defined",
         lambda d: d["Rules"]["by-country"]["Locations"][0].update(RuleReference="pool-mars"))
    case("missing Primary", "a failover rule requires Primary",
         lambda d: d["Rules"]["fo-us2"].pop("Primary"))
    case("dangling StartRule", "StartRule references the rule 'nope'",
         lambda d: d.update(StartRule="nope"))
    case("both starts", "exactly one of StartEndpoint and StartRule",
         lambda d: d.update(StartEndpoint="elsewhere"))
    case("bad format version", "AWSPolicyFormatVersion '2012-10-17' is not supported",
         lambda d: d.update(AWSPolicyFormatVersion="2012-10-17"))
    case("value not of RecordType", "Value '2001:db8::1' is not a valid A value",
         lambda d: d["Endpoints"]["us-2b"].update(Value="2001:db8::1"))
    case("loop", "The rules by-country -> pool-fr -> fo-fr -> pool-fr form a loop",
         lambda d: d["Rules"]["fo-fr"].update(Secondary={"RuleReference": "pool-fr"}))
    case("weight out of range", "Weight must be an integer from 0 to 255",
         lambda d: d["Rules"]["pool-eu"]["Items"][0].update(Weight="300"))
    case("EvaluateTargetHealth not a boolean", "EvaluateTargetHealth must be true or false",
         lambda d: d["Rules"]["pool-us"]["Items"][1].update(EvaluateTargetHealth="maybe"))
    out.append(("not JSON", json.dumps(base)[:-3], "is not valid JSON"))
    return out
