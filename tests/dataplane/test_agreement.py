"""The model decides, the kernel obeys: hypothesis generates flows over every shipped topology
(topologies/*.yaml) and the lab and middlebox topologies, and each flow's kernel verdict must equal
``vpc.trace``'s. One apply per topology (the session fixture ``shared_deployment``, shared with
test_shipped), not per example.

IPv4 and IPv6. Compared: TCP — the handshake completes iff ``trace.reachable``; UDP — the server
receives the datagram iff ``forward_reachable`` and the client gets the answer iff ``reachable``;
ICMP echo — the reply arrives iff ``reachable``.
"""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from netemu.vpc.model import Topology
from netemu.vpc.trace import Flow, trace
from tests.dataplane.conftest import SHARED, Deployment
from tests.dataplane.probe import probe

pytestmark = pytest.mark.netns

# lab, middlebox and every shipped topology (tests/dataplane/conftest.py SHARED)
TOPOLOGIES = list(SHARED)
UNREALISED: tuple[str, ...] = ()  # trace components the data plane does not realise


def endpoints(t: Topology) -> list[tuple[str, dict[int, str], tuple[str, ...]]]:
    """(node, its source address per IP version, its destination addresses) for instances,
    internet hosts and on-premises sites."""
    out = []
    for vpc in t.vpcs:
        for i in vpc.instances:
            src = {4: i.private_ip} | ({6: i.ipv6_address} if i.ipv6_address else {})
            dsts = (i.private_ip,) + tuple(a for a in (i.public_ip, i.ipv6_address) if a)
            out.append((f"{vpc.name}/{i.name}", src, dsts))
    for h in t.internet_hosts:
        out.append((h.name, {6 if ":" in h.ip else 4: h.ip}, (h.ip,)))
    for site in t.vpn.sites:  # an on-premises site sends from its first host's address
        if site.hosts:
            ip = site.hosts[0].ip
            out.append((f"site:{site.name}", {4: ip}, (ip,)))
    return out


def ports(t: Topology) -> list[int]:
    """Ports the rules talk about (edges of every range, and one past them), plus a few usual
    ones."""
    found = {22, 53, 80, 443, 8080, 5000}
    for vpc in t.vpcs:
        rules = [r for a in vpc.network_acls for r in a.inbound + a.outbound]
        rules += [r for g in vpc.security_groups for r in g.ingress + g.egress]
        for r in rules:
            if r.ports is not None:
                found |= {
                    r.ports.first,
                    r.ports.last,
                    min(r.ports.last + 1, 65535),
                    max(r.ports.first - 1, 1),
                }
    return sorted(p for p in found if 1 <= p <= 65535)


# One apply per topology, shared with test_shipped (the ``shared_deployment`` fixture).
@pytest.mark.parametrize("shared_deployment", TOPOLOGIES, indirect=True,
                         scope="session")
@settings(max_examples=25, deadline=None, derandomize=True, database=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(data=st.data())
def test_trace_and_kernel_agree_on_generated_flows(
    shared_deployment: Deployment, data: st.DataObject
) -> None:
    deployment = shared_deployment
    t = deployment.topology
    ends = endpoints(t)
    assume(len(ends) >= 2)
    src = data.draw(st.sampled_from(ends), label="src")
    dst = data.draw(st.sampled_from([e for e in ends if e[0] != src[0]]), label="dst")
    ip = data.draw(st.sampled_from(dst[2]), label="dst address")
    version = 6 if ":" in ip else 4
    assume(version in src[1])
    proto = data.draw(st.sampled_from(["tcp", "udp", "icmp"]), label="protocol")
    port = data.draw(st.sampled_from(ports(t)), label="port") if proto != "icmp" else 0
    tr = trace(t, Flow(src[1][version], ip, proto, port or None))
    assume(not any(u in h.component for u in UNREALISED for h in tr.hops + tr.return_path))
    got = probe(
        deployment.node_ns(src[0]), deployment.node_ns(dst[0]), ip, proto, port, timeout=0.4
    )
    why = " | ".join(
        f"{h.component} {h.name}: {h.decision} {h.reason}" for h in tr.hops + tr.return_path
    )
    flow = f"{src[0]} -> {dst[0]} {ip} {proto} {port}"
    assert got.reply == tr.reachable, (
        f"{flow}: kernel reply={got.reply}, trace reachable={tr.reachable}: {why}"
    )
    if proto == "udp":
        assert got.forward == tr.forward_reachable, (
            f"{flow}: kernel forward={got.forward}, trace {why}"
        )
