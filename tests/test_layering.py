"""The layer rules of ARCHITECTURE.md and STYLE.md section 7, checked by walking the imports.

- route53/ and vpc/ (pure) import no edge package and no I/O, clock or global randomness.
- each third-party I/O library has one home (dnslib: dns/codec.py; pyroute2: dataplane/kernel.py).
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PKG = Path(__file__).resolve().parent.parent / "netemu"
PURE = ("route53", "vpc")
EDGES = ("netemu.dns", "netemu.health", "netemu.api", "netemu.dataplane", "netemu.cli")
IO_MODULES = (
    "asyncio", "socket", "subprocess", "selectors", "threading", "time", "ssl", "http",
    "urllib", "dnslib", "pyroute2", "uvloop", "scapy",
)
HOMES = {"dnslib": {"dns/codec.py"}, "pyroute2": {"dataplane/kernel.py"}}


def imports(path: Path) -> list[tuple[int, str]]:
    tree = ast.parse(path.read_text(), str(path))
    out: list[tuple[int, str]] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            out.extend((node.lineno, a.name) for a in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            out.append((node.lineno, node.module))
    return out


def global_random_calls(path: Path) -> list[int]:
    """Lines using module-level random functions (random.choice...); random.Random is fine."""
    tree = ast.parse(path.read_text(), str(path))
    return [
        n.lineno for n in ast.walk(tree)
        if isinstance(n, ast.Attribute) and isinstance(n.value, ast.Name)
        and n.value.id == "random" and n.attr not in ("Random",)
    ]


def pure_files() -> list[Path]:
    return sorted(p for pkg in PURE for p in (PKG / pkg).rglob("*.py"))


@pytest.mark.parametrize("path", pure_files(), ids=lambda p: str(p.relative_to(PKG)))
def test_pure_layers_import_no_edge_and_no_io(path: Path) -> None:
    bad = [
        f"line {line}: {mod}" for line, mod in imports(path)
        if mod.startswith(EDGES) or mod.split(".")[0] in IO_MODULES
    ]
    bad += [f"line {line}: module-level random" for line in global_random_calls(path)]
    assert not bad, f"{path.relative_to(PKG)} breaks the pure-layer rule: {bad}"


def test_each_io_library_has_one_home() -> None:
    offenders = []
    for path in sorted(PKG.rglob("*.py")):
        rel = str(path.relative_to(PKG))
        for line, mod in imports(path):
            lib = mod.split(".")[0]
            if lib in HOMES and rel not in HOMES[lib]:
                offenders.append(f"{rel}:{line} imports {lib}")
    assert not offenders, offenders


def test_the_rule_can_fail(tmp_path: Path) -> None:
    bad = tmp_path / "x.py"
    bad.write_text("import socket\nfrom netemu.dns import server\nrandom.choice([1])\n")
    mods = [m for _, m in imports(bad)]
    assert "socket" in mods and "netemu.dns" in mods
    assert global_random_calls(bad) == [3]
