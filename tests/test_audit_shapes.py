"""Install shapes as real tag snippets write them (analytics, pixels, tag managers, consent
tools, module loaders), each audited statically and rendered in a browser: both must agree
with what the browser does."""


import base64
import hashlib
import re
from collections import Counter
from concurrent.futures import ThreadPoolExecutor

import pytest
from served import Pages

from harness.audit import config as audit_config
from harness.audit.page import parse
from harness.audit.rules import check

CONFIG = audit_config.load({"sites": ["shop"], "tag_containers": [
    "/container.js", "www.googletagmanager.com/gtm.js", "/utag.js", "/launch-"]})
ORIGIN = "http://collector.localhost:8800"
URL = f"{ORIGIN}/tracker.js"
TAG = f'<script src="{URL}" data-site="shop" defer></script>'


CONTAINER = ("(function (d) { var s = d.createElement('script'); s.async = true; "
             f"s.src = '{URL}'; s.setAttribute('data-site', 'shop'); d.head.appendChild(s); "
             "})(document);")
# What the pages load from their own origin.
FILES = {"/container.js": CONTAINER, "/utag/shop/prod/utag.js": CONTAINER,
         "/launch-EN12.min.js": CONTAINER, "/dep.js": "window.dep = true;",
         "/tracker.js": "window.wtLoaded = true;", "/v2/tracker.js": ""}
WRITER = (f"document.write('<script src=\"{URL}\" data-site=\"shop\" async><\\/script>');")
FILES["/writer.js"] = WRITER



def page(head="", body="", html=""):
    return f"<!doctype html><html{html}><head><title>t</title>{head}</head><body><p>x</p>" \
           f"{body}</body></html>"


def js(code, attrs=""):
    return f"<script{attrs}>{code}</script>"


def findings_of(html, base="http://shop.localhost:8800/page.html", xml=False):
    """The findings a page gets, its own script files read from FILES as load_static does
    (*xml*: served as XHTML)."""
    from harness.audit.page import data_url_text
    from harness.audit.targets import _read_script

    parsed = parse(html, "page.html", base, xml=xml)
    # (as the site answers: its own address absolute or not, the query ignored)
    parsed.reader = lambda src: FILES.get(src.removeprefix("http://shop.localhost:8800").split(
        "?")[0]) or data_url_text(src)
    parsed.absent = lambda src: parsed.reader(src) is None  # the site answers 404
    for script in parsed.scripts:
        if script.raw_src and parsed.reader(script.raw_src) is not None:
            _read_script(script, parsed.reader(script.raw_src))
    return check(parsed, CONFIG)


def rules_of(html, base="http://shop.localhost:8800/page.html", xml=False):
    """The rules (no notes) a page gets (see findings_of)."""
    return sorted({f.rule for f in findings_of(html, base, xml) if f.severity != "note"})


def insert(src=f"'{URL}'", into="document.head.appendChild(s);", var="s"):
    return (f"var {var} = document.createElement('script'); {var}.src = {src}; "
            f"{var}.setAttribute('data-site', 'shop'); {into.replace('(s', '(' + var)}")


FILES["/own-loader.js"] = insert(into="s.dataset.site = document.currentScript.dataset.wtSite; "
                                      "document.head.appendChild(s);")
# Its origin is the page's (shop), not the collector's: the browser and the audit say WT004.
FILES["/js/base-loader.js"] = (
    "var me = document.currentScript.src; var base = me.substring(0, me.lastIndexOf('/js/'));"
    + insert("base + '/tracker.js'"))

FILES["/js/wt-module.js"] = (
    "export function load(site) { const s = document.createElement('script'); "
    f"s.src = '{URL}'; s.dataset.site = site; document.head.append(s); }}\n"
    "export default class Loader { constructor(site) { this.site = site; } "
    "run() { load(this.site); } }")
FILES["/js/app.js"] = "import './wt-side.js';\nimport { load } from './wt-module.js';"
FILES["/js/wt-side.js"] = insert()
MODULE = '<script type="module">{}</script>'

# Vendor snippets, adapted to load the webtrack tracker the way each vendor loads its own.
SEGMENT = (
    "!function(){var i='analytics',analytics=window[i]=window[i]||[];if(!analytics.initialize)"
    "if(analytics.invoked)window.console&&console.error&&console.error('Snippet included twice.');"
    "else{analytics.invoked=!0;analytics.methods=['trackSubmit','trackClick','page','track'];"
    "analytics.factory=function(e){return function(){if(window[i].initialized)return window[i]"
    "[e].apply(window[i],arguments);var n=Array.prototype.slice.call(arguments);n.unshift(e);"
    "analytics.push(n);return analytics}};for(var n=0;n<analytics.methods.length;n++){var key="
    "analytics.methods[n];analytics[key]=analytics.factory(key)}analytics.load=function(key,n){"
    "var t=document.createElement('script');t.type='text/javascript';t.async=!0;"
    "t.setAttribute('data-global-segment-analytics-key',i);t.setAttribute('data-site',key);"
    f"t.src='{ORIGIN}/'+'tracker.js';var r=document.getElementsByTagName('script')[0];"
    "r.parentNode.insertBefore(t,r);analytics._loadOptions=n};analytics._writeKey='shop';"
    "analytics.SNIPPET_VERSION='5.2.0';analytics.load('shop');analytics.page()}}();")
HOTJAR = (
    "(function(h,o,t,j,a,r){h.hj=h.hj||function(){(h.hj.q=h.hj.q||[]).push(arguments)};"
    "h._hjSettings={hjid:'shop',hjsv:6};a=o.getElementsByTagName('head')[0];"
    "r=o.createElement('script');r.async=1;r.src=t+j+'?sv='+h._hjSettings.hjsv;"
    "r.dataset.site=h._hjSettings.hjid;a.appendChild(r);})"
    f"(window,document,'{ORIGIN}/','tracker.js');")
MATOMO = (
    "var _paq = window._paq = window._paq || [];_paq.push(['trackPageView']);"
    "_paq.push(['enableLinkTracking']);(function() {var u='//collector.localhost:8800/';"
    "_paq.push(['setTrackerUrl', u+'collect']);_paq.push(['setSiteId', 'shop']);"
    "var d=document, g=d.createElement('script'), s=d.getElementsByTagName('script')[0];"
    "g.async=true; g.src=u+'tracker.js'; g.dataset.site = _paq[3][1];"
    "s.parentNode.insertBefore(g,s);})();")
PIXEL = (
    "!function(f,b,e,v,n,t,s){if(f.wtq)return;n=f.wtq=function(){n.callMethod?"
    "n.callMethod.apply(n,arguments):n.queue.push(arguments)};if(!f._wtq)f._wtq=n;n.push=n;"
    "n.loaded=!0;n.version='2.0';n.queue=[];t=b.createElement(e);t.async=!0;t.src=v;"
    "t.setAttribute('data-site','shop');s=b.getElementsByTagName(e)[0];"
    f"s.parentNode.insertBefore(t,s)}}(window,document,'script','{URL}');"
    "wtq('init','shop');wtq('track','PageView');")
GTAG = ("window.dataLayer = window.dataLayer || [];function gtag(){dataLayer.push(arguments);}"
        "gtag('js', new Date());gtag('config', 'shop');")
HUBSPOT_STYLE = (
    "(function(d,s,i,r){if(d.getElementById(i)){return;}var n=d.createElement(s),"
    "e=d.getElementsByTagName(s)[0];n.id=i;n.src='//collector.localhost:8800/v/'+"
    "(Math.ceil(new Date()/r)*r)+'/tracker.js';n.setAttribute('data-site','shop');"
    "e.parentNode.insertBefore(n,e);})(document,'script','wt-analytics',300000);")
TEALIUM = (
    "(function(a,b,c,d){a='/utag/shop/prod/utag.js';b=document;c='script';d=b.createElement(c);"
    "d.src=a;d.type='text/java'+c;d.async=true;a=b.getElementsByTagName(c)[0];"
    "a.parentNode.insertBefore(d,a);})();")
MATOMO_TAG_MANAGER = (
    "var _mtm = window._mtm = window._mtm || [];_mtm.push({'mtm.startTime': "
    "(new Date().getTime()), 'event': 'mtm.Start'});(function() {var d=document, "
    "g=d.createElement('script'), s=d.getElementsByTagName('script')[0];g.async=true; "
    "g.src='/container.js'; s.parentNode.insertBefore(g,s);})();")
MINIFIED = (
    "!function(e,t,n){var r=t.createElement(n),a=t.getElementsByTagName(n)[0];"
    f"r.async=1,r.src=e.wtUrl||'{URL}',r.setAttribute('data-site',e.wtSite||'shop'),"
    "a.parentNode.insertBefore(r,a)}(window,document,'script');")
CONFIG_JSON = ('<script type="application/json" id="wt-config">{"site": "shop", "src": '
               f'"{URL}"}}</script>')
IMPORT_MAP = '<script type="importmap">{{"imports": {{{}}}}}</script>'
GTM_STYLE = (
    "(function(w,d,s,l,i){w[l]=w[l]||[];w[l].push({'gtm.start':new Date().getTime(),"
    "event:'gtm.js'});var f=d.getElementsByTagName(s)[0],j=d.createElement(s),dl=l!="
    "'dataLayer'?'&l='+l:'';j.async=true;j.src='/container.js?id='+i+dl;"
    "f.parentNode.insertBefore(j,f);})(window,document,'script','dataLayer','GTM-A1');")
ONLOAD_DEP = (
    "var dep = document.createElement('script'); dep.src = '/dep.js'; dep.onload = function () {"
    + insert() + "}; document.head.appendChild(dep);")

INTERCOM = (
    "(function(){var w=window;var ic=w.WtChat;if(typeof ic==='function'){ic('update',"
    "w.wtSettings);}else{var d=document;var i=function(){i.c(arguments);};i.q=[];"
    "i.c=function(args){i.q.push(args);};w.WtChat=i;var l=function(){var s=d.createElement("
    f"'script');s.type='text/javascript';s.async=true;s.src='{URL}';"
    "s.setAttribute('data-site','shop');var x=d.getElementsByTagName('script')[0];"
    "x.parentNode.insertBefore(s,x);};if(document.readyState==='complete'){l();}else if("
    "w.attachEvent){w.attachEvent('onload',l);}else{w.addEventListener('load',l,false);}}})();")
TWITTER = (
    "!function(e,t,n,s,u,a){e.wtq||(s=e.wtq=function(){s.exe?s.exe.apply(s,arguments):"
    "s.queue.push(arguments);},s.version='1.1',s.queue=[],u=t.createElement(n),u.async=!0,"
    f"u.src='{URL}',u.dataset.site='shop',a=t.getElementsByTagName(n)[0],"
    "a.parentNode.insertBefore(u,a))}(window,document,'script');")
YANDEX = (
    "(function(m,e,t,r,i,k,a){m[i]=m[i]||function(){(m[i].a=m[i].a||[]).push(arguments)};"
    "m[i].l=1*new Date();for (var j = 0; j < document.scripts.length; j++) {if "
    "(document.scripts[j].src === r) { return; }}k=e.createElement(t),a=e.getElementsByTagName"
    "(t)[0],k.async=1,k.src=r,k.setAttribute('data-site','shop'),a.parentNode.insertBefore(k,a)"
    f"}})(window, document, 'script', '{URL}', 'wt');")
MIXPANEL = (
    "var g=document.createElement('script');g.type='text/javascript';g.async=!0;"
    "g.src='undefined'!==typeof WT_CUSTOM_LIB_URL?WT_CUSTOM_LIB_URL:'file:'===document.location"
    f".protocol?'http:{URL[5:]}':'{URL[5:]}';g.setAttribute('data-site','shop');"
    "var h=document.getElementsByTagName('script')[0];h.parentNode.insertBefore(g,h);")
CRISP = (
    "window.$wt=[];window.WT_SITE='shop';(function(){d=document;s=d.createElement('script');"
    f"s.src='{URL}';s.async=1;s.dataset.site=window.WT_SITE;"
    "d.getElementsByTagName('head')[0].appendChild(s);})();")
CLARITY = (
    "(function(c,l,a,r,i,t,y){c[a]=c[a]||function(){(c[a].q=c[a].q||[]).push(arguments)};"
    "t=l.createElement(r);t.async=1;t.src='http://collector.localhost:8800/'+i;"
    "t.dataset.site='shop';y=l.getElementsByTagName(r)[0];y.parentNode.insertBefore(t,y);})"
    "(window, document, 'wt', 'script', 'tracker.js');")

# Markup a loader parses with innerHTML (its scripts never run), then re-creates script by
# script so that they do: the way tag managers and CMS blocks run injected HTML.
MARKUP = f'<script src=\\"{URL}\\" data-site=\\"shop\\" async><\\/script>'
RECREATE = (
    "var d = document.createElement('div'); d.innerHTML = \"" + MARKUP + "\";"
    "var list = d.getElementsByTagName('script'); for (var i = 0; i < list.length; i++) {"
    "var o = list[i]; var n = document.createElement('script');"
    "for (var j = 0; j < o.attributes.length; j++) {"
    "n.setAttribute(o.attributes[j].name, o.attributes[j].value); }"
    "n.text = o.text; document.head.appendChild(n); }")

# jQuery is not at hand offline: the audit models it (harness/audit/jquery.py), and the
# browser gets this stand-in, written for these tests, doing what jQuery 3 does for the calls
# the rows make: scripts of appended markup go in disabled (type "true/…" or "false/"), then
# each src is loaded by a new <script> in <head>, removed once loaded; inline ones are run.
JQUERY = """(function (w, d) {
  var slice = function (list) { return Array.prototype.slice.call(list); };
  function load(url, attrs, done) {
    var s = d.createElement('script');
    Object.keys(attrs || {}).forEach(function (k) { s.setAttribute(k, attrs[k]); });
    s.src = url;
    s.onload = s.onerror = function () { s.parentNode.removeChild(s); if (done) done(); };
    d.head.appendChild(s);
    return {done: function (fn) { done = fn; }};
  }
  function nodes(what) {
    if (typeof what !== 'string') return what.nodeType ? [what] : slice(what);
    var box = d.createElement('div');
    box.innerHTML = what;
    return slice(box.childNodes);
  }
  function manipulate(target, list) {
    var scripts = [];
    list.forEach(function (n) {
      scripts = scripts.concat(n.localName === 'script' ? [n] : slice(
        n.querySelectorAll ? n.querySelectorAll('script') : []));
    });
    scripts.forEach(function (s) { s.type = (s.getAttribute('type') !== null) + '/' + s.type; });
    list.forEach(function (n) { target.appendChild(n); });
    scripts.forEach(function (s) {
      if (s.type.slice(0, 5) === 'true/') s.type = s.type.slice(5);
      else s.removeAttribute('type');
      if (s.src) load(s.src); else (0, eval)(s.text);
    });
  }
  function wrap(items) {
    var me = {length: items.length};
    items.forEach(function (x, i) { me[i] = x; });
    me.ready = function (fn) { ready(fn); return me; };
    me.append = function (what) { manipulate(items[0], nodes(what)); return me; };
    me.appendTo = function (where) { manipulate($(where)[0], items); return me; };
    return me;
  }
  function ready(fn) {
    if (d.readyState !== 'loading') setTimeout(fn, 0, $);
    else d.addEventListener('DOMContentLoaded', function () { fn($); });
  }
  function $(what) {
    if (typeof what === 'function') { ready(what); return wrap([d]); }
    if (typeof what === 'string' && what.trim()[0] !== '<')
      return wrap(slice(d.querySelectorAll(what)));
    return wrap(nodes(what));
  }
  $.getScript = function (url, done) { return load(url, {}, done); };
  $.ajax = function (url, options) {
    var o = typeof url === 'string' ? Object.assign({url: url}, options) : url;
    if (o.dataType === 'script') return load(o.url, o.scriptAttrs, o.success);
  };
  w.jQuery = w.$ = $;
})(window, document);"""
FILES["/js/jquery-3.7.1.min.js"] = JQUERY
JQ = '<script src="/js/jquery-3.7.1.min.js"></script>'

# An address no literal names whole: only a parsed, evaluated script finds it.
SPLIT = "'http://collector.localhost:8800/' + 'trac' + 'ker.js'"

