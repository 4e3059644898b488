"""Two ``netemu serve`` processes on one ``--state`` DIR converge through the Store interface
only (``changes_since`` polled, ``commit(expect=...)``): what one server's API changes, the
other serves; a write is validated against the store's latest version whichever server made the
conflicting change (R24: CREATE of an existing record set is InvalidChangeBatch).

The first tests run real processes, real boto3 and real dig; the last ones run two Accounts of
one process on one real SQLite file, to reach the interleavings a poll cannot be made to hit."""

from __future__ import annotations

import asyncio
import socket
import time
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any

import botocore.config
import botocore.exceptions
import pytest

from netemu.api.account import Account
from netemu.api.store import SqliteStore, StoreMoved, Write
from netemu.route53.model import ZoneSet
from tests.api.test_boto3_health import Endpoint, http_check
from tests.api.test_boto3_zones import change, dig, rr
from tests.live import ApiServer

pytestmark = pytest.mark.slow


@pytest.fixture
def pair(tmp_path: Path) -> Iterator[tuple[ApiServer, ApiServer]]:
    """Servers A and B on one state directory (B polls it every 0.2 s)."""
    state = tmp_path / "state"
    a = ApiServer(tmp_path, state, ("--time-scale", "0.05", "--state-poll", "0.2"))
    b = ApiServer(tmp_path, state, ("--time-scale", "0.05", "--state-poll", "0.2"))
    a.start()
    try:
        b.start()
        try:
            yield a, b
        finally:
            b.stop()
    finally:
        a.stop()


def until(what: str, cond: Callable[[], Any], within: float = 20) -> Any:
    """Poll ``cond`` (0.1 s apart) until it is truthy; fail after ``within`` seconds."""
    deadline = time.monotonic() + within
    got = cond()
    while not got and time.monotonic() < deadline:
        time.sleep(0.1)
        got = cond()
    if not got:
        pytest.fail(f"not within {within} s: {what}")
    return got


def test_changes_through_either_server_are_served_by_the_other(
        pair: tuple[ApiServer, ApiServer]) -> None:  # R96
    a, b = pair
    ra, rb = a.client(), b.client()
    zid = ra.create_hosted_zone(Name="shared.example.", CallerReference="s1")["HostedZone"]["Id"]
    made = change(ra, zid, ("CREATE", rr("www.shared.example.", "A", "192.0.2.10")))
    until("B answers A's record", lambda: dig(b, "www.shared.example.") == ["192.0.2.10"])
    # GetChange of A's change, asked of B, once B serves it
    cid = made["ChangeInfo"]["Id"]
    until("B reports A's change INSYNC",
          lambda: rb.get_change(Id=cid)["ChangeInfo"]["Status"] == "INSYNC")
    assert rb.get_hosted_zone(Id=zid)["HostedZone"]["Name"] == "shared.example."
    # a change through B reaches A; B's GetChange of its own change and A's of it
    mine = change(rb, zid, ("CREATE", rr("api.shared.example.", "A", "192.0.2.20")))
    until("A answers B's record", lambda: dig(a, "api.shared.example.") == ["192.0.2.20"])
    until("A reports B's change INSYNC", lambda: ra.get_change(
        Id=mine["ChangeInfo"]["Id"])["ChangeInfo"]["Status"] == "INSYNC")
    assert rb.get_change(Id=mine["ChangeInfo"]["Id"])["ChangeInfo"]["Status"] == "INSYNC"
    # an UPSERT on A and a DELETE on B, each seen by the other
    change(ra, zid, ("UPSERT", rr("www.shared.example.", "A", "192.0.2.11")))
    until("B answers the UPSERT", lambda: dig(b, "www.shared.example.") == ["192.0.2.11"])
    change(rb, zid, ("DELETE", rr("api.shared.example.", "A", "192.0.2.20")))
    until("A no longer answers the deleted record",
          lambda: dig(a, "api.shared.example.") == [])


