"""Where a consent-audit state's CPU goes: each state run alone (concurrency 1), the CPU of
every process of the audit's tree (Python's threads, the Playwright driver, each kind of
browser process) sampled from /proc and put down to the step the audit was in.

    python bench/cpu_steps.py [BROWSER [SITE ...]]

Linux only (reads /proc). Sampling costs a little CPU of its own, on a thread left out.
"""

from __future__ import annotations

import contextlib
import functools
import os
import tempfile
import threading
import time
from collections import defaultdict
from pathlib import Path

import proc

TICK = proc.TICKS
INTERVAL = 0.01


def _kind(pid: int, cmdline: str, main: int) -> str:
    if pid == main:
        return "python"
    if "playwright/driver/node" in cmdline or cmdline.startswith("node"):
        return "driver (node)"
    if "firefox" in cmdline:
        if "-contentproc" in cmdline:
            kind = cmdline.split()[-1]
            return f"firefox {kind}"
        return "firefox main"
    if "chrom" in cmdline:
        if "--type=" not in cmdline:
            return "chromium browser"
        kind = cmdline.split("--type=")[1].split()[0]
        if kind == "utility":
            sub = cmdline.split("--utility-sub-type=")[1].split()[0] \
                if "--utility-sub-type=" in cmdline else "?"
            return f"chromium {sub.split('.')[0]}"
        return f"chromium {kind}"
    return "other: " + cmdline[:40]


@contextlib.contextmanager
def sampled(interval: float = INTERVAL):
    """Sample this process tree's CPU while the block runs; ``sampler.cpu_ms()`` after."""
    sampler = Sampler(interval)
    sampler.thread.start()
    try:
        yield sampler
    finally:
        sampler.stop.set()
        sampler.thread.join()


class Sampler:
    """Samples the CPU ticks of this process's threads and descendants; deltas are put down
    to ``self.step`` (set by the audit's instrumentation) at the time of the sample."""

    def __init__(self, interval: float = INTERVAL) -> None:
        self.interval = interval
        self.main = os.getpid()
        self.main_tid = threading.get_native_id()
        self.step = "startup"
        self.last: dict[tuple[int, int], int] = {}
        self.kinds: dict[tuple[int, int], str] = {}
        self.spent: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
        self.wall: dict[str, float] = defaultdict(float)  # s spent in each step
        self.then = time.perf_counter()
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self._run, daemon=True)

    def cpu_ms(self) -> float:
        """CPU spent by the tree since sampling began (ms)."""
        return sum(sum(kinds.values()) for kinds in self.spent.values()) * 1000 / TICK

    def _tree(self) -> list[int]:
        return proc.tree(self.main, proc.processes())

    def _sample(self) -> None:
        step = self.step
        now = time.perf_counter()
        self.wall[step] += now - self.then
        self.then = now
        for pid in self._tree():
            try:
                if pid == self.main:  # Python: the event loop's thread apart from the rest
                    for tid in os.listdir(f"/proc/{pid}/task"):
                        if int(tid) == self.me:
                            continue
                        with open(f"/proc/{pid}/task/{tid}/stat") as f:
                            ticks = proc.parse_stat(f.read())[1]
                        key = (pid, int(tid))
                        self.kinds.setdefault(key, "python loop (runner, proxy)"
                                              if int(tid) == self.main_tid
                                              else "python threads (server, collector)")
                        self._add(key, ticks, step)
                    continue
                key = (pid, 0)
                # A browser the driver starts is first seen as the driver's fork, before it
                # runs its own program: a driver is asked again until it says otherwise.
                if self.kinds.get(key, "driver (node)") == "driver (node)":
                    with open(f"/proc/{pid}/cmdline", "rb") as f:
                        cmdline = f.read().replace(b"\0", b" ").decode(errors="replace")
                    self.kinds[key] = _kind(pid, cmdline, self.main)
                with open(f"/proc/{pid}/stat") as f:
                    self._add(key, proc.parse_stat(f.read())[1], step)
            except (OSError, IndexError, ValueError):
                continue

    def _add(self, key, ticks: int, step: str) -> None:
        before = self.last.get(key)
        self.last[key] = ticks
        if before is None:  # first seen: a process started since counts from its start
            before = 0 if key[1] == 0 and not self.first else ticks
        if ticks > before:
            self.spent[step][self.kinds[key]] += ticks - before

    def _run(self) -> None:
        self.me = threading.get_native_id()
        self.first = True
        self._sample()
        self.first = False
        while not self.stop.wait(self.interval):
            self._sample()
        self._sample()


