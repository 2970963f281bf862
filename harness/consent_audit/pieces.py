"""Pieces: an identifier cut into fields sent apart (in requests of their own, or in
fields of one), found by putting the fields a visit sent end to end.
"""

from __future__ import annotations

import base64
import re

from .encodings import HEXED

__all__ = ["PIECES_LONGEST", "PIECE_SHORTEST", "SPLIT_LONGEST", "SPLIT_PIECES", "fields",
           "joined", "numbered"]

_FIELD = re.compile(r"[A-Za-z0-9_\-]{4,}")


_UINT32 = re.compile(r"(?<![0-9])[0-9]{5,10}(?![0-9])")
_SHORT_B64 = re.compile(r"(?<![A-Za-z0-9+/_\-])[A-Za-z0-9+/_\-]{6,16}(?![A-Za-z0-9+/_\-])")


def fields(text: str) -> set[str]:
    """The runs of identifier characters in *text* (a request's, unwrapped): the fields an
    identifier split between requests could be sent in; each run's parts between ``_``
    and ``-`` (a piece under a label, ``p1_8f3a9c2e``), what a short run decodes to as
    hex or base64 (a piece encoded alone is too short to unwrap), and a 32-bit number's
    eight hex digits."""
    found = set(_FIELD.findall(text))
    for run in list(found):
        found.update(p for p in re.split(r"[_\-]+", run) if len(p) >= PIECE_SHORTEST)
    for run in _SHORT_B64.findall(text):
        decoded = []
        if len(run) % 2 == 0 and HEXED.fullmatch(run):
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
    # A 32-bit number in decimal: a piece of a hex id sent as numbers (a 64-bit hash as two
    # unsigned ints), read back as its eight hex digits.
    found.update(f"{int(run):08x}" for run in _UINT32.findall(text) if int(run) < 1 << 32)
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



# An entry's name that numbers it among others of one stem (``ru_c0``, ``vid.1``, ``id-2``).
_NUMBERED = re.compile(r"(.*?)(\d{1,2})")


# An identifier in pieces, joined: a run this long of identifier characters, with this
# many different ones in it (a 64-bit id in hex has 16 characters, about 10 different).
# Short values numbered by the site (cart lines ``item_1=1042``, colours ``col1=ff0000``,
# flags ``pref1=on``) join to no such run.
PIECES_LONGEST = 7
_WHOLE = re.compile(r"[A-Za-z0-9_\-]{16,}")
_WHOLE_DISTINCT = 8


def numbered(entries: dict[str, str]) -> list[tuple[str, list[str], str]]:
    """The values *entries* (name → value) keep in pieces under numbered names of one stem
    (``ru_c0=8f3a``, ``ru_c1=9c2e``…): for each stem with two pieces or more, each too
    short to hold an identifier (:data:`PIECES_LONGEST` characters at most) and together a
    long run of many different characters, ``(stem, names in order, the values joined)``."""
    stems: dict[str, list[tuple[int, str]]] = {}
    for name in entries:
        match = _NUMBERED.fullmatch(name)
        if match and match.group(1):
            stems.setdefault(match.group(1), []).append((int(match.group(2)), name))
    out = []
    for stem, names in stems.items():
        ordered = [name for _, name in sorted(names)]
        whole = "".join(entries[n] for n in ordered)
        if len(names) >= 2 and all(len(entries[n]) <= PIECES_LONGEST for n in ordered) and \
                _WHOLE.fullmatch(whole) and len(set(whole)) >= _WHOLE_DISTINCT:
            out.append((stem, ordered, whole))
    return out