def test_conflicting_create_on_the_other_server_is_invalid_change_batch(
        pair: tuple[ApiServer, ApiServer]) -> None:  # R24, R15
    """B's CREATE right after A's (no wait for B's poll): B catches up before validating."""
    a, b = pair
    ra, rb = a.client(), b.client()
    zid = ra.create_hosted_zone(Name="race.example.", CallerReference="r1")["HostedZone"]["Id"]
    # at once on B: the zone A just created is there for B's write
    change(rb, zid, ("CREATE", rr("first.race.example.", "A", "192.0.2.1")))
    change(ra, zid, ("CREATE", rr("dup.race.example.", "A", "192.0.2.2")))
    with pytest.raises(botocore.exceptions.ClientError) as err:
        change(rb, zid, ("CREATE", rr("dup.race.example.", "A", "192.0.2.3")))
    assert err.value.response["Error"]["Code"] == "InvalidChangeBatch"
    assert "already exists" in err.value.response["Error"]["Message"]
    # the same CallerReference through the other server is the same request (R15)
    with pytest.raises(botocore.exceptions.ClientError) as again:
        rb.create_hosted_zone(Name="race.example.", CallerReference="r1")
    assert again.value.response["Error"]["Code"] == "HostedZoneAlreadyExists"
    until("A answers the record first made on B",
          lambda: dig(a, "first.race.example.") == ["192.0.2.1"])
    until("B answers A's record it refused to create again",
          lambda: dig(b, "dup.race.example.") == ["192.0.2.2"])


def test_health_check_created_on_one_server_is_probed_by_the_other(
        pair: tuple[ApiServer, ApiServer], tmp_path: Path) -> None:  # R87
    """Every server probes every stored health check itself and answers from what it saw."""
    a, b = pair
    ra, rb = a.client(), b.client()
    endpoint = Endpoint()
    try:
        hc = ra.create_health_check(CallerReference="shared-hc", HealthCheckConfig=http_check(
            endpoint.port))["HealthCheck"]["Id"]
        zid = ra.create_hosted_zone(Name="hc.example.", CallerReference="hc")["HostedZone"]["Id"]
        change(ra, zid,
               ("CREATE", rr("app.hc.example.", "A", "192.0.2.1", SetIdentifier="primary",
                             Failover="PRIMARY", HealthCheckId=hc)),
               ("CREATE", rr("app.hc.example.", "A", "192.0.2.2", SetIdentifier="secondary",
                             Failover="SECONDARY")))

        def observed(prefix: str) -> bool:
            try:
                got = rb.get_health_check_status(HealthCheckId=hc)["HealthCheckObservations"]
            except botocore.exceptions.ClientError:   # B has not taken the check in yet
                return False
            return bool(got) and all(o["StatusReport"]["Status"].startswith(prefix)
                                     for o in got)

        until("B's own probes of A's check succeed", lambda: observed("Success"))
        until("B answers the healthy primary", lambda: dig(b, "app.hc.example.") == ["192.0.2.1"])
        endpoint.stop()
        until("B's probes fail", lambda: observed("Failure"))
        until("B fails over", lambda: dig(b, "app.hc.example.") == ["192.0.2.2"])
        until("A fails over too", lambda: dig(a, "app.hc.example.") == ["192.0.2.2"])
    finally:
        endpoint.stop()


# --- two Accounts on one SQLite file: the interleavings ---------------------------------------


def test_commit_with_a_stale_expected_version_writes_nothing(tmp_path: Path) -> None:
    one, two = SqliteStore(tmp_path), SqliteStore(tmp_path)
    try:
        assert one.commit([("tags", "a", {"k": "1"})], expect=0) == 1
        with pytest.raises(StoreMoved):
            two.commit([("tags", "b", {"k": "2"})], expect=0)
        assert "b" not in two.load().rows["tags"] and two.load().version == 1
        assert two.commit([("tags", "b", {"k": "2"})], expect=1) == 2
    finally:
        one.close()
        two.close()


