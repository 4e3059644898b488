"""Commands of the dns work (filled in by it)."""

from __future__ import annotations

import argparse


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Adds this module's commands (none yet)."""
