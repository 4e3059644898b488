"""``netemu apply | destroy | status | exec | capture``: the data plane on network namespaces
(root). Thin: load, call one netemu.dataplane function, print."""

from __future__ import annotations

import argparse
import json
import os
import sys
from typing import TYPE_CHECKING, Any

from netemu import shipped
from netemu.dataplane import names

if TYPE_CHECKING:
    from netemu.vpc.model import Topology


def _common(p: argparse.ArgumentParser) -> None:
    p.add_argument("--state", metavar="DIR", default=None,
                   help="state directory (default $NETEMU_STATE_DIR or /run/netemu)")
    p.add_argument("--prefix", default=os.environ.get("NETEMU_PREFIX", names.PREFIX),
                   help="namespace prefix, must start with 'netemu' (default netemu-)")


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser("apply", help="realise a topology on network namespaces (root)")
    p.add_argument("topology", type=shipped.resolve_noisy,
                   help="topology file (topologies/*.yaml; the shipped example when the "
                        "relative path does not exist here)")
    p.add_argument("--dry-run", action="store_true", help="print the plan, change nothing")
    p.add_argument("--quiet", action="store_true",
                   help="no progress line (shown on stderr only when it is a terminal)")
    p.add_argument("--zones", nargs="+", action="extend", metavar="PATH", default=None,
                   type=shipped.resolve_noisy,
                   help="zone files or folders the VPC resolvers answer from (watched: changes "
                        "reach the resolvers without re-applying; default: those of the "
                        "previous apply)")
    p.add_argument("--api-state", metavar="DIR", default=None,
                   help="also answer the hosted zones stored by a running 'netemu serve --state "
                        "DIR' (followed: API changes reach the resolvers without re-applying; "
                        "default: that of the previous apply)")
    p.add_argument("--time-scale", type=float, default=1.0, metavar="F",
                   help="the resolvers' health checks: multiply every interval and timeout by F")
    _common(p)
    p.set_defaults(func=cmd_apply)

    p = sub.add_parser("destroy", help="remove everything apply created")
    _common(p)
    p.set_defaults(func=cmd_destroy)

    p = sub.add_parser("status", help="what is applied: namespaces, nodes, state")
    p.add_argument("--json", action="store_true")
    _common(p)
    p.set_defaults(func=cmd_status)

    p = sub.add_parser("exec", help="run a command inside a node: netemu exec web1 -- curl ...")
    p.add_argument("node")
    p.add_argument("cmd", nargs=argparse.REMAINDER, help="-- COMMAND ...")
    _common(p)
    p.set_defaults(func=cmd_exec)

    p = sub.add_parser(
        "capture", help="tcpdump inside a node: netemu capture web1 [-- tcpdump args]"
    )
    p.add_argument("node")
    p.add_argument("args", nargs=argparse.REMAINDER)
    _common(p)
    p.set_defaults(func=cmd_capture)


def _need_root() -> int | None:
    if os.geteuid() != 0:
        print("netemu: the data plane needs root (network namespaces)", file=sys.stderr)
        return 1
    return None


