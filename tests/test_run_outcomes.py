"""The hook `webtrack run` learns results by: one JSON line per scenario run."""

import json

import pytest

from harness import outcomes, run, shards

SUITE = '''
"""Contract section 9: a suite of its own."""
import pytest

@pytest.mark.parametrize("browser_name", ["chromium", "firefox"])
@pytest.mark.parametrize("key", ["Enter-KEnter", "a-b"])
def test_keys(browser_name, key):
    assert not (browser_name == "firefox" and key == "a-b"), "firefox broke " + key

def test_plain():
    pass

@pytest.mark.skip(reason="not today")
def test_skipped():
    pass

@pytest.mark.xfail(reason="known gap", strict=True)
def test_known_gap():
    assert False

@pytest.fixture
def broken_teardown():
    yield
    raise RuntimeError("teardown broke")

def test_teardown_error(broken_teardown):
    pass
'''


@pytest.mark.parametrize("ids, browser, without", [
    ("chromium", "chromium", ""),
    ("chromium-#add-lamp-- -KSpace", "chromium", "#add-lamp-- -KSpace"),
    ("firefox-chromium", "firefox", "chromium"),  # only the browser's own id goes
    ("disabled-firefox-opted_in", "firefox", "disabled-opted_in"),
    ("a-b", None, "a-b"),
    ("", None, ""),
])
def test_the_browser_leaves_the_scenario_id(ids, browser, without):
    assert outcomes.without_browser(ids, browser) == without


@pytest.mark.parametrize("workers", [[], ["-n", "2"]], ids=["one process", "xdist"])
def test_each_test_is_one_line_wherever_it_ran(pytester, tmp_path, workers):
    pytester.makepyfile(test_suite=SUITE)
    lines_file = tmp_path / "outcomes.jsonl"
    # Without workers, in this process: the hook is the same and a child's start proves
    # nothing here; with them, a child of its own, as xdist's workers must report up.
    runpytest = pytester.runpytest_subprocess if workers else pytester.runpytest_inprocess
    result = runpytest(
        "-p", "no:playwright", "-p", "no:webtrack", "-p", "no:cacheprovider",
        "-p", "no:hypothesispytest", "-p", "no:anyio",
        "-p", "harness.outcomes", "--webtrack-outcomes", str(lines_file), *workers)
    assert result.ret == 1, result.stdout.str()
    rows = outcomes.read(lines_file)
    assert len(rows) == 8  # once each, not once per process as well
    assert {(r["scenario"], r["browser"]): r["outcome"] for r in rows} == {
        ("test_suite::test_keys[Enter-KEnter]", "chromium"): "passed",
        ("test_suite::test_keys[Enter-KEnter]", "firefox"): "passed",
        ("test_suite::test_keys[a-b]", "chromium"): "passed",
        ("test_suite::test_keys[a-b]", "firefox"): "failed",
        ("test_suite::test_plain", "-"): "passed",
        ("test_suite::test_skipped", "-"): "skipped",
        ("test_suite::test_known_gap", "-"): "skipped",
        ("test_suite::test_teardown_error", "-"): "failed",
    }
    lines = {(r["scenario"], r["browser"]): r for r in rows}
    assert "firefox broke a-b" in lines["test_suite::test_keys[a-b]", "firefox"]["message"]
    lines = {r["scenario"]: r for r in rows}
    assert lines["test_suite::test_skipped"]["message"] == "not today"
    assert lines["test_suite::test_known_gap"]["message"] == "known gap"
    assert "teardown broke" in lines["test_suite::test_teardown_error"]["message"]
    assert {r["section"] for r in rows} == {"Contract section 9: a suite of its own."}
    assert all("test_suite.py::test_" in r["nodeid"] and r["duration"] >= 0
               for r in rows)


def test_results_are_built_from_the_lines(tmp_path):
    evidence = tmp_path / "evidence" / "e.json"
    evidence.parent.mkdir()
    evidence.write_text(json.dumps({"nodeid": "n", "interactions": [{"type": "x"}]}))
    (tmp_path / "traces" / "t").mkdir(parents=True)
    line = {"nodeid": "harness/scenarios/test_visits.py::test_title[firefox]",
            "scenario": "test_visits::test_title", "module": "test_visits",
            "section": "Contract §5", "browser": "firefox", "outcome": "failed",
            "duration": 1.5, "message": "  expected 1  ", "evidence": str(evidence),
            "trace": str(tmp_path / "traces" / "t" / "trace.zip")}
    options = run.RunOptions(browsers=["firefox"], out=tmp_path)
    results = run.collect(options, [line], 2.0, 1)
    (entry,) = results["scenarios"]
    assert entry["id"] == "test_visits::test_title" and entry["behaviour"] == "title"
    assert entry["results"]["firefox"] == {
        "outcome": "failed", "duration": 1.5, "message": "expected 1",
        "evidence": {"nodeid": "n", "interactions": [{"type": "x"}]},
        "trace": "traces/t/trace.zip"}
    assert results["summary"]["failed"] == 1 and results["verdict"]["label"] == "fail"
    assert shards.durations_of([line]) == {line["nodeid"]: 1.5}
