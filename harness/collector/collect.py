"""``POST /collect``: interactions from the tracking script, with CORS for registered sites."""

from __future__ import annotations

from flask import Blueprint, Response, jsonify, request

from . import ingest, registry, schema
from .errors import ApiError, json_object
from .signing import InvalidToken
from .state import get_listeners, get_signer, get_store

bp = Blueprint("collect", __name__)


def _cors(response: Response, origin: str | None) -> Response:
    response.headers["Vary"] = "Origin"
    if origin:
        response.headers["Access-Control-Allow-Origin"] = origin
        response.headers["Access-Control-Allow-Methods"] = "POST"
        response.headers["Access-Control-Allow-Headers"] = "Content-Type"
        response.headers["Access-Control-Max-Age"] = "600"
    return response


def attribute(signer, context: str | None, submission: str | None):
    """Return (profile_id, None) for a delivery, or (None, (reason, detail)) to reject it."""
    profile_id = None
    try:
        if submission is not None:
            profile_id = signer.verify("form", submission)
            if profile_id.startswith("s_"):  # an earlier version signed a submission's id
                raise InvalidToken("form submission id of an earlier version: it names no "
                                   "profile (the visitor submits the form again)")
    except InvalidToken as exc:
        return None, ("invalid_form_submission", str(exc))
    try:
        if context is not None:
            profile_id = signer.verify("context", context)
    except InvalidToken as exc:
        return None, ("invalid_context", str(exc))
    if profile_id is None:
        return None, ("anonymous", "neither a tracking context nor a form submission was sent")
    return profile_id, None


@bp.after_request
def _readable_by_registered_sites(response: Response) -> Response:
    """Let a registered site's page read every answer of ``/collect``, a refusal too: a
    400 saying what is wrong with its delivery was a bare network error to its script."""
    origin = request.headers.get("Origin")
    registered = origin is not None and registry.is_registered(get_store(), origin)
    return _cors(response, origin if registered else None)


@bp.route("/collect", methods=["OPTIONS"])
def preflight():
    registry.sender_origin(get_store())  # a 403 for another origin
    return Response(status=204)


@bp.post("/collect")
def collect():
    store = get_store()
    origin = registry.sender_origin(store)
    body = schema.delivery(json_object(request))
    site_origin = registry.site_origin(store, body["site"])
    if site_origin is None:
        raise ApiError(403, f"site {body['site']!r} is not registered")
    if origin is not None and registry.origin_of(origin) != site_origin:
        raise ApiError(403, f"origin {origin!r} does not belong to site {body['site']!r}")
    schema.check_origin(body["events"], body["site"], site_origin)
    profile_id, rejection = attribute(get_signer(),
                                      body["context"], body["form_submission"])
    outcome = ingest.deliver(store, body["site"], body["events"], profile_id=profile_id,
                             rejection=rejection,
                             listeners=get_listeners(),
                             from_site=True)
    return jsonify(accepted=outcome.accepted, rejected=outcome.rejected), 202
