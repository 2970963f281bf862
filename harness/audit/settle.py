"""When a rendered page has finished installing: its timers run ahead, its late loads landed.

The `load` event does not wait for everything that can still insert a script: a module
awaiting `import()` at its top level, a loader fetched by a timer, a script a loaded
script inserts. A page is read once a round passes in which its clock was run ahead, no
request was in flight or began, and its number of scripts held still.
"""

from __future__ import annotations

import asyncio
import time

from .. import pageclock
from . import pagestate

# Timers and idle callbacks up to this far ahead are brought forward, as the static audit
# follows every callback a loader schedules within it.
SETTLE_MS = pagestate.SETTLE_MS
# A page whose requests never all end (a long poll, a stream) is read as it stands after this.
BUSY_LIMIT_S = 3.0
# A script the page put in may take this long to arrive on a loaded machine before the page
# is read without it (a stream or a long poll is a request, not a script).
SCRIPT_LIMIT_S = 10.0
# Rounds at most: each lets one more generation of scripts load and insert the next.
ROUNDS = 6
# A response that just arrived is evaluated by the page a few tasks later.
LANDING_S = 0.05


class Traffic:
    """Counts a page's requests as they begin and end; attach before the page loads."""

    def __init__(self, page) -> None:
        self.open: set = set()
        self.events = 0
        self.page = page
        # the addresses answered 2xx, or refused by the browser as they were answered
        self.served: list[str] = []
        page.on("request", self._began)
        page.on("response", self._answered)
        page.on("requestfinished", self._ended)
        page.on("requestfailed", self._failed)

    def detach(self) -> None:
        """Stop counting (the page goes on to another document)."""
        self.page.remove_listener("request", self._began)
        self.page.remove_listener("response", self._answered)
        self.page.remove_listener("requestfinished", self._ended)
        self.page.remove_listener("requestfailed", self._failed)

    def _began(self, request) -> None:
        self.open.add(request)
        self.events += 1

    def _answered(self, response) -> None:
        if 200 <= response.status < 300:
            self.served.append(response.url)

    def _failed(self, request) -> None:
        # Chromium refuses a response its CORS check or ORB blocks before any reaches us.
        failure = request.failure or ""
        if failure == "net::ERR_FAILED" or "BLOCKED_BY" in failure:
            self.served.append(request.url)
        self._ended(request)

    def _ended(self, request) -> None:
        self.open.discard(request)
        self.events += 1

    async def drained(self) -> bool:
        """Wait until no request is in flight; False if some are still after the limit."""
        ends = time.monotonic() + BUSY_LIMIT_S
        while self.open:
            if time.monotonic() > ends:
                return False
            await asyncio.sleep(0.02)
        return True


# The page's state in one round trip: [scripts still being fetched, scripts, its time].
STATE = """async () => {
  // A few turns of the page's own task queue (not its clock, which stands still), so a
  // module whose fetch just ended has run before its scripts are counted.
  for (let i = 0; i < 3; i++) await new Promise((done) => {
    const channel = new MessageChannel();
    channel.port1.onmessage = done;
    channel.port2.postMessage(0);
  });
  return [window.__webtrackMarks ? window.__webtrackMarks.loading() : 0,
          document.scripts.length, Date.now()];
}"""


async def scripts_landed(page) -> tuple[bool, list]:
    """Wait until no script the page put in is still being fetched (the browser tells of
    a request a little after the page asks for it); return whether none is (False: some
    still are after the limit) and the page's state (see STATE) as last read."""
    ends = time.monotonic() + SCRIPT_LIMIT_S
    state = await page.evaluate(STATE)
    while state[0]:
        if time.monotonic() > ends:
            return False, state
        await asyncio.sleep(0.02)
        state = await page.evaluate(STATE)
    return True, state


async def settle(page, traffic: Traffic) -> None:
    """Run the page's timers ahead until a round changes nothing: no request, no new script.
    A page that keeps the network busy (a long poll, a stream) has its timers run once and
    is read as it then stands. Each round reads the page's state in one round trip before
    its clock is run, and once after."""
    for _ in range(ROUNDS):
        events = traffic.events
        if await traffic.drained():
            landed, state = await scripts_landed(page)
            busy = not landed
        else:
            busy, state = True, await page.evaluate(STATE)
        if traffic.events != events and not busy:
            await asyncio.sleep(LANDING_S)
            state = await page.evaluate(STATE)
        before = state[1]
        await pageclock.run(page, SETTLE_MS, jump=True, since=state[2])
        if busy or not await traffic.drained():
            return
        if (await page.evaluate(STATE))[1] == before and traffic.events == events:
            return
