"""Decide one site-state from its evidence: pure, so every verdict can be tested by a table.

A state in which the visitor is opted out passes when, after the opt-out (contract §8; the
opt-out counts from the moment its last listed step begins, :func:`opt_out_moment`):

- no tracking cookie (a name in ``tracking_cookies``) exists at the end, whoever set it, and
  none was written (``document.cookie``, ``Set-Cookie``, the Cookie Store API);
- no request reached a beacon host (or a host under it) by any means, seen by the browser
  or only on the wire (the audit's proxy: what a closing page sends), the visitor's own entry
  link and the tracker's own script excepted (unless its address carries an identifier); no
  WebSocket, no message on one opened before the choice, and no connection hint to one
  either;
- nothing that can identify the visitor was written to any browser storage: any other
  cookie, localStorage, sessionStorage, IndexedDB, Cache Storage (:func:`stored_identifier`:
  an identifier, a random run or an id-named entry; a preference such as ``lang=en-GB``,
  a count or a page address is not, as the contract asks of storage only that no identifier
  is written). A write counts when a hook
  saw it after the opt-out, or when the stock taken at the end holds an entry that was not
  there, or not with that value, at the opt-out (so workers and hook-proof writes count too);
- no identifier is kept: a cookie or stored entry from before the opt-out whose value, or
  name, holds an identifier (``identifiers.tokens``) and is still there at the end;
- no request, to anyone (the site itself included), carries an identifier the page stored or
  sent before (or keeps wrapped): as is, URL-encoded, base64, hex or hashed, reversed,
  ROT13, in other case, wrapped layer in layer, split over parameters or cut in two to eight
  pieces over several requests, in a header, the body or the path, or in the page's address
  a Referer tells another origin (``identifiers``); a message another origin's document
  received (``postMessage``), what a frame of another origin is handed (a fragment, a name),
  a WebSocket's address, a connection hint's, a WebRTC server's and a data channel's message
  count as requests;
- no validator the HTTP cache keeps (``ETag``, ``Last-Modified``) that was issued to this
  visitor alone is sent back (``validators``), and no identifier given to this visitor alone
  in an answer's body before the opt-out (``served``) is sent after it.

Judgement, documented: what was stored *before* the opt-out is not itself a violation unless
it can identify the visitor and is kept. A consent record (:func:`is_consent_record_entry`:
a known consent platform's record by name, or a value that only records a choice, with its
date and version) is what honouring the opt-out needs, so it is not an identifier; names in
``storage_allow`` (cookies, storage keys, ``db/store`` prefixes, cache names) are the site's
own strictly necessary entries. Removals are never violations.

Every violation is ``{kind, channel, via, initiator, t, time_basis, phase, what, evidence}``:
``channel`` is ``cookie``, ``storage`` or ``request``; ``via`` the means (``Set-Cookie``,
``localStorage``, ``sendBeacon``, ``image``…); ``t`` seconds after the opt-out, on the page's
clock (``time_basis`` ``page``: virtual time, as timers saw it) where the page reported the
moment, else on the wall clock (``real``).
"""

from __future__ import annotations

import json
import re
from urllib.parse import unquote, urlsplit

from ..pagehooks import MARKER_HOST, is_removal, parse_cookie
from . import cspreports, forgery, identifiers, validators
from .announced import announced
from .pieces import numbered

__all__ = ["decide", "decided_without_twins", "expects_nothing", "is_consent_record",
           "is_consent_record_entry", "is_removal", "known_consent_record", "opt_out_moment",
           "seen_requests", "sent_after", "stored_identifier", "violation"]

CONSENT_WORDS = re.compile(
    r"(true|false|yes|no|on|off|0|1|-1|null|none|all|accept(ed)?|reject(ed)?|den(y|ied)|"
    r"grant(ed)?|allow(ed)?|declined?|dismissed|closed|necessary|essential|opt[-_]?out|"
    r"opted[-_]?out|opt[-_]?in|opted[-_]?in)", re.I)
# Consent platforms' own records of the visitor's choice, by name: kept to honour it. Their
# values may carry a receipt id (OneTrust's consentId, a TCF string), which is theirs to
# keep. Only these names are taken on trust; any other name must hold a plain record.
KNOWN_RECORDS = re.compile(
    r"OptanonConsent|OptanonAlertBoxClosed|OTAdditionalConsentString|eupubconsent(-v2)?|"
    r"CookieConsent(Bulk(Setting|Ticket)?.*)?|didomi_token|euconsent(-v2)?|addtl_consent|"
    r"usprivacy|uc_settings|uc_user_interaction|ucData|klaro|cookieyes-consent|cmplz_.+|"
    r"_iub_cs-.+|borlabs-cookie|cookielawinfo-.+|viewed_cookie_policy|CookieScriptConsent|"
    r"osano_consentmanager(_uuid)?|axeptio_.+|tarteaucitron|notice_(preferences|gdpr_prefs)|"
    r"cmapi_.+|consentUUID|cc_cookie|site_consent|uc_.+|_sp_v1_.+|cookiefirst-consent|"
    r"__cmp.+|_ketch_consent.+|CookieControl|cookiehub|moove_gdpr_popup|"
    r"cookie_notice_accepted", re.I)
