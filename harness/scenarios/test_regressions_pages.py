"""Contract §1 and §5 on pages unlike the samples in two ways real sites are.

- **The site is what the install names.** ``data-site="SITE-ID"`` is the site's id, which
  need not be its host name (products give sites opaque ids). Every sample site's id is
  its host name, so a script that takes the site from the host passes them all; here the
  partner's origin is registered as a site of an opaque id and the script installed on it
  with that id (by a loader, as tag snippets do), and every delivery names that id.
- **The page's own handlers stop propagation.** A page (a menu closing on any click, a
  widget library) may stop clicks, auxiliary clicks and keys from travelling further as
  soon as they reach the window; the link is still activated (the browser follows it),
  so each is still one interaction. A script listening anywhere below the window (the
  document, the body) never hears them.
- **The page never finishes loading.** An image (an ad, a tracking pixel of someone else)
  that never arrives keeps the window's ``load`` from firing; the page was shown and read
  all the same, and a visitor who leaves it made a visit. A script that sends the visit on
  ``load`` loses every such page; the sample pages all load at once.
- **The page names its index file.** ``/index.html`` is the same page as ``/``, but its
  address names it: its view name is the last segment, ``index.html``, not ``/``. A script
  that tidies index files into the root names a page that the address does not.
"""

import pytest

from harness.scenarios.probes import known_visitor

pytestmark = pytest.mark.browser
PAGE = "/elements.html"
SITE = "lumen-7f3a"
# A loader snippet installing the script with the site's id, on that site's pages only.
INSTALL = """((host, src, id) => {
  if (location.host !== host || window.top !== window) return;
  document.addEventListener("DOMContentLoaded", () => {
    const script = document.createElement("script");
    script.src = src;
    script.setAttribute("data-site", id);
    document.head.append(script);
  });
})(%r, %r, %r);"""
# An image that never arrives, on the pricing page: its window's load never fires.
STALLED = """if (location.pathname === "/pricing.html")
  document.addEventListener("DOMContentLoaded", () =>
    document.body.append(Object.assign(new Image(), {src: "/never-arrives.png"})));"""
STOPPED = """() => ["click", "auxclick", "keydown", "mousedown"].forEach(
  (type) => addEventListener(type, (e) => e.stopPropagation(), true))"""


@pytest.fixture
def opaque_site(visitor, webtrack):
    """The partner's origin registered as site SITE for this scenario, then let go."""
    origin = visitor.url("partner", "/").rstrip("/")
    webtrack.site(SITE, origin)
    yield SITE
    webtrack.site(SITE, origin.replace("partner.", "lumen-7f3a."))  # the partner is free


def test_deliveries_name_the_site_of_the_install(visitor, webtrack, opaque_site):
    page = visitor.page
    host = visitor.url(SITE, "/").split("/")[2]
    page.add_init_script(INSTALL % (host, visitor.server.url_for("collector", "/tracker.js"),
                                    SITE))
    profile = known_visitor(visitor, webtrack, SITE, "/")
    page.locator("a").first.click(button="right")
    webtrack.expect(profile, "website_link_clicked")
    visitor.settle()
    assert sorted((i["type"], i["site"]) for i in webtrack.interactions(profile)
                  if i["type"].startswith("website_")) == [
        ("website_link_clicked", SITE), ("website_visited", SITE)]
    assert {body["site"] for body in visitor.delivered()} == {SITE}


def test_inputs_a_page_stops_at_the_window_are_still_activations(visitor, webtrack):
    profile = known_visitor(visitor, webtrack, "shop", PAGE)
    page = visitor.page
    page.evaluate(STOPPED)
    anchor = visitor.url("shop", PAGE + "#anchor-target")
    page.locator("#button").click()
    page.locator("#anchor").click(button="middle")
    page.locator("#role-link").click(button="right")
    page.locator("#anchor").focus()
    page.keyboard.press("Enter")
    page.locator("#button").focus()
    page.keyboard.press(" ")
    wanted = sorted([("LClick", ""), ("MClick", anchor), ("RClick", ""), ("KEnter", anchor),
                     ("KSpace", "")])
    webtrack.expect(profile, "website_link_clicked", count=len(wanted))
    visitor.settle()
    got = sorted((c["msdynci_actiontype"], c["msdynci_linkuri"])
                 for c in webtrack.interactions(profile, "website_link_clicked"))
    assert got == wanted, got


def test_a_page_left_before_it_finished_loading_was_visited(visitor, webtrack):
    profile = known_visitor(visitor, webtrack, "shop", "/")
    page = visitor.page
    page.route("**/never-arrives.png", lambda route: None)  # never answered
    page.add_init_script(STALLED)
    pricing = visitor.url("shop", "/pricing.html")
    page.click("#pricing-banner")
    page.wait_for_url(pricing, wait_until="domcontentloaded")
    assert page.evaluate("document.readyState") == "interactive"
    page.goto(visitor.url("partner", "/"))  # the image still on its way
    (visit,) = webtrack.expect(profile, "website_visited", msdynci_viewname="pricing.html")
    assert (visit["msdynci_viewuri"], visit["msdynci_viewpreviousviews"]) == (
        pricing, visitor.url("shop", "/")), visit


def test_an_index_file_is_named_by_its_address(visitor, webtrack, tracked):
    for path in ("/index.html", "/products/index.html"):
        visitor.goto("shop", path)
    visits = webtrack.expect(tracked, "website_visited", count=3)[1:]
    # Two pages' visits, one not awaited before the next: either may land first.
    assert sorted((v["msdynci_viewuri"], v["msdynci_viewname"]) for v in visits) == [
        (visitor.url("shop", "/index.html"), "index.html"),
        (visitor.url("shop", "/products/index.html"), "index.html")], visits
