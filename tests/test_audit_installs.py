"""Installs the static audit must recognise in the HTML, and agreement with the browser."""

from pathlib import Path

import pytest
from served import Pages

from harness import audit, estate
from harness.audit import config as audit_config
from harness.audit import targets
from harness.audit.page import parse
from harness.audit.rules import check
from harness.audit.targets import TargetError

CONFIG = audit_config.load({"sites": ["shop"], "tag_containers": [
    "/container.js", "www.googletagmanager.com/gtm.js"]})
URL = "http://collector.localhost:8800/tracker.js"


def page(head="", body=""):
    """A page; *body* may be ``(attributes of <body>, content)``."""
    attrs, body = body if isinstance(body, tuple) else ("", body)
    return f"<!doctype html><html><head><title>t</title>{head}</head><body{attrs}><p>x</p>" \
           f"{body}</body></html>"


def js(code, attrs=""):
    return f"<script{attrs}>{code}</script>"


def rules_of(html):
    found = check(parse(html, "page.html", "http://shop.localhost:8800/page.html"), CONFIG)
    return sorted({f.rule for f in found})


def make(src=f"'{URL}'", site="s.dataset.site = 'shop';", into="document.head.appendChild(s);"):
    return f"var s = document.createElement('script'); s.src = {src}; {site} {into}"


GA = ("(function(i,s,o,g,r,a,m){i['WtObject']=r;i[r]=i[r]||function(){(i[r].q=i[r].q||[])"
      ".push(arguments)},i[r].l=1*new Date();a=s.createElement(o),m=s.getElementsByTagName(o)"
      "[0];a.async=1;a.src=g;a.setAttribute('data-site',r);m.parentNode.insertBefore(a,m)})"
      "(window,document,'script','//collector.localhost:8800/tracker.js','shop');")
PIXEL = ("!function(f,b,e,v,n,t,s){if(f.wt)return;n=f.wt=function(){n.q.push(arguments)};"
         "n.q=[];t=b.createElement(e);t.async=!0;t.src=v;t.dataset.site='shop';"
         "s=b.getElementsByTagName(e)[0];s.parentNode.insertBefore(t,s)}(window,document,"
         "'script','http://collector.localhost:8800/tracker.js');")
GTM = ("(function(w,d,s,l,i){w[l]=w[l]||[];w[l].push({'gtm.start':new Date().getTime(),"
       "event:'gtm.js'});var f=d.getElementsByTagName(s)[0],j=d.createElement(s),"
       "dl=l!='dataLayer'?'&l='+l:'';j.async=true;j.src='https://www.googletagmanager.com/"
       "gtm.js?id='+i+dl;f.parentNode.insertBefore(j,f);})(window,document,'script',"
       "'dataLayer','GTM-XXXX');")
TAG = f'<script src="{URL}" data-site="shop" defer></script>'

