"""Health checks through real boto3 against a real server (R73, R76, R80, R85-R87): CRUD with
HealthCheckVersion, refusal while in use, and GetHealthCheckStatus /
GetHealthCheckLastFailureReason from the checker's real probes of a real endpoint that dies."""

from __future__ import annotations

import http.server
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.api.test_boto3_zones import change, dig, rr
from tests.helpers import free_port
from tests.live import ApiServer, api_server

pytestmark = pytest.mark.slow


class Endpoint:
    """A real HTTP endpoint on loopback that answers 200 until stopped."""

    def __init__(self) -> None:
        self.port = free_port(socket.SOCK_STREAM)

        class Ok(http.server.BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802 (http.server's name)
                self.send_response(200)
                self.send_header("Content-Length", "2")
                self.end_headers()
                self.wfile.write(b"ok")

            def log_message(self, *args: Any) -> None:
                pass

        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", self.port), Ok)
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()

    def stop(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture
def endpoint() -> Iterator[Endpoint]:
    ep = Endpoint()
    try:
        yield ep
    finally:
        ep.stop()


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ApiServer]:
    with api_server(tmp_path_factory.mktemp("health"), extra=("--time-scale", "0.05")) as s:
        yield s


def http_check(port: int, **extra: Any) -> dict[str, Any]:
    return {"Type": "HTTP", "IPAddress": "127.0.0.1", "Port": port, "ResourcePath": "/",
            "RequestInterval": 10, "FailureThreshold": 1, **extra}


def wait_status(r53: Any, check_id: str, prefix: str, within: float = 15) -> list[Any]:
    deadline = time.monotonic() + within
    got: list[Any] = []
    while time.monotonic() < deadline:
        got = r53.get_health_check_status(HealthCheckId=check_id)["HealthCheckObservations"]
        if got and all(o["StatusReport"]["Status"].startswith(prefix) for o in got):
            return got
        time.sleep(0.2)
    pytest.fail(f"{check_id}: no '{prefix}' observations within {within} s: {got}")


def test_health_check_crud_and_versions(server: ApiServer) -> None:  # R73, R76, R85
    r53 = server.client()
    made = r53.create_health_check(CallerReference="hc-1",
                                   HealthCheckConfig=http_check(8080, Regions=[
                                       "us-east-1", "eu-west-1", "ap-southeast-1"]))
    hc = made["HealthCheck"]
    assert hc["HealthCheckVersion"] == 1 and hc["HealthCheckConfig"]["Port"] == 8080
    assert hc["HealthCheckConfig"]["Regions"] == ["us-east-1", "eu-west-1", "ap-southeast-1"]
    again = r53.create_health_check(CallerReference="hc-1", HealthCheckConfig=http_check(8080,
                                    Regions=["us-east-1", "eu-west-1", "ap-southeast-1"]))
    assert again["HealthCheck"]["Id"] == hc["Id"]  # same request: the same check
    with pytest.raises(r53.exceptions.HealthCheckAlreadyExists):  # R85
        r53.create_health_check(CallerReference="hc-1", HealthCheckConfig=http_check(9090))
    with pytest.raises(r53.exceptions.InvalidInput):  # R76
        r53.create_health_check(CallerReference="hc-bad",
                                HealthCheckConfig=http_check(80, RequestInterval=20))
    got = r53.get_health_check(HealthCheckId=hc["Id"])["HealthCheck"]
    assert got["HealthCheckConfig"]["IPAddress"] == "127.0.0.1"
    updated = r53.update_health_check(HealthCheckId=hc["Id"], HealthCheckVersion=1,
                                      FailureThreshold=5, ResetElements=["Regions"])
    assert updated["HealthCheck"]["HealthCheckVersion"] == 2
    assert updated["HealthCheck"]["HealthCheckConfig"]["FailureThreshold"] == 5
    assert "Regions" not in updated["HealthCheck"]["HealthCheckConfig"]
    with pytest.raises(r53.exceptions.HealthCheckVersionMismatch):
        r53.update_health_check(HealthCheckId=hc["Id"], HealthCheckVersion=1, Port=81)
    ids = [h["Id"] for h in r53.list_health_checks()["HealthChecks"]]
    assert hc["Id"] in ids
    assert r53.get_health_check_count()["HealthCheckCount"] == len(ids)
    r53.change_tags_for_resource(ResourceType="healthcheck", ResourceId=hc["Id"],
                                 AddTags=[{"Key": "Name", "Value": "web"}])
    tags = r53.list_tags_for_resource(ResourceType="healthcheck", ResourceId=hc["Id"])
    assert tags["ResourceTagSet"]["Tags"] == [{"Key": "Name", "Value": "web"}]
    r53.delete_health_check(HealthCheckId=hc["Id"])
    with pytest.raises(r53.exceptions.NoSuchHealthCheck):
        r53.get_health_check(HealthCheckId=hc["Id"])


def test_health_check_in_use_is_refused(server: ApiServer) -> None:  # R86 (decision)
    r53 = server.client()
    hc = r53.create_health_check(CallerReference="in-use",
                                 HealthCheckConfig=http_check(8081))["HealthCheck"]["Id"]
    zid = r53.create_hosted_zone(Name="inuse.example", CallerReference="inuse")["HostedZone"]["Id"]
    record = rr("www.inuse.example", "A", "192.0.2.1", SetIdentifier="p", Failover="PRIMARY",
                HealthCheckId=hc)
    change(r53, zid, ("CREATE", record))
    with pytest.raises(r53.exceptions.HealthCheckInUse):
        r53.delete_health_check(HealthCheckId=hc)
    change(r53, zid, ("DELETE", record))
    r53.delete_health_check(HealthCheckId=hc)
    with pytest.raises(r53.exceptions.NoSuchHealthCheck):  # a record needs an existing check
        change(r53, zid, ("CREATE", record))


def test_status_follows_a_real_endpoint_that_dies(server: ApiServer,
                                                  endpoint: Endpoint) -> None:  # R87, R52
    r53 = server.client()
    hc = r53.create_health_check(CallerReference="live-endpoint",
                                 HealthCheckConfig=http_check(endpoint.port))["HealthCheck"]["Id"]
    zid = r53.create_hosted_zone(Name="failover.example",
                                 CallerReference="failover")["HostedZone"]["Id"]
    change(r53, zid,
           ("CREATE", rr("app.failover.example", "A", "192.0.2.1", SetIdentifier="primary",
                         Failover="PRIMARY", HealthCheckId=hc)),
           ("CREATE", rr("app.failover.example", "A", "192.0.2.2", SetIdentifier="secondary",
                         Failover="SECONDARY")))
    ok = wait_status(r53, hc, "Success")
    assert len(ok) == 8 and "200" in ok[0]["StatusReport"]["Status"]
    assert dig(server, "app.failover.example") == ["192.0.2.1"]
    assert r53.get_health_check_last_failure_reason(
        HealthCheckId=hc)["HealthCheckObservations"] == []
    endpoint.stop()
    failed = wait_status(r53, hc, "Failure")
    assert {o["Region"] for o in failed} >= {"us-east-1", "eu-west-1"}
    reasons = r53.get_health_check_last_failure_reason(HealthCheckId=hc)
    assert reasons["HealthCheckObservations"][0]["StatusReport"]["Status"].startswith("Failure")
    deadline = time.monotonic() + 10
    while dig(server, "app.failover.example") != ["192.0.2.2"] and time.monotonic() < deadline:
        time.sleep(0.2)
    assert dig(server, "app.failover.example") == ["192.0.2.2"]


def test_health_checks_survive_restart(tmp_path: Path) -> None:
    with api_server(tmp_path) as s:
        hc = s.client().create_health_check(CallerReference="keep",
                                            HealthCheckConfig=http_check(8082))["HealthCheck"]
    with api_server(tmp_path) as s:
        got = s.client().get_health_check(HealthCheckId=hc["Id"])["HealthCheck"]
        assert got["HealthCheckConfig"]["Port"] == 8082 and got["CallerReference"] == "keep"
