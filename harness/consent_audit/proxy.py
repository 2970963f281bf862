"""A recording HTTP proxy on loopback: every request a browser context sends goes through it.

The browser's own request events stop when a page closes, but a page that is closing can
still send (``sendBeacon`` or ``fetch(..., {keepalive: true})`` on ``pagehide``, ``unload``
or ``visibilitychange``): the browser hands those requests to its network stack, which sends
them after the page is gone. Seen here, on the wire, nothing a page sends is missed.

Plain HTTP is forwarded request by request (``Connection: close`` upstream, so each request
on a kept-alive browser connection is read and recorded), and the head of each answer is read
on its way back, so every ``Set-Cookie`` is on record too, also on answers to requests a
closing page sent; ``CONNECT`` (WebSocket, HTTPS) is recorded by host and tunnelled. Only
loopback destinations are dialled: an audit must never reach out of the machine on a page's
behalf.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from urllib.parse import urlsplit

from ..looks import visitor_header
from . import workerclock
from .inflate import inflate

HEAD_LIMIT = 64 * 1024
# A request body is kept to this much as evidence (an identifier deep in a batch of events
# is judged); one compressed by the page is read inflated, to at most this much too.
BODY_KEEP = 64 * 1024
# Of an answer, what *bodies* is handed: its head and the start of its body.
ANSWER_KEEP = HEAD_LIMIT + 64 * 1024
# The three spellings of "this machine" a site on the estate may use.
LOOPBACK_NAMES = ("localhost", "127.0.0.1", "[::1]")
# Answered by the proxy itself, never forwarded nor recorded: the hooks' parting beacon, a
# neutral page to navigate away to, and a blank page on any origin to take stock of storage.
HARNESS_HOST = "webtrack-harness.localhost"
INVENTORY_PATH = "/__webtrack_inventory__"
PAGE = b'<!doctype html><title>webtrack</title><link rel="icon" href="data:,">blank'
BLANK = (b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nCache-Control: no-store\r\n"
         b"Content-Length: %d\r\nConnection: close\r\n\r\n%s" % (len(PAGE), PAGE))
# The same blank page, which a browser may keep in its back-forward cache (no ``no-store``):
# what leave.py asks a browser whether it restores pages with.
CACHEABLE_PATH = "/cacheable"
CACHEABLE = BLANK.replace(b"Cache-Control: no-store\r\n", b"")


def dial_host(host: str) -> str | None:
    """The address to dial for *host*, or None when it is not on this machine."""
    host = host.lower()
    if host in LOOPBACK_NAMES or host.endswith(".localhost"):
        return "127.0.0.1"
    return None


def readable_body(headers: list[tuple[str, str]], body: bytes) -> str | None:
    """What a request body says, as text to search: inflated where the page compressed it
    (``Content-Encoding``, a gzip or zlib stream by its first bytes, or raw deflate in a
    body that is not text, as analytics SDKs send batches), cut to :data:`BODY_KEEP`
    characters; None for no body."""
    if not body:
        return None
    encoding = next((v.strip().lower() for k, v in headers
                     if k.lower() == "content-encoding"), "")
    magic = body[:2] == b"\x1f\x8b" or (  # gzip, or a zlib header (its check bits hold)
        len(body) > 1 and body[0] == 0x78 and (body[0] << 8 | body[1]) % 31 == 0)
    try:
        body.decode("utf-8")
        binary = False
    except UnicodeDecodeError:
        binary = True
    if encoding in ("gzip", "x-gzip", "deflate") or magic or binary:
        # raw deflate, with no header to tell it, is tried on a body that is not text
        body = inflate(body, BODY_KEEP, raw=encoding == "deflate" or binary) or body
    return body[:BODY_KEEP].decode("utf-8", "replace")


def parse_head(head: bytes) -> tuple[str, str, list[tuple[str, str]]]:
    """Split a request head into method, target and header pairs; ValueError if malformed."""
    lines = head.decode("latin-1").split("\r\n")
    parts = lines[0].split(" ")
    if len(parts) != 3 or not parts[2].startswith("HTTP/"):
        raise ValueError(f"not an HTTP request line: {lines[0][:100]!r}")
    return parts[0], parts[1], _headers(lines[1:])


def parse_response_head(head: bytes) -> tuple[int, list[tuple[str, str]]]:
    """Split a response head into its status and header pairs; ValueError if malformed."""
    lines = head.decode("latin-1").split("\r\n")
    parts = lines[0].split(" ", 2)
    if len(parts) < 2 or not parts[0].startswith("HTTP/") or not parts[1].isdigit():
        raise ValueError(f"not an HTTP status line: {lines[0][:100]!r}")
    return int(parts[1]), _headers(lines[1:])


def final_head(data: bytes) -> bytes | None:
    """The final response head at the start of *data* (without its blank line), past any
    interim (1xx) ones; None while more bytes are needed. A head that is not HTTP is
    returned as it is, for :func:`parse_response_head` to refuse."""
    start = 0
    while (end := data.find(b"\r\n\r\n", start)) >= 0:
        head = data[start:end]
        if not (head.startswith(b"HTTP/") and head[8:10] == b" 1"):
            return head
        start = end + 4  # 100 Continue, 103 Early Hints: the answer follows
    return None


def content_length(headers: list[tuple[str, str]]) -> int:
    """The request's ``Content-Length`` (0 without one); -1 when it is not a number."""
    value = next((v for k, v in headers if k.lower() == "content-length"), "0")
    return int(value) if value.isdigit() else -1


