"""Events as a page load fires them: load-event listeners and handlers, events the page
dispatches itself, uncaught errors, and callbacks an API the audit cannot see may call."""

from __future__ import annotations

import re

from .jsvalues import (
    UNDEF,
    UNKNOWN,
    JSObject,
    Native,
    known,
    to_string,
)
from .pagestate import CALLABLE, PageState, arg0

_LOAD_EVENTS = {"load", "domcontentloaded", "readystatechange", "pageshow"}
# Where each of them reaches a listener: load and pageshow are fired at the window (never at
# the document, whatever their target says), DOMContentLoaded at the document and bubbles
# to the window, readystatechange at the document without bubbling (a window's capturing
# listener still sees it).
_HEARD = {("window", "load"), ("window", "pageshow"), ("window", "domcontentloaded"),
          ("document", "domcontentloaded"), ("document", "readystatechange")}
# Event handler properties that exist: window.onDOMContentLoaded and document.onload are
# expandos or never called.
_HANDLERS = {("window", "onload"), ("window", "onpageshow"),
             ("document", "onreadystatechange")}
_USER_EVENTS = re.compile(r"^(click|dblclick|submit|scroll|mouse\w*|key\w*|touch\w*|pointer\w*|"
                          r"focus\w*|blur|change|input|wheel|contextmenu|drag\w*|drop)$", re.I)
# Consent tools' APIs (TCF, GPP, CCPA, and the common platforms' own).
_CONSENT_API = re.compile(r"consent|__tcfapi|__cmp|__gpp|__uspapi|optanon|onetrust|cookiebot|"
                          r"didomi|usercentrics|uc_ui|klaro|cookieyes|termly|iubenda", re.I)


def make_event(this, args) -> JSObject:
    """``new Event(type, {bubbles})`` or ``new CustomEvent(type, {detail})``."""
    options = args[1] if len(args) > 1 and isinstance(args[1], JSObject) else JSObject()
    return JSObject({"type": to_string(args[0]) if args else "undefined",
                     "bubbles": options.props.get("bubbles") is True,
                     "detail": options.props.get("detail", None)})


def heard(target: str, event: str, capture: bool = False) -> bool:
    """Whether a listener for the page-load *event* on *target* (``window``, ``document``,
    or ``other`` when the audit cannot tell) is called as the page loads."""
    event = event.lower()
    if event not in _LOAD_EVENTS:
        return False
    if target == "other":
        return True
    return (target, event) in _HEARD or (capture and (target, event) == (
        "window", "readystatechange"))


def _callee_names(node) -> list[str]:
    """The names along a call's callee (``OneTrust.OnConsentChanged`` → both)."""
    names: list[str] = []
    callee = getattr(node, "callee", None)
    for _ in range(16):
        if callee is None:
            break
        if callee.type == "Identifier":
            names.append(callee.name)
            break
        if callee.type != "MemberExpression":
            break
        prop = callee.property
        if prop.type == "Identifier" and not callee.computed:
            names.append(prop.name)
        elif prop.type == "Literal" and isinstance(prop.value, str):
            names.append(prop.value)
        callee = callee.object
    return names


