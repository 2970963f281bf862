"""Contract §5 and §7 on the wire: each interaction leaves the browser once, by one means,
in a ``/collect`` body of the documented shape, and the collector counts it once.

A retried delivery is stored once (the collector's side); the script itself sends each
interaction once: a second copy by another means would double what the collector
receives (``/api/stats``) for every visitor.
"""

import pytest

pytestmark = pytest.mark.browser
BODY_KEYS = {"site", "context", "form_submission", "events"}


def media_type(content_type: str | None) -> str:
    """``text/plain;charset=UTF-8`` → ``text/plain``: the type without its parameters."""
    return (content_type or "").split(";")[0].strip().lower()


def sent_events(visitor) -> list[dict]:
    visitor.settle()
    return [event for body in visitor.delivered() for event in body["events"]]


@pytest.mark.parametrize("beacons", [None, "Navigator.prototype.sendBeacon = function () "
                                           "{ return false; };"], ids=["beacon", "fallback"])
def test_each_interaction_goes_out_once(visitor, webtrack, beacons):
    if beacons:
        visitor.page.add_init_script(beacons)
    profile = webtrack.profile()["id"]
    start = visitor.wiretap.mark()
    page = visitor.arrive(profile, "shop", "/")
    webtrack.expect(profile, "website_visited")
    page.click("#add-lamp")
    page.click("#product-lamp", button="right")
    webtrack.expect(profile, "website_link_clicked", count=2)
    page.evaluate("history.pushState({}, '', '/spa-step')")
    webtrack.expect(profile, "website_visited", count=2)
    page.click("#nav-cart")
    webtrack.expect(profile, "website_visited", count=3)

    recorded = [i for i in webtrack.interactions(profile) if i["type"].startswith("website_")]
    sent = sent_events(visitor)
    # Every request the collector got from the page is a text/plain POST to /collect:
    # nothing else, no preflight (OPTIONS) before it.
    wire = visitor.wiretap.since(start)
    assert wire and all((r["method"], r["path"], media_type(r["content_type"]))
                        == ("POST", "/collect", "text/plain") for r in wire), wire
    # No copy by another means: every event arrived in one delivery only.
    assert sorted(e["event_id"] for e in sent) == sorted(i["event_id"] for i in recorded)
    stats = webtrack.stats()
    assert stats["duplicates"] == 0 and stats["received"] == len(recorded) + 1, stats


def test_every_body_has_the_documented_shape(visitor, webtrack, tracked):
    page = visitor.page
    page.click("#add-lamp")
    webtrack.expect(tracked, "website_link_clicked")
    # Bursts of activations (press-less clicks, as a screen reader's): every one has an
    # event_id of its own, so each is recorded; ids of a few random bits would collide.
    for burst in range(1, 4):
        page.evaluate("for (let i = 0; i < 20; i++) document.querySelector('#add-lamp').click()")
        webtrack.expect(tracked, "website_link_clicked", count=1 + 20 * burst)
    page.click("#pricing-banner")
    webtrack.expect(tracked, "website_visited", msdynci_viewname="pricing.html")
    bodies = (visitor.settle(), visitor.delivered())[1]
    ids = [e["event_id"] for body in bodies for e in body["events"]]
    assert len(set(ids)) == len(ids) == 64, ids  # two visits, 62 clicks
    for body in bodies:
        assert set(body) <= BODY_KEYS and {"site", "events"} <= set(body), body
        assert body["site"] == "shop" and body["context"] == visitor.handed["wt_ctx"], body
        assert body.get("form_submission") is None, body
        assert body["events"] and all(set(e) >= {"event_id", "type", "occurred_at"}
                                      for e in body["events"]), body
