"""Progress of long work (``netemu apply``, the scripts in bench/) on a terminal.

One line on stderr, rewritten in place (``\\r`` and erase-line), at most ten times a second, and
erased when the work ends, so what the command prints on stdout stays as it was. Nothing at all
when stderr is not a terminal (a pipe, a file, CI logs) or when the caller is asked to be quiet
(``--quiet``).

    with Progress("apply", total=len(steps), quiet=args.quiet) as progress:
        for step in steps:
            ...
            progress.step(note=str(step))

``progress(i, n, note)`` is the same as ``step(i, note)`` with a new total: the shape of
``netemu.dataplane.apply``'s progress callback.
"""

from __future__ import annotations

import sys
import time
from types import TracebackType
from typing import TextIO

WIDTH = 120


def is_terminal(stream: TextIO) -> bool:
    try:
        return stream.isatty()
    except (AttributeError, ValueError):   # closed or replaced streams
        return False


class Progress:
    def __init__(self, label: str, total: int | None = None, *, quiet: bool = False,
                 stream: TextIO | None = None, interval: float = 0.1) -> None:
        self.label, self.total, self.interval = label, total, interval
        self.stream = stream if stream is not None else sys.stderr
        self.enabled = not quiet and is_terminal(self.stream)
        self.done = 0
        self.shown = False
        self.last = float("-inf")

    def step(self, done: int | None = None, note: str = "") -> None:
        """Count one more unit of work (or set the count to ``done``) and maybe redraw."""
        self.done = self.done + 1 if done is None else done
        if not self.enabled:
            return
        now = time.monotonic()
        if now - self.last < self.interval and self.done != self.total:
            return
        self.last = now
        count = f"{self.done}/{self.total}" if self.total else str(self.done)
        line = f"{self.label} [{count}] {note}".rstrip()[:WIDTH]
        self.stream.write(f"\r\x1b[K{line}")
        self.stream.flush()
        self.shown = True

    def __call__(self, done: int, total: int, note: object = "") -> None:
        self.total = total
        self.step(done, str(note))

    def close(self) -> None:
        """Erase the line (nothing was written when not on a terminal)."""
        if self.shown:
            self.stream.write("\r\x1b[K")
            self.stream.flush()
            self.shown = False

    def __enter__(self) -> Progress:
        return self

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.close()


def take_quiet(argv: list[str]) -> bool:
    """Remove ``--quiet`` from a script's hand-parsed arguments; True when it was there."""
    quiet = "--quiet" in argv
    while "--quiet" in argv:
        argv.remove("--quiet")
    return quiet
