"""Contract §4: opted out, *every* input sends nothing, and nothing of what happened
meanwhile is sent once the visitor opts in.

The script removes its cookie at the first decision after the opt-out, and from then on
the visitor is anonymous: a script that asked the opt-out for some inputs only (visits,
left clicks) and not for others (keys, other buttons, in-page navigations) is only seen
while a tracking cookie it cannot remove is still there. Here one is (set for the whole
domain, as a server may), and every input of §5 is made on every kind of link.

An in-page navigation made while opted out is no visit, but it is where the visitor is:
a click once they opt in again names that page, not the last one a visit was sent for
(a script that reuses its last visit's address for clicks names a page the visitor left).
"""

import pytest

from harness.visitor import CONTEXT_COOKIE

pytestmark = pytest.mark.browser
PAGE = "/elements.html"
KINDS = ("anchor", "button", "role-link", "role-button")
HIDE_AND_SHOW = """() => {
  const set = (state) => {
    Object.defineProperty(document, "visibilityState", {value: state, configurable: true});
    document.dispatchEvent(new Event("visibilitychange", {bubbles: true}));
  };
  set("hidden");
  set("visible");
  delete document.visibilityState;
  window.dispatchEvent(new PageTransitionEvent("pagehide", {persisted: true}));
  window.dispatchEvent(new PageTransitionEvent("pageshow", {persisted: true}));
}"""


def domain_cookie(visitor, webtrack, consent: str = "opted_in") -> str:
    """A tracking cookie for the whole shop domain, which the script's own host-only
    removal leaves in place; returns the profile it names."""
    profile = webtrack.profile(consent=consent)["id"]
    context = webtrack.context_for(profile, visitor.url("shop", PAGE))
    visitor.page.context.add_cookies([{"name": CONTEXT_COOKIE, "value": context,
                                       "domain": ".shop.localhost", "path": "/"}])
    return profile


def every_input(visitor) -> None:
    """Every button and key of §5 on every kind of link, then in-page navigations, a
    hidden tab and a back-forward cache restore, without leaving the page."""
    page = visitor.page
    for kind in KINDS:
        target = page.locator(f"#{kind}")
        for button in ("left", "right", "middle"):
            target.click(button=button)
        for key in ("Enter", " "):
            target.focus()
            page.keyboard.press(key)
    page.evaluate("history.pushState({}, '', '?step=1')")
    page.evaluate("history.replaceState({}, '', '?step=2')")
    page.evaluate("history.back()")
    # A traversal is asynchronous: its popstate must have fired (in the task that changes
    # the address) before anything else happens, or it lands after what follows.
    page.wait_for_function("location.search === ''")
    page.evaluate(HIDE_AND_SHOW)


def test_opted_out_every_input_sends_nothing(visitor, webtrack):
    profile = domain_cookie(visitor, webtrack)
    visitor.page.add_init_script("window.disableCookiesUsage = () => true;")
    visitor.goto("shop", PAGE)
    every_input(visitor)
    visitor.expect_no_beacon(leave=False)
    assert [i["type"] for i in webtrack.interactions(profile)] == ["email_link_clicked"]


def test_nothing_done_while_opted_out_is_sent_after_opting_in(visitor, webtrack):
    # The banner is not answered yet: the visitor is opted out until they accept.
    profile = domain_cookie(visitor, webtrack)
    visitor.page.add_init_script("window.disableCookiesUsage = () => !window.accepted;")
    page = visitor.goto("shop", PAGE)
    every_input(visitor)
    page.evaluate("window.accepted = true")  # the banner's "accept"
    page.locator("#button").click()
    (click,) = webtrack.expect(profile, "website_link_clicked")
    assert click["msdynci_actiontype"] == "LClick" and click["msdynci_linkuri"] == "", click
    page.evaluate("history.pushState({}, '', '?accepted')")
    (visit,) = webtrack.expect(profile, "website_visited")
    assert visit["msdynci_viewuri"] == visitor.url("shop", PAGE + "?accepted"), visit
    visitor.settle()
    assert sorted(i["type"] for i in webtrack.interactions(profile)) == [
        "email_link_clicked", "website_link_clicked", "website_visited"]


def test_a_click_after_opting_in_again_names_the_page_it_is_on(visitor, webtrack):
    profile = domain_cookie(visitor, webtrack)
    visitor.page.add_init_script("window.disableCookiesUsage = () => !!window.rejected;")
    page = visitor.goto("shop", PAGE)
    webtrack.expect(profile, "website_visited")
    page.evaluate("window.rejected = true")  # the banner's "reject"
    page.evaluate("history.pushState({}, '', '?while-out')")
    page.evaluate("window.rejected = false")  # and "accept", later
    page.locator("#button").click()
    (click,) = webtrack.expect(profile, "website_link_clicked")
    assert click["msdynci_viewuri"] == visitor.url("shop", PAGE + "?while-out"), click
    visitor.settle()
    assert [v["msdynci_viewuri"] for v in webtrack.interactions(profile, "website_visited")] \
        == [visitor.url("shop", PAGE)]
