"""The one HTTP client of the collector (httpx), and the messages that say what it saw.

Tests, the pytest plugin, the gate's canary, the consent audit and the benchmarks all talk
to a collector through this module: :class:`CollectorClient` for its API, :class:`Sender`
for load (one keep-alive connection posting deliveries). Both reach ``*.localhost`` hosts on
127.0.0.1 with the host's name in the ``Host`` header (contract §1), or, given a WSGI *app*,
call it in process. A call the collector refuses raises :class:`CollectorRefused` with its
status and error; a collector that cannot be reached raises :class:`CollectorUnreachable`.
When an expectation fails, it lists what did arrive (:func:`describe`) and what the
collector counted or rejected (:func:`seen`).
"""

from __future__ import annotations

import itertools
import json
import os
import time
import weakref
from typing import Any
from urllib.parse import urlencode, urlsplit

import httpx

__all__ = ["CollectorClient", "CollectorError", "CollectorRefused", "CollectorUnreachable",
           "Sender", "describe", "http_client", "matches", "seen"]

_emails = itertools.count(1)

# The longest long-poll the API grants (``wait=``, seconds): a call may take that long.
LONGEST_WAIT = 60.0


class CollectorError(Exception):
    """A call to the collector did not do what its caller expected."""


class CollectorRefused(CollectorError, AssertionError):
    """The collector answered with a status the caller did not expect (the message says
    the call, the status and the collector's error)."""

    def __init__(self, message: str, status: int | None = None, answer: object = None) -> None:
        super().__init__(message)
        self.status, self.answer = status, answer


class CollectorUnreachable(CollectorError, ConnectionError):
    """No answer came: nothing listens there, the connection broke, or the answer took
    longer than the timeout."""


def http_client(port: int, host: str = "collector.localhost", *, timeout: float = 30.0,
                read_timeout: float | None = None, app: Any = None,
                headers: dict[str, str] | None = None,
                max_connections: int | None = None) -> httpx.Client:
    """Return an httpx client for *host* (``name.localhost``) served on 127.0.0.1:*port*,
    or, with *app*, for that WSGI app called in process (no server, no socket).

    No environment proxy applies (the target is loopback) and redirects are not followed:
    a tracked link's redirect is the answer under test.
    """
    sent = {"Host": f"{host}:{port}", **(headers or {})}
    limits = httpx.Limits(max_connections=max_connections,
                          max_keepalive_connections=max_connections or 20)
    transport: httpx.BaseTransport = (
        httpx.WSGITransport(app=app) if app is not None
        # verify=False: plain HTTP on loopback; loading CA certificates would cost 0.3 s.
        else httpx.HTTPTransport(verify=False, limits=limits))
    return httpx.Client(base_url=f"http://127.0.0.1:{port}", headers=sent, transport=transport,
                        timeout=httpx.Timeout(timeout, read=read_timeout or timeout),
                        trust_env=False, follow_redirects=False)


def _unreachable(what: str, where: str, exc: httpx.TransportError) -> CollectorUnreachable:
    if isinstance(exc, httpx.TimeoutException):
        why = f"it did not answer in time ({type(exc).__name__})"
    else:
        why = (f"{type(exc).__name__}: {exc or 'no detail'}; is `webtrack serve` running on "
               f"that port?")
    return CollectorUnreachable(f"{what}: no answer from the collector at {where}: {why}")


def matches(interaction: dict, fields: dict) -> bool:
    return all(interaction.get(k) == v for k, v in fields.items())


def describe(interactions: list[dict]) -> str:
    """Return a short, readable listing of interactions for assertion messages."""
    if not interactions:
        return "  (none)"
    lines = []
    for i in interactions:
        keys = ("msdynci_actiontype", "msdynci_viewuri", "msdynci_linkuri",
                "msdynci_actionisoutbound", "msdynci_clickcoordinates")
        detail = ", ".join(f"{k.removeprefix('msdynci_')}={i[k]!r}" for k in keys if k in i)
        lines.append(f"  {i['type']} [{i['profile_id']}] {detail}")
    return "\n".join(lines)


def seen(stats: dict, rejected: list[dict]) -> list[str]:
    """Return lines saying what the collector's counts and rejections show."""
    if not stats["deliveries"]:
        return ["  no delivery reached the collector (none counted at /collect)"]
    lines = [f"  {stats['deliveries']} deliveries, {stats['received']} events: "
             f"{stats['recorded']} recorded, {stats['totals']['rejected']} rejected, "
             f"{stats['totals']['not_recorded']} not recorded"]
    lines += [f"  not recorded ({reason}): {n}"
              for reason, n in sorted(stats["not_recorded"].items())]
    lines += [f"  rejected {r['type'] or 'event'} {r['event_id'] or ''} from site "
              f"{r['site'] or '?'}: {r['reason']}" + (f" ({r['detail']})" if r["detail"] else "")
              for r in rejected[:10]]
    if len(rejected) > 10:
        lines.append(f"  … and {len(rejected) - 10} more rejected")
    return lines


