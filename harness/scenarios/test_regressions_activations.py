"""Contract §5, "one activation is one interaction", counted from both sides.

- A double click is two clicks, each an activation (a button's action runs twice, a link
  is followed twice): two ``LClick``, nothing for the ``dblclick`` itself. A script that
  drops a second click on the same element soon after the first ("debouncing" double
  counting) loses one.
- An activation without a pointer is an activation: the HTML standard's activation
  behaviour runs for a click a page's script makes (``link.click()``, a card forwarding its
  click to its link) and for the click assistive technology sends, neither of which has a
  pointer (``detail`` is 0, like the click a key makes). Each is one ``LClick``; a script
  that takes every click without a pointer for the echo of a key drops them.
- A key on a widget that makes no click of its own (``[role=button]``) followed by a
  click on it: two activations. A script that waits for a key's echo click until the next
  key drops the later, real click.

All on the shop's page of every kind of link, whose links stay on the page.
"""

import pytest

from harness.scenarios.probes import known_visitor

pytestmark = pytest.mark.browser
PAGE = "/elements.html"
# Where the page saw each click, in page coordinates: what the script must report.
CENTRE = """e => { const r = e.getBoundingClientRect();
  return Math.round(r.left + r.width / 2 + scrollX) + "," +
    Math.round(r.top + r.height / 2 + scrollY); }"""
POINTER = """() => { window.pointers = [];
  addEventListener("click", (e) => window.pointers.push(
    Math.round(e.pageX) + "," + Math.round(e.pageY)), true); }"""


def test_double_clicks_and_clicks_without_a_pointer_are_activations(visitor, webtrack):
    profile = known_visitor(visitor, webtrack, "shop", PAGE)
    page = visitor.page
    page.evaluate(POINTER)
    here = visitor.url("shop", PAGE)
    anchor = here + "#anchor-target"
    page.locator("#button").dblclick()
    page.locator("#anchor").dblclick()
    page.evaluate("document.querySelector('#role-link').click()")  # the page's own script
    page.locator("#anchor").dispatch_event("click")  # as assistive technology does
    page.locator("#role-button").focus()
    page.keyboard.press("Enter")  # a widget's key: no click of its own follows
    centre = page.locator("#role-button").evaluate(CENTRE)
    page.locator("#role-button").click()
    wanted = [("", "LClick")] * 2 + [(anchor, "LClick")] * 2 + [("", "LClick"),
                                                                  (anchor, "LClick"),
                                                                  ("", "LClick")]
    webtrack.expect(profile, "website_link_clicked", count=len(wanted) + 1)
    visitor.settle()
    clicks = webtrack.interactions(profile, "website_link_clicked")
    pointers = page.evaluate("window.pointers")
    got = sorted((c["msdynci_linkuri"], c["msdynci_actiontype"], c["msdynci_actionisoutbound"],
                  c["msdynci_clickcoordinates"], c["msdynci_viewuri"]) for c in clicks)
    assert got == sorted([*((link, action, False, at, here)
                            for (link, action), at in zip(wanted, pointers, strict=True)),
                          ("", "KEnter", False, centre, here)]), got
