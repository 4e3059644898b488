"""The issue's round trip: each shipped teaching topology, exported into describe-* shapes
(tests/import/export.py) and imported back by ``netemu import aws``, gives the same trace for
every flow its header documents (same verdict, the same components deciding the same way on the
forward and return paths, the same Reachability Analyzer explanation codes)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from netemu.vpc.load import load_topology, load_topology_file
from netemu.vpc.trace import Flow, Trace, trace
from tests.dataplane.test_shipped import examples
from tests.helpers import ROOT
from tests.import_export import export

pytestmark = pytest.mark.slow   # starts servers or subprocesses

# ``netemu import aws`` reads no Elastic Load Balancing describe output yet: topologies with
# load balancers (whose nodes would come back as plain instances) are not round-tripped.
# VPC endpoints are (issue 16), and so are Site-to-Site VPNs to a VGW or a transit gateway
# (hybrid-vpn.yaml: the test puts the sites' hosts back, a snapshot has none).
SHIPPED = sorted(p for p in (ROOT / "topologies").glob("*.yaml")
                 if "\nload_balancers:" not in p.read_text())


def _shape(t: Trace) -> tuple[object, ...]:
    return (t.reachable, [(h.component, h.decision) for h in t.hops],
            [(h.component, h.decision) for h in t.return_path], t.explanations)


@pytest.mark.parametrize("path", SHIPPED, ids=[p.stem for p in SHIPPED])
def test_shipped_topology_survives_export_and_import(path: Path, tmp_path: Path) -> None:
    original = load_topology_file(path)
    snapshot = tmp_path / "snapshot"
    snapshot.mkdir()
    for name, doc in export(original).items():
        (snapshot / name).write_text(json.dumps(doc, indent=1))
    out = tmp_path / "out"
    done = subprocess.run([sys.executable, "-m", "netemu", "import", "aws", str(snapshot), "-o",
                           str(out), "--region", original.region], cwd=ROOT,
                          capture_output=True, text=True, check=False, timeout=60)
    assert done.returncode == 0, done.stdout + done.stderr
    data = yaml.safe_load((out / "topology.yaml").read_text())
    # internet hosts are not AWS resources: the test puts the teaching file's back
    data["internet"] = {"hosts": [{"name": h.name, "ip": h.ip} for h in original.internet_hosts]}
    for site in data.get("on_premises", []):
        site["hosts"] = [{"name": h.name, "ip": h.ip} for s in original.vpn.sites
                         if s.name == site["name"] for h in s.hosts]
    imported = load_topology(data, str(out / "topology.yaml"))
    cases = examples(path)
    assert cases, f"{path.name} documents no flows"
    for opts, expected in cases:
        flow = Flow(opts["from"], opts["to"], opts.get("protocol", "tcp"),
                    int(opts["port"]) if "port" in opts else None,
                    service_action=opts.get("service-action"),
                    service_resource=opts.get("service-resource"))
        before, after = trace(original, flow), trace(imported, flow)
        assert before.reachable == expected
        assert _shape(after) == _shape(before), f"{path.name}: {opts}"
