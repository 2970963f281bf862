(function (w, d, nav) {
  "use strict";
  var CONTEXT = "msdynci_trackingContext", SUBMISSION = "msdynmkt_formsubmissionid";
  var PARAMS = { wt_ctx: CONTEXT, wt_fsid: SUBMISSION };
  var LINKS = "a[href],area[href],button,[role=link],[role=button]";
  var KEYS = { Enter: "KEnter", " ": "KSpace" };
  var BUTTONS = { 1: "MClick", 2: "RClick" };
  var YEAR = 31536000;
  var api = (w.webtrack = w.webtrack || { errors: 0 });
  var script = d.currentScript || d.querySelector('script[src*="/tracker.js"][data-site]');
  if (api.started || !script) return;
  api.started = true;
  var site = script.getAttribute("data-site");
  var endpoint = new URL("/collect", script.src).href;
  var honourGpc = script.getAttribute("data-gpc") !== "ignore";
  var lastView = null, keyTarget = null, pending = null;
  var replaceState = history.replaceState;
  function safe(fn) {
    return function (e) {
      try { return fn(e); } catch (err) { api.errors++; }
    };
  }

  function optedOut() {
    try {
      if (typeof w.disableCookiesUsage === "function" && w.disableCookiesUsage()) return true;
    } catch (err) {
      return true;
    }
    return honourGpc && nav.globalPrivacyControl === true;
  }

  function readCookie(jar, name) {
    var at = ("; " + jar).indexOf("; " + name + "=");
    if (at < 0) return null;
    var value = jar.slice(at + name.length + 1), end = value.indexOf(";");
    return decodeURIComponent(end < 0 ? value : value.slice(0, end));
  }

  function writeCookie(name, value, maxAge) {
    d.cookie = name + "=" + encodeURIComponent(value) + "; path=/; max-age=" + maxAge +
      "; samesite=lax" + (location.protocol === "https:" ? "; secure" : "");
  }
  function identity() {
    var jar = d.cookie, found = {}, any = false;
    for (var p in PARAMS) {
      found[p] = readCookie(jar, PARAMS[p]);
      any = any || found[p] !== null;
    }
    if (optedOut()) {
      for (p in PARAMS) if (found[p] !== null) writeCookie(PARAMS[p], "", 0);
      return null;
    }
    return any ? { context: found.wt_ctx, form_submission: found.wt_fsid } : null;
  }
  function arrive() {
    var search = location.search;
    if (search.indexOf("wt_") < 0 && search.indexOf("%") < 0) return;
    var url = new URL(location.href), found = false, allowed = !optedOut();
    for (var p in PARAMS) {
      var value = url.searchParams.get(p);
      if (value === null) continue;
      found = true;
      url.searchParams.delete(p);
      if (allowed && value) writeCookie(PARAMS[p], value, YEAR);
    }
    if (found) replaceState.call(history, history.state, "", url.href);
  }

  function eventId() {
    var bytes = new Uint8Array(16), out = "";
    w.crypto.getRandomValues(bytes);
    for (var i = 0; i < bytes.length; i++) out += (bytes[i] + 256).toString(16).slice(1);
    return out;
  }

  function track(who, type, fields) {
    fields.event_id = eventId();
    fields.type = type;
    fields.occurred_at = new Date().toISOString();
    var body = JSON.stringify({
      site: site, context: who.context, form_submission: who.form_submission, events: [fields]
    });
    if (!(nav.sendBeacon && nav.sendBeacon(endpoint, body))) {
      fetch(endpoint, {
        method: "POST", body: body, keepalive: true, credentials: "omit",
        headers: { "Content-Type": "text/plain" }
      }).catch(function () { api.errors++; });
    }
  }
  function previousView() {
    if (lastView !== null) return lastView;
    return d.referrer.indexOf(location.origin + "/") === 0 ? d.referrer : "";
  }

  function view() {
    var href = location.href, who = href !== lastView && identity();
    if (!who) return;
    var previous = previousView();
    lastView = href;
    track(who, "website_visited", {
      msdynci_viewuri: href,
      msdynci_viewname: location.pathname.split("/").filter(Boolean).pop() || "/",
      msdynci_viewtitle: d.title,
      msdynci_viewtype: "page",
      msdynci_viewpreviousviews: previous
    });
  }

  function target(el) {
    var href = typeof el.href === "string" ? el.href : el.getAttribute("href");
    if (!href || el.tagName === "BUTTON") return "";
    return new URL(href, location.href).href;
  }
  function activated(el, action, x, y) {
    commit();
    var href = target(el), to = href && new URL(href);
    pending = {
      msdynci_actiontype: action,
      msdynci_actionisoutbound: !!to && /^https?:$/.test(to.protocol) && to.host !== location.host,
      msdynci_clickcoordinates: Math.round(x) + "," + Math.round(y),
      msdynci_linkuri: href,
      msdynci_viewuri: location.href,
      msdynci_viewtitle: d.title
    };
    setTimeout(safe(commit), 0);
  }

  function commit() {
    var fields = pending;
    pending = null;
    var who = fields && identity();
    if (who) track(who, "website_link_clicked", fields);
  }

  function linkOf(e) {
    var el = e.target, inner = e.composedPath().filter(function (node) {
      return node.matches && node.matches(LINKS);
    })[0];
    if (inner && inner.getRootNode() !== d) return inner;
    return el && el.closest ? el.closest(LINKS) : null;
  }

  function on(type, capture, fn) {
    w.addEventListener(type, safe(fn), capture);
  }

  on("mousedown", true, function () { keyTarget = null; });
  on("click", true, function (e) {
    var el = linkOf(e);
    if (!el) return;
    if (el === keyTarget) { keyTarget = null; return; }
    activated(el, "LClick", e.pageX, e.pageY);
  });
  on("auxclick", true, function (e) {
    var el = linkOf(e);
    if (el && BUTTONS[e.button]) activated(el, BUTTONS[e.button], e.pageX, e.pageY);
  });
  on("keydown", true, function (e) {
    var el = linkOf(e), action = KEYS[e.key];
    if (!el || !action || e.repeat) return;
    keyTarget = el;
    var box = el.getBoundingClientRect();
    activated(el, action, box.left + box.width / 2 + w.scrollX, box.top + box.height / 2 + w.scrollY);
  });
  on("click", false, commit);
  on("auxclick", false, commit);
  on("keydown", false, commit);
  on("popstate", false, view);
  on("pageshow", false, function (e) {
    if (e.persisted) { lastView = ""; view(); }
  });
  on("pagehide", false, commit);
  d.addEventListener("visibilitychange", safe(function () {
    if (d.visibilityState === "hidden") commit();
  }));
  ["pushState", "replaceState"].forEach(function (name) {
    var original = history[name];
    history[name] = function () {
      var result = original.apply(this, arguments);
      setTimeout(safe(view), 0);
      return result;
    };
  });

  safe(arrive)();
  if (d.readyState === "loading") d.addEventListener("DOMContentLoaded", safe(view));
  else safe(view)();
})(window, document, navigator);
