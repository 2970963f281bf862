"""The settings file: found or named, echoed, and strict about what it holds."""

import re
from pathlib import Path

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


def test_found_from_a_subfolder_up_to_the_project_root(tmp_path):
    (tmp_path / ".git").mkdir()
    (tmp_path / "pyproject.toml").write_text("[tool.webtrack]\nworkers = 3\n")
    (tmp_path / "deep" / "er").mkdir(parents=True)
    (tmp_path / "deep" / "pyproject.toml").write_text("[project]\nname = 'x'\n")
    resolved = config.resolve({"workers": None}, root=tmp_path / "deep" / "er")
    assert resolved["workers"] == 3 and "pyproject.toml [tool.webtrack]" in resolved["config"]
    (tmp_path / "deep" / "webtrack.toml").write_text("workers = 4\n")
    assert config.resolve({"workers": None}, root=tmp_path / "deep" / "er")["workers"] == 4


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
