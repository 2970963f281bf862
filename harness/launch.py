"""Feed the browsers found on this machine into pytest-playwright's launch options."""

from __future__ import annotations

import pytest

from . import browsers


@pytest.fixture(scope="session")
def browser_type_launch_args(pytestconfig, browser_name):
    """Launch options: the discovered build and its flags, then ``--headed``/``--slowmo``."""
    try:
        spec = browsers.launch_spec(browser_name)
    except browsers.BrowserNotFound as exc:
        if browser_name == "webkit":
            pytest.skip(str(exc))
        pytest.fail(str(exc), pytrace=False)
    options = dict(spec.options)
    if pytestconfig.getoption("--headed", False):
        options["headless"] = False
    if pytestconfig.getoption("--slowmo", 0):
        options["slow_mo"] = pytestconfig.getoption("--slowmo")
    return options