# (what, head, body, rules the browser's page gets; <html> attributes; <body> attributes)
SHAPES = [
    ("Segment-style stub with load()", js(SEGMENT), "", []),
    ("Segment-style stub pasted twice counts once", js(SEGMENT) * 2, "", []),
    ("Hotjar-style IIFE with a settings object", js(HOTJAR), "", []),
    ("Matomo-style queue and base URL", js(MATOMO), "", []),
    ("Facebook-pixel-style guard and queue", js(PIXEL), "", []),
    ("Facebook-pixel-style pasted twice counts once", js(PIXEL) * 2, "", []),
    ("gtag-style tag and config", TAG.replace(" defer", " async") + js(GTAG), "", []),
    ("HubSpot-style tag, async and defer, with an id",
     f'<script type="text/javascript" id="wt-loader" async defer src="{URL}" '
     'data-site="shop"></script>', "", []),
    ("HubSpot-style cache-busted path", js(HUBSPOT_STYLE), "", []),
    # A bug of the page's own beside the install: a browser logs it and goes on.
    ("a tag beside an interval that throws",
     TAG + "<script>setInterval(function () { throw new Error('a bug'); }, 100);</script>",
     "", []),
    ("Tealium-style container", js(TEALIUM), "", []),
    ("Tealium-style container and a tag", js(TEALIUM) + TAG, "", ["WT003"]),
    ("Adobe-Launch-style container tag", '<script src="/launch-EN12.min.js" async></script>',
     "", []),
    ("Matomo-Tag-Manager-style container", js(MATOMO_TAG_MANAGER), "", []),
    ("minified IIFE, renamed parameters, comma sequence", js(MINIFIED), "", []),
    ("base from location.protocol", js(insert(
        "location.protocol + '//collector.localhost:8800' + '/tracker.js'")), "", []),
    ("concatenation across variables", js(
        "var a = 'http://collector', b = '.localhost:8800', c = '/trac', e = 'ker.js';"
        + insert("a + b + c + e")), "", []),
    ("template literal with expressions", js(
        "const proto = 'http:', host = 'collector.localhost:8800', file = 'tracker';"
        + insert("`${proto}//${host}/${file}.js`")), "", []),
    ("array join without a separator", js(insert(
        f"['{ORIGIN}', '/', 'tracker', '.js'].join('')")), "", []),
    ("Object.assign with shorthand src and a dataset", js(
        f"const src = '{URL}'; const el = Object.assign(document.createElement('script'), "
        "{src, defer: true}); Object.assign(el.dataset, {site: 'shop'}); "
        "document.head.append(el);"), "", []),
    ("head || getElementsByTagName('head')[0]", js(insert(
        into="(document.head || document.getElementsByTagName('head')[0]).appendChild(s);")),
     "", []),
    ("prepend to the head", js(insert(into="document.head.prepend(s);")), "", []),
    ("before the first script", js(insert(into="document.scripts[0].before(s);")), "", []),
    ("insertBefore the head's first child", js(insert(
        into="document.head.insertBefore(s, document.head.firstChild);")), "", []),
    ("writeln with split strings", js(
        "var u = 'http://collector.localhost:8800/' + 'tracker.js';"
        "document.writeln('<scr' + 'ipt src=\"' + u + '\" data-site=\"shop\" ' + 'async>' + "
        "'</scr' + 'ipt>');"), "", []),
    ("write of a module script", js(
        f"document.write('<script type=\"module\" src=\"{URL}\" data-site=\"shop\"><\\/script>')"),
     "", []),
    ("inserted module script", js(insert(into="s.type = 'module'; document.head.append(s);")),
     "", []),
    ("preload link and a loader", f'<link rel="preload" as="script" href="{URL}">' + js(
        insert("document.querySelector('link[rel=preload][as=script]').href")), "", []),
    ("a preload link alone installs nothing", f'<link rel="preload" as="script" href="{URL}">',
     "", ["WT001"]),
    ("document.write(unescape('%3Cscript…')) as old analytics did: it blocks parsing", js(
        "var u = (('https:' == document.location.protocol) ? 'https:' : 'http:') + "
        "'//collector.localhost:8800/tracker.js';document.write(unescape(\"%3Cscript src='\""
        " + u + \"' data-site='shop' type='text/javascript'%3E%3C/script%3E\"));"), "",
     ["WT007"]),
    ("a tag in capitals, & as &amp; in the query, spaces around the address",
     f'<SCRIPT SRC="  {URL}?a=1&amp;b=2  " DATA-SITE="shop" DEFER></SCRIPT>', "", []),
    ("a custom element's connectedCallback, the element in the page", js(
        "customElements.define('wt-loader', class extends HTMLElement { connectedCallback() {"
        + insert() + "} });"), "<wt-loader></wt-loader>", []),
    ("DOMContentLoaded handler from the body", "", js(
        "document.addEventListener('DOMContentLoaded', () => {" + insert() + "});"), []),
    ("setTimeout with a bound function", js(
        "function go() {" + insert() + "} setTimeout(go.bind(null), 100);"), "", []),
    ("load listener with a bound method", js(
        "var wt = {load: function () {" + insert() + "}};"
        "window.addEventListener('load', wt.load.bind(wt));"), "", []),
    ("readyState !== 'loading' else DOMContentLoaded", js(
        "function init() {" + insert() + "} if (document.readyState !== 'loading') init(); "
        "else document.addEventListener('DOMContentLoaded', init);"), "", []),
    ("getScript helper of the site's own", js(
        "function getScript(url, attrs) { var s = document.createElement('script'); "
        "s.src = url; for (var k in attrs) s.setAttribute(k, attrs[k]); "
        f"document.head.appendChild(s); }} getScript('{URL}', {{'data-site': 'shop'}});"), "",
     []),
    ("relative tracker address on the page's origin", js(insert("'/tracker.js'")), "",
     ["WT004"]),
    ("protocol-relative tag", TAG.replace("http:", ""), "", []),
    ("base href to the collector, relative tag",
     '<base href="http://collector.localhost:8800/">' + TAG.replace(URL, "tracker.js"), "", []),
    ("base href to the collector, relative loader",
     '<base href="http://collector.localhost:8800/x/">' + js(insert("'../tracker.js'")), "",
     []),
    ("a <base href> after the tag: the tag resolved on the page's own address",
     TAG.replace(URL, "tracker.js") + '<base href="http://collector.localhost:8800/">', "",
     ["WT004"]),
    ("a loader run before a later <base href> resolves on the page's own address", js(
        insert("'tracker.js'")) + '<base href="http://collector.localhost:8800/">', "",
     ["WT004"]),
    ("a loader's callback after a later <base href> resolves on it", js(
        "document.addEventListener('DOMContentLoaded', function () {" + insert("'tracker.js'")
        + "});") + '<base href="http://collector.localhost:8800/">', "", []),
    ("a <base href> in a template is no base", '<template><base href="http://collector.'
     'localhost:8800/"></template>' + TAG.replace(URL, "tracker.js"), "", ["WT004"]),
    ("a <base href> the browser cannot parse is no base", '<base href="http://[::1">' +
     TAG.replace(URL, "/tracker.js"), "", ["WT004"]),
    ("a <base href> the browser cannot parse, a relative tag in a shadow root",
     '<base href="http://[::1">', '<div><template shadowrootmode="open">' +
     TAG.replace(URL, "/tracker.js") + "</template></div>", ["WT002", "WT004"]),
    ("a <base href> the browser cannot parse, a relative tag put in a closed shadow root",
     '<base href="http://[::1">', js(
         "var h = document.createElement('div'); document.body.appendChild(h);" +
         insert("'/tracker.js'", into="h.attachShadow({mode: 'closed'}).appendChild(s);")),
     ["WT002", "WT004"]),
    ("a percent-encoded host is decoded", TAG.replace("collector.", "collector%2E"), "", []),
    ("a tag address the browser cannot parse loads nothing", TAG.replace(
        URL, "http://[collector]/tracker.js"), "", ["WT001"]),
    ("base href elsewhere makes a relative tag foreign",
     '<base href="http://cdn.example/">' + TAG.replace(URL, "/tracker.js"), "", ["WT004"]),
    ("site from an inline JSON config", CONFIG_JSON + js(
        "var c = JSON.parse(document.getElementById('wt-config').textContent); var s = "
        "document.createElement('script'); s.src = c.src; s.dataset.site = c.site; "
        "document.head.appendChild(s);"), "", []),
    ("site from the html element", js(insert(into="s.dataset.site = "
                                             "document.documentElement.dataset.site; "
                                             "document.head.appendChild(s);")), "", [],
     ' data-site="shop"'),
    ("new URL against a base", js(insert(f"new URL('/tracker.js', '{ORIGIN}').href")), "",
     []),
    ("new URL toString", js(insert(f"String(new URL('tracker.js', '{ORIGIN}/'))")), "", []),
    ("a class with a load method", js(
        "class Loader { constructor(site) { this.site = site; } load() { const s = "
        f"document.createElement('script'); s.src = '{URL}'; s.dataset.site = this.site; "
        "document.head.appendChild(s); } } new Loader('shop').load();"), "", []),
    ("replaceAll in the address", js(insert(f"'{ORIGIN}/{{f}}.js'.replaceAll('{{f}}', "
                                            "'tracker')")), "", []),
    ("new Function body", js(
        "new Function('d', \"var s = d.createElement('script'); s.src = '" + URL +
        "'; s.dataset.site = 'shop'; d.head.appendChild(s);\")(document);"), "", []),
    ("onload of a dependency the site serves", js(ONLOAD_DEP), "", []),
    ("createContextualFragment runs its script", js(
        "document.head.appendChild(document.createRange().createContextualFragment("
        f"'<script src=\"{URL}\" data-site=\"shop\" async><\\/script>'));"), "", []),
    ("two loaders, the second guarded by a selector", js(insert()) + js(
        "if (!document.querySelector('script[src*=\"tracker.js\"]')) {" + insert() + "}"), "",
     []),
    ("a loader guarded by document.scripts", TAG + js(
        "var found = false; for (var i = 0; i < document.scripts.length; i++) "
        "if ((document.scripts[i].src || '').indexOf('/tracker.js') > -1) found = true;"
        "if (!found) {" + insert() + "}"), "", []),
    ("a module tag twice, its host in capitals the second time: one module", TAG.replace(
        " defer", ' type="module"') + TAG.replace(" defer", ' type="module"').replace(
        "http://collector", "HTTP://COLLECTOR"), "", []),
    ("module and nomodule: one runs", f'<script type="module" src="{URL}" data-site="shop">'
     f'</script><script nomodule src="{URL}" data-site="shop" defer></script>', "", []),
    ("gated on a consent cookie a first visit has not", js(
        "if (document.cookie.indexOf('wt_consent=yes') > -1) {" + insert() + "}"), "",
     ["WT001"]),
    ("gated on stored consent a first visit has not", js(
        "if (localStorage.getItem('wt_consent') === 'yes') {" + insert() + "}"), "",
     ["WT001"]),
    ("opted out by a cookie a first visit has not", js(
        "if (!/(^|; )wt_optout=1/.test(document.cookie)) {" + insert() + "}"), "", []),
    ("optional chaining and nullish defaults", js(
        "const cfg = window.wtConfig ?? {}; const s = document.createElement('script'); "
        f"s.src = cfg?.src ?? '{URL}'; s.dataset.site = cfg.site ?? 'shop'; "
        "(document.head ?? document.documentElement)?.appendChild(s);"), "", []),
    ("optional catch binding", js("try {" + insert() + "} catch { }"), "", []),
    ("import() of the tracker names no site", js(f"import('{URL}');"), "", ["WT004"]),
    ("import() beside the tag runs it twice", TAG + js(
        f"import('{URL}').then(() => window.wtReady = true);"), "", ["WT003", "WT004"]),
    ("import() of a module tag's address runs it once", TAG.replace(
        " defer", ' type="module"') + js(f"import('{URL}');"), "", []),
    ("an address from the network: said, not counted", js(
        "fetch('/wt.json').then(r => r.json()).then(c => {" + insert("c.src") + "});"), "",
     ["WT001"]),
    ("a data: URL loader", '<script src="data:text/javascript,' + insert().replace(
        '"', "%22").replace("'", "%27") + '"></script>', "", []),
    ("a base64 data: URL loader", '<script src="data:text/javascript;base64,' + __import__(
        "base64").b64encode(insert().encode()).decode() + '"></script>', "", []),
    ("a blocking external file that writes the tag", '<script src="/writer.js"></script>',
     "", []),
    ("createElementNS in the XHTML namespace", js(insert().replace(
        "document.createElement('script')",
        "document.createElementNS('http://www.w3.org/1999/xhtml', 'script')")), "", []),
    ("Array.prototype.slice.call(arguments) in a stub", js(
        "window.wtq = window.wtq || function () { (wtq.q = wtq.q || []).push("
        "Array.prototype.slice.call(arguments)); }; wtq('init', 'shop');" + insert()), "", []),
    ("[].forEach.call over the page's scripts", TAG + js(
        "var seen = false; [].forEach.call(document.querySelectorAll('script'), function (s) {"
        " if (s.src && s.src.indexOf('/tracker.js') > -1) seen = true; });"
        "if (!seen) {" + insert() + "}"), "", []),
    ("the site's own async loader reads its own tag", '<script src="/own-loader.js" '
     'data-wt-site="shop" async></script>', "", []),
    ("a loader's base from its own address", '<script src="/js/base-loader.js"></script>', "",
     ["WT004"]),
    ("a referrer check a direct visit fails", js(
        "if (document.referrer.indexOf('google.') > -1) {" + insert() + "}"), "", ["WT001"]),
    ("array slice with an end", js(insert(
        f"'{URL}'.split('/').slice(0, 3).join('/') + '/tracker.js'")), "", []),
    ("a module importing the site's loader module", MODULE.format(
        "import { load } from '/js/wt-module.js'; load('shop');"), "", []),
    ("a module's default export class", MODULE.format(
        "import Loader from './js/wt-module.js'; new Loader('shop').run();"), "", []),
    ("a module tag whose import installs", '<script type="module" src="/js/app.js"></script>',
     "", []),
    ("two modules importing one loader: it runs once", MODULE.format(
        "import '/js/wt-side.js';") * 2, "", []),
    ("a static import of the tracker names no site", MODULE.format(f"import '{URL}';"), "",
     ["WT004"]),
    ("a namespace import", MODULE.format(
        "import * as wt from '/js/wt-module.js'; wt.load('shop');"), "", []),
    ("Intercom-style booting on load", js(INTERCOM), "", []),
    ("Intercom-style pasted twice counts once", js(INTERCOM) * 2, "", []),
    ("Twitter-pixel-style e.x||(…) guard pasted twice", js(TWITTER) * 2, "", []),
    ("Yandex-style guard over document.scripts, twice", js(YANDEX) * 2, "", []),
    ("Yandex-style guard sees the tag", TAG + js(YANDEX), "", []),
    ("Mixpanel-style typeof override", js(MIXPANEL), "", []),
    ("Crisp-style implicit globals", js(CRISP), "", []),
    ("Clarity-style file name as a parameter", js(CLARITY), "", []),
    ("Clarity-style and a tag", js(CLARITY) + TAG, "", ["WT003"]),
    ("readystatechange waiting for interactive", js(
        "document.addEventListener('readystatechange', function () { if (document.readyState "
        "=== 'interactive') {" + insert() + "} });"), "", []),
    ("document.onreadystatechange waiting for complete", js(
        "document.onreadystatechange = function () { if (document.readyState === 'complete') {"
        + insert() + "} };"), "", []),
    ("a deferred loader checks for interactive", "", '<script defer src="data:text/javascript,'
     "if (document.readyState === 'interactive') {" + insert().replace("'", "%27") + "}"
     '"></script>', []),
    ("a getter in the configuration", js(
        f"var cfg = {{ base: '{ORIGIN}', get src() {{ return this.base + '/tracker.js'; }} }};"
        + insert("cfg.src")), "", []),
    ("the same tag twice", TAG * 2, "", ["WT003"]),
    ("a tag of a legacy JavaScript type", TAG.replace(
        "<script ", '<script type="text/javascript1.5" '), "", []),
    ("a language attribute without a type", TAG.replace(
        "<script ", '<script language="JavaScript1.2" '), "", []),
    ("an empty type wins over the language", TAG.replace(
        "<script ", '<script type="" language="vbscript" '), "", []),
    ("a module tag with nomodule still runs", TAG.replace(" defer", ' type="module" nomodule'),
     "", []),
    ("a loader in <svg> runs from its href", "", '<svg><script href="data:text/'
     "javascript," + insert().replace("'", "%27") + '"></script></svg>', []),
    ("an SVG script tag by xlink:href", "", '<svg xmlns:xlink="http://www.w3.org/1999/xlink">'
     f'<script xlink:href="{URL}" data-site="shop"></script></svg>', ["WT002", "WT007"]),
    ("<body onload> runs on the window's load", "", "", [], "", ' onload="' + insert().replace(
        '"', "&quot;") + '"'),
    ("<body onload> beside a tag", TAG, "", ["WT003"], "", ' onload="' + insert().replace(
        '"', "&quot;") + '"'),
    ("<svg onload> runs", "", '<svg onload="' + insert() + '"></svg>', []),
    ("a clone of a tag that ran does not run", TAG + js(
        "document.head.appendChild(document.scripts[0].cloneNode(true));"), "", []),
    ("a template's content, cloned into the head", f'<template id="t">{TAG}</template>' + js(
        "document.head.appendChild(document.getElementById('t').content.cloneNode(true));"), "",
     []),
    ("a template's content, imported", f'<template id="t">{TAG}</template>' + js(
        "document.head.append(document.importNode(document.querySelector('#t').content, "
        "true));"), "", []),
    ("a blob: URL of a loader", js(
        "var code = [" + repr(insert()) + "]; var b = new Blob(code, {type: 'text/javascript'});"
        "var l = document.createElement('script'); l.src = URL.createObjectURL(b);"
        "document.head.appendChild(l);"), "", []),
    ("an import map names the loader module", IMPORT_MAP.format(
        '"wt-loader": "/js/wt-module.js"') + MODULE.format(
        "import { load } from 'wt-loader'; load('shop');"), "", []),
    ("an import map prefix", IMPORT_MAP.format('"wt/": "/js/"') + MODULE.format(
        "import { load } from 'wt/wt-module.js'; load('shop');"), "", []),
    ("an import map names the tracker: no site", IMPORT_MAP.format(f'"wt": "{URL}"') +
     MODULE.format("import 'wt';"), "", ["WT004"]),
    ("import() through an import map: no site", IMPORT_MAP.format(f'"wt": "{URL}"') + js(
        "import('wt');"), "", ["WT004"]),
    ("an interval cleared once it installed", js(
        "var n = setInterval(function () { if (document.readyState === 'complete') { "
        "clearInterval(n);" + insert() + "} }, 100);"), "", []),
    ("an interval never cleared installs again", js(
        "setInterval(function () {" + insert() + "}, 1000);"), "", ["WT003"]),
    ("Array.from(document.scripts).some() sees the tag", TAG + js(
        "if (!Array.from(document.scripts).some(function (x) { return x.src.indexOf("
        "'tracker.js') > -1; })) {" + insert() + "}"), "", []),
    ("GTM-style container snippet pasted twice", js(GTM_STYLE) * 2, "", ["WT003"]),
    ("import() of a loader module, then its export", js(
        "import('/js/wt-module.js').then(({ load }) => load('shop'));"), "", []),
    ("an async function awaiting import()", js(
        "async function go() { const m = await import('/js/wt-module.js'); m.load('shop'); }"
        "go();"), "", []),
    ("replaceChildren of a detached element, appended", js(insert(
        into="var w = document.createElement('div'); w.replaceChildren(s); "
        "document.head.append(w);")), "", []),
    ("a tag in a declarative shadow root runs, in <body>", "",
     f'<div><template shadowrootmode="open">{TAG}</template></div>', ["WT002"]),
    ("a tag in a closed declarative shadow root runs, in <body>", "",
     f'<div><template shadowrootmode="closed">{TAG}</template></div>', ["WT002"]),
    ("a loader in a closed declarative shadow root runs", "",
     f'<div><template shadowrootmode="closed">{js(insert())}</template></div>', []),
    ("a declarative shadow root on a custom element, its mode in capitals", "",
     f'<wt-box><template shadowrootmode="OPEN">{js(insert())}</template></wt-box>', []),
    ("a declarative shadow root's tag beside the head's", TAG,
     f'<div><template shadowrootmode="open">{TAG}</template></div>', ["WT002", "WT003"]),
    ("a <template> in <head> keeps the tag after it in <head>",
     "<template><p>x</p></template>" + TAG, "", []),
    ("a template of table rows in <head>, then the tag",
     "<template><tr><td>x</td></tr></template>" + TAG, "", []),
    ("a <template> between </head> and <body> goes in <head>, and the tag after it",
     "</head><template>x</template>" + TAG, "", []),
    ("a byte order mark before the doctype", TAG, "", [], "", "", "\ufeff"),
    ("documentElement.firstChild is <head>", js(insert(
        into="document.documentElement.firstChild.appendChild(s);")), "", []),
    ("documentElement.lastChild from the body is <body>", "", js(insert(
        into="document.documentElement.lastChild.appendChild(s);")), ["WT002"]),
    ("into an element only the browser locates", js(insert(
        into="document.documentElement.children[0].appendChild(s);")), "", []),
    ("a loader re-creating innerHTML's scripts attribute by attribute", js(RECREATE), "",
     []),
    ("re-created scripts beside the tag count twice", TAG + js(RECREATE), "", ["WT003"]),
    ("re-created in place with replaceChild, the element then appended", js(
        "var d = document.createElement('div'); d.innerHTML = \"" + MARKUP + "\";"
        "Array.from(d.querySelectorAll('script')).forEach(function (o) {"
        "var n = document.createElement('script'); Array.from(o.attributes).forEach("
        "function (a) { n.setAttribute(a.name, a.value); }); n.textContent = o.textContent;"
        "o.parentNode.replaceChild(n, o); }); document.head.appendChild(d);"), "", []),
    ("re-created with replaceWith, the children then appended", js(
        "var d = document.createElement('div'); d.innerHTML = \"" + MARKUP + "\";"
        "[].slice.call(d.querySelectorAll('script[src]')).forEach(function (o) {"
        "var n = document.createElement('script'); n.src = o.src; n.dataset.site = "
        "o.dataset.site; o.replaceWith(n); }); document.head.append(...d.childNodes);"), "",
     []),
    ("a script's text from a text node", js(
        "var l = document.createElement('script'); l.appendChild(document.createTextNode("
        + repr(insert()) + ")); document.head.appendChild(l);"), "", []),
    ("a script's text by append('…')", js(
        "var l = document.createElement('script'); l.append(" + repr(insert()) + ");"
        "document.head.appendChild(l);"), "", []),
    ("a tag whose address has backslashes", TAG.replace(
        URL, "http:\\\\collector.localhost:8800\\tracker.js"), "", []),
    ("a loader whose address has backslashes", js(insert(
        "'http:\\\\\\\\collector.localhost:8800\\\\tracker.js'")), "", []),
    ("a timer at 9 minutes fires", js(
        "setTimeout(function () {" + insert() + "}, 9 * 60 * 1000);"), "", []),
    ("document.write closing <head> first puts the tag in <body>", js(
        f"document.write('</head><body><script src=\"{URL}\" data-site=\"shop\" async>"
        "<\\/script>');"), "", ["WT002"]),
    ("document.write of text, then the tag: in <body>", js(
        f"document.write('Hello <script src=\"{URL}\" data-site=\"shop\" async>"
        "<\\/script>');"), "", ["WT002"]),
    ("logical assignments ||= and ??= in the snippet", js(
        "window.wt ||= {}; window.wt.q ??= []; window.wt.on &&= 1;" + insert(SPLIT)), "", []),
    ("numeric separators and a BigInt", js("var ttl = 86_400, big = 10n;" + insert(SPLIT)),
     "", []),
    ("a class with fields, a private one and a static one", js(
        f"class L {{ #site = 'shop'; base = '{ORIGIN}'; static file = '/trac' + 'ker.js';"
        "load() { const s = document.createElement('script'); s.src = this.base + L.file;"
        "s.dataset.site = this.#site; document.head.append(s); } } new L().load();"), "", []),
    ("a class getter builds the address", js(
        "class C { get src() { return " + SPLIT + "; } }" + insert("new C().src")), "", []),
    ("import.meta in a module loader", MODULE.format(
        "console.log(import.meta.url);" + insert(SPLIT)), "", []),
    ("a module awaiting at its top level", MODULE.format(
        "await new Promise((r) => setTimeout(r, 100));" + insert(SPLIT)), "", []),
    ("a module awaiting import() of the loader module at its top level", MODULE.format(
        "const { load } = await import('/js/wt-module.js'); load('shop');"), "", []),
    ("Array at() and reduce()", js(insert(
        f"['x', ['{ORIGIN}', '/tracker.js'].reduce((a, b) => a + b, '')].at(-1)")), "", []),
    ("a fallback loader in onerror of the site's missing script",
     f'<script src="/missing.js" onerror="{insert()}"></script>', "", []),
    ("a fallback loader in onerror of the site's missing image", "",
     f'<img src="/missing.png" alt="" onerror="{insert()}">', []),
    ("an address built by replace(/…/)", js(insert(
        f"'{ORIGIN}/TRACKER'.replace(/TRACKER/, 'tracker.js')")), "", []),
    ("replace(/…/g) with $1 and $2", js(insert(
        f"'tracker|{ORIGIN}'.replace(/^(\\w+)\\|(.*)$/g, '$2/$1.js')")), "", []),
    ("a hostname regex the page matches", js(
        "if (/^shop\\./.test(location.hostname)) {" + insert() + "}"), "", []),
    ("a class static block runs the loader", js(
        "class L { static site = 'shop'; static { " + insert(SPLIT) + " } }"), "", []),
    ("for await before the loader", js(
        "(async () => { for await (const x of [Promise.resolve(1)]) {} " + insert(SPLIT) +
        " })();"), "", []),
    ("jQuery's getScript: the tracker runs, with no site", JQ + js(
        f"$.getScript('{URL}');"), "", ["WT004"]),
    ("jQuery's ajax of a script with scriptAttrs", JQ + js(
        f"jQuery.ajax({{url: '{URL}', dataType: 'script', cache: true, "
        "scriptAttrs: {'data-site': 'shop'}});"), "", []),
    ("jQuery's append of a tag loads its src without its data-site", JQ + js(
        f"$('head').append('<script src=\"{URL}\" data-site=\"shop\"><\\/script>');"), "",
     ["WT004"]),
    ("jQuery's ready runs the loader", JQ + js("$(function () {" + insert() + "});"), "", []),
    ("a loader that removes its script once loaded (or failed)", js(insert(
        into="s.onload = s.onerror = function () { s.parentNode.removeChild(s); }; "
        "document.head.appendChild(s);")), "", []),
    ("a fallback address in onerror, the failed script removed", js(insert(
        f"'{ORIGIN}/missing/tracker.js'", into=(
        "s.onerror = function () { s.remove();" + insert(f"'{ORIGIN}/v2/tracker.js'",
                                                         var="b") + "};"
        "document.head.appendChild(s);"))), "", []),
    ("a parked type restored, then the script moved: it is decided again and runs", js(
        insert(into="s.type = 'text/plain'; document.head.appendChild(s); s.type = '';"
               "document.head.appendChild(s);")), "", []),
    ("a loader's tag in a closed shadow root it attached", "", js(insert(
        into="var h = document.createElement('div'); document.body.appendChild(h); "
        "h.attachShadow({mode: 'closed'}).appendChild(s);")), ["WT002"]),
    ("an address by String.raw, a spread string, a defined getter and Reflect.apply", js(
        "Object.defineProperty(window, 'wtBase', {get: function () { return String.raw`"
        f"{ORIGIN}`; }}}});" + insert("[...wtBase, ...'/tracker.js'].join('')").replace(
            "document.createElement('script')",
            "Reflect.apply(document.createElement, document, ['script'])")), "", []),
    ("a generator yields the address, iterated", js(
        f"function* parts() {{ yield '{ORIGIN}'; yield* ['/trac', 'ker.js']; }}"
        "function* never() {" + insert() + "} never();" + insert("[...parts()].join('')")),
     "", []),
    ("a subclass's loader: super, an object spread, substr and a link's href",
     f'<link id="wtl" rel="preconnect" href="{ORIGIN}">' + js(
         "class Base { constructor(site) { this.site = site; } "
         "base() { return document.getElementById('wtl').href; } }"
         "class Loader extends Base { constructor(site) { super(site); } load(cfg) { "
         "const s = document.createElement('script'); s.src = super.base() + "
         "cfg.file.substr(2); s.dataset.site = this.site; document.head.append(s); } }"
         "new Loader('shop').load({...{file: 'x-tracker.js'}});"), "", []),
    ("a subclass with no constructor runs its superclass's in the superclass's scope", js(
        f"(function () {{ var base = '{ORIGIN}'; window.Base = class {{ constructor() {{ "
        "this.u = base + '/tracker.js'; } }; })();"
        "(function () { var base = 'https://cdn.example.com'; class L extends Base { load() {"
        + insert("this.u") + "} } new L().load(); })();"), "", []),
    ("a MutationObserver over the document as it is parsed, disconnecting", js(
        "new MutationObserver(function (r, o) { o.disconnect();" + insert() + "}).observe("
        "document.documentElement, {childList: true, subtree: true});"), "", []),
    ("an <iframe srcdoc>'s loader inserting into a parent.document element of the body", "",
     '<div id="x"></div><iframe srcdoc="' + js(insert(
         into="parent.document.querySelector('#x').appendChild(s);")).replace("'", "&#39;")
     + '"></iframe>', ["WT002"]),
    ("an <iframe srcdoc>'s loader inserting into parent.document.documentElement.firstChild",
     "", '<iframe srcdoc="' + js(insert(
         into="parent.document.documentElement.firstChild.appendChild(s);")).replace(
         "'", "&#39;") + '"></iframe>', []),
    ("document.write of the tag once loaded: the new document's own", js(
        "window.addEventListener('load', function () { document.write('" + TAG.replace(
            "</", "<\\/") + "'); });"), "", []),
    ("an empty script put in, then given its text, runs it", js(
        "var l = document.createElement('script'); document.head.appendChild(l); l.text = "
        + repr(insert()) + ";"), "", []),
    ("eval, and a timer of a string, run their code", js(
        "eval(" + repr(insert()) + "); setTimeout(" + repr(insert(SPLIT)) + ", 10);"), "",
     ["WT003"]),
    ("a downlevel-revealed conditional comment's tag runs", "<![if !IE]>" + TAG +
     "<![endif]>", "", []),
    ("a tag written self-closing runs, the next script its text", TAG.replace(
        "></script>", " />") + js(insert()), "", []),
    ("a tag after body content in <head> is in <body>", "<p>x</p>" + TAG, "", ["WT002"]),
    ("crossorigin=anonymous: the collector allows any origin", TAG.replace(
        "<script ", '<script crossorigin="anonymous" '), "", []),
    ("an IntersectionObserver's callback, given its observer", "", '<div id="io">x</div>' +
     js("new IntersectionObserver(function (e, o) { o.disconnect();" + insert() + "})"
        ".observe(document.getElementById('io'));"), []),
    ("an XMLHttpRequest's onload", js(
        "var x = new XMLHttpRequest(); x.open('GET', '/dep.js'); x.onload = function () {" +
        insert() + "}; x.send();"), "", []),
    # Pages that install nothing.
    ("load listeners on targets the event never reaches", js(
        "document.addEventListener('load', function () {" + insert() + "});"
        "window.addEventListener('readystatechange', function () {" + insert() + "});"
        "document.onload = function () {" + insert() + "};"), "", ["WT001"]),
    ("a module whose import the browser cannot resolve", MODULE.format(
        "import { load } from 'wt-loader'; load('shop');"), "", ["WT001"]),
    ("a TCF consent callback a first visit does not get", js(
        "__tcfapi('addEventListener', 2, function (tcData, success) { if (success && "
        "tcData.purpose.consents[1]) {" + insert() + "} });"), "", ["WT001"]),
    ("a consent platform's change callback", js(
        "OneTrust.OnConsentChanged(function () {" + insert() + "});"), "", ["WT001"]),
    ("a queue the consent platform would drain", js(
        "window.didomiOnReady = window.didomiOnReady || []; window.didomiOnReady.push("
        "function (Didomi) {" + insert() + "});"), "", ["WT001"]),
    ("an async external file's write is ignored", '<script src="/writer.js" async></script>',
     "", ["WT001"]),
    ("a library call the page does not define", js(f"$.getScript('{URL}');"), "",
     ["WT001"]),
    ("a consent-gated tag of type text/plain", TAG.replace(
        "<script ", '<script type="text/plain" data-category="analytics" '), "", ["WT001"]),
    ("a consent-gated tag beside the real tag", TAG + TAG.replace(
        "<script ", '<script type="text/plain" data-category="analytics" '), "", []),
    # Partytown runs a text/partytown script in a worker, where it has no document: the
    # tracker never runs in the page (WT001), as the browser alone would not run it either.
    ("a tag for Partytown's worker", TAG.replace("<script ", '<script type="text/partytown" '),
     "", ["WT001"]),
    ("insertAdjacentHTML's tag never runs", js(
        f"document.head.insertAdjacentHTML('beforeend', '<script src=\"{URL}\" "
        "data-site=\"shop\"><\\/script>');"), "", ["WT001"]),
    ("a custom element the page has only in a template is never made", js(
        "customElements.define('wt-loader', class extends HTMLElement { connectedCallback() {"
        + insert() + "} });"), "<template><wt-loader></wt-loader></template>", ["WT001"]),
    ("a disabled template", f'<script type="text/template">{TAG}</script>', "", ["WT001"]),
    ("a tag in <noscript> in the body", "", f"<noscript>{TAG}</noscript>",
     ["WT001", "WT008"]),
    ("the URL in a string and a comment", js(
        f"/* {URL} */ var docs = '<script src=\"{URL}\" data-site=\"shop\"><\\/script>';"
        " console.info('see', docs);"), "", ["WT001"]),
    ("the URL in JSON data", CONFIG_JSON, "", ["WT001"]),
    ("a timeout cleared before it fires", js(
        "var t = setTimeout(function () {" + insert() + "}, 5000); clearTimeout(t);"), "",
     ["WT001"]),
    ("a template's markup script, cloned", js(
        f"var tp = document.createElement('template'); tp.innerHTML = '<script src=\"{URL}\" "
        "data-site=\"shop\"><\\/script>'; document.head.appendChild(tp.content.cloneNode("
        "true));"), "", ["WT001"]),
    ("new Image().src is no script", js(f"new Image().src = '{URL}';"), "", ["WT001"]),
    ("a parked type restored after the script went in: it never runs", js(insert(
        into="s.type = 'text/plain'; document.head.appendChild(s); s.type = 'text/javascript';"
    )), "", ["WT001"]),
    ("a tag of a type with parameters", TAG.replace(
        "<script ", '<script type="text/javascript; charset=utf-8" '), "", ["WT001"]),
    ("a tag of language vbscript", TAG.replace("<script ", '<script language="vbscript" '), "",
     ["WT001"]),
    ("a tag for another element's event", TAG.replace(
        "<script ", '<script for="document" event="onclick" '), "", ["WT001"]),
    ("an empty src: the loader in its text never runs", f'<script src="" data-site="shop">'
     f"{insert()}</script>", "", ["WT001"]),
    ("a tag in <noscript> in the head", f"<noscript>{TAG}</noscript>", "", ["WT001", "WT008"]),
    ("a tag the page ends in, never closed, never runs", "",
     f'<script src="{URL}" data-site="shop" defer>', ["WT001"]),
    ("an async tag the page ends in, never closed, never runs", "",
     f'<script src="{URL}" data-site="shop" async>', ["WT001"]),
    ("an <iframe srcdoc>'s loader inserting into parent.document is the page's", "",
     '<iframe srcdoc="' + js(insert(into="parent.document.head.appendChild(s);")).replace(
         "'", "&#39;") + '"></iframe>', []),
    ("an <iframe srcdoc>'s loader inserting into its own document is the frame's", "",
     '<iframe srcdoc="' + js(insert()).replace("'", "&#39;") + '"></iframe>', ["WT001"]),
    ("a tag in an <iframe srcdoc> is the frame's install, not the page's", "",
     '<iframe srcdoc="' + TAG.replace('"', "&quot;") + '"></iframe>', ["WT001"]),
    ("a <math> script is no script", "", f"<math>{TAG}</math>", ["WT001"]),
    ("onload on <html> never fires", "", "", ["WT001"], ' onload="' + insert().replace(
        '"', "&quot;") + '"'),
    ("onload on a <div> never fires", "", '<div onload="' + insert() + '"></div>', ["WT001"]),
    ("innerHTML of a detached element, then appended", js(
        f"var d = document.createElement('div'); d.innerHTML = '<script src=\"{URL}\" "
        "data-site=\"shop\"><\\/script>'; document.head.appendChild(d);"), "", ["WT001"]),
    ("a second declarative shadow root on one host is inert", "",
     f'<div><template shadowrootmode="open"></template><template shadowrootmode="open">{TAG}'
     "</template></div>", ["WT001"]),
    ("a declarative shadow root on an <li> is inert", "",
     f'<ul><li><template shadowrootmode="open">{TAG}</template></li></ul>', ["WT001"]),
    ("a declarative shadow root directly in another is inert", "",
     f'<div><template shadowrootmode="open"><template shadowrootmode="open">{TAG}</template>'
     "</template></div>", ["WT001"]),
    ("the withdrawn shadowroot attribute is inert", "",
     f'<div><template shadowroot="open">{TAG}</template></div>', ["WT001"]),
    ("a declarative shadow root in <head> is inert",
     f'<template shadowrootmode="open">{TAG}</template>', "", ["WT001"]),
    ("outerHTML's script never runs", '<meta id="m">' + js(
        f"document.getElementById('m').outerHTML = '<script src=\"{URL}\" data-site=\"shop\" "
        "async><\\/script>';"), "", ["WT001"]),
    ("a clone of innerHTML's script never runs", js(
        "var d = document.createElement('div'); d.innerHTML = \"" + MARKUP + "\";"
        "document.head.appendChild(d.firstChild.cloneNode(true));"), "", ["WT001"]),
    ("innerHTML's script moved out of its element never runs", js(
        "var d = document.createElement('div'); d.innerHTML = \"" + MARKUP + "\";"
        "document.head.appendChild(d.firstChild);"), "", ["WT001"]),
    ("setHTMLUnsafe's script never runs", js(
        "var d = document.createElement('div'); d.setHTMLUnsafe(\"" + MARKUP + "\");"
        "document.head.appendChild(d);"), "", ["WT001"]),
    ("Document.parseHTMLUnsafe's script, appended, never runs", js(
        "var doc = Document.parseHTMLUnsafe(\"" + MARKUP + "\");"
        "document.head.appendChild(doc.querySelector('script'));"), "", ["WT001"]),
    ("a backslash in the query is no path", TAG.replace(
        URL, f"{ORIGIN}/app.js?\\\\tracker.js"), "", ["WT001"]),
    ("a timer for after the page is watched (20 minutes) never fires", js(
        "setTimeout(function () {" + insert() + "}, 20 * 60 * 1000);"), "", ["WT001"]),
    ("document.write of a template's script runs nothing", js(
        f"document.write('<template><script src=\"{URL}\" data-site=\"shop\" async>"
        "<\\/script></template>');"), "", ["WT001"]),
    ("??= keeps an address already set: the site's own script", js(
        "window.wtSrc = '/app.js'; window.wtSrc ??= " + SPLIT + ";" + insert("window.wtSrc")),
     "", ["WT001"]),
    ("a class field never read installs nothing", js("class L { src = " + SPLIT + "; }"),
     "", ["WT001"]),
    ("onload of the site's missing script never fires",
     f'<script src="/missing.js" onload="{insert()}"></script>', "", ["WT001"]),
    ("onerror of a script that loads never fires",
     f'<script src="/dep.js" onerror="{insert()}"></script>', "", ["WT001"]),
    ("a consent cookie tested by a regex a first visit has not", js(
        "if (/(^|; )wt_consent=yes/.test(document.cookie)) {" + insert() + "}"), "",
     ["WT001"]),
    ("document.cookie.match() of a consent a first visit has not", js(
        "if (document.cookie.match(/wt_consent=yes/)) {" + insert() + "}"), "", ["WT001"]),
    ("new RegExp() of a consent a first visit has not", js(
        "if (new RegExp('wt_consent=' + 'yes').test(document.cookie)) {" + insert() + "}"),
     "", ["WT001"]),
    ("a hostname regex for another site", js(
        "if (/^www\\.shop\\.example$/.test(location.hostname)) {" + insert() + "}"), "",
     ["WT001"]),
    ("document.write of a tag whose </script> is not escaped ends the script: an error", js(
        f"document.write(\"<script src='{URL}' data-site='shop' async></script>\");"), "",
     ["WT001"]),
    ("document.write of a commented-out tag", js(
        f"document.write('<!-- <script src=\"{URL}\" data-site=\"shop\" async><\\/script> "
        "-->');"), "", ["WT001", "WT008"]),
    ("document.write of a tag in <noscript>", js(
        f"document.write('<noscript><script src=\"{URL}\" data-site=\"shop\"><\\/script>"
        "</noscript>');"), "", ["WT001", "WT008"]),
    ("document.write of a comment beside the tag", TAG + js(
        "document.write('<!-- built by /app.js -->');"), "", []),
    ("a MutationObserver that never observes never calls back", js(
        "var mo = new MutationObserver(function () {" + insert() + "});"), "", ["WT001"]),
    ("a MutationObserver of attributes nothing changes", js(
        "new MutationObserver(function (r, o) { o.disconnect();" + insert() + "}).observe("
        "document.head, {attributes: true});"), "", ["WT001"]),
    # document.open() once the page is parsed (a write from a callback opens one too)
    # replaces the page, its tag with it, and erases the tracker's listeners: the visitor's
    # page has no tracker.
    ("document.open() once loaded replaces the page and its tag", TAG + js(
        "window.addEventListener('load', function () { document.open(); "
        "document.write('<p>gone</p>'); document.close(); });"), "", ["WT001"]),
    ("document.write once loaded opens a new page: it replaces the tag", TAG + js(
        "window.onload = function () { document.write('<p>gone</p>'); document.close(); };"),
     "", ["WT001"]),
    ("raw text and comments hold no script", "<!--[if IE]>" + TAG + "<![endif]--><style>" +
     TAG + "</style>", "".join(f"<{t}>{TAG}</{t}>" for t in (
         "textarea", "xmp", "noembed", "noframes", "iframe", "title")) + "<plaintext>" + TAG,
     ["WT001", "WT008"]),
    ("a javascript: URL as a script's src runs nothing", '<script src="javascript:' +
     insert().replace('"', "%22") + '"></script>', "", ["WT001"]),
    ("a type of JavaScript without text/ is no JavaScript type", TAG.replace(
        "<script ", '<script type="JavaScript" '), "", ["WT001"]),
    # What the collector serves with Access-Control-Allow-Origin: * (the file the test
    # serves for it is not webtrack's tracker, so no hash of it matches).
    ("a wrong integrity hash: the browser refuses the tracker", TAG.replace(
        "<script ", '<script integrity="sha384-' + "A" * 64 + '" crossorigin="anonymous" '),
     "", ["WT001"]),
    ("an integrity hash on the collector's script without crossorigin: refused", TAG.replace(
        "<script ", '<script integrity="' + __import__("base64").b64encode(b"x" * 48).decode(
        ).join(["sha384-", ""]) + '" '), "", ["WT001"]),
    ("a loader's script asked for with credentials: refused", js(insert(
        into="s.crossOrigin = 'use-credentials'; document.head.appendChild(s);")), "",
     ["WT001"]),
    ("window.onload set by a load listener: the event is past", js(
        "window.addEventListener('load', function () { window.onload = function () {" +
        insert() + "}; });"), "", ["WT001"]),
    ("a DOMParser's script, appended", js(
        f"var doc = new DOMParser().parseFromString('<script src=\"{URL}\" data-site="
        "\"shop\"><\\/script>', 'text/html'); document.head.appendChild(doc.scripts[0]);"),
     "", ["WT001"]),
    # A script address's origin is its WHATWG host: what comes before an @ is credentials
    # (Firefox loads it from evil.example, Chromium refuses it), and any credentials are WT004.
    ("a tag whose address names the collector as userinfo (async)", TAG.replace(
        "localhost:8800/", "localhost:8800@evil.example/").replace(" defer", " async"), "",
     ["WT004"]),
    ("a loader whose address has credentials before the collector", js(insert(
        f"'http://u:p@{URL[7:]}'")), "", ["WT004"]),
    # A Content-Security-Policy <meta> in <head> governs the scripts fetched after it.
    ("a security policy <meta> of 'self' only: the collector's async tag is blocked",
     '<meta http-equiv="Content-Security-Policy" content="script-src \'self\' '
     '\'unsafe-inline\'">' + TAG.replace(" defer", " async"), "", ["WT001"]),
    ("a security policy <meta> of a nonce: a loader's script without one is blocked",
     '<meta http-equiv="content-security-policy" content="script-src \'nonce-abc\'">' +
     js(insert(), ' nonce="abc"'), "", ["WT001"]),
    ("a security policy <meta> naming the collector, and one after the tag: it loads",
     '<meta http-equiv="Content-Security-Policy" content="default-src \'self\'; script-src '
     '\'self\' http://collector.localhost:8800">' + TAG + '<meta http-equiv="Content-'
     'Security-Policy" content="script-src \'none\'">', "", []),
    # Classic scripts share one global scope: a let/const/class redeclared is a SyntaxError
    # and that whole script runs nothing.
    ("a const loader snippet pasted twice: the second is a SyntaxError",
     js(insert().replace("var s", "const s")) * 2, "", []),
    ("a let declared twice in one script: it never runs",
     js("let s = 1; " + insert().replace("var s", "let s")), "", ["WT001"]),
    ("a function named as an earlier script's let: that script never runs, the tag does",
     js("let wtInit = 1;") + js("function wtInit() {}" + insert()) + TAG, "", []),
    # What the rendered audit reads where it ran, not where the final markup puts it.
    ("a loader appending to a <template> element itself (not its content): runs in head",
     '<template id="tpl"></template>' + js(insert(
         into="document.getElementById('tpl').appendChild(s);")), "", []),
    ("a loader appending to a <noscript> element in head: runs in head",
     '<noscript id="ns"></noscript>' + js(insert(
         into="document.getElementById('ns').appendChild(s);")), "", []),
    ("a script element in no namespace (createElementNS(null)): never runs", js(insert().replace(
        "createElement('script')", "createElementNS(null, 'script')").replace(
        ".src = ", ".setAttribute('src', ").replace("; s.setAttribute('data", "); "
        "s.setAttribute('data")), "", ["WT001"]),
    ("a text/plain tag whose type is flipped, not put in again: never runs", TAG.replace(
        "<script ", '<script type="text/plain" data-category="analytics" ') + js(
        "document.querySelectorAll('script[data-category]').forEach(function (el) { "
        "el.type = 'text/javascript'; });"), "", ["WT001"]),
    ("a tag in body that ran, then moved into head: it ran in body", "", TAG.replace(
        " defer", "") + js("document.head.appendChild(document.querySelector('script[src*="
        "\"tracker.js\"]'));"), ["WT002", "WT007"]),
    ("a tag in head that ran, then moved into body: it ran in head", TAG.replace(" defer", ""),
     js("document.body.appendChild(document.querySelector('script[src*=\"tracker.js\"]'));"),
     ["WT007"]),
    ("an async tag whose head is rewritten by innerHTML +=: the original runs, once",
     TAG.replace(" defer", " async") + js(
         "document.head.innerHTML += '<meta name=\"theme-color\" content=\"#fff\">';"), "",
     []),
    ("a defer tag removed by a later script: it runs all the same", TAG.replace(
        "<script ", '<script id="wt" ') + js("document.getElementById('wt').remove();"), "", []),
    ("a src changed after the script went in: the browser keeps the first address", js(insert(
        "'http://evil.example/tracker.js'", into=f"document.head.appendChild(s); s.src = "
        f"'{URL}';")), "", ["WT004"]),
    ("a site set through document.head.lastElementChild right after append", js(
        f"document.head.append(Object.assign(document.createElement('script'), {{src: '{URL}', "
        "async: true}));document.head.lastElementChild.dataset.site = 'shop';"), "", []),
    ("lastElementChild after insertBefore is not the script put in", js(insert(
        into="document.head.insertBefore(s, document.head.firstChild); "
        "document.head.lastElementChild.dataset.site = 'blog';")), "", []),
    ("a text/plain tag whose type is flipped and that is put in again: runs once", TAG.replace(
        "<script ", '<script type="text/plain" data-category="analytics" ').replace(
        " defer", " async") + js("document.querySelectorAll('script[data-category=\"analytics"
        "\"]').forEach(function (el) { el.type = 'text/javascript'; "
        "document.head.appendChild(el); });"), "", []),
    # Strict mode code (a "use strict" prologue, a class, a module) makes no implicit global:
    # assigning a name nothing declared is a ReferenceError that stops the script.
    ("a 'use strict' IIFE assigning an undeclared name: a ReferenceError", js(
        "(function () { 'use strict'; " + insert().replace("var s", "s") + "})();"), "",
     ["WT001"]),
    ("a strict script assigning an undeclared name", js(
        "'use strict'; " + insert().replace("var s", "s")), "", ["WT001"]),
    ("a class method assigning an undeclared name: class code is strict", js(
        "class L { static run() {" + insert().replace("var s", "s") + "} } L.run();"), "",
     ["WT001"]),
    ("a module assigning an undeclared name: module code is strict", MODULE.format(
        insert().replace("var s", "s")), "", ["WT001"]),
    ("a strict loader assigning a global an earlier script declared", js("var s;") + js(
        "(function () { 'use strict'; " + insert().replace("var s", "s") + "})();"), "", []),
    ("a sloppy script after a strict one still makes implicit globals", js(
        "'use strict'; var wtOn = true;") + js(insert().replace("var s", "s")), "", []),
    # The standard ignores document.write while a module runs, as it does for an external
    # async or deferred script: a module is never parser-blocking, inline or not.
    ("an inline module's document.write is ignored", MODULE.format(WRITER), "", ["WT001"]),
    ("a module tag's document.write is ignored", '<script type="module" src="/writer.js">'
     "</script>", "", ["WT001"]),
    ("a module importing a file that writes: ignored", MODULE.format("import '/writer.js';"),
     "", ["WT001"]),
    # A visitor's page is visible as it loads (and no longer prerendered).
    ("a loader waiting for the page to be visible", js(
        "function l() {" + insert() + "} if (document.visibilityState === 'visible') l(); "
        "else document.addEventListener('visibilitychange', l, {once: true});"), "", []),
    ("a loader run when document.hidden is false", js(
        "if (document.hidden === false) {" + insert() + "}"), "", []),
    ("a loader held while prerendering", js(
        "function l() {" + insert() + "} if (document.prerendering) document.addEventListener("
        "'prerenderingchange', l, {once: true}); else l();"), "", []),
    # Loaders that keep bots out: a visitor's browser is neither automated nor headless, and
    # the rendered audit must judge the page a visitor gets.
    ("a loader skipping automated browsers (navigator.webdriver)", js(
        "if (!navigator.webdriver) {" + insert() + "}"), "", []),
    ("a loader skipping headless browsers and crawlers by user agent", js(
        "if (!/bot|crawler|spider|headless/i.test(navigator.userAgent)) {" + insert() + "}"),
     "", []),
    # Legacy sloppy code looks names up on an object with `with`.
    ("a legacy loader in a with (document) block", js(
        f"with (document) {{ var s = createElement('script'); s.src = '{URL}'; "
        "s.setAttribute('data-site', 'shop'); getElementsByTagName('head')[0].appendChild(s); "
        "}"), "", []),
    ("a with block over a settings object, a closure inside", js(
        f"with ({{u: '{URL}', site: 'shop'}}) {{ (function () {{" + insert("u").replace(
            "'data-site', 'shop'", "'data-site', site") + "})(); }"), "", []),
    ("a module tag whose type has spaces around it", TAG.replace(" defer", ' type=" module "'),
     "", []),
]



