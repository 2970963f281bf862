"""Contract §5: only the left, right and middle buttons activate a link. A mouse's back and
forward buttons (3 and 4), and any further button a pointer reports, make an ``auxclick``
on the link under the pointer that is no interaction.
"""

import pytest

pytestmark = pytest.mark.browser

# What the browser dispatches for a press of button N on an element that is not the
# primary one: mousedown, mouseup, auxclick. (A real back button in Chromium also goes
# back in history, and Playwright's mouse has none: the events are made here.)
PRESS = """([selector, button]) => {
  const element = document.querySelector(selector);
  const box = element.getBoundingClientRect();
  const at = {bubbles: true, cancelable: true, composed: true, button,
              buttons: 1 << button, clientX: box.left + 4, clientY: box.top + 4};
  for (const type of ["mousedown", "mouseup", "auxclick"]) {
    element.dispatchEvent(new MouseEvent(type, at));
  }
}"""
SEEN = """() => { window.__auxclicks = [];
  addEventListener("auxclick", (e) => __auxclicks.push(e.button), true); }"""


@pytest.mark.parametrize("target", ["#product-lamp", "#add-lamp", "#partner-link"])
def test_back_and_forward_buttons_are_no_activation(visitor, webtrack, tracked, target):
    page = visitor.page
    page.evaluate(SEEN)
    visitor.mark()
    for button in (3, 4, 5):
        page.evaluate(PRESS, [target, button])
    assert page.evaluate("__auxclicks") == [3, 4, 5]  # the page saw every press
    visitor.expect_no_beacon(leave=False)
    assert webtrack.interactions(tracked, "website_link_clicked") == []
