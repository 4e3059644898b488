"""Elastic IPs and secondary addresses on real packets (V160, V163, V164): the internet host
reaches the instance an EIP is associated with through the IGW's 1:1 NAT (V65); after the file
moves the EIP to another instance and is applied again, the same address reaches the new
instance and no longer the old one. Verdicts are compared with ``vpc.trace``."""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any

import pytest

from netemu.dataplane import apply
from netemu.vpc.load import load_topology
from netemu.vpc.trace import Flow, trace
from tests.dataplane.conftest import Deployment
from tests.dataplane.probe import probe
from tests.vpc.test_elastic_ips import BASE

pytestmark = [pytest.mark.netns, pytest.mark.slow]

EIP = "198.51.100.77"


def _load(instance: str) -> Any:
    data = copy.deepcopy(BASE)
    data["elastic_ips"][0]["instance"] = instance
    data["vpcs"][0]["instances"][0]["secondary_private_ips"] = ["10.0.1.11"]
    return load_topology(data, "eips.yaml")


def test_eip_moved_to_another_instance_and_the_internet_follows_V160(
        deploy_module: Callable[[Any], Deployment]) -> None:
    dep = deploy_module(_load("a"))
    client, a, b = dep.node_ns("client"), dep.node_ns("prod/a"), dep.node_ns("prod/b")
    flow = Flow("client", EIP, "tcp", 80)
    assert trace(dep.topology, flow).hops[-1].name.startswith("a")
    assert probe(client, a, EIP, "tcp", 80).reply
    assert probe(client, a, EIP, "icmp").reply
    # a's outbound traffic leaves with the EIP as source (1:1 NAT out, V65)
    assert probe(a, client, "203.0.113.9", "tcp", 80).reply
    # re-association: the file now names b; apply again on the same deployment
    moved = _load("b")
    apply.apply(moved, dep.prefix, dep.state)
    dep.topology = moved
    assert trace(moved, flow).hops[-1].name.startswith("b")
    assert probe(client, b, EIP, "tcp", 80).reply
    assert not probe(client, a, EIP, "tcp", 80).reply
    # a got an auto-assigned address back (V17, V160); b's old one is gone
    a_public = next(i for i in moved.vpc("prod").instances if i.name == "a").public_ip
    assert a_public and a_public != EIP and probe(client, a, a_public, "tcp", 80).reply


def test_secondary_private_address_answers_V164(
        deploy_module: Callable[[Any], Deployment]) -> None:
    dep = deploy_module(_load("a"))
    assert trace(dep.topology, Flow("b", "10.0.1.11", "tcp", 80)).reachable
    assert probe(dep.node_ns("prod/b"), dep.node_ns("prod/a"), "10.0.1.11", "tcp", 80).reply