_ISO_DATE = re.compile(r"\d{4}-\d\d-\d\d([T ][\d:.]+(Z|[+-]\d\d:?\d\d)?)?")
_VERSION = re.compile(r"v?\d{1,4}(\.\d{1,4}){0,3}")
_WORDS = re.compile(r"[A-Za-z][A-Za-z _\-]{0,39}")
_STOCK_END = ("stock", "close")
# Keys under which a number is a version or a moment, not a count or an id.
_DATED_KEY = re.compile(r"version|rev|time|date|updated|created|expir|stamp|^ts$|when", re.I)


def expects_nothing(choice: str, gpc: bool, honours_gpc: bool) -> bool:
    """Whether the visitor is opted out in this state (then nothing may track them)."""
    return choice == "rejected" or (gpc and honours_gpc)


def _host(url: str) -> str:
    return (urlsplit(url).hostname or "").lower().rstrip(".")


_LOOPBACK = re.compile(r"localhost|127(\.\d{1,3}){3}|\[?::1\]?")


def _under(host: str, hosts: set[str]) -> bool:
    """Whether *host* is one of *hosts* or a host under one (``x.collector.localhost``).
    On a loopback estate (beacon hosts under ``.localhost``) the bare loopback names reach
    the same server, so they are the beacon host too."""
    if _LOOPBACK.fullmatch(host) and any(h.endswith(".localhost") for h in hosts):
        return True
    return any(host == h or host.endswith("." + h) for h in hosts)


def _plain_leaf(node, key: str = "") -> bool:
    if node is None or isinstance(node, bool):
        return True
    if isinstance(node, (int, float)):  # a version or a moment, under a key that says so
        return node in (0, 1, -1) or (_DATED_KEY.search(key) is not None and (
            0 <= node < 1e4 or 1e9 <= node < 2.2e9 or 1e12 <= node < 2.2e12))
    text = str(node)
    return bool(CONSENT_WORDS.fullmatch(text) or _ISO_DATE.fullmatch(text)
                or _VERSION.fullmatch(text) or _WORDS.fullmatch(text))


def is_consent_record(value: str) -> bool:
    """Whether a stored value records only a consent choice: choice words and flags, or a
    structure of them with dates, versions and category names, and nothing else."""
    text = unquote(value or "").strip()
    if not text or CONSENT_WORDS.fullmatch(text):
        return True
    try:
        data = json.loads(text)
    except ValueError:
        return False

    def leaves(node, key: str = "") -> bool:
        if isinstance(node, dict):
            return all(_WORDS.fullmatch(str(k)) and leaves(v, str(k)) for k, v in node.items())
        if isinstance(node, list):
            return all(leaves(v, key) for v in node)
        return _plain_leaf(node, key)

    return leaves(data)


def known_consent_record(name: str) -> bool:
    """Whether *name* is a known consent platform's record of the choice."""
    return bool(name) and KNOWN_RECORDS.fullmatch(name) is not None


def is_consent_record_entry(name: str, value: str) -> bool:
    """Whether a cookie or stored entry is a consent record: a known platform's record by
    its name (whatever it holds), or any name holding a plain record (:func:`is_consent_record`)."""
    return known_consent_record(name) or is_consent_record(value)


def stored_identifier(name: str, value: str | None, builds: frozenset[str] = frozenset()
                      ) -> bool:
    """Whether writing *name* = *value* after the opt-out stores an identifier: able to
    single the visitor out (:func:`identifiers.identifying`), or named by one (a key
    ``uid_8f3a9c2e77`` holding ``1``), and not a known consent platform's record. A
    preference such as ``lang=en``, or a record of the choice with its date and version,
    cannot."""
    return not known_consent_record(name) and (
        _named_identifier(name, builds) or
        identifiers.identifying(name, identifiers.without(value or "", builds)))


def _allowed(site, key: str) -> bool:
    return any(key == a or key.startswith(a.rstrip("/") + "/") for a in site.storage_allow)


def csrf_named(name: str) -> bool:
    """Whether an entry's *name* says it holds a token against request forgery (what it
    is, :func:`forgery.is_token` decides by what the page does with it)."""
    return forgery.named(name)


