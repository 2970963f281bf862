"""Clear 4xx answers for bad input: one exception, one JSON shape, small field readers."""

from __future__ import annotations

import json

from flask import Flask, Request, jsonify
from werkzeug.exceptions import HTTPException


class ApiError(Exception):
    """A request the collector refuses; answered as ``{"error": message}``."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


def json_object(request: Request) -> dict:
    """Return the request body as a JSON object, whatever its content type, or raise."""
    raw = request.get_data(cache=True)
    if not raw:
        raise ApiError(400, "request body is empty; expected a JSON object")
    try:
        body = json.loads(raw)
    except (ValueError, UnicodeDecodeError) as exc:
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
        return jsonify(error=exc.message), exc.status

    @app.errorhandler(HTTPException)
    def _http_error(exc: HTTPException):
        if exc.code == 413:
            message = "request body is larger than 64 KiB"
        else:
            message = exc.description or exc.name
        return jsonify(error=message), exc.code
