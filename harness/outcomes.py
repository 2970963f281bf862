"""The pytest side of ``webtrack run``: each scenario run's outcome as one JSON line.

The child pytest loads this plugin (``-p harness.outcomes --webtrack-outcomes FILE``). Where a
test runs, its report is tagged with what the test item knows (scenario, browser, contract
section); where reports are gathered (the only process, or xdist's controller), one line per
test is written once its last phase is reported: outcome, duration, message, and where its
evidence and Playwright trace are. Lines are flushed as they are written, so a run that is
stopped keeps what had finished.
"""

from __future__ import annotations

import json
from collections.abc import Generator
from pathlib import Path
from typing import IO, Any

import pytest

from .evidence import slug

TAG = "webtrack"  # the user property scenario reports carry


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.getgroup("webtrack").addoption(
        "--webtrack-outcomes", metavar="FILE",
        help="Write each test's outcome (scenario, browser, outcome, duration, evidence) as "
             "a JSON line to FILE.")


def pytest_configure(config: pytest.Config) -> None:
    path = config.getoption("--webtrack-outcomes")
    if path and not hasattr(config, "workerinput"):  # xdist workers send their reports up
        config.pluginmanager.register(Writer(Path(path), config), "webtrack-outcomes")


def scenario_of(item: pytest.Item) -> dict[str, str]:
    """What a scenario is, from its test item: ``module::test[params]`` without the browser
    (the key golden payloads are stored under), the browser, and the contract section (the
    first line of the module's docstring)."""
    module = Path(str(item.path)).stem
    callspec = getattr(item, "callspec", None)
    browser = callspec.params.get("browser_name") if callspec else None
    params = without_browser(callspec.id if callspec else "", browser)
    name = getattr(item, "originalname", item.name)
    doc = (getattr(getattr(item, "module", None), "__doc__", None) or "").strip()
    return {"scenario": f"{module}::{name}" + (f"[{params}]" if params else ""),
            "module": module, "section": doc.splitlines()[0] if doc else module,
            "browser": browser or "-"}


def without_browser(ids: str, browser: str | None) -> str:
    """A test's parameter ids without its browser's, which pytest-playwright puts first."""
    if not browser or not ids:
        return ids
    if ids == browser:
        return ""
    if ids.startswith(f"{browser}-"):
        return ids[len(browser) + 1:]
    return ids.replace(f"-{browser}", "", 1)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo
                              ) -> Generator[None, pytest.TestReport, pytest.TestReport]:
    report = yield
    # A property of the report, not of the item: it travels with the report through xdist.
    report.user_properties = [*report.user_properties, (TAG, scenario_of(item))]
    return report


def outcome_of(reports: list[pytest.TestReport]) -> tuple[str, str]:
    """One test's outcome and message from its phases' reports (as JUnit would count it:
    an error in setup or teardown is a failure, an expected failure a skip)."""
    for report in reports:
        if report.failed:
            return "failed", report.longreprtext
    for report in reports:
        if report.skipped:
            reason = getattr(report, "wasxfail", None)
            if reason is None and isinstance(report.longrepr, tuple):
                reason = str(report.longrepr[2]).removeprefix("Skipped: ")
            return "skipped", str(reason or "")
    return "passed", ""


class Writer:
    """Gather each test's phase reports; write its line when the last one arrives."""

    def __init__(self, path: Path, config: pytest.Config) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self.file: IO[str] = path.open("w", encoding="utf-8")
        evidence = config.getoption("--webtrack-evidence", None)
        self.evidence = Path(evidence).resolve() if evidence else None
        # The webtrack plugin's own traces when it keeps them; else pytest-playwright's.
        self.traces = Path(config.getoption("--webtrack-traces", None) or
                           config.getoption("--output", "test-results")).resolve()
        self.pending: dict[str, list[pytest.TestReport]] = {}

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        self.pending.setdefault(report.nodeid, []).append(report)
        # "teardown" ends a test; xdist reports a crashed worker's test in one other phase.
        if report.when not in ("setup", "call"):
            self.write(report.nodeid, self.pending.pop(report.nodeid))

    def pytest_collectreport(self, report: pytest.CollectReport) -> None:
        if report.failed:  # a scenario module that cannot be collected fails, not vanishes
            name = Path(report.nodeid.split("::")[0]).stem
            self.emit({"nodeid": report.nodeid, "scenario": f"{name}::(collection)",
                       "module": name, "section": name, "browser": "-", "outcome": "failed",
                       "duration": 0.0, "message": report.longreprtext,
                       "evidence": None, "trace": None})

    def pytest_sessionfinish(self) -> None:
        for nodeid, reports in list(self.pending.items()):  # a test cut short: keep it
            self.write(nodeid, reports)
        self.file.close()

    def write(self, nodeid: str, reports: list[pytest.TestReport]) -> None:
        tags = dict(reports[0].user_properties).get(TAG)
        if not isinstance(tags, dict):  # a test xdist lost with its worker: no item to ask
            tags = {"scenario": nodeid.rsplit("/", 1)[-1], "module": "", "section": "",
                    "browser": "-"}
        outcome, message = outcome_of(reports)
        self.emit({"nodeid": nodeid, **tags, "outcome": outcome,
                   "duration": round(sum(r.duration for r in reports), 3),
                   "message": message, "evidence": self.evidence_file(nodeid),
                   "trace": self.trace_file(nodeid)})

    def emit(self, line: dict[str, Any]) -> None:
        self.file.write(json.dumps(line, default=str) + "\n")
        self.file.flush()

    def evidence_file(self, nodeid: str) -> str | None:
        """The evidence the webtrack plugin wrote for *nodeid*, if it did."""
        if self.evidence is None:
            return None
        path = self.evidence / f"{slug(nodeid)}.json"
        return str(path) if path.is_file() else None

    def trace_file(self, nodeid: str) -> str | None:
        """The Playwright trace kept for *nodeid* (by ``--webtrack-traces`` or
        pytest-playwright's ``--tracing``), if one was."""
        from slugify import slugify  # pytest-playwright's own naming of its artifact folders

        name = slugify(nodeid)
        folders = [self.traces / name] if len(name) < 256 else \
            sorted(self.traces.glob(f"{name[:100]}-*"))
        for folder in folders:
            for trace in sorted(folder.glob("trace*.zip")):
                return str(trace)
        return None


def read(path: Path) -> list[dict]:
    """The lines a run wrote (none when it wrote no file)."""
    if not path.is_file():
        return []
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()
            if line.strip()]
