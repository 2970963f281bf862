"""The settings file: found or named, echoed, and strict about what it holds."""

import os
import re
from pathlib import Path

import click
import pytest
from click.testing import CliRunner

from harness import config
from harness.cli import main
from harness.exitcodes import UNCHECKED

README = (Path(__file__).resolve().parent.parent / "README.md").read_text(encoding="utf-8")


@pytest.mark.parametrize("name, text, error", [
    ("pyproject.toml", "[tool.webtrack]\nport = 9000\n[tool.webtrack.gate]\n"
                       "budget_gzip_bytes = 10\n", None),
    ("webtrack.toml", "port = 9000\n[audit]\ntracked_forms = []\n", None),
    ("webtrack.toml", "[tool.webtrack]\nport = 9000\n", None),
    ("pyproject.toml", "[tool.webtrack]\nprot = 9000\n", "unknown setting 'prot'"),
    ("pyproject.toml", "[tool.webtrack.audti]\n", r"unknown table \[tool.webtrack.audti\]"),
    ("webtrack.toml", "[serve]\nport = 1\n", r"unknown table \[serve\]"),
    ("pyproject.toml", "[tool.webtrack]\ntracked_forms = []\n",
     r"tracked_forms belongs in \[tool.webtrack.audit\]"),
    ("webtrack.toml", "budget_gzip_bytes = 1\n", r"budget_gzip_bytes belongs in \[gate\]"),
    ("pyproject.toml", "[tool.webtrack.gate]\nport = 1\n",
     r"\[tool.webtrack.gate\] has unknown key\(s\) port"),
    ("webtrack.toml", "port = 1\n[tool.webtrack]\nport = 2\n", "not both"),
    ("webtrack.toml", "port = \n", "not valid TOML"),
])
def test_what_a_settings_file_may_hold(tmp_path, name, text, error):
    (tmp_path / name).write_text(text)
    if error is None:
        table, source = config.webtrack_table(tmp_path / name)
        assert table["port"] == 9000 and name in source
    else:
        with pytest.raises(ValueError, match=error) as raised:
            config.webtrack_table(tmp_path / name)
        assert name in str(raised.value)


def resolved(command: list[str], args: list[str]) -> click.Context:
    """The context click builds for ``webtrack COMMAND… ARGS``: its options resolved, the
    command not run."""
    ctx = click.Context(main, info_name="webtrack", **main.context_settings)
    group: click.Command = main
    for name in command[:-1]:
        group = group.commands[name]  # type: ignore[attr-defined]
        ctx = click.Context(group, info_name=name, parent=ctx)
    leaf = group.commands[command[-1]]  # type: ignore[attr-defined]
    return leaf.make_context(command[-1], list(args), parent=ctx)


@pytest.fixture
def project(tmp_path, monkeypatch):
    """A project folder as the current one, with no WEBTRACK_* variable set."""
    for name in [n for n in os.environ if n.startswith("WEBTRACK_")]:
        monkeypatch.delenv(name)
    (tmp_path / ".git").mkdir()
    monkeypatch.chdir(tmp_path)
    return tmp_path


# command, flags, environment, webtrack.toml, option, resolved value: a flag wins over a
# variable, which wins over the file, which wins over the default.
PRECEDENCE = [
    (["run"], ["-n", "3"], {"WEBTRACK_WORKERS": "4"}, "workers = 5", "workers", 3),
    (["run"], [], {"WEBTRACK_WORKERS": "4"}, "workers = 5", "workers", 4),
    (["run"], [], {}, "workers = 5", "workers", 5),
    (["run"], [], {}, "", "workers", 2),
    (["gate", "self-test"], [], {}, "workers = 5", "workers", 5),
    (["gate", "update-golden"], ["-n", "3"], {}, "workers = 5", "workers", 3),
    (["run"], ["--browser", "firefox"], {"WEBTRACK_BROWSERS": "chromium,webkit"},
     'browsers = ["all"]', "browsers", ("firefox",)),
    (["run"], [], {"WEBTRACK_BROWSERS": "chromium, webkit"}, 'browsers = ["all"]',
     "browsers", ("chromium", "webkit")),
    (["gate"], [], {}, 'browsers = ["all"]', "browsers", ("all",)),
    (["gate"], [], {}, 'browsers = "firefox"', "browsers", ("firefox",)),
    (["run"], [], {}, "", "browsers", ("chromium", "firefox")),
    (["serve"], ["--port", "1"], {"WEBTRACK_PORT": "2"}, "port = 3", "port", 1),
    (["serve"], [], {"WEBTRACK_PORT": "2"}, "port = 3", "port", 2),
    (["serve"], [], {}, "port = 3", "port", 3),
    (["serve"], [], {}, "", "port", 8800),
    (["serve"], [], {"WEBTRACK_DB": "env.db"}, 'db = "file.db"', "db", "env.db"),
    (["serve"], [], {}, 'db = "file.db"', "db", "file.db"),
    (["serve"], [], {}, "", "db", "reports/webtrack.sqlite3"),
    (["serve"], ["--api-token", "f"], {"WEBTRACK_API_TOKEN": "e"}, 'api_token = "t"',
     "api_token", "f"),
    (["serve"], [], {"WEBTRACK_API_TOKEN": "e"}, 'api_token = "t"', "api_token", "e"),
    (["serve"], [], {}, 'api_token = "t"', "api_token", "t"),
    (["serve"], [], {}, "", "api_token", None),
    (["gate"], ["--budget-gzip-bytes", "1"], {"WEBTRACK_GATE_BUDGET_GZIP_BYTES": "2"},
     "[gate]\nbudget_gzip_bytes = 3", "budget_gzip_bytes", 1),
    (["gate"], [], {"WEBTRACK_GATE_BUDGET_GZIP_BYTES": "2"},
     "[gate]\nbudget_gzip_bytes = 3", "budget_gzip_bytes", 2),
    (["gate"], [], {}, "[gate]\nbudget_gzip_bytes = 3", "budget_gzip_bytes", 3),
    (["gate"], [], {}, '[gate]\nbudget_main_thread = "1.25x"', "budget_main_thread", "1.25x"),
    (["gate"], [], {}, "", "budget_gzip_bytes", None),
    # Every option has a WEBTRACK_<COMMAND>_<OPTION> variable (click's auto_envvar_prefix).
    (["run"], [], {"WEBTRACK_RUN_SELECT": "visits"}, "", "select", "visits"),
    (["gate", "mutation"], [], {"WEBTRACK_GATE_MUTATION_SELECT": "clicks"}, "", "select",
     "clicks"),
]


