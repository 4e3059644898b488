"""DeleteHostedZone and DNSSEC (R16, R190), with real boto3 against a real ``netemu serve --state
DIR``: the zone is refused while it has key-signing keys, signing on or off; once signing is
disabled and its KSKs are deleted, the zone goes and so does every DNSSEC row it had, also after
a restart."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from netemu.api.store import SqliteStore
from tests.api.test_boto3_zones import change, rr
from tests.live import api_server

pytestmark = pytest.mark.slow

ARN = "arn:aws:kms:us-east-1:111122223333:key/{}"


def rows(state: Path, kind: str) -> dict[str, Any]:
    """The store's rows of one kind, read through the Store interface while the server runs."""
    store = SqliteStore(state)
    try:
        return store.load().rows.get(kind, {})
    finally:
        store.close()


def refused(r53: Any, zid: str) -> str:
    with pytest.raises(r53.exceptions.HostedZoneNotEmpty) as info:
        r53.delete_hosted_zone(Id=zid)
    return str(info.value.response["Error"]["Message"])


def test_r190_delete_hosted_zone_refused_while_it_has_ksks_then_no_orphan_row(
        tmp_path: Path) -> None:
    """R190, R16: refused while signed, refused while an INACTIVE KSK remains, then
    deleted with its DNSSEC row in the same commit; the restarted server knows nothing of it."""
    state = tmp_path / "state"
    with api_server(tmp_path / "one", state) as server:
        r53 = server.client()
        zid = r53.create_hosted_zone(Name="gone.example", CallerReference="gone")[
            "HostedZone"]["Id"].split("/")[-1]
        change(r53, zid, ("CREATE", rr("www.gone.example", "A", "192.0.2.1", ttl=60)))
        r53.create_key_signing_key(CallerReference="k", HostedZoneId=zid,
                                   KeyManagementServiceArn=ARN.format("gone-ksk"), Name="ksk",
                                   Status="ACTIVE")
        r53.enable_hosted_zone_dnssec(HostedZoneId=zid)
        change(r53, zid, ("DELETE", rr("www.gone.example", "A", "192.0.2.1", ttl=60)))

        message = refused(r53, zid)                                  # signing on
        assert "contains DNSSEC Key Signing Keys" in message and "ksk (ACTIVE)" in message
        r53.disable_hosted_zone_dnssec(HostedZoneId=zid)
        assert "ksk (ACTIVE)" in refused(r53, zid)                   # signing off, KSK ACTIVE
        r53.deactivate_key_signing_key(HostedZoneId=zid, Name="ksk")
        assert "ksk (INACTIVE)" in refused(r53, zid)                 # KSK INACTIVE
        assert r53.get_hosted_zone(Id=zid)["HostedZone"]["Name"] == "gone.example."
        assert zid in rows(state, "dnssec") and zid in rows(state, "zone")

        r53.delete_key_signing_key(HostedZoneId=zid, Name="ksk")
        assert rows(state, "dnssec")[zid]["KeySigningKeys"] == []    # the ZSK row remains ...
        r53.delete_hosted_zone(Id=zid)
        assert zid not in rows(state, "dnssec") and zid not in rows(state, "zone")  # ... not now
        with pytest.raises(r53.exceptions.NoSuchHostedZone):
            r53.get_dnssec(HostedZoneId=zid)
        server.kill()
    with api_server(tmp_path / "two", state) as again:
        r53 = again.client()
        with pytest.raises(r53.exceptions.NoSuchHostedZone):
            r53.get_dnssec(HostedZoneId=zid)
        # the same name can be hosted again, unsigned, with no DNSSEC state carried over
        new = r53.create_hosted_zone(Name="gone.example", CallerReference="gone-2")[
            "HostedZone"]["Id"].split("/")[-1]
        assert r53.get_dnssec(HostedZoneId=new)["Status"]["ServeSignature"] == "NOT_SIGNING"
        assert r53.get_dnssec(HostedZoneId=new)["KeySigningKeys"] == []
        r53.delete_hosted_zone(Id=new)                               # never signed: no refusal
        assert rows(state, "dnssec") == {}
