"""Contract §5, website_visited: every field, the previous page, history-API navigations."""

import pytest

pytestmark = pytest.mark.browser


def test_every_visit_field(visitor, webtrack):
    profile = webtrack.profile()["id"]
    visitor.arrive(profile, "shop", "/")
    first = webtrack.expect(profile, "website_visited")[0]
    assert first["msdynci_viewuri"] == visitor.url("shop", "/")
    assert first["msdynci_viewname"] == "/"
    assert first["msdynci_viewtitle"] == "Lumen & Co. — lamps for quiet rooms"
    assert first["msdynci_viewtype"] == "page"
    assert first["msdynci_viewpreviousviews"] == ""
    assert first["site"] == "shop" and first["event_id"] and first["occurred_at"]

    visitor.page.click("#nav-cart")
    cart = webtrack.expect(profile, "website_visited", msdynci_viewname="cart.html")[0]
    assert cart["msdynci_viewuri"] == visitor.url("shop", "/cart.html")
    assert cart["msdynci_viewtitle"] == "Your cart"
    assert cart["msdynci_viewpreviousviews"] == visitor.url("shop", "/")


def test_query_is_kept_but_tracking_parameter_is_not(visitor, webtrack):
    profile = webtrack.profile()["id"]
    visitor.arrive(profile, "shop", "/products/lamp.html?colour=oak")
    visit = webtrack.expect(profile, "website_visited")[0]
    assert visit["msdynci_viewuri"] == visitor.url("shop", "/products/lamp.html?colour=oak")
    assert visit["msdynci_viewname"] == "lamp.html"
    assert visitor.page.url == visit["msdynci_viewuri"]


def test_single_page_app_navigations_are_visits(visitor, webtrack):
    profile = webtrack.profile()["id"]
    page = visitor.arrive(profile, "app", "/")
    webtrack.expect(profile, "website_visited")
    page.click("#nav-features")
    features = webtrack.expect(profile, "website_visited", msdynci_viewname="features")[0]
    assert features["msdynci_viewtitle"] == "Planner — features"
    assert features["msdynci_viewpreviousviews"] == visitor.url("app", "/")
    page.click("#nav-about")
    webtrack.expect(profile, "website_visited", msdynci_viewname="about")
    page.go_back()  # popstate
    back = webtrack.expect(profile, "website_visited", count=2, msdynci_viewname="features")[1]
    assert back["msdynci_viewpreviousviews"] == visitor.url("app", "/about")
    assert len(webtrack.interactions(profile, "website_visited")) == 4


@pytest.mark.parametrize("site,path,title", [
    ("portal", "/account.html", "Your account — Member portal"),
    ("tagged", "/offers.html", "Offers — Northwind Travel"),
])
def test_other_installs_track_the_same(visitor, webtrack, site, path, title):
    profile = webtrack.profile()["id"]
    visitor.arrive(profile, site, path)
    visit = webtrack.expect(profile, "website_visited")[0]
    assert visit["site"] == site and visit["msdynci_viewtitle"] == title
