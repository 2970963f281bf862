"""Contract §2 in the browser: every cell of the consent table, the cookie set regardless."""

import itertools

import pytest

from harness.visitor import CONTEXT_COOKIE

pytestmark = pytest.mark.browser

RECORDED = {
    ("restrictive", "opted_in"), ("nonrestrictive", "opted_in"),
    ("nonrestrictive", "not_set"), ("disabled", "opted_in"), ("disabled", "not_set"),
    ("disabled", "opted_out"),
}
# Each model × consent cell, for a contact allowing tracking, one refusing it, and a lead;
# and a refusing contact again with check_contact_consent off.
CELLS = [
    (model, consent, who, True)
    for model, consent, who in itertools.product(
        ("restrictive", "nonrestrictive", "disabled"), ("opted_in", "not_set", "opted_out"),
        ("contact", "contact-refusing", "lead"))
] + [(model, consent, "contact-refusing", False)
     for model, consent in itertools.product(("restrictive", "nonrestrictive", "disabled"),
                                             ("opted_in", "not_set", "opted_out"))]


def _id(cell):
    model, consent, who, check = cell
    return f"{model}-{consent}-{who}" + ("" if check else "-unchecked")


@pytest.mark.parametrize("cell", CELLS, ids=[_id(c) for c in CELLS])
def test_consent_cell(visitor, webtrack, cell):
    model, consent, who, check = cell
    webtrack.settings(enforcement_model=model, check_contact_consent=check)
    kind = "lead" if who == "lead" else "contact"
    profile = webtrack.profile(kind, consent=consent,
                               allow_tracking=who != "contact-refusing")["id"]
    visitor.arrive(profile, "shop", "/")

    # The product page: consent decides what is recorded, not whether the cookie is set.
    assert CONTEXT_COOKIE in visitor.cookies()
    recorded = (model, consent) in RECORDED and (who != "contact-refusing" or not check)
    # The link click is decided at the collector; wait for the page's visit to be received.
    assert webtrack.stats(min=2, wait=10)["received"] >= 2, webtrack.stats()
    types = sorted(i["type"] for i in webtrack.interactions(profile))
    assert types == (["email_link_clicked", "website_visited"] if recorded else []), (
        f"{_id(cell)}: expected {'recorded' if recorded else 'not recorded'}, "
        f"stats {webtrack.stats()}")


def test_consent_change_applies_without_restart(visitor, webtrack):
    profile = webtrack.profile(consent="opted_in")["id"]
    visitor.arrive(profile, "shop", "/")
    webtrack.expect(profile, "website_visited")
    webtrack.update_profile(profile, consent="opted_out")
    visitor.goto("shop", "/pricing.html")
    stats = webtrack.stats(min=3, wait=10)
    assert stats["received"] >= 3, stats
    assert stats["not_recorded"] == {"consent_opted_out": 1}
    assert len(webtrack.interactions(profile, "website_visited")) == 1
