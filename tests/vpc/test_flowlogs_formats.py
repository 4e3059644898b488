"""Flow logs beyond the default format: NODATA and SKIPDATA records (V87), and custom formats
with the version 3-5 fields whose ``version`` is the highest among them (V92)."""

from __future__ import annotations

import json

import pytest
import yaml

from netemu.vpc import flowlogs
from netemu.vpc.flowlogs import FlowLogFormatError, LogFormat, az_id
from netemu.vpc.load import load_topology, load_topology_file
from netemu.vpc.reachability import resource_id
from netemu.vpc.trace import Flow, trace
from tests.helpers import ROOT, run_netemu

THREE_TIER = ROOT / "topologies" / "three-tier.yaml"
APART = """
region: us-east-1
account_id: "111122223333"
vpcs:
  - name: a
    cidr_blocks: [10.0.0.0/16]
    subnets: [{name: sa, cidr: 10.0.1.0/24, az: us-east-1b}]
    instances: [{name: a1, subnet: sa, private_ip: 10.0.1.10}]
  - name: b
    cidr_blocks: [10.1.0.0/16]
    subnets: [{name: sb, cidr: 10.1.1.0/24, az: us-east-1c}]
    instances: [{name: b1, subnet: sb, private_ip: 10.1.1.10}]
"""
PEERED = """
region: us-east-1
vpcs:
  - name: a
    cidr_blocks: [10.0.0.0/16]
    subnets: [{name: s, cidr: 10.0.1.0/24, route_table: r}]
    route_tables:
      - name: r
        routes: [{destination: 10.1.0.0/16, target: {peering: ab}}]
    instances: [{name: a1, subnet: s}]
  - name: b
    cidr_blocks: [10.1.0.0/16]
    region: REGION
    subnets: [{name: s, cidr: 10.1.1.0/24, route_table: r}]
    route_tables:
      - name: r
        routes: [{destination: 10.0.0.0/16, target: {peering: ab}}]
    security_groups: [{name: open, ingress: [{protocol: all, cidr: 0.0.0.0/0}]}]
    instances: [{name: b1, subnet: s, security_groups: [open]}]
peerings: [{name: ab, requester: a, accepter: b}]
"""
V5 = ("${version} ${interface-id} ${srcaddr} ${dstaddr} ${action} ${log-status} ${vpc-id}"
      " ${subnet-id} ${instance-id} ${tcp-flags} ${type} ${pkt-srcaddr} ${pkt-dstaddr}"
      " ${region} ${az-id} ${sublocation-type} ${sublocation-id} ${pkt-src-aws-service}"
      " ${pkt-dst-aws-service} ${flow-direction} ${traffic-path}")


def test_v87_nodata_for_an_endpoint_no_packet_reached() -> None:
    """V87: b1's ENI saw nothing (the VPCs are not connected): NODATA, with '-' from srcaddr to
    bytes and in action; a1's ENI logged its packet as usual."""
    topo = load_topology(yaml.safe_load(APART))
    t = trace(topo, Flow("a1", "b1", "tcp", 22))
    assert not t.reachable
    recs = flowlogs.records(t, topo.account_id, 1700000000, topology=topo)
    b1 = [r for r in recs if r.eni_name == "b1"]
    assert [str(r) for r in b1] == [
        f"2 111122223333 {b1[0].interface_id} - - - - - - - 1700000000 1700000060 - NODATA"]
    assert len(str(b1[0]).split(" ")) == 14
    assert [r.log_status for r in recs if r.eni_name == "a1"] == ["OK"]
    # the place fields of a version 4 format are known even without traffic
    fmt = LogFormat.parse("${version} ${log-status} ${vpc-id} ${region} ${az-id} ${srcaddr}")
    assert b1[0].format(fmt) == f"4 NODATA {resource_id('vpc', 'b')} us-east-1 use1-az3 -"
    # without the topology (the golden files' call), nothing is added
    assert not any(r.log_status == "NODATA" for r in flowlogs.records(t, start=0))


def test_v87_skipdata_record() -> None:
    """V87: an interval whose records were skipped logs SKIPDATA with '-' traffic fields."""
    topo = load_topology_file(THREE_TIER)
    t = trace(topo, Flow("app1", "updates", "tcp", 443))
    recs = flowlogs.records(t, start=60, topology=topo, skipdata=["app1"])
    (skip,) = [r for r in recs if r.log_status == "SKIPDATA"]
    assert str(skip) == f"2 123456789012 {skip.interface_id} - - - - - - - 60 120 - SKIPDATA"
    assert skip.interface_id == next(r.interface_id for r in recs if r.eni_name == "app1")


