"""The sites the collector knows: only their origins may deliver or be linked to."""

from __future__ import annotations

import ipaddress
import re
import sqlite3
from collections.abc import Mapping
from types import MappingProxyType

import ada_url
from flask import Blueprint, current_app, jsonify, request
from werkzeug.urls import iri_to_uri

from .errors import ApiError, field, json_object, no_unknown_keys
from .state import get_store
from .store import Store

bp = Blueprint("registry", __name__)

SITE_ID = re.compile(r"[a-z0-9][a-z0-9-]{0,39}")


# An absolute http(s) URL that every parser reads alike: nothing in its authority but a host
# and port (no '@', not even the empty credentials of ':@'; no backslash, which a browser
# reads as '/' and Python's urlsplit does not), and no ASCII white space or control character
# anywhere (a browser drops a tab or a newline without a word; other characters, which ada
# percent-encodes, never move the host). A browser, a mail client and
# Python each find the same host in it, so a check of its host is a check of where it goes.
PLAIN_URL = ("an absolute http(s) URL with no credentials, backslash, ASCII white space or "
             "control character")
WEB_URL = re.compile(r"https?://[^\s/?#@\\]+(?:[/?#][^\x00-\x20\x7f]*)?\Z", re.IGNORECASE)


def _parsed(value: str) -> ada_url.URL | None:
    """*value* parsed by the WHATWG URL standard (ada), as a browser parses it: the origin a
    browser serialises is the one it sends (``http://[::1]``, punycode, no default port)."""
    try:
        return ada_url.URL(value)
    except ValueError:
        return None


def normalise_origin(value: str) -> str:
    """Return ``scheme://host[:port]`` for an origin, as a browser serialises it, or raise
    ApiError."""
    url = _parsed(value.strip())
    if url is None or url.protocol not in ("http:", "https:") or not url.hostname:
        raise ApiError(400, f"origin {value!r} must be http(s)://host[:port]")
    if url.pathname != "/" or url.search or url.hash or url.username or url.password:
        raise ApiError(400, f"origin {value!r} must not have a path, query or credentials")
    if url.port == "0":
        raise ApiError(400, f"origin {value!r} has an invalid port")
    try:  # every redirect to the site goes through it (werkzeug's Location header)
        iri_to_uri(url.href)
    except ValueError:  # UnicodeError: a label over 63 characters, or an empty one
        raise ApiError(400, f"origin {value!r} has a host no redirect can name") from None
    if not all(map(_is_a_label, url.hostname.split("."))):
        raise ApiError(400, f"origin {value!r} has a host label that is not valid punycode")
    return url.origin


def _is_a_label(label: str) -> bool:
    """Whether *label* is plain, or a punycode label that names the host it spells.

    ada passes ``xn--`` labels through unchecked; Firefox refuses to load one whose punycode is
    empty or does not decode back to it (``xn--``, ``xn--a``, ``xn--abc-``), so no visitor
    could be sent there."""
    if not label.startswith("xn--"):
        return True
    try:
        unicode = label[4:].encode("ascii").decode("punycode")
    except UnicodeError:
        return False
    spelled = _parsed(f"http://{unicode}/") if unicode else None
    return spelled is not None and spelled.hostname == label


def origin_of(url: str) -> str | None:
    """Return the origin of an absolute http(s) URL, or None if it has none or is not plain
    (:data:`WEB_URL`: credentials, which no page address of a site carries, a backslash)."""
    parsed = _parsed(url) if WEB_URL.match(url) else None
    if parsed is None or parsed.protocol not in ("http:", "https:") or not parsed.hostname \
            or parsed.username or parsed.password or parsed.port == "0":
        return None
    return parsed.origin


def register(store: Store, db: sqlite3.Connection, site_id: str, origin: str) -> None:
    """Register (or move) a site in the open write *db*; an origin belongs to one site."""
    db.execute("DELETE FROM sites WHERE origin = ? AND id != ?", (origin, site_id))
    db.execute(
        "INSERT INTO sites (id, origin) VALUES (?, ?) "
        "ON CONFLICT (id) DO UPDATE SET origin = excluded.origin", (site_id, origin))
    store.changed()


def origins(store: Store) -> Mapping[str, str]:
    """Return every registered site's origin by its id (kept in memory between changes)."""
    def load() -> Mapping[str, str]:
        rows = store.query("SELECT id, origin FROM sites ORDER BY id")
        return MappingProxyType({row["id"]: row["origin"] for row in rows})

    return store.cached("sites", load)


