"""The consent audit: verdicts by table, and real violating sites caught in a real browser."""

import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from harness import consent
from harness.cli import main
from harness.consent.config import SiteConfig
from harness.server import Server

SITE = SiteConfig(name="s", start="http://s.localhost/")


def evidence(**items):
    base = {"requests": [], "cookie_writes": [], "set_cookies": [], "storage_writes": [],
            "websockets": [], "hints": [], "cookies": [], "opted_out_at": 100.0,
            "entry": "http://collector.localhost/l/x"}
    return {**base, **items}


BEACON = {"at": 101.0, "method": "POST", "url": "http://collector.localhost/collect",
          "resource_type": "ping"}


@pytest.mark.parametrize("state,items,verdict", [
    ({"choice": "rejected", "gpc": False}, {}, "pass"),
    ({"choice": "rejected", "gpc": False}, {"requests": [BEACON]}, "fail"),
    ({"choice": "rejected", "gpc": False}, {"requests": [{**BEACON, "at": 99.0}]}, "pass"),
    ({"choice": "rejected", "gpc": False}, {"requests": [
        {**BEACON, "url": "http://collector.localhost/tracker.js", "method": "GET",
         "resource_type": "script"}]}, "pass"),
    ({"choice": "rejected", "gpc": False}, {"requests": [
        {**BEACON, "url": "http://collector.localhost/l/x", "resource_type": "document"}]},
     "pass"),
    ({"choice": "rejected", "gpc": False}, {"requests": [
        {**BEACON, "url": "http://collector.localhost/p.gif", "resource_type": "image"}]},
     "fail"),
    ({"choice": "rejected", "gpc": False}, {"cookies": [{"name": "msdynci_trackingContext"}]},
     "fail"),
    ({"choice": "rejected", "gpc": False}, {"cookie_writes": [
        {"at": 101.0, "name": "msdynci_trackingContext",
         "value": "msdynci_trackingContext=; path=/; max-age=0"}]}, "pass"),
    ({"choice": "rejected", "gpc": False}, {"storage_writes": [
        {"at": 101.0, "storage": "localStorage", "key": "k", "value": "v"}]}, "fail"),
    ({"choice": "rejected", "gpc": False}, {"hints": [
        {"at": 101.0, "rel": "preconnect", "href": "http://collector.localhost/"}]}, "fail"),
    ({"choice": "no-choice", "gpc": False}, {"requests": [BEACON]}, "observed"),
    ({"choice": "accepted", "gpc": True}, {"requests": [BEACON]}, "fail"),
])
def test_verdict_table(state, items, verdict):
    assert consent.decide(SITE, state, evidence(**items))["verdict"] == verdict


def test_states_matrix():
    site = SiteConfig(name="b", start="x", accept=[{"click": "#a"}], opt_out=[{"click": "#r"}])
    assert len(consent.states(site)) == 6
    assert len(consent.states(SITE)) == 2


@pytest.mark.parametrize("data,message", [
    ({}, "no [[site]]"),
    ({"site": [{"name": "a"}]}, "needs a name and a start"),
    ({"site": [{"name": "a", "start": "x", "opt_out": [{"tap": "#r"}]}]}, "must be one of"),
    ({"site": [{"name": "a", "start": "x", "opt_out": [{"gpc": False}]}]}, "gpc must be true"),
    ({"site": [{"name": "a", "start": "x", "colour": 1}]}, "unknown key"),
])
def test_config_errors(data, message):
    with pytest.raises(ValueError, match=None) as info:
        consent.parse(data)
    assert message in str(info.value)


BANNER = ('<script src="/_shared/consent-banner.js"></script>'
          '<script src="http://collector.localhost:8800/tracker.js" data-site="{id}" defer>'
          '</script>')
BODY = ('<p><a id="next" href="/two.html">next</a></p>'
        '<div class="cookie-banner" id="cookie-banner" hidden>'
        '<button type="button" id="accept-cookies">Accept</button>'
        '<button type="button" id="reject-cookies">Reject</button></div>')
