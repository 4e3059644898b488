"""S3 and DynamoDB requests as an endpoint policy sees them, pure: which action on which resource.

Name: aws_requests
Behaviour (PrivateLink-UG vpc-endpoints-access.html, gateway-endpoints.html; S3 API reference
  "Virtual hosting of buckets", "Error responses"; DynamoDB API reference; docs/behaviour.md
  V137, V170-V172):
  - S3 REST, path style (``Host: s3.REGION.amazonaws.com`` or an address: ``/BUCKET/KEY``)
    and virtual-hosted style (``Host: BUCKET.s3.REGION.amazonaws.com``: ``/KEY``).
    GET/HEAD object -> ``s3:GetObject``, PUT object -> ``s3:PutObject``, DELETE object ->
    ``s3:DeleteObject`` on ``arn:aws:s3:::BUCKET/KEY``; GET bucket (ListObjectsV2) ->
    ``s3:ListBucket``, PUT bucket -> ``s3:CreateBucket``, DELETE bucket -> ``s3:DeleteBucket``
    on ``arn:aws:s3:::BUCKET``; GET / (ListBuckets) -> ``s3:ListAllMyBuckets`` on ``*``.
  - DynamoDB JSON 1.0: ``X-Amz-Target: DynamoDB_20120810.OPERATION`` -> ``dynamodb:OPERATION`` on
    ``arn:aws:dynamodb:REGION:ACCOUNT:table/TABLE`` (ListTables, which has no resource type:
    ``*``).
  - ``endpoint_for``: the gateway endpoint a packet from ``source`` in ``vpc`` used: the one
    named by the route table of the source's subnet (one per service and table, V135), from
    the plain ``subnets_through`` data the service hosts are given.
Fields: S3Request(action, resource, bucket, key), DynamoRequest(action, resource, table).
Examples: tests/vpc/test_aws_requests.py.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from netemu.vpc.gateway_endpoints import GatewayEndpoint
from netemu.vpc.model import Topology

TARGET_PREFIX = "DynamoDB_20120810."
DYNAMODB_OPERATIONS = ("CreateTable", "DeleteItem", "DeleteTable", "DescribeTable", "GetItem",
                       "ListTables", "PutItem")


@dataclass(frozen=True, slots=True)
class S3Request:
    action: str  # s3:GetObject ...
    resource: str  # arn:aws:s3:::BUCKET[/KEY] or *
    bucket: str | None
    key: str | None


@dataclass(frozen=True, slots=True)
class DynamoRequest:
    action: str  # dynamodb:GetItem ...
    resource: str  # arn:aws:dynamodb:REGION:ACCOUNT:table/TABLE
    operation: str
    table: str | None


def s3_bucket_from_host(host: str) -> str | None:
    """The bucket a virtual-hosted-style ``Host`` names (``BUCKET.s3.REGION.amazonaws.com``,
    ``BUCKET.s3.amazonaws.com``, ``BUCKET.s3-REGION.amazonaws.com``); None for path style."""
    name = host.rsplit(":", 1)[0].rstrip(".").lower() if host.count(":") <= 1 else host
    labels = name.split(".")
    for i, label in enumerate(labels):
        if i > 0 and (label == "s3" or label.startswith("s3-")) \
                and name.endswith(".amazonaws.com"):
            return ".".join(labels[:i])
    return None


def s3_request(method: str, host: str, path: str) -> S3Request:
    """What an S3 REST request asks (``path`` already percent-decoded, without its query)."""
    bucket = s3_bucket_from_host(host)
    rest = path.lstrip("/")
    if bucket is None:
        bucket, _, rest = rest.partition("/")
    key = rest or None
    method = method.upper()
    if not bucket:
        return S3Request("s3:ListAllMyBuckets", "*", None, None)
    if key is None:
        action = {"PUT": "s3:CreateBucket", "DELETE": "s3:DeleteBucket"}.get(method,
                                                                            "s3:ListBucket")
        return S3Request(action, f"arn:aws:s3:::{bucket}", bucket, None)
    action = {"PUT": "s3:PutObject", "DELETE": "s3:DeleteObject"}.get(method, "s3:GetObject")
    return S3Request(action, f"arn:aws:s3:::{bucket}/{key}", bucket, key)


def dynamodb_request(target: str, table: str | None, region: str,
                     account: str) -> DynamoRequest | None:
    """What a DynamoDB request asks (``X-Amz-Target`` and the body's ``TableName``); None for a
    target that is not a DynamoDB_20120810 operation netemu serves."""
    if not target.startswith(TARGET_PREFIX):
        return None
    op = target[len(TARGET_PREFIX):]
    if op not in DYNAMODB_OPERATIONS:
        return None
    if op == "ListTables":  # an action with no resource type: only Resource "*" covers it
        return DynamoRequest("dynamodb:ListTables", "*", op, None)
    arn = f"arn:aws:dynamodb:{region}:{account}:table/{table or '*'}"
    return DynamoRequest(f"dynamodb:{op}", arn, op, table)


def subnets_through(topology: Topology, ep: GatewayEndpoint) -> list[str]:
    """The CIDRs of ``ep``'s VPC's subnets whose route table (explicit or main) is one of the
    endpoint's: where a request through the endpoint comes from."""
    return [s.cidr for s in topology.vpc(ep.vpc).subnets if s.route_table in ep.route_tables]


def endpoint_for(endpoints: Sequence[Mapping[str, Any]], vpc: str, service: str,
                 source: str) -> Mapping[str, Any] | None:
    """Which of ``endpoints`` (plain ``{name, vpc, service, subnets, ...}``) a packet from
    ``source`` in ``vpc`` went through: the one of ``service`` whose subnets hold ``source``
    (its subnet's route table names it; one endpoint per service and table, V135)."""
    try:
        ip = ipaddress.ip_address(source)
    except ValueError:
        return None
    for ep in endpoints:
        if ep["vpc"] == vpc and ep["service"] == service and any(
                ip in ipaddress.ip_network(c) for c in ep["subnets"]):
            return ep
    return None
