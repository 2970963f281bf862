"""Decide one site-state from its evidence: pure, so every verdict can be tested by a table.

A state in which the visitor is opted out passes when, after the opt-out (contract §8):

- no tracking cookie (a name in ``tracking_cookies``) exists at the end, whoever set it, and
  none was written (``document.cookie``, ``Set-Cookie``, the Cookie Store API);
- no request reached a beacon host by any means, seen by the browser or only on the wire
  (the audit's proxy: what a closing page sends), the visitor's own entry link and the
  tracker's own script excepted; no WebSocket and no connection hint to one either;
- nothing that can identify the visitor was written to any browser storage: any other
  cookie, localStorage, sessionStorage, IndexedDB, Cache Storage. A write counts when a hook
  saw it after the opt-out, or when the stock taken at the end holds an entry that was not
  there, or not with that value, at the opt-out (so workers and hook-proof writes count too).

Judgement, documented: what was stored *before* the opt-out and is still there is not itself
a violation (the choice cannot reach back), unless it is a tracking cookie or was written
again after. A value that only records a consent choice (``rejected``, ``false``,
``{"analytics": false}``) is what honouring the opt-out needs, so it is not an identifier;
names in ``storage_allow`` (cookies, storage keys, ``db/store`` prefixes, cache names) are
the site's own strictly necessary entries. Removals are never violations.
"""

from __future__ import annotations

import json
import re
from urllib.parse import unquote, urlsplit

from ..pagehooks import MARKER_HOST, is_removal

__all__ = ["decide", "expects_nothing", "is_consent_record", "is_removal"]

CONSENT_WORDS = re.compile(
    r"(true|false|yes|no|on|off|0|1|-1|null|none|all|accept(ed)?|reject(ed)?|den(y|ied)|"
    r"grant(ed)?|allow(ed)?|declined?|dismissed|closed|necessary|essential|opt[-_]?out|"
    r"opted[-_]?out|opt[-_]?in|opted[-_]?in)", re.I)


def expects_nothing(choice: str, gpc: bool, honours_gpc: bool) -> bool:
    """Whether the visitor is opted out in this state (then nothing may track them)."""
    return choice == "rejected" or (gpc and honours_gpc)


def _host(url: str) -> str:
    return (urlsplit(url).hostname or "").lower()


def is_consent_record(value: str) -> bool:
    """Whether a stored value records only a consent choice (flags and choice words)."""
    text = unquote(value or "").strip()
    if not text or CONSENT_WORDS.fullmatch(text):
        return True
    try:
        data = json.loads(text)
    except ValueError:
        return False

    def leaves(node) -> bool:
        if isinstance(node, dict):
            return all(leaves(v) for v in node.values())
        if isinstance(node, list):
            return all(leaves(v) for v in node)
        return node is None or isinstance(node, bool) or \
            CONSENT_WORDS.fullmatch(str(node)) is not None

    return leaves(data)


def _cookie_value(write: dict) -> str:
    return write.get("value", "").split(";")[0].partition("=")[2]


def _allowed(site, key: str) -> bool:
    return any(key == a or key.startswith(a.rstrip("/") + "/") for a in site.storage_allow)


def _requests(site, evidence: dict) -> list[dict]:
    """Every request that reached a beacon host: the browser's, plus those seen only on the
    wire; each with its initiator (resource type, frame, the script that called the API)."""
    beacon_hosts = {h.lower() for h in site.beacon_hosts}
    seen = [dict(r, seen_by="browser") for r in evidence["requests"]]
    unmatched: dict[tuple[str, str], list[dict]] = {}
    for r in seen:
        unmatched.setdefault((r["method"], r["url"].split("#")[0]), []).append(r)
    for w in evidence.get("wire", []):
        twins = unmatched.get((w["method"], w["url"].split("#")[0]))
        if twins:
            twins.pop(0)["seen_by"] = "browser+wire"
            continue
        kind = "websocket" if w["method"] == "CONNECT" else (
            "not reported by the browser: a closing page's, or a shared or service worker's")
        seen.append({**w, "resource_type": kind, "seen_by": "wire"})
    calls = evidence.get("calls", [])
    out = []
    for r in seen:
        if _host(r["url"]) not in beacon_hosts or _host(r["url"]) == MARKER_HOST:
            continue
        if r["url"] == evidence.get("entry"):
            continue  # the visitor's own click on the tracked link
        if r.get("resource_type") == "script" and urlsplit(r["url"]).path.endswith(
                tuple(site.script_paths)):
            continue  # loading the tracker is not tracking
        by = [c for c in calls if c["url"] == r["url"] and c["at"] <= r["at"] + 1.0]
        if by:
            r = {**r, "api": by[-1]["api"], "script": by[-1].get("script")}
        out.append(r)
    return out


