"""Gateway endpoints on real packets (root, namespaces): a private subnet with no internet
gateway and no NAT reaches the S3 and DynamoDB hosts over TCP through its gateway endpoints,
its private source address kept, while an internet host outside the prefix lists stays out of
reach, and the service cannot open a connection into the VPC (V135, V136). The emulated S3 and
DynamoDB services (``netemu.dataplane.aws_services``, plain HTTP on port 80) enforce the
endpoint policy on real requests: ``curl`` from the private subnet PUTs and GETs an object the
policy allows, gets 403 AccessDenied for a bucket it does not allow or an action it denies, and
DynamoDB answers AccessDeniedException for a table outside its endpoint's policy (V137); a
request that reaches the same service from the internet, not through an endpoint, is not
subject to the policy (V170). Each verdict agrees with ``vpc.trace`` with the same action and
resource."""

from __future__ import annotations

import json
import re
import shlex
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
import yaml

from netemu.dataplane import aws_services, kernel
from netemu.dataplane import resolver as resolver_service
from netemu.vpc.load import load_topology
from netemu.vpc.model import Topology
from netemu.vpc.trace import Flow, trace
from tests.dataplane.conftest import Deployment, unique_prefix
from tests.dataplane.probe import probe
from tests.helpers import run_netemu

pytestmark = [pytest.mark.netns, pytest.mark.slow]

TEACHING = Path(__file__).resolve().parents[2] / "topologies" / "private-aws-services.yaml"


S3 = "s3.us-east-1.amazonaws.com"
DDB = "dynamodb.us-east-1.amazonaws.com"
ACCOUNT = "123456789012"


@pytest.fixture(scope="module")
def dep(deploy_module: Callable[[Topology], Deployment]) -> Iterator[Deployment]:
    data = yaml.safe_load(TEACHING.read_text())
    data["internet"] = {"hosts": [{"name": "outside", "ip": "198.51.100.7"}]}
    data["vpcs"][0]["security_groups"][0]["egress"].append(
        {"protocol": "tcp", "ports": 443, "cidr": "0.0.0.0/0"})
    data["vpcs"][0]["security_groups"][0]["ingress"] = [
        {"protocol": "tcp", "ports": 22, "prefix_list": "com.amazonaws.us-east-1.s3"}]
    # DynamoDB through ddb-gw: only the orders table (V137)
    ddb = next(e for e in data["vpc_endpoints"] if e["name"] == "ddb-gw")
    ddb["policy"] = {"Statement": [{"Effect": "Allow", "Principal": "*", "Action": "dynamodb:*",
                                    "Resource": f"arn:aws:dynamodb:us-east-1:{ACCOUNT}:"
                                                "table/orders"}]}
    # a second VPC reaching the same services over the internet, through no endpoint (V170)
    # web has a DynamoDB interface endpoint with private DNS: its name stays private there (V142)
    data["vpcs"].append({
        "name": "web", "cidr_blocks": ["10.1.0.0/16"], "internet_gateway": True,
        "enable_dns_hostnames": True,
        "subnets": [{"name": "public", "cidr": "10.1.1.0/24", "route_table": "public"}],
        "route_tables": [{"name": "public", "routes": [
            {"destination": "0.0.0.0/0", "target": "internet_gateway"}]}],
        "instances": [{"name": "pub", "subnet": "public", "public_ip": "198.51.100.20"}]})
    data["vpc_endpoints"].append({"name": "ddb-if", "vpc": "web", "type": "Interface",
                                  "service": "com.amazonaws.us-east-1.dynamodb",
                                  "subnets": ["public"]})
    d = deploy_module(load_topology(data, "private-aws-services"))
    try:
        assert aws_services.ensure(d.topology, d.prefix, d.state) is not None
        assert resolver_service.ensure(d.topology, d.prefix, d.state, []) is not None
        yield d
    finally:
        resolver_service.stop(d.state)
        aws_services.stop(d.state)


def host_ip(dep: Deployment, name: str) -> str:
    return next(h.ip for h in dep.topology.internet_hosts if h.name == name)


def curl(dep: Deployment, node: str, *args: str) -> tuple[int, str]:
    """``curl`` inside ``node``'s namespace: (HTTP status, body); status 0 when no answer."""
    out = subprocess.run(["ip", "netns", "exec", dep.node_ns(node), "curl", "-s",
                          "--max-time", "5", "-w", "\n%{http_code}", *args],
                         capture_output=True, text=True, timeout=30, check=False)
    body, _, code = out.stdout.rpartition("\n")
    return int(code or 0), body


