"""The gate's test-impact selection: candidate → changed reference ranges → scenarios."""

from __future__ import annotations

import pytest

from harness.gate import coverage, impact, operators, selection
from harness.gate import documents as documents_
from harness.gate.impact import Entry
from harness.tracker import SCRIPT

REFERENCE = """(function (w) {
  "use strict";
  var n = 1;
  function used(a) {
    if (a > n) { return a; } else { return n; }
  }
  function unused(b) {
    var c = b * 2;
    return c + 1;
  }
  w.x = used(2);
})(window);
"""


def _edit(old: str, new: str, count: int = 1) -> str:
    assert REFERENCE.count(old) == count, old
    return REFERENCE.replace(old, new)


def _range(text: str) -> tuple[int, int]:
    start = REFERENCE.index(text)
    return start, start + len(text)


def _within(change: impact.Change, text: str) -> bool:
    start, end = _range(text)
    return start <= change.start and change.end <= end


# (case, candidate, what the changes must be: "identical", "everything: <reason part>", or
#  the reference text each change lies within, in order, and "widened" when it was)
CASES = [
    ("identical", REFERENCE, "identical"),
    ("whitespace and comments only", _edit("  var n = 1;\n", "\n    var n   =   1; // one\n"),
     "identical"),
    ("a line break after return (a semicolon inserted)",
     _edit("return c + 1;", "return\nc + 1;"), ["return c + 1;\n  }"]),
    ("replacement inside a function", _edit("b * 2", "b * 3"), ["= b * 2;"]),
    ("deletion inside a function", _edit("    return c + 1;\n", "    return 0;\n"),
     ["return c + 1;\n  }"]),
    ("insertion inside a function", _edit("    return c + 1;", "    c++; return c + 1;"),
     ["2;\n    return c"]),
    ("insertion at the top level", _edit("  w.x = used(2);", "  w.y = 1; w.x = used(2);"),
     ["}\n  w.x"]),
    ("a deleted else runs its block after the other",
     _edit("} else { return n; }", "} { return n; }"), ["} else {"]),
    ("a function wrapped around a call (two insertions, brackets matched up)",
     _edit("w.x = used(2);", "setTimeout(function () { w.x = used(2); }, 5);"),
     ["}\n  w.x = used(2);\n})"]),
    ("a renamed function: every use of its name", _edit("function unused(", "function gone("),
     ["widened", REFERENCE[REFERENCE.index("function (w)"):REFERENCE.rindex("}") + 1]]),
    ("a var declared in a block: the whole function",
     _edit("{ return a; }", "{ var w = 0; return a; }"),
     ["widened",
      REFERENCE[REFERENCE.index("function used"):REFERENCE.index("\n  function unused")]]),
    ("code commented out across two functions: every token in between",
     REFERENCE[:REFERENCE.index("    if (a")] + "/*" + REFERENCE[REFERENCE.index("    if (a"):
                                                             REFERENCE.index("    return c")]
     + "*/" + REFERENCE[REFERENCE.index("    return c"):],
     ["widened", REFERENCE[REFERENCE.index("function (w)"):REFERENCE.rindex("}") + 1]]),
    ("a full rewrite", "(function () { window.x = 2; })();\n", "everything: most of its text"),
    ("a minified copy", "(function(w){var n=1;function u(a){return a>n?a:n}w.x=u(2)})(window);",
     "everything: most of its text"),
    ("a candidate that does not parse", _edit("b * 2", "b * "), "everything: does not parse"),
]


@pytest.mark.parametrize("case,candidate,expected", CASES, ids=[c[0] for c in CASES])
def test_a_candidate_maps_onto_the_reference(case, candidate, expected):
    mapping = impact.compare(REFERENCE, candidate)
    if expected == "identical":
        assert mapping.identical, mapping
    elif isinstance(expected, str):
        assert mapping.everything and expected.removeprefix("everything: ") in \
            mapping.everything, mapping
    else:
        assert not mapping.everything, mapping.everything
        widened = expected[0] == "widened"
        places = expected[1:] if widened else expected
        assert len(mapping.changes) == len(places), mapping.changes
        for change, place in zip(mapping.changes, places, strict=True):
            assert _within(change, place), (change, place)
            assert bool(change.widened) == widened, change


SPANS = {"everything-else": [(0, len(REFERENCE))],
         "calls-used": [_range("function (w)")[0:1] + (_range("function unused")[0],)],
         "top-only": [_range("var n = 1;"), _range("w.x = used(2);")]}


