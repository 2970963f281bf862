"""Hostile content: what pages say is shown inert in our UI and reports, in a real browser."""

import json

import pytest

from harness import audit, run
from harness.consent_audit.report import write as write_consent

pytestmark = pytest.mark.browser

PAYLOAD = '"><img src=x onerror="window.pwned=1"><script>window.pwned=1</script>'


def assert_inert(page, url):
    page.goto(url)
    page.wait_for_load_state()
    assert page.evaluate("window.pwned") is None, f"payload ran on {url}"
    assert page.locator("img[src=x]").count() == 0


def test_timeline_and_journey_pages(webtrack, webtrack_server, visitor, page):
    webtrack.call("POST", "/api/journeys", {
        "name": PAYLOAD, "trigger": {"type": "website_visited", "conditions": [
            {"field": "msdynci_viewtitle", "op": "contains", "value": PAYLOAD}]},
        "start": "say", "steps": {"say": {"send": "Hi {{ trigger.msdynci_viewtitle }}"}}})
    profile = webtrack.profile()["id"]
    visitor.arrive(profile, "shop", "/")
    # The page itself turns hostile: a title and a link carrying markup, then a click.
    page.evaluate("""(payload) => {
        document.title = payload;
        const a = document.createElement('a');
        a.href = '/cart.html?q=' + encodeURIComponent(payload);
        a.id = 'evil'; a.textContent = payload;
        document.body.prepend(a);
        history.pushState({}, '', '/?x=' + encodeURIComponent(payload));
    }""", PAYLOAD)
    webtrack.expect(profile, "website_visited", msdynci_viewtitle=PAYLOAD)
    page.click("#evil")
    webtrack.expect(profile, "website_link_clicked")
    # Let the click's navigation finish (its page reports its visit) before going elsewhere:
    # Firefox otherwise reports the next goto as interrupted by it.
    webtrack.expect(profile, "website_visited", msdynci_viewname="cart.html")
    collector = webtrack_server.origin()
    journeys = webtrack.call("GET", "/api/journeys")
    outbox = webtrack.call("GET", f"/api/outbox?profile={profile}")
    assert outbox and PAYLOAD in outbox[0]["text"] and "&lt;img" in outbox[0]["html"]
    assert_inert(page, f"{collector}/profiles/{profile}")
    assert PAYLOAD in page.locator("main").inner_text()  # shown, as text
    assert_inert(page, f"{collector}/journeys/{journeys[0]['id']}")
    assert_inert(page, f"{collector}/")


