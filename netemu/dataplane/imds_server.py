"""The instance metadata service process (V37): ``python -m netemu.dataplane.imds_server CONFIG``.

One process serves every instance of a deployment: for each instance it opens a listening TCP
socket on 169.254.169.254 (and fd00:ec2::254 with IPv6) *inside* the instance's namespace
(setns, bind, setns back), where the plan put that address on ``lo`` and sends its port 80 to
this socket's port (``nft.imds_ruleset``: a user's server on port 80 is not disturbed), and answers
what ``netemu.vpc.imds`` says. Being on the instance's own ``lo``, the service is reached
whatever the instance's routes, network ACLs and security groups say, as on AWS. Stopped by
SIGTERM (by the PID ``netemu.dataplane.imds`` recorded).
"""

from __future__ import annotations

import json
import os
import secrets
import signal
import socket
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from netemu.dataplane import nft
from netemu.dns.resolver import in_netns
from netemu.vpc import imds


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, sock: socket.socket, data: dict[str, str], tokens: dict[str, float]) -> None:
        super().__init__(("", 0), _Handler, bind_and_activate=False)
        self.socket.close()
        self.socket = sock
        self.address_family = sock.family
        self.server_name, self.server_port = imds.ADDRESSES[0], imds.PORT
        self.data, self.tokens = data, tokens  # tokens: shared by the instance's addresses


class _Handler(BaseHTTPRequestHandler):
    server: _Server
    server_version = "EC2ws"
    sys_version = ""

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def _send(self, code: int, body: str = "", headers: dict[str, str] | None = None) -> None:
        raw = body.encode()
        self.send_response(code)
        self.send_header("Content-Type", "text/plain")
        self.send_header("Content-Length", str(len(raw)))
        for k, v in (headers or {}).items():
            self.send_header(k, v)
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(raw)

    def do_PUT(self) -> None:
        if self.path != imds.TOKEN_PATH:
            return self._send(404, "Not Found")
        if self.headers.get("X-Forwarded-For") is not None:
            return self._send(403, "Forbidden")  # tokens are never issued through a proxy
        ttl = imds.token_ttl(self.headers.get(imds.TTL_HEADER))
        if ttl is None:
            return self._send(400, "Bad Request")
        token = secrets.token_urlsafe(42)
        self.server.tokens[token] = time.monotonic() + ttl
        self._send(200, token, {imds.TTL_HEADER: str(ttl)})

    def do_GET(self) -> None:
        token = self.headers.get(imds.TOKEN_HEADER)
        if token is not None and self.server.tokens.get(token, 0.0) < time.monotonic():
            return self._send(401, "Unauthorized")
        answer = imds.lookup(self.server.data, self.path.split("?")[0])
        if answer is None:
            return self._send(404, "Not Found")
        self._send(200, answer)

    def do_HEAD(self) -> None:
        self.do_GET()


def _listen(ns: str, address: str) -> socket.socket:
    family = socket.AF_INET6 if ":" in address else socket.AF_INET
    with in_netns(ns):
        sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((address, nft.IMDS_LISTEN_PORT))  # port 80 is DNATed there (nft.imds_ruleset)
    sock.listen(64)
    return sock


def main(argv: list[str]) -> int:
    cfg = json.loads(Path(argv[0]).read_text())
    servers = []
    for inst in cfg["instances"]:
        tokens: dict[str, float] = {}
        for address in inst["addresses"]:
            servers.append(_Server(_listen(inst["namespace"], address), inst["data"], tokens))
    threads = [threading.Thread(target=s.serve_forever, daemon=True) for s in servers]
    for t in threads:
        t.start()
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    Path(cfg["ready_file"]).write_text(json.dumps({"pid": os.getpid()}))
    stop.wait()
    for s in servers:
        s.shutdown()
        s.server_close()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
