"""A Playwright trace of each browser test, kept only when the test failed.

pytest-playwright's ``--tracing retain-on-failure`` records a screencast, DOM snapshots and
the test's sources for every test, and writes each trace out before knowing whether it is
wanted. A trace is recorded for every test, since whether it is wanted is known only once
the test is over, so what it records is paid for by every passing test too: here, the
actions (each call, its arguments, its duration and error), the network and the console,
which cost nothing measurable; not the screencast (about as much CPU as a whole page visit
again, per test) nor the DOM snapshots (~40 ms of CPU per test, a tenth of the gate's:
``bench/gate_profile.py``). A failed scenario's evidence has a screenshot of its own;
``--tracing retain-on-failure`` records everything, when a failure needs more.
"""

from __future__ import annotations

import hashlib
import shutil
import uuid
from pathlib import Path

from slugify import slugify  # pytest-playwright's own naming of its artifact folders


def folder_name(nodeid: str) -> str:
    """The folder a test's trace goes in: named as pytest-playwright names it."""
    name = slugify(nodeid)
    if len(name) < 256:
        return name
    return f"{name[:100]}-{hashlib.sha256(name.encode()).hexdigest()[:7]}-{name[-100:]}"


class Trace:
    """Record *context* from now on; ``stop()`` before it closes, then keep or discard."""

    def __init__(self, context, title: str) -> None:
        self.context = context
        self.pending: Path | None = None
        context.tracing.start(title=title, snapshots=False, screenshots=False, sources=False)

    def stop(self, scratch: Path) -> None:
        """Stop recording and write the trace to a scratch file (nothing if the context
        is gone already)."""
        scratch.mkdir(parents=True, exist_ok=True)
        path = scratch / f"{uuid.uuid4().hex}.zip"
        try:
            self.context.tracing.stop(path=str(path))
        except Exception:  # noqa: BLE001 - a crashed browser leaves no trace to keep
            return
        self.pending = path

    def keep(self, folder: Path, nodeid: str) -> Path | None:
        """Move the trace to ``folder/<test>/trace.zip``; return where it went."""
        if self.pending is None or not self.pending.exists():
            return None
        target = folder / folder_name(nodeid) / "trace.zip"
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.move(self.pending, target)
        self.pending = None
        return target

    def discard(self) -> None:
        if self.pending is not None:
            self.pending.unlink(missing_ok=True)
            self.pending = None
