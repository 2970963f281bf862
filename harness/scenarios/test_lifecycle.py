"""Contract §5 as the page goes away and comes back: a click still waiting to be sent when
the tab is hidden, the page left or closed is delivered then; a page shown again from the
back-forward cache is a visit again, also when it is left again at once (back and
forward again with a quick hand): its visit is sent as it is shown, not later.

The script decides a click after the page's own handlers ran, so the page can opt out in
them: when the click bubbles up to the window, or, on a page that stops it on the way, at
the next timer. Here the page stops it and the page's clock is held, so that timer has not
run when the page goes away: what leaves then is what the page's lifecycle events made the
script send, as on a busy page, in a throttled background tab or with a quick hand.
And an activation whose event does reach the window is sent as that event ends, whatever
the page's timers do.
"""

import time

import pytest
from playwright.sync_api import Error as PlaywrightError

pytestmark = pytest.mark.browser
HOME_TITLE = "Lumen & Co. — lamps for quiet rooms"
HIDE = """() => {
  Object.defineProperty(document, "visibilityState", {value: "hidden", configurable: true});
  Object.defineProperty(document, "hidden", {value: true, configurable: true});
  document.dispatchEvent(new Event("visibilitychange", {bubbles: true}));
}"""
# Left into the back-forward cache and shown again from it, as the page sees it (a browser
# under automation may not cache pages itself).
RESTORED = """() => {
  window.dispatchEvent(new PageTransitionEvent("pagehide", {persisted: true}));
  window.dispatchEvent(new PageTransitionEvent("pageshow", {persisted: true}));
}"""
SHOW = """() => {
  delete document.visibilityState;
  delete document.hidden;
  document.dispatchEvent(new Event("visibilitychange", {bubbles: true}));
}"""


def stop_propagation(page, selector: str) -> None:
    """The page's own handler on *selector* keeps its clicks from bubbling further."""
    page.evaluate("""(selector) => document.querySelector(selector).addEventListener(
        "click", (e) => e.stopPropagation())""", selector)


def hold_timers(page) -> None:
    """Stop the page's clock: timers the script sets from now on wait until it runs."""
    page.clock.pause_at(page.evaluate("Date.now()") / 1000 + 1)  # seconds


def sent_since(visitor, count: int) -> int:
    """Deliveries seen leaving the browser after the first *count*."""
    visitor.page.evaluate("0")  # a round trip brings in the request events until now
    return visitor.sent - count


def inside(coordinates: str, box: dict) -> bool:
    x, y = map(int, coordinates.split(","))
    return box["x"] - 1 <= x <= box["x"] + box["width"] + 1 and \
        box["y"] - 1 <= y <= box["y"] + box["height"] + 1


def the_click(webtrack, profile, box, **fields):
    """The one website_link_clicked recorded, with every field as expected."""
    (click,) = webtrack.expect(profile, "website_link_clicked")
    expected = {"msdynci_actiontype": "LClick", "msdynci_actionisoutbound": False,
                "msdynci_linkuri": "", "msdynci_viewtitle": HOME_TITLE, **fields}
    assert {k: click[k] for k in expected} == expected, click
    assert inside(click["msdynci_clickcoordinates"], box), (click, box)
    return click


def test_a_click_waiting_to_be_sent_goes_when_the_tab_is_hidden(visitor, webtrack, tracked):
    page = visitor.page
    box = page.locator("#add-lamp").bounding_box()
    stop_propagation(page, "#add-lamp")
    before = sent_since(visitor, 0)
    hold_timers(page)
    page.click("#add-lamp")
    assert sent_since(visitor, before) == 0  # decided only once the page's handlers ran
    page.evaluate(HIDE)  # another tab in front, the window minimised, the phone locked
    the_click(webtrack, tracked, box, msdynci_viewuri=visitor.url("shop", "/"))
    page.evaluate(SHOW)
    page.clock.resume()
    visitor.advance()  # the held timer runs now: the click is not sent a second time
    visitor.settle()
    assert len(webtrack.interactions(tracked, "website_link_clicked")) == 1
    assert sent_since(visitor, before) == 1


def test_a_click_waiting_to_be_sent_goes_when_the_tab_is_closed(visitor, webtrack, tracked):
    page = visitor.page
    box = page.locator("#add-lamp").bounding_box()
    stop_propagation(page, "#add-lamp")
    hold_timers(page)
    page.click("#add-lamp")
    with page.expect_event("close"):
        page.close(run_before_unload=True)
    the_click(webtrack, tracked, box, msdynci_viewuri=visitor.url("shop", "/"))


@pytest.mark.parametrize("link,target,outbound", [
    ("#pricing-banner", ("shop", "/pricing.html"), False),
    ("#partner-link", ("partner", "/"), True),
], ids=["same-site", "outbound"])
def test_a_click_that_leaves_before_its_timer_ran_is_delivered(visitor, webtrack, tracked,
                                                               link, target, outbound):
    page = visitor.page
    box = page.locator(link).bounding_box()
    stop_propagation(page, link)
    hold_timers(page)
    page.click(link)
    page.wait_for_url(visitor.url(*target))
    the_click(webtrack, tracked, box, msdynci_viewuri=visitor.url("shop", "/"),
              msdynci_linkuri=visitor.url(*target), msdynci_actionisoutbound=outbound)
    if not outbound:  # the page it leads to is a visit of its own
        webtrack.expect(tracked, "website_visited", msdynci_viewname="pricing.html")


