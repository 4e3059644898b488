"""What Route 53 creates with every hosted zone, pure: an SOA and four NS records at the apex
(R5-R8), on name servers chosen deterministically per zone, and zone ids for files without one.
"""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Sequence

from netemu.route53.model import HostedZone, RecordSet

__all__ = ["NS_TTL", "PRIVATE_NS", "SOA_TAIL", "SOA_TTL", "default_name_servers",
           "default_records", "with_defaults", "zone_id_for"]

SOA_TTL = 900            # R6
NS_TTL = 172800          # R7
SOA_TAIL = "awsdns-hostmaster.amazon.com. 1 7200 900 1209600 86400"   # R6
PRIVATE_NS = ("ns-0.awsdns-00.com.", "ns-512.awsdns-00.net.", "ns-1024.awsdns-00.org.",
              "ns-1536.awsdns-00.co.uk.")                               # R8
NS_TLDS = ("com", "net", "org", "co.uk")                               # R7


def zone_id_for(name: str, private: bool) -> str:
    """A deterministic Route 53-like id (``Z`` + 20 characters) for a zone without ``Id``."""
    digest = hashlib.sha256(f"{name}|{'private' if private else 'public'}".encode()).digest()
    return "Z" + base64.b32encode(digest).decode()[:20]


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


def with_defaults(zone: HostedZone, records: Sequence[RecordSet],
                  name_servers: Sequence[str] = ()) -> list[RecordSet]:
    """R5-R8: ``records`` after one SOA and four NS at the apex when they have none."""
    have = {r.type for r in records if r.name == zone.name}
    servers = default_name_servers(zone) if not name_servers else tuple(
        n if n.endswith(".") else n + "." for n in name_servers)
    extra: list[RecordSet] = []
    if "SOA" not in have:
        mname = "ns-1536.awsdns-00.co.uk." if zone.private else servers[0]
        extra.append(RecordSet(zone.name, "SOA", SOA_TTL, (f"{mname} {SOA_TAIL}",)))
    if "NS" not in have:
        extra.append(RecordSet(zone.name, "NS", NS_TTL, servers))
    return extra + list(records)


def default_records(zone: HostedZone, name_servers: Sequence[str] = ()) -> list[RecordSet]:
    """The default SOA and NS of a new zone (R5-R8)."""
    return with_defaults(zone, [], name_servers)