class Interloper:
    """The real SqliteStore, and another server's commit made through a second connection just
    before this one's next commit: the moment between a catch-up and a commit."""

    def __init__(self, store: SqliteStore, other: SqliteStore) -> None:
        self.store, self.other = store, other
        self.before_next: list[Sequence[Write]] = []
        self.beat_every = False

    def load(self) -> Any:
        return self.store.load()

    def changes_since(self, version: int) -> Any:
        return self.store.changes_since(version)

    def commit(self, writes: Sequence[Write], expect: int | None = None) -> int:
        """With ``beat_every``, one waiting commit per call (each try beaten once); else all."""
        while self.before_next:
            self.other.commit(self.before_next.pop(0))
            if self.beat_every:
                break
        return self.store.commit(writes, expect)

    def close(self) -> None:
        self.store.close()


def rrset_writes(zone: Any, name: str, value: str) -> list[Write]:
    rec = {"Name": name, "Type": "A", "TTL": 300, "ResourceRecords": [{"Value": value}]}
    return [("rrset", f"{zone}\t{name}\tA\t", {"ZoneId": zone, "RecordSet": rec})]


def test_a_write_racing_another_server_is_checked_again(tmp_path: Path) -> None:  # R24
    """A's CREATE is validated, then B commits the same record set before A's commit: A's
    commit is refused by the store, A catches up and the request, checked again, is
    InvalidChangeBatch; an unrelated racing commit only makes A check again and succeed."""
    from netemu.api.route53 import COMMIT_TRIES
    from netemu.route53.changes import ChangeRejected

    async def main() -> None:
        other = SqliteStore(tmp_path)
        store = Interloper(SqliteStore(tmp_path), other)
        a = Account(ZoneSet(()), store, follow=True)
        try:
            zone, _ = await a.create_zone("race.example.", "r", False, (), None)
            store.before_next.append(rrset_writes(zone.id, "x.race.example.", "192.0.2.9"))
            batch = [{"Action": "CREATE", "ResourceRecordSet": {
                "Name": "x.race.example.", "Type": "A", "TTL": 300,
                "ResourceRecords": [{"Value": "192.0.2.1"}]}}]
            with pytest.raises(StoreMoved):
                await a.change_records(zone.id, batch)
            # caught up: the other server's record set is what A now holds and serves
            names = {r.name for r in a.zone(zone.id).record_sets}
            assert "x.race.example." in names
            with pytest.raises(ChangeRejected) as err:   # the request checked again
                await a.change_records(zone.id, batch)
            assert err.value.code == "InvalidChangeBatch"
            # an unrelated commit in between: checked again, then committed once
            store.before_next.append([("tags", "other", {"k": "v"})])
            other_batch = [{**batch[0], "ResourceRecordSet": {
                **batch[0]["ResourceRecordSet"], "Name": "y.race.example."}}]
            with pytest.raises(StoreMoved):
                await a.change_records(zone.id, other_batch)
            info = await a.change_records(zone.id, other_batch)
            assert info.version == a.version == store.load().version
            stored = store.load().rows["rrset"]
            assert sum(k.startswith(zone.id) and "y.race" in k for k in stored) == 1
            assert COMMIT_TRIES > 1
        finally:
            store.close()
            other.close()

    asyncio.run(main())


