"""Command line: ``netemu COMMAND ...``. Thin: each command loads, calls one library function,
prints. Commands live in sibling modules, each with ``register(subparsers)``; the table below is
the only place that lists them (add one line per module)."""

from __future__ import annotations

import argparse
import importlib
import logging
import sys

COMMAND_MODULES: tuple[str, ...] = (
    "netemu.cli.serve",
    "netemu.cli.check",
    "netemu.cli.trace",
    "netemu.cli.dataplane",
    "netemu.cli.health",
    "netemu.cli.zones",
    "netemu.cli.importer",
    "netemu.cli.draw",
)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="netemu", description="Route 53 and AWS VPC networking emulator"
    )
    parser.add_argument("-v", "--verbose", action="store_true", help="debug logging")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    sub.required = True
    for name in COMMAND_MODULES:
        importlib.import_module(name).register(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    logging.basicConfig(
        level=logging.DEBUG if args.verbose else logging.INFO,
        format="%(asctime)s %(name)s %(levelname)s %(message)s",
        stream=sys.stderr,
    )
    try:
        return int(args.func(args) or 0)
    except KeyboardInterrupt:
        return 130
