"""Plain classes behind the pytest plugin: an API client for the collector and the
assertions scenarios make, which explain themselves by showing what did arrive."""

from __future__ import annotations

import http.client
import itertools
import json
import os
import re
import socket
import subprocess
import sys
import time
from datetime import datetime, timezone
from pathlib import Path
from typing import IO, Any
from urllib.parse import parse_qs, urlencode, urlsplit

__all__ = ["ApiError", "Collector", "Sender", "ServerProcess", "assert_interaction_shape",
           "free_port", "visit_event"]

_emails = itertools.count(1)


class ApiError(AssertionError):
    """The collector refused a call the test expected to succeed."""


def visit_event(event_id: str, url: str = "http://shop.localhost:8800/", title: str = "A page",
                **extra: object) -> dict:
    """Return a well-formed ``website_visited`` event for a ``/collect`` delivery."""
    return {"event_id": event_id, "type": "website_visited",
            "occurred_at": "2026-01-01T00:00:00Z", "msdynci_viewuri": url,
            "msdynci_viewname": ([p for p in urlsplit(url).path.split("/") if p] or ["/"])[-1],
            "msdynci_viewtitle": title, "msdynci_viewtype": "page",
            "msdynci_viewpreviousviews": "", **extra}


def free_port() -> int:
    """Return a loopback port that was free a moment ago, for a server in another process."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


# What the API shows of every interaction, then each site type's own fields (contract §5).
BASE_FIELDS = {"type", "profile_id", "site", "occurred_at", "event_id", "received_at"}
SITE_FIELDS: dict[str, dict[str, type]] = {
    "website_visited": {"msdynci_viewuri": str, "msdynci_viewname": str,
                        "msdynci_viewtitle": str, "msdynci_viewtype": str,
                        "msdynci_viewpreviousviews": str},
    "website_link_clicked": {"msdynci_actiontype": str, "msdynci_actionisoutbound": bool,
                             "msdynci_clickcoordinates": str, "msdynci_linkuri": str,
                             "msdynci_viewuri": str, "msdynci_viewtitle": str},
}
ACTION_TYPES = {"LClick", "RClick", "MClick", "KEnter", "KSpace"}
TRACKING_PARAMETERS = ("wt_ctx", "wt_fsid")
_COORDINATES = re.compile(r"^\d+,\d+$")
_EVENT_ID = re.compile(r"^[A-Za-z0-9._:-]{1,100}$")


def view_name(url: str) -> str:
    """Return a page's ``msdynci_viewname``: its last path segment, ``/`` for the root."""
    return ([p for p in urlsplit(url).path.split("/") if p] or ["/"])[-1]


def _page_url_problems(url: object, what: str) -> list[str]:
    if not isinstance(url, str) or urlsplit(url).scheme not in ("http", "https"):
        return [f"{what} {url!r} is not an absolute http(s) URL"]
    kept = [p for p in TRACKING_PARAMETERS if p in parse_qs(urlsplit(url).query)]
    return [f"{what} {url!r} still carries {', '.join(kept)}"] if kept else []


