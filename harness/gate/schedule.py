"""Decisions of a mutation run, as pure functions: which scenarios, in what order, the score."""

from __future__ import annotations

import re

from . import coverage

# Browser names as pytest-playwright puts them first in a test's parameters.
_BROWSERS = ("chromium", "firefox", "webkit")


def scenario_key(nodeid: str) -> str:
    """``path/test_mod.py::test_x[chromium-a-b]`` → ``test_mod::test_x[a-b]`` (golden.json's)."""
    path, _, name = nodeid.rpartition("::")
    module = re.sub(r"\.py$", "", path.rsplit("/", 1)[-1])
    match = re.match(r"^([^\[]+)\[(.*)\]$", name)
    if not match:
        return f"{module}::{name}"
    parts = match.group(2).split("-")
    if parts[0] in _BROWSERS:
        parts = parts[1:]
    rest = "-".join(parts)
    return f"{module}::{match.group(1)}" + (f"[{rest}]" if rest else "")


def covering(start: int, end: int, spans: dict[str, list | None]) -> list[str]:
    """Scenarios whose coverage touches ``[start, end)`` (unknown coverage: every one)."""
    return [nodeid for nodeid, covered in spans.items()
            if covered is None or coverage.touches(covered, start, end)]


class Learning:
    """What one worker has seen: which scenario caught which mutants, and at what cost.

    Mutants of the same line, then of the same function, tend to be caught by the same
    scenario (the one that looks at that behaviour), so kills count more near home.
    """

    LINE, FUNCTION = 10.0, 3.0

    def __init__(self, durations: dict[str, float]) -> None:
        self.durations = durations
        self.spent: dict[str, float] = {}
        self.kills: dict[tuple, int] = {}  # (scope, nodeid) → kills; scope "*" is anywhere

    def record(self, nodeid: str, seconds: float, killed: bool, function: str,
               line: int) -> None:
        self.spent[nodeid] = self.spent.get(nodeid, 0.0) + seconds
        if killed:
            for scope in ("*", ("f", function), ("l", line)):
                self.kills[scope, nodeid] = self.kills.get((scope, nodeid), 0) + 1

    def rate(self, nodeid: str, function: str, line: int) -> float:
        """Kills per second spent, kills near the mutant weighing more; a prior of 0.1."""
        kills = (self.kills.get(("*", nodeid), 0)
                 + self.FUNCTION * self.kills.get((("f", function), nodeid), 0)
                 + self.LINE * self.kills.get((("l", line), nodeid), 0))
        return (kills + 0.1) / (self.spent.get(nodeid, 0.0) + self.durations.get(nodeid, 60.0))

    def order(self, nodeids: list[str], function: str = "", line: int = 0,
              first: str | None = None) -> list[str]:
        """Scenarios likeliest to catch this mutant soonest first.

        Before anything is known that is the quickest first (the reference run's
        durations); then a scenario that catches mutants quickly rises, and one that
        catches them only by waiting out a timeout sinks below quicker ones. *first*
        (the scenario that caught this very mutant in an earlier run) goes before all.
        """
        ranked = sorted(nodeids, key=lambda n: (-self.rate(n, function, line), n))
        if first in ranked:
            ranked.remove(first)
            ranked.insert(0, first)
        return ranked


def hints(rows: list[dict], nodeids: set[str]) -> dict[str, dict]:
    """``{mutant id: row}`` of earlier kills by scenarios still in the run.

    *rows* are result rows of earlier runs (``id``, ``status``, ``by``, ``function``,
    ``line``), later runs last: the latest kill of each mutant wins. A kill by a scenario
    that is gone (renamed, deselected) says nothing about this run.
    """
    found: dict[str, dict] = {}
    for row in rows:
        if row.get("status") == "killed" and row.get("by") in nodeids:
            found[row["id"]] = row
    return found


