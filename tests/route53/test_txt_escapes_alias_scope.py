"""Issue 21 (DNS half), pure: TXT/SPF escapes as Route 53 documents them, and alias scope.

- Route 53 reads ``\\ooo`` in TXT and SPF values as a three-digit OCTAL code (Developer Guide,
  "Supported DNS record types", TXT record type: "exämple.com" is entered as
  ``"ex\\344mple.com"``), the convention it uses for names too (R3). BIND master files keep RFC
  1035 5.1's decimal ``\\DDD``: the import converts them to Route 53's form, same octets.
- ``rdata.render`` shows a value back in Route 53's escaped form (for ListResourceRecordSets,
  export and logs).
- An alias to a Route 53 record names the same hosted zone (AliasTarget: "an alias record can't
  reference a record in a different hosted zone", R35): an alias into another loaded zone is
  refused at load with Route 53's InvalidChangeBatch alias wording, while same-zone chains work.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from netemu.dns import codec
from netemu.errors import LoadError
from netemu.route53 import rdata
from netemu.route53.load import load_zone_files, load_zone_text

# The Developer Guide's TXT examples (value as typed, octets served).
DOC_EXAMPLES = [
    (r'"This string includes \"quotation marks\"."',
     [b'This string includes "quotation marks".']),
    (r'"The last character in this string is an accented e specified in octal format: \351"',
     [b"The last character in this string is an accented e specified in octal format: \xe9"]),
    (r'"v=spf1 ip4:192.168.0.1/16 -all"', [b"v=spf1 ip4:192.168.0.1/16 -all"]),
    (r'"ex\344mple.com"', [b"ex\xe4mple.com"]),
]


@pytest.mark.parametrize(("value", "octets"), DOC_EXAMPLES)
def test_documentation_examples_are_octal(value: str, octets: list[bytes]) -> None:
    assert rdata.check("TXT", value) is None
    assert rdata.character_strings(value) == octets
    wire = codec.pack_rdata("TXT", value)
    assert wire == b"".join(bytes((len(s),)) + s for s in octets)


def test_octal_not_decimal() -> None:
    """The issue's own case: ``"\\101\\102C"`` is ABC (octal), not efC (decimal)."""
    assert rdata.character_strings(r'"\101\102C"') == [b"ABC"]
    assert codec.pack_rdata("SPF", r'"\101\102C"') == b"\x03ABC"


@pytest.mark.parametrize(("value", "why"), [
    (r'"\389"', "not a three-digit octal code"),
    (r'"\400"', "not an octet"),
])
def test_bad_octal_escapes_are_refused(value: str, why: str) -> None:
    problem = rdata.check("TXT", value)
    assert problem is not None and "InvalidCharacterString" in problem and why in problem


@pytest.mark.parametrize(("value", "shown"), [
    (r'"ex\344mple.com"', r'"ex\344mple.com"'),
    ('"exämple.com"', r'"ex\303\244mple.com"'),          # raw UTF-8 is shown as its octets
    (r'"a\"b\\c" "tab\011end"', r'"a\"b\\c" "tab\011end"'),
    (r'"\101\102C" "d e"', r'"ABC" "d e"'),               # printable ASCII shown as itself
    (r'"\177\000"', r'"\177\000"'),
])
def test_render_is_route53s_escaped_form(value: str, shown: str) -> None:
    assert rdata.render("TXT", value) == shown
    assert rdata.character_strings(shown) == rdata.character_strings(value)   # same octets


def test_render_leaves_other_types_alone() -> None:
    assert rdata.render("MX", "10 mail.example.com") == "10 mail.example.com"


BIND = """$ORIGIN escapes.test.
$TTL 300
@ IN SOA ns1.escapes.test. admin.escapes.test. 1 7200 900 1209600 86400
@ IN NS ns1.escapes.test.
ns1 IN A 192.0.2.1
doc IN TXT "ex\\228mple.com"
doc2 IN TXT "The last character in this string is an accented e specified in octal format: \\233"
abc IN SPF "\\065\\066C"
bare IN TXT unquoted\\032word
"""


