"""The pytest plugin as users run it: in their own suite, with our fixtures.

A user's project (pages of their own, their conftest, tests that pass and tests that fail)
is run once per browser in a pytest of its own, with ``--webtrack-traces``; the tests
below each read what that one run printed and kept. (Each used to run a project of its
own: a Python, a collector and a browser started four times a browser for one run's worth
of claims.)
"""

import os
import socket
import subprocess
import sys
import textwrap
import time

import pytest
from conftest import once_across_workers

from harness.testing import free_port

pytestmark = pytest.mark.browser

# Plugins the user's tests here never use: hypothesis and anyio cost each pytest about a
# CPU-second at start and exit (hypothesis' summary imports all of it), as the scenarios'
# own ini (harness/scenarios/scenarios.ini) says.
LEAN = ("-p", "no:cacheprovider", "-p", "no:hypothesispytest", "-p", "no:anyio")

USER_SUITE = """
    def test_cart_visit(webtrack, visitor):
        profile = webtrack.profile(consent="opted_in")["id"]
        visitor.arrive(profile, "shop", "/cart.html")
        visit = webtrack.expect(profile, "website_visited")[0]
        assert visit["msdynci_viewtitle"] == "Your cart"

    def test_explains_what_arrived(webtrack, visitor):
        profile = webtrack.profile()["id"]
        visitor.arrive(profile, "shop", "/")
        webtrack.expect(profile, "website_link_clicked", wait=0.5)
"""

CONFTEST = """
    import functools, http.server, pathlib, threading
    import pytest

    class Quiet(http.server.SimpleHTTPRequestHandler):
        def log_message(self, *args):
            pass

    @pytest.fixture(scope="session")
    def mysite():
        pages = pathlib.Path(__file__).parent / "pages"
        server = http.server.ThreadingHTTPServer(
            ("127.0.0.1", 0), functools.partial(Quiet, directory=str(pages)))
        threading.Thread(target=server.serve_forever, daemon=True).start()
        yield f"http://mysite.localhost:{server.server_port}"
        server.shutdown()
"""

# test_register_once first: it registers mysite for the rest of the session (pytest keeps
# it first: the browser tests are grouped after it). The unregistered site is another name
# on the same origin, one the session never registers.
OWN_SITE = """
    def test_register_once(webtrack, mysite):
        webtrack.site("mysite", mysite)

    def test_unregistered_site(webtrack, visitor, mysite):
        visitor.page.context.add_cookies([{"name": "msdynci_trackingContext",
                                           "value": "forged", "url": mysite}])
        visitor.page.goto(mysite + "/unlisted.html")  # site "unlisted" is not registered
        webtrack.expect("nobody", "website_visited", wait=1)

    def test_kept_through_resets_by_name(webtrack, visitor, mysite):
        profile = webtrack.profile(consent="opted_in")["id"]
        visitor.arrive(profile, "mysite", "/index.html")
        visit = webtrack.expect(profile, "website_visited")[0]
        assert visit["site"] == "mysite"
        assert visit["msdynci_viewuri"] == mysite + "/index.html"

    def test_site_url_knows_it(site_url, mysite):
        assert site_url("mysite", "a.html") == mysite + "/a.html"

    def test_arrive_by_url(webtrack, visitor, mysite):
        profile = webtrack.profile(consent="opted_in")["id"]
        visitor.arrive(profile, mysite + "/index.html")
        webtrack.expect(profile, "website_visited", msdynci_viewtitle="My index.html")

    def test_not_recorded_says_why(webtrack, visitor):
        profile = webtrack.profile(consent="opted_out")["id"]
        visitor.arrive(profile, "mysite", "/index.html")
        webtrack.expect(profile, "website_visited", wait=3)

    def test_no_script_says_so(webtrack, visitor):
        visitor.page.set_default_timeout(3000)
        visitor.arrive(webtrack.profile()["id"], "mysite", "/bare.html")

    def test_wrong_port_says_so(webtrack, visitor):
        visitor.page.set_default_timeout(3000)
        visitor.arrive(webtrack.profile()["id"], "mysite", "/otherport.html")

    def test_forged_context(webtrack, visitor, mysite):
        webtrack.site("mysite", mysite)
        visitor.page.context.add_cookies([{"name": "msdynci_trackingContext",
                                           "value": "forged", "url": mysite}])
        visitor.page.goto(mysite + "/index.html")
        webtrack.rejected(min=1, wait=5)
        webtrack.expect("nobody", "website_visited", wait=0)
"""

