"""The Route 53 Resolver of every VPC: one process, one asyncio loop, sockets in each VPC's
router namespace (``python -m netemu.dns.resolver CONFIG``, started by ``netemu apply``).

Theory of operation. ``netemu.dataplane.resolver`` writes CONFIG (JSON) and starts this
process; it opens a UDP and a TCP socket on every resolver address of every VPC with DNS support
(base + 2, 169.254.169.253, fd00:ec2::253: V80) *inside* that VPC's router namespace (setns,
bind, setns back), on the addresses of inbound endpoints inside their ENIs' namespaces, and one
UDP socket per outbound endpoint ENI; then it serves them all from one loop. The socket a query
arrives on says which VPC asked.

What is answered comes from the same pure engine and the same compiled snapshot kind as
``netemu serve`` (``api.snapshot.SnapshotBuilder``, as ``serve --api`` compiles: a change
recompiles only the zones it touched); the resolver adds only what a resolver knows:

- the querying VPC: its private zones (R88-R91) and its Region as client location (R58, R64),
  passed to ``handler.handle``;
- EC2 hostnames (V82-V84): per VPC, private zones of Amazon-provided names built from the
  topology (``ec2_zone_docs``) and compiled into the same snapshot;
- the public names of load balancers and AWS service hosts (R162; S3's and DynamoDB's behind
  gateway endpoints, V186): public service zones from CONFIG ``aws_resources`` (``aws_zones``);
- Resolver rules (R92-R93, ``vpc.dns.rule_table``): FORWARD rules send the query, unchanged but
  for its id, to the rule's targets from the outbound endpoint's ENI addresses; SYSTEM rules and
  the autodefined rules answer here;
- recursion, as a recursive resolver (``route53.recursion``, pure, says what to ask next;
  ``_drive`` asks it): a CNAME chain is followed, each target asked again from the start
  (rules, the zones the VPC sees, delegations), and answered whole with the last name's rcode
  (R195; a loop or more than 16 links is SERVFAIL, R196); a referral from a public zone served
  by netemu (NS records below its apex) is followed level by level to the servers each
  delegation names, from a socket in the emulated internet's namespace, so DNS servers run on
  internet hosts of the topology really answer, glueless delegations too (R197). Bounded: 8
  referrals per name, 24 queries to servers, ``RESOLVE_SECONDS`` per client query. An answer
  that needed nothing more is sent as it came. A name no zone holds is NXDOMAIN at once (nobody
  else to ask); never a hang. Answers carry RA and no AA, as a recursive resolver's do; a query
  without RD is REFUSED (V80: the Resolver only serves recursive queries). DNS Firewall sees
  every name of a chain before it is asked (R149); the override domain of a query an OVERRIDE
  rule blocks is resolved as a chain that starts with the rule's CNAME (R142).

Zone files are watched (polled every ``WATCH_SECONDS``): a changed, valid set replaces the
snapshot without re-applying; an invalid one is logged and the old snapshot kept.

The durable state of a running ``netemu serve --state DIR`` (CONFIG ``api_state``, from ``netemu
apply --api-state DIR``) is followed through the store's own interface only
(``netemu.api.follow.StoreFollower``: ``load`` once, then ``changes_since`` every
``STORE_POLL_SECONDS``): its hosted zones, public and private, are served beside the files' as
they are committed. A private zone's VPC association names a topology VPC by name, as in zone
files. Their health checks are probed by this process, as the files' are (the server's own
observations are not in the store). Its DNS Firewall (the Route53Resolver API's rows) is applied
beside the topology's after each poll that changed it (``follow_api_firewall``).
"""

from __future__ import annotations

import asyncio
import contextlib
import ctypes
import functools
import hashlib
import itertools
import json
import logging
import os
import random
import signal
import socket
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from pathlib import Path
from types import MappingProxyType
from typing import Any

from netemu.api import resolver_firewall
from netemu.api.follow import StoreFollower
from netemu.api.snapshot import SnapshotBuilder
from netemu.api.store import open_store
from netemu.dns import codec, framing, limits
from netemu.dns.handler import Serving, handle
from netemu.errors import LoadError
from netemu.route53 import recursion, resources
from netemu.route53.answer import Rcode
from netemu.route53.client import ClientContext
from netemu.route53.health import ALL_HEALTHY, HealthSnapshot
from netemu.route53.load import expand, load_zone_files, load_zone_text
from netemu.route53.model import HostedZone, ZoneSet
from netemu.vpc import dns as vpc_dns
from netemu.vpc import firewall as vpc_firewall

log = logging.getLogger("netemu.resolver")

WATCH_SECONDS = 1.0
STORE_POLL_SECONDS = 0.1    # a poll is one indexed query on the change log
FORWARD_TIMEOUT = 1.5       # per target; dig's default is 5 s for the whole query
RESOLVE_SECONDS = 4.0       # everything one client query may wait on the network (R197)
_MAX_LOCAL_STEPS = 4 * (recursion.MAX_LINKS + recursion.MAX_REFERRALS + recursion.MAX_QUERIES)
CLONE_NEWNET = 0x40000000
FLAG_RD, FLAG_RA, FLAG_AA = 0x0100, 0x0080, 0x0400


# --- namespaces -------------------------------------------------------------------------------

_libc = ctypes.CDLL(None, use_errno=True)


def _setns(fd: int) -> None:
    if _libc.setns(fd, CLONE_NEWNET) != 0:
        err = ctypes.get_errno()
        raise OSError(err, os.strerror(err))


@contextlib.contextmanager
def in_netns(name: str) -> Iterator[None]:
    """Run the body (socket creation) inside network namespace ``name`` (this thread only)."""
    home = os.open("/proc/self/ns/net", os.O_RDONLY)
    target = os.open(f"/run/netns/{name}", os.O_RDONLY)
    try:
        _setns(target)
        try:
            yield
        finally:
            _setns(home)
    finally:
        os.close(target)
        os.close(home)


