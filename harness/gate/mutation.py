"""``webtrack gate --mutation``: mechanical mutants of the tracker against the scenarios.

1. The reference runs every Chromium scenario once, recording each one's precise coverage
   of ``/tracker.js`` (and which scenarios pass and match their golden payloads); the
   mutants are generated meanwhile.
2. Each mutant not reviewed as equivalent (``equivalent.toml``) and touched by some
   scenario runs against the scenarios that touch it, stopping at the first that catches
   it. Long-lived worker processes take the mutants from one queue, the longest expected
   first; a scenario that runs past its time limit (:func:`schedule.scenario_limit`) is
   stopped, and counts as a kill by timeout once the reference passes it within the same
   limit (:mod:`.supervisor`).
3. The score is (killed + timeout) ÷ (all − equivalent); every survivor is listed with
   its diff, every timeout with its reason.
"""

from __future__ import annotations

import hashlib
import json
import os
import resource
import shutil
import subprocess
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass, field
from pathlib import Path

from .. import config
from .. import run as runner
from ..resources import shipped
from ..tracker import SCRIPT
from . import operators, schedule, supervisor

EQUIVALENT = shipped("gate", "equivalent.toml")
# Each mutant's last killer ({mutant id: scenario node id}), kept in the repository and
# updated by every run: a rerun tries that scenario first, so most mutants cost one.
KILLERS = shipped("gate", "killers.json")


@dataclass
class MutationOptions:
    out: Path = Path("reports/gate")
    workers: int = 2
    only: list[str] | None = None  # mutant ids (or operator names) to run, for a partial run
    expect_wait: float = 4.0  # seconds an expected interaction is waited for
    action_timeout: float = 8.0  # seconds a browser action may take
    equivalent: Path = EQUIVALENT
    select: str | None = None  # a pytest -k expression: mutate against part of the contract
    # Earlier runs (their --out folders or mutation.json): each mutant tries first the
    # scenario that caught it there, and their kills seed the order of every other.
    hints: list[Path] = field(default_factory=list)
    # The kill history read before the run and updated after it (None: neither).
    history: Path | None = KILLERS
    # Reuse the reference run kept in out when nothing it depends on changed.
    reuse_reference: bool = True
    # Start without reading the history (it is still updated): a cold run, for measuring.
    ignore_history: bool = False


def earlier_rows(paths: list[Path]) -> list[dict]:
    """Result rows of earlier runs, oldest first: a mutation.json, or an --out folder
    (its mutation.json, then the rows its workers wrote, finished or not)."""
    rows: list[dict] = []
    for path in paths:
        report = path / "mutation.json" if path.is_dir() else path
        if report.is_file():
            rows += json.loads(report.read_text(encoding="utf-8")).get("mutants", [])
        if path.is_dir():
            for part in sorted((path / "mutation" / "results").glob("mutants-*.jsonl")):
                rows += [json.loads(line) for line in
                         part.read_text(encoding="utf-8").splitlines() if line.strip()]
    return rows


def load_history(path: Path | None) -> dict[str, str]:
    """``{mutant id: scenario node id}`` of the kill history; empty when there is none."""
    if path is None or not path.is_file():
        return {}
    data = json.loads(path.read_text(encoding="utf-8"))
    return {str(k): str(v) for k, v in data.items()} if isinstance(data, dict) else {}


def save_history(path: Path, history: dict[str, str]) -> bool:
    """Write the kill history; False when *path* cannot be written (an installed copy)."""
    try:
        path.write_text(json.dumps(history, indent=1, sort_keys=True) + "\n",
                        encoding="utf-8")
    except OSError:
        return False
    return True


def load_equivalent(path: Path = EQUIVALENT) -> dict[str, str]:
    """``{mutant id: reason}`` from the reviewed file; every entry must give a reason."""
    if not path.exists():
        return {}
    entries = config.load_toml(path).get("mutant", [])
    reasons = {}
    for entry in entries:
        if not entry.get("id") or not str(entry.get("reason", "")).strip():
            raise ValueError(f"{path}: each [[mutant]] needs an id and a reason: {entry}")
        if entry["id"] in reasons:
            raise ValueError(f"{path}: {entry['id']} is reviewed twice; keep one reason")
        reasons[entry["id"]] = entry["reason"]
    return reasons


# What a reference run depends on besides the browser: the whole harness package (the
# tracker, collector, scenarios, golden payloads; through _estate the sample sites and
# fixtures), minus the files a mutation run itself rewrites or only reads to settle rows.
NOT_INPUTS = ("killers.json", "equivalent.toml")


