"""The imported account (tests/import/data/account) applied on network namespaces: real packets
between the imported instances agree with ``vpc.trace`` for each flow (root; netns)."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from netemu.vpc.load import load_topology_file
from netemu.vpc.model import Topology
from netemu.vpc.trace import Flow, trace
from tests.dataplane.conftest import Deployment, deploy_module  # noqa: F401  (the fixture)
from tests.dataplane.probe import probe
from tests.helpers import ROOT

pytestmark = pytest.mark.netns

DATA = Path(__file__).resolve().parent / "data" / "account"

# (from, to, port, reachable): the same verdicts test_import_aws.py checks on the trace
FLOWS = [
    ("web-1", "app-1", 8080, True),    # V44: app-sg admits members of web-sg
    ("web-1", "app-1", 22, False),     # V31, V33: the custom NACL's rule 90
    ("app-1", "db-1", 5432, True),     # V44 across the peering; billing routes back
    ("web-1", "db-1", 5432, False),    # V44: db-sg admits app-sg only
    ("db-1", "web-1", 443, False),     # billing has no route to 10.20.1.0/24 (V54)
    ("app-1", "monitor-1", 443, True),  # V76: through the transit gateway, propagated routes
    ("monitor-1", "db-1", 5432, False),  # V77: the TGW route table's blackhole
    ("app-1", "dr-1", 443, True),      # the cross-Region peering to eu-west-1
]


@pytest.fixture(scope="module")
def applied(tmp_path_factory: pytest.TempPathFactory,
            deploy_module: Callable[[Topology], Deployment]) -> Deployment:  # noqa: F811
    out = tmp_path_factory.mktemp("imported")
    done = subprocess.run([sys.executable, "-m", "netemu", "import", "aws", str(DATA), "-o",
                           str(out)], cwd=ROOT, capture_output=True, text=True, check=False,
                          timeout=60)
    assert done.returncode == 0, done.stderr
    return deploy_module(load_topology_file(out / "topology.yaml"))


@pytest.mark.parametrize(("src", "dst", "port", "reachable"), FLOWS,
                         ids=[f"{s}-{d}-{p}" for s, d, p, _ in FLOWS])
def test_imported_account_packets_agree_with_trace(applied: Deployment, src: str, dst: str,
                                                   port: int, reachable: bool) -> None:
    tr = trace(applied.topology, Flow(src, dst, "tcp", port))
    assert tr.reachable == reachable
    src_ns = applied.ns_of_address(tr.packet.src)
    assert src_ns is not None
    got = probe(src_ns, applied.ns_of_address(tr.packet.dst), tr.packet.dst, "tcp", port)
    assert got.reply == reachable, f"kernel {got}, trace {tr.reachable}"
