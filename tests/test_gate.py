"""The gate: golden payload masking and comparison, mutants, and gating real scripts."""

import configparser
import json

import esprima
import pytest

from harness.gate import (
    GateOptions,
    canary,
    coverage,
    edits,
    gate,
    golden,
    operators,
    schedule,
    self_test,
)
from harness.gate.mutants import MUTANTS
from harness.gate.mutation import load_equivalent
from harness.gate.probes.human import PROBES
from harness.gate.report import write
from harness.resources import SCENARIOS
from harness.run import RunOptions
from harness.run import pytest_command as run_command
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


def test_every_probe_applies_to_the_current_tracker_and_has_a_name_of_its_own():
    source = SCRIPT.read_text()
    names = [probe.name for probe in PROBES]
    assert len(names) == len(set(names)), sorted(n for n in names if names.count(n) > 1)
    programs = {probe.apply(source) for probe in PROBES}
    assert source not in programs and len(programs) == len(PROBES)


def test_golden_covers_the_scenarios():
    reference = golden.load()
    assert len(reference) > 60
    # Each scenario in the browsers it runs in: both, but for the few marked for one only.
    assert all(browsers and set(browsers) <= {"chromium", "firefox"}
               for browsers in reference.values())
    both = sum(set(browsers) == {"chromium", "firefox"} for browsers in reference.values())
    assert both >= 0.9 * len(reference), f"{len(reference) - both} scenarios in one browser"


INSTALLS = "test_visits::test_other_installs_track_the_same"
STALE = INSTALLS + r"[portal-/account.html-Your account \u2014 Member portal]"
MISSING = INSTALLS + r"[tagged-/offers.html-Offers \u2014 Northwind Travel]"
INTACT = "test_visits::test_query_is_kept_but_tracking_parameter_is_not"


@pytest.mark.browser
@pytest.mark.slow
def test_the_suites_scenario_runs_fail_on_stale_or_missing_golden_payloads(pytester, tmp_path,
                                                                            pytestconfig):
    # The suite runs every scenario with the reference and compares its payloads with its
    # golden entry, as the gate does: here three scenarios, in each browser the suite runs,
    # against a copy of golden.json in which one entry was recorded from a changed
    # scenario, one was never recorded and one is as shipped. One child run for all.
    browsers = pytestconfig.getoption("--browser") or ["chromium"]
    copy, titles = golden.load(), {}
    for browser in browsers:
        (visit,) = [i for i in copy[STALE][browser] if i["type"] == "website_visited"]
        titles[browser], visit["msdynci_viewtitle"] = visit["msdynci_viewtitle"], "Changed"
        del copy[MISSING][browser]
    path = tmp_path / "golden.json"
    golden.save(copy, path)
    result = pytester.runpytest_subprocess(
        str(SCENARIOS / "test_visits.py"), "-k", "other_installs or query_is_kept",
        *(f"--browser={browser}" for browser in browsers), "-p", "no:cacheprovider",
        "-p", "no:hypothesispytest", "-p", "no:anyio",
        f"--webtrack-golden={path}")
    out = result.stdout.str()
    # Each scenario itself passed; the check fails the two whose golden entry is wrong.
    result.assert_outcomes(passed=3 * len(browsers), errors=2 * len(browsers))
    for browser in browsers:
        assert f"{STALE} [{browser}]: payloads differ from its golden entry in {path}" in out
        assert f"msdynci_viewtitle: reference 'Changed', candidate {titles[browser]!r}" in out
        assert f"{MISSING} has no golden payloads for {browser} in {path}" in out
    # Once per failing scenario in the errors' own text; the summary's lines are cut to the
    # terminal's width, or kept whole where CI is set, so they are not counted.
    errors, summary = out.split("short test summary")
    assert errors.count("webtrack gate update-golden") == 2 * len(browsers), out
    assert INTACT not in summary, out


def test_webtrack_run_and_gate_leave_the_golden_check_to_the_gate():
    # Their child pytest reads scenarios.ini: a user's run is not held to our recording,
    # and the gate compares after the run, from the evidence.
    command = run_command(RunOptions())
    ini = configparser.ConfigParser()
    ini.read(command[command.index("-c") + 1])
    assert "--webtrack-golden=off" in ini["pytest"]["addopts"].split()


