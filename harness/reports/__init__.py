"""Reports: plain data written as JSON, rendered to HTML by Jinja templates, and JUnit XML."""

from __future__ import annotations

import base64
import json
import re
from pathlib import Path
from xml.etree import ElementTree

import jinja2

_ENV = jinja2.Environment(
    loader=jinja2.PackageLoader("harness.reports", "templates"),
    autoescape=True, undefined=jinja2.StrictUndefined, trim_blocks=True, lstrip_blocks=True)


def _data_uri(path: str | Path, kind: str = "image/jpeg") -> str:
    """Return a file as a data: URI, so the HTML report is one self-contained file."""
    return f"data:{kind};base64," + base64.b64encode(Path(path).read_bytes()).decode()


def _readable_time(at: float | None) -> str:
    """Epoch seconds as a time people read (``05:42:06.175 UTC``); a dash for none."""
    from datetime import datetime, timezone

    if at is None:
        return "—"
    return datetime.fromtimestamp(at, timezone.utc).strftime("%H:%M:%S.%f")[:-3] + " UTC"


_ENV.filters["data_uri"] = _data_uri
_ENV.filters["readable_time"] = _readable_time
# Text as text: a title's em dash shows as —, not as \u2014.
_ENV.filters["tojson_pretty"] = lambda value: json.dumps(value, indent=1, default=str,
                                                        ensure_ascii=False)
_ENV.filters["anchor"] = lambda text: re.sub(r"[^A-Za-z0-9_-]+", "-", str(text)).strip("-")


def render(template: str, **data: object) -> str:
    """Render *template* with *data*; every value is escaped unless marked otherwise."""
    return _ENV.get_template(template).render(**data)


def write_json(path: Path, data: object) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(data, indent=1, default=str) + "\n", encoding="utf-8")
    return path


def write_junit(path: Path, suite: str, cases: list[dict]) -> Path:
    """Write JUnit XML: *cases* are ``{name, classname, time, failure?, skipped?}``."""
    failures = sum(1 for c in cases if c.get("failure"))
    skipped = sum(1 for c in cases if c.get("skipped"))
    root = ElementTree.Element("testsuites")
    node = ElementTree.SubElement(root, "testsuite", name=suite, tests=str(len(cases)),
                                  failures=str(failures), skipped=str(skipped), errors="0")
    for case in cases:
        element = ElementTree.SubElement(node, "testcase", name=case["name"],
                                         classname=case.get("classname", suite),
                                         time=f"{case.get('time', 0):.3f}")
        if case.get("failure"):
            ElementTree.SubElement(element, "failure", message=case["failure"][:500]).text = \
                case.get("detail", case["failure"])
        elif case.get("skipped"):
            ElementTree.SubElement(element, "skipped", message=case["skipped"])
    path.parent.mkdir(parents=True, exist_ok=True)
    ElementTree.ElementTree(root).write(path, encoding="utf-8", xml_declaration=True)
    return path
