"""Tracked links: made for one profile and one target, opened through the collector.

Opening a link records ``email_link_clicked`` (subject to consent) and redirects to
the target with a signed tracking context in ``wt_ctx``, which the script turns
into the ``msdynci_trackingContext`` cookie. Targets must be registered sites, both
when a link is made and when it is opened: no token or query can bend the redirect.
"""

from __future__ import annotations

from urllib.parse import quote, unquote_plus

import ada_url
from flask import Blueprint, current_app, jsonify, redirect, request, url_for
from werkzeug.urls import iri_to_uri

from . import ingest, people, registry
from .errors import ApiError, field, json_object, no_unknown_keys
from .signing import InvalidToken
from .state import get_listeners, get_signer, get_store
from .store import new_id

bp = Blueprint("links", __name__)

CONTEXT_PARAM = "wt_ctx"
FORM_PARAM = "wt_fsid"


def with_param(url: str, name: str, value: str | None) -> str:
    """Return *url* with query parameter *name* set to *value* (or removed when None), as
    the browser will read it.

    The URL is rebuilt from its WHATWG parse (ada), the parse a browser makes and the one
    :func:`registry.site_at` checked: a redirect built by another parser could name a host
    the check never saw. The rest of the query is kept as the browser would send it
    (``?flag``, ``%20``, ``?@x`` stay so; what a browser percent-encodes, ada does): only our
    own parameters are taken out, and the new one added at the end.
    """
    parsed = ada_url.URL(url)
    query = parsed.search[1:]
    kept = [piece for piece in (query.split("&") if query else [])
            if unquote_plus(piece.partition("=")[0]) not in (CONTEXT_PARAM, FORM_PARAM)]
    if value is not None:
        kept.append(f"{quote(name, safe='')}={quote(value, safe='')}")
    parsed.search = "&".join(kept)
    return parsed.href


def site_location(store, url: str, name: str, value: str | None) -> str:
    """The address a redirect to *url* sends the browser to, carrying *name* = *value*;
    ApiError 404 when that address is not on *url*'s registered site after all."""
    location = iri_to_uri(with_param(url, name, value))  # as werkzeug would send it
    site = registry.site_at(store, url)
    if site is None or registry.site_at(store, location) != site:
        raise ApiError(404, f"{url!r} is not on a registered site")
    return location


def redirect_to_site(store, url: str, name: str, value: str | None, status: int):
    """A redirect to :func:`site_location`."""
    return redirect(site_location(store, url, name, value), status)


def checked_target(store, url: str) -> str:
    """Return *url* if it is a plain absolute URL on a registered site, else raise."""
    if registry.origin_of(url) is None:
        raise ApiError(400, f"field 'url' must be {registry.PLAIN_URL}: {url!r}")
    if registry.site_at(store, url) is None:
        raise ApiError(400, f"field 'url' is not on a registered site: {url!r}")
    return url


@bp.post("/api/links")
def create_link():
    body = json_object(request)
    no_unknown_keys(body, {"profile_id", "url", "link_tracking"})
    profile_id = field(body, "profile_id", str, max_len=64)
    url = field(body, "url", str, max_len=2000)
    tracking = field(body, "link_tracking", bool, required=False, default=True)
    store = get_store()
    if people.profile(store, profile_id) is None:
        raise ApiError(404, f"no profile {profile_id!r}")
    checked_target(store, url)
    link_id = new_id("l")
    store.transact(lambda db: db.execute(
        "INSERT INTO links (id, profile_id, url, link_tracking) VALUES (?, ?, ?, ?)",
        (link_id, profile_id, url, int(tracking))))
    token = get_signer().sign("link", link_id)
    # From the configured origin, never the request's Host header.
    url_for_link = current_app.config["ORIGIN"] + url_for("links.open_link", token=token)
    return jsonify(id=link_id, url=url_for_link,
                   target=url, link_tracking=tracking), 201


@bp.get("/l/<token>")
def open_link(token: str):
    store = get_store()
    signer = get_signer()
    # A HEAD (a mail scanner checking the link) is answered as a GET would be, but records
    # nothing: no one opened the link.
    opened = request.method != "HEAD"
    try:
        link = store.one("SELECT * FROM links WHERE id = ?", (signer.verify("link", token),))
        if link is None:
            raise InvalidToken("link token names no link")
    except InvalidToken as exc:
        if opened:
            ingest.deliver(store, None, [ingest.server_event("email_link_clicked")],
                           rejection=("invalid_link_token", str(exc)))
        raise ApiError(404, f"not a valid tracked link: {exc}") from None
    target = link["url"]
    site = registry.site_at(store, target)
    if site is None:
        raise ApiError(404, "the link's target is no longer a registered site")
    if not link["link_tracking"]:
        return redirect_to_site(store, target, CONTEXT_PARAM, None, 302)
    # Consent decides what is recorded, not whether the context is handed over. The answer
    # is made before anything is recorded: a link that cannot be followed records nothing.
    context = signer.sign("context", link["profile_id"])
    response = redirect_to_site(store, target, CONTEXT_PARAM, context, 302)
    if opened:
        event = ingest.server_event("email_link_clicked", msdynci_linkuri=target,
                                    link_id=link["id"])
        ingest.deliver(store, site, [event], profile_id=link["profile_id"],
                       listeners=get_listeners())
    response.headers["Cache-Control"] = "no-store"
    response.headers["Referrer-Policy"] = "no-referrer"
    return response
