"""The VPC resolver resolves as a recursive resolver does (R195-R197), asked with real ``dig``
inside an applied VPC's instance namespace.

``tests/dns/data/chase/lab.yaml`` (one VPC, two internet hosts) is applied under a prefix of
this test process with ``resolver.ensure`` (what ``netemu apply --zones`` does). The internet
hosts run ``netemu serve`` in their namespaces: ``mid`` serves sub.example.net (delegated to it
by example.net, a zone the resolver serves) and delegates deep.sub.example.net to ``deep``, with
glue, and glueless.sub.example.net by a name only a zone of the resolver holds. ``dns1``, an
instance, serves onprem.example, which a FORWARD rule sends to it through an outbound endpoint.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from netemu.dataplane import apply, destroy, kernel, resolver
from netemu.dataplane.state import State
from netemu.vpc.dns import EC2_TTL
from netemu.vpc.load import load_topology_file
from tests.dataplane.conftest import unique_prefix
from tests.helpers import ROOT, free_port

pytestmark = [pytest.mark.netns, pytest.mark.slow,
              pytest.mark.skipif(shutil.which("dig") is None, reason="needs dig")]

DATA = Path(__file__).parent / "data" / "chase"
SERVERS = {   # log name: (namespace suffix, address, zones)
    "mid": ("h-mid", "203.0.113.61", "mid"), "deep": ("h-deep", "203.0.113.62", "deep"),
    "dns1": ("i-app.dns1", "10.0.1.53", "onprem"),   # the FORWARD rule's target
}


@dataclass
class Lab:
    prefix: str
    state: Path

    def dig(self, *args: str) -> str:
        return subprocess.run(["ip", "netns", "exec", f"{self.prefix}i-app.web1", "dig",
                               "+time=5", "+tries=1", *args],
                              capture_output=True, text=True, timeout=20).stdout

    def answer(self, *args: str) -> list[tuple[str, int, str, str]]:
        """(owner, TTL, type, data) of each ANSWER record."""
        out = []
        for line in self.dig("+noall", "+answer", *args).splitlines():
            owner, ttl, _cls, rtype, data = line.split(None, 4)
            out.append((owner, int(ttl), rtype, data))
        return out

    def status(self, *args: str) -> str:
        m = re.search(r"status: (\w+)", self.dig(*args))
        return m.group(1) if m else "no answer"

    def server_log(self, host: str) -> str:
        return (self.state / f"{host}.log").read_text()

    def resolver_log(self) -> str:
        return Path(State.load(self.state).services["resolver"]["log"]).read_text()


@pytest.fixture(scope="module")
def lab(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Lab]:
    topology = load_topology_file(DATA / "lab.yaml")
    prefix, state = unique_prefix(), tmp_path_factory.mktemp("state")
    servers: dict[str, subprocess.Popen[bytes]] = {}
    try:
        apply.apply(topology, prefix, state)
        assert resolver.ensure(topology, prefix, state, [str(DATA / "zones")]) is not None
        for host, (ns, ip, zones) in SERVERS.items():
            with open(state / f"{host}.log", "wb") as sink:
                servers[host] = subprocess.Popen(
                    ["ip", "netns", "exec", prefix + ns, sys.executable, "-m", "netemu",
                     "serve", "--zones", str(DATA / zones), "--listen", f"{ip}:53",
                     "--api", f"127.0.0.1:{free_port()}"],
                    cwd=ROOT, env=dict(os.environ, PYTHONPATH=str(ROOT)), stdout=sink,
                    stderr=sink)
        deadline = time.monotonic() + 20
        for host, proc in servers.items():
            while b"serving" not in (state / f"{host}.log").read_bytes():
                assert proc.poll() is None and time.monotonic() < deadline, \
                    (state / f"{host}.log").read_text()
                time.sleep(0.1)
        yield Lab(prefix, state)
    finally:
        for proc in servers.values():
            proc.terminate()
            proc.wait(10)
        destroy.destroy(prefix, state)
        assert kernel.list_namespaces(prefix) == []


def test_an_in_zone_cname_chain_is_followed_R195(lab: Lab) -> None:
    """Every CNAME then the final A, each at the TTL the zone serves it with; over UDP and TCP;
    a recursive answer (RA, not AA)."""
    want = [("app.corp.internal.", 30, "CNAME", "web.corp.internal."),
            ("web.corp.internal.", 40, "CNAME", "host.corp.internal."),
            ("host.corp.internal.", 50, "A", "10.0.1.10")]
    assert lab.answer("app.corp.internal") == want
    assert lab.answer("+tcp", "app.corp.internal") == want
    flags = re.search(r";; flags: ([^;]*);", lab.dig("app.corp.internal"))
    assert flags is not None and "ra" in flags.group(1).split()
    assert "aa" not in flags.group(1).split()
    # a CNAME query is answered by the CNAME itself, not chased
    assert lab.answer("app.corp.internal", "CNAME") == want[:1]
    # an alias is not a CNAME: it answers with its target's record, no chain
    assert lab.answer("alias.corp.internal") == [("alias.corp.internal.", 50, "A", "10.0.1.10")]


def test_a_chain_crosses_zones_and_a_private_zone_wins_R195_R89_R90(lab: Lab) -> None:
    """A private zone's CNAME into a public zone netemu serves; into a name both a private
    zone of the VPC and a public zone hold: the private one answers (split view); into an EC2
    name of the VPC."""
    assert lab.answer("site.corp.internal") == [
        ("site.corp.internal.", 60, "CNAME", "www.example.com."),
        ("www.example.com.", 70, "A", "192.0.2.1")]
    assert lab.answer("split.corp.internal") == [
        ("split.corp.internal.", 60, "CNAME", "www.split.example."),
        ("www.split.example.", 60, "A", "10.0.1.99")]
    # into the VPC's Amazon-provided names (V83)
    assert lab.answer("ec2.corp.internal") == [
        ("ec2.corp.internal.", 60, "CNAME", "ip-10-0-1-10.ec2.internal."),
        ("ip-10-0-1-10.ec2.internal.", EC2_TTL, "A", "10.0.1.10")]


def test_a_chain_to_a_missing_name_is_nxdomain_R195(lab: Lab) -> None:
    """RFC 6604: the rcode of the last name, with the chain that led there and the SOA of the
    zone that says the name does not exist."""
    out = lab.dig("gone.corp.internal")
    assert "status: NXDOMAIN" in out, out
    assert lab.answer("gone.corp.internal") == [
        ("gone.corp.internal.", 60, "CNAME", "nothere.example.com.")]
    authority = lab.dig("+noall", "+authority", "gone.corp.internal").split()
    assert authority[:1] == ["example.com."] and "SOA" in authority


def test_a_chain_through_a_forwarding_rule_R195_R92(lab: Lab) -> None:
    """A private zone's CNAME into a domain a FORWARD rule sends on: the target is asked of the
    rule's server from the outbound endpoint; and the rule's server answering a CNAME alone
    (it is authoritative, not a resolver): the resolver chases the target in the private zone."""
    assert lab.answer("fwd.corp.internal") == [
        ("fwd.corp.internal.", 60, "CNAME", "www.onprem.example."),
        ("www.onprem.example.", 60, "A", "10.0.1.77")]
    assert re.search(r"10\.0\.[12]\.100#\d+ www\.onprem\.example\. A NOERROR",
                     lab.server_log("dns1")), lab.server_log("dns1")
    assert lab.answer("back.onprem.example") == [
        ("back.onprem.example.", 60, "CNAME", "host.corp.internal."),
        ("host.corp.internal.", 50, "A", "10.0.1.10")]
    # a forwarded answer that needs nothing more comes back as the rule's server gave it
    assert lab.answer("www.onprem.example") == [("www.onprem.example.", 60, "A", "10.0.1.77")]


def test_a_firewall_override_domain_is_chased_too_R142_R195(lab: Lab) -> None:
    """blocked.example.com is answered with a CNAME to the override domain app.corp.internal,
    itself a chain: the whole chain follows, as this VPC's resolver answers it."""
    assert lab.answer("blocked.example.com") == [
        ("blocked.example.com.", 5, "CNAME", "app.corp.internal."),
        ("app.corp.internal.", 30, "CNAME", "web.corp.internal."),
        ("web.corp.internal.", 40, "CNAME", "host.corp.internal."),
        ("host.corp.internal.", 50, "A", "10.0.1.10")]
    lines = (lab.state / "resolver-query-logs" / "app.log").read_text().splitlines()
    record = json.loads(next(line for line in reversed(lines)
                             if '"blocked.example.com."' in line))
    assert record["firewall_rule_action"] == "BLOCK" and record["rcode"] == "NOERROR"


