"""Identifiers no shape gives away, caught by telling two fresh visitors apart; values the
same for every visitor, or only the clock's moments apart, let through (differential.py).

The sites below are written as the breach estate's (``test_consent_breaches``), but each
visitor's identifier is drawn at random in the page, as a real site's is: words from a
list, a timestamp-shaped number, five digits, CJK characters, a field added to a consent
platform's cookie, an IndexedDB database's version, an HMAC signed with a key the page
cannot read, a CSRF-named cookie sent to a host under the site's. Each case names a marker
(a cookie name, a storage key, a request path) and its channel.
"""

from __future__ import annotations

import json
import shutil
import threading
import time
from email.utils import formatdate
from pathlib import Path

import pytest
from conftest import once_across_workers
from test_consent_breaches import BANNER, BODY, GIF, OPTED_OUT, ready
from werkzeug.serving import make_server
from werkzeug.wrappers import Request, Response

from harness import consent_audit
from harness.consent_audit import differential, runner, verdict
from harness.consent_audit.evidence import Evidence
from harness.server import Server

RANDOM = (
    'function pick(a) { return a[Math.floor(Math.random() * a.length)]; }'
    'var WORDS = ["amber", "falcon", "river", "cobalt", "otter", "lake", "maple", "quartz",'
    ' "ember", "willow", "harbor", "tundra", "cedar", "pixel", "meadow", "raven"];'
    'function keep(k, make) { if (!localStorage.getItem(k)) localStorage.setItem(k, make());'
    ' return localStorage.getItem(k); }'
    'function jar(n) { return (document.cookie.match("(?:^|; )" + n + "=([^;]*)") || [])[1]; }'
    'function hexid(n) { return Array.from(crypto.getRandomValues(new Uint8Array(n)),'
    ' function (b) { return b.toString(16).padStart(2, "0"); }).join(""); }'
    'var YEAR = "; path=/; max-age=31536000; samesite=lax";')

# A TCF v2 consent string as a CMP writes it: version, created and updated (deciseconds),
# CMP, screen, language, vendor list, purposes (none), publisher's country, no vendors.
TCF = ('function tcf() { var bits = "", ds = Math.round(Date.now() / 100);'
       ' function put(v, n) { bits += v.toString(2).padStart(n, "0"); }'
       ' put(2, 6); put(ds, 36); put(ds, 36); put(7, 12); put(1, 12); put(1, 6); put(4, 6);'
       ' put(13, 6); put(160, 12); put(4, 6); put(1, 1); put(0, 1); put(0, 12); put(0, 24);'
       ' put(0, 24); put(0, 1); put(3, 6); put(4, 6); put(0, 16); put(0, 1); put(0, 16);'
       ' put(0, 1); put(0, 12); while (bits.length % 6) bits += "0";'
       ' var A = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";'
       ' return bits.match(/.{6}/g).map(function (b) { return A[parseInt(b, 2)]; }).join("");'
       ' }')
# The consent records of OneTrust, IAB TCF, Cookiebot, Didomi, Usercentrics and Klaro, written
# as the choice is made (the Reject click, or GPC honoured on arrival).
CHOICE = (TCF + 'function choose() { var now = new Date(), uuid = crypto.randomUUID();'
          ' document.cookie = "OptanonConsent=" + encodeURIComponent("isGpcEnabled=0&datestamp="'
          ' + now.toString() + "&version=202409.1.0&browserGpcFlag=0&isIABGlobal=false&hosts='
          '&consentId=" + uuid + "&interactionCount=1&isAnonUser=1&landingPath=NotLandingPage'
          '&groups=C0001:1,C0002:0,C0003:0,C0004:0&geolocation=DE;BE&AwaitingReconsent=false")'
          ' + YEAR;'
          ' document.cookie = "OptanonAlertBoxClosed=" + now.toISOString() + YEAR;'
          ' document.cookie = "euconsent-v2=" + tcf() + YEAR;'
          ' document.cookie = "CookieConsent=" + encodeURIComponent("{stamp:\'" + uuid'
          ' + "\',necessary:true,preferences:false,statistics:false,marketing:false,'
          'method:\'explicit\',ver:1,utc:" + now.getTime() + ",region:\'de\'}") + YEAR;'
          ' document.cookie = "didomi_token=" + btoa(JSON.stringify({user_id: uuid,'
          ' created: now.toISOString(), updated: now.toISOString(), vendors: {disabled:'
          ' ["google", "c:hotjar"]}, purposes: {disabled: ["analytics", "marketing"]},'
          ' version: 2})) + YEAR;'
          ' localStorage.setItem("uc_settings", JSON.stringify({controllerId: hexid(16),'
          ' id: "rT3kY9bLq", language: "en", version: "12", services: [{id: "HkocEodjb7",'
          ' status: false, history: [{action: "onDenyAllServices", language: "en",'
          ' status: false, timestamp: now.getTime(), type: "explicit",'
          ' versions: {application: "2.14.0", service: "1.0.4", settings: "12"}}]}]}));'
          ' localStorage.setItem("uc_user_interaction", "true");'
          ' document.cookie = "klaro=" + encodeURIComponent(JSON.stringify({analytics: false,'
          ' ads: false, necessary: true})) + YEAR; }'
          'if (navigator.globalPrivacyControl && !jar("klaro")) choose();'
          'document.getElementById("reject-cookies").addEventListener("click", choose, true);')
