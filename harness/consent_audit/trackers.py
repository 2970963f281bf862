"""Every cookie, storage write and third-party request of a state, classified and judged.

Hosts are classified by the third-party-web dataset (npm ``third-party-web``, installed by
``setup.sh``: entity and category of a few thousand third parties), cookie and storage names
by a table of widespread trackers' names and of consent platforms' own records, plus the
names a configuration lists. Everything is pure: the inventory of one state is a function
of its evidence, so each decision is tested by a table. Unknown items are listed, never
dropped; an unknown one is judged a violation only when it behaves like tracking (sends to a
third party data that could identify the visitor, or keeps an identifier).
"""

from __future__ import annotations

import functools
import json
import re
from dataclasses import dataclass
from urllib.parse import unquote, urlsplit

from ..pagehooks import is_removal
from . import identifiers
from .autoconsent import node_modules
from .verdict import known_consent_record

__all__ = ["Dataset", "classify_host", "classify_name", "classify_path", "classify_value",
           "inventory", "judge", "load_dataset", "looks_like_identifier", "same_site"]

# third-party-web categories whose members exist to follow people.
TRACKING_CATEGORIES = {"ad", "analytics", "social", "marketing"}
# Names of widespread trackers' cookies and storage keys: (pattern, entity, category).
TRACKER_NAMES = [
    (r"_ga(_.+)?|_gid|_gat(_.+)?|__utm[a-z]+|_dc_gtm_.+|AMP_TOKEN", "Google Analytics",
     "analytics"),
    (r"_gcl_.+|IDE|DSID|test_cookie|__gads|__gpi", "Google/Doubleclick Ads", "ad"),
    (r"_fbp|_fbc|fr", "Facebook", "ad"),
    (r"_hj.+", "Hotjar", "analytics"),
    (r"_uetsid|_uetvid|MUID", "Microsoft Advertising", "ad"),
    (r"_clck|_clsk|CLID", "Microsoft Clarity", "analytics"),
    (r"_pk_(id|ses|ref|cvar)(\..+)?", "Matomo", "analytics"),
    (r"ajs_(anonymous|user)_id", "Segment", "analytics"),
    (r"mp_.+_mixpanel", "Mixpanel", "analytics"),
    (r"amplitude_id.*|AMP_.+", "Amplitude", "analytics"),
    (r"hubspotutk|__hstc|__hssc|__hssrc", "HubSpot", "marketing"),
    (r"_mkto_trk", "Marketo", "marketing"),
    (r"_ttp|tt_.+", "TikTok", "ad"),
    (r"_pin_unauth|_pinterest_.+", "Pinterest", "ad"),
    (r"li_fat_id|bcookie|lidc|UserMatchHistory", "LinkedIn", "ad"),
    (r"_scid|_sctr", "Snap", "ad"),
    (r"_rdt_uuid", "Reddit", "ad"),
    (r"__qca", "Quantcast Measure", "analytics"),
    (r"_vwo_.+", "VWO", "analytics"),
    (r"_cs_id|_cs_s", "Contentsquare", "analytics"),
    (r"msdynci_trackingContext|msdynmkt_formsubmissionid", "Dynamics 365 Customer Insights",
     "marketing"),
]
# Collection endpoints of widespread analytics and ad tags, found by path whatever the host:
# served through the site's own host (a first-party proxy, server-side tagging) or a custom
# domain, they are as much the tracker as on its own. Matched on path and query.
COLLECT_PATHS = [
    (r"/([gjr]/)?collect\?(.*&)?(v=2|tid=(G|UA|AW)-)", "Google Analytics", "analytics"),
    (r"/g/collect(\?|$)", "Google Analytics", "analytics"),
    (r"/tr/?\?(.*&)?id=\d+", "Facebook", "ad"),
    (r"/(matomo|piwik)\.php(\?|$)", "Matomo", "analytics"),
    (r"/v1/(t|p|i|batch)$", "Segment", "analytics"),
    (r"/com\.snowplowanalytics\.snowplow/tp2|/i\?(.*&)?e=pv", "Snowplow", "analytics"),
    (r"/2/httpapi$|/batch\?(.*&)?api_key=", "Amplitude", "analytics"),
    (r"/i/v0/e/?(\?|$)|/capture/?(\?|$)", "PostHog", "analytics"),
    (r"/api/event$", "Plausible", "analytics"),
    (r"/(track|engage)/?\?(.*&)?(data|ip)=", "Mixpanel", "analytics"),
]
# Values only one tracker writes, whatever the cookie is called (a renamed or prefixed
# cookie keeps its format): Google Analytics' client id, Facebook's browser id.
VALUE_SIGNATURES = [
    (r"G[AS]1\.\d\.\d{6,}.*", "Google Analytics", "analytics"),
    (r"fb\.\d\.\d{10,}\.\d+.*", "Facebook", "ad"),
]
SENDING_TYPES = {"ping", "beacon", "xhr", "fetch", "websocket", "eventsource"}
# Fetching a tracker's code is not yet tracking: what the code then sends is judged.
CODE_TYPES = {"script", "stylesheet", "font"}
_TOKEN = re.compile(r"[A-Za-z0-9_\-]{8,}")
_DATE = re.compile(r"\d{4}-\d\d-\d\d([T ][\d:.]+Z?)?")


