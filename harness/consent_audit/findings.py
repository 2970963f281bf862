"""Put the tracker inventory, the consent tool's outcome and the timeline on one state's
record, and judge what the listed checks of the verdict do not name. Pure."""

from __future__ import annotations

from urllib.parse import urlsplit

from . import timeline, trackers
from .verdict import expects_nothing

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
    items = trackers.inventory(evidence, host, dataset, site.tracking_cookies,
                               site.beacon_hosts)
    # A consent platform's own record of the choice (by name) is what honouring it needs.
    record["violations"] = [
        v for v in record["violations"]
        if not (v.get("kind") in ("storage", "cookie-write") and trackers.classify_name(
            (v.get("evidence") or {}).get("key") or (v.get("evidence") or {}).get("name")
            or "")["category"] == "consent")]
    covered = {_key(v.get("evidence") or {}) for v in record["violations"]}
    covered |= {(None, (v.get("cookie") or {}).get("name")) for v in record["violations"]
                if v.get("kind") == "cookie"}
    for item in items:
        item["judgement"], item["why"] = trackers.judge(item, opted_out)
        if item["judgement"] != "violation" or (item["at"], item["name"]) in covered:
            continue
        record["violations"].append({"kind": f"tracker-{item['kind']}",
                                     "what": f"{item['name'][:120]}: {item['why']}",
                                     "evidence": item})
    tool = record.get("consent_tool")
    if opted_out and tool and tool.get("self_test") is False:
        record["violations"].append({
            "kind": "consent-tool", "evidence": tool,
            "what": f"{tool['cmp']} does not confirm the opt-out: autoconsent's self-test "
                    "read the platform's own state and found consent still given"})
    if record["verdict"] in ("pass", "fail"):
        record["verdict"] = "fail" if record["violations"] else "pass"
    record["inventory"] = items
    record["unknown"] = sum(1 for i in items if i["judgement"] == "unknown")
    record["timeline"] = timeline.layout(evidence, items, record["violations"])
    record["dataset"] = dataset.version
    return record
