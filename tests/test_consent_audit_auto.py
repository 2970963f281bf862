"""opt_out = "auto": autoconsent's real rules find and operate each CMP site of the estate."""

import asyncio
import json
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from conftest import estate_audit

from harness import consent_audit
from harness.browsers import launch_spec
from harness.concurrency import run_async
from harness.consent_audit import autoconsent, runner
from harness.consent_audit.autoconsent import Driver, outcome, rules_for

# Each CMP site of the estate and the rule autoconsent names for it; whether that rule
# has a self-test (Quantcast's has none).
CMP_SITES = {"onetrust": ("Onetrust", True), "cookiebot": ("Cybotcookiebot", True),
             "didomi": ("didomi", True), "usercentrics": ("usercentrics-api", True),
             "quantcast": ("quantcast", False), "klaro": ("Klaro", True),
             # A banner drawn late with no first-layer reject (Customize, untick, Save);
             # buttons inside a frame; a rule without a self-test; three clicks to decline.
             "cookieyes": ("cookieyes", True), "trustarc": ("TrustArc-newcm", True),
             "osano": ("osano", False), "iubenda": ("iubenda", True)}

INIT = {"type": "init", "url": "http://a.localhost/"}
FOUND = [INIT, {"type": "cmpDetected", "cmp": "X"}, {"type": "popupFound", "cmp": "X"}]


@pytest.mark.parametrize("messages,status,self_test", [
    (FOUND + [{"type": "optOutResult", "cmp": "X", "result": True, "scheduleSelfTest": True},
              {"type": "autoconsentDone", "cmp": "X", "totalClicks": 1},
              {"type": "selfTestResult", "cmp": "X", "result": True}], "done", True),
    (FOUND + [{"type": "optOutResult", "cmp": "X", "result": True},
              {"type": "autoconsentDone", "cmp": "X"},
              {"type": "selfTestResult", "cmp": "X", "result": False}], "done", False),
    (FOUND + [{"type": "optOutResult", "cmp": "X", "result": True},
              {"type": "autoconsentDone", "cmp": "X"}], "done", None),
    (FOUND + [{"type": "optOutResult", "cmp": "X", "result": False}], "failed", None),
    (FOUND, "timeout", None),
    ([INIT, {"type": "cmpDetected", "cmp": "X"}], "no-popup", None),
    ([INIT, {"type": "report", "mainFrame": True, "state": {"lifecycle": "nothingDetected"}}],
     "no-cmp", None),
    ([INIT], "no-cmp", None),
    ([], "not-started", None),
])
def test_outcome_table(messages, status, self_test):
    result = outcome(messages, "optOut")
    assert (result["status"], result["self_test"]) == (status, self_test)
    if status not in ("no-cmp", "not-started"):
        assert result["cmp"] == "X"



REPORT = {"type": "report", "mainFrame": True, "state": {"lifecycle": "started",
                                                         "findCmpAttempts": 1}}


@pytest.mark.parametrize("messages,stage", [
    ([INIT], "starting"),
    ([INIT, REPORT], "detecting"),
    ([INIT, REPORT, {"type": "cmpDetected", "cmp": "X"}], "popup"),
    (FOUND, "choosing"),
])
def test_driver_stage_table(messages, stage):
    driver = Driver("optOut", package=autoconsent.Package("t", "", {}, ()))
    driver.messages = messages
    assert driver._stage() == stage


class _Clock:
    def __init__(self, driver, deliver_at=None):
        self.driver, self.deliver_at, self.ran = driver, deliver_at, 0

    async def run_for(self, ms):
        self.ran += ms
        if self.deliver_at is not None and self.ran >= self.deliver_at:
            self.driver.messages.append({"type": "cmpDetected", "cmp": "X"})


class _Page:
    def __init__(self, clock):
        self.clock = clock

    async def evaluate(self, script):
        await asyncio.sleep(0.01)  # a slow browser: wall time passes, page time does not


