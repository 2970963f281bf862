"""Test-impact selection for the gate, as pure functions: which scenarios can see an edit?

A candidate is compared with the reference token by token (esprima's tokens, so comments
and whitespace do not count, but a line break before a token does: it can change where
a semicolon is inserted). Each run of differing tokens becomes a *change*: the reference
range it replaces or deletes, or the reference point it inserts at (held as the two tokens
either side of that point; a replaced or deleted range also takes in the token either
side, for a keyword at a block's edge such as ``else`` may lie outside both blocks). A scenario
can only behave differently with the candidate if its coverage of the reference (see
:mod:`.coverage`) touches a change: every other scenario runs the same code as with the
reference, so it passes as the reference does.

Widened, to stay sound:

- a change whose old and new text leave different brackets open (``}`` inserted here,
  ``{`` there) is merged with the next until they leave the same; one that never does
  changes the script's structure, and every scenario runs;
- a change that declares or renames a binding (``var``, ``let``, ``const``, ``function``,
  ``class`` in it, or just before it) reaches every use of that name in its function, so
  it covers the whole innermost function around it (the top level: every scenario);
- a candidate that does not parse, or differs from the reference in most of its tokens,
  runs every scenario.
"""

from __future__ import annotations

import difflib
import functools
from collections.abc import Iterable
from dataclasses import dataclass, field

import esprima

from . import coverage

DECLARES = frozenset({"var", "let", "const", "function", "class"})
OPENS, CLOSES = {"(": ")", "[": "]", "{": "}"}, {")", "]", "}"}
# Below this share of the reference's tokens kept, a candidate is a rewrite, not an edit.
REWRITE = 0.5
CONTEXT = 6  # equal tokens a change may take in either side to match its brackets up
SMOKE = 3  # scenarios run whatever the change: the ones that together cover the most


@dataclass(frozen=True)
class Token:
    start: int
    end: int
    text: str
    line_before: bool  # a line break between this token and the one before it

    @property
    def key(self) -> tuple[str, bool]:
        return self.text, self.line_before


@dataclass(frozen=True)
class Change:
    """A reference range ``[start, end)`` the candidate replaces, deletes or inserts at."""

    start: int
    end: int
    kind: str  # "replace", "delete", "insert"
    old: str
    new: str
    widened: str = ""  # why the range is wider than the edit, if it is

    def describe(self, reference: str) -> dict:
        line = reference.count("\n", 0, self.start) + 1
        return {"line": line, "start": self.start, "end": self.end, "kind": self.kind,
                "old": _short(self.old), "new": _short(self.new),
                **({"widened": self.widened} if self.widened else {})}


@dataclass
class Mapping:
    """The candidate against the reference: its changes, or why every scenario must run."""

    changes: list[Change] = field(default_factory=list)
    everything: str = ""  # non-empty: the reason every scenario runs

    @property
    def identical(self) -> bool:
        return not self.changes and not self.everything


def _short(text: str, width: int = 80) -> str:
    text = " ".join(text.split())
    return text if len(text) <= width else text[:width - 1] + "…"


def tokens(source: str) -> list[Token]:
    """The tokens of *source* (comments and whitespace dropped); ValueError if it does not
    parse as a script."""
    try:
        found = esprima.parseScript(source, {"tokens": True, "range": True, "loc": True}).tokens
    except esprima.Error as exc:
        raise ValueError(str(exc)) from None
    result: list[Token] = []
    last_line = 0
    for token in found:
        result.append(Token(token.range[0], token.range[1], token.value,
                            bool(result) and token.loc.start.line > last_line))
        last_line = token.loc.end.line
    return result


@functools.lru_cache(maxsize=4)
def _reference_tokens(source: str) -> tuple[Token, ...]:
    return tuple(tokens(source))


@functools.lru_cache(maxsize=4)
def _functions(source: str) -> tuple[tuple[int, int], ...]:
    return tuple(functions(source))


def functions(source: str) -> list[tuple[int, int]]:
    """``[start, end)`` of every function in *source*, outermost first."""
    found: list[tuple[int, int]] = []

    def visit(node, _meta) -> None:
        if node.type in ("FunctionDeclaration", "FunctionExpression",
                         "ArrowFunctionExpression"):
            found.append((node.range[0], node.range[1]))

    esprima.parseScript(source, {"range": True}, visit)
    return sorted(found, key=lambda r: (r[0], -r[1]))


