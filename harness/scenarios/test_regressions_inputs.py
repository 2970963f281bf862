"""Contract §5, inputs the other scenarios do not make: modifier keys on real links, the
keypad's Enter, the keyboard's context menu, a press released elsewhere, keys typed in
text fields.

- A left click with Ctrl, Shift, Alt or Meta held (a new tab, a new window, a download)
  is still a left click: ``LClick``, not a middle click, and not nothing. The other
  scenarios hold modifiers on buttons and widgets only.
- The keypad's Enter is Enter (the key is ``Enter``; its code is ``NumpadEnter``).
- Shift+F10 opens the context menu from the keyboard: Chromium then dispatches a
  ``contextmenu`` event on the focused link, Firefox does not. No button was pressed and
  neither Enter nor Space: no interaction, in either browser.
- A button pressed on one element and released on another is no activation of either:
  the browser's ``click`` and ``auxclick`` go to their common ancestor, not to the link
  under the release (a script reading ``mouseup`` would see one).
- Enter and Space typed into a text field, a text area, a select or an editable region
  activate no link.
- A tap on a touch screen is one left click, not also one from its pointer or touch events.

All on the shop's page of every kind of link, whose links stay on the page.
"""

import pytest

from harness.scenarios.probes import known_visitor

pytestmark = pytest.mark.browser
PAGE = "/elements.html"
FIELDS = """() => {
  const holder = document.createElement("p");
  holder.innerHTML = '<input id="text-field" value="a"> <textarea id="text-area">b</textarea>'
    + ' <select id="choice"><option>one</option><option>two</option></select>'
    + ' <span id="editable" contenteditable="true">c</span>';
  holder.addEventListener("keydown", (e) => { if (e.key === "Enter") e.preventDefault(); });
  document.querySelector("#plain-text").after(holder);
}"""


@pytest.fixture
def tracked(visitor, webtrack):
    """A known visitor on the page of every kind of link; returns their profile id."""
    return known_visitor(visitor, webtrack, "shop", PAGE)


def point(visitor, selector: str) -> tuple[int, int]:
    """A point a few pixels into the element, on the viewport."""
    target = visitor.page.locator(selector)
    target.scroll_into_view_if_needed()
    box = target.bounding_box()
    return int(box["x"]) + 5, int(box["y"]) + 4


def actions(webtrack, profile: str, count: int) -> list[tuple[str, str]]:
    """Wait for *count* clicks; return every click recorded as (action, link)."""
    webtrack.expect(profile, "website_link_clicked", count=count)
    return sorted((i["msdynci_actiontype"], i["msdynci_linkuri"])
                  for i in webtrack.interactions(profile, "website_link_clicked"))


MODIFIED = [("#anchor", "Control", "left"), ("#nested-bold", "Shift", "left"),
            ("#svg-link rect", "Alt", "left"), ("#anchor", "Meta", "left"),
            ("#map-image", "Control", "left"), ("#nested", "Shift", "right"),
            ("#anchor", "Control", "middle")]
TARGET = {"#anchor": "#anchor-target", "#nested-bold": "#nested-target",
          "#nested": "#nested-target", "#svg-link rect": "#svg-target",
          "#map-image": "#map-target"}


def test_modifier_keys_on_links_do_not_change_the_action(visitor, webtrack, tracked):
    page = visitor.page
    wanted = []
    for selector, key, button in MODIFIED:
        x, y = point(visitor, selector)
        page.keyboard.down(key)
        page.mouse.click(x, y, button=button)
        page.keyboard.up(key)
        action = {"left": "LClick", "right": "RClick", "middle": "MClick"}[button]
        wanted.append((action, visitor.url("shop", PAGE + TARGET[selector])))
    got = actions(webtrack, tracked, len(wanted))
    assert got == sorted(wanted), f"expected:\n{sorted(wanted)}\ngot:\n{got}"


def test_keypad_enter_is_enter(visitor, webtrack, tracked):
    page = visitor.page
    kinds = {"anchor": PAGE + "#anchor-target", "button": "", "role-link": "",
             "role-button": ""}
    for kind in kinds:
        page.locator(f"#{kind}").focus()
        page.keyboard.press("NumpadEnter")
    got = actions(webtrack, tracked, len(kinds))
    assert got == sorted(("KEnter", visitor.url("shop", link) if link else "")
                         for link in kinds.values()), got


def test_inputs_that_only_look_like_activations_send_nothing(visitor, webtrack, tracked):
    page = visitor.page
    page.evaluate(FIELDS)
    visitor.mark()
    for kind in ("anchor", "button"):  # the keyboard's context menu
        page.locator(f"#{kind}").focus()
        page.keyboard.press("Shift+F10")
    for start, end in (("#plain-text", "#anchor"), ("#button", "#plain-text")):
        for button in ("left", "right", "middle"):  # pressed here, released there
            page.mouse.move(*point(visitor, start))
            page.mouse.down(button=button)
            page.mouse.move(*point(visitor, end), steps=2)
            page.mouse.up(button=button)
    for field in ("#text-field", "#text-area", "#choice", "#editable"):
        for key in ("Enter", " "):
            page.locator(field).focus()
            page.keyboard.press(key)
    visitor.expect_no_beacon(leave=False)
    assert webtrack.interactions(tracked, "website_link_clicked") == []


@pytest.mark.only_browser("chromium")  # Firefox over WebDriver BiDi dispatches no event for a tap
@pytest.mark.browser_context_args(has_touch=True)
def test_a_tap_is_one_left_click(visitor, webtrack, tracked):
    # A touch screen makes pointer and touch events, then the click: one activation each.
    page = visitor.page
    kinds = {"anchor": PAGE + "#anchor-target", "button": "", "role-link": "",
             "nested-bold": PAGE + "#nested-target"}
    for kind in kinds:
        page.locator(f"#{kind}").tap()
    webtrack.expect(tracked, "website_link_clicked", count=len(kinds))
    visitor.settle()
    got = actions(webtrack, tracked, len(kinds))
    assert got == sorted(("LClick", visitor.url("shop", link) if link else "")
                         for link in kinds.values()), got
