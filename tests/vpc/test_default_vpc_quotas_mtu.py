"""Issue 10, model side: default subnets auto-assign public IPv4 addresses (V17), the creation-
time quotas with AWS's error codes and the ``quotas:`` increases (V4, V29, V38, V51, V62), and
the MTU of each hop (V39, V60). Each case fails on the code before issue 10."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml

from netemu.errors import LoadError, Problem
from netemu.vpc import addressing, mtu
from netemu.vpc.load import load_topology
from netemu.vpc.model import RouteTarget, Topology
from netemu.vpc.trace import Flow, trace
from tests.helpers import run_netemu

SOURCE = "case.yaml"

DEFAULT_VPC = """
region: us-east-1
internet: {hosts: [{name: client, ip: 203.0.113.50}]}
vpcs:
  - name: dflt
    default: true
    security_groups:
      - name: web
        ingress: [{protocol: tcp, ports: 80, cidr: 0.0.0.0/0}]
    instances:
      - {name: web1, subnet: default-us-east-1a, security_groups: [web]}
      - {name: quiet, subnet: default-us-east-1b, security_groups: [web],
         associate_public_ip_address: false}
      - {name: eip, subnet: default-us-east-1c, security_groups: [web], public_ip: 198.51.100.7}
  - name: custom
    cidr_blocks: [10.0.0.0/16]
    internet_gateway: true
    subnets:
      - {name: pub, cidr: 10.0.1.0/24, route_table: pub, map_public_ip_on_launch: true}
      - {name: plain, cidr: 10.0.2.0/24, route_table: pub}
    route_tables:
      - {name: pub, routes: [{destination: 0.0.0.0/0, target: internet_gateway}]}
    security_groups:
      - name: web
        ingress: [{protocol: tcp, ports: 80, cidr: 0.0.0.0/0}]
    instances:
      - {name: app1, subnet: pub, security_groups: [web]}
      - {name: app2, subnet: plain, security_groups: [web]}
      - {name: app3, subnet: plain, security_groups: [web], associate_public_ip_address: true}
