"""Who may change the collector: JSON only, same origin only, the API token when set;
sites registered once; strict JSON; long-polls capped while /healthz and /collect answer."""

import json
import threading
import time

import pytest
from conftest import SHOP

from harness.client import CollectorClient, CollectorRefused
from harness.collector import create_app, guard, state
from harness.server import Server
from harness.testing import Sender, ServerProcess, free_port, visit_event

OWN = "http://collector.localhost:8800"
CHANGING = [("POST", "/api/reset"), ("POST", "/api/profiles"), ("POST", "/api/sites"),
            ("PUT", "/api/settings"), ("PATCH", "/api/profiles/p_x"), ("POST", "/api/links"),
            ("POST", "/api/forms"), ("POST", "/api/journeys"), ("POST", "/api/clock/advance"),
            ("PUT", "/api/sites/shop")]

# (method, path, headers, token, has_body) -> status refused with, or None (let through)
CASES = [
    ("POST", "/api/reset", {"Content-Type": "application/json"}, None, True, None),
    ("POST", "/api/reset", {}, None, False, None),  # no body at all: nothing to smuggle
    ("POST", "/api/reset", {"Content-Type": "text/plain"}, None, True, 415),
    ("POST", "/api/reset", {"Content-Type": "text/plain"}, None, False, 415),
    ("POST", "/api/reset", {"Content-Type": "application/x-www-form-urlencoded"}, None, True,
     415),
    ("POST", "/api/reset", {"Content-Type": "multipart/form-data; boundary=x"}, None, True, 415),
    ("POST", "/api/reset", {"Content-Type": "application/json; charset=utf-8"}, None, True,
     None),
    ("POST", "/api/reset", {"Content-Type": "application/json", "Origin": OWN}, None, True, None),
    ("POST", "/api/reset", {"Content-Type": "application/json",
                            "Origin": "http://shop.localhost:8800"}, None, True, 403),
    ("POST", "/api/reset", {"Content-Type": "application/json", "Origin": "null"}, None, True,
     403),
    ("POST", "/api/reset", {"Content-Type": "application/json", "Sec-Fetch-Site": "same-site"},
     None, True, 403),
    ("POST", "/api/reset", {"Content-Type": "application/json", "Sec-Fetch-Site": "cross-site"},
     None, True, 403),
    ("POST", "/api/reset", {"Content-Type": "application/json", "Sec-Fetch-Site": "same-origin"},
     None, True, None),
    ("POST", "/api/reset", {"Content-Type": "application/json"}, "t0k", True, 401),
    ("POST", "/api/reset", {"Content-Type": "application/json", "Authorization": "Bearer no"},
     "t0k", True, 401),
    ("POST", "/api/reset", {"Content-Type": "application/json", "Authorization": "Basic t0k"},
     "t0k", True, 401),
    ("POST", "/api/reset", {"Content-Type": "application/json", "Authorization": "Bearer t0k"},
     "t0k", True, None),
    ("GET", "/api/stats", {}, "t0k", False, None),  # reads need no token
    ("GET", "/api/stats", {"Sec-Fetch-Site": "same-origin"}, "t0k", False, None),
    ("GET", "/api/stats", {"Sec-Fetch-Site": "none"}, None, False, None),  # typed in
    # A page elsewhere cannot read the answer, but a read it starts still costs: a
    # long-poll it holds (an <img> pointing at one) keeps a slot the harness needs.
    ("GET", "/api/interactions", {"Origin": "http://shop.localhost:8800"}, None, False, 403),
    ("GET", "/api/interactions", {"Sec-Fetch-Site": "cross-site"}, None, False, 403),
    ("HEAD", "/api/stats", {"Sec-Fetch-Site": "same-site"}, None, False, 403),
    # A link followed to a read opens it in a tab: the person sees it, nothing is held.
    ("GET", "/api/stats", {"Sec-Fetch-Site": "cross-site", "Sec-Fetch-Mode": "navigate",
                           "Sec-Fetch-Dest": "document"}, None, False, None),
    ("GET", "/api/interactions", {"Sec-Fetch-Site": "cross-site", "Sec-Fetch-Mode": "navigate",
                                  "Sec-Fetch-Dest": "iframe"}, None, False, 403),
    ("POST", "/api/reset", {"Content-Type": "application/json", "Sec-Fetch-Site": "cross-site",
                            "Sec-Fetch-Mode": "navigate", "Sec-Fetch-Dest": "document"},
     None, True, 403),
    ("GET", "/", {"Sec-Fetch-Site": "cross-site"}, None, False, None),  # a page, never framed
    ("POST", "/collect", {"Content-Type": "text/plain",
                          "Origin": "http://shop.localhost:8800"}, "t0k", True, None),
    ("POST", "/f/f_x", {"Content-Type": "application/x-www-form-urlencoded",
                        "Origin": "http://shop.localhost:8800"}, "t0k", True, None),
]