def ddb(dep: Deployment, node: str, op: str, body: dict[str, object]) -> tuple[int, str]:
    return curl(dep, node, "-X", "POST", "-H", f"X-Amz-Target: DynamoDB_20120810.{op}",
                "-H", "Content-Type: application/x-amz-json-1.0", "-d", json.dumps(body),
                f"http://{host_ip(dep, DDB)}/")


def verdict(dep: Deployment, src: str, host: str, action: str, resource: str) -> bool:
    return trace(dep.topology, Flow(src, host, "tcp", 80, service_action=action,
                                    service_resource=resource)).reachable


@pytest.mark.parametrize(("host", "reachable"), [
    ("s3.us-east-1.amazonaws.com", True),
    ("dynamodb.us-east-1.amazonaws.com", True),
    ("outside", False),
])
def test_private_subnet_reaches_services_through_gateway_endpoints_V136(
        dep: Deployment, host: str, reachable: bool) -> None:
    t = dep.topology
    ip = next(h.ip for h in t.internet_hosts if h.name == host)
    assert not t.vpc("app").internet_gateway and not t.vpc("app").nat_gateways
    assert trace(t, Flow("worker", host, "tcp", 443)).reachable == reachable
    got = probe(dep.node_ns("app/worker"), dep.node_ns(host), ip, "tcp", 443)
    assert got.delivered == reachable, got


def test_the_service_cannot_open_a_connection_into_the_vpc_V136(dep: Deployment) -> None:
    """Even with the worker's group allowing the S3 prefix list in, the endpoint carries only
    connections from the VPC: the S3 host's connection to the worker goes nowhere."""
    t = dep.topology
    worker = next(i for i in t.vpc("app").instances if i.name == "worker")
    assert worker.private_ip is not None
    s3 = "s3.us-east-1.amazonaws.com"
    assert not trace(t, Flow(s3, worker.private_ip, "tcp", 22)).reachable
    got = probe(dep.node_ns(s3), dep.node_ns("app/worker"), worker.private_ip, "tcp", 22)
    assert not got.forward and not got.reply, got


def test_put_and_get_through_the_endpoint_from_a_private_subnet_V136_V137(
        dep: Deployment) -> None:
    """No internet gateway, no NAT: the worker stores and reads an object of a bucket the
    endpoint policy allows, path style and virtual-hosted style; trace agrees."""
    s3 = host_ip(dep, S3)
    assert not dep.topology.vpc("app").internet_gateway
    assert curl(dep, "app/worker", "-X", "PUT", "--data-binary", "q1 figures",
                f"http://{s3}/reports/q1.csv")[0] == 200
    assert verdict(dep, "worker", S3, "s3:PutObject", "arn:aws:s3:::reports/q1.csv")
    assert curl(dep, "app/worker", f"http://{s3}/reports/q1.csv") == (200, "q1 figures")
    assert curl(dep, "app/worker", "--resolve", f"reports.{S3}:80:{s3}",
                f"http://reports.{S3}/q1.csv") == (200, "q1 figures")
    assert verdict(dep, "worker", S3, "s3:GetObject", "arn:aws:s3:::reports/q1.csv")
    code, body = curl(dep, "app/worker", f"http://{s3}/reports/missing.csv")
    assert code == 404 and "<Code>NoSuchKey</Code>" in body


def test_the_endpoint_policy_denies_on_real_requests_V137(dep: Deployment) -> None:
    """A bucket the policy does not allow (implicit deny) and an action it denies explicitly
    get S3's 403 AccessDenied through the endpoint, as trace says."""
    s3 = host_ip(dep, S3)
    code, body = curl(dep, "app/worker", f"http://{s3}/secrets/k")
    assert code == 403 and "<Code>AccessDenied</Code>" in body and "implicitly denied" in body
    assert not verdict(dep, "worker", S3, "s3:GetObject", "arn:aws:s3:::secrets/k")
    code, body = curl(dep, "app/worker", "-X", "DELETE", f"http://{s3}/reports/q1.csv")
    assert code == 403 and "explicit Deny" in body
    assert not verdict(dep, "worker", S3, "s3:DeleteObject", "arn:aws:s3:::reports/q1.csv")


