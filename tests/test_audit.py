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
    container = ('<script>var s=document.createElement("script");s.src="/container.js";'
                 'document.head.appendChild(s);</script>')
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
                       "unknown-site.html", "wrong-origin.html",
                       "snippet-and-container.html", "snippet-in-body.html",
                       "snippet-twice.html", "snippet-unknown-site.html",
                       "snippet-wrong-origin.html", "two-snippets.html",
                       "written-blocking.html", "inner-html.html", "blocking.html"}
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
    missing = runner.invoke(main, ["audit", "no/such/path", "--out", str(tmp_path / "m")])
    assert missing.exit_code == 2 and "no such file" in missing.output
    for formats in ("pdf", "xml", "html,xml", ""):
        wrong = runner.invoke(main, ["audit", "sites/shop", "--format", formats, "--out",
                                     str(tmp_path / "c")])
        assert wrong.exit_code == 2 and "unknown report format" in wrong.output, formats
        assert not (tmp_path / "c").exists()


def test_empty_folder_is_nothing_to_audit(tmp_path):
    (tmp_path / "empty").mkdir()
    (tmp_path / "empty" / "notes.txt").write_text("<html>not a page by its name</html>")
    done = CliRunner().invoke(main, ["audit", str(tmp_path / "empty"), "--out",
                                     str(tmp_path / "out")])
    assert done.exit_code == 2
    assert "nothing to audit" in done.output and "INCOMPLETE: 0 pages" in done.output


def test_a_dead_url_is_reported_and_the_rest_still_audited(tmp_path):
    dead = "http://127.0.0.1:9/gone.html"  # the discard port: nothing listens
    done = CliRunner().invoke(main, ["audit", dead, "sites/broken/no-script.html",
                                     "sites/shop/index.html", "--out", str(tmp_path)])
    assert done.exit_code == 2, done.output
    assert f"{dead}: could not check: cannot fetch" in done.output
    assert "no-script.html:1: WT001 error" in done.output
    report = json.loads((tmp_path / "report.json").read_text())
    assert report["summary"]["verdict"] == "fail" and report["summary"]["pages"] == 2
    assert [u["file_or_url"] for u in report["unchecked"]] == [dead]
    sarif = json.loads((tmp_path / "report.sarif").read_text())
    assert sarif["runs"][0]["invocations"][0]["executionSuccessful"] is False
    assert "could not check" in (tmp_path / "junit.xml").read_text()


def test_only_pages_are_audited(tmp_path):
    (tmp_path / "notes.txt").write_text("<script src=/tracker.js></script>")
    (tmp_path / "logo.html").write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR")
    # XHTML is read as XML: <script/> closes itself and the content after it is markup.
    (tmp_path / "page.xhtml").write_text(
        '<?xml version="1.0" encoding="utf-8"?>\n<html xmlns="http://www.w3.org/1999/xhtml">'
        '<head><title>x</title><script src="http://collector.localhost:8800/tracker.js" '
        'data-site="shop" defer="defer"/></head><body><p>x</p>'
        '<script src="http://collector.localhost:8800/tracker.js" data-site="shop" '
        'defer="defer"/></body></html>')
    result = audit.run([str(tmp_path)], CONFIG)
    assert [Path(p["file_or_url"]).name for p in result.pages] == ["page.xhtml"]
    assert [(f.rule, f.line) for f in result.findings] == [("WT002", 2), ("WT003", 2)]
    assert [(Path(s["file_or_url"]).name, s["reason"]) for s in result.skipped] == [
        ("logo.html", "a binary file, not an HTML page")]
    explicit = audit.run([str(tmp_path / "notes.txt")], CONFIG)
    assert explicit.pages == [] and "not an HTML page" in explicit.skipped[0]["reason"]
    assert explicit.exit_code == 2


