"""Contract §3-5 when the page gets in the way: its own handlers, a second copy, odd hooks.

Real sites stop event propagation, install the script twice, throw from their consent
hook or their router's history wrapper, and refuse beacons. Each scenario here is one such
page and what must still (or still not) be recorded; the gate's mutation run found that
nothing else looked.
"""

import pytest

from harness.visitor import CONTEXT_COOKIE

pytestmark = pytest.mark.browser

STOP_PROPAGATION = """([selector, types]) => {
  const element = document.querySelector(selector);
  for (const type of types) element.addEventListener(type, (e) => e.stopPropagation());
}"""


def actions(webtrack, profile):
    return [i["msdynci_actiontype"] for i in webtrack.interactions(profile,
                                                                  "website_link_clicked")]


@pytest.mark.parametrize("how,action", [
    ("left", "LClick"), ("right", "RClick"), ("middle", "MClick"), ("Enter", "KEnter")])
def test_activation_is_seen_when_the_page_stops_propagation(visitor, webtrack, tracked, how,
                                                            action):
    page = visitor.page
    page.evaluate(STOP_PROPAGATION, ["#add-lamp", ["mousedown", "click", "auxclick",
                                                   "keydown", "keyup"]])
    if how == "Enter":
        page.focus("#add-lamp")
        page.keyboard.press("Enter")
    else:
        page.click("#add-lamp", button=how)
    event = webtrack.expect(tracked, "website_link_clicked", msdynci_actiontype=action)[0]
    assert event["msdynci_linkuri"] == "" and event["msdynci_viewuri"] == visitor.url("shop")
    assert actions(webtrack, tracked) == [action]  # one activation, one interaction


@pytest.mark.parametrize("stopped", [False, True], ids=["plain", "page-stops-mousedown"])
def test_mouse_click_after_a_key_on_the_same_link_counts(visitor, webtrack, tracked, stopped):
    # Space on a link records KSpace and makes no click; a later real click is an LClick,
    # not the key's own click to be skipped, even if the page stops the mousedown.
    page = visitor.page
    page.evaluate("document.querySelector('#product-lamp').addEventListener('click', "
                  "(e) => e.preventDefault())")  # stay on the page
    if stopped:
        page.evaluate(STOP_PROPAGATION, ["#product-lamp", ["mousedown"]])
    page.focus("#product-lamp")
    page.keyboard.press(" ")
    webtrack.expect(tracked, "website_link_clicked", msdynci_actiontype="KSpace")
    page.click("#product-lamp")
    webtrack.expect(tracked, "website_link_clicked", msdynci_actiontype="LClick")
    assert actions(webtrack, tracked) == ["KSpace", "LClick"]


@pytest.mark.parametrize("event,trigger", [
    ("auxclick", "middle"), ("keydown", "Enter")])
def test_page_handler_that_opts_out_wins_over_its_own_activation(visitor, webtrack, tracked,
                                                                 event, trigger):
    # A control whose own handler opts the visitor out (a banner's "reject", by middle
    # click or by key): the script decides after the page's handlers, so it is not sent.
    page = visitor.page
    page.evaluate("""([type]) => document.querySelector('#add-lamp').addEventListener(type,
        () => { window.disableCookiesUsage = () => true; })""", [event])
    visitor.mark()
    if trigger == "Enter":
        page.focus("#add-lamp")
        page.keyboard.press("Enter")
    else:
        page.click("#add-lamp", button=trigger)
    visitor.expect_no_beacon()
    assert actions(webtrack, tracked) == []
    assert CONTEXT_COOKIE not in visitor.cookies()


def test_a_second_copy_of_the_script_does_nothing(visitor, webtrack, tracked):
    page = visitor.page
    page.evaluate("""(src) => new Promise((loaded) => {
        const copy = document.createElement('script');
        copy.src = src;
        copy.dataset.site = 'shop';
        copy.onload = loaded;
        document.head.appendChild(copy);
    })""", visitor.server.url_for("collector", "/tracker.js"))
    page.click("#add-lamp")
    webtrack.expect(tracked, "website_link_clicked", msdynci_actiontype="LClick")
    visitor.settle()
    assert actions(webtrack, tracked) == ["LClick"]
    assert len(webtrack.interactions(tracked, "website_visited")) == 1


