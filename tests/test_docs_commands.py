"""The README's and docs/*.md's command blocks, run: what they promise is what netemu does.

- Every ``dig @127.0.0.1 -p 1053 ... # PROMISE`` line in a command block, and every
  ``#   dig @127.0.0.1 -p 1053 ... -> PROMISE`` line of a zone file's header, is asked of one real
  ``netemu serve`` with no ``--zones`` (the shipped zones, as the README's ``make serve``),
  and the promise is compared: the IPv4 addresses it names are the answer's, its status word
  (NXDOMAIN, REFUSED; else NOERROR), NODATA / "no answer", ``flag(s) "aa"``, a referral,
  ``NS``/``SOA in AUTHORITY``, ``A in ADDITIONAL``, ``CNAME X.``, ``owner X.``, ``TTL N``,
  an MX value, the SOA's fixed fields, "the same" (as the line before) and ``ECS scope /N``.
  Lines in a block that starts something in the background (``... &``: the health and API
  walkthroughs, which need an HTTP server or API calls first) are scenarios, tested by their own
  suites (tests/health, tests/api), and are skipped here.
- A block that starts with ``$ netemu trace ...`` is a transcript: the command's output must be
  the rest of the block, line for line.
- Every ``netemu trace`` and ``netemu check`` command with concrete paths runs: trace exits
  0 or 2 (reachable or not) with nothing on stderr, check exits 0.
"""

from __future__ import annotations

import re
import shlex
import shutil
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.helpers import ROOT, free_port, run_netemu
from tests.live import Server, serve_process

DOCS = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
IPV4 = re.compile(r"(?<![\d./])(\d{1,3}(?:\.\d{1,3}){3})(?![\d/])")
STATUSES = ("NXDOMAIN", "REFUSED", "SERVFAIL")


@dataclass(frozen=True)
class Block:
    file: str
    line: int
    lines: tuple[str, ...]


def blocks(path: Path) -> list[Block]:
    """Fenced (```) and indented (4 spaces) code blocks of a markdown file."""
    out: list[Block] = []
    text = path.read_text().splitlines()
    i = 0
    while i < len(text):
        if text[i].startswith("```"):
            start, i = i + 1, i + 1
            while i < len(text) and not text[i].startswith("```"):
                i += 1
            out.append(Block(path.name, start + 1, tuple(text[start:i])))
        elif text[i].startswith("    ") and (i == 0 or not text[i - 1].strip()):
            start = i
            while i < len(text) and (text[i].startswith("    ") or not text[i].strip()):
                i += 1
            out.append(Block(path.name, start + 1, tuple(t[4:] for t in text[start:i])))
            continue
        i += 1
    return out


def _command(line: str) -> str:
    line = line.strip()
    for prefix in ("$ ", ".venv/bin/"):
        line = line.removeprefix(prefix)
    return line


@dataclass(frozen=True)
class DigPromise:
    where: str
    args: tuple[str, ...]
    promise: str
    previous: tuple[str, ...] = ()   # the line before, for "the same"
    geo: bool = False   # the zone's header says "With `--geo zones/geo/clients.yaml`"


def _dig_args(command: str) -> tuple[str, ...]:
    command = command.split(" (")[0]   # "(FR, IPv6)" and other notes before the arrow
    return tuple(a for a in shlex.split(command)[4:] if a not in ("+short", "+norec"))


