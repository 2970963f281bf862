"""Running a page's clock (Playwright's) forward as the page's own time would pass.

A page's timer that throws is the page's business: a browser logs the error and goes on.
Playwright's clock in Chromium runs every timer due, then passes on the first exception one
of them threw, as if the run had failed (Firefox's says nothing). An audit that took that
for a failed run would judge no site with a buggy interval, or would stop a day's jumps at
the first link. A run that did move the page's time as far is taken as done.
"""

from __future__ import annotations

from playwright.async_api import Error

__all__ = ["run"]

NOW = "Date.now()"


async def run(page, ms: int, jump: bool = False, since: float | None = None) -> None:
    """Run *ms* of *page*'s time (``fast_forward`` when *jump*, each timer due firing once;
    else ``run_for``, every timer in order). Raise Playwright's error only where the run
    did not take the page's time as far: the page navigated or went away meanwhile.

    *since* is the page's time as the caller last read it (its clock has not been run
    since); without it the page is asked first, a round trip."""
    before = since
    if before is None:
        try:
            before = await page.evaluate(NOW)
        except Error:
            before = None
    try:
        await (page.clock.fast_forward(ms) if jump else page.clock.run_for(ms))
    except Error:
        try:
            after = await page.evaluate(NOW)
        except Error:
            raise  # the page is gone: the run's own error says why
        if not isinstance(before, (int, float)) or not isinstance(after, (int, float)) or \
                after - before < ms:
            raise
