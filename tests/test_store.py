"""The store under the collector: one writer thread, group commit, futures, memos."""

import os
import sqlite3
import stat
import threading
import time

import pytest
from conftest import SHOP, Api

from harness.collector import create_app, state
from harness.collector.store import Store


@pytest.fixture
def store(tmp_path):
    store = Store(tmp_path / "store.sqlite3")
    yield store
    store.close()


def _insert_all(db, items):
    for item in items:
        if item == "bad":
            raise ValueError("bad item")
        db.execute("INSERT INTO meta (key, value) VALUES (?, 'v')", (item,))
    return [f"stored {item}" for item in items]


def _keys(store):
    return {row["key"] for row in store.query("SELECT key FROM meta WHERE key != 'secret'")}


def _blocked(store):
    """Hold the writer busy until the returned event is set, so work queues behind it."""
    release, busy = threading.Event(), threading.Event()

    def hold(db):
        busy.set()
        release.wait(10)

    threading.Thread(target=store.transact, args=(hold,)).start()
    busy.wait(5)
    return release


def test_work_queued_together_is_committed_together_and_each_answered(store):
    release = _blocked(store)
    futures = [store.submit("k", f"item{n}", _insert_all) for n in range(16)]
    before = store._version
    release.set()
    answers = [future.result(10) for future in futures]
    assert answers == [f"stored item{n}" for n in range(16)]
    assert _keys(store) == {f"item{n}" for n in range(16)}
    # One commit for the work that held the writer, one for all sixteen.
    assert store._version - before == 2, "the sixteen queued items took more than one commit"


def test_a_failing_item_fails_only_its_own_caller(store):
    # Queued together, the group fails as a whole; each item is then retried alone.
    release = _blocked(store)
    good, bad, other = (store.submit("k", item, _insert_all) for item in ("good", "bad", "other"))
    release.set()
    assert good.result(10) == "stored good" and other.result(10) == "stored other"
    with pytest.raises(ValueError, match="bad item"):
        bad.result(10)
    assert _keys(store) == {"good", "other"}


def test_a_failing_transaction_rolls_back_only_its_own_work(store):
    release = _blocked(store)

    def half_then_fail(db):
        db.execute("INSERT INTO meta (key, value) VALUES ('half', 'v')")
        raise RuntimeError("no")

    failing = store.submit(None, half_then_fail, lambda db, works: [works[0](db)])
    fine = store.submit("k", "fine", _insert_all)
    release.set()
    with pytest.raises(RuntimeError):
        failing.result(10)
    assert fine.result(10) == "stored fine"
    assert _keys(store) == {"fine"}


def test_committed_work_is_readable_from_other_threads_at_once(store):
    store.transact(lambda db: db.execute("INSERT INTO meta (key, value) VALUES ('seen', 'v')"))
    found = []
    reader = threading.Thread(target=lambda: found.append(_keys(store)))
    reader.start()
    reader.join()
    assert found == [{"seen"}]


def test_later_work_runs_after_the_commit_and_its_failure_reaches_nobody(store):
    order = []

    def follow_up(db):
        order.append(("follow-up", _keys(store)))
        raise RuntimeError("a journey step failed")

    def work(db):
        db.execute("INSERT INTO meta (key, value) VALUES ('first', 'v')")
        store.after_commit(follow_up)
        return "answered"

    assert store.transact(work) == "answered"
    store.transact(lambda db: order.append(("next", None)))  # queued after the follow-up
    assert order == [("follow-up", {"first"}), ("next", None)]


def test_later_work_of_a_rolled_back_unit_is_dropped(store):
    ran = []

    def work(db):
        store.after_commit(lambda db: ran.append(1))
        raise ValueError("rolled back")

    with pytest.raises(ValueError):
        store.transact(work)
    store.transact(lambda db: None)
    assert ran == []


