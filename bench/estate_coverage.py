"""The breach estate's whole coverage, as a mutation score per browser: every breach site
audited in Chromium and in Firefox (``WEBTRACK_FULL_ESTATE=1``, which the README's test
command leaves off: the ENCODING_ONLY sites of tests/test_consent_breaches.py are then
Chromium's alone), and each marker's row read as caught, missed (a known limit, a strict
xfail) or not the browser's (a row of one browser).

    .venv/bin/python bench/estate_coverage.py            # both browsers, 5 minutes or more
    .venv/bin/python bench/estate_coverage.py --browser firefox

Prints one line per marker that differs between the browsers or is missed, then each
browser's score (caught / rows run), and which of those rows the README's command leaves
to Chromium. Exits 1 when a row fails (a breach not caught that was caught before).
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import xml.etree.ElementTree as ET
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def run(browsers: list[str]) -> dict[tuple[str, str], dict[str, str]]:
    """{(site, marker): {browser: caught | missed | failed | skipped}}."""
    with tempfile.TemporaryDirectory() as tmp:
        junit = Path(tmp) / "junit.xml"
        command = [sys.executable, "-m", "pytest", "tests/test_consent_breaches.py",
                   "-k", "test_breach_is_caught", "-q", "-p", "no:cacheprovider",
                   f"--junitxml={junit}", *(a for b in browsers for a in ("--browser", b))]
        subprocess.run(command, cwd=ROOT, env={**os.environ, "WEBTRACK_FULL_ESTATE": "1"},
                       check=False)
        rows: dict[tuple[str, str], dict[str, str]] = {}
        for case in ET.parse(junit).getroot().iter("testcase"):
            browser, site, marker = case.get("name", "").split("[", 1)[1][:-1].split("-", 2)
            outcome = "caught"
            for child in case:
                if child.tag == "skipped":
                    outcome = "missed" if child.get("type") == "pytest.xfail" else "skipped"
                elif child.tag in ("failure", "error"):
                    outcome = "failed"
            rows.setdefault((site, marker), {})[browser] = outcome
    return rows


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--browser", action="append", choices=["chromium", "firefox"])
    browsers = parser.parse_args().browser or ["chromium", "firefox"]
    sys.path.insert(0, str(ROOT / "tests"))
    from test_consent_breaches import ENCODING_ONLY

    rows = run(browsers)
    for (site, marker), got in sorted(rows.items()):
        if len(set(got.values())) > 1 or set(got.values()) - {"caught"}:
            print(f"{site:>14} {marker:<28} " + "  ".join(
                f"{b}: {got.get(b, '-')}" for b in browsers))
    failed = 0
    for browser in browsers:
        ran = [got[browser] for got in rows.values() if got.get(browser, "skipped") != "skipped"]
        caught = ran.count("caught")
        failed += ran.count("failed")
        moved = sum(1 for (site, _), got in rows.items()
                    if site in ENCODING_ONLY and got.get(browser) == "caught")
        print(f"{browser}: caught {caught} of {len(ran)} rows run "
              f"({caught / max(len(ran), 1):.1%}); missed {ran.count('missed')}, "
              f"failed {ran.count('failed')}; of the caught, {moved} are ENCODING_ONLY "
              f"sites' ({', '.join(sorted(ENCODING_ONLY))})"
              + (", left to Chromium by the README's command" if browser != "chromium"
                 else ""))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
