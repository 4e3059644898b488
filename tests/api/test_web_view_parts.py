"""The web view's parts without a browser: the query log it keeps (the real DNS handler's log
lines, with the record set that answered and why) and where it finds the topology to draw."""

from __future__ import annotations

import logging
import random
from pathlib import Path

import dns.message

from netemu.api.ui import QueryRing, WebUi
from netemu.dataplane.state import State
from netemu.dns.handler import QUERY_LOG, build_serving, handle
from netemu.route53.load import load_zone_text
from tests.helpers import ROOT

ZONE = """\
HostedZone: {Name: parts.example.}
ResourceRecordSets:
  - {Name: w.parts.example., Type: A, SetIdentifier: blue, Weight: 1, TTL: 60,
     ResourceRecords: [{Value: 192.0.2.7}]}
  - {Name: w.parts.example., Type: A, SetIdentifier: green, Weight: 0, TTL: 60,
     ResourceRecords: [{Value: 192.0.2.8}]}
"""


def test_query_ring_keeps_which_record_set_answered_and_why_R47() -> None:
    """A weighted set with weight 0 is never chosen while another has weight (R47): the kept
    query says the set that answered (blue), the draw, and the answer."""
    serving = build_serving(load_zone_text(ZONE))
    ring = QueryRing(size=3)
    ring.install()
    level = QUERY_LOG.level
    QUERY_LOG.setLevel(logging.INFO)
    try:
        for _ in range(4):
            wire = dns.message.make_query("w.parts.example.", "A").to_wire()
            assert handle(wire, ("127.0.0.9", 5353), serving, random.Random(1)) is not None
        handle(dns.message.make_query("nope.parts.example.", "A").to_wire(),
               ("127.0.0.9", 5353), serving)
    finally:
        ring.remove()
        QUERY_LOG.setLevel(level)
    assert len(ring.queries) == 3      # bounded: the last three
    last = ring.queries[-1]
    assert (last.client, last.qname, last.qtype, last.rcode) == (
        "127.0.0.9#5353", "nope.parts.example.", "A", "NXDOMAIN")
    hit = ring.queries[-2]
    assert hit.rcode == "NOERROR" and "w.parts.example. A [blue]" in hit.why
    assert "192.0.2.7" in hit.why and "[green]" not in hit.why.split("answer:")[1]


def test_topology_from_the_apply_state_or_the_option(tmp_path: Path) -> None:
    ring = QueryRing()
    three = ROOT / "topologies" / "three-tier.yaml"
    ui = WebUi(lambda: None, lambda: None, ring, str(tmp_path))
    assert ui.applied_topology() is None              # nothing applied
    State(tmp_path / "state.json", "netemu-t-", str(three), {}).save()
    assert ui.applied_topology() is None              # destroyed: no namespaces left
    State(tmp_path / "state.json", "netemu-t-", str(three),
          {"netemu-t-web1": {"status": "configured"}}).save()
    found = ui.applied_topology()
    assert found is not None and found[0] == str(three)
    assert {v.name for v in found[1].vpcs} == {"shop"}
    peering = ROOT / "topologies" / "peering.yaml"
    chosen = WebUi(lambda: None, lambda: None, ring, str(tmp_path), peering).applied_topology()
    assert chosen is not None and chosen[0] == str(peering)