# (what, head, body, rules the static audit must report)
SHAPES = [
    ("analytics IIFE, parameters carry URL and site", js(GA), "", []),
    ("analytics IIFE run from the body, first script there", "", js(GA), ["WT002"]),
    ("pixel-style !function with a guard", js(PIXEL), "", []),
    ("tag manager snippet loads a configured container", js(GTM), "", []),
    ("container snippet and tag", js(GTM) + TAG, "", ["WT003"]),
    ("folded concatenation and a cache-buster", js(make(
        "'http://collector.' + 'localhost:8800' + '/trac' + 'ker.js?v=' + Date.now()")), "",
     []),
    ("template literal, arrow, Object.assign, head.append", js(
        "(() => { const s = document.createElement('SCRIPT'); Object.assign(s, {src: "
        "`${'http://collector.localhost:8800'}/tracker.js`, async: true}); "
        "s.setAttribute('data-site', 'shop'); document.querySelector('head').append(s); })();"),
     "", []),
    ("array join and setAttribute('src')", js(
        "var s = document.createElement('script'); s.setAttribute('src', ['http:', '', "
        "'collector.localhost:8800', 'tracker.js'].join('/')); s.setAttribute('data-site', "
        "'shop'); document.head.appendChild(s);"), "", []),
    ("on the load event, from the body, into the head", "",
     js("window.addEventListener('load', function () {" + make() + "});"), []),
    ("on a timer", js("setTimeout(function () {" + make() + "}, 5000);"), "", []),
    ("readyState check, else load listener", js(
        "function go() {" + make() + "} if (document.readyState === 'complete') go(); "
        "else window.addEventListener('load', go);"), "", []),
    ("named loader called with arguments", js(
        "function load(u, site) { var s = document.createElement('script'); s.src = u; "
        "s.dataset.site = site; var x = document.scripts[0]; x.parentNode.insertBefore(s, x);"
        f" }} load('{URL}', 'shop');"), "", []),
    ("loop over a tag list", js(
        f"var tags = [{{src: '{URL}', site: 'shop'}}]; tags.forEach(function (t) {{ var s = "
        "document.createElement('script'); s.src = t.src; s.setAttribute('data-site', t.site);"
        " document.head.appendChild(s); });"), "", []),
    ("IIFE through .call(this)", js("(function () {" + make() + "}).call(this);"), "", []),
    ("inside try/catch", js("try {" + make() + "} catch (e) {}"), "", []),
    ("document.write, split closing tag, defer",
     js(f"document.write('<scr' + 'ipt src=\"{URL}\" data-site=\"shop\" defer></scr' + "
        "'ipt>');"), "", []),
    ("document.write in pieces, blocking", js(
        f"document.write('<script src=\"{URL}\" '); document.write('data-site=\"shop\">"
        "<\\/script>');"), "", ["WT007"]),
    ("snippet into the body", "", js(make(into="document.body.appendChild(s);")), ["WT002"]),
    ("snippet into documentElement", js(make(into="document.documentElement.appendChild(s);")),
     "", ["WT002"]),
    ("body is null while the head runs: nothing installed",
     js(make(into="document.body.appendChild(s);")), "", ["WT001"]),
    ("tag and snippet", TAG + js(make()), "", ["WT003"]),
    ("two snippets", js(GA) + js(PIXEL), "", ["WT003"]),
    ("snippet and document.write", js(make()) + js(
        f"document.write('<script async src=\"{URL}\" data-site=\"shop\"><\\/script>')"), "",
     ["WT003"]),
    ("snippet and container tag", js(make()) + '<script src="/container.js" async></script>',
     "", ["WT003"]),
    ("guarded snippet pasted twice counts once", js(
        "if (!window.__wt) { window.__wt = true; " + make() + " }") * 2, "", []),
    ("snippet naming an unknown site", js(make(site="s.dataset.site = 'sh' + 'oop';")), "",
     ["WT004"]),
    ("snippet naming no site", js(make(site="")), "", ["WT004"]),
    ("snippet from an unknown origin", js(make("'https://cdn.example/tracker.js'")), "",
     ["WT004"]),
    ("snippet with its site from a parameter", js(
        "(function (d, id) {" + make(site="s.dataset.site = id;").replace("document.", "d.") +
        "})(document, 'nope');"), "", ["WT004"]),
    ("analytics queue with || [] and a base URL", js(
        "var _wtq = window._wtq = window._wtq || []; _wtq.push(['trackPageView']);"
        "(function() { var u = '//collector.localhost:8800/'; _wtq.push(['setUrl', u]);"
        "var d = document, g = d.createElement('script'), s = d.getElementsByTagName('script')"
        "[0]; g.async = true; g.src = u + 'tracker.js'; g.setAttribute('data-site', 'shop');"
        "s.parentNode.insertBefore(g, s); })();"), "", []),
    ("stub object with methods and a load() call", js(
        "!function(){var a=window.wt=window.wt||[];if(!a.initialize)if(a.invoked)"
        "window.console&&console.error&&console.error('twice');else{a.invoked=!0;"
        "a.methods=['page','track'];a.factory=function(m){return function(){var t="
        "Array.prototype.slice.call(arguments);t.unshift(m);a.push(t);return a}};"
        "for(var i=0;i<a.methods.length;i++){var k=a.methods[i];a[k]=a.factory(k)}"
        "a.load=function(site){var t=document.createElement('script');t.async=!0;"
        "t.src='http://collector.localhost:8800/tracker.js';t.dataset.site=site;"
        "var n=document.getElementsByTagName('script')[0];n.parentNode.insertBefore(t,n)};"
        "a.load('shop');a.page()}}();"), "", []),
    ("settings object on window", js(
        "(function(h,o,t,j,a,r){h._wt={site:'shop',v:6};a=o.getElementsByTagName('head')[0];"
        "r=o.createElement('script');r.async=1;r.src=t+'?v='+h._wt.v;"
        "r.setAttribute('data-site',h._wt.site);a.appendChild(r);})(window,document,"
        "'http://collector.localhost:8800/tracker.js');"), "", []),
    ("site read from the snippet's own attribute", js(
        "var me = document.currentScript; " + make(
            site="s.dataset.site = me.getAttribute('data-wt-site');"), ' data-wt-site="shop"'),
     "", []),
    ("site read from a config element by id",
     '<meta id="wt-config" data-site="shop">' + js(make(
         site="s.dataset.site = document.getElementById('wt-config').dataset.site;")), "", []),
    ("id-guarded SDK snippet pasted twice counts once", js(
        "(function(d,s,id){var js,f=d.getElementsByTagName(s)[0];if(d.getElementById(id))"
        f"return;js=d.createElement(s);js.id=id;js.src='{URL}';js.dataset.site='shop';"
        "f.parentNode.insertBefore(js,f)}(document,'script','wt-sdk'));") * 2, "", []),
    ("a string timer", js("function go() {" + make() + "} setTimeout('go()', 10);"), "", []),
    ("currentScript.after", js(make(into="document.currentScript.after(s);")), "", []),
    ("head.item(0) and insertAdjacentElement", js(make(
        into="document.getElementsByTagName('head').item(0)"
             ".insertAdjacentElement('beforeend', s);")), "", []),
    ("src and site set after insertion", js(
        "var s = document.createElement('script'); document.head.appendChild(s); "
        f"s.setAttribute('data-site', 'shop'); s.src = '{URL}';"), "", []),
    ("appendChild(Object.assign(…)).setAttribute(…)", js(
        "document.head.appendChild(Object.assign(document.createElement('script'), "
        f"{{src: '{URL}', async: true}})).setAttribute('data-site', 'shop');"), "", []),
    ("site from a meta tag by selector", '<meta name="wt-site" content="shop">' + js(make(
        site="s.dataset.site = document.querySelector('meta[name=\"wt-site\"]').content;")),
     "", []),
    ("destructuring the document", js(
        "const {head} = document; const [site] = ['shop']; const s = "
        f"document.createElement('script'); s.src = '{URL}'; s.dataset.site = site; "
        "head.appendChild(s);"), "", []),
    ("inside a promise executor", js("new Promise(function (resolve) {" + make() + "});"),
     "", []),
    ("a constructor the page wrote", js(
        "function Loader(site) { this.site = site; this.load = function () {" + make(
            site="s.dataset.site = this.site;") + "}; } new Loader('shop').load();"), "", []),
    ("a base64 address", js(make(
        "atob('aHR0cDovL2NvbGxlY3Rvci5sb2NhbGhvc3Q6ODgwMC90cmFja2VyLmpz')")), "", []),
    ("char codes and a reversed join", js(make(
        "'http://collector.localhost:8800' + "
        "String.fromCharCode(47,116,114,97,99,107,101,114,46,106,115)",
        site="s.dataset.site = ['p', 'o', 'h', 's'].reverse().join('');")), "", []),
    ("old analytics write with unescape", js(
        "var host = (('https:' == document.location.protocol) ? 'https://' : 'http://');"
        "document.write(unescape('%3Cscript src=%22' + host + 'collector.localhost:8800/"
        "tracker.js%22 data-site=%22shop%22 async%3E%3C/script%3E'));"), "", []),
    ("two window.onload loaders: the last one runs", js(
        "window.onload = function () {" + make() + "};") + js(
        "window.onload = function () {" + make() + "};"), "", []),
    ("a body onload attribute", js("function go() {" + make() + "}"),
     (' onload="go()"', ""), []),
    ("an address in capitals with spaces", TAG.replace(
        'src="http://collector.localhost', 'src=" HTTP://Collector.Localhost'), "", []),
    # Shapes that install nothing: the page has no tracker.
    ("a tag inside a template is inert", f"<template>{TAG}</template>", "", ["WT001"]),
    ("a tag added as markup never runs", js(
        f"document.head.insertAdjacentHTML('beforeend', '<script src=\"{URL}\" "
        "data-site=\"shop\"><\\/script>');"), "", ["WT001"]),
    ("a script created but never inserted", js(make(into="")), "", ["WT001"]),
    ("a loader defined but never called", js("function load() {" + make() + "}"), "",
     ["WT001"]),
    ("a loader that runs only on a click", js(
        "document.addEventListener('click', function () {" + make() + "});"), "", ["WT001"]),
    ("blocked by its type until consent", js(make(), ' type="text/plain"'), "", ["WT001"]),
    ("the path in a comment and a log line", js(f"// {URL}\nconsole.log('{URL}');"), "",
     ["WT001"]),
    ("the tracker's path with a different file", js(make(f"'{URL}.map'")), "", ["WT001"]),
    # A host is any case: the container is matched as the browser fetches it.
    ("a container whose host is in capitals, and a tag", '<script async src="HTTPS://WWW.'
     'GOOGLETAGMANAGER.COM/gtm.js?id=GTM-X"></script>' + TAG, "", ["WT003"]),
]