@pytest.mark.parametrize("command, flags, env, text, option, value", PRECEDENCE)
def test_settings_precedence(project, monkeypatch, command, flags, env, text, option, value):
    for name, raw in env.items():
        monkeypatch.setenv(name, raw)
    (project / "webtrack.toml").write_text(text + "\n")
    ctx = resolved(command, flags)
    assert ctx.params[option] == value
    assert ctx.params["config_source"] == "webtrack.toml"


def test_found_from_a_subfolder_up_to_the_project_root(project, monkeypatch):
    (project / "pyproject.toml").write_text("[tool.webtrack]\nworkers = 3\n")
    (project / "deep" / "er").mkdir(parents=True)
    (project / "deep" / "pyproject.toml").write_text("[project]\nname = 'x'\n")
    monkeypatch.chdir(project / "deep" / "er")
    ctx = resolved(["run"], [])
    assert ctx.params["workers"] == 3
    assert ctx.params["config_source"] == f"{project / 'pyproject.toml'} [tool.webtrack]"
    (project / "deep" / "webtrack.toml").write_text("workers = 4\n")
    assert resolved(["run"], []).params["workers"] == 4


def test_config_names_the_file_read_and_wins_over_the_nearest(project):
    (project / "webtrack.toml").write_text("workers = 4\n")
    (project / "other.toml").write_text("workers = 6\n")
    assert resolved(["run"], ["--config", "other.toml"]).params["workers"] == 6
    (project / "webtrack.toml").unlink()
    assert resolved(["run"], []).params["config_source"] == "defaults"


@pytest.mark.parametrize("text, says", [
    ("workers = 99", "webtrack.toml: workers = 99: 99 is not in the range 1<=x<=16"),
    ('browsers = ["netscape"]', "webtrack.toml: browsers = ['netscape']: 'netscape' is not"),
    ("port = 'http'", "webtrack.toml: port = 'http': 'http' is not a valid integer"),
])
def test_a_value_its_option_refuses_names_the_file(project, text, says):
    (project / "webtrack.toml").write_text(text + "\n")
    command = ["serve"] if "port" in text else ["run"]
    result = CliRunner().invoke(main, command)
    assert result.exit_code == UNCHECKED, result.output
    assert says in result.output


def test_the_readme_example_holds_every_key():
    (example,) = [b for b in re.findall(r"```toml\n(.*?)```", README, re.S)
                  if "[tool.webtrack]\nport" in b]
    table = config.tomllib.loads(example)["tool"]["webtrack"]
    config.check(table, "README", "[tool.webtrack]")
    assert set(config.KEYS) <= set(table)
    assert set(config.TABLES["gate"]) <= set(table["gate"])


@pytest.mark.parametrize("command", ["serve", "run", "gate", "audit"])
def test_a_bad_settings_file_is_exit_2_naming_it(tmp_path, command, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "settings.toml").write_text("[tool.webtrack]\nprot = 1\n")
    result = CliRunner().invoke(main, [command, "--config", "settings.toml"] +
                                (["page.html"] if command == "audit" else []))
    assert result.exit_code == UNCHECKED, result.output
    assert "settings.toml" in result.output and "prot" in result.output


@pytest.mark.browser
def test_run_names_the_settings_file_it_used(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "webtrack.toml").write_text("workers = 1\nbrowsers = ['chromium']\n")
    result = CliRunner().invoke(main, ["run", "-k", "nothing_at_all", "--out", "out"])
    assert result.exit_code == UNCHECKED
    assert "with 1 worker(s)" in result.output
    assert "; config: webtrack.toml;" in result.output


def test_help_and_version_read_no_variable(project, monkeypatch):
    for name in ("WEBTRACK_VERSION", "WEBTRACK_HELP", "WEBTRACK_REPORT_HELP",
                 "WEBTRACK_REPORT_MERGE_HELP"):
        monkeypatch.setenv(name, "1")
    result = CliRunner().invoke(main, ["report", "merge", "nowhere"])
    assert result.exit_code == UNCHECKED and "'nowhere' does not exist" in result.output
