"""Sites that breach consent in ways the audit must catch, and clean sites it must pass.

Each breach site keeps or sends an identifier after the visitor opts out by several means at
once, each leaving its own marker (a cookie name, a storage key, a URL path), so one visit
per site and browser proves many breaches and every verdict stays readable: each case below
names one marker and the channel it must be reported under, with its initiator and its time
relative to the opt-out. The sites are served as the estate serves its own (``Server`` over a
folder of sites); what a static host cannot do (a redirect, a cookie set by a sub-resource on
another port, a third party's iframe) comes from a small side server.
"""

from __future__ import annotations

import base64
import gzip
import hashlib
import io
import json
import os
import secrets
import shutil
import socket
import threading
import time
import wave
from email.utils import formatdate
from pathlib import Path

import pytest
from conftest import once_across_workers
from werkzeug.serving import make_server
from werkzeug.wrappers import Request, Response

from harness import consent_audit
from harness.consent_audit import runner
from harness.server import Server

SLOW_SECONDS = 2.0  # how long a page slow to load waits for its last script
ID = "8f3a9c2e77"  # every identifier below starts so: easy to grep in a report
BANNER = ('<script src="/_shared/consent-banner.js"></script>'
          '<script src="http://collector.localhost:8800/tracker.js" data-site="{id}" defer>'
          '</script>')
BODY = ('<p><a id="next" href="/two.html">next</a></p>'
        '<div class="cookie-banner" id="cookie-banner" hidden>'
        '<button type="button" id="accept-cookies">Accept</button>'
        '<button type="button" id="reject-cookies">Reject</button></div>')
# The collector beside the page's own host, and the side server (its port in the page).
C = 'var C = location.origin.replace(/\\/\\/[^.]+\\./, "//collector.");'
SIDE = ('var SIDE = "http://side.localhost:SIDEPORT",'
        ' OWN = "http://" + location.hostname + ":SIDEPORT",'
        ' WS = "ws://collector.localhost:WSPORT";')
PREFIX = C + SIDE
WS_GUID = b"258EAFA5-E914-47DA-95CA-C5AB0DC85B11"  # RFC 6455's handshake constant
GIF = b"GIF89a\x01\x00\x01\x00\x80\x00\x00\x00\x00\x00\xff\xff\xff!\xf9\x04\x01\x00\x00\x00\x00" \
      b",\x00\x00\x00\x00\x01\x00\x01\x00\x00\x02\x02D\x01\x00;"



