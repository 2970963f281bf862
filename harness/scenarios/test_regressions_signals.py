"""Contract §4: which of the browser's signals is an opt-out, and what turns it off.

- Global Privacy Control is the one signal the contract names. Do Not Track, its retired
  predecessor (``navigator.doNotTrack === "1"``), is not: a visitor whose browser sends
  DNT, and GPC false, is tracked as any other. A script that "also honours DNT" loses
  every such visitor, and no other scenario's browser sends DNT.
- The site's configuration turns GPC off only by saying so: ``data-gpc="ignore"`` on the
  script tag (the shop's members page). A tag that carries the attribute with another
  value (``data-gpc="honour"``, an empty one) says nothing of the kind, and GPC is still
  an opt-out there. A script that takes the attribute's presence for "ignore" passes the
  other scenarios, whose tags have either no attribute or ``ignore``.
"""

import pytest

pytestmark = pytest.mark.browser
DNT_ON = """
Object.defineProperty(Navigator.prototype, 'doNotTrack', {get: () => '1', configurable: true});
Object.defineProperty(window, 'doNotTrack', {get: () => '1', configurable: true});
Object.defineProperty(Navigator.prototype, 'globalPrivacyControl',
                      {get: () => false, configurable: true});
"""
GPC_ON = ("Object.defineProperty(Navigator.prototype, 'globalPrivacyControl', "
          "{get: function () { return true; }, configurable: true});")
# The members page's tag says data-gpc="ignore"; here it says *value* before the script
# runs (a deferred script reads its tag once the document is parsed).
RETAGGED = """value => new MutationObserver(() => {
  const tag = document.querySelector('script[data-gpc]');
  if (tag && tag.getAttribute('data-gpc') !== value) tag.setAttribute('data-gpc', value);
}).observe(document, {childList: true, subtree: true})"""


def test_do_not_track_alone_is_no_opt_out(visitor, webtrack):
    page = visitor.page
    page.add_init_script(DNT_ON)
    profile = webtrack.profile()["id"]
    visitor.arrive(profile, "shop", "/")
    assert page.evaluate("[navigator.doNotTrack, navigator.globalPrivacyControl]") == \
        ["1", False]
    visitor.expect_tracking_cookie()
    visitor.goto("shop", "/pricing.html")
    visits = webtrack.expect(profile, "website_visited", count=2)
    # The home page's visit was not awaited before the next page: compared in any order.
    assert sorted(v["msdynci_viewname"] for v in visits) == ["/", "pricing.html"], visits


@pytest.mark.parametrize("gpc", ["honour", ""], ids=["honour", "empty"])
def test_gpc_counts_unless_the_tag_says_ignore(visitor, webtrack, tracked, gpc):
    # The known visitor's browser then sends GPC, on a page whose tag has data-gpc set to
    # something other than "ignore": the cookie goes, nothing is sent.
    page = visitor.page
    page.add_init_script(GPC_ON + f"({RETAGGED})({gpc!r});")
    visitor.mark()
    visitor.goto("shop", "/members.html")
    assert page.eval_on_selector("script[data-gpc]", "s => s.getAttribute('data-gpc')") == gpc
    assert visitor.tracking_cookies() == {}
    page.click("a[href]", button="right")  # a click that stays on the page
    visitor.expect_no_beacon(leave=False)
    assert [i["type"] for i in webtrack.interactions(tracked)] == [
        "email_link_clicked", "website_visited"]
