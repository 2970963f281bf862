"""The browser around a page's scripts, as far as installing a script goes: the document's
places (head, body, the scripts so far), elements the code creates, ``document.write``,
timers and load events, and the few builtins loader snippets lean on."""

from __future__ import annotations

import base64
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any
from urllib.parse import quote, unquote, urlsplit

from . import asyncapis
from .jsbuiltins import (
    CookieJar,
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
from .modules import Modules
from .page import in_inert_content, runs_as_script
from .undeclared import Undeclared

if TYPE_CHECKING:
    from .jseval import Evaluator

_LOAD_EVENTS = {"load", "domcontentloaded", "readystatechange", "pageshow"}
# Where each of them reaches a listener: load and pageshow are fired at the window (never at
# the document, whatever their target says), DOMContentLoaded at the document and bubbles
# to the window, readystatechange at the document without bubbling (a window's capturing
# listener still sees it).
_HEARD = {("window", "load"), ("window", "pageshow"), ("window", "domcontentloaded"),
          ("document", "domcontentloaded"), ("document", "readystatechange")}
# Event handler properties that exist: window.onDOMContentLoaded and document.onload are
# expandos or never called.
_HANDLERS = {("window", "onload"), ("window", "onpageshow"),
             ("document", "onreadystatechange")}


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


def _event(this, args) -> JSObject:
    """``new Event(type, {bubbles})`` or ``new CustomEvent(type, {detail})``."""
    options = args[1] if len(args) > 1 and isinstance(args[1], JSObject) else JSObject()
    return JSObject({"type": to_string(args[0]) if args else "undefined",
                     "bubbles": options.props.get("bubbles") is True,
                     "detail": options.props.get("detail", None)})


def heard(target: str, event: str, capture: bool = False) -> bool:
    """Whether a listener for the page-load *event* on *target* (``window``, ``document``,
    or ``other`` when the audit cannot tell) is called as the page loads."""
    event = event.lower()
    if event not in _LOAD_EVENTS:
        return False
    if target == "other":
        return True
    return (target, event) in _HEARD or (capture and (target, event) == (
        "window", "readystatechange"))
_USER_EVENTS = re.compile(r"^(click|dblclick|submit|scroll|mouse\w*|key\w*|touch\w*|pointer\w*|"
                          r"focus\w*|blur|change|input|wheel|contextmenu|drag\w*|drop)$", re.I)
# Consent tools' APIs (TCF, GPP, CCPA, and the common platforms' own).
_CONSENT_API = re.compile(r"consent|__tcfapi|__cmp|__gpp|__uspapi|optanon|onetrust|cookiebot|"
                          r"didomi|usercentrics|uc_ui|klaro|cookieyes|termly|iubenda", re.I)
BOOLEAN_ATTRS = {"async", "defer", "nomodule"}
CALLABLE = (Function, Native)
MAX_TEXT = 64 * 1024
MAX_INSERTED = 256  # scripts a page's code inserts that later queries see
INTERVAL_RUNS = 3  # an interval not cleared runs this often: enough to count it twice
# How far ahead a page's timers are followed (the rendered audit brings its clock this far).
SETTLE_MS = 10 * 60 * 1000
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


class Promise(JSObject):
    """A promise the audit follows: ``await`` takes ``settle()``."""

    def __init__(self, props: dict, settle) -> None:
        super().__init__(props)
        self.settle = settle


class BlobObject(JSObject):
    """A ``Blob``: the text it holds (HOLE where a part is not a known string)."""

    def __init__(self, text: str) -> None:
        super().__init__({"size": float(len(text)) if known(text) else UNKNOWN})
        self.blob = text


class Dataset:
    def __init__(self, element: Element | Place) -> None:
        self.element = element

    def get(self, key):
        name = "data-" + re.sub(r"[A-Z]", lambda m: "-" + m.group().lower(), str(key))
        return self.element.attrs.get(name, UNDEF)

    def set(self, key, value) -> None:
        name = "data-" + re.sub(r"[A-Z]", lambda m: "-" + m.group().lower(), str(key))
        self.element.attrs[name] = to_string(value)


def _place_of_script(in_head: bool, attrs: dict | None = None, owner=None) -> Place:
    """A page's script tag: its attributes are the tag's, shared by every place of it."""
    parent = Place("parent", in_head, in_head, owner=owner)
    return Place("script", in_head, in_head, parent, attrs if attrs is not None else {},
                 owner=owner)


PARKED = "parked script"


def unpark(node):
    """A page's tag the parser never ran, put in again: the element it is now, deciding
    anew on its attributes (a consent tool flipping text/plain and moving the tag in)."""
    if not isinstance(node, Place) or node.name != PARKED or not runs_as_script(node.attrs):
        return node  # (moved in still parked, it is decided again when moved next)
    node.name = "element"  # decided once: it is the element from now on
    return Element("script", dict(node.attrs))


class Browser:
    """What a page's scripts see; ``evaluator`` is set by whoever runs them."""

    def __init__(self, base: str, scripts: list[tuple[bool, dict]],
                 ids: dict[str, tuple[bool, dict]] | None = None, soup=None,
                 base_uri: str | None = None) -> None:
        self.base = base  # the document's address (location)
        self.base_uri = base_uri or base  # what relative URLs resolve on (<base href>)
        self.final_base = self.base_uri  # once the parser has passed <base href>
        self.soup = soup  # the parsed page, for selectors beyond head, body and scripts
        # (in <head>, attributes) of every script, in document order: the attributes as
        # scripts set them (see tag_attrs)
        self.scripts = [(head, dict(attrs)) for head, attrs in scripts]
        self.parsed_attrs = [attrs for _, attrs in scripts]
        self.ids = ids or {}  # the page's elements by id: (in <head>, attributes)
        # The page's security policy <meta>s: (the first script each governs, its text).
        self.csp: list[tuple[int, str]] = []
        # The site's own files, by address, where the audit can read them.
        self.reader: Callable[[str], str | None] | None = None
        self.made_ids: dict[str, Element] = {}  # elements scripts inserted, by id
        self.evaluator: Evaluator | None = None
        # Members of undefined read as undefined while a script with optional chaining runs.
        self.lenient_members = False
        self.found: list[Inserted] = []
        # markup, whether written from <head>, the line of the write
        self.written: list[tuple[str, bool, int | None]] = []
        self.written_comments: list[tuple[str, int | None]] = []  # comments it wrote
        self.written_noscript: list[tuple[str, int | None]] = []  # src in <noscript> it wrote
        self.speculative = False  # running a callback an unseen API may (or not) call
        # The run the running code belongs to: a page script's position, or the Inserted
        # whose file it is; callbacks belong to the run that left them.
        self.owner: object = None
        self.doubted: set[int] = set()  # the page scripts whose run is in doubt
        self.queue: _Queue = _Queue(self)
        self.handlers: dict[tuple, tuple] = {}  # (target, onevent) -> its queued call
        # Listeners of events the page may dispatch itself: (target, type) -> listeners.
        self.listeners: dict[tuple[str, str], list] = {}
        self.reporting = False  # running the window's error handlers
        self.defined: dict[str, Callable] = {}  # custom elements: how each is made
        self.index = 0  # the running script's position among the page's scripts
        self.script_tags: list = []  # each script's element in soup, where it has one
        self.xml = False  # an XHTML document: no document.write or open()
        self.imports: dict[str, list[Inserted]] = {}  # module loads by address
        self._order: dict[int, int] | None = None  # soup's elements in document order
        self.in_head = True
        self.deferred = False
        # the running script is external and async or deferred, or a module: it cannot write
        self.external_async = False
        self.blocking = False  # the running script is one document.write put in, blocking
        # document.open() replaced the document once parsed: what is found is in the new one
        self.replaced = False
        self.mutations = 0  # elements put in the document (a MutationObserver's changes)
        self.dispatching: str | None = None  # the page event whose listener runs
        self.current = False  # a classic script runs its top level (currentScript is set)
        self.state = "loading"
        self.line_of = lambda node: None
        self.node = None
        self.head = Place("head", True, True, attrs=_attrs_of(soup, "head"), owner=self)
        self.html = Place("html", False, False, attrs=_attrs_of(soup, "html"), owner=self)
        self.head.parent = self.html
        self.body = Place("body", False, False, self.html, _attrs_of(soup, "body"), owner=self)
        self.inserted: list[Element] = []  # scripts the code put in, in order
        self.parked: dict[int, Place] = {}  # the page's tags that never ran, by their tag
        # (where, the element, the script) of the last append: that place's last child
        self.last_put: tuple[Any, Element, int] | None = None
        self.in_soup: dict[int, Element] = {}  # id() of their tags in the soup -> element
        self.soup_tags: list = []
        self.cookies = CookieJar()
        self.timers = 0  # the last timer id given
        self.cleared: set[float] = set()  # timer ids cleared
        self.blobs: dict[str, str] = {}  # blob: URL -> the text it holds
        self.contents: dict[int, Element] = {}  # id() of a <template> in the soup -> content
        self.modules = Modules(self, self.base_uri, lambda src: None)
        # An <iframe srcdoc>'s document: the page that holds it (its window is the frame's
        # parent and top), whose <head> and <body> the frame's scripts may insert into.
        self.holder: Browser | None = None
        self.window = Global(on_set=self._on_handler)
        self.undeclared = Undeclared(soup)  # which globals certainly do not exist
        self.undeclared.on_unseen = self.doubt
        self.document = JSObject()
        self._build_globals()

    # -- the world -------------------------------------------------------------------
    def _build_globals(self) -> None:
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
                "createObjectURL", self._object_url)}), "Function": make_function(self),
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
            "Event": native("Event", _event), "CustomEvent": native("CustomEvent", _event),
            "customElements": JSObject({"define": native("define", self._define_element)}),
            "Proxy": native("Proxy", lambda t, a: _Proxy(self, a[0], a[1]) if len(a) > 1 and
                            isinstance(a[1], JSObject) else UNKNOWN),
            "eval": native("eval", self._eval),
            "MutationObserver": native("MutationObserver", self._observer),
            "XMLHttpRequest": native("XMLHttpRequest", self._request),
            "Blob": native("Blob", self._blob),
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
                    _arg0(a), a[1] if len(a) > 1 else UNDEF,
                    a[2].items if len(a) > 2 and isinstance(a[2], JSArray) else [])),
                "get": native("get", lambda t, a: self.get_member(_arg0(a), a[1]) if len(
                    a) > 1 else UNDEF)}),
            "Object": JSObject({
                "defineProperty": native("defineProperty", self._define),
                "keys": native("keys", lambda t, a: _keys(a, lambda k, v: k)),
                "values": native("values", lambda t, a: _keys(a, lambda k, v: v)),
                "entries": native("entries", lambda t, a: _keys(
                    a, lambda k, v: JSArray([k, v]))),
                "assign": native("assign", self._assign)}),
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
            "createElement": native("createElement", self._create),
            "createElementNS": native("createElementNS", lambda t, a: self._create(t, a[1:]) if
                                      a and a[0] == "http://www.w3.org/1999/xhtml" else
                                      Element("foreign")),
            "getElementsByTagName": native("getElementsByTagName", self._by_tag),
            "querySelector": native("querySelector", lambda t, a: self._select(a, True)),
            "querySelectorAll": native("querySelectorAll", lambda t, a: self._select(a, False)),
            "getElementById": native("getElementById", self._by_id),
            "getElementsByClassName": native("getElementsByClassName", lambda t, a: (
                self._from_soup(lambda soup: soup.find_all(class_=to_string(a[0])))
                if a and known(a[0]) else UNKNOWN)),
            "write": native("write", self._write),
            "open": native("open", self._open),
            "close": native("close", lambda t, a: UNDEF),
            "writeln": native("writeln", lambda t, a: self._write(t, [*a, "\n"])),
            "createRange": native("createRange", lambda t, a: self._range()),
            "createDocumentFragment": native("createDocumentFragment",
                                             lambda t, a: Element("#fragment")),
            "createTextNode": native("createTextNode", lambda t, a: Element(
                "#text", text=to_string(_arg0(a)))),
            "importNode": native("importNode", lambda t, a: copy_node(_arg0(a), len(a) > 1 and
                                                                      a[1] is True)),
            "adoptNode": native("adoptNode", lambda t, a: _arg0(a)),
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

    def _document_now(self) -> None:
        """Refresh what depends on when the running script runs."""
        d = self.document.props
        d["head"] = self.head
        d["documentElement"] = self.html
        d["body"] = self.body if self.deferred or not self.in_head else None
        # The running classic script, whenever it runs; none in modules and callbacks.
        d["currentScript"] = _place_of_script(*self.scripts[self.index], self) if self.current \
            else None
        d["readyState"] = self.state
        d["scripts"] = self._scripts()

    def enter(self, index: int, in_head: bool, deferred: bool, line_of,
              current: bool = False, state: str | None = None,
              before_base: bool = False) -> None:
        """Run as script *index*; *state* is the document's readyState then (default:
        loading while parsing, complete in callbacks). A script the parser runs
        *before_base* resolves what it inserts on the page's own address."""
        self.index, self.in_head, self.deferred, self.line_of = index, in_head, deferred, line_of
        self.base_uri = self.base if before_base and not deferred else self.final_base
        self.current = current
        self.state = state or ("complete" if deferred else "loading")
        self._document_now()

    def doubt(self) -> None:
        """The running code reached what only the browser knows (code the audit cannot
        read, an API that calls back unseen, an address it cannot compute): mark its run,
        and the runs that put it in, as able to install what the audit does not see."""
        owner = self.owner
        for _ in range(64):  # (a chain of files each putting in the next)
            if not isinstance(owner, Inserted):
                break
            owner.doubt, owner = True, owner.by
        if isinstance(owner, int):
            self.doubted.add(owner)

    def refusal(self, text: str | None, attrs: dict, src: str | None = None,
                parser_inserted: bool = False, attribute: bool = False) -> str:
        """Why the page's security policy metas parsed by now block a script: its *text*
        inline (or an event handler attribute's), or the file at *src* it loads. A script
        of the page's markup is judged as it is parsed, one put in from a callback once the
        whole of ``<head>`` is."""
        from .csp import inline_refusal, refusal

        policies = self._policies(self.deferred and not parser_inserted)
        if not policies:
            return ""
        nonce = attrs.get("nonce")
        nonce = str(nonce) if nonce is not None else None
        if src is not None:
            return refusal(policies, src, self.base, nonce, parser_inserted)
        return inline_refusal(policies, text or "", nonce, attribute)

    def _policies(self, late: bool) -> list[str]:
        return [text for before, text in self.csp if late or before <= self.index]

    def refuses_eval(self) -> None:
        """Throw the EvalError of code run from a string where the page's policy has no
        'unsafe-eval'."""
        from .csp import eval_refusal
        from .jseval import Throw

        if self.csp and eval_refusal(self._policies(self.deferred)):
            raise Throw(UNKNOWN)

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
        """An API we cannot see may call the functions it is given, except on user events
        and a consent tool's: on a first visit there is no consent to call back with."""
        if any(isinstance(a, str) and _USER_EVENTS.match(a) for a in args):
            return
        if any(_CONSENT_API.search(name) for name in _callee_names(self.node)):
            return
        for arg in args:
            if isinstance(arg, CALLABLE):
                # (an observer's callback gets the entries and the observer)
                self.queue.append((arg, [UNKNOWN, UNKNOWN], self.index, self.in_head,
                                   self.line_of), speculative=True)

    def unknown_handler(self, key: str, value) -> None:
        """``x.onmessage = fn`` on an object only the browser knows (a ``new Worker()``'s):
        it may call the handler, as an unseen API may call what it is given."""
        if key[:2].lower() == "on" and isinstance(value, CALLABLE) and \
                not _USER_EVENTS.match(key[2:]):
            self.queue.append((value, [UNKNOWN], self.index, self.in_head, self.line_of),
                              speculative=True)

    def set_cookie(self, value) -> None:
        self.cookies.set(value)
        self.document.props["cookie"] = self.cookies.text()

    # -- builtins --------------------------------------------------------------------
    def _later(self, this, args):
        if args and isinstance(args[0], CALLABLE):
            # (an idle deadline or a frame's time: something, never undefined)
            self.queue.append((args[0], list(args[2:]) or [UNKNOWN], self.index, self.in_head,
                               self.line_of))
        elif args and isinstance(args[0], str) and known(args[0]):
            code = args[0]  # a string timer is code, as eval would run it
            self.queue.append((Native("timer", lambda t, a: self._eval(t, [code])), [],
                               self.index, self.in_head, self.line_of))
        return UNKNOWN

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

    def _timer(self, args, repeat: bool) -> float:
        """``setTimeout``/``setInterval``: the callback runs later unless its id is cleared
        first; an interval runs again until cleared, up to INTERVAL_RUNS times."""
        self.timers += 1
        ident = float(self.timers)
        fn = args[0] if args else UNDEF
        if isinstance(fn, str) and known(fn):
            code = fn  # a string timer is code, as eval would run it
            fn = Native("timer", lambda t, a: self._eval(t, [code]))
        delay = to_number(args[1]) if len(args) > 1 else 0.0
        if not isinstance(fn, CALLABLE) or isinstance(delay, float) and delay > SETTLE_MS:
            return ident  # (one set for later than a page is watched never fires in it)
        extra, place = list(args[2:]), (self.index, self.in_head, self.line_of)
        runs = [0]

        def tick(this, _args):
            if ident in self.cleared:
                return UNDEF
            runs[0] += 1
            try:
                return self.running().call(fn, self.window, extra)
            finally:
                if repeat and runs[0] < INTERVAL_RUNS and ident not in self.cleared:
                    self.queue.append((Native("interval", tick), [], *place))
        self.queue.append((Native("timer", tick), [], *place))
        return ident

    def _observer(self, this, args):
        """``new MutationObserver(fn)``: *fn* is called only once ``observe()`` is, not after
        ``disconnect()``, and only on a change. Observing the document's elements while it
        is parsed, with ``childList`` or ``subtree``, the parser's own insertions are one;
        elsewhere, an element the page's scripts put in the document after ``observe()`` may
        be (whether in what is observed, only the browser knows). While it stays connected
        over the whole document, a script *fn* puts in calls it again."""
        fn = args[0] if args else UNDEF
        state: dict = {"observing": False, "runs": 0, "waits": 0}
        observer = JSObject()

        def deliver(t, a):
            if not state["observing"] or state["runs"] >= INTERVAL_RUNS:
                return UNDEF
            if not state["certain"] and self.mutations == state["since"]:
                if state["waits"] < INTERVAL_RUNS:  # callbacks queued before may change it
                    state["waits"] += 1
                    self.queue.append((Native("mutation", deliver), [], *state["place"]))
                return UNDEF
            state["runs"] += 1
            before, self.speculative = len(self.found), self.speculative or not state["certain"]
            try:
                return self.running().call(fn, observer, [JSArray([UNKNOWN]), observer])
            finally:
                if state["observing"] and state["whole"] and len(self.found) > before:
                    self.queue.append((Native("mutation", deliver), [], *state["place"]))

        def observe(t, a):
            if not isinstance(fn, CALLABLE) or state["observing"]:
                return UNDEF
            target, options = _arg0(a), a[1] if len(a) > 1 else UNDEF
            wants = {k: isinstance(options, JSObject) and options.get(k) is True
                     for k in ("childList", "subtree")}
            whole = target is self.document or target is self.html
            ours = whole or any(target is p for p in (self.head, self.body))
            state.update(
                observing=True, place=(self.index, self.in_head, self.line_of),
                since=self.mutations, whole=whole and wants["subtree"] and wants["childList"],
                certain=ours and self.state == "loading" and not self.deferred and (
                    wants["childList"] or wants["subtree"]))
            self.queue.append((Native("mutation", deliver), [], *state["place"]))
            return UNDEF

        observer.props.update({
            "observe": Native("observe", observe),
            "disconnect": Native("disconnect", lambda t, a: state.update(observing=False)),
            "takeRecords": Native("takeRecords", lambda t, a: JSArray([]))})
        return observer

    def _request(self, this, args):
        """``new XMLHttpRequest()``: once sent, its load and readystatechange handlers run
        as done (as a fetch's then(): whether it succeeds only the browser knows)."""
        xhr, listeners = JSObject({"readyState": 0.0}), []

        def done(t, a):
            xhr.props.update(readyState=4.0, status=UNKNOWN, responseText=UNKNOWN,
                             response=UNKNOWN)
            handlers = [xhr.props.get("onreadystatechange"), xhr.props.get("onload")]
            for fn in [*handlers, *listeners]:
                if isinstance(fn, CALLABLE):
                    self.running().call(fn, xhr, [UNKNOWN])
            return UNDEF

        def send(t, a):
            self.queue.append((Native("xhr", done), [], self.index, self.in_head,
                               self.line_of), speculative=True)
            return UNDEF

        def listen(t, a):
            if len(a) > 1 and isinstance(a[1], CALLABLE) and a[0] in (
                    "load", "loadend", "readystatechange"):
                listeners.append(a[1])
            return UNDEF
        xhr.props.update({"open": Native("open", lambda t, a: UNDEF),
                          "setRequestHeader": Native("setRequestHeader", lambda t, a: UNDEF),
                          "send": Native("send", send),
                          "addEventListener": Native("addEventListener", listen)})
        return xhr

    def _clear(self, this, args):
        if args and isinstance(args[0], float):
            self.cleared.add(args[0])
        return UNDEF

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

    def _eval(self, this, args):
        if args and isinstance(args[0], str):  # (a fetched file's text too)
            self.refuses_eval()
        if args and isinstance(args[0], asyncapis.FetchedText):  # a fetched file run again
            self.found.append(Inserted("evaluated", {"src": args[0].url}, self.in_head,
                                       self.line()))
        elif args and isinstance(args[0], str) and known(args[0]):
            self.run_nested(args[0])
        elif args and not isinstance(args[0], (float, bool)) and args[0] is not UNDEF:
            self.undeclared.unseen = True  # code the audit cannot read ran
        return UNKNOWN

    def parsed_yet(self, tag) -> bool:
        """Whether the parser has put *tag* (an element of soup) in the document by now:
        while a script of the page's markup runs, the elements after it are still to come
        (its ancestors are open, so in); in a callback, the whole page is."""
        here = self.script_tags[self.index] if not self.deferred and \
            self.index < len(self.script_tags) else None
        if here is None or self.soup is None:
            return True
        if self._order is None:
            self._order = {id(t): at for at, t in enumerate(self.soup.descendants)}
        mine, its = self._order.get(id(here)), self._order.get(id(tag))
        return mine is None or its is None or its < mine

    def _by_id(self, this, args):
        name = to_string(args[0]) if args else ""
        if name in self.made_ids:
            return self.made_ids[name]
        if name in self.ids:
            in_head, attrs = self.ids[name]
            if not in_head and self.in_head and not self.deferred:
                return None  # the parser is still in <head>: the body's elements are to come
            first = self.soup.find(id=name) if self.soup is not None else None
            if first is not None and id(first) not in self.in_soup and \
                    not self.parsed_yet(first):
                return None  # nor, from the body, those after the running script
            found = self._from_soup(lambda soup: soup.find_all(id=name, limit=1))
            if isinstance(found, JSArray) and found.items:
                return found.items[0]
            return Place("element", in_head, in_head, Place("parent", in_head, in_head,
                                                            owner=self), attrs, owner=self)
        return None if known(name) else UNKNOWN

    def _listen(self, this, args):
        target = "window" if this is self.window else "document" if this is self.document \
            else "other"
        options = args[2] if len(args) > 2 else False
        capture = options is True or isinstance(options, JSObject) and \
            options.props.get("capture") is True
        if len(args) >= 2 and isinstance(args[1], CALLABLE) and isinstance(args[0], str) and \
                heard(target, args[0], capture) and not self._past(args[0].lower()):
            self.queue.append((self._staged(args[1], args[0].lower()), [UNKNOWN], self.index,
                               self.in_head, self.line_of))
        elif len(args) >= 2 and isinstance(args[1], CALLABLE) and isinstance(args[0], str) and \
                known(args[0]) and target != "other":
            listeners = self.listeners.setdefault((target, args[0]), [])
            if args[1] not in listeners and len(listeners) < 16:
                listeners.append(args[1])
        return UNDEF

    def _dispatch(self, this, args):
        """``dispatchEvent(new Event(type))`` on the window or the document: its listeners
        run at once, in the order added, as the browser calls them."""
        from .jseval import Throw

        event = _arg0(args)
        kind = event.props.get("type") if isinstance(event, JSObject) else None
        target = "window" if this is self.window else "document" if this is self.document \
            else None
        if not isinstance(kind, str) or target is None:
            return UNKNOWN
        for fn in list(self.listeners.get((target, kind), ())):
            try:
                self.running().call(fn, this, [event])
            except Throw:
                pass  # a listener's error is reported, and the next one runs
        if target == "document" and event.props.get("bubbles") is True:
            for fn in list(self.listeners.get(("window", kind), ())):
                try:
                    self.running().call(fn, self.window, [event])
                except Throw:
                    pass
        return True

    def uncaught(self, event: str = "error") -> None:
        """An error no code caught (a script's, a callback's): the window's *event*,
        ``onerror`` then the ``error`` listeners, at once (what lazy loaders such as
        Sentry's wait for; a rejection nothing took is ``unhandledrejection``); an error
        of theirs is not reported again."""
        from .jseval import Throw

        if self.reporting:
            return
        handler = self.window.props.get("on" + event)
        self.reporting = True
        try:
            for fn in ([handler] if isinstance(handler, CALLABLE) else []) + list(
                    self.listeners.get(("window", event), ())):
                try:
                    self.running().call(fn, self.window, [UNKNOWN])
                except Throw:
                    pass
        finally:
            self.reporting = False

    def _staged(self, fn, event: str) -> Native:
        """*fn* as the browser calls it for *event*: on DOMContentLoaded the document is
        interactive; readystatechange comes twice, interactive then complete."""
        states = {"domcontentloaded": ["interactive"],
                  "readystatechange": ["interactive", "complete"]}.get(event, ["complete"])

        def run(this, args):
            before, self.dispatching = self.dispatching, event
            try:
                for state in states:
                    self.document.props["readyState"] = state
                    self.running().call(fn, this, args)
            finally:
                self.dispatching = before
            return UNDEF
        return Native(event, run)

    def _past(self, event: str) -> bool:
        """Whether *event* is already dispatched, as a listener of the one now dispatched
        adds a listener for it (``onload`` set in a load listener never runs)."""
        order = ("domcontentloaded", "load", "pageshow")
        return self.dispatching in order and event in order and \
            order.index(event) <= order.index(self.dispatching)

    def _on_handler(self, key, value, target: str = "window") -> None:
        """``window.onload = fn``: only the last handler set runs."""
        if not (isinstance(key, str) and (target, key.lower()) in _HANDLERS):
            return
        slot = (target, key.lower())
        earlier = self.handlers.pop(slot, None)
        if earlier is not None and earlier in self.queue:
            self.queue.remove(earlier)
        if isinstance(value, CALLABLE) and not self._past(key.lower()[2:]):
            self.queue.append((self._staged(value, key.lower()[2:]), [UNKNOWN], self.index,
                               self.in_head, self.line_of))
            self.handlers[slot] = self.queue[-1]

    def _define(self, this, args):
        """``Object.defineProperty(o, key, {value})`` or ``{get}``: as set, or a getter."""
        target = _arg0(args)
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

    def _scripts(self) -> JSArray:
        count = len(self.scripts) if self.deferred else self.index + 1
        return JSArray([_place_of_script(*s, self) for s in self.scripts[:count]] + self.inserted)

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
        places: list = []
        for tag in tags:
            if id(tag) in self.in_soup:  # an element a script inserted
                places.append(self.in_soup[id(tag)])
                continue
            if id(tag) in self.parked:
                places.append(self.parked[id(tag)])
                continue
            if not self.parsed_yet(tag):
                continue  # the parser has not reached it yet
            in_head = tag.name == "head" or any(p.name == "head" for p in tag.parents)
            attrs = {k.lower(): " ".join(v) if isinstance(v, list) else v
                     for k, v in tag.attrs.items()}
            if tag.name == "script":
                attrs = self.tag_attrs(in_head, attrs)
            place = Place("element", in_head, in_head, Place(
                "parent", in_head, in_head, owner=self), attrs, _text_of(tag), owner=self)
            if tag.name == "template":
                place.content = self._content(tag)
            if tag.name == "script" and "src" in attrs and not runs_as_script(attrs):
                # A tag the parser never ran (a consent tool's text/plain): one place, so
                # a type the code gives it is kept until it goes in again (see unpark).
                place.name = PARKED
                self.parked[id(tag)] = place
            places.append(place)
        return JSArray(places)

    def tag_attrs(self, in_head: bool, attrs: dict) -> dict:
        """The attributes of the page's script tag parsed with *attrs*, as scripts set
        them (one dict for every place of it), or *attrs* when it is none of them."""
        for (head, now), parsed in zip(self.scripts, self.parsed_attrs, strict=True):
            if head == in_head and parsed == attrs:
                return now
        return attrs

    def _content(self, tag) -> Element:
        """A ``<template>``'s content: a fragment of scripts that have not run (the
        template's document has no browser), so a copy put in the document runs them."""
        if id(tag) not in self.contents:
            self.contents[id(tag)] = Element("#fragment", children=[
                Element("script", _tag_attrs(script), text=script.string or "")
                for script in tag.find_all("script", limit=16)])
        return self.contents[id(tag)]

    def _fragment(self, this, args):
        """``createContextualFragment``: unlike innerHTML, its scripts run once inserted."""
        return from_markup(Element("#fragment"), to_string(args[0]) if args else "",
                           started=False)

    def imported(self, src: str) -> None:
        """A module load: no element, nowhere in the document, never blocking parsing."""
        self.found.append(Inserted("imported", {"src": src, "type": "module"}, True,
                                   self.line()))
        self.imports.setdefault(src, []).append(self.found[-1])

    @property
    def dynamic_import(self) -> Native:
        def load(this, args):
            src = to_string(args[0]) if args else "undefined"
            self.imported(self.modules.resolve(src, None) or src)
            loaded: list = [UNKNOWN]

            def run(t, a):
                loaded[0] = self.modules.load(src, None, record=False)
                return UNDEF
            # It runs later, once fetched, as a module (once per address); the promise's
            # then() callbacks after it, with its exports.
            self.queue.append((Native("import", run), [], self.index, self.in_head,
                               self.line_of))
            def settle():  # awaited: the module runs now (once), its exports are the value
                if loaded[0] is UNKNOWN:
                    run(None, [])
                return loaded[0]
            return self.promise(lambda: loaded[0], settle)
        return Native("import", load)

    def promise(self, value, settle=None) -> JSObject:
        """A promise certain to fulfil: ``then`` callbacks run later with ``value()``; what
        they return is unknown to the next ``then``, which still runs."""
        def then(this, args):
            for fn in args[:1]:
                if isinstance(fn, CALLABLE):
                    self.queue.append((Native("then", lambda t, a, fn=fn: self.running().call(
                        fn, UNDEF, [value()])), [], self.index, self.in_head, self.line_of))
            return self.promise(lambda: UNKNOWN)

        def also(this, args):  # finally(): runs too, with nothing
            for fn in args[:1]:
                if isinstance(fn, CALLABLE):
                    self.queue.append((fn, [], self.index, self.in_head, self.line_of))
            return self.promise(lambda: UNKNOWN)
        return Promise({"then": Native("then", then), "finally": Native("finally", also),
                        "catch": Native("catch", lambda t, a: self.promise(value, settle))},
                       settle or value)

    def _write(self, this, args):
        self._not_xml()
        if self.external_async:
            return UNDEF  # browsers ignore writes from async and deferred external scripts
        if self._parsed():  # no insertion point: it opens a new document first
            self._open(this, [])
        self.written.append(("".join(to_string(a) for a in args), self.in_head, self.line()))
        return UNDEF

    def _not_xml(self) -> None:
        """Throw the InvalidStateError ``document.write`` and ``open()`` throw in an XML
        document (XHTML served as such), first of all."""
        from .jseval import Throw

        if self.xml:
            raise Throw(UNKNOWN)

    def _parsed(self) -> bool:
        """Whether the page's parser is done as the running script runs (a callback, a
        deferred one), not one it runs (nor one a write put in, which blocks it)."""
        return self.deferred and not self.blocking

    def _open(self, this, args):
        """``document.open()`` once the page is parsed replaces it (while parsing it does
        nothing): its scripts, the tracker's among them, are gone, and what is written next
        is a new document, parsed from its start."""
        self._not_xml()
        if self._parsed():
            self.replaced, self.in_head = True, True
            self.found.clear()
            self.written.clear()
        return self.document

    # -- insertion -------------------------------------------------------------------
    def _range(self) -> JSObject:
        """``document.createRange()``: its contextual fragments, and ``insertNode`` into the
        node its start is in (``selectNodeContents(n)``, ``setStart(n, …)``: *n*;
        ``selectNode(n)``, ``setStartBefore``/``After(n)``: *n*'s parent), at the start as far
        as the audit places nodes; a start it cannot locate puts the node near the script."""
        native = lambda name, fn: Native(name, fn)  # noqa: E731
        start: list = [UNKNOWN]

        def parent_of(node):
            if isinstance(node, Place):
                return node.parent if node.parent is not None else UNKNOWN
            if isinstance(node, Element):
                return node.place if node.place is not None else node.parent or UNKNOWN
            return UNKNOWN

        def inside(this, args):
            start[0] = _arg0(args) if isinstance(_arg0(args), (Place, Element)) else UNKNOWN
            return UNDEF

        def beside(this, args):
            start[0] = parent_of(_arg0(args))
            return UNDEF

        def insert_node(this, args):
            node = _arg0(args)
            self.insert(start[0] if start[0] is not UNKNOWN else None, node)
            return UNDEF
        return JSObject({
            "createContextualFragment": native("createContextualFragment", self._fragment),
            "selectNodeContents": native("selectNodeContents", inside),
            "setStart": native("setStart", inside),
            "selectNode": native("selectNode", beside),
            "setStartBefore": native("setStartBefore", beside),
            "setStartAfter": native("setStartAfter", beside),
            "collapse": native("collapse", lambda t, a: UNDEF),
            "insertNode": native("insertNode", insert_node)})

    def insert(self, target, node) -> None:
        """*node* goes into *target*; scripts that reach the document are found."""
        if isinstance(node, str) or isinstance(node, Element) and node.tag == "#text":
            if isinstance(target, Element) and known(target.text) and (
                    target.place is None or target.tag == "script" and not target.started):
                # a script's text, as the code builds it (append('…'), a text node)
                target.text += node if isinstance(node, str) else node.text
                self.prepare(target)
            return
        if isinstance(target, Element):
            if target.place is None:
                if isinstance(node, Element):
                    detach(node)
                    node.parent = target
                target.children.append(node)
                return
            target = Place("element", target.place.holds_head, target.place.holds_head,
                           owner=target.place.owner)
        if not isinstance(target, Place):
            # Somewhere we cannot see: the snippet's own place stands in for it.
            target = Place("unknown", self.in_head, self.in_head, owner=self)
        node = unpark(node)
        if not isinstance(node, Element):
            return
        # Moved within the document: only a script not started yet is decided again.
        moved = node.place is not None
        if moved and (node.tag != "script" or node.started):
            return
        if node.parent is not None and node.parent.place is None:
            detach(node)  # moved out of a detached element into the document
        node.place = target
        self.mutations += 1
        if not moved and node.tag in self.defined:
            self.defined[node.tag](UNDEF, [])  # a custom element connected: it is made
        if node.attrs.get("id"):
            self.made_ids.setdefault(node.attrs["id"], node)
        if node.tag == "script" and "src" in node.attrs and not node.started and \
                not runs_as_script(node.attrs):
            # Put in with a type the browser does not run, it does not run, whatever its type
            # becomes (how jQuery puts markup's scripts in before loading their src itself),
            # until it is put in again.
            if not moved:
                self._into_soup(node, target.holds_head)
            return
        if node.tag == "script" and not node.started and "src" not in node.attrs and \
                not node.text:
            return  # nothing to run: a text or src given it later runs it (see prepare)
        if node.tag == "script" and not node.started:
            node.started = True
            # Its attributes stay live: a src or data-site set after insertion still counts.
            into = self._document_of(target)
            into.found.append(Inserted(
                "inserted", node.attrs, target.holds_head, self.line(), base=self.base_uri,
                src=node.attrs.get("src")))
            into._into_soup(node, target.holds_head)
            if "src" not in node.attrs and node.text and self.evaluator is not None:
                if not self.refusal(node.text, node.attrs):
                    self.run_nested(node.text)
            elif "src" in node.attrs:
                # It loads: its load handlers run then, whenever they were set.
                self.queue.append((Native("onload", lambda t, a: self._loaded(node)), [],
                                   self.index, self.in_head, self.line_of))
        for child in node.children:
            if isinstance(child, Element):
                child.place = None
                self.insert(node, child)

    def prepare(self, node: Element) -> None:
        """A script in the document not started yet, given a text or a src, runs then."""
        if node.tag == "script" and not node.started and isinstance(node.place, Place):
            self.insert(node.place, node)

    def _loaded(self, node: Element) -> object:
        evaluator = self.running()
        for handler in [node.props.get("onload"), *node.listeners]:
            if isinstance(handler, CALLABLE):
                evaluator.call(handler, node, [UNKNOWN])
        return UNDEF

    def _document_of(self, target) -> Browser:
        """The document a script put in *target* is in: the holding page's when *target* is
        one of its elements (a frame's ``parent.document.querySelector('#x')``, a nested
        frame's ``top.document.head``), else this one."""
        up = self.holder
        while up is not None and target.owner is not up:
            up = up.holder
        return up if up is not None else self

    def _into_soup(self, node: Element, in_head: bool) -> None:
        """Let selectors and ``document.scripts`` find a script once it is in (a second
        snippet's ``querySelector('script[src*=…]')`` guard sees the first one's)."""
        if len(self.inserted) >= MAX_INSERTED:
            return
        self.inserted.append(node)
        parent = None if self.soup is None else self.soup.head if in_head else self.soup.body
        if parent is None:
            return
        tag = self.soup.new_tag("script")
        tag.attrs = node.attrs  # the same dict: attributes set later are seen
        parent.append(tag)
        self.in_soup[id(tag)] = node
        self.soup_tags.append(tag)

    def forget(self) -> None:
        """Take the inserted scripts out of the page's soup again, for the next reader."""
        for tag in self.soup_tags:
            tag.extract()
        self.soup_tags.clear()
        self.in_soup.clear()

    def run_nested(self, code: str) -> None:
        from .loaders import run_code

        run_code(self, code)


