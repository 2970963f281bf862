"""The consent audit: verdicts by table, and real violating sites caught in real browsers."""

import asyncio
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import estate_audit, once_across_workers

from harness import consent_audit
from harness.cli import main
from harness.concurrency import run_async
from harness.consent_audit import runner
from harness.consent_audit.config import SiteConfig
from harness.consent_audit.proxy import RecordingProxy, parse_head
from harness.consent_audit.verdict import is_consent_record
from harness.server import Server

SITE = SiteConfig(name="s", start="http://s.localhost/")


def evidence(**items):
    base = {"requests": [], "wire": [], "calls": [], "cookie_writes": [], "set_cookies": [],
            "storage_writes": [], "websockets": [], "hints": [], "lifecycle": [],
            "cookies": [], "cookies_at_opt_out": [], "stored": {"at_opt_out": [], "end": []},
            "opted_out_at": 100.0, "entry": "http://collector.localhost/l/x"}
    return {**base, **items}


BEACON = {"at": 101.0, "method": "POST", "url": "http://collector.localhost/collect",
          "resource_type": "ping"}
WIRE = {"at": 101.0, "method": "POST", "url": "http://collector.localhost/collect",
        "phase": "close", "body": "{}"}
REJECTED = {"choice": "rejected", "gpc": False}

ID_ITEM = {"origin": "http://s.localhost", "storage": "indexedDB", "key": "db/visits/1",
           "value": "v-8f3a9c2e77"}


