"""One state's evidence laid out in time, for the SVG timeline of the HTML report.

Pure: positions, lanes and labels come from the evidence and the inventory; the template
only draws them. Times are seconds relative to the choice (negative before it), or to the
first page load when no choice was made.
"""

from __future__ import annotations

from datetime import datetime, timezone

from .verdict import opt_out_moment

__all__ = ["LANES", "layout", "readable"]

LANES = ("page", "choice", "cookie", "storage", "request")
WIDTH, LEFT, RIGHT, ROW = 900, 90, 20, 26


def readable(at: float | None) -> str:
    """A wall-clock time people read: ``05:42:06.175 UTC``."""
    if at is None:
        return "—"
    return datetime.fromtimestamp(at, timezone.utc).strftime("%H:%M:%S.%f")[:-3] + " UTC"


def _ticks(low: float, high: float) -> list[float]:
    span = max(high - low, 1e-3)
    for step in (0.1, 0.25, 0.5, 1, 2, 5, 10, 30, 60, 120, 300, 600):
        if span / step <= 8:
            break
    first = int(low / step) * step
    return [round(first + i * step, 3) for i in range(0, 12)
            if low <= first + i * step <= high]


def layout(evidence: dict, items: list[dict], violations: list[dict]) -> dict:
    """Return ``{width, height, zero_label, lanes, ticks, marks}`` for one state.

    *items* is the state's tracker inventory (each with ``judgement``); page loads come
    from the document requests. Every mark has ``x``, ``y``, ``t`` (s), ``lane``, ``label``
    and ``bad`` (a violation: drawn in red).
    """
    requests = evidence.get("requests", [])
    pages = [{"lane": "page", "at": r["at"], "label": f"load {r['url']}", "bad": False}
             for r in requests if r.get("resource_type") == "document"]
    opted_out = opt_out_moment(evidence)
    zero = opted_out or evidence.get("chosen_at") or (pages[0]["at"] if pages else None)
    marks = list(pages)
    if opted_out:
        marks.append({"lane": "choice", "at": opted_out, "label": "opt-out", "bad": False})
    elif evidence.get("chosen_at"):
        marks.append({"lane": "choice", "at": evidence["chosen_at"], "label": "choice",
                      "bad": False})
    bad_at = {(v.get("evidence") or {}).get("at") for v in violations}
    for item in items:
        if item["at"] is None:
            continue  # the jar at the end has no moment
        lane = item["kind"] if item["kind"] in LANES else "request"
        what = item.get("entity") or item.get("host") or ""
        marks.append({"lane": lane, "at": item["at"],
                      "label": f"{item['name']} {what} [{item.get('judgement', '')}]".strip(),
                      "bad": item.get("judgement") == "violation" or item["at"] in bad_at})
    if zero is None or not marks:
        return {"width": WIDTH, "height": ROW * (len(LANES) + 1), "zero_label": "—",
                "lanes": [], "ticks": [], "marks": []}
    times = [m["at"] - zero for m in marks]
    low, high = min(times + [0.0]), max(times + [0.0])
    span = max(high - low, 1e-3)
    usable = WIDTH - LEFT - RIGHT

    def x(t: float) -> float:
        return round(LEFT + (t - low) / span * usable, 1)

    lanes = [{"name": name, "y": ROW * (i + 1)} for i, name in enumerate(LANES)]
    y = {lane["name"]: lane["y"] for lane in lanes}
    placed = [{**m, "t": round(m["at"] - zero, 3), "x": x(m["at"] - zero), "y": y[m["lane"]]}
              for m in marks]
    return {"width": WIDTH, "height": ROW * (len(LANES) + 2), "zero_label": readable(zero),
            "zero_x": x(0.0), "lanes": lanes,
            "ticks": [{"t": t, "x": x(t)} for t in _ticks(low, high)],
            "marks": sorted(placed, key=lambda m: m["bad"])}
