"""``netemu apply --api-state DIR``: the VPC resolvers answer the hosted zones a running ``netemu
serve --api --state DIR`` holds, created with real boto3, and follow its changes without
re-applying (real server on loopback, real namespaces, real dig)."""

from __future__ import annotations

import shutil
import socket
import subprocess
import time
from pathlib import Path
from typing import Any

import pytest

from netemu.dataplane import kernel
from tests.dataplane.conftest import unique_prefix
from tests.helpers import run_netemu
from tests.live import ApiServer

pytestmark = [pytest.mark.netns, pytest.mark.slow,
              pytest.mark.skipif(shutil.which("dig") is None, reason="needs dig")]

TOPOLOGY = """
region: us-east-1
vpcs:
  - name: app
    cidr_blocks: [10.61.0.0/16]
    enable_dns_hostnames: true
    subnets: [{name: a, cidr: 10.61.1.0/24, az: us-east-1a}]
    instances: [{name: web, subnet: a, private_ip: 10.61.1.10}]
  - name: other
    cidr_blocks: [10.62.0.0/16]
    enable_dns_hostnames: true
    subnets: [{name: b, cidr: 10.62.1.0/24, az: us-east-1a}]
    instances: [{name: box, subnet: b, private_ip: 10.62.1.10}]
"""
POLL_SECONDS = 10.0


def dig(prefix: str, node: str, name: str) -> tuple[str, list[str]]:
    """(status, answers) of ``dig name`` inside ``node`` (its resolv.conf: the VPC resolver)."""
    where = ["ip", "netns", "exec", f"{prefix}i-{node}", "dig", "+time=2", "+tries=1"]
    out = subprocess.run([*where, name], capture_output=True, text=True, timeout=20,
                         check=False).stdout
    status = out.split("status: ", 1)[1].split(",", 1)[0] if "status: " in out else "NO REPLY"
    short = subprocess.run([*where, "+short", name], capture_output=True, text=True,
                           timeout=20, check=False).stdout.split()
    return status, short


def until(prefix: str, node: str, name: str, want: list[str]) -> list[str]:
    """Dig until the answer is ``want`` or POLL_SECONDS pass; the last answer."""
    deadline = time.monotonic() + POLL_SECONDS
    got: list[str] = []
    while time.monotonic() < deadline:
        got = dig(prefix, node, name)[1]
        if got == want:
            break
        time.sleep(0.1)
    return got


def a_record(name: str, value: str, action: str = "CREATE") -> dict[str, Any]:
    return {"Action": action, "ResourceRecordSet": {"Name": name, "Type": "A", "TTL": 60,
                                                    "ResourceRecords": [{"Value": value}]}}


def failover(name: str, role: str, value: str, check: str | None = None) -> dict[str, Any]:
    rrset: dict[str, Any] = {"Name": name, "Type": "A", "TTL": 0, "SetIdentifier": role,
                             "Failover": role, "ResourceRecords": [{"Value": value}]}
    if check:
        rrset["HealthCheckId"] = check
    return {"Action": "CREATE", "ResourceRecordSet": rrset}


def private_zone(r53: Any, name: str, vpc: str) -> str:
    made = r53.create_hosted_zone(Name=name, CallerReference=f"ref-{name}",
                                  VPC={"VPCRegion": "us-east-1", "VPCId": vpc},
                                  HostedZoneConfig={"PrivateZone": True})
    return str(made["HostedZone"]["Id"])


