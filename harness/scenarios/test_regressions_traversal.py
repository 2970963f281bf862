"""Contract §5, ``website_visited`` on every in-page navigation, going back and forward
through entries of every kind.

The app's router pushes a state object with each route, so every traversal the other
scenarios make restores a state. Going back to the entry the page was loaded with, or to
one made by following a fragment, restores none (``popstate`` with a null state); each is
a navigation all the same: a visit, naming the page it came from. A script that takes a
``popstate`` without state for something else (a fragment change, its own noise) and skips
it loses these visits. And a view is sent as it happens: one the visitor leaves at once
(a script that waits for a burst of router navigations to settle) is still a visit.
"""

import pytest

from harness.scenarios.probes import known_visitor

pytestmark = pytest.mark.browser


def test_traversals_to_entries_without_state_are_visits(visitor, webtrack):
    profile = known_visitor(visitor, webtrack, "app", "/")
    page = visitor.page
    home, features = visitor.url("app", "/"), visitor.url("app", "/features")
    about = visitor.url("app", "/about")
    wanted = [(home, "")]

    def step(how, url, previous):
        how()
        wanted.append((url, previous))
        visits = webtrack.expect(profile, "website_visited", count=len(wanted))
        got = [(v["msdynci_viewuri"], v["msdynci_viewpreviousviews"]) for v in visits]
        assert got == wanted, f"expected:\n{wanted}\ngot:\n{got}"

    step(lambda: page.click("#nav-features"), features, home)  # the router's pushState({})
    step(page.go_back, home, features)  # to the entry of the load itself: no state
    step(lambda: page.evaluate("history.pushState(null, '', '/about')"), about, home)
    step(page.go_back, home, about)
    step(page.go_forward, about, home)
    # A view the visitor leaves at once (the router moved, then a link took them away
    # before anything else happened) is still a visit.
    page.evaluate("history.pushState({}, '', '/features')")
    page.goto(visitor.url("partner", "/"))
    wanted.append((features, about))
    visits = webtrack.expect(profile, "website_visited", count=len(wanted))
    assert [(v["msdynci_viewuri"], v["msdynci_viewpreviousviews"]) for v in visits] == wanted
