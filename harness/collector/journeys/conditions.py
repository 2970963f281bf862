"""Conditions on interaction fields: pure functions, shared by triggers and branches."""

from __future__ import annotations

import re

OPS = ("equals", "contains", "starts_with", "regex", "in")


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
        if not isinstance(value, list) or not value:
            raise ValueError(f"{where}.value must be a non-empty list for 'in'")
    elif not isinstance(value, (str, int, float, bool)):
        raise ValueError(f"{where}.value must be a string, number or boolean")
    if op == "regex":
        try:
            re.compile(str(value))
        except re.error as exc:
            raise ValueError(f"{where}.value is not a valid regex: {exc}") from None
    return condition


def holds(condition: dict, interaction: dict) -> bool:
    """Return whether one condition holds for *interaction* (a missing field never holds)."""
    if condition["field"] not in interaction:
        return False
    actual, value, op = interaction[condition["field"]], condition["value"], condition["op"]
    if op == "equals":
        return actual == value
    if op == "in":
        return actual in value
    if actual is None:
        text = ""
    elif isinstance(actual, bool):
        text = str(actual).lower()  # as JSON writes it: true / false
    else:
        text = str(actual)
    if op == "contains":
        return str(value) in text
    if op == "starts_with":
        return text.startswith(str(value))
    return re.search(str(value), text) is not None


def matches(rule: dict, interaction: dict) -> bool:
    """Return whether *interaction* has the rule's type and meets all its conditions."""
    return interaction.get("type") == rule["type"] and all(
        holds(c, interaction) for c in rule.get("conditions", []))
