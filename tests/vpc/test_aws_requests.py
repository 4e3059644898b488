"""S3 and DynamoDB requests as an endpoint policy sees them (pure): the action and resource of
a REST or JSON request, the endpoint a source subnet's route table uses, and the same verdict
from the data plane's evaluator as from trace (V135, V137, V171, V172)."""
from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from netemu.vpc import aws_requests, gateway_endpoints
from netemu.vpc.load import load_topology
from netemu.vpc.trace import Flow, trace

TEACHING = Path(__file__).resolve().parents[2] / "topologies" / "private-aws-services.yaml"
S3 = "s3.us-east-1.amazonaws.com"


@pytest.mark.parametrize(("method", "host", "path", "action", "resource"), [
    ("GET", "52.216.0.10", "/reports/q1.csv", "s3:GetObject", "arn:aws:s3:::reports/q1.csv"),
    ("HEAD", S3, "/reports/a/b.csv", "s3:GetObject", "arn:aws:s3:::reports/a/b.csv"),
    ("PUT", f"reports.{S3}", "/q1.csv", "s3:PutObject", "arn:aws:s3:::reports/q1.csv"),
    ("DELETE", "reports.s3.amazonaws.com", "/q1.csv", "s3:DeleteObject",
     "arn:aws:s3:::reports/q1.csv"),
    ("GET", f"my.logs.{S3}:80", "/", "s3:ListBucket", "arn:aws:s3:::my.logs"),
    ("GET", S3, "/reports", "s3:ListBucket", "arn:aws:s3:::reports"),
    ("PUT", S3, "/reports/", "s3:CreateBucket", "arn:aws:s3:::reports"),
    ("DELETE", "reports.s3-us-east-1.amazonaws.com", "/", "s3:DeleteBucket",
     "arn:aws:s3:::reports"),
    ("GET", S3, "/", "s3:ListAllMyBuckets", "*"),
])
def test_s3_path_and_virtual_hosted_style_requests_V171(
        method: str, host: str, path: str, action: str, resource: str) -> None:
    r = aws_requests.s3_request(method, host, path)
    assert (r.action, r.resource) == (action, resource)


def test_dynamodb_target_and_table_give_action_and_arn_V172() -> None:
    r = aws_requests.dynamodb_request("DynamoDB_20120810.GetItem", "orders", "us-east-1",
                                      "123456789012")
    assert r is not None
    assert (r.action, r.resource) == ("dynamodb:GetItem",
                                      "arn:aws:dynamodb:us-east-1:123456789012:table/orders")
    listing = aws_requests.dynamodb_request("DynamoDB_20120810.ListTables", None, "us-east-1",
                                            "123456789012")
    assert listing is not None and (listing.action, listing.resource) == (
        "dynamodb:ListTables", "*")
    assert aws_requests.dynamodb_request("DynamoDB_20120810.Scan", "t", "us-east-1", "1") is None
    assert aws_requests.dynamodb_request("Kinesis_20131202.PutRecord", "t", "r", "1") is None


def two_s3_endpoints() -> dict[str, object]:
    """The teaching topology with a second subnet whose own route table uses a second S3
    endpoint allowing only the bucket ``batch-in``."""
    data = yaml.safe_load(TEACHING.read_text())
    vpc = data["vpcs"][0]
    vpc["subnets"].append({"name": "jobs", "cidr": "10.0.2.0/24", "route_table": "jobs"})
    vpc["route_tables"].append({"name": "jobs", "routes": []})
    vpc["instances"].append({"name": "runner", "subnet": "jobs", "security_groups": ["worker"]})
    data["vpc_endpoints"].append({
        "name": "s3-jobs", "vpc": "app", "service": "s3", "route_tables": ["jobs"],
        "policy": {"Statement": [{"Effect": "Allow", "Principal": "*", "Action": "s3:*",
                                  "Resource": "arn:aws:s3:::batch-in/*"}]}})
    return data


def test_the_source_subnets_route_table_picks_the_endpoint_and_its_policy_V135_V137() -> None:
    """What the S3 host decides from plain data (the endpoint link's VPC and the source
    address) is what trace decides by walking the route tables."""
    t = load_topology(two_s3_endpoints(), "two-endpoints")
    data = [{"name": ep.name, "vpc": ep.vpc, "service": ep.service,
             "policy": gateway_endpoints.policy_data(ep.policy),
             "subnets": aws_requests.subnets_through(t, ep)} for ep in t.gateway_endpoints]
    assert [d["subnets"] for d in data if d["service"] == "s3"] == [["10.0.1.0/24"],
                                                                   ["10.0.2.0/24"]]
    ips = {i.name: i.private_ip for i in t.vpc("app").instances}
    for who, resource in [("worker", "arn:aws:s3:::reports/q1.csv"),
                          ("worker", "arn:aws:s3:::batch-in/x"),
                          ("runner", "arn:aws:s3:::reports/q1.csv"),
                          ("runner", "arn:aws:s3:::batch-in/x")]:
        ip = ips[who]
        assert ip is not None
        ep = aws_requests.endpoint_for(data, "app", "s3", ip)
        assert ep is not None and ep["name"] == ("s3-gw" if who == "worker" else "s3-jobs")
        ok, _ = gateway_endpoints.evaluate_policy(
            str(ep["name"]), gateway_endpoints.policy_from_data(ep["policy"]), "s3:GetObject",
            resource)
        assert ok == trace(t, Flow(who, S3, "tcp", 80, service_action="s3:GetObject",
                                   service_resource=resource)).reachable, (who, resource)
    assert aws_requests.endpoint_for(data, "app", "s3", "10.9.9.9") is None
    assert aws_requests.endpoint_for(data, "app", "s3", "not-an-address") is None
    assert aws_requests.endpoint_for(data, "other", "s3", ips["worker"] or "") is None


def test_policy_data_round_trip_keeps_the_default_policy_V137() -> None:
    t = load_topology(two_s3_endpoints(), "two-endpoints")
    for ep in t.gateway_endpoints:
        assert gateway_endpoints.policy_from_data(
            gateway_endpoints.policy_data(ep.policy)) == ep.policy
    ddb = next(ep for ep in t.gateway_endpoints if ep.service == "dynamodb")
    assert ddb.policy is None
    assert gateway_endpoints.evaluate_policy("ddb-gw", None, "dynamodb:DeleteTable", "*")[0]
