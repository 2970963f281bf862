"""The run report as people read it: verdict, thumbnails, links that open, text as text."""

import re

from harness import run

STATS = {"deliveries": 2, "received": 3, "recorded": 1, "rejected": {"invalid_context": 1},
         "not_recorded": {"consent_opted_out": 1},
         "totals": {"rejected": 1, "not_recorded": 1}, "duplicates": 0}


def _results(tmp_path, script=None, failed=True, settings_file="pyproject.toml [tool.webtrack]"):
    (tmp_path / "evidence").mkdir(parents=True)
    (tmp_path / "evidence" / "shot.jpg").write_bytes(b"\xff\xd8" + b"x" * 200_000)
    evidence = {"nodeid": "harness/scenarios/test_visits.py::test_title[chromium]",
                "url": "http://shop.localhost:8800/", "cookies": [],
                "interactions": [{"type": "website_visited",
                                  "msdynci_viewtitle": "Lumen & Co. \u2014 lamps"}],
                "rejected": [{"event_id": "e1", "type": "website_visited", "site": "shop",
                              "reason": "invalid_context", "detail": "signature",
                              "received_at": "x"}],
                "stats": STATS, "screenshot": "shot.jpg", "errors": []}
    results = {"title": "webtrack run",
               "config": {"browsers": ["chromium"], "workers": 1, "out": str(tmp_path),
                          "script": script, "select": None, "title": "webtrack run",
                          "extra_args": [], "launch": {"chromium": "here"},
                          "settings_file": settings_file},
               "summary": {"passed": 1 - failed, "failed": int(failed), "skipped": 0,
                           "total": 1, "duration": 1.0, "pytest_exit": int(failed)},
               "browsers": ["chromium"],
               "scenarios": [{"id": "test_visits::test_title", "module": "test_visits",
                              "section": "Contract \u00a75", "behaviour": "title",
                              "results": {"chromium": {
                                  "outcome": "failed" if failed else "passed",
                                  "duration": 1.0, "message": "expected 1 \u2014 got 0",
                                  "evidence": evidence, "trace": "traces/t/trace.zip"}}}]}
    code, why = run.verdict(results)
    results["verdict"] = {"exit": code, "label": run.VERDICTS[code], "why": why}
    run.write(tmp_path, results)
    return (tmp_path / "report.html").read_text(encoding="utf-8")


def test_report_reads_as_text_with_a_verdict(tmp_path):
    html = _results(tmp_path)
    assert "FAIL: 1 of 1 scenario runs broke the contract." in html
    assert "Lumen &amp; Co. \u2014 lamps" in html and "\\u2014" not in html
    assert "the reference tracker (tracker.js, served as /tracker.js)" in html
    assert "<strong>invalid_context</strong> (signature)" in html
    assert "not recorded (consent_opted_out): 1" in html
    assert "playwright show-trace traces/t/trace.zip" in html


def test_screenshots_are_thumbnails_linked_to_the_full_image(tmp_path):
    html = _results(tmp_path, failed=False)
    assert "PASS: all 1 scenario runs kept the contract." in html
    assert "data:image" not in html and len(html) < 30_000
    assert re.search(r'<a href="evidence/shot.jpg"[^>]*><img class="thumb" loading="lazy"', html)


def test_links_open_the_section_they_point_to(tmp_path):
    html = _results(tmp_path)
    anchor = re.search(r'<details id="([^"]+)"', html).group(1)
    assert re.fullmatch(r"[A-Za-z0-9_-]+", anchor)
    assert f'href="#{anchor}"' in html
    assert "target.open = true" in html


def test_the_script_under_test_is_named(tmp_path):
    assert "/tmp/candidate.js" in _results(tmp_path, script="/tmp/candidate.js")
    assert "reference tracker" not in _results(tmp_path / "b", script="/tmp/candidate.js")
    assert run.describe_script({"extra_args": ["--webtrack-script", "x.js"]}) == "x.js"


def test_the_header_names_the_settings_file_read(tmp_path):
    html = _results(tmp_path)
    assert "config: <code>pyproject.toml [tool.webtrack]</code> · exit 1" in html
    assert "<th>Settings file</th><td><code>pyproject.toml [tool.webtrack]</code>" in html
    assert "config: <code>defaults</code>" in _results(tmp_path / "b", settings_file="defaults")
