"""Contract §3-5 for pages of a site shown inside a frame.

The contract does not set frames apart: a page of the site loaded in a frame is a page
load, and its links are links. What it does say decides each case:

- **Same origin** (a shop page framing another shop page): the frame's page shares the
  site's cookies, so a known visitor's frame load is a ``website_visited`` naming the
  framed page, and a link activated in the frame is a click on *that* page (its address
  and title, coordinates in its own document), once: the page around it sees no click.
  The frame's previous view is not checked: whether the page around a frame is "the
  previous page of this visit in this tab" the contract does not say.
- **Another site** (the partner framing a shop page): the tracking cookie is first-party
  and ``SameSite=Lax``, so the browser does not hand it to the shop page framed by another
  site, and does not let that page set one. The visitor is anonymous there: nothing is
  sent, even when the frame is the landing of a tracked link, and no cookie is left for the
  shop afterwards. A script that keeps the tracking context in memory (or anywhere other
  than the cookie) when the cookie cannot be written tracks a visitor the contract calls
  anonymous. (The sample shop forbids being framed by others; here it is served as a site
  that allows embedding serves it.)
"""

from urllib.parse import urlsplit

import pytest

from harness.client import http_client
from harness.scenarios.probes import known_visitor
from harness.visitor import CONTEXT_COOKIE

pytestmark = pytest.mark.browser
FRAME = """([id, src]) => new Promise((resolve) => {
  const frame = document.createElement("iframe");
  frame.id = id;
  frame.width = 600;
  frame.height = 400;
  frame.addEventListener("load", () => resolve(), {once: true});
  frame.src = src;
  document.body.prepend(frame);
})"""
# Where the frame's own document saw the pointer, in its page coordinates.
POINTER = """() => addEventListener("click", (e) => {
  window.pointer = Math.round(e.pageX) + "," + Math.round(e.pageY); }, true)"""
CENTRE = """e => { const r = e.getBoundingClientRect();
  return [r.left + r.width / 2 + scrollX, r.top + r.height / 2 + scrollY].map(Math.round)
    .join(","); }"""


def test_a_page_framed_by_its_own_site_is_a_page_of_the_visit(visitor, webtrack):
    profile = known_visitor(visitor, webtrack, "shop", "/")
    page = visitor.page
    framed = visitor.url("shop", "/elements.html")
    page.evaluate(FRAME, ["same", framed])
    (visit,) = webtrack.expect(profile, "website_visited", msdynci_viewname="elements.html")
    assert (visit["msdynci_viewuri"], visit["msdynci_viewtitle"], visit["msdynci_viewtype"]) \
        == (framed, "Every kind of link — Lumen & Co.", "page"), visit
    frame = page.frame_locator("#same")
    frame.locator("body").evaluate(POINTER)
    frame.locator("#button").click(position={"x": 7, "y": 5})
    pointer = frame.locator("body").evaluate("() => window.pointer")
    frame.locator("#anchor").focus()
    centre = frame.locator("#anchor").evaluate(CENTRE)
    page.keyboard.press("Enter")
    clicks = webtrack.expect(profile, "website_link_clicked", count=2)
    visitor.settle()
    got = sorted((c["msdynci_actiontype"], c["msdynci_linkuri"], c["msdynci_actionisoutbound"],
                  c["msdynci_clickcoordinates"], c["msdynci_viewuri"], c["msdynci_viewtitle"])
                 for c in webtrack.interactions(profile, "website_link_clicked"))
    title = "Every kind of link — Lumen & Co."
    assert got == sorted([
        ("LClick", "", False, pointer, framed, title),
        ("KEnter", framed + "#anchor-target", False, centre, framed, title)]), got
    assert len(clicks) == 2


def embeddable(port: int):
    """Serve the shop's pages as a site that lets others embed it does (without its
    frame-ancestors and X-Frame-Options)."""
    def serve(route):
        url = urlsplit(route.request.url)
        with http_client(port, "shop.localhost") as client:
            response = client.get(url.path + ("?" + url.query if url.query else ""))
        route.fulfill(status=response.status_code, body=response.content, headers={
            k: v for k, v in response.headers.items() if k.lower() not in (
                "x-frame-options", "content-security-policy", "content-length",
                "content-encoding", "transfer-encoding")})
    return serve


# Firefox only: in Chromium a page served by a route counts as a public address, and its
# requests to the loopback collector (the script itself) are blocked as private network
# access, so the script would never run there and the scenario would prove nothing; the
# sample shop itself refuses to be framed by another site.
@pytest.mark.only_browser("firefox")
def test_a_page_framed_by_another_site_is_anonymous(visitor, webtrack):
    profile = known_visitor(visitor, webtrack, "shop", "/")
    cookie = visitor.expect_tracking_cookie(CONTEXT_COOKIE, "shop")
    stranger = webtrack.profile()["id"]
    pricing = visitor.url("shop", "/pricing.html")
    page = visitor.goto("partner", "/")
    page.route(lambda url: url.startswith(visitor.url("shop", "/")),
               embeddable(visitor.server.port))
    scripts = []  # the script loaded in each frame (else the scenario would prove nothing)
    page.on("request", lambda r: scripts.append(r.frame.url) if urlsplit(r.url).path
            == "/tracker.js" and r.frame != page.main_frame else None)
    visitor.mark()
    # The known visitor's shop, framed by the partner; then another profile's arrival
    # (a tracked link's redirect, its context in the address) in a frame there.
    page.evaluate(FRAME, ["known", visitor.url("shop", "/elements.html")])
    page.evaluate(FRAME, ["link", pricing + "?wt_ctx=" + webtrack.context_for(stranger, pricing)])
    for id in ("known", "link"):
        frame = page.frame_locator(f"#{id}")
        frame.locator("a, button").first.click(button="right")
        frame.locator("body").evaluate("() => history.pushState({}, '', '?framed')")
    visitor.expect_no_beacon(leave=False)
    assert len(scripts) == 2, scripts
    assert [i["type"] for i in webtrack.interactions(stranger)] == ["email_link_clicked"]
    assert [i["type"] for i in webtrack.interactions(profile)] == [
        "email_link_clicked", "website_visited"]
    # The shop's own cookie is the known visitor's, unchanged; none came from the frames.
    assert visitor.tracking_cookies() == {CONTEXT_COOKIE: cookie}
