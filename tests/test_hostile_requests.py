"""Hostile requests to a real running collector, from a plain HTTP client: each is refused
with a clear 4xx ``{error}`` and changes nothing."""

import json
import socket
import time
from urllib.parse import quote

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


QUERIES = [
    # A parameter the call does not read: ignored, it answered as if unfiltered.
    ("GET", "/api/interactions?profile[]={profile}", "profile[]"),
    ("GET", "/api/interactions?profil={profile}", "profil"),
    ("GET", "/api/outbox?profiles={profile}", "profiles"),
    ("GET", "/api/sites?id=shop", "id"),
    ("GET", "/api/profiles/{profile}?fields=email", "fields"),
    ("POST", "/api/reset?dry_run=1", "dry_run"),
    # One parameter twice: the first won, where another reader takes the last.
    ("GET", "/api/interactions?profile={profile}&profile=p_someone_else", "profile"),
    ("GET", "/api/interactions?min=1&min=500&wait=0.1", "min"),
    ("GET", "/api/stats?of=recorded&of=everything", "of"),
    ("GET", "/api/rejected?limit=1&limit=1000", "limit"),
]


@pytest.mark.parametrize("method, query, name", QUERIES, ids=[q for _, q, _ in QUERIES])
def test_a_query_parameter_unknown_or_given_twice_is_refused(webtrack, webtrack_server, http,
                                                             method, query, name):
    profile = webtrack.profile(consent="opted_in")["id"]
    webtrack.context_for(profile, webtrack_server.url_for("shop", "/"))  # a link opened
    before = _state(webtrack)
    response = http.request(method, query.format(profile=profile),
                            headers={"Content-Type": "application/json"},
                            content=b"{}" if method == "POST" else None)
    assert response.status_code == 400, response.text
    assert repr(name) in response.json()["error"], response.json()
    assert _state(webtrack) == before


def test_the_parameters_a_call_reads_are_still_read(webtrack, webtrack_server, http):
    profile = webtrack.profile(consent="opted_in")["id"]
    webtrack.context_for(profile, webtrack_server.url_for("shop", "/"))
    other = webtrack.profile(consent="opted_in")["id"]
    webtrack.context_for(other, webtrack_server.url_for("shop", "/"))
    found = http.get(f"/api/interactions?profile={profile}&type=email_link_clicked"
                     "&site=shop&min=1&wait=5")
    assert [i["profile_id"] for i in found.json()] == [profile], found.text
    assert http.get("/api/stats?of=recorded&min=2&wait=5").json()["recorded"] == 2
    assert http.get("/api/rejected?limit=5&before=9&min=0&wait=0").json() == []
    assert http.get(f"/api/outbox?profile={profile}").json() == []


JOURNEY = {"name": "j", "trigger": {"type": "website_visited", "conditions": [
    {"field": "msdynci_viewuri", "op": "contains", "value": "/cart"}]},
    "start": "asked", "steps": {
        "asked": {"if": {"type": "website_link_clicked", "conditions": [
            {"field": "msdynci_linkuri", "op": "contains", "value": "/pricing"}]},
            "within_seconds": 60, "yes": "offer", "no": None},
        "offer": {"send": "hi"}}}
NEVER = [
    (("trigger", "type"), "website_visted", "trigger.type"),
    (("steps", "asked", "if", "type"), "link_clicked", "steps.asked.if.type"),
    (("trigger", "conditions", 0, "field"), "msdynci_viewuir", "trigger.conditions[0].field"),
    (("steps", "asked", "if", "conditions", 0, "field"), "msdynci_viewname",
     "steps.asked.if.conditions[0].field"),  # a visit's field, not a click's
    (("trigger", "conditions", 0, "field"), "form_message", "trigger.conditions[0].field"),
]


@pytest.mark.parametrize("where, value, named", NEVER, ids=[n[1] for n in NEVER])
def test_a_journey_rule_no_interaction_can_meet_is_refused(webtrack, http, where, value,
                                                           named):
    # A typo in a type or a field was a journey that never starts (or always takes "no"),
    # accepted with a 201.
    raw = json.loads(json.dumps(JOURNEY))
    inner = raw
    for step in where[:-1]:
        inner = inner[step]
    inner[where[-1]] = value
    before = _state(webtrack)
    response = http.post("/api/journeys", json=raw)
    assert response.status_code == 400, response.text
    assert response.json()["error"].startswith(f"{named} {value!r} is not"), response.json()
    assert _state(webtrack) == before


