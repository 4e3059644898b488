"""netemu's pytest plugin: test your own zones and topologies the way you test any code.

Installed with netemu (entry point ``pytest11``), so pytest loads it by itself; nothing to put in
a ``conftest.py``. Importing it is cheap: netemu's loaders, the server and boto3 are imported only
when a fixture or helper is used.

Fixtures are factories: call them with what the test needs, everything they start is stopped
when the test ends (also when it fails).

``netemu_dns(*zones, time_scale=None, args=())``
    Starts a real ``netemu serve`` on free loopback ports over the given zone files, zone
    folders or zone dicts (the zone file shape, written to a temporary file) and returns a
    ``DnsServer``: ``.host``, ``.port``, ``.api_url``, ``.query(name, type)`` (rcode and
    answers), ``.resolve(name, type)`` (the answer values, sorted), ``.route53`` (a boto3
    Route 53 client pointed at the server's ``--api``; the test is skipped when boto3 is not
    installed) and ``.log`` (the server's output). ``time_scale`` multiplies every health-check
    interval and timeout (``--time-scale``); default: the ini option ``netemu_time_scale``,
    else 1.
``netemu_topology(source)``
    Loads a topology (a file path, a dict in the topology file shape, or a loaded Topology) and
    returns a ``TopologyUnderTest`` with ``.trace(src, dst, port=..., protocol=...)``,
    ``.assert_reachable(...)`` and ``.assert_blocked(...)``. Pure: no root, no packets.
``netemu_dataplane(source)``
    Root only (skipped with the reason elsewhere): ``netemu apply`` of the topology under a
    namespace prefix and state directory of the test's own, ``netemu destroy`` after the test
    whatever its outcome. Returns a ``Deployment`` with ``.exec(node, *argv)``.

``assert_reachable(topology, src, dst, port=None, protocol="tcp")`` and
``assert_blocked(topology, src, dst, port=None, protocol="tcp", by=None, code=None)``
    ``topology`` is any of the sources above. ``by`` is the kind of component that drops the
    flow, in the words of ``netemu trace`` (``security-group``, ``network-acl``,
    ``route-table``, ``internet-gateway``, ``nat-gateway``, ``peering-connection``,
    ``transit-gateway-route-table``, ...); ``code`` its Reachability Analyzer explanation code.
    A failing assertion prints the trace as ``netemu trace`` prints it.

A relative path is looked up beside the test file first, then in the current folder, then among
the examples shipped with netemu (``topologies/three-tier.yaml``, ``zones/basics.yaml``).
"""

from __future__ import annotations

import io
import itertools
import os
import shutil
import signal
import socket
import struct
import subprocess
import sys
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, NamedTuple

import pytest

if TYPE_CHECKING:
    from netemu.vpc.model import Topology
    from netemu.vpc.trace import Trace

__all__ = [
    "Deployment",
    "DnsReply",
    "DnsServer",
    "TopologyUnderTest",
    "assert_blocked",
    "assert_reachable",
    "explain",
]

TopologySource = Any  # TopologyUnderTest | Topology | Mapping | str | os.PathLike
_counter = itertools.count()


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addini("netemu_time_scale", "netemu_dns: default health-check time scale "
                  "(netemu serve --time-scale)", default="1")


# --- paths -------------------------------------------------------------------------------------


def _find(path: str | os.PathLike[str], near: Path | None) -> Path:
    """A path as given when absolute; else beside the test file, in the current folder, or the
    copy shipped with netemu, the first that exists (else as given: the loader names it)."""
    given = Path(path)
    if given.is_absolute():
        return given
    for base in (near, Path.cwd()):
        if base is not None and (base / given).exists():
            return base / given
    from netemu import shipped

    return shipped.resolve(given)[0]


def _test_folder(request: pytest.FixtureRequest) -> Path | None:
    path = getattr(request.node, "path", None)
    return Path(path).parent if path is not None else None


# --- topologies and traces ---------------------------------------------------------------------


class TopologyUnderTest:
    """A loaded topology, with ``trace`` and the two assertions bound to it."""

    def __init__(self, topology: Topology, source: str) -> None:
        self.topology, self.source = topology, source

    def trace(self, src: str, dst: str, port: int | None = None, protocol: str | int = "tcp",
              **flow: Any) -> Trace:
        """``netemu trace``'s result for one flow (extra Flow fields: ``src_port``,
        ``icmp_type``, ``icmp_code``, ``ip_version``, ``size``)."""
        from netemu.vpc.trace import Flow, trace

        return trace(self.topology, Flow(src, dst, protocol, port, **flow))

    def assert_reachable(self, src: str, dst: str, port: int | None = None,
                         protocol: str | int = "tcp", **flow: Any) -> Trace:
        __tracebackhide__ = True
        return assert_reachable(self, src, dst, port, protocol, **flow)

    def assert_blocked(self, src: str, dst: str, port: int | None = None,
                       protocol: str | int = "tcp", by: str | None = None,
                       code: str | None = None, **flow: Any) -> Trace:
        __tracebackhide__ = True
        return assert_blocked(self, src, dst, port, protocol, by=by, code=code, **flow)

    def __repr__(self) -> str:
        return f"<TopologyUnderTest {self.source}>"


