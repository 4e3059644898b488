"""``netemu serve --state`` and ``--api-credentials`` refuse bad arguments with one clear line
(exit 2), never a traceback; two zones for one name are refused (ConflictingDomainExists)."""

from __future__ import annotations

import socket
from pathlib import Path

import pytest

from tests.helpers import free_port, run_netemu
from tests.live import api_server

pytestmark = pytest.mark.slow


def serve(*extra: str) -> tuple[int, str]:
    out = run_netemu("serve", "--listen", f"127.0.0.1:{free_port()}", "--api",
                     f"127.0.0.1:{free_port(socket.SOCK_STREAM)}", *extra, timeout=60)
    return out.returncode, out.stderr


def test_missing_credentials_file(tmp_path: Path) -> None:
    code, err = serve("--api-credentials", str(tmp_path / "nope"))
    assert code == 2 and f"--api-credentials {tmp_path / 'nope'}: No such file" in err
    assert "Traceback" not in err


def test_state_that_is_a_file(tmp_path: Path) -> None:
    blocker = tmp_path / "state"
    blocker.write_text("not a folder")
    code, err = serve("--state", str(blocker))
    assert code == 2 and f"--state {blocker}" in err and "Traceback" not in err


def test_second_zone_of_a_name_is_refused(tmp_path: Path) -> None:
    with api_server(tmp_path) as s:
        r53 = s.client()
        r53.create_hosted_zone(Name="twice.example", CallerReference="one")
        with pytest.raises(r53.exceptions.ConflictingDomainExists):
            r53.create_hosted_zone(Name="twice.example", CallerReference="two")
        with pytest.raises(r53.exceptions.ConflictingDomainExists):  # a file zone's name
            r53.create_hosted_zone(Name="files.example", CallerReference="three")
