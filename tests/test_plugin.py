"""The pytest plugin as users run it: in their own suite, with our fixtures."""

import socket

import pytest

from harness.testing import free_port

pytestmark = pytest.mark.browser


def test_user_suite_with_our_fixtures(pytester):
    pytester.makepyfile(test_user="""
        def test_cart_visit(webtrack, visitor):
            profile = webtrack.profile(consent="opted_in")["id"]
            visitor.arrive(profile, "shop", "/cart.html")
            visit = webtrack.expect(profile, "website_visited")[0]
            assert visit["msdynci_viewtitle"] == "Your cart"

        def test_explains_what_arrived(webtrack, visitor):
            profile = webtrack.profile()["id"]
            visitor.arrive(profile, "shop", "/")
            webtrack.expect(profile, "website_link_clicked", wait=0.5)
    """)
    result = pytester.runpytest_subprocess("--browser", "chromium", "-p", "no:cacheprovider")
    result.assert_outcomes(passed=1, failed=1)
    result.stdout.fnmatch_lines([
        "*expected 1 website_link_clicked (any fields)*got 0; what arrived:*",
        "*website_visited*viewuri='http://shop.localhost:*/'*"])


def test_plugin_options_are_documented(pytester):
    result = pytester.runpytest_subprocess("--help")
    for line in ("*webtrack harness*", "*--webtrack-script=FILE*", "*--browser=*"):
        result.stdout.fnmatch_lines([line])  # each on its own: group order may vary


def _own_site(pytester, port: int) -> None:
    """A user's project: pages of their own, served by their conftest, the documented install
    line naming the collector at *port*."""
    line = ('<script src="http://collector.localhost:{port}/tracker.js" data-site="mysite" '
            'defer></script>')
    pages = {"index.html": line.format(port=port), "bare.html": "",
             "otherport.html": line.format(port=free_port())}
    for name, head in pages.items():
        pytester.path.joinpath("pages").mkdir(exist_ok=True)
        pytester.path.joinpath("pages", name).write_text(
            f"<!doctype html><html><head><title>My {name}</title>{head}</head>"
            f"<body><a href='index.html'>home</a></body></html>")
    pytester.makeconftest("""
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
    """)


def test_your_own_site(pytester, browser_name):
    port = free_port()
    _own_site(pytester, port)
    pytester.makepyfile(test_mine="""
        def test_register_once(webtrack, mysite):
            webtrack.site("mysite", mysite)

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
    """)
    result = pytester.runpytest_subprocess("--browser", browser_name, "-p", "no:cacheprovider",
                                           "--webtrack-port", str(port))
    result.assert_outcomes(passed=4, failed=3)
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


def test_refused_deliveries_are_shown(pytester, browser_name):
    port = free_port()
    _own_site(pytester, port)
    pytester.makepyfile(test_mine="""
        def test_unregistered_site(webtrack, visitor, mysite):
            visitor.page.context.add_cookies([{"name": "msdynci_trackingContext",
                                               "value": "forged", "url": mysite}])
            visitor.page.goto(mysite + "/index.html")  # mysite is not registered
            webtrack.expect("nobody", "website_visited", wait=1)

        def test_forged_context(webtrack, visitor, mysite):
            webtrack.site("mysite", mysite)
            visitor.page.context.add_cookies([{"name": "msdynci_trackingContext",
                                               "value": "forged", "url": mysite}])
            visitor.page.goto(mysite + "/index.html")
            webtrack.rejected(min=1, wait=5)
            webtrack.expect("nobody", "website_visited", wait=0)
    """)
    result = pytester.runpytest_subprocess("--browser", browser_name, "-p", "no:cacheprovider",
                                           "--webtrack-port", str(port))
    result.assert_outcomes(failed=2)
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
        result = pytester.runpytest_subprocess(
            "-p", "no:cacheprovider", "--webtrack-port", str(taken.getsockname()[1]))
    result.assert_outcomes(errors=1)
    result.stdout.fnmatch_lines(["*webtrack cannot serve on port*pass another --webtrack-port*"])


def test_traces_are_kept_for_failed_tests_only(pytester, browser_name):
    pytester.makepyfile(test_traced="""
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
    """)
    result = pytester.runpytest_subprocess("--browser", browser_name, "-p", "no:cacheprovider",
                                           "--webtrack-traces", "traces")
    result.assert_outcomes(passed=2, failed=1, errors=1)
    kept = sorted(p.parent.name for p in (pytester.path / "traces").glob("*/trace.zip"))
    assert kept == [f"test-traced-py-test-fails-{browser_name}",
                    f"test-traced-py-test-fails-in-teardown-{browser_name}"]
