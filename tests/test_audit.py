"""The conformance audit: every rule on pages that must and must not trigger it."""

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from harness import audit
from harness.audit import config as audit_config
from harness.audit.page import parse
from harness.audit.rules import apply_policy, check
from harness.cli import main

CONFIG = audit_config.load({"sites": ["shop"], "tracked_forms": ["newsletter"]})
TRACKER = '<script src="http://collector.localhost:8800/tracker.js" data-site="shop" defer>' \
          '</script>'


def page(head="", body="", before=""):
    return f"<!doctype html>{before}<html><head><title>t</title>{head}</head><body>{body}" \
           f"</body></html>"


def rules_of(html, config=CONFIG, rendered=False):
    found = check(parse(html, "page.html", "http://shop.localhost:8800/", rendered), config)
    return sorted({f.rule for f in found})


CASES = [
    # (rule, page that must trigger it, page that must not)
    ("WT001", page(body="<p>hi</p>"), page(TRACKER)),
    ("WT001", page("<!-- " + TRACKER + " -->"), page(TRACKER + "<!-- note -->")),
    ("WT002", page(body="<p>x</p>" + TRACKER), page(TRACKER)),
    # A script after content that the parser moves into <body>, though written "in head".
    ("WT002", "<!doctype html><html><head><title>t</title></head><p>x</p>" + TRACKER +
     "</html>", page(TRACKER)),
    ("WT003", page(TRACKER + TRACKER), page(TRACKER)),
    ("WT003", page(TRACKER + '<script src="/container.js"></script>'),
     page('<script src="/container.js"></script>')),
    ("WT004", page(TRACKER.replace("collector.localhost", "cdn.example")), page(TRACKER)),
    ("WT004", page(TRACKER.replace('data-site="shop"', 'data-site="elsewhere"')), page(TRACKER)),
    ("WT004", page(TRACKER.replace(' data-site="shop"', "")), page(TRACKER)),
    ("WT005", page(TRACKER, '<div id="cookie-banner"><button>Reject all</button></div>'),
     page("<script>window.disableCookiesUsage = function () { return false; };</script>" +
          TRACKER, '<div id="cookie-banner"><button>Reject all</button></div>')),
    ("WT006", page(body='<form action="http://collector.localhost:8800/f/newsletter"></form>'),
     page(TRACKER, '<form action="http://collector.localhost:8800/f/newsletter"></form>')),
    ("WT007", page(TRACKER.replace(" defer", "")), page(TRACKER)),
    ("WT008", page(body="<noscript>" + TRACKER + "</noscript>"), page(TRACKER)),
    ("WT009", page(TRACKER + "<script async src='/banner.js'></script>"
              "<script>window.disableCookiesUsage = function () { return true; };</script>"
              .replace("<script>", "<script type=module>")),
     page("<script>function disableCookiesUsage() { return true; }</script>" + TRACKER)),
]


@pytest.mark.parametrize("rule,bad,good", CASES, ids=[f"{c[0]}-{i}" for i, c in
                                                      enumerate(CASES)])
def test_rule_triggers_only_where_it_should(rule, bad, good):
    assert rule in rules_of(bad), rules_of(bad)
    assert rule not in rules_of(good), rules_of(good)


def test_a_conformant_page_has_no_findings():
    assert rules_of(page(TRACKER, "<a href='/x'>x</a>")) == []


def test_container_counts_once_statically_not_when_rendered():
    container = '<script>var s=document.createElement("script");s.src="/container.js";</script>'
    assert rules_of(page(container)) == []
    # Rendered, the container's injected tracker is itself in the DOM: count only that.
    assert rules_of(page(container + TRACKER.replace(" defer", " async")), rendered=True) == []


def test_line_numbers_point_at_the_script():
    html = page(body="\n\n<p>x</p>\n" + TRACKER)
    (finding,) = check(parse(html, "p.html", "http://shop.localhost:8800/"), CONFIG)
    assert finding.line == 4


def test_severity_override_and_suppression_with_reason():
    config = audit_config.load({"sites": ["shop"], "severity": {"WT007": "error"},
                                "suppress": [{"rule": "WT001", "path": "*/legacy/*",
                                              "reason": "stock script on purpose"}]})
    sync = check(parse(page(TRACKER.replace(" defer", "")), "a.html", "http://x/"), config)
    kept, _ = apply_policy(sync, config)
    assert [f.severity for f in kept] == ["error"]
    missing = check(parse(page(), "sites/legacy/a.html", "http://x/"), config)
    kept, suppressed = apply_policy(missing, config)
    assert kept == [] and suppressed[0]["reason"] == "stock script on purpose"
    with pytest.raises(ValueError, match="needs a reason"):
        audit_config.load({"suppress": [{"rule": "WT001", "path": "*"}]})
    with pytest.raises(ValueError, match="unknown key"):
        audit_config.load({"trackers": []})


