"""Issue 21 (DNS half) against the real server and command line: the Developer Guide's TXT
examples served byte for byte (dnspython reads the raw strings), a BIND import with decimal
escapes serving the same bytes, a same-zone alias chain answering, and ``netemu check``
refusing an alias into another hosted zone with Route 53's wording (R35)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import dns.rdatatype
import pytest

from tests.helpers import ROOT, run_netemu
from tests.live import Server, serve_process
from tests.route53.test_txt_escapes_alias_scope import (
    BIND,
    CROSS,
    CROSS_MESSAGE,
    DOC_EXAMPLES,
    OTHER,
)

TXT_ZONE = "HostedZone: {Name: doc.test.}\nResourceRecordSets:\n" + "".join(
    f"  - Name: t{i}.doc.test.\n    Type: TXT\n    TTL: 60\n"
    f"    ResourceRecords: [{{Value: '{value}'}}]\n" for i, (value, _) in enumerate(DOC_EXAMPLES)
) + ("  - Name: spf.doc.test.\n    Type: SPF\n    TTL: 60\n"
     "    ResourceRecords: [{Value: '\"\\101\\102C\" \"two\"'}]\n")


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    tmp = tmp_path_factory.mktemp("txt")
    (tmp / "doc.yaml").write_text(TXT_ZONE)
    (tmp / "escapes.test.zone").write_text(BIND)
    with serve_process([tmp / "doc.yaml", tmp / "escapes.test.zone", ROOT / "zones"],
                       tmp) as srv:
        yield srv


def strings(srv: Server, qname: str, qtype: str = "TXT", tcp: bool = False) -> list[bytes]:
    reply = srv.query(qname, qtype, tcp=tcp)
    assert reply.rcode() == 0 and len(reply.answer) == 1, reply
    (rrset,) = reply.answer
    assert rrset.rdtype == dns.rdatatype.from_text(qtype) and len(rrset) == 1
    return list(next(iter(rrset)).strings)


@pytest.mark.slow
@pytest.mark.parametrize("index", range(len(DOC_EXAMPLES)))
@pytest.mark.parametrize("tcp", [False, True])
def test_documentation_txt_examples_byte_for_byte(server: Server, index: int, tcp: bool) -> None:
    assert strings(server, f"t{index}.doc.test", tcp=tcp) == DOC_EXAMPLES[index][1]


@pytest.mark.slow
def test_spf_octal(server: Server) -> None:
    assert strings(server, "spf.doc.test", "SPF") == [b"ABC", b"two"]


@pytest.mark.slow
def test_bind_decimal_escapes_serve_the_same_bytes(server: Server) -> None:
    assert strings(server, "doc.escapes.test") == strings(server, "t3.doc.test") \
        == [b"ex\xe4mple.com"]
    assert strings(server, "doc2.escapes.test") == DOC_EXAMPLES[1][1]
    assert strings(server, "abc.escapes.test", "SPF") == [b"ABC"]


@pytest.mark.slow
def test_same_zone_alias_chain_answers(server: Server) -> None:
    """zones/alias.yaml: shop -> apex alias -> www (R35-R37), the target's TTL."""
    reply = server.query("shop.example.net", "A")
    assert [(r.ttl, [x.to_text() for x in r]) for r in reply.answer] == [(120, ["203.0.113.80"])]


@pytest.mark.slow
def test_check_refuses_cross_zone_alias_with_route53_wording(tmp_path: Path) -> None:
    (tmp_path / "other.yaml").write_text(OTHER)
    (tmp_path / "main.yaml").write_text(CROSS)
    out = run_netemu("check", str(tmp_path / "other.yaml"), str(tmp_path / "main.yaml"))
    assert out.returncode == 1 and "Traceback" not in out.stderr
    want = f"{tmp_path / 'main.yaml'}: www.main.test. A: InvalidChangeBatch: {CROSS_MESSAGE}"
    assert want in out.stderr.splitlines(), out.stderr


@pytest.mark.slow
def test_query_log_shows_values_in_route53_form(server: Server) -> None:
    strings(server, "doc.escapes.test")
    lines = [line for line in server.log.read_text().splitlines()
             if "netemu.query" in line and "doc.escapes.test. TXT NOERROR" in line]
    assert lines and lines[-1].endswith('| answer: "ex\\344mple.com"'), lines
