"""Identifiers: what in a stored value can single a visitor out, and whether a request
carries one, however it is dressed (URL-encoded, base64, hex, hashed, split over
parameters or path segments, in a header or the body, in the path). Pure functions over
plain strings.
"""

from __future__ import annotations

import base64
import hashlib
import json
import math
import re
from collections.abc import Callable, Iterator
from functools import lru_cache
from urllib.parse import parse_qsl, unquote, unquote_plus, urlsplit

from .inflate import inflate

__all__ = ["build_hash", "build_shaped", "carried", "fields", "forms", "given_to_all",
           "identifying", "joined", "name_tokens", "page_specific", "request_text", "scrambled",
           "tokens", "unwrap"]

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


_ROT13 = str.maketrans(
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz",
    "NOPQRSTUVWXYZABCDEFGHIJKLMnopqrstuvwxyzabcdefghijklm")


_HEXED = re.compile(r"[0-9a-fA-F]+")


@lru_cache(maxsize=4096)
def _forms(token: str) -> tuple[tuple[str, str], ...]:
    return tuple(_dressed(token).items())


def forms(token: str) -> dict[str, str]:
    """The ways a page may dress *token* in a request: encoding name → text to look for
    (worked out once per token: each request of a visit asks again)."""
    return dict(_forms(token))


def _dressed(token: str) -> dict[str, str]:
    raw = token.encode("utf-8")
    b64 = base64.b64encode(raw).decode().rstrip("=")
    dressed = {"as is": token, "base64": b64,
               "base64url": base64.urlsafe_b64encode(raw).decode().rstrip("="),
               "hex": raw.hex(), "reversed": token[::-1],
               "rot13": token.translate(_ROT13), "ASCII85": base64.a85encode(raw).decode(),
               "base85": base64.b85encode(raw).decode()}
    if len(token) >= 16 and len(token) % 2 == 0 and _HEXED.fullmatch(token):
        # Bytes kept as hex (the stock reads raw bytes so) are sent as base64 of the bytes.
        data = bytes.fromhex(token)
        dressed["base64 of its bytes"] = base64.b64encode(data).decode().rstrip("=")
        dressed["base64url of its bytes"] = base64.urlsafe_b64encode(data).decode().rstrip("=")
        # Its bytes in the other order (little-endian), or each byte's two digits swapped.
        dressed["hex of its bytes reversed"] = data[::-1].hex()
        dressed["hex, each byte's digits swapped"] = "".join(
            token[i + 1] + token[i] for i in range(0, len(token), 2))
        dressed["ASCII85 of its bytes"] = base64.a85encode(data).decode()
        dressed["base85 of its bytes"] = base64.b85encode(data).decode()
    if 8 <= len(token) <= 40 and (_HEXED.fullmatch(token) or token.isdigit()):
        # A number in another base: hex read as one integer and sent in decimal or base
        # 36 (BigInt("0x" + id).toString(36)), digits sent in hex or base 36.
        number = int(token, 16) if not token.isdigit() else int(token)
        dressed["in decimal"] = str(number)
        dressed["in hex"] = f"{number:x}"
        dressed["in base 36"] = _digits(number, 36)
        if number.bit_length() >= NUMBER_BITS:
            # ... or in any other base a script's toString(2..36) writes (32, 8, 2): a
            # number this long cannot turn up by chance in any of them.
            for radix in range(2, 36):
                if radix not in (10, 16):
                    dressed[f"in base {radix}"] = _digits(number, radix)
            # ... or in an alphabet of its own: base58 (Bitcoin's: no 0, O, I, l) and base62.
            for radix, alphabet in RADIX_ALPHABETS.items():
                dressed[f"in base {radix}"] = _digits(number, radix, alphabet)
    for name in HASHES:
        digest = hashlib.new(name, raw).digest()
        dressed[f"{name} hex"] = digest.hex()
        dressed[f"{name} base64"] = base64.b64encode(digest).decode().rstrip("=")
        # A hash cut short, as a tracker sends it (its first 64 bits): still the visitor.
        # Its base64 is looked for by the first 60 bits, which the base64 of the whole
        # digest and of its first eight bytes share (they part at the eleventh character).
        dressed[f"{name} hex, cut short"] = digest.hex()[:CUT_HASH_HEX]
        cut = base64.b64encode(digest).decode()[:CUT_HASH_B64]
        dressed[f"{name} base64, cut short"] = cut
        dressed[f"{name} base64url, cut short"] = cut.replace("+", "-").replace("/", "_")
    # A base64 run shorter than this could turn up by chance.
    return {k: v for k, v in dressed.items() if len(v) >= 8}