REAL_PAGE = ('<script>var RELEASE = "web-2026.11.3-7f3c2a1e9b";'
             ' var REQUEST_ID = "7f3c2a1e-0001";</script>')
REAL_JS = CHOICE + (
    # A token against forgery for the session, sent back to the site's own host as one.
    'var xsrf = jar("XSRF-TOKEN"); if (!xsrf) { xsrf = hexid(16);'
    ' document.cookie = "XSRF-TOKEN=" + xsrf + "; path=/; samesite=lax"; }'
    'fetch(OWN + "/api/cart", {method: "POST", headers: {"X-XSRF-TOKEN": xsrf}});'
    # A load balancer's cookie naming the backend (served), a few bits of A/B bucket, a cart
    # count, a page-view count for the tab, the day last seen, a layout variant's name run
    # together in lower case, the release, a language, a theme.
    'new Image().src = OWN + "/df_lb.gif";'
    'keep("ab_bucket", function () { return String(Math.floor(Math.random() * 8)); });'
    'keep("exp_home", function () { return pick(["control", "treatment"]); });'
    'if (!jar("cart_count")) document.cookie = "cart_count=0; path=/";'
    'sessionStorage.setItem("pv_count", String(1 + Number(sessionStorage.getItem("pv_count"))));'
    'localStorage.setItem("last_seen_day", String(Math.floor(Date.now() / 864e5)));'
    'keep("reco_layout", function () {'
    ' return pick(["recommendationsleft", "recommendationsright"]); });'
    'localStorage.setItem("app_release", RELEASE || localStorage.getItem("app_release"));'
    'document.cookie = "lang=de-DE; path=/" ;'
    'localStorage.setItem("theme", matchMedia("(prefers-color-scheme: dark)").matches'
    ' ? "dark" : "light");'
    # A nonce used once and kept nowhere; a request id the same for everyone; analytics of
    # the page alone to the site's own host, a cache-buster, the page's clock and
    # performance.now() in a request, an error report without ids.
    'fetch(OWN + "/api/ping?nonce=" + crypto.randomUUID());'
    'fetch(OWN + "/api/content/blocks?req=" + (window.REQUEST_ID || "7f3c2a1e-0001"));'
    'fetch(OWN + "/api/metrics", {method: "POST", headers: {"Content-Type":'
    ' "application/json"}, body: JSON.stringify({vw: innerWidth, vh: innerHeight,'
    ' release: localStorage.getItem("app_release"), ref: document.referrer.indexOf('
    'location.origin) === 0 ? new URL(document.referrer).pathname : ""})});'
    'new Image().src = OWN + "/logo.gif?v=" + Date.now();'
    'fetch(OWN + "/api/log?t=" + Date.now() + "&pt=" + Math.round(performance.now()));'
    'fetch(OWN + "/api/errors", {method: "POST", body: JSON.stringify({message:'
    ' "TypeError: carousel is undefined", page: location.pathname, line: 42})});')
# Each clean behaviour's marker, as a finding about it would name it.
REAL = ["OptanonConsent", "OptanonAlertBoxClosed", "euconsent-v2", "CookieConsent",
        "didomi_token", "uc_settings", "uc_user_interaction", "klaro", "XSRF-TOKEN",
        "SERVERID", "BIGipServer", "ab_bucket", "exp_home", "cart_count", "pv_count",
        "last_seen_day", "reco_layout", "app_release", "lang", "theme", "/api/ping",
        "/api/content", "/api/metrics", "/logo.gif", "/api/log", "/api/errors"]

