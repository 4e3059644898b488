"""``netemu trace TOPOLOGY --from NODE|IP --to NODE|IP``: explain a flow hop by hop.

Exit status: 0 the flow is reachable (request and reply); 2 it is not (the hops say where and
why); 1 the topology file was refused (its problems are printed) or the flow cannot be traced
(unknown node, missing port). Command-line usage errors also exit 2, from argparse, with nothing
on stdout: read ``reachable`` from ``--json`` when that matters.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from typing import Any, TextIO

from netemu import shipped
from netemu.errors import LoadError

EXIT_REACHABLE, EXIT_ERROR, EXIT_UNREACHABLE = 0, 1, 2


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser(
        "trace", help="explain a flow hop by hop (exit 0 reachable, 2 unreachable, 1 error)",
        description="Trace a flow through a topology: the forward path and the return path, "
        "one hop per component, each with its decision, reason, deciding rule and the "
        "Reachability Analyzer explanation code. Exit 0 reachable, 2 unreachable, 1 error.",
    )
    p.add_argument("topology", metavar="TOPOLOGY", type=shipped.resolve_noisy,
                   help="topology file; a relative path that does not exist here falls back to "
                        "the shipped example of that name (topologies/three-tier.yaml)")
    p.add_argument("--from", dest="src", required=True, metavar="NODE|IP",
                   help="instance name, internet host name or address")
    p.add_argument("--to", dest="dst", required=True, metavar="NODE|IP")
    p.add_argument("--protocol", default="tcp", help="tcp (default), udp, icmp, icmpv6 or a number")
    p.add_argument("--port", type=int, help="destination port (tcp, udp)")
    p.add_argument("--source-port", type=int, default=None,
                   help="the client's ephemeral port (default 40000, in 32768-60999)")
    p.add_argument("--icmp-type", type=int, default=None, help="default: echo request")
    p.add_argument("--icmp-code", type=int, default=0)
    p.add_argument("-6", "--ipv6", action="store_true",
                   help="use IPv6 addresses when both ends are names")
    p.add_argument("--size", type=int, default=None, metavar="BYTES",
                   help="IP packet size (Don't Fragment set): say where a packet this large stops"
                   " (MTU 9001 in a VPC, 1500 through internet/NAT gateways, 8500 through a"
                   " transit gateway) and whether path MTU discovery works")
    p.add_argument("--service-resource", default=None, metavar="ARN",
                   help="the S3/DynamoDB resource the flow addresses (arn:aws:s3:::BUCKET/KEY), "
                        "for a gateway endpoint's policy")
    p.add_argument("--service-action", default=None, metavar="ACTION",
                   help="the request's action (default s3:GetObject / dynamodb:GetItem)")
    p.add_argument("--json", action="store_true", help="print the trace as JSON")
    p.add_argument("--format", choices=("text", "json", "reachability-analyzer"), default=None,
                   help="text (default), json (as --json), or reachability-analyzer: the JSON"
                        " of `aws ec2 describe-network-insights-analyses` for this path"
                        " (NetworkPathFound, Explanations, Forward/ReturnPathComponents), to"
                        " diff against AWS's own analysis")
    p.add_argument("--all-blockers", action="store_true",
                   help="go on past the first blocker and list every setting to change")
    p.add_argument("--flow-log", action="store_true",
                   help="print the VPC Flow Logs records (version 2) of the ENIs on the path")
    p.add_argument("--flow-log-start", type=int, default=None, metavar="EPOCH",
                   help="start time of the flow-log records (default: now)")
    p.add_argument("--flow-log-format", default=None, metavar="'FORMAT'",
                   help="custom flow-log format, implies --flow-log: '${field} ...' with any"
                        " version 2-5 field (vpc-id subnet-id instance-id tcp-flags type"
                        " pkt-srcaddr pkt-dstaddr region az-id sublocation-type sublocation-id"
                        " pkt-src-aws-service pkt-dst-aws-service flow-direction traffic-path);"
                        " ${version} prints the highest version among them (V92)")
    p.add_argument("--draw", metavar="FILE", default=None,
                   help="also draw the topology with this trace on it (FILE.svg, .png, .pdf or"
                        " .dot; Graphviz): forward path blue, return path green, the dropping"
                        " hop red with its reason (as `netemu draw --trace`)")
    p.add_argument("--color", dest="color", action="store_true", default=None,
                   help="colour the output (default: when stdout is a terminal)")
    p.add_argument("--no-color", dest="color", action="store_false")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from netemu.vpc.load import load_topology_file
    from netemu.vpc.trace import TraceError, trace

    try:
        topology = load_topology_file(args.topology)
    except LoadError as exc:
        for problem in exc.problems:
            print(problem, file=sys.stderr)
        return EXIT_ERROR
    flow = flow_from_args(args)
    fmt = None
    if args.flow_log_format is not None:
        from netemu.vpc.flowlogs import FlowLogFormatError, LogFormat

        try:
            fmt = LogFormat.parse(args.flow_log_format)
        except FlowLogFormatError as exc:
            print(f"netemu: --flow-log-format: {exc}", file=sys.stderr)
            return EXIT_ERROR
        args.flow_log = True
    try:
        result = trace(topology, flow, all_blockers=args.all_blockers)
    except TraceError as exc:
        print(f"{args.topology}: trace: {exc}", file=sys.stderr)
        return EXIT_ERROR
    logs: list[str] = []
    if args.flow_log:
        from netemu.vpc import flowlogs

        start = args.flow_log_start
        if start is None:
            start = int(time.time()) // 60 * 60
        logs = flowlogs.lines(flowlogs.records(result, topology.account_id, start,
                                               topology=topology), fmt)
    if getattr(args, "draw", None):
        from netemu.cli.draw import draw_to

        if draw_to(topology, result, args.draw, str(args.topology)):
            return EXIT_ERROR
    output = args.format or ("json" if args.json else "text")
    if output == "reachability-analyzer":
        from netemu.vpc.reachability import analysis

        started = time.strftime("%Y-%m-%dT%H:%M:%S.000Z", time.gmtime())
        json.dump(analysis(topology, result, started), sys.stdout, indent=2)
        print()
    elif output == "json":
        data: dict[str, Any] = result.to_json()
        if topology.aws_ids:
            add_aws_ids(data, topology.aws_ids)
        if args.flow_log:
            data["flow_log"] = logs
        json.dump(data, sys.stdout, indent=2)
        print()
    else:
        color = args.color if args.color is not None else _isatty(sys.stdout)
        title = (f"flow log (version {fmt.version}, custom format)" if fmt is not None
                 else "flow log (version 2, default format)")
        print_human(result, logs if args.flow_log else None, sys.stdout, color, title,
                    topology.aws_ids)
    return EXIT_REACHABLE if result.reachable else EXIT_UNREACHABLE


def flow_from_args(args: argparse.Namespace) -> Any:
    """The Flow the command line asks for (also used by the golden tests)."""
    from netemu.vpc.trace import DEFAULT_SOURCE_PORT, Flow

    return Flow(
        args.src, args.dst, args.protocol, args.port,
        DEFAULT_SOURCE_PORT if args.source_port is None else args.source_port,
        args.icmp_type, args.icmp_code, 6 if args.ipv6 else None,
        getattr(args, "size", None),
        getattr(args, "service_action", None), getattr(args, "service_resource", None),
    )


def add_aws_ids(data: dict[str, Any], ids: tuple[tuple[str, str, str], ...]) -> None:
    """Each hop and blocker of an imported account's trace gains ``aws_id`` (None: no id)."""
    from netemu.vpc.aws_ids import lookup

    for key in ("hops", "return_path", "blockers"):
        for item in data.get(key) or []:
            item["aws_id"] = lookup(ids, item["component"], item["name"])


