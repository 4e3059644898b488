"""Each input the fuzzer (``fuzz/campaign.py``) found that broke a promise, with its fix checked
on the wire path. The same inputs are kept in ``fuzz/corpus/`` so every later run replays them."""

from __future__ import annotations

import base64
import subprocess
import sys
from pathlib import Path

import dns.message
import dns.rcode
import pytest

from fuzz import targets
from fuzz.targets import ROOT


def test_ecs_address_bits_beyond_source_prefix_is_formerr() -> None:
    """A client subnet of 2001:db8:63:6f::/52 whose address has bits set past the 52nd was echoed
    in the reply, which clients then refuse to read; RFC 7871 section 6 says FORMERR."""
    query = base64.b64decode("BtcBAAABAAAAAAABAAABAAEAACkE0AAAAAAADwAIAAsAAjQAIAENuABjbw==")
    for tcp in (False, True):
        reply = targets.wire(query, tcp=tcp)
        assert reply is not None
        assert dns.message.from_wire(reply).rcode() == dns.rcode.FORMERR


def test_ecs_with_clean_padding_is_still_answered() -> None:
    """The fix refuses only dirty padding: /52 with zero bits after the prefix is answered."""
    query = base64.b64decode("BtcBAAABAAAAAAABAAABAAEAACkE0AAAAAAADwAIAAsAAjQAIAENuABjbw==")
    clean = query[:-1] + bytes([query[-1] & 0xF0])
    reply = targets.wire(clean, tcp=False)
    assert reply is not None
    assert dns.message.from_wire(reply).rcode() != dns.rcode.FORMERR


def test_deeply_nested_zone_file_is_a_syntax_error_not_internal() -> None:
    """A zone file nested thousands deep overflowed the YAML builder's stack and was reported
    as ``InternalError: RecursionError``; it is a SyntaxError naming the file."""
    from netemu.errors import LoadError
    from netemu.route53.load import load_zone_text

    for doc in ("[" * 3000 + "]" * 3000, "a: " + "{a: " * 3000 + "1" + "}" * 3000):
        with pytest.raises(LoadError) as caught:
            load_zone_text(doc, "deep.yaml")
        assert [(p.file, p.code) for p in caught.value.problems] == [("deep.yaml", "SyntaxError")]


@pytest.mark.slow
def test_check_on_a_deeply_nested_topology_names_the_file(tmp_path: Path) -> None:
    """``netemu check`` printed a RecursionError traceback for such a topology file."""
    deep = tmp_path / "deep.yaml"
    deep.write_text("vpcs: " + "[" * 3000 + "]" * 3000 + "\n")
    done = subprocess.run([sys.executable, "-m", "netemu", "check", str(deep)], cwd=ROOT,
                          capture_output=True, text=True, timeout=60, check=False)
    assert done.returncode == 1
    assert f"{deep}: SyntaxError" in done.stdout + done.stderr
    assert "Traceback" not in done.stderr


def test_json_fast_path_reads_the_same_data_as_yaml() -> None:
    """JSON-looking text is read by json (ten times faster); it must mean what YAML reads."""
    import json

    import yaml

    from netemu.textfile import load_yaml

    for path in sorted((ROOT / "zones").glob("*.yaml")):
        data = yaml.safe_load(path.read_text())
        text = json.dumps(data)
        assert load_yaml(text) == yaml.safe_load(text) == data
