"""Two fresh visitors, one state: what differs between them is per-visitor state.

Whether a value can single a visitor out is not a question of its shape (words chosen at
random, a number of five digits, a run of CJK characters, a field added to a consent
platform's cookie, an IndexedDB database's version all pass for data). The audit answers
it by a differential reading: a second fresh visitor (the *twin*) goes through the same
state on the same page clock, started at the same instant (the runner: once all the site's
opted-out states were visited, and only if one of them is not failed already), and each
place a page can keep or send a value, a *slot*, is read in both:

- a cookie (its domain, path and name), and each field of a structured value in it (a query
  string ``a=1&b=2``, JSON, a script's object literal ``{stamp:'…',ver:1}``, base64 of
  JSON), so a field stuffed into a consent platform's record is a slot of its own;
- a stored entry (storage, origin, key: a web storage key, an IndexedDB ``db/store/key`` and
  a database's version ``db/(version)``, a Cache Storage ``cache/URL``, a file's path), its
  fields and a cached answer's own headers; keys that differ in one part only (a key named
  by an id) are paired by their other parts;
- a request after the opt-out: each query parameter, each field of its body (form or JSON),
  each header the page chose and each segment of its path, by method, host and path.

A slot whose values differ between the twins (:func:`differs`) holds per-visitor state,
whatever its shape, unless the difference is the clock's: moments (timestamps, dates) a
minute or so apart, as two visits' own times and a server's are. A difference too small to
tell people apart (a flag, an A/B group's one word: :func:`bits`) is not counted. A request
field counts only when it is steady within each visitor (one value, sent twice or more by
one of them): a cache-buster differs between requests as much as between people.

What differs legitimately after an opt-out (a CSRF token used as one, an entry the site
declares necessary, a consent platform's receipt id) is the verdict's to excuse: this
module only reads and compares. Pure functions over the evidence's plain data.
"""

from __future__ import annotations

import base64
import binascii
import json
import math
import re
from datetime import datetime, timezone
from email.utils import parsedate_to_datetime
from urllib.parse import parse_qsl, unquote, urlsplit

from . import clocks, identifiers

__all__ = ["MIN_APART", "MIN_BITS", "MOMENT_SLACK_S", "bits", "compare", "differs", "fields",
           "reading", "rebase", "request_slots", "same", "slots", "timed", "wordlike"]

MOMENT_SLACK_S = 60.0  # two visits' moments (the page clocks', a server's) differ this much
MIN_BITS = 13.0  # what tells people apart: four random digits, two words, three letters
MIN_APART = 6.0  # of it in what differs: two digits or letters at least


def _leaves(node, path: str, out: dict[str, str]) -> None:
    if isinstance(node, dict):
        for k, v in list(node.items())[:200]:
            _leaves(v, f"{path}.{k}" if path else str(k), out)
    elif isinstance(node, list):
        for i, v in enumerate(node[:200]):
            _leaves(v, f"{path}[{i}]", out)
    else:
        out[path or "(value)"] = "" if node is None else (
            json.dumps(node) if isinstance(node, bool) else str(node))


_LITERAL = re.compile(r"""([A-Za-z_$][\w$]*)\s*:\s*('([^']*)'|"([^"]*)"|[^,}\]]*)""")
_PAIRS = re.compile(r"\w{1,64}:[^,:]*(,\w{1,64}:[^,:]*)+")
_B64ISH = re.compile(r"[A-Za-z0-9+/_\-]{16,}={0,2}")


