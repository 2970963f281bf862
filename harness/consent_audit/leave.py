"""Live on a page and leave it every way a visitor does, on the page's virtual clock.

Each moment goes on the state's record (``evidence.enter(phase)``) before it happens, so what
the page sends then is put down to it: ``settle`` (simulated page time run through),
``hidden`` (the tab hidden, settled again), ``away`` (navigated away from, once its unload
handlers ran), ``back`` (come back to, from the back-forward cache or loaded again, settled).
Closing the tab is the runner's, which takes stock after it.
"""

from __future__ import annotations

import asyncio
import math
import time
import weakref
from collections.abc import MutableMapping
from typing import Any
from urllib.parse import urlsplit

from playwright.async_api import Error

from .. import pageclock
from .proxy import CACHEABLE_PATH, HARNESS_HOST, INVENTORY_PATH, RecordingProxy
from .workerclock import JUMP, TICK

__all__ = ["ANIMATIONS", "CATCH_UP", "VISIBILITY", "asking", "away_url", "caches_pages",
           "come_back", "dispatch", "is_neutral", "launched_with", "leave", "leave_again",
           "linger", "location", "navigate_away", "probe", "read", "restored", "returned",
           "settle", "stay", "workers_started"]

# Headless browsers keep every tab visible (another tab opened over it leaves it
# 'visible'; Chromium's Page.setWebLifecycleState freezes the page without hiding it), so
# "the tab is hidden" is *dispatched*: visibilityState reads 'hidden' and visibilitychange
# fires, as it would when the visitor switches tabs. Navigating away and closing the tab are
# real: the browser runs beforeunload, pagehide, visibilitychange and unload itself.
VISIBILITY = """(hidden) => {
  const state = hidden ? "hidden" : "visible";
  Object.defineProperty(document, "visibilityState", { configurable: true, get: () => state });
  Object.defineProperty(document, "hidden", { configurable: true, get: () => hidden });
  // It bubbles, as the browser's does: a listener on the window hears it too.
  document.dispatchEvent(new Event("visibilitychange", { bubbles: true }));
  // Switching tabs takes the window's focus away too (and gives it back).
  Object.defineProperty(document, "hasFocus", { configurable: true, value: () => !hidden });
  window.dispatchEvent(new FocusEvent(hidden ? "blur" : "focus"));
  // Chromium freezes a hidden tab after a while (Page Lifecycle): its freeze and resume
  // events come with hiding and showing it, where the browser has them.
  if ("onfreeze" in document) document.dispatchEvent(new Event(hidden ? "freeze" : "resume"));
}"""


# Run in each frame once the page's clock has moved: its workers are told the page's time
# (workerclock.TICK), and its animations (CSS and Web Animations), which run on the
# browser's clock, not the page's, move on as far, so what waits for one to end happens.
ANIMATIONS = """(ms) => {
  for (const animation of document.getAnimations ? document.getAnimations() : []) {
    try {
      const end = animation.effect.getComputedTiming().endTime;
      if (animation.playState === "running" && isFinite(end))
        animation.currentTime = Math.min(end, (animation.currentTime || 0) + ms);
    } catch (e) { /* one that cannot be moved stays */ }
  }
}"""
# ... and its media playing (pagehooks.js), and answers the frame's time, so a settling
# reads the page clock it left behind.
CATCH_UP = (f"(ms) => {{ ({TICK})(); ({ANIMATIONS})(ms); "
            "if (window.__webtrackCatchUp) window.__webtrackCatchUp(ms); return Date.now(); }")
