"""Every install of the tracker a page makes: tags, loader snippets, ``document.write`` and
tag containers, each with where it lands and when it runs."""

from __future__ import annotations

from dataclasses import dataclass, field
from urllib.parse import urljoin, urlsplit

from . import loaders
from .config import AuditConfig
from .jsvalues import HOLE
from .page import Page, origin_of

HOW = {"tag": "directly", "inserted": "by a loader snippet", "written": "by document.write",
       "unread": "by a script the audit cannot parse"}


@dataclass
class Install:
    """One way the page puts the tracker (or a tag container that loads it) in place."""

    how: str  # tag, inserted, written, unread
    src: str | None  # absolute; a HOLE stands for what the page computes at run time
    attrs: dict = field(default_factory=dict)
    in_head: bool = True
    line: int | None = None
    timing: str = "async"  # sync, defer, async
    index: int = 0  # the script it comes from, in document order
    container: bool = False

    @property
    def path(self) -> str:
        return urlsplit(self.src).path if self.src else ""

    @property
    def origin(self) -> str:
        return origin_of(self.src)

    @property
    def site(self) -> str | None:
        return self.attrs.get("data-site")

    def describe(self) -> str:
        what = "the tag container" if self.container else HOW[self.how]
        return f"{what} (line {self.line})"


def classify(src: str | None, config: AuditConfig) -> str | None:
    """``tracker``, ``container`` or None for a script address."""
    if not src:
        return None
    parts = urlsplit(src)
    if HOLE not in parts.path and any(parts.path.endswith(p) for p in config.tracker_paths):
        return "tracker"
    if any(c in parts.netloc + parts.path for c in config.tag_containers):
        return "container"
    return None


def _timing(attrs: dict) -> str:
    if "async" in attrs:
        return "async"
    if "defer" in attrs or str(attrs.get("type", "")).lower() == "module":
        return "defer"
    return "sync"


def find(page: Page, config: AuditConfig) -> list[Install]:
    """Return the page's installs in document order.

    Statically, the page's scripts are run abstractly (``loaders``) to find what they
    insert or write. Rendered, the browser already did that: every script is in the DOM,
    and a container's injected tracker is counted in place of the container.
    """
    live = [s for s in page.scripts if not s.in_noscript]
    found: list[Install] = []
    for script in live:
        kind = classify(script.src, config)
        if kind == "tracker" or (kind == "container" and not page.rendered):
            how = "inserted" if script.inserted else "tag"
            found.append(Install(how, script.src, script.attrs, script.in_head, script.line,
                                 script.timing, script.index, kind == "container"))
    if page.rendered:
        return found
    # The tracker and containers are what is being installed, not loaders to follow.
    loaded, unread = loaders.run_page(page, skip={
        i for i, s in enumerate(live) if classify(s.src, config)}, follow=lambda src: not
        classify(urljoin(page.base, src), config))
    for item in loaded:
        if "src" not in item.inserted.attrs:
            continue
        src = urljoin(page.base, item.inserted.attrs["src"].strip())
        kind = classify(src, config)
        if kind:
            timing = "async" if item.inserted.how == "inserted" else _timing(
                item.inserted.attrs)
            found.append(Install(item.inserted.how, src, item.inserted.attrs,
                                 item.inserted.in_head, item.inserted.line, timing,
                                 live[item.index].index, kind == "container"))
    for script, _error in unread:
        text = script.code or ""
        if any(p in text for p in config.tracker_paths + config.tag_containers):
            found.append(Install("unread", None, {}, script.in_head, script.line, "async",
                                 script.index))
    return sorted(found, key=lambda i: (i.index, i.line or 0))
