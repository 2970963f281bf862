"""LZ-string, the compression many trackers' SDKs store and send state in
(``compressToBase64``, ``compressToEncodedURIComponent``, ``compressToUTF16``), undone:
an identifier compressed so is read as the text it was. Pure.
"""

from __future__ import annotations

from collections.abc import Callable

__all__ = ["LONGEST", "from_base64", "from_uri", "from_utf16"]

LONGEST = 16384  # characters a compressed run is read out to at most
_ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"
_BASE64 = {c: i for i, c in enumerate(_ALPHABET + "+/")}
_URI = {c: i for i, c in enumerate(_ALPHABET + "+-$")}


def from_base64(run: str) -> str | None:
    """*run* as ``compressToBase64`` wrote it (padding optional), or None."""
    return _read(run.rstrip("="), _BASE64, 32)


def from_uri(run: str) -> str | None:
    """*run* as ``compressToEncodedURIComponent`` wrote it (``+``, ``-``, ``$``), or None."""
    return _read(run, _URI, 32)


def from_utf16(run: str) -> str | None:
    """*run* as ``compressToUTF16`` wrote it (15 bits a character, from U+0020), or None."""
    return _read(run.rstrip(" "), None, 16384)


def _read(run: str, table: dict[str, int] | None, top: int) -> str | None:
    """*run* read as LZ-string's stream, each character a value by *table* (else its code
    point less 32), *top* its highest bit; None where it is none. Its first two bits say
    the first character's width (0 or 1): a run whose second bit is set is none, at once."""
    if not run:
        return None
    values = _Values(run, table)
    first = values[0]
    if first is None or first & (top >> 1):
        return None
    return _decompress(values, top)


class _Values:
    """The values of *run*'s characters, read as asked (most runs are given up early)."""

    def __init__(self, run: str, table: dict[str, int] | None) -> None:
        self.run, self.table = run, table

    def __len__(self) -> int:
        return len(self.run)

    def __getitem__(self, index: int) -> int | None:
        char = self.run[index]
        if self.table is not None:
            return self.table.get(char)
        value = ord(char) - 32
        return value if 0 <= value < 32768 else None


class _Bits:
    """The bits of *values* (each *top* and below), most significant first."""

    def __init__(self, values: _Values, top: int) -> None:
        self.values, self.top, self.index, self.position = values, top, 0, top
        self.value = values[0]

    def read(self, count: int) -> int | None:
        """The next *count* bits, least significant first, or None past the end (or at a
        character that is no value)."""
        out = 0
        for shift in range(count):
            if self.value is None:
                return None
            if self.value & self.position:
                out |= 1 << shift
            self.position >>= 1
            if not self.position:
                self.position, self.index = self.top, self.index + 1
                self.value = self.values[self.index] if self.index < len(self.values) \
                    else None
        return out


def _decompress(values: _Values, top: int) -> str | None:
    """LZ-string's stream of *values* read back to its text, or None where it is no such
    stream (a code it never defined, no end mark where the values end, longer than
    :data:`LONGEST`)."""
    bits = _Bits(values, top)
    words: list[str] = ["", "", ""]
    literal: dict[int, Callable[[], int | None]] = {0: lambda: bits.read(8),
                                                    1: lambda: bits.read(16)}
    first = bits.read(2)
    if first not in literal:
        return None
    char = literal[first]()
    if char is None:
        return None
    word = chr(char)
    words.append(word)
    out, size, width, room = [word], len(word), 3, 4
    while size <= LONGEST:
        code = bits.read(width)
        if code is None:
            return None
        if code == 2:  # the end mark, in the last character or the one before it
            return "".join(out) if bits.index >= len(values) - 1 else None
        if code in literal:
            char = literal[code]()
            if char is None:
                return None
            words.append(chr(char))
            code, room = len(words) - 1, room - 1
            if not room:
                room, width = 1 << width, width + 1
        if code < len(words):
            entry = words[code]
        elif code == len(words):
            entry = word + word[0]
        else:
            return None
        out.append(entry)
        size += len(entry)
        words.append(word + entry[0])
        room -= 1
        word = entry
        if not room:
            room, width = 1 << width, width + 1
    return None
