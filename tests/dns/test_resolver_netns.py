"""The VPC resolver, asked with real ``dig`` inside the namespaces of an applied topology.

``tests/dns/data/resolver/lab.yaml`` (five VPCs, one per DNS setting) is applied under a prefix
of this test process with ``resolver.ensure`` (what ``netemu apply --zones`` does), the zones
copied to a temporary folder so that one test can change them. The corp VPC's own name server
(``netemu serve`` inside instance dns1's namespace) stands for a custom DHCP name server.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import socket
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from netemu.dataplane import apply, destroy, kernel, resolver
from netemu.dataplane.state import State
from netemu.vpc.load import load_topology_file
from netemu.vpc.model import Topology
from tests.dataplane.conftest import unique_prefix
from tests.helpers import ROOT, free_port

pytestmark = [pytest.mark.netns, pytest.mark.slow,
              pytest.mark.skipif(shutil.which("dig") is None, reason="needs dig")]

DATA = Path(__file__).parent / "data" / "resolver"
HEALTH_ZONE = """
HostedZone: {{Name: svc.internal., Config: {{PrivateZone: true}}}}
VPCs: [{{VPCRegion: us-east-1, VPCId: app}}]
HealthChecks:
  - Id: primary-up
    HealthCheckConfig: {{Type: TCP, IPAddress: 127.0.0.1, Port: {port}, RequestInterval: 10,
                        FailureThreshold: 1}}
ResourceRecordSets:
  - {{Name: api.svc.internal., Type: A, TTL: 0, SetIdentifier: p, Failover: PRIMARY,
     HealthCheckId: primary-up, ResourceRecords: [{{Value: 10.0.1.51}}]}}
  - {{Name: api.svc.internal., Type: A, TTL: 0, SetIdentifier: s, Failover: SECONDARY,
     ResourceRecords: [{{Value: 10.0.1.52}}]}}
