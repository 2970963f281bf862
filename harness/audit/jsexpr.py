"""Expressions of the abstract JavaScript evaluator: constants fold, strings concatenate
(an unknown part becomes a HOLE), members and calls go through the modelled browser."""

from __future__ import annotations

import math
import operator
from collections.abc import Callable
from typing import TYPE_CHECKING

from .jsregex import RegExp
from .jsvalues import (
    HOLE,
    UNDEF,
    UNKNOWN,
    Function,
    Getter,
    JSArray,
    JSObject,
    Native,
    known,
    loose_equal,
    strict_equal,
    to_number,
    to_string,
    truthy,
    type_of,
)

if TYPE_CHECKING:
    from .jseval import Scope


def _throw():
    from .jseval import Throw

    return Throw(UNKNOWN)

MAX_STRING = 64 * 1024  # a longer string is not a script address: keep it as unknown
_ARITH = {"-": operator.sub, "*": operator.mul, "/": operator.truediv, "%": math.fmod}
_COMPARE = {"<": operator.lt, ">": operator.gt, "<=": operator.le, ">=": operator.ge}


class Expressions:
    """Mixed into the evaluator: ``expr(node, scope)`` for every ESTree expression it knows
    (anything else is UNKNOWN)."""

    tick: Callable[[], None]  # the evaluator's step budget

    def key(self, node, scope: Scope):
        if node.computed:
            value = self.expr(node.property, scope)
            return value if isinstance(value, float) else to_string(value)
        return node.property.name

    def expr(self, node, scope: Scope):
        self.tick()
        method = getattr(self, "_" + node.type, None)
        return method(node, scope) if method else UNKNOWN

    def _Literal(self, node, scope):
        regex = getattr(node, "regex", None)
        if regex is not None:
            return RegExp(str(regex.pattern), str(regex.flags or ""))
        value = node.value
        if isinstance(value, bool) or value is None or isinstance(value, str):
            return value
        if isinstance(value, (int, float)):
            return float(value)
        return UNKNOWN  # a regular expression

    def _Identifier(self, node, scope):
        if node.name == "undefined" and scope.find("undefined") is None:
            return UNDEF
        return self.lookup(node.name, scope)

    def _ThisExpression(self, node, scope):
        # The nearest scope that binds this: a plain call gives a function undefined, which
        # sloppy code sees as the window and strict code as it is (this.x then throws).
        while not scope.binds_this:
            scope = scope.parent
        if scope.this is UNDEF or scope.this is None:
            return scope.this if scope.strict else self.host.window
        return scope.this

    def _TemplateLiteral(self, node, scope):
        parts = []
        for index, quasi in enumerate(node.quasis):
            parts.append(quasi.value.cooked or "")
            if index < len(node.expressions):
                parts.append(to_string(self.expr(node.expressions[index], scope)))
        joined = "".join(parts)
        return joined if len(joined) <= MAX_STRING else HOLE

    def _ArrayExpression(self, node, scope):
        items = []
        for element in node.elements:
            if element is None:
                items.append(UNDEF)
            elif element.type == "SpreadElement":
                items += _spread(self.expr(element.argument, scope))
            else:
                items.append(self.expr(element, scope))
        return JSArray(items)

    def _ObjectExpression(self, node, scope):
        result = JSObject()
        for prop in node.properties:
            if prop.type == "SpreadElement":  # {...base}: its own properties, copied
                spread = self.expr(prop.argument, scope)
                if isinstance(spread, JSObject) and not isinstance(spread, JSArray):
                    result.props.update(spread.props)
                continue
            if prop.type != "Property":
                continue
            if prop.computed:
                name = to_string(self.expr(prop.key, scope))
            else:
                name = prop.key.name if prop.key.type == "Identifier" else to_string(
                    self._Literal(prop.key, scope))
            accessor = result.props.get(name)
            accessor = accessor if isinstance(accessor, Getter) else Getter(None)
            if prop.kind == "get":  # read through: { get src() { return base + '…' } }
                accessor.fn = self.expr(prop.value, scope)
                result.set(name, accessor)
            elif prop.kind == "set":  # { set site(v) { s.dataset.site = v; } }
                accessor.setter = self.expr(prop.value, scope)
                result.set(name, accessor)
            else:
                result.set(name, self.expr(prop.value, scope))
        return result

    def _FunctionExpression(self, node, scope):
        return Function(node, scope)

    _ArrowFunctionExpression = _FunctionExpression

    def _SequenceExpression(self, node, scope):
        value = UNDEF
        for item in node.expressions:
            value = self.expr(item, scope)
        return value

    def _YieldExpression(self, node, scope):
        """``yield x`` (``yield* xs``): kept for the generator's caller (see ``invoke``)."""
        from .jseval import MAX_YIELDS, YIELDS, _Return

        value = self.expr(node.argument, scope) if node.argument is not None else UNDEF
        home = scope.find(YIELDS)
        if home is not None:
            kept = home.vars[YIELDS].items
            kept += (_spread(value) if node.delegate else [value])[:MAX_YIELDS - len(kept)]
            if len(kept) >= MAX_YIELDS:
                raise _Return(UNDEF)  # an endless generator ends here, not the script
        return UNKNOWN

    def _AwaitExpression(self, node, scope):
        value = self.expr(node.argument, scope)
        settle = getattr(value, "settle", None)  # a promise the audit follows
        return settle() if settle is not None else value

    def _UnaryExpression(self, node, scope):
        if node.operator == "typeof" and node.argument.type == "Identifier" and \
                scope.find(node.argument.name) is None:
            name = node.argument.name
            value = self.host.window.get(name)
            return "undefined" if value is UNKNOWN and name not in self.host.window.props and \
                self.host.undeclared.missing(name) else type_of(value)
        if node.operator == "delete":
            return UNKNOWN  # (it reads nothing: an undeclared name does not throw)
        value = self.expr(node.argument, scope)
        if node.operator == "!":
            test = truthy(value)
            return UNKNOWN if test is None else not test
        if node.operator == "typeof":
            return type_of(value)
        if node.operator == "void":
            return UNDEF
        number = to_number(value)
        if node.operator in ("-", "+") and number is not UNKNOWN:
            return -number if node.operator == "-" else number
        return UNKNOWN

    def _UpdateExpression(self, node, scope):
        old = to_number(self.expr(node.argument, scope))
        new = old + (1 if node.operator == "++" else -1) if old is not UNKNOWN else UNKNOWN
        self.bind(node.argument, new, scope)
        return new if node.prefix else old

    def _LogicalExpression(self, node, scope):
        left = self.expr(node.left, scope)
        if node.operator == "??":
            return self.expr(node.right, scope) if left in (None, UNDEF, UNKNOWN) else left
        test = truthy(left)
        if node.operator == "||":
            return left if test else self.expr(node.right, scope) if test is False else \
                self._maybe(node.right, scope)
        # '&&' with an unknown left side goes on, as the code's author expects it to.
        return left if test is False else self.expr(node.right, scope) if test else \
            self._maybe(node.right, scope)

    def _maybe(self, node, scope):
        """What a side the browser may not evaluate gives: an error in it is no certain
        stop (UNKNOWN then)."""
        from .jseval import Throw

        try:
            return self.expr(node, scope)
        except Throw:
            return UNKNOWN

    def _ConditionalExpression(self, node, scope):
        test = truthy(self.expr(node.test, scope))
        if test is not None:
            return self.expr(node.consequent if test else node.alternate, scope)
        # Unknown: ``typeof CUSTOM_URL !== 'undefined' ? CUSTOM_URL : '…'`` is an override
        # a page rarely sets: take the side the audit can read.
        chosen = self._maybe(node.consequent, scope)
        if known(chosen):
            return chosen
        other = self._maybe(node.alternate, scope)
        return other if known(other) else chosen

    def _BinaryExpression(self, node, scope):
        left, right = self.expr(node.left, scope), self.expr(node.right, scope)
        return self.binary(node.operator, left, right)

    def binary(self, op: str, left, right):
        if op == "+":
            if isinstance(left, (str, JSArray)) or isinstance(right, (str, JSArray)):
                joined = to_string(left) + to_string(right)
                return joined if len(joined) <= MAX_STRING else HOLE
            a, b = to_number(left), to_number(right)
            return a + b if isinstance(a, float) and isinstance(b, float) else UNKNOWN
        if op in ("===", "!=="):
            equal = strict_equal(left, right)
        elif op in ("==", "!="):
            equal = loose_equal(left, right)
        else:
            a, b = to_number(left), to_number(right)
            if not (isinstance(a, float) and isinstance(b, float)) or \
                    op not in {**_ARITH, **_COMPARE}:
                return UNKNOWN  # a number only the browser knows
            if op in _COMPARE:
                return _COMPARE[op](a, b)
            try:
                return float(_ARITH[op](a, b))
            except (ZeroDivisionError, ValueError):
                return math.nan
        if equal is UNKNOWN:
            return UNKNOWN
        return equal if op in ("===", "==") else not equal

    def _AssignmentExpression(self, node, scope):
        if node.operator == "=":
            value = self.expr(node.right, scope)
        elif node.operator in ("||=", "&&=", "??="):
            current = self.expr(node.left, scope)
            keep = {"||=": truthy(current) is True, "&&=": truthy(current) is False,
                    "??=": current not in (None, UNDEF, UNKNOWN)}[node.operator]
            if keep:
                return current
            value = self.expr(node.right, scope)
        else:
            value = self.binary(node.operator[:-1], self.expr(node.left, scope),
                                self.expr(node.right, scope))
        self.bind(node.left, value, scope)
        return value

    def _MemberExpression(self, node, scope):
        subject = self.expr(node.object, scope)
        return self.host.get_member(subject, self.key(node, scope))

    def _CallExpression(self, node, scope):
        args = []
        for arg in node.arguments:
            if arg.type == "SpreadElement":
                args += _spread(self.expr(arg.argument, scope))
            else:
                args.append(self.expr(arg, scope))
        callee = node.callee
        if callee.type == "Super" or callee.type == "MemberExpression" and \
                callee.object.type == "Super":
            return self._super_call(node, scope, args)
        return self._call_at(node, callee, scope, args)

    def _super_call(self, node, scope, args):
        """``super(…)`` runs the superclass's constructor on this; ``super.m(…)`` its
        method, on this."""
        home = scope.find(SUPER)
        if home is None:
            return UNKNOWN
        parent, this = home.vars[SUPER], self._ThisExpression(node, scope)
        callee = node.callee
        fn = parent if callee.type == "Super" else self.host.get_member(
            parent.get("prototype"), self.key(callee, scope))
        if fn is parent and parent.node is None:
            return UNDEF
        self.host.at(node)
        return self.call(fn, this, args)

    def _NewExpression(self, node, scope):
        callee = self.expr(node.callee, scope)
        args = [self.expr(arg, scope) for arg in node.arguments
                if arg.type != "SpreadElement"]
        if isinstance(callee, Function):  # a constructor (or class) the page wrote
            this = JSObject(proto=callee.get("prototype"))
            made = self.invoke(callee, this, args) if callee.node is not None else UNDEF
            return made if isinstance(made, (JSObject, Function)) else this
        if isinstance(callee, Native):  # URL, Function: the builtins construct as called
            return self.call(callee, UNDEF, args)
        if callee is UNKNOWN and node.callee.type == "Identifier" and \
                node.callee.name == "Promise" and args and isinstance(args[0], Function):
            self.invoke(args[0], UNDEF, [UNKNOWN, UNKNOWN])  # an executor runs at once
        elif callee is UNKNOWN:
            self.host.unknown_call(args)
        return UNKNOWN

    def _Import(self, node, scope):
        """``import(specifier)``: the browser loads and runs it as a module."""
        return self.host.dynamic_import

    def _TaggedTemplateExpression(self, node, scope):
        """``tag`…${x}…```: the tag gets the cooked strings (with ``raw``), then the
        values (``String.raw`…``` among them)."""
        quasi = node.quasi
        strings = JSArray([q.value.cooked if q.value.cooked is not None else UNDEF
                           for q in quasi.quasis])
        strings.props["raw"] = JSArray([q.value.raw for q in quasi.quasis])
        values = [self.expr(e, scope) for e in quasi.expressions]
        return self._call_at(node, node.tag, scope, [strings, *values])

    def _call_at(self, node, callee, scope, args):
        """Call what *callee* names, with the object it is read from as ``this``."""
        if callee.type == "MemberExpression":
            this = self.expr(callee.object, scope)
            fn = self.host.get_member(this, self.key(callee, scope))
        else:
            this, fn = UNDEF, self.expr(callee, scope)
            if fn is UNDEF or fn is None:
                if self.host.lenient_members:  # perhaps f?.() (loaders._run)
                    return UNDEF
                raise _throw()  # TypeError: not a function
        self.host.at(node)
        return self.call(fn, this, args)

    def _ClassExpression(self, node, scope):
        """A class: its constructor is the function, its methods go on the prototype and
        its static methods on the class; a superclass's prototype is the prototype's, its
        constructor the class's when it has none, and ``super`` reaches both."""
        body = node.body.body
        ctor = next((m.value for m in body if m.type == "MethodDefinition" and
                     m.kind == "constructor"), None)
        parent = self.expr(node.superClass, scope) if node.superClass is not None else None
        made = None
        from .jseval import Scope

        # A class's code is strict mode code, whatever the code around it is.
        scope = Scope(scope, scope.this, strict=True)
        if isinstance(parent, Function):
            scope.vars[SUPER] = parent
            if ctor is None:  # the implicit constructor: the superclass's, in its own scope
                made = Function(parent.node, parent.scope)
        made = made or Function(ctor, scope)
        prototype = made.get("prototype")
        if isinstance(parent, Function):
            prototype.proto = parent.get("prototype")
        for member in body:
            if member.type != "MethodDefinition" or member.kind not in ("method", "get"):
                continue
            name = to_string(self.expr(member.key, scope)) if member.computed else (
                member.key.name if member.key.type == "Identifier" else
                to_string(member.key.value))
            method = Function(member.value, scope)
            (made if member.static else prototype).set(
                name, Getter(method) if member.kind == "get" else method)
        return made


SUPER = "%super"  # a class's superclass, in its methods' scope (no identifier can name it)


def _spread(value) -> list:
    """What ``...value`` gives: an array's items, a known string's characters."""
    if isinstance(value, JSArray):
        return list(value.items)
    if isinstance(value, str) and known(value) and len(value) <= MAX_STRING:
        return list(value)
    return [UNKNOWN]
