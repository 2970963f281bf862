"""Values of the abstract JavaScript evaluator: constants where the code makes them, holes
where it depends on what only a browser knows."""

from __future__ import annotations

import math

# Stands for a part of a string the page computes at run time ('…?v=' + Date.now()).
HOLE = "\ue000"


class _Sentinel:
    def __init__(self, name: str) -> None:
        self.name = name

    def __repr__(self) -> str:
        return self.name


UNKNOWN = _Sentinel("UNKNOWN")  # a value only the browser knows
UNDEF = _Sentinel("undefined")


class JSObject:
    """A plain object: object literals, ``location``, the global object."""

    missing = UNDEF
    as_string: str | None = None  # what String(it) gives, when not "[object Object]"

    def __init__(self, props: dict | None = None, proto: JSObject | None = None) -> None:
        self.props = dict(props or {})
        self.proto = proto  # a constructor's prototype: the methods instances share

    def get(self, key):
        if key in self.props or self.proto is None:
            return self.props.get(key, self.missing)
        return self.proto.get(key)

    def set(self, key, value) -> None:
        self.props[key] = value


class Global(JSObject):
    """``window``: what no script here assigned may have been set by one we cannot read."""

    missing = UNKNOWN

    def __init__(self, props: dict | None = None, on_set=None) -> None:
        super().__init__(props)
        self.on_set = on_set

    def set(self, key, value) -> None:
        super().set(key, value)
        if self.on_set:
            self.on_set(key, value)


class JSArray(JSObject):
    def __init__(self, items: list | None = None) -> None:
        super().__init__()
        self.items = list(items or [])

    def get(self, key):
        if key == "length":
            return float(len(self.items))
        index = as_index(key)
        if index is not None:
            return self.items[index] if index < len(self.items) else UNDEF
        return super().get(key)

    def set(self, key, value) -> None:
        index = as_index(key)
        if index is not None and index < 10_000:
            self.items += [UNDEF] * (index + 1 - len(self.items))
            self.items[index] = value
        else:
            super().set(key, value)


class Function:
    """A function the page wrote: its AST node and the scope it closes over; a class is one
    whose node is its constructor (None: it has none) and whose prototype holds methods."""

    def __init__(self, node, scope) -> None:
        self.node, self.scope = node, scope
        self.props = JSObject()

    def get(self, key):
        if key == "prototype" and "prototype" not in self.props.props:
            self.props.set("prototype", JSObject())  # made on first use, as ES5 classes do
        return self.props.get(key)

    def set(self, key, value) -> None:
        self.props.set(key, value)


class Getter:
    """An accessor property: reading it calls its getter (*fn*; none: undefined), writing
    it its *setter* (none: the write is lost)."""

    def __init__(self, fn, setter=None) -> None:
        self.fn, self.setter = fn, setter


class Native:
    """A browser function the evaluator models: ``fn(this, args)``."""

    def __init__(self, name: str, fn, this=None, props: dict | None = None) -> None:
        self.name, self.fn, self.this = name, fn, this
        self.props = props or {}

    def get(self, key):
        return self.props.get(key, UNKNOWN)

    def set(self, key, value) -> None:
        pass


def as_index(key) -> int | None:
    if isinstance(key, float) and key.is_integer() and key >= 0:
        return int(key)
    if isinstance(key, str) and key.isdigit():
        return int(key)
    return None


def known(value) -> bool:
    return value is not UNKNOWN and not (isinstance(value, str) and HOLE in value)


def truthy(value) -> bool | None:
    """JavaScript truthiness; None when only the browser knows."""
    if value is UNKNOWN:
        return None
    if value is UNDEF or value is None:
        return False
    if isinstance(value, bool):
        return value
    if isinstance(value, float):
        return not (value == 0 or math.isnan(value))
    if isinstance(value, str):
        if value.replace(HOLE, ""):
            return True  # any known character makes it non-empty
        return None if value else False
    return True


def to_string(value) -> str:
    """``String(value)``; an unknown value becomes a hole in the string."""
    if isinstance(value, str):
        return value
    if value is UNKNOWN:
        return HOLE
    if value is UNDEF:
        return "undefined"
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        if value.is_integer() and abs(value) < 1e21:
            return str(int(value))
        return "NaN" if math.isnan(value) else repr(value)
    if isinstance(value, JSArray):
        return ",".join("" if v in (UNDEF, None) else to_string(v) for v in value.items)
    if isinstance(value, JSObject) and value.as_string is not None:
        return value.as_string
    return HOLE


def to_number(value) -> float | object:
    if isinstance(value, bool):
        return 1.0 if value else 0.0
    if isinstance(value, float):
        return value
    if value is None:
        return 0.0
    if value is UNDEF:
        return math.nan
    if isinstance(value, str) and known(value):
        try:
            return float(value.strip() or 0)
        except ValueError:
            return math.nan
    return UNKNOWN


def to_int(value) -> int:
    """Return ``int()`` of *value*'s number; TypeError for a number only the browser knows."""
    number = to_number(value)
    if not isinstance(number, float):
        raise TypeError("not a known number")
    return int(number)


def type_of(value) -> str | object:
    if value is UNKNOWN:
        return UNKNOWN
    if value is UNDEF:
        return "undefined"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, float):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, (Function, Native)):
        return "function"
    return "object"


def strict_equal(left, right) -> bool | object:
    if not known(left) or not known(right):
        return UNKNOWN
    if type(left) is not type(right):
        return False
    if isinstance(left, (str, float, bool)) or left in (None, UNDEF):
        return left == right
    return left is right


def loose_equal(left, right) -> bool | object:
    if not known(left) or not known(right):
        return UNKNOWN
    nullish = (None, UNDEF)
    if left in nullish or right in nullish:
        return left in nullish and right in nullish
    if isinstance(left, (str, float, bool)) and isinstance(right, (str, float, bool)):
        if type(left) is type(right):
            return left == right
        return to_number(left) == to_number(right)
    return left is right
