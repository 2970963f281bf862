"""Mutation operators for the edits a person makes, beyond the classic ones in operators.py.

Stryker's method-expression, optional-chaining and nullish kinds, PIT's argument and
assignment removals, and edits that reorder or rename: a method swapped for its sibling
(``indexOf`` → ``lastIndexOf``) or dropped (``x.trim()`` → ``x``), one property, element or
argument removed, two arguments or two adjacent statements swapped, an event listener's
options changed or its event renamed, an event or DOM property read from its look-alike
(``pageX`` → ``clientX``), ``new`` removed. Each proposal is ``(operator, start, end,
replacement)``: most replace one node, a swap replaces the span of two.

These run after the classic operators, so a program both make keeps its classic id.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from esprima.nodes import Node

METHOD_SWAP = {
    "indexOf": "lastIndexOf", "lastIndexOf": "indexOf", "startsWith": "endsWith",
    "endsWith": "startsWith", "toLowerCase": "toUpperCase", "toUpperCase": "toLowerCase",
    "toLocaleLowerCase": "toLocaleUpperCase", "toLocaleUpperCase": "toLocaleLowerCase",
    "some": "every", "every": "some", "trimStart": "trimEnd", "trimEnd": "trimStart",
    "min": "max", "max": "min", "pop": "shift", "shift": "pop", "round": "floor",
    "floor": "ceil", "ceil": "floor", "pushState": "replaceState", "replaceState": "pushState",
    "apply": "call", "encodeURIComponent": "encodeURI", "decodeURIComponent": "decodeURI",
    "querySelector": "querySelectorAll", "getAttribute": "hasAttribute",
}
# Calls whose result is their receiver transformed: removing the call leaves the receiver.
METHOD_REMOVED = {"trim", "trimStart", "trimEnd", "slice", "substring", "substr", "filter",
                  "sort", "reverse", "toLowerCase", "toUpperCase", "closest", "concat"}
# Functions of one value whose result stands for it: removing the call leaves the value.
UNWRAPPED = {"encodeURIComponent", "decodeURIComponent", "encodeURI", "decodeURI", "String",
             "Number", "Boolean", "Math.round", "Math.floor", "Math.ceil", "Math.trunc",
             "Math.abs", "JSON.stringify", "JSON.parse", "parseInt", "parseFloat"}
# Properties read from their look-alike: each is a real property that holds a different value.
MEMBER_SWAP = {
    "pageX": "clientX", "pageY": "clientY", "clientX": "pageX", "clientY": "pageY",
    "scrollX": "scrollY", "scrollY": "scrollX", "left": "right", "top": "bottom",
    "width": "height", "height": "width", "host": "hostname", "hostname": "host",
    "origin": "host", "key": "code", "target": "currentTarget", "button": "buttons",
    "search": "hash", "href": "pathname", "pathname": "href", "currentScript": "activeElement",
    "referrer": "URL",
}
# Event names a listener could plausibly be given instead.
EVENT_SWAP = {
    "mousedown": ("pointerdown", "mouseup"), "click": ("mouseup",),
    "auxclick": ("contextmenu", "mouseup"), "keydown": ("keyup", "keypress"),
    "pagehide": ("unload", "beforeunload"), "pageshow": ("load",), "popstate": ("hashchange",),
    "visibilitychange": ("blur",), "DOMContentLoaded": ("load",),
}
LISTENING = {"addEventListener", "on"}
STATEMENT_LISTS = ("Program", "BlockStatement", "SwitchCase")
HOISTED = {"FunctionDeclaration", "EmptyStatement"}


def _text(source: str, node: Node) -> str:
    return source[node.range[0]:node.range[1]]


def _name(source: str, callee: Node) -> str:
    """``Math.round`` for a member callee, the identifier's name for a plain one."""
    return _text(source, callee) if callee.type in ("Identifier", "MemberExpression") else ""


def proposals(source: str, node: Node, parent: Node | None, key: str,
              facts: Facts) -> Iterator[tuple[str, int, int, str]]:
    """Yield (operator, start, end, replacement) for one node."""
    kind = node.type
    start, end = node.range
    used = parent is None or parent.type != "ExpressionStatement"
    if kind == "CallExpression":
        yield from _call(source, node, used)
    if kind in ("CallExpression", "NewExpression"):
        yield from _arguments(source, node, facts)
    if kind == "NewExpression":
        yield "new-removal", start, end, _text(source, node)[len("new"):].lstrip()
    if kind == "MemberExpression" and not node.computed and node.property.name in MEMBER_SWAP \
            and not (parent is not None and parent.type == "CallExpression"
                     and key == "callee"):
        left = node.property.range[0]
        yield "member-swap", left, node.property.range[1], MEMBER_SWAP[node.property.name]
    if kind == "LogicalExpression" and node.operator == "||" and not _mixes(node, parent):
        yield "nullish-coalescing", start, end, _operator(source, node, "??")
    if kind == "ObjectExpression" and len(node.properties) > 1:
        for i in range(len(node.properties)):
            yield "object-member-removal", *_without(source, node, node.properties, i)
    if kind == "ArrayExpression" and len(node.elements) > 1:
        for i in range(len(node.elements)):
            yield "array-element-removal", *_without(source, node, node.elements, i)
    if kind == "AssignmentExpression" and node.operator == "=" and (
            used or _has_call(node.right)):
        yield "assignment-removal", start, end, _operand(source, node.right)
    if kind == "Literal" and getattr(node, "regex", None) is not None:
        for pattern in _regex_variants(node.regex.pattern):
            yield "regex-variant", start, end, f"/{pattern}/{node.regex.flags}"
    if kind == "Literal" and isinstance(node.value, str) and parent is not None and \
            parent.type == "CallExpression" and key == "arguments" and \
            node is parent.arguments[0] and _callee_name(parent) in LISTENING:
        for other in EVENT_SWAP.get(node.value, ()):
            yield "event-name", start, end, f'"{other}"'
    if kind in STATEMENT_LISTS:
        yield from _swaps(source, node, facts)


