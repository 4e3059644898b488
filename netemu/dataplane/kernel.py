"""The only module that touches the kernel: pyroute2 for netlink (namespaces, links, addresses,
routes, rules), ``ip netns exec`` + ``nft -f`` / ``sysctl`` for rulesets and sysctls.

Safety (docs/architecture.md): every function takes a namespace name and refuses one that does not
start with the prefix it is given; links are created *inside* netemu namespaces (a veth is
created in one of our namespaces with its peer placed directly in another), so the host
namespace never holds a netemu object, not even for a moment. Nothing here opens a netlink
socket on the host namespace except ``list_namespaces`` (which only reads /run/netns).
"""

from __future__ import annotations

import contextlib
import errno
import os
import re
import shutil
import socket
import subprocess
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from pyroute2 import IPRoute, netns

from netemu.dataplane import names
from netemu.dataplane.plan import Address, KernelRoute, KernelRule, Link, Namespace

NETNS_ETC = Path("/etc/netns")
RT_PROTO_KERNEL = 2
RT_TABLE_LOCAL = 255
SYSTEM_RULES = {0, 32766, 32767}


class KernelError(RuntimeError):
    """A kernel operation failed (the message names the namespace and the object).
    ``command`` is the line of an ``ip -batch`` script the kernel refused, when known, and
    ``detail`` the kernel's (or the tool's) own message."""

    def __init__(self, message: str, command: str | None = None, detail: str = "") -> None:
        super().__init__(message)
        self.command, self.detail = command, detail or message


_FAILED_LINE = re.compile(r"Command failed -:(\d+)")


def _failure(where: str, stderr: str, script: str | None = None) -> KernelError:
    """A KernelError naming ``where``, the batch line that failed (``ip -batch`` reports its
    number) and the kernel's message."""
    detail = "; ".join(line.strip() for line in stderr.strip().splitlines()
                       if line.strip() and not _FAILED_LINE.match(line.strip()))
    found = _FAILED_LINE.search(stderr)
    lines = (script or "").splitlines()
    command = None
    if found and 0 < int(found.group(1)) <= len(lines):
        command = lines[int(found.group(1)) - 1].strip()
    detail = detail or "failed without a message"
    message = f"{where}: `{command}`: {detail}" if command else f"{where}: {detail}"
    return KernelError(message, command, detail)


def _own(ns: str, prefix: str) -> str:
    if not ns.startswith(prefix) or not prefix.startswith("netemu"):
        raise KernelError(f"refusing to touch namespace {ns!r}: not under prefix {prefix!r}")
    return ns


class _Cached:
    """A netlink socket per namespace, kept for the duration of a ``session()`` (pyroute2 forks
    a helper to open a socket inside a namespace, ~20 ms each) and used by one thread at a time."""

    def __init__(self, ipr: IPRoute, lock: threading.Lock | None) -> None:
        self.ipr, self.lock = ipr, lock

    def __enter__(self) -> IPRoute:
        if self.lock is not None:
            self.lock.acquire()
        return self.ipr

    def __exit__(self, *exc: object) -> None:
        if self.lock is None:
            self.ipr.close()
        else:
            self.lock.release()


_cache: dict[str, tuple[IPRoute, threading.Lock]] | None = None
_cache_lock = threading.Lock()


@contextmanager
def session() -> Iterator[None]:
    """Keep netlink sockets open across calls until the block ends (used by apply)."""
    global _cache
    with _cache_lock:
        _cache = {}
    try:
        yield
    finally:
        with _cache_lock:
            cache, _cache = _cache, None
        for ipr, _lock in (cache or {}).values():
            ipr.close()


def _forget(ns: str) -> None:
    with _cache_lock:
        if _cache is not None and ns in _cache:
            ipr, lock = _cache.pop(ns)
            with lock:
                ipr.close()


