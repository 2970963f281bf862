"""The collector's test API, tracked links and forms: answers, errors, and no side effects."""

import threading
import time

import pytest
from conftest import SHOP

from harness.collector import create_app, forms, links, state

# -- profiles and settings ------------------------------------------------------------

def test_profiles_roundtrip(client):
    made = client.post("/api/profiles", json={"kind": "contact", "email": "Ann@Example.com",
                                              "consent": "opted_in", "allow_tracking": False})
    assert made.status_code == 201
    profile = made.json
    assert profile["email"] == "ann@example.com" and profile["allow_tracking"] is False
    changed = client.patch(f"/api/profiles/{profile['id']}", json={"consent": "opted_out",
                                                                    "allow_tracking": True})
    assert changed.json["consent"] == "opted_out" and changed.json["allow_tracking"] is True


def test_lead_ignores_allow_tracking(client):
    lead = client.post("/api/profiles", json={"kind": "lead", "email": "l@example.com",
                                              "allow_tracking": False}).json
    assert "allow_tracking" not in lead
    assert "allow_tracking" not in client.patch(f"/api/profiles/{lead['id']}",
                                                json={"allow_tracking": False}).json


@pytest.mark.parametrize("body,status,message", [
    ({"kind": "robot", "email": "a@example.com"}, 400, "'kind' must be one of"),
    ({"kind": "contact"}, 400, "missing required field 'email'"),
    ({"kind": "contact", "email": "not-an-email"}, 400, "not an email"),
    ({"kind": "contact", "email": 7}, 400, "'email' must be str"),
    ({"kind": "contact", "email": "a@example.com", "consent": "yes"}, 400, "'consent'"),
    ({"kind": "contact", "email": "a@example.com", "allow_tracking": "no"}, 400, "bool"),
    ({"kind": "contact", "email": "a@example.com", "age": 3}, 400, "unknown field"),
])
def test_profile_bad_input(api, client, body, status, message):
    before = api.state()
    response = client.post("/api/profiles", json=body)
    assert response.status_code == status and message in response.json["error"]
    assert api.state() == before


def test_duplicate_email_is_409(client):
    client.post("/api/profiles", json={"kind": "contact", "email": "d@example.com"})
    response = client.post("/api/profiles", json={"kind": "lead", "email": "D@example.com"})
    assert response.status_code == 409 and "already exists" in response.json["error"]


def test_unknown_profile_is_404(client):
    assert client.patch("/api/profiles/p_nobody", json={"consent": "opted_in"}).status_code == 404
    assert client.get("/api/profiles/p_nobody").status_code == 404


def test_settings(client):
    assert client.get("/api/settings").json == {"enforcement_model": "nonrestrictive",
                                                "check_contact_consent": True}
    changed = client.put("/api/settings", json={"enforcement_model": "restrictive"}).json
    assert changed["enforcement_model"] == "restrictive"
    bad = client.put("/api/settings", json={"enforcement_model": "strict"})
    assert bad.status_code == 400
    assert client.get("/api/settings").json["enforcement_model"] == "restrictive"


# -- sites ----------------------------------------------------------------------------

def test_register_site(client):
    made = client.post("/api/sites", json={"id": "extra", "origin": "http://extra.localhost:9"})
    assert made.status_code == 201
    assert {"id": "extra", "origin": "http://extra.localhost:9"} in client.get("/api/sites").json


@pytest.mark.parametrize("body", [
    {"id": "Bad Id", "origin": "http://x.localhost"},
    {"id": "x", "origin": "ftp://x.localhost"},
    {"id": "x", "origin": "http://x.localhost/path"},
    {"id": "x", "origin": "http://x.localhost:99999"},
    {"id": "x"},
])
def test_register_site_bad_input(api, client, body):
    before = api.state()
    assert client.post("/api/sites", json=body).status_code == 400
    assert api.state() == before


# -- tracked links ----------------------------------------------------------------------

def test_link_redirects_with_context_and_records_click(api, client):
    profile = api.profile(consent="opted_in")
    link = client.post("/api/links", json={"profile_id": profile,
                                           "url": SHOP + "/cart.html?ref=mail"}).json
    response = client.get(link["url"])
    assert response.status_code == 302
    assert response.headers["Location"].startswith(SHOP + "/cart.html?ref=mail&wt_ctx=")
    clicks = client.get(f"/api/interactions?profile={profile}&type=email_link_clicked").json
    assert len(clicks) == 1 and clicks[0]["msdynci_linkuri"] == SHOP + "/cart.html?ref=mail"


