"""jQuery as the audit models it: the calls through which pages load scripts.

The library is never run (a CDN's copy is not at hand offline, a site's own copy is far
more code than a loader snippet): a page's jQuery tag defines ``$`` and ``jQuery`` with what
jQuery 3 does for them. ``$.getScript(url)`` and ``$.ajax({dataType: 'script'})`` load a
cross-origin script through a new ``<script src>`` in ``<head>`` (with ``scriptAttrs`` from
3.4 on, else no other attribute), removed once it has loaded; markup put in by ``append``
and its kind goes in with its scripts disabled, and then each one's ``src`` is loaded that
same way (so a tag's ``data-site`` never reaches the script that runs) and each inline one is
run; ``$(fn)`` and ``ready`` run on ``DOMContentLoaded``. The slim build has no ajax: its
``getScript`` is missing and the scripts of appended markup never load.
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit

from .dom import Browser
from .jsvalues import UNDEF, UNKNOWN, JSArray, JSObject, Native, known, to_string
from .nodes import Element, from_markup
from .page import runs_as_script
from .pagestate import CALLABLE

_FILE = re.compile(r"^jquery(?:[-.]v?\d[\w.-]*?)?(?:\.slim)?(?:\.min)?\.js$", re.I)
_VERSION = re.compile(r"jquery[-/@.]v?(\d+)\.(\d+)", re.I)


def is_jquery(src: str | None) -> bool:
    """Whether a script address is jQuery's (``jquery.min.js``, ``jquery-3.7.1.slim.js``)."""
    return bool(src) and bool(_FILE.match(urlsplit(src or "").path.rsplit("/", 1)[-1]))


def version(src: str) -> tuple[int, int]:
    """The version an address names (``/jquery/3.3.1/``, ``jquery-1.12.4.js``); else the
    latest's."""
    found = _VERSION.search(urlsplit(src).path)
    return (int(found.group(1)), int(found.group(2))) if found else (3, 7)


def install(host: Browser, src: str) -> None:
    """Define ``$`` and ``jQuery`` on the page, as the jQuery at *src* does once it ran."""
    JQuery(host, "slim" in src.rsplit("/", 1)[-1].lower(), version(src)).define()


def undefined(host: Browser) -> None:
    """``$`` and ``jQuery`` as they are before a page's jQuery tag ran: not defined."""
    for name in ("$", "jQuery"):
        host.window.props.setdefault(name, UNDEF)


