"""Where the gate's CPU goes: by kind of process and by scenario.

    .venv/bin/python bench/gate_profile.py [--select EXPR] [--workers N] [--code DIR]
                                           [--top N] [--label NAME]
    .venv/bin/python bench/gate_profile.py --baseline DIR [--rounds N] [--select EXPR]

Runs ``webtrack gate --script harness/tracker/tracker.js --browser chromium --no-cost``
(with *DIR*'s code, by default this tree's) while sampling ``/proc`` every 25 ms: every
process the command started, by kind (Chromium's browser, renderers, GPU and network
processes, Playwright's node driver, the Python workers' main thread apart from their
other threads, which are the in-process collector's server, the controller, the gate with
its canary), and, through a pytest plugin (``bench/phaselog.py``) that logs when each
test phase ran in which worker, by scenario and phase: each CPU delta of a worker's
process tree goes to the phase that worker was in. Linux only. The sampler's own CPU is
not counted. Prints a summary; ``--label`` also stores it in bench/results.json under
``gate_profile[label]``. With ``--baseline DIR`` (an export of another commit, run with
this venv), the two are profiled alternately, *N* rounds each, and compared by their
median CPU seconds, whole and by kind of process: a ratio measured in one run means
something on a shared machine where the figures alone do not.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections import defaultdict
from pathlib import Path

import proc
from cpu_steps import _kind

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
INTERVAL = 0.025


class TreeSampler:
    """Every process under *root*: its kind, its parent, and (time, CPU ticks) samples;
    a Python process's main thread and its other threads are sampled apart."""

    def __init__(self, root: int) -> None:
        self.root = root
        self.kinds: dict[tuple[int, int], str] = {}
        self.parent: dict[int, int] = {}
        self.samples: dict[tuple[int, int], list[tuple[float, int]]] = defaultdict(list)
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self.stop.is_set():
            self.sample()
            self.stop.wait(INTERVAL)
        self.sample()

    def sample(self) -> None:
        found = proc.processes()
        now = time.monotonic()
        for pid in proc.tree(self.root, found):
            if pid not in found:
                continue  # the root, not started yet or ended
            self.parent.setdefault(pid, found[pid][0])
            try:
                if (pid, 0) not in self.kinds and (pid, 1) not in self.kinds:
                    with open(f"/proc/{pid}/cmdline", "rb") as f:
                        cmdline = f.read().replace(b"\0", b" ").decode(errors="replace")
                    if Path(cmdline.split(" ", 1)[0]).name.startswith("python"):
                        self.kinds[(pid, 1)] = "python main thread"
                        self.kinds[(pid, 2)] = "python other threads (collector)"
                    else:
                        # Chromium's helpers may be started as /proc/self/exe --type=…
                        self.kinds[(pid, 0)] = _kind(pid, cmdline.replace(
                            "/proc/self/exe", "chromium", 1), -1)
                if (pid, 1) in self.kinds:
                    # The process's stat holds its ended threads too: the rest is theirs.
                    with open(f"/proc/{pid}/task/{pid}/stat", encoding="utf-8") as f:
                        main = proc.parse_stat(f.read())[1]
                    self.samples[(pid, 1)].append((now, main))
                    self.samples[(pid, 2)].append((now, found[pid][1] - main))
                else:
                    self.samples[(pid, 0)].append((now, found[pid][1]))
            except (OSError, IndexError, ValueError):
                continue  # ended meanwhile: its last sample stands


def _phases(path: Path) -> dict[int, list[dict]]:
    by_worker: dict[int, list[dict]] = defaultdict(list)
    if path.exists():
        for line in path.read_text(encoding="utf-8").splitlines():
            entry = json.loads(line)
            by_worker[entry["pid"]].append(entry)
    for entries in by_worker.values():
        entries.sort(key=lambda e: e["start"])
    return by_worker


