"""The evidence of one consent-audit state, gathered as the visit goes on.

Evidence of one state, ``record["evidence"]`` (read by the verdict, the report and the
modules built on them). ``at`` is the harness's wall clock (``time.time()``) when an item was
observed, ``phase`` what the audit was doing then (an item set off as one phase ended may
reach the harness in the next), ``clock`` the page's virtual time (ms):

    browser         "chromium" | "firefox"
    entry           the URL first opened (a tracked link when ``tracked``)
    opted_out_at    ``at`` when the opt-out took effect (None: never opted out)
    opt_out_from    ``at`` when the last listed opt-out step began (its click may already
                    set off tracking)
    phases          [{name, at}]: load, opt-out, then, settle, hidden, away, back, close,
                    stock (see PHASES)
    requests        [{at, phase, method, url, resource_type, frame, top}]: seen by the
                    browser (``top``: made in the tab's own frame, not a frame in it)
    wire            [{at, phase, method, url, headers, body}]: seen by the proxy; everything
                    that went out, also after a page closed (``tunnel://host:port`` for CONNECT)
    calls           [{at, phase, clock, api, url, script, page}]: request APIs scripts called
    cookie_writes   [{at, phase, clock, name, value, script, api, page}]
    set_cookies     [{at, phase, by: "Set-Cookie", url, name, value}]
    storage_writes  [{at, phase, clock, storage, key, value, script, page}]: localStorage,
                    sessionStorage, indexedDB, cacheStorage
    websockets      [{at, phase, url}]
    hints           [{at, phase, clock, rel, href, script, page}]
    lifecycle       [{at, phase, clock, event, persisted, page}]: pageshow / pagehide
    cookies         the context's cookies at the end; ``cookies_at_opt_out`` at the opt-out
    stored          {"at_opt_out": [...], "end": [...]}: stock of every origin visited,
                    [{origin, storage, key, value}] (``asset``: a cached script's text)
    served          [{url, tokens}]: identifiers given to this visitor alone in an answer's
                    body before the opt-out and sent after it (``served.py``)
    reporting       [{url, headers}]: answers naming reporting endpoints (``cspreports.py``)
    announcing      [{at, url, headers}]: answers naming addresses for the browser to
                    request (a Link, a reporting endpoint: ``announced.py``)
    builds          build hashes in names that fresh visitors are served too (validators.py)
"""

from __future__ import annotations

import asyncio
import time
from typing import Any
from urllib.parse import urlsplit

from . import announced, inventory, leave, served
from .proxy import HARNESS_HOST, INVENTORY_PATH
from .verdict import opt_out_moment

__all__ = ["PHASES", "Evidence", "kept_bodies"]

PHASES = ("load", "opt-out", "then", "settle", "hidden", "away", "back", "close", "stock")


class Evidence:
    """What one state gathers, as it comes in: from the browser's events, the page hooks'
    binding and the recording proxy, each item stamped with the moment and the phase."""


    def __init__(self, browser: str) -> None:
        self.data: dict[str, Any] = {
            "browser": browser, "entry": None, "opted_out_at": None, "phases": [],
            "requests": [], "wire": [], "calls": [], "cookie_writes": [], "set_cookies": [],
            "storage_writes": [], "websockets": [], "hints": [], "lifecycle": [],
            "cookies": [], "cookies_at_opt_out": [], "stored": {"at_opt_out": [], "end": []}}
        self.phase = "load"
        self.answers: list[dict] = []  # the proxy's answer heads, for the HAR
        self.bodies: list[dict] = []  # the text of each answer to a GET (served.py)
        self.pending: list[asyncio.Task] = []
        self.shown = asyncio.Event()

    def enter(self, phase: str) -> None:
        self.phase = phase
        self.data["phases"].append({"name": phase, "at": time.time()})

    def add(self, key: str, item: dict) -> None:
        item.setdefault("at", time.time())
        item["phase"] = self.phase
        self.data[key].append(item)

    def page_event(self, _source, event: dict) -> None:
        key = {"cookie": "cookie_writes", "storage": "storage_writes", "hint": "hints",
               "call": "calls", "lifecycle": "lifecycle"}.get(event.pop("kind"))
        if key:
            self.add(key, event)
        if key == "lifecycle" and event["event"] == "pageshow" and \
                not leave.is_neutral(event["page"]):
            self.shown.set()

    def request(self, request) -> None:
        try:
            frame, top = request.frame.url, request.frame.parent_frame is None
        except Exception:  # a worker's request has no frame
            frame, top = None, False
        if urlsplit(request.url).hostname != HARNESS_HOST and \
                not request.url.endswith(INVENTORY_PATH):
            self.add("requests", {"method": request.method, "url": request.url,
                                  "resource_type": request.resource_type, "frame": frame,
                                  "top": top})

    def answered(self, answer: dict) -> None:
        """An answer's head as the proxy passed it back: its cookies go on record."""
        self.answers.append(answer)
        # Where the page's security-policy violations are reported (cspreports.py).
        reporting = [(k, v) for k, v in answer["headers"]
                     if k.lower() in ("reporting-endpoints", "report-to")]
        if reporting:
            self.data.setdefault("reporting", []).append({"url": answer["url"],
                                                          "headers": reporting})
        # Addresses it has the browser request on its own (announced.py).
        announcing = [(k, v) for k, v in answer["headers"] if k.lower() in announced.HEADERS]
        if announcing:
            kind = next((v for k, v in answer["headers"] if k.lower() == "content-type"), "")
            self.data.setdefault("announcing", []).append(
                {"at": answer["at"], "url": answer["url"], "headers": announcing,
                 "document": "html" in kind.lower() or "xml" in kind.lower()})
        self._set_cookies(answer["url"], answer["at"],
                          [v for k, v in answer["headers"] if k.lower() == "set-cookie"])

    def body(self, request: dict, data: bytes) -> None:
        """An answer as the proxy passed it back whole: its text, if text, for served.py."""
        if request["method"] == "GET":
            text = served.answer_text(data)
            if text:
                self.bodies.append({"at": request["at"], "url": request["url"], "text": text})

    def response(self, response) -> None:
        # Plain HTTP answers are read on the wire (answered); only a tunnelled (HTTPS)
        # answer's head has to be asked of the browser, one round trip each.
        if response.url.startswith("https:"):
            self.pending.append(asyncio.ensure_future(self._ask(response, time.time())))

    async def _ask(self, response, at: float) -> None:
        try:
            values = await response.header_values("set-cookie")
        except Exception:  # the page went away
            return
        self._set_cookies(response.url, at, values)

    def _set_cookies(self, url: str, at: float, values: list[str]) -> None:
        for value in values:
            for line in value.split("\n"):
                self.add("set_cookies", {"at": at, "by": "Set-Cookie", "url": url,
                                         "value": line[:inventory.KEEP],
                                         "name": line.split("=")[0].strip()})



def kept_bodies(evidence: Evidence) -> list[dict]:
    """What the visitor was given before the opt-out as an answer's body (on the wire) or
    kept as one (a script or style sheet in Cache Storage, as the stock read it then)."""
    boundary = opt_out_moment(evidence.data)
    if boundary is None:
        return []
    return [b for b in evidence.bodies if b["at"] < boundary] + [
        {"url": i["key"].partition("/")[2], "text": i["asset"]}
        for i in evidence.data["stored"]["at_opt_out"] if i.get("asset")]