def dig_promises() -> tuple[list[DigPromise], list[str]]:
    checked, scenarios = [], []
    for doc in DOCS:
        for block in blocks(doc):
            background = any(_command(t.split("#")[0]).rstrip().endswith("&")
                             for t in block.lines)
            for n, raw in enumerate(block.lines):
                cmd = _command(raw)
                if not cmd.startswith("dig @127.0.0.1 -p 1053 ") or "#" not in cmd:
                    continue
                where = f"{block.file}:{block.line + n}"
                if background:
                    scenarios.append(where)
                    continue
                command, promise = cmd.split("#", 1)
                checked.append(DigPromise(where, _dig_args(command), promise.strip()))
    # the zone files' headers: "#   dig @127.0.0.1 -p 1053 ARGS -> PROMISE" (one line each)
    for zone in sorted((ROOT / "zones").glob("*.yaml")):
        previous: tuple[str, ...] = ()
        geo = False
        for n, line in enumerate(zone.read_text().splitlines(), 1):
            if not line.startswith("#"):
                break
            geo = geo or "--geo zones/geo/clients.yaml" in line
            text = line.lstrip("# ")
            if not text.startswith("dig @127.0.0.1 -p 1053 ") or " -> " not in text or (
                    "|" in text):
                continue
            command, promise = text.split(" -> ", 1)
            args = _dig_args(command)
            if promise.startswith("the same") and not previous:
                continue   # "the same as www", whose own line promises nothing checkable
            checked.append(DigPromise(f"zones/{zone.name}:{n}", args, promise.strip(), previous,
                                      geo))
            previous = args
    return checked, scenarios


DIG, SCENARIOS = dig_promises()


def test_docs_make_dig_promises() -> None:
    """The collection itself: the README's basic and routing-policy dig lines and the zone
    files' headers are checked; the health and API walkthroughs are scenarios."""
    files = {p.where.split(":")[0] for p in DIG}
    assert {"README.md", "zones/basics.yaml", "zones/wildcard.yaml"} <= files, files
    assert len(DIG) >= 30, DIG
    assert any(w.startswith("README.md") for w in SCENARIOS)


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    if shutil.which("dig") is None:
        pytest.skip("needs dig")
    # as `make serve`: the shipped zones, no --geo; checks slowed 100x so none fails (R80)
    with serve_process([ROOT / "zones"], tmp_path_factory.mktemp("docs"),
                       "--api", f"127.0.0.1:{free_port()}", "--time-scale", "100") as srv:
        yield srv


@pytest.fixture(scope="module")
def geo_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """The same with ``--geo zones/geo/clients.yaml``, for the headers that say so."""
    if shutil.which("dig") is None:
        pytest.skip("needs dig")
    with serve_process([ROOT / "zones"], tmp_path_factory.mktemp("docs-geo"),
                       "--api", f"127.0.0.1:{free_port()}", "--time-scale", "100",
                       "--geo", str(ROOT / "zones" / "geo" / "clients.yaml")) as srv:
        yield srv


def _type(line: str) -> str:
    return line.split()[3]


def _addresses(answer: list[str]) -> set[str]:
    return {line.split()[-1] for line in answer if _type(line) in ("A", "AAAA")}


@pytest.mark.slow
@pytest.mark.parametrize("promise", DIG, ids=[p.where for p in DIG])
def test_dig_line_answers_as_documented(request: pytest.FixtureRequest,
                                        promise: DigPromise) -> None:
    server: Server = request.getfixturevalue("geo_server" if promise.geo else "server")
    status, flags, answer, authority, additional = server.dig(*promise.args)
    said = promise.promise
    head = said.split("(")[0]
    expected_status = next((s for s in STATUSES if s in said), "NOERROR")
    assert status == expected_status, (promise, status)
    if head.startswith("the same"):
        assert _addresses(answer) == _addresses(server.dig(*promise.previous)[2])
    else:
        assert _addresses(answer) == set(IPV4.findall(head)), (promise, answer)
    if "NODATA" in said or "no answer" in said or head.startswith("referral"):
        assert answer == [], (promise, answer)
    if re.search(r'flags? "aa"', said):
        assert "aa" in flags
    if head.startswith("referral"):
        assert "aa" not in flags and any(_type(a) == "NS" for a in authority), authority
    for rtype in ("NS", "SOA"):
        if f"{rtype} in AUTHORITY" in said:
            assert any(_type(line) == rtype for line in authority), (promise, authority)
    if "A in ADDITIONAL" in said:
        assert any(_type(line) == "A" for line in additional), (promise, additional)
    cname = re.search(r"CNAME (\S+\.)", head)
    if cname:
        assert any(_type(a) == "CNAME" and a.split()[-1] == cname.group(1) for a in answer)
    owner = re.search(r"owner (\S+\.)", head)
    if owner:
        assert all(a.split()[0] == owner.group(1) for a in answer), answer
    ttl = re.search(r"TTL (\d+)", said)
    if ttl and "SOA in AUTHORITY" in said:
        soa = next(line for line in authority if _type(line) == "SOA")
        assert soa.split()[1] == ttl.group(1), soa
    elif ttl:
        assert answer and all(a.split()[1] == ttl.group(1) for a in answer), answer
    if "awsdns-hostmaster" in head:   # the SOA's fixed fields (R6)
        soa = next(line for line in answer if _type(line) == "SOA")
        assert soa.split()[-6:] == head.split()[-6:], soa
    mx = re.fullmatch(r"(\d+ \S+\.),.*", head.strip())
    if mx:
        assert any(_type(a) == "MX" and a.endswith(mx.group(1)) for a in answer), answer
    scope = re.search(r"ECS scope /(\d+)", said)
    if scope:
        out = subprocess.run(["dig", "@127.0.0.1", "-p", str(server.port), "+time=2",
                              "+tries=1", *promise.args],
                             capture_output=True, text=True, check=False, timeout=10).stdout
        subnet = next(a for a in promise.args if a.startswith("+subnet="))[len("+subnet="):]
        assert f"CLIENT-SUBNET: {subnet}/{scope.group(1)}" in out, out