def cmd_apply(args: argparse.Namespace) -> int:
    from netemu.dataplane import apply as ap
    from netemu.errors import LoadError
    from netemu.vpc.load import load_topology_file

    try:
        topology = load_topology_file(args.topology)
    except LoadError as e:
        print(str(e), file=sys.stderr)
        return 1
    if not args.dry_run and (rc := _need_root()):
        return rc
    if args.zones:
        from netemu.dataplane.resolver import notes
        from netemu.route53.load import load_zone_files
        try:  # refuse a bad zone set before touching the kernel
            zoneset = load_zone_files(args.zones)
        except LoadError as e:
            print(str(e), file=sys.stderr)
            return 1
        for note in notes(topology, zoneset):
            print(f"note: {note}")
    if args.api_state and (rc := _api_state_notes(topology, args.api_state)):
        return rc
    from netemu.dataplane.kernel import KernelError
    from netemu.progress import Progress

    try:
        # on a terminal: one line on stderr, [done/total] step, erased at the end
        with Progress("apply", quiet=args.quiet) as progress:
            result = ap.apply(topology, args.prefix, args.state, dry_run=args.dry_run,
                              progress=progress)
    except (ap.ApplyError, KernelError, ValueError) as e:
        print(f"netemu apply: {e}", file=sys.stderr)
        return 1
    if not args.dry_run:
        from netemu.dataplane import resolver
        try:
            # sockets live in router and endpoint namespaces: a recreated one needs a restart
            recreated = any(s.action in ("create_ns", "delete_ns") for s in result.steps)
            rec = resolver.ensure(topology, args.prefix, args.state, args.zones,
                                  restart=recreated, time_scale=args.time_scale,
                                  api_state=args.api_state)
        except resolver.ResolverError as e:
            print(f"netemu apply: {e}", file=sys.stderr)
            return 1
        if rec is not None:
            print(f"apply: VPC resolver running (pid {rec['pid']}, log {rec['log']})")
        from netemu.dataplane import imds
        try:  # V37: sockets live in instance namespaces: a recreated one needs a restart
            rec = imds.ensure(topology, args.prefix, args.state, restart=recreated)
        except imds.ImdsError as e:
            print(f"netemu apply: {e}", file=sys.stderr)
            return 1
        if rec is not None:
            print(f"apply: instance metadata service running (pid {rec['pid']}, log {rec['log']})")
        from netemu.dataplane import elb
        try:  # listener sockets live in the nodes' namespaces: recreated ones need a restart
            rec = elb.ensure(topology, args.prefix, args.state, restart=recreated)
        except elb.ElbError as e:
            print(f"netemu apply: {e}", file=sys.stderr)
            return 1
        if rec is not None:
            print(f"apply: load balancer nodes running (pid {rec['pid']}, log {rec['log']})")
        from netemu.dataplane import vpce
        try:  # interface endpoints' hosts listen in the ENIs' namespaces (V140)
            rec = vpce.ensure(topology, args.prefix, args.state, restart=recreated)
        except vpce.VpceError as e:
            print(f"netemu apply: {e}", file=sys.stderr)
            return 1
        if rec is not None:
            print(f"apply: interface endpoint hosts running (pid {rec['pid']}, log {rec['log']})")
        from netemu.dataplane import aws_services
        try:  # S3/DynamoDB behind gateway endpoints: sockets on the service hosts' links
            rec = aws_services.ensure(topology, args.prefix, args.state, restart=recreated)
        except aws_services.AwsServicesError as e:
            print(f"netemu apply: {e}", file=sys.stderr)
            return 1
        if rec is not None:
            print(f"apply: S3/DynamoDB service hosts running on HTTP port {aws_services.PORT} "
                  f"(pid {rec['pid']}, log {rec['log']})")
    for note in result.notes:
        print(f"note: {note}")
    if not result.steps:
        print("apply: nothing to do (the namespaces already match the topology)")
    elif args.dry_run:
        print(f"plan: {len(result.steps)} steps (dry run, nothing changed)")
        for s in result.steps:
            print(f"  {s}")
    else:
        print(f"apply: {len(result.steps)} steps in {result.seconds:.2f}s")
    return 0


def _api_state_notes(topology: Topology, directory: str) -> int:
    """Refuse a directory that holds no ``netemu serve --state``; note private zones stored
    there that no VPC of the topology will see. Returns 1 on error."""
    from pathlib import Path

    from netemu.api.follow import StoreFollower
    from netemu.api.store import FILENAME, open_store
    from netemu.dataplane.resolver import notes
    from netemu.errors import LoadError

    if not (Path(directory) / FILENAME).is_file():
        print(f"netemu apply: --api-state {directory}: no Route 53 API state here ({FILENAME} "
              "is missing); start 'netemu serve --api ADDR --state DIR' first", file=sys.stderr)
        return 1
    try:
        store = open_store(directory)
        try:
            zoneset = StoreFollower(store).load()
        finally:
            store.close()
    except (OSError, LoadError, ValueError) as e:
        print(f"netemu apply: --api-state {directory}: {e}", file=sys.stderr)
        return 1
    for note in notes(topology, zoneset):
        print(f"note: {note}")
    return 0


def cmd_destroy(args: argparse.Namespace) -> int:
    from netemu.dataplane.destroy import destroy

    if rc := _need_root():
        return rc
    r = destroy(args.prefix, args.state)
    print(f"destroy: removed {len(r.removed)} namespaces")
    for ns in r.foreign:
        print(f"destroy: left {ns} alone (prefix but not this deployment's marker)")
    if r.left:
        print(f"destroy: still present after waiting: {', '.join(r.left)}", file=sys.stderr)
        return 1
    return 0


