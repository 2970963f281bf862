"""`webtrack run` end to end: reports written, and a broken tracker fails loudly."""

import json

import pytest

from harness import outcomes, run
from harness.tracker import SCRIPT

pytestmark = [pytest.mark.browser, pytest.mark.slow]


def test_broken_tracker_fails_with_what_arrived(tmp_path):
    broken = tmp_path / "tracker.js"
    broken.write_text(SCRIPT.read_text().replace('Enter: "KEnter"', 'Enter: "LClick"'))
    options = run.RunOptions(browsers=["chromium"], workers=1, out=tmp_path / "out",
                             script=broken, select="keys_on_links and Enter and shade")
    results = run.execute(options)
    assert run.failed(results)
    (entry,) = results["scenarios"]
    message = entry["results"]["chromium"]["message"]
    assert "expected 1 website_link_clicked (actiontype='KEnter')" in message.replace(
        "msdynci_", "")
    assert "actiontype='LClick'" in message
    for name in ("results.json", "junit.xml", "report.html"):
        assert (tmp_path / "out" / name).stat().st_size > 0
    assert json.loads((tmp_path / "out" / "results.json").read_text())["summary"]["failed"] == 1
    html = (tmp_path / "out" / "report.html").read_text(encoding="utf-8")
    trace = entry["results"]["chromium"]["trace"]
    assert (tmp_path / "out" / trace).is_file() and f"playwright show-trace {trace}" in html
    assert "FAIL: 1 of 1 scenario runs broke the contract." in html
    assert "data:image" not in html and str(broken) in html
    assert "config: <code>defaults</code>" in html
    (line,) = outcomes.read(tmp_path / "out" / run.OUTCOMES)  # what the hook reported
    assert (line["browser"], line["outcome"]) == ("chromium", "failed")
    assert line["scenario"] == entry["id"] and "KEnter" in line["message"]
    junit = (tmp_path / "out" / "junit.xml").read_text()
    assert 'failures="1"' in junit and entry["id"] in junit


def test_reference_tracker_passes_a_selection(tmp_path):
    options = run.RunOptions(browsers=["firefox"], workers=1, out=tmp_path / "out",
                             select="every_visit_field")
    results = run.execute(options)
    assert not run.failed(results), results["summary"]
    assert results["scenarios"][0]["results"]["firefox"]["evidence"]["interactions"]
