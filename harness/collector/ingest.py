"""Store delivered interactions: each ends recorded, rejected or not recorded by consent.

A delivery is committed whole (with any that arrived at the same time) before it is
answered, so the answer given to the sender (and the count identity received =
recorded + rejected + not recorded) always matches what is stored. A retried event
id is answered as before and stored once, per profile.
"""

from __future__ import annotations

import json
import sqlite3
import uuid
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import partial

from . import people
from .store import Store, utcnow

_encode = json.JSONEncoder(allow_nan=False).encode  # one encoder: json.dumps(**kw) makes one a call
BASE_FIELDS = ("event_id", "type", "profile_id", "site", "occurred_at")
# A later delivery naming an id already recorded for the profile with another event.
CONFLICT = "conflicting_event_id"
# listener(db, interactions=f): f() returns what was recorded, as the API shows it (built
# only if asked). A listener with a wanted() method is skipped while it returns False.
Listener = Callable[..., None]


@dataclass
class Outcome:
    """What a delivery came to, as answered to its sender."""

    accepted: int = 0
    rejected: list[dict] = field(default_factory=list)


def server_event(kind: str, **fields: object) -> dict:
    """Return an event made by the collector itself (link opened, form submitted)."""
    return {"event_id": f"srv-{uuid.uuid4().hex}", "type": kind, "occurred_at": utcnow(), **fields}


@dataclass(frozen=True)
class Delivery:
    """Events sent together, for one profile or rejected for one reason."""

    site: str | None
    events: list[dict]
    profile_id: str | None = None
    rejection: tuple[str, str] | None = None  # (reason, detail)
    from_site: bool = False  # a /collect answered, counted for test settling

    @property
    def owner(self) -> str:
        """The profile the events are for: every delivery not rejected has one."""
        if self.profile_id is None:
            raise ValueError("a delivery that is not rejected needs a profile")
        return self.profile_id


def deliver(store: Store, site: str | None, events: list[dict], *,
            profile_id: str | None = None, rejection: tuple[str, str] | None = None,
            listeners: tuple[Listener, ...] = (), from_site: bool = False) -> Outcome:
    """Store *events* for *profile_id*, or as rejected for *rejection* = (reason, detail).

    Deliveries arriving together are committed together (:meth:`Store.write_in_batch`); this
    returns once this one is committed.
    """
    return store.write_in_batch(("deliveries", listeners),
                         Delivery(site, events, profile_id, rejection, from_site),
                         partial(record, store=store, listeners=listeners), atomic=True)


def record(db: sqlite3.Connection, deliveries: list[Delivery], *, store: Store,
           listeners: tuple[Listener, ...] = ()) -> list[Outcome]:
    """Store *deliveries* through *db* and return each one's outcome (atomic: the only
    write is one statement, so it needs no transaction of its own).

    Set-based, in as few statements as possible (each one hands the GIL to the request
    threads and waits to get it back): consent from memory (or one look-up for all their
    profiles), one read of the ids already claimed (:func:`_claims`), then one write, an
    insert into the ``ingest_batch`` view whose trigger stores every table and counter.
    Only a recorded event claims its id, and only for its profile: the unique index on
    (profile, event id) keeps a retried one out, and what the insert left out is counted
    as duplicates; another event under a claimed id is rejected (``conflicting_event_id``).
    Listeners (journeys) run over what was recorded after this commits, in a transaction
    of their own: they never fail or delay a delivery.
    """
    received_at = utcnow()
    counts: Counter = Counter()
    refusals = people.refusals_for(db, store, [d.owner for d in deliveries
                                               if d.rejection is None])
    rejected_rows: list[tuple] = []
    candidates: list[tuple[Outcome, str, str | None, dict]] = []  # to record, if no conflict
    outcomes: list[Outcome] = []
    for delivery in deliveries:
        outcome = Outcome()
        outcomes.append(outcome)
        rejection, refusal = delivery.rejection, None
        if rejection is None:
            refusal = refusals[delivery.owner]
            if refusal == "unknown_profile":
                rejection, refusal = ("unknown_profile", "the profile no longer exists"), None
        if delivery.from_site:
            counts["deliveries", ""] += 1
        if rejection:
            reason, detail = rejection
            for event in delivery.events:
                rejected_rows.append((event["event_id"], reason, detail, delivery.site,
                                      event.get("type")))
                outcome.rejected.append({"event_id": event["event_id"], "reason": reason})
            counts["received", ""] += len(delivery.events)
            counts["rejected", reason] += len(delivery.events)
            continue
        if refusal:
            # The count survives, no personal data; a not-recorded event claims no id.
            outcome.accepted += len(delivery.events)
            counts["received", ""] += len(delivery.events)
            counts["not_recorded", refusal] += len(delivery.events)
            continue
        candidates.extend((outcome, delivery.owner, delivery.site, event)
                          for event in delivery.events)
    recordable: list[tuple[str, str | None, dict]] = []  # (profile_id, site, event)
    for outcome, owner, site, event, conflict in _claims(db, candidates):
        if conflict is None:
            outcome.accepted += 1
            recordable.append((owner, site, event))
            continue
        rejected_rows.append((event["event_id"], CONFLICT, conflict, site, event["type"]))
        outcome.rejected.append({"event_id": event["event_id"], "reason": CONFLICT})
        counts["received", ""] += 1
        counts["rejected", CONFLICT] += 1
    wanted = [listener for listener in listeners if getattr(listener, "wanted", _always)()]
    last = db.execute("SELECT coalesce(max(seq), 0) FROM interactions").fetchone()[0] \
        if wanted and recordable else None
    # The one write: SQLite takes the batch apart (see ingest_batch in the store's schema).
    db.execute("INSERT INTO ingest_batch (interactions, rejected, counts, attempted, "
               "received_at) VALUES (?, ?, ?, ?, ?)",
               (_encode(recordable), _encode(rejected_rows),
                _encode([(name, reason, n) for (name, reason), n in counts.items() if n]),
                len(recordable), received_at))
    if last is not None:
        rows = db.execute(
            "SELECT profile_id, event_id, seq FROM interactions WHERE seq > ?", (last,)).fetchall()
        stored = {(row[0], row[1]) for row in rows}
        interactions = partial(_interactions, [r for r in recordable
                                               if (r[0], r[2]["event_id"]) in stored],
                               received_at)
        if stored:
            through = max(row[2] for row in rows)
            for listener in wanted:
                store.after_commit(partial(listener, interactions=interactions,
                                           through=through, after=last))
    return outcomes


