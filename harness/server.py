"""``webtrack serve``: the collector and every sample site on one loopback port, by Host.

:class:`Server` runs it in a daemon thread (port 0 picks a free port, read back after
binding), for the pytest plugin and the CLI alike; waitress is the production WSGI server.
"""

from __future__ import annotations

import json
import logging
import re
import socket
import tempfile
import threading
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from werkzeug.wrappers import Response

from . import config, connections, estate, fixtures
from .collector import create_app, state

COLLECTOR = "collector"
# What the server reads of one request body at most; the collector's own limit (64 KiB,
# answered as a JSON 413) lies well inside it.
BODY_LIMIT = 1024 * 1024
DEFAULT_FIXTURES = config.FIXTURES


# One host (a name, or an IP literal in brackets) and an optional port: what a Host header
# holds (RFC 9110 §7.2). Two Host headers reach the app joined by ", ".
HOST = re.compile(r"(?:[A-Za-z0-9._-]+|\[[0-9A-Fa-f:.]+\])(?::[0-9]{1,5})?")


def _bad_request(why: str) -> Response:
    """A JSON 400 saying *why*, for a request the dispatcher cannot give any one host."""
    return Response(json.dumps({"error": why}) + "\n", 400, content_type="application/json")


class HostDispatcher:
    """Route each request to the collector or a site by its Host header."""

    def __init__(self, collector, sites: dict) -> None:
        self.collector, self.sites = collector, sites

    def __call__(self, environ, start_response):
        given = environ.get("HTTP_HOST")
        if given is None or not HOST.fullmatch(given):
            # RFC 9112 §3.2: none, two, or one that names no host is a 400. Read any way,
            # the request went to whichever host a split happened to find first.
            why = "no Host header" if given is None else f"Host {given[:100]!r} names no one host"
            return _bad_request(f"{why}: send one Host header, host[:port]")(
                environ, start_response)
        target = environ.get("REQUEST_URI", "")
        if target[:8].lower().startswith(("http://", "https://")):
            # RFC 9112 §3.2.2: a request naming its host in its target (absolute-form) goes
            # there, whatever Host says; it went by Host, so each part read another host.
            given = urlsplit(target).netloc
            if not HOST.fullmatch(given):
                return _bad_request(f"the request target {target[:100]!r} names no one host")(
                    environ, start_response)
            environ["HTTP_HOST"] = given
        host = given.rsplit(":", 1)[0].lower()
        name = host[: -len(".localhost")] if host.endswith(".localhost") else None
        if name == COLLECTOR or host in ("localhost", "127.0.0.1"):
            return self.collector(environ, start_response)
        if name in self.sites:
            return self.sites[name](environ, start_response)
        known = ", ".join(f"{n}.localhost" for n in [COLLECTOR, *sorted(self.sites)])
        return Response(f"unknown host {host!r}; this server answers for {known}\n", 404,
                        content_type="text/plain")(environ, start_response)


def _bound(host: str, port: int) -> socket.socket:
    """Return a TCP socket bound to *host* and *port*, or raise with nothing left open.

    Waitress binds its own only after it has started its threads and its wake-up pipe, and
    leaves them all behind when the port is taken: a collector refused a port in a process
    that goes on (a pytest run in process, a caller that retries) leaked a socket, a pipe
    and a thread pool each time.
    """
    family, kind, proto, _, address = socket.getaddrinfo(
        host, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE)[0]
    sock = socket.socket(family, kind, proto)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as waitress does
        sock.bind(address)
    except BaseException:
        sock.close()
        raise
    return sock


