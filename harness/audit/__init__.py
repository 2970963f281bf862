"""``webtrack audit``: is the tracking script installed right on every page?"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path

from . import config as audit_config
from .config import AuditConfig
from .rules import RULES, Finding, apply_policy, check
from .targets import TargetError, expand, load_rendered, load_static

__all__ = ["AuditConfig", "AuditResult", "Finding", "RULES", "TargetError", "run"]


@dataclass
class AuditResult:
    """Everything an audit found, for the reports."""

    pages: list[dict] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)
    suppressed: list[dict] = field(default_factory=list)
    skipped: list[dict] = field(default_factory=list)
    rendered: bool = False
    seconds: float = 0.0

    @property
    def errors(self) -> int:
        return sum(1 for f in self.findings if f.severity == "error")


def run(targets: list[str], config: AuditConfig | None = None, render: bool = False,
        progress=None, validate: bool = False) -> AuditResult:
    """Audit *targets*; *progress*, if given, is called once per page; *validate* adds the
    Nu Html Checker's findings."""
    config = config or audit_config.load()
    started = time.perf_counter()
    result = AuditResult(rendered=render)
    pages = expand(targets)
    loaded = load_rendered(pages) if render else (load_static(w, r) for w, r in pages)
    for page in loaded:
        if page.template and not render:
            result.skipped.append({"file_or_url": page.where, "reason":
                                   "a server-side template: audit the page it renders (URL)"})
        else:
            kept, suppressed = apply_policy(check(page, config), config)
            result.findings += kept
            result.suppressed += suppressed
            result.pages.append({"file_or_url": page.where, "source": page.source,
                                 "findings": [f.as_dict() for f in kept]})
        if progress:
            progress()
    if validate and result.pages:
        from . import validity

        found = validity.check([(p["file_or_url"], p["source"]) for p in result.pages])
        kept, suppressed = apply_policy(found, config)
        result.findings += kept
        result.suppressed += suppressed
        by_page = {p["file_or_url"]: p for p in result.pages}
        for finding in kept:
            by_page[finding.file_or_url]["findings"].append(finding.as_dict())
    result.seconds = time.perf_counter() - started
    return result


def write_reports(result: AuditResult, out: Path, formats: list[str]) -> list[Path]:
    from .report import write

    return write(result, out, formats)
