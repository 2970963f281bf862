"""GET never writes: every GET route of the collector leaves the database as it found it.

Journey windows are closed where time moves (the collector's own timer, the clock API,
a delivery), never by a read; yet a read right after a window ends already shows ``no``.
"""

from __future__ import annotations

import sqlite3
import time

import pytest
from conftest import SHOP, Api

from harness.collector import create_app, state

# The one GET the contract makes write: opening a tracked link records email_link_clicked.
WRITING_BY_CONTRACT = {"/l/<token>"}

ASK = {"type": "website_link_clicked",
       "conditions": [{"field": "msdynci_linkuri", "op": "contains", "value": "/pricing"}]}


def journey(name: str, window: float) -> dict:
    return {"name": name, "start": "asked",
            "trigger": {"type": "website_visited", "conditions": [
                {"field": "msdynci_viewuri", "op": "contains", "value": "/cart"}]},
            "steps": {"asked": {"if": ASK, "within_seconds": window, "yes": "offer",
                                "no": "reminder"},
                      "offer": {"send": "About {{ trigger.msdynci_viewtitle }}"},
                      "reminder": {"send": "Waiting for {{ trigger.msdynci_viewtitle }}."}}}


def dump(path: str) -> list[str]:
    """Everything stored, as SQL, read through a connection of the test's own."""
    db = sqlite3.connect(path)
    try:
        return list(db.iterdump())
    finally:
        db.close()


def due_windows(path: str) -> int:
    db = sqlite3.connect(path)
    try:
        return db.execute("SELECT count(*) FROM journey_runs WHERE status = 'waiting' AND "
                          "deadline <= ? + coalesce((SELECT value FROM meta WHERE key = "
                          "'clock_offset'), 0)", (time.time(),)).fetchone()[0]
    finally:
        db.close()


@pytest.fixture
def worked(api, client, app):
    """A collector after a realistic workload: profiles, links, forms, sites, deliveries
    (recorded, rejected, not recorded), journeys taking yes and no, and windows that ended
    in real time with no read since."""
    path = app.config["DATABASE"]
    short = client.post("/api/journeys", json=journey("short", 0.3)).json["id"]
    long = client.post("/api/journeys", json=journey("long", 3600)).json["id"]
    form = client.post("/api/forms", json={"name": "Newsletter", "web_tracking": True}).json
    client.post("/f/" + form["id"], data={"email": "form@example.com",
                                          "return": SHOP + "/"})
    profiles = []
    for n, consent in enumerate(["opted_in", "opted_in", "opted_out", "not_set"]):
        profile = api.profile(email=f"reader{n}@example.com", consent=consent)
        context = api.context_for(profile)
        api.collect([api.visit(f"v{n}")], context=context)
        profiles.append((profile, context))
    yes_profile, yes_context = profiles[0]
    api.collect([api.click("c0", msdynci_linkuri=SHOP + "/pricing.html")],
                context=yes_context)
    api.collect([api.visit("forged")], context="forged.context")
    client.post("/api/clock/advance", json={"seconds": 1})  # no: the short windows
    api.collect([api.visit("v-late")], context=profiles[1][1])  # re-enters nothing
    late = api.profile(email="late@example.com", consent="opted_in")
    api.collect([api.visit("v-real")], context=api.context_for(late))
    time.sleep(0.4)  # the short window of `late` ends in real time, unread
    give_up = time.monotonic() + 5
    while due_windows(path) and time.monotonic() < give_up:
        time.sleep(0.05)  # only the collector's own timer may close it, not a read
    values = {"journey_id": short, "profile_id": yes_profile, "form_id": form["id"],
              "site_id": "shop", "token": "x"}
    return {"path": path, "values": values, "short": short, "long": long, "late": late}


def get_routes(app) -> list[str]:
    return sorted({rule.rule for rule in app.url_map.iter_rules()
                   if "GET" in rule.methods and rule.endpoint != "static"})


def test_no_get_route_changes_the_database(app, client, worked):
    routes = get_routes(app)
    assert WRITING_BY_CONTRACT <= set(routes)
    queries = {"/api/interactions": ["", f"?profile={worked['values']['profile_id']}",
                                     "?min=1&wait=0.2&type=website_visited"],
               "/api/outbox": ["", f"?profile={worked['late']}"],
               "/api/stats": ["", "?min=1&wait=0.2&of=recorded"],
               "/api/rejected": ["", "?min=1&wait=0.2"]}
    changed = []
    for rule in routes:
        if rule in WRITING_BY_CONTRACT:
            continue
        path = rule
        for arg in [part[1:-1].split(":")[-1] for part in rule.split("/") if
                    part.startswith("<")]:
            assert arg in worked["values"], f"give the new route {rule} a value for <{arg}>"
            path = path.replace(f"<{arg}>", worked["values"][arg]).replace(
                f"<path:{arg}>", worked["values"][arg])
        for query in queries.get(rule, [""]):
            before = dump(worked["path"])
            response = client.get(path + query)
            assert response.status_code < 500, (path + query, response.status_code)
            if dump(worked["path"]) != before:
                changed.append(path + query)
    assert not changed, f"these GETs changed the database: {changed}"


def test_reads_show_windows_ended_in_real_time_without_writing(client, worked):
    (run,) = [r for r in client.get(f"/api/journeys/{worked['short']}/runs").json
              if r["profile_id"] == worked["late"]]
    assert [p["outcome"] for p in run["path"]] == ["no", "sent"]
    assert "window_ended" in run["path"][0]["decided_by"]
    (message,) = client.get(f"/api/outbox?profile={worked['late']}").json
    assert message["text"] == "Waiting for Cart."


def test_a_window_is_closed_by_the_collector_when_it_ends(tmp_path):
    """No read, no delivery, no clock call: the window still ends on time, stored."""
    path = str(tmp_path / "alone.sqlite3")
    app = create_app({"DATABASE": path, "SECRET_KEY": "s", "SITES": {"shop": SHOP}})
    try:
        client = app.test_client()
        client.post("/api/journeys", json=journey("short", 0.2))
        api = Api(client)
        profile = api.profile(email="alone@example.com", consent="opted_in")
        api.collect([api.visit("v")], context=api.context_for(profile))
        give_up = time.monotonic() + 5
        while time.monotonic() < give_up:
            db = sqlite3.connect(path)
            rows = db.execute("SELECT text FROM outbox").fetchall()
            db.close()
            if rows:
                break
            time.sleep(0.05)
        assert rows == [("Waiting for Cart.",)]
    finally:
        state.store_of(app).close()


def test_a_read_right_at_the_end_of_a_window_shows_no(api, client):
    """However the timer is scheduled, a read after the window ended never shows it open."""
    journey_id = client.post("/api/journeys", json=journey("edge", 0.5)).json["id"]
    profile = api.profile(email="edge@example.com", consent="opted_in")
    api.collect([api.visit("v")], context=api.context_for(profile))
    (run,) = client.get(f"/api/journeys/{journey_id}/runs").json
    assert run["status"] == "waiting"
    ends = time.time() + 0.5
    while time.time() < ends:
        time.sleep(0.01)
    (run,) = client.get(f"/api/journeys/{journey_id}/runs").json
    assert run["status"] == "done", run
