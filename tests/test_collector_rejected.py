"""Rejected deliveries: every one counted, the most recent kept, listed a page at a time."""

import sqlite3
import time

from conftest import SHOP

from harness.collector import create_app, ingest, state
from harness.collector.tables import REJECTED_KEPT


def junk(app, client, count: int) -> None:
    """*count* anonymous events rejected: one delivery through /collect (no context: each
    is rejected), the rest stored as a delivery so rejected is, in one batch."""
    event = {"event_id": "a0", "type": "website_visited", "occurred_at": "2026-01-01T00:00:00Z",
             "msdynci_viewuri": SHOP + "/", "msdynci_viewname": "/", "msdynci_viewtitle": "t",
             "msdynci_viewtype": "page", "msdynci_viewpreviousviews": ""}
    response = client.post("/collect", json={"site": "shop", "events": [event]})
    assert response.json["rejected"] == [{"event_id": "a0", "reason": "anonymous"}]
    events = [{**event, "event_id": f"a{n}"} for n in range(1, count)]
    ingest.deliver(state.store_of(app), "shop", events,
                   rejection=("anonymous", "neither a tracking context nor a form submission"))


def test_rejected_rows_are_bounded_counts_exact_and_pages_link_back(app, client, api):
    junk(app, client, REJECTED_KEPT + 100)
    api.collect([api.visit(f"forged{n}") for n in range(3)], context="not-a-signed-context")
    stats = client.get("/api/stats").json
    assert stats["rejected"] == {"anonymous": REJECTED_KEPT + 100, "invalid_context": 3}
    db = state.store_of(app)
    assert db.one("SELECT count(*) AS n FROM rejected")["n"] == REJECTED_KEPT + 3
    kept = [r["event_id"] for r in db.query("SELECT event_id FROM rejected "
                                            "WHERE reason = 'anonymous' ORDER BY seq")]
    assert kept == [f"a{n}" for n in range(100, REJECTED_KEPT + 100)]  # the most recent

    page = client.get("/api/rejected")
    assert len(page.json) == 1000 and page.json[-1]["event_id"] == "forged2"
    assert [r["seq"] for r in page.json] == sorted(r["seq"] for r in page.json)
    assert {"event_id", "reason", "detail", "site", "type", "received_at"} <= set(page.json[0])
    older = client.get(page.headers["Link"].split(">")[0].lstrip("<"))
    assert [r["event_id"] for r in older.json] == ["a100", "a101", "a102"]
    assert "Link" not in older.headers
    small = client.get("/api/rejected?limit=2")
    assert [r["reason"] for r in small.json] == ["invalid_context"] * 2
    assert client.get("/api/rejected?limit=1001").status_code == 400
    # A wait counts every rejection, kept or not: this one is already satisfied.
    began = time.monotonic()
    assert client.get(f"/api/rejected?min={REJECTED_KEPT + 103}&wait=5").status_code == 200
    assert time.monotonic() - began < 4


def test_an_old_database_keeps_only_the_most_recent_rejected(tmp_path):
    config = {"DATABASE": str(tmp_path / "old.sqlite3"), "SECRET_KEY": "s",
              "SITES": {"shop": SHOP}}
    state.store_of(create_app(config)).close()
    with sqlite3.connect(config["DATABASE"]) as db:  # as an earlier version kept them all
        db.executemany("INSERT INTO rejected (event_id, reason, detail, site, type, "
                       "received_at) VALUES (?, 'anonymous', '', 'shop', NULL, '')",
                       [(f"e{n}",) for n in range(REJECTED_KEPT + 5)])
        db.execute("INSERT INTO rejected (event_id, reason, detail, site, type, received_at) "
                   "VALUES ('x', 'anonymous', '', NULL, NULL, '')")
    store = state.store_of(create_app(config))
    try:
        rows = [r["event_id"] for r in store.query("SELECT event_id FROM rejected ORDER BY seq")]
        assert rows == [f"e{n}" for n in range(5, REJECTED_KEPT + 5)] + ["x"]
    finally:
        store.close()
