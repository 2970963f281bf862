"""The store under the collector: group commit, memos, and SQLite calls that keep the GIL."""

import sqlite3
import threading

import pytest

from harness.collector import heldsqlite
from harness.collector.store import Store, _Queued


@pytest.fixture
def store(tmp_path):
    return Store(tmp_path / "store.sqlite3")


def _insert_all(db, items):
    for item in items:
        if item == "bad":
            raise ValueError("bad item")
        db.execute("INSERT INTO meta (key, value) VALUES (?, 'v')", (item,))
    return [f"stored {item}" for item in items]


def _keys(store):
    return {row["key"] for row in store.query("SELECT key FROM meta WHERE key != 'secret'")}


def test_concurrent_items_are_committed_together_and_each_answered(store, monkeypatch):
    groups = []
    run_group = Store._run_group

    def counting(self, group, apply):
        groups.append(len(group))
        run_group(self, group, apply)

    monkeypatch.setattr(Store, "_run_group", counting)
    gate = threading.Barrier(16)
    answers = {}

    def put(n):
        gate.wait()
        answers[n] = store.grouped("k", f"item{n}", _insert_all)

    threads = [threading.Thread(target=put, args=(n,)) for n in range(16)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert answers == {n: f"stored item{n}" for n in range(16)}
    assert _keys(store) == {f"item{n}" for n in range(16)}
    assert sum(groups) == 16
    assert max(groups) > 1, "no two items shared a commit"


def test_a_failing_item_fails_only_its_own_caller(store):
    # A group holding a good and a bad item fails as a whole; each is then retried alone.
    good, bad = _Queued("good"), _Queued("bad")
    with store._write_lock:
        store._run_group([good, bad], _insert_all)
    assert (good.answer, good.error) == ("stored good", None)
    assert isinstance(bad.error, ValueError) and bad.answer is None
    assert good.wake.is_set() and bad.wake.is_set()
    assert _keys(store) == {"good"}


def test_memo_is_kept_until_a_write_says_it_changed(store):
    loads = []

    def load():
        loads.append(1)
        return sorted(_keys(store))

    assert store.memo("keys", load) == []
    with store.write() as db:
        db.execute("INSERT INTO meta (key, value) VALUES ('quiet', 'v')")
    assert store.memo("keys", load) == [] and len(loads) == 1  # nobody said it changed
    with store.write() as db:
        db.execute("INSERT INTO meta (key, value) VALUES ('loud', 'v')")
        store.changed()
    assert store.memo("keys", load) == ["loud", "quiet"] and len(loads) == 2


def test_memo_read_inside_a_rolled_back_write_is_dropped(store):
    with pytest.raises(RuntimeError), store.write() as db:
        db.execute("INSERT INTO meta (key, value) VALUES ('ghost', 'v')")
        store.changed()
        assert store.memo("keys", lambda: sorted(_keys(store)))  # reads its own write
        raise RuntimeError("roll back")
    assert store.memo("keys", lambda: sorted(_keys(store))) == []


needs_held = pytest.mark.skipif(not heldsqlite.available(),
                                reason="sqlite3 is not linked against a shared libsqlite3")


@needs_held
def test_held_connection_reads_and_writes_like_sqlite3(tmp_path):
    path = str(tmp_path / "held.sqlite3")
    plain = sqlite3.connect(path)
    plain.execute("CREATE TABLE t (i INTEGER, f REAL, s TEXT, n TEXT, b BLOB)")
    plain.execute("INSERT INTO t VALUES (1, 1.5, 'é', NULL, x'00ff')")
    plain.commit()
    held = heldsqlite.Connection(path, "PRAGMA journal_mode=WAL;")
    cursor = held.execute("INSERT INTO t VALUES (?, ?, ?, ?, NULL)", (2**40, -0.25, "ü\n", None))
    assert cursor.lastrowid == 2
    rows = held.execute("SELECT * FROM t ORDER BY i").fetchall()
    assert [tuple(row) for row in rows] == [(1, 1.5, "é", None, b"\x00\xff"),
                                           (2**40, -0.25, "ü\n", None, None)]
    assert rows[1]["s"] == "ü\n" and rows[1][0] == 2**40 and dict(rows[0])["f"] == 1.5
    assert held.execute("SELECT count(*) AS c FROM t").fetchone()["c"] == 2
    assert held.execute("SELECT 1 WHERE 0").fetchone() is None
    with pytest.raises(sqlite3.OperationalError, match="no such table"):
        held.execute("SELECT * FROM missing")
    with pytest.raises(sqlite3.ProgrammingError, match="cannot bind"):
        held.execute("SELECT ?", (object(),))
    assert plain.execute("SELECT count(*) FROM t").fetchone() == (2,)  # seen by others
    held.close()


@needs_held
def test_held_connection_never_waits_for_a_lock(tmp_path):
    path = str(tmp_path / "held.sqlite3")
    other = sqlite3.connect(path, isolation_level=None)
    other.execute("PRAGMA journal_mode=WAL")
    other.execute("CREATE TABLE t (i INTEGER)")
    other.execute("BEGIN IMMEDIATE")
    held = heldsqlite.Connection(path, "PRAGMA journal_mode=WAL;")
    with pytest.raises(heldsqlite.Busy):
        held.execute("BEGIN IMMEDIATE")
    other.execute("ROLLBACK")
    held.close()


@needs_held
def test_group_falls_back_to_sqlite3_when_another_process_holds_the_lock(store):
    locker = sqlite3.connect(store.path, isolation_level=None, check_same_thread=False)
    locker.execute("BEGIN IMMEDIATE")
    timer = threading.Timer(0.3, lambda: locker.execute("ROLLBACK"))
    timer.start()
    assert store.grouped("k", "late", _insert_all) == "stored late"  # waited, then stored
    timer.join()
    assert _keys(store) == {"late"}


def test_group_commit_works_without_the_held_connection(store, monkeypatch):
    # Where the sqlite3 module is linked statically there is no library to share: sqlite3.
    monkeypatch.setattr(heldsqlite, "available", lambda: False)
    assert store.grouped("k", "plain", _insert_all) == "stored plain"
    assert store._held is False and _keys(store) == {"plain"}


@needs_held
def test_held_connection_keeps_a_bounded_statement_cache(tmp_path):
    path = str(tmp_path / "held.sqlite3")
    sqlite3.connect(path).close()
    held = heldsqlite.Connection(path, "PRAGMA journal_mode=WAL;")
    for n in range(heldsqlite.MAX_STATEMENTS * 2):
        assert held.execute(f"SELECT {n} AS n").fetchone()["n"] == n
    assert len(held._statements) <= heldsqlite.MAX_STATEMENTS
    held.close()