PACKAGE = shipped()


def reference_key(options: MutationOptions, root: Path = PACKAGE) -> str:
    """A digest of everything the reference run's outcome and coverage depend on."""
    from importlib.metadata import version

    from ..browsers import launch_spec

    try:  # the browser build and the driver count too: an upgrade reruns the reference
        spec = launch_spec("chromium")
        executable = spec.options.get("executable_path")
        built = os.stat(executable).st_mtime if executable else spec.source
        facts = [options.select, sys.version, version("playwright"), str(spec), built]
    except Exception:  # cannot tell what would run: never reuse a run
        return f"unknown-{time.time()}"
    digest = hashlib.sha256(json.dumps(facts).encode())
    for path in sorted(p for p in root.rglob("*") if p.is_file()):
        if "__pycache__" in path.parts or path.name in NOT_INPUTS:
            continue
        digest.update(str(path.relative_to(root)).encode() + b"\0" + path.read_bytes())
    for folder in ("sites", "fixtures"):  # rglob does not follow _estate's links
        estate = root / "_estate" / folder
        for path in sorted(p for p in estate.resolve().rglob("*") if p.is_file()):
            digest.update(str(path.relative_to(estate.resolve())).encode() + b"\0"
                          + path.read_bytes())
    return digest.hexdigest()


def reference_run(options: MutationOptions) -> tuple[dict, dict[str, list | None], bool]:
    """Run the reference over every Chromium scenario with coverage; return results, spans.

    A passing run is kept in ``<out>/mutation/reference.json`` with the digest of its
    inputs (:func:`reference_key`): the next run in the same folder with the same inputs
    reuses it instead of running the reference again."""
    cache = options.out / "mutation" / "reference.json"
    key = reference_key(options)
    if options.reuse_reference and cache.is_file():
        kept = json.loads(cache.read_text(encoding="utf-8"))
        if kept.get("key") == key:
            return kept["results"], kept["spans"], True
    folder = options.out / "mutation" / "coverage"
    for stale in folder.glob("*.jsonl"):
        stale.unlink()
    results = runner.execute(runner.RunOptions(
        browsers=["chromium"], workers=options.workers, out=options.out / "mutation" / "reference",
        title="webtrack gate --mutation: the reference, with coverage", select=options.select,
        extra_args=["-p", "harness.gate.plugin", "--webtrack-coverage", str(folder.resolve())]),
        stream=subprocess.DEVNULL)
    spans, waits = {}, {}
    for path in folder.glob("coverage-*.jsonl"):
        for line in path.read_text(encoding="utf-8").splitlines():
            record = json.loads(line)
            spans[record["nodeid"]] = record["spans"]
            if record.get("expect_s") is not None:
                waits[record["nodeid"]] = record["expect_s"]
    if not runner.failed(results):
        cache.write_text(json.dumps({"key": key, "results": results, "spans": spans,
                                     "waits": waits}), encoding="utf-8")
    return results, spans, False


def reference_waits(options: MutationOptions) -> dict[str, float]:
    """``{scenario node id: the longest the reference waited for an expected interaction}``
    from the reference run kept in *options.out* (empty without one: blanket waits)."""
    cache = options.out / "mutation" / "reference.json"
    if not cache.is_file():
        return {}
    return json.loads(cache.read_text(encoding="utf-8")).get("waits", {})


def _passing(results: dict) -> tuple[set[str], set[str], dict[str, float]]:
    """Scenario keys that passed, those whose payloads also match golden.json, durations."""
    from . import golden, payload_changes

    passed = {e["id"] for e in results["scenarios"]
              if e["results"].get("chromium", {}).get("outcome") == "passed"}
    changed = {c["scenario"] for c in payload_changes(results, golden.load())}
    durations = {e["id"]: e["results"]["chromium"]["duration"] for e in results["scenarios"]
                 if "chromium" in e["results"]}
    return passed, passed - changed, durations


def plan(mutants: list[operators.Mutant], spans: dict[str, list | None], passed: set[str],
         equivalent: dict[str, str], only: list[str] | None = None) -> tuple[list, list]:
    """Split mutants into rows settled without running (equivalent, not covered) and runs."""
    usable = {n: s for n, s in spans.items() if schedule.scenario_key(n) in passed}
    settled, runs = [], []
    for mutant in mutants:
        if only and mutant.id not in only and mutant.operator not in only:
            continue
        if mutant.id in equivalent:
            settled.append({"id": mutant.id, "status": "equivalent",
                            "message": equivalent[mutant.id]})
            continue
        scenarios = schedule.covering(mutant.start, mutant.end, usable)
        if not scenarios:
            settled.append({"id": mutant.id, "status": "not_covered",
                            "message": "no passing scenario runs this code"})
        else:
            runs.append({"id": mutant.id, "mutant": asdict(mutant), "scenarios": scenarios})
    return settled, runs


