"""The fast path (netemu/dns/fastpath.py) gives the full path's replies byte for byte.

Both paths answer the same query stream (IDs fixed, each with its own ``random.Random`` seeded
alike, so a weighted draw, a multivalue sample and a shuffle come out the same on both) for every
shipped zone and for a generated zone with every routing policy, every record type, health
checks up and down, EDNS client subnet and none, UDP sizes (plain 512, 1232, 4096, DO bit) and
TCP. Queries repeat, so prepared replies (hits) and new branches (misses) are both compared.
A health change and a zone change are seen by the very next query.
"""

from __future__ import annotations

import logging
import random
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace
from pathlib import Path
from types import MappingProxyType

import dns.edns
import dns.flags
import dns.message
import dns.opcode
import dns.rdataclass
import pytest

from netemu.dns.fastpath import FastPath
from netemu.dns.handler import Serving, build_serving, handle
from netemu.route53.health import HealthSnapshot
from netemu.route53.load import load_zone_files, load_zone_text

ZONES = Path(__file__).resolve().parents[2] / "zones"
PEERS = [("127.0.0.1", 40000), ("10.1.2.3", 40001), ("10.1.9.9", 40002),
         ("203.0.113.70", 40003), ("::1", 40004, 0, 0), ("2001:db8:abcd::5", 40005, 0, 0),
         ("81.2.69.160", 40006)]
ECS = [None, "10.1.2.0/24", "10.1.0.0/20", "198.51.100.0/28", "2001:db8:abcd:1::/64",
       "81.2.69.0/24", "0.0.0.0/0"]


@pytest.fixture(autouse=True)
def _query_log_off() -> Iterator[None]:
    """The fast path steps aside while the query log is on; these tests compare it."""
    logger = logging.getLogger("netemu.query")
    before = logger.level
    logger.setLevel(logging.WARNING)
    yield
    logger.setLevel(before)


def wire(name: str, qtype: str, shape: int, ecs: str | None = None, qid: int = 0x1234) -> bytes:
    """Query shapes: 0 no EDNS, 1 EDNS 4096 + DO, 2 EDNS 512, 3 EDNS 1232 no RD + CD,
    4 mixed-case name, EDNS 4096."""
    options: list[dns.edns.Option] = []
    if ecs is not None:
        address, prefix = ecs.split("/")
        options.append(dns.edns.ECSOption(address, int(prefix), 0))
    if shape == 4:
        name = "".join(c.upper() if i % 2 else c for i, c in enumerate(name))
    edns = -1 if shape == 0 and ecs is None else 0
    payload = {1: 4096, 2: 512, 3: 1232}.get(shape, 4096)
    msg = dns.message.make_query(name, qtype, use_edns=edns, payload=payload, options=options,
                                 want_dnssec=shape == 1)
    if shape == 3:
        msg.flags &= ~dns.flags.RD
        msg.flags |= dns.flags.CD
    msg.id = qid
    return msg.to_wire()


def odd_queries() -> list[bytes]:
    """Rare queries the fast path hands to the full path: other opcode, class CH, ANY,
    malformed, a response, EDNS version 1, truncated header."""
    notify = dns.message.make_query("www.example.com", "SOA")
    notify.set_opcode(dns.opcode.NOTIFY)
    chaos = dns.message.make_query("version.bind", "TXT", rdclass=dns.rdataclass.CH)
    badvers = dns.message.make_query("www.example.com", "A", use_edns=1)
    good = wire("www.example.com", "A", 1)
    response = bytearray(good)
    response[2] |= 0x80
    return [notify.to_wire(), chaos.to_wire(), wire("www.example.com", "ANY", 1),
            badvers.to_wire(), good[:-3], bytes(response), good[:7]]


def queries_for(serving: Serving) -> list[bytes]:
    names: set[tuple[str, str]] = set()
    for zone in serving.zoneset.zones:
        apex = zone.name.rstrip(".")
        names.add((f"nothere.{apex}", "A"))
        for rec in zone.record_sets:
            name = rec.name.rstrip(".").replace("\\052", "*").replace("*", "wild-x")
            for qtype in {rec.type, "A", "AAAA", "TXT"}:
                names.add((name, qtype))
    names.add(("www.example.invalid", "A"))
    out = []
    for i, (name, qtype) in enumerate(sorted(names)):
        for shape in range(5):
            out.append(wire(name, qtype, shape, ECS[(i + shape) % len(ECS)] if shape else None))
    return out + odd_queries()


