"""POST /collect: shape, origins, signed contexts, idempotency, consent and the counts."""

import itertools
import json

import pytest
from conftest import BLOG, SHOP

from harness.collector import state
from harness.collector.consent import CONSENTS, MODELS, refusal


def test_recorded_visit_is_readable(api, client):
    profile = api.profile(consent="opted_in")
    response = api.collect([api.visit()], context=api.context_for(profile))
    assert response.status_code == 202
    assert response.json == {"accepted": 1, "rejected": []}
    visits = client.get(f"/api/interactions?profile={profile}&type=website_visited").json
    assert [v["msdynci_viewuri"] for v in visits] == [SHOP + "/cart.html"]
    assert visits[0]["site"] == "shop" and visits[0]["event_id"] == "e1"


def test_batch_and_retry_is_stored_once(api, client):
    context = api.context_for(api.profile())
    events = [api.visit("a"), api.click("b"), api.visit("c")]
    assert api.collect(events, context=context).json["accepted"] == 3
    assert api.collect(events, context=context).json["accepted"] == 3  # a retried delivery
    site_events = [i for i in client.get("/api/interactions").json
                   if i["type"] != "email_link_clicked"]
    assert [i["event_id"] for i in site_events] == ["a", "b", "c"]
    stats = client.get("/api/stats").json
    assert stats["duplicates"] == 3 and stats["recorded"] == 4


# ("context" would collide with pytest-playwright's fixture of that name.)
@pytest.mark.parametrize("token", [
    "forged", "InBfMTIzIg.AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", "", "a.b.c"])
def test_forged_context_is_rejected_not_attributed(api, client, token):
    response = api.collect([api.visit()], context=token or None)
    assert response.status_code == 202
    assert response.json["accepted"] == 0
    reason = response.json["rejected"][0]["reason"]
    assert reason in ("invalid_context", "anonymous")
    assert client.get("/api/interactions").json == []
    assert client.get("/api/rejected").json[0]["reason"] == reason


def test_oversized_context_is_a_bad_body(api):
    response = api.collect([api.visit()], context="x" * 600)
    assert response.status_code == 400 and "'context'" in response.json["error"]


def test_altered_context_is_rejected(api, client):
    good = api.context_for(api.profile())
    altered = good[:-2] + ("AA" if not good.endswith("AA") else "BB")
    assert api.collect([api.visit()], context=altered).json["rejected"][0]["reason"] == \
        "invalid_context"


def test_context_from_another_secret_is_rejected(tmp_path, api):
    from harness.collector import create_app

    other = create_app({"DATABASE": str(tmp_path / "other.sqlite3"), "SECRET_KEY": "other",
                        "SITES": {"shop": SHOP}})
    foreign = type(api)(other.test_client()).context_for(
        type(api)(other.test_client()).profile(email="x@example.com"))
    response = api.collect([api.visit()], context=foreign)
    assert response.json["rejected"][0]["reason"] == "invalid_context"


def test_a_link_token_is_not_a_context(api, client):
    profile = api.profile()
    link = client.post("/api/links", json={"profile_id": profile, "url": SHOP + "/"}).json
    token = link["url"].rsplit("/", 1)[1]
    assert api.collect([api.visit()], context=token).json["rejected"][0]["reason"] == \
        "invalid_context"


@pytest.mark.parametrize("body,message", [
    ("not json", "not valid JSON"),
    ("[]", "must be a JSON object"),
    ('{"site": "shop"}', "events"),
    ('{"site": "shop", "events": []}', "non-empty"),
    ('{"site": 3, "events": [{}]}', "'site' must be str"),
    ('{"site": "shop", "events": [1]}', "events[0] must be an object"),
    ('{"site": "shop", "events": [{"event_id": "a", "type": "nope"}]}', "type must be one of"),
    ('{"site": "shop", "extra": 1, "events": [{}]}', "unknown field"),
])
def test_bad_bodies_get_a_clear_400_and_change_nothing(api, client, body, message):
    before = api.state()
    response = client.post("/collect", data=body, content_type="text/plain")
    assert response.status_code == 400
    assert message in response.json["error"]
    assert api.state() == before


