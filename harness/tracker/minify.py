"""Strip comments and indentation from JavaScript without touching strings or regexes.

Not a general minifier: it never renames or reorders, and it keeps every line break,
so automatic semicolon insertion works exactly as in the source.
"""

from __future__ import annotations

# After these characters (or at the start), a "/" begins a regex literal, not a division.
_REGEX_AFTER = set("(,=:[!&|?{};+-*%<>~^\n")


def minify(source: str) -> str:
    """Return *source* without comments, indentation, trailing spaces or blank lines."""
    out: list[str] = []
    i, n = 0, len(source)
    while i < n:
        ch = source[i]
        if ch in "'\"`":
            end = _string_end(source, i)
            out.append(source[i:end])
            i = end
        elif source.startswith("//", i):
            while i < n and source[i] != "\n":
                i += 1
        elif source.startswith("/*", i):
            end = source.find("*/", i + 2)
            i = n if end < 0 else end + 2
        elif ch == "/" and _last_significant(out) in _REGEX_AFTER:
            end = _regex_end(source, i)
            out.append(source[i:end])
            i = end
        else:
            out.append(ch)
            i += 1
    lines = (line.strip() for line in "".join(out).splitlines())
    return "\n".join(line for line in lines if line) + "\n"


def _last_significant(out: list[str]) -> str:
    for chunk in reversed(out):
        stripped = chunk.rstrip(" \t")
        if stripped:
            return stripped[-1]
    return "\n"


def _string_end(source: str, start: int) -> int:
    quote, i = source[start], start + 1
    while i < len(source):
        if source[i] == "\\":
            i += 2
            continue
        if source[i] == quote:
            return i + 1
        i += 1
    return len(source)


def _regex_end(source: str, start: int) -> int:
    i, in_class = start + 1, False
    while i < len(source) and source[i] != "\n":
        ch = source[i]
        if ch == "\\":
            i += 2
            continue
        if ch == "[":
            in_class = True
        elif ch == "]":
            in_class = False
        elif ch == "/" and not in_class:
            i += 1
            while i < len(source) and source[i].isalpha():
                i += 1  # flags
            return i
        i += 1
    return i