class Lines(logging.Handler):
    """The query log's lines as a formatter showing where they were written from would print
    them (so a line written elsewhere than the full path's writer would differ)."""

    def __init__(self) -> None:
        super().__init__(logging.INFO)
        self.setFormatter(logging.Formatter(
            "%(name)s %(levelname)s %(module)s %(funcName)s %(lineno)d %(message)s"))
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(self.format(record))

    def take(self) -> list[str]:
        lines, self.lines = self.lines, []
        return lines


@contextmanager
def query_log() -> Iterator[Lines]:
    """The query log on (INFO), its lines captured."""
    logger = logging.getLogger("netemu.query")
    before, lines = logger.level, Lines()
    logger.setLevel(logging.INFO)
    logger.addHandler(lines)
    try:
        yield lines
    finally:
        logger.removeHandler(lines)
        logger.setLevel(before)


def compare(serving: Serving, queries: list[bytes], rounds: int = 3, seed: int = 7,
            fast: FastPath | None = None, lines: Lines | None = None) -> FastPath:
    """Every query from three source addresses, ``rounds`` times in a shuffled order, over UDP
    and TCP: the same bytes from both paths; with ``lines`` (the query log on), the same log
    lines too."""
    fast = fast or FastPath()
    fast_rng, full_rng = random.Random(seed), random.Random(seed)
    order = random.Random(seed + 1)
    stream = [(q, PEERS[(i + 2 * j) % len(PEERS)]) for i, q in enumerate(queries)
              for j in range(3)]
    asked = logged = 0
    for _ in range(rounds):
        order.shuffle(stream)
        for tcp in (False, True):
            for query, peer in stream:
                want = handle(query, peer, serving, full_rng, tcp)
                want_lines = lines.take() if lines else []
                got = fast.answer(query, peer, serving, fast_rng, tcp)
                fast.flush_log()
                assert got == want, (query, peer, tcp)
                if lines:
                    assert lines.take() == want_lines, (query, peer, tcp)
                    logged += len(want_lines)
                asked += 1
    assert 0 < fast.misses < asked / 2, (fast.misses, asked)   # prepared replies were served
    assert lines is None or logged > asked * 0.9, (logged, asked)
    return fast


def test_every_shipped_zone_byte_for_byte() -> None:
    serving = build_serving(load_zone_files([ZONES]))
    compare(serving, queries_for(serving))


def test_every_shipped_zone_with_checks_down() -> None:
    """Failover, weighted, alias with EvaluateTargetHealth under failing checks (R38-R53)."""
    serving = build_serving(load_zone_files([ZONES]))
    down = {check.id: False for check in serving.zoneset.health_checks}
    assert down, "the shipped zones have health checks"
    serving = serving.with_health(HealthSnapshot(MappingProxyType(down)))
    compare(serving, queries_for(serving))


RDATA = [
    ("A", "192.0.2.1"), ("AAAA", "2001:db8::1"), ("CNAME", "www.gen.test."),
    ("MX", "10 mail.gen.test."), ("TXT", '"a" "b c"'), ("SPF", '"v=spf1 -all"'),
    ("SRV", "1 2 443 svc.gen.test."), ("CAA", '0 issue "amazon.com"'),
    ("DS", "12345 13 2 " + "AB" * 32), ("TLSA", "3 1 1 " + "cd" * 32),
    ("SSHFP", "1 2 " + "ef" * 32), ("NAPTR", '100 10 "U" "E2U+sip" "!^.*$!sip:x@gen.test!" .'),
    ("SVCB", "1 svc.gen.test. port=8443"), ("HTTPS", "1 . alpn=h2,h3"),
    ("PTR", "host.gen.test."), ("NS", "ns-1.awsdns-01.org."),
]


