"""Visit each site in each consent state in a real browser and gather the evidence."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path
from urllib.parse import urljoin, urlsplit

from ..browsers import launch_spec
from ..concurrency import run_async
from ..resources import shipped
from ..testing import Collector
from .config import AuditSettings, SiteConfig
from .verdict import decide

HOOKS = shipped("consent", "hooks.js").read_text(encoding="utf-8")
GPC_ON = ("Object.defineProperty(Navigator.prototype, 'globalPrivacyControl', "
          "{get: () => true, configurable: true});")


def states(site: SiteConfig) -> list[dict]:
    """The matrix for one site: each choice it offers, with Global Privacy Control off and on."""
    choices = ["no-choice"] + (["accepted"] if site.accept else []) + (
        ["rejected"] if site.opt_out else [])
    return [{"choice": c, "gpc": gpc} for c in choices for gpc in (False, True)]


def _slug(site: SiteConfig, state: dict) -> str:
    return f"{site.name}-{state['choice']}-gpc-{'on' if state['gpc'] else 'off'}"


class _Evidence:
    def __init__(self) -> None:
        self.data = {"requests": [], "cookie_writes": [], "set_cookies": [],
                     "storage_writes": [], "websockets": [], "hints": [], "cookies": [],
                     "opted_out_at": None, "entry": None}
        self.pending: list[asyncio.Task] = []

    def page_event(self, _source, event: dict) -> None:
        event["at"] = event["at"] / 1000.0
        key = {"cookie": "cookie_writes", "storage": "storage_writes", "hint": "hints"}
        self.data[key[event.pop("kind")]].append(event)

    def request(self, request) -> None:
        self.data["requests"].append({"at": time.time(), "method": request.method,
                                      "url": request.url,
                                      "resource_type": request.resource_type})

    def response(self, response) -> None:
        self.pending.append(asyncio.ensure_future(self._set_cookies(response, time.time())))

    async def _set_cookies(self, response, at: float) -> None:
        try:
            values = await response.header_values("set-cookie")
        except Exception:  # the page went away
            return
        for value in values:
            for line in value.split("\n"):
                self.data["set_cookies"].append({"at": at, "by": "Set-Cookie",
                                                 "url": response.url, "value": line[:400],
                                                 "name": line.split("=")[0].strip()})


async def _step(page, context, step: dict) -> None:
    kind, value = next(iter(step.items()))
    if kind == "click":
        await page.click(value, timeout=10000)
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


async def _visit(browser, settings: AuditSettings, site: SiteConfig, state: dict,
                 out: Path) -> dict:
    slug = _slug(site, state)
    context = await browser.new_context(record_har_path=str(out / "har" / f"{slug}.har"))
    evidence = _Evidence()
    record = {"site": site.name, "state": state, "id": slug, "error": None}
    try:
        await context.expose_binding("__webtrackEvidence", evidence.page_event)
        await context.add_init_script(HOOKS)
        if state["gpc"]:
            await context.add_init_script(GPC_ON)
        context.on("request", evidence.request)
        context.on("response", evidence.response)
        page = await context.new_page()
        page.on("websocket", lambda ws: evidence.data["websockets"].append(
            {"at": time.time(), "url": ws.url}))
        entry = site.start
        if site.tracked:
            entry = await asyncio.to_thread(_tracked_link, settings.collector, site.start)
        evidence.data["entry"] = entry
        started = time.time()
        if state["gpc"] and site.honours_gpc:
            evidence.data["opted_out_at"] = started
        await page.goto(entry)
        if state["choice"] == "accepted":
            for step in site.accept:
                await _step(page, context, step)
        if state["choice"] == "rejected":
            for step in site.opt_out:
                await _step(page, context, step)
            # The choice holds once its steps are done: what the page sent while the click
            # was being dispatched concerns the visit before it.
            evidence.data["opted_out_at"] = evidence.data["opted_out_at"] or time.time()
        for step in site.then:
            await _step(page, context, step)
        # Observe a while longer: late timers and retries still count.
        await page.wait_for_timeout(settings.settle_seconds * 1000)
        evidence.data["cookies"] = await context.cookies()
        shot = out / "screenshots" / f"{slug}.jpg"
        await page.screenshot(path=str(shot), type="jpeg", quality=55)
        record["screenshot"] = str(shot.relative_to(out))
    except Exception as exc:  # a broken step is reported, never hidden
        record["error"] = f"{type(exc).__name__}: {exc}".splitlines()[0][:500]
    finally:
        await asyncio.gather(*evidence.pending, return_exceptions=True)
        await context.close()
    record["har"] = f"har/{slug}.har"
    record["evidence"] = evidence.data
    record.update(decide(site, state, evidence.data))
    if record["error"]:
        record["verdict"] = "error"
    return record


def _tracked_link(collector: str, url: str) -> str:
    parts = urlsplit(collector)
    client = Collector(parts.hostname, parts.port or 80)
    profile = client.profile("contact", consent="opted_in")
    return client.link(profile["id"], url)


async def _audit(settings: AuditSettings, out: Path, progress=None) -> list[dict]:
    from playwright.async_api import async_playwright

    (out / "screenshots").mkdir(parents=True, exist_ok=True)
    (out / "har").mkdir(parents=True, exist_ok=True)
    limit = asyncio.Semaphore(settings.concurrency)
    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(**launch_spec("chromium").options)

        async def one(site, state):
            async with limit:
                result = await _visit(browser, settings, site, state, out)
            if progress:
                progress(result)
            return result

        try:
            return list(await asyncio.gather(*(one(site, state) for site in settings.sites
                                               for state in states(site))))
        finally:
            await browser.close()


def audit(settings: AuditSettings, out: Path, progress=None) -> dict:
    """Run every site-state; return the results with a summary."""
    started = time.perf_counter()
    results = run_async(_audit(settings, out, progress))
    seconds = time.perf_counter() - started
    verdicts = [r["verdict"] for r in results]
    return {"summary": {"sites": len(settings.sites), "states": len(results),
                        "passed": verdicts.count("pass"), "failed": verdicts.count("fail"),
                        "errors": verdicts.count("error"),
                        "observed": verdicts.count("observed"), "seconds": round(seconds, 2),
                        "states_per_second": round(len(results) / seconds, 2) if seconds else 0},
            "collector": settings.collector, "settle_seconds": settings.settle_seconds,
            "results": sorted(results, key=lambda r: r["id"])}
