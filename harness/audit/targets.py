"""Turn audit targets (files, folders, URLs) into parsed pages, statically or rendered."""

from __future__ import annotations

import http.client
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

from .page import Page, Script, parse
from .rules import defines_optout_in

HTML_SUFFIXES = (".html", ".htm")


class TargetError(ValueError):
    """A target that is neither an existing file or folder nor an http(s) URL."""


def is_url(target: str) -> bool:
    return urlsplit(target).scheme in ("http", "https")


def expand(targets: list[str]) -> list[tuple[str, Path | None]]:
    """Return ``(where, root)`` per page: files, HTML files under folders, URLs."""
    pages = []
    for target in targets:
        if is_url(target):
            pages.append((target, None))
            continue
        path = Path(target)
        if path.is_file():
            pages.append((str(path), path.parent))
        elif path.is_dir():
            for found in sorted(path.rglob("*")):
                if found.suffix.lower() in HTML_SUFFIXES and not any(
                        part.startswith(("_", ".")) for part in found.relative_to(path).parts):
                    pages.append((str(found), path))
        else:
            raise TargetError(f"{target}: no such file or folder, and not an http(s) URL")
    return pages


def fetch(url: str, timeout: float = 10.0) -> str:
    """GET *url*; ``*.localhost`` hosts are reached on 127.0.0.1 with their Host header."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    connect = "127.0.0.1" if host == "localhost" or host.endswith(".localhost") else host
    kind = http.client.HTTPSConnection if parts.scheme == "https" else http.client.HTTPConnection
    conn = kind(connect, parts.port, timeout=timeout)
    try:
        conn.request("GET", (parts.path or "/") + (f"?{parts.query}" if parts.query else ""),
                     headers={"Host": parts.netloc, "User-Agent": "webtrack-audit"})
        response = conn.getresponse()
        body = response.read().decode("utf-8", "replace")
    except OSError as exc:
        raise TargetError(f"{url}: cannot fetch: {exc}") from None
    finally:
        conn.close()
    if response.status >= 400:
        raise TargetError(f"{url}: answered {response.status}")
    return body


def _local_script(script: Script, page_file: Path, root: Path) -> str | None:
    """Find a site-relative script (``/x.js``) in the page's folder or one above it."""
    if not script.raw_src or "://" in script.raw_src:
        return None
    relative = script.raw_src.split("?")[0].lstrip("/")
    folder = page_file.parent
    while True:
        candidate = folder / relative
        if candidate.is_file():
            return candidate.read_text(encoding="utf-8", errors="replace")
        if folder == root or folder.parent == folder or root not in folder.parents:
            return None
        folder = folder.parent


def load_static(where: str, root: Path | None) -> Page:
    """Parse one page from disk or the network, looking into the scripts it loads."""
    if root is None:
        source = fetch(where)
        page = parse(source, where, base=where)
        origin = urlsplit(where).netloc
        for script in page.scripts:
            if script.src and urlsplit(script.src).netloc == origin:
                try:
                    text = fetch(script.src)
                except TargetError:
                    continue
                script.attrs["_defines_optout"] = defines_optout_in(text)
        return page
    path = Path(where)
    source = path.read_text(encoding="utf-8", errors="replace")
    page = parse(source, where, base="http://page.invalid/" + path.name)
    for script in page.scripts:
        text = _local_script(script, path, root)
        if text is not None:
            script.attrs["_defines_optout"] = defines_optout_in(text)
    return page


def load_rendered(targets: list[tuple[str, Path | None]], browser_name: str = "chromium",
                  concurrency: int = 4) -> Iterator[Page]:
    """Yield each page's live DOM once its scripts ran (tag-manager injections included).

    Pages load a few at a time, each in a fresh context, so no cookie or consent choice
    carries from one page to the next; results come back in the order given.
    """
    from ..concurrency import run_async

    return iter(run_async(_render_all(targets, browser_name, concurrency)))


async def _render_all(targets, browser_name: str, concurrency: int) -> list[Page]:
    import asyncio

    from playwright.async_api import Error, async_playwright

    from ..browsers import launch_spec

    limit = asyncio.Semaphore(concurrency)
    async with async_playwright() as playwright:
        browser = await getattr(playwright, browser_name).launch(
            **launch_spec(browser_name).options)

        async def render(where: str, root: Path | None) -> Page:
            url = where if root is None else Path(where).resolve().as_uri()
            async with limit:
                context = await browser.new_context()
                try:
                    page = await context.new_page()
                    await page.goto(url, wait_until="load", timeout=15000)
                    dom = await page.content()
                    optout = await page.evaluate(
                        "typeof window.disableCookiesUsage === 'function'")
                except Error as exc:
                    raise TargetError(f"{where}: cannot render: {exc.message}") from None
                finally:
                    await context.close()
            parsed = parse(dom, where, base=url, rendered=True)
            parsed.defines_optout = optout
            return parsed

        try:
            return list(await asyncio.gather(*(render(w, r) for w, r in targets)))
        finally:
            await browser.close()
