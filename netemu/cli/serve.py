"""``netemu serve [--zones PATH ...] [--listen 127.0.0.1:1053] [--loop auto|asyncio|uvloop]
[--api 127.0.0.1:4580] [--state DIR] [--api-credentials FILE] [--time-scale F] [--strict-aws]
[--geo FILE]``.

Loads and validates the zone files (a bad set is refused with every problem, exit 1), compiles
them once into a ``Serving`` snapshot and answers DNS on UDP and TCP until interrupted. Without
``--zones`` it serves the example zones shipped in the repository's ``zones/`` folder.

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
from pathlib import Path
from typing import Any

import netemu
from netemu.errors import LoadError
from netemu.health import DEFAULT_API

DEFAULT_ZONES = Path(netemu.__file__).resolve().parent.parent / "zones"
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
                   help="zone files or folders (default: the shipped zones/ folder)")
    p.add_argument("--listen", default=DEFAULT_LISTEN, metavar="HOST:PORT",
                   help=f"DNS address for UDP and TCP (default {DEFAULT_LISTEN})")
    p.add_argument("--loop", choices=("auto", "asyncio", "uvloop"), default="auto",
                   help="event loop: uvloop when installed (auto), or plain asyncio")
    p.add_argument("--geo", metavar="FILE",
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
    p.add_argument("--api-credentials", metavar="FILE",
                   help="verify SigV4 signatures of Route 53 API requests against the keys in "
                        "FILE (AWS credentials file); default: any credentials are accepted")
    p.add_argument("--strict-aws", action="store_true",
                   help="refuse health checks on private and loopback addresses, as AWS does")


def _positive(text: str) -> float:
    value = float(text)
    if not value > 0:
        raise argparse.ArgumentTypeError("must be greater than 0")
    return value


def build_serving(args: argparse.Namespace) -> Any:
    from netemu.dns.handler import build_serving as compile_serving
    from netemu.route53.load import load_zone_files

    zoneset = load_zone_files(args.zones or [DEFAULT_ZONES],
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
    server = DnsServer(serving)
    await server.start(host, port)
    zones = ", ".join(z.name + (" (private)" if z.private else "")
                      for z in serving.zoneset.zones)
    where = f"{server.address[0]}:{server.address[1]}" if server.address else args.listen
    print(f"netemu: serving {len(serving.zoneset.zones)} hosted zone(s) [{zones}] on "
          f"udp+tcp {where}", flush=True)
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
