"""Loading large inputs from YAML files (issue 14): a zone of 10,000 record sets (read, validated
and compiled for the wire, as ``netemu serve --zones`` does) and a topology of 1,000 subnets (read,
every AWS rule checked, built, as ``netemu check`` / ``trace`` do). Prints time and memory
(Python's peak allocation during the load, by tracemalloc, and the process's peak RSS).

Reproduce:  .venv/bin/python bench/load_large.py [--records 10000] [--subnets 1000]
No timed asserts anywhere: these are figures.
"""

from __future__ import annotations

import argparse
import resource
import sys
import tempfile
import time
import tracemalloc
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import yaml

from netemu.dns.handler import build_serving
from netemu.route53.load import load_zone_files
from netemu.vpc.load import load_topology_file

DUMPER = getattr(yaml, "CSafeDumper", yaml.SafeDumper)


def zone_doc(records: int) -> dict[str, Any]:
    rrsets = []
    for i in range(records - 2):                     # + SOA and NS made for the zone
        kind = i % 4
        name = f"h{i}.big.example."
        if kind == 0:
            rrsets.append({"Name": name, "Type": "A", "TTL": 60, "ResourceRecords": [
                {"Value": f"10.{i // 65536 % 256}.{i // 256 % 256}.{i % 256}"}]})
        elif kind == 1:
            rrsets.append({"Name": name, "Type": "AAAA", "TTL": 60, "ResourceRecords": [
                {"Value": f"2001:db8::{i:x}"}]})
        elif kind == 2:
            rrsets.append({"Name": name, "Type": "TXT", "TTL": 60, "ResourceRecords": [
                {"Value": f'"v=spf1 include:{i}.example -all"'}]})
        else:
            rrsets.append({"Name": name, "Type": "A", "TTL": 60, "SetIdentifier": f"w{i}",
                           "Weight": i % 10, "ResourceRecords": [{"Value": "192.0.2.1"}]})
    return {"HostedZone": {"Name": "big.example."}, "ResourceRecordSets": rrsets}


def topology_doc(subnets: int) -> dict[str, Any]:
    per_vpc = 250                                    # a /16 VPC holds 256 /24 subnets
    vpcs = []
    for v in range((subnets + per_vpc - 1) // per_vpc):
        count = min(per_vpc, subnets - v * per_vpc)
        vpcs.append({
            "name": f"v{v}", "cidr_blocks": [f"10.{v}.0.0/16"], "internet_gateway": True,
            "subnets": [{"name": f"v{v}-s{s}", "cidr": f"10.{v}.{s}.0/24",
                         "az": "us-east-1" + "abc"[s % 3],
                         "route_table": "pub" if s % 2 else "priv"} for s in range(count)],
            "route_tables": [
                {"name": "pub", "routes": [{"destination": "0.0.0.0/0",
                                            "target": "internet_gateway"}]},
                {"name": "priv", "main": True, "routes": []}],
            "security_groups": [{"name": "web", "ingress": [
                {"protocol": "tcp", "ports": 443, "cidr": "0.0.0.0/0"}]}],
            "instances": [{"name": f"v{v}-i{s}", "subnet": f"v{v}-s{s}",
                           "security_groups": ["web"]} for s in range(count)],
        })
    return {"region": "us-east-1", "vpcs": vpcs}


def measure(label: str, load: Callable[[], Any]) -> None:
    tracemalloc.start()
    started = time.perf_counter()
    load()
    elapsed = time.perf_counter() - started
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"{label}: {elapsed:.2f} s, peak Python allocation {peak / 2**20:.1f} MiB, "
          f"process peak RSS so far {rss:.0f} MiB (time under tracemalloc: a few times slower)")


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("--records", type=int, default=10_000)
    p.add_argument("--subnets", type=int, default=1_000)
    args = p.parse_args()
    with tempfile.TemporaryDirectory(prefix="netemu-bench-") as tmp:
        zone = Path(tmp) / "big.yaml"
        zone.write_text(yaml.dump(zone_doc(args.records), Dumper=DUMPER, sort_keys=False))
        topo = Path(tmp) / "big-topology.yaml"
        topo.write_text(yaml.dump(topology_doc(args.subnets), Dumper=DUMPER, sort_keys=False))
        started = time.perf_counter()
        build_serving(load_zone_files([zone]))
        plain = time.perf_counter() - started
        print(f"zone of {args.records} record sets: load + validate + compile {plain:.2f} s")
        measure(f"zone of {args.records} record sets (memory)",
                lambda: build_serving(load_zone_files([zone])))
        started = time.perf_counter()
        load_topology_file(topo)
        plain = time.perf_counter() - started
        print(f"topology of {args.subnets} subnets and instances: load + validate + build "
              f"{plain:.2f} s")
        measure(f"topology of {args.subnets} subnets (memory)", lambda: load_topology_file(topo))
    print("command: .venv/bin/python bench/load_large.py "
          f"--records {args.records} --subnets {args.subnets}")


if __name__ == "__main__":
    main()
