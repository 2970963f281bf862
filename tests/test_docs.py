"""The README's examples are tests, so they cannot rot."""

import re
import sys
from pathlib import Path

import pytest

from harness import consent_audit
from harness.cli import every_command

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text(encoding="utf-8")


def blocks(language: str) -> list[str]:
    return re.findall(rf"```{language}\n(.*?)```", README, re.S)


@pytest.mark.browser
@pytest.mark.only_browser("chromium")
def test_python_example_runs_in_a_user_suite(pytester, browser_name):
    (example,) = blocks("python")
    pytester.makepyfile(test_readme=example)
    result = pytester.runpytest_subprocess("--browser", "chromium", "-p", "no:cacheprovider")
    result.assert_outcomes(passed=1)


def test_consent_configuration_example_is_valid():
    if sys.version_info >= (3, 11):
        import tomllib
    else:
        import tomli as tomllib
    (example,) = [b for b in blocks("toml") if "[[site]]" in b]
    settings = consent_audit.parse(tomllib.loads(example))
    assert settings.sites[0].opt_out == [{"click": "#reject-cookies"}]


@pytest.mark.parametrize("name", [" ".join(path) for path, _ in every_command()])
def test_readme_names_every_command(name):
    assert f"webtrack {name}" in README


def test_ci_runs_the_readmes_test_command():
    (command,) = [line.strip() for line in README.splitlines()
                  if line.startswith("    ./setup.sh") and "pytest" in line]
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8").splitlines()
    assert command in ci
    workflow = (ROOT / ".github" / "workflows" / "tests.yml").read_text(encoding="utf-8")
    assert "pull_request" in workflow and ".ci/run" in workflow