# name: {head, pages (extra head per page), states (default: rejected only)}
SITES: dict[str, dict] = {
    # Kept from the first page on, each drawn once per visitor: no shape an id has.
    "dfshapes": {"head": ready(RANDOM + (
        'keep("df_words", function () { return [pick(WORDS), pick(WORDS), pick(WORDS)]'
        '.join("-"); });'
        'keep("df_moment", function () { return String(1764489600000'
        ' + Math.floor(Math.random() * 1e9)); });'
        'keep("df_small", function () { return String(10000'
        ' + Math.floor(Math.random() * 90000)); });'
        # The page's milliseconds with three random digits: sixteen, as microseconds are.
        # The page's moment with up to a week drawn at random added (a "first seen" moment
        # made up per visitor), as milliseconds and as an ISO date in a cookie.
        'keep("df_jitter", function () { return String(Date.now()'
        ' + Math.floor(Math.random() * 6048e5)); });'
        'if (!jar("df_since")) document.cookie = "df_since=" + new Date(Date.now()'
        ' - Math.floor(Math.random() * 6048e5)).toISOString() + YEAR;'
        'keep("df_micro", function () { return String(Date.now())'
        ' + String(100 + Math.floor(Math.random() * 900)); });'
        'if (!jar("df_cjk")) document.cookie = "df_cjk=" + encodeURIComponent('
        'Array.from({length: 4}, function () { return String.fromCharCode(0x4e00'
        ' + Math.floor(Math.random() * 0x5000)); }).join("")) + YEAR;'))},
    # A field added to a consent platform's own cookie (whatever those hold is allowed).
    "dfcmp": {"head": ready(RANDOM + (
        'if (!jar("OptanonConsent")) document.cookie = "OptanonConsent=" + encodeURIComponent('
        '"isGpcEnabled=0&datestamp=" + new Date().toString() + "&version=202409.1.0'
        '&consentId=" + crypto.randomUUID() + "&groups=C0001:1,C0002:0&ref="'
        ' + [pick(WORDS), pick(WORDS), pick(WORDS)].join(".")) + YEAR;'
        'if (!jar("CookieConsent")) document.cookie = "CookieConsent=" + encodeURIComponent('
        '"{stamp:\'" + crypto.randomUUID() + "\',necessary:true,preferences:false,'
        'statistics:false,marketing:false,method:\'explicit\',ver:1,utc:" + Date.now()'
        ' + ",region:\'" + String(10000 + Math.floor(Math.random() * 90000)) + "\'}") + YEAR;'))},
    # An IndexedDB database's version as the id; an HMAC signed with a key no script can
    # read (kept in IndexedDB), sent from every page.
    "dfhidden": {"head": ready(RANDOM + (
        'indexedDB.databases().then(function (dbs) {'
        ' if (dbs.some(function (d) { return d.name === "df_prefs"; })) return;'
        ' var r = indexedDB.open("df_prefs", 1 + Math.floor(Math.random() * 1e9));'
        ' r.onupgradeneeded = function () { r.result.createObjectStore("kv"); };'
        ' r.onsuccess = function () { r.result.close(); }; });'
        'new Promise(function (ok) { var o = indexedDB.open("df_keys", 1);'
        ' o.onupgradeneeded = function () { o.result.createObjectStore("k"); };'
        ' o.onsuccess = function () { var db = o.result,'
        ' g = db.transaction("k").objectStore("k").get("sig");'
        ' g.onsuccess = function () { if (g.result) return ok(g.result);'
        ' crypto.subtle.generateKey({name: "HMAC", hash: "SHA-256"}, false, ["sign"])'
        '.then(function (key) { db.transaction("k", "readwrite").objectStore("k")'
        '.put(key, "sig").onsuccess = function () { ok(key); }; }); }; }; })'
        '.then(function (key) { return crypto.subtle.sign("HMAC", key,'
        ' new TextEncoder().encode("webtrack")); }).then(function (sig) {'
        ' var hex = Array.from(new Uint8Array(sig), function (b) {'
        ' return b.toString(16).padStart(2, "0"); }).join("");'
        ' new Image().src = OWN + "/df_hmac.gif?sig=" + hex; });'))},
    # A CSRF-named cookie, sent as a form field would be, to a host under the site's that
    # served none of its pages (a tracker's, by the site's DNS).
    "dfcname": {"head": ready(RANDOM + (
        'var tok = jar("csrftoken"); if (!tok) { tok = hexid(16);'
        ' document.cookie = "csrftoken=" + tok + "; path=/; samesite=lax"; }'
        'fetch("http://metrics." + location.hostname + ":SIDEPORT/df_cname", {method: "POST",'
        ' mode: "no-cors", headers: {"Content-Type": "application/x-www-form-urlencoded"},'
        ' body: "event=view&csrfmiddlewaretoken=" + tok});'))},
    # Fails on a beacon to the collector after the opt-out whatever a twin would tell: none
    # is sent (its id of no known shape is not then reported).
    "dfbeacon": {"head": ready(RANDOM + (
        'if (!jar("df_plain")) document.cookie = "df_plain=" + [pick(WORDS), pick(WORDS),'
        ' pick(WORDS)].join("-") + YEAR;'
        'new Image().src = "http://collector." + location.host.split(".").slice(1).join(".")'
        ' + "/px.gif?page=" + encodeURIComponent(location.pathname);'))},
    # Clean: a product's code in its own page's inline script, kept in the visitor's recent
    # list and asked about: the same for everyone.
    "dfcleansku": {"pages": {"index.html": '<script>var PRODUCT = {sku: "LMP-2291-BR",'
                                           ' id: 84721993, name: "Lamp"};</script>'},
                   "head": ready(
        'if (window.PRODUCT) localStorage.setItem("recently_viewed",'
        ' JSON.stringify([PRODUCT.sku, PRODUCT.id]));'
        'var seen = JSON.parse(localStorage.getItem("recently_viewed") || "[]");'
        'if (seen.length) fetch("/api/recent?skus=" + encodeURIComponent(seen.join(",")));'),
        "states": OPTED_OUT},
    # Clean: the server's time and the page's in cookies and storage, seconds apart.
    "dfcleantime": {"head": ready(
        'new Image().src = OWN + "/df_srvtime.gif";'
        'localStorage.setItem("visit_started", String(Date.now()));'
        'localStorage.setItem("seen_at", new Date().toISOString());'
        'document.cookie = "last_render=" + Math.floor(Date.now() / 1000) + "; path=/";'),
        "states": OPTED_OUT},
    # Clean: consent platforms' cookies holding the choice and their own receipt only.
    "dfcleancmp": {"head": ready(
        'document.getElementById("reject-cookies").addEventListener("click", function () {'
        ' var y = "; path=/; max-age=31536000; samesite=lax";'
        ' document.cookie = "OptanonConsent=" + encodeURIComponent("isGpcEnabled=0&datestamp="'
        ' + new Date().toString() + "&version=202409.1.0&consentId=" + crypto.randomUUID()'
        ' + "&interactionCount=1&groups=C0001:1,C0002:0,C0003:0,C0004:0") + y;'
        ' document.cookie = "OptanonAlertBoxClosed=" + new Date().toISOString() + y;'
        ' document.cookie = "CookieConsent=" + encodeURIComponent("{stamp:\'"'
        ' + crypto.randomUUID() + "\',necessary:true,preferences:false,statistics:false,'
        'marketing:false,method:\'explicit\',ver:1,utc:" + Date.now() + "}") + y; }, true);'),
        "states": OPTED_OUT},
    # Clean: a token against forgery per visitor, sent back to the site's own host only.
    "dfcleancsrf": {"head": ready(
        'var tok = (document.cookie.match(/csrftoken=([0-9a-f]+)/) || [])[1]; if (!tok) {'
        ' tok = Array.from(crypto.getRandomValues(new Uint8Array(16)), function (b) {'
        ' return b.toString(16).padStart(2, "0"); }).join("");'
        ' document.cookie = "csrftoken=" + tok + "; path=/; samesite=lax"; }'
        'fetch("/api/cart", {method: "POST", headers: {"X-CSRFToken": tok,'
        ' "Content-Type": "application/x-www-form-urlencoded"},'
        ' body: "item=lamp&csrfmiddlewaretoken=" + tok});'),
        "states": OPTED_OUT},
    # Clean: a consent script that deletes the tracking cookie on every page, with an expiry
    # a second ago on the page's clock (which virtual time runs ahead of the browser's).
    "dfcleandelete": {"head": ready(
        'document.cookie = "msdynci_trackingContext=; path=/; expires="'
        ' + new Date(Date.now() - 1000).toUTCString();'),
        "states": OPTED_OUT},
    # The same through the Cookie Store API, whose expiry is a moment on the page's clock.
    "dfcleanstoredelete": {"head": ready(
        'cookieStore.set({name: "msdynci_trackingContext", value: "", path: "/",'
        ' expires: Date.now() - 1000});'),
        "states": OPTED_OUT},
    # Clean: what consent-respecting sites keep and send after an opt-out (REAL: one marker
    # each), none of it telling one visitor from another, or only as a consent record's own
    # receipt, or as a token against forgery used as one.
    "dfcleanreal": {"pages": {"index.html": REAL_PAGE}, "head": ready(RANDOM + REAL_JS),
                    "states": OPTED_OUT},
}

