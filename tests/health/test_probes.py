"""Probes against real endpoints on loopback started by the test (R74, R75, R78, R79)."""

from __future__ import annotations

import asyncio
import socket
import time
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from netemu.health.probes import probe
from netemu.route53.model import HealthCheckConfig
from tests.health.endpoints import Endpoint, self_signed
from tests.helpers import free_port

pytestmark = pytest.mark.slow  # starts a server or a subprocess

SCALE = 0.1  # 4 s connect -> 0.4 s, 2 s answer -> 0.2 s


@pytest.fixture
async def web() -> AsyncIterator[Endpoint]:
    ep = await Endpoint(slow=1.0).start()
    yield ep
    await ep.stop()


def cfg(port: int, type: str = "HTTP", path: str | None = "/ok", **kw: object) -> HealthCheckConfig:
    return HealthCheckConfig(type=type, ip_address="127.0.0.1", port=port, resource_path=path,
                             **kw)  # type: ignore[arg-type]


@pytest.mark.parametrize("path, passed, detail", [
    ("/ok", True, "HTTP 200 from 127.0.0.1:{port}"),
    ("/redirect", True, "HTTP 301 from 127.0.0.1:{port}"),      # R74: 200-399
    ("/fail", False, "HTTP 500 from 127.0.0.1:{port}"),         # 5xx
    ("/notfound", False, "HTTP 404 from 127.0.0.1:{port}"),
    ("/slow", False, "no HTTP status from 127.0.0.1:{port} within 0.2 s"),  # R74: 2 s x 0.1
    ("/badheader", False, "invalid HTTP header from 127.0.0.1:{port}: "
                          "b'this is not a header\\r\\n'"),      # R74: RFC 7230 headers
])
async def test_http_R74(web: Endpoint, path: str, passed: bool, detail: str) -> None:
    obs = await probe(cfg(web.port, path=path), SCALE)
    assert (obs.passed, obs.detail) == (passed, detail.format(port=web.port))


async def test_slow_response_is_not_waited_for_R74(web: Endpoint) -> None:
    start = time.monotonic()
    obs = await probe(cfg(web.port, path="/slow"), SCALE)
    assert not obs.passed
    assert time.monotonic() - start < 0.9  # gave up at 0.2 s, long before the 1 s answer


async def test_closed_port() -> None:
    port = free_port()
    for type in ("HTTP", "TCP"):
        obs = await probe(cfg(port, type=type, path=None), SCALE)
        assert (obs.passed, obs.detail) == (False, f"connection refused by 127.0.0.1:{port}")


async def test_tcp_open_port_R74() -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        s.listen(4)
        port = s.getsockname()[1]
        obs = await probe(cfg(port, type="TCP", path=None), SCALE)
    assert (obs.passed, obs.detail) == (True, f"TCP connection to 127.0.0.1:{port}")


async def test_connect_timeout_R74() -> None:
    # A listening socket whose accept queue is full: the kernel drops further SYNs, so the
    # connection never completes and the 4 s (x 0.1) connect limit decides.
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        s.listen(0)
        port = s.getsockname()[1]
        fillers = []
        try:
            for _ in range(4):
                f = socket.socket()
                f.setblocking(False)
                f.connect_ex(("127.0.0.1", port))
                fillers.append(f)
            await asyncio.sleep(0.05)
            obs = await probe(cfg(port, type="TCP", path=None), 0.05)  # 10 s x 0.05 = 0.5 s
        finally:
            for f in fillers:
                f.close()
    assert (obs.passed, obs.detail) == (False, f"no connection to 127.0.0.1:{port} within 0.5 s")


