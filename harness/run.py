"""``webtrack run``: the packaged scenarios under pytest(-xdist), then one report of them.

The scenarios run in a child pytest (so the user's own configuration cannot change what
the contract run means), which reports each scenario's outcome through a hook
(:mod:`harness.outcomes`, one JSON line each); those lines and the evidence each scenario
wrote become ``results.json``, ``junit.xml`` and a self-contained ``report.html``.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import threading
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

from . import browsers as browser_discovery
from . import outcomes, remote, reports, shards
from .exitcodes import CLEAN, FINDINGS, UNCHECKED
from .resources import SCENARIOS
from .tracker import SCRIPT

VERDICTS = {CLEAN: "pass", FINDINGS: "fail", UNCHECKED: "incomplete"}
OUTCOMES = "outcomes.jsonl"  # what the child run reports, one scenario run a line


@dataclass
class RunOptions:
    """What to run and where to write it."""

    browsers: list[str] = field(default_factory=lambda: ["chromium", "firefox"])
    workers: int = 2
    out: Path = Path("reports/run")
    script: Path | None = None
    select: str | None = None  # a pytest -k expression
    title: str = "webtrack run"
    extra_args: list[str] = field(default_factory=list)
    shard: tuple[int, int] | None = None  # (K, N): shard K of N, split by pytest-split
    durations: Path | None = None  # a previous run's durations.json, to balance the shards
    settings_file: str = "defaults"  # where the settings came from, named in the report


def expand_browsers(names: list[str]) -> list[str]:
    """Return the browsers to run: ``all`` means every browser installed here."""
    if "all" in names:
        return browser_discovery.available()
    return names


def pytest_command(options: RunOptions) -> list[str]:
    out = options.out.resolve()
    command = [sys.executable, "-m", "pytest", str(SCENARIOS), "-c",
               str(SCENARIOS / "scenarios.ini"), "--rootdir", str(SCENARIOS.parent.parent),
               "-q", "-rfE", "-p", "harness.outcomes", "--webtrack-outcomes", str(out / OUTCOMES),
               "--webtrack-evidence", str(out / "evidence"),
               "--webtrack-traces", str(out / "traces")]
    for name in options.browsers:
        command += ["--browser", name]
    if options.workers > 1:
        command += ["-n", str(options.workers)]
    if options.script:
        command += ["--webtrack-script", str(Path(options.script).resolve())]
    if options.select:
        command += ["-k", options.select]
    command += shards.split_args(options.shard, options.durations)
    return command + list(options.extra_args)


def execute(options: RunOptions, stream=None, abort: threading.Event | None = None) -> dict:
    """Run the scenarios and write the reports; return the results as plain data.

    Setting *abort* stops the run at once (the child pytest, its workers and their
    browsers); the results then hold whatever had finished.
    """
    out = options.out
    for stale in (out / "evidence", out / "traces"):
        shutil.rmtree(stale, ignore_errors=True)
    (out / OUTCOMES).unlink(missing_ok=True)  # a child that never starts writes none
    out.mkdir(parents=True, exist_ok=True)
    started = time.time()
    # Only a run that may be aborted gets a session of its own, to be ended as a whole;
    # otherwise it stays in ours, so a Ctrl-C or a SIGTERM to the group reaches it too.
    process = subprocess.Popen(pytest_command(options), stdout=stream,
                               stderr=subprocess.STDOUT, start_new_session=abort is not None)
    try:
        while process.poll() is None:
            if abort is None:
                process.wait()
            elif abort.wait(0.1):
                terminate(process)
    except BaseException:  # Ctrl-C reaches a child in our group, not one in its own session
        if abort is not None:
            terminate(process)
        raise
    lines = outcomes.read(out / OUTCOMES)
    results = collect(options, lines, time.time() - started, process.wait())
    write(out, results)
    # What the next sharded run balances its shards by.
    reports.write_json(out / "durations.json", shards.durations_of(lines))
    return results


def terminate(process: subprocess.Popen) -> None:
    """End the child run and everything it started (its session's process group)."""
    for sig, grace in ((signal.SIGTERM, 5), (signal.SIGKILL, 5)):
        try:
            os.killpg(process.pid, sig)
            process.wait(grace)
            return
        except ProcessLookupError:
            return
        except subprocess.TimeoutExpired:
            continue


def collect(options: RunOptions, lines: list[dict], duration: float, exit_code: int) -> dict:
    """Group the child run's outcome *lines* by scenario, each with the evidence it wrote."""
    scenarios_by_id: dict[str, dict] = {}
    for line in lines:
        entry = scenarios_by_id.setdefault(line["scenario"], {
            "id": line["scenario"], "module": line["module"], "section": line["section"],
            "behaviour": line["scenario"].split("::", 1)[-1].removeprefix("test_")
            .replace("_", " "), "results": {}})
        entry["results"][line["browser"]] = {
            "outcome": line["outcome"], "duration": line["duration"],
            "message": line["message"].strip()[:4000],
            "evidence": _evidence(line["evidence"]),
            "trace": Path(os.path.relpath(line["trace"], options.out.resolve())).as_posix()
            if line["trace"] else None}
    entries = sorted(scenarios_by_id.values(), key=lambda e: (e["module"], e["id"]))
    outcomes = [r["outcome"] for e in entries for r in e["results"].values()]
    results = {
        "title": options.title,
        "config": {**{k: str(v) if isinstance(v, Path) else v
                      for k, v in asdict(options).items()},
                   "launch": {b: _source(b) for b in options.browsers}},
        "summary": {"passed": outcomes.count("passed"), "failed": outcomes.count("failed"),
                    "skipped": outcomes.count("skipped"), "total": len(outcomes),
                    "duration": round(duration, 1), "pytest_exit": exit_code},
        "browsers": options.browsers,
        "scenarios": entries,
    }
    code, why = verdict(results)
    results["verdict"] = {"exit": code, "label": VERDICTS[code], "why": why}
    return results


def _evidence(path: str | None) -> dict | None:
    """The evidence record a scenario wrote (cookies, interactions, stats, screenshot)."""
    if not path:
        return None
    try:
        return json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def _source(name: str) -> str:
    serving = [e.url for e in remote.from_env() if e.serves(name)]
    if serving:
        return "browser server " + ", ".join(serving)
    try:
        return browser_discovery.launch_spec(name).source
    except browser_discovery.BrowserNotFound as exc:
        return str(exc)


def write(out: Path, results: dict) -> None:
    """Write results.json, junit.xml and report.html into *out*."""
    reports.write_json(out / "results.json", results)
    cases = []
    for entry in results["scenarios"]:
        for browser, result in entry["results"].items():
            cases.append({"name": f"{entry['id']} [{browser}]", "classname": entry["module"],
                          "time": result["duration"],
                          "failure": result["message"] if result["outcome"] == "failed" else None,
                          "skipped": result["message"] if result["outcome"] == "skipped"
                          else None})
    reports.write_junit(out / "junit.xml", results["title"], cases)
    code, why = verdict(results)
    html = reports.render("run.html.jinja", results=results, evidence_dir=out / "evidence",
                          script=describe_script(results["config"]),
                          verdict={"exit": code, "label": VERDICTS[code], "why": why})
    (out / "report.html").write_text(html, encoding="utf-8")


def describe_script(config: dict) -> str:
    """Name the tracking script under test (``script``, or ``--webtrack-script`` among the
    extra pytest arguments), as the report's header shows it."""
    extra = list(config.get("extra_args") or [])
    for i, arg in enumerate(extra):
        if arg.startswith("--webtrack-script="):
            return arg.split("=", 1)[1]
        if arg == "--webtrack-script" and i + 1 < len(extra):
            return extra[i + 1]
    return config.get("script") or \
        f"the reference tracker ({Path(SCRIPT).name}, served as /tracker.js)"


def failed(results: dict) -> bool:
    """True when any scenario failed, or the run itself did (no results, pytest error)."""
    summary = results["summary"]
    return summary["failed"] > 0 or summary["total"] == 0 or summary["pytest_exit"] not in (0,)


# What a child pytest's own exit status means when it is not about scenario outcomes.
PYTEST_EXITS = {2: "interrupted", 3: "an internal error", 4: "a usage error",
                5: "no tests collected"}


def verdict(results: dict) -> tuple[int, str]:
    """Return the command's exit code and, unless clean, why (see :mod:`harness.exitcodes`)."""
    summary, select = results["summary"], results["config"].get("select")
    if summary["total"] == 0:
        if select:
            return UNCHECKED, f"nothing selected: -k {select!r} matches no scenario"
        why = PYTEST_EXITS.get(summary["pytest_exit"], f"exit {summary['pytest_exit']}")
        return UNCHECKED, f"no scenario ran (pytest: {why})"
    if summary["pytest_exit"] in (2, 3, 4):
        return UNCHECKED, (f"the run did not complete (pytest: "
                           f"{PYTEST_EXITS[summary['pytest_exit']]})")
    if summary["failed"]:
        return FINDINGS, f"{summary['failed']} scenario run(s) failed"
    return CLEAN, ""