def _entries(**extra: Entry) -> dict[str, Entry]:
    entries = {"top": Entry([_range("var n = 1;"), _range("w.x = used(2);")], True),
               "used": Entry([_range("if (a > n) { return a; }")], True),
               "unused": Entry([_range("var c = b * 2;")], True)}
    return {**entries, **extra}


# (case, candidate, extra map entries, the scenarios chosen, without the smoke set)
CHOICES = [
    ("a change in code one scenario runs", _edit("b * 2", "b * 3"), {}, {"unused"}),
    ("a change in code nobody runs", _edit("return n;", "return 0;"), {}, set()),
    ("an insertion at the top level", _edit("  w.x = used(2);", "  w.y = 1; w.x = used(2);"),
     {}, {"top"}),
    ("unknown coverage runs whatever changed", _edit("return n;", "return 0;"),
     {"several-documents": Entry(None, True)}, {"several-documents"}),
    ("a scenario the reference failed runs whatever changed", _edit("return n;", "return 0;"),
     {"flaky": Entry([_range("return n;")[0:1] + (0,)], False)}, {"flaky"}),
    ("a rewrite runs every scenario", "(function () {})();", {"x": Entry([], True)},
     {"top", "used", "unused", "x"}),
]


@pytest.mark.parametrize("case,candidate,extra,expected", CHOICES, ids=[c[0] for c in CHOICES])
def test_the_scenarios_a_change_can_reach_are_chosen(case, candidate, extra, expected):
    entries = _entries(**extra)
    chosen = impact.choose(impact.compare(REFERENCE, candidate), entries, entries)
    smoke = set(impact.smoke(entries))
    assert set(chosen) - (smoke - expected) == expected, chosen
    assert all(chosen[k] for k in chosen)


def test_the_smoke_set_covers_the_most_and_only_clean_scenarios():
    entries = _entries(wide=Entry([(0, len(REFERENCE))], False), none=Entry(None, True))
    assert impact.smoke(entries, 2) == ["top", "used"] or impact.smoke(entries, 2)[0] == "top"
    assert "wide" not in impact.smoke(entries) and "none" not in impact.smoke(entries)
    # The same tokens: no change for any scenario to reach, whatever its coverage; only
    # the smoke set and what the reference did not pass cleanly run.
    same = impact.compare(REFERENCE, REFERENCE.replace("  var n", "\n    var   n"))
    assert set(impact.choose(same, entries, entries)) == set(impact.smoke(entries)) | {"wide"}
    edited = impact.compare(REFERENCE, REFERENCE.replace("return n;", "return 0;"))
    assert "none" in impact.choose(edited, entries, entries)


@pytest.mark.parametrize("key,browser,kept", [
    ("m::chosen", "chromium", True), ("m::not_chosen", "chromium", False),
    ("m::new", "chromium", True), ("m::not_chosen", "firefox", True),
    ("m::no_browser", None, True)])
def test_the_child_run_keeps_chosen_new_and_other_browsers_scenarios(key, browser, kept):
    assert selection.keeps(key, browser, {"m::chosen"}, {"m::chosen", "m::not_chosen"}) \
        is kept


@pytest.mark.parametrize("run, browsers, workers, expected", [
    (["a", "b", "c"], ["chromium"], 2, 1),             # a few: one process
    ([str(n) for n in range(11)], ["chromium"], 2, 2),  # more than a few: as asked
    (None, ["chromium"], 2, 2),                        # every scenario runs
    (["a"], ["chromium", "firefox"], 2, 2),            # Firefox runs every scenario
    (["a"], ["chromium"], 1, 1),                       # never more than asked
])
def test_a_small_selection_runs_in_one_process(run, browsers, workers, expected):
    from harness.gate import workers_for

    assert workers_for({"run": run}, browsers, workers) == expected


def _outcomes(**by_key):
    return {"scenarios": [{"id": k, "results": {"chromium": {"outcome": o}}}
                          for k, o in by_key.items()]}


@pytest.mark.parametrize("known, results, expected", [
    # chosen and ran of the map's three; one deselected by the selection still counts
    (["a", "b", "c"], _outcomes(a="passed", b="failed"),
     {"chosen": 2, "ran": 2, "of": 3, "new": []}),
    # one skipped in Chromium (marked for Firefox): not a Chromium scenario at all (F8)
    (["a", "b", "c"], _outcomes(a="passed", b="passed", ff="skipped"),
     {"chosen": 2, "ran": 2, "of": 3, "new": []}),
    # a new scenario ran: counted, and named
    (["a", "b", "c"], _outcomes(a="passed", b="passed", n="passed"),
     {"chosen": 2, "ran": 3, "of": 4, "new": ["n"]}),
])
def test_the_report_counts_chromium_scenarios_of_those_that_can_run(known, results, expected):
    from harness.gate import summarise

    chosen = {"mode": "selected", "run": ["a", "b"], "known": known}
    assert summarise(chosen, results)["chromium"] == expected


