"""The window's builtins loader snippets lean on: encoding, ``String``, ``Reflect``,
``Object`` and ``Array`` helpers, ``Proxy``, ``Blob`` URLs, custom elements, and the
document's methods wired to the browser model."""

from __future__ import annotations

import base64
from functools import partial
from typing import TYPE_CHECKING
from urllib.parse import quote, unquote, urlsplit

from . import asyncapis
from .domevents import make_event
from .jsbuiltins import (
    json_parse,
    json_stringify,
    make_function,
    make_url,
    storage,
    url_object,
)
from .jsregex import make_regexp
from .jsvalues import (
    HOLE,
    UNDEF,
    UNKNOWN,
    Function,
    Getter,
    Global,
    JSArray,
    JSObject,
    Native,
    known,
    to_number,
    to_string,
)
from .nodes import MAX_TEXT, Element, copy_node
from .page import in_inert_content
from .pagestate import CALLABLE, arg0

if TYPE_CHECKING:
    from .dom import Browser


class _Proxy(JSObject):
    """``new Proxy(target, handler)``: reads and writes go through the handler's ``get``
    and ``set`` traps, or to the target where it has none (a settings object some
    snippets wrap)."""

    def __init__(self, host: Browser, target, handler: JSObject) -> None:
        super().__init__()
        self.host, self.target, self.handler = host, target, handler

    def get(self, key):
        trap = self.handler.get("get")
        if isinstance(trap, CALLABLE):
            return self.host.running().call(trap, self.handler, [self.target, key, self])
        return self.target.get(key) if isinstance(self.target, JSObject) else UNKNOWN

    def set(self, key, value) -> None:
        trap = self.handler.get("set")
        if isinstance(trap, CALLABLE):
            self.host.running().call(trap, self.handler, [self.target, key, value, self])
        elif isinstance(self.target, JSObject):
            self.target.set(key, value)


class BlobObject(JSObject):
    """A ``Blob``: the text it holds (HOLE where a part is not a known string)."""

    def __init__(self, text: str) -> None:
        super().__init__({"size": float(len(text)) if known(text) else UNKNOWN})
        self.blob = text


def build_globals(self: Browser) -> None:
    """Give the window and the document of *self* their builtins."""
    parts = urlsplit(self.base)
    self.location = url_object(self.base)
    native = Native
    w = self.window
    for name in ("window", "self", "globalThis", "top", "parent", "frames"):
        w.props[name] = w
    w.props.update({
        "document": self.document, "location": self.location,
        "navigator": Global(), "undefined": UNDEF, "NaN": float("nan"),
        "JSON": JSObject({"parse": native("parse", json_parse),
                          "stringify": native("stringify", json_stringify)}),
        "URL": make_url(self.base_uri, {"createObjectURL": native(
            "createObjectURL", partial(_object_url, self))}), "Function": make_function(self),
        "localStorage": storage(), "sessionStorage": storage(),
        "setTimeout": native("setTimeout", lambda t, a: self._timer(a, False)),
        "setInterval": native("setInterval", lambda t, a: self._timer(a, True)),
        "clearTimeout": native("clearTimeout", self._clear),
        "clearInterval": native("clearInterval", self._clear),
        "requestIdleCallback": native("requestIdleCallback", self._later),
        "requestAnimationFrame": native("requestAnimationFrame", self._later),
        "queueMicrotask": native("queueMicrotask", self._later),
        "addEventListener": native("addEventListener", self._listen),
        "dispatchEvent": native("dispatchEvent", self._dispatch),
        "Event": native("Event", make_event), "CustomEvent": native("CustomEvent", make_event),
        "customElements": JSObject({"define": native("define", partial(_define_element, self))}),
        "Proxy": native("Proxy", lambda t, a: _Proxy(self, a[0], a[1]) if len(a) > 1 and
                        isinstance(a[1], JSObject) else UNKNOWN),
        "eval": native("eval", self._eval),
        "MutationObserver": native("MutationObserver", self._observer),
        "XMLHttpRequest": native("XMLHttpRequest", self._request),
        "Blob": native("Blob", partial(_blob, self)),
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
            "raw": native("raw", lambda t, a: _raw(a)),
            "fromCharCode": native("fromCharCode", lambda t, a: "".join(
                chr(int(n)) if isinstance(n, float) and 0 <= n < 0x110000 else HOLE
                for n in (to_number(x) for x in a)))}),
        "Number": native("Number", lambda t, a: to_number(a[0]) if a else 0.0),
        "RegExp": native("RegExp", lambda t, a: make_regexp(a)),
        "Boolean": native("Boolean", lambda t, a: UNKNOWN),
        "Reflect": JSObject({
            "apply": native("apply", lambda t, a: self.running().call(
                arg0(a), a[1] if len(a) > 1 else UNDEF,
                a[2].items if len(a) > 2 and isinstance(a[2], JSArray) else [])),
            "get": native("get", lambda t, a: self.get_member(arg0(a), a[1]) if len(
                a) > 1 else UNDEF)}),
        "Object": JSObject({
            "defineProperty": native("defineProperty", partial(_define, self)),
            "keys": native("keys", lambda t, a: _keys(a, lambda k, v: k)),
            "values": native("values", lambda t, a: _keys(a, lambda k, v: v)),
            "entries": native("entries", lambda t, a: _keys(
                a, lambda k, v: JSArray([k, v]))),
            "assign": native("assign", partial(_assign, self))}),
        "Array": JSObject({
            "isArray": native("isArray", lambda t, a: bool(
                a and isinstance(a[0], JSArray))),
            "from": native("from", lambda t, a: JSArray(a[0].items) if a and isinstance(
                a[0], JSArray) else UNKNOWN),
            "of": native("of", lambda t, a: JSArray(a)),
            "prototype": array_prototype(self)}),
    })
    d = self.document.props
    asyncapis.install(self)
    d.update({
        "createElement": native("createElement", partial(_create, self)),
        "createElementNS": native("createElementNS", lambda t, a: _create(self, t, a[1:]) if
                                  a and a[0] == "http://www.w3.org/1999/xhtml" else
                                  Element("foreign")),
        "getElementsByTagName": native("getElementsByTagName", self._by_tag),
        "querySelector": native("querySelector", lambda t, a: self._select(a, True)),
        "querySelectorAll": native("querySelectorAll", lambda t, a: self._select(a, False)),
        "getElementById": native("getElementById", self._by_id),
        "getElementsByClassName": native("getElementsByClassName", lambda t, a: (
            self._live_soup(lambda soup: soup.find_all(class_=to_string(a[0])))
            if a and known(a[0]) else UNKNOWN)),
        "write": native("write", self._write),
        "open": native("open", self._open),
        "close": native("close", lambda t, a: UNDEF),
        "writeln": native("writeln", lambda t, a: self._write(t, [*a, "\n"])),
        "createRange": native("createRange", lambda t, a: self._range()),
        "createDocumentFragment": native("createDocumentFragment",
                                         lambda t, a: Element("#fragment")),
        "createTextNode": native("createTextNode", lambda t, a: Element(
            "#text", text=to_string(arg0(a)))),
        "importNode": native("importNode", lambda t, a: copy_node(arg0(a), len(a) > 1 and
                                                                  a[1] is True)),
        "adoptNode": native("adoptNode", lambda t, a: arg0(a)),
        "addEventListener": native("addEventListener", self._listen),
        "dispatchEvent": native("dispatchEvent", self._dispatch),
        "location": self.location, "defaultView": w, "cookie": "",
        "referrer": "", "URL": self.base, "documentURI": self.base,
        "baseURI": self.base_uri,
        "domain": parts.hostname or "",
        # A visitor's page is shown as it loads, in a tab in front: loaders that wait
        # for the page to be visible (or prerendered no longer) run at once.
        "visibilityState": "visible", "hidden": False, "prerendering": False,
        "wasDiscarded": False,
    })