def load(source: TopologySource, near: Path | None = None) -> TopologyUnderTest:
    """A ``TopologyUnderTest`` from a path, a dict, a Topology or one already loaded."""
    if isinstance(source, TopologyUnderTest):
        return source
    from netemu.vpc.load import load_topology, load_topology_file
    from netemu.vpc.model import Topology

    if isinstance(source, Topology):
        return TopologyUnderTest(source, source.source or "<topology>")
    if isinstance(source, Mapping):
        return TopologyUnderTest(load_topology(dict(source), "<dict>"), "<dict>")
    path = _find(source, near)
    return TopologyUnderTest(load_topology_file(path), str(path))


def explain(result: Trace) -> str:
    """The trace as ``netemu trace`` prints it (no colour)."""
    from netemu.cli.trace import print_human

    out = io.StringIO()
    print_human(result, None, out, False)
    return out.getvalue()


def _flow_words(src: str, dst: str, port: int | None, protocol: str | int) -> str:
    where = f" port {port}" if port is not None else ""
    return f"{src} -> {dst} ({protocol}{where})"


def _stop(result: Trace) -> Any:
    """The hop that drops the flow (forward path first, then the return path), or None."""
    for hop in (*result.hops, *result.return_path):
        if hop.decision != "allow":
            return hop
    return None


def assert_reachable(topology: TopologySource, src: str, dst: str, port: int | None = None,
                     protocol: str | int = "tcp", **flow: Any) -> Trace:
    """Fail, printing the trace, unless the flow and its reply get through."""
    __tracebackhide__ = True
    result = load(topology).trace(src, dst, port, protocol, **flow)
    if not result.reachable:
        hop = _stop(result)
        at = f": dropped by {hop.component} {hop.name}" if hop is not None else ""
        raise AssertionError(f"expected {_flow_words(src, dst, port, protocol)} to be "
                             f"reachable{at}\n\n{explain(result)}")
    return result


def assert_blocked(topology: TopologySource, src: str, dst: str, port: int | None = None,
                   protocol: str | int = "tcp", by: str | None = None, code: str | None = None,
                   **flow: Any) -> Trace:
    """Fail, printing the trace, unless the flow is dropped; with ``by``, the dropping hop must
    be that kind of component (``network-acl``...), with ``code`` that explanation code."""
    __tracebackhide__ = True
    result = load(topology).trace(src, dst, port, protocol, **flow)
    words = _flow_words(src, dst, port, protocol)
    if result.reachable:
        raise AssertionError(f"expected {words} to be blocked"
                             f"{f' by {by}' if by else ''}, but it is reachable\n\n"
                             f"{explain(result)}")
    hop = _stop(result)
    got = (hop.component, hop.code) if hop is not None else (None, None)
    if (by is not None and got[0] != by) or (code is not None and got[1] != code):
        want = " ".join(x for x in (by, f"[{code}]" if code else None) if x)
        have = f"{got[0]} {hop.name} [{got[1]}]" if hop is not None else "no single hop"
        hint = " (component kinds use dashes)" if by and "_" in by else ""
        raise AssertionError(f"expected {words} to be blocked by {want}{hint}, but it is "
                             f"blocked by {have}\n\n{explain(result)}")
    return result


@pytest.fixture
def netemu_topology(request: pytest.FixtureRequest) -> Callable[[TopologySource],
                                                                TopologyUnderTest]:
    """``netemu_topology(path | dict | Topology)`` -> TopologyUnderTest (pure, no root)."""
    near = _test_folder(request)
    return lambda source: load(source, near)


# --- DNS -------------------------------------------------------------------------------------


class DnsReply(NamedTuple):
    rcode: str
    answers: list[tuple[str, str]]   # (type, RDATA as text), in the reply's order
    flags: frozenset[str]


_RCODES = ("NOERROR", "FORMERR", "SERVFAIL", "NXDOMAIN", "NOTIMP", "REFUSED")
_FLAG_BITS = {"qr": 15, "aa": 10, "tc": 9, "rd": 8, "ra": 7}