@pytest.mark.parametrize("encoding", ["utf-8-sig", "utf-16"])
def test_a_byte_order_mark_is_no_text(tmp_path, encoding):
    """A page saved with a byte order mark (UTF-8, or UTF-16 with its zero bytes) is read as
    the browser reads it: the mark picks the encoding and is dropped, so the tag stays in
    <head> (as text, the mark would start <body> before it)."""
    (tmp_path / "bom.html").write_bytes(page(TRACKER).encode(encoding))
    result = audit.run([str(tmp_path / "bom.html")], CONFIG)
    assert (result.skipped, result.findings) == ([], [])


def test_hostile_page_content_is_inert_in_the_report(tmp_path):
    hostile = tmp_path / "evil.html"
    hostile.write_text(page(body='<p>x</p><script src="http://collector.localhost:8800/'
                                 'tracker.js" data-site="<img src=x onerror=alert(1)>"></script>'))
    audit.write_reports(audit.run([str(hostile)]), tmp_path / "out", ["html"])
    html = (tmp_path / "out" / "report.html").read_text()
    assert "<img src=x onerror" not in html and "&lt;img src=x onerror" in html


@pytest.mark.browser
@pytest.mark.only_browser("chromium")
def test_rendered_audit_sees_injected_double_installs(webtrack_server, browser_name):
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


CUSTOM_PAGE = page('<script src="https://t.example.org/js/wt.js" data-site="docs" defer>'
                   '</script>')
CUSTOM = ('tracker_paths = ["/js/wt.js"]\ncollector_origins = ["https://t.example.org"]\n'
          'sites = ["docs"]\n')


@pytest.mark.parametrize("name,text,table", [
    ("webtrack.toml", "[tool.webtrack.audit]\n" + CUSTOM, "[tool.webtrack.audit]"),
    ("webtrack.toml", "port = 8801\n[audit]\n" + CUSTOM, "[audit]"),
    ("pyproject.toml", "[project]\nname = 'x'\n[tool.webtrack.audit]\n" + CUSTOM,
     "[tool.webtrack.audit]"),
])
def test_config_is_found_honoured_and_named(tmp_path, monkeypatch, name, text, table):
    (tmp_path / name).write_text(text)
    (tmp_path / "site").mkdir()
    (tmp_path / "site" / "index.html").write_text(CUSTOM_PAGE)
    monkeypatch.chdir(tmp_path / "site")  # found from a folder below it, too
    done = CliRunner().invoke(main, ["audit", ".", "--out", str(tmp_path / "out")])
    assert done.exit_code == 0, done.output
    assert f"config: {tmp_path / name} {table}" in done.output


def test_config_option_names_the_file(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "site").mkdir()
    (tmp_path / "site" / "index.html").write_text(CUSTOM_PAGE)
    (tmp_path / "audit.toml").write_text("[tool.webtrack.audit]\n" + CUSTOM)
    plain = CliRunner().invoke(main, ["audit", "site", "--out", "a"])
    assert plain.exit_code == 1 and "config: defaults" in plain.output  # WT004: unknown
    chosen = CliRunner().invoke(main, ["audit", "site", "--config", "audit.toml", "--out", "b"])
    assert chosen.exit_code == 0, chosen.output
    assert "config: audit.toml [tool.webtrack.audit]" in chosen.output
    missing = CliRunner().invoke(main, ["audit", "site", "--config", "nope.toml"])
    assert missing.exit_code == 2 and "nope.toml" in missing.output


