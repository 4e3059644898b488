"""``netemu serve [--zones PATH ...] [--listen 127.0.0.1:1053] [--loop auto|asyncio|uvloop]
[--api 127.0.0.1:4580] [--state DIR] [--state-poll S] [--api-credentials FILE] [--time-scale F]
[--strict-aws] [--geo FILE] [--workers N] [--no-fast-path] [--rate-limit N] [--rate-limit-slip K]
[--tcp-max-connections N] [--tcp-idle-timeout S] [--api-max-connections N]
[--api-idle-timeout S]``.

Loads and validates the zone files (a bad set is refused with every problem, exit 1), compiles
them once into a ``Serving`` snapshot and answers DNS on UDP and TCP until interrupted. Without
``--zones`` it serves ``./zones`` when the current folder has one, else the example zones
shipped with netemu (the repository's ``zones/`` folder, copied into the wheel; see
netemu/shipped.py). A relative zone or ``--geo`` path that does not exist falls back to the
shipped copy of the same path, with a line on stderr.

Built to be extended: ``add_arguments`` holds the options, ``build_serving(args)`` the load,
``run_server(args, serving)`` the listeners plus ``BACKGROUND`` tasks (each an async callable
taking ``(args, server)``; the health checker adds its own).
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import sys
from collections.abc import Callable, Coroutine
from typing import Any

from netemu import shipped
from netemu.errors import LoadError
from netemu.health import DEFAULT_API

# the shipped examples (kept for importers; `serve` itself prefers ./zones, see default_zones)
DEFAULT_ZONES = shipped.zones()
DEFAULT_LISTEN = "127.0.0.1:1053"

log = logging.getLogger("netemu.serve")

Background = Callable[[argparse.Namespace, Any], Coroutine[Any, Any, None]]


async def _api(args: argparse.Namespace, server: Any) -> None:
    """The Route 53 API, the health checker and the control paths on --api, in this process;
    see netemu/api/service.py."""
    from netemu.api.service import serve_api

    await serve_api(args, server)


BACKGROUND: list[Background] = [_api]


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser("serve", help="serve hosted zones over DNS (UDP and TCP)")
    add_arguments(p)
    p.set_defaults(func=run)


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--no-query-log", dest="query_log", action="store_false",
                   help="do not log one line per query (logger netemu.query, INFO)")
    p.add_argument("--zones", nargs="+", action="extend", metavar="PATH",
                   type=shipped.resolve_noisy,
                   help="zone files or folders (default: ./zones when there is one, else the "
                        "example zones shipped with netemu)")
    p.add_argument("--listen", default=DEFAULT_LISTEN, metavar="HOST:PORT",
                   help=f"DNS address for UDP and TCP (default {DEFAULT_LISTEN})")
    p.add_argument("--loop", choices=("auto", "asyncio", "uvloop"), default="auto",
                   help="event loop: uvloop when installed (auto), or plain asyncio")
    p.add_argument("--geo", metavar="FILE", type=shipped.resolve_noisy,
                   help="client location overrides, applied before the embedded geo database: "
                        "a YAML list of {cidr, country, subdivision?, latitude?, longitude?}")
    p.add_argument("--api", default=DEFAULT_API, metavar="HOST:PORT",
                   help="HTTP address of the Route 53 REST API (boto3, the AWS CLI: "
                        "--endpoint-url) and of the control channel for `netemu health` and "
                        f"`netemu alarm set` (default {DEFAULT_API})")
    p.add_argument("--time-scale", type=_positive, default=1.0, metavar="F",
                   help="multiply every health-check interval and timeout by F "
                        "(0.1: a 10 s interval becomes 1 s)")
    p.add_argument("--state", metavar="DIR",
                   help="keep zones, records and health checks created through the Route 53 "
                        "API in DIR (SQLite); without it they last until the server stops")
    p.add_argument("--state-poll", type=_positive, default=0.3, metavar="S",
                   help="with --state: every S seconds, take in the changes other `netemu serve` "
                        "processes on the same DIR committed (default 0.3)")
    p.add_argument("--api-credentials", metavar="FILE",
                   help="verify SigV4 signatures of Route 53 API requests against the keys in "
                        "FILE (AWS credentials file); default: any credentials are accepted")
    p.add_argument("--workers", type=_count, default=1, metavar="N",
                   help="answer DNS from N processes sharing the address (SO_REUSEPORT); the "
                        "API and the health checker run in the first, every change reaches all")
    p.add_argument("--no-fast-path", dest="fast_path", action="store_false",
                   help="answer every query on the full path (no prepared replies); the "
                        "answers are the same, only slower")
    p.add_argument("--dataplane-state", metavar="DIR", default=None,
                   help="where the web view (/ui/ on --api) finds the topology `netemu apply` "
                        "applied, to draw it and trace on it (default $NETEMU_STATE_DIR or "
                        "/run/netemu, as `netemu apply --state`)")
    p.add_argument("--ui-topology", metavar="FILE", default=None,
                   type=shipped.resolve_noisy,
                   help="the topology the web view draws and traces on (default: the one "
                        "`netemu apply` applied on this machine, if any)")
    p.add_argument("--strict-aws", action="store_true",
                   help="refuse health checks on private and loopback addresses, as AWS does")
    add_limit_arguments(p)
    add_api_limit_arguments(p)


def add_limit_arguments(p: argparse.ArgumentParser) -> None:
    """The DNS listeners' bounds (netemu.dns.limits; docs/dns.md)."""
    from netemu.dns.limits import DEFAULT

    p.add_argument("--rate-limit", type=_non_negative, default=DEFAULT.rate_limit, metavar="N",
                   help="answer at most N UDP queries a second per client /24 (IPv6 /56), in "
                        "the style of RRL: over it, queries are dropped except every "
                        "--rate-limit-slip-th, answered truncated (TC) so clients retry over "
                        "TCP; 0: off (default)")
    p.add_argument("--rate-limit-slip", type=int, default=DEFAULT.rate_limit_slip, metavar="K",
                   help="every K-th limited query gets a truncated reply; 0: drop them all "
                        f"(default {DEFAULT.rate_limit_slip})")
    p.add_argument("--tcp-max-connections", type=int, default=DEFAULT.tcp_max_connections,
                   metavar="N", help="TCP connections open at once; at the limit the one idle "
                                     "longest is closed (default "
                                     f"{DEFAULT.tcp_max_connections})")
    p.add_argument("--tcp-idle-timeout", type=_positive, default=DEFAULT.tcp_idle_seconds,
                   metavar="S", help="close a TCP connection that has not completed a query "
                                     f"within S seconds (default {DEFAULT.tcp_idle_seconds:g})")


