"""An abstract JavaScript evaluator over esprima's ESTree AST.

It runs a page's scripts the way a browser would as far as the code's own constants go:
string concatenations fold, IIFE parameters take their arguments, local functions are called,
constant branches are taken. What depends on the browser (the time, cookies, a global another
script set) is UNKNOWN: a branch on it takes the path that does something, and an unknown
part of a string is a HOLE. The DOM it runs against is modelled in ``dom.py``.
"""

from __future__ import annotations

from .globalscope import bound_names
from .jsexpr import Expressions
from .jsvalues import (
    UNDEF,
    UNKNOWN,
    Function,
    JSArray,
    JSObject,
    Native,
    strict_equal,
    truthy,
)
from .undeclared import browser_globals

MAX_STEPS = 50_000
MAX_DEPTH = 40
MAX_LOOP = 200


class Budget(Exception):
    """The code ran longer than an audit should follow it."""


class Throw(Exception):
    def __init__(self, value=UNKNOWN) -> None:
        self.value = value


class _Return(Exception):
    def __init__(self, value) -> None:
        self.value = value


class _Break(Exception):
    def __init__(self, label=None) -> None:
        self.label = label


class _Continue(_Break):
    pass


class Scope:
    """Names bound in one function, block or script; *strict* when its code is strict mode
    code (inherited from the enclosing scope unless given). A scope that *binds this* (a
    function's other than an arrow's, a module's, the global one) has the ``this`` its code
    sees; a block's or an arrow's is the enclosing one's."""

    def __init__(self, parent: Scope | None, this=UNDEF, names: dict | None = None,
                 strict: bool | None = None, binds_this: bool = False) -> None:
        self.parent, self.this, self.vars = parent, this, dict(names or {})
        self.strict: bool = strict if strict is not None else bool(parent and parent.strict)
        self.binds_this = binds_this or parent is None

    def find(self, name: str) -> Scope | None:
        scope: Scope | None = self
        while scope is not None and name not in scope.vars:
            scope = scope.parent
        return scope


class _Members(dict):
    """A ``with`` statement's object as a scope's names: a name it has a property of is
    that property, read and written through the host (``with (document) head``)."""

    def __init__(self, host, subject) -> None:
        super().__init__()
        self.host, self.subject = host, subject

    def __contains__(self, name) -> bool:
        value = self.host.get_member(self.subject, name)
        return value is not UNDEF and value is not UNKNOWN

    def __getitem__(self, name):
        return self.host.get_member(self.subject, name)

    def __setitem__(self, name, value) -> None:
        self.host.set_member(self.subject, name, value)


def is_strict(body: list) -> bool:
    """Whether a script's or function's *body* is strict mode code: a "use strict" among the
    string statements its directive prologue opens with. In strict code an assignment to a
    name nothing declared throws (a ReferenceError) where sloppy code makes a global."""
    for node in body:
        directive = getattr(node, "directive", None)
        if not isinstance(directive, str):
            return False
        if directive == "use strict":
            return True
    return False


_EXITS = ("ReturnStatement", "ThrowStatement", "BreakStatement", "ContinueStatement")


def _exits_only(node) -> bool:
    """Whether *node* does nothing but leave (``if (loaded) return;``)."""
    if node.type == "BlockStatement":
        return bool(node.body) and all(_exits_only(n) for n in node.body)
    return node.type in _EXITS