def fields(value: str | None) -> dict[str, str]:
    """The fields of a structured *value* (JSON, base64 of JSON, a script's object literal,
    a query string), each under its path: ``{"groups": "C0001:1", "user.id": "…"}``; empty
    when *value* is no structure (then it is one field, whole)."""
    text = (value or "").strip()
    for _ in range(2):
        if "%" not in text:
            break
        text = unquote(text)
    out: dict[str, str] = {}
    if text[:1] in "{[":
        try:
            _leaves(json.loads(text), "", out)
            return out
        except ValueError:
            pairs = _LITERAL.findall(text)
            if pairs:
                return {k: q1 if q1 or raw.startswith("'") else q2 if raw.startswith('"')
                        else raw.strip() for k, raw, q1, q2 in pairs}
    if _B64ISH.fullmatch(text):
        try:
            decoded = base64.b64decode(text.replace("-", "+").replace("_", "/").rstrip("=")
                                       + "=" * (-len(text.rstrip("=")) % 4),
                                       validate=True).decode()
            data = json.loads(decoded)
            if isinstance(data, (dict, list)):
                _leaves(data, "", out)
        except (ValueError, UnicodeDecodeError, binascii.Error):
            pass
        return out
    if _PAIRS.fullmatch(text):  # CookieYes' ``consentid:…,consent:no,…``
        return dict(pair.split(":", 1) for pair in text.split(","))
    if "=" in text and ("&" in text or text.count("=") == 1) and not text.startswith("="):
        pairs = parse_qsl(text, keep_blank_values=True)
        if pairs and all(re.fullmatch(r"[\w.\-\[\]]{1,64}", k) for k, _ in pairs):
            return {k: v for k, v in pairs}
    return out


def _put(out: dict[tuple, str], slot: tuple, value: str | None) -> None:
    """*value* under *slot*, and each of its fields under a slot of its own."""
    parts = fields(value)
    if parts:
        for path, leaf in parts.items():
            out[slot + (path,)] = leaf
    else:  # percent-encoded text read as the page reads it back (CJK characters, say)
        out[slot + ("",)] = unquote(value or "")


def slots(evidence: dict) -> dict[tuple, str]:
    """Every slot the visitor's browser keeps at the end, with its value: cookies and the
    stock of every origin (``stored.end``), fields split out (:func:`fields`)."""
    out: dict[tuple, str] = {}
    for c in evidence.get("cookies", []):
        _put(out, clocks.cookie_slot(c), c.get("value"))
    for i in (evidence.get("stored") or {}).get("end", []):
        slot = clocks.stored_slot(i)
        _put(out, slot, i.get("value"))
        for line in (i.get("headers") or "").splitlines():
            name, _, value = line.partition(":")
            out[slot + (f"header {name.strip().lower()}",)] = value.strip()
    return out


def request_slots(requests: list[dict], since: float | None) -> dict[tuple, list[tuple]]:
    """Each field of each request (query, body, page-chosen headers, path segments) by
    method, host and path: slot → ``[(value, after the opt-out?)]``."""
    out: dict[tuple, list[tuple]] = {}
    for r in requests:
        url = r.get("url") or ""
        if url.startswith(("tunnel://", "data:", "blob:")):
            continue
        parts = urlsplit(url)
        host, method = (parts.hostname or "").lower(), r.get("method") or "GET"
        after = since is not None and (r.get("at") or 0) >= since
        base = ("request", method, host, parts.path)

        def add(slot: tuple, value: str, after: bool = after) -> None:
            out.setdefault(slot, []).append((value, after))

        for name, value in parse_qsl(parts.query, keep_blank_values=True):
            add(base + (f"query {name}",), value)
        segments = [s for s in parts.path.split("/") if s]
        for index, segment in enumerate(segments):
            add(("request", method, host, f"/{len(segments)} segments",
                 f"path segment {index + 1}"), unquote(segment))
        for name, value in (r.get("headers") or {}).items():
            lower = name.lower()
            if lower not in identifiers.BROWSER_HEADERS and not lower.startswith("sec-"):
                add(base + (f"header {lower}",), str(value))
        body = r.get("body") or ""
        if body:
            found = fields(body)
            for path, leaf in found.items():
                add(base + (f"body {path}",), leaf)
    return out


