"""Durable state behind one small interface: load everything, commit a change durably before it
is acknowledged, list the changes since a version.

State is a set of rows ``(kind, key) -> JSON value`` (kinds: ``zone``, ``rrset``,
``healthcheck``, ``cidr``, ``tags``, ``change``, ``trafficpolicy``,
``trafficpolicyinstance``, ``dnssec`` (per zone id, ``api/dnssec.py``), and the Route53Resolver
DNS Firewall's ``firewalldomainlist``, ``firewallrulegroup`` (with its rules),
``firewallassociation`` and ``firewallconfig`` (per VPC), ``api/resolver_firewall.py``); values
are the API's shapes (``route53.shapes``, and the firewall's own). A commit is a
list of writes (a value, or None to delete) applied in one transaction and appended to the
change log under a new version number, so a commit is wholly there or wholly absent after a
crash, and another server sharing the state can follow the log.

``SqliteStore`` (the default, ``--state DIR``) keeps ``DIR/netemu.sqlite3`` in WAL mode with
``synchronous=FULL``: ``commit`` returns only after the transaction is on disk. ``MemoryStore``
keeps nothing (``serve`` without ``--state``). PostgreSQL is the next implementation of
``Store``.
"""

from __future__ import annotations

import json
import sqlite3
import threading
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

Write = tuple[str, str, Any]          # (kind, key, value or None to delete)
FILENAME = "netemu.sqlite3"


@dataclass(frozen=True, slots=True)
class Loaded:
    """Everything stored: ``rows[kind][key] = value`` (in insertion order) at ``version``."""

    version: int
    rows: dict[str, dict[str, Any]] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Commit:
    version: int
    writes: tuple[Write, ...]


class StoreMoved(Exception):
    """``commit(writes, expect=V)`` found the store past version V: another server committed
    after the caller last caught up, and nothing was written."""

    def __init__(self, expected: int, found: int) -> None:
        super().__init__(f"the state store is at version {found}, not {expected}")
        self.expected, self.found = expected, found


class Store(Protocol):
    def load(self) -> Loaded: ...

    def commit(self, writes: Sequence[Write], expect: int | None = None) -> int:
        """Apply ``writes`` atomically and durably; returns the new version. With ``expect``,
        only if the store is still at version ``expect`` (else StoreMoved, nothing written):
        how a server that validated against version ``expect`` commits without a lost update."""
        ...

    def changes_since(self, version: int) -> list[Commit]: ...

    def close(self) -> None: ...


class MemoryStore:
    """Nothing survives the process (``serve`` without ``--state``). Commits may come from
    several worker threads at once (the Route 53 and the Route53Resolver APIs): one at a time."""

    def __init__(self) -> None:
        self.rows: dict[str, dict[str, Any]] = {}
        self.log: list[Commit] = []
        self.lock = threading.Lock()

    def load(self) -> Loaded:
        with self.lock:
            return Loaded(len(self.log), {k: dict(v) for k, v in self.rows.items()})

    def commit(self, writes: Sequence[Write], expect: int | None = None) -> int:
        with self.lock:
            if expect is not None and expect != len(self.log):
                raise StoreMoved(expect, len(self.log))
            for kind, key, value in writes:
                table = self.rows.setdefault(kind, {})
                if value is None:
                    table.pop(key, None)
                else:
                    table[key] = value
            self.log.append(Commit(len(self.log) + 1, tuple(writes)))
            return len(self.log)

    def changes_since(self, version: int) -> list[Commit]:
        with self.lock:
            return self.log[version:]

    def close(self) -> None:
        pass


class SqliteStore:
    """SQLite in WAL mode, ``synchronous=FULL``: a returned ``commit`` survives SIGKILL and power
    loss; one that did not return is wholly there or wholly absent."""

    def __init__(self, directory: str | Path) -> None:
        path = Path(directory)
        path.mkdir(parents=True, exist_ok=True)
        self.path = path / FILENAME
        # one connection, used from the event loop's worker threads one at a time
        self.db = sqlite3.connect(self.path, isolation_level=None, check_same_thread=False)
        self.lock = threading.Lock()
        self.db.execute("PRAGMA journal_mode=WAL")
        self.db.execute("PRAGMA synchronous=FULL")
        self.db.execute("CREATE TABLE IF NOT EXISTS rows (kind TEXT NOT NULL, key TEXT NOT NULL, "
                        "value TEXT NOT NULL, seq INTEGER NOT NULL, PRIMARY KEY (kind, key))")
        self.db.execute("CREATE TABLE IF NOT EXISTS log (version INTEGER PRIMARY KEY, "
                        "writes TEXT NOT NULL)")

    def load(self) -> Loaded:
        with self.lock:
            version = self.db.execute("SELECT COALESCE(MAX(version), 0) FROM log").fetchone()[0]
            rows: dict[str, dict[str, Any]] = {}
            for kind, key, value in self.db.execute(
                    "SELECT kind, key, value FROM rows ORDER BY seq"):
                rows.setdefault(kind, {})[key] = json.loads(value)
        return Loaded(int(version), rows)

    def commit(self, writes: Sequence[Write], expect: int | None = None) -> int:
        with self.lock:
            db = self.db
            db.execute("BEGIN IMMEDIATE")   # the write lock: one writer at a time, all processes
            try:
                version = db.execute(
                    "SELECT COALESCE(MAX(version), 0) + 1 FROM log").fetchone()[0]
                if expect is not None and expect != version - 1:
                    raise StoreMoved(expect, version - 1)
                seq = db.execute("SELECT COALESCE(MAX(seq), 0) FROM rows").fetchone()[0]
                for kind, key, value in writes:
                    if value is None:
                        db.execute("DELETE FROM rows WHERE kind = ? AND key = ?", (kind, key))
                        continue
                    seq += 1
                    text = json.dumps(value, separators=(",", ":"))
                    updated = db.execute("UPDATE rows SET value = ? WHERE kind = ? AND key = ?",
                                         (text, kind, key)).rowcount
                    if not updated:
                        db.execute("INSERT INTO rows (kind, key, value, seq) VALUES (?, ?, ?, ?)",
                                   (kind, key, text, seq))
                db.execute("INSERT INTO log (version, writes) VALUES (?, ?)",
                           (version, json.dumps(list(writes), separators=(",", ":"))))
                db.execute("COMMIT")
            except BaseException:
                db.execute("ROLLBACK")
                raise
        return int(version)

    def changes_since(self, version: int) -> list[Commit]:
        with self.lock:
            found = self.db.execute("SELECT version, writes FROM log WHERE version > ? "
                                    "ORDER BY version", (version,)).fetchall()
        return [Commit(v, tuple(tuple(w) for w in json.loads(text)))  # type: ignore[misc]
                for v, text in found]

    def close(self) -> None:
        with self.lock:
            self.db.close()


# What a failing store raises (a full disk, an I/O error, a database locked by another process):
# the API answers ServiceUnavailable and nothing is acknowledged or changed in memory.
STORE_FAILURES: tuple[type[BaseException], ...] = (sqlite3.Error, OSError)


def open_store(state_dir: str | Path | None) -> Store:
    """SQLite under ``state_dir``, or memory when None."""
    return MemoryStore() if state_dir is None else SqliteStore(state_dir)


__all__ = ["STORE_FAILURES", "Commit", "Loaded", "MemoryStore", "SqliteStore", "Store",
           "StoreMoved", "Write", "open_store"]
