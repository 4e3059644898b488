"""Every example in the header of every shipped topology (``$ netemu trace FILE --from X --to Y
...`` followed by ``=> REACHABLE`` or ``=> NOT REACHABLE``) is run three ways on the applied
topology: the documented verdict, ``vpc.trace``, and real packets between the namespaces.
Other IP protocols (e.g. GRE) are sent as one raw datagram and their forward verdict compared;
an example naming ``--service-resource`` is sent as a real request to the emulated S3 or
DynamoDB behind the gateway endpoint, whose policy decides it (V137)."""

from __future__ import annotations

import json
import re
import shlex
import subprocess
from pathlib import Path

import pytest

from netemu.dataplane import aws_services
from netemu.vpc import gateway_endpoints
from netemu.vpc.trace import Flow, trace
from tests.dataplane.conftest import Deployment
from tests.dataplane.probe import probe, probe_raw
from tests.helpers import ROOT

pytestmark = pytest.mark.netns

SHIPPED = sorted((ROOT / "topologies").glob("*.yaml"))
UNREALISED: tuple[str, ...] = ()


def examples(path: Path) -> list[tuple[dict[str, str], bool]]:
    out = []
    lines = path.read_text().splitlines()
    for i, line in enumerate(lines):
        m = re.match(r"#\s+\$ netemu trace (.*)$", line)
        if not m or i + 1 >= len(lines):
            continue
        verdict = re.match(r"#\s+=> (NOT REACHABLE|REACHABLE)", lines[i + 1])
        if not verdict:
            continue
        words = shlex.split(m.group(1))[1:]
        opts = {words[j].lstrip("-"): words[j + 1] for j in range(len(words) - 1)
                if words[j].startswith("--") and not words[j + 1].startswith("--")}
        out.append((opts, verdict.group(1) == "REACHABLE"))
    return out


def service_request(dep: Deployment, src: str, dst: str, flow: Flow) -> bool:
    """Send the request a ``--service-action``/``--service-resource`` example describes to the
    emulated S3 or DynamoDB (plain HTTP on port 80, started here; ``destroy`` stops it) from the
    source's namespace: False when it is refused as AccessDenied (V137)."""
    aws_services.ensure(dep.topology, dep.prefix, dep.state)
    host = next(h.name for h in dep.topology.internet_hosts if h.ip == dst)
    service = host.split(".", 1)[0]
    action = flow.service_action or gateway_endpoints.DEFAULT_ACTION[service]
    resource = flow.service_resource or ""
    if service == "s3":
        method = {"s3:PutObject": "PUT", "s3:DeleteObject": "DELETE"}.get(action, "GET")
        args = ["-X", method, f"http://{dst}/{resource.removeprefix('arn:aws:s3:::')}"]
    else:
        table = resource.rsplit("/", 1)[-1]
        args = ["-X", "POST", "-H", f"X-Amz-Target: DynamoDB_20120810.{action.split(':')[1]}",
                "-d", json.dumps({"TableName": table, "Key": {"id": {"S": "x"}}}),
                f"http://{dst}/"]
    src_ns = dep.ns_of_address(src)
    assert src_ns is not None, src
    out = subprocess.run(["ip", "netns", "exec", src_ns, "curl", "-s", "--max-time", "5",
                          "-w", "\n%{http_code}", *args],
                         capture_output=True, text=True, timeout=30, check=False)
    body, _, code = out.stdout.rpartition("\n")
    assert code not in ("", "000"), f"no answer from {host}: {out.stderr}"
    return "AccessDenied" not in body


# One apply per topology, shared with test_agreement (the ``shared_deployment`` fixture).
@pytest.mark.parametrize("shared_deployment", [p.stem for p in SHIPPED], indirect=True,
                         scope="session")
def test_documented_examples_hold_on_real_packets(shared_deployment: Deployment) -> None:
    dep = shared_deployment
    path = ROOT / "topologies" / f"{dep.name}.yaml"
    cases = examples(path)
    assert cases, f"{path.name} documents no examples"
    checked, skipped, wrong = 0, [], []
    for opts, expected in cases:
        proto = opts.get("protocol", "tcp")
        if "service-resource" in opts:  # an endpoint policy (V137): a real S3/DynamoDB request
            flow = Flow(opts["from"], opts["to"], proto, int(opts["port"]),
                        service_action=opts.get("service-action"),
                        service_resource=opts["service-resource"])
            tr = trace(dep.topology, flow)
            what = f"--from {opts['from']} --to {opts['to']} {opts['service-resource']}"
            assert tr.reachable == expected, f"{path.name}: {what}: trace disagrees"
            allowed = service_request(dep, tr.packet.src, tr.packet.dst, flow)
            checked += 1
            if allowed != expected:
                wrong.append(f"{what}: the emulated service allowed={allowed}, documented "
                             f"{expected}")
            continue
        flow = Flow(opts["from"], opts["to"], proto, int(opts["port"]) if "port" in opts else None)
        tr = trace(dep.topology, flow)
        what = f"--from {opts['from']} --to {opts['to']} {proto} {opts.get('port', '')}"
        assert tr.reachable == expected, (
            f"{path.name}: {what}: trace disagrees with the documented verdict"
        )
        if any(u in h.component for u in UNREALISED for h in tr.hops + tr.return_path):
            skipped.append(what)
            continue
        src_ns = dep.ns_of_address(tr.packet.src)
        assert src_ns is not None, what
        if proto not in ("tcp", "udp", "icmp"):
            # another IP protocol (e.g. GRE, 47): one raw datagram; compare the forward verdict
            dst_ns = dep.ns_of_address(tr.packet.dst)
            assert dst_ns is not None, what
            raw = probe_raw(src_ns, dst_ns, tr.packet.dst, tr.packet.protocol)
            checked += 1
            if raw.forward != tr.forward_reachable or (expected and not raw.forward):
                wrong.append(f"{what}: kernel {raw}, trace forward {tr.forward_reachable}")
            continue
        got = probe(
            src_ns, dep.ns_of_address(tr.packet.dst), tr.packet.dst, proto, tr.packet.dport or 0
        )
        checked += 1
        if got.reply != expected:
            wrong.append(f"{what}: kernel {got}, documented/trace {expected}")
    assert not wrong, f"{path.name}: " + "; ".join(wrong)
    print(f"{path.name}: {checked} examples checked on packets, skipped (not realised): {skipped}")
    if not checked:
        pytest.skip(f"{path.name}: every example goes through parts not realised: {skipped}")