# Moments as pages and servers write them: ISO 8601, Date's toString and toUTCString (an
# HTTP date).
_ISO = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d(:\d\d(\.\d+)?)?(Z|[+-]\d\d:?\d\d)?")
_TOSTRING = re.compile(r"[A-Z][a-z]{2} [A-Z][a-z]{2} \d\d \d{4} \d\d:\d\d:\d\d GMT[+ -]\d{4}"
                       r"( \([^)]*\))?")
_UTC = re.compile(r"[A-Z][a-z]{2}, \d\d [A-Z][a-z]{2} \d{4} \d\d:\d\d:\d\d GMT")
# A day alone, as a page writes today's: ISO (``2026-11-30``), compact (``20261130``, years
# 2000 to 2039), day or month first with slashes or dots (``30/11/2026``, ``11/30/2026``).
# Two visits at one time write days one apart when midnight falls between their clocks.
_DAY = re.compile(r"(?<!\d)(\d{4})-(\d\d)-(\d\d)(?![\dT:])|(?<!\d)(20[0-3]\d)(\d\d)(\d\d)(?!\d)"
                  r"|(?<![\d/.])(\d{1,2})([/.])(\d{1,2})\8(\d{4})(?![\d/.])")
DAY_MARK = "\x01day"  # after a day's moment: it stands for the whole day
DAY_S = 86400


def _seconds(text: str, month_first: bool = False) -> str:
    """*text* with each date in it replaced by its moment in seconds (a 10-digit number); a
    day alone (:data:`_DAY`) by its midnight's, marked :data:`DAY_MARK` (with
    *month_first*, ``11/30/2026`` is read so, else day first)."""
    def iso(m: re.Match) -> str:
        try:
            moment = datetime.fromisoformat(m.group().replace("Z", "+00:00"))
        except ValueError:
            return m.group()
        if moment.tzinfo is None:
            return m.group()
        return str(int(moment.timestamp()))

    def tostring(m: re.Match) -> str:
        try:
            return str(int(datetime.strptime(m.group().split(" (")[0].replace("GMT ", "GMT+"),
                                             "%a %b %d %Y %H:%M:%S GMT%z").timestamp()))
        except ValueError:
            return m.group()

    def utc(m: re.Match) -> str:
        try:
            return str(int(parsedate_to_datetime(m.group()).timestamp()))
        except (TypeError, ValueError):
            return m.group()

    def day(m: re.Match) -> str:
        iso_day, compact, numeric = m.group(1, 2, 3), m.group(4, 5, 6), m.group(7, 9, 10)
        if iso_day[0]:
            year, month, date = iso_day
        elif compact[0]:
            year, month, date = compact
        else:
            first, second, year = numeric
            month, date = (first, second) if month_first else (second, first)
        try:
            moment = datetime(int(year), int(month), int(date), tzinfo=timezone.utc)
        except ValueError:
            return m.group()
        return f"{int(moment.timestamp())}{DAY_MARK}"

    return _DAY.sub(day, _UTC.sub(utc, _TOSTRING.sub(tostring, _ISO.sub(iso, text))))





_RUNS = re.compile(r"\d+|\D+")
# A moment's digits: seconds, milliseconds, microseconds since 1970 (2001 to 2039).
_UNIT = {10: 1.0, 13: 1e-3, 16: 1e-6}
# The audit's page clocks (Playwright's, and the workers' kept with them) run in whole
# milliseconds: their microseconds end so. Sixteen digits that do not are a millisecond
# moment with three more digits, a per-visitor id's shape.
_WHOLE_MS = "000"


def timed(a: str, b: str, slack: float = MOMENT_SLACK_S,
          windows: list[tuple[float, float]] | None = None) -> bool:
    """Whether *a* and *b* differ only in moments at most *slack* seconds apart (a date, a
    timestamp in s, ms or µs of a page's clock): what two visits on one clock write at
    about one time. With *windows*, how far *a*'s moments may be from *b*'s instead
    (``[(low, high)]`` in s: as far as the two visits' clocks were apart, clocks.py)."""
    allowed = windows if windows is not None else [(-slack, slack)]
    return any(_timed(_RUNS.findall(_seconds(a, order)), _RUNS.findall(_seconds(b, order)),
                      allowed) for order in (False, True))