def test_api_zones_reach_the_vpc_resolvers_and_follow_changes_R88_R89(tmp_path: Path) -> None:
    """R88: a private zone created through the API answers only in the VPC it is associated
    with (VPCId names the topology's VPC), until AssociateVPCWithHostedZone adds another; R89:
    split view between a private and a public zone of the same name; a public zone answers in
    every VPC; a ChangeResourceRecordSets UPSERT reaches the resolver without re-applying;
    R74, R76: a health check created through the API is probed by the resolver, and failover (R52,
    allowed in private zones, R91) follows it."""
    prefix, dp_state, api_state = unique_prefix(), tmp_path / "dp", tmp_path / "api"
    topo = tmp_path / "two.yaml"
    topo.write_text(TOPOLOGY)
    common = ["--state", str(dp_state), "--prefix", prefix]
    server = ApiServer(tmp_path, api_state)
    server.start()
    try:
        r53 = server.client()
        corp = private_zone(r53, "corp.internal", "app")
        r53.change_resource_record_sets(HostedZoneId=corp, ChangeBatch={"Changes": [
            a_record("db.corp.internal.", "10.61.1.50")]})
        secret = private_zone(r53, "secret.internal", "other")
        r53.change_resource_record_sets(HostedZoneId=secret, ChangeBatch={"Changes": [
            a_record("vault.secret.internal.", "10.62.1.77")]})
        public = str(r53.create_hosted_zone(Name="corp.internal", CallerReference="pub")
                     ["HostedZone"]["Id"])
        r53.change_resource_record_sets(HostedZoneId=public, ChangeBatch={"Changes": [
            a_record("db.corp.internal.", "192.0.2.50"),
            a_record("www.corp.internal.", "192.0.2.80")]})

        out = run_netemu("apply", str(topo), "--api-state", str(api_state), "--quiet",
                         "--time-scale", "0.05", *common)
        assert out.returncode == 0, out.stderr
        assert "VPC resolver running (pid" in out.stdout

        assert dig(prefix, "app.web", "db.corp.internal") == ("NOERROR", ["10.61.1.50"])
        # R90: a miss in the private zone is NXDOMAIN, never the public zone's www
        assert dig(prefix, "app.web", "www.corp.internal")[0] == "NXDOMAIN"
        # R89: the VPC without the private zone sees the public one
        assert dig(prefix, "other.box", "db.corp.internal") == ("NOERROR", ["192.0.2.50"])
        # R88: a zone associated with another VPC is not visible here
        assert dig(prefix, "app.web", "vault.secret.internal")[0] == "NXDOMAIN"
        assert dig(prefix, "other.box", "vault.secret.internal") == ("NOERROR", ["10.62.1.77"])

        # a change through the API reaches the resolver without re-applying
        r53.change_resource_record_sets(HostedZoneId=corp, ChangeBatch={"Changes": [
            a_record("db.corp.internal.", "10.61.1.51", "UPSERT")]})
        assert until(prefix, "app.web", "db.corp.internal", ["10.61.1.51"]) == ["10.61.1.51"]
        r53.associate_vpc_with_hosted_zone(HostedZoneId=secret,
                                           VPC={"VPCRegion": "us-east-1", "VPCId": "app"})
        assert until(prefix, "app.web", "vault.secret.internal", ["10.62.1.77"]) == \
            ["10.62.1.77"]

        # a health check created through the API after apply is probed by the resolver (R74, R76)
        listener = socket.create_server(("127.0.0.1", 0))
        port = listener.getsockname()[1]
        check = r53.create_health_check(CallerReference="hc", HealthCheckConfig={
            "Type": "TCP", "IPAddress": "127.0.0.1", "Port": port, "RequestInterval": 10,
            "FailureThreshold": 1})["HealthCheck"]["Id"]
        r53.change_resource_record_sets(HostedZoneId=corp, ChangeBatch={"Changes": [
            failover("api.corp.internal.", "PRIMARY", "10.61.1.60", check),
            failover("api.corp.internal.", "SECONDARY", "10.61.1.61")]})
        assert until(prefix, "app.web", "api.corp.internal", ["10.61.1.60"]) == ["10.61.1.60"]
        listener.close()   # the endpoint goes away: the resolver's probes fail over (R52)
        assert until(prefix, "app.web", "api.corp.internal", ["10.61.1.61"]) == ["10.61.1.61"]

        status = run_netemu("status", *common).stdout
        assert f"api-state {api_state.resolve()}" in status, status
    finally:
        try:
            out = run_netemu("destroy", *common)
            assert out.returncode == 0, out.stderr
            assert kernel.list_namespaces(prefix) == []
        finally:
            server.stop()


def test_api_state_that_holds_no_server_state_is_refused(tmp_path: Path) -> None:
    topo = tmp_path / "two.yaml"
    topo.write_text(TOPOLOGY)
    out = run_netemu("apply", str(topo), "--api-state", str(tmp_path / "nothing"), "--dry-run")
    assert out.returncode == 1
    assert f"--api-state {tmp_path / 'nothing'}: no Route 53 API state here" in out.stderr
    assert not (tmp_path / "nothing").exists()
