"""Contract §3, §5, §7 on the wire: the address bar, the chain of views, batches, fallbacks,
retries, and the form-submission cookie as the only identity."""

import pytest

from harness.testing import Sender, view_name
from harness.visitor import CONTEXT_COOKIE, FORM_COOKIE

pytestmark = pytest.mark.browser

NO_BEACON = "delete Navigator.prototype.sendBeacon;"
BEACON_REFUSED = "Navigator.prototype.sendBeacon = function () { return false; };"


def test_parameter_leaves_the_address_bar_keeping_the_rest(visitor, webtrack):
    profile = webtrack.profile()["id"]
    page_url = visitor.url("shop", "/products/lamp.html")
    context = webtrack.context_for(profile, page_url)
    page = visitor.page
    page.goto(f"{page_url}?colour=oak&wt_ctx={context}&size=2#reviews")
    kept = f"{page_url}?colour=oak&size=2#reviews"
    page.wait_for_url(kept)
    visit = webtrack.expect(profile, "website_visited")[0]
    assert visit["msdynci_viewuri"] == kept
    assert visitor.handed["wt_ctx"] == context
    visitor.expect_tracking_cookie(CONTEXT_COOKIE, "shop")


def test_empty_parameter_sets_no_cookie_and_leaves(visitor, webtrack):
    page = visitor.page
    page.goto(visitor.url("shop", "/cart.html?wt_ctx=&step=1"))
    page.wait_for_url(visitor.url("shop", "/cart.html?step=1"))
    assert visitor.tracking_cookies() == {}
    visitor.expect_no_beacon()


def test_previous_views_chain_across_pages_and_in_page_navigation(visitor, webtrack):
    profile = webtrack.profile()["id"]
    page = visitor.arrive(profile, "shop", "/")
    visited = [visitor.url("shop", "/")]
    for selector, path in (("#nav-cart", "/cart.html"), ("#cart-pricing-banner", "/pricing.html")):
        page.click(selector)
        page.wait_for_url(visitor.url("shop", path))
        visited.append(page.url)
        webtrack.expect(profile, "website_visited", count=len(visited))
    page.evaluate("history.pushState({}, '', 'plans/annual')")  # and on, in the page
    visited.append(visitor.url("shop", "/plans/annual"))
    views = webtrack.expect(profile, "website_visited", count=len(visited))
    assert [v["msdynci_viewuri"] for v in views] == visited
    assert [v["msdynci_viewpreviousviews"] for v in views] == ["", *visited[:-1]]
    assert [v["msdynci_viewname"] for v in views] == [view_name(u) for u in visited]


def test_many_views_in_quick_succession_are_all_delivered(visitor, webtrack):
    profile = webtrack.profile()["id"]
    page = visitor.arrive(profile, "app", "/")
    webtrack.expect(profile, "website_visited")
    # 45 in-page navigations two page-milliseconds apart, on a paused clock run forward:
    # more than a batch of events at once, whether the script batches them or not.
    page.clock.pause_at(page.evaluate("Date.now()") / 1000 + 1)  # seconds
    page.evaluate("for (let i = 1; i <= 45; i++) "
                  "setTimeout(() => history.pushState({}, '', '/step-' + i), 2 * i)")
    page.clock.run_for(500)
    page.clock.resume()
    views = webtrack.expect(profile, "website_visited", count=46, wait=20)
    urls = [visitor.url("app", "/")] + [visitor.url("app", f"/step-{i}") for i in range(1, 46)]
    # Batches may land in any order; each view still names the one before it.
    assert {v["msdynci_viewuri"]: v["msdynci_viewpreviousviews"] for v in views} == dict(
        zip(urls, ["", *urls[:-1]], strict=True))
    visitor.settle()
    sizes = [len(d["events"]) for d in visitor.delivered()]
    assert sum(sizes) == 46 and max(sizes) <= 100, sizes  # the collector's limit


