"""Drive a page's consent banner with DuckDuckGo's autoconsent rules (``opt_out = "auto"``).

autoconsent (npm ``@duckduckgo/autoconsent``, installed by ``setup.sh`` into ``.venv/node``)
ships a content script for Playwright, ``dist/autoconsent.playwright.js``, and the rules for
a few hundred consent-management platforms (CMPs). The script talks to its host through
``window.autoconsentSendMessage``: it asks for its configuration (``init``), reports the CMP
it detected (``cmpDetected``) and the open popup (``popupFound``), runs the rule's opt-out or
opt-in (``optOutResult`` / ``optInResult``, then ``autoconsentDone``), and on request runs the
rule's self-test (``selfTestResult``), which reads the CMP's own state to confirm the choice.
This module is that host: the protocol as a small class, its summary as a pure function.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import json
import os
import re
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

__all__ = ["AutoconsentMissing", "Driver", "Package", "load", "locate", "outcome",
           "platform", "rules_for"]

ACTIONS = {"opt_out": "optOut", "accept": "optIn"}
PACKAGE = "@duckduckgo/autoconsent"
# Terminal lifecycle states the script reports on its own (no CMP at all).
_NOTHING = "nothingDetected"


class AutoconsentMissing(RuntimeError):
    """autoconsent is not installed where the audit looks for it."""


def node_modules() -> list[Path]:
    """Where npm packages are looked for, first match wins: ``WEBTRACK_NODE_MODULES``, the
    running virtual environment's ``node/node_modules`` (where setup.sh installs them), then
    ``.venv/node/node_modules`` and ``node_modules`` under the current folder."""
    places = [os.environ.get("WEBTRACK_NODE_MODULES"),
              str(Path(sys.prefix) / "node" / "node_modules"),
              str(Path(".venv") / "node" / "node_modules"), "node_modules"]
    return [Path(p).resolve() for p in dict.fromkeys(places) if p]


def locate(package: str = PACKAGE) -> Path:
    """Return the folder of an installed npm *package*, or raise AutoconsentMissing."""
    for root in node_modules():
        if (root / package / "package.json").is_file():
            return root / package
    looked = ", ".join(str(p) for p in node_modules())
    raise AutoconsentMissing(
        f"npm package {package} is not installed (looked in {looked}); run ./setup.sh, or "
        f"npm install --prefix .venv/node {package}, or set WEBTRACK_NODE_MODULES")


@dataclass(frozen=True)
class Package:
    """The parts of the installed autoconsent the audit uses."""

    version: str
    script: str        # dist/autoconsent.playwright.js
    compact: dict      # rules/compact-rules.json: opt-out rules, indexed
    full: tuple        # rules/rules.json's rules: these keep the opt-in steps


@functools.cache
def load() -> Package:
    """Read the installed autoconsent once per process."""
    root = locate()
    try:
        meta = json.loads((root / "package.json").read_text(encoding="utf-8"))
        script = (root / "dist" / "autoconsent.playwright.js").read_text(encoding="utf-8")
        compact = json.loads((root / "rules" / "compact-rules.json").read_text(encoding="utf-8"))
        full = json.loads((root / "rules" / "rules.json").read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise AutoconsentMissing(f"{root} is not a usable autoconsent install: {exc}") from None
    return Package(meta.get("version", "?"), script, compact, tuple(full["autoconsent"]))


@functools.cache
def _pattern(pattern: str) -> re.Pattern | None:
    """*pattern* compiled once per process (the rules hold more patterns than ``re``'s own
    cache keeps, so each new page address compiled them all again); None if it is a
    JavaScript-only pattern."""
    try:
        return re.compile(pattern)
    except re.error:
        return None


def _matches(pattern: str | None, url: str) -> bool:
    if not pattern:
        return True
    compiled = _pattern(pattern)
    return compiled is None or compiled.search(url) is not None  # None: the script decides


def _compact_runs(rule: list, main_frame: bool, url: str) -> bool:
    """autoconsent's own ``shouldRunRuleInContext`` over a compact rule."""
    context = rule[4]
    if main_frame and context == 1:
        return False
    if not main_frame and context in (20, 22, 10, 12):
        return False
    return _matches(rule[3], url)