@pytest.mark.parametrize("state,items,verdict", [
    (REJECTED, {}, "pass"),
    (REJECTED, {"requests": [BEACON]}, "fail"),
    (REJECTED, {"requests": [{**BEACON, "at": 99.0}]}, "pass"),
    (REJECTED, {"requests": [
        {**BEACON, "url": "http://collector.localhost/tracker.js", "method": "GET",
         "resource_type": "script"}]}, "pass"),
    (REJECTED, {"requests": [
        {**BEACON, "url": "http://collector.localhost/l/x", "resource_type": "document"}]},
     "pass"),
    (REJECTED, {"requests": [
        {**BEACON, "url": "http://collector.localhost/p.gif", "resource_type": "image"}]},
     "fail"),
    # Sent as the page closed: only the proxy saw it.
    (REJECTED, {"wire": [WIRE]}, "fail"),
    (REJECTED, {"wire": [{**WIRE, "at": 99.0}]}, "pass"),
    # A WebSocket's tunnel through the proxy reaches the beacon host too.
    (REJECTED, {"wire": [{**WIRE, "method": "CONNECT",
                          "url": "tunnel://collector.localhost:8800"}]}, "fail"),
    (REJECTED, {"wire": [{**WIRE, "url": "http://s.localhost/page"}]}, "pass"),
    (REJECTED, {"cookies": [{"name": "msdynci_trackingContext", "value": "x"}]}, "fail"),
    (REJECTED, {"cookie_writes": [
        {"at": 101.0, "name": "msdynci_trackingContext",
         "value": "msdynci_trackingContext=; path=/; max-age=0"}]}, "pass"),
    # Any cookie that can identify the visitor, by script or the Cookie Store API...
    (REJECTED, {"cookie_writes": [{"at": 101.0, "name": "vid", "value": "vid=8f3a9c; path=/",
                                   "api": "cookieStore"}]}, "fail"),
    # ...but recording the refusal itself is what the opt-out needs.
    (REJECTED, {"cookie_writes": [{"at": 101.0, "name": "site_consent",
                                   "value": "site_consent=rejected; path=/"}]}, "pass"),
    # A cookie found in the jar at the end that was not there at the opt-out (Set-Cookie
    # on a request sent as the page closed, a worker's cookieStore): written after it.
    (REJECTED, {"cookies": [{"name": "uid", "value": "a81c55", "domain": "s.localhost",
                             "path": "/"}]}, "fail"),
    (REJECTED, {"cookies": [{"name": "uid", "value": "a81c55", "domain": "s.localhost",
                             "path": "/"}],
                "cookies_at_opt_out": [{"name": "uid", "value": "a81c55",
                                        "domain": "s.localhost", "path": "/"}]}, "pass"),
    (REJECTED, {"storage_writes": [
        {"at": 101.0, "storage": "localStorage", "key": "k", "value": "8f3a9c2e77"}]}, "fail"),
    (REJECTED, {"storage_writes": [
        {"at": 99.0, "storage": "localStorage", "key": "k", "value": "8f3a9c2e77"}]}, "pass"),
    # A preference written after the opt-out identifies no one (the contract asks that no
    # identifier be stored), in storage or in a cookie.
    (REJECTED, {"storage_writes": [
        {"at": 101.0, "storage": "localStorage", "key": "theme", "value": "dark"}]}, "pass"),
    (REJECTED, {"cookie_writes": [{"at": 101.0, "name": "lang",
                                   "value": "lang=en-GB; path=/"}]}, "pass"),
    (REJECTED, {"cookies": [{"name": "lang", "value": "en-GB", "domain": "s.localhost",
                             "path": "/"}]}, "pass"),
    (REJECTED, {"storage_writes": [
        {"at": 101.0, "storage": "sessionStorage", "key": "consent",
         "value": '{"analytics": false, "ads": false}'}]}, "pass"),
    (REJECTED, {"storage_writes": [
        {"at": 101.0, "storage": "indexedDB", "key": "db/visits/1", "value": "{\"n\": 7}"}]},
     "pass"),
    (REJECTED, {"storage_writes": [
        {"at": 101.0, "storage": "indexedDB", "key": "db/visits/1",
         "value": "{\"n\": 7, \"visitor\": \"qwerty\"}"}]}, "fail"),
    (REJECTED, {"storage_writes": [
        {"at": 101.0, "storage": "cacheStorage", "key": "http://s.localhost/id/8f3a9c2e77",
         "value": "c"}]}, "fail"),
    (REJECTED, {"storage_writes": [
        {"at": 101.0, "storage": "cacheStorage", "key": "http://s.localhost/app.v20261129.css",
         "value": "c"}]}, "pass"),
    # Taking stock: written after the opt-out where no hook saw it (a worker)...
    (REJECTED, {"stored": {"at_opt_out": [], "end": [ID_ITEM]}}, "fail"),
    # ...while what was already there at the opt-out, unchanged, is not itself a violation.
    (REJECTED, {"stored": {"at_opt_out": [{**ID_ITEM, "value": "dark"}],
                           "end": [{**ID_ITEM, "value": "dark"}]}}, "pass"),
    (REJECTED, {"stored": {"at_opt_out": [ID_ITEM],
                           "end": [{**ID_ITEM, "value": "v-9d1e4b7a55"}]}}, "fail"),
    (REJECTED, {"stored": {"at_opt_out": [{**ID_ITEM, "value": "dark"}],
                           "end": [{**ID_ITEM, "value": "light"}]}}, "pass"),
    (REJECTED, {"stored": {"at_opt_out": [], "end": [
        {**ID_ITEM, "storage": "cacheStorage", "key": "c/http://s.localhost/x", "value": ""}
    ]}}, "pass"),
    # A cached answer that holds an identifier keeps it, whatever its address.
    (REJECTED, {"stored": {"at_opt_out": [], "end": [
        {**ID_ITEM, "storage": "cacheStorage", "key": "c/http://s.localhost/id",
         "value": "visitor-77"}]}}, "fail"),
    (REJECTED, {"hints": [
        {"at": 101.0, "rel": "preconnect", "href": "http://collector.localhost/"}]}, "fail"),
    # A host under a beacon host, or spelt with the root's trailing dot, is that host.
    (REJECTED, {"requests": [{**BEACON, "url": "http://x.collector.localhost/p.gif"}]}, "fail"),
    (REJECTED, {"requests": [{**BEACON, "url": "http://collector.localhost./p.gif"}]}, "fail"),
    (REJECTED, {"requests": [{**BEACON, "url": "http://notcollector.localhost/p"}]}, "pass"),
    # On the loopback estate, the bare loopback names reach the collector's server too.
    (REJECTED, {"requests": [{**BEACON, "url": "http://127.0.0.1:8800/collect"}]}, "fail"),
    (REJECTED, {"requests": [{**BEACON, "url": "http://localhost:8800/collect"}]}, "fail"),
    # The tracker's own script is no beacon, unless its address carries an identifier.
    (REJECTED, {"requests": [
        {**BEACON, "url": "http://collector.localhost/tracker.js?uid=8f3a9c2e77",
         "method": "GET", "resource_type": "script"}]}, "fail"),
    (REJECTED, {"requests": [
        {**BEACON, "url": "http://collector.localhost/tracker.js?v=3", "method": "GET",
         "resource_type": "script"}]}, "pass"),
    # A cookie with no name: the whole pair is its value.
    (REJECTED, {"cookie_writes": [{"at": 101.0, "name": "vid8f3a9c2e77",
                                   "value": "vid8f3a9c2e77"}]}, "fail"),
    # Removal is read from the attributes, never from the value.
    (REJECTED, {"cookie_writes": [{"at": 101.0, "name": "vid",
                                   "value": "vid=max-age=0_8f3a9c2e77; path=/"}]}, "fail"),
    (REJECTED, {"cookie_writes": [{"at": 101.0, "name": "vid",
                                   "value": "vid=8f3a9c2e77; expires=Thu, 01 Jan 1970 00:00:00 GMT"}
                                  ]}, "pass"),
    # A consent-sounding name is no licence: only known platforms' records are.
    (REJECTED, {"cookie_writes": [{"at": 101.0, "name": "my_consent_id",
                                   "value": "my_consent_id=8f3a9c2e77"}]}, "fail"),
    (REJECTED, {"cookie_writes": [{"at": 101.0, "name": "OptanonConsent",
                                   "value": "OptanonConsent=consentId=8f3a-9c2e77&groups=C1:1"}
                                  ]}, "pass"),
    # Kept: an identifier stored before the opt-out and still there after it.
    (REJECTED, {"stored": {"at_opt_out": [ID_ITEM], "end": [
        {**ID_ITEM, "storage": "localStorage", "key": "uid", "value": "8f3a9c2e77"}]}}, "fail"),
    (REJECTED, {"cookies": [{"name": "uid", "value": "8f3a9c2e77", "domain": "s.localhost",
                             "path": "/"}],
                "cookies_at_opt_out": [{"name": "uid", "value": "8f3a9c2e77",
                                        "domain": "s.localhost", "path": "/"}]}, "fail"),
    # The identifier as the entry's name, its value a flag: written, or kept from before.
    (REJECTED, {"storage_writes": [
        {"at": 101.0, "storage": "localStorage", "key": "vid_8f3a9c2e77", "value": "1"}]},
     "fail"),
    (REJECTED, {"cookie_writes": [{"at": 101.0, "name": "s8f3a9c2e77",
                                   "value": "s8f3a9c2e77=true; path=/"}]}, "fail"),
    (REJECTED, {"stored": {"at_opt_out": [{**ID_ITEM, "key": "db/seen/8f3a9c2e77",
                                           "value": "1"}],
                           "end": [{**ID_ITEM, "key": "db/seen/8f3a9c2e77", "value": "1"}]}},
     "fail"),
    (REJECTED, {"cookies": [{"name": "seen_8f3a9c2e77", "value": "1", "domain": "s.localhost",
                             "path": "/"}],
                "cookies_at_opt_out": [{"name": "seen_8f3a9c2e77", "value": "1",
                                        "domain": "s.localhost", "path": "/"}]}, "fail"),
    (REJECTED, {"stored": {"at_opt_out": [], "end": [
        {**ID_ITEM, "storage": "cacheStorage", "key": "v8f3a9c2e77/http://s.localhost/a.css",
         "value": ""}]}}, "fail"),
    # ...a name that is a word, a version or a file's is no one's.
    (REJECTED, {"stored": {"at_opt_out": [], "end": [
        {**ID_ITEM, "storage": "cacheStorage", "key": "static-v3/http://s.localhost/a.v20261129.css",
         "value": ""}]}}, "pass"),
    (REJECTED, {"storage_writes": [
        {"at": 101.0, "storage": "cacheStorage", "key": "http://s.localhost/app.v20261129.css",
         "value": "put"}]}, "pass"),
    (REJECTED, {"storage_writes": [
        {"at": 101.0, "storage": "localStorage", "key": "banner_v3_closed", "value": "1"}]},
     "pass"),
    # The address the page gives its history entry: its query and fragment keep too.
    (REJECTED, {"storage_writes": [
        {"at": 101.0, "storage": "history.url", "key": "history.url",
         "value": "?vid=8f3a9c2e77"}]}, "fail"),
    (REJECTED, {"storage_writes": [
        {"at": 101.0, "storage": "history.url", "key": "history.url",
         "value": "?page=2&sort=price#reviews"}]}, "pass"),
    # A message on a WebSocket opened before the choice, sent after it, reaches its host.
    (REJECTED, {"calls": [{"at": 101.0, "api": "WebSocket.send", "body": "hello",
                           "url": "ws://collector.localhost:81/ws"}]}, "fail"),
    (REJECTED, {"calls": [{"at": 99.0, "api": "WebSocket.send", "body": "hello",
                           "url": "ws://collector.localhost:81/ws"}]}, "pass"),
    (REJECTED, {"calls": [{"at": 101.0, "api": "WebSocket.send", "body": "v=8f3a9c2e77",
                           "url": "ws://s.localhost/live"}],
                "cookies_at_opt_out": [{"name": "uid", "value": "8f3a9c2e77"}]}, "fail"),
    (REJECTED, {"calls": [{"at": 101.0, "api": "WebSocket.send", "body": "stock?lamp",
                           "url": "ws://s.localhost/live"}]}, "pass"),
    # The page's address, made to hold a kept identifier, told to another origin.
    (REJECTED, {"wire": [{**WIRE, "url": "http://t.localhost/px.gif", "method": "GET",
                          "headers": {"referer": "http://s.localhost/two?u=8f3a9c2e77"}}],
                "cookies_at_opt_out": [{"name": "uid", "value": "8f3a9c2e77"}]}, "fail"),
    (REJECTED, {"wire": [{**WIRE, "url": "http://s.localhost/px.gif", "method": "GET",
                          "headers": {"referer": "http://s.localhost/two?u=8f3a9c2e77"}}],
                "cookies_at_opt_out": [{"name": "uid", "value": "8f3a9c2e77"}]}, "pass"),
    # A referrer the page names for a request to the site itself (red team v43) is the
    # page's word; the address of a page the visitor was shown is not.
    (REJECTED, {"requests": [{"at": 99.0, "method": "GET", "url": "http://s.localhost/two",
                              "resource_type": "document"}],
                "wire": [{**WIRE, "url": "http://s.localhost/px.gif", "method": "GET",
                          "headers": {"referer": "http://s.localhost/?v=8f3a9c2e77"}}],
                "cookies_at_opt_out": [{"name": "uid", "value": "8f3a9c2e77"}]}, "fail"),
    (REJECTED, {"requests": [{"at": 99.0, "method": "GET",
                              "url": "http://s.localhost/two?u=8f3a9c2e77",
                              "resource_type": "document"}],
                "wire": [{**WIRE, "url": "http://s.localhost/px.gif", "method": "GET",
                          "headers": {"referer": "http://s.localhost/two?u=8f3a9c2e77"}}],
                "cookies_at_opt_out": [{"name": "uid", "value": "8f3a9c2e77"}]}, "pass"),
    # First-party requests that carry no identifier are the site working.
    (REJECTED, {"wire": [{**WIRE, "url": "http://s.localhost/log?page=two&v=3"}]}, "pass"),
    ({"choice": "no-choice", "gpc": False}, {"requests": [BEACON]}, "observed"),
    ({"choice": "accepted", "gpc": True}, {"requests": [BEACON]}, "fail"),
])
def test_verdict_table(state, items, verdict):
    assert consent_audit.decide(SITE, state, evidence(**items))["verdict"] == verdict