def test_follow_store_takes_in_another_writer_and_not_its_own_twice(tmp_path: Path) -> None:
    async def main() -> None:
        served: list[ZoneSet] = []
        store, other = SqliteStore(tmp_path), SqliteStore(tmp_path)
        a = Account(ZoneSet(()), store, served.append, follow=True)
        b = Account(ZoneSet(()), other, follow=True)
        await a.start()
        follow = asyncio.ensure_future(a.follow_store(0.05))
        try:
            zone, _ = await a.create_zone("own.example.", "o", False, (), None)
            rounds = len(served)
            theirs, _ = await b.create_zone("theirs.example.", "t", False, (), None)
            for _ in range(200):   # bounded: 10 s
                if any(z.id == theirs.id for z in a.zoneset.zones):
                    break
                await asyncio.sleep(0.05)
            assert {z.id for z in a.zoneset.zones} == {zone.id, theirs.id}
            assert a.served_version == a.version == other.load().version
            assert len(served) == rounds + 1 and served[-1] is a.zoneset
            # A's own zone is the same object as before: not read again, not recompiled
            assert any(z is changes_zone for z in a.zoneset.zones
                       for changes_zone in served[rounds - 1].zones)
        finally:
            follow.cancel()
            store.close()
            other.close()

    asyncio.run(main())


def test_the_api_checks_a_raced_request_again_then_answers_prior_request_not_complete(
        tmp_path: Path) -> None:  # R24
    """Route53Api on a real aiohttp server on loopback, boto3 against it: a request whose
    commit another writer beat is checked again from the start (one race: InvalidChangeBatch
    for a CREATE the other writer made; an unrelated commit: success), and a writer that is
    beaten every time gets PriorRequestNotComplete after COMMIT_TRIES tries, nothing written."""
    import threading

    import boto3
    from aiohttp import web

    from netemu.api.route53 import COMMIT_TRIES, Route53Api
    from tests.helpers import free_port

    port = free_port(socket.SOCK_STREAM)
    other = SqliteStore(tmp_path)
    store = Interloper(SqliteStore(tmp_path), other)
    ready, stop = threading.Event(), threading.Event()

    async def serve() -> None:
        account = Account(ZoneSet(()), store, follow=True)
        await account.start()
        api = Route53Api(account)

        async def route(request: web.Request) -> web.StreamResponse:
            return await api.handle(request) or web.Response(status=404)

        app = web.Application()
        app.router.add_route("*", "/{tail:.*}", route)
        runner = web.AppRunner(app)
        await runner.setup()
        await web.TCPSite(runner, "127.0.0.1", port).start()
        ready.set()
        try:
            for _ in range(1200):   # bounded: 60 s
                if stop.is_set():
                    break
                await asyncio.sleep(0.05)
        finally:
            await runner.cleanup()

    thread = threading.Thread(target=asyncio.run, args=(serve(),), daemon=True)
    thread.start()
    try:
        assert ready.wait(20)
        r53 = boto3.client("route53", endpoint_url=f"http://127.0.0.1:{port}",
                           region_name="us-east-1", aws_access_key_id="test",
                           aws_secret_access_key="test",
                           # one attempt: boto3 itself retries PriorRequestNotComplete
                           config=botocore.config.Config(retries={"total_max_attempts": 1,
                                                                  "mode": "standard"}))
        zid = r53.create_hosted_zone(Name="api.example.", CallerReference="a")["HostedZone"]["Id"]
        bare = zid.split("/")[-1]
        store.before_next.append(rrset_writes(bare, "x.api.example.", "192.0.2.9"))
        with pytest.raises(botocore.exceptions.ClientError) as err:
            change(r53, zid, ("CREATE", rr("x.api.example.", "A", "192.0.2.1")))
        assert err.value.response["Error"]["Code"] == "InvalidChangeBatch"
        store.before_next.append([("tags", "unrelated", {"k": "v"})])
        change(r53, zid, ("CREATE", rr("y.api.example.", "A", "192.0.2.2")))
        before = store.load().version
        for n in range(COMMIT_TRIES):
            store.before_next.append([("tags", f"busy{n}", {"k": "v"})])
        # the interloper commits once per try: every try is beaten
        store.beat_every = True
        with pytest.raises(botocore.exceptions.ClientError) as busy:
            change(r53, zid, ("CREATE", rr("z.api.example.", "A", "192.0.2.3")))
        assert busy.value.response["Error"]["Code"] == "PriorRequestNotComplete"
        rows = store.load()
        assert rows.version == before + COMMIT_TRIES
        assert not any("z.api.example." in k for k in rows.rows["rrset"])
    finally:
        stop.set()
        thread.join(10)
        store.close()
        other.close()


