"""The read-only web view (``/ui/`` on ``--api``) in a real headless Chromium (Debian chromium
and chromium-driver, driven by Selenium) against a real ``netemu serve --api`` on loopback: a
zone's record sets, a health check turning unhealthy when its real HTTP endpoint stops (the page
updates itself), the last queries with the record set that answered, the applied topology's
diagram with a trace drawn from the page's form, and user input shown as text, never run."""

from __future__ import annotations

import http.server
import os
import shutil
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import dns.message
import dns.query
import pytest

from netemu.dataplane.state import State
from tests.helpers import ROOT, free_port

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(shutil.which("chromium") is None or shutil.which("chromedriver") is None,
                       reason="chromium and chromium-driver are not installed (scripts/setup.sh)"),
]

HOSTILE = "<script>window.pwned=1</script><img src=x onerror=window.pwned=2>"
ZONE = """\
HostedZone: {{Name: ui.example., Config: {{Comment: "web view <b>test</b>"}}}}
HealthChecks:
  - Id: ui-web
    HealthCheckConfig: {{Type: HTTP, IPAddress: 127.0.0.1, Port: {port}, ResourcePath: /health,
                        RequestInterval: 10, FailureThreshold: 1}}
ResourceRecordSets:
  - {{Name: www.ui.example., Type: A, SetIdentifier: primary, Failover: PRIMARY, TTL: 10,
     HealthCheckId: ui-web, ResourceRecords: [{{Value: 192.0.2.1}}]}}
  - {{Name: www.ui.example., Type: A, SetIdentifier: secondary, Failover: SECONDARY, TTL: 10,
     ResourceRecords: [{{Value: 192.0.2.2}}]}}
  - {{Name: api.ui.example., Type: A, SetIdentifier: blue, Weight: 70, TTL: 60,
     ResourceRecords: [{{Value: 198.51.100.7}}]}}
  - {{Name: note.ui.example., Type: TXT, TTL: 60, ResourceRecords: [{{Value: '"{hostile}"'}}]}}
"""


class Endpoint(http.server.BaseHTTPRequestHandler):
    def do_GET(self) -> None:  # noqa: N802
        self.send_response(200)
        self.end_headers()
        self.wfile.write(b"ok\n")

    def log_message(self, *args: object) -> None:
        pass


class Server:
    def __init__(self, tmp: Path) -> None:
        self.endpoint = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Endpoint)
        threading.Thread(target=self.endpoint.serve_forever, daemon=True).start()
        zones = tmp / "zones"
        zones.mkdir()
        (zones / "ui.yaml").write_text(ZONE.format(port=self.endpoint.server_port,
                                                   hostile=HOSTILE.replace('"', '\\"')))
        # what `netemu apply topologies/three-tier.yaml --state DIR` records (the real State)
        self.dataplane = tmp / "dataplane"
        State(self.dataplane / "state.json", "netemu-ui-",
              str(ROOT / "topologies" / "three-tier.yaml"),
              {"netemu-ui-web1": {"status": "configured", "role": "instance", "node": "web1"}}
              ).save()
        self.dns = free_port()
        self.api = free_port(socket.SOCK_STREAM)
        self.log = tmp / "serve.log"
        with self.log.open("wb") as out:
            self.proc = subprocess.Popen(
                [sys.executable, "-m", "netemu", "serve", "--zones", str(zones),
                 "--listen", f"127.0.0.1:{self.dns}", "--api", f"127.0.0.1:{self.api}",
                 "--time-scale", "0.1", "--loop", "asyncio",
                 "--dataplane-state", str(self.dataplane)],
                cwd=ROOT, env=dict(os.environ, PYTHONPATH=str(ROOT)), stdout=out,
                stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 30
        while True:
            try:
                socket.create_connection(("127.0.0.1", self.api), 0.5).close()
                return
            except OSError:
                if time.monotonic() > deadline or self.proc.poll() is not None:
                    self.stop()
                    raise RuntimeError(
                        f"netemu serve did not start: {self.log.read_text()}") from None
                time.sleep(0.1)

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.api}/ui"

    def query(self, name: str, rtype: str = "A") -> Any:
        return dns.query.udp(dns.message.make_query(name, rtype), "127.0.0.1", timeout=3,
                             port=self.dns)

    def stop_endpoint(self) -> None:
        self.endpoint.shutdown()
        self.endpoint.server_close()

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(10)
        try:
            self.stop_endpoint()
        except OSError:
            pass


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    s = Server(tmp_path_factory.mktemp("webview"))
    try:
        yield s
    finally:
        s.stop()


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    from selenium import webdriver
    from selenium.webdriver.chrome.options import Options
    from selenium.webdriver.chrome.service import Service

    opts = Options()
    opts.binary_location = shutil.which("chromium") or "chromium"
    for arg in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu",
                "--window-size=1280,1000"):
        opts.add_argument(arg)
    driver = webdriver.Chrome(service=Service(shutil.which("chromedriver") or "chromedriver"),
                              options=opts)
    try:
        yield driver
    finally:
        driver.quit()


def wait(driver: Any, predicate: Any, timeout: float = 20, what: str = "") -> Any:
    from selenium.webdriver.support.ui import WebDriverWait

    return WebDriverWait(driver, timeout, poll_frequency=0.2).until(predicate, what)


