"""Rewrite syntax newer than esprima reads (ES2017) into what it reads, line for line, so that
a loader snippet written or minified with newer syntax is still followed."""

from __future__ import annotations

import esprima

MAX_LEXICAL_FIXES = 200
# Tokens after which an expression cannot end: a field's initializer goes on past a newline.
_CONTINUES = {"=", "+", "-", "*", "/", "%", "(", "[", "{", ",", "?", ":", "||", "&&", ".",
              "=>", "==", "===", "!=", "!==", "<", ">", "<=", ">=", "!", "~", "&", "|", "^"}


def lexable(code: str) -> tuple[str, list]:
    """*code* with the tokens esprima's lexer rejects rewritten (``#private`` names as
    ``_private``, ``1_000`` as ``1000``, ``10n`` as ``10``), and its tokens; raise
    ``esprima.Error`` where it still cannot lex."""
    for _ in range(MAX_LEXICAL_FIXES):
        try:
            return code, esprima.tokenize(code, {"range": True, "loc": True})
        except esprima.Error as exc:
            at = getattr(exc, "index", None)
            if not isinstance(at, int) or at >= len(code):
                raise
            char, before = code[at], code[at - 1] if at else ""
            after = code[at + 1] if at + 1 < len(code) else ""
            if char == "#" and (after.isalpha() or after in "_$"):
                code = code[:at] + "_" + code[at + 1:]
            elif char == "_" and before.isalnum():
                code = code[:at] + code[at + 1:]
            elif char == "n" and before.isalnum() and not (after.isalnum() or after == "_"):
                code = code[:at] + code[at + 1:]
            else:
                raise
    raise esprima.Error("too many tokens to rewrite")


def _target_start(tokens: list, index: int) -> int | None:
    """The first token of the assignment target ending just before *index* (``a``,
    ``a.b[c].d``, ``this.x``), or None when it is not that simple."""
    at, depth = index - 1, 0
    while at >= 0:
        token = tokens[at]
        if token.value == "]":
            depth = 0
            while at >= 0:  # back to the matching [
                depth += {"]": 1, "[": -1}.get(tokens[at].value, 0)
                if depth == 0:
                    break
                at -= 1
            at -= 1
            continue
        if token.type == "Identifier" or token.value == "this":
            if at > 0 and tokens[at - 1].value == ".":
                at -= 2
                continue
            return at
        return None
    return None


def _logical_assignment(code: str, tokens: list, index: int) -> tuple[int, int, str] | None:
    """``a ||= b`` → ``a = a || b`` (also ``&&=``, ``??=``): the edit at *index*."""
    token = tokens[index]
    parts = [token]
    if token.value == "?" and index + 1 < len(tokens) and tokens[index + 1].value == "?":
        parts.append(tokens[index + 1])
    elif token.value not in ("||", "&&"):
        return None
    equals = index + len(parts)
    if equals >= len(tokens) or tokens[equals].value != "=" or any(
            a.range[1] != b.range[0] for a, b in zip([*parts, tokens[equals]],
                                                      [*parts, tokens[equals]][1:], strict=False)):
        return None
    start = _target_start(tokens, index)
    if start is None:
        return None
    target = " ".join(code[tokens[start].range[0]:token.range[0]].split())
    operator = "&&" if token.value == "&&" else "||"
    return token.range[0], tokens[equals].range[1], f"= {target} {operator}"


def _class_fields(code: str, tokens: list) -> list[tuple[int, int, str]]:
    """Class fields (``site = 'shop';``, ``static x = 1``, ``y;``) as getters returning
    their initializer, or as nothing."""
    edits: list[tuple[int, int, str]] = []
    bodies: list[int] = []  # brace depths of the class bodies we are in
    depth, pending_class = 0, False
    index = 0
    while index < len(tokens):
        token = tokens[index]
        if token.value == "class" and token.type == "Keyword":
            pending_class = True
        elif token.value == "{":
            depth += 1
            if pending_class:
                bodies.append(depth)
                pending_class = False
        elif token.value == "}":
            if bodies and bodies[-1] == depth:
                bodies.pop()
            depth -= 1
        elif bodies and bodies[-1] == depth and tokens[index - 1].value in ("{", "}", ";"):
            if token.value == "static" and index + 1 < len(tokens) and \
                    tokens[index + 1].value == "{":
                index = _static_block(tokens, index, edits)
                continue
            index = _field(code, tokens, index, depth, edits)
            continue
        index += 1
    return edits


def _static_block(tokens: list, index: int, edits: list) -> int:
    """``static { … }`` as a computed method name whose key runs the block: the key is
    evaluated as the class is defined, in member order, as the block would be (its ``this``
    is the enclosing one's, not the class)."""
    end, level = index + 1, 0
    while end < len(tokens):
        level += {"{": 1, "}": -1}.get(tokens[end].value, 0)
        if level == 0:
            break
        end += 1
    if end >= len(tokens):
        return index + 1
    edits.append((tokens[index].range[1], tokens[index + 1].range[1], " [(() => {"))
    edits.append((tokens[end].range[0], tokens[end].range[1], "})()]() {}"))
    return end + 1


