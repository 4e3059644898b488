"""Installed the ordinary way (a wheel in a fresh virtual environment, outside the repository),
netemu runs the README's commands: ``netemu serve`` with no arguments answers a real dig from
the shipped example zones, and ``netemu trace topologies/three-tier.yaml`` (and every other
trace and check command of the README and docs) in an empty folder uses the shipped files
(saying so on stderr)."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import sysconfig
import time
from pathlib import Path

import pytest

from tests.helpers import ROOT, free_port
from tests.test_docs_commands import CHECKS, TRACES

pytestmark = pytest.mark.slow
PURELIB = "import sysconfig; print(sysconfig.get_path('purelib'))"


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """``bin/`` of a fresh venv (in a temp folder, outside the repository) holding only the
    netemu wheel; its dependencies are reached through a .pth line naming this interpreter's
    site-packages (a path line: that folder's own .pth files, e.g. the editable install's
    finder, are not run), so no index is needed."""
    base = tmp_path_factory.mktemp("wheel-install")
    assert not base.resolve().is_relative_to(ROOT)
    wheels = base / "wheels"
    build = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q",
         "-w", str(wheels), str(ROOT)], capture_output=True, text=True, check=False, timeout=300)
    assert build.returncode == 0, build.stderr
    (wheel,) = wheels.glob("netemu-*.whl")
    venv = base / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True,
                   timeout=120)
    target = subprocess.run(
        [str(venv / "bin" / "python"), "-c", PURELIB],
        capture_output=True, text=True, check=True).stdout.strip()
    install = subprocess.run(
        [sys.executable, "-m", "pip", "--python", str(venv / "bin" / "python"), "install", "-q",
         "--no-deps", str(wheel)], capture_output=True, text=True, check=False, timeout=300)
    assert install.returncode == 0, install.stderr
    Path(target, "deps-from-test-venv.pth").write_text(sysconfig.get_path("purelib") + "\n")
    return venv / "bin"


def _env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV")}
    return env


def test_wheel_is_used_not_the_checkout(installed: Path, tmp_path: Path) -> None:
    out = subprocess.run([str(installed / "python"), "-c", "import netemu; print(netemu.__file__)"],
                         cwd=tmp_path, env=_env(), capture_output=True, text=True, check=True)
    path = Path(out.stdout.strip())
    assert path.is_relative_to(installed.parent), path
    assert (path.parent / "examples" / "zones" / "basics.yaml").is_file()
    assert (path.parent / "examples" / "topologies" / "three-tier.yaml").is_file()


def test_trace_shipped_topology_from_an_empty_folder(installed: Path, tmp_path: Path) -> None:
    result = subprocess.run(
        [str(installed / "netemu"), "trace", "topologies/three-tier.yaml", "--from", "client",
         "--to", "web1", "--port", "443"],
        cwd=tmp_path, env=_env(), capture_output=True, text=True, check=False, timeout=60)
    assert result.returncode == 0, result.stderr
    assert "shipped copy" in result.stderr and "three-tier.yaml" in result.stderr
    assert "forward path" in result.stdout and "web1" in result.stdout


# Commands on the repository's own test data (tests/...) are run from the checkout by
# tests/test_docs_commands.py; the installed package ships only topologies/ and zones/.
SHIPPED_COMMANDS = [(w, a) for w, a in TRACES + CHECKS
                    if not any(arg.startswith("tests/") for arg in a)]


@pytest.mark.parametrize(("where", "args"), SHIPPED_COMMANDS, ids=[w for w, _ in SHIPPED_COMMANDS])
def test_readme_trace_and_check_commands_from_an_empty_folder(
        installed: Path, tmp_path: Path, where: str, args: list[str]) -> None:
    """Every `netemu trace` / `netemu check` command of the README and docs, run by the
    installed command in an empty folder: the shipped files stand in for the relative paths."""
    result = subprocess.run([str(installed / "netemu"), *args], cwd=tmp_path, env=_env(),
                            capture_output=True, text=True, check=False, timeout=60)
    ok = (0, 2) if args[0] == "trace" else (0,)
    assert result.returncode in ok, (where, result.stderr)
    assert "using the shipped copy" in result.stderr
    assert "Traceback" not in result.stderr


@pytest.mark.skipif(shutil.which("dig") is None, reason="needs dig (dnsutils)")
def test_serve_without_arguments_answers_dig(installed: Path, tmp_path: Path) -> None:
    port, api = free_port(), free_port()
    log = tmp_path / "serve.log"
    with open(log, "wb") as sink:
        proc = subprocess.Popen(
            [str(installed / "netemu"), "serve", "--listen", f"127.0.0.1:{port}",
             "--api", f"127.0.0.1:{api}"],
            cwd=tmp_path, env=_env(), stdout=sink, stderr=sink)
    try:
        answer = ""
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline and not answer:
            assert proc.poll() is None, log.read_text()
            answer = subprocess.run(
                ["dig", "@127.0.0.1", "-p", str(port), "+norec", "+short", "+time=1",
                 "+tries=1", "www.example.com", "A"],
                capture_output=True, text=True, check=False, timeout=10).stdout.strip()
            if answer.startswith(";"):   # not listening yet: ";; communications error"
                answer = ""
            if not answer:
                time.sleep(0.2)
        assert answer == "192.0.2.10", log.read_text()   # zones/basics.yaml, shipped
    finally:
        proc.terminate()
        try:
            proc.wait(5)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(5)


def test_wheel_brings_the_pytest_plugin(installed: Path, tmp_path: Path) -> None:
    """The wheel's ``pytest11`` entry point: a user's test in an empty folder gets
    ``netemu_topology`` and the assertions with no conftest.py, from the installed package, and
    traces the shipped example by its relative path."""
    (tmp_path / "test_mine.py").write_text(
        "import netemu\n"
        "from netemu.pytest_plugin import assert_blocked\n\n\n"
        "def test_vault(netemu_topology):\n"
        f"    assert netemu.__file__.startswith({str(installed.parent)!r})\n"
        "    three = netemu_topology('topologies/three-tier.yaml')\n"
        "    three.assert_reachable('client', 'web1', port=443)\n"
        "    assert_blocked(three, 'client', 'web1', port=22, by='security-group')\n")
    result = subprocess.run(
        [str(installed / "python"), "-m", "pytest", "-p", "no:cacheprovider", "-W", "ignore",
         str(tmp_path)], cwd=tmp_path, env=_env(), capture_output=True, text=True, check=False,
        timeout=300)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "1 passed" in result.stdout
