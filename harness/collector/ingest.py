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
Listener = Callable[..., None]  # listener(db, interactions=[...])


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


def deliver(store: Store, site: str | None, events: list[dict], *,
            profile_id: str | None = None, rejection: tuple[str, str] | None = None,
            listeners: tuple[Listener, ...] = (), from_site: bool = False) -> Outcome:
    """Store *events* for *profile_id*, or as rejected for *rejection* = (reason, detail).

    Deliveries arriving together are committed together (:meth:`Store.grouped`); this
    returns once this one is committed.
    """
    return store.grouped(("deliveries", listeners),
                         Delivery(site, events, profile_id, rejection, from_site),
                         partial(record, store=store, listeners=listeners))


def record(db: sqlite3.Connection, deliveries: list[Delivery], *, store: Store,
           listeners: tuple[Listener, ...] = ()) -> list[Outcome]:
    """Store *deliveries* in the open transaction *db* and return each one's outcome.

    Set-based: one look-up of consent for all their profiles, one of the event ids they
    recorded before, one insert per table, one update of the counters. Only a recorded
    event claims its id, and only for its profile. Listeners (journeys) run over what was
    recorded after this commits, in a transaction of their own: they never fail or delay
    a delivery.
    """
    received_at = utcnow()
    counts: Counter = Counter()
    refusals = people.refusals_for(db, store, [d.profile_id for d in deliveries
                                               if d.rejection is None])
    claimed = _claimed(db, [(d.profile_id, event["event_id"]) for d in deliveries
                            if d.rejection is None and refusals[d.profile_id] is None
                            for event in d.events])
    rejected_rows, recorded, outcomes = [], [], []
    for delivery in deliveries:
        outcome = Outcome()
        outcomes.append(outcome)
        rejection, refusal = delivery.rejection, None
        if rejection is None:
            refusal = refusals[delivery.profile_id]
            if refusal == "unknown_profile":
                rejection, refusal = ("unknown_profile", "the profile no longer exists"), None
        if delivery.from_site:
            counts["deliveries", ""] += 1
        for event in delivery.events:
            key = (delivery.profile_id, event["event_id"])
            if rejection:
                reason, detail = rejection
                rejected_rows.append((event["event_id"], reason, detail, delivery.site,
                                      event.get("type"), received_at))
                counts["received", ""] += 1
                counts["rejected", reason] += 1
                outcome.rejected.append({"event_id": event["event_id"], "reason": reason})
                continue
            outcome.accepted += 1
            if key in claimed:
                counts["duplicates", ""] += 1  # a retried delivery: stored once
                continue
            counts["received", ""] += 1
            if refusal:
                counts["not_recorded", refusal] += 1  # the count survives, no personal data
                continue
            claimed.add(key)
            recorded.append(_interaction(event, delivery.profile_id, delivery.site,
                                         received_at))
            counts["recorded", ""] += 1
    Store.insert_rows(db, "rejected (event_id, reason, detail, site, type, received_at)",
                      rejected_rows)
    Store.insert_rows(db, "interactions (event_id, type, profile_id, site, occurred_at, "
                      "received_at, fields)",
                      [(i["event_id"], i["type"], i["profile_id"], i["site"], i["occurred_at"],
                        received_at, _encode(fields))
                       for i, fields in recorded])
    Store.count_many(db, [(name, reason, n) for (name, reason), n in counts.items()])
    if recorded:
        interactions = [interaction for interaction, _ in recorded]
        for listener in listeners:
            store.later(partial(listener, interactions=interactions))
    return outcomes


def _claimed(db: sqlite3.Connection, keys: list[tuple[str, str]]) -> set[tuple[str, str]]:
    """Return those of *keys* (profile id, event id) already recorded."""
    if not keys:
        return set()
    # A join from the keys, so each is one look-up in the unique index.
    return {tuple(row) for row in db.execute(
        "SELECT i.profile_id, i.event_id FROM json_each(?) AS k CROSS JOIN interactions AS i "
        "ON i.profile_id = json_extract(k.value, '$[0]') "
        "AND i.event_id = json_extract(k.value, '$[1]')", (json.dumps(keys),))}


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