"""


@dataclass
class Lab:
    topology: Topology
    prefix: str
    state: Path
    zones: Path
    pid: int
    listener: socket.socket

    def ns(self, node: str) -> str:
        vpc, name = node.split("/")
        return f"{self.prefix}i-{vpc}.{name}"

    def dig(self, node: str, *args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(["ip", "netns", "exec", self.ns(node), "dig", "+time=2",
                               "+tries=1", *args], capture_output=True, text=True, timeout=20)

    def short(self, node: str, *args: str) -> list[str]:
        return self.dig(node, "+short", *args).stdout.split()

    def status(self, node: str, *args: str) -> str:
        m = re.search(r"status: (\w+)", self.dig(node, *args).stdout)
        return m.group(1) if m else "no answer"

    def flags(self, node: str, *args: str) -> set[str]:
        m = re.search(r";; flags: ([^;]*);", self.dig(node, *args).stdout)
        return set(m.group(1).split()) if m else set()


@pytest.fixture(scope="module")
def lab(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Lab]:
    topology = load_topology_file(DATA / "lab.yaml")
    prefix, state = unique_prefix(), tmp_path_factory.mktemp("state")
    zones = tmp_path_factory.mktemp("zones")
    for f in (DATA / "zones").iterdir():
        shutil.copy(f, zones / f.name)
    # a failover pair whose primary's health check probes a loopback port of this process
    listener = socket.create_server(("127.0.0.1", 0))
    (zones / "health.yaml").write_text(HEALTH_ZONE.format(port=listener.getsockname()[1]))
    server = extdns = None
    try:
        apply.apply(topology, prefix, state)
        record = resolver.ensure(topology, prefix, state, [str(zones)], time_scale=0.05)
        assert record is not None
        # the corp VPC's own name server, a custom DHCP domain_name_servers entry
        log = state / "dns1.log"
        with open(log, "wb") as sink:
            server = subprocess.Popen(
                ["ip", "netns", "exec", f"{prefix}i-corp.dns1", sys.executable, "-m", "netemu",
                 "serve", "--zones", str(DATA / "corp-dns"), "--listen", "10.4.1.53:53",
                 "--api", f"127.0.0.1:{free_port()}"],
                cwd=ROOT, env=dict(os.environ, PYTHONPATH=str(ROOT)), stdout=sink, stderr=sink)
        # a DNS server on an internet host, delegated to by a public zone (recursion)
        ext_log = state / "extdns.log"
        with open(ext_log, "wb") as sink:
            extdns = subprocess.Popen(
                ["ip", "netns", "exec", f"{prefix}h-extdns", sys.executable, "-m", "netemu",
                 "serve", "--zones", str(DATA / "extdns"), "--listen", "203.0.113.53:53",
                 "--api", f"127.0.0.1:{free_port()}"],
                cwd=ROOT, env=dict(os.environ, PYTHONPATH=str(ROOT)), stdout=sink, stderr=sink)
        lab = Lab(topology, prefix, state, zones, int(record["pid"]), listener)
        deadline = time.monotonic() + 20
        for proc, out in ((server, log), (extdns, ext_log)):
            while b"serving" not in out.read_bytes():
                assert proc.poll() is None and time.monotonic() < deadline, out.read_text()
                time.sleep(0.1)
        yield lab
    finally:
        listener.close()
        for proc in (server, extdns):
            if proc is not None:
                proc.terminate()
                proc.wait(10)
        destroy.destroy(prefix, state)
        assert kernel.list_namespaces(prefix) == []
        proc = Path(f"/proc/{record['pid']}")
        assert not proc.exists() or not (proc / "cmdline").read_bytes(), "resolver outlived destroy"


def test_apply_records_the_resolver_pid_and_destroy_stops_it(lab: Lab) -> None:
    record = State.load(lab.state).services["resolver"]
    assert record["pid"] == lab.pid
    cmdline = Path(f"/proc/{lab.pid}/cmdline").read_bytes()
    assert b"netemu.dns.resolver" in cmdline
    # one process for every VPC: four VPCs with DNS support, two addresses each, UDP and TCP
    assert "4 VPC(s) on 16 sockets" in Path(record["log"]).read_text()


def test_private_zone_answers_only_in_associated_vpcs_R88_and_split_view_R89(lab: Lab) -> None:
    assert lab.short("app/web2", "www.example.com") == ["10.0.1.10"]     # private zone
    assert lab.short("data/db1", "www.example.com") == ["192.0.2.1"]     # public zone
    assert lab.short("app/web2", "db.example.internal") == ["10.0.1.20"]
    assert lab.status("data/db1", "db.example.internal") == "NXDOMAIN"   # not associated


def test_the_vpc_region_is_the_client_location_of_latency_records_R58(lab: Lab) -> None:
    assert lab.short("app/web2", "api.lat.internal") == ["10.9.1.1"]    # us-east-1
    assert lab.short("data/db1", "api.lat.internal") == ["10.9.2.2"]    # us-west-2


def test_a_miss_in_the_private_zone_never_falls_through_R90(lab: Lab) -> None:
    assert lab.status("app/web2", "api.example.com") == "NXDOMAIN"
    assert lab.status("app/web2", "www.example.com", "MX") == "NOERROR"  # NODATA
    assert lab.short("app/web2", "www.example.com", "MX") == []
    assert lab.short("data/db1", "api.example.com") == ["192.0.2.2"]


def test_plain_dig_uses_resolv_conf_V15(lab: Lab) -> None:
    conf = Path("/etc/netns", lab.ns("app/web2"), "resolv.conf").read_text()
    assert "nameserver 10.0.0.2" in conf and "search example.internal" in conf
    out = subprocess.run(["ip", "netns", "exec", lab.ns("app/web2"), "dig", "www.example.com"],
                         capture_output=True, text=True, timeout=20).stdout
    assert "SERVER: 10.0.0.2#53" in out
    assert re.search(r"www\.example\.com\.\s+60\s+IN\s+A\s+10\.0\.1\.10", out), out


def test_169_254_169_253_answers_and_no_sg_or_nacl_blocks_it_V80_V50_V37(lab: Lab) -> None:
    # web1's only group allows nothing in or out, its subnet's NACL denies everything both
    # ways; the resolver is reached anyway
    assert lab.short("app/web1", "@169.254.169.253", "www.example.com") == ["10.0.1.10"]
    assert lab.short("app/web1", "@10.0.0.2", "www.example.com") == ["10.0.1.10"]


def test_resolver_answers_are_recursive_not_authoritative_V80(lab: Lab) -> None:
    flags = lab.flags("app/web2", "www.example.com")
    assert "ra" in flags and "aa" not in flags
    assert lab.status("app/web2", "+norecurse", "www.example.com") == "REFUSED"


def test_names_outside_every_zone_are_nxdomain_at_once(lab: Lab) -> None:
    started = time.monotonic()
    assert lab.status("app/web2", "nothing.invalid") == "NXDOMAIN"
    assert time.monotonic() - started < 1.5
    # zone transfers stay refused, as by the name servers (not turned into NXDOMAIN)
    script = ("import dns.message, dns.query, dns.rcode; "
              "q = dns.message.make_query('example.com', 'AXFR'); "
              "print(dns.rcode.to_text(dns.query.tcp(q, '10.0.0.2', timeout=3).rcode()))")
    got = subprocess.run(["ip", "netns", "exec", lab.ns("app/web2"), sys.executable, "-c",
                          script], capture_output=True, text=True, timeout=20)
    assert got.stdout.strip() == "REFUSED", got.stderr


def test_a_delegation_to_an_internet_host_is_really_followed(lab: Lab) -> None:
    """example.org (served by netemu) delegates partner.example.org to extdns, an internet host
    of the topology running its own server: the resolver asks it through the emulated internet."""
    assert lab.short("data/db1", "www.partner.example.org") == ["198.51.100.77"]
    assert lab.short("data/db1", "+tcp", "www.partner.example.org") == ["198.51.100.77"]
    log = (lab.state / "extdns.log").read_text()
    assert "www.partner.example.org. A NOERROR" in log, log
    flags = lab.flags("data/db1", "www.partner.example.org")
    assert "ra" in flags and "aa" not in flags
    # a delegation without glue nobody can follow: SERVFAIL at once, not a hang
    started = time.monotonic()
    assert lab.status("data/db1", "x.lame.example.org") == "SERVFAIL"
    assert time.monotonic() - started < 1.5


def test_ec2_hostnames_with_both_attributes_on_V82_V83_V84(lab: Lab) -> None:
    assert lab.short("app/web2", "ip-10-0-1-10.ec2.internal") == ["10.0.1.10"]
    assert lab.short("app/web2", "-x", "10.0.1.11") == ["ip-10-0-1-11.ec2.internal."]
    # the public DNS name answers the private address inside the VPC (V84)
    assert lab.short("app/web2", "ec2-198-51-100-10.compute-1.amazonaws.com") == ["10.0.1.10"]
    # outside us-east-1: REGION.compute.internal
    assert lab.short("data/db1", "ip-10-1-1-10.us-west-2.compute.internal") == ["10.1.1.10"]
    # another VPC's instance names are not this VPC's (corp is not peered with app); its
    # public name answers the public address there
    assert lab.status("corp/c1", "@10.4.0.2", "ip-10-0-1-10.ec2.internal") == "NXDOMAIN"
    assert lab.short("corp/c1", "@10.4.0.2", "ec2-198-51-100-10.compute-1.amazonaws.com") == [
        "198.51.100.10"]


def test_dns_resolution_over_a_peering_V61(lab: Lab) -> None:
    """app and data are peered with DNS resolution on: each resolves the other's EC2 names,
    the public one included, to private addresses."""
    assert lab.short("data/db1", "ip-10-0-1-10.ec2.internal") == ["10.0.1.10"]
    assert lab.short("data/db1", "ec2-198-51-100-10.compute-1.amazonaws.com") == ["10.0.1.10"]
    assert lab.short("app/web2", "ip-10-1-1-10.us-west-2.compute.internal") == ["10.1.1.10"]
    # but not each other's private hosted zones (those need an association, R88)
    assert lab.status("data/db1", "db.example.internal") == "NXDOMAIN"


def test_ec2_hostnames_off_V82(lab: Lab) -> None:
    assert lab.status("plain/p1", "ip-10-2-1-10.ec2.internal") == "NXDOMAIN"
    assert lab.short("plain/p1", "-x", "10.2.1.10") == []


def test_no_resolver_without_dns_support(lab: Lab) -> None:
    got = lab.dig("nodns/n1", "+time=1", "www.example.com")
    assert got.returncode != 0 and "status:" not in got.stdout
    conf = Path("/etc/netns", lab.ns("nodns/n1"), "resolv.conf").read_text()
    assert "nameserver 10.3.0.2" in conf   # DHCP still hands out AmazonProvidedDNS


def test_amazon_provided_dns_is_the_default_options_set(lab: Lab) -> None:
    conf = Path("/etc/netns", lab.ns("data/db1"), "resolv.conf").read_text()
    assert conf.splitlines()[1:] == ["search us-west-2.compute.internal", "nameserver 10.1.0.2"]
    conf = Path("/etc/netns", lab.ns("plain/p1"), "resolv.conf").read_text()
    assert conf.splitlines()[1:] == ["search ec2.internal", "nameserver 10.2.0.2"]


def test_search_domain_resolves_a_short_name_through_the_vpc_resolver(lab: Lab) -> None:
    assert lab.short("app/web2", "+search", "db") == ["10.0.1.20"]
    assert lab.short("app/web2", "db") == []   # without the search list: no such name


def test_custom_name_server_of_the_options_set_is_really_queried(lab: Lab) -> None:
    conf = Path("/etc/netns", lab.ns("corp/c1"), "resolv.conf").read_text()
    assert conf.splitlines()[1:] == ["search corp.example", "nameserver 10.4.1.53"]
    assert lab.short("corp/c1", "+search", "intranet") == ["10.4.1.80"]
    log = (lab.state / "dns1.log").read_text()
    assert re.search(r"10\.4\.1\.10#\d+ intranet\.corp\.example\. A NOERROR", log), log


def test_weighted_record_answers_inside_the_vpc_with_its_shares_R50(lab: Lab) -> None:
    n = 400
    got = lab.short("app/web2", *["w.example.internal"] * n)
    counts = Counter(got)
    assert set(counts) == {"10.9.0.1", "10.9.0.2"} and sum(counts.values()) == n
    share = counts["10.9.0.1"] / n          # weights 3 and 1
    assert 0.66 < share < 0.84, counts


def test_a_zone_change_reaches_the_resolver_without_re_applying(lab: Lab) -> None:
    path = lab.zones / "private-example-internal.yaml"
    text = path.read_text()
    path.write_text(text + "  - {Name: new.example.internal., Type: A, TTL: 0, "
                           "ResourceRecords: [{Value: 10.0.1.99}]}\n")
    try:
        deadline = time.monotonic() + 10
        while lab.short("app/web2", "new.example.internal") != ["10.0.1.99"]:
            assert time.monotonic() < deadline, "the change never reached the resolver"
            time.sleep(0.3)
        # an invalid set is refused and the previous one keeps answering
        path.write_text(text + "  - {Name: bad.example.internal., Type: A, TTL: 0, "
                               "ResourceRecords: [{Value: not-an-address}]}\n")
        time.sleep(2.5)
        assert lab.short("app/web2", "new.example.internal") == ["10.0.1.99"]
        assert "refused" in Path(State.load(lab.state).services["resolver"]["log"]).read_text()
    finally:
        path.write_text(text)


def test_query_log_per_vpc(lab: Lab) -> None:
    lab.short("data/db1", "www.example.com")
    lines = (lab.state / "resolver-query-logs" / "data.log").read_text().splitlines()
    record = json.loads(lines[-1])
    assert record["query_name"] == "www.example.com." and record["vpc_id"] == "data"
    assert record["region"] == "us-west-2" and record["srcaddr"] == "10.1.1.10"
    assert record["rcode"] == "NOERROR" and record["transport"] == "UDP"
    assert record["answers"] == [{"Rdata": "192.0.2.1", "Type": "A", "Class": "IN"}]


def test_health_transitions_reach_the_resolver_R38(lab: Lab) -> None:
    """The resolver probes the zones' health checks itself: the primary answers while its
    port listens, the secondary once it stops listening (time scale 0.05: 0.5 s interval)."""
    assert lab.short("app/web2", "api.svc.internal") == ["10.0.1.51"]
    lab.listener.close()
    deadline = time.monotonic() + 15
    while lab.short("app/web2", "api.svc.internal") != ["10.0.1.52"]:
        assert time.monotonic() < deadline, "the failover never reached the resolver"
        time.sleep(0.3)
