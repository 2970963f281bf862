"""Every request a browser makes to the collector, logged where it lands: at the server.

A page can send as it dies (a beacon from ``pagehide`` while its tab closes) and the
browser's own request events for that page may never be reported; the collector still
receives it. :class:`Wiretap` wraps the collector's WSGI app and keeps, for the scenarios,
each browser request that is not loading the script, following a tracked link, posting a
form or the visitor's own fence, whatever its path, method or body (a malformed beacon
counts as much as a well-formed one).
"""

from __future__ import annotations

import io
import threading
import time

# Requests to the collector that are not tracking: loading the script, following a
# tracked link, posting a form; and /healthz, which the visitor's fence loads.
NOT_BEACONS = ("/tracker.js", "/l/", "/f/", "/healthz")
MAX_BODY = 64 * 1024


class Wiretap:
    """WSGI middleware: log browser requests to the collector, then pass them on."""

    def __init__(self, app) -> None:
        self.app = app
        self.log: list[dict] = []
        self._changed = threading.Condition()

    @classmethod
    def install(cls, server) -> Wiretap:
        """Wrap *server*'s collector app (once); return its tap."""
        app = server.app
        tap = app.extensions.get("webtrack.wiretap")
        if tap is None:
            tap = app.extensions["webtrack.wiretap"] = cls(app.wsgi_app)
            app.wsgi_app = tap
        return tap

    def __call__(self, environ, start_response):
        path = environ.get("PATH_INFO", "")
        if "Mozilla/" not in environ.get("HTTP_USER_AGENT", "") or path.startswith(NOT_BEACONS):
            return self.app(environ, start_response)
        entry = self._record(environ, path)

        def answer(status, headers, exc_info=None):
            entry["status"] = int(status.split(" ", 1)[0])
            return start_response(status, headers, exc_info)

        try:
            return self.app(environ, answer)
        finally:  # the view has run: a delivery it accepted is committed
            with self._changed:
                entry["answered"] = True
                self._changed.notify_all()

    def _record(self, environ, path: str) -> dict:
        try:
            length = min(int(environ.get("CONTENT_LENGTH") or 0), MAX_BODY)
        except ValueError:
            length = 0
        body = environ["wsgi.input"].read(length) if length else b""
        environ["wsgi.input"] = io.BytesIO(body)  # the app reads it again
        entry = {
            "at": time.time(), "method": environ.get("REQUEST_METHOD"), "path": path,
            "query": environ.get("QUERY_STRING", ""),
            "origin": environ.get("HTTP_ORIGIN") or environ.get("HTTP_REFERER"),
            "content_type": environ.get("CONTENT_TYPE"),
            "body": body.decode("utf-8", "replace"), "status": None, "answered": False}
        with self._changed:
            self.log.append(entry)
            self._changed.notify_all()
        return entry

    def mark(self) -> int:
        """Return the log's position now: what comes after it is news."""
        return len(self.log)

    def since(self, mark: int) -> list[dict]:
        return self.log[mark:]

    def wait_for(self, count: int, timeout: float) -> bool:
        """Wait until *count* requests are logged; False on timeout."""
        with self._changed:
            return self._changed.wait_for(lambda: len(self.log) >= count, timeout)

    def answered(self, mark: int, path: str = "/collect") -> int:
        """How many requests to *path* since *mark* the collector has answered, whatever
        it answered (a refused delivery is as settled as an accepted one)."""
        return sum(r["answered"] for r in self.log[mark:]
                   if r["path"] == path and r["method"] != "OPTIONS")

    def wait_answered(self, mark: int, count: int, timeout: float,
                      path: str = "/collect") -> bool:
        """Wait until :meth:`answered` reaches *count*; False on timeout."""
        with self._changed:
            return self._changed.wait_for(lambda: self.answered(mark, path) >= count, timeout)
