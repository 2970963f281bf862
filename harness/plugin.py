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
from .client import CollectorClient
from .server import Server
from .traces import Trace
from .visitor import Visitor


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("webtrack", "webtrack harness")
    group.addoption("--webtrack-script", metavar="FILE",
                    help="Serve FILE as /tracker.js instead of the reference tracker.")
    group.addoption("--webtrack-evidence", metavar="DIR",
                    help="Write each scenario's evidence (cookies, interactions, screenshot).")
    group.addoption("--webtrack-traces", metavar="DIR",
                    help="Keep a Playwright trace (actions, network, console; no DOM "
                         "snapshots or screencast) of each failed browser test in "
                         "DIR/<test>/trace.zip. Cheaper than --tracing retain-on-failure, "
                         "which records everything and wins when given.")
    group.addoption("--webtrack-connect", action="append", default=[], metavar="WS_URL",
                    help="Connect to the Playwright browser server at WS_URL instead of "
                         "launching (repeatable; default: $WEBTRACK_CONNECT).")
    group.addoption("--webtrack-dev-server", action="store_true",
                    help="Serve with Flask's development server instead of waitress.")
    group.addoption("--webtrack-port", metavar="N", type=_port, default=0,
                    help="Serve the collector and sample sites on port N (default: a free "
                         "port; 8800 matches the documented install line).")


def _port(value: str) -> int:
    port = int(value)
    if not 0 <= port <= 65535:
        raise ValueError(f"{value} is not a port (0-65535)")
    return port


def pytest_report_header(config: pytest.Config) -> str:
    port = config.getoption("--webtrack-port")
    return f"webtrack: collector on {'port ' + str(port) if port else 'a free port'}"


def pytest_configure(config: pytest.Config) -> None:
    # Registered after pytest-playwright, so its launch-args fixture is the one in force.
    config.pluginmanager.import_plugin("harness.launch")


@pytest.fixture(scope="session")
def webtrack_server(pytestconfig, tmp_path_factory):
    """The collector and sample sites, served once per session (per xdist worker)."""
    script = pytestconfig.getoption("--webtrack-script")
    port = pytestconfig.getoption("--webtrack-port")
    server = Server(port=port, db=tmp_path_factory.mktemp("webtrack") / "collector.sqlite3",
                    tracker=Path(script).resolve() if script else None,
                    dev=pytestconfig.getoption("--webtrack-dev-server"),
                    api_token=os.environ.get("WEBTRACK_API_TOKEN"))
    try:
        server.start()
    except OSError as exc:
        pytest.fail(f"webtrack cannot serve on port {port}: {exc}. Stop whatever listens "
                    "there, or pass another --webtrack-port (0: a free one; with xdist, each "
                    "worker needs its own port, so use 0)", pytrace=False)
    yield server
    server.stop()


@pytest.fixture(scope="session")
def webtrack_sites() -> dict[str, str]:
    """Sites registered with ``webtrack.site(id, origin)``: kept through every reset."""
    return {}


@pytest.fixture
def webtrack(webtrack_server, webtrack_sites) -> CollectorClient:
    """A collector client on a freshly reset collector (your registered sites kept)."""
    client = CollectorClient("collector.localhost", webtrack_server.port,
                       token=webtrack_server.api_token, sites=webtrack_sites)
    client.reset()
    return client


@pytest.fixture(scope="session")
def webtrack_fence(browser):
    """A page of the session's browser, in a context of its own, kept open for the visitors'
    fences (their last request, after which what they sent has landed)."""
    context = browser.new_context()
    yield context.new_page()
    context.close()


@pytest.fixture
def visitor(page, webtrack, webtrack_server, webtrack_fence):
    """The test's page as a visitor of the estate, with its requests to the collector.

    Afterwards, every site interaction the visit recorded must have exactly the shape the
    contract gives it (:meth:`Visitor.check_interactions`), whatever the test looked at.
    """
    visitor = Visitor(page, webtrack, webtrack_server, fence=webtrack_fence)
    yield visitor
    visitor.settle()
    visitor.check_interactions()


@pytest.fixture
def site_url(webtrack_server, webtrack_sites):
    """``site_url("shop", "/cart.html")`` → the page's absolute URL: on this server, or on
    the origin of a site registered with ``webtrack.site(id, origin)``."""
    def url_for(site: str, path: str = "/") -> str:
        if site in webtrack_sites:
            return webtrack_sites[site] + ("" if path.startswith("/") else "/") + path
        return webtrack_server.url_for(site, path)

    return url_for


@pytest.fixture(autouse=True)
def _webtrack_trace(request, pytestconfig):
    """Trace a browser test's context, when asked to; kept only if the test fails.

    Set up before the other autouse fixtures and the test's own, so it is stopped after
    their teardown: a failure there (the visitor's shape check) has its trace too.
    """
    folder = pytestconfig.getoption("--webtrack-traces")
    if not folder or "page" not in request.fixturenames or \
            pytestconfig.getoption("--tracing", "off") != "off":
        yield
        return
    trace = Trace(request.getfixturevalue("context"), request.node.nodeid)
    yield
    trace.stop(request.getfixturevalue("tmp_path_factory").getbasetemp() / "traces")
    request.node.stash[_TRACE] = trace


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
    # A screenshot costs a frame capture per scenario (~0.1 s in Firefox): failures only.
    failed = any(r.failed for r in phase_reports(request.node).values())
    evidence.capture(Path(folder), request.node, page, client, screenshot=failed)


_REPORTS = pytest.StashKey[dict]()
_TRACE = pytest.StashKey[Trace]()


def phase_reports(item: pytest.Item) -> dict[str, pytest.TestReport]:
    """The reports of the phases *item* has been through so far (``setup``, ``call``...),
    for a fixture whose teardown depends on how the test went."""
    return item.stash.get(_REPORTS, {})


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(item, call):
    """Keep each phase's report on the test, for fixtures that tear down differently
    after a failure; once torn down, keep its trace if any phase failed."""
    report = yield
    reports = item.stash.setdefault(_REPORTS, {})
    reports[report.when] = report
    trace = item.stash.get(_TRACE, None)
    if report.when == "teardown" and trace is not None:
        if any(r.failed for r in reports.values()):
            trace.keep(Path(item.config.getoption("--webtrack-traces")), item.nodeid)
        else:
            trace.discard()
    return report
