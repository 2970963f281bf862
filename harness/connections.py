"""How the production server (waitress) treats a connection before the app sees a request.

Waitress closes a connection only after ``channel_timeout`` seconds with *no* activity, so a
client that sends one byte of its headers every few seconds ("slow loris") kept its
connection for ever, and a thousand of them filled ``connection_limit``: nobody else was let
in. Here every request must arrive whole, headers and body, within a deadline of its first
byte (a ``408`` then, and the connection closed), and a new connection must begin its first
request within the same deadline. Each sender then costs the server at most that long.

Waitress answers some requests itself (bad headers, a body over its limit, an unsupported
transfer coding) in plain text; the collector's contract is a JSON ``{error}``, so those are
answered in JSON too.
"""

from __future__ import annotations

import json
import time

from waitress.channel import HTTPChannel
from waitress.parser import HTTPRequestParser
from waitress.server import BaseWSGIServer
from waitress.task import ErrorTask
from waitress.utilities import Error

REQUEST_DEADLINE = 15.0  # seconds for a whole request; a browser on loopback needs milliseconds


class RequestTimeout(Error):
    code = 408
    reason = "Request Timeout"


class _TimedParser(HTTPRequestParser):
    """A request parser that knows when its request's first byte arrived."""

    def __init__(self, adj) -> None:
        super().__init__(adj)
        self.begun = time.monotonic()


class _JsonErrorTask(ErrorTask):
    """Waitress's own error answers, as the JSON ``{error}`` the collector gives."""

    def execute(self) -> None:
        error = self.request.error
        body = json.dumps({"error": f"{error.reason}: {error.body}"}).encode()
        self.status = f"{error.code} {error.reason}"
        self.response_headers.append(("Content-Type", "application/json"))
        self.set_close_on_finish()
        self.content_length = len(body)
        self.write(body)


def overdue(begun: float, now: float, deadline: float) -> bool:
    """Whether something begun at *begun* (monotonic seconds) is past *deadline* at *now*."""
    return now - begun > deadline


class DeadlineChannel(HTTPChannel):
    """A waitress channel that gives each request, and the first, a deadline to arrive."""

    parser_class = _TimedParser
    error_task_class = _JsonErrorTask
    deadline = REQUEST_DEADLINE

    def __init__(self, server, sock, addr, adj, map=None) -> None:  # noqa: A002 (waitress's)
        super().__init__(server, sock, addr, adj, map)
        self.opened = time.monotonic()
        self.served_any = False

    def readable(self) -> bool:
        # The loop asks every channel this at least once a second (its poll timeout), so
        # here is where an overdue request is noticed.
        now = time.monotonic()
        with self.requests_lock:
            request = self.request
            if request is not None and not request.completed:
                if overdue(request.begun, now, self.deadline):
                    self._time_out(request)
                    return False
            elif request is None and not self.requests and not self.served_any \
                    and overdue(self.opened, now, self.deadline):
                self.will_close = True  # opened and never spoke: nobody to answer
                return False
        return super().readable()

    def received(self, data) -> bool:
        if data:
            self.served_any = True
        return super().received(data)

    def _time_out(self, request) -> None:
        """Answer the unfinished *request* with 408 (after any before it) and end there."""
        request.error = RequestTimeout(
            f"the request did not arrive whole within {self.deadline:g} s of its first byte")
        request.completed = True
        self.request = None
        self.requests.append(request)
        if len(self.requests) == 1:  # as waitress's received(): else service() queues it
            self.server.add_task(self)


def guard(server, deadline: float = REQUEST_DEADLINE) -> None:
    """Make every listening socket of a waitress *server* hand out deadline channels."""
    channel = type("DeadlineChannel", (DeadlineChannel,), {"deadline": deadline})
    listeners = [server] if isinstance(server, BaseWSGIServer) else [
        s for s in server.map.values() if isinstance(s, BaseWSGIServer)]
    for listener in listeners:
        listener.channel_class = channel
