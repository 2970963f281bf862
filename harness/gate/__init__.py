"""``webtrack gate``: does a candidate tracking script still honour the whole contract?"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, fields
from pathlib import Path

from .. import run as runner
from ..tracker import SCRIPT
from . import canary, cost, golden, selection
from .mutants import MUTANTS


@dataclass
class GateOptions(runner.RunOptions):
    """A run's options (``script`` is the candidate, required), plus what the gate judges."""

    out: Path = Path("reports/gate")
    budget_gzip_bytes: int | None = None
    budget_main_thread_ms: float | None = None
    # Main-thread cost takes a dozen traced page loads per script: measured when a budget
    # needs it or when asked (True), skipped when False.
    measure_cost: bool | None = None
    budget_main_thread: cost.Budget | None = None  # ms or a ratio to the floor; wins over _ms
    maxfail: int | None = None
    select: str | None = None  # a pytest -k expression, to gate part of the contract
    canary: bool = True  # stop early when the candidate delivers nothing at all
    # Run every scenario (True, the default), or only the Chromium scenarios the candidate's
    # changes can reach, by the reference coverage map (:mod:`.selection`; ``--impact``).
    # Every scenario by default: the map is one run's coverage (code a scenario reaches only
    # by some timings is not in it), and on a machine without one, building it costs a full
    # run of its own.
    everything: bool = True
    # The folder whose mutation/reference.json holds the reference coverage map (default:
    # out, shared with `webtrack gate mutation --out` the same folder).
    map_dir: Path | None = None

    def __post_init__(self) -> None:
        if self.script is None:
            raise ValueError("the gate needs a candidate script")

    @property
    def candidate(self) -> Path:
        """The script being gated."""
        assert self.script is not None  # checked when made
        return self.script

    def run_options(self, only: Path | None = None) -> runner.RunOptions:
        """The scenario run inside the gate: the same browsers, workers and selection
        (*only*: the file choosing the Chromium scenarios)."""
        shared = {f.name: getattr(self, f.name) for f in fields(runner.RunOptions)}
        return runner.RunOptions(**{
            **shared, "out": self.out / "run", "title": f"webtrack gate: {self.script}",
            "extra_args": [*self.extra_args, *(
                [f"--maxfail={self.maxfail}"] if self.maxfail else []), *(
                ["--webtrack-only", str(only.resolve())] if only else [])]})


def payload_changes(results: dict, reference: dict) -> list[dict]:
    """Compare each passing scenario's recorded payloads with the golden reference."""
    changes = []
    for entry in results["scenarios"]:
        for browser, result in entry["results"].items():
            evidence = result.get("evidence")
            if not evidence or result["outcome"] != "passed":
                continue
            # A scenario without a golden entry (a new one) is not compared here: the
            # suite's own scenario runs fail on it (harness/scenarios/conftest.py).
            diff = golden.differences(reference, entry["id"], browser,
                                      evidence["interactions"])
            if diff:
                changes.append({"scenario": entry["id"], "browser": browser,
                                "differences": diff})
    return changes


def _select(options: GateOptions, canary_done: threading.Event, verdict: dict) -> dict:
    """The selection for this candidate; a missing map is built only once the canary has
    found the candidate delivering (a broken one is not held up by a reference run)."""
    if options.everything:
        return {"mode": "all", "fallback": "every scenario (the default; --impact selects)",
                "changes": [],
                "run": None}

    def canary_first() -> bool:
        canary_done.wait()
        return verdict.get("ok", True)

    try:
        # A missing map is built by a run of every scenario: not for a gate of part of the
        # contract (-k), which then runs what it selected.
        return selection.plan(SCRIPT.read_text(encoding="utf-8"),
                              options.candidate.read_text(encoding="utf-8", errors="replace"),
                              options.map_dir or options.out, options.workers,
                              build_map=options.select is None, before_build=canary_first)
    except Exception as exc:  # never let selection decide a verdict: run everything
        return {"mode": "all", "fallback": f"selection failed: {exc!r}", "changes": [],
                "run": None}


def _with_canary(options: GateOptions) -> tuple[dict, dict | None, dict]:
    """Choose the scenarios and run them with the canary beside them; stop them if it finds
    no delivery."""
    abort, verdict, done = threading.Event(), {}, threading.Event()
    started = time.monotonic()

    def watch() -> None:
        try:
            verdict.update(canary.run(options.candidate))
        except Exception as exc:  # the canary itself broke: let the scenarios decide
            verdict.update(ok=True, error=str(exc))
        finally:
            verdict.setdefault("ok", True)
        if not verdict["ok"]:
            verdict["after_seconds"] = round(time.monotonic() - started, 1)
            abort.set()
        done.set()

    if options.canary:
        watcher = threading.Thread(target=watch, name="gate-canary", daemon=True)
        watcher.start()
    else:
        done.set()
    chosen = _select(options, done, verdict)
    chosen["seconds"] = round(time.monotonic() - started, 1)
    only = selection.write(chosen, options.out / "selection.json") \
        if chosen.get("run") is not None else None
    run_options = options.run_options(only)
    run_options.workers = workers_for(chosen, options.browsers, options.workers)
    if abort.is_set():  # the canary answered while the selection was made
        results = runner.collect(run_options, [], 0.0, 1)
    else:
        results = runner.execute(run_options, abort=abort if options.canary else None)
    if options.canary:
        watcher.join()
    return results, (verdict if options.canary else None), chosen


