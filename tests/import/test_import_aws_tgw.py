"""``netemu import aws`` of transit gateway VPN attachments and TGW peering attachments. The
snapshot (tests/import/data/tgw, AWS CLI output shapes) is VPC ``shared`` on TGW ``hub`` and VPC
``remote`` on TGW ``far``, the two TGWs joined by the peering attachment ``hub-far`` (static
routes on both sides), and two VPN connections to ``hub``: ``dc-vpn`` (BGP, its site's CIDR a
propagated route of table hub-main) and ``lab-vpn`` (static, reached by a static TGW route).
Imported, loaded, traced."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest

from netemu.vpc.aws_import import Document, import_ec2
from netemu.vpc.load import load_topology
from netemu.vpc.model import Topology
from netemu.vpc.trace import Flow, trace

DATA = Path(__file__).resolve().parent / "data" / "tgw"
PEERING = "describe-transit-gateway-peering-attachments.json"


def _texts() -> list[tuple[str, str]]:
    return [(str(p), p.read_text()) for p in sorted(DATA.rglob("*.json"))]


def _import(texts: list[tuple[str, str]]) -> Any:
    return import_ec2([Document(s, "us-east-1", json.loads(t)) for s, t in texts])


@pytest.fixture(scope="module")
def imported() -> dict[str, Any]:
    result = _import(_texts())
    assert result.problems == ()
    return dict(result.topology)


def _load(data: dict[str, Any]) -> Topology:
    data = copy.deepcopy(data)  # a snapshot knows no on-premises hosts: the user adds them
    for site, ip in (("dc", "10.70.1.10"), ("lab", "10.80.1.10")):
        s = next(x for x in data["on_premises"] if x["name"] == site)
        s["hosts"] = [{"name": f"{site}1", "ip": ip}]
    return load_topology(data, "imported.yaml")


def test_tgw_vpn_attachments_imported_and_traced(imported: dict[str, Any]) -> None:
    """V74, V76: a VPN connection to a TGW is a vpn_connections entry with transit_gateway, its
    attachment's association and propagations; a BGP site's CIDRs are the routes it propagated,
    a static one's its static routes; a static TGW route names the VPN connection."""
    assert imported["vpn_connections"] == [
        {"name": "dc-vpn", "site": "dc", "transit_gateway": "hub", "association": "hub-main",
         "propagations": ["hub-main"], "routing": "bgp"},
        {"name": "lab-vpn", "site": "lab", "transit_gateway": "hub", "association": "hub-main",
         "routing": "static", "static_routes": ["10.80.0.0/16"]}]
    assert [(s["name"], s["cidrs"]) for s in imported["on_premises"]] == [
        ("dc", ["10.70.0.0/16"]), ("lab", ["10.80.0.0/16"])]
    hub = imported["transit_gateways"][0]
    assert {"destination": "10.80.0.0/16", "attachment": "lab-vpn"} in hub["route_tables"][0][
        "routes"]
    assert not any(r["destination"] == "10.70.0.0/16" for r in hub["route_tables"][0]["routes"])
    ids = imported["aws_ids"]["vpn_connections"]
    assert ids == {"dc-vpn": "vpn-0d0c0000000000001", "lab-vpn": "vpn-0d0c0000000000002"}
    t = _load(imported)
    assert trace(t, Flow("dc1", "shared1", "tcp", 22)).reachable
    assert trace(t, Flow("shared1", "dc1", "tcp", 443)).reachable
    assert trace(t, Flow("shared1", "lab1", "tcp", 443)).reachable
    assert not trace(t, Flow("dc1", "shared1", "tcp", 443)).reachable  # the SG allows 22 only


def test_tgw_peering_attachment_imported_and_traced(imported: dict[str, Any]) -> None:
    """V175: the peering attachment is listed under both TGWs with the same name, each side
    with the association describe-transit-gateway-attachments gives it; static routes to it on
    both sides; shared1 reaches remote1 across the two TGWs and back."""
    hub, far = imported["transit_gateways"]
    assert hub["attachments"][-1] == {"name": "hub-far", "peer": {"transit_gateway": "far"},
                                      "association": "hub-main"}
    assert far["attachments"][-1] == {"name": "hub-far", "peer": {"transit_gateway": "hub"},
                                      "association": "far-main"}
    assert far["route_tables"][0]["routes"] == [{"destination": "10.1.0.0/16",
                                                 "attachment": "hub-far"}]
    assert imported["aws_ids"]["transit_gateway_attachments"]["hub-far"] == (
        "tgw-attach-0be0000000000000a")
    t = _load(imported)
    assert trace(t, Flow("shared1", "remote1", "tcp", 443)).reachable
    assert trace(t, Flow("remote1", "shared1", "tcp", 22)).reachable
    assert not trace(t, Flow("shared1", "remote1", "tcp", 22)).reachable  # remote's SG


