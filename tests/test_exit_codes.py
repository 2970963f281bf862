"""One exit-code convention for every command: 0 clean, 1 findings, 2 could not check."""

import socket
import subprocess
import sys

import pytest
from click.testing import CliRunner

from harness import browsers, run
from harness.cli import every_command, main
from harness.exitcodes import CLEAN, FINDINGS, UNCHECKED, short_of
from harness.tracker import SCRIPT as TRACKER
from harness.witness import Exchange, explain

COMMANDS = [path for path, _ in every_command()]


@pytest.mark.parametrize("code, why, missing, expected", [
    (CLEAN, "", [], (CLEAN, "")),
    (CLEAN, "", ["firefox"], (UNCHECKED, "not run in firefox")),
    (CLEAN, "", ["firefox", "webkit"], (UNCHECKED, "not run in firefox, webkit")),
    (FINDINGS, "", ["firefox"], (FINDINGS, "")),  # a failure found is reported as found
    (UNCHECKED, "nothing selected", ["firefox"], (UNCHECKED, "nothing selected")),
])
def test_a_clean_verdict_short_of_a_browser_is_incomplete(code, why, missing, expected):
    assert short_of(code, why, missing) == expected


@pytest.mark.parametrize("command", COMMANDS, ids=" ".join)
def test_a_bad_option_is_exit_2(command):
    result = CliRunner().invoke(main, [*command, "--no-such-option"])
    assert result.exit_code == UNCHECKED, result.output
    assert "No such option" in result.output


@pytest.mark.parametrize("command", COMMANDS, ids=" ".join)
def test_every_command_says_its_exit_codes(command):
    result = CliRunner().invoke(main, [*command, "-h"])
    assert result.exit_code == CLEAN
    if command != ("serve",):  # serve runs until stopped: it has no verdict
        assert "Exit" in result.output, f"{' '.join(command)} -h does not say its exit codes"


def _results(total=3, failed=0, pytest_exit=0, select=None):
    return {"summary": {"total": total, "failed": failed, "passed": total - failed,
                        "skipped": 0, "pytest_exit": pytest_exit},
            "config": {"select": select}}


@pytest.mark.parametrize("results, code, why", [
    (_results(), CLEAN, ""),
    (_results(failed=1, pytest_exit=1), FINDINGS, "1 scenario run(s) failed"),
    (_results(total=0, pytest_exit=5, select="nothing"), UNCHECKED,
     "nothing selected: -k 'nothing' matches no scenario"),
    (_results(total=0, pytest_exit=4), UNCHECKED, "no scenario ran (pytest: a usage error)"),
    (_results(failed=1, pytest_exit=2), UNCHECKED, "the run did not complete (pytest: "
                                                   "interrupted)"),
])
def test_run_verdict(results, code, why):
    assert run.verdict(results) == (code, why)


@pytest.mark.browser
def test_run_selecting_nothing_is_exit_2_and_says_why(tmp_path):
    result = CliRunner().invoke(main, ["run", "--browser", "chromium", "-n", "1", "-k",
                                       "nothing_matches_this", "--out", str(tmp_path)])
    assert result.exit_code == UNCHECKED, result.output
    assert "INCOMPLETE: 0 passed, 0 failed" in result.output
    assert "nothing selected: -k 'nothing_matches_this' matches no scenario" in result.output


@pytest.mark.browser
@pytest.mark.only_browser("chromium")
def test_gate_selecting_nothing_is_exit_2_and_says_why(tmp_path, browser_name):
    result = CliRunner().invoke(main, ["gate", "--script", str(TRACKER), "--browser", "chromium",
                                       "-n", "1", "-k", "nothing_matches_this", "--no-cost",
                                       "--out", str(tmp_path)])
    assert result.exit_code == UNCHECKED, result.output
    assert "gate INCOMPLETE: 0 scenarios passed" in result.output
    assert "(nothing selected: -k 'nothing_matches_this' matches no scenario)" in result.output


@pytest.mark.parametrize("command", [["run"], ["gate", "--script", __file__]])
def test_a_browser_not_installed_is_exit_2(tmp_path, command):
    if "webkit" in browsers.available():
        pytest.skip("WebKit is installed here")
    result = CliRunner().invoke(main, [*command, "--browser", "webkit", "--out", str(tmp_path)])
    assert result.exit_code == UNCHECKED
    assert "webkit: could not run" in result.output
    assert "nothing to run: no browser available" in result.output


def test_serve_on_a_taken_port_is_exit_2(tmp_path):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        result = subprocess.run(
            [sys.executable, "-m", "harness", "serve", "--port", str(taken.getsockname()[1]),
             "--db", str(tmp_path / "db.sqlite3")], capture_output=True, text=True, timeout=60)
    assert result.returncode == UNCHECKED, result.stderr
    assert "cannot listen on port" in result.stderr


COLLECTOR = "http://collector.localhost:4000"
SCRIPT = Exchange("GET", f"{COLLECTOR}/tracker.js", 200)


@pytest.mark.parametrize("exchanges, says", [
    ([], ["never requested the tracking script"]),
    ([Exchange("GET", "http://collector.localhost:8800/tracker.js",
               failure="net::ERR_CONNECTION_REFUSED")],
     [f"loads http://collector.localhost:8800/tracker.js, but this collector is {COLLECTOR}: "
      "run pytest with --webtrack-port 8800", "did not load", "ERR_CONNECTION_REFUSED",
      "sent no delivery"]),
    ([Exchange("GET", f"{COLLECTOR}/tracker.js", 404)], ["answered 404"]),
    ([SCRIPT], ["the browser sent no delivery to /collect"]),
    ([SCRIPT, Exchange("POST", f"{COLLECTOR}/collect", 403, answer='{"error": "origin"}')],
     ["was refused (403): {\"error\": \"origin\"}"]),
    ([SCRIPT, Exchange("POST", f"{COLLECTOR}/collect", 202)], []),
    ([SCRIPT, Exchange("POST", f"{COLLECTOR}/collect", failure="NS_BINDING_ABORTED")],
     ["the browser sent a delivery to http://collector.localhost:4000/collect (a beacon"]),
])
def test_what_the_browser_did(exchanges, says):
    lines = "\n".join(explain(exchanges, COLLECTOR))
    for text in says:
        assert text in lines
    if not says:
        assert lines == ""


@pytest.mark.parametrize("args, says", [
    (["gate"], "give --script FILE"),
    (["gate", "--script", "missing.js"], "does not exist"),
    (["audit", "empty"], "nothing to audit"),
    (["audit", "page.html", "--format", "xml"], "xml"),
    (["consent-audit", "--config", "bad.toml"], "bad.toml"),
    (["run", "--config", "bad.toml"], "bad.toml"),
])
def test_could_not_check_is_exit_2(tmp_path, monkeypatch, args, says):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "empty").mkdir()
    (tmp_path / "page.html").write_text("<!doctype html><title>x</title>")
    (tmp_path / "bad.toml").write_text("this is = not [toml\n")
    result = CliRunner().invoke(main, args)
    assert result.exit_code == UNCHECKED, result.output
    assert says in result.output
