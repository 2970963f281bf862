"""Contract §5, every input on every kind of element: what makes a click, and what must not.

All on the shop's page of every kind of link (``/elements.html``), whose links stay on
the page, so one visit tries many inputs; each test compares the whole set of clicks
recorded with the set expected, coordinates included.
"""

import pytest

from harness.scenarios.probes import known_visitor

pytestmark = pytest.mark.browser
PAGE = "/elements.html"
TITLE = "Every kind of link — Lumen & Co."
# What each kind of element reports as its link: a path on this page's site, an absolute
# URL, or "" (buttons and widgets without an href).
LINKS = {
    "anchor": PAGE + "#anchor-target", "nested": PAGE + "#nested-target", "button": "",
    "icon-button": "", "role-link": "", "role-button": "", "map-area": PAGE + "#map-target",
    "svg-link": PAGE + "#svg-target", "relative": "/cart.html?from=elements#top",
    "outbound": "partner:/freight?ref=shop", "far": PAGE + "#far-target",
}
# Where to point to activate each (an element inside it, for nested content).
POINT_AT = {"nested": "#nested-bold", "icon-button": "#icon-button-icon",
            "role-button": "#role-button-inner", "map-area": "#map-image",
            "svg-link": "#svg-link rect"}
# Never a link: clicks and keys on these produce nothing.
NOT_LINKS = ("plain-text", "no-href", "clickable-div", "input-button")


@pytest.fixture
def tracked(visitor, webtrack):
    """A known visitor on the page of every kind of link; returns their profile id."""
    return known_visitor(visitor, webtrack, "shop", PAGE)


def link_of(visitor, kind: str) -> str:
    link = LINKS[kind]
    if link.startswith("partner:"):
        return visitor.url("partner", link.removeprefix("partner:"))
    return visitor.url("shop", link) if link.startswith("/") else link


def scroll(page) -> tuple[int, int]:
    return tuple(page.evaluate("[Math.round(scrollX), Math.round(scrollY)]"))


def click_at(visitor, kind: str, button: str, modifiers=()) -> tuple:
    """Click a few pixels into the element (not its centre); return the expected click."""
    page = visitor.page
    target = page.locator(POINT_AT.get(kind, f"#{kind}"))
    target.scroll_into_view_if_needed()
    box = target.bounding_box()
    x, y = int(box["x"]) + 5, int(box["y"]) + 4
    for key in modifiers:
        page.keyboard.down(key)
    page.mouse.click(x, y, button=button)
    for key in modifiers:
        page.keyboard.up(key)
    sx, sy = scroll(page)
    action = {"left": "LClick", "right": "RClick", "middle": "MClick"}[button]
    return expected(visitor, kind, action, f"{x + sx},{y + sy}")


def press_on(visitor, kind: str, key: str) -> tuple:
    """Focus the element, press *key*; return the click expected (at the element's centre)."""
    page = visitor.page
    element = page.locator(f"#{kind}")
    element.focus()
    centre = ",".join(str(round(c)) for c in element.evaluate(
        "e => { const r = e.getBoundingClientRect();"
        " return [r.left + r.width / 2 + scrollX, r.top + r.height / 2 + scrollY]; }"))
    page.keyboard.press(key)
    return expected(visitor, kind, "KEnter" if key.endswith("Enter") else "KSpace", centre)


def expected(visitor, kind: str, action: str, coordinates: str) -> tuple:
    link = link_of(visitor, kind)
    return (action, link, link.startswith(visitor.url("partner", "")), coordinates)


def clicks(webtrack, profile: str, count: int) -> list[tuple]:
    """Wait for *count* clicks; return every click recorded, as comparable tuples."""
    webtrack.expect(profile, "website_link_clicked", count=count)
    return sorted(
        (i["msdynci_actiontype"], i["msdynci_linkuri"], i["msdynci_actionisoutbound"],
         i["msdynci_clickcoordinates"])
        for i in webtrack.interactions(profile, "website_link_clicked"))


def near(actual: list[tuple], wanted: list[tuple], slack: int = 1) -> bool:
    """Same clicks, coordinates within *slack* px (layout rounds differently per browser)."""
    def close(a, b):
        (ax, ay), (bx, by) = (map(int, c[3].split(",")) for c in (a, b))
        return a[:3] == b[:3] and abs(ax - bx) <= slack and abs(ay - by) <= slack
    def order(click):
        return (*click[:3], *map(int, click[3].split(",")))
    return len(actual) == len(wanted) and all(
        close(a, b) for a, b in zip(sorted(actual, key=order), sorted(wanted, key=order),
                                    strict=True))