CASES = [
    ("dfshapes", "df_words", "storage"),
    ("dfshapes", "df_moment", "storage"),
    ("dfshapes", "df_small", "storage"),
    ("dfshapes", "df_micro", "storage"),
    ("dfshapes", "df_jitter", "storage"),
    ("dfshapes", "df_since", "cookie"),
    ("dfshapes", "df_cjk", "cookie"),
    ("dfcmp", "OptanonConsent", "cookie"),
    ("dfcmp", "CookieConsent", "cookie"),
    ("dfhidden", "df_prefs/(version)", "storage"),
    ("dfhidden", "df_hmac", "request"),
    ("dfcname", "csrftoken", "cookie"),
]
CLEAN = [name for name in SITES if name.startswith("dfclean")]


def side_app(environ, start_response):
    """A pixel anywhere, an answer to any POST, and the server's time in two cookies."""
    request = Request(environ)
    response = Response(status=204) if request.method == "POST" else Response(
        GIF, content_type="image/gif")
    if request.path == "/df_lb.gif":  # a load balancer's, naming the backend it chose
        response.headers.add("Set-Cookie", "SERVERID=web2; Path=/")
        response.headers.add("Set-Cookie", "BIGipServerpool_web=1677787402.20480.0000; Path=/")
    if request.path == "/df_srvtime.gif":
        response.headers.add("Set-Cookie", f"last_seen={int(time.time())}; Path=/")
        response.headers.add("Set-Cookie", f"srv_date={formatdate(usegmt=True)}; Path=/")
    return response(environ, start_response)


