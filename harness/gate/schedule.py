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


def order(nodeids: list[str], kills: dict[str, int], spent: dict[str, float],
          durations: dict[str, float]) -> list[str]:
    """Scenarios likeliest to catch a mutant soonest first: most kills per second spent.

    Before anything is known that is the quickest first (the reference run's durations);
    then a scenario that catches many mutants quickly rises, and one that catches them
    only by waiting out a timeout sinks below quicker ones.
    """
    def rate(nodeid: str) -> float:
        return (kills.get(nodeid, 0) + 0.1) / (spent.get(nodeid, 0.0) +
                                               durations.get(nodeid, 60.0))

    return sorted(nodeids, key=lambda n: (-rate(n), n))


def score(rows: list[dict]) -> dict:
    """Counts by status and the score: killed ÷ (all − equivalent), as a percentage."""
    counts = {status: sum(1 for r in rows if r["status"] == status)
              for status in ("killed", "survived", "not_covered", "equivalent", "error")}
    scored = len(rows) - counts["equivalent"]
    counts["total"] = len(rows)
    counts["score"] = round(100.0 * counts["killed"] / scored, 2) if scored else 100.0
    return counts
