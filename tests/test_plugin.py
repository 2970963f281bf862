"""The pytest plugin as users run it: in their own suite, with our fixtures."""

import pytest

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
