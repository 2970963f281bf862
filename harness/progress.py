"""A progress line for long commands, fit for a terminal and for CI logs alike.

On a terminal the line is rewritten in place; where output is not a terminal (a CI log, a
pipe) it is printed as whole lines, one every *every* steps and at the end, so logs stay
short and never carry carriage returns.
"""

from __future__ import annotations

import sys


class Progress:
    """``step(summary)`` once per unit done; ``close()`` when finished."""

    def __init__(self, label: str, total: int | None = None, stream=None,
                 every: int | None = None) -> None:
        self.label, self.total, self.done = label, total, 0
        self.stream = stream or sys.stderr
        self.tty = bool(getattr(self.stream, "isatty", lambda: False)())
        self.every = every or (max(1, total // 10) if total else 25)
        self._width = 0  # of the line on the terminal; 0 when none is open

    def line(self, summary: str = "") -> str:
        count = f"{self.done}/{self.total}" if self.total else str(self.done)
        return f"{self.label}: {count}" + (f", {summary}" if summary else "")

    def step(self, summary: str = "") -> None:
        self.done += 1
        text = self.line(summary)
        if self.tty:
            self.stream.write("\r" + text.ljust(self._width))
            self._width = len(text)
            self.stream.flush()
        elif self.done % self.every == 0 or self.done == self.total:
            self.stream.write(text + "\n")
            self.stream.flush()

    def close(self) -> None:
        """End the line on a terminal (before other output, or at the end)."""
        if self.tty and self._width:
            self.stream.write("\n")
            self.stream.flush()
            self._width = 0

    def __enter__(self) -> Progress:
        return self

    def __exit__(self, *exc) -> None:
        self.close()