@pytest.mark.parametrize("what,head,body,expected", SHAPES, ids=[s[0] for s in SHAPES])
def test_static_audit_recognises_install_shapes(what, head, body, expected):
    assert rules_of(page(head, body)) == expected


def test_snippet_findings_point_at_the_line_that_inserts():
    html = page("<script>\nvar s = document.createElement('script');\n"
                f"s.src = '{URL}';\ns.dataset.site = 'x';\ndocument.head.appendChild(s);\n"
                "</script>")
    (finding,) = check(parse(html, "p.html", "http://shop.localhost:8800/"), CONFIG)
    assert (finding.rule, finding.line) == ("WT004", 5)


def test_unparsable_script_naming_the_tracker_still_counts():
    # Syntax esprima cannot read: the install is counted rather than missed.
    html = page(TAG + js(make(into="document.head?.appendChild(s);")))
    assert rules_of(html) == ["WT003"]


@pytest.mark.parametrize("code,module,compiles", [
    ("class A { #x; static m(o) { return #x in o; } } var r = /[a]/v;", False, True),
    ("await import('/x.js'); export const a = 1;", True, True),
    ("await import('/x.js');", False, False),  # a classic script has no top-level await
    ('document.write("<script src=x>', False, False),  # cut short by its </script>
    ("var = ;", True, False),
])
def test_what_v8_compiles(code, module, compiles):
    from harness.audit.syntax import compiles as v8_compiles

    assert v8_compiles(code, module) is compiles


