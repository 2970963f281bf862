"""Content-security-policy violation reports as requests: what a report carries (the blocked
address, the first characters of a blocked script or style) goes to the endpoints the policy
names, so a page can send an identifier by breaking its own policy on purpose.

A policy's ``report-uri`` endpoints get a report at once, seen on the wire like any
request. Its ``report-to`` group's endpoint (named in the ``Reporting-Endpoints`` header, or
the older ``Report-To``) gets it through the Reporting API, which batches reports on the
browser's own timer, a minute in Chromium, and sends them long after the audit has gone
(Chromium and Firefox then send nothing to ``report-uri``). So each violation the page saw
(the page hooks' ``CSP report`` call: the policy and the report's fields) is on record as
the request its report will be, to each endpoint (:func:`reports`); one the wire already
shows is not counted twice. Pure.
"""

from __future__ import annotations

import json
import re
from urllib.parse import urljoin

from ..audit.csp import parse_policy

__all__ = ["endpoints", "groups", "reports"]

_MEMBER = re.compile(r'\s*([A-Za-z0-9_.*-]+)\s*=\s*"((?:[^"\\]|\\.)*)"\s*(?:;[^,]*)?(?:,|$)')


def groups(headers: list[tuple[str, str]], base: str) -> dict[str, str]:
    """The reporting endpoints an answer names (``Reporting-Endpoints: g="url", …`` and the
    older ``Report-To`` JSON): group → absolute URL."""
    out: dict[str, str] = {}
    for name, value in headers:
        if name.lower() == "reporting-endpoints":
            for group, url in _MEMBER.findall(value or ""):
                out.setdefault(group, urljoin(base, url))
        elif name.lower() == "report-to":
            try:
                items = json.loads(f"[{value}]")
            except ValueError:
                continue
            for item in items:
                if isinstance(item, dict):
                    urls = [e.get("url") for e in item.get("endpoints") or []
                            if isinstance(e, dict) and e.get("url")]
                    if urls:
                        out.setdefault(str(item.get("group") or "default"),
                                       urljoin(base, urls[0]))
    return out


def endpoints(policy: str, page: str, named: dict[str, str]) -> list[tuple[str, str]]:
    """Where a violation of *policy* (the page at *page*) is reported: ``[(url, how)]``,
    ``how`` ``report-uri`` or ``report-to``; a ``report-to`` group no answer named is
    reported to the page's own origin (its endpoint is the site's, wherever it is)."""
    directives = parse_policy(policy or "")
    out = [(urljoin(page, u), "report-uri") for u in directives.get("report-uri", [])]
    if directives.get("report-to"):
        out.append((named.get(directives["report-to"][0]) or urljoin(page, "/"), "report-to"))
    return out


def reports(calls: list[dict], named: dict[str, str], wire: list[dict]) -> list[dict]:
    """The requests the violations the page saw (*calls* ``CSP report``) make, as requests
    (method ``REPORT``, the report's fields as the body), each endpoint once per violation;
    a ``report-uri`` report the *wire* shows from then on is that request already."""
    out = []
    for call in calls:
        if call.get("api") != "CSP report":
            continue
        for url, how in endpoints(call.get("policy") or "", call["url"], named):
            if how == "report-uri" and any(
                    w["url"] == url and w["at"] >= call["at"] - 1.0 for w in wire):
                continue
            out.append({**call, "url": url, "method": "REPORT", "resource_type": "csp_report",
                        "api": f"CSP report ({how})",
                        "seen_by": f"page (a violation of its security policy, reported by "
                                   f"{how}: the browser sends it on its own timer)"})
    return out
