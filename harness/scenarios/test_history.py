"""Contract §5: an in-page navigation (history API) is a visit because the address changes.
A page that only stores state in its history entry, keeping its address, is not visiting
anything new: no second visit of the same page."""

import pytest

from harness.visitor import CONTEXT_COOKIE

pytestmark = pytest.mark.browser


def test_history_state_kept_at_the_same_address_is_no_visit(visitor, webtrack):
    profile = webtrack.profile()["id"]
    page = visitor.arrive(profile, "app", "/")
    webtrack.expect(profile, "website_visited")
    visitor.mark()
    page.evaluate("history.replaceState({scroll: 120}, '')")  # scroll position, say
    page.evaluate("history.replaceState({tab: 2}, '', location.href)")
    page.evaluate("history.replaceState(null, '', location.pathname)")
    visitor.expect_no_beacon(leave=False)
    assert len(webtrack.interactions(profile, "website_visited")) == 1
    page.evaluate("history.replaceState({tab: 3}, '', '/features')")  # now it moves
    visit = webtrack.expect(profile, "website_visited", msdynci_viewname="features")[0]
    assert visit["msdynci_viewpreviousviews"] == visitor.url("app", "/")


def test_pages_seen_while_opted_out_are_never_named_later(visitor, webtrack):
    # A tracking cookie for the whole domain, which the script cannot remove, and a banner
    # not yet answered: nothing may be kept of the pages seen meanwhile, not even as the
    # previous view of the first page after the visitor accepts.
    profile = webtrack.profile(consent="opted_in")["id"]
    context = webtrack.context_for(profile, visitor.url("app", "/"))
    visitor.page.context.add_cookies([{"name": CONTEXT_COOKIE, "value": context,
                                       "domain": ".app.localhost", "path": "/"}])
    visitor.page.add_init_script("window.disableCookiesUsage = () => !window.accepted;")
    page = visitor.goto("app", "/")
    page.evaluate("history.pushState({}, '', '/features')")
    page.evaluate("window.accepted = true")  # the banner's "accept"
    page.evaluate("history.pushState({}, '', '/about')")
    visit = webtrack.expect(profile, "website_visited", msdynci_viewname="about")[0]
    assert visit["msdynci_viewpreviousviews"] == ""
    visitor.settle()
    assert [v["msdynci_viewname"] for v in webtrack.interactions(profile, "website_visited")] \
        == ["about"]
