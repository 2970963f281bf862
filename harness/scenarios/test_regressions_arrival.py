"""Contract §3-4: who the visitor is after a second tracked link, and what counts as an
opt-out when the page and the browser both have a say.

- Arriving with a valid context sets the cookie to it, whatever was there: a visitor who
  opens a second tracked link (another email, another person on a shared computer) is
  from then on the profile of that link. A script that keeps the cookie it already has
  ("set once") goes on attributing them to the first.
- Global Privacy Control counts as opted out unless the site's configuration (the
  script tag) says otherwise. A page's ``disableCookiesUsage()`` that answers false (its
  banner was accepted) does not turn that off: the page says whether *it* opts out, not
  whether the browser's signal counts. And it counts at every decision, for a visitor
  who already has a cookie too (which goes). The other GPC scenarios define no function
  and only arrive with GPC on.
"""

import pytest

from harness.visitor import CONTEXT_COOKIE

pytestmark = pytest.mark.browser
GPC_ON = ("Object.defineProperty(Navigator.prototype, 'globalPrivacyControl', "
          "{get: function () { return true; }, configurable: true});")


def test_a_second_tracked_link_makes_the_visitor_its_profile(visitor, webtrack):
    first, second = webtrack.profile()["id"], webtrack.profile()["id"]
    visitor.arrive(first, "shop", "/")
    webtrack.expect(first, "website_visited")
    visitor.arrive(second, "shop", "/pricing.html")
    visitor.expect_tracking_cookie(CONTEXT_COOKIE, "shop")  # the second link's context
    visitor.goto("shop", "/cart.html")
    visits = webtrack.expect(second, "website_visited", count=2)
    # Two pages' visits, the first not awaited before the second page: either may land
    # first (the contract orders a tab's views by their previous view, not by delivery).
    assert sorted(v["msdynci_viewname"] for v in visits) == ["cart.html", "pricing.html"], \
        visits
    visitor.settle()
    assert [v["msdynci_viewname"] for v in webtrack.interactions(first, "website_visited")] \
        == ["/"]


def test_gpc_is_an_opt_out_even_when_the_page_function_says_false(visitor, webtrack):
    # A known visitor, cookie set, whose browser then sends GPC on a page whose banner
    # was accepted: the cookie goes at once and nothing more is sent.
    profile = webtrack.profile(consent="opted_in")["id"]
    visitor.arrive(profile, "shop", "/")
    webtrack.expect(profile, "website_visited")
    visitor.mark()
    visitor.page.add_init_script(GPC_ON + "window.disableCookiesUsage = () => false;")
    visitor.record_cookie_writes()
    visitor.goto("shop", "/pricing.html")
    assert visitor.tracking_cookies() == {}
    assert visitor.tracking_cookie_writes() == []
    visitor.page.click("#to-cart", button="right")  # a click that stays on the page
    visitor.page.evaluate("history.pushState({}, '', '?plan=pro')")  # and an in-page view
    visitor.expect_no_beacon(leave=False)
    assert [i["type"] for i in webtrack.interactions(profile)] == [
        "email_link_clicked", "website_visited"]
