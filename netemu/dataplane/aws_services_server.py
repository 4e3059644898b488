"""The emulated S3 and DynamoDB services: ``python -m netemu.dataplane.aws_services_server CONFIG``.

In each service host's namespace it listens on plain HTTP (TCP ``port``, no TLS) once per
interface, each socket bound to its device (``SO_BINDTODEVICE``): ``eth0`` for requests from
the internet, and one per VPC's gateway endpoint link. A request that came over an endpoint
link is checked against that endpoint's policy (the pure ``vpc.gateway_endpoints`` evaluator on
the action and resource ``vpc.aws_requests`` reads from the request) before it is served; one
from the internet is not (V170). Then an in-memory store answers:

- S3 REST (path or virtual-hosted style): PUT/GET/HEAD/DELETE object, GET bucket
  (ListObjectsV2, ``prefix``), PUT/DELETE bucket, GET / (ListBuckets); a bucket exists once
  created or once an object is put in it; errors in S3's XML (``AccessDenied`` 403,
  ``NoSuchBucket``/``NoSuchKey`` 404, ``BucketNotEmpty`` 409).
- DynamoDB JSON 1.0 (``X-Amz-Target: DynamoDB_20120810.OP``): CreateTable, DescribeTable,
  ListTables, DeleteTable, PutItem, GetItem, DeleteItem; errors as ``{"__type":
  "com.amazonaws.dynamodb.v20120810#AccessDeniedException", "message"}`` with HTTP 400.

No signature is checked (any ``Authorization`` is accepted). Every request is one line of the
log: where it came from, the action, the resource, the status and the policy's reason. Writes
its PID to the ready file once every socket listens; stopped by SIGTERM (by the PID
``netemu.dataplane.aws_services`` recorded).
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import itertools
import json
import socket
import sys
import time
from dataclasses import dataclass, field
from email.utils import formatdate
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit
from xml.sax.saxutils import escape

from netemu.dataplane.service import process_main, serve_until_stopped
from netemu.dns.resolver import in_netns
from netemu.vpc import aws_requests, gateway_endpoints

READ_SECONDS = 10.0
MAX_BODY = 64 * 1024 * 1024
S3_NS = "http://s3.amazonaws.com/doc/2006-03-01/"
DDB_ERROR = "com.amazonaws.dynamodb.v20120810#"
_ids = itertools.count(1)


@dataclass
class Request:
    method: str
    path: str  # percent-decoded, no query
    query: dict[str, list[str]]
    headers: dict[str, str]  # lower-case names
    body: bytes


@dataclass
class Response:
    status: int
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)
    head: bool = False  # HEAD: headers only


@dataclass
class S3Object:
    data: bytes
    content_type: str
    etag: str
    modified: float


@dataclass
class Stores:
    buckets: dict[str, dict[str, S3Object]] = field(default_factory=dict)
    tables: dict[str, dict[str, Any]] = field(default_factory=dict)


REASONS = {200: "OK", 204: "No Content", 400: "Bad Request", 403: "Forbidden",
           404: "Not Found", 405: "Method Not Allowed", 409: "Conflict", 413: "Payload Too Large"}


async def _read_request(reader: asyncio.StreamReader,
                        writer: asyncio.StreamWriter) -> Request | None:
    head = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), READ_SECONDS)
    lines = head.decode("latin-1").split("\r\n")
    parts = lines[0].split(" ")
    if len(parts) != 3:
        return None
    headers: dict[str, str] = {}
    for line in lines[1:]:
        name, sep, value = line.partition(":")
        if sep:
            headers[name.strip().lower()] = value.strip()
    body = b""
    if headers.get("expect", "").lower() == "100-continue":  # curl's PUT of a larger body
        writer.write(b"HTTP/1.1 100 Continue\r\n\r\n")
        await writer.drain()
    if headers.get("transfer-encoding", "").lower() == "chunked":
        chunks = []
        while True:
            size = int((await reader.readuntil(b"\r\n")).split(b";")[0], 16)
            if size == 0:
                await reader.readuntil(b"\r\n")
                break
            chunks.append(await reader.readexactly(size))
            await reader.readexactly(2)
        body = b"".join(chunks)
    elif int(headers.get("content-length", "0") or 0) > 0:
        length = int(headers["content-length"])
        if length > MAX_BODY:
            raise ValueError("body too large")
        body = await asyncio.wait_for(reader.readexactly(length), READ_SECONDS)
    url = urlsplit(parts[1])
    return Request(parts[0].upper(), unquote(url.path), parse_qs(url.query), headers, body)


def _request_id() -> str:
    return f"NETEMU{next(_ids):010d}"


# --- S3 ---------------------------------------------------------------------------------------


def s3_error(status: int, code: str, message: str, resource: str, head: bool = False) -> Response:
    rid = _request_id()
    body = (f'<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>{code}</Code><Message>'
            f"{escape(message)}</Message><Resource>{escape(resource)}</Resource><RequestId>"
            f"{rid}</RequestId><HostId>netemu</HostId></Error>").encode()
    return Response(status, body, {"Content-Type": "application/xml",
                                   "x-amz-request-id": rid}, head)


def _iso(ts: float) -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%S.000Z", time.gmtime(ts))


def s3_serve(stores: Stores, req: Request, s3: aws_requests.S3Request) -> Response:
    head = req.method == "HEAD"
    buckets = stores.buckets
    if s3.bucket is None:
        items = "".join(f"<Bucket><Name>{escape(b)}</Name><CreationDate>{_iso(0)}</CreationDate>"
                        "</Bucket>" for b in sorted(buckets))
        return _xml(f'<ListAllMyBucketsResult xmlns="{S3_NS}"><Owner><ID>netemu</ID></Owner>'
                    f"<Buckets>{items}</Buckets></ListAllMyBucketsResult>")
    where = f"/{s3.bucket}" + (f"/{s3.key}" if s3.key else "")
    if s3.action == "s3:CreateBucket":
        buckets.setdefault(s3.bucket, {})
        return Response(200, headers={"Location": f"/{s3.bucket}"})
    if s3.action == "s3:PutObject":
        obj = S3Object(req.body, req.headers.get("content-type", "binary/octet-stream"),
                       f'"{hashlib.md5(req.body).hexdigest()}"', time.time())
        assert s3.key is not None
        buckets.setdefault(s3.bucket, {})[s3.key] = obj  # netemu: a put creates the bucket
        return Response(200, headers={"ETag": obj.etag})
    bucket = buckets.get(s3.bucket)
    if bucket is None:
        return s3_error(404, "NoSuchBucket", "The specified bucket does not exist", where, head)
    if s3.action == "s3:DeleteBucket":
        if bucket:
            return s3_error(409, "BucketNotEmpty",
                            "The bucket you tried to delete is not empty", where)
        del buckets[s3.bucket]
        return Response(204)
    if s3.action == "s3:ListBucket":
        prefix = (req.query.get("prefix") or [""])[0]
        keys = sorted(k for k in bucket if k.startswith(prefix))
        items = "".join(
            f"<Contents><Key>{escape(k)}</Key><LastModified>{_iso(bucket[k].modified)}"
            f"</LastModified><ETag>{escape(bucket[k].etag)}</ETag><Size>{len(bucket[k].data)}"
            "</Size><StorageClass>STANDARD</StorageClass></Contents>" for k in keys)
        return _xml(f'<ListBucketResult xmlns="{S3_NS}"><Name>{escape(s3.bucket)}</Name>'
                    f"<Prefix>{escape(prefix)}</Prefix><KeyCount>{len(keys)}</KeyCount>"
                    f"<MaxKeys>1000</MaxKeys><IsTruncated>false</IsTruncated>{items}"
                    "</ListBucketResult>", head)
    assert s3.key is not None
    if s3.action == "s3:DeleteObject":
        bucket.pop(s3.key, None)
        return Response(204)
    found = bucket.get(s3.key)
    if found is None:
        return s3_error(404, "NoSuchKey", "The specified key does not exist.", where, head)
    return Response(200, found.data, {"Content-Type": found.content_type, "ETag": found.etag,
                                      "Last-Modified": formatdate(found.modified, usegmt=True)},
                    head)


def _xml(text: str, head: bool = False) -> Response:
    return Response(200, ('<?xml version="1.0" encoding="UTF-8"?>\n' + text).encode(),
                    {"Content-Type": "application/xml"}, head)


# --- DynamoDB ---------------------------------------------------------------------------------


def ddb_error(kind: str, message: str, status: int = 400) -> Response:
    return Response(status, json.dumps({"__type": DDB_ERROR + kind, "message": message}).encode(),
                    {"Content-Type": "application/x-amz-json-1.0",
                     "x-amzn-RequestId": _request_id()})


def _ddb_ok(data: dict[str, Any]) -> Response:
    return Response(200, json.dumps(data).encode(),
                    {"Content-Type": "application/x-amz-json-1.0",
                     "x-amzn-RequestId": _request_id()})


def _item_key(table: dict[str, Any], values: Any) -> str | None:
    if not isinstance(values, dict):
        return None
    names = [k["AttributeName"] for k in table["KeySchema"]]
    if any(n not in values for n in names):
        return None
    return json.dumps([values[n] for n in names], sort_keys=True)


def ddb_serve(stores: Stores, body: dict[str, Any], d: aws_requests.DynamoRequest,
              region: str, account: str) -> Response:
    tables = stores.tables
    if d.operation == "ListTables":
        return _ddb_ok({"TableNames": sorted(tables)})
    if not d.table:
        return ddb_error("ValidationException", "TableName is required")
    if d.operation == "CreateTable":
        if d.table in tables:
            return ddb_error("ResourceInUseException", f"Table already exists: {d.table}")
        schema = body.get("KeySchema")
        if not isinstance(schema, list) or not schema or not all(
                isinstance(k, dict) and isinstance(k.get("AttributeName"), str) for k in schema):
            return ddb_error("ValidationException", "KeySchema is required")
        tables[d.table] = {"KeySchema": schema, "items": {}, "created": time.time(),
                           "AttributeDefinitions": body.get("AttributeDefinitions", [])}
        return _ddb_ok({"TableDescription": _describe(d.table, tables[d.table], region,
                                                      account)})
    table = tables.get(d.table)
    if table is None:
        return ddb_error("ResourceNotFoundException", "Requested resource not found")
    if d.operation == "DescribeTable":
        return _ddb_ok({"Table": _describe(d.table, table, region, account)})
    if d.operation == "DeleteTable":
        del tables[d.table]
        return _ddb_ok({"TableDescription": dict(_describe(d.table, table, region, account),
                                                 TableStatus="DELETING")})
    key = _item_key(table, body.get("Item" if d.operation == "PutItem" else "Key"))
    if key is None:
        return ddb_error("ValidationException",
                         "One of the required keys was not given a value")
    if d.operation == "PutItem":
        table["items"][key] = body["Item"]
        return _ddb_ok({})
    if d.operation == "DeleteItem":
        table["items"].pop(key, None)
        return _ddb_ok({})
    item = table["items"].get(key)
    return _ddb_ok({"Item": item} if item is not None else {})


def _describe(name: str, table: dict[str, Any], region: str, account: str) -> dict[str, Any]:
    return {"TableName": name, "TableStatus": "ACTIVE", "KeySchema": table["KeySchema"],
            "AttributeDefinitions": table["AttributeDefinitions"],
            "TableArn": f"arn:aws:dynamodb:{region}:{account}:table/{name}",
            "ItemCount": len(table["items"]), "CreationDateTime": table["created"]}


# --- one request ------------------------------------------------------------------------------


def handle(cfg: dict[str, Any], stores: Stores, host: dict[str, Any], vpc: str | None,
           peer: str, req: Request) -> tuple[Response, str]:
    """The response to ``req`` on ``host`` from ``peer`` (through ``vpc``'s endpoint, or the
    internet when None), and the log line's explanation."""
    region, account = str(cfg["region"]), str(cfg["account"])
    s3: aws_requests.S3Request | None = None
    ddb: aws_requests.DynamoRequest | None = None
    ddb_body: dict[str, Any] = {}
    if host["service"] == "s3":
        s3 = aws_requests.s3_request(req.method, req.headers.get("host", ""), req.path)
        action, resource = s3.action, s3.resource
    else:
        target = req.headers.get("x-amz-target", "")
        try:
            parsed = json.loads(req.body or b"{}")
        except ValueError:
            return ddb_error("SerializationException", "the body is not JSON"), "bad JSON"
        ddb_body = parsed if isinstance(parsed, dict) else {}
        table = ddb_body.get("TableName")
        ddb = aws_requests.dynamodb_request(target, table if isinstance(table, str) else None,
                                            region, account)
        if ddb is None:
            return (ddb_error("UnknownOperationException", f"unknown operation {target!r}"),
                    f"unknown X-Amz-Target {target!r}")
        action, resource = ddb.action, ddb.resource
    what = f"{action} on {resource}"
    if vpc is None:
        why = f"{what}: from the internet, no endpoint policy applies (V170)"
    else:
        ep = aws_requests.endpoint_for(cfg["endpoints"], vpc, host["service"], peer)
        if ep is None:
            ok, why = False, (f"{what}: {peer} is in no subnet of VPC {vpc} whose route table "
                              f"uses a {host['service']} gateway endpoint")
        else:
            ok, why = gateway_endpoints.evaluate_policy(
                str(ep["name"]), gateway_endpoints.policy_from_data(ep["policy"]), action,
                resource)
            if ep["policy"] is None:
                why = f"{what}: {why}"
        if not ok and s3 is not None:
            return s3_error(403, "AccessDenied", f"Access Denied: {why}", resource,
                            req.method == "HEAD"), why
        if not ok:
            return ddb_error("AccessDeniedException",
                             f"User is not authorized to perform: {action} on resource: "
                             f"{resource} because no VPC endpoint policy allows the {action} "
                             f"action ({why})"), why
    if s3 is not None:
        return s3_serve(stores, req, s3), why
    assert ddb is not None
    return ddb_serve(stores, ddb_body, ddb, region, account), why


