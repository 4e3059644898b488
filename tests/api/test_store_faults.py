"""The state store failing under a running ``netemu serve --state`` (issue 14): a full disk (a
real tmpfs, filled) and a database locked by another process. The API answers 503
ServiceUnavailable for the change it could not commit, DNS keeps answering from the last good
snapshot, nothing acknowledged is lost (also across SIGKILL), and once the fault clears the same
change goes through."""

from __future__ import annotations

import contextlib
import os
import sqlite3
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from botocore.config import Config
from botocore.exceptions import ClientError

from netemu.api.store import FILENAME
from tests.api.test_boto3_zones import change, dig, rr, rrsets
from tests.live import ApiServer

pytestmark = pytest.mark.slow
NO_RETRY = Config(retries={"max_attempts": 1, "mode": "standard"})


@contextlib.contextmanager
def tiny_tmpfs(where: Path, size: str = "2m") -> Iterator[Path]:
    """A tmpfs of ``size`` mounted at ``where`` (root only), unmounted also on failure."""
    if os.geteuid() != 0:
        pytest.skip("mounting a tmpfs needs root")
    where.mkdir(parents=True)
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size}", "netemu-test-state",
                           str(where)], capture_output=True, text=True, check=False)
    if done.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {done.stderr.strip()}")
    try:
        yield where
    finally:
        subprocess.run(["umount", "-l", str(where)], check=False)


def fill(directory: Path) -> Path:
    """Write a file until the file system is full; returns it."""
    filler = directory / "filler"
    chunk = b"\0" * 65536
    with contextlib.suppress(OSError), filler.open("wb") as out:
        while True:
            out.write(chunk)
            out.flush()
    with contextlib.suppress(OSError), filler.open("ab") as out:   # the last few bytes too
        while True:
            out.write(b"\0" * 512)
            out.flush()
    return filler


def batch(zone_name: str, prefix: str, count: int) -> list[tuple[str, dict[str, Any]]]:
    return [("CREATE", rr(f"{prefix}{i}.{zone_name}", "A", "192.0.2.9")) for i in range(count)]


def unavailable(r53: Any, zid: str, items: list[tuple[str, dict[str, Any]]]) -> str:
    with pytest.raises(ClientError) as caught:
        change(r53, zid, *items)
    err = caught.value.response
    assert err["ResponseMetadata"]["HTTPStatusCode"] == 503, err
    return str(err["Error"]["Code"])


def test_full_disk_is_503_and_nothing_acknowledged_is_lost(tmp_path: Path) -> None:
    with tiny_tmpfs(tmp_path / "state") as state:
        server = ApiServer(tmp_path, state)
        server.start()
        try:
            r53 = server.client(config=NO_RETRY)
            zid = r53.create_hosted_zone(Name="full.example",
                                         CallerReference="f1")["HostedZone"]["Id"]
            change(r53, zid, ("CREATE", rr("www.full.example", "A", "192.0.2.1")))
            filler = fill(state)
            big = batch("full.example", "n", 400)
            assert unavailable(r53, zid, big) == "ServiceUnavailable"
            assert dig(server, "www.full.example") == ["192.0.2.1"]     # last good snapshot
            assert dig(server, "n0.full.example") == []                  # not half applied
            names = {r["Name"] for r in rrsets(r53, zid)}
            assert "n0.full.example." not in names and "www.full.example." in names
            filler.unlink()
            change(r53, zid, *big)                                       # the fault cleared
            assert dig(server, "n399.full.example") == ["192.0.2.9"]
            server.kill()
            server.start()
            names = {r["Name"] for r in rrsets(server.client(), zid)}
            assert {"www.full.example.", "n0.full.example.", "n399.full.example."} <= names
        finally:
            server.stop()


def test_database_locked_by_another_process_is_503(tmp_path: Path) -> None:
    server = ApiServer(tmp_path, tmp_path / "state")
    server.start()
    try:
        r53 = server.client(config=NO_RETRY)
        zid = r53.create_hosted_zone(Name="locked.example",
                                     CallerReference="l1")["HostedZone"]["Id"]
        change(r53, zid, ("CREATE", rr("www.locked.example", "A", "192.0.2.2")))
        holder = sqlite3.connect(tmp_path / "state" / FILENAME, isolation_level=None, timeout=1)
        try:
            holder.execute("BEGIN EXCLUSIVE")
            assert unavailable(r53, zid, batch("locked.example", "k", 3)) == "ServiceUnavailable"
            assert dig(server, "www.locked.example") == ["192.0.2.2"]
            assert r53.get_hosted_zone(Id=zid)["HostedZone"]["Name"] == "locked.example."
        finally:
            holder.execute("ROLLBACK")
            holder.close()
        change(r53, zid, *batch("locked.example", "k", 3))
        server.kill()
        server.start()
        names = {r["Name"] for r in rrsets(server.client(), zid)}
        assert {"www.locked.example.", "k0.locked.example.", "k2.locked.example."} <= names
    finally:
        server.stop()
