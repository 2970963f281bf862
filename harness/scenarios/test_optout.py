"""Contract §4: the page's disableCookiesUsage(), the consent banner, Global Privacy Control."""

import pytest

from harness.visitor import CONTEXT_COOKIE

pytestmark = pytest.mark.browser

OPTED_OUT = "window.disableCookiesUsage = function () { return true; };"
GPC_ON = ("Object.defineProperty(Navigator.prototype, 'globalPrivacyControl', "
          "{get: function () { return true; }, configurable: true});")


def test_opted_out_before_load_sets_nothing_sends_nothing(visitor, webtrack):
    visitor.page.add_init_script(OPTED_OUT)
    visitor.record_cookie_writes()
    profile = webtrack.profile(consent="opted_in")["id"]
    visitor.arrive(profile, "shop", "/")
    assert visitor.tracking_cookie_writes() == []  # not even for a moment
    visitor.page.click("#pricing-banner")
    visitor.page.wait_for_load_state()
    assert visitor.tracking_cookies() == {}
    assert visitor.page.evaluate("[localStorage.length, sessionStorage.length]") == [0, 0]
    visitor.expect_no_beacon()
    assert webtrack.interactions(profile, "website_visited") == []


def test_existing_cookie_is_removed_when_opted_out(visitor, webtrack):
    profile = webtrack.profile()["id"]
    visitor.arrive(profile, "shop", "/")
    webtrack.expect(profile, "website_visited")
    visitor.mark()
    visitor.page.add_init_script(OPTED_OUT)
    visitor.goto("shop", "/pricing.html")
    assert CONTEXT_COOKIE not in visitor.cookies()
    visitor.expect_no_beacon()


def test_banner_reject_flips_mid_visit(visitor, webtrack):
    profile = webtrack.profile()["id"]
    page = visitor.arrive(profile, "blog", "/")
    webtrack.expect(profile, "website_visited")
    assert CONTEXT_COOKIE in visitor.cookies()
    visitor.mark()

    page.click("#reject-cookies")  # the banner flips disableCookiesUsage() while open
    page.click("#post-lighting")
    page.wait_for_load_state()
    assert CONTEXT_COOKIE not in visitor.cookies()
    visitor.expect_no_beacon()
    # Not even the click on "Reject" itself was sent.
    assert [i["type"] for i in webtrack.interactions(profile)] == [
        "email_link_clicked", "website_visited"]


def test_banner_accept_keeps_tracking(visitor, webtrack):
    profile = webtrack.profile()["id"]
    page = visitor.arrive(profile, "blog", "/")
    page.click("#accept-cookies")
    page.click("#post-lighting")
    webtrack.expect(profile, "website_visited", msdynci_viewname="lighting.html")
    assert CONTEXT_COOKIE in visitor.cookies()


def test_global_privacy_control_counts_as_opted_out(visitor, webtrack):
    visitor.page.add_init_script(GPC_ON)
    visitor.record_cookie_writes()
    profile = webtrack.profile(consent="opted_in")["id"]
    visitor.arrive(profile, "shop", "/")
    # A form's submission id arriving is no more stored than the tracking context: every
    # cookie the script writes asks first.
    cart = visitor.url("shop", "/cart.html")
    visitor.page.goto(cart + "?wt_fsid=submitted-while-opted-out")
    visitor.page.wait_for_url(cart)
    assert visitor.tracking_cookies() == {}
    assert visitor.tracking_cookie_writes() == []
    visitor.expect_no_beacon()


def test_site_may_configure_gpc_off(visitor, webtrack):
    visitor.page.add_init_script(GPC_ON)
    profile = webtrack.profile()["id"]
    # shop's members page installs the script with data-gpc="ignore".
    visitor.arrive(profile, "shop", "/members.html")
    webtrack.expect(profile, "website_visited", msdynci_viewname="members.html")
    assert CONTEXT_COOKIE in visitor.cookies()
