"""The tracker's main-thread cost beside the floor and two peers, in Chromium and Firefox.

    .venv/bin/python bench/cost.py          # this comparison alone, into results.json

Peers are installed for the benchmark only, from npm, into ``bench/peers/node_modules``
(git-ignored; versions pinned in ``bench/peers/package-lock.json``), and bundled with
esbuild into ``bench/peers/dist``: Snowplow's browser tracker with its link-click plugin,
and Plausible's tracker with outbound-link clicks, each recording a page view and link
clicks against the bench's local endpoint. Nothing of theirs is shipped or committed.
How the time is attributed: ``harness/gate/cost.py`` and ``attribution.js``.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

from harness.gate import cost  # noqa: E402
from harness.tracker import SCRIPT  # noqa: E402

PEERS = HERE / "peers"
ENTRIES = ("snowplow", "plausible")


def build_peers() -> dict[str, bytes]:
    """Install the pinned peers (once) and bundle each entry, minified, as sites serve it."""
    esbuild = PEERS / "node_modules" / ".bin" / "esbuild"
    if not esbuild.exists():
        subprocess.run(["npm", "ci", "--no-audit", "--no-fund", "--prefix", str(PEERS)],
                       check=True)
    bundles = {}
    for name in ENTRIES:
        out = PEERS / "dist" / f"{name}.js"
        subprocess.run([str(esbuild), str(PEERS / f"{name}.js"), "--bundle", "--minify",
                        "--format=iife", "--target=es2017", "--log-level=warning",
                        f"--outfile={out}"], check=True)
        bundles[name] = out.read_bytes()
    return bundles


def subjects() -> list[cost.Subject]:
    return [cost.Subject(cost.FLOOR, b""), cost.webtrack_subject("webtrack", SCRIPT),
            *[cost.Subject(name, source, sends_anonymous=True)
              for name, source in build_peers().items()]]


def measure(runs: int = 15) -> dict:
    return cost.measure(subjects(), runs=runs, progress=lambda line: print(line, flush=True))


def verdicts(result: dict) -> dict:
    """The targets of #22, each checked on this run's figures."""
    size = result["size"]
    out = {"gzip_bytes": size["webtrack"]["gzip_bytes"] <= 2560}
    for peer in ENTRIES:
        out[f"gzip_fifth_of_{peer}"] = size["webtrack"]["gzip_bytes"] * 5 <= \
            size[peer]["gzip_bytes"]
    for browser, figures in result["browsers"].items():
        ours = figures["subjects"]["webtrack"]["tracked"]
        out[f"{browser}_tracked_vs_floor"] = ours["ratio_to_floor"] <= 1.25
        for peer in ENTRIES:
            theirs = figures["subjects"][peer]["tracked"]["ms"]
            out[f"{browser}_fifth_of_{peer}"] = ours["ms"] * 5 <= theirs
    return out


def _mark(ok: bool) -> str:
    return "✓" if ok else "✗"


def rows(result: dict) -> list[tuple[str, str, str]]:
    """The main README table's rows: webtrack's tracker against the targets of #22."""
    met, size, out = verdicts(result), result["size"], []
    for browser, figures in result["browsers"].items():
        subjects = figures["subjects"]
        ours = subjects["webtrack"]["tracked"]
        peers = ", ".join(f"{p} {subjects[p]['tracked']['ms']} ms" for p in ENTRIES)
        fifth = all(met[f"{browser}_fifth_of_{p}"] for p in ENTRIES)
        out.append((f"Tracker main thread, tracked view, {browser.title()}",
                    f"{ours['ms']} ms = {ours['ratio_to_floor']}× the floor "
                    f"({subjects[cost.FLOOR]['tracked']['ms']} ms); {peers}",
                    f"≤ 1.25× floor {_mark(met[f'{browser}_tracked_vs_floor'])}, "
                    f"≤ 1/5 of each peer {_mark(fifth)}"))
    peers = ", ".join(f"{p} {size[p]['gzip_bytes']:,} B" for p in ENTRIES)
    out.append(("Tracker size against peers, gzipped",
                f"{size['webtrack']['gzip_bytes']:,} B; {peers}",
                f"≤ 1/5 of each peer {_mark(all(met[f'gzip_fifth_of_{p}'] for p in ENTRIES))}"))
    return out


def markdown(result: dict) -> str:
    """The comparison table: every script, its size and its main-thread ms (× the floor)."""
    browsers = list(result["browsers"])
    head = ["script", "bytes", "gzipped"] + [f"{b.title()} {v}" for b in browsers
                                              for v in cost.VARIANTS]
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for name, s in result["size"].items():
        cells = [name, f"{s['bytes']:,} B", f"{s['gzip_bytes']:,} B"]
        for b in browsers:
            for v in cost.VARIANTS:
                f = result["browsers"][b]["subjects"][name][v]
                cells.append(f"{f['ms']} ms ({f['ratio_to_floor']}×)")
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def main() -> None:
    argparse.ArgumentParser(description=__doc__.split("\n\n")[0]).parse_args()
    result = measure()
    result["targets_met"] = verdicts(result)
    path = HERE / "results.json"
    results = json.loads(path.read_text()) if path.exists() else {}
    results["tracker_cost"] = result
    path.write_text(json.dumps(results, indent=1) + "\n")
    print(markdown(result))
    for row in rows(result):
        print("| " + " | ".join(row) + " |")


if __name__ == "__main__":
    main()