@pytest.mark.parametrize("text,message", [
    ("[tool.webtrack.audits]\nsites = ['x']", "unknown table [tool.webtrack.audits]"),
    ("[tool.webtrack]\ntracker_paths = ['/t.js']",
     "tracker_paths belong(s) in [tool.webtrack.audit]"),
    ("[[tool.webtrack.suppress]]\nrule = 'WT001'\nreason = 'r'",
     "suppress belong(s) in [tool.webtrack.audit]"),
    ("[tool.webtrack.audit]\ntrackers = ['/t.js']", "unknown key(s) trackers"),
    ("[tool.webtrack.audit]\nsites = 'shop'", "sites must be a list of strings"),
    ("[tool.webtrack.audit.severity]\nWT999 = 'error'", "unknown rule WT999"),
    ("[tool.webtrack.audit.severity]\nWT007 = 'fatal'", "must be one of error, warning, note"),
    ("[[tool.webtrack.audit.suppress]]\nrule = 'WT001'\nreason = 'r'\nglob = '*'",
     "unknown key(s) glob"),
    ("[tool.webtrack.audit.suppress]\nrule = 'WT001'", "suppress must be an array of tables"),
    ("[audit]\nsites = ['x']\n[tool.webtrack.audit]\nsites = ['y']", "not both"),
    ("[tool.webtrack.audit\n", "not valid TOML"),
])
def test_bad_config_is_an_error_that_says_where(tmp_path, monkeypatch, text, message):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "index.html").write_text(page(TRACKER))
    (tmp_path / "webtrack.toml").write_text(text)
    done = CliRunner().invoke(main, ["audit", ".", "--out", "out"])
    assert done.exit_code == 2 and message in done.output, done.output
    assert "webtrack.toml" in done.output and not (tmp_path / "out").exists()


def test_report_has_a_verdict_and_one_excerpt_per_line(tmp_path):
    twice = tmp_path / "twice.html"
    twice.write_text(page(TRACKER.replace(" defer", "") + "\n" + TRACKER))
    result = audit.run([str(twice), "sites/shop/index.html"], CONFIG)
    audit.write_reports(result, tmp_path / "out", ["html", "sarif"])
    html = (tmp_path / "out" / "report.html").read_text()
    assert 'class="verdict fail"' in html and "FAIL: 1 errors on 1 of 2 pages" in html
    # WT003 and WT007 sit on nearby lines: one excerpt shows both, each line once.
    assert html.count("<pre>") == 1 and html.count("▶") == 2
    excerpt = html.split("<pre>")[1].split("</pre>")[0]
    assert len(excerpt.strip().splitlines()) == 2  # the page's two lines, one per line
    assert html.count("&lt;title&gt;t&lt;/title&gt;") == 1
    sarif = json.loads((tmp_path / "out" / "report.sarif").read_text())
    uri = sarif["runs"][0]["tool"]["driver"].get("informationUri")
    assert uri is None or (uri.startswith("https://") and "example" not in uri)
    clean = audit.run(["sites/shop/index.html"], CONFIG)
    audit.write_reports(clean, tmp_path / "clean", ["html"])
    assert 'class="verdict pass"' in (tmp_path / "clean" / "report.html").read_text()


def test_excerpt_blocks_show_each_line_once():
    from harness.audit.report import blocks

    source = "\n".join(f"line {n}" for n in range(1, 31))
    found = [{"line": 5}, {"line": 5}, {"line": 7}, {"line": 20}, {"line": None}]
    shown = blocks(source, found)
    assert [len(b["findings"]) for b in shown] == [1, 3, 1]
    numbers = [n for b in shown for n, _, _ in b["lines"]]
    assert numbers == sorted(set(numbers)) == [3, 4, 5, 6, 7, 8, 9, 18, 19, 20, 21, 22]
    assert [n for b in shown for n, _, marked in b["lines"] if marked] == [5, 7, 20]


def test_readme_audit_configuration_example_is_valid():
    import re

    readme = (Path(__file__).resolve().parent.parent / "README.md").read_text(encoding="utf-8")
    (example,) = [b for b in re.findall(r"```toml\n(.*?)```", readme, re.S)
                  if "[tool.webtrack.audit]" in b]
    raw, _ = audit_config._audit_table(
        audit_config.settings.tomllib.loads(example)["tool"]["webtrack"], Path("README"),
        "[tool.webtrack]")
    loaded = audit_config.load(raw, "README")
    assert set(raw) == set(audit_config.KEYS)  # every key is documented
    assert loaded.severity == {"WT007": "error"} and loaded.suppress[0].reason
