"""The README's examples are tests, so they cannot rot."""

import re
import sys
from pathlib import Path

import pytest

from harness import consent

README = (Path(__file__).resolve().parent.parent / "README.md").read_text(encoding="utf-8")


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
    settings = consent.parse(tomllib.loads(example))
    assert settings.sites[0].opt_out == [{"click": "#reject-cookies"}]


def test_readme_names_every_command():
    for command in ("webtrack serve", "webtrack run", "webtrack gate", "webtrack audit",
                    "webtrack consent-audit"):
        assert command in README