def _full_runs(rule: dict, main_frame: bool, url: str) -> bool:
    context = rule.get("runContext") or {}
    if main_frame and context.get("main") is False:
        return False
    if not main_frame and not context.get("frame"):
        return False
    return _matches(context.get("urlPattern"), url)


def rules_for(package: Package, action: str, url: str, main_frame: bool) -> dict:
    """Return the rule bundle a frame at *url* needs: fewer rules, the same decisions.

    The script itself skips rules whose URL pattern or frame context does not match; leaving
    them out here only spares each frame parsing them. Opt-in needs the full rules, as the
    compact ones omit opt-in steps (autoconsent's own Playwright harness does the same).
    """
    if action == "optIn":
        return {"autoconsent": [r for r in package.full if _full_runs(r, main_frame, url)]}
    compact = package.compact
    index = compact["index"]
    strings = compact["s"]
    if main_frame:
        generic = compact["r"][slice(*index["genericRuleRange"])]
        specific = [r for r in compact["r"][slice(*index["specificRuleRange"])]
                    if _compact_runs(r, True, url)]
        rules = generic + specific
        if not specific:  # the generic rules use only the strings before this index
            strings = strings[:index["genericStringEnd"]]
    else:
        rules = [r for r in compact["r"][slice(*index["frameRuleRange"])]
                 if _compact_runs(r, False, url)]
        strings = strings[:index["frameStringEnd"]]
    return {"compact": {"v": compact["v"], "s": strings, "r": rules}}


_RULES_JSON: dict[tuple, str] = {}


def _rules_json(package: Package, action: str, url: str, main_frame: bool) -> str:
    """:func:`rules_for` as JSON, made once per page address (pages repeat across states)."""
    key = (id(package), action, url, main_frame)
    if key not in _RULES_JSON:
        if len(_RULES_JSON) > 512:
            _RULES_JSON.clear()
        _RULES_JSON[key] = json.dumps(rules_for(package, action, url, main_frame))
    return _RULES_JSON[key]


def outcome(messages: list[dict], action: str) -> dict:
    """Summarise the script's messages: which CMP, whether the choice was made and confirmed.

    ``status`` is ``done`` (the rule ran to completion), ``failed`` (the rule's steps did not
    work), ``no-popup`` (a CMP was detected but showed no banner), ``no-cmp`` (none found) or
    ``timeout`` (the script never finished). ``self_test`` is true or false when the rule has
    a self-test and it ran, None otherwise.
    """
    result_type = f"{action}Result"
    of = {m["type"]: m for m in messages if m.get("type") != "report"}
    detected = [m["cmp"] for m in messages if m.get("type") == "cmpDetected"]
    popup = of.get("popupFound", {}).get("cmp")
    result = of.get(result_type)
    done = of.get("autoconsentDone")
    test = of.get("selfTestResult")
    nothing = any(m.get("type") == "report" and m.get("mainFrame")
                  and m.get("state", {}).get("lifecycle") == _NOTHING for m in messages)
    if done:
        status = "done"
    elif result is not None and not result.get("result"):
        status = "failed"
    elif popup:
        status = "timeout"  # a banner was open and the rule never finished with it
    elif detected:
        status = "no-popup"
    else:  # the script's own verdict, or nothing detected in the time given
        status = "no-cmp" if nothing or any(m.get("type") == "init" for m in messages) \
            else "not-started"
    errors = [m.get("details") for m in messages if m.get("type") == "autoconsentError"]
    cmp = (done or result or {}).get("cmp") or popup or (detected[0] if detected else None)
    return {"cmp": cmp, "platform": platform(cmp),
            "detected": sorted(set(detected)), "popup": popup, "status": status,
            "result": None if result is None else bool(result.get("result")),
            "cosmetic": bool(done and done.get("isCosmetic")),
            "self_test": None if test is None else bool(test.get("result")),
            "clicks": (done or {}).get("totalClicks"), "errors": errors}


