"""Visit each site in each consent state in real browsers, leave the page every way a visitor
does, and gather the evidence.

Time is virtual: Playwright's clock is installed in every context, and ``settle_seconds``
(default 600) of page time are run through after the visit and again after each moment the
page lives on (hidden, back), so every timeout, interval and idle callback a script set for
the next ten minutes fires, without waiting for it. Every page a state covers is lived on
and left: settled, hidden, left by navigation (each page ``--pages`` crawls, for the next
one; the last for a blank page the proxy answers on its own origin), and the last is come
back to and closed. Everything the browser sends also goes through a recording proxy of the
audit's own (``proxy.py``), so what a page sends as it closes is seen too, with the head of
each answer (``Set-Cookie``); the state's HAR is written from that record (``har.py``).

The evidence a state gathers, and what each item of it says, is described in
``evidence.py``.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import time
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urljoin, urlsplit

from ..browsers import launch_spec
from ..client import CollectorClient
from ..concurrency import run_async
from ..devicenoise import DeviceNoise
from ..looks import AS_A_VISITOR, visitor_user_agent
from ..pagehooks import BINDING, SCRIPT
from ..remote import BrowserPool
from . import (
    choice,
    crawl,
    differential,
    findings,
    har,
    identifiers,
    inventory,
    leave,
    served,
    validators,
    verdict,
    workerclock,
)
from .config import AuditSettings, SiteConfig
from .evidence import Evidence, kept_bodies
from .proxy import HARNESS_HOST, INVENTORY_PATH, RecordingProxy
from .trackers import load_dataset
from .verdict import decide, expects_nothing, opt_out_moment, seen_requests, sent_after

GPC_ON = ("Object.defineProperty(Navigator.prototype, 'globalPrivacyControl', "
          "{get: () => true, configurable: true});")
GONE = f"http://{HARNESS_HOST}/gone"
NOTHING_TOLD: dict = {"found": [], "site": []}  # no twin, or none needed
# A twin that fails (a page that timed out on a loaded machine) is sent again once; one that
# never finishes leaves the states it was needed for unproven: an error, never a pass.
TWIN_TRIES = 2
FIREFOX_PAGES = 3
STEP_TIMEOUT = 30000  # ms: a step that cannot be done in this long is reported as an error


def states(site: SiteConfig) -> list[dict]:
    """The matrix for one site: each choice it offers, with Global Privacy Control off and on."""
    choices = ["no-choice"] + (["accepted"] if site.accept else []) + (
        ["rejected"] if site.opt_out else [])
    return [{"choice": c, "gpc": gpc} for c in choices for gpc in (False, True)]


def twinned_state(site: SiteConfig, matrix: list[dict]) -> dict | None:
    """The state of *matrix* a second fresh visitor goes through too (differential.py):
    the opt-out itself where the site has one (what a visitor who refuses meets), else the
    first in which the visitor is opted out; None when there is none."""
    return min((s for s in matrix if expects_nothing(s["choice"], s["gpc"], site.honours_gpc)),
               default=None, key=lambda s: (s["choice"] != "rejected", s["gpc"]))


def _slug(site: SiteConfig, state: dict, browser: str) -> str:
    return f"{site.name}-{state['choice']}-gpc-{'on' if state['gpc'] else 'off'}-{browser}"


async def _step(page, context, step: dict) -> None:
    kind, value = next(iter(step.items()))
    if kind == "click":
        await page.click(value, timeout=STEP_TIMEOUT)
        await page.wait_for_load_state()
    elif kind == "eval":
        await page.evaluate(value)
    elif kind == "goto":
        await page.goto(urljoin(page.url, value))
    elif kind == "cookie":
        name, _, rest = value.partition("=")
        await context.add_cookies([{"name": name.strip(), "value": rest.split(";")[0],
                                    "url": page.url}])
    elif kind == "gpc":
        await context.add_init_script(GPC_ON)
        await page.evaluate(GPC_ON)


class _Visit:
    """One site-state in one browser: opened, chosen, lived on and left, closed, judged.
    Each step is a method; what they share (the page, the evidence, the record) is here."""

    def __init__(self, browser, name: str, settings: AuditSettings, site: SiteConfig,
                 state: dict, out: Path, clock_at: float | None = None, twin: bool = False,
                 noise: DeviceNoise | None = None) -> None:
        self.browser, self.name, self.settings, self.site, self.state, self.out = (
            browser, name, settings, site, state, out)
        # The page clock's start (s since 1970), the same for a state and its twin; the
        # twin (differential.py) takes no screenshots and is not judged itself.
        self.clock_at = time.time() if clock_at is None else clock_at
        self.twin = twin
        self.slug = _slug(site, state, name) + ("-twin" if twin else "")
        self.evidence = Evidence(name)
        # Device noise of this visitor's own (devicenoise.py): a fingerprint of its device
        # differs from its twin's as a stored identifier would.
        self.noise = noise or DeviceNoise.fresh()
        self.proxy = RecordingProxy(lambda item: self.evidence.add("wire", item),
                                    self.evidence.answered, self.evidence.body,
                                    self.noise.prelude)
        self.record: dict[str, Any] = {"site": site.name, "state": {**state, "browser": name},
                                       "browser": name, "id": self.slug, "error": None}
        self.settle_ms = int(settings.settle_seconds * 1000)
        self.context: Any = None
        self.page: Any = None
        self.asked: dict[str, list] = {}  # fresh visitors' answers for the site's own pages
        self.driver: Any = None

    async def run(self) -> dict:
        """The visit, then its judgement."""
        await self.visit()
        await self.probe()
        return self.decide()

    async def visit(self) -> None:
        """Opened, chosen, lived on and left, closed: the evidence gathered."""
        leave.launched_with(self.browser, _launch_options(self.name))
        self.context = await self.browser.new_context(
            proxy={"server": await self.proxy.start()},
            user_agent=visitor_user_agent(self.name, self.browser.version))
        entry: Any = self.site.start
        if self.site.tracked:  # made by the collector while the browser sets the context up
            entry = asyncio.ensure_future(asyncio.to_thread(
                _tracked_link, self.settings.collector, self.site.start))
        try:
            await self.open(entry)
            await self.choose()
            await self.live_on()
            await self.close()
        except Exception as exc:  # a broken step is reported, never hidden
            await self.failed(exc)
        finally:
            await asyncio.gather(*self.evidence.pending, return_exceptions=True)
            await self.context.close()
            await self.proxy.stop()

    async def open(self, entry: Any) -> None:
        """Hooks, clock and choice tool in place, then the first page loaded."""
        context, evidence, state = self.context, self.evidence, self.state
        await context.expose_binding(BINDING, evidence.page_event)
        # One script, one round trip: the parting beacon's address, a visitor's look and
        # device noise, GPC, the workers' clock, the hooks.
        await context.add_init_script(f"window.__webtrackGone = {json.dumps(GONE)};\n"
                                      + AS_A_VISITOR + "\n" + self.noise.script + "\n"
                                      + (GPC_ON + "\n" if state["gpc"] else "")
                                      + workerclock.DOCUMENT + "\n" + SCRIPT)
        await context.clock.install(time=self.clock_at)
        context.on("request", evidence.request)
        context.on("response", evidence.response)
        self.driver = await choice.prepare(context, self.site, state)
        page = self.page = await context.new_page()
        page.on("dialog", lambda dialog: asyncio.ensure_future(dialog.accept()))
        page.on("websocket", lambda ws: evidence.add("websockets", {"url": ws.url}))
        if not isinstance(entry, str):
            entry = await entry
        evidence.data["entry"] = entry
        evidence.enter("load")
        if state["gpc"] and self.site.honours_gpc:
            evidence.data["opted_out_at"] = time.time()
        try:
            await page.goto(entry)
        except Exception as exc:
            raise choice.StepFailed(f"start: {entry} did not load: "
                                    f"{str(exc).splitlines()[0][:300]}") from None

    async def choose(self) -> None:
        """The state's choice made on the banner (none, accept, or the opt-out)."""
        page, context, evidence, state = self.page, self.context, self.evidence, self.state
        if state["choice"] != "no-choice" and not self.twin:
            before = self.out / "screenshots" / f"{self.slug}-before.jpg"
            await page.screenshot(path=str(before), type="jpeg", quality=55, caret="initial")
            self.record["screenshot_before"] = str(before.relative_to(self.out))
        if state["choice"] == "accepted":
            await choice.make(page, context, self.site, state, _step, self.driver, self.record)
            evidence.data["chosen_at"] = time.time()
        if state["choice"] == "rejected":
            evidence.enter("opt-out")

            async def opt_out_step(page, context, one):
                # The visitor has opted out from the moment the last step's action starts:
                # what the page does as that click lands already concerns them (verdict.py).
                evidence.data["opt_out_from"] = time.time()
                await _step(page, context, one)

            await choice.make(page, context, self.site, state, opt_out_step, self.driver,
                              self.record)
            # The choice holds once its steps are done: what the page sent while the click
            # was being dispatched concerns the visit before it.
            if evidence.data["opted_out_at"] is None:
                evidence.data["opted_out_at"] = time.time()
                evidence.data["cookies_at_opt_out"] = await context.cookies()
                evidence.data["stored"]["at_opt_out"] = await inventory.take(page)

    async def live_on(self) -> None:
        """The site's ``then`` steps, each page crawled lived on and left, the last one too."""
        page, evidence, site, settle_ms = self.page, self.evidence, self.site, self.settle_ms
        if site.then and expects_nothing(self.state["choice"], self.state["gpc"],
                                         site.honours_gpc):
            # The visitor may stay where they opted out before going on: what that page's
            # timers do meanwhile (one the Reject click set, say) concerns them too.
            evidence.enter("settle")
            await leave.settle(page, settle_ms)
        evidence.enter("then")
        for index, step in enumerate(site.then):
            try:
                await _step(page, self.context, step)
            except Exception as exc:
                raise choice.StepFailed(f"{choice.describe('then', index, step)} failed on "
                                        f"{page.url}: {str(exc).splitlines()[0][:300]}") from None

        async def go(page, url: str) -> None:  # each page crawled is lived on and left
            await leave.linger(page, evidence, settle_ms)
            await leave.navigate_away(page, self.proxy, evidence, url)
            evidence.enter("then")

        self.record["pages"] = await crawl.visit(page, self.context, page.url,
                                                 self.settings.pages, go)
        await leave.stay(page, evidence, await leave.linger(page, evidence, settle_ms))
        await leave.leave(page, self.proxy, evidence, settle_ms)

    async def close(self) -> None:
        """The tab closed, and what every origin visited keeps taken in stock after."""
        page, evidence = self.page, self.evidence
        await leave.workers_started(page, self.proxy)
        shot = self.out / "screenshots" / f"{self.slug}.jpg"
        origins: list[str] = []
        _, live = await asyncio.gather(  # sessionStorage ends with its tab: taken now
            page.screenshot(path=str(shot), type="jpeg", quality=55, caret="initial")
            if not self.twin else asyncio.sleep(0), inventory.take(page, origins))
        if not self.twin:
            self.record["screenshot"] = str(shot.relative_to(self.out))
        # The stock after the tab closed is read in a blank page the tab opens on its own
        # origin first: it shares the tab's process, where a new tab would start its own.
        stock_page = await _stock_page(page, origins)
        evidence.enter("close")
        here = await leave.location(page)
        gone = self.proxy.gone.count(here)
        await page.close(run_before_unload=True)
        await self.proxy.wait_gone(here, gone + 1)
        evidence.enter("stock")
        stock = await inventory.take_origins(self.context, origins, INVENTORY_PATH,
                                             stock_page)
        kept = {(i["origin"], i["storage"], i["key"]): i for i in live + [
            i for i in stock if i["storage"] != "sessionStorage"]}  # the later stock wins
        evidence.data["stored"]["end"] = list(kept.values())
        evidence.data["cookies"] = await self.context.cookies()

    async def failed(self, exc: Exception) -> None:
        """A step that broke, on record with where the page stood."""
        self.record["error"] = (str(exc) if isinstance(exc, choice.StepFailed) else
                                f"while {self.evidence.phase}: {type(exc).__name__}: {exc}"
                                ).splitlines()[0][:500]
        page = self.page
        if page is not None and not page.is_closed():  # where it stopped, for the report
            shot = self.out / "screenshots" / f"{self.slug}.jpg"
            try:
                await page.screenshot(path=str(shot), type="jpeg", quality=55, timeout=5000)
                self.record["screenshot"] = str(shot.relative_to(self.out))
            except Exception:  # the page is gone too
                pass

    async def probe(self) -> None:
        """The HAR written, the validators and served bodies asked about."""
        evidence, record, site, state = self.evidence, self.record, self.site, self.state
        har.write(self.out / "har" / f"{self.slug}.har", evidence.data["wire"],
                  evidence.answers, self.name)
        record["har"] = f"har/{self.slug}.har"
        record["evidence"] = evidence.data
        if expects_nothing(state["choice"], state["gpc"], site.honours_gpc):
            evidence.data["validators"] = await validators.probe(validators.to_probe(
                evidence.data["wire"], opt_out_moment(evidence.data),
                urlsplit(site.start).hostname), sent=validators.as_sent(evidence.data["wire"]))
            evidence.data["served"] = await served.served(
                kept_bodies(evidence), [identifiers.request_text(
                    r["url"], r.get("headers"), r.get("body"))
                    for r in sent_after(evidence.data)], set())
            # Both ask fresh visitors for the site's pages: each page is asked once.
            asked = self.asked
            evidence.data["builds"] = await validators.builds(
                evidence.data, urlsplit(site.start).hostname, asked)
            evidence.data["static_links"] = await validators.static_links(
                evidence.data, urlsplit(site.start).hostname, asked)

    def reading(self) -> dict:
        """What the differential reads of this visit (differential.reading)."""
        data = self.evidence.data
        return differential.reading(data, seen_requests(data), opt_out_moment(data))

    def pages(self) -> list[list[dict]]:
        """Fresh visitors' answers (two or more) for each of the site's pages the visitor
        opened in the tab itself (a frame's document is no page of the site's: a frame
        without the values its pages all hold would make them look page-specific), as
        asked when judging (validators.builds)."""
        documents = {r["url"].split("#")[0] for r in self.evidence.data["requests"]
                     if r.get("resource_type") == "document" and r.get("top")}
        return [ok for url, answers in self.asked.items() if url in documents and len(
            ok := [a for a in answers if a is not None and a.get("status") == 200]) >= 2]

    def decide(self, told: dict | None = None) -> dict:
        """The verdict, with what the twins told apart and what they shared that is the
        site's (*told*: ``{found, site}``, differential.py)."""
        evidence, record, site, state = self.evidence, self.record, self.site, self.state
        if told is not None:
            evidence.data["differential"] = told["found"]
            evidence.data["builds"] = sorted(set(evidence.data.get("builds") or ())
                                             | set(told["site"]))
        record.update(decide(site, state, evidence.data))
        findings.enrich(record, site)
        if told is not None and told.get("error") and record["verdict"] == "pass" \
                and not record["error"]:
            record["error"] = told["error"]
        if record["error"]:
            record["verdict"] = "error"
        return record


