"""What the browser did about tracking, told when an expectation fails.

The collector can only say what reached it; a page that never loaded the script, loaded it
from another port, or had its deliveries refused is seen from the browser. :class:`Witness`
listens to a page's context; :func:`explain` (pure, tested by a table) turns what it heard
into lines for the failure message.
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlsplit

from playwright.sync_api import BrowserContext, Request, Response

SCRIPT = "/tracker.js"
COLLECT = "/collect"
# How a browser reports a request it stopped following, not one that failed: Firefox shows
# every sendBeacon so, whatever the server answered.
ABORTED = ("NS_BINDING_ABORTED", "net::ERR_ABORTED")


@dataclass
class Exchange:
    """One request from the page to a collector (any port), and how it ended."""

    method: str
    url: str
    status: int | None = None  # None: no answer (yet)
    failure: str | None = None  # the network error, when it failed
    answer: str = ""  # the body of a refused delivery


def _is_tracking(url: str) -> bool:
    parts = urlsplit(url)
    return parts.path.endswith(SCRIPT) or parts.path == COLLECT or \
        parts.hostname == "collector.localhost"


def explain(exchanges: list[Exchange], collector: str) -> list[str]:
    """Return lines saying what the page did towards the collector at *collector*."""
    scripts = [e for e in exchanges if urlsplit(e.url).path.endswith(SCRIPT)]
    lines = []
    if not scripts:
        lines.append("  the browser never requested the tracking script (/tracker.js): "
                     "is the install line in the page's <head>?")
    for e in scripts:
        origin = "{0.scheme}://{0.netloc}".format(urlsplit(e.url))
        if origin != collector and urlsplit(e.url).hostname == "collector.localhost":
            lines.append(f"  the page loads {e.url}, but this collector is {collector}: "
                         f"run pytest with --webtrack-port {urlsplit(e.url).port or 80}, "
                         "or put this port in the install line")
        if e.failure:
            lines.append(f"  the tracking script did not load: {e.method} {e.url} failed: "
                         f"{e.failure}")
        elif e.status is not None and e.status >= 400:
            lines.append(f"  the tracking script did not load: {e.url} answered {e.status}")
    deliveries = [e for e in exchanges if urlsplit(e.url).path == COLLECT]
    if scripts and not deliveries:
        lines.append("  the browser sent no delivery to /collect")
    for e in deliveries:
        if e.failure in ABORTED:
            lines.append(f"  the browser sent a delivery to {e.url} (a beacon: the browser "
                         "does not show its answer)")
        elif e.failure:
            lines.append(f"  a delivery to {e.url} failed: {e.failure}")
        elif e.status is not None and e.status >= 400:
            lines.append(f"  a delivery to {e.url} was refused ({e.status}): "
                         f"{e.answer.strip()[:300]}")
    return lines


class Witness:
    """Keep every request a page's context makes to a collector; ``witness()`` explains."""

    def __init__(self, context: BrowserContext, collector: str) -> None:
        self.collector, self.context = collector, context
        self.exchanges: dict[Request, Exchange] = {}
        self._responses: dict[Request, Response] = {}
        context.on("request", self._request)
        context.on("response", self._response)
        context.on("requestfailed", self._failed)

    def _request(self, request: Request) -> None:
        if _is_tracking(request.url):
            self.exchanges[request] = Exchange(request.method, request.url)

    def _response(self, response: Response) -> None:
        exchange = self.exchanges.get(response.request)
        if exchange is not None:
            exchange.status = response.status
            if response.status >= 400:
                self._responses[response.request] = response

    def _failed(self, request: Request) -> None:
        exchange = self.exchanges.get(request)
        if exchange is not None:
            exchange.failure = request.failure or "failed"

    def __call__(self) -> list[str]:
        try:  # one round trip to the browser delivers the events still queued for us
            self.context.cookies()
        except Exception:  # noqa: BLE001 - a closed browser has nothing more to tell
            pass
        for request, response in self._responses.items():
            try:  # read late: reading a body inside an event handler would block it
                self.exchanges[request].answer = response.text()
            except Exception:  # noqa: BLE001 - a beacon's answer may be gone; say what we can
                pass
        return explain(list(self.exchanges.values()), self.collector)
