"""Local files for a remote browser: pages under an audited folder, answered by this side.

A browser on another machine cannot open this machine's ``file://`` URLs, so a rendered
audit of local files hands it ``http://files.webtrack.localhost/<path>`` instead and
answers those requests from here through Playwright's routing; only files under the
audited folder are answered, anything else is a 404.
"""

from __future__ import annotations

from pathlib import Path
from urllib.parse import quote, unquote, urlsplit

__all__ = ["FILES_ORIGIN", "route_files"]

FILES_ORIGIN = "http://files.webtrack.localhost"


def inside(path: Path, root: Path) -> bool:
    """True when *path* is *root* or under it (both resolved)."""
    return path == root or root in path.parents


async def route_files(context, root: Path, page: str | Path) -> str:
    """Answer *context*'s requests for files under *root*; return *page*'s URL there."""
    root = Path(root).resolve()
    if root.is_file():
        root = root.parent

    async def answer(route) -> None:
        path = Path(unquote(urlsplit(route.request.url).path)).resolve()
        if path.is_file() and inside(path, root):
            await route.fulfill(path=str(path))
        else:
            await route.fulfill(status=404, body="")

    await context.route(f"{FILES_ORIGIN}/**", answer)
    return FILES_ORIGIN + quote(str(Path(page).resolve()))
