"""Size and main-thread cost of tracking scripts, side by side with the floor, in one run.

The cost of a script is the main-thread time attributed to it on the same sample page:
its evaluation and every callback it scheduled (timers, promise reactions, listeners,
handlers, observers, and what those scheduled in turn), measured in the page itself by
``attribution.js``. That works alike in Chromium and Firefox, which has no CDP trace.

The **floor** is a script doing only what the contract cannot avoid: one cookie read, and
on a tracked view one ``sendBeacon`` of the payload the reference tracker sends. An absolute
budget would measure the platform (a fresh renderer's first cookie read alone costs about
a millisecond in Chromium); a ratio to the floor measures the script.
"""

from __future__ import annotations

import json
import statistics
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

from ..tracker import SCRIPT, gzipped_size, served

VARIANTS = ("anonymous", "tracked")
CONTEXT_COOKIE = "msdynci_trackingContext"
# About the length of a real signed context, so the beacon carries a realistic payload.
CONTEXT_VALUE = "bench." + "x" * 120
SETTLE_MS = 100  # after the last expected delivery, for callbacks on its response
FLOOR = "floor"


@dataclass
class Subject:
    """One script to measure: its name, its bytes as served, its tag's attributes."""

    name: str
    source: bytes
    attributes: dict[str, str] = field(default_factory=dict)
    sends_anonymous: bool = False  # peers send on every view, with or without our cookie
    sends_tracked: bool = True  # a view with our cookie waits for its delivery (up to 5 s)


def size(script: Path) -> dict:
    """Bytes of the script as served, plain and gzipped."""
    return {"bytes": len(served(script)), "gzip_bytes": gzipped_size(script)}


def size_of(source: bytes) -> dict:
    import gzip

    return {"bytes": len(source), "gzip_bytes": len(gzip.compress(source, 9, mtime=0))}


def floor_script(endpoint: str, body: str) -> bytes:
    """The least a cookie-based tracker must do: read the cookie; if tracked, send *body*."""
    return (f'(function (d, n) {{\n  if (("; " + d.cookie).indexOf("; {CONTEXT_COOKIE}=") >= 0) '
            f'n.sendBeacon({json.dumps(endpoint)}, {json.dumps(body)});\n}})'
            '(document, navigator);\n').encode()


def webtrack_subject(name: str, script: Path) -> Subject:
    return Subject(name, served(script), {"data-site": "shop"})


def summarise(samples: list[dict]) -> dict:
    """Medians (ms) of a subject's samples; a sample whose evaluation threw is left out."""
    timed = [s for s in samples if s["ended"]]
    if not timed:
        return {"ms": None, "evaluation_ms": None, "callbacks_ms": None, "callbacks": None,
                "samples": 0, "void": len(samples)}

    def median(values: Iterable[float]) -> float:
        return round(statistics.median(values), 3)

    return {"ms": median(s["evaluation"] + s["callbacks"] for s in timed),
            "evaluation_ms": median(s["evaluation"] for s in timed),
            "callbacks_ms": median(s["callbacks"] for s in timed),
            "callbacks": median(len(s["calls"]) for s in timed),
            "samples": len(timed), "void": len(samples) - len(timed)}


def with_ratios(figures: dict, floor: str = FLOOR) -> dict:
    """Add each subject's ratio to the floor, per variant, to {subject: {variant: summary}}."""
    out: dict[str, dict] = {}
    for name, variants in figures.items():
        out[name] = {}
        for variant, summary in variants.items():
            base = figures.get(floor, {}).get(variant, {}).get("ms")
            ratio = round(summary["ms"] / base, 2) if base and summary["ms"] is not None \
                else None
            out[name][variant] = {**summary, "ratio_to_floor": ratio}
    return out


def awaits_delivery(subject: Subject, tracked: bool) -> bool:
    """Whether a view of *subject* waits for a delivery before it is read: a tracked view of
    a script that sends for tracked visitors, or any view of one that always sends."""
    return tracked and subject.sends_tracked or subject.sends_anonymous


def _view(browser, server, subject: Subject, tracked: bool) -> dict:
    context = browser.new_context()
    try:
        if tracked:
            context.add_cookies([{"name": CONTEXT_COOKIE, "value": CONTEXT_VALUE,
                                  "url": f"http://shop.localhost:{server.port}/"}])
        page = context.new_page()
        before = len(server.bodies)
        page.goto(server.page_url(subject.name), wait_until="load")
        if awaits_delivery(subject, tracked):
            server.wait_for_deliveries(before + 1)
        page.wait_for_timeout(SETTLE_MS)
        return page.evaluate("({evaluation: __cost.evaluation, callbacks: __cost.callbacks,"
                             " calls: __cost.calls, ended: __cost.ended,"
                             " isolated: __cost.isolated})")
    finally:
        context.close()


def measure(subjects: list[Subject], browsers: Iterable[str] = ("chromium", "firefox"),
            runs: int = 15, progress: Callable[[str], None] | None = None) -> dict:
    """Main-thread ms per anonymous and tracked view of each subject, in each browser (see
    :func:`_measure`), from any thread: Playwright's sync API cannot start where it runs."""
    from ..concurrency import off_loop

    return off_loop(_measure, subjects, list(browsers), runs, progress)


