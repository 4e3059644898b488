"""How long the topology loader takes on a large topology (parse + every AWS rule + build).

Run: .venv/bin/python bench/bench_topology_load.py [VPCS SUBNETS_PER_VPC INSTANCES_PER_SUBNET]
[--quiet]
Prints one figure and the command that reproduces it. No timed asserts anywhere.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from netemu.progress import Progress, take_quiet  # noqa: E402
from netemu.vpc.load import load_topology


def topology(vpcs: int, subnets: int, instances: int) -> dict[str, object]:
    out = []
    for v in range(vpcs):
        out.append({
            "name": f"v{v}", "cidr_blocks": [f"10.{v}.0.0/16"], "internet_gateway": True,
            "subnets": [{"name": f"s{s}", "cidr": f"10.{v}.{s}.0/24",
                         "az": "us-east-1" + "abc"[s % 3]} for s in range(subnets)],
            "route_tables": [{"name": "pub", "main": True, "routes": [
                {"destination": "0.0.0.0/0", "target": "internet_gateway"}]}],
            "security_groups": [{"name": "web", "ingress": [
                {"protocol": "tcp", "ports": 443, "cidr": "0.0.0.0/0"}]}],
            "instances": [{"name": f"i{s}-{k}", "subnet": f"s{s}", "security_groups": ["web"]}
                          for s in range(subnets) for k in range(instances)],
        })
    peerings = [{"name": f"p{v}", "requester": "v0", "accepter": f"v{v}"} for v in range(1, vpcs)]
    return {"region": "us-east-1", "vpcs": out, "peerings": peerings}


def main() -> None:
    argv = sys.argv[1:]
    quiet = take_quiet(argv)
    vpcs, subnets, instances = (int(a) for a in (argv[:3] or ("50", "20", "20")))
    with Progress("bench_topology_load", 2, quiet=quiet) as progress:
        progress.step(note=f"generating {vpcs} VPCs")
        data = topology(vpcs, subnets, instances)
        progress.step(note="load_topology (parse, validate, build)")
        start = time.perf_counter()
        topo = load_topology(data, "bench")
        took = time.perf_counter() - start
    n = sum(len(v.instances) for v in topo.vpcs)
    print(f"load_topology: {vpcs} VPCs, {vpcs * subnets} subnets, {n} instances "
          f"(addresses allocated) in {took:.2f} s")
    print(f"reproduce: .venv/bin/python bench/bench_topology_load.py {vpcs} {subnets} {instances}")


if __name__ == "__main__":
    main()
