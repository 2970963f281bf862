"""Run the async Playwright code of the audits from anywhere, even inside Playwright's sync API."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Coroutine


def run_async(coroutine: Coroutine):
    """Run *coroutine* to completion and return its result.

    ``asyncio.run`` refuses to start where an event loop already runs in this thread, as
    it does wherever Playwright's sync API is in use (a pytest session with ``page``); the
    coroutine then runs on a fresh thread with its own loop.
    """
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return asyncio.run(coroutine)
    outcome: dict = {}

    def target() -> None:
        try:
            outcome["value"] = asyncio.run(coroutine)
        except BaseException as exc:  # re-raised in the caller's thread
            outcome["error"] = exc

    thread = threading.Thread(target=target, name="webtrack-async")
    thread.start()
    thread.join()
    if "error" in outcome:
        raise outcome["error"]
    return outcome["value"]
