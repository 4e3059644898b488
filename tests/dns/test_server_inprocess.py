"""The listeners in-process (plain asyncio loop): answers come from ``server.serving`` and a new
snapshot assigned to it is used by the next query (how health and the API publish changes)."""

from __future__ import annotations

import dataclasses

import dns.asyncquery
import dns.message
import pytest

from netemu.dns.handler import build_serving
from netemu.dns.server import DnsServer, parse_listen
from netemu.route53.health import HealthSnapshot
from netemu.route53.load import load_zone_text

ZONE = """
HostedZone: {Name: swap.test}
ResourceRecordSets:
  - {Name: www.swap.test, Type: A, TTL: 60, ResourceRecords: [{Value: 192.0.2.1}]}
"""


@pytest.mark.slow  # starts a server
async def test_snapshot_swap_and_both_transports() -> None:
    server = DnsServer(build_serving(load_zone_text(ZONE)))
    await server.start("127.0.0.1", 0)
    assert server.address is not None
    host, port = server.address
    try:
        query = dns.message.make_query("www.swap.test", "A")
        udp = await dns.asyncquery.udp(query, host, port=port, timeout=3)
        tcp = await dns.asyncquery.tcp(query, host, port=port, timeout=3)
        assert [str(r) for r in udp.answer[0]] == [str(r) for r in tcp.answer[0]] == ["192.0.2.1"]
        server.serving = build_serving(load_zone_text(ZONE.replace("192.0.2.1", "192.0.2.2")))
        again = await dns.asyncquery.udp(query, host, port=port, timeout=3)
        assert [str(r) for r in again.answer[0]] == ["192.0.2.2"]
        marked = server.serving.with_health(HealthSnapshot({"x": False}))
        assert marked.health.is_healthy("x") is False and marked.zones is server.serving.zones
        # with_health makes a new snapshot: the published one (which a query in flight may hold)
        # keeps its health, and a snapshot cannot be changed in place.
        assert server.serving.health.is_healthy("x") is True
        with pytest.raises(dataclasses.FrozenInstanceError):
            server.serving.health = marked.health  # type: ignore[misc]
    finally:
        await server.close()


def test_parse_listen() -> None:
    assert parse_listen("127.0.0.1:1053") == ("127.0.0.1", 1053)
    assert parse_listen("[::1]:53") == ("::1", 53)
    for bad in ("127.0.0.1", "host:port", "1.2.3.4:70000"):
        try:
            parse_listen(bad)
        except ValueError:
            continue
        raise AssertionError(bad)
