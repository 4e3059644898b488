"""The read-only web view on ``--api`` under ``/ui/``: plain server-rendered HTML, one small
script (``/ui/app.js``, which refreshes the live sections), no build step, no framework.

Pages: ``/ui/`` (hosted zones, health checks with their status history, the last queries with
the record set that answered and why, and the applied topology's link), ``/ui/zones/ID`` (a
zone's record sets), ``/ui/topology`` (the diagram of the topology that ``netemu apply``
applied on this machine, or of ``serve --ui-topology FILE``, with a trace form: the trace is
drawn on the diagram and listed hop by hop) and
``/ui/topology.svg``. ``/ui/part/health`` and ``/ui/part/queries`` are the live sections as HTML
fragments, which the script swaps in every two seconds.

Everything shown comes from user input (zone files, API change batches, topology files, DNS
queries): every value goes through ``html.escape``; the pages are served with a Content
Security Policy that runs no inline script.
"""

from __future__ import annotations

import asyncio
import html
import logging
import time
from collections import deque
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import quote as urlquote
from urllib.parse import urlencode

from aiohttp import web

from netemu.route53.model import HealthCheck, HostedZone, RecordSet

PREFIX = "/ui"
QUERIES = 200          # the last queries kept for the page
SHOWN_QUERIES = 50
SHOWN_TRANSITIONS = 8  # per health check
CSP = ("default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
       "img-src 'self' data:; connect-src 'self'; form-action 'self'; base-uri 'none'; "
       "frame-ancestors 'none'")

e = html.escape


# --- the query log, kept -----------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Query:
    when: float
    client: str
    qname: str
    qtype: str
    rcode: str
    why: str


class QueryRing(logging.Handler):
    """The last ``QUERIES`` lines of the query log (logger ``netemu.query``, one per query,
    written by ``netemu.dns.handler`` with its fields as arguments), kept for the web view."""

    def __init__(self, size: int = QUERIES) -> None:
        super().__init__(logging.INFO)
        self.queries: deque[Query] = deque(maxlen=size)

    def emit(self, record: logging.LogRecord) -> None:
        args = record.args
        if not isinstance(args, tuple) or len(args) != 5:
            return
        client, qname, qtype, rcode, why = (str(a) for a in args)
        self.queries.append(Query(record.created, client, qname, qtype, rcode, why))

    def install(self) -> None:
        logging.getLogger("netemu.query").addHandler(self)

    def remove(self) -> None:
        logging.getLogger("netemu.query").removeHandler(self)


# --- HTML --------------------------------------------------------------------------------------

STYLE = """
body { font-family: system-ui, sans-serif; margin: 1.5em; color: #1f2328; }
h1 { font-size: 1.4em; } h2 { font-size: 1.15em; margin-top: 1.6em; }
table { border-collapse: collapse; margin: .5em 0; }
th, td { border: 1px solid #d0d7de; padding: .25em .6em; text-align: left; vertical-align: top;
         font-size: .92em; }
th { background: #f6f8fa; }
.healthy { color: #1a7f37; font-weight: 600; } .unhealthy { color: #cf222e; font-weight: 600; }
.muted { color: #6e7781; } code { font-size: .95em; }
nav a { margin-right: 1em; }
.diagram svg { max-width: 100%; height: auto; border: 1px solid #d0d7de; }
.drop { color: #cf222e; font-weight: 600; }
form label { margin-right: .8em; }
"""

SCRIPT = """'use strict';
// Refresh the live sections (health checks, queries) every two seconds: the server renders
// and escapes them; this only swaps the fragment in.
for (const el of document.querySelectorAll('[data-live]')) {
  const url = el.getAttribute('data-live');
  setInterval(async () => {
    try {
      const r = await fetch(url, {cache: 'no-store'});
      if (r.ok) { el.innerHTML = await r.text(); }
    } catch (err) { /* the server is restarting: try again next time */ }
  }, 2000);
}
"""


def page(title: str, body: str) -> web.Response:
    text = f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{e(title)} - netemu</title>
