"""Golden payloads: the reference run's recorded interactions, masked and compared.

Volatile values are masked (ids, timestamps, ports, pixel positions) so what remains is
what a tracker change must not alter silently: field names, value formats and counts.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

from .. import resources

GOLDEN = resources.GOLDEN
VOLATILE = ("event_id", "occurred_at", "received_at", "link_id")
# Any *.localhost host, and localhost itself; also a host name that ends in the port's
# digits (a link to shop.localhost8800/ beside shop.localhost:8800), kept apart by its colon.
_PORT = re.compile(r"\blocalhost(:?)\d+")
_COORDS = re.compile(r"^\d+,\d+$")


def mask(interactions: list[dict]) -> list[dict]:
    """Return *interactions* with volatile values masked, in a canonical order."""
    profiles: dict[str, str] = {}
    masked = []
    for interaction in interactions:
        out = {}
        for key, value in interaction.items():
            if key in VOLATILE:
                continue
            if key == "profile_id":
                value = profiles.setdefault(value, f"P{len(profiles) + 1}")
            elif key == "msdynci_clickcoordinates" and isinstance(value, str) and \
                    _COORDS.match(value):
                value = "X,Y"
            elif isinstance(value, str):
                value = _PORT.sub(r"localhost\1PORT", value)
            out[key] = value
        masked.append(out)
    return sorted(masked, key=lambda i: json.dumps(i, sort_keys=True))


def compare(expected: list[dict], actual: list[dict]) -> list[str]:
    """Return readable differences between two masked payload lists (empty: the same)."""
    if expected == actual:
        return []
    differences = []
    if len(expected) != len(actual):
        differences.append(f"{len(actual)} interactions recorded, the reference recorded "
                           f"{len(expected)}")
    remaining = list(actual)
    unmatched = []
    for item in expected:
        if item in remaining:
            remaining.remove(item)
        else:
            unmatched.append(item)
    for item in unmatched:
        # Pair with the most similar leftover to show field-level changes.
        best = max(remaining, key=lambda r: _overlap(item, r), default=None)
        if best is None or _overlap(item, best) == 0:
            differences.append(f"missing: {_short(item)}")
            continue
        remaining.remove(best)
        for key in sorted(set(item) | set(best)):
            if item.get(key, "<absent>") != best.get(key, "<absent>"):
                differences.append(f"{item.get('type')}: {key}: reference "
                                   f"{item.get(key, '<absent>')!r}, candidate "
                                   f"{best.get(key, '<absent>')!r}")
    differences += [f"unexpected: {_short(item)}" for item in remaining]
    return differences


def differences(reference: dict, scenario: str, browser: str,
                interactions: list[dict]) -> list[str] | None:
    """Compare one scenario run's recorded *interactions* with its golden entry in
    *reference* (``{scenario: {browser: masked}}``, as :func:`load` reads it): the
    differences (empty: the same), or None when there is no entry for that browser.

    The one comparison: the gate, the mutation run and the suite's own scenario runs
    (``harness/scenarios/conftest.py``) all judge payloads here.
    """
    expected = reference.get(scenario, {}).get(browser)
    if expected is None:
        return None
    return compare(expected, mask(interactions))


def _overlap(a: dict, b: dict) -> int:
    if a.get("type") != b.get("type"):
        return 0
    return sum(1 for k in a if a.get(k) == b.get(k))


def _short(item: dict) -> str:
    keys = ("type", "msdynci_actiontype", "msdynci_viewname", "msdynci_linkuri")
    return ", ".join(f"{k.removeprefix('msdynci_')}={item[k]!r}" for k in keys if k in item)


def from_results(results: dict) -> dict:
    """Return ``{scenario: {browser: masked interactions}}`` from a run's results."""
    golden: dict[str, dict] = {}
    for entry in results["scenarios"]:
        for browser, result in entry["results"].items():
            evidence = result.get("evidence")
            if result["outcome"] == "passed" and evidence:
                golden.setdefault(entry["id"], {})[browser] = mask(evidence["interactions"])
    return golden


def load(path: Path = GOLDEN) -> dict:
    return json.loads(path.read_text(encoding="utf-8")) if path.exists() else {}


def save(golden: dict, path: Path = GOLDEN) -> None:
    path.write_text(json.dumps(golden, indent=1, sort_keys=True) + "\n", encoding="utf-8")
