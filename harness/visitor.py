"""A browser tab driven as a website visitor, keeping every request it made to the collector.

The page runs on a virtual clock (Playwright's clock API, installed before the first page
loads): whatever a script schedules, minutes ahead, is brought forward on demand, so the
absence of a beacon is proven without waiting for it in real time.
"""

from __future__ import annotations

import json
import time
from datetime import datetime, timezone
from urllib.parse import parse_qs, urljoin, urlsplit

from playwright.sync_api import Cookie, Page
from playwright.sync_api import Error as PlaywrightError

from .client import CollectorClient
from .testing import assert_unique_event_ids, shape_problems
from .wiretap import NOT_BEACONS, Wiretap
from .witness import Witness

CONTEXT_COOKIE = "msdynci_trackingContext"
FORM_COOKIE = "msdynmkt_formsubmissionid"
TRACKING_COOKIES = (CONTEXT_COOKIE, FORM_COOKIE)
# The address-bar parameter that carries each cookie's value to the site.
PARAMETERS = {"wt_ctx": CONTEXT_COOKIE, "wt_fsid": FORM_COOKIE}
YEAR = 365 * 24 * 3600
# How long before a cookie's check it may have been set: a day short of a year (52 weeks,
# 31449600 s) or a day more (366 days) is no year.
EXPIRY_SLACK = 3600.0
# How far ahead a negative scenario looks: timers, intervals and idle callbacks up to this.
HORIZON = 601.0

# A tab hidden then shown again, and the Page Lifecycle's freeze/resume, as scripts see them.
_HIDE_AND_SHOW = """() => {
  const set = (state) => {
    Object.defineProperty(document, "visibilityState", {value: state, configurable: true});
    Object.defineProperty(document, "hidden", {value: state === "hidden", configurable: true});
    document.dispatchEvent(new Event("visibilitychange", {bubbles: true}));
  };
  set("hidden");
  document.dispatchEvent(new Event("freeze", {bubbles: true}));
  document.dispatchEvent(new Event("resume", {bubbles: true}));
  set("visible");
  delete document.visibilityState;
  delete document.hidden;
}"""
# A restore from the back-forward cache, which a browser under automation may not do itself.
_RESTORED = """() => {
  window.dispatchEvent(new PageTransitionEvent("pagehide", {persisted: true}));
  window.dispatchEvent(new PageTransitionEvent("pageshow", {persisted: true}));
}"""


def years_ahead(now: float | None = None) -> tuple[float, float]:
    """Return the seconds in a year from *now*: 365 days, or up to the same date next year
    (366 days when a 29 February lies between)."""
    start = datetime.fromtimestamp(time.time() if now is None else now, timezone.utc)
    try:
        end = start.replace(year=start.year + 1)
    except ValueError:  # 29 February: a year on is 1 March
        end = start.replace(year=start.year + 1, month=3, day=1)
    return float(YEAR), (end - start).total_seconds()


