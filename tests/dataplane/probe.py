"""Real packets between namespaces: a one-shot server in the destination node and a client in
the source node (plain sockets, ``python3 -c`` via ``ip netns exec``), or ``ping`` for ICMP.

``probe`` returns a Verdict: ``forward`` = the server received the request, ``reply`` = the
client received the answer (TCP: the handshake completed, so both are the same fact).
"""

from __future__ import annotations

import subprocess
import sys
from dataclasses import dataclass

SERVER = r"""
import socket, sys, select
proto, port, wait = sys.argv[1], int(sys.argv[2]), float(sys.argv[3])
kind = socket.SOCK_STREAM if proto == "tcp" else socket.SOCK_DGRAM
try:
    s = socket.socket(socket.AF_INET6, kind)
    s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 0)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind(("::", port))
except OSError:  # IPv6 disabled in this namespace
    s = socket.socket(socket.AF_INET, kind)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind(("0.0.0.0", port))
if proto == "tcp":
    s.listen(8)
print("ready", flush=True)
r, _, _ = select.select([s], [], [], wait)
if not r:
    print("none", flush=True); sys.exit(0)
if proto == "tcp":
    c, peer = s.accept(); c.sendall(b"pong"); c.close()
else:
    data, peer = s.recvfrom(2048); s.sendto(b"pong", peer)
print("got", peer[0].removeprefix("::ffff:"), peer[1], flush=True)
"""

CLIENT = r"""
import socket, sys
proto, ip, port, timeout = sys.argv[1], sys.argv[2], int(sys.argv[3]), float(sys.argv[4])
kind = socket.SOCK_STREAM if proto == "tcp" else socket.SOCK_DGRAM
s = socket.socket(socket.AF_INET6 if ":" in ip else socket.AF_INET, kind)
s.settimeout(timeout)
if len(sys.argv) > 5:  # the source address to send from (an instance's other ENI)
    s.bind((sys.argv[5], 0))
try:
    if proto == "tcp":
        s.connect((ip, port)); data = s.recv(16)
    else:
        s.sendto(b"ping", (ip, port)); data, _ = s.recvfrom(16)
    print("reply" if data == b"pong" else "other")
except (socket.timeout, TimeoutError):
    print("timeout")
except OSError as e:
    print("error", e.errno)
"""


RAW_SERVER = r"""
import socket, sys, select
proto, wait = int(sys.argv[1]), float(sys.argv[2])
s = socket.socket(socket.AF_INET, socket.SOCK_RAW, proto)
print("ready", flush=True)
r, _, _ = select.select([s], [], [], wait)
if not r:
    print("none", flush=True); sys.exit(0)
data, peer = s.recvfrom(2048)
print("got", peer[0], 0, flush=True)
"""

RAW_CLIENT = r"""
import socket, sys
proto, ip = int(sys.argv[1]), sys.argv[2]
s = socket.socket(socket.AF_INET, socket.SOCK_RAW, proto)
s.sendto(b"netemu-raw-probe", (ip, 0))
print("sent")
"""


def probe_raw(
    src_ns: str, dst_ns: str, dst_ip: str, protocol: int, timeout: float = 0.6
) -> Verdict:
    """A datagram of any IP protocol (GRE, ESP...) through raw sockets: ``forward`` only (no
    peer answers an unknown protocol)."""
    server = subprocess.Popen(
        [
            "ip",
            "netns",
            "exec",
            dst_ns,
            sys.executable,
            "-c",
            RAW_SERVER,
            str(protocol),
            str(timeout),
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert server.stdout is not None
        assert server.stdout.readline().strip() == "ready"
        subprocess.run(
            [
                "ip",
                "netns",
                "exec",
                src_ns,
                sys.executable,
                "-c",
                RAW_CLIENT,
                str(protocol),
                dst_ip,
            ],
            capture_output=True,
            text=True,
            timeout=30,
            check=True,
        )
        out, _ = server.communicate(timeout=10)
    finally:
        if server.poll() is None:   # the client failed: stop the server we started, by its PID
            server.kill()
            server.wait()
    line = out.strip().splitlines()[-1] if out.strip() else ""
    forward = line.startswith("got")
    return Verdict(forward, False, line.split()[1] if forward else None)


@dataclass(frozen=True)
class Verdict:
    forward: bool
    reply: bool
    seen_from: str | None = None  # source address the server saw

    @property
    def delivered(self) -> bool:
        return self.forward and self.reply


def probe(src_ns: str, dst_ns: str | None, dst_ip: str, proto: str, port: int = 0,
          timeout: float = 0.6, src_ip: str | None = None) -> Verdict:
    """``src_ip``: bind the client to this address (TCP/UDP only)."""
    if proto == "icmp":
        out = subprocess.run(
            [
                "ip",
                "netns",
                "exec",
                src_ns,
                "ping",
                "-c",
                "1",
                "-W",  # the caller's timeout, as for TCP and UDP (iputils takes fractions)
                f"{timeout:g}",
                "-n",
                dst_ip,
            ],
            capture_output=True,
            text=True,
            check=False,
        )
        ok = out.returncode == 0
        return Verdict(ok, ok)
    server = None
    if dst_ns is not None:
        server = subprocess.Popen(
            [
                "ip",
                "netns",
                "exec",
                dst_ns,
                sys.executable,
                "-c",
                SERVER,
                proto,
                str(port),
                str(timeout + 1.5),
            ],
            stdout=subprocess.PIPE,
            text=True,
        )
        assert server.stdout is not None
        assert server.stdout.readline().strip() == "ready"
    client = subprocess.run(
        [
            "ip",
            "netns",
            "exec",
            src_ns,
            sys.executable,
            "-c",
            CLIENT,
            proto,
            dst_ip,
            str(port),
            str(timeout),
            *([src_ip] if src_ip else []),
        ],
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )
    reply = client.stdout.strip() == "reply"
    forward, seen = reply, None
    if server is not None:
        if reply:
            out, _ = server.communicate(timeout=10)
        else:
            server.kill()  # our own child, by its PID
            out, _ = server.communicate(timeout=10)
        line = out.strip().splitlines()[-1] if out.strip() else ""
        forward = line.startswith("got")
        seen = line.split()[1] if forward else None
    return Verdict(forward, reply, seen)
