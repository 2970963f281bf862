"""The rendered audit reads a page only once what the page still loads has landed."""

import pytest
from served import Pages

from harness.audit.config import AuditConfig
from harness.audit.rules import apply_policy, check
from harness.audit.targets import load_rendered

ORIGIN = "http://collector.localhost:8800"
CONFIG = AuditConfig(collector_origins=[ORIGIN], sites=["shop"])
LATE_S = 1.0  # each file below is answered this late: later than `load`, within the limit


def _inserts(src: str) -> str:
    return (f"var s = document.createElement('script'); s.src = {src}; "
            "s.dataset.site = 'shop'; document.head.appendChild(s);")


FILES = {
    "/late-module.js": "export function load() { " + _inserts(f"'{ORIGIN}/tracker.js'") + " }",
    "/late-first.js": _inserts("'/late-second.js'"),
    "/late-second.js": _inserts(f"'{ORIGIN}/tracker.js'"),
    # A module awaiting import() at its top level: `load` does not wait for the import.
    "/module.html": "<!doctype html><html><head><title>m</title><script type=module>"
                    "const { load } = await import('/late-module.js'); load();"
                    "</script></head><body></body></html>",
    # A timer inserts a late script, which inserts another late one, which installs.
    "/chain.html": "<!doctype html><html><head><title>c</title><script>"
                   "setTimeout(function () {" + _inserts("'/late-first.js'") + "}, 60000);"
                   "</script></head><body></body></html>",
    # The same chain beside parked tags (a consent tool's text/plain) whose type is set to
    # JavaScript after they went in, one by the markup, one by a script: the browser
    # fetches neither, so neither holds the page as a load still coming.
    "/parked.html": "<!doctype html><html><head><title>k</title>"
                    "<script type='text/plain' src='/parked-1.js'></script><script>"
                    "document.scripts[0].type = 'text/javascript';"
                    "var p = document.createElement('script'); p.type = 'text/plain';"
                    "p.src = '/parked-2.js'; document.head.appendChild(p);"
                    "p.type = 'text/javascript';"
                    "setTimeout(function () {" + _inserts("'/late-first.js'") + "}, 60000);"
                    "</script></head><body></body></html>",
    # A request that never ends (a long poll) beside a timer that installs.
    "/polling.html": "<!doctype html><html><head><title>p</title><script>"
                     "fetch('/poll');"
                     "setTimeout(function () {" + _inserts(f"'{ORIGIN}/tracker.js'") + "}, 60000);"
                     "</script></head><body></body></html>",
}


@pytest.mark.browser
def test_rendered_audit_waits_for_late_loads_and_runs_timers_beside_a_long_poll(browser_name):
    slow = {p: LATE_S for p in FILES if p.endswith(".js")}
    server = Pages({**FILES, "/poll": ""}, slow={**slow, "/poll": 30})
    try:
        urls = [server.url(p) for p in ("/module.html", "/chain.html", "/parked.html",
                                        "/polling.html")]
        pages = list(load_rendered([(u, None) for u in urls], browser_name))
    finally:
        server.stop()
    rules = []
    for parsed in pages:
        assert not isinstance(parsed, Exception), parsed
        kept, _ = apply_policy(check(parsed, CONFIG), CONFIG)
        rules.append(sorted({f.rule for f in kept if f.severity != "note"}))
    assert rules == [[], [], [], []], "a late install was read as no install (WT001)"


ATTRIBUTES = [{}, {"type": ""}, {"type": " Text/JavaScript "}, {"type": "module"},
              {"type": "MODULE", "nomodule": ""}, {"type": "text/plain"},
              {"type": "application/x-ecmascript"}, {"type": "text/javascript1.5"},
              {"language": "JavaScript"}, {"language": "vbscript"},
              {"type": "", "language": "vbscript"}, {"nomodule": ""},
              {"for": "window", "event": "onload()"}, {"for": "document", "event": "onload"},
              {"for": "window"}, {"type": "text/jscript", "for": " WINDOW ", "event": "OnLoad"}]


@pytest.mark.only_browser("chromium")
def test_the_rendered_pages_reading_of_script_types_is_the_static_audits(browser):
    """The init script's own reading of whether a script runs (whether one still coming
    holds the page) is page.py's, attribute by attribute."""
    from harness.audit.page import runs_as_script, script_kind
    from harness.audit.targets import MARK_INSERTED

    context = browser.new_context()
    try:
        context.add_init_script(MARK_INSERTED)
        page = context.new_page()
        page.goto("about:blank")
        got = page.evaluate("(all) => all.map((a) => [window.__webtrackMarks.kindOf(a),"
                            " window.__webtrackMarks.runsWith(a)])", ATTRIBUTES)
    finally:
        context.close()
    assert got == [[script_kind(a), runs_as_script(a)] for a in ATTRIBUTES]