<link rel="stylesheet" href="{PREFIX}/style.css"></head>
<body>
<nav><a href="{PREFIX}/">netemu</a><a href="{PREFIX}/#zones">hosted zones</a>
<a href="{PREFIX}/#health">health checks</a><a href="{PREFIX}/#queries">queries</a>
<a href="{PREFIX}/topology">topology</a></nav>
<h1>{e(title)}</h1>
{body}
<script src="{PREFIX}/app.js"></script>
</body></html>
"""
    return _response(text, "text/html")


def _response(text: str, ctype: str, status: int = 200) -> web.Response:
    resp = web.Response(text=text, content_type=ctype, status=status, charset="utf-8")
    resp.headers["Content-Security-Policy"] = CSP
    resp.headers["X-Content-Type-Options"] = "nosniff"
    resp.headers["Cache-Control"] = "no-store"
    return resp


def table(head: Iterable[str], rows: Iterable[Iterable[str]], cls: str = "") -> str:
    """A table; ``rows`` cells are HTML already escaped by the caller."""
    hs = "".join(f"<th>{e(h)}</th>" for h in head)
    body = "".join("<tr>" + "".join(f"<td>{c}</td>" for c in row) + "</tr>" for row in rows)
    attr = f' class="{e(cls)}"' if cls else ""
    return f"<table{attr}><thead><tr>{hs}</tr></thead><tbody>{body}</tbody></table>"


def when(ts: float | None) -> str:
    if ts is None:
        return '<span class="muted">-</span>'
    return e(time.strftime("%H:%M:%S", time.localtime(ts)))


def status_html(healthy: bool) -> str:
    return ('<span class="healthy">Healthy</span>' if healthy
            else '<span class="unhealthy">Unhealthy</span>')


def policy(rec: RecordSet) -> str:
    """The routing policy of a record set, in the console's words."""
    if rec.weight is not None:
        return f"Weighted ({rec.weight})"
    if rec.region is not None:
        return f"Latency ({rec.region})"
    if rec.failover is not None:
        return f"Failover ({rec.failover})"
    if rec.geo_location is not None:
        g = rec.geo_location
        where = g.subdivision_code or g.country_code or g.continent_code or "*"
        return f"Geolocation ({where})"
    if rec.geo_proximity_location is not None:
        g2 = rec.geo_proximity_location
        return f"Geoproximity ({g2.aws_region or g2.local_zone_group or 'coordinates'}," \
               f" bias {g2.bias})"
    if rec.multi_value_answer:
        return "Multivalue answer"
    if rec.cidr_routing_config is not None:
        c = rec.cidr_routing_config
        return f"IP-based ({c.collection_id}/{c.location_name})"
    return "Simple"


def record_value(rec: RecordSet) -> str:
    if rec.alias_target is not None:
        a = rec.alias_target
        return (f"alias to <code>{e(a.dns_name)}</code>"
                + (" (evaluate target health)" if a.evaluate_target_health else ""))
    return "<br>".join(f"<code>{e(v)}</code>" for v in rec.values)


# --- the handler -------------------------------------------------------------------------------


