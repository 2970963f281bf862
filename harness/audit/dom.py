"""The browser around a page's scripts, as far as installing a script goes: the document's
places (head, body, the scripts so far), elements the code creates, ``document.write``,
timers and load events, and the few builtins loader snippets lean on."""

from __future__ import annotations

import base64
import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING
from urllib.parse import quote, unquote, urlsplit

from .jsvalues import (
    HOLE,
    UNDEF,
    UNKNOWN,
    Function,
    Global,
    JSArray,
    JSObject,
    Native,
    known,
    to_number,
    to_string,
)

if TYPE_CHECKING:
    from .jseval import Evaluator

_LOAD_EVENTS = {"load", "domcontentloaded", "readystatechange", "pageshow"}
_USER_EVENTS = re.compile(r"^(click|dblclick|submit|scroll|mouse\w*|key\w*|touch\w*|pointer\w*|"
                          r"focus\w*|blur|change|input|wheel|contextmenu|drag\w*|drop)$", re.I)
BOOLEAN_ATTRS = {"async", "defer", "nomodule"}
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


@dataclass
class Element:
    """An element the code created with ``document.createElement``."""

    tag: str
    attrs: dict = field(default_factory=dict)
    props: dict = field(default_factory=dict)
    children: list = field(default_factory=list)
    text: str = ""
    place: Place | None = None  # where it was inserted, once it is


@dataclass
class Inserted:
    """A script element that reached the document: by insertion or ``document.write``."""

    how: str  # "inserted" or "written"
    attrs: dict
    in_head: bool
    line: int | None


class Dataset:
    def __init__(self, element: Element) -> None:
        self.element = element

    def get(self, key):
        name = "data-" + re.sub(r"[A-Z]", lambda m: "-" + m.group().lower(), str(key))
        return self.element.attrs.get(name, UNDEF)

    def set(self, key, value) -> None:
        name = "data-" + re.sub(r"[A-Z]", lambda m: "-" + m.group().lower(), str(key))
        self.element.attrs[name] = to_string(value)


def _place_of_script(in_head: bool, attrs: dict | None = None) -> Place:
    parent = Place("parent", in_head, in_head)
    return Place("script", in_head, in_head, parent, dict(attrs or {}))


