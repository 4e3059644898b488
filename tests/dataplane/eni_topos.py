"""An instance with two ENIs in two subnets whose security groups differ (V185): ENI ``multi``
(eth0, subnet a) lets TCP 22 in, ENI ``multi-b`` (eth1, subnet b) TCP 8080 and lets nothing
out that it did not let in. ``client`` sits in a
third subnet, ``near`` in subnet b. Shared by the plan test and the real-packet test."""

from __future__ import annotations

import copy
from typing import Any

from netemu.vpc.load import load_topology
from netemu.vpc.model import Topology


def _tcp_in(port: int) -> dict[str, Any]:
    return {"protocol": "tcp", "ports": port, "cidr": "0.0.0.0/0"}


TWO_ENIS: dict[str, Any] = {
    "region": "us-east-1",
    "vpcs": [{
        "name": "lab", "cidr_blocks": ["10.60.0.0/16"],
        "subnets": [
            {"name": "a", "cidr": "10.60.1.0/24", "az": "us-east-1a"},
            {"name": "c", "cidr": "10.60.2.0/24", "az": "us-east-1a"},
            {"name": "b", "cidr": "10.60.3.0/24", "az": "us-east-1a"},
        ],
        "security_groups": [
            {"name": "ssh", "ingress": [_tcp_in(22)]},
            # no egress rule: ENI multi-b answers (tracked) but opens nothing (V185)
            {"name": "app", "ingress": [_tcp_in(8080)], "egress": []},
            {"name": "client", "ingress": [_tcp_in(9000)]},
        ],
        "instances": [
            {"name": "client", "subnet": "c", "private_ip": "10.60.2.10",
             "security_groups": ["client"]},
            {"name": "near", "subnet": "b", "private_ip": "10.60.3.10",
             "security_groups": ["client"]},
            {"name": "multi", "subnet": "a", "private_ip": "10.60.1.20",
             "security_groups": ["ssh"],
             "network_interfaces": [
                 {"name": "multi-b", "subnet": "b", "private_ip": "10.60.3.20",
                  "security_groups": ["app"]}]},
        ],
    }],
}

A_ADDR, B_ADDR = "10.60.1.20", "10.60.3.20"


def two_enis(edit: Any = None) -> Topology:
    data = copy.deepcopy(TWO_ENIS)
    if edit is not None:
        edit(data)
    return load_topology(data, "two-enis.yaml")
