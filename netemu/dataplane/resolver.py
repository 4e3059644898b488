"""The VPC resolver process as the data plane runs it: ``ensure`` after ``apply`` (start, or
restart when what it serves changed), ``stop`` before ``destroy``, ``info`` for ``status``.

One process serves every VPC (``netemu.dns.resolver``). Its configuration is written to
``STATE/resolver.json``; the process is recorded in the state file (``services.resolver``:
pid, fingerprint of the configuration, log file) and stopped by that PID, after checking that
the PID still runs ``netemu.dns.resolver`` with this configuration (a recycled PID is never
signalled).
"""

from __future__ import annotations

import hashlib
import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from netemu.dataplane import names
from netemu.dataplane.plan import resolver_address
from netemu.dataplane.state import State, state_dir
from netemu.route53.model import ZoneSet
from netemu.vpc import dns as vpc_dns
from netemu.vpc import firewall as vpc_firewall
from netemu.vpc.model import Topology, Vpc

MODULE = "netemu.dns.resolver"
READY_SECONDS = 20.0
STOP_SECONDS = 5.0


class ResolverError(RuntimeError):
    pass


def config(topology: Topology, prefix: str, zones: Sequence[str], directory: Path,
           port: int = 53, time_scale: float = 1.0, api_state: str = "") -> dict[str, Any]:
    """What the resolver process serves (plain JSON; every decision is the model's)."""
    dns = topology.dns
    eni_ns = {}
    vpcs = []
    endpoint_enis = {a.eni for e in dns.endpoints for a in e.addresses}

    def enis(vpc: Vpc) -> list[tuple[str, str | None]]:
        return [(i.private_ip, i.public_ip) for i in vpc.instances if i.name not in endpoint_enis]

    for vpc in topology.vpcs:
        for inst in vpc.instances:
            eni_ns[(vpc.name, inst.name)] = names.ns_instance(prefix, vpc.name, inst.name)
        base2 = resolver_address(vpc)
        inbound = [(eni_ns[(vpc.name, a.eni)], a.ip) for e in dns.endpoints
                   if e.vpc == vpc.name and e.direction == "INBOUND" for a in e.addresses]
        peers = dns.peers_resolving(topology, vpc)
        seen = {vpc.name} | {p.name for p in peers}
        vpcs.append({
            "name": vpc.name, "region": vpc.region,
            "namespace": names.ns_router(prefix, vpc.name),
            "dns_support": vpc.enable_dns_support,
            "hostnames": vpc_dns.hostnames_active(vpc),
            "private_zones": vpc_dns.private_zones_active(vpc),
            "listen": list(vpc_dns.resolver_addresses(vpc, base2)),
            "inbound": inbound,
            "enis": enis(vpc),
            # V61: peers' names resolve to their private addresses (their Region's domain)
            "peer_enis": [(p.region, ip, pub) for p in peers for ip, pub in enis(p)],
            # V84: every other instance's public name answers its public address
            "public_names": [(v.region, pub) for v in topology.vpcs if v.name not in seen
                             for _ip, pub in enis(v) if pub],
            "dhcp_options": dns.options_for(vpc).describe(),
            # DNS Firewall: the rule groups associated with the VPC, in order, and their lists
            "firewall": vpc_firewall.vpc_config(dns.firewall, vpc.name),
        })
    outbound = {e.name: [(eni_ns[(e.vpc, a.eni)], a.ip) for a in e.addresses]
                for e in dns.endpoints if e.direction == "OUTBOUND"}
    rules = [{"name": r.name, "domain_name": r.domain_name, "rule_type": r.rule_type,
              "targets": [{"ip": t.ip, "port": t.port} for t in r.targets],
              "endpoint": r.endpoint, "vpcs": list(r.vpcs)} for r in dns.rules]
    body: dict[str, Any] = {
        "prefix": prefix, "port": port, "account_id": topology.account_id,
        "time_scale": time_scale,
        "zones": [str(Path(z).resolve()) for z in zones],
        # the durable state of a running ``netemu serve --state DIR``, followed (or "")
        "api_state": str(Path(api_state).resolve()) if api_state else "",
        "vpcs": vpcs, "rules": rules, "outbound": outbound,
        "internet_namespace": names.ns_internet(prefix) if topology.internet_hosts else None,
        "query_log_dir": str(directory / "resolver-query-logs"),
        "ready_file": str(directory / "resolver.ready"),
    }
    body["fingerprint"] = hashlib.sha256(json.dumps(body, sort_keys=True).encode()).hexdigest()[:16]
    return body


def notes(topology: Topology, zones: ZoneSet) -> list[str]:
    """What a user should know before asking: private zones no VPC of the topology will see."""
    vpcs = {v.name: v for v in topology.vpcs}
    out = []
    for z in zones.zones:
        for a in z.vpcs if z.private else ():
            v = vpcs.get(a.vpc_id)
            if v is None:
                out.append(f"private zone {z.name} ({z.source or 'API zone ' + z.id}) is "
                           f"associated with VPC "
                           f"{a.vpc_id}, which {topology.source or 'the topology'} does not have")
            elif not vpc_dns.private_zones_active(v):
                out.append(f"private zone {z.name} is not answered in VPC {v.name}: it needs "
                           "enable_dns_support and enable_dns_hostnames (R88)")
    return out


