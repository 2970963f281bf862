"""Plain helpers behind the pytest plugin and the tests: well-formed events, the
assertions scenarios make (which explain themselves by showing what did arrive) and the
collector in a process of its own. The HTTP clients are :mod:`harness.client`'s; ``Sender``
is re-exported here for the tests and benchmarks that import it from this module."""

from __future__ import annotations

import re
import socket
import subprocess
import sys
from datetime import datetime, timezone
from pathlib import Path
from typing import IO
from urllib.parse import parse_qs, urlsplit

from .client import Sender, describe

__all__ = ["Sender", "ServerProcess", "assert_interaction_shape", "assert_unique_event_ids",
           "free_port", "visit_event"]


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
