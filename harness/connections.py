"""How the production server (waitress) treats a connection before the app sees a request.

Waitress closes a connection only after ``channel_timeout`` seconds with *no* activity, so a
client that sends one byte of its headers every few seconds ("slow loris") kept its
connection for ever, and a thousand of them filled ``connection_limit``: nobody else was let
in. Two rules here:

- a request must arrive whole, headers and body, within a deadline of its first byte (a
  ``408`` then, and the connection closed); the clock runs only while the server is reading
  it, not while the connection waits for the server (a long-poll answered before it);
- when the server is near its connection limit, a connection that is doing nothing (no
  request half read, none being answered, nothing left to send) for a second is closed, so
  that idle keep-alive connections, or ones that never spoke, cannot hold every slot either.
  Browsers open another when they need one; below the limit, idle ones live as waitress lets
  them (``channel_timeout``).

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


def crowded(open_connections: int, limit: int) -> bool:
    """Whether the server is near enough its connection limit to close idle connections."""
    return open_connections >= 0.9 * limit


IDLE_UNDER_PRESSURE = 1.0  # seconds a connection may do nothing while the server is crowded


class DeadlineChannel(HTTPChannel):
    """A waitress channel that gives each request a deadline to arrive, and that lets go of
    its connection when idle while the server is crowded."""

    parser_class = _TimedParser
    error_task_class = _JsonErrorTask
    deadline = REQUEST_DEADLINE

    def readable(self) -> bool:
        # The loop asks every channel this at least once a second (its poll timeout), so
        # here is where an overdue request or a crowded idle connection is noticed.
        closing: bool = self.will_close or self.close_when_flushed  # type: ignore[has-type]
        if closing:
            return super().readable()  # on its way out already: nothing more to answer
        now = time.monotonic()
        with self.requests_lock:
            request = self.request
            if self.requests or self.total_outbufs_len:
                # The server is busy with this connection (answering, or sending): it reads
                # nothing meanwhile, so a request half read waits without its clock running.
                if request is not None:
                    request.begun = now
            elif request is not None and not request.completed:
                if overdue(request.begun, now, self.deadline):
                    self._time_out(request)
                    return False
            elif self._idle_while_crowded():
                self.will_close = True  # nothing half read, nothing owed: no one to answer
                return False
        return super().readable()

    def _idle_while_crowded(self) -> bool:
        return (crowded(len(self.server.active_channels), self.adj.connection_limit)
                and time.time() - self.last_activity > IDLE_UNDER_PRESSURE)

    def _time_out(self, request) -> None:
        """Answer the unfinished *request* with 408 and end the connection there."""
        request.error = RequestTimeout(
            f"the request did not arrive whole within {self.deadline:g} s of its first byte")
        request.completed = True
        self.request = None
        self.requests.append(request)
        self.server.add_task(self)  # (none was queued: see readable)


def guard(server, deadline: float = REQUEST_DEADLINE) -> None:
    """Make every listening socket of a waitress *server* hand out deadline channels."""
    channel = type("DeadlineChannel", (DeadlineChannel,), {"deadline": deadline})
    listeners = [server] if isinstance(server, BaseWSGIServer) else [
        s for s in server.map.values() if isinstance(s, BaseWSGIServer)]
    for listener in listeners:
        listener.channel_class = channel
