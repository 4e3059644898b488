"""The Vagrant box, tested without a VM: ``vagrant validate`` on the Vagrantfile (Debian's
vagrant), and the VM's provisioning script, scripts/vagrant-provision.sh, run on this machine
in its ``--check`` mode, as CI does on its own Debian machine: the same packages and netemu (a
fresh .venv in a copy of the repository), the systemd units written under a temporary root,
checked with ``systemd-analyze verify`` and enabled there only; the running systemd is never
touched and no unit is started. The units' own command lines are then run by hand on loopback
ports: the server answers dig and boto3, the topology unit's apply parses (as a dry run)."""

from __future__ import annotations

import os
import re
import shlex
import shutil
import socket
import subprocess
import time
from pathlib import Path

import pytest

from tests.helpers import ROOT, free_port

HOST_UNITS = [Path("/etc/systemd/system") / n for n in ("netemu-serve.service",
                                                        "netemu-topology.service")]


def _debian_root() -> str | None:
    if os.geteuid() != 0:
        return "needs root (installs Debian packages, as in the VM)"
    if not Path("/etc/debian_version").is_file() or shutil.which("dpkg-query") is None:
        return "needs Debian (the VM's system)"
    return None


def _copy_tree(dest: Path) -> None:
    """The repository's files (tracked and new, not ignored; no .venv) into ``dest``."""
    listed = subprocess.run(["git", "ls-files", "-co", "--exclude-standard", "-z"], cwd=ROOT,
                            capture_output=True, check=True).stdout.decode().split("\0")
    for rel in filter(None, listed):
        src = ROOT / rel
        if src.is_file() and not rel.startswith(".venv"):
            (dest / rel).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(src, dest / rel)


@pytest.fixture(scope="module")
def provisioned(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, str]:
    """(copy of the repository, alternate root, script output) after ``--check``."""
    reason = _debian_root()
    if reason is not None:
        pytest.skip(reason)
    base = tmp_path_factory.mktemp("provision")
    repo, target = base / "repo", base / "root"
    repo.mkdir()
    _copy_tree(repo)
    before = [p.exists() for p in HOST_UNITS]
    env = {k: v for k, v in os.environ.items()
           if k not in ("PYTHONPATH", "VIRTUAL_ENV", "NETEMU_LISTEN_ADDR")}
    result = subprocess.run(["bash", "scripts/vagrant-provision.sh", "--check", str(target)],
                            cwd=repo, env=env, capture_output=True, text=True, timeout=1200,
                            check=False)
    out = result.stdout + result.stderr
    assert result.returncode == 0, out[-4000:]
    assert [p.exists() for p in HOST_UNITS] == before   # nothing installed on this host
    return repo, target, out


def _exec_start(unit: Path) -> list[str]:
    line = next(ln for ln in unit.read_text().splitlines() if ln.startswith("ExecStart="))
    return shlex.split(line.removeprefix("ExecStart="))


@pytest.mark.slow
def test_provision_script_check_mode_installs_netemu_and_valid_units(
        provisioned: tuple[Path, Path, str]) -> None:
    repo, target, out = provisioned
    assert (repo / ".venv" / "bin" / "netemu").is_file()
    units = target / "etc" / "systemd" / "system"
    for name in ("netemu-serve.service", "netemu-topology.service"):
        assert (units / name).is_file()
        link = units / "multi-user.target.wants" / name
        assert link.is_symlink() and os.readlink(link) == f"/etc/systemd/system/{name}"
    if shutil.which("systemd-analyze"):
        assert "systemd-analyze verify: both units are valid" in out
        broken = target / "broken.service"
        broken.write_text((units / "netemu-serve.service").read_text().replace(
            str(repo / ".venv" / "bin" / "netemu"), "/nonexistent/netemu"))
        assert subprocess.run(["systemd-analyze", "verify", "--man=no", str(broken)],
                              capture_output=True, check=False).returncode != 0
    assert "nothing started" in out


