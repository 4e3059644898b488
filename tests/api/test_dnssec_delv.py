"""DNSSEC signing end to end (R100-R111): real boto3 drives the API of a real ``netemu serve``,
and BIND's ``delv``, given the zone's DS record from GetDNSSEC as its only trust anchor,
validates what the server answers: a simple answer, every outcome of a weighted record, an
NXDOMAIN and a NODATA. Deactivating the anchored KSK, or disabling signing, turns validation
off, as on Route 53."""

from __future__ import annotations

import os
import shutil
import stat
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import dns.dnssec
import dns.message
import dns.name
import dns.query
import dns.rdata
import dns.rdatatype
import pytest
from botocore.exceptions import ClientError

from tests.api.test_boto3_zones import change, rr
from tests.live import ApiServer, api_server

pytestmark = [pytest.mark.slow,
              pytest.mark.skipif(shutil.which("delv") is None,
                                 reason="delv (Debian bind9-dnsutils) is not installed")]

ARN = "arn:aws:kms:us-east-1:111122223333:key/{}"


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ApiServer]:
    with api_server(tmp_path_factory.mktemp("dnssec")) as s:
        yield s


@pytest.fixture(scope="module")
def r53(server: ApiServer) -> Any:
    return server.client()


def signed_zone(r53: Any, name: str, *ksks: str) -> str:
    """A zone with a simple, a weighted (three outcomes) record; ``ksks`` ACTIVE; signed."""
    zid = r53.create_hosted_zone(Name=name, CallerReference=f"dnssec-{name}")["HostedZone"]["Id"]
    change(r53, zid, ("CREATE", rr(f"www.{name}", "A", "192.0.2.1", ttl=60)),
           *[("CREATE", rr(f"w.{name}", "A", f"192.0.2.{10 + i}", ttl=60,
                           SetIdentifier=f"w{i}", Weight=1)) for i in range(3)])
    for ksk in ksks:
        key_id = f"{name}-{ksk}".replace(".", "-")       # KMS key ids have no dots
        made = r53.create_key_signing_key(CallerReference=f"{name}-{ksk}", HostedZoneId=zid,
                                          KeyManagementServiceArn=ARN.format(key_id),
                                          Name=ksk, Status="ACTIVE")
        assert made["ResponseMetadata"]["HTTPStatusCode"] == 201
    if ksks:
        r53.enable_hosted_zone_dnssec(HostedZoneId=zid)
    return str(zid)


def anchor(r53: Any, zid: str, ksk: str, path: Path) -> Path:
    """A delv trust-anchor file holding the KSK's DS record, as GetDNSSEC gives it."""
    zone = r53.get_hosted_zone(Id=zid)["HostedZone"]["Name"]
    found = next(k for k in r53.get_dnssec(HostedZoneId=zid)["KeySigningKeys"]
                 if k["Name"] == ksk)
    tag, alg, digest_type, digest = found["DSRecord"].split()
    path.write_text(f'trust-anchors {{\n  {zone} static-ds {tag} {alg} {digest_type} '
                    f'"{digest}";\n}};\n')
    return path


def delv(server: ApiServer, anchor_file: Path, zone: str, name: str, rtype: str = "A") -> str:
    out = subprocess.run(["delv", "-a", str(anchor_file), f"+root={zone}", "@127.0.0.1",
                          "-p", str(server.dns), name, rtype],
                         check=False, capture_output=True, text=True, timeout=60)
    return out.stdout + out.stderr


def validated(text: str) -> bool:
    return "; fully validated" in text


def code(exc: pytest.ExceptionInfo[ClientError]) -> str:
    return str(exc.value.response["Error"]["Code"])


