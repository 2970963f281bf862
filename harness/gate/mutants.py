"""Plausible regressions of the reference tracker: each must make the gate fail."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Mutant:
    name: str
    what: str
    edits: tuple[tuple[str, str], ...]  # (exact text in the reference, replacement)

    def apply(self, source: str) -> str:
        for old, new in self.edits:
            if source.count(old) != 1:
                raise ValueError(f"mutant {self.name}: {old!r} is not in the tracker exactly "
                                 f"once; update the mutant with the tracker")
            source = source.replace(old, new)
        return source

    def write(self, reference: Path, folder: Path) -> Path:
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / f"{self.name}.js"
        path.write_text(self.apply(reference.read_text(encoding="utf-8")), encoding="utf-8")
        return path


MUTANTS = (
    Mutant("swapped-buttons", "middle and right clicks reported as each other",
           (('{ 1: "MClick", 2: "RClick" }', '{ 1: "RClick", 2: "MClick" }'),)),
    Mutant("dropped-field", "website_visited loses msdynci_viewpreviousviews",
           (('      msdynci_viewpreviousviews: previous\n', ""),
            ('      msdynci_viewtype: "page",\n', '      msdynci_viewtype: "page"\n'))),
    Mutant("cookie-before-consent", "the arrival cookie is set before the opt-out is asked",
           (("allowed = !optedOut();", "allowed = true;"),)),
    Mutant("lost-beacon-on-navigation", "clicks are sent late and not flushed when leaving",
           (('if (who) track(who, "website_link_clicked", fields);',
             'if (who) setTimeout(function () { track(who, "website_link_clicked", fields); }, '
             '25);'),
            ('on("pagehide", false, commit);', ""),
            ('if (d.visibilityState === "hidden") commit();', ""))),
    Mutant("short-lived-cookie", "the tracking cookie lasts a day instead of a year",
           (("var YEAR = 31536000;", "var YEAR = 86400;"),)),
    Mutant("gpc-ignored", "Global Privacy Control is not taken as an opt-out",
           (("return honourGpc && nav.globalPrivacyControl === true;", "return false;"),)),
    Mutant("enter-counted-twice", "Enter on a link is a KEnter and also an LClick",
           (("if (el === keyTarget) { keyTarget = null; return; }", ""),)),
    Mutant("outbound-inverted", "the outbound flag is true for same-host links",
           (("to.host !== location.host", "to.host === location.host"),)),
    Mutant("parameter-kept", "the tracking parameter stays in the address bar",
           (("if (found) replaceState.call", "if (false) replaceState.call"),)),
    Mutant("cookie-kept-on-opt-out", "an existing cookie is not removed when opted out",
           (('for (p in PARAMS) if (found[p] !== null) writeCookie(PARAMS[p], "", 0);', ""),)),
    Mutant("click-before-page-handlers", "a click is decided before the page's own handlers "
           "(the 'reject' click itself is sent)",
           (("setTimeout(safe(commit), 0);", "commit();"),)),
    Mutant("viewport-coordinates", "click coordinates are viewport, not page, coordinates",
           (('activated(el, BUTTONS[e.button], e.pageX, e.pageY)',
             'activated(el, BUTTONS[e.button], e.clientX, e.clientY)'),
            ('activated(el, "LClick", e.pageX, e.pageY)',
             'activated(el, "LClick", e.clientX, e.clientY)'))),
    Mutant("full-path-view-name", "msdynci_viewname carries the whole path",
           (('location.pathname.split("/").filter(Boolean).pop() || "/"',
             'location.pathname'),)),
    # Regressions the scenarios once let through (harness/scenarios/test_regressions_*.py).
    Mutant("removal-without-path", "the opt-out's removal writes no path=/: below the root "
           "(default path: the page's folder) the cookie stays",
           (('if (found[p] !== null) writeCookie(PARAMS[p], "", 0);',
             'if (found[p] !== null) d.cookie = PARAMS[p] + "=; max-age=0";'),)),
    Mutant("local-time-as-utc", "occurred_at is the visitor's local time labelled UTC",
           (("fields.occurred_at = new Date().toISOString();",
             "fields.occurred_at = new Date(Date.now() - new Date().getTimezoneOffset() * "
             "60000).toISOString();"),)),
    Mutant("subdomain-not-outbound", "a link to a subdomain of the page's host is not outbound",
           (("to.host !== location.host",
             '!(to.host === location.host || to.host.slice(-location.host.length - 1) === '
             '"." + location.host)'),)),
    Mutant("visit-before-render", "an in-page navigation is read at the pushState call, "
           "before the router sets its title",
           (("      setTimeout(safe(view), 0);\n      return result;",
             "      safe(view)();\n      return result;"),)),
    Mutant("renewed-before-consent", "each page renews the cookie for a year before the "
           "opt-out is asked (set, then removed, while opted out)",
           (("    if (optedOut()) {\n",
             "    for (var q in PARAMS) if (found[q]) writeCookie(PARAMS[q], found[q], YEAR);\n"
             "    if (optedOut()) {\n"),)),
    # Further regressions that passed the whole gate (test_regressions_{arrival,elements,
    # traversal}.py catch them and the classes around them).
    Mutant("keep-existing-cookie", "a second tracked link leaves the cookie of the first: the "
           "visitor stays the first link's profile",
           (("if (allowed && value) writeCookie(PARAMS[p], value, YEAR);",
             "if (allowed && value && readCookie(d.cookie, PARAMS[p]) === null) "
             "writeCookie(PARAMS[p], value, YEAR);"),)),
    Mutant("page-function-overrides-gpc", "a page's disableCookiesUsage() answering false "
           "turns Global Privacy Control off",
           (('if (typeof w.disableCookiesUsage === "function" && w.disableCookiesUsage()) '
             'return true;',
             'if (typeof w.disableCookiesUsage === "function") return !!w.disableCookiesUsage();'),
            )),
    Mutant("coordinates-cut", "click coordinates are cut to whole pixels, not rounded",
           (('Math.round(x) + "," + Math.round(y)', 'Math.floor(x) + "," + Math.floor(y)'),)),
    Mutant("title-cut", "the visit's title is cut to 100 characters",
           (("msdynci_viewtitle: d.title,", "msdynci_viewtitle: d.title.slice(0, 100),"),)),
    Mutant("empty-href-no-target", "a link with href=\"\" (this page) reports no target",
           (('if (!href || el.tagName === "BUTTON") return "";',
             'if (!href || !el.getAttribute("href") || el.tagName === "BUTTON") return "";'),)),
    # Regressions gated from outside (test_regressions_{activations,pages,frames}.py catch
    # them). A double click debounced, the site from the host name and nothing in frames
    # passed the whole gate before those; the other four were caught by earlier scenarios
    # too (a click after a key, a page left at once, the back-forward cache), the new ones
    # catch them by the behaviour itself.
    Mutant("double-click-debounced", "a second click on the same element within 500 ms is "
           "dropped as double counting (a double click is two activations)",
           (("    if (el === keyTarget) { keyTarget = null; return; }\n",
             "    if (el === keyTarget) { keyTarget = null; return; }\n"
             "    if (el === api.lastEl && Date.now() - api.lastAt < 500) return;\n"
             "    api.lastEl = el; api.lastAt = Date.now();\n"),)),
    Mutant("pointerless-click-dropped", "every click without a pointer (detail 0) is taken for "
           "a key's echo: link.click() and assistive technology's clicks are lost",
           (("    if (el === keyTarget) { keyTarget = null; return; }\n",
             "    if (e.detail === 0) { keyTarget = null; return; }\n"),)),
    Mutant("key-echo-awaited", "a key's echo click is awaited until the next key: a real click "
           "after a key on a [role=button] (which makes no echo) is dropped",
           (('  on("mousedown", true, function () { keyTarget = null; });\n', ""),)),
    Mutant("site-from-host", "the site id is taken from the host name, not from data-site",
           (('var site = script.getAttribute("data-site");',
             'var site = location.hostname.split(".")[0];'),)),
    Mutant("document-listeners", "inputs are listened to on the document, below a page's "
           "window handlers that stop propagation",
           (("    w.addEventListener(type, safe(fn), capture);",
             "    d.addEventListener(type, safe(fn), capture);"),)),
    Mutant("visit-on-load", "the visit is sent on the window's load: a page left before its "
           "last image arrived is no visit",
           (('  if (d.readyState === "loading") d.addEventListener("DOMContentLoaded", safe(view));'
             '\n  else safe(view)();',
             '  if (d.readyState !== "complete") w.addEventListener("load", safe(view));\n'
             '  else safe(view)();'),)),
    Mutant("frame-blind", "the script does nothing inside a frame (a page of the site framed "
           "by the site is no visit)",
           (("if (api.started || !script) return;",
             "if (api.started || !script || w.top !== w) return;"),)),
    # Hand-written regressions of harness/gate/probes that passed every scenario, killed
    # since by test_regressions_human.py and test_arrival.py's https/http cookie check.
    Mutant("click-page-read-when-sent", "the click's page is read when it is sent, not when "
           "it happened (a router has moved the address on by then)",
           (("      msdynci_viewuri: location.href,\n      msdynci_viewtitle: d.title\n",
             "      msdynci_viewtitle: d.title\n"),
            ('    if (who) track(who, "website_link_clicked", fields);',
             "    if (who) { fields.msdynci_viewuri = location.href; "
             'track(who, "website_link_clicked", fields); }'))),
    Mutant("opt-out-only-boolean-true", "only a boolean true from disableCookiesUsage() "
           "opts out (a banner answering 'yes' is tracked)",
           (("w.disableCookiesUsage()) return true;",
             "w.disableCookiesUsage() === true) return true;"),)),
    Mutant("secure-by-script-url", "Secure decided on the script's URL, not the page's: an "
           "http page with the script from an https collector gets a Secure cookie",
           (('(location.protocol === "https:" ? "; secure" : "")',
             '(endpoint.indexOf("https:") === 0 ? "; secure" : "")'),)),
    Mutant("button-form-target", "a button reports its form's action as its target",
           (('if (!href || el.tagName === "BUTTON") return "";',
             'if (el.tagName === "BUTTON") return el.form ? el.form.action : "";\n'
             '    if (!href) return "";'),)),
    Mutant("retry-after-opt-out", "a failed delivery is retried every second, for ever: "
           "also once the visitor has opted out",
           ((".catch(function () { api.errors++; });",
             ".catch(function retry() { api.errors++; setTimeout(function () { "
             'fetch(endpoint, { method: "POST", body: body, keepalive: true, '
             'credentials: "omit", headers: { "Content-Type": "text/plain" } })'
             ".catch(retry); }, 1000); });"),)),
    Mutant("gpc-read-once", "Global Privacy Control is read once, when the script starts: "
           "turned on mid-visit, it is not heeded",
           (('var honourGpc = script.getAttribute("data-gpc") !== "ignore";',
             'var honourGpc = script.getAttribute("data-gpc") !== "ignore", '
             "gpcAtStart = nav.globalPrivacyControl === true;"),
            ("return honourGpc && nav.globalPrivacyControl === true;",
             "return honourGpc && gpcAtStart;"))),
    Mutant("arrival-unguarded", "the arrival runs unguarded: a page's history wrapper that "
           "throws after cleaning the address bar stops the script before the visit",
           (("  safe(arrive)();", "  arrive();"),)),
    Mutant("short-event-id", "event_id from one random byte: ids collide within a visit, "
           "and a colliding interaction is lost",
           (("new Uint8Array(16)", "new Uint8Array(1)"),)),
    # The red team's probes (gatered) that passed every scenario, killed since by
    # test_regressions_signals.py and the scenarios named in probes/README.md.
    Mutant("dnt-counted", "navigator.doNotTrack = \"1\" is taken as an opt-out too",
           (("return honourGpc && nav.globalPrivacyControl === true;",
             "return honourGpc && (nav.globalPrivacyControl === true || "
             "nav.doNotTrack === \"1\");"),)),
    Mutant("gpc-attribute-any-value", "any data-gpc attribute (also data-gpc=\"honour\") "
           "turns GPC off",
           (('var honourGpc = script.getAttribute("data-gpc") !== "ignore";',
             'var honourGpc = !script.hasAttribute("data-gpc");'),)),
    Mutant("index-is-root", "the view name of /index.html is '/', as for the root",
           (('msdynci_viewname: location.pathname.split("/").filter(Boolean).pop() || "/",',
             'msdynci_viewname: location.pathname.replace(/\\/index\\.html$/, "/").split("/")'
             '.filter(Boolean).pop() || "/",'),)),
    Mutant("restore-visit-delayed", "a page shown again from the back-forward cache sends "
           "its visit a second later",
           (('    if (e.persisted) { lastView = ""; view(); }',
             '    if (e.persisted) { lastView = ""; setTimeout(safe(view), 1000); }'),)),
    Mutant("secure-context-only", "on https only the tracking context cookie is Secure, the "
           "form submission cookie not",
           (('(location.protocol === "https:" ? "; secure" : "")',
             '(location.protocol === "https:" && name === CONTEXT ? "; secure" : "")'),)),
    Mutant("click-viewuri-from-last-visit", "a click names the page of the last visit sent, "
           "not the page it happened on",
           (("      msdynci_viewuri: location.href,\n      msdynci_viewtitle: d.title\n",
             "      msdynci_viewuri: lastView || location.href,\n"
             "      msdynci_viewtitle: d.title\n"),)),
    Mutant("coordinates-device-pixels", "coordinates are multiplied by devicePixelRatio "
           "(device pixels, not CSS pixels)",
           (('msdynci_clickcoordinates: Math.round(x) + "," + Math.round(y),',
             'msdynci_clickcoordinates: Math.round(x * w.devicePixelRatio) + "," + '
             'Math.round(y * w.devicePixelRatio),'),)),
    Mutant("role-button-anchor-no-target", "an a[href role=button] is taken for a button: "
           "no target",
           (('if (!href || el.tagName === "BUTTON") return "";',
             'if (!href || el.tagName === "BUTTON" || el.getAttribute("role") === "button") '
             'return "";'),)),
    # Sixth round (gatered2), passed every scenario before test_regressions_unseen.py.
    Mutant("viewuri-from-base", "the page URL is read from document.baseURI: a page with "
           "<base href> is named by its base",
           (("var href = location.href, who = href !== lastView && identity();",
             "var href = d.baseURI, who = href !== lastView && identity();"),)),
    Mutant("cleanup-removes-foreign-wt-params", "the cleanup also removes every other wt_ "
           "parameter (the page's own wt_ref, wt_campaign)",
           (('if (found) replaceState.call(history, history.state, "", url.href);',
             'if (found) Array.from(url.searchParams.keys()).forEach(function (k) {\n'
             '      if (k.indexOf("wt_") === 0) url.searchParams.delete(k);\n    });\n'
             '    if (found) replaceState.call(history, history.state, "", url.href);'),)),
    Mutant("form-cookie-ignores-opt-out", "the form submission cookie is set on arrival even "
           "when opted out (one write path skips the consent answer)",
           (("if (allowed && value) writeCookie",
             "if ((allowed || p === \"wt_fsid\") && value) writeCookie"),)),
    Mutant("echo-any-element", "after a key, the next click is skipped whatever element it "
           "is on",
           (("if (el === keyTarget) { keyTarget = null; return; }",
             "if (keyTarget) { keyTarget = null; return; }"),)),
    Mutant('click-title-from-link-title', "a click's page title is the link's title "
           "attribute when it has one",
           (('      msdynci_viewtitle: d.title\n    };',
             '      msdynci_viewtitle: el.title || d.title\n    };'),)),
    Mutant('commit-timer-second', 'an activation whose event never reaches the window waits '
           'a second instead of a task',
           (('setTimeout(safe(commit), 0);',
             'setTimeout(safe(commit), 1000);'),)),
    Mutant('key-centre-first-line', "a key's centre is that of the element's first line box "
           "(a link wrapped over two lines)",
           (('var box = el.getBoundingClientRect();',
             'var box = el.getClientRects()[0] || el.getBoundingClientRect();'),)),
    Mutant("key-scroll-from-document-element", "a key's scroll offset is read from "
           "documentElement (0 in quirks mode, where the body scrolls)",
           (("box.left + box.width / 2 + w.scrollX, box.top + box.height / 2 + w.scrollY",
             "box.left + box.width / 2 + d.documentElement.scrollLeft, "
             "box.top + box.height / 2 + d.documentElement.scrollTop"),)),
    Mutant("year-as-52-weeks", "the cookie lasts 52 weeks (31449600 s), a day short of a "
           "year",
           (("var YEAR = 31536000;", "var YEAR = 31449600;"),)),
    Mutant("alt-click-ignored", "an Alt click (a download) is no activation",
           (("    if (!el) return;\n    if (el === keyTarget)",
             "    if (!el || e.altKey) return;\n    if (el === keyTarget)"),)),
    Mutant("cleanup-pushes-entry", "the address bar is cleaned by pushState: the tracked "
           "address stays one entry back",
           (('if (found) replaceState.call(history, history.state, "", url.href);',
             'if (found) history.pushState(history.state, "", url.href);'),)),
    Mutant("ctrl-enter-ignored", "a key with Ctrl or Cmd held (Ctrl+Enter opens a new tab) "
           "is no activation",
           (("if (!el || !action || e.repeat) return;",
             "if (!el || !action || e.repeat || e.ctrlKey || e.metaKey) return;"),)),
    Mutant("jar-read-once", "the cookie jar is read once and kept: a cookie deleted while the "
           "page is open still identifies",
           (("var jar = d.cookie, found = {}, any = false;",
             "var jar = api.jar = api.jar || d.cookie, found = {}, any = false;"),)),
    Mutant("visit-on-idle", "the first visit waits for an idle moment "
           "(requestIdleCallback): a page busy until it is left loses it",
           (("  else safe(view)();",
             "  else (w.requestIdleCallback || setTimeout)(safe(view));"),)),
    Mutant("shadow-links-unseen", "a link inside an open shadow root is looked up from the "
           "event's target, the component, and is missed",
           (("    if (inner && inner.getRootNode() !== d) return inner;\n", ""),)),
    Mutant("title-trimmed", "the visit's title trimmed (a no-break space at its end lost)",
           (("      msdynci_viewtitle: d.title,\n      msdynci_viewtype",
             "      msdynci_viewtitle: d.title.trim(),\n      msdynci_viewtype"),)),
    Mutant("role-token-match", "a role is matched as one of several tokens ([role~=button])",
           (("[role=link],[role=button]", "[role~=link],[role~=button]"),)),
    Mutant("outbound-port-number", "the outbound check compares host name and port run "
           "together instead of the host",
           (("to.host !== location.host",
             "to.hostname + to.port !== location.hostname + location.port"),)),
)