def test_every_mouse_button_on_every_kind_of_link(visitor, webtrack, tracked):
    wanted = []
    for kind in ("anchor", "nested", "button", "icon-button", "role-link", "role-button",
                 "map-area", "svg-link"):
        for button in ("left", "right", "middle"):
            wanted.append(click_at(visitor, kind, button))
    for kind in ("relative", "outbound"):  # a left click would leave the page
        for button in ("right", "middle"):
            wanted.append(click_at(visitor, kind, button))
    got = clicks(webtrack, tracked, len(wanted))
    assert near(got, wanted), f"expected clicks:\n{sorted(wanted)}\ngot:\n{got}"
    for click in webtrack.interactions(tracked, "website_link_clicked"):
        assert click["msdynci_viewuri"] == visitor.url("shop", PAGE)
        assert click["msdynci_viewtitle"] == TITLE


def test_enter_and_space_on_every_kind_of_link(visitor, webtrack, tracked):
    wanted = []
    for kind in ("anchor", "nested", "button", "icon-button", "role-link", "role-button",
                 "svg-link"):
        for key in ("Enter", " "):
            wanted.append(press_on(visitor, kind, key))
    for kind in ("relative", "outbound"):  # Space does not follow a link
        wanted.append(press_on(visitor, kind, " "))
    got = clicks(webtrack, tracked, len(wanted))
    # One activation is one interaction: no LClick from the click a key makes.
    assert near(got, wanted), f"expected clicks:\n{sorted(wanted)}\ngot:\n{got}"


def test_key_coordinates_are_page_coordinates_far_down(visitor, webtrack, tracked):
    visitor.page.set_viewport_size({"width": 800, "height": 300})
    wanted = [press_on(visitor, "far", "Enter")]
    assert scroll(visitor.page)[1] > 0
    wanted.append(click_at(visitor, "far", "left"))
    got = clicks(webtrack, tracked, 2)
    assert near(got, wanted), f"expected clicks:\n{sorted(wanted)}\ngot:\n{got}"


def test_modifiers_do_not_change_the_action(visitor, webtrack, tracked):
    wanted = [click_at(visitor, "button", "left", modifiers=("Control",)),
              click_at(visitor, "role-button", "left", modifiers=("Shift",)),
              press_on(visitor, "role-button", "Shift+Enter"),
              press_on(visitor, "role-link", "Control+Enter")]
    got = clicks(webtrack, tracked, len(wanted))
    assert near(got, wanted), f"expected clicks:\n{sorted(wanted)}\ngot:\n{got}"


def test_a_held_key_is_one_activation(visitor, webtrack, tracked):
    page = visitor.page
    page.locator("#role-button").focus()
    page.keyboard.down("Enter")
    page.keyboard.down("Enter")  # auto-repeat: the same press, not another
    page.keyboard.down("Enter")
    page.keyboard.up("Enter")
    (click,) = [c for c in clicks(webtrack, tracked, 1)]
    assert click[0] == "KEnter"
    visitor.mark()
    visitor.expect_no_beacon(leave=False)


def test_inputs_that_are_no_activation_send_nothing(visitor, webtrack, tracked):
    page = visitor.page
    visitor.mark()
    for kind in NOT_LINKS:
        for button in ("left", "right", "middle"):
            target = page.locator(f"#{kind}")
            target.scroll_into_view_if_needed()
            box = target.bounding_box()
            page.mouse.click(int(box["x"]) + 5, int(box["y"]) + 4, button=button)
    for kind in ("clickable-div", "input-button"):
        for key in ("Enter", " "):
            page.locator(f"#{kind}").focus()
            page.keyboard.press(key)
    # Other keys on real links and buttons are not activations either.
    for kind in ("anchor", "button", "role-link", "role-button"):
        for key in ("a", "Escape", "ArrowDown", "Shift", "Control", "F2", "Backspace"):
            page.locator(f"#{kind}").focus()
            page.keyboard.press(key)
    page.locator("#plain-text").click()
    page.keyboard.press("Enter")  # focus on the page, not a link
    visitor.expect_no_beacon(leave=False)
    assert webtrack.interactions(tracked, "website_link_clicked") == []