def needed(topology: Topology) -> bool:
    return any(v.enable_dns_support for v in topology.vpcs)


def _alive(pid: int, config_path: str) -> bool:
    """True when ``pid`` runs our resolver with ``config_path`` (never trust a bare PID)."""
    try:
        argv = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
    except OSError:
        return False
    return MODULE.encode() in argv and config_path.encode() in argv


def ensure(topology: Topology, prefix: str = names.PREFIX, directory: str | Path | None = None,
           zones: Sequence[str] | None = (), restart: bool = False, port: int = 53,
           time_scale: float = 1.0, api_state: str | Path | None = "") -> dict[str, Any] | None:
    """Make the running resolver serve ``topology``, ``zones`` (None: the zones it serves
    now) and the hosted zones stored in ``api_state`` (a ``netemu serve --state`` directory,
    followed as it changes; "" none; None: the one it follows now): start it, or restart it
    when its configuration changed, it died, or ``restart`` (apply recreated namespaces its
    sockets live in). Returns the state record, or None when no VPC has DNS support."""
    where = state_dir(str(directory) if directory else None)
    state = State.load(where)
    record = state.services.get("resolver")
    if zones is None:
        zones = _current_zones(record)
    if api_state is None:
        api_state = _current(record, "api_state") or ""
    if not needed(topology):
        stop(where)
        return None
    body = config(topology, prefix, zones, where, port, time_scale, str(api_state))
    if record and not restart and record.get("fingerprint") == body["fingerprint"] \
            and _alive(int(record["pid"]), record["config"]):
        return dict(record)
    stop(where)
    path = where / "resolver.json"
    path.write_text(json.dumps(body, indent=1, sort_keys=True))
    ready = Path(body["ready_file"])
    ready.unlink(missing_ok=True)
    log_path = where / "resolver.log"
    with open(log_path, "ab") as out, open(os.devnull, "rb") as devnull:
        proc = subprocess.Popen([sys.executable, "-m", MODULE, str(path)], stdin=devnull,
                                stdout=out, stderr=out, start_new_session=True,
                                env=dict(os.environ, PYTHONPATH=os.pathsep.join(
                                    filter(None, [str(Path(__file__).resolve().parents[2]),
                                                  os.environ.get("PYTHONPATH")]))))
    record = {"pid": proc.pid, "config": str(path), "fingerprint": body["fingerprint"],
              "log": str(log_path), "started": time.time()}
    state = State.load(where)
    state.services["resolver"] = record
    state.save()
    deadline = time.monotonic() + READY_SECONDS
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            state.services.pop("resolver", None)
            state.save()
            tail = log_path.read_text(errors="replace")[-2000:]
            raise ResolverError(f"the VPC resolver exited ({proc.returncode}): {tail.strip()}")
        try:
            if json.loads(ready.read_text()).get("pid") == proc.pid:
                return record
        except (OSError, ValueError):
            pass
        time.sleep(0.05)
    stop(where)
    raise ResolverError(f"the VPC resolver did not start within {READY_SECONDS:.0f}s "
                        f"(log {log_path})")


def _current_zones(record: dict[str, Any] | None) -> list[str]:
    return list(_current(record, "zones") or [])


def _current(record: dict[str, Any] | None, key: str) -> Any:
    """``key`` of the running resolver's configuration (None when there is none)."""
    if not record:
        return None
    try:
        return json.loads(Path(record["config"]).read_text()).get(key)
    except (OSError, ValueError, KeyError, AttributeError):
        return None


def stop(directory: str | Path | None = None) -> bool:
    """Stop the recorded resolver by its PID; True when one was running."""
    where = state_dir(str(directory) if directory else None)
    state = State.load(where)
    record = state.services.pop("resolver", None)
    if not record:
        return False
    pid, cfg = int(record["pid"]), str(record["config"])
    running = _alive(pid, cfg)
    if running:
        os.kill(pid, signal.SIGTERM)
        deadline = time.monotonic() + STOP_SECONDS
        while time.monotonic() < deadline and _alive(pid, cfg):
            _reap(pid)
            time.sleep(0.02)
        if _alive(pid, cfg):
            os.kill(pid, signal.SIGKILL)
        _reap(pid)
    (state.path.parent / "resolver.ready").unlink(missing_ok=True)
    if state.path.exists():
        state.save()
    return running


def _reap(pid: int) -> None:
    """Collect our own child (a test process that started it); others are not ours to wait."""
    try:
        os.waitpid(pid, os.WNOHANG)
    except ChildProcessError:
        pass


def info(state: State) -> dict[str, Any] | None:
    """What ``status`` shows: the process and each VPC's resolver and DHCP options."""
    record = state.services.get("resolver")
    if not record:
        return None
    out = dict(record, running=_alive(int(record["pid"]), str(record["config"])))
    try:
        cfg = json.loads(Path(record["config"]).read_text())
    except (OSError, ValueError):
        return out
    out["vpcs"] = [{"vpc": v["name"], "resolver": v["listen"] if v["dns_support"] else [],
                    "hostnames": v["hostnames"], "dhcp_options": v["dhcp_options"]}
                   for v in cfg["vpcs"]]
    out["zones"] = cfg["zones"]
    out["api_state"] = cfg.get("api_state", "")
    return out
