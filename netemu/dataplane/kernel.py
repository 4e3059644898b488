"""The only module that touches the kernel: pyroute2 for netlink (namespaces, links, addresses,
routes, rules), ``ip netns exec`` + ``nft -f`` / ``sysctl`` for rulesets and sysctls.

Safety (ARCHITECTURE.md): every function takes a namespace name and refuses one that does not
start with the prefix it is given; links are created *inside* netemu namespaces (a veth is
created in one of our namespaces with its peer placed directly in another), so the host
namespace never holds a netemu object, not even for a moment. Nothing here opens a netlink
socket on the host namespace except ``list_namespaces`` (which only reads /run/netns).
"""

from __future__ import annotations

import errno
import os
import shutil
import socket
import subprocess
import time
from pathlib import Path

from pyroute2 import IPRoute, netns

from netemu.dataplane import names
from netemu.dataplane.plan import Address, KernelRoute, KernelRule, Link, Namespace

NETNS_ETC = Path("/etc/netns")
RT_PROTO_KERNEL = 2
RT_TABLE_LOCAL = 255
SYSTEM_RULES = {0, 32766, 32767}


class KernelError(RuntimeError):
    """A kernel operation failed (the message names the namespace and the object)."""


def _own(ns: str, prefix: str) -> str:
    if not ns.startswith(prefix) or not prefix.startswith("netemu"):
        raise KernelError(f"refusing to touch namespace {ns!r}: not under prefix {prefix!r}")
    return ns


def _ipr(ns: str, prefix: str) -> IPRoute:
    return IPRoute(netns=_own(ns, prefix))


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


def create_namespace(ns: str, prefix: str, marker: str) -> None:
    _own(ns, prefix)
    netns.create(ns)
    with _ipr(ns, prefix) as ipr:
        lo = ipr.link_lookup(ifname="lo")[0]
        ipr.link("set", index=lo, state="up", ifalias=marker)


def delete_namespace(ns: str, prefix: str) -> None:
    _own(ns, prefix)
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


def create_bridge(ns: str, prefix: str, ifname: str, marker: str) -> None:
    with _ipr(ns, prefix) as ipr:
        if not ipr.link_lookup(ifname=ifname):
            ipr.link("add", ifname=ifname, kind="bridge")
        idx = ipr.link_lookup(ifname=ifname)[0]
        # A fixed address: otherwise the bridge takes its lowest port's, and removing that
        # port (an instance deleted by a later apply) changes the router's MAC under the
        # neighbours' ARP caches.
        ipr.link("set", index=idx, address=bridge_mac(ifname), state="up", ifalias=marker)


def bridge_mac(ifname: str) -> str:
    """A locally administered unicast MAC derived from a name (bridge or link end)."""
    h = names.digest(ifname, 10)
    return "02:" + ":".join(h[i:i + 2] for i in range(0, 10, 2))


def create_link(link: Link, prefix: str, marker: str) -> None:
    """A veth pair created inside ``link.a_ns`` with its peer placed directly in ``link.b_ns``."""
    _own(link.a_ns, prefix)
    _own(link.b_ns, prefix)
    with _ipr(link.a_ns, prefix) as a:
        old = a.link_lookup(ifname=link.a_if)
        if old:
            a.link("del", index=old[0])
        a.link("add", ifname=link.a_if, kind="veth",
               peer={"ifname": link.b_if, "net_ns_fd": link.b_ns})
        idx = a.link_lookup(ifname=link.a_if)[0]
        kw: dict[str, object] = {"state": "up", "ifalias": marker, "address": bridge_mac(link.id + "/a")}
        if link.a_master:
            kw["master"] = a.link_lookup(ifname=link.a_master)[0]
        a.link("set", index=idx, **kw)
    with _ipr(link.b_ns, prefix) as b:
        idx = b.link_lookup(ifname=link.b_if)[0]
        # Fixed addresses: a recreated node keeps its MAC, so neighbours' ARP caches stay right.
        kw = {"state": "up", "ifalias": marker, "address": bridge_mac(link.id + "/b")}
        if link.b_master:
            kw["master"] = b.link_lookup(ifname=link.b_master)[0]
        b.link("set", index=idx, **kw)


def delete_link_end(ns: str, prefix: str, ifname: str) -> None:
    """Deleting one veth end deletes the pair, synchronously."""
    try:
        with _ipr(ns, prefix) as ipr:
            found = ipr.link_lookup(ifname=ifname)
            if found:
                ipr.link("del", index=found[0])
    except OSError:
        pass  # the namespace is gone already


# --- configuration (reconciled in place) --------------------------------------------------


def configure(n: Namespace, prefix: str) -> None:
    """Make addresses, routes and rules exactly ``n``'s, then sysctls, nftables, resolv.conf."""
    _own(n.name, prefix)
    sysctl(n.name, prefix, n.sysctls)
    with _ipr(n.name, prefix) as ipr:
        index = {str(link.get("ifname")): int(link["index"]) for link in ipr.get_links()}
        for ifn in index:
            ipr.link("set", index=index[ifn], state="up")
        _reconcile_addresses(ipr, index, n.addresses)
        _reconcile_routes(ipr, index, n.routes, n.name)
        _reconcile_rules(ipr, n.rules)
    if n.nft:
        nft_apply(n.name, prefix, n.nft)
    write_resolver(n.name, prefix, n.resolver)


