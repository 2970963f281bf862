"""Put the tracker inventory, the consent tool's outcome and the timeline on one state's
record, and judge what the listed checks of the verdict do not name. Pure."""

from __future__ import annotations

from urllib.parse import urlsplit

from . import timeline, trackers
from .verdict import expects_nothing, opt_out_moment, seen_requests, violation

__all__ = ["enrich"]


def _key(evidence: dict) -> tuple:
    return (evidence.get("at"), evidence.get("name") or evidence.get("key") or
            evidence.get("url"))


def enrich(record: dict, site, dataset: trackers.Dataset | None = None) -> dict:
    """Add ``inventory``, ``unknown`` and ``timeline`` to *record* (a decided state) and the
    violations only the inventory finds; return the record."""
    evidence = record["evidence"]
    dataset = dataset or trackers.load_dataset()
    host = urlsplit(site.start).hostname or ""
    state = record["state"]
    opted_out = expects_nothing(state["choice"], state["gpc"], site.honours_gpc)
    # Requests only the proxy saw (sent as a page closed, or by a worker) are inventoried
    # too: a known tracker reached that way is a known tracker reached.
    seen = seen_requests(evidence)
    hosts = {urlsplit(r["url"]).hostname for r in seen if not r["url"].startswith("tunnel://")}
    hosts |= {urlsplit(w["url"]).hostname for w in evidence.get("websockets", [])}
    requests = [r for r in seen if not r["url"].startswith("tunnel://")
                or urlsplit(r["url"]).hostname not in hosts]
    items = trackers.inventory({**evidence, "requests": requests,
                                "opted_out_at": opt_out_moment(evidence)}, host, dataset,
                               site.tracking_cookies, site.beacon_hosts)
    covered = {_key(v.get("evidence") or {}) for v in record["violations"]}
    covered |= {(None, (v.get("cookie") or {}).get("name")) for v in record["violations"]
                if v.get("kind") == "cookie"}
    judged = {(v.get("evidence") or {}).get("at") for v in record["violations"]}
    sent = {(r["url"][:300], r["at"]): r for r in requests}
    for item in items:
        item["judgement"], item["why"] = trackers.judge(item, opted_out)
        if item["judgement"] != "violation" or (item["at"], item["name"]) in covered:
            continue
        if item["kind"] in ("cookie", "storage") and item["at"] is not None and \
                not item.get("tracker"):
            # What a write of no known tracker holds is the verdict's to judge (an
            # identifier or not, a declared entry): flagged there already, or found clean.
            if item["at"] not in judged:
                item["judgement"] = "allowed"
                item["why"] = ("holds no identifier (a consent record or a preference), or "
                               "is declared in storage_allow")
            continue
        # The request as seen (its API, script, page clock and moment of the visit).
        source = sent.get((item["name"], item["at"]), {}) if item["kind"] == "request" else {}
        found = {**source, **item, "phase": source.get("phase", item.get("phase"))}
        record["violations"].append(violation(
            evidence, f"tracker-{item['kind']}", item["kind"], source.get("api") or item.get(
                "type") or item.get("storage") or item["kind"],
            f"{item['name'][:120]}: {item['why']}", found,
            f"by {item['by']}" if item.get("by") and not source else None))
    tool = record.get("consent_tool")
    if opted_out and tool and tool.get("self_test") is False:
        record["violations"].append(violation(
            evidence, "consent-tool", "consent platform", f"{tool['cmp']} self-test",
            f"{tool['cmp']} does not confirm the opt-out: autoconsent's self-test read the "
            "platform's own state and found consent still given", tool,
            f"the page's consent platform, {tool['cmp']}"))
    if record["verdict"] in ("pass", "fail"):
        record["verdict"] = "fail" if record["violations"] else "pass"
    record["inventory"] = items
    record["unknown"] = sum(1 for i in items if i["judgement"] == "unknown")
    record["timeline"] = timeline.layout(evidence, items, record["violations"])
    record["dataset"] = dataset.version
    return record
