"""Contract §3-4: the tracking cookies as the visitor opts out on any page of the site.

A cookie is removed only by a write with the attributes it was set with: a removal
without ``path=/`` removes nothing on a page below the root, where the default path is
the page's folder. The other opt-out scenarios all happen on pages at the root (``/``,
``/pricing.html``), where the two are the same; here the visitor opts out deeper, with
both tracking cookies set. Opted out, the script also sets nothing, not even for a
moment (renewing a cookie before asking), and keeps nothing in another store instead.
"""

import pytest

from harness.visitor import CONTEXT_COOKIE, FORM_COOKIE

pytestmark = pytest.mark.browser
OPTED_OUT = "window.disableCookiesUsage = function () { return true; };"
# Every store a page can keep something in, other than cookies, as the page sees it.
STORES = """async () => {
  const stores = {localStorage: {...localStorage}, sessionStorage: {...sessionStorage}};
  stores.indexedDB = indexedDB.databases ? (await indexedDB.databases()).map(d => d.name) : [];
  stores.caches = self.caches ? await caches.keys() : [];
  return stores;
}"""
EMPTY: dict[str, dict | list] = {"localStorage": {}, "sessionStorage": {}, "indexedDB": [],
                                 "caches": []}


def both_cookies(visitor, webtrack, path: str) -> None:
    """A known visitor arriving at *path*, who also submitted a tracked form: both
    tracking cookies set by the script, as the contract says."""
    profile = webtrack.profile()["id"]
    page = visitor.arrive(profile, "shop", path)
    webtrack.expect(profile, "website_visited")
    # The form's redirect hands the site a submission id the same way (its value is not
    # the collector's, so that delivery is refused: only the cookie matters here).
    page.goto(visitor.url("shop", path) + "?wt_fsid=submitted-here")
    page.wait_for_url(visitor.url("shop", path))
    for name in (CONTEXT_COOKIE, FORM_COOKIE):
        visitor.expect_tracking_cookie(name, "shop")
    # That page's visit is refused, but it must have landed before anything is marked: a
    # beacon Firefox reports late would otherwise be counted as sent after the opt-out.
    assert visitor.wait_delivered(2), "the visit of the page handed a form id never landed"


@pytest.mark.parametrize("arrived,opted_out", [
    ("/products/lamp.html", "/products/shade.html"),
    ("/", "/products/"),
], ids=["below-the-root", "root-then-a-folder"])
def test_opting_out_below_the_root_removes_both_cookies_and_sets_nothing(
        visitor, webtrack, arrived, opted_out):
    both_cookies(visitor, webtrack, arrived)
    visitor.mark()
    visitor.record_cookie_writes()
    visitor.page.add_init_script(OPTED_OUT)
    visitor.goto("shop", opted_out)
    assert visitor.tracking_cookies() == {}, (
        f"opted out on {opted_out}, tracking cookies stay: {sorted(visitor.tracking_cookies())}")
    assert visitor.tracking_cookie_writes() == [], (
        "opted out, the script still set a tracking cookie (before removing it?): "
        f"{visitor.tracking_cookie_writes()}")
    assert visitor.page.evaluate(STORES) == EMPTY
    visitor.expect_no_beacon(leave=False)
