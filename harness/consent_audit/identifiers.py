"""Identifiers: what in a stored value can single a visitor out, and whether a request
carries one, however it is dressed (URL-encoded, base64, hex, hashed, split over
parameters or path segments, in a header or the body, in the path). Pure functions over
plain strings.
"""

from __future__ import annotations

import base64
import hashlib
import json
import re
from urllib.parse import parse_qsl, unquote, unquote_plus, urlsplit

__all__ = ["carried", "forms", "identifying", "request_text", "tokens"]

_TOKEN = re.compile(r"[A-Za-z0-9_\-]{8,}")
_DATE = re.compile(r"\d{4}-\d\d-\d\d([T ][\d:.]+(Z|[+-]\d\d:?\d\d)?)?")
# Headers the browser writes itself: what they hold is not the page's doing (the Cookie
# header is judged as cookies; the Referer is the page's address, judged only where it goes
# to another origin).
BROWSER_HEADERS = {
    "host", "user-agent", "accept", "accept-language", "accept-encoding", "connection",
    "referer", "cookie", "origin", "content-length", "content-type", "cache-control",
    "pragma", "upgrade-insecure-requests", "priority", "purpose", "dnt", "te",
    "proxy-connection", "if-modified-since", "range", "keep-alive", "upgrade"}


def _timestamp(token: str) -> bool:
    """A moment in seconds or milliseconds since 1970 (2001 to 2039), not a person."""
    return token.isdigit() and len(token) in (10, 13) and token[0] in "12"


def tokens(value: str | None) -> set[str]:
    """The parts of *value* that could single a visitor out: runs of 8 or more letters,
    digits, ``_`` and ``-`` that mix letters with at least two digits, or hold nine digits
    or more; dates and timestamps are not identifiers."""
    text = _DATE.sub(" ", unquote(value or ""))
    found = set()
    for token in _TOKEN.findall(text):
        digits = sum(c.isdigit() for c in token)
        if _timestamp(token):
            continue
        if (2 <= digits < len(token)) or digits >= 9:
            found.add(token)
    return found


# Words in a name that say its value is about a person or a device, not a preference.
_ID_WORDS = frozenset({
    "id", "ids", "uid", "uids", "uuid", "guid", "cid", "vid", "sid", "did", "pid", "anid", "fpid",
    "visitor", "visitorid", "client", "clientid", "user", "userid", "device", "deviceid",
    "fingerprint", "fp", "anon", "anonid", "anonymous", "tracking", "trackingid", "tracker",
    "track", "session", "sessionid", "profile", "profileid", "contact", "lead", "member"})
# A run this long that is not one plain word is random enough to tell people apart.
_RANDOM_RUN = re.compile(r"[A-Za-z0-9_\-]{16,}")
_PLAIN = frozenset({"true", "false", "null", "undefined", "none", "yes", "no", "on", "off"})


def _name_words(name: str) -> set[str]:
    """``visitorId`` / ``visitor_id`` / ``VISITOR-ID`` → {visitor, id, visitorid}."""
    spaced = re.sub(r"([a-z0-9])([A-Z])", r"\1 \2", name or "").lower()
    words = {w for w in re.split(r"[^a-z0-9]+", spaced) if w}
    return words | {"".join(sorted(words, key=spaced.find))}


def _random_run(run: str) -> bool:
    """Not a plain word or a phrase of them (``prefers_reduced_motion``): mixed case or
    digits in it."""
    core = run.replace("_", "").replace("-", "")
    return not (core.isalpha() and (core.islower() or core.isupper()))


def identifying(name: str, value: str | None) -> bool:
    """Whether a stored entry *name* = *value* could single the visitor out: its value
    holds an identifier (:func:`tokens`) or a long random run, or its name says it is about
    a person or a device (``uid``, ``visitorId``, ``client_id``…) and it holds more than a
    flag. A preference (``theme=dark``, ``lang=en-GB``, a count, a page address) does not.
    JSON values are judged leaf by leaf, each under its own key."""
    text = unquote(value or "").strip()
    if tokens(text) or any(_random_run(r) for r in _RANDOM_RUN.findall(text)):
        return True
    try:
        data = json.loads(text)
    except ValueError:
        data = None
    if isinstance(data, (dict, list)):
        items = data.items() if isinstance(data, dict) else ((name, v) for v in data)
        return any(identifying(str(k), v if isinstance(v, str) else json.dumps(v))
                   for k, v in items)
    alnum = re.sub(r"[^A-Za-z0-9]", "", text)
    return bool(_ID_WORDS & _name_words(name)) and len(alnum) >= 4 and \
        text.lower() not in _PLAIN


def forms(token: str) -> dict[str, str]:
    """The ways a page may dress *token* in a request: encoding name → text to look for."""
    raw = token.encode("utf-8")
    b64 = base64.b64encode(raw).decode().rstrip("=")
    dressed = {"as is": token, "base64": b64,
               "base64url": base64.urlsafe_b64encode(raw).decode().rstrip("="),
               "hex": raw.hex()}
    for name in ("md5", "sha1", "sha256"):
        digest = hashlib.new(name, raw).digest()
        dressed[f"{name} hex"] = digest.hex()
        dressed[f"{name} base64"] = base64.b64encode(digest).decode().rstrip("=")
    # A base64 run shorter than this could turn up by chance.
    return {k: v for k, v in dressed.items() if len(v) >= 8}


def _origin(url: str) -> tuple:
    parts = urlsplit(url)
    try:
        port = parts.port
    except ValueError:
        port = None
    return parts.scheme, (parts.hostname or "").rstrip(".").lower(), port


def request_text(url: str, headers: dict | None = None, body: str | None = None) -> str:
    """Everything a request carries that a page chose, as one text to search: the URL
    (also decoded), its parameters' values joined (an identifier split over two of them
    reads whole again), the page's own headers, a Referer sent to another origin (the
    page's address, as the page made it) and the body."""
    parts = urlsplit(url)
    values = [v for _, v in parse_qsl(parts.query, keep_blank_values=True)]
    texts = [url, unquote_plus(url), "".join(values), unquote(parts.path).replace("/", "")]
    for name, value in (headers or {}).items():
        lower = name.lower()
        if lower == "referer" and _origin(str(value)) != _origin(url):
            # The page's address told to another origin (a referrer policy that sends it
            # whole): what the page put in its address (history API, fragment-free query)
            # goes with it.
            texts += [f"{name}: {value}", unquote_plus(str(value))]
        elif lower not in BROWSER_HEADERS and not lower.startswith("sec-"):
            texts.append(f"{name}: {value}")
    if body:
        texts += [body, unquote_plus(body),
                  "".join(v for _, v in parse_qsl(body, keep_blank_values=True))]
    return "\n".join(texts)


def carried(text: str, known: dict[str, dict[str, str]]) -> list[tuple[str, str]]:
    """Which of the *known* identifiers (token → its forms) *text* carries, and how:
    ``[(token, encoding)]``. Hex forms are matched in either case."""
    lower = text.lower()
    found = []
    for token, dressed in known.items():
        for encoding, form in dressed.items():
            haystack = lower if "hex" in encoding else text
            if (form.lower() if "hex" in encoding else form) in haystack:
                found.append((token, encoding))
                break
    return found