KMS_ARN = "arn:aws:kms:us-east-1:111122223333:key/{}"


def resolver_client(server: ApiServer) -> Any:
    import boto3

    return boto3.client("route53resolver", endpoint_url=server.endpoint, region_name="us-east-1",
                        aws_access_key_id="test", aws_secret_access_key="test")


def test_firewall_changes_on_one_server_are_read_and_checked_by_the_other(
        pair: tuple[ApiServer, ApiServer]) -> None:  # R144
    """DNS Firewall rows follow the same change log: a rule group made on A is listed by B,
    and B validates its own writes against what A committed (an association priority A just
    took in the VPC is a ConflictException on B at once, without waiting for B's poll)."""
    a, b = pair
    ra, rb = resolver_client(a), resolver_client(b)
    group = ra.create_firewall_rule_group(CreatorRequestId="ga", Name="made-on-a")[
        "FirewallRuleGroup"]["Id"]
    until("B lists A's rule group", lambda: [g["Id"] for g in rb.list_firewall_rule_groups()[
        "FirewallRuleGroups"]] == [group])
    assert rb.get_firewall_rule_group(FirewallRuleGroupId=group)["FirewallRuleGroup"][
        "Name"] == "made-on-a"
    ra.associate_firewall_rule_group(CreatorRequestId="aa", FirewallRuleGroupId=group,
                                     VpcId="app", Priority=101, Name="a-assoc")
    other = rb.create_firewall_rule_group(CreatorRequestId="gb", Name="made-on-b")[
        "FirewallRuleGroup"]["Id"]
    with pytest.raises(botocore.exceptions.ClientError) as err:   # R144: one priority per VPC
        rb.associate_firewall_rule_group(CreatorRequestId="ab", FirewallRuleGroupId=other,
                                         VpcId="app", Priority=101, Name="b-clash")
    assert err.value.response["Error"]["Code"] == "ConflictException"
    # B's own group, made after catching up, is listed by A beside A's
    until("A lists both groups", lambda: {g["Id"] for g in ra.list_firewall_rule_groups()[
        "FirewallRuleGroups"]} == {group, other})
    assert [x["Name"] for x in rb.list_firewall_rule_group_associations()[
        "FirewallRuleGroupAssociations"]] == ["a-assoc"]


def test_dnssec_enabled_on_one_server_is_reported_and_signed_by_the_other(
        pair: tuple[ApiServer, ApiServer]) -> None:  # R109, R106, R103
    """A KSK created and signing enabled on A: B's GetDNSSEC shows them, B answers with RRSIGs,
    and B refuses to deactivate the last active KSK of the zone A signs (its write checked
    against A's commits)."""
    a, b = pair
    ra, rb = a.client(), b.client()
    zid = ra.create_hosted_zone(Name="signed.example.", CallerReference="d1")["HostedZone"]["Id"]
    change(ra, zid, ("CREATE", rr("www.signed.example.", "A", "192.0.2.5")))
    until("B answers A's record unsigned", lambda: dig(b, "www.signed.example.") == ["192.0.2.5"])
    _, _, answer, _, _ = b.dig("+dnssec", "www.signed.example.", "A")
    assert not any(" RRSIG " in line for line in answer), answer
    ra.create_key_signing_key(CallerReference="k1", HostedZoneId=zid, Name="main",
                              KeyManagementServiceArn=KMS_ARN.format("shared-main"),
                              Status="ACTIVE")
    ra.enable_hosted_zone_dnssec(HostedZoneId=zid)
    got = until("B's GetDNSSEC shows A's KSK and signing", lambda: (
        s := rb.get_dnssec(HostedZoneId=zid))["Status"]["ServeSignature"] == "SIGNING" and s)
    mine = ra.get_dnssec(HostedZoneId=zid)["KeySigningKeys"]
    assert [(k["Name"], k["Status"], k["DSRecord"]) for k in got["KeySigningKeys"]] == \
        [(k["Name"], k["Status"], k["DSRecord"]) for k in mine]   # R109: the same DS on both

    def rrsig_on_b() -> list[str]:
        _, _, answer, _, _ = b.dig("+dnssec", "www.signed.example.", "A")
        return [line for line in answer if " RRSIG A " in line]

    sigs = until("B signs the zone (R106)", rrsig_on_b)
    assert "signed.example." in sigs[0]
    with pytest.raises(botocore.exceptions.ClientError) as err:   # R103, at once on B
        rb.deactivate_key_signing_key(HostedZoneId=zid, Name="main")
    assert err.value.response["Error"]["Code"] == "KeySigningKeyInUse"