def _instrument(sampler: Sampler) -> None:
    """Mark the step in progress around the audit's moves (monkeypatched, for this run)."""
    from playwright.async_api import Browser, BrowserContext, Page

    from harness.consent_audit import runner

    def marked(owner, name, step, sticky=False):
        original = getattr(owner, name)

        @functools.wraps(original)
        async def wrapper(*args, **kwargs):
            before = sampler.step
            sampler.step = step
            try:
                return await original(*args, **kwargs)
            finally:
                if not sticky:
                    sampler.step = before
        setattr(owner, name, wrapper)

    def plain(owner, name, step):
        original = getattr(owner, name)

        @functools.wraps(original)
        def wrapper(*args, **kwargs):
            before = sampler.step
            sampler.step = step
            try:
                return original(*args, **kwargs)
            finally:
                sampler.step = before
        setattr(owner, name, wrapper)

    enter = runner.Evidence.enter

    def entered(self, phase):
        sampler.step = phase
        enter(self, phase)
    runner.Evidence.enter = entered
    marked(Browser, "new_context", "setup", sticky=True)
    marked(BrowserContext, "new_page", "new page")
    marked(Page, "screenshot", "screenshot")
    marked(BrowserContext, "close", "context close", sticky=True)
    for name in ("take", "take_origins"):
        marked(runner.inventory, name, f"storage stock ({name})")
    marked(runner.choice, "prepare", "autoconsent install")
    if hasattr(runner, "_stock_page"):
        marked(runner, "_stock_page", "stock page (popup)")
    plain(runner.har, "write", "har, verdict")
    plain(runner, "decide", "har, verdict")
    marked(runner._Visit, "probe", "validators, served probes")
    marked(runner, "_twins_told", "twin")
    plain(runner.findings, "enrich", "har, verdict")


def profile(browser: str = "chromium", sites: list[str] | None = None,
            settle: float = 600.0) -> dict:
    from harness import consent_audit
    from harness.server import Server

    settings = consent_audit.load()
    settings.settle_seconds = settle
    settings.browsers = [browser]
    settings.concurrency = 1
    if sites:
        settings.sites = [s for s in settings.sites if s.name in sites]
    sampler = Sampler()
    _instrument(sampler)
    with Server() as server, tempfile.TemporaryDirectory() as tmp:
        settings.served_on(server.port)
        sampler.thread.start()
        started = time.perf_counter()
        results = consent_audit.audit(settings, Path(tmp))
        seconds = time.perf_counter() - started
        sampler.stop.set()
        sampler.thread.join()
    states = len(results["results"])
    ms = {step: {kind: round(t * 1000 / TICK / states, 1) for kind, t in
                 sorted(kinds.items(), key=lambda kv: -kv[1])}
          for step, kinds in sampler.spent.items()}
    per_step = {step: round(sum(k.values()), 1) for step, k in ms.items()}
    per_kind: dict[str, float] = defaultdict(float)
    for kinds in ms.values():
        for kind, value in kinds.items():
            per_kind[kind] += value
    verdicts = [r["verdict"] for r in results["results"]]
    return {"browser": browser, "states": states, "seconds": round(seconds, 1),
            "errors": verdicts.count("error"),
            "cpu_ms_per_state": round(sum(per_step.values()), 1),
            "per_step": dict(sorted(per_step.items(), key=lambda kv: -kv[1])),
            "per_process": {k: round(v, 1) for k, v in
                            sorted(per_kind.items(), key=lambda kv: -kv[1])},
            "wall_ms_per_step": {step: round(s * 1000 / states, 1) for step, s in
                                 sorted(sampler.wall.items(), key=lambda kv: -kv[1])},
            "detail": ms, "load_average": [round(x, 1) for x in os.getloadavg()]}


if __name__ == "__main__":
    import argparse
    import json

    parser = argparse.ArgumentParser(description="A consent audit's CPU per state, put down "
                                     "to its steps and processes.")
    parser.add_argument("browser", nargs="?", default="chromium",
                        choices=("chromium", "firefox"))
    parser.add_argument("sites", nargs="*", help="estate sites to audit (default: all)")
    options = parser.parse_args()
    found = profile(options.browser, options.sites or None)
    print(json.dumps(found, indent=1))
