"""The gate: golden payload masking and comparison, mutants, and gating real scripts."""

import pytest

from harness.gate import GateOptions, gate, golden, self_test
from harness.gate.mutants import MUTANTS
from harness.tracker import SCRIPT

CLICK = {"event_id": "a1", "type": "website_link_clicked", "profile_id": "p_9",
         "occurred_at": "2026-01-01T00:00:00Z", "received_at": "x", "site": "shop",
         "msdynci_actiontype": "LClick", "msdynci_clickcoordinates": "12,340",
         "msdynci_linkuri": "http://shop.localhost:41234/pricing.html"}


def test_mask_hides_only_what_varies():
    (masked,) = golden.mask([CLICK])
    assert masked == {"type": "website_link_clicked", "profile_id": "P1", "site": "shop",
                      "msdynci_actiontype": "LClick", "msdynci_clickcoordinates": "X,Y",
                      "msdynci_linkuri": "http://shop.localhost:PORT/pricing.html"}
    # A format change survives masking: "12.5,340" is not whole pixels.
    (odd,) = golden.mask([{**CLICK, "msdynci_clickcoordinates": "12.5,340"}])
    assert odd["msdynci_clickcoordinates"] == "12.5,340"


@pytest.mark.parametrize("change,expected", [
    ({}, []),
    ({"msdynci_actiontype": "RClick"}, ["msdynci_actiontype: reference 'LClick', candidate "
                                        "'RClick'"]),
    ({"msdynci_linkuri": None}, ["msdynci_linkuri: reference"]),
    ({"msdynci_link": "x"}, ["msdynci_link: reference '<absent>'"]),
])
def test_compare_names_each_field_change(change, expected):
    candidate = {k: v for k, v in {**CLICK, **change}.items() if v is not None}
    found = golden.compare(golden.mask([CLICK]), golden.mask([candidate]))
    for text in expected:
        assert any(text in line for line in found), found
    assert bool(found) == bool(expected)


def test_compare_counts():
    found = golden.compare(golden.mask([CLICK]), golden.mask([CLICK, {**CLICK, "event_id": "b"}]))
    assert found[0].startswith("2 interactions recorded, the reference recorded 1")


def test_every_mutant_applies_to_the_current_tracker():
    source = SCRIPT.read_text()
    for mutant in MUTANTS:
        assert mutant.apply(source) != source, mutant.name


def test_golden_covers_the_scenarios():
    reference = golden.load()
    assert len(reference) > 60
    assert all(set(browsers) == {"chromium", "firefox"} for browsers in reference.values())


@pytest.mark.browser
@pytest.mark.slow
def test_reference_passes_and_a_mutant_fails(tmp_path, browser_name):
    if browser_name != "chromium":
        pytest.skip("one browser is enough to gate the gate")
    passed = gate(GateOptions(script=SCRIPT, browsers=["chromium"], workers=2,
                              out=tmp_path / "ref", measure_cost=False, select="test_clicks"))
    assert passed["passed"], (passed["failed"], passed["payload_changes"])
    assert passed["summary"]["passed"] > 10
    report = self_test(tmp_path / "self", browsers=["chromium"], only=["swapped-buttons"],
                       select="mouse_buttons")
    (row,) = report["mutants"]
    assert row["caught"] and any("RClick" in c or "MClick" in c for c in row["caught_by"])


@pytest.mark.browser
@pytest.mark.slow
def test_budgets_fail_only_when_configured(tmp_path, browser_name):
    if browser_name != "chromium":
        pytest.skip("one browser is enough to gate the gate")
    options = dict(script=SCRIPT, browsers=["chromium"], workers=1, measure_cost=False,
                   select="every_visit_field")
    free = gate(GateOptions(out=tmp_path / "a", **options))
    assert free["passed"] and free["over_budget"] == []
    tight = gate(GateOptions(out=tmp_path / "b", budget_gzip_bytes=100, **options))
    assert not tight["passed"] and "over the budget of 100 B" in tight["over_budget"][0]
