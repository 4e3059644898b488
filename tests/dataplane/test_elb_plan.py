"""The pure parts of the load balancers' data plane: the NLB's DNAT ruleset (V108) and the
process configuration built from a topology (no root needed)."""

from __future__ import annotations

from pathlib import Path

import yaml

from netemu.dataplane import elb, names, nft
from netemu.vpc.load import load_topology, load_topology_file

ROOT = Path(__file__).resolve().parents[2]


def test_nlb_ruleset_dnat_without_snat_V108() -> None:
    text = nft.nlb_ruleset([
        ("10.0.1.5", 9000, "tcp", [("10.0.1.10", 9000)], ["0.0.0.0/0"]),
        ("10.0.2.5", 53, "udp", [("10.0.2.10", 5353), ("10.0.1.10", 53)],
         ["198.51.100.0/24", "10.0.0.0/16"]),
        ("10.0.3.5", 80, "tcp", [], ["0.0.0.0/0"]),
        ("10.0.4.5", 80, "tcp", [("10.0.4.10", 80)], [])])
    lines = [ln.strip() for ln in text.splitlines()]
    assert lines[:2] == ["table ip netemu_nlb", "delete table ip netemu_nlb"]
    assert "ip daddr 10.0.1.5 tcp dport 9000 dnat ip to 10.0.1.10:9000" in lines
    assert ("ip daddr 10.0.2.5 ip saddr { 10.0.0.0/16, 198.51.100.0/24 } udp dport 53 dnat ip "
            "to numgen inc mod 2 map { 0 : 10.0.2.10 . 5353, 1 : 10.0.1.10 . 53 }") in lines
    assert "10.0.3.5" not in text  # no target: nothing to translate to
    assert "10.0.4.5" not in text  # no allowed source: the node's own SG decides (drops)
    assert "snat" not in text and "masquerade" not in text


def test_nlb_sources_follow_its_security_groups_V108() -> None:
    data = yaml.safe_load((ROOT / "topologies" / "alb-failover.yaml").read_text())
    t = load_topology(data, "x")
    nlb = t.elb.balancer("tcp-nlb")
    assert nlb is not None
    assert elb.allowed_sources(t, nlb, nlb.listeners[0]) == ["0.0.0.0/0"]  # no SG: open
    data["vpcs"][0]["security_groups"].append(
        {"name": "nlb", "ingress": [{"protocol": "tcp", "ports": 9000, "cidr": "203.0.113.0/24"},
                                    {"protocol": "tcp", "ports": 22, "cidr": "0.0.0.0/0"},
                                    {"protocol": "tcp", "ports": 9000, "source_group": "app"}]})
    data["load_balancers"][2]["security_groups"] = ["nlb"]
    t = load_topology(data, "x")
    nlb = t.elb.balancer("tcp-nlb")
    assert nlb is not None
    assert elb.allowed_sources(t, nlb, nlb.listeners[0]) == [
        "10.40.11.10", "10.40.12.10", "203.0.113.0/24"]


def test_config_nodes_and_groups(tmp_path: Path) -> None:
    t = load_topology_file(ROOT / "topologies" / "alb-failover.yaml")
    cfg = elb.config(t, "netemu-x-", tmp_path)
    nodes = {(n["lb"], n["az"]): n for n in cfg["nodes"]}
    assert len(nodes) == 6  # three load balancers, two AZs each
    web_a = nodes[("web-alb", "us-east-1a")]
    assert web_a["namespace"] == names.ns_instance("netemu-x-", "shop", "elb-web-alb-us-east-1a")
    assert web_a["router"] == names.ns_router("netemu-x-", "shop")
    assert web_a["listeners"] == [{"port": 80, "protocol": "HTTP", "target_group": "web",
                                   "sources": ["0.0.0.0/0"]}]
    web = next(g for g in cfg["target_groups"] if g["name"] == "web")
    assert [(x["id"], x["ip"], x["az"]) for x in web["targets"]] == [
        ("web1", "10.40.1.10", "us-east-1a"), ("web2", "10.40.2.10", "us-east-1b")]
    assert web["health_check"]["port"] is None  # the traffic port
    again = elb.config(t, "netemu-x-", tmp_path)
    assert again["fingerprint"] == cfg["fingerprint"]