def add_api_limit_arguments(p: argparse.ArgumentParser) -> None:
    """The API server's connection bounds (netemu.api.limits.HttpLimits; docs/api.md)."""
    from netemu.api.limits import DEFAULT_LIMITS  # not netemu.api.http: no aiohttp to parse

    p.add_argument("--api-max-connections", type=_connections, metavar="N",
                   default=DEFAULT_LIMITS.max_connections,
                   help="HTTP connections open at once on --api; at the limit the one that has "
                        "waited longest for a complete request is closed (default "
                        f"{DEFAULT_LIMITS.max_connections})")
    p.add_argument("--api-idle-timeout", type=_positive, metavar="S",
                   default=DEFAULT_LIMITS.idle_seconds,
                   help="close an HTTP connection on --api that has not sent a complete request "
                        "(headers and body) within S seconds of opening or of its last reply "
                        f"(default {DEFAULT_LIMITS.idle_seconds:g})")


def _connections(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError("must be 1 or more")
    return value


def limits_from(args: argparse.Namespace) -> Any:
    """``netemu.dns.limits.Limits`` with the command line's overrides."""
    from dataclasses import replace

    from netemu.dns.limits import DEFAULT

    return replace(DEFAULT,
                   rate_limit=getattr(args, "rate_limit", DEFAULT.rate_limit),
                   rate_limit_slip=getattr(args, "rate_limit_slip", DEFAULT.rate_limit_slip),
                   tcp_max_connections=getattr(args, "tcp_max_connections",
                                               DEFAULT.tcp_max_connections),
                   tcp_idle_seconds=getattr(args, "tcp_idle_timeout", DEFAULT.tcp_idle_seconds))


def _non_negative(text: str) -> float:
    value = float(text)
    if not value >= 0:
        raise argparse.ArgumentTypeError("must be 0 or more")
    return value


def _count(text: str) -> int:
    value = int(text)
    if not 1 <= value <= 64:
        raise argparse.ArgumentTypeError("must be 1 to 64")
    return value


def _positive(text: str) -> float:
    value = float(text)
    if not value > 0:
        raise argparse.ArgumentTypeError("must be greater than 0")
    return value


def build_serving(args: argparse.Namespace) -> Any:
    from netemu.dns.handler import build_serving as compile_serving
    from netemu.route53.load import load_zone_files

    zoneset = load_zone_files(args.zones or [shipped.default_zones()],
                              strict_aws=getattr(args, "strict_aws", False))
    serving = compile_serving(zoneset)
    if getattr(args, "geo", None):
        from dataclasses import replace

        from netemu.route53.geo import Locator, load_overrides

        serving = replace(serving, locator=Locator.build(load_overrides(args.geo)))
    return serving


async def run_server(args: argparse.Namespace, serving: Any,
                     ready: Callable[[Any], None] | None = None) -> None:
    from netemu.dns.server import DnsServer, parse_listen

    host, port = parse_listen(args.listen)
    server = DnsServer(serving, bounds=limits_from(args),
                       fast_path=getattr(args, "fast_path", True))
    count = getattr(args, "workers", 1)
    await server.start(host, port, reuse_port=count > 1)
    workers = None
    if count > 1:
        from netemu.dns.workers import Workers

        assert server.address is not None
        workers = Workers(args, count)
        try:
            await workers.start(host, server.address[1])
        except BaseException:
            workers.stop()
            await server.close()
            raise
        server.on_publish.append(workers.publish)
    zones = ", ".join(z.name + (" (private)" if z.private else "")
                      for z in serving.zoneset.zones)
    where = f"{server.address[0]}:{server.address[1]}" if server.address else args.listen
    procs = f" ({count} processes)" if count > 1 else ""
    print(f"netemu: serving {len(serving.zoneset.zones)} hosted zone(s) [{zones}] on "
          f"udp+tcp {where}{procs}", flush=True)
    if ready is not None:
        ready(server)
    tasks = [asyncio.create_task(job(args, server)) for job in BACKGROUND]
    try:
        # Background jobs run until cancelled; one that fails (e.g. --api already in use)
        # stops the server with its error instead of leaving it running without that job.
        if tasks:
            done, _ = await asyncio.wait(tasks, return_when=asyncio.FIRST_EXCEPTION)
            for task in done:
                task.result()
        await asyncio.Event().wait()
    finally:
        for task in tasks:
            task.cancel()
        # wait for them: the health job stops its probe worker process on cancellation
        await asyncio.gather(*tasks, return_exceptions=True)
        if workers is not None:
            workers.stop()
        await server.close()


def _event_loop_runner(choice: str) -> Callable[[Any], Any]:
    if choice in ("auto", "uvloop"):
        try:
            import uvloop
        except ImportError:
            if choice == "uvloop":
                raise SystemExit("netemu: --loop uvloop but uvloop is not installed") from None
        else:
            return uvloop.run  # type: ignore[no-any-return]
    return asyncio.run


def run(args: argparse.Namespace) -> int:
    if not getattr(args, "query_log", True):
        logging.getLogger("netemu.query").setLevel(logging.WARNING)
    try:
        serving = build_serving(args)
    except LoadError as exc:
        for problem in exc.problems:
            print(problem, file=sys.stderr)
        return 1
    try:
        _event_loop_runner(args.loop)(run_server(args, serving))
    except OSError as exc:
        where = exc.filename or args.listen   # the failing address, when not --listen's
        print(f"netemu: cannot listen on {where}: {exc.strerror or exc}", file=sys.stderr)
        return 1
    except ValueError as exc:
        print(f"netemu: {exc}", file=sys.stderr)
        return 2
    return 0
