"""Aliases to AWS resources (R161-R164), pure: the service zone ids and Route 53's refusals, the
service zones built from a topology's load balancers and the nodes' health report, and
EvaluateTargetHealth following the load balancer's targets, through the real loader, lookup
and engine."""

from __future__ import annotations

import json
import random
from dataclasses import replace
from pathlib import Path
from types import MappingProxyType
from typing import Any

import pytest

from netemu.errors import LoadError
from netemu.route53 import engine, names, resources
from netemu.route53.client import ClientContext
from netemu.route53.engine import Question
from netemu.route53.health import HealthSnapshot
from netemu.route53.load import load_zone_files, load_zone_text
from netemu.route53.lookup import compile_zones
from netemu.route53.model import AliasTarget, ZoneSet
from netemu.vpc import elb
from netemu.vpc.load import load_topology_file

ROOT = Path(__file__).resolve().parents[2]
WWW = "www.alb-failover.example.com."


def zone_with(alias: str, private: bool = False) -> str:
    vpcs = "VPCs: [{VPCRegion: us-east-1, VPCId: app}]\n" if private else ""
    return (f"HostedZone:\n  Name: t.example.\n  Config: {{PrivateZone: {str(private).lower()}}}"
            f"\n{vpcs}ResourceRecordSets:\n  - Name: a.t.example.\n    Type: A\n"
            f"    AliasTarget: {alias}\n")


def test_service_zone_ids_R161() -> None:
    alb = AliasTarget("my-alb-1.us-east-1.elb.amazonaws.com.", True, "Z35SXDOTRQ7X7K")
    assert resources.service_of(alb) is not None
    nlb = AliasTarget("my-nlb-abc.elb.us-east-1.amazonaws.com.", True, "Z26RNL4JYFTOTI")
    assert resources.service_of(nlb) is not None
    # an ALB name with the NLB id, or another Region's id, names no service
    assert resources.service_of(replace(alb, hosted_zone_id="Z26RNL4JYFTOTI")) is None
    assert resources.service_of(replace(alb, hosted_zone_id="Z1H1FL5HABSF5")) is None
    s3 = AliasTarget("s3-website-us-east-1.amazonaws.com.", False, "Z3AQBSTGFYJSTF")
    assert resources.service_of(s3) is not None
    assert resources.service_of(replace(s3, dns_name="bucket.s3-website-us-east-1.amazonaws"
                                                     ".com.")) is None


def test_alias_to_a_resource_loads_without_it_R161() -> None:
    text = zone_with("{HostedZoneId: Z35SXDOTRQ7X7K, DNSName: my-alb-1.us-east-1.elb."
                     "amazonaws.com., EvaluateTargetHealth: true}")
    zones = load_zone_text(text, "t.yaml")
    # nothing answers it without the resource: an empty answer, unhealthy for ETH
    compiled = compile_zones(zones)
    a = engine.answer(Question(names.parse("a.t.example."), "A"), ClientContext("192.0.2.1"),
                      compiled, HealthSnapshot(), random.Random(1))
    assert a.answer == ()


@pytest.mark.parametrize(("alias", "private", "text"), [
    ("{HostedZoneId: Z35SXDOTRQ7X7K, DNSName: my-nlb-1.elb.us-east-1.amazonaws.com.,"
     " EvaluateTargetHealth: false}", False, "does not lie within the target zone"),
    ("{HostedZoneId: Z2FDTNDATAQYW2, DNSName: d111111abcdef8.cloudfront.net.,"
     " EvaluateTargetHealth: false}", True, "CloudFront can't be created in a private zone"),
], ids=["R161 ALB id with an NLB name", "R163 CloudFront in a private zone"])
def test_refused_aliases_R161_R163(alias: str, private: bool, text: str) -> None:
    with pytest.raises(LoadError) as exc:
        load_zone_text(zone_with(alias, private), "t.yaml")
    assert any(p.code == "InvalidChangeBatch" and text in p.message
               for p in exc.value.problems), exc.value.problems


def test_cloudfront_alias_in_a_public_zone_R163() -> None:
    load_zone_text(zone_with("{HostedZoneId: Z2FDTNDATAQYW2, DNSName: d111111abcdef8."
                             "cloudfront.net., EvaluateTargetHealth: false}"), "t.yaml")


