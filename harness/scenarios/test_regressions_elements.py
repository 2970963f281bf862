"""Contract §5, the list of what is a link (``a[href]``, ``area[href]``, ``button``,
``[role=link]``, ``[role=button]``), read exactly, and every target as the browser has it.

- Elements that act like buttons or links without being in the list are never activated,
  by any button or key: submit, image and reset inputs, a details summary, a label, ARIA
  widgets of other roles (menu item, tab, checkbox, option; a role listing ``button``
  only as a fallback token, ``[role=button]`` being the whole value), an element with an
  ``onclick`` attribute or a ``data-href``, an anchor with a name and no href, an image map
  area without href. A script that widens its list (to catch "all clickable things") adds
  interactions the contract does not have; the other scenarios only try a clickable div
  and an input button.
- A button is a button even when a page gives it an ``href`` attribute: no target. And
  a link is a link whatever role the page gives it: ``<a href role=button>`` (a link
  styled as a button, the commonest "button" on the web) is followed by the browser, so
  its target is sent, as for a ``role=menuitem`` or ``role=tab`` anchor.
- ``href=""`` is a link to this very page: its target is the page's address.
- A target or page address with characters outside ASCII is sent as the browser writes it
  (percent-encoded), not decoded for reading: the decoded form is another address. The
  page's name is the last segment of the address sent. Long addresses and titles (and
  titles needing escapes in JSON) are sent whole, not cut to keep deliveries small.
- A key's coordinates are the element's centre rounded to the nearest pixel: centres at
  half and quarter pixels tell rounding from cutting or raising, which the other
  scenarios' one-pixel slack lets through.

All on the shop's page of every kind of link, whose links stay on the page.
"""

import math

import pytest

from harness.scenarios.probes import known_visitor

pytestmark = pytest.mark.browser
PAGE = "/elements.html"
NOT_LINKS = ("x-submit", "x-image", "x-reset", "x-summary", "x-label", "x-menuitem", "x-tab",
             "x-checkbox", "x-option", "x-onclick", "x-data-href", "x-named", "x-area-image",
             "x-role-list")
ADD = """() => {
  const holder = document.createElement("div");
  holder.id = "extra";
  holder.innerHTML = `
    <input id="x-submit" type="submit" value="Submit, no form">
    <input id="x-image" type="image" src="/map.svg" alt="image input" width="60" height="20">
    <input id="x-reset" type="reset" value="Reset">
    <details><summary id="x-summary">A summary</summary>Details</details>
    <label id="x-label">A label for nothing</label>
    <span id="x-menuitem" role="menuitem" tabindex="0">A menu item</span>
    <span id="x-tab" role="tab" tabindex="0">A tab</span>
    <span id="x-checkbox" role="checkbox" aria-checked="false" tabindex="0">A checkbox</span>
    <span id="x-option" role="option" tabindex="0">An option</span>
    <span id="x-role-list" role="menuitem button" tabindex="0">A menu item whose role
      lists button as its fallback: the role is not "button"</span>
    <span id="x-onclick" onclick="this.dataset.n = 1" tabindex="0">An onclick span</span>
    <span id="x-data-href" data-href="/cart.html" tabindex="0">A data-href span</span>
    <a id="x-named" name="named" tabindex="0">An anchor with a name</a>
    <img id="x-area-image" src="/map.svg" usemap="#no-href-map" width="60" height="20" alt="">
    <map name="no-href-map"><area shape="rect" coords="0,0,60,20" alt="no href"></map>
    <button id="x-button-href" type="button" href="/cart.html">A button with an href</button>
    <a id="x-empty-href" href="">A link to this page</a>
    <a id="x-unicode" href="/caf\u00e9/\u00fc\u00e9.html?q=\u00e4 \u00f6&amp;s=%2F#\u00df">
      Unicode</a>
    <span id="x-half" role="button" tabindex="0" style="position: absolute; left: 10px;
      top: 2000px; width: 21px; height: 21px">&frac12;</span>
    <span id="x-quarter" role="button" tabindex="0" style="position: absolute; left: 40px;
      top: 2100px; width: 20.5px; height: 20.5px">&frac14;</span>`;
  holder.addEventListener("click", (e) => e.preventDefault());  // stay on the page
  document.querySelector("#plain-text").after(holder);
}"""

LONG_TITLE = 'Caf\u00e9 \u201cquoted\u201d "plain" \\ back <b>&amp;</b> \U0001f600 ' + "t" * 300
LONG_QUERY = "/caf\u00e9/\u00fc\u00e9.html?q=\u00e4&pad=" + "x" * 2500 + "#\u00df"
CENTRE = """e => { const r = e.getBoundingClientRect();
  return [r.left + r.width / 2 + scrollX, r.top + r.height / 2 + scrollY]; }"""
MOVE = """([title, url]) => {
  history.pushState({}, "", url);
  document.title = title;
}"""


