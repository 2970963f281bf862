"""The collector's one writer: a thread owning the write connection, committing in groups.

It takes whatever work is queued, runs it all in one transaction (group commit), each unit
inside its own savepoint, and answers each caller through a
:class:`concurrent.futures.Future` only once the transaction is committed. A unit that
fails is rolled back to its savepoint (a group of items is then retried item by item), so
only its caller sees the error; a database held busy by another connection fails the whole
group at once. The store hears of every undone unit and every ended
transaction (its memos and its waiters depend on them).

Work may leave follow-ups (journeys' work on a delivery), committed after it in a
transaction of their own, once its callers are answered. A batch and its follow-ups make one
*round*, and nothing queued is taken before the round ends: a reader that saw a commit waits
for its round (:meth:`Writer.caught_up`) to see what its follow-ups made of it, and a write
made after that commit was seen comes after them.
"""

from __future__ import annotations

import logging
import queue
import sqlite3
import threading
from collections.abc import Callable, Hashable
from concurrent.futures import Future

log = logging.getLogger(__name__)

# Work units committed together at most; more wait for the next transaction.
MAX_BATCH = 500


class DatabaseGone(sqlite3.OperationalError):
    """The database file was removed or replaced under a running collector."""


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


class Writer:
    """The thread that makes every write through *db*.

    *undone* is called when a unit's writes are rolled back; *ended* with True after each
    commit, with False after a transaction was rolled back; *check* before each transaction
    (it raises to fail the whole group).
    """

    def __init__(self, db: sqlite3.Connection, undone: Callable[[], None],
                 ended: Callable[[bool], None], check: Callable[[], None] = lambda: None) -> None:
        self.db = db
        self._undone, self._ended, self._check = undone, ended, check
        self._queue: queue.SimpleQueue = queue.SimpleQueue()
        # Follow-ups asked for by the transaction under way, then those of committed ones.
        self._after_commit: list[Callable[[sqlite3.Connection], object]] = []
        self._follow_ups: list[Callable[[sqlite3.Connection], object]] = []
        # Rounds begun and ended so far: a reader waits for the one under way when it asks.
        self._rounds = threading.Condition()
        self._rounds_begun = self._rounds_ended = 0
        self.thread = threading.Thread(target=self._run, name="webtrack-writer", daemon=True)
        self.thread.start()

    def close(self) -> None:
        """Finish the queued work, stop the thread and close its connection."""
        if self.thread.is_alive():
            self._queue.put(None)
            self.thread.join(10)
        with self._rounds:
            self._rounds.notify_all()  # nobody waits for a round that will not end

    def submit(self, key: Hashable | None, item: object,
               apply: Callable[[sqlite3.Connection, list], list], atomic: bool = False) -> Future:
        """Queue *item* for the writer; the future answers ``apply(db, [..item..])``'s
        answer for it once committed, or raises the error it caused. With *atomic*,
        ``apply`` promises at most one write statement, its last SQL but for reads."""
        if threading.current_thread() is self.thread:
            raise RuntimeError("the writer cannot wait for its own queue")
        if not self.thread.is_alive():
            raise RuntimeError("the store is closed")
        work = _Work(key, item, apply, atomic=atomic)
        self._queue.put(work)
        return work.future

    def after_commit(self, work: Callable[[sqlite3.Connection], object]) -> None:
        """From inside a write: run ``work(db)`` in a transaction of its own after this
        one commits (dropped if it does not), before any work queued meanwhile. Its failure
        is logged, never the caller's.

        It belongs to the round of the write, so whoever saw the write commit (its caller,
        or a reader of what it stored) and then waits with :meth:`caught_up` sees its effects.
        """
        if threading.current_thread() is not self.thread:
            raise RuntimeError("after_commit() is for work running in the writer")
        self._after_commit.append(work)

    def caught_up(self, timeout: float) -> bool:
        """Wait until the round under way, if any, has ended: every commit made so far and
        the follow-ups it asked for (:meth:`after_commit`) are in. Return False if *timeout*
        seconds passed first. Writes nothing.

        A commit is readable before its follow-ups are even asked for (a lone delivery's
        one statement commits as it runs), so counting follow-ups asked for so far would
        miss those of a commit already seen: the round is what contains both.
        """
        if threading.current_thread() is self.thread:
            raise RuntimeError("the writer cannot wait for its own follow-ups")
        with self._rounds:
            target = self._rounds_begun
            return self._rounds.wait_for(
                lambda: self._rounds_ended >= target or not self.thread.is_alive(), timeout)

    def script(self, sql: str) -> None:
        """Run a schema script (which commits by itself) in the writer."""
        work = _Work(None, sql, None, raw=True)
        self._queue.put(work)
        work.future.result()

    # -- the writer thread ------------------------------------------------------------

    def _run(self) -> None:
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
            with self._rounds:
                self._rounds_begun += 1
            try:
                if work.raw:
                    self._raw(work)
                else:
                    self._commit(batch)
                    self._follow_up()
            finally:
                with self._rounds:
                    self._rounds_ended += 1
                    self._rounds.notify_all()
        self.db.close()

    def _follow_up(self) -> None:
        """Commit the follow-ups of what was just committed (and theirs), each in its own
        savepoint, before the writer takes anything queued since."""
        while self._follow_ups:
            works = [_Work(None, follow_up, call_one)
                     for follow_up in self._follow_ups[:MAX_BATCH]]
            del self._follow_ups[:MAX_BATCH]
            for work in works:
                work.future.add_done_callback(_log_failure)
            self._commit(works)

    def _raw(self, work: _Work) -> None:
        try:
            self.db.executescript(work.item)
        except Exception as exc:
            work.future.set_exception(exc)
        else:
            work.future.set_result(None)

    def _commit(self, batch: list[_Work]) -> None:
        db = self.db
        units = _units(batch)
        answers: list[tuple[_Work, object, BaseException | None]] = []
        # Every statement hands the GIL to the request threads and waits to get it back:
        # a lone atomic unit's one write is its own transaction, with no BEGIN or COMMIT.
        alone = len(units) == 1 and all(work.atomic for work in batch)
        changes = db.total_changes
        try:
            self._check()  # the database is still the file everyone reads
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
            self._after_commit.clear()
            self._undone()  # a memo may have been read from the rolled-back part
            self._ended(False)
            if alone and db.total_changes != changes:
                # The write was made and then something failed: say so, never write twice.
                for work in batch:
                    work.future.set_exception(exc)
                return
            if len(units) == 1 and len(batch) > 1 and not database_busy(exc) \
                    and not isinstance(exc, DatabaseGone):
                for work in batch:
                    self._commit([work])  # each alone: only the failing one sees its error
                return
            for work in batch:
                work.future.set_exception(exc)
            return
        self._ended(True)
        self._follow_ups.extend(self._after_commit)
        self._after_commit.clear()
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
        queued = len(self._after_commit)
        try:
            results = unit[0].apply(db, [work.item for work in unit])
            if len(results) != len(unit):
                raise RuntimeError("apply answered a different number of items")
        except Exception as exc:
            db.execute("ROLLBACK TO unit")
            db.execute("RELEASE unit")
            del self._after_commit[queued:]
            self._undone()  # a memo may have been read from the rolled-back part
            if len(unit) == 1:
                return [(unit[0], None, exc)]
            return [answer for work in unit for answer in self._apply(db, [work])]
        db.execute("RELEASE unit")
        return [(work, answer, None) for work, answer in zip(unit, results, strict=True)]


def _units(batch: list[_Work]) -> list[list[_Work]]:
    """Split *batch* into units, in order: runs of one key together, keyless work alone."""
    units: list[list[_Work]] = []
    for work in batch:
        if units and work.key is not None and units[-1][0].key == work.key:
            units[-1].append(work)
        else:
            units.append([work])
    return units


def database_busy(exc: BaseException) -> bool:
    """Whether *exc* says another connection held the database past the busy timeout: no
    item's fault, so retrying each item alone would only wait that timeout again per item.
    (Read from the message: Python 3.10's errors carry no SQLite code.)"""
    return isinstance(exc, sqlite3.OperationalError) and \
        str(exc).startswith(("database is locked", "database table is locked",
                             "database is busy"))


def call_one(db: sqlite3.Connection, works: list) -> list:
    """Apply a lone ``work(db)`` unit (``transact``'s)."""
    return [works[0](db)]


def _log_failure(future: Future) -> None:
    if future.exception() is not None:
        log.error("follow-up work failed", exc_info=future.exception())
