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


def score(rows: list[dict]) -> dict:
    """Counts by status and the score: killed ÷ (all − equivalent), as a percentage."""
    counts: dict[str, float] = {status: sum(1 for r in rows if r["status"] == status)
              for status in ("killed", "survived", "not_covered", "equivalent", "error")}
    scored = len(rows) - counts["equivalent"]
    counts["total"] = len(rows)
    counts["score"] = round(100.0 * counts["killed"] / scored, 2) if scored else 100.0
    return counts