def test_mechanical_mutants_map_onto_their_own_site():
    """A sample of the mutation run's mutants: the diff finds each where it was made."""
    source = SCRIPT.read_text(encoding="utf-8")
    mutants = operators.generate(source, check=False)
    for mutant in mutants[::60]:
        mapping = impact.compare(source, mutant.apply(source))
        assert not mapping.identical, mutant.id
        if mapping.everything:  # only a mutant that removes most of the script, or one in
            # syntax esprima does not read (`??`): every scenario runs, which is sound
            assert len(mutant.original) > len(source) / 2 or \
                "does not parse" in mapping.everything, (mutant.id, mapping.everything)
        for change in mapping.changes:
            if change.widened:
                assert change.start <= mutant.start and mutant.end <= change.end, mutant.id
            else:  # the change, give or take a token either side, is the mutant's
                assert change.start <= mutant.end and mutant.start <= change.end, \
                    (mutant.id, change)


@pytest.mark.browser
@pytest.mark.only_browser("chromium")
def test_the_gate_runs_only_what_the_map_chooses(tmp_path, browser_name):
    """A map in which only the visit scenario runs the edited line: the gate runs it alone
    of the three -k keeps, and says why in its report."""
    import json

    from harness.gate import GateOptions, gate, mutation

    source = SCRIPT.read_text(encoding="utf-8")
    buttons = "harness/scenarios/test_clicks.py::test_mouse_buttons_on_a_link"
    spans = {f"{buttons}[chromium-right-RClick]": [[0, 10]],
             f"{buttons}[chromium-middle-MClick]": [[0, 10]],
             "harness/scenarios/test_visits.py::test_every_visit_field[chromium]":
                 [[0, len(source)]]}
    scenarios = [{"id": f"{m}::{n}", "results": {"chromium": {"outcome": "passed"}}}
                 for m, n in (("test_clicks", "test_mouse_buttons_on_a_link[right-RClick]"),
                              ("test_clicks", "test_mouse_buttons_on_a_link[middle-MClick]"),
                              ("test_visits", "test_every_visit_field"))]
    key = mutation.reference_key(mutation.MutationOptions(out=tmp_path))
    (tmp_path / "mutation").mkdir()
    selection.cache_file(tmp_path).write_text(json.dumps(
        {"key": key, "results": {"scenarios": scenarios}, "spans": spans}))
    candidate = tmp_path / "candidate.js"  # the same program, spelt differently
    candidate.write_text(source.replace("var YEAR = 31536000;", "var YEAR = 31536e3;"))
    result = gate(GateOptions(script=candidate, browsers=["chromium"], workers=1,
                              out=tmp_path, measure_cost=False, canary=False,
                              select="mouse_buttons or every_visit_field", everything=False))
    chosen = result["selection"]
    assert chosen["mode"] == "selected" and chosen["map"].startswith("reused"), chosen
    assert chosen["chromium"] == {"chosen": 1, "ran": 1, "of": 3, "new": []}, chosen
    assert [c["old"] for c in chosen["changes"]] == ["31536000"], chosen["changes"]
    assert chosen["why"] == {"test_visits::test_every_visit_field":
                             f"covers the change at {chosen['changes'][0]['start']}–"
                             f"{chosen['changes'][0]['end']}"}, chosen["why"]
    assert result["passed"], (result["failed"], result["payload_changes"])
    from harness.gate.report import write  # the report shows the selection, and renders
    write(result, tmp_path / "report")
    html = (tmp_path / "report" / "report.html").read_text(encoding="utf-8")
    assert "1 of 3 scenarios chosen" in html and "31536000" in html


def test_the_map_is_kept_and_never_used_for_other_inputs(tmp_path):
    entries = {"m::a": Entry([(0, 5)], True), "m::b": Entry(None, False)}
    selection.save(tmp_path, selection._key(tmp_path), entries)
    assert selection.load(tmp_path) == (entries, f"reused {selection.map_file(tmp_path)}")
    selection.save(tmp_path, "the digest of other inputs", entries)
    found, why = selection.load(tmp_path)
    assert found is None and "is stale" in why
    selection.map_file(tmp_path).write_text("{", encoding="utf-8")
    found, why = selection.load(tmp_path)
    assert found is None and "unreadable" in why
    # No map at all: every scenario runs, and the plan says why.
    plan = selection.plan(REFERENCE, REFERENCE.replace("b * 2", "b * 3"), tmp_path / "none",
                          1, build_map=False)
    assert plan["mode"] == "all" and plan["run"] is None
    assert "no reference coverage map" in plan["fallback"]