def test_tgw_peering_pending_acceptance_carries_nothing() -> None:
    """V177: a peering attachment pendingAcceptance is imported with that state on both sides
    and carries nothing; one in another state, or whose peer TGW is not in the snapshot, is a
    note and the routes to it are notes too."""
    texts = _texts()
    for state, imported_state in (("pendingAcceptance", True), ("rejected", False)):
        changed = [(s, t.replace('"State": "available"', f'"State": "{state}"'))
                   if s.endswith(PEERING) else (s, t) for s, t in texts]
        result = _import(changed)
        assert result.problems == ()
        hub, far = result.topology["transit_gateways"]
        if imported_state:
            assert hub["attachments"][-1]["state"] == far["attachments"][-1]["state"] == state
            t = _load(result.topology)
            assert not trace(t, Flow("shared1", "remote1", "tcp", 443)).reachable
        else:
            assert [a["name"] for a in hub["attachments"]] == ["shared-att"]
            notes = [str(n) for n in result.notes]
            assert any(PEERING in n and f"state {state}" in n for n in notes), notes
            assert any("10.1.0.0/16" in n and "skipped" in n for n in notes), notes
            _load(result.topology)  # still loads: no route names the missing attachment
    lone = [(s, t) for s, t in texts
            if not s.endswith("describe-transit-gateways.json")]
    lone.append((str(DATA / "us-east-1" / "describe-transit-gateways.json"), json.dumps(
        {"TransitGateways": [g for g in json.loads(dict(texts)[str(
            DATA / "us-east-1" / "describe-transit-gateways.json")])["TransitGateways"]
            if g["TransitGatewayId"] == "tgw-00000000000000005"]})))
    result = _import(lone)
    assert any("tgw-00000000000000010 is not in the snapshot" in str(n) for n in result.notes)


def test_tgw_vpn_and_peering_malformed_input_is_reported() -> None:
    """Every field of the VPN and peering outputs replaced by each wrong JSON type: problems or
    notes, never a crash (bounded: one pass over those files' fields)."""
    texts = _texts()
    names = ("describe-vpn-connections", "peering-attachments",
             "describe-transit-gateway-attachments", "search-transit-gateway-routes")
    crashes: list[str] = []
    for n, (source, text) in enumerate(texts):
        if not any(k in source for k in names):
            continue
        for path in _paths(json.loads(text)):
            for bad in ("x", 7, [1], {"a": 1}, None):
                mutated = [json.loads(t) for _, t in texts]
                target: Any = mutated[n]
                for step in path[:-1]:
                    target = target[step]
                target[path[-1]] = bad
                try:
                    import_ec2([Document(s, "us-east-1", d)
                                for (s, _), d in zip(texts, mutated, strict=True)])
                except Exception as exc:  # noqa: BLE001 - the test is that nothing raises
                    crashes.append(f"{Path(source).name} {path} = {bad!r}: {exc!r}")
    assert not crashes, "\n".join(crashes[:20])


def _paths(obj: Any, prefix: tuple[Any, ...] = (), depth: int = 0) -> Any:
    if isinstance(obj, dict):
        for key, value in obj.items():
            yield (*prefix, key)
            if depth < 4:
                yield from _paths(value, (*prefix, key), depth + 1)
    elif isinstance(obj, list) and obj:
        for i, item in enumerate(obj):
            yield from _paths(item, (*prefix, i), depth + 1)


def test_tgw_vpn_skipped_takes_its_static_tgw_route_along() -> None:
    """V76: when a TGW VPN connection is skipped (its customer gateway has no IpAddress), the
    static TGW route to its attachment is a report line too, and the topology still loads."""
    texts = [(s, t.replace('"IpAddress": "198.51.100.40",', ""))
             if s.endswith("describe-customer-gateways.json") else (s, t) for s, t in _texts()]
    result = _import(texts)
    assert result.problems == ()
    assert [c["name"] for c in result.topology["vpn_connections"]] == ["dc-vpn"]
    hub = result.topology["transit_gateways"][0]
    assert all(r.get("attachment") != "lab-vpn" for r in hub["route_tables"][0]["routes"])
    notes = [str(n) for n in result.notes]
    assert any(n.endswith("describe-vpn-connections.json: vpn-0d0c0000000000002: skipped with"
                          " it: the static route 10.80.0.0/16 of transit gateway route table"
                          " hub-main to its attachment") for n in notes), notes
    data = copy.deepcopy(dict(result.topology))
    data["on_premises"][0]["hosts"] = [{"name": "dc1", "ip": "10.70.1.10"}]
    t = load_topology(data, "imported.yaml")
    assert trace(t, Flow("dc1", "shared1", "tcp", 22)).reachable
