"""The test API: interactions (with long-poll), rejected deliveries, counts, reset."""

from __future__ import annotations

import re
import threading

from flask import Blueprint, Flask, current_app, jsonify, request, url_for

from . import ingest
from .errors import ApiError
from .guard import reads_query
from .state import get_on_reset, get_store

bp = Blueprint("api", __name__)

MAX_WAIT = 60.0
_DECIMAL = re.compile(r"[0-9]{1,30}(?:\.[0-9]{1,30})?(?:[eE][+-]?[0-9]{1,3})?")


def _number(name: str, kind: type, low: float, high: float, default):
    raw = request.args.get(name)
    if raw is None or raw == "":
        return default
    # Plain ASCII decimals only: int() and float() also read "1_0", Arabic digits,
    # "  7", "nan" and "inf", which no client means as a count or a wait.
    if not _DECIMAL.fullmatch(raw) or (kind is int and not raw.isdigit()):
        raise ApiError(400, f"query parameter {name!r} must be a {kind.__name__}")
    value = kind(raw)
    if not low <= value <= high:
        raise ApiError(400, f"query parameter {name!r} must be between {low} and {high}")
    return value


def _filtered(what: str, profile: str | None, kind: str | None, site: str | None):
    sql, params = f"SELECT {what} FROM interactions WHERE 1=1", []
    for column, value in (("profile_id", profile), ("type", kind), ("site", site)):
        if value:
            sql += f" AND {column} = ?"
            params.append(value)
    return sql, params


def interactions(store, profile: str | None, kind: str | None, site: str | None) -> list[dict]:
    """Return recorded interactions matching the filters, oldest first."""
    sql, params = _filtered("*", profile, kind, site)
    return [ingest.interaction_from_row(row) for row in store.query(sql + " ORDER BY seq", params)]


def count_interactions(store, profile: str | None, kind: str | None, site: str | None) -> int:
    sql, params = _filtered("count(*) AS n", profile, kind, site)
    return store.one(sql, params)["n"]


def init_app(app: Flask) -> None:
    """Register the API, with room for ``LONG_POLLS`` long-polls at once."""
    app.extensions["webtrack.long_polls"] = threading.BoundedSemaphore(app.config["LONG_POLLS"])
    app.register_blueprint(bp)


def _waited(fetch, size, count=None) -> object:
    """Answer ``fetch()`` at once, or, with ``min``/``wait``, once ``size`` reaches min.

    Long-polls hold a server thread each, so only ``LONG_POLLS`` run at once; more are
    answered 429 with ``Retry-After`` and the threads left keep ``/collect`` and
    ``/healthz`` answering.
    """
    least = _number("min", int, 0, 100_000, 0)
    wait = _number("wait", float, 0, MAX_WAIT, 0.0)
    store = get_store()
    if not (least and wait):
        return fetch()

    def enough():
        if count is not None:  # counting is cheap; the answer is built once, when ready
            return count() >= least
        found = fetch()
        return found if size(found) >= least else None

    room = current_app.extensions["webtrack.long_polls"]
    if not room.acquire(blocking=False):
        raise ApiError(429, f"too many long-polls at once (at most "
                       f"{current_app.config['LONG_POLLS']}); retry, or ask without wait",
                       {"Retry-After": "1"})
    try:
        found = store.wait_until(enough, wait)
        return fetch() if count is not None or not found else found
    finally:
        room.release()


@bp.get("/api/interactions")
@reads_query("profile", "type", "site", "min", "wait")
def list_interactions():
    store = get_store()
    profile, kind, site = (request.args.get(k) for k in ("profile", "type", "site"))
    return jsonify(_waited(lambda: interactions(store, profile, kind, site), len,
                           lambda: count_interactions(store, profile, kind, site)))


REJECTED_PAGE = 1000  # rows of /api/rejected at most, and by default


def rejected(store, limit: int = REJECTED_PAGE, before: int | None = None) -> list[dict]:
    """Return the most recent *limit* rejected deliveries kept (before *before*, a ``seq``),
    oldest first, each with its ``seq``."""
    rows = store.query(
        "SELECT * FROM (SELECT * FROM rejected WHERE seq < ? ORDER BY seq DESC LIMIT ?) "
        "ORDER BY seq", (before if before is not None else 2**63 - 1, limit))
    return [{k: row[k] for k in ("seq", "event_id", "reason", "detail", "site", "type",
                                 "received_at")} for row in rows]


def rejected_count(store) -> int:
    """Every delivery rejected since the last reset, kept or not (the counters')."""
    return store.one("SELECT coalesce(sum(n), 0) AS n FROM counters "
                     "WHERE name = 'rejected'")["n"]


@bp.get("/api/rejected")
@reads_query("limit", "before", "min", "wait")
def list_rejected():
    """Rejected deliveries kept (the most recent ``REJECTED_KEPT`` of each reason and site),
    oldest first: the last ``limit`` (default and at most 1,000), or those before the
    ``seq`` given as ``before``; a ``Link: <…>; rel="next"`` header names the page before.
    ``min``/``wait`` count every rejection (``/api/stats``'s), kept or not."""
    store = get_store()
    limit = _number("limit", int, 1, REJECTED_PAGE, REJECTED_PAGE)
    before = _number("before", int, 0, 2**63 - 1, None)
    found = _waited(lambda: rejected(store, limit, before), len, lambda: rejected_count(store))
    answer = jsonify(found)
    if isinstance(found, list) and len(found) == limit and store.one(
            "SELECT 1 FROM rejected WHERE seq < ?", (found[0]["seq"],)):
        older = url_for("api.list_rejected", limit=limit, before=found[0]["seq"])
        answer.headers["Link"] = f'<{older}>; rel="next"'
    return answer


def stats(store) -> dict:
    """Return the delivery counts; received = recorded + rejected + not recorded."""
    counters = store.counters()
    rejected = counters.get("rejected", {})
    not_recorded = counters.get("not_recorded", {})
    return {
        "received": counters.get("received", {}).get("", 0),
        "recorded": counters.get("recorded", {}).get("", 0),
        "rejected": rejected,
        "not_recorded": not_recorded,
        "totals": {"rejected": sum(rejected.values()),
                   "not_recorded": sum(not_recorded.values())},
        "duplicates": counters.get("duplicates", {}).get("", 0),
        "deliveries": counters.get("deliveries", {}).get("", 0),
    }


@bp.get("/api/stats")
@reads_query("of", "min", "wait")
def show_stats():
    """Counts; with ``min``/``wait``, answered once ``received`` (or the count named by
    ``of``: ``deliveries``, ``recorded``) reaches ``min``."""
    store = get_store()
    of = request.args.get("of", "received")
    if of not in ("received", "recorded", "deliveries"):
        raise ApiError(400, "query parameter 'of' must be received, recorded or deliveries")
    return jsonify(_waited(lambda: stats(store), lambda counts: counts[of]))


@bp.route("/healthz", methods=["GET", "POST"])
def healthz():
    """Answer at once, touching nothing: a health check, and the ingest benchmark's floor."""
    return jsonify(ok=True)


@bp.post("/api/reset")
def reset():
    """Empty everything; the sites the server was started with are registered again."""
    store = get_store()
    store.reset()
    for hook in get_on_reset():
        hook()
    return jsonify(reset=True)