class Browser:
    """What a page's scripts see; ``evaluator`` is set by whoever runs them."""

    def __init__(self, base: str, scripts: list[tuple[bool, dict]],
                 ids: dict[str, tuple[bool, dict]] | None = None, soup=None) -> None:
        self.base = base
        self.soup = soup  # the parsed page, for selectors beyond head, body and scripts
        self.scripts = scripts  # (in <head>, attributes) of every script, in document order
        self.ids = ids or {}  # the page's elements by id: (in <head>, attributes)
        self.made_ids: dict[str, Element] = {}  # elements scripts inserted, by id
        self.evaluator: Evaluator | None = None
        self.found: list[Inserted] = []
        # markup, whether written from <head>, the line of the write
        self.written: list[tuple[str, bool, int | None]] = []
        self.queue: list[tuple] = []
        self.handlers: dict[tuple, tuple] = {}  # (target, onevent) -> its queued call
        self.index = 0  # the running script's position among the page's scripts
        self.in_head = True
        self.deferred = False
        self.line_of = lambda node: None
        self.node = None
        self.head = Place("head", True, True)
        self.html = Place("html", False, False)
        self.head.parent = self.html
        self.body = Place("body", False, False, self.html)
        self.window = Global(on_set=self._on_handler)
        self.document = JSObject()
        self._build_globals()

    # -- the world -------------------------------------------------------------------
    def _build_globals(self) -> None:
        parts = urlsplit(self.base)
        self.location = JSObject({
            "href": self.base, "protocol": parts.scheme + ":", "host": parts.netloc,
            "hostname": parts.hostname or "", "port": str(parts.port or ""),
            "origin": f"{parts.scheme}://{parts.netloc}", "pathname": parts.path or "/",
            "search": "?" + parts.query if parts.query else "", "hash": ""})
        native = Native
        w = self.window
        for name in ("window", "self", "globalThis", "top", "parent", "frames"):
            w.props[name] = w
        w.props.update({
            "document": self.document, "location": self.location,
            "navigator": Global(), "undefined": UNDEF, "NaN": float("nan"),
            "setTimeout": native("setTimeout", self._later),
            "setInterval": native("setInterval", self._later),
            "requestIdleCallback": native("requestIdleCallback", self._later),
            "requestAnimationFrame": native("requestAnimationFrame", self._later),
            "queueMicrotask": native("queueMicrotask", self._later),
            "addEventListener": native("addEventListener", self._listen),
            "eval": native("eval", self._eval),
            "encodeURIComponent": native("encodeURIComponent", lambda t, a: _coded(
                a, lambda s: quote(s, safe="-_.!~*'()"))),
            "encodeURI": native("encodeURI", lambda t, a: _coded(
                a, lambda s: quote(s, safe="-_.!~*'();/?:@&=+$,#"))),
            "decodeURIComponent": native("decodeURIComponent", lambda t, a: _coded(a, unquote)),
            "unescape": native("unescape", lambda t, a: _coded(a, unquote)),
            "escape": native("escape", lambda t, a: _coded(a, lambda v: quote(v, safe="@*_+-./"))),
            "atob": native("atob", lambda t, a: _coded(a, _from_base64)),
            "btoa": native("btoa", lambda t, a: _coded(a, lambda v: base64.b64encode(
                v.encode("latin-1", "replace")).decode())),
            "String": native("String", lambda t, a: to_string(a[0]) if a else "", props={
                "fromCharCode": native("fromCharCode", lambda t, a: "".join(
                    chr(int(n)) if isinstance(n, float) and 0 <= n < 0x110000 else HOLE
                    for n in (to_number(x) for x in a)))}),
            "Number": native("Number", lambda t, a: to_number(a[0]) if a else 0.0),
            "Boolean": native("Boolean", lambda t, a: UNKNOWN),
            "Object": JSObject({
                "keys": native("keys", lambda t, a: _keys(a, lambda k, v: k)),
                "values": native("values", lambda t, a: _keys(a, lambda k, v: v)),
                "entries": native("entries", lambda t, a: _keys(
                    a, lambda k, v: JSArray([k, v]))),
                "assign": native("assign", self._assign)}),
            "Array": JSObject({"isArray": native("isArray", lambda t, a: bool(
                a and isinstance(a[0], JSArray)))}),
        })
        d = self.document.props
        d.update({
            "createElement": native("createElement", self._create),
            "getElementsByTagName": native("getElementsByTagName", self._by_tag),
            "querySelector": native("querySelector", lambda t, a: self._select(a, True)),
            "querySelectorAll": native("querySelectorAll", lambda t, a: self._select(a, False)),
            "getElementById": native("getElementById", self._by_id),
            "getElementsByClassName": native("getElementsByClassName", lambda t, a: (
                self._from_soup(lambda soup: soup.find_all(class_=to_string(a[0])))
                if a and known(a[0]) else UNKNOWN)),
            "write": native("write", self._write), "writeln": native("writeln", self._write),
            "addEventListener": native("addEventListener", self._listen),
            "location": self.location, "defaultView": w, "cookie": UNKNOWN,
            "referrer": UNKNOWN, "URL": self.base, "documentURI": self.base,
            "domain": parts.hostname or "",
        })

    def _document_now(self) -> None:
        """Refresh what depends on when the running script runs."""
        d = self.document.props
        d["head"] = self.head
        d["documentElement"] = self.html
        d["body"] = self.body if self.deferred or not self.in_head else None
        d["currentScript"] = None if self.deferred else _place_of_script(
            *self.scripts[self.index])
        d["readyState"] = "complete" if self.deferred else "loading"
        d["scripts"] = self._scripts()

    def enter(self, index: int, in_head: bool, deferred: bool, line_of) -> None:
        self.index, self.in_head, self.deferred, self.line_of = index, in_head, deferred, line_of
        self._document_now()

    def activity(self) -> int:
        return len(self.found) + len(self.written) + len(self.queue)

    def at(self, node) -> None:
        self.node = node

    def running(self) -> Evaluator:
        """Return the evaluator running the page's scripts."""
        if self.evaluator is None:
            raise RuntimeError("no evaluator runs this page's scripts")
        return self.evaluator

    def line(self) -> int | None:
        return self.line_of(self.node)

    # -- members ---------------------------------------------------------------------
    def get_member(self, subject, key):
        from . import dommembers

        return dommembers.get(self, subject, key)

    def set_member(self, subject, key, value) -> None:
        from . import dommembers

        dommembers.set_(self, subject, key, value)

    def unknown_call(self, args: list) -> None:
        """An API we cannot see may call the functions it is given, except on user events."""
        if any(isinstance(a, str) and _USER_EVENTS.match(a) for a in args):
            return
        for arg in args:
            if isinstance(arg, Function):
                self.queue.append((arg, [UNKNOWN], self.index, self.in_head, self.line_of))

    # -- builtins --------------------------------------------------------------------
    def _later(self, this, args):
        if args and isinstance(args[0], Function):
            self.queue.append((args[0], list(args[2:]), self.index, self.in_head, self.line_of))
        elif args and isinstance(args[0], str) and known(args[0]):
            code = args[0]  # a string timer is code, as eval would run it
            self.queue.append((Native("timer", lambda t, a: self._eval(t, [code])), [],
                               self.index, self.in_head, self.line_of))
        return UNKNOWN

    def _eval(self, this, args):
        if args and isinstance(args[0], str) and known(args[0]):
            self.run_nested(args[0])
        return UNKNOWN

    def _by_id(self, this, args):
        name = to_string(args[0]) if args else ""
        if name in self.made_ids:
            return self.made_ids[name]
        if name in self.ids:
            in_head, attrs = self.ids[name]
            return Place("element", in_head, in_head, Place("parent", in_head, in_head), attrs)
        return None if known(name) else UNKNOWN

    def _listen(self, this, args):
        if len(args) >= 2 and isinstance(args[1], Function) and isinstance(args[0], str) and \
                args[0].lower() in _LOAD_EVENTS:
            self.queue.append((args[1], [UNKNOWN], self.index, self.in_head, self.line_of))
        return UNDEF

    def _on_handler(self, key, value, target: str = "window") -> None:
        """``window.onload = fn``: only the last handler set runs."""
        if not (isinstance(key, str) and key.lower().startswith("on") and
                key.lower()[2:] in _LOAD_EVENTS):
            return
        slot = (target, key.lower())
        earlier = self.handlers.pop(slot, None)
        if earlier is not None and earlier in self.queue:
            self.queue.remove(earlier)
        if isinstance(value, Function):
            self.handlers[slot] = (value, [UNKNOWN], self.index, self.in_head, self.line_of)
            self.queue.append(self.handlers[slot])

    def _assign(self, this, args):
        if not args:
            return UNKNOWN
        target = args[0]
        for source in args[1:]:
            if isinstance(source, JSObject):
                for key, value in source.props.items():
                    self.set_member(target, key, value)
        return target

    def _create(self, this, args):
        tag = to_string(args[0]).lower() if args else ""
        return Element(tag)

    def _scripts(self) -> JSArray:
        count = len(self.scripts) if self.deferred else self.index + 1
        return JSArray([_place_of_script(*s) for s in self.scripts[:count]])

    def _by_tag(self, this, args):
        name = to_string(args[0]).lower() if args else ""
        found = {"head": [self.head], "html": [self.html], "script": None,
                 "body": [self.document.props["body"]] if self.document.props["body"] else []}
        if name not in found:
            return self._from_soup(lambda soup: soup.find_all(name))
        return self._scripts() if name == "script" else JSArray(found[name])

    def _select(self, args, first: bool):
        selector = to_string(args[0]).strip() if args else ""
        if selector.lower() in ("head", "html", "body", "script"):
            collection = self._by_tag(None, [selector])
        else:
            collection = self._from_soup(lambda soup: soup.select(selector))
        if not isinstance(collection, JSArray):
            return UNKNOWN
        return (collection.items[0] if collection.items else None) if first else collection

    def _from_soup(self, find):
        """The page's elements a selector or tag name finds, as places."""
        if self.soup is None:
            return UNKNOWN
        try:
            tags = find(self.soup)
        except Exception:  # a selector soupsieve cannot read: the browser might
            return UNKNOWN
        places = []
        for tag in tags:
            in_head = tag.name == "head" or any(p.name == "head" for p in tag.parents)
            attrs = {k.lower(): " ".join(v) if isinstance(v, list) else v
                     for k, v in tag.attrs.items()}
            places.append(Place("element", in_head, in_head, Place("parent", in_head, in_head),
                                attrs))
        return JSArray(places)

    def _write(self, this, args):
        self.written.append(("".join(to_string(a) for a in args), self.in_head, self.line()))
        return UNDEF

    # -- insertion -------------------------------------------------------------------
    def insert(self, target, node) -> None:
        """*node* goes into *target*; scripts that reach the document are found."""
        if isinstance(target, Element):
            if target.place is None:
                target.children.append(node)
                return
            target = Place("element", target.place.holds_head, target.place.holds_head)
        if not isinstance(target, Place):
            # Somewhere we cannot see: the snippet's own place stands in for it.
            target = Place("unknown", self.in_head, self.in_head)
        if not isinstance(node, Element) or node.place is not None:
            return
        node.place = target
        if node.attrs.get("id"):
            self.made_ids.setdefault(node.attrs["id"], node)
        if node.tag == "script":
            # Its attributes stay live: a src or data-site set after insertion still counts.
            self.found.append(Inserted("inserted", node.attrs, target.holds_head, self.line()))
            if "src" not in node.attrs and node.text and self.evaluator is not None:
                self.run_nested(node.text)
        for child in node.children:
            child.place = None
            self.insert(node, child)

    def run_nested(self, code: str) -> None:
        from .loaders import run_code

        run_code(self, code)


def _coded(args, how):
    value = to_string(args[0]) if args else "undefined"
    return how(value) if known(value) else HOLE


def _from_base64(text: str) -> str:
    try:
        return base64.b64decode(text + "=" * (-len(text) % 4)).decode("latin-1")
    except ValueError:
        return HOLE


def _keys(args, pick):
    subject = args[0] if args else UNDEF
    if isinstance(subject, JSArray):
        return JSArray([pick(str(i), v) for i, v in enumerate(subject.items)])
    if isinstance(subject, JSObject) and not isinstance(subject, Global):
        return JSArray([pick(k, v) for k, v in subject.props.items()])
    return UNKNOWN