def _reconcile_addresses(ipr: IPRoute, index: dict[str, int], want: tuple[Address, ...]) -> None:
    names_by_index = {v: k for k, v in index.items()}
    have = set()
    for a in ipr.get_addr(family=socket.AF_INET):
        ifn = names_by_index.get(int(a["index"]), "?")
        cidr = f"{a.get('address')}/{a['prefixlen']}"
        if ifn == "lo" and cidr.startswith("127."):
            continue
        if Address(ifn, cidr) not in want:
            ipr.addr("del", index=int(a["index"]), address=a.get("address"), prefixlen=int(a["prefixlen"]))
        else:
            have.add(Address(ifn, cidr))
    for a in want:
        if a not in have:
            ip, plen = a.cidr.split("/")
            ipr.addr("add", index=index[a.ifname], address=ip, prefixlen=int(plen))


def _route_key(table: int, dst: str) -> tuple[int, str]:
    return (table, "0.0.0.0/0" if dst in ("default", "0.0.0.0/0") else dst)


def _reconcile_routes(ipr: IPRoute, index: dict[str, int], want: tuple[KernelRoute, ...], ns: str) -> None:
    wanted = {_route_key(r.table, r.dst) for r in want}
    for r in ipr.get_routes(family=socket.AF_INET, table=0):
        table = int(r.get("table") or r["table"])
        if table == RT_TABLE_LOCAL or r["proto"] == RT_PROTO_KERNEL:
            continue
        dst = f"{r.get('dst') or '0.0.0.0'}/{r['dst_len']}"
        if _route_key(table, dst) not in wanted:
            try:
                ipr.route("del", table=table, dst=dst, type=r["type"])
            except Exception:  # noqa: BLE001 - already gone
                pass
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
        try:
            ipr.route("replace", **kw)
        except Exception as e:  # noqa: BLE001
            raise KernelError(f"{ns}: route {r.dst} table {r.table}: {e}") from e


def _reconcile_rules(ipr: IPRoute, want: tuple[KernelRule, ...]) -> None:
    wanted = {(r.priority, r.iif, r.table) for r in want}
    have = set()
    for r in ipr.get_rules(family=socket.AF_INET):
        prio = int(r.get("priority") or 0)
        if prio in SYSTEM_RULES:
            continue
        key = (prio, str(r.get("iifname")), int(r.get("table") or r["table"]))
        if key in wanted:
            have.add(key)
        else:
            ipr.rule("del", priority=prio, table=key[2], iifname=key[1])
    for prio, iif, table in sorted(wanted - have):
        ipr.rule("add", priority=prio, iifname=iif, table=table)


def _in_ns(ns: str, prefix: str, argv: list[str], stdin: str | None = None) -> None:
    _own(ns, prefix)
    proc = subprocess.run(["ip", "netns", "exec", ns, *argv], input=stdin, text=True,
                          capture_output=True, check=False)
    if proc.returncode != 0:
        raise KernelError(f"{ns}: {' '.join(argv)}: {proc.stderr.strip()}")


def sysctl(ns: str, prefix: str, pairs: tuple[tuple[str, str], ...]) -> None:
    if pairs:
        _in_ns(ns, prefix, ["sysctl", "-q", "-e", "-w", *(f"{k}={v}" for k, v in pairs)])


def nft_apply(ns: str, prefix: str, ruleset: str) -> None:
    """One ``nft -f`` per ruleset: applied atomically inside the namespace."""
    _in_ns(ns, prefix, ["nft", "-f", "-"], stdin=ruleset)


def write_resolver(ns: str, prefix: str, resolver: str | None) -> None:
    _own(ns, prefix)
    d = NETNS_ETC / ns
    if resolver is None:
        if d.is_dir():
            shutil.rmtree(d, ignore_errors=True)
        return
    d.mkdir(parents=True, exist_ok=True)
    (d / "resolv.conf").write_text(f"# written by netemu for {ns}\nnameserver {resolver}\n")


# --- running commands in a node ------------------------------------------------------------


def exec_argv(ns: str, prefix: str, argv: list[str]) -> list[str]:
    """The command line that runs ``argv`` inside ``ns`` (resolv.conf of the node included)."""
    _own(ns, prefix)
    return ["ip", "netns", "exec", ns, *argv]


def run_in(ns: str, prefix: str, argv: list[str], timeout: float = 10.0,
           stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(exec_argv(ns, prefix, argv), input=stdin, text=True, capture_output=True,
                          timeout=timeout, check=False)


def popen_in(ns: str, prefix: str, argv: list[str], **kw: object) -> subprocess.Popen[str]:
    return subprocess.Popen(exec_argv(ns, prefix, argv), text=True, **kw)  # type: ignore[call-overload,no-any-return]


def exec_replace(ns: str, prefix: str, argv: list[str]) -> None:
    """Replace this process by ``argv`` running inside ``ns`` (``netemu exec``)."""
    full = exec_argv(ns, prefix, argv)
    os.execvp(full[0], full)
