"""netemu's control channel on the ``--api`` address: a tiny asyncio HTTP/1.1 server with JSON
paths under ``/_netemu/`` (the Route 53 REST API will share the port later).

    GET /_netemu/health-checks      every check: id, type, status, since, last observation
    GET /_netemu/alarms             emulated CloudWatch alarms and their states
    PUT /_netemu/alarms/NAME        body {"state": "OK" | "ALARM" | "INSUFFICIENT_DATA"}

One request per connection (``Connection: close``); bodies are JSON. Anything else is 404.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import unquote

from netemu.health.checker import HealthChecker
from netemu.route53.health import status_word


@dataclass(frozen=True, slots=True)
class Request:
    """One HTTP request as handlers see it (header names lower-cased)."""

    method: str
    path: str
    query: str
    headers: dict[str, str]
    body: bytes


# A handler answers (status, JSON-able payload) or (status, bytes, content type), or None when
# the path is not its own.
Answer = tuple[int, Any] | tuple[int, bytes, str]
Handler = Callable[[Request], Awaitable[Answer | None]]
REASONS = {200: "OK", 400: "Bad Request", 404: "Not Found", 405: "Method Not Allowed",
           413: "Payload Too Large"}
MAX_BODY = 64 * 1024


def health_routes(checker: HealthChecker) -> Handler:
    """The health and alarm paths, over a running checker."""

    async def handle(req: Request) -> Answer | None:
        method, path, body = req.method, req.path, req.body
        if path == "/_netemu/health-checks":
            if method != "GET":
                return 405, {"error": "use GET"}
            snap = checker.report()
            return 200, {"health_checks": [
                {"id": r.check_id, "type": r.type, "status": status_word(r.healthy),
                 "since": r.since, "last_observation": r.observation, "checked_at": r.checked_at}
                for r in snap.reports.values()]}
        if path == "/_netemu/alarms" and method == "GET":
            return 200, {"alarms": dict(checker.alarm_states())}
        if path.startswith("/_netemu/alarms/"):
            if method != "PUT":
                return 405, {"error": "use PUT"}
            name = unquote(path[len("/_netemu/alarms/"):])
            try:
                state = json.loads(body or b"{}").get("state")
                checks = checker.set_alarm(name, str(state))
            except (ValueError, AttributeError) as e:
                return 400, {"error": str(e)}
            return 200, {"alarm": name, "state": state, "health_checks": checks}
        return None

    return handle


class ControlServer:
    """Serves ``handlers`` (tried in order; the first non-None answer wins) on host:port."""

    def __init__(self, handlers: list[Handler]) -> None:
        self.handlers = handlers
        self.server: asyncio.base_events.Server | None = None

    async def start(self, host: str, port: int) -> None:
        self.server = await asyncio.start_server(self._serve, host, port, reuse_address=True)

    async def stop(self) -> None:
        if self.server is not None:
            self.server.close()
            await self.server.wait_closed()

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            answer = await asyncio.wait_for(self._request(reader), 10)
        except (TimeoutError, asyncio.IncompleteReadError, ConnectionError, ValueError):
            answer = (400, {"error": "bad request"})
        if len(answer) == 3:
            status, data, ctype = answer  # type: ignore[misc]
        else:
            status, payload = answer  # type: ignore[misc]
            data, ctype = json.dumps(payload).encode() + b"\n", "application/json"
        head = (f"HTTP/1.1 {status} {REASONS.get(status, 'Error')}\r\n"
                f"Content-Type: {ctype}\r\nContent-Length: {len(data)}\r\n"
                f"Connection: close\r\n\r\n")
        try:
            writer.write(head.encode() + data)
            await writer.drain()
        except ConnectionError:
            pass
        finally:
            writer.close()

    async def _request(self, reader: asyncio.StreamReader) -> Answer:
        method, target, _ = (await reader.readline()).decode("latin-1").split(" ", 2)
        headers: dict[str, str] = {}
        while True:
            line = await reader.readline()
            if line in (b"\r\n", b"\n", b""):
                break
            name, _, value = line.decode("latin-1").partition(":")
            headers[name.strip().lower()] = value.strip()
        length = int(headers.get("content-length", "0"))
        if length > MAX_BODY:
            return 413, {"error": "body too large"}
        body = await reader.readexactly(length) if length else b""
        path, _, query = target.partition("?")
        request = Request(method, path, query, headers, body)
        for handler in self.handlers:
            answer = await handler(request)
            if answer is not None:
                return answer
        return 404, {"error": f"no such path: {path}"}