# ... and after the clock jumped, each worker timer due fires once (workerclock.JUMP).
CATCH_UP_JUMP = CATCH_UP.replace(TICK, JUMP)
# The end of the page, however a wheel left it (smooth scrolling, a page still growing);
# answers the page's time, so the settling after a read needs no round trip to ask it.
SCROLL_TO_END = "(window.scrollTo(0, document.documentElement.scrollHeight), Date.now())"
# The mouse moves a reader makes over a page, one event each (a site may wait for dozens
# before it counts the visitor as engaged), dispatched where the pointer is.
READING_MOVES = 40
MOVES = """(count) => {
  for (let i = 1; i <= count; i++) {
    const x = 200 + i * 3, y = 160 + i * 2;
    const at = document.elementFromPoint(x, y) || document.body || document.documentElement;
    if (at) at.dispatchEvent(new MouseEvent("mousemove", { bubbles: true, cancelable: true,
      composed: true, clientX: x, clientY: y, view: window }));
  }
}"""
# How long the visitor leaves the last page open before closing the tab, and how much of
# what that sets off is then run through.
STAY_MS = 24 * 3600 * 1000
STAY_JUMPS = 4
# Within each jump's window, a chain of timeouts whose links are shorter than it is followed
# link by link first: the page's clock moves on to its next timeout due, as often as a
# window has minutes, so a chain of six 45-minute links is seen, not one link a jump, and
# so is the 40th beat of a five-minute heartbeat (a fixed 32 links a window stopped it at
# 160 minutes). A timeout due within the minute moves the clock a minute on, 32 times a
# window at most: a one-second poll beside such a chain would otherwise spend every step
# (each costs the page some milliseconds); past those the clock goes to the next timeout
# due a minute or more away, and what is due sooner fires on the way; where none is due, to
# the short one itself, once: a hop of a second before each beat (a debounce, a retry) sets
# the next beat there, where a poll sets only itself again. The jump then covers what is
# left of the window.
# Intervals, frames and idle callbacks do not set the pace (one a second would use it up).
FOLLOW_STEP_MS = 60 * 1000
FOLLOW_LINKS = STAY_MS // STAY_JUMPS // FOLLOW_STEP_MS
FOLLOW_SHORT = 32
FOLLOW_CHAIN = """async ([within, links, step, short]) => {
  const clock = globalThis.__pwClock && globalThis.__pwClock.controller;
  if (!clock || !clock._timers || !clock._now) return 0;  // another Playwright: jumps only
  const start = clock._now.ticks, end = start + within;
  for (let followed = 0, soon = 0, bare = false; followed < links; followed++) {
    const now = clock._now.ticks;
    let next = Infinity, far = Infinity;
    for (const timer of clock._timers.values()) {
      if (timer.type !== "Timeout") continue;
      if (timer.callAt < next) next = timer.callAt;
      if (timer.callAt >= now + step && timer.callAt < far) far = timer.callAt;
    }
    if (next - now < step) {
      if (soon < short) { soon++; next = now + step; }
      else if (far !== Infinity) next = far;
      else if (!bare) bare = true;  // to the short timeout itself: it may set a longer one
      else break;  // it set only another short one, a poll: the jump takes it from here
    }
    if (next - now >= step) bare = false;
    if (next > end) break;
    await clock.fastForward(Math.min(next - now, end - now));
  }
  return clock._now.ticks - start;  // ms followed: the jump goes on from there
}"""
AFTER_STAY_MS = 60 * 1000
# Where the page is, its time, and when it was last shown (pagehooks.js; null while it
# loads, or from a page the hooks never reached).
SHOWN = "[location.href, Date.now(), window.__webtrackShown ?? null]"
# How many dedicated workers a frame made are still starting (workerclock.js), with the
# frame's address (the main frame's is where the page is left from: no round trip of its own
# to ask), and how long a page about to be left waits for them.
WORKERS_STARTING = ("() => [typeof window.__webtrackWorkersStarting === 'function' ?"
                    " window.__webtrackWorkersStarting() : 0, location.href]")
WORKERS_START_LIMIT = 3.0
# Playwright's clock in the page, as context.clock.run_for drives it in each frame.
RUN_OWN_CLOCK = "(ms) => globalThis.__pwClock && globalThis.__pwClock.controller.runFor(ms)"
# ... then caught up, in the same round trip (each costs Firefox's BiDi several); a timer
# of the page's that throws is the page's business (pageclock.py): it is caught up all the
# same.
RUN_OWN_CLOCK_CATCH_UP = (f"async (ms) => {{ try {{ await ({RUN_OWN_CLOCK})(ms); }} "
                          f"catch (e) {{ }} return ({CATCH_UP})(ms); }}")


