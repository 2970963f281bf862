"""Text encodings: what a tracker wraps an identifier in (percent-encoding, base64 and
base32 at any alignment, hex, JSON escapes, arrays of character codes or bytes, groups
with separators, deflate), undone layer by layer so that what a request carries can be
searched in the clear. Pure functions over plain strings.
"""

from __future__ import annotations

import base64
import math
import re
from collections.abc import Callable, Iterator
from urllib.parse import unquote

from . import lzstring
from .inflate import inflate

__all__ = ["GROWTH", "HEXED", "UNWRAPPED", "b64decode", "decoded_runs", "unwrap"]

HEXED = re.compile(r"[0-9a-fA-F]+")

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
# LZ-string's output (lzstring.py): its base64, its URI-safe alphabet, and its UTF-16 (15
# bits a character from U+0020: a run of characters past Latin-1, ending in a space).
_LZ_BASE64 = re.compile(r"[A-Za-z0-9+/]{8,}={0,2}")
_LZ_URI = re.compile(r"[A-Za-z0-9+\-$]{8,}")
_LZ_UTF16 = re.compile(r"[\u0100-\u801f](?:[\u0020-\u801f]*[\u0100-\u801f])? ?")
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


def b64decode(text: str) -> bytes:
    """*text* decoded as base64 of either alphabet (standard or URL-safe)."""
    return base64.b64decode(text.replace("-", "+").replace("_", "/"), validate=True)


def _b32decode(text: str) -> bytes:
    """*text* decoded as base32 (RFC 4648) of either case."""
    return base64.b32decode(text.upper())


def _readings(run: str, block: int) -> Iterator[list[str]]:
    """*run*, unpadded base64 or base32 (*block* characters to a block: 4 or 8) as URLs
    carry it, made decodable from each of its first *block* characters in turn (one of
    them is where the encoded value starts, when a prefix was run into it). For each start,
    the texts to try, best first: padded back to whole blocks (its last bytes too: the end
    of an identifier), then cut to its whole blocks."""
    for start in range(block):
        part = run[start:]
        texts = dict.fromkeys((part + "=" * (-len(part) % block),
                               part[:len(part) - len(part) % block]))
        yield [t for t in texts if t]


def _decodings(texts: list[str], decode: Callable[[str], bytes]) -> Iterator[bytes]:
    """What *decode* makes of each of *texts* that it can decode, in order, one at a time
    (a caller that wants the first readable one decodes no further)."""
    for text in texts:
        try:
            yield decode(text)
        except ValueError:
            continue


def _first_text(run: str, block: int, decode: Callable[[str], bytes],
                read: Callable[[bytes], str | None]) -> list[str]:
    """For each start of *run* (:func:`_readings`), the first decoding *read* makes text of."""
    found = []
    for texts in _readings(run, block):
        text = next(filter(None, map(read, _decodings(texts, decode))), None)
        if text:
            found.append(text)
    return found


def decoded_runs(text: str) -> list[bytes]:
    """The bytes each hex and base64 run of *text* decodes to, readable or not (for each
    start of a base64 run, its first decoding)."""
    out = []
    for run in _HEX.findall(text):
        out.append(bytes.fromhex(run[:len(run) - len(run) % 2]))
    for run in _B64.findall(text):
        for texts in _readings(run, 4):
            data = next(_decodings(texts, b64decode), None)
            if data is not None:
                out.append(data)
    return out


def _b64(run: str) -> list[str]:
    """*run* read as base64 (:func:`_readings`): readable, or readable once inflated."""
    return _first_text(run, 4, b64decode, lambda data: _readable(data) or _inflated(data))


def _inflated(data: bytes) -> str | None:
    """*data* inflated (gzip, zlib or raw deflate, as ``CompressionStream`` makes them and
    SDKs send in a parameter), when that is readable text."""
    out = inflate(data, INFLATED_LONGEST) if len(data) >= 8 else None
    return _readable(out) if out else None


def _b32(run: str) -> list[str]:
    """*run* read as base32 (:func:`_readings`), where it is readable."""
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
    found += _lz(text)
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


def _lz(text: str) -> list[str]:
    """What the LZ-string runs of *text* decompress to (a run is read only where it ends
    where its stream's end mark says: random text almost never does), where readable."""
    found, read_so = [], set()
    for pattern, read in ((_LZ_BASE64, lzstring.from_base64), (_LZ_URI, lzstring.from_uri),
                          (_LZ_UTF16, lzstring.from_utf16)):
        for run in pattern.findall(text):
            if run in read_so:
                continue  # the same values in base64's alphabet as in the URI-safe one
            read_so.add(run)
            decoded = read(run)
            if decoded and len(decoded) >= 6 and _READABLE.fullmatch(decoded):
                found.append(decoded)
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
    elif HEXED.fullmatch(run):
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