def test_memo_is_kept_until_a_write_says_it_changed(store):
    loads = []

    def load():
        loads.append(1)
        return sorted(_keys(store))

    assert store.cached("keys", load) == []
    store.transact(lambda db: db.execute("INSERT INTO meta (key, value) VALUES ('quiet', 'v')"))
    assert store.cached("keys", load) == [] and len(loads) == 1  # nobody said it changed

    def loud(db):
        db.execute("INSERT INTO meta (key, value) VALUES ('loud', 'v')")
        store.changed()

    store.transact(loud)
    assert store.cached("keys", load) == ["loud", "quiet"] and len(loads) == 2


def test_memo_read_inside_a_rolled_back_write_is_dropped(store):
    def ghost(db):
        db.execute("INSERT INTO meta (key, value) VALUES ('ghost', 'v')")
        store.changed()
        assert store.cached("keys", lambda: sorted(_keys(store)))  # reads its own write
        raise RuntimeError("roll back")

    with pytest.raises(RuntimeError):
        store.transact(ghost)
    assert store.cached("keys", lambda: sorted(_keys(store))) == []


def _queued(store, count):
    """Wait until *count* units wait in the writer's queue (behind a blocked one)."""
    deadline = time.monotonic() + 5
    while store._writer._queue.qsize() < count:
        assert time.monotonic() < deadline, "the work never queued"
        time.sleep(0.01)


def test_work_committed_after_a_change_reads_the_change_not_the_memo(store):
    assert store.cached("keys", lambda: sorted(_keys(store))) == []
    release = _blocked(store)

    def change(db):
        db.execute("INSERT INTO meta (key, value) VALUES ('opted_out', 'v')")
        store.changed()

    seen = []
    first = threading.Thread(target=store.transact, args=(change,))
    first.start()
    _queued(store, 1)
    later = threading.Thread(target=store.transact, args=(
        lambda db: seen.append(store.cached("keys", lambda: sorted(_keys(store)))),))
    later.start()
    _queued(store, 2)
    release.set()  # both in one group commit, the change first
    first.join(10)
    later.join(10)
    assert seen == [["opted_out"]]
    assert store.cached("keys", lambda: sorted(_keys(store))) == ["opted_out"]


def test_a_delivery_committed_with_an_opt_out_is_not_recorded(tmp_path):
    app = create_app({"DATABASE": str(tmp_path / "c.sqlite3"), "SITES": {"shop": SHOP}})
    client, store = app.test_client(), state.store_of(app)
    try:
        api = Api(client)
        profile = api.profile(consent="opted_in")
        context = api.context_for(profile)
        assert api.collect([api.visit("before")], context=context).status_code == 202
        release = _blocked(store)  # the profile's consent is in the memo now
        answers = {}
        opt_out = threading.Thread(target=lambda: answers.setdefault("patch", client.patch(
            f"/api/profiles/{profile}", json={"consent": "opted_out"}).status_code))
        opt_out.start()
        _queued(store, 1)
        visit = threading.Thread(target=lambda: answers.setdefault("collect", api.collect(
            [api.visit("after")], context=context).json))
        visit.start()
        _queued(store, 2)
        release.set()
        opt_out.join(10)
        visit.join(10)
        assert answers["patch"] == 200
        recorded = [i["event_id"] for i in client.get(
            f"/api/interactions?profile={profile}&type=website_visited").json]
        assert recorded == ["before"], (recorded, answers["collect"])
    finally:
        store.close()


def test_waits_for_another_process_holding_the_lock(store):
    locker = sqlite3.connect(store.path, isolation_level=None, check_same_thread=False)
    locker.execute("BEGIN IMMEDIATE")
    timer = threading.Timer(0.3, lambda: locker.execute("ROLLBACK"))
    timer.start()
    assert store.write_in_batch("k", "late", _insert_all) == "stored late"  # waited, then stored
    timer.join()
    assert _keys(store) == {"late"}


def test_database_file_is_private_to_its_owner(tmp_path):
    path = tmp_path / "private.sqlite3"
    Store(path).secret()
    for name in (path, path.with_name(path.name + "-wal")):
        if name.exists():
            assert stat.S_IMODE(os.stat(name).st_mode) == 0o600, name