def silence(seconds: int, rate: int = 4000) -> bytes:
    """A WAV file of *seconds* of silence (8-bit mono)."""
    out = io.BytesIO()
    with wave.open(out, "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(1)
        w.setframerate(rate)
        w.writeframes(b"\x80" * (rate * seconds))
    return out.getvalue()


WAV = silence(240)
WORKER_C = 'var C = self.location.origin.replace(/\\/\\/[^.]+\\./, "//collector.");'


# A site's config, LZ-string compressed (compressToBase64), as the clean sites ship it.
CLEAN_LZ_CONFIG = ("N4IgTgpgNhCGDOEQC4QCYAMaBsA6AjPrgMwYgA0IAZlLAObwoDa+5a5x5ArOQBwC6lWAAcAlihAB6"
                   "AG5pJIAL5A=")
# LZ-string's compressor (``compressToBase64``, ``compressToEncodedURIComponent``,
# ``compressToUTF16``), as trackers' SDKs ship it, shortened.
LZ_STRING = """var LZ = (function () {
  function bitsOut(s, n, v) { for (var i = 0; i < n; i++) {
    s.val = (s.val << 1) | (v & 1); v >>= 1;
    if (s.pos === s.bpc - 1) { s.pos = 0; s.out.push(s.f(s.val)); s.val = 0; } else s.pos++; } }
  function grow(s) { if (--s.en === 0) { s.en = Math.pow(2, s.nb); s.nb++; } }
  function code(s, d, make, w) {
    if (make[w]) { var c = w.charCodeAt(0);
      if (c < 256) { bitsOut(s, s.nb, 0); bitsOut(s, 8, c); }
      else { bitsOut(s, s.nb, 1); bitsOut(s, 16, c); }
      grow(s); delete make[w];
    } else bitsOut(s, s.nb, d[w]);
    grow(s); }
  function compress(text, bpc, f) {
    var d = {}, make = {}, w = "", size = 3,
      s = {val: 0, pos: 0, out: [], bpc: bpc, f: f, nb: 2, en: 2};
    for (var i = 0; i < text.length; i++) { var c = text.charAt(i);
      if (!Object.prototype.hasOwnProperty.call(d, c)) { d[c] = size++; make[c] = true; }
      var wc = w + c; if (Object.prototype.hasOwnProperty.call(d, wc)) { w = wc; continue; }
      code(s, d, make, w); d[wc] = size++; w = c; }
    if (w !== "") code(s, d, make, w);
    bitsOut(s, s.nb, 2);
    for (;;) { s.val <<= 1; if (s.pos === bpc - 1) { s.out.push(f(s.val)); break; } s.pos++; }
    return s.out.join(""); }
  var A = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
  var at = function (table) { return function (a) { return table.charAt(a); }; };
  return {
    compressToBase64: function (t) { var r = compress(t, 6, at(A + "+/="));
      while (r.length % 4) r += "="; return r; },
    compressToEncodedURIComponent: function (t) { return compress(t, 6, at(A + "+-$")); },
    compressToUTF16: function (t) {
      return compress(t, 15, function (a) { return String.fromCharCode(a + 32); }) + " "; }};
})();"""


def script(body: str) -> str:
    return f"<script>{PREFIX}{body}</script>"


def ready(body: str) -> str:
    return script(f'document.addEventListener("DOMContentLoaded", function () {{{body}}});')


def held(body: str, keys: tuple[str, ...] = ("hd_vid",)) -> str:
    """A tracker that keeps an id per key from the first page, which the Reject button
    removes from storage (nothing kept is left to find), and sends them (``U[0]``…) a
    minute after the opt-out from the page's memory, by *body*."""
    return ready(
        f'var U = {json.dumps(list(keys))}.map(function (k) {{'
        ' var u = localStorage.getItem(k); if (!u && location.pathname === "/") {'
        f' u = "{ID}" + Math.random().toString(16).slice(2, 8).padEnd(6, "0");'
        ' localStorage.setItem(k, u); } return u; });'
        'document.getElementById("reject-cookies").addEventListener("click", function () {'
        f' {json.dumps(list(keys))}.forEach(function (k) {{ localStorage.removeItem(k); }});'
        f' setTimeout(function () {{ {body} }}, 60000); }});')


# A worker's sender: the identifier to the beacon host, under the worker's own tag.
SEND = 'function send(tag) { fetch(C + "/" + tag + "?u=' + ID + '" + tag, {mode: "no-cors"}); }'
WORKER_SEND = C + SEND
WS_CSP = ('[[header]]\npath = "*"\nname = "Content-Security-Policy"\n'
          'value = "default-src * ws: data: blob: \'unsafe-inline\'"\n')

# A device fingerprint, as fingerprinting scripts compute it: hashes of what a canvas, WebGL
# and audio render and of the device's properties; nothing kept, the same on every load.
FINGERPRINT = """
var hash = function (text) { var a = 0xdeadbeef, b = 0x41c6ce57;
  for (var i = 0; i < text.length; i++) { var c = text.charCodeAt(i);
    a = Math.imul(a ^ c, 2654435761); b = Math.imul(b ^ c, 1597334677); }
  a = Math.imul(a ^ (a >>> 16), 2246822507) ^ Math.imul(b ^ (b >>> 13), 3266489909);
  b = Math.imul(b ^ (b >>> 16), 2246822507) ^ Math.imul(a ^ (a >>> 13), 3266489909);
  return (b >>> 0).toString(16).padStart(8, "0") + (a >>> 0).toString(16).padStart(8, "0"); };
var canvasHash = function () { var c = document.createElement("canvas"); c.width = 240;
  c.height = 60; var x = c.getContext("2d"); x.fillStyle = "#f60"; x.fillRect(0, 0, 240, 60);
  x.fillStyle = "#069"; x.font = "16px Arial"; x.fillText("Cwm fjordbank glyphs vext quiz", 4, 24);
  x.strokeStyle = "#0a3"; x.arc(200, 30, 20, 0, 6); x.stroke();
  return hash(c.toDataURL() + Array.from(x.getImageData(0, 0, 240, 60).data).join()); };
var webglHash = function () { var c = document.createElement("canvas"); c.width = 32; c.height = 32;
  var g = c.getContext("webgl", {preserveDrawingBuffer: true}); if (!g) return hash("no webgl");
  g.clearColor(0.2, 0.4, 0.6, 1); g.clear(g.COLOR_BUFFER_BIT);
  var px = new Uint8Array(32 * 32 * 4); g.readPixels(0, 0, 32, 32, g.RGBA, g.UNSIGNED_BYTE, px);
  return hash(Array.from(px).join() + g.getParameter(g.RENDERER) + g.getParameter(g.VENDOR)
    + g.getParameter(g.MAX_TEXTURE_SIZE) + c.toDataURL()); };
var audioHash = function () {
  var A = window.OfflineAudioContext || window.webkitOfflineAudioContext;
  var a = new A(1, 5000, 44100), o = a.createOscillator(), k = a.createDynamicsCompressor();
  o.type = "triangle"; o.frequency.value = 10000; o.connect(k); k.connect(a.destination);
  o.start(0); return a.startRendering().then(function (b) { var d = b.getChannelData(0), s = 0;
    for (var i = 4500; i < 5000; i++) s += Math.abs(d[i]); return hash(String(s)); }); };
// The screen's size too: the audit resizes the window as a reader does, and the screen must
// stay the visitor's display meanwhile, or the hash is no one value for one visitor.
var deviceHash = function () { return hash([navigator.hardwareConcurrency, navigator.deviceMemory,
  navigator.userAgent, navigator.language, navigator.platform, navigator.maxTouchPoints,
  screen.width, screen.height, screen.availWidth, screen.availHeight,
  screen.colorDepth, screen.pixelDepth, devicePixelRatio, new Date().getTimezoneOffset()
  ].join("|")); };
// A canvas of no opaque pixel, read back; the window's and the screen's geometry, hashed.
var translucentHash = function () { var c = document.createElement("canvas"); c.width = 200;
  c.height = 50; var x = c.getContext("2d"); x.globalAlpha = 0.5; x.fillStyle = "#f60";
  x.fillRect(0, 0, 200, 50); x.fillStyle = "rgba(0, 102, 153, 0.6)"; x.font = "15px Arial";
  x.fillText("Cwm fjordbank glyphs vext quiz", 3, 30);
  return hash(c.toDataURL() + Array.from(x.getImageData(0, 0, 200, 50).data).join()); };
var geomHash = function () { return hash([innerWidth, innerHeight, outerWidth, outerHeight,
  screenX, screenY, screen.width, screen.height, screen.availLeft, screen.availTop,
  screen.availWidth, screen.availHeight, devicePixelRatio].join()); };
var fingerprint = function () { return audioHash().then(function (audio) {
  var f = {canvas: canvasHash(), webgl: webglHash(), audio: audio, device: deviceHash(),
           translucent: translucentHash(), geom: geomHash()};
  f.combined = hash([f.canvas, f.webgl, f.audio, f.device].join()); return f; }); };
"""
# After the opt-out (the Reject click, then each page load), the fingerprint goes to the
# site itself and to a third party, one hash a request each, and once more five minutes
# later; a worker of the site's computes one of its own (OffscreenCanvas, its cores), fetched
# and made from a blob: address.
FINGERPRINT_SEND = """
var send = function () { fingerprint().then(function (f) {
  ["canvas", "webgl", "audio", "device", "combined", "translucent", "geom"].forEach(
    function (k) {
    new Image().src = "/fp_" + k + ".gif?h=" + f[k]; });
  // To the third party in shapes no identifier has: eight digits, and words of letters.
  new Image().src = SIDE + "/fp_3pcombined.gif?fp=" + parseInt(f.combined.slice(0, 7), 16) % 1e8;
  var letters = function (h) { return h.replace(/./g, function (d) {
    return String.fromCharCode(97 + parseInt(d, 16)); }).match(/.{4}/g).join("-"); };
  fetch(SIDE + "/fp_3pcanvas", {method: "POST", mode: "no-cors",
    body: JSON.stringify({canvas: letters(f.canvas), device: letters(f.device)})});
  // And one hash in sixteen letters, unbroken.
  new Image().src = SIDE + "/fp_3pletters.gif?k=" + letters(f.audio).replace(/-/g, "");
  setTimeout(function () { fingerprint().then(function (g) {
    navigator.sendBeacon("/fp_late", JSON.stringify({fp: g.combined})); }); }, 300000); });
  new Worker("/fpworker.js");
  new Worker(URL.createObjectURL(new Blob([BLOB_WORKER], {type: "text/javascript"}))); };
if (window.disableCookiesUsage && disableCookiesUsage()) send();
document.getElementById("reject-cookies").addEventListener("click", send);
"""
FINGERPRINT_WORKER = """
var hash = function (bytes) { var a = 0x811c9dc5, b = 0x9e3779b9;
  for (var i = 0; i < bytes.length; i++) { a = Math.imul(a ^ bytes[i], 16777619);
    b = Math.imul(b ^ bytes[i], 2246822507); }
  return (a >>> 0).toString(16).padStart(8, "0") + (b >>> 0).toString(16).padStart(8, "0"); };
var c = new OffscreenCanvas(120, 30), x = c.getContext("2d");
x.fillStyle = "#36c"; x.fillRect(0, 0, 120, 30); x.fillStyle = "#fc0"; x.font = "14px serif";
x.fillText("worker glyphs", 4, 20);
c.convertToBlob().then(function (b) { return b.arrayBuffer(); }).then(function (buf) {
  var h = hash(new Uint8Array(buf)) + "-" + hash(new TextEncoder().encode(
    String(navigator.hardwareConcurrency)));
  fetch(location.origin + "/TAG.gif?h=" + h); });
"""
# Analytics a site may send itself after the opt-out: what lays the page out and localises
# it, how long it took, the cores it may use; and a chart drawn on a canvas and read back
# to be shown as an image. Nothing in it tells two visitors apart.
CLEAN_ANALYTICS = """
var t = performance.timing || {};
new Image().src = "/an.gif?" + new URLSearchParams({vw: innerWidth, vh: innerHeight,
  sw: screen.width, sh: screen.height, cd: screen.colorDepth, dpr: devicePixelRatio,
  lang: navigator.language, langs: navigator.languages.join(),
  tz: Intl.DateTimeFormat().resolvedOptions().timeZone, off: new Date().getTimezoneOffset(),
  cores: navigator.hardwareConcurrency, page: location.pathname,
  dcl: Math.max(0, (t.domContentLoadedEventStart || 0) - (t.navigationStart || 0)) % 100});
var c = document.createElement("canvas"); c.width = 120; c.height = 40;
var x = c.getContext("2d"); x.fillStyle = "#fff"; x.fillRect(0, 0, 120, 40);
x.fillStyle = "#369";
[12, 30, 22, 36].forEach(function (v, i) { x.fillRect(8 + 28 * i, 40 - v, 20, v); });
var img = new Image(); img.alt = "visits"; img.src = c.toDataURL(); document.body.appendChild(img);
var dark = x.getImageData(0, 0, 120, 40).data.filter(function (v, i) {
  return i % 4 === 0 && v < 128; });
document.title = "chart: " + dark.length + " dark pixels";
"""

# Clean sites are visited in both states where the visitor is opted out: by the banner, and
# by Global Privacy Control from the first load (what tracking allowed looks like is not
# theirs to prove).
OPTED_OUT = [{"choice": "rejected", "gpc": False}, {"choice": "no-choice", "gpc": True}]

# name: {head, manifest, files, states (default: rejected only), config (site keys)}
SITES: dict[str, dict] = {
    "cookies": {"head": ready(
        f'document.cookie = "ck_plain={ID}a1; path=/";'
        f'document.cookie = "ck0nameless{ID}a2";'
        f'document.cookie = "ck_path={ID}a3; path=/nowhere/; samesite=strict";'
        f'document.cookie = "ck_dom={ID}a4; domain=" + location.hostname + '
        '"; samesite=none; secure";'
        f'document.cookie = "ck_part={ID}a5; secure; samesite=none; partitioned; path=/";'
        f'document.cookie = "ck_trick=max-age=0_{ID}a6; path=/";'
        'document.cookie = "msdynci_trackingContext=forged; path=/elsewhere/";'
        f'if (window.cookieStore) cookieStore.set({{name: "ck_store", value: "{ID}a7",'
        ' path: "/"});'
        f'setTimeout(function () {{ document.cookie = "ck_late={ID}a8; path=/"; }},'
        ' 5 * 60 * 1000);'
        f'document.cookie = "my_consent_id={ID}a9; path=/";'
        # The identifier is the name; the value a mere flag.
        f'document.cookie = "cknm_{ID}a0=1; path=/";'
        # A tracker's id under a CSRF token's name: sent to a third party; read by a pixel
        # of the site's own; beaconed to it from storage.
        'var jar = function (n) { return (document.cookie.match(n + "=([^;]+)") || [])[1]; };'
        f'document.cookie = "csrf_vid={ID}h1; path=/";'
        'new Image().src = SIDE + "/ck_csrf3p.gif?t=" + jar("csrf_vid");'
        f'if (!jar("xsrf_uid")) document.cookie = "xsrf_uid={ID}h2; path=/";'
        'setTimeout(function () { new Image().src = "/ck_xsrfpixel.gif?x=" + jar("xsrf_uid");'
        ' }, 120000);'
        f'if (!localStorage.getItem("csrf-token")) localStorage.setItem("csrf-token", "{ID}h3");'
        'setTimeout(function () { navigator.sendBeacon("/ck_csrfbeacon", JSON.stringify({t:'
        ' localStorage.getItem("csrf-token")})); }, 90000);')},
    # A "CMP" deletes the tracker's cookie on reject; the tracker puts it back every minute.
    "reset": {"head": script(
        'document.addEventListener("click", function (e) { if (e.target.id === '
        '"reject-cookies") document.cookie = "rs_uid=; path=/; max-age=0"; }, true);'
        'setInterval(function () { if (!/rs_uid=/.test(document.cookie))'
        f' document.cookie = "rs_uid={ID}b1; path=/; max-age=31536000"; }}, 60000);'
        f'if (!/rs_uid=/.test(document.cookie)) document.cookie = "rs_uid={ID}b1; path=/";')
        # Breaking its own security policy on purpose: the report (batched by the browser,
        # sent after the audit has gone) carries the identifier in the blocked style's sample.
        + ready(f'if (!localStorage.getItem("rs_vid")) localStorage.setItem("rs_vid", "{ID}b2");'
                'if (location.pathname === "/two.html") setTimeout(function () {'
                ' var st = document.createElement("style"); st.textContent = "/*" +'
                ' localStorage.getItem("rs_vid") + "*/"; document.head.appendChild(st); },'
                ' 60000);'),
        "manifest": '[[header]]\npath = "*"\nname = "Content-Security-Policy"\n'
                    'value = "style-src \'self\' \'report-sample\'; report-to rs"\n'
                    '[[header]]\npath = "*"\nname = "Reporting-Endpoints"\n'
                    'value = "rs=\\"http://side.localhost:SIDEPORT/rs_cspreport\\""\n'},
    "setcookie": {
        "head": '<link rel="stylesheet" href="/s.css">' + ready(
            f'new Image().src = OWN + "/px?c=sc_img%3D{ID}c2%3B%20Path%3D%2F";'
            f'new Image().src = OWN + "/r?c=sc_redir%3D{ID}c3%3B%20Path%3D%2F&to=" +'
            ' encodeURIComponent(SIDE + "/px");'
            f'fetch(OWN + "/px?c=sc_fetch%3D{ID}c4%3B%20Path%3D%2F%3B%20SameSite%3DNone'
            '%3B%20Secure%3B%20Partitioned", {mode: "no-cors", credentials: "include"});'),
        "manifest": '[[header]]\npath = "/s.css"\nname = "Set-Cookie"\n'
                    f'value = "sc_css={ID}c1; Path=/; SameSite=Lax"\n',
        "files": {"s.css": "p { color: #222; }"}},
    "storage": {"head": ready(
        f'localStorage.st_prop = "{ID}d1"; localStorage["st_index"] = "{ID}d2";'
        f'Object.assign(sessionStorage, {{st_assign: "{ID}d3"}});'
        'var o = indexedDB.open("st_db", 1); o.onupgradeneeded = function () {'
        ' o.result.createObjectStore("ids"); };'
        'o.onsuccess = function () { var s = o.result.transaction("ids", "readwrite")'
        '.objectStore("ids"), c = s.openCursor(); c.onsuccess = function () {'
        f' if (c.result) c.result.update("{ID}d4-" + location.pathname);'
        ' else s.add("first", "me"); }; };'
        'var f = document.createElement("iframe"); f.src = "/frame.html";'
        ' document.body.appendChild(f);'
        'var g = document.createElement("iframe"); g.src = SIDE + "/frame.html";'
        ' document.body.appendChild(g);'
        'new Worker("/cw.js");'
        'navigator.serviceWorker.register("/sw.js");'
        f'window.name = "wn_{ID}da";'
        # Kept as a service worker's registration (its script's address) and as the name of
        # a database with nothing in it.
        'if (location.pathname === "/") { navigator.serviceWorker.register("/sw.js?stswid='
        f'{ID}ds", {{scope: "/stsw/"}}); indexedDB.open("stidbnm_{ID}dt", 1); }}'
        # Kept in the history entry by its fragment alone, and as a Navigation API state.
        f'location.hash = "sthash_{ID}dq";'
        'if (window.navigation && navigation.updateCurrentEntry) navigation.updateCurrentEntry('
        f'{{state: {{stnav: "{ID}dr"}}}});'
        f'history.replaceState({{hs_uid: "{ID}df"}}, "");'
        f'history.pushState(null, "", "?st_url={ID}dn");'
        # A storage bucket's own IndexedDB, written before the choice and kept.
        'if (location.pathname === "/" && navigator.storageBuckets) navigator.storageBuckets'
        '.open("stbk").then(function (b) { var q = b.indexedDB.open("stbk_db", 1);'
        ' q.onupgradeneeded = function () { q.result.createObjectStore("ids"); };'
        ' q.onsuccess = function () { q.result.transaction("ids", "readwrite")'
        f'.objectStore("ids").put("{ID}do", "me"); }}; }});'
        # The origin private file system: a file named for what it holds, a folder holding
        # a file named by the identifier.
        'navigator.storage.getDirectory().then(function (root) {'
        ' root.getFileHandle("st_opfs", {create: true}).then(function (h) {'
        ' return h.createWritable(); }).then(function (w) {'
        f' return w.write("{ID}dc").then(function () {{ return w.close(); }}); }});'
        ' root.getDirectoryHandle("st_opfsdir", {create: true}).then(function (d) {'
        f' return d.getFileHandle("{ID}dd", {{create: true}}); }}); }});'
        # Kept as values JSON shows as {}: a Blob, bytes, a Map.
        'var bo = indexedDB.open("st_binary", 1); bo.onupgradeneeded = function () {'
        ' bo.result.createObjectStore("ids"); }; bo.onsuccess = function () {'
        ' var s = bo.result.transaction("ids", "readwrite").objectStore("ids");'
        f' s.put(new Blob(["{ID}dg"]), "blob"); s.put(new TextEncoder().encode("{ID}dh"),'
        f' "bytes"); s.put(new Map([["v", "{ID}di"]]), "map");'
        # The identifier is the key, a database's or a cache's name; what is kept a flag.
        f' s.put(true, "stnmidb_{ID}dk"); }};'
        # Kept where the stock read only part: an answer's header in Cache Storage, a File's
        # name, raw random bytes later sent in base64 (red team v28, v30, v42).
        'var rid = Math.random().toString(16).slice(2);'
        'caches.open("st_cachehdr").then(function (c) { return c.put("/boot.json",'
        ' new Response("{}", {headers: {"x-client-id": "c" + rid}})); });'
        'var fo = indexedDB.open("st_filedb", 1); fo.onupgradeneeded = function () {'
        ' fo.result.createObjectStore("d"); }; fo.onsuccess = function () {'
        ' fo.result.transaction("d", "readwrite").objectStore("d")'
        '.put(new File([""], "u-" + rid + ".json"), "draft"); };'
        'var yo = indexedDB.open("st_bytesdb", 1); yo.onupgradeneeded = function () {'
        ' yo.result.createObjectStore("kv"); }; yo.onsuccess = function () {'
        ' var g = yo.result.transaction("kv").objectStore("kv").get("k");'
        ' g.onsuccess = function () { var a = g.result; if (!a) { a = crypto.getRandomValues('
        'new Uint8Array(12)).buffer; yo.result.transaction("kv", "readwrite")'
        '.objectStore("kv").put(a, "k"); } new Image().src = "/st_bytes.gif?s=" +'
        ' encodeURIComponent(btoa(String.fromCharCode.apply(null, new Uint8Array(a)))); }; };'
        f'localStorage.setItem("stnm_{ID}dj", "1");'
        f'caches.open("stnmcache_{ID}dl").then(function (c) {{ return c.put("/x.css",'
        ' new Response("p {}", {headers: {"content-type": "text/css"}})); });'
        f'setTimeout(function () {{ localStorage.setItem("st_late", "{ID}d8"); }},'
        ' 570 * 1000);'
        # A visitor's own id shaped as a build's hash (served to no one else), in a key
        # and a cache's name.
        'var bh; do { bh = Array.from(crypto.getRandomValues(new Uint8Array(4))).map('
        'function (b) { return b.toString(16).padStart(2, "0"); }).join(""); } while ('
        '/^[a-f]*[0-9]*$|^[0-9]*[a-f]*$/.test(bh) || bh.replace(/[a-f]/g, "").length < 2);'
        'if (location.pathname === "/") { localStorage.setItem("stbh-" + bh, "1");'
        ' caches.open("stbhc-" + bh).then(function (c) { return c.put("/_shared/site.css",'
        ' new Response("p {}")); }); }'),
        "files": {
            "frame.html": "<!doctype html><title>f</title>" + script(
                f'localStorage.setItem("st_frame", "{ID}d5");'),
            # A script's own text is the same for everyone (validators.builds): the ids a
            # script keeps are made per visitor, as a tracker's are.
            "cw.js": 'var r = Math.random().toString(16).slice(2);'
                     'caches.open("st_cache").then(function (c) {'
                     f' return c.put("/id/{ID}d6" + r, new Response("x")); }});'
                     'navigator.storage.getDirectory().then(function (root) {'
                     ' return root.getFileHandle("st_opfsworker", {create: true}); })'
                     '.then(function (h) { return h.createSyncAccessHandle(); })'
                     '.then(function (a) { a.write(new TextEncoder().encode('
                     f'"{ID}de" + r)); a.flush(); a.close(); }});',
            "sw.js": 'self.addEventListener("install", function () { self.skipWaiting(); });'
                     'self.addEventListener("activate", function () {'
                     ' var o = indexedDB.open("st_swdb", 1);'
                     ' o.onupgradeneeded = function () { o.result.createObjectStore("ids"); };'
                     ' o.onsuccess = function () { o.result.transaction("ids", "readwrite")'
                     f'.objectStore("ids").put("{ID}d7-" + Math.random(), "me"); }}; }});'
                     'setTimeout(function () { caches.open("st_swlate").then(function (c) {'
                     f' return c.put("/id/{ID}db" + Math.random().toString(16).slice(2),'
                     ' new Response("x")); }); }, 360000);'}},
    # Workers started before the choice send an identifier minutes after it: their timers
    # run on the page's virtual clock only because the audit gives them that clock.
    "workers": {"head": ready(
        'new Worker("/wk1.js"); new Worker("/wk2.js", {type: "module"});'
        'new SharedWorker("/wk3.js"); navigator.serviceWorker.register("/wk4.js");'
        # A frame whose server sends its worker's script compressed, asked for it plain.
        'var gz = document.createElement("iframe"); gz.src = OWN + "/wk_gzip.html";'
        ' document.body.appendChild(gz);'),
        "files": {name: WORKER_SEND + body for name, body in {
            "wk1.js": 'setTimeout(function () { send("wk_dedicated"); }, 5 * 60 * 1000);',
            "wk2.js": 'setInterval(function () { send("wk_module"); }, 4 * 60 * 1000);',
            "wk3.js": 'setTimeout(function () { setTimeout(function () { send("wk_shared"); },'
                      ' 3 * 60 * 1000); }, 3 * 60 * 1000);',
            "wk4.js": 'self.addEventListener("activate", function () {'
                      ' setTimeout(function () { send("wk_service"); }, 6 * 60 * 1000); });',
        }.items()}},
    # Workers made from scripts in memory (blob: and data: URLs), which no proxy sees; a
    # worker that starts after the page's time was last told (made by a timer at the end
    # of the page's last settling, once the visitor came back: after a restore from the
    # back-forward cache, the page's clock is its own). The page is slow to finish loading
    # (a script it waits for takes seconds), so a browser that loads it anew on coming back
    # has its address long before its pageshow: what that sets off is settled all the same.
    "memworkers": {"head": '<script async src="http://side.localhost:SIDEPORT/slow.js">'
                           '</script>' + ready(
        'function src(tag, ms) { return "var C = " + JSON.stringify(C) + ";" + '
        + json.dumps(SEND) + ' + "setTimeout(function () { send(\\"" + tag + "\\"); }, "'
        ' + ms + ");"; }'
        'function blob(tag, ms, type) { return URL.createObjectURL(new Blob([src(tag, ms)],'
        ' {type: type || "text/javascript"})); }'
        'var u = blob("mw_blob", 300000); new Worker(u); URL.revokeObjectURL(u);'
        'new Worker(blob("mw_module", 240000), {type: "module"});'
        'new Worker("data:text/javascript," + encodeURIComponent(src("mw_data", 200000)));'
        'new Worker("data:text/javascript;base64," + btoa(src("mw_base64", 210000)));'
        'new SharedWorker(blob("mw_shared", 250000, ""));'
        'new Worker("/nest.js"); new Worker("/uptime.js");'
        'new SharedWorker("data:text/javascript," + encodeURIComponent(src("mw_datashared",'
        ' 220000)));'
        'new Worker("/sched.js");'
        # Far past any settling (this page is not refreshed away): a visitor who leaves the
        # tab open for hours is tracked.
        'setTimeout(function () { navigator.sendBeacon(C + "/lt_3h", "{}"); }, 10800000);'
        'setTimeout(function () { setTimeout(function () {'
        ' navigator.sendBeacon(C + "/lt_5h_then", "{}"); }, 20000); }, 18000000);'
        # A bug beside them all, every second: no timer here is spared by it.
        'setInterval(function () { throw new Error("memworkers: a bug"); }, 1000);'
        # A chain of long timers, only its third link sending.
        'setTimeout(function () { setTimeout(function () { setTimeout(function () {'
        ' navigator.sendBeacon(C + "/lt_chain3", "{}"); }, 7200000); }, 7200000); },'
        ' 7200000);'
        # A worker that waits out any settling; and one beating every second all along,
        # which a day's jump must not run 86,400 times (on its 10,001st beat it says so).
        'new Worker(blob("mw_4h", 14400000));'
        'new Worker(URL.createObjectURL(new Blob(["var C = " + JSON.stringify(C) + ";" + '
        + json.dumps(SEND) + ' + "var n = 0; setInterval(function () { if (++n === 1000)'
        ' send(\\"mw_beat\\"); if (n === 10001) send(\\"mw_beats_many\\"); }, 1000);"])));'
    ) + script(
        'addEventListener("pageshow", function (e) { if (location.pathname !== "/two.html")'
        ' return; var n = Number(sessionStorage.getItem("mw_shown") || 0) + 1;'
        ' sessionStorage.setItem("mw_shown", n); if (n > 1) setTimeout(function () {'
        ' navigator.sendBeacon(C + "/mw_backlater", "{}"); new Worker("/late.js");'
        # ... and one whose script waits seconds for what it imports: the page is left (and
        # closed) only once the worker has started.
        ' new Worker(URL.createObjectURL(new Blob(["var C = " + JSON.stringify(C) + ";" + '
        + json.dumps(SEND) + ' + "importScripts(" + JSON.stringify(SIDE + "/mw_slowstart.js")'
        ' + ");"]))); }, 599000); });'),
        "manifest": WS_CSP,
        "files": {"nest.js": 'var b = URL.createObjectURL(new Blob([' + json.dumps(
                      WORKER_SEND + 'setTimeout(function () { send("mw_nested"); }, 150000);')
                  + '])); new Worker(b);',
                  # Waiting on the worker's other clocks: the Scheduler API, an abort signal.
                  "sched.js": WORKER_SEND + 'if (self.scheduler && scheduler.postTask)'
                              ' scheduler.postTask(function () { send("mw_posttask"); },'
                              ' {delay: 230000}); else setTimeout(function () {'
                              ' send("mw_posttask"); }, 230000);'
                              'AbortSignal.timeout(260000).addEventListener("abort",'
                              ' function () { send("mw_abort"); });',
                  "late.js": WORKER_SEND + 'setTimeout(function () { send("mw_late"); }, 30000);',
                  # Counts its own running time, not the timers it set.
                  "uptime.js": WORKER_SEND + 'var sent = false; setInterval(function () {'
                               ' if (!sent && performance.now() > 240000) { sent = true;'
                               ' send("mw_uptime"); } }, 1000);'}},
    # Tracking people only: nothing goes out to an automated browser or a headless build, as
    # a script keeping bots out of its numbers (or hiding from audits) does.
    "cloaked": {"head": ready(
        'var B = function (p) { navigator.sendBeacon(C + p, "{}"); };'
        'if (!navigator.webdriver) B("/cl_webdriver");'
        'if (!/headless/i.test(navigator.userAgent)) B("/cl_agent");'
        'var ua = navigator.userAgentData;'
        'if (!ua || !ua.brands.some(function (b) { return /headless/i.test(b.brand); }))'
        ' B("/cl_brands");'
        'if (ua) ua.getHighEntropyValues(["fullVersionList"]).then(function (v) {'
        ' if (!v.fullVersionList.some(function (b) { return /headless/i.test(b.brand); }))'
        ' B("/cl_versions"); }); else B("/cl_versions");')
        # ... and a server that sends its tracker only to browsers whose client hints name
        # no headless build.
        + '<script src="http://side.localhost:SIDEPORT/cl_hint.js"></script>'},
    # As the visitor reads: scroll depth, an element coming into view, the wheel, the mouse,
    # an image and a frame loaded lazily at the end of the page.
    "reading": {"head": ready(
        'var B = function (p) { navigator.sendBeacon(C + p, "{}"); };'
        'document.body.insertAdjacentHTML("beforeend", \'<div style="height: 4000px">text'
        '</div><p id="end">end</p><img loading="lazy" width="9" height="9" src="\' + C +'
        ' \'/rd_lazy.gif"><iframe loading="lazy" src="\' + C + \'/rd_lazyframe.html">'
        '</iframe>\');'
        'var deep = false; addEventListener("scroll", function () {'
        ' if (!deep && scrollY > 2000) { deep = true; B("/rd_scroll"); } });'
        'new IntersectionObserver(function (entries) { if (entries.some(function (e) {'
        ' return e.isIntersecting; })) B("/rd_inview"); }).observe(document.getElementById('
        '"end"));'
        'addEventListener("wheel", function () { B("/rd_wheel"); }, {once: true});'
        'var moves = 0; addEventListener("mousemove", function () { if (++moves === 3)'
        ' B("/rd_mouse"); if (moves === 25) B("/rd_engaged"); });'
        # An ad refreshed as the window changes size.
        'addEventListener("resize", function () { B("/rd_resize"); }, {once: true});'
        # No storage: the id travels in the site's own links, and goes to the site itself.
        'var vm = location.search.match(/_vid=([0-9a-f]+)/), vid = vm ? vm[1] :'
        ' Math.random().toString(16).slice(2) + "7f";'
        'document.querySelectorAll("a[href^=\'/\']").forEach(function (a) {'
        ' a.setAttribute("href", a.getAttribute("href").split("?")[0] + "?_vid=" + vid); });'
        'fetch("/rd_linkdecor", {method: "POST", body: JSON.stringify({v: vid})});')},
    # Requests to the beacon host by every means a page has, each to its own path.
    "requests": {"head": ready(
        'var sink = document.createElement("iframe"); sink.name = "sink"; sink.hidden = true;'
        ' document.body.appendChild(sink);'
        'var form = document.createElement("form"); form.method = "POST"; form.target = "sink";'
        f' form.action = C + "/rq_form"; form.innerHTML = \'<input name="u" value="{ID}e1">\';'
        ' document.body.appendChild(form); form.submit();'
        'document.getElementById("next").ping = C + "/rq_ping";'
        'if (window.fetchLater) fetchLater(C + "/rq_fetchlater", {activateAfter: 240000});'
        'var fi = document.createElement("link"); fi.rel = "icon"; fi.href = C +'
        ' "/rq_favicon.ico"; document.head.appendChild(fi);'
        'var st = document.createElement("style"); st.textContent = "@import url(" + C +'
        ' "/rq_cssimport.css); @font-face {'
        ' font-family: rq; src: url(" + C + "/rq_font.woff); } body { font-family: rq;'
        ' background: url(" + C + "/rq_bg.gif?p=" + location.pathname + "); }";'
        ' document.head.appendChild(st);'
        'var l = document.createElement("link"); l.rel = "preload"; l.as = "image";'
        ' l.href = C + "/rq_preload.gif"; document.head.appendChild(l);'
        'var d = document.createElement("link"); d.rel = "dns-prefetch";'
        ' d.href = C.replace("//collector.", "//rqdns.collector."); document.head.appendChild(d);'
        'import(C + "/rq_import.js").catch(function () {});'
        'var s = document.createElement("script");'
        f' s.src = C + "/tracker.js?rq_scriptq={ID}e2"; document.head.appendChild(s);'
        'new Image().src = C.replace("collector.localhost", "collector.localhost.") +'
        ' "/rq_dot.gif";'
        'new Image().src = C.replace("//collector.", "//rqsub.collector.") + "/rq_sub.gif";'
        f'var fd = new FormData(); fd.append("u", "{ID}e3");'
        ' navigator.sendBeacon(C + "/rq_beaconfd", fd);'
        'fetch(new Request(C + "/rq_request", {method: "POST", body: "x", mode: "no-cors"}));'
        'new Worker("/iw.js");'
        'var v = document.createElement("video"); v.poster = C + "/rq_poster.gif";'
        ' document.body.appendChild(v);'
        'document.body.insertAdjacentHTML("beforeend", \'<svg width="1" height="1"><image'
        ' href="\' + C + \'/rq_svg.gif" width="1" height="1"/></svg>\');'
        'try { new WebSocket(C.replace("http", "ws") + "/rq_ws"); } catch (e) {}'
        'new EventSource(C + "/rq_es");'
        # A stream that ends at once, to reconnect five minutes later (its server's retry:).
        'if (location.pathname === "/") new EventSource("http://collector.localhost:SIDEPORT'
        '/rq_esretry");'
        # A pop-up, minutes after the page was opened.
        'if (location.pathname === "/two.html") setTimeout(function () {'
        ' window.open(C + "/rq_open"); }, 100000);'
        # A WebTransport session (HTTP/3 over UDP, past any proxy).
        'try { new WebTransport(C.replace("http:", "https:") + "/rq_webtransport").ready'
        '.catch(function () {}); } catch (e) {}'
        # The collector's server answers on the bare loopback names too.
        'new Image().src = "http://127.0.0.1:" + location.port + "/rq_loopback.gif";'),
        "manifest": WS_CSP,
        "files": {
            # A worker a worker starts, waiting on its own clock.
            "iw.js": WORKER_C + 'try { importScripts(C + "/rq_importscripts.js"); } catch (e) {}'
                     'new Worker("/iw2.js");',
            "iw2.js": WORKER_C + 'var i = setInterval(function () { clearInterval(i);'
                      ' fetch(C + "/rq_nested7m"); }, 420000);'}},
    # As the reject click lands, before the banner has even recorded it; and on a socket
    # to the beacon host opened before the choice.
    "immediate": {"head": ready(
        'var ws = location.pathname === "/" && new WebSocket(WS + "/im_wssend");'
        'document.getElementById("reject-cookies").addEventListener("click", function () {'
        ' var B = function (p) { navigator.sendBeacon(C + p, "{}"); }; B("/im_sync");'
        ' setTimeout(function () { B("/im_timeout0"); }, 0);'
        ' Promise.resolve().then(function () { B("/im_microtask"); });'
        ' requestAnimationFrame(function () { B("/im_raf"); });'
        ' if (ws && ws.readyState === 1) ws.send("seen");'
        # Set off by the click, for a visitor who stays on the page a while before going on.
        ' setTimeout(function () { B("/im_stay8m"); }, 480000); });'), "manifest": WS_CSP},
    # Late, idle and chained: brought forward by the virtual clock.
    "timers": {"head": ready(
        'var B = function (p) { navigator.sendBeacon(C + p, "{}"); };'
        'B("/tm_now");'
        'setTimeout(function () { fetch(C + "/tm_30s", {mode: "no-cors"}); }, 30000);'
        'setTimeout(function () { new Image().src = C + "/tm_5m.gif"; }, 300000);'
        'setTimeout(function () { B("/tm_9m30"); }, 570000);'
        'requestIdleCallback(function () { B("/tm_idle"); });'
        'var frames = 0; (function f() { if (++frames === 120) B("/tm_raf");'
        ' else requestAnimationFrame(f); })();'
        # An animation loop counting time by its frames' moments (it stops once it has
        # told: a loop that never stops costs 600 real tasks a settling, seconds of suite).
        'var t0 = performance.now(); (function g(t) { if (t - t0 > 290000)'
        ' B("/tm_rafclock"); else requestAnimationFrame(g); })(t0);'
        'AbortSignal.timeout(280000).addEventListener("abort", function () {'
        ' B("/tm_abort"); });'
        'var n = 0, i = setInterval(function () { if (++n === 5) { clearInterval(i);'
        ' B("/tm_interval"); } }, 60000);'
        'var ch = new MessageChannel(); ch.port1.onmessage = function () {'
        ' B("/tm_msgchan"); }; ch.port2.postMessage(1);'
        'Promise.resolve().then(function () { return 1; }).then(function () {'
        ' B("/tm_promise"); });'
        'queueMicrotask(function () { B("/tm_microtask"); });'
        'var k = 0; (function step() { if (++k === 9) B("/tm_chain");'
        ' else setTimeout(step, 60000); })();'
        'if (window.scheduler && scheduler.postTask) scheduler.postTask(function () {'
        ' B("/tm_posttask"); }, {delay: 200000});'
        # Waiting on what the page clock does not move by itself: a loop of zero-delay
        # timers reading Date.now() (each moved it 1 ms: the settling never ended), frames
        # counted (two minutes' worth at 60 a second), the animation timeline read as a
        # clock, a wait on shared memory that times out, the end and progress of media.
        'var t1 = Date.now(); (function spin() { if (Date.now() - t1 > 120000) B("/tm_spin");'
        ' else setTimeout(spin, 0); })();'
        'var fc = 0; (function h() { if (++fc === 7200) B("/tm_frames");'
        ' else requestAnimationFrame(h); })();'
        'var tl = setInterval(function () { if (document.timeline.currentTime > 200000) {'
        ' clearInterval(tl); B("/tm_timeline"); } }, 10000);'
        'var wa = null; try { wa = Atomics.waitAsync(new Int32Array(new WebAssembly.Memory('
        '{initial: 1, maximum: 1, shared: true}).buffer), 0, 0, 250000); } catch (e) {}'
        'if (wa && wa.async) wa.value.then(function () { B("/tm_waitasync"); });'
        'var au = new Audio(SIDE + "/tm.wav"); au.muted = true; au.play().catch(function () {});'
        ' au.addEventListener("ended", function () { B("/tm_mediaend"); });'
        'var vi = document.createElement("audio"); vi.src = SIDE + "/tm.wav"; vi.muted = true;'
        ' vi.autoplay = true; document.body.appendChild(vi); vi.addEventListener("timeupdate",'
        ' function () { if (vi.currentTime > 200 && !vi.told) { vi.told = 1;'
        ' B("/tm_mediatime"); } });'
        # Waiting on the browser's clock, not the page's: animations (Web Animations, CSS).
        'var el = document.createElement("div"); el.id = "tm_anim"; el.textContent = ".";'
        ' document.body.appendChild(el); el.animate([{opacity: 1}, {opacity: 0.5}], 290000)'
        '.finished.then(function () { B("/tm_animation"); });'
        'var ks = document.createElement("style"); ks.textContent = "@keyframes tmk { to {'
        ' opacity: 0.9 } } #next { animation: tmk 295s 1; }"; document.head.appendChild(ks);'
        'document.getElementById("next").addEventListener("animationend", function () {'
        ' B("/tm_cssanimation"); });'
        # Speculation rules added late: the browser may prefetch the list, or not.
        'setTimeout(function () { var sr = document.createElement("script");'
        ' sr.type = "speculationrules"; sr.textContent = JSON.stringify({prefetch: [{source:'
        ' "list", urls: [C + "/tm_speculation"]}]}); document.head.appendChild(sr); }, 260000);'
        # A frame's own markup refreshes it to a known tracker (third-party-web).
        'var rf = document.createElement("iframe"); rf.src = "/refresh.html";'
        ' document.body.appendChild(rf);'
        # Last: a refresh the browser times itself takes the page to the beacon host.
        'if (location.pathname === "/two.html") document.head.insertAdjacentHTML("beforeend",'
        ' \'<meta http-equiv="refresh" content="595; url=\' + C + \'/tm_refresh">\');'),
        "files": {"refresh.html": '<!doctype html><title>f</title><meta http-equiv="refresh"'
                                  ' content="300; url=http://www.google-analytics.com/collect'
                                  '?tm_framerefresh=1">'}},
    # As the visitor leaves, and as they come back.
    "leaving": {"head": script(
        'var B = function (p) { navigator.sendBeacon(C + p, "{}"); };'
        'document.addEventListener("visibilitychange", function () {'
        ' if (document.visibilityState !== "hidden") return; B("/lv_hidden");'
        ' setTimeout(function () { B("/lv_hiddenlater"); }, 120000); });'
        # Back on the tab, the page picks up where it left off a minute later.
        'document.addEventListener("visibilitychange", function () {'
        ' if (document.visibilityState === "visible")'
        ' setTimeout(function () { B("/lv_visiblelater"); }, 60000); });'
        'addEventListener("pagehide", function () { B("/lv_pagehide"); });'
        # The window losing its focus (the visitor switched tabs); a key pressed as they read.
        'addEventListener("blur", function () { B("/lv_blur"); });'
        'addEventListener("keydown", function () { B("/lv_keydown"); }, {once: true});'
        'addEventListener("beforeunload", function () { B("/lv_beforeunload"); });'
        'addEventListener("unload", function () { fetch(C + "/lv_unload", {method: "POST",'
        ' body: "{}", keepalive: true, mode: "no-cors"}); });'
        # Heard on the window, as a browser's bubbling visibilitychange is: hidden, the page
        # waits a minute and a half, which only a tab switched away from lives to see.
        'addEventListener("visibilitychange", function () {'
        ' if (document.visibilityState === "hidden")'
        ' setTimeout(function () { B("/lv_winhidden"); }, 90000); });'
        'document.addEventListener("freeze", function () { B("/lv_freeze"); });'
        'document.addEventListener("resume", function () { B("/lv_resume"); });'
        # A known tracker (third-party-web), reached as the page goes: seen on the wire only.
        'addEventListener("pagehide", function () { navigator.sendBeacon('
        '"http://www.google-analytics.com/g/collect?v=2&lv_ga=1", "{}"); });')},
    # Restored from the back-forward cache (a page with an unload handler never is).
    "bfcache": {"head": script(
        'addEventListener("pageshow", function (e) { if (e.persisted)'
        ' navigator.sendBeacon(C + "/lv_bfcache", "{}"); });')},
    # The identifier was kept from before the choice; after it, it goes out encoded to the
    # site itself and to an unknown third party.
    "encoded": {"head": ready(
        f'if (!localStorage.getItem("enc_uid")) localStorage.setItem("enc_uid", "{ID}f1");'
        f'if (location.pathname === "/") sessionStorage.setItem("encnm_{ID}f3", "1");'
        # Kept wrapped (base64 of JSON), sent plain.
        'if (!localStorage.getItem("enc_wrapped")) localStorage.setItem("enc_wrapped",'
        f' btoa(JSON.stringify({{id: "{ID}f2"}})));'
        # Answered with a validator of its own per visitor (an ETag, a Last-Modified date),
        # which the browser sends back as it revalidates on the next page.
        'new Image().src = SIDE + "/enc_etag.gif";'
        # ... one given only to what a browser asks for (its Fetch Metadata).
        'new Image().src = SIDE + "/enc_etagsf.gif";'
        'fetch(SIDE + "/enc_lastmod.gif", {mode: "no-cors", credentials: "omit"});'
        # A frame of a third party, to be handed the identifier by message.
        'var pm = document.createElement("iframe"); pm.src = SIDE + "/enc_message.html";'
        ' document.body.appendChild(pm);'
        # Given by a server in a body the HTTP cache keeps (JSON, a script), or kept by the
        # page as a script in Cache Storage: read back on the next page, and sent.
        'var two = location.pathname === "/two.html";'
        'fetch(SIDE + "/enc_cached.json").then(function (r) { return r.json(); })'
        '.then(function (j) { if (two) new Image().src = "/enc_cachedjson.gif?u=" + j.uid; });'
        'var cs = document.createElement("script"); cs.src = SIDE + "/enc_cached.js";'
        ' cs.onload = function () { if (two) new Image().src = "/enc_cachedjs.gif?u=" +'
        ' window.encjs; }; document.head.appendChild(cs);'
        'if (!two) caches.open("app-v1").then(function (c) { return c.put("/cfg.js",'
        f' new Response("var uid = \\"{ID}f4\\";", {{headers: {{"content-type":'
        ' "application/javascript"}})); });'
        'if (!two) return;'
        'caches.open("app-v1").then(function (c) { return c.match("/cfg.js"); })'
        '.then(function (r) { return r.text(); }).then(function (t) {'
        ' new Image().src = "/enc_cachestorage.gif?u=" + t.split("\\"")[1]; });'
        'var u = localStorage.getItem("enc_uid");'
        'pm.addEventListener("load", function () { pm.contentWindow.postMessage({uid: u}, "*");'
        ' });'
        # Wrapped as trackers wrap it: reversed, as character codes, base64url of JSON,
        # percent-encoded twice, base64 of JSON in a parameter in a JSON body, in a bearer
        # token, and cut in two over two requests.
        'new Image().src = "/enc_rev.gif?r=" + u.split("").reverse().join("");'
        'fetch("/enc_codes", {method: "POST", body: JSON.stringify({c: u.split("").map('
        'function (c) { return c.charCodeAt(0); })})});'
        'new Image().src = "/enc_b64url.gif?d=" + btoa(JSON.stringify({vid: u}))'
        '.replace(/\\+/g, "-").replace(/\\//g, "_").replace(/=+$/, "");'
        'new Image().src = "/enc_dbl.gif?d=" + encodeURIComponent(encodeURIComponent('
        'u.replace(/./g, function (c) { return "%" + c.charCodeAt(0).toString(16); })));'
        'fetch("/enc_nested", {method: "POST", body: JSON.stringify('
        '{q: "a=1&p=" + encodeURIComponent(btoa(JSON.stringify({id: u})))})});'
        'fetch("/enc_auth", {headers: {Authorization: "Bearer " + btoa(JSON.stringify('
        '{sub: u}))}});'
        'new Image().src = SIDE + "/enc_splitone.gif?p=" + u.slice(0, 6);'
        'new WebSocket(WS.replace("collector.", "side.") + "/enc_wsurl?u=" + u);'
        'new Image().src = "/enc_unwrapped.gif?i=" + JSON.parse(atob('
        'localStorage.getItem("enc_wrapped"))).id;'
        'new Image().src = "/enc_rot13.gif?r=" + u.replace(/[a-z]/g, function (c) {'
        ' return String.fromCharCode((c.charCodeAt(0) - 84) % 26 + 97); });'
        'new Image().src = "/enc_upper.gif?u=" + u.toUpperCase();'
        'new Image().src = "/enc_keyname.gif?k=" + Object.keys(sessionStorage).filter('
        'function (k) { return k.indexOf("encnm_") === 0; })[0].slice(6);'
        'navigator.sendBeacon("/enc_utf16", new Blob([new Uint16Array(JSON.stringify('
        '{v: u}).split("").map(function (c) { return c.charCodeAt(0); }))]));'
        'var w = JSON.parse(atob(localStorage.getItem("enc_wrapped"))).id;'
        'new Image().src = "/enc_threeone.gif?p=" + w.slice(0, 4);'
        'new Image().src = "/enc_threetwo.gif?q=" + w.slice(4, 8);'
        'new Image().src = "/enc_threethree.gif?r=" + w.slice(8);'
        # In a host name looked up (dns-prefetch), and a STUN server's.
        'var dl = document.createElement("link"); dl.rel = "dns-prefetch";'
        ' dl.href = "http://enc-dns-" + u + ".localhost/"; document.head.appendChild(dl);'
        'try { var pc = new RTCPeerConnection({iceServers: [{urls: "stun:enc-stun-" + u +'
        ' ".localhost:3478"}]}); pc.createDataChannel("x"); pc.createOffer().then('
        'function (o) { return pc.setLocalDescription(o); }).catch(function () {}); }'
        ' catch (e) {}'
        # Handed to a third party's frame where no request shows it: a fragment, a name.
        'var hf = document.createElement("iframe"); hf.src = SIDE + "/enc_fragment.html#"'
        ' + btoa(u); document.body.appendChild(hf);'
        'var nf = document.createElement("iframe"); nf.name = "n" + u; nf.src = SIDE +'
        ' "/enc_name.html"; document.body.appendChild(nf);'
        'new Image().src = SIDE + "/enc_splittwo.gif?q=" + u.slice(6);'
        'new Image().src = "/enc_b64/" + btoa(u) + ".gif";'
        'new Image().src = "/enc_split.gif?a=" + u.slice(0, 5) + "&b=" + u.slice(5);'
        'fetch("/enc_header", {headers: {"X-Visitor": u}});'
        'fetch("/enc_body", {method: "POST", body: JSON.stringify({v: u})});'
        'new Image().src = SIDE + "/enc_path/" + u + ".gif";'
        'new Image().src = SIDE + "/enc_pathsplit/" + u.slice(0, 4) + "/" + u.slice(4) + ".gif";'
        'crypto.subtle.digest("SHA-256", new TextEncoder().encode(u)).then(function (h) {'
        ' var x = Array.from(new Uint8Array(h)).map(function (b) {'
        ' return b.toString(16).padStart(2, "0"); }).join("");'
        ' new Image().src = "/enc_hash.gif?h=" + x;'
        # Put in the page's address, then told to another origin by the Referer alone.
        ' history.replaceState(null, "", "?r=" + u);'
        ' var i = new Image(); i.referrerPolicy = "unsafe-url"; i.src = SIDE + "/enc_referer.gif";'
        ' var f = document.createElement("iframe"); f.referrerPolicy = "unsafe-url";'
        ' f.src = SIDE + "/enc_refframe.html"; document.body.appendChild(f); });'),
        "manifest": WS_CSP},
    # Sent scrambled so that no encoding undoes it (red team v43): XOR'd with a key of one
    # byte and of two, each character moved by one, read as one number in other bases.
    "scrambled": {"head": held(
        'var u = U[0], x = function (key) { return u.split("").map(function (c, i) {'
        ' return String.fromCharCode(c.charCodeAt(0) ^ key.charCodeAt(i % key.length)); })'
        '.join(""); };'
        'new Image().src = "/xr_hex.gif?d=" + Array.from(x("Z"), function (c) {'
        ' return c.charCodeAt(0).toString(16).padStart(2, "0"); }).join("");'
        'new Image().src = "/xr_b64.gif?d=" + encodeURIComponent(btoa(x("wt")));'
        'new Image().src = "/xr_shift.gif?d=" + encodeURIComponent(u.replace(/./g,'
        ' function (c) { return String.fromCharCode(c.charCodeAt(0) + 1); }));'
        'new Image().src = "/xr_b36.gif?d=" + BigInt("0x" + u).toString(36);')},
    # In what the browser writes but a page may write instead (a Content-Type, a Blob's type
    # as a beacon's, Accept, Accept-Language), a method of the page's own, a referrer the
    # page names for a request to the site itself, a socket's subprotocols (red team v43).
    "headers": {"head": held(
        'var u = U[0];'
        'fetch("/hd_ctype", {method: "POST", body: "{}", headers: {"Content-Type":'
        ' "text/plain;vid=" + u}});'
        'navigator.sendBeacon("/hd_beaconblob", new Blob(["{}"], {type: "text/plain;v=" + u}));'
        'fetch("/hd_lang", {headers: {"Accept-Language": "en-GB-x-" + u}});'
        'fetch("/hd_accept", {headers: {"Accept": "application/vnd.t+json;v=" + u}});'
        'fetch("/hd_method", {method: "V" + u}).catch(function () {});'
        'fetch("/hd_referrer", {referrer: "/?v=" + u});'
        'new WebSocket("ws://" + location.hostname + ":WSPORT/hd_wsproto", ["v" + u]);'),
        "manifest": WS_CSP},
    # Cut in pieces each too short to unwrap alone, encoded one by one, or each under a
    # label of its own (red team v43): three identifiers, one way each.
    "pieces": {"head": held(
        'var hx = function (s) { return Array.from(s, function (c) {'
        ' return c.charCodeAt(0).toString(16).padStart(2, "0"); }).join(""); };'
        'for (var i = 0; i < 4; i++) { new Image().src = "/pc_b64.gif?n=" + i + "&p=" +'
        ' btoa(U[0].slice(4 * i, 4 * i + 4)); new Image().src = "/pc_hex.gif?n=" + i +'
        ' "&p=" + hx(U[1].slice(4 * i, 4 * i + 4)); }'
        'for (var k = 0; k < 2; k++) new Image().src = "/pc_label.gif?c=p" + k + "_" +'
        ' U[2].slice(8 * k, 8 * k + 8);', ("pc_a", "pc_b", "pc_c")) + ready(
        # A heartbeat of five minutes with a hop of a second before each beat (a debounce),
        # over when a beat comes half an hour late; its 40th beat sends. Alone on its site:
        # a longer timeout beside it would carry it along.
        'var k5 = 0, last = Date.now(); (function beat() { if (Date.now() - last > 1800000)'
        ' return; last = Date.now(); if (++k5 === 40) navigator.sendBeacon(C + "/pc_hop5m",'
        ' "{}"); else setTimeout(function () { setTimeout(beat, 300000); }, 1000); })();')},
    # Handed to another party's window, not a frame (red team v43): a message to a pop-up
    # (answering its "ready", as a widget's handshake goes), a pop-up's name, its address's
    # fragment.
    "popups": {"head": held(
        'var u = U[0]; addEventListener("message", function (e) { if (e.data === "ready")'
        ' e.source.postMessage({uid: u}, "*"); }); window.open(SIDE + "/pp_msg.html");'
        'window.open(SIDE + "/pp_name.html", "n" + u);'
        'window.open(SIDE + "/pp_frag.html#" + u);')},
    # Red team v7. The identifier kept from before the choice goes to the site itself a
    # minute after it, in wrappings no earlier site used: base32, a number in bases 32, 8
    # and 2, deflated or gzipped then base64 in a parameter, XOR'd with a key of six bytes,
    # a SHA-256 cut to 16 hex digits, SHA-512, base64 of UTF-16, a JWT, a multipart form,
    # dashed in fours, JSON in a form field; and to the beacon host by what else a page
    # loads: CSS (image-set, list-style, content, cursor), object, embed, an image button,
    # a picture's source, SVG's feImage, a form sent by requestSubmit, a module preload, a
    # srcdoc frame, a same-origin frame told by BroadcastChannel, a service worker's fetch
    # handler; a third party's frame keeping its own id; a beacon on the second hide; and
    # timers that outlast the audit's jumps or pass through idle, message and frame callbacks.
    "sly": {"head": held(
        'var u = U[0], enc = new TextEncoder(), n = BigInt("0x" + u);'
        'var own = function (p, q) { new Image().src = "/" + p + ".gif?d=" + q; };'
        'var hx = function (a) { return Array.from(a, function (b) {'
        ' return b.toString(16).padStart(2, "0"); }).join(""); };'
        'var b64 = function (a) { return btoa(String.fromCharCode.apply(null, a)); };'
        'var b64u = function (o) { return btoa(JSON.stringify(o)).replace(/\\+/g, "-")'
        '.replace(/\\//g, "_").replace(/=+$/, ""); };'
        'var b32 = function (s) { var a = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567", bits = 0,'
        ' v = 0, o = ""; enc.encode(s).forEach(function (b) { v = ((v << 8) | b) & 0xffff;'
        ' bits += 8; while (bits >= 5) { o += a[(v >>> (bits - 5)) & 31]; bits -= 5; } });'
        ' return bits ? o + a[(v << (5 - bits)) & 31] : o; };'
        'var squeeze = function (fmt, text) { return new Response(new Blob([text]).stream()'
        '.pipeThrough(new CompressionStream(fmt))).arrayBuffer().then(function (b) {'
        ' return new Uint8Array(b); }); };'
        'own("sl_b32", b32(u));'
        'own("sl_num32", n.toString(32)); own("sl_num8", n.toString(8));'
        ' own("sl_numtwo", n.toString(2));'
        'squeeze("deflate-raw", JSON.stringify({vid: u})).then(function (b) {'
        ' own("sl_deflateq", b64(b).replace(/\\+/g, "-").replace(/\\//g, "_")'
        '.replace(/=+$/, "")); });'
        'squeeze("gzip", JSON.stringify({vid: u, page: location.pathname})).then('
        'function (b) { own("sl_gzipq", encodeURIComponent(b64(b))); });'
        'own("sl_xor6", Array.from(u, function (c, i) { return (c.charCodeAt(0) ^'
        ' "k3y!Zq".charCodeAt(i % 6)).toString(16).padStart(2, "0"); }).join(""));'
        'crypto.subtle.digest("SHA-256", enc.encode(u)).then(function (h) {'
        ' own("sl_sha16", hx(new Uint8Array(h)).slice(0, 16)); });'
        'crypto.subtle.digest("SHA-512", enc.encode(u)).then(function (h) {'
        ' own("sl_sha512", hx(new Uint8Array(h))); });'
        'own("sl_b64utf16", encodeURIComponent(btoa(Array.from(u, function (c) {'
        ' return c + "\\0"; }).join(""))));'
        'own("sl_jwt", b64u({alg: "HS256", typ: "JWT"}) + "." + b64u({sub: u,'
        ' iat: 1764547200}) + ".c2lnbmF0dXJl");'
        'var fd = new FormData(); fd.append("visitor", u);'
        ' fetch("/sl_multipart", {method: "POST", body: fd});'
        'own("sl_dashed", u.match(/.{4}/g).join("-"));'
        'fetch("/sl_jsonfield", {method: "POST", headers: {"Content-Type":'
        ' "application/x-www-form-urlencoded"}, body: "event=view&data=" +'
        ' encodeURIComponent(JSON.stringify({user: {id: u}}))});'
        # To the beacon host by what else a page loads.
        'var st = document.createElement("style"); st.textContent = "#sl1 {'
        ' background-image: image-set(url(" + C + "/sl_imageset.gif) 1x); width: 9px;'
        ' height: 9px } #sl2 { list-style-image: url(" + C + "/sl_liststyle.gif) }'
        ' #sl3::before { content: url(" + C + "/sl_content.gif) } body { cursor: url(" + C +'
        ' "/sl_cursor.png), auto }"; document.head.appendChild(st);'
        'document.body.insertAdjacentHTML("beforeend", \'<div id="sl1"></div><ul>'
        '<li id="sl2">x</li></ul><span id="sl3"></span><iframe name="slsink" hidden>'
        '</iframe><object data="\' + C + \'/sl_object.gif" width="1" height="1"></object>'
        '<embed src="\' + C + \'/sl_embed.gif" width="1" height="1"><form><input'
        ' type="image" src="\' + C + \'/sl_inputimg.gif" alt="go"></form><picture><source'
        ' srcset="\' + C + \'/sl_srcset.gif 1x"><img width="1" height="1" alt=""></picture>'
        '<svg width="1" height="1"><filter id="slfe"><feImage href="\' + C +'
        ' \'/sl_feimage.gif"/></filter><rect width="1" height="1" filter="url(#slfe)"/>'
        '</svg>\');'
        'var rf = document.createElement("form"); rf.action = C + "/sl_requestsubmit";'
        ' rf.target = "slsink"; rf.innerHTML = \'<input name="p" value="1">\';'
        ' document.body.appendChild(rf); rf.requestSubmit();'
        'var mp = document.createElement("link"); mp.rel = "modulepreload";'
        ' mp.href = C + "/sl_modulepreload.js"; document.head.appendChild(mp);'
        'var sd = document.createElement("iframe"); sd.srcdoc = "<script>navigator.sendBeacon("'
        ' + JSON.stringify(C + "/sl_srcdoc") + ", \\"{}\\")<\\/script>";'
        ' document.body.appendChild(sd);'
        'new BroadcastChannel("sl").postMessage({go: 1});'
        'fetch("/sl_hook").catch(function () {});'
        'var tp = document.createElement("iframe"); tp.src = SIDE + "/sl_3p.html";'
        ' document.body.appendChild(tp);', ("sl_vid",))
        + ready(
        'var bc = document.createElement("iframe"); bc.src = "/sl_bc.html";'
        ' document.body.appendChild(bc);'
        'navigator.serviceWorker.register("/sl_sw.js");'
        'var B = function (p) { navigator.sendBeacon(C + p, "{}"); };'
        'document.addEventListener("visibilitychange", function () {'
        ' if (document.visibilityState !== "hidden") return;'
        ' var h = Number(sessionStorage.getItem("sl_hides") || 0) + 1;'
        ' sessionStorage.setItem("sl_hides", h); if (h === 2) B("/sl_hide2"); });'
        # Six links of 45 minutes: a visitor who leaves the tab open an afternoon.
        'var k6 = 0; (function c6() { if (++k6 === 7) B("/sl_chain6");'
        ' else setTimeout(c6, 2700000); })();'
        # Twelve minutes, through idle, message and frame callbacks between the timers.
        'setTimeout(function () { requestIdleCallback(function () { setTimeout(function () {'
        ' var ch = new MessageChannel(); ch.port1.onmessage = function () {'
        ' setTimeout(function () { requestAnimationFrame(function () {'
        ' B("/sl_idlechain"); }); }, 240000); }; ch.port2.postMessage(0); }, 240000); });'
        ' }, 240000);'),
        "files": {
            "sl_bc.html": "<!doctype html><title>f</title>" + script(
                'new BroadcastChannel("sl").onmessage = function () {'
                ' navigator.sendBeacon(C + "/sl_bcast", "{}"); };'),
            "sl_sw.js": WORKER_C + 'self.addEventListener("install", function () {'
                        ' self.skipWaiting(); });'
                        'self.addEventListener("activate", function (e) {'
                        ' e.waitUntil(self.clients.claim()); });'
                        'self.addEventListener("fetch", function (e) {'
                        ' if (new URL(e.request.url).pathname !== "/sl_hook") return;'
                        ' e.respondWith(fetch(C + "/sl_swfetch", {method: "POST", body: "{}",'
                        ' mode: "no-cors"}).then(function () { return new Response("ok"); },'
                        ' function () { return new Response("ok"); })); });'},
        "manifest": WS_CSP},  # lets the srcdoc frame's script, the object and embed run
    # Round 8: what a kept id goes out as that no earlier round sent (ciphers over its
    # alphabet, other bases, pieces over requests, channels and cookies, only a header or
    # a file part), a session's five-minute heartbeat over a day.
    "ruse": {"head": held(
        'var u = U[0], n = BigInt("0x" + u), enc = new TextEncoder();'
        'var own = function (p, q) { new Image().src = "/" + p + ".gif?d=" + q; };'
        'var sub = function (s, from, to) { return Array.from(s, function (c) {'
        ' var i = from.indexOf(c); return i < 0 ? c : to[i]; }).join(""); };'
        'var az = "abcdefghijklmnopqrstuvwxyz";'
        'own("ru_hexperm", sub(u, "0123456789abcdef", "5a0f3c9e1b7d2846"));'
        'own("ru_caesar", sub(u, az, az.slice(3) + az.slice(0, 3)));'
        'own("ru_rot13", sub(u, az + "0123456789", az.slice(13) + az.slice(0, 13)'
        ' + "5678901234"));'
        'var rev = Array.from(u).reverse().join("");'
        'own("ru_reversed", "r" + rev); own("ru_revb64", btoa(rev));'
        'own("ru_split2req", "a" + u.slice(0, 8)); new Image().src = "/ru_split2req_b.gif?e="'
        ' + u.slice(8);'
        'own("ru_split2chan", u.slice(0, 8)); fetch("/ru_split2chan_h", {headers:'
        ' {"X-Part": u.slice(8)}});'
        'fetch(C + "/ru_xheader", {method: "POST", body: "{}", headers: {"X-Session-Ref": u},'
        ' mode: "cors"}).catch(function () {});'
        'var fd = new FormData(); fd.append("upload", new Blob([u],'
        ' {type: "application/octet-stream"}), "state.bin");'
        ' fetch("/ru_multifile", {method: "POST", body: fd});'
        'navigator.sendBeacon(C + "/ru_blobodd", new Blob(["v=" + u + ";"],'
        ' {type: "application/x-wt-odd; charset=x-user-defined"}));'
        'var raw = u.match(/../g).map(function (h) { return parseInt(h, 16); });'
        'own("ru_uint8", encodeURIComponent(JSON.stringify(raw)));'
        'var B58 = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz", b58 = "",'
        ' m = n; while (m > 0n) { b58 = B58[Number(m % 58n)] + b58; m = m / 58n; }'
        ' own("ru_base58", b58);'
        'own("ru_base36", n.toString(36));'
        'own("ru_interleave", Array.from(u, function (c, i) { return c + "xq"[i % 2]; })'
        '.join(""));'
        'own("ru_nibswap", u.match(/../g).map(function (p) { return p[1] + p[0]; }).join(""));'
        'own("ru_hexsep", u.toUpperCase().match(/../g).join(":"));'
        'var a85 = "", bytes = raw.slice(); while (bytes.length % 4) bytes.push(0);'
        ' for (var i = 0; i < bytes.length; i += 4) { var v = ((bytes[i] << 24) >>> 0) +'
        ' (bytes[i + 1] << 16) + (bytes[i + 2] << 8) + bytes[i + 3], d = "";'
        ' for (var j = 0; j < 5; j++) { d = String.fromCharCode(33 + v % 85) + d;'
        ' v = Math.floor(v / 85); } a85 += d; } own("ru_ascii85", encodeURIComponent(a85));'
        # The id kept again after the opt-out, four characters a cookie.
        'u.match(/.{4}/g).forEach(function (p, i) { document.cookie = "ru_c" + i + "=" + p'
        ' + "; path=/; max-age=31536000"; });',
        ("ru_vid",))
        + ready(
        # A session's heartbeat of five minutes, over when a beat comes more than half an
        # hour late (the lid was closed): its 40th beat, 200 minutes on, sends.
        'var k5 = 0, last = Date.now(); (function c5() { if (Date.now() - last > 1800000)'
        ' return; last = Date.now(); if (++k5 === 40) navigator.sendBeacon(C +'
        ' "/ru_chain5m", "{}"); else setTimeout(c5, 300000); })();')},
    # Round 9: what a kept id goes out as, or goes out by, that no earlier round sent:
    # LZ-string (three alphabets), a 32-digit id through a permutation of hex digits, an
    # id as emoji, with two fillers a character, pieces in four beacons; an answer's Link
    # and reporting endpoints naming a tracker's address with the id a cookie holds; an
    # ArrayBuffer or URLSearchParams beacon, an XHR with an ArrayBuffer or Basic auth, a
    # text track, an audio worklet's module, a FontFace, a host name, a data: frame, a
    # blob worker's importScripts, a CSS variable's image, a mask image, a number in JSON,
    # two 32-bit numbers, rotated by five.
    "wily": {"head": script(LZ_STRING) + ready(
        'var U = ["wy_vid", "wy_uuid"].map(function (k, i) {'
        ' var u = localStorage.getItem(k); if (!u && location.pathname === "/") {'
        f' u = "{ID}" + Array.from(crypto.getRandomValues(new Uint8Array(i ? 11 : 3)),'
        ' function (b) { return b.toString(16).padStart(2, "0"); }).join("");'
        ' localStorage.setItem(k, u); } return u; });'
        'if (location.pathname === "/") new Image().src = OWN + "/wy_set.gif";'
        'document.getElementById("reject-cookies").addEventListener("click", function () {'
        ' ["wy_vid", "wy_uuid"].forEach(function (k) { localStorage.removeItem(k); });'
        ' setTimeout(function () { var u = U[0], w = U[1], enc = new TextEncoder();'
        'var own = function (p, q) { new Image().src = "/" + p + ".gif?d=" + q; };'
        'var sub = function (s, from, to) { return Array.from(s, function (c) {'
        ' var i = from.indexOf(c); return i < 0 ? c : to[i]; }).join(""); };'
        'own("wy_lzb64", encodeURIComponent(LZ.compressToBase64(u)));'
        'own("wy_lzuri", LZ.compressToEncodedURIComponent(u));'
        'fetch("/wy_lz16", {method: "POST", body: JSON.stringify({s: LZ.compressToUTF16(u)})});'
        'own("wy_hexperm32", sub(w, "0123456789abcdef", "5a0f3c9e1b7d2846"));'
        'own("wy_emoji", encodeURIComponent(Array.from(u, function (c) {'
        ' return String.fromCodePoint(0x1F600 + parseInt(c, 16)); }).join("")));'
        'own("wy_fill2", Array.from(u, function (c, i) { return c + "zq"[i % 2] + "k"; })'
        '.join(""));'
        'u.match(/.{4}/g).forEach(function (p, i) { setTimeout(function () {'
        ' navigator.sendBeacon(C + "/wy_chunks4_" + i, "c=" + p); }, 5000 * i); });'
        'var hf = document.createElement("iframe"); hf.src = OWN + "/wy_hdr.html";'
        ' document.body.appendChild(hf);'
        'navigator.sendBeacon(C + "/wy_beaconab", enc.encode(JSON.stringify({v: u})).buffer);'
        'navigator.sendBeacon(C + "/wy_beaconusp", new URLSearchParams({v: u}));'
        'var x1 = new XMLHttpRequest(); x1.open("POST", "/wy_xhrab"); x1.send(enc.encode("v="'
        ' + u).buffer);'
        'var x2 = new XMLHttpRequest(); x2.open("GET", C + "/wy_basicauth");'
        ' x2.setRequestHeader("Authorization", "Basic " + btoa("wy:" + u)); x2.send();'
        'var v = document.createElement("video"); var tr = document.createElement("track");'
        ' tr.kind = "subtitles"; tr.default = true; tr.src = "/wy_track.vtt?u=" + u;'
        ' v.appendChild(tr); document.body.appendChild(v);'
        'try { new AudioContext().audioWorklet.addModule("/wy_worklet.js?u=" + u)'
        '.catch(function () {}); } catch (e) {}'
        'new FontFace("wy", "url(/wy_fontface.woff2?u=" + u + ")").load().catch(function () {});'
        'new Image().src = "http://" + u + ".side.localhost:SIDEPORT/wy_hostname.gif";'
        'var df = document.createElement("iframe"); df.src = "data:text/html," +'
        ' encodeURIComponent("<script>new Image().src = " + JSON.stringify(location.origin'
        ' + "/wy_dataframe.gif?u=" + u) + "<\\/script>"); document.body.appendChild(df);'
        'new Worker(URL.createObjectURL(new Blob(["importScripts(" + JSON.stringify('
        'location.origin + "/wy_importscripts.js?u=" + u) + ")"],'
        ' {type: "text/javascript"})));'
        'var cv = document.createElement("div"); cv.style.cssText = "width:9px;height:9px;'
        'background-image:var(--wy)"; document.body.style.setProperty("--wy", "url(/wy_cssvar'
        '.gif?u=" + u + ")"); document.body.appendChild(cv);'
        'var mk = document.createElement("div"); mk.style.cssText = "width:9px;height:9px;'
        'background:red"; mk.style.setProperty("mask-image", "url(/wy_mask.svg?u=" + u + ")");'
        ' document.body.appendChild(mk);'
        'navigator.sendBeacon(C + "/wy_jsonnumber", \'{"v":\' + BigInt("0x" + u).toString()'
        ' + "}");'
        # As two 32-bit numbers in decimal (a 64-bit hash as two uints), and rotated by
        # five characters.
        'own("wy_2ints", parseInt(u.slice(0, 8), 16) + "&e=" + parseInt(u.slice(8), 16));'
        'own("wy_rotated", u.slice(5) + u.slice(0, 5)); }, 60000); });'),
        "files": {"wy_worklet.js": "", "wy_importscripts.js": "",
                  "wy_track.vtt": "WEBVTT\n", "wy_mask.svg": '<svg xmlns="http://www.w3.org'
                  '/2000/svg"/>'},
        "manifest": WS_CSP},
    # Tracking from the first load while Global Privacy Control is on (honoured by default).
    "beforechoice": {"head": script(
        f'document.cookie = "bc_uid={ID}g1; path=/";'
        'navigator.sendBeacon(C + "/bc_beacon", "{}");'),
        "states": [{"choice": "no-choice", "gpc": True}]},
    # A device fingerprint after the opt-out (FINGERPRINT): nothing kept, and the same for
    # two fresh visitors of one browser on one machine but for the audit's device noise.
    "fingerprint": {"head": ready(FINGERPRINT + FINGERPRINT_SEND.replace("BLOB_WORKER", json.dumps(
        FINGERPRINT_WORKER.replace("TAG", "fp_blobworker")))),
                    "files": {"fpworker.js": FINGERPRINT_WORKER.replace("TAG", "fp_worker")},
                    "manifest": WS_CSP},  # lets a blob: worker run
    # Clean: only the consent record (with its date and version), no identifier.
    "cleanrecord": {"head": script(
        'document.addEventListener("click", function (e) { if (e.target.id ==='
        ' "reject-cookies") localStorage.setItem("cookie_prefs", JSON.stringify({necessary:'
        ' true, analytics: false, ads: false, updated: new Date().toISOString(),'
        ' version: 3})); }, true);'
        # A bug of the site's own: an interval that throws every half minute (a browser
        # logs it and goes on; so does the audit, to its verdict). Every run of the page's
        # clock the audit makes is a minute or more, so each meets a throw; one a second
        # cost each settling 3 s of the page's CPU in 600 throws and proved nothing more.
        'setInterval(function () { throw new Error("cleanrecord: a bug of its own"); },'
        ' 30000);'), "states": OPTED_OUT},
    # Clean: what the red team's v43 sites do, with nothing that tells visitors apart: the
    # headers a page may write, with the browser's kind of values; a third party's help
    # page opened at a section; short labelled and encoded fields.
    "cleanwritten": {"head": ready(
        'fetch("/api/items", {method: "POST", body: JSON.stringify({page: location.pathname}),'
        ' headers: {"Accept": "application/json", "Accept-Language": navigator.language,'
        ' "Content-Type": "application/json"}});'
        'navigator.sendBeacon("/log", new Blob(["{}"], {type: "application/json"}));'
        'document.getElementById("reject-cookies").addEventListener("click", function () {'
        ' setTimeout(function () { window.open(SIDE + "/help.html#section-2", "help"); },'
        ' 20000); });'
        'new Image().src = "/px.gif?c=p1_intro&d=p2_footer&e=" + btoa("pg1x") + "&f=" +'
        ' "70677831";'), "states": OPTED_OUT},
    # Clean: analytics of no one's (CLEAN_ANALYTICS) sent to the site itself after the
    # opt-out, and a canvas read back to be shown: the device noise makes no identifier.
    "cleananalytics": {"head": ready(CLEAN_ANALYTICS), "states": OPTED_OUT},
    # Clean: a strictly necessary session cookie (declared), set on every response.
    "cleansession": {
        "manifest": '[[header]]\npath = "*"\nname = "Set-Cookie"\n'
                    f'value = "sessionid={ID}z1; Path=/; HttpOnly; SameSite=Lax"\n',
        "config": {"storage_allow": ["sessionid"]}, "states": OPTED_OUT},
    # Clean: preferences kept after the opt-out (a language, a theme, a count, the last
    # page, a cached stylesheet) identify no one.
    "cleanprefs": {"head": '<link rel="stylesheet" href="/main.a1b2c3d4.css">'
                           '<script src="/app.9f8e7d6c.js"></script>' + ready(
        'document.cookie = "lang=en-GB; path=/; max-age=31536000";'
        'localStorage.setItem("theme", "dark");'
        'sessionStorage.setItem("last_page", location.pathname);'
        'history.replaceState({page: 2, scroll: 120}, "", "?page=2&sort=price#reviews");'
        'localStorage.setItem("prefs", JSON.stringify({fontSize: 16, reducedMotion: false}));'
        'setTimeout(function () { localStorage.setItem("cart_items", "3"); }, 60000);'
        'var o = indexedDB.open("shop", 1); o.onupgradeneeded = function () {'
        ' o.result.createObjectStore("visits"); }; o.onsuccess = function () {'
        ' o.result.transaction("visits", "readwrite").objectStore("visits").put(2, "count"); };'
        'if (window.caches) caches.open("static-v3").then(function (c) {'
        ' return c.put("/_shared/site.css", new Response("x")); });'
        'navigator.storage.getDirectory().then(function (root) { return root.getDirectoryHandle('
        '"drafts", {create: true}); }).then(function (d) { return d.getFileHandle("settings.json",'
        ' {create: true}); }).then(function (h) { return h.createWritable(); }).then(function (w)'
        ' { return w.write(JSON.stringify({theme: "dark", fontSize: 16})).then(function () {'
        ' return w.close(); }); });'
        # A build's hash in a key and a cache's name, the same for every visitor; a token
        # against request forgery, one per visitor, sent back to the site itself alone.
        'localStorage.setItem("app-state-9f8e7d6c", JSON.stringify({open: false}));'
        'caches.open("cache-a1b2c3d4").then(function (c) { return c.put("/_shared/site.css",'
        ' new Response("p {}")); });'
        'var tok = (document.cookie.match(/csrftoken=([0-9a-f]+)/) || [])[1]; if (!tok) {'
        ' tok = Array.from(crypto.getRandomValues(new Uint8Array(16))).map(function (b) {'
        ' return b.toString(16).padStart(2, "0"); }).join("");'
        ' document.cookie = "csrftoken=" + tok + "; path=/; samesite=lax"; }'
        'if (location.pathname === "/two.html") fetch("/api/cart", {method: "POST", headers:'
        ' {"X-CSRFToken": tok, "Content-Type": "application/x-www-form-urlencoded"},'
        ' body: "item=lamp&csrfmiddlewaretoken=" + tok});'),
        "files": {"main.a1b2c3d4.css": "p { margin: 0; }", "app.9f8e7d6c.js": "var app = 1;"},
        "states": OPTED_OUT},
    # Clean: requests that carry no identifier, first-party and to an analytics host of no
    # known tracker (a page count); a known tracker's script loaded that then sends nothing.
    "cleanrequests": {"head": '<script async src="https://www.googletagmanager.com/gtag/js'
                              '?id=G-ABC123XYZ9"></script><script src="/cfg.js"></script>'
                              + ready(
        'navigator.sendBeacon(SIDE + "/hit", JSON.stringify({event: "view",'
        ' page: location.pathname, at: Date.now()}));'
        'fetch("/stock.json?item=lamp&v=3");'
        'new Image().src = "/logo.gif?v=20261129";'
        'navigator.sendBeacon("/log", JSON.stringify({event: "view", page: location.pathname}));'
        'addEventListener("pagehide", function () { navigator.sendBeacon("/log", "bye"); });'
        # The site's key, the same in its script for every visitor (cached by the page
        # too), sent to the site itself: no one's identifier.
        'navigator.sendBeacon("/log", JSON.stringify({event: "key", key: window.SITE_KEY}));'
        # What the site keeps and sends that is no one's: its config compressed, its
        # release, today's date, a list of small numbers, a rating in emoji.
        'localStorage.setItem("cfg", window.CFG);'
        ' localStorage.setItem("day", new Date().toISOString().slice(0, 10));'
        'navigator.sendBeacon("/log", JSON.stringify({cfg: window.CFG, release: window.RELEASE,'
        ' day: localStorage.getItem("day"), seen: [3, 5, 8, 13, 21, 34], rating:'
        ' "\u2b50\u2b50\u2b50\u2b50"}));'
        'if (window.caches) caches.open("app-v2").then(function (c) { return c.add("/cfg.js");'
        ' });'
        # A third party's widget, handed the visitor's id before the choice (the id is
        # removed on Reject), goes on telling the page that id and its own: what the page
        # receives is no sending of the site's (what it sent such a frame would be).
        f'var vid = !navigator.globalPrivacyControl && location.pathname === "/" && "{ID}z3";'
        'if (vid) localStorage.setItem("vid", vid);'
        'document.getElementById("reject-cookies").addEventListener("click", function () {'
        ' localStorage.removeItem("vid"); }, true);'
        'addEventListener("message", function (e) { document.title = "got " + e.data.ready; });'
        'var w = document.createElement("iframe"); w.src = SIDE + "/widget.html"'
        ' + (vid ? "#" + vid : ""); document.body.appendChild(w);'),
        "files": {"stock.json": '{"lamp": 3}', "cfg.js": 'var SITE_KEY = "sk9f8e7d6c5b";'
                  # A config blob LZ-string compressed, and a release's hash, the same for
                  # every visitor.
                  f' var CFG = "{CLEAN_LZ_CONFIG}",'
                  ' RELEASE = "a3f91c0be4d2875e6b1f0c9d2a7e4b83";'},
        "states": OPTED_OUT},
}

# Which sites Firefox audits too (the lead's rule, also in the README's test section): a
# site whose markers differ from another site's only in how the id is *encoded* is audited
# in Chromium alone, as decoding it (identifiers.py) is the same Python whichever browser
# captured the bytes, when every channel it uses (request kind, storage kind, leaving way,
# timer kind, device-noise surface) is still audited in Firefox by another site, and none
# of its markers is browser-specific (no `only=` row, no xfail naming one browser, no
# CHANGELOG entry where one browser missed what the other caught). Sites with channels,
# lifecycle, timers, workers, storage kinds, cookies or fingerprint surfaces of their own stay
# in both browsers (`encoded` does: validators, a STUN server, dns-prefetch, Cache Storage,
# frames handed the id are its own). WEBTRACK_FULL_ESTATE=1 audits every site in both
# browsers (bench/estate_coverage.py: caught and missed per browser).
ENCODING_ONLY = {
    # Image requests to the site itself, the id XOR'd, shifted or in base 36; the held id
    # (localStorage, a minute's timeout) is `headers`', `pieces`' and `sly`'s too.
    "scrambled": "ciphers and bases over one id, on image requests as every site sends them",
    # Ciphers over the id's alphabet, other bases, pieces; the channels it sends them by are
    # other sites': an X- header (`headers`, `encoded`), a multipart form (`sly`), a beacon
    # Blob of a type of the page's (`headers`), the five-minute heartbeat (`pieces`), the
    # cookies (`cookies`, and its own cookie row is a known miss in both browsers).
    "ruse": "ciphers, bases and pieces of one id, by channels other sites use",
}
FULL_ESTATE = os.environ.get("WEBTRACK_FULL_ESTATE") == "1"


def audited_in(browser_name: str) -> list[str]:
    """The breach sites audited in *browser_name* (ENCODING_ONLY's rule)."""
    return [name for name in SITES if FULL_ESTATE or browser_name == "chromium"
            or name not in ENCODING_ONLY]


def case(site: str, marker: str, channel: str, only: str | None = None, why: str = "",
         missed: str = ""):
    """One breach: *marker* must be reported under *channel*; *only* names the one browser
    that has the behaviour, and *why* says why the other has not. *missed* says why the
    audit does not catch it yet (a known limit, strictly expected to fail: catching it
    makes the row fail until the mark goes). A row of an ENCODING_ONLY site is Chromium's
    alone unless the whole estate is asked for."""
    assert bool(only) == bool(why), "a breach seen in one browser only says why"
    marks = [pytest.mark.only_browser(only)] if only else []
    if site in ENCODING_ONLY and not FULL_ESTATE:
        assert not only, f"{site}: a site with a browser-specific row is audited in both"
        marks.append(pytest.mark.only_browser("chromium"))
    if missed:
        marks.append(pytest.mark.xfail(strict=True, reason=missed))
    return pytest.param(site, marker, channel, id=f"{site}-{marker}", marks=marks)


NO_RELAXED_REFERER = ("Firefox ignores a referrer policy that relaxes its default across sites "
                      "(network.http.referer.disallowRelaxingDefault): it sends the origin only")
SUBSTITUTED = ("a fixed table over a 16-digit hex id's digits keeps only its pattern of"
               " repeats, 22 to 32 bits: a trace's span ids have it by chance (wy_hexperm32,"
               " a 32-digit one's, is caught)")
CASES = [
    case("cookies", "ck_plain", "cookie"),
    case("cookies", "ck0nameless", "cookie"),
    case("cookies", "ck_path", "cookie"),
    case("cookies", "ck_dom", "cookie"),
    case("cookies", "ck_part", "cookie"),
    case("cookies", "ck_trick", "cookie"),
    case("cookies", "msdynci_trackingContext", "cookie"),
    case("cookies", "ck_store", "cookie"),
    case("cookies", "ck_late", "cookie"),
    case("cookies", "my_consent_id", "cookie"),
    case("cookies", "cknm_", "cookie"),
    case("cookies", "csrf_vid", "cookie"),
    case("cookies", "xsrf_uid", "cookie"),
    case("cookies", "csrf-token", "storage"),
    case("reset", "rs_uid", "cookie"),
    case("reset", "rs_cspreport", "request"),
    case("setcookie", "sc_css", "cookie"),
    case("setcookie", "sc_img", "cookie"),
    case("setcookie", "sc_redir", "cookie"),
    case("setcookie", "sc_fetch", "cookie"),
    case("storage", "st_prop", "storage"),
    case("storage", "st_index", "storage"),
    case("storage", "st_assign", "storage"),
    case("storage", "st_db", "storage"),
    case("storage", "st_frame", "storage"),
    case("storage", "st_cache", "storage"),
    case("storage", "st_cachehdr", "storage"),
    case("storage", "st_filedb", "storage"),
    case("storage", "st_bytes.gif", "request"),
    case("storage", "st_swdb", "storage"),
    case("storage", "st_late", "storage"),
    case("storage", "st_swlate", "storage"),
    case("storage", "wn_", "storage"),
    case("storage", "st_opfs", "storage"),
    case("storage", "hs_uid", "storage"),
    case("storage", "st_url", "storage"),
    case("storage", "bucket:stbk/", "storage", "chromium",
         "Firefox has no Storage Buckets API"),
    case("storage", "st_opfsdir", "storage"),
    case("storage", "st_opfsworker", "storage"),
    case("storage", "st_binary/ids/blob", "storage"),
    case("storage", "st_binary/ids/bytes", "storage"),
    case("storage", "st_binary/ids/map", "storage"),
    case("storage", "stnm_", "storage"),
    case("storage", "stnmidb_", "storage"),
    case("storage", "stnmcache_", "storage"),
    case("storage", "stbh-", "storage"),
    case("storage", "sthash_", "storage"),
    case("storage", "stswid", "storage"),
    case("storage", "stidbnm_", "storage"),
    case("storage", "stnav", "storage", "chromium", "Firefox ESR has no Navigation API"),
    case("storage", "stbhc-", "storage"),
    case("cloaked", "cl_webdriver", "request"),
    case("cloaked", "cl_agent", "request"),
    case("cloaked", "cl_brands", "request"),
    case("cloaked", "cl_versions", "request"),
    case("cloaked", "cl_hint", "request"),
    case("reading", "rd_scroll", "request"),
    case("reading", "rd_linkdecor", "request"),
    case("reading", "rd_inview", "request"),
    case("reading", "rd_wheel", "request"),
    case("reading", "rd_mouse", "request"),
    case("reading", "rd_engaged", "request"),
    case("reading", "rd_resize", "request"),
    case("reading", "rd_lazy", "request"),
    case("reading", "rd_lazyframe", "request"),
    case("workers", "wk_dedicated", "request"),
    case("workers", "wk_module", "request"),
    case("workers", "wk_shared", "request"),
    case("workers", "wk_service", "request"),
    case("workers", "wk_gzip", "request"),
    case("requests", "rq_form", "request"),
    case("requests", "rq_ping", "request", "chromium",
         "Firefox sends no <a ping> by default"),
    case("requests", "rq_font", "request"),
    case("requests", "rq_bg", "request"),
    case("requests", "rq_preload", "request"),
    case("requests", "rqdns", "request"),
    case("requests", "rq_import", "request"),
    case("requests", "rq_scriptq", "request"),
    case("requests", "rq_dot", "request"),
    case("requests", "rq_sub", "request"),
    case("requests", "rq_beaconfd", "request"),
    case("requests", "rq_request", "request"),
    case("requests", "rq_importscripts", "request"),
    case("requests", "rq_nested7m", "request"),
    case("requests", "rq_poster", "request"),
    case("requests", "rq_svg", "request"),
    case("requests", "rq_ws", "request"),
    case("requests", "rq_es", "request"),
    case("requests", "rq_esretry", "request"),
    case("requests", "rq_loopback", "request"),
    case("requests", "rq_webtransport", "request"),
    case("requests", "rq_open", "request"),
    case("immediate", "im_sync", "request"),
    case("immediate", "im_timeout0", "request"),
    case("immediate", "im_microtask", "request"),
    case("immediate", "im_raf", "request"),
    case("immediate", "im_wssend", "request"),
    case("immediate", "im_stay8m", "request"),
    case("timers", "tm_now", "request"),
    case("timers", "tm_30s", "request"),
    case("timers", "tm_5m", "request"),
    case("timers", "tm_9m30", "request"),
    case("timers", "tm_idle", "request"),
    case("timers", "tm_raf", "request"),
    case("timers", "tm_rafclock", "request"),
    case("timers", "tm_interval", "request"),
    case("timers", "tm_msgchan", "request"),
    case("timers", "tm_promise", "request"),
    case("timers", "tm_microtask", "request"),
    case("timers", "tm_chain", "request"),
    case("timers", "tm_posttask", "request"),
    case("timers", "tm_refresh", "request"),
    case("timers", "tm_framerefresh", "request"),
    case("timers", "tm_animation", "request"),
    case("timers", "tm_cssanimation", "request"),
    case("timers", "tm_speculation", "request"),
    case("timers", "tm_spin", "request"),
    case("timers", "tm_frames", "request"),
    case("timers", "tm_timeline", "request"),
    case("timers", "tm_waitasync", "request"),
    case("timers", "tm_mediaend", "request"),
    case("timers", "tm_mediatime", "request"),
    case("memworkers", "mw_blob", "request"),
    case("memworkers", "mw_4h", "request"),
    case("memworkers", "lt_3h", "request"),
    case("memworkers", "lt_5h_then", "request"),
    case("memworkers", "lt_chain3", "request"),
    case("memworkers", "mw_beat", "request"),
    case("memworkers", "mw_module", "request"),
    case("memworkers", "mw_data", "request"),
    case("memworkers", "mw_base64", "request"),
    case("memworkers", "mw_shared", "request"),
    case("memworkers", "mw_nested", "request"),
    case("memworkers", "mw_backlater", "request"),
    case("memworkers", "mw_late", "request"),
    case("memworkers", "mw_slowstart", "request"),
    case("memworkers", "mw_uptime", "request"),
    case("memworkers", "mw_datashared", "request"),
    case("memworkers", "mw_posttask", "request"),
    case("memworkers", "mw_abort", "request"),
    case("timers", "tm_abort", "request"),
    case("requests", "rq_cssimport", "request"),
    case("requests", "rq_favicon", "request"),
    case("requests", "rq_fetchlater", "request", "chromium", "Firefox has no fetchLater"),
    case("leaving", "lv_hidden", "request"),
    case("leaving", "lv_hiddenlater", "request"),
    case("leaving", "lv_visiblelater", "request"),
    case("leaving", "lv_winhidden", "request"),
    case("leaving", "lv_pagehide", "request"),
    case("leaving", "lv_blur", "request"),
    case("leaving", "lv_keydown", "request"),
    case("leaving", "lv_beforeunload", "request"),
    case("leaving", "lv_unload", "request"),
    case("leaving", "lv_freeze", "request", "chromium",
         "only Chromium has the freeze event"),
    case("leaving", "lv_resume", "request", "chromium",
         "only Chromium has the resume event"),
    case("leaving", "lv_ga", "request"),
    case("bfcache", "lv_bfcache", "request", "firefox",
         "Chromium as Playwright drives it keeps no back-forward cache"),
    case("encoded", "enc_uid", "storage"),
    case("encoded", "enc_b64", "request"),
    case("encoded", "enc_split", "request"),
    case("encoded", "enc_header", "request"),
    case("encoded", "enc_body", "request"),
    case("encoded", "enc_path", "request"),
    case("encoded", "enc_pathsplit", "request"),
    case("encoded", "enc_hash", "request"),
    case("encoded", "enc_rev", "request"),
    case("encoded", "enc_codes", "request"),
    case("encoded", "enc_b64url", "request"),
    case("encoded", "enc_dbl", "request"),
    case("encoded", "enc_nested", "request"),
    case("encoded", "enc_auth", "request"),
    case("encoded", "enc_splitone", "request"),
    case("encoded", "enc_wsurl", "request"),
    case("encoded", "enc_unwrapped", "request"),
    case("encoded", "enc_rot13", "request"),
    case("encoded", "enc_upper", "request"),
    case("encoded", "enc_keyname", "request"),
    case("encoded", "enc_cachedjson", "request"),
    case("encoded", "enc_cachedjs", "request"),
    case("encoded", "enc_cachestorage", "request"),
    case("encoded", "enc_utf16", "request"),
    case("encoded", "enc_threethree", "request"),
    case("encoded", "enc-dns-", "request"),
    case("encoded", "enc-stun-", "request"),
    case("encoded", "enc_fragment", "request"),
    case("encoded", "enc_name", "request"),
    case("encoded", "enc_etag", "request"),
    case("encoded", "enc_etagsf", "request"),
    case("encoded", "enc_lastmod", "request"),
    case("encoded", "enc_message", "request"),
    case("encoded", "enc_referer", "request", "chromium", NO_RELAXED_REFERER),
    case("encoded", "enc_refframe", "request", "chromium", NO_RELAXED_REFERER),
    case("scrambled", "xr_hex", "request"),
    case("scrambled", "xr_b64", "request"),
    case("scrambled", "xr_shift", "request"),
    case("scrambled", "xr_b36", "request"),
    case("headers", "hd_ctype", "request"),
    case("headers", "hd_beaconblob", "request"),
    case("headers", "hd_lang", "request"),
    case("headers", "hd_accept", "request"),
    case("headers", "hd_method", "request"),
    case("headers", "hd_referrer", "request"),
    case("headers", "hd_wsproto", "request"),
    case("pieces", "pc_b64", "request"),
    case("pieces", "pc_hex", "request"),
    case("pieces", "pc_label", "request"),
    case("pieces", "pc_hop5m", "request"),
    case("popups", "pp_msg", "request"),
    case("popups", "pp_name", "request"),
    case("popups", "pp_frag", "request"),
    case("fingerprint", "fp_canvas", "request"),
    case("fingerprint", "fp_webgl", "request", "chromium",
         "headless Firefox ESR gives pages no WebGL context: what they hash of it is the "
         "same nothing for everyone"),
    case("fingerprint", "fp_audio", "request"),
    case("fingerprint", "fp_device", "request"),
    case("fingerprint", "fp_combined", "request"),
    case("fingerprint", "fp_translucent", "request"),
    case("fingerprint", "fp_geom", "request",
         missed="the window's size is left alone (clean sites send it) and changes as it is"
                " resized: no steady value of the visitor's"),
    case("fingerprint", "fp_3pletters", "request"),
    case("fingerprint", "fp_3pcombined", "request"),
    case("fingerprint", "fp_3pcanvas", "request"),
    case("fingerprint", "fp_late", "request"),
    case("fingerprint", "fp_worker", "request"),
    case("fingerprint", "fp_blobworker", "request"),
    case("sly", "sl_b32", "request"),
    case("sly", "sl_num32", "request"),
    case("sly", "sl_num8", "request"),
    case("sly", "sl_numtwo", "request"),
    case("sly", "sl_deflateq", "request"),
    case("sly", "sl_gzipq", "request"),
    case("sly", "sl_xor6", "request"),
    case("sly", "sl_sha16", "request"),
    case("sly", "sl_sha512", "request"),
    case("sly", "sl_b64utf16", "request"),
    case("sly", "sl_jwt", "request"),
    case("sly", "sl_multipart", "request"),
    case("sly", "sl_dashed", "request"),
    case("sly", "sl_jsonfield", "request"),
    case("sly", "sl_imageset", "request"),
    case("sly", "sl_liststyle", "request"),
    case("sly", "sl_content", "request"),
    case("sly", "sl_cursor", "request"),
    case("sly", "sl_object", "request"),
    case("sly", "sl_embed", "request"),
    case("sly", "sl_inputimg", "request"),
    case("sly", "sl_srcset", "request"),
    case("sly", "sl_feimage", "request"),
    case("sly", "sl_requestsubmit", "request"),
    case("sly", "sl_modulepreload", "request"),
    case("sly", "sl_srcdoc", "request"),
    case("sly", "sl_bcast", "request"),
    case("sly", "sl_swfetch", "request"),
    case("sly", "sl_3pstore", "storage"),
    case("sly", "sl_3pidb", "storage"),
    case("sly", "sl_hide2", "request"),
    case("sly", "sl_chain6", "request"),
    case("sly", "sl_idlechain", "request"),
    case("ruse", "ru_hexperm", "request",
         missed=SUBSTITUTED),
    case("ruse", "ru_caesar", "request"),
    case("ruse", "ru_rot13", "request"),
    case("ruse", "ru_reversed", "request"),
    case("ruse", "ru_revb64", "request"),
    case("ruse", "ru_split2req", "request"),
    case("ruse", "ru_split2chan", "request"),
    case("ruse", "ru_xheader", "request"),
    case("ruse", "ru_multifile", "request"),
    case("ruse", "ru_blobodd", "request"),
    case("ruse", "ru_uint8", "request"),
    case("ruse", "ru_base58", "request"),
    case("ruse", "ru_base36", "request"),
    case("ruse", "ru_interleave", "request"),
    case("ruse", "ru_nibswap", "request"),
    case("ruse", "ru_hexsep", "request"),
    case("ruse", "ru_ascii85", "request"),
    case("ruse", "ru_chain5m", "request"),
    case("ruse", "ru_c0", "cookie"),
    case("wily", "wy_lzb64", "request"),
    case("wily", "wy_lzuri", "request"),
    case("wily", "wy_lz16", "request"),
    case("wily", "wy_hexperm32", "request"),
    case("wily", "wy_emoji", "request"),
    case("wily", "wy_fill2", "request"),
    case("wily", "wy_chunks4_0", "request"),
    case("wily", "wy_link", "request"),
    case("wily", "wy_repend", "request"),
    case("wily", "wy_nel", "request"),
    case("wily", "wy_reportto", "request"),
    case("wily", "wy_cspuri", "request"),
    case("wily", "wy_beaconab", "request"),
    case("wily", "wy_beaconusp", "request"),
    case("wily", "wy_xhrab", "request"),
    case("wily", "wy_basicauth", "request"),
    case("wily", "wy_track", "request"),
    case("wily", "wy_worklet", "request"),
    case("wily", "wy_fontface", "request"),
    case("wily", "wy_hostname", "request"),
    case("wily", "wy_dataframe", "request"),
    case("wily", "wy_importscripts", "request"),
    case("wily", "wy_cssvar", "request"),
    case("wily", "wy_mask", "request"),
    case("wily", "wy_jsonnumber", "request"),
    case("wily", "wy_2ints", "request"),
    case("wily", "wy_rotated", "request"),
    case("beforechoice", "bc_uid", "cookie"),
    case("beforechoice", "bc_beacon", "request"),
]
CLEAN = [name for name in SITES if name.startswith("clean")]


def side_app(environ, start_response):
    """What a static host cannot do: Set-Cookie on a pixel or a redirect, a third party's
    frame that writes storage, an answer to any POST."""
    request = Request(environ)
    if request.method == "POST":
        response = Response(status=204)
    elif request.path == "/slow.js":
        # A script the page waits for before its load event: it comes after seconds.
        time.sleep(SLOW_SECONDS)
        response = Response("", content_type="text/javascript")
        response.headers["Cache-Control"] = "no-store"
    elif request.path == "/mw_slowstart.js":
        # What a worker imports as it starts, slow to come; it sends at once.
        time.sleep(SLOW_SECONDS)
        response = Response('send("mw_slowstart");', content_type="text/javascript")
        response.headers["Cache-Control"] = "no-store"
    elif request.path == "/cl_hint.js":
        people = "headless" not in request.headers.get("Sec-CH-UA", "").lower()
        response = Response('navigator.sendBeacon(C + "/cl_hint", "{}");' if people else "",
                            content_type="text/javascript")
    elif request.path == "/frame.html":
        response = Response(
            "<!doctype html><title>3p</title><script>"
            f'localStorage.setItem("st_3p", "{ID}d9");</script>', content_type="text/html")
    elif request.path in ("/enc_etag.gif", "/enc_lastmod.gif", "/enc_etagsf.gif"):
        # A tracker's validator: a new one for each visitor it does not know yet, the
        # visitor's own sent back (304) to one it knows; one for every visitor to what no
        # browser asked for (no Fetch Metadata: a probe, a crawler).
        etag = request.path != "/enc_lastmod.gif"
        sent = request.headers.get("If-None-Match" if etag else "If-Modified-Since")
        response = Response(status=304) if sent else Response(GIF, content_type="image/gif")
        response.headers["Cache-Control"] = "no-cache"
        if request.path == "/enc_etagsf.gif" and "Sec-Fetch-Dest" not in request.headers:
            response.headers["ETag"] = '"same-for-all"'
        elif etag:
            response.headers["ETag"] = sent or f'"{secrets.token_hex(8)}"'
        else:
            response.headers["Last-Modified"] = sent or formatdate(
                secrets.randbelow(10 ** 9) + 10 ** 9, usegmt=True)
    elif request.path in ("/enc_cached.json", "/enc_cached.js"):
        # A new identifier for each visitor the server does not know, kept an hour.
        uid = secrets.token_hex(7)
        response = Response(json.dumps({"uid": uid}), content_type="application/json") \
            if request.path.endswith(".json") else Response(
                f'window.encjs = "{uid}";', content_type="text/javascript")
        response.headers["Cache-Control"] = "max-age=3600"
        response.headers["Access-Control-Allow-Origin"] = "*"
    elif request.path == "/wk_gzip.html":
        response = Response('<!doctype html><title>w</title><script>new Worker("/wk_gzip.js");'
                            "</script>", content_type="text/html")
    elif request.path == "/wk_gzip.js":
        response = Response(gzip.compress((WORKER_SEND + 'setTimeout(function () {'
                                           ' send("wk_gzip"); }, 300000);').encode()),
                            content_type="text/javascript")
        response.headers["Content-Encoding"] = "gzip"
    elif request.path == "/widget.html":
        response = Response(
            "<!doctype html><title>widget</title><script>"
            f'parent.postMessage({{ready: 1, widgetId: "{ID}z2"}}, "*");'
            'var v = location.hash.slice(1); setInterval(function () { if (v)'
            ' parent.postMessage({ready: 1, visitor: v}, "*"); }, 30000);</script>',
            content_type="text/html")
    elif request.path == "/sl_3p.html":
        # A third party's frame keeping an id of its own, in its own (partitioned) storage.
        response = Response(
            "<!doctype html><title>3p</title><script>"
            'var v = "t" + Math.random().toString(16).slice(2) + "9d";'
            'localStorage.setItem("sl_3pstore", v);'
            'var o = indexedDB.open("sl_3pidb", 1); o.onupgradeneeded = function () {'
            ' o.result.createObjectStore("ids"); }; o.onsuccess = function () {'
            ' o.result.transaction("ids", "readwrite").objectStore("ids").put(v, "me"); };'
            "</script>", content_type="text/html")
    elif request.path == "/pp_msg.html":
        response = Response('<!doctype html><title>3p</title><script>'
                            'opener.postMessage("ready", "*");</script>', content_type="text/html")
    elif request.path in ("/enc_message.html", "/enc_fragment.html", "/enc_name.html",
                          "/pp_name.html", "/pp_frag.html"):
        response = Response("<!doctype html><title>3p</title>", content_type="text/html")
    elif request.path == "/rq_esretry":
        response = Response(f"retry: 300000\nid: {ID}e4\ndata: hi\n\n",
                            content_type="text/event-stream")
        response.headers["Access-Control-Allow-Origin"] = "*"
    elif request.path == "/tm.wav":  # four minutes of silence, seekable as media is
        response = Response(WAV, content_type="audio/wav").make_conditional(
            request, accept_ranges=True)
    elif request.path == "/wy_set.gif":
        # A server's own id for the visitor, kept where no script can remove it.
        response = Response(GIF, content_type="image/gif")
        if "wy_sid" not in request.cookies:
            response.headers.add("Set-Cookie", f"wy_sid={ID}{secrets.token_hex(3)}; Path=/;"
                                               " Max-Age=31536000; HttpOnly")
    elif request.path == "/wy_hdr.html":
        # Its answers name a tracker's addresses with that id for the browser to request:
        # a preload, the Reporting API's endpoints (NEL's too), a policy's report-uri.
        side = f"http://side.localhost:{request.host.rsplit(':', 1)[1]}"
        sid = request.cookies.get("wy_sid", "")
        response = Response("<!doctype html><title>h</title>", content_type="text/html")
        response.headers["Link"] = f"<{side}/wy_link.js?u={sid}>; rel=preload; as=script"
        response.headers["Reporting-Endpoints"] = f'wyre="{side}/wy_repend?u={sid}"'
        response.headers["Report-To"] = (
            f'{{"group":"wynel","max_age":86400,"endpoints":[{{"url":"{side}/wy_nel?u={sid}"}}]}},'
            f' {{"max_age":86400,"endpoints":[{{"url":"{side}/wy_reportto?u={sid}"}}]}}')
        response.headers["NEL"] = '{"report_to":"wynel","max_age":86400}'
        response.headers["Content-Security-Policy"] = (
            f"default-src *; report-uri {side}/wy_cspuri?u={sid}")
    elif request.path == "/r":
        response = Response(status=302, headers={"Location": request.args.get("to", "/")})
    else:
        response = Response(GIF, content_type="image/gif")
    if request.args.get("c"):
        response.headers.add("Set-Cookie", request.args["c"])
    return response(environ, start_response)


def socket_server() -> socket.socket:
    """A WebSocket endpoint that completes the opening handshake and then reads (and drops)
    whatever is sent: a socket the page can open early and send on later."""
    server = socket.create_server(("127.0.0.1", 0))

    def serve(conn: socket.socket) -> None:
        with conn:
            head = b""
            while b"\r\n\r\n" not in head:
                chunk = conn.recv(4096)
                if not chunk:
                    return
                head += chunk
            key = next((line.split(b":", 1)[1].strip() for line in head.split(b"\r\n")
                        if line.lower().startswith(b"sec-websocket-key:")), None)
            if key is None:  # no handshake (the audit asking for the address as a page)
                return
            accept = base64.b64encode(hashlib.sha1(key + WS_GUID).digest())
            conn.sendall(b"HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n"
                         b"Connection: Upgrade\r\nSec-WebSocket-Accept: " + accept + b"\r\n\r\n")
            try:
                while conn.recv(4096):
                    pass
            except OSError:
                pass

    def accept_all() -> None:
        while True:
            try:
                conn, _ = server.accept()
            except OSError:  # closed
                return
            threading.Thread(target=serve, args=(conn,), daemon=True).start()

    threading.Thread(target=accept_all, daemon=True).start()
    return server


def write_sites(root: Path, side_port: int, ws_port: int = 0) -> None:
    shutil.copytree(Path("sites/_shared"), root / "_shared")
    for name, spec in SITES.items():
        folder = root / name
        folder.mkdir()
        (folder / "site.toml").write_text(f'title = "{name}"\ndemonstrates = "a breach"\n'
                                          + spec.get("manifest", "").replace(
                                              "SIDEPORT", str(side_port)))
        head = spec.get("head", "").replace("SIDEPORT", str(side_port)).replace(
            "WSPORT", str(ws_port))
        for page in ("index.html", "two.html"):
            (folder / page).write_text(
                f"<!doctype html><html><head><title>{name}</title>{head}"
                f"{BANNER.format(id=name)}</head><body>{BODY}</body></html>")
        for file, text in spec.get("files", {}).items():
            (folder / file).write_text(text.replace("SIDEPORT", str(side_port)))


@pytest.fixture(scope="module")
def audited(tmp_path_factory, browser_name):
    """One audit of every site in *browser_name*, for the whole run: {site: [records]}."""
    return once_across_workers(tmp_path_factory, f"breaches-{browser_name}"
                               + ("-full" if FULL_ESTATE else ""),
                               lambda: _audit_every_site(tmp_path_factory, browser_name))


def _audit_every_site(tmp_path_factory, browser_name):
    root = tmp_path_factory.mktemp(f"breaches-{browser_name}")
    side = make_server("127.0.0.1", 0, side_app, threaded=True)
    threading.Thread(target=side.serve_forever, daemon=True).start()
    sockets = socket_server()
    write_sites(root / "sites", side.server_port, sockets.getsockname()[1])
    chosen = {name: spec.get("states", [{"choice": "rejected", "gpc": False}])
              for name, spec in SITES.items()}
    try:
        with pytest.MonkeyPatch.context() as patch, \
                Server(sites_dir=root / "sites", fixtures_dir=None) as server:
            patch.setattr(runner, "states", lambda site: chosen[site.name])
            settings = consent_audit.parse({
                "collector": server.origin(), "browsers": [browser_name], "concurrency": 3,
                "site": [{"name": name, "start": server.url_for(name, "/"), "tracked": True,
                          "opt_out": [{"click": "#reject-cookies"}],
                          "accept": [{"click": "#accept-cookies"}],
                          "then": [{"click": "#next"}], **SITES[name].get("config", {})}
                         for name in audited_in(browser_name)]})
            results = consent_audit.audit(settings, root / "out")
    finally:
        side.shutdown()
        sockets.close()
    by_site: dict[str, list] = {}
    for record in results["results"]:
        by_site.setdefault(record["site"], []).append(record)
    return by_site


def _opted_out(records: list[dict]) -> list[dict]:
    return [r for r in records if r["verdict"] in ("pass", "fail", "error")]


@pytest.mark.browser
@pytest.mark.slow
@pytest.mark.parametrize("site,marker,channel", CASES)
def test_breach_is_caught(audited, site, marker, channel):
    (record,) = _opted_out(audited[site])
    assert not record["error"], record["error"]
    if site == "bfcache" and not any(e["event"] == "pageshow" and e["persisted"]
                                     for e in record["evidence"]["lifecycle"]):
        # Firefox keeps a page in its back-forward cache only when nothing holds it back
        # as it is left (a request still in flight does, on a loaded machine): the page
        # then loads again and its restore-only beacon never exists to be caught.
        pytest.skip("the browser loaded the page again instead of restoring it")
    found = [v for v in record["violations"] if marker in json.dumps(v)]
    assert found, (f"{marker} ({channel}) not reported; violations: "
                   + "; ".join(v["what"] for v in record["violations"]))
    assert any(v.get("channel") == channel for v in found), [
        (v.get("channel"), v["what"]) for v in found]
    for v in found:
        assert v.get("initiator") and v.get("t") is not None, v


@pytest.mark.browser
@pytest.mark.slow
def test_a_tab_left_open_for_a_day_runs_each_worker_timer_once(audited):
    # The last page stays open a day (leave.stay): a worker's interval fires once for the
    # jump, not once a second for a day (which would flood the site with its requests).
    (record,) = _opted_out(audited["memworkers"])
    assert any("mw_4h" in json.dumps(v) for v in record["violations"])
    many = [v["what"] for v in record["violations"] if "mw_beats_many" in json.dumps(v)]
    assert not many, f"an interval ran through the whole day: {many}"


@pytest.mark.browser
@pytest.mark.slow
@pytest.mark.parametrize("site", CLEAN)
def test_clean_site_passes(audited, site):
    records = audited[site]
    assert len(records) == 2 and {r["verdict"] for r in records} == {"pass"}, [
        (r["id"], r["error"], [v["what"] for v in r["violations"]]) for r in records]


def test_a_site_audited_in_chromium_alone_differs_from_others_only_in_encoding():
    # ENCODING_ONLY's rule, checked: none of its rows is one browser's, and every channel
    # its rows are reported under is reported in Firefox by a site Firefox still audits.
    firefox = set(audited_in("firefox"))
    in_firefox = {param.values[2] for param in CASES if param.values[0] in firefox
                  and all(mark.args != ("chromium",) for mark in param.marks)}
    for site in ENCODING_ONLY:
        rows = [param for param in CASES if param.values[0] == site]
        assert rows and site in SITES and "states" not in SITES[site], site
        assert {param.values[2] for param in rows} <= in_firefox, site
        assert all(mark.name != "only_browser" or mark.args == ("chromium",)
                   for param in rows for mark in param.marks), site
        assert all(str(mark.kwargs.get("reason", "")).lower().count("firefox") == 0
                   and str(mark.kwargs.get("reason", "")).lower().count("chromium") == 0
                   for param in rows for mark in param.marks if mark.name == "xfail"), site
    assert FULL_ESTATE or not firefox & set(ENCODING_ONLY)
