"""Invariants of trace over every pair of endpoints of every shipped example, for TCP, UDP and
ICMP: no crash; ``reachable`` agrees with the hops and blockers; a path stops at its first deny;
``--all-blockers`` finds the first blocker first and never turns a verdict around (V95)."""

from __future__ import annotations

from pathlib import Path

import pytest

from netemu.vpc.load import load_topology_file
from netemu.vpc.model import Topology
from netemu.vpc.trace import Flow, TraceError, trace

ROOT = Path(__file__).resolve().parents[2]
TOPOLOGIES = sorted((ROOT / "topologies").glob("*.yaml"))
ENDS = ("instance", "internet", "on-premises")


def endpoints(t: Topology) -> list[str]:
    names = [i.name for v in t.vpcs for i in v.instances]
    onprem = [h.name for s in t.vpn.sites for h in s.hosts]  # on-premises hosts (V150-V153)
    return names + [h.name for h in t.internet_hosts] + onprem


@pytest.mark.parametrize("path", TOPOLOGIES, ids=lambda p: p.name)
def test_every_pair(path: Path) -> None:
    topo = load_topology_file(path)
    ends = endpoints(topo)
    checked = 0
    for src in ends:
        for dst in ends:
            if src == dst:
                continue
            for proto, port in (("tcp", 443), ("udp", 53), ("icmp", None)):
                flow = Flow(src, dst, proto, port)
                try:
                    t = trace(topo, flow)
                except TraceError:
                    continue  # e.g. an IPv6-only host and an IPv4 instance
                checked += 1
                hops = t.hops + t.return_path
                denies = [h for h in hops if h.decision == "deny"]
                if t.reachable:
                    assert not denies and not t.blockers
                    assert t.hops[-1].component in ENDS
                    assert t.return_path[-1].component in ENDS
                else:
                    assert len(denies) == 1 and len(t.blockers) == 1, (src, dst, proto)
                    last = t.return_path[-1] if t.return_path else t.hops[-1]
                    assert last is denies[0]
                    assert t.blockers[0].reason == denies[0].reason
                    assert bool(t.return_path) == t.forward_reachable
                full = trace(topo, flow, all_blockers=True)
                assert full.reachable == t.reachable
                if t.blockers:
                    b = t.blockers[0]
                    assert (full.blockers[0].component, full.blockers[0].code) == (
                        b.component, b.code)
    assert checked > 0
