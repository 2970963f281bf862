"""What a page's scripts do at run time that decides an install: an exception that stops a
classic script before its loader (and a catch that loads), callbacks of standard APIs that
certainly call back as the page loads, a site named only after the tracker ran, a second run
by eval of a fetched copy, script loaders (RequireJS, SystemJS) and javascript: frames. Each
page is audited statically and rendered in Chromium and Firefox: all must agree."""


import pytest
from test_audit_shapes import CONFIG, FILES, TAG, URL, _html, audited_both_ways, insert, js, page

from harness.audit.page import parse
from harness.audit.rules import check
from harness.consent_audit.autoconsent import locate

BARE = TAG.replace(' data-site="shop"', "").replace(" defer", "")
SELECT = "document.querySelector('script[src*=\"tracker.js\"]')"
LOADER = insert().replace("s.setAttribute('data-site', 'shop'); ", "")
# What the pages load from their own origin, besides test_audit_shapes.FILES: the module
# loaders are the libraries themselves, as setup.sh installs them from npm.
OWN = {"/helpers.js": "function wtHelper() { return 1; }", "/js/wt-main.js": insert(),
       "/js/require.js": (locate("requirejs") / "require.js").read_text(),
       "/js/systemjs/s.min.js": (locate("systemjs") / "dist" / "s.min.js").read_text()}
REQUIRE = '<script src="/js/require.js"></script>'
SYSTEM = '<script src="/js/systemjs/s.min.js"></script>'

