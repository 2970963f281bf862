"""The global declarations classic scripts share (ECMAScript's GlobalDeclarationInstantiation):
a script declaring with ``let``, ``const`` or ``class`` a name an earlier script declared
(in any way), or with ``var`` or ``function`` a name an earlier one declared lexically, is a
SyntaxError: none of it runs. So is a name declared twice lexically in one script."""

from __future__ import annotations

from dataclasses import dataclass, field

# Non-configurable properties of the global object: no script may declare them lexically.
RESTRICTED = frozenset({"undefined", "NaN", "Infinity"})
_FUNCTIONS = ("FunctionDeclaration", "AsyncFunctionDeclaration")


@dataclass
class GlobalNames:
    """What the classic scripts that ran so far declared at their top level."""

    lexical: set[str] = field(default_factory=set)
    var: set[str] = field(default_factory=set)

    def declare(self, program) -> str:
        """Declare *program*'s names and return ``""``, or, when it clashes (and so never
        runs), say why and declare nothing."""
        lexical, var = declared(program)
        seen: set[str] = set()
        for name in lexical:
            if name in seen:
                return f"{name} is declared twice in one script"
            seen.add(name)
            if name in var:
                return f"{name} is declared with var and let/const in one script"
            if name in self.lexical or name in self.var or name in RESTRICTED:
                return f"{name} is already declared by an earlier script"
        for name in var:
            if name in self.lexical:
                return f"{name} is already declared with let/const by an earlier script"
        self.lexical.update(lexical)
        self.var.update(var)
        return ""


def declared(program) -> tuple[list[str], set[str]]:
    """A script's lexically declared names (in order, repeats kept) and its var names."""
    lexical: list[str] = []
    var: set[str] = set()
    for node in getattr(program, "body", None) or []:
        kind = getattr(node, "type", None)
        if kind == "VariableDeclaration" and node.kind in ("let", "const"):
            for item in node.declarations:
                lexical += bound_names(item.id)
        elif kind == "ClassDeclaration" and node.id is not None:
            lexical.append(node.id.name)
        elif kind in _FUNCTIONS and node.id is not None:
            var.add(node.id.name)
        else:
            var.update(_var_names(node))
    return lexical, var


def bound_names(pattern) -> list[str]:
    """The names a binding pattern binds."""
    kind = getattr(pattern, "type", None)
    if kind == "Identifier":
        return [pattern.name]
    if kind == "ObjectPattern":
        return [n for p in pattern.properties for n in bound_names(
            p.argument if p.type == "RestElement" else p.value)]
    if kind == "ArrayPattern":
        return [n for e in pattern.elements if e is not None for n in bound_names(e)]
    if kind == "AssignmentPattern":
        return bound_names(pattern.left)
    if kind == "RestElement":
        return bound_names(pattern.argument)
    return []


_NESTED = ("body", "consequent", "alternate", "block", "finalizer", "init", "left")


def _var_names(node) -> set[str]:
    """The ``var`` names a statement declares, in nested blocks too (not in functions)."""
    kind = getattr(node, "type", None)
    if kind is None or kind in _FUNCTIONS or "Expression" in kind:
        return set()
    if kind == "VariableDeclaration":
        if node.kind != "var":
            return set()
        return {n for item in node.declarations for n in bound_names(item.id)}
    names: set[str] = set()
    for key in _NESTED:
        child = getattr(node, key, None)
        for item in child if isinstance(child, list) else [child]:
            names |= _var_names(item)
    if kind == "TryStatement" and node.handler is not None:
        names |= _var_names(node.handler.body)
    if kind == "SwitchStatement":
        for case in node.cases:
            for item in case.consequent:
                names |= _var_names(item)
    return names
