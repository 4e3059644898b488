"""The layer rules of docs/architecture.md, checked by walking the imports.

- route53/ and vpc/ (pure) import no edge package and no I/O, clock or global randomness.
- each third-party I/O library has one home (dnslib: dns/codec.py; pyroute2: dataplane/kernel.py).
- the data plane's compiler (plan/, nft.py, diff.py and the names they use) is pure too: it
  imports only the pure layers and its own pure modules, no I/O, no subprocess, no pyroute2, no
  clock, and opens no file; only apply/destroy/kernel/execns/state touch the machine.
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
PURE_DATAPLANE = ("dataplane/plan", "dataplane/nft.py", "dataplane/diff.py", "dataplane/names.py")
DATAPLANE_IO = IO_MODULES + ("os", "pathlib", "shutil", "tempfile", "io", "datetime", "random",
                             "sys", "signal", "ctypes", "multiprocessing", "glob", "importlib")
PURE_DATAPLANE_MAY_IMPORT = ("netemu.vpc", "netemu.errors", "netemu.dataplane.plan",
                             "netemu.dataplane.nft", "netemu.dataplane.diff",
                             "netemu.dataplane.names")


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


def pure_dataplane_files() -> list[Path]:
    out: list[Path] = []
    for part in PURE_DATAPLANE:
        path = PKG / part
        out += sorted(path.rglob("*.py")) if path.is_dir() else [path]
    return out


def package_of(path: Path) -> str:
    """``netemu/dataplane/plan/wiring.py`` (or ``plan/__init__.py``): ``netemu.dataplane.plan``."""
    return ".".join(path.resolve().relative_to(PKG.parent).parts[:-1])


def imported_names(path: Path, package: str | None = None) -> list[tuple[int, str]]:
    """Like ``imports`` but ``from a import b`` gives ``a.b`` (``from netemu.dataplane import
    kernel`` is an import of ``netemu.dataplane.kernel``), and a relative import is resolved
    against ``package`` (by default the package ``path`` lives in), so ``from ..kernel import x``
    cannot slip past the rule."""
    tree = ast.parse(path.read_text(), str(path))
    out: list[tuple[int, str]] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            out.extend((node.lineno, a.name) for a in node.names)
        elif isinstance(node, ast.ImportFrom):
            module = node.module or ""
            if node.level:
                base = (package if package is not None else package_of(path)).split(".")
                base = base[:len(base) - (node.level - 1)]
                module = ".".join(base + ([module] if module else []))
            out.extend((node.lineno, f"{module}.{a.name}") for a in node.names)
    return out


def dataplane_impurities(path: Path, package: str | None = None) -> list[str]:
    """Why ``path`` is not a pure part of the data plane (empty when it is)."""
    bad = []
    for line, mod in imported_names(path, package):
        if mod.split(".")[0] in DATAPLANE_IO:
            bad.append(f"line {line}: {mod}")
        elif mod.startswith("netemu") and not mod.startswith(PURE_DATAPLANE_MAY_IMPORT):
            bad.append(f"line {line}: {mod} (not pure)")
    tree = ast.parse(path.read_text(), str(path))
    bad += [f"line {n.lineno}: {n.func.id}()" for n in ast.walk(tree)
            if isinstance(n, ast.Call) and isinstance(n.func, ast.Name)
            and n.func.id in ("open", "print", "input", "exec", "eval", "__import__")]
    return bad


def test_pure_dataplane_files_exist() -> None:
    files = {str(p.relative_to(PKG)) for p in pure_dataplane_files()}
    assert {"dataplane/nft.py", "dataplane/diff.py", "dataplane/plan/__init__.py"} <= files
    assert all((PKG / f).is_file() for f in files)


@pytest.mark.parametrize("path", pure_dataplane_files(), ids=lambda p: str(p.relative_to(PKG)))
def test_dataplane_compiler_is_pure(path: Path) -> None:
    bad = dataplane_impurities(path)
    assert not bad, f"{path.relative_to(PKG)} must stay pure (plan, nft, diff): {bad}"


def test_the_dataplane_rule_can_fail(tmp_path: Path) -> None:
    bad = tmp_path / "x.py"
    bad.write_text("import subprocess\nfrom pyroute2 import IPRoute\nimport time\n"
                   "from netemu.dataplane import kernel\nfrom netemu.dataplane.kernel import x\n"
                   "from netemu.vpc import model\nfrom netemu.dataplane import nft\n"
                   "open('/etc/hosts')\n")
    found = dataplane_impurities(bad)
    assert [f.split(":")[0] for f in found] == [
        "line 1", "line 2", "line 3", "line 4", "line 5", "line 8"], found
    good = tmp_path / "y.py"
    good.write_text("from netemu.vpc import model\nimport ipaddress\n")
    assert dataplane_impurities(good) == []
    # relative imports are resolved (here as if the file were in netemu/dataplane/plan/), and the
    # clock, the process and dynamic imports count as I/O
    rel = tmp_path / "z.py"
    rel.write_text("from .. import kernel\nfrom ..kernel import apply_ns\nfrom . import wiring\n"
                   "from ...vpc import model\nimport datetime\nimport sys\n"
                   "import importlib\n")
    found = dataplane_impurities(rel, package="netemu.dataplane.plan")
    assert [f.split(":")[0] for f in found] == [
        "line 1", "line 2", "line 5", "line 6", "line 7"], found


def test_the_rule_can_fail(tmp_path: Path) -> None:
    bad = tmp_path / "x.py"
    bad.write_text("import socket\nfrom netemu.dns import server\nrandom.choice([1])\n")
    mods = [m for _, m in imports(bad)]
    assert "socket" in mods and "netemu.dns" in mods
    assert global_random_calls(bad) == [3]