def test_r109_get_dnssec_shows_the_ds_of_the_served_ksk(r53: Any, server: ApiServer) -> None:
    zid = signed_zone(r53, "shape.example")
    before = r53.get_dnssec(HostedZoneId=zid)
    assert before["Status"]["ServeSignature"] == "NOT_SIGNING" and before["KeySigningKeys"] == []
    with pytest.raises(ClientError) as exc:          # R101
        r53.create_key_signing_key(CallerReference="bad", HostedZoneId=zid, Name="ksk",
                                   KeyManagementServiceArn="arn:aws:kms:eu-west-1:1:key/x",
                                   Status="ACTIVE")
    assert code(exc) == "InvalidKMSArn"
    with pytest.raises(ClientError) as exc:          # R105
        r53.disable_hosted_zone_dnssec(HostedZoneId=zid)
    assert code(exc) == "DNSSECNotFound"
    r53.create_key_signing_key(CallerReference="c1", HostedZoneId=zid, Name="main",
                               KeyManagementServiceArn=ARN.format("shape-main"),
                               Status="INACTIVE")
    with pytest.raises(ClientError) as exc:          # R105: no ACTIVE KSK
        r53.enable_hosted_zone_dnssec(HostedZoneId=zid)
    assert code(exc) == "KeySigningKeyWithActiveStatusNotFound"
    with pytest.raises(r53.exceptions.NoSuchKeySigningKey):
        r53.activate_key_signing_key(HostedZoneId=zid, Name="other")
    r53.activate_key_signing_key(HostedZoneId=zid, Name="main")
    info = r53.enable_hosted_zone_dnssec(HostedZoneId=zid)["ChangeInfo"]
    assert r53.get_change(Id=info["Id"])["ChangeInfo"]["Status"] == "INSYNC"
    got = r53.get_dnssec(HostedZoneId=zid)
    assert got["Status"]["ServeSignature"] == "SIGNING"
    (ksk,) = got["KeySigningKeys"]
    assert (ksk["Name"], ksk["Status"], ksk["Flag"], ksk["SigningAlgorithmMnemonic"],
            ksk["SigningAlgorithmType"], ksk["DigestAlgorithmMnemonic"],
            ksk["DigestAlgorithmType"]) == ("main", "ACTIVE", 257, "ECDSAP256SHA256", 13,
                                            "SHA-256", 2)
    # the DNSKEY the server serves is the one GetDNSSEC describes, and the DS is its digest
    query = dns.message.make_query("shape.example", "DNSKEY", want_dnssec=True)
    reply = dns.query.tcp(query, "127.0.0.1", port=server.dns, timeout=5)
    keys = reply.find_rrset(reply.answer, dns.name.from_text("shape.example."), 1,
                            dns.rdatatype.DNSKEY)
    ksk_rd = next(k for k in keys if k.flags == 257)
    assert dns.rdata.from_text(1, dns.rdatatype.DNSKEY, ksk["DNSKEYRecord"]) == ksk_rd
    ds = dns.dnssec.make_ds("shape.example.", ksk_rd, "SHA256")
    assert ksk["DSRecord"] == f"{ds.key_tag} 13 2 {ds.digest.hex().upper()}"
    assert ksk["KeyTag"] == ds.key_tag and ksk["DigestValue"] == ds.digest.hex().upper()
    # the KMS key stands in as a key file under --state, readable by its owner only
    key_file = server.state / "kms" / "shape-main.pem"
    assert key_file.exists() and stat.S_IMODE(os.stat(key_file).st_mode) == 0o600


def test_r107_r110_delv_validates_simple_weighted_nxdomain_nodata(
        r53: Any, server: ApiServer, tmp_path: Path) -> None:
    zid = signed_zone(r53, "valid.example", "ksk1")
    trust = anchor(r53, zid, "ksk1", tmp_path / "anchor.conf")
    simple = delv(server, trust, "valid.example", "www.valid.example")
    assert validated(simple) and "192.0.2.1" in simple, simple
    # the KSK's DNSKEY (GetDNSSEC's DNSKEYRecord) as the anchor instead of its DS
    record = r53.get_dnssec(HostedZoneId=zid)["KeySigningKeys"][0]["DNSKEYRecord"]
    flags, protocol, algorithm, key = record.split(maxsplit=3)
    by_key = tmp_path / "key.conf"
    by_key.write_text(f'trust-anchors {{\n  valid.example. static-key {flags} {protocol} '
                      f'{algorithm} "{key}";\n}};\n')
    assert validated(delv(server, by_key, "valid.example", "www.valid.example"))
    seen: dict[str, str] = {}
    for _ in range(40):                 # R110: until every weighted outcome was seen
        out = delv(server, trust, "valid.example", "w.valid.example")
        assert validated(out), out
        seen.update({a: out for a in ("192.0.2.10", "192.0.2.11", "192.0.2.12") if a in out})
        if len(seen) == 3:
            break
    assert sorted(seen) == ["192.0.2.10", "192.0.2.11", "192.0.2.12"]
    nx = delv(server, trust, "valid.example", "nope.valid.example")    # R107
    assert "; negative response, fully validated" in nx, nx
    assert "NSEC \\000.nope.valid.example. RRSIG NSEC" in nx, nx
    nodata = delv(server, trust, "valid.example", "www.valid.example", "AAAA")
    assert "; negative response, fully validated" in nodata, nodata
    assert "NSEC \\000.www.valid.example. A RRSIG NSEC" in nodata, nodata


