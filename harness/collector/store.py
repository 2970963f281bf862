"""The collector's storage: one SQLite file in WAL mode, one writer thread, many readers.

Every write is a unit of work handed to the writer thread (:meth:`Store.transact`,
:meth:`Store.write_in_batch`; see :mod:`.writer` for how it commits). Readers use their own
connection per thread. Waiters (the API's ``wait=``) are woken after each commit, so a
reader that was told an event is stored can read it back. What every delivery reads and
almost nothing writes is kept in memory (:meth:`Store.cached`).
"""

from __future__ import annotations

import json
import logging
import os
import secrets
import sqlite3
import threading
import time
from collections.abc import Callable, Hashable
from concurrent.futures import Future
from pathlib import Path
from typing import Any, TypeVar

from .tables import SCHEMA
from .writer import DatabaseGone, Writer, call_one

log = logging.getLogger(__name__)

T = TypeVar("T")


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


def _identity(path: str) -> tuple[int, int] | None:
    """The file at *path* as the system knows it (device, inode); None for an in-memory
    database or when it cannot be read now; ``(-1, -1)`` when nothing is there."""
    if path == ":memory:" or path.startswith("file:"):
        return None
    try:
        info = os.stat(path)
    except FileNotFoundError:
        return (-1, -1)
    except OSError:  # unreadable for now (a permission, a stale mount): not known to differ
        return None
    return (info.st_dev, info.st_ino)


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
        self._on_close: list[Callable[[], None]] = []
        if self.path != ":memory:":
            Path(self.path).parent.mkdir(parents=True, exist_ok=True)
            private_file(self.path)
        writer_db = self._open()
        # Checked by its absolute path: a later chdir must not look like a removed file.
        self._file_path = self.path if self.path == ":memory:" else os.path.abspath(self.path)
        self._file = _identity(self._file_path)
        self._writer = Writer(writer_db, undone=self._undone, ended=self._ended,
                              check=self.check_file)
        self.script(SCHEMA)

    def check_file(self) -> None:
        """Raise :class:`DatabaseGone` when the database file is no longer the one opened
        (removed, or replaced): a write would go to a file no one will read again, and a
        new connection would open an empty one."""
        now = _identity(self._file_path) if self._file is not None else None
        if now is not None and now != self._file:
            raise DatabaseGone(f"the database file {self.path} was removed or replaced "
                               "while the collector ran")

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
        if threading.current_thread() is self._writer.thread:
            return self._writer.db
        db = getattr(self._local, "db", None)
        if db is None:
            self.check_file()
            db = self._local.db = self._open()
        return db

    def close(self) -> None:
        """Stop what works on the store (:meth:`on_close`), finish the queued work, stop
        the writer and close its connection."""
        for stop in self._on_close:
            stop()
        self._writer.close()

    def on_close(self, stop: Callable[[], None]) -> None:
        """Call ``stop()`` when the store closes, before the writer finishes (a thread
        that submits work stops first)."""
        self._on_close.append(stop)

    # -- writing: each goes through the writer thread -----------------------------------

    def submit(self, key: Hashable | None, item: object,
               apply: Callable[[sqlite3.Connection, list], list], atomic: bool = False) -> Future:
        """Queue *item* for the writer; the future answers ``apply(db, [..item..])``'s
        answer for it once committed, or raises the error it caused. With *atomic*,
        ``apply`` promises at most one write statement, its last SQL but for reads."""
        return self._writer.submit(key, item, apply, atomic)

    def write_in_batch(self, key: Hashable, item: object,
                apply: Callable[[sqlite3.Connection, list], list], atomic: bool = False) -> Any:
        """Return ``apply(db, items)``'s answer for *item*, committed with the others queued."""
        return self._writer.submit(key, item, apply, atomic).result()

    def transact(self, work: Callable[[sqlite3.Connection], T]) -> T:
        """Run ``work(db)`` in a write transaction and return its result once committed."""
        return self._writer.submit(None, work, call_one).result()

    def after_commit(self, work: Callable[[sqlite3.Connection], object]) -> None:
        """From inside a write: run ``work(db)`` in a transaction of its own after this
        one commits (dropped if it does not), before any work queued meanwhile. Its failure
        is logged, never the caller's.

        Whoever saw the write commit (its caller, or a reader of what it stored) and then
        waits with :meth:`caught_up` sees its effects.
        """
        self._writer.after_commit(work)

    def caught_up(self, timeout: float = 10.0) -> bool:
        """Wait until the follow-ups of every write committed so far have committed (or
        failed); False if *timeout* seconds passed first. Writes nothing: a reader calls
        it to see what journeys made of the deliveries it saw stored or was told are."""
        return self._writer.caught_up(timeout)

    def script(self, sql: str) -> None:
        """Run a schema script (which commits by itself) in the writer."""
        self._writer.script(sql)

    def _undone(self) -> None:
        self._memos_stale = True  # a memo may have been read from the rolled-back part

    def _ended(self, committed: bool) -> None:
        self._drop_memos_if_stale()
        if committed:
            with self._changed:
                self._version += 1
                self._changed.notify_all()

    # -- memos: configuration read on every delivery, kept in memory --------------------

    def cached(self, name: str, load: Callable[[], T]) -> T:
        """Return ``load()``, computed again only after a write that called :meth:`changed`.

        For what every delivery reads and almost nothing writes (the registered sites,
        the tracking settings). The collector owns its database; another process's
        writes are not seen here.
        """
        if self._memos_stale and threading.current_thread() is self._writer.thread:
            # Inside a write that has changed what memos hold: work committed with it (an
            # opt-out, then a delivery, in one group commit) reads the change through the
            # write's own connection, and nothing read so is kept.
            return load()
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
        """Say the open write changes what memos hold: the rest of the write reads around
        them, and they are dropped when it ends."""
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
