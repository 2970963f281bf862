"""Closed declarative shadow roots, made readable where no DevTools protocol reaches them.

A ``<template shadowrootmode="closed">`` becomes a shadow root no script can reach, and the
parser, not ``attachShadow``, attaches it, so nothing in the page can hand it over. In
Firefox the rendered audit asks for the page with such templates also marked
``shadowrootserializable``: the root stays closed to the page's scripts, and
``getHTML({serializableShadowRoots: true})`` serialises it with the rest.
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit

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


# What no longer describes a body that is sent rewritten (or decoded by the fetch), and the
# cookies the fetch has put in the browser's jar already.
_NOT_FORWARDED = frozenset({"content-length", "content-encoding", "transfer-encoding",
                            "set-cookie"})


def _local(url: str) -> str | None:
    """*url* on 127.0.0.1 when its host is ``*.localhost`` (browsers resolve those
    themselves; the driver's resolver does not), else None."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    if host != "localhost" and not host.endswith(".localhost"):
        return None
    return parts._replace(netloc="127.0.0.1" + (f":{parts.port}" if parts.port else "")).geturl()


def cookies_for(url: str, set_cookies: list[str]) -> list[dict]:
    """The cookies *url*'s response keeps, from its ``Set-Cookie`` values, in Playwright's
    form: those the browser would take (a ``Domain`` that *url*'s host is not within is
    refused), by the standard library's cookie jar."""
    import email.message
    import urllib.request
    from http.cookiejar import CookieJar

    headers = email.message.Message()
    for value in set_cookies:
        headers["Set-Cookie"] = value

    class Answer:  # what the jar reads of a response
        def info(self):
            return headers

    jar = CookieJar()
    jar.extract_cookies(Answer(), urllib.request.Request(url))  # type: ignore[arg-type]
    same_site = {"strict": "Strict", "lax": "Lax", "none": "None"}
    kept = []
    for cookie in jar:
        entry = {"name": cookie.name, "value": cookie.value or "", "domain": cookie.domain,
                 "path": cookie.path, "secure": cookie.secure,
                 "httpOnly": cookie.has_nonstandard_attr("HttpOnly")}
        if cookie.expires is not None:
            entry["expires"] = cookie.expires
        mode = str(cookie.get_nonstandard_attr("SameSite") or "").lower()
        if mode in same_site:
            entry["sameSite"] = same_site[mode]
        kept.append(entry)
    return kept


async def _fetch(route, context):
    """Fetch *route*'s request once, with the browser's own headers, its response's cookies
    going to *context*'s jar under the page's own host (a ``Domain`` one too: the driver's
    jar, which saw 127.0.0.1, refused those)."""
    request = route.request
    local = _local(request.url)
    if local is None:
        return await route.fetch(max_redirects=0)
    host = urlsplit(request.url)
    response = await route.fetch(url=local, max_redirects=0, headers={
        **await request.all_headers(), "host": host.netloc})
    moved = await context.cookies(local)  # the driver kept them as 127.0.0.1's
    for cookie in moved:
        await context.clear_cookies(name=cookie["name"], domain=cookie["domain"],
                                    path=cookie["path"])
    kept = cookies_for(request.url, [h["value"] for h in response.headers_array
                                     if h["name"].lower() == "set-cookie"])
    if kept:
        await context.add_cookies(kept)
    return response


async def serve_serialisable(route, context) -> None:
    """A Playwright route handler for a page's own document: it is fetched once, with the
    browser's own request headers, and answered with that response (status and headers
    kept; a redirect is the browser's to follow), rewritten when it is HTML with a closed
    declarative shadow root; a document that cannot be fetched is left to the browser.

    Its cookies go to the browser's jar from the fetch, not with the answer: Firefox keeps
    only the first ``Set-Cookie`` of an answer given over WebDriver BiDi."""
    from playwright.async_api import Error

    try:
        response = await _fetch(route, context)
    except Error:  # nothing reached the site: the browser meets the failure itself
        await route.continue_()
        return
    headers = {name: value for name, value in response.headers.items()
               if name.lower() not in _NOT_FORWARDED}
    kind = response.headers.get("content-type", "")
    text = await response.text() if "html" in kind.lower() else ""
    if not _closed_templates(text):
        await route.fulfill(response=response, headers=headers)
        return
    # (the text is decoded already: it goes back as UTF-8, whatever it came as)
    headers["content-type"] = "text/html; charset=utf-8"
    await route.fulfill(response=response, headers=headers, body=serialisable(text))