# Budgets in *page* time (the audit's virtual clock, stepped by the driver), never in wall
# time: on a loaded machine the browser is slower, so a wall-clock budget runs out while the
# script is still at work (at load average ~40, 5 s passed between the script's start and
# the platform found, against the 8 s wall-clock budget this replaces). Stepping
# the page clock gives the script's own waits and retries, and a banner a page shows late,
# the same page time however slow the machine is.
STEP_MS = 500           # one step of page time; autoconsent's own retry interval
DETECT_MS = 10_000      # for a platform to be found once the script has begun looking
POPUP_MS = 7_000        # for its banner to open (the script tries 10 times, 500 ms apart)
CHOICE_MS = 20_000      # for the rule's steps (their waits are page time too)
TEST_MS = 8_000         # for the rule's self-test
# A guard against a browser that stopped answering, not a budget for slow ones: the script
# reports at each stage, and while it is silent only the browser's own start-up runs.
HANG_SECONDS = 120.0


def platform(cmp: str | None) -> str | None:
    """The platform as the report names it: the rule's name, or what the heuristic is."""
    if cmp and cmp.startswith("HEURISTIC"):
        return ("no known platform: autoconsent's heuristic found a banner with a "
                f"{cmp.removeprefix('HEURISTIC-').lower() or 'reject'} button ({cmp})")
    return cmp