def _call(source: str, node: Node, used: bool) -> Iterator[tuple[str, int, int, str]]:
    callee = node.callee
    start, end = node.range
    method = callee.property.name if callee.type == "MemberExpression" and \
        not callee.computed else None
    name = method or (callee.name if callee.type == "Identifier" else None)
    if name in METHOD_SWAP and (method or name.endswith("URIComponent")):
        at = callee.property.range if method else callee.range
        yield "method-expression", at[0], at[1], METHOD_SWAP[name]
    if method in METHOD_REMOVED and used:
        yield "method-expression", start, end, _operand(source, callee.object)
    if used and len(node.arguments) == 1 and _name(source, callee) in UNWRAPPED and \
            node.arguments[0].type != "SpreadElement":
        yield "call-unwrap", start, end, _operand(source, node.arguments[0])
    if method == "addEventListener" and len(node.arguments) in (2, 3):
        args = node.arguments
        capture = _text(source, args[2]) if len(args) == 3 else "false"
        tail = (args[1].range[1], end - 1)  # from after the listener to before ")"
        yield "listener-options", *tail, f", {{ capture: {capture}, once: true }}"
        if len(args) == 2:
            yield "listener-options", *tail, ", true"


def _arguments(source: str, node: Node, facts: Facts) -> Iterator[tuple[str, int, int, str]]:
    """The last argument dropped; each two adjacent arguments swapped.

    Not a function argument: a listener or callback dropped or put in another place only
    makes the call do nothing, which deleting the call's statement already tries; nor a
    swap with a boolean literal (a flag in a name's place makes the same dead call)."""
    args = node.arguments
    if args and not facts.is_function(args[-1]):
        cut = args[-2].range[1] if len(args) > 1 else args[0].range[0]
        yield "argument-removal", cut, args[-1].range[1], ""
    for a, b in zip(args, args[1:], strict=False):
        if any(facts.is_function(n) or (n.type == "Literal" and isinstance(n.value, bool))
               for n in (a, b)):
            continue
        between = source[a.range[1]:b.range[0]]
        yield "argument-swap", a.range[0], b.range[1], _text(source, b) + between + \
            _text(source, a)


def _swaps(source: str, node: Node, facts: Facts) -> Iterator[tuple[str, int, int, str]]:
    """Each two adjacent statements that depend on each other, in the other order.

    Two statements depend on each other when one writes what the other reads or writes,
    directly or in a function of the script it calls. Independent ones (and a hoisted
    declaration) run the same in either order: swapping them is no mutant."""
    body = node.consequent if node.type == "SwitchCase" else node.body
    for a, b in zip(body, body[1:], strict=False):
        if a.type in HOISTED or b.type in HOISTED or getattr(a, "directive", None) or \
                not facts.depend(source, a, b):
            continue
        between = source[a.range[1]:b.range[0]]
        yield "statement-swap", a.range[0], b.range[1], _text(source, b) + between + \
            _text(source, a)