def _csrf_tokens(site, evidence: dict, cookies: list[dict], seen: list[dict]
                 ) -> dict[str, set[str]]:
    """The entries that are tokens against forgery by what the page did with them
    (:func:`forgery.is_token`): name → the identifiers their values hold."""
    own = (urlsplit(site.start).hostname or "").lower().rstrip(".")
    home: dict[str, bool] = {}
    held: dict[str, set[str]] = {}
    others: set[str] = set()  # identifiers kept under any other name

    def entry(name: str, value: str | None, host: str) -> None:
        found = identifiers.tokens(identifiers.unwrap(value or ""))
        if forgery.named(name):
            home[name] = home.get(name, True) and bool(own) and _under(own, {host})
            held.setdefault(name, set()).update(found)
        elif not known_consent_record(name) and name not in site.tracking_cookies:
            others.update(found)

    for c in evidence["cookies"] + evidence.get("cookies_at_opt_out", []):
        entry(c["name"], c.get("value"), (c.get("domain") or own).lstrip(".").lower())
    for w in cookies:
        domain = parse_cookie(w.get("value", ""))[2].get("domain", "").lstrip(".")
        entry(w["name"], w["cookie_value"], domain.lower() or _host(
            w.get("url") or w.get("page") or site.start))
    stock = evidence.get("stored") or {}
    for i in evidence["storage_writes"] + stock.get("at_opt_out", []) + stock.get("end", []):
        entry(_entry_name(i), i.get("value"), _host(i.get("origin") or i.get("page")
                                                    or site.start))
    if not held:
        return {}
    sent = seen + [r for r in sent_after(evidence, seen) if r["method"] in ("HINT", "ICE")
                   or r.get("api") == "WebSocket"]
    # The hosts under the site's that served its pages (``www.``): its own too.
    pages = {_host(r["url"]) for r in evidence["requests"]
             if r.get("resource_type") == "document" and _under(_host(r["url"]), {own})}
    out = {}
    texts = [identifiers.request_text(r["url"], r.get("headers"), r.get("body")) for r in sent]
    for name, tokens in held.items():
        uses = []
        for token in tokens:
            uses += [(r, where) for r, text in zip(sent, texts, strict=True)
                     if (where := forgery.places(r, token, text))]
        if forgery.is_token(name, home[name], uses, own, bool(tokens & others), pages):
            out[name] = tokens
    return out


def _posing(name: str, csrf: dict) -> str:
    """What to add to a violation of an entry named as a token against forgery."""
    return " (named as a token against request forgery, but not used as one: sent to " \
        "another host, in an address, by a beacon or kept under another name too)" if \
        forgery.named(name) and name not in csrf else ""


def _own_site(site, url: str) -> bool:
    """Whether *url* is on the audited site's own host (or one under it)."""
    own = (urlsplit(site.start).hostname or "").lower().rstrip(".")
    return bool(own) and _under(_host(url), {own})


def _is_code(site, request: dict) -> bool:
    """The tracker's own script, loaded with no identifier in its address."""
    parts = urlsplit(request["url"])
    return request.get("resource_type") == "script" and parts.path.endswith(
        tuple(site.script_paths)) and not identifiers.tokens(parts.query)


# Calls that report what the page saw, not a request it made (their address is the page's).
_NOT_A_MAKER = frozenset({"CSP report", "frame", "postMessage", "WebSocket (subprotocols)"})


def _call_for(request: dict, calls: list[dict]) -> dict | None:
    """The script call that made *request*: an API call first, else the browser's own
    initiator type (resource timing) as the page saw it."""
    url = request["url"].split("#")[0]
    by = [c for c in calls if c["url"].split("#")[0] == url and c["at"] <= request["at"] + 1.0
          and c["api"] not in _NOT_A_MAKER]
    direct = [c for c in by if not c["api"].startswith("resource:")]
    if direct:
        return direct[-1]
    later = [c for c in calls if c["url"].split("#")[0] == url and c["api"].startswith(
        "resource:") and c["at"] <= request["at"] + 30.0]
    found = by or later
    return found[-1] if found else None


def seen_requests(evidence: dict) -> list[dict]:
    """Every request, the browser's and those seen only on the wire, matched where both
    saw it (the wire adds headers and body), each with the call that made it; and every
    message the page sent on an open WebSocket (method ``SEND``, its text as the body)."""
    seen = [dict(r, seen_by="browser") for r in evidence["requests"]]
    unmatched: dict[tuple[str, str], list[dict]] = {}
    for r in seen:
        unmatched.setdefault((r["method"], r["url"].split("#")[0]), []).append(r)
    for w in evidence.get("wire", []):
        twins = unmatched.get((w["method"], w["url"].split("#")[0]))
        if twins:
            twin = twins.pop(0)
            twin.update(seen_by="browser+wire", headers=w.get("headers"), body=w.get("body"))
            continue
        kind = "websocket" if w["method"] == "CONNECT" else "unreported"
        seen.append({**w, "resource_type": kind, "seen_by": "wire"})
    calls = evidence.get("calls", [])
    out = []
    for r in seen:
        if _host(r["url"]) == MARKER_HOST:
            continue
        call = _call_for(r, calls)
        if call:
            r = {**r, "api": call["api"].removeprefix("resource:"), "clock": call.get("clock"),
                 "script": call.get("script") or r.get("script"),
                 "page": call.get("page")}
        out.append(r)
    # A message sent on an open WebSocket reaches its host as surely as a request: the
    # socket may have been opened before the choice, the message is sent after it.
    for call in calls:
        if call["api"] == "WebSocket.send":
            out.append({**call, "method": "SEND", "resource_type": "websocket",
                        "seen_by": "page (a message on an open socket)"})
        elif call["api"] == "postMessage":  # to another origin's document
            out.append({**call, "method": "MESSAGE", "resource_type": "postMessage",
                        "seen_by": f"the document it reached (from {call.get('from')})"})
        elif call["api"] == "WebTransport":  # over QUIC: only the page's call shows it
            out.append({**call, "method": "CONNECT", "resource_type": "webtransport",
                        "seen_by": "page (a WebTransport session, over HTTP/3 past any "
                                   "proxy)"})
        elif call["api"] == "RTCDataChannel.send":  # a peer's channel, as the socket's
            out.append({**call, "method": "SEND", "resource_type": "webrtc",
                        "seen_by": "page (a message on a WebRTC data channel)"})
        elif call["api"] == "EventSource (reconnecting)":  # due when the browser sees fit
            out.append({**call, "method": "GET", "resource_type": "eventsource",
                        "headers": {"last-event-id": call.get("body") or ""}, "body": None,
                        "seen_by": "page (a reconnection the browser has scheduled)"})
        elif call["api"] == "frame":  # another origin's frame, handed a fragment or a name
            out.append({**call, "method": "FRAME", "resource_type": "iframe",
                        "seen_by": "the frame (its address's fragment and its name)"})
        elif call["api"] == "WebSocket (subprotocols)":  # in a handshake the proxy tunnels
            out.append({**call, "method": "GET", "resource_type": "websocket",
                        "headers": {"Sec-WebSocket-Protocol": call.get("body") or ""},
                        "body": None, "seen_by": "page (the subprotocols a WebSocket asks "
                                                 "for, sent in its handshake)"})
    # A violation of the page's security policy is reported where the policy says, whether
    # or not the audit is still there when the browser sends it.
    named: dict[str, str] = {}
    for answer in evidence.get("reporting", []):
        named.update(cspreports.groups(answer["headers"], answer["url"]))
    out += cspreports.reports(calls, named, evidence.get("wire", []))
    return out