def test_a_consent_hook_that_throws_counts_as_opted_out(visitor, webtrack):
    visitor.page.add_init_script(
        "window.disableCookiesUsage = function () { throw new Error('banner not ready'); };")
    profile = webtrack.profile(consent="opted_in")["id"]
    visitor.arrive(profile, "shop", "/")
    visitor.page.click("#add-lamp")
    assert visitor.tracking_cookies() == {}
    visitor.expect_no_beacon()
    assert webtrack.interactions(profile, "website_visited") == []


def test_a_module_install_is_tracked(visitor, webtrack):
    # As a module the script has no document.currentScript: it finds its own tag instead.
    page = visitor.page
    tracker = visitor.server.url_for("collector", "/tracker.js")
    page.route(tracker, lambda route: route.abort())  # the page's classic install: off
    profile = webtrack.profile()["id"]
    page.goto(webtrack.link(profile, visitor.url("shop", "/")))
    page.evaluate("""(src) => {
        const module = document.createElement('script');
        module.type = 'module';
        module.src = src;
        module.dataset.site = 'shop';
        document.head.appendChild(module);
    }""", tracker + "?as=module")
    page.wait_for_url(lambda url: "wt_ctx=" not in url)
    visit = webtrack.expect(profile, "website_visited")[0]
    assert visit["msdynci_viewuri"] == visitor.url("shop", "/")


def test_a_cookie_whose_name_ends_like_the_tracking_cookie_is_not_read(visitor, webtrack):
    # Another vendor's "x_msdynci_trackingContext", older and so first in document.cookie.
    visitor.page.context.add_cookies([{"name": "x_" + CONTEXT_COOKIE, "value": "not-ours",
                                       "url": visitor.url("shop", "/")}])
    profile = webtrack.profile()["id"]
    visitor.arrive(profile, "shop", "/")
    webtrack.expect(profile, "website_visited")
    visitor.goto("shop", "/pricing.html")
    webtrack.expect(profile, "website_visited", msdynci_viewname="pricing.html")
    assert webtrack.rejected() == []


def test_the_tracking_cookie_declares_same_site_lax_itself(visitor, webtrack):
    # Chromium treats a cookie without SameSite as Lax, and reports it so: ask what was set.
    profile = webtrack.profile()["id"]
    page = visitor.arrive(profile, "shop", "/")
    if page.context.browser.browser_type.name == "chromium":
        cookies = page.context.new_cdp_session(page).send("Network.getCookies")["cookies"]
        declared = {c["name"]: c.get("sameSite") for c in cookies}
    else:
        declared = {name: c["sameSite"] for name, c in visitor.cookies().items()}
    assert declared.get(CONTEXT_COOKIE) == "Lax", declared


def test_opted_out_sends_nothing_even_with_a_cookie_it_cannot_remove(visitor, webtrack):
    # A tracking cookie for the whole domain (set by a server, say): the script cannot
    # delete it with its own host-only write, and must send nothing all the same.
    profile = webtrack.profile(consent="opted_in")["id"]
    context = webtrack.context_for(profile, visitor.url("shop", "/"))
    visitor.page.context.add_cookies([{"name": CONTEXT_COOKIE, "value": context,
                                       "domain": ".shop.localhost", "path": "/"}])
    visitor.page.add_init_script("window.disableCookiesUsage = function () { return true; };")
    visitor.goto("shop", "/")
    visitor.page.click("#add-lamp")
    visitor.expect_no_beacon()
    assert [i["type"] for i in webtrack.interactions(profile)] == ["email_link_clicked"]


