"""The control channel and the real ``netemu health`` / ``netemu alarm set`` command lines
against a checker serving on loopback (R83 alarms; observations of R87's kind)."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator

import pytest

from netemu.health.checker import HealthChecker
from netemu.health.control import ControlServer, health_routes
from netemu.route53.health import HealthSnapshot
from netemu.route53.model import AlarmIdentifier, HealthCheck, HealthCheckConfig
from tests.health.endpoints import Endpoint
from tests.helpers import free_port, run_netemu

pytestmark = pytest.mark.slow  # starts a server or a subprocess


@pytest.fixture
async def served() -> AsyncIterator[tuple[str, HealthChecker, list[HealthSnapshot], Endpoint]]:
    web = await Endpoint().start()
    checks = [
        HealthCheck("web", HealthCheckConfig(type="HTTP", ip_address="127.0.0.1", port=web.port,
                                             resource_path="/fail", failure_threshold=1)),
        HealthCheck("cpu", HealthCheckConfig(
            type="CLOUDWATCH_METRIC", alarm_identifier=AlarmIdentifier("us-east-1", "cpu high"),
            insufficient_data_health_status="Healthy")),
    ]
    published: list[HealthSnapshot] = []
    checker = HealthChecker(checks, published.append, time_scale=0.05)
    await checker.start()
    control = ControlServer([health_routes(checker)])
    port = free_port()
    await control.start("127.0.0.1", port)
    yield f"127.0.0.1:{port}", checker, published, web
    await control.stop()
    await checker.stop()
    await web.stop()


async def cli(*args: str) -> tuple[int, str, str]:
    done = await asyncio.to_thread(run_netemu, *args, timeout=30)
    return done.returncode, done.stdout, done.stderr


async def test_netemu_health_lists_status_and_last_observation(served) -> None:  # type: ignore[no-untyped-def]
    api, checker, published, web = served
    for _ in range(100):
        if not published[-1].is_healthy("web"):
            break
        await asyncio.sleep(0.05)
    rc, out, err = await cli("health", "--api", api)
    assert rc == 0, err
    lines = out.splitlines()
    assert lines[0].split()[:5] == ["ID", "TYPE", "STATUS", "SINCE", "CHECKED"]
    web_line = next(line for line in lines if line.startswith("web "))
    assert "Unhealthy" in web_line and f"HTTP 500 from 127.0.0.1:{web.port}" in web_line
    rc, out, _ = await cli("health", "--api", api, "--json")
    data = {c["id"]: c for c in json.loads(out)["health_checks"]}
    assert data["cpu"]["status"] == "Healthy" and data["cpu"]["type"] == "CLOUDWATCH_METRIC"


async def test_netemu_alarm_set_drives_metric_check_R83(served) -> None:  # type: ignore[no-untyped-def]
    api, checker, published, _ = served
    rc, out, err = await cli("alarm", "set", "cpu high", "ALARM", "--api", api)
    assert rc == 0, err
    assert out.strip() == "alarm cpu high: ALARM (watched by cpu)"
    assert not published[-1].is_healthy("cpu")
    rc, out, _ = await cli("alarm", "set", "cpu high", "INSUFFICIENT_DATA", "--api", api)
    assert published[-1].is_healthy("cpu")          # InsufficientDataHealthStatus: Healthy
    rc, _, err = await cli("alarm", "set", "cpu high", "RED", "--api", api)
    assert rc == 2 and "invalid choice" in err      # argparse refuses before any request


async def test_control_errors_and_unreachable_server(served) -> None:  # type: ignore[no-untyped-def]
    api, *_ = served
    host, port = api.split(":")
    reader, writer = await asyncio.open_connection(host, int(port))
    writer.write(b"PUT /_netemu/alarms/x HTTP/1.1\r\nContent-Length: 15\r\n\r\n{\"state\":\"RED\"}")
    reply = await reader.read()
    writer.close()
    assert reply.startswith(b"HTTP/1.1 400 ") and b"alarm state must be one of" in reply
    reader, writer = await asyncio.open_connection(host, int(port))
    writer.write(b"GET /nothing HTTP/1.1\r\n\r\n")
    assert (await reader.read()).startswith(b"HTTP/1.1 404 ")
    writer.close()
    rc, out, err = await cli("health", "--api", f"127.0.0.1:{free_port()}")
    assert rc == 1 and "no netemu server answers" in err and "Traceback" not in err


async def test_other_handlers_share_the_port() -> None:
    """The Route 53 REST API will live on the same port: handlers are tried in order."""
    from netemu.health.control import Request

    async def xml(req: Request):  # type: ignore[no-untyped-def]
        if req.path == "/2013-04-01/hostedzone":
            return 200, f"<q>{req.query}</q>".encode(), "text/xml"
        return None

    control = ControlServer([xml])
    port = free_port()
    await control.start("127.0.0.1", port)
    try:
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        writer.write(b"GET /2013-04-01/hostedzone?maxitems=1 HTTP/1.1\r\n\r\n")
        reply = await reader.read()
        writer.close()
    finally:
        await control.stop()
    assert b"Content-Type: text/xml" in reply and reply.endswith(b"<q>maxitems=1</q>")
