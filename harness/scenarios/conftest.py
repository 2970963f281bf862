"""Fixtures the scenario modules share, the gate's selection of them, and the check of
each run's payloads against the golden ones."""

import json
from pathlib import Path

import pytest

from harness import outcomes
from harness.gate import golden, schedule, selection
from harness.plugin import phase_reports
from harness.scenarios.probes import known_visitor

RECORD = ".venv/bin/webtrack gate update-golden --browser chromium --browser firefox"


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("webtrack")
    group.addoption(
        "--webtrack-only", metavar="FILE",
        help="Run only the Chromium scenarios FILE chooses (written by webtrack gate), "
             "every scenario it does not know, and every other browser's.")
    group.addoption(
        "--webtrack-golden", metavar="FILE|off", default=str(golden.GOLDEN),
        help="Compare each passing browser scenario's payloads with its golden entry in "
             "FILE, as the gate does, and fail it when they differ or it has none "
             "(default: the shipped golden.json). `off`: not compared, as webtrack run "
             "and gate ask through scenarios.ini.")


@pytest.hookimpl(trylast=True)  # after -k: what it kept
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    path = config.getoption("--webtrack-only")
    if not path:
        return
    with open(path, encoding="utf-8") as handle:
        chosen = json.load(handle)
    run, known = set(chosen["run"]), set(chosen["known"])
    kept: list[pytest.Item] = []
    dropped: list[pytest.Item] = []
    for item in items:
        callspec = getattr(item, "callspec", None)
        browser = callspec.params.get("browser_name") if callspec else None
        keep = selection.keeps(schedule.scenario_key(item.nodeid), browser, run, known)
        (kept if keep else dropped).append(item)
    if dropped:
        config.hook.pytest_deselected(items=dropped)
        items[:] = kept


@pytest.fixture
def tracked(visitor, webtrack):
    """A known visitor on the shop's home page; returns their profile id."""
    return known_visitor(visitor, webtrack)


@pytest.fixture(scope="session")
def golden_payloads(pytestconfig) -> dict | None:
    """The golden payloads every scenario run is compared with (None: not compared)."""
    choice = pytestconfig.getoption("--webtrack-golden")
    if choice == "off":
        return None
    path = Path(choice)
    if not path.is_file():
        pytest.fail(f"no golden payloads at {path}: record them with {RECORD}", pytrace=False)
    return golden.load(path)


@pytest.fixture(autouse=True)
def _golden_check(request, golden_payloads):
    """Fail a passing browser scenario whose payloads differ from its golden entry, or that
    has none, in a browser the goldens were recorded in: the gate compares every candidate
    with them, so a stale entry would fail every gate, the reference's too.

    What is compared is what the gate's evidence holds: the collector's interactions once
    the visitor has settled, taken before the page closes (:mod:`harness.plugin`).
    """
    if golden_payloads is None or "page" not in request.fixturenames:
        yield
        return
    request.getfixturevalue("page")
    client = request.getfixturevalue("webtrack") if "webtrack" in request.fixturenames \
        else None
    visitor = request.getfixturevalue("visitor") if "visitor" in request.fixturenames \
        else None
    yield
    call = phase_reports(request.node).get("call")
    scenario = outcomes.scenario_of(request.node)
    key, browser = scenario["scenario"], scenario["browser"]
    if call is None or not call.passed or \
            not any(browser in entry for entry in golden_payloads.values()):
        return  # as the gate: only a passing run, in a browser the goldens know
    if visitor is not None:
        visitor.settle()
    found = golden.differences(golden_payloads, key, browser,
                               client.interactions() if client is not None else [])
    where = request.config.getoption("--webtrack-golden")
    if found is None:
        pytest.fail(f"{key} has no golden payloads for {browser} in {where}. Record them "
                    f"from the reference: {RECORD} (it rewrites the whole file)",
                    pytrace=False)
    if found:
        shown = "\n  ".join(found[:10]) + ("\n  ..." if len(found) > 10 else "")
        cause = "--webtrack-script delivers other payloads than the reference" \
            if request.config.getoption("--webtrack-script") else \
            f"if the scenario changed on purpose, re-record them: {RECORD}"
        pytest.fail(f"{key} [{browser}]: payloads differ from its golden entry in {where} "
                    f"('reference' is the golden entry, 'candidate' this run), so every "
                    f"gate would fail on them:\n  {shown}\n{cause}", pytrace=False)
