"""Store delivered interactions: each ends recorded, rejected or not recorded by consent.

The whole delivery is one transaction, so the answer given to the sender (and the
count identity received = recorded + rejected + not recorded) always matches what
is stored. A retried event id is answered as before and stored once.
"""

from __future__ import annotations

import json
import sqlite3
import uuid
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field

from . import people
from .store import Store, utcnow

BASE_FIELDS = ("event_id", "type", "profile_id", "site", "occurred_at")
Listener = Callable[[sqlite3.Connection, list[dict]], None]


@dataclass
class Outcome:
    """What a delivery came to, as answered to its sender."""

    accepted: int = 0
    rejected: list[dict] = field(default_factory=list)


def server_event(kind: str, **fields: object) -> dict:
    """Return an event made by the collector itself (link opened, form submitted)."""
    return {"event_id": f"srv-{uuid.uuid4().hex}", "type": kind, "occurred_at": utcnow(), **fields}


def deliver(store: Store, site: str | None, events: list[dict], *,
            profile_id: str | None = None, rejection: tuple[str, str] | None = None,
            listeners: tuple[Listener, ...] = (), from_site: bool = False) -> Outcome:
    """Store *events* for *profile_id*, or as rejected for *rejection* = (reason, detail).

    Set-based: one look-up of the ids already seen, one insert per table, one update per
    counter, and listeners called once with everything recorded.
    """
    outcome = Outcome()
    received_at = utcnow()
    counts: Counter = Counter()
    with store.write() as db:
        refusal = None if rejection else people.refusal_for(db, store, profile_id)
        if refusal == "unknown_profile":
            rejection, refusal = ("unknown_profile", "the profile no longer exists"), None
        ids = [event["event_id"] for event in events]
        seen = dict(db.execute(
            f"SELECT event_id, outcome FROM seen WHERE event_id IN ({','.join('?' * len(ids))})",
            ids).fetchall()) if ids else {}
        rejected_rows, recorded_rows, seen_rows = [], [], []
        for event in events:
            event_id = event["event_id"]
            if event_id in seen:
                counts["duplicates", ""] += 1
                _answer(outcome, event_id, seen[event_id])
                continue
            counts["received", ""] += 1
            if rejection:
                reason, detail = rejection
                rejected_rows.append((event_id, reason, detail, site, event.get("type"),
                                      received_at))
                counts["rejected", reason] += 1
                verdict = f"rejected:{reason}"
            elif refusal:
                counts["not_recorded", refusal] += 1  # the count survives, no personal data
                verdict = "not_recorded"
            else:
                recorded_rows.append(_interaction(event, profile_id, site, received_at))
                counts["recorded", ""] += 1
                verdict = "recorded"
            seen[event_id] = verdict
            seen_rows.append((event_id, verdict))
            _answer(outcome, event_id, verdict)
        if from_site:
            counts["deliveries", ""] += 1  # one per /collect answered, for test settling
        db.executemany("INSERT INTO rejected (event_id, reason, detail, site, type, "
                       "received_at) VALUES (?, ?, ?, ?, ?, ?)", rejected_rows)
        db.executemany(
            "INSERT INTO interactions (event_id, type, profile_id, site, occurred_at, "
            "received_at, fields) VALUES (?, ?, ?, ?, ?, ?, ?)",
            [(i["event_id"], i["type"], profile_id, site, i["occurred_at"], received_at,
              json.dumps(fields)) for i, fields in recorded_rows])
        db.executemany("INSERT INTO seen (event_id, outcome) VALUES (?, ?)", seen_rows)
        Store.count_many(db, [(name, reason, n) for (name, reason), n in counts.items()])
        if recorded_rows:
            recorded = [interaction for interaction, _ in recorded_rows]
            for listener in listeners:
                listener(db, recorded)
    return outcome


def _answer(outcome: Outcome, event_id: str, verdict: str) -> None:
    if verdict.startswith("rejected:"):
        outcome.rejected.append({"event_id": event_id, "reason": verdict.split(":", 1)[1]})
    else:
        outcome.accepted += 1


def _interaction(event: dict, profile_id: str, site: str | None,
                 received_at: str) -> tuple[dict, dict]:
    """Return the interaction as the API shows it, and its own fields (what is stored)."""
    fields = {k: v for k, v in event.items() if k not in BASE_FIELDS}
    return {"event_id": event["event_id"], "type": event["type"], "profile_id": profile_id,
            "site": site, "occurred_at": event["occurred_at"], "received_at": received_at,
            **fields}, fields


def interaction_from_row(row: sqlite3.Row) -> dict:
    """Return a stored interaction as the API shows it: base fields, then its own."""
    return {"event_id": row["event_id"], "type": row["type"], "profile_id": row["profile_id"],
            "site": row["site"], "occurred_at": row["occurred_at"],
            "received_at": row["received_at"], **json.loads(row["fields"])}
