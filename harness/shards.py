"""Split a run across CI jobs and join the shards' reports back into one.

Splitting is pytest-split's (``--splits N --group K``), balanced by the durations a
previous run wrote (``durations.json``, pytest-split's format); merging reads each shard's
``results.json`` and writes one ``results.json``, ``junit.xml`` and ``report.html``.
"""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

__all__ = ["durations_of", "merge", "merge_dirs", "parse_shard", "split_args"]


def parse_shard(value: str) -> tuple[int, int]:
    """``"2/3"`` → ``(2, 3)``: shard K of N, counted from 1."""
    match = re.fullmatch(r"\s*(\d+)\s*/\s*(\d+)\s*", value or "")
    if not match:
        raise ValueError(f"{value!r}: expected K/N, e.g. 1/2")
    k, n = int(match.group(1)), int(match.group(2))
    if n < 1 or not 1 <= k <= n:
        raise ValueError(f"{value!r}: K must be between 1 and N")
    return k, n


def split_args(shard: tuple[int, int] | None, durations: Path | None) -> list[str]:
    """pytest-split's options for *shard*, balanced by *durations* when that file exists."""
    if not shard:
        return []
    args = ["--splits", str(shard[1]), "--group", str(shard[0]),
            "--splitting-algorithm", "least_duration"]
    if durations and Path(durations).is_file():
        args += ["--durations-path", str(Path(durations).resolve())]
    else:  # no timings yet: every scenario counts the same
        args += ["--durations-path", str(Path("/nonexistent/durations.json"))]
    return args


def durations_of(outcomes: list[dict]) -> dict[str, float]:
    """``{nodeid: seconds}`` of a run's outcome lines, in pytest-split's ``.test_durations``
    form."""
    return {line["nodeid"]: line["duration"] for line in outcomes if "::" in line["nodeid"]}


def merge(shards: list[dict]) -> dict:
    """One run's results from its shards' results; a scenario in two shards is an error."""
    if not shards:
        raise ValueError("nothing to merge")
    scenarios: dict[str, dict] = {}
    for index, shard in enumerate(shards):
        for entry in shard["scenarios"]:
            merged = scenarios.setdefault(entry["id"], {**entry, "results": {}})
            for browser, result in entry["results"].items():
                if browser in merged["results"]:
                    raise ValueError(f"{entry['id']} [{browser}] is in more than one shard "
                                     f"(shard {index + 1} again): the shards overlap")
                merged["results"][browser] = result
    entries = sorted(scenarios.values(), key=lambda e: (e["module"], e["id"]))
    outcomes = [r["outcome"] for e in entries for r in e["results"].values()]
    exits = [s["summary"]["pytest_exit"] for s in shards]
    browsers = []
    for shard in shards:
        browsers += [b for b in shard["browsers"] if b not in browsers]
    config = {**shards[0]["config"], "shard": None,
              "shards": [s["config"].get("shard") for s in shards]}
    results = {
        "title": shards[0]["title"],
        "config": config,
        "summary": {"passed": outcomes.count("passed"), "failed": outcomes.count("failed"),
                    "skipped": outcomes.count("skipped"), "total": len(outcomes),
                    # shards run side by side: the run took as long as its slowest shard
                    "duration": max(s["summary"]["duration"] for s in shards),
                    "pytest_exit": next((e for e in exits if e), 0)},
        "browsers": browsers,
        "scenarios": entries,
    }
    from .run import VERDICTS, verdict

    code, why = verdict(results)
    results["verdict"] = {"exit": code, "label": VERDICTS[code], "why": why}
    return results


def merge_dirs(folders: list[Path], out: Path) -> dict:
    """Merge the shards written in *folders* into *out*; return the merged results."""
    from . import reports, run

    shards = []
    for folder in folders:
        path = Path(folder) / "results.json"
        try:
            shards.append(json.loads(path.read_text(encoding="utf-8")))
        except FileNotFoundError:
            raise ValueError(f"{folder}: no results.json (is it a webtrack run's output?)") \
                from None
        except json.JSONDecodeError as exc:
            raise ValueError(f"{path}: not valid JSON: {exc}") from None
    results = merge(shards)
    out.mkdir(parents=True, exist_ok=True)
    durations: dict[str, float] = {}
    for folder in folders:
        timings = Path(folder) / "durations.json"
        if timings.is_file():
            durations.update(json.loads(timings.read_text(encoding="utf-8")))
        for part in ("evidence", "traces"):
            if (Path(folder) / part).is_dir() and Path(folder).resolve() != out.resolve():
                shutil.copytree(Path(folder) / part, out / part, dirs_exist_ok=True)
    run.write(out, results)
    reports.write_json(out / "durations.json", durations)  # balances the next sharded run
    return results