def _phase_at(entries: list[dict], t: float) -> tuple[str, str]:
    """(test, phase) a worker was in at *t*; between tests, ("(between tests)", "")."""
    for entry in entries:  # a few hundred: linear is fine
        if entry["start"] <= t <= entry["end"]:
            return entry["test"], entry["phase"]
    if entries and t < entries[0]["start"]:
        return "(worker start-up)", ""
    if entries and t > entries[-1]["end"]:
        return "(worker shut-down)", ""
    return "(between tests)", ""


def attribute(sampler: TreeSampler, phases: dict[int, list[dict]]) -> dict:
    """Put each process's CPU down to its kind, and a worker's tree's to test phases."""
    def worker_of(pid: int) -> int | None:
        seen = set()
        while pid not in phases and pid not in seen and pid in sampler.parent:
            seen.add(pid)
            pid = sampler.parent[pid]
        return pid if pid in phases else None

    tick = proc.TICKS
    by_kind: dict[str, float] = defaultdict(float)
    by_phase: dict[str, float] = defaultdict(float)
    by_test: dict[str, dict[str, float]] = defaultdict(lambda: defaultdict(float))
    kind_phase: dict[str, dict[str, float]] = defaultdict(lambda: defaultdict(float))
    outside: dict[str, float] = defaultdict(float)
    for key, samples in sampler.samples.items():
        kind = sampler.kinds[key]
        worker = worker_of(key[0])
        role = kind if worker is not None else f"outside workers: {kind}"
        previous_t, previous = samples[0][0], 0  # a process counts from its start
        for t, ticks in samples:
            spent = (ticks - previous) / tick
            if spent > 0:
                by_kind[role] += spent
                if worker is None:
                    outside[kind] += spent
                else:
                    test, phase = _phase_at(phases[worker], (t + previous_t) / 2)
                    by_test[test][phase or "-"] += spent
                    by_phase[phase or test] += spent
                    kind_phase[kind][phase or test] += spent
            previous_t, previous = t, ticks
    return {"by_kind": by_kind, "by_phase": by_phase, "by_test": by_test,
            "kind_phase": kind_phase}


def profile(code: Path, select: str | None, workers: int) -> dict:
    out = Path(tempfile.mkdtemp(prefix="webtrack-bench-profile-"))
    log = out / "phases.jsonl"
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(code), str(HERE)]),
           "PYTEST_PLUGINS": "phaselog", "WEBTRACK_PHASE_LOG": str(log)}
    command = [sys.executable, "-m", "harness", "gate", "--script",
               str(ROOT / "harness" / "tracker" / "tracker.js"), "--browser", "chromium",
               "--no-cost", "-n", str(workers), "--out", str(out / "gate")]
    if select:
        command += ["-k", select]
    load = os.getloadavg()
    started = time.perf_counter()
    with subprocess.Popen(command, cwd=code, env=env, stdout=subprocess.DEVNULL,
                          stderr=subprocess.DEVNULL) as process:
        sampler = TreeSampler(process.pid)
        sampler.thread.start()
        process.wait()
        sampler.stop.set()
        sampler.thread.join()
    wall = time.perf_counter() - started
    report = json.loads((out / "gate" / "report.json").read_text(encoding="utf-8"))
    found = attribute(sampler, _phases(log))
    tests = {t: sum(p.values()) for t, p in found["by_test"].items() if not t.startswith("(")}
    modules: dict[str, float] = defaultdict(float)
    for test, cpu in tests.items():
        modules[test.split("::")[0].rsplit("/", 1)[-1]] += cpu
    total = sum(found["by_kind"].values())
    return {
        "when": time.strftime("%Y-%m-%d %H:%M"), "code": str(code), "select": select,
        "workers": workers, "wall_s": round(wall, 1), "cpu_s": round(total, 1),
        "exit": process.returncode, "summary": report["gate"]["summary"],
        "load_average": {"start": [round(x, 1) for x in load],
                         "end": [round(x, 1) for x in os.getloadavg()]},
        "scenarios": len(tests),
        "cpu_per_scenario_s": round(sum(tests.values()) / max(len(tests), 1), 3),
        "by_kind": _rounded(found["by_kind"]),
        "by_phase": _rounded(found["by_phase"]),
        "kind_by_phase": {k: _rounded(v) for k, v in found["kind_phase"].items()},
        "by_module": _rounded(modules),
        "tests": {t: {"cpu": round(tests[t], 2), **_rounded(found["by_test"][t], 2)}
                  for t in sorted(tests, key=lambda t: -tests[t])},
    }