def test_storage_allow_names_the_sites_own_entries():
    write = {"at": 101.0, "storage": "indexedDB", "key": "cart/items/3",
             "value": "lamp-8f3a9c2e77"}
    allowed = SiteConfig(name="s", start="http://s.localhost/", storage_allow=["cart"])
    written = evidence(storage_writes=[write])
    assert consent_audit.decide(SITE, REJECTED, written)["verdict"] == "fail"
    assert consent_audit.decide(allowed, REJECTED, written)["verdict"] == "pass"


@pytest.mark.parametrize("value,record", [
    ("rejected", True), ("false", True), ("", True), ("opt-out", True),
    ('{"analytics":false,"marketing":false}', True), ("%7B%22ads%22%3Afalse%7D", True),
    ("v-123", False), ("GA1.1.1234.5678", False), ('{"id": "8f3a"}', False),
])
def test_consent_records(value, record):
    assert is_consent_record(value) is record


def test_initiator_named_from_the_api_call():
    call = {"at": 100.5, "api": "fetch(keepalive)", "url": BEACON["url"],
            "script": "http://s.localhost/t.js"}
    found = consent_audit.decide(SITE, REJECTED, evidence(requests=[BEACON], calls=[call]))
    (violation,) = found["violations"]
    assert (violation["channel"], violation["via"], violation["initiator"], violation["t"]) == (
        "request", "fetch(keepalive)", "by http://s.localhost/t.js", 1.0)
    assert "fetch(keepalive), by http://s.localhost/t.js, +1.0 s after the opt-out" in \
        violation["what"]


