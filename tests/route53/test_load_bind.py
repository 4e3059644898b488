"""BIND master files are imported for plain records (the issue's zone-file contract)."""

from __future__ import annotations

from pathlib import Path

import pytest

from netemu.errors import LoadError
from netemu.route53 import bind
from netemu.route53.load import load_zone_files

ZONE = r"""
$ORIGIN example.com.
$TTL 3600
@   IN  SOA ns1 hostmaster ( 7 7200 900 1209600 300 ) ; comment
    IN  NS  ns1
    IN  MX  10 mail
ns1 IN A 192.0.2.1
mail 300 IN A 192.0.2.2
www IN 60 A 192.0.2.3
    A 192.0.2.4
txt TXT "semi; colon" "(paren)"
sub.example.com. NS ns.other.org.
star\042 TXT "decimal escape"
"""


def test_bind_records_become_record_sets(tmp_path: Path) -> None:
    path = tmp_path / "example.zone"
    path.write_text(ZONE)
    zs = load_zone_files([path])
    (zone,) = zs.zones
    got = {(r.name, r.type): (r.ttl, r.values) for r in zone.record_sets}
    assert zone.name == "example.com."
    assert got[("example.com.", "SOA")] == (
        3600,
        ("ns1.example.com. hostmaster.example.com. 7 7200 900 1209600 300",),
    )
    assert got[("example.com.", "MX")] == (3600, ("10 mail.example.com.",))
    assert got[("www.example.com.", "A")] == (60, ("192.0.2.3", "192.0.2.4"))
    assert got[("mail.example.com.", "A")] == (300, ("192.0.2.2",))
    assert got[("txt.example.com.", "TXT")] == (3600, ('"semi; colon" "(paren)"',))
    assert got[("sub.example.com.", "NS")] == (3600, ("ns.other.org.",))
    assert ("star\\052.example.com.", "TXT") in got   # decimal \042 is '*', stored as octal (R3)


@pytest.mark.parametrize("text,words", [
    ("$ORIGIN example.com.\n@ IN SOA ns1 h ( 1 2 3 4 5\n", "unclosed"),
    ("www IN A 192.0.2.1\n", "before $ORIGIN"),
    ("$ORIGIN example.com.\nwww IN A 192.0.2.1\n", "no TTL"),
    ("$ORIGIN example.com.\n$INCLUDE other\n", "not supported"),
    ("$ORIGIN example.com.\n$TTL 1\nwww IN WKS 1\n", "not a Route 53 record type"),
    ("$ORIGIN example.com.\n$TTL 1\nwww CH A 1.2.3.4\n", "only IN"),
])
def test_bind_syntax_errors_name_the_line(text: str, words: str) -> None:
    with pytest.raises(bind.BindError) as err:
        bind.parse(text)
    assert words in str(err.value) and err.value.line >= 1


def test_bind_values_are_validated_like_yaml(tmp_path: Path) -> None:
    path = tmp_path / "bad.zone"
    path.write_text("$ORIGIN bad.test.\n$TTL 60\nwww A 192.0.2.300\n")
    with pytest.raises(LoadError) as err:
        load_zone_files([path])
    (problem,) = err.value.problems
    assert (problem.file, problem.item) == (str(path), "www.bad.test. A")
    assert "ARRDATAIllegalIPv4Address" in problem.message