class Evaluator(Expressions):
    """Evaluate ESTree nodes in a global scope; *host* models the browser around the code."""

    def __init__(self, host) -> None:
        self.host = host
        self.steps = 0
        self.depth = 0
        self.globals = Scope(None, this=host.window)

    # -- scopes ------------------------------------------------------------------------
    def lookup(self, name: str, scope: Scope):
        found = scope.find(name)
        if found is not None:
            return found.vars[name]
        value = self.host.window.get(name)
        if value is UNKNOWN and name not in self.host.window.props and \
                self.host.undeclared.missing(name):
            raise Throw(UNKNOWN)  # ReferenceError: no code made it
        return value

    def assign_name(self, name: str, value, scope: Scope) -> None:
        found = scope.find(name)
        if found is None:
            if scope.strict and self._no_global(name):
                raise Throw(UNKNOWN)  # ReferenceError: strict code makes no implicit global
            self.host.window.set(name, value)
        else:
            found.vars[name] = value

    def _no_global(self, name: str) -> bool:
        """Whether the global object certainly has no property *name* yet: nothing the
        audit ran set or declared it (declarations are hoisted onto ``window``), it is no
        browser global nor an element's id, and no code the audit cannot see has run."""
        undeclared = self.host.undeclared
        return name not in self.host.window.props and not undeclared.unseen and \
            name not in browser_globals() and name not in undeclared.named()

    def hoist(self, body: list, scope: Scope) -> None:
        """Declare the ``var`` names and functions of *body*, as JavaScript does on entry."""
        for node in body:
            self._hoist(node, scope)

    def _hoist(self, node, scope: Scope) -> None:
        kind = node.type
        if kind == "FunctionDeclaration":
            if node.id is not None:
                scope.vars[node.id.name] = Function(node, scope)
            return
        if kind in ("FunctionExpression", "ArrowFunctionExpression"):
            return
        if kind == "ClassDeclaration":
            scope.vars.setdefault(node.id.name, UNDEF)
            return
        if kind == "VariableDeclaration":
            for declaration in node.declarations:
                for name in bound_names(declaration.id):
                    scope.vars.setdefault(name, UNDEF)
        for child in ("body", "consequent", "alternate", "block", "handler", "finalizer",
                      "cases", "init", "left"):
            value = getattr(node, child, None)
            for item in value if isinstance(value, list) else [value]:
                if item is not None and hasattr(item, "type"):
                    self._hoist(item, scope)

    # -- running -----------------------------------------------------------------------
    def run_program(self, program) -> None:
        """Run one script: its globals live on ``window``, shared with the page's others."""
        self.host.undeclared.ran(program)
        # A strict script's code runs in a scope of its own that holds nothing (its globals
        # are on window, as below), so that the next sloppy script is not strict too.
        scope = Scope(self.globals, strict=True) if is_strict(program.body) else self.globals
        self.hoist(program.body, self.globals)
        for name, value in self.globals.vars.items():
            if isinstance(value, Function) and value.scope is self.globals:
                value.scope = scope  # a strict script's functions are strict code too
            if isinstance(value, Function) or self.host.window.get(name) is UNKNOWN:
                self.host.window.set(name, value)
        self.globals.vars.clear()
        self.block(program.body, scope)

    def block(self, body: list, scope: Scope) -> None:
        for node in body:
            self.statement(node, scope)

    def tick(self) -> None:
        self.steps += 1
        if self.steps > MAX_STEPS:
            raise Budget()

    def statement(self, node, scope: Scope) -> None:
        self.tick()
        kind = node.type
        if kind == "ExpressionStatement":
            self.expr(node.expression, scope)
        elif kind == "VariableDeclaration":
            for declaration in node.declarations:
                if declaration.init is not None:
                    self.bind(declaration.id, self.expr(declaration.init, scope), scope)
        elif kind == "BlockStatement":
            self.block(node.body, scope)
        elif kind == "IfStatement":
            self.if_statement(node, scope)
        elif kind == "ReturnStatement":
            raise _Return(self.expr(node.argument, scope) if node.argument else UNDEF)
        elif kind == "ThrowStatement":
            raise Throw(self.expr(node.argument, scope))
        elif kind == "BreakStatement":
            raise _Break(node.label.name if node.label else None)
        elif kind == "ContinueStatement":
            raise _Continue(node.label.name if node.label else None)
        elif kind == "TryStatement":
            self.try_statement(node, scope)
        elif kind in ("ForStatement", "WhileStatement", "DoWhileStatement", "ForInStatement",
                      "ForOfStatement"):
            self.loop(node, scope)
        elif kind == "SwitchStatement":
            self.switch(node, scope)
        elif kind == "ClassDeclaration":
            self.assign_name(node.id.name, self._ClassExpression(node, scope), scope)
        elif kind == "WithStatement":  # (sloppy code only: strict code cannot parse it)
            subject = self.expr(node.object, scope)
            if subject is None or subject is UNDEF:
                raise Throw(UNKNOWN)  # TypeError: no object to look names up on
            inner = Scope(scope, scope.this)
            inner.vars = _Members(self.host, subject)
            self.statement(node.body, inner)
        elif kind == "LabeledStatement":
            try:
                self.statement(node.body, scope)
            except _Break as stop:
                if stop.label != node.label.name:
                    raise

    def if_statement(self, node, scope: Scope) -> None:
        test = truthy(self.expr(node.test, scope))
        if test is True:
            self.statement(node.consequent, scope)
        elif test is False:
            if node.alternate is not None:
                self.statement(node.alternate, scope)
        elif not (_exits_only(node.consequent) and node.alternate is None):
            # Unknown: follow the branch that does something; an early-exit guard
            # (``if (window.loaded) return;``) is taken as not yet true, as on a fresh page.
            before = self.host.activity()
            self.maybe(node.consequent, scope)
            if node.alternate is not None and self.host.activity() == before:
                self.maybe(node.alternate, scope)

    def maybe(self, node, scope: Scope) -> None:
        """Run a branch the browser may not take: an error in it is no certain stop."""
        try:
            self.statement(node, scope)
        except Throw:
            pass

    def try_statement(self, node, scope: Scope) -> None:
        try:
            self.statement(node.block, scope)
        except Throw as thrown:
            if node.handler is not None:
                inner = Scope(scope, scope.this)
                if node.handler.param is not None and node.handler.param.type == "Identifier":
                    inner.vars[node.handler.param.name] = thrown.value
                self.statement(node.handler.body, inner)
        finally:
            if node.finalizer is not None:
                self.statement(node.finalizer, scope)

    def loop(self, node, scope: Scope) -> None:
        kind = node.type
        if kind in ("ForInStatement", "ForOfStatement"):
            subject = self.expr(node.right, scope)
            if isinstance(subject, JSArray):
                keys = subject.items if kind == "ForOfStatement" else [
                    str(i) for i in range(len(subject.items))]
            elif isinstance(subject, JSObject) and kind == "ForInStatement":
                keys = list(subject.props)
            else:
                return
            target = node.left.declarations[0].id if node.left.type == \
                "VariableDeclaration" else node.left
            for key in keys[:MAX_LOOP]:
                self.bind(target, key, scope)
                if self._iteration(node.body, scope):
                    break
            return
        if kind == "ForStatement" and node.init is not None:
            if node.init.type == "VariableDeclaration":
                self.statement(node.init, scope)
            else:
                self.expr(node.init, scope)
        for count in range(MAX_LOOP):
            if kind != "DoWhileStatement" or count:
                if node.test is not None and truthy(self.expr(node.test, scope)) is not True:
                    return
            if self._iteration(node.body, scope):
                return
            if kind == "ForStatement" and node.update is not None:
                self.expr(node.update, scope)

    def _iteration(self, body, scope: Scope) -> bool:
        """Run one iteration; True when the loop breaks."""
        try:
            self.statement(body, scope)
        except _Continue as stop:
            if stop.label:
                raise
        except _Break as stop:
            if stop.label:
                raise
            return True
        return False

    def switch(self, node, scope: Scope) -> None:
        subject = self.expr(node.discriminant, scope)
        matched = False
        try:
            for case in node.cases:
                if not matched:
                    matched = case.test is None or strict_equal(
                        subject, self.expr(case.test, scope)) is True
                if matched:
                    self.block(case.consequent, scope)
        except _Break as stop:
            if stop.label:
                raise

    def bind(self, target, value, scope: Scope) -> None:
        kind = target.type
        if kind == "Identifier":
            self.assign_name(target.name, value, scope)
        elif kind == "MemberExpression":
            self.host.set_member(self.expr(target.object, scope), self.key(target, scope), value)
        elif kind == "AssignmentPattern":
            self.bind(target.left, self.expr(target.right, scope) if value is UNDEF else value,
                      scope)
        elif kind == "ObjectPattern":  # const {head} = document
            for prop in target.properties:
                if prop.type == "RestElement":
                    self.bind(prop.argument, UNKNOWN, scope)
                    continue
                name = self.expr(prop.key, scope) if prop.computed else (
                    prop.key.name if prop.key.type == "Identifier" else prop.key.value)
                self.bind(prop.value, self.host.get_member(value, name), scope)
        elif kind == "ArrayPattern":
            items = value.items if isinstance(value, JSArray) else []
            for index, element in enumerate(target.elements):
                if element is None:
                    continue
                if element.type == "RestElement":
                    self.bind(element.argument, JSArray(items[index:]), scope)
                else:
                    self.bind(element, items[index] if index < len(items) else (
                        UNDEF if isinstance(value, JSArray) else UNKNOWN), scope)

    # -- calls -------------------------------------------------------------------------
    def call(self, fn, this, args: list):
        if isinstance(fn, Native):
            return fn.fn(fn.this if fn.this is not None else this, args)
        if isinstance(fn, Function):
            return self.invoke(fn, this, args)
        if fn is UNKNOWN:
            # An API we cannot see (a ready() helper, a promise): its callbacks may run.
            self.host.unknown_call(args)
        return UNKNOWN

    def invoke(self, fn: Function, this, args: list):
        if self.depth >= MAX_DEPTH:
            return UNKNOWN
        node = fn.node
        if node is None:  # a class without a constructor, called without new
            raise Throw(UNKNOWN)
        body = node.body.body if node.body.type == "BlockStatement" else []
        arrow = node.type == "ArrowFunctionExpression"
        scope = Scope(fn.scope, UNDEF if arrow else this, binds_this=not arrow,
                      strict=fn.scope.strict or is_strict(body))
        if node.type != "ArrowFunctionExpression":
            scope.vars["arguments"] = JSArray(args)
        if node.type == "FunctionExpression" and node.id is not None:
            scope.vars[node.id.name] = fn
        for index, param in enumerate(node.params):
            if param.type == "RestElement":
                self.bind(param.argument, JSArray(args[index:]), scope)
                break
            value = args[index] if index < len(args) else UNDEF
            if param.type == "AssignmentPattern":
                if value is UNDEF:
                    value = self.expr(param.right, scope)
                param = param.left
            for name in bound_names(param):
                scope.vars[name] = UNDEF
            self.bind(param, value, scope)
        if getattr(node, "generator", False):
            # Run through once first iterated, what it yields kept: its side effects happen
            # then (all at once, where the browser steps), for…of and next() get the values.
            def run() -> list:
                yields = scope.vars[YIELDS] = JSArray()
                self._body(node, scope)
                return yields.items
            return Generated(run)
        return self._body(node, scope)

    def _body(self, node, scope):
        self.depth += 1
        try:
            if node.body.type != "BlockStatement":
                return self.expr(node.body, scope)
            self.hoist(node.body.body, scope)
            self.block(node.body.body, scope)
        except _Return as returned:
            return returned.value
        except _Break:
            return UNDEF
        finally:
            self.depth -= 1
        return UNDEF


YIELDS = "%yields"  # a generator's values, in its scope (no identifier can name it)
MAX_YIELDS = 1000


class Generated(JSArray):
    """What a generator function returns: its values (an array to the evaluator), computed
    when first read, and its iterator's ``next()``."""

    def __init__(self, run) -> None:
        self._run = None
        super().__init__()
        self._run, self._at = run, 0
        self.props["next"] = Native("next", self._next)

    @property
    def items(self) -> list:
        if self._run is not None:
            run, self._run = self._run, None
            self._items = run()
        return self._items

    @items.setter
    def items(self, value: list) -> None:
        self._items = value

    def _next(self, this, args):
        index, self._at = self._at, self._at + 1
        done = index >= len(self.items)
        return JSObject({"value": UNDEF if done else self.items[index], "done": done})


__all__ = ["Budget", "Evaluator", "Scope", "Throw"]
