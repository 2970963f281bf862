"""How far apart two visits' clocks are where each wrote a value (differential.py).

A visit and its twin start their page clocks at the same instant, but the clocks then run in
real time: by the time each writes a value, they are apart by however much longer one visit
took to get there (a loaded machine, a slow browser), and a server's clock by however much
later one visit came. A moment two fresh visitors keep is the clock's, not the visitor's,
when it is as far apart as the two clocks were when each wrote it, give or take the slack.

So each value is read against its own visit's clocks at the moment it was written: the page
hooks stamp every write with the page's ``Date.now()`` (``clock``) and the harness's wall
clock (``at``), and an answer's ``Set-Cookie`` with the wall clock. A value whose write is
not on record (written before the hooks could see it) is read against the two visits'
clocks at each step both went through (``phases``): the spread between them, measured.
Pure functions over the evidence's plain data.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Iterable

from ..pagehooks import parse_cookie

__all__ = ["cookie_slot", "reading", "stored_slot", "windows"]

# (page clock in s or None, wall clock in s) when a kept value was last written.
Moment = tuple[float | None, float]
Moments = dict[tuple, Moment]
Window = tuple[float, float]


def reading(evidence: dict) -> dict:
    """What :func:`windows` reads of one visit: when each cookie and stored entry it keeps
    at the end got its value (by the slot's first three parts, as ``differential.slots``
    names them), and each step's clocks."""
    # A value's moments date from its first write: a site that sets the same cookie again
    # on each page (its expiry renewed) keeps the moment it first wrote.
    writes: dict[tuple, Moment] = {}
    for w in evidence.get("cookie_writes") or []:
        name, value, _ = parse_cookie(w.get("value") or "")
        _first(writes, ("cookie", name, value), (_s(w.get("clock")), w.get("at") or 0.0))
    for c in evidence.get("set_cookies") or []:
        name, value, _ = parse_cookie(c.get("value") or "")
        _first(writes, ("cookie", name, value), (None, c.get("at") or 0.0))
    for w in evidence.get("storage_writes") or []:
        _first(writes, (w.get("storage") or "", w.get("key") or "", w.get("value") or ""),
               (_s(w.get("clock")), w.get("at") or 0.0))
    written: Moments = {}
    for c in evidence.get("cookies") or []:
        moment = writes.get(("cookie", c.get("name") or "", c.get("value") or ""))
        if moment:
            written[cookie_slot(c)] = moment
    for i in (evidence.get("stored") or {}).get("end", []):
        moment = writes.get((i.get("storage") or "", i.get("key") or "", i.get("value") or ""))
        if moment:
            written[stored_slot(i)] = moment
    return {"written": written, "steps": _steps(evidence)}


def cookie_slot(cookie: dict) -> tuple[str, str, str]:
    """The slot a kept cookie is read under (``differential.slots`` names it so too)."""
    where = (cookie.get("domain") or "").lstrip(".") + (cookie.get("path") or "/")
    return ("cookie", where, cookie.get("name") or "")


def stored_slot(item: dict) -> tuple[str, str, str]:
    """The slot a stored entry is read under: its storage, origin and key."""
    return (item.get("storage") or "", item.get("origin") or "", item.get("key") or "")


def _first(writes: dict[tuple, Moment], key: tuple, moment: Moment) -> None:
    """Keep *moment* for *key* unless an earlier write (by the wall clock) is on record."""
    if key not in writes or moment[1] < writes[key][1]:
        writes[key] = moment


def _s(clock) -> float | None:
    return None if clock is None else float(clock) / 1000.0


def _steps(evidence: dict) -> list[tuple[str, float, float | None]]:
    """Each step (phase) the visit went through: its name, the wall clock as it began and
    the page clock then (from the first page-stamped item of the step; None without one)."""
    earliest: dict[int, tuple[float, float]] = {}  # step → (at, page clock - at)
    phases = evidence.get("phases") or []
    began = [p["at"] for p in phases]
    for key in ("cookie_writes", "storage_writes", "calls", "hints", "lifecycle"):
        for item in evidence.get(key) or []:
            i = bisect_right(began, item.get("at") or 0.0) - 1
            if item.get("clock") is not None and item.get("at") and i >= 0:
                seen = (item["at"], float(item["clock"]) / 1000.0 - item["at"])
                earliest[i] = min(earliest.get(i, seen), seen)
    return [(p["name"], p["at"], p["at"] + earliest[i][1] if i in earliest else None)
            for i, p in enumerate(phases)]


def windows(mine: dict, other: dict, slot: tuple, slack: float,
            other_slot: tuple | None = None) -> list[Window]:
    """How far (s) a moment in *mine*'s value of *slot* may be from the same moment in
    *other*'s and still be the clock's: within *slack* of how far apart the two visits'
    page clocks, or wall clocks, were as each wrote its value; without both writes on
    record, within *slack* of the spread between the visits' clocks at their steps. The
    twin's value is read from *other_slot* where the two keep it under different keys."""
    a, b = mine["written"].get(slot[:3]), other["written"].get((other_slot or slot)[:3])
    if a is not None and b is not None:
        apart = [a[1] - b[1]] + ([a[0] - b[0]] if a[0] is not None and b[0] is not None else [])
        return [(d - slack, d + slack) for d in apart]
    drifts = list(_drifts(mine["steps"], other["steps"]))
    if not drifts:
        return [(-slack, slack)]
    return [(min(drifts) - slack, max(drifts) + slack)]


def _drifts(mine: list, other: list) -> Iterable[float]:
    """How far apart the visits' wall clocks, and page clocks, were at each step both took in
    the same order."""
    for (name_a, wall_a, page_a), (name_b, wall_b, page_b) in zip(mine, other, strict=False):
        if name_a != name_b:
            return
        yield wall_a - wall_b
        if page_a is not None and page_b is not None:
            yield page_a - page_b
