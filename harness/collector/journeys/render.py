"""Render a ``send`` step's text with the triggering and matching interactions, sandboxed.

Templates may only show values: fields of ``trigger`` and ``match``, constants, a few
string filters and ``if``. No loops, calls or arithmetic, so rendering takes time in
proportion to the template and the (capped) fields, and the result is capped too.
"""

from __future__ import annotations

from itertools import islice

from jinja2 import ChainableUndefined, nodes
from jinja2.sandbox import SandboxedEnvironment


class _FieldsOnly(SandboxedEnvironment):
    """Values show their fields and nothing else: ``trigger.title`` is the interaction's
    field, never a Python attribute of what it holds (``trigger.title.upper`` printed a
    bound method with its memory address)."""

    def getattr(self, obj, attribute):
        return self.getitem(obj, attribute)

    def getitem(self, obj, argument):
        if isinstance(obj, dict) and isinstance(argument, str) and argument in obj:
            return obj[argument]
        return self.undefined(obj=obj, name=argument)


# Text for the message itself; autoescaped HTML for anywhere it is shown as a page.
ENV = _FieldsOnly(undefined=ChainableUndefined, autoescape=False)
HTML_ENV = _FieldsOnly(undefined=ChainableUndefined, autoescape=True)

MAX_MESSAGE = 10_000  # characters of a rendered message
MAX_TEMPLATE = 10_000  # characters of a template
FILTERS = frozenset({"default", "d", "upper", "lower", "title", "capitalize", "trim",
                     "truncate", "e", "escape"})
_ALLOWED = (nodes.Template, nodes.Output, nodes.TemplateData, nodes.Name, nodes.Getattr,
            nodes.Getitem, nodes.Const, nodes.If, nodes.CondExpr, nodes.Compare, nodes.Operand,
            nodes.And, nodes.Or, nodes.Not, nodes.Filter, nodes.Keyword)


class MessageError(ValueError):
    """A message that cannot be rendered within its limits."""


def check(template: str) -> None:
    """Raise ValueError if *template* uses more than the value-showing subset, or is too long.

    Jinja's own syntax errors (TemplateSyntaxError) propagate for the caller to word.
    """
    if len(template) > MAX_TEMPLATE:
        raise ValueError(f"is longer than {MAX_TEMPLATE} characters")
    try:
        parsed = ENV.parse(template)
        # Compiled here, not first at a run: a template Python cannot compile (ifs nested a
        # hundred deep) would otherwise be accepted and then end every run in an error.
        ENV.compile(template)
    except (RecursionError, SyntaxError, MemoryError):
        raise ValueError("nests too deeply to render") from None
    for node in parsed.find_all(nodes.Node):
        if not isinstance(node, _ALLOWED):
            raise ValueError(f"uses {type(node).__name__}: only fields of trigger and match, "
                             f"constants, 'if' and the filters {', '.join(sorted(FILTERS))}")
        if isinstance(node, nodes.Name) and node.name not in ("trigger", "match"):
            raise ValueError(f"names {node.name!r}: only trigger and match are known")
        if isinstance(node, nodes.Filter) and node.name not in FILTERS:
            raise ValueError(f"uses the filter {node.name!r}; allowed: "
                             f"{', '.join(sorted(FILTERS))}")


def _capped(env: SandboxedEnvironment, template: str, context: dict) -> str:
    # Stream the output and stop past the cap: a huge field never becomes a huge message.
    chunks, size = [], 0
    for chunk in islice(env.from_string(template).generate(context), 100_000):
        size += len(chunk)
        if size > MAX_MESSAGE:
            raise MessageError(f"the rendered message is longer than {MAX_MESSAGE} characters")
        chunks.append(chunk)
    return "".join(chunks)


def message(template: str, trigger: dict, match: dict | None) -> dict:
    """Return the message as ``{text, html}``; a missing field renders as empty."""
    context = {"trigger": trigger, "match": match or {}}
    return {"text": _capped(ENV, template, context), "html": _capped(HTML_ENV, template, context)}
