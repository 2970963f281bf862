"""The walking skeleton, end to end in a real browser: tracked link → cookie → visit recorded."""

import pytest

pytestmark = pytest.mark.browser


def test_tracked_link_visit_is_recorded(webtrack, site_url, page, browser_name):
    profile = webtrack.profile("contact", consent="opted_in")
    link = webtrack.link(profile["id"], site_url("shop", "/cart.html"))

    page.goto(link)

    # The script is in <head>, the cookie is set, and the visit is readable from the API.
    assert page.locator('head script[src$="/tracker.js"]').count() == 1
    visit = webtrack.expect(profile["id"], "website_visited")[0]
    cookies = {c["name"]: c for c in page.context.cookies()}
    assert "msdynci_trackingContext" in cookies, f"{browser_name}: cookies {list(cookies)}"
    assert visit["msdynci_viewuri"] == site_url("shop", "/cart.html")
    assert visit["msdynci_viewtitle"] == "Your cart"
