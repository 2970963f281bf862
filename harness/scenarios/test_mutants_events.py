"""Contract §5 at the edges of the events an activation is made of.

A key activation is its ``keydown``: it is sent as that event ends, before the key is let
go, also on a page that cancels the key's default (a custom control keeping Space from
scrolling, which also means no ``keypress``). A pointer press after a key activation that
made no click is a click of its own, also a second button pressed while another is held
(which makes a ``mousedown`` but no ``pointerdown``). And a click still waiting to be sent
goes when the tab is hidden, every time it is, not only the first.
"""

import pytest

pytestmark = pytest.mark.browser
HIDE = """() => {
  Object.defineProperty(document, "visibilityState", {value: "hidden", configurable: true});
  document.dispatchEvent(new Event("visibilitychange", {bubbles: true}));
}"""
SHOW = """() => {
  delete document.visibilityState;
  document.dispatchEvent(new Event("visibilitychange", {bubbles: true}));
}"""
STAY = """(selector) => {
  const link = document.querySelector(selector);
  link.addEventListener("keydown", (e) => { if (e.key === " ") e.preventDefault(); });
  link.addEventListener("click", (e) => e.preventDefault());  // stay on the page
}"""


def hold_timers(page) -> None:
    page.clock.pause_at(page.evaluate("Date.now()") / 1000 + 1)  # seconds


def clicks(webtrack, profile, count):
    return [c["msdynci_actiontype"]
            for c in webtrack.expect(profile, "website_link_clicked", count=count)]


def test_a_key_is_sent_on_keydown_and_a_chorded_press_is_a_click(visitor, webtrack, tracked):
    page = visitor.page
    page.evaluate(STAY, "#pricing-banner")
    box = page.locator("#pricing-banner").bounding_box()
    page.mouse.move(box["x"] - 40 if box["x"] > 60 else 5, box["y"] + box["height"] + 40)
    page.mouse.down(button="right")  # held from here on, away from the link
    hold_timers(page)
    page.focus("#pricing-banner")
    page.keyboard.down(" ")
    assert clicks(webtrack, tracked, 1) == ["KSpace"]  # before the key is let go
    page.keyboard.up(" ")
    page.clock.resume()
    # Space on a link makes no click; the next press of a button on it is a click of its
    # own, though the right button held makes it a chord (no pointerdown).
    page.mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    page.mouse.down(button="left")
    page.mouse.up(button="left")
    visitor.advance(1)
    assert clicks(webtrack, tracked, 2) == ["KSpace", "LClick"]
    page.mouse.up(button="right")

    # A click the page stops on its way (decided at the next timer, held) goes when the
    # tab is hidden: the second time as the first.
    page.evaluate("""() => document.querySelector("#add-lamp").addEventListener(
        "click", (e) => e.stopPropagation())""")
    for count in (3, 4):
        hold_timers(page)
        page.click("#add-lamp")
        page.evaluate(HIDE)
        assert clicks(webtrack, tracked, count)[-1] == "LClick"
        page.evaluate(SHOW)
        page.clock.resume()
    visitor.settle()
    assert len(webtrack.interactions(tracked, "website_link_clicked")) == 4
