"""An HTTP client of the collector's API, and the messages that say what it saw.

Tests, the pytest plugin, the gate's canary and the consent audit all talk to a running
collector through :class:`CollectorClient`; when an expectation fails, it lists what did
arrive (:func:`describe`) and what the collector counted or rejected (:func:`seen`).
"""

from __future__ import annotations

import http.client
import itertools
import json
import os
import time
from typing import Any
from urllib.parse import urlencode, urlsplit

__all__ = ["CollectorClient", "CollectorRefused", "describe", "matches", "seen"]

_emails = itertools.count(1)


class CollectorRefused(AssertionError):
    """The collector refused a call the test expected to succeed."""


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
            raise CollectorRefused(f"{method} {path} answered {response.status}: {answer}")
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
            raise CollectorRefused(f"tracked link {link.geturl()} carried no context: {location!r}")
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