def refusal(scheme: str, host: str | None, length: int,
            headers: list[tuple[str, str]]) -> str | None:
    """Why the proxy will not forward a request (None: it will): ``chunked`` for a body in
    ``Transfer-Encoding`` (never forwarded, so no length can be read two ways), ``scheme``
    for an address that is not plain ``http://host``, ``length`` for a negative one."""
    if any(k.lower() == "transfer-encoding" for k, _ in headers):
        return "chunked"
    if scheme != "http" or not host:
        return "scheme"
    if length < 0:
        return "length"
    return None


async def read_chunked(reader: asyncio.StreamReader, limit: int = BODY_KEEP) -> bytes:
    """The body of a chunked request, up to *limit* bytes (what is kept as evidence); a
    body that is not well formed, or goes on past that, ends where it went wrong."""
    body = bytearray()
    try:
        while len(body) < limit:
            size = int((await reader.readuntil(b"\r\n")).split(b";")[0].strip(), 16)
            if size <= 0:
                break
            body += await reader.readexactly(min(size, limit - len(body)))
            if len(body) >= limit:
                break
            await reader.readexactly(2)
    except (ValueError, asyncio.IncompleteReadError, asyncio.LimitOverrunError):
        pass
    return bytes(body)


def _headers(lines: list[str]) -> list[tuple[str, str]]:
    headers = []
    for line in lines:
        if not line:
            continue
        name, sep, value = line.partition(":")
        if not sep:
            raise ValueError(f"malformed header line: {line[:100]!r}")
        headers.append((name.strip(), value.strip()))
    return headers