async def _stock_page(page, origins: list[str]):
    """A blank page on the first origin of *origins*, opened by *page* (so in its process)
    with the browser's own ``window.open`` (the hooks keep it: a page that replaces it still
    gets its stock taken here), or None when no window opens."""
    if not origins or origins[0] == "null":
        return None
    popup = asyncio.ensure_future(page.wait_for_event("popup", timeout=5000))
    try:
        opened = await page.evaluate("(url) => window.__webtrackOpen(url)",
                                     origins[0] + INVENTORY_PATH)
    except Exception:  # the page went away or threw
        opened = False
    if not opened:
        popup.cancel()
        await asyncio.gather(popup, return_exceptions=True)
        return None
    try:
        stock_page = await popup
        await stock_page.wait_for_load_state("domcontentloaded", timeout=10000)
    except Exception:
        return None
    return stock_page


async def _twins_told(pool: BrowserPool, name: str, settings: AuditSettings, site: SiteConfig,
                      visit: _Visit, visits: list[_Visit]) -> dict:
    """What a second fresh visitor (the twin) tells of *visit*, the site's twinned state, once
    every opted-out state of the site was visited (*visits*): the slots that differ between
    the two (differential.compare), and the values both keep alike that fresh visitors are
    served in some of the site's pages but not all (a product's code on its page), the
    site's (identifiers.page_specific). No twin is sent when every one of those states is
    decided whatever it would tell (verdict.decided_without_twins). The twin goes through
    the state on the visit's page clock, started at the same instant; each value's moments
    are read against the clocks of the visit that wrote it (clocks.py): the twin's page
    clock runs as much further as it took longer, a server's as much as it came later."""
    if all(verdict.decided_without_twins(site, v.state, v.evidence.data, v.record["error"])
           for v in visits):
        visit.record["twin"] = "not needed"
        return NOTHING_TOLD
    if visit.record["error"]:  # another state needs what a twin of this one would tell
        visit.record["twin"] = "not sent: the twinned state failed to run"
        return {**NOTHING_TOLD, "error": (
            "no second fresh visitor (twin) was sent, as the state it goes through failed "
            "to run, so identifiers only it tells apart are unknown")}
    visit.record["twin"] = "visited"
    for _ in range(TWIN_TRIES):
        # Ahead of the visits still waiting: the site's verdicts wait for it, and the later
        # it goes the further its page clock is behind the servers'.
        async with pool.slot(first=True) as browser:
            twin = _Visit(browser, name, settings, site, visit.state, visit.out,
                          visit.clock_at, twin=True, noise=DeviceNoise.fresh(unlike=visit.noise))
            await twin.visit()
        if not twin.record["error"]:
            break
    else:
        visit.record["twin_error"] = twin.record["error"]
        return {**NOTHING_TOLD, "error": (
            f"its second fresh visitor (the twin) could not finish in {TWIN_TRIES} tries "
            f"({twin.record['error']}), so identifiers only it tells apart are unknown")}
    mine, other = visit.reading(), twin.reading()
    return {"found": differential.compare(mine, other, _made_by_audit(visit)
                                          | _made_by_audit(twin)),
            "site": sorted(identifiers.page_specific(identifiers.candidates(
                differential.same(mine, other)), visit.pages()))}


