#!/usr/bin/env python3
"""Generates the README's pictures into docs/images/ (run it again after changing the diagram
or the web view; `make setup` installs what it needs):

- draw-three-tier-drop.png: `netemu draw topologies/three-tier.yaml --trace web1 db1 --port
  5432`, the forward path stopped by the data NACL, its reason on the diagram;
- draw-transit-gateway.png: `netemu trace topologies/transit-gateway.yaml --from dev1 --to
  internet --port 443 --draw ...`, both paths through the transit gateway, NAT and IGW;
- ui-index.png, ui-zone.png, ui-topology.png: the web view of a real `netemu serve --api` on
  loopback (a failover zone whose health check probes a real HTTP endpoint of this script, a
  few queries answered, the three-tier topology traced), taken by headless Chromium through
  Selenium.

Usage: .venv/bin/python scripts/screenshots.py [OUTDIR]
"""

from __future__ import annotations

import http.server
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUT = Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT / "docs" / "images"

ZONE = """\
HostedZone:
  Name: failover.example.org.
  Config: {{PrivateZone: false, Comment: failover pair guarded by a health check}}
HealthChecks:
  - Id: web-primary
    HealthCheckConfig: {{Type: HTTP, IPAddress: 127.0.0.1, Port: {port}, ResourcePath: /health,
                        RequestInterval: 10, FailureThreshold: 2}}
ResourceRecordSets:
  - {{Name: www.failover.example.org., Type: A, SetIdentifier: primary, Failover: PRIMARY,
     TTL: 10, HealthCheckId: web-primary, ResourceRecords: [{{Value: 192.0.2.1}}]}}
  - {{Name: www.failover.example.org., Type: A, SetIdentifier: secondary, Failover: SECONDARY,
     TTL: 10, ResourceRecords: [{{Value: 192.0.2.2}}]}}
  - {{Name: api.failover.example.org., Type: A, SetIdentifier: blue, Weight: 90, TTL: 60,
     ResourceRecords: [{{Value: 192.0.2.10}}]}}
  - {{Name: api.failover.example.org., Type: A, SetIdentifier: green, Weight: 10, TTL: 60,
     ResourceRecords: [{{Value: 192.0.2.20}}]}}
"""


def netemu(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "netemu", *args], cwd=ROOT, text=True,
                          capture_output=True, env=dict(os.environ, PYTHONPATH=str(ROOT)))


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def diagrams() -> None:
    r = netemu("draw", "topologies/three-tier.yaml", "--trace", "web1", "db1", "--port", "5432",
               "-o", str(OUT / "draw-three-tier-drop.png"))
    if r.returncode:
        raise SystemExit(r.stderr)
    r = netemu("trace", "topologies/transit-gateway.yaml", "--from", "dev1", "--to", "internet",
               "--port", "443", "--draw", str(OUT / "draw-transit-gateway.png"))
    if r.returncode:
        raise SystemExit(r.stdout + r.stderr)


class Health(http.server.BaseHTTPRequestHandler):
    def do_GET(self) -> None:  # noqa: N802 (the http.server name)
        self.send_response(200)
        self.end_headers()
        self.wfile.write(b"ok\n")

    def log_message(self, *args: object) -> None:
        pass


def browser() -> object:
    from selenium import webdriver
    from selenium.webdriver.chrome.options import Options
    from selenium.webdriver.chrome.service import Service

    opts = Options()
    opts.binary_location = shutil.which("chromium") or "chromium"
    for a in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu",
              "--window-size=1280,900", "--hide-scrollbars"):
        opts.add_argument(a)
    return webdriver.Chrome(service=Service(shutil.which("chromedriver") or "chromedriver"),
                            options=opts)


def shot(driver: object, url: str, path: Path, height: int | None = None) -> None:
    d = driver
    d.get(url)  # type: ignore[attr-defined]
    time.sleep(0.5)
    full = d.execute_script("return document.documentElement.scrollHeight")  # type: ignore
    d.set_window_size(1280, min(height or full, 2400))  # type: ignore[attr-defined]
    time.sleep(0.3)
    d.save_screenshot(str(path))  # type: ignore[attr-defined]


def web_view() -> None:
    endpoint = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Health)
    threading.Thread(target=endpoint.serve_forever, daemon=True).start()
    work = Path(tempfile.mkdtemp(prefix="netemu-shots-"))
    (work / "zones").mkdir()
    (work / "zones" / "failover.yaml").write_text(ZONE.format(port=endpoint.server_port))
    dns, api = free_port(), free_port()
    log = (work / "serve.log").open("wb")
    proc = subprocess.Popen(
        [sys.executable, "-m", "netemu", "serve", "--zones", str(work / "zones"),
         "--listen", f"127.0.0.1:{dns}", "--api", f"127.0.0.1:{api}", "--time-scale", "0.1",
         "--ui-topology", "topologies/three-tier.yaml", "--loop", "asyncio"],
        cwd=ROOT, env=dict(os.environ, PYTHONPATH=str(ROOT)), stdout=log,
        stderr=subprocess.STDOUT)
    driver = None
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                socket.create_connection(("127.0.0.1", api), 0.5).close()
                break
            except OSError:
                if time.monotonic() > deadline or proc.poll() is not None:
                    raise SystemExit((work / "serve.log").read_text()) from None
                time.sleep(0.2)
        time.sleep(2.5)  # a few probes: the status history has its first entries
        for name in ("www", "api", "api", "nope"):
            subprocess.run(["dig", "+short", "-p", str(dns), "@127.0.0.1",
                            f"{name}.failover.example.org", "A"], capture_output=True)
        endpoint.shutdown()   # the endpoint goes away: the check turns unhealthy
        endpoint.server_close()
        time.sleep(4)
        subprocess.run(["dig", "+short", "-p", str(dns), "@127.0.0.1",
                        "www.failover.example.org", "A"], capture_output=True)
        driver = browser()
        base = f"http://127.0.0.1:{api}/ui"
        shot(driver, base + "/", OUT / "ui-index.png")
        from selenium.webdriver.common.by import By

        driver.get(base + "/")  # type: ignore[attr-defined]
        link = driver.find_element(By.LINK_TEXT, "failover.example.org.")  # type: ignore
        shot(driver, link.get_attribute("href"), OUT / "ui-zone.png")
        shot(driver, base + "/topology?from=web1&to=db1&protocol=tcp&port=5432",
             OUT / "ui-topology.png")
    finally:
        if driver is not None:
            driver.quit()  # type: ignore[attr-defined]
        proc.terminate()
        proc.wait(10)
        log.close()
        shutil.rmtree(work, ignore_errors=True)


def main() -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    diagrams()
    web_view()
    for p in sorted(OUT.glob("*.png")):
        print(f"{p.relative_to(ROOT) if p.is_relative_to(ROOT) else p}: {p.stat().st_size} bytes")


if __name__ == "__main__":
    main()
