"""The mutation operators for people's edits (harness/gate/edits.py), each by a table row."""

from functools import cache

import esprima
import pytest

from harness.gate import edits, operators
from harness.tracker import SCRIPT

SNIPPET = """(function (w, d) {
  var keys = { Enter: "KEnter", " ": "KSpace" }, names = ["a", "b"], last = null, hits = 0;
  function read(jar, name) {
    var at = jar.indexOf(name);
    return decodeURIComponent(jar.slice(at).trim());
  }
  function note(e) {
    var where = e.pageX;
    last = where;
    hits = hits + 1;
    var api = (w.api = w.api || {});
    return new URL(read(d.cookie, "x"), /^https?:$/.test(where) ? "a" : "b");
  }
  w.addEventListener("click", note, true);
  d.addEventListener("keydown", note);
})(window, document);
"""


@cache
def mutants() -> list[operators.Mutant]:
    return operators.generate(SNIPPET, check=False)


@pytest.mark.parametrize("operator,original,replacement", [
    ("method-expression", "indexOf", "lastIndexOf"),
    ("method-expression", "jar.slice(at).trim()", "jar.slice(at)"),
    ("method-expression", "jar.slice(at)", "jar"),
    ("method-expression", "decodeURIComponent", "decodeURI"),
    ("call-unwrap", "decodeURIComponent(jar.slice(at).trim())", "jar.slice(at).trim()"),
    ("member-swap", "pageX", "clientX"),
    ("object-member-removal", 'Enter: "KEnter", ', ""),
    ("object-member-removal", ', " ": "KSpace"', ""),
    ("array-element-removal", '"a", ', ""),
    ("argument-removal", ', "x"', ""),
    ("argument-swap", 'd.cookie, "x"', '"x", d.cookie'),
    ("new-removal", "new URL(", "URL("),
    ("nullish-coalescing", "w.api || {}", "w.api ?? {}"),
    ("assignment-removal", "w.api = w.api || {}", "(w.api || {})"),
    ("regex-variant", "/^https?:$/", "/^http:$/"),
    ("regex-variant", "/^https?:$/", "/https?:$/"),
    ("event-name", '"keydown"', '"keyup"'),
    ("listener-options", ", true", ", { capture: true, once: true }"),
    ("listener-options", "", ", true"),
    ("statement-swap", "var where = e.pageX;\n    last = where;", "last = where;\n    var where"),
])
def test_each_edit_mutates_what_it_should(operator, original, replacement):
    found = [(m.original, m.replacement) for m in mutants()
             if m.operator == operator]
    assert any(o.startswith(original) and r.startswith(replacement) for o, r in found), found


@pytest.mark.parametrize("operator,original", [
    # Statements that touch nothing of each other run the same in either order.
    ("statement-swap", "last = where;\n    hits = hits + 1;"),
    # A listener dropped or moved only makes the call do nothing: statement deletion's.
    ("argument-removal", ", note"),
    ("argument-swap", "note, true"),
    ("argument-swap", '"click", note'),
])
def test_no_mutant_that_another_operator_already_makes(operator, original):
    found = [m.original for m in mutants() if m.operator == operator]
    assert original not in found, found


def test_classic_mutants_keep_their_ids_beside_the_new_ones(monkeypatch):
    ids = [m.id for m in mutants()]
    assert len(ids) == len(set(ids))
    monkeypatch.setattr(operators.edits, "proposals", lambda *args: iter(()))
    classic = {m.id for m in operators.generate(SNIPPET, check=False)}
    assert classic and classic <= set(ids) and len(classic) < len(ids)



def test_edits_of_the_tracker_parse(monkeypatch):
    # Edits are not parsed as they are made (they parse by construction): a sample here.
    source = SCRIPT.read_text()
    every = operators.generate(source, check=False)
    monkeypatch.setattr(operators.edits, "proposals", lambda *args: iter(()))
    classic = {m.id for m in operators.generate(source, check=False)}
    made = [m for m in every if m.id not in classic and m.operator not in edits.UNPARSED]
    assert len(made) > 150  # every 25th parsed: about ten
    for mutant in made[::25]:
        esprima.parseScript(mutant.apply(source))
