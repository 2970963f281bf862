"""Who may call the API, and the headers every answer carries.

No call under ``/api/``, not even a read, may come from a page on another origin
(``Origin``, ``Sec-Fetch-Site``). State-changing ones (POST, PUT, PATCH, DELETE) must also
come as JSON (``application/json``: a browser cannot send that cross-origin without a
preflight, which is never granted) and, when the server has an API token, carry it as
``Authorization: Bearer``. ``/collect``, ``/l/``, ``/f/`` and ``/tracker.js`` stay open:
sites' pages, beacons and mail clients use them.
"""

from __future__ import annotations

import hmac

from flask import Flask, current_app, request

from .errors import ApiError

CHANGING = frozenset({"POST", "PUT", "PATCH", "DELETE"})
SAME = frozenset({"same-origin", "none"})  # Sec-Fetch-Site values of the collector's own

# The collector's pages: nothing from elsewhere, no scripts, never framed.
PAGE_POLICY = ("default-src 'none'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; "
               "form-action 'self'; base-uri 'none'; frame-ancestors 'none'")


def refusal(method: str, path: str, headers, own_origin: str, token: str | None,
            has_body: bool) -> tuple[int, str] | None:
    """Return (status, why) if this request to the API may not be answered, else None. Pure.

    A page on another origin gets nothing from the API, reads included: it could not read
    the answer anyway, and a read it starts still costs (a long-poll it holds keeps a slot
    the harness's own waits need). Following a link to a read, in a tab of its own, is not
    the page's doing.
    """
    if not path.startswith("/api/"):
        return None
    if method not in CHANGING and headers.get("Sec-Fetch-Mode") == "navigate" and \
            headers.get("Sec-Fetch-Dest") == "document":
        return None  # someone followed a link to a read: the answer is theirs to see
    origin = headers.get("Origin")
    if origin is not None and origin.rstrip("/").lower() != own_origin.lower():
        return 403, f"cross-origin request from {origin!r} refused"
    site = headers.get("Sec-Fetch-Site")
    if site is not None and site.lower() not in SAME:
        return 403, f"cross-site request refused (Sec-Fetch-Site: {site})"
    if method not in CHANGING:
        return None
    kind = headers.get("Content-Type")
    if (has_body or kind) and (kind or "").split(";")[0].strip().lower() != "application/json":
        return 415, "send the body as application/json"
    if token:
        given = headers.get("Authorization", "")
        scheme, _, value = given.partition(" ")
        if scheme.lower() != "bearer" or not hmac.compare_digest(value.strip().encode(),
                                                                 token.encode()):
            return 401, "this collector needs its API token: Authorization: Bearer <token>"
    return None


def reads_query(*names: str):
    """Declare the query parameters a view under ``/api/`` reads; any other is refused
    (:func:`query_refusal`). A view without this reads none."""
    def declare(view):
        view.query_names = frozenset(names)
        return view
    return declare


def query_refusal(path: str, args, allowed: frozenset[str]) -> tuple[int, str] | None:
    """Return (400, why) for a query to the API naming a parameter its view does not read,
    or one parameter twice, else None. Pure. Ignored, either changed the answer unseen: a
    misspelt ``?profil=`` (or ``?profile[]=``) read every profile's interactions, and of
    ``?min=1&min=500`` the first won where another reader takes the last."""
    if not path.startswith("/api/"):
        return None
    unknown = sorted(set(args) - allowed)
    if unknown:
        named = ", ".join(repr(name[:40]) for name in unknown[:5])
        reads = ", ".join(sorted(allowed)) or "none"
        return 400, f"unknown query parameter(s) {named}; this call reads: {reads}"
    twice = sorted(name for name in args if len(args.getlist(name)) > 1)
    if twice:
        return 400, f"query parameter {twice[0]!r} is given more than once"
    return None


def encoding_refusal(headers) -> tuple[int, str] | None:
    """Return (415, why) for a body sent with a ``Content-Encoding`` other than identity,
    else None. Pure. Nothing here inflates bodies: read as they are, a gzipped one was a
    confusing "not UTF-8"; and inflating them would let 64 KiB on the wire be megabytes."""
    named = [part.strip().lower() for part in headers.get("Content-Encoding", "").split(",")]
    if any(part not in ("", "identity") for part in named):
        return 415, (f"Content-Encoding {headers.get('Content-Encoding')!r} is not accepted: "
                     "send the body as it is (identity)")
    return None


def options_refusal() -> ApiError | None:
    """The answer to an ``OPTIONS`` the app does not route itself (Flask would answer it
    ``200`` with an empty HTML body): a JSON 405 naming what is allowed. Preflights are
    never granted here (only ``/collect`` answers its own, for registered sites)."""
    rule = request.url_rule
    if request.method != "OPTIONS" or not getattr(rule, "provide_automatic_options", False):
        return None
    adapter = current_app.url_map.bind_to_environ(request.environ)
    allowed = ", ".join(sorted(set(adapter.allowed_methods(request.path)) - {"OPTIONS"}))
    return ApiError(405, f"OPTIONS is not answered here (cross-origin requests are never "
                    f"granted); allowed: {allowed}", {"Allow": allowed})


def init_app(app: Flask) -> None:
    """Check every request against :func:`refusal`; add the security headers."""

    @app.before_request
    def _guard():
        refused = options_refusal()
        if refused:
            raise refused
        found = encoding_refusal(request.headers) or refusal(
            request.method, request.path, request.headers,
            current_app.config["ORIGIN"], current_app.config["API_TOKEN"],
            bool(request.content_length) or "chunked" in
            request.headers.get("Transfer-Encoding", "").lower())
        view = current_app.view_functions.get(request.endpoint or "")
        if not found and view is not None:  # (no view: the 404 or 405 says more)
            found = query_refusal(request.path, request.args,
                                  getattr(view, "query_names", frozenset()))
        if found:
            raise ApiError(*found)

    @app.after_request
    def _headers(response):
        response.headers["X-Content-Type-Options"] = "nosniff"
        if response.mimetype == "text/html":
            response.headers.setdefault("Content-Security-Policy", PAGE_POLICY)
            response.headers.setdefault("X-Frame-Options", "DENY")
            response.headers.setdefault("Referrer-Policy", "same-origin")
        if response.status_code == 401:
            response.headers["WWW-Authenticate"] = 'Bearer realm="webtrack"'
        return response