def frontier(texts: Iterable[str]) -> tuple[str, str] | None:
    """The brackets a run of tokens leaves unmatched: (closers of outer ones, openers of
    inner ones); None when it closes one with the wrong bracket. Two runs with the same
    frontier can replace each other without changing the nesting of anything around them."""
    stack: list[str] = []
    closed = ""
    for text in texts:
        template_close = text.startswith("}") and text.endswith(("`", "${")) and len(text) > 1
        template_open = text.startswith(("`", "}")) and text.endswith("${")
        if text in CLOSES or template_close:
            want = "`" if template_close else text
            if not stack:
                closed += want
            elif stack.pop() != want:
                return None
        if text in OPENS:
            stack.append(OPENS[text])
        elif template_open:
            stack.append("`")  # a template's head or middle: its middle or tail closes it
    return closed, "".join(stack)


def _same_frontier(old: list[Token], new: list[Token]) -> bool:
    ends = frontier(t.text for t in old)
    return ends is not None and ends == frontier(t.text for t in new)


def _grown(old: list[Token], new: list[Token], hunk: tuple[int, int, int, int],
           room: tuple[int, int]) -> tuple[int, int, int, int] | None:
    """*hunk* with the fewest equal tokens either side (at most ``room`` = (before, after),
    the equal runs around it, and :data:`CONTEXT`) that make its frontiers the same: a
    deletion the diff slid by a token or two (``x ) ; on (`` for ``on ( x ) ;``)."""
    i1, i2, j1, j2 = hunk
    before, after = min(room[0], CONTEXT), min(room[1], CONTEXT)
    for total in range(before + after + 1):
        for left in range(min(total, before) + 1):
            right = total - left
            if right <= after and _same_frontier(old[i1 - left:i2 + right],
                                                 new[j1 - left:j2 + right]):
                return i1 - left, i2 + right, j1 - left, j2 + right
    return None


def _differing(old: list[Token], new: list[Token]) -> list[tuple[int, int, int, int]]:
    """The diff's differing runs; the common head and tail are cut off first (an edit is
    usually local, and the diff is quadratic in what is left)."""
    head = 0
    while head < min(len(old), len(new)) and old[head].key == new[head].key:
        head += 1
    tail = 0
    while tail < min(len(old), len(new)) - head and \
            old[len(old) - 1 - tail].key == new[len(new) - 1 - tail].key:
        tail += 1
    matcher = difflib.SequenceMatcher(None, [t.key for t in old[head:len(old) - tail]],
                                      [t.key for t in new[head:len(new) - tail]],
                                      autojunk=False)
    return [(i1 + head, i2 + head, j1 + head, j2 + head)
            for tag, i1, i2, j1, j2 in matcher.get_opcodes() if tag != "equal"]


def hunks(old: list[Token], new: list[Token]) -> list[tuple[int, int, int, int]]:
    """Differing token runs ``(i1, i2, j1, j2)``, each grown by a few equal tokens or merged
    with the next until the old and the new run leave the same brackets unmatched; the
    last may not get there (the caller checks)."""
    raw = _differing(old, new)
    merged: list[tuple[int, int, int, int]] = []
    pending: tuple[int, int, int, int] | None = None
    for n, hunk in enumerate(raw):
        pending = hunk if pending is None else (pending[0], hunk[1], pending[2], hunk[3])
        before = pending[0] - (merged[-1][1] if merged else 0)
        after = (raw[n + 1][0] if n + 1 < len(raw) else len(old)) - pending[1]
        grown = _grown(old, new, pending, (max(before, 0), after))
        if grown is not None:
            merged.append(grown)
            pending = None
    if pending is not None:
        merged.append(pending)
    return merged


def _declares(found: list[Token], first: int, last: int) -> bool:
    """Whether tokens ``[first, last)`` (or the one before them: a renamed binding) declare
    a name: ``var``, ``let``, ``const``, ``class``, or ``function`` where a statement starts
    (a declaration; a function *expression* binds no name outside itself)."""
    for i in range(max(first - 1, 0), last):
        text = found[i].text
        if text == "function":
            if i == 0 or found[i - 1].text in (";", "{", "}"):
                return True
        elif text in DECLARES:
            return True
    return False


