"""The HTTP cache as a place to keep an identifier: a server that answers each new visitor
with a validator of its own (an ``ETag``, or a ``Last-Modified`` date that encodes a number)
gets it back from the browser whenever the resource is revalidated (``If-None-Match``,
``If-Modified-Since``), with no cookie and no storage a page can see.

A validator sent back after the opt-out is the visitor's own when a fresh visitor is given
another: the audit asks for the same address twice more itself (:func:`probe`, no cookies,
no validators). A resource's own validator (a file's modification time and size, a hash of
its content) is the same for everyone. Where the two answers' content is the same, validators
that differ are the visitors'; where the content differs, a validator holding a hash of it
(or the start of one) is the content's. A server whose ``Last-Modified`` is within a minute
of its answer's ``Date`` stamps each answer with its moment: that is no number.
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import http.client
import re
import time
from email.utils import parsedate_to_datetime
from urllib.parse import urlsplit

from ..looks import visitor_header
from . import identifiers
from .proxy import dial_host

__all__ = ["HEADERS", "REPLAYED", "as_sent", "build_sources", "builds", "echoed", "issued",
           "probe", "static_links", "to_probe"]

# The request header that sends each validator back, and the answer header that gave it.
HEADERS = {"if-none-match": "etag", "if-modified-since": "last-modified"}
PROBE_TIMEOUT = 3.0  # each read
PROBE_DEADLINE = 6.0  # a whole answer: a server that drips is given up on
PROBE_LIMIT = 8  # addresses probed per state: a tracker needs one
BODY_LIMIT = 1 << 20
BODY_KEEP = 64 * 1024  # of a fresh answer's text, what the visitor's is compared with
NEAR_S = 60  # a Last-Modified this close to its answer's Date is that moment
# What a fresh visitor's request repeats of the browser's own (a server may answer only a
# browser's Fetch Metadata, its Accept, its client hints): never what carries the visitor
# (cookies, credentials, validators, the address of the page it came from).
REPLAYED = ("accept", "accept-language", "origin", "upgrade-insecure-requests", "user-agent")
# Runs of digest characters (hex, base64, base64url) in a validator: a hash of the content,
# or its first 16 characters and more, makes the validator the content's.
_RUN = re.compile(r"[0-9A-Za-z+/_-]{16,}")


def echoed(request: dict) -> list[tuple[str, str]]:
    """The validators *request* (a request seen on the wire) sends back:
    ``[(request header, value)]``."""
    headers = {k.lower(): v for k, v in (request.get("headers") or {}).items()}
    return [(name, headers[name]) for name in HEADERS if headers.get(name)]


def as_sent(requests: list[dict]) -> dict[str, dict[str, str]]:
    """For each address of *requests*, what a fresh visitor's request repeats
    (:data:`REPLAYED`, ``Sec-Fetch-*``, ``Sec-CH-UA*``) of the browser's first for it."""
    sent: dict[str, dict[str, str]] = {}
    for request in requests:
        headers = {k.lower(): v for k, v in (request.get("headers") or {}).items()}
        sent.setdefault(request["url"], {k: visitor_header(k, v) for k, v in headers.items()
                                         if k in REPLAYED or
                                         k.startswith(("sec-fetch-", "sec-ch-ua"))})
    return sent


def to_probe(requests: list[dict], boundary: float | None,
             site_host: str | None = None) -> list[str]:
    """The plain-HTTP loopback addresses revalidated after *boundary* (the opt-out), other
    hosts' before *site_host*'s own (its style sheets and images must not crowd a tracker's
    out of the :data:`PROBE_LIMIT`)."""
    urls: list[str] = []
    for request in requests:
        url = request["url"]
        if boundary is None or request["at"] < boundary or not echoed(request) or \
                url in urls or urlsplit(url).scheme != "http" or \
                dial_host(urlsplit(url).hostname or "") is None:
            continue
        urls.append(url)
    urls.sort(key=lambda u: urlsplit(u).hostname == site_host)  # stable: in order of sending
    return urls[:PROBE_LIMIT]


