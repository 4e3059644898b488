"""Routing policies through the real server, asked with real dig and EDNS client subnets.

One ``netemu serve`` process (the shipped policy zones, ``--geo zones/geo/clients.yaml``) on a
free loopback port for the module; stopped by its PID. Clients are placed either by the
embedded offline database (public prefixes with long-standing registry allocations) or by the
overrides file (documentation prefixes).
"""

from __future__ import annotations

import re
import shutil
import subprocess
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.helpers import ROOT, free_port
from tests.live import serve_process

pytestmark = [pytest.mark.slow,  # starts a server or a subprocess
              pytest.mark.skipif(shutil.which("dig") is None, reason="needs dig")]

ZONES = sorted((ROOT / "zones").glob("policy-*.yaml"))
GEO = str(ROOT / "zones" / "geo" / "clients.yaml")


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[int, Path]]:
    # health checks of the example zones probe closed loopback ports; at 100x their
    # intervals no check reaches FailureThreshold during this module (healthy, R80)
    with serve_process(ZONES, tmp_path_factory.mktemp("serve"),
                       "--geo", GEO, "--api", f"127.0.0.1:{free_port()}",
                       "--time-scale", "100") as srv:
        yield srv.port, srv.log


def dig(port: int, name: str, *opts: str) -> str:
    out = subprocess.run(["dig", "@127.0.0.1", "-p", str(port), "+tries=1", "+time=2", *opts,
                          name, "A"], capture_output=True, text=True, check=True, timeout=10)
    return out.stdout


def short(port: int, name: str, *opts: str) -> list[str]:
    return dig(port, name, "+short", *opts).split()


def ecs_echo(text: str) -> str | None:
    m = re.search(r"CLIENT-SUBNET: (\S+)", text)
    return m.group(1) if m else None


def status(text: str) -> tuple[str, int]:
    st = re.search(r"status: (\w+)", text)
    an = re.search(r"ANSWER: (\d+)", text)
    assert st and an, text
    return st.group(1), int(an.group(1))


@pytest.mark.parametrize(
    ("case", "name", "subnet", "expect"),
    [
        # geolocation (R59-R61), embedded database
        ("R60 country FR beats continent EU", "www.geolocation.test", "90.0.0.0/16", "192.0.2.33"),
        ("R60 continent EU (NL)", "www.geolocation.test", "193.0.0.0/21", "192.0.2.30"),
        ("R60 country US", "www.geolocation.test", "8.8.8.0/24", "192.0.2.11"),
        ("R61 no matching location -> default (JP)", "www.geolocation.test", "1.0.16.0/24",
         "192.0.2.99"),
        ("R61 unmapped network -> default", "www.geolocation.test", "192.0.2.0/24", "192.0.2.99"),
        ("IPv6 client subnet (FR)", "www.geolocation.test", "2a01:cb00::/32", "192.0.2.33"),
        # geolocation with --geo overrides
        ("R60 subdivision US-WA beats country", "www.geolocation.test", "198.51.100.192/28",
         "192.0.2.12"),
        ("R61 US without a state record -> US", "www.geolocation.test", "203.0.113.0/28",
         "192.0.2.11"),
        ("R60 override country FR via IPv6", "www.geolocation.test", "2001:db8:33::/56",
         "192.0.2.33"),
        # latency (R57)
        ("R57 FR -> eu-west-3", "app.latency.test", "90.0.0.0/16", "192.0.2.3"),
        ("R57 JP -> ap-northeast-1", "app.latency.test", "1.0.16.0/24", "192.0.2.5"),
        ("R57 AU -> ap-southeast-2", "app.latency.test", "203.2.218.0/24", "192.0.2.6"),
        ("R57 Seattle (override) -> us-west-2", "app.latency.test", "198.51.100.192/28",
         "192.0.2.2"),
        ("R57 Berlin (override) -> eu-central-1", "app.latency.test", "198.51.100.64/28",
         "192.0.2.4"),
        ("R57 Sao Paulo (IPv6 override) -> sa-east-1", "app.latency.test", "2001:db8:55::/56",
         "192.0.2.7"),
        # geoproximity (R66)
        ("R66 Paris, no bias -> Frankfurt", "www.geoproximity.test", "198.51.100.0/28",
         "192.0.2.40"),
        ("R66 Paris, Dublin bias +50 -> Dublin", "biased.geoproximity.test", "198.51.100.0/28",
         "192.0.2.41"),
        ("R65 Coordinates record, New York client", "www.geoproximity.test", "203.0.113.64/28",
         "192.0.2.42"),
        # IP-based (R69, R71)
        ("R71 longest block wins", "www.ip-based.test", "10.1.2.0/24", "192.0.2.52"),
        ("R69 client prefix longer than the block", "www.ip-based.test", "10.1.2.128/25",
         "192.0.2.52"),
        ("R69 client prefix shorter than the /24 -> /16", "www.ip-based.test", "10.1.0.0/20",
         "192.0.2.51"),
        ("R69 IPv6 client subnet inside a /48", "www.ip-based.test", "2001:db8:abcd:1::/64",
         "192.0.2.52"),
        ("R68 no block -> '*'", "www.ip-based.test", "192.0.2.0/24", "192.0.2.59"),
        ("R68 IPv6 client in no block -> '*'", "www.ip-based.test", "2001:db8:ffff::/48",
         "192.0.2.59"),
        # RFC 7871 7.1.2: source prefix 0, the client opts out: nothing to locate -> defaults
        ("ECS /0 -> the geolocation default", "www.geolocation.test", "0.0.0.0/0", "192.0.2.99"),
        ("ECS /0 -> the IP-based default", "www.ip-based.test", "0.0.0.0/0", "192.0.2.59"),
    ],
    ids=lambda v: v if isinstance(v, str) and " " in v else None,
)
def test_answer_by_client_subnet(server, case, name, subnet, expect) -> None:
    port, _ = server
    assert short(port, name, f"+subnet={subnet}") == [expect], case


