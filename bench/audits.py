"""Audit speed: static pages/s beside a parse-only floor, rendered pages/s beside bare loads,
consent site-states/s beside bare page loads; and how static speed grows with pages."""

from __future__ import annotations

import argparse
import ast
import asyncio
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import replace
from pathlib import Path

import cpu_steps
from bs4 import BeautifulSoup

from harness import audit, consent_audit, launch_spec
from harness.concurrency import run_async
from harness.server import Server

SITES = Path(__file__).resolve().parent.parent / "sites"


def _copies(root: Path, times: int) -> list[Path]:
    pages = [p for p in SITES.rglob("*.html") if "_" not in p.parent.name and
             p.parent.name != "portal"]
    made = []
    for i in range(times):
        for page in pages:
            target = root / f"copy{i}" / page.relative_to(SITES)
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(page, target)
            made.append(target)
    shutil.copytree(SITES / "_shared", root / "_shared")
    return made


def static(times: int = 10) -> dict:
    times = int(times)  # from the command line too
    with tempfile.TemporaryDirectory() as tmp:
        pages = _copies(Path(tmp), times)
        started = time.perf_counter()
        for page in pages:
            BeautifulSoup(page.read_text(), "html5lib")
        floor = time.perf_counter() - started
        started = time.perf_counter()
        result = audit.run([tmp])
        seconds = time.perf_counter() - started
    return {"pages": len(pages), "parse_only_pages_per_s": round(len(pages) / floor),
            "audit_pages_per_s": round(len(result.pages) / seconds),
            "ratio_to_floor": round(floor / seconds, 2)}


def rendered() -> dict:
    from playwright.sync_api import sync_playwright

    from harness import launch_spec

    with Server() as server:
        pages = [("shop", "/"), ("shop", "/cart.html"), ("shop", "/pricing.html"),
                 ("shop", "/products/"), ("shop", "/products/lamp.html"), ("blog", "/"),
                 ("blog", "/posts/quiet.html"), ("tagged", "/"), ("tagged", "/offers.html"),
                 ("app", "/"), ("app", "/features"), ("forms", "/"), ("forms", "/thanks.html"),
                 ("portal", "/"), ("portal", "/account.html"), ("broken", "/"),
                 ("broken", "/installed-twice.html"), ("legacy", "/"), ("legacy", "/rooms.html"),
                 ("partner", "/")]
        urls = [server.url_for(site, path) for site, path in pages] * 2
        with sync_playwright() as playwright:
            started = time.perf_counter()  # the floor starts its browser too, as the audit does
            browser = playwright.chromium.launch(**launch_spec("chromium").options)
            for url in urls:
                context = browser.new_context()
                context.new_page().goto(url, wait_until="load")
                context.close()
            floor = time.perf_counter() - started
            browser.close()
        started = time.perf_counter()
        result = audit.run(urls, render=True)
        seconds = time.perf_counter() - started
    return {"pages": len(urls), "bare_load_pages_per_s": round(len(urls) / floor, 1),
            "audit_pages_per_s": round(len(result.pages) / seconds, 1),
            "ratio_to_floor": round(floor / seconds, 2)}


def consent_states(settle: float = 600.0, copies: int = 1,
                   browsers: tuple[str, ...] = ("chromium",)) -> dict:
    """Site-states per second for the sample estate (*copies* times over, as more sites),
    simulating *settle* s of page time per settling, beside bare loads of as many pages,
    run with the same concurrency."""
    settle, copies = float(settle), int(copies)  # from the command line too
    settings = consent_audit.load()
    settings.settle_seconds = settle
    settings.browsers = list(browsers)
    settings.sites = [replace(site, name=f"{site.name}{n}" if copies > 1 else site.name)
                      for n in range(copies) for site in settings.sites]
    with Server() as server, tempfile.TemporaryDirectory() as tmp:
        settings.served_on(server.port)
        starts = [site.start for site in settings.sites for _ in consent_audit.states(site)]
        with cpu_steps.sampled(interval=0.05) as bare:
            floor = sum(run_async(_bare_loads(starts, settings.concurrency, name))
                        for name in browsers)
        with cpu_steps.sampled(interval=0.05) as sampler:
            results = consent_audit.audit(settings, Path(tmp))
    starts *= len(browsers)
    verdicts = [r["verdict"] for r in results["results"]]
    return {"states": len(starts), "settle_seconds": settle, "browsers": list(browsers),
            "concurrency": settings.concurrency, "errors": verdicts.count("error"),
            "bare_loads_per_s": round(len(starts) / floor, 1),
            "states_per_s": results["summary"]["states_per_second"],
            # the audit's whole process tree (Python, the driver, the browsers), sampled
            "cpu_ms_per_state": round(sampler.cpu_ms() / len(starts)),
            "cpu_ms_per_bare_load": round(bare.cpu_ms() / len(starts))}


CMP_SITES = ("onetrust", "cookiebot", "didomi", "usercentrics", "quantcast", "klaro")


