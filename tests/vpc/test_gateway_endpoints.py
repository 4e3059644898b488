"""Gateway endpoints (S3, DynamoDB): routes to the service prefix list, no IGW/NAT needed, the
endpoint policy on trace flows that name a resource, AWS's codes (V135-V137)."""
from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest

from netemu.errors import LoadError
from netemu.vpc.load import load_topology, load_topology_file
from netemu.vpc.trace import Flow, trace

TEACHING = Path(__file__).resolve().parents[2] / "topologies" / "private-aws-services.yaml"
S3 = "s3.us-east-1.amazonaws.com"


def s3_flow(resource: str | None, action: str | None = None) -> Flow:
    return Flow("worker", S3, "tcp", 443, service_action=action, service_resource=resource)


def test_endpoint_route_carries_private_subnet_to_s3_without_igw_or_nat_V135_V136() -> None:
    t = load_topology_file(TEACHING)
    table = next(r for r in t.vpc("app").route_tables if r.name == "private")
    ep_routes = {(r.destination, str(r.target)) for r in table.routes
                 if r.origin == "prefix-list"}
    assert ("52.216.0.0/15", "vpc_endpoint:s3-gw") in ep_routes
    assert ("52.94.0.0/22", "vpc_endpoint:ddb-gw") in ep_routes
    assert not t.vpc("app").internet_gateway and not t.vpc("app").nat_gateways
    r = trace(t, s3_flow("arn:aws:s3:::reports/q1.csv"))
    assert r.reachable
    comps = [(h.component, h.name) for h in r.hops]
    assert ("vpc-endpoint", "s3-gw") in comps and comps[-1] == ("internet", S3)
    assert r.hops[-1].packet is not None and r.hops[-1].packet.src == "10.0.1.4"  # kept
    assert any(h.component == "vpc-endpoint" for h in r.return_path)
    assert r.return_path[-1].component == "instance"
    assert trace(t, Flow("worker", "dynamodb.us-east-1.amazonaws.com", "tcp", 443)).reachable


def test_endpoint_policy_implicit_and_explicit_deny_V137() -> None:
    t = load_topology_file(TEACHING)
    implicit = trace(t, s3_flow("arn:aws:s3:::secrets/k"))
    assert not implicit.reachable
    last = implicit.hops[-1]
    assert (last.component, last.name, last.decision) == ("vpc-endpoint", "s3-gw", "deny")
    assert "implicitly denied" in last.reason
    explicit = trace(t, s3_flow("arn:aws:s3:::reports/x", "s3:DeleteObject"))
    assert not explicit.reachable
    assert "statement 1" in explicit.hops[-1].reason
    assert "explicit Deny" in explicit.hops[-1].reason
    assert trace(t, s3_flow("arn:aws:s3:::reports/x", "s3:PutObject")).reachable
    # no resource named: the policy is not evaluated, and the trace says so
    unnamed = trace(t, s3_flow(None))
    assert unnamed.reachable
    assert any("not evaluated" in h.reason for h in unnamed.hops)


def test_without_endpoint_s3_is_an_internet_host_needing_an_igw_V136() -> None:
    data = _raw()
    data["vpc_endpoints"] = [e for e in data["vpc_endpoints"] if e["name"] != "s3-gw"]
    data["internet"] = {"hosts": [{"name": S3, "ip": "52.216.0.10"}]}
    r = trace(load_topology(data), s3_flow("arn:aws:s3:::reports/q1.csv"))
    assert not r.reachable
    assert r.hops[-1].code == "NO_ROUTE_TO_DESTINATION"


def _raw() -> dict[str, Any]:
    import yaml

    data: dict[str, Any] = yaml.safe_load(TEACHING.read_text())
    return copy.deepcopy(data)


