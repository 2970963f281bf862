"""Marketing forms: made through the API, embedded by sites, submitted to the collector.

A submission creates or updates the profile with that email, records
``form_submitted`` (subject to consent) and, when the form's web tracking is on,
redirects back with ``wt_fsid``, the profile's id signed for forms, which the script
turns into the ``msdynmkt_formsubmissionid`` cookie. No row ties a submission to its
person: one that is not recorded leaves its count only (contract §2).
"""

from __future__ import annotations

import re
from collections.abc import Mapping

from flask import Blueprint, current_app, jsonify, render_template, request

from . import ingest, people, registry
from .errors import ApiError, field, json_object, no_unknown_keys
from .links import FORM_PARAM, redirect_to_site, site_location
from .state import get_listeners, get_signer, get_store
from .store import new_id

bp = Blueprint("forms", __name__)

FORM_ID = re.compile(r"[A-Za-z0-9_-]{1,40}")
FIELD_NAME = re.compile(r"[a-z][a-z0-9_]{0,40}")
MAX_FIELDS = 30
MAX_VALUE = 1000  # characters of a field's value
NOT_FIELDS = ("email", "return")  # the contact point and where to go back: not recorded


OWN_FIELDS = ("form_id", "form_name")  # the collector's, about the form itself


def submitted_fields(values: Mapping[str, str]) -> dict[str, str]:
    """Return a submission's own fields as the interaction's ``form_<name>`` fields: names
    of lower-case letters, digits and ``_`` only (others are dropped), values of 1,000
    characters at most (ApiError 400 naming the field: nothing is cut unseen). A field
    whose ``form_<name>`` is one of the collector's own (a visitor's ``name``, say) becomes
    ``form_field_<name>``; ApiError 400 if that is another field's too (``name`` beside
    ``field_name``), so no value replaces another."""
    fields: dict[str, str] = {}
    named: dict[str, str] = {}
    for name, value in values.items():
        if name in NOT_FIELDS or not FIELD_NAME.fullmatch(name):
            continue
        key = f"form_{name}"
        if key in OWN_FIELDS:
            key = f"form_field_{name}"
        if key in named:
            raise ApiError(400, f"form fields {named[key]!r} and {name!r} would both be "
                           f"recorded as {key!r}: rename one")
        # A browser counts a line break as one character (maxlength) and sends it as two.
        if (length := len(value) - value.count("\r\n")) > MAX_VALUE:
            raise ApiError(400, f"form field {name!r} is longer than {MAX_VALUE:,} characters "
                           f"({length:,})")
        named[key] = name
        fields[key] = value
    return fields


def create(db, name: str, web_tracking: bool, form_id: str | None = None) -> str:
    form_id = form_id or new_id("f")
    db.execute("INSERT INTO forms (id, name, web_tracking) VALUES (?, ?, ?)",
               (form_id, name, int(web_tracking)))
    return form_id


@bp.post("/api/forms")
def create_form():
    body = json_object(request)
    no_unknown_keys(body, {"name", "web_tracking", "id"})
    name = field(body, "name", str, max_len=200)
    tracking = field(body, "web_tracking", bool, required=False, default=False)
    form_id = field(body, "id", str, required=False, max_len=40)
    if form_id is not None and not FORM_ID.fullmatch(form_id):
        raise ApiError(400, "field 'id' must be 1-40 letters, digits, '_' or '-'")
    store = get_store()

    def make(db) -> str:
        if form_id and db.execute("SELECT 1 FROM forms WHERE id = ?", (form_id,)).fetchone():
            raise ApiError(409, f"a form with id {form_id!r} already exists")
        return create(db, name, tracking, form_id)

    form_id = store.transact(make)
    return jsonify(id=form_id, name=name, web_tracking=tracking,
                   action=f"{current_app.config['ORIGIN']}/f/{form_id}"), 201


@bp.get("/api/forms")
def list_forms():
    rows = get_store().query("SELECT * FROM forms ORDER BY name")
    return jsonify([{"id": r["id"], "name": r["name"], "web_tracking": bool(r["web_tracking"])}
                    for r in rows])


@bp.post("/f/<form_id>")
def submit(form_id: str):
    store = get_store()
    registry.sender_origin(store)
    form = store.one("SELECT * FROM forms WHERE id = ?", (form_id,))
    if form is None:
        raise ApiError(404, f"no form {form_id!r}")
    values = request.form
    if len(values) > MAX_FIELDS:
        raise ApiError(400, f"at most {MAX_FIELDS} form fields")
    for name in NOT_FIELDS:  # whose address, and where to: one answer each, or none
        if len(values.getlist(name)) > 1:
            raise ApiError(400, f"form field {name!r} is given more than once")
    email = people.checked_email(values.get("email", ""))
    back = values.get("return") or request.referrer or ""
    if values.get("return") and registry.origin_of(back) is None:
        raise ApiError(400, f"field 'return' must be {registry.PLAIN_URL}")
    site = registry.site_at(store, back) if back else None
    if site is not None:
        site_location(store, back, FORM_PARAM, None)  # where it would go: checked now
    event = ingest.server_event("form_submitted", form_id=form_id, form_name=form["name"],
                                msdynci_viewuri=back if site else "", **submitted_fields(values))

    def submitted(db) -> str:
        row = db.execute("SELECT id FROM profiles WHERE email = ?", (email,)).fetchone()
        return row["id"] if row else people.create(db, "contact", email)

    profile_id = store.transact(submitted)
    ingest.deliver(store, site, [event], profile_id=profile_id,
                   listeners=get_listeners())
    if site is None:
        # Never redirect off the registered sites: thank the visitor here instead.
        return render_template("thanks.html", form=form), 200
    # The cookie's value names the profile, signed for forms (as a link's context is signed
    # for contexts): no row is kept for it, so a submission that is not recorded (§2)
    # leaves nothing behind that ties the person to the form.
    token = get_signer().sign("form", profile_id) if form["web_tracking"] else None
    return redirect_to_site(store, back, FORM_PARAM, token, 303)
