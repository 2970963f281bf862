"""Ciphers: an identifier XOR'd with a short key, each byte shifted, or each letter and
digit moved within its alphabet (Caesar, ROT13 with ROT5), which no decoding undoes; each
is found by a trace that does not depend on the key. Pure functions over plain strings.
"""

from __future__ import annotations

import math
import re
from functools import lru_cache
from itertools import combinations

from .encodings import HEXED, decoded_runs

__all__ = ["scrambled"]


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
    return math.log2(10 if token.isdigit() else 16 if HEXED.fullmatch(token) else 36)


def _shift_trace(data: bytes) -> bytes:
    return bytes((b - a) & 0xFF for a, b in zip(data, data[1:], strict=False))


def scrambled(text: str, known: dict[str, dict[str, str]]) -> list[tuple[str, str]]:
    """Which *known* identifiers *text* carries XOR'd with a short key or shifted (bytes, or
    letters and digits within their alphabets), and how:
    ``[(token, how)]``. A token whose trace is too plain to tell (``12345678``: each
    neighbour one apart) is not looked for so."""
    if not known:
        return []
    streams = [text.encode("utf-8", "surrogatepass")] + decoded_runs(text)
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
    if _most_bits(token) < CLASS_SHIFT_BITS:
        return False  # no match, whatever classes it moved, could fix enough bits
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


@lru_cache(maxsize=4096)
def _most_bits(token: str) -> float:
    """The most bits a match of *token* with some of its classes moved can fix
    (:func:`_moved_bits`, over every choice of the classes it holds)."""
    pattern = token.translate(_CLASS_OF)
    held = sorted(set(pattern) & set(_CLASSES))
    return max(_moved_bits(token, pattern, set(moved)) for size in range(len(held) + 1)
               for moved in combinations(held, size))


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