@pytest.mark.browser
@pytest.mark.slow
@pytest.mark.only_browser("chromium")
def test_a_mutant_fails_the_gate(tmp_path, browser_name):
    # What only the gate proves, on a small part of the contract: a regression fails it.
    # That the reference passes is the budget test's first gate below, and every scenario's
    # golden payloads are checked by the suite's own scenario runs in both browsers
    # (harness/scenarios/conftest.py), not by a whole gate here.
    report = self_test(tmp_path / "self", browsers=["chromium"], only=["swapped-buttons"],
                       select="mouse_buttons")
    (row,) = report["mutants"]
    assert row["caught"] and any("RClick" in c or "MClick" in c for c in row["caught_by"])


@pytest.mark.browser
@pytest.mark.slow
@pytest.mark.only_browser("chromium")
def test_the_reference_passes_and_budgets_fail_only_when_configured(tmp_path, browser_name):
    options = dict(script=SCRIPT, browsers=["chromium"], workers=1, measure_cost=False,
                   select="every_visit_field")
    # The gate's plumbing with the reference: its run, the evidence, the golden comparison.
    free = gate(GateOptions(out=tmp_path / "a", **options))
    assert free["passed"] and free["over_budget"] == [], (free["failed"],
                                                          free["payload_changes"])
    assert free["payload_changes"] == [] and free["summary"]["passed"] == 1
    tight = gate(GateOptions(out=tmp_path / "b", budget_gzip_bytes=100, **options))
    assert not tight["passed"] and "over the budget of 100 B" in tight["over_budget"][0]


# -- mechanical mutants -------------------------------------------------------------------

SNIPPET = """(function () {
  var limit = 3, name = "x", on = true;
  function f(a, b) {
    if (a < limit && !b) return a + 1;
    b++;
    return name;
  }
  f(1, on);
})();
"""


@pytest.mark.parametrize("operator,original,replacement", [
    ("statement-deletion", "b++;", ""),
    ("statement-deletion", "return a + 1;", "{}"),
    ("function-body-removal", "{\n    if (a < limit", "{}"),
    ("condition-true", "a < limit && !b", "true"),
    ("condition-false", "a < limit && !b", "false"),
    ("condition-negation", "a < limit && !b", "!(a < limit && !b)"),
    ("boundary", "a < limit", "a <= limit"),
    ("relational-negation", "a < limit", "a >= limit"),
    ("logical-operator", "a < limit && !b", "a < limit || !b"),
    ("logical-left-only", "a < limit && !b", "(a < limit)"),
    ("logical-right-only", "a < limit && !b", "(!b)"),
    ("unary-removal", "!b", "b"),
    ("arithmetic-operator", "a + 1", "a - 1"),
    ("number-literal", "3", "0"),
    ("number-literal", "3", "4"),
    ("string-literal", '"x"', '""'),
    ("boolean-literal", "true", "false"),
    ("update-operator", "b++", "b--"),
    ("return-value", "return name;", "return;"),
    ("call-result", None, None),  # f(1, on) is a statement: deleted, never "undefined"
])
def test_each_operator_mutates_what_it_should(operator, original, replacement):
    found = [m for m in operators.generate(SNIPPET, check=False) if m.operator == operator]
    if original is None:
        assert found == []
        return
    assert any(m.original.startswith(original) and m.replacement == replacement
               for m in found), [(m.original, m.replacement) for m in found]


def test_mutants_are_distinct_programs_that_parse():
    checked = operators.generate(SNIPPET, check=True)
    unchecked = operators.generate(SNIPPET, check=False)
    assert [m.id for m in checked] == [m.id for m in unchecked]
    programs = [m.apply(SNIPPET) for m in unchecked]
    assert len(set(programs)) == len(programs) and SNIPPET not in programs


