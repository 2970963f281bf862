"""Mutants of a script, made mechanically by standard mutation operators over its syntax tree.

The script is parsed with esprima (ranges on every node); each operator looks at every node
it applies to and proposes replacements of that node's source text. Nothing is hand-picked:
what is mutated is whatever the script contains. A mutant that no longer parses, or that is
the same program as another, is dropped.

Each mutant has a stable id, ``operator@function:hash``: the hash covers the operator, the
enclosing statement's text, the replaced text and the replacement (and an occurrence number
for repeats), not offsets or line numbers, so the id survives edits elsewhere in the script
and ``equivalent.toml`` can name it.
"""

from __future__ import annotations

import difflib
import hashlib
import re
from collections.abc import Iterator
from dataclasses import dataclass

import esprima
from esprima.nodes import Node

from . import edits, further

EQUALITY = {"===": "!==", "!==": "===", "==": "!=", "!=": "=="}
BOUNDARY = {"<": "<=", "<=": "<", ">": ">=", ">=": ">"}
RELATIONAL_NEGATION = {"<": ">=", "<=": ">", ">": "<=", ">=": "<"}
ARITHMETIC = {"+": "-", "-": "+", "*": "/", "/": "*", "%": "*"}
LOGICAL = {"&&": "||", "||": "&&", "??": "&&"}
ASSIGNMENT = {"+=": "-=", "-=": "+=", "*=": "/=", "/=": "*=", "||=": "&&=", "&&=": "||="}
UPDATE = {"++": "--", "--": "++"}
# Statements that only declare: deleting them breaks every later use at once (ReferenceError),
# which says nothing about the tests; their initialisers are mutated instead.
NOT_DELETED = {"VariableDeclaration", "FunctionDeclaration", "EmptyStatement", "BlockStatement"}
STATEMENT_LISTS = ("Program", "BlockStatement", "SwitchCase")
EMPTY_STRING_FILLER = '"__mutant__"'


@dataclass(frozen=True)
class Mutant:
    id: str
    operator: str
    function: str
    start: int  # offsets into the original source: [start, end) is replaced
    end: int
    original: str
    replacement: str
    line: int

    def apply(self, source: str) -> str:
        return source[:self.start] + self.replacement + source[self.end:]

    def diff(self, source: str, name: str = "tracker.js") -> str:
        """A unified diff of the mutant against *source*, with one line of context."""
        lines = difflib.unified_diff(source.splitlines(keepends=True),
                                     self.apply(source).splitlines(keepends=True),
                                     f"a/{name}", f"b/{name}", n=1)
        return "".join(lines)

    def describe(self) -> str:
        return f"line {self.line}: {_short(self.original)} → {_short(self.replacement) or '∅'}"


def _short(text: str, width: int = 60) -> str:
    text = " ".join(text.split())
    return text if len(text) <= width else text[:width - 1] + "…"


def _children(node: Node) -> Iterator[tuple[str, Node]]:
    for key, value in vars(node).items():
        if isinstance(value, Node):
            yield key, value
        elif isinstance(value, list):
            for item in value:
                if isinstance(item, Node):
                    yield key, item


def _walk(node: Node, parent: Node | None = None, key: str = "",
          scope: tuple = ()) -> Iterator[tuple[Node, Node | None, str, tuple]]:
    """Yield (node, parent, key in parent, ancestors) depth-first, in source order."""
    yield node, parent, key, scope
    for child_key, child in _children(node):
        yield from _walk(child, node, child_key, (*scope, node))


def _text(source: str, node: Node) -> str:
    return source[node.range[0]:node.range[1]]


def _function_name(source: str, node: Node, ancestors: tuple) -> str:
    """A readable name for the function *node*: its own, or the call it is handed to."""
    if getattr(node, "id", None) is not None:
        return node.id.name
    parent = ancestors[-1] if ancestors else None
    if parent is not None and parent.type == "CallExpression" and node is not parent.callee:
        callee = _text(source, parent.callee).split(".")[-1]
        first = parent.arguments[0] if parent.arguments else None
        if first is not None and first.type == "Literal" and isinstance(first.value, str):
            return f"{callee}({first.value})"
        return callee
    if parent is not None and parent.type in ("AssignmentExpression", "VariableDeclarator"):
        target = parent.left if parent.type == "AssignmentExpression" else parent.id
        return _short(_text(source, target), 30).replace(" ", "")
    if parent is not None and parent.type == "CallExpression":
        return "top"  # the script's own wrapper, called at once
    return "anonymous"