class Events(PageState):
    """Listeners and handlers of the page's events."""

    def unknown_call(self, args: list) -> None:
        """An API we cannot see may call the functions it is given, except on user events
        and a consent tool's: on a first visit there is no consent to call back with."""
        if any(isinstance(a, str) and _USER_EVENTS.match(a) for a in args):
            return
        if any(_CONSENT_API.search(name) for name in _callee_names(self.node)):
            return
        for arg in args:
            if isinstance(arg, CALLABLE):
                # (an observer's callback gets the entries and the observer)
                self.queue.append((arg, [UNKNOWN, UNKNOWN], self.index, self.in_head,
                                   self.line_of), speculative=True)

    def unknown_handler(self, key: str, value) -> None:
        """``x.onmessage = fn`` on an object only the browser knows (a ``new Worker()``'s):
        it may call the handler, as an unseen API may call what it is given."""
        if key[:2].lower() == "on" and isinstance(value, CALLABLE) and \
                not _USER_EVENTS.match(key[2:]):
            self.queue.append((value, [UNKNOWN], self.index, self.in_head, self.line_of),
                              speculative=True)

    def _listen(self, this, args):
        target = "window" if this is self.window else "document" if this is self.document \
            else "other"
        options = args[2] if len(args) > 2 else False
        capture = options is True or isinstance(options, JSObject) and \
            options.props.get("capture") is True
        if len(args) >= 2 and isinstance(args[1], CALLABLE) and isinstance(args[0], str) and \
                heard(target, args[0], capture) and not self._past(args[0].lower()):
            self.queue.append((self._staged(args[1], args[0].lower()), [UNKNOWN], self.index,
                               self.in_head, self.line_of))
        elif len(args) >= 2 and isinstance(args[1], CALLABLE) and isinstance(args[0], str) and \
                known(args[0]) and target != "other":
            listeners = self.listeners.setdefault((target, args[0]), [])
            if args[1] not in listeners and len(listeners) < 16:
                listeners.append(args[1])
        return UNDEF

    def _dispatch(self, this, args):
        """``dispatchEvent(new Event(type))`` on the window or the document: its listeners
        run at once, in the order added, as the browser calls them."""
        from .jseval import Throw

        event = arg0(args)
        kind = event.props.get("type") if isinstance(event, JSObject) else None
        target = "window" if this is self.window else "document" if this is self.document \
            else None
        if not isinstance(kind, str) or target is None:
            return UNKNOWN
        for fn in list(self.listeners.get((target, kind), ())):
            try:
                self.running().call(fn, this, [event])
            except Throw:
                pass  # a listener's error is reported, and the next one runs
        if target == "document" and event.props.get("bubbles") is True:
            for fn in list(self.listeners.get(("window", kind), ())):
                try:
                    self.running().call(fn, self.window, [event])
                except Throw:
                    pass
        return True

    def uncaught(self, event: str = "error") -> None:
        """An error no code caught (a script's, a callback's): the window's *event*,
        ``onerror`` then the ``error`` listeners, at once (what lazy loaders such as
        Sentry's wait for; a rejection nothing took is ``unhandledrejection``); an error
        of theirs is not reported again."""
        from .jseval import Throw

        if self.reporting:
            return
        handler = self.window.props.get("on" + event)
        self.reporting = True
        try:
            for fn in ([handler] if isinstance(handler, CALLABLE) else []) + list(
                    self.listeners.get(("window", event), ())):
                try:
                    self.running().call(fn, self.window, [UNKNOWN])
                except Throw:
                    pass
        finally:
            self.reporting = False

    def _staged(self, fn, event: str) -> Native:
        """*fn* as the browser calls it for *event*: on DOMContentLoaded the document is
        interactive; readystatechange comes twice, interactive then complete."""
        states = {"domcontentloaded": ["interactive"],
                  "readystatechange": ["interactive", "complete"]}.get(event, ["complete"])

        def run(this, args):
            before, self.dispatching = self.dispatching, event
            try:
                for state in states:
                    self.document.props["readyState"] = state
                    self.running().call(fn, this, args)
            finally:
                self.dispatching = before
            return UNDEF
        return Native(event, run)

    def _past(self, event: str) -> bool:
        """Whether *event* is already dispatched, as a listener of the one now dispatched
        adds a listener for it (``onload`` set in a load listener never runs)."""
        order = ("domcontentloaded", "load", "pageshow")
        return self.dispatching in order and event in order and \
            order.index(event) <= order.index(self.dispatching)

    def _on_handler(self, key, value, target: str = "window") -> None:
        """``window.onload = fn``: only the last handler set runs."""
        if not (isinstance(key, str) and (target, key.lower()) in _HANDLERS):
            return
        slot = (target, key.lower())
        earlier = self.handlers.pop(slot, None)
        if earlier is not None and earlier in self.queue:
            self.queue.remove(earlier)
        if isinstance(value, CALLABLE) and not self._past(key.lower()[2:]):
            self.queue.append((self._staged(value, key.lower()[2:]), [UNKNOWN], self.index,
                               self.in_head, self.line_of))
            self.handlers[slot] = self.queue[-1]
