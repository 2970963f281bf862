"""Scenario cost per browser beside a bare context + goto + click + close."""

from __future__ import annotations

import statistics
import time

from playwright.sync_api import sync_playwright

from harness import Collector, Server, launch_spec


def _timed(fn, runs: int) -> float:
    samples = []
    for _ in range(runs):
        started = time.perf_counter()
        fn()
        samples.append(time.perf_counter() - started)
    return statistics.median(samples) * 1000


def measure(browsers=("chromium", "firefox"), runs: int = 12) -> dict:
    """Median ms of a bare visit and of a scenario doing the same in the harness."""
    out = {}
    with Server() as server, sync_playwright() as playwright:
        client = Collector("collector.localhost", server.port)
        for name in browsers:
            browser = getattr(playwright, name).launch(**launch_spec(name).options)

            def bare(browser=browser):
                context = browser.new_context()
                page = context.new_page()
                page.goto(server.url_for("shop", "/"))
                page.click("#add-lamp")
                context.close()

            def scenario(browser=browser):
                # What an LClick scenario does: reset, a profile, its tracked link, the
                # click, and the API wait for the recorded interaction.
                client.reset()
                profile = client.profile(consent="opted_in")["id"]
                context = browser.new_context()
                page = context.new_page()
                page.goto(client.link(profile, server.url_for("shop", "/")))
                page.click("#add-lamp")
                client.expect(profile, "website_link_clicked", msdynci_actiontype="LClick")
                context.close()

            bare()
            scenario()  # warm both paths once
            floor, cost = [], []
            for _ in range(runs):  # interleaved, so noise falls on both
                floor.append(_timed(bare, 1))
                cost.append(_timed(scenario, 1))
            browser.close()
            out[name] = {"bare_ms": round(statistics.median(floor), 1),
                         "scenario_ms": round(statistics.median(cost), 1),
                         "ratio": round(statistics.median(cost) / statistics.median(floor), 2)}
    return out