def test_latency_without_ecs_uses_the_source_address(server) -> None:
    port, _ = server
    # 127.0.0.1 is in no database: placed at us-east-1
    assert short(port, "app.latency.test") == ["192.0.2.1"]


@pytest.mark.parametrize(
    ("name", "subnet"),
    [("nodefault.geolocation.test", "1.0.16.0/24"), ("nodefault.ip-based.test", "192.0.2.0/24")],
)
def test_no_match_and_no_default_is_nodata_R61_R71(server, name, subnet) -> None:
    port, _ = server
    text = dig(port, name, f"+subnet={subnet}")
    assert status(text) == ("NOERROR", 0)
    assert "SOA" in text  # negative answer: the SOA in AUTHORITY (R9)


@pytest.mark.parametrize(
    ("name", "subnet", "echo"),
    [
        ("www.geolocation.test", "90.0.0.0/16", "90.0.0.0/16/16"),
        ("app.latency.test", "198.51.100.64/28", "198.51.100.64/28/28"),
        ("www.geoproximity.test", "198.51.100.0/28", "198.51.100.0/28/28"),
        ("www.ip-based.test", "10.1.2.0/24", "10.1.2.0/24/24"),
        ("www.ip-based.test", "10.1.2.128/25", "10.1.2.128/25/24"),   # scope = the block
        ("www.ip-based.test", "2001:db8:abcd:1::/64", "2001:db8:abcd:1::/64/48"),
        ("www.geolocation.test", "0.0.0.0/0", "0.0.0.0/0/0"),
        ("www.simple.test", "198.51.100.0/24", "198.51.100.0/24/0"),  # not location dependent
        ("www.weighted.test", "198.51.100.0/24", "198.51.100.0/24/0"),
    ],
)
def test_ecs_option_is_echoed_with_its_scope_rfc7871(server, name, subnet, echo) -> None:
    port, _ = server
    assert ecs_echo(dig(port, name, f"+subnet={subnet}")) == echo


def test_no_ecs_option_in_the_query_none_in_the_reply(server) -> None:
    port, _ = server
    assert ecs_echo(dig(port, "www.geolocation.test")) is None


def test_weighted_shares_over_the_wire_R46_R47(server) -> None:
    port, _ = server
    seen = Counter(ip for _ in range(60) for ip in short(port, "www.weighted.test"))
    assert sum(seen.values()) == 60
    assert "192.0.2.30" not in seen            # weight 0 never while others serve (R47)
    assert seen["192.0.2.10"] > seen["192.0.2.20"]  # 90 vs 10: P(fail) < 1e-9 over 60 draws


def test_multivalue_eight_of_ten_R54(server) -> None:
    port, _ = server
    answers = [short(port, "www.multivalue.test") for _ in range(5)]
    assert all(len(a) == len(set(a)) == 8 for a in answers)
    assert len({frozenset(a) for a in answers}) > 1 or len({tuple(a) for a in answers}) > 1


def test_failover_and_alias_chain_answer(server) -> None:
    port, _ = server
    assert short(port, "www.failover.test") == ["192.0.2.10"]
    assert short(port, "www.alias-health.test")[0] in ("192.0.2.61", "192.0.2.62")
    assert short(port, "edge.alias-health.test")[0] in ("192.0.2.61", "192.0.2.62")


@pytest.mark.parametrize(
    ("name", "subnet", "explained"),
    [
        ("www.geolocation.test", "198.51.100.192/28",
         "geolocation: www.geolocation.test. A [us-wa] by subdivision US-WA for client "
         "NA-US-WA @47.6,-122.3 (--geo 198.51.100.192/26)"),
        ("www.ip-based.test", "10.1.2.0/24",
         "ip-based: www.ip-based.test. A [lab] location lab block 10.1.2.0/24 holds client "
         "10.1.2.0/24"),
        ("biased.geoproximity.test", "198.51.100.0/28",
         "geoproximity: biased.geoproximity.test. A [dub]"),
        ("app.latency.test", "90.0.0.0/16",
         "latency: app.latency.test. A [euw3] Region eu-west-3"),
        ("www.alias-health.test", "90.0.0.0/16",
         "failover: PRIMARY www.alias-health.test. A [primary] healthy | alias -> weighted: "
         "pool.alias-health.test. A ["),
    ],
)
def test_query_log_prints_the_explain(server, name, subnet, explained) -> None:
    port, log = server
    short(port, name, f"+subnet={subnet}")
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline:
        lines = [ln for ln in log.read_text().splitlines() if f" {name}. A " in ln]
        if lines and explained in lines[-1]:
            return
        time.sleep(0.05)
    raise AssertionError(f"no query-log line with {explained!r}: {lines[-1:]}")