@pytest.mark.parametrize("missing", [NO_BEACON, BEACON_REFUSED], ids=["absent", "refused"])
def test_delivery_falls_back_to_fetch_without_sendbeacon(visitor, webtrack, missing):
    visitor.page.add_init_script(missing)
    profile = webtrack.profile()["id"]
    page = visitor.arrive(profile, "shop", "/")
    webtrack.expect(profile, "website_visited")
    page.click("#add-lamp")
    webtrack.expect(profile, "website_link_clicked", msdynci_actiontype="LClick")
    page.click("#pricing-banner")  # a click that leaves the page still arrives
    webtrack.expect(profile, "website_link_clicked", count=2)
    webtrack.expect(profile, "website_visited", msdynci_viewname="pricing.html")
    assert {b["type"] for b in visitor.beacons} == {"fetch"}, visitor.beacons


def test_a_retried_delivery_is_stored_once(visitor, webtrack):
    profile = webtrack.profile()["id"]
    page = visitor.arrive(profile, "shop", "/")
    page.click("#add-lamp")
    webtrack.expect(profile, "website_link_clicked")
    visitor.settle()
    before = webtrack.interactions(profile)
    sent = visitor.delivered()
    with Sender(visitor.server.port) as sender:
        for body in sent:  # the network retries every delivery the page made
            status, answer = sender.post(body)
            assert status == 202, answer
    stats = webtrack.stats()
    assert stats["duplicates"] == sum(len(b["events"]) for b in sent) >= 2, stats
    assert webtrack.interactions(profile) == before


def test_form_submission_alone_identifies_the_visitor(visitor, webtrack):
    page = visitor.goto("forms", "/")
    page.fill("#newsletter-form input[type=email]", "only-a-form@example.com")
    page.click("#newsletter-submit")
    page.wait_for_url(lambda url: "/thanks.html" in url and "wt_fsid" not in url)
    visitor.expect_tracking_cookie(FORM_COOKIE, "forms")
    assert list(visitor.tracking_cookies()) == [FORM_COOKIE]
    (submitted,) = webtrack.interactions(type="form_submitted")
    profile = submitted["profile_id"]
    page.click("#events-link")
    webtrack.expect(profile, "website_visited", msdynci_viewname="events.html")
    visitor.settle()
    for body in visitor.delivered():
        assert body["site"] == "forms" and body["context"] is None
        assert body["form_submission"] == visitor.handed["wt_fsid"]


def test_opting_out_and_back_in_mid_visit(visitor, webtrack):
    profile = webtrack.profile()["id"]
    page = visitor.arrive(profile, "shop", "/")
    webtrack.expect(profile, "website_visited")
    visitor.mark()
    page.evaluate("window.disableCookiesUsage = () => true")
    page.click("#add-lamp")
    assert visitor.tracking_cookies() == {}  # removed at the first decision
    page.evaluate("window.disableCookiesUsage = () => false")
    page.click("#add-lamp")  # opted in again, but no cookie: anonymous now
    page.evaluate("history.pushState({}, '', '/after-opt-in')")
    visitor.expect_no_beacon()
    assert webtrack.interactions(profile, "website_link_clicked") == []


def test_gpc_off_is_tracked(visitor, webtrack):
    visitor.page.add_init_script(
        "Object.defineProperty(Navigator.prototype, 'globalPrivacyControl', "
        "{get: () => false, configurable: true});")
    profile = webtrack.profile()["id"]
    visitor.arrive(profile, "shop", "/")
    webtrack.expect(profile, "website_visited")
    visitor.expect_tracking_cookie(CONTEXT_COOKIE, "shop")


def test_gpc_on_a_page_that_ignores_it_elsewhere_on_the_site(visitor, webtrack):
    # members.html ignores GPC (data-gpc="ignore"); the rest of the shop honours it.
    visitor.page.add_init_script(
        "Object.defineProperty(Navigator.prototype, 'globalPrivacyControl', "
        "{get: () => true, configurable: true});")
    profile = webtrack.profile()["id"]
    page = visitor.arrive(profile, "shop", "/members.html")
    webtrack.expect(profile, "website_visited", msdynci_viewname="members.html")
    visitor.expect_tracking_cookie(CONTEXT_COOKIE, "shop")
    visitor.mark()
    page.goto(visitor.url("shop", "/cart.html"))
    assert visitor.tracking_cookies() == {}  # opted out here: the cookie goes
    visitor.expect_no_beacon()
