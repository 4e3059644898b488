"""Transit gateway peering attachments in topology files and in trace (V175-V177)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from netemu.errors import LoadError
from netemu.vpc.load import load_topology
from netemu.vpc.trace import Flow, trace
from tests.vpc.tgw_peering_topo import side, spec, table


def test_peered_tgws_route_by_static_routes_on_both_sides_V175_V176() -> None:
    """A VPC on TGW east reaches a VPC on TGW west across the peering attachment: east's static
    route sends it across (V176), west's table (its side's association) takes it on (V175)."""
    t = load_topology(spec(), "peering")
    assert [pa.peer for pa in t.transit_gateways[0].peerings] == ["west"]
    tr = trace(t, Flow("a1", "b1", "tcp", 443))
    assert tr.reachable
    cross = [h for h in tr.hops if h.component == "transit-gateway-peering-attachment"]
    assert len(cross) == 1 and "from transit gateway east to west in us-west-2" in cross[0].reason
    tables = [h.rule for h in tr.hops if h.component == "transit-gateway-route-table"]
    assert tables == ["10.72.0.0/16 -> east-west (static)", "10.72.0.0/16 -> b-att (propagated)"]


def test_without_the_peer_sides_static_route_the_reply_is_lost_V176() -> None:
    """Peering attachments propagate nothing (V176): without west's static route back, the
    reply finds no route in west's table."""
    data = spec()
    table(data, "west")["routes"] = []
    tr = trace(load_topology(data, "peering"), Flow("a1", "b1", "tcp", 443))
    assert not tr.reachable
    assert [b.path for b in tr.blockers] == ["return"]
    assert tr.blockers[0].code == "TGW_RTB_NO_ROUTE_TO_TGW_ATTACHMENT"
    assert "DISCONNECTED_VPCS" not in tr.explanations  # the peering connects them (V175)


def test_pending_acceptance_carries_nothing_V177() -> None:
    data = spec()
    side(data, "east")["state"] = side(data, "west")["state"] = "pendingAcceptance"
    tr = trace(load_topology(data, "peering"), Flow("a1", "b1", "tcp", 443))
    assert not tr.reachable
    (stop,) = [h for h in tr.hops if h.decision == "deny"]
    assert stop.component == "transit-gateway-peering-attachment"
    assert "pendingAcceptance" in stop.reason and "(V177)" in stop.reason


def _propagates(d: dict[str, Any]) -> None:
    side(d, "east")["propagations"] = ["main"]


def _one_sided(d: dict[str, Any]) -> None:
    west = next(x for x in d["transit_gateways"] if x["name"] == "west")
    west["attachments"] = west["attachments"][:1]
    table(d, "west")["routes"] = []


def _unknown_peer(d: dict[str, Any]) -> None:
    side(d, "east")["peer"] = {"transit_gateway": "nowhere"}


def _self(d: dict[str, Any]) -> None:
    side(d, "east")["peer"] = "east"


def _bad_state(d: dict[str, Any]) -> None:
    side(d, "east")["state"] = "accepted"


def _states_differ(d: dict[str, Any]) -> None:
    side(d, "east")["state"] = "pendingAcceptance"


def _unknown_table(d: dict[str, Any]) -> None:
    side(d, "east")["association"] = "nope"


REFUSALS: list[tuple[str, Callable[[dict[str, Any]], None], str, str]] = [
    ("propagation", _propagates, "transit_gateways[east].attachments[east-west].propagations",
     "InvalidParameterValue"),
    ("one side only", _one_sided, "transit_gateways[east].attachments[east-west].peer",
     "InvalidTransitGatewayAttachmentID.NotFound"),
    ("unknown peer", _unknown_peer, "transit_gateways[east].attachments[east-west].peer",
     "InvalidTransitGatewayID.NotFound"),
    ("itself", _self, "transit_gateways[east].attachments[east-west].peer",
     "InvalidParameterValue"),
    ("unknown state", _bad_state, "transit_gateways[east].attachments[east-west].state",
     "InvalidParameterValue"),
    ("states differ", _states_differ, "transit_gateways[east].attachments[east-west].state",
     "InvalidParameterValue"),
    ("unknown table", _unknown_table,
     "transit_gateways[east].attachments[east-west].association", "InvalidRouteTableID.NotFound"),
]


@pytest.mark.parametrize(("case", "change", "item", "code"), REFUSALS,
                         ids=[r[0] for r in REFUSALS])
def test_peering_attachment_refused_V175_V176_V177(
        case: str, change: Callable[[dict[str, Any]], None], item: str, code: str) -> None:
    """What AWS refuses (V175: a peer that exists, not itself, both sides; V176: no
    propagation from a peering attachment; V177: available or pendingAcceptance)."""
    data = spec()
    change(data)
    with pytest.raises(LoadError) as e:
        load_topology(data, "peering")
    found = {(p.item, p.code) for p in e.value.problems}
    assert (item, code) in found, f"{case}: {sorted(found)}"


def test_reachability_analyzer_names_the_peering_attachment_once_V175() -> None:
    """In the Reachability Analyzer format the peering hop is the transit-gateway-attachment
    the static route names: one id for the one attachment (V175)."""
    from netemu.vpc.reachability import analysis, resource_id

    t = load_topology(spec(), "peering")
    out = analysis(t, trace(t, Flow("a1", "b1", "tcp", 443)), "2026-01-01T00:00:00Z")
    text = str(out)
    rid = resource_id("transit-gateway-attachment", "east-west")
    assert resource_id("transit-gateway-peering-attachment", "east-west") == rid
    assert f"transit-gateway-attachment/{rid}" in text and f"'AttachmentId': '{rid}'" in text
