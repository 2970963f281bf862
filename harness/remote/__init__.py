"""Browsers on other machines, through Playwright's own remote protocol.

``webtrack browser-server`` (:mod:`.server`) serves this machine's browsers; every command
that drives a browser connects to the endpoints in ``--connect`` / ``WEBTRACK_CONNECT``
instead of launching, each xdist worker or audit slot bound to one endpoint
(:func:`.endpoints.choose`). Without endpoints everything launches locally as before.
"""

from __future__ import annotations

import asyncio
import collections
import contextlib
from importlib.metadata import version

from ..browsers import launch_spec
from .endpoints import ENV, EXPOSE_NETWORK, Endpoint, choose, explain, from_env, parse

__all__ = ["ENV", "BrowserPool", "Endpoint", "RemoteError", "check", "connect_options",
           "from_env", "launch", "launch_sync", "parse"]

# A live server answers a connect in well under a second; a dead one refuses at once.
# The limit only matters for a host that swallows packets.
CONNECT_TIMEOUT_MS = 15000


class RemoteError(RuntimeError):
    """A browser server cannot be used: unreachable, wrong version, wrong browser."""


def client_version() -> str:
    return version("playwright")


def connect_options(endpoint: Endpoint) -> dict:
    """``BrowserType.connect`` keyword arguments for *endpoint*."""
    return {"endpoint": endpoint.url, "expose_network": EXPOSE_NETWORK,
            "timeout": CONNECT_TIMEOUT_MS}


async def _connect(kind, endpoint: Endpoint):
    from playwright.async_api import Error

    try:
        return await kind.connect(**connect_options(endpoint))
    except Error as exc:
        raise RemoteError(explain(endpoint.url, exc.message, client_version())) from None


async def launch(playwright, name: str, slot: int = 0):
    """A browser of type *name* (async API): connected when endpoints are set, else local."""
    kind = getattr(playwright, name)
    endpoints = from_env()
    if not endpoints:
        return await kind.launch(**launch_spec(name).options)
    return await _connect(kind, choose(endpoints, name, slot))


def launch_sync(playwright, name: str, slot: int = 0):
    """:func:`launch` for Playwright's sync API."""
    from playwright.sync_api import Error

    kind = getattr(playwright, name)
    endpoints = from_env()
    if not endpoints:
        return kind.launch(**launch_spec(name).options)
    endpoint = choose(endpoints, name, slot)
    try:
        return kind.connect(**connect_options(endpoint))
    except Error as exc:
        raise RemoteError(explain(endpoint.url, exc.message, client_version())) from None


class BrowserPool:
    """Browsers for *slots* concurrent pieces of work (async API).

    Locally one browser serves every slot; with endpoints there is one connection per
    endpoint serving *name*, and slot *i* is bound to endpoint *i* mod their number.
    """

    def __init__(self, playwright, name: str, slots: int,
                 launch_options: dict | None = None) -> None:
        self.playwright, self.name, self.slots = playwright, name, max(1, slots)
        # Options of a local launch (default: the discovered build); a server has its own.
        self.launch_options = launch_options
        self.browsers: list = []
        self.remote = False
        self._spare: list[int] = []  # slots no one holds
        self._first: collections.deque = collections.deque()  # waiters served first
        self._rest: collections.deque = collections.deque()

    async def __aenter__(self) -> BrowserPool:
        kind = getattr(self.playwright, self.name)
        serving = [e for e in from_env() if e.serves(self.name)]
        self.remote = bool(serving)  # the browsers are on browser servers
        if from_env() and not serving:
            choose(from_env(), self.name, 0)  # raises, naming the endpoints
        if serving:
            # Never more connections than slots: an unused endpoint would only cost.
            wanted = [choose(serving, self.name, i) for i in range(min(self.slots,
                                                                         len(serving)))]
            results = await asyncio.gather(*(_connect(kind, e) for e in wanted),
                                           return_exceptions=True)
            self.browsers = [b for b in results if not isinstance(b, BaseException)]
            errors = [r for r in results if isinstance(r, BaseException)]
            if errors:
                await self.__aexit__(None, None, None)
                raise errors[0]
        else:
            options = self.launch_options
            self.browsers = [await kind.launch(**(options if options is not None
                                                  else launch_spec(self.name).options))]
        self._spare = list(range(self.slots))
        return self

    async def __aexit__(self, *exc) -> None:
        for browser in self.browsers:
            with contextlib.suppress(Exception):
                await browser.close()

    @contextlib.asynccontextmanager
    async def slot(self, first: bool = False):
        """Wait for a free slot, in turn (ahead of every other waiter when *first*: work
        that others wait for); yield the browser bound to it."""
        if self._spare and not (self._first or self._rest):
            slot = self._spare.pop()
        else:
            turn = asyncio.get_running_loop().create_future()
            (self._first if first else self._rest).append(turn)
            try:
                slot = await turn
            except asyncio.CancelledError:
                if turn.done() and not turn.cancelled():  # handed over as it was cancelled
                    self._release(turn.result())
                raise
        try:
            yield self.browsers[slot % len(self.browsers)]
        finally:
            self._release(slot)

    def _release(self, slot: int) -> None:
        for waiting in (self._first, self._rest):
            while waiting:
                turn = waiting.popleft()
                if not turn.done():
                    turn.set_result(slot)
                    return
        self._spare.append(slot)


async def _check(endpoints: list[Endpoint]) -> list[str]:
    from playwright.async_api import async_playwright

    async def one(playwright, endpoint: Endpoint) -> str | None:
        try:
            browser = await _connect(getattr(playwright, endpoint.browser or "chromium"),
                                     endpoint)
        except RemoteError as exc:
            return str(exc)
        await browser.close()
        return None

    async with async_playwright() as playwright:
        problems = await asyncio.gather(*(one(playwright, e) for e in endpoints))
    return [p for p in problems if p]


def check(endpoints: list[Endpoint]) -> None:
    """Connect once to every endpoint; raise RemoteError naming every unusable one."""
    from ..concurrency import run_async

    problems = run_async(_check(endpoints)) if endpoints else []
    if problems:
        raise RemoteError("; ".join(problems))
