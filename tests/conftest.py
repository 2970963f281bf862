"""Shared fixtures: a collector app on a temporary database, and helpers to drive it."""

from __future__ import annotations

import fcntl
import json
import os
import uuid
from collections.abc import Callable, Sequence

import pytest

from harness.collector import create_app, state
from harness.testing import visit_event

pytest_plugins = ["pytester"]


_MADE: dict[str, str] = {}  # once_across_workers' answers, where there are no workers


def once_across_workers(tmp_path_factory, key: str, make: Callable[[], object]) -> object:
    """``make()`` run once for the whole test run, its (JSON) answer shared by every xdist
    worker through a file: a fixture that audits a whole estate in a browser takes a
    minute, and each worker whose tests use it set it up for itself. (xdist's own
    ``--dist loadgroup`` would keep those tests in one worker, but pytest 9.2 no longer
    lets it: pytest-xdist issue #1386.) The first worker to ask makes it; the others wait
    for it under a lock, then read it. Without workers it is made once in the process."""
    if os.environ.get("PYTEST_XDIST_WORKER") is None:  # one process: kept in it
        if key not in _MADE:
            _MADE[key] = json.dumps(make())
        return json.loads(_MADE[key])
    shared = tmp_path_factory.getbasetemp().parent  # this run's, above every worker's own
    path = shared / f"{key}.json"
    with open(shared / f"{key}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not path.is_file():
            answer = make()
            path.write_text(json.dumps(answer), encoding="utf-8")
            return answer
    return json.loads(path.read_text(encoding="utf-8"))


def estate_audit(tmp_path_factory, browser_name: str, only: Sequence[str] = ()) -> dict:
    """``webtrack consent-audit`` of the sample estate (built in) in one browser (*only*:
    those of its sites), run once for the whole test run: the tests that read one audit of
    the same states share it rather than each auditing them again (the estate takes a
    minute or more). Returns the command's ``exit_code``, ``output`` and report folder
    ``out``."""
    from click.testing import CliRunner

    from harness.cli import main

    def make() -> dict:
        out = tmp_path_factory.mktemp(f"estate-{browser_name}")
        result = CliRunner().invoke(main, ["consent-audit", "--out", str(out), "--browser",
                                           browser_name, *(a for name in only
                                                           for a in ("--site", name))])
        output = result.output
        if result.exception is not None and not isinstance(result.exception, SystemExit):
            output += f"\n{type(result.exception).__name__}: {result.exception}"
        return {"exit_code": result.exit_code, "output": output, "out": str(out)}

    return once_across_workers(tmp_path_factory, "-".join(["estate", browser_name, *only]),
                               make)  # type: ignore[return-value]

SHOP = "http://shop.localhost:8800"
BLOG = "http://blog.localhost:8800"


@pytest.fixture
def app(tmp_path):
    app = create_app({"DATABASE": str(tmp_path / "collector.sqlite3"),
                      "SECRET_KEY": "test-secret", "SITES": {"shop": SHOP, "blog": BLOG}})
    yield app
    state.store_of(app).close()


@pytest.fixture
def client(app):
    return app.test_client()


class Api:
    """Small conveniences over the Flask test client for collector tests."""

    def __init__(self, client):
        self.client = client

    def profile(self, kind="contact", **fields):
        # (a new address each call: id() of the dict is reused once the last one is freed)
        fields.setdefault("email", f"p{uuid.uuid4().hex}@example.com")
        response = self.client.post("/api/profiles", json={"kind": kind, **fields})
        assert response.status_code == 201, response.json
        return response.json["id"]

    def context_for(self, profile_id, url=SHOP + "/"):
        link = self.client.post("/api/links", json={"profile_id": profile_id, "url": url})
        assert link.status_code == 201, link.json
        location = self.client.get(link.json["url"]).headers["Location"]
        return location.split("wt_ctx=", 1)[1]

    def visit(self, event_id="e1", url=SHOP + "/cart.html", **extra):
        return visit_event(event_id, url, "Cart", **extra)

    def click(self, event_id="c1", action="LClick", **extra):
        return {"event_id": event_id, "type": "website_link_clicked",
                "occurred_at": "2026-01-01T00:00:01Z", "msdynci_actiontype": action,
                "msdynci_actionisoutbound": False, "msdynci_clickcoordinates": "10,20",
                "msdynci_linkuri": SHOP + "/pricing.html", "msdynci_viewuri": SHOP + "/",
                "msdynci_viewtitle": "Home", **extra}

    def collect(self, events, context=None, site="shop", headers=None, **body):
        payload = {"site": site, "context": context, "events": events, **body}
        return self.client.post("/collect", json=payload, headers=headers or {})

    def state(self):
        """Everything observable, to show that bad input changed nothing."""
        return (self.client.get("/api/stats").json, self.client.get("/api/interactions").json,
                self.client.get("/api/rejected").json, self.client.get("/api/sites").json)


@pytest.fixture
def api(client):
    return Api(client)