@pytest.mark.parametrize("deliver_at,spent,stage", [
    (None, autoconsent.DETECT_MS, "detecting"),  # nothing found: exactly the page budget
    (3000, 3000 + autoconsent.POPUP_MS, "popup"),  # a late banner's platform is found
])
def test_driver_budgets_are_page_time(deliver_at, spent, stage):
    driver = Driver("optOut", package=autoconsent.Package("t", "", {}, ()))
    driver.messages = [INIT, REPORT]
    clock = _Clock(driver, deliver_at)
    driver._page = _Page(clock)
    run_async(driver._until(lambda: False, {"detecting": autoconsent.DETECT_MS,
                                            "popup": autoconsent.POPUP_MS}))
    assert (clock.ran, driver._stage()) == (spent, stage)

@pytest.fixture(scope="module")
def package():
    try:
        return autoconsent.load()
    except autoconsent.AutoconsentMissing as exc:  # setup.sh installs it: missing is a failure
        pytest.fail(str(exc))


def test_rules_for_keeps_generic_and_matching_rules(package):
    main = rules_for(package, "optOut", "http://shop.localhost/", True)["compact"]["r"]
    names = {rule[1] for rule in main}
    assert {"didomi", "quantcast", "usercentrics-api"} <= names
    frame = rules_for(package, "optOut", "http://shop.localhost/", False)["compact"]["r"]
    assert len(frame) < len(main)
    opt_in = rules_for(package, "optIn", "http://shop.localhost/", True)["autoconsent"]
    assert all(not (r.get("runContext") or {}).get("urlPattern") for r in opt_in)
    assert any(r.get("optIn") for r in opt_in)


def test_missing_package_is_a_clear_error(monkeypatch, tmp_path):
    monkeypatch.setattr(autoconsent, "node_modules", lambda: [tmp_path])
    with pytest.raises(autoconsent.AutoconsentMissing, match="setup.sh"):
        autoconsent.locate()


def test_config_accepts_auto():
    settings = consent_audit.parse({"site": [{"name": "a", "start": "http://a.localhost/",
                                        "opt_out": "auto", "accept": "auto"}]})
    assert settings.sites[0].opt_out == "auto"
    assert [s["choice"] for s in consent_audit.states(settings.sites[0])][::2] == [
        "no-choice", "accepted", "rejected"]
    with pytest.raises(ValueError, match='or "auto"'):
        consent_audit.parse({"site": [{"name": "a", "start": "x", "opt_out": "automatic"}]})


async def _drive(browser_name, urls, action):
    from playwright.async_api import async_playwright

    async with async_playwright() as playwright:
        kind = getattr(playwright, browser_name)
        browser = await kind.launch(**launch_spec(browser_name).options)

        async def one(url):
            context = await browser.new_context()
            await context.clock.install()  # as the audit does: the driver steps page time
            driver = Driver(action)
            await driver.install(context)
            page = await context.new_page()
            await page.goto(url)
            result = await driver.run()
            state = await page.evaluate(
                "typeof disableCookiesUsage === 'function' && disableCookiesUsage()")
            await context.close()
            return result, state

        try:
            return await asyncio.gather(*(one(url) for url in urls))
        finally:
            await browser.close()


@pytest.mark.browser
@pytest.mark.skip_browser("webkit")
def test_autoconsent_operates_every_cmp_site(webtrack_server, browser_name, package):
    # The opt-in, driven alone: each browser's audit opts out on every CMP site with this
    # driver, checks its self-test and judges what the site sends after it
    # (test_audit_with_auto_passes_every_cmp_site).
    urls = [webtrack_server.url_for(site, "/") for site in CMP_SITES]
    results = run_async(_drive(browser_name, urls, "optIn"))
    for (site, (cmp, _)), (result, opted_out) in zip(CMP_SITES.items(), results, strict=True):
        assert result["status"] == "done" and result["cmp"] == cmp, (site, result)
        # The site's own answer to the tracker follows the choice autoconsent made.
        assert opted_out is False, (site, result)


@pytest.mark.browser
@pytest.mark.only_browser("chromium")
def test_a_page_without_a_cmp_says_so(webtrack_server, browser_name, package):
    [(result, _)] = run_async(_drive(browser_name, [webtrack_server.url_for("shop", "/")],
                                     "optOut"))
    assert result["status"] == "no-cmp" and result["cmp"] is None