def _ipr(ns: str, prefix: str) -> _Cached:
    _own(ns, prefix)
    with _cache_lock:
        if _cache is None:
            return _Cached(IPRoute(netns=ns), None)
        entry = _cache.get(ns)
    if entry is None:
        made = (IPRoute(netns=ns), threading.Lock())
        with _cache_lock:
            if _cache is None:
                return _Cached(made[0], None)
            entry = _cache.setdefault(ns, made)
        if entry is not made:
            made[0].close()
    return _Cached(entry[0], entry[1])


# --- namespaces ----------------------------------------------------------------------------


def list_namespaces(prefix: str) -> list[str]:
    """Names under /run/netns that start with ``prefix`` (nothing else is ever returned)."""
    return sorted(n for n in netns.listnetns() if n.startswith(prefix))


def marker_of(ns: str, prefix: str) -> str | None:
    """The ownership marker (ifalias of ``lo``), or None when unset or unreadable."""
    try:
        with _ipr(ns, prefix) as ipr:
            for link in ipr.get_links():
                if link.get("ifname") == "lo":
                    alias = link.get("ifalias")
                    return str(alias) if alias else None
    except Exception:  # noqa: BLE001 - a namespace half-made or vanishing: no marker
        return None
    return None


def create_namespaces(spaces: list[str], prefix: str) -> None:
    """Create many namespaces with one ``ip -batch`` process (50 take ~80 ms); markers and
    everything inside follow with ``mark_namespace``."""
    for ns in spaces:
        _own(ns, prefix)
    existing = set(list_namespaces(prefix))
    todo = [ns for ns in spaces if ns not in existing]
    if not todo:
        return
    script = "".join(f"netns add {ns}\n" for ns in todo)
    proc = subprocess.run(["ip", "-batch", "-"], input=script,
                          text=True, capture_output=True, check=False)
    if proc.returncode != 0:
        raise _failure("creating namespaces", proc.stderr, script)


def mark_namespace(ns: str, prefix: str, marker: str, bridges: dict[str, str] | None = None,
                   sysctls: tuple[tuple[str, str], ...] = (),
                   mtus: dict[str, int] | None = None) -> None:
    """Set the namespace's sysctls first (interfaces created later inherit ``default.*``: IPv6
    off, or on without DAD and autoconfiguration), then the ownership marker (ifalias of ``lo``)
    and the bridges (name -> marker, with their MTU from ``mtus``): one process inside ``ns``."""
    _own(ns, prefix)
    mtus = mtus or {}
    lines = [f"link set dev lo up alias {marker}"]
    for br, br_marker in sorted((bridges or {}).items()):
        lines.append(f"link add {br} address {bridge_mac(br)} mtu {mtus.get(br, 1500)} type bridge")
        lines.append(f"link set dev {br} up alias {br_marker}")
    script = 'sysctl -q -e -w "$@" >/dev/null; exec ip -batch -'
    _in_ns(ns, prefix, ["sh", "-c", script, "sh", *(f"{k}={v}" for k, v in sysctls)],
           stdin="\n".join(lines) + "\n", what="marking the namespace")


def delete_namespace(ns: str, prefix: str) -> None:
    _own(ns, prefix)
    _forget(ns)
    try:
        netns.remove(ns)
    except OSError as e:
        if e.errno != errno.ENOENT:
            raise
    d = NETNS_ETC / ns
    if d.is_dir() and d.parent == NETNS_ETC and d.name.startswith(prefix):
        shutil.rmtree(d, ignore_errors=True)


def wait_gone(namespaces: list[str], prefix: str, timeout: float = 10.0) -> list[str]:
    """Wait until none of ``namespaces`` is listed any more; returns those still there."""
    deadline = time.monotonic() + timeout
    left = [n for n in namespaces if n in list_namespaces(prefix)]
    while left and time.monotonic() < deadline:
        time.sleep(0.05)
        left = [n for n in namespaces if n in list_namespaces(prefix)]
    return left


def netns_etc_dirs(prefix: str) -> list[str]:
    if not NETNS_ETC.is_dir():
        return []
    return sorted(d.name for d in NETNS_ETC.iterdir() if d.name.startswith(prefix))


def remove_netns_etc(name: str, prefix: str) -> None:
    _own(name, prefix)
    shutil.rmtree(NETNS_ETC / name, ignore_errors=True)


