"""Conditions on interaction fields: pure functions, shared by triggers and branches.

``regex`` runs on RE2, in time linear in the (capped) text: no pattern can stall the
collector by backtracking. RE2 has no backreferences or lookaround; such a pattern is
refused when the journey is defined.
"""

from __future__ import annotations

from functools import lru_cache

import re2

OPS = ("equals", "contains", "starts_with", "regex", "in")
MAX_TEXT = 4096  # characters of a field a condition looks at
MAX_PATTERN = 1000
MAX_IN = 100


@lru_cache(maxsize=256)
def compiled(pattern: str):
    """Return the RE2 program for *pattern*; raise ValueError if RE2 cannot run it."""
    options = re2.Options()
    options.max_mem = 8 << 20
    options.log_errors = False
    try:
        return re2.compile(pattern, options)
    except re2.error as exc:
        said = exc.args[0] if exc.args else "unsupported pattern"
        raise ValueError(said.decode(errors="replace") if isinstance(said, bytes) else str(said)
                         ) from None


def check(condition: object, where: str) -> dict:
    """Return *condition* if well formed, else raise ValueError naming what is wrong."""
    if not isinstance(condition, dict):
        raise ValueError(f"{where} must be an object with field, op and value")
    unknown = set(condition) - {"field", "op", "value"}
    if unknown:
        raise ValueError(f"{where} has unknown key(s) {', '.join(sorted(unknown))}")
    if not isinstance(condition.get("field"), str) or not condition["field"]:
        raise ValueError(f"{where}.field must be a field name")
    op = condition.get("op")
    if op not in OPS:
        raise ValueError(f"{where}.op {op!r} is not one of {', '.join(OPS)}")
    value = condition.get("value")
    if op == "in":
        if not isinstance(value, list) or not 0 < len(value) <= MAX_IN or not all(
                isinstance(v, (str, int, float, bool)) for v in value):
            raise ValueError(f"{where}.value must be a non-empty list of at most {MAX_IN} strings, "
                             "numbers or booleans for 'in'")
    elif not isinstance(value, (str, int, float, bool)):
        raise ValueError(f"{where}.value must be a string, number or boolean")
    if isinstance(value, str) and len(value) > MAX_PATTERN:
        raise ValueError(f"{where}.value is longer than {MAX_PATTERN} characters")
    if op == "regex":
        try:
            compiled(str(value))
        except ValueError as exc:
            raise ValueError(f"{where}.value is not a valid regex for RE2 (no backreferences "
                             f"or lookaround): {exc}") from None
    return condition


def _kind(value: object) -> str:
    """The JSON type of *value*: a boolean is never a number (Python's ``True == 1``)."""
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, (int, float)):
        return "number"
    return type(value).__name__


def same(actual: object, value: object) -> bool:
    """Whether *actual* equals *value* as JSON values: of one type, then equal
    (``1`` is not ``true``, ``"1"`` is not ``1``; ``1`` is ``1.0``)."""
    return _kind(actual) == _kind(value) and actual == value


def _text(value: object) -> str:
    """*value* as text, as JSON writes it (``true``, not ``True``; null as nothing)."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def holds(condition: dict, interaction: dict) -> bool:
    """Return whether one condition holds for *interaction* (a missing field never holds)."""
    if condition["field"] not in interaction:
        return False
    actual, value, op = interaction[condition["field"]], condition["value"], condition["op"]
    if op == "equals":
        return same(actual, value)
    if op == "in":
        return any(same(actual, one) for one in value)
    text = _text(actual)[:MAX_TEXT]
    if op == "contains":
        return _text(value) in text
    if op == "starts_with":
        return text.startswith(_text(value))
    return compiled(_text(value)).search(text) is not None


def matches(rule: dict, interaction: dict) -> bool:
    """Return whether *interaction* has the rule's type and meets all its conditions."""
    return interaction.get("type") == rule["type"] and all(
        holds(c, interaction) for c in rule.get("conditions", []))
