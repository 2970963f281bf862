"""Hand-written regressions of tracker.js tried against the gate (issue #16, deliverable 5).

Each is an edit a developer could make in a real change, breaking (or looking as if it
broke) one rule of ../shared/CONTRACT.md. They are gated with :mod:`.run`; the verdict of
each is kept in README.md beside this file. Those worth keeping as the gate's quick
self-test are copied into ``harness/gate/mutants.py``.
"""

from __future__ import annotations

from ..mutants import Mutant

PROBES = (
    # -- §3 cookies: attributes, expiry, reading -------------------------------------------
    Mutant("expiry-in-days", "max-age written in days (365) instead of seconds",
           (("var YEAR = 31536000;", "var YEAR = 365;"),)),
    Mutant("expires-in-milliseconds", "an expires date computed with seconds taken as "
           "milliseconds (a year becomes 8.7 hours)",
           (('"; path=/; max-age=" + maxAge +',
             '"; path=/; expires=" + new Date(Date.now() + maxAge).toUTCString() +'),)),
    Mutant("samesite-dropped", "the SameSite attribute is left out",
           (('      "; samesite=lax" + (location', '      "" + (location'),)),
    Mutant("samesite-strict", "SameSite=Strict instead of Lax",
           (('"; samesite=lax"', '"; samesite=strict"'),)),
    Mutant("secure-always", "Secure written on http pages too",
           (('(location.protocol === "https:" ? "; secure" : "")', '"; secure"'),)),
    Mutant("secure-never", "Secure never written, not even on https",
           (('(location.protocol === "https:" ? "; secure" : "")', '""'),)),
    Mutant("secure-by-host", "Secure decided on the collector's protocol, not the page's",
           (('(location.protocol === "https:" ? "; secure" : "")',
             '(endpoint.indexOf("https:") === 0 ? "; secure" : "")'),)),
    Mutant("path-dropped", "no path=/ on the cookie: it lives in the page's folder",
           (('"; path=/; max-age="', '"; max-age="'),)),
    Mutant("domain-cookie", "the cookie is written for the whole domain (domain=host)",
           (('"; path=/; max-age="', '"; domain=" + location.hostname + "; path=/; max-age="'),)),
    Mutant("removal-empty-value", "opting out empties the cookie instead of expiring it",
           (('if (found[p] !== null) writeCookie(PARAMS[p], "", 0);',
             'if (found[p] !== null) writeCookie(PARAMS[p], "", YEAR);'),)),
    Mutant("removal-context-only", "opting out removes the tracking context but keeps the "
           "form submission cookie",
           (('for (p in PARAMS) if (found[p] !== null) writeCookie(PARAMS[p], "", 0);',
             'if (found.wt_ctx !== null) writeCookie(CONTEXT, "", 0);'),)),
    Mutant("cookie-name-suffix-match", "a cookie is found by the end of another's name "
           "(no '; ' before it)",
           (('var at = ("; " + jar).indexOf("; " + name + "=");',
             'var at = ("; " + jar).indexOf(name + "=") - 2;'),)),
    Mutant("cookie-value-not-cut", "the cookie value runs on to the end of the jar",
           (('return decodeURIComponent(end < 0 ? value : value.slice(0, end));',
             'return decodeURIComponent(value);'),)),
    # -- §3 arrival -----------------------------------------------------------------------
    Mutant("empty-parameter-sets-cookie", "an empty wt_ctx= sets an empty cookie",
           (("if (allowed && value) writeCookie", "if (allowed) writeCookie"),)),
    Mutant("only-context-parameter-looked-for", "the quick check looks for wt_ctx only: an "
           "arrival with only the form submission id is missed",
           (('if (search.indexOf("wt_") < 0 && search.indexOf("%") < 0) return;',
             'if (search.indexOf("wt_ctx") < 0) return;'),)),
    Mutant("hash-lost-on-cleanup", "the address bar is cleaned to origin+path+query: the "
           "fragment is lost",
           (('if (found) replaceState.call(history, history.state, "", url.href);',
             'if (found) replaceState.call(history, history.state, "", url.origin + '
             'url.pathname + url.search);'),)),
    Mutant("other-parameters-dropped", "cleaning the address bar drops the whole query",
           (('if (found) replaceState.call(history, history.state, "", url.href);',
             'if (found) replaceState.call(history, history.state, "", url.origin + '
             'url.pathname + url.hash);'),)),
    Mutant("only-context-parameter-removed", "only wt_ctx is removed from the address bar",
           (("      url.searchParams.delete(p);\n",
             '      if (p === "wt_ctx") url.searchParams.delete(p);\n'),)),
    Mutant("state-dropped-on-cleanup", "the cleanup replaces the page's history state with null",
           (('replaceState.call(history, history.state, "", url.href)',
             'replaceState.call(history, null, "", url.href)'),)),
    # -- §4 consent -----------------------------------------------------------------------
    Mutant("consent-read-once", "the opt-out is asked once, at load, and remembered",
           (("  function optedOut() {\n    try {",
             "  var answer = null;\n  function optedOut() {\n"
             "    if (answer === null) answer = optedOutNow();\n    return answer;\n  }\n"
             "  function optedOutNow() {\n    try {"),)),
    Mutant("consent-at-activation", "a click's consent is asked at the activation, before "
           "the page's own handlers (the banner's 'reject' click)",
           (("  function activated(el, action, x, y) {\n    commit();\n",
             "  function activated(el, action, x, y) {\n    commit();\n"
             "    if (!identity()) return;\n"),
            ("    var who = fields && identity();", "    var who = fields && identityNow();"),
            ("  function arrive() {", "  function identityNow() {\n"
             "    var jar = d.cookie;\n    return { context: readCookie(jar, CONTEXT), "
             "form_submission: readCookie(jar, SUBMISSION) };\n  }\n  function arrive() {"))),
    Mutant("throwing-optout-tracks", "a disableCookiesUsage that throws counts as opted in",
           (("    } catch (err) {\n      return true;\n    }",
             "    } catch (err) {\n      return false;\n    }"),)),
    Mutant("gpc-truthy-string", "GPC read as any truthy value, and a page's 'false' counted",
           (("nav.globalPrivacyControl === true", "!!nav.globalPrivacyControl"),)),
    Mutant("gpc-only-without-function", "GPC asked only when the page defines no opt-out "
           "function",
           (("    return honourGpc && nav.globalPrivacyControl === true;",
             '    return typeof w.disableCookiesUsage !== "function" && honourGpc && '
             "nav.globalPrivacyControl === true;"),)),
    Mutant("gpc-config-inverted", "data-gpc is honoured only when the site says so",
           (('script.getAttribute("data-gpc") !== "ignore"',
             'script.getAttribute("data-gpc") === "honour"'),)),
    Mutant("optout-strict-true", "only a boolean true from disableCookiesUsage() opts out",
           (("w.disableCookiesUsage()) return true;", "w.disableCookiesUsage() === true) "
             "return true;"),)),
    Mutant("cookies-kept-in-history-visits", "an in-page navigation reuses the page load's "
           "consent answer",
           (("    var href = location.href, who = href !== lastView && identity();",
             "    var href = location.href, who = href !== lastView && "
             "(api.who || (api.who = identity()));"),)),
    # -- §5 visits ------------------------------------------------------------------------
    Mutant("viewname-trailing-slash", "the view name of a folder page (/docs/) is '/'",
           (('location.pathname.split("/").filter(Boolean).pop() || "/"',
             'location.pathname.split("/").pop() || "/"'),)),
    Mutant("viewname-decoded", "the view name is percent-decoded",
           (('location.pathname.split("/").filter(Boolean).pop() || "/"',
             'decodeURIComponent(location.pathname.split("/").filter(Boolean).pop() || "/")'),)),
    Mutant("viewuri-without-hash", "the view URL loses its fragment",
           (("      msdynci_viewuri: href,",
             "      msdynci_viewuri: href.split(\"#\")[0],"),)),
    Mutant("viewuri-without-query", "the view URL loses its query",
           (("      msdynci_viewuri: href,",
             "      msdynci_viewuri: location.origin + location.pathname,"),)),
    Mutant("previous-any-origin", "the previous view is the referrer whatever its origin",
           (('return d.referrer.indexOf(location.origin + "/") === 0 ? d.referrer : "";',
             "return d.referrer;"),)),
    Mutant("previous-always-referrer", "an in-page navigation's previous view is the "
           "document's referrer, not the page before it",
           (("    if (lastView !== null) return lastView;\n", ""),)),
    Mutant("previous-after-update", "the previous view is read after it is set to this page",
           (("    var previous = previousView();\n    lastView = href;",
             "    lastView = href;\n    var previous = previousView();"),)),
    Mutant("replacestate-not-tracked", "only pushState is watched",
           (('["pushState", "replaceState"].forEach', '["pushState"].forEach'),)),
    Mutant("back-by-hashchange", "back and forward are watched by hashchange, not popstate",
           (('on("popstate", false, view);', 'on("hashchange", false, view);'),)),
    Mutant("same-url-not-deduplicated", "a replaceState to the same URL is a new visit",
           (("who = href !== lastView && identity();", "who = identity();"),)),
    Mutant("bfcache-restore-ignored", "a page restored from the back-forward cache is no visit",
           (("    if (e.persisted) { lastView = \"\"; view(); }",
             "    if (e.persisted) view();"),)),
    Mutant("pageshow-every-time", "every pageshow is a visit (also the first load)",
           (("    if (e.persisted) { lastView = \"\"; view(); }",
             "    lastView = \"\"; view();"),)),
    Mutant("title-from-h1", "the title falls back to the first heading when empty",
           (("      msdynci_viewtitle: d.title,\n      msdynci_viewtype",
             "      msdynci_viewtitle: d.title || ((d.querySelector(\"h1\") || {}).textContent "
             "|| \"\"),\n      msdynci_viewtype"),)),
    # -- §5 clicks ------------------------------------------------------------------------
    Mutant("keyup-too", "the key handler also runs on keyup",
           (('  on("click", false, commit);\n',
             '  on("keyup", true, function (e) {\n'
             '    var el = linkOf(e), action = KEYS[e.key];\n'
             '    if (!el || !action || e.repeat) return;\n'
             '    var box = el.getBoundingClientRect();\n'
             '    activated(el, action, box.left + box.width / 2 + w.scrollX, '
             'box.top + box.height / 2 + w.scrollY);\n  });\n'
             '  on("click", false, commit);\n'),)),
    Mutant("key-on-keyup", "keys are handled on keyup instead of keydown",
           (('  on("keydown", true, function (e) {', '  on("keyup", true, function (e) {'),)),
    Mutant("key-repeat-counted", "a held key's repeats are activations",
           (("if (!el || !action || e.repeat) return;", "if (!el || !action) return;"),)),
    Mutant("target-not-closest", "delegation by e.target: a click on a link's child is lost",
           (("return el && el.closest ? el.closest(LINKS) : null;",
             "return el && el.matches && el.matches(LINKS) ? el : null;"),)),
    Mutant("area-forgotten", "area[href] is not a link",
           (('var LINKS = "a[href],area[href],button,', 'var LINKS = "a[href],button,'),)),
    Mutant("role-button-forgotten", "[role=button] is not a link",
           (('button,[role=link],[role=button]";', 'button,[role=link]";'),)),
    Mutant("anchor-without-href", "any a (also without href) is a link",
           (('var LINKS = "a[href],', 'var LINKS = "a,'),)),
    Mutant("key-centre-without-scroll", "a key's coordinates are the centre in the viewport",
           (("box.left + box.width / 2 + w.scrollX, box.top + box.height / 2 + w.scrollY",
             "box.left + box.width / 2, box.top + box.height / 2"),)),
    Mutant("key-corner", "a key's coordinates are the element's top-left corner",
           (("box.left + box.width / 2 + w.scrollX, box.top + box.height / 2 + w.scrollY",
             "box.left + w.scrollX, box.top + w.scrollY"),)),
    Mutant("aux-viewport-coordinates", "middle and right clicks use viewport coordinates "
           "(one branch only)",
           (('activated(el, BUTTONS[e.button], e.pageX, e.pageY)',
             'activated(el, BUTTONS[e.button], e.clientX, e.clientY)'),)),
    Mutant("coordinates-swapped", "coordinates sent as Y,X",
           (('Math.round(x) + "," + Math.round(y)', 'Math.round(y) + "," + Math.round(x)'),)),
    Mutant("coordinates-with-space", "coordinates sent as 'X, Y'",
           (('Math.round(x) + "," + Math.round(y)', 'Math.round(x) + ", " + Math.round(y)'),)),
    Mutant("outbound-as-string", "the outbound flag is sent as a string",
           (("msdynci_actionisoutbound: !!to &&", "msdynci_actionisoutbound: String(!!to &&"),
            ("to.host !== location.host,", "to.host !== location.host),"))),
    Mutant("outbound-by-hostname", "outbound compares host names, ignoring the port",
           (("to.host !== location.host", "to.hostname !== location.hostname"),)),
    Mutant("outbound-by-raw-href", "outbound decided on the raw href attribute: a "
           "protocol-relative link is not outbound",
           (("msdynci_actionisoutbound: !!to && /^https?:$/.test(to.protocol) && "
             "to.host !== location.host,",
             "msdynci_actionisoutbound: /^https?:\\/\\//.test(el.getAttribute(\"href\") || "
             "\"\") && el.getAttribute(\"href\").indexOf(location.origin) !== 0,"),)),
    Mutant("outbound-any-scheme", "a mailto: or tel: link counts as outbound",
           (("!!to && /^https?:$/.test(to.protocol) && to.host !== location.host",
             "!!to && to.host !== location.host"),)),
    Mutant("linkuri-relative", "the link's target is sent as written in href, not absolute",
           (("return new URL(href, location.href).href;",
             'return el.getAttribute("href") || href;'),)),
    Mutant("linkuri-button-formaction", "a button reports its form's action as target",
           (('if (!href || el.tagName === "BUTTON") return "";',
             'if (el.tagName === "BUTTON") return el.form ? el.form.action : "";\n'
             '    if (!href) return "";'),)),
    Mutant("click-viewuri-at-commit", "the click's page is read when it is sent, not when "
           "it happened",
           (("      msdynci_viewuri: location.href,\n      msdynci_viewtitle: d.title\n",
             "      msdynci_viewtitle: d.title\n"),
            ("    if (who) track(who, \"website_link_clicked\", fields);",
             "    if (who) { fields.msdynci_viewuri = location.href; "
             "track(who, \"website_link_clicked\", fields); }"))),
    Mutant("pending-overwritten", "a second activation before the first is sent replaces it",
           (("  function activated(el, action, x, y) {\n    commit();\n",
             "  function activated(el, action, x, y) {\n"),)),
    Mutant("right-click-by-contextmenu", "RClick taken from contextmenu (also the menu key)",
           (('  on("auxclick", true, function (e) {',
             '  on("contextmenu", true, function (e) {\n'
             '    var el = linkOf(e);\n'
             '    if (el) activated(el, "RClick", e.pageX, e.pageY);\n  });\n'
             '  on("auxclick", true, function (e) {'),
            ('var BUTTONS = { 1: "MClick", 2: "RClick" };', 'var BUTTONS = { 1: "MClick" };'))),
    # -- delivery and lifecycle -------------------------------------------------------------
    Mutant("beacon-result-ignored", "a refused beacon is not sent another way",
           (("if (!(nav.sendBeacon && nav.sendBeacon(endpoint, body))) {",
             "if (nav.sendBeacon) nav.sendBeacon(endpoint, body);\n    else {"),)),
    Mutant("fallback-without-keepalive", "the fallback fetch is not kept alive",
           (("keepalive: true, ", ""),)),
    Mutant("fallback-json", "the fallback fetch is sent as application/json (preflighted)",
           (('headers: { "Content-Type": "text/plain" }',
             'headers: { "Content-Type": "application/json" }'),)),
    Mutant("sent-twice", "every event is sent by beacon and by fetch",
           (("if (!(nav.sendBeacon && nav.sendBeacon(endpoint, body))) {",
             "if (nav.sendBeacon) nav.sendBeacon(endpoint, body);\n    {"),)),
    Mutant("retry-forever", "a failed fallback is retried every second, forever",
           ((".catch(function () { api.errors++; });",
             ".catch(function retry() { api.errors++; setTimeout(function () { "
             "fetch(endpoint, { method: \"POST\", body: body, keepalive: true, credentials: "
             "\"omit\", headers: { \"Content-Type\": \"text/plain\" } }).catch(retry); }, 1000); "
             "});"),)),
    Mutant("event-id-per-page", "one event id per page: later events are stored as retries",
           (("fields.event_id = eventId();",
             "fields.event_id = api.id || (api.id = eventId());"),)),
    Mutant("occurred-at-number", "occurred_at sent as milliseconds since the epoch",
           (("fields.occurred_at = new Date().toISOString();",
             "fields.occurred_at = Date.now();"),)),
    Mutant("occurred-at-seconds-precision", "occurred_at without milliseconds",
           (("fields.occurred_at = new Date().toISOString();",
             'fields.occurred_at = new Date().toISOString().slice(0, 19) + "Z";'),)),
    Mutant("form-submission-renamed", "form_submission sent as formSubmission",
           (("form_submission: who.form_submission, events",
             "formSubmission: who.form_submission, events"),)),
    Mutant("pagehide-not-flushed", "a pending click is not sent on pagehide",
           (('  on("pagehide", false, commit);\n', ""),)),
    Mutant("hidden-not-flushed", "a pending click is not sent when the tab is hidden",
           (('    if (d.visibilityState === "hidden") commit();', ""),)),
    Mutant("unload-instead-of-pagehide", "pending clicks flushed on unload, not pagehide",
           (('  on("pagehide", false, commit);', '  on("unload", false, commit);'),)),
    Mutant("started-by-site", "a second copy of the script for the same page also starts",
           (("if (api.started || !script) return;", "if (!script) return;"),)),
    Mutant("endpoint-from-page", "the collector is taken from the page's origin",
           (('var endpoint = new URL("/collect", script.src).href;',
             'var endpoint = new URL("/collect", location.href).href;'),)),
    # -- second round -----------------------------------------------------------------------
    Mutant("opted-out-parameter-kept", "opted out on arrival, the tracking parameter stays in "
           "the address bar",
           (("if (found) replaceState.call(history",
             "if (found && allowed) replaceState.call(history"),)),
    Mutant("both-cookies-needed", "a visitor is known only with both cookies",
           (("any = any || found[p] !== null;",
             "any = (any || p === \"wt_ctx\") && found[p] !== null;"),)),
    Mutant("form-cookie-dropped-with-context", "the form submission id is not sent when a "
           "tracking context is there",
           (("form_submission: found.wt_fsid }",
             "form_submission: found.wt_ctx === null ? found.wt_fsid : null }"),)),
    Mutant("gpc-only-on-arrival", "GPC is asked on arrival only, not at later decisions",
           (("    if (optedOut()) {\n      for (p in PARAMS)",
             "    if (typeof w.disableCookiesUsage === \"function\" && w.disableCookiesUsage()) {\n"
             "      for (p in PARAMS)"),)),
    Mutant("key-without-horizontal-scroll", "a key's X leaves out the horizontal scroll",
           (("box.left + box.width / 2 + w.scrollX", "box.left + box.width / 2"),)),
    Mutant("svg-link-target", "an SVG link's target read from .href (an SVGAnimatedString)",
           (('var href = typeof el.href === "string" ? el.href : el.getAttribute("href");',
             'var href = el.href ? String(el.href) : el.getAttribute("href");'),)),
    Mutant("outbound-not-boolean", "for a button the outbound flag is sent as \"\" (no !!)",
           (("msdynci_actionisoutbound: !!to &&", "msdynci_actionisoutbound: to &&"),)),
    Mutant("linkuri-without-fragment", "the link's target loses its fragment",
           (("return new URL(href, location.href).href;",
             'return new URL(href, location.href).href.split("#")[0];'),)),
    Mutant("aux-not-flushed", "a middle or right click waits for its timer (no flush on the "
           "window's bubbling auxclick)",
           (('  on("auxclick", false, commit);\n', ""),)),
    Mutant("view-name-with-query", "the view name is taken from the whole URL (query included)",
           (('location.pathname.split("/").filter(Boolean).pop() || "/"',
             '(location.pathname + location.search).split("/").filter(Boolean).pop() || "/"'),)),
    Mutant("title-at-load", "the title is read once at load, also for in-page navigations",
           (("      msdynci_viewtitle: d.title,\n      msdynci_viewtype",
             "      msdynci_viewtitle: api.title || (api.title = d.title),\n"
             "      msdynci_viewtype"),)),
    Mutant("previous-reset-on-history", "an in-page navigation's previous view is the "
           "referrer's page when the referrer is the site",
           (("    if (lastView !== null) return lastView;\n",
             "    if (lastView !== null && !d.referrer) return lastView;\n"),)),
    # -- third round ------------------------------------------------------------------------
    Mutant("dedupe-by-path", "an in-page navigation is a visit only when the path changes "
           "(a new query or fragment is not)",
           (("    var href = location.href, who = href !== lastView && identity();",
             "    var href = location.href, who = (lastView === null || "
             "new URL(lastView).pathname !== location.pathname) && identity();"),)),
    Mutant("outbound-by-origin", "outbound compares origins: an https link to the same host "
           "is outbound",
           (("to.host !== location.host", "to.origin !== location.origin"),)),
    Mutant("space-not-on-anchors", "Space counts on buttons only, not on a[href]",
           (("if (!el || !action || e.repeat) return;",
             'if (!el || !action || e.repeat || (action === "KSpace" && el.tagName === "A")) '
             "return;"),)),
    Mutant("key-target-cleared-on-keyup", "the key's echo filter ends at keyup: Space on a "
           "button (clicked at keyup) counts twice",
           (('  on("mousedown", true, function () { keyTarget = null; });',
             '  on("mousedown", true, function () { keyTarget = null; });\n'
             '  on("keyup", true, function () { keyTarget = null; });'),)),
    Mutant("visit-extra-field", "visits also carry the document's referrer",
           (("      msdynci_viewpreviousviews: previous\n",
             "      msdynci_viewpreviousviews: previous,\n"
             "      msdynci_viewreferrer: d.referrer\n"),)),
    Mutant("click-extra-field", "clicks also carry the link's text",
           (("      msdynci_viewtitle: d.title\n    };",
             "      msdynci_viewtitle: d.title,\n"
             "      msdynci_linktext: (el.textContent || \"\").trim()\n    };"),)),
    Mutant("viewtype-for-history", "in-page navigations are sent with viewtype 'spa'",
           (('      msdynci_viewtype: "page",',
             '      msdynci_viewtype: lastView === null ? "page" : "spa",'),)),
    Mutant("aux-on-anchors-only", "middle and right clicks count on a[href] only",
           (("if (el && BUTTONS[e.button]) activated", "if (el && el.tagName === \"A\" && "
             "BUTTONS[e.button]) activated"),)),
    Mutant("beacon-as-json-blob", "the beacon is sent as an application/json Blob",
           (("nav.sendBeacon(endpoint, body)",
             "nav.sendBeacon(endpoint, new Blob([body], { type: \"application/json\" }))"),)),
    Mutant("gpc-read-once", "GPC is read once, when the script starts",
           (('var honourGpc = script.getAttribute("data-gpc") !== "ignore";',
             'var honourGpc = script.getAttribute("data-gpc") !== "ignore", '
             "gpcAtStart = nav.globalPrivacyControl === true;"),
            ("return honourGpc && nav.globalPrivacyControl === true;",
             "return honourGpc && gpcAtStart;"))),
    Mutant("visit-url-before-cleanup", "the first visit's URL is read before the "
           "tracking parameter is removed",
           (("  safe(arrive)();\n", "  var arrivedAt = location.href;\n  safe(arrive)();\n"),
            ("      msdynci_viewuri: href,",
             "      msdynci_viewuri: (function () { var u = arrivedAt || href; arrivedAt = \"\"; "
             "return u; })(),"))),
    # -- fourth round -----------------------------------------------------------------------
    Mutant("script-found-by-src-first", "the script looks itself up by src before "
           "currentScript: another vendor's /tracker.js earlier in the page is taken for it",
           (("var script = d.currentScript || d.querySelector('script[src*=\"/tracker.js\"]"
             "[data-site]');",
             "var script = d.querySelector('script[src*=\"/tracker.js\"]') || "
             "d.currentScript;"),)),
    Mutant("enter-on-button-left-to-click", "Enter on a button is left to the browser's "
           "click (an LClick)",
           (("if (!el || !action || e.repeat) return;",
             "if (!el || !action || e.repeat) return;\n"
             "    if (el.tagName === \"BUTTON\" && action === \"KEnter\") return;"),)),
    Mutant("restored-previous-from-referrer", "a page restored from the back-forward cache "
           "takes its previous view from the referrer",
           (('    if (e.persisted) { lastView = ""; view(); }',
             "    if (e.persisted) { lastView = null; api.restored = true; view(); }"),
            ("    var href = location.href, who = href !== lastView && identity();",
             "    var href = location.href, who = (href !== lastView || api.restored) && "
             "identity();\n    api.restored = false;"))),
    Mutant("frame-reports-top-page", "inside a frame the visit names the top page",
           (("    var href = location.href, who",
             "    var href = (w.top === w ? location : w.parent.location).href, who"),)),
    # -- fifth round (gatered): cookies --------------------------------------------------
    Mutant("removal-with-domain", "the opt-out's removal is written for the whole domain "
           "(domain=host): the host-only cookie the arrival set stays",
           (('if (found[p] !== null) writeCookie(PARAMS[p], "", 0);',
             'if (found[p] !== null) d.cookie = PARAMS[p] + "=; path=/; max-age=0; domain=" + '
             'location.hostname;'),)),
    Mutant("form-cookie-thirty-days", "the form submission cookie is written for 30 days, "
           "the tracking context for a year",
           (("if (allowed && value) writeCookie(PARAMS[p], value, YEAR);",
             "if (allowed && value) writeCookie(PARAMS[p], value, p === \"wt_fsid\" ? "
             "2592000 : YEAR);"),)),
    Mutant("secure-context-only", "on https only the tracking context cookie is Secure, the "
           "form submission cookie not",
           (('(location.protocol === "https:" ? "; secure" : "")',
             '(location.protocol === "https:" && name === CONTEXT ? "; secure" : "")'),)),
    Mutant("cookie-escape", "cookie values written with escape() instead of "
           "encodeURIComponent(): %uXXXX for characters outside Latin-1",
           (('d.cookie = name + "=" + encodeURIComponent(value)',
             'd.cookie = name + "=" + escape(value)'),)),
    Mutant("cookie-read-unescape", "cookie values read with unescape(): UTF-8 escapes come "
           "back as Latin-1 characters",
           (("return decodeURIComponent(end < 0 ? value : value.slice(0, end));",
             "return unescape(end < 0 ? value : value.slice(0, end));"),)),
    Mutant("cookie-jar-lowercased", "cookie names looked up case-insensitively by "
           "lower-casing the whole jar (values lower-cased too)",
           (("var jar = d.cookie, found = {}, any = false;",
             "var jar = d.cookie.toLowerCase(), found = {}, any = false;"),
            ("found[p] = readCookie(jar, PARAMS[p]);",
             "found[p] = readCookie(jar, PARAMS[p].toLowerCase());"))),
    Mutant("removal-only-on-view", "an opt-out removes the cookies only when a page view "
           "asks, not at a click's decision",
           (("    if (optedOut()) {\n      for (p in PARAMS)",
             "    if (optedOut()) {\n      if (api.viewing) for (p in PARAMS)"),
            ("    var href = location.href, who = href !== lastView && identity();",
             "    api.viewing = true;\n    var href = location.href, who = href !== lastView "
             "&& identity();\n    api.viewing = false;"))),
    Mutant("form-cookie-as-context", "with only the form submission cookie its value is sent "
           "as the tracking context too",
           (("return any ? { context: found.wt_ctx, form_submission",
             "return any ? { context: found.wt_ctx || found.wt_fsid, form_submission"),)),
    Mutant("context-omitted-when-null", "a visitor known by a form submission alone is sent "
           "without the context key (undefined is dropped by JSON)",
           (("site: site, context: who.context,",
             "site: site, context: who.context || undefined,"),)),
    # -- arrival --------------------------------------------------------------------------
    Mutant("parameter-read-raw", "the tracking parameter is read by a regular expression "
           "from the raw query: its value is not percent-decoded",
           (("      var value = url.searchParams.get(p);",
             "      var raw = new RegExp(\"[?&]\" + p + \"=([^&#]*)\").exec(search), "
             "value = raw ? raw[1] : url.searchParams.get(p);"),)),
    Mutant("parameter-removed-by-regex", "the parameter is cut from the address with a "
           "regular expression: a first parameter leaves a '&' behind",
           (('if (found) replaceState.call(history, history.state, "", url.href);',
             'if (found) replaceState.call(history, history.state, "", location.href.replace('
             '/[?&]wt_(ctx|fsid)=[^&#]*/g, ""));'),)),
    Mutant("ready-state-complete-only", "the visit waits for DOMContentLoaded unless the "
           "document is complete: a script added while it is interactive sends no visit",
           (('if (d.readyState === "loading") d.addEventListener',
             'if (d.readyState !== "complete") d.addEventListener'),)),
    Mutant("script-as-last-script", "the script finds its tag as the last script of the "
           "document (the old trick), not currentScript",
           (("var script = d.currentScript || d.querySelector",
             "var script = d.scripts[d.scripts.length - 1] || d.querySelector"),)),
    # -- consent --------------------------------------------------------------------------
    Mutant("dnt-counted", "navigator.doNotTrack = \"1\" is taken as an opt-out too",
           (("return honourGpc && nav.globalPrivacyControl === true;",
             "return honourGpc && (nav.globalPrivacyControl === true || "
             "nav.doNotTrack === \"1\");"),)),
    Mutant("gpc-feature-detected", "GPC is taken as set wherever the browser knows the "
           "property (Firefox: always)",
           (("return honourGpc && nav.globalPrivacyControl === true;",
             "return honourGpc && \"globalPrivacyControl\" in nav;"),)),
    Mutant("optout-cached-a-second", "the opt-out answer is kept for a second (to spare the "
           "page's function): a banner's reject is ignored for that second",
           (("  function optedOut() {\n    try {",
             "  var asked = 0, answer = false;\n  function optedOut() {\n"
             "    if (Date.now() - asked < 1000) return answer;\n    asked = Date.now();\n"
             "    return (answer = ask());\n  }\n  function ask() {\n    try {"),)),
    Mutant("gpc-attribute-any-value", "any data-gpc attribute (also data-gpc=\"honour\") "
           "turns GPC off",
           (('var honourGpc = script.getAttribute("data-gpc") !== "ignore";',
             'var honourGpc = !script.hasAttribute("data-gpc");'),)),
    # -- visits ---------------------------------------------------------------------------
    Mutant("index-is-root", "the view name of /index.html is '/', as for the root",
           (('msdynci_viewname: location.pathname.split("/").filter(Boolean).pop() || "/",',
             'msdynci_viewname: location.pathname.replace(/\\/index\\.html$/, "/").split("/")'
             '.filter(Boolean).pop() || "/",'),)),
    Mutant("viewuri-decoded", "the view URL is sent percent-decoded (decodeURI)",
           (("      msdynci_viewuri: href,", "      msdynci_viewuri: decodeURI(href),"),)),
    Mutant("viewuri-no-trailing-slash", "the view URL loses a trailing slash (the root is "
           "sent as the bare origin)",
           (("      msdynci_viewuri: href,",
             "      msdynci_viewuri: href.replace(/\\/$/, \"\"),"),)),
    Mutant("title-from-element", "the title is read from the <title> element's text, not "
           "document.title (raw whitespace; a page without one throws)",
           (("      msdynci_viewtitle: d.title,\n      msdynci_viewtype",
             "      msdynci_viewtitle: d.querySelector(\"title\").textContent,\n"
             "      msdynci_viewtype"),)),
    Mutant("previous-as-path", "the previous view is remembered as a path, not a URL",
           (("    lastView = href;\n", "    lastView = location.pathname;\n"),
            ("    var href = location.href, who = href !== lastView && identity();",
             "    var href = location.href, who = location.pathname !== lastView && "
             "identity();"))),
    Mutant("history-debounced", "in-page navigations are debounced by 50 ms: a redirect "
           "(push then replace) is one visit",
           (("      setTimeout(safe(view), 0);\n      return result;",
             "      clearTimeout(api.viewTimer);\n      api.viewTimer = setTimeout(safe(view), "
             "50);\n      return result;"),)),
    Mutant("restore-visit-delayed", "a page shown again from the back-forward cache sends "
           "its visit a second later",
           (('    if (e.persisted) { lastView = ""; view(); }',
             '    if (e.persisted) { lastView = ""; setTimeout(safe(view), 1000); }'),)),
    Mutant("previous-by-hostname", "the referrer counts as this site's page when its host "
           "name matches, whatever the port or scheme",
           (('return d.referrer.indexOf(location.origin + "/") === 0 ? d.referrer : "";',
             'return d.referrer && new URL(d.referrer).hostname === location.hostname ? '
             'd.referrer : "";'),)),
    # -- clicks: which element, which field ----------------------------------------------
    Mutant("svg-child-ignored", "only HTML elements are looked up: a click on an SVG icon "
           "inside a link is lost",
           (("return el && el.closest ? el.closest(LINKS) : null;",
             "return el instanceof HTMLElement ? el.closest(LINKS) : null;"),)),
    Mutant("linkuri-ignores-base", "the target is resolved against the page's address, not "
           "its <base>",
           (('var href = typeof el.href === "string" ? el.href : el.getAttribute("href");',
             'var href = el.getAttribute("href");'),)),
    Mutant("role-button-anchor-no-target", "an a[href role=button] is taken for a button: "
           "no target",
           (('if (!href || el.tagName === "BUTTON") return "";',
             'if (!href || el.tagName === "BUTTON" || el.getAttribute("role") === "button") '
             'return "";'),)),
    Mutant("www-not-outbound", "a link to www. of the page's host (or the page on www. "
           "linking to the bare host) is not outbound",
           (("to.host !== location.host",
             "to.host.replace(/^www\\./, \"\") !== location.host.replace(/^www\\./, \"\")"),)),
    Mutant("outbound-http-only", "only http: links count as outbound (https ones not)",
           (("/^https?:$/.test(to.protocol)", "to.protocol === \"http:\""),)),
    Mutant("coordinates-device-pixels", "coordinates are multiplied by devicePixelRatio "
           "(device pixels, not CSS pixels)",
           (('msdynci_clickcoordinates: Math.round(x) + "," + Math.round(y),',
             'msdynci_clickcoordinates: Math.round(x * w.devicePixelRatio) + "," + '
             'Math.round(y * w.devicePixelRatio),'),)),
    Mutant("key-centre-offset", "a key's coordinates from offsetLeft/offsetTop (relative "
           "to the offset parent, undefined for SVG)",
           (("activated(el, action, box.left + box.width / 2 + w.scrollX, box.top + "
             "box.height / 2 + w.scrollY);",
             "activated(el, action, el.offsetLeft + el.offsetWidth / 2, el.offsetTop + "
             "el.offsetHeight / 2);"),)),
    Mutant("click-title-from-visit", "a click carries the title of the last visit, not the "
           "page's title when it happened",
           (("      msdynci_viewtitle: d.title\n    };",
             "      msdynci_viewtitle: api.title\n    };"),
            ("      msdynci_viewtitle: d.title,\n      msdynci_viewtype",
             "      msdynci_viewtitle: (api.title = d.title),\n      msdynci_viewtype"))),
    Mutant("click-viewuri-from-last-visit", "a click names the page of the last visit sent, "
           "not the page it happened on",
           (("      msdynci_viewuri: location.href,\n      msdynci_viewtitle: d.title\n",
             "      msdynci_viewuri: lastView || location.href,\n"
             "      msdynci_viewtitle: d.title\n"),)),
    # -- keys and buttons -----------------------------------------------------------------
    Mutant("space-key-name", "the Space key is looked up as 'Space' (its code), never "
           "matching e.key",
           (('var KEYS = { Enter: "KEnter", " ": "KSpace" };',
             'var KEYS = { Enter: "KEnter", Space: "KSpace" };'),)),
    Mutant("ctrl-click-as-middle", "a Ctrl or Cmd click (opens a new tab) is reported as a "
           "middle click",
           (('activated(el, "LClick", e.pageX, e.pageY);',
             'activated(el, e.ctrlKey || e.metaKey ? "MClick" : "LClick", e.pageX, e.pageY);'),)),
    Mutant("shift-key-ignored", "a key with Shift held (Shift+Enter opens a new window) is "
           "not an activation",
           (("if (!el || !action || e.repeat) return;",
             "if (!el || !action || e.repeat || e.shiftKey) return;"),)),
    Mutant("space-echo-not-filtered", "only Enter's echo click is filtered: Space on a "
           "button is also an LClick",
           (("    keyTarget = el;\n", "    keyTarget = action === \"KEnter\" ? el : null;\n"),)),
    Mutant("aux-by-buttons", "middle and right read from e.buttons (0 once released)",
           (("if (el && BUTTONS[e.button]) activated(el, BUTTONS[e.button], e.pageX, e.pageY);",
             "if (el && BUTTONS[e.buttons]) activated(el, BUTTONS[e.buttons], e.pageX, "
             "e.pageY);"),)),
    # -- delivery -------------------------------------------------------------------------
    Mutant("pending-not-cleared", "a sent click is left pending: every later flush sends "
           "it again",
           (("    var fields = pending;\n    pending = null;\n", "    var fields = pending;\n"),)),
    Mutant("fallback-with-credentials", "the fallback fetch sends credentials (CORS with "
           "credentials)",
           (('keepalive: true, credentials: "omit",',
             'keepalive: true, credentials: "include",'),)),
    Mutant("keepalive-only-when-hidden", "the fallback is kept alive only when the page is "
           "hidden",
           (('keepalive: true, credentials: "omit",',
             'keepalive: d.visibilityState === "hidden", credentials: "omit",'),)),
    Mutant("body-latin1", "the body is made 'ASCII-safe' as UTF-8 bytes in a string: text "
           "outside ASCII arrives double-encoded",
           (("    var body = JSON.stringify({", "    var body = unescape(encodeURIComponent("
             "JSON.stringify({"),
            ("events: [fields]\n    });", "events: [fields]\n    })));"))),
    Mutant("event-id-from-clock", "event_id from the clock: two interactions in one "
           "millisecond share an id",
           (("    var bytes = new Uint8Array(16), out = \"\";",
             "    return (Date.now().toString(16) + \"0\".repeat(32)).slice(0, 32);\n"
             "    var bytes = new Uint8Array(16), out = \"\";"),)),
    Mutant("occurred-at-activation-page-time", "occurred_at from the page's performance "
           "clock without its time origin",
           (("fields.occurred_at = new Date().toISOString();",
             "fields.occurred_at = new Date(performance.now()).toISOString();"),)),
    Mutant("hidden-flush-on-window", "the flush on a hidden tab listens for blur instead of "
           "visibilitychange",
           (('d.addEventListener("visibilitychange", safe(function () {\n'
             '    if (d.visibilityState === "hidden") commit();\n  }));',
             'w.addEventListener("blur", safe(commit));'),)),
    # -- sixth round (gatered2): cookies and arrival ----------------------------------------
    Mutant("arrival-first-parameter-only", "the arrival stops at the first tracking parameter: "
           "with both in the query the second is neither stored nor removed",
           (("      if (allowed && value) writeCookie(PARAMS[p], value, YEAR);\n",
             "      if (allowed && value) writeCookie(PARAMS[p], value, YEAR);\n      break;\n"),)),
    Mutant("any-last-cookie-only", "whether the visitor is known is decided by the last "
           "cookie looked at: a visitor with the tracking context alone is anonymous",
           (("any = any || found[p] !== null;", "any = found[p] !== null;"),)),
    Mutant("year-in-milliseconds", "the year is written in milliseconds: browsers cap the "
           "cookie at 400 days",
           (("var YEAR = 31536000;", "var YEAR = 365 * 24 * 3600 * 1000;"),)),
    Mutant("samesite-none", "SameSite=None (so it follows cross-site requests): refused "
           "without Secure, kept as None with it",
           (('"; samesite=lax"', '"; samesite=none"'),)),
    Mutant("secure-by-secure-context", "Secure decided by window.isSecureContext: *.localhost "
           "pages over http are secure contexts",
           (('(location.protocol === "https:" ? "; secure" : "")',
             '(w.isSecureContext ? "; secure" : "")'),)),
    Mutant("cookie-name-case-insensitive", "cookie names matched case-insensitively: "
           "another cookie spelt MSDYNCI_TRACKINGCONTEXT is read as the tracking context",
           (('var at = ("; " + jar).indexOf("; " + name + "=");',
             'var at = ("; " + jar).toLowerCase().indexOf(("; " + name + "=").toLowerCase());'),)),
    Mutant("cookie-encodeuri", "cookie values written with encodeURI: ';', ',', '=', '+', "
           "'/' and '&' go into the jar unescaped",
           (('d.cookie = name + "=" + encodeURIComponent(value)',
             'd.cookie = name + "=" + encodeURI(value)'),)),
    Mutant("cookie-decodeuri", "cookie values read with decodeURI: escapes of reserved "
           "characters (%2B, %2F, %3D, %26) stay escaped",
           (("return decodeURIComponent(end < 0 ? value : value.slice(0, end));",
             "return decodeURI(end < 0 ? value : value.slice(0, end));"),)),
    Mutant("form-cookie-ignores-opt-out", "the form submission cookie is set on arrival even "
           "when opted out (one write path skips the consent answer)",
           (("if (allowed && value) writeCookie",
             "if ((allowed || p === \"wt_fsid\") && value) writeCookie"),)),
    Mutant("empty-parameter-kept", "an empty tracking parameter is skipped: it stays in the "
           "address bar",
           (("if (value === null) continue;", "if (!value) continue;"),)),
    Mutant("percent-encoded-name-missed", "the quick check drops '%': a parameter whose name "
           "is percent-encoded (%77t_ctx) is not read",
           (('if (search.indexOf("wt_") < 0 && search.indexOf("%") < 0) return;',
             'if (search.indexOf("wt_") < 0) return;'),)),
    Mutant("cleanup-through-page-history", "the address bar is cleaned with the page's "
           "history.replaceState (as the page or its router may have wrapped it)",
           (('if (found) replaceState.call(history, history.state, "", url.href);',
             'if (found) history.replaceState(history.state, "", url.href);'),)),
    Mutant("cleanup-removes-foreign-wt-params", "the cleanup also removes every other wt_ "
           "parameter (the page's own wt_ref, wt_campaign)",
           (('if (found) replaceState.call(history, history.state, "", url.href);',
             'if (found) Array.from(url.searchParams.keys()).forEach(function (k) {\n'
             '      if (k.indexOf("wt_") === 0) url.searchParams.delete(k);\n    });\n'
             '    if (found) replaceState.call(history, history.state, "", url.href);'),)),
    # -- consent ----------------------------------------------------------------------------
    Mutant("optout-hook-captured-at-start", "disableCookiesUsage is looked up once, when the "
           "script starts: a banner that defines it later is never asked",
           (('var honourGpc = script.getAttribute("data-gpc") !== "ignore";',
             'var honourGpc = script.getAttribute("data-gpc") !== "ignore", '
             "hook = w.disableCookiesUsage;"),
            ('if (typeof w.disableCookiesUsage === "function" && w.disableCookiesUsage()) '
             "return true;",
             'if (typeof hook === "function" && hook()) return true;'))),
    Mutant("hidden-page-sends-nothing", "nothing is sent from a hidden page (meant for "
           "background tabs): clicks flushed as the page is left are lost",
           (("  function track(who, type, fields) {\n",
             "  function track(who, type, fields) {\n"
             "    if (d.visibilityState === \"hidden\") return;\n"),)),
    # -- visits -----------------------------------------------------------------------------
    Mutant("viewname-lowercased", "the view name is lower-cased",
           (('msdynci_viewname: location.pathname.split("/").filter(Boolean).pop() || "/",',
             'msdynci_viewname: (location.pathname.split("/").filter(Boolean).pop() || "/")'
             '.toLowerCase(),'),)),
    Mutant("root-viewname-empty", "the root page's view name is empty, not '/'",
           (('msdynci_viewname: location.pathname.split("/").filter(Boolean).pop() || "/",',
             'msdynci_viewname: location.pathname.split("/").filter(Boolean).pop() || "",'),)),
    Mutant("viewuri-lowercased", "the view URL is lower-cased (to match journeys "
           "case-insensitively)",
           (("      msdynci_viewuri: href,", "      msdynci_viewuri: href.toLowerCase(),"),)),
    Mutant("viewuri-encoded-again", "the view URL is passed through encodeURI: escapes "
           "already in it are escaped twice (%20 becomes %2520)",
           (("      msdynci_viewuri: href,", "      msdynci_viewuri: encodeURI(href),"),)),
    Mutant("viewuri-from-base", "the page URL is read from document.baseURI: a page with "
           "<base href> is named by its base",
           (("var href = location.href, who = href !== lastView && identity();",
             "var href = d.baseURI, who = href !== lastView && identity();"),)),
    Mutant("previous-referrer-without-query", "the previous view taken from the referrer "
           "loses its query",
           (('return d.referrer.indexOf(location.origin + "/") === 0 ? d.referrer : "";',
             'return d.referrer.indexOf(location.origin + "/") === 0 ? '
             'd.referrer.split("?")[0] : "";'),)),
    Mutant("previous-null-on-first", "the first page's previous view is null, not empty",
           (('return d.referrer.indexOf(location.origin + "/") === 0 ? d.referrer : "";',
             'return d.referrer.indexOf(location.origin + "/") === 0 ? d.referrer : null;'),)),
    Mutant("popstate-resets-history", "back and forward always count as a new visit with no "
           "previous view (lastView reset on popstate)",
           (('on("popstate", false, view);',
             'on("popstate", false, function () { lastView = ""; view(); });'),)),
    Mutant("history-errors-swallowed", "the history wrapper swallows the page's own "
           "pushState errors (a SecurityError for another origin no longer reaches the app)",
           (("var result = original.apply(this, arguments);",
             "var result;\n      try { result = original.apply(this, arguments); } "
             "catch (err) { api.errors++; }"),)),
    # -- clicks -----------------------------------------------------------------------------
    Mutant("input-buttons-counted", "input type=submit and type=button are taken for "
           "buttons too",
           (('"a[href],area[href],button,[role=link],[role=button]"',
             '"a[href],area[href],button,input[type=submit],input[type=button],[role=link],'
             '[role=button]"'),)),
    Mutant("outbound-from-element-host", "outbound compares the element's own host "
           "property: an SVG link or a [role=link] has none and is always outbound",
           (("to.host !== location.host", "el.host !== location.host"),)),
    Mutant("new-tab-as-outbound", "a link opening in a new tab (target=_blank) is outbound "
           "even to the same host",
           (("to.host !== location.host,",
             "(to.host !== location.host || el.target === \"_blank\"),"),)),
    Mutant("linkuri-against-origin", "the raw href is resolved against the origin, not the "
           "page: a relative SVG link below the root names the wrong target",
           (("return new URL(href, location.href).href;",
             "return new URL(href, location.origin).href;"),)),
    Mutant("linkuri-null-for-buttons", "a button's target is sent as null, not empty",
           (("msdynci_linkuri: href,", "msdynci_linkuri: href || null,"),)),
    Mutant("click-title-from-link-title", "a click's page title is the link's title "
           "attribute when it has one",
           (("      msdynci_viewtitle: d.title\n    };",
             "      msdynci_viewtitle: el.title || d.title\n    };"),)),
    Mutant("click-viewuri-without-hash", "a click's page URL loses its fragment (visits "
           "keep it)",
           (("      msdynci_viewuri: location.href,\n",
             "      msdynci_viewuri: location.href.split(\"#\")[0],\n"),)),
    Mutant("lclick-screen-coordinates", "left clicks use screen coordinates (screenX/Y)",
           (('activated(el, "LClick", e.pageX, e.pageY);',
             'activated(el, "LClick", e.screenX, e.screenY);'),)),
    Mutant("key-scroll-from-document-element", "a key's scroll offset is read from "
           "documentElement (0 in quirks mode, where the body scrolls)",
           (("box.left + box.width / 2 + w.scrollX, box.top + box.height / 2 + w.scrollY",
             "box.left + box.width / 2 + d.documentElement.scrollLeft, "
             "box.top + box.height / 2 + d.documentElement.scrollTop"),)),
    Mutant("key-centre-first-line", "a key's centre is that of the element's first line box "
           "(a link wrapped over two lines)",
           (("var box = el.getBoundingClientRect();",
             "var box = el.getClientRects()[0] || el.getBoundingClientRect();"),)),
    Mutant("echo-any-element", "after a key, the next click is skipped whatever element it "
           "is on",
           (("if (el === keyTarget) { keyTarget = null; return; }",
             "if (keyTarget) { keyTarget = null; return; }"),)),
    Mutant("other-buttons-as-middle", "back and forward mouse buttons (3, 4) are reported "
           "as middle clicks",
           (("if (el && BUTTONS[e.button]) activated(el, BUTTONS[e.button], e.pageX, e.pageY);",
             "if (el && e.button) activated(el, BUTTONS[e.button] || \"MClick\", e.pageX, "
             "e.pageY);"),)),
    Mutant("dblclick-counted", "a double click is also reported as one more left click",
           (('  on("click", false, commit);\n',
             '  on("dblclick", true, function (e) {\n    var el = linkOf(e);\n'
             '    if (el) activated(el, "LClick", e.pageX, e.pageY);\n  });\n'
             '  on("click", false, commit);\n'),)),
    Mutant("prevented-click-dropped", "a click the page cancelled (preventDefault, as routers "
           "do) is dropped as no navigation",
           (('  on("click", false, commit);\n',
             '  on("click", false, function (e) {\n'
             '    if (e.defaultPrevented) pending = null;\n    else commit();\n  });\n'),)),
    Mutant("commit-timer-second", "an activation whose event never reaches the window waits "
           "a second instead of a task",
           (("setTimeout(safe(commit), 0);", "setTimeout(safe(commit), 1000);"),)),
    # -- delivery -----------------------------------------------------------------------------
    Mutant("form-submission-only-on-visits", "the form submission id is sent with visits "
           "only: a form-only visitor's clicks are anonymous",
           (("form_submission: who.form_submission, events",
             "form_submission: type === \"website_visited\" ? who.form_submission : null, "
             "events"),)),
    Mutant("occurred-at-page-load", "occurred_at is the page's load time "
           "(performance.timeOrigin) for every event of the page",
           (("fields.occurred_at = new Date().toISOString();",
             "fields.occurred_at = new Date(performance.timeOrigin).toISOString();"),)),
    Mutant("event-id-math-random", "event_id from Math.random and the clock: not 32 hex "
           "digits",
           (('    var bytes = new Uint8Array(16), out = "";',
             "    return Math.random().toString(16).slice(2) + Date.now().toString(16);\n"
             '    var bytes = new Uint8Array(16), out = "";'),)),
    Mutant("beacon-unbound", "sendBeacon called unbound (kept in a variable): it throws, and "
           "the fallback is never tried",
           (("if (!(nav.sendBeacon && nav.sendBeacon(endpoint, body))) {",
             "var beacon = nav.sendBeacon;\n    if (!(beacon && beacon(endpoint, body))) {"),)),
    Mutant("fallback-default-content-type", "the fallback fetch sets no Content-Type (a "
           "string body is sent as text/plain;charset=UTF-8)",
           (('credentials: "omit",\n        headers: { "Content-Type": "text/plain" }',
             'credentials: "omit"'),)),
    # -- round 7: tables, listener phases and targets, field types, orders ---------------
    Mutant("year-as-52-weeks", "the cookie lasts 52 weeks (31449600 s), a day short of a "
           "year",
           (("var YEAR = 31536000;", "var YEAR = 31449600;"),)),
    Mutant("year-as-leap-year", "the cookie lasts 366 days",
           (("var YEAR = 31536000;", "var YEAR = 31622400;"),)),
    Mutant("samesite-only-on-https", "SameSite=Lax is written beside Secure, on https only",
           (('"; samesite=lax" + (location.protocol === "https:" ? "; secure" : "");',
             '(location.protocol === "https:" ? "; samesite=lax; secure" : "");'),)),
    Mutant("partitioned-cookie", "the cookie is written Partitioned (CHIPS): refused "
           "without Secure on http",
           (('"; samesite=lax"', '"; samesite=lax; partitioned"'),)),
    Mutant("arrival-writes-before-consent", "the arrival writes the cookie whatever the "
           "consent; the visit's identity() removes it a moment later",
           (("if (allowed && value) writeCookie", "if (value) writeCookie"),)),
    Mutant("cleanup-pushes-entry", "the address bar is cleaned by pushState: the tracked "
           "address stays one entry back",
           (('if (found) replaceState.call(history, history.state, "", url.href);',
             'if (found) history.pushState(history.state, "", url.href);'),)),
    Mutant("cleanup-leaves-question-mark", "the cleaned address is put together by hand: a "
           "lone '?' is left when no other parameter remains",
           (('replaceState.call(history, history.state, "", url.href);',
             'replaceState.call(history, history.state, "", url.origin + url.pathname + "?" + '
             'url.searchParams + url.hash);'),)),
    Mutant("view-before-arrival", "the first visit is sent before the arrival is read",
           (('  safe(arrive)();\n  if (d.readyState === "loading") d.addEventListener('
             '"DOMContentLoaded", safe(view));\n  else safe(view)();',
             '  if (d.readyState === "loading") d.addEventListener("DOMContentLoaded", '
             'safe(view));\n  else safe(view)();\n  safe(arrive)();'),)),
    Mutant("click-identity-from-last-visit", "a click reuses the identity the last visit "
           "was sent with (an opt-out since is not asked)",
           (("var lastView = null, keyTarget = null, pending = null;",
             "var lastView = null, keyTarget = null, pending = null, lastWho = null;"),
            ("who = href !== lastView && identity();",
             "who = href !== lastView && (lastWho = identity());"),
            ("var who = fields && identity();", "var who = fields && lastWho;"))),
    Mutant("history-visit-before-navigation", "the history wrapper reads the visit before "
           "calling the original",
           (("var result = original.apply(this, arguments);\n      setTimeout(safe(view), 0);",
             "setTimeout(safe(view), 0);\n      safe(view)();\n"
             "      var result = original.apply(this, arguments);"),)),
    Mutant("viewuri-truncated", "the visit's URL is cut to 1024 characters",
           (("msdynci_viewuri: href,", "msdynci_viewuri: href.slice(0, 1024),"),)),
    Mutant("keycode-table-off-by-one", "keys looked up by keyCode, Space written as 31",
           (('var KEYS = { Enter: "KEnter", " ": "KSpace" };',
             'var KEYS = { 13: "KEnter", 31: "KSpace" };'),
            ("action = KEYS[e.key];", "action = KEYS[e.keyCode];"))),
    Mutant("click-listener-bubbling", "the left-click listener is registered in the "
           "bubbling phase",
           (('on("click", true, function (e) {', 'on("click", false, function (e) {'),)),
    Mutant("capture-listeners-on-document", "the capturing listeners are put on the "
           "document, not the window",
           (("w.addEventListener(type, safe(fn), capture);",
             "(capture ? d : w).addEventListener(type, safe(fn), capture);"),)),
    Mutant("passive-listeners", "every listener is registered passive",
           (("w.addEventListener(type, safe(fn), capture);",
             "w.addEventListener(type, safe(fn), { capture: capture, passive: true });"),)),
    Mutant("once-listeners", "every listener is registered with once: true",
           (("w.addEventListener(type, safe(fn), capture);",
             "w.addEventListener(type, safe(fn), { capture: capture, once: true });"),)),
    Mutant("mousedown-bubbling", "the press that resets the echo filter is heard in the "
           "bubbling phase (a page stopping it leaves the filter set)",
           (('on("mousedown", true,', 'on("mousedown", false,'),)),
    Mutant("lclick-client-coordinates", "left clicks use viewport coordinates (clientX/Y)",
           (('activated(el, "LClick", e.pageX, e.pageY);',
             'activated(el, "LClick", e.clientX, e.clientY);'),)),
    Mutant("coordinates-not-rounded", "coordinates are sent unrounded",
           (('Math.round(x) + "," + Math.round(y)', 'x + "," + y'),)),
    Mutant("linkuri-only-http", "only http(s) targets are reported: a mailto: or "
           "javascript: link's target is empty",
           (("    return new URL(href, location.href).href;",
             "    var url = new URL(href, location.href);\n"
             "    return /^https?:$/.test(url.protocol) ? url.href : \"\";"),)),
    Mutant("non-http-links-ignored", "a mailto:, tel: or javascript: link is no activation",
           (("var href = target(el), to = href && new URL(href);",
             "var href = target(el), to = href && new URL(href);\n"
             "    if (to && !/^https?:$/.test(to.protocol)) return;"),)),
    Mutant("button-selector-submit-only", "only button[type=submit] is a button",
           (('button,[role=link]', 'button[type=submit],[role=link]'),)),
    Mutant("alt-click-ignored", "an Alt click (a download) is no activation",
           (("    if (!el) return;\n    if (el === keyTarget)",
             "    if (!el || e.altKey) return;\n    if (el === keyTarget)"),)),
    Mutant("touch-taps-ignored", "a tap (pointerType touch) is left to a touch handler that "
           "never came",
           (("    if (!el) return;\n    if (el === keyTarget)",
             "    if (!el || e.pointerType === \"touch\") return;\n    if (el === keyTarget)"),)),
    Mutant("multi-click-merged", "the second click of a double click is dropped",
           (("    if (!el) return;\n    if (el === keyTarget)",
             "    if (!el || e.detail > 1) return;\n    if (el === keyTarget)"),)),
    Mutant("repeat-activation-throttled", "activations of one element within 300 ms are "
           "merged",
           (("  function activated(el, action, x, y) {\n    commit();",
             "  var lastEl = null, lastAt = 0;\n"
             "  function activated(el, action, x, y) {\n"
             "    if (el === lastEl && Date.now() - lastAt < 300) return;\n"
             "    lastEl = el; lastAt = Date.now();\n    commit();"),)),
    Mutant("fetch-before-beacon", "a keepalive fetch is preferred; the beacon only where "
           "there is no fetch",
           (("if (!(nav.sendBeacon && nav.sendBeacon(endpoint, body))) {",
             "if (w.fetch || !(nav.sendBeacon && nav.sendBeacon(endpoint, body))) {"),)),
    Mutant("occurred-at-without-zone", "occurred_at sent without its 'Z'",
           (("new Date().toISOString();", "new Date().toISOString().slice(0, -1);"),)),
    Mutant("null-context-as-empty", "a visitor known by the form submission alone is sent "
           "with an empty context",
           (("context: who.context,", 'context: who.context || "",'),)),
    Mutant("form-submission-omitted-when-null", "a null form submission is left out of the "
           "body",
           (("form_submission: who.form_submission, events",
             "form_submission: who.form_submission || undefined, events"),)),
    Mutant("outbound-as-number", "the outbound flag is sent as 1 or 0",
           (("!!to && /^https?:$/.test(to.protocol) && to.host !== location.host,",
             "+(!!to && /^https?:$/.test(to.protocol) && to.host !== location.host),"),)),
    Mutant("coordinates-as-array", "coordinates are sent as an array [X, Y]",
           (('Math.round(x) + "," + Math.round(y)', "[Math.round(x), Math.round(y)]"),)),
    Mutant("visibility-on-window", "the hidden-tab flush listens on the window",
           (('d.addEventListener("visibilitychange"', 'w.addEventListener("visibilitychange"'),)),
    Mutant("key-scroll-from-body", "a key's scroll offset is read from the body (0 in "
           "standards mode)",
           (("box.left + box.width / 2 + w.scrollX, box.top + box.height / 2 + w.scrollY",
             "box.left + box.width / 2 + d.body.scrollLeft, "
             "box.top + box.height / 2 + d.body.scrollTop"),)),
    Mutant("cookie-not-encoded", "the cookie value is written as it came",
           (("encodeURIComponent(value)", "value"),)),
    Mutant("popstate-on-document", "back and forward are listened for on the document",
           (('on("popstate", false, view);',
             'd.addEventListener("popstate", safe(view));'),)),
    Mutant("keys-on-keypress", "keys are handled on keypress (a page cancelling keydown "
           "hides them)",
           (('on("keydown", true, function (e) {', 'on("keypress", true, function (e) {'),)),
    Mutant("ctrl-enter-ignored", "a key with Ctrl or Cmd held (Ctrl+Enter opens a new tab) "
           "is no activation",
           (("if (!el || !action || e.repeat) return;",
             "if (!el || !action || e.repeat || e.ctrlKey || e.metaKey) return;"),)),
    Mutant("auxclick-listener-bubbling", "the middle and right click listener is registered "
           "in the bubbling phase",
           (('on("auxclick", true, function (e) {', 'on("auxclick", false, function (e) {'),)),
    Mutant("visit-on-idle", "the first visit waits for an idle moment "
           "(requestIdleCallback)",
           (("  else safe(view)();",
             "  else (w.requestIdleCallback || setTimeout)(safe(view));"),)),
    Mutant("jar-read-once", "the cookie jar is read once and kept: a cookie deleted while the "
           "page is open still identifies",
           (("var jar = d.cookie, found = {}, any = false;",
             "var jar = api.jar = api.jar || d.cookie, found = {}, any = false;"),)),
    Mutant("aux-button-from-which", "the button is read from the legacy which (1-based)",
           (("BUTTONS[e.button]) activated(el, BUTTONS[e.button],",
             "BUTTONS[e.which - 1]) activated(el, BUTTONS[e.which - 1],"),)),
    # -- eighth round (gate8): the mechanical kinds a held-out checker writes ----------------
    Mutant("started-guard-and", "the second-copy guard written with && (a copy that finds "
           "itself starts again)",
           (("if (api.started || !script) return;", "if (api.started && !script) return;"),)),
    Mutant("gpc-not-false", "GPC counted unless it is false (a browser without it opts out)",
           (("nav.globalPrivacyControl === true;", "nav.globalPrivacyControl !== false;"),)),
    Mutant("cookie-first-missed", "a cookie at the very start of the jar is not found "
           "(< 0 written <= 0)",
           (("if (at < 0) return null;", "if (at <= 0) return null;"),)),
    Mutant("cookie-value-off-by-one", "the value is read from one character too far",
           (("jar.slice(at + name.length + 1)", "jar.slice(at + name.length + 2)"),)),
    Mutant("cookie-empty-value-runs-on", "an empty value followed by other cookies runs on "
           "to the end of the jar (end < 0 written end <= 0)",
           (("decodeURIComponent(end < 0 ? value", "decodeURIComponent(end <= 0 ? value"),)),
    Mutant("removal-condition-inverted", "the opt-out expires the cookies it did not find",
           (('if (found[p] !== null) writeCookie(PARAMS[p], "", 0);',
             'if (found[p] === null) writeCookie(PARAMS[p], "", 0);'),)),
    Mutant("anonymous-sends", "a visitor with neither cookie is sent too (nulls)",
           (("return any ? { context: found.wt_ctx, form_submission: found.wt_fsid } : null;",
             "return { context: found.wt_ctx, form_submission: found.wt_fsid };"),)),
    Mutant("arrival-check-or", "the arrival's quick check written with || (a parameter "
           "without '%' in the query is skipped)",
           (('search.indexOf("wt_") < 0 && search.indexOf("%") < 0',
             'search.indexOf("wt_") < 0 || search.indexOf("%") < 0'),)),
    Mutant("arrival-check-boundary", "the quick check's < 0 written <= 0",
           (('search.indexOf("wt_") < 0 &&', 'search.indexOf("wt_") <= 0 &&'),)),
    Mutant("cleanup-args-swapped", "the cleanup's state and title arguments swapped",
           (('replaceState.call(history, history.state, "", url.href)',
             'replaceState.call(history, "", history.state, url.href)'),)),
    Mutant("events-not-array", "the batch's events sent as the object itself, not a list",
           (("events: [fields]", "events: fields"),)),
    Mutant("occurred-at-utc-string", "occurred_at written with toUTCString",
           (("new Date().toISOString()", "new Date().toUTCString()"),)),
    Mutant("beacon-guard-or", "the beacon feature check written with || (a beacon is never "
           "sent, nor the fallback)",
           (("nav.sendBeacon && nav.sendBeacon(endpoint, body)",
             "nav.sendBeacon || nav.sendBeacon(endpoint, body)"),)),
    Mutant("fallback-same-origin-credentials", "the fallback fetch's credentials "
           "'same-origin' instead of 'omit'",
           (('credentials: "omit"', 'credentials: "same-origin"'),)),
    Mutant("fallback-put", "the fallback fetch uses PUT",
           (('method: "POST"', 'method: "PUT"'),)),
    Mutant("view-dedupe-or", "the visit's dedupe check written with ||",
           (("href !== lastView && identity()", "href !== lastView || identity()"),)),
    Mutant("viewname-first-segment", "the view name is the first path segment (shift for pop)",
           ((".filter(Boolean).pop()", ".filter(Boolean).shift()"),)),
    Mutant("target-typeof-inverted", "the target is read from the attribute for strings and "
           "from the property otherwise",
           (('typeof el.href === "string"', 'typeof el.href !== "string"'),)),
    Mutant("button-tagname-lowercase", "buttons are recognised by a lower-case tag name",
           (('el.tagName === "BUTTON"', 'el.tagName === "button"'),)),
    Mutant("coordinates-x-twice", "the click's Y is its X again",
           (('Math.round(x) + "," + Math.round(y)', 'Math.round(x) + "," + Math.round(x)'),)),
    Mutant("commit-timer-removed", "no timer sends an activation whose event never bubbles "
           "to the window",
           (("    setTimeout(safe(commit), 0);\n", ""),)),
    Mutant("commit-without-pending-check", "commit asks the identity even with nothing "
           "pending (and throws on it)",
           (("var who = fields && identity();", "var who = identity();"),)),
    Mutant("listener-phases-flipped", "every listener registered in the other phase",
           (("w.addEventListener(type, safe(fn), capture);",
             "w.addEventListener(type, safe(fn), !capture);"),)),
    Mutant("echo-target-kept", "the key's echo filter is not cleared by the echo it skipped",
           (("if (el === keyTarget) { keyTarget = null; return; }",
             "if (el === keyTarget) { return; }"),)),
    Mutant("key-guard-and", "the key guard's || written && (unknown keys activate, repeats "
           "count)",
           (("if (!el || !action || e.repeat) return;",
             "if (!el || !action && e.repeat) return;"),)),
    Mutant("key-scroll-subtracted", "a key's vertical scroll is subtracted",
           (("box.top + box.height / 2 + w.scrollY", "box.top + box.height / 2 - w.scrollY"),)),
    Mutant("key-scroll-axes-swapped", "a key's scroll offsets swapped (scrollY for X)",
           (("box.left + box.width / 2 + w.scrollX, box.top + box.height / 2 + w.scrollY",
             "box.left + box.width / 2 + w.scrollY, box.top + box.height / 2 + w.scrollX"),)),
    Mutant("keydown-flush-removed", "the key activation is not flushed on its bubbling "
           "keydown (the timer sends it)",
           (('  on("keydown", false, commit);\n', ""),)),
    Mutant("pageshow-persisted-inverted", "the restore check inverted (the first load is "
           "visited twice, a restore never)",
           (("if (e.persisted) {", "if (!e.persisted) {"),)),
    Mutant("hidden-not-visible", "the flush runs when the state is not 'visible'",
           (('d.visibilityState === "hidden"', 'd.visibilityState !== "visible"'),)),
    Mutant("history-result-dropped", "the history wrapper returns nothing",
           (("      return result;\n", ""),)),
    Mutant("ready-state-inverted", "the ready-state check inverted",
           (('if (d.readyState === "loading")', 'if (d.readyState !== "loading")'),)),
    Mutant("ready-state-interactive", "the ready-state literal 'interactive' for 'loading'",
           (('if (d.readyState === "loading")', 'if (d.readyState === "interactive")'),)),
    Mutant("domcontentloaded-as-load", "the parsed page is awaited by 'load' on the document "
           "(which never hears it)",
           (('d.addEventListener("DOMContentLoaded"', 'd.addEventListener("load"'),)),
    Mutant("pagehide-as-beforeunload", "the pending click is flushed on beforeunload",
           (('on("pagehide", false, commit);', 'on("beforeunload", false, commit);'),)),
    Mutant("echo-reset-on-pointerdown", "the echo filter is reset by pointerdown",
           (('on("mousedown", true,', 'on("pointerdown", true,'),)),
    Mutant("area-without-href", "any area (also without href) is a link",
           (('"a[href],area[href],button,', '"a[href],area,button,'),)),
    Mutant("role-token-match", "a role is matched as one of several tokens ([role~=button])",
           (("[role=link],[role=button]", "[role~=link],[role~=button]"),)),
    Mutant("space-as-enter", "the Space key's action written KEnter",
           (('" ": "KSpace"', '" ": "KEnter"'),)),
    Mutant("title-trimmed", "the visit's title trimmed",
           (("      msdynci_viewtitle: d.title,\n      msdynci_viewtype",
             "      msdynci_viewtitle: d.title.trim(),\n      msdynci_viewtype"),)),
    Mutant("endpoint-relative", "the endpoint resolved as 'collect' (relative)",
           (('new URL("/collect", script.src)', 'new URL("collect", script.src)'),)),
    Mutant("optout-try-removed", "the opt-out hook is called unguarded (its exception "
           "escapes)",
           (("    try {\n      if (typeof w.disableCookiesUsage",
             "    {\n      if (typeof w.disableCookiesUsage"),
            ("    } catch (err) {\n      return true;\n    }\n", "    }\n"))),
    Mutant("errors-rethrown", "the guard counts an error and throws it on (to the page)",
           (("try { return fn(e); } catch (err) { api.errors++; }",
             "try { return fn(e); } catch (err) { api.errors++; throw err; }"),)),
    Mutant("view-error-swallowed", "the previous view is read inside a try whose catch "
           "drops the visit silently",
           (("    var previous = previousView();\n",
             "    var previous;\n    try { previous = previousView(); } catch (err) "
             "{ return; }\n"),)),
    Mutant("event-id-loop-boundary", "the id loop runs one byte too far (< written <=)",
           (("i < bytes.length; i++", "i <= bytes.length; i++"),)),
    Mutant("outbound-port-number", "the outbound check compares host name and port "
           "run together instead of the host",
           (("to.host !== location.host",
             "to.hostname + to.port !== location.hostname + location.port"),)),
)
