"""Gate reports: JSON for machines, HTML for people, JUnit for CI."""

from __future__ import annotations

from pathlib import Path

from .. import reports


def write(result: dict | None, out: Path, self_test: dict | None = None) -> list[Path]:
    out.mkdir(parents=True, exist_ok=True)
    data = {"gate": result, "self_test": self_test}
    written = [reports.write_json(out / "report.json", data)]
    html = reports.render("gate.html.jinja", gate=result, self_test=self_test)
    (out / "report.html").write_text(html, encoding="utf-8")
    written.append(out / "report.html")
    cases = []
    if result:
        cases += [{"name": f"{f['scenario']} [{f['browser']}]", "classname": "gate.scenarios",
                   "failure": f["message"][:2000] or "failed"} for f in result["failed"]]
        cases += [{"name": f"payload {c['scenario']} [{c['browser']}]",
                   "classname": "gate.payloads", "failure": "; ".join(c["differences"])}
                  for c in result["payload_changes"]]
        cases += [{"name": f"budget: {b}", "classname": "gate.budget", "failure": b}
                  for b in result["over_budget"]]
        if result.get("stopped_early"):
            cases.append({"name": "canary: delivery works at all", "classname": "gate.canary",
                          "failure": result["stopped_early"]["reason"]})
        cases.append({"name": "scenarios run", "classname": "gate",
                      "failure": None if result["summary"]["total"] else "no scenario ran"})
    if self_test:
        cases += [{"name": f"mutant {r['mutant']}", "classname": "gate.self_test",
                   "failure": None if r["caught"] else f"survived: {r['what']}"}
                  for r in self_test["mutants"]]
    written.append(reports.write_junit(out / "junit.xml", "webtrack gate", cases))
    return written


def write_mutation(result: dict, out: Path) -> list[Path]:
    """``mutation.json``, ``mutation.html`` and ``mutation-junit.xml`` (one case a survivor)."""
    out.mkdir(parents=True, exist_ok=True)
    written = [reports.write_json(out / "mutation.json", result)]
    (out / "mutation.html").write_text(reports.render("mutation.html.jinja", result=result),
                                       encoding="utf-8")
    written.append(out / "mutation.html")
    cases = [{"name": f"mutant {r['id']}", "classname": f"gate.mutation.{r['operator']}",
              "failure": None if r["status"] in ("killed", "timeout", "equivalent")
              else f"{r['status']}: {r['change']}", "detail": r.get("diff") or ""}
             for r in result["mutants"]]
    written.append(reports.write_junit(out / "mutation-junit.xml", "webtrack gate --mutation",
                                       cases))
    return written
