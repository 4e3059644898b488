"""``StoreFollower``: a second reader of a real SQLite store (as the VPC resolver of ``apply
--api-state`` is) sees each commit of the writer through ``changes_since`` alone."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from netemu.api.follow import StoreFollower, stored_zoneset
from netemu.api.store import Commit, Loaded, MemoryStore, SqliteStore


def zone_row(zone_id: str, name: str, vpc: str | None = None) -> dict[str, Any]:
    return {"HostedZone": {"Id": f"/hostedzone/{zone_id}", "Name": name,
                           "CallerReference": zone_id,
                           "Config": {"PrivateZone": vpc is not None}},
            "VPCs": [{"VPCRegion": "us-east-1", "VPCId": vpc}] if vpc else None}


def rrset_row(zone_id: str, name: str, value: str) -> dict[str, Any]:
    return {"ZoneId": zone_id, "RecordSet": {"Name": name, "Type": "A", "TTL": 60,
                                             "ResourceRecords": [{"Value": value}]}}


def values(zoneset: Any, name: str) -> list[str]:
    return [v for z in zoneset.zones for r in z.record_sets if r.name == name for v in r.values]


def test_a_second_reader_follows_commits_R88(tmp_path: Path) -> None:
    """Private zone associations (R88) come through with the zone; record changes, deletes and
    commits that change nothing served are told apart."""
    writer, reader = SqliteStore(tmp_path), SqliteStore(tmp_path)
    try:
        writer.commit([("zone", "Z1", zone_row("Z1", "corp.internal.", vpc="app")),
                       ("rrset", "Z1\tdb.corp.internal.\tA\t",
                        rrset_row("Z1", "db.corp.internal.", "10.0.1.5"))])
        follower = StoreFollower(reader)
        first = follower.load()
        assert follower.version == 1
        [zone] = first.zones
        assert zone.private and [v.vpc_id for v in zone.vpcs] == ["app"]
        assert values(first, "db.corp.internal.") == ["10.0.1.5"]
        assert follower.poll() is None                              # nothing new

        writer.commit([("rrset", "Z1\tdb.corp.internal.\tA\t",
                        rrset_row("Z1", "db.corp.internal.", "10.0.1.6"))])
        got = follower.poll()
        assert got is not None and values(got, "db.corp.internal.") == ["10.0.1.6"]

        writer.commit([("tags", "hostedzone/Z1", {"team": "a"})])
        assert follower.poll() is None and follower.version == 3    # tags answer nothing

        writer.commit([("zone", "Z2", zone_row("Z2", "public.example.")),
                       ("rrset", "Z1\tdb.corp.internal.\tA\t", None)])
        got = follower.poll()
        assert got is not None and [z.name for z in got.zones] == ["corp.internal.",
                                                                   "public.example."]
        assert values(got, "db.corp.internal.") == []
        assert got == stored_zoneset(reader.load().rows)            # the same as a full load

        # a change to one zone reads and rebuilds that zone only: the other is the same object
        writer.commit([("rrset", "Z2\twww.public.example.\tA\t",
                        rrset_row("Z2", "www.public.example.", "192.0.2.8"))])
        again = follower.poll()
        assert again is not None and again == stored_zoneset(reader.load().rows)
        assert again.zones[0] is got.zones[0] and again.zones[1] is not got.zones[1]
        assert values(again, "www.public.example.") == ["192.0.2.8"]
    finally:
        writer.close()
        reader.close()


class CompactingStore(MemoryStore):
    """A store whose log no longer holds the first commits (as a compacting one might)."""

    def changes_since(self, version: int) -> list[Commit]:
        return self.log[max(version, len(self.log) - 1):]


def test_a_gap_in_the_log_reloads_everything() -> None:
    store = CompactingStore()
    follower = StoreFollower(store)
    follower.load()
    store.commit([("zone", "Z1", zone_row("Z1", "a.example."))])
    store.commit([("rrset", "Z1\twww.a.example.\tA\t", rrset_row("Z1", "www.a.example.",
                                                                 "192.0.2.1"))])
    got = follower.poll()    # version 0, log starts at 2: everything again
    assert got is not None and values(got, "www.a.example.") == ["192.0.2.1"]
    assert follower.version == 2
    assert isinstance(store.load(), Loaded)
