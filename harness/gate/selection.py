"""Which scenarios a gate runs: the reference coverage map, kept and checked, and the plan.

The map is what a mutation run computes first: every Chromium scenario run once with the
reference tracker, with its precise coverage (:func:`.mutation.reference_run`). It is kept
in ``<out>/mutation/gate-map.json`` under a digest of everything it depends on (the whole
package, the sample sites, the browser build, Python and Playwright): a gate in the same
``--out`` with the same inputs reuses it (or a mutation run's ``reference.json``); anything
else builds it again (one full reference run, once). A scenario the reference did not pass
cleanly there always runs. The gate never trusts a map for other inputs: a map whose digest
differs is rebuilt, and one that cannot be built makes every scenario run.

Coverage is Chromium's only, so only Chromium scenarios are selected: Firefox runs every
one (its code paths are not the same: feature checks, event order, its own storage).
"""

from __future__ import annotations

import json
from pathlib import Path

from . import impact, mutation, schedule

SELECTED_BROWSER = "chromium"


def cache_file(out: Path) -> Path:
    """The mutation run's kept reference run (results and coverage) in *out*."""
    return out / "mutation" / "reference.json"


def map_file(out: Path) -> Path:
    """The gate's own copy of the map: kept even when the reference failed a scenario
    (which then always runs), where the mutation run keeps only a passing reference."""
    return out / "mutation" / "gate-map.json"


def _key(out: Path) -> str:
    return mutation.reference_key(mutation.MutationOptions(out=out))


def entries_of(results: dict, spans: dict[str, list | None]) -> dict[str, impact.Entry]:
    """``{scenario key: Entry}`` from a reference run's results and its spans by node id."""
    from . import golden, payload_changes

    passed = {e["id"] for e in results["scenarios"]
              if e["results"].get(SELECTED_BROWSER, {}).get("outcome") == "passed"}
    changed = {c["scenario"] for c in payload_changes(results, golden.load())}
    entries = {}
    for nodeid, covered in spans.items():
        key = schedule.scenario_key(nodeid)
        spans_of = None if covered is None else [(int(s), int(e)) for s, e in covered]
        entries[key] = impact.Entry(spans_of, key in passed and key not in changed)
    return entries


def _read(path: Path, key: str) -> tuple[dict[str, impact.Entry] | None, str]:
    try:
        kept = json.loads(path.read_text(encoding="utf-8"))
        if kept["key"] != key:
            return None, (f"the reference coverage map in {path} is stale (the package, "
                          "sites, browser or Playwright changed since)")
        if "entries" in kept:
            return {k: impact.Entry(None if e["spans"] is None else
                                    [(int(s), int(t)) for s, t in e["spans"]], bool(e["ok"]))
                    for k, e in kept["entries"].items()}, f"reused {path}"
        return entries_of(kept["results"], kept["spans"]), f"reused {path}"
    except (OSError, ValueError, KeyError, TypeError) as exc:
        return None, f"the reference coverage map in {path} is unreadable ({exc!r})"


def load(out: Path) -> tuple[dict[str, impact.Entry] | None, str]:
    """The kept map for today's inputs (the gate's own, else a mutation run's), or None
    and why there is none."""
    key, why = _key(out), []
    for path in (map_file(out), cache_file(out)):
        if path.is_file():
            entries, how = _read(path, key)
            if entries is not None:
                return entries, how
            why.append(how)
    return None, "; ".join(why) or f"no reference coverage map in {out / 'mutation'}"


def save(out: Path, key: str, entries: dict[str, impact.Entry]) -> Path:
    path = map_file(out)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps({"key": key, "entries": {
        k: {"spans": e.spans, "ok": e.ok} for k, e in sorted(entries.items())}}),
        encoding="utf-8")
    return path


def build(out: Path, workers: int) -> tuple[dict[str, impact.Entry] | None, str]:
    """Run the reference with coverage and keep the map (under the digest of the inputs
    as they were when it started)."""
    key = _key(out)
    options = mutation.MutationOptions(out=out, workers=workers)
    try:
        results, spans, _ = mutation.reference_run(options)
    except Exception as exc:  # a map that cannot be built: every scenario runs
        return None, f"the reference coverage map could not be built ({exc!r})"
    if not spans:
        return None, "the reference run recorded no coverage"
    entries = entries_of(results, spans)
    failing = sum(not e.ok for e in entries.values())
    return entries, (f"built {save(out, key, entries)}" + (
        f" ({failing} scenarios the reference did not pass cleanly: they always run)"
        if failing else ""))


def plan(reference: str, candidate: str, out: Path, workers: int,
         build_map: bool = True, before_build=None) -> dict:
    """The selection: ``run`` (scenario keys) and ``known`` (keys in the map), or ``run``
    None when every scenario runs; with the changes and the reasons, for the report.

    *before_build* is called before a missing map is built (the gate waits for its canary
    there, so a broken candidate is not held up by a reference run).
    """
    mapping = impact.compare(reference, candidate)
    selection: dict = {"mode": "selected", "changes": [c.describe(reference)
                                                       for c in mapping.changes],
                       "identical": mapping.identical, "map": None, "fallback": None,
                       "run": None, "known": None, "why": {},
                       "firefox": "every scenario (coverage is Chromium's only)"}
    if mapping.everything:
        return {**selection, "mode": "all", "fallback": mapping.everything}
    entries, how = load(out)
    if entries is None and build_map:
        if before_build is not None and before_build() is False:
            return {**selection, "mode": "all", "fallback": "stopped before the map was built"}
        stale = how
        entries, how = build(out, workers)
        how = f"{stale}; {how}"
    elif entries is None:
        how += "; not built for a gate of part of the contract (-k)"
    selection["map"] = how
    if entries is None:
        return {**selection, "mode": "all", "fallback": how}
    why = impact.choose(mapping, entries, entries)
    return {**selection, "run": sorted(why), "known": sorted(entries), "why": why}


def keeps(key: str, browser: str | None, run: set[str], known: set[str]) -> bool:
    """Whether the child run keeps a scenario: every one outside Chromium, every one not in
    the map (new, or not a browser scenario), and the chosen ones."""
    return browser != SELECTED_BROWSER or key not in known or key in run


def write(selection: dict, path: Path) -> Path:
    """The file the child run's ``--webtrack-only`` reads."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps({"run": selection["run"], "known": selection["known"]}),
                    encoding="utf-8")
    return path
