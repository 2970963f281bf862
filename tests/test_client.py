"""The one HTTP client: clear errors, in-process calls through the WSGI transport."""

from __future__ import annotations

import socket

import pytest
from conftest import SHOP

import harness
from harness.client import (
    CollectorClient,
    CollectorRefused,
    CollectorUnreachable,
    Sender,
    http_client,
)
from harness.server import HostDispatcher
from harness.testing import visit_event


@pytest.fixture
def in_process(app):
    """A CollectorClient calling the app in process: no server, no socket."""
    with CollectorClient("collector.localhost", 8800, app=app) as client:
        yield client


def closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]  # closed on leaving: nothing listens there


def test_a_whole_flow_in_process(app, in_process):
    profile = in_process.profile(consent="opted_in")["id"]
    context = in_process.context_for(profile, SHOP + "/")
    with Sender(8800, app=app) as sender:
        status, raw = sender.post({"site": "shop", "context": context,
                                   "events": [visit_event("in-process", SHOP + "/")]})
    assert status == 202, raw
    (found,) = in_process.expect(profile, "website_visited", wait=1)
    assert found["event_id"] == "in-process"


@pytest.mark.parametrize("method,path,body,status,error", [
    ("POST", "/api/profiles", {"kind": "robot", "email": "a@example.com"}, 400,
     "'kind' must be one of"),
    ("GET", "/api/profiles/p_nobody", None, 404, "no profile"),
    ("POST", "/api/sites", {"id": "shop", "origin": SHOP}, 409, "already"),
])
def test_refusals_name_the_call_the_status_and_the_error(in_process, method, path, body,
                                                        status, error):
    with pytest.raises(CollectorRefused) as refused:
        in_process.call(method, path, body)
    assert refused.value.status == status and error in refused.value.answer["error"]
    assert f"{method} {path} answered {status}" in str(refused.value)
    assert isinstance(refused.value, (harness.CollectorError, AssertionError))


def test_an_answer_that_is_not_json_is_shown_as_text():
    # The server's answer for a host it does not serve is plain text.
    with CollectorClient("nowhere.localhost", 8800, app=HostDispatcher(None, {})) as client:
        with pytest.raises(CollectorRefused, match="answered 404: unknown host") as refused:
            client.call("GET", "/api/stats")
    assert "nowhere.localhost" in refused.value.answer


def test_expected_statuses_are_answers(in_process):
    assert in_process.call("GET", "/api/profiles/p_nobody", expect=404)["error"]


def test_nothing_listening_is_unreachable_not_a_refusal():
    port = closed_port()
    with CollectorClient("collector.localhost", port, timeout=2) as client:
        with pytest.raises(CollectorUnreachable, match=f"collector.localhost:{port}") as info:
            client.stats()
    assert "webtrack serve" in str(info.value)
    assert isinstance(info.value, ConnectionError)  # and so an OSError, as before
    with Sender(port, timeout=2) as sender, pytest.raises(CollectorUnreachable):
        sender.post({"site": "shop"})


def test_a_collector_that_never_answers_is_a_timeout():
    with socket.socket() as silent:
        silent.bind(("127.0.0.1", 0))
        silent.listen()  # connections are queued, never answered
        port = silent.getsockname()[1]
        with CollectorClient("collector.localhost", port, timeout=0.3) as client:
            client.http.timeout = 0.3  # reads too, not only connecting
            with pytest.raises(CollectorUnreachable, match="did not answer in time"):
                client.stats()


def test_requests_reach_loopback_with_the_hosts_name(app):
    seen = []

    def echo(environ, start_response):
        seen.append((environ["HTTP_HOST"], environ.get("CONTENT_TYPE")))
        start_response("200 OK", [("Content-Type", "application/json")])
        return [b"{}"]

    with http_client(8800, "shop.localhost", app=echo) as client:
        client.get("/")
    with Sender(8800, app=echo) as sender:
        sender.post("{}")
    assert seen == [("shop.localhost:8800", None), ("collector.localhost:8800", "text/plain")]


def test_the_token_is_sent_as_a_bearer(app):
    app.config["API_TOKEN"] = "tok"
    with CollectorClient("collector.localhost", 8800, token="tok", app=app) as client:
        assert client.profile()["id"]
    with CollectorClient("collector.localhost", 8800, token="", app=app) as client:
        with pytest.raises(CollectorRefused, match="answered 401"):
            client.profile()