def test_a_script_with_a_syntax_error_naming_the_tracker_never_runs():
    html = page(TAG + js(make() + " var = ;"))
    assert rules_of(html) == []


# Pages of sites/broken/installs and the rules both audits must report on each.
INSTALL_PAGES = {
    "async-snippet.html": [], "concatenated.html": [], "delayed.html": [],
    "document-write.html": [], "ga-shape.html": [], "minified.html": [],
    "module-tag.html": [], "on-load.html": [], "tag-attributes.html": [],
    "snippet-and-container.html": ["WT003"], "snippet-in-body.html": ["WT002"],
    "snippet-twice.html": ["WT003"], "snippet-unknown-site.html": ["WT004"],
    "snippet-wrong-origin.html": ["WT004"], "two-snippets.html": ["WT003"],
    "written-blocking.html": ["WT007"], "external-loader.html": [],
    "sdk-guard-twice.html": [], "inner-html.html": ["WT001"], "chained-loader.html": [],
}


def test_install_pages_on_disk():
    result = audit.run(["sites/broken/installs"])
    assert {Path(w): r for w, r in _rules_by_page(result).items()} == {
        Path("sites/broken/installs", name): rules for name, rules in INSTALL_PAGES.items()}


def _estate_urls(server):
    urls = []
    for site in estate.discover():
        for found in sorted(site.root.rglob("*.html")):
            relative = found.relative_to(site.root)
            if not any(part.startswith("_") for part in relative.parts):
                urls.append(server.url_for(site.id, "/" + relative.as_posix()))
    return urls