class WebUi:
    """``handle(request)``: the ``/ui/`` pages, or None for any other path.

    ``zoneset()`` gives the served zones and health checks; ``checker()`` the health checker
    (or None); ``queries`` the kept query log; ``dataplane_state`` the directory of ``netemu
    apply``'s state (the applied topology), None for its default."""

    def __init__(self, zoneset: Callable[[], Any], checker: Callable[[], Any],
                 queries: QueryRing, dataplane_state: str | None = None,
                 topology_file: str | Path | None = None) -> None:
        self.zoneset = zoneset
        self.topology_file = topology_file
        self.checker = checker
        self.queries = queries
        self.dataplane_state = dataplane_state
        self._topology_cache: tuple[tuple[str, float], Any] | None = None

    async def handle(self, request: web.Request) -> web.StreamResponse | None:
        path = request.path
        if path != PREFIX and not path.startswith(PREFIX + "/"):
            return None
        if request.method not in ("GET", "HEAD"):
            resp = _response("the web view is read-only\n", "text/plain", 405)
            resp.headers["Allow"] = "GET, HEAD"
            return resp
        if path == PREFIX:
            raise web.HTTPFound(PREFIX + "/")
        sub = path[len(PREFIX):]
        if sub == "/":
            return self.index()
        if sub == "/style.css":
            return _response(STYLE, "text/css")
        if sub == "/app.js":
            return _response(SCRIPT, "text/javascript")
        if sub == "/part/health":
            return _response(self.health_part(), "text/html")
        if sub == "/part/queries":
            return _response(self.queries_part(), "text/html")
        if sub.startswith("/zones/"):
            return self.zone_page(sub[len("/zones/"):])
        if sub == "/topology":
            # tracing and Graphviz take a moment: off the event loop that answers DNS
            return await asyncio.to_thread(self.topology_page, request.query)
        if sub == "/topology.svg":
            return await asyncio.to_thread(self.topology_svg, request.query)
        resp = page("Not found", f"<p>No page <code>{e(path)}</code> here.</p>")
        resp.set_status(404)
        return resp

    # -- pages ----------------------------------------------------------------------------

    def index(self) -> web.Response:
        zs = self.zoneset()
        zones = table(
            ("Hosted zone", "Type", "Id", "Record sets", "Comment"),
            ((f'<a href="{PREFIX}/zones/{e(urlquote(z.id, safe=""))}">{e(z.name)}</a>',
              "Private" if z.private else "Public", f"<code>{e(z.id)}</code>",
              str(len(z.record_sets)), e(z.comment or ""))
             for z in zs.zones), "zones")
        applied = self.applied_topology()
        topo = (f'<p><a href="{PREFIX}/topology">{e(applied[0])}</a>: its diagram and a trace '
                f'form.</p>' if applied else
                '<p class="muted">No topology is applied on this machine (<code>netemu apply'
                '</code>).</p>')
        body = (f'<h2 id="zones">Hosted zones</h2>{zones}'
                f'<h2 id="health">Health checks</h2><div id="health-live" data-live="'
                f'{PREFIX}/part/health">{self.health_part()}</div>'
                f'<h2 id="queries">Last queries</h2><div id="queries-live" data-live="'
                f'{PREFIX}/part/queries">{self.queries_part()}</div>'
                f'<h2 id="topology">Topology</h2>{topo}')
        return page("netemu: Route 53 and VPC emulator", body)

    def zone_page(self, zone_id: str) -> web.Response:
        zone: HostedZone | None = next((z for z in self.zoneset().zones if z.id == zone_id),
                                       None)
        if zone is None:
            resp = page("No such hosted zone",
                        f"<p>No hosted zone with id <code>{e(zone_id)}</code>.</p>")
            resp.set_status(404)
            return resp
        rows = ((f"<code>{e(r.name)}</code>", e(r.type), e(policy(r)),
                 e(r.set_identifier or ""), e("" if r.ttl is None else str(r.ttl)),
                 record_value(r), e(r.health_check_id or ""))
                for r in zone.record_sets)
        vpcs = ", ".join(f"{v.vpc_id} ({v.vpc_region})" for v in zone.vpcs)
        body = (f"<p>{'Private' if zone.private else 'Public'} hosted zone "
                f"<code>{e(zone.id)}</code>" + (f", VPCs: {e(vpcs)}" if vpcs else "")
                + (f" &mdash; {e(zone.comment)}" if zone.comment else "") + "</p>"
                + table(("Record name", "Type", "Routing policy", "Set identifier", "TTL",
                         "Value / route traffic to", "Health check"), rows, "records"))
        return page(f"Hosted zone {zone.name}", body)

    def health_part(self) -> str:
        checks: tuple[HealthCheck, ...] = self.zoneset().health_checks
        if not checks:
            return '<p class="muted">No health checks.</p>'
        checker = self.checker()
        report = checker.report() if checker is not None else None
        history: list[Any] = list(checker.history) if checker is not None else []
        rows = []
        for c in checks:
            cfg = c.config
            endpoint = (f"{cfg.ip_address or cfg.fully_qualified_domain_name or ''}"
                        f"{':' + str(cfg.port) if cfg.port else ''}{cfg.resource_path or ''}")
            r = report.reports.get(c.id) if report is not None else None
            healthy = report.is_healthy(c.id) if report is not None else True
            past = [t for t in history if t.check_id == c.id][-SHOWN_TRANSITIONS:]
            hist = "<br>".join(f"{when(t.when)} {status_html(t.healthy)} {e(t.why)}"
                               for t in reversed(past))
            rows.append((f"<code>{e(c.id)}</code>", e(cfg.type), f"<code>{e(endpoint)}</code>",
                         f'<span data-check="{e(c.id)}">{status_html(healthy)}</span>',
                         e(r.observation or "") if r else "",
                         when(r.checked_at if r else None), hist))
        return table(("Id", "Type", "Endpoint", "Status", "Last observation", "Checked",
                      "Status history (newest first)"), rows, "health")

    def queries_part(self) -> str:
        qs = list(self.queries.queries)[-SHOWN_QUERIES:]
        if not qs:
            return ('<p class="muted">No queries yet (the query log is off with '
                    '<code>--no-query-log</code>).</p>')
        rows = ((when(q.when), e(q.client), f"<code>{e(q.qname)}</code>", e(q.qtype),
                 e(q.rcode), e(q.why)) for q in reversed(qs))
        return table(("Time", "Client", "Name", "Type", "Response", "Record set and why"),
                     rows, "queries")

    # -- topology -------------------------------------------------------------------------

    def applied_topology(self) -> tuple[str, Any] | None:
        """(file, Topology) of what ``netemu apply`` applied here (or of ``serve
        --ui-topology``), or None."""
        from netemu.dataplane.state import State, state_dir
        from netemu.errors import LoadError
        from netemu.vpc.load import load_topology_file

        if self.topology_file is not None:
            path = Path(self.topology_file)
        else:
            try:
                state = State.load(state_dir(self.dataplane_state))
            except OSError:
                return None
            if not state.topology or not state.namespaces:
                return None
            path = Path(state.topology)
        try:
            key = (str(path), path.stat().st_mtime)
        except OSError:
            return None
        if self._topology_cache is not None and self._topology_cache[0] == key:
            return str(path), self._topology_cache[1]
        try:
            topology = load_topology_file(path)
        except (LoadError, OSError):
            return None
        self._topology_cache = (key, topology)
        return str(path), topology

    def _trace(self, q: Mapping[str, str], topology: Any) -> tuple[Any, str]:
        """The trace the form asks for (None without one) and an error text."""
        src, dst = q.get("from", "").strip(), q.get("to", "").strip()
        if not src or not dst:
            return None, ""
        from netemu.vpc.trace import Flow, TraceError, trace

        try:
            port = int(q["port"]) if q.get("port", "").strip() else None
            flow = Flow(src, dst, q.get("protocol", "tcp").strip() or "tcp", port)
            return trace(topology, flow), ""
        except (TraceError, ValueError) as exc:
            return None, str(exc)

    def topology_svg(self, q: Mapping[str, str]) -> web.Response:
        applied = self.applied_topology()
        if applied is None:
            return _response("no topology is applied\n", "text/plain", 404)
        result, _ = self._trace(q, applied[1])
        return _response(self._svg(applied, result), "image/svg+xml")

    @staticmethod
    def _svg(applied: tuple[str, Any], result: Any) -> str:
        from netemu import draw
        from netemu.vpc.diagram import dot

        text = draw.svg(dot(applied[1], result, title=Path(applied[0]).name))
        start = text.find("<svg")   # inline: without the XML prolog and doctype
        return text[start:] if start >= 0 else text

    def topology_page(self, q: Mapping[str, str]) -> web.Response:
        applied = self.applied_topology()
        if applied is None:
            return page("Topology", '<p class="muted">No topology is applied on this machine: '
                        'run <code>netemu apply TOPOLOGY</code>.</p>')
        result, error = self._trace(q, applied[1])
        names = sorted({i.name for v in applied[1].vpcs for i in v.instances}
                       | {h.name for h in applied[1].internet_hosts})

        def field(name: str, label: str, default: str = "") -> str:
            value = q.get(name, default)
            return (f'<label>{e(label)} <input name="{e(name)}" id="trace-{e(name)}" '
                    f'value="{e(value)}" list="nodes" size="14"></label>')

        options = "".join(f'<option value="{e(n)}">' for n in names)
        form = (f'<form method="get" action="{PREFIX}/topology" id="trace-form">'
                f'<datalist id="nodes">{options}</datalist>'
                + field("from", "From") + field("to", "To") + field("protocol", "Protocol", "tcp")
                + field("port", "Port") + '<button type="submit" id="trace-go">Trace</button>'
                '</form>')
        parts = [f"<p>Topology file: <code>{e(applied[0])}</code></p>", form]
        if error:
            parts.append(f'<p class="drop" id="trace-error">{e(error)}</p>')
        if result is not None:
            parts.append(self._verdict_html(result))
        try:
            parts.append(f'<div class="diagram" id="diagram">{self._svg(applied, result)}</div>')
        except Exception as exc:  # Graphviz missing: the page still lists the trace
            parts.append(f'<p class="drop">The diagram cannot be drawn: {e(str(exc))}</p>')
        if result is not None:
            parts.append(self._hops_html(result))
        return page(f"Topology {Path(applied[0]).name}", "".join(parts))

    @staticmethod
    def _verdict_html(result: Any) -> str:
        verdict = ('<span class="healthy">REACHABLE</span>' if result.reachable
                   else '<span class="unhealthy">NOT REACHABLE</span>')
        return (f'<p id="trace-verdict">{e(result.source)} &rarr; {e(result.destination)} '
                f'<code>{e(result.packet.describe())}</code>: {verdict}</p>')

    @staticmethod
    def _hops_html(result: Any) -> str:
        out = []
        for title, hops in (("Forward path", result.hops), ("Return path", result.return_path)):
            if not hops:
                out.append(f'<h2>{title}</h2><p class="muted">Not evaluated: the request does '
                           'not arrive.</p>')
                continue
            rows = ((str(n), '<span class="healthy">ok</span>' if h.decision == "allow"
                     else '<span class="drop">DROP</span>', e(h.component), e(h.name),
                     e(h.reason) + (f" [{e(h.code)}]" if h.code and h.decision != "allow"
                                    else "")) for n, h in enumerate(hops, 1))
            out.append(f"<h2>{title}</h2>" + table(("#", "", "Component", "Name", "Reason"),
                                                   rows, "hops"))
        return "".join(out)


def trace_link(src: str, dst: str, port: int | None = None, protocol: str = "tcp") -> str:
    """The ``/ui/topology`` address of a trace (for docs and scripts)."""
    q = {"from": src, "to": dst, "protocol": protocol}
    if port is not None:
        q["port"] = str(port)
    return f"{PREFIX}/topology?{urlencode(q)}"


__all__ = ["PREFIX", "Query", "QueryRing", "WebUi", "trace_link"]