HASHES = ("md5", "sha1", "sha256", "sha384", "sha512")  # what crypto.subtle and SDKs make
CUT_HASH_HEX = 16  # a hash's hex cut to this many digits (64 bits) is still the visitor's
CUT_HASH_B64 = 10  # base64 characters of a cut hash looked for: 60 bits
NUMBER_BITS = 40  # a number this long is looked for in every base, not only 10, 16 and 36


RADIX_ALPHABETS = {
    58: "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz",
    62: "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"}


def _digits(number: int, radix: int,
            alphabet: str = "0123456789abcdefghijklmnopqrstuvwxyz") -> str:
    """*number* in base *radix*, as JavaScript's ``toString(radix)`` writes it, or in the
    digits of *alphabet*."""
    digits = []
    while number:
        number, digit = divmod(number, radix)
        digits.append(alphabet[digit])
    return "".join(reversed(digits)) or alphabet[0]


# XOR with a key of one to four bytes, or every character moved by one amount: what a
# tracker does to an identifier so that no encoding undoes it. Each leaves a trace that
# does not depend on the key: the XOR of characters PERIOD apart (for a key of that
# length), the difference of neighbours (for a shift). A token's trace found in the trace
# of what a request carries (its text, and the bytes its hex and base64 runs decode to,
# readable or not) is the token, scrambled.
XOR_PERIODS = (1, 2, 3, 4, 5, 6, 7, 8)
# A key over four bytes leaves a trace of this many bits at least to look for (a trace
# byte carries as many bits as a character of the token's alphabet): with less, a kept
# number's trace (six digits' bytes: some 20 bits) turns up among a page's numbers.
LONG_KEY_BITS = 32
SHIFT_LONGEST = 65536  # bytes of a request read for a shift (a trace costs a pass each)


def _xor_trace(data: bytes, period: int) -> bytes:
    if len(data) <= period:
        return b""
    left = int.from_bytes(data[:-period], "big")
    right = int.from_bytes(data[period:], "big")
    return (left ^ right).to_bytes(len(data) - period, "big")


def _char_bits(token: str) -> float:
    """Bits a character of *token* carries, by its alphabet (digits, hex, the rest)."""
    return math.log2(10 if token.isdigit() else 16 if _HEXED.fullmatch(token) else 36)


def _shift_trace(data: bytes) -> bytes:
    return bytes((b - a) & 0xFF for a, b in zip(data, data[1:], strict=False))


def _decoded_runs(text: str) -> list[bytes]:
    """The bytes each hex and base64 run of *text* decodes to, readable or not."""
    out = []
    for run in _HEX.findall(text):
        out.append(bytes.fromhex(run[:len(run) - len(run) % 2]))
    for run in _B64.findall(text):
        for decodings in _unpadded(run, 4, _b64decode):
            data = next(decodings, None)
            if data is not None:
                out.append(data)
    return out


def scrambled(text: str, known: dict[str, dict[str, str]]) -> list[tuple[str, str]]:
    """Which *known* identifiers *text* carries XOR'd with a short key or shifted (bytes, or
    letters and digits within their alphabets), and how:
    ``[(token, how)]``. A token whose trace is too plain to tell (``12345678``: each
    neighbour one apart) is not looked for so."""
    if not known:
        return []
    streams = [text.encode("utf-8", "surrogatepass")] + _decoded_runs(text)
    xor = {p: b"\n".join(_xor_trace(s, p) for s in streams) for p in XOR_PERIODS}
    shift = b"\n".join(_shift_trace(s[:SHIFT_LONGEST]) for s in streams)
    classes = text.translate(_CLASS_OF)
    found = []
    for token in known:
        raw = token.encode("utf-8")
        for period in XOR_PERIODS:
            trace = _xor_trace(raw, period)
            if period > 4 and len(trace) * _char_bits(token) < LONG_KEY_BITS:
                continue
            if len(set(trace)) >= 4 and trace in xor[period]:
                found.append((token, f"XOR'd with a key of {period} "
                                     f"byte{'s' if period > 1 else ''}"))
                break
        else:
            trace = _shift_trace(raw)
            if len(set(trace)) >= 4 and trace in shift:
                found.append((token, "each character shifted"))
            elif _class_shifted(text, classes, token):
                found.append((token, "each letter and digit shifted in its alphabet"))
    return found


