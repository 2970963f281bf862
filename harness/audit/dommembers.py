"""Property reads and writes on the modelled values: strings, arrays, functions, the
document's places and the elements scripts create."""

from __future__ import annotations

import re

from . import jsregex
from .dom import Browser
from .handlers import queue_markup_handlers
from .jseval import Throw
from .jsvalues import (
    HOLE,
    UNDEF,
    UNKNOWN,
    Function,
    Getter,
    JSArray,
    JSObject,
    Native,
    as_index,
    known,
    strict_equal,
    to_int,
    to_number,
    to_string,
    truthy,
)
from .nodes import (
    BOOLEAN_ATTRS,
    PARKED,
    REFLECTED,
    Dataset,
    Element,
    LiveCollection,
    Place,
    copy_node,
    detach,
    from_markup,
)
from .page import resolve

_INSERT_INTO = ("appendChild", "insertBefore", "append", "prepend", "replaceChildren")
_INSERT_BESIDE = ("before", "after", "replaceWith")


def get(host: Browser, subject, key):
    if subject is None or subject is UNDEF:
        if host.lenient_members:  # perhaps a?.b (loaders._run)
            return UNDEF
        raise Throw(UNKNOWN)  # TypeError: reading a property of null
    if isinstance(subject, str):
        return _string_member(subject, key)
    if isinstance(subject, JSArray) and key in ARRAY_METHODS:
        return Native(key, lambda this, args: ARRAY_METHODS[key](host, this, args), subject)
    if isinstance(subject, Native) and subject.this is not None and key in ("call", "apply"):
        # An array's method called on another array: [].slice.call(arguments)
        return Native(key, lambda this, args: _call_as(host, Native(
            subject.name, subject.fn), key, args))
    if isinstance(subject, (Function, Native)) and key in ("call", "apply", "bind"):
        return Native(key, lambda this, args: _call_as(host, subject, key, args))
    if isinstance(subject, (Function, Native)) and key == "constructor" and not (
            isinstance(subject, Function) and "constructor" in subject.props.props):
        return host.window.get("Function")  # (function () {}).constructor('code')()
    if isinstance(subject, Place):
        return _place_member(host, subject, key)
    if isinstance(subject, Element):
        return _element_member(host, subject, key)
    if isinstance(subject, (JSObject, Function, Native, Dataset)):
        value = subject.get(key)
        if value is UNKNOWN and subject is host.window and key not in subject.props and \
                host.undeclared.missing(key):
            return UNDEF  # no code made it: window.cfg.site throws
        if isinstance(value, Getter):
            return host.running().call(value.fn, subject, []) if value.fn is not None \
                else UNDEF
        return value
    if subject is UNKNOWN and key in (*_INSERT_INTO, *_INSERT_BESIDE, "replaceChild",
                                      "insertAdjacentElement"):
        # An element the audit cannot locate (children[0], a library's node): what is
        # put in it still reaches the document, near the snippet as far as is known.
        def into_unknown(this, args):
            first = args[1:2] if key == "insertAdjacentElement" else args[:1] if key in (
                "appendChild", "insertBefore", "replaceChild") else args
            _insert(host, None, first)
            return UNKNOWN
        return Native(key, into_unknown)
    return UNKNOWN


def set_(host: Browser, subject, key, value) -> None:
    if subject is None or subject is UNDEF:
        raise Throw(UNKNOWN)
    key = to_string(key)
    if isinstance(subject, Element):
        _set_element(subject, key, value)
        if key.lower() == "innerhtml" and subject.tag not in ("script", "style"):
            queue_markup_handlers(host, subject)
        if key.lower() in ("text", "textcontent", "innertext", "innerhtml", "src"):
            host.prepare(subject)
    elif isinstance(subject, Place) and subject.name == PARKED and key == "type":
        subject.attrs["type"] = to_string(value)  # (a parked tag's type: see nodes.unpark)
    elif isinstance(subject, Place) and key.lower() == "innerhtml" and \
            subject.name not in ("script", "style"):
        queue_markup_handlers(host, from_markup(Element("#fragment"), to_string(value)))
    elif isinstance(subject, Place) and subject.owner is not None and \
            subject is subject.owner.body:
        # <body>'s window event handlers are the window's (body.onload is window.onload).
        subject.owner._on_handler(key, value, "window")
    elif subject is host.document and key == "cookie":
        host.set_cookie(value)
    elif isinstance(subject, JSObject) and isinstance(subject.props.get(key), Getter):
        setter = subject.props[key].setter
        if setter is not None:
            host.running().call(setter, subject, [value])
    elif isinstance(subject, (JSObject, Function, Dataset)):
        subject.set(key, value)
        if subject is host.document:
            host._on_handler(key, value, "document")
    elif subject is UNKNOWN:
        host.unknown_handler(key, value)


