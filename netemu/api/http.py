"""The one HTTP server on ``--api`` (aiohttp): the Route 53 REST API under ``/2013-04-01/`` and
the control paths under ``/_netemu/`` (health, alarms), later the web view.

Bounded connections (issue 14, ``HttpLimits``; docs/api.md, "Limits"): at most
``max_connections`` are open at once, and a connection must deliver a complete request (headers
and body) within ``idle_seconds`` of its start or of its previous response, however many bytes
it dribbles meanwhile; otherwise it is closed. At the limit, the connection that has waited
longest without a complete request is closed to make room; when every connection is busy with a
request being answered, the new one is closed. Both are plain closes, never an HTTP answer: no
request has been received on such a connection, so there is nothing to answer, and every HTTP
client retries a connection closed before its request was sent.

Route handlers are tried in order: each is an async callable taking the aiohttp request and
returning a response or None (not its path). The older control handlers
(``health.control.Handler``: ``Request -> (status, payload)``) are adapted, so
``netemu health`` and ``netemu alarm set`` talk to the same server as boto3.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Awaitable, Callable, Sequence
from typing import Any, cast

from aiohttp import web

from netemu.api.limits import DEFAULT_LIMITS, HttpLimits
from netemu.health.control import Handler, Request

log = logging.getLogger("netemu.api")

MAX_BODY = 4 * 1024 * 1024      # a change batch of 1,000 records is far below this
WebHandler = Callable[[web.Request], Awaitable[web.StreamResponse | None]]


class _Connection(asyncio.Protocol):
    """One accepted connection: forwards every event to aiohttp's protocol (``inner``) and holds
    the deadline for the next complete request."""

    def __init__(self, guard: _Guard, inner: asyncio.Protocol) -> None:
        self.guard, self.inner = guard, inner
        self.transport: asyncio.Transport | None = None
        self.request: web.Request | None = None   # being answered (headers in)
        self.since = 0.0                          # waiting for a complete request since
        self.timer: asyncio.TimerHandle | None = None
        self.accepted = False

    # asyncio.Protocol, forwarded ----------------------------------------------------------

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        # asyncio's or uvloop's (which is not an asyncio.Transport subclass)
        self.transport = cast(asyncio.Transport, transport)
        if self.guard.admit(self):
            self.accepted = True
            self.inner.connection_made(transport)

    def data_received(self, data: bytes) -> None:
        if self.accepted:
            self.inner.data_received(data)

    def eof_received(self) -> bool | None:
        return self.inner.eof_received() if self.accepted else None

    def connection_lost(self, exc: Exception | None) -> None:
        self.guard.forget(self)
        if self.accepted:
            self.inner.connection_lost(exc)

    def pause_writing(self) -> None:
        self.inner.pause_writing()

    def resume_writing(self) -> None:
        self.inner.resume_writing()

    # the deadline -------------------------------------------------------------------------

    def waiting(self) -> bool:
        """No complete request yet: headers still coming, or the body still coming."""
        return self.request is None or not self.request.content.is_eof()

    def wait_for_request(self, loop: asyncio.AbstractEventLoop) -> None:
        self.request = None
        self.since = loop.time()
        if self.timer is not None:
            self.timer.cancel()
        self.timer = loop.call_later(self.guard.limits.idle_seconds, self.expire)

    def expire(self) -> None:
        self.timer = None
        if self.waiting():
            self.guard.timed_out += 1
            self.close()
        # else: the request is complete and being answered; the next wait starts after it

    def close(self) -> None:
        if self.timer is not None:
            self.timer.cancel()
            self.timer = None
        if self.transport is not None and not self.transport.is_closing():
            if self.transport.get_write_buffer_size():
                self.transport.abort()   # a client that does not read its replies
            else:
                self.transport.close()


class _Guard:
    """The open connections of one server, their deadlines and the connection limit."""

    def __init__(self, limits: HttpLimits) -> None:
        self.limits = limits
        self.open: dict[asyncio.Transport, _Connection] = {}
        self.evicted = self.refused = self.timed_out = 0

    def factory(self, inner: Callable[[], asyncio.Protocol]) -> Callable[[], _Connection]:
        return lambda: _Connection(self, inner())

    def admit(self, conn: _Connection) -> bool:
        assert conn.transport is not None
        if len(self.open) >= self.limits.max_connections:
            waiting = [c for c in self.open.values() if c.waiting()]
            if not waiting:
                self.refused += 1
                conn.transport.close()
                return False
            self.evicted += 1
            victim = min(waiting, key=lambda c: c.since)
            self.forget(victim)   # at once: its close completes on a later turn of the loop
            victim.close()
        self.open[conn.transport] = conn
        conn.wait_for_request(asyncio.get_running_loop())
        return True

    def forget(self, conn: _Connection) -> None:
        if conn.timer is not None:
            conn.timer.cancel()
            conn.timer = None
        if conn.transport is not None and self.open.get(conn.transport) is conn:
            del self.open[conn.transport]

    def begin(self, request: web.Request) -> _Connection | None:
        """The headers of a request are in (its body may still be coming)."""
        conn = self.open.get(request.transport) if request.transport is not None else None
        if conn is not None:
            conn.request = request
        return conn


def adapt(handler: Handler) -> WebHandler:
    """A control-channel handler as an aiohttp route handler."""

    async def route(request: web.Request) -> web.StreamResponse | None:
        body = await request.read()
        req = Request(request.method, request.path, request.query_string,
                      {k.lower(): v for k, v in request.headers.items()}, body)
        answer = await handler(req)
        if answer is None:
            return None
        if len(answer) == 3:
            status, data, ctype = answer  # type: ignore[misc]
            return web.Response(status=status, body=data, content_type=ctype.split(";")[0])
        status, payload = answer  # type: ignore[misc]
        return web.Response(status=status, text=json.dumps(payload) + "\n",
                            content_type="application/json")

    return route


class HttpServer:
    """Serves ``routes`` (tried in order; the first non-None answer wins) on host:port."""

    def __init__(self, routes: Sequence[WebHandler | Handler] = (), *,
                 web_routes: Sequence[WebHandler] = (),
                 limits: HttpLimits = DEFAULT_LIMITS) -> None:
        self.routes: list[WebHandler] = [*web_routes, *(adapt(h) for h in routes)]  # type: ignore[arg-type]
        self.runner: web.AppRunner | None = None
        self.listener: asyncio.Server | None = None
        self.address: tuple[str, int] | None = None
        self.guard = _Guard(limits)

    async def _dispatch(self, request: web.Request) -> web.StreamResponse:
        conn = self.guard.begin(request)
        try:
            return await self._answer(request)
        finally:
            if conn is not None and conn.request is request and conn.transport is not None \
                    and self.guard.open.get(conn.transport) is conn:   # not closed meanwhile
                conn.wait_for_request(asyncio.get_running_loop())

    async def _answer(self, request: web.Request) -> web.StreamResponse:
        for route in self.routes:
            try:
                answer = await route(request)
            except web.HTTPException:
                raise
            except ConnectionResetError:   # the client went away (or was closed: too slow)
                log.info("%s %s: the connection was closed before the request was read",
                         request.method, request.path)
                return web.Response(status=400)
            except Exception:  # a bug answers 500 and is logged; the server goes on
                log.exception("%s %s failed", request.method, request.path)
                return web.json_response({"error": "internal error"}, status=500)
            if answer is not None:
                return answer
        return web.json_response({"error": f"no such path: {request.path}"}, status=404)

    async def start(self, host: str, port: int) -> None:
        app = web.Application(client_max_size=MAX_BODY)
        app.router.add_route("*", "/{tail:.*}", self._dispatch)
        # aiohttp's own keep-alive timer is left far off: the guard's deadline comes first
        self.runner = web.AppRunner(app, access_log=None, handle_signals=False)
        await self.runner.setup()
        assert self.runner.server is not None
        try:
            self.listener = await asyncio.get_running_loop().create_server(
                self.guard.factory(self.runner.server), host, port, reuse_address=True,
                backlog=max(128, self.guard.limits.max_connections))
        except BaseException:
            await self.stop()
            raise
        sockets: list[Any] = list(self.listener.sockets or [])
        self.address = sockets[0].getsockname()[:2] if sockets else (host, port)

    async def stop(self) -> None:
        if self.listener is not None:
            self.listener.close()
            self.listener = None
        if self.runner is not None:
            await self.runner.cleanup()
            self.runner = None


__all__ = ["DEFAULT_LIMITS", "MAX_BODY", "HttpLimits", "HttpServer", "WebHandler", "adapt"]