# A Caesar shift, ROT13 with ROT5 of digits, ROT-n: each character moved within its own
# alphabet (digits, lower case, upper case), by an amount of that alphabet's, wrapping
# round. What is found so keeps the token's pattern of classes and, within each class, its
# characters' distances; those fix this many bits at least, or the token is not looked for
# so (a short token of one class would turn up by chance).
_CLASSES = {"d": (ord("0"), 10), "l": (ord("a"), 26), "u": (ord("A"), 26)}
_CLASS_OF = str.maketrans({c: k for k, (start, size) in _CLASSES.items()
                           for c in map(chr, range(start, start + size))})
CLASS_SHIFT_BITS = 40


def _class_shifted(text: str, classes: str, token: str) -> bool:
    """Whether *text* (of *classes*: each letter and digit by its class) carries *token* with
    each letter and digit moved within its class."""
    pattern = token.translate(_CLASS_OF)
    counts = {k: pattern.count(k) for k in _CLASSES}
    bits = sum((n - 1) * math.log2(_CLASSES[k][1]) for k, n in counts.items() if n) + (
        len(token) - 1 if sum(1 for n in counts.values() if n) > 1 else 0)
    if bits < CLASS_SHIFT_BITS:
        return False
    at = classes.find(pattern)
    while at >= 0:
        shifts: dict[str, int] = {}
        for kind, mine, theirs in zip(pattern, token, text[at:at + len(token)], strict=True):
            if kind not in _CLASSES:
                if mine != theirs:
                    break
                continue
            moved = (ord(theirs) - ord(mine)) % _CLASSES[kind][1]
            if shifts.setdefault(kind, moved) != moved:
                break
        else:
            if _moved_bits(token, pattern, {k for k, n in shifts.items() if n}) >= \
                    CLASS_SHIFT_BITS:
                return True
        at = classes.find(pattern, at + 1)
    return False


# A word: three letters or more, one of them no hex digit (``checkout``; ``faa`` in
# ``779c4c68b6729faa`` is hex).
_WORD = re.compile(r"(?=[A-Za-z]*[G-Zg-z])[A-Za-z]{3,}")


def _moved_bits(token: str, pattern: str, moved: set[str]) -> float:
    """Bits a match of *token* fixes where the classes *moved* moved and the rest did not:
    the distances within each moved class, the pattern of classes where two moved, and the
    unmoved characters but for words (:data:`_WORD`: the site's text), where those are
    not one repeated (``8f3a9c2e`` with its letters moved: its digits). An unmoved word
    beside a moved number (``checkout-step-05`` → ``-16``) fixes nothing, nor does a trace
    too plain: under three different characters in all that counts (``0000`` → ``1111``)."""
    at = [i for i, kind in enumerate(pattern) if kind in moved]
    bits = sum((pattern.count(k) - 1) * math.log2(_CLASSES[k][1]) for k in moved)
    if len(moved) > 1:
        bits += len(at) - 1
    words = {i for m in _WORD.finditer(token) for i in range(*m.span())}
    still = [i for i, kind in enumerate(pattern)
             if kind in _CLASSES and kind not in moved and i not in words]
    if len({token[i] for i in still}) < 2:
        still = []
    bits += sum(math.log2(_CLASSES[pattern[i]][1]) for i in still)
    return bits if len({token[i] for i in at + still}) >= 3 else 0.0


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