def test_r103_r105_deactivated_ksk_or_disabled_signing_turns_validation_off(
        r53: Any, server: ApiServer, tmp_path: Path) -> None:
    zid = signed_zone(r53, "off.example", "first")
    first = anchor(r53, zid, "first", tmp_path / "first.conf")
    assert validated(delv(server, first, "off.example", "www.off.example"))
    with pytest.raises(ClientError) as exc:      # R103: the only active KSK of a signed zone
        r53.deactivate_key_signing_key(HostedZoneId=zid, Name="first")
    assert code(exc) == "KeySigningKeyInUse"
    r53.create_key_signing_key(CallerReference="off-second", HostedZoneId=zid, Name="second",
                               KeyManagementServiceArn=ARN.format("off-second"),
                               Status="ACTIVE")
    second = anchor(r53, zid, "second", tmp_path / "second.conf")
    assert validated(delv(server, second, "off.example", "www.off.example"))
    r53.deactivate_key_signing_key(HostedZoneId=zid, Name="first")
    statuses = {k["Name"]: k["Status"] for k in r53.get_dnssec(HostedZoneId=zid)["KeySigningKeys"]}
    assert statuses == {"first": "INACTIVE", "second": "ACTIVE"}
    gone = delv(server, first, "off.example", "www.off.example")   # its DNSKEY is withdrawn
    assert not validated(gone) and "broken trust chain" in gone, gone
    assert validated(delv(server, second, "off.example", "www.off.example"))
    with pytest.raises(ClientError) as exc:      # R104: delete only what is INACTIVE
        r53.delete_key_signing_key(HostedZoneId=zid, Name="second")
    assert code(exc) == "InvalidKeySigningKeyStatus"
    r53.delete_key_signing_key(HostedZoneId=zid, Name="first")
    r53.disable_hosted_zone_dnssec(HostedZoneId=zid)               # R105
    assert r53.get_dnssec(HostedZoneId=zid)["Status"]["ServeSignature"] == "NOT_SIGNING"
    unsigned = delv(server, second, "off.example", "www.off.example")
    assert not validated(unsigned) and "broken trust chain" in unsigned, unsigned
    r53.deactivate_key_signing_key(HostedZoneId=zid, Name="second")   # no longer in use


def test_r111_parent_ds_keeps_its_ksk_signing(r53: Any, server: ApiServer,
                                              tmp_path: Path) -> None:
    """The parent zone (another hosted zone of the account) holds the child's DS: the KSK it
    names can be neither deactivated nor left by disabling signing, until the DS is gone."""
    parent = r53.create_hosted_zone(Name="parent.example", CallerReference="parent")
    pid = parent["HostedZone"]["Id"]
    zid = signed_zone(r53, "kid.parent.example", "named", "spare")
    ds = next(k["DSRecord"] for k in r53.get_dnssec(HostedZoneId=zid)["KeySigningKeys"]
              if k["Name"] == "named")
    change(r53, pid, ("CREATE", rr("kid.parent.example", "DS", ds.lower())))
    for call in (lambda: r53.deactivate_key_signing_key(HostedZoneId=zid, Name="named"),
                 lambda: r53.disable_hosted_zone_dnssec(HostedZoneId=zid)):
        with pytest.raises(ClientError) as exc:
            call()
        assert code(exc) == "KeySigningKeyInParentDSRecord"
    r53.deactivate_key_signing_key(HostedZoneId=zid, Name="spare")    # not in the parent
    change(r53, pid, ("DELETE", rr("kid.parent.example", "DS", ds.lower())))
    r53.disable_hosted_zone_dnssec(HostedZoneId=zid)
    r53.deactivate_key_signing_key(HostedZoneId=zid, Name="named")


def test_signing_state_and_keys_survive_a_restart(tmp_path: Path) -> None:
    """Nothing acknowledged is lost: the KSK, its KMS key file and the ZSK are durable, so the
    DS a parent holds keeps validating after a crash (SIGKILL)."""
    state = tmp_path / "state"
    with api_server(tmp_path / "one", state) as first:
        r53 = first.client()
        zid = signed_zone(r53, "durable.example", "ksk")
        trust = anchor(r53, zid, "ksk", tmp_path / "anchor.conf")
        assert validated(delv(first, trust, "durable.example", "www.durable.example"))
        first.kill()
    with api_server(tmp_path / "two", state) as second:
        assert second.client().get_dnssec(HostedZoneId=zid)["Status"]["ServeSignature"] \
            == "SIGNING"
        again = delv(second, trust, "durable.example", "www.durable.example")
        assert validated(again), again


def test_workers_all_sign_with_the_same_keys(tmp_path: Path) -> None:
    """``--workers 2``: the kernel spreads clients over both processes; every reply, whichever
    process sent it, carries an RRSIG that validates with the zone's DNSKEY RRset."""
    with api_server(tmp_path, extra=("--workers", "2")) as server:
        r53 = server.client()
        signed_zone(r53, "workers.example", "ksk")
        apex = dns.name.from_text("workers.example.")
        query = dns.message.make_query("workers.example", "DNSKEY", want_dnssec=True)
        reply = dns.query.tcp(query, "127.0.0.1", port=server.dns, timeout=5)
        keys = reply.find_rrset(reply.answer, apex, 1, dns.rdatatype.DNSKEY)
        www = dns.name.from_text("www.workers.example.")
        for _ in range(40):     # each query from a new socket (a new source port)
            query = dns.message.make_query(www, "A", want_dnssec=True)
            got = dns.query.udp(query, "127.0.0.1", port=server.dns, timeout=5)
            sig = got.find_rrset(got.answer, www, 1, dns.rdatatype.RRSIG, dns.rdatatype.A)
            dns.dnssec.validate(got.find_rrset(got.answer, www, 1, dns.rdatatype.A), sig,
                                {apex: keys})