# Each page's window as it was opened, before the reader resized it (:func:`read`).
_FULL_SIZE: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def away_url(here: str) -> str:
    """Where the visitor goes on leaving *here*: a blank page the proxy answers on the page's
    own origin (same site, so no new renderer process), or on the harness's own host where
    the proxy cannot answer for the origin (HTTPS goes through it tunnelled)."""
    parts = urlsplit(here)
    if parts.scheme == "http" and parts.netloc:
        return f"http://{parts.netloc}{INVENTORY_PATH}"
    return f"http://{HARNESS_HOST}/away"


def is_neutral(url: str) -> bool:
    """Whether *url* is one of the harness's own blank pages, never the site's."""
    parts = urlsplit(url)
    return parts.hostname == HARNESS_HOST or parts.path == INVENTORY_PATH


async def location(page) -> str:
    """The page's own address (Firefox's ``page.url`` stays behind after a back-forward
    cache restore); a page its own script is navigating meanwhile is asked once it landed."""
    try:
        return await page.evaluate("location.href")
    except Error:  # the execution context went with the navigation
        await page.wait_for_load_state()
        return await page.evaluate("location.href")


async def in_every_frame(page, script: str, arg=None) -> list[tuple[Any, Any]]:
    """Evaluate *script* in every frame of *page* that is still there, all at once; return
    ``(frame, value)`` for each frame that ran it (one that went away, or navigated
    meanwhile, is left out)."""
    frames = list(page.frames)
    values = await asyncio.gather(*(frame.evaluate(script, arg) for frame in frames),
                                  return_exceptions=True)
    return [(frame, value) for frame, value in zip(frames, values, strict=True)
            if not isinstance(value, BaseException)]


async def dispatch(page, script: str, arg):
    """Evaluate *script* in every frame that is still there; return what it gave in the
    main frame (None when that frame could not run it)."""
    return next((value for frame, value in await in_every_frame(page, script, arg)
                 if frame is page.main_frame), None)


async def linger(page, evidence, settle_ms: int) -> float | None:
    """The visitor reads the page, stays on it, then switches tabs and back: read and settle,
    hide the tab and settle again, show it and settle once more; what the page sends
    meanwhile goes on record under each moment. Return the page's time after (None when
    its main frame could not say)."""
    evidence.enter("settle")
    now = await settle(page, settle_ms, await read(page))
    evidence.enter("hidden")
    await dispatch(page, VISIBILITY, True)
    now = await settle(page, settle_ms, now)
    await dispatch(page, VISIBILITY, False)
    # Back on the tab, the visitor stays a while: what the page set off as it was shown
    # again (a timer, say) concerns them too.
    evidence.enter("settle")
    return await settle(page, settle_ms, now)


async def stay(page, evidence, now: float | None = None) -> None:
    """The visitor leaves the tab open for a day before closing it, in a few jumps
    (Playwright's ``fast_forward``: a laptop lid closed and opened again): each fires once
    every timer due within it, and a chain of timeouts shorter than a jump is followed link
    by link within the next (:data:`FOLLOW_CHAIN`); then what those set off in the next
    minute runs too. A tracker that waits out any settling is seen; intervals are not run
    through a day's worth of times. *now*: the page's time as last read (:func:`linger`'s),
    if known."""
    evidence.enter("settle")
    window = STAY_MS // STAY_JUMPS
    for _ in range(STAY_JUMPS):
        # The chains first, then a jump over what is left of the window: a day in all.
        followed = {frame: ms for frame, ms in await in_every_frame(
            page, FOLLOW_CHAIN, [window, FOLLOW_LINKS, FOLLOW_STEP_MS, FOLLOW_SHORT])
            if isinstance(ms, (int, float))}
        here = followed.get(page.main_frame, 0)
        try:
            await pageclock.run(page, max(int(window - max(followed.values(), default=0)), 0),
                                jump=True, since=None if now is None else now + here)
        except Error:  # the page navigated meanwhile: its new document is settled as it is
            break
        now = await dispatch(page, CATCH_UP_JUMP, window)
    await settle(page, AFTER_STAY_MS, now)


