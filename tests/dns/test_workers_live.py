"""``netemu serve --workers 2``: two processes answer on one address (SO_REUSEPORT), and a health
transition (R52 failover, driven by an emulated CloudWatch alarm) and a zone change through the
Route 53 API (real boto3) are seen by the very next query, whichever process answers it.

Each query goes out from a fresh socket (a new source port), so the kernel spreads them over both
processes; the test checks that two processes hold the port."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import dns.message
import dns.query
import dns.rdatatype
import pytest

from tests.helpers import run_netemu
from tests.live import ApiServer

pytestmark = pytest.mark.slow   # starts servers or subprocesses

ZONE = """\
HostedZone: {Name: hc.example.org.}
HealthChecks:
  - Id: canary
    HealthCheckConfig: {Type: CLOUDWATCH_METRIC, InsufficientDataHealthStatus: Healthy,
                        AlarmIdentifier: {Region: us-east-1, Name: canary-errors}}
ResourceRecordSets:
  - {Name: www.hc.example.org., Type: A, SetIdentifier: p, Failover: PRIMARY, TTL: 5,
     HealthCheckId: canary, ResourceRecords: [{Value: 192.0.2.1}]}
  - {Name: www.hc.example.org., Type: A, SetIdentifier: s, Failover: SECONDARY, TTL: 5,
     ResourceRecords: [{Value: 192.0.2.2}]}
"""
QUERIES = 48


def answers(port: int, name: str, n: int = QUERIES) -> set[tuple[str, ...]]:
    """The A answers of ``n`` queries, each from a new source port."""
    seen = set()
    for _ in range(n):
        query = dns.message.make_query(name, "A")
        reply = dns.query.udp(query, "127.0.0.1", port=port, timeout=3)
        seen.add(tuple(sorted(rr.to_text() for rrset in reply.answer for rr in rrset
                              if rrset.rdtype == dns.rdatatype.A)))
    return seen


def holders(port: int) -> set[str]:
    """The PIDs that hold a UDP socket on ``port`` (ss -p)."""
    out = subprocess.run(["ss", "-uanpH", f"sport = :{port}"], capture_output=True, text=True,
                         check=False).stdout
    return {part.split(",")[0] for part in out.split("pid=")[1:]}


@pytest.mark.skipif(shutil.which("ss") is None, reason="needs ss (iproute2)")
def test_workers_2_see_health_and_zone_changes_on_next_query_R52(tmp_path: Path) -> None:
    server = ApiServer(tmp_path, tmp_path / "state", ("--workers", "2"))
    (server.zones_dir / "hc.yaml").write_text(ZONE)
    server.start()
    try:
        assert len(holders(server.dns)) == 2, "two processes share the DNS port"
        assert answers(server.dns, "www.hc.example.org") == {("192.0.2.1",)}
        done = run_netemu("alarm", "set", "canary-errors", "ALARM",
                          "--api", f"127.0.0.1:{server.api}")
        assert done.returncode == 0, done.stderr
        assert answers(server.dns, "www.hc.example.org") == {("192.0.2.2",)}   # R52

        r53 = server.client()
        zone_id = r53.create_hosted_zone(Name="new.example.", CallerReference="w2")[
            "HostedZone"]["Id"]
        assert answers(server.dns, "www.new.example") == {()}   # NXDOMAIN: the zone exists
        r53.change_resource_record_sets(HostedZoneId=zone_id, ChangeBatch={"Changes": [{
            "Action": "CREATE", "ResourceRecordSet": {
                "Name": "www.new.example.", "Type": "A", "TTL": 60,
                "ResourceRecords": [{"Value": "192.0.2.99"}]}}]})
        assert answers(server.dns, "www.new.example") == {("192.0.2.99",)}
        done = run_netemu("alarm", "set", "canary-errors", "OK",
                          "--api", f"127.0.0.1:{server.api}")
        assert done.returncode == 0, done.stderr
        assert answers(server.dns, "www.hc.example.org") == {("192.0.2.1",)}
    finally:
        server.stop()
    assert not holders(server.dns), "the workers stopped with the server"