@pytest.mark.parametrize(("text", "version"), [
    ("${srcaddr} ${dstaddr}", 2),
    ("${version} ${srcaddr} ${tcp-flags}", 3),
    ("${pkt-dstaddr} ${az-id} ${version}", 4),
    ("${version} ${traffic-path}", 5),
    ("${region} ${vpc-id}", 4),
])
def test_v92_version_is_the_highest_among_the_fields(text: str, version: int) -> None:
    assert LogFormat.parse(text).version == version


@pytest.mark.parametrize("text", ["", "${bogus}", "srcaddr", "${srcaddr},${dstaddr}"])
def test_v92_bad_formats_are_refused(text: str) -> None:
    with pytest.raises(FlowLogFormatError, match="InvalidParameter: LogFormat"):
        LogFormat.parse(text)


def test_v92_version_3_to_5_fields_through_a_nat_gateway() -> None:
    """V92 fields on app1 -> NAT gateway -> internet: the NAT's ENI has no instance-id, the
    request carries SYN and the reply SYN-ACK, traffic-path is 1 into the NAT gateway and 2
    out of the internet gateway, only for egress records."""
    topo = load_topology_file(THREE_TIER)
    t = trace(topo, Flow("app1", "updates", "tcp", 443))
    fmt = LogFormat.parse(V5)
    by = [(r.eni_name, r.format(fmt).split(" ")) for r in flowlogs.records(t, topology=topo)]
    assert all(len(row) == 21 and row[0] == "5" for _, row in by)
    app_out = next(row for n, row in by if n == "app1" and row[19] == "egress")
    assert app_out[6:] == [
        resource_id("vpc", "shop"), resource_id("subnet", "app-a"),
        resource_id("instance", "app1"), "2", "IPv4", "10.0.2.10", "192.0.2.80", "us-east-1",
        "use1-az1", "-", "-", "-", "-", "egress", "1"]
    nat = [row for n, row in by if n == "nat-a"]
    assert {row[8] for row in nat} == {"-"}
    assert [(row[19], row[20]) for row in nat] == [
        ("ingress", "-"), ("egress", "2"), ("ingress", "-"), ("egress", "1")]
    assert [row[9] for row in nat] == ["2", "2", "18", "18"]


@pytest.mark.parametrize(("region", "path"), [("us-east-1", "4"), ("eu-west-1", "5")])
def test_v92_traffic_path_of_peering(region: str, path: str) -> None:
    """traffic-path 4 through an intra-Region peering, 5 through an inter-Region one."""
    topo = load_topology(yaml.safe_load(PEERED.replace("REGION", region)))
    t = trace(topo, Flow("a1", "b1", "tcp", 22))
    assert t.reachable
    fmt = LogFormat.parse("${flow-direction} ${traffic-path}")
    a1 = [r.format(fmt) for r in flowlogs.records(t, topology=topo) if r.eni_name == "a1"]
    assert a1 == [f"egress {path}", "ingress -"]


@pytest.mark.parametrize(("region", "az", "expect"), [
    ("us-east-1", "us-east-1a", "use1-az1"), ("ap-northeast-1", "ap-northeast-1c", "apne1-az3"),
    ("eu-west-3", "eu-west-3b", "euw3-az2"), ("eu-central-1", "eu-west-1a", "-"),
])
def test_az_id(region: str, az: str, expect: str) -> None:
    assert az_id(region, az) == expect


@pytest.mark.slow
def test_v92_cli_flow_log_format() -> None:
    args = ("trace", str(THREE_TIER), "--from", "app1", "--to", "updates", "--port", "443",
            "--flow-log-start", "1700000000")
    r = run_netemu(*args, "--flow-log-format", "${version} ${srcaddr} ${pkt-dstaddr}"
                   " ${flow-direction}", "--json")
    assert r.returncode == 0, r.stderr
    lines = json.loads(r.stdout)["flow_log"]
    assert lines[0] == "5 10.0.2.10 192.0.2.80 egress"
    text = run_netemu(*args, "--flow-log-format", "${version} ${vpc-id}")
    assert "flow log (version 3, custom format)" in text.stdout
    bad = run_netemu(*args, "--flow-log-format", "${nope}")
    assert bad.returncode == 1 and "unknown field ${nope}" in bad.stderr