def test_a_head_of_a_link_answers_as_a_get_and_records_nothing(api, client):
    # A mail scanner checking the link is not the contact opening it.
    profile = api.profile(consent="opted_in")
    link = client.post("/api/links", json={"profile_id": profile, "url": SHOP + "/"}).json
    before = api.state()
    response = client.head(link["url"])
    assert response.status_code == 302 and "wt_ctx=" in response.headers["Location"]
    assert client.head("/l/not-a-token").status_code == 404
    assert api.state() == before


@pytest.mark.parametrize("url, value, expected", [
    # The target's own query is kept as written; only our parameters are replaced.
    (SHOP + "/?@evil.com", "T", SHOP + "/?@evil.com&wt_ctx=T"),
    (SHOP + "/?flag", "T", SHOP + "/?flag&wt_ctx=T"),
    (SHOP + "/?q=a%20b&r=a+b", "T", SHOP + "/?q=a%20b&r=a+b&wt_ctx=T"),
    (SHOP + "/?wt_ctx=old&a=1&wt%5Fctx=old2", "T", SHOP + "/?a=1&wt_ctx=T"),
    (SHOP + "/?wt_fsid=old#top", None, SHOP + "/#top"),
    (SHOP + "/", "a/b+c=", SHOP + "/?wt_ctx=a%2Fb%2Bc%3D"),
    (SHOP + "/?a=1", None, SHOP + "/?a=1"),
])
def test_our_parameter_is_added_to_the_query_as_written(url, value, expected):
    assert links.with_param(url, links.CONTEXT_PARAM, value) == expected


def test_link_redirects_even_when_consent_refuses(api, client):
    profile = api.profile(consent="opted_out")
    link = client.post("/api/links", json={"profile_id": profile, "url": SHOP + "/"}).json
    assert "wt_ctx=" in client.get(link["url"]).headers["Location"]
    assert client.get("/api/interactions").json == []
    assert client.get("/api/stats").json["not_recorded"] == {"consent_opted_out": 1}


def test_link_tracking_off_redirects_plainly(api, client):
    profile = api.profile()
    link = client.post("/api/links", json={"profile_id": profile, "url": SHOP + "/",
                                           "link_tracking": False}).json
    response = client.get(link["url"])
    assert response.status_code == 302 and response.headers["Location"] == SHOP + "/"
    assert client.get("/api/interactions").json == []


@pytest.mark.parametrize("url", [
    "http://evil.localhost:8800/", "https://shop.localhost:8800/", "http://shop.localhost:8801/",
    "javascript:alert(1)", "//evil.example/", "/relative", "http://user@shop.localhost:8800/",
    # Read as shop by a browser (and ada), as evil.example by Python's urlsplit: a redirect
    # rebuilt by the one went where the other never checked.
    "http://:@shop.localhost:8800\\@evil.example/", "http://shop.localhost:8800\\@evil.example/",
    "http://@shop.localhost:8800/", "http://shop.localhost:8800\\x", "http://shop.localhost:8800\t@evil/",
    "http://shop.localhost:8800/\n", " http://shop.localhost:8800/",
])
def test_links_to_unregistered_targets_are_refused(api, client, url):
    profile = api.profile()
    before = api.state()
    response = client.post("/api/links", json={"profile_id": profile, "url": url})
    assert response.status_code == 400 and "url" in response.json["error"]
    assert api.state() == before


@pytest.mark.parametrize("suffix", ["x", "", "?next=http://evil.example/"])
def test_tampered_link_token_is_rejected_and_counted(api, client, suffix):
    profile = api.profile()
    url = client.post("/api/links", json={"profile_id": profile, "url": SHOP + "/"}).json["url"]
    token = url.rsplit("/", 1)[1]
    altered = token[:-3] + suffix if suffix != "?next=http://evil.example/" else token[:-1]
    response = client.get(f"/l/{altered}" + (suffix if suffix.startswith("?") else ""))
    assert response.status_code == 404 and "Location" not in response.headers
    assert client.get("/api/rejected").json[-1]["reason"] == "invalid_link_token"
    assert client.get("/api/interactions").json == []


def test_query_cannot_bend_the_redirect(api, client):
    profile = api.profile()
    url = client.post("/api/links", json={"profile_id": profile, "url": SHOP + "/"}).json["url"]
    response = client.get(url + "?url=http://evil.example/&next=http://evil.example/")
    assert response.headers["Location"].startswith(SHOP + "/?wt_ctx=")