def _timed(ra: list[str], rb: list[str], allowed: list[tuple[float, float]]) -> bool:
    """Whether the runs *ra* and *rb* (digits and the rest, dates read as moments) differ
    only in moments within *allowed*; a day alone by one day at most past them."""
    if len(ra) != len(rb):
        return False
    for i, (x, y) in enumerate(zip(ra, rb, strict=True)):
        if x == y:
            continue
        if not (x.isdigit() and y.isdigit() and len(x) == len(y) in _UNIT
                and x[0] in "12" and y[0] in "12"):
            return False
        if len(x) == 16 and not (x.endswith(_WHOLE_MS) and y.endswith(_WHOLE_MS)):
            return False
        apart = (int(x) - int(y)) * _UNIT[len(x)]
        if i + 1 < len(ra) and ra[i + 1].startswith(DAY_MARK) and \
                rb[i + 1].startswith(DAY_MARK):
            # Days: the same moment's, unless midnight fell between the two clocks.
            if abs(apart) == DAY_S and any(low - DAY_S <= apart <= high + DAY_S
                                           for low, high in allowed):
                continue
            return False
        if not any(low <= apart <= high for low, high in allowed):
            return False
    return True  # the same once read to the second (dates a fraction of one apart)


def bits(value: str) -> float:
    """About how many bits of chance *value* can hold, read as a random choice of each of
    its pieces: a digit 3.3, a letter among others 4.7 (a word at most 11: one of some
    two thousand; letters that read as no word, :func:`wordlike`, 4.7 each), a CJK or other
    non-ASCII letter 12; punctuation nothing."""
    total = 0.0
    for run in re.findall(r"[A-Za-z0-9]+|[^\x00-\x7f]", value or ""):
        if not run.isascii():
            total += 12.0
        elif run.isdigit():
            total += math.log2(10) * len(run)
        elif run.isalpha():
            total += min(4.7 * len(run), 11.0) if wordlike(run) else 4.7 * len(run)
        else:  # letters and digits mixed: a random run (hex, base36)
            total += 4.0 * len(run)
    return total


# Words as names are written: lower case, Capitalised or in capitals, run together in camel
# case (``checkoutButton``, ``XMLHttpRequest``, ``iPhone``).
_WORDS = re.compile(r"[A-Z]?[a-z]+|[A-Z]+(?![a-z])")
LONGEST_WORD = 15  # letters: longer runs of lower-case letters are no word a name is made of


# The commonest letter pairs of English words: words run together in lower case
# (``recommendationsleft``) are made of them, bar one pair or so where two words meet;
# letters drawn at random mostly are not (237 of the 676 pairs are here).
_PAIRS_EN = frozenset("""
ab ac ad af ag ai ak al am an ap ar as at au av ay ba be bi bl bo br bu by ca cc ce ch ci
ck cl co cr ct cu da de di do dr ds du ea ec ed ee ef eg ei el em en eo ep eq er es et eu
ev ew ex ey fa fe ff fi fl fo fr ft fu ga ge gh gi gn go gr gu ha he hi ho hr ht hu ia ib
ic id ie if ig il im in io ip ir is it iv iz ke ki ld le li ll lo ls lt lu ly ma mb me mi
mm mo mp ms mu na nc nd ne nf ng ni nn no ns nt nu ny ob oc od oe of og oi ok ol om on oo
op or os ot ou ov ow pa pe ph pi pl po pp pr ps pt pu qu ra rc rd re rg ri rk rl rm rn ro
rr rs rt ru rv ry sa sc se sh si sl sm so sp ss st su ta te th ti tl to tr ts tt tu tw ty
ua ub uc ud ue ug ui ul um un up ur us ut va ve vi vo wa we wh wi wn wo xp ye ys""".split())


_VOWELS = frozenset("aeiouy")


