"""Issue 10, trace side: each behaviour cites its id (docs/behaviour.md), and each case failed on
the code before issue 10 (the trace let it through, or said nothing about it).

V44 security-group references stop matching through a middlebox; V16/V24/V37 multicast,
broadcast and link-local destinations never leave the VPC, the instance metadata service
answers locally; V39/V60 ``--size`` and path MTU discovery; V93/V94 explanation codes."""

from __future__ import annotations

import json
import re
import shlex

import pytest
import yaml

from netemu.cli import build_parser
from netemu.cli.trace import flow_from_args
from netemu.vpc.load import load_topology, load_topology_file
from netemu.vpc.model import Topology
from netemu.vpc.trace import Flow, Trace, TraceError, trace
from tests.helpers import ROOT, run_netemu

MIDDLEBOX = ROOT / "topologies" / "middlebox.yaml"
THREE_TIER = ROOT / "topologies" / "three-tier.yaml"
TGW = ROOT / "topologies" / "transit-gateway.yaml"


def shipped(path: object) -> Topology:
    return load_topology_file(str(path))


def drop(t: Trace) -> tuple[str, str, str | None]:
    """(component, name, code) of the hop that stopped the forward path."""
    last = t.hops[-1]
    assert last.decision == "deny", [h.reason for h in t.hops]
    return last.component, last.name, last.code


# --- V44: references across a middlebox -------------------------------------------------------


def test_v44_reference_does_not_match_through_a_middlebox() -> None:
    t = trace(shipped(MIDDLEBOX), Flow("app1", "db1", "tcp", 5432))
    assert not t.reachable
    assert drop(t) == ("security-group", "db", "SG_REFERENCES_NOT_PRESERVED")
    assert any(h.component == "instance" and h.name == "fw1" for h in t.hops)  # went via fw1
    assert "V44" in t.hops[-1].reason
    assert t.explanations[0] == "SG_REFERENCES_NOT_PRESERVED"


def test_v44_cidr_rule_matches_through_the_middlebox() -> None:
    assert trace(shipped(MIDDLEBOX), Flow("app1", "db1", "tcp", 3306)).reachable


def test_v44_reference_matches_straight_from_the_members_eni() -> None:
    t = trace(shipped(MIDDLEBOX), Flow("app2", "db2", "tcp", 5432))
    assert t.reachable and t.explanations == ()


def test_v44_member_middlebox_itself_still_matches() -> None:
    """The middlebox's own traffic comes straight from its ENI: a reference to its group
    matches (only forwarded packets lose the reference)."""
    data = yaml.safe_load(MIDDLEBOX.read_text())
    lab = data["vpcs"][0]
    next(g for g in lab["security_groups"] if g["name"] == "db")["ingress"].append(
        {"protocol": "tcp", "ports": 6379, "source_group": "fw"})
    topo = load_topology(data, "middlebox-variant.yaml")
    assert trace(topo, Flow("fw1", "db1", "tcp", 6379)).reachable
    assert not trace(topo, Flow("app1", "db1", "tcp", 6379)).reachable


@pytest.mark.slow  # a netemu subprocess
def test_v44_cli() -> None:
    r = run_netemu("trace", str(MIDDLEBOX), "--from", "app1", "--to", "db1", "--port", "5432")
    assert r.returncode == 2, r.stderr
    assert "SG_REFERENCES_NOT_PRESERVED" in r.stdout and "fw1" in r.stdout


# --- V16, V24, V37: addresses that never leave a VPC ----------------------------------------------


