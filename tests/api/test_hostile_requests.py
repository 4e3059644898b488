"""Hostile HTTP requests against a real ``netemu serve --api`` (issue 14): entity expansion,
external entities, deep nesting, oversized bodies and headers, garbage bytes and the fuzz
corpus's requests. Each gets an AWS-shaped error (never a 500, never a traceback), and the
server goes on answering boto3."""

from __future__ import annotations

import http.client
import socket
from collections.abc import Iterator

import pytest

from fuzz.seeds import corpus
from fuzz.targets import split_api_input
from netemu.api.http import MAX_BODY
from tests.live import ApiServer

pytestmark = pytest.mark.slow
XMLNS = 'xmlns="https://route53.amazonaws.com/doc/2013-04-01/"'


@pytest.fixture(scope="module")
def api(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ApiServer]:
    tmp = tmp_path_factory.mktemp("hostile")
    server = ApiServer(tmp, tmp / "state")
    server.start()
    try:
        yield server
    finally:
        server.stop()


def send(api: ApiServer, method: str, path: str, body: bytes = b"",
         headers: dict[str, str] | None = None) -> tuple[int, bytes]:
    conn = http.client.HTTPConnection("127.0.0.1", api.api, timeout=10)
    try:
        conn.request(method, path, body=body, headers=headers or {})
        response = conn.getresponse()
        return response.status, response.read()
    finally:
        conn.close()


def aws_error(status: int, body: bytes) -> str:
    """The AWS error code of an ErrorResponse (fails the test when the body is not one)."""
    assert 400 <= status < 500, (status, body[:300])
    text = body.decode()
    assert "<ErrorResponse" in text and "Traceback" not in text, text[:300]
    return text.split("<Code>")[1].split("</Code>")[0]


def still_serving(api: ApiServer) -> None:
    assert api.proc is not None and api.proc.poll() is None
    zones = api.client().list_hosted_zones()["HostedZones"]
    assert any(z["Name"] == "files.example." for z in zones)


def test_entity_expansion_is_refused(api: ApiServer) -> None:
    bomb = ('<?xml version="1.0"?><!DOCTYPE r [<!ENTITY a "aaaaaaaaaa">'
            + "".join(f'<!ENTITY {c} "{("&" + p + ";") * 10}">'
                      for p, c in zip("abcdefgh", "bcdefghi", strict=True))
            + f']><CreateHostedZoneRequest {XMLNS}><Name>&i;</Name>'
            "<CallerReference>x</CallerReference></CreateHostedZoneRequest>")
    status, body = send(api, "POST", "/2013-04-01/hostedzone", bomb.encode())
    assert aws_error(status, body) == "InvalidInput"
    assert b"DTD" in body or b"entit" in body.lower()
    still_serving(api)


def test_external_entity_is_not_read(api: ApiServer) -> None:
    xxe = ('<?xml version="1.0"?><!DOCTYPE r [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
           f"<CreateHostedZoneRequest {XMLNS}><Name>&x;</Name>"
           "<CallerReference>x</CallerReference></CreateHostedZoneRequest>")
    status, body = send(api, "POST", "/2013-04-01/hostedzone", xxe.encode())
    assert aws_error(status, body) == "InvalidInput"
    assert b"root:" not in body


def test_deep_nesting_is_refused_not_a_crash(api: ApiServer) -> None:
    deep = (f"<ChangeResourceRecordSetsRequest {XMLNS}>" + "<a>" * 50000 + "</a>" * 50000
            + "</ChangeResourceRecordSetsRequest>")
    zone = api.client().list_hosted_zones()["HostedZones"][0]["Id"].split("/")[-1]
    status, body = send(api, "POST", f"/2013-04-01/hostedzone/{zone}/rrset", deep.encode())
    assert aws_error(status, body) == "InvalidInput"
    assert b"levels deep" in body
    still_serving(api)


def test_body_over_the_limit_is_413_in_aws_shape(api: ApiServer) -> None:
    big = b"<CreateHostedZoneRequest>" + b"x" * (MAX_BODY + 10) + b"</CreateHostedZoneRequest>"
    try:
        status, body = send(api, "POST", "/2013-04-01/hostedzone", big)
    except (BrokenPipeError, ConnectionResetError):
        status, body = 413, b""   # the server answered and closed while the body was sent
    assert status == 413
    if body:
        text = body.decode()
        assert "<Code>RequestEntityTooLarge</Code>" in text and "Traceback" not in text
    still_serving(api)


def test_huge_header_is_refused_and_server_goes_on(api: ApiServer) -> None:
    status, body = send(api, "GET", "/2013-04-01/hostedzone", headers={"X-Big": "y" * 100_000})
    assert 400 <= status < 500
    assert b"Traceback" not in body
    still_serving(api)


@pytest.mark.parametrize("payload", [b"\xff\xfe\x00garbage", b"", b"<unclosed",
                                     b"<?xml version='1.0'?><CreateHostedZoneRequest/>",
                                     b"<Wrong " + XMLNS.encode() + b"/>"])
def test_malformed_bodies_are_invalid_input(api: ApiServer, payload: bytes) -> None:
    status, body = send(api, "POST", "/2013-04-01/hostedzone", payload)
    assert aws_error(status, body) == "InvalidInput"


def test_raw_garbage_on_the_socket(api: ApiServer) -> None:
    with socket.create_connection(("127.0.0.1", api.api), timeout=5) as s:
        s.sendall(b"\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03" + bytes(range(256)) + b"\r\n\r\n")
        reply = s.recv(4096)
    assert reply == b"" or (reply.startswith(b"HTTP/1.") and b" 400 " in reply.split(b"\r\n")[0])
    assert b"Traceback" not in reply
    still_serving(api)


def test_fuzz_corpus_requests_over_real_http(api: ApiServer) -> None:
    """Every kept API fuzz input, sent over a socket: no 5xx, AWS errors under /2013-04-01/."""
    sent = 0
    for data in corpus("api"):
        method, path, body = split_api_input(data)
        try:
            path.encode("ascii")
        except UnicodeEncodeError:
            continue    # http.client sends only ASCII request lines
        if any(c in path for c in " \r\n\t\x00") or not path.isprintable():
            continue
        status, reply = send(api, method, path, body)
        sent += 1
        assert status < 500, (method, path, status, reply[:300])
        assert b"Traceback" not in reply
        if status >= 400 and path.startswith("/2013-04-01/") and method != "HEAD":
            # a reply to HEAD has no body (RFC 9110 9.3.2): only its status can be checked
            assert b"<ErrorResponse" in reply, (method, path, reply[:300])
    assert sent >= 10
    still_serving(api)
