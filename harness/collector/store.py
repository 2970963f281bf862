"""The collector's storage: one SQLite file in WAL mode, one writer thread, many readers.

Every write is a unit of work handed to the writer thread (:meth:`Store.transact`,
:meth:`Store.grouped`). The writer owns one stdlib ``sqlite3`` connection; it takes
whatever work is queued, runs it all in one transaction (group commit), each unit inside
its own savepoint, and answers each caller through a :class:`concurrent.futures.Future`
only once the transaction is committed. A unit that fails is rolled back to its
savepoint (a group of items is then retried item by item), so only its caller sees the
error. Readers use their own connection per thread. Waiters (the API's ``wait=``) are
woken after each commit, so a reader that was told an event is stored can read it back.
"""

from __future__ import annotations

import json
import logging
import os
import queue
import secrets
import sqlite3
import threading
import time
from collections.abc import Callable, Hashable
from concurrent.futures import Future
from pathlib import Path
from typing import Any, TypeVar

log = logging.getLogger(__name__)

T = TypeVar("T")

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
-- An event id is claimed by the interaction recorded under it, per profile: a retried
-- delivery is stored once, and nobody else's delivery can make a recorded one vanish.
CREATE UNIQUE INDEX IF NOT EXISTS interactions_event ON interactions (profile_id, event_id);
CREATE TABLE IF NOT EXISTS rejected (
    seq INTEGER PRIMARY KEY, event_id TEXT, reason TEXT NOT NULL,
    detail TEXT NOT NULL, site TEXT, type TEXT, received_at TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS counters (
    name TEXT NOT NULL, reason TEXT NOT NULL, n INTEGER NOT NULL,
    PRIMARY KEY (name, reason));
-- A batch of deliveries stored by one INSERT into this view (JSON arrays in, SQLite takes
-- them apart): one statement is its own transaction, and one call from Python.
--   interactions: [[profile_id, site, event], ...]  rejected: [[event_id, reason, detail,
--   site, type], ...]  counts: [[name, reason, n], ...]  attempted: len(interactions)
CREATE VIEW IF NOT EXISTS ingest_batch AS SELECT NULL AS interactions, NULL AS rejected,
    NULL AS counts, NULL AS attempted, NULL AS received_at;
CREATE TRIGGER IF NOT EXISTS ingest_batch_insert INSTEAD OF INSERT ON ingest_batch BEGIN
    INSERT INTO rejected (event_id, reason, detail, site, type, received_at)
        SELECT json_extract(value, '$[0]'), json_extract(value, '$[1]'),
               json_extract(value, '$[2]'), json_extract(value, '$[3]'),
               json_extract(value, '$[4]'), NEW.received_at FROM json_each(NEW.rejected);
    -- An event id is claimed per profile: a retry is left out, and counted as a duplicate.
    INSERT INTO interactions (event_id, type, profile_id, site, occurred_at, received_at,
                              fields)
        SELECT json_extract(value, '$[2].event_id'), json_extract(value, '$[2].type'),
               json_extract(value, '$[0]'), json_extract(value, '$[1]'),
               json_extract(value, '$[2].occurred_at'), NEW.received_at,
               json_remove(json_extract(value, '$[2]'), '$.event_id', '$.type',
                           '$.occurred_at')
        FROM json_each(NEW.interactions) WHERE true
        ON CONFLICT (profile_id, event_id) DO NOTHING;
    -- changes(): the rows the insert above stored.
    INSERT INTO counters (name, reason, n)
        SELECT name, '', n FROM (SELECT 'recorded' AS name, changes() AS n
                                 UNION ALL SELECT 'received', changes()
                                 UNION ALL SELECT 'duplicates', NEW.attempted - changes())
        WHERE n > 0 ON CONFLICT (name, reason) DO UPDATE SET n = n + excluded.n;
    INSERT INTO counters (name, reason, n)
        SELECT json_extract(value, '$[0]'), json_extract(value, '$[1]'),
               json_extract(value, '$[2]') FROM json_each(NEW.counts) WHERE true
        ON CONFLICT (name, reason) DO UPDATE SET n = n + excluded.n;
END;
"""

# Work units committed together at most; more wait for the next transaction.
MAX_BATCH = 500


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


def private_file(path: str) -> None:
    """Create *path* readable by its owner only (it holds the signing secret), or make it so."""
    try:
        os.close(os.open(path, os.O_CREAT | os.O_WRONLY, 0o600))
        os.chmod(path, 0o600)
    except PermissionError:
        log.warning("cannot make %s private to its owner", path)


class _Work:
    """A unit handed to the writer: ``apply(db, items)`` answering each item, one future each.

    With ``key`` None the unit is alone; units with the same key queued back to back are
    applied together in one call (a burst of deliveries costs set-based statements).
    ``raw`` units run outside any transaction (schema scripts, which commit on their own).
    ``atomic`` units make at most one write statement (after any reads), which is a
    transaction by itself: alone in a batch, they run without BEGIN and COMMIT.
    """

    __slots__ = ("key", "item", "apply", "future", "raw", "atomic")

    def __init__(self, key, item, apply, raw=False, atomic=False) -> None:
        self.key, self.item, self.apply, self.raw, self.atomic = key, item, apply, raw, atomic
        self.future: Future = Future()


class Store:
    """Thread-safe access to the SQLite database at *path*."""

    def __init__(self, path: str | Path, synchronous: str = "NORMAL") -> None:
        self.path = str(path)
        self.synchronous = synchronous
        self._local = threading.local()
        self._changed = threading.Condition()
        self._version = 0
        self._memos: dict[str, tuple[int, Any]] = {}
        self._memo_generation = 0
        self._memos_stale = False  # set inside a write, acted on when it ends
        self._queue: queue.SimpleQueue = queue.SimpleQueue()
        self._later: list[Callable[[sqlite3.Connection], object]] = []
        if self.path != ":memory:":
            Path(self.path).parent.mkdir(parents=True, exist_ok=True)
            private_file(self.path)
        self._writer_db = self._open()
        self._thread = threading.Thread(target=self._run, name="webtrack-writer", daemon=True)
        self._thread.start()
        self.script(SCHEMA)

    # -- connections ------------------------------------------------------------------

    def _open(self) -> sqlite3.Connection:
        db = sqlite3.connect(self.path, isolation_level=None, check_same_thread=False)
        db.row_factory = sqlite3.Row
        # NORMAL in WAL mode survives a killed process; FULL also survives power loss.
        db.executescript(f"PRAGMA journal_mode=WAL; PRAGMA synchronous={self.synchronous};")
        db.execute("PRAGMA busy_timeout=10000")
        return db

    def connection(self) -> sqlite3.Connection:
        """Return this thread's connection (the writer's own, in the writer thread)."""
        db = getattr(self._local, "db", None)
        if db is None:
            db = self._local.db = self._open()
        return db

    def close(self) -> None:
        """Finish the queued work, stop the writer and close its connection."""
        if self._thread.is_alive():
            self._queue.put(None)
            self._thread.join(10)

    # -- writing: callers ---------------------------------------------------------------

    def submit(self, key: Hashable | None, item: object,
               apply: Callable[[sqlite3.Connection, list], list], atomic: bool = False) -> Future:
        """Queue *item* for the writer; the future answers ``apply(db, [..item..])``'s
        answer for it once committed, or raises the error it caused. With *atomic*,
        ``apply`` promises at most one write statement, its last SQL but for reads."""
        if threading.current_thread() is self._thread:
            raise RuntimeError("the writer cannot wait for its own queue")
        if not self._thread.is_alive():
            raise RuntimeError("the store is closed")
        work = _Work(key, item, apply, atomic=atomic)
        self._queue.put(work)
        return work.future

    def grouped(self, key: Hashable, item: object,
                apply: Callable[[sqlite3.Connection, list], list], atomic: bool = False) -> Any:
        """Return ``apply(db, items)``'s answer for *item*, committed with the others queued."""
        return self.submit(key, item, apply, atomic).result()

    def transact(self, work: Callable[[sqlite3.Connection], T]) -> T:
        """Run ``work(db)`` in a write transaction and return its result once committed."""
        return self.submit(None, work, _call_one).result()

    def later(self, work: Callable[[sqlite3.Connection], object]) -> None:
        """From inside a write: run ``work(db)`` in a transaction of its own after this
        one commits (dropped if it does not). Its failure is logged, never the caller's.

        Queued before the committed callers are answered, so any write they make next
        (reading journeys settles them first) comes after it.
        """
        if threading.current_thread() is not self._thread:
            raise RuntimeError("later() is for work running in the writer")
        self._later.append(work)

    def script(self, sql: str) -> None:
        """Run a schema script (which commits by itself) in the writer."""
        work = _Work(None, sql, None, raw=True)
        self._queue.put(work)
        work.future.result()

    # -- writing: the writer thread -----------------------------------------------------

    def _run(self) -> None:
        self._local.db = self._writer_db
        while True:
            work = self._queue.get()
            if work is None:
                break
            batch = [work]
            while len(batch) < MAX_BATCH and not work.raw:
                try:
                    nxt = self._queue.get_nowait()
                except queue.Empty:
                    break
                if nxt is None or nxt.raw:
                    self._queue.put(nxt)  # after this batch; order among those is kept
                    break
                batch.append(nxt)
            if work.raw:
                self._raw(work)
            else:
                self._commit(batch)
        self._writer_db.close()

    def _raw(self, work: _Work) -> None:
        try:
            self._writer_db.executescript(work.item)
        except Exception as exc:
            work.future.set_exception(exc)
        else:
            work.future.set_result(None)

    def _commit(self, batch: list[_Work]) -> None:
        db = self._writer_db
        units = _units(batch)
        answers: list[tuple[_Work, object, BaseException | None]] = []
        # Every statement hands the GIL to the request threads and waits to get it back:
        # a lone atomic unit's one write is its own transaction, with no BEGIN or COMMIT.
        alone = len(units) == 1 and all(work.atomic for work in batch)
        changes = db.total_changes
        try:
            if not alone:
                db.execute("BEGIN IMMEDIATE")
            if len(units) == 1:
                # One unit needs no savepoint (each statement costs the writer a wait for
                # the GIL): if it fails, the transaction is rolled back and retried below.
                answers = self._apply_whole(db, units[0])
            else:
                for unit in units:
                    answers.extend(self._apply(db, unit))
            if not alone:
                db.execute("COMMIT")
        except Exception as exc:  # the unit, or the transaction itself (disk full ...)
            if db.in_transaction:
                db.execute("ROLLBACK")
            self._later.clear()
            self._memos_stale = True  # a memo may have been read from the rolled-back part
            self._drop_memos_if_stale()
            if alone and db.total_changes != changes:
                # The write was made and then something failed: say so, never write twice.
                for work in batch:
                    work.future.set_exception(exc)
                return
            if len(units) == 1 and len(batch) > 1:
                for work in batch:
                    self._commit([work])  # each alone: only the failing one sees its error
                return
            for work in batch:
                work.future.set_exception(exc)
            return
        self._drop_memos_if_stale()
        with self._changed:
            self._version += 1
            self._changed.notify_all()
        for follow_up in self._later:
            work = _Work(None, follow_up, _call_one)
            work.future.add_done_callback(_log_failure)
            self._queue.put(work)
        self._later.clear()
        for work, answer, error in answers:
            if error is None:
                work.future.set_result(answer)
            else:
                work.future.set_exception(error)

    @staticmethod
    def _apply_whole(db: sqlite3.Connection, unit: list[_Work]) -> list:
        results = unit[0].apply(db, [work.item for work in unit])
        if len(results) != len(unit):
            raise RuntimeError("apply answered a different number of items")
        return [(work, answer, None) for work, answer in zip(unit, results, strict=True)]

    def _apply(self, db: sqlite3.Connection, unit: list[_Work]) -> list:
        """Apply one unit inside a savepoint; if it fails, roll it back and retry each item."""
        db.execute("SAVEPOINT unit")
        later = len(self._later)
        try:
            results = unit[0].apply(db, [work.item for work in unit])
            if len(results) != len(unit):
                raise RuntimeError("apply answered a different number of items")
        except Exception as exc:
            db.execute("ROLLBACK TO unit")
            db.execute("RELEASE unit")
            del self._later[later:]
            self._memos_stale = True  # a memo may have been read from the rolled-back part
            if len(unit) == 1:
                return [(unit[0], None, exc)]
            return [answer for work in unit for answer in self._apply(db, [work])]
        db.execute("RELEASE unit")
        return [(work, answer, None) for work, answer in zip(unit, results, strict=True)]

    # -- memos: configuration read on every delivery, kept in memory --------------------

    def memo(self, name: str, load: Callable[[], T]) -> T:
        """Return ``load()``, computed again only after a write that called :meth:`changed`.

        For what every delivery reads and almost nothing writes (the registered sites,
        the tracking settings). The collector owns its database; another process's
        writes are not seen here.
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
        """Say the open write changes what memos hold: they are dropped when it ends."""
        self._memos_stale = True

    # -- reading ----------------------------------------------------------------------

    def query(self, sql: str, params: tuple | dict = ()) -> list[sqlite3.Row]:
        """Run a read query and return all rows."""
        return self.connection().execute(sql, params).fetchall()

    def one(self, sql: str, params: tuple | dict = ()) -> sqlite3.Row | None:
        """Run a read query and return its first row, or None."""
        return self.connection().execute(sql, params).fetchone()

    def wait_until(self, ready: Callable[[], T], timeout: float, every: float = 0.02) -> T:
        """Return ``ready()`` once it is truthy or *timeout* seconds have passed.

        ``ready()`` is asked again after each commit, but at most once per *every*
        seconds: under a stream of commits, waiters do not query on every one of them.
        """
        deadline = time.monotonic() + timeout
        while True:
            with self._changed:
                seen = self._version
            asked = time.monotonic()
            result = ready()
            remaining = deadline - time.monotonic()
            if result or remaining <= 0:
                return result
            with self._changed:
                if self._version == seen:
                    self._changed.wait(remaining)
            pause = min(asked + every, deadline) - time.monotonic()
            if pause > 0:
                time.sleep(pause)

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
            self.transact(lambda db: db.execute(
                "INSERT OR IGNORE INTO meta (key, value) VALUES ('secret', ?)",
                (secrets.token_urlsafe(32),)))
            value = self.meta("secret")
        if value is None:
            raise RuntimeError("the signing secret could not be stored")
        return value

    def reset(self) -> None:
        """Empty every table (journeys' too), keeping only the signing secret."""
        def empty(db: sqlite3.Connection) -> None:
            tables = [r["name"] for r in db.execute(
                "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'")]
            for table in tables:
                if table != "meta":
                    db.execute(f"DELETE FROM {table}")
            db.execute("DELETE FROM meta WHERE key != 'secret'")
            self.changed()

        self.transact(empty)

    # -- counters --------------------------------------------------------------------

    @staticmethod
    def insert_rows(db: sqlite3.Connection, table: str, rows: list[tuple],
                    conflict: str = "") -> None:
        """Insert *rows* into ``table (columns)`` with one statement, then *conflict*.

        The rows go in as one JSON array rather than through ``executemany``: the sqlite3
        module hands the GIL back around every row's step, and with request threads
        wanting it, each hand-back costs the writer a wait of up to a switch interval.
        """
        if rows:
            columns = ", ".join(f"json_extract(value, '$[{i}]')" for i in range(len(rows[0])))
            # "WHERE true" lets an ON CONFLICT clause follow a SELECT (SQLite's parsing rule).
            db.execute(f"INSERT INTO {table} SELECT {columns} FROM json_each(?) WHERE true "
                       f"{conflict}", (json.dumps(rows),))

    @staticmethod
    def count_many(db: sqlite3.Connection, rows: list[tuple[str, str, int]]) -> None:
        """Add each (name, reason, n) to its counter."""
        Store.insert_rows(db, "counters (name, reason, n)", rows,
                          "ON CONFLICT (name, reason) DO UPDATE SET n = n + excluded.n")

    def counters(self) -> dict[str, dict[str, int]]:
        out: dict[str, dict[str, int]] = {}
        for row in self.query("SELECT name, reason, n FROM counters"):
            out.setdefault(row["name"], {})[row["reason"]] = row["n"]
        return out


def _units(batch: list[_Work]) -> list[list[_Work]]:
    """Split *batch* into units, in order: runs of one key together, keyless work alone."""
    units: list[list[_Work]] = []
    for work in batch:
        if units and work.key is not None and units[-1][0].key == work.key:
            units[-1].append(work)
        else:
            units.append([work])
    return units


def _call_one(db: sqlite3.Connection, works: list) -> list:
    return [works[0](db)]


def _log_failure(future: Future) -> None:
    if future.exception() is not None:
        log.error("follow-up work failed", exc_info=future.exception())