def _initiator(item: dict) -> str:
    parts = [item.get("api") or item.get("resource_type") or item.get("storage") or ""]
    if item.get("script"):
        parts.append(f"by {item['script']}")
    elif item.get("frame"):
        parts.append(f"from {item['frame']}")
    if item.get("phase"):
        parts.append(f"during {item['phase']}")
    return " ".join(p for p in parts if p)


def _since(before: list[dict], after: list[dict], key) -> list[dict]:
    """Entries of *after* that were not in *before*, or not with that value."""
    old = {key(i): i.get("value") for i in before}
    return [i for i in after if key(i) not in old or old[key(i)] != i.get("value")]


def decide(site, state: dict, evidence: dict) -> dict:
    """Return ``{verdict, violations, tracked}`` for one state of one site.

    ``verdict`` is ``pass`` or ``fail`` when the visitor is opted out, ``observed`` when
    tracking is allowed (the evidence then shows that the audit saw tracking at all).
    Each violation is ``{kind, what, evidence}``.
    """
    boundary = evidence["opted_out_at"]

    def after(item: dict) -> bool:
        return boundary is not None and item["at"] >= boundary

    beacons = _requests(site, evidence)
    tracked = bool(beacons)
    if not expects_nothing(state["choice"], state["gpc"], site.honours_gpc):
        return {"verdict": "observed", "violations": [], "tracked": tracked}
    violations = []

    def flag(kind: str, what: str, item: dict) -> None:
        violations.append({"kind": kind, "what": what, "evidence": item})

    cookie_writes = evidence["cookie_writes"] + evidence["set_cookies"]
    for cookie in evidence["cookies"]:
        if cookie["name"] in site.tracking_cookies:
            setters = [w for w in cookie_writes if w["name"] == cookie["name"]
                       and not is_removal(w)]
            violations.append({"kind": "cookie", "what": f"tracking cookie {cookie['name']} "
                               f"exists after the opt-out", "cookie": cookie,
                               "evidence": setters[-1] if setters else {"by": "unknown"},
                               "set_by": setters[-1:] or [{"by": "unknown"}]})
    written = set()
    for write in cookie_writes:
        if not after(write) or is_removal(write):
            continue
        name = write["name"]
        if name in site.tracking_cookies or not (
                _allowed(site, name) or is_consent_record(_cookie_value(write))):
            written.add(name)
            flag("cookie-write", f"cookie {name} written after the opt-out by "
                 f"{write.get('script') or write.get('by') or write.get('api')}"
                 f"{' during ' + write['phase'] if write.get('phase') else ''}", write)
    if boundary is not None:
        for cookie in _since(evidence.get("cookies_at_opt_out", []), evidence["cookies"],
                             lambda c: (c["name"], c.get("domain"), c.get("path"))):
            if cookie["name"] in written or cookie["name"] in site.tracking_cookies:
                continue
            if not (_allowed(site, cookie["name"]) or is_consent_record(cookie["value"])):
                flag("cookie-write", f"cookie {cookie['name']} appeared or changed after the "
                     f"opt-out (found in the cookie jar at the end)", cookie)
    for request in beacons:
        if after(request):
            flag("request", f"{request['method']} {request['url']} after the opt-out "
                 f"({_initiator(request)}; seen by {request['seen_by']})", request)
    beacon_hosts = {h.lower() for h in site.beacon_hosts}
    for socket in evidence["websockets"]:
        if _host(socket["url"]) in beacon_hosts and after(socket):
            flag("websocket", f"WebSocket to {socket['url']}", socket)
    for hint in evidence["hints"]:
        if _host(hint["href"]) in beacon_hosts and after(hint):
            flag("preconnect", f"{hint['rel']} to {hint['href']}", hint)
    stored = set()
    for write in evidence["storage_writes"]:
        if after(write) and not _allowed(site, write["key"]) and not is_consent_record(
                write["value"]):
            stored.add((write["storage"], write["key"]))
            flag("storage", f"{write['storage']} {write['key']!r} written after the opt-out "
                 f"({_initiator(write)})", write)
    stock = evidence.get("stored") or {}
    if boundary is not None and stock:
        for item in _since(stock.get("at_opt_out", []), stock.get("end", []),
                           lambda i: (i["origin"], i["storage"], i["key"])):
            if any(s == item["storage"] and item["key"].startswith(k) for s, k in stored):
                continue
            if not (_allowed(site, item["key"]) or is_consent_record(item["value"])):
                flag("storage", f"{item['storage']} {item['key']!r} on {item['origin']} is "
                     f"new or changed since the opt-out (found when taking stock)", item)
    return {"verdict": "fail" if violations else "pass", "violations": violations,
            "tracked": tracked}