"""


def load(text: str) -> Topology:
    return load_topology(yaml.safe_load(text), SOURCE)


def problems(text: str) -> list[Problem]:
    with pytest.raises(LoadError) as exc:
        load(text)
    return list(exc.value.problems)


def instance(topo: Topology, vpc: str, name: str):  # type: ignore[no-untyped-def]
    return next(i for i in topo.vpc(vpc).instances if i.name == name)


# --- V17: public IPv4 on launch -------------------------------------------------------------------


def test_v17_default_subnets_assign_public_ipv4_deterministically() -> None:
    topo = load(DEFAULT_VPC)
    subnets = {s.name: s for s in topo.vpc("dflt").subnets}
    assert all(s.default_for_az and s.map_public_ip_on_launch for s in subnets.values())
    web1 = instance(topo, "dflt", "web1")
    assert web1.public_ip is not None and web1.auto_public_ip
    assert addressing.contains(addressing.AUTO_PUBLIC_IPV4_POOL, web1.public_ip)
    assert addressing.is_public_ipv4(web1.public_ip)
    assert load(DEFAULT_VPC) == topo  # deterministic
    assert instance(topo, "dflt", "quiet").public_ip is None  # the launch said no
    eip = instance(topo, "dflt", "eip")
    assert (eip.public_ip, eip.auto_public_ip) == ("198.51.100.7", False)


def test_v17_map_public_ip_on_launch_on_a_custom_subnet() -> None:
    topo = load(DEFAULT_VPC)
    subnets = {s.name: s for s in topo.vpc("custom").subnets}
    assert subnets["pub"].map_public_ip_on_launch and not subnets["plain"].map_public_ip_on_launch
    assert instance(topo, "custom", "app1").public_ip is not None
    assert instance(topo, "custom", "app2").public_ip is None
    assert instance(topo, "custom", "app3").public_ip is not None
    ips = [i.public_ip for v in topo.vpcs for i in v.instances if i.public_ip]
    assert len(set(ips)) == len(ips)


def test_v17_explicit_subnet_in_default_vpc_can_say_false() -> None:
    text = DEFAULT_VPC.replace("    security_groups:\n      - name: web\n",
                               "    subnets:\n      - {name: default-us-east-1a, cidr: "
                               "172.31.0.0/20, default_for_az: true,\n"
                               "         map_public_ip_on_launch: false}\n"
                               "      - {name: default-us-east-1b, cidr: 172.31.16.0/20}\n"
                               "      - {name: default-us-east-1c, cidr: 172.31.32.0/20}\n"
                               "    security_groups:\n      - name: web\n", 1)
    topo = load(text)
    assert instance(topo, "dflt", "web1").public_ip is None
    sub = {s.name: s for s in topo.vpc("dflt").subnets}
    assert sub["default-us-east-1a"].default_for_az
    assert not sub["default-us-east-1b"].default_for_az  # a subnet the user made


def test_v17_trace_reaches_the_auto_assigned_address() -> None:
    topo = load(DEFAULT_VPC)
    t = trace(topo, Flow("client", "web1", "tcp", 80))
    assert t.reachable, [h.reason for h in t.hops]
    assert t.packet.dst == instance(topo, "dflt", "web1").public_ip
    assert any("assigned at launch, V17" in h.reason for h in t.hops)  # the IGW's 1:1 NAT
    assert not trace(topo, Flow("client", "quiet", "tcp", 80)).reachable
    assert trace(topo, Flow("client", "app1", "tcp", 80)).reachable
    assert not trace(topo, Flow("client", "app2", "tcp", 80)).reachable


@pytest.mark.slow  # a netemu subprocess
def test_v17_trace_cli_default_vpc(tmp_path: Path) -> None:
    f = tmp_path / "default.yaml"
    f.write_text(DEFAULT_VPC)
    r = run_netemu("trace", str(f), "--from", "client", "--to", "web1", "--port", "80", "--json")
    assert r.returncode == 0, r.stdout + r.stderr
    assert json.loads(r.stdout)["flow"]["packet"]["dst"].startswith("198.18.")


@pytest.mark.parametrize("text, path, code", [
    (DEFAULT_VPC.replace("{name: pub, cidr: 10.0.1.0/24,", "{name: pub, cidr: 10.0.1.0/24, "
                         "default_for_az: true,"),
     "vpcs[custom].subnets[pub].default_for_az", "InvalidParameterValue"),
    ("vpcs:\n  - name: d\n    default: true\n    subnets:\n"
     "      - {name: x, cidr: 172.31.0.0/20, default_for_az: true}\n"
     "      - {name: y, cidr: 172.31.16.0/20, default_for_az: true}\n",
     "vpcs[d].subnets[y].default_for_az", "DefaultSubnetAlreadyExistsInAvailabilityZone"),
    (DEFAULT_VPC.replace("map_public_ip_on_launch: true", "map_public_ip_on_launch: maybe"),
     "vpcs[custom].subnets[pub].map_public_ip_on_launch", "InvalidParameterValue"),
])
def test_v17_refusals(text: str, path: str, code: str) -> None:
    assert (path, code) in [(p.item, p.code) for p in problems(text)]


# --- quotas ----------------------------------------------------------------------------------


def nacl_vpc(inbound: int, quotas: str = "", v6: int = 0) -> str:
    rules = [f"{{rule: {k + 1}, protocol: tcp, ports: {k + 1}, cidr: 10.9.0.0/16, "
             "action: allow}" for k in range(inbound)]
    rules += [f"{{rule: {500 + k}, protocol: tcp, ports: {k + 1}, cidr: '2001:db8::/32', "
              "action: allow}" for k in range(v6)]
    return (f"{quotas}vpcs:\n  - name: a\n    cidr_blocks: [10.0.0.0/16]\n"
            f"    network_acls:\n      - name: n\n        inbound: [{', '.join(rules)}]\n")


def test_v38_twenty_rules_per_direction_include_the_star_rule() -> None:
    load(nacl_vpc(19))  # 19 + * = 20
    got = [(p.item, p.code) for p in problems(nacl_vpc(20))]
    assert got == [("vpcs[a].network_acls[n].inbound", "NetworkAclEntryLimitExceeded")]
    load(nacl_vpc(19, v6=19))  # per IP family


def test_v38_quota_can_be_raised_to_40_and_no_further() -> None:
    topo = load(nacl_vpc(39, "quotas: {rules_per_network_acl: 40}\n"))
    assert topo.quotas == (("rules_per_network_acl", 40),)
    got = problems(nacl_vpc(10, "quotas: {rules_per_network_acl: 41}\n"))
    assert [(p.item, p.code) for p in got] == [("quotas.rules_per_network_acl",
                                                "InvalidParameterValue")]
    assert [p.code for p in problems(nacl_vpc(10, "quotas: {rules_per_network_acl: 10}\n"))] \
        == ["InvalidParameterValue"]  # no decreases


def test_v38_network_acls_per_vpc() -> None:
    acls = "".join(f"      - {{name: n{k}}}\n" for k in range(200))
    text = "vpcs:\n  - name: a\n    cidr_blocks: [10.0.0.0/16]\n    network_acls:\n" + acls
    assert [(p.item, p.code) for p in problems(text)] == [
        ("vpcs[a].network_acls", "NetworkAclLimitExceeded")]
    load("quotas: {network_acls_per_vpc: 201}\n" + text)


def test_v51_rules_times_groups_per_eni_at_most_1000() -> None:
    base = "vpcs:\n  - name: a\n    cidr_blocks: [10.0.0.0/16]\n"
    load("quotas: {security_groups_per_network_interface: 16, rules_per_security_group: 62}\n"
         + base)  # 992
    got = problems("quotas: {security_groups_per_network_interface: 16, "
                   "rules_per_security_group: 63}\n" + base)  # 1008
    assert [(p.item, p.code) for p in got] == [
        ("quotas.security_groups_per_network_interface", "InvalidParameterValue")]
    assert "1000" in got[0].message
    assert [p.code for p in problems("quotas: {rules_per_security_group: 201}\n" + base)] == [
        "InvalidParameterValue"]  # 5 x 201 > 1000


def test_v51_raised_groups_per_eni_and_rules_per_group() -> None:
    sgs = "".join(f"      - {{name: g{k}}}\n" for k in range(6))
    text = ("vpcs:\n  - name: a\n    cidr_blocks: [10.0.0.0/16]\n"
            "    subnets: [{name: s, cidr: 10.0.1.0/24}]\n    security_groups:\n" + sgs
            + "    instances: [{name: i, subnet: s, security_groups: [g0, g1, g2, g3, g4, g5]}]\n")
    assert [p.code for p in problems(text)] == ["SecurityGroupsPerInterfaceLimitExceeded"]
    load("quotas: {security_groups_per_network_interface: 6}\n" + text)
    rules = ", ".join(f"{{protocol: tcp, ports: {k + 1}, cidr: 10.1.0.0/16}}" for k in range(61))
    many = ("vpcs:\n  - name: a\n    cidr_blocks: [10.0.0.0/16]\n    security_groups:\n"
            f"      - {{name: g, ingress: [{rules}]}}\n")
    assert [p.code for p in problems(many)] == ["RulesPerSecurityGroupLimitExceeded"]
    load("quotas: {rules_per_security_group: 61}\n" + many)


def test_v51_security_groups_per_region() -> None:
    vpcs = "".join(f"  - name: v{k}\n    cidr_blocks: [10.{k}.0.0/16]\n    security_groups: ["
                   + ", ".join(f"{{name: g{j}}}" for j in range(250)) + "]\n" for k in range(10))
    got = problems("vpcs:\n" + vpcs)  # 10 x (250 + default) = 2510
    assert [p.code for p in got] == ["SecurityGroupLimitExceeded"]
    load("quotas: {security_groups_per_region: 2510}\nvpcs:\n" + vpcs)


@pytest.mark.parametrize("quotas, code", [
    ("{bogus_quota: 3}", "UnknownParameter"),
    ("{routes_per_route_table: lots}", "InvalidParameterValue"),
    ("[1, 2]", "InvalidParameterValue"),
])
def test_quota_shape(quotas: str, code: str) -> None:
    text = f"quotas: {quotas}\nvpcs:\n  - name: a\n    cidr_blocks: [10.0.0.0/16]\n"
    assert [p.code for p in problems(text)] == [code]


def test_v4_v29_v62_quotas_raise() -> None:
    six = "[" + ", ".join(f"10.{i}.0.0/16" for i in range(1, 7)) + "]"
    text = f"vpcs:\n  - name: a\n    cidr_blocks: {six}\n"
    assert [p.code for p in problems(text)] == ["CidrLimitExceeded"]
    load("quotas: {ipv4_cidr_blocks_per_vpc: 6}\n" + text)
    routes = ", ".join(f"{{destination: 10.{100 + k}.0.0/16, target: internet_gateway}}"
                       for k in range(51))
    text = ("vpcs:\n  - name: a\n    cidr_blocks: [10.0.0.0/16]\n    internet_gateway: true\n"
            f"    route_tables: [{{name: r, routes: [{routes}]}}]\n")
    assert [p.code for p in problems(text)] == ["RouteLimitExceeded"]
    load("quotas: {routes_per_route_table: 51}\n" + text)


# --- V39, V60: MTU ------------------------------------------------------------------------------


def test_v60_v39_hop_mtu() -> None:
    assert mtu.hop_mtu("local") == mtu.hop_mtu("instance") == 9001
    assert mtu.hop_mtu("peering") == 9001
    assert mtu.hop_mtu("peering", same_region=False) == 1500
    assert mtu.hop_mtu("internet_gateway") == mtu.hop_mtu("nat_gateway") == 1500
    assert mtu.hop_mtu("egress_only_internet_gateway") == mtu.hop_mtu("internet") == 1500
    assert mtu.hop_mtu("transit_gateway") == 8500
    assert mtu.path_mtu([9001, 8500, 9001]) == 8500 and mtu.path_mtu([]) == 9001
    with pytest.raises(ValueError):
        mtu.hop_mtu("blackhole")


def test_v60_peering_mtu_depends_on_the_regions() -> None:
    text = """
vpcs:
  - {name: a, cidr_blocks: [10.0.0.0/16]}
  - {name: b, cidr_blocks: [10.1.0.0/16]}
  - {name: c, cidr_blocks: [10.2.0.0/16], region: eu-west-1}
peerings:
  - {name: ab, requester: a, accepter: b}
  - {name: ac, requester: a, accepter: c}
"""
    topo = load(text)
    assert mtu.target_mtu(topo, "a", RouteTarget("peering", "ab")) == 9001
    assert mtu.target_mtu(topo, "a", RouteTarget("peering", "ac")) == 1500
    assert mtu.target_mtu(topo, "a", RouteTarget("transit_gateway", "t")) == 8500
