"""Which remote browser serves which piece of work: pure decisions over endpoint URLs."""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from urllib.parse import urlsplit

from ..browsers import BROWSERS

__all__ = ["ENV", "EXPOSE_NETWORK", "Endpoint", "choose", "explain", "from_env", "parse",
           "slot_of_worker"]

ENV = "WEBTRACK_CONNECT"
# The remote browser reaches the collector and the sample sites on the client's loopback
# (the estate is served on *.localhost hosts of one loopback port) through Playwright's
# SOCKS tunnel.
EXPOSE_NETWORK = "<loopback>,*.localhost"


@dataclass(frozen=True)
class Endpoint:
    """A Playwright browser server: its WebSocket URL and the browser it serves.

    ``browser`` is None for a server that launches whichever browser a client asks for
    (``playwright run-server``, as in Playwright's Docker images).
    """

    url: str
    browser: str | None = None

    def serves(self, name: str) -> bool:
        return self.browser in (None, name)


def parse(values: list[str]) -> list[Endpoint]:
    """Read ``ws://…`` or ``BROWSER=ws://…`` values; raise ValueError naming a bad one.

    Without a prefix the browser is read from the path ``webtrack browser-server`` gives
    its endpoints (``/chromium/<token>``); any other path serves every browser.
    """
    endpoints = []
    for value in values:
        value = value.strip()
        name: str | None
        name, sep, url = value.partition("=")
        if not sep or "://" in name:
            name, url = None, value
        elif name not in BROWSERS:
            raise ValueError(f"{value!r}: {name!r} is not a browser "
                             f"(choose one of {', '.join(BROWSERS)})")
        parts = urlsplit(url)
        if parts.scheme not in ("ws", "wss") or not parts.hostname:
            raise ValueError(f"{value!r} is not a browser server endpoint: "
                             "expected ws://HOST:PORT/PATH or wss://…")
        try:
            parts.port  # noqa: B018 - a port out of range raises
        except ValueError:
            raise ValueError(f"{value!r}: bad port") from None
        if name is None:
            first = parts.path.strip("/").split("/")[0]
            name = first if first in BROWSERS else None
        endpoints.append(Endpoint(url, name))
    return endpoints


def from_env(environ=os.environ) -> list[Endpoint]:
    """Endpoints named in ``WEBTRACK_CONNECT`` (separated by spaces or commas)."""
    return parse([v for v in re.split(r"[\s,]+", environ.get(ENV, "")) if v])


def slot_of_worker(worker_id: str | None) -> int:
    """``gw3`` → 3: the slot of an xdist worker; 0 outside xdist."""
    match = re.fullmatch(r"gw(\d+)", worker_id or "")
    return int(match.group(1)) if match else 0


def choose(endpoints: list[Endpoint], browser: str, slot: int) -> Endpoint:
    """The endpoint bound to *slot* among those serving *browser* (round robin)."""
    serving = [e for e in endpoints if e.serves(browser)]
    if not serving:
        raise ValueError(f"no browser server for {browser} among "
                         f"{', '.join(e.url for e in endpoints)}")
    return serving[slot % len(serving)]


_MISMATCH = re.compile(r"server version: v?(\d+\.\d+)[\s\S]*client version: v?(\d+\.\d+)")


def explain(url: str, message: str, client_version: str) -> str:
    """Turn a failed ``connect`` into a sentence saying what is wrong and what to do."""
    mismatch = _MISMATCH.search(message)
    if mismatch:
        server, client = mismatch.groups()
        return (f"browser server {url} runs Playwright {server}, this client runs Playwright "
                f"{client} ({client_version}): client and server must share major.minor; "
                f"run a {client} server (e.g. Playwright's v{client_version} image) or install "
                f"playwright=={server}.* here")
    lowered = message.lower()
    for needle, why in (("econnrefused", "nothing listens there (connection refused)"),
                        ("enotfound", "its host name does not resolve"),
                        ("ehostunreach", "its host cannot be reached"),
                        ("timeout", "it did not answer in time"),
                        (" 404", "no browser server at that path (check the URL's token)"),
                        (" 401", "it refused this client (401)"),
                        (" 403", "it refused this client (403)")):
        if needle in lowered:
            return f"browser server {url} is not usable: {why}"
    first = message.strip().splitlines()[0] if message.strip() else "unknown error"
    return f"browser server {url} is not usable: {first}"
