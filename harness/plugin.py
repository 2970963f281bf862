"""The webtrack pytest plugin: a session server, a per-test reset, browsers found here.

Thin by design: the behaviour lives in :mod:`harness.server`, :mod:`harness.testing`,
:mod:`harness.browsers` and :mod:`harness.evidence`; this module only wires them into
pytest-playwright's fixtures and options (``--browser``, ``--headed``, ``--tracing``...).
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from . import evidence
from .server import Server
from .testing import Collector
from .visitor import Visitor


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("webtrack", "webtrack harness")
    group.addoption("--webtrack-script", metavar="FILE",
                    help="Serve FILE as /tracker.js instead of the reference tracker.")
    group.addoption("--webtrack-evidence", metavar="DIR",
                    help="Write each scenario's evidence (cookies, interactions, screenshot).")
    group.addoption("--webtrack-dev-server", action="store_true",
                    help="Serve with Flask's development server instead of waitress.")


def pytest_configure(config: pytest.Config) -> None:
    # Registered after pytest-playwright, so its launch-args fixture is the one in force.
    config.pluginmanager.import_plugin("harness.launch")


@pytest.fixture(scope="session")
def webtrack_server(pytestconfig, tmp_path_factory):
    """The collector and sample sites, served once per session (per xdist worker)."""
    script = pytestconfig.getoption("--webtrack-script")
    server = Server(port=0, db=tmp_path_factory.mktemp("webtrack") / "collector.sqlite3",
                    tracker=Path(script).resolve() if script else None,
                    dev=pytestconfig.getoption("--webtrack-dev-server"),
                    api_token=os.environ.get("WEBTRACK_API_TOKEN"))
    server.start()
    yield server
    server.stop()


@pytest.fixture
def webtrack(webtrack_server) -> Collector:
    """A collector client on a freshly reset collector."""
    client = Collector("collector.localhost", webtrack_server.port,
                       token=webtrack_server.api_token)
    client.reset()
    return client


@pytest.fixture
def visitor(page, webtrack, webtrack_server) -> Visitor:
    """The test's page as a visitor of the estate, with its requests to the collector."""
    return Visitor(page, webtrack, webtrack_server)


@pytest.fixture
def site_url(webtrack_server):
    """``site_url("shop", "/cart.html")`` → the page's absolute URL on this server."""
    return webtrack_server.url_for


@pytest.fixture(autouse=True)
def _webtrack_evidence(request, pytestconfig):
    """Record a browser scenario's evidence before its page closes, when asked to."""
    folder = pytestconfig.getoption("--webtrack-evidence")
    if not folder or "page" not in request.fixturenames:
        yield
        return
    page = request.getfixturevalue("page")
    client = request.getfixturevalue("webtrack") if "webtrack" in request.fixturenames else None
    visitor = request.getfixturevalue("visitor") if "visitor" in request.fixturenames else None
    yield
    if visitor is not None:
        visitor.settle()  # every delivery the browser made is in the evidence
    evidence.capture(Path(folder), request.node, page, client)
