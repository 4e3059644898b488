"""``trace --format reachability-analyzer`` (netemu/vpc/reachability.py): a trace in the shape of
``aws ec2 describe-network-insights-analyses`` (V93) with the explanation codes of the catalogue
where the situation arises (V94)."""

from __future__ import annotations

import json
from typing import Any

import pytest
import yaml

from netemu.vpc.load import load_topology, load_topology_file
from netemu.vpc.reachability import analysis, resource_id
from netemu.vpc.trace import Flow, trace
from tests.helpers import ROOT, run_netemu

THREE_TIER = ROOT / "topologies" / "three-tier.yaml"
SG_VS_NACL = ROOT / "topologies" / "sg-vs-nacl.yaml"
START = "2026-01-01T00:00:00.000Z"
APART = """
region: eu-west-3
account_id: "210987654321"
vpcs:
  - name: a
    cidr_blocks: [10.0.0.0/16]
    subnets: [{name: s, cidr: 10.0.1.0/24}]
    instances: [{name: a1, subnet: s}]
  - name: b
    cidr_blocks: [10.1.0.0/16]
    subnets: [{name: s, cidr: 10.1.1.0/24}]
    instances: [{name: b1, subnet: s}]
"""


def _one(path: Any, flow: Flow) -> dict[str, Any]:
    topo = load_topology_file(path)
    out = analysis(topo, trace(topo, flow), START)
    assert list(out) == ["NetworkInsightsAnalyses"]
    (result,) = out["NetworkInsightsAnalyses"]
    return result  # type: ignore[no-any-return]


def test_v93_found_path_shape_and_nat_codes() -> None:
    """V93: a reachable path has Forward and Return path components numbered from 1, each with a
    Component {Id, Arn, Name} and its headers; V94: the NAT gateway hop carries
    NGW_SOURCE_ADDRESS_REASSIGN, NGW_DEST_ADDRESS_PRESERVATION and REMAP_EPHEMERAL_PORT."""
    r = _one(THREE_TIER, Flow("app1", "updates", "tcp", 443))
    assert r["Status"] == "succeeded" and r["NetworkPathFound"] is True
    assert r["StartDate"] == START and r["NetworkInsightsAnalysisId"].startswith("nia-")
    assert r["NetworkInsightsAnalysisArn"].endswith("network-insights-analysis/"
                                                   + r["NetworkInsightsAnalysisId"])
    assert "Explanations" not in r and r["AlternatePathHints"] == []
    for path in ("ForwardPathComponents", "ReturnPathComponents"):
        comps = r[path]
        assert [c["SequenceNumber"] for c in comps] == list(range(1, len(comps) + 1))
        assert all({"Id", "Name"} <= set(c["Component"]) for c in comps)
        assert all(c["InboundHeader"]["Protocol"] == "6" for c in comps)
    nat = next(c for c in r["ForwardPathComponents"] if c["Component"]["Name"] == "nat-a")
    assert nat["Component"]["Id"] == resource_id("nat-gateway", "nat-a")
    assert nat["Component"]["Arn"] == (
        "arn:aws:ec2:us-east-1:123456789012:natgateway/" + nat["Component"]["Id"])
    codes = [e["ExplanationCode"] for e in nat["Explanations"]]
    assert codes == ["NGW_SOURCE_ADDRESS_REASSIGN", "NGW_DEST_ADDRESS_PRESERVATION",
                     "REMAP_EPHEMERAL_PORT"]
    inside, outside = nat["InboundHeader"], nat["OutboundHeader"]
    assert inside["DestinationAddresses"] == outside["DestinationAddresses"] == ["192.0.2.80"]
    assert inside["SourceAddresses"] == ["10.0.2.10"] != outside["SourceAddresses"]
    (port,) = outside["SourcePortRanges"]
    assert 1024 <= port["From"] == port["To"] <= 65535
    route = next(c for c in r["ForwardPathComponents"] if "RouteTableRoute" in c)
    assert route["RouteTableRoute"] == {
        "DestinationCidr": "0.0.0.0/0", "Origin": "CreateRoute", "State": "active",
        "NatGatewayId": nat["Component"]["Id"]}
    sg = r["ForwardPathComponents"][0]
    assert sg["SecurityGroupRule"]["Direction"] == "egress"


def test_v93_v94_blocked_path_explains_the_nacl() -> None:
    """V93/V94: the reply is dropped by the strict NACL's final rule: NetworkPathFound false,
    no path components, one SUBNET_ACL_RESTRICTION explanation with the rule and direction."""
    r = _one(SG_VS_NACL, Flow("client", "strict", "tcp", 443))
    assert r["NetworkPathFound"] is False
    assert "ForwardPathComponents" not in r and "ReturnPathComponents" not in r
    (e,) = r["Explanations"]
    assert e["ExplanationCode"] == "SUBNET_ACL_RESTRICTION"
    assert e["Acl"]["Name"] == "strict" and e["Direction"] == "egress"
    assert e["AclRule"] == {"Cidr": "0.0.0.0/0", "Egress": True, "Protocol": "-1",
                            "RuleAction": "deny", "RuleNumber": 32767}


def test_v94_disconnected_vpcs_and_arn_region_account() -> None:
    topo = load_topology(yaml.safe_load(APART))
    (r,) = analysis(topo, trace(topo, Flow("a1", "b1", "tcp", 22)), START)[
        "NetworkInsightsAnalyses"]
    codes = [e["ExplanationCode"] for e in r["Explanations"]]
    assert codes == ["NO_ROUTE_TO_DESTINATION", "DISCONNECTED_VPCS"]
    route = r["Explanations"][0]
    assert route["RouteTable"]["Arn"].startswith("arn:aws:ec2:eu-west-3:210987654321:route-table/")


@pytest.mark.slow
def test_v93_cli_format_and_json_contract_unchanged() -> None:
    args = ("trace", str(THREE_TIER), "--from", "app1", "--to", "updates", "--port", "443")
    ra = run_netemu(*args, "--format", "reachability-analyzer")
    assert ra.returncode == 0, ra.stderr
    (r,) = json.loads(ra.stdout)["NetworkInsightsAnalyses"]
    assert r["NetworkPathFound"] is True and r["StartDate"].endswith("Z")
    plain = run_netemu(*args, "--json")
    same = run_netemu(*args, "--format", "json")
    assert json.loads(plain.stdout) == json.loads(same.stdout)
    assert {"reachable", "hops", "return_path"} <= set(json.loads(plain.stdout))
    assert all(set(h) == {"component", "name", "decision", "reason", "code", "rule", "packet"}
               for h in json.loads(plain.stdout)["hops"])
