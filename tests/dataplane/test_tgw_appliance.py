"""V78 on real packets: a transit gateway delivers to a VPC attachment in the zone the packet
entered it in, so a flow between two zones crosses a two-zone inspection VPC through one
firewall going and the other coming back; with appliance mode on the inspection attachment, the
flow hash picks one firewall for both directions.

The shipped topologies/tgw-inspection.yaml is applied twice (appliance mode on, and off), and
the firewall instances are made stateful the way a real inspection appliance is (an nftables
forward chain inside each firewall's namespace: what is not a reply to a request it forwarded,
or a new TCP connection's SYN, is dropped). Each flow is checked three ways: AWS's expected
verdict, ``vpc.trace`` (which firewall each direction crosses) and real packets."""

from __future__ import annotations

import subprocess
from collections.abc import Callable
from typing import Any

import pytest
import yaml

from netemu.dataplane import names
from netemu.vpc import appliance
from netemu.vpc.load import load_topology
from netemu.vpc.model import Topology
from netemu.vpc.trace import Flow, Trace, trace
from tests.dataplane.conftest import Deployment
from tests.dataplane.probe import probe
from tests.helpers import ROOT

pytestmark = pytest.mark.netns

SHIPPED = ROOT / "topologies" / "tgw-inspection.yaml"
FIREWALLS = ("fw-a", "fw-b")
# A stateful firewall: replies only to what it forwarded; new connections only from a SYN.
STATEFUL = f"""table ip {names.NFT_TABLE_PREFIX}appliance {{
\tchain forward {{
\t\ttype filter hook forward priority filter; policy drop;
\t\tct state established,related accept
\t\tct state new tcp flags & (syn | ack) == syn accept
\t}}
}}
"""
# (source, destination, port): both cross from one zone to the other
FLOWS = [("app1", "db1", 5432), ("db1", "app1", 443)]


def inspection(appliance_mode: bool) -> Topology:
    data: dict[str, Any] = yaml.safe_load(SHIPPED.read_text())
    att = next(a for a in data["transit_gateways"][0]["attachments"]
               if a["name"] == "inspection-att")
    att["appliance_mode"] = appliance_mode
    return load_topology(data, f"tgw-inspection (appliance mode {appliance_mode})")


def _stateful(dep: Deployment) -> Deployment:
    for fw in FIREWALLS:
        subprocess.run(["ip", "netns", "exec", dep.node_ns(f"inspection/{fw}"), "nft", "-f", "-"],
                       input=STATEFUL, text=True, check=True, capture_output=True)
    return dep


@pytest.fixture(scope="module")
def deps(deploy_module: Callable[[Topology], Deployment]) -> dict[bool, Deployment]:
    return {mode: _stateful(deploy_module(inspection(mode))) for mode in (False, True)}


def _ip(t: Topology, name: str) -> tuple[str, str]:
    return next((v.name, i.private_ip) for v in t.vpcs for i in v.instances if i.name == name)


def _firewalls(hops: tuple[Any, ...]) -> list[str]:
    return [h.name for h in hops if h.component == "instance" and h.name in FIREWALLS
            and "forwards" in h.reason]


def _trace(t: Topology, src: str, dst: str, port: int) -> Trace:
    return trace(t, Flow(_ip(t, src)[1], _ip(t, dst)[1], "tcp", port))


@pytest.mark.parametrize("mode", [False, True], ids=["appliance-off", "appliance-on"])
@pytest.mark.parametrize("src,dst,port", FLOWS, ids=[f"{s}-{d}" for s, d, _ in FLOWS])
def test_cross_zone_flow_through_stateful_firewalls_needs_appliance_mode_V78(
        deps: dict[bool, Deployment], mode: bool, src: str, dst: str, port: int) -> None:
    """Without appliance mode (V78) the request crosses the firewall of the zone it entered the
    TGW in and the reply the other zone's: trace says so (asymmetric path,
    TGW_ATTACH_VPC_AZ_RESTRICTION) and the stateful firewalls drop the reply. With it, both
    directions cross the one firewall the flow hash chose, and the connection works."""
    dep = deps[mode]
    t = dep.topology
    tr = _trace(t, src, dst, port)
    assert tr.reachable, "AWS's network delivers both directions either way"
    going, coming = _firewalls(tr.hops), _firewalls(tr.return_path)
    assert len(going) == 1 and len(coming) == 1, (going, coming)
    asymmetric = [h for h in tr.return_path if h.code == "TGW_ATTACH_VPC_AZ_RESTRICTION"
                  and "asymmetric" in h.reason]
    if mode:
        assert going == coming and not asymmetric
    else:
        zone = {"app1": "fw-a", "db1": "fw-b"}  # the firewall of the zone each end is in
        assert going == [zone[src]] and coming == [zone[dst]] and asymmetric
    (svpc, sip), (dvpc, dip) = _ip(t, src), _ip(t, dst)
    got = probe(dep.node_ns(f"{svpc}/{src}"), dep.node_ns(f"{dvpc}/{dst}"), dip, "tcp", port)
    assert got.reply == mode, f"kernel {got}: the reply {'passes' if mode else 'is dropped'}"
    # the request crossed the firewall trace names, and only that one tracked the flow (the
    # other, if the reply came its way, saw a SYN-ACK of no connection: invalid, dropped)
    seen = {fw: bool(_conntrack(dep.node_ns(f"inspection/{fw}"), sip, dip, port))
            for fw in FIREWALLS}
    assert seen == {fw: fw in going for fw in FIREWALLS}, (seen, going)


def test_packets_cross_the_firewall_the_flow_hash_and_trace_chose_V78(
        deps: dict[bool, Deployment]) -> None:
    """Appliance mode (V78): the transit gateway's conntrack mark for the flow is
    vpc/appliance.py's flow hash, and only the firewall trace names (both ways) tracked it."""
    dep = deps[True]
    t = dep.topology
    for src, dst, port in FLOWS:
        (svpc, sip), (dvpc, dip) = _ip(t, src), _ip(t, dst)
        assert probe(dep.node_ns(f"{svpc}/{src}"), dep.node_ns(f"{dvpc}/{dst}"), dip, "tcp",
                     port).reply
        mod = appliance.modulus(t.transit_gateways[0])
        marks = _conntrack(dep.node_ns("tgw:hub"), sip, dip, port)
        assert marks == {appliance.flow_hash(sip, dip, mod)}, marks
        chosen = _firewalls(_trace(t, src, dst, port).hops)
        for fw in FIREWALLS:
            seen = _conntrack(dep.node_ns(f"inspection/{fw}"), sip, dip, port)
            assert bool(seen) == (chosen == [fw]), (fw, chosen, seen)


def _conntrack(ns: str, src: str, dst: str, port: int) -> set[int]:
    """The marks of the conntrack entries of ``ns`` for ``src`` -> ``dst``:``port`` (TCP)."""
    out = subprocess.run(["ip", "netns", "exec", ns, "conntrack", "-L", "-p", "tcp", "-s", src,
                          "-d", dst, "--dport", str(port)], capture_output=True, text=True,
                         check=True).stdout
    return {int(part.split("=")[1]) for line in out.splitlines() for part in line.split()
            if part.startswith("mark=")}
