"""Audit reports: JSON (the findings list and the whole result), SARIF 2.1.0, HTML, JUnit."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

from .. import reports
from . import AuditResult
from .rules import RULES

FORMATS = ("html", "json", "sarif")
SARIF_LEVEL = {"error": "error", "warning": "warning", "note": "note"}


def summary(result: AuditResult) -> dict:
    by_rule = Counter(f.rule for f in result.findings)
    return {"pages": len(result.pages), "skipped": len(result.skipped),
            "errors": result.errors,
            "warnings": sum(1 for f in result.findings if f.severity == "warning"),
            "suppressed": len(result.suppressed), "by_rule": dict(sorted(by_rule.items())),
            "rendered": result.rendered, "seconds": round(result.seconds, 3)}


def as_data(result: AuditResult) -> dict:
    return {"summary": summary(result),
            "rules": {rule: {"severity": s, "title": t} for rule, (s, t) in RULES.items()},
            "findings": [f.as_dict() for f in result.findings],
            "suppressed": result.suppressed, "skipped": result.skipped,
            "pages": [{"file_or_url": p["file_or_url"], "findings": len(p["findings"])}
                      for p in result.pages]}


def sarif(result: AuditResult) -> dict:
    """Return the findings as a SARIF 2.1.0 log, for code-scanning tools."""
    def location(finding):
        region = {"startLine": finding.line} if finding.line else {}
        return {"physicalLocation": {"artifactLocation": {"uri": finding.file_or_url},
                                     **({"region": region} if region else {})}}

    return {
        "version": "2.1.0",
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "runs": [{
            "tool": {"driver": {
                "name": "webtrack-audit", "informationUri": "https://example.invalid/webtrack",
                "rules": [{"id": rule, "shortDescription": {"text": title},
                           "defaultConfiguration": {"level": SARIF_LEVEL[severity]}}
                          for rule, (severity, title) in RULES.items()]}},
            "results": [{"ruleId": f.rule, "level": SARIF_LEVEL[f.severity],
                         "message": {"text": f.message}, "locations": [location(f)]}
                        for f in result.findings],
        }],
    }


def excerpt(source: str, line: int | None, around: int = 2) -> list[tuple[int, str]]:
    """Return the numbered source lines around *line*."""
    if not line:
        return []
    lines = source.splitlines()
    first = max(1, line - around)
    return [(n, lines[n - 1]) for n in range(first, min(len(lines), line + around) + 1)]


def write(result: AuditResult, out: Path, formats: list[str]) -> list[Path]:
    unknown = set(formats) - set(FORMATS)
    if unknown:
        raise ValueError(f"unknown report format(s) {', '.join(sorted(unknown))}; "
                         f"choose from {', '.join(FORMATS)}")
    out.mkdir(parents=True, exist_ok=True)
    written = []
    if "json" in formats:
        written.append(reports.write_json(out / "findings.json",
                                          [f.as_dict() for f in result.findings]))
        written.append(reports.write_json(out / "report.json", as_data(result)))
    if "sarif" in formats:
        written.append(reports.write_json(out / "report.sarif", sarif(result)))
    if "html" in formats:
        html = reports.render("audit.html.jinja", data=as_data(result), pages=result.pages,
                              excerpt=excerpt)
        (out / "report.html").write_text(html, encoding="utf-8")
        written.append(out / "report.html")
    cases = [{"name": p["file_or_url"], "classname": "webtrack.audit",
              "failure": "; ".join(f"{f['rule']} line {f['line']}: {f['message']}"
                                   for f in p["findings"] if f["severity"] == "error") or None}
             for p in result.pages]
    written.append(reports.write_junit(out / "junit.xml", "webtrack audit", cases))
    return written
