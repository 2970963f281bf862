"""Contract §3 and §7: the identity the script hands the collector is exactly what the site
was handed, whatever else is in the cookie jar and however the address spelled it.

Every ``/collect`` body names the visitor by the values of the two tracking cookies, and
those are the values the tracked link (or form) put in the address bar: nothing of another
cookie, nothing lost or changed on the way through the jar.
"""

from urllib.parse import quote

import pytest

from harness.visitor import CONTEXT_COOKIE, FORM_COOKIE

pytestmark = pytest.mark.browser


def identities(visitor, deliveries: int = 1) -> set[tuple]:
    """(context, form_submission) of every delivery the page made, once the collector
    answered at least *deliveries* of them."""
    visitor.wait_delivered(deliveries, wait=10)
    visitor.settle()
    bodies = visitor.delivered()
    assert len(bodies) >= deliveries, f"the page made {len(bodies)} deliveries"
    return {(b.get("context"), b.get("form_submission")) for b in bodies}


def jar(visitor, *cookies: tuple[str, str]) -> None:
    """Put *cookies* in the shop's jar now, in this order (older ones come first)."""
    for name, value in cookies:
        visitor.page.context.add_cookies([{"name": name, "value": value,
                                           "url": visitor.url("shop", "/")}])


LOOK_ALIKES = [
    (CONTEXT_COOKIE + "_old", "not-ours"), ("x" + CONTEXT_COOKIE, "not-ours"),
    (CONTEXT_COOKIE.lower(), "not-ours"), (FORM_COOKIE + "2", "not-ours"),
    ("x" + FORM_COOKIE, "not-ours"), ("msdynci", "not-ours"),
]


def test_cookies_named_like_the_tracking_cookies_are_not_read(visitor, webtrack):
    jar(visitor, *LOOK_ALIKES)  # older than ours, so before it in document.cookie
    profile = webtrack.profile()["id"]
    visitor.arrive(profile, "shop", "/")
    webtrack.expect(profile, "website_visited")
    visitor.goto("shop", "/pricing.html")
    webtrack.expect(profile, "website_visited", msdynci_viewname="pricing.html")
    assert identities(visitor, 2) == {(visitor.handed["wt_ctx"], None)}
    assert webtrack.rejected() == []


@pytest.mark.parametrize("empty,other", [(FORM_COOKIE, CONTEXT_COOKIE),
                                         (CONTEXT_COOKIE, FORM_COOKIE)],
                         ids=["empty-form-cookie-first", "empty-context-cookie-first"])
def test_an_empty_tracking_cookie_carries_nothing_of_the_next(visitor, webtrack, empty, other):
    # A tracking cookie some other code left empty, older than the other one: its value is
    # "", whatever follows it in document.cookie.
    profile = webtrack.profile()["id"]
    context = webtrack.context_for(profile, visitor.url("shop", "/"))
    jar(visitor, ("a", "1"), (empty, ""), (other, context), ("z", "2"))
    visitor.goto("shop", "/")
    (sent,) = identities(visitor)
    named = dict(zip((CONTEXT_COOKIE, FORM_COOKIE), sent, strict=True))
    assert named[other] == context and named[empty] in ("", None), sent
    if other == CONTEXT_COOKIE:  # the emptied cookie names no one: the visit is the context's
        webtrack.expect(profile, "website_visited")


ODD = "a value; with=odd %chars, \"quotes\" & ünïcode"


@pytest.mark.parametrize("parameter", ["wt_ctx", "wt_fsid"])
def test_a_value_goes_through_the_cookie_jar_unchanged(visitor, webtrack, parameter):
    # Not one the collector made (so it is refused), but what was handed must be what is
    # sent: characters a cookie cannot hold as they are survive the round trip.
    visitor.page.goto(visitor.url("shop", "/cart.html") + f"?{parameter}={quote(ODD)}")
    visitor.page.wait_for_url(visitor.url("shop", "/cart.html"))
    assert visitor.handed[parameter] == ODD
    (sent,) = identities(visitor)
    assert sent == ((ODD, None) if parameter == "wt_ctx" else (None, ODD)), sent
    reason = "invalid_context" if parameter == "wt_ctx" else "invalid_form_submission"
    assert {r["reason"] for r in webtrack.rejected(min=1, wait=5)} == {reason}
    visitor.goto("shop", "/pricing.html")  # read back from the jar on the next page too
    assert identities(visitor, 2) == {sent}


@pytest.mark.parametrize("spelled", ["wt%5Fctx", "wt%5fctx", "%77t_ctx"])
def test_a_tracking_parameter_whose_name_is_percent_encoded_is_read(visitor, webtrack,
                                                                     spelled):
    # A mail gateway or link rewriter may escape the query's names: wt%5Fctx is wt_ctx.
    profile = webtrack.profile()["id"]
    page_url = visitor.url("shop", "/products/lamp.html")
    context = webtrack.context_for(profile, page_url)
    visitor.page.goto(f"{page_url}?colour=oak&{spelled}={context}")
    kept = f"{page_url}?colour=oak"
    visitor.page.wait_for_url(kept)
    visit = webtrack.expect(profile, "website_visited")[0]
    assert visit["msdynci_viewuri"] == kept
    cookie = visitor.cookies()[CONTEXT_COOKIE]
    assert cookie["value"] == context and cookie["path"] == "/", cookie