@pytest.mark.only_browser("chromium")
def test_reports(tmp_path, page, browser_name):
    # The run report, with a failure message and evidence that carry the payload.
    results = {"title": PAYLOAD, "config": {"workers": 1, "script": PAYLOAD, "select": PAYLOAD,
                                            "launch": {"chromium": PAYLOAD}},
               "summary": {"passed": 0, "failed": 1, "skipped": 0, "total": 1, "duration": 1,
                           "pytest_exit": 1}, "browsers": ["chromium"],
               "scenarios": [{"id": PAYLOAD, "module": "m", "section": PAYLOAD,
                              "behaviour": PAYLOAD, "results": {"chromium": {
                                  "outcome": "failed", "duration": 1.0, "message": PAYLOAD,
                                  "evidence": {"url": PAYLOAD, "cookies": [
                                      {"name": PAYLOAD, "domain": PAYLOAD, "path": "/",
                                       "sameSite": "Lax", "secure": False}],
                                      "interactions": [{"t": PAYLOAD}], "rejected": [],
                                      "screenshot": None}}}}]}
    run.write(tmp_path / "run", results)
    assert_inert(page, (tmp_path / "run" / "report.html").as_uri())
    # The audit report, with the payload in the page source and a finding.
    hostile = tmp_path / "evil.html"
    hostile.write_text(f"<!doctype html><html><head><title>{PAYLOAD}</title></head><body>"
                       f"<p>x</p><script src='http://collector.localhost:8800/tracker.js' "
                       f"data-site='{PAYLOAD}'></script></body></html>")
    audit.write_reports(audit.run([str(hostile)]), tmp_path / "audit", ["html"])
    assert_inert(page, (tmp_path / "audit" / "report.html").as_uri())
    # The consent report, with the payload in every evidence field.
    evidence = {"requests": [{"at": 1.0, "method": "GET", "url": PAYLOAD,
                              "resource_type": PAYLOAD}],
                "cookie_writes": [{"name": PAYLOAD, "value": PAYLOAD}], "set_cookies": [],
                "storage_writes": [{"key": PAYLOAD}], "websockets": [], "hints": [],
                "cookies": [{"name": PAYLOAD, "domain": PAYLOAD}], "opted_out_at": 0,
                "entry": PAYLOAD}
    consent = {"summary": {"sites": 1, "states": 1, "passed": 0, "failed": 1, "errors": 0,
                           "observed": 0, "seconds": 1, "states_per_second": 1},
               "results": [{"id": PAYLOAD, "site": PAYLOAD, "state": {"choice": PAYLOAD,
                                                                       "gpc": True},
                            "verdict": "fail", "tracked": True, "error": None,
                            "violations": [{"what": PAYLOAD}], "evidence": evidence,
                            "har": PAYLOAD, "screenshot": None}]}
    write_consent(consent, tmp_path / "consent")
    assert_inert(page, (tmp_path / "consent" / "report.html").as_uri())
    assert PAYLOAD in json.loads((tmp_path / "consent" / "report.json").read_text()
                                 )["results"][0]["id"]


def test_tracking_cookie_is_not_readable_by_other_sites(webtrack, visitor, page):
    profile = webtrack.profile()["id"]
    visitor.arrive(profile, "shop", "/")
    assert "msdynci_trackingContext" in page.evaluate("document.cookie")
    visitor.goto("blog", "/")
    assert "msdynci_trackingContext" not in page.evaluate("document.cookie")
    cookie = visitor.cookies()["msdynci_trackingContext"]
    assert not cookie["domain"].startswith(".")  # host-only: not shared with sibling hosts


@pytest.mark.only_browser("chromium")
def test_gate_report_is_inert(tmp_path, page, browser_name):
    from harness.gate.report import write as write_gate

    result = {"script": PAYLOAD, "passed": False, "browsers": ["chromium"],
              "summary": {"passed": 0, "failed": 1, "total": 1},
              "failed": [{"scenario": PAYLOAD, "browser": "chromium", "message": PAYLOAD}],
              "payload_changes": [{"scenario": PAYLOAD, "browser": "chromium",
                                   "differences": [PAYLOAD]}],
              "size": {"reference": {"bytes": 1, "gzip_bytes": 1},
                       "candidate": {"bytes": 1, "gzip_bytes": 1}},
              "stopped_early": {"after_seconds": 1, "reason": PAYLOAD}, "canary": None,
              "cost": None, "budget": {}, "over_budget": [PAYLOAD],
              # the candidate's own text, shown where it differs from the reference
              "selection": {"mode": "selected", "identical": False,
                            "chromium": {"chosen": 1, "ran": 1, "of": 2}, "firefox": PAYLOAD,
                            "map": PAYLOAD, "why": {PAYLOAD: PAYLOAD},
                            "changes": [{"line": 1, "start": 0, "end": 1, "old": PAYLOAD,
                                         "new": PAYLOAD, "widened": PAYLOAD}]}}
    self_test = {"mutants": [{"mutant": PAYLOAD, "what": PAYLOAD, "caught": False,
                              "caught_by": [PAYLOAD], "message": PAYLOAD}],
                 "survivors": [PAYLOAD], "passed": False}
    write_gate(result, tmp_path, self_test)
    assert_inert(page, (tmp_path / "report.html").as_uri())