def _cmp_settings(server, names, browser="chromium", **extra):
    return consent_audit.parse({"collector": server.origin(), "settle_seconds": 0.5,
                          "browsers": [browser], **extra,
                          "site": [{"name": name, "start": server.url_for(name, "/"),
                                    "tracked": True, "opt_out": "auto", "accept": "auto",
                                    "then": [{"goto": "/about.html"}]} for name in names]})


@pytest.mark.browser
@pytest.mark.slow
@pytest.mark.skip_browser("webkit")  # the audit drives Chromium and Firefox
def test_audit_with_auto_passes_every_cmp_site(webtrack_server, browser_name, tmp_path,
                                               tmp_path_factory, package, monkeypatch):
    # The two states judged here: the rest of each site's matrix (no choice, GPC on) is
    # audited with these same choices by the CLI's default audit of the estate. Firefox
    # judges the opt-out; its opt-in on every site is test_autoconsent_operates_every_cmp_site's.
    choices = ["rejected"] + (["accepted"] if browser_name == "chromium" else [])
    if browser_name == "chromium":  # the CLI's audit of the estate went through these
        # states already (test_cli_default_audit_fails_on_legacy_only): read there, not
        # audited again. The estate lists these sites as _cmp_settings does.
        estate = consent_audit.load(consent_audit.DEFAULT_CONFIG)
        assert [_as_listed(s) for s in estate.sites if s.name in CMP_SITES] == [
            _as_listed(s) for s in _cmp_settings(webtrack_server, CMP_SITES).sites]
        results = json.loads((Path(estate_audit(tmp_path_factory, browser_name)["out"])
                              / "report.json").read_text(encoding="utf-8"))
    else:
        monkeypatch.setattr(runner, "states", lambda site: [
            {"choice": choice, "gpc": False} for choice in choices])
        results = consent_audit.audit(_cmp_settings(webtrack_server, CMP_SITES,
                                                    browser_name), tmp_path)
    by_id = {r["id"].removesuffix(f"-{browser_name}"): r for r in results["results"]}
    for site, (cmp, has_test) in CMP_SITES.items():
        rejected = by_id[f"{site}-rejected-gpc-off"]
        assert rejected["verdict"] == "pass", (site, rejected["error"], rejected["violations"])
        tool = rejected["consent_tool"]
        assert (tool["cmp"], tool["status"]) == (cmp, "done")
        assert tool["self_test"] is (True if has_test else None)
        if "accepted" in choices:
            accepted = by_id[f"{site}-accepted-gpc-off"]
            assert accepted["verdict"] == "observed" and \
                accepted["consent_tool"]["status"] == "done"
        assert rejected["screenshot_before"] and rejected["timeline"]["marks"]


def _as_listed(site) -> tuple:
    """What a CMP site's audit depends on, whatever its port: its choices, its path and
    how it is entered."""
    return (site.name, urlsplit(site.start).path, site.tracked, site.opt_out, site.accept,
            site.then)


PAGE = ('<!doctype html><html lang="en"><head><meta charset="utf-8"><title>{name}</title>'
        '<script src="/banner.js"></script>'
        '<script src="http://collector.localhost:8800/tracker.js" data-site="{name}" defer>'
        '</script>{extra}</head><body><p><a href="/two.html">two</a></p></body></html>')
