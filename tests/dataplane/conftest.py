"""Fixtures for data-plane tests: ``deploy`` applies a topology under a prefix and state
directory of its own (so nothing else on the machine is touched or can collide) and destroys it
in the finaliser, also when the test fails."""

from __future__ import annotations

import itertools
import os
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from netemu.dataplane import apply, destroy, kernel, names
from netemu.vpc.model import Topology

_count = itertools.count()


class Deployment:
    def __init__(self, topology: Topology, prefix: str, state: Path) -> None:
        self.topology, self.prefix, self.state = topology, prefix, state
        self.result = apply.apply(topology, prefix, state)

    def ns(self, short: str) -> str:
        """``i-app.web1`` -> the full namespace name."""
        return self.prefix + short

    def ns_of_address(self, ip: str) -> str | None:
        """The namespace whose node owns ``ip`` (private or public address), if any."""
        for vpc in self.topology.vpcs:
            for i in vpc.instances:
                if ip in (i.private_ip, i.public_ip, i.ipv6_address):
                    return self.node_ns(f"{vpc.name}/{i.name}")
            for n in vpc.nat_gateways:
                if ip in (n.private_ip, n.public_ip):
                    return self.node_ns(f"{vpc.name}/{n.name}")
        for h in self.topology.internet_hosts:
            if ip == h.ip:
                return self.node_ns(h.name)
        for site in self.topology.vpn.sites:  # on-premises hosts: their site's namespace
            if any(ip == h.ip for h in site.hosts):
                return self.node_ns(f"site:{site.name}")
        return None

    def node_ns(self, node: str) -> str:
        from netemu.dataplane.execns import resolve
        return resolve(node, self.prefix, self.state)[0]


def unique_prefix() -> str:
    return names.check_prefix(f"netemu-t{os.getpid() % 100000}x{next(_count)}-")


@pytest.fixture(scope="module")
def deploy_module(
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[Callable[[Topology], Deployment]]:
    made: list[tuple[str, Path]] = []

    def make(topology: Topology) -> Deployment:
        prefix, state = unique_prefix(), tmp_path_factory.mktemp("state")
        made.append((prefix, state))
        return Deployment(topology, prefix, state)

    yield make
    for prefix, state in made:
        destroy.destroy(prefix, state)
        assert kernel.list_namespaces(prefix) == [], f"left behind under {prefix}"
