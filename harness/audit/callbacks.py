"""Code a page runs later: timers, idle and animation callbacks, mutation observers,
requests' handlers, promises and dynamic imports."""

from __future__ import annotations

from .jsvalues import (
    UNDEF,
    UNKNOWN,
    JSArray,
    JSObject,
    Native,
    known,
    to_number,
    to_string,
)
from .nodes import Inserted
from .pagestate import CALLABLE, INTERVAL_RUNS, SETTLE_MS, PageState, arg0


class Promise(JSObject):
    """A promise the audit follows: ``await`` takes ``settle()``."""

    def __init__(self, props: dict, settle) -> None:
        super().__init__(props)
        self.settle = settle


class Callbacks(PageState):
    """The page's asynchronous callbacks, queued to run as the browser runs them."""

    def _later(self, this, args):
        if args and isinstance(args[0], CALLABLE):
            # (an idle deadline or a frame's time: something, never undefined)
            self.queue.append((args[0], list(args[2:]) or [UNKNOWN], self.index, self.in_head,
                               self.line_of))
        elif args and isinstance(args[0], str) and known(args[0]):
            code = args[0]  # a string timer is code, as eval would run it
            self.queue.append((Native("timer", lambda t, a: self._eval(t, [code])), [],
                               self.index, self.in_head, self.line_of))
        return UNKNOWN

    def _timer(self, args, repeat: bool) -> float:
        """``setTimeout``/``setInterval``: the callback runs later unless its id is cleared
        first; an interval runs again until cleared, up to INTERVAL_RUNS times."""
        self.timers += 1
        ident = float(self.timers)
        fn = args[0] if args else UNDEF
        if isinstance(fn, str) and known(fn):
            code = fn  # a string timer is code, as eval would run it
            fn = Native("timer", lambda t, a: self._eval(t, [code]))
        delay = to_number(args[1]) if len(args) > 1 else 0.0
        if not isinstance(fn, CALLABLE) or isinstance(delay, float) and delay > SETTLE_MS:
            return ident  # (one set for later than a page is watched never fires in it)
        extra, place = list(args[2:]), (self.index, self.in_head, self.line_of)
        runs = [0]

        def tick(this, _args):
            if ident in self.cleared:
                return UNDEF
            runs[0] += 1
            try:
                return self.running().call(fn, self.window, extra)
            finally:
                if repeat and runs[0] < INTERVAL_RUNS and ident not in self.cleared:
                    self.queue.append((Native("interval", tick), [], *place))
        self.queue.append((Native("timer", tick), [], *place))
        return ident

    def _clear(self, this, args):
        if args and isinstance(args[0], float):
            self.cleared.add(args[0])
        return UNDEF

    def _observer(self, this, args):
        """``new MutationObserver(fn)``: *fn* is called only once ``observe()`` is, not after
        ``disconnect()``, and only on a change. Observing the document's elements while it
        is parsed, with ``childList`` or ``subtree``, the parser's own insertions are one;
        elsewhere, an element the page's scripts put in the document after ``observe()`` may
        be (whether in what is observed, only the browser knows). While it stays connected
        over the whole document, a script *fn* puts in calls it again."""
        fn = args[0] if args else UNDEF
        state: dict = {"observing": False, "runs": 0, "waits": 0}
        observer = JSObject()

        def deliver(t, a):
            if not state["observing"] or state["runs"] >= INTERVAL_RUNS:
                return UNDEF
            if not state["certain"] and self.mutations == state["since"]:
                if state["waits"] < INTERVAL_RUNS:  # callbacks queued before may change it
                    state["waits"] += 1
                    self.queue.append((Native("mutation", deliver), [], *state["place"]))
                return UNDEF
            state["runs"] += 1
            before, self.speculative = len(self.found), self.speculative or not state["certain"]
            try:
                return self.running().call(fn, observer, [JSArray([UNKNOWN]), observer])
            finally:
                if state["observing"] and state["whole"] and len(self.found) > before:
                    self.queue.append((Native("mutation", deliver), [], *state["place"]))

        def observe(t, a):
            if not isinstance(fn, CALLABLE) or state["observing"]:
                return UNDEF
            target, options = arg0(a), a[1] if len(a) > 1 else UNDEF
            wants = {k: isinstance(options, JSObject) and options.get(k) is True
                     for k in ("childList", "subtree")}
            whole = target is self.document or target is self.html
            ours = whole or any(target is p for p in (self.head, self.body))
            state.update(
                observing=True, place=(self.index, self.in_head, self.line_of),
                since=self.mutations, whole=whole and wants["subtree"] and wants["childList"],
                certain=ours and self.state == "loading" and not self.deferred and (
                    wants["childList"] or wants["subtree"]))
            self.queue.append((Native("mutation", deliver), [], *state["place"]))
            return UNDEF

        observer.props.update({
            "observe": Native("observe", observe),
            "disconnect": Native("disconnect", lambda t, a: state.update(observing=False)),
            "takeRecords": Native("takeRecords", lambda t, a: JSArray([]))})
        return observer

    def _request(self, this, args):
        """``new XMLHttpRequest()``: once sent, its load and readystatechange handlers run
        as done (as a fetch's then(): whether it succeeds only the browser knows)."""
        xhr, listeners = JSObject({"readyState": 0.0}), []

        def done(t, a):
            xhr.props.update(readyState=4.0, status=UNKNOWN, responseText=UNKNOWN,
                             response=UNKNOWN)
            handlers = [xhr.props.get("onreadystatechange"), xhr.props.get("onload")]
            for fn in [*handlers, *listeners]:
                if isinstance(fn, CALLABLE):
                    self.running().call(fn, xhr, [UNKNOWN])
            return UNDEF

        def send(t, a):
            self.queue.append((Native("xhr", done), [], self.index, self.in_head,
                               self.line_of), speculative=True)
            return UNDEF

        def listen(t, a):
            if len(a) > 1 and isinstance(a[1], CALLABLE) and a[0] in (
                    "load", "loadend", "readystatechange"):
                listeners.append(a[1])
            return UNDEF
        xhr.props.update({"open": Native("open", lambda t, a: UNDEF),
                          "setRequestHeader": Native("setRequestHeader", lambda t, a: UNDEF),
                          "send": Native("send", send),
                          "addEventListener": Native("addEventListener", listen)})
        return xhr

    def imported(self, src: str) -> None:
        """A module load: no element, nowhere in the document, never blocking parsing."""
        self.found.append(Inserted("imported", {"src": src, "type": "module"}, True,
                                   self.line()))
        self.imports.setdefault(src, []).append(self.found[-1])

    @property
    def dynamic_import(self) -> Native:
        def load(this, args):
            src = to_string(args[0]) if args else "undefined"
            self.imported(self.modules.resolve(src, None) or src)
            loaded: list = [UNKNOWN]

            def run(t, a):
                loaded[0] = self.modules.load(src, None, record=False)
                return UNDEF
            # It runs later, once fetched, as a module (once per address); the promise's
            # then() callbacks after it, with its exports.
            self.queue.append((Native("import", run), [], self.index, self.in_head,
                               self.line_of))
            def settle():  # awaited: the module runs now (once), its exports are the value
                if loaded[0] is UNKNOWN:
                    run(None, [])
                return loaded[0]
            return self.promise(lambda: loaded[0], settle)
        return Native("import", load)

    def promise(self, value, settle=None) -> JSObject:
        """A promise certain to fulfil: ``then`` callbacks run later with ``value()``; what
        they return is unknown to the next ``then``, which still runs."""
        def then(this, args):
            for fn in args[:1]:
                if isinstance(fn, CALLABLE):
                    self.queue.append((Native("then", lambda t, a, fn=fn: self.running().call(
                        fn, UNDEF, [value()])), [], self.index, self.in_head, self.line_of))
            return self.promise(lambda: UNKNOWN)

        def also(this, args):  # finally(): runs too, with nothing
            for fn in args[:1]:
                if isinstance(fn, CALLABLE):
                    self.queue.append((fn, [], self.index, self.in_head, self.line_of))
            return self.promise(lambda: UNKNOWN)
        return Promise({"then": Native("then", then), "finally": Native("finally", also),
                        "catch": Native("catch", lambda t, a: self.promise(value, settle))},
                       settle or value)