# (what, head, body, rules both audits must report)
RUNTIME = [
    # 1. An exception stops a classic script where it is thrown.
    ("a call of an undeclared global before the loader: ReferenceError", js(
        "undefinedFn();" + insert()), "", ["WT001"]),
    ("$() with no jQuery on the page: ReferenceError", js(
        "$('.menu').hide();" + insert()), "", ["WT001"]),
    ("jQuery(fn) with no jQuery on the page: ReferenceError", js(
        "jQuery(function () {});" + insert()), "", ["WT001"]),
    ("a property of a global no script sets: TypeError", js(
        "var site = window.cfg.site;" + insert()), "", ["WT001"]),
    ("a method of a global no script sets: TypeError", js(
        "window.wtConsent.init();" + insert()), "", ["WT001"]),
    ("an undeclared name read: ReferenceError", js("var c = wtConfig;" + insert()), "",
     ["WT001"]),
    ("a call of a declared but unset variable: TypeError", js(
        "var boot; boot();" + insert()), "", ["WT001"]),
    ("an undeclared call in try, the loader in catch: it loads", js(
        "try { undefinedFn(); } catch (e) {" + insert() + "}"), "", []),
    ("an undeclared call in try, the loader after it: it loads", js(
        "try { undefinedFn(); } catch (e) {}" + insert()), "", []),
    ("an undeclared call in try, the loader in finally: it loads", js(
        "try { undefinedFn(); } finally {" + insert() + "}"), "", []),
    ("an undeclared call in a function the loader calls first: nothing loads", js(
        "function boot() { undefinedFn(); " + insert() + "} boot();"), "", ["WT001"]),
    ("the script stops, the next script runs: it loads", js("undefinedFn();") + js(insert()),
     "", []),
    ("a function a later script declares, called before: ReferenceError", js(
        "wtHelper();" + insert()) + js("function wtHelper() {}"), "", ["WT001"]),
    ("a global an earlier script defines: it is called", js("function wtHelper() {}") + js(
        "wtHelper();" + insert()), "", []),
    ("a global the site's own file defines: it is called",
     '<script src="/helpers.js"></script>' + js("wtHelper();" + insert()), "", []),
    ("optional chaining on a global no script sets: undefined, it loads", js(
        "var site = window.siteCfg?.id || 'x'; window.wtBoot?.();" + insert()), "", []),
    ("an element a script wrote is a global: it loads", js(
        "document.write('<div id=\"wtBox\"></div>');") + js("wtBox.title = 'a';" + insert()),
     "", []),
    ("SharedArrayBuffer (on every cross-origin isolated page) is not judged to throw", js(
        "if (self.crossOriginIsolated) new SharedArrayBuffer(8);" + insert()), "", []),
    ("a global set by assignment in an earlier script", js("window.wtCfg = {site: 'shop'};")
     + js("var site = window.wtCfg.site;" + insert()), "", []),
    ("typeof of an undeclared name never throws", js(
        "if (typeof wtq === 'undefined') {" + insert() + "}"), "", []),
    ("an element's id is a global: reading it does not throw", "", '<div id="wtbox"></div>' +
     js("wtbox.hidden = false;" + insert()), []),
    ("browser globals are defined: no throw", js(
        "console.log(navigator.userAgent); performance.now(); new IntersectionObserver("
        "function () {}); history.length;" + insert()), "", []),
    ("delete of an undeclared name does not throw", js("delete wtOld;" + insert()), "", []),
    # 2. Callbacks of standard APIs that certainly call back as the page loads.
    ("Promise.resolve().then(fn)", js("Promise.resolve().then(function () {" + insert() +
                                      "});"), "", []),
    ("new Promise resolved, then(fn)", js("new Promise(function (ok) { ok(1); }).then("
                                          "function () {" + insert() + "});"), "", []),
    ("a promise never resolved: then(fn) never runs", js(
        "new Promise(function () {}).then(function () {" + insert() + "});"), "", ["WT001"]),
    ("Promise.reject().catch(fn)", js("Promise.reject(new Error('x')).catch(function () {"
                                      + insert() + "});"), "", []),
    ("Promise.resolve().then(null, fn): a rejection handler of a fulfilled promise",
     js("Promise.resolve().then(null, function () {" + insert() + "});"), "", ["WT001"]),
    ("Promise.all([]).then(fn)", js("Promise.all([Promise.resolve(1)]).then(function () {"
                                    + insert() + "});"), "", []),
    ("queueMicrotask(fn)", js("queueMicrotask(function () {" + insert() + "});"), "", []),
    ("a MessageChannel port's onmessage after postMessage", js(
        "var ch = new MessageChannel(); ch.port1.onmessage = function () {" + insert() +
        "}; ch.port2.postMessage(0);"), "", []),
    ("a MessageChannel port's onmessage, nothing posted: never runs", js(
        "var ch = new MessageChannel(); ch.port1.onmessage = function () {" + insert() +
        "};"), "", ["WT001"]),
    ("window.postMessage to a message listener", js(
        "window.addEventListener('message', function () {" + insert() + "}); "
        "window.postMessage('wt', '*');"), "", []),
    ("document.fonts.ready.then(fn)", js("document.fonts.ready.then(function () {" + insert()
                                         + "});"), "", []),
    ("requestIdleCallback(fn)", js("requestIdleCallback(function () {" + insert() + "});"),
     "", []),
    ("requestIdleCallback(fn) reading its deadline", js(
        "requestIdleCallback(function (deadline) { deadline.timeRemaining();" + insert() +
        "});"), "", []),
    ("setTimeout with string code", js('setTimeout("' + insert() + '", 10);'), "", []),
    ("a then() chain, finally(), Promise.race", js(
        "Promise.race([new Promise(function () {}), Promise.resolve(2)]).then(function (v) { "
        "return v * 2; }).finally(function () {" + insert() + "});"), "", []),
    ("a rejection a then() passes on to catch()", js(
        "Promise.reject(1).then(function () {}).catch(function () {" + insert() + "});"),
     "", []),
    ("an error thrown in then() goes to the next catch()", js(
        "Promise.resolve().then(function () { undefinedFn(); }).catch(function () {" +
        insert() + "});"), "", []),
    ("an async function's code after await", js(
        "(async function () { await null; " + insert() + "})();"), "", []),
    # 3. The site the tracker reads is the one its element has when it runs.
    ("data-site set on a blocking tag after it ran: it ran with none", BARE + js(
        SELECT + ".dataset.site = 'shop';"), "", ["WT004", "WT007"]),
    ("data-site set on a deferred tag before it ran: it has one", BARE.replace(
        "></script>", " defer></script>") + js(SELECT + ".dataset.site = 'shop';"), "", []),
    ("data-site set on an inserted script on load: it ran before", js(
        LOADER + "window.addEventListener('load', function () { s.dataset.site = 'shop'; "
        "});"), "", ["WT004"]),
    ("data-site set on an inserted script right after it went in: it has one", js(
        LOADER + "s.dataset.site = 'shop';"), "", []),
    # 4. A second run of the tracker, by eval of a fetched copy.
    ("the tag, and a copy fetched and eval'd: two runs", TAG + js(
        "fetch('/tracker.js').then(function (r) { return r.text(); }).then(eval);"), "",
     ["WT003"]),
    ("the tag, and a copy fetched and run by new Function: two runs", TAG + js(
        "fetch('/tracker.js').then(r => r.text()).then(t => new Function(t)());"), "",
     ["WT003"]),
    ("a copy fetched, never run: one install", TAG + js(
        "fetch('/tracker.js').then(r => r.text()).then(t => console.log(t.length));"), "",
     []),
    # 5. Module loaders on the page load the tracker (with no site of their own).
    ("RequireJS require() of the tracker's address", REQUIRE + js(f"require(['{URL}']);"),
     "", ["WT004"]),
    ("RequireJS data-main: the site's loader module", REQUIRE.replace(
        "<script ", '<script data-main="/js/wt-main" '), "", []),
    ("RequireJS paths in require.config, then require() by id", REQUIRE + js(
        "require.config({paths: {wt: '" + URL[:-3] + "'}}); require(['wt'], function () {"
        "});"), "", ["WT004"]),
    ("require() before RequireJS's tag ran: ReferenceError", js(
        f"require(['{URL}']);") + REQUIRE, "", ["WT001"]),
    ("SystemJS System.import of the tracker's address", SYSTEM + js(
        f"System.import('{URL}');"), "", ["WT004"]),
    # 6. javascript: frames.
    ("an iframe of javascript: inserting into its parent's head", "",
     '<iframe src="javascript:void(parent.document.head.appendChild(Object.assign('
     f"parent.document.createElement(&quot;script&quot;), {{src: &quot;{URL}&quot;}})))"
     '"></iframe>', ["WT004"]),
    ("an iframe of javascript: running the loader by parent.eval", "",
     '<iframe src="javascript:parent.eval(&quot;' + insert().replace("'", "%27") +
     '&quot;)"></iframe>', []),
    ("an iframe of javascript: whose code throws first: nothing", "",
     '<iframe src="javascript:undefinedFn();parent.eval(&quot;' + insert().replace(
         "'", "%27") + '&quot;)"></iframe>', ["WT001"]),
    ("an iframe srcdoc whose body onload inserts into its parent's head", "",
     '<iframe srcdoc="<body onload=&quot;' + insert().replace("document.", "parent.document.")
     .replace("'", "&#39;") + '&quot;></body>"></iframe>', []),
]