@pytest.mark.slow
def test_serve_unit_listens_on_the_vm_address_and_its_command_answers(
        provisioned: tuple[Path, Path, str], tmp_path: Path) -> None:
    """The unit serves on the source address of the default route (VirtualBox NAT's
    10.0.2.15 in the VM, where the forwarded ports arrive). Its command line, run here with
    that address swapped for loopback and free ports, answers dig and the Route 53 API."""
    repo, target, _ = provisioned
    argv = _exec_start(target / "etc/systemd/system/netemu-serve.service")
    route = subprocess.run(["ip", "-4", "route", "get", "1.1.1.1"], capture_output=True,
                           text=True, check=False).stdout
    src = re.search(r" src ([0-9.]+)", route)
    addr = src.group(1) if src else "127.0.0.1"
    assert argv[argv.index("--listen") + 1] == f"{addr}:1053"
    assert argv[argv.index("--api") + 1] == f"{addr}:4580"
    dns, api = free_port(), free_port(socket.SOCK_STREAM)
    argv[argv.index("--listen") + 1] = f"127.0.0.1:{dns}"
    argv[argv.index("--api") + 1] = f"127.0.0.1:{api}"
    argv[argv.index("--state") + 1] = str(tmp_path / "state")
    log = tmp_path / "serve.log"
    with log.open("wb") as sink:
        proc = subprocess.Popen(argv, cwd=repo, stdout=sink, stderr=subprocess.STDOUT)
    try:
        answer = ""
        deadline = time.monotonic() + 30
        while not answer.startswith("192.") and time.monotonic() < deadline:
            assert proc.poll() is None, log.read_text()
            answer = subprocess.run(
                ["dig", "@127.0.0.1", "-p", str(dns), "+short", "+time=1", "+tries=1",
                 "www.example.com", "A"], capture_output=True, text=True, check=False,
                timeout=10).stdout.strip()
            time.sleep(0.2)
        assert answer == "192.0.2.10", log.read_text()
        import boto3

        r53 = boto3.client("route53", endpoint_url=f"http://127.0.0.1:{api}",
                           region_name="us-east-1", aws_access_key_id="x",
                           aws_secret_access_key="x")
        names = {z["Name"] for z in r53.list_hosted_zones()["HostedZones"]}
        assert "example.com." in names
    finally:
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(10)


@pytest.mark.slow
def test_topology_unit_applies_the_shipped_topology(provisioned: tuple[Path, Path, str]) -> None:
    """Its apply command line, as a dry run (the plan only; nothing is created here)."""
    repo, target, _ = provisioned
    argv = _exec_start(target / "etc/systemd/system/netemu-topology.service")
    assert argv[1:3] == ["apply", "--quiet"] and argv[3].endswith("topologies/three-tier.yaml")
    argv[argv.index("--quiet")] = "--dry-run"
    result = subprocess.run(argv, cwd=repo, capture_output=True, text=True, timeout=120,
                            check=False, env=dict(os.environ, NETEMU_STATE_DIR=str(repo / "s")))
    assert result.returncode == 0, result.stderr
    assert "dry run, nothing changed" in result.stdout


# --- vagrant validate ----------------------------------------------------------------------------


def _validate(folder: Path) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ, VAGRANT_HOME=str(folder / ".vagrant.d"), VAGRANT_CHECKPOINT_DISABLE="1")
    # --ignore-provider: CI machines have no VM provider (VirtualBox, libvirt, a running Docker),
    # and without one `vagrant validate` stops at "No usable default provider" before reading
    # the Vagrantfile; the provider block is then not validated, everything else is.
    return subprocess.run(["vagrant", "validate", "--ignore-provider"], cwd=folder, env=env,
                          capture_output=True, text=True, timeout=300, check=False)


@pytest.mark.slow
@pytest.mark.skipif(shutil.which("vagrant") is None,
                    reason="needs vagrant (Debian package; scripts/setup.sh installs it as root)")
def test_vagrant_validate(tmp_path: Path) -> None:
    """The Vagrantfile is valid, and forwards DNS (UDP and TCP) and the API to the host's
    loopback; a copy with a port forwarded twice is refused (validate can fail)."""
    text = (ROOT / "Vagrantfile").read_text()
    (tmp_path / "Vagrantfile").write_text(text)
    result = _validate(tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "validated successfully" in result.stdout
    forwards = re.findall(r'forwarded_port", id: "[^"]+", guest: (\d+), host: (\d+),\s*'
                          r'host_ip: "127.0.0.1", protocol: "(udp|tcp)"', text)
    assert sorted(forwards) == [("1053", "1053", "tcp"), ("1053", "1053", "udp"),
                                ("4580", "4580", "tcp")]
    assert "scripts/vagrant-provision.sh" in text
    bad = tmp_path / "bad"
    bad.mkdir()
    twice = text.replace('id: "dns-tcp"', 'id: "dns-udp2"').replace(
        'protocol: "tcp"\n  config.vm.network "forwarded_port", id: "route53-api"',
        'protocol: "udp"\n  config.vm.network "forwarded_port", id: "route53-api"')
    assert twice.count('protocol: "udp"') == 2
    (bad / "Vagrantfile").write_text(twice)
    refused = _validate(bad)
    assert refused.returncode != 0 and "1053" in refused.stdout + refused.stderr