# What a tracker wraps an identifier in, each undone in one linear pass over the text:
# percent-encoding (again and again), base64 of either alphabet at any alignment, hex of
# bytes, JSON's \\u escapes, arrays of character codes or of bytes, groups of characters
# with separators between them. What a pass decodes to readable text is searched too, and
# unwrapped again (base64 of JSON in a query parameter in a JSON body), to a bounded depth
# and size.
_PERCENT = re.compile(r"(?:%(?:25)*[0-9A-Fa-f]{2}){4,}")
_B64 = re.compile(r"[A-Za-z0-9+/]{12,}|[A-Za-z0-9_\-]{12,}")
_HEX = re.compile(r"(?:[0-9A-Fa-f]{2}){6,}")
_B32 = re.compile(r"[A-Z2-7]{16,}|[a-z2-7]{16,}")
INFLATED_LONGEST = 16384  # bytes a compressed run is inflated to at most
_UESC = re.compile(r"(?:\\u[0-9A-Fa-f]{4}){4,}")
_CODES = re.compile(r"(?<!\d)(?:\d{1,3}\s*,\s*){5,}\d{1,3}(?!\d)")
# An identifier written in groups of up to four characters with one separator between them.
_SEPARATED = re.compile(r"[0-9A-Za-z]{1,4}([:. |;~])(?:[0-9A-Za-z]{1,4}\1){2,}[0-9A-Za-z]{1,4}")
# What an array of bytes or a grouped run must hold to be read as an identifier: a list of
# small numbers, a date, a time, an IP address or words between spaces holds fewer bits.
GROUPED_BITS = 64
_READABLE = re.compile(r"[\x20-\x7e\t\r\n]*")
DEPTH, GROWTH = 3, 4
UNWRAPPED = "\n\x00"  # between the text and each piece decoding it revealed


def _readable(data: bytes) -> str | None:
    """*data* as text when it is all printable ASCII (an identifier's wrapping), or is so as
    UTF-16 (a NUL beside each character), else None."""
    if len(data) >= 12 and len(data) % 2 == 0:
        if not any(data[1::2]):
            data = data[0::2]
        elif not any(data[0::2]):
            data = data[1::2]
    text = data.decode("latin-1")
    return text if len(text) >= 6 and _READABLE.fullmatch(text) else None


def _b64decode(text: str) -> bytes:
    """*text* decoded as base64 of either alphabet (standard or URL-safe)."""
    return base64.b64decode(text.replace("-", "+").replace("_", "/"), validate=True)


def _b32decode(text: str) -> bytes:
    """*text* decoded as base32 (RFC 4648) of either case."""
    return base64.b32decode(text.upper())


def _unpadded(run: str, block: int, decode: Callable[[str], bytes]
              ) -> Iterator[Iterator[bytes]]:
    """*run* read as unpadded base64 or base32 (*block* characters to a block: 4 or 8), as
    URLs carry it, from each of its first *block* characters (one of them is where the
    encoded value starts, when a prefix was run into it): for each start, lazily, what
    *decode* makes of it padded back (its last bytes too: the end of an identifier) and
    then of its whole blocks only, leaving out what does not decode."""
    for start in range(block):
        part = run[start:]
        wholes = dict.fromkeys((part + "=" * (-len(part) % block),
                                part[:len(part) - len(part) % block]))
        yield _decodings([w for w in wholes if w], decode)


def _decodings(wholes: list[str], decode: Callable[[str], bytes]) -> Iterator[bytes]:
    for whole in wholes:
        try:
            yield decode(whole)
        except ValueError:
            continue


def _first_text(run: str, block: int, decode: Callable[[str], bytes],
                read: Callable[[bytes], str | None]) -> list[str]:
    """For each start of *run* (:func:`_unpadded`), the first decoding *read* makes text of."""
    found = []
    for decodings in _unpadded(run, block, decode):
        text = next(filter(None, map(read, decodings)), None)
        if text:
            found.append(text)
    return found


def _b64(run: str) -> list[str]:
    """*run* read as base64 (:func:`_unpadded`): readable, or readable once inflated."""
    return _first_text(run, 4, _b64decode, lambda data: _readable(data) or _inflated(data))