# Up to this many chosen scenarios run in one process: starting xdist's workers (each its
# own Python and browser) costs more than the second core saves on so few.
FEW = 10


def workers_for(chosen: dict, browsers: list[str], workers: int) -> int:
    """The workers for the run: one when the selection left only a few Chromium scenarios
    and no other browser runs (Firefox runs every scenario); else as asked."""
    run = chosen.get("run")
    few = run is not None and len(run) <= FEW and set(browsers) <= {selection.SELECTED_BROWSER}
    return min(workers, 1) if few else workers


def summarise(chosen: dict, results: dict) -> dict:
    """The report's ``selection``: how many Chromium scenarios were chosen and ran, of how
    many, and why."""
    seen = {e["id"]: e["results"][selection.SELECTED_BROWSER]["outcome"]
            for e in results["scenarios"] if selection.SELECTED_BROWSER in e["results"]}
    ran = {k for k, outcome in seen.items() if outcome != "skipped"}
    known = set(chosen.get("known") or [])
    # Of the scenarios that can run in Chromium: one skipped there (marked for another
    # browser) is neither in the map nor a scenario the selection left out.
    skipped = set(seen) - ran
    out = {k: v for k, v in chosen.items() if k not in ("run", "known")}
    out["chromium"] = {"chosen": len(chosen["run"]) if chosen.get("run") is not None else None,
                       "ran": len(ran), "of": len((known | set(seen)) - skipped),
                       "new": sorted(ran - known) if known else []}
    return out


def gate(options: GateOptions) -> dict:
    """Run the contract with the candidate; compare with the reference; return a verdict."""
    results, canary_verdict, chosen = _with_canary(options)
    stopped = None
    if canary_verdict and not canary_verdict["ok"]:
        stopped = {"after_seconds": canary_verdict["after_seconds"],
                   "reason": f"canary: {canary_verdict['reason']}"}
    failed = [{"scenario": e["id"], "browser": b, "message": r["message"]}
              for e in results["scenarios"] for b, r in e["results"].items()
              if r["outcome"] == "failed"]
    changes = payload_changes(results, golden.load())
    sizes = {"reference": cost.size(SCRIPT), "candidate": cost.size(options.candidate)}
    main_thread = options.budget_main_thread or (
        None if options.budget_main_thread_ms is None
        else cost.Budget(options.budget_main_thread_ms, "ms"))
    report = {"script": str(options.script), "browsers": options.browsers,
              "summary": results["summary"], "failed": failed, "payload_changes": changes,
              "stopped_early": stopped, "canary": canary_verdict,
              "selection": summarise(chosen, results),
              "size": sizes, "cost": None, "budget": {
                  "gzip_bytes": options.budget_gzip_bytes,
                  "main_thread": str(main_thread) if main_thread else None},
              "over_budget": []}
    measure = options.measure_cost
    if measure is None:
        measure = main_thread is not None
    if measure and not stopped:
        report["cost"] = cost.main_thread(options.candidate, options.browsers)
    gzip = sizes["candidate"]["gzip_bytes"]
    if options.budget_gzip_bytes is not None and gzip > options.budget_gzip_bytes:
        report["over_budget"].append(f"gzipped size {gzip} B is over the budget of "
                                     f"{options.budget_gzip_bytes} B")
    if main_thread and report["cost"]:
        report["over_budget"] += cost.over_budget(main_thread, report["cost"])
    report["passed"] = not (failed or changes or report["over_budget"] or stopped) and \
        not runner.failed(results)
    return report


def self_test(out: Path, browsers: list[str] | None = None, workers: int = 2,
              only: list[str] | None = None, progress=None, select: str | None = None) -> dict:
    """Gate every mutant of the reference tracker; each must fail, naming what caught it."""
    rows = []
    for mutant in MUTANTS:
        if only and mutant.name not in only:
            continue
        script = mutant.write(SCRIPT, out / "mutants")
        result = gate(GateOptions(script=script, browsers=browsers or ["chromium"],
                                  workers=workers, out=out / "mutants" / mutant.name,
                                  measure_cost=False, maxfail=1, select=select,
                                  map_dir=out, everything=False))
        caught_by = [f"{f['scenario']} [{f['browser']}]" for f in result["failed"]] + [
            f"payload of {c['scenario']} [{c['browser']}]" for c in result["payload_changes"]]
        if result["stopped_early"]:  # the canary: nothing recorded from a tracked arrival
            caught_by.append(result["stopped_early"]["reason"])
        row = {"mutant": mutant.name, "what": mutant.what, "caught": not result["passed"],
               "caught_by": caught_by, "message": (result["failed"] or [{}])[0].get("message")}
        rows.append(row)
        if progress:
            progress(row)
    return {"mutants": rows, "survivors": [r["mutant"] for r in rows if not r["caught"]],
            "passed": all(r["caught"] for r in rows)}