# -- what a scenario's coverage is taken to cover -----------------------------------------

@pytest.mark.parametrize("spans, documents, marked, others, whole", [
    ([(0, 10)], 1, 1, 0, True),   # one document, no other tab: what it ran
    ([(0, 10)], 1, 0, 0, True),   # one document, never left: nothing of it can be dropped
    ([(0, 10)], 3, 3, 0, True),   # three documents, every one's mark kept: nothing dropped
    ([(0, 10)], 2, 1, 0, False),  # a mark lost: coverage dropped, or a document elsewhere
    ([(0, 10)], 3, 2, 0, False),  # one restored from the back-forward cache: no new mark
    ([(0, 10)], 2, 3, 0, False),  # more marks than documents: nothing to trust
    ([(0, 10)], 1, 1, 1, False),  # a tab opened: its scripts ran before coverage could start
    ([], 1, 1, 0, False),         # nothing recorded at all
])
def test_a_scenario_covers_everything_where_its_coverage_cannot_be_whole(
        spans, documents, marked, others, whole):
    assert documents_.taken(spans, documents, marked, others) == (spans if whole else None)


@pytest.mark.parametrize("ranges, offset, count", [
    ([(0, 50, 2)], 10, 2),                 # the function's own count
    ([(0, 50, 3), (5, 20, 1)], 10, 1),     # the innermost block holding it
    ([(0, 50, 3), (5, 20, 1)], 30, 3),     # outside the block: the function's
    ([(0, 50, 3)], 60, 0),                 # nothing holds it
])
def test_the_marker_is_counted_by_its_innermost_range(ranges, offset, count):
    functions = [{"ranges": [{"startOffset": s, "endOffset": e, "count": c}
                             for s, e, c in ranges]}]
    assert documents_.count_at(functions, offset) == count


TRACKER = """function onLoad() { return 1 }
function onHide() { return 2 }
function onClick() { return 3 }
function never() { return 4 }
onLoad();
addEventListener('pagehide', function () { onHide() });
document.addEventListener('click', function () { onClick() });
"""


@pytest.mark.browser
@pytest.mark.only_browser("chromium")
def test_coverage_spans_the_documents_of_a_page(playwright, browser_type_launch_args):
    """In the coverage run's Chromium: what a document ran before it was left (a click
    handler) and as it was left (pagehide) is kept beside the next one's, a function nobody
    calls stays out; a history-API navigation is no document, one that never reached `load`
    is (the reviewer's case). A document committed in another process drops what the
    page's first ones ran: the marker finds it, and the scenario covers everything."""
    from served import Pages

    site = Pages({"/a.html": '<script src="/tracker.js"></script><a id="go" href="/b.html">b</a>',
                  "/b.html": '<script src="/tracker.js"></script><img src="/slow.gif">b',
                  "/slow.gif": "", "/tracker.js": TRACKER}, slow={"/slow.gif": 2})
    args = [*browser_type_launch_args.get("args", []), *documents_.launch_args()]
    browser = playwright.chromium.launch(**{**browser_type_launch_args, "args": args})
    try:
        page = browser.new_page()
        recorder = documents_.Documents(page.context.new_cdp_session(page)).start()
        page.goto(site.url("/a.html"))
        page.evaluate("history.pushState({}, '', '/a2.html')")  # no new document
        page.click("#go", no_wait_after=True)
        page.wait_for_url("**/b.html", wait_until="commit")
        page.wait_for_function("() => document.readyState !== 'complete' && "
                               "location.pathname === '/b.html'")
        assert [d.rsplit("/", 1)[1] for d in recorder.urls] == ["a.html", "b.html"]
        spans = recorder.finish(other_pages=0)
        assert spans is not None and recorder.marked == 2, recorder

        def ran(name: str) -> bool:
            start = TRACKER.index(f"function {name}")
            return coverage.touches(spans, TRACKER.index("return", start),
                                    TRACKER.index("}", start))

        assert [ran(f) for f in ("onLoad", "onHide", "onClick", "never")] == \
            [True, True, True, False], spans
        page = browser.new_page()  # a new page: the coverage is taken once, at the end
        recorder = documents_.Documents(page.context.new_cdp_session(page)).start()
        page.goto(site.url("/a.html"))
        page.goto(site.url("/a.html").replace("shop.localhost", "127.0.0.1"))
        assert recorder.finish(other_pages=0) is None and recorder.marked == 1, recorder
    finally:
        browser.close()
        site.stop()