def consent_auto(copies: int = 2) -> dict:
    """Site-states per second for the consent-platform sites, every choice made with
    ``auto`` (autoconsent's rules), *copies* times over, beside bare loads of as many pages
    at the same concurrency; the settings' own simulated settling."""
    copies = int(copies)  # from the command line too
    settings = consent_audit.parse({"concurrency": 24, "browsers": ["chromium"], "site": [
        {"name": f"{name}{n}", "start": f"http://{name}.localhost:8800/", "tracked": True,
         "opt_out": "auto", "accept": "auto", "then": [{"goto": "/about.html"}]}
        for n in range(copies) for name in CMP_SITES]})
    with Server() as server, tempfile.TemporaryDirectory() as tmp:
        settings.served_on(server.port)
        starts = [site.start for site in settings.sites for _ in consent_audit.states(site)]
        floor = run_async(_bare_loads(starts, settings.concurrency))
        results = consent_audit.audit(settings, Path(tmp))
    verdicts = [r["verdict"] for r in results["results"]]
    return {"states": len(starts), "settle_seconds": settings.settle_seconds,
            "concurrency": settings.concurrency, "errors": verdicts.count("error"),
            "bare_loads_per_s": round(len(starts) / floor, 1),
            "states_per_s": results["summary"]["states_per_second"]}


async def _bare_loads(urls: list[str], concurrency: int, name: str = "chromium") -> float:
    """Seconds to open each URL in a fresh context, *concurrency* at a time, launch included
    (as the audit's own figure includes it)."""
    from playwright.async_api import async_playwright

    started = time.perf_counter()
    limit = asyncio.Semaphore(concurrency)
    async with async_playwright() as playwright:
        browser = await getattr(playwright, name).launch(**launch_spec(name).options)

        async def load(url: str) -> None:
            async with limit:
                context = await browser.new_context()
                await (await context.new_page()).goto(url)
                await context.close()

        await asyncio.gather(*(load(url) for url in urls))
        await browser.close()
    return time.perf_counter() - started


ROOT = Path(__file__).resolve().parent.parent


def _figure_of(tree: Path, figure: str) -> dict:
    """Run this ``bench/audits.py FIGURE`` over the code in *tree* in a process of its own
    (the same measurement of both revisions)."""
    done = subprocess.run([sys.executable, str(ROOT / "bench" / "audits.py"), figure], cwd=tree,
                          env={**os.environ, "PYTHONPATH": str(tree)}, capture_output=True,
                          text=True, check=True)
    return ast.literal_eval(done.stdout.strip().splitlines()[-1])


def consent_before_after(before: str = "c4af682", figure: str = "consent_states",
                         rounds: int = 2) -> dict:
    """*figure* of revision *before* and of this checkout, alternated *rounds* times in one
    run (each beside its own bare loads), with the load average around each; the best
    round of each is kept, as the machine's noise only ever slows a round down."""
    rounds = int(rounds)  # from the command line too
    runs: dict[str, list[dict]] = {"before": [], "after": []}
    with tempfile.TemporaryDirectory() as tmp:
        archive = subprocess.run(["git", "archive", before], cwd=ROOT, capture_output=True,
                                 check=True).stdout
        subprocess.run(["tar", "-x", "-C", tmp], input=archive, check=True)
        for _ in range(rounds):
            for label, tree in (("before", Path(tmp)), ("after", ROOT)):
                load = os.getloadavg()[0]
                result = _figure_of(tree, figure)
                runs[label].append({**result, "load_average": [
                    round(load, 1), round(os.getloadavg()[0], 1)]})
                print(label, runs[label][-1], file=sys.stderr, flush=True)
    best = {label: max(r, key=lambda x: x["states_per_s"]) for label, r in runs.items()}
    return {"before_revision": before, "figure": figure, "rounds": runs, "best": best,
            "speedup": round(best["after"]["states_per_s"] / best["before"]["states_per_s"],
                             2)}


def consent_states_firefox(settle: float = 600.0, sites: str = "blog,legacy,shop,app") -> dict:
    """:func:`consent_states` in Firefox, for the estate's *sites* (comma-separated): Firefox
    runs three pages at a time, so the whole estate is minutes of it."""
    names = set(sites.split(","))
    original = consent_audit.load

    def load(*args, **kwargs):
        settings = original(*args, **kwargs)
        settings.sites = [site for site in settings.sites if site.name in names]
        return settings

    consent_audit.load = load
    try:
        return {**consent_states(settle, 1, ("firefox",)), "sites": sorted(names)}
    finally:
        consent_audit.load = original


FIGURES = {"static": static, "rendered": rendered, "consent_states": consent_states,
           "consent_states_firefox": consent_states_firefox,
           "consent_auto": consent_auto, "consent_before_after": consent_before_after}


if __name__ == "__main__":
    parser = argparse.ArgumentParser(
        description="One audit figure alone; consent_before_after [REV [FIGURE [ROUNDS]]] "
        "alternates REV's tree with this one and records it in bench/results.json.")
    parser.add_argument("figure", choices=sorted(FIGURES))
    parser.add_argument("args", nargs="*", help="the figure's own arguments, in order")
    options = parser.parse_args()
    found = FIGURES[options.figure](*options.args)
    print(found)
    if options.figure == "consent_before_after":
        path = ROOT / "bench" / "results.json"
        results = json.loads(path.read_text(encoding="utf-8"))
        results[f"consent_before_after_{found['figure']}"] = {
            "when": time.strftime("%Y-%m-%d %H:%M"), **found}
        path.write_text(json.dumps(results, indent=1) + "\n", encoding="utf-8")
