"""`webtrack gate`'s modes: `--script FILE` gates a candidate, subcommands check the gate
itself, and the old mode flags still work while saying they are deprecated."""

import pytest
from click.testing import CliRunner

from harness import gate as gating
from harness.cli import main
from harness.exitcodes import FINDINGS, UNCHECKED
from harness.tracker import SCRIPT


@pytest.fixture
def self_tests(monkeypatch):
    """Stand in for the self-test's browser runs; record how each was asked for."""
    calls = []

    def fake(out, browsers=None, workers=2, only=None, progress=None, select=None):
        calls.append({"browsers": browsers, "workers": workers, "select": select})
        return {"mutants": [{"mutant": "m"}], "survivors": ["m"], "passed": False}

    monkeypatch.setattr(gating, "self_test", fake)
    monkeypatch.setattr("harness.gate.report.write", lambda *args, **kwargs: [])
    return calls


@pytest.mark.parametrize("args", [
    ["gate", "self-test", "-n", "1", "-k", "clicks"],
    ["gate", "--self-test", "-n", "1", "-k", "clicks"],
])
def test_self_test_subcommand_and_its_deprecated_flag_do_the_same(self_tests, tmp_path, args):
    result = CliRunner().invoke(main, [*args, "--out", str(tmp_path)])
    assert result.exit_code == FINDINGS, result.output  # the fake's mutant survived
    assert self_tests == [{"browsers": ["chromium"], "workers": 1, "select": "clicks"}]
    deprecated = "`webtrack gate --self-test` is deprecated; use `webtrack gate self-test`"
    assert (deprecated in result.output) == ("--self-test" in args)


def test_self_test_runs_in_the_browsers_asked_for(self_tests, tmp_path):
    result = CliRunner().invoke(main, ["gate", "self-test", "--browser", "firefox",
                                       "--out", str(tmp_path)])
    assert result.exit_code == FINDINGS, result.output
    assert self_tests[0]["browsers"] == ["firefox"]


@pytest.mark.parametrize("args, says", [
    (["gate"], "give --script FILE, or a subcommand: mutation, self-test, update-golden"),
    (["gate", "--script", str(SCRIPT), "--self-test"], "choose one of --script, --self-test"),
    (["gate", "--update-golden", "--mutation"],
     "choose one of --script, --update-golden, --mutation"),
    (["gate", "-n", "1", "self-test"],
     "-n before `self-test` would be ignored: give options after it"),
    (["gate", "update-golden", "-k", "clicks"], "No such option '-k'"),
])
def test_modes_do_not_mix(self_tests, args, says):
    result = CliRunner().invoke(main, args)
    assert result.exit_code == UNCHECKED, result.output
    assert says in result.output
    assert self_tests == []


def test_self_test_reads_the_settings_file_and_names_it(self_tests, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / ".git").mkdir()
    (tmp_path / "webtrack.toml").write_text("workers = 1\n")
    result = CliRunner().invoke(main, ["gate", "self-test", "--out", "out"])
    assert result.exit_code == FINDINGS, result.output
    assert self_tests[0]["workers"] == 1
    assert "1 mutants, 1 survived; config: webtrack.toml; report: out/report.html" in \
        result.output


@pytest.mark.parametrize("args, everything", [([], True), (["--all"], True),
                                              (["--impact"], False)])
def test_a_candidate_is_gated_with_every_scenario_unless_impact_is_asked(
        monkeypatch, tmp_path, args, everything):
    # Selection by coverage is an opt-in: the map is one run's coverage and costs a full run
    # to build, so the verdict a CI job or an outside check gets by default is every scenario's.
    asked = []

    def fake(options):
        asked.append(options.everything)
        return {"passed": True, "stopped_early": None, "failed": [], "payload_changes": [],
                "over_budget": [], "summary": {}, "selection": {"mode": "all",
                                                                "fallback": "x"}}

    monkeypatch.setattr(gating, "gate", fake)
    monkeypatch.setattr("harness.gate.report.write", lambda *a, **k: [])
    CliRunner().invoke(main, ["gate", "--script", str(SCRIPT), "--out", str(tmp_path),
                              "--browser", "chromium", *args])
    assert asked == [everything]
