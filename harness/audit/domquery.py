"""Finding the page's elements: by id, tag name and selector, the scripts so far, as far
as the parser has reached when the running script runs."""

from __future__ import annotations

from collections.abc import Callable

from .jsvalues import (
    UNKNOWN,
    JSArray,
    known,
    to_string,
)
from .nodes import PARKED, Element, LiveCollection, Place, attrs_of_tag, place_of_script, text_of
from .page import runs_as_script
from .pagestate import PageState


class Queries(PageState):
    """The document's queries over the parsed page and what scripts put in."""

    def parsed_yet(self, tag) -> bool:
        """Whether the parser has put *tag* (an element of soup) in the document by now:
        while a script of the page's markup runs, the elements after it are still to come
        (its ancestors are open, so in); in a callback, the whole page is."""
        here = self.script_tags[self.index] if not self.deferred and \
            self.index < len(self.script_tags) else None
        if here is None or self.soup is None:
            return True
        if self._order is None:
            self._order = {id(t): at for at, t in enumerate(self.soup.descendants)}
        mine, its = self._order.get(id(here)), self._order.get(id(tag))
        return mine is None or its is None or its < mine

    def _by_id(self, this, args):
        name = to_string(args[0]) if args else ""
        if name in self.made_ids:
            return self.made_ids[name]
        if name in self.ids:
            in_head, attrs = self.ids[name]
            if not in_head and self.in_head and not self.deferred:
                return None  # the parser is still in <head>: the body's elements are to come
            first = self.soup.find(id=name) if self.soup is not None else None
            if first is not None and id(first) not in self.in_soup and \
                    not self.parsed_yet(first):
                return None  # nor, from the body, those after the running script
            found = self._from_soup(lambda soup: soup.find_all(id=name, limit=1))
            if isinstance(found, JSArray) and found.items:
                return found.items[0]
            return Place("element", in_head, in_head, Place("parent", in_head, in_head,
                                                            owner=self), attrs, owner=self)
        return None if known(name) else UNKNOWN

    def _scripts(self) -> JSArray:
        """``document.scripts``: live, the scripts the parser has reached and those put in
        (whenever it is read)."""
        def read() -> list:
            count = len(self.scripts) if self.deferred else self.index + 1
            return [place_of_script(*s, self) for s in self.scripts[:count]] + self.inserted
        return self.live(read)

    def live(self, read: Callable[[], list]) -> LiveCollection:
        """A live collection of what *read* finds, read again once the document changed
        or the parser moved on (so its elements keep their identity in between)."""
        cache: dict = {}

        def now() -> list:
            key = (self.mutations, len(self.inserted), self.index, self.deferred,
                   len(self.made_ids))
            if cache.get("key") != key:
                cache["key"], cache["items"] = key, read()
            return list(cache["items"])  # (the same elements, in a list of its own)
        return LiveCollection(now)

    def _by_tag(self, this, args):
        name = to_string(args[0]).lower() if args else ""
        found = {"head": [self.head], "html": [self.html], "script": None,
                 "body": [self.document.props["body"]] if self.document.props["body"] else []}
        if name not in found:
            return self._live_soup(lambda soup: soup.find_all(name))
        return self._scripts() if name == "script" else JSArray(found[name])

    def _live_soup(self, find):
        """The page's elements *find* finds, as a live collection (UNKNOWN where the audit
        cannot tell)."""
        first = self._from_soup(find)
        if not isinstance(first, JSArray):
            return first

        def read() -> list:
            found = self._from_soup(find)
            return found.items if isinstance(found, JSArray) else []
        return self.live(read)

    def _select(self, args, first: bool):
        selector = to_string(args[0]).strip() if args else ""
        if selector.lower() in ("head", "html", "body", "script"):
            collection = self._by_tag(None, [selector])
        else:
            collection = self._from_soup(lambda soup: soup.select(selector))
        if not isinstance(collection, JSArray):
            return UNKNOWN
        items = list(collection.items)  # (a static NodeList, unlike getElementsBy…)
        return (items[0] if items else None) if first else JSArray(items)

    def _from_soup(self, find):
        """The page's elements a selector or tag name finds, as places."""
        if self.soup is None:
            return UNKNOWN
        try:
            tags = find(self.soup)
        except Exception:  # a selector soupsieve cannot read: the browser might
            return UNKNOWN
        places: list = []
        for tag in tags:
            if id(tag) in self.in_soup:  # an element a script inserted
                places.append(self.in_soup[id(tag)])
                continue
            if id(tag) in self.parked:
                places.append(self.parked[id(tag)])
                continue
            if not self.parsed_yet(tag):
                continue  # the parser has not reached it yet
            in_head = tag.name == "head" or any(p.name == "head" for p in tag.parents)
            attrs = {k.lower(): " ".join(v) if isinstance(v, list) else v
                     for k, v in tag.attrs.items()}
            if tag.name == "script":
                attrs = self.tag_attrs(in_head, attrs)
            place = Place("element", in_head, in_head, Place(
                "parent", in_head, in_head, owner=self), attrs, text_of(tag), owner=self)
            if tag.name == "template":
                place.content = self._content(tag)
            if tag.name == "script" and "src" in attrs and not runs_as_script(attrs):
                # A tag the parser never ran (a consent tool's text/plain): one place, so
                # a type the code gives it is kept until it goes in again (see unpark).
                place.name = PARKED
                self.parked[id(tag)] = place
            places.append(place)
        return JSArray(places)

    def tag_attrs(self, in_head: bool, attrs: dict) -> dict:
        """The attributes of the page's script tag parsed with *attrs*, as scripts set
        them (one dict for every place of it), or *attrs* when it is none of them."""
        for (head, now), parsed in zip(self.scripts, self.parsed_attrs, strict=True):
            if head == in_head and parsed == attrs:
                return now
        return attrs

    def _content(self, tag) -> Element:
        """A ``<template>``'s content: a fragment of scripts that have not run (the
        template's document has no browser), so a copy put in the document runs them."""
        if id(tag) not in self.contents:
            self.contents[id(tag)] = Element("#fragment", children=[
                Element("script", attrs_of_tag(script), text=script.string or "")
                for script in tag.find_all("script", limit=16)])
        return self.contents[id(tag)]
