"""The gate's canary: does the candidate deliver a visit at all? Answered within seconds.

A candidate that throws at start, posts to the wrong place or never sends would otherwise
make every scenario wait out its timeout. The canary runs beside the scenarios: one
known visitor arrives through a tracked link in Chromium, and a ``website_visited`` must
be recorded before an explicit deadline. The page runs on a virtual clock: a script that
has sent nothing once ten minutes of page time have run is answered at once, without
waiting out the deadline. If the visit is not recorded, the gate stops the scenarios and
says why, with what the page did instead (its errors, its requests and their answers).
"""

from __future__ import annotations

import time
from pathlib import Path
from urllib.parse import urlsplit

DEADLINE = 10.0  # seconds from the arrival for the visit to be recorded (it takes ~0.1 s)
PAGE_TIME = 600.0  # page-clock seconds run ahead after the load: what the script scheduled


def explain(seconds: float, errors: list[str], requests: list[dict], received: int,
            page_minutes: float | None = None) -> str:
    """Why delivery looks broken, from what the page did, in one sentence or three.

    With *page_minutes*, the page sent nothing while its clock ran that far ahead.
    """
    if page_minutes is not None:
        reason = (f"nothing was sent within {page_minutes:g} minutes of page time after a "
                  "tracked arrival")
    else:
        reason = f"no website_visited was recorded within {seconds:g} s of a tracked arrival"
    sent = [r for r in requests if r["type"] not in PAGE_RESOURCES]
    if errors:
        reason += "; the page threw: " + "; ".join(errors[:3])
    if not sent:
        reason += "; the script sent nothing"
    else:
        reason += "; it sent: " + "; ".join(
            f"{r['method']} {r['url']} → {r['status'] or 'no answer'}" for r in sent[:3])
    if received:
        reason += f"; the collector received {received} deliveries and recorded no visit"
    return reason


# What a page loads for itself; anything else it sends is the script's doing.
PAGE_RESOURCES = ("document", "stylesheet", "image", "font", "script", "media")


def _request(request, status) -> dict:
    return {"method": request.method, "url": request.url, "type": request.resource_type,
            "status": status}


def _sent(request, collector: str) -> bool:
    """True for a request that is the script's doing: anything to the collector but the
    script and the tracked link, and anything elsewhere that is not a page resource."""
    parts = urlsplit(request.url)
    if parts.netloc == collector:
        return not parts.path.startswith(("/tracker.js", "/l/"))
    return request.resource_type not in PAGE_RESOURCES


def probe(browser, client, url: str, deadline: float = DEADLINE,
          page_time: float = PAGE_TIME) -> dict:
    """One tracked arrival at *url* in a fresh context of *browser*: ``{ok, seconds,
    reason}``, ok when *client*'s collector records the visit within *deadline* seconds.

    The page runs on a virtual clock: once it has loaded, *page_time* seconds of it are
    run at once (whatever the script scheduled fires). A page that has then sent nothing
    at all is answered at once, without waiting out the deadline.
    """
    started = time.monotonic()
    errors: list[str] = []
    requests: list[dict] = []
    sent: list[bool] = []
    collector = urlsplit(client.origin).netloc
    context = browser.new_context()
    try:
        page = context.new_page()
        page.on("pageerror", lambda error: errors.append(str(error)[:200]))
        page.on("request", lambda r: sent.append(True) if _sent(r, collector) else None)
        page.on("response", lambda r: requests.append(_request(r.request, r.status)))
        page.on("requestfailed", lambda r: requests.append(_request(r, r.failure)))
        page.clock.install()
        profile = client.profile(consent="opted_in")["id"]
        page.goto(client.link(profile, url))
        arrived = time.monotonic()
        page.clock.run_for(int(page_time * 1000))
        page.evaluate("0")  # a round trip: the requests made so far have been reported
        silent = not sent
        visits = [] if silent else \
            client.interactions(profile, "website_visited", min=1, wait=deadline)
        received = client.stats().get("deliveries", 0)
        waited = time.monotonic() - arrived
    finally:
        context.close()
    seconds = round(time.monotonic() - started, 2)
    if visits:
        return {"ok": True, "seconds": seconds, "reason": None}
    return {"ok": False, "seconds": seconds, "reason": explain(
        round(waited, 1), errors, requests, received,
        page_minutes=page_time / 60 if silent else None)}


def run(script: Path, deadline: float = DEADLINE, site: str = "shop") -> dict:
    """The canary with *script* as ``/tracker.js``, on a server and a Chromium of its own
    (started beside the gate's run, so it answers before the run's workers are up)."""
    from playwright.sync_api import sync_playwright

    from ..client import CollectorClient
    from ..remote import launch_sync
    from ..server import Server

    with Server(tracker=script, fixtures_dir=None) as server, sync_playwright() as playwright:
        browser = launch_sync(playwright, "chromium")
        try:
            client = CollectorClient("collector.localhost", server.port)
            return probe(browser, client, server.url_for(site, "/"), deadline)
        finally:
            browser.close()
