"""The one HTTP server on ``--api`` (aiohttp): the Route 53 REST API under ``/2013-04-01/`` and
the control paths under ``/_netemu/`` (health, alarms), later the web view.

Route handlers are tried in order: each is an async callable taking the aiohttp request and
returning a response or None (not its path). The older control handlers
(``health.control.Handler``: ``Request -> (status, payload)``) are adapted, so
``netemu health`` and ``netemu alarm set`` talk to the same server as boto3.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Awaitable, Callable, Sequence

from aiohttp import web

from netemu.health.control import Handler, Request

log = logging.getLogger("netemu.api")

MAX_BODY = 4 * 1024 * 1024      # a change batch of 1,000 records is far below this
WebHandler = Callable[[web.Request], Awaitable[web.StreamResponse | None]]


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
                 web_routes: Sequence[WebHandler] = ()) -> None:
        self.routes: list[WebHandler] = [*web_routes, *(adapt(h) for h in routes)]  # type: ignore[arg-type]
        self.runner: web.AppRunner | None = None
        self.address: tuple[str, int] | None = None

    async def _dispatch(self, request: web.Request) -> web.StreamResponse:
        for route in self.routes:
            try:
                answer = await route(request)
            except web.HTTPException:
                raise
            except Exception:  # a bug answers 500 and is logged; the server goes on
                log.exception("%s %s failed", request.method, request.path)
                return web.json_response({"error": "internal error"}, status=500)
            if answer is not None:
                return answer
        return web.json_response({"error": f"no such path: {request.path}"}, status=404)

    async def start(self, host: str, port: int) -> None:
        app = web.Application(client_max_size=MAX_BODY)
        app.router.add_route("*", "/{tail:.*}", self._dispatch)
        self.runner = web.AppRunner(app, access_log=None, handle_signals=False)
        await self.runner.setup()
        site = web.TCPSite(self.runner, host, port, reuse_address=True)
        try:
            await site.start()
        except BaseException:
            await self.stop()
            raise
        server = getattr(site, "_server", None)
        sockets = getattr(server, "sockets", None) or []
        self.address = sockets[0].getsockname()[:2] if sockets else (host, port)

    async def stop(self) -> None:
        if self.runner is not None:
            await self.runner.cleanup()
            self.runner = None


__all__ = ["HttpServer", "WebHandler", "adapt", "MAX_BODY"]