@pytest.fixture
def tracked(visitor, webtrack):
    """A known visitor on the page of every kind of link; returns their profile id."""
    return known_visitor(visitor, webtrack, "shop", PAGE)


def point(page, selector: str) -> tuple[int, int]:
    target = page.locator(selector)
    target.scroll_into_view_if_needed()
    box = target.bounding_box()
    return int(box["x"]) + 5, int(box["y"]) + 4


def test_only_the_listed_kinds_are_links_and_targets_are_the_browsers(visitor, webtrack,
                                                                      tracked):
    page = visitor.page
    page.evaluate(ADD)
    visitor.mark()
    for kind in NOT_LINKS:
        for button in ("left", "right", "middle"):
            page.mouse.click(*point(page, f"#{kind}"), button=button)
        if kind not in ("x-image", "x-area-image", "x-label"):
            for key in ("Enter", " "):
                page.locator(f"#{kind}").focus()
                page.keyboard.press(key)
    visitor.expect_no_beacon(leave=False)
    assert webtrack.interactions(tracked, "website_link_clicked") == []

    here = visitor.url("shop", PAGE)
    unicode_link = page.eval_on_selector("#x-unicode", "a => a.href")
    assert "%C3%A9" in unicode_link, unicode_link  # the browser's own, encoded form
    wanted = []
    for kind, link in (("x-button-href", ""), ("x-empty-href", here),
                       ("x-unicode", unicode_link)):
        page.locator(f"#{kind}").click()
        page.locator(f"#{kind}").focus()
        page.keyboard.press("Enter")
        wanted += [("LClick", link, here), ("KEnter", link, here)]
    rounded = []
    # A key's coordinates are the centre rounded to the nearest pixel, not cut or raised:
    # centres at half and quarter pixels.
    for kind in ("x-half", "x-quarter"):
        page.locator(f"#{kind}").focus()
        centre = page.eval_on_selector(f"#{kind}", CENTRE)
        assert {c % 1 for c in centre} in ({0.5}, {0.25}), centre  # the layout is exact
        page.keyboard.press("Enter")
        wanted.append(("KEnter", "", here))
        rounded.append(",".join(str(math.floor(c + 0.5)) for c in centre))
    # An in-page navigation to a long address outside ASCII, under a long title that
    # needs escaping: the visit, and clicks on the page, carry both whole.
    page.evaluate(MOVE, [LONG_TITLE, LONG_QUERY])
    moved = page.evaluate("location.href")
    assert "%C3%BC" in moved and len(moved) > 2500, moved
    (visit,) = webtrack.expect(tracked, "website_visited", count=2)[1:]
    assert (visit["msdynci_viewuri"], visit["msdynci_viewname"], visit["msdynci_viewtitle"]) \
        == (moved, "%C3%BC%C3%A9.html", LONG_TITLE), visit
    page.locator("#x-button-href").click()
    wanted.append(("LClick", "", moved))
    page.evaluate("document.querySelector('#x-unicode').search = '?' + 'w'.repeat(2500)")
    long_link = page.eval_on_selector("#x-unicode", "a => a.href")
    page.locator("#x-unicode").click(button="middle")
    wanted.append(("MClick", long_link, moved))
    clicks = webtrack.expect(tracked, "website_link_clicked", count=len(wanted))
    got = sorted((c["msdynci_actiontype"], c["msdynci_linkuri"], c["msdynci_viewuri"])
                 for c in clicks)
    assert got == sorted(wanted), f"expected:\n{sorted(wanted)}\ngot:\n{got}"
    # The clicks before the move were not awaited and may land after those on the moved
    # page: the titles are told apart by the page each click names, not by landing order.
    assert [c["msdynci_viewtitle"] for c in clicks if c["msdynci_viewuri"] == moved] == \
        [LONG_TITLE] * 2, clicks
    coordinates = {c["msdynci_clickcoordinates"] for c in clicks}
    assert set(rounded) <= coordinates, f"expected {rounded} among {coordinates}"


def test_an_anchor_in_any_role_keeps_its_target(visitor, webtrack, tracked):
    links = [(f"anchor-as-{role}", f"/cart.html?as={role}")
             for role in ("button", "menuitem", "tab")]
    visitor.page.evaluate("""(roles) => roles.forEach(([id, href]) => {
      const a = Object.assign(document.createElement("a"), {id, href, textContent: id});
      a.setAttribute("role", id.slice(10));
      a.addEventListener("click", (e) => e.preventDefault());  // stay on the page
      document.querySelector("#plain-text").after(a);
    })""", [list(link) for link in links])
    for id, _ in links:
        visitor.page.locator(f"#{id}").click()
    clicks = webtrack.expect(tracked, "website_link_clicked", count=len(links))
    assert sorted(c["msdynci_linkuri"] for c in clicks) == sorted(
        visitor.url("shop", href) for _, href in links), clicks