def remembered(history: dict[str, str], rows: list[dict], current: set[str],
               whole: bool) -> dict[str, str]:
    """The kill history after a run: ``{mutant id: the scenario that last killed it}``.

    *history* is the one before the run, *rows* the run's results, *current* the ids of
    every mutant of the script now (a mutant that is gone is forgotten). A kill records its
    killer; a mutant that survived, turned out equivalent or uncovered loses its entry
    when the run tried every scenario (*whole*, no ``-k``), since its old killer no longer
    kills it. The history only orders scenarios: it never counts as a kill by itself.
    """
    kept = {i: by for i, by in history.items() if i in current}
    for row in rows:
        if row.get("id") not in current:
            continue
        if row.get("status") == "killed" and row.get("by"):
            kept[row["id"]] = row["by"]
        elif whole and row.get("status") in ("survived", "equivalent", "not_covered"):
            kept.pop(row["id"], None)
    return dict(sorted(kept.items()))


def expected_seconds(scenarios: list[str], durations: dict[str, float],
                     killer: str | None = None) -> float:
    """What running one mutant is expected to cost, from the reference run's durations.

    A mutant with a last killer among its scenarios tries it first and most likely dies
    there: that one scenario. Any other may run every scenario that covers it (a survivor
    does): their sum. Unknown durations count as a minute.
    """
    if killer in scenarios:
        return durations.get(killer, 60.0)
    return sum(durations.get(n, 60.0) for n in scenarios)


def queue(runs: list[dict], durations: dict[str, float],
          killers: dict[str, str]) -> list[dict]:
    """The order workers take mutants in: the longest expected first (ties by id).

    Workers pull the next mutant when they finish one, so the long ones start early and
    the short ones fill in at the end: no worker is left with a long backlog while the
    other has nothing to do.
    """
    return sorted(runs, key=lambda r: (-expected_seconds(r["scenarios"], durations,
                                                         killers.get(r["id"])), r["id"]))


# A scenario running a mutant may take this many times its reference duration, plus the
# margin (a failing scenario waits out its expectations and browser actions first), plus
# the start-up allowance when it is the first in a fresh worker (server, browser launch).
LIMIT_FACTOR, LIMIT_MARGIN_S, LIMIT_STARTUP_S = 3.0, 30.0, 60.0


def scenario_limit(reference_s: float | None, first_in_worker: bool = False,
                   factor: float = LIMIT_FACTOR, margin: float = LIMIT_MARGIN_S,
                   startup: float = LIMIT_STARTUP_S) -> float:
    """Seconds one scenario may run under a mutant before the mutant is stopped."""
    reference = 60.0 if reference_s is None else reference_s
    return round(factor * reference + margin + (startup if first_in_worker else 0.0), 1)


# A scenario under a mutant waits for what the reference needed, not the run's blanket
# waits: an expected interaction its factor × the longest the reference waited for one in
# that scenario, plus the margin; a browser action its factor × the whole scenario's
# reference time, plus its margin. Each at least its floor, at most the blanket wait. A
# mutant that sends nothing then fails its scenario in about a second, not in 4 s (or 8 s
# for an action). A kill under a shortened wait counts only once the reference has passed
# that scenario under the same waits in the same worker (:func:`needs_confirming`), when
# the failure is a wait that ran out (:func:`waited_out`).
WAIT_FACTOR, WAIT_MARGIN_S, WAIT_FLOOR_S = 3.0, 1.0, 1.0
ACTION_FACTOR, ACTION_MARGIN_S, ACTION_FLOOR_S = 2.0, 2.0, 3.0