def _transcripts() -> list[tuple[str, str, list[str]]]:
    out = []
    for doc in DOCS:
        for block in blocks(doc):
            if block.lines and block.lines[0].startswith("$ netemu trace "):
                out.append((f"{block.file}:{block.line}", block.lines[0][2:],
                            list(block.lines[1:])))
    return out


TRANSCRIPTS = _transcripts()


@pytest.mark.slow
@pytest.mark.parametrize(("where", "command", "expected"), TRANSCRIPTS,
                         ids=[t[0] for t in TRANSCRIPTS])
def test_trace_transcript_is_the_output(where: str, command: str, expected: list[str]) -> None:
    args = shlex.split(command)[1:]
    result = run_netemu(*args, "--no-color")
    assert result.returncode in (0, 2), result.stderr
    got = [line.rstrip() for line in result.stdout.rstrip("\n").splitlines()]
    assert got == [line.rstrip() for line in expected], where


def _runnable(verb: str) -> list[tuple[str, list[str]]]:
    out = []
    for doc in DOCS:
        for block in blocks(doc):
            if any(_command(raw.split(" #")[0]).startswith("netemu import ")
                   for raw in block.lines):
                # its commands read what the import writes; tests/import covers the import
                continue
            for n, raw in enumerate(block.lines):
                cmd = _command(raw.split(" #")[0])
                if not cmd.startswith(f"netemu {verb} "):
                    continue
                args = shlex.split(cmd)[1:]
                if any(a.isupper() or "|" in a or a.startswith("[") for a in args):
                    continue   # a synopsis line (FILE, NODE|IP, [--port N])
                out.append((f"{doc.name}:{block.line + n}", args))
    for doc in DOCS:   # inline `netemu check zones/`
        for m in re.finditer(r"`netemu (check [^`]+)`", doc.read_text()):
            args = shlex.split(m.group(1))
            if verb == "check" and not any(a.isupper() for a in args):
                out.append((f"{doc.name} (inline)", args))
    return out


TRACES, CHECKS = _runnable("trace"), _runnable("check")


def test_docs_name_trace_and_check_commands() -> None:
    assert len(TRACES) >= 3 and CHECKS, (TRACES, CHECKS)


@pytest.mark.slow
@pytest.mark.parametrize(("where", "args"), TRACES, ids=[t[0] for t in TRACES])
def test_documented_trace_runs(where: str, args: list[str]) -> None:
    result = run_netemu(*args)
    assert result.returncode in (0, 2) and not result.stderr, (where, result.stderr)
    assert "forward path" in result.stdout or '"hops"' in result.stdout


@pytest.mark.slow
@pytest.mark.parametrize(("where", "args"), CHECKS, ids=[t[0] for t in CHECKS])
def test_documented_check_passes(where: str, args: list[str]) -> None:
    result = run_netemu(*args)
    assert result.returncode == 0, (where, result.stderr)