TRACED = """
    import pytest

    @pytest.fixture
    def breaks_on_teardown():
        yield
        raise AssertionError("broken in teardown")

    def test_passes(visitor):
        visitor.goto("shop", "/")

    def test_fails(visitor):
        visitor.goto("shop", "/")
        assert False

    def test_fails_in_teardown(visitor, breaks_on_teardown):
        visitor.goto("shop", "/")
"""


def _dedent(text: str) -> str:
    return textwrap.dedent(text).lstrip()


def _own_site(folder, port: int) -> None:
    """A user's project: pages of their own, served by their conftest, the documented install
    line naming the collector at *port*."""
    line = ('<script src="http://collector.localhost:{port}/tracker.js" data-site="mysite" '
            'defer></script>')
    pages = {"index.html": line.format(port=port), "bare.html": "",
             "otherport.html": line.format(port=free_port()),
             "unlisted.html": line.format(port=port).replace('"mysite"', '"unlisted"')}
    (folder / "pages").mkdir(exist_ok=True)
    for name, head in pages.items():
        (folder / "pages" / name).write_text(
            f"<!doctype html><html><head><title>My {name}</title>{head}</head>"
            f"<body><a href='index.html'>home</a></body></html>")
    (folder / "conftest.py").write_text(_dedent(CONFTEST))


def _users_project(tmp_path_factory, browser: str) -> dict:
    """The user's project run once in *browser* for the whole test run (every xdist worker
    reads the same answer), as pytester's runpytest_subprocess would run it: its exit code,
    output, the collector's port and the traces it kept."""
    def make() -> dict:
        folder = tmp_path_factory.mktemp(f"users-project-{browser}")
        port = free_port()
        _own_site(folder, port)
        for name, text in (("test_mine.py", OWN_SITE), ("test_traced.py", TRACED),
                           ("test_user.py", USER_SUITE)):
            (folder / name).write_text(_dedent(text))
        env = {k: v for k, v in os.environ.items() if k not in ("PYTEST_ADDOPTS", "TOX_ENV_DIR")}
        env.update(HOME=str(folder), USERPROFILE=str(folder), PY_COLORS="0",
                   PYTHONPATH=os.pathsep.join(filter(None, [str(folder),
                                                            env.get("PYTHONPATH")])))
        started = time.monotonic()
        done = subprocess.run(
            [sys.executable, "-m", "pytest", f"--basetemp={folder / 'basetemp'}",
             "--browser", browser, *LEAN, "-p", "no:xdist",
             "--webtrack-port", str(port), "--webtrack-traces", "traces", "-rfE"],
            cwd=folder, env=env, capture_output=True, text=True, timeout=600)
        kept = sorted(p.parent.name for p in (folder / "traces").glob("*/trace.zip"))
        return {"ret": done.returncode, "out": done.stdout, "err": done.stderr, "port": port,
                "duration": time.monotonic() - started, "kept": kept}

    return once_across_workers(tmp_path_factory, f"users-project-{browser}",
                               make)  # type: ignore[return-value]


@pytest.fixture
def users_project(tmp_path_factory, browser_name) -> tuple[pytest.RunResult, dict]:
    run = _users_project(tmp_path_factory, browser_name)
    result = pytest.RunResult(run["ret"], run["out"].splitlines(), run["err"].splitlines(),
                              run["duration"])
    return result, run


