"""Which parts of the tracker a scenario ran: Chromium's precise coverage, as covered spans.

V8's block coverage (``Profiler.takePreciseCoverage`` with ``detailed``) gives, per function,
nested ranges with execution counts; an offset's count is that of the innermost range
holding it. Here that becomes a list of merged ``[start, end)`` spans that ran at least
once, and a mutant is *touched* by a scenario when its replaced text overlaps one of them.
"""

from __future__ import annotations

from collections.abc import Iterable
from urllib.parse import urlsplit

Span = tuple[int, int]


def covered_spans(functions: Iterable[dict]) -> list[Span]:
    """Merged spans whose count is above zero, from one script's ``functions`` entries."""
    ranges = [(r["startOffset"], r["endOffset"], r["count"])
              for f in functions for r in f["ranges"] if r["endOffset"] > r["startOffset"]]
    points = sorted({p for start, end, _ in ranges for p in (start, end)})
    spans: list[Span] = []
    for left, right in zip(points, points[1:], strict=False):
        holding = [(end - start, count) for start, end, count in ranges
                   if start <= left and right <= end]
        if holding and min(holding)[1] > 0:
            if spans and spans[-1][1] == left:
                spans[-1] = (spans[-1][0], right)
            else:
                spans.append((left, right))
    return spans


def union(*span_lists: Iterable[Span]) -> list[Span]:
    """The merged union of several span lists."""
    merged: list[Span] = []
    for start, end in sorted(s for spans in span_lists for s in spans):
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(end, merged[-1][1]))
        else:
            merged.append((start, end))
    return merged


def touches(spans: Iterable[Span], start: int, end: int) -> bool:
    """True when ``[start, end)`` overlaps a covered span (an empty range: contains it)."""
    end = max(end, start + 1)
    return any(s < end and start < e for s, e in spans)


def of_script(result: list[dict], path: str = "/tracker.js") -> list[Span]:
    """Covered spans of every script served at *path*, in one coverage result."""
    return union(*(covered_spans(script["functions"]) for script in result
                   if urlsplit(script.get("url", "")).path == path))