def test_states_matrix():
    site = SiteConfig(name="b", start="x", accept=[{"click": "#a"}], opt_out=[{"click": "#r"}])
    assert len(consent_audit.states(site)) == 6
    assert len(consent_audit.states(SITE)) == 2


@pytest.mark.parametrize("data,message", [
    ({}, "no [[site]]"),
    ({"site": [{"name": "a"}]}, "needs a name and a start"),
    ({"site": [{"name": "a", "start": "x", "opt_out": [{"tap": "#r"}]}]}, "must be one of"),
    ({"site": [{"name": "a", "start": "x", "opt_out": [{"gpc": False}]}]}, "gpc must be true"),
    ({"site": [{"name": "a", "start": "x", "colour": 1}]}, "unknown key"),
    ({"browsers": ["lynx"], "site": [{"name": "a", "start": "x"}]}, "browsers must be"),
    ({"settle_seconds": -1, "site": [{"name": "a", "start": "x"}]}, "settle_seconds"),
])
def test_config_errors(data, message):
    with pytest.raises(ValueError) as info:
        consent_audit.parse(data)
    assert message in str(info.value)


def test_settle_defaults_to_ten_simulated_minutes_in_both_browsers():
    settings = consent_audit.parse({"site": [{"name": "a", "start": "x"}]})
    assert settings.settle_seconds == 600 and settings.browsers == ["chromium", "firefox"]


@pytest.mark.parametrize("head,error", [
    (b"GET http://a.localhost/ HTTP/1.1\r\nHost: a.localhost", None),
    (b"GET http://a.localhost/", "request line"),
    (b"GET http://a.localhost/ HTTP/1.1\r\nno colon here", "header line"),
])
def test_proxy_reads_request_heads(head, error):
    if error is None:
        assert parse_head(head) == ("GET", "http://a.localhost/", [("Host", "a.localhost")])
    else:
        with pytest.raises(ValueError, match=error):
            parse_head(head)


BANNER = ('<script src="/_shared/consent-banner.js"></script>'
          '<script src="http://collector.localhost:8800/tracker.js" data-site="{id}" defer>'
          '</script>')
BODY = ('<p><a id="next" href="/two.html">next</a></p>'
        '<div class="cookie-banner" id="cookie-banner" hidden>'
        '<button type="button" id="accept-cookies">Accept</button>'
        '<button type="button" id="reject-cookies">Reject</button></div>')
# Every breach script finds the collector beside its own host, whatever the port.
C = 'var C = location.origin.replace(/\\/\\/[^.]+\\./, "//collector.");'


def script(body: str) -> str:
    return f"<script>{C}{body}</script>"


# Workers are served as files: the estate's pages forbid blob: workers (CSP).
WORKER_FETCH = C.replace("location", "self.location") + 'fetch(C + "%s", {mode: "no-cors"});'


def later(body: str) -> str:
    return script(f'document.addEventListener("DOMContentLoaded", function () {{{body}}});')


