"""Contact points: one key per address however it is spelt, old databases re-keyed."""

import sqlite3

import pytest
from conftest import SHOP

from harness.collector import create_app, state
from harness.collector.people import contact_point


@pytest.mark.parametrize("typed,key", [
    ("ann@bücher.de", "ann@bücher.de"),
    ("ann@xn--bcher-kva.de", "ann@bücher.de"),  # punycode: the same domain
    ("ANN@XN--BCHER-KVA.DE", "ann@bücher.de"),
    ("ann@BÜCHER.DE", "ann@bücher.de"),
    ("ann@bu\u0308cher.de", "ann@bücher.de"),  # a combining diaeresis
    ("ann@bücher\u3002de", "ann@bücher.de"),  # an ideographic full stop is a dot (UTS #46)
    ("ann@xn--bcher-kva.xn--p1ai", "ann@bücher.рф"),
    (" Ann@Example.COM ", "ann@example.com"),
    ("ΑΣ@example.com", "ασ@example.com"),  # case-folded: final sigma is sigma
])
def test_contact_point_table(typed, key):
    assert contact_point(typed) == key
    assert contact_point(key) == key  # a key is its own key


@pytest.mark.parametrize("domain", ["xn--.example", "foo_bar.com", "-a.com", "a..b.com",
                                    "x" * 64 + ".com", "xn--bcher-kva-.de"])
def test_a_domain_that_is_not_idna_is_no_contact_point(domain):
    with pytest.raises(ValueError, match="internationalised domain name"):
        contact_point("ann@" + domain)


def test_an_idn_variant_of_an_opted_out_address_is_the_same_contact(api, client):
    ann = api.profile(email="ann@bücher.de", consent="opted_out")
    before = api.state()
    for variant in ("ann@xn--bcher-kva.de", "ANN@XN--BCHER-KVA.DE", "ann@bu\u0308cher.de"):
        response = client.post("/api/profiles", json={"kind": "contact", "email": variant})
        assert response.status_code == 409, response.json
    # A form typed with the punycode spelling is the opted-out contact: not recorded.
    client.post("/api/forms", json={"name": "Newsletter", "id": "newsletter"})
    before = api.state()
    response = client.post("/f/newsletter", data={"email": "ann@xn--bcher-kva.de",
                                                  "return": SHOP + "/"})
    assert response.status_code in (200, 303), response.data
    assert client.get(f"/api/profiles/{ann}").json["consent"] == "opted_out"
    stats = client.get("/api/stats").json
    assert stats["not_recorded"] == {"consent_opted_out": 1}, stats
    assert api.state()[1] == before[1]  # no interaction recorded, no new contact


def test_an_address_whose_domain_is_not_idna_is_refused(api, client):
    before = api.state()
    for email in ("ann@xn--.example", "ann@foo_bar.com", "ann@-x.com"):
        response = client.post("/api/profiles", json={"kind": "contact", "email": email})
        assert response.status_code == 400 and "email" in response.json["error"], email
    assert api.state() == before


def test_an_old_database_is_re_keyed_to_the_idna_form_never_merged(tmp_path):
    """Earlier versions kept a domain as typed: punycode and Unicode spellings were two
    contact points. At start each becomes the one form, unless that form is taken (then
    both stay apart, each with its own consent)."""
    config = {"DATABASE": str(tmp_path / "old.sqlite3"), "SECRET_KEY": "s",
              "SITES": {"shop": SHOP}}
    state.store_of(create_app(config)).close()
    with sqlite3.connect(config["DATABASE"]) as db:  # as an earlier version stored them
        for email, consent in (("bo@xn--bcher-kva.de", "opted_out"),
                               ("cy@bücher.de", "opted_out"), ("cy@xn--bcher-kva.de", "opted_in"),
                               ("di@foo_bar.com", "opted_out")):
            db.execute("INSERT INTO contact_points VALUES (?, ?)", (email, consent))
            db.execute("INSERT INTO profiles VALUES (?, 'contact', ?, 1, "
                       "'2026-01-01T00:00:00Z')", ("p_" + email[:2] + email[3:5], email))
    app = create_app(config)
    try:
        client = app.test_client()
        response = client.post("/api/profiles", json={"kind": "contact", "email": "bo@bücher.de"})
        assert response.status_code == 409, response.json
        with sqlite3.connect(config["DATABASE"]) as db:
            keys = dict(db.execute("SELECT email, consent FROM contact_points"))
        assert keys == {"bo@bücher.de": "opted_out", "cy@bücher.de": "opted_out",
                        "cy@xn--bcher-kva.de": "opted_in", "di@foo_bar.com": "opted_out"}
    finally:
        state.store_of(app).close()
