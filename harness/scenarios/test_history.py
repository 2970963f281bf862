"""Contract §5: an in-page navigation (history API) is a visit because the address changes.
A page that only stores state in its history entry, keeping its address, is not visiting
anything new: no second visit of the same page."""

import pytest

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
