"""Contract §6: journeys started and branched by what a visitor does in the browser."""

import pytest

pytestmark = pytest.mark.browser

CART_FOLLOW_UP = {
    "name": "cart follow-up",
    "trigger": {"type": "website_visited",
                "conditions": [{"field": "msdynci_viewuri", "op": "contains", "value": "/cart"}]},
    "start": "asked-pricing",
    "steps": {
        "asked-pricing": {"if": {"type": "website_link_clicked", "conditions": [
            {"field": "msdynci_linkuri", "op": "contains", "value": "/pricing"}]},
            "within_seconds": 86400, "yes": "offer", "no": "reminder"},
        "offer": {"send": "Still thinking about {{ trigger.msdynci_viewtitle }}? "
                          "Here is 10% off."},
        "reminder": {"send": "Your cart is waiting."}},
}


@pytest.fixture
def journey(webtrack):
    return webtrack.call("POST", "/api/journeys", CART_FOLLOW_UP)["id"]


def runs(webtrack, journey):
    """Return the journey's runs. The collector answers once the journey work of every
    interaction already readable is committed: read right after ``expect``, none is missing."""
    return webtrack.call("GET", f"/api/journeys/{journey}/runs")


def only_run(webtrack, journey):
    """Return the journey's one run, or fail showing the runs there are."""
    __tracebackhide__ = True
    found = runs(webtrack, journey)
    assert len(found) == 1, f"expected one run of {journey}, got {len(found)}: {found}"
    return found[0]


def test_visiting_the_cart_starts_the_journey(visitor, webtrack, journey):
    profile = webtrack.profile()["id"]
    visitor.arrive(profile, "shop", "/cart.html")
    webtrack.expect(profile, "website_visited")
    run = only_run(webtrack, journey)
    assert run["profile_id"] == profile and run["current_step"] == "asked-pricing"


def test_clicking_pricing_in_time_takes_yes(visitor, webtrack, journey):
    profile = webtrack.profile()["id"]
    page = visitor.arrive(profile, "shop", "/cart.html")
    page.click("#cart-pricing-banner")
    webtrack.expect(profile, "website_link_clicked")
    # The click leaves for the pricing page, whose visit is the visit's last word: waited
    # for, so what the gate compares with the reference never depends on when the test ends.
    webtrack.expect(profile, "website_visited", msdynci_viewname="pricing.html")
    run = only_run(webtrack, journey)
    assert [p["outcome"] for p in run["path"]] == ["yes", "sent"]
    assert run["path"][0]["decided_by"]["msdynci_linkuri"].endswith("/pricing.html")
    outbox = webtrack.call("GET", f"/api/outbox?profile={profile}")
    assert [m["text"] for m in outbox] == [
        "Still thinking about Your cart? Here is 10% off."]


def test_doing_nothing_takes_no_when_the_clock_moves(visitor, webtrack, journey):
    profile = webtrack.profile()["id"]
    visitor.arrive(profile, "shop", "/cart.html")
    webtrack.expect(profile, "website_visited")
    # A write asked for once the visit is readable comes after the visit's journey work.
    webtrack.call("POST", "/api/clock/advance", {"seconds": 86401})
    run = only_run(webtrack, journey)
    assert [p["outcome"] for p in run["path"]] == ["no", "sent"]
    outbox = webtrack.call("GET", f"/api/outbox?profile={profile}")
    assert [m["text"] for m in outbox] == ["Your cart is waiting."]


def test_opted_out_visitor_never_enters(visitor, webtrack, journey):
    profile = webtrack.profile(consent="opted_out")["id"]
    visitor.arrive(profile, "shop", "/cart.html")
    # Both the link click and the visit arrived (neither recorded): nothing later can
    # start the journey.
    assert webtrack.stats(min=2, wait=10)["received"] >= 2, webtrack.stats()
    assert runs(webtrack, journey) == []
