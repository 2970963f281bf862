"""Evidence of one browser scenario: its cookies, what the collector recorded, a screenshot."""

from __future__ import annotations

import json
import re
from pathlib import Path


def slug(nodeid: str) -> str:
    """Return a file-name-safe form of a pytest node id."""
    return re.sub(r"[^A-Za-z0-9_.-]+", "_", nodeid).strip("_")[:180]


def capture(folder: Path, node, page, client, screenshot: bool = True) -> Path | None:
    """Write ``<slug>.json`` (and, with *screenshot*, ``.jpg``) for *node* into *folder*;
    never fail the test."""
    folder.mkdir(parents=True, exist_ok=True)
    name = slug(node.nodeid)
    record: dict = {"nodeid": node.nodeid, "url": None, "cookies": [], "interactions": [],
                    "rejected": [], "stats": None, "screenshot": None, "errors": []}
    try:
        if not page.is_closed():
            record["url"] = page.url
        if screenshot and not page.is_closed():
            page.screenshot(path=str(folder / f"{name}.jpg"), type="jpeg", quality=55)
            record["screenshot"] = f"{name}.jpg"
        record["cookies"] = page.context.cookies()
    except Exception as exc:  # the page may have crashed: keep what we have
        record["errors"].append(f"browser: {exc}")
    if client is not None:
        try:
            record["interactions"] = client.interactions()
            record["rejected"] = client.rejected()
            record["stats"] = client.stats()
        except Exception as exc:
            record["errors"].append(f"collector: {exc}")
    path = folder / f"{name}.json"
    path.write_text(json.dumps(record, indent=1, default=str), encoding="utf-8")
    return path
