"""Route 53, pure: hosted zones, record sets, health checks and routing policies as plain values.

No sockets, no asyncio, no clock or global randomness: time, randomness, health and the client's
location are arguments. Edges (``netemu.dns``, ``netemu.health``, ``netemu.api``) call in.

The public API (``__all__``): load and validate zone files into the frozen model
(``load_zone_files``), compile a ZoneSet once (``compile_zones``) and answer a question from it
(``answer``), the health snapshot the answers depend on, and Route 53's escaped form of a value
(``render_value``). Modules such as ``rules``, ``readers``, ``rdata``, ``policies`` and
``health`` are importable for their single rules, but the names below are the supported surface.
"""

from netemu.route53.answer import Answer, Question, Rcode, RRsetRef
from netemu.route53.client import ClientContext
from netemu.route53.engine import answer
from netemu.route53.health import ALL_HEALTHY, HealthSnapshot
from netemu.route53.load import load_zone_files, load_zone_text
from netemu.route53.lookup import CompiledZones, compile_zones
from netemu.route53.model import (
    AliasTarget,
    CidrCollection,
    HealthCheck,
    HealthCheckConfig,
    HostedZone,
    RecordSet,
    VpcAssociation,
    ZoneSet,
)
from netemu.route53.rdata import render as render_value

__all__ = [
    "ALL_HEALTHY",
    "AliasTarget",
    "Answer",
    "CidrCollection",
    "ClientContext",
    "CompiledZones",
    "HealthCheck",
    "HealthCheckConfig",
    "HealthSnapshot",
    "HostedZone",
    "Question",
    "RRsetRef",
    "Rcode",
    "RecordSet",
    "VpcAssociation",
    "ZoneSet",
    "answer",
    "compile_zones",
    "load_zone_files",
    "load_zone_text",
    "render_value",
]
