"""Validate a journey definition: clear errors for unknown, unreachable or cyclic steps."""

from __future__ import annotations

import graphlib
import re

from jinja2 import TemplateSyntaxError

from .. import schema
from . import conditions, render

MAX_STEPS = 50
MAX_NAME = 100
MAX_WINDOW = 366 * 24 * 3600
JOURNEY_ID = re.compile(r"[A-Za-z0-9_-]{1,64}")


def checked_id(value: object) -> str | None:
    """Return a journey id given with a definition (None: the collector makes one), or
    raise ValueError: 1-64 ASCII letters, digits, '-' or '_', as it appears in URLs."""
    if value is None:
        return None
    if not isinstance(value, str) or not JOURNEY_ID.fullmatch(value):
        raise ValueError("field 'id' must be 1-64 letters, digits, '-' or '_'")
    return value


def _rule(raw: object, where: str) -> dict:
    if not isinstance(raw, dict) or not isinstance(raw.get("type"), str) or not raw["type"]:
        raise ValueError(f"{where} must be an object with an interaction 'type'")
    unknown = set(raw) - {"type", "conditions"}
    if unknown:
        raise ValueError(f"{where} has unknown key(s) {', '.join(sorted(unknown))}")
    found = raw.get("conditions", [])
    if not isinstance(found, list):
        raise ValueError(f"{where}.conditions must be a list")
    checked = [conditions.check(c, f"{where}.conditions[{i}]") for i, c in enumerate(found)]
    # A type or field no interaction has (a typo: "website_visted") is a rule that never
    # holds: the journey would wait for ever, unseen.
    if problem := schema.recorded_type_problem(raw["type"]):
        raise ValueError(f"{where}.type {raw['type'][:60]!r} {problem}")
    for i, condition in enumerate(checked):
        if problem := schema.recorded_field_problem(raw["type"], condition["field"]):
            raise ValueError(f"{where}.conditions[{i}].field {condition['field'][:60]!r} "
                             f"{problem}")
    return {"type": raw["type"], "conditions": checked}


def _step(name: str, raw: object) -> dict:
    where = f"steps.{name}"
    if not isinstance(raw, dict):
        raise ValueError(f"{where} must be an object")
    if ("if" in raw) == ("send" in raw):
        raise ValueError(f"{where} must have exactly one of 'if' (a branch) or 'send'")
    if "send" in raw:
        unknown = set(raw) - {"send", "next"}
        if unknown:
            raise ValueError(f"{where} has unknown key(s) {', '.join(sorted(unknown))}")
        if not isinstance(raw["send"], str) or not raw["send"].strip():
            raise ValueError(f"{where}.send must be the message text")
        try:
            render.check(raw["send"])
        except TemplateSyntaxError as exc:
            raise ValueError(f"{where}.send is not a valid template: {exc.message}") from None
        except ValueError as exc:
            raise ValueError(f"{where}.send {exc}") from None
        return {"send": raw["send"], "next": _target(raw, "next", where)}
    unknown = set(raw) - {"if", "within_seconds", "yes", "no"}
    if unknown:
        raise ValueError(f"{where} has unknown key(s) {', '.join(sorted(unknown))}")
    window = raw.get("within_seconds")
    if isinstance(window, bool) or not isinstance(window, (int, float)) or \
            not 0 < window <= MAX_WINDOW:
        raise ValueError(f"{where}.within_seconds must be a number of seconds, "
                         f"more than 0 and at most {MAX_WINDOW}")
    return {"if": _rule(raw["if"], f"{where}.if"), "within_seconds": window,
            "yes": _target(raw, "yes", where), "no": _target(raw, "no", where)}


def _target(raw: dict, path: str, where: str) -> str | None:
    """The step *path* leads to (None: the journey ends there), or ValueError. An empty
    name is no step: it would escape the checks for unknown steps and cycles."""
    target = raw.get(path)
    if target is not None and (not isinstance(target, str) or not target):
        raise ValueError(f"{where}.{path} must be a step name (or null to end there)")
    return target


def successors(step: dict) -> list[str]:
    """The steps *step* may lead to (an end, None, is none)."""
    return [s for s in ((step.get("yes"), step.get("no")) if "if" in step
                        else (step.get("next"),)) if s is not None]


def validate(raw: object) -> dict:
    """Return a normalised definition, or raise ValueError saying what is wrong."""
    if not isinstance(raw, dict):
        raise ValueError("a journey definition must be a JSON object")
    unknown = set(raw) - {"name", "trigger", "start", "steps", "reentry", "id"}
    if unknown:
        raise ValueError(f"journey has unknown key(s) {', '.join(sorted(unknown))}")
    title = raw.get("name")
    if not isinstance(title, str) or not title.strip() or len(title) > 200:
        raise ValueError("journey 'name' must be a non-empty string")
    steps_raw = raw.get("steps")
    if not isinstance(steps_raw, dict) or not steps_raw or len(steps_raw) > MAX_STEPS:
        raise ValueError(f"journey 'steps' must be an object of 1 to {MAX_STEPS} steps")
    for name in steps_raw:
        if not name or len(name) > MAX_NAME:
            raise ValueError(f"journey step names must be 1 to {MAX_NAME} characters, "
                             f"not {name[:MAX_NAME]!r}")
    steps = {name: _step(name, step) for name, step in steps_raw.items()}
    start = raw.get("start")
    if not isinstance(start, str) or start not in steps:
        raise ValueError(f"journey 'start' names unknown step {start!r}")
    for name, step in steps.items():
        for target in successors(step):
            if target not in steps:
                raise ValueError(f"steps.{name} leads to unknown step {target!r}")
    reachable = _reachable(_in_order(steps), steps, start)
    unreachable = sorted(set(steps) - reachable)
    if unreachable:
        raise ValueError(f"unreachable step(s) {', '.join(unreachable)} (not led to from "
                         f"{start!r})")
    reentry = raw.get("reentry", False)
    if not isinstance(reentry, bool):
        raise ValueError("journey 'reentry' must be true or false")
    return {"name": title, "trigger": _rule(raw.get("trigger"), "trigger"), "start": start,
            "steps": steps, "reentry": reentry}


def _in_order(steps: dict) -> list[str]:
    """Return the step names so that each comes before every step it leads to, or raise
    ValueError naming a cycle."""
    leads_from: dict[str, set[str]] = {name: set() for name in steps}
    for name, step in steps.items():
        for target in successors(step):
            leads_from[target].add(name)
    try:
        return list(graphlib.TopologicalSorter(leads_from).static_order())
    except graphlib.CycleError as exc:
        raise ValueError(f"steps form a cycle: {' → '.join(exc.args[1])}") from None


def _reachable(order: list[str], steps: dict, start: str) -> set[str]:
    """Return the steps led to from *start*, walking *order* (each step before its targets)."""
    reached = {start}
    for name in order:
        if name in reached:
            reached.update(successors(steps[name]))
    return reached