def _scope_of(source: str, ancestors: tuple) -> tuple[str, str]:
    """Return (enclosing function's name, the innermost enclosing statement's text)."""
    function, statement = "top", ""
    for i, node in enumerate(ancestors):
        if node.type in ("FunctionDeclaration", "FunctionExpression"):
            function = _function_name(source, node, ancestors[:i])
        if node.type.endswith(("Statement", "Declaration")) and node.type != "BlockStatement":
            statement = _text(source, node)
    return function, statement


def _is_key(node: Node, parent: Node | None, key: str) -> bool:
    return parent is not None and (
        (parent.type == "Property" and key == "key" and not parent.computed)
        or (parent.type == "MemberExpression" and key == "property" and not parent.computed))


def proposals(source: str, node: Node, parent: Node | None,
              key: str) -> Iterator[tuple[str, str]]:
    """Yield (operator, replacement text) for one node: every standard operator that applies."""
    kind = node.type
    text = _text(source, node)
    if kind.endswith("Statement") and kind not in NOT_DELETED and parent is not None and (
            parent.type in STATEMENT_LISTS or key in ("consequent", "alternate", "body")) and \
            not getattr(node, "directive", None):
        yield "statement-deletion", "{}" if parent.type not in STATEMENT_LISTS else ""
    if kind == "BlockStatement" and key == "body" and len(node.body) > 1 and \
            parent is not None and parent.type in ("FunctionDeclaration", "FunctionExpression"):
        yield "function-body-removal", "{}"
    if parent is not None and key == "test":
        if parent.type in ("IfStatement", "ConditionalExpression"):
            yield "condition-true", "true"
            yield "condition-false", "false"
            yield "condition-negation", f"!({text})"
        elif parent.type in ("WhileStatement", "DoWhileStatement", "ForStatement"):
            yield "condition-false", "false"
    if kind == "BinaryExpression":
        for table, name in ((EQUALITY, "equality-operator"), (BOUNDARY, "boundary"),
                            (RELATIONAL_NEGATION, "relational-negation"),
                            (ARITHMETIC, "arithmetic-operator")):
            if node.operator in table:
                yield name, _swap_operator(source, node, table[node.operator])
    if kind == "LogicalExpression":
        yield "logical-operator", _swap_operator(source, node, LOGICAL[node.operator])
        yield "logical-left-only", _operand(source, node.left)
        yield "logical-right-only", _operand(source, node.right)
    if kind == "AssignmentExpression" and node.operator in ASSIGNMENT:
        yield "assignment-operator", _swap_operator(source, node, ASSIGNMENT[node.operator])
    if kind == "UpdateExpression":
        op = UPDATE[node.operator]
        argument = _text(source, node.argument)
        yield "update-operator", f"{op}{argument}" if node.prefix else f"{argument}{op}"
    if kind == "UnaryExpression" and node.operator in ("!", "-", "+", "~"):
        yield "unary-removal", _operand(source, node.argument)
    if kind == "Literal" and not _is_key(node, parent, key) and not (
            parent is not None and parent.type == "ExpressionStatement"):
        yield from _literal(node)
    if kind == "ObjectExpression" and node.properties:
        yield "object-literal", "{}"
    if kind == "ArrayExpression" and node.elements:
        yield "array-literal", "[]"
    if kind == "CallExpression" and not (parent is not None and
                                         parent.type == "ExpressionStatement"):
        yield "call-result", "undefined"
    if kind == "ReturnStatement" and node.argument is not None:
        yield "return-value", "return;"


def _operand(source: str, node: Node) -> str:
    """The text of *node* to stand in for its parent, in parentheses unless it is atomic."""
    text = _text(source, node)
    atomic = ("Identifier", "Literal", "MemberExpression", "CallExpression", "ThisExpression")
    return text if node.type in atomic else f"({text})"


