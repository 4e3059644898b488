"""The topology's ``aws_ids``: the AWS id of each named item, so that a trace of an imported
account names the ids beside the names (``netemu import aws`` writes them).

Name: aws_ids
Behaviour: ``aws_ids: {KIND: {NAME: ID}}`` with KIND one of ``KINDS``; NAME is the item's
  topology name (internet gateways and egress-only internet gateways: their VPC's name). A name
  that no item of the kind has is ``InvalidParameterValue`` (the file and its ids have drifted
  apart). ``lookup`` maps a trace hop (component, name) to the id.
"""

from __future__ import annotations

from typing import Any

from netemu.vpc.draft import DTopology, Report

__all__ = ["KINDS", "check", "lookup", "read"]

# aws_ids kind -> the trace hop component it names
KINDS = {
    "vpcs": "vpc", "subnets": "subnet", "route_tables": "route-table",
    "network_acls": "network-acl", "security_groups": "security-group",
    "instances": "instance", "nat_gateways": "nat-gateway", "peerings": "peering-connection",
    "internet_gateways": "internet-gateway",
    "egress_only_internet_gateways": "egress-only-internet-gateway",
    "transit_gateways": "transit-gateway",
    "transit_gateway_attachments": "transit-gateway-attachment",
    "transit_gateway_route_tables": "transit-gateway-route-table",
    # issue 16 (aws_import_extras): an ENI is an instances entry; the other kinds' names live
    # outside the VPCs and are not cross-checked here (their own loaders check the names)
    "network_interfaces": "instance", "vpc_endpoints": "vpc-endpoint",
    "prefix_lists": "prefix-list", "vpn_gateways": "vpn-gateway",
    "vpn_connections": "vpn-connection", "customer_gateways": "customer-gateway",
    "elastic_ips": "elastic-ip",
}
_UNCHECKED = ("vpc_endpoints", "prefix_lists", "vpn_gateways", "vpn_connections",
              "customer_gateways", "elastic_ips")
_SUFFIX = {"internet_gateways": "-igw", "egress_only_internet_gateways": "-eigw"}


def read(data: Any, report: Report) -> tuple[tuple[str, str, str], ...]:
    """The ``aws_ids`` of a parsed topology, as (kind, name, id) triples; problems reported."""
    raw = data.get("aws_ids") if isinstance(data, dict) else None
    if raw is None:
        return ()
    if not isinstance(raw, dict):
        report.add("aws_ids", "InvalidParameterValue", "expected a mapping of kinds")
        return ()
    out: list[tuple[str, str, str]] = []
    for kind, names in raw.items():
        if kind not in KINDS:
            report.add(f"aws_ids.{kind}", "UnknownParameter",
                       f"unknown key {kind!r} (allowed: {', '.join(KINDS)})")
            continue
        if not isinstance(names, dict):
            report.add(f"aws_ids.{kind}", "InvalidParameterValue", "expected {NAME: ID}")
            continue
        for name, ident in names.items():
            if not isinstance(ident, str) or not ident:
                report.add(f"aws_ids.{kind}.{name}", "InvalidParameterValue",
                           f"expected an AWS id string, got {ident!r}")
                continue
            out.append((kind, str(name), ident))
    return tuple(out)


def check(ids: tuple[tuple[str, str, str], ...], draft: DTopology, report: Report) -> None:
    """Every name in ``aws_ids`` is an item of its kind."""
    known: dict[str, set[str]] = {k: set() for k in KINDS}
    for v in draft.vpcs:
        known["vpcs"].add(v.name)
        known["internet_gateways"].add(v.name)
        known["egress_only_internet_gateways"].add(v.name)
        for attr in ("subnets", "route_tables", "network_acls", "security_groups", "instances",
                     "nat_gateways"):
            known[attr].update(x.name for x in getattr(v, attr))
        known["network_interfaces"].update(x.name for x in v.instances)
    known["peerings"].update(p.name for p in draft.peerings)
    for t in draft.transit_gateways:
        known["transit_gateways"].add(t.name)
        known["transit_gateway_attachments"].update(a.name for a in t.attachments)
        # peering attachments (and VPN connections) a static route may name (load.py)
        known["transit_gateway_attachments"].update(t.other_attachments)
        known["transit_gateway_route_tables"].update(rt.name for rt in t.route_tables)
    for kind, name, _ in ids:
        if kind not in _UNCHECKED and name not in known[kind]:
            report.add(f"aws_ids.{kind}.{name}", "InvalidParameterValue",
                       f"no {kind[:-1].replace('_', ' ')} is named {name!r}")


def lookup(ids: tuple[tuple[str, str, str], ...], component: str, name: str) -> str | None:
    """The AWS id of a trace hop (``Hop.component``, ``Hop.name``), or None."""
    for kind, item, ident in ids:
        if KINDS[kind] == component and item + _SUFFIX.get(kind, "") == name:
            return ident
    return None