def site_origin(store: Store, site_id: str) -> str | None:
    return origins(store).get(site_id)


def site_at(store: Store, url: str) -> str | None:
    """Return the id of the registered site serving *url*, or None."""
    origin = origin_of(url)
    return next((site for site, known in origins(store).items() if known == origin), None)


def sender_origin(store: Store) -> str | None:
    """The request's ``Origin`` when a registered site has it; None when it names none;
    ApiError 403 when it names another origin. What a browser sends the collector (a
    beacon, a form posted) comes from a site's page, never from another site's.

    An origin is named by no header (not a browser: server-side senders, mail clients,
    test clients) or by ``null``: a browser sends ``Origin: null`` with a beacon or a form
    posted from a page whose referrer policy is ``no-referrer`` or ``same-origin``, and a
    site's own page may well have one. What such a delivery carries is still checked: its
    site registered, its pages on that site's origin, its identity signed."""
    origin = request.headers.get("Origin")
    if origin is None or origin.strip() == "null":
        return None
    if not is_registered(store, origin):
        raise ApiError(403, f"origin {origin!r} is not a registered site")
    return origin


def is_registered(store: Store, origin: str) -> bool:
    """Whether *origin* (as a browser sends it in ``Origin``) is a registered site's."""
    normal = origin_of(origin)
    return normal is not None and normal in origins(store).values()


def collectors_own(origin: str, collector: str) -> bool:
    """Whether *origin* (normalised) reaches the collector at *collector* itself: its own
    host, or a loopback or unspecified address or ``localhost``, on its port. Pure. A
    site there would make the collector's own pages a site's (allowed to deliver as it)."""
    site, own = _parsed(origin), _parsed(collector)
    if site is None or own is None:
        return False
    port = site.port or ("443" if site.protocol == "https:" else "80")
    if port != (own.port or ("443" if own.protocol == "https:" else "80")):
        return False
    host = site.hostname.strip("[]").rstrip(".").lower()
    if host in (own.hostname.rstrip(".").lower(), "localhost"):
        return True
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return False
    # ``[::ffff:127.0.0.1]`` is 127.0.0.1 to the socket, though not loopback to ipaddress.
    address = getattr(address, "ipv4_mapped", None) or address
    return address.is_loopback or address.is_unspecified


def _site_body(body: dict, site_id: str | None = None) -> tuple[str, str]:
    no_unknown_keys(body, {"id", "origin"})
    if site_id is None:
        site_id = field(body, "id", str, max_len=40)
    elif body.get("id", site_id) != site_id:
        raise ApiError(400, f"field 'id' {body['id']!r} differs from the URL's {site_id!r}")
    if not SITE_ID.fullmatch(site_id):
        raise ApiError(400, "field 'id' must be lowercase letters, digits and dashes")
    origin = normalise_origin(field(body, "origin", str, max_len=300))
    if collectors_own(origin, current_app.config["ORIGIN"]):
        raise ApiError(400, f"origin {origin!r} is the collector's own, not a site's")
    return site_id, origin


@bp.get("/api/sites")
def list_sites():
    store = get_store()
    return jsonify([{"id": site, "origin": origin} for site, origin in origins(store).items()])


@bp.post("/api/sites")
def create_site():
    """Register a new site; an id already registered is a 409 (``PUT`` changes one)."""
    store = get_store()
    site_id, origin = _site_body(json_object(request))

    def create(db: sqlite3.Connection) -> None:
        if db.execute("SELECT 1 FROM sites WHERE id = ?", (site_id,)).fetchone():
            raise ApiError(409, f"site {site_id!r} is already registered; "
                           f"PUT /api/sites/{site_id} changes it")
        _origin_free(db, site_id, origin)
        register(store, db, site_id, origin)

    store.transact(create)
    return jsonify(id=site_id, origin=origin), 201


@bp.put("/api/sites/<site_id>")
def change_site(site_id: str):
    """Register *site_id* at a new origin (or for the first time)."""
    store = get_store()
    site_id, origin = _site_body(json_object(request), site_id)

    def change(db: sqlite3.Connection) -> None:
        _origin_free(db, site_id, origin)
        register(store, db, site_id, origin)

    store.transact(change)
    return jsonify(id=site_id, origin=origin)


def _origin_free(db: sqlite3.Connection, site_id: str, origin: str) -> None:
    other = db.execute("SELECT id FROM sites WHERE origin = ? AND id != ?",
                       (origin, site_id)).fetchone()
    if other:
        raise ApiError(409, f"origin {origin!r} belongs to site {other['id']!r}")