def shape_problems(interaction: dict, type: str | None = None, *, since: float | None = None,
                   until: float | None = None) -> list[str]:
    """Return what is wrong with a site interaction's shape (empty: nothing).

    Exactly the base fields and its type's fields, each of its type; ``occurred_at`` an
    ISO time with a zone, between *since* and *until* (epoch seconds, a minute of slack);
    formats and the rules between fields (view name from the URL, outbound from hosts).
    """
    kind = interaction.get("type")
    if type is not None and kind != type:
        return [f"type {kind!r} is not {type!r}"]
    if kind not in SITE_FIELDS:
        return [f"type {kind!r} is not a site interaction"]
    fields = SITE_FIELDS[kind]
    keys = set(interaction)
    problems = [f"missing {k}" for k in sorted((BASE_FIELDS | set(fields)) - keys)]
    problems += [f"unexpected {k}={interaction[k]!r}"
                 for k in sorted(keys - BASE_FIELDS - set(fields))]
    problems += [f"{k} is {interaction[k]!r}, not a {t.__name__}" for k, t in fields.items()
                 if k in interaction and interaction[k].__class__ is not t]
    if problems:
        return problems
    if not _EVENT_ID.match(str(interaction["event_id"])):
        problems.append(f"event_id {interaction['event_id']!r} is malformed")
    try:
        at = datetime.fromisoformat(interaction["occurred_at"].replace("Z", "+00:00"))
        if at.tzinfo is None:
            problems.append(f"occurred_at {interaction['occurred_at']!r} has no time zone")
        elif since is not None and not since - 60 <= at.timestamp() <= (until or since) + 60:
            window = [datetime.fromtimestamp(t, timezone.utc).isoformat(timespec="seconds")
                      for t in (since, until or since)]
            problems.append(f"occurred_at {interaction['occurred_at']} is not between "
                            f"{window[0]} and {window[1]}")
    except (AttributeError, ValueError):
        problems.append(f"occurred_at {interaction['occurred_at']!r} is not an ISO time")
    problems += _page_url_problems(interaction["msdynci_viewuri"], "msdynci_viewuri")
    if kind == "website_visited":
        uri, name = interaction["msdynci_viewuri"], interaction["msdynci_viewname"]
        if not problems and name != view_name(uri):
            problems.append(f"msdynci_viewname {name!r} is not {view_name(uri)!r} for {uri}")
        if interaction["msdynci_viewtype"] != "page":
            problems.append(f"msdynci_viewtype {interaction['msdynci_viewtype']!r} is not 'page'")
        previous = interaction["msdynci_viewpreviousviews"]
        if previous:
            problems += _page_url_problems(previous, "msdynci_viewpreviousviews")
    else:
        action, link = interaction["msdynci_actiontype"], interaction["msdynci_linkuri"]
        if action not in ACTION_TYPES:
            problems.append(f"msdynci_actiontype {action!r} is not one of {sorted(ACTION_TYPES)}")
        if not _COORDINATES.match(interaction["msdynci_clickcoordinates"]):
            problems.append(f"msdynci_clickcoordinates "
                            f"{interaction['msdynci_clickcoordinates']!r} is not X,Y")
        if link and not urlsplit(link).scheme:
            problems.append(f"msdynci_linkuri {link!r} is not absolute")
        outbound = bool(link) and urlsplit(link).scheme in ("http", "https") and \
            urlsplit(link).netloc != urlsplit(interaction["msdynci_viewuri"]).netloc
        if interaction["msdynci_actionisoutbound"] is not outbound:
            problems.append(f"msdynci_actionisoutbound is {interaction['msdynci_actionisoutbound']}"
                            f" for {link!r} from {interaction['msdynci_viewuri']}")
    return problems


def assert_interaction_shape(interaction: dict, type: str | None = None, *,
                             since: float | None = None, until: float | None = None,
                             **fields: object) -> dict:
    """Assert *interaction* has exactly its contract fields, well formed, and *fields*
    with these values; return it. See :func:`shape_problems` for what is checked."""
    problems = shape_problems(interaction, type, since=since, until=until)
    problems += [f"{k} is {interaction.get(k, '<absent>')!r}, expected {v!r}"
                 for k, v in fields.items() if interaction.get(k, "<absent>") != v]
    assert not problems, (f"{interaction.get('type')} is not as the contract says: "
                          + "; ".join(problems) + f"\n  {interaction}")
    return interaction


def assert_unique_event_ids(interactions: list[dict]) -> None:
    """Assert no two interactions share an ``event_id``."""
    ids = [i["event_id"] for i in interactions]
    repeated = sorted({i for i in ids if ids.count(i) > 1})
    assert not repeated, f"event ids repeated: {repeated}\n{describe(interactions)}"


def _matches(interaction: dict, fields: dict) -> bool:
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


