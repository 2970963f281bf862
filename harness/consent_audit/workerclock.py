"""Workers' timers on the page's virtual clock.

Playwright's clock (``context.clock``) replaces the timers of documents only: a dedicated,
shared or service worker keeps real time, so whatever it schedules minutes after the
opt-out would happen long after the audit has left. The proxy puts :data:`PRELUDE`
(``workerclock.js``) before every worker script it forwards (:func:`wants_clock`,
:func:`with_clock`), and once the page's clock has been run forward :data:`TICK` tells each
worker of the page's origin the page's time: every timer due by then fires, in order. A
worker that starts later asks the page's time itself, so a tick it was not there for does
not leave it behind.

A worker made from a ``blob:`` or ``data:`` URL never passes the proxy: the same prelude,
run in each document first (:data:`DOCUMENT`, an init script), puts itself before such a
worker's script as it is made, in documents and workers alike (one of a ``data:`` URL, which
has no origin to share a channel with, hears the time on a port its creator hands it). Still
on real time: a worker script fetched over HTTPS (tunnelled).
"""

from __future__ import annotations

from ..resources import shipped
from .inflate import inflate

__all__ = ["DOCUMENT", "JUMP", "PRELUDE", "TICK", "WORKER_DESTINATIONS", "wants_clock",
           "with_clock"]

INFLATE_LIMIT = 16 << 20  # a worker script larger than this once inflated is left as sent
PRELUDE = shipped("consent_audit", "workerclock.js").read_bytes()
# The same, as a document's init script (before the evidence hooks, which then report the
# address a worker was made from as the page gave it).
DOCUMENT = PRELUDE.decode("utf-8")
# Fetch Metadata's names for a worker's own script (not for what the worker imports).
WORKER_DESTINATIONS = frozenset({"worker", "sharedworker", "serviceworker"})
# Run in each frame after the page's clock has moved: the page's time to its workers.
TICK = """() => {
  if (typeof BroadcastChannel !== "function") return;
  const channel = new BroadcastChannel("__webtrack_clock");
  channel.postMessage(Date.now());
  channel.close();
}"""
# The same after the page's clock jumped (``fast_forward``): each worker timer due by then
# fires once, as the page's own do.
JUMP = TICK.replace("channel.postMessage(Date.now());",
                    "channel.postMessage({ time: Date.now(), once: true });")


def wants_clock(headers: dict[str, str]) -> bool:
    """Whether a request (its headers, names in lower case) fetches a worker's script."""
    return headers.get("sec-fetch-dest", "").strip().lower() in WORKER_DESTINATIONS


def _inflated(body: bytes, coding: bytes) -> bytes | None:
    """*body* inflated from *coding* (``gzip``, ``x-gzip`` or ``deflate``), None if it is
    another coding or does not inflate."""
    if coding not in (b"gzip", b"x-gzip", b"deflate"):
        return None
    # Only a whole stream, whole: a cut one or one past the limit is left as sent.
    return inflate(body, INFLATE_LIMIT, whole=True)


def with_clock(answer: bytes, before: bytes = b"") -> bytes:
    """*answer* (a whole HTTP/1.x response) with :data:`PRELUDE` before its body, and
    *before* (the visitor's device noise, devicenoise.py) before that.

    Only a ``200`` whose body is there as sent is changed (``Content-Length`` set anew); a
    body compressed with gzip or deflate though the proxy asked for it plain is inflated
    first; a chunked body or another coding, another status or anything unreadable passes
    unchanged.
    """
    head, sep, body = answer.partition(b"\r\n\r\n")
    if not sep:
        return answer
    lines = head.split(b"\r\n")
    status = lines[0].split(b" ", 2)
    if len(status) < 2 or not status[0].startswith(b"HTTP/1.") or status[1] != b"200":
        return answer
    names = [line.split(b":", 1)[0].strip().lower() for line in lines[1:]]
    coding = next((line.split(b":", 1)[1].strip().lower() for line, name in
                   zip(lines[1:], names, strict=True) if name == b"content-encoding"), b"")
    if coding not in (b"", b"identity"):
        # Compressed though the proxy asked for it plain: read inflated (gzip, zlib, raw
        # deflate), or the worker would keep real time.
        inflated = _inflated(body, coding)
        if inflated is None:
            return answer
        body = inflated
    if b"transfer-encoding" in names:
        return answer
    kept = [line for line, name in zip(lines[1:], names, strict=True)
            if name not in (b"content-length", b"content-encoding")]
    body = (before + b"\n" if before else b"") + PRELUDE + b"\n" + body
    return b"\r\n".join([lines[0], *kept, b"Content-Length: %d" % len(body)]) + sep + body
