"""ES modules as the browser links them: ``import … from`` runs the site's own module once
per address (the module map) before the importer's body, and binds what it exports."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING
from urllib.parse import urljoin, urlsplit

from .jsvalues import HOLE, UNKNOWN, Function, Global, JSObject

if TYPE_CHECKING:
    from .dom import Browser
    from .jseval import Evaluator, Scope

MAX_MODULES = 64


def _unseen() -> JSObject:
    """The exports of a module the audit cannot read: every name is unknown."""
    return Global()


def _join(base: str, specifier: str) -> str:
    """A URL-like specifier's address as the URL standard resolves it: the module map's key
    (an empty query, ``x.js?``, is another module than ``x.js``, as urljoin would not tell)."""
    from .page import resolve

    return resolve(base, specifier) or urljoin(base, specifier)


class Modules:
    """The page's module map: address -> exports, and how to read a module's code."""

    def __init__(self, host: Browser, base: str, read: Callable[[str], str | None],
                 imports: dict[str, str] | None = None) -> None:
        self.host, self.base, self.read = host, base, read
        self.exports: dict[str, JSObject] = {}
        # The import map: normalised specifier (or prefix ending in /) -> address, longest
        # first, as the browser matches them.
        self.imports = dict(sorted((imports or {}).items(), key=lambda kv: -len(kv[0])))

    @staticmethod
    def normalise(specifier: str, base: str) -> str:
        """A URL-like specifier as the address it names; a bare one as it is."""
        if specifier.startswith(("/", "./", "../")) or ":" in specifier:
            return _join(base, specifier)
        return specifier

    def resolve(self, specifier: str, importer: str | None) -> str | None:
        """A specifier's address, through the page's import map; None for a bare one the
        map does not name (``'lodash'``), which the browser cannot load."""
        url_like = specifier.startswith(("/", "./", "../", HOLE)) or ":" in specifier
        normal = _join(importer or self.base, specifier) if url_like else specifier
        for key, address in self.imports.items():
            if normal == key:
                return address
            if key.endswith("/") and normal.startswith(key):
                return address + normal[len(key):]
        return normal if url_like else None

    def load(self, specifier: str, importer: str | None, record: bool = True) -> JSObject:
        """Run the module at *specifier* once (its load recorded as an import, unless the
        caller did) and return its exports."""
        url = self.resolve(specifier, importer)
        if url is None:
            return _unseen()
        if url in self.exports:
            return self.exports[url]
        self.exports[url] = exports = _unseen()  # a cycle sees what is there so far
        if record:
            self.host.imported(url)
        if HOLE in url:
            return exports
        own = urlsplit(url).netloc == urlsplit(self.base).netloc
        code = self.read(urlsplit(url).path if own else url) if len(self.exports) <= \
            MAX_MODULES else None
        if code is None:
            return exports
        from .loaders import Unparsed, parse

        try:
            program = parse(code, True)
        except Unparsed:
            return exports
        self.exports[url] = run_module(self.host.running(), program, url, exports)
        for load in self.host.imports.get(url, ()):
            load.ran = True  # (see Inserted.ran)
        return self.exports[url]


def run_module(evaluator: Evaluator, program, url: str | None,
               exports: JSObject | None = None) -> JSObject:
    """Run a module: its imports first, then its body in a scope of its own."""
    from .jseval import Scope

    modules: Modules = evaluator.host.modules
    evaluator.host.undeclared.ran(program)
    # Module code is strict mode code, and its this is undefined.
    scope = Scope(evaluator.globals, strict=True, binds_this=True)
    body = program.body
    evaluator.hoist([n.declaration if n.type.startswith("Export") and getattr(
        n, "declaration", None) is not None and n.declaration.type.endswith("Declaration")
        else n for n in body], scope)
    made = JSObject()
    for node in body:
        if node.type == "ImportDeclaration":
            source = modules.load(node.source.value, url)
            for spec in node.specifiers:
                scope.vars[spec.local.name] = source if spec.type == \
                    "ImportNamespaceSpecifier" else source.get(
                        "default" if spec.type == "ImportDefaultSpecifier" else
                        spec.imported.name)
    for node in body:
        _statement(evaluator, node, scope, made, url)
    if exports is not None:
        exports.props.update(made.props)
        exports.missing = UNKNOWN
        return exports
    return made


def _statement(evaluator: Evaluator, node, scope: Scope, made: JSObject, url) -> None:
    kind = node.type
    if kind == "ImportDeclaration":
        return
    if kind == "ExportNamedDeclaration":
        if node.declaration is not None:
            evaluator.statement(node.declaration, scope)
            declared = node.declaration
            names = [d.id.name for d in declared.declarations if d.id.type == "Identifier"] \
                if declared.type == "VariableDeclaration" else [declared.id.name]
            for name in names:
                made.set(name, evaluator.lookup(name, scope))
        source = evaluator.host.modules.load(node.source.value, url) if node.source else None
        for spec in node.specifiers:
            made.set(spec.exported.name, source.get(spec.local.name) if source is not None
                     else evaluator.lookup(spec.local.name, scope))
    elif kind == "ExportDefaultDeclaration":
        declared = node.declaration
        if declared.type in ("FunctionDeclaration", "ClassDeclaration") and declared.id:
            evaluator.statement(declared, scope)
            made.set("default", evaluator.lookup(declared.id.name, scope))
        elif declared.type == "FunctionDeclaration":
            made.set("default", Function(declared, scope))
        else:
            made.set("default", evaluator.expr(declared, scope))
    elif kind == "ExportAllDeclaration":
        source = evaluator.host.modules.load(node.source.value, url)
        made.props.update({k: v for k, v in source.props.items() if k != "default"})
    else:
        evaluator.statement(node, scope)