def _wire(resp: Response) -> bytes:
    headers = dict(resp.headers)
    headers.setdefault("Content-Length", str(len(resp.body)))
    headers["Connection"] = "close"
    headers["Server"] = "netemu"
    head = f"HTTP/1.1 {resp.status} {REASONS.get(resp.status, 'Error')}\r\n" + "".join(
        f"{k}: {v}\r\n" for k, v in headers.items()) + "\r\n"
    return head.encode("latin-1") + (b"" if resp.head else resp.body)


async def _serve(cfg: dict[str, Any], stores: Stores, host: dict[str, Any], vpc: str | None,
                 reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    peer = str(writer.get_extra_info("peername")[0])
    try:
        req = await _read_request(reader, writer)
    except (TimeoutError, asyncio.IncompleteReadError, asyncio.LimitOverrunError,
            ConnectionError, ValueError):
        req = None
    if req is None:
        resp, why = Response(400, b"bad request\n"), "unreadable request"
    else:
        resp, why = handle(cfg, stores, host, vpc, peer, req)
    print(f"{host['name']} {'vpc ' + vpc if vpc else 'internet'} {peer} "
          f"{req.method if req else '-'} {req.path if req else '-'} -> {resp.status}: {why}",
          flush=True)
    with contextlib.suppress(ConnectionError):
        writer.write(_wire(resp))
        await writer.drain()
    writer.close()


async def run(cfg: dict[str, Any]) -> None:
    servers = []
    stores = {h["name"]: Stores() for h in cfg["hosts"]}
    for host in cfg["hosts"]:
        for li in host["listeners"]:
            with in_netns(host["namespace"]):
                sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
                sock.setsockopt(socket.SOL_SOCKET, socket.SO_BINDTODEVICE,
                                str(li["device"]).encode())
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            sock.bind(("0.0.0.0", int(cfg["port"])))
            sock.listen(64)
            sock.setblocking(False)

            async def serve(r: asyncio.StreamReader, w: asyncio.StreamWriter,
                            host: dict[str, Any] = host, vpc: str | None = li["vpc"]) -> None:
                await _serve(cfg, stores[host["name"]], host, vpc, r, w)
            servers.append(await asyncio.start_server(serve, sock=sock, limit=1 << 16))
    await serve_until_stopped(servers, cfg["ready_file"])


def main(argv: list[str]) -> int:
    return process_main(argv, "netemu.dataplane.aws_services_server", run)


if __name__ == "__main__":
    sys.exit(main(sys.argv))
