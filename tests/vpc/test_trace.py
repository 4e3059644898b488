"""The path explainer, end to end on small topologies loaded by the real loader.

Each case names the behaviour ids (docs/behaviour.md) it checks. Topologies are YAML in the
topology file shape (docs/architecture.md), so a case reads like the example a user would write.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import cache

import pytest
import yaml

from netemu.errors import LoadError
from netemu.pytest_plugin import TopologyUnderTest, assert_blocked, assert_reachable
from netemu.vpc.load import load_topology
from netemu.vpc.model import Topology
from netemu.vpc.trace import Flow, Trace, TraceError, trace

THREE_TIER = """
region: us-east-1
vpcs:
  - name: app
    cidr_blocks: [10.0.0.0/16]
    internet_gateway: true
    subnets:
      - {name: public, cidr: 10.0.1.0/24, az: us-east-1a, route_table: public}
      - {name: private, cidr: 10.0.2.0/24, az: us-east-1a, route_table: private,
         network_acl: private}
      - {name: isolated, cidr: 10.0.3.0/24, az: us-east-1a}
    route_tables:
      - name: public
        routes: [{destination: 0.0.0.0/0, target: internet_gateway}]
      - name: private
        routes:
          - {destination: 0.0.0.0/0, target: {nat_gateway: nat-a}}
          - {destination: 192.0.2.0/24, target: {nat_gateway: nat-old}}
    nat_gateways:
      - {name: nat-a, subnet: public, private_ip: 10.0.1.5, public_ip: 198.51.100.5}
      - {name: nat-old, subnet: public, public_ip: 198.51.100.6, state: deleted}
    network_acls:
      - name: private
        inbound:
          - {rule: 100, protocol: tcp, ports: 8080, cidr: 10.0.1.0/24, action: allow}
          - {rule: 110, protocol: tcp, ports: 1024-65535, cidr: 0.0.0.0/0, action: allow}
        outbound:
          - {rule: 100, protocol: tcp, ports: 443, cidr: 0.0.0.0/0, action: allow}
          - {rule: 110, protocol: tcp, ports: 1024-65535, cidr: 10.0.1.0/24, action: allow}
    security_groups:
      - name: web
        ingress: [{protocol: tcp, ports: 443, cidr: 0.0.0.0/0},
                  {protocol: icmp, cidr: 0.0.0.0/0, icmp: {type: 8, code: -1}}]
      - name: app
        ingress: [{protocol: tcp, ports: 8080, source_group: web},
                  {protocol: tcp, ports: 8080, cidr: 10.0.3.0/24}]
    instances:
      - {name: web1, subnet: public, private_ip: 10.0.1.10, public_ip: 198.51.100.10,
         security_groups: [web]}
      - {name: web2, subnet: public, private_ip: 10.0.1.11, security_groups: [web]}
      - {name: app1, subnet: private, private_ip: 10.0.2.10, security_groups: [app]}
      - {name: app2, subnet: private, private_ip: 10.0.2.11, security_groups: [app]}
      - {name: vault, subnet: isolated, private_ip: 10.0.3.10}
internet:
  hosts: [{name: client, ip: 203.0.113.50}]
"""

PEERING = """
region: us-east-1
vpcs:
  - name: hub
    cidr_blocks: [10.0.0.0/16]
    internet_gateway: true
    subnets: [{name: h1, cidr: 10.0.1.0/24, route_table: hub}]
    route_tables:
      - name: hub
        routes:
          - {destination: 10.1.0.0/16, target: {peering: hub-a}}
          - {destination: 10.2.0.0/16, target: {peering: hub-b}}
          - {destination: 0.0.0.0/0, target: internet_gateway}
    security_groups:
      - name: open
        ingress: [{protocol: all, cidr: 10.0.0.0/8}]
    instances: [{name: h, subnet: h1, private_ip: 10.0.1.10, security_groups: [open],
                 public_ip: 198.51.100.10}]
  - name: a
    cidr_blocks: [10.1.0.0/16]
    subnets: [{name: a1, cidr: 10.1.1.0/24, route_table: a}]
    route_tables:
      - name: a
        routes:
          - {destination: 10.0.0.0/16, target: {peering: hub-a}}
          - {destination: 10.2.0.0/16, target: {peering: hub-a}}
          - {destination: 0.0.0.0/0, target: {peering: hub-a}}
    security_groups:
      - name: client
      - name: open
        ingress: [{protocol: all, cidr: 10.0.0.0/8}]
    instances: [{name: a, subnet: a1, private_ip: 10.1.1.10, security_groups: [open, client]}]
  - name: b
    cidr_blocks: [10.2.0.0/16]
    subnets: [{name: b1, cidr: 10.2.1.0/24}]
    security_groups:
      - name: open
        ingress: [{protocol: all, cidr: 10.0.0.0/8}]
    instances: [{name: b, subnet: b1, private_ip: 10.2.1.10, security_groups: [open]}]