def mutant_command(plan_file: Path, select: str | None = None) -> list[str]:
    """One worker: a pytest process that takes mutants from the plan's queue."""
    command = [sys.executable, "-m", "pytest", str(runner.SCENARIOS), "-c",
               str(runner.SCENARIOS / "scenarios.ini"), "--rootdir",
               str(runner.SCENARIOS.parent.parent), "-q", "-p", "harness.gate.plugin",
               "--browser", "chromium", "--webtrack-mutants", str(plan_file.resolve())]
    return command + (["-k", select] if select else [])


def _follow(folder: Path, done: threading.Event, progress) -> None:
    """Hand each result line the workers append to *progress* as it comes."""
    offsets: dict[Path, int] = {}
    while True:
        finished = done.is_set()
        for path in sorted(folder.glob("mutants-*.jsonl")):
            with path.open("rb") as handle:
                handle.seek(offsets.get(path, 0))
                for line in handle.read().splitlines(keepends=True):
                    if not line.endswith(b"\n"):
                        break  # still being written
                    offsets[path] = offsets.get(path, 0) + len(line)
                    progress(json.loads(line))
        if finished:
            return
        done.wait(1.0)


def _hinted(rows: list[dict], mutants: dict[str, operators.Mutant],
            nodeids: set[str]) -> tuple[dict[str, str], list[dict]]:
    """``{mutant id: earlier killer}`` and the earlier kills, placed in the current script."""
    kills = schedule.hints(rows, nodeids)
    seed = [{**row, "function": mutants[i].function, "line": mutants[i].line}
            for i, row in kills.items() if i in mutants]
    return {i: row["by"] for i, row in kills.items()}, seed


def run_mutants(runs: list[dict], reference: str, stable: set[str],
                durations: dict[str, float], options: MutationOptions, progress=None,
                mutants: dict[str, operators.Mutant] | None = None,
                waits: dict[str, float] | None = None) -> list:
    """Run the mutants in supervised worker processes; return one result row per mutant.

    *waits* (:func:`reference_waits`) shorten each scenario's waits to what the reference
    needed (:func:`.schedule.bounds`); without them every scenario waits the blanket
    ``expect_wait`` and ``action_timeout``."""
    folder = options.out / "mutation" / "results"
    shutil.rmtree(folder, ignore_errors=True)  # earlier rows, claims and heartbeats
    folder.mkdir(parents=True)
    by_nodeid = {n: durations.get(schedule.scenario_key(n), 60.0)
                 for r in runs for n in r["scenarios"]}
    history = [{"id": i, "status": "killed", "by": by, "killer_s": 1.0}
               for i, by in load_history(None if options.ignore_history
                                         else options.history).items()]
    # The history first, then earlier runs named by --hints: the latest kill wins.
    first, seed = _hinted(history + earlier_rows(options.hints), mutants or {},
                          {n for r in runs for n in r["scenarios"]})
    runs = schedule.queue(runs, by_nodeid, first)
    plan_file = options.out / "mutation" / "plan.json"
    plan_file.write_text(json.dumps({
        "first": first, "seed": seed,
        "reference": reference, "mutants": runs, "stable": sorted(stable),
        "durations": by_nodeid, "out": str(folder.resolve()),
        "expect_wait": options.expect_wait, "waits": waits or {},
        "action_timeout_ms": options.action_timeout * 1000}), encoding="utf-8")
    done = threading.Event()
    follower = threading.Thread(target=_follow, args=(folder, done, progress or (lambda r: None)),
                                daemon=True)
    follower.start()
    workers = supervisor.Supervisor(folder, mutant_command(plan_file, options.select),
                                    options.workers, len(runs), options.out / "mutation")
    try:
        exits = workers.run()
    finally:
        done.set()
    follower.join()
    rows = {}
    for path in folder.glob("mutants-*.jsonl"):
        for line in path.read_text(encoding="utf-8").splitlines():
            row = json.loads(line)
            rows[row["id"]] = row
    for run in runs:  # workers that kept dying leave mutants unanswered: say so
        rows.setdefault(run["id"], {"id": run["id"], "status": "error", "by": None,
                                    "message": f"no result (worker exits {exits}; see "
                                               f"{options.out / 'mutation'}/pytest-w*.log)",
                                    "tried": 0})
    return [rows[run["id"]] for run in runs]


