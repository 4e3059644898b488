"""Fuzz targets: each takes bytes, runs one entry point, and raises ``Crash`` when the entry
point broke its promise (anything else it raises is a crash too).

- ``wire``: decode -> answer -> encode (``netemu.dns.handler.handle``) over the shipped zones.
  Promise: no exception, no logged internal error (engine or encoder failure), and a reply, when
  there is one, is a DNS response with the query's id, no larger than the transport allows,
  that dnspython can parse.
- ``zone``: the zone loader (``load_zone_text``, YAML/JSON). Promise: only ``LoadError``, every
  problem naming the file, never ``InternalError``; what loads also compiles for the wire.
- ``topology``: the topology loader (``load_topology`` on the parsed YAML). Promise: only
  ``LoadError``.
- ``api``: the HTTP API's request parsing (method, path, query string, XML body) through the
  server's dispatcher in process. Promise: never a 500, every error an AWS-shaped XML
  ``ErrorResponse`` (or the control channel's JSON), and the server keeps its state.

The first byte of an ``api`` input picks the method; the rest is ``PATH?QUERY\\nBODY``.
"""

from __future__ import annotations

import asyncio
import logging
import random
import warnings
from functools import lru_cache
from pathlib import Path
from typing import Any

import dns.exception
import dns.message
import yaml
from aiohttp import streams, web
from aiohttp.test_utils import make_mocked_request

# imported here, not where used, so that the campaign's instrumentation covers them
from netemu.api.account import Account
from netemu.api.http import HttpServer
from netemu.api.route53 import Route53Api
from netemu.api.store import MemoryStore
from netemu.dns import codec
from netemu.dns.handler import Serving, build_serving, handle
from netemu.errors import LoadError
from netemu.health.checker import HealthChecker
from netemu.health.control import health_routes
from netemu.route53.load import load_zone_files, load_zone_text
from netemu.route53.lookup import compile_zones
from netemu.textfile import load_yaml
from netemu.vpc.load import load_topology

ROOT = Path(__file__).resolve().parent.parent
CORPUS = ROOT / "fuzz" / "corpus"
METHODS = ("GET", "POST", "DELETE", "PUT", "HEAD", "PATCH", "OPTIONS")
PEER = ("127.0.0.1", 5353)


class Crash(AssertionError):
    """An entry point broke its promise on this input."""


class _Errors(logging.Handler):
    """Counts ERROR records: the handler logs (and survives) engine and encoder failures; the
    fuzzer counts them as crashes."""

    def __init__(self) -> None:
        super().__init__(logging.ERROR)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


_ERRORS = _Errors()
for _name in ("netemu.dns.handler", "netemu.api", "netemu.dns.codec"):
    _logger = logging.getLogger(_name)
    _logger.addHandler(_ERRORS)
    _logger.propagate = False
logging.getLogger("netemu.query").setLevel(logging.WARNING)


def _logged_errors() -> list[str]:
    found = [r.getMessage() for r in _ERRORS.records]
    _ERRORS.records.clear()
    return found


# --- the DNS wire --------------------------------------------------------------------------------

@lru_cache(maxsize=1)
def serving() -> Serving:
    return build_serving(load_zone_files([ROOT / "zones"]))


_RNG = random.Random(0)


def wire(data: bytes, tcp: bool | None = None) -> bytes | None:
    """One datagram (or TCP message, decided by the last bit of the input when ``tcp`` is None)
    through handle(); checks the reply."""
    if tcp is None:
        tcp = bool(data[-1] & 1) if data else False
    reply = handle(data, PEER, serving(), _RNG, tcp=tcp)
    errors = _logged_errors()
    if errors:
        raise Crash(f"handler logged an internal error: {errors[0]}")
    if reply is not None:
        check_reply(data, reply, tcp)
    return reply


def check_reply(query: bytes, reply: bytes, tcp: bool) -> None:
    """A reply is a DNS response with the query's id, within the transport's size, that
    dnspython parses."""
    limit = codec.MAX_TCP if tcp else _udp_limit(query)
    if not 12 <= len(reply) <= limit:
        raise Crash(f"reply of {len(reply)} bytes over {'TCP' if tcp else 'UDP'}")
    if reply[:2] != query[:2]:
        raise Crash("reply id differs from the query id")
    if not reply[2] & 0x80:
        raise Crash("reply without the QR bit")
    # parsed as a QUERY reply: dnspython reads an UPDATE's question as a zone section and
    # wants SOA there, which a NOTIMP echo of an arbitrary question need not be
    as_query = reply[:2] + bytes([reply[2] & 0x87]) + reply[3:]
    try:
        dns.message.from_wire(as_query, ignore_trailing=False)
    except dns.exception.DNSException as exc:
        raise Crash(f"reply does not parse: {type(exc).__name__}: {exc}") from None