@dataclass(frozen=True)
class Dataset:
    """Host suffix → (entity, category), from third-party-web."""

    version: str
    domains: dict


@functools.cache
def load_dataset() -> Dataset:
    """Read third-party-web's entities once; an empty dataset (named) if it is missing."""
    for root in node_modules():
        entities = root / "third-party-web" / "dist" / "entities.json"
        if entities.is_file():
            meta = json.loads((root / "third-party-web" / "package.json").read_text())
            domains = {}
            for entity in json.loads(entities.read_text(encoding="utf-8")):
                for domain in entity.get("domains", []):
                    domains[domain.removeprefix("*.").lower()] = (entity["name"],
                                                                  entity.get("category", "other"))
            return Dataset(f"third-party-web {meta.get('version', '?')}", domains)
    return Dataset("none (third-party-web is not installed: run ./setup.sh)", {})


def host_of(url: str) -> str:
    return (urlsplit(url).hostname or "").lower()


def _base(host: str) -> str:
    """The registrable part of *host*, near enough without the public suffix list: two
    labels, three under a short second level (``co.uk``); ``*.localhost`` hosts are each
    their own site, as the estate's organisations are."""
    labels = host.split(".")
    if labels[-1] == "localhost":
        return host
    keep = 3 if len(labels) >= 3 and len(labels[-2]) <= 3 and len(labels[-1]) == 2 else 2
    return ".".join(labels[-keep:])


def same_site(a: str, b: str) -> bool:
    return bool(a) and _base(a) == _base(b)


def classify_host(host: str, dataset: Dataset, configured: frozenset = frozenset()) -> dict:
    """Return ``{entity, category, tracker, source}`` for a host (None entity: unknown)."""
    host = host.lower()
    if host in configured or any(host.endswith("." + c) for c in configured):
        return {"entity": host, "category": "configured", "tracker": True, "source": "config"}
    labels = host.split(".")
    for i in range(len(labels) - 1):
        found = dataset.domains.get(".".join(labels[i:]))
        if found:
            return {"entity": found[0], "category": found[1],
                    "tracker": found[1] in TRACKING_CATEGORIES, "source": "third-party-web"}
    return {"entity": None, "category": None, "tracker": False, "source": None}


def classify_name(name: str, configured: frozenset = frozenset()) -> dict:
    """Classify a cookie name or storage key: a known tracker's, a consent record, unknown."""
    if name in configured:
        return {"entity": "configured", "category": "configured", "tracker": True,
                "source": "config"}
    for pattern, entity, category in TRACKER_NAMES:
        if re.fullmatch(pattern, name):
            return {"entity": entity, "category": category, "tracker": True,
                    "source": "tracker names"}
    if known_consent_record(name):  # the verdict's list: a name is no licence by itself
        return {"entity": None, "category": "consent", "tracker": False,
                "source": "consent records"}
    return {"entity": None, "category": None, "tracker": False, "source": None}


