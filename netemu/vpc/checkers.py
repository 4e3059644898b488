"""Route 53 health checkers on the emulated internet (``route53_health_checkers:``), pure.

Route 53's health checkers live on the internet, in several Regions, with addresses from the
ranges AWS publishes as ``ROUTE53_HEALTHCHECKS`` (the managed prefix list
``com.amazonaws.route53-healthchecks``). A topology that declares

```yaml
route53_health_checkers: {cidr: 15.177.0.0/18, regions: [us-east-1, eu-west-1, ap-southeast-1]}
```

(both keys optional: these are the defaults) gets one internet host per checker Region, named
``route53-checker-REGION`` (``trace --from route53-checker:REGION``), whose address is taken
from the CIDR (Region *i* at ``network + 64*i + 10``, each Region in its own /26 as AWS's
per-Region ranges are). Security group and network ACL rules see them as any internet client
(R180): a rule allows them by their CIDR, or an SG rule by
``prefix_list: route53-healthchecks``, which the loader replaces by the checkers' CIDR.

The loader calls ``read`` (the key's problems), then ``with_hosts`` (the checker hosts join
``internet.hosts``, prefix-list sources become CIDRs) before the shape pass, and ``attach`` on
the built topology. Nothing here opens a socket.
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from netemu.vpc.draft import Report
    from netemu.vpc.model import Topology

KEY = "route53_health_checkers"
PREFIX_LIST = "route53-healthchecks"   # the managed prefix list's short name in SG rules
DEFAULT_CIDR = "15.177.0.0/18"         # ROUTE53_HEALTHCHECKS, GLOBAL, in AWS's ip-ranges.json
DEFAULT_REGIONS = ("us-east-1", "eu-west-1", "ap-southeast-1")
HOST_PREFIX = "route53-checker-"
NODE_PREFIX = "route53-checker:"
STEP = 64                              # one /26 per checker Region


@dataclass(frozen=True, slots=True)
class CheckerHost:
    """One checker Region's host on the emulated internet."""

    region: str
    host: str      # the internet host's name (route53-checker-REGION)
    ip: str


@dataclass(frozen=True, slots=True)
class Checkers:
    cidr: str
    hosts: tuple[CheckerHost, ...]


def host_name(region: str) -> str:
    return f"{HOST_PREFIX}{region}"


def node_name(text: str) -> str:
    """``route53-checker:REGION`` (the trace form) -> the internet host's name; others as given."""
    if text.startswith(NODE_PREFIX):
        return host_name(text[len(NODE_PREFIX):])
    return text


def read(data: Any, report: Report) -> Checkers | None:
    """The ``route53_health_checkers`` key, or None when the topology has none."""
    if not isinstance(data, dict) or KEY not in data:
        return None
    raw = data[KEY] if data[KEY] is not None else {}
    if not isinstance(raw, dict) or set(raw) - {"cidr", "regions"}:
        report.add(KEY, "ValidationError", "route53_health_checkers is {cidr?, regions?}")
        return None
    cidr_text = raw.get("cidr", DEFAULT_CIDR)
    try:
        net = ipaddress.IPv4Network(str(cidr_text), strict=True)
    except ValueError:
        report.add(f"{KEY}.cidr", "InvalidParameterValue",
                   f"{cidr_text!r} is not an IPv4 CIDR block (e.g. {DEFAULT_CIDR})")
        return None
    regions = raw.get("regions", list(DEFAULT_REGIONS))
    if not isinstance(regions, list) or not regions or not all(
            isinstance(r, str) and r for r in regions) or len(set(regions)) != len(regions):
        report.add(f"{KEY}.regions", "ValidationError",
                   "regions is a list of distinct Region names (e.g. us-east-1)")
        return None
    if STEP * len(regions) > net.num_addresses:
        report.add(f"{KEY}.cidr", "InvalidParameterValue",
                   f"{net} has no room for {len(regions)} checker Regions (a /26 each)")
        return None
    hosts = tuple(CheckerHost(r, host_name(r), str(net.network_address + STEP * i + 10))
                  for i, r in enumerate(regions))
    return Checkers(str(net), hosts)


def with_hosts(data: Any, checkers: Checkers | None, report: Report) -> Any:
    """The raw topology with the checker hosts in ``internet.hosts`` (the SG rules'
    ``prefix_list: route53-healthchecks``: prefix_lists.rewrite)."""
    if not isinstance(data, dict):
        return data
    out = dict(data)
    if checkers is not None:
        inet = dict(out.get("internet") or {}) if isinstance(out.get("internet"), dict) else {}
        hosts = list(inet.get("hosts") or [])
        hosts += [{"name": h.host, "ip": h.ip} for h in checkers.hosts]
        out["internet"] = dict(inet, hosts=hosts)
    return out


def attach(topology: Topology, checkers: Checkers | None) -> Topology:
    from dataclasses import replace

    return topology if checkers is None else replace(topology, route53_checkers=checkers.hosts)
