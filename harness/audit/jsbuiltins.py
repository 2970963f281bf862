"""Builtins loader snippets lean on beyond the DOM: ``JSON.parse``, ``URL``, the cookie jar
and web storage of a first visit, and the ``Function`` constructor. Each is bounded: a
value too large or too deep is UNKNOWN, never an error."""

from __future__ import annotations

import json
from urllib.parse import urljoin, urlsplit

from .jsvalues import HOLE, UNDEF, UNKNOWN, JSArray, JSObject, Native, known, to_string

MAX_JSON = 64 * 1024


def from_json(value, depth: int = 0):
    """A parsed JSON value as the evaluator's values (numbers are floats)."""
    if depth > 32:
        raise ValueError("nested deeper than an audit follows")
    if isinstance(value, dict):
        return JSObject({str(k): from_json(v, depth + 1) for k, v in value.items()})
    if isinstance(value, list):
        return JSArray([from_json(v, depth + 1) for v in value])
    if isinstance(value, bool) or value is None or isinstance(value, str):
        return value
    return float(value)


def json_parse(this, args):
    text = args[0] if args else UNDEF
    if not isinstance(text, str) or not known(text) or len(text) > MAX_JSON:
        return UNKNOWN
    try:
        parsed = json.loads(text, parse_constant=_no_constant)
    except RecursionError:
        return UNKNOWN
    except ValueError:
        from .jseval import Throw

        raise Throw(UNKNOWN) from None  # SyntaxError: the rest of the script never runs
    try:
        return from_json(parsed)
    except (ValueError, RecursionError):
        return UNKNOWN  # deeper than the audit follows: not the page's error


class _Unknowable(Exception):
    pass


def _to_json(value, depth: int = 0):
    """*value* as Python's json writes it the way ``JSON.stringify`` does: functions and
    undefined left out of objects (null in arrays), NaN and Infinity as null, an integral
    number without a fraction; what only the browser knows (or a DOM node) stops it."""
    if depth > 32 or value is UNKNOWN or isinstance(value, str) and not known(value):
        raise _Unknowable
    if value is None or isinstance(value, (bool, str)):
        return value
    if isinstance(value, float):
        return None if value != value or value in (float("inf"), float("-inf")) else (
            int(value) if value.is_integer() and abs(value) < 1e21 else value)
    if isinstance(value, JSArray):
        return [None if _left_out(v) else _to_json(v, depth + 1) for v in value.items]
    if type(value) is JSObject:
        if value.as_string is not None:
            return value.as_string  # (a URL's toJSON)
        return {k: _to_json(v, depth + 1) for k, v in value.props.items() if not _left_out(v)}
    raise _Unknowable


def _left_out(value) -> bool:
    return value is UNDEF or isinstance(value, Native) or type(value).__name__ == "Function"


def json_stringify(this, args):
    """``JSON.stringify(value)`` of what the code built (no replacer or indent: else
    unknown)."""
    if len(args) > 1 and args[1] not in (None, UNDEF) or len(args) > 2 or not args:
        return UNKNOWN if args else UNDEF
    if _left_out(args[0]):
        return UNDEF
    try:
        return json.dumps(_to_json(args[0]), ensure_ascii=False, separators=(",", ":"))
    except (_Unknowable, RecursionError, ValueError):
        return UNKNOWN


def _no_constant(name: str):
    raise ValueError(f"{name} is no JSON")  # Python reads NaN and Infinity; JSON.parse not


def url_object(href: str) -> JSObject:
    """What ``new URL(...)`` and ``location`` answer: the parts of *href*."""
    parts = urlsplit(href.replace(HOLE, "\ue001"))  # a hole must not split the URL
    back = lambda text: text.replace("\ue001", HOLE)  # noqa: E731
    value = JSObject({
        "href": href, "protocol": back(parts.scheme) + ":", "host": back(parts.netloc),
        "hostname": back(parts.hostname or ""), "port": str(parts.port or "") if HOLE not in
        parts.netloc else HOLE, "origin": back(f"{parts.scheme}://{parts.netloc}"),
        "pathname": back(parts.path or "/"), "search": back("?" + parts.query if parts.query
                                                             else ""),
        "hash": back("#" + parts.fragment if parts.fragment else "")})
    value.as_string = href
    value.props["toString"] = value.props["toJSON"] = Native("toString", lambda t, a: href)
    return value


def make_url(base: str, statics: dict | None = None):
    """The ``URL`` constructor: ``new URL(relative, base)``, base defaulting to none; with
    its static methods (*statics*)."""

    def construct(this, args):
        relative = to_string(args[0]) if args else "undefined"
        against = to_string(args[1]) if len(args) > 1 and args[1] is not UNDEF else ""
        if not known(relative) and not relative.startswith(("http:", "https:", "//")):
            return UNKNOWN
        href = urljoin(against, relative) if against else relative
        if not urlsplit(href.replace(HOLE, "")).scheme:
            return UNKNOWN  # the browser throws: not an absolute URL
        return url_object(href)
    return Native("URL", construct, props=statics)


class CookieJar:
    """``document.cookie`` on a first visit: empty, then what the page's scripts set."""

    def __init__(self) -> None:
        self.values: dict[str, str] = {}

    def text(self) -> str:
        return "; ".join(f"{k}={v}" if k else v for k, v in self.values.items())

    def set(self, value) -> None:
        pair = to_string(value).split(";", 1)[0]
        name, _, rest = pair.partition("=") if "=" in pair else ("", "", pair)
        if len(self.values) < 64:
            self.values[name.strip()] = rest.strip()


def storage() -> JSObject:
    """``localStorage``/``sessionStorage`` of a first visit: empty, then what is set."""
    items: dict[str, str] = {}

    def get_item(this, args):
        key = to_string(args[0]) if args else "undefined"
        return items.get(key) if known(key) else UNKNOWN

    def set_item(this, args):
        key = to_string(args[0]) if args else "undefined"
        if known(key) and len(items) < 64:
            items[key] = to_string(args[1]) if len(args) > 1 else "undefined"
        return UNDEF

    return JSObject({
        "getItem": Native("getItem", get_item), "setItem": Native("setItem", set_item),
        "removeItem": Native("removeItem", lambda t, a: items.pop(
            to_string(a[0]) if a else "", None) and UNDEF),
        "clear": Native("clear", lambda t, a: items.clear())})


def make_function(host):
    """``Function(p1, …, body)`` / ``new Function(…)``: code in strings, as eval runs it."""
    from .loaders import Unparsed, parse

    def construct(this, args):
        from .asyncapis import FetchedText

        host.refuses_eval()

        if args and isinstance(args[-1], FetchedText):  # a fetched file, run when called
            return Native("anonymous", lambda t, a: host._eval(t, args[-1:]))
        if not all(isinstance(a, str) and known(a) for a in args):
            host.undeclared.unseen = True  # code the audit cannot read may run
            return UNKNOWN
        params, body = ",".join(args[:-1]), args[-1] if args else ""
        try:
            program = parse(f"(function anonymous({params}\n) {{\n{body}\n}})", False)
        except Unparsed:
            return UNKNOWN
        evaluator = host.running()
        host.undeclared.ran(program)
        return evaluator.expr(program.body[0].expression, evaluator.globals)
    return Native("Function", construct)