def test_zone_records_are_shown_and_user_input_is_only_text(server: Server,
                                                            browser: Any) -> None:
    from selenium.webdriver.common.by import By

    browser.get(server.base + "/")
    link = browser.find_element(By.LINK_TEXT, "ui.example.")
    assert "web view <b>test</b>" in browser.find_element(By.CSS_SELECTOR, "table.zones").text
    link.click()
    wait(browser, lambda d: "Hosted zone ui.example." in d.title, what="zone page")
    rows = [[c.text for c in r.find_elements(By.TAG_NAME, "td")]
            for r in browser.find_elements(By.CSS_SELECTOR, "table.records tbody tr")]
    by_id = {(r[0], r[1], r[3]): r for r in rows}
    assert by_id[("www.ui.example.", "A", "primary")][2] == "Failover (PRIMARY)"
    assert by_id[("www.ui.example.", "A", "primary")][5] == "192.0.2.1"
    assert by_id[("www.ui.example.", "A", "primary")][6] == "ui-web"
    assert by_id[("www.ui.example.", "A", "secondary")][5] == "192.0.2.2"
    assert by_id[("api.ui.example.", "A", "blue")][2] == "Weighted (70)"
    assert {r[1] for r in rows} >= {"SOA", "NS", "A", "TXT"}
    txt = by_id[("note.ui.example.", "TXT", "")][5]
    assert "<script>window.pwned=1</script>" in txt   # shown as text ...
    assert browser.execute_script("return window.pwned === undefined")   # ... and never run
    assert not browser.find_elements(By.CSS_SELECTOR, "table.records img")


def test_health_check_turns_unhealthy_in_the_open_page_R76_R80_R52(server: Server,
                                                                  browser: Any) -> None:
    """A new check starts healthy (R80); its endpoint stops answering and after FailureThreshold
    failed probes it is unhealthy (R76): the open page shows it without a reload, with the
    change in its status history, and the query log shows the failover answer (R52)."""
    from selenium.webdriver.common.by import By

    browser.get(server.base + "/")
    status = (By.CSS_SELECTOR, '[data-check="ui-web"]')
    wait(browser, lambda d: d.find_element(*status).text == "Healthy", what="healthy first")
    wait(browser, lambda d: "Healthy" in d.find_element(By.CSS_SELECTOR, "table.health").text
         and d.find_element(By.CSS_SELECTOR, "table.health tbody tr td:nth-child(6)").text
         not in ("", "-"), what="a first probe")
    browser.execute_script("window.notReloaded = true")
    server.stop_endpoint()
    wait(browser, lambda d: d.find_element(*status).text == "Unhealthy", timeout=30,
         what="the status turns Unhealthy")
    assert browser.execute_script("return window.notReloaded === true")  # refreshed in place
    row = browser.find_element(By.CSS_SELECTOR, "table.health tbody tr").text
    assert f"127.0.0.1:{server.endpoint.server_port}" in row
    history = browser.find_element(By.CSS_SELECTOR,
                                   "table.health tbody tr td:last-child").text.splitlines()
    assert "Unhealthy" in history[0] and "Healthy" in history[-1], history
    # the failover record set now answers: the query log shows which and why
    assert [r.to_text() for r in server.query("www.ui.example.").answer[0]] == ["192.0.2.2"]
    wait(browser, lambda d: "www.ui.example." in d.find_element(By.ID, "queries-live").text,
         what="the query in the page")
    first = browser.find_element(By.CSS_SELECTOR, "table.queries tbody tr").text
    assert "www.ui.example." in first and "NOERROR" in first
    assert "PRIMARY unhealthy" in first and "[secondary]" in first and "192.0.2.2" in first


def test_applied_topology_diagram_and_trace_form_V33(server: Server, browser: Any) -> None:
    """The topology recorded by `netemu apply`'s state is drawn; the trace form draws web1 ->
    db1:5432, dropped by the custom data NACL (V33), on the diagram with its reason."""
    from selenium.webdriver.common.by import By

    browser.get(server.base + "/")
    browser.find_element(By.PARTIAL_LINK_TEXT, "three-tier.yaml").click()
    wait(browser, lambda d: d.find_elements(By.CSS_SELECTOR, "#diagram svg"), what="diagram")
    svg_text = browser.find_element(By.CSS_SELECTOR, "#diagram svg").text
    for name in ("VPC shop", "web1", "app1", "db1", "web-a", "data-a", "Region us-east-1"):
        assert name in svg_text
    for field, value in (("from", "web1"), ("to", "db1"), ("port", "5432")):
        box = browser.find_element(By.ID, f"trace-{field}")
        box.clear()
        box.send_keys(value)
    browser.find_element(By.ID, "trace-go").click()
    wait(browser, lambda d: d.find_elements(By.ID, "trace-verdict"), what="the trace")
    assert "NOT REACHABLE" in browser.find_element(By.ID, "trace-verdict").text
    drop = browser.find_element(By.CSS_SELECTOR, "#diagram svg g.netemu-drop").text
    assert "DROPPED" in drop and "network-acl data" in drop
    assert "SUBNET_ACL_RESTRICTION" in drop
    hops = browser.find_element(By.CSS_SELECTOR, "table.hops").text
    assert "DROP network-acl data" in hops


def test_read_only_and_unknown_paths(server: Server) -> None:
    req = urllib.request.Request(server.base + "/", data=b"x", method="POST")
    with pytest.raises(urllib.error.HTTPError) as err:
        urllib.request.urlopen(req, timeout=5)
    assert err.value.code == 405
    with pytest.raises(urllib.error.HTTPError) as err:
        urllib.request.urlopen(server.base + "/zones/%3Cscript%3E", timeout=5)
    assert err.value.code == 404
    body = err.value.read().decode()
    assert "<script>" not in body.split("<body>", 1)[1].replace(
        '<script src="/ui/app.js"></script>', "")
    assert "&lt;script&gt;" in body
    with urllib.request.urlopen(server.base + "/", timeout=5) as r:
        assert "script-src 'self'" in r.headers["Content-Security-Policy"]
