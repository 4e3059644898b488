"""``netemu draw TOPOLOGY [-o FILE.svg|.png|.pdf|.dot] [--trace FROM TO --port N
[--protocol P]]``: the topology as an AWS architecture diagram (Region, VPCs, Availability
Zones, subnets, instances and gateways, laid out by Graphviz), with a trace's forward and return
paths drawn on it in colour and the dropping hop marked with its reason.

Exit status: 0 drawn (also when a traced flow is not reachable: the picture says where it
stops); 1 the topology was refused, the flow cannot be traced, or Graphviz failed.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from netemu import shipped
from netemu.errors import LoadError


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser(
        "draw", help="draw a topology (SVG/PNG, Graphviz), optionally with a trace on it",
        description="Draw a topology as AWS architecture diagrams do: Region, VPCs, "
        "Availability Zones and subnets as nested boxes, instances, NAT, internet and transit "
        "gateways, peering connections; route tables, network ACLs and security groups on the "
        "labels and in tooltips. With --trace, the forward (blue) and return (green) paths of "
        "`netemu trace` and the dropping hop (red, with its reason).")
    p.add_argument("topology", metavar="TOPOLOGY", type=shipped.resolve_noisy,
                   help="topology file (the shipped example of that name when the relative "
                        "path does not exist here)")
    p.add_argument("-o", "--output", metavar="FILE",
                   help="FILE.svg, .png, .pdf or .dot (default: SVG on stdout)")
    p.add_argument("--trace", nargs=2, metavar=("FROM", "TO"),
                   help="draw the trace of a flow FROM -> TO (names or addresses, as "
                        "`netemu trace --from --to`)")
    p.add_argument("--protocol", default="tcp", help="with --trace: tcp (default), udp, icmp, "
                   "icmpv6 or a number")
    p.add_argument("--port", type=int, help="with --trace: destination port (tcp, udp)")
    p.add_argument("--source-port", type=int, default=None)
    p.add_argument("-6", "--ipv6", action="store_true",
                   help="with --trace: IPv6 addresses when both ends are names")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from netemu.vpc.load import load_topology_file
    from netemu.vpc.trace import TraceError, trace

    try:
        topology = load_topology_file(args.topology)
    except LoadError as exc:
        for problem in exc.problems:
            print(problem, file=sys.stderr)
        return 1
    result = None
    if args.trace:
        from netemu.cli.trace import flow_from_args

        ns = argparse.Namespace(src=args.trace[0], dst=args.trace[1], protocol=args.protocol,
                                port=args.port, source_port=args.source_port, icmp_type=None,
                                icmp_code=0, ipv6=args.ipv6)
        try:
            result = trace(topology, flow_from_args(ns))
        except TraceError as exc:
            print(f"{args.topology}: trace: {exc}", file=sys.stderr)
            return 1
    return draw_to(topology, result, args.output, str(args.topology))


def draw_to(topology: Any, result: Any, output: str | None, title: str) -> int:
    """Render the diagram (with ``result``, a Trace, when not None) to ``output`` (stdout:
    SVG); 0, or 1 with the reason on stderr."""
    from netemu import draw
    from netemu.vpc.diagram import dot

    text = dot(topology, result, title=Path(title).name)
    try:
        if output is None or output == "-":
            sys.stdout.write(draw.svg(text))
        else:
            draw.write(text, output)
    except (draw.DrawError, OSError) as exc:
        print(f"netemu draw: {output or 'stdout'}: {exc}", file=sys.stderr)
        return 1
    return 0