def _free_port(kind: int) -> int:
    with socket.socket(socket.AF_INET, kind) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _wire_query(qid: int, name: str, qtype: str) -> bytes:
    from netemu.dns.codec import TYPE_CODES

    code = TYPE_CODES.get(qtype.upper())
    if code is None:
        raise ValueError(f"unknown record type {qtype!r}")
    labels = [label.encode("idna") for label in name.rstrip(".").split(".") if label]
    qname = b"".join(bytes([len(label)]) + label for label in labels) + b"\0"
    return struct.pack("!HHHHHH", qid, 0, 1, 0, 0, 0) + qname + struct.pack("!HH", code, 1)


@dataclass
class DnsServer:
    """One ``netemu serve`` started by ``netemu_dns``."""

    host: str
    port: int
    api_port: int
    log: Path
    process: subprocess.Popen[bytes]
    time_scale: float

    @property
    def api_url(self) -> str:
        return f"http://{self.host}:{self.api_port}"

    def query(self, name: str, qtype: str = "A", tcp: bool = False,
              timeout: float = 3.0) -> DnsReply:
        """One query (recursion not desired), over UDP or TCP."""
        from netemu.dns.codec import answer_records

        qid = next(_counter) % 65536
        wire = _wire_query(qid, name, qtype)
        if tcp:
            with socket.create_connection((self.host, self.port), timeout) as s:
                s.sendall(struct.pack("!H", len(wire)) + wire)
                reply = _read_tcp(s)
        else:
            with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
                s.settimeout(timeout)
                s.sendto(wire, (self.host, self.port))
                reply = s.recv(65535)
        flags = struct.unpack("!H", reply[2:4])[0]
        rcode = flags & 0xF
        return DnsReply(_RCODES[rcode] if rcode < len(_RCODES) else f"RCODE{rcode}",
                        answer_records(reply),
                        frozenset(k for k, bit in _FLAG_BITS.items() if flags >> bit & 1))

    def resolve(self, name: str, qtype: str = "A") -> list[str]:
        """The values of the answer records of that type, sorted (``[]`` for NXDOMAIN/NODATA)."""
        return sorted(v for t, v in self.query(name, qtype).answers if t == qtype.upper())

    @property
    def route53(self) -> Any:
        """A boto3 Route 53 client on this server's API (any credentials are accepted)."""
        boto3 = pytest.importorskip("boto3", reason="netemu_dns.route53 needs boto3")
        return boto3.client("route53", endpoint_url=self.api_url, region_name="us-east-1",
                            aws_access_key_id="netemu", aws_secret_access_key="netemu")

    def output(self) -> str:
        return self.log.read_text(errors="replace") if self.log.exists() else ""

    def stop(self) -> None:
        """SIGINT (netemu's clean shutdown), SIGKILL after 10 s; by the PID we started."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGINT)
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(10)


def _read_tcp(s: socket.socket) -> bytes:
    data = b""
    while len(data) < 2 or len(data) < 2 + struct.unpack("!H", data[:2])[0]:
        chunk = s.recv(65535)
        if not chunk:
            raise ConnectionError("netemu serve closed the TCP connection")
        data += chunk
    return data[2:2 + struct.unpack("!H", data[:2])[0]]


def _zone_paths(zones: Sequence[Any], workdir: Path, near: Path | None) -> list[Path]:
    paths: list[Path] = []
    for n, zone in enumerate(zones):
        if isinstance(zone, Mapping):
            import yaml

            path = workdir / f"zone-{n}.yaml"
            path.write_text(yaml.safe_dump(dict(zone), sort_keys=False))
            paths.append(path)
        else:
            paths.append(_find(zone, near).resolve())
    return paths


def start_server(zones: Sequence[Any], workdir: Path, near: Path | None = None,
                 time_scale: float = 1.0, args: Sequence[str] = (),
                 ready_within: float = 30.0) -> DnsServer:
    """Start ``netemu serve`` (the interpreter running pytest, ``-m netemu``) and wait until it
    answers DNS and accepts API connections; refuse with its output if it exits first."""
    if not zones:
        raise ValueError("netemu_dns: give at least one zone file, folder or dict")
    paths = _zone_paths(zones, workdir, near)
    port, api = _free_port(socket.SOCK_DGRAM), _free_port(socket.SOCK_STREAM)
    log = workdir / f"serve-{port}.log"
    argv = [sys.executable, "-m", "netemu", "serve", "--zones", *map(str, paths),
            "--listen", f"127.0.0.1:{port}", "--api", f"127.0.0.1:{api}",
            "--time-scale", repr(time_scale), *args]
    with log.open("wb") as out:
        proc = subprocess.Popen(argv, cwd=workdir, stdout=out, stderr=subprocess.STDOUT)
    server = DnsServer("127.0.0.1", port, api, log, proc, time_scale)
    deadline = time.monotonic() + ready_within
    while True:
        if proc.poll() is not None:
            raise RuntimeError(f"netemu serve exited with {proc.returncode}:\n{server.output()}")
        try:
            server.query("netemu-plugin-ready.invalid", timeout=0.5)
            with socket.create_connection((server.host, api), 0.5):
                return server
        except OSError:
            if time.monotonic() > deadline:
                server.stop()
                raise RuntimeError(f"netemu serve not ready in {ready_within:.0f} s:\n"
                                   f"{server.output()}") from None
            time.sleep(0.1)


@pytest.fixture
def netemu_dns(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
               ) -> Iterator[Callable[..., DnsServer]]:
    """``netemu_dns(*zones, time_scale=None, args=())`` -> a running DnsServer."""
    near = _test_folder(request)
    started: list[DnsServer] = []

    def start(*zones: Any, time_scale: float | None = None,
              args: Sequence[str] = ()) -> DnsServer:
        scale = float(request.config.getini("netemu_time_scale")) if time_scale is None \
            else time_scale
        server = start_server(zones, tmp_path_factory.mktemp("netemu-dns"), near, scale, args)
        started.append(server)
        return server

    try:
        yield start
    finally:
        for server in started:
            server.stop()


# --- the data plane ----------------------------------------------------------------------------


def dataplane_unavailable() -> str | None:
    """Why ``netemu apply`` cannot run here (None: it can)."""
    if not sys.platform.startswith("linux"):
        return "netemu_dataplane needs Linux network namespaces"
    if os.geteuid() != 0:
        return "netemu_dataplane needs root (network namespaces)"
    for tool in ("ip", "nft"):
        if shutil.which(tool) is None:
            return f"netemu_dataplane needs '{tool}' (Debian: iproute2, nftables)"
    return None


@dataclass
class Deployment:
    """A topology applied by ``netemu_dataplane``, under its own prefix and state folder."""

    topology: TopologyUnderTest
    prefix: str
    state: Path
    apply_output: str

    def _netemu(self, *argv: str, timeout: float = 120.0) -> subprocess.CompletedProcess[str]:
        return subprocess.run([sys.executable, "-m", "netemu", *argv, "--prefix", self.prefix,
                               "--state", str(self.state)], capture_output=True, text=True,
                              timeout=timeout, check=False)

    def exec(self, node: str, *argv: str, timeout: float = 30.0
             ) -> subprocess.CompletedProcess[str]:
        """Run a command inside a node's namespace (``netemu exec NODE -- ARGV``)."""
        return subprocess.run([sys.executable, "-m", "netemu", "exec", "--prefix", self.prefix,
                               "--state", str(self.state), node, "--", *argv],
                              capture_output=True, text=True, timeout=timeout, check=False)

    def destroy(self) -> subprocess.CompletedProcess[str]:
        return self._netemu("destroy")