class Driver:
    """Run one autoconsent action in a browser context and collect its messages.

    ``install`` before the first navigation: the script is then injected into every frame as
    it starts, as an extension's content script is. Only the first page that opens a popup
    is handled; later documents are told autoconsent is disabled, so the choice is made once.
    ``run`` then steps the page's clock (installed by the audit; without one it waits in real
    time) until the script reports an end, giving each stage a budget of page time.
    """

    def __init__(self, action: str, package: Package | None = None,
                 self_test: bool = True) -> None:
        if action not in ACTIONS.values():
            raise ValueError(f"unknown autoconsent action {action!r}")
        self.action, self.package, self.want_self_test = action, package or load(), self_test
        self.messages: list[dict] = []
        self._finished = asyncio.Event()
        self._news = asyncio.Event()  # set by every message: the loop looks again
        self._test_frame = None
        self._page: Any = None  # the page of the first enabled top document
        self._engaged = False  # a document has taken the job; later ones stand down

    async def install(self, context) -> None:
        await context.expose_binding("autoconsentSendMessage", self._receive)
        await context.add_init_script(self.package.script)

    async def _reply(self, frame, message: dict) -> None:
        await self._reply_raw(frame, json.dumps(message))

    async def _reply_raw(self, frame, message: str) -> None:
        try:
            await frame.evaluate(f"autoconsentReceiveMessage({message})")
        except Exception:  # the frame went away; the outcome says what was reached
            pass

    async def _receive(self, source, message: dict) -> None:
        try:
            await self._handle(source["frame"], message)
        except Exception as exc:  # Playwright swallows a binding's errors: keep them
            self.messages.append({"type": "autoconsentError", "at": time.time(),
                                  "details": f"host: {type(exc).__name__}: {exc}"})
        self._news.set()

    async def _handle(self, frame, message: dict) -> None:
        message = {**message, "at": time.time()}
        kind = message.get("type")
        if kind == "report":  # keep the lifecycle only: reports repeat the whole state
            state = message.get("state") or {}
            message = {"type": "report", "at": message["at"],
                       "mainFrame": message.get("mainFrame"),
                       "state": {"lifecycle": state.get("lifecycle"),
                                 "findCmpAttempts": state.get("findCmpAttempts") or 0}}
        self.messages.append(message)
        if kind == "init":
            main = frame.parent_frame is None
            url = message.get("url") or ""
            # Blank documents (a new tab's first one) hold no banner; left enabled, Firefox
            # would run them alongside the page that replaces them.
            enabled = (url.startswith(("http:", "https:")) and not self._finished.is_set()
                       and not self._engaged)
            config: dict[str, object] = {
                "enabled": enabled, "autoAction": self.action, "disabledCmps": [],
                "enablePrehide": False, "enableCosmeticRules": True,
                "enableGeneratedRules": True, "detectRetries": 10,
                "isMainWorld": True, "enableHeuristicDetection": False,
                # A banner no rule knows: its own 'reject' heuristic finds a popup
                # with a reject button (opt-out only; it cannot opt in).
                "heuristicMode": "reject" if self.action == "optOut" else "off",
                "visualTest": False}
            rules = _rules_json(self.package, self.action, url, main) if enabled else "{}"
            reply = f'{{"type": "initResp", "config": {json.dumps(config)}, "rules": {rules}}}'
            if enabled and main:
                self._page = frame.page
            if enabled:
                # Look once the document is parsed: sooner, a platform's own rule can miss
                # a banner its script is still drawing while the heuristic, a moment later,
                # catches it, and the report names no platform for a known one.
                with contextlib.suppress(Exception):
                    await frame.wait_for_load_state("domcontentloaded")
            await self._reply_raw(frame, reply)
        elif kind in ("optOutResult", "optInResult"):
            if message.get("scheduleSelfTest"):
                self._test_frame = frame
            if not message.get("result"):
                self._finished.set()
        elif kind == "popupFound":
            self._engaged = True
        elif kind == "autoconsentDone":
            self._finished.set()
        elif kind == "report" and message["mainFrame"] and \
                message["state"]["lifecycle"] == _NOTHING:
            self._finished.set()

    def _stage(self) -> str:
        """Where the script is: ``starting`` (not looking yet), ``detecting``, ``popup``
        (a platform found, its banner not yet open), ``choosing`` (the rule runs)."""
        kinds = {m["type"] for m in self.messages}
        if "popupFound" in kinds:
            return "choosing"
        if "cmpDetected" in kinds:
            return "popup"
        looking = any(m["type"] == "report" and m.get("mainFrame")
                      and m["state"].get("findCmpAttempts") for m in self.messages)
        return "detecting" if looking else "starting"

    async def _step(self) -> None:
        """Let STEP_MS of page time pass: the page's timers (the script's waits and
        retries, a banner shown late) fire in order, then its messages are let in."""
        try:
            await self._page.clock.run_for(STEP_MS)
            await self._page.evaluate("0")  # messages sent meanwhile arrive before this
        except Exception:  # no clock installed, or the page navigated: real time
            await asyncio.sleep(STEP_MS / 1000)

    async def _until(self, ended, budgets: dict[str, int]) -> None:
        """Step page time until *ended()*, each stage within its budget; ``starting`` waits
        in real time for the script to report (the hang guard only)."""
        spent = dict.fromkeys(budgets, 0)
        hang = time.monotonic() + HANG_SECONDS
        while not ended() and time.monotonic() < hang:
            stage = self._stage()
            if stage not in budgets:  # the script is starting: wait for its next message
                self._news.clear()
                with contextlib.suppress(asyncio.TimeoutError):
                    await asyncio.wait_for(self._news.wait(), 0.25)
                continue
            if spent[stage] >= budgets[stage]:
                return
            spent[stage] += STEP_MS
            await self._step()

    async def run(self) -> dict:
        """Drive the script to its end (and self-test), then return its :func:`outcome`."""
        await self._until(self._finished.is_set,
                          {"detecting": DETECT_MS, "popup": POPUP_MS, "choosing": CHOICE_MS})
        if self._test_frame is not None and self.want_self_test and any(
                m["type"] == "autoconsentDone" for m in self.messages):
            await self._reply(self._test_frame, {"type": "selfTest"})
            await self._until(lambda: any(m["type"] == "selfTestResult"
                                          for m in self.messages), {"choosing": TEST_MS})
        self._finished.set()  # documents opened from now on stand down
        return {**outcome(self.messages, self.action), "version": self.package.version,
                "action": self.action}