def generated_zone() -> str:
    """Every record type and every routing policy, with health checks and aliases."""
    recs = []
    for i, (rtype, value) in enumerate(RDATA):
        name = f"t{i}.gen.test." if rtype not in ("DS", "NS") else f"sub{i}.gen.test."
        recs.append(f"{{Name: {name}, Type: {rtype}, TTL: 60, ResourceRecords: "
                    f"[{{Value: '{value}'}}]}}")
        if rtype == "DS":   # a DS lives at a delegation point
            recs.append(f"{{Name: {name}, Type: NS, TTL: 60, ResourceRecords: "
                        "[{Value: ns.elsewhere.example.}]}")
    many = ", ".join(f"{{Value: 192.0.2.{i}}}" for i in range(1, 5))
    big = ", ".join(f"{{Value: '\"{'x' * 200} {i}\"'}}" for i in range(4))
    recs += [
        "{Name: www.gen.test., Type: A, TTL: 60, ResourceRecords: [" + many + "]}",
        "{Name: mail.gen.test., Type: A, TTL: 60, ResourceRecords: [{Value: 192.0.2.25}]}",
        "{Name: svc.gen.test., Type: AAAA, TTL: 60, ResourceRecords: [{Value: 2001:db8::25}]}",
        "{Name: big.gen.test., Type: TXT, TTL: 60, ResourceRecords: [" + big + "]}",
        "{Name: '*.wild.gen.test.', Type: A, TTL: 60, ResourceRecords: [{Value: 192.0.2.77}]}",
    ]
    for sid, weight, check in (("w1", 1, "up"), ("w3", 3, "down"), ("w0", 0, None)):
        hc = f", HealthCheckId: {check}" if check else ""
        recs.append(f"{{Name: w.gen.test., Type: A, SetIdentifier: {sid}, Weight: {weight}, "
                    f"TTL: 60{hc}, ResourceRecords: [{{Value: 192.0.2.{10 + weight}}}]}}")
    for i in range(10):
        hc = ", HealthCheckId: down" if i % 4 == 0 else ""
        recs.append(f"{{Name: mv.gen.test., Type: A, SetIdentifier: m{i}, MultiValueAnswer: "
                    f"true, TTL: 60{hc}, ResourceRecords: [{{Value: 192.0.2.{100 + i}}}]}}")
    for sid, region in (("use1", "us-east-1"), ("euw3", "eu-west-3"), ("apne1", "ap-northeast-1")):
        recs.append(f"{{Name: lat.gen.test., Type: A, SetIdentifier: {sid}, Region: {region}, "
                    f"TTL: 60, ResourceRecords: [{{Value: 192.0.2.{len(sid) + 30}}}]}}")
    for sid, loc in (("us", "{CountryCode: US}"), ("eu", "{ContinentCode: EU}"),
                     ("gb", "{CountryCode: GB}"), ("any", "{CountryCode: '*'}")):
        recs.append(f"{{Name: geo.gen.test., Type: A, SetIdentifier: {sid}, GeoLocation: {loc}, "
                    f"TTL: 60, ResourceRecords: [{{Value: 192.0.2.{40 + len(recs) % 50}}}]}}")
    for sid, region, bias in (("fra", "eu-central-1", 0), ("dub", "eu-west-1", 40),
                              ("iad", "us-east-1", -20)):
        recs.append(f"{{Name: prox.gen.test., Type: A, SetIdentifier: {sid}, "
                    f"GeoProximityLocation: {{AWSRegion: {region}, Bias: {bias}}}, TTL: 60, "
                    f"ResourceRecords: [{{Value: 192.0.2.{60 + bias // 10 + 2}}}]}}")
    for sid, loc in (("site", "site"), ("lab", "lab"), ("other", "'*'")):
        values = ", ".join(f"{{Value: 192.0.2.{70 + len(sid) + i}}}"   # lab: source, then shuffle
                           for i in range(3 if sid == "lab" else 1))
        recs.append(f"{{Name: cidr.gen.test., Type: A, SetIdentifier: {sid}, CidrRoutingConfig: "
                    f"{{CollectionId: offices, LocationName: {loc}}}, TTL: 60, "
                    f"ResourceRecords: [{values}]}}")
    recs += [
        ("{Name: fo.gen.test., Type: A, SetIdentifier: p, Failover: PRIMARY, TTL: 60, "
         "HealthCheckId: down, ResourceRecords: [{Value: 192.0.2.81}]}"),
        ("{Name: fo.gen.test., Type: A, SetIdentifier: s, Failover: SECONDARY, TTL: 60, "
         "ResourceRecords: [{Value: 192.0.2.82}]}"),
        ("{Name: al.gen.test., Type: A, AliasTarget: {DNSName: w.gen.test., "
         "EvaluateTargetHealth: true}}"),
        ("{Name: al2.gen.test., Type: A, SetIdentifier: p, Failover: PRIMARY, AliasTarget: "
         "{DNSName: mv.gen.test., EvaluateTargetHealth: true}}"),
        ("{Name: al2.gen.test., Type: A, SetIdentifier: s, Failover: SECONDARY, TTL: 60, "
         "ResourceRecords: [{Value: 192.0.2.90}]}"),
        ("{Name: gen.test., Type: A, AliasTarget: {DNSName: www.gen.test., "
         "EvaluateTargetHealth: false}}"),
    ]
    checks = "".join(
        f"  - Id: {cid}\n    HealthCheckConfig: {{Type: TCP, IPAddress: 127.0.0.1, Port: "
        f"{port}, RequestInterval: 10, FailureThreshold: 3}}\n"
        for cid, port in (("up", 9), ("down", 10)))
    return ("HostedZone: {Name: gen.test.}\n"
            "CidrCollections:\n  - Id: offices\n    Name: offices\n    Locations:\n"
            "      - {LocationName: site, CidrList: [10.1.0.0/16]}\n"
            "      - {LocationName: lab, CidrList: [10.1.2.0/24, '2001:db8:abcd::/48']}\n"
            "HealthChecks:\n" + checks +
            "ResourceRecordSets:\n" + "".join(f"  - {r}\n" for r in recs))


