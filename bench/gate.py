"""The gate's own timings: a full gate in Chromium, a broken candidate stopped early, and
the mechanical mutation run (time and score).

    .venv/bin/python bench/gate.py               # gate and fail-fast timings
    .venv/bin/python bench/gate.py --mutation    # also the whole mutation run (minutes)
    .venv/bin/python bench/gate.py --mutation-from reports/gate   # record a finished run
    .venv/bin/python bench/gate.py --mutation-from part1 part2 …  # a run made in parts
    .venv/bin/python bench/gate.py --baseline DIR   # before/after: DIR is an export of an
                                                    # earlier commit, run with this venv
    .venv/bin/python bench/gate.py --selection [NAME…]  # full vs test-impact-selected gate,
                                 # side by side, on the reference and single edits (or NAME…)
    .venv/bin/python bench/gate.py --soundness [STEP]  # gate every hand-written mutant and
                                                 # every STEP-th mechanical one, selection on
    .venv/bin/python bench/gate.py --waits-from BEFORE AFTER  # two runs of the same mutants
                  # (--out folders, e.g. old code and this code): where each mutant's time went

Updates the ``gate`` (and ``mutation``) entries of bench/results.json, with the machine's
load average beside each, since these 2-core machines are shared and the figures are wall
times of whole runs. The floor for the gate is a bare ``webtrack run`` of the same scenarios
in the same browser: what the gate adds is the difference.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import proc

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
SILENT = '(function () { "use strict"; })();\n'


def tree_cpu(root: int, seen: dict[int, float]) -> None:
    """Record in *seen* the CPU seconds of every process under *root* (the highest value
    read for each, so one that ended since the last look keeps its last reading)."""
    found = proc.processes()
    for pid in proc.tree(root, found):
        seen[pid] = max(seen.get(pid, 0.0), found[pid][1] / proc.TICKS)


def _timed(*args: str, code: Path = ROOT) -> tuple[float, int, str, float]:
    """Wall time, exit code, load average and CPU seconds (every process the command
    started, sampled from ``/proc``: less sensitive to the machine's load than wall time)
    of ``webtrack ARGS`` run from *code*."""
    load = os.getloadavg()[0]
    started = time.perf_counter()
    env = {**os.environ, "PYTHONPATH": str(code)}
    seen: dict[int, float] = {}
    with subprocess.Popen([sys.executable, "-m", "harness", *args], cwd=code, env=env,
                          stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL) as process:
        while process.poll() is None:
            tree_cpu(process.pid, seen)
            time.sleep(0.2)
    return (round(time.perf_counter() - started, 1), process.returncode, f"{load:.1f}",
            round(sum(seen.values()), 1))


def versus(baseline: Path) -> dict:
    """The gate and a silent candidate's fail-fast, the code in *baseline* and this code
    interleaved in one run: the ratio means something on a shared machine."""
    out = Path(tempfile.mkdtemp(prefix="webtrack-bench-versus-"))
    script = str(ROOT / "harness" / "tracker" / "tracker.js")
    silent = out / "silent.js"
    silent.write_text(SILENT, encoding="utf-8")
    rows: dict = {}
    for label, code in (("before", baseline), ("after", ROOT)):
        gate_s, gate_exit, gate_load, gate_cpu = _timed(
            "gate", "--script", script, "--browser", "chromium", "--no-cost",
            "--out", str(out / label / "gate"), code=code)
        fast_s, fast_exit, fast_load, _ = _timed(
            "gate", "--script", str(silent), "--browser", "chromium",
            "--out", str(out / label / "silent"), code=code)
        report = json.loads((out / label / "silent" / "report.json").read_text("utf-8"))
        stopped = report["gate"]["stopped_early"] or {}
        rows[label] = {"gate_chromium_s": gate_s, "gate_exit": gate_exit,
                       "gate_cpu_s": gate_cpu,
                       "silent_candidate_s": fast_s, "silent_exit": fast_exit,
                       "silent_stopped_after_s": stopped.get("after_seconds"),
                       "silent_stopped_early": stopped.get("reason"),
                       "load_average": {"gate": gate_load, "silent": fast_load}}
        print(label, rows[label], flush=True)
    rows["gate_ratio_after_before"] = round(
        rows["after"]["gate_chromium_s"] / rows["before"]["gate_chromium_s"], 2)
    rows["gate_cpu_ratio_after_before"] = round(
        rows["after"]["gate_cpu_s"] / rows["before"]["gate_cpu_s"], 2)
    return rows


def gate() -> dict:
    """Wall time of the gate in Chromium alone, beside a plain run; and of a fail-fast."""
    out = Path(tempfile.mkdtemp(prefix="webtrack-bench-gate-"))
    script = str(ROOT / "harness" / "tracker" / "tracker.js")
    run_s, _, run_load, run_cpu = _timed("run", "--browser", "chromium",
                                         "--out", str(out / "run"))
    gate_s, gate_exit, gate_load, gate_cpu = _timed("gate", "--script", script, "--browser",
                                                    "chromium", "--out", str(out / "gate"))
    silent = out / "silent.js"
    silent.write_text(SILENT, encoding="utf-8")
    fast_s, fast_exit, fast_load, _ = _timed("gate", "--script", str(silent), "--browser",
                                             "chromium", "--out", str(out / "silent"))
    report = json.loads((out / "silent" / "report.json").read_text(encoding="utf-8"))
    return {"run_chromium_s": run_s, "gate_chromium_s": gate_s, "gate_exit": gate_exit,
            "run_cpu_s": run_cpu, "gate_cpu_s": gate_cpu,
            "gate_overhead_s": round(gate_s - run_s, 1),
            "silent_candidate_s": fast_s, "silent_exit": fast_exit,
            "silent_stopped_early": (report["gate"]["stopped_early"] or {}).get("reason"),
            "load_average": {"run": run_load, "gate": gate_load, "silent": fast_load}}


# Single edits inside functions (a top-level edit reaches every scenario): hand-written
# mutants of harness/gate/mutants.py, each a plausible regression.
EDITS = ("outbound-inverted", "title-cut", "enter-counted-twice")


def _gate_report(out: Path) -> dict:
    return json.loads((out / "report.json").read_text(encoding="utf-8"))["gate"]


def selection(only: list[str] | None = None) -> dict:
    """The gate in Chromium with every scenario (``--all``) and with test-impact selection,
    side by side on the same candidates (*only*: these of them), one coverage map for all
    (built first, timed)."""
    sys.path.insert(0, str(ROOT))
    from harness.gate.mutants import MUTANTS
    from harness.tracker import SCRIPT

    out = Path(tempfile.mkdtemp(prefix="webtrack-bench-selection-"))
    candidates = {"reference": SCRIPT}
    for mutant in MUTANTS:
        if mutant.name in EDITS:
            candidates[mutant.name] = mutant.write(SCRIPT, out / "candidates")
    base = ["gate", "--browser", "chromium", "--no-cost", "--out", str(out / "gate")]
    # The map: a selected gate of the reference into an empty folder builds it (one full
    # reference run with coverage), then runs the reference's smoke set.
    cold_s, cold_exit, cold_load, cold_cpu = _timed(*base, "--script", str(SCRIPT), "--impact")
    cold = _gate_report(out / "gate")["selection"]
    rows: dict = {"map_build_and_first_gate": {
        "wall_s": cold_s, "cpu_s": cold_cpu, "exit": cold_exit, "load_average": cold_load,
        "map": cold.get("map")}}
    for name, script in candidates.items():
        if only and name not in only:
            continue
        row = {}
        for mode, extra in (("all", ["--all"]), ("selected", ["--impact"])):
            wall, code, load, cpu = _timed(*base, "--script", str(script), *extra)
            chosen = _gate_report(out / "gate")["selection"]
            row[mode] = {"wall_s": wall, "cpu_s": cpu, "exit": code, "load_average": load,
                         "chromium_ran": chosen.get("chromium"),
                         "fallback": chosen.get("fallback"),
                         "changes": len(chosen.get("changes") or [])}
        row["wall_ratio_selected_all"] = round(row["selected"]["wall_s"] / row["all"]["wall_s"],
                                               2)
        row["cpu_ratio_selected_all"] = round(row["selected"]["cpu_s"] / row["all"]["cpu_s"], 2)
        rows[name] = row
        print(name, row, flush=True)
    return rows


def soundness(step: int) -> dict:
    """Gate every hand-written mutant and every *step*-th mechanical one with selection on
    (one shared coverage map): each must fail. Returns the rows and the survivors."""
    sys.path.insert(0, str(ROOT))
    from harness.gate import GateOptions, gate, mutation, operators
    from harness.gate.mutants import MUTANTS
    from harness.tracker import SCRIPT

    out = Path(tempfile.mkdtemp(prefix="webtrack-bench-soundness-"))
    source = SCRIPT.read_text(encoding="utf-8")
    scripts = [(m.name, m.write(SCRIPT, out / "candidates")) for m in MUTANTS]
    equivalent = mutation.load_equivalent()  # reviewed: the full gate passes them too
    for mutant in [m for m in operators.generate(source) if m.id not in equivalent][::step]:
        path = out / "candidates" / f"{mutant.id.replace('/', '_')}.js"
        path.write_text(mutant.apply(source), encoding="utf-8")
        scripts.append((mutant.id, path))
    rows = []
    for name, path in scripts:
        started = time.perf_counter()
        result = gate(GateOptions(script=path, browsers=["chromium"], workers=2,
                                  out=out / "gate", map_dir=out, measure_cost=False,
                                  maxfail=1, everything=False))
        chosen = result["selection"]
        row = {"mutant": name, "caught": not result["passed"],
               "by": ([f["scenario"] for f in result["failed"]]
                      + [c["scenario"] for c in result["payload_changes"]]
                      + ([result["stopped_early"]["reason"][:80]]
                         if result["stopped_early"] else []))[:1],
               "mode": chosen["mode"], "chromium_ran": chosen.get("chromium"),
               "fallback": chosen.get("fallback"), "seconds": round(time.perf_counter()
                                                                    - started, 1)}
        rows.append(row)
        print(row, flush=True)
    return {"step": step, "mutants": len(rows),
            "survivors": [r["mutant"] for r in rows if not r["caught"]], "rows": rows}


def mutation() -> dict:
    """The whole mechanical mutation run in Chromium: wall time, score, survivors."""
    out = Path(tempfile.mkdtemp(prefix="webtrack-bench-mutation-"))
    seconds, code, load, cpu = _timed("gate", "mutation", "--out", str(out))
    return {"wall_s": seconds, "cpu_s": cpu, "exit": code,
            "load_average_start": load, **summary(out)}


def summary(out: Path) -> dict:
    """Score, counts, phase times and survivors of the mutation run reported in *out*."""
    result = json.loads((out / "mutation.json").read_text(encoding="utf-8"))
    return {**result["summary"], "phases_s": result["seconds"], "workers": result["workers"],
            "load_average": result.get("load_average"),
            "survivors": [r["id"] for r in result["survivors"]],
            "timeouts": [r["id"] for r in result.get("timeouts", [])]}


def merged(parts: list[Path]) -> dict:
    """One score over a run made in parts (by ``--mutant`` ids, on a busy machine): each
    mutant of the current tracker takes its row from the last part that ran it, reviewed
    equivalents from equivalent.toml; a mutant no part ran counts against the score."""
    sys.path.insert(0, str(ROOT))
    from harness.gate import mutation, operators, schedule
    from harness.tracker import SCRIPT

    rows = {row["id"]: row for row in mutation.earlier_rows(parts)}
    equivalent = mutation.load_equivalent()
    final = []
    for mutant in operators.generate(SCRIPT.read_text(encoding="utf-8")):
        if mutant.id in equivalent:
            final.append({"id": mutant.id, "status": "equivalent"})
        else:
            final.append(rows.get(mutant.id, {"id": mutant.id, "status": "not_run"}))
    counts = schedule.score(final)
    counts["not_run"] = sum(r["status"] == "not_run" for r in final)
    phases, loads = {}, {}
    for part in parts:
        report = part / "mutation.json"
        if report.is_file():
            result = json.loads(report.read_text(encoding="utf-8"))
            phases[part.name] = result["seconds"]
            loads[part.name] = result.get("load_average")
    return {**counts, "parts": [str(p) for p in parts], "phases_s": phases,
            "load_average": loads, "survivors": [r["id"] for r in final if r["status"] in (
                "survived", "not_covered", "error", "not_run")]}


WAITED_OUT = ("within ", "Timeout ", "stayed in the address bar")  # something never came


def waits(before: Path, after: Path) -> dict:
    """Two mutation runs of the same mutants side by side (*before*: the blanket waits,
    *after*: this code's): what each mutant's scenarios cost, and how much of it was
    waiting out something that never came (an expected interaction, a browser action)."""
    import statistics

    def side(out: Path) -> dict:
        result = json.loads((out / "mutation.json").read_text(encoding="utf-8"))
        ran = [r for r in result["mutants"] if r["status"] not in ("equivalent", "not_covered")]
        waited = [r for r in ran if any(w in (r.get("message") or "") for w in WAITED_OUT)]
        seconds = [r.get("seconds") or 0.0 for r in ran]
        return {"mutants": len(ran), "score": result["summary"]["score"],
                "killed": result["summary"]["killed"], "timeout": result["summary"]["timeout"],
                "mutants_s": result["seconds"]["mutants_s"],
                "mutants_cpu_s": result["seconds"]["mutants_cpu_s"],
                "load_average": result.get("load_average"),
                "mutant_s_sum": round(sum(seconds), 1),
                "mutant_s_median": round(statistics.median(seconds), 2) if seconds else None,
                "waited_out": len(waited),
                "waited_out_s_median": round(statistics.median(
                    r.get("seconds") or 0.0 for r in waited), 2) if waited else None,
                "confirmations": sum(r.get("confirmed", 0) for r in ran),
                "ids": sorted(r["id"] for r in ran)}

    old, new = side(before), side(after)
    same = old.pop("ids") == new.pop("ids")
    return {"before": {"dir": str(before), **old}, "after": {"dir": str(after), **new},
            "same_mutants": same,
            "ratio_mutant_s_sum": round(new["mutant_s_sum"] / old["mutant_s_sum"], 2)
            if old["mutant_s_sum"] else None,
            "ratio_mutants_wall": round(new["mutants_s"] / old["mutants_s"], 2)
            if old["mutants_s"] else None}


def _arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0],
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog="With no option: the gate and fail-fast timings. Results go to bench/results.json.")
    mode = parser.add_mutually_exclusive_group()
    mode.add_argument("--baseline", type=Path, metavar="DIR",
                      help="before/after: DIR is an export of an earlier commit, run with "
                           "this venv")
    mode.add_argument("--selection", nargs="*", metavar="NAME",
                      help="full vs test-impact-selected gate, side by side, on the reference "
                           "and single edits (or the edits NAME…)")
    mode.add_argument("--soundness", nargs="?", type=int, const=25, metavar="STEP",
                      help="gate every hand-written mutant and every STEP-th mechanical one "
                           "(default 25), selection on")
    mode.add_argument("--mutation-from", nargs="+", type=Path, metavar="REPORT_DIR",
                      help="record a finished mutation run (several directories: a run made "
                           "in parts)")
    mode.add_argument("--waits-from", nargs=2, type=Path, metavar=("BEFORE", "AFTER"),
                      help="two finished runs of the same mutants, side by side: where each "
                           "mutant's time went")
    mode.add_argument("--mutation", action="store_true",
                      help="the gate timings, then the whole mutation run (minutes)")
    return parser.parse_args()


def main() -> None:
    args = _arguments()
    path = HERE / "results.json"
    results = json.loads(path.read_text(encoding="utf-8")) if path.exists() else {}
    now = time.strftime("%Y-%m-%d %H:%M")
    if args.baseline is not None:
        baseline = args.baseline.resolve()
        results["gate_versus"] = {"when": now, "baseline": str(baseline), **versus(baseline)}
        print("gate_versus", results["gate_versus"], flush=True)
    elif args.selection is not None:
        load = os.getloadavg()
        results["gate_selection"] = {"when": now, "uptime_load": [round(x, 1) for x in load],
                                     **selection(args.selection)}
        print("gate_selection", results["gate_selection"], flush=True)
    elif args.soundness is not None:
        results["gate_soundness"] = {"when": now, **soundness(args.soundness)}
        print("gate_soundness", {k: v for k, v in results["gate_soundness"].items()
                                 if k != "rows"}, flush=True)
    elif args.waits_from is not None:
        results["mutation_waits"] = {"when": now, **waits(*args.waits_from)}
        print("mutation_waits", results["mutation_waits"], flush=True)
    elif args.mutation_from is not None:
        parts = args.mutation_from
        figures = summary(parts[0]) if len(parts) == 1 else merged(parts)
        results["mutation"] = {"when": now, **figures}
        print("mutation", results["mutation"], flush=True)
    else:
        results["gate"] = {"when": now, **gate()}
        print("gate", results["gate"], flush=True)
    if args.mutation:
        results["mutation"] = {"when": time.strftime("%Y-%m-%d %H:%M"), **mutation()}
        print("mutation", results["mutation"], flush=True)
    path.write_text(json.dumps(results, indent=1) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