def _served(rows):
    return {**FILES, **OWN, **{f"/{i}.html": _html(s) for i, s in enumerate(rows)}}


def rules_of(html):
    """The rules a page gets statically, its own script files read from FILES and OWN."""
    from harness.audit.page import data_url_text
    from harness.audit.targets import _read_script

    files = _served([])
    parsed = parse(html, "page.html", "http://shop.localhost:8800/page.html")
    parsed.reader = lambda src: files.get(src) or data_url_text(src)
    for script in parsed.scripts:
        if script.raw_src and parsed.reader(script.raw_src) is not None:
            _read_script(script, parsed.reader(script.raw_src))
    return sorted({f.rule for f in check(parsed, CONFIG) if f.severity != "note"})


@pytest.mark.parametrize("row", RUNTIME, ids=[r[0] for r in RUNTIME])
def test_static_audit_runs_the_page(row):
    assert rules_of(_html(row)) == row[3]


@pytest.mark.browser
@pytest.mark.slow
def test_static_and_rendered_agree_at_run_time(browser_name):
    """Each row, served: the rendered audit (the browser's own run) and the static audit
    report the same rules, and those are the table's."""
    _, urls, static, rendered = audited_both_ways(_served(RUNTIME), len(RUNTIME), browser_name)
    got = {r[0]: (static[u], rendered[u]) for r, u in zip(RUNTIME, urls, strict=True)}
    wrong = {what: pair for what, pair in got.items() if pair != (row_rules(what),) * 2}
    assert not wrong, "row: (static, rendered) where both should be the table's:\n" + \
        "\n".join(f"{what}: {pair}" for what, pair in wrong.items())


def row_rules(what):
    return next(r[3] for r in RUNTIME if r[0] == what)


@pytest.mark.parametrize("code,rules", [
    # What code the audit cannot see (a tag container, another origin's script) may define
    # is not judged as throwing: the loader after the call still counts.
    ('<script src="/container.js"></script>' + js("wtContainerReady();" + insert()),
     ["WT003"]),
    ('<script src="https://cdn.example/lib.js" async></script>' + js("libInit();" + insert()),
     []),
    (js("eval(window.name);") + js("wtFromName();" + insert()), []),
    # (a frame's own script file may define what its code calls)
    ('<iframe srcdoc="<script src=&quot;/frame-lib.js&quot;></script><script>frameLib();'
     + insert().replace("document.", "parent.document.").replace("'", "&#39;") +
     '</script>"></iframe>', []),
])
def test_names_code_the_audit_cannot_see_may_define_do_not_throw(code, rules):
    assert rules_of(page(code)) == rules