def _fetch(url: str, visitor: int = 0, sent: dict[str, str] | None = None) -> dict | None:
    """One fresh visitor's answer: its status, validators, the digests of its body and the
    start of its text (dialled on loopback as the proxy dials, the host named in the
    request; with the headers the browser *sent* that :func:`as_sent` keeps)."""
    parts = urlsplit(url)
    address = dial_host(parts.hostname or "")
    if address is None:
        return None
    path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    connection = http.client.HTTPConnection(address, parts.port or 80, timeout=PROBE_TIMEOUT)
    deadline = time.monotonic() + PROBE_DEADLINE
    try:
        headers = dict(sent or {})
        agent = " ".join(filter(None, [headers.pop("user-agent", ""),
                                       f"webtrack-consent-audit/{visitor}"]))
        connection.request("GET", path, headers={**headers, "Host": parts.netloc,
                                                 "User-Agent": agent})
        answer = connection.getresponse()
        headers = {k.lower(): v for k, v in answer.getheaders()}
        body = b""
        while len(body) < BODY_LIMIT:
            if time.monotonic() > deadline:
                return None  # too slow to judge
            chunk = answer.read1(BODY_LIMIT - len(body))
            if not chunk:
                break
            body += chunk
    except (OSError, ValueError, http.client.HTTPException):  # refused, a broken answer
        return None
    finally:
        connection.close()
    digests = []
    for name in ("md5", "sha1", "sha256"):
        digest = hashlib.new(name, body).digest()
        digests += [digest.hex(), base64.b64encode(digest).decode().rstrip("="),
                    base64.urlsafe_b64encode(digest).decode().rstrip("=")]
    moment = _moment(headers.get("date", "")) or time.time()
    return {"status": answer.status, "etag": headers.get("etag"),
            "last-modified": headers.get("last-modified"), "digests": digests,
            "date": moment, "text": body[:BODY_KEEP].decode("utf-8", "replace")}


async def probe(urls: list[str], any_status: bool = False,
                known: dict[str, list] | None = None,
                sent: dict[str, dict[str, str]] | None = None) -> dict[str, list[dict]]:
    """Two fresh visitors' answers (200 OK) for each of *urls* (loopback only), all at once;
    with *any_status*, answers of every status (an address the server does not have at all
    answers 404: what the visitor was given there the page made). *known* keeps the answers
    between calls of one state's judgement: an address is asked once. *sent*: the headers
    the browser sent for each address (:func:`as_sent`), repeated."""
    known = {} if known is None else known
    missing = [url for url in dict.fromkeys(urls) if url not in known]
    # Two visitors with different User-Agents: what the server derives from it differs.
    answers = await asyncio.gather(*(asyncio.to_thread(_fetch, url, i, (sent or {}).get(url))
                                     for url in missing for i in range(2)))
    for i, url in enumerate(missing):
        known[url] = answers[2 * i:2 * i + 2]
    return {url: [a for a in known[url] if a is not None and (
        any_status or a["status"] == 200)] for url in urls}


def _moment(value: str) -> float | None:
    try:
        return parsedate_to_datetime(value).timestamp()
    except (TypeError, ValueError, IndexError):
        return None


def _hashes_content(validator: str, digests: list[str]) -> bool:
    """Whether *validator* holds one of *digests*, whole or its start (16 characters on)."""
    for run in _RUN.findall(validator):
        for digest in digests:
            hexed = all(c in "0123456789abcdef" for c in digest)
            a, b = (run.lower(), digest) if hexed else (run, digest)
            if a.startswith(b) or b.startswith(a):
                return True
    return False


def issued(header: str, value: str, fresh: list[dict], at: float) -> bool:
    """Whether *value*, sent back in request header *header* (at *at*, wall clock), was
    issued to this visitor: two fresh visitors were each given another, and it is neither
    a hash of differing content nor (a date) each answer's own moment."""
    given = [a.get(HEADERS[header]) for a in fresh]
    if len(given) < 2 or value in given or given[0] == given[1]:
        return False
    if header == "if-none-match":
        if fresh[0]["digests"] == fresh[1]["digests"]:
            return True  # the same content, a validator for each visitor
        return not any(_hashes_content(g or "", a["digests"])
                       for a, g in zip(fresh, given, strict=True))
    stamped = [_moment(g or "") for g in given]
    if any(m is None or a.get("date") is not None and abs(m - a["date"]) <= NEAR_S
           for m, a in zip(stamped, fresh, strict=True)):
        return False  # each answer's own moment
    return _moment(value) is not None


