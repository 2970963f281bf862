"""Render a ``send`` step's text with the triggering and matching interactions, sandboxed."""

from __future__ import annotations

from jinja2 import ChainableUndefined
from jinja2.sandbox import SandboxedEnvironment

# Text for the message itself; autoescaped HTML for anywhere it is shown as a page.
ENV = SandboxedEnvironment(undefined=ChainableUndefined, autoescape=False)
HTML_ENV = SandboxedEnvironment(undefined=ChainableUndefined, autoescape=True)


def message(template: str, trigger: dict, match: dict | None) -> dict:
    """Return the message as ``{text, html}``; a missing field renders as empty."""
    context = {"trigger": trigger, "match": match or {}}
    return {"text": ENV.from_string(template).render(context),
            "html": HTML_ENV.from_string(template).render(context)}