# Red team (installs3): shapes real snippets take, each checked both ways.
def strict(code):
    """*code* in a strict mode IIFE, as bundlers and careful vendors wrap snippets."""
    return "(function () { 'use strict'; " + code + " })();"

WRITE_TAG = f"document.write('<script src=\"{URL}\" data-site=\"shop\" async><\\/script>');"
B64 = base64.b64encode(URL.encode()).decode()
CODES = ",".join(str(ord(c)) for c in "/tracker.js")
SHAPES += [
    # strict this
    ("a strict IIFE writing to this: a TypeError", js(strict("this.wtq = [];" + insert())),
     "", ["WT001"]),
    ("a strict IIFE reading this.document: a TypeError", js(strict(
        "var d = this.document;" + insert().replace("document.", "d."))), "", ["WT001"]),
    ("a strict IIFE falling back from this to window", js(strict(
        "var w = this || window;" + insert().replace("document.", "w.document."))), "", []),
    ("a strict function called with call(null): this is null", js(
        "(function () { 'use strict'; this.wtq = [];" + insert() + " }).call(null);"),
     "", ["WT001"]),
    ("a sloppy function called with call(null): this is window", js(
        "(function () { this.wtq = [];" + insert() + " }).call(null);"), "", []),
    ("a strict arrow's this is its strict function's", js(strict(
        "var f = () => this.document;" + insert().replace("document.createElement", "f().createElem"
            "ent"))),
     "", ["WT001"]),
    ("a module's this is undefined", MODULE.format("this.wtq = [];" + insert()), "", ["WT001"]),
    ("UMD wrapper given this in a classic script", js(
        "(function (root, factory) { root.wtLoad = factory(); root.wtLoad(); })(this, function () {"
        " return function () {" + insert() + "}; });"), "", []),
    ("UMD wrapper given this in a module: undefined", MODULE.format(
        "(function (root, factory) { root.wtLoad = factory(); root.wtLoad(); })(this, function () {"
        " return function () {" + insert() + "}; });"), "", ["WT001"]),
    ("a plain call inside a method: this is window, not the object", js(
        "var wt = {site: 'blog', run: function () { (function () {" + insert().replace(
            "'data-site', 'shop'", "'data-site', this.site || 'shop'") + "})(); }}; wt.run();"),
     "", []),
    ("a class method taken off its object: this is undefined", js(
        "class L { constructor() { this.u = '" + URL + "'; } load() {" + insert("this.u") +
        "} } var load = new L().load; load();"), "", ["WT001"]),
    ("a strict constructor called without new", js(
        "function Loader(u) { 'use strict'; this.u = u; } Loader('" + URL + "');" + insert()), "",
     ["WT001"]),
    ("a sloppy constructor called without new sets window's", js(
        "function Loader(u) { this.wtU = u; } Loader('" + URL + "');" + insert("window.wtU")),
     "", []),
    ("new Function('return this')() is window even in strict code", js(strict(
        "var g = new Function('return this')();" + insert().replace("document.", "g.document."))),
     "", []),
    # globals and events
    ("bare addEventListener is the window's", js(
        "addEventListener('load', function () {" + insert() + "});"), "", []),
    ("a bare onload assignment is the window's", js(
        "onload = function () {" + insert() + "};"), "", []),
    ("document.body.onload from the body is the window's", "", js(
        "document.body.onload = function () {" + insert() + "};"), []),
    ("a load listener with {once: true}", js(
        "window.addEventListener('load', function () {" + insert() + "}, {once: true});"), "", []),
    ("DOMContentLoaded added from a load handler never fires", js(
        "window.addEventListener('load', function () { document.addEventListener("
        "'DOMContentLoaded', function () {" + insert() + "}); });"), "", ["WT001"]),
    ("requestIdleCallback with a timeout", js(
        "requestIdleCallback(function () {" + insert() + "}, {timeout: 2000});"), "", []),
    ("setTimeout passing the address as an argument", js(
        "setTimeout(function (u) {" + insert("u") + f"}}, 0, '{URL}');"), "", []),
    ("requestAnimationFrame then a timer", js(
        "requestAnimationFrame(function () { setTimeout(function () {" + insert() + "}, 0); });"),
     "", []),
    ("a consent event no one dispatches", js(
        "window.addEventListener('CookiebotOnAccept', function () {" + insert() + "});"), "",
     ["WT001"]),
    ("a consent event the page dispatches itself", js(
        "window.addEventListener('wt-consent', function () {" + insert() + "});"
        "window.dispatchEvent(new Event('wt-consent'));"), "", []),
    ("a message listener no one posts to", js(
        "window.addEventListener('message', function (e) { if (e.data === 'consent') {" + insert()
        + "} });"), "", ["WT001"]),
    ("globalThis.document and self.document", js(insert().replace(
        "document.createElement", "globalThis.document.createElement").replace(
        "document.head", "self.document.head")), "", []),
    ("window.top.document from the page itself", js(insert(
        into="top.document.head.appendChild(s);")), "", []),
    # addresses
    ("atob of the address", js(insert(f"atob('{B64}')")), "", []),
    ("String.fromCharCode of the path", js(insert(f"'{ORIGIN}' + String.fromCharCode({CODES})")),
     "", []),
    ("a reversed string", js(insert("'" + URL[::-1] + "'.split('').reverse().join('')")), "", []),
    ("encodeURIComponent of the page address in the query", js(insert(
        f"'{URL}?u=' + encodeURIComponent(location.href) + '&v=1'")), "", []),
    ("decodeURIComponent of an encoded address", js(insert(
        "decodeURIComponent('" + URL.replace(":", "%3A").replace("/", "%2F") + "')")), "", []),
    ("the collector from location.origin", js(insert(
        "location.origin.replace('//shop.', '//collector.') + '/tracker.js'")), "", []),
    ("the collector from location.port", js(insert(
        "'http://collector.localhost:' + location.port + '/tracker.js'")), "", []),
    ("a protocol ternary to https on an http page", js(insert(
        "(location.protocol === 'https:' ? 'https://nowhere.example' : 'http://collector.localhost:"
        "8800') + '/tracker.js'")), "", []),
    ("JSON.parse of an inline string", js(insert(
        "JSON.parse('{\"u\": \"" + URL + "\"}').u")), "", []),
    ("noModule in a script picks the build", js(insert(
        f"'noModule' in HTMLScriptElement.prototype ? '{URL}' : '/legacy/tracker.js'")), "", []),
    ("a switch on location.hostname picks the site", js(
        "var site; switch (location.hostname) { case 'shop.localhost': site = 'shop'; break; "
        "default: site = 'blog'; }" + insert().replace("'data-site', 'shop'", "'data-site', site")),
     "", []),
    # places
    ("after document.currentScript", js(insert(into="document.currentScript.after(s);")), "", []),
    ("insertAdjacentElement afterend of currentScript", js(insert(
        into="document.currentScript.insertAdjacentElement('afterend', s);")), "", []),
    ("replaceWith a placeholder in the head", '<meta id="ph">' + js(insert(
        into="document.getElementById('ph').replaceWith(s);")), "", []),
    ("getElementsByTagName('head').item(0)", js(insert(
        into="document.getElementsByTagName('head').item(0).appendChild(s);")), "", []),
    ("createElement('SCRIPT') in capitals", js(insert().replace("'script'", "'SCRIPT'")), "", []),
    ("an about:blank iframe's head is the frame's", "", js(
        "var f = document.createElement('iframe'); document.body.appendChild(f);" + insert(
            into="f.contentDocument.head.appendChild(s);")), ["WT001"]),
    # types and attributes
    ("a tag of type text/jscript", TAG.replace("<script ", '<script type="text/jscript" '), "", []),
    ("a tag of type application/ecmascript", TAG.replace("<script ", '<script type="application/ecm'
        'ascript" '), "", []),
    ("a loader of type text/x-javascript", js(insert(), ' type="text/x-javascript"'), "", []),
    ("a tag of type text/javascript;charset=utf-8", TAG.replace(
        "<script ", '<script type="text/javascript;charset=utf-8" '), "", ["WT001"]),
    ("a Rocket-Loader-rewritten type", TAG.replace(
        "<script ", '<script type="4a1b2c3d-text/javascript" '), "", ["WT001"]),
    ("an inline nomodule loader never runs", js(insert(), " nomodule"), "", ["WT001"]),
    ("an inline defer script's write is not deferred", js(WRITE_TAG, " defer"),
     "", []),
    ("an inline async script's write still writes", js(WRITE_TAG, " async"), "", []),
    ("an inline async module loader", js(insert(), ' type="module" async'), "", []),
    ("a tag both defer and async", TAG.replace(" defer", " defer async"), "", []),
    ("a Klaro-parked tag", TAG.replace("<script ", '<script type="text/plain" '
        'data-type="text/javascript" data-name="wt" '), "", ["WT001"]),
    ("downlevel-revealed comment trick", "<!--[if !IE]><!-->" + TAG + "<!--<![endif]-->", "", []),
    ("a protocol-relative base href", '<base href="//collector.localhost:8800/">' +
     TAG.replace(URL, "tracker.js"), "", []),
    # security policy
    ("a policy without unsafe-inline blocks an inline loader",
     '<meta http-equiv="Content-Security-Policy" content="script-src \'self\' '
     'http://collector.localhost:8800">'
     + js(insert()), "", ["WT001"]),
    ("a policy <meta> in the body is ignored", "", '<meta http-equiv="Content-Security-Policy" '
     'content="script-src \'none\'">', ["WT001"]),
    ("a policy's strict-dynamic trusts a nonced loader",
     '<meta http-equiv="Content-Security-Policy" content="script-src \'nonce-abc\' '
     '\'strict-dynamic\'">'
     + js(insert(), ' nonce="abc"'), "", []),
    # eval family
    ("indirect eval (0, eval)", js("(0, eval)(" + repr(insert()) + ");"), "", []),
    ("window['ev' + 'al']", js("window['ev' + 'al'](" + repr(insert()) + ");"), "", []),
    ("importScripts in a page is a ReferenceError", js(f"importScripts('{URL}');" + insert()),
     "", ["WT001"]),
    ("setInterval with a string, cleared by itself", js(
        "var wtI = setInterval(\"clearInterval(wtI);" + insert().replace('"', '\\"') + "\", 10);"),
     "", []),
    ("document.write.apply with two pieces", js(
        f"document.write.apply(document, ['<script src=\"{URL}\" data-site=\"shop\" async>', "
        "'<\\/script>']);"),
     "", []),
    ("a write bound to a variable", js(
        f"var w = document.write.bind(document); w('<script src=\"{URL}\" data-site=\"shop\" "
        "async><\\/script>');"),
     "", []),
    # vendors
    ("Pinterest-style", js(
        "!function(e){if(!window.wtk){window.wtk=function(){window.wtk.queue.push(Array.prototype.s"
        "lice.call(arguments))};"
        "var n=window.wtk;n.queue=[],n.version='3.0';var t=document.createElement('script');"
        "t.async=!0,t.src=e;"
        "t.setAttribute('data-site','shop');var r=document.getElementsByTagName('script')[0];"
        "r.parentNode.insertBefore(t,r)}}"
        f"('{URL}');wtk('load','shop');"), "", []),
    ("Snap-style implicit global r", js(
        "(function(e,t,n){if(e.wtr)return;var "
        "a=e.wtr=function(){a.handleRequest?a.handleRequest.apply(a,arguments):"
        "a.queue.push(arguments)};a.queue=[];var s='script';r=t.createElement(s);r.async=!0;"
        "r.src=n;r.dataset.site='shop';"
        "var u=t.getElementsByTagName(s)[0];u.parentNode.insertBefore(r,u);"
        f"}})(window,document,'{URL}');"), "", []),
    ("Heap-style load with a method factory loop", js(
        "window.wh=window.wh||[],wh.load=function(e,t){window.wh.appid=e,window.wh.config=t=t||{};"
        "var r=document.createElement('script');"
        f"r.type='text/javascript',r.async=!0,r.src='{ORIGIN}/'+'tracker.js',r.dataset.site=e;var "
        "a=document.getElementsByTagName('script')[0];"
        "a.parentNode.insertBefore(r,a);for(var n=function(e){return "
        "function(){wh.push([e].concat(Array.prototype.slice.call(arguments,0)))}},"
        "p=['track','identify'],o=0;o<p.length;o++)wh[p[o]]=n(p[o])};wh.load('shop');"), "", []),
    ("PostHog-style init with a nested function and api_host", js(
        "!function(t,e){var o,n,p,r;e.__SV||(window.wph=e,e._i=[],e.init=function(i,s,a){function "
        "g(t,e){var o=e.split('.');"
        "2==o.length&&(t=t[o[0]],e=o[1]),"
        "t[e]=function(){t.push([e].concat(Array.prototype.slice.call(arguments,0)))}}"
        "(p=t.createElement('script')).type='text/javascript',p.async=!0,"
        "p.src=s.api_host+'/tracker.js',p.dataset.site=i,"
        "(r=t.getElementsByTagName('script')[0]).parentNode.insertBefore(p,r);var u=e;for(void "
        "0!==a?u=e[a]=[]:a='wph',"
        "u.people=u.people||[],n='capture identify'.split(' '),o=0;o<n.length;o++)g(u,n[o]);"
        "e._i.push([i,s,a])},e.__SV=1)}"
        f"(document,window.wph||[]);wph.init('shop',{{api_host:'{ORIGIN}'}});"), "", []),
    ("FullStory-style namespace from a window property", js(
        f"window['_wt_script']='{URL[7:]}';window['_wt_namespace']='WT';"
        "(function(m,n,e,t,l,o,g,y){if(e in m){return;}g=m[e]=function(a,b,s){g.q?g.q.push([a,b,"
        "s]):g._api(a,b,s);};g.q=[];"
        "o=n.createElement(t);o.async=1;o.crossOrigin='anonymous';o.src='http://'+_wt_script;"
        "o.dataset.site='shop';"
        "y=n.getElementsByTagName(t)[0];y.parentNode.insertBefore(o,y);})(window,document,"
        "window['_wt_namespace'],'script','user');"),
     "", []),
    ("VWO-style object with this.load", js(
        "window._wt_code = (function () { var settings = {site: 'shop'}; return { init: function "
        "() { "
        f"this.load('{URL}'); }}, load: function (u) {{ var b = document.createElement('script'); "
        "b.src = u; "
        "b.dataset.site = settings.site; b.type = 'text/javascript'; "
        "document.getElementsByTagName('head')[0].appendChild(b); } }; }()); _wt_code.init();"),
     "", []),
    ("Tawk-style crossorigin *", js(
        "var Wt_API=Wt_API||{}, Wt_LoadStart=new Date();(function(){var "
        "s1=document.createElement('script'),"
        f"s0=document.getElementsByTagName('script')[0];s1.async=true;s1.src='{URL}';"
        "s1.charset='UTF-8';"
        "s1.setAttribute('crossorigin','*');s1.dataset.site='shop';s0.parentNode.insertBefore(s1,"
        "s0);})();"), "", []),
    ("Drift-style load with a time bucket", js(
        "!function(){var t=window.wdrift=window.wdrift||[];if(!t.init){if(t.invoked)return;"
        "t.invoked=!0,"
        "t.methods=['identify','track'],t.factory=function(e){return function(){var "
        "n=Array.prototype.slice.call(arguments);"
        "return n.unshift(e),t.push(n),t}},t.methods.forEach(function(e){t[e]=t.factory(e)}),"
        "t.load=function(t){"
        "var e=3e5,n=Math.ceil(new Date()/e)*e,o=document.createElement('script');"
        "o.type='text/javascript',o.async=!0,"
        f"o.crossorigin='anonymous',o.src='{ORIGIN}/v/'+n+'/tracker.js',o.dataset.site=t;var "
        "i=document.getElementsByTagName('script')[0];"
        "i.parentNode.insertBefore(o,i)}}}();wdrift.SNIPPET_VERSION='0.3.1';wdrift.load('shop');"),
     "", []),
    ("LinkedIn-style undefined argument", js(
        "(function(l){if(!l){window.wlt=function(a,b){window.wlt.q.push([a,b])};window.wlt.q=[]}"
        "var s=document.getElementsByTagName('script')[0];var b=document.createElement('script');"
        "b.type='text/javascript';"
        f"b.async=true;b.src='{URL}';b.dataset.site='shop';s.parentNode.insertBefore(b,s);"
        "})(window.wlt);"), "", []),
    ("Optimizely-style blocking tag", TAG.replace(" defer", ""), "", ["WT007"]),
    ("an anti-flicker snippet before the tag", js(
        "(function(a,s,y,n,c,h,i,d,e){s.className+=' '+y;h.start=1*new Date;"
        "h.end=i=function(){s.className="
        "s.className.replace(RegExp(' ?'+y),'')};(a[n]=a[n]||[]).hide=h;setTimeout(function(){i();"
        "h.end=null},c);"
        "h.timeout=c;})(window,document.documentElement,'async-hide','dataLayer',4000,"
        "{'GTM-A1':true});") + TAG, "", []),
    # containers
    ("a container with an id in the query", '<script src="/container.js?id=C-1" async></script>',
     "", []),
    ("a container written by document.write", js(
        "document.write('<script src=\"/container.js\"><\\/script>');"), "", []),
    ("a container as a module tag", '<script type="module" src="/container.js"></script>', "", []),
    ("a container parked as text/plain", '<script type="text/plain" src="/container.js"></script>',
     "", ["WT001"]),
    ("a container twice", '<script src="/container.js" async></script>' * 2, "", ["WT003"]),
    ("a container by import()", js("import('/container.js');"), "", []),
]
CSP = '<meta http-equiv="Content-Security-Policy" content="{}">'
_L = insert("'http://collector.localhost:' + location.port + '/tracker.js'")
_HASH = "sha256-" + base64.b64encode(hashlib.sha256(_L.encode()).digest()).decode()
SHAPES += [
    ("a policy without unsafe-inline blocks <body onload>", CSP.format(
        "script-src 'self' http://collector.localhost:8800"), "", ["WT001"], "",
     ' onload="' + insert().replace('"', "&quot;") + '"'),
    ("a policy's hash lets exactly that inline loader run", CSP.format(
        f"script-src '{_HASH}' http://collector.localhost:8800") + js(_L), "", []),
    ("a policy's hash of other text blocks the loader", CSP.format(
        f"script-src '{_HASH}' http://collector.localhost:8800") + js(_L + " "), "", ["WT001"]),
    ("a nonce voids unsafe-inline for a script without it", CSP.format(
        "script-src 'nonce-abc' 'unsafe-inline' http://collector.localhost:8800") + js(_L), "",
     ["WT001"]),
    ("a policy blocks the site's own loader file", CSP.format(
        "script-src 'unsafe-inline' http://collector.localhost:8800") +
     '<script src="/own-loader.js" data-wt-site="shop" async></script>', "", ["WT001"]),
    ("a policy blocks a loader's inline text put in", CSP.format(
        "script-src 'nonce-abc' http://collector.localhost:8800") + js(
        "var l = document.createElement('script'); l.text = " + repr(_L) +
        "; document.head.appendChild(l);", ' nonce="abc"'), "", ["WT001"]),
    ("a loader's inline text put in with the nonce runs", CSP.format(
        "script-src 'nonce-abc' http://collector.localhost:8800") + js(
        "var l = document.createElement('script'); l.nonce = 'abc'; l.text = " + repr(_L) +
        "; document.head.appendChild(l);", ' nonce="abc"'), "", []),
    ("a policy without unsafe-eval blocks eval", CSP.format(
        "script-src 'self' 'unsafe-inline' http://collector.localhost:8800") + js(
        "try { eval(" + repr(_L) + "); } catch (e) {}"), "", ["WT001"]),
    ("a policy without unsafe-eval blocks new Function", CSP.format(
        "script-src 'self' 'unsafe-inline' http://collector.localhost:8800") + js(
        "try { new Function(" + repr(_L) + ")(); } catch (e) {}"), "", ["WT001"]),
    ("a policy without unsafe-eval blocks a string timer", CSP.format(
        "script-src 'self' 'unsafe-inline' http://collector.localhost:8800") + js(
        "setTimeout(" + repr(_L) + ", 10);"), "", ["WT001"]),
    ("unsafe-eval lets eval run", CSP.format(
        "script-src 'self' 'unsafe-inline' 'unsafe-eval' http://collector.localhost:8800") + js(
        "eval(" + repr(_L) + ");"), "", []),
    ("a written inline loader under a nonce policy is blocked", CSP.format(
        "script-src 'nonce-abc' http://collector.localhost:8800") + js(
        "document.write('<script>" + _L.replace("'", "\\'") + "<\\/script>');", ' nonce="abc"'),
     "", ["WT001"]),
]
SHAPES += [
    ("a CustomEvent on the document with its detail", js(
        "document.addEventListener('wt:consent', function (e) { if (e.detail.analytics) {" +
        insert()
        + "} }); document.dispatchEvent(new CustomEvent('wt:consent', {detail: {analytics: "
            "true}}));"),
     "", []),
    ("an event dispatched before its listener is added", js(
        "window.dispatchEvent(new Event('wt-ready')); window.addEventListener('wt-ready', function "
        "() {"
        + insert() + "});"), "", ["WT001"]),
    ("a bubbling event from the document reaches the window", js(
        "window.addEventListener('wt-go', function () {" + insert() + "});"
        "document.dispatchEvent(new Event('wt-go', {bubbles: true}));"), "", []),
    ("an event that does not bubble stays on the document", js(
        "window.addEventListener('wt-go', function () {" + insert() + "});"
        "document.dispatchEvent(new Event('wt-go'));"), "", ["WT001"]),
    ("a CMP's consent callback dispatched once its banner is answered", js(
        "window.addEventListener('CookiebotOnAccept', function () { if "
        "(Cookiebot.consent.statistics) {"
        + insert() + "} });"), "", ["WT001"]),
    ("a Usercentrics-parked tag", TAG.replace(
        "<script ", '<script type="text/plain" data-usercentrics="webtrack" '), "", ["WT001"]),
    ("document.body.onpageshow is the window's", "", js(
        "document.body.onpageshow = function () {" + insert() + "};"), []),
    ("document.body.onload from the head: no body yet, a TypeError", js(
        "document.body.onload = function () {" + insert() + "};"), "", ["WT001"]),
    ("analytics.js-style GoogleAnalyticsObject", js(
        "(function(i,s,o,g,r,a,m){i['WtAnalyticsObject']=r;"
        "i[r]=i[r]||function(){(i[r].q=i[r].q||[])"
        ".push(arguments)},i[r].l=1*new Date();a=s.createElement(o),m=s.getElementsByTagName(o)[0];"
        "a.async=1;a.src=g;a.setAttribute('data-site','shop');m.parentNode.insertBefore(a,m)})"
        f"(window,document,'script','{URL}','wa');wa('create','shop','auto');"), "", []),
    ("a container loaded when the consent tool says so, on a first visit never", js(
        "window.addEventListener('OneTrustGroupsUpdated', function () { var g = "
        "document.createElement('script');"
        " g.src = '/container.js'; document.head.appendChild(g); });"), "", ["WT001"]),
]


