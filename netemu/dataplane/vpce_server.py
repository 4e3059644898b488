"""The interface endpoints' service hosts: ``python -m netemu.dataplane.vpce_server CONFIG``.

Listens on TCP 443 at each endpoint ENI's private address inside the ENI's namespace and answers
each connection with one plain-HTTP response naming the service, the endpoint and the AZ (no
TLS: the emulated AWS service is a stand-in, what matters is that the packets reach the ENI
through its security groups and NACLs). Writes its PID to the ready file once every socket is
bound; stopped by SIGTERM (by the PID ``netemu.dataplane.vpce`` recorded).
"""

from __future__ import annotations

import asyncio
import contextlib
import socket
import sys
from typing import Any

from netemu.dataplane.service import process_main, serve_until_stopped
from netemu.dns.resolver import in_netns

READ_SECONDS = 2.0


async def _answer(eni: dict[str, Any], reader: asyncio.StreamReader,
                  writer: asyncio.StreamWriter) -> None:
    with contextlib.suppress(asyncio.TimeoutError, ConnectionError, asyncio.LimitOverrunError):
        await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), READ_SECONDS)
    body = (f"{eni['service']} via interface endpoint {eni['endpoint']} ({eni['id']}) "
            f"in {eni['az']}\n").encode()
    with contextlib.suppress(ConnectionError):
        writer.write(b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: "
                     + str(len(body)).encode() + b"\r\nConnection: close\r\n\r\n" + body)
        await writer.drain()
    writer.close()


async def run(cfg: dict[str, Any]) -> None:
    servers = []
    for eni in cfg["enis"]:
        with in_netns(eni["namespace"]):
            sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((eni["address"], int(eni["port"])))
        sock.listen(64)
        sock.setblocking(False)

        async def handle(r: asyncio.StreamReader, w: asyncio.StreamWriter,
                         eni: dict[str, Any] = eni) -> None:
            await _answer(eni, r, w)
        servers.append(await asyncio.start_server(handle, sock=sock))
    await serve_until_stopped(servers, cfg["ready_file"])


def main(argv: list[str]) -> int:
    return process_main(argv, "netemu.dataplane.vpce_server", run)


if __name__ == "__main__":
    sys.exit(main(sys.argv))