def _rules_by_page(result):
    return {p["file_or_url"]: sorted({f["rule"] for f in p["findings"]}) for p in result.pages}


def _static_and_rendered(urls, config=None, fresh=True):
    """The rules of each page, audited statically and rendered in Chromium; the static
    audit runs while the browser renders. Not *fresh*, each slot's tab is taken from page
    to page (cookies cleared between: opening a tab costs more than a small page; not for
    pages with the tracker, whose beacons as a page is left the next one waits out)."""
    from concurrent.futures import ThreadPoolExecutor

    from harness.audit.rules import apply_policy
    from harness.audit.targets import load_rendered

    config = config or audit_config.load()

    def rendered():
        out = {}
        for url, parsed in zip(urls, load_rendered([(u, None) for u in urls], fresh=fresh),
                               strict=True):
            assert not isinstance(parsed, Exception), parsed
            kept, _ = apply_policy(check(parsed, config), config)
            out[url] = sorted({f.rule for f in kept})
        return out

    with ThreadPoolExecutor(1) as pool:
        statically = pool.submit(audit.run, urls, config)
        by_browser = rendered()
        static = statically.result()
    assert not static.unchecked, static.unchecked
    return _rules_by_page(static), by_browser


@pytest.mark.browser
@pytest.mark.slow
def test_static_audit_finds_what_the_browser_renders(webtrack_server):
    """Every page of the estate, the install pages among them: the static audit (no
    browser) reports per page exactly the rules the rendered audit (Chromium) does."""
    urls = _estate_urls(webtrack_server)
    static, rendered = _static_and_rendered(urls)
    assert static == rendered
    by_name = {url.rsplit("/installs/", 1)[1]: rules for url, rules in
               rendered.items() if "/installs/" in url}
    assert by_name == INSTALL_PAGES


@pytest.mark.browser
@pytest.mark.slow
def test_install_shapes_agree_with_the_browser():
    """Each shape of the table, served: the rendered audit (Chromium) agrees with the
    static one. Containers the browser cannot reach offline (a tag manager's) are left out."""
    container = Path("sites/broken/container.js").read_text().replace('"broken"', '"shop"')
    shapes = [s for s in SHAPES if "googletagmanager" not in (s[1] + str(s[2])).lower()]
    pages = {f"/{i}.html": page(head, body) for i, (_, head, body, _) in enumerate(shapes)}
    server = Pages({**pages, "/container.js": container})
    try:
        urls = [server.url(path) for path in pages]
        static, rendered = _static_and_rendered(urls, CONFIG, fresh=False)
    finally:
        server.stop()
    expected = {url: shape[3] for url, shape in zip(urls, shapes, strict=True)}
    assert static == expected
    differ = {shapes[urls.index(url)][0]: (rules, static[url])
              for url, rules in rendered.items() if rules != static[url]}
    assert differ == {}, "rendered vs static: " + repr(differ)


@pytest.mark.parametrize(("answer", "absent"), [
    (TargetError("http://shop.localhost/c.js", "answered 404", 404), True),
    (TargetError("http://shop.localhost/c.js", "answered 503", 503), True),
    (TargetError("http://shop.localhost/c.js", "cannot fetch: timed out"), False),
])
def test_only_a_file_the_site_refuses_is_missing(monkeypatch, answer, absent):
    # A 404 or 503 runs nothing in the browser; a timeout or a reset says nothing of the file.
    def fetch(url):
        raise answer
    monkeypatch.setattr(targets, "fetch", fetch)
    read, missing = targets._reader("http://shop.localhost/page.html", None)
    assert read("/c.js") is None and missing("/c.js") is absent
