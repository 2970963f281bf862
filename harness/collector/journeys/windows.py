"""Closing journey windows when they end: a timer of the collector's own, never a read.

A branch waits for an interaction until its window ends, then takes ``no``. Time moves in
two ways: the clock API (which closes what it passed, in its own write) and real time,
watched here. :class:`WindowCloser` sleeps until the earliest open window ends (in journey
time), closes every window ended by then through the writer, and sleeps again; it is woken
early when a new window opens or the clock moves. Reads never write: they wait, bounded,
until no window that ended before they were asked is still open (:meth:`wait_closed`).
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable

log = logging.getLogger(__name__)

# After a failed attempt to close windows, wait this long before the next.
RETRY_SECONDS = 1.0


class WindowCloser:
    """The thread that closes ended windows.

    *now* gives journey time; *next_deadline* the earliest end of an open window (journey
    time) or None, read without writing; *close(now)* closes, in one committed write, every
    window ended by *now*; *caught_up* waits for pending journey work of committed writes.
    """

    def __init__(self, now: Callable[[], float], next_deadline: Callable[[], float | None],
                 close: Callable[[float], None], caught_up: Callable[[], object]) -> None:
        self._now, self._next_deadline = now, next_deadline
        self._close, self._caught_up = close, caught_up
        self._changed = threading.Condition()
        self._poked = self._stopped = False
        self._passes = 0  # closing passes made: readers wait for the next one
        self.thread = threading.Thread(target=self._run, name="webtrack-windows", daemon=True)
        self.thread.start()

    def poke(self) -> None:
        """Look again at the open windows: one may end sooner, or the clock moved."""
        with self._changed:
            self._poked = True
            self._changed.notify_all()

    def stop(self) -> None:
        with self._changed:
            self._stopped = True
            self._changed.notify_all()
        if threading.current_thread() is not self.thread:
            self.thread.join(5)

    def wait_closed(self, moment: float, timeout: float = 5.0) -> bool:
        """Return once no window that ended by journey time *moment* is open (False if
        *timeout* seconds passed first, or the closer stopped)."""
        give_up = time.monotonic() + timeout
        while True:
            with self._changed:
                passes = self._passes
            deadline = self._next_deadline()
            if deadline is None or deadline > moment:
                return True
            remaining = give_up - time.monotonic()
            with self._changed:
                if self._stopped or remaining <= 0:
                    return False
                if self._passes == passes:
                    self._poked = True
                    self._changed.notify_all()
                    self._changed.wait(remaining)

    def _run(self) -> None:
        while True:
            with self._changed:
                if self._stopped:
                    return
                self._poked = False
            self._caught_up()  # the journey work that may have opened a window is in
            try:
                deadline, now = self._next_deadline(), self._now()
                if deadline is not None and deadline <= now:
                    self._close(now)
                    wait: float | None = 0.0
                else:
                    wait = None if deadline is None else deadline - now
            except Exception:
                if self._stopped:
                    return
                log.exception("closing ended journey windows failed")
                wait = RETRY_SECONDS
            with self._changed:
                self._passes += 1
                self._changed.notify_all()
                if wait != 0.0 and not self._poked and not self._stopped:
                    self._changed.wait(wait)