def _bound(kind: int, ip: str, port: int) -> socket.socket:
    family = socket.AF_INET6 if ":" in ip else socket.AF_INET
    sock = socket.socket(family, kind)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.setblocking(False)
    sock.bind((ip, port))
    if kind == socket.SOCK_STREAM:
        sock.listen(64)
    return sock


# --- what one VPC's resolver knows --------------------------------------------------------------


@dataclass
class VpcFirewall:
    """One VPC's DNS Firewall as the resolver applies it; the verdict is ``vpc.firewall``'s.
    Domain lists read from a file are read again when the file changes (as UpdateFirewallDomains
    would change them); a file that cannot be read or holds an invalid line leaves its list
    unusable, so the VPC's fail-open setting decides (R146)."""

    groups: tuple[vpc_firewall.RuleGroup, ...] = ()
    fail_open: bool = False
    lists: dict[str, dict[str, Any]] = field(default_factory=dict)
    compiled: dict[str, vpc_firewall.CompiledList | None] = field(default_factory=dict)
    signature: object = None

    @classmethod
    def from_config(cls, body: dict[str, Any] | None) -> VpcFirewall:
        if not body:
            return cls()
        out = cls(vpc_firewall.groups_from_json(body), bool(body.get("fail_open")),
                  dict(body.get("lists", {})))
        out.reload()
        return out

    def file_signature(self) -> object:
        out = []
        for name, spec in sorted(self.lists.items()):
            if spec.get("file"):
                try:
                    st = Path(spec["file"]).stat()
                    out.append((name, st.st_mtime_ns, st.st_size))
                except OSError:
                    out.append((name, 0, -1))
        return tuple(out)

    def reload(self) -> None:
        self.signature = self.file_signature()
        for name, spec in self.lists.items():
            domains = list(spec.get("domains", []))
            if spec.get("file"):
                try:
                    got, bad = vpc_firewall.parse_domain_file(Path(spec["file"]).read_text())
                except (OSError, UnicodeDecodeError) as exc:
                    log.error("DNS Firewall domain list %s: cannot read %s: %s", name,
                              spec["file"], exc)
                    self.compiled[name] = None
                    continue
                if bad:
                    log.error("DNS Firewall domain list %s: %s holds invalid domains %s", name,
                              spec["file"], ", ".join(bad[:5]))
                    self.compiled[name] = None
                    continue
                domains += got
            self.compiled[name] = vpc_firewall.compile_list(domains)

    def verdict(self, name: str, qtype: str) -> vpc_firewall.Verdict | None:
        if not self.groups:
            return None
        return vpc_firewall.evaluate(name, qtype, self.groups, self.compiled, self.fail_open)


@dataclass
class VpcResolver:
    name: str
    region: str
    private_zones: bool               # R88: both DNS attributes on
    rules: tuple[vpc_dns.ResolverRule, ...]
    table: vpc_dns.RuleTable = field(default_factory=vpc_dns.RuleTable)
    firewall: VpcFirewall = field(default_factory=VpcFirewall)

    @property
    def client(self) -> tuple[str | None, str]:
        return (self.name if self.private_zones else None, self.region)

    def context(self, source_ip: str, _subnet: object, _vpc: object,
                locator: Any) -> ClientContext:
        """``handle``'s ``client_type`` for this VPC: its private zones (none when R88's
        attributes are off), its Region as the location (R58, R64), no ECS (R72)."""
        return ClientContext(source_ip, None, self.client[0], locator, self.region)