@pytest.fixture
def netemu_dataplane(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
                     ) -> Iterator[Callable[[TopologySource], Deployment]]:
    """``netemu_dataplane(path | dict)`` -> Deployment (root only; destroyed after the test)."""
    reason = dataplane_unavailable()
    if reason is not None:
        pytest.skip(reason)
    near = _test_folder(request)
    made: list[Deployment] = []

    def deploy(source: TopologySource) -> Deployment:
        work = tmp_path_factory.mktemp("netemu-dataplane")
        under = load(source, near)
        path = Path(under.source)
        if not path.is_file():
            if not isinstance(source, Mapping):
                raise TypeError("netemu_dataplane: give a topology file or dict")
            import yaml

            path = work / "topology.yaml"
            path.write_text(yaml.safe_dump(dict(source), sort_keys=False))
        prefix = f"netemu-p{os.getpid() % 100000}x{next(_counter)}-"
        dep = Deployment(under, prefix, work / "state", "")
        made.append(dep)   # destroyed even when apply fails half-way
        done = dep._netemu("apply", "--quiet", str(path), timeout=600)
        dep.apply_output = done.stdout + done.stderr
        if done.returncode != 0:
            raise RuntimeError(f"netemu apply {path} failed:\n{dep.apply_output}")
        return dep

    try:
        yield deploy
    finally:
        for dep in made:
            done = dep.destroy()
            if done.returncode != 0:
                print(f"netemu destroy --prefix {dep.prefix}: {done.stdout}{done.stderr}",
                      file=sys.stderr)