# --- links ---------------------------------------------------------------------------------


def _index(ipr: IPRoute, ifname: str) -> int | None:
    """Interface index by name with one request (``link_lookup`` dumps every link: O(n))."""
    try:
        return int(ipr.link("get", ifname=ifname)[0]["index"])
    except Exception:  # noqa: BLE001 - no such device
        return None


def bridge_mac(ifname: str) -> str:
    """A locally administered unicast MAC derived from a name (bridge or link end)."""
    h = names.digest(ifname, 10)
    return "02:" + ":".join(h[i:i + 2] for i in range(0, 10, 2))


def create_links_batch(a_ns: str, links: list[Link], prefix: str, markers: dict[str, str]) -> None:
    """All veth pairs whose ``a`` end lives in ``a_ns``, with one ``ip -batch`` process (pyroute2
    0.9 costs ~20-50 ms per pair here; ``ip -batch`` ~1 ms). Peers are created directly in
    their namespaces; fixed MACs keep neighbours' ARP caches valid when a node is recreated."""
    _own(a_ns, prefix)
    with _ipr(a_ns, prefix) as ipr:
        existing = {str(x.get("ifname")) for x in ipr.get_links()}
    lines = []
    for link in links:
        _own(link.b_ns, prefix)
        if link.a_ns != a_ns or link.b_master is not None:
            raise KernelError(f"{link.id}: batch creation needs a_ns={a_ns} and no b_master")
        if link.a_if in existing:
            lines.append(f"link del dev {link.a_if}")
        lines.append(f"link add {link.a_if} address {bridge_mac(link.id + '/a')} mtu {link.mtu}"
                     f" type veth peer name {link.b_if} address {bridge_mac(link.id + '/b')}"
                     f" mtu {link.mtu} netns {link.b_ns}")
        master = f" master {link.a_master}" if link.a_master else ""
        lines.append(f"link set dev {link.a_if}{master} up alias {markers[link.id]}")
    script = "\n".join(lines) + "\n"
    proc = subprocess.run(["ip", "-n", a_ns, "-batch", "-"], input=script, text=True,
                          capture_output=True, check=False)
    if proc.returncode != 0:
        raise _failure(a_ns, proc.stderr, script)


def configure_new(n: Namespace, prefix: str) -> None:
    """Configure a namespace created by this run (nothing to reconcile): one ``ip -batch``
    process, then sysctls and nftables in one more, then resolv.conf."""
    _own(n.name, prefix)
    for argv, script in ((["ip", "-n", n.name, "-batch", "-"], n.batch()),
                         (["ip", "-6", "-n", n.name, "-batch", "-"], n.batch6())):
        if not script:
            continue
        proc = subprocess.run(argv, input=script, text=True, capture_output=True, check=False)
        if proc.returncode != 0:
            raise _failure(n.name, proc.stderr, script)
    sysctl_and_nft(n.name, prefix, n.sysctls, n.nft)
    write_resolver(n.name, prefix, n.resolv_conf)


def delete_link_end(ns: str, prefix: str, ifname: str) -> None:
    """Deleting one veth end deletes the pair, synchronously."""
    try:
        with _ipr(ns, prefix) as ipr:
            found = _index(ipr, ifname)
            if found is not None:
                ipr.link("del", index=found)
    except OSError:
        pass  # the namespace is gone already


# --- configuration (reconciled in place) --------------------------------------------------


def configure(n: Namespace, prefix: str) -> None:
    """Make addresses, routes and rules exactly ``n``'s, then sysctls, nftables, resolv.conf."""
    _own(n.name, prefix)
    sysctl(n.name, prefix, n.sysctls)
    with _ipr(n.name, prefix) as ipr:
        index = {str(link.get("ifname")): int(link["index"]) for link in ipr.get_links()}
        for idx in index.values():
            ipr.link("set", index=idx, state="up")
        _reconcile_addresses(ipr, index, n.addresses)
        _reconcile_routes(ipr, index, n.routes, n.name)
        _reconcile_rules(ipr, n.rules)
    if n.nft:
        nft_apply(n.name, prefix, n.nft)
    write_resolver(n.name, prefix, n.resolv_conf)