def _insert(host: Browser, target, nodes: list):
    """Insert each of *nodes* into *target*; the DOM method answers undefined."""
    for node in nodes:
        host.insert(target, node)
    return UNDEF


def _call_as(host: Browser, fn, how: str, args: list):
    this = args[0] if args else UNDEF
    rest = list(args[1:])
    if how == "apply":
        rest = rest[0].items if rest and isinstance(rest[0], JSArray) else []
    if how == "bind":
        return Native("bound", lambda _t, more: host.running().call(fn, this, rest + more))
    return host.running().call(fn, this, rest)


# -- strings ---------------------------------------------------------------------------
def _string_member(text: str, key):
    if key == "length":
        return float(len(text)) if known(text) else UNKNOWN
    index = as_index(key)
    if index is not None:
        return text[index] if known(text) and index < len(text) else UNKNOWN
    method = _STRING.get(key)
    if key in ("replace", "replaceAll", "match", "search", "split"):
        def with_regexp(this, args):  # a RegExp argument first, else the string method
            done = jsregex.string_method(text, key, args)
            if done is not jsregex.NOT_REGEXP:
                return done
            return method(text, args) if method else UNKNOWN
        return Native(key, with_regexp)
    return Native(key, lambda this, args: method(text, args)) if method else UNKNOWN


def _needs_known(fn):
    def wrapped(text, args):
        if not known(text) or not all(known(a) for a in args):
            return UNKNOWN
        return fn(text, args)
    return wrapped


def _capped(text: str) -> str:
    return text if len(text) <= 64 * 1024 else HOLE


def _replace_all(text: str, old: str, new: str) -> str:
    if len(text) + text.count(old) * len(new) > 64 * 1024:
        return HOLE  # measured before it is built: a hostile page cannot blow it up
    return text.replace(old, new)