class CollectorClient:
    """Talk to a collector over HTTP, as a test or a CI job would.

    Keeps its connections open between calls (close it, or use it in a ``with``; one
    dropped unclosed is closed when collected). Safe to share between threads.
    """

    # How long expect() waits by default; a mutation run shortens it (mutants that stop
    # sending would otherwise each cost the whole wait).
    expect_wait = 10.0

    def __init__(self, host: str, port: int, timeout: float = 30.0,
                 token: str | None = None, sites: dict[str, str] | None = None, *,
                 app: Any = None) -> None:
        self.host, self.port, self.timeout = host, port, timeout
        self.origin = f"http://{host}:{port}"
        # Sites registered with site(), put back after every reset(); the pytest plugin
        # hands each test's client the session's dict, so they last the session.
        self.sites: dict[str, str] = {} if sites is None else sites
        # More to say when an expectation fails: callables returning lines (the visitor
        # adds what the browser sent).
        self.witnesses: list = []
        # The API token of a collector started with one (``webtrack serve --api-token``).
        self.token = token if token is not None else os.environ.get("WEBTRACK_API_TOKEN")
        # A long-poll may hold the answer for LONGEST_WAIT seconds: reads may take that long.
        self.http = http_client(port, host, timeout=timeout,
                                read_timeout=timeout + LONGEST_WAIT + 5, app=app)
        weakref.finalize(self, self.http.close)

    def close(self) -> None:
        """Close the connections kept open."""
        self.http.close()

    def __enter__(self) -> CollectorClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def request(self, method: str, path: str, body: object = None,
                headers: dict[str, str] | None = None) -> httpx.Response:
        """Send *body* (as JSON, with the API token if any) and return the response,
        whatever its status; raise :class:`CollectorUnreachable` if none came."""
        sent, content = dict(headers or {}), None
        if body is not None:
            content = json.dumps(body).encode()
            sent.setdefault("Content-Type", "application/json")
        if self.token:
            sent.setdefault("Authorization", f"Bearer {self.token}")
        try:
            return self.http.request(method, path, headers=sent, content=content)
        except httpx.TransportError as exc:
            raise _unreachable(f"{method} {path}", self.origin, exc) from None

    def call(self, method: str, path: str, body: object = None, *,
             expect: int | tuple = (200, 201, 202)) -> Any:
        """Send a request and return its JSON answer; raise :class:`CollectorRefused` if
        its status is not one of *expect*."""
        response = self.request(method, path, body)
        try:
            answer = response.json() if response.content else None
        except ValueError:
            answer = response.text  # not JSON: a page, or another server on the port
        statuses = expect if isinstance(expect, tuple) else (expect,)
        if response.status_code not in statuses:
            raise CollectorRefused(f"{method} {path} answered {response.status_code}: {answer}",
                                   response.status_code, answer)
        return answer

    # -- making things ------------------------------------------------------------------

    def profile(self, kind: str = "contact", *, email: str | None = None,
                consent: str | None = None, allow_tracking: bool | None = None) -> dict:
        body: dict[str, object] = {
            "kind": kind, "email": email or f"visitor{next(_emails)}-{id(self)}@example.com"}
        if consent is not None:
            body["consent"] = consent
        if allow_tracking is not None:
            body["allow_tracking"] = allow_tracking
        return self.call("POST", "/api/profiles", body)

    def update_profile(self, profile_id: str, **changes: object) -> dict:
        return self.call("PATCH", f"/api/profiles/{profile_id}", changes)

    def link(self, profile_id: str, url: str, link_tracking: bool = True) -> str:
        """Make a tracked link and return its URL."""
        return self.call("POST", "/api/links", {"profile_id": profile_id, "url": url,
                                                "link_tracking": link_tracking})["url"]

    def context_for(self, profile_id: str, url: str) -> str:
        """Open a new tracked link to *url* without following it; return its context value."""
        link = urlsplit(self.link(profile_id, url))
        response = self.request("GET", link.path)
        location = response.headers.get("Location", "")
        if "wt_ctx=" not in location:
            raise CollectorRefused(f"tracked link {link.geturl()} carried no context "
                                   f"(answered {response.status_code}): {location!r}",
                                   response.status_code, location)
        return location.split("wt_ctx=", 1)[1].split("&", 1)[0]

    def form(self, name: str, web_tracking: bool = False) -> dict:
        return self.call("POST", "/api/forms", {"name": name, "web_tracking": web_tracking})

    def site(self, id: str, origin: str) -> dict:
        """Register your own site *id* at *origin* (it may then deliver and be linked to);
        kept through every ``reset()`` of this client."""
        answer = self.call("PUT", f"/api/sites/{id}", {"id": id, "origin": origin})
        self.sites[id] = answer["origin"]
        return answer

    def settings(self, **settings: object) -> dict:
        return self.call("PUT", "/api/settings", settings)

    def reset(self) -> None:
        """Empty the collector; the estate's sites and those registered with site() stay."""
        self.call("POST", "/api/reset")
        for site_id, origin in self.sites.items():
            self.call("PUT", f"/api/sites/{site_id}", {"id": site_id, "origin": origin})

    # -- reading ------------------------------------------------------------------------

    def interactions(self, profile: str | None = None, type: str | None = None,
                     min: int = 0, wait: float = 0) -> list[dict]:
        """Return recorded interactions; with *min* and *wait*, once enough arrived."""
        query = {k: v for k, v in (("profile", profile), ("type", type), ("min", min),
                                   ("wait", wait)) if v}
        return self.call("GET", "/api/interactions?" + urlencode(query))

    def stats(self, min: int = 0, wait: float = 0, of: str = "received") -> dict:
        """Return the counts; with *min* and *wait*, once count *of* reaches *min*."""
        return self.call("GET", "/api/stats?" + urlencode({"min": min, "wait": wait, "of": of}))

    def rejected(self, min: int = 0, wait: float = 0) -> list[dict]:
        """Return rejected deliveries; with *min* and *wait*, once enough arrived."""
        return self.call("GET", "/api/rejected?" + urlencode({"min": min, "wait": wait}))

    # -- assertions ---------------------------------------------------------------------

    def expect(self, profile: str, type: str, count: int = 1, wait: float | None = None,
               **fields: object) -> list[dict]:
        """Wait for *count* interactions of *type* with *fields*; fail showing what arrived
        and what the collector saw instead (:meth:`what_was_seen`)."""
        __tracebackhide__ = True
        wait = self.expect_wait if wait is None else wait
        deadline = time.monotonic() + wait
        need = count
        while True:
            found = self.interactions(profile, type, min=need,
                                      wait=max(0.0, deadline - time.monotonic()))
            matching = [i for i in found if matches(i, fields)]
            if len(matching) >= count or len(found) < need or time.monotonic() >= deadline:
                break
            need = len(found) + 1  # others of the type arrived: wait for one more
        if len(matching) < count:
            want = ", ".join(f"{k}={v!r}" for k, v in fields.items()) or "any fields"
            everything = self.interactions(profile)
            raise AssertionError(
                f"expected {count} {type} ({want}) for {profile} within {wait}s, "
                f"got {len(matching)}; what arrived:\n{describe(everything)}\n"
                + self.what_was_seen())
        return matching

    def what_was_seen(self) -> str:
        """Say what reached the collector since the last reset, beyond what was recorded:
        rejected deliveries with their reasons, events not recorded by reason, or that no
        delivery came at all; then what any witness (the visitor) adds."""
        stats, rejected = self.stats(), self.rejected()
        lines = ["what the collector saw:"]
        lines += seen(stats, rejected)
        for witness in self.witnesses:
            lines += witness()
        return "\n".join(lines)


class Sender:
    """One keep-alive connection posting to the collector, as one busy sender would.

    For load: each thread makes its own. ``post`` returns the status and the raw answer,
    whatever the status; it raises :class:`CollectorUnreachable` when no answer came.
    """

    def __init__(self, port: int, host: str = "collector.localhost", timeout: float = 30.0,
                 *, app: Any = None) -> None:
        self.where = f"http://{host}:{port}"
        self.http = http_client(port, host, timeout=timeout, app=app, max_connections=1,
                                headers={"Content-Type": "text/plain"})

    def post(self, body: dict | str | bytes, path: str = "/collect") -> tuple[int, bytes]:
        payload = json.dumps(body) if isinstance(body, dict) else body
        try:
            response = self.http.post(path, content=payload)
        except httpx.TransportError as exc:
            raise _unreachable(f"POST {path}", self.where, exc) from None
        return response.status_code, response.content

    def close(self) -> None:
        self.http.close()

    def __enter__(self) -> Sender:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