def ec2_zone_docs(topology_vpcs: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Route 53-shaped private zones holding the Amazon-provided names of each VPC whose DNS
    attributes are both on (V82): ``ip-a-b-c-d.DOMAIN`` A records (V83), their PTRs, and
    ``ec2-PUBLIC.compute...amazonaws.com`` answering the private address inside the VPC and the
    public one for other VPCs' instances (V84); a peer's names too when the peering allows DNS
    resolution (V61).
    ``topology_vpcs``: the ``vpcs`` of the resolver config."""
    docs: list[dict[str, Any]] = []
    for v in topology_vpcs:
        if not v["hostnames"]:
            continue
        region, vpc = v["region"], v["name"]
        zones: dict[str, list[dict[str, Any]]] = {}

        def add(zone: str, name: str, rtype: str, value: str,
                zones: dict[str, list[dict[str, Any]]] = zones) -> None:
            zones.setdefault(zone, []).append(
                {"Name": name, "Type": rtype, "TTL": vpc_dns.EC2_TTL,
                 "ResourceRecords": [{"Value": value}]})

        own = [(region, ip, pub) for ip, pub in v["enis"]]
        for where, private_ip, public_ip in own + [tuple(e) for e in v.get("peer_enis", [])]:
            host = vpc_dns.private_hostname(private_ip, where)
            add(vpc_dns.default_domain(where) + ".", host, "A", private_ip)
            add(vpc_dns.reverse_zone(private_ip), vpc_dns.reverse_pointer(private_ip), "PTR", host)
            if public_ip:   # inside the VPC (and peers with DNS resolution): private (V84, V61)
                add(vpc_dns.public_domain(where) + ".",
                    vpc_dns.public_hostname(public_ip, where), "A", private_ip)
        for where, public_ip in v.get("public_names", []):   # elsewhere: the public address
            add(vpc_dns.public_domain(where) + ".", vpc_dns.public_hostname(public_ip, where),
                "A", public_ip)
        for zone, records in sorted(zones.items()):
            docs.append({
                "HostedZone": {"Id": _zone_id(vpc, zone), "Name": zone,
                               "Config": {"PrivateZone": True,
                                          "Comment": f"netemu: Amazon-provided names of {vpc}"}},
                "VPCs": [{"VPCRegion": region, "VPCId": vpc}],
                "ResourceRecordSets": records,
            })
    return docs


def _zone_id(vpc: str, zone: str) -> str:
    return "ZEC2" + hashlib.sha256(f"{vpc}|{zone}".encode()).hexdigest()[:16].upper()


@functools.lru_cache(maxsize=4096)
def _ec2_zones(text: str, name: str) -> tuple[HostedZone, ...]:
    """Parsed once per content: a republish keeps the same zone objects (and compiles less)."""
    return load_zone_text(text, f"<ec2 names {name}>").zones


@functools.lru_cache(maxsize=256)
def _service_zones(text: str, ids_text: str) -> tuple[HostedZone, ...]:
    """A service zone (R162) with its load balancers' health check ids (R164), parsed once per
    content: an unchanged report republishes the very same zone objects (nothing recompiled)."""
    ids = json.loads(ids_text)
    return tuple(replace(zone, record_sets=tuple(
        replace(r, health_check_id=ids[r.name]) if r.name in ids else r
        for r in zone.record_sets)) for zone in _ec2_zones(text, "aws resources"))


def merged_zoneset(user: ZoneSet, docs: list[dict[str, Any]]) -> ZoneSet:
    """The user's zones plus the Amazon-provided names; a user's private zone of the same name
    for the same VPC wins (the synthetic one is left out)."""
    taken = {(z.name, v.vpc_id) for z in user.zones if z.private for v in z.vpcs}
    extra: list[HostedZone] = []
    for doc in docs:
        name = doc["HostedZone"]["Name"]
        if (name, doc["VPCs"][0]["VPCId"]) in taken:
            continue
        extra.extend(_ec2_zones(json.dumps(doc, sort_keys=True), name))
    return ZoneSet(user.zones + tuple(extra), user.health_checks, user.cidr_collections)


# --- the service ----------------------------------------------------------------------------------


class _Forwarder(asyncio.DatagramProtocol):
    """One UDP socket on an outbound endpoint ENI address: forwarded queries leave from it."""

    def __init__(self, ns: str = "", ip: str = "0.0.0.0") -> None:
        self.pending: dict[tuple[int, str, int], asyncio.Future[bytes]] = {}
        self.transport: Any = None
        self.ns, self.ip = ns, ip   # where TCP queries are sent from too

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport

    def datagram_received(self, data: bytes, addr: tuple[Any, ...]) -> None:
        if len(data) < 12:
            return
        key = (int.from_bytes(data[:2], "big"), str(addr[0]), int(addr[1]))
        fut = self.pending.pop(key, None)
        if fut is not None and not fut.done():
            fut.set_result(data)

    def error_received(self, exc: Exception) -> None:
        log.debug("forwarder: %s", exc)


@dataclass
class _Asking:
    """One client query being resolved: what the reply and the query log need."""

    wire: bytes
    query: codec.Query
    vpc: VpcResolver
    peer: Any
    transport: str
    name: str
    verdict: vpc_firewall.Verdict | None
    fw_log: dict[str, str]
    first_reply: bytes | None = None   # the reply to the client's own question, as it came
    rule: str | None = None            # the forwarding rule that took the client's question


@dataclass(frozen=True)
class _Network:
    """A query ``res`` needs sent: to ``targets`` from ``sources`` (a forwarding ``rule``'s,
    or the emulated internet's for a delegation when ``rule`` is None)."""

    res: recursion.Resolution
    step: recursion.Ask
    targets: tuple[vpc_dns.ResolverTarget, ...]
    sources: list[_Forwarder]
    rule: str | None


def _qtype(step: recursion.Ask, query: codec.Query) -> int:
    return query.qtype if step.qtype == query.type_name else codec.TYPE_CODES[step.qtype]


class ResolverService:
    def __init__(self, config: dict[str, Any]) -> None:
        self.config = config
        self.rng = random.Random()
        self.vpcs = {v["name"]: VpcResolver(
            v["name"], v["region"], v["private_zones"],
            tuple(vpc_dns.ResolverRule(r["name"], r["domain_name"], r["rule_type"],
                                       tuple(vpc_dns.ResolverTarget(t["ip"], t["port"])
                                             for t in r["targets"]),
                                       r["endpoint"], tuple(r["vpcs"]))
                  for r in config["rules"]),
            firewall=VpcFirewall.from_config(v.get("firewall")))
            for v in config["vpcs"] if v["dns_support"]}
        self.docs = ec2_zone_docs(config["vpcs"]) + [  # + interface endpoints (V142, V143)
            d for v in config["vpcs"] for d in v.get("endpoint_zones", [])]
        self.serving: Serving | None = None
        self.signature: object = None
        self.sockets: list[socket.socket] = []
        self.servers: list[asyncio.AbstractServer] = []
        self.forwarders: dict[str, list[_Forwarder]] = {}
        self.internet: list[_Forwarder] = []   # a socket on the emulated internet (recursion)
        self.ids = itertools.count(self.rng.randrange(1 << 16))
        self.logs: dict[str, Any] = {}
        self.health: Any = None   # the HealthService of the zones' health checks, if any
        self.file_zones = ZoneSet()
        self.api_zones = ZoneSet()
        self.follower: StoreFollower | None = None
        self.api_firewall = resolver_firewall.empty_state()   # the API's, as last applied
        self.builder = SnapshotBuilder()   # recompiles only the zones that changed
        self.aws: dict[str, Any] = config.get("aws_resources") or {}
        self.lb_statuses: dict[str, bool] = {}
        self.check_health: HealthSnapshot = ALL_HEALTHY
        self.health_signature: object = None
        if config.get("api_state"):
            self.follower = StoreFollower(open_store(config["api_state"]))

    # -- zones ---------------------------------------------------------------------------------

    def zone_signature(self) -> object:
        out = []
        for path in expand(self.config["zones"]):
            try:
                st = path.stat()
                out.append((str(path), st.st_mtime_ns, st.st_size))
            except OSError:
                out.append((str(path), 0, 0))
        return tuple(out)

    def load(self) -> None:
        """Read the zone files and publish them (raises LoadError: the old snapshot stays)."""
        signature = self.zone_signature()
        self.file_zones = (load_zone_files(self.config["zones"]) if self.config["zones"]
                           else ZoneSet())
        if self.follower is not None and self.serving is None:
            self.api_zones = self.follower.load()
            self.follow_api_firewall()
        self.publish(self.user_zones())
        self.signature = signature

    def user_zones(self, api: ZoneSet | None = None) -> ZoneSet:
        """The zone files' hosted zones, then the API's stored ones (``api``, or the current)."""
        files, api = self.file_zones, self.api_zones if api is None else api
        return ZoneSet(files.zones + api.zones, files.health_checks + api.health_checks,
                       files.cidr_collections + api.cidr_collections)

    def publish(self, user: ZoneSet) -> None:
        """The one way a new set of hosted zones reaches the resolver (zone files now; the
        API's stored zones through the same call): compile once with the Amazon-provided names,
        rebuild each VPC's rule table, swap the snapshot in."""
        merged = merged_zoneset(user, self.docs)
        merged = replace(merged, zones=merged.zones + self.aws_zones())
        serving = self.builder.build(merged).with_health(self._health())
        for vpc in self.vpcs.values():
            auto = {z.name for z in serving.zoneset.zones if z.private
                    and vpc.private_zones and any(a.vpc_id == vpc.name for a in z.vpcs)}
            auto.update(vpc_dns.autodefined(vpc.region))
            vpc.table = vpc_dns.rule_table(vpc.name, vpc.rules, auto)
        self.serving = serving

    def _health(self) -> HealthSnapshot:
        """The zones' health checks' snapshot with the load balancers' health (R164)."""
        if not self.lb_statuses:
            return self.check_health
        return replace(self.check_health, statuses=MappingProxyType(
            {**self.check_health.statuses, **self.lb_statuses}))

    def _health_file_signature(self) -> object:
        path = self.aws.get("health_file")
        try:
            st = Path(path).stat() if path else None
        except OSError:
            return None
        return None if st is None else (st.st_mtime_ns, st.st_size)

    def aws_zones(self) -> tuple[HostedZone, ...]:
        """R162: the service zones answering the topology's load balancers and AWS service
        hosts, from the nodes' latest health report (R164)."""
        if not self.aws.get("balancers") and not self.aws.get("services"):
            return ()
        self.health_signature = self._health_file_signature()
        try:
            report = json.loads(Path(self.aws["health_file"]).read_text())
        except (OSError, ValueError, KeyError):
            report = {}
        docs, self.lb_statuses, ids = resources.aws_zone_docs(self.aws, report)
        ids_text = json.dumps(ids, sort_keys=True)
        return tuple(z for doc in docs
                     for z in _service_zones(json.dumps(doc, sort_keys=True), ids_text))

    async def start_health(self) -> None:
        """The zones' health checks, probed as ``netemu serve`` probes them; each transition
        swaps a new snapshot in (R38-R44 decide with it). Restarted when the zones change."""
        if self.health is not None:
            await self.health.stop()
            self.health = None
        assert self.serving is not None
        if not self.serving.zoneset.health_checks:
            return
        from netemu.health.service import HealthService

        def publish(snapshot: Any) -> None:
            assert self.serving is not None
            self.check_health = snapshot
            self.serving = self.serving.with_health(self._health())

        # R180: probed from the Route 53 checkers' hosts on the emulated internet, if any
        checkers = [(c["region"], c["namespace"]) for c in self.config.get("health_checkers", [])]
        self.health = HealthService(self.serving.zoneset, publish,
                                    time_scale=float(self.config.get("time_scale", 1.0)),
                                    api=None, checkers=checkers)
        await self.health.start()
        self.write_health_report()

    def write_health_report(self) -> None:
        """``STATE/route53-health.json`` for ``netemu health --applied``: every check's status
        and each checker Region's last observation (R183)."""
        path = self.config.get("health_report")
        if not path:
            return
        from netemu.health.control import report_json

        body = report_json(self.health.checker.report()) if self.health is not None \
            else {"health_checks": []}
        body["checkers"] = self.config.get("health_checkers", [])
        tmp = Path(path).with_suffix(".tmp")
        tmp.write_text(json.dumps(body, indent=1))
        os.replace(tmp, path)

    async def follow(self) -> None:
        """Serve each commit of the followed store that changes what DNS answers; a commit that
        cannot be read is logged and the previous snapshot kept."""
        assert self.follower is not None
        while True:
            await asyncio.sleep(STORE_POLL_SECONDS)
            try:
                got = await asyncio.to_thread(self.follower.poll)
                self.follow_api_firewall()
                if got is None:
                    continue
                checks_before = self.api_zones.health_checks
                self.publish(self.user_zones(got))
            except LoadError as exc:
                log.error("API state %s at version %d refused, still serving the previous "
                          "set:\n%s", self.config["api_state"], self.follower.version, exc)
                continue
            except Exception as exc:  # noqa: BLE001 - any store's failure: keep serving, retry
                log.error("API state %s: %s", self.config["api_state"], exc)
                continue
            self.api_zones = got
            if got.health_checks != checks_before:
                await self.replace_health_checks()

    async def replace_health_checks(self) -> None:
        """A new set of checks keeps the state of the unchanged ones (the checker's rule)."""
        assert self.serving is not None
        if self.health is None:
            await self.start_health()
        else:
            await self.health.checker.replace_checks(self.serving.zoneset.health_checks)

    def follow_api_firewall(self) -> None:
        """The DNS Firewall a running ``netemu serve --api --state DIR`` holds (``apply
        --api-state``), read from the followed store's rows (kinds
        ``resolver_firewall.KINDS``), is applied beside the topology's, each VPC by its name as
        the API's VpcId, whenever those rows changed. Called from the loop only between polls
        (the follower's rows are not being changed meanwhile)."""
        if self.follower is None:
            return
        state = resolver_firewall.state_from_rows(self.follower.rows)
        if state == self.api_firewall:
            return
        model = resolver_firewall.firewall_from_state(state)   # validated when committed
        self.api_firewall = state
        for v in self.config["vpcs"]:
            if v["name"] in self.vpcs:
                body = vpc_firewall.merge_configs(v.get("firewall") or {},
                                                  vpc_firewall.vpc_config(model, v["name"]))
                self.vpcs[v["name"]].firewall = VpcFirewall.from_config(body)
        log.warning("DNS Firewall of the API state applied (version %d)", self.follower.version)

    def follow_firewall(self) -> None:
        """DNS Firewall: domain lists read from files are read again when a file changes."""
        for vpc in self.vpcs.values():
            if vpc.firewall.lists and vpc.firewall.file_signature() != vpc.firewall.signature:
                vpc.firewall.reload()
                log.warning("DNS Firewall domain lists of %s reloaded", vpc.name)

    async def watch(self) -> None:
        while True:
            await asyncio.sleep(WATCH_SECONDS)
            self.follow_firewall()
            self.write_health_report()
            if self.zone_signature() == self.signature:
                if self._health_file_signature() != self.health_signature:
                    self.publish(self.user_zones())   # the load balancers' health (R164)
                continue
            try:
                self.load()
            except LoadError as exc:
                self.signature = self.zone_signature()
                log.error("zone files refused, still serving the previous set:\n%s", exc)
                continue
            assert self.serving is not None
            log.warning("zones reloaded: %d hosted zone(s)", len(self.serving.zoneset.zones))
            await self.start_health()

    # -- sockets -------------------------------------------------------------------------------

    async def start(self) -> None:
        loop = asyncio.get_running_loop()
        port = int(self.config.get("port", 53))
        for v in self.config["vpcs"]:
            if not v["dns_support"]:
                continue
            places = [(v["namespace"], ip) for ip in v["listen"]]
            places += [(ns, ip) for ns, ip in v["inbound"]]
            for ns, ip in places:
                with in_netns(ns):
                    udp = _bound(socket.SOCK_DGRAM, ip, port)
                    tcp = _bound(socket.SOCK_STREAM, ip, port)
                self.sockets += [udp, tcp]
                vpc = self.vpcs[v["name"]]
                loop.add_reader(udp.fileno(), self._on_udp, udp, vpc)
                self.servers.append(await asyncio.start_server(
                    functools.partial(self._on_tcp, vpc=vpc), sock=tcp))
        inet = self.config.get("internet_namespace")
        if inet and Path("/run/netns", inet).exists():
            with in_netns(inet):
                sock = _bound(socket.SOCK_DGRAM, "0.0.0.0", 0)
            _transport, proto = await loop.create_datagram_endpoint(
                functools.partial(_Forwarder, inet), sock=sock)
            self.internet.append(proto)
        for name, sources in self.config["outbound"].items():
            for ns, ip in sources:
                with in_netns(ns):
                    sock = _bound(socket.SOCK_DGRAM, ip, 0)
                _transport, proto = await loop.create_datagram_endpoint(
                    functools.partial(_Forwarder, ns, ip), sock=sock)
                self.forwarders.setdefault(name, []).append(proto)

    def _on_udp(self, sock: socket.socket, vpc: VpcResolver) -> None:
        for _ in range(256):
            try:
                data, addr = sock.recvfrom(65535)
            except (BlockingIOError, InterruptedError):
                return
            except OSError:
                continue
            try:
                reply = self.answer_now(data, addr, vpc, "UDP")
            except Exception:
                log.exception("resolver failed on a datagram from %s", addr)
                continue
            if isinstance(reply, bytes):
                with contextlib.suppress(OSError):
                    sock.sendto(reply, addr)
            elif reply is not None:
                asyncio.ensure_future(self._send_later(sock, addr, reply))

    async def _send_later(self, sock: socket.socket, addr: Any,
                          pending: asyncio.Future[bytes | None]) -> None:
        reply = await pending
        if reply is not None:
            with contextlib.suppress(OSError):
                sock.sendto(reply, addr)

    async def _on_tcp(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter,
                      vpc: VpcResolver) -> None:
        """Bounded as ``netemu serve``'s listener is (``dns.limits``): the time to complete each
        query, the connection's life, its queries, a query's size, the time to take a reply."""
        peer = writer.get_extra_info("peername") or ("?", 0)
        bounds = limits.DEFAULT
        framer = framing.TcpFramer(bounds.tcp_max_message)
        loop = asyncio.get_running_loop()
        last = loop.time()
        try:
            async with asyncio.timeout(bounds.tcp_lifetime_seconds):
                for _ in range(bounds.tcp_max_queries):
                    message = framer.next_message()
                    while message is framing.NEED_DATA:
                        left = last + bounds.tcp_idle_seconds - loop.time()
                        data = await asyncio.wait_for(reader.read(65536), max(left, 0.0))
                        if not data:
                            return
                        framer.receive_data(data)
                        message = framer.next_message()
                    assert isinstance(message, bytes)
                    last = loop.time()
                    reply = self.answer_now(message, peer, vpc, "TCP")
                    if reply is not None and not isinstance(reply, bytes):
                        reply = await reply
                    if reply is not None:
                        writer.write(framing.frame(reply))
                        await asyncio.wait_for(writer.drain(), bounds.tcp_write_seconds)
        except (framing.FramingError, TimeoutError, ConnectionError, OSError) as exc:
            log.debug("tcp %s: %s", peer, exc)
        finally:
            writer.close()
            with contextlib.suppress(Exception):
                await writer.wait_closed()

    # -- answering -----------------------------------------------------------------------------

    def answer_now(self, wire: bytes, peer: Any, vpc: VpcResolver,
                   transport: str) -> bytes | asyncio.Future[bytes | None] | None:
        """The reply, or a future of it when the query needs the network (a FORWARD rule's
        targets, a delegation's servers)."""
        serving = self.serving
        assert serving is not None
        try:
            query = codec.decode(wire)
        except (codec.NotAQuery, codec.FormErr):
            return handle(wire, peer, serving, self.rng, transport == "TCP",
                          client_type=vpc.context)
        if query.opcode != 0 or not query.question:   # NOTIMP and the like: the server's rules
            reply = handle(wire, peer, serving, self.rng, transport == "TCP",
                           client_type=vpc.context)
            return None if reply is None else _recursive(reply)
        name = ".".join(label.decode("ascii", "backslashreplace") for label in query.qname) + "."
        if not query.flags & FLAG_RD:  # V80: recursive queries only
            reply = _recursive(codec.encode_error(query.id, query.flags, Rcode.REFUSED, query))
            self._log(vpc, peer, transport, name, query, reply)
            return reply
        # DNS Firewall filters the query before Resolver resolves it: before private zones,
        # Resolver rules and forwarding (R148)
        verdict = vpc.firewall.verdict(name, query.type_name)
        fw_log = vpc_firewall.log_fields(verdict) if verdict is not None else {}
        if verdict is not None and verdict.outcome in (vpc_firewall.BLOCK,
                                                       vpc_firewall.FAIL_CLOSED):
            rule = verdict.decided.rule if verdict.decided is not None else None
            if verdict.outcome == vpc_firewall.BLOCK and rule is not None \
                    and rule.block_response == "OVERRIDE" and rule.override_domain is not None:
                # R142: the CNAME to the override domain, then what this VPC's resolver answers
                # for it, chased as any chain (R195)
                res = recursion.Resolution(name, query.type_name)
                res.redirect(codec.cname_record(query, rule.override_domain, rule.override_ttl))
                return self._resolve(res, _Asking(wire, query, vpc, peer, transport, name, None,
                                                  fw_log))
            reply = _recursive(self._blocked(query, peer, vpc, verdict, transport))
            self._log(vpc, peer, transport, name, query, reply, firewall=fw_log)
            return reply
        return self._resolve(recursion.Resolution(name, query.type_name),
                             _Asking(wire, query, vpc, peer, transport, name, verdict, fw_log))

    def _resolve(self, res: recursion.Resolution,
                 asking: _Asking) -> bytes | asyncio.Future[bytes | None]:
        got = self._drive(res, asking)
        if isinstance(got, bytes):
            return got
        return asyncio.ensure_future(self._drive_async(got, asking))

    # -- resolving: CNAME chains, forwarding rules, delegations (R195-R197) ----------------------

    def _drive(self, res: recursion.Resolution, asking: _Asking) -> bytes | _Network:
        """Run ``res`` as far as the hosted zones can answer it; the reply when done, else the
        query that needs the network (a forwarding rule's targets, a delegation's servers)."""
        vpc = asking.vpc
        for _ in range(_MAX_LOCAL_STEPS):
            step = res.next()
            if isinstance(step, recursion.Done):
                return self._finish(step, asking)
            if step.servers is not None:
                if not self.internet:
                    res.receive(None)
                    continue
                return _Network(res, step, tuple(vpc_dns.ResolverTarget(ip)
                                                 for ip in step.servers), self.internet, None)
            if not step.first and not res.nested and res.chain \
                    and self._chain_blocked(asking, res.chain):
                # R149: a blocked CNAME target is not asked; the answer is blocked below
                return self._finish(recursion.Done(0, tuple(res.chain)), asking)
            kind, rule = vpc.table.lookup(step.name)
            if kind == vpc_dns.FORWARD and rule is not None and rule.endpoint in self.forwarders:
                return _Network(res, step, rule.targets,
                                self.forwarders[rule.endpoint or ""], rule.name)
            reply = self._local(step, asking)
            if step.first and not codec.may_chase(reply, asking.query.qtype):
                return self._finish(recursion.Done(0, chased=False), asking)   # the common case
            res.receive(codec.read_reply(reply))
        return self._finish(recursion.Done(Rcode.SERVFAIL, why="too many steps"), asking)

    def _local(self, step: recursion.Ask, asking: _Asking) -> bytes:
        """What the hosted zones this VPC sees answer for ``step``: REFUSED (no hosted zone
        holds the name, nobody to recurse to) is NXDOMAIN at once. The client's own question
        is answered at the client's size, and that reply is kept to be sent as it is."""
        serving, query, vpc, peer = self.serving, asking.query, asking.vpc, asking.peer
        assert serving is not None
        tcp = asking.transport == "TCP"
        if step.first:
            wire = asking.wire
            reply = handle(wire, peer, serving, self.rng, tcp, client_type=vpc.context)
            if reply is None:   # never for a question handle accepts; keep the shape
                reply = codec.encode_error(query.id, query.flags, Rcode.SERVFAIL, query)
        else:
            wire = codec.make_query(step.name, _qtype(step, query), query.id)
            reply = handle(wire, peer, serving, self.rng, True, client_type=vpc.context) or b""
        if len(reply) >= 4 and reply[3] & 0xF == Rcode.REFUSED \
                and query.qclass in (codec.CLASS_IN, codec.CLASS_ANY) \
                and query.type_name not in ("AXFR", "IXFR"):
            reply = codec.encode_error(query.id, query.flags, Rcode.NXDOMAIN,
                                       query if step.first else None)
        if step.first:
            asking.first_reply = reply
            if _is_referral(reply) and not tcp:   # the glue may not have fitted the client's size
                return handle(wire, peer, serving, self.rng, True, client_type=vpc.context) \
                    or reply
        return reply

    async def _drive_async(self, network: _Network, asking: _Asking) -> bytes | None:
        """The queries that need the network, one after the other, within RESOLVE_SECONDS."""
        res = network.res
        try:
            async with asyncio.timeout(RESOLVE_SECONDS):
                for _ in range(_MAX_LOCAL_STEPS):
                    await self._ask(network, asking)
                    got = self._drive(res, asking)
                    if isinstance(got, bytes):
                        return got
                    network = got
        except TimeoutError:
            pass
        return self._finish(recursion.Done(
            Rcode.SERVFAIL, why=f"no answer within {RESOLVE_SECONDS} s"), asking)

    async def _ask(self, network: _Network, asking: _Asking) -> None:
        """One query on the network: to a forwarding rule's targets from the outbound endpoint's
        ENI addresses (R92: sent as received, so their security groups and NACLs apply), or to
        a delegation's name servers from the emulated internet (R197); SERVFAIL when none
        answers. A query that came over TCP goes on over TCP."""
        step, query = network.step, asking.query
        forward = network.rule is not None
        if step.first and forward:
            wire = asking.wire
        else:   # a resolver asks a delegation's servers without RD
            wire = codec.make_query(step.name, _qtype(step, query), 0)
            if not forward:
                wire = wire[:2] + (int.from_bytes(wire[2:4], "big") & ~FLAG_RD).to_bytes(
                    2, "big") + wire[4:]
        got = await self._exchange(wire, query.id, network.targets, network.sources,
                                   asking.transport, retry_tcp=not (step.first and forward))
        if step.first:
            asking.rule = network.rule
            if got is not None and forward:
                asking.first_reply = query.id.to_bytes(2, "big") + got[2:]
        network.res.receive(codec.read_reply(got) if got is not None else None, final=forward)

    async def _exchange(self, wire: bytes, key: int,
                        targets: tuple[vpc_dns.ResolverTarget, ...], sources: list[_Forwarder],
                        transport: str, retry_tcp: bool) -> bytes | None:
        """The first reply of ``targets`` (tried in turn, FORWARD_TIMEOUT each) to ``wire``,
        under a new id; a truncated UDP reply is asked again over TCP when ``retry_tcp``."""
        loop = asyncio.get_running_loop()
        for attempt, target in enumerate(targets):
            source = sources[(key + attempt) % len(sources)]
            new_id = next(self.ids) & 0xFFFF
            ask = new_id.to_bytes(2, "big") + wire[2:]
            if transport != "TCP":
                fut: asyncio.Future[bytes] = loop.create_future()
                pending = (new_id, target.ip, target.port)
                source.pending[pending] = fut
                try:
                    source.transport.sendto(ask, (target.ip, target.port))
                    got = await asyncio.wait_for(fut, FORWARD_TIMEOUT)
                except (TimeoutError, OSError):
                    source.pending.pop(pending, None)
                    continue
                if not (retry_tcp and len(got) > 2 and got[2] & 0x02):   # TC
                    return got
            try:   # a query that came over TCP goes on over TCP
                return await asyncio.wait_for(_ask_tcp(source, target, ask), FORWARD_TIMEOUT)
            except (TimeoutError, OSError, asyncio.IncompleteReadError):
                continue
        return None

    def _finish(self, done: recursion.Done, asking: _Asking) -> bytes:
        """The client's reply: the first reply as it came when nothing was chased, else the
        chain assembled; recursive flags; the firewall on every name of the chain (R149); the
        query log."""
        query, vpc = asking.query, asking.vpc
        if not done.chased and asking.first_reply is not None:
            reply = asking.first_reply
        else:
            reply = codec.chased_reply(query, done,
                                       codec.max_size(query, asking.transport == "TCP"))
        if done.why:
            log.warning("%s: %s %s: SERVFAIL: %s", vpc.name, asking.name, query.type_name,
                        done.why)
        reply, fw_log = self._inspect_chain(vpc, query, asking.peer, asking.transport,
                                            _recursive(reply), asking.verdict, asking.fw_log)
        self._log(vpc, asking.peer, asking.transport, asking.name, query, reply, asking.rule,
                  fw_log)
        return reply

    def _chain_blocked(self, asking: _Asking, chain: list[recursion.Record]) -> bool:
        verdict = asking.verdict
        if verdict is None:
            return False
        fire = asking.vpc.firewall
        return vpc_firewall.evaluate_chain([r.data for r in chain], asking.query.type_name,
                                           fire.groups, fire.compiled, fire.fail_open,
                                           verdict) is not None

    def _inspect_chain(self, vpc: VpcResolver, query: codec.Query, peer: Any, transport: str,
                       reply: bytes, verdict: vpc_firewall.Verdict | None,
                       fw_log: dict[str, str]) -> tuple[bytes, dict[str, str]]:
        """R149: the CNAME targets of an answer are inspected too (the reply, or the block)."""
        if verdict is None or len(reply) < 12 or reply[6:8] == b"\0\0":
            return reply, fw_log
        chain = [data for rtype, data in codec.answer_records(reply) if rtype == "CNAME"]
        if not chain:
            return reply, fw_log
        fire = vpc.firewall
        got = vpc_firewall.evaluate_chain(chain, query.type_name, fire.groups, fire.compiled,
                                          fire.fail_open, verdict)
        if got is None:
            return reply, fw_log
        return (_recursive(self._blocked(query, peer, vpc, got, transport)),
                vpc_firewall.log_fields(got))

    def _blocked(self, query: codec.Query, peer: Any, vpc: VpcResolver,
                 verdict: vpc_firewall.Verdict, transport: str) -> bytes:
        """The reply to a query DNS Firewall blocks (R142): NXDOMAIN; NODATA (NOERROR, no
        records); OVERRIDE: a CNAME to the rule's override domain at its TTL, followed by the
        answer this VPC's resolver gives for that domain. A query it cannot evaluate with
        fail-open off is SERVFAIL (R146)."""
        rule = verdict.decided.rule if verdict.decided is not None else None
        if verdict.outcome == vpc_firewall.FAIL_CLOSED or rule is None:
            return codec.encode_error(query.id, query.flags, Rcode.SERVFAIL, query)
        if rule.block_response == "NXDOMAIN":
            return codec.encode_error(query.id, query.flags, Rcode.NXDOMAIN, query)
        if rule.block_response != "OVERRIDE" or rule.override_domain is None:
            return codec.encode_error(query.id, query.flags, Rcode.NOERROR, query)
        serving = self.serving
        assert serving is not None
        resolved = handle(codec.make_query(rule.override_domain, query.qtype, query.id), peer,
                          serving, self.rng, transport == "TCP", client_type=vpc.context)
        if resolved is not None and len(resolved) >= 4 and resolved[3] & 0xF == Rcode.REFUSED:
            resolved = None   # no zone holds the override domain: the CNAME alone
        return codec.override_reply(query, rule.override_domain, rule.override_ttl, resolved)

    # -- query logs (Route 53 Resolver query logging fields) -------------------------------------

    def _log(self, vpc: VpcResolver, peer: Any, transport: str, name: str, query: codec.Query,
             reply: bytes | None, rule: str | None = None,
             firewall: dict[str, str] | None = None) -> None:
        directory = self.config.get("query_log_dir")
        if not directory:
            return
        out = self.logs.get(vpc.name)
        if out is None:
            Path(directory).mkdir(parents=True, exist_ok=True)
            out = self.logs[vpc.name] = open(  # noqa: SIM115 - open until close()
                Path(directory) / f"{vpc.name}.log", "a", buffering=1)
        rcode = Rcode(reply[3] & 0xF).name if reply and len(reply) >= 4 else "-"
        record = {
            "version": "1.100000", "account_id": self.config.get("account_id", ""),
            "region": vpc.region, "vpc_id": vpc.name,
            "query_timestamp": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
            "query_name": name, "query_type": query.type_name, "query_class": "IN",
            "rcode": rcode,
            "answers": [{"Rdata": data, "Type": rtype, "Class": "IN"}
                        for rtype, data in (codec.answer_records(reply) if reply else [])],
            "srcaddr": str(peer[0]), "srcport": str(peer[1]), "transport": transport,
            "srcids": {}, **({"firewall_rule_action": None, "resolver_rule": rule}
                             if rule else {}),
        }
        record.update(firewall or {})   # R147: the rule group, action and domain list matched
        out.write(json.dumps(record) + "\n")

    async def close(self) -> None:
        if self.health is not None:
            await self.health.stop()
        if self.follower is not None:
            self.follower.store.close()
        loop = asyncio.get_running_loop()
        for s in self.sockets:
            if s.type == socket.SOCK_DGRAM:
                loop.remove_reader(s.fileno())
        for srv in self.servers:
            srv.close()
        for s in self.sockets:
            s.close()
        for f in self.logs.values():
            f.close()


async def _ask_tcp(source: _Forwarder, target: vpc_dns.ResolverTarget, wire: bytes) -> bytes:
    """One query over TCP from ``source``'s namespace and address."""
    with in_netns(source.ns):
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    try:
        sock.setblocking(False)
        sock.bind((source.ip, 0))
        await asyncio.get_running_loop().sock_connect(sock, (target.ip, target.port))
    except BaseException:
        sock.close()
        raise
    reader, writer = await asyncio.open_connection(sock=sock)
    try:
        writer.write(framing.frame(wire))
        await writer.drain()
        size = int.from_bytes(await reader.readexactly(2), "big")
        return await reader.readexactly(size)
    finally:
        writer.close()


def _is_referral(reply: bytes) -> bool:
    """NOERROR, not authoritative, no answer, name servers in AUTHORITY."""
    if len(reply) < 12:
        return False
    flags = int.from_bytes(reply[2:4], "big")
    return (flags & 0xF == 0 and not flags & FLAG_AA and reply[6:8] == b"\0\0"
            and reply[8:10] != b"\0\0")


def _recursive(reply: bytes) -> bytes:
    """A recursive resolver's answer: RA set, AA clear."""
    flags = (int.from_bytes(reply[2:4], "big") | FLAG_RA) & ~FLAG_AA
    return reply[:2] + flags.to_bytes(2, "big") + reply[4:]


async def serve(config_path: str) -> None:
    config = json.loads(Path(config_path).read_text())
    service = ResolverService(config)
    service.load()
    service.follow_firewall()
    await service.start()
    await service.start_health()
    loop = asyncio.get_running_loop()
    stop = asyncio.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    ready = Path(config["ready_file"])
    tmp = ready.with_suffix(".tmp")
    tmp.write_text(json.dumps({"pid": os.getpid(), "fingerprint": config["fingerprint"]}))
    os.replace(tmp, ready)
    print(f"netemu resolver: pid {os.getpid()} serving {len(service.vpcs)} VPC(s) on "
          f"{len(service.sockets)} sockets", flush=True)
    watchers = [asyncio.ensure_future(service.watch())]
    if service.follower is not None:
        watchers.append(asyncio.ensure_future(service.follow()))
    await stop.wait()
    for watcher in watchers:
        watcher.cancel()
    await service.close()


def main(argv: list[str]) -> int:
    logging.basicConfig(level=logging.WARNING, format="%(asctime)s %(name)s: %(message)s")
    if len(argv) != 1:
        print("usage: python -m netemu.dns.resolver CONFIG", file=sys.stderr)
        return 2
    try:
        asyncio.run(serve(argv[0]))
    except LoadError as exc:
        print(exc, file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