def _literal(node: Node) -> Iterator[tuple[str, str]]:
    value = node.value
    if getattr(node, "regex", None) is not None:
        yield "regex", "/(?!)/"  # matches nothing
        yield "regex", "/(?:)/"  # matches everything
    elif isinstance(value, bool):
        yield "boolean-literal", "false" if value else "true"
    elif isinstance(value, str):
        yield "string-literal", '""' if value else EMPTY_STRING_FILLER
    elif isinstance(value, (int, float)):
        number = int(value) if float(value).is_integer() else value
        if number != 0:
            yield "number-literal", "0"
        yield "number-literal", str(number + 1)


def _swap_operator(source: str, node: Node, new: str) -> str:
    """The node's text with its operator (between its two operands) replaced by *new*."""
    left = node.left.range[1] - node.range[0]
    right = node.right.range[0] - node.range[0]
    text = _text(source, node)
    between = text[left:right]
    return text[:left] + between.replace(node.operator, new, 1) + text[right:]


def _parses(source: str) -> bool:
    try:
        esprima.parseScript(source)
    except esprima.Error:
        return False
    return True


def generate(source: str, check: bool = True) -> list[Mutant]:
    """Every mutant of *source*, in source order, each a distinct program.

    Operators only make programs that parse (operands they lift are parenthesised);
    *check* parses each classic mutant to make sure (about 50 ms a mutant). The classic
    operators go first, then :mod:`.edits`', then :mod:`.further`'s: a program two of
    them make keeps the earlier one's id (for the last, also a program that differs from
    an earlier one only in the spaces around punctuation: ``{}`` for ``{ }``).
    Those edits only remove or exchange whole expressions, statements, list items and
    names, with their commas, so they parse by construction (and ``??`` is past esprima's
    ES2017 anyway): not parsed again, which would cost a third more.
    """
    tree = esprima.parseScript(source, range=True)
    seen = {source}
    occurrences: dict[str, int] = {}
    mutants: list[Mutant] = []
    nodes = list(_walk(tree))
    facts = edits.Facts(source, tree)
    classic = ((node, (op, *node.range, text)) for node, parent, key, _ in nodes
               for op, text in proposals(source, node, parent, key))
    wider = ((node, proposal) for node, parent, key, _ in nodes
             for proposal in edits.proposals(source, node, parent, key, facts))
    last = ((node, proposal) for node, parent, key, ancestors in nodes
            for proposal in further.proposals(source, node, parent, key, ancestors))
    scopes = {id(node): _scope_of(source, (*ancestors, node))
              for node, _, _, ancestors in nodes}
    spaced: set[str] = set()
    for order, found in enumerate((classic, wider, last)):
        made = []
        if order == 2:
            spaced = {_unspaced(program) for program in seen}
        for node, (operator, start, end, replacement) in found:
            mutated = source[:start] + replacement + source[end:]
            if mutated in seen or (check and order == 0 and not _parses(mutated)):
                continue
            if order == 2:
                if _unspaced(mutated) in spaced:
                    continue
                spaced.add(_unspaced(mutated))
            seen.add(mutated)
            function, statement = scopes[id(node)]
            original = source[start:end]
            key_text = "\x00".join((operator, " ".join(statement.split()),
                                    " ".join(original.split()), replacement))
            n = occurrences[key_text] = occurrences.get(key_text, 0) + 1
            digest = hashlib.sha1(f"{key_text}\x00{n}".encode()).hexdigest()[:8]
            made.append(Mutant(
                id=f"{operator}@{_safe(function)}:{digest}", operator=operator,
                function=function, start=start, end=end, original=original,
                replacement=replacement, line=source.count("\n", 0, start) + 1))
        mutants += made if order == 0 else sorted(made, key=lambda m: (m.start, m.end))
    return sorted(mutants, key=lambda m: m.start)


def _unspaced(program: str) -> str:
    """*program* without the spaces around punctuation, which change nothing it does."""
    return re.sub(r"\s*([{}();,])\s*", r"\1", program)


def _safe(name: str) -> str:
    return re.sub(r"[^A-Za-z0-9_.()\[\]-]+", "_", name)
