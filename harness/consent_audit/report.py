"""Consent audit reports: JSON for machines, HTML for people, JUnit for CI."""

from __future__ import annotations

from pathlib import Path

from .. import reports

SELF_TEST = {True: "its self-test confirmed the choice",
             False: "its self-test did not confirm the choice",
             None: "no self-test for this platform"}


def tool_line(record: dict) -> str | None:
    """One line on the consent platform of a state made with ``auto``, for the console."""
    tool = record.get("consent_tool")
    if not tool:
        return None
    name = tool.get("platform") or tool.get("cmp") or "none found"
    return (f"consent platform: {name} ({tool.get('status')}); "
            f"{SELF_TEST.get(tool.get('self_test'), SELF_TEST[None])}")


def write(results: dict, out: Path) -> list[Path]:
    out.mkdir(parents=True, exist_ok=True)
    written = [reports.write_json(out / "report.json", results)]
    html = reports.render("consent.html.jinja", data=results, out=out)
    (out / "report.html").write_text(html, encoding="utf-8")
    written.append(out / "report.html")
    cases = []
    for r in results["results"]:
        failure = None
        if r["verdict"] in ("fail", "error"):
            failure = r["error"] or "; ".join(v["what"] for v in r["violations"])
        cases.append({"name": r["id"], "classname": f"consent.{r['site']}", "failure": failure,
                      "skipped": "tracking allowed in this state: observed only"
                      if r["verdict"] == "observed" else None})
    written.append(reports.write_junit(out / "junit.xml", "webtrack consent-audit", cases))
    return written
