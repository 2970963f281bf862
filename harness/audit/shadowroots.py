"""Closed declarative shadow roots, made readable where no DevTools protocol reaches them.

A ``<template shadowrootmode="closed">`` becomes a shadow root no script can reach, and the
parser, not ``attachShadow``, attaches it, so nothing in the page can hand it over. In
Firefox the rendered audit asks for the page with such templates also marked
``shadowrootserializable``: the root stays closed to the page's scripts, and
``getHTML({serializableShadowRoots: true})`` serialises it with the rest.
"""

from __future__ import annotations

import re

_CLOSED = re.compile(r"""\sshadowrootmode\s*=\s*(?:"closed"|'closed'|closed(?=[\s/>]|$))""", re.I)
_TEMPLATE = re.compile(r"<template(?=[\s/>])", re.I)


def _closed_templates(html: str) -> list[int]:
    """Where each closed declarative shadow root's ``<template …>`` tag ends (at its ``>``).
    Each tag is read once from its ``<`` to its first ``>``, and the search goes on after
    it: linear in the page, however many tags never close."""
    ends: list[int] = []
    if "shadowrootmode" not in html.lower():
        return ends
    at = 0
    while (start := _TEMPLATE.search(html, at)) is not None:
        end = html.find(">", start.end())
        if end == -1:
            break
        if _CLOSED.search(html, start.end(), end):
            ends.append(end - (html[end - 1] == "/"))
        at = end + 1
    return ends


def serialisable(html: str) -> str:
    """*html* with each closed declarative shadow root's template also serialisable."""
    out, at = [], 0
    for end in _closed_templates(html):
        out += [html[at:end], " shadowrootserializable"]
        at = end
    return "".join(out) + html[at:]


async def serve_serialisable(route, fetch) -> None:
    """A Playwright route handler for a page's own document: *fetch* (url -> text, content
    type) reads it (Playwright's own fetch cannot resolve ``*.localhost``); one with a closed
    declarative shadow root is answered rewritten (not with its other headers), any other
    goes to the network as it would have."""
    import asyncio

    try:
        text, kind = await asyncio.to_thread(fetch, route.request.url)
    except Exception:  # an error page, a redirect: the browser meets it as it is
        text, kind = "", ""
    if "html" not in kind.lower() or not _closed_templates(text):
        await route.continue_()
        return
    # (the text is decoded already: it goes back as UTF-8, whatever it came as)
    await route.fulfill(status=200, body=serialisable(text),
                        content_type="text/html; charset=utf-8")
