"""A two-ENI firewall instance on real packets (V165-V167): fw1's eth0 is in the app subnet,
its eth1 (ENI fw1-data, device index 1) in the data subnet, source/destination check off on both;
each subnet's route table sends the other subnet to fw1's ENI in it. app1 reaches db1 through
fw1 and back; with fw1's check on, nothing passes. Verdicts are compared with ``vpc.trace``."""

from __future__ import annotations

import copy
import subprocess
from collections.abc import Callable
from typing import Any

import pytest

from netemu.vpc.load import load_topology
from netemu.vpc.trace import Flow, trace
from tests.dataplane.conftest import Deployment
from tests.dataplane.probe import probe
from tests.vpc.test_enis import FIREWALL

pytestmark = [pytest.mark.netns, pytest.mark.slow]


def _load(check: bool) -> Any:
    data = copy.deepcopy(FIREWALL)
    data["vpcs"][0]["instances"][2]["source_dest_check"] = check
    return load_topology(data, "firewall.yaml")


@pytest.mark.parametrize("check", [False, True], ids=["check-off", "check-on"])
def test_two_eni_firewall_routes_between_two_subnets_V167(
        deploy_module: Callable[[Any], Deployment], check: bool) -> None:
    dep = deploy_module(_load(check))
    app1, db1, fw1 = (dep.node_ns(n) for n in ("lab/app1", "lab/db1", "lab/fw1"))
    # fw1's namespace holds both ENIs: eth0 in app, eth1 in data (V165)
    shown = subprocess.run(["ip", "-n", fw1, "-o", "-4", "addr", "show"], capture_output=True,
                           text=True, check=True).stdout
    assert any("eth0" in line and "10.50.1.5/24" in line for line in shown.splitlines())
    assert any("eth1" in line and "10.50.3.5/24" in line for line in shown.splitlines())
    expected = trace(dep.topology, Flow("app1", "db1", "tcp", 5432)).reachable
    assert expected == (not check)
    assert probe(app1, db1, "10.50.3.10", "tcp", 5432).reply == expected
    assert probe(app1, db1, "10.50.3.10", "icmp").reply == expected
    assert probe(db1, app1, "10.50.1.10", "tcp", 22).reply == expected