class Server:
    """The whole estate on one port: ``start()``, ``url_for(host, path)``, ``stop()``."""

    def __init__(self, port: int = 0, db: str | Path | None = None,
                 fixtures_dir: str | Path | None = DEFAULT_FIXTURES,
                 sites_dir: str | Path = estate.SITES_DIR, tracker: str | Path | None = None,
                 host: str = "127.0.0.1", threads: int = 16, dev: bool = False,
                 api_token: str | None = None,
                 request_deadline: float = connections.REQUEST_DEADLINE) -> None:
        self.requested_port, self.host, self.threads, self.dev = port, host, threads, dev
        self.request_deadline = request_deadline
        self.api_token = api_token or None
        self._tmp = None
        if db is None:
            self._tmp = tempfile.TemporaryDirectory(prefix="webtrack-")
            db = Path(self._tmp.name) / "webtrack.sqlite3"
        self.db = str(db)
        self.fixtures_dir = fixtures_dir
        self.sites = estate.discover(Path(sites_dir))
        self.tracker = tracker
        self.app = None
        self._server: Any = None  # werkzeug's or waitress's, as start() chose
        self._thread: threading.Thread | None = None

    # -- lifecycle --------------------------------------------------------------------

    def start(self) -> Server:
        """Bind, build the apps for the bound port, and serve in a daemon thread."""
        dispatcher = HostDispatcher(None, {})
        try:
            sock = _bound(self.host, self.requested_port)
        except BaseException:
            if self._tmp is not None:  # nothing started; the temporary database goes too
                self._tmp.cleanup()
            raise
        if self.dev:
            from werkzeug.serving import make_server

            # Werkzeug, binding for itself, answers a taken port with sys.exit(1).
            sock.listen()
            with sock:  # werkzeug serves a duplicate of it
                self._server = make_server(self.host, self.requested_port, dispatcher,
                                           threaded=True, fd=sock.fileno())
            self.port = self._server.port
            run = self._server.serve_forever
        else:
            import waitress

            # Queue-depth warnings are normal under the long-polls tests make; not news.
            logging.getLogger("waitress.queue").setLevel(logging.ERROR)
            # asyncore_loop_timeout is whole seconds (waitress reads it with int(): 0.2
            # became 0, a select() that never waited and a core spent spinning). stop()
            # wakes the loop through its trigger, so the timeout never delays shutdown.
            # poll(), not select(): select() cannot watch a descriptor numbered 1024 or
            # more, and a thousand idle connections beside the server's own files once
            # took the loop thread down for good. Bodies past BODY_LIMIT are refused as
            # they arrive: waitress would otherwise spool up to 1 GiB before the app's
            # 64 KiB limit is ever asked.
            self._server = waitress.create_server(
                dispatcher, sockets=[sock],
                threads=self.threads,
                asyncore_loop_timeout=1, asyncore_use_poll=True, connection_limit=1000,
                channel_timeout=60, max_request_body_size=BODY_LIMIT, ident="webtrack")
            # A deadline for each request, so that slow senders cannot hold every slot.
            connections.guard(self._server, self.request_deadline)
            self.port = int(self._server.effective_port)  # waitress gives it as a string
            run = self._server.run
        try:
            self.app = self.build_app()
        except BaseException:
            self._close_unstarted()  # bad fixtures, say: free the port and the threads
            raise
        dispatcher.collector = self.app
        dispatcher.sites = {s.id: estate.SiteApp(s, self.port) for s in self.sites}
        self._thread = threading.Thread(target=run, name="webtrack-server", daemon=True)
        self._thread.start()
        return self

    def build_app(self):
        config = {
            "DATABASE": self.db,
            "ORIGIN": self.origin(),
            "API_TOKEN": self.api_token,
            "LONG_POLLS": max(1, self.threads // 2),
            "SITES": {s.id: s.origin(self.port) for s in self.sites if s.register},
            "ESTATE": [{"id": s.id, "origin": s.origin(self.port), "title": s.title,
                        "demonstrates": s.demonstrates, "registered": s.register}
                       for s in self.sites],
        }
        if self.tracker:
            config["TRACKER_SCRIPT"] = str(self.tracker)
        app = create_app(config)
        try:
            if self.fixtures_dir:
                data = fixtures.read(self.fixtures_dir)
                fixtures.apply(app, data, self.port)
                app.extensions[state.ON_RESET].append(
                    lambda: fixtures.apply(app, data, self.port, kinds=("form",)))
        except BaseException:
            state.store_of(app).close()
            raise
        return app

    def _close_unstarted(self) -> None:
        if self.dev:
            self._server.server_close()
        else:
            import waitress.wasyncore

            self._server.task_dispatcher.shutdown(timeout=2)
            waitress.wasyncore.close_all(self._server._map)  # the socket and the trigger
        self._server = None
        if self._tmp is not None:
            self._tmp.cleanup()

    def stop(self) -> None:
        """Stop serving and wait for the server thread to end."""
        if self._server is None:
            return
        if self.dev:
            self._server.shutdown()
        else:
            import waitress.wasyncore

            server = self._server
            # Close the sockets from the server's own loop thread, never under its select().
            server.trigger.pull_trigger(lambda: waitress.wasyncore.close_all(server._map))
            server.task_dispatcher.shutdown(timeout=2)
        if self._thread is not None:
            self._thread.join(timeout=10)
        self._server = None
        if self.app is not None:
            state.store_of(self.app).close()
        if self._tmp is not None:
            self._tmp.cleanup()

    def __enter__(self) -> Server:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()

    # -- addresses --------------------------------------------------------------------

    def origin(self, host: str = COLLECTOR) -> str:
        """Return ``http://HOST.localhost:PORT`` for the collector or a site id."""
        return f"http://{host}.localhost:{self.port}"

    def url_for(self, host: str, path: str = "/") -> str:
        """Return the absolute URL of *path* on the collector or a site."""
        return self.origin(host) + ("" if path.startswith("/") else "/") + path