def classify_path(url: str) -> dict | None:
    """The tracker whose collection endpoint *url* is (path and query), or None."""
    parts = urlsplit(url)
    target = parts.path + (f"?{parts.query}" if parts.query else "")
    for pattern, entity, category in COLLECT_PATHS:
        if re.search(pattern, target):
            return {"entity": entity, "category": category, "tracker": True,
                    "source": "collection path"}
    return None


def classify_value(value: str) -> dict | None:
    """The tracker whose value format *value* has (a renamed cookie), or None."""
    value = unquote(value or "").strip().strip('"')
    for pattern, entity, category in VALUE_SIGNATURES:
        if re.fullmatch(pattern, value):
            return {"entity": entity, "category": category, "tracker": True,
                    "source": "value format"}
    return None


def _classify_stored(name: str, value: str, by: str | None, page_host: str, dataset: Dataset,
                     names: frozenset) -> dict:
    """A cookie or storage entry: by its name, else by its value's format, else by the
    known tracker whose script wrote it (a tracker under a name of its own choosing)."""
    found = classify_name(name, names)
    if found["source"] in ("config", "tracker names"):
        return found
    signed = classify_value(value)
    if signed:
        return signed
    writer = host_of(by) if by and "://" in by else ""
    if writer and not same_site(writer, page_host):
        by_host = classify_host(writer, dataset)
        if by_host["tracker"]:
            return {**by_host, "source": f"written by {writer}"}
    return found


def looks_like_identifier(value: str) -> bool:
    """Whether a value could single a visitor out: a long token mixing letters and digits,
    or a long run of digits (a GA client id), rather than a flag, a word or a date."""
    text = _DATE.sub(" ", unquote(value or ""))
    for token in _TOKEN.findall(text):
        digits = sum(c.isdigit() for c in token)
        if (digits >= 2 and digits < len(token) and len(token) >= 12) or digits >= 9:
            return True
    return False


def _phase(at: float, boundary: float | None) -> str:
    return "after" if boundary is not None and at >= boundary else "before"