# name: (head markup for every page, site.toml additions, extra files, what must be found)
SITES = {
    "clean": ("", "", {}, set()),
    "servercookie": ("", '[[header]]\npath = "/two.html"\nname = "Set-Cookie"\n'
                         'value = "msdynci_trackingContext=server-set; Path=/; Max-Age=3600"\n',
                     {}, {"cookie-write"}),
    "pixel": (later('new Image().src = C + "/p.gif?u=" + encodeURIComponent(location.href);'),
              "", {}, {"request"}),
    "storage": (script('localStorage.setItem("vendor_id", "v-123");'), "", {}, {"storage"}),
    "session": (script('sessionStorage.setItem("visit", "s-" + Math.random());'), "", {},
                {"storage"}),
    "jscookie": (script('document.cookie = "vid=8f3a9c2e77; path=/; max-age=86400";'), "", {},
                 {"cookie-write"}),
    "cookiestore": (script('cookieStore.set("vid", "c0ffee42");'), "", {}, {"cookie-write"}),
    "indexeddb": (script('var r = indexedDB.open("t", 1); r.onupgradeneeded = function () {'
                         ' r.result.createObjectStore("ids"); }; r.onsuccess = function () {'
                         ' r.result.transaction("ids", "readwrite").objectStore("ids")'
                         '.put("visitor-77", "me"); };'), "", {}, {"storage"}),
    "cachestorage": (script('caches.open("t").then(function (c) { return c.put('
                            '"/id", new Response("visitor-77")); });'), "", {}, {"storage"}),
    # Written by a worker, where no page hook reaches: found by taking stock.
    "workerstore": (script('new Worker("/store.js");'), "", {"store.js": (
        'var r = indexedDB.open("w", 1); r.onupgradeneeded = function () {'
        ' r.result.createObjectStore("ids"); }; r.onsuccess = function () {'
        ' r.result.transaction("ids", "readwrite").objectStore("ids")'
        '.put("w-" + Math.random(), "me"); };')}, {"storage"}),
    "xhr": (later('var x = new XMLHttpRequest(); x.open("POST", C + "/collect"); '
                  'x.send("{}");'), "", {}, {"request"}),
    "keepalive": (later('fetch(C + "/collect", {method: "POST", body: "{}", keepalive: true,'
                        ' mode: "no-cors"});'), "", {}, {"request"}),
    # The estate's pages allow no ws: connections by default (CSP); this site allows them.
    "websocket": (later('try { new WebSocket(C.replace("http", "ws") + "/ws"); }'
                        ' catch (e) {}'),
                  '[[header]]\npath = "*"\nname = "Content-Security-Policy"\n'
                  'value = "default-src * ws: \'unsafe-inline\'"\n', {}, {"request"}),
    "eventsource": (later('new EventSource(C + "/events");'), "", {}, {"request"}),
    "iframe": (later('var f = document.createElement("iframe"); f.src = C + "/frame";'
                     ' document.body.appendChild(f);'), "", {}, {"request"}),
    "prefetch": (later('var l = document.createElement("link"); l.rel = "prefetch";'
                       ' l.href = C + "/next"; document.head.appendChild(l);'), "", {},
                 {"preconnect"}),
    "worker": (script('new Worker("/w.js");'), "", {"w.js": WORKER_FETCH % "/w"}, {"request"}),
    # One shared worker serves every page of the origin: it reports each page that connects.
    "sharedworker": (script('new SharedWorker("/s.js");'), "",
                     {"s.js": "self.onconnect = function () {" + WORKER_FETCH % "/s" + "};"},
                     {"request"}),
    "serviceworker": (later('navigator.serviceWorker.register("/sw.js");'), "",
                      {"sw.js": C.replace("location", "self.location") +
                       'self.addEventListener("install", function () { self.skipWaiting(); });'
                       'self.addEventListener("activate", function (e) {'
                       ' e.waitUntil(self.clients.claim()); });'
                       'self.addEventListener("fetch", function (e) {'
                       ' if (e.request.mode === "navigate") fetch(C + "/sw", {mode: "no-cors"});'
                       ' });'}, {"request"}),
    "navigation": (later('if (location.pathname === "/two.html") setTimeout(function () {'
                         ' location.href = C + "/go"; }, 2000);'), "", {}, {"request"}),
    # Late and idle timers: brought forward by the virtual clock.
    "latetimer": (later('setTimeout(function () { navigator.sendBeacon(C + "/collect", "{}");'
                        ' }, 9 * 60 * 1000);'), "", {}, {"request"}),
    "interval": (later('var n = 0, i = setInterval(function () { if (++n === 4) {'
                       ' clearInterval(i); new Image().src = C + "/tick.gif"; } }, 120000);'),
                 "", {}, {"request"}),
    "idle": (later('requestIdleCallback(function () { fetch(C + "/idle", {mode: "no-cors"});'
                   ' });'), "", {}, {"request"}),
    # As the visitor leaves: the tab hidden, a navigation away, the tab closed.
    "hidden": (script('document.addEventListener("visibilitychange", function () {'
                      ' if (document.visibilityState === "hidden")'
                      ' navigator.sendBeacon(C + "/hidden", "{}"); });'), "", {}, {"request"}),
    "pagehide": (script('addEventListener("pagehide", function () {'
                        ' navigator.sendBeacon(C + "/bye", "{}"); });'), "", {}, {"request"}),
    "unload": (script('addEventListener("unload", function () { fetch(C + "/bye", {method:'
                      ' "POST", body: "{}", keepalive: true, mode: "no-cors"}); });'), "", {},
               {"request"}),
    "beforeunload": (script('addEventListener("beforeunload", function () {'
                            ' navigator.sendBeacon(C + "/bye", "{}"); });'), "", {},
                     {"request"}),
    # Coming back: restored from the back-forward cache (Firefox) or loaded again (Chromium
    # as Playwright launches it, without the cache).
    "bfcache": (script('addEventListener("pageshow", function (e) { var k = "seen" +'
                       ' location.pathname; if (e.persisted || sessionStorage.getItem(k))'
                       ' new Image().src = C + "/back.gif"; sessionStorage.setItem(k, "1");'
                       ' });'), "", {}, {"request"}),
}


