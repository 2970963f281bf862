"""Contract §5, ``website_visited`` for in-page navigations the other scenarios do not make,
and the previous view when the page was reached from elsewhere.

- A router changes the address and then, in the same task, the title: the visit names
  the page it navigated to, with that title (read once the page has rendered it, not
  at the ``pushState`` call).
- Changing only the query or only the fragment with the history API is a navigation:
  each is a visit, naming the one before it.
- The view name of a folder (``/plans/week/``) is its last segment, ``week``.
- The document title is what ``document.title`` says: empty for an untitled page (not
  the path), its ASCII whitespace stripped and collapsed; a no-break space stays.
- A fragment navigation (``location.hash``) is never two visits.
- The previous view is the previous page *of this visit in this tab*: not a page open
  in another tab, not a referrer on the same host name with another port or scheme.
"""

import pytest

from harness.scenarios.probes import known_visitor

pytestmark = pytest.mark.browser
NAVIGATE = """([how, url, title]) => {
  history[how]({}, "", url);
  if (title !== null) document.title = title;  // the router renders after moving
}"""
RETITLE = """([url, text]) => {
  history.pushState({}, "", url);
  document.querySelector("title").textContent = text;
}"""


@pytest.fixture
def app(visitor, webtrack):
    """A known visitor on the single-page app's home; returns their profile id."""
    return known_visitor(visitor, webtrack, "app", "/")


def views(webtrack, profile, count):
    return [(v["msdynci_viewuri"], v["msdynci_viewtitle"], v["msdynci_viewpreviousviews"])
            for v in webtrack.expect(profile, "website_visited", count=count)]


def names(webtrack, profile):
    return [v["msdynci_viewname"] for v in webtrack.interactions(profile, "website_visited")]


def test_in_page_navigations_of_every_kind_are_visits(visitor, webtrack, app):
    page = visitor.page
    home = visitor.url("app", "/")
    steps = [("pushState", "/plans", "Plans"),
             ("replaceState", "/plans?week=2", "Plans, week 2"),  # the query alone
             ("pushState", "/plans?week=2#notes", None),  # the fragment alone
             ("pushState", "/blank", ""),  # an untitled view
             ("pushState", "/plans/week/", "Week")]  # a folder: its name, not /
    wanted, previous, title = [], home, "Planner — home"
    for how, path, new_title in steps:
        page.evaluate(NAVIGATE, [how, path, new_title])
        title = title if new_title is None else new_title
        wanted.append((visitor.url("app", path), title, previous))
        previous = visitor.url("app", path)
        assert views(webtrack, app, 1 + len(wanted))[1:] == wanted
    # Only ASCII whitespace is stripped and collapsed: a no-break space stays, at the end too.
    page.evaluate(RETITLE, ["/spaced", "  Spaced \n   out\u00a0 "])
    wanted.append((visitor.url("app", "/spaced"), "Spaced out\u00a0", previous))
    assert views(webtrack, app, 1 + len(wanted))[1:] == wanted
    assert names(webtrack, app) == ["/", "plans", "plans", "plans", "blank", "week", "spaced"]


def test_a_fragment_navigation_is_at_most_one_visit(visitor, webtrack, app):
    page = visitor.page
    page.evaluate("location.hash = 'notes'")
    visitor.advance(1)
    visitor.settle()
    later = views(webtrack, app, 1)[1:]
    assert later in ([], [(visitor.url("app", "/#notes"), "Planner — home",
                           visitor.url("app", "/"))]), later


def test_the_previous_view_is_of_this_tab_and_this_origin(visitor, webtrack, tracked):
    # The visitor is on the shop's home in one tab; another tab opens the cart directly.
    other = visitor.page.context.new_page()
    other.goto(visitor.url("shop", "/cart.html"))
    cart = webtrack.expect(tracked, "website_visited", msdynci_viewname="cart.html")[0]
    assert cart["msdynci_viewpreviousviews"] == "", cart
    other.close()
    # Reached from the same host name on another port, or over https: another origin.
    port = int(visitor.url("shop", "/").rsplit(":", 1)[1].strip("/"))
    for referer in (f"http://shop.localhost:{port + 1}/", f"https://shop.localhost:{port}/"):
        visitor.page.goto(visitor.url("shop", "/pricing.html"), referer=referer)
    visits = webtrack.expect(tracked, "website_visited", count=2,
                             msdynci_viewname="pricing.html")
    assert [v["msdynci_viewpreviousviews"] for v in visits] == ["", ""], visits