@pytest.mark.parametrize("path, src, dst, protocol, port, component, what", [
    (MIDDLEBOX, "app1", "224.0.0.251", "udp", 5353, "internet-gateway", "multicast"),  # V16
    (MIDDLEBOX, "app1", "255.255.255.255", "udp", 67, "internet-gateway", "broadcast"),  # V16
    (MIDDLEBOX, "app1", "169.254.10.10", "tcp", 80, "internet-gateway", "link-local"),  # V24
    (THREE_TIER, "app1", "224.0.0.1", "icmp", None, "nat-gateway", "multicast"),  # V16
    (THREE_TIER, "app1", "169.254.10.10", "tcp", 443, "nat-gateway", "link-local"),  # V24
])
def test_v16_v24_never_through_a_gateway(path: object, src: str, dst: str, protocol: str,
                                         port: int | None, component: str, what: str) -> None:
    t = trace(shipped(path), Flow(src, dst, protocol, port))
    assert not t.reachable
    comp, _, code = drop(t)
    assert (comp, code) == (component, "CANNOT_ROUTE")
    assert what in t.hops[-1].reason
    assert "CANNOT_ROUTE" in t.explanations


IPV6 = ROOT / "topologies" / "ipv6-egress-only.yaml"


@pytest.mark.parametrize("src, component", [("webv6", "internet-gateway"),
                                            ("worker", "egress-only-internet-gateway")])
@pytest.mark.parametrize("dst, what", [("ff0e::1", "multicast"), ("ff02::1", "multicast"),
                                       ("fe80::1", "link-local"), ("fd00:ec2::1234", "fd00:ec2")])
def test_v16_v24_ipv6_never_through_a_gateway(src: str, component: str, dst: str,
                                              what: str) -> None:
    """IPv6 multicast, link-local and AWS's service range fd00:ec2::/32 (V24) stop at the
    (egress-only) internet gateway, as the router's nftables drops them."""
    t = trace(shipped(IPV6), Flow(src, dst, "udp", 9))
    assert not t.reachable
    assert (drop(t)[0], drop(t)[2]) == (component, "CANNOT_ROUTE")
    assert what in t.hops[-1].reason


PEERED = """
region: us-east-1
vpcs:
  - name: a
    cidr_blocks: [10.0.0.0/16]
    subnets: [{name: s, cidr: 10.0.1.0/24, route_table: r}]
    route_tables:
      - name: r
        routes: [{destination: 0.0.0.0/0, target: {peering: ab}}]
    instances: [{name: a1, subnet: s}]
  - name: b
    cidr_blocks: [10.1.0.0/16]
    region: eu-west-1
    subnets: [{name: s, cidr: 10.1.1.0/24, route_table: r}]
    route_tables:
      - name: r
        routes: [{destination: 10.0.0.0/16, target: {peering: ab}}]
    security_groups: [{name: open, ingress: [{protocol: all, cidr: 0.0.0.0/0}]}]
    instances: [{name: b1, subnet: s, security_groups: [open]}]
peerings: [{name: ab, requester: a, accepter: b}]
"""


def test_v16_multicast_never_crosses_a_peering() -> None:
    t = trace(load_topology(yaml.safe_load(PEERED)), Flow("a1", "239.1.1.1", "udp", 5000))
    assert drop(t) == ("peering-connection", "ab", "CANNOT_ROUTE")


def test_v16_subnet_broadcast_is_not_delivered() -> None:
    t = trace(shipped(MIDDLEBOX), Flow("app1", "10.50.1.255", "udp", 9))
    assert not t.reachable
    assert t.hops[-1].component == "subnet" and "broadcast" in t.hops[-1].reason
    assert t.explanations == ("NO_PATH",)


NACL_CLOSED = """
region: us-east-1
vpcs:
  - name: v
    cidr_blocks: [10.0.0.0/16]
    subnets: [{name: s, cidr: 10.0.1.0/24, network_acl: closed}]
    network_acls: [{name: closed, inbound: [], outbound: []}]
    security_groups: [{name: mute, egress: []}]
    instances: [{name: i1, subnet: s, security_groups: [mute]}]
"""