@pytest.mark.parametrize("change,message", [
    ({"msdynci_viewuri": None}, "msdynci_viewuri is required"),
    ({"occurred_at": "yesterday"}, "not an RFC 3339 date-time"),
    ({"occurred_at": "2026-01-01T00:00:00"}, "no time zone"),
    ({"event_id": "has space"}, "event_id"),
    ({"msdynci_viewtype": "screen"}, "viewtype"),
    ({"msdynci_viewtitle": {"a": 1}}, "must be a string, number"),
    ({"nested": "x"}, "unknown field(s) nested"),
    ({"msdynci_viewuri": "javascript:alert(1)"}, "absolute http(s) URL"),
    ({"msdynci_viewuri": "http://elsewhere.localhost:8800/"}, "is not on site 'shop'"),
    ({"msdynci_viewpreviousviews": "file:///etc/passwd"}, "absolute http(s) URL"),
    ({"msdynci_viewtitle": "x" * 5000}, "longer than"),
    ({"msdynci_viewuri": "mailto:someone@example.com"}, "absolute http(s) URL"),
])
def test_malformed_events_are_refused_whole(api, client, change, message):
    context = api.context_for(api.profile())
    before = api.state()
    event = {**api.visit(), **change}
    response = api.collect([api.visit("ok"), event], context=context)
    assert response.status_code == 400 and message in response.json["error"]
    assert api.state() == before


@pytest.mark.parametrize("target", [
    "mailto:someone@example.com", "tel:+44-20-7946-0000", "javascript:void(0)",
    "data:text/plain,hello", "urn:isbn:0451450523", "HTTPS://partner.localhost:8800/",
])
def test_a_click_on_any_absolute_link_target_is_recorded(api, client, target):
    """§5: every ``a[href]`` activated is a click, whatever its scheme; none is lost."""
    profile = api.profile()
    response = api.collect([api.click(msdynci_linkuri=target)], context=api.context_for(profile))
    assert response.status_code == 202 and response.json["accepted"] == 1, response.json
    clicks = client.get(f"/api/interactions?profile={profile}&type=website_link_clicked").json
    assert [c["msdynci_linkuri"] for c in clicks] == [target]


@pytest.mark.parametrize("target, message", [
    ("/pricing.html", "must be an absolute URI"),
    ("//partner.localhost:8800/", "must be an absolute URI"),
    ("mailto:some one@example.com", "must be an absolute URI"),
    ("mailto:a@b.c\nX-Injected: 1", "must be an absolute URI"),
    ("http:partner.localhost", "well-formed http(s) URL"),
    ("https://user@partner.localhost/", "well-formed http(s) URL"),
    ("a" * 40 + ":x", "must be an absolute URI"),
])
def test_a_link_target_that_is_not_an_absolute_uri_is_refused(api, target, message):
    context = api.context_for(api.profile())
    before = api.state()
    response = api.collect([api.visit("ok"), api.click(msdynci_linkuri=target)], context=context)
    assert response.status_code == 400 and message in response.json["error"]
    assert api.state() == before


def test_click_fields_are_checked(api):
    context = api.context_for(api.profile())
    assert api.collect([api.click(action="DoubleClick")], context=context).status_code == 400
    bad_coords = api.click(msdynci_clickcoordinates="1.5,2")
    assert api.collect([bad_coords], context=context).status_code == 400
    outbound_as_string = api.click(msdynci_actionisoutbound="true")
    assert api.collect([outbound_as_string], context=context).status_code == 400


def test_body_over_64_kib_is_413(api, client):
    before = api.state()
    huge = json.dumps({"site": "shop", "events": [api.visit(msdynci_viewtitle="x" * 70000)]})
    response = client.post("/collect", data=huge, content_type="text/plain")
    assert response.status_code == 413 and "64 KiB" in response.json["error"]
    assert api.state() == before


def test_unknown_site_is_403(api):
    response = api.collect([api.visit()], site="nowhere")
    assert response.status_code == 403 and "not registered" in response.json["error"]


def test_unregistered_origin_is_403_without_cors(api):
    response = api.collect([api.visit()], headers={"Origin": "http://evil.localhost:8800"})
    assert response.status_code == 403
    assert "Access-Control-Allow-Origin" not in response.headers


def test_origin_of_another_site_is_403(api):
    context = api.context_for(api.profile())
    response = api.collect([api.visit()], context=context, headers={"Origin": BLOG})
    assert response.status_code == 403 and "does not belong" in response.json["error"]


def test_registered_origin_gets_cors(api, client):
    context = api.context_for(api.profile())
    response = api.collect([api.visit()], context=context, headers={"Origin": SHOP})
    assert response.status_code == 202
    assert response.headers["Access-Control-Allow-Origin"] == SHOP
    preflight = client.options("/collect", headers={"Origin": SHOP})
    assert preflight.status_code == 204
    assert preflight.headers["Access-Control-Allow-Origin"] == SHOP
    refused = client.options("/collect", headers={"Origin": "http://evil.localhost"})
    assert refused.status_code == 403
    assert "Access-Control-Allow-Origin" not in refused.headers


