"""Journeys: triggers, if/then branches with time windows, personalised messages."""

from __future__ import annotations

from collections import Counter

from flask import Blueprint, Flask, abort, current_app, jsonify, render_template, request

from ..errors import ApiError, field, json_object
from ..guard import reads_query
from ..state import LISTENERS, get_store, store_of
from . import definition as definitions
from .engine import Journeys, iso

bp = Blueprint("journeys", __name__)

__all__ = ["Journeys", "init_app"]


def init_app(app: Flask) -> None:
    """Store journeys beside the collector, advance them on every recorded interaction."""
    journeys = Journeys(store_of(app))
    app.extensions["webtrack.journeys"] = journeys
    app.extensions[LISTENERS] = (*app.extensions[LISTENERS], journeys)
    app.extensions.setdefault("webtrack.journey_loaders", []).append(
        lambda raw: load_fixture(journeys, raw))
    app.register_blueprint(bp)


def load_fixture(journeys: Journeys, raw: dict) -> None:
    raw = {k: v for k, v in raw.items() if not k.startswith("_")}
    journey_id = definitions.checked_id(raw.pop("id", None))
    if journey_id and journeys.definition(journey_id) is not None:
        return  # loaded on an earlier start
    journeys.define(definitions.validate(raw), journey_id)


def get_journeys() -> Journeys:
    """Return the current app's journeys (as ``get_store()`` returns its store)."""
    return current_app.extensions["webtrack.journeys"]


@bp.post("/api/journeys")
def create():
    raw = json_object(request)
    try:
        journey_id = definitions.checked_id(raw.pop("id", None))
        normal = definitions.validate(raw)
    except ValueError as exc:
        raise ApiError(400, str(exc)) from None
    try:
        journey_id = get_journeys().define(normal, journey_id)
    except KeyError:
        raise ApiError(409, f"a journey with id {journey_id!r} already exists") from None
    return jsonify(id=journey_id, name=normal["name"]), 201


@bp.get("/api/journeys")
def list_all():
    rows = get_store().query(
        "SELECT id, name FROM journeys ORDER BY created_at, id")
    return jsonify([dict(row) for row in rows])


@bp.get("/api/journeys/<journey_id>")
def show(journey_id: str):
    found = get_journeys().definition(journey_id)
    if found is None:
        raise ApiError(404, f"no journey {journey_id!r}")
    return jsonify(id=journey_id, **found)


@bp.get("/api/journeys/<journey_id>/runs")
def runs(journey_id: str):
    if get_journeys().definition(journey_id) is None:
        raise ApiError(404, f"no journey {journey_id!r}")
    return jsonify(get_journeys().runs(journey_id))


@bp.post("/api/clock/advance")
def advance():
    seconds = field(json_object(request), "seconds", (int, float))
    if not 0 <= seconds <= 10 * 366 * 24 * 3600:
        raise ApiError(400, "field 'seconds' must be between 0 and ten years")
    return jsonify(now=iso(get_journeys().advance_clock(seconds)))


@bp.get("/api/outbox")
@reads_query("profile")
def outbox():
    return jsonify(get_journeys().outbox(request.args.get("profile")))


def path_counts(definition: dict, runs: list[dict]) -> dict:
    """Count, for each step, how many runs took each outcome there (and wait there now)."""
    counts: dict[str, Counter] = {name: Counter() for name in definition["steps"]}
    for run in runs:
        for taken in run["path"]:
            counts[taken["step"]][taken["outcome"]] += 1
        if run["current_step"]:
            counts[run["current_step"]]["waiting"] += 1
    return counts


@bp.get("/journeys/<journey_id>")
def page(journey_id: str):
    definition = get_journeys().definition(journey_id)
    if definition is None:
        abort(404, f"no journey {journey_id!r}")
    found = get_journeys().runs(journey_id)
    return render_template("journey.html", id=journey_id, journey=definition, runs=found,
                           counts=path_counts(definition, found))
