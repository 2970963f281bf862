"""What each step of a scenario's visit costs in CPU: the alternatives side by side.

    .venv/bin/python bench/visit_steps.py [ROUNDS]     # Chromium; 5 rounds by default

Each variant is a whole small visit (the shop's home page, then its pricing page, in a new
context unless said otherwise), run four times per round, the variants interleaved round
after round; its cost is the CPU of this process's whole tree (Python with the in-process
collector, Playwright's driver, every browser process, including ended ones through their
parents' counts of waited-for children) per visit, median over the rounds. Linux only.
What the variants answer:

- ``fresh`` / ``same context`` / ``same page``: what a new context, and a new page, cost
  beside reusing them (cookies cleared; the page sent back to about:blank);
- ``trace`` / ``trace, no DOM snapshots``: what a Playwright trace adds, with and without
  snapshots (written out and discarded, as for a passing test);
- ``clock`` / ``listeners``: the page clock, and listening to every request and response
  (the visitor and its witness);
- ``fence, new tab`` / ``fence, open page``: the last request of an absence check.
"""

from __future__ import annotations

import os
import statistics
import tempfile
import time
from pathlib import Path

import proc
from playwright.sync_api import sync_playwright

from harness import Server, launch_spec
from harness.witness import Witness

FETCH = "url => fetch(url, {mode: 'no-cors'}).then(() => true)"



def _cpu_ms(step, times: int = 4) -> float:
    before = proc.tree_ticks()
    for _ in range(times):
        step()
    return (proc.tree_ticks() - before) * 1000 / proc.TICKS / times


def variants(browser, server, scratch: Path) -> dict:
    shop, pricing = server.url_for("shop", "/"), server.url_for("shop", "/pricing.html")
    health = server.url_for("collector", "/healthz")
    kept = browser.new_context()
    kept_page = kept.new_page()
    fence = browser.new_context().new_page()  # never navigated, as the plugin's

    def visit(page) -> None:
        page.goto(shop)
        page.goto(pricing)

    def fresh(setup=None, after=None) -> None:
        context = browser.new_context()
        page = context.new_page()
        state = setup(context, page) if setup else None
        visit(page)
        if after:
            after(context, page, state)
        context.close()

    def same_context() -> None:
        kept.clear_cookies()
        page = kept.new_page()
        visit(page)
        page.close()

    def same_page() -> None:
        kept.clear_cookies()
        visit(kept_page)
        kept_page.goto("about:blank")

    def traced(snapshots: bool):
        def start(context, page):
            context.tracing.start(snapshots=snapshots, screenshots=False, sources=False)

        def stop(context, page, state):
            path = scratch / "trace.zip"
            context.tracing.stop(path=str(path))
            path.unlink()
        return lambda: fresh(start, stop)

    def listening(context, page):
        context.on("request", lambda request: None)
        context.on("response", lambda response: None)
        Witness(context, server.origin())

    def fence_tab(context, page, state):
        page.close()
        tab = context.new_page()
        tab.evaluate(FETCH, health)
        tab.close()

    def fence_open(context, page, state):
        page.close()
        fence.evaluate(FETCH, health)

    return {
        "fresh": fresh, "same context": same_context, "same page": same_page,
        "trace": traced(True), "trace, no DOM snapshots": traced(False),
        "clock": lambda: fresh(lambda c, p: p.clock.install()),
        "listeners": lambda: fresh(listening),
        "fence, new tab": lambda: fresh(after=fence_tab),
        "fence, open page": lambda: fresh(after=fence_open),
    }


def measure(rounds: int = 5) -> dict:
    with Server() as server, sync_playwright() as playwright, \
            tempfile.TemporaryDirectory() as scratch:
        browser = playwright.chromium.launch(**launch_spec("chromium").options)
        steps = variants(browser, server, Path(scratch))
        for step in steps.values():
            step()  # warm every path once
        spent: dict[str, list[float]] = {name: [] for name in steps}
        for _ in range(rounds):
            for name, step in steps.items():
                spent[name].append(_cpu_ms(step))
        browser.close()
    return {"when": time.strftime("%Y-%m-%d %H:%M"), "rounds": rounds,
            "load_average": round(os.getloadavg()[0], 1),
            "cpu_ms": {n: round(statistics.median(v), 1) for n, v in spent.items()},
            "spread": {n: [round(x) for x in v] for n, v in spent.items()}}


if __name__ == "__main__":
    import argparse
    import json

    parser = argparse.ArgumentParser(description="A visit's steps priced beside their "
                                     "alternatives (CPU ms, median of ROUNDS).")
    parser.add_argument("rounds", nargs="?", type=int, default=5)
    print(json.dumps(measure(parser.parse_args().rounds), indent=1))
