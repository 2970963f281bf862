"""HTTP edges: encoded bodies, OPTIONS, a busy database, long form values: JSON answers
that say what is wrong, and nothing changed."""

import gzip
import json
import sqlite3
import threading

import pytest
from conftest import SHOP, Api

from harness.collector import create_app, state
from harness.collector.guard import encoding_refusal


@pytest.mark.parametrize("header,refused", [
    (None, False), ("identity", False), ("Identity", False), ("", False),
    ("gzip", True), ("deflate", True), ("br", True), ("identity, gzip", True), ("x-gzip", True),
])
def test_encoding_refusal_table(header, refused):
    headers = {} if header is None else {"Content-Encoding": header}
    found = encoding_refusal(headers)
    assert (found is not None) is refused
    if refused:
        assert found[0] == 415 and "Content-Encoding" in found[1]


def test_an_encoded_body_is_a_415_and_changes_nothing(api, client):
    client.post("/api/forms", json={"name": "N", "id": "newsletter"})
    before = api.state()
    body = json.dumps({"kind": "contact", "email": "z@example.com"}).encode()
    for path, kind in (("/collect", "text/plain"), ("/api/profiles", "application/json"),
                       ("/f/newsletter", "application/x-www-form-urlencoded")):
        response = client.post(path, data=gzip.compress(body), headers={
            "Content-Type": kind, "Content-Encoding": "gzip", "Origin": SHOP})
        assert response.status_code == 415 and "Content-Encoding" in response.json["error"]
    assert api.state() == before


def test_options_is_a_json_405_naming_what_is_allowed(client):
    for path, allowed in (("/tracker.js", "GET, HEAD"), ("/api/stats", "GET, HEAD"),
                          ("/api/reset", "POST"), ("/api/profiles/p_1", "GET, HEAD, PATCH"),
                          ("/", "GET, HEAD"), ("/healthz", "GET, HEAD, POST")):
        response = client.options(path)
        assert response.status_code == 405 and response.is_json, (path, response.data)
        assert response.headers["Allow"] == allowed and allowed in response.json["error"]
        assert "Access-Control-Allow-Origin" not in response.headers
    # /collect answers its own preflight, for registered sites only (tests/test_collect.py).
    response = client.options("/collect", headers={"Origin": SHOP})
    assert response.status_code == 204
    assert response.headers["Access-Control-Allow-Origin"] == SHOP


def test_a_busy_database_is_a_503_with_retry_after_and_nothing_stored(app, api, client):
    context = api.context_for(api.profile())
    before = api.state()
    holder = sqlite3.connect(app.config["DATABASE"], isolation_level=None)
    holder.execute("PRAGMA busy_timeout=0")
    store = state.store_of(app)
    store.transact(lambda db: db.execute("PRAGMA busy_timeout=50"))  # not 10 s, for a test
    holder.execute("BEGIN IMMEDIATE")
    try:
        for response in (api.collect([api.visit("held")], context=context),
                         client.post("/api/profiles", json={"kind": "lead",
                                                            "email": "held@example.com"})):
            assert response.status_code == 503 and response.is_json, response.data
            assert response.headers["Retry-After"] == "1" and "retry" in response.json["error"]
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    assert api.state() == before
    assert api.collect([api.visit("held")], context=context).json["accepted"] == 1


def test_a_form_value_over_1000_characters_is_refused_naming_the_field(api, client):
    client.post("/api/forms", json={"name": "Contact", "id": "contact"})
    before = api.state()
    form = {"email": "long@example.com", "return": SHOP + "/", "message": "x" * 1001}
    response = client.post("/f/contact", data=form)
    assert response.status_code == 400 and "'message'" in response.json["error"]
    assert api.state() == before
    # A browser's maxlength counts a line break once and sends it as CR LF.
    kept = "line\r\n" * 166 + "x" * 4  # 1,000 characters as the browser counts them
    response = client.post("/f/contact", data={**form, "message": kept})
    assert response.status_code in (200, 303), response.data
    stored = client.get("/api/interactions?type=form_submitted").json
    assert [i["form_message"] for i in stored] == [kept]


def test_a_database_file_removed_under_the_collector_is_a_503_never_an_accepted_loss(tmp_path):
    # A 202 promises the events are stored: written into a file no one will open again,
    # they were lost at the next start (and new readers opened an empty file: 500s).
    path = tmp_path / "gone.sqlite3"
    app = create_app({"DATABASE": str(path), "SITES": {"shop": SHOP}})
    api = Api(app.test_client())
    context = api.context_for(api.profile())
    assert api.collect([api.visit("kept")], context=context).status_code == 202
    for name in ("gone.sqlite3", "gone.sqlite3-wal", "gone.sqlite3-shm"):
        (tmp_path / name).unlink(missing_ok=True)
    try:
        response = api.collect([api.visit("lost")], context=context)
        assert response.status_code == 503 and "removed or replaced" in response.json["error"]
        reader = {}
        thread = threading.Thread(target=lambda: reader.setdefault(
            "stats", app.test_client().get("/api/stats")))
        thread.start()
        thread.join(10)
        assert reader["stats"].status_code == 503, reader["stats"].data
        assert not path.exists(), "a new, empty database file was made"
    finally:
        state.store_of(app).close()