def _requests(site, evidence: dict, seen: list[dict]) -> list[dict]:
    """Every request that reached a beacon host (or a host under one), with its initiator."""
    beacon_hosts = {h.lower().rstrip(".") for h in site.beacon_hosts}
    return [r for r in seen if _under(_host(r["url"]), beacon_hosts)
            and r["url"] != evidence.get("entry") and not _is_code(site, r)]


def _initiator(item: dict) -> str:
    """Who made it: the script (from the stack), else the frame or page, else the server."""
    if item.get("script"):
        return f"by {item['script']}"
    if item.get("by") == "Set-Cookie" and item.get("url"):
        return f"by the response of {item['url']}"
    if item.get("frame"):
        return f"from {item['frame']}"
    if item.get("page"):
        return f"on {item['page']}"
    if item.get("origin"):
        return f"on {item['origin']} (no hook saw the write: a worker, or a write no API call made)"
    if item.get("seen_by") == "wire":
        return ("seen only on the wire: the browser did not report it (a closing page's, "
                "or a worker's)")
    return "unknown"


def _clock_at_opt_out(evidence: dict, boundary: float | None) -> float | None:
    """The page clock (ms) at the opt-out, from events that carry both clocks and came
    before any simulated time was run (until then the page clock runs with the wall clock:
    the first page's load and the opt-out; an opted-out visitor's page is settled before
    the ``then`` steps, and without an opt-out step ``then`` is still unsettled).
    An event reaches the harness a little after it happened, never before: the one that
    arrived soonest tells the offset best."""
    if boundary is None:
        return None
    settled = next((p["at"] for p in evidence.get("phases", []) if p["name"] == "settle"),
                   None)
    offsets = [item["clock"] / 1000 - item["at"]
               for key in ("lifecycle", "calls", "cookie_writes", "storage_writes", "hints")
               for item in evidence.get(key, [])
               if item.get("clock") is not None and item.get("phase") in ("load", "opt-out",
                                                                         "then")
               and (settled is None or item["at"] < settled)]
    return (boundary + max(offsets)) * 1000 if offsets else None


def _end(evidence: dict) -> float | None:
    """When the visit ended (the stock was taken): the moment of what was found only then."""
    moments = [p["at"] for p in evidence.get("phases", []) if p["name"] in _STOCK_END]
    return max(moments) if moments else None


def _cookies_named(evidence: dict) -> list[dict]:
    """Every cookie write (script, Cookie Store, Set-Cookie), name and value parsed."""
    out = []
    for write in evidence["cookie_writes"] + evidence["set_cookies"]:
        name, value, _ = parse_cookie(write.get("value", ""))
        out.append({**write, "name": name, "cookie_value": value})
    return out


def _url_parts(url: str) -> str:
    """A cached URL's query and bare path segments (``app.v3.css`` is a file, not an id)."""
    parts = urlsplit(url)
    return parts.query + " " + " ".join(s for s in parts.path.split("/") if "." not in s)


def _kept_key(item: dict) -> str:
    """What an entry keeps: its value (and for a file of the origin private file system its
    path), or for Cache Storage the URLs it caches and, taken in stock, the answer's text
    (the stock names an entry ``cache/URL`` and reads answers other than static assets; the
    hook reports the URLs put, space-separated)."""
    if item["storage"] == "opfs":  # a file's or a folder's name may be the identifier
        return item["key"].replace("/", " ") + " " + (item.get("value") or "")
    if item["storage"] != "cacheStorage":
        return item.get("value") or ""
    key = item["key"]
    if "://" in key.partition("/")[0]:  # the hook's: URLs, and the method as its value
        return " ".join(_url_parts(url) for url in key.split())
    return _url_parts(key.partition("/")[2]) + " " + (item.get("value") or "") + " " + (
        item.get("headers") or "")  # the answer's headers but the standard ones


