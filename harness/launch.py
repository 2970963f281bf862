"""Feed the browsers found on this machine, or remote ones, into pytest-playwright.

Locally: the discovered build and its flags as launch options. With ``--webtrack-connect``
(or ``WEBTRACK_CONNECT``): pytest-playwright's ``connect_options``, each xdist worker bound
to one of the endpoints serving the browser under test, checked once before the session.
"""

from __future__ import annotations

import os

import pytest

from . import browsers, remote


def _endpoints(config: pytest.Config) -> list[remote.Endpoint]:
    given = config.getoption("--webtrack-connect", None) or []
    try:
        return remote.parse(given) if given else remote.from_env()
    except ValueError as exc:
        raise pytest.UsageError(f"--webtrack-connect: {exc}") from None


def pytest_sessionstart(session: pytest.Session) -> None:
    # A dead or mismatched server fails the run here, not test by test after timeouts;
    # under xdist the controller checks for its workers.
    if hasattr(session.config, "workerinput"):
        return
    endpoints = _endpoints(session.config)
    try:
        remote.check(endpoints)
    except remote.RemoteError as exc:
        raise pytest.UsageError(str(exc)) from None


@pytest.fixture(scope="session")
def connect_options(pytestconfig, browser_name):
    """Where this worker's *browser_name* runs: None to launch it here."""
    endpoints = _endpoints(pytestconfig)
    if not endpoints:
        return None
    slot = remote.endpoints.slot_of_worker(os.environ.get("PYTEST_XDIST_WORKER"))
    try:
        endpoint = remote.endpoints.choose(endpoints, browser_name, slot)
    except ValueError as exc:
        pytest.fail(str(exc), pytrace=False)
    return remote.connect_options(endpoint)


@pytest.fixture(scope="session")
def browser_type_launch_args(pytestconfig, browser_name, connect_options):
    """Launch options: the discovered build and its flags, then ``--headed``/``--slowmo``.

    A remote server launches its own build: only the display options travel.
    """
    options = {}
    if not connect_options:
        try:
            spec = browsers.launch_spec(browser_name)
        except browsers.BrowserNotFound as exc:
            if browser_name == "webkit":
                pytest.skip(str(exc))
            pytest.fail(str(exc), pytrace=False)
        options = dict(spec.options)
        if browser_name == "chromium" and pytestconfig.getoption("--webtrack-coverage", None):
            from .gate import documents  # the gate's coverage run: one frame host per page

            options["args"] = [*options.get("args", []), *documents.launch_args()]
    if pytestconfig.getoption("--headed", False):
        options["headless"] = False
    if pytestconfig.getoption("--slowmo", 0):
        options["slow_mo"] = pytestconfig.getoption("--slowmo")
    return options