def _udp_limit(query: bytes) -> int:
    """512 bytes without EDNS0, else the advertised payload (at least 512, at most 4096: R12),
    read by dnspython independently of netemu's decoder; 4096 when it cannot read the query."""
    try:
        q = dns.message.from_wire(query)
    except Exception:  # noqa: BLE001 - any query dnspython cannot read
        return codec.MAX_UDP
    if q.edns < 0:
        return codec.PLAIN_UDP
    return max(codec.PLAIN_UDP, min(q.payload, codec.MAX_UDP))


# --- the loaders -----------------------------------------------------------------------------

def _text(data: bytes) -> str:
    return data.decode("utf-8", "replace")


def zone(data: bytes) -> None:
    try:
        zoneset = load_zone_text(_text(data), "fuzz.yaml")
    except LoadError as exc:
        wrong = [p for p in exc.problems if p.file != "fuzz.yaml" or p.code == "InternalError"]
        if wrong:
            raise Crash(f"loader problem not about the file: {wrong[0]}") from None
        return
    compile_zones(zoneset)
    try:
        build_serving(zoneset)
    except LoadError as exc:   # a value that cannot go on the wire is reported, not raised
        if not all(p.file == "fuzz.yaml" for p in exc.problems):
            raise Crash(f"pack problem not about the file: {exc.problems[0]}") from None


def topology(data: bytes) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            doc = load_yaml(_text(data))
        except yaml.YAMLError:
            return  # not YAML: the file loader reports SyntaxError before load_topology
    try:
        load_topology(doc, "fuzz.yaml")
    except LoadError as exc:
        if any(p.file != "fuzz.yaml" for p in exc.problems):
            raise Crash(f"problem not about the file: {exc.problems[0]}") from None


# --- the HTTP API ----------------------------------------------------------------------------

class _Api:
    """The real dispatcher (``HttpServer``) with the Route 53 routes over an in-memory account,
    fed requests built by aiohttp (no socket: the fuzzer needs thousands a second)."""

    def __init__(self) -> None:
        self.loop = asyncio.new_event_loop()
        files = serving().zoneset
        self.account = Account(files, MemoryStore())
        self.loop.run_until_complete(self.account.start())
        checker = HealthChecker(files.health_checks, lambda snap: None, prober="inline")
        api = Route53Api(self.account, serving=serving)
        self.server = HttpServer([health_routes(checker)], web_routes=[api.handle])

    def request(self, method: str, path_qs: str, body: bytes,
                headers: dict[str, str] | None = None) -> tuple[int, bytes, str]:
        return self.loop.run_until_complete(self._request(method, path_qs, body, headers or {}))

    async def _request(self, method: str, path_qs: str, body: bytes,
                       headers: dict[str, str]) -> tuple[int, bytes, str]:
        protocol: Any = _Protocol()
        payload = streams.StreamReader(protocol, 2 ** 16, loop=asyncio.get_running_loop())
        payload.feed_data(body)
        payload.feed_eof()
        request = make_mocked_request(method, path_qs, headers={
            "Content-Length": str(len(body)), **headers}, payload=payload)
        try:
            response = await self.server._dispatch(request)
        except web.HTTPException as exc:
            return exc.status, (exc.text or "").encode(), exc.content_type
        assert isinstance(response, web.Response)
        raw = response.body
        data = bytes(raw) if isinstance(raw, (bytes, bytearray)) else b""
        return response.status, data, response.content_type


class _Protocol:
    """What aiohttp's StreamReader asks of its protocol when the reader is full or drained."""

    _reading_paused = False

    def pause_reading(self, **_: Any) -> None:
        pass

    def resume_reading(self, **_: Any) -> None:
        pass


@lru_cache(maxsize=1)
def api_server() -> _Api:
    return _Api()


def split_api_input(data: bytes) -> tuple[str, str, bytes]:
    method = METHODS[data[0] % len(METHODS)] if data else "GET"
    head, _, body = data[1:].partition(b"\n")
    path = head.decode("latin-1")
    if not path.startswith("/"):
        path = "/" + path
    return method, path, body


def api(data: bytes) -> None:
    method, path_qs, body = split_api_input(data)
    try:
        status, payload, _ = api_server().request(method, path_qs, body)
    except ValueError:
        return   # aiohttp refuses the URL itself (a real server answers 400 before dispatch)
    errors = _logged_errors()
    if errors:
        raise Crash(f"{method} {path_qs!r}: the API logged an internal error: {errors[0]}")
    if status >= 500:
        raise Crash(f"{method} {path_qs!r}: status {status}: {payload[:200]!r}")
    aws = path_qs.startswith("/2013-04-01/")
    if status >= 400 and aws and (b"<ErrorResponse" not in payload or b"<Code>" not in payload):
        raise Crash(f"{method} {path_qs!r}: {status} without an AWS error: {payload[:200]!r}")


TARGETS: dict[str, Any] = {"wire": wire, "zone": zone, "topology": topology, "api": api}
