"""opt_out = "auto": autoconsent's real rules find and operate each CMP site of the estate."""

import asyncio

import pytest

from harness.browsers import launch_spec
from harness.concurrency import run_async
from harness.consent import autoconsent
from harness.consent.autoconsent import Driver, outcome, rules_for

# Each CMP site of the estate and the rule autoconsent names for it; whether that rule
# has a self-test (Quantcast's has none).
CMP_SITES = {"onetrust": ("Onetrust", True), "cookiebot": ("Cybotcookiebot", True),
             "didomi": ("didomi", True), "usercentrics": ("usercentrics-api", True),
             "quantcast": ("quantcast", False), "klaro": ("Klaro", True)}

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


@pytest.fixture(scope="module")
def package():
    try:
        return autoconsent.load()
    except autoconsent.AutoconsentMissing as exc:
        pytest.skip(str(exc))


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


async def _drive(browser_name, urls, action):
    from playwright.async_api import async_playwright

    async with async_playwright() as playwright:
        kind = getattr(playwright, browser_name)
        browser = await kind.launch(**launch_spec(browser_name).options)

        async def one(url):
            context = await browser.new_context()
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
@pytest.mark.parametrize("action", ["optOut", "optIn"])
@pytest.mark.skip_browser("webkit")
def test_autoconsent_operates_every_cmp_site(webtrack_server, browser_name, action, package):
    urls = [webtrack_server.url_for(site, "/") for site in CMP_SITES]
    results = run_async(_drive(browser_name, urls, action))
    for (site, (cmp, has_test)), (result, opted_out) in zip(CMP_SITES.items(), results,
                                                            strict=True):
        assert result["status"] == "done" and result["cmp"] == cmp, (site, result)
        # The site's own answer to the tracker follows the choice autoconsent made.
        assert opted_out is (action == "optOut"), (site, result)
        if action == "optOut":
            assert result["self_test"] is (True if has_test else None), (site, result)


@pytest.mark.browser
@pytest.mark.only_browser("chromium")
def test_a_page_without_a_cmp_says_so(webtrack_server, browser_name, package):
    [(result, _)] = run_async(_drive(browser_name, [webtrack_server.url_for("shop", "/")],
                                     "optOut"))
    assert result["status"] == "no-cmp" and result["cmp"] is None