def _made_by_audit(visit: _Visit) -> set[str]:
    """What the audit gave this visitor itself, which differs for each: its tracked link
    (the collector's token in its path) and the link parameters the site was opened with."""
    data = visit.evidence.data
    made = {s for s in urlsplit(data["entry"] or "").path.split("/") if len(s) >= 8}
    return made | {v for r in data["requests"] for k, v in parse_qsl(urlsplit(r["url"]).query)
                   if k in identifiers.LINK_PARAMETERS and v}


def _tracked_link(collector: str, url: str) -> str:
    parts = urlsplit(collector)
    if parts.hostname is None:
        raise ValueError(f"collector address {collector!r} names no host")
    client = CollectorClient(parts.hostname, parts.port or 80)
    profile = client.profile("contact", consent="opted_in")
    return client.link(profile["id"], url)


def _launch_options(name: str) -> dict:
    """The browser's launch options, with loopback traffic sent through a proxy too."""
    options = dict(launch_spec(name).options)
    if name == "chromium":
        # Chromium never proxies loopback unless told to (``*.localhost`` included).
        options["args"] = [*options.get("args", []), "--proxy-bypass-list=<-loopback>"]
        # Playwright turns Chromium's back-forward cache off (its go_back interception);
        # a visitor's Chromium keeps one, so the audit leaves it on where the build has one
        # (Playwright's own Chromium; Debian's headless shell has none either way).
        options["ignore_default_args"] = ["--disable-back-forward-cache"]
    elif name == "firefox":
        options["firefox_user_prefs"] = {"network.proxy.allow_hijacking_localhost": True}
    return options