def _pad(text: str, args) -> str:
    """What ``padStart``/``padEnd`` add: the filler (a space) repeated up to the length."""
    missing = min(to_int(_arg(args, 0, 0.0)), 64 * 1024 + 1) - len(text)
    filler = to_string(args[1]) if len(args) > 1 and args[1] is not UNDEF else " "
    if missing <= 0 or not filler:
        return ""
    return (filler * (missing // len(filler) + 1))[:missing]


def _arg(args, index, default=UNDEF):
    return args[index] if index < len(args) else default


_STRING = {
    "concat": lambda t, a: HOLE if len(a) > 64 else _capped(
        t + "".join(to_string(x) for x in a)),
    "toString": lambda t, a: t,
    "toLowerCase": _needs_known(lambda t, a: t.lower()),
    "toUpperCase": _needs_known(lambda t, a: t.upper()),
    "trim": _needs_known(lambda t, a: t.strip()),
    "replace": _needs_known(lambda t, a: t.replace(to_string(a[0]), to_string(_arg(a, 1)), 1)
                            if a and isinstance(a[0], str) else UNKNOWN),
    "split": _needs_known(lambda t, a: JSArray(t.split(a[0]) if a and isinstance(a[0], str)
                                               and a[0] else list(t))),
    "replaceAll": _needs_known(lambda t, a: _replace_all(t, to_string(a[0]), to_string(
        _arg(a, 1))) if a and isinstance(a[0], str) and a[0] else UNKNOWN),
    "trimStart": _needs_known(lambda t, a: t.lstrip()),
    "trimEnd": _needs_known(lambda t, a: t.rstrip()),
    "at": _needs_known(lambda t, a: t[to_int(_arg(a, 0, 0.0))] if -len(t) <= to_int(
        _arg(a, 0, 0.0)) < len(t) else UNDEF),
    "lastIndexOf": _needs_known(lambda t, a: float(t.rfind(to_string(_arg(a, 0))))),
    "indexOf": _needs_known(lambda t, a: float(t.find(to_string(_arg(a, 0))))),
    "includes": _needs_known(lambda t, a: to_string(_arg(a, 0)) in t),
    "startsWith": _needs_known(lambda t, a: t.startswith(to_string(_arg(a, 0)))),
    "endsWith": _needs_known(lambda t, a: t.endswith(to_string(_arg(a, 0)))),
    "slice": _needs_known(lambda t, a: t[to_int(_arg(a, 0, 0.0)):
                                         to_int(a[1]) if len(a) > 1 else None]),
    "substring": _needs_known(lambda t, a: t[to_int(_arg(a, 0, 0.0)):
                                             to_int(a[1]) if len(a) > 1 else None]),
    "substr": _needs_known(lambda t, a: t[to_int(_arg(a, 0, 0.0)):][
        :max(to_int(a[1]), 0) if len(a) > 1 else None]),
    "repeat": _needs_known(lambda t, a: _capped(t * min(max(to_int(_arg(a, 0, 0.0)), 0),
                                                       64 * 1024 // max(len(t), 1) + 1))),
    "padStart": _needs_known(lambda t, a: _capped(_pad(t, a) + t)),
    "padEnd": _needs_known(lambda t, a: _capped(t + _pad(t, a))),
    "charAt": _needs_known(lambda t, a: t[to_int(_arg(a, 0, 0.0))]
                           if to_int(_arg(a, 0, 0.0)) < len(t) else ""),
}


# -- arrays ----------------------------------------------------------------------------
def _each(host, array, args, collect):
    fn = _arg(args, 0)
    results = []
    for index, item in enumerate(list(array.items)):
        results.append(host.evaluator.call(fn, UNDEF, [item, float(index), array]))
    return collect(results)


def _push(host, array, args):
    array.items += args
    return float(len(array.items))


def _join(host, array, args):
    separator = to_string(args[0]) if args and args[0] is not UNDEF else ","
    joined = separator.join("" if v in (None, UNDEF) else to_string(v) for v in array.items)
    return joined if len(joined) <= 64 * 1024 else HOLE


ARRAY_METHODS = {
    "forEach": lambda h, a, args: _each(h, a, args, lambda r: UNDEF),
    "map": lambda h, a, args: _each(h, a, args, JSArray),
    "filter": lambda h, a, args: JSArray([v for v, keep in zip(
        list(a.items), _each(h, a, args, list), strict=False) if truthy(keep) is not False]),
    "push": _push,
    "join": _join,
    "concat": lambda h, a, args: JSArray(a.items + [
        x for arg in args for x in (arg.items if isinstance(arg, JSArray) else [arg])]),
    "slice": lambda h, a, args: JSArray(a.items[to_int(_arg(args, 0, 0.0)):to_int(
        args[1]) if len(args) > 1 and args[1] is not UNDEF else None]),
    "indexOf": lambda h, a, args: float(next(
        (i for i, v in enumerate(a.items) if strict_equal(v, _arg(args, 0)) is True), -1)),
    "includes": lambda h, a, args: any(strict_equal(v, _arg(args, 0)) is True
                                       for v in a.items),
    "pop": lambda h, a, args: a.items.pop() if a.items else UNDEF,
    "reverse": lambda h, a, args: (a.items.reverse(), a)[1],
    "item": lambda h, a, args: a.get(to_number(_arg(args, 0, 0.0))),
    "shift": lambda h, a, args: a.items.pop(0) if a.items else UNDEF,
    "some": lambda h, a, args: _search(h, a, args, "some"),
    "every": lambda h, a, args: _search(h, a, args, "every"),
    "find": lambda h, a, args: _search(h, a, args, "find"),
    "findIndex": lambda h, a, args: _search(h, a, args, "findIndex"),
    "at": lambda h, a, args: _at(a, to_number(_arg(args, 0, 0.0))),
    "reduce": lambda h, a, args: _reduce(h, a, args),
    "unshift": lambda h, a, args: (a.items.__setitem__(slice(0, 0), args),
                                   float(len(a.items)))[1],
}


def _at(array, position) -> object:
    if not isinstance(position, float) or position != position:
        return UNKNOWN if not isinstance(position, float) else _at(array, 0.0)
    at = int(position) + (len(array.items) if position < 0 else 0)
    return array.items[at] if 0 <= at < len(array.items) else UNDEF


def _reduce(host, array, args):
    """``reduce(fn[, initial])``: the callback folds the items in order."""
    fn, items = _arg(args, 0), list(array.items)
    if len(args) > 1:
        total = args[1]
    elif items:
        total, items = items[0], items[1:]
    else:
        raise Throw(UNKNOWN)  # TypeError: reduce of an empty array with no initial value
    offset = len(array.items) - len(items)
    for index, item in enumerate(items):
        total = host.evaluator.call(fn, UNDEF, [total, item, float(index + offset), array])
    return total


def _search(host, array, args, how: str):
    """``some``, ``every``, ``find``, ``findIndex``: the callback runs on each item until
    one decides, as in the browser; an answer only the browser knows makes it unknown."""
    fn, wanted = _arg(args, 0), how != "every"
    for position, item in enumerate(list(array.items)):
        held = truthy(host.evaluator.call(fn, UNDEF, [item, float(position), array]))
        if held is None:
            return UNKNOWN
        if held is wanted:
            return {"some": True, "every": False, "find": item,
                    "findIndex": float(position)}[how]
    return {"some": False, "every": True, "find": UNDEF, "findIndex": -1.0}[how]


# -- the document ----------------------------------------------------------------------
def _adjacent_html(host: Browser):
    """``insertAdjacentHTML(where, markup)``: its scripts never run, its images load."""
    def put(this, args):
        queue_markup_handlers(host, from_markup(Element("#fragment"), to_string(_arg(
            args, 1, ""))))
        return UNDEF
    return Native("insertAdjacentHTML", put)


def _place_member(host: Browser, place: Place, key):
    if key == "insertAdjacentHTML":
        return _adjacent_html(host)
    if key in ("parentNode", "parentElement"):
        return place.parent if place.parent is not None else UNKNOWN
    if key in _INSERT_INTO or key == "replaceChild":
        def into(this, args):
            for node in (args[:1] if key in ("insertBefore", "appendChild", "replaceChild")
                         else args):
                host.insert(place, node)
                if key in ("appendChild", "append") and isinstance(node, Element):
                    # (its last child while this script runs: see last_child)
                    host.last_put = (place, node, host.index)
            return args[0] if args else UNDEF
        return Native(key, into)
    if key in _INSERT_BESIDE:
        return Native(key, lambda this, args: _insert(host, place.parent, args))
    if key == "insertAdjacentElement":
        def adjacent(this, args):
            where = to_string(_arg(args, 0, "")).lower()
            target = place.parent if where in ("beforebegin", "afterend") else place
            host.insert(target, _arg(args, 1))
            return _arg(args, 1)
        return Native(key, adjacent)
    owner = place.owner or host  # (a frame's parent's elements are its parent's)
    if place is owner.html and key in ("firstChild", "firstElementChild"):
        return owner.head  # the parser puts nothing before <head> but comments
    if place is owner.html and key in ("lastChild", "lastElementChild"):
        return owner.body if owner.deferred or not owner.in_head else owner.head  # (no body)
    if key in ("lastChild", "lastElementChild") and last_child(owner, place) is not None:
        return last_child(owner, place)
    if key in ("firstChild", "firstElementChild", "lastChild", "lastElementChild"):
        return Place("child", place.holds_head, place.holds_head, place, owner=place.owner)
    if key in ("getElementsByTagName", "querySelector", "querySelectorAll"):
        return owner.document.get(key)
    if key == "getAttribute":
        return Native(key, lambda this, args: place.attrs.get(
            to_string(_arg(args, 0, "")).lower(), None))
    if key == "hasAttribute":
        return Native(key, lambda this, args: to_string(_arg(args, 0, "")).lower()
                      in place.attrs)
    if key == "dataset":
        return Dataset(place)
    if key in ("setAttribute", "removeAttribute") and place.name in ("script", "element"):
        def attribute(this, args):
            name = to_string(_arg(args, 0, "")).lower()
            if key == "removeAttribute":
                place.attrs.pop(name, None)
            elif name != "type":  # (a parked tag's type: see set_)
                place.attrs[name] = to_string(_arg(args, 1, "undefined"))
            return UNDEF
        return Native(key, attribute)
    if key in ("textContent", "innerText", "text", "innerHTML"):
        return place.text
    if key == "content" and place.content is not None:
        return place.content
    if key in ("src", "href") and key in place.attrs:  # as the browser resolves them
        return resolve(host.base_uri, str(place.attrs[key]))
    if isinstance(key, str) and key.lower() in place.attrs:
        return place.attrs[key.lower()]  # reflected attributes: content, href, name…
    return UNKNOWN


def _element_member(host: Browser, element: Element, key):
    if key == "insertAdjacentHTML":
        return _adjacent_html(host)
    if key == "setAttribute":
        def set_attribute(this, args):
            _set_attribute(element, args)
            host.prepare(element)  # a src given to an empty script in the document runs it
            return UNDEF
        return Native(key, set_attribute)
    if key == "setAttributeNS":  # in no namespace: as setAttribute
        return Native(key, lambda this, args: _set_attribute(element, args[1:]) if args and
                      args[0] in (None, "") else UNDEF)
    if key == "getAttribute":
        return Native(key, lambda this, args: element.attrs.get(
            to_string(_arg(args, 0, "")).lower(), None))
    if key == "removeAttribute":
        return Native(key, lambda this, args: element.attrs.pop(
            to_string(_arg(args, 0, "")).lower(), None) and UNDEF)
    if key == "dataset":
        return Dataset(element)
    if key in ("appendChild", "insertBefore"):
        return Native(key, lambda this, args: _insert(host, element, args[:1]))
    if key in ("append", "prepend", "replaceChildren"):
        return Native(key, lambda this, args: _insert(host, element, args))
    if key == "insertAdjacentElement":
        return Native(key, lambda this, args: _insert(host, element, args[1:2]))
    if key in ("parentNode", "parentElement"):
        return element.place if element.place is not None else element.parent
    if key in _TREE:
        return _TREE[key](host, element)
    if key == "addEventListener":
        return Native(key, lambda this, args: _listen_on(element, args))
    if key == "cloneNode":
        return Native(key, lambda this, args: copy_node(element, _arg(args, 0) is True))
    lower = key.lower() if isinstance(key, str) else ""
    if lower in BOOLEAN_ATTRS:
        return lower in element.attrs
    if lower in ("src", "href") and lower in element.attrs:  # read back absolute
        return resolve(host.base_uri, str(element.attrs[lower]))
    if lower in REFLECTED or lower == "classname":
        return element.attrs.get("class" if lower == "classname" else lower, "")
    if lower in ("text", "textcontent", "innertext", "innerhtml"):
        return element.text
    return element.props.get(key, UNDEF)


def _descendants(element: Element) -> list[Element]:
    found: list[Element] = []
    for child in element.children:
        if isinstance(child, Element):
            found += [child, *_descendants(child)]
    return found


_SIMPLE_SELECTOR = re.compile(r"\s*([a-z][a-z0-9-]*|\*)?(?:\[([a-z][a-z0-9-]*)\])?\s*", re.I)


def _query(element: Element, selector, first: bool):
    """``querySelector(All)``/``getElementsByTagName`` inside an element scripts made, for
    a tag name and an attribute present (``script``, ``script[src]``); others unknown."""
    match = _SIMPLE_SELECTOR.fullmatch(to_string(selector)) if known(selector) else None
    if match is None or not any(match.groups()):
        return UNKNOWN
    name, attr = (match.group(1) or "*").lower(), (match.group(2) or "").lower()
    found = [e for e in _descendants(element) if name in ("*", e.tag) and (
        not attr or attr in e.attrs)]
    return (found[0] if found else None) if first else JSArray(found)


def _replace_with(host: Browser, element: Element, nodes: list) -> object:
    """``replaceWith``: in a detached element the nodes take its place; in the document
    they go where it is."""
    if element.place is not None:
        return _insert(host, element.place, nodes)
    parent = element.parent
    if parent is not None:
        at = next((i for i, c in enumerate(parent.children) if c is element), None)
        detach(element)
        for node in reversed(nodes):
            if isinstance(node, Element):
                detach(node)
                node.parent = parent
                parent.children.insert(at if at is not None else len(parent.children), node)
    return UNDEF


def _replace_child(host: Browser, element: Element, args) -> object:
    old = _arg(args, 1)
    if isinstance(old, Element) and old.parent is element:
        _replace_with(host, old, args[:1])
    else:
        _insert(host, element, args[:1])
    return old


def _edge(element: Element, at: int) -> Element | None:
    children = _elements(element)
    return children[at] if children else None


def _removed(node):
    if isinstance(node, Element):
        detach(node)
    return node


def _elements(element: Element) -> list[Element]:
    return [c for c in element.children if isinstance(c, Element) and c.tag != "#text"]


_TREE = {
    "children": lambda h, e: LiveCollection(lambda: _elements(e)),
    "childNodes": lambda h, e: LiveCollection(lambda: _elements(e)),
    "firstChild": lambda h, e: _edge(e, 0),
    "firstElementChild": lambda h, e: _edge(e, 0),
    "lastChild": lambda h, e: _edge(e, -1),
    "lastElementChild": lambda h, e: _edge(e, -1),
    "childElementCount": lambda h, e: float(len(_elements(e))),
    "attributes": lambda h, e: JSArray([JSObject({"name": k, "value": v, "nodeName": k,
                                                  "nodeValue": v})
                                        for k, v in e.attrs.items()]),
    "querySelector": lambda h, e: Native("querySelector", lambda t, a: _query(
        e, _arg(a, 0, ""), True)),
    "querySelectorAll": lambda h, e: Native("querySelectorAll", lambda t, a: _query(
        e, _arg(a, 0, ""), False)),
    "getElementsByTagName": lambda h, e: Native("getElementsByTagName", lambda t, a: _query(
        e, _arg(a, 0, ""), False)),
    "replaceWith": lambda h, e: Native("replaceWith", lambda t, a: _replace_with(h, e, a)),
    "replaceChild": lambda h, e: Native("replaceChild", lambda t, a: _replace_child(h, e, a)),
    "remove": lambda h, e: Native("remove", lambda t, a: _removed(e)),
    "removeChild": lambda h, e: Native("removeChild", lambda t, a: _removed(_arg(a, 0))),
    "tagName": lambda h, e: e.tag.upper(),
    "nodeName": lambda h, e: e.tag.upper(),
    "nodeType": lambda h, e: 3.0 if e.tag == "#text" else 1.0,
    "hasAttributes": lambda h, e: Native("hasAttributes", lambda t, a: bool(e.attrs)),
}


def _listen_on(element: Element, args) -> object:
    if len(args) >= 2 and to_string(args[0]).lower() == "load" and len(element.listeners) < 16:
        element.listeners.append(args[1])
    return UNDEF


def _set_attribute(element: Element, args) -> object:
    name = to_string(_arg(args, 0, "")).lower()
    element.attrs[name] = to_string(_arg(args, 1))
    return UNDEF


def _set_element(element: Element, key: str, value) -> None:
    lower = key.lower()
    if lower in BOOLEAN_ATTRS:
        if truthy(value) is False:
            element.attrs.pop(lower, None)
        else:
            element.attrs[lower] = ""
    elif lower in REFLECTED or lower == "classname":
        element.attrs["class" if lower == "classname" else lower] = to_string(value)
    elif lower == "innerhtml" and element.tag not in ("script", "style"):
        element.text = to_string(value)
        from_markup(element, element.text)  # its scripts never run
    elif lower in ("text", "textcontent", "innertext", "innerhtml"):
        element.text = to_string(value)
    elif lower == "dataset" and isinstance(value, JSObject):
        for name, item in value.props.items():
            Dataset(element).set(name, item)
    else:
        element.props[key] = value


def last_child(owner, place):
    """The script the running script last put at the end of *place* (``document.head.
    lastElementChild`` right after ``append``), or None when the audit cannot tell."""
    last = owner.last_put
    if last is not None and last[0] is place and last[2] == owner.index:
        return last[1]
    return None
