"""Contract §4-5 where hand-written regressions passed every other scenario
(harness/gate/probes/README.md lists them all).

- **A click names the page it happened on.** A single-page app's router takes a link's
  click, moves the address on with ``pushState`` and retitles the page, all in the same
  task as the click. The click happened on the page before: its ``msdynci_viewuri`` and
  ``msdynci_viewtitle`` are that page's, however late the script sends it. A script that
  reads the address when it sends the click names the page the router went to. On the
  sample sites every click that moves the address leaves the document, and every
  other click leaves the address as it was.
- **A button has no target.** ``msdynci_linkuri`` is empty for buttons, also for one
  that submits a form to another site: the form's action is not the button's target.
  The sample sites' buttons sit outside forms, or in forms that go to the page itself.
- **Opted out, nothing goes out, not even a retry.** A delivery that failed before the
  opt-out is not sent after it: a script that retries failed deliveries (every second,
  for ever) sends the visitor's click once they have said no.
- **Global Privacy Control is asked at every decision too.** A visitor may turn it on
  in the browser's settings while the page is open; a script that read it once, when it
  started, tracks them on. The GPC scenarios all set it before the page loads.
- **Any true answer opts out.** A banner's ``disableCookiesUsage()`` often returns what
  it has stored: ``1``, ``"yes"``, an object. The page says "opted out" with all of
  them, and the script asks the function whether to track. A script that takes only the
  boolean ``true`` for an opt-out tracks every such visitor. The other opt-out scenarios
  all return ``true``. A plain value under that name (``false``) is no function and no
  opt-out: the visitor is tracked.
"""

import pytest

from harness.visitor import CONTEXT_COOKIE

pytestmark = pytest.mark.browser
ROUTED_LINK = """() => {
  const a = document.createElement("a");
  a.id = "routed";
  a.href = "/app/next";
  a.textContent = "next step";
  a.addEventListener("click", (e) => {
    e.preventDefault();
    history.pushState({}, "", "/app/next");
    document.title = "Next step";
  });
  document.body.prepend(a);
}"""
GPC_ON = ("Object.defineProperty(Navigator.prototype, 'globalPrivacyControl', "
          "{get: () => true, configurable: true});")
# Beacons refused from now on, and the next fetch fails as offline (the network back after).
OFFLINE = """() => {
  navigator.sendBeacon = () => false;
  const online = window.fetch;
  window.fetch = function () {
    window.fetch = online;
    return Promise.reject(new TypeError("Failed to fetch"));
  };
}"""
FORM_BUTTON = """(action) => {
  const form = Object.assign(document.createElement("form"), {action, method: "get"});
  const button = Object.assign(document.createElement("button"), {id: "in-form"});
  button.textContent = "search";
  form.addEventListener("submit", (e) => e.preventDefault());
  form.append(button);
  document.body.prepend(form);
}"""


def test_a_click_names_its_page_and_every_opt_out_holds_mid_visit(
        visitor, webtrack, tracked):
    page = visitor.page
    home, title = page.url, page.title()
    page.evaluate(ROUTED_LINK)
    page.click("#routed")
    (click,) = webtrack.expect(tracked, "website_link_clicked")
    assert (click["msdynci_viewuri"], click["msdynci_viewtitle"]) == (home, title), click
    assert click["msdynci_linkuri"] == visitor.url("shop", "/app/next"), click
    (visit,) = webtrack.expect(tracked, "website_visited", msdynci_viewname="next")
    assert (visit["msdynci_viewtitle"], visit["msdynci_viewpreviousviews"]) == \
        ("Next step", home), visit
    # A button in a form that goes elsewhere is still a button: it has no target.
    page.evaluate(FORM_BUTTON, visitor.url("partner", "/search"))
    # A banner that keeps a plain flag under that name has not opted out: only a function
    # that answers true does, so this click is recorded.
    page.evaluate("window.disableCookiesUsage = false")
    page.click("#in-form")
    click = webtrack.expect(tracked, "website_link_clicked", count=2)[1]
    assert (click["msdynci_linkuri"], click["msdynci_actionisoutbound"]) == ("", False), click
    # The banner now stores the visitor's refusal as the string 'yes': neither true nor
    # == true, so a script comparing with either would track on.
    visitor.mark()
    # A click whose delivery fails (beacons refused, the network down): nothing of it may
    # go out once the visitor has opted out, however the script retries.
    page.evaluate(OFFLINE)
    page.click("#add-lamp")
    page.evaluate("window.disableCookiesUsage = function () { return 'yes'; }")
    page.click("#add-lamp")
    page.evaluate("history.pushState({}, '', '/opted-out-step')")
    visitor.expect_no_beacon(leave=False)
    assert CONTEXT_COOKIE not in visitor.cookies(), visitor.cookies()
    # The cookie back, the banner's answer gone, and the visitor turns Global Privacy
    # Control on in the browser's settings mid-visit: from the next decision on, opted out.
    page.context.add_cookies([{"name": CONTEXT_COOKIE, "value": visitor.handed["wt_ctx"],
                               "url": visitor.url("shop", "/")}])
    visitor.mark()
    page.evaluate("delete window.disableCookiesUsage;" + GPC_ON)
    page.click("#add-lamp")
    page.evaluate("history.pushState({}, '', '/gpc-step')")
    visitor.expect_no_beacon(leave=False)
    assert CONTEXT_COOKIE not in visitor.cookies(), visitor.cookies()