def test_a_firewall_write_racing_another_server_is_checked_again(tmp_path: Path) -> None:  # R144
    """Over real HTTP on loopback: A's AssociateFirewallRuleGroup is validated, then another
    server commits an association at the same VPC and priority before A's commit; A's commit is
    refused by the store, A catches up and the request, checked again, is ConflictException,
    with nothing of A's written and the other server's group listed by A."""
    import aiohttp
    from aiohttp import web

    from netemu.api.resolver_firewall import FirewallApi, empty_state, writes_between

    async def call(session: aiohttp.ClientSession, url: str, op: str,
                   body: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        async with session.post(url, json=body, headers={
                "X-Amz-Target": f"Route53Resolver.{op}",
                "Content-Type": "application/x-amz-json-1.1"}) as resp:
            return resp.status, await resp.json(content_type=None)

    async def main() -> None:
        other = SqliteStore(tmp_path)
        store = Interloper(SqliteStore(tmp_path), other)
        account = Account(ZoneSet(()), store, follow=True)
        api = FirewallApi(store, account=account)   # type: ignore[arg-type]

        async def route(request: web.Request) -> web.StreamResponse:
            return await api.handle(request) or web.Response(status=404)

        app = web.Application()
        app.router.add_route("POST", "/", route)
        runner = web.AppRunner(app)
        await runner.setup()
        site = web.TCPSite(runner, "127.0.0.1", 0)
        await site.start()
        port = runner.addresses[0][1]
        url = f"http://127.0.0.1:{port}/"
        # the other server's group and association (its rows, made by the same rules)
        theirs = FirewallApi()
        their_group = theirs.op_CreateFirewallRuleGroup({"CreatorRequestId": "o",
                                                         "Name": "theirs"})
        gid = their_group["FirewallRuleGroup"]["Id"]
        theirs.op_AssociateFirewallRuleGroup({"CreatorRequestId": "oa", "Name": "their-assoc",
                                              "FirewallRuleGroupId": gid, "VpcId": "app",
                                              "Priority": 101})
        try:
            async with aiohttp.ClientSession() as session:
                status, made = await call(session, url, "CreateFirewallRuleGroup",
                                          {"CreatorRequestId": "m", "Name": "mine"})
                assert status == 200, made
                mine = made["FirewallRuleGroup"]["Id"]
                store.before_next.append(writes_between(empty_state(), theirs.state))
                status, got = await call(session, url, "AssociateFirewallRuleGroup", {
                    "CreatorRequestId": "ma", "Name": "my-assoc", "FirewallRuleGroupId": mine,
                    "VpcId": "app", "Priority": 101})
                assert (status, got["__type"]) == (400, "ConflictException"), got
                status, listed = await call(session, url, "ListFirewallRuleGroups", {})
                assert {g["Id"] for g in listed["FirewallRuleGroups"]} == {mine, gid}
            stored = store.load().rows["firewallassociation"]
            assert [v["Name"] for v in stored.values()] == ["their-assoc"]
            assert account.version == store.load().version
        finally:
            await runner.cleanup()
            store.close()
            other.close()

    asyncio.run(main())