# A OneTrust-style banner every unseen site shares; what differs is what each does after it.
BANNER = Path("sites/onetrust/otSDKStub.js").read_text()
UNSEEN = {
    # Only its CMP and the site's own necessary resources: a first-party script, image
    # and API call.
    "clean": ("<script>addEventListener('load', function () {"
              "new Image().src = '/_shared/site.css?v=3';"
              "fetch('/two.html', {method: 'GET'});});</script>"),
    # Google Analytics' cookie and collect call, neither named in the configuration.
    "ga": ("<script>addEventListener('load', function () {"
           "document.cookie = '_ga=GA1.1.' + Math.floor(Math.random() * 1e9) + '.1700000000; "
           "path=/; max-age=63072000';"
           "navigator.sendBeacon('https://www.google-analytics.com/g/collect?v=2', 'x');"
           "});</script>"),
    # Analytics relayed through the site's own host (server-side tagging): GA4's endpoint.
    "proxied": ("<script>addEventListener('load', function () {"
                "navigator.sendBeacon('/g/collect?v=2&tid=G-HELD0UT&cid=' + Date.now(), '');"
                "});</script>"),
    # Google Analytics' client id under a name of the site's choosing (cookie_prefix).
    "renamed": ("<script>addEventListener('load', function () {"
                "document.cookie = 'site_vid=GA1.1.' + Math.floor(Math.random() * 1e9) + "
                "'.1700000000; path=/; max-age=63072000';});</script>"),
    # A pixel whose visitor id is in its path, no query string, to a host no dataset knows.
    "idpixel": ("<script>addEventListener('load', function () {"
                "new Image().src = 'http://px.localhost:8800/p/' + "
                "Math.random().toString(16).slice(2, 10) + '4f2a9c1e/1.gif';});</script>"),
    # A tracker the dataset does not know, sending a visitor id to its own host (a page
    # count without one, which identifies no one, is allowed: the clean breach-suite site).
    "pixel": ("<script>addEventListener('load', function () {"
              "fetch('http://metrics.localhost:8800/hit', {method: 'POST',"
              " body: 'cid=' + crypto.randomUUID(), mode: 'no-cors'});});</script>"),
}


def _unseen_sites(root):
    import shutil

    shutil.copytree("sites/_shared", root / "_shared")
    for name, extra in UNSEEN.items():
        folder = root / name
        folder.mkdir()
        (folder / "site.toml").write_text(f'title = "{name}"\ndemonstrates = "test"\n')
        (folder / "banner.js").write_text(BANNER)
        for page in ("index.html", "two.html"):
            inline = extra.replace("<script>", "").replace("</script>", "")
            # The estate's pages carry a CSP that admits inline scripts by hash only:
            # keep the behaviour in a file.
            (folder / "extra.js").write_text(inline)
            (folder / page).write_text(PAGE.format(
                name=name, extra='<script src="/extra.js"></script>' if extra else ""))


@pytest.mark.browser
@pytest.mark.slow
def test_unseen_trackers_fail_and_a_clean_site_passes(browser_name, tmp_path, package,
                                                      monkeypatch):
    if browser_name != "chromium":
        pytest.skip("one browser is enough here")
    from harness.server import Server

    _unseen_sites(tmp_path / "sites")
    # The opt-out is the state judged here: the rest of the matrix would be audited unread.
    monkeypatch.setattr(runner, "states", lambda site: [{"choice": "rejected", "gpc": False}])
    with Server(sites_dir=tmp_path / "sites", fixtures_dir=None) as server:
        settings = consent_audit.parse({
            "collector": server.origin(), "settle_seconds": 0.5, "browsers": ["chromium"],
            "site": [{"name": name, "start": server.url_for(name, "/"), "opt_out": "auto",
                      "then": [{"click": "a[href='/two.html']"}]} for name in UNSEEN]})
        results = consent_audit.audit(settings, tmp_path / "out")
    rejected = {r["site"]: r for r in results["results"]
                if r["state"]["choice"] == "rejected" and not r["state"]["gpc"]}
    assert rejected["clean"]["verdict"] == "pass", rejected["clean"]["violations"]
    assert rejected["ga"]["verdict"] == "fail"
    ga = " ".join(v["what"] for v in rejected["ga"]["violations"])
    assert "Google Analytics" in ga and "_ga" in ga, ga
    assert rejected["pixel"]["verdict"] == "fail"
    pixel = [v for v in rejected["pixel"]["violations"] if "metrics.localhost" in v["what"]]
    assert pixel and "sends data" in pixel[0]["what"], rejected["pixel"]["violations"]
    for name, entity in (("proxied", "Google Analytics"), ("renamed", "Google Analytics"),
                         ("idpixel", None)):
        found = rejected[name]["violations"]
        assert rejected[name]["verdict"] == "fail" and any(
            (v.get("evidence") or {}).get("entity") == entity for v in found), (name, found)
    # Before the choice too: each was inventoried on the first page, not only after.
    assert any(i["phase"] == "before" and i.get("entity") == "Google Analytics"
               for i in rejected["proxied"]["inventory"])
    # Nothing is dropped: the clean site's own consent cookie is listed, as allowed.
    assert any(i["name"] == "OptanonConsent" and i["judgement"] == "allowed"
               for i in rejected["clean"]["inventory"])