def _measure(subjects: list[Subject], browsers: Iterable[str], runs: int,
             progress: Callable[[str], None] | None) -> dict:
    """Main-thread ms per anonymous and tracked view of each subject, in each browser.

    Every view is a fresh browser context (a first visit, in a fresh renderer where the
    browser gives one). Subjects and variants are interleaved, in a rotating order, so
    noise on this shared machine falls on all of them alike; one warm-up round is dropped.
    A subject named ``floor`` with an empty source is filled in with the floor script
    carrying the payload the first ``webtrack``-attributed subject sent.
    """
    from playwright.sync_api import sync_playwright

    from ..remote import launch_sync
    from .costpage import CostServer

    results = {}
    scripts = {s.name: s.source for s in subjects}
    with CostServer(scripts, {s.name: s.attributes for s in subjects}) as server, \
            sync_playwright() as playwright:
        for name in browsers:
            browser = launch_sync(playwright, name)
            try:
                _fill_floor(browser, server, subjects, scripts)
                samples: dict[tuple[str, str], list] = {
                    (s.name, v): [] for s in subjects for v in VARIANTS}
                isolated = True
                for run in range(runs + 1):
                    order = subjects[run % len(subjects):] + subjects[:run % len(subjects)]
                    for variant in VARIANTS:
                        for subject in order:
                            sample = _view(browser, server, subject, variant == "tracked")
                            isolated = isolated and sample["isolated"]
                            if run:
                                samples[(subject.name, variant)].append(sample)
                    if progress:
                        progress(f"{name}: run {run}/{runs}")
            finally:
                browser.close()
            figures = {s.name: {v: summarise(samples[(s.name, v)]) for v in VARIANTS}
                       for s in subjects}
            results[name] = {"isolated": isolated, "subjects": with_ratios(figures)}
    return {"runs": runs, "browsers": results,
            "size": {s.name: size_of(scripts[s.name]) for s in subjects}}


def _fill_floor(browser, server, subjects: list[Subject], scripts: dict) -> None:
    """Give the floor the payload a webtrack tracker sends on a tracked view."""
    floor = next((s for s in subjects if s.name == FLOOR and not s.source), None)
    model = next((s for s in subjects if s.attributes.get("data-site")), None)
    if floor is None or model is None:
        return
    before = len(server.bodies)
    _view(browser, server, model, tracked=True)
    if not server.wait_for_deliveries(before + 1):
        raise RuntimeError(f"{model.name} sent nothing on a tracked view; no floor payload")
    body = server.bodies[before].decode()
    endpoint = f"http://collector.localhost:{server.port}/collect"
    floor.source = scripts[FLOOR] = floor_script(endpoint, body)


def main_thread(script: Path, browsers: Iterable[str] = ("chromium", "firefox"),
                runs: int = 9) -> dict:
    """The gate's figures: the floor, the reference and *script*, in one run, per browser.

    ``{browser: {subject: {"anonymous_ms", "tracked_ms", "tracked_ratio_to_floor"}}}``.
    """
    subjects = [Subject(FLOOR, b""), webtrack_subject("reference", SCRIPT),
                webtrack_subject("candidate", script)]
    result = measure(subjects, browsers, runs)
    return {browser: {name: {"anonymous_ms": v["anonymous"]["ms"],
                             "tracked_ms": v["tracked"]["ms"],
                             "tracked_ratio_to_floor": v["tracked"]["ratio_to_floor"]}
                      for name, v in figures["subjects"].items()}
            for browser, figures in result["browsers"].items()}


@dataclass(frozen=True)
class Budget:
    """A main-thread budget per tracked view: milliseconds, or a ratio to the floor."""

    value: float
    unit: str  # "ms" or "x"

    def __str__(self) -> str:
        return f"{self.value:g}{'×' if self.unit == 'x' else ' ms'}"


def parse_budget(text: str | float | int) -> Budget:
    """``1.25x`` is a ratio to the floor; ``3ms``, ``3 ms`` or a bare ``3`` are ms."""
    raw = str(text).strip().lower().replace(" ", "")
    unit = "x" if raw.endswith(("x", "×")) else "ms"
    number = raw.rstrip("x×").removesuffix("ms")
    try:
        value = float(number)
    except ValueError:
        raise ValueError(f"main-thread budget {text!r}: give milliseconds (3ms, 3) or a "
                         "ratio to the floor (1.25x)") from None
    if not value > 0 or value == float("inf"):
        raise ValueError(f"main-thread budget {text!r} must be a positive number")
    return Budget(value, unit)


def over_budget(budget: Budget, figures: dict, subject: str = "candidate") -> list[str]:
    """Say, per browser, where *subject*'s tracked view is over *budget* (figures as above)."""
    found = []
    for browser, subjects in figures.items():
        ours = subjects[subject]
        measured = ours["tracked_ms"] if budget.unit == "ms" else \
            ours["tracked_ratio_to_floor"]
        if measured is None or measured > budget.value:
            shown = f"{measured} ms" if budget.unit == "ms" else f"{measured}× the floor " \
                f"({ours['tracked_ms']} ms vs {subjects[FLOOR]['tracked_ms']} ms)"
            found.append(f"main-thread cost of a tracked page view in {browser}, {shown}, "
                         f"is over the budget of {budget}")
    return found
