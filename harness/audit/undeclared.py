"""Which global names certainly do not exist when a script reads them, so that reading one
throws (a ReferenceError for ``undefinedFn()``, a TypeError for ``window.cfg.site``) and
stops a classic script there, as in the browser.

A name is certainly missing only when nothing that may have run before could have made it:
it is no property of the browser's global object (``browser_globals.json``, Chromium's and
Firefox's), no element's ``id`` or ``name`` (named access on ``window``), no name any code
that has run so far declares, assigns or spells as a string or key (``defined_by``: what the
evaluator may have left unfollowed, a branch it did not take), and no code the audit cannot
see has run yet (another origin's script, a tag container, the tracker, a script it cannot
parse or follow to its end): from then on any name may exist.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from functools import lru_cache

from ..resources import shipped

# Vendor-prefixed names a browser build may add (webkitURL, mozInnerScreenX…).
_PREFIXES = ("webkit", "moz", "ms", "on")


@lru_cache(maxsize=1)
def browser_globals() -> frozenset[str]:
    data = json.loads(shipped("audit", "browser_globals.json").read_text())
    # (import_meta: downlevel.py's spelling of import.meta; the rest exist on some pages
    # only, so the pages the list was read from lacked them: SharedArrayBuffer on a
    # cross-origin isolated page, Shared Storage where the browser enables it)
    return frozenset(data["names"]) | {"chrome", "arguments", "import_meta",
                                       "SharedArrayBuffer", "sharedStorage", "SharedStorage",
                                       "SharedStorageWorklet"}


_DEFINES = "_wt_defines"  # a parsed program's names, kept on it (parses are cached)


def defined_by(program) -> frozenset[str]:
    """Every name *program* might make a global: declared (anywhere in it), assigned as a
    name or a member (``x =``, ``o.x =``), a key of an object literal, a string."""
    cached = getattr(program, _DEFINES, None)
    if cached is not None:
        return cached
    names: set[str] = set()
    stack = [program]
    while stack:
        node = stack.pop()
        if isinstance(node, list):
            stack.extend(node)
            continue
        kind = getattr(node, "type", None)
        if kind is None:
            continue
        if kind == "Identifier":
            continue  # a reference; bindings are taken where they are made, below
        if kind == "Literal" and isinstance(node.value, str):
            names.add(node.value)
            names.update(_markup_names(node.value))
        elif kind in ("VariableDeclarator", "FunctionDeclaration", "FunctionExpression",
                      "ClassDeclaration", "ClassExpression", "ArrowFunctionExpression",
                      "CatchClause", "ImportSpecifier", "ImportDefaultSpecifier",
                      "ImportNamespaceSpecifier"):
            for key in ("id", "param", "local"):
                _bound(getattr(node, key, None), names)
            for param in getattr(node, "params", None) or []:
                _bound(param, names)
        elif kind in ("AssignmentExpression", "ForInStatement", "ForOfStatement"):
            _bound(node.left, names)
        elif kind == "UpdateExpression":
            _bound(node.argument, names)
        elif kind == "Property" and not node.computed:
            names.add(getattr(node.key, "name", None) or str(getattr(node.key, "value", "")))
        elif kind == "TemplateElement":
            names.add(str(node.value.cooked or ""))
            names.update(_markup_names(str(node.value.cooked or "")))
        stack.extend(v for k, v in vars(node).items() if k not in ("type", "loc"))
    frozen = frozenset(names)
    try:
        setattr(program, _DEFINES, frozen)
    except AttributeError:
        pass
    return frozen


# An element's id or name in markup a script writes (document.write, innerHTML,
# insertAdjacentHTML): the browser makes a global of it.
_MARKUP_NAME = re.compile(r"""(?i)<[a-z][^>]*?\s(?:id|name)\s*=\s*["']?([^"'\s>]+)""")


def _markup_names(text: str) -> list[str]:
    return _MARKUP_NAME.findall(text) if "<" in text else []


def _bound(pattern, names: set[str]) -> None:
    """The names a target binds or assigns: ``x``, ``o.x``, ``{x, y: [z]}``."""
    kind = getattr(pattern, "type", None)
    if kind == "Identifier":
        names.add(pattern.name)
    elif kind == "MemberExpression":
        if not pattern.computed:
            names.add(pattern.property.name)
    elif kind == "VariableDeclaration":
        for item in pattern.declarations:
            _bound(item.id, names)
    elif kind == "ObjectPattern":
        for prop in pattern.properties:
            _bound(prop.argument if prop.type == "RestElement" else prop.value, names)
    elif kind == "ArrayPattern":
        for element in pattern.elements:
            _bound(element, names)
    elif kind in ("AssignmentPattern", "RestElement"):
        _bound(getattr(pattern, "left", None) or getattr(pattern, "argument", None), names)


class Undeclared:
    """What may exist on a page's global object so far (see the module's docstring)."""

    def __init__(self, soup=None) -> None:
        self.soup = soup
        self.defined: set[str] = set()
        self._unseen = False
        self.on_unseen: Callable[[], None] | None = None  # told each time unseen code runs
        self._named: set[str] | None = None

    @property
    def unseen(self) -> bool:
        """Whether code the audit cannot see may have run."""
        return self._unseen

    @unseen.setter
    def unseen(self, value: bool) -> None:
        self._unseen = value
        if value and self.on_unseen is not None:
            self.on_unseen()

    def assume_unseen(self) -> None:
        """Code the audit does not read but knows ran (the tracker's own): globals may
        exist, and no run is in doubt for it."""
        self._unseen = True

    def ran(self, program) -> None:
        """*program* runs (a script, a module, eval'd or Function code)."""
        self.defined |= defined_by(program)

    def named(self) -> set[str]:
        """The ids and names of the page's elements: globals the browser makes of them."""
        if self._named is None:
            self._named = set()
            if self.soup is not None:
                for tag in self.soup.find_all(True):
                    for key in ("id", "name"):
                        value = tag.get(key)
                        if isinstance(value, str):
                            self._named.add(value)
        return self._named

    def missing(self, name: object) -> bool:
        """Whether *name* (not among the global object's properties set so far) certainly
        does not exist: reading it throws."""
        if self.unseen or not isinstance(name, str) or not name:
            return False
        return name not in browser_globals() and not name.startswith(_PREFIXES) and \
            name not in self.defined and name not in self.named()
