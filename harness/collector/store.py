"""The collector's storage: one SQLite file in WAL mode, one connection per thread.

Writes go through :meth:`Store.write`, a serialised ``BEGIN IMMEDIATE`` transaction,
or :meth:`Store.grouped`, which commits work that arrives together in one transaction
(group commit) and answers each caller only once it is committed. Waiters (the API's
``wait=``) are woken after each commit, so a reader that was told an event is stored
can always read it back.
"""

from __future__ import annotations

import json
import os
import secrets
import sqlite3
import threading
import time
from collections.abc import Callable, Hashable, Iterator
from contextlib import contextmanager
from pathlib import Path

from . import heldsqlite

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
    seq INTEGER PRIMARY KEY, event_id TEXT NOT NULL,
    type TEXT NOT NULL, profile_id TEXT NOT NULL, site TEXT, occurred_at TEXT NOT NULL,
    received_at TEXT NOT NULL, fields TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS interactions_profile ON interactions (profile_id, type);
CREATE TABLE IF NOT EXISTS rejected (
    seq INTEGER PRIMARY KEY, event_id TEXT, reason TEXT NOT NULL,
    detail TEXT NOT NULL, site TEXT, type TEXT, received_at TEXT NOT NULL);
-- Every event id ever answered, with its outcome, so a retried delivery is stored once
-- (the one index on event ids: interactions and rejected need none of their own).
-- Holds no personal data: an id and one of recorded/rejected/not_recorded.
CREATE TABLE IF NOT EXISTS seen (
    event_id TEXT PRIMARY KEY, outcome TEXT NOT NULL) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS counters (
    name TEXT NOT NULL, reason TEXT NOT NULL, n INTEGER NOT NULL,
    PRIMARY KEY (name, reason));