def test_truth_table_through_http(api, client):
    """Every row of the consent table (§2), through links and /collect, on one collector
    (an app per row cost 72 setups: the table itself is tests/test_consent.py's)."""
    wrong = []
    for model, consent, kind, allow, check in itertools.product(
            MODELS, CONSENTS, ("contact", "lead"), (True, False), (True, False)):
        client.put("/api/settings", json={"enforcement_model": model,
                                          "check_contact_consent": check})
        profile = api.profile(kind, consent=consent, allow_tracking=allow)
        context = api.context_for(profile)
        answer = api.collect([api.visit()], context=context).json
        recorded = client.get(f"/api/interactions?profile={profile}").json
        expect = refusal(model=model, consent=consent, kind=kind, allow_tracking=allow,
                         check_contact_consent=check) is None
        # Both the link click and the visit follow the same decision.
        if answer != {"accepted": 1, "rejected": []} or len(recorded) != (2 if expect else 0):
            wrong.append((model, consent, kind, allow, check, answer, len(recorded)))
    assert wrong == [], "rows answered or recorded otherwise than the table says"
    stats = client.get("/api/stats").json
    assert stats["received"] == stats["recorded"] + stats["totals"]["rejected"] + \
        stats["totals"]["not_recorded"]
    assert stats["recorded"] > 0 and stats["totals"]["not_recorded"] > 0


def test_consent_change_applies_to_next_interaction(api, client):
    profile = api.profile(consent="opted_in")
    context = api.context_for(profile)
    api.collect([api.visit("before")], context=context)
    client.patch(f"/api/profiles/{profile}", json={"consent": "opted_out"})
    api.collect([api.visit("after")], context=context)
    ids = [i["event_id"] for i in client.get(f"/api/interactions?profile={profile}").json]
    assert "before" in ids and "after" not in ids
    assert client.get("/api/stats").json["not_recorded"] == {"consent_opted_out": 1}


def test_not_recorded_leaves_no_personal_data(api, app):
    profile = api.profile(consent="opted_out")
    context = api.context_for(profile)
    api.collect([api.visit(msdynci_viewtitle="secret title")], context=context)
    db = state.store_of(app)
    dump = "\n".join(db.connection().iterdump())
    assert "secret title" not in dump
    assert "cart.html" not in dump.split("INSERT INTO \"links\"")[0]


def test_form_submission_id_attributes(api, client):
    client.post("/api/forms", json={"name": "News", "web_tracking": True, "id": "news"})
    answer = client.post("/f/news", data={"email": "f@example.com",
                                          "return": SHOP + "/thanks.html"})
    submission = answer.headers["Location"].split("wt_fsid=", 1)[1]
    response = api.collect([api.visit()], form_submission=submission)
    assert response.json == {"accepted": 1, "rejected": []}
    forged = api.collect([api.visit("z")], form_submission=submission + "x")
    assert forged.json["rejected"][0]["reason"] == "invalid_form_submission"


def test_a_form_submission_not_recorded_leaves_nothing_that_ties_the_person_to_it(
        api, client, app):
    """§2: what is not recorded leaves a count per reason only. The cookie is still handed
    over (as a link's context is, whatever the consent), and names the profile."""
    import sqlite3

    profile = api.profile(email="out@example.com", consent="opted_out")
    client.post("/api/forms", json={"name": "News", "web_tracking": True, "id": "news"})
    answer = client.post("/f/news", data={"email": "out@example.com", "first_name": "Olga",
                                          "return": SHOP + "/thanks.html"})
    assert "wt_fsid=" in answer.headers["Location"]
    assert client.get("/api/stats").json["not_recorded"] == {"consent_opted_out": 1}
    with sqlite3.connect(app.config["DATABASE"]) as db:
        tables = [r[0] for r in db.execute("SELECT name FROM sqlite_master WHERE type='table'")]
        found = {table: db.execute(f"SELECT * FROM {table}").fetchall() for table in tables}
    kept = {table for table, rows in found.items()
            if any(profile in map(str, row) or "Olga" in map(str, row) for row in rows)}
    assert kept == {"profiles"}, found
    # Once the contact opts in, the cookie they were given attributes what follows.
    client.patch(f"/api/profiles/{profile}", json={"consent": "opted_in"})
    submission = answer.headers["Location"].split("wt_fsid=", 1)[1]
    assert api.collect([api.visit()], form_submission=submission).json["accepted"] == 1
    assert client.get(f"/api/interactions?profile={profile}").json[0]["type"] == \
        "website_visited"