def test_dynamodb_allowed_table_and_denied_table_V137(dep: Deployment) -> None:
    """ddb-gw allows dynamodb:* on table orders only: items go in and come back for orders; a
    table outside the policy is AccessDeniedException (HTTP 400), by action and table ARN
    (V172), as trace says."""
    table = f"arn:aws:dynamodb:us-east-1:{ACCOUNT}:table/"
    schema = {"KeySchema": [{"AttributeName": "id", "KeyType": "HASH"}],
              "AttributeDefinitions": [{"AttributeName": "id", "AttributeType": "S"}]}
    assert ddb(dep, "app/worker", "CreateTable", {"TableName": "orders", **schema})[0] == 200
    item = {"id": {"S": "o-1"}, "total": {"N": "42"}}
    assert ddb(dep, "app/worker", "PutItem", {"TableName": "orders", "Item": item})[0] == 200
    assert verdict(dep, "worker", DDB, "dynamodb:PutItem", table + "orders")
    code, body = ddb(dep, "app/worker", "GetItem",
                     {"TableName": "orders", "Key": {"id": {"S": "o-1"}}})
    assert code == 200 and json.loads(body) == {"Item": item}
    code, body = ddb(dep, "app/worker", "CreateTable", {"TableName": "audit", **schema})
    assert code == 400
    assert json.loads(body)["__type"].endswith("#AccessDeniedException")
    assert not verdict(dep, "worker", DDB, "dynamodb:CreateTable", table + "audit")


def test_a_request_from_the_internet_is_not_subject_to_the_endpoint_policy_V170(
        dep: Deployment) -> None:
    """pub (VPC web: internet gateway, public address, no endpoint) stores an object in the
    bucket s3-gw's policy does not allow, and reads it; the worker's GET of the very same
    object, through the endpoint, is denied."""
    s3 = host_ip(dep, S3)
    assert curl(dep, "web/pub", "-X", "PUT", "--data-binary", "top secret",
                f"http://{s3}/secrets/plan.txt")[0] == 200
    assert curl(dep, "web/pub", f"http://{s3}/secrets/plan.txt") == (200, "top secret")
    assert verdict(dep, "pub", S3, "s3:GetObject", "arn:aws:s3:::secrets/plan.txt")
    assert curl(dep, "app/worker", f"http://{s3}/secrets/plan.txt")[0] == 403
    assert not verdict(dep, "worker", S3, "s3:GetObject", "arn:aws:s3:::secrets/plan.txt")


BOTO3 = r"""
import sys, boto3, botocore.exceptions
from botocore.config import Config
s3_url, ddb_url = sys.argv[1], sys.argv[2]
cfg = Config(s3={"addressing_style": "virtual"}, retries={"max_attempts": 1})
kw = dict(region_name="us-east-1", aws_access_key_id="any", aws_secret_access_key="any",
          config=cfg)
s3 = boto3.client("s3", endpoint_url=s3_url, **kw)
s3.put_object(Bucket="reports", Key="boto.txt", Body=b"via boto3")
print(s3.get_object(Bucket="reports", Key="boto.txt")["Body"].read().decode())
try:
    s3.get_object(Bucket="secrets", Key="k")
except botocore.exceptions.ClientError as e:
    print(e.response["Error"]["Code"], e.response["ResponseMetadata"]["HTTPStatusCode"])
ddb = boto3.client("dynamodb", endpoint_url=ddb_url, **kw)
try:
    ddb.describe_table(TableName="audit")
except botocore.exceptions.ClientError as e:
    print(e.response["Error"]["Code"])
"""


def test_boto3_with_endpoint_url_inside_the_private_subnet_V137_V186(dep: Deployment) -> None:
    """An SDK works too: boto3 (any credentials) through the endpoint, its endpoint_url the
    services' public names and S3 virtual-hosted style (``reports.s3...``), both resolved by
    the VPC resolver (V186); denials arrive as the ClientError codes AWS uses."""
    out = subprocess.run(["ip", "netns", "exec", dep.node_ns("app/worker"), sys.executable,
                          "-c", BOTO3, f"http://{S3}", f"http://{DDB}"],
                         capture_output=True, text=True, timeout=60, check=False)
    assert out.stdout.split("\n")[:3] == ["via boto3", "AccessDenied 403",
                                           "AccessDeniedException"], out.stderr[-2000:]


