"""The gate's canary: does the candidate deliver a visit at all? Answered within seconds.

A candidate that throws at start, posts to the wrong place or never sends would otherwise
make every scenario wait out its timeout. The canary runs beside the scenarios: one
known visitor arrives through a tracked link in Chromium, and a ``website_visited`` must
be recorded before an explicit deadline. If not, the gate stops the scenarios and says why,
with what the page did instead (its errors, its requests and their answers).
"""

from __future__ import annotations

import time
from pathlib import Path

DEADLINE = 10.0  # seconds from the arrival for the visit to be recorded (it takes ~0.1 s)


def explain(seconds: float, errors: list[str], requests: list[dict], received: int) -> str:
    """Why delivery looks broken, from what the page did, in one sentence or three."""
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


def probe(script: Path, deadline: float = DEADLINE, site: str = "shop") -> dict:
    """Run the canary with *script* as ``/tracker.js``: ``{ok, seconds, reason}``."""
    from playwright.sync_api import sync_playwright

    from ..client import CollectorClient
    from ..remote import launch_sync
    from ..server import Server

    started = time.monotonic()
    errors: list[str] = []
    requests: list[dict] = []
    with Server(tracker=script, fixtures_dir=None) as server, sync_playwright() as playwright:
        browser = launch_sync(playwright, "chromium")
        try:
            client = CollectorClient("collector.localhost", server.port)
            profile = client.profile(consent="opted_in")["id"]
            page = browser.new_context().new_page()
            page.on("pageerror", lambda error: errors.append(str(error)[:200]))
            page.on("response", lambda r: requests.append(_request(r.request, r.status)))
            page.on("requestfailed", lambda r: requests.append(_request(r, r.failure)))
            page.goto(client.link(profile, server.url_for(site, "/")))
            arrived = time.monotonic()
            visits = client.interactions(profile, "website_visited", min=1, wait=deadline)
            received = client.stats().get("deliveries", 0)
            waited = time.monotonic() - arrived
        finally:
            browser.close()
    seconds = round(time.monotonic() - started, 2)
    if visits:
        return {"ok": True, "seconds": seconds, "reason": None}
    return {"ok": False, "seconds": seconds,
            "reason": explain(round(waited, 1), errors, requests, received)}
