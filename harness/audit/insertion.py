"""Putting nodes in the document: insertion (and a Range's), ``document.write`` and
``open()``; a script that reaches the document is found, and runs."""

from __future__ import annotations

from typing import TYPE_CHECKING

from .jsvalues import (
    UNDEF,
    UNKNOWN,
    JSObject,
    Native,
    known,
    to_string,
)
from .nodes import Element, Inserted, Place, detach, from_markup, unpark
from .page import runs_as_script
from .pagestate import CALLABLE, MAX_INSERTED, PageState, arg0

if TYPE_CHECKING:
    from .dom import Browser


class Insertion(PageState):
    """Insertion and writing into the document."""

    def _fragment(self, this, args):
        """``createContextualFragment``: unlike innerHTML, its scripts run once inserted."""
        return from_markup(Element("#fragment"), to_string(args[0]) if args else "",
                           started=False)

    def _write(self, this, args):
        self._not_xml()
        if self.external_async:
            return UNDEF  # browsers ignore writes from async and deferred external scripts
        if self._parsed():  # no insertion point: it opens a new document first
            self._open(this, [])
        self.written.append(("".join(to_string(a) for a in args), self.in_head, self.line()))
        return UNDEF

    def _not_xml(self) -> None:
        """Throw the InvalidStateError ``document.write`` and ``open()`` throw in an XML
        document (XHTML served as such), first of all."""
        from .jseval import Throw

        if self.xml:
            raise Throw(UNKNOWN)

    def _parsed(self) -> bool:
        """Whether the page's parser is done as the running script runs (a callback, a
        deferred one), not one it runs (nor one a write put in, which blocks it)."""
        return self.deferred and not self.blocking

    def _open(self, this, args):
        """``document.open()`` once the page is parsed replaces it (while parsing it does
        nothing): its scripts, the tracker's among them, are gone, and what is written next
        is a new document, parsed from its start."""
        self._not_xml()
        if self._parsed():
            self.replaced, self.in_head = True, True
            self.found.clear()
            self.written.clear()
        return self.document

    def _range(self) -> JSObject:
        """``document.createRange()``: its contextual fragments, and ``insertNode`` into the
        node its start is in (``selectNodeContents(n)``, ``setStart(n, …)``: *n*;
        ``selectNode(n)``, ``setStartBefore``/``After(n)``: *n*'s parent), at the start as far
        as the audit places nodes; a start it cannot locate puts the node near the script."""
        native = lambda name, fn: Native(name, fn)  # noqa: E731
        start: list = [UNKNOWN]

        def parent_of(node):
            if isinstance(node, Place):
                return node.parent if node.parent is not None else UNKNOWN
            if isinstance(node, Element):
                return node.place if node.place is not None else node.parent or UNKNOWN
            return UNKNOWN

        def inside(this, args):
            start[0] = arg0(args) if isinstance(arg0(args), (Place, Element)) else UNKNOWN
            return UNDEF

        def beside(this, args):
            start[0] = parent_of(arg0(args))
            return UNDEF

        def insert_node(this, args):
            node = arg0(args)
            self.insert(start[0] if start[0] is not UNKNOWN else None, node)
            return UNDEF
        return JSObject({
            "createContextualFragment": native("createContextualFragment", self._fragment),
            "selectNodeContents": native("selectNodeContents", inside),
            "setStart": native("setStart", inside),
            "selectNode": native("selectNode", beside),
            "setStartBefore": native("setStartBefore", beside),
            "setStartAfter": native("setStartAfter", beside),
            "collapse": native("collapse", lambda t, a: UNDEF),
            "insertNode": native("insertNode", insert_node)})

    def insert(self, target, node) -> None:
        """*node* goes into *target*; scripts that reach the document are found."""
        if isinstance(node, str) or isinstance(node, Element) and node.tag == "#text":
            if isinstance(target, Element) and known(target.text) and (
                    target.place is None or target.tag == "script" and not target.started):
                # a script's text, as the code builds it (append('…'), a text node)
                target.text += node if isinstance(node, str) else node.text
                self.prepare(target)
            return
        if isinstance(target, Element):
            if target.place is None:
                if isinstance(node, Element):
                    detach(node)
                    node.parent = target
                target.children.append(node)
                return
            target = Place("element", target.place.holds_head, target.place.holds_head,
                           owner=target.place.owner)
        if not isinstance(target, Place):
            # Somewhere we cannot see: the snippet's own place stands in for it.
            target = Place("unknown", self.in_head, self.in_head, owner=self)
        node = unpark(node)
        if not isinstance(node, Element):
            return
        # Moved within the document: only a script not started yet is decided again.
        moved = node.place is not None
        if moved and (node.tag != "script" or node.started):
            return
        if node.parent is not None and node.parent.place is None:
            detach(node)  # moved out of a detached element into the document
        node.place = target
        self.mutations += 1
        if not moved and node.tag in self.defined:
            self.defined[node.tag](UNDEF, [])  # a custom element connected: it is made
        if node.attrs.get("id"):
            self.made_ids.setdefault(node.attrs["id"], node)
        if node.tag == "script" and "src" in node.attrs and not node.started and \
                not runs_as_script(node.attrs):
            # Put in with a type the browser does not run, it does not run, whatever its type
            # becomes (how jQuery puts markup's scripts in before loading their src itself),
            # until it is put in again.
            if not moved:
                self._into_soup(node, target.holds_head)
            return
        if node.tag == "script" and not node.started and "src" not in node.attrs and \
                not node.text:
            return  # nothing to run: a text or src given it later runs it (see prepare)
        if node.tag == "script" and not node.started:
            node.started = True
            # Its attributes stay live: a src or data-site set after insertion still counts.
            into = self._document_of(target)
            into.found.append(Inserted(
                "inserted", node.attrs, target.holds_head, self.line(), base=self.base_uri,
                src=node.attrs.get("src")))
            into._into_soup(node, target.holds_head)
            if "src" not in node.attrs and node.text and self.evaluator is not None:
                if not self.refusal(node.text, node.attrs):
                    self.run_nested(node.text)
            elif "src" in node.attrs:
                # It loads: its load handlers run then, whenever they were set.
                self.queue.append((Native("onload", lambda t, a: self._loaded(node)), [],
                                   self.index, self.in_head, self.line_of))
        for child in node.children:
            if isinstance(child, Element):
                child.place = None
                self.insert(node, child)

    def prepare(self, node: Element) -> None:
        """A script in the document not started yet, given a text or a src, runs then."""
        if node.tag == "script" and not node.started and isinstance(node.place, Place):
            self.insert(node.place, node)

    def _loaded(self, node: Element) -> object:
        evaluator = self.running()
        for handler in [node.props.get("onload"), *node.listeners]:
            if isinstance(handler, CALLABLE):
                evaluator.call(handler, node, [UNKNOWN])
        return UNDEF

    def _document_of(self, target) -> Browser:
        """The document a script put in *target* is in: the holding page's when *target* is
        one of its elements (a frame's ``parent.document.querySelector('#x')``, a nested
        frame's ``top.document.head``), else this one."""
        up = self.holder
        while up is not None and target.owner is not up:
            up = up.holder
        return up if up is not None else self.browser

    def _into_soup(self, node: Element, in_head: bool) -> None:
        """Let selectors and ``document.scripts`` find a script once it is in (a second
        snippet's ``querySelector('script[src*=…]')`` guard sees the first one's)."""
        if len(self.inserted) >= MAX_INSERTED:
            return
        self.inserted.append(node)
        parent = None if self.soup is None else self.soup.head if in_head else self.soup.body
        if parent is None:
            return
        tag = self.soup.new_tag("script")
        tag.attrs = node.attrs  # the same dict: attributes set later are seen
        parent.append(tag)
        self.in_soup[id(tag)] = node
        self.soup_tags.append(tag)

    def forget(self) -> None:
        """Take the inserted scripts out of the page's soup again, for the next reader."""
        for tag in self.soup_tags:
            tag.extract()
        self.soup_tags.clear()
        self.in_soup.clear()
