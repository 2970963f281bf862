"""Addresses an answer's headers tell the browser to request on its own: a ``Link`` to
preload, prefetch or prerender (or to connect to), and the endpoints of the Reporting API
(``Reporting-Endpoints``, ``Report-To``, which ``NEL`` and a security policy's
``report-to`` name) and a policy's ``report-uri``. A server that names a tracker's
address holding the visitor's id there has the browser send it: a preload at once (or
not at all, for an answer no document is made of), a report whenever something goes
wrong (a failed request, a deprecated call, a violation), on the browser's own timer,
long after the audit has gone. So each address such an answer names is on record as the
request it may become (:func:`announced`), when the answer came. Pure.
"""

from __future__ import annotations

import re
from urllib.parse import urljoin, urlsplit

from ..audit.csp import parse_policy
from .cspreports import groups

__all__ = ["HEADERS", "LINK_RELS", "announced"]

HEADERS = frozenset({"link", "reporting-endpoints", "report-to", "nel",
                     "content-security-policy", "content-security-policy-report-only"})
# The relations of a Link the browser acts on by itself (``next`` it does not fetch; a
# connection hint sends only the host's name).
LINK_RELS = frozenset({"preload", "prefetch", "modulepreload", "prerender", "preconnect",
                       "dns-prefetch"})
_HINTS = frozenset({"preconnect", "dns-prefetch"})
# Headers the browser reads only on a document's answer (any answer sets NEL's policy).
_DOCUMENTS_ONLY = frozenset({"link", "reporting-endpoints", "content-security-policy",
                             "content-security-policy-report-only"})
_LINK = re.compile(r"<([^>]*)>([^,<]*)")
_REL = re.compile(r"""\brel\s*=\s*["']?([^"';]+)""", re.IGNORECASE)


def _linked(value: str, base: str) -> list[tuple[str, str]]:
    """The addresses a ``Link`` header *value* has the browser request: ``[(url, rel)]``."""
    out = []
    for target, params in _LINK.findall(value or ""):
        rel = _REL.search(params)
        rels = set(rel.group(1).lower().split()) & LINK_RELS if rel else set()
        if rels:
            out.append((urljoin(base, target.strip()), sorted(rels)[0]))
    return out


def _named(headers: list[tuple[str, str]], base: str, document: bool
           ) -> list[tuple[str, str]]:
    """Every address *headers* name for the browser to request: ``[(url, how)]``; those
    only a document's answer has acted on, where it is one (*document*)."""
    out = []
    headers = [(k, v) for k, v in headers if document or k.lower() not in _DOCUMENTS_ONLY]
    for name, value in headers:
        lower = name.lower()
        if lower == "link":
            out += [(url, f"Link rel={rel}") for url, rel in _linked(value, base)]
        elif lower.startswith("content-security-policy"):
            out += [(urljoin(base, u), f"{name} report-uri")
                    for u in parse_policy(value or "").get("report-uri", [])]
    endpoints = groups(headers, base)
    out += [(url, f"reporting endpoint {group!r} (Reporting API, NEL)")
            for group, url in endpoints.items()]
    return out


def announced(answers: list[dict], seen: list[dict]) -> list[dict]:
    """What *answers* (``{at, url, headers, document}``) may have the browser send, as
    requests (method ``GET`` for a link, ``HINT`` for a connection hint, ``REPORT`` for a
    report), each address once; one the wire or the browser shows (*seen*) is that request
    already. Whether it is ever sent is the browser's (a report only when something goes
    wrong; a preload maybe from its cache): these are searched for an identifier, not
    counted as requests made."""
    sent = {r["url"] for r in seen}
    out, told = [], set()
    for answer in answers:
        for url, how in _named(answer["headers"], answer["url"],
                               answer.get("document", True)):
            hint = how.removeprefix("Link rel=") in _HINTS
            if hint:  # the host's name alone goes out
                url = f"{urlsplit(url).scheme}://{urlsplit(url).netloc}/"
            if url in sent or url in told or not url.startswith(("http:", "https:")):
                continue
            told.add(url)
            out.append({"at": answer["at"], "url": url, "page": f"the answer to {answer['url']}",
                        "method": "HINT" if hint else "GET" if how.startswith("Link")
                        else "REPORT",
                        "resource_type": "announced", "api": how, "headers": {}, "body": None,
                        "seen_by": f"the server (its answer's {how}: the browser requests it "
                                   "on its own)"})
    return out