def _rounded(values: dict[str, float], digits: int = 1) -> dict[str, float]:
    return {k: round(v, digits) for k, v in sorted(values.items(), key=lambda kv: -kv[1])}


def versus(baseline: Path, select: str | None, workers: int, rounds: int) -> dict:
    """Profile *baseline* and this tree alternately; compare their median CPU seconds."""
    runs: dict[str, list[dict]] = {"before": [], "after": []}
    for _ in range(rounds):
        for label, code in (("before", baseline), ("after", ROOT)):
            found = profile(code, select, workers)
            found.pop("tests")
            runs[label].append(found)
            print(label, found["cpu_s"], "CPU-s", found["wall_s"], "s wall, exit",
                  found["exit"], "load", found["load_average"]["start"][0], flush=True)

    def median(label: str, pick) -> float:
        return round(statistics.median(pick(r) for r in runs[label]), 2)

    kinds = sorted({k for r in runs["before"] + runs["after"] for k in r["by_kind"]})
    by_kind = {k: {label: median(label, lambda r, k=k: r["by_kind"].get(k, 0.0))
                   for label in runs} for k in kinds}
    before, after = median("before", lambda r: r["cpu_s"]), median("after", lambda r: r["cpu_s"])
    return {"when": time.strftime("%Y-%m-%d %H:%M"), "baseline": str(baseline),
            "select": select, "rounds": rounds,
            "cpu_s": {"before": before, "after": after},
            "cpu_ratio_after_before": round(after / before, 3),
            "wall_s": {label: median(label, lambda r: r["wall_s"]) for label in runs},
            "by_kind": {k: v for k, v in by_kind.items() if max(v.values()) >= 0.1},
            "by_phase": {p: {label: median(label, lambda r, p=p: r["by_phase"].get(p, 0.0))
                             for label in runs}
                         for p in ("setup", "call", "teardown")},
            "load_average": {label: [r["load_average"]["start"][0] for r in runs[label]]
                             for label in runs}}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--select", "-k", help="a pytest -k expression")
    parser.add_argument("--workers", "-n", type=int, default=2)
    parser.add_argument("--code", type=Path, default=ROOT,
                        help="the tree whose harness to run (an export of another commit)")
    parser.add_argument("--top", type=int, default=25, help="scenarios listed")
    parser.add_argument("--label", help="store under gate_profile[LABEL] in results.json")
    parser.add_argument("--baseline", type=Path,
                        help="compare with this tree (an export of another commit)")
    parser.add_argument("--rounds", type=int, default=2, help="runs of each, with --baseline")
    args = parser.parse_args()
    if args.baseline:
        compared = versus(args.baseline.resolve(), args.select, args.workers, args.rounds)
        print(json.dumps(compared, indent=1))
        if args.label:
            _store(args.label, compared)
        return
    found = profile(args.code.resolve(), args.select, args.workers)
    brief = {k: v for k, v in found.items() if k != "tests"}
    print(json.dumps(brief, indent=1))
    print(f"\ntop {args.top} scenarios by CPU-s (setup/call/teardown):")
    for test, row in list(found["tests"].items())[:args.top]:
        print(f"  {row['cpu']:6.2f}  {row.get('setup', 0):5.2f} {row.get('call', 0):5.2f} "
              f"{row.get('teardown', 0):5.2f}  {test}")
    if args.label:
        _store(args.label, found)


def _store(label: str, found: dict) -> None:
    path = HERE / "results.json"
    results = json.loads(path.read_text(encoding="utf-8"))
    results.setdefault("gate_profile", {})[label] = found
    path.write_text(json.dumps(results, indent=1) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