def children_cpu() -> float:
    """CPU seconds (user + system) of every finished child process so far: the child
    pytest runs, their workers and the browsers those waited for."""
    used = resource.getrusage(resource.RUSAGE_CHILDREN)
    return used.ru_utime + used.ru_stime


def mutation(options: MutationOptions, progress=None, stage=None) -> dict:
    """The whole mutation run: reference with coverage, mutants, score, survivors' diffs."""
    stage = stage or (lambda text: None)
    started, cpu_started = time.monotonic(), children_cpu()
    load = {"start": round(os.getloadavg()[0], 1)}  # a shared machine: say how busy it was
    source = SCRIPT.read_text(encoding="utf-8")
    equivalent = load_equivalent(options.equivalent)
    with ThreadPoolExecutor(1) as pool:  # generating overlaps the reference run
        generated = pool.submit(operators.generate, source)
        stage("reference run with coverage (Chromium)")
        results, spans, reused = reference_run(options)
        mutants = generated.result()
    timings: dict[str, float | int | None] = {
        "reference_s": round(time.monotonic() - started, 1),
        "reference_cpu_s": round(children_cpu() - cpu_started, 1),
        "reference_reused": reused}
    if reused:
        stage(f"reference unchanged since the last run in {options.out}: its results and "
              "coverage reused")
    if runner.failed(results):
        raise RuntimeError("the reference run failed; fix the scenarios before mutating: "
                           f"{options.out / 'mutation' / 'reference' / 'report.html'}")
    passed, stable, durations = _passing(results)
    settled, runs = plan(mutants, spans, passed, equivalent, options.only)
    stage(f"{len(mutants)} mutants: {len(runs)} to run, "
          f"{sum(r['status'] == 'equivalent' for r in settled)} reviewed as equivalent, "
          f"{sum(r['status'] == 'not_covered' for r in settled)} not covered")
    mutants_started, mutants_cpu = time.monotonic(), children_cpu()
    ran = run_mutants(runs, source, stable, durations, options, progress,
                      {m.id: m for m in mutants}, reference_waits(options))
    timings["mutants_s"] = round(time.monotonic() - mutants_started, 1)
    mutants_cpu_s = round(children_cpu() - mutants_cpu, 1)
    timings["mutants_cpu_s"] = mutants_cpu_s
    timings["cpu_s_per_mutant_run"] = round(mutants_cpu_s / len(runs), 2) if runs else None
    timings["scenario_runs"] = sum(r.get("tried", 0) for r in ran)
    timings["total_s"] = round(time.monotonic() - started, 1)
    timings["total_cpu_s"] = round(children_cpu() - cpu_started, 1)
    load["end"] = round(os.getloadavg()[0], 1)
    by_id = {m.id: m for m in mutants}
    rows = []
    for row in settled + ran:
        mutant = by_id[row["id"]]
        rows.append({"by": None, "how": None, "tried": 0, "message": None, **row,
                     "operator": mutant.operator, "function": mutant.function,
                     "line": mutant.line, "change": mutant.describe(),
                     "diff": mutant.diff(source) if row["status"] != "killed" else None,
                     "scenarios": next((len(r["scenarios"]) for r in runs
                                        if r["id"] == row["id"]), 0)})
    rows.sort(key=lambda r: (by_id[r["id"]].start, r["id"]))
    counts = schedule.score(rows)
    operator_counts: dict[str, dict] = {}
    for row in rows:
        entry = operator_counts.setdefault(row["operator"], {"total": 0, "killed": 0})
        entry["total"] += 1
        entry["killed"] += row["status"] in schedule.DETECTED
    stale = sorted(set(equivalent) - set(by_id))
    if options.history is not None:
        save_history(options.history, schedule.remembered(
            load_history(options.history), rows, set(by_id), whole=options.select is None))
    return {"script": str(SCRIPT), "summary": counts, "seconds": timings,
            "workers": options.workers, "scenarios": len(spans), "load_average": load,
            "operators": operator_counts, "stale_equivalent": stale,
            "survivors": [r for r in rows if r["status"] in ("survived", "not_covered",
                                                             "error")],
            # Stopped at a scenario's time limit, the reference passing it within the same.
            "timeouts": [r for r in rows if r["status"] == "timeout"],
            "time_limit": {"factor": schedule.LIMIT_FACTOR,
                           "margin_s": schedule.LIMIT_MARGIN_S,
                           "startup_s": schedule.LIMIT_STARTUP_S},
            "mutants": rows, "passed": counts["score"] >= 95.0}