@pytest.mark.parametrize("empty", ["form_submission", "context"])
def test_an_emptied_identity_cookie_loses_nothing_the_other_identifies(api, client, empty):
    """A tracking cookie some other code emptied is sent as "": it names no one, and the
    delivery's other identity still counts (it was refused whole, and the visit lost)."""
    client.post("/api/forms", json={"name": "News", "web_tracking": True, "id": "news"})
    answer = client.post("/f/news", data={"email": "e@example.com",
                                          "return": SHOP + "/thanks.html"})
    identities = {"context": api.context_for(api.profile()),
                  "form_submission": answer.headers["Location"].split("wt_fsid=", 1)[1]}
    response = api.collect([api.visit()], **{**identities, empty: ""})
    assert response.status_code == 202 and response.json == {"accepted": 1, "rejected": []}
    alone = api.collect([api.visit("alone")], **{"context": None, empty: ""})
    assert alone.json["rejected"] == [{"event_id": "alone", "reason": "anonymous"}]
    assert api.collect([api.visit("blank")], **{**identities, empty: "  "}).status_code == 400


def test_anonymous_delivery_is_rejected(api):
    response = api.collect([api.visit()])
    assert response.json["rejected"] == [{"event_id": "e1", "reason": "anonymous"}]


def test_settings_change_applies_to_the_next_delivery(api, client):
    profile = api.profile()  # consent not set: recorded under the nonrestrictive model
    context = api.context_for(profile)
    api.collect([api.visit("before")], context=context)
    client.put("/api/settings", json={"enforcement_model": "restrictive"})
    api.collect([api.visit("after")], context=context)
    visits = client.get(f"/api/interactions?profile={profile}&type=website_visited").json
    assert [v["event_id"] for v in visits] == ["before"]


def test_site_registered_while_serving_may_deliver_at_once(api, client):
    api.collect([api.visit()], context=api.context_for(api.profile()))  # registry read
    extra = "http://extra.localhost:9"
    assert client.post("/api/sites", json={"id": "extra", "origin": extra}).status_code == 201
    context = api.context_for(api.profile(consent="opted_in"), extra + "/")
    response = api.collect([api.visit("x1", url=extra + "/")], context=context, site="extra",
                           headers={"Origin": extra})
    assert response.status_code == 202 and response.json["accepted"] == 1
    assert response.headers["Access-Control-Allow-Origin"] == extra


def test_a_later_event_under_a_recorded_id_is_rejected_and_a_retry_is_not(api, client):
    """An id names the event recorded under it: a retry (the same event again) is accepted
    and stored once; another event under that id, in a later delivery or in one committed
    with it, is rejected with its reason and counted, never dropped unseen."""
    context = api.context_for(api.profile())
    first = api.visit("same")
    assert api.collect([first], context=context).json == {"accepted": 1, "rejected": []}
    assert api.collect([first], context=context).json == {"accepted": 1, "rejected": []}
    other = {**first, "msdynci_viewtitle": "a different page"}
    response = api.collect([api.visit("new"), other], context=context)
    assert response.json == {"accepted": 1, "rejected": [
        {"event_id": "same", "reason": "conflicting_event_id"}]}, response.json
    later = {**first, "occurred_at": "2026-01-02T00:00:00Z"}
    assert api.collect([later], context=context).json["rejected"][0]["reason"] == \
        "conflicting_event_id"
    stored = client.get("/api/interactions?type=website_visited").json
    assert [(i["event_id"], i["msdynci_viewtitle"]) for i in stored] == [
        ("same", first["msdynci_viewtitle"]), ("new", first["msdynci_viewtitle"])]
    stats = client.get("/api/stats").json
    assert stats["rejected"] == {"conflicting_event_id": 2} and stats["duplicates"] == 1
    assert stats["received"] == stats["recorded"] + 2 + sum(stats["not_recorded"].values())
    assert [r["reason"] for r in client.get("/api/rejected").json] == ["conflicting_event_id"] * 2


def test_two_events_under_one_id_committed_together_keep_the_first(app):
    from harness.collector import ingest, state

    store = state.store_of(app)
    profile = app.test_client().post("/api/profiles", json={
        "kind": "contact", "email": "t@example.com"}).json["id"]
    event = {"event_id": "one", "type": "website_visited", "occurred_at": "2026-01-01T00:00:00Z",
             "msdynci_viewuri": "http://shop.localhost:8800/", "msdynci_viewtitle": "A"}
    deliveries = [ingest.Delivery("shop", [event], profile),
                  ingest.Delivery("shop", [{**event, "msdynci_viewtitle": "B"}], profile),
                  ingest.Delivery("shop", [event], profile)]
    outcomes = store.transact(lambda db: ingest.record(db, deliveries, store=store))
    assert [(o.accepted, [r["reason"] for r in o.rejected]) for o in outcomes] == [
        (1, []), (0, ["conflicting_event_id"]), (1, [])]
    titles = [row["fields"] for row in store.query("SELECT fields FROM interactions")]
    assert titles == ['{"msdynci_viewuri":"http://shop.localhost:8800/","msdynci_viewtitle":"A"}']