@pytest.mark.parametrize("kind, field", [
    ("email_link_clicked", "link_id"), ("email_link_clicked", "site"),
    ("form_submitted", "form_message"), ("form_submitted", "form_name"),
    ("website_link_clicked", "msdynci_actiontype"), ("website_visited", "received_at")])
def test_a_journey_rule_on_any_recorded_type_and_field_is_taken(http, kind, field):
    raw = {**JOURNEY, "trigger": {"type": kind, "conditions": [
        {"field": field, "op": "starts_with", "value": "x"}]}}
    assert http.post("/api/journeys", json=raw).status_code == 201


@pytest.mark.parametrize("twice", ["email", "return"])
def test_a_form_naming_whose_or_where_to_twice_is_refused(webtrack, webtrack_server, http,
                                                          twice):
    # Of two addresses (or two places to go back to) the first was taken without a word.
    shop = webtrack_server.url_for("shop", "/")
    fields = [("email", "first@example.com"), ("return", shop)]
    fields.append((twice, {"email": "second@example.com", "return": shop + "?b"}[twice]))
    before = _state(webtrack)
    response = http.post("/f/newsletter", content="&".join(
        f"{name}={quote(value, safe='')}" for name, value in fields),
        headers={"Content-Type": "application/x-www-form-urlencoded"})
    assert response.status_code == 400, response.text
    assert f"'{twice}' is given more than once" in response.json()["error"]
    assert _state(webtrack) == before
    assert webtrack.profile(email="first@example.com")  # (a 409 had the form made it)


def _raw(port: int, head: str) -> tuple[int, bytes]:
    """Send *head* (a request with no body) as it is; return the status and the body."""
    with socket.create_connection(("127.0.0.1", port), timeout=10) as conn:
        conn.sendall(head.replace("\n", "\r\n").encode("latin-1"))
        answer = b""
        while chunk := conn.recv(65536):
            answer += chunk
    status, _, body = answer.partition(b"\r\n\r\n")
    return int(status.split()[1]), body


@pytest.mark.parametrize("hosts", [
    ["collector.localhost:{port}", "shop.localhost:{port}"],
    ["shop.localhost:{port}", "collector.localhost:{port}"],
    ["collector.localhost:{port}, shop.localhost:{port}"],
    ["collector.localhost:{port}@evil.localhost"],
    ["collector.localhost:{port}/api"],
    [""],
    [],
], ids=["two-collector-first", "two-site-first", "comma", "userinfo", "path", "empty", "none"])
def test_a_request_naming_no_one_host_is_refused_and_changes_nothing(webtrack,
                                                                     webtrack_server, hosts):
    # Two Host headers reached the app as "a, b", and the first host a split found got the
    # request: a reset through the collector, with a site's name beside it.
    profile = webtrack.profile()["id"]
    port = webtrack_server.port
    token = f"Authorization: Bearer {webtrack.token}\n" if webtrack.token else ""
    head = "".join(f"Host: {host.format(port=port)}\n" for host in hosts)
    before = _state(webtrack)
    status, body = _raw(port, f"POST /api/reset HTTP/1.1\n{head}{token}"
                              "Content-Length: 0\nConnection: close\n\n")
    assert status == 400, body
    assert "Host" in json.loads(body)["error"]
    assert _state(webtrack) == before
    assert webtrack.call("GET", f"/api/profiles/{profile}")["id"] == profile



SEND_TWICE = """async ([api, site, context, page]) => {
  const event = JSON.stringify({event_id: "first", type: "website_visited",
    occurred_at: "2026-01-01T00:00:00Z", msdynci_viewuri: page, msdynci_viewname: "/",
    msdynci_viewtitle: "t", msdynci_viewtype: "page", msdynci_viewpreviousviews: ""});
  const twice = '{"event_id": "second", ' + event.slice(1);  // event_id named twice
  const body = `{"site": "${site}", "context": "${context}", "events": [${twice}]}`;
  navigator.sendBeacon(api + "/collect", body);
  await fetch(api + "/collect", {method: "POST", body, mode: "no-cors", keepalive: true});
}"""