def _enclosing(spans: Iterable[tuple[int, int]], start: int, end: int) -> tuple[int, int] | None:
    """The innermost function strictly around ``[start, end)``; None: the top level."""
    inside = [(s, e) for s, e in spans if s < start and end <= e]
    return min(inside, key=lambda r: r[1] - r[0]) if inside else None


def compare(reference: str, candidate: str) -> Mapping:
    """Map *candidate* onto *reference*: the reference ranges its edits touch."""
    try:
        new = tokens(candidate)
    except ValueError as exc:
        return Mapping(everything=f"the candidate does not parse ({exc})")
    old = list(_reference_tokens(reference))
    kept = len(old) - sum(i2 - i1 for i1, i2, _, _ in _differing(old, new))
    if old and kept < REWRITE * len(old):
        return Mapping(everything=f"the candidate differs from the reference in most of its "
                                  f"text ({kept} of {len(old)} tokens kept)")
    scopes = _functions(reference)
    changes = []
    for i1, i2, j1, j2 in hunks(old, new):
        removed, added = old[i1:i2], new[j1:j2]
        if not _same_frontier(removed, added):
            return Mapping(everything="the edit changes the script's structure (its brackets "
                                      "do not match up again before the end)")
        kind = ("replace" if added else "delete") if removed else "insert"
        # The tokens either side count too: an insertion runs where its neighbours run, and
        # a deleted or replaced keyword at a block's edge (an `else`) is decided there.
        start = old[i1 - 1].start if i1 > 0 else 0
        end = old[i2].end if i2 < len(old) else len(reference)
        old_text = reference[removed[0].start:removed[-1].end] if removed else ""
        new_text = candidate[added[0].start:added[-1].end] if added else ""
        widened = ""
        if _declares(old, i1, i2) or _declares(new, j1, j2):
            scope = _enclosing(scopes, start, end)
            if scope is None:
                return Mapping(everything="a declaration changes at the top level, where "
                                          "every scenario runs")
            start, end = scope
            widened = "a declaration changes: every use of it in the function around it"
        changes.append(Change(start, end, kind, old_text, new_text, widened))
    return Mapping(changes=changes)


@dataclass(frozen=True)
class Entry:
    """One scenario of the reference coverage map."""

    spans: list | None  # covered spans of the reference; None: everything
    ok: bool  # the reference passed it with its golden payloads


def smoke(entries: dict[str, Entry], count: int = SMOKE) -> list[str]:
    """The few scenarios that together cover the most of the reference (greedy, by bytes)."""
    chosen: list[str] = []
    covered: list[tuple[int, int]] = []
    pool = {k: e.spans for k, e in entries.items() if e.ok and e.spans}

    def gain(key: str) -> int:
        return sum(e - s for s, e in coverage.union(covered, pool[key])) - \
            sum(e - s for s, e in covered)

    while pool and len(chosen) < count:
        best = max(sorted(pool), key=gain)
        if gain(best) <= 0:
            break
        chosen.append(best)
        covered = coverage.union(covered, pool.pop(best))
    return chosen


def choose(mapping: Mapping, entries: dict[str, Entry], scenarios: Iterable[str]
           ) -> dict[str, str]:
    """``{scenario: why it runs}`` for every scenario of *scenarios* that must run.

    A scenario runs when the mapping says everything must, when it is not in the map (new),
    when the reference did not pass it cleanly, when its coverage is unknown (it may run
    any change), when its coverage touches a change, or when it is in the smoke set. With no
    change at all (the same tokens) no scenario can reach one, whatever its coverage: those
    of unknown coverage do not run then.
    """
    smoke_set = set(smoke(entries))
    why: dict[str, str] = {}
    for key in scenarios:
        entry = entries.get(key)
        if mapping.everything:
            why[key] = "everything runs"
        elif entry is None:
            why[key] = "not in the reference coverage map (a new scenario)"
        elif not entry.ok:
            why[key] = "the reference did not pass it with its golden payloads"
        elif entry.spans is None and not mapping.identical:
            why[key] = "its coverage is unknown (several documents): taken to cover everything"
        elif entry.spans is not None:
            hits = [c for c in mapping.changes if coverage.touches(entry.spans, c.start, c.end)]
            if hits:
                why[key] = f"covers the change at {hits[0].start}–{hits[0].end}"
            elif key in smoke_set:
                why[key] = "smoke set (covers the most of the reference)"
    return why