peerings:
  - {name: hub-a, requester: hub, accepter: a}
  - {name: hub-b, requester: hub, accepter: b}
internet:
  hosts: [{name: client, ip: 203.0.113.50}]
"""

TGW = """
region: us-east-1
vpcs:
  - name: spoke1
    cidr_blocks: [10.1.0.0/16]
    subnets:
      - {name: s1, cidr: 10.1.1.0/24, az: us-east-1a, route_table: spoke}
      - {name: s1b, cidr: 10.1.2.0/24, az: us-east-1b, route_table: spoke}
    route_tables:
      - name: spoke
        routes: [{destination: 0.0.0.0/0, target: {transit_gateway: tgw}}]
    security_groups:
      - name: open
        ingress: [{protocol: all, cidr: 10.0.0.0/8}]
    instances:
      - {name: one, subnet: s1, private_ip: 10.1.1.10, security_groups: [open]}
      - {name: oneb, subnet: s1b, private_ip: 10.1.2.10, security_groups: [open]}
  - name: spoke2
    cidr_blocks: [10.2.0.0/16]
    subnets: [{name: s2, cidr: 10.2.1.0/24, az: us-east-1a, route_table: spoke}]
    route_tables:
      - name: spoke
        routes: [{destination: 0.0.0.0/0, target: {transit_gateway: tgw}}]
    security_groups:
      - name: open
        ingress: [{protocol: all, cidr: 10.0.0.0/8}]
    instances: [{name: two, subnet: s2, private_ip: 10.2.1.10, security_groups: [open]}]
  - name: spoke3
    cidr_blocks: [10.3.0.0/16]
    subnets: [{name: s3, cidr: 10.3.1.0/24, az: us-east-1a, route_table: spoke}]
    route_tables:
      - name: spoke
        routes: [{destination: 0.0.0.0/0, target: {transit_gateway: tgw}}]
    security_groups:
      - name: open
        ingress: [{protocol: all, cidr: 10.0.0.0/8}]
    instances: [{name: three, subnet: s3, private_ip: 10.3.1.10, security_groups: [open]}]
transit_gateways:
  - name: tgw
    route_tables:
      - name: spokes
        routes: [{destination: 10.3.0.0/16, blackhole: true}]
    attachments:
      - {name: att1, vpc: spoke1, subnets: [s1], association: spokes, propagations: [spokes]}
      - {name: att2, vpc: spoke2, subnets: [s2], association: spokes, propagations: [spokes]}
      - {name: att3, vpc: spoke3, subnets: [s3], association: spokes, propagations: [spokes]}
"""

IPV6 = """
region: us-east-1
vpcs:
  - name: v6
    cidr_blocks: [10.0.0.0/16]
    ipv6_cidr_blocks: [2600:1f18:aa00:100::/56]
    egress_only_internet_gateway: true
    subnets:
      - {name: s, cidr: 10.0.1.0/24, ipv6_cidr: 2600:1f18:aa00:101::/64, route_table: out}
    route_tables:
      - name: out
        routes: [{destination: "::/0", target: egress_only_internet_gateway}]
    security_groups:
      - name: open
        ingress: [{protocol: all, cidr: "::/0"}]
    instances:
      - {name: six, subnet: s, private_ip: 10.0.1.10, ipv6_address: "2600:1f18:aa00:101::10",
         security_groups: [open]}
internet:
  hosts: [{name: v6host, ip: "2001:db8::50"}]