# An image in markup a script adds loads at once (its scripts never run): its handlers do.
MARKUP_IMG = '<img src=\\"{}\\" {}=\\"' + insert().replace("'", "&#39;") + '\\">'
FILES["/dot.svg"] = '<svg xmlns="http://www.w3.org/2000/svg" width="1" height="1"/>'
SHAPES += [
    ("an image's onerror in insertAdjacentHTML runs the loader", js(
        "document.head.insertAdjacentHTML('beforeend', '" + MARKUP_IMG.format(
            "/missing.png", "onerror") + "');"), "", []),
    ("an image's onerror in a detached element's innerHTML runs", js(
        "var d = document.createElement('div'); d.innerHTML = '" + MARKUP_IMG.format(
            "/missing.png", "onerror") + "';"), "", []),
    ("an image's onerror in markup whose file loads never runs", js(
        "document.head.insertAdjacentHTML('beforeend', '" + MARKUP_IMG.format(
            "/dot.svg", "onerror") + "');"), "", ["WT001"]),
    ("an image's onload in a page element's innerHTML runs once it loads", "",
     '<div id="box"></div>' + js("document.getElementById('box').innerHTML = '" +
                                 MARKUP_IMG.format("/dot.svg", "onload") + "';"), []),
    ("a policy's script-src-attr 'none' stops an image's onerror in markup",
     '<meta http-equiv="Content-Security-Policy" content="script-src \'self\' '
     '\'unsafe-inline\' http://collector.localhost:8800; script-src-attr \'none\'">' + js(
         "document.head.insertAdjacentHTML('beforeend', '" + MARKUP_IMG.format(
             "/missing.png", "onerror") + "');"), "", ["WT001"]),
]


