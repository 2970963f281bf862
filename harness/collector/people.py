"""Profiles (contacts and leads), their contact points' consent, and the tracking settings."""

from __future__ import annotations

import json
import logging
import re
import sqlite3
import unicodedata

import idna
from flask import Blueprint, jsonify, request

from . import consent
from .errors import ApiError, field, json_object, no_unknown_keys
from .state import get_store
from .store import Store, new_id, utcnow

bp = Blueprint("people", __name__)
log = logging.getLogger(__name__)

EMAIL = re.compile(r"[^@\s<>\"']{1,64}@[^@\s<>\"']{1,185}\.[^@\s<>\"'.]{2,63}")
DEFAULT_SETTINGS = {"enforcement_model": "nonrestrictive", "check_contact_consent": True}


def settings(store: Store) -> dict:
    """Return the tracking settings in force (kept in memory: read on every delivery)."""
    return dict(store.cached("settings", lambda: _stored_settings(store)))


def _stored_settings(store: Store) -> dict:
    keys = tuple(DEFAULT_SETTINGS)
    stored = {row["key"]: json.loads(row["value"]) for row in store.query(
        f"SELECT key, value FROM meta WHERE key IN ({','.join('?' * len(keys))})", keys)}
    return {key: stored.get(key, default) for key, default in DEFAULT_SETTINGS.items()}


def profile(store: Store, profile_id: str) -> dict | None:
    """Return a profile as the API shows it, or None."""
    row = store.one(
        "SELECT p.*, c.consent FROM profiles p JOIN contact_points c ON c.email = p.email "
        "WHERE p.id = ?", (profile_id,))
    if row is None:
        return None
    out = {"id": row["id"], "kind": row["kind"], "email": row["email"], "consent": row["consent"],
           "created_at": row["created_at"]}
    if row["kind"] == "contact":
        out["allow_tracking"] = bool(row["allow_tracking"])
    return out


def refusal_for(db: sqlite3.Connection, store: Store, profile_id: str) -> str | None:
    """Return why *profile_id*'s interactions are not recorded now, or None if they are."""
    return refusals_for(db, store, [profile_id])[profile_id]


def refusals_for(db: sqlite3.Connection, store: Store, profile_ids: list[str]) -> dict:
    """Return, for each of *profile_ids*, why its interactions are not recorded now (or
    None if they are; ``unknown_profile`` if there is no such profile), in one query."""
    wanted = sorted(set(profile_ids))
    # Each existing profile's (kind, allow_tracking, consent), kept in memory until a write
    # to a profile's tracking or consent says it changed (update_profile, reset): every
    # delivery asks, and a query costs the writer a wait for the GIL. Unknown ids are not
    # kept, so a profile made later needs no notice. Only the writer thread uses it.
    known = store.cached("tracking_states", dict)
    missing = [profile_id for profile_id in wanted if profile_id not in known]
    if missing:
        rows = db.execute(
            "SELECT p.id, p.kind, p.allow_tracking, c.consent FROM profiles p JOIN "
            f"contact_points c ON c.email = p.email WHERE p.id IN ({','.join('?' * len(missing))})",
            missing).fetchall()
        found = {row["id"]: (row["kind"], bool(row["allow_tracking"]), row["consent"])
                 for row in rows}
        known.update(found)
    rules = settings(store)
    return {profile_id: "unknown_profile" if known.get(profile_id) is None else consent.refusal(
        model=rules["enforcement_model"], consent=known[profile_id][2],
        kind=known[profile_id][0], allow_tracking=known[profile_id][1],
        check_contact_consent=rules["check_contact_consent"]) for profile_id in wanted}


def create(db: sqlite3.Connection, kind: str, email: str, allow_tracking: bool = True,
           consent_state: str | None = None, profile_id: str | None = None) -> str:
    """Insert a profile (and its contact point) and return its id."""
    email = contact_point(email)
    if db.execute("SELECT 1 FROM profiles WHERE email = ?", (email,)).fetchone():
        raise ApiError(409, f"a profile with email {email!r} already exists")
    db.execute("INSERT OR IGNORE INTO contact_points (email) VALUES (?)", (email,))
    if consent_state is not None:
        db.execute("UPDATE contact_points SET consent = ? WHERE email = ?", (consent_state, email))
    profile_id = profile_id or new_id("p")
    # Leads have no allow_tracking: a value sent for one is ignored (contract §2).
    db.execute(
        "INSERT INTO profiles (id, kind, email, allow_tracking, created_at) VALUES (?, ?, ?, ?, ?)",
        (profile_id, kind, email, int(allow_tracking) if kind == "contact" else None, utcnow()))
    return profile_id


# Control, format (zero-width, direction marks), surrogate, private and unassigned
# characters, and separators: none is part of an address, and each makes a look-alike
# of one (an opted-out contact's, say) that would otherwise be a different contact point.
INVISIBLE = frozenset(("Cc", "Cf", "Cs", "Co", "Cn", "Zl", "Zp", "Zs"))


def _folded(value: str) -> str:
    return unicodedata.normalize("NFKC", unicodedata.normalize("NFKC", value.strip()).casefold())