@pytest.mark.parametrize("method,path,headers,token,has_body,status", CASES)
def test_refusal_table(method, path, headers, token, has_body, status):
    found = guard.refusal(method, path, headers, OWN, token, has_body)
    assert (found[0] if found else None) == status, found


@pytest.fixture
def token_app(tmp_path):
    app = create_app({"DATABASE": str(tmp_path / "c.sqlite3"), "SECRET_KEY": "s",
                      "SITES": {"shop": SHOP}, "API_TOKEN": "s3cret"})
    yield app
    state.store_of(app).close()


@pytest.mark.parametrize("method,path", CHANGING)
def test_cross_site_and_non_json_calls_change_nothing(api, client, method, path):
    api.profile()
    before = api.state()
    for headers, data, status in (
            ({"Content-Type": "text/plain"}, "{}", 415),
            ({"Content-Type": "application/x-www-form-urlencoded"}, "a=b", 415),
            ({"Content-Type": "application/json", "Origin": "http://shop.localhost:8800"},
             "{}", 403),
            ({"Content-Type": "application/json", "Sec-Fetch-Site": "same-site"}, "{}", 403)):
        response = client.open(path, method=method, data=data, headers=headers)
        assert response.status_code == status, (headers, response.json)
        assert response.json["error"]
    assert api.state() == before


def test_api_token_is_needed_for_changes_only(token_app):
    client = token_app.test_client()
    body = {"kind": "lead", "email": "t@example.com"}
    refused = client.post("/api/profiles", json=body)
    assert refused.status_code == 401 and "token" in refused.json["error"]
    assert refused.headers["WWW-Authenticate"].startswith("Bearer")
    assert client.get("/api/stats").status_code == 200
    made = client.post("/api/profiles", json=body, headers={"Authorization": "Bearer s3cret"})
    assert made.status_code == 201


def test_sites_register_once_and_change_with_put(api, client):
    extra = {"id": "extra", "origin": "http://extra.localhost:9"}
    assert client.post("/api/sites", json=extra).status_code == 201
    again = client.post("/api/sites", json={"id": "extra", "origin": "http://evil.localhost:9"})
    assert again.status_code == 409 and "PUT /api/sites/extra" in again.json["error"]
    taken = client.post("/api/sites", json={"id": "other", "origin": SHOP})
    assert taken.status_code == 409 and "belongs to site 'shop'" in taken.json["error"]
    assert {"id": "extra", "origin": "http://extra.localhost:9"} in client.get("/api/sites").json
    moved = client.put("/api/sites/extra", json={"origin": "http://extra.localhost:10"})
    assert moved.status_code == 200 and moved.json["origin"] == "http://extra.localhost:10"
    mismatch = client.put("/api/sites/extra", json={"id": "shop", "origin": SHOP})
    assert mismatch.status_code == 400
    assert {"id": "shop", "origin": SHOP} in client.get("/api/sites").json


DEEP = "[" * 5000 + "]" * 5000


@pytest.mark.parametrize("path", ["/collect", "/api/profiles", "/api/links", "/api/forms",
                                  "/api/sites", "/api/journeys", "/api/clock/advance",
                                  "/api/settings"])
@pytest.mark.parametrize("body,message", [
    (DEEP, "nested more than"), ('{"a":' * 30 + "1" + "}" * 30, "nested more than"),
    ('{"seconds": NaN}', "NaN is not JSON"), ('{"seconds": Infinity}', "Infinity is not JSON"),
    ('{"seconds": -Infinity}', "-Infinity is not JSON"),
    ('{"name": "\\ud800", "kind": "lead"}', "lone surrogate"),
    ('{"seconds": 1e400}', "out of range")])
def test_strict_json_everywhere(api, client, path, body, message):
    before = api.state()
    method = "PUT" if path == "/api/settings" else "POST"
    response = client.open(path, method=method, data=body, content_type="application/json")
    assert response.status_code == 400 and message in response.json["error"]
    assert api.state() == before


