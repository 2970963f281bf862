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
    run = run.rstrip("=")
    if not run or any(c not in _BASE64 for c in run):
        return None
    return _decompress([_BASE64[c] for c in run], 32)


def from_uri(run: str) -> str | None:
    """*run* as ``compressToEncodedURIComponent`` wrote it (``+``, ``-``, ``$``), or None."""
    if not run or any(c not in _URI for c in run):
        return None
    return _decompress([_URI[c] for c in run], 32)


def from_utf16(run: str) -> str | None:
    """*run* as ``compressToUTF16`` wrote it (15 bits a character, from U+0020), or None."""
    values = [ord(c) - 32 for c in run.rstrip(" ")]
    if not values or any(not 0 <= v < 32768 for v in values):
        return None
    return _decompress(values, 16384)


class _Bits:
    """The bits of *values* (each *top* and below), most significant first."""

    def __init__(self, values: list[int], top: int) -> None:
        self.values, self.top, self.index, self.position = values, top, 0, top

    def read(self, count: int) -> int | None:
        """The next *count* bits, least significant first, or None past the end."""
        out = 0
        for shift in range(count):
            if self.index >= len(self.values):
                return None
            if self.values[self.index] & self.position:
                out |= 1 << shift
            self.position >>= 1
            if not self.position:
                self.position, self.index = self.top, self.index + 1
        return out


def _decompress(values: list[int], top: int) -> str | None:
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
