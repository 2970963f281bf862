"""``webtrack audit``: is the tracking script installed right on every page?"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path

from . import config as audit_config
from .config import AuditConfig, ConfigError
from .rules import RULES, Finding, apply_policy, check
from .targets import NotAPage, TargetError, expand, load_rendered, load_static

__all__ = ["AuditConfig", "AuditResult", "ConfigError", "Finding", "RULES", "TargetError",
           "run"]

# Exit codes, the same for every webtrack command.
CLEAN, FINDINGS, UNCHECKED = 0, 1, 2


@dataclass
class AuditResult:
    """Everything an audit found, for the reports."""

    pages: list[dict] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)
    suppressed: list[dict] = field(default_factory=list)
    skipped: list[dict] = field(default_factory=list)
    unchecked: list[dict] = field(default_factory=list)  # targets that could not be checked
    rendered: bool = False
    seconds: float = 0.0
    config: str = "defaults"

    @property
    def errors(self) -> int:
        return sum(1 for f in self.findings if f.severity == "error")

    @property
    def verdict(self) -> str:
        """``fail`` on any error finding, else ``incomplete`` when a target (or every page)
        could not be checked, else ``pass``."""
        if self.errors:
            return "fail"
        return "incomplete" if self.unchecked or not self.pages else "pass"

    @property
    def exit_code(self) -> int:
        """0 clean, 1 findings, 2 could not check (that wins: the audit is incomplete)."""
        if self.unchecked or not self.pages:
            return UNCHECKED
        return FINDINGS if self.errors else CLEAN


def run(targets: list[str], config: AuditConfig | None = None, render: bool = False,
        progress=None, validate: bool = False) -> AuditResult:
    """Audit *targets*; *progress*, if given, is called once per page; *validate* adds the
    Nu Html Checker's findings. A target that cannot be checked is recorded in
    ``unchecked`` and the others are still audited."""
    config = config or audit_config.load()
    started = time.perf_counter()
    result = AuditResult(rendered=render, config=config.source)
    found = expand(targets)
    result.skipped += found.skipped
    result.unchecked += found.unchecked
    loaded = load_rendered(found.pages) if render else (
        _static(where, root) for where, root in found.pages)
    for page in loaded:
        if isinstance(page, NotAPage):
            result.skipped.append(_problem(page, "reason"))
        elif isinstance(page, TargetError):
            result.unchecked.append(_problem(page, "error"))
        elif page.template and not render:
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

        invalid = validity.check([(p["file_or_url"], p["source"]) for p in result.pages])
        kept, suppressed = apply_policy(invalid, config)
        result.findings += kept
        result.suppressed += suppressed
        by_page = {p["file_or_url"]: p for p in result.pages}
        for finding in kept:
            by_page[finding.file_or_url]["findings"].append(finding.as_dict())
    result.seconds = time.perf_counter() - started
    return result


def _static(where: str, root: Path | None):
    try:
        return load_static(where, root)
    except (TargetError, NotAPage) as exc:
        return exc


def _problem(exc: TargetError, key: str) -> dict:
    return {"file_or_url": exc.where, key: exc.why}


def write_reports(result: AuditResult, out: Path, formats: list[str]) -> list[Path]:
    from .report import write

    return write(result, out, formats)