def test_estate_flags_exactly_the_broken_pages():
    result = audit.run(["sites"])
    flagged = {Path(f.file_or_url).name for f in result.findings}
    assert flagged == {"banner-without-optout.html", "installed-twice.html", "no-script.html",
                       "script-in-body.html", "tracked-form-no-script.html",
                       "unknown-site.html", "wrong-origin.html"}
    assert all("sites/broken/" in f.file_or_url for f in result.findings)
    assert {Path(s["file_or_url"]).parent.name for s in result.skipped} == {"portal"}


def test_reports_json_sarif_junit(tmp_path):
    result = audit.run(["sites/broken"])
    audit.write_reports(result, tmp_path, ["html", "json", "sarif"])
    findings = json.loads((tmp_path / "findings.json").read_text())
    assert set(findings[0]) == {"rule", "severity", "file_or_url", "line", "message"}
    sarif = json.loads((tmp_path / "report.sarif").read_text())
    assert sarif["version"] == "2.1.0"
    results = sarif["runs"][0]["results"]
    assert {r["ruleId"] for r in results} >= {"WT001", "WT002", "WT003", "WT004", "WT006"}
    assert all(r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
               for r in results)
    assert "<testsuite" in (tmp_path / "junit.xml").read_text()
    html = (tmp_path / "report.html").read_text()
    assert "WT003" in html and "▶" in html  # the source excerpt marks the line


def test_cli_exit_codes(tmp_path):
    runner = CliRunner()
    good = runner.invoke(main, ["audit", "sites/shop", "--out", str(tmp_path / "a")])
    assert good.exit_code == 0, good.output
    bad = runner.invoke(main, ["audit", "sites/broken/no-script.html", "--out",
                               str(tmp_path / "b"), "--format", "json"])
    assert bad.exit_code == 1 and "WT001 error" in bad.output
    missing = runner.invoke(main, ["audit", "no/such/path"])
    assert missing.exit_code == 2 and "no such file" in missing.output
    wrong = runner.invoke(main, ["audit", "sites/shop", "--format", "pdf", "--out",
                                 str(tmp_path / "c")])
    assert wrong.exit_code == 1 and "unknown report format" in wrong.output


def test_hostile_page_content_is_inert_in_the_report(tmp_path):
    hostile = tmp_path / "evil.html"
    hostile.write_text(page(body='<p>x</p><script src="http://collector.localhost:8800/'
                                 'tracker.js" data-site="<img src=x onerror=alert(1)>"></script>'))
    audit.write_reports(audit.run([str(hostile)]), tmp_path / "out", ["html"])
    html = (tmp_path / "out" / "report.html").read_text()
    assert "<img src=x onerror" not in html and "&lt;img src=x onerror" in html


@pytest.mark.browser
def test_rendered_audit_sees_injected_double_installs(webtrack_server, browser_name):
    if browser_name != "chromium":
        pytest.skip("the rendered audit drives Chromium")
    urls = [webtrack_server.url_for("tagged", "/"),
            webtrack_server.url_for("broken", "/installed-twice.html")]
    result = audit.run(urls, render=True)
    assert [(Path(f.file_or_url).name, f.rule) for f in result.findings] == [
        ("installed-twice.html", "WT003")]


def _nu_available():
    import shutil

    from harness.audit import validity

    return shutil.which("java") and validity.jar()


@pytest.mark.skipif(not _nu_available(), reason="needs Java and the Nu Html Checker")
def test_validate_family_finds_invalid_html_and_the_estate_is_valid(tmp_path):
    invalid = tmp_path / "invalid.html"
    invalid.write_text("<!doctype html><html><head><title>x</title>" + TRACKER +
                       "</head><body><p><div>block in p</p></div><li>stray</li></body></html>")
    result = audit.run([str(invalid), "sites"], validate=True)
    nu = [f for f in result.findings if f.rule.startswith("NU")]
    assert nu and all(f.file_or_url == str(invalid) for f in nu), nu
    assert any(f.rule == "NU001" and f.line for f in nu)