def test_v37_imds_answers_whatever_nacls_and_sgs_say() -> None:
    topo = load_topology(yaml.safe_load(NACL_CLOSED))
    t = trace(topo, Flow("i1", "169.254.169.254", "tcp", 80))
    assert t.reachable and t.hops[0].component == "instance-metadata"
    assert "V37" in t.hops[0].reason
    assert not trace(topo, Flow("i1", "169.254.169.254", "tcp", 443)).reachable
    assert not trace(topo, Flow("i1", "8.8.8.8", "tcp", 80)).reachable  # the NACL does apply


@pytest.mark.slow  # a netemu subprocess
def test_v37_imds_cli() -> None:
    r = run_netemu("trace", str(MIDDLEBOX), "--from", "app1", "--to", "169.254.169.254",
                   "--port", "80", "--json")
    assert r.returncode == 0, r.stdout + r.stderr
    assert json.loads(r.stdout)["hops"][0]["component"] == "instance-metadata"


# --- V39, V60: --size ---------------------------------------------------------------------------


def test_v60_jumbo_inside_the_vpc_1500_through_the_igw() -> None:
    topo = shipped(MIDDLEBOX)
    assert trace(topo, Flow("app1", "db1", "tcp", 3306, size=9001)).reachable
    assert trace(topo, Flow("app1", "client", "tcp", 443, size=1500)).reachable
    t = trace(topo, Flow("app1", "client", "tcp", 443, size=1600))
    assert not t.reachable
    assert t.hops[-1].component == "internet-gateway" and t.hops[-1].rule == "MTU 1500"
    # app's SG lets ICMP type 3 code 4 in: path MTU discovery works (V39)
    assert "path MTU discovery lowers the size to 1500" in t.hops[-1].reason
    assert "at most 1500 bytes" in t.blockers[0].change


def test_v60_instance_interface_is_9001() -> None:
    t = trace(shipped(MIDDLEBOX), Flow("app1", "db1", "tcp", 3306, size=9002))
    assert (t.hops[-1].component, t.hops[-1].rule) == ("instance", "MTU 9001")


def test_v60_transit_gateway_8500_and_v39_pmtud_blocked_by_sg() -> None:
    topo = shipped(TGW)
    assert trace(topo, Flow("dev1", "shared1", "tcp", 443, size=8500)).reachable
    t = trace(topo, Flow("dev1", "shared1", "tcp", 443, size=8501))
    assert (t.hops[-1].component, t.hops[-1].rule) == ("transit-gateway", "MTU 8500")
    # dev1's groups do not let ICMP fragmentation needed in: the packet black-holes (V39)
    assert t.hops[-1].code == "ENI_SG_RULES_MISMATCH" and "black-hole" in t.hops[-1].reason
    assert "ICMP type 3 code 4" in t.blockers[0].change


def test_v39_pmtud_blocked_by_nacl() -> None:
    data = yaml.safe_load(MIDDLEBOX.read_text())
    lab = data["vpcs"][0]
    lab["network_acls"] = [{"name": "strict", "inbound": [
        {"rule": 100, "protocol": "tcp", "ports": "1024-65535", "cidr": "0.0.0.0/0",
         "action": "allow"}], "outbound": [
        {"rule": 100, "protocol": "all", "cidr": "0.0.0.0/0", "action": "allow"}]}]
    lab["subnets"][0]["network_acl"] = "strict"
    topo = load_topology(data, "strict.yaml")
    assert trace(topo, Flow("app1", "client", "tcp", 443)).reachable
    t = trace(topo, Flow("app1", "client", "tcp", 443, size=1600))
    assert t.hops[-1].code == "SUBNET_ACL_RESTRICTION" and "network ACL strict" in t.hops[-1].reason


def test_v60_inter_region_peering_is_1500() -> None:
    topo = load_topology(yaml.safe_load(PEERED))
    assert trace(topo, Flow("a1", "b1", "tcp", 22, size=1500)).reachable
    t = trace(topo, Flow("a1", "b1", "tcp", 22, size=1501))
    assert (t.hops[-1].component, t.hops[-1].rule) == ("peering-connection", "MTU 1500")


