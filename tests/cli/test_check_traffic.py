"""Traffic policy documents as files beside the zone files (R123), through the real command
line: ``netemu check`` reads them with the zone files and names the file and rule at fault;
``netemu serve`` answers the instance a zone file names, asked with real ``dig +subnet``."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from tests.helpers import run_netemu
from tests.live import serve_process
from tests.route53.traffic_docs import geo_weighted_failover

ZONE = """\
HostedZone: {Name: example.com.}
ResourceRecordSets:
  - {Name: api.example.com., Type: A, TTL: 60, ResourceRecords: [{Value: 192.0.2.200}]}
TrafficPolicyInstances:
  - {Name: www.example.com., TTL: 60, Document: www-policy.json}
"""


def _folder(tmp_path: Path, document: dict[str, object]) -> Path:
    (tmp_path / "www-policy.json").write_text(json.dumps(document, indent=2))
    (tmp_path / "example.yaml").write_text(ZONE)
    return tmp_path


def test_check_reads_the_document_file_beside_the_zone_R123(tmp_path: Path) -> None:
    folder = _folder(tmp_path, geo_weighted_failover())
    done = run_netemu("check", str(folder))
    assert done.returncode == 0, done.stderr
    assert f"{folder / 'www-policy.json'}: ok" in done.stdout


def test_check_names_the_file_and_rule_of_a_bad_document_R120_R123(tmp_path: Path) -> None:
    doc = geo_weighted_failover()
    doc["Rules"]["pool-us"]["RuleType"] = "roundrobin"
    folder = _folder(tmp_path, doc)
    done = run_netemu("check", str(folder / "example.yaml"))
    assert done.returncode == 1
    assert (f"{folder / 'example.yaml'}: TrafficPolicyInstances[0].Document: "
            "InvalidTrafficPolicyDocument: Rule 'pool-us': RuleType 'roundrobin' is not valid"
            ) in done.stderr


@pytest.mark.slow
def test_serve_answers_a_zone_file_instance_over_dig_R121_R123(tmp_path: Path) -> None:
    (tmp_path / "zones").mkdir()
    folder = _folder(tmp_path / "zones", geo_weighted_failover())
    with serve_process([folder], tmp_path) as srv:
        def dig(subnet: str) -> set[str]:
            seen: set[str] = set()
            for _ in range(30):
                out = subprocess.run(["dig", "@127.0.0.1", "-p", str(srv.port),
                                      "www.example.com", "A", "+short", f"+subnet={subnet}",
                                      "+time=3", "+tries=3"],
                                     capture_output=True, text=True, timeout=10, check=True)
                seen.update(out.stdout.split())
            return seen

        assert dig("90.0.0.0/16") == {"192.0.2.31"}
        assert dig("193.0.0.0/21") == {"192.0.2.11", "192.0.2.13"}
        assert dig("8.8.8.0/24") == {"192.0.2.21", "192.0.2.23"}