def write_sites(root: Path) -> None:
    shutil.copytree(Path("sites/_shared"), root / "_shared")
    for name, (extra, manifest, files, _) in SITES.items():
        folder = root / name
        folder.mkdir()
        (folder / "site.toml").write_text(f'title = "{name}"\ndemonstrates = "test"\n'
                                          + manifest)
        for page in ("index.html", "two.html"):
            (folder / page).write_text(
                f"<!doctype html><html><head><title>{name}</title>{extra}"
                f"{BANNER.format(id=name)}</head><body>{BODY}</body></html>")
        for file, text in files.items():
            (folder / file).write_text(text)


async def _bodies_through_proxy(answer: bytes) -> list[tuple[dict, bytes]]:
    async def upstream(reader, writer):
        await reader.readuntil(b"\r\n\r\n")
        writer.write(answer)
        await writer.drain()
        writer.close()

    server = await asyncio.start_server(upstream, "127.0.0.1", 0)
    bodies: list[tuple[dict, bytes]] = []
    proxy = RecordingProxy(lambda item: None, lambda answer: None,
                           lambda item, data: bodies.append((item, data)))
    proxy_port = (await proxy.start()).rpartition(":")[2]
    reader, writer = await asyncio.open_connection("127.0.0.1", int(proxy_port))
    writer.write(f"GET http://t.localhost:{server.sockets[0].getsockname()[1]}/id.json "
                 "HTTP/1.1\r\nHost: t\r\n\r\n".encode())
    await reader.read()
    writer.close()
    await proxy.stop()
    server.close()
    await server.wait_closed()
    return bodies


def test_proxy_hands_each_answer_on_whole_for_its_body():
    answer = (b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nConnection: close\r\n\r\n"
              + b'{"uid": "cb99a3d6f5"}' + b" " * 200_000)
    [(item, data)] = run_async(_bodies_through_proxy(answer))
    assert item["url"].endswith("/id.json") and data == answer[:len(data)]
    assert len(data) >= 64 * 1024 and b"cb99a3d6f5" in data


# Sites whose channel the breach estate (test_consent_breaches.py) also proves in Firefox,
# each by the marker named: Firefox audits the others here, the sites whose evidence this
# test reads field by field among them; Chromium audits every one.
# (by the same means: a sessionStorage write by method, the two-argument cookieStore.set, a
# keepalive fetch from a live page and a page restored from the back-forward cache, which
# the breach estate skips where Firefox loads it again, are audited here in Firefox too)
IN_BREACHES = {"jscookie": "ck_plain", "indexeddb": "st_db", "cachestorage": "st_cache",
               "websocket": "rq_ws", "eventsource": "rq_es", "iframe": "rd_lazyframe",
               "worker": "wk_dedicated", "sharedworker": "wk_shared",
               "serviceworker": "wk_service", "interval": "tm_interval", "idle": "tm_idle"}


def test_what_firefox_leaves_out_here_the_breach_estate_proves_in_firefox():
    from test_consent_breaches import CASES

    # (a breach case names its channel: a cookie, a store, or a request)
    channel = {"cookie-write": "cookie", "storage": "storage", "request": "request"}
    in_firefox = {param.values[1]: param.values[2] for param in CASES
                  if all(mark.args != ("chromium",) for mark in param.marks)}
    for site, marker in IN_BREACHES.items():
        assert in_firefox.get(marker) in {channel[kind] for kind in SITES[site][3]}, (
            site, marker)