BUILD_SOURCES = 8  # of the site's pages, scripts and data, asked for to tell its own values


def build_sources(requests: list[dict], site_host: str | None) -> list[str]:
    """The site's own pages, then its scripts and style sheets, then what its pages fetched
    from it (a configuration's JSON, a service worker's script), the visitor loaded (GET,
    plain HTTP, loopback): where a build's hash or a site's key shows, the same for every
    visitor. At most :data:`BUILD_SOURCES`."""
    kinds = ("document", "script", "stylesheet", "fetch", "xhr", "other")
    own = [r for r in requests if r.get("resource_type") in kinds
           and r.get("method", "GET") == "GET"
           and urlsplit(r["url"]).scheme == "http" and site_host
           and urlsplit(r["url"]).hostname == site_host]
    own.sort(key=lambda r: kinds.index(r["resource_type"]))  # stable
    urls: list[str] = []
    for r in own:
        url = r["url"].split("#")[0]
        if url not in urls and dial_host(site_host or "") is not None:
            urls.append(url)
    return urls[:BUILD_SOURCES]


async def builds(evidence: dict, site_host: str | None,
                 known: dict[str, list] | None = None) -> list[str]:
    """The values the visitor's cookies and stored entries hold, in their names or values
    (:func:`identifiers.candidates`), that are the site's, the same for every visitor: the
    labels of its host name, what two fresh visitors are both served in its scripts and
    data (a site's key in its configuration, a precache's revisions), and a build's hash or
    a cached answer's whole text both are served in its pages.
    Nothing is asked when nothing kept may be an identifier."""
    stock = evidence.get("stored") or {}
    texts = [t for c in evidence["cookies"] + evidence["cookie_writes"]
             + evidence.get("cookies_at_opt_out", [])
             for t in (c.get("name") or "", c.get("value") or "")] + [
        t for i in evidence["storage_writes"] + stock.get("at_opt_out", [])
        + stock.get("end", []) for t in (i.get("key") or "", i.get("value") or "",
                                         i.get("headers") or "")]
    # A cached answer's whole text, when fresh visitors are served it too, holds nothing of
    # the visitor (a precached page's script is full of long mixed-case words).
    bodies = {i.get("value") or "" for i in stock.get("at_opt_out", []) + stock.get("end", [])
              if i.get("storage") == "cacheStorage"}
    candidates = identifiers.candidates(texts) | {b for b in bodies if len(b) >= 16}
    if not candidates:
        return []
    labels = candidates & set((site_host or "").split("."))
    # A service worker's script too, which a browser may not report loading (Firefox).
    workers = [i.get("value") or "" for i in stock.get("end", [])
               if i.get("storage") == "serviceWorker"]
    sources = build_sources(evidence["requests"], site_host)
    sources += [u for u in dict.fromkeys(workers) if u not in sources and
                urlsplit(u).scheme == "http" and urlsplit(u).hostname == site_host][:2]
    fresh = await probe(sources, known=known)
    # A page's own text proves a build's hash or a whole cached answer the site's; any other
    # value only in what the pages load (a script, a configuration's JSON): a page may
    # write a visitor's id into its markup, as a test estate's fixed ids are.
    pages = {r["url"].split("#")[0] for r in evidence["requests"]
             if r.get("resource_type") == "document"}
    shaped = set().union(*map(identifiers.build_shaped, texts)) | bodies
    loaded = {url: answers for url, answers in fresh.items() if url not in pages}
    return sorted(labels | identifiers.given_to_all(candidates & shaped, fresh)
                  | identifiers.given_to_all(candidates, loaded))


async def static_links(evidence: dict, site_host: str | None,
                       known: dict[str, list] | None = None) -> list[str]:
    """The values in the query of the site's own pages the visitor opened
    (:func:`identifiers.decorated`) that both fresh visitors find in those pages too: a
    static link's (``?sku=…``), not an id a script put in the visitor's links."""
    links = identifiers.decorated(evidence["requests"], site_host)
    if not links:
        return []
    documents = {r["url"].split("#")[0] for r in evidence["requests"]
                 if r.get("resource_type") == "document"}
    pages = [u for u in build_sources(evidence["requests"], site_host) if u in documents]
    return sorted(identifiers.given_to_all(links, await probe(pages, known=known)))
