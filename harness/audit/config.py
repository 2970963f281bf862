"""What the audit knows: tracker script paths, collector origins, sites, containers, forms.

Read from ``--config FILE``, else from the nearest ``webtrack.toml`` or ``pyproject.toml``
(this folder, then each one above it up to the project's root), from ``[tool.webtrack.audit]``
(or ``[audit]`` in a ``webtrack.toml``). Anything the audit does not know is an error, never
silently ignored: a misspelt key, a table in the wrong place, a value of the wrong type.
"""

from __future__ import annotations

import fnmatch
from dataclasses import dataclass, field, fields
from pathlib import Path

from .. import config as settings
from .. import estate

SEVERITIES = ("error", "warning", "note")
LISTS = ("tracker_paths", "collector_origins", "sites", "tag_containers", "tracked_forms")
# Tables other parts of webtrack read beside [tool.webtrack.audit].
OTHER_TABLES = tuple(t for t in settings.TABLES if t != "audit")
TABLE = "[tool.webtrack.audit]"


class ConfigError(ValueError):
    """The audit configuration cannot be used as written."""


@dataclass
class Suppression:
    rule: str
    path: str  # a glob over the file path or URL
    reason: str


@dataclass
class AuditConfig:
    """The audit's knowledge of the installation, from ``[tool.webtrack.audit]``."""

    tracker_paths: list[str] = field(default_factory=lambda: ["/tracker.js"])
    collector_origins: list[str] = field(default_factory=lambda: ["http://collector.localhost:*"])
    sites: list[str] = field(default_factory=list)
    tag_containers: list[str] = field(default_factory=lambda: ["/container.js"])
    tracked_forms: list[str] = field(default_factory=list)
    severity: dict[str, str] = field(default_factory=dict)
    suppress: list[Suppression] = field(default_factory=list)
    source: str = "defaults"  # where the settings came from, for the summary line

    def known_collector(self, origin: str) -> bool:
        return any(fnmatch.fnmatchcase(origin, pattern) for pattern in self.collector_origins)

    def suppression(self, rule: str, where: str) -> Suppression | None:
        for item in self.suppress:
            if item.rule == rule and fnmatch.fnmatchcase(where, item.path):
                return item
        return None


KEYS = tuple(f.name for f in fields(AuditConfig) if f.name != "source")


def load(raw: dict | None = None, source: str = "defaults") -> AuditConfig:
    """Return the audit configuration from the table *raw* (default: found as documented)."""
    if raw is None:
        raw, source = locate()
    where = source if source != "defaults" else TABLE
    if not isinstance(raw, dict):
        raise ConfigError(f"{where}: the audit settings must be a table")
    unknown = set(raw) - set(KEYS)
    if unknown:
        raise ConfigError(f"{where} has unknown key(s) {', '.join(sorted(unknown))}; known: "
                          f"{', '.join(KEYS)}")
    values = dict(raw)
    for key in LISTS:
        if key in values and (not isinstance(values[key], list) or not all(
                isinstance(item, str) for item in values[key])):
            raise ConfigError(f"{where}: {key} must be a list of strings")
    from .rules import RULES

    severity = values.get("severity", {})
    if not isinstance(severity, dict):
        raise ConfigError(f"{where}: severity must be a table of rule = level")
    for rule, level in severity.items():
        if rule not in RULES:
            raise ConfigError(f"{where}: severity names unknown rule {rule}")
        if level not in SEVERITIES:
            raise ConfigError(f"{where}: severity of {rule} must be one of "
                              f"{', '.join(SEVERITIES)}")
    values["suppress"] = _suppressions(values.get("suppress", []), where, RULES)
    found = AuditConfig(**values, source=source)
    if not found.sites:
        found.sites = [s.id for s in estate.discover() if s.register]
    return found


def _suppressions(items, where: str, rules) -> list[Suppression]:
    if not isinstance(items, list) or not all(isinstance(i, dict) for i in items):
        raise ConfigError(f"{where}: suppress must be an array of tables "
                          "([[tool.webtrack.audit.suppress]])")
    found = []
    for item in items:
        extra = set(item) - {"rule", "path", "reason"}
        if extra:
            raise ConfigError(f"{where}: a suppression has unknown key(s) "
                              f"{', '.join(sorted(extra))}; known: rule, path, reason")
        if item.get("rule") not in rules:
            raise ConfigError(f"{where}: suppression of unknown rule {item.get('rule')!r}")
        if not item.get("reason"):
            raise ConfigError(f"suppression of {item.get('rule')} at {item.get('path')} "
                              f"needs a reason")
        found.append(Suppression(item["rule"], str(item.get("path", "*")), str(item["reason"])))
    return found


def from_file(path: str | Path) -> tuple[dict, str]:
    """Return the audit table of a TOML file and a description of where it was."""
    path = Path(path)
    data = settings.load_toml(path)
    tool = data.get("tool", {})
    if not isinstance(tool, dict):
        raise ConfigError(f"{path}: [tool] must be a table")
    webtrack = tool.get("webtrack")
    if path.name == "pyproject.toml":
        if webtrack is None:
            return {}, "defaults"
        return _audit_table(webtrack, path, "[tool.webtrack]")
    if webtrack is not None:
        if set(data) - {"tool"}:
            raise ConfigError(f"{path}: use either [tool.webtrack…] tables or top-level ones, "
                              f"not both (found {', '.join(sorted(set(data) - {'tool'}))})")
        return _audit_table(webtrack, path, "[tool.webtrack]")
    return _audit_table(data, path, "")


def _shown(path: Path) -> str:
    """*path* relative to the current folder when it is under it."""
    try:
        return str(path.resolve().relative_to(Path.cwd().resolve()))
    except ValueError:
        return str(path)


def _audit_table(table, path: Path, prefix: str) -> tuple[dict, str]:
    """Check where things are in *table* (the webtrack settings); return its audit part."""
    path = Path(_shown(path))
    name = f"{prefix[:-1]}.audit]" if prefix else "[audit]"
    if not isinstance(table, dict):
        raise ConfigError(f"{path}: {prefix or 'the file'} must be a table")
    misplaced = sorted(set(table) & set(KEYS))
    if misplaced:
        raise ConfigError(f"{path}: {', '.join(misplaced)} belong(s) in {name}, not at "
                          f"{prefix or 'the top level'}")
    for key, value in table.items():
        if isinstance(value, dict) and key != "audit" and key not in OTHER_TABLES:
            where = f"{prefix[:-1]}.{key}]" if prefix else f"[{key}]"
            raise ConfigError(f"{path}: unknown table {where}; the audit reads {name}")
    settings.check(table, str(path), prefix)  # and what the other commands read
    audit = table.get("audit", {})
    if "audit" in table and not isinstance(audit, dict):
        raise ConfigError(f"{path}: audit must be a table, {name}")
    return audit, f"{path} {name}" if "audit" in table else f"{path} (no {name}: defaults)"


def locate(start: Path | None = None) -> tuple[dict, str]:
    """Find the settings the way the README says: the nearest webtrack.toml or pyproject.toml
    with webtrack settings, from *start* (the current folder) up to the project's root."""
    path = settings.find(start)
    return from_file(path) if path else ({}, "defaults")
