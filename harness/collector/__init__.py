"""The reference collector: a Flask app factory wiring one blueprint per concept."""

from __future__ import annotations

import gzip
import os
import tempfile

from flask import Flask, Response, request

from ..tracker import SCRIPT, served
from . import api, collect, errors, forms, guard, journeys, links, people, registry, state, timeline
from .errors import StrictJSON
from .signing import Signer
from .store import Store

__all__ = ["create_app"]


def create_app(config: dict | None = None) -> Flask:
    """Create the collector app: defaults, then ``WEBTRACK_SETTINGS`` file, then *config*."""
    app = Flask(__name__)
    app.config.from_mapping(
        DATABASE=os.path.join(tempfile.gettempdir(), "webtrack.sqlite3"),
        SECRET_KEY=None,  # None: a random secret kept in the database
        SYNCHRONOUS="NORMAL",
        MAX_CONTENT_LENGTH=64 * 1024,
        TRACKER_SCRIPT=str(SCRIPT),
        SITES={},  # id -> origin, registered at start and after every reset
        JSON_SORT_KEYS=False,
        ORIGIN="http://collector.localhost:8800",  # what links and forms point at
        API_TOKEN=None,  # when set, state-changing API calls need it as a bearer token
        LONG_POLLS=8,  # long-polls answered at once at most; more get a 429
    )
    app.config.from_envvar("WEBTRACK_SETTINGS", silent=True)
    if config:
        app.config.from_mapping(config)
    app.json = StrictJSON(app)
    app.json.sort_keys = False
    # "/api//reset" is no route: werkzeug answered it with a 308 to "/api/reset", an HTML
    # page no handler sees (a routing redirect bypasses them), where a JSON 404 is due.
    app.url_map.merge_slashes = False

    store = Store(app.config["DATABASE"], app.config["SYNCHRONOUS"])
    state.init_app(app, store, Signer(app.config["SECRET_KEY"] or store.secret()))
    app.extensions[state.ON_RESET].append(lambda: register_sites(app))
    register_sites(app)
    store.transact(people.refold)

    errors.init_app(app)
    guard.init_app(app)
    for module in (people, registry, links, forms, collect, timeline):
        app.register_blueprint(module.bp)
    api.init_app(app)
    journeys.init_app(app)
    init_tracker(app)
    return app


def register_sites(app: Flask) -> None:
    """Register the sites named in ``SITES`` (the sample estate)."""
    store = state.store_of(app)
    sites = {site_id: registry.normalise_origin(origin)
             for site_id, origin in app.config["SITES"].items()}

    def register(db) -> None:
        for site_id, origin in sites.items():
            registry.register(store, db, site_id, origin)

    store.transact(register)


def init_tracker(app: Flask) -> None:
    """Serve the tracking script at ``/tracker.js``, gzipped when the client accepts it."""
    source = served(app.config["TRACKER_SCRIPT"])
    packed = gzip.compress(source, 9, mtime=0)

    @app.get("/tracker.js")
    def tracker_js():
        gzipped = "gzip" in request.headers.get("Accept-Encoding", "")
        response = Response(packed if gzipped else source,
                            content_type="application/javascript; charset=utf-8")
        if gzipped:
            response.headers["Content-Encoding"] = "gzip"
        response.headers["Vary"] = "Accept-Encoding"
        response.headers["Cache-Control"] = "no-cache"
        response.headers["Access-Control-Allow-Origin"] = "*"
        return response