PREFIX = ('var OWN = "http://" + location.hostname + ":SIDEPORT";')


# Each twin's page clock starts this much ahead of its visit's, as that of a twin that took
# this much longer to get to each step would be (a loaded machine): a moment the page wrote is
# the clock's still, and a drawn one still tells visitors apart.
TWIN_LAG_S = 150.0


def _audit(tmp_path_factory, browser_name):
    root = tmp_path_factory.mktemp(f"differential-{browser_name}")
    side = make_server("127.0.0.1", 0, side_app, threaded=True)
    threading.Thread(target=side.serve_forever, daemon=True).start()
    sites = root / "sites"
    shutil.copytree(Path("sites/_shared"), sites / "_shared")
    for name, spec in SITES.items():
        (sites / name).mkdir()
        (sites / name / "site.toml").write_text(f'title = "{name}"\ndemonstrates = "test"\n')
        for page in ("index.html", "two.html"):
            head = (spec.get("pages", {}).get(page, "") + f"<script>{PREFIX}</script>"
                    + spec["head"]).replace("SIDEPORT", str(side.server_port))
            (sites / name / page).write_text(
                f"<!doctype html><html><head><title>{name}</title>{head}"
                f"{BANNER.format(id=name)}</head><body>{BODY}</body></html>")
    chosen = {name: spec.get("states", [{"choice": "rejected", "gpc": False}])
              for name, spec in SITES.items()}
    try:
        with pytest.MonkeyPatch.context() as patch, \
                Server(sites_dir=sites, fixtures_dir=None) as server:
            patch.setattr(runner, "states", lambda site: chosen[site.name])
            patch.setattr(runner, "_Visit", _LaggingTwin)
            settings = consent_audit.parse({
                "collector": server.origin(), "browsers": [browser_name], "concurrency": 3,
                "site": [{"name": name, "start": server.url_for(name, "/"), "tracked": True,
                          "opt_out": [{"click": "#reject-cookies"}],
                          "then": [{"click": "#next"}]} for name in SITES]})
            results = consent_audit.audit(settings, root / "out")
    finally:
        side.shutdown()
    by_site: dict[str, list] = {}
    for record in results["results"]:
        by_site.setdefault(record["site"], []).append(record)
    return by_site


class _LaggingTwin(runner._Visit):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.twin:
            self.clock_at += TWIN_LAG_S


@pytest.fixture(scope="module")
def audited(tmp_path_factory, browser_name):
    return once_across_workers(tmp_path_factory, f"differential-{browser_name}",
                               lambda: _audit(tmp_path_factory, browser_name))


@pytest.mark.browser
@pytest.mark.slow
@pytest.mark.skip_browser("webkit")  # the audit drives Chromium and Firefox
@pytest.mark.parametrize("site,marker,channel", CASES, ids=[f"{s}-{m}" for s, m, _ in CASES])
def test_an_identifier_of_no_known_shape_is_caught(audited, site, marker, channel):
    (record,) = audited[site]
    assert not record["error"], record["error"]
    found = [v for v in record["violations"] if marker in json.dumps(v)]
    assert any(v["channel"] == channel for v in found), [
        (v["channel"], v["what"]) for v in record["violations"]]