class Collector:
    """Talk to a running collector over HTTP, as a test or a CI job would."""

    # How long expect() waits by default; a mutation run shortens it (mutants that stop
    # sending would otherwise each cost the whole wait).
    expect_wait = 10.0

    def __init__(self, host: str, port: int, timeout: float = 30.0,
                 token: str | None = None, sites: dict[str, str] | None = None) -> None:
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

    def call(self, method: str, path: str, body: object = None, *,
             expect: int | tuple = (200, 201, 202)) -> Any:
        """Send a request to 127.0.0.1 with the collector's Host; return the JSON answer."""
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=self.timeout + 65)
        try:
            payload = None if body is None else json.dumps(body).encode()
            headers = {"Host": f"{self.host}:{self.port}"}
            if payload is not None:
                headers["Content-Type"] = "application/json"
            if self.token:
                headers["Authorization"] = f"Bearer {self.token}"
            conn.request(method, path, body=payload, headers=headers)
            response = conn.getresponse()
            raw = response.read()
        finally:
            conn.close()
        answer = json.loads(raw) if raw else None
        statuses = expect if isinstance(expect, tuple) else (expect,)
        if response.status not in statuses:
            raise ApiError(f"{method} {path} answered {response.status}: {answer}")
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
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=self.timeout)
        try:
            conn.request("GET", link.path, headers={"Host": link.netloc})
            location = conn.getresponse().getheader("Location") or ""
        finally:
            conn.close()
        if "wt_ctx=" not in location:
            raise ApiError(f"tracked link {link.geturl()} carried no context: {location!r}")
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
            matching = [i for i in found if _matches(i, fields)]
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

    For load: each thread makes its own. ``post`` returns the status and the raw answer.
    """

    def __init__(self, port: int, host: str = "collector.localhost", timeout: float = 30.0):
        self.headers = {"Host": f"{host}:{port}", "Content-Type": "text/plain"}
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)

    def post(self, body: dict | str | bytes, path: str = "/collect") -> tuple[int, bytes]:
        payload = json.dumps(body) if isinstance(body, dict) else body
        self.conn.request("POST", path, body=payload, headers=self.headers)
        response = self.conn.getresponse()
        return response.status, response.read()

    def close(self) -> None:
        self.conn.close()

    def __enter__(self) -> Sender:
        return self

    def __exit__(self, *exc) -> None:
        self.close()


class ServerProcess:
    """``webtrack serve`` in a process of its own, for crash tests and load from outside.

    ``start()`` returns once it serves, or raises with what it printed instead.
    """

    def __init__(self, db: str | Path, port: int, *options: str) -> None:
        self.db, self.port = str(db), port
        self.process: subprocess.Popen[str] | None = None
        self.options = options  # more ``webtrack serve`` options, such as --api-token

    def start(self) -> ServerProcess:
        self.process = process = subprocess.Popen(
            [sys.executable, "-m", "harness", "serve", "--port", str(self.port), "--db", self.db,
             *self.options],
            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        output = _output_of(process)
        first = output.readline()
        if "serving on port" not in first:
            process.wait(10)
            said = first + output.read()
            output.close()
            raise RuntimeError(f"webtrack serve did not start:\n{said}")
        return self

    def _started(self) -> subprocess.Popen[str]:
        if self.process is None:
            raise RuntimeError("the server was not started")
        return self.process

    @property
    def pid(self) -> int:
        return self._started().pid

    def stop(self, kill: bool = False) -> None:
        """Terminate (or, with *kill*, SIGKILL) the server and wait for it to end."""
        process = self._started()
        if kill:
            process.kill()
        else:
            process.terminate()
        process.wait(10)
        _output_of(process).close()

    def __enter__(self) -> ServerProcess:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()


def _output_of(process: subprocess.Popen[str]) -> IO[str]:
    if process.stdout is None:
        raise RuntimeError("the server's output is not piped")
    return process.stdout