class JQuery:
    def __init__(self, host: Browser, slim: bool, release: tuple[int, int]) -> None:
        self.host, self.slim, self.release = host, slim, release
        self.fn: Native
        statics = {"fn": Collection(), "noConflict": Native("noConflict", lambda t, a: self.fn)}
        statics.update({"getScript": Native("getScript", self._get_script),
                        "ajax": Native("ajax", self._ajax)} if not slim else {
                        "getScript": UNDEF, "ajax": UNDEF})
        self.fn = Native("jQuery", self._call, props=statics)

    def define(self) -> None:
        self.host.window.props["jQuery"] = self.host.window.props["$"] = self.fn

    # -- $(…) ---------------------------------------------------------------------------
    def _call(self, this, args):
        first = args[0] if args else UNDEF
        if isinstance(first, CALLABLE):
            self._ready(first)
            return self._wrap([self.host.document])
        if isinstance(first, str) and first.lstrip().startswith("<"):
            made = from_markup(Element("#fragment"), first, started=False).children
            attrs = args[1] if len(args) > 1 and isinstance(args[1], JSObject) else None
            for element in made if attrs is not None else []:
                for key, value in attrs.props.items():
                    element.attrs[key.lower()] = to_string(value)
            return self._wrap(made)
        return self._wrap(self._targets(first))

    def _targets(self, what) -> list:
        if isinstance(what, str):
            found = self.host._select([what], False)
            return found.items if isinstance(found, JSArray) else [UNKNOWN]
        if isinstance(what, JSObject) and isinstance(what.props.get("_items"), JSArray):
            return what.props["_items"].items
        return [what]

    def _wrap(self, items: list) -> JSObject:
        me = Collection()

        def chain(fn):
            def run(this, args):
                fn(items, args)
                return me
            return run
        me.props.update({str(i): item for i, item in enumerate(items)})
        me.props.update({
            "length": float(len(items)), "_items": JSArray(list(items)),
            "ready": Native("ready", chain(lambda items, a: self._ready(a[0] if a else UNDEF))),
            "on": Native("on", chain(self._on)), "one": Native("one", chain(self._on)),
            "append": Native("append", chain(lambda items, a: self._into(items[:1], a))),
            "prepend": Native("prepend", chain(lambda items, a: self._into(items[:1], a))),
            "html": Native("html", chain(lambda items, a: self._into(items[:1], a))),
            "appendTo": Native("appendTo", chain(lambda items, a: self._into(
                self._targets(a[0] if a else UNDEF)[:1], [me]))),
            "prependTo": Native("prependTo", chain(lambda items, a: self._into(
                self._targets(a[0] if a else UNDEF)[:1], [me]))),
            "attr": Native("attr", chain(self._attr)),
            "get": Native("get", lambda t, a: items[int(a[0])] if a and isinstance(
                a[0], float) and 0 <= a[0] < len(items) else JSArray(list(items)))})
        return me

    def _ready(self, fn) -> None:
        if isinstance(fn, CALLABLE):
            host = self.host
            host.queue.append((host._staged(fn, "domcontentloaded"), [self.fn], host.index,
                               host.in_head, host.line_of))

    def _on(self, items, args) -> None:
        events = to_string(args[0]).split() if args and isinstance(args[0], str) else []
        handler = next((a for a in args[1:] if isinstance(a, CALLABLE)), None)
        for item in items:
            for event in events:
                self.host._listen(item, [event, handler])

    def _attr(self, items, args) -> None:
        pairs = args[0].props.items() if args and isinstance(args[0], JSObject) else \
            [(args[0], args[1])] if len(args) > 1 else []
        for item in items:
            if isinstance(item, Element):
                for key, value in pairs:
                    item.attrs[to_string(key).lower()] = to_string(value)

    # -- manipulation: scripts go in disabled, then are loaded or run ---------------------
    def _into(self, targets: list, contents: list) -> None:
        if not targets:
            return
        nodes: list = []
        for content in contents:
            if isinstance(content, str):
                nodes += from_markup(Element("#fragment"), content).children
            else:
                nodes += [n for n in self._targets(content) if isinstance(n, Element)]
        scripts = [s for n in nodes for s in _scripts(n)]
        for script in scripts:
            script.started = True  # its type set to "true/…" while it goes in
        for node in nodes:
            self.host.insert(targets[0], node)
        for script in scripts:
            if script.place is None or not runs_as_script(script.attrs):
                continue
            src = script.attrs.get("src")
            if src is not None:
                module = str(script.attrs.get("type", "")).strip().lower() == "module"
                if not self.slim and not module and "nomodule" not in script.attrs:
                    self._load(str(src), {})
            elif known(script.text):
                self.host.run_nested(script.text)

    # -- ajax -----------------------------------------------------------------------------
    def _load(self, url: str, attrs: dict, done=None) -> JSObject:
        """The script transport: a new ``<script>`` in ``<head>``, its callbacks on load."""
        script = Element("script", {**attrs, "src": url})
        self.host.insert(self.host.head, script)
        if isinstance(done, CALLABLE):
            script.listeners.append(done)
        me = JSObject()

        def then(this, args):
            if args and isinstance(args[0], CALLABLE):
                script.listeners.append(args[0])
            return me
        me.props.update({name: Native(name, then) for name in ("done", "then", "always")})
        me.props["fail"] = me.props["catch"] = Native("fail", lambda t, a: me)
        return me

    def _get_script(self, this, args):
        url = to_string(args[0]) if args else "undefined"
        return self._load(url, {}, args[1] if len(args) > 1 else None)

    def _ajax(self, this, args):
        settings = {}
        for arg in args:
            if isinstance(arg, JSObject):
                settings.update(arg.props)
        url = args[0] if args and isinstance(args[0], str) else settings.get("url", UNKNOWN)
        if settings.get("dataType") != "script":
            return JSObject()  # data, not a script the audit follows
        extra = settings.get("scriptAttrs")
        attrs = {k.lower(): to_string(v) for k, v in extra.props.items()} if isinstance(
            extra, JSObject) and self.release >= (3, 4) else {}
        return self._load(to_string(url), attrs, settings.get("success"))


class Collection(JSObject):
    """What ``$(…)`` returns: a method the audit does not model (``addClass``, a plugin's)
    is one it cannot see, not a missing one that would stop the script."""

    missing = UNKNOWN


def _scripts(node) -> list[Element]:
    if not isinstance(node, Element):
        return []
    own = [node] if node.tag == "script" else []
    return own + [s for child in node.children for s in _scripts(child)]

