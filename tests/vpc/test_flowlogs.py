"""Flow-log records of a trace: default format (V86), ACCEPT/REJECT (V87), one record per ENI
per 5-tuple (V88), private addresses only (V89), stateful vs stateless (V90)."""

from __future__ import annotations

import re

import yaml

from netemu.vpc import flowlogs
from netemu.vpc.load import load_topology
from netemu.vpc.trace import Flow, trace

PING = """
region: us-east-1
account_id: "111122223333"
vpcs:
  - name: app
    cidr_blocks: [10.0.0.0/16]
    internet_gateway: true
    subnets:
      - {name: web, cidr: 10.0.1.0/24, route_table: public, network_acl: ping-in-only}
      - {name: private, cidr: 10.0.2.0/24, route_table: private}
    route_tables:
      - name: public
        routes: [{destination: 0.0.0.0/0, target: internet_gateway}]
      - name: private
        routes: [{destination: 0.0.0.0/0, target: {nat_gateway: nat}}]
    nat_gateways: [{name: nat, subnet: web, private_ip: 10.0.1.5, public_ip: 198.51.100.5}]
    network_acls:
      - name: ping-in-only
        inbound:
          - {rule: 100, protocol: icmp, cidr: 0.0.0.0/0, action: allow}
          - {rule: 110, protocol: all, cidr: 10.0.0.0/16, action: allow}
          - {rule: 120, protocol: tcp, ports: 1024-65535, cidr: 0.0.0.0/0, action: allow}
        outbound:
          - {rule: 100, protocol: tcp, ports: 443, cidr: 0.0.0.0/0, action: allow}
          - {rule: 110, protocol: all, cidr: 10.0.0.0/16, action: allow}
    security_groups:
      - name: ping
        ingress: [{protocol: icmp, cidr: 0.0.0.0/0}]
    instances:
      - {name: web1, subnet: web, private_ip: 10.0.1.10, public_ip: 198.51.100.10,
         security_groups: [ping]}
      - {name: app1, subnet: private, private_ip: 10.0.2.10}
internet:
  hosts: [{name: home, ip: 203.0.113.9}]
"""

FIELDS = ("version account-id interface-id srcaddr dstaddr srcport dstport protocol packets "
          "bytes start end action log-status").split()


def topo():  # type: ignore[no-untyped-def]
    return load_topology(yaml.safe_load(PING), "ping")


def test_v90_ping_in_accept_reply_reject() -> None:
    """V90: ping in allowed by SG and NACL inbound, NACL outbound does not allow it: the
    request is ACCEPT, the reply REJECT, on the same ENI; addresses are private (V89); one record
    per direction for the one 60 s aggregation interval (V88)."""
    t = trace(topo(), Flow("home", "web1", "icmp"))
    assert not t.reachable
    recs = flowlogs.records(t, "111122223333", 1700000000)
    lines = [str(r) for r in recs]
    eni = recs[0].interface_id
    assert re.fullmatch(r"eni-[0-9a-f]{17}", eni)
    assert lines == [
        f"2 111122223333 {eni} 203.0.113.9 10.0.1.10 0 0 1 1 84 1700000000 1700000060 ACCEPT OK",
        f"2 111122223333 {eni} 10.0.1.10 203.0.113.9 0 0 1 1 84 1700000000 1700000060 REJECT OK",
    ]
    for line in lines:  # V86: fourteen space-separated fields
        assert len(line.split(" ")) == len(FIELDS)


def test_nat_gateway_records_both_sides() -> None:
    """The NAT gateway's ENI logs the flow before and after translation (V68, V89)."""
    t = trace(topo(), Flow("app1", "home", "tcp", 443))
    assert t.reachable
    recs = flowlogs.records(t, start=0)
    by_eni: dict[str, list[tuple[str, str, int, int, str]]] = {}
    for r in recs:
        by_eni.setdefault(r.eni_name, []).append(
            (r.srcaddr, r.dstaddr, r.srcport, r.dstport, r.action))
    nat_port = [r for r in by_eni["nat"] if r[0] == "10.0.1.5"][0][2]
    assert 1024 <= nat_port <= 65535
    assert by_eni["app1"] == [
        ("10.0.2.10", "203.0.113.9", 40000, 443, "ACCEPT"),
        ("203.0.113.9", "10.0.2.10", 443, 40000, "ACCEPT"),
    ]
    assert by_eni["nat"] == [
        ("10.0.2.10", "203.0.113.9", 40000, 443, "ACCEPT"),
        ("10.0.1.5", "203.0.113.9", nat_port, 443, "ACCEPT"),
        ("203.0.113.9", "10.0.1.5", 443, nat_port, "ACCEPT"),
        ("203.0.113.9", "10.0.2.10", 443, 40000, "ACCEPT"),
    ]
    # V89: never a public address
    assert not any("198.51.100" in str(r) for r in recs)


def test_sg_reject_is_logged() -> None:
    """V87: traffic the SG refuses is logged REJECT at the destination ENI (tcp to web1)."""
    t = trace(topo(), Flow("app1", "web1", "tcp", 22))
    recs = flowlogs.records(t)
    web1 = [r for r in recs if r.eni_name == "web1"]
    assert [(r.dstport, r.action) for r in web1] == [(22, "REJECT")]


def test_all_blockers_logs_only_what_happens() -> None:
    """With --all-blockers the walk goes on past the blocker, the flow log does not: it shows
    what AWS would log (the request rejected), not the assumed path."""
    flow = Flow("home", "web1", "icmp")
    plain = flowlogs.records(trace(topo(), flow), start=0)
    full = flowlogs.records(trace(topo(), flow, all_blockers=True), start=0)
    assert [str(r) for r in full] == [str(r) for r in plain]
    t = trace(topo(), Flow("app1", "web1", "tcp", 22), all_blockers=True)
    assert [r.action for r in flowlogs.records(t) if r.eni_name == "web1"] == ["REJECT"]
    assert not any(r.eni_name == "app1" and r.dstaddr == "10.0.2.10"
                   for r in flowlogs.records(t))  # no reply was ever sent
