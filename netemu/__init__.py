"""netemu: a Route 53 and AWS VPC networking emulator for real clients.

Layers (docs/architecture.md): the pure cores ``netemu.route53`` and ``netemu.vpc`` take plain
data and return plain data; the edges ``netemu.dns``, ``netemu.health``, ``netemu.api`` and
``netemu.dataplane`` do the I/O; ``netemu.cli`` is a thin shell.

The AWS behaviours the code reproduces are numbered (R1.. for Route 53, V1.. for VPC) and cited
by number in comments and tests; docs/behaviour.md describes each one, with its AWS source and
the tests that check it.

The public API (``__all__``): the two pure packages, the entry points most callers need from
them (load zone files, compile them, answer a question; load a topology file and trace a flow
through it) and the error every loader raises. The names resolve on first use, so
``import netemu`` (and every ``netemu.*`` import) stays cheap.
"""

from __future__ import annotations

import importlib
from typing import Any

__version__ = "0.1.0"

# name -> (module, attribute); attribute None: the module itself
_EXPORTS: dict[str, tuple[str, str | None]] = {
    "route53": ("netemu.route53", None),
    "vpc": ("netemu.vpc", None),
    "LoadError": ("netemu.errors", "LoadError"),
    "NetemuError": ("netemu.errors", "NetemuError"),
    "load_zone_files": ("netemu.route53", "load_zone_files"),
    "compile_zones": ("netemu.route53", "compile_zones"),
    "answer": ("netemu.route53", "answer"),
    "load_topology_file": ("netemu.vpc", "load_topology_file"),
    "Flow": ("netemu.vpc", "Flow"),
    "trace": ("netemu.vpc.trace", "trace"),
}

__all__ = ["__version__", *sorted(_EXPORTS)]


def __getattr__(name: str) -> Any:
    try:
        module, attr = _EXPORTS[name]
    except KeyError:
        raise AttributeError(f"module 'netemu' has no attribute {name!r}") from None
    value = importlib.import_module(module)
    return value if attr is None else getattr(value, attr)


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_EXPORTS))