@pytest.mark.parametrize(("endpoint", "item", "code"), [
    ({"service": "com.amazonaws.us-east-1.sqs"}, "vpc_endpoints[e].service",
     "InvalidServiceName"),
    ({"service": "com.amazonaws.eu-west-1.s3"}, "vpc_endpoints[e].service",
     "InvalidServiceName"),
    ({"vpc": "ghost"}, "vpc_endpoints[e].vpc", "InvalidVpcId.NotFound"),
    ({"route_tables": ["ghost"]}, "vpc_endpoints[e].route_tables",
     "InvalidRouteTableId.NotFound"),
    ({"type": "GatewayLoadBalancer"}, "vpc_endpoints[e].type", "InvalidParameterValue"),
    ({"policy": {"Statement": [{"Effect": "Maybe", "Action": "s3:*", "Resource": "*"}]}},
     "vpc_endpoints[e].policy.Statement[0]", "MalformedPolicyDocument"),
    ({"policy": {"Statement": [{"Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::1:root"},
                                "Action": "s3:*", "Resource": "*"}]}},
     "vpc_endpoints[e].policy.Statement[0].Principal", "InvalidParameterValue"),
    ({}, "vpc_endpoints[e].route_tables", "RouteAlreadyExists"),  # a second S3 endpoint
])
def test_endpoint_refusals_in_aws_codes_V135(endpoint: dict[str, Any], item: str,
                                             code: str) -> None:
    data = _raw()
    data["vpc_endpoints"].append(dict({"name": "e", "vpc": "app", "service": "s3",
                                       "route_tables": ["private"]}, **endpoint))
    with pytest.raises(LoadError) as e:
        load_topology(data, "t.yaml")
    got = [(p.item, p.code) for p in e.value.problems]
    assert (item, code) in got, got
    assert all(p.file == "t.yaml" for p in e.value.problems)


def test_route_hop_names_the_prefix_list_and_ra_output_the_endpoint_V135() -> None:
    import json

    from netemu.vpc.reachability import analysis

    t = load_topology_file(TEACHING)
    r = trace(t, s3_flow("arn:aws:s3:::reports/q1.csv"))
    route_hop = next(h for h in r.hops if h.component == "route-table")
    assert "prefix list pl-63a5400a" in route_hop.reason
    text = json.dumps(analysis(t, r, "2026-01-01T00:00:00.000Z"))
    assert '"DestinationPrefixListId": "pl-63a5400a"' in text
    assert '"GatewayId": "vpce-' in text


def _answers(docs: list[dict[str, Any]]) -> dict[str, list[str]]:
    return {r["Name"]: [v["Value"] for v in r["ResourceRecords"]]
            for d in docs for r in d["ResourceRecordSets"]}


def test_service_public_names_answer_the_service_hosts_V186() -> None:
    """V186: the zones the VPC resolver serves for S3 (regional, virtual-hosted by wildcard,
    us-east-1's legacy global name) and DynamoDB answer the service hosts; public zones, so
    every VPC sees them; they parse as Route 53 zones (the wildcard included). No gateway
    endpoint of a service: no names for it; another Region: its own names, no legacy one."""
    from netemu.dataplane.resolver import config
    from netemu.route53.load import load_zone_text
    from netemu.route53.resources import service_zone_docs
    from netemu.vpc import gateway_endpoints

    t = load_topology_file(TEACHING)
    docs = service_zone_docs(config(t, "netemu-x-", [], Path("/nonexistent"))
                             ["aws_resources"]["services"])
    s3, ddb = "52.216.0.10", "52.94.0.10"
    assert _answers(docs) == {
        "s3.us-east-1.amazonaws.com.": [s3], "*.s3.us-east-1.amazonaws.com.": [s3],
        "s3.amazonaws.com.": [s3], "*.s3.amazonaws.com.": [s3],
        "dynamodb.us-east-1.amazonaws.com.": [ddb]}
    assert {d["HostedZone"]["Name"] for d in docs} == {
        "s3.us-east-1.amazonaws.com.", "s3.amazonaws.com.", "dynamodb.us-east-1.amazonaws.com."}
    assert not any(d["HostedZone"]["Config"]["PrivateZone"] for d in docs)
    zones = [z for d in docs for z in load_zone_text(json.dumps(d), "<t>").zones]
    assert {r.name for z in zones for r in z.record_sets} >= {"\\052.s3.amazonaws.com."}

    data = {"region": "eu-west-1", "vpcs": [{
        "name": "v", "cidr_blocks": ["10.0.0.0/16"],
        "subnets": [{"name": "a", "cidr": "10.0.1.0/24", "route_table": "rt"}],
        "route_tables": [{"name": "rt", "routes": []}]}],
        "vpc_endpoints": [{"name": "gw", "vpc": "v", "service": "s3", "route_tables": ["rt"]}]}
    got = _answers(service_zone_docs(gateway_endpoints.service_names(
        load_topology(data).gateway_endpoints)))
    assert set(got) == {"s3.eu-west-1.amazonaws.com.", "*.s3.eu-west-1.amazonaws.com."}
