"""Event handler attributes a page's elements carry, run where the event fires: the
window's load on ``<body>``, an element's own load or error where it loads a file."""

from __future__ import annotations

from urllib.parse import urlsplit

from .csp import inline_refusal
from .dom import Browser
from .jsvalues import Native
from .nodes import Element
from .page import Page, Tags, line_of, resolve


def _run_code(host: Browser, code: str) -> None:
    from .loaders import run_code

    run_code(host, code)


def _fires_load(tag) -> bool:
    """Whether a load event reaches an element's ``onload`` attribute: the window's on
    ``<body>`` and ``<frameset>``, and the element's own where it loads something (an SVG
    document, a frame, a style sheet, a script, an image). On ``<html>``, ``<head>``, a
    ``<div>``… it never fires."""
    from .page import runs_as_script

    name = tag.name
    if name in ("body", "frameset", "svg", "iframe", "style"):
        return True
    if name == "script":
        return tag.get("src") is not None and runs_as_script(
            {k.lower(): v for k, v in tag.attrs.items()})
    return name in ("link", "img") and bool(tag.get("href" if name == "link" else "src"))


# The elements whose file fires load or error on them, by the attribute naming it.
_FETCHED_BY = {"script": "src", "img": "src", "link": "href", "audio": "src", "video": "src"}
_MEDIA = ("audio", "video")


# How image files begin (as read: a byte the text could not decode is U+FFFD), for the
# formats every browser decodes whatever type the file is served with.
_IMAGE_MAGIC = ("GIF87a", "GIF89a", "\x89PNG", "\ufffdPNG", "\xff\xd8\xff", "\ufffd\ufffd\ufffd",
                "BM", "\x00\x00\x01\x00")


def is_image(raw: str, text: str) -> bool:
    """Whether a file read as *text* decodes as an image: a raster format by its first
    bytes (browsers sniff those), an SVG only by its type, which servers give by the
    ``.svg`` name (or a ``data:image/svg+xml`` URL)."""
    path = raw.split("?")[0].split("#")[0].lower()
    if raw.lower().startswith("data:"):
        return raw[5:].lstrip().lower().startswith("image/")
    if text.startswith(_IMAGE_MAGIC) or text[:4] == "RIFF" and text[8:12] == "WEBP" or \
            text[4:12] in ("ftypavif", "ftypavis"):
        return True
    return path.endswith((".svg", ".svgz")) and "<svg" in text[:4096]


def file_loads(element: str, raw: str, text: str | None) -> bool:
    """Whether the site's own file read as *text* (None: missing) fires ``load`` on an
    *element* (``img``, ``script``, ``link``) rather than ``error``: an image only when it
    decodes as one (a site's script or text file as an ``<img>`` fails)."""
    if text is None:
        return False
    return element != "img" or is_image(raw, text)


def _loads(page: Page, tag) -> bool:
    """Whether a script's, image's or linked file loads: the site's own loads when the
    audit can read it and, for an image, it decodes as one (a missing one, or a text file
    as an image, fires ``error``, not ``load``); another origin's is taken to load."""
    raw = str(tag.get(_FETCHED_BY[tag.name]) or "").strip()
    own = urlsplit(resolve(page.base, raw)).netloc == urlsplit(page.url or page.base).netloc
    return not own or page.reader is None or file_loads(tag.name, raw, page.reader(raw))


def tags_of(page: Page) -> Tags:
    """The page's elements as parsed (walked again if the page has only its soup)."""
    if page.tags is None:
        page.tags = Tags.walk(page.soup)
    return page.tags


def queue_handler_attributes(page: Page, host: Browser, index: int) -> None:
    """``<body onload="…">`` and its kind run on the load event, as code (``<body
    onpageshow>`` on the window's pageshow, right after it); a script's, an
    image's or a link's ``onerror`` when its file is the site's own and missing (a
    fallback loader), and then its ``onload`` does not."""
    if page.soup is None:
        return
    tags = tags_of(page).handlers
    handlers = [(tag, "onload") for tag in tags if tag.get("onload") is not None] + [
        (tag, "onerror") for tag in tags if tag.name in _FETCHED_BY and
        tag.get("onerror") is not None] + [  # the window's pageshow follows its load
        (tag, "onpageshow") for tag in tags if tag.name in ("body", "frameset") and
        tag.get("onpageshow") is not None] + [  # an open <details> toggles as it is parsed
        (tag, "ontoggle") for tag in tags if tag.name == "details" and
        tag.get("open") is not None and tag.get("ontoggle") is not None]
    for tag, event in handlers:
        fetches = tag.name in _FETCHED_BY and tag.get(_FETCHED_BY[tag.name]) is not None
        if event == "onerror" and tag.name in _MEDIA:
            if not fetches or _loads(page, tag):
                continue  # (a media element fires no load: its onload never runs)
        elif event != "ontoggle" and (not _fires_load(tag) or fetches and _loads(
                page, tag) != (event == "onload")):
            continue
        code = str(tag[event])
        if inline_refusal([text for _, text in host.csp], code, None, attribute=True):
            continue  # the page's security policy forbids inline handlers
        line = line_of(page.source, code[:60])
        in_head = tag.name == "head" or any(p.name == "head" for p in tag.parents)
        host.queue.append((Native(event, lambda t, a, code=code: _run_code(host, code)), [],
                           max(index, 0), in_head, lambda node, line=line: line))


def queue_markup_handlers(host: Browser, fragment) -> None:
    """An image in markup a script adds (``innerHTML``, ``insertAdjacentHTML``; its scripts
    never run) loads at once, in the document or not: its ``onerror`` runs when its file is
    the site's own and missing or no image, its ``onload`` otherwise, as the page's own
    images do."""
    stack, seen = [fragment], 0
    while stack and seen < 256:
        node = stack.pop()
        seen += 1
        stack += [c for c in node.children if isinstance(c, Element)]
        raw = str(node.attrs.get("src") or "").strip()
        if node.tag != "img" or not raw:
            continue
        own = urlsplit(resolve(host.base_uri, raw)).netloc == urlsplit(host.base).netloc
        event = "onerror" if own and host.reader is not None and not file_loads(
            "img", raw, host.reader(raw)) else "onload"
        code = node.attrs.get(event)
        if code is None or inline_refusal([text for _, text in host.csp], str(code), None, True):
            continue
        host.queue.append((Native(event, lambda t, a, code=str(code): _run_code(host, code)),
                           [], host.index, host.in_head, host.line_of))
