"""Real HTTP(S) endpoints on loopback for health-check tests, run in the test's event loop.

Routes (path -> behaviour):
  /ok /health     200 with a small body containing "status: OK"
  /fail           500
  /notfound       404
  /redirect       301 (healthy: 200-399)
  /slow           waits ``slow`` seconds before the status line
  /slowbody       status line at once, body after ``slow`` seconds
  /far            200, "NEEDLE" starts at byte 5,118 (crosses the 5,120-byte window)
  /edge           200, "NEEDLE" ends exactly at byte 5,120
  /chunked        200, chunked body containing "NEEDLE"
  /badheader      200 with an invalid header line
  /echo           200, body = the request line and Host header received
Every request is recorded in ``requests`` (request line, Host header).
"""

from __future__ import annotations

import asyncio
import shutil
import ssl
import subprocess
from pathlib import Path


def self_signed(tmp: Path) -> tuple[Path, Path] | None:
    """A throw-away self-signed certificate made with the openssl CLI (None if absent)."""
    if shutil.which("openssl") is None:
        return None
    cert, key = tmp / "cert.pem", tmp / "key.pem"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
         "-subj", "/CN=netemu-test", "-keyout", str(key), "-out", str(cert)],
        check=True, capture_output=True, timeout=60,
    )
    return cert, key


class Endpoint:
    def __init__(self, port: int = 0, slow: float = 1.0, tls: tuple[Path, Path] | None = None):
        self.port = port
        self.slow = slow
        self.tls = tls
        self.requests: list[tuple[str, str]] = []
        self._server: asyncio.base_events.Server | None = None

    async def start(self) -> Endpoint:
        ctx = None
        if self.tls:
            ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
            ctx.load_cert_chain(str(self.tls[0]), str(self.tls[1]))
        self._server = await asyncio.start_server(
            self._handle, "127.0.0.1", self.port, ssl=ctx, reuse_address=True)
        self.port = self._server.sockets[0].getsockname()[1]
        return self

    async def stop(self) -> None:
        if self._server is not None:
            self._server.close()
            await self._server.wait_closed()
            self._server = None

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            line = (await reader.readline()).decode("latin-1").strip()
            host = ""
            while True:
                h = await reader.readline()
                if h in (b"\r\n", b"\n", b""):
                    break
                name, _, value = h.decode("latin-1").partition(":")
                if name.lower() == "host":
                    host = value.strip()
            self.requests.append((line, host))
            path = line.split(" ")[1] if " " in line else "/"
            await self._respond(path.split("?")[0], line, host, writer)
        except (ConnectionError, asyncio.IncompleteReadError):
            pass
        finally:
            writer.close()

    async def _respond(self, path: str, line: str, host: str, w: asyncio.StreamWriter) -> None:
        def send(status: str, body: bytes, extra: str = "") -> None:
            w.write(f"HTTP/1.1 {status}\r\nContent-Length: {len(body)}\r\n{extra}"
                    f"Connection: close\r\n\r\n".encode() + body)

        if path in ("/ok", "/health"):
            send("200 OK", b"status: OK\n")
        elif path == "/fail":
            send("500 Internal Server Error", b"broken\n")
        elif path == "/notfound":
            send("404 Not Found", b"")
        elif path == "/redirect":
            send("301 Moved Permanently", b"", "Location: /ok\r\n")
        elif path == "/slow":
            await asyncio.sleep(self.slow)
            send("200 OK", b"status: OK\n")
        elif path == "/slowbody":
            w.write(b"HTTP/1.1 200 OK\r\nContent-Length: 11\r\n\r\n")
            await w.drain()
            await asyncio.sleep(self.slow)
            w.write(b"status: OK\n")
        elif path == "/far":
            send("200 OK", b"x" * 5118 + b"NEEDLE" + b"y" * 100)
        elif path == "/edge":
            send("200 OK", b"x" * 5114 + b"NEEDLE" + b"y" * 100)
        elif path == "/chunked":
            w.write(b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
                    b"5\r\nhello\r\n8\r\n NEEDLE \r\n0\r\n\r\n")
        elif path == "/badheader":
            w.write(b"HTTP/1.1 200 OK\r\nthis is not a header\r\n\r\nstatus: OK\n")
        elif path == "/echo":
            send("200 OK", f"{line}\nHost: {host}\n".encode())
        else:
            send("404 Not Found", b"")
        await w.drain()
