"""Contract §3: tracked links, the tracking cookie, and who is (not) tracked."""

import pytest

from harness.visitor import CONTEXT_COOKIE, FORM_COOKIE

pytestmark = pytest.mark.browser


def test_tracked_link_sets_cookie_and_strips_parameter(visitor, webtrack):
    profile = webtrack.profile(consent="opted_in")["id"]
    page = visitor.arrive(profile, "shop", "/cart.html")

    assert page.url == visitor.url("shop", "/cart.html")
    visitor.expect_tracking_cookie(CONTEXT_COOKIE, "shop")
    assert list(visitor.tracking_cookies()) == [CONTEXT_COOKIE]
    visit = webtrack.expect(profile, "website_visited")[0]
    assert visit["msdynci_viewuri"] == visitor.url("shop", "/cart.html")
    webtrack.expect(profile, "email_link_clicked")


def test_later_direct_visits_are_tracked(visitor, webtrack):
    profile = webtrack.profile()["id"]
    visitor.arrive(profile, "shop", "/")
    webtrack.expect(profile, "website_visited")
    visitor.goto("shop", "/pricing.html")
    webtrack.expect(profile, "website_visited", msdynci_viewname="pricing.html")
    # From any entry point on the site, in a later visit.
    visitor.goto("shop", "/products/lamp.html")
    webtrack.expect(profile, "website_visited", msdynci_viewname="lamp.html")


def test_deleting_the_cookie_stops_tracking(visitor, webtrack):
    profile = webtrack.profile()["id"]
    visitor.arrive(profile, "shop", "/")
    webtrack.expect(profile, "website_visited")
    visitor.mark()
    visitor.page.context.clear_cookies()
    # Deleted while the page is open: its next click is the anonymous visitor's too.
    visitor.page.click("#add-lamp")
    visitor.goto("shop", "/pricing.html")
    visitor.expect_no_beacon()
    assert len(webtrack.interactions(profile, "website_visited")) == 1


def test_link_tracking_off_sets_no_cookie(visitor, webtrack):
    profile = webtrack.profile()["id"]
    page = visitor.page
    page.goto(webtrack.link(profile, visitor.url("shop", "/"), link_tracking=False))
    assert page.url == visitor.url("shop", "/")
    assert visitor.tracking_cookies() == {}
    visitor.expect_no_beacon()
    assert webtrack.interactions(profile) == []


def test_anonymous_visitor_sends_nothing(visitor, webtrack):
    visitor.goto("shop", "/")
    visitor.page.click("#add-lamp")
    assert visitor.tracking_cookies() == {}
    visitor.expect_no_beacon()
    assert webtrack.stats()["received"] == 0


def test_forged_cookie_is_rejected_not_attributed(visitor, webtrack):
    victim = webtrack.profile(consent="opted_in")["id"]
    visitor.page.context.add_cookies([{"name": CONTEXT_COOKIE, "value": "ImZvcmdlZCI.bogus",
                                       "url": visitor.url("shop", "/")}])
    with visitor.page.expect_request(visitor.is_beacon):
        visitor.goto("shop", "/")
    rejected = webtrack.rejected(min=1, wait=10)
    assert rejected and rejected[0]["reason"] == "invalid_context", webtrack.stats()
    assert webtrack.interactions() == [] and webtrack.interactions(victim) == []


def test_cookie_is_secure_on_https(visitor, webtrack):
    page = visitor.page
    script = visitor.server.app.test_client().get("/tracker.js").data
    html = ('<!doctype html><html><head><title>Secure shop</title><script '
            'src="https://collector.localhost/tracker.js" data-site="shop" defer></script>'
            '</head><body><p>https</p></body></html>')
    # No TLS server here: the browser is answered from routes, as from an https origin.
    page.route("https://shop.localhost/**", lambda route: route.fulfill(
        body=html, content_type="text/html"))
    # And an http page whose script comes from that https collector (a CDN, a TLS-only
    # collector): the page's protocol decides Secure, not the script's.
    page.route("http://blog.localhost/**", lambda route: route.fulfill(
        body=html, content_type="text/html"))
    page.route("https://collector.localhost/tracker.js", lambda route: route.fulfill(
        body=script, content_type="application/javascript"))
    page.route("https://collector.localhost/collect", lambda route: route.fulfill(
        status=202, body='{"accepted": 1, "rejected": []}', content_type="application/json"))
    # Both cookies the arrival sets, the form submission's too: Secure on every write path.
    page.goto("https://shop.localhost/?wt_ctx=signed-context&wt_fsid=signed-submission")
    page.wait_for_url("https://shop.localhost/")
    for name in (CONTEXT_COOKIE, FORM_COOKIE):
        cookie = visitor.cookies()[name]
        assert cookie["secure"] is True and cookie["sameSite"] == "Lax" and \
            cookie["path"] == "/", cookie
    page.goto("http://blog.localhost/?wt_ctx=plain-context")
    page.wait_for_url("http://blog.localhost/")
    (cookie,) = [c for c in page.context.cookies("http://blog.localhost/")
                 if c["name"] == CONTEXT_COOKIE]
    assert cookie["secure"] is False and cookie["value"] == "plain-context", cookie