def _entry_name(item: dict) -> str:
    """The name the page gave a stored entry, which may itself be the identifier (a key
    ``uid_8f3a9c2e77`` holding ``1``): a web storage key, an IndexedDB ``db/store/key``, a
    file's path, or for Cache Storage the URLs cached (their query and bare path segments,
    :func:`_url_parts`) and the cache's name, as the stock reads it (the hook's key is the
    URLs only)."""
    key = item.get("key") or ""
    if item.get("storage") != "cacheStorage":
        return key
    if re.match(r"[a-z][a-z0-9+.-]*://", key):  # the hook's
        return " ".join(_url_parts(url) for url in key.split())
    name, _, url = key.partition("/")  # the stock's: the cache's name, then the URL
    return f"{name} {_url_parts(url)}"


# A consent platform's own receipt of the choice, in its record (OneTrust's consentId,
# Cookiebot's stamp, Didomi's user_id, Usercentrics' controllerId, CookieYes' consentid):
# one per visitor, and theirs to keep as proof. Any other field that differs is not.
_RECEIPT = re.compile(r"(?i)consent_?(id|uuid)|stamp|user_?id|controller_?id|uuid")


def _per_visitor(site, evidence: dict, csrf: dict[str, set[str]], violations: list[dict]
                 ) -> list[dict]:
    """The slots two fresh visitors told apart (``differential``, differential.py) that
    nothing excuses: not an entry already reported, a tracking cookie (judged by name), an
    entry the site declares necessary (``storage_allow``), a token against forgery used as
    one (forgery.py), a consent platform's own record whole (an opaque string) or its
    receipt field, or a field of a request to a beacon host (every such request is)."""
    reported = {(v.get("evidence") or {}).get(k) for v in violations for k in ("name", "key")}
    tokens = set().union(*csrf.values()) if csrf else set()
    beacon_hosts = {h.lower().rstrip(".") for h in site.beacon_hosts}
    # The answer headers of a cached entry (a CDN's request id) differ per answer, not per
    # person. (A value kept unchanged since before the opt-out is judged as the other checks
    # judge one: an identifier kept is one the site still holds; see "kept" above.)
    out = []
    for found in evidence.get("differential") or []:
        name, field = found["name"], found.get("field") or ""
        if found["channel"] != "request" and field.startswith("header "):
            continue
        if found["channel"] == "request":
            if _under(found["slot"][2], beacon_hosts) or (
                    _own_site(site, "http://" + found["slot"][2] + "/") and
                    any(t in found["mine"] for t in tokens)):
                continue
        elif name in reported or name in site.tracking_cookies or _allowed(site, name) or \
                name in csrf or known_consent_record(name) and (
                not field or _RECEIPT.fullmatch(field.rsplit(".", 1)[-1])):
            continue
        out.append(found)
    return out


def _named_identifier(name: str, builds: frozenset[str] = frozenset()) -> bool:
    """Whether an entry's *name* holds an identifier, whatever it keeps (a known consent
    platform's record is named by the platform, its site id included)."""
    return not known_consent_record(name) and bool(identifiers.name_tokens(name, builds))


def _known_ids(site, evidence: dict, cookies: list[dict], builds: frozenset[str] = frozenset()
               ) -> dict[str, dict[str, str]]:
    """Identifiers the page keeps or sent to a beacon host: token → the forms it may take."""
    values = []
    for c in cookies:
        values.append((c["name"], c["cookie_value"]))
    for c in evidence["cookies"] + evidence.get("cookies_at_opt_out", []):
        values.append((c["name"], c.get("value", "")))
    stock = evidence.get("stored") or {}
    for i in evidence["storage_writes"] + stock.get("at_opt_out", []) + stock.get("end", []):
        values.append((_entry_name(i), (i.get("value") or "") + (
            f" {i['headers']}" if i.get("headers") else "")))
    found: set[str] = set()
    for name, value in values:
        tracking = name in site.tracking_cookies
        if tracking or not _allowed(site, name):
            # An identifier may be the entry's name (its value a mere flag).
            if tracking:
                found |= identifiers.tokens(name)
            elif _named_identifier(name, builds):
                found |= identifiers.name_tokens(name, builds)
            if tracking or not is_consent_record_entry(name, value):
                # What a value wraps is kept too (base64 of JSON holding the id, say).
                found |= identifiers.tokens(identifiers.unwrap(
                    identifiers.without(value or "", builds)))
    # An id carried in the site's own links, which its pages opened after the opt-out.
    found |= identifiers.decorated(evidence["requests"], urlsplit(site.start).hostname,
                                   opt_out_moment(evidence)) - set(
        evidence.get("static_links") or ())
    # A prefixed identifier (``vid_8f3a9c2e77``, a key's or a value's) may go out bare.
    found |= {p for t in found for p in identifiers.tokens(re.sub(r"[_-]", " ", t))}
    return {t: identifiers.forms(t) for t in found - builds}