# Red team (installs4): handler attributes, call forms, strictness, guards, errors, places.
L = insert()  # the plain loader: into <head>
FILES["/not-an-image.txt"] = "this is text, not an image"
SHAPES += [
    # A file of the site's own that is not an image fails to decode: error, not load.
    ("an image's onerror for a site file that is not an image runs", "",
     f'<img src="/dep.js" alt="" onerror="{L}">', []),
    ("an image's onload for a site file that is not an image never fires", "",
     f'<img src="/not-an-image.txt" alt="" onload="{L}">', ["WT001"]),
    ("an image's onerror in markup for a site file that is not an image runs", "",
     '<div id="box"></div>' + js("document.getElementById('box').innerHTML = '" +
                                 MARKUP_IMG.format("/dep.js", "onerror") + "';"), []),
    ("an image's onload in markup for an SVG of the site's runs", js(
        "document.head.insertAdjacentHTML('beforeend', '" + MARKUP_IMG.format(
            "/dot.svg", "onload") + "');"), "", []),
    # Handler attributes other than onload
    ("<body onpageshow> runs on the window's pageshow", "", "", [], "",
     f' onpageshow="{L}"'),
    ("a button's onclick no one clicks never runs", "",
     f'<button onclick="{L}">go</button>', ["WT001"]),
    ("<body onbeforeunload> never runs while the page is audited", "", "", ["WT001"], "",
     f' onbeforeunload="{L}"'),
    ("<body onDOMContentLoaded> is no handler attribute", "", "", ["WT001"], "",
     f' ondomcontentloaded="{L}"'),
    ("a stylesheet link's onerror for the site's missing file", "",
     f'<link rel="stylesheet" href="/missing.css" onerror="{L}">', []),
    # <svg> and <math>
    ("an inline loader in an <svg> script runs", "", "<svg>" + js(L) + "</svg>", []),
    ("an inline loader in a <math> script never runs", "", "<math>" + js(L) + "</math>",
     ["WT001"]),
    # Call forms of a loader
    ("a loader IIFE called with call(window, document)", js(
        "(function (d) {" + L.replace("document.", "d.") + "}).call(window, document);"),
     "", []),
    ("a loader IIFE called with apply(null, [document])", js(
        "(function (d) {" + L.replace("document.", "d.") + "}).apply(null, [document]);"),
     "", []),
    ("a loader bound to its document, then called", js(
        "var go = function (d) {" + L.replace("document.", "d.") + "}.bind(null, document);"
        " go();"), "", []),
    ("a function's constructor builds the loader", js(
        "(function () {}).constructor(" + repr(L) + ")();"), "", []),
    ("createElement bound to the document", js(
        "var make = document.createElement.bind(document);" +
        L.replace("document.createElement", "make")), "", []),
    ("createElement called through call(document)", js(
        L.replace("document.createElement('script')",
                  "document.createElement.call(document, 'script')")), "", []),
    ("Reflect.apply of appendChild on the head", js(L.replace(
        "document.head.appendChild(s);", "Reflect.apply(Node.prototype.appendChild, "
        "document.head, [s]);")), "", []),
    # Aliases of the document and the window
    ("window['doc' + 'ument'] as the document", js(
        "var d = window['doc' + 'ument'];" + L.replace("document.", "d.")), "", []),
    ("frames.document and self.window.document", js(L.replace(
        "document.createElement", "frames.document.createElement").replace(
        "document.head", "self.window.document.head")), "", []),
    ("optional chaining on document and its head", js(L.replace(
        "document.head.appendChild(s)", "document?.head?.appendChild?.(s)")), "", []),
    ("a labelled block left with break before the loader", js(
        "wt: { if (window) break wt;" + L + "}"), "", ["WT001"]),
    ("a labelled loop's continue skips nothing after it", js(
        "outer: for (var i = 0; i < 1; i++) { if (i > 0) continue outer;" + L + "}"), "", []),
    # Strictness and this
    ("a function in a strict script writing to this: a TypeError", js(
        "'use strict'; function go() { this.wtq = [];" + L + "} go();"), "", ["WT001"]),
    ("a 'use strict' after a statement is no directive: this is window", js(
        "(function () { var a = 1; 'use strict'; this.wtq = [];" + L + "})();"), "", []),
    ("a strict IIFE called with call(this) at the top: this is window", js(
        "(function () { 'use strict'; this.wtq = [];" + L + "}).call(this);"), "", []),
    ("a strict function returned by a sloppy one, called plainly: a TypeError", js(
        "(function () { return function () { 'use strict'; this.wtq = [];" + L +
        "}; })()();"), "", ["WT001"]),
    ("a sloppy function returned by a strict one, called plainly: this is window", js(
        "'use strict'; var make = function () { return Function('this.wtq = [];" +
        L.replace("'", "\\'") + "'); }; make()();"), "", []),
    # Errors before the loader, return, dead code, catch and finally
    ("JSON.parse of bad text throws before the loader", js(
        "var cfg = JSON.parse('{bad');" + L), "", ["WT001"]),
    ("a member of null throws before the loader", js(
        "var x = null; x.y = 1;" + L), "", ["WT001"]),
    ("a loader after return never runs", js(
        "(function () { return;" + L + "})();"), "", ["WT001"]),
    ("a loader in if (false) never runs", js("if (false) {" + L + "}"), "", ["WT001"]),
    ("a loader in finally after a caught throw runs", js(
        "try { throw new Error('x'); } catch (e) {} finally {" + L + "}"), "", []),
    ("a loader in a catch after a rethrow never runs", js(
        "try { try { throw 1; } catch (e) { throw e; }" + L + "} catch (e2) {}"), "",
     ["WT001"]),
    ("a loader after a throw in a finally never runs", js(
        "try {} finally { throw new Error('x'); }" + L), "", ["WT001"]),
    # Error-time loaders (Sentry's lazy loader takes this shape)
    ("a loader in window.onerror, fired by a later script's error", js(
        "window.onerror = function () { window.onerror = null;" + L + "};") +
     js("notDefinedAnywhere();"), "", []),
    ("a loader in an error listener no error fires", js(
        "window.addEventListener('error', function () {" + L + "});"), "", ["WT001"]),
    ("a loader on an unhandled rejection the page causes", js(
        "window.addEventListener('unhandledrejection', function () {" + L + "});"
        " Promise.reject(new Error('x'));"), "", []),
    # Guards against elements the parser has not reached yet
    ("a guard on an id the body has, run from the head: not there yet", js(
        "if (!document.getElementById('wt-done')) {" + L + "}"), '<div id="wt-done"></div>',
     []),
    ("a guard on window's named element, run from the head: not there yet", js(
        "if (!window['wt-done']) {" + L + "}"), '<div id="wt-done"></div>', []),
    # Places
    ("insertAdjacentElement afterbegin of the head", js(L.replace(
        "document.head.appendChild(s)", "document.head.insertAdjacentElement('afterbegin', s)")),
     "", []),
    ("prepended to <html>, before <head>: not in <head>", js(L.replace(
        "document.head.appendChild(s)", "document.documentElement.prepend(s)")), "",
     ["WT002"]),
    ("a Range's insertNode into the head", js(L.replace(
        "document.head.appendChild(s)",
        "var r = document.createRange(); r.selectNodeContents(document.head); "
        "r.insertNode(s)")), "", []),
    ("before the first script, itself in the body: in <body>", "", js(insert(
        into="var f = document.getElementsByTagName('script')[0]; "
             "f.parentNode.insertBefore(s, f);")), ["WT002"]),
    ("after currentScript via parentNode.insertBefore(nextSibling)", js(L.replace(
        "document.head.appendChild(s)", "var c = document.currentScript; "
        "c.parentNode.insertBefore(s, c.nextSibling)")), "", []),
    ("into the head found by querySelector", js(L.replace(
        "document.head", "document.querySelector('head')")), "", []),
    # Inline text put in other ways
    ("a loader's text by textContent", js(
        "var t = document.createElement('script'); t.textContent = " + repr(L) +
        "; document.head.appendChild(t);"), "", []),
    ("a loader's text by innerText", js(
        "var t = document.createElement('script'); t.innerText = " + repr(L) +
        "; document.head.appendChild(t);"), "", []),
    # Attributes
    ("setAttribute('SRC') in capitals", js(L.replace("s.src = ", "s.setAttribute('SRC', ")
                                           .replace("tracker.js';", "tracker.js');")),
     "", []),
    ("attributes from Object.entries", js(
        "var s = document.createElement('script'); Object.entries({src: '" + URL +
        "', 'data-site': 'shop', async: ''}).forEach(function (kv) { s.setAttribute(kv[0], "
        "kv[1]); }); document.head.appendChild(s);"), "", []),
    ("a tag with a nonce and no policy", TAG.replace(" defer", ' nonce="abc" defer'), "", []),
    ("a tag with referrerpolicy, fetchpriority and blocking", TAG.replace(
        " defer", ' referrerpolicy="no-referrer" fetchpriority="high" blocking="render" '
        'defer'), "", []),
    ("a tag of type TEXT/JAVASCRIPT in capitals", TAG.replace(
        " defer", ' type="TEXT/JAVASCRIPT" defer'), "", []),
    ("a tag of type text/babel never runs", TAG.replace(" defer", ' type="text/babel"'), "",
     ["WT001"]),
    ("a modulepreload link alone installs nothing",
     f'<link rel="modulepreload" href="{URL}">', "", ["WT001"]),
    ("a downlevel-hidden conditional comment's tag", f"<!--[if IE]>{TAG}<![endif]-->", "",
     ["WT001", "WT008"]),
    # Addresses and settings
    ("the address by concat()", js(insert(f"'{ORIGIN}'.concat('/', 'tracker.js')")), "", []),
    ("the address through a JSON round trip", js(insert(
        f"JSON.parse(JSON.stringify({{src: '{URL}'}})).src")), "", []),
    ("the site from a <meta> the head has",
     '<meta name="wt-site" content="shop">' + js(L.replace(
         "'data-site', 'shop'", "'data-site', document.querySelector("
         "'meta[name=wt-site]').content")), "", []),
    ("a loader skipped by a query a first visit has not", js(
        "if (!new URLSearchParams(location.search).has('nowt')) {" + L + "}"), "", []),
    ("a setter on a settings object sets the site", js(
        "var s = document.createElement('script'); var o = {set site(v) { "
        "s.setAttribute('data-site', v); }}; o.site = 'shop'; s.src = '" + URL +
        "'; document.head.appendChild(s);"), "", []),
    ("an async loader after awaiting a timer", js(
        "(async function () { await new Promise(function (r) { setTimeout(r, 50); });" + L +
        "})();"), "", []),
    ("import() of a data: module holding the loader", MODULE.format(
        "import('data:text/javascript,' + encodeURIComponent(" + repr(L) + "));"), "", []),
    # Containers the site serves itself, read and run: what they install is counted where
    # they put it (round three's known gap: one in <body> was WT002 statically only).
    ("a container tag in the body that injects into <head>", "",
     '<script src="/container.js" async></script>', []),
    ("a GTM-style container snippet in the body", "", js(GTM_STYLE), []),
    ("a container tag in the body that injects into the body", "",
     '<script src="/body/container.js" async></script>', ["WT002"]),
    ("a container snippet in the body and the tag in the head", TAG, js(GTM_STYLE),
     ["WT003"]),
    # More places a loader hides in
    ("a custom element's connectedCallback, made by the body's script", "", js(
        "customElements.define('wt-loader', class extends HTMLElement { "
        "connectedCallback() {" + L + "} }); "
        "document.body.appendChild(document.createElement('wt-loader'));"), []),
    ("a getter on window run by reading it", js(
        "Object.defineProperty(window, 'wtBoot', {get: function () {" + L +
        " return 1; }}); window.wtBoot;"), "", []),
    ("a class constructed at once runs its constructor", js(
        "new (class { constructor() {" + L + "} })();"), "", []),
    ("createElement spelt document['create' + 'Element']", js(L.replace(
        "document.createElement('script')", "document['create' + 'Element']('script')")),
     "", []),
    ("Function.prototype.call.call of the loader", js(
        "Function.prototype.call.call(function () {" + L + "}, window);"), "", []),
    ("a loader mapped over a list of addresses", js(
        f"['{URL}'].map(function (u) {{" + insert("u") + "});"), "", []),
    ("<body onload> inserting into the body", "", "", ["WT002"], "",
     ' onload="' + L.replace("document.head", "document.body") + '"'),
    ("a <details open> element's ontoggle runs", "",
     f'<details open ontoggle="{L}"><summary>x</summary></details>', []),
    ("an audio element's onerror for the site's missing file", "",
     f'<audio src="/missing.mp3" onerror="{L}"></audio>', []),
    ("an <iframe srcdoc> in an <iframe srcdoc> inserting into top.document", "",
     '<iframe srcdoc="<iframe srcdoc=\'<script>' + L.replace("document.", "top.document.")
     .replace("'", "&amp;#39;") + '</script>\'></iframe>"></iframe>', []),
    ("a Proxy's get trap gives the address", js(
        "var cfg = new Proxy({}, {get: function (t, k) { return k === 'src' ? '" + URL +
        "' : 'shop'; }});" + insert("cfg.src")), "", []),
]
FILES["/body/container.js"] = CONTAINER.replace("d.head", "d.body")

# Round 5 (installs5): a container is replaced by what it installs, nothing included; an
# element the parser has not reached is not found; vendor loaders and the markup, module,
# consent and duplicate shapes around them.
FILES["/empty/container.js"] = (
    "window.dataLayer = window.dataLayer || []; window.dataLayer.push({event: 'gtm.js'});"
)
FILES["/js/by-id.js"] = "var c = document.getElementById('wt'); " + insert("c.dataset.src")
FILES["/bad/container.js"] = "var x = ;"
FILES["/hs/loader.js"] = (
    "(function(d, id){ if (d.getElementById(id)) return; var n = "
    "d.createElement('script'); n.id = id; "
    f"n.src = '{URL}'; n.setAttribute('data-site', 'shop'); d.head.appendChild(n); "
    f"}})(document, 'wt-hs');"
)
FILES["/pp/shop-1/container.js"] = CONTAINER
FILES["/js/insert-me.js"] = (
    "const s = document.createElement('script'); s.src = '"
    + URL
    + ("'; s.dataset.site = 'shop'; document.head.append(s); export const done = true;")
)
# Tag containers that run what the site tells them at run time, as tag managers do.
FETCHED_TAG = ("var s = document.createElement('script'); s.src = t.src; "
               "s.setAttribute('data-site', t.site); document.head.appendChild(s);")