@pytest.mark.browser
@pytest.mark.slow
def test_violating_sites_are_flagged_with_evidence(tmp_path, browser_name, monkeypatch):
    audited = [name for name in SITES if browser_name == "chromium" or
               name not in IN_BREACHES]
    write_sites(tmp_path / "sites")
    states = runner.states  # every state for the clean site; the telling one for the others
    monkeypatch.setattr(runner, "states", lambda site: states(site) if site.name == "clean"
                        else [REJECTED])
    with Server(sites_dir=tmp_path / "sites", fixtures_dir=None) as server:
        settings = consent_audit.parse({
            "collector": server.origin(), "browsers": [browser_name], "concurrency": 3,
            "site": [{"name": name, "start": server.url_for(name, "/"), "tracked": True,
                      "opt_out": [{"click": "#reject-cookies"}],
                      "then": [{"click": "#next"}]} for name in audited]})
        results = consent_audit.audit(settings, tmp_path / "out")
    verdicts = {r["site"]: r for r in results["results"]
                if r["state"]["choice"] == "rejected" and not r["state"]["gpc"]}
    kinds = {name: {v["kind"] for v in r["violations"]} for name, r in verdicts.items()}
    errors = {name: r["error"] for name, r in verdicts.items() if r["error"]}
    assert not errors, errors
    missed = {name: (kinds[name], verdicts[name]["evidence"]["wire"][-8:])
              for name, (*_, expected) in SITES.items()
              if name in audited and not expected <= kinds[name]}
    assert not missed, missed
    # Seen as it was written; the reference tracker then deletes it, seeing the opt-out.
    server_set = [v["evidence"] for v in verdicts["servercookie"]["violations"]
                  if v["kind"] == "cookie-write"]
    assert server_set[0]["by"] == "Set-Cookie" and "/two.html" in server_set[0]["url"]
    assert any(v["evidence"].get("resource_type") == "image"
               for v in verdicts["pixel"]["violations"])
    assert kinds["storage"] == {"storage"}
    # What a page sends as it leaves is on record under the moment it left.
    phases = {name: {v["evidence"].get("phase") for v in verdicts[name]["violations"]}
              for name in ("hidden", "pagehide", "unload", "beforeunload", "latetimer")}
    assert "hidden" in phases["hidden"], phases
    assert {"away", "close"} <= phases["pagehide"] | phases["unload"], phases
    assert "close" in phases["beforeunload"], phases
    # Brought forward by the virtual clock: seen while settling, never before its first
    # settling began (9 minutes of page time: no real wait reaches it). A request reaches
    # the harness a little after the page set it off, so under load one set off at the end
    # of a settling may be put on record under the step that follows.
    late = verdicts["latetimer"]
    settled = min(p["at"] for p in late["evidence"]["phases"] if p["name"] == "settle")
    assert "settle" in phases["latetimer"], phases
    assert all(v["evidence"]["at"] >= settled for v in late["violations"]
               if v["evidence"].get("at") is not None), late["violations"]
    # The clean site passes every opted-out state, and was seen tracking when allowed.
    clean = [r for r in results["results"] if r["site"] == "clean"]
    assert {r["verdict"] for r in clean} == {"pass", "observed"}, [
        (r["id"], r["violations"], r["error"]) for r in clean]
    assert any(r["tracked"] for r in clean if r["verdict"] == "observed")


OWN_BANNERS = ["blog", "legacy", "shop", "app", "tagged", "portal"]


@pytest.mark.browser
@pytest.mark.slow
def test_cli_default_audit_fails_on_legacy_only(tmp_path_factory, browser_name):
    # One browser per run of the test, so the two halves go to two workers rather than one.
    # Firefox audits the estate's own sites: its consent-platform sites, chosen by
    # autoconsent, are audited in Firefox by test_audit_with_auto_passes_every_cmp_site.
    # Chromium's audit of the whole estate is the one that test reads its states from.
    result = estate_audit(tmp_path_factory, browser_name,
                          () if browser_name == "chromium" else OWN_BANNERS)
    output, out = result["output"], Path(result["out"])
    assert result["exit_code"] == 1, output
    failing = [line for line in output.splitlines() if ": FAIL" in line]
    assert failing and all(line.startswith("legacy-") for line in failing), output
    assert {line.split(":")[0].rsplit("-", 1)[1] for line in failing} == {browser_name}
    assert "config: the sample estate (built in)" in output
    for name in ("report.html", "report.json", "junit.xml"):
        assert (out / name).is_file()
    assert list((out / "har").glob("*.har"))


def test_an_audit_shared_across_workers_is_made_once_without_workers_too(tmp_path_factory,
                                                                        monkeypatch):
    # Without xdist (one process, as a single file is run), the estate the CLI test audits
    # is read by the CMP test too rather than audited a second time.
    monkeypatch.delenv("PYTEST_XDIST_WORKER", raising=False)
    made: list[int] = []

    def make():
        made.append(1)
        return {"audits": len(made)}

    key = f"once-{id(made)}"
    answers = [once_across_workers(tmp_path_factory, key, make) for _ in range(2)]
    assert answers == [{"audits": 1}] * 2 and made == [1]


def test_site_picks_sites_of_the_configuration_and_names_the_ones_it_has(tmp_path):
    settings = consent_audit.load(consent_audit.DEFAULT_CONFIG)
    picked = consent_audit.pick(settings.sites, ["portal", "blog", "blog"])
    assert [s.name for s in picked] == ["blog", "portal"]  # the configuration's order, once
    result = CliRunner().invoke(main, ["consent-audit", "--out", str(tmp_path),
                                       "--site", "blog", "--site", "nosuch"])
    assert result.exit_code == 2, result.output
    assert "no site named 'nosuch'" in result.output and "blog, legacy, shop" in result.output
    assert not list(tmp_path.iterdir())  # nothing audited, nothing written


def test_script_paths_name_the_tracker_itself():
    own = {**BEACON, "url": "http://collector.localhost/t.js", "method": "GET",
           "resource_type": "script"}
    assert consent_audit.decide(SITE, REJECTED, evidence(requests=[own]))["verdict"] == "fail"
    named = SiteConfig(name="s", start="http://s.localhost/", script_paths=["/t.js"])
    assert consent_audit.decide(named, REJECTED, evidence(requests=[own]))["verdict"] == "pass"



SKUS = '["B08N5WRWNW","B07XJ8C8F5"]'
CFG = '{"build":"2026.11.29-3f9a2b1c","key":"pk_live_51HgT9kLmN8qR2sV"}'
WORKBOX = ("workbox-precache-v2-http://s.localhost/"
           "/http://s.localhost/index.html?__WB_REVISION__=8a7c3f2e91b04d5c6e7f8a9b0c1d2e3f")
PAGE = '<script>addEventListener("DOMContentLoaded", start)</script>'  # its page, cached


