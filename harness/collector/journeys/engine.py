"""Journey runs: pure step functions over a run's state, and the collector's driver of them.

A run is a plain dict: ``status`` (waiting, done, halted, errored), ``step``, ``deadline`` (journey
time, seconds), ``trigger`` and ``match`` (interactions) and ``path`` (what happened, with
the interaction or the window that decided each branch). The pure functions below decide;
:class:`Journeys` loads runs, calls them and stores each run's outcome in a savepoint of
its own, after the interactions it reacts to are committed: a step is never half taken, and
a step that fails (a message that cannot be rendered) marks its run ``errored`` with the
reason, never touching the delivery or the other runs.
"""

from __future__ import annotations

import json
import sqlite3
import time
from datetime import datetime

from .. import people
from ..ingest import interaction_from_row
from ..store import Store, iso, new_id
from . import conditions, render
from .windows import WindowCloser

SCHEMA = """
CREATE TABLE IF NOT EXISTS journeys (
    id TEXT PRIMARY KEY, name TEXT NOT NULL, definition TEXT NOT NULL, created_at TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS journey_runs (
    id INTEGER PRIMARY KEY AUTOINCREMENT, journey_id TEXT NOT NULL, profile_id TEXT NOT NULL,
    status TEXT NOT NULL, step TEXT, entered_at REAL NOT NULL, deadline REAL,
    trigger TEXT NOT NULL, match TEXT, path TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS journey_runs_waiting ON journey_runs (status, profile_id);
CREATE INDEX IF NOT EXISTS journey_runs_deadline ON journey_runs (status, deadline);
CREATE TABLE IF NOT EXISTS outbox (
    seq INTEGER PRIMARY KEY AUTOINCREMENT, journey_id TEXT NOT NULL, run_id INTEGER NOT NULL,
    profile_id TEXT NOT NULL, step TEXT NOT NULL, text TEXT NOT NULL, html TEXT NOT NULL,
    sent_at REAL NOT NULL);
"""


# -- pure decisions ----------------------------------------------------------------------

def new_run(definition: dict, trigger: dict, now: float) -> dict:
    """Return a run entered through *trigger*, at the journey's first step."""
    return {"status": "waiting", "step": definition["start"], "deadline": None,
            "trigger": trigger, "match": None, "path": [], "entered_at": now}


def start(definition: dict, trigger: dict, now: float) -> tuple[dict, list[dict]]:
    """Return a new run entered through *trigger*, moved on until it waits or ends."""
    run = new_run(definition, trigger, now)
    return run, proceed(definition, run, now)


def proceed(definition: dict, run: dict, now: float) -> list[dict]:
    """Take send steps until a branch waits or the path ends; return the messages sent."""
    sent: list[dict] = []
    while run["step"] is not None:
        if len(sent) > len(definition["steps"]):  # validate() refuses cycles: never here
            raise ValueError(f"journey steps loop at {run['step']!r}")
        step = definition["steps"][run["step"]]
        if "if" in step:
            run["status"], run["deadline"] = "waiting", now + step["within_seconds"]
            return sent
        text = render.message(step["send"], run["trigger"], run["match"])
        sent.append({"step": run["step"], **text})
        run["path"].append({"step": run["step"], "outcome": "sent", "at": iso(now)})
        run["step"] = step["next"]
    run["status"], run["deadline"] = "done", None
    return sent


def branch(step: dict, deadline: float, now: float, interaction: dict | None) -> str | None:
    """Decide a waiting branch: ``yes`` on a match in time, ``no`` once the window ended."""
    if interaction is not None and now <= deadline and conditions.matches(step["if"],
                                                                          interaction):
        return "yes"
    if now >= deadline and interaction is None:
        return "no"
    return None


def take(definition: dict, run: dict, now: float, interaction: dict | None) -> list[dict]:
    """Apply an interaction (or the clock, when None) to a waiting run; return messages."""
    if run["status"] != "waiting" or run["deadline"] is None:
        return []
    step = definition["steps"][run["step"]]
    decision = branch(step, run["deadline"], now, interaction)
    if decision is None:
        return []
    record = {"step": run["step"], "outcome": decision,
              "at": iso(min(now, run["deadline"]) if decision == "no" else now)}
    if decision == "yes":
        assert interaction is not None  # branch() says yes only to an interaction
        run["match"] = interaction
        record["decided_by"] = {k: interaction.get(k) for k in
                                ("event_id", "type", "occurred_at", *(
                                    c["field"] for c in step["if"]["conditions"]))}
    else:
        record["decided_by"] = {"window_ended": iso(run["deadline"]),
                                "within_seconds": step["within_seconds"]}
    run["path"].append(record)
    run["step"], run["deadline"] = step[decision], None
    return proceed(definition, run, now)


