"""A VPC on transit gateway east and one on transit gateway west, peered (V175-V177)."""

from __future__ import annotations

import copy
from typing import Any

SPEC: dict[str, Any] = {
    "region": "us-east-1",
    "vpcs": [
        {"name": n, "cidr_blocks": [f"10.{i}.0.0/16"],
         "subnets": [{"name": f"{n}1", "cidr": f"10.{i}.1.0/24", "az": "us-east-1a",
                      "route_table": "r"}],
         "route_tables": [{"name": "r", "routes": [
             {"destination": "10.0.0.0/8", "target": {"transit_gateway": tgw}}]}],
         "security_groups": [{"name": "s", "ingress": [
             {"protocol": "tcp", "ports": 443, "cidr": "10.0.0.0/8"}]}],
         "instances": [{"name": f"{n}1", "subnet": f"{n}1", "private_ip": f"10.{i}.1.10",
                        "security_groups": ["s"]}]}
        for n, i, tgw in (("a", 71, "east"), ("b", 72, "west"))
    ],
    "transit_gateways": [
        {"name": "east",
         "route_tables": [{"name": "main", "routes": [
             {"destination": "10.72.0.0/16", "attachment": "east-west"}]}],
         "attachments": [
             {"name": "a-att", "vpc": "a", "subnets": ["a1"], "association": "main",
              "propagations": ["main"]},
             {"name": "east-west", "peer": {"transit_gateway": "west", "region": "us-west-2"},
              "association": "main"}]},
        {"name": "west",
         "route_tables": [{"name": "main", "routes": [
             {"destination": "10.71.0.0/16", "attachment": "east-west"}]}],
         "attachments": [
             {"name": "b-att", "vpc": "b", "subnets": ["b1"], "association": "main",
              "propagations": ["main"]},
             {"name": "east-west", "peer": "east", "association": "main"}]},
    ],
}


def spec() -> dict[str, Any]:
    return copy.deepcopy(SPEC)


def side(data: dict[str, Any], tgw: str) -> dict[str, Any]:
    """``tgw``'s entry for the peering attachment."""
    t = next(x for x in data["transit_gateways"] if x["name"] == tgw)
    return next(a for a in t["attachments"] if "peer" in a)  # type: ignore[no-any-return]


def table(data: dict[str, Any], tgw: str) -> dict[str, Any]:
    t = next(x for x in data["transit_gateways"] if x["name"] == tgw)
    return t["route_tables"][0]  # type: ignore[no-any-return]