def test_numbers_in_events_cannot_be_nan(api, client):
    context = api.context_for(api.profile())
    body = json.dumps({"site": "shop", "context": context, "events": [api.visit()]})
    response = client.post("/collect", data=body.replace('"Cart"', "NaN"),
                           content_type="text/plain")
    assert response.status_code == 400 and "NaN" in response.json["error"]


def test_links_and_forms_use_the_configured_origin_not_the_host_header(api, client):
    profile = api.profile()
    evil = {"Host": "evil.example"}
    link = client.post("/api/links", json={"profile_id": profile, "url": SHOP + "/"},
                       headers=evil)
    assert link.json["url"].startswith("http://collector.localhost:8800/l/")
    form = client.post("/api/forms", json={"name": "F"}, headers=evil)
    assert form.json["action"].startswith("http://collector.localhost:8800/f/")


def test_collector_pages_carry_security_headers(api, client):
    page = client.get("/")
    policy = page.headers["Content-Security-Policy"]
    assert "frame-ancestors 'none'" in policy and "script-src" not in policy
    assert page.headers["X-Content-Type-Options"] == "nosniff"
    assert page.headers["Referrer-Policy"] and page.headers["X-Frame-Options"] == "DENY"
    assert client.get("/api/stats").headers["X-Content-Type-Options"] == "nosniff"


# -- against a real server: threads are what long-polls use up --------------------------------

@pytest.fixture(scope="module")
def server(tmp_path_factory):
    with Server(db=tmp_path_factory.mktemp("poll") / "c.sqlite3", fixtures_dir=None,
                threads=8) as running:
        yield running


def test_long_polls_are_capped_and_healthz_and_collect_still_answer(server):
    client = CollectorClient("collector.localhost", server.port)
    client.reset()
    profile = client.profile(consent="opted_in")["id"]
    page = server.url_for("shop", "/")
    context = client.context_for(profile, page)
    cap = server.app.config["LONG_POLLS"]
    assert cap < server.threads
    answers = []
    query = f"/api/interactions?profile={profile}&type=website_visited&min=2&wait=30"

    def poll():
        answers.append(CollectorClient("collector.localhost", server.port).call("GET", query))

    polls = [threading.Thread(target=poll) for _ in range(cap)]
    for thread in polls:
        thread.start()
    deadline = time.monotonic() + 10
    while server.app.extensions["webtrack.long_polls"]._value and time.monotonic() < deadline:
        time.sleep(0.01)  # until every poll holds its place (a precondition, not a result)
    with pytest.raises(CollectorRefused, match="answered 429"):
        client.interactions(profile, min=2, wait=30)
    with Sender(server.port) as sender:
        assert sender.post("", "/healthz")[0] == 200
        for n in (1, 2):
            status, raw = sender.post({"site": "shop", "context": context,
                                       "events": [visit_event(f"during-polls-{n}", page)]})
            assert status == 202, raw
            if n == 1:
                assert all(thread.is_alive() for thread in polls), "a poll ended early"
    for thread in polls:
        thread.join(30)
    assert len(answers) == cap
    assert all([i["event_id"] for i in found] == ["during-polls-1", "during-polls-2"]
               for found in answers)


def test_retry_after_on_too_many_polls(server):
    cap = server.app.config["LONG_POLLS"]
    room = server.app.extensions["webtrack.long_polls"]
    for _ in range(cap):
        room.acquire()
    try:
        with CollectorClient("collector.localhost", server.port, timeout=5) as client:
            response = client.request("GET", "/api/stats?min=5&wait=2")
        assert response.status_code == 429 and response.headers["Retry-After"] == "1"
        assert "too many long-polls" in response.json()["error"]
    finally:
        for _ in range(cap):
            room.release()


@pytest.mark.slow
def test_serve_with_api_token_needs_it_and_the_client_passes_it(tmp_path):
    port = free_port()
    with ServerProcess(tmp_path / "t.sqlite3", port, "--api-token", "tok-123"):
        without = CollectorClient("collector.localhost", port, token="")
        with pytest.raises(CollectorRefused, match="answered 401"):
            without.profile()
        with pytest.raises(CollectorRefused, match="answered 401"):
            without.reset()
        client = CollectorClient("collector.localhost", port, token="tok-123")
        assert client.profile()["id"]
        assert client.stats()["received"] == 0  # reads stay open
