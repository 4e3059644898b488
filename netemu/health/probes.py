"""Real probes of health-check endpoints (asyncio): HTTP, HTTPS, string match and TCP, with
Route 53's limits (R74, R75) multiplied by ``time_scale``.

- HTTP(S): TCP connect (and TLS handshake) within 4 s, then an HTTP status line within 2 s;
  healthy for 200-399. HTTPS never validates certificates. Response headers must be valid
  (``name: value``) and arrive within 2 s after the status line.
- *_STR_MATCH: also the body must arrive within 2 s after the status line and the search string
  (case-sensitive) must lie entirely within its first 5,120 bytes.
- TCP: connect within 10 s.
- Requests carry Route 53's Host header and path rules (R78, R79). Without an IPAddress the
  FullyQualifiedDomainName is resolved (IPv4) at each probe; no address is "DNS resolution
  failed".

``probe`` never raises: every outcome is an ``Observation`` whose ``detail`` says what was seen,
e.g. ``HTTP 500 from 127.0.0.1:8081``.
"""

from __future__ import annotations

import asyncio
import re
import socket
import ssl
import time

from netemu.route53.health import (
    HTTP_CONNECT_TIMEOUT,
    HTTP_RESPONSE_TIMEOUT,
    SEARCH_WINDOW_BYTES,
    STRING_MATCH_TYPES,
    TCP_CONNECT_TIMEOUT,
    TLS_TYPES,
    Observation,
    default_port,
    host_header,
    internet_refusal,
    resource_path,
)
from netemu.route53.model import HealthCheckConfig

USER_AGENT = "Amazon-Route53-Health-Check-Service (netemu)"
_STATUS_LINE = re.compile(rb"^HTTP/1\.[01] (\d{3})(?: .*)?\r?\n$")
_HEADER_LINE = re.compile(rb"^[!#$%&'*+\-.^_`|~0-9A-Za-z]+:[^\r\n]*\r?\n$")


class ProbeFailure(Exception):
    """Why a probe failed, in the words of its ``detail``."""


def _insecure_context() -> ssl.SSLContext:
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE  # R74: Route 53 does not validate certificates
    return ctx


_TLS = _insecure_context()


def _secs(value: float) -> str:
    return f"{value:g} s"


async def _address(config: HealthCheckConfig) -> str:
    if config.ip_address:
        return config.ip_address
    name = (config.fully_qualified_domain_name or "").rstrip(".")
    try:
        infos = await asyncio.get_running_loop().getaddrinfo(
            name, None, family=socket.AF_INET, type=socket.SOCK_STREAM)
    except OSError:
        infos = []
    if not infos:
        raise ProbeFailure(f"DNS resolution failed for {name}")
    return str(infos[0][4][0])


def _where(ip: str, port: int) -> str:
    return f"[{ip}]:{port}" if ":" in ip else f"{ip}:{port}"


async def _connect(ip: str, port: int, config: HealthCheckConfig, timeout: float
                   ) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
    tls = config.type in TLS_TYPES
    sni = (config.fully_qualified_domain_name or "").rstrip(".") or None
    kwargs: dict[str, object] = {}
    if tls:
        # EnableSNI (default on): send the FQDN as SNI; "" sends none and skips name matching.
        server_hostname = sni if sni and config.enable_sni is not False else ""
        kwargs = {"ssl": _TLS, "server_hostname": server_hostname,
                  "ssl_handshake_timeout": timeout}
    where = _where(ip, port)
    try:
        async with asyncio.timeout(timeout):
            return await asyncio.open_connection(ip, port, **kwargs)  # type: ignore[arg-type]
    except TimeoutError:
        raise ProbeFailure(f"no connection to {where} within {_secs(timeout)}") from None
    except ConnectionRefusedError:
        raise ProbeFailure(f"connection refused by {where}") from None
    except ssl.SSLError as e:
        raise ProbeFailure(f"TLS handshake with {where} failed ({e.reason or e})") from None
    except OSError as e:
        raise ProbeFailure(f"no connection to {where} ({e.strerror or e})") from None


def _close(writer: asyncio.StreamWriter) -> None:
    """Close without waiting: the transport finishes closing on its own."""
    writer.close()


