"""Small parts: the minifier, browser discovery, settings resolution, fixtures, the CLI."""

import re
import subprocess
import sys
from pathlib import Path

import click
import pytest
from click.testing import CliRunner

from harness import browsers, estate, fixtures, resources
from harness.cli import main
from harness.tracker import SCRIPT, gzipped_size


def test_tracker_within_size_budget():
    assert gzipped_size() <= 2560


def test_collector_serves_the_file_itself(client):
    assert client.get("/tracker.js").data == SCRIPT.read_bytes()


def test_served_tracker_parses(tmp_path):
    node = subprocess.run(["node", "--version"], capture_output=True)
    if node.returncode != 0:
        pytest.skip("node is not installed")
    from harness.tracker import served

    script = tmp_path / "t.js"
    script.write_bytes(served())
    assert subprocess.run(["node", "--check", str(script)]).returncode == 0


def test_missing_browser_names_the_package(monkeypatch):
    monkeypatch.setattr(browsers, "_playwright_build", lambda name: None)
    monkeypatch.setattr(browsers, "_first_executable", lambda paths: None)
    monkeypatch.setattr(browsers.shutil, "which", lambda name: None)
    with pytest.raises(browsers.BrowserNotFound, match="firefox-esr"):
        browsers.launch_spec("firefox")
    with pytest.raises(browsers.BrowserNotFound, match="chromium-headless-shell"):
        browsers.launch_spec("chromium")


def test_debian_firefox_goes_through_bidi(monkeypatch):
    monkeypatch.setattr(browsers, "_playwright_build", lambda name: None)
    monkeypatch.setattr(browsers, "_first_executable", lambda paths: paths[0])
    spec = browsers.launch_spec("firefox")
    assert spec.options == {"channel": "moz-firefox", "executable_path": "/usr/bin/firefox-esr"}
    chromium = browsers.launch_spec("chromium")
    assert "--disable-background-networking" in chromium.options["args"]


def test_playwright_builds_win(monkeypatch, tmp_path):
    (tmp_path / "chromium-1200").mkdir()
    (tmp_path / "chromium-1200" / "INSTALLATION_COMPLETE").touch()
    monkeypatch.setenv("PLAYWRIGHT_BROWSERS_PATH", str(tmp_path))
    spec = browsers.launch_spec("chromium")
    assert "executable_path" not in spec.options and "Playwright build" in spec.source


def test_fixture_errors_name_the_file(tmp_path):
    (tmp_path / "bad.toml").write_text("[[robot]]\nid = 1\n")
    with pytest.raises(fixtures.FixtureError, match="bad.toml: unknown table"):
        fixtures.read(tmp_path)
    with pytest.raises(fixtures.FixtureError, match="does not exist"):
        fixtures.read(tmp_path / "nowhere")


def test_fixture_journey_is_loaded_once(tmp_path):
    from harness import estate
    from harness.collector import create_app

    app = create_app({"DATABASE": str(tmp_path / "f.sqlite3"),
                      "SITES": {s.id: s.origin(8800) for s in estate.discover() if s.register}})
    data = fixtures.read("fixtures")
    fixtures.apply(app, data, 8800)
    fixtures.apply(app, data, 8800)  # a restart: nothing is overwritten or doubled
    journeys = app.test_client().get("/api/journeys").json
    assert journeys == [{"id": "cart-follow-up", "name": "Cart follow-up"}]
    steps = app.test_client().get("/api/journeys/cart-follow-up").json["steps"]
    assert steps["asked-pricing"]["yes"] == "offer"


def test_default_fixtures_load():
    data = fixtures.read("fixtures")
    kinds = {(p["kind"], p.get("consent", "not_set")) for p in data["profile"]}
    assert {("contact", "opted_in"), ("contact", "not_set"), ("contact", "opted_out"),
            ("lead", "opted_in"), ("lead", "not_set"), ("lead", "opted_out")} <= kinds


def _commands(group: click.Group, path: tuple[str, ...] = ()):
    for name, command in sorted(group.commands.items()):
        yield (*path, name), command
        if isinstance(command, click.Group):
            yield from _commands(command, (*path, name))


COMMANDS = dict(_commands(main))


@pytest.mark.parametrize("path", COMMANDS, ids=" ".join)
def test_every_command_and_option_has_help(path):
    command, name = COMMANDS[path], " ".join(path)
    assert command.help, f"webtrack {name} has no help"
    undocumented = [param.opts[0] for param in command.params
                    if isinstance(param, click.Option) and not param.hidden and not param.help]
    assert not undocumented, f"webtrack {name}: options without help: {undocumented}"
    result = CliRunner().invoke(main, [*path, "--help"])
    assert result.exit_code == 0, result.output
    first_line = " ".join(command.help.split("\n")[0].split())
    assert first_line in " ".join(result.output.split())  # as click wraps it


def test_main_help_lists_every_command():
    result = CliRunner().invoke(main, ["-h"])
    assert result.exit_code == 0
    missing = [name for name in main.commands if name not in result.output]
    assert not missing, result.output


def test_the_contract_commands_exist():
    assert {"serve", "run", "gate", "audit", "consent-audit"} <= set(main.commands)


def test_python_dash_m_works():
    result = subprocess.run([sys.executable, "-m", "harness", "--help"], capture_output=True,
                            text=True)
    assert result.returncode == 0 and "consent-audit" in result.stdout


def test_default_folders_are_the_packages_wherever_it_runs(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / ".git").mkdir()  # no settings file above
    fixtures = main.commands["serve"].make_context("serve", []).params["fixtures"]
    assert Path(fixtures) == resources.FIXTURES
    assert estate.SITES_DIR == resources.SITES
    assert (Path(fixtures) / "people.toml").is_file()


def test_the_packaged_estate_is_the_repositorys_own_folders():
    """One source of truth: harness/_estate/ links to sites/ and fixtures/, never copies."""
    root = Path(__file__).resolve().parent.parent
    for shipped, kept in ((resources.SITES, "sites"), (resources.FIXTURES, "fixtures")):
        assert shipped.is_symlink() and shipped.resolve() == (root / kept).resolve()


def test_serve_names_a_bad_fixture_file_without_a_traceback(tmp_path):
    (tmp_path / "bad.toml").write_text("[[robot]]\nid = 1\n")
    result = CliRunner().invoke(main, ["serve", "--port", "0", "--fixtures", str(tmp_path)])
    assert result.exit_code == 2, result.output  # could not serve: 2
    assert "bad.toml: unknown table" in result.output and "Traceback" not in result.output


def test_no_module_finds_files_beside_itself():
    """Shipped files are found through harness.resources, so they work from any install."""
    package = Path(resources.__file__).parent
    offenders = [str(path.relative_to(package)) for path in sorted(package.rglob("*.py"))
                 if path.name != "resources.py"
                 and re.search(r"(?<![.\w])__file__", path.read_text(encoding="utf-8"))]
    assert offenders == [], "use harness.resources.shipped(...) instead of __file__"


def test_run_and_gate_share_their_scenario_options():
    def options(name):
        return {p.name: (p.opts, p.help, p.multiple) for p in main.commands[name].params}

    run, gate = options("run"), options("gate")
    shared = ("connect", "browsers", "workers", "select", "config_source")
    assert [run[name] for name in shared] == [gate[name] for name in shared]
