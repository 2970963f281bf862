"""What the audit knows: tracker script paths, collector origins, sites, containers, forms."""

from __future__ import annotations

import fnmatch
from dataclasses import dataclass, field

from .. import config as settings
from .. import estate

SEVERITIES = ("error", "warning", "note")


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

    def known_collector(self, origin: str) -> bool:
        return any(fnmatch.fnmatchcase(origin, pattern) for pattern in self.collector_origins)

    def suppression(self, rule: str, where: str) -> Suppression | None:
        for item in self.suppress:
            if item.rule == rule and fnmatch.fnmatchcase(where, item.path):
                return item
        return None


def load(raw: dict | None = None) -> AuditConfig:
    """Return the audit configuration from *raw* (default: the project's settings)."""
    if raw is None:
        raw = settings.project_settings().get("audit", {})
    known = AuditConfig.__dataclass_fields__
    unknown = set(raw) - set(known)
    if unknown:
        raise ValueError(f"[tool.webtrack.audit] has unknown key(s) {', '.join(sorted(unknown))}")
    values = dict(raw)
    suppressions = []
    for item in values.pop("suppress", []):
        if not item.get("reason"):
            raise ValueError(f"suppression of {item.get('rule')} at {item.get('path')} "
                             f"needs a reason")
        suppressions.append(Suppression(item["rule"], item.get("path", "*"), item["reason"]))
    for rule, level in values.get("severity", {}).items():
        if level not in SEVERITIES:
            raise ValueError(f"severity of {rule} must be one of {', '.join(SEVERITIES)}")
    found = AuditConfig(**values, suppress=suppressions)
    if not found.sites:
        found.sites = [s.id for s in estate.discover() if s.register]
    return found