async def _read_body(reader: asyncio.StreamReader, headers: dict[bytes, bytes],
                     limit: int) -> bytes:
    """Up to ``limit`` bytes of the body (chunked or not), ending early at its end."""
    body = b""
    if headers.get(b"transfer-encoding", b"").lower() == b"chunked":
        while len(body) < limit:
            size_line = await reader.readline()
            if not size_line:
                break
            size = int(size_line.split(b";")[0].strip() or b"0", 16)
            if size == 0:
                break
            chunk = await reader.readexactly(size)
            await reader.readline()
            body += chunk
        return body[:limit]
    length = headers.get(b"content-length")
    want = min(limit, int(length)) if length and length.strip().isdigit() else limit
    while len(body) < want:
        data = await reader.read(want - len(body))
        if not data:
            break
        body += data
    return body


async def _http(ip: str, port: int, config: HealthCheckConfig, scale: float) -> Observation:
    where = _where(ip, port)
    reader, writer = await _connect(ip, port, config, HTTP_CONNECT_TIMEOUT * scale)
    answer_within = HTTP_RESPONSE_TIMEOUT * scale
    try:
        request = (
            f"GET {resource_path(config)} HTTP/1.1\r\nHost: {host_header(config)}\r\n"
            f"User-Agent: {USER_AGENT}\r\nAccept: */*\r\nConnection: close\r\n\r\n"
        )
        writer.write(request.encode("latin-1"))
        try:
            async with asyncio.timeout(answer_within):
                line = await reader.readline()
        except TimeoutError:
            raise ProbeFailure(
                f"no HTTP status from {where} within {_secs(answer_within)}") from None
        match = _STATUS_LINE.match(line)
        if not match:
            raise ProbeFailure(f"invalid HTTP status line from {where}: {line[:60]!r}")
        code = int(match.group(1))
        if not 200 <= code <= 399:
            return Observation(False, f"HTTP {code} from {where}", time.time())
        matching = config.type in STRING_MATCH_TYPES
        try:
            async with asyncio.timeout(answer_within):
                headers = await _headers(reader, where)      # R74: valid headers, every type
                body = await _read_body(reader, headers, SEARCH_WINDOW_BYTES) if matching else b""
        except TimeoutError:
            raise ProbeFailure(f"HTTP {code} from {where}, {'body' if matching else 'headers'} "
                               f"not received within {_secs(answer_within)}") from None
        if not matching:
            return Observation(True, f"HTTP {code} from {where}", time.time())
        needle = (config.search_string or "").encode("utf-8")
        if needle in body[:SEARCH_WINDOW_BYTES]:
            return Observation(True, f"HTTP {code} from {where}, search string found",
                               time.time())
        return Observation(False, f"HTTP {code} from {where}, search string not in the "
                                  f"first {SEARCH_WINDOW_BYTES} bytes", time.time())
    finally:
        _close(writer)


async def _headers(reader: asyncio.StreamReader, where: str) -> dict[bytes, bytes]:
    """The response headers (names lower-cased); an invalid line fails the probe (R74)."""
    headers: dict[bytes, bytes] = {}
    while True:
        line = await reader.readline()
        if line in (b"\r\n", b"\n", b""):
            break
        if not _HEADER_LINE.match(line):
            raise ProbeFailure(f"invalid HTTP header from {where}: {line[:60]!r}")
        name, _, value = line.partition(b":")
        headers[name.strip().lower()] = value.strip()
    return headers


async def _tcp(ip: str, port: int, config: HealthCheckConfig, scale: float) -> Observation:
    _, writer = await _connect(ip, port, config, TCP_CONNECT_TIMEOUT * scale)
    _close(writer)
    return Observation(True, f"TCP connection to {_where(ip, port)}", time.time())


async def probe(config: HealthCheckConfig, time_scale: float = 1.0,
                internet: bool = False) -> Observation:
    """Probe one endpoint check once. Never raises. ``internet``: the prober is a Route 53
    checker on the emulated internet, which sends nothing to a private address (R182)."""
    port = default_port(config) or 0
    try:
        ip = await _address(config)
        if internet and (refused := internet_refusal(ip)) is not None:
            return Observation(False, refused, time.time())
        if config.type == "TCP":
            return await _tcp(ip, port, config, time_scale)
        return await _http(ip, port, config, time_scale)
    except ProbeFailure as e:
        return Observation(False, str(e), time.time())
    except (OSError, ValueError, asyncio.IncompleteReadError, ssl.SSLError) as e:
        return Observation(False, f"probe failed: {type(e).__name__}: {e}", time.time())