def _define_element(self, this, args):
    """``customElements.define(name, class)``: each such element the page has (not in
    a template's inert content) becomes one as the browser upgrades it, its constructor
    then its ``connectedCallback`` run (a widget that loads a script from there)."""
    if len(args) < 2 or not isinstance(args[0], str) or not isinstance(
            args[1], Function) or self.soup is None:
        return UNDEF
    cls = args[1]

    def upgrade(this, _args):
        made = JSObject(proto=cls.get("prototype"))
        if cls.node is not None:
            self.running().invoke(cls, made, [])
        connected = self.get_member(made, "connectedCallback")
        if isinstance(connected, CALLABLE):
            self.running().call(connected, made, [])
        return UNDEF

    self.defined[args[0].lower()] = upgrade  # (one a script puts in is made there)
    for tag in self.soup.find_all(args[0], limit=16):
        if not in_inert_content(tag):
            self.queue.append((Native("upgrade", upgrade), [], self.index,
                               any(p.name == "head" for p in tag.parents), self.line_of))
    return UNDEF


def _define(self, this, args):
    """``Object.defineProperty(o, key, {value})`` or ``{get}``: as set, or a getter."""
    target = arg0(args)
    if len(args) > 2 and isinstance(args[2], JSObject) and isinstance(
            target, (JSObject, Function)) and known(args[1]):
        described = args[2].props
        if isinstance(described.get("get"), CALLABLE):
            target.props[to_string(args[1])] = Getter(described["get"])
        elif "value" in described:
            self.set_member(target, args[1], described["value"])
    return target


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


def _blob(self, this, args):
    """``new Blob([parts])``: the text of its known string parts."""
    parts = args[0].items if args and isinstance(args[0], JSArray) else [UNKNOWN]
    text = "".join(p if isinstance(p, str) else HOLE for p in parts)
    return BlobObject(text)


def _object_url(self, this, args):
    """``URL.createObjectURL(blob)``: a blob: address whose script text is the blob's."""
    blob = args[0] if args else UNDEF
    text = getattr(blob, "blob", None)
    if not isinstance(text, str) or not known(text) or len(self.blobs) >= 64:
        return UNKNOWN
    origin = "{0.scheme}://{0.netloc}".format(urlsplit(self.base))
    url = f"blob:{origin}/{len(self.blobs) + 1}"
    self.blobs[url] = text
    return url


def array_prototype(host: Browser) -> JSObject:
    """``Array.prototype``: its methods called on any array (``[].slice.call(arguments)``)."""
    from .dommembers import ARRAY_METHODS

    def method(name):
        return Native(name, lambda this, args: ARRAY_METHODS[name](host, this, args) if
                      isinstance(this, JSArray) else UNKNOWN)
    return JSObject({name: method(name) for name in ARRAY_METHODS})


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


def _raw(args) -> str:
    """``String.raw`…```: the raw strings with the values between them."""
    strings = args[0].get("raw") if args and isinstance(args[0], JSObject) else UNDEF
    if not isinstance(strings, JSArray):
        return HOLE
    parts = []
    for index, text in enumerate(strings.items):
        parts.append(to_string(text))
        if index + 1 < len(strings.items) and index + 1 < len(args):
            parts.append(to_string(args[index + 1]))
    joined = "".join(parts)
    return joined if len(joined) <= MAX_TEXT else HOLE