def _content(site: str | None, event: dict) -> str:
    """What an event says, as one text: two deliveries of one event say the same."""
    return _canonical([site, event])


_canonical = json.JSONEncoder(allow_nan=False, sort_keys=True, ensure_ascii=False,
                              separators=(",", ":")).encode


def _claims(db: sqlite3.Connection, candidates: list[tuple]) -> list[tuple]:
    """Return each (outcome, profile_id, site, event) with the reason it conflicts with
    what its (profile, event id) already names, or None when it does not: with nothing
    (a new event), or with the same event (a retry, stored once). An id recorded
    earlier, or earlier in this batch, names the event recorded under it; another event
    under that id is rejected, never dropped unseen. One read for the whole batch."""
    if not candidates:
        return []
    pairs = [(owner, event["event_id"]) for _, owner, _, event in candidates]
    claimed = {(row[0], row[1]): _content(row[2], {
        "event_id": row[1], "type": row[3], "occurred_at": row[4], **json.loads(row[5])})
        for row in db.execute(
            "SELECT i.profile_id, i.event_id, i.site, i.type, i.occurred_at, i.fields "
            "FROM json_each(?) AS j JOIN interactions AS i "
            "ON i.profile_id = json_extract(j.value, '$[0]') "
            "AND i.event_id = json_extract(j.value, '$[1]')", (_encode(pairs),))}
    out = []
    for outcome, owner, site, event in candidates:
        content = _content(site, event)
        known = claimed.setdefault((owner, event["event_id"]), content)
        conflict = None if known == content else (
            f"event id {event['event_id']!r} already names another event of this profile "
            "(a retry must resend the same event)")
        out.append((outcome, owner, site, event, conflict))
    return out


def _always() -> bool:
    return True


def _interactions(recorded: list[tuple], received_at: str) -> list[dict]:
    """Return recorded (profile_id, site, event) as the API shows them."""
    return [{"event_id": event["event_id"], "type": event["type"], "profile_id": profile_id,
             "site": site, "occurred_at": event["occurred_at"], "received_at": received_at,
             **{k: v for k, v in event.items() if k not in BASE_FIELDS}}
            for profile_id, site, event in recorded]


def interaction_from_row(row: sqlite3.Row) -> dict:
    """Return a stored interaction as the API shows it: base fields, then its own."""
    return {"event_id": row["event_id"], "type": row["type"], "profile_id": row["profile_id"],
            "site": row["site"], "occurred_at": row["occurred_at"],
            "received_at": row["received_at"], **json.loads(row["fields"])}
