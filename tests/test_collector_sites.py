"""Sites: the collector's own origins are never a site's."""

import pytest

from harness.collector.registry import collectors_own

OWN = "http://collector.localhost:8800"


@pytest.mark.parametrize("origin,own", [
    ("http://collector.localhost:8800", True),
    ("http://collector.localhost.:8800", True),
    ("http://localhost:8800", True),
    ("http://127.0.0.1:8800", True),
    ("http://127.0.0.2:8800", True),  # all of 127/8 is loopback
    ("http://0x7f.1:8800", True),  # 127.0.0.1, as a browser reads it
    ("http://[::1]:8800", True),
    ("http://0.0.0.0:8800", True),
    ("https://localhost:8800", True),
    ("http://shop.localhost:8800", False),  # a site on the same port, by its Host
    ("http://localhost:3000", False),  # another server
    ("http://collector.localhost:8801", False),
    ("http://localhost", False),
    ("http://example.com:8800", False),
])
def test_collectors_own_table(origin, own):
    assert collectors_own(origin, OWN) is own


def test_default_ports_are_read_as_such():
    assert collectors_own("http://localhost", "http://collector.localhost")
    assert not collectors_own("https://localhost", "http://collector.localhost")


def test_the_collectors_own_origin_cannot_be_registered(api, client):
    before = api.state()
    for origin in ("http://collector.localhost:8800", "http://localhost:8800",
                   "http://127.0.0.1:8800", "http://[::1]:8800", "http://[::ffff:127.0.0.1]:8800",
                   "http://[::ffff:0.0.0.0]:8800"):
        response = client.post("/api/sites", json={"id": "own", "origin": origin})
        assert response.status_code == 400 and "collector's own" in response.json["error"]
        response = client.put("/api/sites/shop", json={"origin": origin})
        assert response.status_code == 400 and "collector's own" in response.json["error"]
    assert api.state() == before


@pytest.mark.parametrize("origin", [
    "http://" + "a" * 64 + ".localhost:8800",  # a label over 63 characters
    "http://shop..localhost:8800",  # an empty label
])
def test_an_origin_no_redirect_can_name_is_refused(api, client, origin):
    # ada takes these; werkzeug's Location header cannot, so every link to the site, and
    # every form sent back to it, answered 500.
    before = api.state()
    response = client.post("/api/sites", json={"id": "odd", "origin": origin})
    assert response.status_code == 400 and "no redirect can name" in response.json["error"]
    assert api.state() == before


@pytest.mark.parametrize("origin", [
    "http://xn--.localhost:8800",  # no punycode at all
    "http://xn--a.localhost:8800",  # decodes to a control character
    "http://xn--shop-.localhost:8800",  # plain ASCII dressed as punycode
])
def test_an_origin_with_a_label_no_browser_loads_is_refused(api, client, origin):
    # ada takes these as they are; Firefox refuses to load any of them, so no visitor could be
    # sent to such a site.
    before = api.state()
    response = client.post("/api/sites", json={"id": "odd", "origin": origin})
    assert response.status_code == 400 and "punycode" in response.json["error"]
    assert api.state() == before


@pytest.mark.parametrize("origin", ["http://xn--bcher-kva.localhost:8800",
                                    "http://bücher.localhost:8800", "http://xn--ls8h.localhost:8800"])
def test_an_origin_in_punycode_is_kept(api, client, origin):
    response = client.post("/api/sites", json={"id": "idn", "origin": origin})
    assert response.status_code in (200, 201), response.json