class Visitor:
    """Drive *page* on the estate served by *server*; record beacons as evidence.

    *fence*, when given, is an open page of the same browser (in a context of its own) that
    :meth:`expect_no_beacon` sends its last request from; otherwise each fence opens a tab.
    """

    # How long :meth:`arrive` waits for the script to take the tracking parameter off the
    # address bar (None: the page's default timeout), and where it records how long that
    # took (None: nowhere). A mutation run bounds the one by the other, as the reference
    # took it (:mod:`harness.gate.plugin`).
    arrival_wait: float | None = None
    arrival_waits: list[float] | None = None

    def __init__(self, page: Page, collector: CollectorClient, server,
                 fence: Page | None = None) -> None:
        self.page, self.collector, self.server = page, collector, server
        self.fence = fence
        self.beacons: list[dict] = []
        self.sent = 0  # deliveries to /collect seen leaving the browser, never cleared
        self.handed: dict[str, str] = {}  # tracking parameter → the last value a site got
        self.advanced = 0.0  # virtual seconds the clock was moved ahead
        self.started = time.time()
        self.wiretap = Wiretap.install(server)
        self._mark = self._first = self.wiretap.mark()
        self._collector_host = urlsplit(server.origin()).netloc
        page.clock.install()
        page.context.on("request", self._saw)
        collector.witnesses.append(Witness(page.context, server.origin()))
        page.context.on("response", self._handed)

    def is_beacon(self, request) -> bool:
        parts = urlsplit(request.url)
        return parts.netloc == self._collector_host and not parts.path.startswith(NOT_BEACONS)

    def _saw(self, request) -> None:
        if self.is_beacon(request):
            self.sent += urlsplit(request.url).path == "/collect"
            self.beacons.append({"at": time.time(), "method": request.method, "url": request.url,
                                 "type": request.resource_type, "body": request.post_data})

    def _handed(self, response) -> None:
        if response.request.resource_type == "document":
            query = parse_qs(urlsplit(response.url).query)
            self.handed.update({p: query[p][0] for p in PARAMETERS if p in query})

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
        began = time.monotonic()
        try:
            self.page.wait_for_url(lambda url: "wt_ctx=" not in url, timeout=None
                                   if self.arrival_wait is None else self.arrival_wait * 1000)
        except PlaywrightError:
            waited = "" if self.arrival_wait is None else f" for {self.arrival_wait:g} s"
            raise AssertionError(
                f"the tracking parameter stayed in the address bar of {self.page.url}{waited}: "
                f"the tracking script did not run there\n{self.collector.what_was_seen()}"
            ) from None
        finally:
            if self.arrival_waits is not None:
                self.arrival_waits.append(time.monotonic() - began)
        return self.page

    def advance(self, seconds: float = HORIZON) -> None:
        """Run the page's clock *seconds* ahead, firing every timer due meanwhile."""
        self.page.clock.run_for(int(seconds * 1000))
        self.advanced += seconds

    # -- evidence -----------------------------------------------------------------------

    def cookies(self) -> dict[str, Cookie]:
        return {c["name"]: c for c in self.page.context.cookies()}

    def tracking_cookies(self) -> dict[str, Cookie]:
        return {k: v for k, v in self.cookies().items() if k in TRACKING_COOKIES}

    def expect_tracking_cookie(self, name: str = CONTEXT_COOKIE, site: str = "shop") -> Cookie:
        """Assert *name* is set exactly as the contract says, with the value the site was
        handed (path ``/``, a year, SameSite=Lax, not Secure on http, host-only, readable
        by script); return it."""
        cookies = self.cookies()
        cookie = cookies.get(name)
        assert cookie, f"no {name} cookie; cookies: {sorted(cookies)}"
        parameter = next(p for p, c in PARAMETERS.items() if c == name)
        expires = cookie["expires"] - time.time()
        problems = [what for what, bad in (
            (f"value {cookie['value']!r} is not the {parameter} handed to the site "
             f"{self.handed.get(parameter)!r}", cookie["value"] != self.handed.get(parameter)),
            (f"domain {cookie['domain']!r} is not host-only {site}.localhost",
             cookie["domain"] != f"{site}.localhost"),
            (f"path {cookie['path']!r} is not /", cookie["path"] != "/"),
            (f"SameSite {cookie['sameSite']!r} is not Lax", cookie["sameSite"] != "Lax"),
            ("Secure on http", cookie["secure"] is not False),
            ("HttpOnly: the script could not have set it", cookie["httpOnly"] is not False),
            (f"expires in {expires / 86400:.3f} days, not a year",
             # From now, or from the page's now where its clock was run ahead (a script
             # may write the date a year from its own Date rather than a max-age).
             min(abs(expires - ahead - year) for ahead in {0.0, self.advanced}
                 for year in years_ahead(time.time() + ahead)) > EXPIRY_SLACK),
        ) if bad]
        assert not problems, f"{name}: " + "; ".join(problems) + f"\n  {cookie}"
        return cookie

    def delivered(self) -> list[dict]:
        """Every ``/collect`` body the collector received from browsers during this visit."""
        return [json.loads(r["body"]) for r in self.wiretap.since(self._first)
                if r["path"] == "/collect" and r["method"] == "POST"]

    def settle(self, wait: float = 5.0) -> None:
        """Wait until the collector has answered every delivery seen leaving the browser,
        accepted or refused (a refused one is never counted among its deliveries). A page
        still loading (a click that leaves) is let land first, so the visit it reports is
        among them, whenever the test ends."""
        try:
            self.page.wait_for_load_state(timeout=wait * 1000)
        except PlaywrightError:  # closed, or still loading: what was sent is waited for
            pass
        self.wait_delivered(self.sent, wait)

    def wait_delivered(self, count: int, wait: float = 10.0) -> bool:
        """Wait until the collector has answered *count* deliveries from this visit;
        False if *wait* seconds passed first."""
        return self.wiretap.wait_answered(self._first, count, wait)

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

    def check_interactions(self) -> None:
        """Assert every site interaction recorded so far has exactly its contract shape,
        happened during this visit, and has an event id of its own."""
        everything = self.collector.interactions()
        until = time.time() + self.advanced
        wrong = [f"{i['type']} {i.get('msdynci_viewuri')}: " + "; ".join(problems)
                 for i in everything if i["type"].startswith("website_")
                 for problems in [shape_problems(i, since=self.started, until=until)]
                 if problems]
        assert not wrong, "interactions not as the contract says:\n  " + "\n  ".join(wrong)
        assert_unique_event_ids(everything)

    # -- absence ------------------------------------------------------------------------

    def mark(self) -> None:
        """Start looking for beacons from here: what was sent before is the scenario's."""
        # A round trip to the browser brings in the request events it reported until now.
        self.page.evaluate("0")
        self.wiretap.wait_for(self._mark + len(self.beacons), timeout=5)
        self.beacons.clear()
        self._mark = self.wiretap.mark()

    def leave(self) -> None:
        """Leave the page every way a visitor does, running the clock on at each step:
        the tab hidden and shown, frozen and resumed, away to another site and back (a
        back-forward cache restore, real or not), then the tab closed."""
        page = self.page
        self.advance()
        page.evaluate(_HIDE_AND_SHOW)
        here = page.url
        page.goto(self.url("partner", "/"))
        self._back_to(here)
        page.evaluate(_RESTORED)
        self.advance()
        with page.expect_event("close"):  # unload handlers ran: what they sent is out
            page.close(run_before_unload=True)

    def _back_to(self, url: str, timeout: float = 10.0) -> None:
        """Go back in history to *url*, loaded again or restored from the back-forward cache.

        Firefox restores from its cache without a load event, and Playwright is not told of
        that navigation (``page.url`` stays behind): ask the page where it is instead.
        """
        try:
            self.page.evaluate("history.back()")
        except PlaywrightError:
            pass  # the page went before it could answer: that is the navigation
        deadline = time.monotonic() + timeout
        while True:
            try:
                if self.page.evaluate("location.href + ' ' + document.readyState") == \
                        f"{url} complete":
                    return
            except PlaywrightError:
                pass  # the old page went away mid-question: ask the new one
            assert time.monotonic() < deadline, f"going back did not return to {url}"
            self.page.wait_for_timeout(20)

    def expect_no_beacon(self, leave: bool = True) -> None:
        """Fail if the browser sent anything to the collector since the mark: now, within
        ten minutes of page time, or (with *leave*) as the visitor leaves the page."""
        __tracebackhide__ = True
        if leave:
            self.leave()
        elif not self.page.is_closed():
            self.advance()
        self._fence()
        arrived = self.wiretap.since(self._mark)
        assert not self.beacons and not arrived, (
            "expected nothing sent to the collector, the browser sent:\n" + "\n".join(
                f"  {b['method']} {b['url']} ({b['type']}) {b['body'] or ''}"
                for b in self.beacons) + "\nand the collector received:\n" + "\n".join(
                f"  {r['method']} {r['path']} from {r['origin']} {r['body'][:300]}"
                for r in arrived))

    def _fence(self) -> None:
        """Make one last request from this browser: what it sent before has landed.

        From the page kept for it when there is one: a tab opened for each fence costs a
        renderer, ~70 ms of CPU (``bench/gate_profile.py``), a fetch from an open page ~6.
        """
        fetch = "url => fetch(url, {mode: 'no-cors'}).then(() => true)"
        url = self.server.url_for("collector", "/healthz")
        if self.fence is not None and not self.fence.is_closed():
            self.fence.evaluate(fetch, url)
            return
        fence = self.page.context.new_page()
        try:
            fence.evaluate(fetch, url)
        finally:
            fence.close()
