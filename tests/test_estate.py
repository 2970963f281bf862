"""The sample estate: discovery, serving by host, port rewriting, templates, SPA routes."""

import pytest
from werkzeug.test import Client

from harness import estate
from harness.server import HostDispatcher

SITES = {s.id: s for s in estate.discover()}


def site_client(name, port=9123):
    return Client(estate.SiteApp(SITES[name], port))


def test_every_site_has_a_manifest_and_index():
    assert {"shop", "blog", "portal", "tagged", "app", "forms", "legacy", "broken",
            "partner"} <= set(SITES)
    for site in SITES.values():
        assert (site.root / "index.html").is_file(), site.id
        assert site.title and site.demonstrates


def test_partner_is_not_registered():
    assert SITES["partner"].register is False


def test_pages_are_rewritten_for_the_port():
    page = site_client("shop").get("/").get_data(as_text=True)
    assert 'src="http://collector.localhost:9123/tracker.js"' in page
    assert "localhost:8800" not in page


def test_portal_renders_its_shared_header():
    page = site_client("portal").get("/account.html").get_data(as_text=True)
    assert "<title>Your account — Member portal</title>" in page
    assert 'data-site="portal"' in page


def test_partials_and_traversal_are_not_served():
    assert site_client("portal").get("/_templates/layout.html").status_code == 404
    assert site_client("shop").get("/../blog/index.html").status_code == 404
    assert site_client("shop").get("/missing.html").status_code == 404


def test_spa_routes_serve_the_app():
    assert "Planner" in site_client("app").get("/features").get_data(as_text=True)
    assert site_client("app").get("/missing.js").status_code == 404


def test_shared_stylesheet_on_every_site():
    response = site_client("blog").get("/_shared/site.css")
    assert response.status_code == 200 and response.mimetype == "text/css"


def test_only_get_and_head():
    assert site_client("shop").post("/").status_code == 405


@pytest.mark.parametrize("host,who", [
    ("collector.localhost:1", "collector"), ("shop.localhost:1", "shop"),
    ("127.0.0.1:1", "collector"), ("SHOP.LOCALHOST", "shop")])
def test_dispatch_by_host(host, who):
    def answer(name):
        return lambda environ, start: (start("200 OK", []), [name.encode()])[1]

    dispatcher = HostDispatcher(answer("collector"), {"shop": answer("shop")})
    assert Client(dispatcher).get("/", headers={"Host": host}).get_data(as_text=True) == who


def test_unknown_host_names_the_known_ones():
    dispatcher = HostDispatcher(None, {"shop": None})
    response = Client(dispatcher).get("/", headers={"Host": "evil.localhost:1"})
    assert response.status_code == 404 and "shop.localhost" in response.get_data(as_text=True)
