"""The document's nodes as loader snippets see them: places already in the page, elements
the code creates, the scripts that reach the document, and copies and markup of them."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from .jsvalues import (
    UNDEF,
    UNKNOWN,
    JSArray,
    as_index,
    known,
    to_string,
)
from .page import runs_as_script

BOOLEAN_ATTRS = {"async", "defer", "nomodule"}
MAX_TEXT = 64 * 1024
REFLECTED = {"src", "type", "charset", "id", "integrity", "nonce", "crossorigin",
              "referrerpolicy", "class"}


@dataclass
class Place:
    """An element already in the document: whether it is in <head>, and what it holds."""

    name: str
    inside_head: bool
    holds_head: bool
    parent: Place | None = None
    attrs: dict = field(default_factory=dict)
    text: str = ""  # its text content (an inline JSON configuration, say)
    content: Element | None = None  # a <template>'s content
    # The document it is in (its Browser): a frame's script may hold its parent's elements.
    owner: Any = field(default=None, repr=False, compare=False)


@dataclass
class Element:
    """An element the code created with ``document.createElement``."""

    tag: str
    attrs: dict = field(default_factory=dict)
    props: dict = field(default_factory=dict)
    children: list = field(default_factory=list)
    text: str = ""
    place: Place | None = None  # where it was inserted, once it is
    listeners: list = field(default_factory=list)  # its load listeners
    # The HTML standard's "already started": a script parsed from markup (innerHTML) or
    # copied from one that ran never runs, wherever it is put.
    started: bool = False
    parent: Element | None = field(default=None, repr=False, compare=False)


@dataclass
class Inserted:
    """A script element that reached the document: by insertion or ``document.write``."""

    how: str  # "inserted", "written" or "imported"
    attrs: dict
    in_head: bool
    line: int | None
    # Put in by a callback only an API the audit cannot see calls (a fetch's then()):
    # whether it happens at all only the browser knows.
    speculative: bool = False
    # The base URL in effect when it went in (its src resolves on it): the page's own
    # address before the parser reached <base href>, else the base.
    base: str | None = None
    # Its src as it went in: the browser fetches that address, whatever src becomes later
    # (None: it had none then).
    src: object = None
    # Its attributes when it ran, if a script changed them afterwards (None: as they are).
    ran_with: dict | None = None
    # The site's own file it loads was read and run (a tag container so run is no install
    # of its own: what it put in counts, or nothing when it put in nothing).
    ran: bool = False
    # Its run (or a callback it left) reached what only the browser knows: it may install
    # what the audit cannot count (see ``Browser.doubt``).
    doubt: bool = False
    by: object = None  # the run that put it in (``Browser.owner`` then)


class Dataset:
    def __init__(self, element: Element | Place) -> None:
        self.element = element

    def get(self, key):
        name = "data-" + re.sub(r"[A-Z]", lambda m: "-" + m.group().lower(), str(key))
        return self.element.attrs.get(name, UNDEF)

    def set(self, key, value) -> None:
        name = "data-" + re.sub(r"[A-Z]", lambda m: "-" + m.group().lower(), str(key))
        self.element.attrs[name] = to_string(value)


def place_of_script(in_head: bool, attrs: dict | None = None, owner=None) -> Place:
    """A page's script tag: its attributes are the tag's, shared by every place of it."""
    parent = Place("parent", in_head, in_head, owner=owner)
    return Place("script", in_head, in_head, parent, attrs if attrs is not None else {},
                 owner=owner)


class LiveCollection(JSArray):
    """An ``HTMLCollection`` (``getElementsByTagName``, ``document.scripts``,
    ``children``): live, read anew whenever used, so a loop over it sees what the page
    itself puts in meanwhile (a guard run twice sees the first run's script)."""

    def __init__(self, read: Callable[[], list]) -> None:
        self.read = read
        super().__init__()

    @property
    def items(self) -> list:
        return self.read()

    @items.setter
    def items(self, value: list) -> None:
        pass  # (read-only: writing an index of a collection does nothing)

    def set(self, key, value) -> None:
        if as_index(key) is None:  # an expando; an index of a collection is not written
            super().set(key, value)


PARKED = "parked script"


def unpark(node):
    """A page's tag the parser never ran, put in again: the element it is now, deciding
    anew on its attributes (a consent tool flipping text/plain and moving the tag in)."""
    if not isinstance(node, Place) or node.name != PARKED or not runs_as_script(node.attrs):
        return node  # (moved in still parked, it is decided again when moved next)
    node.name = "element"  # decided once: it is the element from now on
    return Element("script", dict(node.attrs))


def detach(node: Element) -> None:
    """Take *node* out of the detached element it was in (a node is in one place)."""
    if node.parent is not None:
        node.parent.children = [c for c in node.parent.children if c is not node]
    node.parent = None


def text_of(tag) -> str:
    """textContent: every string inside, a script's or a template's too."""
    text = "".join(str(s) for s in tag.descendants if isinstance(s, str))
    return text[:MAX_TEXT]


def attrs_of_tag(tag) -> dict:
    return {k.lower(): " ".join(v) if isinstance(v, list) else v for k, v in tag.attrs.items()}


def attrs_of(soup, name: str) -> dict:
    tag = soup.find(name) if soup is not None else None
    return {k.lower(): " ".join(v) if isinstance(v, list) else v
            for k, v in tag.attrs.items()} if tag is not None else {}


MAX_MARKUP_NODES = 256


def from_markup(element: Element, markup: str, started: bool = True) -> Element:
    """Give *element* the children *markup* parses to (``innerHTML``): elements with their
    attributes, scripts with their text, each *started* (never run) as innerHTML's are."""
    from bs4 import BeautifulSoup, Tag

    budget = [MAX_MARKUP_NODES]

    def build(tag, into: Element) -> None:
        for child in tag.children:
            if not isinstance(child, Tag) or budget[0] <= 0:
                continue
            budget[0] -= 1
            made = Element(child.name.lower(), attrs_of_tag(child), parent=into,
                           text=child.string or "" if child.name.lower() == "script" else "",
                           started=started and child.name.lower() == "script")
            into.children.append(made)
            build(child, made)

    for child in element.children:
        child.parent = None
    element.children = []
    if known(markup):
        build(BeautifulSoup(markup[:MAX_TEXT], "html.parser"), element)
    return element


def copy_node(node, deep: bool):
    """``cloneNode``/``importNode`` of an element scripts made: attributes and text (and
    children, when deep), not expandos. A script that already ran is marked so in its copy,
    which never runs; the page's own elements are copied as nothing the audit follows."""
    if not isinstance(node, Element):
        return UNKNOWN
    ran = node.tag == "script" and (node.started or node.place is not None and bool(
        "src" in node.attrs or node.text))
    copy = Element(node.tag, dict(node.attrs), text=node.text, started=ran, children=[
        copy_node(child, True) for child in node.children] if deep else [])
    for child in copy.children:
        if isinstance(child, Element):
            child.parent = copy
    return copy