def array_prototype(host: Browser) -> JSObject:
    """``Array.prototype``: its methods called on any array (``[].slice.call(arguments)``)."""
    from .dommembers import ARRAY_METHODS

    def method(name):
        return Native(name, lambda this, args: ARRAY_METHODS[name](host, this, args) if
                      isinstance(this, JSArray) else UNKNOWN)
    return JSObject({name: method(name) for name in ARRAY_METHODS})


class _Queue(list):
    """Callbacks to run, each remembering whether it is speculative (see ``Inserted``):
    one queued while a speculative callback runs is too; and the run that left it
    (``Browser.owner``)."""

    def __init__(self, host: Browser) -> None:
        super().__init__()
        self.host = host

    def append(self, entry, speculative: bool = False) -> None:
        if speculative:
            self.host.doubt()
        super().append((*entry[:5], speculative or self.host.speculative, self.host.owner))


def _callee_names(node) -> list[str]:
    """The names along a call's callee (``OneTrust.OnConsentChanged`` → both)."""
    names: list[str] = []
    callee = getattr(node, "callee", None)
    for _ in range(16):
        if callee is None:
            break
        if callee.type == "Identifier":
            names.append(callee.name)
            break
        if callee.type != "MemberExpression":
            break
        prop = callee.property
        if prop.type == "Identifier" and not callee.computed:
            names.append(prop.name)
        elif prop.type == "Literal" and isinstance(prop.value, str):
            names.append(prop.value)
        callee = callee.object
    return names


def detach(node: Element) -> None:
    """Take *node* out of the detached element it was in (a node is in one place)."""
    if node.parent is not None:
        node.parent.children = [c for c in node.parent.children if c is not node]
    node.parent = None


def _text_of(tag) -> str:
    """textContent: every string inside, a script's or a template's too."""
    text = "".join(str(s) for s in tag.descendants if isinstance(s, str))
    return text[:MAX_TEXT]


def _tag_attrs(tag) -> dict:
    return {k.lower(): " ".join(v) if isinstance(v, list) else v for k, v in tag.attrs.items()}


def _arg0(args):
    return args[0] if args else UNDEF


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
            made = Element(child.name.lower(), _tag_attrs(child), parent=into,
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


def _attrs_of(soup, name: str) -> dict:
    tag = soup.find(name) if soup is not None else None
    return {k.lower(): " ".join(v) if isinstance(v, list) else v
            for k, v in tag.attrs.items()} if tag is not None else {}


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