FETCHING = {
    "fetches its tag list and inserts each src": "fetch('/tags.json').then(function (r) { "
    "return r.json(); }).then(function (tags) { tags.forEach(function (t) {" + FETCHED_TAG +
    "}); });",
    "evals what a worker posts it": "var w = new Worker('/w.js'); w.onmessage = function (e) "
    "{ eval(e.data); };",
    "evals a fetched, cache-busted tag": "fetch('/tag.js?v=' + Date.now()).then(function (r) "
    "{ return r.text(); }).then(eval);",
    "inserts the src an XHR onload reads": "var x = new XMLHttpRequest(); "
    "x.open('GET', '/tags.json'); x.onload = function () { var t = JSON.parse("
    "x.responseText)[0];" + FETCHED_TAG + "}; x.send();",
    "imports a module named by fetched JSON": "fetch('/mod.json').then(function (r) { "
    "return r.json(); }).then(function (c) { return import(c.url); });",
    "adds a listener for a worker's message": "new Worker('/w.js').addEventListener("
    "'message', function (e) { new Function(e.data)(); });",
}
FILES.update({f"/e{n}/container.js": code for n, code in enumerate(FETCHING.values())})
FILES["/tags.json"] = '[{"src": "' + URL + '", "site": "shop"}]'
FILES["/tag.js"] = insert()
FILES["/w.js"] = 'postMessage("' + insert() + '");'  # (a worker posts its tag's code)
FILES["/mod.json"] = '{"url": "/js/insert-me.js"}'
SHAPES += [
    # containers the site serves: what they install counts, nothing when they install nothing
    (
        "a container of the site's that installs nothing",
        '<script src="/empty/container.js" async></script>',
        "",
        ["WT001"],
    ),
    (
        "a container that installs nothing beside the tag",
        TAG + '<script src="/empty/container.js" async></script>',
        "",
        [],
    ),
    (
        "a container that installs nothing, inserted by a snippet",
        js(insert("'/empty/container.js'")),
        "",
        ["WT001"],
    ),
    (
        "a snippet inserting a container and the tracker: both",
        js(insert("'/container.js'") + insert(var="t")),
        "",
        ["WT003"],
    ),
    (
        "a snippet inserting an empty container and the tracker",
        js(insert("'/empty/container.js'") + insert(var="t")),
        "",
        [],
    ),
    (
        "a snippet inserting the tracker, then a container: both",
        js(insert(var="t") + insert("'/container.js'")),
        "",
        ["WT003"],
    ),
    (
        "getElementById from <head> of a body element with the address",
        js("var c = document.getElementById('wt'); " + insert("c.dataset.src")),
        '<div id="wt" data-src="' + URL + '"></div>',
        ["WT001"],
    ),
    (
        "querySelector from <head> of a body element: null",
        js("var c = document.querySelector('#wt'); " + insert("c.dataset.src")),
        '<div id="wt" data-src="' + URL + '"></div>',
        ["WT001"],
    ),
    (
        "querySelector from the body before the element: null",
        "",
        js("var c = document.querySelector('#wt'); " + insert("c.dataset.src"))
        + '<div id="wt" data-src="'
        + URL
        + '"></div>',
        ["WT001"],
    ),
    (
        "getElementById from the body before the element: null",
        "",
        js("var c = document.getElementById('wt'); " + insert("c.dataset.src"))
        + '<div id="wt" data-src="'
        + URL
        + '"></div>',
        ["WT001"],
    ),
    (
        "getElementById from the body after the element",
        "",
        '<div id="wt" data-src="'
        + URL
        + '"></div>'
        + js(
            "var c = document.getElementById('wt'); "
            + insert("c.dataset.src", "document.head.appendChild(s);")
        ),
        [],
    ),
    (
        "querySelector of a body element in a DOMContentLoaded listener",
        js(
            (
                "document.addEventListener('DOMContentLoaded', function () { "
                "var c = document.querySelector('#wt'); "
            )
            + insert("c.dataset.src")
            + "});"
        ),
        '<div id="wt" data-src="' + URL + '"></div>',
        [],
    ),
    (
        "getElementById from <head>, guarded: nothing",
        js("var c = document.getElementById('wt'); if (c) {" + insert("c.dataset.src") + "}"),
        '<div id="wt" data-src="' + URL + '"></div>',
        ["WT001"],
    ),
    (
        "querySelector from <head> misses the body's, the else branch installs",
        js(
            "var c = document.querySelector('div[data-src]'); if (c) {"
            + insert("c.dataset.src")
            + "} else {"
            + insert()
            + "}"
        ),
        '<div id="wt" data-src="/nothing.js"></div>',
        [],
    ),
    (
        "getElementsByClassName from <head> is empty then",
        js(
            "var c = document.getElementsByClassName('wt'); if (c.length) {"
            + insert("c[0].dataset.src")
            + "}"
        ),
        '<div class="wt" data-src="' + URL + '"></div>',
        ["WT001"],
    ),
    (
        "a deferred file reads a body element by id",
        '<script src="/js/by-id.js" defer></script>',
        '<div id="wt" data-src="' + URL + '"></div>',
        [],
    ),
    (
        "a blocking file in <head> reads a body element by id: null",
        '<script src="/js/by-id.js"></script>',
        '<div id="wt" data-src="' + URL + '"></div>',
        ["WT001"],
    ),
    (
        "a snippet inserting the container twice: it runs twice",
        js(insert("'/container.js'") + insert("'/container.js'", var="t")),
        "",
        ["WT003"],
    ),
    (
        "a container tag and the same container inserted: twice",
        '<script src="/container.js" async></script>' + js(insert("'/container.js'")),
        "",
        ["WT003"],
    ),
    (
        "a container of the site's that is no JavaScript",
        '<script src="/bad/container.js" async></script>',
        "",
        ["WT001"],
    ),
    # containers whose run reaches what only the browser knows (their tags fetched, code
    # run from a worker's message): they count as an install (and a note), not as nothing
    *[(f"a container that {what}", f'<script src="/e{n}/container.js" async></script>',
       "", []) for n, what in enumerate(FETCHING)],
    # vendors
    (
        "GTM-style snippet with its noscript iframe in the body",
        js(GTM_STYLE),
        (
            '<noscript><iframe src="/ns.html?id=GTM-A1" height="0" width="0" '
            'style="display:none;visibility:hidden"></iframe></noscript>'
        ),
        [],
    ),
    (
        "Segment-style stub, load() called by a later script",
        js(SEGMENT.replace("analytics.load('shop');", "")),
        js("analytics.load('shop');"),
        [],
    ),
    (
        "HubSpot-style own loader file with an id guard, twice",
        '<script src="/hs/loader.js" async defer></script>' * 2,
        "",
        [],
    ),
    (
        "HubSpot-style own loader file and the tag",
        TAG + '<script src="/hs/loader.js" async defer></script>',
        "",
        ["WT003"],
    ),
    ("Matomo-style snippet alone in the body: beside itself", "", js(MATOMO), ["WT002"]),
    ("Matomo-style snippet in the body after a head script", js("var x = 1;"), js(MATOMO), []),
    (
        "Adobe-Launch-style sync tag and pageBottom() of what it never defines",
        '<script src="/launch-EN12.min.js"></script>',
        js("_satellite.pageBottom();"),
        [],
    ),
    (
        "Tealium-style utag_data then the loader",
        js("var utag_data = {page: 'home'};" + TEALIUM),
        "",
        [],
    ),
    (
        "Piwik-PRO-style container snippet",
        js(
            "(function(window, document, dataLayerName, id) {window[dataLayerNa"
            "me]=window[dataLayerName]||[],window[dataLayerName].push({start:(n"
            "ew "
            "Date).getTime(),event:'stg.start'});var scripts=document.getElemen"
            "tsByTagName('script')[0],tags=document.createElement('script');fun"
            "ction "
            "stgCreateCookie(a,b,c){var d='';if(c){var e=new Date;e.setTime(e.g"
            "etTime()+24*c*60*60*1e3),d='; "
            "expires='+e.toUTCString()}document.cookie=a+'='+b+d+'; path=/'}var "
            "isStgDebug=(window.location.href.match('stg_debug')||document.cook"
            "ie.match('stg_debug'))&&!window.location.href.match('stg_disable_d"
            "ebug');stgCreateCookie('stg_debug',isStgDebug?1:'',isStgDebug?14:-"
            "1);var "
            "qP=[];dataLayerName!=='dataLayer'&&qP.push('data_layer_name='+data"
            "LayerName),isStgDebug&&qP.push('stg_debug');var "
            "qPString=qP.length>0?('?'+qP.join('&')):'';tags.async=!0,tags.src="
            "'/pp/'+id+'/container.js'+qPString,scripts.parentNode.insertBefore"
            "(tags,scripts);!function(a,n,i){a[n]=a[n]||{};for(var "
            "c=0;c<i.length;c++)!function(i){a[n][i]=a[n][i]||{},a[n][i].api=a["
            "n][i].api||function(){var "
            "a=[].slice.call(arguments,0);'string'==typeof a[0]&&window[dataLay"
            "erName].push({event:n+'.'+i+':'+a[0],parameters:[].slice.call(argu"
            "ments,1)})}}(i[c])}(window,'ppms',['tm','cm']);})(window, "
            "document, 'dataLayer', 'shop-1');"
        ),
        "",
        [],
    ),
    (
        "Rocket-Loader-style text/rocketscript tag, no Rocket Loader",
        TAG.replace("<script ", '<script type="text/rocketscript" '),
        "",
        ["WT001"],
    ),
    (
        "Rocket-Loader-rewritten type with no Rocket Loader",
        TAG.replace("<script ", '<script type="4f1a2b3c-text/javascript" '),
        "",
        ["WT001"],
    ),
    (
        "data-cfasync=false on the tag changes nothing",
        TAG.replace("<script ", '<script data-cfasync="false" '),
        "",
        [],
    ),
    (
        "a Zaraz-style own file that is missing",
        '<script src="/cdn-cgi/zaraz/i.js" referrerpolicy="origin"></script>' + TAG,
        "",
        [],
    ),
    (
        "an inline loader for Partytown's worker",
        js(insert(), ' type="text/partytown"'),
        "",
        ["WT001"],
    ),
    (
        "Partytown-forwarded loader beside the tag",
        TAG + js(insert(), ' type="text/partytown"'),
        "",
        [],
    ),
    # minified
    (
        "minified: comma sequence and void 0",
        js(
            f"!function(e,t){{var n=t.createElement('script'),a=void 0;n.async=!"
            f"0,n.src='{URL}',n.setAttribute('data-site','shop'),(a=t.head)&&a.a"
            f"ppendChild(n)}}(window,document);"
        ),
        "",
        [],
    ),
    (
        "minified: arrow IIFE with default parameters",
        js(
            f"((d=document,u='{URL}')=>{{const s=d.createElement('script');Objec"
            f"t.assign(s,{{src:u,async:!0}});s.dataset.site='shop';d.head.append"
            f"(s)}})();"
        ),
        "",
        [],
    ),
    (
        "minified: short-circuit guard on a global flag",
        js(
            f"window.__wt||(window.__wt=1,function(d){{var s=d.createElement('sc"
            f"ript');s.src='{URL}';s.dataset.site='shop';d.head.appendChild(s)}}("
            "document));"
        )
        * 2,
        "",
        [],
    ),
    (
        "minified: ternary picks the head or the body",
        js(
            f"(function(d){{var s=d.createElement('script');s.src='{URL}';s.data"
            f"set.site='shop';(d.head?d.head:d.body).appendChild(s)}})(document)"
            ";"
        ),
        "",
        [],
    ),
    # currentScript
    (
        "currentScript is null in a timer: the loader throws",
        js(
            "setTimeout(function () { var c = document.currentScript; "
            + insert(into="c.parentNode.insertBefore(s, c);")
            + "}, 0);"
        ),
        "",
        ["WT001"],
    ),
    (
        "currentScript's parent in the body",
        "",
        js(
            insert(
                into="document.currentScript.parentNode.insertBefore(s, document.currentScript);"
            )
        ),
        ["WT002"],
    ),
    (
        "currentScript read before a timer keeps its element",
        js(
            "var c = document.currentScript; setTimeout(function () {"
            + insert(into="c.parentNode.insertBefore(s, c);")
            + "}, 0);"
        ),
        "",
        [],
    ),
    (
        "currentScript in a module is null",
        js(
            insert(
                into=(
                    "var c = document.currentScript; (c ? c.parentNode : document.head)"
                    ".appendChild(s);"
                )
            ),
            ' type="module"',
        ),
        "",
        [],
    ),
    # markup
    (
        "insertAdjacentHTML into the head's end never runs",
        js(
            f"document.head.insertAdjacentHTML('beforeend', '<script src=\"{URL}\" "
            f'data-site="shop"><\\/script>\');'
        ),
        "",
        ["WT001"],
    ),
    (
        "a contextual fragment appended twice: the second time it is empty",
        js(
            ("var f = document.createRange().createContextualFragment('<script src=\"")
            + URL
            + (
                '" data-site="shop"><\\/script>\'); document.head.appendChild(f); '
                "document.head.appendChild(f);"
            )
        ),
        "",
        [],
    ),
    (
        "a DOMParser's script imported with importNode never runs",
        js(
            "var doc = new DOMParser().parseFromString('<script src=\""
            + URL
            + (
                "\" data-site=\"shop\"><\\/script>', 'text/html'); document.head.ap"
                "pendChild(document.importNode(doc.querySelector('script'), "
                "true));"
            )
        ),
        "",
        ["WT001"],
    ),
    (
        "a DOMParser's script adopted never runs",
        js(
            "var doc = new DOMParser().parseFromString('<script src=\""
            + URL
            + "\" data-site=\"shop\"><\\/script>', 'text/html'); document.head.ap"
            "pendChild(document.adoptNode(doc.querySelector('script')));"
        ),
        "",
        ["WT001"],
    ),
    (
        "querySelector from <head> of a body <template>: null, the script stops",
        js("document.head.appendChild(document.querySelector('#t').content);"),
        f'<template id="t"><script src="{URL}" data-site="shop"></script></template>',
        ["WT001"],
    ),
    (
        "a template's content appended itself (not a copy) from the body runs",
        "",
        f'<template id="t"><script src="{URL}" data-site="shop"></script></template>'
        + js("document.head.appendChild(document.querySelector('#t').content);"),
        [],
    ),
    (
        "a template's content cloned twice runs twice",
        "",
        f'<template id="t"><script src="{URL}" data-site="shop" async></script></template>'
        + js(
            "var t = document.getElementById('t'); document.head.appendChild(t."
            "content.cloneNode(true)); "
            "document.head.appendChild(t.content.cloneNode(true));"
        ),
        ["WT003"],
    ),
    # import(), Function, string timers
    (
        "import() of a module at two addresses (one with an empty query) runs twice",
        js("import('/js/insert-me.js'); import('/js/insert-me.js?');"),
        "",
        ["WT003"],
    ),
    (
        "a module tag and import() of the same module: once",
        '<script type="module" src="/js/insert-me.js"></script>'
        + js("import('/js/insert-me.js');"),
        "",
        [],
    ),
    (
        "new Function with parameters given the address",
        js(
            (
                "new Function('u', 'k', \"var s = document.createElement('script'); "
                "s.src = u; s.dataset.site = k; document.head.appendChild(s);\")('"
            )
            + URL
            + "', 'shop');"
        ),
        "",
        [],
    ),
    (
        "setTimeout with a string, twice",
        js("setTimeout(" + repr(insert()) + ", 0); setTimeout(" + repr(insert()) + ", 5);"),
        "",
        ["WT003"],
    ),
    (
        "setInterval with a string that clears itself",
        js("var h = setInterval(" + repr("clearInterval(h);" + insert()) + ", 10);"),
        "",
        [],
    ),
    # noscript, comments
    (
        "a pixel in noscript beside the tag",
        TAG,
        f'<noscript><img src="{ORIGIN}/collect?site=shop" alt=""></noscript>',
        [],
    ),
    (
        "a conditional comment's tag beside the tag",
        TAG + f'<!--[if lt IE 9]><script src="{URL}" data-site="shop"></script><![endif]-->',
        "",
        ["WT008"],
    ),
    (
        "a tag after a comment that mentions </script>",
        '<!-- old: <script src="/x.js"></script> -->' + TAG,
        "",
        [],
    ),
    (
        "a commented-out loader inside the script text",
        js("/* " + insert() + " */ var x = 1;"),
        "",
        ["WT001"],
    ),
    (
        "an HTML comment opener inside a script is a line comment",
        js("<!-- " + insert() + "\nvar x = 1;"),
        "",
        ["WT001"],
    ),
    # module / nomodule
    (
        "an inline module loader and a nomodule loader: one",
        js(insert(), ' type="module"') + js(insert(), " nomodule"),
        "",
        [],
    ),
    (
        "a module tag and a classic tag of one address: twice",
        f'<script type="module" src="{URL}" data-site="shop"></script>' + TAG,
        "",
        ["WT003"],
    ),
    # consent-gated
    (
        "a Cookiebot-style parked tag with no Cookiebot",
        TAG.replace("<script ", '<script type="text/plain" data-cookieconsent="statistics" '),
        "",
        ["WT001"],
    ),
    (
        "a parked tag beside the live tag",
        TAG + TAG.replace("<script ", '<script type="text/plain" data-cookieconsent="statistics" '),
        "",
        [],
    ),
    (
        "a parked inline loader beside the live tag",
        TAG + js(insert(), ' type="text/plain" data-category="analytics"'),
        "",
        [],
    ),
    # duplicates
    (
        "the tag twice with different queries",
        TAG.replace("tracker.js", "tracker.js?v=1") + TAG.replace("tracker.js", "tracker.js?v=2"),
        "",
        ["WT003"],
    ),
    ("the tag and the same address inserted", TAG + js(insert()), "", ["WT003"]),
    (
        "the tag with a fragment twice: fetched once, run twice",
        TAG.replace("tracker.js", "tracker.js#a") + TAG.replace("tracker.js", "tracker.js#b"),
        "",
        ["WT003"],
    ),
    (
        "a loader that removes the tag before it runs",
        TAG.replace(" defer", ' defer id="wt"'),
        js("var t = document.getElementById('wt'); t.parentNode.removeChild(t);"),
        [],
    ),
]

# Red team (installs6): shapes held out so far, each checked both ways.
_OBF = ["createElement", "script", "src", URL, "setAttribute", "data-site", "shop", "head",
        "appendChild"]
_ROT = _OBF[2:] + _OBF[:2]  # as obfuscator.io ships it: rotated, put right at run time
_ARR = "[" + ",".join(f"'{w}'" for w in _OBF) + "]"
_LOOKUP = "var d = document, s = d[_0x(0)](_0x(1)); s[_0x(2)] = _0x(3); s[_0x(4)](_0x(5), " \
    "_0x(6)); d[_0x(7)][_0x(8)](s);"
_SHIFTED = ",".join(str(ord(c) + 1) for c in URL)  # each code one more, undone at run time
_LIVE_GUARD = ("function load() { for (var i = 0; i < ss.length; i++) if ((ss[i].src || '')"
               ".indexOf('tracker.js') > -1) return; " + insert() + "} load(); load();")
_LATER = "if (!document.getElementById('later')) {" + insert() + "}"
FILES["/js/later.js"] = _LATER
FILES["/js/later-write.js"] = "if (!document.querySelector('#later')) {" + WRITE_TAG + "}"
_WRITE_SRC = "document.write('<script src=\"{}\"><\\/script>');"
HEAP = (
    "window.heap=window.heap||[],heap.load=function(e,t){window.heap.appid=e,window.heap.config"
    "=t=t||{};var r=document.createElement('script');r.type='text/javascript',r.async=!0,"
    f"r.src='{ORIGIN}/'+'tracker.js',r.setAttribute('data-site',e);var a=document."
    "getElementsByTagName('script')[0];a.parentNode.insertBefore(r,a);for(var n=function(e)"
    "{return function(){heap.push([e].concat(Array.prototype.slice.call(arguments,0)))}},p=["
    "'addEventProperties','identify','track'],o=0;o<p.length;o++)heap[p[o]]=n(p[o])};"
    "heap.load('shop');")
TIKTOK = (
    "!function (w, d, t) {w.WtAnalyticsObject=t;var ttq=w[t]=w[t]||[];ttq.methods=['page',"
    "'track','identify'],ttq.setAndDefer=function(t,e){t[e]=function(){t.push([e].concat("
    "Array.prototype.slice.call(arguments,0)))}};for(var i=0;i<ttq.methods.length;i++)"
    "ttq.setAndDefer(ttq,ttq.methods[i]);ttq.load=function(e,n){var i="
    f"'{URL}';ttq._i=ttq._i||{{}},ttq._i[e]=[],ttq._t=ttq._t||{{}},ttq._t[e]=+new Date;"
    "var o=document.createElement('script');o.type='text/javascript',o.async=!0,o.src=i+"
    "'?sdkid='+e+'&lib='+t,o.dataset.site=e;var a=document.getElementsByTagName('script')[0];"
    "a.parentNode.insertBefore(o,a)};ttq.load('shop');ttq.page();}(window, document, 'ttq');")
SNAP = (
    "(function(e,t,n){if(e.snaptr)return;var a=e.snaptr=function(){a.handleRequest?"
    "a.handleRequest.apply(a,arguments):a.queue.push(arguments)};a.queue=[];var s='script';"
    "var r=t.createElement(s);r.async=!0;r.src=n;r.setAttribute('data-site','shop');"
    "var u=t.getElementsByTagName(s)[0];u.parentNode.insertBefore(r,u);})"
    f"(window,document,'{URL}');")
LINKEDIN = (
    "_wt_partner_id = 'shop'; window._wt_data_partner_ids = window._wt_data_partner_ids || [];"
    "window._wt_data_partner_ids.push(_wt_partner_id);(function(l) {if (!l){window.lintrk = "
    "function(a,b){window.lintrk.q.push([a,b])};window.lintrk.q=[]}var s = document."
    "getElementsByTagName('script')[0];var b = document.createElement('script');b.type = "
    f"'text/javascript';b.async = true;b.src = '{URL}';b.dataset.site = _wt_partner_id;"
    "s.parentNode.insertBefore(b, s);})(window.lintrk);")
