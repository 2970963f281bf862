"""Scenario cost per browser beside a bare context + goto + click + close."""

from __future__ import annotations

import json
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import proc
from playwright.sync_api import sync_playwright

from harness import CollectorClient, Server, launch_spec


def _timed(fn, runs: int) -> float:
    samples = []
    for _ in range(runs):
        started = time.perf_counter()
        fn()
        samples.append(time.perf_counter() - started)
    return statistics.median(samples) * 1000


def _bare_visit(browser, server) -> None:
    """What every scenario does at least: a new context, one page load, a click, close."""
    context = browser.new_context()
    page = context.new_page()
    page.goto(server.url_for("shop", "/"))
    page.click("#add-lamp")
    context.close()


def bare_visit_ms(browsers=("chromium", "firefox"), runs: int = 8) -> dict:
    """Median ms of a bare visit per browser: a new context, one page load, a click, close."""
    out = {}
    with Server() as server, sync_playwright() as playwright:
        for name in browsers:
            browser = getattr(playwright, name).launch(**launch_spec(name).options)

            def bare(browser=browser):
                _bare_visit(browser, server)

            bare()
            out[name] = round(_timed(bare, runs), 1)
            browser.close()
    return out


def scenario_counts(browsers=("chromium", "firefox")) -> dict:
    """How many scenario runs the contract makes in each browser."""
    from harness.run import SCENARIOS

    command = [sys.executable, "-m", "pytest", str(SCENARIOS), "-c",
               str(SCENARIOS / "scenarios.ini"), "--collect-only", "-q"]
    for name in browsers:
        command += ["--browser", name]
    listing = subprocess.run(command, capture_output=True, text=True, check=True).stdout
    return {name: len(re.findall(rf"\[{name}[\]-]", listing)) for name in browsers}


def suite(browsers=("chromium", "firefox"), workers: int = 2, runs: int = 8) -> dict:
    """The whole contract with *workers* workers beside its floor: one bare visit per
    scenario run, shared among the workers. Bare visits are timed before and after. Also
    the CPU seconds of every process the run started (``/proc``, sampled), the load
    average at its start and end, and the scenarios that failed."""
    counts = scenario_counts(browsers)
    before = bare_visit_ms(browsers, runs)
    out = Path(tempfile.mkdtemp(prefix="webtrack-bench-suite-"))
    load = os.getloadavg()[0]
    started = time.perf_counter()
    command = [sys.executable, "-m", "harness", "run", "-n", str(workers), "--out", str(out)]
    for name in browsers:
        command += ["--browser", name]
    seen: dict[int, float] = {}
    with subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                          cwd=Path(__file__).resolve().parent.parent) as done:
        while done.poll() is None:
            found = proc.processes()
            for pid in proc.tree(done.pid, found):
                if pid in found:
                    seen[pid] = max(seen.get(pid, 0.0), found[pid][1] / proc.TICKS)
            time.sleep(0.2)
    elapsed = time.perf_counter() - started
    end_load = os.getloadavg()[0]
    after = bare_visit_ms(browsers, runs)
    bare = {n: statistics.median([before[n], after[n]]) for n in browsers}
    floor = sum(counts[n] * bare[n] for n in browsers) / 1000 / workers
    results = json.loads((out / "results.json").read_text(encoding="utf-8"))
    failed = [f"{e['id']} [{b}]" for e in results["scenarios"]
              for b, r in e["results"].items() if r["outcome"] == "failed"]
    return {"scenarios": counts, "bare_ms": bare, "workers": workers,
            "suite_s": round(elapsed, 1), "floor_s": round(floor, 1),
            "ratio": round(elapsed / floor, 2), "passed": done.returncode == 0,
            "cpu_s": round(sum(seen.values()), 1), "failed": failed,
            "load_average": [round(load, 1), round(end_load, 1)]}


def measure(browsers=("chromium", "firefox"), runs: int = 12) -> dict:
    """Median ms of a bare visit and of a scenario doing the same in the harness."""
    out = {}
    with Server() as server, sync_playwright() as playwright:
        client = CollectorClient("collector.localhost", server.port)
        for name in browsers:
            browser = getattr(playwright, name).launch(**launch_spec(name).options)

            def bare(browser=browser):
                _bare_visit(browser, server)

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
