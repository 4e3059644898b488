"""``netemu health`` and ``netemu alarm set``: talk to a running ``netemu serve`` through its
control channel (``--api``, default 127.0.0.1:4580)."""

from __future__ import annotations

import argparse
import json
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from typing import Any

from netemu.health import DEFAULT_API
from netemu.route53.health import ALARM_STATES


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser("health", help="list health checks of a running server: status and the "
                                      "last observation")
    p.add_argument("--api", default=DEFAULT_API, metavar="ADDR",
                   help=f"the server's --api address (default {DEFAULT_API})")
    p.add_argument("--json", action="store_true", help="print the server's JSON")
    p.set_defaults(func=_health)

    a = sub.add_parser("alarm", help="emulated CloudWatch alarms of a running server")
    asub = a.add_subparsers(dest="alarm_command", metavar="ACTION")
    asub.required = True
    s = asub.add_parser("set", help="set an alarm's state (CLOUDWATCH_METRIC checks follow it)")
    s.add_argument("name")
    s.add_argument("state", choices=ALARM_STATES)
    s.add_argument("--api", default=DEFAULT_API, metavar="ADDR")
    s.set_defaults(func=_alarm_set)


def _call(api: str, method: str, path: str, body: dict[str, Any] | None = None) -> Any:
    data = json.dumps(body).encode() if body is not None else None
    req = urllib.request.Request(f"http://{api}{path}", data=data, method=method,
                                 headers={"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(req, timeout=10) as resp:
            return json.loads(resp.read())
    except urllib.error.HTTPError as e:
        detail = json.loads(e.read() or b"{}").get("error", e.reason)
        raise SystemExit(f"netemu: {api}: {detail}") from None
    except (urllib.error.URLError, OSError) as e:
        raise SystemExit(f"netemu: no netemu server answers at {api} ({getattr(e, 'reason', e)});"
                         " start one with `netemu serve` or pass --api") from None


def _ago(ts: float | None) -> str:
    if ts is None:
        return "-"
    return f"{max(0.0, time.time() - ts):.1f}s ago"


def _health(args: argparse.Namespace) -> int:
    data = _call(args.api, "GET", "/_netemu/health-checks")
    if args.json:
        json.dump(data, sys.stdout, indent=2)
        print()
        return 0
    rows = [("ID", "TYPE", "STATUS", "SINCE", "CHECKED", "LAST OBSERVATION")]
    for c in data["health_checks"]:
        rows.append((c["id"], c["type"], c["status"], _ago(c["since"]), _ago(c["checked_at"]),
                     c["last_observation"] or "-"))
    widths = [max(len(r[i]) for r in rows) for i in range(5)]
    for r in rows:
        print("  ".join(f"{v:<{w}}" for v, w in zip(r[:5], widths, strict=True)) + "  " + r[5])
    return 0


def _alarm_set(args: argparse.Namespace) -> int:
    name = urllib.parse.quote(args.name, safe="")
    data = _call(args.api, "PUT", f"/_netemu/alarms/{name}", {"state": args.state})
    watchers = ", ".join(data["health_checks"]) or "no health check"
    print(f"alarm {data['alarm']}: {data['state']} (watched by {watchers})")
    return 0