def test_an_existing_readable_database_is_made_private(tmp_path):
    path = tmp_path / "old.sqlite3"
    sqlite3.connect(path).close()
    os.chmod(path, 0o644)
    Store(path).close()
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600


def test_writer_refuses_to_wait_on_itself(store):
    def nested(db):
        store.transact(lambda db: None)

    with pytest.raises(RuntimeError, match="its own queue"):
        store.transact(nested)


def test_work_failing_alone_leaves_nothing_behind(store):
    def half_then_fail(db):
        db.execute("INSERT INTO meta (key, value) VALUES ('half', 'v')")
        raise RuntimeError("no")

    with pytest.raises(RuntimeError):
        store.transact(half_then_fail)
    assert _keys(store) == set()
    assert store.transact(lambda db: "still writing") == "still writing"


def test_a_closed_store_refuses_work(tmp_path):
    closed = Store(tmp_path / "closed.sqlite3")
    closed.close()
    with pytest.raises(RuntimeError, match="closed"):
        closed.transact(lambda db: None)


def test_a_database_held_busy_fails_a_queued_group_at_once_not_item_by_item(store):
    # Another process holds the lock past the busy timeout: retrying each item of the group
    # alone would wait that timeout once more per item (a 500-item group: 500 × 10 s).
    begun = []
    store.transact(lambda db: (db.execute("PRAGMA busy_timeout=50"), db.set_trace_callback(
        lambda sql: begun.append(sql) if sql.startswith("BEGIN") else None)))
    locker = sqlite3.connect(store.path, isolation_level=None, check_same_thread=False)
    try:
        locker.execute("BEGIN IMMEDIATE")
        begun.clear()
        # The first item is taken alone; the other nineteen queue behind its wait, as a group.
        futures = [store.submit("k", f"item{n}", _insert_all) for n in range(20)]
        for future in futures:
            with pytest.raises(sqlite3.OperationalError, match="locked"):
                future.result(10)
        assert len(begun) <= 3, f"the group was retried item by item: {len(begun)} BEGINs"
    finally:
        locker.close()
    assert store.write_in_batch("k", "after", _insert_all) == "stored after"
    assert _keys(store) == {"after"}


def test_a_relative_database_path_is_checked_where_it_was_opened(tmp_path, monkeypatch):
    # Each write checks the file is still the one opened: by its absolute path, so a later
    # change of the working directory is no "removed" database.
    (tmp_path / "a").mkdir()
    monkeypatch.chdir(tmp_path / "a")
    store = Store("rel.sqlite3")
    try:
        monkeypatch.chdir(tmp_path)
        assert store.write_in_batch("k", "moved", _insert_all) == "stored moved"
    finally:
        store.close()


@pytest.fixture
def slow_handoff(tmp_path, monkeypatch):
    """A store whose writer, once a commit is readable, is slow to go on (a loaded
    machine): it loses the CPU before it has even queued the commit's follow-ups."""
    real = Store._ended

    def slow(self, committed):
        real(self, committed)
        time.sleep(0.3)

    monkeypatch.setattr(Store, "_ended", slow)
    store = Store(tmp_path / "slow.sqlite3")
    yield store
    store.close()


def _commit_with_follow_up(store, order):
    """Commit 'first' from another thread, with a follow-up; return once it is readable."""
    def work(db):
        db.execute("INSERT INTO meta (key, value) VALUES ('first', 'v')")
        store.after_commit(lambda db: order.append("follow-up"))

    threading.Thread(target=store.transact, args=(work,)).start()
    assert store.wait_until(lambda: "first" in _keys(store), 5)


def test_a_reader_that_saw_a_commit_waits_for_its_follow_ups(slow_handoff):
    order = []
    _commit_with_follow_up(slow_handoff, order)
    assert slow_handoff.caught_up(5) and order == ["follow-up"]


def test_work_asked_for_after_a_commit_was_seen_runs_after_its_follow_ups(slow_handoff):
    # The clock API after a visit was seen: the visit's journey work goes first.
    order = []
    _commit_with_follow_up(slow_handoff, order)
    slow_handoff.transact(lambda db: order.append("next"))
    assert order == ["follow-up", "next"]
