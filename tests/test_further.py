"""The other tools' kinds (harness/gate/further.py), each by a table row."""

from functools import cache

import esprima
import pytest

from harness.gate import further, operators

SNIPPET = """(function (w, d) {
  var seen = 0;
  function pick(names, at) {
    for (var i = 0; i < names.length; i++) {
      if (names[i] === null) continue;
      if (names[i] === at) break;
      seen = seen + 2;
    }
    try { return new URL(names[at], w.origin).href; } catch (err) { seen++; }
    var fresh = at !== seen && d.hidden;
    return fresh || at > 3;
  }
  function one() { return 1; }
  w.pick = pick;
})(window, document);
"""


@cache
def mutants() -> list[operators.Mutant]:
    return operators.generate(SNIPPET, check=True)


@pytest.mark.parametrize("operator,original,replacement", [
    ("block-removal", "{\n      if (names[i] === null)", "{}"),
    ("constructor-call", "new URL(names[at], w.origin)", "null"),
    ("boolean-expression", "at !== seen && d.hidden", "true"),
    ("boolean-expression", "at !== seen && d.hidden", "false"),
    ("boolean-expression", "at > 3", "false"),  # an operand of ||: only false
    ("boolean-expression", "at !== seen", "true"),  # an operand of &&: only true
    ("return-constant", "fresh || at > 3", "null"),
    ("break-continue", "continue;", "break;"),
    ("break-continue", "break;", "continue;"),
    ("try-unwrap", "try { return new URL", "return new URL(names[at], w.origin).href;"),
    ("inline-constant", "2", "1"),
    ("inline-constant", "2", "-1"),
    ("inline-constant", "0", "-1"),
    ("constant-decrement", "3", "2"),  # off by one downwards
])
def test_each_kind_mutates_what_it_should(operator, original, replacement):
    found = [(m.original, m.replacement) for m in mutants() if m.operator == operator]
    assert any(o.startswith(original) and r == replacement for o, r in found), found


@pytest.mark.parametrize("operator,original,replacement", [
    ("boolean-expression", "at > 3", "true"),  # true || … is the whole forced true
    ("boolean-expression", "at !== seen", "false"),
    ("boolean-expression", "i < names.length", "false"),  # a loop's test: operators.py's
    ("boolean-expression", "names[i] === null", "true"),  # an if's test: operators.py's
    ("inline-constant", "1", "1"),
    ("inline-constant", "0", "1"),  # operators.py's n + 1
    ("constant-decrement", "2", "1"),  # inline-constant's 1: the earlier id stays
    # A one-statement block emptied is that statement deleted: the earlier id stays.
    ("block-removal", "{ return 1; }", "{}"),
    ("block-removal", "{ seen++; }", "{}"),
])
def test_no_mutant_that_another_operator_already_makes(operator, original, replacement):
    found = [(m.original, m.replacement) for m in mutants() if m.operator == operator]
    assert (original, replacement) not in found, found


def test_the_earlier_operators_keep_their_ids(monkeypatch):
    every = {m.id for m in mutants()}
    monkeypatch.setattr(operators.further, "proposals", lambda *args: iter(()))
    earlier = {m.id for m in operators.generate(SNIPPET, check=False)}
    assert earlier < every
    assert {i.split("@")[0] for i in every - earlier} == {
        "block-removal", "constructor-call", "boolean-expression", "return-constant",
        "break-continue", "try-unwrap", "inline-constant", "constant-decrement",
        "early-return"}


def test_they_parse():
    for mutant in mutants():
        if mutant.operator in {"block-removal", "constructor-call", "boolean-expression",
                               "return-constant", "break-continue", "try-unwrap",
                               "inline-constant", "constant-decrement", "early-return"}:
            esprima.parseScript(mutant.apply(SNIPPET))
    assert further.COMPARISONS >= {"===", "<"}


def test_a_platform_call_that_fills_what_it_is_handed_is_a_dependency():
    # crypto.getRandomValues(bytes) writes into bytes: read before it, the ids are zeros.
    source = """(function (w) {
  function id() {
    var bytes = new Uint8Array(4), out = "";
    w.crypto.getRandomValues(bytes);
    out += bytes[0];
    return out;
  }
  w.id = id;
})(window);
"""
    swaps = [m.original for m in operators.generate(source, check=False)
             if m.operator == "statement-swap"]
    assert any(o.startswith("w.crypto.getRandomValues(bytes);") for o in swaps), swaps


def test_an_early_return_cuts_a_function_short_but_not_the_wrapper():
    """``return;`` before each statement of a function's body after its first (the first
    would be the body removed); never in the outermost function, whose cut is an install
    stopped, as deleting the statement already makes."""
    cut = [m for m in mutants() if m.operator == "early-return"]
    assert all(m.replacement == "return; " and m.start == m.end for m in cut), cut
    assert {SNIPPET[m.start:].split("\n", 1)[0] for m in cut} == {
        "try { return new URL(names[at], w.origin).href; } catch (err) { seen++; }",
        "var fresh = at !== seen && d.hidden;",
        "return fresh || at > 3;"}, cut