def test_mutant_ids_survive_unrelated_edits():
    before = {m.id: m.original for m in operators.generate(SNIPPET, check=False)}
    edited = SNIPPET.replace("  f(1, on);", "  var extra = 7;\n  f(1, on);")
    after = {m.id: m.original for m in operators.generate(edited, check=False)}
    inside_f = {i for i in before if "@f:" in i}
    assert inside_f and inside_f <= set(after)
    assert all(before[i] == after[i] for i in inside_f)


def test_every_statement_of_the_tracker_is_mutated():
    source = SCRIPT.read_text()
    mutants = operators.generate(source, check=False)
    assert len(mutants) > 300 and len({m.id for m in mutants}) == len(mutants)
    deleted = {m.start for m in mutants if m.operator == "statement-deletion"}
    tree = esprima.parseScript(source, range=True)
    statements = [n for n, parent, key, _ in operators._walk(tree)
                  if n.type.endswith("Statement") and n.type not in operators.NOT_DELETED
                  and not getattr(n, "directive", None) and parent.type != "Program"]
    assert statements and all(s.range[0] in deleted for s in statements)
    for mutant in mutants[::25]:  # a sample parses (generate checks them all by default)
        if mutant.operator not in edits.UNPARSED:  # past esprima's ES2017
            esprima.parseScript(mutant.apply(source))


def test_equivalent_mutants_are_reviewed_and_current():
    reasons = load_equivalent()
    current = {m.id for m in operators.generate(SCRIPT.read_text(), check=False)}
    assert set(reasons) <= current, f"stale entries: {sorted(set(reasons) - current)}"
    assert all(len(reason) > 20 for reason in reasons.values())


def test_a_mutant_reviewed_twice_is_refused(tmp_path):
    entry = '[[mutant]]\nid = "x@top:1"\nchange = "a → b"\nreason = "{}"\n'
    reviewed = tmp_path / "equivalent.toml"
    reviewed.write_text(entry.format("one reason") + entry.format("another reason"))
    with pytest.raises(ValueError, match="x@top:1 is reviewed twice"):
        load_equivalent(reviewed)


@pytest.mark.parametrize("ranges,spans", [
    ([[(0, 100, 1)]], [(0, 100)]),
    ([[(0, 100, 1), (10, 20, 0)]], [(0, 10), (20, 100)]),
    ([[(0, 100, 1)], [(30, 60, 0)], [(40, 50, 2)]], [(0, 30), (40, 50), (60, 100)]),
    ([[(0, 100, 0)]], []),
])
def test_covered_spans_take_the_innermost_count(ranges, spans):
    functions = [{"ranges": [{"startOffset": s, "endOffset": e, "count": c} for s, e, c in f]}
                 for f in ranges]
    assert coverage.covered_spans(functions) == spans


@pytest.mark.parametrize("start,end,touched", [
    (0, 5, True), (10, 20, False), (15, 25, True), (19, 20, False), (20, 20, True)])
def test_a_mutant_is_touched_when_its_text_ran(start, end, touched):
    assert coverage.touches([(0, 10), (20, 30)], start, end) is touched


@pytest.mark.parametrize("nodeid,key", [
    ("harness/scenarios/test_clicks.py::test_outbound_link[chromium]",
     "test_clicks::test_outbound_link"),
    ("harness/scenarios/test_clicks.py::test_keys[chromium-#add-lamp--Enter-KEnter]",
     "test_clicks::test_keys[#add-lamp--Enter-KEnter]"),
    ("test_visits.py::test_plain", "test_visits::test_plain"),
])
def test_scenario_keys_match_the_golden_file(nodeid, key):
    assert schedule.scenario_key(nodeid) == key


def test_scenarios_are_tried_by_kills_per_second_nearest_first():
    learning = schedule.Learning({"a": 1, "b": 0.5, "c": 1, "d": 1})
    assert learning.order(["a", "b", "c", "d"]) == ["b", "a", "c", "d"]  # quickest first
    # c caught 2 mutants in 2 s; d caught 2 by waiting out 20 s of timeouts.
    for nodeid, seconds in (("c", 1), ("c", 1), ("d", 10), ("d", 10)):
        learning.record(nodeid, seconds, True, "flush", 90)
    assert learning.order(["a", "b", "c", "d"], "view", 120) == ["c", "b", "a", "d"]
    # a caught one mutant of line 12 slowly: the next mutant of line 12 tries it first.
    learning.record("a", 8, True, "top", 12)
    assert learning.order(["a", "b", "c", "d"], "top", 12)[0] == "a"
    assert learning.order(["a", "b", "c", "d"], "view", 120)[0] == "c"
    assert schedule.covering(5, 6, {"a": [(0, 10)], "b": [(20, 30)], "c": None}) == ["a", "c"]


