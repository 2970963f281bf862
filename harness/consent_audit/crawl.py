"""``--pages N``: after the choice, visit more of the site as the visitor would.

Links are taken from each page as it is shown (``a[href]``, ``area[href]``) and from the
site's ``sitemap.xml``; only the start's own host is followed. The pages are opened in the
same tab and browser context, so the choice (cookies, storage) persists as it would.
"""

from __future__ import annotations

import re
from urllib.parse import urldefrag, urljoin, urlsplit

__all__ = ["LINKS", "next_pages", "sitemap_urls", "visit"]

LINKS = "Array.from(document.querySelectorAll('a[href], area[href]'), a => a.href)"
_SKIP = re.compile(r"\.(pdf|zip|gz|png|jpe?g|gif|svg|webp|mp4|mp3|ico|xml|css|js)$", re.I)
_LOC = re.compile(r"<loc>\s*([^<\s]+)\s*</loc>", re.I)
SITEMAP_BYTES = 1_000_000


def _normal(url: str, base: str) -> str | None:
    url, _ = urldefrag(urljoin(base, url.strip()))
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or _SKIP.search(parts.path):
        return None
    return url


def next_pages(start: str, seen: list[str], links: list[str], limit: int) -> list[str]:
    """Return the new same-host URLs among *links*, in order, so that *seen* plus them
    makes at most *limit* pages. Pure: the crawl's whole policy."""
    host = urlsplit(start).netloc.lower()
    chosen: list[str] = []
    known = {urldefrag(u)[0] for u in seen}
    for link in links:
        url = _normal(link, start)
        if url is None or urlsplit(url).netloc.lower() != host or url in known:
            continue
        known.add(url)
        chosen.append(url)
    return chosen[:max(0, limit - len(seen))]


def sitemap_urls(text: str) -> list[str]:
    """The ``<loc>`` URLs of a sitemap (or sitemap index), read without an XML parser so
    hostile entities expand nothing."""
    return [loc.replace("&amp;", "&") for loc in _LOC.findall(text[:SITEMAP_BYTES])]


SITEMAP = """async (url) => {
  try {
    const response = await fetch(url, { credentials: "omit", redirect: "follow" });
    return response.ok ? (await response.text()).slice(0, SIZE) : "";
  } catch (e) { return ""; }
}""".replace("SIZE", str(SITEMAP_BYTES))


async def _sitemap(page, start: str) -> list[str]:
    """The site's sitemap, fetched by the page itself: the browser resolves ``*.localhost``
    and the site's own names as the visitor's would, where the harness's resolver may not."""
    try:
        return sitemap_urls(await page.evaluate(SITEMAP, urljoin(start, "/sitemap.xml")))
    except Exception:  # no sitemap is the common case
        return []


async def _goto(page, url: str) -> None:
    await page.goto(url)


async def visit(page, context, start: str, pages: int, go=_goto) -> list[str]:
    """Open up to *pages* − 1 more pages of *start*'s site in *page*; return every page
    URL the state covered (the current one first). ``await go(page, url)`` leaves the
    page for the next one (the audit settles and hides each page first)."""
    seen = [page.url]
    if pages <= 1:
        return seen
    queue = next_pages(start, seen, await page.evaluate(LINKS), pages)
    queue += next_pages(start, seen + queue, await _sitemap(page, start), pages)
    while queue and len(seen) < pages:
        url = queue.pop(0)
        await go(page, url)
        seen.append(url)
        more = next_pages(start, seen + queue, await page.evaluate(LINKS), pages)
        queue += more
    return seen
