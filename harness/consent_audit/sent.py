"""What a request carries that a page chose (its URL, own headers, a Referer it made,
its body), as one text to search for identifiers.
"""

from __future__ import annotations

from urllib.parse import parse_qsl, unquote, unquote_plus, urlsplit

from .encodings import unwrap

__all__ = ["BROWSER_HEADERS", "METHODS", "PAGE_WRITABLE", "request_text"]

# Headers the browser writes itself: what they hold is not the page's doing (the Cookie
# header is judged as cookies; the Referer is the page's address, judged only where it goes
# to another origin).
BROWSER_HEADERS = {
    "host", "user-agent", "accept", "accept-language", "accept-encoding", "connection",
    "referer", "cookie", "origin", "content-length", "content-type", "cache-control",
    "pragma", "upgrade-insecure-requests", "priority", "purpose", "dnt", "te",
    "proxy-connection", "if-modified-since", "range", "keep-alive", "upgrade"}



def _origin(url: str) -> tuple:
    parts = urlsplit(url)
    try:
        port = parts.port
    except ValueError:
        port = None
    return parts.scheme, (parts.hostname or "").rstrip(".").lower(), port


# Headers the browser writes but a page may write instead (fetch's headers, a Blob's type
# as a beacon's Content-Type, a socket's subprotocols): the browser's own values hold no
# identifier, so whatever one of them holds the page put there.
PAGE_WRITABLE = frozenset({
    "accept", "accept-language", "content-type", "cache-control", "pragma", "range",
    "if-modified-since", "dnt", "sec-websocket-protocol"})
# Request methods of the standard: any other is the page's own word (``fetch`` takes any
# token as a method).
METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "DELETE", "CONNECT", "OPTIONS", "TRACE",
                     "PATCH"})


def request_text(url: str, headers: dict | None = None, body: str | None = None,
                 method: str | None = None, shown: set[str] | None = None) -> str:
    """Everything a request carries that a page chose, as one text to search: the URL
    (also decoded), its parameters' values joined (an identifier split over two of them
    reads whole again), a method of its own, the page's own headers and what it wrote in
    the browser's (:data:`PAGE_WRITABLE`), a Referer sent to another origin (the page's
    address, as the page made it) or, where *shown* lists the queries of the addresses the
    visitor was shown, one whose query is none of them (``fetch``'s ``referrer``) and the
    body."""
    parts = urlsplit(url)
    values = [v for _, v in parse_qsl(parts.query, keep_blank_values=True)]
    texts = [url, unquote_plus(url), "".join(values), unquote(parts.path).replace("/", "")]
    if method and method.upper() not in METHODS and method.isalnum():
        texts.append(method)
    for name, value in (headers or {}).items():
        lower = name.lower()
        if lower == "referer" and (_origin(str(value)) != _origin(url) or (
                shown is not None and urlsplit(str(value)).query not in shown)):
            # The page's address told to another origin (a referrer policy that sends it
            # whole): what the page put in its address (history API, fragment-free query)
            # goes with it; so does an address the page wrote as a request's referrer.
            texts += [f"{name}: {value}", unquote_plus(str(value))]
        elif lower in PAGE_WRITABLE or (
                lower not in BROWSER_HEADERS and not lower.startswith("sec-")):
            texts.append(f"{name}: {value}")
    if body:
        texts += [body, unquote_plus(body),
                  "".join(v for _, v in parse_qsl(body, keep_blank_values=True))]
    return unwrap("\n".join(texts))