def test_an_earlier_killer_goes_first_and_earlier_kills_seed_the_order(tmp_path):
    learning = schedule.Learning({"a": 1, "b": 0.5, "c": 1})
    assert learning.order(["a", "b", "c"], first="c") == ["c", "b", "a"]
    assert learning.order(["a", "b"], first="gone") == ["b", "a"]  # not in this run
    rows = [{"id": "m1", "status": "killed", "by": "a"},
            {"id": "m2", "status": "survived", "by": None},
            {"id": "m3", "status": "killed", "by": "renamed"},
            {"id": "m1", "status": "killed", "by": "c"}]  # a later run: it wins
    assert {i: r["by"] for i, r in schedule.hints(rows, {"a", "b", "c"}).items()} == {
        "m1": "c"}

    from harness.gate.runstate import RunState

    state = RunState()
    state.configure({"reference": "", "durations": {"a": 1, "b": 0.5, "c": 1},
                     "stable": [], "out": str(tmp_path), "expect_wait": 1,
                     "action_timeout_ms": 1000, "first": {"m1": "c"},
                     "seed": [{"status": "killed", "by": "a", "killer_s": 1.0,
                               "function": "view", "line": 7}]},
                    {"a": None, "b": None, "c": None})
    assert state.learning.order(["a", "b", "c"], "view", 7)[0] == "a"
    # What another worker finds is learnt too, once its line is complete.
    (tmp_path / "mutants-gw1.jsonl").write_text(
        '{"status": "killed", "by": "c", "killer_s": 0.1, "function": "track", '
        '"line": 40}\n{"status": "killed", "by": "b"')
    state.absorb("gw0")
    assert state.learning.order(["a", "b", "c"], "track", 40)[0] == "c"
    state.absorb("gw0")  # read once
    assert state.learning.kills[("*", "c")] == 1


@pytest.mark.parametrize("rows,whole,expected", [
    ([{"id": "m1", "status": "killed", "by": "b"}], True, {"m1": "b", "m2": "a"}),  # latest
    ([{"id": "m2", "status": "survived", "by": None}], True, {"m1": "a"}),  # no longer kills
    ([{"id": "m2", "status": "survived", "by": None}], False, {"m1": "a", "m2": "a"}),  # -k
    ([{"id": "m2", "status": "equivalent"}], True, {"m1": "a"}),
    ([{"id": "m1", "status": "error", "by": "c"}], True, {"m1": "a", "m2": "a"}),  # says nothing
    ([{"id": "m9", "status": "killed", "by": "c"}], True, {"m1": "a", "m2": "a"}),  # not current
])
def test_the_kill_history_keeps_each_mutants_latest_killer(rows, whole, expected):
    old = {"m1": "a", "m2": "a", "gone": "a"}
    assert schedule.remembered(old, rows, {"m1", "m2"}, whole) == expected


def test_the_reference_is_run_again_when_anything_it_depends_on_changes(tmp_path):
    from harness.gate.mutation import MutationOptions, reference_key

    (tmp_path / "gate").mkdir()
    (tmp_path / "tracker.js").write_text("a")
    (tmp_path / "gate" / "killers.json").write_text("{}")
    options = MutationOptions()
    before = reference_key(options, tmp_path)
    (tmp_path / "gate" / "killers.json").write_text('{"m": "a"}')  # written by each run
    assert reference_key(options, tmp_path) == before
    (tmp_path / "tracker.js").write_text("b")
    assert reference_key(options, tmp_path) != before
    assert reference_key(MutationOptions(select="clicks"), tmp_path) != reference_key(
        options, tmp_path)