def _reads_as_words(word: str) -> bool:
    """Whether lower-case *word*, too long to be one word, is English words run together:
    at most one pair of its letters in ten outside :data:`_PAIRS_EN`, and one pair in six
    at least two consonants or two vowels running on (``mm``, ``nd``, ``io``). An id made to
    be spoken (consonant, vowel, consonant...: ``meradifulanarikure``) is made of common
    pairs too, but never lets two of a kind meet."""
    low = word.lower()
    pairs = [low[i:i + 2] for i in range(len(low) - 1)]
    rare = sum(pair not in _PAIRS_EN for pair in pairs)
    runs = sum((pair[0] in _VOWELS) == (pair[1] in _VOWELS) for pair in pairs)
    return 10 * rare <= len(low) and 6 * runs >= len(pairs)


def wordlike(run: str) -> bool:
    """Whether a run of letters reads as a word or words run together, rather than letters
    drawn at random (a hash written in letters alone): no word in it longer than
    :data:`LONGEST_WORD` unless it reads as words run together in lower case
    (:func:`_reads_as_words`), and its case changing as words start, not every letter or
    two."""
    words = _WORDS.findall(run)
    if any(len(word) > LONGEST_WORD and not _reads_as_words(word) for word in words):
        return False
    return len(words) <= 1 or 3 * len(words) <= len(run)


def differs(a: str, b: str, slack: float = MOMENT_SLACK_S,
            windows: list[tuple[float, float]] | None = None) -> str | None:
    """Why *a* and *b*, one slot's values for two fresh visitors, make it per-visitor
    state, or None when they do not: the same, only the clock's moments apart
    (:func:`timed`, *slack* seconds at most, or within *windows*), or too little to tell
    people apart (:func:`bits`)."""
    if a == b or timed(a, b, slack, windows):
        return None
    least = min(bits(a), bits(b))
    # What differs once the common start and end are set aside: one letter of a group's
    # name (``variant_a``, ``variant_b``) tells no one apart.
    start = len(_common(a, b))
    end = len(_common(a[start:][::-1], b[start:][::-1]))
    apart = min(bits(a[start:len(a) - end]), bits(b[start:len(b) - end]))
    if least < MIN_BITS or apart < MIN_APART:
        return None
    return (f"differs between two fresh visitors in the same state on the same page clock "
            f"(about {least:.0f} bits each, not a moment's difference)")


def _common(a: str, b: str) -> str:
    """The start *a* and *b* share."""
    n = 0
    while n < min(len(a), len(b)) and a[n] == b[n]:
        n += 1
    return a[:n]


_SEPARATORS = re.compile(r"([/_\-.:#|]+)")


def _pair(only_a: list[tuple], only_b: list[tuple]) -> list[tuple[tuple, tuple]]:
    """Slots one visitor has and the other has not that are one slot under a key that
    differs in parts of it (a key named by an id: ``uid_<id>``, ``db_<id>/kv/k``): paired
    when exactly one of each shares everything else."""
    def shape(slot: tuple) -> tuple:
        key = _SEPARATORS.split(slot[2])
        return slot[:2] + (tuple(p if _SEPARATORS.fullmatch(p) else "" for p in key),) + \
            slot[3:]


    by_a: dict[tuple, list] = {}
    by_b: dict[tuple, list] = {}
    for s in only_a:
        by_a.setdefault(shape(s), []).append(s)
    for s in only_b:
        by_b.setdefault(shape(s), []).append(s)
    def shared(a: tuple, b: tuple) -> bool:  # a part of the key in common
        pa, pb = _SEPARATORS.split(a[2]), _SEPARATORS.split(b[2])
        return any(x == y and x and not _SEPARATORS.fullmatch(x) for x, y in zip(pa, pb,
                                                                                  strict=True))

    return [(by_a[k][0], by_b[k][0]) for k in by_a
            if len(by_a[k]) == 1 and len(by_b.get(k, [])) == 1
            and shared(by_a[k][0], by_b[k][0])]


