"""Module loaders as the audit models them: RequireJS and SystemJS, whose tag defines the
calls through which a page loads scripts (as ``jquery.py`` does for jQuery; the library is
never run: a CDN's copy is not at hand offline).

RequireJS 2 (``require.js``, ``require.min.js``) defines ``require`` and ``requirejs``: each
module of ``require([…], fn)`` is loaded by a new ``<script>`` put in ``<head>`` (``async``,
``charset="utf-8"``, ``data-requirecontext`` and ``data-requiremodule``, nothing else: a
tracker loaded so names no site), once per module; an address ending in ``.js``, starting
with ``/`` or with a scheme is loaded as it is, any other id from ``baseUrl`` (the page's
directory, or ``require.config``'s; its ``paths`` map ids) with ``.js`` added; ``fn`` runs
once they have loaded. A tag's ``data-main`` is such a module, its directory the
``baseUrl``. SystemJS 6 (``s.js``, ``system.js`` and their minified builds) defines
``System``: ``System.import(url)`` puts in ``<head>`` an ``async`` script of that address
(``crossorigin="anonymous"`` from another origin), removed once it has loaded.
"""

from __future__ import annotations

import re
from urllib.parse import urljoin, urlsplit

from .dom import Browser
from .jsvalues import UNDEF, UNKNOWN, JSArray, JSObject, Native, known
from .nodes import Element
from .pagestate import CALLABLE

_REQUIRE = re.compile(r"^require(?:js)?(?:[-.]\d[\w.-]*?)?(?:\.min)?\.js$", re.I)
_SYSTEM = re.compile(r"^(?:s|system)(?:\.min)?\.js$", re.I)


def kind(src: str | None) -> str | None:
    """``requirejs``, ``systemjs`` or None for a script address."""
    path = urlsplit(src or "").path
    name = path.rsplit("/", 1)[-1]
    if _REQUIRE.match(name):
        return "requirejs"
    if _SYSTEM.match(name) and "systemjs" in path.lower():
        return "systemjs"
    return None


def undefined(host: Browser, which: str) -> None:
    """The globals a loader defines, as they are before its tag ran: not defined."""
    for name in ("require", "requirejs", "define") if which == "requirejs" else ("System",):
        host.window.props.setdefault(name, UNDEF)


def install(host: Browser, src: str, attrs: dict) -> None:
    """Define the loader's globals, as the library at *src* does once it ran."""
    if kind(src) == "systemjs":
        host.window.props["System"] = JSObject({"import": Native(
            "import", lambda t, a: _system_import(host, a))})
        return
    loader = RequireJS(host)
    require = Native("require", loader.require, props={
        "config": Native("config", loader.config)})
    host.window.props.update({"require": require, "requirejs": require,
                              "define": Native("define", lambda t, a: UNDEF)})
    main = attrs.get("data-main")
    if isinstance(main, str) and main:
        loader.base = main.rsplit("/", 1)[0] + "/" if "/" in main else "./"
        module = main.rsplit("/", 1)[-1]
        loader.require(None, [JSArray([module[:-3] if module.endswith(".js") else module])])


def _put_in(host: Browser, attrs: dict) -> None:
    host.insert(host.head, Element("script", attrs))


def _system_import(host: Browser, args: list):
    url = args[0] if args else UNDEF
    if isinstance(url, str) and known(url):
        address = urljoin(host.base_uri, url)
        attrs = {"async": "", "src": address}
        if "{0.scheme}://{0.netloc}".format(urlsplit(address)) != "{0.scheme}://{0.netloc}".format(
                urlsplit(host.base)):
            attrs["crossorigin"] = "anonymous"
        _put_in(host, attrs)
    else:
        host.undeclared.unseen = True
    from .asyncapis import UNSURE, JSPromise

    return JSPromise(host, UNSURE, UNKNOWN)


class RequireJS:
    def __init__(self, host: Browser) -> None:
        self.host = host
        self.base: str | None = None
        self.paths: dict[str, str] = {}
        self.loaded: set[str] = set()

    def config(self, this, args):
        settings = args[0] if args and isinstance(args[0], JSObject) else JSObject()
        base = settings.props.get("baseUrl")
        if isinstance(base, str) and known(base):
            self.base = base if base.endswith("/") else base + "/"
        paths = settings.props.get("paths")
        if isinstance(paths, JSObject):
            self.paths.update({k: v for k, v in paths.props.items() if isinstance(v, str)})
        return UNDEF

    def address(self, module: str) -> str:
        """The address RequireJS loads *module* from (resolved as the script's src)."""
        if module.endswith(".js") or module.startswith("/") or ":" in module:
            return module
        path = self.paths.get(module, module)
        if path.startswith("/") or ":" in path:
            return path + ".js"
        return (self.base or "./") + path + ".js"

    def require(self, this, args):
        first = args[0] if args else UNDEF
        if isinstance(first, JSObject) and not isinstance(first, JSArray):
            self.config(this, [first])  # require({config}, [deps], fn)
            args = args[1:]
            first = args[0] if args else UNDEF
        modules = first.items if isinstance(first, JSArray) else [first] if isinstance(
            first, str) else []
        for module in modules:
            if not isinstance(module, str) or not known(module):
                self.host.undeclared.unseen = True
                continue
            address = self.address(module)
            if address not in self.loaded:
                self.loaded.add(address)
                _put_in(self.host, {"type": "text/javascript", "charset": "utf-8",
                                    "async": "", "data-requirecontext": "_",
                                    "data-requiremodule": module, "src": address})
        done = args[1] if len(args) > 1 else UNDEF
        if isinstance(done, CALLABLE):
            self.host.queue.append((done, [UNKNOWN] * len(modules), self.host.index,
                                    self.host.in_head, self.host.line_of))
        return UNDEF