SHAPES += [
    # minified and obfuscated
    ("a string array read by index", js(f"var _0x = {_ARR};" + re.sub(
        r"_0x\((\d)\)", r"_0x[\1]", _LOOKUP)), "", []),
    ("an obfuscator's rotated string array and lookup function", js(
        "var _0xa = [" + ",".join(f"'{w}'" for w in _ROT) + "];"
        "(function (a, n) { var f = function (k) { while (--k) { a.push(a.shift()); } }; "
        "f(++n); })(_0xa, " + str(len(_OBF) - 2) + ");"
        "var _0x = function (i) { i = i - 0; return _0xa[i]; };" + _LOOKUP), "", []),
    ("a lookup with a hex index", js(f"var _0x = {_ARR};" + re.sub(
        r"_0x\((\d)\)", r"_0x[0x\1]", _LOOKUP)), "", []),
    ("each char code shifted back at run time", js(insert(
        f"[{_SHIFTED}].map(function (c) {{ return String.fromCharCode(c - 1); }}).join('')")),
     "", []),
    ("String.fromCharCode.apply of the codes", js(insert(
        "String.fromCharCode.apply(null, [" + ",".join(str(ord(c)) for c in URL) + "])")),
     "", []),
    ("a reversed string", js(insert("'" + URL[::-1] + "'.split('').reverse().join('')")), "",
     []),
    ("atob inside a template literal", js(insert(
        "`${atob('" + base64.b64encode(ORIGIN.encode()).decode() + "')}/tracker.js`")), "",
     []),
    ("createElement found by atob", js(
        "var d = document, s = d[atob('" + base64.b64encode(b"createElement").decode() +
        "')]('script'); s.src = '" + URL + "'; s.dataset.site = 'shop'; d.head.append(s);"),
     "", []),
    ("join with a separator", js(insert(
        "['http:', '', 'collector.localhost:8800', 'tracker.js'].join('/')")), "", []),
    ("escaped characters in the address", js(insert(
        "'http:\\x2f\\x2fcollector.localhost:8800\\u002ftrac\\u{6b}er.js'")), "", []),
    ("decodeURIComponent of the address", js(insert(
        "decodeURIComponent('http%3A%2F%2Fcollector.localhost%3A8800%2Ftracker.js')")), "", []),
    ("window['doc' + 'ument'] and computed members throughout", js(
        "var w = window, d = w['doc' + 'ument'], s = d['create' + 'Element']('scr' + 'ipt');"
        f"s['s' + 'rc'] = '{URL}'; s['set' + 'Attribute']('data-site', 'shop');"
        "d['he' + 'ad']['append' + 'Child'](s);"), "", []),
    ("appendChild.call", js(insert(into="document.head.appendChild.call(document.head, s);")),
     "", []),
    ("appendChild.apply", js(insert(
        into="document.head.appendChild.apply(document.head, [s]);")), "", []),
    ("insertBefore bound to the head", js(insert(
        into="var put = document.head.insertBefore.bind(document.head); put(s, null);")),
     "", []),
    ("Element.prototype.prepend.call", js(insert(
        into="Element.prototype.prepend.call(document.head, s);")), "", []),
    ("Reflect.apply of insertAdjacentElement", js(insert(
        into="Reflect.apply(Element.prototype.insertAdjacentElement, document.head, "
             "['beforeend', s]);")), "", []),
    ("a script put after the running script", js(insert(
        into="document.currentScript.after(s);")), "", []),
    ("a placeholder replaced by the script", js(insert(
        into="var p = document.createElement('meta'); document.head.appendChild(p); "
             "p.replaceWith(s);")), "", []),
    ("a placeholder's outerHTML set to a tag: markup never runs", js(
        "var p = document.createElement('meta'); document.head.appendChild(p); "
        f"p.outerHTML = '<script src=\"{URL}\" data-site=\"shop\"><\\/script>';"), "",
     ["WT001"]),
    # loaders that wait
    ("queueMicrotask", js(f"queueMicrotask(function () {{ {insert()} }});"), "", []),
    ("a promise chain", js(
        "Promise.resolve('shop').then(function (site) { return site; }).then(function () {"
        + insert() + "});"), "", []),
    ("a promise resolved by a timer", js(
        "new Promise(function (r) { setTimeout(r, 20); }).then(function () {" + insert() +
        "});"), "", []),
    ("await of a timer in an async function", js(
        "(async function () { await new Promise(function (r) { setTimeout(r, 20); }); " +
        insert() + "})();"), "", []),
    ("requestIdleCallback with a timeout", js(
        "requestIdleCallback(function () {" + insert() + "}, {timeout: 2000});"), "", []),
    ("two animation frames", js(
        "requestAnimationFrame(function () { requestAnimationFrame(function () {" + insert() +
        "}); });"), "", []),
    ("load now if complete, else on load", js(
        "function go() {" + insert() + "} if (document.readyState === 'complete') go(); "
        "else window.addEventListener('load', go);"), "", []),
    ("readystatechange not loading: twice", js(
        "document.addEventListener('readystatechange', function () { if (document.readyState "
        "!== 'loading') {" + insert() + "} });"), "", ["WT003"]),
    ("a MutationObserver waiting for the body", js(
        "new MutationObserver(function (m, o) { if (document.body) { o.disconnect(); " +
        insert() + "} }).observe(document.documentElement, {childList: true});"), "", []),
    ("a visibilitychange listener: no change on load", js(
        "document.addEventListener('visibilitychange', function () {" + insert() + "});"), "",
     ["WT001"]),
    # loaders behind conditions the browser decides
    ("a doNotTrack check that lets a visitor through", js(
        "if (navigator.doNotTrack !== '1' && window.doNotTrack !== '1') {" + insert() + "}"),
     "", []),
    ("a bot check on the user agent", js(
        "if (!/bot|crawl|spider|headless/i.test(navigator.userAgent)) {" + insert() + "}"), "",
     []),
    ("a staging host check", js(
        "if (location.hostname.indexOf('staging.') === 0) { /* no tracking */ } else {" +
        insert() + "}"), "", []),
    ("a consent cookie the page sets first", js(
        "document.cookie = 'wt_consent=yes; path=/'; if (document.cookie.indexOf("
        "'wt_consent=yes') > -1) {" + insert() + "}"), "", []),
    ("a consent cookie no one set", js(
        "if (document.cookie.split('; ').indexOf('wt_consent=yes') > -1) {" + insert() + "}"),
     "", ["WT001"]),
    ("a wide media query", js(
        "if (window.matchMedia('(min-width: 1px)').matches) {" + insert() + "}"), "", []),
    ("only in a top window", js("if (window.top === window.self) {" + insert() + "}"), "", []),
    # wrong types
    ("a tag typed javascript, no MIME type: never runs",
     TAG.replace("<script ", '<script type="javascript" '), "", ["WT001"]),
    ("a tag typed text/js: never runs", TAG.replace("<script ", '<script type="text/js" '),
     "", ["WT001"]),
    ("a tag typed application/x-javascript runs",
     TAG.replace("<script ", '<script type="application/x-javascript" '), "", []),
    ("a tag typed text/jscript runs", TAG.replace("<script ", '<script type="text/jscript" '),
     "", []),
    # vendor loaders
    ("Heap-style load()", js(HEAP), "", []),
    ("TikTok-pixel-style queue and load()", js(TIKTOK), "", []),
    ("Snap-pixel-style guard", js(SNAP) * 2, "", []),
    ("LinkedIn-Insight-style partner id", js(LINKEDIN), "", []),
    # live collections: a guard reads what the page's own first run put in
    ("a guard over getElementsByTagName taken before the first run", js(
        "var ss = document.getElementsByTagName('script');" + _LIVE_GUARD), "", []),
    ("a guard over document.scripts taken before the first run", js(
        "var ss = document.scripts;" + _LIVE_GUARD), "", []),
    ("a guard over querySelectorAll taken before: a snapshot", js(
        "var ss = document.querySelectorAll('script');" + _LIVE_GUARD), "", ["WT003"]),
    ("children of a holder read before the script went in", js(
        "var box = document.createElement('div'), kids = box.children; " + insert(
            into="box.appendChild(s);") + " if (kids.length) document.head.appendChild(kids[0]);"),
     "", []),
    # document.write: a written script sees only what was parsed before it
    ("a written file looks for an element after its writer", js(_WRITE_SRC.format(
        "/js/later.js")), '<div id="later"></div>', []),
    ("a written file in the body looks for an element after its writer", "", js(
        _WRITE_SRC.format("/js/later.js")) + '<div id="later"></div>', []),
    ("a written file writes the tag when an element is not there yet", js(_WRITE_SRC.format(
        "/js/later-write.js")), '<div id="later"></div>', []),
    ("an inline written script looks for an element after its writer", js(
        "document.write('<script>" + _LATER.replace("'", "\\'") + "<\\/script>');"),
     '<div id="later"></div>', []),
    # the site's own container missing (404): the browser runs nothing
    ("a container of the site's that is missing", '<script src="/gone/container.js" async>'
     "</script>", "", ["WT001"]),
    ("a missing container beside the tag", TAG + '<script src="/gone/container.js" async>'
     "</script>", "", []),
    ("a missing container put in by a snippet beside the tag", TAG + js(insert(
        "'/gone/container.js'")), "", []),
    ("a missing container's onerror loads the tracker", '<script src="/gone/container.js" '
     'onerror="' + insert().replace("'", "&#39;") + '"></script>', "", []),
    # (the container's address is the one the base in effect gives: there it is no 404)
    ("a container found only on the page's <base href>", '<base href="/pp/"><script '
     'src="shop-1/container.js" async></script>', "", []),
]


# XHTML served as application/xhtml+xml: an XML parser builds it (a script closes itself,
# CDATA sections and character references are text), and document.write throws there.
XTAG = f'<script src="{URL}" data-site="shop" defer="defer"/>'


def xpage(head="", body=""):
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n<html xmlns="http://www.w3.org/1999/xhtml">'
        f"<head><title>t</title>{head}</head><body><p>x</p>{body}</body></html>"
    )


XHTML_SHAPES = [
    ("xhtml: a self-closed tag", XTAG, "", []),
    ("xhtml: a self-closed tag twice", XTAG * 2, "", ["WT003"]),
    ("xhtml: a self-closed tag in the body", "", XTAG, ["WT002"]),
    ("xhtml: document.write throws", js("//<![CDATA[\n" + WRITER + "\n//]]>"), "", ["WT001"]),
    (
        "xhtml: document.write in try, insert in catch",
        js("<![CDATA[try {" + WRITER + "} catch (e) {" + insert() + "}]]>"),
        "",
        [],
    ),
    (
        "xhtml: document.write then insert: the script stops",
        js("<![CDATA[" + WRITER + insert() + "]]>"),
        "",
        ["WT001"],
    ),
    (
        "xhtml: document.open throws before the insert",
        js("document.open(); " + insert()),
        "",
        ["WT001"],
    ),
    ("xhtml: a CDATA loader behind comments", js("//<![CDATA[\n" + insert() + "\n//]]>"), "", []),
    ("xhtml: a bare CDATA loader", js("<![CDATA[" + insert() + "]]>"), "", []),
    # (XML makes a comment node of it: the script is empty; in HTML it runs)
    ("xhtml: a loader in the old <!-- //--> idiom runs nothing", js("<!--\n" + insert() +
                                                                   "\n//-->"), "",
     ["WT001", "WT008"]),
    ("xhtml: a comment in a CDATA section is script text", js(
        "<![CDATA[<!--\n" + insert() + "\n//-->]]>"), "", []),
    (
        "xhtml: escaped && in the loader",
        js("if (document &amp;&amp; window) {" + insert() + "}"),
        "",
        [],
    ),
    ("xhtml: a tag and a writer file", XTAG + '<script src="/writer.js"/>', "", []),
    (
        "xhtml: a writer file async: it throws too",
        XTAG + '<script src="/writer.js" async="async"/>',
        "",
        [],
    ),
    (
        "xhtml: a loader split in two CDATA sections",
        js(
            ("<![CDATA[var s = document.createElement('script');]]> <![CDATA[s.src = '")
            + URL
            + "'; s.dataset.site = 'shop'; document.head.appendChild(s);]]>"
        ),
        "",
        [],
    ),
    (
        "xhtml: a char reference in the address",
        js(insert("'http://collector.localhost:8800/tracker&#46;js'")),
        "",
        [],
    ),
]


def _xhtml_path(i):
    """Where the XHTML shape *i* is served: every other one at a .html address."""
    return f"/x{i}.html" if i % 2 else f"/x{i}.xhtml"


XHTML_HEADERS = {_xhtml_path(i): [("Content-Type", "application/xhtml+xml; charset=utf-8")]
                 for i in range(1, len(XHTML_SHAPES), 2)}


def _html(shape):
    """The page of a shape: (what, head, body, rules[, <html> attributes[, <body>
    attributes[, what comes before the doctype]]])."""
    html = page(shape[1], shape[2], shape[4] if len(shape) > 4 else "")
    html = html.replace("<body>", f"<body{shape[5]}>") if len(shape) > 5 else html
    return shape[6] + html if len(shape) > 6 else html


@pytest.mark.parametrize("shape", SHAPES, ids=[s[0] for s in SHAPES])
def test_static_audit_reads_the_shape(shape):
    assert rules_of(_html(shape)) == shape[3]


@pytest.mark.parametrize("shape", XHTML_SHAPES, ids=[s[0] for s in XHTML_SHAPES])
def test_static_audit_reads_the_xhtml_shape(shape):
    assert rules_of(xpage(shape[1], shape[2]), xml=True) == shape[3]


FIREFOX = re.compile(r"module|import|text/plain|template|base href|document\.write|writeln|"
                     r"readyState|readystatechange|data:|createContextualFragment|currentScript"
                     r"|cookie|localStorage|async|noscript|<svg|DOMParser|cloneNode|shadowroot|outerHTML"
                     r"|HTMLUnsafe|attribute by attribute|attachShadow|integrity|crossorigin"
                     r"|webdriver",
                     re.I)


# What Chromium does where it departs from the standard (which the static audit, and
# Firefox, follow): a <base href> it cannot parse leaves the page no base URL at all
# (document.baseURI is about:blank), so a relative src resolves to nothing and never runs.
CHROMIUM = {"a <base href> the browser cannot parse is no base": ["WT001"],
            "a <base href> the browser cannot parse, a relative tag in a shadow root":
            ["WT001"],
            "a <base href> the browser cannot parse, a relative tag put in a closed shadow "
            "root": ["WT001"],
            # Chromium trims a type's spaces for JavaScript types but not for "module" (the
            # standard trims before both): such a module never runs there.
            "a module tag whose type has spaces around it": ["WT001"]}
# What --render reports in Firefox where it is wrong, a known limit of the rendered audit,
# not what Firefox runs: Firefox serializes an XHTML script's CDATA section as bare text, so
# a comment inside it reads as a comment once the serialization is parsed as XML again.
FIREFOX_RENDERED = {"xhtml: a comment in a CDATA section is script text": ["WT008"]}


# Shapes the pattern picks whose engine differences another row already covers.
SAME_ENGINES = {"a <base href> in a template is no base",
                "document.write of a tag whose </script> is not escaped ends the script: an "
                "error", "a parked type restored after the script went in: it never runs",
                "a module tag twice, its host in capitals the second time: one module",
                "a <base href> after the tag: the tag resolved on the page's own address",
                "an import map prefix",
                "import() through an import map: no site",
                "an interval cleared once it installed", "GTM-style container snippet pasted "
                "twice", "an SVG script tag by xlink:href", "<svg onload> runs",
                "import() of a loader module, then its export",
                "an async function awaiting import()",
                # (picked for their async tags only: Chromium renders them)
                "a container tag in the body that injects into <head>",
                "a GTM-style container snippet in the body",
                "a container tag in the body that injects into the body",
                "a container snippet in the body and the tag in the head"}


def audited_both_ways(served, count, browser_name, headers=None, rendered_only=(),
                      also=()):
    """Serve *served* and audit its pages ``/0.html`` … ``/{count - 1}.html`` and the paths
    *also* statically and rendered in *browser_name* at once (the static audit waits on the
    CPU, the browser on itself); the paths *rendered_only* are rendered only. Return the
    stopped server, the pages' URLs and each audit's rules by URL."""
    server = Pages(served, headers={**(headers or {}), "/tracker.js": [
        ("Access-Control-Allow-Origin", "*")]})  # as the collector answers
    # The collector's origin is this server's too, so the tracker loads as on a live site.
    for path, text in served.items():
        served[path] = text.replace(".localhost:8800", f".localhost:{server.port}")
    try:
        urls = [server.url(f"/{i}.html") for i in range(count)] + [
            server.url(p) for p in also]
        with ThreadPoolExecutor(1) as pool:
            statically = pool.submit(_rules_by_url, urls)
            rendered = _rules_by_url(urls + [server.url(p) for p in rendered_only],
                                     browser_name)
            static = statically.result()
    finally:
        server.stop()
    return server, urls, static, rendered


def _rules_by_url(pages, browser_name=None):
    from harness.audit.rules import apply_policy
    from harness.audit.targets import load_rendered, load_static

    out = {}
    # (one tab a slot, taken from page to page: the pages keep nothing in storage)
    loaded = load_rendered([(u, None) for u in pages], browser_name, fresh=False) \
        if browser_name else (
        load_static(u, None) for u in pages)
    for url, parsed in zip(pages, loaded, strict=True):
        assert not isinstance(parsed, Exception), parsed
        kept, _ = apply_policy(check(parsed, CONFIG), CONFIG)
        out[url] = sorted({f.rule for f in kept if f.severity != "note"})
    return out


# Rendered only: a page that needs its headers (both cookies it sets, one for its domain)
# for its loader, in a closed declarative shadow root (Firefox's audit answers such a page
# rewritten, fetching it from 127.0.0.1).
HEADERS_PAGE = page(body='<div><template shadowrootmode="closed">' + js(
    "if (/a=1/.test(document.cookie) && /b=2/.test(document.cookie)) {" + insert() + "}") +
    "</template></div>")
COOKIES = [("Set-Cookie", "a=1; Path=/"), ("Set-Cookie", "b=2; Path=/; Domain=shop.localhost")]


@pytest.mark.parametrize("values,kept", [
    (["a=1; Path=/"], [("a", "1", "shop.localhost", "/")]),
    (["b=2; Domain=shop.localhost; Path=/x"], [("b", "2", ".shop.localhost", "/x")]),
    (["c=3; Domain=other.localhost"], []),  # not the page's host: refused
    (["e=5; HttpOnly; SameSite=strict; Max-Age=60"], [("e", "5", "shop.localhost", "/")]),
])
def test_cookies_a_fetched_document_keeps(values, kept):
    """What Firefox's rendered audit puts in the browser's jar of a page it fetched itself."""
    from harness.audit.shadowroots import cookies_for

    got = cookies_for("http://shop.localhost:8800/p.html", values)
    assert [(c["name"], c["value"], c["domain"], c["path"]) for c in got] == kept
    if values[0].startswith("e="):
        assert got[0]["httpOnly"] and got[0]["sameSite"] == "Strict" and got[0]["expires"] > 0


@pytest.mark.browser
@pytest.mark.slow
def test_static_and_rendered_agree_on_every_shape(browser_name):
    """Each shape, served: the browser's DOM (rendered audit) and the static audit report
    the same rules, and those are the table's. Chromium renders every shape; Firefox the
    ones where engines could differ (module loading, script types, document.write,
    readyState, base URLs, data: URLs, fragments). Each audit asks the site for each page
    once, and a rendered page keeps its headers."""
    shapes = SHAPES if browser_name != "firefox" else [
        s for s in SHAPES if FIREFOX.search(s[0] + s[1] + s[2]) and s[0] not in SAME_ENGINES]
    # (XHTML pages in both browsers: an XML parser is each engine's own; every other one
    # at a .html address, served as application/xhtml+xml: the served type decides)
    xhtml = {_xhtml_path(i): xpage(s[1], s[2]) for i, s in enumerate(XHTML_SHAPES)}
    served = {**FILES, "/headers.html": HEADERS_PAGE, **xhtml,
              **{f"/{i}.html": _html(s) for i, s in enumerate(shapes)}}
    server, urls, static, rendered = audited_both_ways(
        served, len(shapes), browser_name, {"/headers.html": COOKIES, **XHTML_HEADERS},
        ["/headers.html"], also=list(xhtml))
    assert rendered.pop(server.url("/headers.html")) == [], "its cookies were lost"
    asked = Counter(path for path in server.requests if re.fullmatch(r"/(\d+|headers)\.html",
                                                                     path))
    assert asked == {"/headers.html": 1, **{f"/{i}.html": 2 for i in range(len(shapes))}}
    shapes = shapes + XHTML_SHAPES
    table = {s[0]: s[3] for s in shapes}
    engine = CHROMIUM if browser_name == "chromium" else FIREFOX_RENDERED
    got = {s[0]: (static[u], rendered[u]) for s, u in zip(shapes, urls, strict=True)}
    wrong = {what: pair for what, pair in got.items()
             if pair != (table[what], engine.get(what, table[what]))}
    assert not wrong, "shape: (static, rendered) where both should be the table's " \
        "(rendered in Chromium, CHROMIUM's where it has one):\n" + \
        "\n".join(f"{what}: {pair}" for what, pair in wrong.items())


@pytest.mark.parametrize("what", list(FETCHING))
def test_a_container_running_what_only_the_browser_knows_is_said(what):
    """A container whose run reaches what only the browser knows counts as an install, and
    a note (WT010) says why, pointing at --render; one that installs nothing has none."""
    container = f'<script src="/e{list(FETCHING).index(what)}/container.js" async></script>'
    notes = [f.message for f in findings_of(page(container)) if f.rule == "WT010"]
    assert any("the tag container runs what only the browser knows" in n for n in notes), notes
    empty = findings_of(page('<script src="/empty/container.js" async></script>'))
    assert [f.rule for f in empty] == ["WT001"]


@pytest.mark.parametrize("code,note", [
    ("fetch('/wt.json').then(r => r.json()).then(c => {" + insert("c.src") + "});",
     "from an address the audit cannot compute ('…')"),
    (insert("window.WT_BASE + '/tracker.js'"), "from an origin only the browser knows "
     "('…/tracker.js')"),
    (insert(f"'{ORIGIN}/' + name + '.js'").replace("var s", "var name = window.n; var s"),
     "from an address the audit cannot compute ('http://collector.localhost:8800/….js')"),
    (insert(into="s.dataset.site = window.SITE; document.head.appendChild(s);"),
     "names a site only the browser knows ('…')"),
    ("fetch('/consent.json').then(r => r.json()).then(c => { if (c.analytics) {" + insert()
     + "} });", "installed in a callback of an API the audit cannot see"),
    ("$(function () { setTimeout(function () {" + insert() + "}, 10); });",
     "installed in a callback of an API the audit cannot see"),
    (insert(into="s.integrity = 'sha384-x'; s.crossOrigin = 'anonymous'; "
         "document.head.appendChild(s);"), "its integrity hash is not that of the tracker"),
])
def test_what_only_the_browser_knows_is_said(code, note):
    """A loader whose address or site comes from the network or an unseen global (one a
    script the audit cannot read may set) is named in a note (WT010) that points at
    --render, rather than silently counted as nothing."""
    unseen = '<script src="https://cdn.example/settings.js"></script>'
    found = check(parse(page(unseen + js(code)), "p.html", "http://shop.localhost/p.html"),
                  CONFIG)
    notes = [f.message for f in found if f.rule == "WT010"]
    assert len(notes) == 1 and note in notes[0], notes
    assert all(f.rule != "WT004" for f in found)


def _sri(alg="sha384", body=None):
    import base64
    import hashlib

    from harness.audit.integrity import served_tracker

    return f"{alg}-" + base64.b64encode(hashlib.new(alg, body or served_tracker()).digest(
        )).decode()


@pytest.mark.parametrize("policies,url,nonce,parser_inserted,blocked", [
    (["script-src 'self' 'unsafe-inline'"], URL, None, True, True),
    (["script-src 'nonce-abc'"], URL, None, False, True),
    (["script-src 'nonce-abc'"], URL, "abc", True, False),
    (["script-src 'nonce-abc' 'strict-dynamic'"], URL, None, False, False),  # trusted loader
    (["script-src 'nonce-abc' 'strict-dynamic'"], URL, None, True, True),  # parser's: no
    (["script-src http://collector.localhost:8800"], URL, None, True, False),
    (["script-src collector.localhost:*"], URL, None, True, False),
    (["script-src *.localhost:8800"], URL, None, True, False),
    (["script-src collector.localhost"], URL, None, True, True),  # port 80 only
    (["script-src http:"], URL, None, True, False),
    (["SCRIPT-SRC 'NONE'"], URL, None, True, True),
    (["default-src 'none'"], URL, None, True, True),
    (["default-src 'none'; script-src *"], URL, None, True, False),
    (["script-src-elem 'self'; script-src *"], URL, None, True, True),
    (["img-src 'none'"], URL, None, True, False),
    ([f"script-src {URL}"], URL, None, True, False),
    ([f"script-src {ORIGIN}/js/"], URL, None, True, True),  # a path prefix it is not in
    (["script-src *", "script-src 'self'"], URL, None, True, True),  # every policy holds
    (["script-src 'self'"], "http://shop.localhost:8800/tracker.js", None, True, False),
    (["script-src 'self'"], "https://shop.localhost:8800/tracker.js", None, True, False),
])
def test_what_a_security_policy_meta_blocks(policies, url, nonce, parser_inserted, blocked):
    from harness.audit.csp import refusal

    got = refusal(policies, url, "http://shop.localhost:8800/p.html", nonce, parser_inserted)
    assert bool(got) is blocked, got