def _reconcile_addresses(ipr: IPRoute, index: dict[str, int], want: tuple[Address, ...]) -> None:
    names_by_index = {v: k for k, v in index.items()}
    have = set()
    for a in list(ipr.get_addr(family=socket.AF_INET)) + list(ipr.get_addr(family=socket.AF_INET6)):
        ifn = names_by_index.get(int(a["index"]), "?")
        cidr = f"{a.get('address')}/{a['prefixlen']}"
        if (ifn == "lo" and (cidr.startswith("127.") or cidr == "::1/128")) or cidr.startswith(
            "fe80:"
        ):
            continue
        if Address(ifn, cidr) not in want:
            ipr.addr(
                "del",
                index=int(a["index"]),
                address=a.get("address"),
                prefixlen=int(a["prefixlen"]),
            )
        else:
            have.add(Address(ifn, cidr))
    for a in want:
        if a not in have:
            ip, plen = a.cidr.split("/")
            ipr.addr("add", index=index[a.ifname], address=ip, prefixlen=int(plen))


def _route_key(table: int, dst: str) -> tuple[int, str]:
    return (
        table,
        "0.0.0.0/0" if dst in ("default", "0.0.0.0/0") else "::/0" if dst == "::/0" else dst,
    )


def _reconcile_routes(
    ipr: IPRoute, index: dict[str, int], want: tuple[KernelRoute, ...], ns: str
) -> None:
    wanted = {_route_key(r.table, r.dst) for r in want}
    dumped = [(r, "0.0.0.0") for r in ipr.get_routes(family=socket.AF_INET)]  # every table
    dumped += [(r, "::") for r in ipr.get_routes(family=socket.AF_INET6)]
    for r, zero in dumped:
        table = int(r.get("table") or r["table"])
        if (
            table == RT_TABLE_LOCAL
            or r["proto"] == RT_PROTO_KERNEL
            or r["type"] != 1
            and r["type"] != 6
        ):
            continue
        dst = f"{r.get('dst') or zero}/{r['dst_len']}"
        if _route_key(table, dst) not in wanted:
            with contextlib.suppress(Exception):  # already gone
                ipr.route("del", table=table, dst=dst, type=r["type"])
    # Direct (dev-only) routes first: a ``via`` route needs its gateway reachable.
    for r in sorted(want, key=lambda r: (r.via is not None, r.table, r.dst)):
        kw: dict[str, object] = {"dst": r.dst, "table": r.table, "proto": "static"}
        if r.kind == "blackhole":
            kw["type"] = "blackhole"
        else:
            if r.dev is not None:
                if r.dev not in index:
                    raise KernelError(f"{ns}: route {r.dst}: no interface {r.dev}")
                kw["oif"] = index[r.dev]
            if r.via is not None:
                kw["gateway"] = r.via
            else:
                kw["scope"] = "link"
            if r.src is not None:
                kw["prefsrc"] = r.src
            if r.mtu is not None:
                kw["metrics"] = {"mtu": r.mtu}
        try:
            ipr.route("replace", **kw)
        except Exception as e:
            raise KernelError(f"{ns}: route {r.dst} table {r.table}: {e}") from e


