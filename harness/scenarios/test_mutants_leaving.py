"""Contract §5: a click that leaves the page is still delivered, whatever carries it.

Where beacons are refused the script delivers by ``fetch``; a plain fetch belongs to its
document and is cancelled when the page goes, only one made with ``keepalive`` outlives it.
On loopback a delivery is answered before any navigation completes, so losing it shows
only when it is slow: here every delivery is held on its way to the collector until the
page the click led to has loaded, and then let through.

The page is a little unusual on the way: it has a global of its own named ``webtrack``
(falsy); its title has a template's whitespace around and inside it; its router keeps its
own state in the history entry, which the script leaves as it
was when it takes the tracking parameter off the address bar; and its address carries its own
origin in the query (a return-to parameter), which the next page's
``msdynci_viewpreviousviews`` keeps whole.
"""

import pytest
from playwright.sync_api import Error as PlaywrightError

from .probes import known_visitor

pytestmark = pytest.mark.browser
BEACON_REFUSED = "Navigator.prototype.sendBeacon = function () { return false; };"
PAGE_GLOBAL = "window.webtrack = 0;"
# Before the deferred script runs: readiness becomes "interactive" just before it does.
ROUTER_STATE = """document.addEventListener("readystatechange", () => {
  if (document.readyState === "interactive" && location.hostname.startsWith("shop."))
    history.replaceState({route: "home"}, "");
});"""


def test_a_fetch_delivery_still_on_its_way_outlives_the_page(visitor, webtrack):
    page = visitor.page
    page.add_init_script(BEACON_REFUSED + PAGE_GLOBAL + ROUTER_STATE)
    home = visitor.url("shop", "/")
    profile = known_visitor(visitor, webtrack)
    assert page.evaluate("[location.href, history.state]") == [home, {"route": "home"}]
    # An in-page navigation, the app having put its title in with a template's whitespace:
    # the document's title is that text stripped and collapsed.
    page.evaluate("""(home) => {
      document.querySelector("title").textContent = "\\n   Lumen   home \\n";
      history.replaceState(null, "", "/?back=" + home);
    }""", home)
    visit = webtrack.expect(profile, "website_visited", count=2)[1]
    assert visit["msdynci_viewtitle"] == "Lumen home", visit
    held: list = []
    released = False

    def hold(route) -> None:
        # Held until the page is left; from then on (a browser may hand on a request it
        # intercepted just before) let through at once, so none is left pending.
        if released:
            route.continue_()
        else:
            held.append(route)

    page.route("**/collect", hold)
    page.click("#pricing-banner")
    page.wait_for_url(visitor.url("shop", "/pricing.html"))
    page.wait_for_load_state("load")
    released = True
    for route in held:  # the click's delivery, then the new page's visit
        try:
            route.continue_()
        except PlaywrightError:
            pass  # cancelled with the page it came from: lost, as the check below says
    (click,) = webtrack.expect(profile, "website_link_clicked")
    assert click["msdynci_linkuri"] == visitor.url("shop", "/pricing.html"), click
    (visit,) = webtrack.expect(profile, "website_visited", msdynci_viewname="pricing.html")
    assert visit["msdynci_viewpreviousviews"] == f"{home}?back={home}", visit