def sent_after(evidence: dict, seen: list[dict] | None = None) -> list[dict]:
    """Everything that went out after the opt-out, to anyone, as requests to search for an
    identifier: the requests (*seen*, :func:`seen_requests`), a WebSocket's address, a
    connection hint's, a WebRTC server's, what answers' headers have the browser request
    (:func:`announced.announced`); the entry link excepted."""
    seen = seen_requests(evidence) if seen is None else seen
    boundary = opt_out_moment(evidence)
    # A WebSocket's address goes out in its handshake, which the proxy sees tunnelled only:
    # as the browser reported the socket, else as the page opened it.
    opened = evidence["websockets"] or [c for c in evidence.get("calls", [])
                                        if c["api"] == "WebSocket"]
    sockets = [{**s, "method": "GET", "resource_type": "websocket", "api": "WebSocket"}
               for s in opened]
    # A connection hint's address goes out too (a name looked up, a server dialled), as
    # does a WebRTC server's address a page configured (a STUN or TURN server).
    hinted = [{**h, "url": h["href"], "method": "HINT", "api": h["rel"]}
              for h in evidence["hints"]] + [
        {**c, "method": "ICE", "resource_type": "webrtc"} for c in evidence.get("calls", [])
        if c["api"] == "RTCPeerConnection"]
    # What an answer's headers have the browser request on its own, whenever it does.
    told = announced(evidence.get("announcing", []), seen)
    if boundary is None:
        return []
    return [r for r in seen + sockets + hinted + told if r["at"] >= boundary
            and r["url"] != evidence.get("entry") and not r["url"].startswith("tunnel://")]


_UNSET = object()


def opt_out_moment(evidence: dict) -> float | None:
    """When the visitor opted out: as the last listed opt-out step began (what its click sets
    off already concerns them), else when the choice was made (autoconsent, GPC)."""
    moments = [m for m in (evidence.get("opted_out_at"), evidence.get("opt_out_from"))
               if m is not None]
    return min(moments) if moments else None


def violation(evidence: dict, kind: str, channel: str, via: str, what: str, item: dict,
              initiator: str | None = None, clock0=_UNSET, end=_UNSET) -> dict:
    """One violation, with its channel, means, initiator and time after the opt-out (page
    time where *item* carries the page's clock, else wall time; the end of the visit for
    what was only found then), all also said in ``what``."""
    boundary = opt_out_moment(evidence)
    if clock0 is _UNSET:
        clock0 = _clock_at_opt_out(evidence, boundary)
    if end is _UNSET:
        end = _end(evidence)
    at = item.get("at") if item.get("at") is not None else end
    if item.get("clock") is not None and clock0 is not None:
        t, basis = round((item["clock"] - clock0) / 1000, 1), "page"
    elif at is not None and boundary is not None:
        t, basis = round(at - boundary, 1), "real"
    else:
        t, basis = None, "unknown"
    who = initiator or _initiator(item)
    when = f"{t:+.1f} s after the opt-out ({basis} time)" if t is not None else "time unknown"
    phase = f", during {item['phase']}" if item.get("phase") not in (
        None, "before", "after", "end") else ""
    return {"kind": kind, "channel": channel, "via": via, "initiator": who, "t": t,
            "time_basis": basis, "phase": item.get("phase"),
            "what": f"{what} [{channel} via {via}, {who}, {when}{phase}]", "evidence": item}


# What fails a state whatever a second fresh visitor would tell (differential.py): a
# request to a beacon host or a known tracker, a tracking cookie by its name. Every other
# kind rests on whether a value is an identifier, which the values two fresh visitors share
# can answer otherwise (the site's, the same for everyone).
_STANDING = frozenset({"cookie", "request", "websocket", "preconnect"})


def decided_without_twins(site, state: dict, evidence: dict, error: str | None) -> bool:
    """Whether one state's verdict stands whatever its site's twins tell: it is no opted-out
    state, it failed to run (*error*), or it fails on a violation no shared value lifts.
    More per-visitor slots would only add to a failure already certain."""
    if error or not expects_nothing(state["choice"], state["gpc"], site.honours_gpc):
        return True
    return any(v["kind"] in _STANDING or (
        v["kind"] == "cookie-write" and v["evidence"].get("name") in site.tracking_cookies)
        for v in decide(site, state, evidence)["violations"])