@pytest.mark.parametrize("beacons", [
    "Object.defineProperty(Navigator.prototype, 'sendBeacon', {value: undefined});",
    "Navigator.prototype.sendBeacon = function () { return false; };",
], ids=["no-sendBeacon", "beacon-refused"])
def test_delivery_falls_back_when_beacons_are_not_there(visitor, webtrack, beacons):
    visitor.page.add_init_script(beacons)
    profile = webtrack.profile()["id"]
    visitor.arrive(profile, "shop", "/")
    webtrack.expect(profile, "website_visited")
    visitor.page.click("#pricing-banner")  # the click leaves the page: still delivered
    webtrack.expect(profile, "website_link_clicked", msdynci_actiontype="LClick")
    webtrack.expect(profile, "website_visited", msdynci_viewname="pricing.html")
    assert webtrack.rejected() == []


def test_a_query_the_script_does_not_own_is_kept_as_written(visitor, webtrack):
    # Re-serialising the query (dark+oak, %7E) would change the page's own address.
    profile = webtrack.profile()["id"]
    visitor.arrive(profile, "shop", "/")
    webtrack.expect(profile, "website_visited")
    url = visitor.url("shop", "/products/lamp.html?colour=dark%20oak&size=~m")
    visitor.page.goto(url)
    visit = webtrack.expect(profile, "website_visited", msdynci_viewname="lamp.html")[0]
    assert visit["msdynci_viewuri"] == url and visitor.page.url == url


ADD_LINK = """([html]) => {
  const holder = document.createElement('p');
  holder.innerHTML = html;
  document.body.prepend(holder);
  holder.addEventListener('click', (e) => e.preventDefault());  // stay on the page
}"""


@pytest.mark.parametrize("html,base,target", [
    ('<a id="probe" href="shade.html">a relative link</a>', "/products/",
     "/products/shade.html"),
    ('<svg width="120" height="30"><a id="probe" href="/cart.html"><text x="4" y="20">'
     'svg link</text></a></svg>', None, "/cart.html"),
    ('<button id="probe" type="button" href="/cart.html">button with an href</button>',
     None, ""),
], ids=["under-base-href", "svg-link", "button-with-href"])
def test_link_target_is_what_the_browser_would_follow(visitor, webtrack, tracked, html, base,
                                                       target):
    page = visitor.page
    if base:
        page.evaluate("(href) => { const b = document.createElement('base'); b.href = href; "
                      "document.head.prepend(b); }", base)
    page.evaluate(ADD_LINK, [html])
    page.click("#probe")
    event = webtrack.expect(tracked, "website_link_clicked", msdynci_actiontype="LClick")[0]
    assert event["msdynci_linkuri"] == (visitor.url("shop", target) if target else "")


def test_an_empty_tracking_parameter_sets_nothing(visitor, webtrack):
    page = visitor.page
    page.goto(visitor.url("shop", "/?wt_ctx=&wt_fsid="))
    page.wait_for_url(visitor.url("shop", "/"))  # taken off the address bar all the same
    assert visitor.tracking_cookies() == {}
    visitor.expect_no_beacon()


def test_a_key_on_a_scrolled_page_gives_page_coordinates(visitor, webtrack, tracked):
    page = visitor.page
    page.set_viewport_size({"width": 800, "height": 200})
    page.evaluate("document.querySelector('#partner-link').addEventListener('click', "
                  "(e) => e.preventDefault())")
    link = page.locator("#partner-link")
    link.scroll_into_view_if_needed()
    scroll = page.evaluate("[window.scrollX, window.scrollY]")
    box = link.bounding_box()
    link.focus()
    page.keyboard.press("Enter")
    event = webtrack.expect(tracked, "website_link_clicked", msdynci_actiontype="KEnter")[0]
    x, y = map(int, event["msdynci_clickcoordinates"].split(","))
    centre = (box["x"] + scroll[0] + box["width"] / 2, box["y"] + scroll[1] + box["height"] / 2)
    assert scroll[1] > 0 and abs(x - centre[0]) <= 1 and abs(y - centre[1]) <= 1, (
        event["msdynci_clickcoordinates"], centre)


