"""Pure tests of zone validation (no sockets, no files): each invalid case names its rule."""

from __future__ import annotations

import pytest

from netemu.errors import LoadError
from netemu.route53 import names, rdata
from netemu.route53.load import load_zone_text
from tests.zone_cases import INVALID


@pytest.mark.parametrize("rule,text,item,code,words", INVALID, ids=[c[0] for c in INVALID])
def test_invalid_zone_is_refused_with_rule_and_record(rule, text, item, code, words) -> None:
    with pytest.raises(LoadError) as err:
        load_zone_text(text, "z.yaml")
    found = [(p.item, p.code) for p in err.value.problems]
    assert (item, code) in found, err.value
    assert any(p.item == item and words in p.message for p in err.value.problems), err.value
    assert all(p.file == "z.yaml" for p in err.value.problems)


def test_one_bad_record_refuses_the_whole_file() -> None:
    """R29 in spirit: a file is all or nothing; the good record is not served either."""
    with pytest.raises(LoadError):
        load_zone_text(INVALID[4][1])


NAMES = [
    # (item, input, stored form)
    ("R1 lower case", "WWW.Example.COM.", "www.example.com."),
    ("R4 trailing dot optional", "www.example.com", "www.example.com."),
    ("R3 octal escapes out", "*.example.com", "\\052.example.com."),
    ("R3 octal escapes in", "\\052.example.com.", "\\052.example.com."),
    ("R3 other characters", "a b.example.com", "a\\040b.example.com."),
    ("underscore kept", "_sip._tcp.example.com", "_sip._tcp.example.com."),
]


@pytest.mark.parametrize("item,given,stored", NAMES, ids=[n[0] for n in NAMES])
def test_names_are_stored_as_route53_stores_them(item, given, stored) -> None:
    assert names.canonical(given) == stored


@pytest.mark.parametrize("bad", ["a" * 64 + ".example.com", "a..example.com",
                                 ".".join(["abcdefghi"] * 26)])
def test_bad_names_r2(bad) -> None:
    with pytest.raises(names.BadName):
        names.parse(bad)


RDATA_OK = [
    ("A", "192.0.2.1"), ("AAAA", "2001:db8::1"), ("CNAME", "www.example.com"),
    ("MX", "10 mail.example.com."), ("TXT", '"a" "b c"'), ("SPF", '"v=spf1 -all"'),
    ("SRV", "1 2 443 svc.example.com."), ("CAA", '0 issue "amazon.com"'),
    ("DS", "12345 13 2 " + "AB" * 32), ("TLSA", "3 1 1 " + "cd" * 32),
    ("SSHFP", "1 2 " + "ef" * 32), ("TLSA", "3 1 0 30820122"), ("DS", "1 8 1 " + "AB CD " * 10),
    ("NAPTR", '100 10 "U" "E2U+sip" "!^.*$!sip:info@example.com!" .'),
    ("SOA", "ns.example.com. h.example.com. 1 7200 900 1209600 86400"),
    ("SVCB", "1 svc.example.com. port=8443"), ("HTTPS", "1 . alpn=h2,h3"),
    ("HTTPS", "1 . port=443 ipv6hint=2001:db8::1 alpn=h2 no-default-alpn"),
    ("TXT", r'"quote \" inside" "\101" "ex\344mple.com"'), ("SRV", "0 0 0 ."),
    ("PTR", "host.example.com."), ("NS", "ns-1.awsdns-01.org."),
]
RDATA_BAD = [
    ("A", "192.0.2.300", "ARRDATAIllegalIPv4Address"),
    ("A", "01.2.3.4", "ARRDATAIllegalIPv4"),
    ("AAAA", "192.0.2.1", "AAAARRDATAIllegalIPv6Address"),
    ("TXT", "hello", "InvalidCharacterString"),
    ("TXT", '"' + "x" * 256 + '"', "TooLong"),
    ("MX", "mail.example.com.", "MXRRDATA"),
    ("MX", "70000 mail.", "MXRRDATAIllegalPriority"),
    ("SRV", "1 2 svc.example.com.", "SRVRRDATA"),
    ("CAA", "0 issue amazon.com", "Invalid"),
    ("DS", "1 13 2 XYZ", "DSRRDATAIllegalDigest"),
    ("DS", "1 13 2 ABCD", "64 hexadecimal"),
    ("SOA", "ns. h. 1 2 3", "SOARRDATA"),
    ("HTTPS", "1 . bogus=1", "HTTPSRRDATAIllegalParameter"),
    ("CNAME", "a..b", "CNAMERRDATA"),
    ("HTTPS", "1 . port=99999", "port must be"),
    ("SVCB", "1 . ipv4hint=1.2.3", "ipv4hint"),
    ("HTTPS", "1 . alpn", "needs a value"),
    ("HTTPS", "1 . port=1 port=2", "repeated"),
]


