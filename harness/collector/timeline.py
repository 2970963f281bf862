"""Pages for people: the collector's index and each profile's timeline with insights."""

from __future__ import annotations

from collections import Counter
from datetime import datetime

from flask import Blueprint, abort, current_app, render_template

from . import api, people, schema
from .state import get_signer, get_store

bp = Blueprint("timeline", __name__)


def _moment(stamp: str) -> datetime:
    found = schema.moment(stamp)
    if found is None:  # stored by an earlier version, which read ISO 8601 more loosely
        return datetime.fromisoformat(stamp.replace("Z", "+00:00"))
    return found


def insights(rows: list[dict]) -> dict:
    """Summarise a profile's interactions: counts by type, top pages, last visit."""
    visits = [r for r in rows if r["type"] == "website_visited"]
    pages = Counter(r.get("msdynci_viewuri", "") for r in visits)
    return {
        "by_type": dict(Counter(r["type"] for r in rows).most_common()),
        "top_pages": pages.most_common(5),
        # By time, not text: "…T10:00:00+02:00" is earlier than "…T09:00:00Z".
        "last_visit": max((r["occurred_at"] for r in visits), default=None, key=_moment),
    }


@bp.get("/")
def index():
    store = get_store()
    profiles = [people.profile(store, r["id"])
                for r in store.query("SELECT id FROM profiles ORDER BY created_at, id")]
    sites = store.query("SELECT id, origin FROM sites ORDER BY id")
    estate = current_app.config.get("ESTATE", [])
    return render_template(
        "index.html", profiles=profiles, stats=api.stats(store), sites=sites, estate=estate,
        registered={s["id"] for s in sites}, estate_ids={s["id"] for s in estate},
        journeys=store.query("SELECT id, name FROM journeys ORDER BY created_at, id"),
        forms=store.query("SELECT * FROM forms ORDER BY name"),
        links=store.query("SELECT * FROM links ORDER BY profile_id"),
        signer=get_signer())


@bp.get("/profiles/<profile_id>")
def profile_page(profile_id: str):
    store = get_store()
    found = people.profile(store, profile_id)
    if found is None:
        abort(404, f"no profile {profile_id!r}")
    rows = api.interactions(store, profile_id, None, None)
    return render_template("profile.html", profile=found, insights=insights(rows),
                           timeline=list(reversed(rows)))
