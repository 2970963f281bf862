"""What a mutation worker holds between scenarios: the plan, the mutant being served, kills.

The collector serves ``/tracker.js`` from the view :func:`serve_mutants` puts in place:
the mutant under test when there is one, else the reference, so one server and one
browser per worker serve every mutant in turn.
"""

from __future__ import annotations

import json
from pathlib import Path

from flask import Response

from . import golden, schedule


class RunState:
    def __init__(self) -> None:
        self.source: bytes | None = None  # the mutant being served; None: the reference
        self.reference = ""
        self.items: dict = {}
        self.learning = schedule.Learning({})
        self.golden: dict = {}
        self.stable: set[str] = set()
        self.interactions: list[dict] | None = None
        self.out = "."
        self.expect_wait = 5.0
        self.action_timeout_ms = 10_000.0
        self.first: dict[str, str] = {}  # mutant id → the scenario that caught it before
        self.offsets: dict[str, int] = {}  # how far each other worker's results were read
        # The longest the reference waited for an expected interaction, per scenario.
        self.waits: dict[str, float] = {}
        # Scenarios whose shortened waits the reference met here, with the load average
        # then; and those it did not meet, which run with the blanket waits from then on.
        self.confirmed: dict[str, float] = {}
        self.unshortened: set[str] = set()
        self.blanket = False  # the scenario about to run waits the blanket waits

    def configure(self, plan: dict, items: dict) -> None:
        self.reference = plan["reference"]
        self.items = items
        self.learning = schedule.Learning(plan["durations"])
        self.golden = golden.load()
        self.stable = set(plan["stable"])
        self.out = plan["out"]
        self.expect_wait = plan["expect_wait"]
        self.action_timeout_ms = plan["action_timeout_ms"]
        self.first = plan.get("first", {})
        self.waits = plan.get("waits", {})
        for row in plan.get("seed", []):  # kills of earlier runs: where to look first
            self.learn(row)

    def learn(self, row: dict) -> None:
        """Count a kill reported by an earlier run or by another worker."""
        if row.get("status") == "killed" and row.get("by") in self.items:
            self.learning.record(row["by"], row.get("killer_s", 0.0), True,
                                 row.get("function", ""), row.get("line", 0))

    def absorb(self, worker: str) -> None:
        """Learn the kills the other workers reported since last asked (their result
        files), so each worker orders scenarios by what both have found."""
        for path in Path(self.out).glob("mutants-*.jsonl"):
            if path.name == f"mutants-{worker}.jsonl":
                continue
            with path.open("rb") as handle:
                handle.seek(self.offsets.get(path.name, 0))
                for line in handle.read().splitlines(keepends=True):
                    if not line.endswith(b"\n"):
                        break  # still being written
                    self.offsets[path.name] = self.offsets.get(path.name, 0) + len(line)
                    self.learn(json.loads(line))

    def bounds(self, nodeid: str) -> tuple[float, float]:
        """``(expect wait s, action timeout ms)`` for *nodeid* as it runs now."""
        full_expect, full_action = self.expect_wait, self.action_timeout_ms / 1000
        if self.blanket or nodeid in self.unshortened:
            return full_expect, full_action * 1000
        expect, action = schedule.bounds(self.waits.get(nodeid),
                                         self.learning.durations.get(nodeid),
                                         full_expect, full_action)
        return expect, action * 1000

    def shortened(self, nodeid: str) -> bool:
        """True when *nodeid* runs now with waits shorter than the blanket ones."""
        return self.bounds(nodeid) != (self.expect_wait, self.action_timeout_ms)

    def golden_key(self, nodeid: str) -> str:
        return schedule.scenario_key(nodeid)


STATE = RunState()
SERVES_MUTANTS = "webtrack.gate.serves_mutants"  # set on an app once its tracker is swapped


def serve_mutants(server) -> None:
    """Make *server*'s ``/tracker.js`` serve ``STATE.source`` while one is set."""
    views = server.app.view_functions
    if server.app.extensions.get(SERVES_MUTANTS):
        return
    if "tracker_js" not in views:
        raise RuntimeError("the collector has no tracker_js view to serve mutants from")
    reference = views["tracker_js"]

    def tracker_js():
        if STATE.source is None:
            return reference()
        return Response(STATE.source, content_type="application/javascript; charset=utf-8",
                        headers={"Cache-Control": "no-cache",
                                 "Access-Control-Allow-Origin": "*"})

    views["tracker_js"] = tracker_js
    server.app.extensions[SERVES_MUTANTS] = True