def cmd_status(args: argparse.Namespace) -> int:
    from netemu.dataplane import kernel
    from netemu.dataplane.state import State, state_dir

    st = State.load(state_dir(args.state))
    prefix = st.prefix or args.prefix
    present = (
        set(kernel.list_namespaces(prefix))
        if os.geteuid() == 0 or os.path.isdir("/run/netns")
        else set()
    )
    rows = [
        {
            "namespace": ns,
            "node": rec.get("node"),
            "role": rec.get("role"),
            "status": rec.get("status"),
            "present": ns in present,
        }
        for ns, rec in sorted(st.namespaces.items())
    ]
    from netemu.dataplane import aws_services, elb, imds
    from netemu.dataplane.resolver import info

    dns = info(st)
    metadata = imds.info(st)
    balancers = elb.info(st)
    services = aws_services.info(st)
    if args.json:
        print(json.dumps({"state": str(st.path), "topology": st.topology, "prefix": prefix,
                          "namespaces": rows, "links": len(st.links), "resolver": dns,
                          "metadata_service": metadata, "load_balancers": balancers,
                          "aws_services": services},
                         indent=2))
        return 0
    if not rows:
        print(f"status: nothing applied (state {st.path})")
        return 0
    print(f"topology {st.topology}  prefix {prefix}  state {st.path}")
    for r in rows:
        print(
            f"  {r['node']:<28} {r['role']:<9} {r['status']:<11} "
            f"{'up' if r['present'] else 'MISSING'}  {r['namespace']}"
        )
    print(f"  {len(st.links)} links")
    if dns is not None:
        print(f"VPC resolver: pid {dns['pid']} {'running' if dns['running'] else 'NOT RUNNING'}"
              f"  zones {' '.join(dns.get('zones', [])) or '(none)'}"
              f"{'  api-state ' + dns['api_state'] if dns.get('api_state') else ''}"
              f"  log {dns['log']}")
        for v in dns.get("vpcs", []):
            o = v["dhcp_options"]
            where = ", ".join(v["resolver"]) or "off (enable_dns_support false)"
            print(f"  {v['vpc']:<16} resolver {where}"
                  f"  hostnames {'on' if v['hostnames'] else 'off'}")
            print(f"  {'':<16} DHCP options {o['name'] or '-'}: domain-name {o['domain_name']}; "
                  f"domain-name-servers {', '.join(o['domain_name_servers'])}"
                  + (f"; ntp-servers {', '.join(o['ntp_servers'])}" if o["ntp_servers"] else ""))
    if metadata is not None:
        print(f"instance metadata service (V37): pid {metadata['pid']}"
              f" {'running' if metadata['running'] else 'NOT RUNNING'}"
              f"  {metadata['instances']} instances  log {metadata['log']}")
    if balancers is not None:
        _print_balancers(balancers)
    if services is not None:
        print(f"S3/DynamoDB behind gateway endpoints: pid {services['pid']}"
              f" {'running' if services['running'] else 'NOT RUNNING'}  HTTP port "
              f"{services['port']}  {', '.join(services['hosts'])}  log {services['log']}")
    return 0


def _print_balancers(info: dict[str, Any]) -> None:
    """The load balancer nodes' process and each target's health, as DescribeTargetHealth."""
    print(f"load balancer nodes: pid {info['pid']} "
          f"{'running' if info['running'] else 'NOT RUNNING'}  log {info['log']}")
    for lb, groups in sorted(info["health"].items()):
        for tg, targets in sorted(groups.items()):
            print(f"  {lb} target group {tg}")
            for tid, t in sorted(targets.items()):
                why = f"  {t['reason']}: {t['description']}" if t.get("reason") else ""
                print(f"    {tid:<16} {t.get('az', ''):<12} {t['state']:<10}{why}")


def _strip(cmd: list[str], args: argparse.Namespace | None = None) -> list[str]:
    """The command after ``--``; ``--state``/``--prefix`` given between NODE and ``--`` still
    count (argparse's REMAINDER would swallow them)."""
    if "--" not in cmd:
        return cmd
    i = cmd.index("--")
    before, after = cmd[:i], cmd[i + 1:]
    if args is not None and before:
        extra = argparse.ArgumentParser(add_help=False)
        extra.add_argument("--state")
        extra.add_argument("--prefix")
        known, _ = extra.parse_known_args(before)
        args.state = known.state or args.state
        args.prefix = known.prefix or args.prefix
    return after


def cmd_exec(args: argparse.Namespace) -> int:
    from netemu.dataplane.execns import NodeError, exec_node

    if rc := _need_root():
        return rc
    cmd = _strip(args.cmd, args)
    if not cmd:
        print("netemu exec: give a command after --", file=sys.stderr)
        return 2
    try:
        exec_node(args.node, cmd, args.prefix, args.state)
    except NodeError as e:
        print(f"netemu exec: {e}", file=sys.stderr)
        return 1
    return 0  # not reached: exec replaces the process


def cmd_capture(args: argparse.Namespace) -> int:
    from netemu.dataplane.execns import NodeError, capture

    if rc := _need_root():
        return rc
    try:
        capture(args.node, _strip(args.args, args), args.prefix, args.state)
    except NodeError as e:
        print(f"netemu capture: {e}", file=sys.stderr)
        return 1
    return 0