def _field(code: str, tokens: list, index: int, depth: int, edits: list) -> int:
    """Rewrite the class member starting at *index* if it is a field; return where the
    scan goes on."""
    key = index + 1 if tokens[index].value == "static" and index + 1 < len(tokens) and \
        tokens[index + 1].value not in ("(", "=", ";", "{") else index
    if tokens[key].type not in ("Identifier", "Keyword", "String", "Numeric"):
        return index + 1
    after = tokens[key + 1] if key + 1 < len(tokens) else None
    if after is None:
        return index + 1
    if after.value == ";" or after.value == "}" or (
            after.loc.start.line > tokens[key].loc.end.line and after.value != "("):
        # A field with no initializer: nothing for the audit to follow.
        edits.append((tokens[index].range[0], tokens[key].range[1], ""))
        return key + 1
    if after.value != "=":
        return index + 1
    end, level = key + 2, 0
    while end < len(tokens):
        token = tokens[end]
        if level == 0 and (token.value in (";", "}") or (
                token.loc.start.line > tokens[end - 1].loc.end.line and
                tokens[end - 1].value not in _CONTINUES and token.value not in _CONTINUES)):
            break
        level += {"(": 1, "[": 1, "{": 1, ")": -1, "]": -1, "}": -1}.get(token.value, 0)
        end += 1
    if end >= len(tokens):
        return index + 1
    edits.append((tokens[key].range[0], tokens[key].range[0], "get "))
    edits.append((after.range[0], after.range[1], "() { return ("))
    edits.append((tokens[end - 1].range[1], tokens[end - 1].range[1], "); }"))
    return end


_BLOCK_KEYWORDS = ("if", "for", "while", "switch", "catch", "with")


def _top_level_await(tokens: list) -> int | None:
    """Where to open an async wrapper around a module's statements when it awaits at its
    top level (after its imports), or None: no such await, or exports a wrapper would
    hide."""
    braces: list[bool] = []  # each open brace: is it a function's body?
    opens: list[int] = []  # open parentheses
    matched: dict[int, int] = {}  # a ")" -> its "("
    first, awaits, skip_to = None, False, -1
    for index, token in enumerate(tokens):
        value, top = token.value, not braces and not opens
        if top and token.type == "Keyword" and value == "export":
            return None
        if top and index > skip_to and first is None:
            if token.type == "Keyword" and value == "import" and index + 1 < len(tokens) and \
                    tokens[index + 1].value not in ("(", "."):
                specifier = next((i for i in range(index + 1, len(tokens))
                                  if tokens[i].type == "String"), len(tokens) - 1)
                skip_to = specifier + (1 if specifier + 1 < len(tokens) and
                                       tokens[specifier + 1].value == ";" else 0)
            elif value != ";":
                first = token.range[0]
        if value == "await" and not any(braces):
            awaits = True
        if value == "(":
            opens.append(index)
        elif value == ")" and opens:
            matched[index] = opens.pop()
        elif value == "{":
            before = tokens[index - 1] if index else None
            if before is not None and before.value == "=>":
                braces.append(True)
            elif before is not None and before.value == ")" and index - 1 in matched:
                head = matched[index - 1]
                braces.append(not (head and tokens[head - 1].value in _BLOCK_KEYWORDS))
            else:
                braces.append(False)
        elif value == "}" and braces:
            braces.pop()
    return first if awaits else None


def downlevel(code: str, module: bool = False) -> str:
    """Rewrite the newer syntax loader snippets use into what esprima reads (ES2017), line
    for line: ``a?.b`` as ``a.b``, ``a?.[k]``/``f?.()`` as ``a[k]``/``f()``, ``a ?? b`` as
    ``a || b``, ``catch {`` as ``catch (_) {``, ``a ||= b`` (``&&=``, ``??=``) as
    ``a = a || b``, class fields as getters, ``#private`` as ``_private``, numeric
    separators and BigInt suffixes dropped, ``import.meta`` as an unknown global,
    ``static { … }`` blocks run as the class is defined, ``for await`` as ``for``; in a
    *module*, statements after the imports in an async arrow when it awaits at its top
    level. Code it cannot lex is left as it is."""
    try:
        code, tokens = lexable(code)
    except (esprima.Error, RecursionError):
        return code
    edits: list[tuple[int, int, str]] = _class_fields(code, tokens)
    skip = -1
    for index, token in enumerate(tokens[:-1]):
        if index <= skip:
            continue
        after = tokens[index + 1]
        if token.type == "Punctuator" and token.value in ("||", "&&", "?"):
            assignment = _logical_assignment(code, tokens, index)
            if assignment is not None:
                edits.append(assignment)
                skip = index + (2 if token.value == "?" else 1)
                continue
        if token.type == "Punctuator" and token.value == "?" and after.type == \
                "Punctuator" and after.range[0] == token.range[1]:
            if after.value == ".":
                third = tokens[index + 2] if index + 2 < len(tokens) else None
                call = third is not None and third.value in ("(", "[")
                edits.append((token.range[0], after.range[1] if call else token.range[1],
                              "  " if call else " "))
            elif after.value == "?":
                edits.append((token.range[0], after.range[1], "||"))
                skip = index + 1
        elif token.type == "Keyword" and token.value == "catch" and after.value == "{":
            edits.append((token.range[1], token.range[1], " (_)"))
        elif token.type == "Keyword" and token.value == "for" and after.value == "await":
            # Iterated as a plain for…of: the audit follows the body, not what resolves.
            edits.append((after.range[0], after.range[1], " " * len("await")))
        elif token.type == "Keyword" and token.value == "import" and after.value == "." and \
                index + 2 < len(tokens) and tokens[index + 2].value == "meta":
            edits.append((token.range[0], tokens[index + 2].range[1], "import_meta"))
    if module:  # a top-level await: the statements after the imports, in an async arrow
        first = _top_level_await(tokens)
        if first is not None:
            edits += [(first, first, ";(async () => { "), (len(code), len(code), "\n})();")]
    for start, end, text in sorted(edits, key=lambda e: (e[0], e[1]), reverse=True):
        code = code[:start] + text + code[end:]
    return code
