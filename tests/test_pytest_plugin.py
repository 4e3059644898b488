"""The pytest plugin (netemu/pytest_plugin.py) as a user meets it: a test suite of their own in a
temporary folder, outside this repository and without its conftest.py, run by pytest in a
subprocess; the fixtures come from the installed package's ``pytest11`` entry point alone. One
suite passes; one holds wrong assertions and fails, printing the trace as ``netemu trace`` does.
Then the helpers and fixtures in this process (the plugin is loaded here too)."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from netemu.pytest_plugin import (
    DnsServer,
    TopologyUnderTest,
    assert_blocked,
    assert_reachable,
    explain,
)
from tests.helpers import ROOT

# A web server open to the internet and a database reachable only from the web subnet: the
# database's NACL lets in 5432 from 10.0.1.0/24 and nothing else.
SHOP = """\
region: us-east-1
vpcs:
  - name: shop
    cidr_blocks: [10.0.0.0/16]
    internet_gateway: true
    subnets:
      - {name: public, cidr: 10.0.1.0/24, az: us-east-1a, route_table: public}
      - {name: data, cidr: 10.0.2.0/24, az: us-east-1a, network_acl: data}
    route_tables:
      - name: public
        routes: [{destination: 0.0.0.0/0, target: internet_gateway}]
    network_acls:
      - name: data
        inbound: [{rule: 100, protocol: tcp, ports: 5432, cidr: 10.0.1.0/24, action: allow}]
        outbound: [{rule: 100, protocol: tcp, ports: 1024-65535, cidr: 10.0.1.0/24,
                    action: allow}]
    security_groups:
      - name: web
        ingress: [{protocol: tcp, ports: 443, cidr: 0.0.0.0/0}]
      - name: db
        ingress: [{protocol: tcp, ports: 5432, source_group: web},
                  {protocol: tcp, ports: 22, cidr: 10.0.0.0/16}]
    instances:
      - {name: web, subnet: public, private_ip: 10.0.1.10, public_ip: 198.51.100.10,
         security_groups: [web]}
      - {name: db, subnet: data, private_ip: 10.0.2.10, security_groups: [db]}
internet:
  hosts: [{name: client, ip: 203.0.113.50}]
"""

ZONE = """\
HostedZone: {Name: shop.test.}
ResourceRecordSets:
  - {Name: www.shop.test., Type: A, TTL: 60, ResourceRecords: [{Value: 198.51.100.10}]}