def gen_serving() -> Serving:
    serving = build_serving(load_zone_text(generated_zone(), "gen.yaml"))
    return serving.with_health(HealthSnapshot(MappingProxyType({"up": True, "down": False})))


def test_generated_zone_every_policy_and_type_byte_for_byte() -> None:
    serving = gen_serving()
    types = {rtype for rtype, _ in RDATA} | {"A", "AAAA", "TXT"}
    assert {"weighted", "multivalue", "latency", "geolocation", "geoproximity", "ip-based",
            "failover"} <= policies_of(serving)
    queries = queries_for(serving)
    assert len(queries) > 5 * len(types)
    compare(serving, queries)
    compare(replace(serving, health=HealthSnapshot()), queries)   # every check healthy


def policies_of(serving: Serving) -> set[str]:
    found = set()
    for zone in serving.zoneset.zones:
        for rec in zone.record_sets:
            for attr, name in (("weight", "weighted"), ("multi_value_answer", "multivalue"),
                               ("region", "latency"), ("geo_location", "geolocation"),
                               ("geo_proximity_location", "geoproximity"),
                               ("cidr_routing_config", "ip-based"), ("failover", "failover")):
                if getattr(rec, attr, None) not in (None, False):
                    found.add(name)
    return found


def test_query_log_lines_same_from_the_fast_path_shipped_zones() -> None:
    """With the query log on, the fast path still answers from prepared replies (no longer the
    full path for every query), and writes the full path's log line for each query: same text
    (client, name, type, rcode, the record set chosen and why), same writer, same order (R45)."""
    serving = build_serving(load_zone_files([ZONES]))
    with query_log() as lines:
        compare(serving, queries_for(serving), lines=lines)


def test_query_log_lines_same_from_the_fast_path_every_policy() -> None:
    """R45, R46: weighted, multivalue, IP-based, geolocation... the log line of a hit names the
    record set the draw (or the client) chose, as the full path's line does."""
    serving = gen_serving()
    with query_log() as lines:
        compare(serving, queries_for(serving), lines=lines)
        compare(replace(serving, health=HealthSnapshot()), queries_for(serving), lines=lines)