"""


@cache
def topo(text: str) -> Topology:
    return load_topology(yaml.safe_load(text), "test")


def run(text: str, src: str, dst: str, proto: str = "tcp", port: int | None = 443,
        **kw: object) -> Trace:
    return trace(topo(text), Flow(src, dst, proto, port), **kw)  # type: ignore[arg-type]


def path(hops: object) -> list[tuple[str, str]]:
    return [(h.component, h.decision) for h in hops]  # type: ignore[attr-defined]


def last(t: Trace) -> tuple[str, str, str | None]:
    hops = t.return_path if t.return_path and t.hops[-1].decision == "allow" else t.hops
    h = hops[-1]
    return h.component, h.name, h.code


# --- verdict table -----------------------------------------------------------------------------

CASES = [
    # (topology, from, to, protocol, port, reachable, where it stops (component, code) or None)
    # V64/V65: internet -> public instance through the IGW, return by the instance's route table
    (THREE_TIER, "client", "web1", "tcp", 443, True, None),
    # V64: an instance without a public IP cannot be reached from the internet
    (THREE_TIER, "client", "web2", "tcp", 443, False,
     ("instance", "IGW_PRIVATE_IP_ASSOCIATION_FOR_INGRESS")),
    # V66: an instance without a public IP cannot use the IGW
    (THREE_TIER, "web2", "client", "tcp", 443, False,
     ("internet-gateway", "IGW_PUBLIC_IP_ASSOCIATION_FOR_EGRESS")),
    # V67-V68: private instance out through the NAT gateway, the reply comes back through it
    (THREE_TIER, "app1", "client", "tcp", 443, True, None),
    # V68: no connection can be initiated towards a NAT gateway
    (THREE_TIER, "client", "198.51.100.5", "tcp", 443, False, ("nat-gateway", None)),
    # V26: a route whose NAT gateway was deleted is a blackhole
    (THREE_TIER, "app1", "192.0.2.7", "tcp", 443, False, ("route-table", "BAD_STATE_ROUTE")),
    # no route at all
    (THREE_TIER, "vault", "client", "tcp", 443, False,
     ("route-table", "NO_ROUTE_TO_DESTINATION")),
    # V44: SG reference by private-IP membership: web1 (group web) may reach app1 on 8080
    (THREE_TIER, "web1", "app1", "tcp", 8080, True, None),
    # V34 vs V46: vault -> app1:8080 is let in (NACL 110, SG by CIDR) but the stateless NACL
    # does not let the reply out to 10.0.3.0/24, whatever the stateful SG says
    (THREE_TIER, "vault", "app1", "tcp", 8080, False, ("network-acl", "SUBNET_ACL_RESTRICTION")),
    # V31/V33: private NACL allows 8080 only from the public subnet
    (THREE_TIER, "vault", "app1", "tcp", 22, False, ("network-acl", "SUBNET_ACL_RESTRICTION")),
    # V35: same subnet: no NACL (the private NACL would deny port 8080 from 10.0.2.0/24)
    (THREE_TIER, "app2", "app1", "tcp", 8080, False, ("security-group", "ENI_SG_RULES_MISMATCH")),
    # V54: peering is not transitive: a -> b through hub is refused at the hub side (V56: the
    # peering carries only traffic from or to an address of the VPC on the other side)
    (PEERING, "a", "b", "tcp", 443, False,
     ("peering-connection", "PCX_REQUIRES_ADDRESS_IN_VPC_CIDR")),
    # V55: no edge-to-edge routing: a cannot use hub's internet gateway
    (PEERING, "a", "client", "tcp", 443, False,
     ("peering-connection", "PCX_REQUIRES_ADDRESS_IN_VPC_CIDR")),
    # V57: hub <-> a works with routes on both sides
    (PEERING, "h", "a", "tcp", 443, True, None),
    # V58: b has no route back to hub: the request arrives, the reply has no route
    (PEERING, "h", "b", "tcp", 443, False, ("route-table", "NO_ROUTE_TO_DESTINATION")),
    # V75: transit gateway routing is transitive between spokes
    (TGW, "one", "two", "tcp", 443, True, None),
    # V77: a blackhole route in the TGW route table
    (TGW, "one", "three", "tcp", 443, False, ("transit-gateway-route-table", "BAD_STATE_ROUTE")),
    # V78: no attachment subnet in the source's AZ
    (TGW, "oneb", "two", "tcp", 443, False,
     ("transit-gateway-attachment", "TGW_ROUTE_AZ_RESTRICTION")),
    # V73: egress-only IGW: IPv6 out and its reply in ...
    (IPV6, "six", "v6host", "tcp", 443, True, None),
    # ... but nothing initiated from the internet
    (IPV6, "v6host", "six", "tcp", 443, False, ("egress-only-internet-gateway", None)),
]


@pytest.mark.parametrize(
    "text, src, dst, proto, port, reachable, stop", CASES,
    ids=[f"{c[1]}->{c[2]}:{c[4]}" for c in CASES],
)
def test_verdicts(netemu_topology: Callable[[Topology], TopologyUnderTest], text: str, src: str,
                  dst: str, proto: str, port: int, reachable: bool,
                  stop: tuple[str, str | None] | None) -> None:
    """Through the pytest plugin's helpers, as a user's test would (a failure prints the
    trace): ``assert_reachable``, or ``assert_blocked`` by the expected component and code."""
    topology = netemu_topology(topo(text))
    if stop is None:
        t = assert_reachable(topology, src, dst, port=port, protocol=proto)
        assert not t.blockers
        assert t.hops[-1].decision == "allow" and t.return_path[-1].decision == "allow"
    else:
        t = assert_blocked(topology, src, dst, port=port, protocol=proto, by=stop[0],
                           code=stop[1])
        assert len(t.blockers) == 1
        blocked = (t.hops + t.return_path)[-1]
        assert blocked.decision == "deny"
        assert (blocked.component, blocked.code) == stop
        assert (t.blockers[0].component, t.blockers[0].code) == stop
    assert t.reachable is reachable


# --- what the hops say -------------------------------------------------------------------------


def test_nat_gateway_path_and_translation() -> None:
    """V67-V70: SG -> NACL out -> route -> NAT subnet NACL in -> NAT (SNAT, port remapped) ->
    NACL out -> route -> IGW (1:1 NAT to the NAT's EIP) -> internet; the reply is translated
    back at the IGW and the NAT gateway and checked by the NACLs again (V34)."""
    t = run(THREE_TIER, "app1", "client")
    assert [h.component for h in t.hops] == [
        "security-group", "network-acl", "route-table", "network-acl", "nat-gateway",
        "network-acl", "route-table", "internet-gateway", "internet",
    ]
    nat = t.hops[4]
    after = t.hops[5].packet
    assert after is not None and after.src == "10.0.1.5"
    assert after.sport is not None and 1024 <= after.sport <= 65535  # V68 remap
    assert nat.code == "NGW_SOURCE_ADDRESS_REASSIGN"
    internet = t.hops[-1].packet
    assert internet is not None and internet.src == "198.51.100.5"  # the NAT's EIP
    assert [h.component for h in t.return_path] == [
        "internet", "internet-gateway", "route-table", "network-acl", "nat-gateway",
        "network-acl", "route-table", "network-acl", "security-group", "instance",
    ]
    # the NAT subnet's inbound NACL sees the reply to the remapped port (V70)
    assert t.return_path[3].packet is not None
    assert t.return_path[3].packet.dport == after.sport
    # ... and the private subnet's NACL sees it back on the client's ephemeral port
    assert t.return_path[7].packet is not None and t.return_path[7].packet.dport == 40000
    assert t.return_path[8].rule == "tracked connection"  # V46


def test_sg_vs_nacl_return_traffic() -> None:
    """V34 vs V46: the SG lets the reply out statefully, the stateless NACL does not: the
    private NACL allows ephemeral ports outbound only to the public subnet."""
    t = run(THREE_TIER, "vault", "app1", "tcp", 8080)
    assert not t.reachable
    assert t.hops[-1].component == "instance" and t.hops[-1].decision == "allow"
    assert [(h.component, h.decision) for h in t.return_path] == [
        ("security-group", "allow"), ("network-acl", "deny")]
    assert t.return_path[0].rule == "tracked connection"
    assert t.return_path[1].rule == "*" and t.return_path[1].packet is not None
    assert t.return_path[1].packet.dport == 40000  # the client's ephemeral port (V36)
    t = run(THREE_TIER, "web1", "app1", "tcp", 8080)
    assert t.reachable
    reply_nacl = [h for h in t.return_path if h.component == "network-acl"][0]
    assert (reply_nacl.name, reply_nacl.rule) == ("private", "110")


def test_same_subnet_skips_nacl_and_route_table() -> None:
    """V35: within a subnet there is no NACL and no route table hop."""
    t = run(THREE_TIER, "web2", "web1", "icmp", None)
    assert t.reachable
    assert [h.component for h in t.hops] == ["security-group", "subnet", "security-group",
                                             "instance"]
    assert t.return_path[-1].packet is not None and t.return_path[-1].packet.icmp_type == 0


def test_sg_reference_does_not_match_public_ip() -> None:
    """V44: traffic addressed to the public IP goes through the IGW; the source is then a public
    address, which is not a member of the referenced group."""
    t = run(THREE_TIER, "web1", "198.51.100.10", "icmp", None)  # hairpin through the IGW
    assert t.reachable  # web allows ICMP echo from 0.0.0.0/0
    t = run(THREE_TIER, "app1", "web1", "tcp", 8080)
    assert not t.reachable


def test_edge_to_edge_reason_names_the_peer_vpc() -> None:
    t = run(PEERING, "a", "client")
    hop = t.hops[-1]
    assert hop.name == "hub-a" and "10" not in hop.name
    assert "not in a CIDR of VPC hub" in hop.reason and "V55" in hop.reason


def test_replies_follow_the_repliers_route_table() -> None:
    """V58: the reply is routed by b's own table (main: local only) - it has no route to hub."""
    t = run(PEERING, "h", "b")
    assert t.hops[-1].component == "instance" and t.hops[-1].decision == "allow"
    assert t.return_path[-1].code == "NO_ROUTE_TO_DESTINATION"
    assert t.return_path[-1].name == "main"


def test_transit_gateway_hops() -> None:
    t = run(TGW, "one", "two")
    comps = [h.component for h in t.hops]
    # TGW tgw-nacls.html: instance -> TGW in the same subnet: that subnet's NACL outbound *and*
    # inbound rules; TGW -> instance in the same subnet: no NACL
    assert comps == ["security-group", "network-acl", "route-table", "network-acl",
                     "transit-gateway-attachment", "transit-gateway-route-table",
                     "transit-gateway-attachment", "subnet", "security-group", "instance"]
    assert "propagated" in (t.hops[5].rule or "")


def test_tgw_attachment_subnet_inbound_rules_apply_from_the_same_subnet() -> None:
    """TGW tgw-nacls.html: traffic from an instance to the TGW is checked by the attachment
    subnet's inbound rules (source address) even when the instance is in that subnet."""
    text = TGW.replace(
        "      - {name: s1, cidr: 10.1.1.0/24, az: us-east-1a, route_table: spoke}",
        "      - {name: s1, cidr: 10.1.1.0/24, az: us-east-1a, route_table: spoke,"
        " network_acl: from-two}",
    ).replace(
        "  - name: spoke2\n",
        "    network_acls:\n"
        "      - name: from-two\n"
        "        inbound: [{rule: 100, protocol: all, cidr: 10.2.0.0/16, action: allow}]\n"
        "        outbound: [{rule: 100, protocol: all, cidr: 0.0.0.0/0, action: allow}]\n"
        "  - name: spoke2\n",
    )
    assert text.count("from-two") == 2
    t = run(text, "one", "two")
    assert not t.reachable
    assert [(h.component, h.name, h.decision) for h in t.hops[1:4]] == [
        ("network-acl", "from-two", "allow"), ("route-table", "spoke", "allow"),
        ("network-acl", "from-two", "deny")]
    # the other way round the request enters s1 from the TGW with no NACL check (same subnet),
    # but the reply towards the TGW is refused by s1's inbound rules
    t = run(text, "two", "one")
    assert t.forward_reachable
    assert "from-two" not in [h.name for h in t.hops if h.component == "network-acl"]
    assert not t.reachable and t.return_path[-1].component == "network-acl"


def test_all_blockers_lists_every_setting() -> None:
    """V95: past the first blocker, every setting that would have to change."""
    t = run(THREE_TIER, "vault", "app1", "tcp", 22, all_blockers=True)
    assert not t.reachable
    kinds = [(b.path, b.component, b.code) for b in t.blockers]
    assert kinds == [
        ("forward", "network-acl", "SUBNET_ACL_RESTRICTION"),      # private NACL in: port 22
        ("forward", "security-group", "ENI_SG_RULES_MISMATCH"),    # app SG: 8080 from web only
        ("return", "network-acl", "SUBNET_ACL_RESTRICTION"),       # private NACL out: 10.0.3/24
    ]
    assert all(b.change for b in t.blockers)
    first = run(THREE_TIER, "vault", "app1", "tcp", 22)
    assert len(first.blockers) == 1  # without the flag: the first blocker only


def test_all_blockers_assumes_a_missing_route() -> None:
    t = run(PEERING, "h", "b", all_blockers=True)
    assert [(b.path, b.code) for b in t.blockers] == [("return", "NO_ROUTE_TO_DESTINATION")]
    assert "-> peering:hub-b" in t.blockers[0].change
    assert t.return_path[-1].component == "instance"


def test_json_shape() -> None:
    t = run(THREE_TIER, "client", "web1")
    data = t.to_json()
    assert set(data) >= {"reachable", "hops", "return_path", "blockers", "flow"}
    for hop in data["hops"] + data["return_path"]:
        assert set(hop) >= {"component", "name", "decision", "reason", "code", "rule"}
    assert data["flow"]["packet"] == {"protocol": "tcp", "src": "203.0.113.50",
                                      "dst": "198.51.100.10", "src_port": 40000, "dst_port": 443}


@pytest.mark.parametrize("flow, message", [
    (Flow("nobody", "web1", "tcp", 443), "unknown source"),
    (Flow("web1", "nowhere", "tcp", 443), "unknown destination"),
    (Flow("web1", "client", "tcp"), "needs a destination port"),
    (Flow("web1", "client", "bogus", 1), "unknown protocol"),
    (Flow("10.0.2.99", "client", "tcp", 443), "no instance has the address"),
    (Flow("web1", "client", "tcp", 70000), "outside 0-65535"),
])
def test_untraceable_flows(flow: Flow, message: str) -> None:
    with pytest.raises(TraceError, match=message):
        trace(topo(THREE_TIER), flow)


def test_source_port_is_the_flows() -> None:
    """V36/V96: the client's ephemeral port is the flow's; the NACL sees it on the reply."""
    t = trace(topo(THREE_TIER), Flow("web1", "app1", "tcp", 8080, src_port=33333))
    assert t.hops[0].packet is not None and t.hops[0].packet.sport == 33333
    assert t.return_path[1].packet is not None and t.return_path[1].packet.dport == 33333


INSPECTION = """
region: us-east-1
vpcs:
  - name: inspected
    cidr_blocks: [10.70.0.0/16]
    internet_gateway: true
    subnets:
      - {name: fw, cidr: 10.70.0.0/24, route_table: fw}
      - {name: web, cidr: 10.70.1.0/24, route_table: web}
    route_tables:
      - name: ingress
        edge_associations: [internet_gateway]
        routes: [{destination: 10.70.1.0/24, target: {instance: fw1}}]
      - name: fw
        routes: [{destination: 0.0.0.0/0, target: internet_gateway}]
      - name: web
        routes: [{destination: 0.0.0.0/0, target: {instance: FWBOX}}]
    security_groups:
      - name: fw
        ingress: [{protocol: all, cidr: 0.0.0.0/0}]
      - name: web
        ingress: [{protocol: tcp, ports: 443, cidr: 0.0.0.0/0}]
    instances:
      - {name: fw1, subnet: fw, private_ip: 10.70.0.10, security_groups: [fw],
         source_dest_check: SDC}
      - {name: web1, subnet: web, private_ip: 10.70.1.10, public_ip: 198.51.100.70,
         security_groups: [web]}
internet:
  hosts: [{name: client, ip: 203.0.113.50}]
"""


def test_gateway_route_table_sends_ingress_through_an_appliance() -> None:
    """V27: a gateway route table steers traffic from the IGW to an appliance ENI; the appliance
    forwards only with its source/destination check disabled (ENI_SOURCE_DEST_CHECK_RESTRICTION
    otherwise); the reply goes back through it by the web subnet's route table."""
    text = INSPECTION.replace("SDC", "false").replace("FWBOX", "fw1")
    t = run(text, "client", "web1")
    assert t.reachable, [(h.component, h.name, h.reason) for h in t.hops + t.return_path]
    names = [(h.component, h.name) for h in t.hops]
    assert ("route-table", "ingress") in names
    assert names.index(("instance", "fw1")) < names.index(("instance", "web1"))
    assert ("instance", "fw1") in [(h.component, h.name) for h in t.return_path]
    closed = INSPECTION.replace("SDC", "true").replace("FWBOX", "fw1")
    t = run(closed, "client", "web1")
    assert not t.reachable
    assert (t.hops[-1].component, t.hops[-1].code) == ("instance",
                                                        "ENI_SOURCE_DEST_CHECK_RESTRICTION")


@pytest.mark.parametrize("dst, proto, port, reachable", [
    ("10.0.0.2", "udp", 53, True),          # V15/V80: primary CIDR base + 2
    ("169.254.169.253", "tcp", 53, True),   # V80
    ("10.0.0.2", "tcp", 443, False),        # DNS only
])
def test_resolver_is_never_filtered(dst: str, proto: str, port: int, reachable: bool) -> None:
    """V37, V50: vault's subnet has a NACL and an SG; the resolver is reached anyway, and
    nothing is logged (V85, V91)."""
    t = run(THREE_TIER, "app1", dst, proto, port)  # app1's NACL denies udp 53 outbound
    assert t.reachable is reachable
    assert [h.component for h in t.hops] == ["resolver"]
    assert t.log_events == ()


TGW_SGREF = TGW.replace(
    "      - name: open\n        ingress: [{protocol: all, cidr: 10.0.0.0/8}]\n"
    "    instances: [{name: two,",
    "      - name: open\n        ingress: [{protocol: tcp, ports: 443, source_group:"
    " {vpc: spoke1, name: open}}]\n    instances: [{name: two,",
)


def test_sg_reference_across_transit_gateway() -> None:
    """V79: a reference to a group of another VPC matches across a TGW only when referencing
    support is on for the attachments. Without it the loader refuses the reference unless the
    VPCs are also peered (V44); then traffic over the TGW still does not match it."""
    with_support = TGW_SGREF.replace(
        "propagations: [spokes]}", "propagations: [spokes], security_group_referencing: true}")
    assert with_support != TGW_SGREF
    assert run(with_support, "one", "two").reachable
    with pytest.raises(LoadError, match="V44"):
        topo(TGW_SGREF)
    peered = TGW_SGREF.replace(
        "transit_gateways:", "peerings: [{name: p12, requester: spoke1, accepter: spoke2}]\n"
        "transit_gateways:")
    t = run(peered, "one", "two")  # routes go to the TGW, not to the peering
    assert not t.reachable
    assert (t.hops[-1].component, t.hops[-1].code) == ("security-group", "SG_REFERENCING_SUPPORT")
    assert "V79" in t.hops[-1].reason


ODDITIES = """
region: us-east-1
vpcs:
  - name: odd
    cidr_blocks: [10.80.0.0/16]
    enable_dns_support: false
    internet_gateway: true
    subnets:
      - {name: a, cidr: 10.80.1.0/24, route_table: to-private-nat}
      - {name: natnet, cidr: 10.80.2.0/24, route_table: public}
      - {name: loopy, cidr: 10.80.3.0/24, route_table: loop}
      - {name: loopnat, cidr: 10.80.4.0/24, route_table: loop}
      - {name: t, cidr: 10.80.5.0/24, route_table: tgw}
    route_tables:
      - name: to-private-nat
        routes:
          - {destination: 0.0.0.0/0, target: {nat_gateway: pnat}}
          - {destination: 10.81.0.0/16, target: {peering: odd-peer}}
      - name: public
        routes: [{destination: 0.0.0.0/0, target: internet_gateway}]
      - name: loop
        routes: [{destination: 0.0.0.0/0, target: {nat_gateway: lnat}}]
      - name: tgw
        routes: [{destination: 10.99.0.0/16, target: {transit_gateway: tg}}]
    nat_gateways:
      - {name: pnat, subnet: natnet, private_ip: 10.80.2.5, connectivity: private}
      - {name: lnat, subnet: loopnat, private_ip: 10.80.4.5, connectivity: private}
    instances:
      - {name: a1, subnet: a, private_ip: 10.80.1.10}
      - {name: l1, subnet: loopy, private_ip: 10.80.3.10}
      - {name: t1, subnet: t, private_ip: 10.80.5.10, public_ip: 198.51.100.86}
  - name: peer
    cidr_blocks: [10.81.0.0/16]
    subnets: [{name: p, cidr: 10.81.1.0/24}]
  - name: far
    cidr_blocks: [10.99.0.0/16]
    subnets: [{name: f, cidr: 10.99.1.0/24}]
peerings: [{name: odd-peer, requester: odd, accepter: peer}]
transit_gateways:
  - name: tg
    route_tables: [{name: rt, routes: []}]
    attachments:
      - {name: odd-att, vpc: odd, subnets: [t]}
      - {name: far-att, vpc: far, subnets: [f], association: rt}
internet:
  hosts: [{name: client, ip: 203.0.113.50}]
"""

ODD_CASES = [
    # V67: a private NAT gateway's traffic to an internet gateway is dropped; its source has no
    # public IP, which is Reachability Analyzer's IGW_PUBLIC_IP_ASSOCIATION_FOR_EGRESS (V94)
    ("a1", "client", "tcp", 443, "internet-gateway", "IGW_PUBLIC_IP_ASSOCIATION_FOR_EGRESS",
     "private NAT gateway"),
    # a route table that sends the NAT gateway's own traffic back to it: a loop, stopped
    ("l1", "client", "tcp", 443, "route-table", None, "routing loop"),
    # within a subnet, to an address nobody has
    ("a1", "10.80.1.99", "tcp", 443, "subnet", None, "no network interface"),
    # local route, to an address nobody has
    ("a1", "10.80.3.99", "tcp", 443, "vpc", None, "no network interface in VPC odd"),
    # across a peering, to an address nobody has in the peer VPC
    ("a1", "10.81.1.99", "tcp", 443, "vpc", None, "no network interface in VPC peer"),
    # the internet cannot address a private IP
    ("client", "10.80.1.10", "tcp", 443, "internet", None, "private address"),
    # V74: an attachment associated with no TGW route table
    ("t1", "10.99.1.9", "tcp", 443, "transit-gateway-attachment",
     "TGW_ATTACH_MISSING_TGW_RTB_ASSOCIATION", "no route table"),
    # V81: no DNS support, no resolver
    ("a1", "10.80.0.2", "udp", 53, "resolver", None, "enableDnsSupport is false"),
]


@pytest.mark.parametrize("src, dst, proto, port, component, code, words", ODD_CASES,
                         ids=[f"{c[0]}->{c[1]}" for c in ODD_CASES])
def test_oddities(src: str, dst: str, proto: str, port: int, component: str,
                  code: str | None, words: str) -> None:
    t = run(ODDITIES, src, dst, proto, port)
    assert not t.reachable
    h = t.hops[-1]
    assert (h.component, h.decision, h.code) == (component, "deny", code)
    assert words in h.reason


def test_protocol_all_is_not_a_flow() -> None:
    with pytest.raises(TraceError, match="one protocol at a time"):
        run(ODDITIES, "a1", "client", "all", None)


def test_ipv6_flag_and_icmpv6() -> None:
    """ICMP between IPv6 ends is ICMPv6 (58), echo request 128 -> reply 129."""
    t = trace(topo(IPV6), Flow("six", "v6host", "icmp", ip_version=6))
    assert t.packet.protocol == 58 and t.packet.icmp_type == 128
    assert t.reachable  # out through the egress-only gateway, the reply back in (V73)
    back = t.return_path[-1].packet
    assert back is not None and (back.protocol, back.icmp_type) == (58, 129)