def inventory(evidence: dict, page_host: str, dataset: Dataset, tracking_cookies=(),
              tracker_hosts=()) -> list[dict]:
    """Every cookie written, storage write and third-party request, each classified, in
    time order. ``page_host`` is the site's own host (first party)."""
    names, hosts = frozenset(tracking_cookies), frozenset(h.lower() for h in tracker_hosts)
    boundary = evidence.get("opted_out_at")
    items = []
    for write in evidence.get("cookie_writes", []) + evidence.get("set_cookies", []):
        value = write.get("value", "")
        items.append({"kind": "cookie", "name": write["name"], "at": write["at"],
                      "phase": _phase(write["at"], boundary),
                      "by": write.get("script") or write.get("url") or write.get("by"),
                      "removal": is_removal(write),
                      "identifier": looks_like_identifier(value.split(";")[0].partition("=")[2]),
                      "persistent": bool(re.search(r";\s*(max-age|expires)\s*=", value, re.I)),
                      **_classify_stored(write["name"], value.split(";")[0].partition("=")[2],
                                         write.get("script") or write.get("url"), page_host,
                                         dataset, names)})
    for write in evidence.get("storage_writes", []):
        items.append({"kind": "storage", "name": write["key"], "storage": write["storage"],
                      "at": write["at"], "phase": _phase(write["at"], boundary),
                      "by": write.get("script"), "removal": False,
                      "identifier": looks_like_identifier(write.get("value", "")),
                      **_classify_stored(write["key"], write.get("value", ""),
                                         write.get("script"), page_host, dataset, names)})
    for cookie in evidence.get("cookies", []):
        items.append({"kind": "cookie", "name": cookie["name"], "at": None,
                      "phase": "end", "by": cookie.get("domain"), "removal": False,
                      "identifier": looks_like_identifier(cookie.get("value", "")),
                      **_classify_stored(cookie["name"], cookie.get("value", ""), None,
                                         page_host, dataset, names)})
    entry = evidence.get("entry")
    for request in evidence.get("requests", []) + [
            {**s, "method": "GET", "resource_type": "websocket"}
            for s in evidence.get("websockets", [])]:
        host = host_of(request["url"])
        if request["url"] == entry:
            continue  # the entry is the visitor's own navigation
        kind = request.get("resource_type", "other")
        first_party = same_site(host, page_host) and host not in hosts
        by_path = None if kind in CODE_TYPES else classify_path(request["url"])
        if first_party and by_path is None:
            continue  # the site itself, unless it relays a tracker's collection calls
        found = classify_host(host, dataset, hosts)
        if by_path and not found["tracker"]:
            found = {**by_path, "source": f"collection path on {host}"}
        parts = urlsplit(request["url"])
        path = parts.path
        items.append({"kind": "request", "name": request["url"][:300], "host": host,
                      "method": request.get("method", "GET"), "type": kind,
                      "at": request["at"], "phase": _phase(request["at"], boundary),
                      "sends": kind in SENDING_TYPES or request.get("method") not in
                      ("GET", "HEAD", None) or (kind == "image" and (
                          "?" in request["url"] or looks_like_identifier(path))),
                      **found,
                      # What it sends could single the visitor out (a fresh id included).
                      "identifier": bool(identifiers.tokens(" ".join((
                          parts.query, path, request.get("body") or ""))))})
    return sorted(items, key=lambda item: (item["at"] is None, item["at"] or 0.0))


def judge(item: dict, opted_out: bool) -> tuple[str, str]:
    """Return ``(judgement, why)`` for one inventory item.

    ``violation`` only where the visitor is opted out and the item comes after the choice;
    ``allowed`` for consent records and removals; ``unknown`` for what no dataset or
    heuristic names; ``observed`` for the rest (before the choice, or tracking allowed).
    """
    label = f"{item['entity']} ({item['category']})" if item.get("entity") else None
    if item["category"] == "consent":
        return "allowed", "the consent platform's own record of the choice"
    if item.get("removal"):
        return "allowed", "removes the cookie"
    if not opted_out or item["phase"] == "before":
        return ("observed" if item["tracker"] else "unknown",
                label or "not in the tracker dataset")
    if item["phase"] == "end":  # the jar as the visit ends
        if item["tracker"]:
            return "violation", f"known tracker cookie ({label}) still set after the opt-out"
        return "unknown", label or "a cookie of no known tracker, as the visit ends"
    if item["kind"] == "request" and item["type"] in CODE_TYPES:
        return ("observed" if item["tracker"] else "unknown",
                f"loads code from {label or item['host']}; what it sends is judged")
    if item["tracker"]:
        return "violation", f"known tracker {label} after the opt-out"
    if item["kind"] == "request" and item.get("sends"):
        if item.get("entity"):  # a known third party that is not a tracker (a CDN, a CMP)
            return "observed", f"{label}: not a tracker"
        if not item.get("identifier", True):  # e.g. a page count, as the contract allows
            return "unknown", (f"{item['method']} {item['type']} to third party "
                               f"{item['host']}: sends data, but nothing that identifies")
        return "violation", (f"{item['method']} {item['type']} to third party {item['host']} "
                             "after the opt-out (sends data)")
    if item["kind"] == "storage":
        return "violation", f"{item['storage']} written after the opt-out"
    if item["kind"] == "cookie" and item.get("identifier") and item.get("persistent", True):
        return "violation", "unknown cookie holding an identifier, written after the opt-out"
    return "unknown", label or "not in the tracker dataset; sends nothing that identifies"