def test_the_users_project_ran_as_expected(users_project):
    result, _ = users_project
    # mine: 4 passed, 5 failed; traced: 2 passed, 1 failed, 1 error; user: 1 passed, 1 failed
    outcomes = result.parseoutcomes()
    assert {k: outcomes.get(k, 0) for k in ("passed", "failed", "errors")} == {
        "passed": 7, "failed": 7, "errors": 1}, result.stdout.str().split(
            "short test summary")[-1]


def test_user_suite_with_our_fixtures(users_project):
    result, _ = users_project
    result.stdout.fnmatch_lines([
        "*_ test_explains_what_arrived[[]*[]] _*",
        "*expected 1 website_link_clicked (any fields)*got 0; what arrived:*",
        "*website_visited*viewuri='http://shop.localhost:*/'*"])
    assert "FAILED test_user.py::test_cart_visit" not in result.stdout.str()


def test_plugin_options_are_documented(pytester):
    # In this process: pytest finds the plugin through its entry point here as it does in a
    # child (the installed package's run of a user's project is tests/test_package.py's).
    result = pytester.runpytest_inprocess("--help")
    for line in ("*webtrack harness*", "*--webtrack-script=FILE*", "*--browser=*"):
        result.stdout.fnmatch_lines([line])  # each on its own: group order may vary


def test_your_own_site(users_project, browser_name):
    result, run = users_project
    port = run["port"]
    assert "FAILED test_mine.py::test_kept_through_resets_by_name" not in result.stdout.str()
    assert "FAILED test_mine.py::test_arrive_by_url" not in result.stdout.str()
    result.stdout.fnmatch_lines([
        f"webtrack: collector on port {port}",
        f"*_ test_not_recorded_says_why[[]{browser_name}[]] _*",
        "*expected 1 website_visited*got 0*",
        "*what the collector saw:*",
        "*not recorded (consent_opted_out): *",
        f"*_ test_no_script_says_so[[]{browser_name}[]] _*",
        "*tracking parameter stayed in the address bar*",
        "*no delivery reached the collector*",
        "*the browser never requested the tracking script*",
        f"*_ test_wrong_port_says_so[[]{browser_name}[]] _*",
        "*the page loads http://collector.localhost:*/tracker.js, but this collector is "
        f"http://collector.localhost:{port}: run pytest with --webtrack-port*",
    ])
    # The plugin's own frames are hidden: the failure points at the user's line.
    assert "deadline = time.monotonic()" not in result.stdout.str()
    assert "wait_for_url" not in result.stdout.str()


def test_refused_deliveries_are_shown(users_project, browser_name):
    result, _ = users_project
    result.stdout.fnmatch_lines([
        f"*_ test_unregistered_site[[]{browser_name}[]] _*",
        # Firefox does not show a beacon's answer: only that it was sent.
        "*a delivery to http://collector.localhost:*/collect was refused (403)*"
        if browser_name == "chromium" else "*the browser sent a delivery to *(a beacon*",
        f"*_ test_forged_context[[]{browser_name}[]] _*",
        "*rejected website_visited * from site mysite: *",
    ])


def test_port_taken_is_explained(pytester):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        pytester.makepyfile("def test_any(webtrack):\n    pass\n")
        # In this process: what is claimed is the fixture's message, not a child's start.
        result = pytester.runpytest_inprocess(
            *LEAN, "--webtrack-port", str(taken.getsockname()[1]))
    result.assert_outcomes(errors=1)
    result.stdout.fnmatch_lines(["*webtrack cannot serve on port*pass another --webtrack-port*"])


def test_traces_are_kept_for_failed_tests_only(users_project, browser_name):
    _, run = users_project
    # Each browser test that failed or errored, in its test or its teardown, and no other.
    failed = ["mine-py-test-forged-context", "mine-py-test-no-script-says-so",
              "mine-py-test-not-recorded-says-why", "mine-py-test-unregistered-site",
              "mine-py-test-wrong-port-says-so", "traced-py-test-fails",
              "traced-py-test-fails-in-teardown", "user-py-test-explains-what-arrived"]
    assert run["kept"] == [f"test-{name}-{browser_name}" for name in failed]
