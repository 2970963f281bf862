"""Regular expressions for the evaluator, on RE2: a consent gate such as
``/consent=yes/.test(document.cookie)`` is decided, and an address built with
``replace(/…/, '…')`` is known. RE2 runs in linear time, so no page's pattern can stall the
audit; a pattern it cannot run (backreferences, lookaround) gives answers only the browser
knows."""

from __future__ import annotations

import re
from functools import lru_cache

import re2

from .jsvalues import UNKNOWN, JSArray, JSObject, Native, known, to_string

MAX_PATTERN = 1000
MAX_SUBJECT = 64 * 1024
NOT_REGEXP = object()  # string_method's answer when its argument is no RegExp


@lru_cache(maxsize=256)
def _compiled(source: str, flags: str):
    """The RE2 program for a JavaScript pattern, or None when RE2 cannot run it."""
    if len(source) > MAX_PATTERN or not known(source):
        return None
    inline = "".join(f for f in "ims" if f in flags)
    pattern = re.sub(r"\(\?<(?=[A-Za-z_$])", "(?P<", source)  # named groups
    options = re2.Options()
    options.max_mem = 8 << 20
    options.log_errors = False
    try:
        return re2.compile((f"(?{inline})" if inline else "") + pattern, options)
    except re2.error:
        return None


class RegExp(JSObject):
    """A ``/pattern/flags`` literal or ``new RegExp(pattern, flags)``."""

    def __init__(self, source: str, flags: str) -> None:
        self.program = _compiled(source, flags)
        self.global_ = "g" in flags
        super().__init__({"source": source, "flags": flags, "global": self.global_,
                          "test": Native("test", lambda this, args: self.test(args)),
                          "exec": Native("exec", lambda this, args: self.exec_(args))})
        self.as_string = f"/{source}/{flags}"

    def _subject(self, args) -> str | None:
        text = to_string(args[0]) if args else "undefined"
        return text if self.program is not None and known(text) and \
            len(text) <= MAX_SUBJECT else None

    def test(self, args):
        text = self._subject(args)
        return UNKNOWN if text is None else self.program.search(text) is not None

    def exec_(self, args):
        text = self._subject(args)
        if text is None:
            return UNKNOWN
        found = self.program.search(text)
        return None if found is None else _match_array(found, text)


def _match_array(found, text: str) -> JSArray:
    groups = [found.group(0), *found.groups()]
    array = JSArray([UNKNOWN if g is None else g for g in groups])
    array.props.update({"index": float(found.start()), "input": text})
    return array


def make_regexp(args) -> object:
    """``RegExp(pattern, flags)``, with or without ``new``."""
    pattern = args[0] if args else ""
    if isinstance(pattern, RegExp):
        return pattern
    flags = to_string(args[1]) if len(args) > 1 and args[1] is not None else ""
    source = to_string(pattern)
    return RegExp(source, flags) if known(source) and known(flags) else UNKNOWN


def _expand(template: str, found) -> str:
    """A replacement string's ``$&``, ``$1``…, ``$<name>`` and ``$$``."""
    def one(match: re.Match) -> str:
        token = match.group(0)
        if token == "$$":
            return "$"
        if token == "$&":
            return found.group(0)
        if token.startswith("$<"):
            try:
                return found.group(token[2:-1]) or ""
            except (IndexError, KeyError, re2.error):
                return token
        number = int(token[1:])
        if 0 < number <= len(found.groups()):
            return found.group(number) or ""
        return token
    return re.sub(r"\$\$|\$&|\$<[^>]*>|\$\d{1,2}", one, template)


def string_method(text: str, key: str, args):
    """``replace``/``replaceAll``/``match``/``search``/``split`` with a RegExp argument;
    NOT_REGEXP when the first argument is no RegExp (the plain string methods apply)."""
    pattern = args[0] if args else None
    if not isinstance(pattern, RegExp):
        return NOT_REGEXP
    if pattern.program is None or not known(text) or len(text) > MAX_SUBJECT:
        return UNKNOWN
    program = pattern.program
    if key in ("replace", "replaceAll"):
        replacement = args[1] if len(args) > 1 else "undefined"
        if not isinstance(replacement, str) or not known(replacement):
            return UNKNOWN  # a function, or text only the browser knows
        count = 0 if pattern.global_ else 1
        return program.sub(lambda found: _expand(replacement, found), text, count=count)
    if key == "match":
        if not pattern.global_:
            found = program.search(text)
            return None if found is None else _match_array(found, text)
        matches = [m.group(0) for m in program.finditer(text)]
        return JSArray(matches) if matches else None
    if key == "search":
        found = program.search(text)
        return -1.0 if found is None else float(found.start())
    if key == "split":
        return JSArray(program.split(text))
    return NOT_REGEXP
