"""Route 53's XML (2013-04-01) in and out: requests parsed safely (defusedxml: no DTDs, no
entity expansion; at most ``MAX_DEPTH`` levels of nesting; the HTTP layer caps the size),
responses built from plain mappings."""

from __future__ import annotations

from typing import Any
from xml.etree.ElementTree import Element, SubElement, tostring

from defusedxml import ElementTree as SafeTree

NS = "https://route53.amazonaws.com/doc/2013-04-01/"

# list element -> item element, in requests and responses
LISTS = {
    "Changes": "Change", "ResourceRecords": "ResourceRecord", "NameServers": "NameServer",
    "Regions": "Region", "ChildHealthChecks": "ChildHealthCheck", "AddTags": "Tag",
    "RemoveTagKeys": "Key", "CidrList": "Cidr", "ResetElements": "ResettableElementName",
    "HostedZones": "HostedZone", "ResourceRecordSets": "ResourceRecordSet",
    "HealthChecks": "HealthCheck", "HealthCheckObservations": "HealthCheckObservation",
    "Tags": "Tag", "VPCs": "VPC", "HostedZoneSummaries": "HostedZoneSummary",
    "RecordData": "RecordDataEntry", "ResourceTagSets": "ResourceTagSet",
    "CidrCollections": "member", "CidrBlocks": "member", "CidrLocations": "member",
    "Messages": "Message",
    "TrafficPolicySummaries": "TrafficPolicySummary", "TrafficPolicies": "TrafficPolicy",
    "TrafficPolicyInstances": "TrafficPolicyInstance",
}


MAX_DEPTH = 32   # Route 53's deepest request (a change batch's GeoProximityLocation) has 8


class BadXml(ValueError):
    """The body is not well-formed (or forbidden) XML."""


def _local(tag: str) -> str:
    return tag.rpartition("}")[2]


def _convert(el: Element) -> Any:
    children = list(el)
    if not children:
        return [] if _local(el.tag) in LISTS and not (el.text or "").strip() else (el.text or "")
    if _local(el.tag) in LISTS:
        return [_convert(c) for c in children]
    return {_local(c.tag): _convert(c) for c in children}


def parse(body: bytes) -> tuple[str, dict[str, Any]]:
    """(root element name, its content as nested mappings and lists of strings)."""
    try:
        root = SafeTree.fromstring(body, forbid_dtd=True, forbid_entities=True,
                                   forbid_external=True)
    except Exception as exc:  # noqa: BLE001 - defusedxml raises several kinds: all refuse it
        raise BadXml(f"the request body is not acceptable XML: {exc}") from None
    _check_depth(root)
    content = _convert(root)
    return _local(root.tag), content if isinstance(content, dict) else {}


def _check_depth(root: Element) -> None:
    """Refuse nesting deeper than MAX_DEPTH (converting it would exhaust the stack)."""
    level: list[Element] = [root]
    for _ in range(MAX_DEPTH):
        level = [child for el in level for child in el]
        if not level:
            return
    raise BadXml(f"the request body nests elements more than {MAX_DEPTH} levels deep")


def _text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _emit(parent: Element, tag: str, value: Any) -> None:
    if value is None:
        return
    el = SubElement(parent, tag)
    if isinstance(value, dict):
        for key, item in value.items():
            _emit(el, key, item)
    elif isinstance(value, (list, tuple)):
        item_tag = LISTS.get(tag, "member")
        for item in value:
            _emit(el, item_tag, item)
    else:
        el.text = _text(value)


def render(root: str, content: dict[str, Any]) -> bytes:
    """``<root xmlns=NS>...</root>`` with an XML declaration."""
    el = Element(root, xmlns=NS)
    for key, value in content.items():
        _emit(el, key, value)
    return b'<?xml version="1.0" encoding="UTF-8"?>\n' + tostring(el, encoding="utf-8")


__all__ = ["LISTS", "NS", "BadXml", "parse", "render"]
