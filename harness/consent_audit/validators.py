"""The HTTP cache as a place to keep an identifier: a server that answers each new visitor
with a validator of its own (an ``ETag``, or a ``Last-Modified`` date that encodes a number)
gets it back from the browser whenever the resource is revalidated (``If-None-Match``,
``If-Modified-Since``), with no cookie and no storage a page can see.

A validator sent back after the opt-out is the visitor's own when a fresh visitor is given
another: the audit asks for the same address twice more itself (:func:`probe`, no cookies,
no validators). A resource's own validator (a file's modification time and size, a hash of
its content) is the same for everyone, and where the content differs from one answer to the
next, a validator that is a hash of it is the content's. A ``Last-Modified`` date within a
minute of its answer is that answer's time, not a number.
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import http.client
from email.utils import parsedate_to_datetime
from urllib.parse import urlsplit

from .proxy import dial_host

__all__ = ["HEADERS", "echoed", "issued", "probe", "to_probe"]

# The request header that sends each validator back, and the answer header that gave it.
HEADERS = {"if-none-match": "etag", "if-modified-since": "last-modified"}
PROBE_TIMEOUT = 3.0
PROBE_LIMIT = 8  # addresses probed per state: a tracker needs one
BODY_LIMIT = 1 << 20


def echoed(request: dict) -> list[tuple[str, str]]:
    """The validators *request* (a request seen on the wire) sends back:
    ``[(request header, value)]``."""
    headers = {k.lower(): v for k, v in (request.get("headers") or {}).items()}
    return [(name, headers[name]) for name in HEADERS if headers.get(name)]


def to_probe(requests: list[dict], boundary: float | None) -> list[str]:
    """The plain-HTTP loopback addresses revalidated after *boundary* (the opt-out)."""
    urls: list[str] = []
    for request in requests:
        url = request["url"]
        if boundary is None or request["at"] < boundary or not echoed(request) or \
                url in urls or urlsplit(url).scheme != "http" or \
                dial_host(urlsplit(url).hostname or "") is None:
            continue
        urls.append(url)
    return urls[:PROBE_LIMIT]


def _fetch(url: str) -> dict | None:
    """One fresh visitor's answer: its validators and the digests of its body (dialled on
    loopback as the proxy dials, the host named in the request)."""
    parts = urlsplit(url)
    address = dial_host(parts.hostname or "")
    if address is None:
        return None
    path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    connection = http.client.HTTPConnection(address, parts.port or 80, timeout=PROBE_TIMEOUT)
    try:
        connection.request("GET", path, headers={"Host": parts.netloc,
                                                 "User-Agent": "webtrack-consent-audit"})
        answer = connection.getresponse()
        body = answer.read(BODY_LIMIT)
        headers = {k.lower(): v for k, v in answer.getheaders()}
    except (OSError, ValueError, http.client.HTTPException):  # refused, a broken answer
        return None
    finally:
        connection.close()
    if answer.status != 200:
        return None
    digests = []
    for name in ("md5", "sha1", "sha256"):
        digest = hashlib.new(name, body).digest()
        digests += [digest.hex(), base64.b64encode(digest).decode().rstrip("=")]
    return {"etag": headers.get("etag"), "last-modified": headers.get("last-modified"),
            "digests": digests}


async def probe(urls: list[str]) -> dict[str, list[dict]]:
    """Two fresh visitors' answers for each of *urls* (loopback only), in turn."""
    found: dict[str, list[dict]] = {}
    for url in urls:
        answers = [await asyncio.to_thread(_fetch, url) for _ in range(2)]
        found[url] = [a for a in answers if a is not None]
    return found


def _moment(value: str) -> float | None:
    try:
        return parsedate_to_datetime(value).timestamp()
    except (TypeError, ValueError, IndexError):
        return None


def issued(header: str, value: str, fresh: list[dict], at: float) -> bool:
    """Whether *value*, sent back in request header *header* at *at* (wall clock), was
    issued to this visitor: two fresh visitors were each given another, and it is neither
    a hash of the content nor (a date) the moment of an answer."""
    given = [a.get(HEADERS[header]) for a in fresh]
    if len(given) < 2 or value in given or given[0] == given[1]:
        return False
    if header == "if-none-match":
        return not any(d in (g or "") for a, g in zip(fresh, given, strict=True)
                       for d in a["digests"])
    moment = _moment(value)
    return moment is not None and abs(moment - at) > 60