@pytest.mark.browser
@pytest.mark.slow
@pytest.mark.skip_browser("webkit")
def test_a_differential_finding_says_the_slot_both_values_and_why(audited):
    (record,) = audited["dfshapes"]
    found = next(v for v in record["violations"] if v["kind"] == "per-visitor"
                 and v["evidence"]["name"] == "df_words")
    mine, other = found["evidence"]["mine"], found["evidence"]["other"]
    assert mine != other and mine in found["what"] and other in found["what"], found
    assert "two fresh visitors" in found["what"] and found["t"] is not None, found


@pytest.mark.browser
@pytest.mark.slow
@pytest.mark.skip_browser("webkit")
def test_a_twin_goes_only_where_it_can_change_the_verdict(audited):
    (beacon,) = audited["dfbeacon"]
    assert beacon["twin"] == "not needed" and beacon["verdict"] == "fail", beacon["id"]
    assert "request" in {v["kind"] for v in beacon["violations"]}
    assert "per-visitor" not in {v["kind"] for v in beacon["violations"]}
    (shapes,) = audited["dfshapes"]
    assert shapes["twin"] == "visited"
    assert all(r["twin"] == "visited" for r in audited["dfcleansku"] if "twin" in r)
    assert sum("twin" in r for r in audited["dfcleansku"]) == 1


@pytest.mark.browser
@pytest.mark.slow
@pytest.mark.skip_browser("webkit")
@pytest.mark.parametrize("site", CLEAN)
def test_a_value_the_same_for_everyone_or_a_moment_passes(audited, site):
    records = audited[site]
    assert len(records) == 2 and {r["verdict"] for r in records} == {"pass"}, [
        (r["id"], r["error"], [v["what"] for v in r["violations"]]) for r in records]


@pytest.mark.browser
@pytest.mark.slow
@pytest.mark.skip_browser("webkit")
@pytest.mark.parametrize("marker", REAL)
def test_what_a_consent_respecting_site_keeps_and_sends_passes(audited, marker):
    found = [(r["id"], v["what"]) for r in audited["dfcleanreal"] for v in r["violations"]
             if marker in json.dumps(v)]
    assert not found, found


# The reading itself, by a table: (one visitor's value, the twin's, told apart?).
@pytest.mark.parametrize("a,b,apart", [
    ("amber-falcon-river", "cobalt-otter-lake", True),  # words drawn at random
    ("48213", "90311", True),  # a small number
    ("一二三四", "五六七八", True),  # CJK characters
    ("1764489600000", "1764490600000", True),  # timestamp-shaped, 1000 s apart
    ("1764489600000", "1764489612000", False),  # the same clock, 12 s apart
    ("1764489600", "1764489655", False),  # a server's seconds
    ("1764489600123000", "1764489612456000", False),  # a page clock's microseconds
    ("1764489600123482", "1764489600456117", True),  # its milliseconds, three digits more
    ("Mon, 30 Nov 2026 07:00:01 GMT", "Mon, 30 Nov 2026 07:00:31 GMT", False),
    ("2026-11-30T07:00:01.120Z", "2026-11-30T07:00:02.950Z", False),
    ("2026-11-30T08:08:32.892Z", "2026-11-30T08:08:32.798Z", False),  # within one second
    ("Mon Nov 30 2026 07:00:01 GMT+0000 (Coordinated Universal Time)",
     "Mon Nov 30 2026 07:00:09 GMT+0000 (Coordinated Universal Time)", False),
    ("LMP-2291-BR", "LMP-2291-BR", False),  # the site's, the same for everyone
    ("control", "treatment", False),  # an A/B group: one word tells no one apart
    ("checkoutButtonPrimary", "checkoutButtonSecondary", False),  # words run together
    ("XMLHttpRequestFailed", "XMLHttpRequestTimeout", False),
    ("qjxkzvbnmwplrtyhd", "hgfdswqazxcvbnmkp", True),  # a hash in letters alone
    ("qZxKpLmNvB", "RtYuIoPaSd", True),  # letters of both cases at random
    ("variant_a", "variant_b", False),
    # Words run together in lower case, longer than any one word, against letters at random.
    ("recommendationsleft", "recommendationsright", False),
    ("newslettersignupbottom", "newslettersignuptopbar", False),
    ("qjxkzvbnmwplrtyhdsg", "hgfdswqazxcvbnmkpjl", True),
    # An id made to be spoken, consonant and vowel by turns: common pairs, yet no words.
    ("decibivurorutepacevelomo", "gamosacuconulukamadacesi", True),
    ("subscriptionpreferencesupdated", "subscriptionpreferencessaved", False),
    ("1", "0", False),
])
def test_two_fresh_visitors_values_tell_them_apart(a, b, apart):
    assert (differential.differs(a, b) is not None) is apart


