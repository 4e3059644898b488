"""The DNS Firewall API's state lives in the one state store (R140-R144 resources, R146
configs): real boto3 ``route53resolver`` against a real ``netemu serve --state DIR``. An
acknowledged change survives SIGKILL; a second reader of the same state follows each change
through ``Store.changes_since`` alone (as the VPC resolver of ``apply --api-state`` does); the
JSON file of earlier versions is migrated once and then no longer read."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from botocore.exceptions import ClientError

from netemu.api import resolver_firewall as rf
from netemu.api.follow import StoreFollower
from netemu.api.store import MemoryStore, SqliteStore
from tests.live import ApiServer, api_server

pytestmark = pytest.mark.slow


def resolver_client(server: ApiServer) -> Any:
    import boto3

    return boto3.client("route53resolver", endpoint_url=server.endpoint, region_name="us-east-1",
                        aws_access_key_id="test", aws_secret_access_key="test")


def build(r53r: Any, vpc: str = "app") -> tuple[str, str, str]:
    """A domain list, a rule group with one BLOCK rule on it, associated with ``vpc``."""
    list_id = r53r.create_firewall_domain_list(CreatorRequestId="l", Name="evil")[
        "FirewallDomainList"]["Id"]
    r53r.update_firewall_domains(FirewallDomainListId=list_id, Operation="ADD",
                                 Domains=["evil.example.com", "*.ads.example.com"])
    group_id = r53r.create_firewall_rule_group(CreatorRequestId="g", Name="main")[
        "FirewallRuleGroup"]["Id"]
    r53r.create_firewall_rule(CreatorRequestId="r", FirewallRuleGroupId=group_id,
                              FirewallDomainListId=list_id, Priority=100, Action="BLOCK",
                              BlockResponse="NXDOMAIN", Name="block-evil")
    assoc_id = r53r.associate_firewall_rule_group(
        CreatorRequestId="a", FirewallRuleGroupId=group_id, VpcId=vpc, Priority=101,
        Name="app-main")["FirewallRuleGroupAssociation"]["Id"]
    return list_id, group_id, assoc_id


def blocked(state: dict[str, Any], vpc: str, name: str) -> bool:
    """What the VPC resolver would decide for ``name`` from this stored state (R141-R143)."""
    from netemu.vpc import firewall as fw

    model = rf.firewall_from_state(state)
    lists = {dl.name: fw.compile_list(dl.all_domains) for dl in model.domain_lists}
    return fw.evaluate(name, "A", model.groups_for(vpc), lists, False).blocked


def test_firewall_survives_sigkill_in_the_state_store(tmp_path: Path) -> None:
    state = tmp_path / "state"
    with api_server(tmp_path / "one", state) as first:
        list_id, group_id, assoc_id = build(resolver_client(first))
        first.kill()                      # no clean shutdown: only what was committed is left
    assert not (state / rf.FILE).exists()   # nothing outside the store any more
    stored = rf.read_state(state)
    assert stored is not None and set(stored["associations"]) == {assoc_id}
    with api_server(tmp_path / "two", state) as second:
        r53r = resolver_client(second)
        assert r53r.list_firewall_domains(FirewallDomainListId=list_id)["Domains"] == [
            "evil.example.com.", "*.ads.example.com."]
        [rule] = r53r.list_firewall_rules(FirewallRuleGroupId=group_id)["FirewallRules"]
        assert (rule["Name"], rule["Action"], rule["BlockResponse"]) == (
            "block-evil", "BLOCK", "NXDOMAIN")
        got = r53r.get_firewall_rule_group_association(FirewallRuleGroupAssociationId=assoc_id)
        assert got["FirewallRuleGroupAssociation"]["VpcId"] == "app"
        with pytest.raises(ClientError) as info:      # the association still holds the group
            r53r.delete_firewall_rule_group(FirewallRuleGroupId=group_id)
        assert info.value.response["Error"]["Code"] == "ConflictException"
    assert blocked(rf.read_state(state) or {}, "app", "evil.example.com.")


def test_a_second_reader_follows_each_firewall_change_r146(tmp_path: Path) -> None:
    """Another process holding the same state (here a ``StoreFollower`` on its own SQLite
    connection, as the VPC resolver and later servers sharing one state are) sees each
    acknowledged change through ``changes_since``, in order, as soon as it is answered."""
    state = tmp_path / "state"
    with api_server(tmp_path, state) as server:
        r53r = resolver_client(server)
        reader = SqliteStore(state)
        try:
            follower = StoreFollower(reader)
            follower.load()
            assert rf.state_from_rows(follower.rows) == rf.empty_state()
            list_id, group_id, assoc_id = build(r53r)
            follower.poll()
            seen = rf.state_from_rows(follower.rows)
            assert set(seen["associations"]) == {assoc_id}
            assert blocked(seen, "app", "evil.example.com.")
            assert not blocked(seen, "other", "evil.example.com.")     # associated with app only

            r53r.update_firewall_config(ResourceId="app", FirewallFailOpen="ENABLED")   # R146
            r53r.disassociate_firewall_rule_group(FirewallRuleGroupAssociationId=assoc_id)
            follower.poll()
            seen = rf.state_from_rows(follower.rows)
            assert seen["associations"] == {}
            assert seen["configs"] == {"app": {"FirewallFailOpen": "ENABLED"}}
            assert not blocked(seen, "app", "evil.example.com.")
            assert rf.firewall_from_state(seen).fail_open == ("app",)
            assert seen == rf.read_state(state)     # the same as a full load
        finally:
            reader.close()


OLD_FILE = {   # what earlier versions wrote to DIR/route53resolver-firewall.json
    "lists": {"rslvr-fdl-00000000000000001": {
        "Name": "old", "Domains": ["legacy.example.com."], "CreatorRequestId": "l",
        "CreationTime": "2026-01-01T00:00:00.000Z",
        "ModificationTime": "2026-01-01T00:00:00.000Z"}},
    "groups": {"rslvr-frg-00000000000000001": {
        "Name": "old-group", "CreatorRequestId": "g", "CreationTime": "2026-01-01T00:00:00.000Z",
        "ModificationTime": "2026-01-01T00:00:00.000Z",
        "Rules": [{"FirewallRuleGroupId": "rslvr-frg-00000000000000001",
                   "FirewallDomainListId": "rslvr-fdl-00000000000000001", "Name": "r",
                   "Priority": 100, "Action": "BLOCK", "BlockResponse": "NODATA",
                   "CreatorRequestId": "r", "CreationTime": "2026-01-01T00:00:00.000Z",
                   "ModificationTime": "2026-01-01T00:00:00.000Z"}]}},
    "associations": {"rslvr-frgassoc-00000000000001": {
        "FirewallRuleGroupId": "rslvr-frg-00000000000000001", "VpcId": "app", "Name": "a",
        "Priority": 101, "MutationProtection": "DISABLED", "CreatorRequestId": "a",
        "CreationTime": "2026-01-01T00:00:00.000Z",
        "ModificationTime": "2026-01-01T00:00:00.000Z"}},
    "configs": {"app": {"FirewallFailOpen": "ENABLED"}},
}


def test_the_json_file_of_earlier_versions_is_migrated_once(tmp_path: Path) -> None:
    state = tmp_path / "state"
    state.mkdir()
    (state / rf.FILE).write_text(json.dumps(OLD_FILE))
    with api_server(tmp_path / "one", state) as first:
        r53r = resolver_client(first)
        assert r53r.list_firewall_domains(
            FirewallDomainListId="rslvr-fdl-00000000000000001")["Domains"] == [
                "legacy.example.com."]
        [assoc] = r53r.list_firewall_rule_group_associations(VpcId="app")[
            "FirewallRuleGroupAssociations"]
        assert assoc["Id"] == "rslvr-frgassoc-00000000000001"
        assert r53r.get_firewall_config(ResourceId="app")["FirewallConfig"][
            "FirewallFailOpen"] == "ENABLED"
        assert not (state / rf.FILE).exists() and (state / rf.MIGRATED).exists()
        # from now on the store holds it: a change is kept there, not in any file
        r53r.disassociate_firewall_rule_group(
            FirewallRuleGroupAssociationId="rslvr-frgassoc-00000000000001")
        first.kill()
    assert rf.read_state(state) == {**OLD_FILE, "associations": {}}
    # a stale copy of the old file put back is not read again over the store's state
    (state / rf.FILE).write_text(json.dumps(OLD_FILE))
    with api_server(tmp_path / "two", state) as second:
        r53r = resolver_client(second)
        assert r53r.list_firewall_rule_group_associations()[
            "FirewallRuleGroupAssociations"] == []
        assert len(r53r.list_firewall_domain_lists()["FirewallDomainLists"]) == 1
    assert rf.read_state(state) == {**OLD_FILE, "associations": {}}
    assert not (state / rf.FILE).exists()


def test_a_broken_old_file_is_refused_naming_it_and_kept_r144(tmp_path: Path) -> None:
    """The migration checks the old state by the API's own rules (R144: association priority
    101-9899); a file it cannot take stops the start with the file, item and rule named, and
    stays where it is, so nothing is lost."""
    bad = json.loads(json.dumps(OLD_FILE))
    bad["associations"]["rslvr-frgassoc-00000000000001"]["Priority"] = 100
    (tmp_path / rf.FILE).write_text(json.dumps(bad))
    store = MemoryStore()
    with pytest.raises(ValueError) as info:
        rf.migrate_file(store, tmp_path)
    message = str(info.value)
    assert rf.FILE in message and "not migrated" in message and "Priority" in message, message
    assert (tmp_path / rf.FILE).exists() and store.log == []
    (tmp_path / rf.FILE).write_text("{not json")
    with pytest.raises(ValueError, match="cannot be read"):
        rf.migrate_file(store, tmp_path)
    assert rf.migrate_file(store, tmp_path / "nothing-here") is None


def test_a_store_that_fails_is_503_and_the_firewall_is_unchanged(tmp_path: Path) -> None:
    """The database locked by another process (past SQLite's busy wait): the change is not
    acknowledged (503), memory is unchanged, and the same change goes through once the lock
    is released, then survives SIGKILL."""
    import sqlite3

    from botocore.config import Config

    from netemu.api.store import FILENAME

    state = tmp_path / "state"
    server = ApiServer(tmp_path, state)
    server.start()
    try:
        import boto3

        r53r = boto3.client("route53resolver", endpoint_url=server.endpoint,
                            region_name="us-east-1", aws_access_key_id="test",
                            aws_secret_access_key="test",
                            config=Config(retries={"max_attempts": 1, "mode": "standard"}))
        holder = sqlite3.connect(state / FILENAME, isolation_level=None, timeout=1)
        try:
            holder.execute("BEGIN EXCLUSIVE")
            with pytest.raises(ClientError) as info:
                r53r.update_firewall_config(ResourceId="app", FirewallFailOpen="ENABLED")
            assert info.value.response["ResponseMetadata"]["HTTPStatusCode"] == 503
            assert info.value.response["Error"]["Code"] == "InternalServiceErrorException"
            assert r53r.get_firewall_config(ResourceId="app")["FirewallConfig"][
                "FirewallFailOpen"] == "DISABLED"
        finally:
            holder.execute("ROLLBACK")
            holder.close()
        r53r.update_firewall_config(ResourceId="app", FirewallFailOpen="ENABLED")
        server.kill()
        server.start()
        assert resolver_client(server).get_firewall_config(ResourceId="app")["FirewallConfig"][
            "FirewallFailOpen"] == "ENABLED"
    finally:
        server.stop()
