"""Size and main-thread cost of a tracking script, measured beside a page without it."""

from __future__ import annotations

import statistics
from pathlib import Path

from ..tracker import gzipped_size, served


def size(script: Path) -> dict:
    """Bytes of the script as served, plain and gzipped."""
    return {"bytes": len(served(script)), "gzip_bytes": gzipped_size(script)}


def _attributed_ms(events: list[dict], needle: str) -> float:
    """Sum main-thread time of top-level trace events attributed to scripts matching needle."""
    total = 0.0
    for event in events:
        if event.get("ph") != "X" or event.get("name") not in ("EvaluateScript",
                                                                 "FunctionCall"):
            continue
        data = (event.get("args") or {}).get("data") or {}
        if needle in (data.get("url") or ""):
            total += event.get("dur", 0) / 1000.0
    return total


def main_thread_ms(script: Path, runs: int = 9, page: str = "/") -> dict:
    """Main-thread time a page view spends in *script*, anonymous and tracked (median ms).

    Chromium only: a ``devtools.timeline`` trace of each fresh page view; the script's
    evaluation and every callback it runs (timers, event listeners, sending) are summed by
    the script's URL, as Lighthouse attributes work to scripts. The same page without the
    script has, by construction, none of this work.
    """
    import json

    from playwright.sync_api import sync_playwright

    from ..browsers import launch_spec
    from ..server import Server
    from ..testing import Collector

    samples: dict[str, list[float]] = {"anonymous": [], "tracked": []}
    with Server(tracker=script) as server, sync_playwright() as playwright:
        browser = playwright.chromium.launch(**launch_spec("chromium").options)
        client = Collector("collector.localhost", server.port)
        profile = client.profile(consent="opted_in")["id"]
        context = browser.new_context()
        context.new_page().goto(client.link(profile, server.url_for("shop", page)))
        cookies = context.cookies()
        context.close()
        for _ in range(runs):
            for variant in samples:
                context = browser.new_context()
                if variant == "tracked":
                    context.add_cookies(cookies)
                tab = context.new_page()
                browser.start_tracing(page=tab, categories=["devtools.timeline"])
                tab.goto(server.url_for("shop", page))
                tab.wait_for_timeout(80)  # the batched visit goes out 25 ms after load
                trace = json.loads(browser.stop_tracing())
                events = trace["traceEvents"] if isinstance(trace, dict) else trace
                samples[variant].append(_attributed_ms(events, "/tracker.js"))
                context.close()
        browser.close()
    return {f"{variant}_ms": round(statistics.median(values), 3)
            for variant, values in samples.items()} | {"runs": runs}