@pytest.mark.parametrize("items,shared", [
    # Recently viewed products, sent to the site's own recommendations (red team c07).
    ({"storage_writes": [{"at": 101.0, "storage": "localStorage", "key": "recently_viewed",
                          "value": SKUS}],
      "requests": [{"at": 101.0, "method": "GET", "resource_type": "fetch",
                    "url": "http://s.localhost/_api/recommend?skus=B08N5WRWNW,B07XJ8C8F5"}]},
     ["B07XJ8C8F5", "B08N5WRWNW"]),
    # A configuration the same for every visitor, kept and echoed in headers (c10).
    ({"storage_writes": [{"at": 101.0, "storage": "localStorage", "key": "cfg",
                          "value": CFG}],
      "requests": [{"at": 101.0, "method": "GET", "url": "http://s.localhost/_api/ping",
                    "resource_type": "fetch", "headers": {
                        "X-Build": "2026.11.29-3f9a2b1c",
                        "X-Site-Key": "pk_live_51HgT9kLmN8qR2sV"}}]},
     ["29-3f9a2b1c", "3f9a2b1c", "51HgT9kLmN8qR2sV", "pk_live_51HgT9kLmN8qR2sV"]),
    # A Workbox precache of a build, its revision in the service worker's script (c02).
    ({"stored": {"at_opt_out": [], "end": [{"origin": "http://s.localhost",
                                           "storage": "cacheStorage", "key": WORKBOX,
                                           "value": PAGE}]},
      "requests": [{"at": 101.0, "method": "GET", "resource_type": "fetch", "url":
                    "http://s.localhost/index.html?__WB_REVISION__="
                    "8a7c3f2e91b04d5c6e7f8a9b0c1d2e3f"}]},
     ["8a7c3f2e91b04d5c6e7f8a9b0c1d2e3f", PAGE]),
])
def test_what_every_fresh_visitor_is_served_is_no_identifier(items, shared):
    """The same entries and requests fail while their values may be the visitor's, and pass
    once fresh visitors were served them all (validators.builds)."""
    assert consent_audit.decide(SITE, REJECTED, evidence(**items))["verdict"] == "fail"
    assert consent_audit.decide(SITE, REJECTED, evidence(**items, builds=shared)
                                )["verdict"] == "pass"


def test_a_cached_page_every_visitor_is_served_is_not_kept_as_an_identifier():
    """Precached before the opt-out, kept after it: its text is the site's (red team c02)."""
    item = {"origin": "http://s.localhost", "storage": "cacheStorage", "key": WORKBOX,
            "value": PAGE + " Uint32Array"}
    items = {"stored": {"at_opt_out": [item], "end": [item]}}
    assert consent_audit.decide(SITE, REJECTED, evidence(**items))["verdict"] == "fail"
    shared = ["8a7c3f2e91b04d5c6e7f8a9b0c1d2e3f", item["value"]]
    assert consent_audit.decide(SITE, REJECTED, evidence(**items, builds=shared)
                                )["verdict"] == "pass"


def test_an_id_in_a_cached_answers_headers_is_kept():
    """Cache Storage keeps an answer's headers too (red team v28: x-client-id)."""
    item = {"origin": "http://s.localhost", "storage": "cacheStorage",
            "key": "runtime/http://s.localhost/bootstrap.json", "value": '{"ok":true}'}
    sent = {"at": 101.0, "method": "POST", "url": "http://s.localhost/_api/pv",
            "resource_type": "ping", "body": '{"c":"9f3ac2e77b10d4e5a6f70812"}'}
    plain = evidence(stored={"at_opt_out": [item], "end": [item]}, requests=[sent])
    assert consent_audit.decide(SITE, REJECTED, plain)["verdict"] == "pass"
    headed = {**item, "headers": "x-client-id: 9f3ac2e77b10d4e5a6f70812\n"}
    found = consent_audit.decide(SITE, REJECTED, evidence(
        stored={"at_opt_out": [headed], "end": [headed]}, requests=[sent]))
    assert found["verdict"] == "fail"
    assert any("/_api/pv carries" in v["what"] for v in found["violations"])


@pytest.mark.parametrize("url,shared,verdict", [
    # No storage: the id travels in the site's own links (red team v08).
    ("http://s.localhost/two.html?_vid=9f3ac2e77b10", [], "fail"),
    # A static link's value, in the page that links it, is the site's (validators).
    ("http://s.localhost/two.html?_vid=9f3ac2e77b10", ["9f3ac2e77b10"], "pass"),
    # The collector's own link parameter, another site's page, nothing that may be an id.
    ("http://s.localhost/two.html?wt_ctx=9f3ac2e77b10", [], "pass"),
    ("http://t.localhost/two.html?_vid=9f3ac2e77b10", [], "pass"),
    ("http://s.localhost/two.html?page=2", [], "pass"),
])
def test_an_id_carried_in_the_sites_own_links_is_known(url, shared, verdict):
    page = {"at": 101.0, "method": "GET", "url": url, "resource_type": "document"}
    post = {"at": 102.0, "method": "POST", "url": "http://s.localhost/_api/pv",
            "resource_type": "fetch", "body": '{"vid":"9f3ac2e77b10","page":"/two.html"}'}
    assert consent_audit.decide(SITE, REJECTED, evidence(
        requests=[page, post], static_links=shared))["verdict"] == verdict
