"""Tokens against cross-site request forgery, judged by what the page does with them.

A CSRF token is one per visitor, so its value looks like an identifier; the site keeps it
(a cookie, a stored entry) only to send it back to itself and prove that a form or a call
that changes something is its own. Its name (``csrftoken``, ``XSRF-TOKEN``…) says what it
is meant to be, and a tracker can borrow that name (``csrf_vid``), so the name alone lets
nothing through: an entry is taken for a CSRF token (:func:`is_token`) when it is named as
one and what the audit saw of it is what such a token does:

- it lives on the page's own host (a cookie whose domain covers that host, storage of the
  page's own origin): a token another host keeps guards nothing of the site's;
- its value is not also kept under another name (the id a tracker kept before, copied
  into a CSRF-named cookie, is still that id);
- every request that carries it (:func:`sent_back`) changes something on the page's own
  host, or on a host the site's pages were served from (``POST``, ``PUT``, ``PATCH``,
  ``DELETE``): a host merely under the site's (``metrics.shop.example``) may be a tracker's,
  its name pointed there by the site's DNS (CNAME cloaking), so it proves nothing; with the
  token in a header or in the body, never in the address, and by a script's call or a
  form: not a beacon, a pixel, a ping, a socket's message or any other means made to
  report rather than to act. Carried to any other host, in a ``GET``, in a URL, it is an
  identifier going out.

Pure functions over plain data, tested by a table.
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit

from . import identifiers

__all__ = ["NOT_AN_ACTION", "UNSAFE", "is_token", "named", "places", "sent_back"]

# The names frameworks give it (Django's csrftoken, Angular's XSRF-TOKEN, Rails'
# authenticity_token, ASP.NET's __RequestVerificationToken, Express' _csrf).
_NAMED = re.compile(r"(?i)(?:^|[^a-z])(?:csrf|xsrf)|authenticity_?token|"
                    r"request_?verification_?token|anti_?forgery")
UNSAFE = frozenset({"POST", "PUT", "PATCH", "DELETE"})
# Means made to report, not to act: what they carry is never checked against forgery.
NOT_AN_ACTION = frozenset({
    "sendBeacon", "ping", "image", "fetch(keepalive)", "fetchLater", "EventSource",
    "EventSource (reconnecting)", "WebSocket", "WebSocket.send", "postMessage",
    "RTCDataChannel.send", "RTCPeerConnection", "window.open", "meta refresh", "frame",
    "beacon", "websocket", "webrtc", "preconnect", "dns-prefetch",
    "prefetch", "preload", "modulepreload", "prerender", "csp_report", "media",
    "stylesheet", "script", "font", "manifest", "other", "texttrack", "eventsource"})


def named(name: str | None) -> bool:
    """Whether an entry's *name* says it holds a token against request forgery."""
    return bool(_NAMED.search(name or ""))


def _host(url: str) -> str:
    return (urlsplit(url).hostname or "").lower().rstrip(".")


def places(request: dict, token: str, whole: str | None = None) -> set[str]:
    """Where *request* carries *token* (in any of its :func:`identifiers.forms`): a subset
    of ``{"url", "header", "body"}``. *whole*, the request's whole text
    (:func:`identifiers.request_text`) when the caller has it, answers "nowhere" at once."""
    known = {token: identifiers.forms(token)}
    if whole is not None and not identifiers.carried(whole, known):
        return set()
    found = set()
    if identifiers.carried(identifiers.request_text(request.get("url") or ""), known):
        found.add("url")
    headers = {k: v for k, v in (request.get("headers") or {}).items()
               if k.lower() != "referer"}
    if headers and identifiers.carried(identifiers.request_text("", headers), known):
        found.add("header")
    if request.get("body") and identifiers.carried(
            identifiers.request_text("", None, request["body"]), known):
        found.add("body")
    return found


def sent_back(request: dict, where: set[str], own: str,
              pages: frozenset[str] | set[str] = frozenset()) -> bool:
    """Whether *request*, carrying a token in *where* (:func:`places`), sends it as a token
    against forgery is sent: to the page's own host *own* (or one of *pages*, the hosts the
    site's own pages were served from), by an unsafe method, in a header or the body only,
    by a means that acts (a call or a form)."""
    host = _host(request.get("url") or "")
    means = request.get("api") or request.get("resource_type") or ""
    return bool(own) and (host == own or host in pages) and \
        (request.get("method") or "").upper() in UNSAFE and bool(where) and \
        where <= {"header", "body"} and means not in NOT_AN_ACTION


def is_token(name: str, at_home: bool, uses: list[tuple[dict, set[str]]], own: str,
             kept_elsewhere: bool, pages: frozenset[str] | set[str] = frozenset()) -> bool:
    """Whether an entry *name* is a token against forgery (see the module): named as one,
    kept on the page's own host (*at_home*), its value kept under no other name
    (*kept_elsewhere*), and every request that carried it (*uses*: request, its
    :func:`places`) one that sends it back as such a token does (:func:`sent_back`)."""
    return named(name) and at_home and not kept_elsewhere and all(
        sent_back(request, where, own, pages) for request, where in uses)