async def read(page) -> float | None:
    """The visitor reads the page: moves the mouse about it (as long as an engaged reader
    does: a site may wait for dozens of moves), resizes the window, scrolls (wheel) to its
    end and presses a key, so what a site sends on engagement, a resize, scroll depth, an
    element coming into view or a key is set off as it would be. Return the page's time
    after (None when it could not be read)."""
    try:
        await page.mouse.move(40, 40)
        await page.mouse.move(200, 160, steps=4)
        # The rest of a reader's moves in one go: Chromium takes ~30 ms a real step.
        await page.evaluate(MOVES, READING_MOVES)
        size = page.viewport_size
        if size:  # the window made smaller, or as it was, as a visitor or a rotated phone
            # does: one resize a read (each costs Firefox a tenth of a second)
            full = _FULL_SIZE.setdefault(page, size)
            await page.set_viewport_size(full if size != full else {
                "width": max(size["width"] - 120, 320), "height": max(size["height"] - 90, 240)})
        await page.mouse.wheel(0, 100000)
        await page.keyboard.press("ArrowDown")  # reading by keyboard (keydown, keyup)
        now = await page.evaluate(SCROLL_TO_END)
    except Error:  # the page navigated meanwhile: it is settled as it is
        return None
    return now if isinstance(now, (int, float)) else None


async def workers_started(page, proxy: RecordingProxy,
                          limit: float = WORKERS_START_LIMIT) -> str | None:
    """Before the page is left or closed: wait (at most *limit* s) until every dedicated
    worker its frames made has started and run what was due on the page's clock
    (workerclock.js), then let what those sent arrive. A worker a timer made at the end of
    the last settling, whose script takes a while to come, would otherwise die with the page
    before it ran. Return the page's address as its main frame said it, when nothing was
    waited for since (None: ask it, :func:`location`)."""
    deadline = time.monotonic() + limit
    waited = False
    while True:
        answers = [(frame, value) for frame, value in await in_every_frame(
            page, WORKERS_STARTING) if isinstance(value, list) and len(value) == 2]
        count = sum(value[0] for _, value in answers if isinstance(value[0], int))
        if not count or time.monotonic() >= deadline:
            break
        waited = True
        await asyncio.sleep(0.05)
    if waited:
        await proxy.quiet(idle=0.05, limit=0.5)
        return None
    return next((value[1] for frame, value in answers if frame is page.main_frame
                 and isinstance(value[1], str)), None)


async def navigate_away(page, proxy: RecordingProxy, evidence,
                         url: str | None) -> str:
    """Leave the page for *url* (None: the neutral page, :func:`away_url`); return the
    address left, once its unload handlers have run (its parting beacon arrived), so what
    it sent as it went is on record as ``away``."""
    said = await workers_started(page, proxy)
    evidence.enter("away")
    here = said or await location(page)
    gone = proxy.gone.count(here)
    try:
        await page.goto(url or away_url(here))
    except Error:  # a navigation the page started itself came first: let it land, then go
        await page.wait_for_load_state()
        here = page.url
        gone = proxy.gone.count(here)
        await page.goto(url or away_url(here))
    await proxy.wait_gone(here, gone + 1)
    return here