def _inflated(data: bytes) -> str | None:
    """*data* inflated (gzip, zlib or raw deflate, as ``CompressionStream`` makes them and
    SDKs send in a parameter), when that is readable text."""
    out = inflate(data, INFLATED_LONGEST) if len(data) >= 8 else None
    return _readable(out) if out else None


def _b32(run: str) -> list[str]:
    """*run* read as base32 (:func:`_unpadded`), where it is readable."""
    return _first_text(run, 8, _b32decode, _readable)


def _layer(text: str) -> list[str]:
    """What one pass of decoding makes of *text*: each readable decoded piece."""
    found = []
    for run in _PERCENT.findall(text):
        for _ in range(DEPTH + 1):  # %2541 -> %41 -> A
            run, before = unquote(run), run
            if run == before:
                break
        found.append(run)
    for run in _B64.findall(text):
        found += _b64(run)
    for run in _B32.findall(text):
        found += _b32(run)
    for run in _HEX.findall(text):
        decoded = _readable(bytes.fromhex(run[:len(run) - len(run) % 2]))
        if decoded:
            found.append(decoded)
    for run in _UESC.findall(text):
        found.append("".join(chr(int(run[i + 2:i + 6], 16)) for i in range(0, len(run), 6)))
    if "\x00" in text:  # UTF-16 read as bytes: a NUL after each ASCII character
        found.append(text.replace("\x00", ""))
    for run in _CODES.findall(text):
        codes = [int(c) for c in re.findall(r"\d+", run)]
        if all(32 <= c < 127 for c in codes):
            found.append("".join(map(chr, codes)))
        elif _random_bytes(codes):  # an array of bytes (a Uint8Array) as their hex
            found.append(bytes(codes).hex())
    for match in _SEPARATED.finditer(text):  # 8F:3A:9C:2E, 8f3a 9c2e, 8f.3a.9c
        found += _grouped(match.group().split(match.group(1)))
    return found


