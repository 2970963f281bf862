"""The browser around a page's scripts, as far as installing a script goes: one object
for the window and document a page's scripts see, made of the concepts beside it (the
page's state, its queries, insertion and writing, events, callbacks, the window's
builtins)."""

from __future__ import annotations

from .callbacks import Callbacks
from .domevents import Events, heard
from .domquery import Queries
from .insertion import Insertion
from .jsvalues import Global
from .nodes import Element, Inserted, Place, place_of_script
from .pagestate import PageState
from .windowapi import build_globals

__all__ = ["Browser", "Element", "Inserted", "Place", "heard"]


class Browser(Insertion, Queries, Events, Callbacks, PageState):
    """What a page's scripts see; ``evaluator`` is set by whoever runs them."""

    def __init__(self, base: str, scripts: list[tuple[bool, dict]],
                 ids: dict[str, tuple[bool, dict]] | None = None, soup=None,
                 base_uri: str | None = None) -> None:
        super().__init__(base, scripts, ids, soup, base_uri)
        self.window = Global(on_set=self._on_handler)
        build_globals(self)

    def _document_now(self) -> None:
        """Refresh what depends on when the running script runs."""
        d = self.document.props
        d["head"] = self.head
        d["documentElement"] = self.html
        d["body"] = self.body if self.deferred or not self.in_head else None
        # The running classic script, whenever it runs; none in modules and callbacks.
        d["currentScript"] = place_of_script(*self.scripts[self.index], self) if self.current \
            else None
        d["readyState"] = self.state
        d["scripts"] = self._scripts()

    def enter(self, index: int, in_head: bool, deferred: bool, line_of,
              current: bool = False, state: str | None = None,
              before_base: bool = False) -> None:
        """Run as script *index*; *state* is the document's readyState then (default:
        loading while parsing, complete in callbacks). A script the parser runs
        *before_base* resolves what it inserts on the page's own address."""
        self.index, self.in_head, self.deferred, self.line_of = index, in_head, deferred, line_of
        self.base_uri = self.base if before_base and not deferred else self.final_base
        self.current = current
        self.state = state or ("complete" if deferred else "loading")
        self._document_now()