def bounds(expect_ref_s: float | None, scenario_ref_s: float | None, full_expect_s: float,
           full_action_s: float) -> tuple[float, float]:
    """``(expect wait, action timeout)`` in seconds for one scenario under a mutant.

    *expect_ref_s* is the longest the reference waited for an expected interaction in the
    scenario, *scenario_ref_s* the scenario's reference duration; None (not measured):
    the blanket waits, *full_expect_s* and *full_action_s*.
    """
    expect = full_expect_s if expect_ref_s is None else min(
        full_expect_s, max(WAIT_FLOOR_S, WAIT_FACTOR * expect_ref_s + WAIT_MARGIN_S))
    action = full_action_s if scenario_ref_s is None else min(
        full_action_s, max(ACTION_FLOOR_S, ACTION_FACTOR * scenario_ref_s + ACTION_MARGIN_S))
    return round(expect, 2), round(action, 2)


# How a failure says a wait ran out: an expected interaction, a browser action, an arrival.
_WAITED_OUT = re.compile(r"within [0-9.]+s, got|Timeout [0-9.]+ms exceeded|"
                         r"stayed in the address bar")


def waited_out(message: str) -> bool:
    """True when a scenario's failure is a wait that ran out: what a shortened wait can
    cause (every other failure saw something wrong, whatever the wait)."""
    return bool(_WAITED_OUT.search(message))


def needs_confirming(confirmed_at_load: float | None, load_now: float) -> bool:
    """True when a kill under shortened waits must first see the reference pass the same
    scenario under them: never done in this worker, or the machine has since got much
    busier than when it was (the waits held then, not necessarily now)."""
    return confirmed_at_load is None or load_now > 2.0 * confirmed_at_load + 2.0


def overdue(running: dict | None, now: float) -> bool:
    """True when a worker's current scenario (its heartbeat: ``since``, ``limit``) has run
    past its limit; a worker between scenarios (None, or no ``since``) never is."""
    if not running or running.get("since") is None:
        return False
    return now - running["since"] > running["limit"]


def timeout_row(stopped: dict, check: str, check_message: str = "") -> dict:
    """The result of a mutant stopped at its time limit, once the reference was tried on
    the same scenario in a fresh worker within the same limit.

    *stopped* is the stopped worker's heartbeat (``mutant``, ``scenario``, ``limit``,
    ``tried``); *check* is how the reference did: ``passed`` (in time), ``failed``,
    ``overran`` (it hit the limit too) or ``lost`` (the checking worker died). Only a
    reference that passed in time makes the stop the mutant's doing, a kill by timeout;
    anything else is a harness-side hang or failure: an error, never a kill.
    """
    where = (f"stopped after {stopped['limit']:g} s without finishing "
             f"{stopped['scenario']} (the limit: {LIMIT_FACTOR:g} × its reference time "
             f"+ {LIMIT_MARGIN_S:g} s)")
    reasons = {
        "passed": ("timeout", "the reference passes it within the same limit"),
        "failed": ("error", "the reference fails it too in a fresh worker: not counted"),
        "overran": ("error", "the reference also overran the limit: a harness-side hang, "
                             "not counted"),
        "lost": ("error", "the worker checking the reference died: not counted"),
    }
    status, why = reasons[check]
    return {"id": stopped["mutant"], "status": status, "by": stopped["scenario"],
            "how": "timeout", "tried": stopped.get("tried", 0),
            "message": f"{where}; {why}" + (f": {check_message}" if check_message else "")}


# What counts as caught: a scenario failed or recorded other payloads (killed), or the
# mutant stopped a scenario from finishing within its time limit (timeout).
DETECTED = ("killed", "timeout")


def score(rows: list[dict]) -> dict:
    """Counts by status and the score: (killed + timeout) ÷ (all − equivalent), in %."""
    counts: dict[str, float] = {status: sum(1 for r in rows if r["status"] == status)
              for status in ("killed", "timeout", "survived", "not_covered", "equivalent",
                             "error")}
    scored = len(rows) - counts["equivalent"]
    detected = sum(counts[status] for status in DETECTED)
    counts["total"] = len(rows)
    counts["score"] = round(100.0 * detected / scored, 2) if scored else 100.0
    return counts
