"""Contract §5: only the left, right and middle buttons activate a link. A mouse's back and
forward buttons (3 and 4), and any further button a pointer reports, make an ``auxclick``
on the link under the pointer that is no interaction.

Coordinates are CSS pixels whatever the screen: on a high-density screen (two device
pixels to the CSS pixel, as on most phones and many laptops) a pointer's and a key's
coordinates are the same numbers as on any other. The other scenarios' screens have one
device pixel to the CSS pixel, where device and CSS pixels are the same numbers.
"""

import pytest

from .probes import goto_in_quirks_mode, relayed_delivery

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


# A link far to the right and down a page wider and taller than the window, so the window
# is scrolled both ways when it is in view; its clicks stay on the page.
FAR_LINK = """() => {
  document.body.style.minWidth = "3000px";
  const a = document.createElement("a");
  a.id = "far-link";
  a.href = "#far";
  a.textContent = "far away";
  a.style.cssText = "position: absolute; left: 1800px; top: 900px; padding: 6px 10px";
  a.addEventListener("click", (e) => e.preventDefault());
  document.body.append(a);
}"""
SCROLLED_CENTRE = """() => { const r = document.querySelector("#far-link")
  .getBoundingClientRect(); return [scrollX, scrollY,
  r.left + r.width / 2 + scrollX, r.top + r.height / 2 + scrollY]; }"""


def test_a_key_on_a_page_scrolled_sideways_gives_the_element_centre_in_page_coordinates(
        visitor, webtrack, tracked):
    page = visitor.page
    page.set_viewport_size({"width": 600, "height": 300})
    page.evaluate(FAR_LINK)
    link = page.locator("#far-link")
    link.scroll_into_view_if_needed()
    centre = page.evaluate(SCROLLED_CENTRE)
    link.focus()
    page.keyboard.press("Enter")
    event = webtrack.expect(tracked, "website_link_clicked", msdynci_actiontype="KEnter")[0]
    x, y = map(int, event["msdynci_clickcoordinates"].split(","))
    assert centre[0] > 0 and centre[1] > 0, centre  # scrolled both ways
    assert abs(x - centre[2]) <= 1 and abs(y - centre[3]) <= 1, (event, centre)
    # A pointer's left and right clicks there give the pointer's page coordinates: where
    # it is in the window plus how far the window is scrolled, both ways.
    box = link.bounding_box()
    at = (round(box["x"] + 3), round(box["y"] + 3))
    page.mouse.click(*at)
    page.mouse.click(*at, button="right")
    clicks = webtrack.expect(tracked, "website_link_clicked", count=3)
    assert sorted((c["msdynci_actiontype"], c["msdynci_clickcoordinates"]) for c in clicks[1:]) \
        == [(action, f"{at[0] + centre[0]},{at[1] + centre[1]}")
            for action in ("LClick", "RClick")], (clicks, at, centre)
    # The same page in quirks mode (no doctype, as old pages are): the body scrolls there
    # and the root element reports no scroll, yet the window's scroll is the same.
    goto_in_quirks_mode(visitor, "shop", "/")
    quirks = webtrack.expect(tracked, "website_visited", count=2)[1]["msdynci_viewuri"]
    page.evaluate(FAR_LINK)
    link.scroll_into_view_if_needed()
    centre = page.evaluate(SCROLLED_CENTRE)
    assert centre[1] > 0 and page.evaluate("document.documentElement.scrollTop") == 0, centre
    link.focus()
    with relayed_delivery(page):
        page.keyboard.press("Enter")
    (event,) = webtrack.expect(tracked, "website_link_clicked", msdynci_viewuri=quirks)
    x, y = map(int, event["msdynci_clickcoordinates"].split(","))
    assert abs(x - centre[2]) <= 1 and abs(y - centre[3]) <= 1, (event, centre)


def test_a_click_with_no_press_after_a_key_activation_is_one_more_activation(
        visitor, webtrack, tracked):
    """Enter on a link is one KEnter (the click the browser makes of it is not counted
    again); a later activation of the same link by a click that no mouse press precedes
    (a screen reader's, or the page's ``link.click()``) is an interaction of its own."""
    page = visitor.page
    page.evaluate(FAR_LINK)
    link = page.locator("#far-link")
    link.focus()
    page.keyboard.press("Enter")
    webtrack.expect(tracked, "website_link_clicked", msdynci_actiontype="KEnter")
    link.evaluate("a => a.click()")
    clicks = webtrack.expect(tracked, "website_link_clicked", count=2)
    assert [(c["msdynci_actiontype"], c["msdynci_linkuri"]) for c in clicks] == [
        ("KEnter", visitor.url("shop", "/#far")), ("LClick", visitor.url("shop", "/#far"))]


@pytest.mark.browser_context_args(device_scale_factor=2)
def test_coordinates_are_css_pixels_on_a_high_density_screen(visitor, webtrack, tracked):
    page = visitor.page
    assert page.evaluate("devicePixelRatio") == 2
    link = page.locator("#add-lamp")
    link.scroll_into_view_if_needed()
    box = link.bounding_box()
    at = (round(box["x"] + 3), round(box["y"] + 3))
    page.mouse.click(*at, button="right")
    centre = page.evaluate("""() => { const r = document.querySelector("#add-lamp")
      .getBoundingClientRect(); return [scrollX, scrollY,
      Math.round(r.left + r.width / 2 + scrollX), Math.round(r.top + r.height / 2 + scrollY)]; }""")
    link.focus()
    page.keyboard.press(" ")
    clicks = webtrack.expect(tracked, "website_link_clicked", count=2)
    assert sorted((c["msdynci_actiontype"], c["msdynci_clickcoordinates"]) for c in clicks) == [
        ("KSpace", f"{centre[2]},{centre[3]}"),
        ("RClick", f"{at[0] + centre[0]},{at[1] + centre[1]}")], (clicks, at, centre)