def decide(site, state: dict, evidence: dict) -> dict:
    """Return ``{verdict, violations, tracked}`` for one state of one site.

    ``verdict`` is ``pass`` or ``fail`` when the visitor is opted out, ``observed`` when
    tracking is allowed (the evidence then shows that the audit saw tracking at all).
    """
    boundary = opt_out_moment(evidence)
    seen = seen_requests(evidence)
    beacons = _requests(site, evidence, seen)
    tracked = bool(beacons)
    if not expects_nothing(state["choice"], state["gpc"], site.honours_gpc):
        return {"verdict": "observed", "violations": [], "tracked": tracked}
    clock0, end = _clock_at_opt_out(evidence, boundary), _end(evidence)
    violations: list[dict] = []

    def after(item: dict) -> bool:
        return boundary is not None and item["at"] >= boundary

    def flag(kind: str, channel: str, via: str, what: str, item: dict,
             initiator: str | None = None) -> None:
        violations.append(violation(evidence, kind, channel, via, what, item, initiator,
                                    clock0=clock0, end=end))

    cookies = _cookies_named(evidence)
    # Values kept that every fresh visitor is served too, the site's (validators.builds).
    builds = frozenset(evidence.get("builds") or ())
    csrf = _csrf_tokens(site, evidence, cookies, seen)
    for cookie in evidence["cookies"]:
        if cookie["name"] in site.tracking_cookies:
            setters = [w for w in cookies if w["name"] == cookie["name"] and not is_removal(w)]
            setter = setters[-1] if setters else {**cookie, "at": None, "phase": "stock"}
            flag("cookie", "cookie", setter.get("api") or setter.get("by") or "unknown",
                 f"tracking cookie {cookie['name']} exists after the opt-out", setter,
                 None if setters else "unknown: found in the cookie jar at the end")
            violations[-1]["cookie"] = cookie
    written = set()
    for write in cookies:
        if not after(write) or is_removal(write):
            continue
        name = write["name"]
        if name in site.tracking_cookies or (
                not _allowed(site, name) and name not in csrf and
                stored_identifier(name, write["cookie_value"], builds)):
            written.add(name)
            flag("cookie-write", "cookie", write.get("api") or write.get("by") or "unknown",
                 f"cookie {name or '(nameless)'} written after the opt-out" + _posing(
                     name, csrf) + (
                     "" if name in site.tracking_cookies else
                     " (a strictly necessary one, such as a session or CSRF token, is "
                     "declared in storage_allow)"), write)
    # An identifier kept in pieces, a few characters a cookie, each too short to tell.
    # (what is declared necessary, or a token against forgery, is no more one in pieces)
    in_pieces = {w["name"]: w["cookie_value"] or "" for w in cookies
                 if after(w) and not is_removal(w) and w["name"] not in written and
                 not _allowed(site, w["name"]) and w["name"] not in csrf}
    for stem, names, whole in numbered(in_pieces):
        if stored_identifier(stem, whole, builds):
            written.update(names)
            setter = next(w for w in cookies if w["name"] == names[0] and after(w))
            flag("cookie-write", "cookie", setter.get("api") or setter.get("by") or "unknown",
                 f"cookies {', '.join(names)} written after the opt-out hold an identifier "
                 f"in pieces ({whole!r})", setter)
    at_opt_out = {(c["name"], c.get("domain"), c.get("path")): c.get("value")
                  for c in evidence.get("cookies_at_opt_out", [])}
    if boundary is not None:
        for cookie in evidence["cookies"]:
            key = (cookie["name"], cookie.get("domain"), cookie.get("path"))
            if cookie["name"] in written or cookie["name"] in site.tracking_cookies or \
                    _allowed(site, cookie["name"]) or cookie["name"] in csrf:
                continue
            item = {**cookie, "at": None, "phase": "stock"}
            if at_opt_out.get(key, object()) != cookie.get("value"):
                if stored_identifier(cookie["name"], cookie["value"], builds):
                    flag("cookie-write", "cookie", "unknown (found in the cookie jar)",
                         f"cookie {cookie['name'] or '(nameless)'} on {cookie.get('domain')} "
                         "appeared or changed after the opt-out", item,
                         "unknown: no hook or response showed the write")
            elif not known_consent_record(cookie["name"]) and (
                    identifiers.name_tokens(cookie["name"], builds) or
                    identifiers.tokens(identifiers.without(cookie.get("value") or "", builds))):
                flag("kept", "cookie", "cookie jar",
                     f"cookie {cookie['name'] or '(nameless)'} holding an identifier, set "
                     "before the opt-out, is kept after it" + _posing(cookie["name"], csrf),
                     item,
                     f"set before the opt-out on {cookie.get('domain')}")
    for request in beacons:
        if after(request):
            flag("request", "request", request.get("api") or request.get("resource_type")
                 or "unknown", f"{request['method']} {request['url']} after the opt-out "
                 f"(seen by {request['seen_by']})", request)
    beacon_hosts = {h.lower().rstrip(".") for h in site.beacon_hosts}
    for socket in evidence["websockets"]:
        if _under(_host(socket["url"]), beacon_hosts) and after(socket):
            flag("websocket", "request", "WebSocket", f"WebSocket to {socket['url']}", socket)
    for hint in evidence["hints"]:
        if _under(_host(hint["href"]), beacon_hosts) and after(hint):
            flag("preconnect", "request", hint["rel"], f"{hint['rel']} to {hint['href']}",
                 hint)
    stored = set()
    for write in evidence["storage_writes"]:
        if after(write) and not _allowed(site, write["key"]) and \
                _entry_name(write) not in csrf and stored_identifier(
                _entry_name(write), _kept_key(write), builds):
            stored.add((write["storage"], write["key"]))
            flag("storage", "storage", write["storage"],
                 f"{write['storage']} {write['key']!r} written after the opt-out"
                 + _posing(_entry_name(write), csrf), write)
    stock = evidence.get("stored") or {}
    if boundary is not None and stock:
        before = {(i["origin"], i["storage"], i["key"]): i.get("value")
                  for i in stock.get("at_opt_out", [])}
        for item in stock.get("end", []):
            if any(s == item["storage"] and item["key"].startswith(k) for s, k in stored) or \
                    _allowed(site, item["key"]) or _entry_name(item) in csrf:
                continue
            key = (item["origin"], item["storage"], item["key"])
            found = {**item, "at": None, "phase": "stock"}
            if before.get(key, object()) != item.get("value"):
                if stored_identifier(_entry_name(item), _kept_key(item), builds):
                    flag("storage", "storage", item["storage"],
                         f"{item['storage']} {item['key']!r} on {item['origin']} is new or "
                         "changed since the opt-out (found when taking stock)", found)
            elif not known_consent_record(item["key"]) and (
                    identifiers.name_tokens(_entry_name(item), builds) or
                    identifiers.tokens(identifiers.without(_kept_key(item), builds))):
                flag("kept", "storage", item["storage"],
                     f"{item['storage']} {item['key']!r} on {item['origin']}, holding an "
                     "identifier written before the opt-out, is kept after it"
                     + _posing(_entry_name(item), csrf), found,
                     f"written before the opt-out on {item['origin']}")
    known = _known_ids(site, evidence, cookies, builds)
    for found in _per_visitor(site, evidence, csrf, violations):
        what = f"{found['channel']} {found['name']!r}" + (
            f", field {found['field']!r}," if found["field"] else "")
        flag("per-visitor", found["channel"], "differential (two fresh visitors)",
             f"{what} holds {found['mine'][:80]!r} for this visitor and "
             f"{found['other'][:80]!r} for a second fresh visitor: it {found['why']}: "
             "per-visitor state kept or sent after the opt-out, an identifier whatever its "
             "shape", {**found, "at": None, "phase": "stock"})
        if found["channel"] != "request":  # what a request carries of it is sent
            known.setdefault(found["mine"], identifiers.forms(found["mine"]))
    # A token against request forgery goes back to the site itself: no identifier there.
    forged = set().union(*csrf.values()) if csrf else set()
    # Given to this visitor alone in an answer's body, which the browser keeps (served.py).
    whence = {t: f"; given to this visitor alone in the answer of {s['url'][:120]}, which "
                 "the HTTP cache or Cache Storage keeps" for s in evidence.get("served", [])
              for t in s["tokens"]}
    known.update({t: identifiers.forms(t) for t in whence if t not in known})
    flagged = {id(r) for r in beacons}
    # A window (not a frame) is handed a fragment, a name or a message wherever it is; only
    # another party's is a sending (the site's own pages keep theirs: judged as storage).
    sent = [r for r in sent_after(evidence, seen)
            if not (r.get("window") and _own_site(site, r["url"]))]
    # The queries of the addresses the visitor was shown (a document's, one the history API
    # gave it): a Referer to the site itself holding another is one the page named.
    documents = [r["url"] for r in evidence["requests"] if r.get("resource_type") == "document"]
    shown = {urlsplit(u).query for u in documents} | {"", *(
        urlsplit((w.get("value") or "").split("#")[0]).query
        for w in evidence["storage_writes"] if w.get("storage") == "history.url")} \
        if documents else None
    pieces = []  # (request, its fields): one that carries none whole may carry a piece
    for request in sent:
        text = identifiers.request_text(request["url"], request.get("headers"),
                                        request.get("body"), request.get("method"), shown)
        found_ids = identifiers.carried(text, known)
        if forged and _own_site(site, request["url"]):
            found_ids = [f for f in found_ids if f[0] not in forged]
        if not found_ids:
            pieces.append((request, identifiers.fields(text)))
        elif id(request) not in flagged:
            how = ", ".join(f"{token} ({encoding}{whence.get(token, '')})"
                            for token, encoding in found_ids[:3])
            flag("identifier-sent", "request", request.get("api") or request.get(
                "resource_type") or "unknown", f"{request['method']} {request['url'][:200]} "
                f"carries an identifier the page keeps: {how}", request)
    for token, how, parts in identifiers.joined(set().union(*(f for _, f in pieces)), known):
        halves = [r for r, f in pieces if f & set(parts)]
        flag("identifier-sent", "request", halves[0].get("api") or halves[0].get(
            "resource_type") or "unknown", f"{token} is sent cut in "
            f"{ {2: 'two', 3: 'three'}.get(len(parts), str(len(parts)))} ({how}): "
            + ", ".join(f"{r['method']} {r['url'][:120]}" for r in halves[:3]), halves[0])
    fresh = evidence.get("validators") or {}
    for request in sent:
        for header, value in validators.echoed(request):
            if request["url"] in fresh and validators.issued(
                    header, value, fresh[request["url"]], request["at"]):
                given = validators.HEADERS[header]
                flag("identifier-sent", "request", f"HTTP cache ({given})",
                     f"{request['method']} {request['url'][:200]} sends back the {given} "
                     f"{value[:80]} this visitor alone was given ({header}): an identifier "
                     "kept in the HTTP cache", request)
    return {"verdict": "fail" if violations else "pass", "violations": violations,
            "tracked": tracked}