def serving(health: dict[str, Any]) -> tuple[ZoneSet, HealthSnapshot]:
    """The teaching zone with the service zones of the teaching topology (as the VPC resolver
    builds them) and the load balancers' health."""
    topology = load_topology_file(ROOT / "topologies" / "alb-failover.yaml")
    user = load_zone_files([str(ROOT / "zones" / "alb-failover.yaml")])
    docs, statuses, ids = resources.aws_zone_docs(elb.resource_config(topology.elb), health)
    extra = []
    for doc in docs:
        for z in load_zone_text(json.dumps(doc), "aws").zones:
            extra.append(replace(z, record_sets=tuple(
                replace(r, health_check_id=ids.get(r.name)) for r in z.record_sets)))
    zoneset = ZoneSet(user.zones + tuple(extra), user.health_checks)
    return zoneset, HealthSnapshot(statuses=MappingProxyType(statuses))


def ask(zoneset: ZoneSet, health: HealthSnapshot, name: str) -> list[tuple[str, tuple[str, ...],
                                                                          int]]:
    a = engine.answer(Question(names.parse(name), "A"), ClientContext("203.0.113.50"),
                      compile_zones(zoneset), health, random.Random(3))
    return [(r.record.name, tuple(sorted(r.record.values)), r.ttl) for r in a.answer]


def web(*states: tuple[str, str, str]) -> dict[str, Any]:
    return {"web-alb": {"web": {t: {"state": s, "az": az} for t, s, az in states}},
            "tcp-nlb": {"tcp": {t: {"state": s, "az": az} for t, s, az in states}}}


def test_lb_names_and_alias_follow_target_health_R162_R164() -> None:
    topology = load_topology_file(ROOT / "topologies" / "alb-failover.yaml")
    alb, nlb = topology.elb.balancer("web-alb"), topology.elb.balancer("tcp-nlb")
    assert alb is not None and nlb is not None
    alb_nodes = tuple(sorted(n.public_ip or "" for n in alb.nodes))
    one_up = web(("web1", "healthy", "us-east-1a"), ("web2", "unhealthy", "us-east-1b"))
    zoneset, health = serving(one_up)
    # the name itself: every node of an ALB (cross-zone), TTL 60
    assert ask(zoneset, health, alb.dns_name) == [(alb.dns_name, alb_nodes, 60)]
    # an NLB (cross-zone off): only the node of the AZ with a healthy target
    assert ask(zoneset, health, nlb.dns_name) == [
        (nlb.dns_name, (nlb.nodes[0].public_ip or "",), 60)]
    # the failover alias: the ALB while one target is healthy
    assert ask(zoneset, health, WWW) == [(alb.dns_name, alb_nodes, 60)]
    down = web(("web1", "unhealthy", "us-east-1a"), ("web2", "unhealthy", "us-east-1b"))
    zoneset, health = serving(down)
    s3 = "s3-website-us-east-1.amazonaws.com."
    assert ask(zoneset, health, WWW) == [(s3, ("203.0.113.80",), 60)]
    assert ask(zoneset, health, alb.dns_name) == [(alb.dns_name, alb_nodes, 60)]  # still named
    zoneset, health = serving({})  # no report yet: targets in their initial checks
    assert ask(zoneset, health, WWW) == [(s3, ("203.0.113.80",), 60)]


@pytest.mark.parametrize(("kind", "name", "zone_id"), [
    ("cloudfront", "d111111abcdef8.cloudfront.net.", "Z2FDTNDATAQYW2"),
    ("api-gateway", "d-abc123.execute-api.us-east-1.amazonaws.com.", "Z1UJRXOUMOOFQ8"),
    ("global-accelerator", "a1234567890abcdef.awsglobalaccelerator.com.", "Z2BJ6XQ5FK7U4H"),
])
def test_service_host_answers_an_alias_R161_R162(kind: str, name: str, zone_id: str) -> None:
    from netemu.vpc.load import load_topology
    topology = load_topology({
        "region": "us-east-1", "vpcs": [{"name": "v", "cidr_blocks": ["10.9.0.0/16"]}],
        "internet": {"hosts": [{"name": "svc", "ip": "203.0.113.90"}]},
        "aws_services": [{"service": kind, "host": "svc", "name": name.rstrip(".")}]}, "svc")
    docs, _statuses, _ids = resources.aws_zone_docs(elb.resource_config(topology.elb), {})
    extra = tuple(z for d in docs for z in load_zone_text(json.dumps(d), "aws").zones)
    user = load_zone_text(zone_with(f"{{HostedZoneId: {zone_id}, DNSName: {name}, "
                                    "EvaluateTargetHealth: false}"), "t.yaml")
    zoneset = ZoneSet(user.zones + extra)
    assert ask(zoneset, HealthSnapshot(), "a.t.example.") == [(name, ("203.0.113.90",), 60)]
