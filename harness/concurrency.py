"""Run Playwright code from anywhere, even inside a thread where Playwright's sync API runs."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable, Coroutine
from typing import Any, TypeVar

T = TypeVar("T")


def off_loop(function: Callable[..., T], *args: Any, **kwargs: Any) -> T:
    """Call *function* where no event loop runs, and return what it returns.

    Wherever Playwright's sync API is in use in this thread (a pytest session with
    ``page``), an event loop runs, and both ``asyncio.run`` and a second sync Playwright
    refuse to start; *function* then runs on a fresh thread and its outcome is handed back.
    """
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return function(*args, **kwargs)
    outcome: dict = {}

    def target() -> None:
        try:
            outcome["value"] = function(*args, **kwargs)
        except BaseException as exc:  # re-raised in the caller's thread
            outcome["error"] = exc

    thread = threading.Thread(target=target, name="webtrack-off-loop")
    thread.start()
    thread.join()
    if "error" in outcome:
        raise outcome["error"]
    return outcome["value"]


def run_async(coroutine: Coroutine[Any, Any, T]) -> T:
    """Run *coroutine* to completion and return its result, from any thread."""
    return off_loop(asyncio.run, coroutine)