def reading(evidence: dict, requests: list[dict], since: float | None) -> dict:
    """What :func:`compare` reads of one visitor: the slots its browser keeps at the end
    (:func:`slots`), the fields of its *requests* (:func:`request_slots`) and its clocks as
    it wrote them (clocks.py)."""
    return {"slots": slots(evidence), "requests": request_slots(requests, since),
            "clocks": clocks.reading(evidence)}


_NO_CLOCKS: dict = {"written": {}, "steps": []}


def _channel(slot: tuple) -> str:
    return "cookie" if slot[0] == "cookie" else "request" if slot[0] == "request" else \
        "storage"


def compare(mine: dict, other: dict, excluded: set[str] | frozenset[str] = frozenset(),
            slack: float = MOMENT_SLACK_S) -> list[dict]:
    """The per-visitor slots of one visitor's :func:`reading` (*mine*) against its twin's
    (*other*): ``[{channel, slot, name, mine, other, why}]``. Values holding one of
    *excluded* (the collector's own link parameters, different for each visitor the audit
    makes) are not compared; moments as far apart as the two visits' clocks were when each
    wrote its value, give or take *slack* seconds, are the clock's (clocks.py)."""
    found: list[dict] = []

    def judge(slot: tuple, a: str, b: str, name: str, other_slot: tuple | None = None
              ) -> None:
        if any(x and (x in a or x in b) for x in excluded):
            return
        why = differs(a, b, slack, clocks.windows(mine.get("clocks") or _NO_CLOCKS,
                                                  other.get("clocks") or _NO_CLOCKS,
                                                  slot, slack, other_slot))
        if why:
            found.append({"channel": _channel(slot), "slot": list(slot), "name": name,
                          "field": slot[-1], "mine": a, "other": b, "why": why,
                          **({"other_slot": list(other_slot)} if other_slot else {})})

    sa, sb = mine["slots"], other["slots"]
    for slot in sorted(sa.keys() & sb.keys()):
        judge(slot, sa[slot], sb[slot], slot[2])
    for a, b in _pair(sorted(sa.keys() - sb.keys()), sorted(sb.keys() - sa.keys())):
        judge(a, f"{a[2]} = {sa[a]}", f"{b[2]} = {sb[b]}", a[2], b)
    ra, rb = mine["requests"], other["requests"]
    for slot in sorted(ra.keys() & rb.keys()):
        va, vb = {v for v, _ in ra[slot]}, {v for v, _ in rb[slot]}
        steady = len(va) == len(vb) == 1 and max(len(ra[slot]), len(rb[slot])) >= 2
        if steady and any(after for _, after in ra[slot]):
            judge(slot, next(iter(va)), next(iter(vb)), f"{slot[1]} {slot[2]}{slot[3]}")
    return found


def same(mine: dict, other: dict) -> list[str]:
    """The values two fresh visitors' :func:`reading` keep alike in the same slot, and send
    alike in the same field: not per-visitor (whether the site's, ``identifiers``
    decides)."""
    sa, sb, ra, rb = mine["slots"], other["slots"], mine["requests"], other["requests"]
    return sorted({sa[s] for s in sa.keys() & sb.keys() if sa[s] == sb[s]} |
                  {v for s in ra.keys() & rb.keys() for v, _ in ra[s]
                   if {v} == {x for x, _ in ra[s]} == {x for x, _ in rb[s]}})


def rebase(found: list[dict], evidence: dict) -> list[dict]:
    """*found* (per-visitor slots two twins showed in one state) read in another state's
    *evidence* of the same site: each slot this visitor keeps too, with its own value (a
    request's field is judged in the twins' state only)."""
    mine = slots(evidence)
    out = []
    for f in found:
        slot = tuple(f["slot"])
        if f["channel"] != "request" and slot in mine and "other_slot" not in f:
            out.append({**f, "mine": mine[slot], "other": f"{f['mine']} / {f['other']}",
                        "why": f["why"] + ", in the state the twins went through"})
    return out