def test_errors_are_results_and_the_report_completes(tmp_path, package, monkeypatch):
    import socket

    from click.testing import CliRunner

    from harness.cli import main

    with socket.socket() as s:  # a port nothing listens on
        s.bind(("127.0.0.1", 0))
        dead = s.getsockname()[1]
    (tmp_path / "c.toml").write_text(
        'settle_seconds = 0.2\nconcurrency = 4\nbrowsers = ["chromium"]\n'
        '[[site]]\nname = "blog"\nstart = "http://blog.localhost:8800/"\n'
        'opt_out = [{ click = "#no-such-button" }]\n'
        f'[[site]]\nname = "dead"\nstart = "http://127.0.0.1:{dead}/"\n')
    # One state a site (its opt-out where it has one): each error is one state's, and the
    # report completes around them; the rest of the matrix would only repeat them.
    monkeypatch.setattr(runner, "states", lambda site: [
        {"choice": "rejected" if site.opt_out else "no-choice", "gpc": False}])
    # A button that is not there is waited for no longer than a step may take; the step's
    # time limit is not what this proves, only what the error becomes.
    monkeypatch.setattr(runner, "STEP_TIMEOUT", 3000)
    result = CliRunner().invoke(main, ["consent-audit", "--config", str(tmp_path / "c.toml"),
                                       "--serve", "--out", str(tmp_path / "out")])
    assert result.exit_code == 2, result.output
    assert "opt_out step 1 (click '#no-such-button') failed on http://blog.localhost" in \
        result.output
    assert f"start: http://127.0.0.1:{dead}/ did not load" in result.output
    assert f"config: {tmp_path / 'c.toml'}; report:" in result.output  # which file was read
    html = (tmp_path / "out" / "report.html").read_text()
    assert "#no-such-button" in html and "could not be checked" in html
    assert list((tmp_path / "out" / "screenshots").glob("blog-rejected-*.jpg"))


@pytest.mark.browser
@pytest.mark.slow
@pytest.mark.skip_browser("webkit")  # the audit drives Chromium and Firefox
def test_pages_follow_links_and_the_sitemap_with_the_choice_kept(webtrack_server,
                                                                 browser_name, tmp_path,
                                                                 package, monkeypatch):
    settings = _cmp_settings(webtrack_server, ["didomi"], browser_name, pages=3)
    monkeypatch.setattr(runner, "states", lambda site: [{"choice": "rejected", "gpc": False}])
    results = consent_audit.audit(settings, tmp_path)
    rejected = [r for r in results["results"] if r["id"].startswith("didomi-rejected-gpc-off")]
    pages = rejected[0]["pages"]
    assert [p.rsplit("/", 1)[-1] for p in pages] == ["about.html", "", "journal.html"], pages
    assert rejected[0]["verdict"] == "pass", rejected[0]["violations"]
    # The choice persisted: no banner on the pages after it, so autoconsent ran once.
    assert rejected[0]["consent_tool"]["status"] == "done"


