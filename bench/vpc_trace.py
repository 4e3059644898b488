"""Benchmark of the VPC model: load time and traces per second on a generated topology of
50 VPCs, 500 subnets, 2,000 instances and 5,000 SG + NACL rules (issue 3, "Must show").

    .venv/bin/python bench/vpc_trace.py [--traces 3000] [--seed 1] [--quiet]

The topology (a dict in the topology-file shape): each VPC 10.I.0.0/16 has 10 /24 subnets in two
AZs, 4 instances per subnet, an internet gateway, a NAT gateway, a peering with the next VPC,
an attachment to one transit gateway, 4 security groups of 12 ingress rules and 2 custom NACLs of
13 inbound + 13 outbound rules (100 rules per VPC). Flows are drawn with a seeded random.Random:
instance to instance in the same VPC, in the peered VPC, across the transit gateway, and to an
internet host, TCP to one of the ports the rules mention.
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from netemu.progress import Progress  # noqa: E402
from netemu.vpc.index import index_of
from netemu.vpc.load import load_topology
from netemu.vpc.trace import Flow, trace

VPCS, SUBNETS, INSTANCES_PER_SUBNET = 50, 10, 4
PORTS = (22, 80, 443, 3306, 5432, 6379, 8080, 8443, 9000, 9090, 9200, 11211)


def pcx(a: int, b: int) -> str:
    return f"p{min(a, b)}-{max(a, b)}"


def generate() -> dict[str, Any]:
    vpcs = []
    for i in range(VPCS):
        subnets = []
        instances = []
        for j in range(SUBNETS):
            public = j < 2
            subnets.append({
                "name": f"s{j}", "cidr": f"10.{i}.{j}.0/24",
                "az": "us-east-1a" if j % 2 == 0 else "us-east-1b",
                "route_table": "public" if public else "private",
                "network_acl": "edge" if public else "inner",
            })
            for k in range(INSTANCES_PER_SUBNET):
                inst: dict[str, Any] = {
                    "name": f"v{i}-s{j}-i{k}", "subnet": f"s{j}",
                    "private_ip": f"10.{i}.{j}.{10 + k}",
                    "security_groups": [f"g{(j + k) % 4}"],
                }
                if public:
                    inst["public_ip"] = f"198.{18 + i // 25}.{(i % 25) * 10 + j}.{10 + k}"
                instances.append(inst)
        groups = [
            {"name": f"g{g}", "ingress": [
                {"protocol": "tcp", "ports": PORTS[(g + r) % len(PORTS)],
                 "cidr": "10.0.0.0/8" if r % 3 else "0.0.0.0/0"}
                for r in range(11)
            ] + [{"protocol": "tcp", "ports": "1-65535", "source_group": f"g{(g + 1) % 4}"}]}
            for g in range(4)
        ]

        def nacl(name: str) -> dict[str, Any]:
            inbound = [{"rule": 100 + n, "protocol": "tcp", "ports": PORTS[n % len(PORTS)],
                        "cidr": "10.0.0.0/8", "action": "allow"} for n in range(11)]
            inbound.append({"rule": 200, "protocol": "tcp", "ports": "1024-65535",
                            "cidr": "0.0.0.0/0", "action": "allow"})
            inbound.append({"rule": 300, "protocol": "tcp", "ports": "443", "cidr": "0.0.0.0/0",
                            "action": "allow"})
            outbound = [{"rule": 100 + n, "protocol": "tcp", "ports": PORTS[n % len(PORTS)],
                         "cidr": "0.0.0.0/0", "action": "allow"} for n in range(11)]
            outbound.append({"rule": 200, "protocol": "tcp", "ports": "1024-65535",
                             "cidr": "0.0.0.0/0", "action": "allow"})
            outbound.append({"rule": 300, "protocol": "udp", "ports": "53", "cidr": "0.0.0.0/0",
                             "action": "allow"})
            return {"name": name, "inbound": inbound, "outbound": outbound}

        nxt = (i + 1) % VPCS
        prv = (i - 1) % VPCS
        private_routes = [
            {"destination": "0.0.0.0/0", "target": {"nat_gateway": "nat"}},
            {"destination": "10.0.0.0/8", "target": {"transit_gateway": "tgw"}},
            {"destination": f"10.{nxt}.0.0/16", "target": {"peering": pcx(i, nxt)}},
            {"destination": f"10.{prv}.0.0/16", "target": {"peering": pcx(i, prv)}},
        ]
        vpcs.append({
            "name": f"vpc{i}", "cidr_blocks": [f"10.{i}.0.0/16"], "internet_gateway": True,
            "subnets": subnets,
            "route_tables": [
                {"name": "public", "routes": [
                    {"destination": "0.0.0.0/0", "target": "internet_gateway"},
                    *private_routes[1:]]},
                {"name": "private", "routes": private_routes},
            ],
            "nat_gateways": [{"name": "nat", "subnet": "s0",
                              "public_ip": f"198.20.{i}.5"}],
            "network_acls": [nacl("edge"), nacl("inner")],
            "security_groups": groups,
            "instances": instances,
        })
    peerings = [{"name": pcx(i, (i + 1) % VPCS),
                 "requester": f"vpc{i}", "accepter": f"vpc{(i + 1) % VPCS}"} for i in range(VPCS)]
    tgw = {
        "name": "tgw",
        "route_tables": [{"name": "all", "routes": []}],
        "attachments": [{"name": f"att{i}", "vpc": f"vpc{i}", "subnets": ["s2", "s3"],
                         "association": "all", "propagations": ["all"]} for i in range(VPCS)],
    }
    return {"region": "us-east-1", "vpcs": vpcs, "peerings": peerings,
            "transit_gateways": [tgw],
            "internet": {"hosts": [{"name": "client", "ip": "203.0.113.50"}]}}


def counts(data: dict[str, Any]) -> tuple[int, int, int, int]:
    subnets = sum(len(v["subnets"]) for v in data["vpcs"])
    instances = sum(len(v["instances"]) for v in data["vpcs"])
    rules = sum(len(g["ingress"]) for v in data["vpcs"] for g in v["security_groups"])
    rules += sum(len(a["inbound"]) + len(a["outbound"])
                 for v in data["vpcs"] for a in v["network_acls"])
    return len(data["vpcs"]), subnets, instances, rules


def flows(rng: random.Random, n: int) -> list[Flow]:
    out = []
    for _ in range(n):
        i = rng.randrange(VPCS)
        src = f"v{i}-s{rng.randrange(SUBNETS)}-i{rng.randrange(INSTANCES_PER_SUBNET)}"
        kind = rng.randrange(4)
        if kind == 0:
            dst = f"v{i}-s{rng.randrange(SUBNETS)}-i{rng.randrange(INSTANCES_PER_SUBNET)}"
        elif kind == 1:
            dst = f"v{(i + 1) % VPCS}-s{rng.randrange(SUBNETS)}-i{rng.randrange(4)}"
        elif kind == 2:
            dst = f"v{rng.randrange(VPCS)}-s{rng.randrange(SUBNETS)}-i{rng.randrange(4)}"
        else:
            dst = "client"
        out.append(Flow(src, dst, "tcp", rng.choice(PORTS)))
    return out


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--traces", type=int, default=3000)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--repeat", type=int, default=3, help="load-time repetitions")
    ap.add_argument("--quiet", action="store_true", help="no progress line on the terminal")
    args = ap.parse_args()
    with Progress("vpc_trace", quiet=args.quiet) as progress:
        return measure(args, progress)


def measure(args: argparse.Namespace, progress: Progress) -> int:
    progress.step(note="generating the topology")
    data = generate()
    v, s, i, r = counts(data)
    print(f"topology: {v} VPCs, {s} subnets, {i} instances, {r} SG+NACL rules")
    loads = []
    topo = None
    for n in range(args.repeat):
        progress.step(note=f"load_topology {n + 1}/{args.repeat}")
        t0 = time.perf_counter()
        topo = load_topology(data, "bench")
        loads.append(time.perf_counter() - t0)
    assert topo is not None
    median = statistics.median(loads) * 1000
    print(f"load_topology (parse + validate + build): median {median:.0f} ms"
          f" over {args.repeat} runs")
    t0 = time.perf_counter()
    index_of(topo)
    print(f"trace index build (once per topology): {(time.perf_counter() - t0) * 1000:.0f} ms")
    work = flows(random.Random(args.seed), args.traces)
    reachable = 0
    t0 = time.perf_counter()
    for n, f in enumerate(work):
        reachable += trace(topo, f).reachable
        if n % 100 == 0:   # drawn at most ten times a second; checked every 100 traces
            progress.step(note=f"traces {n}/{len(work)}")
    dt = time.perf_counter() - t0
    print(f"traces: {len(work)} in {dt:.2f} s = {len(work) / dt:,.0f} traces/s "
          f"({reachable} reachable, {len(work) - reachable} not)")
    progress.step(note="--all-blockers traces")
    t0 = time.perf_counter()
    for f in work[:500]:
        trace(topo, f, all_blockers=True)
    dt = time.perf_counter() - t0
    print(f"--all-blockers traces: {500 / dt:,.0f} traces/s")
    print(f"command: .venv/bin/python bench/vpc_trace.py --traces {args.traces} --seed {args.seed}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
