"""Run every benchmark beside its floor, in one process, and print the README's table.

    .venv/bin/python bench/run.py            # all but the whole-suite timing
    .venv/bin/python bench/run.py --suite    # also the whole suite with 2 workers vs its floor

Results go to bench/results.json. Each figure is a ratio against a floor measured in the
same run, since absolute times on a shared 2-core machine mean little.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
sys.path.insert(0, str(HERE))

import audits  # noqa: E402
import browsers  # noqa: E402
import cost  # noqa: E402
import ingest  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description="Every benchmark beside its floor, in one "
                                     "run; results in bench/results.json.")
    parser.add_argument("--suite", action="store_true",
                        help="also time the whole suite with 2 workers against its floor")
    options = parser.parse_args()
    results = {"when": time.strftime("%Y-%m-%d %H:%M"), "tracker_cost": cost.measure()}
    results["tracker_cost"]["targets_met"] = cost.verdicts(results["tracker_cost"])
    print("tracker cost", results["tracker_cost"]["targets_met"], flush=True)
    results["ingest"] = ingest.measure()
    print("ingest", results["ingest"], flush=True)
    results["ingest_grown"] = ingest.measure(preload=100_000)
    print("ingest with 100k stored", results["ingest_grown"], flush=True)
    results["ingest_profiles"] = {n: ingest.measure(profiles=n) for n in (1_000, 10_000)}
    print("ingest across 1k and 10k profiles", results["ingest_profiles"], flush=True)
    results["scenario"] = browsers.measure()
    print("scenario", results["scenario"], flush=True)
    results["audit_static"] = audits.static(10)
    results["audit_static_x10"] = audits.static(100)
    print("audit static", results["audit_static"], results["audit_static_x10"], flush=True)
    results["audit_rendered"] = audits.rendered()
    print("audit rendered", results["audit_rendered"], flush=True)
    results["consent"] = audits.consent_states()
    results["consent_x3"] = audits.consent_states(copies=3)
    print("consent", results["consent"], results["consent_x3"], flush=True)
    results["consent_auto"] = audits.consent_auto()
    print("consent auto", results["consent_auto"], flush=True)
    if options.suite:
        results["suite"] = browsers.suite(workers=2)
        print("suite", results["suite"], flush=True)
    (HERE / "results.json").write_text(json.dumps(results, indent=1) + "\n")
    print(cost.markdown(results["tracker_cost"]))
    print(table(results))


def table(r: dict) -> str:
    i, g = r["ingest"], r["ingest_grown"]
    rows = [
        *cost.rows(r["tracker_cost"]),
        ("Ingest floor (`/healthz`, same server)", f"{i['floor_requests_per_s']} req/s", ""),
        ("Ingest, single-event deliveries",
         f"{i['single']['deliveries_per_s']}/s (p50 {i['single']['p50_ms']} ms, "
         f"p99 {i['single']['p99_ms']} ms) = {i['single']['ratio_to_floor']}× floor", "≥ 0.5×"),
        ("Ingest, batches of 20",
         f"{i['batched']['events_per_s']} events/s (p50 {i['batched']['p50_ms']} ms, "
         f"p99 {i['batched']['p99_ms']} ms) = {i['batched']['ratio_to_floor']}× floor",
         "≥ 10,000 events/s"),
        ("Ingest, events lost", f"{i['lost']} of {i['sent_events']}", "0"),
        ("Ingest batched with 100k interactions stored",
         f"{g['batched']['events_per_s']} events/s", "flat"),
        *[(f"Ingest across {int(n):,} profiles",
           f"single {p['single']['deliveries_per_s']}/s = {p['single']['ratio_to_floor']}× floor, "
           f"batches {p['batched']['events_per_s']} events/s", "flat")
          for n, p in r["ingest_profiles"].items()],
    ]
    for name, s in r["scenario"].items():
        rows.append((f"Scenario vs bare visit, {name}",
                     f"{s['scenario_ms']} ms vs {s['bare_ms']} ms = {s['ratio']}×", "≤ 1.5×"))
    a, a10 = r["audit_static"], r["audit_static_x10"]
    rows += [
        ("Static audit", f"{a['audit_pages_per_s']} pages/s ({a['pages']} pages; parse-only "
         f"floor {a['parse_only_pages_per_s']}/s)", "≥ 200 pages/s"),
        ("Static audit, 10× pages", f"{a10['audit_pages_per_s']} pages/s ({a10['pages']} pages)",
         "linear"),
        ("Rendered audit", f"{r['audit_rendered']['audit_pages_per_s']} pages/s (bare load "
         f"floor {r['audit_rendered']['bare_load_pages_per_s']}/s)", "≥ 5 pages/s"),
        *[(f"Consent audit, {c['states']} site-states",
           f"{c['states_per_s']} site-states/s (bare load floor {c['bare_loads_per_s']}/s "
           f"at the same concurrency, {c['concurrency']}; {c['settle_seconds']} s simulated "
           "after each)", "≥ 5/s") for c in (r["consent"], r["consent_x3"])],
    ]
    if "consent_auto" in r:
        c = r["consent_auto"]
        rows.append((f"Consent audit, CMP sites with `auto` ({c['states']} site-states)",
                     f"{c['states_per_s']} site-states/s (bare load floor "
                     f"{c['bare_loads_per_s']}/s at concurrency {c['concurrency']}; "
                     f"{c['errors']} errors)", "≥ 5/s"))
    if "suite" in r:
        u = r["suite"]
        rows.append((f"Whole contract, both browsers, {u['workers']} workers "
                     f"({sum(u['scenarios'].values())} scenario runs)",
                     f"{u['suite_s']} s vs floor {u['floor_s']} s (one bare visit per run "
                     f"÷ workers) = {u['ratio']}×", "≤ 2×"))
    lines = ["| figure | measured | target |", "|---|---|---|"]
    return "\n".join(lines + [f"| {a} | {b} | {c} |" for a, b, c in rows])


if __name__ == "__main__":
    main()
