"""Fixtures the scenario modules share, and the gate's selection of them."""

import json

import pytest

from harness.gate import schedule, selection
from harness.scenarios.probes import known_visitor


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.getgroup("webtrack").addoption(
        "--webtrack-only", metavar="FILE",
        help="Run only the Chromium scenarios FILE chooses (written by webtrack gate), "
             "every scenario it does not know, and every other browser's.")


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