def window_ended(definition: dict, run: dict, now: float, refusal: str | None) -> list[dict]:
    """Close *run*'s window, ended by *now*: take ``no`` (and what follows it), unless the
    profile's interactions are not recorded now (*refusal*): then the run halts where it
    is, since not recorded means not advanced. Return the messages sent."""
    if refusal:
        run["status"] = "halted"
        run["path"].append({"step": run["step"], "outcome": "halted", "at": iso(now),
                            "decided_by": {"not_recorded": refusal}})
        return []
    return take(definition, run, now, None)


# -- the collector's driver ------------------------------------------------------------------

# The meta key of the highest interaction ``seq`` the journeys have been advanced on.
THROUGH = "journeys_through"


def _note_through(db: sqlite3.Connection, seq: int) -> None:
    # Written directly, not by Store.set_meta: no memo depends on it, so none is dropped.
    db.execute("INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE "
               "SET value = excluded.value", (THROUGH, json.dumps(seq)))


def _epoch(stamp: str) -> float:
    """Epoch seconds of an ISO 8601 UTC stamp as the store writes them (``…Z``)."""
    return datetime.fromisoformat(stamp.replace("Z", "+00:00")).timestamp()


class Journeys:
    """Journeys stored beside the collector's data, advanced by interactions and the clock.

    Windows are closed where time moves: by the delivery that comes after them, by the
    clock API, and by a timer when they end in real time (:class:`.WindowCloser`). Reads
    write nothing: each waits (:meth:`current`) until what it shows is up to date, so
    whoever saw an interaction stored reads what journeys made of it.
    """

    def __init__(self, store: Store) -> None:
        self.store = store
        self.store.script(SCHEMA)
        self.store.transact(self._catch_up)  # before any window is closed by the clock
        self.windows = WindowCloser(self.now, self.next_deadline, self.close_windows,
                                    store.caught_up)
        store.on_close(self.windows.stop)

    def definitions(self) -> dict[str, dict]:
        """Every journey's definition by id (kept in memory: every delivery asks)."""
        return self.store.cached("journeys", lambda: {
            row["id"]: json.loads(row["definition"])
            for row in self.store.query("SELECT id, definition FROM journeys")})

    def now(self) -> float:
        """The journeys' clock: real time, moved on by :meth:`advance_clock`."""
        return time.time() + self.store.cached(
            "clock_offset", lambda: float(self.store.meta("clock_offset") or 0))

    def define(self, definition: dict, journey_id: str | None = None) -> str:
        journey_id = journey_id or new_id("j")

        def insert(db: sqlite3.Connection) -> None:
            if db.execute("SELECT 1 FROM journeys WHERE id = ?", (journey_id,)).fetchone():
                raise KeyError(journey_id)
            db.execute("INSERT INTO journeys (id, name, definition, created_at) "
                       "VALUES (?, ?, ?, ?)", (journey_id, definition["name"],
                                              json.dumps(definition), iso(time.time())))
            if db.execute("SELECT 1 FROM meta WHERE key = ?", (THROUGH,)).fetchone() is None:
                _note_through(db, db.execute(  # the first journey: what came before is past
                    "SELECT coalesce(max(seq), 0) FROM interactions").fetchone()[0])
            self.store.changed()

        self.store.transact(insert)
        return journey_id

    def definition(self, journey_id: str) -> dict | None:
        return self.definitions().get(journey_id)

    def advance_clock(self, seconds: float) -> float:
        def advance(db: sqlite3.Connection) -> None:
            offset = float(self.store.meta("clock_offset") or 0) + seconds
            self.store.set_meta(db, "clock_offset", offset)
            self._expire(db, time.time() + offset)

        self.store.transact(advance)
        self.windows.poke()  # every open window now ends sooner in real time
        return self.now()

    def close_windows(self, now: float) -> None:
        """Close, in one write, every window that ended by journey time *now*."""
        self.store.transact(lambda db: self._expire(db, now))

    def next_deadline(self) -> float | None:
        """When the earliest open window ends (journey time), or None; a read."""
        row = self.store.one("SELECT min(deadline) AS deadline FROM journey_runs "
                             "WHERE status = 'waiting'")
        return None if row is None else row["deadline"]

    def current(self, timeout: float = 5.0) -> None:
        """Return once a read shows runs and outbox as of now, writing nothing: the
        journey work of every interaction stored so far (readable, or answered to its
        sender) is committed, and no window that ended before now is open. Bounded: after
        *timeout* seconds in all, the read shows what there is."""
        give_up = time.monotonic() + timeout
        self.store.caught_up(timeout)
        self.windows.wait_closed(self.now(), max(0.0, give_up - time.monotonic()))

    def wanted(self) -> bool:
        """Whether recorded interactions matter: only once a journey is defined."""
        return bool(self.definitions())

    def __call__(self, db: sqlite3.Connection, interactions, through: int | None = None,
                 after: int | None = None) -> None:
        """Listener for a committed delivery: advance the journeys on its *interactions*
        (those recorded after ``seq`` *after*) and, in the same transaction, note that
        every one up to *through* (their highest ``seq``) has been. A process killed between
        the two commits leaves them to :meth:`_catch_up` at the next start; an earlier
        delivery's journey work that failed (its transaction rolled back) is done here
        first, before these: never lost."""
        if after is not None:
            self._catch_up(db, until=after)
        self.on_interactions(db, interactions)
        if through is not None:
            _note_through(db, through)

    def _catch_up(self, db: sqlite3.Connection, until: int | None = None) -> None:
        """Advance the journeys on the interactions recorded after the last one they were
        advanced on (up to ``seq`` *until*, or all: their delivery was answered, then the
        process ended, or its journey work failed, before that work committed), each at its
        own journey time and only by journeys defined by then."""
        row = db.execute("SELECT value FROM meta WHERE key = ?", (THROUGH,)).fetchone()
        latest = until if until is not None else db.execute(
            "SELECT coalesce(max(seq), 0) FROM interactions").fetchone()[0]
        journeys = self.definitions()
        if row is None or not journeys:  # nothing noted yet: from here on
            if journeys:
                _note_through(db, latest)
            return
        done = json.loads(row["value"])
        if done >= latest:
            return
        offset = float(self.store.meta("clock_offset") or 0)
        created = {r["id"]: r["created_at"]
                   for r in db.execute("SELECT id, created_at FROM journeys")}
        for pending in db.execute("SELECT * FROM interactions WHERE seq > ? AND seq <= ? "
                                  "ORDER BY seq", (done, latest)).fetchall():
            interaction = interaction_from_row(pending)
            at = _epoch(interaction["received_at"]) + offset
            self._expire(db, at)  # as the delivery did: windows that ended before it first
            by_then = {k: v for k, v in journeys.items()
                       if created[k] <= interaction["received_at"]}
            self._advance(db, by_then, interaction, at)
        _note_through(db, latest)

    def on_interactions(self, db: sqlite3.Connection, interactions) -> None:
        """Listener for recorded interactions (a list, or a function making it), run once
        they are committed."""
        journeys = self.definitions()
        if not journeys:
            return  # nothing can start or advance
        if callable(interactions):
            interactions = interactions()
        now = self.now()
        self._expire(db, now)
        for interaction in interactions:
            self._advance(db, journeys, interaction, now)

    def _advance(self, db: sqlite3.Connection, journeys: dict, interaction: dict,
                 now: float) -> None:
        for row in db.execute("SELECT * FROM journey_runs WHERE status = 'waiting' AND "
                              "profile_id = ?", (interaction["profile_id"],)).fetchall():
            run = self._load(row)
            self._guarded(db, row, run, lambda run=run, row=row: take(
                journeys[row["journey_id"]], run, now, interaction), now)
        for journey_id, definition in journeys.items():
            if not conditions.matches(definition["trigger"], interaction):
                continue
            runs = db.execute("SELECT status FROM journey_runs WHERE journey_id = ? AND "
                              "profile_id = ?", (journey_id, interaction["profile_id"])).fetchall()
            active = any(r["status"] == "waiting" for r in runs)
            if runs and (not definition["reentry"] or active):
                continue  # enters once, unless re-entry is allowed (never twice at once)
            run = new_run(definition, interaction, now)
            self._guarded(db, {"journey_id": journey_id, "id": None}, run,
                          lambda run=run, definition=definition: proceed(definition, run, now),
                          now)

    def _expire(self, db: sqlite3.Connection, now: float) -> None:
        due = db.execute("SELECT * FROM journey_runs WHERE status = 'waiting' AND "
                         "deadline <= ? ORDER BY deadline, id", (now,)).fetchall()
        for row in due:
            run = self._load(row)
            refusal = people.refusal_for(db, self.store, row["profile_id"])
            definition = self.definitions()[row["journey_id"]]
            self._guarded(db, row, run, lambda run=run, definition=definition,
                          refusal=refusal: window_ended(definition, run, now, refusal), now)

    def _guarded(self, db: sqlite3.Connection, row, run: dict, step, now: float) -> None:
        """Take ``step()`` on *run* and save it; if anything fails, the run is saved as it
        was, marked errored with the reason (shown on the runs API and journey page)."""
        before = json.loads(json.dumps(run))
        db.execute("SAVEPOINT journey_step")
        try:
            self._save(db, row, run, step(), now)
        except Exception as exc:  # a failing step is its run's problem, never the caller's
            db.execute("ROLLBACK TO journey_step")
            before["status"], before["deadline"] = "errored", None
            before["path"].append({"step": before["step"], "outcome": "errored",
                                   "at": iso(now), "error": str(exc)[:500] or type(exc).__name__})
            self._save(db, row, before, [], now)
        db.execute("RELEASE journey_step")

    @staticmethod
    def _load(row: sqlite3.Row) -> dict:
        return {"status": row["status"], "step": row["step"], "deadline": row["deadline"],
                "trigger": json.loads(row["trigger"]),
                "match": json.loads(row["match"]) if row["match"] else None,
                "path": json.loads(row["path"]), "entered_at": row["entered_at"]}

    def _save(self, db: sqlite3.Connection, row, run: dict, sent: list[dict],
              now: float) -> None:
        if run["status"] == "waiting" and (row["id"] is None or
                                           row["deadline"] != run["deadline"]) \
                and hasattr(self, "windows"):  # (none yet while catching up at the start)
            self.windows.poke()  # a new window: it may end before any other
        values = (run["status"], run["step"], run["deadline"], json.dumps(run["match"])
                  if run["match"] else None, json.dumps(run["path"]))
        if row["id"] is None:
            cursor = db.execute(
                "INSERT INTO journey_runs (journey_id, profile_id, status, step, deadline, "
                "match, path, entered_at, trigger) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (row["journey_id"], run["trigger"]["profile_id"], *values, run["entered_at"],
                 json.dumps(run["trigger"])))
            run_id = cursor.lastrowid
        else:
            db.execute("UPDATE journey_runs SET status = ?, step = ?, deadline = ?, match = ?, "
                       "path = ? WHERE id = ?", (*values, row["id"]))
            run_id = row["id"]
        for message in sent:
            db.execute("INSERT INTO outbox (journey_id, run_id, profile_id, step, text, html, "
                       "sent_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
                       (row["journey_id"], run_id, run["trigger"]["profile_id"],
                        message["step"], message["text"], message["html"], now))

    def runs(self, journey_id: str) -> list[dict]:
        """Return each run of the journey, as of now (:meth:`current`)."""
        self.current()
        rows = self.store.query("SELECT * FROM journey_runs WHERE journey_id = ? ORDER BY id",
                                (journey_id,))
        return [{"run": row["id"], "profile_id": row["profile_id"], "status": row["status"],
                 "current_step": row["step"] if row["status"] == "waiting" else None,
                 "waiting_until": iso(row["deadline"]) if row["deadline"] else None,
                 "entered_at": iso(row["entered_at"]),
                 "trigger": json.loads(row["trigger"])["event_id"],
                 "path": json.loads(row["path"])} for row in rows]

    def outbox(self, profile_id: str | None) -> list[dict]:
        """Return the messages sent (to *profile_id*, or to anyone), as of now
        (:meth:`current`)."""
        self.current()
        params: tuple[str, ...]
        sql, params = "SELECT * FROM outbox", ()
        if profile_id:
            sql, params = sql + " WHERE profile_id = ?", (profile_id,)
        return [{"journey_id": r["journey_id"], "run": r["run_id"], "profile_id": r["profile_id"],
                 "step": r["step"], "text": r["text"], "html": r["html"],
                 "sent_at": iso(r["sent_at"])}
                for r in self.store.query(sql + " ORDER BY seq", params)]
