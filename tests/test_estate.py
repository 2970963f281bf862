"""The sample estate: discovery, serving by host, port rewriting, templates, SPA routes."""

import base64
import hashlib

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


@pytest.fixture
def made_site(tmp_path):
    """A site of its own, with a secret beside it and links pointing out of its folder."""
    root = tmp_path / "sites" / "mine"
    root.mkdir(parents=True)
    (root / "site.toml").write_text('title = "Mine"\ndemonstrates = "serving"\n')
    (root / "index.html").write_text("<!doctype html><title>x</title>"
                                     "<script>var a = 1;</script><script src='/x.js'></script>")
    (root / ".env").write_text("SECRET=1")
    (root / ".git").mkdir()
    (root / ".git" / "config").write_text("[core]")
    (tmp_path / "outside.html").write_text("secret outside the folder")
    (root / "escape.html").symlink_to(tmp_path / "outside.html")
    (root / "up").symlink_to(tmp_path, target_is_directory=True)
    (root / "manifest.html").symlink_to(root / "site.toml")
    (root / "inside.html").symlink_to(root / "index.html")
    (site,) = estate.discover(tmp_path / "sites")
    return Client(estate.SiteApp(site, 9123))


@pytest.mark.parametrize("path", ["/site.toml", "/.env", "/.git/config", "/escape.html",
                                  "/up/outside.html", "/manifest.html", "/" + "a" * 300,
                                  "/" + "a" * 300 + "/index.html", "/%2e%2e/outside.html"])
def test_only_the_real_folder_is_served(made_site, path):
    response = made_site.get(path)
    assert response.status_code == 404
    assert b"secret" not in response.get_data() and b"title" not in response.get_data()


def test_a_symlink_inside_the_folder_is_served(made_site):
    assert made_site.get("/inside.html").status_code == 200


def test_every_sample_manifest_is_hidden():
    for site in SITES.values():
        assert site_client(site.id).get("/site.toml").status_code == 404, site.id


def test_pages_carry_security_headers_allowing_their_own_inline_scripts(made_site):
    response = made_site.get("/")
    policy = response.headers["Content-Security-Policy"]
    digest = base64.b64encode(hashlib.sha256(b"var a = 1;").digest()).decode()
    assert f"'sha256-{digest}'" in policy and "'unsafe-inline'" not in policy.split(
        "script-src")[1].split(";")[0]
    assert "frame-ancestors 'self'" in policy and "object-src 'none'" in policy
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["X-Frame-Options"] == "SAMEORIGIN"
    assert response.headers["Referrer-Policy"] == "strict-origin-when-cross-origin"
    css = site_client("blog").get("/_shared/site.css")
    assert css.headers["X-Content-Type-Options"] == "nosniff"
    assert "Content-Security-Policy" not in css.headers


def test_every_sample_page_has_a_policy():
    for site in SITES.values():
        response = site_client(site.id).get("/")
        assert "Content-Security-Policy" in response.headers, site.id
