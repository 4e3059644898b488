"""Real third-party clients and netemu's own commands against a real server: the AWS CLI
(awscli from PyPI), ``netemu zones export`` (route53-json and BIND) and ``netemu zones
import``, round trip through the API."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.api.test_boto3_zones import change, dig, rr, rrsets
from tests.helpers import run_netemu
from tests.live import ApiServer, api_server

pytestmark = pytest.mark.slow
AWS = Path(sys.executable).parent / "aws"


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ApiServer]:
    with api_server(tmp_path_factory.mktemp("cli")) as s:
        yield s


def aws(server: ApiServer, *args: str) -> Any:
    env = dict(os.environ, AWS_ACCESS_KEY_ID="test", AWS_SECRET_ACCESS_KEY="test",
               AWS_DEFAULT_REGION="us-east-1", AWS_CONFIG_FILE="/dev/null",
               AWS_SHARED_CREDENTIALS_FILE="/dev/null")
    out = subprocess.run([str(AWS), "route53", *args, "--endpoint-url", server.endpoint,
                          "--output", "json"], capture_output=True, text=True, env=env,
                         timeout=120)
    assert out.returncode == 0, out.stderr
    return json.loads(out.stdout) if out.stdout.strip() else None


@pytest.mark.skipif(not AWS.exists(), reason="awscli is in the test extra")
def test_aws_cli_end_to_end(server: ApiServer, tmp_path: Path) -> None:  # README example
    made = aws(server, "create-hosted-zone", "--name", "cli.example",
               "--caller-reference", "cli-1")
    zid = made["HostedZone"]["Id"]
    batch = tmp_path / "batch.json"
    batch.write_text(json.dumps({"Changes": [{"Action": "CREATE", "ResourceRecordSet": {
        "Name": "www.cli.example", "Type": "A", "TTL": 60,
        "ResourceRecords": [{"Value": "192.0.2.42"}]}}]}))
    out = aws(server, "change-resource-record-sets", "--hosted-zone-id", zid,
              "--change-batch", f"file://{batch}")
    aws(server, "wait", "resource-record-sets-changed", "--id", out["ChangeInfo"]["Id"])
    assert dig(server, "www.cli.example") == ["192.0.2.42"]
    listed = aws(server, "list-resource-record-sets", "--hosted-zone-id", zid)
    assert [r["Name"] for r in listed["ResourceRecordSets"]][-1] == "www.cli.example."
    zones = aws(server, "list-hosted-zones-by-name", "--dns-name", "cli.example")
    assert zones["HostedZones"][0]["Id"] == zid


def test_export_and_import_round_trip(server: ApiServer, tmp_path: Path) -> None:
    r53 = server.client()
    zid = r53.create_hosted_zone(Name="keep.example", CallerReference="keep")["HostedZone"]["Id"]
    hc = r53.create_health_check(CallerReference="keep-hc", HealthCheckConfig={
        "Type": "TCP", "IPAddress": "127.0.0.1", "Port": 9, "RequestInterval": 30,
        "FailureThreshold": 3})["HealthCheck"]["Id"]
    change(r53, zid,
           ("CREATE", rr("www.keep.example", "A", "192.0.2.1", SetIdentifier="a", Weight=3,
                         HealthCheckId=hc)),
           ("CREATE", rr("www.keep.example", "A", "192.0.2.2", SetIdentifier="b", Weight=1)),
           ("CREATE", rr("*.keep.example", "TXT", '"wild card"')),
           ("CREATE", {"Name": "keep.example", "Type": "A", "AliasTarget": {
               "HostedZoneId": zid.split("/")[-1], "DNSName": "www.keep.example",
               "EvaluateTargetHealth": True}}))
    api = f"127.0.0.1:{server.api}"
    out = run_netemu("zones", "export", "keep.example", "--api", api)
    assert out.returncode == 0, out.stderr
    doc = json.loads(out.stdout)
    assert doc["HostedZone"]["Name"] == "keep.example."
    assert doc["HealthChecks"][0]["Id"] == hc
    exported = tmp_path / "keep.json"
    exported.write_text(out.stdout)
    check = run_netemu("check", str(exported))  # loads as a zone file as it is
    assert check.returncode == 0, check.stdout + check.stderr
    bind = run_netemu("zones", "export", zid, "--api", api, "--format", "bind")
    assert bind.returncode == 1 and "--format route53-json" in bind.stderr
    # import into a second, empty server: the same record sets come back
    with api_server(tmp_path / "second") as other:
        done = run_netemu("zones", "import", str(exported), "--api", f"127.0.0.1:{other.api}")
        assert done.returncode == 0, done.stderr
        r2 = other.client()
        new_id = r2.list_hosted_zones_by_name(DNSName="keep.example")["HostedZones"][0]["Id"]

        def comparable(records: list[dict[str, Any]], zone_id: str, check: str) -> list[Any]:
            out = []
            for r in records:
                r = json.loads(json.dumps(r).replace(zone_id, "ZONE").replace(check, "CHECK"))
                out.append(r)
            return out

        new_hc = r2.list_health_checks()["HealthChecks"][0]["Id"]
        assert comparable(rrsets(r2, new_id), new_id.split("/")[-1], new_hc) == \
            comparable(rrsets(r53, zid), zid.split("/")[-1], hc)
        assert dig(other, "keep.example")[0] in ("192.0.2.1", "192.0.2.2")  # weighted alias


def test_bind_export_of_simple_zone(server: ApiServer, tmp_path: Path) -> None:
    r53 = server.client()
    zid = r53.create_hosted_zone(Name="plain.example", CallerReference="plain")["HostedZone"]["Id"]
    change(r53, zid, ("CREATE", rr("mail.plain.example", "MX", "10 mx.plain.example")),
           ("CREATE", rr("*.plain.example", "A", "192.0.2.5")))
    out = run_netemu("zones", "export", "plain.example", "--api", f"127.0.0.1:{server.api}",
                     "--format", "bind", "-o", str(tmp_path / "plain.example.zone"))
    assert out.returncode == 0, out.stderr
    text = (tmp_path / "plain.example.zone").read_text()
    assert "$ORIGIN plain.example." in text and "* 300 IN A 192.0.2.5" in text
    check = run_netemu("check", str(tmp_path / "plain.example.zone"))
    assert check.returncode == 0, check.stdout + check.stderr