@pytest.mark.browser
def test_a_beacon_naming_a_member_twice_is_refused_and_records_nothing(page, webtrack,
                                                                       webtrack_server):
    # From a registered site's page, as a script on it would send them: a beacon and a
    # fetch whose one event names its id twice.
    profile = webtrack.profile(consent="opted_in")["id"]
    home = webtrack_server.url_for("shop", "/")
    context = webtrack.context_for(profile, home)
    statuses = []
    page.on("response", lambda r: statuses.append(r.status)
            if r.url.endswith("/collect") and r.request.method == "POST" else None)
    page.goto(home)
    page.evaluate(SEND_TWICE, [webtrack_server.origin(), "shop", context, home])
    page.goto(webtrack_server.url_for("shop", "/cart.html"))  # lets the beacon land
    deadline = time.monotonic() + 5
    while len(statuses) < 2 and time.monotonic() < deadline:
        page.wait_for_timeout(50)
    assert statuses == [400, 400], statuses
    assert webtrack.interactions(profile, type="website_visited") == []


READ_REFUSALS = """async ([api, page]) => {
  const visit = {event_id: "e", type: "website_visited", occurred_at: "2026-01-01T00:00:00Z",
    msdynci_viewuri: page, msdynci_viewname: "/", msdynci_viewtitle: "t",
    msdynci_viewtype: "page", msdynci_viewpreviousviews: ""};
  const bodies = ["not json", JSON.stringify({site: "shop", events: {}}),
                  JSON.stringify({site: "shop", events: [visit], pad: "x".repeat(70000)}),
                  JSON.stringify({site: "blog", events: [visit]})];
  const out = [];
  for (const body of bodies) {
    try {
      const answer = await fetch(api + "/collect", {method: "POST", body,
                                                    headers: {"Content-Type": "text/plain"}});
      out.push([answer.status, (await answer.json()).error]);
    } catch (e) { out.push(["unreadable", String(e)]); }
  }
  return out;
}"""


@pytest.mark.browser
@pytest.mark.parametrize("host, readable", [("shop", True), ("partner", False)])
def test_a_registered_sites_page_reads_why_its_delivery_was_refused(page, webtrack,
                                                                    webtrack_server, host,
                                                                    readable):
    # The answers carried CORS headers only when accepted: a script on the site saw a 400
    # (or 413) as a bare network error. Another origin still reads nothing.
    page.goto(webtrack_server.url_for(host, "/"))
    found = page.evaluate(READ_REFUSALS, [webtrack_server.origin(),
                                          webtrack_server.url_for("shop", "/")])
    if readable:
        assert [status for status, _ in found] == [400, 400, 413, 403], found
        assert all(error for _, error in found), found
    else:
        assert {status for status, _ in found} == {"unreadable"}, found


@pytest.mark.parametrize("method, path", [
    ("POST", "/api//reset"), ("GET", "/api//stats"), ("POST", "/api/profiles//"),
    ("GET", "/api/interactions//"), ("POST", "/collect//"), ("GET", "/l//{token}")])
def test_a_path_with_an_empty_segment_is_a_json_404(webtrack, webtrack_server, http,
                                                    method, path):
    profile = webtrack.profile()["id"]
    link = webtrack.link(profile, webtrack_server.url_for("shop", "/"))
    before = _state(webtrack)
    response = http.request(method, path.format(token=link.rsplit("/", 1)[1]), content=b"{}",
                            headers={"Content-Type": "application/json"})
    assert response.status_code == 404, (response.status_code, response.headers)
    assert response.json()["error"]
    assert _state(webtrack) == before


@pytest.mark.parametrize("target, status", [
    ("http://evil.localhost:{port}/api/reset", 404),  # no such host here
    ("http://shop.localhost:{port}/api/reset", 405),  # a site: it takes no POST
    ("http://collector.localhost:{port}@evil.localhost/api/reset", 400),
    ("HTTP://EVIL.LOCALHOST/api/reset", 404),
    ("http://collector.localhost:{port}/api/stats", 405),  # the collector's: it routes there
])
def test_a_request_naming_its_host_in_its_target_goes_there(webtrack, webtrack_server,
                                                            target, status):
    # Absolute-form ("POST http://host/path"): the target's host is the one (RFC 9112
    # §3.2.2). It went by the Host header: a reset named another host, and emptied the
    # collector.
    port = webtrack_server.port
    token = f"Authorization: Bearer {webtrack.token}\n" if webtrack.token else ""
    webtrack.profile()
    before = _state(webtrack)
    answer, _ = _raw(port, f"POST {target.format(port=port)} HTTP/1.1\n"
                           f"Host: collector.localhost:{port}\n{token}"
                           "Content-Length: 0\nConnection: close\n\n")
    assert answer == status
    assert _state(webtrack) == before
