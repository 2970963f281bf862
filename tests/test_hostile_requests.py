"""Hostile requests to a real running collector, from a plain HTTP client: each is refused
with a clear 4xx ``{error}`` and changes nothing."""

import json

import pytest

from harness.client import http_client
from harness.testing import visit_event


@pytest.fixture
def http(webtrack, webtrack_server):
    headers = {"Authorization": f"Bearer {webtrack.token}"} if webtrack.token else {}
    with http_client(webtrack_server.port, headers=headers) as client:
        yield client


def _state(webtrack):
    """Everything a refused request could have changed."""
    return (webtrack.stats(), webtrack.interactions(), webtrack.rejected(),
            webtrack.call("GET", "/api/sites"), webtrack.call("GET", "/api/settings"),
            webtrack.call("GET", "/api/forms"), webtrack.call("GET", "/api/journeys"))


def _json_with_a_name_twice(body: dict, path: tuple, name: str, first: object) -> str:
    """*body* as JSON text, the object at *path* naming *name* twice: *first*, then the
    value *body* gives it (the one Python's json would keep)."""
    text = json.dumps(body)
    inner = body
    for step in path:
        inner = inner[step]
    whole = json.dumps(inner)
    twice = "{" + json.dumps(name) + ": " + json.dumps(first) + ", " + whole[1:]
    assert text.count(whole) == 1
    return text.replace(whole, twice)


# (path, method, body, where the name appears twice, the name, the value first given)
TWICE = [
    ("/collect", "POST", "delivery", (), "site", "blog"),
    ("/collect", "POST", "delivery", ("events", 0), "event_id", "other-id"),
    ("/collect", "POST", "delivery", ("events", 0), "msdynci_viewtitle", "Another title"),
    ("/api/profiles", "POST", {"kind": "contact", "email": "twice@example.com"}, (),
     "kind", "lead"),
    ("/api/settings", "PUT", {"enforcement_model": "restrictive"}, (),
     "enforcement_model", "disabled"),
    ("/api/sites", "POST", {"id": "twice", "origin": "http://twice.localhost:1"}, (),
     "origin", "http://evil.localhost:1"),
    ("/api/journeys", "POST", {"name": "j", "trigger": {"type": "website_visited"},
                               "start": "a", "steps": {"a": {"send": "hi"}}},
     ("steps", "a"), "send", "hello"),
]


@pytest.mark.parametrize("path, method, body, where, name, first", TWICE,
                         ids=[f"{p}-{'.'.join(map(str, w)) or 'top'}.{n}"
                              for p, _, _, w, n, _ in TWICE])
def test_an_object_naming_a_member_twice_is_refused_and_changes_nothing(
        webtrack, webtrack_server, http, path, method, body, where, name, first):
    # Parsers differ on which of the two values counts: whatever one reader checked,
    # another could act on the other. Python's json kept the last one without a word.
    if body == "delivery":
        profile = webtrack.profile(consent="opted_in")["id"]
        shop = webtrack_server.url_for("shop", "/cart.html")
        body = {"site": "shop", "context": webtrack.context_for(profile, shop),
                "events": [visit_event("e1", shop)]}
    before = _state(webtrack)
    response = http.request(method, path, content=_json_with_a_name_twice(
        body, where, name, first), headers={"Content-Type": "application/json"})
    assert response.status_code == 400, response.text
    assert "more than once" in response.json()["error"] and name in response.json()["error"]
    assert _state(webtrack) == before