def _random_bytes(codes: list[int]) -> bool:
    """Whether *codes* (numbers under 256, not all character codes) read as random bytes, an
    identifier's: :data:`GROUPED_BITS` of them at least, a byte of 128 or more among them
    (not a list of small numbers: ids of products, counts), half of them different (not one
    byte repeated, ``[0,0,0,0,0,0,0,0]``) and not in order."""
    return len(codes) * 8 >= GROUPED_BITS and max(codes) < 256 and max(codes) >= 128 and \
        len(set(codes)) >= max(4, len(codes) // 2) and codes != sorted(codes)


def _grouped(groups: list[str]) -> list[str]:
    """The identifiers in *groups* (a run cut at one separator): each stretch of three
    groups or more of one length (the last of the run may be shorter) joined, where that is
    random enough to be one (:func:`_random_join`): ``8F:3A:9C:2E:77:68:0B:25`` is,
    ``red shoe size 42 eu``, ``192.168.100.200`` and ``10:30:11:45`` are not."""
    found, start = [], 0
    while start < len(groups):
        end = start + 1
        while end < len(groups) and len(groups[end]) == len(groups[start]):
            end += 1
        if end == len(groups) - 1 and len(groups[end]) < len(groups[start]):
            end += 1  # the last group, shorter: what is left of the id
        if end - start >= 3 and _random_join("".join(groups[start:end])):
            found.append("".join(groups[start:end]))
        start = end
    return found


def _random_join(run: str) -> bool:
    """Whether *run* (groups joined) holds :data:`GROUPED_BITS` by its alphabet (digits,
    hex, letters and digits: a run of letters alone is words), with four characters
    different at least (not one repeated)."""
    if len(set(run.lower())) < 4:
        return False
    if run.isdigit():
        bits = math.log2(10)
    elif _HEXED.fullmatch(run):
        bits = 4.0
    elif sum(c.isdigit() for c in run) >= 2:
        bits = math.log2(62 if run.lower() != run and run.upper() != run else 36)
    else:
        return False
    return len(run) * bits >= GROUPED_BITS


def unwrap(text: str) -> str:
    """*text* followed by everything decoding it layer by layer reveals (at most
    :data:`DEPTH` layers, and :data:`GROWTH` times its length in all): linear in its size."""
    limit = GROWTH * len(text) + 4096
    out, layer = [text], [text]
    for _ in range(DEPTH):
        layer = [piece for t in layer for piece in _layer(t)]
        size = sum(map(len, out))
        kept = []
        for piece in layer:
            if size + len(piece) > limit:
                break
            kept.append(piece)
            size += len(piece)
        if not kept:
            break
        out += kept
        layer = kept
    return text + "".join(UNWRAPPED + piece for piece in out[1:])


_FIELD = re.compile(r"[A-Za-z0-9_\-]{4,}")


_SHORT_B64 = re.compile(r"(?<![A-Za-z0-9+/_\-])[A-Za-z0-9+/_\-]{6,16}(?![A-Za-z0-9+/_\-])")


def fields(text: str) -> set[str]:
    """The runs of identifier characters in *text* (a request's, unwrapped): the fields an
    identifier split between requests could be sent in; each run's parts between ``_``
    and ``-`` (a piece under a label, ``p1_8f3a9c2e``), and what a short run decodes to as
    hex or base64 (a piece encoded alone is too short to unwrap)."""
    found = set(_FIELD.findall(text))
    for run in list(found):
        found.update(p for p in re.split(r"[_\-]+", run) if len(p) >= PIECE_SHORTEST)
    for run in _SHORT_B64.findall(text):
        decoded = []
        if len(run) % 2 == 0 and _HEXED.fullmatch(run):
            decoded.append(bytes.fromhex(run).decode("latin-1"))
        table = run.replace("-", "+").replace("_", "/")
        try:
            decoded.append(base64.b64decode(table + "=" * (-len(table) % 4),
                                            validate=True).decode("latin-1"))
        except ValueError:
            pass
        for piece in decoded:
            if len(piece) >= PIECE_SHORTEST and _FIELD.fullmatch(piece):
                found.add(piece)
    return found


SPLIT_LONGEST = 128  # identifiers longer than this are not looked for cut into pieces


SPLIT_PIECES = 8  # the most pieces an identifier is looked for cut into
PIECE_SHORTEST = 4  # a shorter piece turns up by chance


def _cut(token: str, found: set[str]) -> tuple[str, ...] | None:
    """*token* as the fewest *found* fields (two at least, :data:`PIECE_SHORTEST`
    characters each) put end to end, but for its last three characters at most, or None:
    a lookup per pair of places to cut."""
    size = len(token)
    best: list[tuple[str, ...] | None] = [()] + [None] * size
    for end in range(PIECE_SHORTEST, size + 1):
        for start in range(0, end - PIECE_SHORTEST + 1):
            before = best[start]
            if before is None or start == 0 and end == size or \
                    len(before) >= SPLIT_PIECES or token[start:end] not in found:
                continue
            if best[end] is None or len(before) + 1 < len(best[end] or ()):
                best[end] = before + (token[start:end],)
    # What is left of equal cuts may be too short to tell (a UUID's 32 characters in pieces
    # of six leave two): it need not be found once 24 characters and more are.
    return best[size] or next((best[end] for end in range(size - 1, size - 4, -1)
                               if end >= 24 and len(best[end] or ()) >= 2), None)


def joined(found: set[str], known: dict[str, dict[str, str]]
           ) -> list[tuple[str, str, tuple[str, ...]]]:
    """Which *known* identifiers are two to :data:`SPLIT_PIECES` of *found* fields put end
    to end (each piece sent in a request of its own, or in fields of one): ``[(token, how,
    pieces)]``; for identifiers up to :data:`SPLIT_LONGEST` long (a long stored value is no
    identifier cut up, and each costs its length squared)."""
    out: list[tuple[str, str, tuple[str, ...]]] = []
    for token in known:
        if len(token) > SPLIT_LONGEST:
            continue
        pieces = _cut(token, found)
        if pieces:
            out.append((token, f"split over {len(pieces)} fields", pieces))
    return out


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
    return found + scrambled(text, {t: f for t, f in known.items() if t not in told})
