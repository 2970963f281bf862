"""The kinds of the other standard tools' operator sets that neither operators.py nor
edits.py makes: Stryker's BlockStatement (any block emptied) and ConditionalExpression on a
boolean expression anywhere (not only a test), PIT's constructor call, return value and
inline constant kinds, and universalmutator's and PIT's ``break``/``continue`` swap, with a
``try`` statement unwrapped (its protection gone, its body run bare); and two kinds a
checker writing mutants by hand-made rules uses that none of those tools makes: a number
one lower (a bound or constant off by one downwards: PIT and the others only raise it or
set it to 0, 1 or -1) and an early return (``return;`` put before any statement of a
function body after its first, cutting the rest off: statement deletion removes one, body
removal all).

They run last in :func:`operators.generate`, so a program an earlier operator makes keeps
that operator's id, and the ids of the earlier ones never change because of these.
Each proposal is ``(operator, start, end, replacement)`` and parses by construction: a
whole expression replaced by a literal, a block by ``{}``, a keyword by another.
"""

from __future__ import annotations

from collections.abc import Iterator

from esprima.nodes import Node

COMPARISONS = {"===", "!==", "==", "!=", "<", "<=", ">", ">="}
TESTED = ("IfStatement", "ConditionalExpression", "WhileStatement", "DoWhileStatement",
          "ForStatement")
FUNCTIONS = ("FunctionDeclaration", "FunctionExpression", "ArrowFunctionExpression")


def _text(source: str, node: Node) -> str:
    return source[node.range[0]:node.range[1]]


def proposals(source: str, node: Node, parent: Node | None, key: str,
              ancestors: tuple = ()) -> Iterator[tuple[str, int, int, str]]:
    """Yield (operator, start, end, replacement) for one node below *ancestors*."""
    kind = node.type
    start, end = node.range
    if kind == "BlockStatement" and node.body and not (
            parent is not None and parent.type in FUNCTIONS and len(node.body) > 1):
        yield "block-removal", start, end, "{}"  # a function's longer body: operators.py's
    if kind == "NewExpression":
        yield "constructor-call", start, end, "null"
    if _boolean(node) and not (parent is not None and key == "test" and parent.type in TESTED):
        yield from _boolean_constants(node, parent)
    if kind == "ReturnStatement" and node.argument is not None and not (
            node.argument.type == "Literal" and node.argument.value is None):
        yield "return-constant", *node.argument.range, "null"
    if kind == "ContinueStatement" and node.label is None:
        yield "break-continue", start, end, "break;"
    if kind == "BreakStatement" and node.label is None:
        yield "break-continue", start, end, "continue;"
    if kind == "TryStatement":
        body = node.block
        yield "try-unwrap", start, end, source[body.range[0] + 1:body.range[1] - 1].strip()
    if kind == "Literal" and isinstance(node.value, (int, float)) and \
            not isinstance(node.value, bool) and not _is_key(node, parent, key):
        for constant in ("1", "-1"):
            if float(node.value) != float(constant):
                yield "inline-constant", start, end, constant
        lower = node.value - 1
        yield "constant-decrement", start, end, str(int(lower) if float(lower).is_integer()
                                                      else lower)
    # Not in the outermost function's body (a script's wrapper): a cut there stops the
    # install, which deleting the statement already does.
    if kind == "BlockStatement" and parent is not None and parent.type in FUNCTIONS and \
            any(a.type in FUNCTIONS for a in ancestors[:-1]):
        for statement in node.body[1:]:
            if statement.type != "FunctionDeclaration":  # hoisted: cutting before it is
                at = statement.range[0]                  # cutting before the next
                yield "early-return", at, at, "return; "


def _boolean(node: Node) -> bool:
    return (node.type == "BinaryExpression" and node.operator in COMPARISONS) or \
        node.type == "LogicalExpression"


def _boolean_constants(node: Node, parent: Node | None) -> Iterator[tuple[str, int, int, str]]:
    """Stryker's: ``true`` and ``false``; an operand of ``||`` only ``false`` and one of
    ``&&`` only ``true`` (the other constant decides the whole, as forcing it does)."""
    start, end = node.range
    inside = parent.operator if parent is not None and \
        parent.type == "LogicalExpression" else None
    if inside != "||":
        yield "boolean-expression", start, end, "true"
    if inside != "&&":
        yield "boolean-expression", start, end, "false"


def _is_key(node: Node, parent: Node | None, key: str) -> bool:
    return parent is not None and parent.type == "Property" and key == "key"
