"""octodns with its Route 53 provider (a real third-party client), pointed at netemu through
botocore's ``AWS_ENDPOINT_URL``: sync a zone with weighted, geolocation and alias records and
health checks into netemu, dump it back, and plan again: nothing to change."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.api.test_boto3_zones import dig
from tests.live import api_server

pytestmark = pytest.mark.slow
BIN = Path(sys.executable).parent
ZONE = """\
'':
  - type: Route53Provider/ALIAS
    values:
      - name: www
        type: A
www:
  type: A
  value: 192.0.2.1
mail:
  type: MX
  values:
    - exchange: mx1.sync.example.
      preference: 10
weighted:
  type: A
  value: 192.0.2.9
  dynamic:
    pools:
      one:
        values:
          - value: 192.0.2.1
            weight: 3
          - value: 192.0.2.2
            weight: 1
    rules:
      - pool: one
geo:
  type: A
  values: [192.0.2.99]
  dynamic:
    pools:
      eu:
        values:
          - value: 192.0.2.50
      na:
        values:
          - value: 192.0.2.60
    rules:
      - geos: [EU]
        pool: eu
      - pool: na
  octodns:
    healthcheck:
      host: geo.sync.example
      path: /health
      port: 80
      protocol: HTTP
"""
CONFIG = """\
providers:
  config:
    class: octodns.provider.yaml.YamlProvider
    directory: {zones}
    default_ttl: 300
    enforce_order: false
  route53:
    class: octodns_route53.Route53Provider
    access_key_id: test
    secret_access_key: test
zones:
  sync.example.:
    sources: [config]
    targets: [route53]
"""


def octodns(tool: str, endpoint: str, *args: str) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ, AWS_ENDPOINT_URL=endpoint, AWS_DEFAULT_REGION="us-east-1",
               AWS_CONFIG_FILE="/dev/null", AWS_SHARED_CREDENTIALS_FILE="/dev/null")
    out = subprocess.run([str(BIN / tool), *args], capture_output=True, text=True, env=env,
                         timeout=180)
    assert out.returncode == 0, out.stdout[-3000:] + out.stderr[-3000:]
    return out


def normal(records: Any) -> Any:
    """A zone as octodns writes or reads it, less what Route 53 adds (the apex NS), octodns's
    own defaults (TTL 300, pool fallback/status/weight 1, alias flags, the alias placeholder
    TTL) and provider settings (``octodns:``), with one spelling of single values."""
    out = {}
    for name, value in records.items():
        kept = []
        for item in value if isinstance(value, list) else [value]:
            if name == "" and item["type"] == "NS":
                continue
            item = {k: v for k, v in item.items() if k != "octodns"}
            if item["type"] == "Route53Provider/ALIAS":
                item.pop("ttl", None)
            else:
                item.setdefault("ttl", 300)
            if "values" in item and len(item["values"]) == 1:
                item["value"] = item.pop("values")[0]
            if isinstance(item.get("value"), dict):
                v = item["value"]
                for key, default in (("evaluate-target-health", False), ("hosted-zone-id", None)):
                    if key in v and v[key] == default:
                        del v[key]
            for pool in (item.get("dynamic") or {}).get("pools", {}).values():
                if pool.get("fallback") is None:
                    pool.pop("fallback", None)
                for v in pool["values"]:
                    if v.get("status") == "obey":
                        v.pop("status")
                    if v.get("weight") == 1:
                        v.pop("weight")
            kept.append(item)
        out[name] = kept if len(kept) > 1 else kept[0]
    return out


@pytest.mark.skipif(not (BIN / "octodns-sync").exists(), reason="octodns is in the test extra")
def test_octodns_sync_dump_and_replan(tmp_path: Path) -> None:
    zones, dump = tmp_path / "zones", tmp_path / "dump"
    zones.mkdir()
    (zones / "sync.example.yaml").write_text(ZONE)
    config = tmp_path / "config.yaml"
    config.write_text(CONFIG.format(zones=zones))
    with api_server(tmp_path / "server") as server:
        out = octodns("octodns-sync", server.endpoint, "--config-file", str(config), "--doit")
        assert "Creates=5" in out.stdout + out.stderr
        r53 = server.client()
        checks = r53.list_health_checks()["HealthChecks"]
        assert len(checks) == 4  # one per dynamic value, made by octodns
        assert dig(server, "www.sync.example") == ["192.0.2.1"]
        assert dig(server, "sync.example") == ["192.0.2.1"]  # the alias
        assert dig(server, "weighted.sync.example")[0] in ("192.0.2.1", "192.0.2.2")
        octodns("octodns-dump", server.endpoint, "--config-file", str(config), "--output-dir",
                str(dump), "sync.example.", "route53")
        again = octodns("octodns-sync", server.endpoint, "--config-file", str(config))
        assert "No changes were planned" in again.stdout + again.stderr
    dumped = yaml.safe_load((dump / "sync.example.yaml").read_text())
    assert normal(dumped) == normal(yaml.safe_load(ZONE))