def test_a_twin_that_came_later_has_its_servers_moments_as_much_further_apart():
    # A server's seconds 150 s apart: a twin that began 100 s after the visit.
    assert differential.differs("1764489600", "1764489750") is not None
    assert differential.differs("1764489600", "1764489750", slack=60 + 100) is None
    assert differential.differs("amber-falcon-river", "cobalt-otter-lake", slack=1e6)


def test_a_state_failed_on_what_no_shared_value_lifts_needs_no_twin():
    site = consent_audit.parse({"collector": "http://collector.localhost:1", "site": [
        {"name": "s", "start": "http://s.localhost:1/", "opt_out": [{"click": "#r"}]}]}).sites[0]
    rejected, accepted = {"choice": "rejected", "gpc": False}, {"choice": "accepted", "gpc": False}
    evidence = {**Evidence("chromium").data, "opted_out_at": 10.0}
    assert not verdict.decided_without_twins(site, rejected, evidence, None)
    assert verdict.decided_without_twins(site, rejected, evidence, "start: did not load")
    assert verdict.decided_without_twins(site, accepted, evidence, None)
    kept = {**evidence, "cookies": [{"name": site.tracking_cookies[0], "value": "x",
                                     "domain": "s.localhost", "path": "/"}]}
    assert verdict.decided_without_twins(site, rejected, kept, None)
    # An identifier by its looks alone: the values both visitors share may say it is the
    # site's, so the twin still goes.
    uid = {"name": "visitor_uid", "value": "8f3a9c2e71b04d5a9e6f", "domain": "s.localhost",
           "path": "/"}
    looks = {**evidence, "cookies": [uid], "cookies_at_opt_out": [uid]}
    assert [v["kind"] for v in verdict.decide(site, rejected, looks)["violations"]] == ["kept"]
    assert not verdict.decided_without_twins(site, rejected, looks, None)


def test_the_same_site_twice_is_refused():
    with pytest.raises(ValueError, match="'s' is there already"):
        consent_audit.parse({"collector": "http://collector.localhost:1", "site": [
            {"name": "s", "start": "http://s.localhost:1/"},
            {"name": "s", "start": "http://s.localhost:1/two.html"}]})


@pytest.mark.parametrize("value,fields", [
    ("isGpcEnabled=0&consentId=x&groups=C0001:1,C0002:0",
     {"isGpcEnabled": "0", "consentId": "x", "groups": "C0001:1,C0002:0"}),
    ("%7Bstamp%3A'abc'%2Cnecessary%3Atrue%2Cutc%3A1764489600000%7D",
     {"stamp": "abc", "necessary": "true", "utc": "1764489600000"}),
    ('{"user_id": "u1", "purposes": {"enabled": ["a"]}}',
     {"user_id": "u1", "purposes.enabled[0]": "a"}),
    ("eyJ1c2VyX2lkIjogInUxIn0=", {"user_id": "u1"}),  # base64 of JSON
    ("consentid:abc,consent:no,action:yes",
     {"consentid": "abc", "consent": "no", "action": "yes"}),
    ("amber-falcon-river", {}),
    ("dGhpcyBpcyBub3QgSlNPTg==", {}),
])
def test_a_structured_value_is_read_field_by_field(value, fields):
    assert differential.fields(value) == fields


def _reading(cookies=(), stored=(), requests=(), since=100.0):
    return differential.reading({"cookies": list(cookies), "stored": {"end": list(stored)}},
                                list(requests), since)


def test_a_request_field_counts_only_when_steady_within_each_visitor():
    def sent(value, at):
        return {"method": "GET", "url": f"http://s.localhost/px.gif?v={value}&rnd={at}{value}",
                "at": at}

    mine = _reading(requests=[sent("aaaa1111", 99.0), sent("aaaa1111", 101.0)])
    other = _reading(requests=[sent("bbbb2222", 99.0), sent("bbbb2222", 101.0)])
    found = differential.compare(mine, other)
    assert [f["field"] for f in found] == ["query v"], found  # rnd differs per request


def test_a_key_named_by_an_id_is_paired_with_the_twins():
    mine = _reading(stored=[{"storage": "localStorage", "origin": "o", "key": "seen_amber-otter",
                             "value": "1"}])
    other = _reading(stored=[{"storage": "localStorage", "origin": "o",
                              "key": "seen_cedar-raven", "value": "1"}])
    (found,) = differential.compare(mine, other)
    assert found["mine"] == "seen_amber-otter = 1" and found["channel"] == "storage"


