"""Clear 4xx answers for bad input: one exception, one JSON shape, small field readers."""

from __future__ import annotations

import json
import logging
import math
import sqlite3

from flask import Flask, Request, jsonify
from flask.json.provider import DefaultJSONProvider
from werkzeug.exceptions import HTTPException

from .writer import DatabaseGone, database_busy

log = logging.getLogger(__name__)


class ApiError(Exception):
    """A request the collector refuses; answered as ``{"error": message}``."""

    def __init__(self, status: int, message: str, headers: dict | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.headers = headers or {}


MAX_DEPTH = 20


def _no_constant(name: str):
    raise ValueError(f"{name} is not JSON")


def _finite(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):  # 1e400: a JSON number no double holds
        raise ValueError(f"the number {text[:40]} is out of range")
    return value


def _unique_names(pairs: list[tuple[str, object]]) -> dict:
    """Build a JSON object, refusing one that names a member twice (RFC 8259 §4: parsers
    then differ on which value counts, so what one reader checked, ``{"site": "shop",
    "site": "blog"}``, need not be what another acts on; Python's would take the last)."""
    value = dict(pairs)
    if len(value) != len(pairs):
        seen: set[str] = set()
        for name, _ in pairs:
            if name in seen:
                raise ValueError(f"an object names {name[:60]!r} more than once")
            seen.add(name)
    return value


def depth(value: object) -> int:
    """Return how deeply arrays and objects nest in the parsed JSON *value* (0 for a
    scalar). Counted after parsing, not over the text: a regex skipping the strings of a
    64 KiB body took tens of milliseconds, on every delivery."""
    deepest, level = 0, [(value, 1)]
    while level:
        item, at = level.pop()
        if isinstance(item, dict):
            item = item.values()
        elif not isinstance(item, list):
            continue
        deepest = max(deepest, at)
        if at <= MAX_DEPTH:  # deeper is refused whatever lies below
            level.extend((child, at + 1) for child in item)
    return deepest


def strict_loads(raw: bytes | str) -> object:
    """Parse JSON strictly: UTF-8 only (RFC 8259 §8.1), NaN and Infinity refused, no
    object naming a member twice, nesting at most MAX_DEPTH deep. Bytes are decoded
    first, so no other encoding (which ``json.loads`` would guess at) gets in."""
    try:
        text = raw if isinstance(raw, str) else raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ValueError(f"not UTF-8 text ({exc.reason} at byte {exc.start})") from None
    try:  # the C parser refuses deep nesting itself, at the interpreter's recursion limit
        value = json.loads(text, parse_constant=_no_constant, parse_float=_finite,
                           object_pairs_hook=_unique_names)
    except RecursionError:
        raise ValueError(f"nested more than {MAX_DEPTH} levels deep") from None
    if depth(value) > MAX_DEPTH:
        raise ValueError(f"nested more than {MAX_DEPTH} levels deep")
    try:  # a lone surrogate ("\ud800") is no text: nothing could store or send it on
        _unicode_check(value).encode("utf-8")
    except UnicodeEncodeError:
        raise ValueError("a string holds a lone surrogate (\\ud800-\\udfff)") from None
    return value


_unicode_check = json.JSONEncoder(ensure_ascii=False, check_circular=False).encode


class StrictJSON(DefaultJSONProvider):
    """Flask's JSON, refusing NaN and Infinity both ways."""

    def dumps(self, obj, **kwargs):
        kwargs.setdefault("allow_nan", False)
        return super().dumps(obj, **kwargs)

    def loads(self, s, **kwargs):
        return strict_loads(s)


def json_object(request: Request) -> dict:
    """Return the request body as a JSON object, whatever its content type, or raise."""
    raw = request.get_data(cache=True)
    if not raw:
        raise ApiError(400, "request body is empty; expected a JSON object")
    try:
        body = strict_loads(raw)
    except (ValueError, UnicodeDecodeError, RecursionError) as exc:
        raise ApiError(400, f"request body is not valid JSON: {exc}") from None
    if not isinstance(body, dict):
        raise ApiError(400, f"request body must be a JSON object, not {type(body).__name__}")
    return body


def no_unknown_keys(body: dict, allowed: set[str], what: str = "body") -> None:
    unknown = sorted(set(body) - allowed)
    if unknown:
        raise ApiError(
            400, f"{what} has unknown field(s) {', '.join(unknown)}; "
            f"allowed: {', '.join(sorted(allowed))}"
        )


def field(body: dict, name: str, kind: type | tuple, *, required: bool = True,
          default: object = None, choices: tuple | None = None, max_len: int = 2048):
    """Read *name* from *body*, checking its type, allowed values and length."""
    if name not in body or body[name] is None:
        if required:
            raise ApiError(400, f"missing required field {name!r}")
        return default
    value = body[name]
    kinds = kind if isinstance(kind, tuple) else (kind,)
    # bool is an int in Python; never accept it where a number is meant, or vice versa.
    if not isinstance(value, kinds) or (isinstance(value, bool) and bool not in kinds):
        names = " or ".join(k.__name__ for k in kinds)
        raise ApiError(400, f"field {name!r} must be {names}, not {type(value).__name__}")
    if isinstance(value, str) and not value.strip():
        raise ApiError(400, f"field {name!r} must not be empty")
    if isinstance(value, str) and len(value) > max_len:
        raise ApiError(400, f"field {name!r} is longer than {max_len} characters")
    if choices is not None and value not in choices:
        raise ApiError(400, f"field {name!r} must be one of {', '.join(map(str, choices))}")
    return value


def init_app(app: Flask) -> None:
    """Answer ApiError and HTTP errors on the API with JSON ``{error}``."""

    @app.errorhandler(ApiError)
    def _api_error(exc: ApiError):
        return jsonify(error=exc.message), exc.status, exc.headers

    @app.errorhandler(sqlite3.OperationalError)
    def _database_error(exc: sqlite3.OperationalError):
        # Another process holding the database past the busy timeout: nothing of this
        # request was stored (the writer rolled it back), so the sender may simply retry.
        if isinstance(exc, DatabaseGone):
            log.error("database file gone", exc_info=exc)
            return jsonify(error=f"{exc}; nothing was stored: the collector must be "
                           "restarted"), 503
        if database_busy(exc):
            return jsonify(error="the database is busy (held by another process); nothing "
                           "was stored: retry"), 503, {"Retry-After": "1"}
        log.error("database error", exc_info=exc)
        return jsonify(error="internal database error"), 500

    @app.errorhandler(HTTPException)
    def _http_error(exc: HTTPException):
        if exc.code == 413:
            message = "request body is larger than 64 KiB"
        else:
            message = exc.description or exc.name
        return jsonify(error=message), exc.code
