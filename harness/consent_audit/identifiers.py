"""Identifiers: what in a stored value can single a visitor out, and whether a request
carries one, however it is dressed (URL-encoded, base64, hex, hashed, split over
parameters or path segments, in a header or the body, in the path). Pure functions over
plain strings.
"""

from __future__ import annotations

import json
import re
from urllib.parse import parse_qsl, unquote, urlsplit

from .ciphers import scrambled
from .encodings import GROWTH, UNWRAPPED, unwrap
from .forms import forms
from .pieces import fields, joined
from .rearranged import rearranged
from .sent import BROWSER_HEADERS, request_text

__all__ = ["BROWSER_HEADERS", "GROWTH", "build_hash", "build_shaped", "carried", "fields",
           "forms", "given_to_all", "identifying", "joined", "name_tokens", "page_specific",
           "request_text", "scrambled", "tokens", "unwrap"]

_TOKEN = re.compile(r"[A-Za-z0-9_\-]{8,}")
_DATE = re.compile(r"\d{4}-\d\d-\d\d([T ][\d:.]+(Z|[+-]\d\d:?\d\d)?)?")


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


# A word with a number of up to eight digits on either side of it: a version, a year, a
# date (``v2023``, ``ios17``, ``release20241129``).
_VERSIONED = re.compile(r"[A-Za-z]*[0-9]{1,8}|[0-9]{1,8}[A-Za-z]*")


def name_tokens(name: str | None, builds: frozenset[str] | set[str] = frozenset()
                ) -> set[str]:
    """The parts of an entry's *name* that could single a visitor out: of each name's
    :func:`tokens`, the ``_``/``-``-separated pieces of 8 or more characters that mix
    letters and two digits or more in no word-and-number pattern (``8f3a9c2e77``), or hold
    nine digits or more. A name says what an entry is, so years, dates and versions in it
    (``cookie_consent_v2023``, ``banner_closed_2024``) are the site's, the same for all, as
    is a build's hash the audit saw served to every visitor (*builds*, :func:`build_hash`)."""
    found = set()
    for token in tokens(name):
        for piece in re.split(r"[_\-]+", token):
            digits = sum(c.isdigit() for c in piece)
            if len(piece) >= 8 and (digits >= 9 or (
                    2 <= digits < len(piece) and not _VERSIONED.fullmatch(piece))) and \
                    not build_hash(piece, name or "", builds):
                found.add(piece)
    return found


# A build's hash in a name (``cache-a1b2c3d4``, ``app-state-9f8e7d6c``, ``main.3f9a2c1b``):
# seven or eight lowercase hex digits after a hyphen or a dot, ending the name or a part
# of it, as bundlers and service-worker caches name things. A visitor's id can take the
# same shape (``vid-3fa9c21e``): what tells them apart is that a build's is the same for
# every visitor, so the audit asks for the site's pages and scripts as fresh visitors
# (``validators.builds``) and only a hash their answers all carry is a build's.
_BUILD_HASH = re.compile(r"(?<=[-.])[0-9a-f]{7,8}(?=$|[.\-/ ])")


def build_shaped(name: str) -> set[str]:
    """The pieces of *name* shaped as a build's hash (:data:`_BUILD_HASH`)."""
    return {m.group() for m in _BUILD_HASH.finditer(name or "")}


def build_hash(piece: str, name: str, builds: frozenset[str] | set[str] = frozenset()
               ) -> bool:
    """Whether *piece* of *name* is the site's, the same for everyone: among *builds*, the
    values every fresh visitor was served (:func:`given_to_all`; a visitor's own id is not),
    whatever its shape (a build's hash, a product's code, a host name)."""
    return piece in builds


def given_to_all(candidates: set[str], fresh: dict[str, list[dict]]) -> set[str]:
    """Which *candidates* every fresh visitor was given at one address at least (*fresh*:
    address → answers ``{text}``, two or more to prove anything): the site's own, the
    same for everyone, as a build's hash in its pages and scripts is, or a site key in the
    configuration it serves. An address that holds the candidate itself proves nothing (a
    server may echo what it is asked for: ``/api?skus=…``)."""
    return {c for c in candidates if any(
        len(answers) >= 2 and c not in unquote(url) and
        all(c in a.get("text", "") for a in answers)
        for url, answers in fresh.items())}


def page_specific(candidates: set[str], pages: list[list[dict]]) -> set[str]:
    """Which *candidates* fresh visitors are all served in some of the site's *pages* (each
    a list of two answers or more ``{text}``) but not in every one: a product's code on its
    product's page is the site's, the same for everyone. What every page holds may be a
    visitor's id written into the markup (a test estate's fixed ids are), so only the
    twins' reading (two fresh visitors keeping the value alike, differential.same) and a
    page without it let a value through."""
    if len(pages) < 2:
        return set()
    return {c for c in candidates
            if any(all(c in a.get("text", "") for a in answers) for answers in pages)
            and not all(any(c in a.get("text", "") for a in answers) for answers in pages)}


def candidates(texts: list[str]) -> set[str]:
    """Every value in *texts* (the names and values a page keeps) that may be taken for an
    identifier (:func:`tokens`, of what each wraps too, :func:`name_tokens`, a build's hash,
    a prefixed one's bare part): what fresh visitors' answers are searched for."""
    found: set[str] = set()
    for text in texts:
        found |= tokens(unwrap(text)) | name_tokens(text) | build_shaped(text)
    return found | {p for t in found for p in tokens(re.sub(r"[_-]", " ", t))}


# The collector's own link parameters: the audit's entry link carries them, not the site.
LINK_PARAMETERS = frozenset({"wt_ctx", "wt_fsid"})


def decorated(requests: list[dict], host: str | None, since: float | None = None
              ) -> set[str]:
    """The identifiers in the query of the pages of *host* the visitor opened (since
    *since*): a site that keeps no storage may carry its id in its own links
    (``/two.html?_vid=…``), which the page reads back. The collector's link parameters are
    not the site's."""
    found: set[str] = set()
    for request in requests:
        parts = urlsplit(request.get("url") or "")
        if request.get("resource_type") != "document" or not host or \
                parts.hostname != host or since is not None and request.get("at", 0) < since:
            continue
        for name, value in parse_qsl(parts.query, keep_blank_values=True):
            if name not in LINK_PARAMETERS:
                found |= tokens(value)
    return found


def without(value: str, builds: frozenset[str] | set[str]) -> str:
    """*value* with every one of *builds* (values given to every visitor) taken out,
    longest first: what is left is what may be the visitor's own."""
    for shared in sorted(builds, key=len, reverse=True):
        value = value.replace(shared, " ")
    return value


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


def carried(text: str, known: dict[str, dict[str, str]]) -> list[tuple[str, str]]:
    """Which of the *known* identifiers (token → its forms) *text* carries, and how:
    ``[(token, encoding)]``. Hex forms are matched in either case."""
    lower = text.lower()
    plain = text.find(UNWRAPPED)
    found = []
    for token, dressed in known.items():
        for encoding, form in dressed.items():
            haystack = lower if "hex" in encoding else text
            at = haystack.find(form.lower() if "hex" in encoding else form)
            if at >= 0:
                found.append((token, encoding if plain < 0 or at < plain else
                              f"{encoding}, once unwrapped"))
                break
        else:  # the same identifier in other case (upper-cased, lower-cased)
            if token.lower() in lower:
                found.append((token, "case changed"))
    told = {token for token, _ in found}
    found += scrambled(text, {t: f for t, f in known.items() if t not in told})
    told |= {token for token, _ in found}
    return found + rearranged(text, {t: f for t, f in known.items() if t not in told})