# A router's wrapper, installed before the script: its bookkeeping after the call throws
# for an entry without a state of its own, as the one a tracked link lands on.
THROWING_ROUTER = """(() => {
  const original = history.replaceState;
  history.replaceState = function (state, title, url) {
    original.call(this, state, title, url);
    return state.route;  // a TypeError for a null state
  };
})();"""


def test_replace_state_navigation_is_a_visit(visitor, webtrack):
    # Through a router whose wrapper throws once the address bar is cleaned: the arrival
    # still sets the cookie and the page load is still a visit.
    visitor.page.add_init_script(THROWING_ROUTER)
    profile = webtrack.profile()["id"]
    page = visitor.arrive(profile, "app", "/")
    visitor.expect_tracking_cookie(site="app")
    (visit,) = webtrack.expect(profile, "website_visited")
    assert visit["msdynci_viewuri"] == visitor.url("app", "/"), visit
    page.evaluate("history.replaceState({}, '', '/about')")
    visit = webtrack.expect(profile, "website_visited", msdynci_viewname="about")[0]
    assert visit["msdynci_viewuri"] == visitor.url("app", "/about")


def test_a_page_left_at_once_still_reports_its_visit(visitor, webtrack):
    # The page moves on as soon as it is parsed, inside the script's batching window, and
    # keeps its main thread busy from its start until it is gone (an app booting, a game
    # loop: one task queued after another), so it is never idle: a visit is owed for
    # every page load, not only for pages that come to rest (an idle callback never runs
    # on this one in Chromium; Firefox found it an idle moment all the same).
    profile = webtrack.profile()["id"]
    visitor.arrive(profile, "shop", "/")
    webtrack.expect(profile, "website_visited")
    visitor.page.add_init_script("""if (location.pathname === '/cart.html') {
        const channel = new MessageChannel();
        let gone = false;
        addEventListener('pagehide', () => { gone = true; });
        channel.port1.onmessage = () => {
          const until = performance.now() + 8;
          while (performance.now() < until) { /* busy */ }
          if (!gone) channel.port2.postMessage(0);
        };
        channel.port2.postMessage(0);
        document.addEventListener('DOMContentLoaded', () => location.replace('/pricing.html'));
    }""")
    visitor.goto("shop", "/cart.html")
    webtrack.expect(profile, "website_visited", msdynci_viewname="cart.html")
    webtrack.expect(profile, "website_visited", msdynci_viewname="pricing.html")


def test_a_copy_that_cannot_find_its_own_tag_stays_silent(visitor, webtrack):
    # A module copy (no currentScript) whose tag names no site, on a page without any other
    # install: the script does nothing, and throws nothing into the page.
    page = visitor.page
    errors = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    profile = webtrack.profile()["id"]
    visitor.arrive(profile, "shop", "/")
    webtrack.expect(profile, "website_visited")
    page.evaluate("""(src) => new Promise((loaded) => {
        for (const tag of document.querySelectorAll('script[src*="/tracker.js"]')) tag.remove();
        delete window.webtrack;  // as on a page that never ran the script
        const copy = document.createElement('script');
        copy.type = 'module';
        copy.src = src;
        copy.onload = copy.onerror = loaded;
        document.head.appendChild(copy);
    })""", visitor.server.url_for("collector", "/tracker.js") + "?unnamed")
    visitor.settle()
    assert errors == [] and page.evaluate("window.webtrack.started") is None


def test_a_page_reached_from_another_site_has_no_previous_view(visitor, webtrack, tracked):
    url = visitor.url("shop", "/pricing.html")
    visitor.page.goto(url, referer=visitor.url("partner", "/"))
    visit = webtrack.expect(tracked, "website_visited", msdynci_viewname="pricing.html")[0]
    assert visit["msdynci_viewpreviousviews"] == ""
