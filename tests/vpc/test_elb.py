"""Load balancers in topology files (V100-V108) and their names (R160, R161): AWS's errors for
each rule, the nodes as ENIs, and ``trace`` through a load balancer to its targets."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import pytest
import yaml

from netemu.errors import LoadError, Problem
from netemu.vpc import elb
from netemu.vpc.load import load_topology
from netemu.vpc.trace import Flow, trace

EXAMPLE = Path(__file__).resolve().parents[2] / "topologies" / "alb-failover.yaml"


def base() -> dict[str, Any]:
    data: dict[str, Any] = yaml.safe_load(EXAMPLE.read_text())
    return data


def problems(data: dict[str, Any]) -> list[Problem]:
    with pytest.raises(LoadError) as exc:
        load_topology(data, "case.yaml")
    return list(exc.value.problems)


def lb(data: dict[str, Any], name: str) -> dict[str, Any]:
    found: dict[str, Any] = next(b for b in data["load_balancers"] if b["name"] == name)
    return found


def test_example_loads_nodes_as_enis_per_az_V100_R160_R161() -> None:
    t = load_topology(base(), "x.yaml")
    web = t.elb.balancer("web-alb")
    assert web is not None
    assert [n.az for n in web.nodes] == ["us-east-1a", "us-east-1b"]
    insts = {i.name: i for i in t.vpc("shop").instances}
    node = insts["elb-web-alb-us-east-1a"]
    assert node.security_groups == ("alb",) and node.public_ip  # internet-facing: public
    assert insts["elb-app-alb-us-east-1b"].public_ip is None   # internal: private only
    assert web.dns_name.startswith("web-alb-") and web.dns_name.endswith(
        ".us-east-1.elb.amazonaws.com.")
    app = t.elb.balancer("app-alb")
    assert app is not None and app.dns_name.startswith("internal-app-alb-")
    nlb = t.elb.balancer("tcp-nlb")
    assert nlb is not None and nlb.dns_name.endswith(".elb.us-east-1.amazonaws.com.")
    assert (web.hosted_zone_id, nlb.hosted_zone_id) == ("Z35SXDOTRQ7X7K", "Z26RNL4JYFTOTI")
    assert t.elb.by_dns_name(web.dns_name.upper().rstrip(".")) == web
    # the name's id is stable for the same account, Region and name, and differs by name
    assert elb.dns_name("web-alb", "application", "internet-facing", "us-east-1",
                        t.account_id) == web.dns_name
    assert elb.dns_name("web-alb2", "application", "internet-facing", "us-east-1",
                        t.account_id) != web.dns_name


def test_nlb_without_groups_gets_an_open_group_V103() -> None:
    t = load_topology(base(), "x.yaml")
    nlb = t.elb.balancer("tcp-nlb")
    assert nlb is not None and nlb.security_groups == ("elb-tcp-nlb",)
    group = next(g for g in t.vpc("shop").security_groups if g.name == "elb-tcp-nlb")
    assert group.ingress[0].cidr == "0.0.0.0/0" and group.ingress[0].protocol == -1


def test_health_check_defaults_and_matcher_V106() -> None:
    t = load_topology(base(), "x.yaml")
    web = t.elb.target_group("web").health_check
    assert (web.path, web.interval, web.healthy_threshold, web.matcher) == (
        "/", 5, 2, "200-299")
    assert web.matches(204) and not web.matches(302)
    data = base()
    del data["target_groups"][0]["health_check"]
    hc = load_topology(data, "x.yaml").elb.target_group("web").health_check
    assert (hc.protocol, hc.path, hc.interval, hc.timeout, hc.healthy_threshold,
            hc.unhealthy_threshold, hc.matcher) == ("HTTP", "/", 30, 5, 5, 2, "200")
    assert hc.matches(200) and not hc.matches(201)


def _one_az(d: dict[str, Any]) -> None:
    lb(d, "web-alb")["subnets"] = ["pub-a"]


def _same_az(d: dict[str, Any]) -> None:
    d["vpcs"][0]["subnets"].append({"name": "pub-a2", "cidr": "10.40.3.0/24",
                                    "az": "us-east-1a", "route_table": "public"})
    lb(d, "web-alb")["subnets"] = ["pub-a", "pub-a2", "pub-b"]


def _internal_name(d: dict[str, Any]) -> None:
    lb(d, "web-alb")["name"] = "internal-web"


def _tcp_on_alb(d: dict[str, Any]) -> None:
    lb(d, "web-alb")["listeners"][0]["protocol"] = "TCP"


def _tcp_group_on_alb(d: dict[str, Any]) -> None:
    lb(d, "web-alb")["listeners"][0]["target_group"] = "tcp"


def _no_igw(d: dict[str, Any]) -> None:
    d["vpcs"][0]["internet_gateway"] = False
    d["vpcs"][0]["route_tables"][0]["routes"] = []


def _foreign_target(d: dict[str, Any]) -> None:
    d["target_groups"][1]["targets"].append({"id": "10.99.0.10"})


def _missing_instance(d: dict[str, Any]) -> None:
    d["target_groups"][0]["targets"].append({"id": "web9"})


def _interval(d: dict[str, Any]) -> None:
    d["target_groups"][0]["health_check"]["interval"] = 2


def _timeout(d: dict[str, Any]) -> None:
    d["target_groups"][0]["health_check"]["timeout"] = 5


def _listener_twice(d: dict[str, Any]) -> None:
    lb(d, "web-alb")["listeners"].append({"port": 80, "target_group": "web"})


def _missing_group(d: dict[str, Any]) -> None:
    lb(d, "web-alb")["listeners"][0]["target_group"] = "nope"


def _unknown_key(d: dict[str, Any]) -> None:
    lb(d, "web-alb")["cross_zone"] = True


def _unknown_host(d: dict[str, Any]) -> None:
    d["aws_services"][0]["host"] = "nobody"


def _unknown_service(d: dict[str, Any]) -> None:
    d["aws_services"][0]["service"] = "api-gateway"


CASES = [
    ("aws service on an unknown host", _unknown_host, "aws_services[0].host", "ValidationError",
     "nobody"),
    ("aws service not played", _unknown_service, "aws_services[0].service", "ValidationError",
     "api-gateway"),
    ("V100 one AZ", _one_az, "load_balancers[web-alb].subnets", "ValidationError",
     "At least two subnets in two different Availability Zones must be specified"),
    ("V100 same AZ", _same_az, "load_balancers[web-alb].subnets",
     "InvalidConfigurationRequest",
     "A load balancer cannot be attached to multiple subnets in the same Availability Zone"),
    ("V101 internal- name", _internal_name, "load_balancers[internal-web].name",
     "ValidationError", "cannot start with 'internal-'"),
    ("V102 TCP listener on an ALB", _tcp_on_alb, "load_balancers[web-alb].listeners[0].protocol",
     "UnsupportedProtocol", "TCP"),
    ("V102 TCP group on an ALB", _tcp_group_on_alb,
     "load_balancers[web-alb].listeners[0].target_group", "IncompatibleProtocols", "tcp"),
    ("V104 internet-facing without IGW", _no_igw, "load_balancers[web-alb].scheme",
     "InvalidSubnet", "has no internet gateway"),
    ("V105 IP outside the VPC", _foreign_target, "target_groups[app].targets[2]",
     "InvalidTarget", "10.99.0.10"),
    ("V105 unknown instance", _missing_instance, "target_groups[web].targets[2]",
     "InvalidTarget", "web9"),
    ("V106 interval range", _interval, "target_groups[web].health_check.interval",
     "ValidationError", "between 5 and 300"),
    ("V106 timeout below interval", _timeout, "target_groups[web].health_check.timeout",
     "ValidationError", "greater than the timeout"),
    ("duplicate listener", _listener_twice, "load_balancers[web-alb].listeners[1]",
     "DuplicateListener", "already exists on this port"),
    ("missing target group", _missing_group, "load_balancers[web-alb].listeners[0].target_group",
     "TargetGroupNotFound", "nope"),
    ("unknown key", _unknown_key, "load_balancers[web-alb]", "UnknownParameter", "cross_zone"),
]


@pytest.mark.parametrize(("label", "change", "item", "code", "text"), CASES,
                         ids=[c[0] for c in CASES])
def test_aws_errors_V100_V106(label: str, change: Any, item: str, code: str, text: str) -> None:
    data = copy.deepcopy(base())
    change(data)
    found = problems(data)
    assert any(p.item == item and p.code == code and text in p.message for p in found), (
        label, [(p.item, p.code, p.message) for p in found])
    assert all(p.file == "case.yaml" for p in found)


# --- trace through a load balancer (V104, V107, V108) ------------------------------------------


def run(data: dict[str, Any], src: str, dst: str, port: int) -> Any:
    return trace(load_topology(data, "x.yaml"), Flow(src, dst, "tcp", port))


def test_trace_client_alb_target_V107() -> None:
    t = run(base(), "client", "web-alb", 80)
    assert t.reachable
    kinds = [(h.component, h.name) for h in t.hops]
    assert ("security-group", "alb") in kinds  # the ALB's SG on the first leg
    lb_at = kinds.index(("load-balancer", "web-alb"))
    assert kinds[lb_at - 1] == ("instance", "elb-web-alb-us-east-1a")
    assert kinds[-1] == ("instance", "web1")  # the target in the node's AZ first
    assert "group alb" in t.hops[-2].reason
    assert "web2 10.40.2.10:8080 (us-east-1b) reachable" in t.hops[lb_at].reason
    # by DNS name too
    name = load_topology(base(), "x").elb.balancer("web-alb")
    assert name is not None
    assert run(base(), "client", name.dns_name.rstrip("."), 80).reachable


def test_trace_target_sg_must_allow_the_alb_V107() -> None:
    data = base()
    web = next(g for g in data["vpcs"][0]["security_groups"] if g["name"] == "web")
    web["ingress"][0] = {"protocol": "tcp", "ports": 8080, "cidr": "203.0.113.0/24"}
    t = run(data, "client", "web-alb", 80)
    assert not t.reachable
    assert t.blockers[0].component == "security-group" and t.blockers[0].name == "web"
    lb_hop = next(h for h in t.hops if h.component == "load-balancer")
    assert "NOT reachable" in lb_hop.reason


def test_trace_no_listener_on_port() -> None:
    data = base()
    alb = next(g for g in data["vpcs"][0]["security_groups"] if g["name"] == "alb")
    alb["ingress"][0]["ports"] = "80-81"
    t = run(data, "client", "web-alb", 81)
    assert not t.reachable and t.hops[-1].component == "load-balancer"
    assert "no listener on port 81" in t.hops[-1].reason


def test_internal_alb_only_from_inside_V104() -> None:
    outside = run(base(), "client", "app-alb", 80)
    assert not outside.reachable
    assert outside.hops[0].component == "load-balancer" and "internal" in outside.hops[0].reason
    inside = run(base(), "web2", "app-alb", 80)
    assert inside.reachable
    # the node in the client's AZ, then the target in that AZ
    assert [h.name for h in inside.hops if h.component == "instance"] == [
        "elb-app-alb-us-east-1b", "app2"]


def test_nlb_target_sees_the_client_V108() -> None:
    assert run(base(), "client", "tcp-nlb", 9000).reachable
    data = base()
    web = next(g for g in data["vpcs"][0]["security_groups"] if g["name"] == "web")
    web["ingress"][1] = {"protocol": "tcp", "ports": 9000, "cidr": "10.40.0.0/16"}
    t = run(data, "client", "tcp-nlb", 9000)
    assert not t.reachable  # the node may reach the target, but the client's address may not
    assert "203.0.113.50" in t.blockers[-1].reason and "V108" in t.blockers[-1].reason