"""

# Lets any thread waiting for the GIL run; without sched_yield (not POSIX), a zero sleep.
_hand_over_gil = getattr(os, "sched_yield", None) or (lambda: time.sleep(0))

# Commits between checkpoints: a few pages each, so about SQLite's default of 1000 pages.
CHECKPOINT_EVERY = 200


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
        self._queued: dict[Hashable, list[_Queued]] = {}
        self._queue_lock = threading.Lock()
        self._held: heldsqlite.Connection | bool | None = None  # None: not opened yet
        self._leading: set[Hashable] = set()  # keys whose queue a caller is committing
        self._checkpointing = threading.Lock()
        self._memos: dict[str, tuple[int, object]] = {}
        self._memo_generation = 0
        self._memos_stale = False  # set inside a write, acted on at its commit
        self._commits_since_checkpoint = 0
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
            db.executescript(self._setup())
            db.execute("PRAGMA busy_timeout=10000")
            self._local.db = db
        return db

    def _setup(self) -> str:
        # NORMAL in WAL mode survives a killed process; FULL also survives power loss.
        # Checkpoints (which fsync) run outside the write lock: see _checkpoint_if_due.
        return (f"PRAGMA journal_mode=WAL; PRAGMA synchronous={self.synchronous}; "
                "PRAGMA wal_autocheckpoint=0;")

    def _group_connection(self):
        """Return the connection group commits use: one keeping the GIL where possible."""
        if self._held is None:
            usable = heldsqlite.available() and self.path != ":memory:"
            self._held = heldsqlite.Connection(self.path, self._setup()) if usable else False
        return self._held or self.connection()

    @contextmanager
    def write(self) -> Iterator[sqlite3.Connection]:
        """Run a write transaction; commit on success, roll back on any error."""
        with self._write_lock, self._transaction() as db:
            yield db
        self._committed()
        self._checkpoint_if_due()

    @contextmanager
    def _transaction(self, db=None) -> Iterator[sqlite3.Connection]:
        db = db or self.connection()
        db.execute("BEGIN IMMEDIATE")
        try:
            yield db
        except BaseException:
            db.execute("ROLLBACK")
            self._drop_memos_if_stale()  # a memo may have been read from the rolled-back write
            raise
        db.execute("COMMIT")
        self._drop_memos_if_stale()

    def _committed(self) -> None:
        self._commits_since_checkpoint += 1
        with self._changed:
            self._version += 1
            self._changed.notify_all()

    def _checkpoint_if_due(self, every: int = CHECKPOINT_EVERY) -> None:
        """Copy the write-ahead log into the database every *every* commits.

        SQLite would do this inside the committing transaction (its auto-checkpoint),
        fsyncing while holding the write lock, which stalls every writer behind it. Here
        the caller that made the due commit does it after releasing the lock, and only
        one at a time: PASSIVE never blocks writers, which go on appending to the log.
        """
        if self._commits_since_checkpoint < every or not self._checkpointing.acquire(False):
            return
        try:
            self._commits_since_checkpoint = 0
            self.connection().execute("PRAGMA wal_checkpoint(PASSIVE)")
        finally:
            self._checkpointing.release()

    def grouped(self, key: Hashable, item: object,
                apply: Callable[[sqlite3.Connection, list], list]) -> object:
        """Return ``apply(db, items)``'s answer for *item*, committed with the others queued.

        Group commit: every caller queues its item under *key*. One caller at a time leads:
        it takes the whole queue, runs *apply* over it in one transaction, wakes each caller
        whose item it committed, then hands the lead to the longest waiting caller, if any.
        A burst of deliveries costs one commit and set-based statements, not one each, and
        no caller returns before its item is committed. If a group fails, its items are
        retried one by one, so an error reaches only the caller whose item caused it.
        """
        mine = _Queued(item)
        with self._queue_lock:
            self._queued.setdefault(key, []).append(mine)
            leads = key not in self._leading
            self._leading.add(key)
        if not leads:
            mine.wake.wait()  # until it is committed, or handed the lead
        if not mine.done:
            # Hand the GIL over before taking the queue, while the queue still grows (at
            # most three times), so deliveries that other request threads are parsing now
            # join this group (PostgreSQL's commit_delay). sched_yield, not sleep(0), which
            # costs the kernel's 50 us timer slack even when nobody else wants the GIL.
            queued = 0
            for _ in range(3):
                _hand_over_gil()
                now = len(self._queued[key])
                if now == queued:
                    break
                queued = now
            try:
                with self._write_lock:
                    with self._queue_lock:
                        group = self._queued.pop(key)
                    self._run_group(group, apply)
            finally:
                with self._queue_lock:
                    waiting = self._queued.get(key)
                    if waiting:
                        waiting[0].wake.set()
                    else:
                        self._leading.discard(key)
        self._checkpoint_if_due()
        if mine.error is not None:
            raise mine.error
        return mine.answer

    def _run_group(self, group: list[_Queued], apply: Callable) -> None:
        items = [queued.item for queued in group]
        try:
            try:
                with self._transaction(self._group_connection()) as db:
                    answers = apply(db, items)
            except heldsqlite.Busy:
                # Locked by another process: wait for it the sqlite3 way, without the GIL.
                with self._transaction() as db:
                    answers = apply(db, items)
        except BaseException as exc:
            if len(group) == 1 or not isinstance(exc, Exception):
                for queued in group:
                    queued.finish(error=exc)
                if not isinstance(exc, Exception):
                    raise
                return
            for queued in group:
                self._run_group([queued], apply)
            return
        self._committed()
        for queued, answer in zip(group, answers, strict=True):
            queued.finish(answer=answer)

    # -- memos: configuration read on every delivery, kept in memory --------------------

    def memo(self, name: str, load: Callable[[], object]) -> object:
        """Return ``load()``, computed again only after a write that called :meth:`changed`.

        For what every delivery reads and almost nothing writes (the registered sites,
        the tracking settings): a read costs the request thread a hand-back of the GIL.
        The collector owns its database; another process's writes are not seen here.
        """
        generation = self._memo_generation
        cached = self._memos.get(name)
        if cached is not None and cached[0] == generation:
            return cached[1]
        value = load()
        self._memos[name] = (generation, value)
        return value

    def _drop_memos_if_stale(self) -> None:
        if self._memos_stale:
            self._memos_stale = False
            self._memo_generation += 1

    def changed(self) -> None:
        """Say the open write changes what memos hold: they are dropped when it commits."""
        self._memos_stale = True

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
        self.changed()
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
            self.changed()

    # -- counters --------------------------------------------------------------------

    @staticmethod
    def insert_rows(db: sqlite3.Connection, table: str, rows: list[tuple],
                    conflict: str = "") -> None:
        """Insert *rows* into ``table (columns)`` with one statement, then *conflict*.

        The rows go in as one JSON array rather than through ``executemany``: the sqlite3
        module hands the GIL back around every row's step, and with the request threads
        waiting for it each hand-back costs the transaction (and the write lock) a wait.
        """
        if rows:
            columns = ", ".join(f"json_extract(value, '$[{i}]')" for i in range(len(rows[0])))
            # "WHERE true" lets an ON CONFLICT clause follow a SELECT (SQLite's parsing rule).
            db.execute(f"INSERT INTO {table} SELECT {columns} FROM json_each(?) WHERE true "
                       f"{conflict}", (json.dumps(rows),))

    @staticmethod
    def count_many(db: sqlite3.Connection, rows: list[tuple[str, str, int]]) -> None:
        """Add each (name, reason, n) to its counter, in one statement."""
        Store.insert_rows(db, "counters (name, reason, n)", rows,
                          "ON CONFLICT (name, reason) DO UPDATE SET n = n + excluded.n")

    def counters(self) -> dict[str, dict[str, int]]:
        out: dict[str, dict[str, int]] = {}
        for row in self.query("SELECT name, reason, n FROM counters"):
            out.setdefault(row["name"], {})[row["reason"]] = row["n"]
        return out


class _Queued:
    """One caller's item waiting for a group commit, then its answer or error."""

    __slots__ = ("item", "done", "answer", "error", "wake")

    def __init__(self, item: object) -> None:
        self.item, self.done, self.answer, self.error = item, False, None, None
        self.wake = threading.Event()

    def finish(self, answer: object = None, error: BaseException | None = None) -> None:
        self.answer, self.error, self.done = answer, error, True
        self.wake.set()