@pytest.mark.parametrize("rtype,value", RDATA_OK, ids=[f"{t} {v}" for t, v in RDATA_OK])
def test_valid_rdata_r34(rtype, value) -> None:
    assert rdata.check(rtype, value) is None


@pytest.mark.parametrize(
    "rtype,value,code", RDATA_BAD, ids=[f"{t} {v[:20]}" for t, v, _ in RDATA_BAD]
)
def test_invalid_rdata_r27(rtype, value, code) -> None:
    message = rdata.check(rtype, value)
    assert message is not None and code in message
    assert message.startswith("Invalid Resource Record: 'FATAL problem: ")


def test_default_soa_and_ns_r5_r6_r7() -> None:
    zs = load_zone_text("HostedZone: {Name: example.com}\n")
    recs = {r.type: r for r in zs.zones[0].record_sets}
    assert recs["SOA"].ttl == 900 and recs["NS"].ttl == 172800
    assert recs["SOA"].values[0].endswith(" awsdns-hostmaster.amazon.com. 1 7200 900 1209600 86400")
    tlds = [v.split(".", 2)[2] for v in recs["NS"].values]
    assert tlds == ["com.", "net.", "org.", "co.uk."]
    again = load_zone_text("HostedZone: {Name: example.com}\n")
    assert again.zones[0].record_sets == zs.zones[0].record_sets  # deterministic per zone


def test_private_zone_name_servers_r8() -> None:
    zs = load_zone_text("HostedZone: {Name: example.com, Config: {PrivateZone: true}}\n"
                        "VPCs: [{VPCRegion: us-east-1, VPCId: app}]\n")
    recs = {r.type: r for r in zs.zones[0].record_sets}
    assert recs["NS"].values == ("ns-0.awsdns-00.com.", "ns-512.awsdns-00.net.",
                                 "ns-1024.awsdns-00.org.", "ns-1536.awsdns-00.co.uk.")
    assert recs["SOA"].values[0].startswith("ns-1536.awsdns-00.co.uk. ")


def test_zone_id_from_file_or_derived() -> None:
    given = load_zone_text("HostedZone: {Name: example.com, Id: /hostedzone/Z123}\n")
    derived = load_zone_text("HostedZone: {Name: example.com}\n")
    assert given.zones[0].id == "Z123"
    assert derived.zones[0].id.startswith("Z") and len(derived.zones[0].id) == 21


def test_pasted_aws_cli_output_loads() -> None:
    """get-hosted-zone + list-resource-record-sets output (with the SOA and NS) is accepted."""
    text = """
HostedZone: {Id: /hostedzone/Z0ABC, Name: example.com., CallerReference: x,
             Config: {PrivateZone: false}, ResourceRecordSetCount: 3}
DelegationSet: {NameServers: [ns-1.awsdns-01.org, ns-2.awsdns-02.com]}
ResourceRecordSets:
  - {Name: example.com., Type: NS, TTL: 172800, ResourceRecords: [{Value: ns-1.awsdns-01.org.}]}
  - {Name: example.com., Type: SOA, TTL: 900, ResourceRecords: [{Value: ns-1.awsdns-01.org.
       awsdns-hostmaster.amazon.com. 1 7200 900 1209600 86400}]}
  - {Name: www.example.com., Type: A, TTL: 300, ResourceRecords: [{Value: 192.0.2.1}]}
"""
    zs = load_zone_text(text)
    assert [r.type for r in zs.zones[0].record_sets] == ["NS", "SOA", "A"]
