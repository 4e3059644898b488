"""Transit gateway peering attachments (V175-V177). PURE.

In a topology file a peering attachment is an entry of ``transit_gateways[].attachments`` with
``peer`` instead of ``vpc``/``subnets``, listed under both transit gateways with the same name
(AWS shows the one attachment to both owners)::

  transit_gateways:
    - name: east
      attachments:
        - {name: east-west, peer: {transit_gateway: west, region: us-west-2},
           association: to-west, state: available}      # or pendingAcceptance
    - name: west
      attachments:
        - {name: east-west, peer: {transit_gateway: east}, association: to-east}

Rules (AWS's Transit Gateway guide, "Transit gateway peering attachments"):
- the peer transit gateway exists and lists the attachment back (V175);
- a peering attachment takes **static routes only**: it propagates nothing, so ``propagations``
  on it is refused (V176); each side needs a static route to it and its own association;
- until the accepter accepts it (``state: pendingAcceptance``) it carries nothing (V177).

The loader takes these entries out before the VPC attachments are read (``read``), checks them
against the transit gateways (``check``) and adds them to the model (``attach``).
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, replace
from typing import Any

from netemu.vpc.draft import Report
from netemu.vpc.model import TgwPeering, Topology
from netemu.vpc.shape import KEYS as SHAPE

KEYS = {k for part in SHAPE["tgw_peering_attachment"] for k in part}
PEER_KEYS = {k for part in SHAPE["tgw_peer"] for k in part}
STATES = ("available", "pendingAcceptance")


@dataclass(frozen=True, slots=True)
class Entry:
    tgw: str
    path: str
    peering: TgwPeering
    propagations: bool


def read(data: Any, report: Report) -> tuple[Any, list[Entry]]:
    """(the data without the peering entries, the entries); refusals of their shape."""
    if not isinstance(data, dict) or not isinstance(data.get("transit_gateways"), list):
        return data, []
    if not any(isinstance(a, dict) and "peer" in a
               for t in data["transit_gateways"] if isinstance(t, dict)
               for a in (t.get("attachments") or []) if isinstance(t.get("attachments"), list)):
        return data, []
    data = copy.deepcopy(data)
    out: list[Entry] = []
    for t in data["transit_gateways"]:
        if not isinstance(t, dict) or not isinstance(t.get("attachments"), list):
            continue
        kept = []
        for a in t["attachments"]:
            if isinstance(a, dict) and "peer" in a:
                entry = _entry(str(t.get("name")), a, report)
                if entry is not None:
                    out.append(entry)
            else:
                kept.append(a)
        t["attachments"] = kept
    return data, out


def _entry(tgw: str, a: dict[str, Any], report: Report) -> Entry | None:
    path = f"transit_gateways[{tgw}].attachments[{a.get('name')}]"
    bad = sorted(set(a) - KEYS)
    if bad:
        report.add(f"{path}.{bad[0]}", "InvalidParameter",
                   f"unknown key {bad[0]!r} for a peering attachment (keys: {sorted(KEYS)})")
        return None
    name, peer = a.get("name"), a.get("peer")
    if not isinstance(name, str) or not name:
        report.add(f"{path}.name", "MissingParameter", "a peering attachment needs a name")
        return None
    if isinstance(peer, str):
        peer = {"transit_gateway": peer}
    if not isinstance(peer, dict) or set(peer) - PEER_KEYS or not isinstance(
            peer.get("transit_gateway"), str):
        report.add(f"{path}.peer", "InvalidParameterValue",
                   "peer is a transit gateway name or {transit_gateway, region?} (V175)")
        return None
    state = a.get("state", "available")
    if state not in STATES:
        report.add(f"{path}.state", "InvalidParameterValue",
                   f"state {state!r}: a peering attachment is available or pendingAcceptance"
                   " (V177)")
        return None
    assoc = a.get("association")
    if assoc is not None and not isinstance(assoc, str):
        report.add(f"{path}.association", "InvalidParameterValue", "a route table name")
        return None
    region = peer.get("region")
    return Entry(tgw, path, TgwPeering(name, peer["transit_gateway"],
                                       str(region) if region else None, assoc, state),
                 bool(a.get("propagations")))


def names_of(entries: list[Entry], tgw: str) -> list[str]:
    """The peering attachments of ``tgw``: a static route may name them."""
    return [e.peering.name for e in entries if e.tgw == tgw]


def check(entries: list[Entry], tgws: dict[str, set[str]], report: Report) -> None:
    """``tgws``: transit gateway name -> its route tables."""
    sides = {(e.tgw, e.peering.name): e for e in entries}
    for e in entries:
        pa = e.peering
        if e.propagations:  # V176
            report.add(f"{e.path}.propagations", "InvalidParameterValue",
                       f"{pa.name} is a transit gateway peering attachment: it supports static"
                       " routes only, no route propagation (V176)")
        if pa.peer == e.tgw:
            report.add(f"{e.path}.peer", "InvalidParameterValue",
                       f"transit gateway {e.tgw} cannot peer with itself (V175)")
            continue
        if pa.peer not in tgws:
            report.add(f"{e.path}.peer", "InvalidTransitGatewayID.NotFound",
                       f"Transit Gateway {pa.peer} was deleted or does not exist (V175)")
            continue
        if pa.association is not None and pa.association not in tgws[e.tgw]:
            report.add(f"{e.path}.association", "InvalidRouteTableID.NotFound",
                       f"The transitGatewayRouteTable ID '{pa.association}' does not exist")
        other = sides.get((pa.peer, pa.name))
        if other is None or other.peering.peer != e.tgw:
            report.add(f"{e.path}.peer", "InvalidTransitGatewayAttachmentID.NotFound",
                       f"transit gateway {pa.peer} has no peering attachment {pa.name} back to"
                       f" {e.tgw}: list it under both transit gateways (V175)")
        elif other.peering.state != pa.state:
            report.add(f"{e.path}.state", "InvalidParameterValue",
                       f"{pa.name} is {pa.state} here and {other.peering.state} at {pa.peer}:"
                       " one attachment has one state (V177)")


def attach(topology: Topology, entries: list[Entry]) -> Topology:
    if not entries:
        return topology
    return replace(topology, transit_gateways=tuple(
        replace(t, peerings=tuple(e.peering for e in entries if e.tgw == t.name))
        for t in topology.transit_gateways))
