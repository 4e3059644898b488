"""The example zones and topologies shipped with netemu, wherever netemu is installed.

Name
    ``root()``, ``zones()``, ``topologies()``, ``resolve(path, what)``.
Behaviour
    - In a source checkout (or an editable install) the examples are the repository's own
      top-level ``zones/`` and ``topologies/`` folders, the ones the README and the tests name.
    - In an installed wheel they are copies inside the package, ``netemu/examples/zones`` and
      ``netemu/examples/topologies`` (``setup.py`` copies the top-level folders there when it
      builds; they are never edited there).
    - ``resolve`` keeps the command-line contract: a path that exists is used as given; a
      relative path that does not exist (``topologies/three-tier.yaml`` typed in an empty
      folder) falls back to the shipped copy of the same path, and the caller says so on
      stderr. Absolute paths and paths with no shipped copy are returned unchanged, so the
      loaders report the missing file in their usual words.
Example
    ``resolve("topologies/three-tier.yaml")`` -> ``(Path(".../netemu/examples/topologies/
    three-tier.yaml"), True)`` in an empty folder; ``(Path("topologies/three-tier.yaml"),
    False)`` in the repository.
"""

from __future__ import annotations

import sys
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent
INSTALLED = PACKAGE / "examples"   # written by setup.py's build step, only in built wheels
CHECKOUT = PACKAGE.parent          # the repository root, when running from a source tree
FOLDERS = ("zones", "topologies")


def root() -> Path:
    """The folder that holds ``zones/`` and ``topologies/``: the wheel's copy when installed,
    else the source checkout."""
    if (INSTALLED / "zones").is_dir():
        return INSTALLED
    return CHECKOUT


def zones() -> Path:
    return root() / "zones"


def topologies() -> Path:
    return root() / "topologies"


def default_zones(cwd: Path | None = None) -> Path:
    """What ``netemu serve`` serves without ``--zones``: ``./zones`` when the current folder
    has one, else the shipped example zones."""
    here = (cwd or Path.cwd()) / "zones"
    return here if here.is_dir() else zones()


def resolve(path: str | Path, cwd: Path | None = None) -> tuple[Path, bool]:
    """``(path to use, True when it is the shipped copy)`` for a file or folder named on the
    command line (see the module docstring)."""
    given = Path(path)
    if given.is_absolute() or (cwd or Path.cwd()).joinpath(given).exists():
        return given, False
    parts = given.parts
    candidates = []
    if parts and parts[0] in FOLDERS:
        candidates.append(root().joinpath(*parts))
    elif len(parts) == 1:   # a bare name: three-tier.yaml, policy-weighted.yaml
        candidates += [root() / folder / parts[0] for folder in FOLDERS]
    for candidate in candidates:
        if candidate.exists():
            return candidate, True
    return given, False


def resolve_noisy(path: str | Path) -> str:
    """``resolve`` for the command line: the path as a string, and a line on stderr when the
    shipped copy is used."""
    found, fallback = resolve(path)
    if fallback:
        print(f"netemu: {path} is not here; using the shipped copy {found}", file=sys.stderr)
    return str(found)