def test_a_chains_blocked_target_is_never_asked_R149_R195(lab: Lab) -> None:
    """leak.corp.internal is a CNAME to secret.sub.example.net, which a BLOCK rule lists: the
    answer is the block (NXDOMAIN), and the delegated server is never asked for the name."""
    assert lab.status("leak.corp.internal") == "NXDOMAIN"
    assert "secret.sub.example.net" not in lab.server_log("mid")
    lines = (lab.state / "resolver-query-logs" / "app.log").read_text().splitlines()
    record = json.loads(next(line for line in reversed(lines)
                             if '"leak.corp.internal."' in line))
    assert record["firewall_rule_action"] == "BLOCK"
    assert record["firewall_domain_list_id"] == "secret"


def test_a_cname_loop_is_servfail_at_once_R196(lab: Lab) -> None:
    """loop1.corp.internal (private) -> loop2.example.com (public) -> loop1.corp.internal."""
    started = time.monotonic()
    assert lab.status("loop1.corp.internal") == "SERVFAIL"
    assert time.monotonic() - started < 2.0
    assert "CNAME loop: loop1.corp.internal." in lab.resolver_log()


def test_a_two_level_delegation_is_followed_to_the_answer_R197(lab: Lab) -> None:
    """example.net (the resolver's) -> mid (sub.example.net) -> deep (deep.sub.example.net):
    both servers really asked from the emulated internet."""
    assert lab.answer("www.sub.example.net") == [
        ("www.sub.example.net.", 60, "A", "198.51.100.61")]
    assert lab.answer("www.deep.sub.example.net") == [
        ("www.deep.sub.example.net.", 80, "A", "198.51.100.62")]
    assert lab.answer("+tcp", "www.deep.sub.example.net") == [
        ("www.deep.sub.example.net.", 80, "A", "198.51.100.62")]
    assert "www.deep.sub.example.net. A NOERROR" in lab.server_log("mid")   # the referral
    assert "www.deep.sub.example.net. A NOERROR" in lab.server_log("deep")
    # a CNAME the deep server answers alone is chased down the delegations again
    assert lab.answer("cn.deep.sub.example.net") == [
        ("cn.deep.sub.example.net.", 90, "CNAME", "www.deep.sub.example.net."),
        ("www.deep.sub.example.net.", 80, "A", "198.51.100.62")]
    # a chain from a private zone into the two delegations
    assert lab.answer("deep.corp.internal") == [
        ("deep.corp.internal.", 60, "CNAME", "www.deep.sub.example.net."),
        ("www.deep.sub.example.net.", 80, "A", "198.51.100.62")]
    # a name the deepest server does not hold: its NXDOMAIN
    assert lab.status("nothere.deep.sub.example.net") == "NXDOMAIN"


def test_a_glueless_delegation_resolves_its_name_server_first_R197(lab: Lab) -> None:
    """mid delegates glueless.sub.example.net to ns-deep.example.com without an address: the
    resolver resolves that name (a public zone it serves) and asks deep."""
    assert lab.answer("www.glueless.sub.example.net") == [
        ("www.glueless.sub.example.net.", 60, "A", "198.51.100.63")]
    assert "www.glueless.sub.example.net. A NOERROR" in lab.server_log("deep")


def test_the_query_log_records_the_whole_chain_R195(lab: Lab) -> None:
    lab.dig("site.corp.internal")
    lines = (lab.state / "resolver-query-logs" / "app.log").read_text().splitlines()
    record = json.loads(next(line for line in reversed(lines)
                             if '"site.corp.internal."' in line))
    assert record["rcode"] == "NOERROR"
    assert record["answers"] == [
        {"Rdata": "www.example.com.", "Type": "CNAME", "Class": "IN"},
        {"Rdata": "192.0.2.1", "Type": "A", "Class": "IN"}]