async def _audit(settings: AuditSettings, out: Path, progress=None) -> list[dict]:
    from playwright.async_api import async_playwright

    (out / "screenshots").mkdir(parents=True, exist_ok=True)
    (out / "har").mkdir(parents=True, exist_ok=True)
    # Each browser its own share: Firefox over BiDi spends several round trips on every
    # action, and past a few pages at a time on two cores its clicks start to time out.
    # Locally one browser per type serves its slots; with browser servers (--connect) each
    # slot is bound to one of them.
    async with async_playwright() as playwright, contextlib.AsyncExitStack() as stack:
        pools = {name: await stack.enter_async_context(BrowserPool(
                     playwright, name, min(settings.concurrency, FIREFOX_PAGES)
                     if name == "firefox" else settings.concurrency, _launch_options(name)))
                 for name in settings.browsers}

        # One state of each site a second fresh visitor goes through too (its twin), on the
        # same page clock; what differs between them is per-visitor state, read in every
        # state of the site in which the visitor is opted out (differential.py). The twin
        # goes once all those states were visited, and only if one of them needs it.
        matrix = {site.name: states(site) for site in settings.sites}
        twinned = {site.name: twinned_state(site, matrix[site.name]) for site in settings.sites}
        loop = asyncio.get_running_loop()
        told: dict[tuple[str, str], asyncio.Future] = {}
        visited: dict[tuple[str, str], dict[int, asyncio.Future]] = {}
        for name in settings.browsers:
            for site in settings.sites:
                told[(name, site.name)] = loop.create_future()
                visited[(name, site.name)] = {
                    id(state): loop.create_future() for state in matrix[site.name]
                    if expects_nothing(state["choice"], state["gpc"], site.honours_gpc)}
                if twinned[site.name] is None:  # no state of it is judged: nothing to tell
                    told[(name, site.name)].set_result(NOTHING_TOLD)

        async def one(name, site, state):
            key = (name, site.name)
            judged = expects_nothing(state["choice"], state["gpc"], site.honours_gpc)
            mine = visited[key].get(id(state))
            visit = None
            try:
                async with pools[name].slot() as browser:
                    visit = _Visit(browser, name, settings, site, state, out)
                    await visit.visit()
                    await visit.probe()
            finally:  # every other state of the site waits for it, whatever happened
                if mine is not None:
                    mine.set_result(visit)
            said = None
            if judged:
                if state is twinned[site.name]:
                    try:
                        visits = [v for v in await asyncio.gather(*visited[key].values())
                                  if v]
                        told[key].set_result(await _twins_told(
                            pools[name], name, settings, site, visit, visits))
                    finally:
                        if not told[key].done():
                            told[key].set_result(NOTHING_TOLD)
                said = await told[key]
                if state is not twinned[site.name]:
                    said = {**said, "found": differential.rebase(said["found"],
                                                                 visit.evidence.data)}
            result = visit.decide(said)
            if progress:
                progress(result)
            return result

        order = [(name, site, state) for name in settings.browsers
                 for site in settings.sites for state in matrix[site.name]]
        results = list(await asyncio.gather(*(one(*t) for t in order)))
        await asyncio.gather(*leave.asking(), return_exceptions=True)
        return results


def audit(settings: AuditSettings, out: Path, progress=None) -> dict:
    """Run every site-state in every browser; return the results with a summary."""
    started = time.perf_counter()
    results = run_async(_audit(settings, out, progress))
    seconds = time.perf_counter() - started
    verdicts = [r["verdict"] for r in results]
    return {"summary": {"sites": len(settings.sites), "states": len(results),
                        "browsers": list(settings.browsers),
                        "passed": verdicts.count("pass"), "failed": verdicts.count("fail"),
                        "errors": verdicts.count("error"),
                        "observed": verdicts.count("observed"), "seconds": round(seconds, 2),
                        "states_per_second": round(len(results) / seconds, 2) if seconds else 0},
            "collector": settings.collector, "settle_seconds": settings.settle_seconds,
            "pages": settings.pages, "dataset": load_dataset().version,
            "browsers": list(settings.browsers),
            "results": sorted(results, key=lambda r: r["id"])}
