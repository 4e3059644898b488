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
    def __init__(self, topology: Topology, prefix: str, state: Path, name: str = "") -> None:
        self.topology, self.prefix, self.state = topology, prefix, state
        self.name = name  # the ``SHARED`` name of a ``shared_deployment``
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


def _shared_topologies() -> dict[str, Callable[[], Topology]]:
    from netemu.vpc.load import load_topology_file
    from tests.dataplane.topos import lab, middlebox
    from tests.helpers import ROOT

    # tests/dataplane/topos.py's models; "middlebox-model" is not topologies/middlebox.yaml
    out: dict[str, Callable[[], Topology]] = {"lab": lab, "middlebox-model": middlebox}
    for path in sorted((ROOT / "topologies").glob("*.yaml")):
        out[path.stem] = lambda path=path: load_topology_file(path)  # type: ignore[misc]
    return out


SHARED = _shared_topologies()  # what ``shared_deployment`` applies, by name


@pytest.fixture(scope="session")
def shared_deployment(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Deployment]:
    """One apply of a topology (a name in ``SHARED``) for every test that only probes it: a test
    asks for it with ``@pytest.mark.parametrize("shared_deployment", NAMES, indirect=True,
    scope="session")``. pytest runs the tests of one name together, so test_agreement and
    test_shipped share one apply per shipped topology; the deployment is destroyed before the
    next name is applied (and at the end of the session, also after a failure). A test that
    changes the deployment must use ``deploy_module`` instead."""
    prefix, state = unique_prefix(), tmp_path_factory.mktemp("shared-state")
    try:
        yield Deployment(SHARED[request.param](), prefix, state, request.param)
    finally:
        destroy.destroy(prefix, state)
        assert kernel.list_namespaces(prefix) == [], f"left behind under {prefix}"