class RecordingProxy:
    """Forward a browser context's traffic to loopback and call *record* for each request.

    *record* receives ``{at, method, url, headers, body}``: ``at`` is ``time.time()`` when the
    request head arrived, ``url`` the absolute URL (``tunnel://host:port`` for CONNECT); a
    request the proxy refuses to forward is recorded too, with ``refused`` (:func:`refusal`).
    *answered*, when given, receives ``{at, url, status, headers, request}`` for each
    plain-HTTP answer as its head comes back (``headers`` a list of pairs, as
    ``Set-Cookie`` repeats; ``request`` the item *record* received). *bodies*, when given,
    receives that item and the answer as it came back (head and body, up to
    :data:`ANSWER_KEEP` bytes) once it has all passed.
    """

    def __init__(self, record: Callable[[dict], None],
                 answered: Callable[[dict], None] | None = None,
                 bodies: Callable[[dict, bytes], None] | None = None,
                 prelude: bytes = b"") -> None:
        self.record = record
        self.prelude = prelude  # put before each worker's script, with the clock's
        self.answered = answered
        self.bodies = bodies
        self.server: asyncio.base_events.Server | None = None
        self.last_activity = time.monotonic()
        self.open = 0
        # Of the connections open, those that are tunnels (CONNECT): what passes through one
        # is never recorded (only the CONNECT itself, as it arrives), so none is waited for.
        self.tunnels = 0
        self.gone: list[str] = []  # each parting beacon's page URL: its unload handlers ran
        self._gone = asyncio.Condition()
        self.tasks: set[asyncio.Task] = set()

    async def start(self) -> str:
        """Listen on a free loopback port; return the proxy's ``http://`` address."""
        self.server = await asyncio.start_server(self._serve, "127.0.0.1", 0,
                                                 limit=HEAD_LIMIT)
        return f"http://127.0.0.1:{self.server.sockets[0].getsockname()[1]}"

    async def quiet(self, idle: float = 0.15, limit: float = 2.0) -> None:
        """Return once no request has been open for *idle* s (at most *limit* s).

        Used only after a page has closed: whatever it handed to the network stack is on
        its way; this lets it arrive, it is not a wait for the page to do anything more.
        A tunnel still open (a WebSocket the page kept) is no request open: it would only
        hold this to its *limit*, each time a page with one is left.
        """
        deadline = time.monotonic() + limit
        while time.monotonic() < deadline:
            if self.open == self.tunnels and time.monotonic() - self.last_activity >= idle:
                return
            await asyncio.sleep(idle / 3)

    async def wait_gone(self, page: str, count: int, limit: float = 3.0) -> bool:
        """Wait until *page* (a URL) has sent its *count*-th parting beacon; False after
        *limit* s."""
        async with self._gone:
            try:
                await asyncio.wait_for(self._gone.wait_for(
                    lambda: self.gone.count(page) >= count), limit)
            except asyncio.TimeoutError:
                return False
        # Requests the page sent before its last word travel on other connections.
        await self.quiet(idle=0.03, limit=0.5)
        return True

    async def _harness(self, writer, url, body: bytes) -> None:
        """Answer a request meant for the harness itself."""
        if url.hostname == HARNESS_HOST and url.path == "/gone":
            writer.write(b"HTTP/1.1 204 No Content\r\nConnection: close\r\n\r\n")
            async with self._gone:
                self.gone.append(body.decode("utf-8", "replace"))
                self._gone.notify_all()
        elif url.hostname == HARNESS_HOST and url.path == CACHEABLE_PATH:
            writer.write(CACHEABLE)
        else:
            writer.write(BLANK)

    async def stop(self) -> None:
        """Stop listening and end every connection still open (tunnels, idle keep-alives)."""
        if self.server:
            self.server.close()
        # A connection accepted just now has its task made but not yet started (it is in
        # self.tasks once it runs): let it start, so it is ended too and its socket closed,
        # not left to the garbage collector (an "unclosed transport" warning).
        await asyncio.sleep(0)
        while self.tasks:
            tasks = list(self.tasks)
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)
            self.tasks.difference_update(tasks)
        if self.server:
            await self.server.wait_closed()

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        if task is not None:  # always, in a connection callback
            self.tasks.add(task)
            task.add_done_callback(self.tasks.discard)
        self.open += 1
        try:
            while await self._one(reader, writer):
                pass
        except (ConnectionError, asyncio.IncompleteReadError, asyncio.LimitOverrunError,
                ValueError):
            pass
        except asyncio.CancelledError:
            # stop() ends connections still open; finishing (not re-raising) keeps
            # asyncio's connection callback on Python 3.11 from logging the cancellation.
            pass
        finally:
            self.open -= 1
            self.last_activity = time.monotonic()
            writer.close()

    async def _one(self, reader, writer) -> bool:
        """Handle one request from the browser; return whether the connection may go on."""
        head = await reader.readuntil(b"\r\n\r\n")
        at = time.time()
        self.last_activity = time.monotonic()
        method, target, headers = parse_head(head[:-4])
        if method == "CONNECT":
            host, _, port = target.rpartition(":")
            self.record({"at": at, "method": method, "url": f"tunnel://{target}",
                         "headers": {}, "body": None})
            return await self._tunnel(reader, writer, host, int(port or 443))
        url = urlsplit(target)
        length = content_length(headers)
        refused = refusal(url.scheme, url.hostname, length, headers)
        if refused:
            # Refused, but still on the record: what the page sent is evidence whatever
            # the proxy makes of it (a chunked body is read, as far as it is kept).
            body = await read_chunked(reader) if refused == "chunked" else b""
            self.record({"at": at, "method": method, "url": target, "refused": refused,
                         "headers": {k.lower(): v for k, v in headers},
                         "body": readable_body(headers, body)})
            writer.write(b"HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n")
            return False
        body = await reader.readexactly(length)
        if url.hostname == HARNESS_HOST or url.path == INVENTORY_PATH:
            await self._harness(writer, url, body)
            return False
        item = {"at": at, "method": method, "url": target,
                "headers": {k.lower(): v for k, v in headers},
                "body": readable_body(headers, body)}
        self.record(item)
        address = dial_host(url.hostname or "")
        if address is None:
            writer.write(b"HTTP/1.1 502 Bad Gateway\r\nContent-Length: 0\r\n\r\n")
            return True
        path = url.path or "/"
        if url.query:
            path += "?" + url.query
        # A worker's script comes whole and as sent (HTTP/1.0: never chunked; no
        # compression), to be given the virtual clock before it.
        clock = workerclock.wants_clock({k.lower(): v for k, v in headers})
        drop = ("connection", "proxy-connection", "keep-alive") + (
            ("accept-encoding",) if clock else ())
        kept = [(k, visitor_header(k, v)) for k, v in headers if k.lower() not in drop]
        upstream_head = f"{method} {path} HTTP/1.{0 if clock else 1}\r\n" + "".join(
            f"{k}: {v}\r\n" for k, v in kept) + "Connection: close\r\n\r\n"
        up_reader, up_writer = await asyncio.open_connection(address, url.port or 80)
        try:
            up_writer.write(upstream_head.encode("latin-1") + body)
            await up_writer.drain()
            # The upstream closes after its answer; pass it on and end this connection too,
            # so the browser opens a fresh one (and its head is read) for its next request.
            if clock:
                whole = await up_reader.read()
                if self.answered is not None:
                    self._answer(item, bytearray(whole))
                if self.bodies is not None:
                    self.bodies(item, whole[:ANSWER_KEEP])
                writer.write(workerclock.with_clock(whole, self.prelude))
                await writer.drain()
                return False
            answer: bytearray | None = bytearray() if self.answered else None
            copy: bytearray | None = bytearray() if self.bodies else None
            while chunk := await up_reader.read(65536):
                if answer is not None:
                    answer += chunk
                    if self._answer(item, answer):
                        answer = None
                if copy is not None and len(copy) < ANSWER_KEEP:
                    copy += chunk[:ANSWER_KEEP - len(copy)]
                writer.write(chunk)
                await writer.drain()
        finally:
            up_writer.close()
        if copy and self.bodies is not None:
            self.bodies(item, bytes(copy))
        return False

    def _answer(self, request: dict, data: bytearray) -> bool:
        """Record the answer's head once it is all in *data*; return whether it is done."""
        found = final_head(bytes(data[:HEAD_LIMIT]))
        if found is None and len(data) < HEAD_LIMIT:
            return False
        try:
            status, headers = parse_response_head(found or bytes(data[:HEAD_LIMIT]))
        except ValueError:  # not HTTP: nothing to record, the bytes still go through
            return True
        if self.answered is not None:
            self.answered({"at": time.time(), "url": request["url"], "status": status,
                           "headers": headers, "request": request})
        return True

    async def _tunnel(self, reader, writer, host: str, port: int) -> bool:
        address = dial_host(host.strip("[]"))
        if address is None:
            writer.write(b"HTTP/1.1 502 Bad Gateway\r\nContent-Length: 0\r\n\r\n")
            return False
        up_reader, up_writer = await asyncio.open_connection(address, port)
        writer.write(b"HTTP/1.1 200 Connection Established\r\n\r\n")
        await writer.drain()
        self.tunnels += 1

        async def pipe(source, sink) -> None:
            try:
                while chunk := await source.read(65536):
                    sink.write(chunk)
                    await sink.drain()
            except ConnectionError:
                pass
            finally:
                sink.close()

        try:
            await asyncio.gather(pipe(reader, up_writer), pipe(up_reader, writer))
        finally:
            self.tunnels -= 1
        return False