def visits(webtrack, profile, count):
    return [{k: v[k] for k in ("msdynci_viewuri", "msdynci_viewname", "msdynci_viewtitle",
                               "msdynci_viewtype", "msdynci_viewpreviousviews")}
            for v in webtrack.expect(profile, "website_visited", count=count)]


def test_a_page_shown_again_from_the_back_forward_cache_is_a_visit(visitor, webtrack,
                                                                     tracked):
    home = visitor.url("shop", "/")
    visitor.page.evaluate(RESTORED)  # left into the cache, then shown again from it
    first = {"msdynci_viewuri": home, "msdynci_viewname": "/", "msdynci_viewtitle": HOME_TITLE,
             "msdynci_viewtype": "page", "msdynci_viewpreviousviews": ""}
    assert visits(webtrack, tracked, 2) == [first, first]
    visitor.page.evaluate(RESTORED)
    # Wait for the third visit itself: settle() alone waits only for the deliveries the
    # browser has already reported, and Firefox may report this one's request later.
    assert visits(webtrack, tracked, 3)[2] == first
    visitor.settle()
    assert len(webtrack.interactions(tracked, "website_visited")) == 3


def test_a_page_shown_again_and_left_at_once_was_visited(visitor, webtrack, tracked):
    home, pricing = visitor.url("shop", "/"), visitor.url("shop", "/pricing.html")
    try:  # shown again, and away in the same task: no timer of the page runs between
        visitor.page.evaluate(f"url => {{ ({RESTORED})(); location.assign(url); }}", pricing)
    except PlaywrightError:
        pass  # the page went before it could answer: that is the navigation
    visitor.page.wait_for_url(pricing)
    views = visits(webtrack, tracked, 3)
    assert sorted(v["msdynci_viewuri"] for v in views) == [home, home, pricing], views


def test_a_page_shown_without_the_cache_is_no_second_visit(visitor, webtrack, tracked):
    # pageshow also comes with every ordinary load, and with nothing persisted: not a visit.
    visitor.page.evaluate("window.dispatchEvent(new PageTransitionEvent('pageshow', "
                          "{persisted: false}))")
    visitor.mark()
    visitor.expect_no_beacon(leave=False)
    assert len(webtrack.interactions(tracked, "website_visited")) == 1


def back_to(page, url: str, timeout: float = 10.0) -> None:
    """Go back in history to *url*; Firefox restores it without telling Playwright, so
    ask the page where it is."""
    try:
        page.evaluate("history.back()")
    except PlaywrightError:
        pass  # the page went before it could answer: that is the navigation
    deadline = time.monotonic() + timeout
    while True:
        try:
            if page.evaluate("location.href + ' ' + document.readyState") == f"{url} complete":
                return
        except PlaywrightError:
            pass  # the old page went away mid-question
        assert time.monotonic() < deadline, f"going back did not return to {url}"
        page.wait_for_timeout(20)


def test_going_back_to_a_page_is_a_visit_again(visitor, webtrack, tracked):
    # Chromium under automation loads the page again; Firefox restores it from its cache.
    page = visitor.page
    home, cart = visitor.url("shop", "/"), visitor.url("shop", "/cart.html")
    page.click("#nav-cart")
    webtrack.expect(tracked, "website_visited", msdynci_viewname="cart.html")
    back_to(page, home)
    got = visits(webtrack, tracked, 3)
    assert [v["msdynci_viewuri"] for v in got] == [home, cart, home]
    assert got[2]["msdynci_viewtitle"] == HOME_TITLE and got[2]["msdynci_viewname"] == "/"


def test_activations_in_quick_succession_are_each_delivered(visitor, webtrack, tracked):
    # The page stops both clicks and the second comes before the first's timer ran: each
    # activation is still one interaction of its own.
    page = visitor.page
    stop_propagation(page, "#add-lamp")
    page.evaluate("""() => document.querySelector('#product-lamp').addEventListener('click',
        (e) => { e.preventDefault(); e.stopPropagation(); })""")
    hold_timers(page)
    page.click("#add-lamp")
    page.click("#product-lamp")
    page.clock.resume()
    visitor.advance(1)
    clicks = webtrack.expect(tracked, "website_link_clicked", count=2)
    assert sorted(c["msdynci_linkuri"] for c in clicks) == [
        "", visitor.url("shop", "/products/lamp.html")]
    visitor.settle()
    assert len(webtrack.interactions(tracked, "website_link_clicked")) == 2


@pytest.mark.parametrize("activate,action", [
    (lambda page: page.click("#pricing-banner", button="right"), "RClick"),
    (lambda page: page.press("#pricing-banner", " "), "KSpace"),
    (lambda page: page.click("#add-lamp"), "LClick"),
], ids=["right-button", "space-key", "left-button"])
def test_an_activation_that_reaches_the_window_is_sent_without_waiting_for_a_timer(
        visitor, webtrack, tracked, activate, action):
    # The page's clock is held, as on a page that is busy or throttled right after the
    # activation: its event ran its course, so it is sent then, not whenever a timer runs.
    # (Space on a link and a right button make no click: their own events decide them.)
    page = visitor.page
    before = sent_since(visitor, 0)
    hold_timers(page)
    activate(page)
    (click,) = webtrack.expect(tracked, "website_link_clicked")
    assert click["msdynci_actiontype"] == action, click
    assert sent_since(visitor, before) == 1
    page.clock.resume()
    visitor.advance()  # the timer runs now: nothing is left to send
    visitor.settle()
    assert len(webtrack.interactions(tracked, "website_link_clicked")) == 1