# Each violating site: extra head markup for every page, and site.toml additions.
SITES = {
    "clean": ("", ""),
    "servercookie": ("", '[[header]]\npath = "/two.html"\nname = "Set-Cookie"\n'
                         'value = "msdynci_trackingContext=server-set; Path=/; Max-Age=3600"\n'),
    "pixel": ('<script>document.addEventListener("DOMContentLoaded", function () {'
              'var i = new Image(); i.src = "http://collector.localhost:8800/p.gif?u=" +'
              ' encodeURIComponent(location.href); });</script>', ""),
    "storage": ('<script>localStorage.setItem("vendor_id", "v-123");</script>', ""),
    "latetimer": ('<script>document.addEventListener("click", function (e) {'
                  'if (e.target.id !== "reject-cookies") return; setTimeout(function () {'
                  'navigator.sendBeacon("http://collector.localhost:8800/collect", "{}");'
                  '}, 600); });</script>', ""),
}


def write_sites(root: Path) -> None:
    shutil.copytree(Path("sites/_shared"), root / "_shared")
    for name, (extra, manifest) in SITES.items():
        folder = root / name
        folder.mkdir()
        (folder / "site.toml").write_text(f'title = "{name}"\ndemonstrates = "test"\n'
                                          + manifest)
        for page in ("index.html", "two.html"):
            (folder / page).write_text(
                f"<!doctype html><html><head><title>{name}</title>{extra}"
                f"{BANNER.format(id=name)}</head><body>{BODY}</body></html>")


@pytest.mark.browser
@pytest.mark.slow
@pytest.mark.only_browser("chromium")
def test_violating_sites_are_flagged_with_evidence(tmp_path, browser_name):
    write_sites(tmp_path / "sites")
    with Server(sites_dir=tmp_path / "sites", fixtures_dir=None) as server:
        settings = consent.parse({
            "collector": server.origin(), "settle_seconds": 1.0,
            "site": [{"name": name, "start": server.url_for(name, "/"), "tracked": True,
                      "opt_out": [{"click": "#reject-cookies"}],
                      # The late timer fires only if the visitor stays on the page.
                      "then": [] if name == "latetimer" else [{"click": "#next"}]}
                     for name in SITES]})
        results = consent.audit(settings, tmp_path / "out")
    verdicts = {r["id"]: r for r in results["results"]}
    rejected = {name: verdicts[f"{name}-rejected-gpc-off"] for name in SITES}
    assert rejected["clean"]["verdict"] == "pass", rejected["clean"]["violations"]
    kinds = {name: {v["kind"] for v in r["violations"]} for name, r in rejected.items()}
    # Caught as it was written; the reference tracker then deletes it, seeing the opt-out.
    assert "cookie-write" in kinds["servercookie"]
    server_set = [v["evidence"] for v in rejected["servercookie"]["violations"]
                  if v["kind"] == "cookie-write"]
    assert server_set[0]["by"] == "Set-Cookie" and "/two.html" in server_set[0]["url"]
    assert "request" in kinds["pixel"], (kinds, rejected["pixel"]["evidence"]["requests"])
    assert any(v["evidence"]["resource_type"] == "image" for v in rejected["pixel"]["violations"])
    assert kinds["storage"] == {"storage"}
    assert "request" in kinds["latetimer"]
    # The clean site passes every opted-out state, and was seen tracking when allowed.
    clean = [r for r in results["results"] if r["site"] == "clean"]
    assert {r["verdict"] for r in clean} == {"pass", "observed"}
    assert any(r["tracked"] for r in clean if r["verdict"] == "observed")


@pytest.mark.browser
@pytest.mark.slow
@pytest.mark.only_browser("chromium")
def test_cli_default_audit_fails_on_legacy_only(tmp_path, browser_name):
    result = CliRunner().invoke(main, ["consent-audit", "--out", str(tmp_path)])
    assert result.exit_code == 1, result.output
    failing = [line for line in result.output.splitlines() if ": FAIL" in line]
    assert failing and all(line.startswith("legacy-") for line in failing)
    for name in ("report.html", "report.json", "junit.xml"):
        assert (tmp_path / name).is_file()
    assert list((tmp_path / "har").glob("*.har"))


def test_script_paths_name_the_tracker_itself():
    own = {**BEACON, "url": "http://collector.localhost/t.js", "method": "GET",
           "resource_type": "script"}
    rejected = {"choice": "rejected", "gpc": False}
    assert consent.decide(SITE, rejected, evidence(requests=[own]))["verdict"] == "fail"
    named = SiteConfig(name="s", start="http://s.localhost/", script_paths=["/t.js"])
    assert consent.decide(named, rejected, evidence(requests=[own]))["verdict"] == "pass"
