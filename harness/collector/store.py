"""The collector's storage: one SQLite file in WAL mode, one connection per thread.

Writes go through :meth:`Store.write`, a serialised ``BEGIN IMMEDIATE`` transaction;
waiters (the API's ``wait=``) are woken after each commit, so a reader that was
told an event is stored can always read it back.
"""

from __future__ import annotations

import json
import secrets
import sqlite3
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS sites (id TEXT PRIMARY KEY, origin TEXT NOT NULL UNIQUE);
CREATE TABLE IF NOT EXISTS contact_points (
    email TEXT PRIMARY KEY, consent TEXT NOT NULL DEFAULT 'not_set');
CREATE TABLE IF NOT EXISTS profiles (
    id TEXT PRIMARY KEY, kind TEXT NOT NULL, email TEXT NOT NULL UNIQUE,
    allow_tracking INTEGER, created_at TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS links (
    id TEXT PRIMARY KEY, profile_id TEXT NOT NULL, url TEXT NOT NULL,
    link_tracking INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS forms (
    id TEXT PRIMARY KEY, name TEXT NOT NULL, web_tracking INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS form_submissions (
    id TEXT PRIMARY KEY, form_id TEXT NOT NULL, profile_id TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS interactions (
    seq INTEGER PRIMARY KEY AUTOINCREMENT, event_id TEXT NOT NULL UNIQUE,
    type TEXT NOT NULL, profile_id TEXT NOT NULL, site TEXT, occurred_at TEXT NOT NULL,
    received_at TEXT NOT NULL, fields TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS interactions_profile ON interactions (profile_id, type);
CREATE TABLE IF NOT EXISTS rejected (
    seq INTEGER PRIMARY KEY AUTOINCREMENT, event_id TEXT, reason TEXT NOT NULL,
    detail TEXT NOT NULL, site TEXT, type TEXT, received_at TEXT NOT NULL);
-- Every event id ever answered, with its outcome, so a retried delivery is stored once.
-- Holds no personal data: an id and one of recorded/rejected/not_recorded.
CREATE TABLE IF NOT EXISTS seen (event_id TEXT PRIMARY KEY, outcome TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS counters (
    name TEXT NOT NULL, reason TEXT NOT NULL, n INTEGER NOT NULL,
    PRIMARY KEY (name, reason));
"""



def iso(seconds: float) -> str:
    """Return epoch *seconds* as an ISO 8601 UTC timestamp with milliseconds."""
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(seconds)) + \
        f".{int(seconds % 1 * 1000):03d}Z"


def utcnow() -> str:
    """Return the current time as an ISO 8601 UTC timestamp with milliseconds."""
    return iso(time.time())


def new_id(prefix: str) -> str:
    """Return a fresh random identifier such as ``p_3f9a1c02b7d4``."""
    return f"{prefix}_{secrets.token_hex(6)}"


class Store:
    """Thread-safe access to the SQLite database at *path*."""

    def __init__(self, path: str | Path, synchronous: str = "NORMAL") -> None:
        self.path = str(path)
        self.synchronous = synchronous
        self._local = threading.local()
        self._write_lock = threading.Lock()
        self._changed = threading.Condition()
        self._version = 0
        if self.path != ":memory:":
            Path(self.path).parent.mkdir(parents=True, exist_ok=True)
        # executescript commits on its own, so the schema is made outside write().
        self.connection().executescript(SCHEMA)

    # -- connections and transactions -------------------------------------------------

    def connection(self) -> sqlite3.Connection:
        """Return this thread's connection, opening it on first use."""
        db = getattr(self._local, "db", None)
        if db is None:
            db = sqlite3.connect(self.path, isolation_level=None, check_same_thread=False)
            db.row_factory = sqlite3.Row
            db.execute("PRAGMA journal_mode=WAL")
            # NORMAL in WAL mode survives a killed process; FULL also survives power loss.
            db.execute(f"PRAGMA synchronous={self.synchronous}")
            db.execute("PRAGMA busy_timeout=10000")
            self._local.db = db
        return db

    @contextmanager
    def write(self) -> Iterator[sqlite3.Connection]:
        """Run a write transaction; commit on success, roll back on any error."""
        db = self.connection()
        with self._write_lock:
            db.execute("BEGIN IMMEDIATE")
            try:
                yield db
            except BaseException:
                db.execute("ROLLBACK")
                raise
            db.execute("COMMIT")
        with self._changed:
            self._version += 1
            self._changed.notify_all()

    def query(self, sql: str, params: tuple | dict = ()) -> list[sqlite3.Row]:
        """Run a read query and return all rows."""
        return self.connection().execute(sql, params).fetchall()

    def one(self, sql: str, params: tuple | dict = ()) -> sqlite3.Row | None:
        """Run a read query and return its first row, or None."""
        return self.connection().execute(sql, params).fetchone()

    def wait_until(self, ready: Callable[[], object], timeout: float) -> object:
        """Return ``ready()`` once it is truthy or *timeout* seconds have passed."""
        deadline = time.monotonic() + timeout
        while True:
            with self._changed:
                seen = self._version
            result = ready()
            remaining = deadline - time.monotonic()
            if result or remaining <= 0:
                return result
            with self._changed:
                if self._version == seen:
                    self._changed.wait(remaining)

    # -- meta ------------------------------------------------------------------------

    def meta(self, key: str, default: str | None = None) -> str | None:
        row = self.one("SELECT value FROM meta WHERE key = ?", (key,))
        return row["value"] if row else default

    def set_meta(self, db: sqlite3.Connection, key: str, value: object) -> None:
        db.execute(
            "INSERT INTO meta (key, value) VALUES (?, ?) "
            "ON CONFLICT (key) DO UPDATE SET value = excluded.value",
            (key, json.dumps(value)),
        )

    def secret(self) -> str:
        """Return the signing secret kept in the database, making one on first use."""
        value = self.meta("secret")
        if value is None:
            with self.write() as db:
                db.execute(
                    "INSERT OR IGNORE INTO meta (key, value) VALUES ('secret', ?)",
                    (secrets.token_urlsafe(32),),
                )
            value = self.meta("secret")
        return value

    def reset(self) -> None:
        """Empty every table (journeys' too), keeping only the signing secret."""
        with self.write() as db:
            tables = [r["name"] for r in db.execute(
                "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'")]
            for table in tables:
                if table != "meta":
                    db.execute(f"DELETE FROM {table}")
            db.execute("DELETE FROM meta WHERE key != 'secret'")

    # -- counters --------------------------------------------------------------------

    @staticmethod
    def count_many(db: sqlite3.Connection, rows: list[tuple[str, str, int]]) -> None:
        db.executemany(
            "INSERT INTO counters (name, reason, n) VALUES (?, ?, ?) "
            "ON CONFLICT (name, reason) DO UPDATE SET n = n + excluded.n", rows)

    def counters(self) -> dict[str, dict[str, int]]:
        out: dict[str, dict[str, int]] = {}
        for row in self.query("SELECT name, reason, n FROM counters"):
            out.setdefault(row["name"], {})[row["reason"]] = row["n"]
        return out
