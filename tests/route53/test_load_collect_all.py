"""Issue 9: the zone loader collects every problem of a file, several per record when a record
has several (as the VPC loader does), each rule has one home and one wording, and the two
HOST:PORT options and the file readers share one implementation."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from netemu.errors import LoadError
from netemu.hostport import parse_host_port
from netemu.route53.load import load_zone_files, load_zone_text
from netemu.textfile import read_data

MANY = """HostedZone: {Name: many.test.}
ResourceRecordSets:
  - Name: www.many.test.
    Type: A
    TTL: -5
    Weight: 300
    Colour: blue
    ResourceRecords: [{Value: 192.0.2.300}, {Value: 192.0.2.1}, {Value: not-an-ip}]
  - {Name: ok.many.test., Type: A, TTL: 60, ResourceRecords: [{Value: 192.0.2.2}]}
  - {Name: txt.many.test., Type: TXT, TTL: 60, ResourceRecords: [{Value: unquoted}]}
  - {Name: ok.many.test., Type: A, TTL: 60, ResourceRecords: [{Value: 192.0.2.3}]}
HealthChecks:
  - {Id: hc, HealthCheckConfig: {Type: HTTP, Port: 99999, Inverted: maybe, Colour: red}}
"""


def problems(text: str) -> list[tuple[str, str, str]]:
    with pytest.raises(LoadError) as err:
        load_zone_text(text, "many.yaml")
    return [(p.item, p.code, p.message) for p in err.value.problems]


def test_every_shape_problem_of_one_record_is_reported() -> None:
    found = [(code, message) for item, code, message in problems(MANY)
             if item == "www.many.test. A"]
    messages = " | ".join(m for _, m in found)
    assert "unknown field 'Colour' in ResourceRecordSet" in messages
    assert "Value '-5' at 'TTL'" in messages
    assert "Value '300' at 'Weight'" in messages
    assert len(found) == 3, found


def test_every_bad_value_and_every_record_is_reported() -> None:
    fixed = MANY.replace("TTL: -5\n    Weight: 300\n    Colour: blue\n", "TTL: 60\n")
    found = problems(fixed)
    bad_values = [m for item, _, m in found if item == "www.many.test. A"]
    assert len(bad_values) == 2 and "192.0.2.300" in bad_values[0] and "not-an-ip" in bad_values[1]
    assert any(item == "txt.many.test. TXT" and "InvalidCharacterString" in m
               for item, _, m in found)
    assert any(item == "ok.many.test. A" and "already exists" in m for item, _, m in found)


def test_every_problem_of_a_health_check_is_reported() -> None:
    found = [(code, m) for item, code, m in problems(MANY) if item == "HealthChecks[0]"]
    text = " | ".join(m for _, m in found)
    assert "Colour" in text and "Port" in text and "Inverted must be true or false" in text


def test_duplicate_health_check_id_has_one_wording(tmp_path: Path) -> None:
    """The loader's cross-file check and route53.health's own say it the same way."""
    check = "HealthChecks:\n  - {Id: hc-1, HealthCheckConfig: {Type: TCP, IPAddress: " \
            "192.0.2.1, Port: 80}}\n"
    (tmp_path / "a.yaml").write_text(check)
    (tmp_path / "b.yaml").write_text(check)
    with pytest.raises(LoadError) as err:
        load_zone_files([tmp_path / "a.yaml", tmp_path / "b.yaml"])
    (problem,) = err.value.problems
    assert (problem.file, problem.item, problem.code, problem.message) == (
        str(tmp_path / "b.yaml"), "HealthChecks[hc-1]", "HealthCheckAlreadyExists",
        "A health check with the id 'hc-1' already exists.")


@pytest.mark.parametrize(("text", "option", "default", "want"), [
    ("127.0.0.1:1053", "--listen", None, ("127.0.0.1", 1053)),
    ("[::1]:53", "--listen", None, ("::1", 53)),
    (":1053", "--listen", None, ("127.0.0.1", 1053)),
    ("example.test", "--api", 4580, ("example.test", 4580)),
    ("[::1]", "--api", 4580, ("::1", 4580)),
])
def test_one_host_port_parser(text: str, option: str, default: int | None,
                              want: tuple[str, int]) -> None:
    assert parse_host_port(text, option, default) == want


@pytest.mark.parametrize(("text", "default"), [("example.test", None), ("h:", 4580),
                                               ("h:70000", None), ("[::1]x", 4580)])
def test_host_port_errors_name_the_option(text: str, default: int | None) -> None:
    with pytest.raises(ValueError, match=re.escape(f"--opt wants HOST:PORT, got '{text}'")):
        parse_host_port(text, "--opt", default)


@pytest.mark.parametrize(("content", "code"), [(None, "FileError"), (b"a: [\n", "SyntaxError"),
                                               (b"\xff\xfe", "FileError")])
def test_one_file_reader(tmp_path: Path, content: bytes | None, code: str) -> None:
    path = tmp_path / "f.yaml"
    if content is not None:
        path.write_bytes(content)
    with pytest.raises(LoadError) as err:
        read_data(path)
    (problem,) = err.value.problems
    assert (problem.file, problem.code) == (str(path), code)


def test_rdata_dispatch_table_covers_every_type() -> None:
    from netemu.route53 import rdata
    assert set(rdata.CHECKS) == set(rdata.TYPES)
