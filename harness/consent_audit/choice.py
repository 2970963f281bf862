"""Make the visitor's choice: listed steps, or ``"auto"`` through autoconsent's CMP rules.

A step that fails raises :class:`StepFailed` naming the step, its selector or value and the
page it was on, so the state is reported as ``error`` with that sentence, never a traceback.
"""

from __future__ import annotations

from .autoconsent import ACTIONS, Driver

__all__ = ["StepFailed", "prepare", "make", "describe"]


class StepFailed(RuntimeError):
    """One step of a state could not be carried out (the state could not be checked)."""


def describe(which: str, index: int, step: dict) -> str:
    """``opt_out step 1 (click "#reject")``: how a step is named in errors and reports."""
    kind, value = next(iter(step.items()))
    return f"{which} step {index + 1} ({kind} {value!r})"


def _action(site, state: dict) -> tuple[str, list[dict] | str] | None:
    """Return which choice this state makes ("opt_out", "accept") and its steps or "auto"."""
    which = {"rejected": "opt_out", "accepted": "accept"}.get(state["choice"])
    return (which, getattr(site, which)) if which else None


async def prepare(context, site, state: dict) -> Driver | None:
    """Install autoconsent in *context* when this state's choice is ``"auto"``; call before
    the first page opens (its script must run in every frame from the start)."""
    found = _action(site, state)
    if not found or found[1] != "auto":
        return None
    driver = Driver(ACTIONS[found[0]])
    await driver.install(context)
    return driver


async def make(page, context, site, state: dict, step, driver: Driver | None,
               record: dict) -> None:
    """Carry out this state's choice on *page*; *step* runs one listed step.

    With autoconsent the outcome (platform found, status, self-test) goes to
    ``record["consent_tool"]``; a banner that could not be operated is a StepFailed.
    """
    found = _action(site, state)
    if not found:
        return
    which, steps = found
    if driver is not None:
        result = await driver.run()
        record["consent_tool"] = result
        if result["status"] != "done":
            raise StepFailed(f"{which} = \"auto\" on {page.url}: {explain(result)}")
        return
    if isinstance(steps, str):
        raise RuntimeError(f'{which} = "{steps}" needs prepare() before the page opens')
    for index, one in enumerate(steps):
        try:
            await step(page, context, one)
        except Exception as exc:  # named, with the page it was on
            first = f"{type(exc).__name__}: {exc}".splitlines()[0][:300]
            raise StepFailed(f"{describe(which, index, one)} failed on {page.url}: "
                             f"{first}") from None


def explain(result: dict) -> str:
    """One sentence for an autoconsent outcome."""
    cmp = result.get("cmp")
    return {
        "done": f"{cmp} operated ({result.get('clicks')} clicks)",
        "failed": f"{cmp} found, but its rule's {result['action']} steps did not work",
        "no-popup": f"{', '.join(result['detected'])} detected, but no banner was open",
        "no-cmp": "no consent platform that autoconsent knows was found on the page",
        "timeout": f"{cmp} banner found, but the choice did not complete in time",
        "not-started": "autoconsent never started on the page",
    }[result["status"]]