def test_values_the_audit_made_for_each_visitor_are_not_compared():
    mine = _reading(cookies=[{"name": "ref", "value": "ctxAAAA1111", "domain": "s", "path": "/"}])
    other = _reading(cookies=[{"name": "ref", "value": "ctxBBBB2222", "domain": "s",
                               "path": "/"}])
    assert differential.compare(mine, other, {"AAAA1111", "BBBB2222"}) == []
    assert differential.compare(mine, other)


@pytest.mark.parametrize("config,twinned", [
    # The opt-out itself, where the site has one.
    ({"opt_out": [{"click": "#r"}], "accept": [{"click": "#a"}]},
     {"choice": "rejected", "gpc": False}),
    # Without one, the first state in which the visitor is opted out (by GPC).
    ({}, {"choice": "no-choice", "gpc": True}),
    # A site that ignores GPC and offers no opt-out: nothing is judged, nothing twinned.
    ({"honours_gpc": False}, None),
])
def test_the_twinned_state_is_the_opt_out_where_there_is_one(config, twinned):
    site = consent_audit.parse({"site": [{"name": "s", "start": "http://s.localhost/",
                                          **config}]}).sites[0]
    assert runner.twinned_state(site, runner.states(site)) == twinned


def _kept(value, clock_s, at):
    """A visitor that wrote the cookie ``seen`` with *value* on its page clock *clock_s*, at
    *at* on the harness's."""
    return differential.reading({
        "cookies": [{"name": "seen", "value": value, "domain": "s", "path": "/"}],
        "cookie_writes": [{"name": "seen", "value": f"seen={value}; path=/",
                           "clock": clock_s * 1000, "at": at}],
        "phases": [{"name": "load", "at": at - 5}], "stored": {"end": []}}, [], None)


@pytest.mark.parametrize("mine,other,apart", [
    # The twin wrote 150 s further on its page clock (it ran slower): so did its moment.
    ((1764489600, 1764489600, 1000.0), (1764489750, 1764489750, 1090.0), False),
    # A server's moment, as much later as the twin came.
    ((1764489600, 1764489500, 1000.0), (1764489790, 1764489500, 1190.0), False),
    # The moment 150 s further the other way than the clocks went: not the clock's.
    ((1764489750, 1764489600, 1000.0), (1764489600, 1764489750, 1090.0), True),
    # Written at the same moment, a quarter of an hour apart: drawn.
    ((1764489600, 1764489600, 1000.0), (1764490500, 1764489600, 1000.0), True),
])
def test_a_moment_is_read_against_the_clocks_of_the_visit_that_wrote_it(mine, other, apart):
    (va, ca, aa), (vb, cb, ab) = mine, other
    found = differential.compare(_kept(str(va), ca, aa), _kept(str(vb), cb, ab))
    assert bool(found) is apart, found


def test_a_moment_written_out_of_sight_is_read_against_the_visits_steps():
    def visit(value, at, clock_s):
        return differential.reading({
            "cookies": [{"name": "seen", "value": value, "domain": "s", "path": "/"}],
            "phases": [{"name": "load", "at": at}, {"name": "stock", "at": at + 100}],
            "lifecycle": [{"at": at + 1, "clock": clock_s * 1000}],
            "stored": {"end": []}}, [], None)

    # The twin's page clock 215 s ahead at its load (from a page-stamped event there).
    mine, other = visit("1764489600", 1000.0, 1764489600), visit("1764489815", 1010.0,
                                                                 1764489815)
    assert differential.compare(mine, other) == []
    assert differential.compare(visit("1764489600", 1000.0, 1764489600),
                                visit("1764492137", 1010.0, 1764489600))



def test_a_moment_is_read_from_the_first_write_of_its_value():
    # The site writes its "first seen" moment, then the same cookie again on the next page
    # (its expiry renewed). The twin was 150 s slower to the first write, 10 s to the
    # renewal: the moment in the value is the first write's, so it is the clock's.
    def visit(value, writes):
        return differential.reading({
            "cookies": [{"name": "seen", "value": value, "domain": "s", "path": "/"}],
            "cookie_writes": [{"name": "seen", "value": f"seen={value}; path=/",
                               "clock": clock_s * 1000, "at": at} for clock_s, at in writes],
            "phases": [{"name": "load", "at": 990.0}], "stored": {"end": []}}, [], None)

    mine = visit("1764489600", [(1764489600, 1000.0), (1764493200, 1200.0)])
    other = visit("1764489750", [(1764489750, 1150.0), (1764493210, 1210.0)])
    assert differential.compare(mine, other) == []
