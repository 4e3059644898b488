"""The load balancer nodes' process: ``python -m netemu.dataplane.elb_server CONFIG``.

One asyncio process serves every node of every load balancer of a deployment. For each node
it opens the listener sockets *inside* the node's namespace (on the node ENI's private address,
where the client's connection arrives after the internet gateway's 1:1 NAT), and every socket
towards a target is also made inside that namespace, so the node's connections to targets
leave from the node's ENI and pass the node's and the targets' security groups, the subnets'
network ACLs and the route tables like any instance's (V107).

- Application Load Balancer (HTTP listener): a reverse proxy. It reads the request head, adds
  ``X-Forwarded-For`` (the client's address), ``X-Forwarded-Proto`` and ``X-Forwarded-Port``,
  asks the target for ``Connection: close`` and relays the answer. Targets are picked round
  robin among the healthy ones (cross-zone load balancing is on for ALBs); with no healthy
  target anywhere the node fails open and uses all of them (V109); with no target at all, or
  a target that cannot be reached, it answers 503 / 502 itself.
- Network Load Balancer (TCP/UDP listener): forwarded at layer 4 keeping the client's address
  (V108) by DNAT in the VPC router (``nft.nlb_ruleset``, this process keeps the router's
  ``netemu_nlb`` table in step with the targets' health): a connection to the node's address
  is sent to a target of the node's AZ (cross-zone off, NLB's default) with the client's
  address as source, and the target's reply, which goes to the router (its gateway), is
  translated back to the node's address. The node's own listener is a plain relay, used only
  by what does not pass the router.
- Health checks (V106): each node probes each target of each target group its listeners use,
  every ``interval`` seconds with ``timeout``, from its own namespace: HTTP(S) checks send
  ``GET path`` and compare the status with the matcher, TCP checks connect. A target becomes
  healthy after ``healthy_threshold`` consecutive successes and unhealthy after
  ``unhealthy_threshold`` consecutive failures; it starts ``initial`` (no traffic). The state
  of every target as each node sees it is written to the status file after every change (what
  ``netemu status`` and ``netemu elb health`` read): ``{lb: {target_group: {target_id: {state,
  reason, description, nodes: {az: state}}}}}`` with ELB's reason codes
  (``Elb.InitialHealthChecking``, ``Target.ResponseCodeMismatch``, ``Target.Timeout``,
  ``Target.FailedHealthChecks``).

Stopped by SIGTERM (by the PID ``netemu.dataplane.elb`` recorded).
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import itertools
import json
import os
import signal
import socket
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from netemu.dataplane import names, nft
from netemu.dns.resolver import in_netns

READ_LIMIT = 65536


@dataclass
class TargetState:
    """One target as one node sees it."""

    state: str = "initial"
    reason: str = "Elb.InitialHealthChecking"
    description: str = "Initial health checks in progress"
    ok_run: int = 0
    fail_run: int = 0


@dataclass
class Node:
    namespace: str
    lb: str
    lb_type: str
    az: str
    address: str
    router: str = ""   # the VPC router's namespace (Network Load Balancers' DNAT, V108)
    listeners: tuple[dict[str, Any], ...] = ()
    health: dict[tuple[str, str], TargetState] = field(default_factory=dict)  # (tg, target id)
    turn: itertools.count[int] = field(default_factory=itertools.count)

    def socket(self, family: int = socket.AF_INET) -> socket.socket:
        with in_netns(self.namespace):
            s = socket.socket(family, socket.SOCK_STREAM)
        s.setblocking(False)
        return s

    async def connect(self, ip: str, port: int, timeout: float) -> tuple[
            asyncio.StreamReader, asyncio.StreamWriter]:
        s = self.socket()
        try:
            await asyncio.wait_for(asyncio.get_running_loop().sock_connect(s, (ip, port)),
                                   timeout)
        except BaseException:
            s.close()
            raise
        return await asyncio.open_connection(sock=s, limit=READ_LIMIT)

    def pick(self, tg: dict[str, Any]) -> dict[str, Any] | None:
        targets = tg["targets"]
        if not targets:
            return None
        healthy = [t for t in targets
                   if self.health.get((tg["name"], t["id"]), TargetState()).state == "healthy"]
        pool = healthy or targets  # V109: no healthy target -> fail open, all targets
        return pool[next(self.turn) % len(pool)]  # type: ignore[no-any-return]


class Server:
    def __init__(self, cfg: dict[str, Any]) -> None:
        self.cfg = cfg
        self.groups: dict[str, dict[str, Any]] = {g["name"]: g for g in cfg["target_groups"]}
        self.nodes = [Node(n["namespace"], n["lb"], n["type"], n["az"], n["address"],
                           n.get("router", ""), tuple(n["listeners"])) for n in cfg["nodes"]]
        self.nlb_rules: dict[str, str] = {}   # router namespace -> the ruleset it holds
        self.status_file = Path(cfg["status_file"])
        self.interval_scale = float(cfg.get("interval_scale", 1.0))  # elb.ensure: tests only
        self.target_az = {(g["name"], t["id"]): t["az"] for g in cfg["target_groups"]
                          for t in g["targets"]}

    # --- health ---------------------------------------------------------------------------

    async def probe(self, node: Node, tg: dict[str, Any], t: dict[str, Any]) -> tuple[
            bool, str, str]:
        hc = tg["health_check"]
        port = hc["port"] or t["port"]
        try:
            reader, writer = await node.connect(t["ip"], port, hc["timeout"])
        except TimeoutError:
            return False, "Target.Timeout", "Request timed out"
        except OSError as e:
            return False, "Target.FailedHealthChecks", f"Health checks failed ({_why(e)})"
        try:
            if hc["protocol"] == "TCP":
                return True, "", ""
            writer.write(f"GET {hc['path']} HTTP/1.1\r\nHost: {t['ip']}:{port}\r\n"
                         "User-Agent: ELB-HealthChecker/2.0\r\nConnection: close\r\n\r\n"
                         .encode())
            await writer.drain()
            line = await asyncio.wait_for(reader.readline(), hc["timeout"])
            parts = line.split()
            code = int(parts[1]) if len(parts) > 1 and parts[1].isdigit() else 0
            if _matches(hc["matcher"], code):
                return True, "", ""
            return False, "Target.ResponseCodeMismatch", \
                f"Health checks failed with these codes: [{code}]"
        except TimeoutError:
            return False, "Target.Timeout", "Request timed out"
        except OSError as e:
            return False, "Target.FailedHealthChecks", f"Health checks failed ({_why(e)})"
        finally:
            writer.close()
            with contextlib.suppress(OSError):
                await writer.wait_closed()

    async def check_loop(self, node: Node, tg: dict[str, Any], t: dict[str, Any]) -> None:
        hc = tg["health_check"]
        st = node.health.setdefault((tg["name"], t["id"]), TargetState())
        while True:
            ok, reason, description = await self.probe(node, tg, t)
            before = st.state
            if ok:
                st.ok_run, st.fail_run = st.ok_run + 1, 0
                if st.ok_run >= hc["healthy_threshold"]:
                    st.state, st.reason, st.description = "healthy", "", ""
            else:
                st.ok_run, st.fail_run = 0, st.fail_run + 1
                if st.fail_run >= hc["unhealthy_threshold"]:
                    st.state = "unhealthy"
                if st.state != "healthy":
                    st.reason, st.description = reason, description
            if st.state != before or not ok:
                self.write_status()
            if st.state != before:
                self.write_nlb()
            await asyncio.sleep(hc["interval"] * self.interval_scale)

    def write_status(self) -> None:
        out: dict[str, Any] = {}
        for node in self.nodes:
            for (tg, tid), st in node.health.items():
                entry = out.setdefault(node.lb, {}).setdefault(tg, {}).setdefault(
                    tid, {"nodes": {}, "az": self.target_az.get((tg, tid), "")})
                entry["nodes"][node.az] = {"state": st.state, "reason": st.reason,
                                           "description": st.description}
        for groups in out.values():
            for targets in groups.values():
                for entry in targets.values():
                    states = [v["state"] for v in entry["nodes"].values()]
                    worst = next((v for v in entry["nodes"].values()
                                  if v["state"] != "healthy"), None)
                    entry["state"] = "healthy" if all(s == "healthy" for s in states) else (
                        "unhealthy" if "unhealthy" in states else "initial")
                    entry["reason"] = worst["reason"] if worst else ""
                    entry["description"] = worst["description"] if worst else ""
        tmp = self.status_file.with_suffix(".tmp")
        tmp.write_text(json.dumps(out, indent=1, sort_keys=True))
        tmp.replace(self.status_file)

    def nlb_targets(self, node: Node, tg: dict[str, Any]) -> list[tuple[str, int]]:
        """Where a Network Load Balancer node sends new connections (cross-zone load balancing
        off, NLB's default): the healthy targets of its AZ, else all of its AZ's (fail open),
        else every target."""
        own = [t for t in tg["targets"] if t["az"] == node.az] or tg["targets"]
        healthy = [t for t in own if node.health.get(
            (tg["name"], t["id"]), TargetState()).state == "healthy"]
        return [(t["ip"], t["port"]) for t in healthy or own]

    def write_nlb(self) -> None:
        """The DNAT rules of the Network Load Balancers' nodes, per VPC router (V108)."""
        by_router: dict[str, list[tuple[str, int, str, list[tuple[str, int]], list[str]]]] = {}
        for node in self.nodes:
            if node.lb_type != "network" or not node.router:
                continue
            for li in node.listeners:
                proto = "udp" if li["protocol"] == "UDP" else "tcp"
                by_router.setdefault(node.router, []).append(
                    (node.address, li["port"], proto,
                     self.nlb_targets(node, self.groups[li["target_group"]]),
                     li.get("sources", [])))
        for router, forwards in by_router.items():
            text = nft.nlb_ruleset(forwards)
            if self.nlb_rules.get(router) != text:
                subprocess.run(["ip", "netns", "exec", router, "nft", "-f", "-"], input=text,
                               text=True, check=True, timeout=10)
                self.nlb_rules[router] = text

    def clear_nlb(self) -> None:
        for router in self.nlb_rules:
            subprocess.run(["ip", "netns", "exec", router, "nft", "delete", "table", "ip",
                            names.NFT_TABLE_PREFIX + "nlb"], check=False, timeout=10,
                           capture_output=True)

    # --- traffic --------------------------------------------------------------------------

    async def serve_http(self, node: Node, listener: dict[str, Any],
                         reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        client = writer.get_extra_info("peername")[0]
        try:
            head = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), 30)
        except (asyncio.IncompleteReadError, asyncio.LimitOverrunError, TimeoutError, OSError):
            writer.close()
            return
        tg = self.groups[listener["target_group"]]
        target = node.pick(tg)
        if target is None:
            await _reply(writer, 503, "Service Temporarily Unavailable")
            return
        try:
            up_r, up_w = await node.connect(target["ip"], target["port"], 10)
        except (OSError, TimeoutError):
            await _reply(writer, 502, "Bad Gateway")
            return
        up_w.write(_forwarded(head, client, listener["port"]))
        await asyncio.gather(_pipe(reader, up_w), _pipe(up_r, writer))

    async def serve_tcp(self, node: Node, listener: dict[str, Any],
                        reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        tg = self.groups[listener["target_group"]]
        target = node.pick(tg)
        if target is None:
            writer.close()
            return
        try:
            up_r, up_w = await node.connect(target["ip"], target["port"], 10)
        except (OSError, TimeoutError):
            writer.close()
            return
        await asyncio.gather(_pipe(reader, up_w), _pipe(up_r, writer))

    async def run(self) -> None:
        servers = []
        tasks = []
        for node, raw in zip(self.nodes, self.cfg["nodes"], strict=True):
            for li in raw["listeners"]:
                with in_netns(node.namespace):
                    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
                s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
                s.bind((node.address, li["port"]))
                s.listen(128)
                s.setblocking(False)
                serve = self.serve_http if li["protocol"] in ("HTTP", "HTTPS") else \
                    self.serve_tcp
                servers.append(await asyncio.start_server(
                    functools.partial(serve, node, li), sock=s, limit=READ_LIMIT))
                tg = self.groups[li["target_group"]]
                for t in tg["targets"]:
                    if (tg["name"], t["id"]) not in node.health:
                        node.health[(tg["name"], t["id"])] = TargetState()
                        tasks.append(asyncio.create_task(self.check_loop(node, tg, t)))
        self.write_status()
        self.write_nlb()
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        loop.add_signal_handler(signal.SIGTERM, stop.set)
        Path(self.cfg["ready_file"]).write_text(json.dumps({"pid": os.getpid()}))
        await stop.wait()
        for t in tasks:
            t.cancel()
        for srv in servers:
            srv.close()
        self.clear_nlb()


def _why(e: OSError) -> str:
    return os.strerror(e.errno) if e.errno else str(e)


def _matches(matcher: str, code: int) -> bool:
    for part in matcher.split(","):
        first, _, last = part.strip().partition("-")
        if int(first) <= code <= int(last or first):
            return True
    return False


def _forwarded(head: bytes, client: str, port: int) -> bytes:
    """The request head as the target gets it (V107: X-Forwarded-* headers, one request per
    connection to the target)."""
    lines = head.decode("latin-1").split("\r\n")
    keep = [ln for ln in lines[1:] if ln and not ln.lower().startswith(
        ("connection:", "keep-alive:", "x-forwarded-", "proxy-connection:"))]
    prior = next((ln.split(":", 1)[1].strip() for ln in lines[1:]
                  if ln.lower().startswith("x-forwarded-for:")), None)
    xff = f"{prior}, {client}" if prior else client
    out = [lines[0], *keep, f"X-Forwarded-For: {xff}", "X-Forwarded-Proto: http",
           f"X-Forwarded-Port: {port}", "Connection: close", "", ""]
    return "\r\n".join(out).encode("latin-1")


async def _reply(writer: asyncio.StreamWriter, code: int, text: str) -> None:
    body = (f"<html><body><h1>{code} {text}</h1></body></html>\n").encode()
    writer.write(f"HTTP/1.1 {code} {text}\r\nServer: awselb/2.0\r\nContent-Type: text/html\r\n"
                 f"Content-Length: {len(body)}\r\nConnection: close\r\n\r\n".encode() + body)
    with contextlib.suppress(OSError):
        await writer.drain()
    writer.close()


async def _pipe(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    try:
        while data := await reader.read(READ_LIMIT):
            writer.write(data)
            await writer.drain()
        if writer.can_write_eof():
            writer.write_eof()
    except OSError:
        pass
    finally:
        if reader.at_eof():
            with contextlib.suppress(OSError):
                writer.close()


def main(argv: list[str]) -> int:
    cfg = json.loads(Path(argv[0]).read_text())
    asyncio.run(Server(cfg).run())
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