def test_rotating_the_secret_invalidates_links(tmp_path):
    db = str(tmp_path / "c.sqlite3")
    first = create_app({"DATABASE": db, "SECRET_KEY": "one", "SITES": {"shop": SHOP}})
    c1 = first.test_client()
    profile = c1.post("/api/profiles", json={"kind": "contact", "email": "r@example.com"}).json
    url = c1.post("/api/links", json={"profile_id": profile["id"], "url": SHOP + "/"}).json["url"]
    assert c1.get(url).status_code == 302
    rotated = create_app({"DATABASE": db, "SECRET_KEY": "two", "SITES": {"shop": SHOP}})
    assert rotated.test_client().get(url).status_code == 404


def test_link_for_unknown_profile_is_404(client):
    response = client.post("/api/links", json={"profile_id": "p_none", "url": SHOP + "/"})
    assert response.status_code == 404


# -- forms ------------------------------------------------------------------------------

@pytest.mark.parametrize("values,fields", [
    ({"email": "a@example.com", "return": SHOP + "/"}, {}),
    ({"email": "a@example.com", "company": "ACME"}, {"form_company": "ACME"}),
    ({"first_name": "Ann", "plan2": "pro"}, {"form_first_name": "Ann", "form_plan2": "pro"}),
    ({"Company": "x", "2fa": "x", "with-dash": "x", "": "x"}, {}),
    ({"a" + "b" * 40: "x", "a" + "b" * 41: "x"}, {"form_a" + "b" * 40: "x"}),
    ({"note": "n" * 1000}, {"form_note": "n" * 1000}),  # longer: a 400 (test_collector_protocol)
    ({"note": "n\r\n" * 500}, {"form_note": "n\r\n" * 500}),  # CR LF counted once
    # A visitor's own `name` or `id` is kept beside the form's, never over it.
    ({"name": "Ann", "id": "7"}, {"form_field_name": "Ann", "form_field_id": "7"}),
    ({"name\n": "x", "plan\n": "x"}, {}),  # a name must be all of the field's name
])
def test_submitted_fields_table(values, fields):
    assert forms.submitted_fields(values) == fields


@pytest.mark.parametrize("values", [{"name": "Ann", "field_name": "Bob"},
                                    {"field_id": "1", "id": "2"}])
def test_fields_recorded_under_one_name_are_refused(values):
    with pytest.raises(forms.ApiError, match="both be recorded as"):
        forms.submitted_fields(values)


def test_a_visitors_name_field_is_recorded_beside_the_forms_own(client):
    form = client.post("/api/forms", json={"name": "News", "web_tracking": True}).json
    response = client.post(f"/f/{form['id']}", data={
        "email": "named@example.com", "return": SHOP + "/", "name": "Ann", "id": "7"})
    assert response.status_code == 303, response.data
    submitted = client.get("/api/interactions?type=form_submitted").json
    assert [(i["form_id"], i["form_name"], i["form_field_name"], i["form_field_id"])
            for i in submitted] == [(form["id"], "News", "Ann", "7")]


def test_form_with_web_tracking_returns_submission_id(client):
    form = client.post("/api/forms", json={"name": "News", "web_tracking": True}).json
    response = client.post(f"/f/{form['id']}", data={"email": "n@example.com",
                                                     "return": SHOP + "/thanks.html"})
    assert response.status_code == 303
    assert response.headers["Location"].startswith(SHOP + "/thanks.html?wt_fsid=")
    submitted = client.get("/api/interactions?type=form_submitted").json
    assert submitted[0]["form_name"] == "News"


def test_form_without_web_tracking_gives_no_id(client):
    form = client.post("/api/forms", json={"name": "Contact"}).json
    assert form["web_tracking"] is False
    response = client.post(f"/f/{form['id']}", data={"email": "c@example.com",
                                                     "return": SHOP + "/thanks.html"})
    assert response.headers["Location"] == SHOP + "/thanks.html"


def test_form_submission_updates_existing_profile(api, client):
    profile = api.profile(email="same@example.com", consent="opted_in")
    form = client.post("/api/forms", json={"name": "News", "web_tracking": True}).json
    client.post(f"/f/{form['id']}", data={"email": "SAME@example.com", "return": SHOP + "/"})
    assert client.get(f"/api/interactions?profile={profile}").json[0]["type"] == "form_submitted"


@pytest.mark.parametrize("back", [
    "http://shop.localhost:8800\\@evil.example/", "http://@shop.localhost:8800\\@evil.example/",
    "http://shop.localhost:8800\\\t@evil.example/", "http://shop.localhost:8800\\x",
])
def test_a_form_return_read_two_ways_is_refused_and_changes_nothing(api, client, back):
    form = client.post("/api/forms", json={"name": "News", "web_tracking": True}).json
    before = api.state()
    response = client.post(f"/f/{form['id']}", data={"email": "r@example.com", "return": back})
    assert response.status_code == 400 and "'return'" in response.json["error"]
    assert api.state() == before