def test_bind_import_turns_decimal_into_the_same_octets(tmp_path: Path) -> None:
    path = tmp_path / "escapes.test.zone"
    path.write_text(BIND)
    zone = load_zone_files([path]).zones[0]
    values = {(r.name, r.type): r.values for r in zone.record_sets}
    assert values[("doc.escapes.test.", "TXT")] == (r'"ex\344mple.com"',)
    assert values[("abc.escapes.test.", "SPF")] == ('"ABC"',)
    assert values[("bare.escapes.test.", "TXT")] == ('"unquoted word"',)
    doc2 = rdata.character_strings(values[("doc2.escapes.test.", "TXT")][0])
    assert doc2 == DOC_EXAMPLES[1][1]
    assert rdata.character_strings(values[("doc.escapes.test.", "TXT")][0]) == [b"ex\xe4mple.com"]


def test_bind_import_refuses_a_decimal_escape_over_255(tmp_path: Path) -> None:
    path = tmp_path / "bad.test.zone"
    path.write_text("$ORIGIN bad.test.\n$TTL 60\nx IN TXT \"\\256\"\n")
    with pytest.raises(LoadError) as err:
        load_zone_files([path])
    assert "line 3" in str(err.value) and "not an octet" in str(err.value)


# --- alias scope -------------------------------------------------------------------------------

OTHER = """HostedZone: {Name: other.test., Id: /hostedzone/ZOTHER0000000000000001}
ResourceRecordSets:
  - {Name: www.other.test., Type: A, TTL: 60, ResourceRecords: [{Value: 192.0.2.7}]}
"""
CROSS = """HostedZone: {Name: main.test., Id: /hostedzone/ZMAIN00000000000000001}
ResourceRecordSets:
  - Name: www.main.test.
    Type: A
    AliasTarget: {DNSName: www.other.test., HostedZoneId: ZOTHER0000000000000001,
                  EvaluateTargetHealth: false}
"""
CROSS_MESSAGE = (
    "Tried to create an alias that targets www.other.test., type A in zone "
    "ZOTHER0000000000000001, but the alias target name does not lie within the target zone, "
    "Tried to create an alias that targets www.other.test., type A in zone "
    "ZOTHER0000000000000001, but that target was not found")


def write(tmp_path: Path, **files: str) -> list[Path]:
    paths = []
    for name, text in files.items():
        path = tmp_path / f"{name}.yaml"
        path.write_text(text)
        paths.append(path)
    return paths


def test_alias_into_another_hosted_zone_is_refused(tmp_path: Path) -> None:
    """R35: refused without --strict-aws, naming the file, the record and Route 53's wording."""
    paths = write(tmp_path, other=OTHER, main=CROSS)
    with pytest.raises(LoadError) as err:
        load_zone_files(paths)
    (problem,) = err.value.problems
    assert (problem.file, problem.item, problem.code) == (
        str(paths[1]), "www.main.test. A", "InvalidChangeBatch")
    assert problem.message == CROSS_MESSAGE


def test_same_zone_alias_chain_still_loads() -> None:
    zoneset = load_zone_text(
        "HostedZone: {Name: chain.test., Id: /hostedzone/ZCHAIN}\nResourceRecordSets:\n"
        "  - {Name: www.chain.test., Type: A, TTL: 60, ResourceRecords: [{Value: 192.0.2.8}]}\n"
        "  - {Name: chain.test., Type: A, AliasTarget: {DNSName: www.chain.test.,"
        " EvaluateTargetHealth: false}}\n"
        "  - {Name: shop.chain.test., Type: A, AliasTarget: {DNSName: chain.test.,"
        " HostedZoneId: ZCHAIN, EvaluateTargetHealth: false}}\n")
    names = {r.name for r in zoneset.zones[0].record_sets if r.alias_target is not None}
    assert names == {"chain.test.", "shop.chain.test."}