def test_size_out_of_range() -> None:
    with pytest.raises(TraceError):
        trace(shipped(MIDDLEBOX), Flow("app1", "db1", "tcp", 3306, size=70000))


@pytest.mark.slow  # a netemu subprocess
def test_v60_size_cli() -> None:
    args = ("trace", str(MIDDLEBOX), "--from", "app1", "--to", "client", "--port", "443")
    assert run_netemu(*args, "--size", "1500").returncode == 0
    r = run_netemu(*args, "--size", "1600", "--json")
    assert r.returncode == 2, r.stderr
    data = json.loads(r.stdout)
    assert data["flow"]["size"] == 1600
    assert data["hops"][-1]["rule"] == "MTU 1500"


# --- V93, V94: explanation codes ----------------------------------------------------------------

APART = """
region: us-east-1
vpcs:
  - name: a
    cidr_blocks: [10.0.0.0/16]
    subnets: [{name: s, cidr: 10.0.1.0/24}]
    instances: [{name: a1, subnet: s}]
  - name: b
    cidr_blocks: [10.1.0.0/16]
    subnets: [{name: s, cidr: 10.1.1.0/24}]
    instances: [{name: b1, subnet: s}]
"""


def test_v94_disconnected_vpcs() -> None:
    t = trace(load_topology(yaml.safe_load(APART)), Flow("a1", "b1", "tcp", 22))
    assert t.explanations == ("NO_ROUTE_TO_DESTINATION", "DISCONNECTED_VPCS")
    assert t.to_json()["explanations"] == ["NO_ROUTE_TO_DESTINATION", "DISCONNECTED_VPCS"]


def test_v94_no_path() -> None:
    """Nothing initiated towards a NAT gateway gets through (V68): no other code explains it."""
    topo = shipped(THREE_TIER)
    nat = topo.vpc(topo.vpcs[0].name).nat_gateways[0]
    t = trace(topo, Flow("web1", nat.private_ip, "tcp", 443))
    assert not t.reachable and t.explanations == ("NO_PATH",)


def test_v94_more_specific_route() -> None:
    t = trace(shipped(MIDDLEBOX), Flow("app1", "db1", "tcp", 5432))
    route_hop = next(h for h in t.hops if h.component == "route-table")
    assert route_hop.code == "MORE_SPECIFIC_ROUTE"  # 10.50.3.0/24 -> fw1 over the local /16
    assert "MORE_SPECIFIC_ROUTE" in t.explanations


def test_v94_reachable_paths_have_no_explanations() -> None:
    assert trace(shipped(MIDDLEBOX), Flow("app1", "db1", "tcp", 3306)).explanations == ()


@pytest.mark.slow  # a netemu subprocess
def test_v94_cli_prints_the_codes() -> None:
    r = run_netemu("trace", str(MIDDLEBOX), "--from", "app1", "--to", "db1", "--port", "5432")
    assert "explanation codes SG_REFERENCES_NOT_PRESERVED, MORE_SPECIFIC_ROUTE" in r.stdout


ALSO = re.compile(r"^#\s+netemu (trace .*)$")


def test_middlebox_header_also_lines_hold() -> None:
    """The header's "Also" commands (not "$" lines: the shipped-topology packet test does not
    run them; their kernel side is in tests/dataplane/test_fidelity.py) say what the trace says."""
    lines = MIDDLEBOX.read_text().splitlines()
    checked = 0
    for i, line in enumerate(lines):
        m = ALSO.match(line)
        if not m:
            continue
        args = build_parser().parse_args(shlex.split(m.group(1)))
        expected = lines[i + 1].split(":")[0].strip("# ").strip()
        result = trace(load_topology_file(str(ROOT / args.topology)), flow_from_args(args))
        assert ("REACHABLE" if result.reachable else "NOT REACHABLE") == expected, m.group(1)
        checked += 1
    assert checked == 4