def test_score_leaves_out_equivalent_mutants():
    rows = [{"status": s} for s in ["killed"] * 18 + ["survived", "not_covered"] +
            ["equivalent"] * 5]
    counts = schedule.score(rows)
    assert counts["score"] == 90.0 and counts["total"] == 25 and counts["equivalent"] == 5


def test_canary_explains_what_the_page_did_instead():
    text = canary.explain(10, ["TypeError: x is null"], [
        {"method": "GET", "url": "http://shop.localhost:1/", "type": "document", "status": 200},
        {"method": "POST", "url": "http://collector.localhost:1/track", "type": "ping",
         "status": 404}], 0)
    assert "within 10 s" in text and "TypeError" in text and "/track → 404" in text
    assert "sent nothing" in canary.explain(10, [], [], 0)
    quick = canary.explain(1, [], [], 0, page_minutes=10)
    assert "nothing was sent within 10 minutes of page time" in quick and "sent nothing" in quick


@pytest.mark.browser
@pytest.mark.slow
@pytest.mark.only_browser("chromium")
def test_a_script_that_never_sends_is_stopped_early(tmp_path, browser_name):
    silent = tmp_path / "silent.js"
    silent.write_text('(function () { "use strict"; })();\n')
    result = gate(GateOptions(script=silent, browsers=["chromium"], workers=1,
                              out=tmp_path / "gate"))
    assert not result["passed"]
    stopped = result["stopped_early"]
    # Answered on the page's clock: nothing went out in ten minutes of page time.
    assert stopped and "nothing was sent within 10 minutes" in stopped["reason"], \
        result["canary"]
    assert "sent nothing" in stopped["reason"]
    # Stopped, not run to the end: most scenarios never finished.
    assert result["summary"]["total"] < 30, result["summary"]
    write(result, tmp_path / "gate")
    assert "Stopped early" in (tmp_path / "gate" / "report.html").read_text()


@pytest.mark.browser
@pytest.mark.slow
@pytest.mark.only_browser("chromium")
def test_mutation_run_kills_reports_survivors_and_uncovered(tmp_path, browser_name):
    from harness.gate.mutation import MutationOptions, mutation

    source = SCRIPT.read_text()
    everything = operators.generate(source, check=False)

    def find(operator, original, before=""):
        return next(m for m in everything if m.operator == operator and
                    m.original == original and before in source[m.start - 20:m.start])

    swapped = find("string-literal", '"RClick"')
    # pageshow is dispatched at window itself: capture or not, the listener runs the same.
    survivor = find("boolean-literal", "false", 'on("pageshow", ')
    uncovered = find("statement-deletion", "keyTarget = el;")  # keys: not run here
    # A kill history that names, for the survivor, a scenario that does not kill it: it
    # goes first, and the survivor still survives (history orders, never counts).
    history = tmp_path / "killers.json"
    history.write_text(json.dumps({survivor.id: "harness/scenarios/test_clicks.py::"
                                   "test_mouse_buttons_on_a_link[chromium-right-RClick]"}))
    # The right button only: a middle click opens a tab, whose scripts ran before coverage
    # could start, so that scenario is taken to cover everything and nothing would be left
    # uncovered.
    result = mutation(MutationOptions(out=tmp_path, workers=1,
                                      select="mouse_buttons and right",
                                      only=[swapped.id, survivor.id, uncovered.id],
                                      equivalent=tmp_path / "none.toml", history=history))
    rows = {r["id"]: r for r in result["mutants"]}
    # -k ran part of the contract: the kill is remembered, the survivor's entry kept.
    assert json.loads(history.read_text())[swapped.id] == rows[swapped.id]["by"]
    assert rows[swapped.id]["status"] == "killed", rows[swapped.id]
    assert "test_mouse_buttons_on_a_link" in rows[swapped.id]["by"]
    assert rows[survivor.id]["status"] == "survived" and rows[survivor.id]["tried"] == 1
    assert '+  on("pageshow", true' in rows[survivor.id]["diff"]
    assert rows[uncovered.id]["status"] == "not_covered"
    assert result["summary"]["total"] == 3