def _isatty(stream: TextIO) -> bool:
    try:
        return stream.isatty() and os.environ.get("NO_COLOR") is None
    except (AttributeError, ValueError):
        return False


# --- human output ------------------------------------------------------------------------------

_CODES = {"green": "32", "red": "31", "bold": "1", "dim": "2", "yellow": "33", "cyan": "36"}


def print_human(result: Any, logs: list[str] | None, out: TextIO, color: bool,
                log_title: str = "flow log (version 2, default format)",
                aws_ids: tuple[tuple[str, str, str], ...] = ()) -> None:
    from netemu.vpc.aws_ids import lookup

    def named(component: str, name: str) -> str:
        """The name, and the AWS id beside it when the topology was imported and they differ."""
        ident = lookup(aws_ids, component, name) if aws_ids else None
        return f"{name} ({ident})" if ident and ident != name else name

    def c(text: str, *styles: str) -> str:
        if not color or not styles:
            return text
        return "".join(f"\033[{_CODES[s]}m" for s in styles) + text + "\033[0m"

    w = out.write
    w(c(f"{result.source} -> {result.destination}", "bold") + "   "
      + result.packet.describe() + "\n")
    sections = [("forward path", result.hops), ("return path", result.return_path)]
    for title, hops in sections:
        w("\n" + c(title, "bold") + "\n")
        if not hops:
            w("  " + c("(not evaluated: the request does not arrive)", "dim") + "\n")
            continue
        previous = None
        for n, hop in enumerate(hops, 1):
            if hop.packet is not None and previous is not None and hop.packet != previous:
                w("  " + " " * 8 + c(f"packet now: {hop.packet.describe()}", "cyan") + "\n")
            previous = hop.packet
            ok = hop.decision == "allow"
            mark = c(" ok ", "green") if ok else c("DROP", "red", "bold")
            line = (f"  {n:>2} {mark}  {hop.component:<28} {named(hop.component, hop.name):<20}"
                    f" {hop.reason}")
            if hop.code and not ok:
                line += " " + c(f"[{hop.code}]", "yellow")
            w(line + "\n")
    if result.blockers:
        w("\n" + c("blockers" + (" (all)" if result.all_blockers else ""), "bold") + "\n")
        for b in result.blockers:
            code = f" [{b.code}]" if b.code else ""
            w(f"  - {b.path}: {b.component} {named(b.component, b.name)}{code}\n"
              f"      change: {b.change}\n")
    if logs is not None:
        w("\n" + c(log_title, "bold") + "\n")
        for line in logs:
            w("  " + line + "\n")
    explanations = getattr(result, "explanations", ())
    if explanations:
        w("\n" + c("explanation codes", "bold") + " " + ", ".join(explanations) + "\n")
    verdict = c("REACHABLE", "green", "bold") if result.reachable else c("NOT REACHABLE", "red",
                                                                           "bold")
    w("\n" + verdict + "\n")
