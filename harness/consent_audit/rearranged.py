"""Rearranged identifiers: a kept id whose characters were each replaced one for one by a
fixed table (a permutation of hex digits, an emoji for each digit), spread out with filler
characters between them, or rotated (its halves swapped). None keeps the id's characters
in place, so no form of it can be looked for; what each keeps is found instead: the id's
pattern of repeats in a run of its length, the id itself read every second or third
character, or in a run of its length written twice over. Pure.
"""

from __future__ import annotations

import math
import re
import unicodedata
from functools import lru_cache

__all__ = ["FILLER_STRIDES", "SUBSTITUTION_BITS", "SYMBOL_BITS", "rearranged"]

# An id with one or two filler characters after (or before) each of its own.
FILLER_STRIDES = (2, 3)
# What a substituted id's pattern of repeats must hold to be looked for in a run of letters
# and digits: the chance that a run of its length and alphabet has that pattern by chance
# under 2**-40. A 32-digit hex id's holds some 84 bits, a 20-digit decimal one's 44; a
# 16-digit hex id's only 22 to 32, and requests carry many such runs of their own (a
# trace's span ids, a request's): it is not looked for so. Pages send no random runs of
# symbols (emoji): a run of them with the id's pattern needs only SYMBOL_BITS.
SUBSTITUTION_BITS = 40
SYMBOL_BITS = 20
_ALNUM = re.compile(r"[0-9A-Za-z]+")
_NOT_ASCII = re.compile(r"[^\x00-\x7f]+")
_ALPHABETS = (("0123456789", 10), ("0123456789abcdef", 16), ("0123456789ABCDEF", 16),
              ("0123456789abcdefghijklmnopqrstuvwxyz", 36))


def _pattern(run: str) -> tuple[int, ...]:
    """*run*'s pattern of repeats: each character as the order it first appeared in."""
    first: dict[str, int] = {}
    return tuple(first.setdefault(c, len(first)) for c in run)


def _alphabet(run: str) -> int:
    """How many characters *run*'s alphabet holds: digits, hex, lower case and digits, or
    letters of both cases and digits."""
    return next((size for chars, size in _ALPHABETS if set(run) <= set(chars)), 62)


# A run this long of one character is padding, not chance: five of one hex digit in a
# random 16-digit id come about twice in ten thousand (three of one, one id in fifteen).
_RUN_OF_ONE = re.compile(r"(.)\1{4,}", re.DOTALL)


def _informative(token: str) -> str:
    """*token* with each run of one character (five or more) kept as one: a padded code
    (``000000000000123457``) holds the bits of its digits, not of its length."""
    return _RUN_OF_ONE.sub(r"\1", token)


@lru_cache(maxsize=4096)
def _pattern_bits(token: str) -> float:
    """Bits *token*'s pattern of repeats fixes in a run of its length over its alphabet:
    all its arrangements against those with its pattern (runs of one character counted
    once: :func:`_informative`)."""
    token = _informative(token)
    size, kinds = _alphabet(token), len(set(token))
    if kinds > size:
        return 0.0
    return len(token) * math.log2(size) - sum(math.log2(size - i) for i in range(kinds))


def _symbols(run: str) -> bool:
    """Whether *run* is all symbols (emoji and the like), as a table of one symbol a
    character writes, not text in some script."""
    return all(unicodedata.category(c) == "So" for c in run)


def _runs(text: str) -> dict[int, set[str]]:
    """The runs of *text* a substituted id may be: of letters and digits, and of symbols,
    by length."""
    out: dict[int, set[str]] = {}
    for run in _ALNUM.findall(text):
        out.setdefault(len(run), set()).add(run)
    for run in _NOT_ASCII.findall(text):
        if _symbols(run):
            out.setdefault(len(run), set()).add(run)
    return out


def _substituted(runs: dict[int, set[str]], token: str) -> bool:
    """Whether one of *runs* is *token* with its characters replaced one for one: another
    run of its length with its pattern of repeats, of symbols, or over its alphabet where
    the pattern holds :data:`SUBSTITUTION_BITS`."""
    held = _pattern_bits(token)
    if held < SYMBOL_BITS:
        return False
    want, size = _pattern(token), _alphabet(token)
    return any(run != token and _pattern(run) == want and (
        _symbols(run) or held >= SUBSTITUTION_BITS and _alphabet(run) <= size)
        for run in runs.get(len(token), ()))


def _rotated(runs: dict[int, set[str]], token: str) -> bool:
    """Whether one of *runs* is *token* rotated (``u.slice(8) + u.slice(0, 8)``): its
    length's runs holding :data:`SUBSTITUTION_BITS` but for where it starts."""
    useful = _informative(token)
    if len(useful) * math.log2(_alphabet(token)) - math.log2(len(token)) < SUBSTITUTION_BITS:
        return False
    return any(run != token and token in run + run for run in runs.get(len(token), ()))


def rearranged(text: str, known: dict[str, dict[str, str]]) -> list[tuple[str, str]]:
    """Which *known* identifiers *text* carries with filler between their characters or
    each character replaced by a fixed table, and how: ``[(token, how)]``. A token of
    under four different characters is not looked for so."""
    if not known:
        return []
    spread = {stride: [text[start::stride] for start in range(stride)]
              for stride in FILLER_STRIDES}
    runs = _runs(text)
    found = []
    for token in known:
        if len(set(token)) < 4:
            continue
        stride = next((s for s in FILLER_STRIDES if any(token in t for t in spread[s])), None)
        if stride:
            found.append((token, f"with {stride - 1} filler character"
                                 f"{'s' if stride > 2 else ''} after each of its own"))
        elif _rotated(runs, token):
            found.append((token, "rotated (its characters moved round)"))
        elif _substituted(runs, token):
            found.append((token, "each character replaced by a fixed table"))
    return found