async def leave(page, proxy: RecordingProxy, evidence, settle_ms: int) -> None:
    """Navigate away and come back (the page then lives on, and settles again); each time,
    what the page sends goes on record under that phase. The tab is closed by the caller.

    A browser that keeps a back-forward cache keeps a page out of it when something holds
    it back as it is left, a request still in flight on a loaded machine, say: what the page
    does only when it is restored would then go unseen. Such a page is left once more, after
    its requests have finished (:func:`leave_again`)."""
    here = await navigate_away(page, proxy, evidence, None)
    await come_back(page, evidence, here, settle_ms)
    if restored(evidence.data["lifecycle"]):
        _remember(page, True)
    elif leave_again(False, await caches_pages(page)):
        try:
            await page.wait_for_load_state("networkidle", timeout=5000)
        except Error:  # a page that keeps loading: leave it as it is
            pass
        here = await navigate_away(page, proxy, evidence, None)
        await come_back(page, evidence, here, settle_ms)


async def come_back(page, evidence, here: str, settle_ms: int) -> None:
    """Go back to *here* as the visitor does, and settle: the page comes back from the
    back-forward cache where the browser keeps it (``pageshow`` persisted, in the lifecycle
    evidence) or is loaded again."""
    evidence.enter("back")
    evidence.shown.clear()
    try:
        await page.evaluate("history.back()")
    except Error:  # the navigation it starts may end the evaluation
        pass
    shown = await returned(page, evidence)
    if shown is None:
        await page.goto(here)  # a page loaded anew runs on the context's clock
    after = await settle(page, settle_ms, shown if math.isfinite(shown or math.nan) else None)
    if shown is not None and after is not None and after - shown < settle_ms:
        # Firefox's page restored from its back-forward cache is out of the context clock's
        # reach (run_for moves other documents only): its own clock is run for it.
        await dispatch(page, RUN_OWN_CLOCK_CATCH_UP, settle_ms)
    if not evidence.shown.is_set():  # restored where the binding no longer delivers
        try:
            for event in await page.evaluate("window.__webtrackBacklog.splice(0)"):
                evidence.page_event(None, event)
        except Error:  # the page navigated on: its own binding works
            pass


def leave_again(restored_now: bool, browser_restores: bool) -> bool:
    """Whether a page is left a second time: when its browser restores pages from a
    back-forward cache but did not restore this one. Pure: the retry's whole policy."""
    return browser_restores and not restored_now


# What each kind of browser was found to do (True once it restored a page, the state's or
# the probe's): kept for the process by build and launch options where the runner said
# them (:func:`launched_with`), else for the browser alone. Each kind is asked once, only
# when a page came back loaded anew: where pages are restored, never.
_KNOWN: dict[tuple, bool] = {}
_BY_BROWSER: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()
_OPTIONS: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()
_PROBES: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def launched_with(browser, options: dict) -> None:
    """Say how *browser* was launched: browsers of one build launched alike behave alike,
    so what one was found to do holds for the others (one probe per process)."""
    if browser not in _OPTIONS:
        _OPTIONS[browser] = repr(sorted(options.items()))


def _memory(browser) -> tuple[MutableMapping, object]:
    options = _OPTIONS.get(browser)
    if options is None:
        return _BY_BROWSER, browser
    return _KNOWN, (browser.browser_type.name, browser.version, options)


def _remember(page, restores: bool) -> None:
    browser = page.context.browser
    if browser is not None:
        memory, key = _memory(browser)
        memory[key] = restores


def asking() -> list[asyncio.Future]:
    """The probes still under way (to be let finish before their browsers close)."""
    return [task for task in _PROBES.values() if not task.done()]


async def caches_pages(page) -> bool:
    """Whether the page's browser restores pages from a back-forward cache: remembered from
    a page it restored, else asked of the browser (:func:`probe`), whatever its name
    (Playwright's Chromium keeps one, Debian's headless shell none, Firefox one unless its
    preferences say otherwise)."""
    browser = page.context.browser
    if browser is None:
        return False
    memory, key = _memory(browser)
    if key not in memory:
        task = _PROBES.get(browser)
        if task is None:  # one question at a time per browser, however many states wait
            task = _PROBES[browser] = asyncio.ensure_future(probe(browser))
        found = await asyncio.shield(task)
        memory.setdefault(key, found)  # a restore seen meanwhile stands
    return memory[key]