def dig(dep: Deployment, node: str, resolver: str, name: str) -> list[str]:
    out = subprocess.run(["ip", "netns", "exec", dep.node_ns(node), "dig", "+short",
                          "+time=2", "+tries=2", f"@{resolver}", name, "A"],
                         capture_output=True, text=True, timeout=30, check=False)
    return sorted(out.stdout.split())


def test_service_names_resolve_inside_the_vpc_and_curl_uses_them_V186(dep: Deployment) -> None:
    """V186: the VPC resolver answers S3's regional, virtual-hosted and legacy global names
    and DynamoDB's name with the service hosts (addresses of their prefix lists), so curl by
    name reaches S3 through the endpoint, path style and virtual-hosted style. In web, whose
    DynamoDB interface endpoint has private DNS, the endpoint's private answer wins (V142)
    while S3's name keeps the public answer."""
    s3, ddb_ip = host_ip(dep, S3), host_ip(dep, DDB)
    for name in (S3, f"reports.{S3}", "s3.amazonaws.com", "reports.s3.amazonaws.com"):
        assert dig(dep, "app/worker", "10.0.0.2", name) == [s3], name
    assert dig(dep, "app/worker", "10.0.0.2", DDB) == [ddb_ip]
    ddb_if = next(e for e in dep.topology.interface_endpoints if e.name == "ddb-if")
    assert dig(dep, "web/pub", "10.1.0.2", DDB) == [ddb_if.enis[0].private_ip]
    assert dig(dep, "web/pub", "10.1.0.2", f"reports.{S3}") == [s3]
    assert curl(dep, "app/worker", "-X", "PUT", "--data-binary", "by name",
                f"http://{S3}/reports/named.csv")[0] == 200
    assert curl(dep, "app/worker", f"http://reports.{S3}/named.csv") == (200, "by name")
    assert curl(dep, "app/worker", f"http://secrets.{S3}/k")[0] == 403   # still the policy


def test_status_reports_the_service_process_and_its_hosts(dep: Deployment) -> None:
    from netemu.dataplane.state import State

    got = aws_services.info(State.load(dep.state))
    assert got is not None and got["running"] and got["port"] == 80
    assert got["hosts"] == [f"{DDB} ({host_ip(dep, DDB)})", f"{S3} ({host_ip(dep, S3)})"]


def documented_requests() -> list[tuple[list[str], int]]:
    """The teaching topology's ``$ sudo netemu exec worker -- curl ...`` lines and the HTTP
    status their ``=>`` line promises."""
    lines = TEACHING.read_text().splitlines()
    out = []
    for line, nxt in zip(lines, lines[1:], strict=False):
        m = re.match(r"#\s+\$ sudo netemu exec worker -- (curl .*)$", line)
        codes = re.findall(r"\b([1-5]\d\d)\b", nxt) if nxt.lstrip("# ").startswith("=>") else []
        if m and codes:
            out.append((shlex.split(m.group(1)), int(codes[0])))
    return out


def test_netemu_apply_serves_the_documented_requests_and_destroy_stops_it_V137(
        tmp_path: Path) -> None:
    """The command line as the teaching topology shows it: apply starts the emulated services
    and says so, each documented curl gets its documented status, status names the process,
    and destroy stops it by its PID."""
    prefix = unique_prefix()
    opts = ["--prefix", prefix, "--state", str(tmp_path)]
    requests = documented_requests()
    assert len(requests) >= 5, requests
    pid = None
    try:
        out = run_netemu("apply", str(TEACHING), "--quiet", *opts, timeout=120)
        assert out.returncode == 0, out.stderr
        assert "S3/DynamoDB service hosts running on HTTP port 80" in out.stdout
        st = json.loads(run_netemu("status", "--json", *opts).stdout)["aws_services"]
        assert st["running"]
        pid = st["pid"]
        for cmd, code in requests:
            got = run_netemu("exec", *opts, "worker", "--", *cmd)
            assert got.stdout.rstrip().endswith(str(code)), (cmd, got.stdout, got.stderr)
    finally:
        d = run_netemu("destroy", *opts)
    assert d.returncode == 0 and kernel.list_namespaces(prefix) == []
    cmdline = Path(f"/proc/{pid}/cmdline")
    assert not cmdline.exists() or b"aws_services_server" not in cmdline.read_bytes()
