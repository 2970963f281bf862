"""Gate the hand-written probes (:mod:`.human`) the way ``webtrack gate mutation`` gates
mechanical mutants: the reference run with coverage (reused when unchanged), then each
probe against the Chromium scenarios that cover its edit, stopping at the first failure
or payload difference.

    .venv/bin/python -m harness.gate.probes.run [--out DIR] [-n 2] [NAME ...]
"""

from __future__ import annotations

import argparse
import json
from dataclasses import asdict
from pathlib import Path

from ...tracker import SCRIPT
from .. import mutation, operators, schedule
from ..mutants import Mutant
from .human import PROBES


def as_operator_mutant(probe: Mutant, source: str) -> operators.Mutant:
    """One replacement covering every edit of *probe*, from its first to its last."""
    spans = []
    for old, _ in probe.edits:
        at = source.find(old)
        if at < 0 or source.count(old) != 1:
            raise ValueError(f"probe {probe.name}: {old!r} is not in the tracker exactly once")
        spans.append((at, at + len(old)))
    start, end = min(s for s, _ in spans), max(e for _, e in spans)
    replacement = probe.apply(source)[start:len(probe.apply(source)) - (len(source) - end)]
    return operators.Mutant(id=f"human@{probe.name}", operator="human", function="probe",
                            start=start, end=end, original=source[start:end],
                            replacement=replacement, line=source.count("\n", 0, start) + 1)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("names", nargs="*")
    parser.add_argument("--out", type=Path, default=Path("reports/probes"))
    parser.add_argument("-n", type=int, default=2)
    parser.add_argument("--all-scenarios", action="store_true",
                        help="run every passing scenario, not only those covering the edit")
    args = parser.parse_args()
    source = SCRIPT.read_text(encoding="utf-8")
    probes = [p for p in PROBES if not args.names or p.name in args.names]
    options = mutation.MutationOptions(out=args.out, workers=args.n, history=None)
    results, spans, _ = mutation.reference_run(options)
    passed, stable, durations = mutation._passing(results)
    usable = {n: s for n, s in spans.items() if schedule.scenario_key(n) in passed}
    runs = []
    for probe in probes:
        mutant = as_operator_mutant(probe, source)
        assert mutant.apply(source) == probe.apply(source), probe.name
        scenarios = list(usable) if args.all_scenarios else \
            schedule.covering(mutant.start, mutant.end, usable)
        runs.append({"id": mutant.id, "mutant": asdict(mutant), "scenarios": scenarios})
    rows = mutation.run_mutants(runs, source, stable, durations, options,
                                lambda row: print(row["id"], row["status"], row.get("by"),
                                                  flush=True))
    (args.out / "probes.json").write_text(json.dumps(rows, indent=1), encoding="utf-8")
    for row in rows:
        print(f"{row['status']:9} {row['id']:45} {row.get('by')} tried={row.get('tried')}")


if __name__ == "__main__":
    main()
