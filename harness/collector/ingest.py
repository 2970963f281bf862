"""Store delivered interactions: each ends recorded, rejected or not recorded by consent.

The whole delivery is one transaction, so the answer given to the sender (and the
count identity received = recorded + rejected + not recorded) always matches what
is stored. A retried event id is answered as before and stored once.
"""

from __future__ import annotations

import json
import sqlite3
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field

from . import people
from .store import Store, utcnow

BASE_FIELDS = ("event_id", "type", "profile_id", "site", "occurred_at")
Listener = Callable[[sqlite3.Connection, dict], None]


@dataclass
class Outcome:
    """What a delivery came to, as answered to its sender."""

    accepted: int = 0
    rejected: list[dict] = field(default_factory=list)
    recorded: list[dict] = field(default_factory=list)


def server_event(kind: str, **fields: object) -> dict:
    """Return an event made by the collector itself (link opened, form submitted)."""
    return {"event_id": f"srv-{uuid.uuid4().hex}", "type": kind, "occurred_at": utcnow(), **fields}


def deliver(store: Store, site: str | None, events: list[dict], *,
            profile_id: str | None = None, rejection: tuple[str, str] | None = None,
            listeners: tuple[Listener, ...] = (), from_site: bool = False) -> Outcome:
    """Store *events* for *profile_id*, or as rejected for *rejection* = (reason, detail)."""
    outcome = Outcome()
    received_at = utcnow()
    with store.write() as db:
        refusal = None if rejection else people.refusal_for(db, store, profile_id)
        if refusal == "unknown_profile":
            rejection, refusal = ("unknown_profile", "the profile no longer exists"), None
        if from_site:
            Store.count(db, "deliveries")  # one per /collect answered, for test settling
        for event in events:
            event_id = event["event_id"]
            before = db.execute("SELECT outcome FROM seen WHERE event_id = ?",
                                (event_id,)).fetchone()
            if before is not None:
                Store.count(db, "duplicates")
                _answer(outcome, event_id, before["outcome"])
                continue
            Store.count(db, "received")
            if rejection:
                reason, detail = rejection
                db.execute(
                    "INSERT INTO rejected (event_id, reason, detail, site, type, received_at) "
                    "VALUES (?, ?, ?, ?, ?, ?)",
                    (event_id, reason, detail, site, event.get("type"), received_at))
                Store.count(db, "rejected", reason)
                verdict = f"rejected:{reason}"
            elif refusal:
                # Not recorded: only the count survives, no personal data.
                Store.count(db, "not_recorded", refusal)
                verdict = "not_recorded"
            else:
                interaction = _record(db, event, profile_id, site, received_at)
                Store.count(db, "recorded")
                outcome.recorded.append(interaction)
                for listener in listeners:
                    listener(db, interaction)
                verdict = "recorded"
            db.execute("INSERT INTO seen (event_id, outcome) VALUES (?, ?)", (event_id, verdict))
            _answer(outcome, event_id, verdict)
    return outcome


def _answer(outcome: Outcome, event_id: str, verdict: str) -> None:
    if verdict.startswith("rejected:"):
        outcome.rejected.append({"event_id": event_id, "reason": verdict.split(":", 1)[1]})
    else:
        outcome.accepted += 1


def _record(db: sqlite3.Connection, event: dict, profile_id: str, site: str | None,
            received_at: str) -> dict:
    fields = {k: v for k, v in event.items() if k not in BASE_FIELDS}
    db.execute(
        "INSERT INTO interactions (event_id, type, profile_id, site, occurred_at, received_at, "
        "fields) VALUES (?, ?, ?, ?, ?, ?, ?)",
        (event["event_id"], event["type"], profile_id, site, event["occurred_at"], received_at,
         json.dumps(fields)))
    return {"event_id": event["event_id"], "type": event["type"], "profile_id": profile_id,
            "site": site, "occurred_at": event["occurred_at"], "received_at": received_at,
            **fields}


def interaction_from_row(row: sqlite3.Row) -> dict:
    """Return a stored interaction as the API shows it: base fields, then its own."""
    return {"event_id": row["event_id"], "type": row["type"], "profile_id": row["profile_id"],
            "site": row["site"], "occurred_at": row["occurred_at"],
            "received_at": row["received_at"], **json.loads(row["fields"])}