# The probe's page says how it came back: restored (its listener ran) or loaded anew.
PROBE_LISTEN = ("addEventListener('pageshow', (e) => { if (e.persisted) "
                "document.title = 'restored'; })")
PROBE_STATE = """() => [location.pathname, document.title,
  (performance.getEntriesByType('navigation')[0] || {}).type]"""


async def probe(browser, limit: float = 10.0) -> bool:
    """Ask *browser* whether it restores pages: a blank page it may cache (on the harness's
    own host, through a proxy of its own) is left and come back to in a context of its own;
    True when it comes back restored, False when it is loaded anew (or the question could
    not be put: never comes back, or the browser closed)."""
    proxy = RecordingProxy(lambda item: None)
    try:
        context = await browser.new_context(proxy={"server": await proxy.start()})
    except Error:
        await proxy.stop()
        return False
    try:
        page = await context.new_page()
        await page.goto(f"http://{HARNESS_HOST}{CACHEABLE_PATH}")
        await page.evaluate(PROBE_LISTEN)
        await page.goto(f"http://{HARNESS_HOST}/away")
        try:
            await page.evaluate("history.back()")
        except Error:
            pass
        deadline = time.monotonic() + limit
        while time.monotonic() < deadline:
            try:
                path, title, kind = await page.evaluate(PROBE_STATE)
            except Error:  # between documents
                path = None
            if path == CACHEABLE_PATH and (title == "restored" or kind == "back_forward"):
                return title == "restored"
            await asyncio.sleep(0.02)
        return False
    except Error:
        return False
    finally:
        try:
            await context.close()
        except Error:
            pass
        await proxy.stop()


def restored(lifecycle: list[dict]) -> bool:
    """Whether the page was shown again from the back-forward cache on coming back."""
    return any(e["event"] == "pageshow" and e["persisted"] and e["phase"] == "back"
               for e in lifecycle)


async def settle(page, settle_ms: int, since: float | None = None) -> float | None:
    """Run *settle_ms* of page time (*since*: the page's time as last read, if known); when
    a timer navigates the page meanwhile, the new page gets its own settling (once: a page
    that keeps navigating is not followed further). Return the page's time after (None
    when its main frame could not say)."""
    try:
        await pageclock.run(page, settle_ms, since=since)
    except Error:
        await page.wait_for_load_state()
        await pageclock.run(page, settle_ms)
    return await dispatch(page, CATCH_UP, settle_ms)


async def returned(page, evidence, limit: float = 10.0) -> float | None:
    """Wait until the page is back from the neutral page and shown; return its time
    (``Date.now()``, the page's clock) as it was shown again, or None if it never comes back.

    The page's own ``pageshow`` says so at once, with its time. Firefox restores a page
    from its back-forward cache without telling Playwright (whose ``page.url`` stays on the
    neutral page) or the binding, so between waits for that event the page itself is asked.
    A page loaded anew has its address long before it has loaded: it is back once it says it
    was shown (``pageshow`` and the page's own listeners ran), so what it sets off then is
    settled too; one that never finishes loading is taken as it is at *limit*.
    """
    deadline = time.monotonic() + limit
    back = None
    while time.monotonic() < deadline:
        try:
            await asyncio.wait_for(evidence.shown.wait(), 0.1)
            return _shown_at(evidence.data["lifecycle"])
        except asyncio.TimeoutError:
            pass
        try:
            here, now, shown = await page.evaluate(SHOWN)
        except Exception:  # between documents
            continue
        if not is_neutral(here):
            if shown is not None:
                return shown
            back = now
    return back


def _shown_at(lifecycle: list[dict]) -> float:
    """The page time of the last ``pageshow`` on coming back (unknown: infinitely late, so
    the page's own clock is run too, as for a page the context's clock may not reach)."""
    return next((e["clock"] for e in reversed(lifecycle)
                 if e["event"] == "pageshow" and e["phase"] == "back"), math.inf)
