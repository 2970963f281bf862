"""A browser tab driven as a website visitor, keeping every request it made to the collector."""

from __future__ import annotations

import time
from urllib.parse import urljoin, urlsplit

from playwright.sync_api import Cookie, Page
from playwright.sync_api import Error as PlaywrightError

from .testing import Collector
from .witness import Witness

CONTEXT_COOKIE = "msdynci_trackingContext"
FORM_COOKIE = "msdynmkt_formsubmissionid"
TRACKING_COOKIES = (CONTEXT_COOKIE, FORM_COOKIE)
# Requests to the collector that are not tracking: loading the script, following a
# tracked link, posting a form.
NOT_BEACONS = ("/tracker.js", "/l/", "/f/")


class Visitor:
    """Drive *page* on the estate served by *server*; record beacons as evidence."""

    def __init__(self, page: Page, collector: Collector, server) -> None:
        self.page, self.collector, self.server = page, collector, server
        self.beacons: list[dict] = []
        self.sent = 0  # deliveries to /collect seen leaving the browser, never cleared
        self._collector_host = urlsplit(server.origin()).netloc
        page.context.on("request", self._saw)
        collector.witnesses.append(Witness(page.context, server.origin()))

    def is_beacon(self, request) -> bool:
        parts = urlsplit(request.url)
        return parts.netloc == self._collector_host and not parts.path.startswith(NOT_BEACONS)

    def _saw(self, request) -> None:
        if self.is_beacon(request):
            self.sent += urlsplit(request.url).path == "/collect"
            self.beacons.append({"at": time.time(), "method": request.method, "url": request.url,
                                 "type": request.resource_type, "body": request.post_data})

    # -- going places -------------------------------------------------------------------

    def url(self, site: str, path: str = "/") -> str:
        """Return *path* on *site*: a sample site, one registered with
        ``webtrack.site(id, origin)``, or an absolute URL (*path* then resolved against it)."""
        if "://" in site:
            return site if path == "/" else urljoin(site, path)
        if site in self.collector.sites:
            return self.collector.sites[site] + ("" if path.startswith("/") else "/") + path
        return self.server.url_for(site, path)

    def goto(self, site: str, path: str = "/") -> Page:
        self.page.goto(self.url(site, path))
        return self.page

    def arrive(self, profile_id: str, site: str = "shop", path: str = "/",
               link_tracking: bool = True) -> Page:
        """Open a tracked link for *profile_id* to *path* on *site* (a site id or a URL, as
        in :meth:`url`), as from an email."""
        __tracebackhide__ = True
        self.page.goto(self.collector.link(profile_id, self.url(site, path), link_tracking))
        # The script takes the tracking parameter off the address bar once it ran.
        try:
            self.page.wait_for_url(lambda url: "wt_ctx=" not in url)
        except PlaywrightError:
            raise AssertionError(
                f"the tracking parameter stayed in the address bar of {self.page.url}: the "
                f"tracking script did not run there\n{self.collector.what_was_seen()}") from None
        return self.page

    # -- evidence -----------------------------------------------------------------------

    def cookies(self) -> dict[str, Cookie]:
        return {c["name"]: c for c in self.page.context.cookies()}

    def tracking_cookies(self) -> dict[str, Cookie]:
        return {k: v for k, v in self.cookies().items() if k in TRACKING_COOKIES}

    def settle(self, wait: float = 5.0) -> dict:
        """Wait until the collector has answered every delivery seen leaving the browser."""
        return self.collector.stats(min=self.sent, wait=wait, of="deliveries")

    def record_cookie_writes(self) -> None:
        """From now on, record every cookie the page's scripts write (before the next load)."""
        from .pagehooks import BINDING, SCRIPT

        self.cookie_writes: list[dict] = []
        self.page.context.expose_binding(BINDING, lambda _source, event: (
            self.cookie_writes.append(event) if event["kind"] == "cookie" else None))
        self.page.context.add_init_script(SCRIPT)

    def tracking_cookie_writes(self) -> list[dict]:
        """Tracking cookies the page set (not removed), as recorded since the hook went in."""
        from .pagehooks import is_removal

        return [w for w in self.cookie_writes
                if w["name"] in TRACKING_COOKIES and not is_removal(w)]

    def expect_no_beacon(self, within: float = 1.0) -> None:
        """Fail if the browser sent anything to the collector, now or within *within* s."""
        __tracebackhide__ = True
        if not self.beacons:
            try:
                self.page.context.wait_for_event("request", predicate=self.is_beacon,
                                                 timeout=within * 1000)
            except PlaywrightError:
                pass  # timed out: nothing was sent
        assert not self.beacons, "expected no request to the collector, saw:\n" + "\n".join(
            f"  {b['method']} {b['url']} ({b['type']}) {b['body'] or ''}" for b in self.beacons)
