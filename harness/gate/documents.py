"""A scenario's coverage across the documents its page commits, for the gate's map.

Chromium keeps precise coverage per renderer isolate, and loses it when the inspector
session of a document is torn down: coverage falls back to best effort there and every
block count in the isolate is dropped. That happens whenever a navigation commits in a new
frame host (always, by default: a new host per document), or in another process. What ran
in the document left is then lost, though what its ``pagehide`` and ``unload`` handlers run
afterwards is counted again.

So the coverage run keeps one frame host per page where it can (Chromium's
``RenderDocument`` only for crashed frames, :func:`launch_args`: a same-site navigation then
commits in the same host and session, and nothing is dropped), and proves, for each
scenario, that nothing was: a marker script runs in an isolated world at the start of every
main-frame document, and its own block count, read with the tracker's at the end, must equal
the number of documents the page committed. A drop after any document began erases that
document's mark; a document committed in another process (a cross-site navigation) leaves
its mark there; a page restored from the back-forward cache commits without a new mark.
Any of those, and the scenario covers everything (:func:`taken`, a pure function).
Another tab the scenario opened ran its scripts before anything could start coverage there:
that too is everything.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from typing import Any

from . import coverage

MARKER_URL = "webtrack-document-marker.js"
MARKER = ("(function () { if (window.top === window) { void 0; } })();\n"
          f"//# sourceURL={MARKER_URL}\n")
MARKED = MARKER.index("void 0")  # the offset whose count is the main-frame documents'
WORLD = "webtrack-coverage"


def launch_args() -> list[str]:
    """Chromium's flags for the coverage run: a new frame host only for a crashed frame.

    ``--enable-features`` given twice keeps only the last, so Playwright's own (a screenshot
    surface, unless ``PLAYWRIGHT_LEGACY_SCREENSHOT`` is set) is repeated here; its
    ``--disable-features`` list is left alone.
    """
    features = ["RenderDocument:level/crashed-frame"]
    if not os.environ.get("PLAYWRIGHT_LEGACY_SCREENSHOT"):
        features.insert(0, "CDPScreenshotNewSurface")
    return [f"--enable-features={','.join(features)}"]


def count_at(functions: list[dict], offset: int) -> int:
    """How many times the code at *offset* ran: the count of the innermost range holding
    it (V8 leaves out a block whose count is its function's), 0 where none does."""
    holding = [(r["endOffset"] - r["startOffset"], r["count"]) for f in functions
               for r in f["ranges"] if r["startOffset"] <= offset < r["endOffset"]]
    return min(holding)[1] if holding else 0


def marks(result: list[dict]) -> int:
    """The main-frame documents the marker counted, in one coverage result."""
    return sum(count_at(script["functions"], MARKED) for script in result
               if script.get("url") == MARKER_URL)


def taken(spans: list | None, documents: int, marked: int, other_pages: int) -> list | None:
    """What a scenario is taken to cover: *spans*, or None (everything) when they cannot
    be the whole of what ran: nothing recorded, another tab opened, or several documents
    committed (*documents*) but not as many counted by the marker (*marked*: coverage was
    dropped after one began, or one ran elsewhere, or none ran its start again)."""
    if not spans or other_pages or (documents > 1 and marked != documents):
        return None
    return spans


@dataclass
class Documents:
    """Coverage of ``/tracker.js`` over the main-frame documents of one page (CDP)."""

    session: Any
    urls: list[str] = field(default_factory=list)  # main-frame documents, as committed
    marked: int = 0

    def start(self) -> Documents:
        send = self.session.send
        send("Profiler.enable")
        send("Profiler.startPreciseCoverage", {"callCount": True, "detailed": True})
        send("Page.enable")
        # A lambda, not urls.append: Playwright tags each handler, and a builtin takes none.
        self.session.on("Page.frameNavigated", lambda event: self._committed(event["frame"]))
        send("Page.addScriptToEvaluateOnNewDocument", {"source": MARKER, "worldName": WORLD})
        return self

    def _committed(self, frame: dict) -> None:
        """A document committed, counted before its scripts run: one that never reached
        ``load`` counts too; a history-API navigation, which changes no document, does not."""
        if not frame.get("parentId"):
            self.urls.append(frame["url"])

    def finish(self, other_pages: int) -> list | None:
        """The scenario's coverage, or None when it cannot be whole (see :func:`taken`)."""
        try:
            result = self.session.send("Profiler.takePreciseCoverage")["result"]
        except Exception:  # a page closed by the scenario: assume it ran everything
            return None
        self.marked += marks(result)
        return taken(coverage.of_script(result), len(self.urls), self.marked, other_pages)