@pytest.mark.parametrize("url,location", [
    (SHOP + "/a?b=%20&c#frag", SHOP + "/a?b=%20&c&wt_ctx=v#frag"),
    (SHOP + "/p?x=1&wt_ctx=old&wt%5Ffsid=f", SHOP + "/p?x=1&wt_ctx=v"),
    (SHOP + "/ü?q=ü", SHOP + "/%C3%BC?q=%C3%BC&wt_ctx=v"),
    ("HTTP://SHOP.localhost:8800", SHOP + "/?wt_ctx=v"),
])
def test_a_redirect_is_the_browsers_reading_of_its_target(url, location):
    assert links.with_param(url, links.CONTEXT_PARAM, "v") == location


def test_a_link_stored_before_targets_were_plain_records_nothing_when_opened(api, client, app):
    profile = api.profile()
    url = client.post("/api/links", json={"profile_id": profile, "url": SHOP + "/"}).json["url"]
    state.store_of(app).transact(lambda db: db.execute("UPDATE links SET url = ?",
                                         (SHOP + "\\@evil.example/",)))
    before = api.state()
    response = client.get(url)
    assert response.status_code == 404 and "Location" not in response.headers
    assert api.state() == before


def test_form_never_redirects_off_site(client):
    form = client.post("/api/forms", json={"name": "News", "web_tracking": True}).json
    response = client.post(f"/f/{form['id']}", data={"email": "o@example.com",
                                                     "return": "http://evil.example/"})
    assert response.status_code == 200 and "Location" not in response.headers


@pytest.mark.parametrize("path,data,status", [
    ("/f/nope", {"email": "a@example.com"}, 404),
    ("/f/{id}", {"email": "bad"}, 400),
    ("/f/{id}", {}, 400),
])
def test_form_bad_input(api, client, path, data, status):
    form = client.post("/api/forms", json={"name": "News"}).json
    before = api.state()
    assert client.post(path.format(id=form["id"]), data=data).status_code == status
    assert api.state() == before


# -- reading, waiting, counting, resetting -----------------------------------------------

def test_interactions_wait_answers_when_enough_arrive(api, client):
    context = api.context_for(api.profile())
    later = threading.Timer(0.3, lambda: api.collect([api.visit("late")], context=context))
    later.start()
    started = time.monotonic()
    found = client.get("/api/interactions?type=website_visited&min=1&wait=10").json
    assert [i["event_id"] for i in found] == ["late"]
    assert time.monotonic() - started < 5


def test_interactions_wait_gives_up_after_wait(client):
    started = time.monotonic()
    assert client.get("/api/interactions?min=1&wait=0.3").json == []
    assert 0.3 <= time.monotonic() - started < 3


@pytest.mark.parametrize("query", ["min=-1", "min=x", "wait=1000", "wait=abc"])
def test_interactions_bad_query(client, query):
    response = client.get(f"/api/interactions?{query}")
    assert response.status_code == 400 and "error" in response.json


def test_stats_wait_on_a_named_count(api, client):
    assert client.get("/api/stats?of=everything").status_code == 400
    api.collect([api.visit()], context=api.context_for(api.profile()))
    counts = client.get("/api/stats?of=deliveries&min=1&wait=5").json
    assert counts["deliveries"] == 1 and counts["received"] == 2  # the link click too


def test_healthz_touches_nothing(api, client):
    before = api.state()
    assert client.get("/healthz").json == {"ok": True}
    assert client.post("/healthz", data="anything").json == {"ok": True}
    assert api.state() == before


def test_reset_empties_everything_but_keeps_sites(api, client):
    context = api.context_for(api.profile())
    api.collect([api.visit()], context=context)
    client.post("/api/reset")
    assert client.get("/api/interactions").json == []
    assert client.get("/api/stats").json["received"] == 0
    assert {s["id"] for s in client.get("/api/sites").json} == {"shop", "blog"}
    # The old context names a profile that no longer exists: rejected, not attributed.
    assert api.collect([api.visit("x")], context=context).json["rejected"][0]["reason"] == \
        "unknown_profile"


def test_unknown_route_is_json_404(client):
    response = client.get("/api/nothing")
    assert response.status_code == 404 and "error" in response.json


def test_tracker_is_served_gzipped(client):
    plain = client.get("/tracker.js")
    packed = client.get("/tracker.js", headers={"Accept-Encoding": "gzip"})
    assert plain.status_code == 200 and b"disableCookiesUsage" in plain.data
    assert packed.headers["Content-Encoding"] == "gzip" and len(packed.data) < len(plain.data)