# Banners no rule of autoconsent operates, each in its own way: every one is a state that
# could not be checked (never a crash, never a silent pass), except a banner with a plain
# reject button, which autoconsent's heuristic operates and the report names as such.
NO_RULE = {
    "customreject": (
        "var d = document.createElement('div'); d.id = 'privacy-popup';"
        "d.setAttribute('role', 'dialog');"
        "d.innerHTML = '<p>We use cookies for analytics and advertising.</p>"
        "<button id=\"a\">Accept all</button><button id=\"r\">Reject all</button>';"
        "document.body.appendChild(d);"
        "window.disableCookiesUsage = function () {"
        "  return document.cookie.indexOf('my_choice=no') >= 0; };"
        "d.querySelector('#r').onclick = function () {"
        "  document.cookie = 'my_choice=no; path=/; max-age=9999'; d.remove(); };",
        "pass", None),
    "noreject": ("var d = document.createElement('div'); d.innerHTML = '<p>This site uses "
                 "cookies.</p><button>OK</button>'; document.body.appendChild(d);",
                 "error", "no consent platform that autoconsent knows"),
    "closedshadow": ("var h = document.createElement('div'); document.body.appendChild(h);"
                     "h.attachShadow({mode: 'closed'}).innerHTML = '<div class=\"cky-consent-"
                     "container\"><button data-cky-tag=\"reject-button\">Reject All</button>"
                     "</div>';", "error", "no consent platform that autoconsent knows"),
    "hidden": ("var d = document.createElement('div'); d.className = 'osano-cm-window';"
               "d.innerHTML = '<div class=\"osano-cm-dialog\" style=\"display:none\">"
               "<button class=\"osano-cm-denyAll\">Deny</button></div>';"
               "document.body.appendChild(d); window.Osano = {cm: {dialogOpen: false}};",
               "error", "osano detected, but no banner was open"),
    "brokenrule": ("var d = document.createElement('div'); d.id = 'cookiescript_injected';"
                   "d.innerHTML = '<button id=\"cookiescript_manage\">Manage</button>';"
                   "document.body.appendChild(d);",
                   "error", "cookie-script found, but its rule's optOut steps did not work"),
}


@pytest.mark.browser
@pytest.mark.slow
@pytest.mark.only_browser("chromium")
def test_banners_no_rule_operates_are_errors_never_passes(browser_name, tmp_path, package,
                                                          monkeypatch):
    import shutil

    from harness.consent_audit import report, runner
    from harness.server import Server

    root = tmp_path / "sites"
    shutil.copytree("sites/_shared", root / "_shared")
    for name, (script, _, _) in NO_RULE.items():
        (root / name).mkdir()
        (root / name / "site.toml").write_text(f'title = "{name}"\ndemonstrates = "test"\n')
        (root / name / "banner.js").write_text(
            f"document.addEventListener('DOMContentLoaded', function () {{ {script} }});")
        for page in ("index.html", "two.html"):
            (root / name / page).write_text(PAGE.format(name=name, extra=""))
    monkeypatch.setattr(runner, "states", lambda site: [{"choice": "rejected", "gpc": False}])
    with Server(sites_dir=root, fixtures_dir=None) as server:
        settings = consent_audit.parse({
            "collector": server.origin(), "settle_seconds": 0.5, "browsers": ["chromium"],
            "site": [{"name": name, "start": server.url_for(name, "/"), "opt_out": "auto",
                      "then": [{"click": "a[href='/two.html']"}]} for name in NO_RULE]})
        results = consent_audit.audit(settings, tmp_path / "out")
    got = {r["site"]: r for r in results["results"]}
    for name, (_, verdict, reason) in NO_RULE.items():
        record = got[name]
        assert record["verdict"] == verdict, (name, record["error"], record["violations"])
        if reason:
            assert reason in record["error"] and record.get("screenshot"), (name, record)
    heuristic = got["customreject"]["consent_tool"]
    assert heuristic["platform"].startswith("no known platform: autoconsent's heuristic")
    assert "heuristic" in report.tool_line(got["customreject"])
    report.write(results, tmp_path / "out")  # every one of them renders
    html = (tmp_path / "out" / "report.html").read_text()
    assert "no known platform" in html and "no banner was open" in html


@pytest.mark.parametrize("tool,line", [
    ({"cmp": "Onetrust", "status": "done", "self_test": True},
     "consent platform: Onetrust (done); its self-test confirmed the choice"),
    ({"cmp": "osano", "status": "done", "self_test": None},
     "consent platform: osano (done); no self-test for this platform"),
    ({"cmp": None, "status": "no-cmp", "self_test": None},
     "consent platform: none found (no-cmp); no self-test for this platform"),
    (None, None),
])
def test_console_names_the_platform(tool, line):
    from harness.consent_audit.report import tool_line

    assert tool_line({"consent_tool": tool}) == line
