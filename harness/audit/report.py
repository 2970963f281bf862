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
    return {"verdict": result.verdict, "exit_code": result.exit_code,
            "pages": len(result.pages), "skipped": len(result.skipped),
            "unchecked": len(result.unchecked), "errors": result.errors,
            "warnings": sum(1 for f in result.findings if f.severity == "warning"),
            "pages_with_errors": sum(1 for p in result.pages if any(
                f["severity"] == "error" for f in p["findings"])),
            "suppressed": len(result.suppressed), "by_rule": dict(sorted(by_rule.items())),
            "rendered": result.rendered, "config": result.config,
            "seconds": round(result.seconds, 3)}


def as_data(result: AuditResult) -> dict:
    return {"summary": summary(result),
            "rules": {rule: {"severity": s, "title": t} for rule, (s, t) in RULES.items()},
            "findings": [f.as_dict() for f in result.findings],
            "suppressed": result.suppressed, "skipped": result.skipped,
            "unchecked": result.unchecked,
            "pages": [{"file_or_url": p["file_or_url"], "findings": len(p["findings"])}
                      for p in result.pages]}


def project_url() -> str | None:
    """The project's home page from its package metadata, if it declares one."""
    from importlib import metadata

    try:
        meta = metadata.metadata("webtrack-harness")
    except metadata.PackageNotFoundError:
        return None
    urls = [entry.split(",", 1)[1].strip() for entry in meta.get_all("Project-URL") or []
            if "," in entry]
    urls += meta.get_all("Home-page") or []
    return next((u for u in urls if u.startswith("https://")), None)


def sarif(result: AuditResult) -> dict:
    """Return the findings as a SARIF 2.1.0 log, for code-scanning tools."""
    def location(finding):
        region = {"startLine": finding.line} if finding.line else {}
        return {"physicalLocation": {"artifactLocation": {"uri": finding.file_or_url},
                                     **({"region": region} if region else {})}}

    driver = {"name": "webtrack-audit",
              "rules": [{"id": rule, "shortDescription": {"text": title},
                         "defaultConfiguration": {"level": SARIF_LEVEL[severity]}}
                        for rule, (severity, title) in RULES.items()]}
    home = project_url()
    if home:
        driver["informationUri"] = home
    return {
        "version": "2.1.0",
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "runs": [{
            "tool": {"driver": driver},
            "invocations": [{
                "executionSuccessful": not result.unchecked,
                "toolExecutionNotifications": [
                    {"level": "error", "message": {"text": f"could not check: {u['error']}"},
                     "locations": [{"physicalLocation": {
                         "artifactLocation": {"uri": u["file_or_url"]}}}]}
                    for u in result.unchecked]}],
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


def blocks(source: str, findings: list[dict], around: int = 2) -> list[dict]:
    """Group a page's findings into source excerpts: each line shown once, findings on
    nearby lines sharing one excerpt; ``{findings, lines: [(n, text, marked)]}``."""
    groups: list[dict] = []
    for finding in sorted(findings, key=lambda f: f["line"] or 0):
        line = finding["line"]
        last = groups[-1] if groups else None
        if last and line and last["end"] and line - around <= last["end"] + 1:
            last["findings"].append(finding)
            last["marked"].add(line)
            last["end"] = line + around
        else:
            groups.append({"findings": [finding], "marked": {line} if line else set(),
                           "start": line, "end": line + around if line else None})
    lines = source.splitlines()
    for group in groups:
        if not group["start"]:
            group["lines"] = []
            continue
        first = max(1, group["start"] - around)
        last = min(len(lines), group["end"])
        group["lines"] = [(n, lines[n - 1], n in group["marked"])
                          for n in range(first, last + 1)]
    return [{"findings": g["findings"], "lines": g["lines"]} for g in groups]


def check_formats(formats: list[str]) -> list[str]:
    """Return *formats* when each is known; else a ValueError naming the choices."""
    unknown = set(formats) - set(FORMATS)
    if unknown or not formats:
        raise ValueError(f"unknown report format(s) {', '.join(sorted(unknown)) or '(none)'}; "
                         f"choose from {', '.join(FORMATS)}")
    return formats


def write(result: AuditResult, out: Path, formats: list[str]) -> list[Path]:
    check_formats(formats)
    out.mkdir(parents=True, exist_ok=True)
    written = []
    if "json" in formats:
        written.append(reports.write_json(out / "findings.json",
                                          [f.as_dict() for f in result.findings]))
        written.append(reports.write_json(out / "report.json", as_data(result)))
    if "sarif" in formats:
        written.append(reports.write_json(out / "report.sarif", sarif(result)))
    if "html" in formats:
        # Pages with findings first, each group in the order audited.
        pages = sorted(result.pages, key=lambda p: not p["findings"])
        html = reports.render("audit.html.jinja", data=as_data(result), pages=pages,
                              blocks=blocks)
        (out / "report.html").write_text(html, encoding="utf-8")
        written.append(out / "report.html")
    cases = [{"name": p["file_or_url"], "classname": "webtrack.audit",
              "failure": "; ".join(f"{f['rule']} line {f['line']}: {f['message']}"
                                   for f in p["findings"] if f["severity"] == "error") or None}
             for p in result.pages]
    cases += [{"name": u["file_or_url"], "classname": "webtrack.audit",
               "failure": f"could not check: {u['error']}"} for u in result.unchecked]
    written.append(reports.write_junit(out / "junit.xml", "webtrack audit", cases))
    return written