"""

PASSING = '''\
from netemu.pytest_plugin import assert_blocked, assert_reachable


def test_the_database_is_not_on_the_internet(netemu_topology):
    shop = netemu_topology("shop.yaml")
    assert_reachable(shop, "client", "web", port=443)
    assert_reachable(shop, "web", "db", port=5432)
    assert_blocked(shop, "client", "db", port=5432)
    assert_blocked(shop, "web", "db", port=22, by="network-acl")


def test_www_answers(netemu_dns):
    dns = netemu_dns("zone.yaml", {"HostedZone": {"Name": "extra.test."},
                                   "ResourceRecordSets": []}, time_scale=0.1)
    assert dns.resolve("www.shop.test") == ["198.51.100.10"]
    assert dns.query("nothere.shop.test").rcode == "NXDOMAIN"
    zones = dns.route53.list_hosted_zones()["HostedZones"]
    assert sorted(z["Name"] for z in zones) == ["extra.test.", "shop.test."]


def test_time_scale_from_the_ini_file(netemu_dns):
    dns = netemu_dns("zone.yaml")
    assert dns.time_scale == 0.25
    assert dns.process.args[dns.process.args.index("--time-scale") + 1] == "0.25"
'''

FAILING = '''\
from netemu.pytest_plugin import assert_blocked, assert_reachable


def test_ssh_to_the_database(netemu_topology):
    assert_reachable(netemu_topology("shop.yaml"), "web", "db", port=22)


def test_blocked_by_the_wrong_thing(netemu_topology):
    assert_blocked(netemu_topology("shop.yaml"), "web", "db", port=22, by="security-group")


def test_right(netemu_topology):
    assert_blocked(netemu_topology("shop.yaml"), "web", "db", port=22, by="network-acl")
'''


def _user_suite(folder: Path, test_text: str, *prefix: str) -> subprocess.CompletedProcess[str]:
    """Write the suite into ``folder`` (outside the repository) and run pytest there, with this
    environment's installed netemu and no PYTHONPATH: only the entry point brings the plugin.
    ``prefix``: a command to run pytest under (``setpriv`` to drop root)."""
    assert not folder.resolve().is_relative_to(ROOT)
    (folder / "shop.yaml").write_text(SHOP)
    (folder / "zone.yaml").write_text(ZONE)
    (folder / "test_user.py").write_text(test_text)
    (folder / "pytest.ini").write_text("[pytest]\nnetemu_time_scale = 0.25\n")
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "PYTEST_ADDOPTS",
                                                            "PYTEST_PLUGINS")}
    return subprocess.run(
        [*prefix, sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-W", "ignore",
         "-rA", str(folder)],
        cwd=folder, env=env, capture_output=True, text=True, timeout=300, check=False)


@pytest.mark.slow
def test_user_suite_with_only_the_plugin_passes(tmp_path: Path) -> None:
    result = _user_suite(tmp_path, PASSING)
    out = result.stdout + result.stderr
    assert result.returncode == 0, out
    assert "3 passed" in out, out
    assert "plugins:" in out and "netemu-" in out, out   # loaded through the entry point
    assert not (tmp_path / "conftest.py").exists()


@pytest.mark.slow
def test_user_suite_with_a_wrong_reachability_assertion_fails_with_the_trace(
        tmp_path: Path) -> None:
    result = _user_suite(tmp_path, FAILING)
    out = result.stdout
    assert result.returncode == 1, out + result.stderr
    assert "2 failed, 1 passed" in out, out
    # the wrong assertion, and the trace as `netemu trace` prints it, hop by hop
    assert "expected web -> db (tcp port 22) to be reachable: dropped by network-acl data" in out
    trace = subprocess.run(
        [sys.executable, "-m", "netemu", "trace", str(tmp_path / "shop.yaml"), "--from", "web",
         "--to", "db", "--port", "22", "--no-color"],
        capture_output=True, text=True, timeout=60, check=False).stdout
    assert "DROP" in trace and "NOT REACHABLE" in trace
    for line in trace.splitlines():
        if line.strip():
            assert line.rstrip() in out, line
    assert ("expected web -> db (tcp port 22) to be blocked by security-group, but it is "
            "blocked by network-acl data [SUBNET_ACL_RESTRICTION]") in out


@pytest.mark.slow
def test_loading_the_plugin_imports_nothing_heavy() -> None:
    """pytest loads the plugin in every session of an environment where netemu is installed:
    the loaders, the server, YAML and boto3 are imported only when a fixture is used."""
    code = ("import sys, netemu.pytest_plugin\n"
            "print(' '.join(sorted(m for m in sys.modules if m.split('.')[0] in "
            "('netemu', 'yaml', 'boto3', 'botocore', 'dnslib', 'aiohttp'))))")
    loaded = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            check=True, timeout=60).stdout.split()
    assert loaded == ["netemu", "netemu.pytest_plugin"]


# --- in this process ---------------------------------------------------------------------------


@pytest.mark.slow
def test_failure_message_is_the_trace_command_output(
        tmp_path: Path, netemu_topology: Callable[[Any], TopologyUnderTest]) -> None:
    (tmp_path / "shop.yaml").write_text(SHOP)
    shop = netemu_topology(tmp_path / "shop.yaml")
    with pytest.raises(AssertionError) as failed:
        shop.assert_reachable("client", "db", port=5432)
    cli = subprocess.run(
        [sys.executable, "-m", "netemu", "trace", str(tmp_path / "shop.yaml"), "--from",
         "client", "--to", "db", "--port", "5432", "--no-color"],
        capture_output=True, text=True, timeout=60, check=False)
    assert cli.returncode == 2 and cli.stdout
    assert str(failed.value).endswith("\n\n" + cli.stdout)
    assert explain(shop.trace("client", "db", port=5432)) == cli.stdout


def test_assert_blocked_fails_on_a_reachable_flow_and_on_the_wrong_code(
        netemu_topology: Callable[[Any], TopologyUnderTest]) -> None:
    """A dict is a topology too; ``code`` is the Reachability Analyzer explanation code."""
    import yaml

    shop = netemu_topology(yaml.safe_load(SHOP))
    with pytest.raises(AssertionError, match="to be blocked by network-acl, but it is reachable"):
        assert_blocked(shop, "client", "web", port=443, by="network-acl")
    with pytest.raises(AssertionError, match=r"blocked by network-acl data \[SUBNET_ACL_RE"):
        assert_blocked(shop, "web", "db", port=22, by="network-acl", code="NO_ROUTE")
    with pytest.raises(AssertionError, match="component kinds use dashes"):
        assert_blocked(shop, "web", "db", port=22, by="network_acl")
    t = assert_blocked(shop, "web", "db", port=22, by="network-acl",
                       code="SUBNET_ACL_RESTRICTION")
    assert not t.reachable
    assert assert_reachable(shop, "web", "db", port=5432).reachable


def test_shipped_topology_by_its_relative_path(
        netemu_topology: Callable[[Any], TopologyUnderTest]) -> None:
    """A relative path that is neither beside the test nor in the current folder is the copy
    shipped with netemu, as on the command line."""
    three = netemu_topology("topologies/three-tier.yaml")
    assert Path(three.source).is_file()
    three.assert_reachable("client", "web1", port=443)


@pytest.mark.slow
def test_netemu_dns_serves_dicts_files_and_the_route53_api(
        netemu_dns: Callable[..., DnsServer]) -> None:
    """The server is real: zone files and dicts are served, a zone and record created through
    boto3 on its ``--api`` are answered over DNS, and ``time_scale`` reaches ``netemu serve
    --time-scale``."""
    dns = netemu_dns(ROOT / "zones" / "basics.yaml",
                     {"HostedZone": {"Name": "plugin.test."}, "ResourceRecordSets": []},
                     time_scale=0.1)
    assert dns.resolve("www.example.com") == ["192.0.2.10"]
    reply = dns.query("www.example.com", "A", tcp=True)
    assert reply.rcode == "NOERROR" and "aa" in reply.flags
    assert dns.query("www.example.invalid").rcode == "REFUSED"
    r53 = dns.route53
    listed = sorted(z["Name"] for z in r53.list_hosted_zones()["HostedZones"])
    assert listed == ["example.com.", "plugin.test."]
    zone = r53.create_hosted_zone(Name="api.test.", CallerReference="plugin")["HostedZone"]
    r53.change_resource_record_sets(HostedZoneId=zone["Id"], ChangeBatch={"Changes": [{
        "Action": "CREATE", "ResourceRecordSet": {
            "Name": "new.api.test.", "Type": "A", "TTL": 60,
            "ResourceRecords": [{"Value": "192.0.2.77"}]}}]})
    assert dns.resolve("new.api.test") == ["192.0.2.77"]
    cmdline = Path(f"/proc/{dns.process.pid}/cmdline").read_bytes().split(b"\0")
    assert cmdline[cmdline.index(b"--time-scale") + 1] == b"0.1"
    dns.stop()
    assert dns.process.returncode is not None


@pytest.mark.netns
@pytest.mark.slow
def test_netemu_dataplane_applies_and_always_destroys(tmp_path: Path) -> None:
    """A user test that applies a topology and then fails: the namespaces existed during the
    test (the node has its address) and are gone afterwards all the same."""
    suite = '''\
from pathlib import Path


def test_apply_then_fail(netemu_dataplane):
    dep = netemu_dataplane("shop.yaml")
    Path("prefix.txt").write_text(dep.prefix)
    shown = dep.exec("web", "ip", "-brief", "address")
    assert shown.returncode == 0, shown.stderr
    Path("addresses.txt").write_text(shown.stdout)
    assert False, "failing on purpose"
'''
    result = _user_suite(tmp_path, suite)
    assert result.returncode == 1 and "failing on purpose" in result.stdout, result.stdout
    prefix = (tmp_path / "prefix.txt").read_text()
    assert prefix.startswith("netemu-p")
    assert "10.0.1.10" in (tmp_path / "addresses.txt").read_text()
    left = subprocess.run(["ip", "netns", "list"], capture_output=True, text=True,
                          check=True).stdout
    assert prefix not in left


@pytest.mark.slow
def test_readme_user_test_passes_as_written(tmp_path: Path) -> None:
    """The README's ten-line test, copied into an empty folder: the relative paths it names
    are the shipped examples."""
    readme = (ROOT / "README.md").read_text()
    start = readme.index("```python\n# test_network.py") + len("```python\n")
    code = readme[start:readme.index("```", start)]
    assert "netemu_topology" in code and "netemu_dns" in code and "assert_blocked" in code
    result = _user_suite(tmp_path, code)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "2 passed" in result.stdout


@pytest.mark.slow
@pytest.mark.skipif(os.geteuid() != 0 or shutil.which("setpriv") is None,
                    reason="needs root and setpriv (util-linux) to run the suite as nobody")
def test_netemu_dataplane_is_skipped_with_the_reason_without_root() -> None:
    """The same kind of user test run as user nobody: skipped, saying why, not failed."""
    suite = (
        "def test_needs_namespaces(netemu_dataplane):\n"
        "    netemu_dataplane('shop.yaml')\n"
    )
    with tempfile.TemporaryDirectory(prefix="netemu-plugin-") as tmp:
        folder = Path(tmp)
        folder.chmod(0o777)
        result = _user_suite(folder, suite, "setpriv", "--reuid=65534", "--regid=65534",
                             "--clear-groups")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "1 skipped" in result.stdout
    assert "netemu_dataplane needs root (network namespaces)" in result.stdout
