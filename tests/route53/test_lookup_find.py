"""Where a name lands in a zone (lookup.find), table-driven: RFC 1034 4.3.2 and RFC 4592 as
docs/behaviour.md R10 and R17-R21 describe them."""

from __future__ import annotations

import pytest

from netemu.route53 import lookup, names
from netemu.route53.load import load_zone_text

ZONE = r"""
HostedZone: {Name: example.com}
ResourceRecordSets:
  - {Name: "*.example.com", Type: A, TTL: 1, ResourceRecords: [{Value: 192.0.2.1}]}
  - {Name: host.a.b.example.com, Type: A, TTL: 1, ResourceRecords: [{Value: 192.0.2.2}]}
  - {Name: "*.w.example.com", Type: TXT, TTL: 1, ResourceRecords: [{Value: '"w"'}]}
  - {Name: "x.*.example.com", Type: A, TTL: 1, ResourceRecords: [{Value: 192.0.2.3}]}
  - {Name: "lit*.example.com", Type: A, TTL: 1, ResourceRecords: [{Value: 192.0.2.4}]}
  - {Name: cut.example.com, Type: NS, TTL: 1, ResourceRecords: [{Value: ns.other.org}]}
  - {Name: deep.cut.example.com, Type: A, TTL: 1, ResourceRecords: [{Value: 192.0.2.5}]}
"""
(ZONE_SET,) = [load_zone_text(ZONE)]
COMPILED = lookup.compile_zone(ZONE_SET.zones[0], ZONE_SET)

CASES = [
    # (item, qname, qtype, kind, node that answers, wildcard)
    ("exact name", "host.a.b.example.com", "A", lookup.FOUND, "host.a.b.example.com.", False),
    ("R10 empty non-terminal", "a.b.example.com", "A", lookup.NODATA, None, False),
    ("R10 empty non-terminal two up", "b.example.com", "A", lookup.NODATA, None, False),
    ("R19 below an ENT's sibling uses the wildcard", "zz.example.com", "A", lookup.FOUND,
     "\\052.example.com.", True),
    ("R19 closest encloser is an ENT: no wildcard there", "q.b.example.com", "A",
     lookup.NXDOMAIN, None, False),
    ("R19 wildcard at a deeper name", "a.b.c.w.example.com", "TXT", lookup.FOUND,
     "\\052.w.example.com.", True),
    ("R17 '*' inside a label is literal", "lit*.example.com", "A", lookup.FOUND,
     "lit\\052.example.com.", False),
    ("R17 a query for '*' itself is the wildcard node", "*.example.com", "A", lookup.FOUND,
     "\\052.example.com.", False),
    ("RFC 4592 2.2.1: the wildcard with descendants", "y.*.example.com", "A",
     lookup.NXDOMAIN, None, False),
    ("R20 the apex exists", "example.com", "MX", lookup.FOUND, "example.com.", False),
    ("delegation below the cut", "deep.cut.example.com", "A", lookup.DELEGATION,
     "cut.example.com.", False),
    ("delegation at the cut", "cut.example.com", "A", lookup.DELEGATION, "cut.example.com.",
     False),
    ("DS at the cut stays in the parent", "cut.example.com", "DS", lookup.FOUND,
     "cut.example.com.", False),
]


@pytest.mark.parametrize("item,qname,qtype,kind,node,wildcard", CASES, ids=[c[0] for c in CASES])
def test_find(item, qname, qtype, kind, node, wildcard) -> None:
    got = lookup.find(COMPILED, names.parse(qname), qtype)
    assert got.kind == kind
    assert (got.node.name if got.node else None) == node
    assert got.wildcard == wildcard
    if kind == lookup.FOUND:
        assert got.owner == names.parse(qname)   # wildcard answers are owned by the query name


def test_negative_ttl_r9() -> None:
    assert COMPILED.negative_ttl == 900          # min(SOA TTL 900, minimum 86400)