def _reconcile_rules(ipr: IPRoute, want: tuple[KernelRule, ...]) -> None:
    """Rules keyed by (family, priority, iif, table, source, mark): an arriving interface (the
    routers), a /32 source address (an instance's ENIs, V185), and a conntrack-set mark (the
    transit gateway's appliance-mode choice, V78)."""
    wanted = {(r.family, r.priority, r.iif or "None", r.table, r.src or "None",
               r.fwmark or (0, 0)) for r in want}
    have = set()
    for fam, af in ((4, socket.AF_INET), (6, socket.AF_INET6)):
        for r in ipr.get_rules(family=af):
            prio = int(r.get("priority") or 0)
            if prio in SYSTEM_RULES:
                continue
            mark = (int(r.get("fwmark") or 0), int(r.get("fwmask") or 0)) if r.get(
                "fwmark") else (0, 0)
            key = (fam, prio, str(r.get("iifname")), int(r.get("table") or r["table"]),
                   str(r.get("src")), mark)
            if key in wanted:
                have.add(key)
                continue
            sel: dict[str, object] = {"iifname": key[2]} if key[2] != "None" else {}
            if key[4] != "None":
                sel.update(src=key[4], src_len=int(r["src_len"]))
            ipr.rule("del", family=af, priority=prio, table=key[3], **sel, **_fwmark(mark))
    for fam, prio, iif, table, src, mark in sorted(wanted - have):
        add: dict[str, object] = {"iifname": iif} if iif != "None" else {}
        if src != "None":
            add.update(src=src, src_len=32 if fam == 4 else 128)
        ipr.rule(
            "add",
            family=socket.AF_INET if fam == 4 else socket.AF_INET6,
            priority=prio,
            table=table,
            **add,
            **_fwmark(mark),
        )


def _fwmark(mark: tuple[int, int]) -> dict[str, int]:
    """pyroute2's words for a rule's (mark, mask); none for a rule without one."""
    return {"fwmark": mark[0], "fwmask": mark[1]} if mark[0] else {}


def _in_ns(ns: str, prefix: str, argv: list[str], stdin: str | None = None,
           what: str = "") -> None:
    _own(ns, prefix)
    proc = subprocess.run(["ip", "netns", "exec", ns, *argv], input=stdin, text=True,
                          capture_output=True, check=False)
    if proc.returncode != 0:
        if _FAILED_LINE.search(proc.stderr):   # an ``ip -batch`` script on stdin
            raise _failure(ns, proc.stderr, stdin)
        raise _failure(f"{ns}: {what or ' '.join(argv)}", proc.stderr)


def sysctl(ns: str, prefix: str, pairs: tuple[tuple[str, str], ...]) -> None:
    if pairs:
        _in_ns(ns, prefix, ["sysctl", "-q", "-e", "-w", *(f"{k}={v}" for k, v in pairs)])


def sysctl_and_nft(ns: str, prefix: str, pairs: tuple[tuple[str, str], ...], ruleset: str) -> None:
    """Sysctls, then the ruleset (atomically), in one process inside the namespace."""
    script = 'sysctl -q -e -w "$@" >/dev/null' + (" && exec nft -f -" if ruleset else "")
    _in_ns(ns, prefix, ["sh", "-c", script, "sh", *(f"{k}={v}" for k, v in pairs)],
           stdin=ruleset or None, what="sysctls, then the nftables ruleset (nft -f)")


def nft_apply(ns: str, prefix: str, ruleset: str) -> None:
    """One ``nft -f`` per ruleset: applied atomically inside the namespace."""
    _in_ns(ns, prefix, ["nft", "-f", "-"], stdin=ruleset, what="the nftables ruleset (nft -f)")


def write_resolver(ns: str, prefix: str, resolv_conf: str | None) -> None:
    """``resolv_conf``: the node's DHCP options (search domain, name servers) as resolv.conf
    lines; None: no resolv.conf for this namespace."""
    _own(ns, prefix)
    d = NETNS_ETC / ns
    if resolv_conf is None:
        if d.is_dir():
            shutil.rmtree(d, ignore_errors=True)
        return
    d.mkdir(parents=True, exist_ok=True)
    (d / "resolv.conf").write_text(f"# written by netemu for {ns}\n{resolv_conf}")


# --- running commands in a node ------------------------------------------------------------


def exec_argv(ns: str, prefix: str, argv: list[str]) -> list[str]:
    """The command line that runs ``argv`` inside ``ns`` (resolv.conf of the node included)."""
    _own(ns, prefix)
    return ["ip", "netns", "exec", ns, *argv]


def exec_replace(ns: str, prefix: str, argv: list[str]) -> None:
    """Replace this process by ``argv`` running inside ``ns`` (``netemu exec``)."""
    full = exec_argv(ns, prefix, argv)
    os.execvp(full[0], full)
