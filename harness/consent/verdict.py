"""Decide one site-state from its evidence: pure, so every verdict can be tested by a table."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

REMOVAL = re.compile(r"max-age=0|max-age=-|expires=[^;]*1970", re.I)


def expects_nothing(choice: str, gpc: bool, honours_gpc: bool) -> bool:
    """Whether the visitor is opted out in this state (then nothing may track them)."""
    return choice == "rejected" or (gpc and honours_gpc)


def _host(url: str) -> str:
    return (urlsplit(url).hostname or "").lower()


def is_removal(write: dict) -> bool:
    """Whether a cookie write deletes the cookie (empty value, max-age 0, expired)."""
    value = write.get("value", "")
    return bool(REMOVAL.search(value)) or value.split(";")[0].strip().endswith("=")


def decide(site, state: dict, evidence: dict) -> dict:
    """Return ``{verdict, violations, tracked}`` for one state of one site.

    ``verdict`` is ``pass`` or ``fail`` when the visitor is opted out, ``observed`` when
    tracking is allowed (the evidence then shows that the audit saw tracking at all).
    """
    boundary = evidence["opted_out_at"]
    beacon_hosts = {h.lower() for h in site.beacon_hosts}

    def after(item: dict) -> bool:
        return boundary is not None and item["at"] >= boundary

    # The visitor's own click on the tracked link, and loading the script, are not beacons.
    beacons = [r for r in evidence["requests"] if _host(r["url"]) in beacon_hosts and
               r["url"] != evidence.get("entry") and
               not (r["resource_type"] == "script" and
                    urlsplit(r["url"]).path.endswith(tuple(site.script_paths)))]
    tracked = bool(beacons)
    if not expects_nothing(state["choice"], state["gpc"], site.honours_gpc):
        return {"verdict": "observed", "violations": [], "tracked": tracked}
    violations = []
    for cookie in evidence["cookies"]:
        if cookie["name"] in site.tracking_cookies:
            setters = [w for w in evidence["cookie_writes"] + evidence["set_cookies"]
                       if w["name"] == cookie["name"] and not is_removal(w)]
            violations.append({"kind": "cookie", "what": f"tracking cookie {cookie['name']} "
                               f"exists after the opt-out", "cookie": cookie,
                               "set_by": setters[-1:] or [{"by": "unknown"}]})
    for write in evidence["cookie_writes"] + evidence["set_cookies"]:
        if write["name"] in site.tracking_cookies and after(write) and not is_removal(write):
            violations.append({"kind": "cookie-write", "what": f"{write['name']} written "
                               f"after the opt-out by {write.get('script') or write.get('by')}",
                               "evidence": write})
    for request in beacons:
        if after(request):
            violations.append({"kind": "request", "what": f"{request['method']} "
                               f"{request['url']} ({request['resource_type']}) after the "
                               f"opt-out", "evidence": request})
    for socket in evidence["websockets"]:
        if _host(socket["url"]) in beacon_hosts and after(socket):
            violations.append({"kind": "websocket", "what": f"WebSocket to {socket['url']}",
                               "evidence": socket})
    for hint in evidence["hints"]:
        if _host(hint["href"]) in beacon_hosts and after(hint):
            violations.append({"kind": "preconnect", "what": f"{hint['rel']} to "
                               f"{hint['href']}", "evidence": hint})
    for write in evidence["storage_writes"]:
        if after(write) and write["key"] not in site.storage_allow:
            violations.append({"kind": "storage", "what": f"{write['storage']} "
                               f"{write['key']!r} written after the opt-out by "
                               f"{write.get('script') or 'a script'}", "evidence": write})
    return {"verdict": "fail" if violations else "pass", "violations": violations,
            "tracked": tracked}