def test_query_log_buffer_is_bounded_and_ordered() -> None:
    """Lines wait in a bounded buffer: past MAX_PENDING they are written at once, in order."""
    from netemu.dns import fastpath

    serving = replace(gen_serving(), health=HealthSnapshot())
    query = wire("w.gen.test", "A", 1)
    fast, rng, full_rng = FastPath(), random.Random(5), random.Random(5)
    with query_log() as lines:
        for i in range(fastpath.MAX_PENDING + 10):
            handle(query, ("127.0.0.1", i), serving, full_rng)
        want = lines.take()
        for i in range(fastpath.MAX_PENDING + 10):
            fast.answer(query, ("127.0.0.1", i), serving, rng)
        assert len(fast.pending) < fastpath.MAX_PENDING
        written = lines.take()
        assert written == want[:len(written)] and len(written) >= fastpath.MAX_PENDING - 10
        fast.flush_log()
        assert written + lines.take() == want and not fast.pending
    assert {line.split(" [", 1)[1][:3] for line in want} == {"w1]", "w3]"}   # both sets


def test_weighted_draw_is_the_full_paths_draw() -> None:
    """R46: one seeded generator per path, 2,000 weighted answers: the same sequence, and the
    fast path answered nearly all of them from prepared replies."""
    serving = replace(gen_serving(), health=HealthSnapshot())   # w1 and w3 up: 1:3
    query = wire("w.gen.test", "A", 1)
    fast, a, b = FastPath(), random.Random(3), random.Random(3)
    seen: dict[bytes | None, int] = {}
    for _ in range(2000):
        got = fast.answer(query, PEERS[0], serving, a)
        assert got == handle(query, PEERS[0], serving, b)
        seen[got] = seen.get(got, 0) + 1
    assert len(seen) == 2 and fast.misses <= 4   # one miss per outcome of randrange(4)
    assert 350 < min(seen.values()) < 650        # weight 1 of 4 (w0, weight 0, never)


def test_health_change_visible_on_next_query() -> None:
    """R50-R52: the PRIMARY's check goes down: the very next query answers the SECONDARY."""
    serving = gen_serving().with_health(HealthSnapshot(MappingProxyType({"down": True})))
    fast, rng = FastPath(), random.Random(0)
    query = wire("fo.gen.test", "A", 0)
    for _ in range(3):
        assert b"\xc0\x00\x02\x51" in fast.answer(query, PEERS[0], serving, rng)  # 192.0.2.81
    after = serving.with_health(HealthSnapshot(MappingProxyType({"down": False})))
    reply = fast.answer(query, PEERS[0], after, rng)
    assert reply is not None and b"\xc0\x00\x02\x52" in reply                  # 192.0.2.82
    assert reply == handle(query, PEERS[0], after, rng)
    assert b"\xc0\x00\x02\x51" in fast.answer(query, PEERS[0], serving, rng)   # and back


def test_zone_change_visible_on_next_query() -> None:
    text = generated_zone()
    serving = gen_serving()
    fast, rng = FastPath(), random.Random(0)
    query = wire("mail.gen.test", "A", 1)
    for _ in range(3):
        assert b"\xc0\x00\x02\x19" in fast.answer(query, PEERS[0], serving, rng)   # .25
    changed = build_serving(load_zone_text(text.replace("192.0.2.25", "192.0.2.26"), "gen.yaml"))
    reply = fast.answer(query, PEERS[0], changed, rng)
    assert reply is not None and b"\xc0\x00\x02\x1a" in reply and b"\xc0\x00\x02\x19" not in reply
    assert reply == handle(query, PEERS[0], changed, rng)


def test_query_id_is_the_clients() -> None:
    serving = gen_serving()
    fast, rng = FastPath(), random.Random(0)
    for qid in (1, 0xBEEF, 0xFFFF, 0):
        reply = fast.answer(wire("mail.gen.test", "A", 0, qid=qid), PEERS[0], serving, rng)
        assert reply is not None and int.from_bytes(reply[:2], "big") == qid