def contact_point(value: str) -> str:
    """The key of the contact point *value* names: trimmed, NFKC-normalised and
    case-folded (see :func:`checked_email`), its domain in the one form UTS #46 gives it
    (``bücher.de``, however it is spelt: ``xn--bcher-kva.de``, ``BÜCHER.DE``, a combining
    diaeresis); every lookup and every write keys by it. ValueError when the domain is
    not a valid internationalised domain name (IDNA 2008, UTS #46 processing)."""
    local, at, domain = _folded(value).rpartition("@")
    if not at:
        return domain
    try:
        ascii_form = idna.encode(domain, uts46=True, transitional=False)
        domain = idna.decode(ascii_form)
    except idna.IDNAError as exc:
        raise ValueError(f"domain {domain!r} is not a valid internationalised domain name: "
                         f"{exc}") from None
    return f"{local}@{domain}"


def checked_email(value: str) -> str:
    """*value* as the contact point it names: trimmed, NFKC-normalised (a full-width
    letter is the letter) and case-folded, not merely lower-cased (``Σ`` lower-cases to
    ``ς`` at the end of a word, to ``σ`` elsewhere: one address typed in capitals would be
    another contact point, free of the first one's opt-out), its domain in its one IDNA
    form (an opted-out ``ann@bücher.de`` written ``ann@xn--bcher-kva.de`` is the same
    contact point); ApiError 400 when it is not an address."""
    folded = _folded(value)
    if not EMAIL.fullmatch(folded) or any(
            unicodedata.category(c) in INVISIBLE for c in folded):
        raise ApiError(400, f"field 'email' is not an email address: {value!r}")
    try:
        address = contact_point(folded)
    except ValueError as exc:
        raise ApiError(400, f"field 'email' {value!r}: {exc}") from None
    if not EMAIL.fullmatch(address):
        raise ApiError(400, f"field 'email' is not an email address: {value!r}")
    return address


def refold(db: sqlite3.Connection) -> None:
    """Key the contact points of a database of an earlier version as :func:`contact_point`
    does now (case-folded, where they were lower-cased; the domain in its IDNA form, where
    it was kept as typed): only addresses with letters beyond ASCII or an ``xn--`` label
    can differ. One that would take the key of another contact point is left as it is (and
    logged): two contact points, each with its own consent, are never merged silently.
    One whose domain is not valid IDNA is left as it is too (its profile keeps working;
    it cannot be typed again)."""
    rows = db.execute("SELECT email FROM contact_points WHERE email GLOB ? OR email LIKE ?",
                      ("*[^ -~]*", "%xn--%")).fetchall()
    for (email,) in rows:
        try:
            folded = contact_point(email)
        except ValueError:
            continue
        if folded == email:
            continue
        if db.execute("SELECT 1 FROM contact_points WHERE email = ?", (folded,)).fetchone():
            log.warning("contact points %r and %r name one address; each keeps its own "
                        "consent (merge them by hand)", email, folded)
            continue
        db.execute("UPDATE contact_points SET email = ? WHERE email = ?", (folded, email))
        db.execute("UPDATE profiles SET email = ? WHERE email = ?", (folded, email))


@bp.post("/api/profiles")
def create_profile():
    body = json_object(request)
    no_unknown_keys(body, {"kind", "email", "allow_tracking", "consent"})
    kind = field(body, "kind", str, choices=consent.KINDS)
    email = checked_email(field(body, "email", str, max_len=254))
    allow = field(body, "allow_tracking", bool, required=False, default=True)
    state = field(body, "consent", str, required=False, choices=consent.CONSENTS)
    store = get_store()
    profile_id = store.transact(lambda db: create(db, kind, email, allow, state))
    return jsonify(profile(store, profile_id)), 201


@bp.get("/api/profiles/<profile_id>")
def show_profile(profile_id: str):
    found = profile(get_store(), profile_id)
    if found is None:
        raise ApiError(404, f"no profile {profile_id!r}")
    return jsonify(found)


@bp.patch("/api/profiles/<profile_id>")
def update_profile(profile_id: str):
    body = json_object(request)
    no_unknown_keys(body, {"allow_tracking", "consent"})
    allow = field(body, "allow_tracking", bool, required=False)
    state = field(body, "consent", str, required=False, choices=consent.CONSENTS)
    store = get_store()
    found = profile(store, profile_id)
    if found is None:
        raise ApiError(404, f"no profile {profile_id!r}")

    def update(db) -> None:
        store.changed()  # the tracking states kept for deliveries
        if allow is not None and found["kind"] == "contact":
            db.execute("UPDATE profiles SET allow_tracking = ? WHERE id = ?",
                       (int(allow), profile_id))
        if state is not None:
            db.execute("UPDATE contact_points SET consent = ? WHERE email = ?",
                       (state, found["email"]))

    store.transact(update)
    return jsonify(profile(store, profile_id))


@bp.get("/api/settings")
def show_settings():
    return jsonify(settings(get_store()))


@bp.put("/api/settings")
def change_settings():
    body = json_object(request)
    no_unknown_keys(body, set(DEFAULT_SETTINGS))
    model = field(body, "enforcement_model", str, required=False, choices=consent.MODELS)
    check = field(body, "check_contact_consent", bool, required=False)
    store = get_store()

    def update(db) -> None:
        if model is not None:
            store.set_meta(db, "enforcement_model", model)
        if check is not None:
            store.set_meta(db, "check_contact_consent", check)

    store.transact(update)
    return jsonify(settings(store))
