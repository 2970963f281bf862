"""A HAR of one site-state, written from what the audit's proxy saw on the wire.

Every request the browser context sent is in it, also those a closing page sent after the
browser stopped reporting (Playwright's own HAR misses them), each with the moment of the
visit it was sent in (``_phase``) and the head of its answer. Request bodies are kept up to
the proxy's preview size; answers' bodies are not kept: they are what the site served, not
what the visitor's browser gave away, and fetching them from the browser cost more than the
rest of the state's evidence together.
"""

from __future__ import annotations

import json
from datetime import datetime, timezone
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlsplit

__all__ = ["build", "write"]

COMMENT = ("recorded on the wire by webtrack's consent-audit proxy; request bodies up to "
           "2 KiB, answer bodies not kept")


def _time(at: float) -> str:
    return datetime.fromtimestamp(at, timezone.utc).isoformat(timespec="milliseconds")


def _pairs(headers) -> list[dict]:
    items = headers.items() if isinstance(headers, dict) else headers
    return [{"name": k, "value": v} for k, v in items]


def _entry(request: dict, answer: dict | None) -> dict:
    url = request["url"]
    body = request.get("body")
    waited = round(max(0.0, (answer["at"] - request["at"]) * 1000), 3) if answer else -1
    entry: dict[str, Any] = {
        "startedDateTime": _time(request["at"]),
        "time": max(waited, 0),
        "_phase": request.get("phase"),
        "request": {
            "method": request["method"], "url": url, "httpVersion": "HTTP/1.1",
            "cookies": [], "headers": _pairs(request.get("headers") or {}),
            "queryString": [{"name": k, "value": v}
                            for k, v in parse_qsl(urlsplit(url).query, keep_blank_values=True)],
            "headersSize": -1, "bodySize": len(body.encode()) if body else 0},
        "response": {
            "status": answer["status"] if answer else 0, "statusText": "",
            "httpVersion": "HTTP/1.1", "cookies": [],
            "headers": _pairs(answer["headers"]) if answer else [],
            "content": {"size": -1, "mimeType": ""}, "redirectURL": "",
            "headersSize": -1, "bodySize": -1},
        "cache": {},
        "timings": {"send": 0, "wait": max(waited, 0), "receive": 0},
    }
    if body:
        mime = (request.get("headers") or {}).get("content-type", "")
        entry["request"]["postData"] = {"mimeType": mime, "text": body}
    return entry


def build(wire: list[dict], answers: list[dict], browser: str) -> dict:
    """The HAR log of *wire* (the proxy's requests, in order) and *answers* (its
    ``answered`` items, each naming its request)."""
    answer_of = {id(a["request"]): a for a in answers}
    return {"log": {"version": "1.2", "comment": COMMENT,
                    "creator": {"name": "webtrack consent-audit", "version": "1"},
                    "browser": {"name": browser, "version": ""}, "pages": [],
                    "entries": [_entry(r, answer_of.get(id(r))) for r in wire]}}


def write(path: Path, wire: list[dict], answers: list[dict], browser: str) -> None:
    # Compact: json's indenting encoder is pure Python, several times slower than its C one,
    # and a state's HAR was most of the audit's own CPU after the browser's.
    path.write_text(json.dumps(build(wire, answers, browser), separators=(",", ":")),
                    encoding="utf-8")
