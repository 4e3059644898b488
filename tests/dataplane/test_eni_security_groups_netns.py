"""Each ENI's own security groups on real packets (V185): ``multi`` has eth0 in subnet a with
group ``ssh`` (TCP 22) and eth1 in subnet b with group ``app`` (TCP 8080). A client reaches 8080
on the eth1 address and not on the eth0 address, and 22 the other way round; the kernel's
verdict equals ``vpc.trace``'s for every probe. Before V185 the instance's primary groups
guarded both interfaces, so 8080 on eth1's address timed out."""

from __future__ import annotations

import subprocess
from collections.abc import Callable
from dataclasses import replace
from typing import Any

import pytest

from netemu.dataplane import kernel
from netemu.dataplane.plan import build
from netemu.vpc.trace import Flow, trace
from tests.dataplane.conftest import Deployment
from tests.dataplane.eni_topos import A_ADDR, B_ADDR, two_enis
from tests.dataplane.probe import probe

pytestmark = [pytest.mark.netns, pytest.mark.slow]

CASES = [  # (client, address, port, reached)
    ("client", B_ADDR, 8080, True),
    ("client", A_ADDR, 8080, False),
    ("client", A_ADDR, 22, True),
    ("client", B_ADDR, 22, False),
    ("near", B_ADDR, 8080, True),   # same subnet as eth1: no router
    ("near", A_ADDR, 8080, False),  # routed to eth0
    ("near", A_ADDR, 22, True),
]


@pytest.fixture(scope="module")
def dep(deploy_module: Callable[[Any], Deployment]) -> Deployment:
    return deploy_module(two_enis())


def test_each_eni_answers_with_its_own_groups_V185(dep: Deployment) -> None:
    """V185 (per-ENI groups on packets), V165 (the ENI is eth1 of its instance)."""
    multi = dep.node_ns("lab/multi")
    shown = subprocess.run(["ip", "-n", multi, "-o", "-4", "addr", "show"], capture_output=True,
                           text=True, check=True).stdout
    assert any("eth1" in line and f"{B_ADDR}/24" in line for line in shown.splitlines())
    seen = []
    for client, address, port, _reached in CASES:
        model = trace(dep.topology, Flow(client, address, "tcp", port))
        kernel = probe(dep.node_ns(f"lab/{client}"), multi, address, "tcp", port,
                       timeout=1.5).reply
        seen.append((client, address, port, model.reachable, kernel))
    assert seen == [(c, a, p, r, r) for c, a, p, r in CASES]


def test_reply_leaves_by_the_interface_the_request_came_in_V185(dep: Deployment) -> None:
    """V185: the reply from eth1's address goes out of eth1 (its ENI's table), as trace sends
    it from ENI multi-b; from eth0's address out of eth0."""
    multi = dep.node_ns("lab/multi")
    for src, dev in ((B_ADDR, "eth1"), (A_ADDR, "eth0")):
        out = subprocess.run(["ip", "-n", multi, "route", "get", "10.60.2.10", "from", src],
                             capture_output=True, text=True, check=True).stdout
        assert f"dev {dev}" in out, out
    # reconciled in place (what apply does to a changed namespace) keeps exactly these rules
    plan = next(n for n in build(dep.topology, dep.prefix).namespaces if n.name == multi)
    kernel.configure(replace(plan, rules=plan.rules[1:]), dep.prefix)
    kernel.configure(plan, dep.prefix)
    rules = subprocess.run(["ip", "-n", multi, "rule", "show"], capture_output=True, text=True,
                           check=True).stdout
    assert [ln.split(":")[1].split() for ln in rules.splitlines() if "lookup 10" in ln] == [
        ["from", A_ADDR, "lookup", "100"], ["from", B_ADDR, "lookup", "101"]], rules
    ret = trace(dep.topology, Flow("client", B_ADDR, "tcp", 8080)).return_path
    assert (ret[0].component, ret[0].name) == ("security-group", "app")  # ENI multi-b's


def test_each_eni_sends_with_its_own_egress_rules_V185(dep: Deployment) -> None:
    """V185 on the way out: ``multi`` opens a connection to the client from eth0's address (group
    ssh: all egress) and not from eth1's (group app: no egress rule), as ``trace`` says for
    ENIs multi and multi-b."""
    multi, client = dep.node_ns("lab/multi"), dep.node_ns("lab/client")
    seen = []
    for eni, address in (("multi", A_ADDR), ("multi-b", B_ADDR)):
        model = trace(dep.topology, Flow(eni, "client", "tcp", 9000)).reachable
        kernel = probe(multi, client, "10.60.2.10", "tcp", 9000, timeout=1.5,
                       src_ip=address).reply
        seen.append((eni, model, kernel))
    assert seen == [("multi", True, True), ("multi-b", False, False)]