_TEXT = "load();"
_TEXT_HASH = "sha256-" + base64.b64encode(hashlib.sha256(_TEXT.encode()).digest()).decode()


@pytest.mark.parametrize("policies,nonce,attribute,blocked", [
    (["script-src 'self'"], None, False, True),
    (["script-src 'self' 'unsafe-inline'"], None, False, False),
    (["default-src 'unsafe-inline'"], None, True, False),
    (["script-src-elem 'none'; script-src 'unsafe-inline'"], None, False, True),
    (["script-src-attr 'unsafe-inline'; script-src 'none'"], None, True, False),
    (["script-src 'unsafe-inline' 'nonce-abc'"], None, False, True),  # a nonce voids it
    (["script-src 'unsafe-inline' 'nonce-abc'"], "abc", False, False),
    (["script-src 'nonce-abc'"], "abc", True, True),  # no nonce for an attribute
    (["script-src 'unsafe-inline' 'strict-dynamic'"], None, False, True),
    ([f"script-src '{_TEXT_HASH}'"], None, False, False),
    ([f"script-src '{_TEXT_HASH}'"], None, True, True),  # an attribute: 'unsafe-hashes'
    ([f"script-src '{_TEXT_HASH}' 'unsafe-hashes'"], None, True, False),
    ([f"script-src '{_TEXT_HASH[:-4]}AAA='"], None, False, True),
    (["img-src 'none'"], None, False, False),
    (["script-src *", "script-src 'unsafe-inline'"], None, False, True),  # every one holds
])
def test_what_a_security_policy_meta_lets_run_inline(policies, nonce, attribute, blocked):
    from harness.audit.csp import inline_refusal

    assert bool(inline_refusal(policies, _TEXT, nonce, attribute)) is blocked


@pytest.mark.parametrize("policies,blocked", [
    (["script-src 'self' 'unsafe-inline'"], True), (["default-src *"], True),
    (["script-src 'unsafe-eval'"], False),
    (["default-src 'none'; script-src 'UNSAFE-EVAL'"], False),
    (["img-src 'none'"], False), (["script-src-elem 'self'"], False),  # not eval's
])
def test_what_a_security_policy_meta_forbids_eval(policies, blocked):
    from harness.audit.csp import eval_refusal

    assert bool(eval_refusal(policies)) is blocked


@pytest.mark.parametrize("scripts,clash", [
    (["const a = 1;", "const a = 2;"], "a is already declared by an earlier script"),
    (["let a;", "var a;"], "a is already declared with let/const by an earlier script"),
    (["var a;", "let a;"], "a is already declared by an earlier script"),
    (["function a() {}", "class a {}"], "a is already declared by an earlier script"),
    (["let a;", "if (x) { var a; }"], "a is already declared with let/const"),
    (["let a;", "function f() { var a; } { let a; }"], ""),  # not global
    (["var a; var a; function a() {}", "var a;"], ""),  # var again is fine
    (["let {a, b: [c, ...d]} = o;", "var d;"], "d is already declared with let/const"),
    (["let a; let a;"], "a is declared twice in one script"),
    (["let a; var a;"], "a is declared with var and let/const in one script"),
    (["let undefined;"], "undefined is already declared by an earlier script"),
    (["window.a = 1;", "let a;"], ""),  # a property, not a declaration
    (["let a; let a;", "let a;"], ""),  # the first never ran: it declared nothing
])
def test_what_global_declarations_clash(scripts, clash):
    from harness.audit.globalscope import GlobalNames
    from harness.audit.loaders import parse as parse_script

    names = GlobalNames()
    said = [names.declare(parse_script(code, False)) for code in scripts]
    assert said[-1].startswith(clash) if clash else said[-1] == "", said


@pytest.mark.parametrize("attrs,cross_origin,refused", [
    ({}, True, False), ({"crossorigin": ""}, True, False),
    ({"crossorigin": " Use-Credentials "}, True, True),  # the collector answers with *
    ({"integrity": _sri(), "crossorigin": "anonymous"}, True, False),
    ({"integrity": _sri("sha256").rstrip("="), "crossorigin": ""}, True, False),
    ({"integrity": "SHA512-" + "A" * 86 + "==", "crossorigin": ""}, True, True),
    ({"integrity": _sri()}, True, True),  # no crossorigin: an opaque response never matches
    ({"integrity": _sri()}, False, False),  # (its own origin's)
    ({"integrity": "sha384-x", "crossorigin": ""}, True, True),
    ({"integrity": f"sha256-x {_sri()}", "crossorigin": ""}, True, False),  # the strongest
    ({"integrity": f"sha512-x {_sri()}", "crossorigin": ""}, True, True),
    ({"integrity": f"{_sri()}?opt", "crossorigin": ""}, True, False),
    ({"integrity": "md5-x sha1-y", "crossorigin": ""}, True, False),  # none it checks
    ({"integrity": "  "}, True, False),
])
def test_what_the_browser_refuses_to_run(attrs, cross_origin, refused):
    """A tracker tag the browser refuses, for what webtrack's collector serves (the file,
    with Access-Control-Allow-Origin: *), is no install (WT001, and a note says why)."""
    from harness.audit.integrity import refusal

    assert bool(refusal(attrs, cross_origin)) is refused
    tag = TAG.replace("<script ", "<script " + " ".join(
        f'{k}="{v}"' for k, v in attrs.items()) + " ")
    found = check(parse(page(tag), "p.html", "http://shop.localhost/p.html" if cross_origin
                        else f"{ORIGIN}/p.html"), CONFIG)
    assert sorted(f.rule for f in found) == (["WT001", "WT010"] if refused else [])


def test_callbacks_the_page_schedules_itself_are_not_in_doubt():
    code = ("window.addEventListener('load', function () { setTimeout(function () {" +
            insert() + "}, 10); });")
    found = check(parse(page(js(code)), "p.html", "http://shop.localhost/p.html"), CONFIG)
    assert found == []


HOSTILE = {  # what a page does to the evaluator -> (the page's head, its files)
    "cyclic module imports": ('<script type="module">import "/js/a.js";</script>', {
        "/js/a.js": "import './b.js';", "/js/b.js": "import './a.js';" + insert()}),
    "an endless loop before the loader": (js("while (true) { var x = 1; }" + insert()), {}),
    "a string doubled by replaceAll": (js(
        "var s = 'aaaaaaaaaaaaaaaa'; for (var i = 0; i < 20; i++) s = s.replaceAll('a', s);"
        + insert()), {}),
    "JSON nested beyond reason": (js("try { JSON.parse('" + "[" * 5000 + "]" * 5000 +
                                     "'); } catch (e) {}" + insert()), {}),
    "timers that set timers": (js("function t() { setTimeout(t, 0); setTimeout(t, 0); } t();"
                                  + insert()), {}),
    "intervals that set intervals": (js(
        "function t() { setInterval(t, 0); setInterval(t, 0); } t();" + insert()), {}),
    "a blob flood": (js("for (var i = 0; i < 100000; i++) URL.createObjectURL(new Blob(['x']));"
                        + insert()), {}),
    "a cookie flood": (js("for (var i = 0; i < 100000; i++) document.cookie = 'c' + i + '=x';"
                          + insert()), {}),
    "a regex that backtracks for ever elsewhere": (js(
        "/(a+)+$/.test('" + "a" * 5000 + "b'); 'x'.replace(/(x*)*y/g, '');" + insert()), {}),
    "an endless generator": (js("function* g() { while (true) yield 1; } for (const x of g()) {}"
                                + insert()), {}),
    "Function() in a loop": (js("var f = 'x'; for (var i = 0; i < 1000; i++) "
                                "f = Function('return ' + JSON.stringify(f))();" + insert()), {}),
}


@pytest.mark.parametrize("what", HOSTILE)
def test_hostile_pages_are_followed_within_bounds(what, monkeypatch):
    """Each page ends (steps, loops, callbacks, sizes and modules are all bounded) with its
    loader after the hostile part still found: the bounds stop the part, not the audit."""
    head, files = HOSTILE[what]
    for path, text in files.items():
        monkeypatch.setitem(FILES, path, text)
    assert rules_of(page(head)) == []


# The pure pieces the shapes rest on, each a table.
@pytest.mark.parametrize("specifier,address", [
    ("wt", URL),
    ("wt/x.js", None),  # "wt" is no prefix: only keys ending in / are
    ("lib/a/b.js", f"{ORIGIN}/v3/b.js"),  # the longest prefix wins
    ("lib/", f"{ORIGIN}/v2/"),
    ("/js/old.js", "http://shop.localhost/js/new.js"),  # a URL-like key remaps an address
    ("./js/old.js", "http://shop.localhost/js/new.js"),
    ("/js/other.js", "http://shop.localhost/js/other.js"),
    ("lodash", None),  # bare, not mapped: the browser cannot load it
])
def test_import_map_resolution(specifier, address):
    from harness.audit.modules import Modules

    base = "http://shop.localhost/page.html"
    imports = {Modules.normalise(k, base): v for k, v in {
        "wt": URL, "lib/": f"{ORIGIN}/v2/", "lib/a/": f"{ORIGIN}/v3/",
        "/js/old.js": "http://shop.localhost/js/new.js"}.items()}
    assert Modules(None, base, lambda src: None, imports).resolve(  # type: ignore[arg-type]
        specifier, None) == address


@pytest.mark.parametrize("src,kind", [
    (URL, "tracker"),
    (f"{URL}?v=3", "tracker"),
    (f"{ORIGIN}/v/\ue000/tracker.js", "tracker"),  # a cache-buster before the file
    (f"{ORIGIN}/\ue000", None),  # the file itself unknown
    (f"{ORIGIN}/tracker.js.map", None),
    (f"{ORIGIN}/tracker%2Ejs", "tracker"),  # as the server reads it
    (f"{ORIGIN}/%74racker.js?v=1", "tracker"),
    (f"{ORIGIN}/tracker.jsx", None),
    ("http://shop.localhost/container.js?id=1", "container"),
    ("https://tags.example/utag/a/b/utag.js", "container"),
    ("http://shop.localhost/app.js", None),
    ("http://shop.localhost/app.js?then=/container.js", None),  # a query is not a path
    (None, None),
])
def test_classify(src, kind):
    from harness.audit.installs import classify

    assert classify(src, CONFIG) == kind


@pytest.mark.parametrize("src,kind", [
    ("https://www.googletagmanager.com/gtm.js?id=GTM-A", "container"),
    ("https://www.googletagmanager.com/gtm.js?id=GTM-A&l=dl", "container"),
    ("https://www.googletagmanager.com/gtm.js?id=GTM-B", None),  # another site's container
    ("https://www.googletagmanager.com/gtm.js?id=GTM-AB", None),  # a value is whole
    ("https://www.googletagmanager.com/gtm.js?l=dl&id=GTM-A", "container"),  # in any order
    ("https://www.googletagmanager.com/gtm.js?id=GTM%2DA", "container"),  # as decoded
    ("https://www.googletagmanager.com/gtm.js", None),
])
def test_a_container_configured_with_its_query(src, kind):
    from harness.audit.installs import classify

    config = audit_config.load({"tag_containers": ["googletagmanager.com/gtm.js?id=GTM-A"]})
    assert classify(src, config) == kind


@pytest.mark.parametrize("engine,version,agent", [
    ("chromium", "156.0.8078.108", "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, "
     "like Gecko) Chrome/156.0.0.0 Safari/537.36"),
    ("firefox", "153.8.0", None),  # Firefox's headless user agent is a visitor's already
])
def test_the_rendered_audit_browses_as_a_visitor(engine, version, agent):
    from harness.looks import visitor_user_agent

    assert visitor_user_agent(engine, version) == agent


@pytest.mark.parametrize("attrs,runs", [
    ({}, True), ({"type": "text/javascript"}, True), ({"type": " Module "}, True),
    ({"type": "application/javascript; charset=utf-8"}, False),  # parameters: no match
    ({"type": "TEXT/JAVASCRIPT1.5"}, True), ({"type": "text/livescript"}, True),
    ({"type": "application/x-ecmascript"}, True), ({"language": "JavaScript"}, True),
    ({"language": "vbscript"}, False), ({"language": ""}, True),
    ({"type": "", "language": "vbscript"}, True),  # the type wins, empty or not
    ({"for": "document", "event": "onclick"}, False),
    ({"for": " Window ", "event": "onload()"}, True),
    ({"type": "module", "for": "document", "event": "onclick"}, True),  # classic only
    ({"type": "text/plain"}, False), ({"type": "text/template"}, False),
    ({"type": "application/json"}, False), ({"type": "module", "nomodule": ""}, True),
    ({"nomodule": ""}, False), ({"type": "text/babel"}, False),
])
def test_runs_as_script(attrs, runs):
    from harness.audit.page import runs_as_script

    assert runs_as_script(attrs) is runs


@pytest.mark.parametrize("html,base", [
    ("<p>", "http://shop.localhost/a/page.html"),
    ('<base href="http://collector.localhost:8800/x/">', "http://collector.localhost:8800/x/"),
    ('<base href="../b/">', "http://shop.localhost/b/"),
    ('<base target="_top"><base href="/c/"><base href="/d/">', "http://shop.localhost/c/"),
])
def test_base_href(html, base):
    parsed = parse(f"<html><head>{html}</head></html>", "p", "http://shop.localhost/a/page.html")
    assert (parsed.base, parsed.url) == (base, "http://shop.localhost/a/page.html")


@pytest.mark.parametrize("text,value", [
    ('{"site": "shop", "n": 2, "l": [true, null]}', {"site": "shop", "n": 2.0,
                                                     "l": [True, None]}),
    ("\ue000", None), ('"' + "x" * 70_000 + '"', None),
    ("[" * 100 + "]" * 100, None),  # deeper than followed
])
def test_json_parse(text, value):
    from harness.audit.jsbuiltins import json_parse
    from harness.audit.jsvalues import UNKNOWN, JSArray, JSObject

    def plain(v):
        if isinstance(v, JSArray):
            return [plain(i) for i in v.items]
        if isinstance(v, JSObject):
            return {k: plain(i) for k, i in v.props.items()}
        return None if v is UNKNOWN else v

    assert plain(json_parse(None, [text])) == value


@pytest.mark.parametrize("text", ["[1", "NaN", "{'a': 1}", ""])
def test_json_parse_of_what_is_no_json_throws(text):
    from harness.audit.jsbuiltins import json_parse
    from harness.audit.jseval import Throw

    with pytest.raises(Throw):  # a SyntaxError in the browser: the script stops there
        json_parse(None, [text])


@pytest.mark.parametrize("ref,url", [
    ("http://collector.localhost:8800", "http://collector.localhost:8800/"),  # never empty
    ("//collector.localhost:8800?x", "http://collector.localhost:8800/?x"),
    ("tracker.js", "http://shop.localhost/a/tracker.js"),
    ("data:text/javascript,1", "data:text/javascript,1"),
    ("HTTP://Collector%2Elocalhost:80/a b", "http://collector.localhost/a%20b"),
    (" \t//collector.local\nhost:8800\\x\\tracker.js ", "http://collector.localhost:8800/x/tracker.js"),
    ("http://[collector]/tracker.js", ""),  # the browser cannot parse it
    ("\ue000/tracker.js", "http://shop.localhost/a/\ue000/tracker.js"),  # a hole stays
])
def test_resolve(ref, url):
    from harness.audit.page import resolve

    assert resolve("http://shop.localhost/a/page.html", ref) == url


@pytest.mark.parametrize("args,href", [
    (["/tracker.js", ORIGIN], URL),
    (["tracker.js", f"{ORIGIN}/x/"], f"{ORIGIN}/x/tracker.js"),
    ([URL], URL),
    (["/tracker.js"], None),  # no base: the browser throws
    (["\ue000/tracker.js"], None),
])
def test_url_constructor(args, href):
    from harness.audit.jsbuiltins import make_url
    from harness.audit.jsvalues import UNKNOWN, to_string

    made = make_url("").fn(None, args)
    assert (None if made is UNKNOWN else to_string(made)) == href


@pytest.mark.parametrize("writes,text", [
    ([], ""), (["a=1"], "a=1"), (["a=1; path=/; max-age=9", "b=2"], "a=1; b=2"),
    (["a=1", "a=2"], "a=2"), (["solo"], "solo"),
])
def test_cookie_jar(writes, text):
    from harness.audit.jsbuiltins import CookieJar

    jar = CookieJar()
    for value in writes:
        jar.set(value)
    assert jar.text() == text


@pytest.mark.parametrize("target,event,capture,called", [
    ("window", "load", False, True), ("window", "DOMContentLoaded", False, True),
    ("window", "pageshow", False, True), ("document", "DOMContentLoaded", False, True),
    ("document", "readystatechange", False, True),
    ("document", "load", False, False), ("document", "load", True, False),  # fired at window
    ("document", "pageshow", False, False),
    ("window", "readystatechange", False, False),  # it does not bubble
    ("window", "readystatechange", True, True),  # capturing, the window is on its path
    ("other", "load", False, True),  # an element's, or a target the audit cannot tell
    ("window", "click", False, False),  # a user's event: not as the page loads
])
def test_which_load_listeners_are_called(target, event, capture, called):
    from harness.audit.dom import heard

    assert heard(target, event, capture) is called


@pytest.mark.parametrize("code,older", [
    ("class L { static { go(); } }", "class L { static [(() => { go(); })()]() {} }"),
    ("class L { static x = 1; static { if (a) { b(); } } }",
     "class L { static get x () { return ( 1); }; static [(() => { if (a) { b(); } })()]() {} }"),
    ("for await (const x of y) {}", "for       (const x of y) {}"),
    ("var static_ = 1; for (const x of y) {}", "var static_ = 1; for (const x of y) {}"),
])
def test_downlevel_rewrites_newer_syntax_in_place(code, older):
    from harness.audit.downlevel import downlevel

    assert downlevel(code) == older


CDN = "https://code.jquery.com/jquery-3.7.1.min.js"


@pytest.mark.parametrize("library,code,rules", [
    (CDN, f"$.getScript('{URL}');", ["WT004"]),
    (CDN, "$.getScript('/dep.js').done(function () {" + insert() + "});", []),
    (CDN, f"$.ajax('{URL}', {{dataType: 'script', scriptAttrs: {{'data-site': 'shop'}}}});", []),
    (CDN, f"$.ajax({{url: '{URL}', dataType: 'json'}});", ["WT001"]),  # data, not run
    (CDN, f"$('<script>', {{src: '{URL}', 'data-site': 'shop'}}).appendTo('head');", ["WT004"]),
    (CDN, "$('head').append('<script>" + insert().replace("'", "\\'") + "<\\/script>');", []),
    (CDN, "$(document).ready(function () {" + insert() + "});", []),
    (CDN, "$(window).on('load', function () {" + insert() + "});", []),
    (CDN, "$(document).on('load', function () {" + insert() + "});", ["WT001"]),
    # what the model leaves out is unseen, not missing: the script goes on
    (CDN, "$('.menu').addClass('open').fadeIn(200); $.cookie('x');" + insert(), []),
    (CDN, "$.fn.extend({wt: function () {}});" + insert(), []),
    (CDN, "$('.menu').on('click', function () {" + insert() + "});", ["WT001"]),  # a user's
    # scriptAttrs came with 3.4: before it, the script has none of them
    ("https://ajax.googleapis.com/ajax/libs/jquery/3.3.1/jquery.min.js",
     f"jQuery.ajax({{url: '{URL}', dataType: 'script', scriptAttrs: {{'data-site': 'shop'}}}});",
     ["WT004"]),
    # the slim build has no ajax: no getScript, and appended markup's src never loads
    ("https://code.jquery.com/jquery-3.7.1.slim.min.js", f"$.getScript('{URL}');", ["WT001"]),
    ("/js/jquery.slim.min.js", f"$('head').append('<script src=\"{URL}\" data-site=\"shop\">"
     "<\\/script>');", ["WT001"]),
])
def test_jquery_as_modelled(library, code, rules):
    """A page's jQuery tag defines $ as jQuery 3 behaves (see harness/audit/jquery.py)."""
    assert rules_of(page(f'<script src="{library}"></script>' + js(code))) == rules


def test_jquery_is_undefined_before_its_tag_runs():
    tag = f'<script src="{CDN}" defer></script>'
    assert rules_of(page(tag + js("$(function () {" + insert() + "});"))) == ["WT001"]
    assert rules_of(page(js(f"$.getScript('{URL}');") + tag)) == ["WT001"]


@pytest.mark.parametrize("src,jquery", [
    (CDN, True), ("/js/jquery.js", True), ("/jquery-1.12.4.slim.js", True),
    ("https://cdn.jsdelivr.net/npm/jquery@3.7.1/dist/jquery.min.js", True),
    ("/js/jquery-ui.min.js", False), ("/js/jquery.cookie.js", False), ("/js/app.js", False),
    (None, False),
])
def test_is_jquery(src, jquery):
    from harness.audit.jquery import is_jquery

    assert is_jquery(src) is jquery


@pytest.mark.parametrize("html,rewritten", [
    ('<template shadowrootmode="closed">', '<template shadowrootmode="closed" '
     "shadowrootserializable>"),
    ("<TEMPLATE id=t SHADOWROOTMODE='CLOSED'>", "<TEMPLATE id=t SHADOWROOTMODE='CLOSED' "
     "shadowrootserializable>"),
    ("<template shadowrootmode=closed>", "<template shadowrootmode=closed "
     "shadowrootserializable>"),
    ('<template shadowrootmode="open">', '<template shadowrootmode="open">'),
    ("<template shadowrootmode=closedx>", "<template shadowrootmode=closedx>"),
    ('<template data-shadowrootmode="closed">', '<template data-shadowrootmode="closed">'),
    # Read from each tag's < to its first >: "<template" inside a tag is no tag; one that
    # never closes is none either (and costs one pass, not one a tag).
    ('<template <template shadowrootmode="closed"><template a>', '<template <template '
     'shadowrootmode="closed" shadowrootserializable><template a>'),
    ('<template shadowrootmode="closed" <template shadowrootmode="closed"', '<template '
     'shadowrootmode="closed" <template shadowrootmode="closed"'),
    ("<template shadowrootmode=closed />", "<template shadowrootmode=closed  "
     "shadowrootserializable/>"),
])
def test_closed_declarative_roots_made_serialisable(html, rewritten):
    from harness.audit.shadowroots import serialisable

    assert serialisable(html) == rewritten

