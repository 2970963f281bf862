"""Identifiers kept in an answer's body: a server (or the page itself, through Cache Storage)
hands the visitor an identifier in a script, a JSON document or a page, which the browser
keeps and serves back later, with no cookie and no storage entry holding it (a cached
``/id.js`` of ``var uid = "…"``, a cached ``/config.json``, a ``Response`` the page put in
Cache Storage as a script).

An identifier of a body is the visitor's when a fresh visitor is not given it: the audit
asks for the same address twice itself (:func:`validators.probe`, no cookies); a token
both fresh answers lack was given to this visitor alone (an address the server does not
have at all answers 404 without it: what the page put there it made). Only tokens of
answers received before the opt-out that a request after it carries are asked about
(:func:`candidates`), so a page's scripts and their many constants cost nothing.
"""

from __future__ import annotations

import re

from . import identifiers
from .inflate import inflate
from .proxy import HEAD_LIMIT, final_head, parse_response_head
from .validators import probe

__all__ = ["PROBE_LIMIT", "answer_text", "candidates", "proven", "served"]

BODY_KEEP = 64 * 1024  # of an answer's text: an identifier endpoint says it early
PROBE_LIMIT = 8  # addresses asked about per state
_TEXTUAL = re.compile(r"text/|json|javascript|ecmascript|xml|^$")


def _dechunk(body: bytes) -> bytes:
    """A chunked body's content, as far as it is well formed."""
    out, at = bytearray(), 0
    while len(out) < BODY_KEEP:
        end = body.find(b"\r\n", at)
        if end < 0:
            break
        try:
            size = int(body[at:end].split(b";")[0].strip() or b"0", 16)
        except ValueError:
            break
        if size <= 0:
            break
        out += body[end + 2:end + 2 + size]
        at = end + 2 + size + 2
    return bytes(out)


def answer_text(data: bytes) -> str | None:
    """The text of an answer as it came back over the wire (head and body): de-chunked and
    inflated (gzip, deflate), cut to :data:`BODY_KEEP`; None when it is not text (an
    image, a font) or not HTTP."""
    head = final_head(bytes(data[:HEAD_LIMIT]))
    if head is None:
        return None
    try:
        _, pairs = parse_response_head(head)
    except ValueError:
        return None
    headers = {k.lower(): v.strip().lower() for k, v in pairs}
    if not _TEXTUAL.search(headers.get("content-type", "").split(";")[0].strip()):
        return None
    body = bytes(data[data.find(head) + len(head) + 4:])
    if "chunked" in headers.get("transfer-encoding", ""):
        body = _dechunk(body)
    encoding = headers.get("content-encoding", "")
    if encoding in ("gzip", "x-gzip", "deflate"):
        inflated = inflate(body, BODY_KEEP)
        if inflated is None:
            return None
        body = inflated
    elif encoding not in ("", "identity"):
        return None  # br, zstd: not read
    return body[:BODY_KEEP].decode("utf-8", "replace")


def candidates(bodies: list[dict], sent: list[str], known: set[str]) -> dict[str, set[str]]:
    """Which tokens of *bodies* (``{url, text}``: answers the visitor got before the opt-out)
    the texts of requests *sent* after it carry (a field of the request, unwrapped),
    other than *known* ones: ``{url: tokens}``, at most :data:`PROBE_LIMIT` addresses."""
    fields: set[str] = set()
    for text in sent:
        fields |= identifiers.fields(text)
    out: dict[str, set[str]] = {}
    for body in bodies:
        found = identifiers.tokens(body["text"]) & fields - known
        if found and (body["url"] in out or len(out) < PROBE_LIMIT):
            out.setdefault(body["url"], set()).update(found)
    return out


def proven(tokens: set[str], fresh: list[dict]) -> set[str]:
    """Which *tokens* two fresh visitors' answers (``{text}``) both lack: the visitor's own.
    Fewer than two answers prove nothing."""
    if len(fresh) < 2:
        return set()
    return {t for t in tokens if not any(t in a.get("text", "") for a in fresh)}


async def served(bodies: list[dict], sent: list[str], known: set[str]) -> list[dict]:
    """The identifiers served to this visitor alone in an answer's body before the opt-out
    and sent after it: ``[{url, tokens}]`` (asked of the servers, :func:`probe`)."""
    asked = candidates(bodies, sent, known)
    if not asked:
        return []
    fresh = await probe(list(asked), any_status=True)
    out = []
    for url, tokens in asked.items():
        mine = proven(tokens, fresh.get(url, []))
        if mine:
            out.append({"url": url, "tokens": sorted(mine)})
    return out