@pytest.mark.parametrize("path, needle, passed, tail", [
    ("/ok", "status: OK", True, "search string found"),
    ("/ok", "status: ok", False, "search string not in the first 5120 bytes"),  # case-sensitive
    ("/ok", "missing", False, "search string not in the first 5120 bytes"),
    ("/edge", "NEEDLE", True, "search string found"),          # ends at byte 5,120
    ("/far", "NEEDLE", False, "search string not in the first 5120 bytes"),  # crosses it
    ("/chunked", "NEEDLE", True, "search string found"),
])
async def test_string_match_R75(web: Endpoint, path: str, needle: str, passed: bool,
                                tail: str) -> None:
    obs = await probe(cfg(web.port, "HTTP_STR_MATCH", path, search_string=needle), SCALE)
    assert obs.passed is passed
    assert obs.detail == f"HTTP 200 from 127.0.0.1:{web.port}, {tail}"


async def test_string_match_failures_R75(web: Endpoint) -> None:
    slow = await probe(cfg(web.port, "HTTP_STR_MATCH", "/slowbody", search_string="OK"), SCALE)
    assert (slow.passed, slow.detail) == (
        False, f"HTTP 200 from 127.0.0.1:{web.port}, body not received within 0.2 s")
    bad = await probe(cfg(web.port, "HTTP_STR_MATCH", "/badheader", search_string="OK"), SCALE)
    assert not bad.passed and "invalid HTTP header" in bad.detail
    err = await probe(cfg(web.port, "HTTP_STR_MATCH", "/fail", search_string="broken"), SCALE)
    assert (err.passed, err.detail) == (False, f"HTTP 500 from 127.0.0.1:{web.port}")


@pytest.mark.parametrize("kw, request_line, host", [
    ({}, "GET /echo HTTP/1.1", "127.0.0.1:{port}"),
    ({"resource_path": "echo?x=1"}, "GET /echo?x=1 HTTP/1.1", "127.0.0.1:{port}"),   # R79
    ({"fully_qualified_domain_name": "www.example.com."}, "GET /echo HTTP/1.1",
     "www.example.com:{port}"),                                                      # R78
])
async def test_request_shape_R78_R79(web: Endpoint, kw: dict[str, str], request_line: str,
                                     host: str) -> None:
    config = cfg(web.port, path=kw.pop("resource_path", "/echo"), **kw)
    obs = await probe(config, SCALE)
    assert obs.passed
    assert web.requests[-1] == (request_line, host.format(port=web.port))


async def test_default_path_is_slash_R79(web: Endpoint) -> None:
    await probe(cfg(web.port, path=None), SCALE)
    assert web.requests[-1][0] == "GET / HTTP/1.1"


async def test_fqdn_without_ip_is_resolved_R78(web: Endpoint) -> None:
    config = HealthCheckConfig(type="HTTP", fully_qualified_domain_name="localhost",
                               port=web.port, resource_path="/ok")
    obs = await probe(config, SCALE)
    assert obs.passed and obs.detail == f"HTTP 200 from 127.0.0.1:{web.port}"
    missing = HealthCheckConfig(type="HTTP", fully_qualified_domain_name="no-such.invalid",
                                port=web.port)
    obs = await probe(missing, SCALE)
    assert (obs.passed, obs.detail) == (False, "DNS resolution failed for no-such.invalid")


async def test_https_without_certificate_validation_R74(tmp_path: Path) -> None:
    cert = self_signed(tmp_path)
    if cert is None:
        pytest.skip("needs the openssl CLI to make a self-signed certificate")
    ep = await Endpoint(tls=cert).start()
    try:
        ok = await probe(cfg(ep.port, "HTTPS", "/ok"), SCALE * 10)
        assert (ok.passed, ok.detail) == (True, f"HTTP 200 from 127.0.0.1:{ep.port}")
        bad = await probe(cfg(ep.port, "HTTPS", "/fail"), SCALE * 10)
        assert (bad.passed, bad.detail) == (False, f"HTTP 500 from 127.0.0.1:{ep.port}")
        found = await probe(cfg(ep.port, "HTTPS_STR_MATCH", "/ok", search_string="OK",
                                fully_qualified_domain_name="secure.example.com"), SCALE * 10)
        assert found.passed
        assert ep.requests[-1][1] == f"secure.example.com:{ep.port}"
        plain = await probe(cfg(ep.port, "HTTP", "/ok"), SCALE)   # HTTP to a TLS port
        assert not plain.passed
    finally:
        await ep.stop()