class Facts:
    """What the script's functions read and write, for the operators that need it."""

    def __init__(self, source: str, tree: Node) -> None:
        self.functions: dict[str, Node] = {}
        self.called: set[str] = set()
        for node in _nodes(tree):
            if node.type == "FunctionDeclaration":
                self.functions[node.id.name] = node.body
            if node.type == "CallExpression" and node.callee.type == "Identifier":
                self.called.add(node.callee.name)
        self._effects: dict[int, tuple[set[str], set[str]]] = {}
        self.source = source

    def is_function(self, node: Node) -> bool:
        """A function, or a name the script calls (a callback handed on)."""
        return node.type in ("FunctionExpression", "ArrowFunctionExpression") or (
            node.type == "Identifier" and node.name in self.called | set(self.functions))

    def effects(self, node: Node, seen: frozenset = frozenset()) -> tuple[set[str], set[str]]:
        """(names and member chains read, those written) as *node* runs, calls followed.

        A function expression's body runs later, not as the statement does: left out."""
        reads: set[str] = set()
        writes: set[str] = set()
        inside: set[int] = set()  # the object of a chain read whole, or a written target
        for inner in _now(node):
            if inner.type == "MemberExpression":
                inside.add(id(inner.object))
            target = {"AssignmentExpression": "left", "UpdateExpression": "argument",
                      "VariableDeclarator": "id"}.get(inner.type)
            if target:
                written = getattr(inner, target)
                writes.add(_text(self.source, written))
                if inner.type == "AssignmentExpression" and inner.operator == "=":
                    inside.add(id(written))
            if inner.type in ("Identifier", "MemberExpression") and id(inner) not in inside:
                reads.add(_text(self.source, inner))
            if inner.type == "CallExpression" and not _called(inner) and not seen:
                # A method of the platform may fill what it is handed
                # (crypto.getRandomValues(bytes)): a name the statement passes to one counts
                # as written (not inside a function followed: there they are its own names).
                writes |= {a.name for a in inner.arguments if a.type == "Identifier"}
            for name in _called(inner):
                if name in self.functions and name not in seen:
                    more_reads, more_writes = self.effects(self.functions[name], seen | {name})
                    reads |= more_reads
                    writes |= more_writes
        return reads, writes

    def depend(self, source: str, a: Node, b: Node) -> bool:
        reads_a, writes_a = self.effects(a)
        reads_b, writes_b = self.effects(b)
        return _overlap(writes_a, reads_b | writes_b) or _overlap(writes_b, reads_a)


def _overlap(writes: set[str], names: set[str]) -> bool:
    """True when a write touches a name: the same chain, or one holding the other."""
    return any(w == n or w.startswith((n + ".", n + "[")) or n.startswith((w + ".", w + "["))
               for w in writes for n in names)


def _called(node: Node) -> list[str]:
    """Names a call runs at once: its callee's, or a wrapper's arguments (``safe(f)()``)."""
    if node.type != "CallExpression":
        return []
    if node.callee.type == "Identifier":
        return [node.callee.name]
    if node.callee.type == "CallExpression":
        return [a.name for a in node.callee.arguments if a.type == "Identifier"]
    return []


def _now(node: Node) -> Iterator[Node]:
    """*node* and what it holds, except the bodies of function expressions in it."""
    yield node
    if node.type in ("FunctionExpression", "ArrowFunctionExpression"):
        return
    for value in vars(node).values():
        for item in value if isinstance(value, list) else [value]:
            if isinstance(item, Node):
                yield from _now(item)


def _nodes(node: Node) -> Iterator[Node]:
    yield node
    for value in vars(node).values():
        if isinstance(value, Node):
            yield from _nodes(value)
        elif isinstance(value, list):
            for item in value:
                if isinstance(item, Node):
                    yield from _nodes(item)


def _without(source: str, node: Node, items: list, i: int) -> tuple[int, int, str]:
    """The span of ``items[i]`` and its comma: removed, the literal keeps its other items."""
    if i + 1 < len(items):
        return items[i].range[0], items[i + 1].range[0], ""
    return items[i - 1].range[1], items[i].range[1], ""


def _callee_name(call: Node) -> str:
    callee = call.callee
    if callee.type == "MemberExpression" and not callee.computed:
        return callee.property.name
    return callee.name if callee.type == "Identifier" else ""


def _has_call(node: Node) -> bool:
    if node.type in ("CallExpression", "NewExpression"):
        return True
    return any(isinstance(v, Node) and _has_call(v) for v in vars(node).values())


def _mixes(node: Node, parent: Node | None) -> bool:
    """True when ``??`` here would sit beside ``&&``/``||`` unparenthesised (a SyntaxError)."""
    return any(n is not None and n.type == "LogicalExpression"
               for n in (parent, node.left, node.right))


def _operator(source: str, node: Node, new: str) -> str:
    left = node.left.range[1] - node.range[0]
    right = node.right.range[0] - node.range[0]
    text = _text(source, node)
    return text[:left] + text[left:right].replace(node.operator, new, 1) + text[right:]


def _operand(source: str, node: Node) -> str:
    text = _text(source, node)
    atomic = ("Identifier", "Literal", "MemberExpression", "CallExpression", "ThisExpression")
    return text if node.type in atomic else f"({text})"


def _regex_variants(pattern: str) -> Iterator[str]:
    """Stryker's regex kinds: an anchor dropped, an optional character made required or absent."""
    if pattern.startswith("^"):
        yield pattern[1:]
    if pattern.endswith("$") and not pattern.endswith("\\$"):
        yield pattern[:-1]
    for match in re.finditer(r"(?<!\\)([A-Za-z0-9])\?", pattern):
        yield pattern[:match.start()] + match.group(1) + pattern[match.end():]
        yield pattern[:match.start()] + pattern[match.end():]


# Operators whose programs esprima (ES2017) cannot parse: checked by their shape instead.
UNPARSED = {"nullish-coalescing"}
